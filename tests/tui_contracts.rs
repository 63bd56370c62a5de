//! Contracts in the terminal UI: `:contracts PATH` loads them and checks
//! every event again; the sources pane counts violations (V), the V preset
//! shows them, the Facets tab lists them and the Body tab marks them.

mod tui_support;

use std::sync::Arc;

use evscope::backend::file::FileBackend;
use evscope::backend::{SourceInfo, SourceKind};
use evscope::inspect::Inspector;
use evscope::tui::app::App;
use evscope::tui::decode::{Decoder, InspectorDecoder};
use evscope::tui::jobs::{Effect, Msg};
use evscope::tui::keymap::Keymap;
use evscope::tui::theme::Theme;
use evscope::tui::update::{apply, update};
use serde_json::json;
use tui_support::*;

fn capture(dir: &std::path::Path) -> std::path::PathBuf {
    let events = [
        json!({"eventName": "Paid", "eventId": "e-1", "creationDate": "2024-05-01 10:00:00.000",
               "data": {"paymentId": "p-1", "amount": 5}}),
        json!({"eventName": "Paid", "eventId": "e-2", "creationDate": "2024-05-01 10:00:01.000",
               "data": {"paymentId": 42}}),
        json!({"eventName": "Refunded", "eventId": "e-3", "creationDate": "2024-05-01 10:00:02.000"}),
    ];
    let path = dir.join("events.jsonl");
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn contracts(dir: &std::path::Path) -> std::path::PathBuf {
    let c = dir.join("contracts");
    std::fs::create_dir_all(c.join("Paid")).unwrap();
    let schema = json!({"type": "object", "required": ["data"], "properties": {"data": {
        "type": "object", "required": ["paymentId", "amount"],
        "properties": {"paymentId": {"type": "string"}, "amount": {"type": "number"}}}}});
    std::fs::write(c.join("Paid.json"), schema.to_string()).unwrap();
    c
}

fn load_capture(app: &mut App, path: &std::path::Path, decoder: &dyn Decoder) {
    let backend = FileBackend::open_path(path, &options()).unwrap();
    // A fixed name, so the snapshot does not hold the temporary directory.
    let uri = "file:events.jsonl".to_string();
    let info = SourceInfo {
        name: uri.clone(),
        uri,
        kind: SourceKind::File,
        count: None,
        dlq_of: None,
        dlq: None,
    };
    load(app, 0, backend, info, decoder);
}

#[test]
fn contracts_loaded_in_the_ui_check_every_event_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = capture(dir.path());
    let decoder = Arc::new(InspectorDecoder::new(Inspector::with_defaults()));
    let mut app = App::new(
        &["file:events.jsonl".to_string()],
        Keymap::default(),
        Theme::load("dark", None).unwrap(),
        decoder.clone(),
        false,
        now(),
    );
    drop(app.take_effects());
    update(&mut app, evscope::tui::action::Action::Resize(110, 44));
    load_capture(&mut app, &path, decoder.as_ref());
    assert!(!screen(&app).contains(" V1"), "no contracts yet");

    let c = contracts(dir.path());
    key(&mut app, &format!(":contracts {}\n", c.display()));
    let asked: Vec<Effect> = effects(&mut app);
    assert!(
        asked
            .iter()
            .any(|e| matches!(e, Effect::LoadContracts(p) if *p == c.display().to_string())),
        "the load runs in the background"
    );
    // What the background task sends back.
    let loaded = evscope::contract_files::load_contracts(std::slice::from_ref(&c)).unwrap();
    apply(
        &mut app,
        Msg::ContractsLoaded {
            path: c.display().to_string(),
            result: Ok(Arc::new(loaded)),
        },
    );
    let after = effects(&mut app);
    assert!(after.iter().any(|e| matches!(e, Effect::UseContracts(_))));
    assert!(
        after.iter().any(|e| matches!(e, Effect::Open { .. })),
        "sources are read again"
    );
    load_capture(&mut app, &path, decoder.as_ref());

    let shown = screen(&app);
    assert!(shown.contains("M1 V1"), "{shown}");
    key(&mut app, "V");
    assert_eq!(ids_shown(&app).len(), 1);
    key(&mut app, "3");
    let facets = screen(&app);
    assert!(facets.contains("Contract"), "{facets}");
    assert!(facets.contains("no: 2 violations"), "{facets}");
    assert!(facets.contains("/data/paymentId"), "{facets}");
    insta::assert_snapshot!(facets);
    key(&mut app, "1");
    let body = screen(&app);
    assert!(
        body.contains("◀"),
        "the failing values are marked in place: {body}"
    );
    assert!(
        body.lines()
            .any(|l| l.contains("\"paymentId\": 42") && l.contains("◀")),
        "{body}"
    );
}

#[test]
fn contracts_that_do_not_load_leave_the_view_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = demo_app(100, 30);
    let before = ids_shown(&app);
    apply(
        &mut app,
        Msg::ContractsLoaded {
            path: dir.path().display().to_string(),
            result: Err("contracts: /x/Bad.json: not a JSON or YAML document".into()),
        },
    );
    assert!(effects(&mut app).is_empty());
    assert_eq!(ids_shown(&app), before);
    assert!(screen(&app).contains("Bad.json: not a JSON"));
}
