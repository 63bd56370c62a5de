//! Logs a user can attach to a bug report: `tracing` events from evscope,
//! the AWS SDK (which emits `tracing`) and the pulsar crate (which emits
//! `log`, bridged by tracing-subscriber's `tracing-log` feature).
//!
//! # What is logged, where
//!
//! - The level comes from `EVSCOPE_LOG` (an `EnvFilter` directive such as
//!   `debug` or `evscope=debug,aws_smithy_runtime=debug`), else `RUST_LOG`,
//!   else the `-v` count: none, `-v` (`warn,evscope=info` and the AWS SDK's
//!   retry decisions: connections, retries with their reasons, timeouts,
//!   each operation's plan and counts), `-vv` (`info,evscope=debug` and the
//!   same retries), `-vvv` (`trace`).
//! - Commands log to stderr, and nothing without `-v` or a variable. The
//!   terminal UI logs to [`log_file`] (never to the screen), warnings and
//!   errors by default.
//! - Every line passes through [`crate::sanitize::escape_masked`] (the
//!   masking policy, then escaping), whatever crate wrote it: credentials
//!   in URLs and headers never reach a log, nor do terminal controls.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The variable naming a log filter.
pub const LOG_ENV: &str = "EVSCOPE_LOG";

/// The file name of the terminal UI's log, in the platform state directory.
pub const LOG_FILE_NAME: &str = "evscope.log";

/// Where log lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// Standard error (the commands).
    Stderr,
    /// A file, appended to (the terminal UI: [`log_file`]).
    File(PathBuf),
}

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// `EVSCOPE_LOG` or `RUST_LOG` is not a filter.
    #[error(
        "{variable}: not a log filter ({reason}); try `debug` or `evscope=debug,aws_smithy_runtime=info`"
    )]
    BadFilter {
        /// The variable.
        variable: &'static str,
        /// What the filter parser said.
        reason: String,
    },
    /// The log file cannot be opened.
    #[error("cannot open the log file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
}

/// The terminal UI's log file: `evscope.log` in the platform state
/// directory (`$XDG_STATE_HOME/evscope`, by default
/// `~/.local/state/evscope`, on Linux), or its local data directory where
/// the platform has no state directory (macOS, Windows).
pub fn log_file() -> Option<PathBuf> {
    Some(crate::state::dir()?.join(LOG_FILE_NAME))
}

/// The filter directive in force and the variable it came from (`None`
/// for the `-v` count). `quiet` is the directive without `-v`.
pub fn directive(
    verbose: u8,
    quiet: &str,
    env: impl Fn(&str) -> Option<String>,
) -> (String, Option<&'static str>) {
    for variable in [LOG_ENV, "RUST_LOG"] {
        if let Some(value) = env(variable).filter(|v| !v.trim().is_empty()) {
            return (value, Some(variable));
        }
    }
    let level = match verbose {
        0 => quiet,
        1 => "warn,evscope=info,aws_smithy_runtime::client::retries=debug",
        2 => "info,evscope=debug,aws_smithy_runtime::client::retries=debug",
        _ => "trace",
    };
    (level.to_string(), None)
}

/// Start logging to `sink` at the level `verbose` and the environment ask
/// for (see the module documentation); `quiet` is the level without
/// either (`off` for commands, `warn` for the terminal UI). Returns the
/// directive in force. A second call in one process keeps the first.
pub fn init(verbose: u8, quiet: &str, sink: Sink) -> Result<String, LogError> {
    let (directive, variable) = directive(verbose, quiet, |name| std::env::var(name).ok());
    let filter = EnvFilter::builder()
        .parse(&directive)
        .map_err(|e| LogError::BadFilter {
            variable: variable.unwrap_or(LOG_ENV),
            reason: e.to_string(),
        })?;
    let writer = match &sink {
        Sink::Stderr => Target::Stderr,
        Sink::File(path) => {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|source| LogError::File {
                    path: path.display().to_string(),
                    source,
                })?;
            Target::File(std::sync::Arc::new(Mutex::new(file)))
        }
    };
    // try_init also installs the `log` bridge (tracing-log), so the pulsar
    // crate's records arrive; it fails only when a subscriber is already
    // set (a test that initialized logging before).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .try_init();
    Ok(directive)
}

