//! The terminal UI without a terminal: screens on ratatui's TestBackend
//! (insta snapshots), key handling on the App state, hostile data, themes,
//! and the event loop itself on a TestBackend.

mod tui_support;

use std::sync::Arc;

use evscope::backend::Record;
use evscope::model::Event;
use evscope::tui::action::Action;
use evscope::tui::app::{Dialog, Mode, Pane, Preset};
use evscope::tui::jobs::{Effect, Msg};
use evscope::tui::keymap::Keymap;
use evscope::tui::theme::Theme;
use evscope::tui::update::{apply, update};
use tui_support::*;

// ---- snapshots -----------------------------------------------------------

#[test]
fn main_screen() {
    let mut app = demo_app(120, 40);
    key(&mut app, "j");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn held_messages_in_the_status_bar_and_the_sources_pane() {
    let mut app = demo_app(120, 30);
    let holding = |held, secs| evscope::backend::HoldStatus {
        held,
        longest: std::time::Duration::from_millis(secs),
        max_hold: Some(std::time::Duration::from_secs(30)),
        ..Default::default()
    };
    for (slot, status) in [(0, holding(7, 12_400)), (2, holding(3, 2_000))] {
        apply(
            &mut app,
            Msg::Holding {
                slot,
                status,
                ended: false,
            },
        );
    }
    // A status message does not push the held count out of view.
    key(&mut app, "t");
    insta::assert_snapshot!(screen(&app));
}

/// The histogram above the table charts the shown events: with a filter,
/// only those it keeps, in buckets fitted to the width.
#[test]
fn histogram_of_the_filtered_events() {
    let mut app = demo_app(120, 30);
    key(&mut app, "/@.meta.type == 'PaymentCreated'\n");
    run_background(&mut app);
    let text = screen(&app);
    let line = text
        .lines()
        .find(|l| l.contains("/col"))
        .expect("a histogram line");
    assert!(
        line.contains("2026-11-20 09:15") && line.contains("0s/col"),
        "{line}"
    );
    insta::assert_snapshot!(text);
}

/// `:stats type` counts the events shown (here: those the filter keeps);
/// picking a row filters the table to it, within the filter.
#[test]
fn stats_view_counts_the_shown_events_and_picking_a_row_filters() {
    let mut app = demo_app(100, 30);
    key(&mut app, "/@.meta.type != 'SEND_EMAIL'\n");
    run_background(&mut app);
    let shown = app.shown();
    key(&mut app, ":stats type\n");
    assert_eq!(app.mode, Mode::Stats);
    assert!(screen(&app).contains("counting the events shown"));
    run_background(&mut app);
    let pivot = app.stats.as_ref().unwrap().pivot.clone().expect("counted");
    assert_eq!(pivot.events as usize, shown);
    assert!(
        !pivot.rows.iter().any(|r| r == "SEND_EMAIL"),
        "{:?}",
        pivot.rows
    );
    key(&mut app, "j");
    insta::assert_snapshot!(screen(&app));
    let picked = pivot.rows[1].clone();
    let count = pivot.row_totals[1].unwrap() as usize;
    key(&mut app, "\n");
    run_background(&mut app);
    assert_eq!(app.mode, Mode::List);
    assert_eq!(
        app.filter.text,
        format!("(@.meta.type != 'SEND_EMAIL') && (@.meta.type == '{picked}')")
    );
    assert_eq!(app.shown(), count);
    // Bad keys say so and leave the view closed.
    key(&mut app, ":stats colour\n");
    assert_eq!(app.mode, Mode::List);
    assert!(app.stats.is_none());
}

/// `:stats flow-state` counts each shown event under its flow's state as
/// the flows pass judged it (the table's flow mark); a view opened before
/// the flows are linked is counted again when they are.
#[test]
fn stats_view_by_flow_state_follows_the_flows_pass() {
    let mut app = demo_app(100, 30);
    let flows = app.flows.result.take().expect("demo flows linked");
    key(&mut app, ":stats flow-state\n");
    run_background(&mut app);
    let pivot = app.stats.as_ref().unwrap().pivot.clone().expect("counted");
    assert_eq!(pivot.rows, ["(none)"], "nothing linked yet");
    apply(&mut app, Msg::Flows(flows));
    run_background(&mut app);
    let pivot = app.stats.as_ref().unwrap().pivot.clone().expect("counted");
    let mut expected = std::collections::BTreeMap::<String, f64>::new();
    for row in 0..app.store.len() {
        let state = app.flow_state(row).map_or("(none)", |s| s.as_str());
        *expected.entry(state.to_string()).or_default() += 1.0;
    }
    let counted: std::collections::BTreeMap<String, f64> = pivot
        .rows
        .iter()
        .cloned()
        .zip(pivot.row_totals.iter().map(|v| v.unwrap()))
        .collect();
    assert_eq!(counted, expected);
    assert_eq!(counted["failed"], 9.0);
    assert_eq!(pivot.events, 32);
    // Flow states are no filter: picking says where to look instead.
    key(&mut app, "\n");
    assert_eq!(app.mode, Mode::Stats);
    let status = app.status.clone().unwrap().text.to_string();
    assert!(status.contains("flows view"), "{status}");
}

/// The foreground of the first cell of `needle` on the first screen row
/// that holds it.
fn fg_of(app: &evscope::tui::app::App, needle: &str) -> Option<ratatui::style::Color> {
    let terminal = draw(app);
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height).find_map(|y| {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        let x = row.find(needle)?;
        let column = row[..x].chars().count() as u16;
        buffer[(column, y)].fg.into()
    })
}

