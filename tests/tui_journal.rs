//! The TUI's journal view (`:journal`), in its own test process: the
//! process-wide journal is set once, to a file this test writes.

mod tui_support;

use evscope::ops::journal::{self, Journal};
use evscope::tui::app::Mode;
use tui_support::*;

/// Two operations, one finished and one without an outcome; hostile text
/// (a terminal escape, a URI with a password, a token) in what they name.
const LINES: &str = r#"{"phase":"intent","id":"a","time":"2026-11-29T09:00:00Z","user":"ana","host":"ops-1","version":"0.1.0","intent":{"operation":"redrive","via":"cli","command":["evscope","redrive","sqs://orders-dlq"],"source":"sqs://orders-dlq","target":"sqs://orders","plan":{"how":"client-side"}}}
{"phase":"outcome","id":"a","time":"2026-11-29T09:00:05Z","user":"ana","host":"ops-1","version":"0.1.0","outcome":{"done":41,"failed":1,"skipped":0,"duplicated":0,"unreadable":0,"cancelled":false,"failures":[{"id":"m9","reason":"refused","kind":"failed"}]}}
{"phase":"intent","id":"b","time":"2026-11-29T10:00:00Z","user":"bo\u001b[31mb","host":"ops-2","version":"0.1.0","intent":{"operation":"replay","via":"tui","command":[":replay"],"source":"pulsar://bob:hunter2@broker:6650/t","target":"out.jsonl?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl","plan":{"how":"client-side"}}}
{"phase":"intent","id":"c","time":"2026-11-29T10:30:00Z","user":"ana","host":"ops-1","version":"0.1.0","intent":{"operation":"redrive","via":"tui","command":[":redrive"],"source":"demo:payments.dlq","target":"demo:payments","plan":{"how":"client-side"}}}
{"phase":"outcome","id":"c","time":"2026-11-29T10:30:01Z","user":"ana","host":"ops-1","version":"0.1.0","outcome":{"done":1,"failed":0,"skipped":0,"duplicated":0,"unreadable":0,"cancelled":false,"removed":["c0ffee00-0002"]}}
"#;

/// Point the process-wide journal at a file holding [`LINES`], once.
fn journal_ready() {
    static READY: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    READY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, LINES).unwrap();
        journal::configure(Journal {
            path: Some(path),
            off: false,
        });
        dir
    });
}

#[test]
fn events_the_journal_says_were_redriven_are_flagged() {
    journal_ready();
    let mut app = demo_app(110, 24);
    let row = |app: &evscope::tui::app::App, id: &str| {
        (0..app.store.len()).find(|&r| app.store.summary(r).is_some_and(|s| s.id.as_str() == id))
    };
    let redriven = row(&app, "c0ffee00-0002").unwrap();
    let other = row(&app, "c0ffee00-0001").unwrap();
    assert!(app.row_redriven(redriven, &evscope::tui::safe::Safe::new("c0ffee00-0002")));
    assert!(!app.row_redriven(other, &evscope::tui::safe::Safe::new("c0ffee00-0001")));
    // Its row shows R in the dead-letter flag's place; the others D.
    key(&mut app, "]]");
    let shown = screen(&app);
    let line = |id: &str| {
        shown
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} shown: {shown}"))
            .to_string()
    };
    assert!(line("c0ffee00-0002").contains("R"), "{shown}");
    assert!(line("c0ffee00-0001").contains("D"), "{shown}");
    assert!(!line("c0ffee00-0001").contains("R"), "{shown}");
}

#[test]
fn journal_view_lists_operations_newest_first_masked_and_escaped() {
    journal_ready();
    let mut app = demo_app(110, 24);
    key(&mut app, ":journal\n");
    assert_eq!(app.mode, Mode::Help);
    let shown = screen(&app);
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("eyJzdWIiOiJ4In0"), "{shown}");
    assert!(!shown.contains('\u{1b}'), "{shown}");
    insta::assert_snapshot!(shown);
    key(&mut app, "\x1b");
    assert_eq!(app.mode, Mode::List);
    assert!(app.journal_view.is_none());
}

#[test]
fn the_replay_prompt_takes_a_rate_or_the_original_pace() {
    journal_ready();
    let mut app = demo_app(110, 24);
    key(&mut app, ":replay /tmp/paced.jsonl --pace original:2\n");
    let paces: Vec<_> = effects(&mut app)
        .into_iter()
        .filter_map(|e| match e {
            evscope::tui::jobs::Effect::Replay { target, pace, .. } => Some((target, pace)),
            _ => None,
        })
        .collect();
    assert_eq!(
        paces,
        [(
            "/tmp/paced.jsonl".to_string(),
            evscope::ops::Pace::Original(2.0)
        )]
    );
    // A bad pace is said, and nothing starts.
    let mut app = demo_app(110, 24);
    key(&mut app, "r");
    key(&mut app, "/tmp/paced.jsonl --rate soon\n");
    assert!(effects(&mut app).is_empty());
    let shown = screen(&app);
    assert!(shown.contains("bad rate `soon`"), "{shown}");
}
