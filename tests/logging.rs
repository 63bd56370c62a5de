//! Logs: `-v` and EVSCOPE_LOG on the commands' stderr, the terminal UI's
//! log file, and credentials kept out of both.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use evscope::backend::OpenOptions;
use evscope::tui::keymap::Keymap;
use evscope::tui::theme::Theme;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

/// The binary with `env` set and every log variable of the caller removed.
fn evscope(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_evscope"));
    command
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        .env_remove("EVSCOPE_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("evscope runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn capture(dir: &Path) -> String {
    let path = dir.join("c.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"1\",\"body\":{\"a\":1}}\n{\"id\":\"2\",\"body\":{\"a\":2}}\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

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
    assert!(log.iter().any(|l| l.contains("alice:***@")), "{err}");
    assert!(!log.iter().any(|l| l.contains("Pa55w0rdXYZ")), "{err}");
}

/// The terminal UI logs to the file in the state directory, never to the
/// screen; this test process installs the file subscriber, so it is the
/// only test of this binary that runs the UI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_logs_to_its_file_not_to_the_screen() {
    use evscope::tui::event_loop::{Input, run};
    use evscope::tui::jobs::Jobs;
    use futures::StreamExt;

    struct NoHost;
    impl evscope::tui::terminal::Host for NoHost {
        fn suspend(&mut self) -> std::io::Result<()> {
            Ok(())
        }
        fn resume(&mut self) -> std::io::Result<()> {
            Ok(())
        }
        fn write_raw(&mut self, _: &[u8]) -> std::io::Result<()> {
            Ok(())
        }
    }
    let state = tempfile::tempdir().unwrap();
    // SAFETY of set_var: set before any other thread of this test reads
    // the environment (the runtime's workers do not).
    unsafe { std::env::set_var("XDG_STATE_HOME", state.path()) };
    let log = evscope::logging::log_file().expect("a state directory");
    assert!(log.starts_with(state.path()), "{}", log.display());
    evscope::logging::init(1, "warn", evscope::logging::Sink::File(log.clone())).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let uris = vec![
        capture(dir.path()),
        "pulsar://bob:TuiSecret42@127.0.0.1:1/public/default/t".to_string(),
    ];
    let mut options = OpenOptions::default();
    options.pulsar.timeout = Some(std::time::Duration::from_millis(500));
    let decoder: Arc<dyn evscope::tui::decode::Decoder> = Arc::new(
        evscope::tui::decode::InspectorDecoder::new(options.inspector.clone()),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut jobs = Jobs::new(options, decoder.clone(), tx);
    let mut app = evscope::tui::app::App::new(
        &uris,
        Keymap::default(),
        Theme::load("dark", None).unwrap(),
        decoder,
        false,
        chrono::Utc::now(),
    );
    app.log_file = Some(log.clone());
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let input = || -> Input {
        futures::stream::iter(vec![
            TermEvent::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
            TermEvent::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE)),
        ])
        .then(|event| async move {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            Ok(event)
        })
        .boxed()
    };
    let mut screens = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        run(
            &mut terminal,
            &mut app,
            &mut jobs,
            &mut rx,
            &mut NoHost,
            input,
            chrono::Utc::now,
        ),
    )
    .await
    .expect("the loop ends")
    .expect("no error");
    screens.push_str(&format!("{}", terminal.backend()));
    let written = std::fs::read_to_string(&log).expect("the log file exists");
    assert!(written.contains("opening source"), "{written}");
    assert!(written.contains("connecting to Pulsar"), "{written}");
    assert!(!written.contains("TuiSecret42"), "{written}");
    for line in written.lines() {
        let needle = line.get(..40).unwrap_or(line);
        assert!(!screens.contains(needle), "{needle} on screen");
    }
    assert!(!screens.contains("INFO"), "{screens}");
    // The help screen names the file.
    let help: Vec<String> =
        evscope::tui::views::help::lines(&app.keymap, false, Some(&log), &app.theme)
            .iter()
            .map(ToString::to_string)
            .collect();
    assert!(
        help.iter().any(|l| l.contains(&log.display().to_string())),
        "{help:?}"
    );
}