/// Bodies longer than the view scroll: enter moves the keys to them, j/k
/// and the page keys scroll both sides together, the differing lines stay
/// highlighted, enter goes back to the list, picking another pair starts
/// at its top.
#[test]
fn compare_view_bodies_scroll_and_keep_the_differences_highlighted() {
    let dir = tempfile::tempdir().unwrap();
    let line = |id: &str, last: i64| {
        let mut body = serde_json::json!({"eventId": id, "eventName": "PaymentCreated"});
        for i in 0..40 {
            body[format!("field{i:02}")] = serde_json::json!(i);
        }
        body["zlast"] = serde_json::json!(last);
        format!("{body}\n")
    };
    let a = dir.path().join("old.jsonl");
    let b = dir.path().join("new.jsonl");
    std::fs::write(&a, [line("e1", 1), line("e2", 2)].concat()).unwrap();
    std::fs::write(&b, [line("e1", 10), line("e2", 20)].concat()).unwrap();
    let mut app = demo_app(110, 24);
    key(
        &mut app,
        &format!(":diff {} {}\n", a.display(), b.display()),
    );
    run_background(&mut app);
    let text = screen(&app);
    assert!(text.contains(" A 1-"), "{text}");
    assert!(!text.contains("zlast"), "{text}");
    // j in the list picks; enter gives the keys to the bodies.
    key(&mut app, "\n");
    assert!(app.compare.as_ref().unwrap().bodies);
    key(&mut app, "jj");
    assert_eq!(app.compare.as_ref().unwrap().scroll, 2);
    assert_eq!(app.compare.as_ref().unwrap().cursor, 0);
    key(&mut app, "G");
    let view = app.compare.as_ref().unwrap();
    let page = evscope::tui::views::compare::body_height(app.size);
    assert_eq!(view.scroll, view.body_lines() - page);
    let warning = app.theme.style(evscope::tui::theme::Role::Warning).fg;
    assert_eq!(fg_of(&app, "\"zlast\": 10"), warning);
    // A's line is left of B's on the same row: the first found.
    assert_eq!(fg_of(&app, "\"zlast\": 1"), warning);
    assert_ne!(fg_of(&app, "\"field39\""), warning);
    let text = screen(&app)
        .replace(&a.display().to_string(), "OLD")
        .replace(&b.display().to_string(), "NEW");
    assert!(
        !text.contains("\"eventId\""),
        "scrolled past the top: {text}"
    );
    insta::assert_snapshot!(text);
    // Past the end it stays at the end; up a page and back to the top.
    key(&mut app, "j");
    assert_eq!(app.compare.as_ref().unwrap().scroll, view_scroll(&app));
    key(&mut app, "g");
    assert_eq!(app.compare.as_ref().unwrap().scroll, 0);
    // Back in the list, the next pair starts at its top.
    key(&mut app, "G\n");
    assert!(!app.compare.as_ref().unwrap().bodies);
    key(&mut app, "j");
    let view = app.compare.as_ref().unwrap();
    assert_eq!((view.cursor, view.scroll), (1, 0));
}

/// The last scroll line of the picked pair.
fn view_scroll(app: &evscope::tui::app::App) -> usize {
    let view = app.compare.as_ref().unwrap();
    view.body_lines() - evscope::tui::views::compare::body_height(app.size)
}

/// `:diff A B` reads both sources in the background, then lists what
/// differs and shows the picked pair side by side, differing lines marked.
#[test]
fn compare_view_lists_and_shows_a_pair_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let line = |id: &str, amount: i64| {
        format!(
            "{{\"eventId\":\"{id}\",\"eventName\":\"PaymentCreated\",\"amount\":{amount},\"currency\":\"EUR\"}}\n"
        )
    };
    let a = dir.path().join("old.jsonl");
    let b = dir.path().join("new.jsonl");
    std::fs::write(&a, [line("e1", 1), line("e2", 2), line("e3", 3)].concat()).unwrap();
    std::fs::write(&b, [line("e1", 1), line("e2", 20), line("e4", 4)].concat()).unwrap();
    let mut app = demo_app(110, 24);
    key(
        &mut app,
        &format!(":diff {} {}\n", a.display(), b.display()),
    );
    assert_eq!(app.mode, Mode::Compare);
    assert!(screen(&app).contains("reading and comparing"));
    run_background(&mut app);
    let report = app
        .compare
        .as_ref()
        .unwrap()
        .report
        .clone()
        .unwrap()
        .unwrap();
    assert_eq!(report.only_a, ["e3"]);
    assert_eq!(report.only_b, ["e4"]);
    assert_eq!(report.different[0].paths, ["$.body.amount"]);
    let text = screen(&app)
        .replace(&a.display().to_string(), "OLD")
        .replace(&b.display().to_string(), "NEW");
    insta::assert_snapshot!(text);
    // The differing line is highlighted on both sides, the others are not.
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    let warning = app.theme.style(evscope::tui::theme::Role::Warning).fg;
    let style_of = |needle: &str| {
        (0..buffer.area.height)
            .find_map(|y| {
                let row: String = (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect();
                let x = row.find(needle)?;
                let column = row[..x].chars().count() as u16;
                Some(buffer[(column, y)].fg)
            })
            .unwrap()
    };
    assert_eq!(Some(style_of("\"amount\": 20")), warning);
    assert_eq!(Some(style_of("\"amount\": 2,")), warning);
    assert_ne!(Some(style_of("\"currency\"")), warning);
    key(&mut app, "l");
    assert_eq!(app.compare.as_ref().unwrap().list, 0);
    key(&mut app, "q");
    assert_eq!(app.mode, Mode::List);
    assert!(app.compare.is_none());
}

/// Two sources with nothing in common but no pair that differs: the view
/// opens on the first list that has events (only in A), not on the empty
/// "different" list, and shows its keys; without any difference and only
/// B's extras, on "only in B".
#[test]
fn compare_view_opens_on_a_list_that_has_events() {
    let dir = tempfile::tempdir().unwrap();
    let line = |id: &str| format!("{{\"eventId\":\"{id}\",\"n\":1}}\n");
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    let c = dir.path().join("c.jsonl");
    std::fs::write(&a, [line("k1"), line("k2"), line("k3")].concat()).unwrap();
    std::fs::write(&b, [line("k3"), line("k4")].concat()).unwrap();
    std::fs::write(
        &c,
        [line("k1"), line("k2"), line("k3"), line("k5")].concat(),
    )
    .unwrap();
    let mut app = demo_app(110, 24);
    key(
        &mut app,
        &format!(":diff {} {}\n", a.display(), b.display()),
    );
    run_background(&mut app);
    assert_eq!(app.compare.as_ref().unwrap().list, 0);
    let text = screen(&app);
    assert!(text.contains("k1") && text.contains("k2"), "{text}");
    key(&mut app, "q");
    key(
        &mut app,
        &format!(":diff {} {}\n", a.display(), c.display()),
    );
    run_background(&mut app);
    assert_eq!(app.compare.as_ref().unwrap().list, 1);
    assert!(screen(&app).contains("k5"));
}

