//! The terminal UI's flows: the Flow tab, the flows view, the flow-state
//! marker and the troubled-flows preset, on the demo (headless app, flows
//! linked the way the background task links them).

mod tui_support;

use evscope::analyze::flows::FlowState;
use evscope::backend::file::FileBackend;
use evscope::tui::app::{App, Mode, Preset};
use evscope::tui::content::Tab;
use evscope::tui::keymap::Keymap;
use evscope::tui::theme::Theme;
use std::sync::Arc;
use tui_support::*;

/// The row of the event with this id.
fn row_of(app: &App, id: &str) -> usize {
    (0..app.store.len())
        .find(|&r| app.store.summary(r).is_some_and(|s| s.id.as_str() == id))
        .unwrap_or_else(|| panic!("no row {id}"))
}

/// Put the cursor on the event with this id (every row shown).
fn go_to(app: &mut App, id: &str) {
    let row = row_of(app, id);
    key(app, &format!("g{}", "j".repeat(row)));
    assert_eq!(app.current_row(), Some(row));
}

#[test]
fn every_row_gets_its_flow_state() {
    let app = demo_app(120, 40);
    let state = |id: &str| app.flow_state(row_of(&app, id));
    assert_eq!(
        state("8f1c2a60-0009"),
        Some(FlowState::Complete),
        "payment 48"
    );
    assert_eq!(state("8f1c2a60-0013"), Some(FlowState::Stuck), "payment 49");
    assert_eq!(
        state("8f1c2a60-0016"),
        Some(FlowState::Complete),
        "payment 50"
    );
    assert_eq!(
        state("8f1c2a60-0004"),
        Some(FlowState::Failed),
        "payment 43"
    );
    assert_eq!(state("line-6"), Some(FlowState::Failed), "43's SMS");
    assert_eq!(state("line-1"), None, "no correlation id");
}

#[test]
fn flows_follow_the_sources_as_they_load() {
    let decoder = Arc::new(DemoDecoder);
    let uris: Vec<String> = PARTS.iter().map(|p| format!("demo:{p}")).collect();
    let mut app = App::new(
        &uris,
        Keymap::default(),
        Theme::load("dark", None).unwrap(),
        decoder.clone(),
        false,
        now(),
    );
    drop(app.take_effects());
    let backend = FileBackend::open_demo(Some("payments"), &options()).unwrap();
    load(
        &mut app,
        0,
        backend,
        demo_info("payments"),
        decoder.as_ref(),
    );
    // Without its DLQ, payment 43 is only stuck after AuthCreated.
    let row = row_of(&app, "8f1c2a60-0004");
    assert_eq!(app.flow_state(row), Some(FlowState::Stuck));
    let backend = FileBackend::open_demo(Some("payments.dlq"), &options()).unwrap();
    load(
        &mut app,
        1,
        backend,
        demo_info("payments.dlq"),
        decoder.as_ref(),
    );
    assert_eq!(app.flow_state(row), Some(FlowState::Failed));
}

#[test]
fn flow_tab_draws_the_tree_across_three_sources() {
    let mut app = demo_app(120, 40);
    go_to(&mut app, "line-6");
    key(&mut app, "5");
    assert_eq!(app.detail.tab, Tab::Flow);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn flow_tab_without_a_correlation_id_says_so() {
    let mut app = demo_app(120, 40);
    go_to(&mut app, "line-1");
    key(&mut app, "5");
    assert!(screen(&app).contains("this event has no correlation id"));
}

#[test]
fn flows_view_lists_failed_and_stuck_first_and_opens_a_flow() {
    let mut app = demo_app(120, 30);
    key(&mut app, "f");
    assert_eq!(app.mode, Mode::Flows);
    insta::assert_snapshot!(screen(&app));
    // s: failed only, then stuck only.
    key(&mut app, "s");
    assert_eq!(app.flows.shown().len(), 3);
    key(&mut app, "s");
    let stuck = app.flows.shown();
    assert_eq!(stuck.len(), 2);
    // enter: the flow's events, with the Flow tab.
    key(&mut app, "\n");
    assert_eq!(app.mode, Mode::List);
    assert_eq!(app.detail.tab, Tab::Flow);
    assert!(matches!(app.preset, Some(Preset::SameCorrelation(_))));
    assert_eq!(ids_shown(&app), ["8f1c2a60-0012", "8f1c2a60-0013"]);
    // :flows opens it again; esc closes it.
    key(&mut app, ":flows\n");
    assert_eq!(app.mode, Mode::Flows);
    key(&mut app, "\x1b");
    assert_eq!(app.mode, Mode::List);
}

#[test]
fn the_troubled_flows_preset_keeps_failed_and_stuck_flows() {
    let mut app = demo_app(120, 40);
    key(&mut app, "F");
    assert_eq!(app.preset, Some(Preset::TroubledFlows));
    let ids = ids_shown(&app);
    assert_eq!(
        ids,
        [
            "8f1c2a60-0001",
            "8f1c2a60-0002",
            "8f1c2a60-0003",
            "8f1c2a60-0004",
            "8f1c2a60-0005",
            "8f1c2a60-0007",
            "8f1c2a60-0012",
            "8f1c2a60-0013",
            "c0ffee00-0001",
            "c0ffee00-0002",
            "c0ffee00-0003",
            "line-6"
        ]
    );
}

#[test]
fn enter_on_a_flow_node_jumps_to_that_event() {
    let mut app = demo_app(120, 40);
    // From the SMS (notifications) to its flow's AuthFailed (the DLQ).
    go_to(&mut app, "line-6");
    key(&mut app, "5\t");
    assert_eq!(app.focus, evscope::tui::app::Pane::Detail);
    key(&mut app, "jj");
    assert_eq!(app.flows.node, 2);
    assert!(screen(&app).contains("› "), "the flow cursor is drawn");
    key(&mut app, "\n");
    assert_eq!(app.focus, evscope::tui::app::Pane::Table);
    assert_eq!(app.current_row(), Some(row_of(&app, "c0ffee00-0001")));
    // A jump to an event the preset hides drops the preset: with only the
    // SMSes shown, jump to the flow's AuthCreated.
    go_to(&mut app, "line-6");
    key(&mut app, "T");
    assert_eq!(ids_shown(&app), ["line-5", "line-6"]);
    key(&mut app, "\tj\n");
    assert_eq!(app.preset, None);
    assert_eq!(app.current_row(), Some(row_of(&app, "8f1c2a60-0005")));
}