/// The destination of formatted lines, each redacted on the way.
#[derive(Clone)]
enum Target {
    Stderr,
    File(std::sync::Arc<Mutex<std::fs::File>>),
}

/// Writes one formatted event (tracing-subscriber's fmt layer hands each
/// event over in one `write_all`) after [`clean_line`].
struct Redacting(Target);

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = clean_lines(&text);
        match &self.0 {
            Target::Stderr => io::stderr().lock().write_all(clean.as_bytes())?,
            Target::File(file) => {
                let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                file.write_all(clean.as_bytes())?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &self.0 {
            Target::Stderr => io::stderr().flush(),
            Target::File(file) => file.lock().unwrap_or_else(|e| e.into_inner()).flush(),
        }
    }
}

impl<'a> MakeWriter<'a> for Target {
    type Writer = Redacting;

    fn make_writer(&'a self) -> Redacting {
        Redacting(self.clone())
    }
}

/// Each line of `text` redacted and escaped, line ends kept.
fn clean_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        out.push_str(&crate::sanitize::escape_masked(body));
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_credentials_in_urls_headers_and_fields() {
        let cases = [
            (
                "connecting to pulsar://alice:S3cretPw@broker:6650/t",
                "S3cretPw",
            ),
            (
                "GET http://h/q?Action=x&X-Amz-Signature=abcdef123&b=1",
                "abcdef123",
            ),
            ("url https://h/p?token=tok123456 done", "tok123456"),
            ("authorization: Bearer abc.def.ghi.jkl", "abc.def.ghi.jkl"),
            (r#"{"password":"hunter22","user":"bob"}"#, "hunter22"),
            ("sent Bearer abc123defghijk to it", "abc123defghijk"),
            ("key AKIAABCDEFGHIJKLMNOP used", "AKIAABCDEFGHIJKLMNOP"),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature ok",
                "sig_nature",
            ),
        ];
        for (text, secret) in cases {
            let out = clean_lines(text);
            assert!(!out.contains(secret), "{text} -> {out}");
        }
    }

    #[test]
    fn leaves_plain_text_alone() {
        let text = "opened file:/tmp/a.jsonl: 12 events (token bucket full), sqs://orders";
        assert_eq!(clean_lines(text), text);
    }

    #[test]
    fn lines_are_escaped_and_keep_their_ends() {
        let out = clean_lines("a\x1b[31m pulsar://u:Pw4Secret@h/t\nb\n");
        assert!(out.starts_with("a\\x1b[31m pulsar://u:"), "{out}");
        assert!(!out.contains("Pw4Secret"), "{out}");
        assert!(out.ends_with("@h/t\nb\n"), "{out}");
    }

    #[test]
    fn the_variable_wins_over_the_flag() {
        let none = |_: &str| None;
        assert_eq!(directive(0, "off", none).0, "off");
        assert!(
            directive(1, "off", none)
                .0
                .starts_with("warn,evscope=info,")
        );
        assert!(
            directive(2, "off", none)
                .0
                .starts_with("info,evscope=debug,")
        );
        for verbose in [1, 2, 3] {
            let (directive, _) = directive(verbose, "off", none);
            assert!(
                EnvFilter::builder().parse(&directive).is_ok(),
                "{directive}"
            );
        }
        let rust = |n: &str| (n == "RUST_LOG").then(|| "debug".to_string());
        assert_eq!(
            directive(1, "off", rust),
            ("debug".into(), Some("RUST_LOG"))
        );
        let both = |n: &str| Some(if n == LOG_ENV { "trace" } else { "info" }.to_string());
        assert_eq!(directive(0, "off", both), ("trace".into(), Some(LOG_ENV)));
    }
}