#[test]
fn narrow_terminal() {
    let mut app = demo_app(80, 24);
    key(&mut app, "]]jj");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_screen() {
    let mut app = demo_app(100, 53);
    key(&mut app, "?");
    assert_eq!(app.mode, Mode::Help);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn filter_error_keeps_the_previous_filter() {
    let mut app = demo_app(100, 30);
    key(&mut app, "/@.meta.expired == true\n");
    run_background(&mut app);
    assert_eq!(app.filter.text, "@.meta.expired == true");
    key(&mut app, "/");
    update(&mut app, Action::ClearLine);
    key(&mut app, "$[?(@.meta.type == 'x'\n");
    // Still editing, with an error naming where; the old filter still applies.
    assert_eq!(app.mode, Mode::Filter);
    let error = app.input_error.clone().expect("an error");
    assert_eq!(error.position, Some(22));
    assert_eq!(app.filter.text, "@.meta.expired == true");
    // Typing stopped the old filter's scan; it runs again and applies.
    run_background(&mut app);
    assert_eq!(app.shown(), 1);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn confirmation_dialog() {
    let mut app = demo_app(100, 30);
    apply(
        &mut app,
        Msg::RedrivePlanned {
            slot: 1,
            target: Ok("demo:payments".into()),
            ids: None,
            count: 4,
        },
    );
    assert_eq!(app.mode, Mode::Dialog);
    insta::assert_snapshot!(screen(&app));
    key(&mut app, "n");
    assert_eq!(app.mode, Mode::List);
    assert!(app.dialog.is_none());
}

#[test]
fn facets_mask_and_reveal_secrets() {
    let mut app = demo_app(110, 44);
    key(&mut app, "j3");
    let masked = screen(&app);
    assert!(masked.contains("eyJ…"), "{masked}");
    assert!(!masked.contains("c2lnbmVkLWJ5LWRlbW8"));
    insta::assert_snapshot!(masked);
    let detail_text = |app: &evscope::tui::app::App| -> String {
        app.detail
            .lines
            .iter()
            .flat_map(|l| l.iter().map(|s| s.text.to_string()))
            .collect()
    };
    key(&mut app, "4");
    assert!(
        !detail_text(&app).contains("c2lnbmVkLWJ5LWRlbW8"),
        "{}",
        detail_text(&app)
    );
    assert!(detail_text(&app).contains("\"secrets_masked\":true"));
    key(&mut app, "s");
    assert!(detail_text(&app).contains("c2lnbmVkLWJ5LWRlbW8"));
    key(&mut app, "2");
    assert!(detail_text(&app).contains("c2lnbmVkLWJ5LWRlbW8"));
    key(&mut app, "3");
    assert!(
        detail_text(&app).contains("c2lnbmVkLWJ5LWRlbW8"),
        "the facet reveals the token from its path"
    );
    key(&mut app, "s");
    assert!(!detail_text(&app).contains("c2lnbmVkLWJ5LWRlbW8"));
}

#[test]
fn body_tab_decodes_payload_strings() {
    let mut app = demo_app(110, 40);
    key(&mut app, "Gk1");
    let text = screen(&app);
    assert!(text.contains("注文を受け付けました"), "{text}");
    assert!(text.contains("(JSON string, decoded)"), "{text}");
}

// ---- key handling --------------------------------------------------------

#[test]
fn navigation_keys_move_the_cursor() {
    let mut app = demo_app(120, 40);
    key(&mut app, "jjj");
    assert_eq!(app.cursor, 3);
    key(&mut app, "G");
    assert_eq!(app.cursor, 31);
    key(&mut app, "g");
    assert_eq!(app.cursor, 0);
    update(&mut app, Action::PageDown);
    assert_eq!(app.cursor, app.areas().table_rows());
    // Notification 103 (row 23), whose body is longer than its pane.
    key(&mut app, &format!("g{}\t", "j".repeat(23)));
    assert_eq!(app.focus, Pane::Detail);
    key(&mut app, "j");
    assert_eq!(app.detail.scroll, 1);
    key(&mut app, "\t");
    assert_eq!(app.focus, Pane::Sources);
    key(&mut app, "jj\n");
    assert_eq!(app.scope, Some(1));
    assert_eq!(app.shown(), 4);
    assert_eq!(app.focus, Pane::Table);
}

#[test]
fn presets_filter_by_summary() {
    let mut app = demo_app(120, 40);
    key(&mut app, "E");
    assert_eq!(app.preset, Some(Preset::Expired));
    assert_eq!(ids_shown(&app), vec!["line-2"]);
    key(&mut app, "E");
    assert_eq!(app.preset, None);
    key(&mut app, "M");
    assert_eq!(
        ids_shown(&app),
        vec![
            "8f1c2a60-0008",
            "c0ffee00-0002",
            "line-7",
            "line-8",
            "line-11"
        ]
    );
    key(&mut app, "\x1bg");
    key(&mut app, "c");
    assert_eq!(
        ids_shown(&app),
        vec![
            "8f1c2a60-0001",
            "8f1c2a60-0002",
            "8f1c2a60-0003",
            "c0ffee00-0003"
        ],
        "payment 42 across the queue and its DLQ"
    );
    key(&mut app, "\x1bjjjjjjjjjjjjjjjjjT");
    assert_eq!(
        ids_shown(&app),
        vec!["c0ffee00-0001"],
        "same type as AuthFailed"
    );
    key(&mut app, "\x1bC");
    assert!(ids_shown(&app).len() > 5);
}

#[test]
fn selection_and_replay_prompt() {
    let mut app = demo_app(120, 40);
    key(&mut app, "  ");
    assert_eq!(app.marks.count(), 2);
    assert_eq!(app.cursor, 2);
    key(&mut app, "r");
    assert!(matches!(app.mode, Mode::Prompt(_)));
    key(&mut app, "demo:pay\t");
    assert_eq!(app.command_input.text(), "demo:payments");
    key(&mut app, "\t");
    key(&mut app, "\x1b");
    assert_eq!(app.mode, Mode::List);
    key(&mut app, "r/tmp/out.jsonl\n");
    let effects = effects(&mut app);
    let replay = effects.iter().find_map(|e| match e {
        Effect::Replay {
            target, records, ..
        } => Some((target.clone(), records.len())),
        _ => None,
    });
    assert_eq!(replay, Some(("/tmp/out.jsonl".to_string(), 2)));
    assert!(app.job.is_some());
    key(&mut app, "u");
    assert_eq!(app.marks.count(), 0);
    key(&mut app, "a");
    assert_eq!(app.marks.count(), 32);
}

#[test]
fn redrive_asks_and_names_count_and_target() {
    let mut app = demo_app(120, 40);
    key(&mut app, "]]");
    key(&mut app, "R");
    // The demo cannot give events up: said in the status bar, no dialog.
    assert_eq!(app.mode, Mode::List);
    let status = app.status.clone().unwrap().text.to_string();
    assert!(status.contains("cannot give events up"), "{status}");
    apply(
        &mut app,
        Msg::RedrivePlanned {
            slot: 1,
            target: Ok("file:/tmp/x.jsonl".into()),
            ids: None,
            count: 4,
        },
    );
    let Some(Dialog::Confirm { title, body, .. }) = &app.dialog else {
        panic!("no dialog");
    };
    assert_eq!(title.as_str(), "Redrive 4 events?");
    assert!(
        body.iter()
            .any(|l| l.as_str().contains("file:/tmp/x.jsonl"))
    );
    key(&mut app, "y");
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Redrive { target, .. } if target == "file:/tmp/x.jsonl"))
    );
    assert_eq!(app.job.as_ref().unwrap().verb, "redrive");
    key(&mut app, "X");
    assert!(app.job.as_ref().unwrap().control.is_cancelled());
}

