//! Contexts in the terminal UI: the frame names the context (in the danger
//! color for production), `:context NAME` switches (with completion), and
//! in a production context every operation that changes a source waits for
//! the context's name typed back: only the exact name lets it go.

mod tui_support;

use std::sync::Arc;

use evscope::config::Config;
use evscope::tui::app::{App, Dialog, Mode};
use evscope::tui::context::{Active, ContextState};
use evscope::tui::jobs::Effect;
use evscope::tui::theme::Role;
use tui_support::*;

const CONFIG: &str = r#"
[contexts.prod]
production = true
sources = ["demo:notifications"]
[contexts.prod-rw]
production = true
read_only = false
[contexts.dev]
sources = ["demo:payments", "demo:payments.dlq"]
"#;

/// The demo app in the context `name` of [`CONFIG`], read-only as the
/// context starts.
fn app_in(name: Option<&str>, w: u16, h: u16) -> App {
    let mut app = demo_app(w, h);
    let config = Config::parse(CONFIG).unwrap();
    let active = name.map(|name| {
        let context = config.contexts.get(name).unwrap();
        app.read_only = context.starts_read_only();
        Active {
            name: name.to_string(),
            production: context.production,
        }
    });
    app.context = ContextState::new(active, Arc::new(config), Default::default());
    app
}

fn replays(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Replay { .. }))
        .count()
}

fn typing_back(app: &App) -> bool {
    app.mode == Mode::Dialog && matches!(app.dialog, Some(Dialog::TypeBack { .. }))
}

#[test]
fn production_frame_names_the_context_in_the_danger_color() {
    let app = app_in(Some("prod"), 100, 24);
    let text = screen(&app);
    let first = text.lines().next().unwrap();
    assert!(
        first.contains("context prod PRODUCTION read-only"),
        "{first}"
    );
    let terminal = draw(&app);
    let corner = &terminal.backend().buffer()[(0, 0)];
    assert_eq!(corner.fg, app.theme.style(Role::Danger).fg.unwrap());
    insta::assert_snapshot!(text);
}

#[test]
fn without_a_context_there_is_no_frame_and_a_plain_context_is_not_red() {
    let app = app_in(None, 100, 24);
    assert!(screen(&app).starts_with("╭ Sources"), "{}", screen(&app));
    let app = app_in(Some("dev"), 100, 24);
    let text = screen(&app);
    assert!(text.lines().next().unwrap().contains("context dev "));
    assert!(!text.contains("PRODUCTION"));
    let terminal = draw(&app);
    let corner = &terminal.backend().buffer()[(0, 0)];
    assert_eq!(corner.fg, app.theme.style(Role::Border).fg.unwrap());
}

#[test]
fn type_back_dialog_accepts_only_the_exact_name() {
    let mut app = app_in(Some("prod-rw"), 100, 30);
    key(&mut app, ":replay copy.jsonl\n");
    // Held at the door: nothing goes to the background, no job runs.
    assert_eq!(replays(&effects(&mut app)), 0);
    assert!(typing_back(&app));
    assert!(app.job.is_none());
    insta::assert_snapshot!(screen(&app));
    // `y` and `n` are letters here, not answers; wrong names are refused.
    for wrong in ["y\n", "n\n", "Prod-rw\n", "prod\n", "prod-rw2\n", "\n"] {
        key(&mut app, wrong);
        assert!(typing_back(&app), "{wrong:?} closed the dialog");
        assert_eq!(replays(&effects(&mut app)), 0, "{wrong:?} let it run");
    }
    let text = screen(&app);
    assert!(text.contains("is not `prod-rw`"), "{text}");
    key(&mut app, "prod-rw\n");
    assert_eq!(app.mode, Mode::List);
    assert_eq!(replays(&effects(&mut app)), 1);
    assert!(app.job.is_some(), "the held job runs");
}

