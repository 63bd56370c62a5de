//! The terminal UI's log: written to the file in the state directory,
//! never to the screen, credentials kept out. Its own test binary: it sets
//! XDG_STATE_HOME and installs the process's log subscriber.

mod bin_support;
mod tui_support;

use std::sync::Arc;

use bin_support::two_events as capture;

use chrono::Utc;
use evscope::backend::OpenOptions;

/// The terminal UI logs to the file in the state directory, never to the
/// screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_logs_to_its_file_not_to_the_screen() {
    let state = tempfile::tempdir().unwrap();
    // SAFETY: the only test of this binary; no other thread reads the
    // environment while it is set.
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
    let decoder = Arc::new(evscope::tui::decode::InspectorDecoder::new(
        options.inspector.clone(),
    ));
    let pause = std::time::Duration::from_millis(1500);
    let keys = ['j', 'q'];
    let (app, terminal) =
        tui_support::run_with_keys(&uris, options, decoder, (120, 40), &keys, pause, Utc::now)
            .await;
    let screens = format!("{}", terminal.backend());
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