#[test]
fn read_only_refuses_changes() {
    // Tall enough for the help screen to reach the keys that change sources.
    let mut app = demo_app(120, 60);
    app.read_only = true;
    for k in ["r", "R", "e", "d", "P"] {
        key(&mut app, k);
        assert_eq!(app.mode, Mode::List);
        let status = app.status.clone().unwrap().text.to_string();
        assert!(status.contains("--read-only"), "{status}");
    }
    assert!(effects(&mut app).is_empty());
    key(&mut app, "?");
    assert!(screen(&app).contains("(disabled: --read-only)"));
}

#[test]
fn command_line_runs_and_completes() {
    let mut app = demo_app(120, 40);
    key(&mut app, ":th\t");
    assert_eq!(app.command_input.text(), "theme ");
    key(&mut app, "li\t\n");
    assert_eq!(app.theme.name, "light");
    key(&mut app, ":frob\n");
    assert_eq!(app.mode, Mode::Command);
    assert!(app.input_error.is_some());
    key(&mut app, "\x1b:open demo:payments\n");
    assert_eq!(app.sources.len(), 4);
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Open { uri, .. } if uri == "demo:payments"))
    );
    let dir = tempfile::tempdir().unwrap();
    key(
        &mut app,
        &format!(":export {}/x.jsonl\n", dir.path().display()),
    );
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Export { records, .. } if records.len() == 32))
    );
    key(&mut app, ":q\n");
    assert!(app.quit);
}

#[test]
fn copy_and_edit_queue_terminal_effects() {
    let mut app = demo_app(120, 40);
    key(&mut app, "jy");
    let copied = effects(&mut app).into_iter().find_map(|e| match e {
        Effect::Copy { text } => Some(text),
        _ => None,
    });
    let copied = copied.expect("copy effect");
    assert!(copied.contains("\"secrets_masked\":true"), "{copied}");
    key(&mut app, "e");
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Edit { .. }))
    );
    let mut edited = Event::new("edited-1", "demo:payments", b"{}".to_vec());
    edited.key = None;
    apply(&mut app, Msg::Edited(Ok(edited)));
    assert!(matches!(app.mode, Mode::Prompt(_)));
    key(&mut app, "/tmp/e.jsonl\n");
    let events = effects(&mut app).into_iter().find_map(|e| match e {
        Effect::Replay { events, .. } => Some(events),
        _ => None,
    });
    assert_eq!(events.unwrap()[0].id, "edited-1");
}

#[test]
fn config_keymap_applies() {
    let mut app = demo_app(120, 40);
    let keys: toml::Table = toml::from_str("[list]\n\"x\" = \"quit\"\n\"q\" = \"none\"\n").unwrap();
    app.keymap = Keymap::from_config(&keys).unwrap();
    key(&mut app, "q");
    assert!(!app.quit);
    key(&mut app, "x");
    assert!(app.quit);
}

#[test]
fn mouse_clicks_and_wheel() {
    let mut app = demo_app(120, 40);
    // Third event row of the table: border, header, rows.
    update(&mut app, Action::Click(60, 4));
    assert_eq!(app.cursor, 2);
    update(&mut app, Action::Wheel(60, 10, true));
    assert_eq!(app.cursor, 5);
    // The "3:Facets" title in the detail's top border.
    let detail = app.areas().detail;
    update(&mut app, Action::Click(detail.x + 26, detail.y));
    assert_eq!(app.detail.tab, evscope::tui::content::Tab::Facets);
    // The DLQ in the sources pane.
    update(&mut app, Action::Click(5, 3));
    assert_eq!(app.scope, Some(1));
}

// ---- hostile data --------------------------------------------------------

const HOSTILE: &[&str] = &[
    "\x1b[2J\x1b[31mred",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]0;title\x07",
    "\u{9b}31mC1 CSI",
    "bidi \u{202e}cba\u{202c} \u{2066}x",
    "zero\u{200b}width\u{feff}\u{2060}",
    "bell\x07 nul\0 del\x7f cr\roverwrite",
    "tag \u{e0041}",
];

fn hostile_event(n: usize, text: &str) -> Event {
    let body = serde_json::json!({ "type": text, "payload": format!("{{\"x\":{}}}", serde_json::to_string(text).unwrap()), "k": text });
    let mut event = Event::new(
        format!("id-{n}-{text}"),
        "hostile",
        serde_json::to_vec(&body).unwrap(),
    );
    event.key = Some(text.to_string());
    event.attributes.insert(text.to_string(), text.to_string());
    event
        .attributes
        .insert("correlationId".into(), text.to_string());
    event.system.insert(
        text.to_string().into(),
        serde_json::Value::String(text.into()),
    );
    event
}

#[test]
fn hostile_text_never_reaches_the_buffer() {
    let mut app = demo_app(120, 40);
    let mut records: Vec<Record> = HOSTILE
        .iter()
        .enumerate()
        .map(|(n, t)| Record::Event(Arc::new(hostile_event(n, t))))
        .collect();
    // Text and binary bodies too.
    for (n, t) in HOSTILE.iter().enumerate() {
        records.push(Record::Event(Arc::new(Event::new(
            format!("text-{n}"),
            "hostile",
            t.as_bytes().to_vec(),
        ))));
    }
    records.push(Record::Event(Arc::new(Event::new(
        "binary",
        "hostile",
        vec![0x1b, 0x9b, 0xff, 0x00, 0x07, b'a'],
    ))));
    let count = records.len();
    load_records(
        &mut app,
        0,
        Arc::new(
            evscope::backend::file::FileBackend::open_demo(Some("payments"), &options()).unwrap(),
        ),
        demo_info("payments"),
        records,
        &DemoDecoder,
    );
    key(&mut app, "G");
    for _ in 0..count {
        for tab in ["1", "2", "3", "4", "s", "4", "s"] {
            key(&mut app, tab);
            let terminal = draw(&app);
            for cell in terminal.backend().buffer().content() {
                assert!(
                    !cell.symbol().chars().any(evscope::sanitize::is_dangerous),
                    "dangerous {:?} on screen",
                    cell.symbol()
                );
            }
        }
        key(&mut app, "k");
    }
    // Status messages and dialogs too.
    let epoch = app.epoch;
    apply(
        &mut app,
        Msg::LoadFailed {
            epoch,
            slot: 0,
            error: HOSTILE.join(" "),
        },
    );
    for cell in draw(&app).backend().buffer().content() {
        assert!(!cell.symbol().chars().any(evscope::sanitize::is_dangerous));
    }
}

