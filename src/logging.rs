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
//! - Every line passes through [`redact_log_text`] and then
//!   [`crate::sanitize::escape`], whatever crate wrote it: credentials in
//!   URLs and headers never reach a log, nor do terminal controls.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use regex::Regex;
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
    let dirs = directories::ProjectDirs::from("", "", "evscope")?;
    let dir = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf();
    Some(dir.join(LOG_FILE_NAME))
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
        out.push_str(&crate::sanitize::escape(&redact_log_text(body)));
        out.push_str(end);
    }
    out
}

/// What stands for a hidden credential in a log line.
pub const HIDDEN: &str = "***";

/// Credentials in log text, each regex's first group (and second, when
/// there is one) kept around the hidden part:
/// the password of a URL's userinfo (`scheme://user:PASS@`), token-like
/// query parameters (`?token=`, `&X-Amz-Signature=`), credential headers
/// and fields (`Authorization: …`, `password=…`), bearer and basic
/// credentials, and JWTs.
///
/// Written here, at the logging boundary, as the minimal URL-userinfo and
/// token redaction the logs need; the masking policy's text scanner can
/// take its place.
static CREDENTIALS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // URL userinfo: keep the user name, hide the password.
        r"([A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:)[^\s/@]+(@)",
        // A URL userinfo with no password may still be a token.
        r"([A-Za-z][A-Za-z0-9+.-]*://)[^\s/@:]{16,}(@)",
        // Query parameters and key=value / key: value credentials.
        r#"(?i)((?:[?&;,\s"'{]|^)[\w.-]*(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|signature|credential|auth(?:orization)?|cookie|session)[\w.-]*"?\s*[=:]\s*"?)(?:(?:bearer|basic|aws4-hmac-sha256)\s+)?[^\s&"',;}]+"#,
        // Credentials in words.
        r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}",
        // JWTs, whatever their name.
        r"()\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        // AWS access key ids.
        r"()\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("a valid credential pattern"))
    .collect()
});

/// `text` with every credential it holds replaced by [`HIDDEN`]: URL
/// passwords, token query parameters, credential headers and fields,
/// bearer/basic credentials, JWTs and AWS key ids. Borrows when there is
/// none. Every log line passes through here.
pub fn redact_log_text(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for pattern in CREDENTIALS.iter() {
        if pattern.is_match(&out) {
            out = Cow::Owned(
                pattern
                    .replace_all(&out, |c: &regex::Captures<'_>| {
                        let after = c.get(2).map_or("", |m| m.as_str());
                        format!("{}{HIDDEN}{after}", &c[1])
                    })
                    .into_owned(),
            );
        }
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
                "connecting to pulsar://alice:S3cret@broker:6650/t",
                "pulsar://alice:***@broker:6650/t",
            ),
            (
                "GET http://h/q?Action=x&X-Amz-Signature=abcdef123&b=1",
                "X-Amz-Signature=***&b=1",
            ),
            ("url https://h/p?token=tok123 done", "?token=*** done"),
            (
                "authorization: Bearer abc.def.ghi.jkl",
                "authorization: ***",
            ),
            (
                r#"{"password":"hunter22","user":"bob"}"#,
                r#""password":"***","user":"bob""#,
            ),
            ("sent Bearer abcdefghijk to it", "Bearer *** to it"),
            ("key AKIAABCDEFGHIJKLMNOP used", "key *** used"),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature ok",
                "jwt *** ok",
            ),
            ("sqs://ghp_0123456789abcdefghij@host/q", "sqs://***@host/q"),
        ];
        for (text, expected) in cases {
            let out = redact_log_text(text);
            assert!(out.contains(expected), "{text} -> {out}");
        }
        for secret in ["S3cret", "abcdef123", "tok123", "hunter22", "AKIAABCD"] {
            let all: String = cases.iter().map(|c| redact_log_text(c.0)).collect();
            assert!(!all.contains(secret), "{secret} in {all}");
        }
    }

    #[test]
    fn leaves_plain_text_alone() {
        let text = "opened file:/tmp/a.jsonl: 12 events (token bucket full), sqs://orders";
        assert!(matches!(redact_log_text(text), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_are_escaped_and_keep_their_ends() {
        assert_eq!(
            clean_lines("a\x1b[31m pulsar://u:p@h/t\nb\n"),
            "a\\x1b[31m pulsar://u:***@h/t\nb\n"
        );
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
