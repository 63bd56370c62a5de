//! Logs: `-v` and EVSCOPE_LOG on the commands' stderr, credentials kept
//! out of them (the terminal UI's log file: `tui_log.rs`).

mod bin_support;

use bin_support::{evscope, stderr, two_events as capture};

#[test]
fn peek_logs_its_plan_and_counts_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let file = capture(dir.path());
    let quiet = evscope(&["peek", &file], &[]);
    assert!(quiet.status.success());
    assert_eq!(stderr(&quiet), "", "no log without -v");

    let verbose = evscope(&["peek", &file, "-v"], &[]);
    assert!(verbose.status.success());
    let err = stderr(&verbose);
    assert!(
        err.contains("INFO") && err.contains("opening source"),
        "{err}"
    );
    assert!(err.contains("plan: read events"), "{err}");
    assert!(
        err.contains("outcome: events read") && err.contains("read=2"),
        "{err}"
    );
    // The events themselves still go to stdout only.
    assert_eq!(String::from_utf8_lossy(&verbose.stdout).lines().count(), 2);
}

#[test]
fn the_log_variables_take_a_filter() {
    let dir = tempfile::tempdir().unwrap();
    let file = capture(dir.path());
    let debug = evscope(&["peek", &file], &[("EVSCOPE_LOG", "evscope=info")]);
    assert!(
        stderr(&debug).contains("plan: read events"),
        "{}",
        stderr(&debug)
    );
    let rust = evscope(&["peek", &file], &[("RUST_LOG", "evscope=info")]);
    assert!(
        stderr(&rust).contains("plan: read events"),
        "{}",
        stderr(&rust)
    );
    // EVSCOPE_LOG wins over RUST_LOG.
    let both = evscope(
        &["peek", &file],
        &[("EVSCOPE_LOG", "off"), ("RUST_LOG", "evscope=info")],
    );
    assert_eq!(stderr(&both), "");
    let bad = evscope(&["peek", &file], &[("EVSCOPE_LOG", "evscope=loud")]);
    assert_eq!(bad.status.code(), Some(2));
    let err = stderr(&bad);
    assert!(
        err.starts_with("evscope: EVSCOPE_LOG: not a log filter"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_password_in_a_source_url_never_reaches_the_log() {
    let out = evscope(
        &[
            "-vv",
            "peek",
            "pulsar://alice:Pa55w0rdXYZ@127.0.0.1:1/public/default/t",
            "--pulsar-timeout",
            "1",
        ],
        &[],
    );
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    // The log lines (the final error line is the masking policy's).
    let log: Vec<&str> = err.lines().filter(|l| !l.starts_with("evscope:")).collect();
    assert!(
        log.iter().any(|l| l.contains("connecting to Pulsar")),
        "{err}"
    );
    assert!(
        log.iter().any(|l| l.contains("alice:…(11 chars)@")),
        "{err}"
    );
    assert!(!log.iter().any(|l| l.contains("Pa55w0rdXYZ")), "{err}");
}

#[test]
fn the_tui_logs_to_the_state_directory_not_to_stderr() {
    let state = tempfile::tempdir().unwrap();
    let home = state.path().to_str().unwrap();
    // Without a terminal the UI stops at once, after logging has started.
    let out = evscope(&["-v", "demo"], &[("XDG_STATE_HOME", home)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
    let log = std::fs::read_to_string(state.path().join("evscope").join("evscope.log"))
        .expect("the log file is in the state directory");
    assert!(log.contains("terminal UI starting"), "{log}");
}

#[test]
fn sqs_connections_and_retries_are_logged_without_the_password() {
    let out = evscope(
        &[
            "-v",
            "peek",
            "sqs://orders",
            "--endpoint-url",
            "http://user:SqsPa55word@127.0.0.1:1",
            "--region",
            "us-east-1",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAABCDEFGHIJKLMNOP"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let log: Vec<&str> = err.lines().filter(|l| !l.starts_with("evscope:")).collect();
    assert!(log.iter().any(|l| l.contains("connecting to SQS")), "{err}");
    assert!(log.iter().any(|l| l.contains("retrying after")), "{err}");
    assert!(
        log.iter()
            .any(|l| l.contains("user:…(11 chars)@127.0.0.1:1")),
        "{err}"
    );
    assert!(!log.iter().any(|l| l.contains("SqsPa55word")), "{err}");
}