#[test]
fn wide_characters_keep_columns_aligned() {
    let mut app = demo_app(120, 30);
    let mut wide = Event::new(
        "注文-日本語-🎉-id",
        "w",
        r#"{"type":"注文を受け付けました🎉"}"#.as_bytes().to_vec(),
    );
    wide.key = Some("キー".into());
    wide.attributes
        .insert("correlationId".into(), "相関".into());
    let mut narrow = Event::new("ascii-id", "w", br#"{"type":"OrderPlaced"}"#.to_vec());
    narrow.key = Some("key".into());
    narrow
        .attributes
        .insert("correlationId".into(), "corr".into());
    load_records(
        &mut app,
        2,
        Arc::new(
            evscope::backend::file::FileBackend::open_demo(Some("notifications"), &options())
                .unwrap(),
        ),
        demo_info("notifications"),
        vec![
            Record::Event(Arc::new(wide)),
            Record::Event(Arc::new(narrow)),
        ],
        &DemoDecoder,
    );
    key(&mut app, "]]]G");
    let text = screen(&app);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("注文-") || l.contains("ascii-id"))
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    let column = |line: &str, needle: &str| {
        let at = line.find(needle).unwrap();
        unicode_width::UnicodeWidthStr::width(&line[..at])
    };
    assert_eq!(column(rows[0], "相関"), column(rows[1], "corr"));
    assert_eq!(
        unicode_width::UnicodeWidthStr::width(rows[0]),
        unicode_width::UnicodeWidthStr::width(rows[1])
    );
}

#[test]
fn huge_and_deep_bodies_render_quickly() {
    let mut app = demo_app(120, 40);
    let big: Vec<String> = (0..400_000).map(|n| format!("item-{n}")).collect();
    let big = serde_json::to_vec(&serde_json::json!({ "items": big })).unwrap();
    assert!(big.len() > 4 << 20);
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let records = vec![
        Record::Event(Arc::new(Event::new("big", "x", big))),
        Record::Event(Arc::new(Event::new("deep", "x", deep.into_bytes()))),
    ];
    load_records(
        &mut app,
        2,
        Arc::new(
            evscope::backend::file::FileBackend::open_demo(Some("notifications"), &options())
                .unwrap(),
        ),
        demo_info("notifications"),
        records,
        &DemoDecoder,
    );
    let started = std::time::Instant::now();
    key(&mut app, "Gk");
    for tab in ["1", "2", "3", "4"] {
        key(&mut app, tab);
        draw(&app);
    }
    key(&mut app, "j1");
    for tab in ["1", "2", "3", "4"] {
        key(&mut app, tab);
        draw(&app);
    }
    // Debug build, shared machine: generous, but a freeze would be minutes.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

// ---- themes ----------------------------------------------------------------

#[test]
fn themes_load_fall_back_and_fail_clearly() {
    for name in ["dark", "light", "high-contrast", "solarized"] {
        Theme::load(name, None).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("themes")).unwrap();
    std::fs::write(dir.path().join("themes/mine.toml"), "border = \"red\"\n").unwrap();
    let mine = Theme::load("mine", Some(dir.path())).unwrap();
    let dark = Theme::load("dark", None).unwrap();
    use evscope::tui::theme::Role;
    assert_eq!(
        mine.style(Role::Border).fg,
        Some(ratatui::style::Color::Red)
    );
    assert_eq!(mine.style(Role::Selection), dark.style(Role::Selection));
    std::fs::write(
        dir.path().join("themes/bad.toml"),
        "selection = { fg = \"nope\" }\n",
    )
    .unwrap();
    let error = Theme::load("bad", Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(error.ends_with("bad.toml: role `selection`: bad color `nope` (use a name like red, darkgray, lightblue, a #rrggbb value or 0-255)"), "{error}");
    let error = Theme::load("nosuch", Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        error
            .starts_with("unknown theme `nosuch` (built-in: dark, light, high-contrast, solarized"),
        "{error}"
    );
    let plain = dark.without_colors();
    assert_eq!(plain.style(Role::Error).fg, None);
    assert!(
        plain
            .style(Role::Selection)
            .add_modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

// ---- the event loop on a TestBackend --------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_loop_loads_the_demo_and_quits() {
    let uris = evscope::tui::expand_sources(&[]);
    let pause = std::time::Duration::from_millis(300);
    let decoder = Arc::new(DemoDecoder);
    let (app, terminal) = tui_support::run_with_keys(
        &uris,
        options(),
        decoder,
        (100, 30),
        &['j', 'q'],
        pause,
        now,
    )
    .await;
    assert!(app.quit);
    assert_eq!(app.store.len(), 32);
    assert_eq!(app.cursor, 1);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("demo:payments.dlq"), "{text}");
}

#[test]
fn readme_lists_every_key() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let keys = evscope::tui::keymap::markdown(&Keymap::default());
    assert!(
        readme.contains(&keys),
        "README.md's key list is stale; it should read:\n{keys}"
    );
    // Every name in the list is one the config accepts.
    for line in keys.lines().filter(|l| l.starts_with("| `")) {
        let name = line.split(" | ").nth(1).unwrap().trim_matches('`');
        let table: toml::Table = toml::from_str(&format!("[list]\n\"f9\" = \"{name}\"\n")).unwrap();
        Keymap::from_config(&table).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn a_browse_with_side_effects_asks_once_per_source() {
    let mut app = demo_app(120, 40);
    let epoch = app.epoch;
    let caution = "Receiving counts toward maxReceiveCount 3 on this queue.";
    apply(
        &mut app,
        Msg::BrowseCaution {
            epoch,
            slot: 0,
            caution: caution.into(),
        },
    );
    assert_eq!(app.mode, Mode::Dialog);
    let text = screen(&app);
    assert!(text.contains("Receive from demo:payments?"), "{text}");
    assert!(text.contains("maxReceiveCount 3"), "{text}");
    update(&mut app, Action::Confirm);
    assert_eq!(app.mode, Mode::List);
    let browses = |effects: Vec<Effect>| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Browse { slot: 0, .. }))
            .count()
    };
    assert_eq!(browses(effects(&mut app)), 1, "confirming browses");
    apply(
        &mut app,
        Msg::BrowseCaution {
            epoch,
            slot: 0,
            caution: caution.into(),
        },
    );
    assert_eq!(app.mode, Mode::List, "asked once per source");
    assert_eq!(browses(effects(&mut app)), 1);

    apply(
        &mut app,
        Msg::BrowseCaution {
            epoch,
            slot: 1,
            caution: caution.into(),
        },
    );
    assert_eq!(app.mode, Mode::Dialog);
    update(&mut app, Action::Cancel);
    assert!(
        !effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Browse { .. })),
        "declining browses nothing"
    );
    assert!(screen(&app).contains("not browsed"));
}

// ---- scopes ----------------------------------------------------------------

/// An app opened on one scope URI, sized `w` x `h`, nothing loaded yet.
fn scope_app(scope: &str, w: u16, h: u16) -> evscope::tui::app::App {
    let mut app = evscope::tui::app::App::new(
        &[scope.to_string()],
        Keymap::default(),
        Theme::load("dark", None).unwrap(),
        Arc::new(DemoDecoder),
        false,
        now(),
    );
    drop(app.take_effects());
    update(&mut app, Action::Resize(w, h));
    app
}