#[test]
fn escape_drops_the_held_operation() {
    let mut app = app_in(Some("prod-rw"), 100, 30);
    key(&mut app, ":replay copy.jsonl\n");
    assert_eq!(replays(&effects(&mut app)), 0);
    key(&mut app, "pro\x1b");
    assert_eq!(app.mode, Mode::List);
    assert_eq!(replays(&effects(&mut app)), 0);
    assert!(app.job.is_none());
    let status = app.status.as_ref().unwrap().text.to_string();
    assert!(status.contains("nothing was changed"), "{status}");
    // The next operation asks again.
    key(&mut app, ":replay copy.jsonl\n");
    assert_eq!(replays(&effects(&mut app)), 0);
    assert!(typing_back(&app));
}

#[test]
fn a_context_that_is_not_production_asks_nothing_more() {
    let mut app = app_in(Some("dev"), 100, 30);
    key(&mut app, ":replay copy.jsonl\n");
    assert_eq!(replays(&effects(&mut app)), 1);
    assert_eq!(app.mode, Mode::List);
}

#[test]
fn context_command_switches_sources_settings_and_read_only() {
    let mut app = app_in(Some("dev"), 100, 30);
    assert!(!app.read_only);
    key(&mut app, ":context prod\n");
    let effects = effects(&mut app);
    let reach = effects.iter().find_map(|e| match e {
        Effect::UseContext(reach) => Some(reach),
        _ => None,
    });
    assert!(
        reach
            .expect("the new settings go to the background")
            .read_only
    );
    let opened: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Open { uri, .. } => Some(uri.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(opened, ["demo:notifications"]);
    assert_eq!(app.context.production(), Some("prod"));
    assert!(app.read_only, "production starts read-only");
    assert_eq!(app.sources.len(), 1);
    assert!(
        screen(&app)
            .lines()
            .next()
            .unwrap()
            .contains("context prod PRODUCTION read-only")
    );
    // Read-only: the keys that change sources are disabled.
    key(&mut app, "d");
    let status = app.status.as_ref().unwrap().text.to_string();
    assert!(
        status.ends_with("is disabled: the context prod is read-only"),
        "{status}"
    );
    // A context without sources reopens those open now, with its settings.
    key(&mut app, ":context prod-rw\n");
    assert!(!app.read_only);
    let opened = effects_opened(&mut app);
    assert_eq!(opened, ["demo:notifications"]);
}

fn effects_opened(app: &mut App) -> Vec<String> {
    effects(app)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Open { uri, .. } => Some(uri),
            _ => None,
        })
        .collect()
}

#[test]
fn context_command_completes_names_and_refuses_unknown_ones() {
    let mut app = app_in(None, 100, 30);
    key(&mut app, ":context pr\t");
    assert_eq!(app.command_input.text(), "context prod");
    key(&mut app, "\x1b:context nope\n");
    let status = app.status.as_ref().unwrap().text.to_string();
    assert_eq!(
        status,
        "unknown context `nope` (contexts: dev, prod, prod-rw)"
    );
    assert!(app.context.active.is_none());
    assert!(effects_opened(&mut app).is_empty());
    key(&mut app, ":context\n");
    let status = app.status.as_ref().unwrap().text.to_string();
    assert_eq!(status, "contexts: dev, prod, prod-rw");
}

fn exports(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Export { .. }))
        .count()
}

/// An export over a file asks yes first (as anywhere), then the name; an
/// export to a new file changes nothing that exists and asks neither.
#[test]
fn an_export_over_a_file_asks_yes_then_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.jsonl");
    std::fs::write(&old, "{}\n").unwrap();
    let mut app = app_in(Some("prod-rw"), 100, 30);
    key(&mut app, &format!(":export {}\n", old.display()));
    assert!(matches!(app.dialog, Some(Dialog::Confirm { .. })));
    key(&mut app, "y");
    assert_eq!(exports(&effects(&mut app)), 0);
    assert!(typing_back(&app));
    key(&mut app, "prod-rw\n");
    assert_eq!(exports(&effects(&mut app)), 1);
    let new = dir.path().join("new.jsonl");
    // The first export's job still "runs" in this test: finish it.
    app.job = None;
    key(&mut app, &format!(":export {}\n", new.display()));
    assert_eq!(exports(&effects(&mut app)), 1);
    assert_eq!(app.mode, Mode::List);
}
