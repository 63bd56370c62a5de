//! The journal, through the binary: every operation that changes a source
//! or a target writes its intent and outcome, `evscope journal` lists them,
//! and a journal that cannot be written stops the operation first.

mod bin_support;

use std::path::{Path, PathBuf};

use bin_support::{evscope, stderr, stdout, two_events};
use serde_json::Value;

/// A config naming `journal` as the journal file; its path.
fn config(dir: &Path, journal: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!("journal = {:?}\n", journal.to_str().unwrap()),
    )
    .unwrap();
    path
}

fn journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every journal line is JSON"))
        .collect()
}

#[test]
fn replay_and_delete_are_journaled_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_events(dir.path());
    let journal = dir.path().join("j/journal.jsonl");
    let config = config(dir.path(), &journal);
    let config = config.to_str().unwrap();
    let target = dir.path().join("out.jsonl");
    let target = target.to_str().unwrap();
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXNlY3JldA";
    let out = evscope(
        &[
            "--config",
            config,
            "--pulsar-token",
            token,
            "replay",
            &source,
            target,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = evscope(
        &[
            "--config", config, "delete", &source, "--ids", "line-2", "--yes",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(!text.contains("c2lnbmF0dXJlLXNlY3JldA"), "{text}");
    let lines = journal_lines(&journal);
    let phases: Vec<&str> = lines.iter().map(|l| l["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, ["intent", "outcome", "intent", "outcome"]);
    let replay = &lines[0];
    assert_eq!(replay["intent"]["operation"], "replay");
    assert_eq!(replay["intent"]["via"], "cli");
    assert_eq!(replay["intent"]["plan"]["events"], 2);
    assert!(replay["user"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(replay["host"].as_str().is_some_and(|h| !h.is_empty()));
    assert_eq!(replay["version"], env!("CARGO_PKG_VERSION"));
    // Files are not AWS: no identity asked.
    assert!(replay["intent"].get("aws").is_none());
    assert_eq!(lines[1]["id"], replay["id"]);
    assert_eq!(lines[1]["outcome"]["done"], 2);
    assert_eq!(lines[1]["outcome"]["new_ids"].as_array().unwrap().len(), 2);
    assert_eq!(
        lines[3]["outcome"]["removed"],
        serde_json::json!(["line-2"])
    );
    assert_eq!(lines[2]["intent"]["ids"], serde_json::json!(["line-2"]));

    // Listed: both, newest last; --source keeps those touching it.
    let out = evscope(&["--config", config, "journal", "--format", "json"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["intent"]["operation"], "delete");
    assert_eq!(listed[1]["outcome"]["done"], 1);
    let out = evscope(&["--config", config, "journal", "--source", target], &[]);
    let table = stdout(&out);
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains("replay"), "{table}");
    assert!(table.contains("2 done, 0 failed"), "{table}");
    let out = evscope(&["--config", config, "journal", "--since", "1h"], &[]);
    assert_eq!(stdout(&out).lines().count(), 3);
    let out = evscope(&["--config", config, "journal", "--since", "soon"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad duration"), "{}", stderr(&out));
}

#[test]
fn an_unwritable_journal_stops_the_operation_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_events(dir.path());
    // The journal's folder is a file.
    std::fs::write(dir.path().join("blocked"), "").unwrap();
    let config = config(dir.path(), &dir.path().join("blocked/journal.jsonl"));
    let config = config.to_str().unwrap();
    let target = dir.path().join("out.jsonl");
    let out = evscope(
        &[
            "--config",
            config,
            "replay",
            &source,
            target.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let error = stderr(&out);
    assert!(error.contains("cannot write the journal"), "{error}");
    assert!(error.contains("nothing was done"), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(!target.exists(), "nothing was sent");
    let out = evscope(
        &[
            "--config", config, "delete", &source, "--ids", "line-1", "--yes",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&source).unwrap().lines().count(), 2);
    // --no-journal runs it, and says so.
    let out = evscope(
        &[
            "--config",
            config,
            "--no-journal",
            "replay",
            &source,
            target.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("--no-journal"), "{}", stderr(&out));
}

#[test]
fn no_journal_is_itself_noted_and_an_export_over_a_file_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_events(dir.path());
    let journal = dir.path().join("journal.jsonl");
    let config = config(dir.path(), &journal);
    let config = config.to_str().unwrap();
    let target = dir.path().join("out.jsonl");
    let target = target.to_str().unwrap();
    let out = evscope(
        &[
            "--config",
            config,
            "--no-journal",
            "replay",
            &source,
            target,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // A new file is not journaled; replacing one is.
    let export = dir.path().join("export.jsonl");
    let export = export.to_str().unwrap();
    let out = evscope(&["--config", config, "export", &source, "-o", export], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = evscope(
        &[
            "--config", config, "export", &source, "-o", export, "--force",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = journal_lines(&journal);
    let phases: Vec<&str> = lines.iter().map(|l| l["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, ["unjournaled", "intent", "outcome"]);
    assert_eq!(lines[0]["intent"]["operation"], "replay");
    assert_eq!(lines[1]["intent"]["operation"], "export");
    assert_eq!(lines[2]["outcome"]["done"], 2);
    let out = evscope(&["--config", config, "journal"], &[]);
    assert!(
        stdout(&out).contains("unjournaled (--no-journal)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn peek_names_events_the_journal_says_were_redriven() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_events(dir.path());
    let journal = dir.path().join("journal.jsonl");
    // A redrive of line-1 out of this file (as of a Pulsar topic, which
    // keeps what was redriven), and one out of another source.
    let line = |id: &str, source: &str, phase: &str, body: &str| {
        format!(
            r#"{{"phase":"{phase}","id":"{id}","time":"2026-11-29T09:00:00Z","user":"u","host":"h","version":"0","{body}}}"#
        )
        .replace("{source}", source)
    };
    let intent = r#"intent":{"operation":"redrive","via":"cli","command":[],"source":"{source}","plan":{"how":"client-side"}}"#;
    let outcome = r#"outcome":{"done":1,"failed":0,"skipped":0,"duplicated":0,"unreadable":0,"cancelled":false,"removed":["line-1"]}"#;
    let uri = format!("file:{source}");
    let text = [
        line("a", &uri, "intent", intent),
        line("a", &uri, "outcome", outcome),
        line("b", "file:elsewhere", "intent", intent),
        line(
            "b",
            "file:elsewhere",
            "outcome",
            &outcome.replace("line-1", "line-2"),
        ),
    ]
    .join("\n");
    std::fs::write(&journal, text + "\n").unwrap();
    let config = config(dir.path(), &journal);
    let out = evscope(
        &["--config", config.to_str().unwrap(), "peek", &source],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    let note = stderr(&out);
    assert!(
        note.contains("1 of the events shown were already redriven out of this source"),
        "{note}"
    );
    assert!(
        note.contains("line-1") && !note.contains("line-2"),
        "{note}"
    );
}

#[test]
fn a_paced_replay_sends_everything_and_journals_its_pace() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_events(dir.path());
    let journal = dir.path().join("journal.jsonl");
    let config = config(dir.path(), &journal);
    let config = config.to_str().unwrap();
    let target = dir.path().join("out.jsonl");
    let target = target.to_str().unwrap();
    let out = evscope(
        &[
            "--config", config, "replay", &source, target, "--rate", "200/s",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = evscope(
        &[
            "--config",
            config,
            "replay",
            &source,
            target,
            "--pace",
            "original:4",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(target).unwrap().lines().count(), 4);
    let lines = journal_lines(&journal);
    assert_eq!(lines[0]["intent"]["plan"]["pace"], "200/s");
    assert_eq!(lines[2]["intent"]["plan"]["pace"], "original:4");
    for (flags, message) in [
        (vec!["--rate", "fast"], "bad rate `fast`"),
        (vec!["--pace", "original:0"], "bad pace `original:0`"),
        (
            vec!["--rate", "1/s", "--pace", "original"],
            "cannot be used with",
        ),
    ] {
        let mut args = vec!["--config", config, "replay", &source, target];
        args.extend(flags);
        let out = evscope(&args, &[]);
        assert_eq!(out.status.code(), Some(2));
        let error = stderr(&out);
        assert!(error.contains(message), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }
}

#[test]
fn a_redrive_at_a_rate_moves_everything_and_journals_its_rate() {
    let dir = tempfile::tempdir().unwrap();
    let source = two_events(dir.path());
    let journal = dir.path().join("journal.jsonl");
    let config = config(dir.path(), &journal);
    let target = dir.path().join("back.jsonl");
    let out = evscope(
        &[
            "--config",
            config.to_str().unwrap(),
            "redrive",
            &source,
            "--to",
            target.to_str().unwrap(),
            "--rate",
            "1000/s",
            "--yes",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 moved, 0 failed"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 2);
    assert_eq!(std::fs::read_to_string(&source).unwrap().lines().count(), 0);
    let lines = journal_lines(&journal);
    assert_eq!(lines[0]["intent"]["plan"]["pace"], "1000/s");
    assert_eq!(lines[0]["intent"]["plan"]["how"], "client-side");
    assert_eq!(lines[1]["outcome"]["removed"].as_array().unwrap().len(), 2);
}