#[test]
fn a_scope_opens_each_of_its_sources_under_a_group_row() {
    let mut app = scope_app("sqs://", 120, 30);
    let uris: Vec<String> = PARTS.iter().map(|p| format!("demo:{p}")).collect();
    let epoch = app.epoch;
    apply(
        &mut app,
        Msg::Expanded {
            epoch,
            slot: 0,
            uris: uris.clone(),
        },
    );
    let opened: Vec<(usize, String)> = effects(&mut app)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Open { slot, uri, .. } => Some((slot, uri)),
            _ => None,
        })
        .collect();
    assert_eq!(
        opened,
        vec![
            (1, uris[0].clone()),
            (2, uris[1].clone()),
            (3, uris[2].clone())
        ]
    );
    let decoder = DemoDecoder;
    for (n, part) in PARTS.iter().enumerate() {
        let backend =
            evscope::backend::file::FileBackend::open_demo(Some(part), &options()).unwrap();
        load(&mut app, n + 1, backend, demo_info(part), &decoder);
    }
    insta::assert_snapshot!(screen(&app));

    // Listing again (a reload) opens nothing twice.
    apply(
        &mut app,
        Msg::Expanded {
            epoch,
            slot: 0,
            uris,
        },
    );
    assert!(effects(&mut app).is_empty());
    assert_eq!(app.sources.len(), 4);

    // The group row shows every event of its sources.
    key(&mut app, "]");
    assert_eq!(app.scope, Some(0));
    assert_eq!(app.shown(), app.store.len());
    key(&mut app, "]");
    assert_eq!(app.scope, Some(1));
    assert!(app.shown() < app.store.len());
}

#[test]
fn an_empty_or_failed_scope_says_so() {
    let mut app = scope_app("sqs://nothing*", 120, 20);
    let epoch = app.epoch;
    apply(
        &mut app,
        Msg::Expanded {
            epoch,
            slot: 0,
            uris: Vec::new(),
        },
    );
    let text = screen(&app);
    assert!(text.contains("sqs://nothing* · no queues"), "{text}");
    assert!(text.contains("nothing there"), "{text}");

    let mut app = scope_app("pulsar://127.0.0.1:1/public/default", 120, 20);
    apply(
        &mut app,
        Msg::LoadFailed {
            epoch,
            slot: 0,
            error: "cannot reach the broker".into(),
        },
    );
    assert!(screen(&app).contains("cannot reach the broker"));
}

// ---- delete and purge ----------------------------------------------------

/// An app over a writable copy of demo:payments.dlq in `dir`.
fn file_app(dir: &std::path::Path) -> (evscope::tui::app::App, String) {
    use evscope::backend::file::FileBackend;
    let path = dir.join("dlq.jsonl");
    std::fs::write(
        &path,
        evscope::backend::demo_capture("payments.dlq").unwrap(),
    )
    .unwrap();
    let uri = format!("file:{}", path.display());
    let decoder = Arc::new(DemoDecoder);
    let mut app = evscope::tui::app::App::new(
        std::slice::from_ref(&uri),
        Keymap::default(),
        Theme::load("dark", None).unwrap(),
        decoder.clone(),
        false,
        now(),
    );
    drop(app.take_effects());
    update(&mut app, Action::Resize(120, 40));
    let backend = FileBackend::open_path(&path, &options()).unwrap();
    let info = file_info(&uri, &backend);
    load(&mut app, 0, backend, info, decoder.as_ref());
    (app, uri)
}

/// What the file backend says about the file of [`file_app`].
fn file_info(
    uri: &str,
    backend: &evscope::backend::file::FileBackend,
) -> evscope::backend::SourceInfo {
    evscope::backend::SourceInfo {
        uri: uri.to_string(),
        name: "dlq.jsonl".into(),
        kind: evscope::backend::SourceKind::File,
        count: Some(backend.capture().unwrap().len() as u64),
        dlq_of: None,
        dlq: None,
    }
}

fn confirm_text(app: &evscope::tui::app::App) -> (String, String) {
    let Some(Dialog::Confirm { title, body, .. }) = &app.dialog else {
        panic!("no confirmation dialog: {:?}", app.status);
    };
    let body: Vec<&str> = body.iter().map(|l| l.as_str()).collect();
    (title.to_string(), body.join("\n"))
}

fn status_text(app: &evscope::tui::app::App) -> String {
    app.status
        .clone()
        .map(|s| s.text.to_string())
        .unwrap_or_default()
}

#[test]
fn delete_asks_naming_count_and_source_then_runs_a_job() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, uri) = file_app(dir.path());
    let loaded = app.store.len();
    assert!(loaded >= 3);

    // Nothing selected: the event under the cursor.
    key(&mut app, "d");
    assert_eq!(app.mode, Mode::Dialog);
    let (title, body) = confirm_text(&app);
    assert_eq!(title, format!("Delete 1 event from {uri}?"));
    assert!(body.contains(&uri) && body.contains("for good"), "{body}");
    assert!(screen(&app).contains("Delete 1 event"));

    // Cancel does nothing.
    key(&mut app, "n");
    assert_eq!(app.mode, Mode::List);
    assert!(app.dialog.is_none() && app.job.is_none());
    assert!(effects(&mut app).is_empty());
    assert!(status_text(&app).contains("nothing was deleted"));

    // Two selected: both, named by count; yes starts the job.
    key(&mut app, "  d");
    let (title, body) = confirm_text(&app);
    assert_eq!(title, format!("Delete 2 events from {uri}?"));
    assert!(body.contains("2 selected"), "{body}");
    key(&mut app, "y");
    assert_eq!(app.mode, Mode::List);
    let deletes: Vec<_> = effects(&mut app)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Delete { source, ids, .. } => Some((source.uri().to_string(), ids.len())),
            _ => None,
        })
        .collect();
    assert_eq!(deletes, vec![(uri.clone(), 2)]);
    let job = app.job.as_ref().expect("a job").id;
    assert_eq!(app.job.as_ref().unwrap().verb, "delete");

    // The report lands in the status bar and the source is read again.
    let report = evscope::ops::Report {
        moved: 2,
        ..Default::default()
    };
    job_done(&mut app, job, report, &uri);
    assert_eq!(status_text(&app), format!("delete {uri}: 2 deleted"));
    assert!(app.job.is_none());
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Open { slot: 0, .. }))
    );
}

/// Hand `app` the end of job `job`: this report, on `target`.
fn job_done(
    app: &mut evscope::tui::app::App,
    job: u64,
    report: evscope::ops::Report,
    target: &str,
) {
    let outcome = Ok(evscope::tui::jobs::JobOutcome {
        report,
        target: target.to_string(),
    });
    apply(app, Msg::JobDone { job, outcome });
}

