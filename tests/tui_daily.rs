//! The terminal UI for daily use: sorting, columns of the user's choosing,
//! the live filter, saved filters and their picker, histories that survive
//! a restart, and marks that survive scope, sort and filter changes (on the
//! demo, headless, background work run in place).

mod tui_support;

use evscope::config::Config;
use evscope::tui::app::{App, Mode};
use evscope::tui::jobs::Effect;
use evscope::tui::update::update;
use tui_support::*;

/// Run a `:` command.
fn command(app: &mut App, line: &str) {
    key(app, &format!(":{line}\n"));
    run_background(app);
}

/// Type a filter from scratch and press Enter.
fn filter(app: &mut App, expression: &str) {
    key(app, "/");
    update(app, evscope::tui::action::Action::ClearLine);
    key(app, &format!("{expression}\n"));
}

fn status(app: &App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.to_string())
        .unwrap_or_default()
}

/// The event times of the rows shown, in order (`None`: unknown).
fn times_shown(app: &App) -> Vec<Option<i64>> {
    (0..app.shown())
        .filter_map(|p| app.row_at(p))
        .map(|r| {
            let t = app.store.summary(r).unwrap().event_time_ms;
            (t != i64::MIN).then_some(t)
        })
        .collect()
}

#[test]
fn sorts_by_time_newest_first_with_unknown_times_last() {
    let mut app = demo_app(110, 40);
    key(&mut app, "O");
    run_background(&mut app);
    let times = times_shown(&app);
    assert_eq!(times.len(), 32);
    let known: Vec<i64> = times.iter().map_while(|t| *t).collect();
    assert!(known.len() > 20, "{times:?}");
    assert!(known.windows(2).all(|w| w[0] >= w[1]), "{known:?}");
    assert!(
        times[known.len()..].iter().all(Option::is_none),
        "{times:?}"
    );
    let screen = screen(&app);
    assert!(screen.contains("TIME (UTC)▼"), "{screen}");
    insta::assert_snapshot!(screen);
    // `O` again: oldest first, unknown times still last.
    key(&mut app, "O");
    run_background(&mut app);
    let times = times_shown(&app);
    let known: Vec<i64> = times.iter().map_while(|t| *t).collect();
    assert!(known.windows(2).all(|w| w[0] <= w[1]), "{known:?}");
    assert!(times[known.len()..].iter().all(Option::is_none));
}

#[test]
fn o_cycles_the_columns_then_arrival_order_and_sort_commands_name_columns() {
    let mut app = demo_app(110, 40);
    let arrival = ids_shown(&app);
    key(&mut app, "o");
    run_background(&mut app);
    assert_eq!(status(&app), "sorted by flags ascending");
    for _ in 0..6 {
        key(&mut app, "o");
    }
    run_background(&mut app);
    assert_eq!(status(&app), "sorted by correlation ascending");
    key(&mut app, "o");
    run_background(&mut app);
    assert_eq!(status(&app), "arrival order");
    assert_eq!(ids_shown(&app), arrival);

    command(&mut app, "sort rcv desc");
    let receives: Vec<Option<u32>> = (0..app.shown())
        .map(|p| {
            app.store
                .summary(app.row_at(p).unwrap())
                .unwrap()
                .receive_count
        })
        .collect();
    let counted: Vec<u32> = receives.iter().map_while(|r| *r).collect();
    assert!(counted.windows(2).all(|w| w[0] >= w[1]), "{receives:?}");
    assert!(counted[0] > 1, "{receives:?}");
    assert!(screen(&app).contains("RC▼"), "{}", screen(&app));

    command(&mut app, "sort nope");
    assert!(
        status(&app).contains("no column `nope`"),
        "{}",
        status(&app)
    );
    command(&mut app, "sort time sideways");
    assert!(status(&app).contains("asc or desc"), "{}", status(&app));
    command(&mut app, "sort off");
    assert_eq!(ids_shown(&app), arrival);
}

