//! Running the evscope binary in tests: the caller's log variables removed,
//! no user config, output captured.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary with `args` and the caller's log variables removed, no user
/// config, its journal in a test state directory, no standard input,
/// output captured: to run, or to change first (standard input on a
/// terminal).
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_evscope"));
    command
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        // Operations journal away from the user's state directory.
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("evscope-test-state"),
        )
        .env_remove("EVSCOPE_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// [`command`] with `env` set, run to its end.
pub fn evscope(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = command(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("evscope runs")
}

/// Standard error, lossily decoded.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output, lossily decoded.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A file of two plain JSON events in `dir`; its path.
pub fn two_events(dir: &Path) -> String {
    let path = dir.join("c.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"1\",\"body\":{\"a\":1}}\n{\"id\":\"2\",\"body\":{\"a\":2}}\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}