/// A job's unreadable lines show in the status bar, and the outcome is
/// not a success.
#[test]
fn a_job_report_names_unreadable_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, uri) = file_app(dir.path());
    key(&mut app, "d");
    key(&mut app, "y");
    let job = app.job.as_ref().expect("a job").id;
    let report = evscope::ops::Report {
        moved: 1,
        unreadable: vec!["line 7: unreadable capture line".into()],
        ..Default::default()
    };
    job_done(&mut app, job, report, &uri);
    assert_eq!(
        status_text(&app),
        format!(
            "delete {uri}: 1 deleted, 1 unreadable left in the source (line 7: unreadable capture line)"
        )
    );
    assert_eq!(
        app.status.as_ref().unwrap().level,
        evscope::tui::app::Level::Warning
    );
}

#[test]
fn purge_asks_naming_the_source_then_runs_a_job() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, uri) = file_app(dir.path());
    let count = app.store.len();
    key(&mut app, "P");
    let (title, body) = confirm_text(&app);
    assert_eq!(title, format!("Purge {uri} ({count} events)?"));
    assert!(body.contains(&format!("ALL {count} events")), "{body}");
    key(&mut app, "\x1b");
    assert_eq!(app.mode, Mode::List);
    assert!(effects(&mut app).is_empty());
    assert!(status_text(&app).contains("purge cancelled"));

    key(&mut app, ":purge\n");
    assert_eq!(app.mode, Mode::Dialog);
    key(&mut app, "y");
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Purge { source, .. } if source.uri() == uri))
    );
    let job = app.job.as_ref().unwrap().id;
    apply(
        &mut app,
        Msg::JobDone {
            job,
            outcome: Ok(evscope::tui::jobs::JobOutcome {
                report: Default::default(),
                target: uri.clone(),
            }),
        },
    );
    assert!(status_text(&app).starts_with(&format!("purged {uri}")));
}

#[test]
fn delete_and_purge_refused_read_only_and_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = file_app(dir.path());
    app.read_only = true;
    for keys in ["d", "P", ":purge\n", ":delete\n"] {
        key(&mut app, keys);
        assert_eq!(app.mode, Mode::List, "{keys}");
        assert!(status_text(&app).contains("--read-only"), "{keys}");
    }
    assert!(effects(&mut app).is_empty());

    let mut demo = demo_app(120, 40);
    for keys in ["d", "P"] {
        key(&mut demo, keys);
        assert_eq!(demo.mode, Mode::List);
        assert!(status_text(&demo).contains("cannot change"), "{keys}");
    }
    assert!(effects(&mut demo).is_empty());
}

/// A source opened read-only (through the door every backend comes in
/// by) refuses changes by its capabilities alone: no dialog, the same
/// words as a disabled key, and a job asked anyway fails at the door.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_source_refuses_changes_by_its_capabilities() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, uri) = file_app(dir.path());
    let path = uri.strip_prefix("file:").unwrap().to_string();
    let before = std::fs::read_to_string(&path).unwrap();
    let mut open = options();
    open.read_only = true;
    let backend = evscope::backend::open(&path, &open).await.unwrap();
    app.sources[0].backend = Some(backend.clone());
    for keys in [
        "d",
        "P",
        ":delete\n",
        ":purge\n",
        ":redrive /tmp/elsewhere.jsonl\n",
    ] {
        key(&mut app, keys);
        assert_eq!(app.mode, Mode::List, "{keys}");
        assert!(app.dialog.is_none(), "{keys}");
        assert!(
            status_text(&app).contains("--read-only"),
            "{keys}: {}",
            status_text(&app)
        );
    }
    assert!(effects(&mut app).is_empty());

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut jobs = evscope::tui::jobs::Jobs::new(open, Arc::new(DemoDecoder), tx);
    jobs.run(Effect::Purge {
        job: 1,
        control: evscope::ops::JobControl::new(),
        source: backend,
    });
    let outcome = loop {
        if let Msg::JobDone { outcome, .. } = rx.recv().await.unwrap() {
            break outcome;
        }
    };
    let error = outcome.unwrap_err();
    assert!(error.contains("read-only"), "{error}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_purge_jobs_change_the_file() {
    use evscope::backend::Backend;
    use evscope::tui::jobs::Jobs;
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = file_app(dir.path());
    let path = dir.path().join("dlq.jsonl");
    let before = app.store.len();
    let backend = app.sources[0].backend.clone().unwrap();
    let first = app.store.record(0).unwrap().0.decode().unwrap().0.id;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut jobs = Jobs::new(options(), Arc::new(DemoDecoder), tx);
    let done = |msg: Msg| match msg {
        Msg::JobDone { outcome, .. } => Some(outcome),
        _ => None,
    };
    jobs.run(Effect::Delete {
        job: 1,
        control: evscope::ops::JobControl::new(),
        source: backend.clone(),
        ids: [first.clone()].into(),
    });
    let outcome = loop {
        if let Some(outcome) = done(rx.recv().await.unwrap()) {
            break outcome;
        }
    };
    assert_eq!(outcome.unwrap().report.moved, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines().filter(|l| !l.trim().is_empty()).count(),
        before - 1
    );
    assert!(!text.contains(&first));

    // The TUI reads the source again after a delete: a new backend.
    let backend: Arc<dyn Backend> =
        Arc::new(evscope::backend::file::FileBackend::open_path(&path, &options()).unwrap());
    jobs.run(Effect::Purge {
        job: 2,
        control: evscope::ops::JobControl::new(),
        source: backend,
    });
    let outcome = loop {
        if let Some(outcome) = done(rx.recv().await.unwrap()) {
            break outcome;
        }
    };
    assert!(outcome.unwrap().report.is_clean());
    assert!(std::fs::read_to_string(&path).unwrap().trim().is_empty());
}

// ---- following ------------------------------------------------------------

#[test]
fn following_drops_events_already_shown() {
    let mut app = demo_app(120, 40);
    let slot = app.sources.len();
    app.open_source("sqs://orders");
    drop(app.take_effects());
    let record = |n: usize| Record::Event(Arc::new(hostile_event(n, "x")));
    let backend: Arc<dyn evscope::backend::Backend> = Arc::new(
        evscope::backend::file::FileBackend::open_demo(Some("payments"), &options()).unwrap(),
    );
    let info = evscope::backend::SourceInfo {
        uri: "sqs://orders".into(),
        name: "orders".into(),
        kind: evscope::backend::SourceKind::Sqs,
        count: Some(2),
        dlq_of: None,
        dlq: None,
    };
    load_records(
        &mut app,
        slot,
        backend,
        info,
        vec![record(1), record(2)],
        &DemoDecoder,
    );
    let before = app.store.len();
    let epoch = app.epoch;
    let follow = |app: &mut evscope::tui::app::App, records: Vec<Record>| {
        apply(
            app,
            Msg::Followed {
                epoch,
                slot,
                records,
            },
        );
    };
    // The browse released 1 and 2: the tail receives them again, with 3.
    follow(&mut app, vec![record(2), record(1), record(3)]);
    assert_eq!(app.store.len(), before + 1);
    assert_eq!(app.sources[slot].loaded, 3);
    follow(&mut app, vec![record(3)]);
    assert_eq!(
        app.store.len(),
        before + 1,
        "a repeat within the session too"
    );
    // A browse batch arriving late is remembered as well.
    apply(
        &mut app,
        Msg::Records {
            epoch,
            slot,
            records: vec![record(4)],
        },
    );
    follow(&mut app, vec![record(4), record(5)]);
    assert_eq!(app.store.len(), before + 3);
    // Another source's ids are its own; capture lines always pass.
    let line = app.store.record(0).unwrap().0.clone();
    apply(
        &mut app,
        Msg::Followed {
            epoch,
            slot: 0,
            records: vec![record(1), line],
        },
    );
    assert_eq!(app.store.len(), before + 5);
}