#[test]
fn a_sort_keeps_the_cursor_on_its_event_and_applies_within_the_filter() {
    let mut app = demo_app(110, 40);
    key(&mut app, "jjjj");
    let row = app.current_row().unwrap();
    key(&mut app, "O");
    run_background(&mut app);
    assert_eq!(app.current_row(), Some(row));
    filter(&mut app, "@.source == 'demo:payments'");
    run_background(&mut app);
    assert_eq!(app.shown(), 17);
    let times = times_shown(&app);
    let known: Vec<i64> = times.iter().map_while(|t| *t).collect();
    assert!(known.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
}

#[test]
fn custom_columns_show_sort_and_are_chosen_with_their_widths() {
    let mut app = demo_app(120, 40);
    command(&mut app, "column add amount $.body.data.amount");
    assert!(
        status(&app).contains("@.body.data.amount"),
        "{}",
        status(&app)
    );
    command(&mut app, "sort amount desc");
    let first = app.row_at(0).unwrap();
    assert_eq!(
        app.columns.value(0, first).unwrap().unwrap().text.as_str(),
        "1999.0"
    );
    command(&mut app, "columns flags time amount:9 type id");
    assert_eq!(app.columns.describe(), "flags time amount:9 type id");
    let screen = screen(&app);
    assert!(screen.contains("AMOUNT▼"), "{screen}");
    assert!(screen.contains("1999.0"), "{screen}");
    insta::assert_snapshot!(screen);

    command(&mut app, "column add bad $.[");
    assert!(status(&app).contains("bad JSONPath"), "{}", status(&app));
    command(&mut app, "columns time nope");
    assert!(
        status(&app).contains("no column `nope`"),
        "{}",
        status(&app)
    );
    command(&mut app, "column remove amount");
    assert_eq!(app.sort.key, None);
    assert_eq!(app.columns.describe(), "flags time type id");
    command(&mut app, "columns reset");
    assert_eq!(
        app.columns.describe(),
        "flags time type id key rcv correlation"
    );
}

#[test]
fn custom_column_values_are_masked() {
    let mut app = demo_app(140, 40);
    command(&mut app, "column add auth $.attributes.authorization");
    let screen = screen(&app);
    assert!(screen.contains("AUTH"), "{screen}");
    assert!(!screen.contains("eyJhbGciOiJIUzI1NiIsInR5cCI6"), "{screen}");
    assert!(screen.contains("Bearer …"), "{screen}");
}

#[test]
fn columns_come_from_the_config() {
    let config: Config = toml::from_str(
        r#"
        [columns]
        show = ["time", "amount", "type"]
        width = { amount = 10 }
        [[columns.custom]]
        name = "amount"
        path = "$.body.data.amount"
        "#,
    )
    .unwrap();
    let mut app = demo_app(100, 30);
    evscope::tui::setup_from_config(&mut app, &config, None).unwrap();
    assert_eq!(app.columns.describe(), "time amount:10 type");
    let bad: Config = toml::from_str("[columns]\nshow = [\"nope\"]\n").unwrap();
    let error = evscope::tui::setup_from_config(&mut app, &bad, None).unwrap_err();
    assert!(error.to_string().contains("[columns]"), "{error}");
    let bad: Config = toml::from_str("[filters]\nx = \"@.a ==\"\n").unwrap();
    let error = evscope::tui::setup_from_config(&mut app, &bad, None).unwrap_err();
    assert!(error.to_string().contains("filter `x`"), "{error}");
}

#[test]
fn the_table_follows_the_filter_as_it_is_typed() {
    let mut app = demo_app(110, 30);
    key(&mut app, "/@.meta.expired == true");
    // Typing paused (the wake-up arrives): the table follows.
    run_background(&mut app);
    assert_eq!(app.mode, Mode::Filter);
    assert_eq!(app.filter.text, "@.meta.expired == true");
    let expired = app.shown();
    assert!(expired > 0 && expired < 32, "{expired}");
    // Invalid while typing: the last valid expression keeps applying.
    key(&mut app, " &&");
    run_background(&mut app);
    assert!(app.input_error.is_some());
    assert_eq!(app.filter.text, "@.meta.expired == true");
    assert_eq!(app.shown(), expired);
    // A newer keystroke before the pause: only the last expression applies.
    update(&mut app, evscope::tui::action::Action::ClearLine);
    key(&mut app, "@.source == 'demo:payments'");
    let wakes: Vec<Effect> = effects(&mut app)
        .into_iter()
        .filter(|e| matches!(e, Effect::Wake { .. }))
        .collect();
    assert!(wakes.len() > 1);
    for wake in wakes {
        app.push_effect(wake);
    }
    run_background(&mut app);
    assert_eq!(app.filter.text, "@.source == 'demo:payments'");
    assert_eq!(app.shown(), 17);
    // Esc goes back to the filter in effect before typing began.
    key(&mut app, "\x1b");
    run_background(&mut app);
    assert_eq!(app.mode, Mode::List);
    assert_eq!(app.filter.text, "");
    assert_eq!(app.shown(), 32);
}

#[test]
fn saved_filters_apply_by_name_and_from_the_picker() {
    let state = tempfile::tempdir().unwrap();
    let config: Config =
        toml::from_str("[filters]\nexpired = \"@.meta.expired == true\"\n").unwrap();
    let mut app = demo_app(100, 30);
    evscope::tui::setup_from_config(&mut app, &config, Some(state.path().to_path_buf())).unwrap();
    command(&mut app, "filter expired");
    assert_eq!(app.filter.text, "@.meta.expired == true");
    filter(&mut app, "@.source == 'demo:payments'");
    run_background(&mut app);
    command(&mut app, "filter save pay");
    assert!(
        status(&app).contains("saved filter pay"),
        "{}",
        status(&app)
    );
    let saved = std::fs::read_to_string(state.path().join("filters.toml")).unwrap();
    assert!(
        saved.contains("pay = \"@.source == 'demo:payments'\""),
        "{saved}"
    );
    command(&mut app, "filter nope");
    assert!(
        status(&app).contains("saved: expired, pay"),
        "{}",
        status(&app)
    );

    command(&mut app, "filters");
    assert_eq!(app.mode, Mode::Picker);
    insta::assert_snapshot!(screen(&app));
    key(&mut app, "\n");
    run_background(&mut app);
    assert_eq!(app.mode, Mode::List);
    assert_eq!(app.filter.text, "@.meta.expired == true");

    // Ctrl-R while typing a filter opens the same picker.
    key(&mut app, "/");
    let ctrl_r = ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Char('r'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    let action = evscope::tui::update::key_action(&app, &ctrl_r).unwrap();
    update(&mut app, action);
    assert_eq!(app.mode, Mode::Picker);
}

#[test]
fn histories_survive_a_restart_without_secrets() {
    let state = tempfile::tempdir().unwrap();
    let dir = Some(state.path().to_path_buf());
    let config = Config::default();
    let mut app = demo_app(100, 30);
    evscope::tui::setup_from_config(&mut app, &config, dir.clone()).unwrap();
    key(&mut app, "/@.meta.expired == true\n");
    filter(
        &mut app,
        "@.key == 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'",
    );
    command(&mut app, "sort time desc");
    drop(app);

    let mut again = demo_app(100, 30);
    evscope::tui::setup_from_config(&mut again, &config, dir).unwrap();
    assert_eq!(again.filter_input.history(), ["@.meta.expired == true"]);
    assert_eq!(again.command_input.history(), ["sort time desc"]);
    let written = std::fs::read_to_string(state.path().join("filter-history")).unwrap();
    assert!(!written.contains("ghp_"), "{written}");
    // Up recalls the last run's filter.
    key(&mut again, "/");
    update(&mut again, evscope::tui::action::Action::HistoryPrev);
    assert_eq!(again.filter_input.text(), "@.meta.expired == true");
}

#[test]
fn marks_stay_across_scope_sort_and_filter_and_replay_takes_them_all() {
    let mut app = demo_app(110, 40);
    key(&mut app, " ");
    let first = app.row_at(0).unwrap();
    // An event of another source: the last row.
    key(&mut app, "G ");
    let last = app.row_at(app.shown() - 1).unwrap();
    assert_ne!(app.store.slot(first), app.store.slot(last));
    assert_eq!(app.marks.count(), 2);
    key(&mut app, "]");
    key(&mut app, "O");
    key(&mut app, "/@.meta.expired == true\n");
    run_background(&mut app);
    key(&mut app, "\x1b");
    run_background(&mut app);
    assert_eq!(app.marks.count(), 2);
    assert!(app.marks.contains(first) && app.marks.contains(last));
    key(&mut app, ":replay /tmp/evscope-never-written.jsonl\n");
    let replay = effects(&mut app).into_iter().find_map(|e| match e {
        Effect::Replay {
            records, sources, ..
        } => Some((records.len(), sources)),
        _ => None,
    });
    let (count, sources) = replay.expect("a replay");
    assert_eq!(count, 2);
    assert_eq!(sources.len(), 2, "{sources:?}");
}