#[test]
fn a_followed_file_that_started_over_is_read_again_and_followed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, uri) = file_app(dir.path());
    key(&mut app, "t");
    assert!(app.following);
    drop(effects(&mut app));
    let epoch = app.epoch;
    apply(&mut app, Msg::StartedOver { epoch, slot: 0 });
    assert!(status_text(&app).contains(&format!("{uri} was truncated or replaced")));
    assert!(app.epoch > epoch && app.store.is_empty());
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Open { slot: 0, .. }))
    );
    // Read again: followed again from the new start.
    let backend =
        evscope::backend::file::FileBackend::open_path(&dir.path().join("dlq.jsonl"), &options())
            .unwrap();
    let info = file_info(&uri, &backend);
    assert!(!app.following);
    let epoch = app.epoch;
    let backend: Arc<dyn evscope::backend::Backend> = Arc::new(backend);
    apply(
        &mut app,
        Msg::Opened {
            epoch,
            slot: 0,
            backend,
            info,
        },
    );
    apply(&mut app, Msg::Loaded { epoch, slot: 0 });
    assert!(app.following, "followed again once loaded");
    assert!(
        effects(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::Follow { slot: 0, .. }))
    );
}

#[test]
fn export_refuses_the_source_and_asks_before_replacing_a_file() {
    use evscope::backend::file::export::Destination;
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = file_app(dir.path());
    let source = dir.path().join("dlq.jsonl");
    let text = std::fs::read_to_string(&source).unwrap();
    // The source itself, also through a link: refused, nothing asked.
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&source, &link).unwrap();
    for path in [&source, &link] {
        key(&mut app, &format!(":export {}\n", path.display()));
        assert!(app.dialog.is_none());
        assert!(
            status_text(&app).contains("is the file being exported"),
            "{}",
            status_text(&app)
        );
        assert!(effects(&mut app).is_empty());
    }
    // Another existing file: asked first; no leaves it alone.
    let other = dir.path().join("other.jsonl");
    std::fs::write(&other, "precious\n").unwrap();
    key(&mut app, &format!(":export {}\n", other.display()));
    let (title, _) = confirm_text(&app);
    assert_eq!(title, format!("Replace {}?", other.display()));
    key(&mut app, "n");
    assert!(status_text(&app).contains("nothing was written"));
    assert!(effects(&mut app).is_empty());
    key(&mut app, &format!(":export {}\n", other.display()));
    key(&mut app, "y");
    let exports: Vec<_> = effects(&mut app)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Export {
                destination,
                records,
                ..
            } => Some((destination, records.len())),
            _ => None,
        })
        .collect();
    assert_eq!(
        exports,
        vec![(Destination::Existing(other.clone()), app.store.len())]
    );
    assert_eq!(std::fs::read_to_string(&source).unwrap(), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_file_says_it_removed_stale_temporary_files() {
    use evscope::tui::jobs::Jobs;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.jsonl");
    std::fs::write(&path, "{\"a\":1}\n").unwrap();
    // pid_max is at most 4194304 on Linux: no process has this pid.
    let stale = dir.path().join(".q.jsonl.evscope-4999999.tmp");
    std::fs::write(&stale, "{\"a\":1}\n").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut jobs = Jobs::new(options(), Arc::new(DemoDecoder), tx);
    jobs.run(Effect::Open {
        epoch: 1,
        slot: 0,
        uri: path.display().to_string(),
    });
    let notice = loop {
        match rx.recv().await.expect("messages until the load ends") {
            Msg::Notice(notice) => break notice,
            Msg::Loaded { .. } | Msg::LoadFailed { .. } => panic!("no notice"),
            _ => {}
        }
    };
    assert!(notice.contains("removed 1 temporary file(s)"), "{notice}");
    assert!(!stale.exists());
}

/// What a redrive subscription acknowledged, as a Pulsar backend reports it
/// (read from the admin API there; tests/pulsar.rs covers that part).
#[derive(Debug)]
struct AcknowledgedIds(Vec<String>);

impl evscope::backend::Acknowledged for AcknowledgedIds {
    fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|i| i == id)
    }
}

#[test]
fn dead_letters_the_redrive_subscription_acknowledged_show_r() {
    // Tall enough to show every row.
    let mut app = demo_app(160, 120);
    let dlq_rows: Vec<usize> = (0..app.shown())
        .filter_map(|p| app.row_at(p))
        .filter(|r| app.store.slot(*r) == Some(1))
        .collect();
    assert!(dlq_rows.len() >= 2, "the demo DLQ has events");
    let id = |app: &evscope::tui::app::App, row: usize| app.store.summary(row).unwrap().id.clone();
    let (acked, kept) = (id(&app, dlq_rows[0]), id(&app, dlq_rows[1]));
    let line_of = |screen: &str, id: &str| {
        screen
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} not shown: {screen}"))
            .to_string()
    };
    let before = screen(&app);
    let epoch = app.epoch;
    let acknowledged = Arc::new(AcknowledgedIds(vec![acked.as_str().to_string()]));
    // A message of an older load changes nothing.
    apply(
        &mut app,
        Msg::RedriveAcknowledged {
            epoch: epoch.wrapping_sub(1),
            slot: 1,
            acknowledged: acknowledged.clone(),
        },
    );
    assert!(!app.row_redriven(dlq_rows[0], &acked));
    apply(
        &mut app,
        Msg::RedriveAcknowledged {
            epoch,
            slot: 1,
            acknowledged,
        },
    );
    assert!(app.row_redriven(dlq_rows[0], &acked));
    assert!(!app.row_redriven(dlq_rows[1], &kept));
    let after = screen(&app);
    let (was, now) = (
        line_of(&before, acked.as_str()),
        line_of(&after, acked.as_str()),
    );
    assert_ne!(was, now, "the row shows R now");
    assert_eq!(was.replacen('D', "R", 1), now, "{was}\n{now}");
    assert_eq!(
        line_of(&before, kept.as_str()),
        line_of(&after, kept.as_str())
    );
}
