//! The journal: one JSON line per operation that changes a source or a
//! target (replay, redrive, edit-and-replay, delete, purge, export over a
//! file), from the CLI or the TUI, so that people can account for what
//! evscope did.
//!
//! Each operation writes two lines sharing an `id`: its intent before it
//! starts (a crash leaves at least that) and its outcome after it ends. An
//! intent that cannot be written stops the operation before it starts
//! ([`Journal::begin`] fails). With `--no-journal` a single `unjournaled`
//! line notes that an operation ran without one.
//!
//! What the file holds is masked: URIs lose their credentials, and every
//! text that may quote an event (ids, reasons, filters, command words) is
//! passed through the masking policy ([`crate::secrets`]). JSON escapes
//! control characters; whoever shows a line to a person escapes it again
//! ([`crate::sanitize`]).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{OpsError, Report};
use crate::secrets::mask_text;

/// The journal file's name in the platform state directory.
pub const FILE_NAME: &str = "journal.jsonl";

/// Why the journal could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The intent could not be written: the operation must not start.
    #[error(
        "cannot write the journal {path}: {reason}; nothing was done. Fix the file or its folder, set journal = \"PATH\" in the config, or pass --no-journal to run without one"
    )]
    Write {
        /// The journal file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The journal file could not be read.
    #[error("cannot read the journal {path}: {reason}")]
    Read {
        /// The journal file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No platform state directory and no `journal = "PATH"`.
    #[error(
        "no place for the journal: this platform has no state directory; set journal = \"PATH\" in the config or pass --no-journal"
    )]
    NoPlace,
}

/// Where operations are journaled, or that they are not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    /// The journal file (`None`: the platform has no state directory).
    pub path: Option<PathBuf>,
    /// `--no-journal`: operations are not journaled, only noted.
    pub off: bool,
}

impl Journal {
    /// The journal at `path` (config `journal`), else the default file.
    pub fn new(path: Option<PathBuf>, off: bool) -> Journal {
        Journal {
            path: path.or_else(default_path),
            off,
        }
    }

    /// Write the intent of an operation; the outcome goes through the
    /// returned [`Entry`]. Fails (and the operation must not start) when
    /// the line cannot be written. With `--no-journal`, only a note that
    /// the operation ran unjournaled is attempted, and its failure is
    /// ignored.
    pub fn begin(&self, intent: Intent) -> Result<Entry, JournalError> {
        let head = Head::now(&intent);
        if self.off {
            let note = Line {
                phase: Phase::Unjournaled,
                head,
                intent: Some(intent),
                outcome: None,
            };
            if let Some(path) = &self.path {
                if let Err(error) = append(path, &note) {
                    tracing::warn!(%error, "cannot note an unjournaled operation");
                }
            }
            return Ok(Entry {
                path: None,
                head: note.head,
            });
        }
        let path = self.path.clone().ok_or(JournalError::NoPlace)?;
        let line = Line {
            phase: Phase::Intent,
            head,
            intent: Some(intent),
            outcome: None,
        };
        append(&path, &line).map_err(|reason| JournalError::Write {
            path: path.clone(),
            reason,
        })?;
        Ok(Entry {
            path: Some(path),
            head: line.head,
        })
    }

    /// Every line of the journal, oldest first; a missing file has none.
    /// Lines that are not journal lines are skipped.
    pub fn read(&self) -> Result<Vec<Line>, JournalError> {
        let Some(path) = &self.path else {
            return Err(JournalError::NoPlace);
        };
        read_lines(path)
    }

    /// The operations of the journal, each intent paired with its outcome
    /// (`None` when it has none: running, or it crashed).
    pub fn operations(&self) -> Result<Vec<Operation>, JournalError> {
        Ok(pair(self.read()?))
    }

    /// The redrives out of `dlq` (as [`Journal::operations`] pairs them),
    /// without parsing the rest: only intents holding the word `redrive`
    /// are parsed, then only the outcomes that name one of their ids (a
    /// redrive's outcome lists every id it moved: megabytes, for a large
    /// one).
    pub fn redrives_of(&self, dlq: &str) -> Result<Vec<Operation>, JournalError> {
        let Some(path) = &self.path else {
            return Err(JournalError::NoPlace);
        };
        let text = read_text(path)?;
        let dlq = clean_uri(dlq);
        let word = memchr::memmem::Finder::new("redrive");
        let mut lines: Vec<Line> = Vec::new();
        let mut outcomes: Vec<&str> = Vec::new();
        for line in text.lines() {
            // A quote inside a JSON string is escaped: `"intent":` is a key.
            if !line.contains("\"intent\":") {
                outcomes.push(line);
            } else if word.find(line.as_bytes()).is_some() {
                lines.extend(serde_json::from_str::<Line>(line).ok().filter(|l| {
                    l.intent.as_ref().is_some_and(|i| {
                        i.operation == "redrive" && i.source.as_deref() == Some(dlq.as_str())
                    })
                }));
            }
        }
        // Each id as JSON text: an outcome that names it holds that text
        // (pairing then keeps only outcomes whose own id it is).
        let wanted: Vec<String> = lines
            .iter()
            .filter_map(|l| serde_json::to_string(&l.head.id).ok())
            .collect();
        for line in outcomes {
            if wanted.iter().any(|id| line.contains(id.as_str())) {
                lines.extend(serde_json::from_str::<Line>(line).ok());
            }
        }
        // Intents come before their outcomes in the file: pairing needs that order.
        Ok(pair(lines))
    }
}

/// The default journal: `journal.jsonl` in the platform state directory
/// (`$XDG_STATE_HOME/evscope` on Linux).
pub fn default_path() -> Option<PathBuf> {
    Some(crate::state::dir()?.join(FILE_NAME))
}

static CURRENT: OnceLock<Journal> = OnceLock::new();

/// Set the process-wide journal (from the config and `--no-journal`). Only
/// the first call counts.
pub fn configure(journal: Journal) {
    let _ = CURRENT.set(journal);
}

/// The process-wide journal: the configured one, or the default file.
pub fn current() -> &'static Journal {
    CURRENT.get_or_init(|| Journal::new(None, false))
}

/// What kind of line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Written before the operation.
    Intent,
    /// Written after it.
    Outcome,
    /// `--no-journal`: the operation ran without intent and outcome.
    Unjournaled,
}

/// Who, where and when: the part every line has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The operation's id, shared by its intent and outcome lines.
    pub id: String,
    /// When the line was written.
    pub time: DateTime<Utc>,
    /// The OS user.
    pub user: String,
    /// The host.
    pub host: String,
    /// The evscope version.
    pub version: String,
}

impl Head {
    fn now(intent: &Intent) -> Head {
        let time = Utc::now();
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Head {
            id: format!(
                "{}-{}-{seq}-{}",
                time.format("%Y%m%dT%H%M%S%.6fZ"),
                std::process::id(),
                intent.operation
            ),
            time,
            user: os_user(),
            host: host_name(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The AWS identity an operation ran as (STS GetCallerIdentity), or why
/// it is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsIdentity {
    /// The account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The caller's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The caller's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Why it is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What an operation is about to do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// replay, redrive, edit-and-replay, delete, purge, export.
    pub operation: String,
    /// cli or tui.
    pub via: String,
    /// The command line (CLI) or command (TUI), secrets masked.
    pub command: Vec<String>,
    /// The source URI, credentials removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The target URI, credentials removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The filter expression, masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The ids chosen, masked (`None`: all the filter keeps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// How it will run.
    pub plan: Plan,
    /// The AWS identity, when the operation touches AWS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsIdentity>,
}

/// How an operation will run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Events it will act on, when known in advance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<usize>,
    /// client-side, sqs-move-task, one-call (purge), file.
    pub how: String,
    /// Pacing of a replay (`50/s`, `original:2`), when paced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace: Option<String>,
}

impl Intent {
    /// An intent of `operation` started from `via` (`cli`, `tui`).
    pub fn new(operation: &str, via: &str) -> Intent {
        Intent {
            operation: operation.to_string(),
            via: via.to_string(),
            ..Intent::default()
        }
    }

    /// With the command: each word masked, and the value of a flag that
    /// names a secret (`--pulsar-token X`, `--x-secret=X`) hidden.
    pub fn command<S: AsRef<str>>(mut self, words: &[S]) -> Intent {
        self.command = mask_command(words);
        self
    }

    /// With the source URI (credentials removed).
    pub fn source(mut self, uri: &str) -> Intent {
        self.source = Some(clean_uri(uri));
        self
    }

    /// With the target URI (credentials removed).
    pub fn target(mut self, uri: &str) -> Intent {
        self.target = Some(clean_uri(uri));
        self
    }

    /// With the filter (masked).
    pub fn filter(mut self, filter: Option<&str>) -> Intent {
        self.filter = filter.map(|f| mask_text(f).into_owned());
        self
    }

    /// With the chosen ids (masked).
    pub fn ids<'a>(mut self, ids: Option<impl IntoIterator<Item = &'a String>>) -> Intent {
        self.ids = ids.map(|ids| ids.into_iter().map(|i| masked(i)).collect());
        self
    }

    /// With the plan.
    pub fn plan(mut self, plan: Plan) -> Intent {
        self.plan = plan;
        self
    }

    /// With the AWS caller identity (STS GetCallerIdentity with `sqs`'s
    /// settings), when the operation touches AWS; a failed lookup is
    /// recorded as such and does not stop the operation.
    pub async fn with_aws(mut self, sqs: &crate::backend::SqsOptions) -> Intent {
        if self.touches_aws() {
            self.aws = Some(match crate::backend::sqs::caller_identity(sqs).await {
                Ok((account, arn, user_id)) => AwsIdentity {
                    account,
                    arn,
                    user_id,
                    error: None,
                },
                Err(error) => AwsIdentity {
                    error: Some(masked(&error)),
                    ..AwsIdentity::default()
                },
            });
        }
        self
    }

    /// Whether source or target is on AWS (an SQS URI).
    pub fn touches_aws(&self) -> bool {
        [&self.source, &self.target]
            .into_iter()
            .flatten()
            .any(|u| u.starts_with("sqs://"))
    }
}

/// What came of an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Events done (sent, moved, deleted, written).
    pub done: usize,
    /// Events that failed.
    pub failed: usize,
    /// Events looked at and not selected.
    pub skipped: usize,
    /// Redrive: sent but not removed from the source (now in both).
    pub duplicated: usize,
    /// Lines the source could not read (left there).
    pub unreadable: usize,
    /// Cancelled before the end.
    pub cancelled: bool,
    /// Why it stopped early, or why it could not run at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Each failed or duplicated event with the reason, masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
    /// The ids the target gave the events it took: `[event id, new id]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_ids: Vec<(String, String)>,
    /// Ids of the events taken out of the source (redrive, delete).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

/// One event that did not make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The event id, masked.
    pub id: String,
    /// Why, masked.
    pub reason: String,
    /// `failed`, or `duplicated` (sent and still in the source).
    pub kind: String,
}

impl Outcome {
    /// The outcome a report describes.
    pub fn of(report: &Report) -> Outcome {
        let failures = |kind: &str, list: &[(String, String)]| -> Vec<Failure> {
            list.iter()
                .map(|(id, reason)| Failure {
                    id: masked(id),
                    reason: masked(reason),
                    kind: kind.to_string(),
                })
                .collect()
        };
        let mut all = failures("failed", &report.failed);
        all.extend(failures("duplicated", &report.duplicated));
        Outcome {
            done: report.moved,
            failed: report.failed.len(),
            skipped: report.skipped,
            duplicated: report.duplicated.len(),
            unreadable: report.unreadable.len(),
            cancelled: report.cancelled,
            stopped: report.stopped.as_deref().map(masked),
            failures: all,
            new_ids: report
                .sent
                .iter()
                .map(|(id, new)| (masked(id), masked(new)))
                .collect(),
            removed: report.removed.iter().map(|id| masked(id)).collect(),
        }
    }

    /// The outcome of an operation that could not run: `error`.
    pub fn error(error: &str) -> Outcome {
        Outcome {
            stopped: Some(masked(error)),
            ..Outcome::default()
        }
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// intent, outcome or unjournaled.
    pub phase: Phase,
    /// Who, where, when.
    #[serde(flatten)]
    pub head: Head,
    /// On intent and unjournaled lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    /// On outcome lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// An operation in the journal: its intent, and its outcome when written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// When and by whom it started.
    pub head: Head,
    /// What it was to do.
    pub intent: Intent,
    /// Whether it ran without a journal (`--no-journal`).
    pub unjournaled: bool,
    /// What came of it; `None` when no outcome was written.
    pub outcome: Option<Outcome>,
}

impl Operation {
    /// Whether `uri` is its source or target (spelled as evscope names
    /// sources, `file:PATH` for a path; credentials removed).
    pub fn involves(&self, uri: &str) -> bool {
        let uri = crate::backend::SourceUri::parse(uri)
            .map(|u| u.to_uri_string())
            .unwrap_or_else(|_| uri.to_string());
        let uri = clean_uri(&uri);
        [&self.intent.source, &self.intent.target]
            .into_iter()
            .flatten()
            .any(|u| *u == uri)
    }

    /// `source → target`, or the source alone.
    pub fn route(&self) -> String {
        let source = self.intent.source.as_deref().unwrap_or("-");
        match &self.intent.target {
            Some(target) => format!("{source} → {target}"),
            None => source.to_string(),
        }
    }

    /// What came of it, in words: `5 done, 1 failed`, `no outcome`.
    pub fn result(&self) -> String {
        let Some(o) = &self.outcome else {
            return if self.unjournaled {
                "unjournaled (--no-journal)".into()
            } else {
                "no outcome (still running, or it crashed)".into()
            };
        };
        let mut text = format!("{} done, {} failed", o.done, o.failed);
        if o.duplicated > 0 {
            text.push_str(&format!(", {} in both places", o.duplicated));
        }
        if o.skipped > 0 {
            text.push_str(&format!(", {} skipped", o.skipped));
        }
        if o.cancelled {
            text.push_str(" (cancelled)");
        }
        if let Some(stopped) = &o.stopped {
            text.push_str(&format!("; stopped: {stopped}"));
        }
        text
    }

    /// The whole operation as one JSON object: id, who, where, intent and
    /// outcome (`null` when none was written).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.head.id,
            "time": self.head.time,
            "user": self.head.user,
            "host": self.head.host,
            "version": self.head.version,
            "unjournaled": self.unjournaled,
            "intent": self.intent,
            "outcome": self.outcome,
        })
    }
}

/// A running operation's journal entry: write its outcome when it ends.
#[derive(Debug)]
pub struct Entry {
    path: Option<PathBuf>,
    head: Head,
}

impl Entry {
    /// The operation's id in the journal.
    pub fn id(&self) -> &str {
        &self.head.id
    }

    /// Write the outcome of the operation (a report, or the error that
    /// stopped it). The operation already happened: a failure to write is
    /// returned for a warning, never undone.
    pub fn finish(self, result: Result<&Report, &str>) -> Result<(), JournalError> {
        let Some(path) = self.path else {
            return Ok(());
        };
        let outcome = match result {
            Ok(report) => Outcome::of(report),
            Err(error) => Outcome::error(error),
        };
        let line = Line {
            phase: Phase::Outcome,
            head: Head {
                time: Utc::now(),
                ..self.head
            },
            intent: None,
            outcome: Some(outcome),
        };
        append(&path, &line).map_err(|reason| JournalError::Write { path, reason })
    }

    /// [`Entry::finish`] with an [`OpsError`] result.
    pub fn finish_ops(self, result: &Result<Report, OpsError>) -> Result<(), JournalError> {
        match result {
            Ok(report) => self.finish(Ok(report)),
            Err(error) => self.finish(Err(&error.to_string())),
        }
    }
}

/// Append one line: created with mode 0600 when new; never through a
/// symbolic link, and only to a regular file. One `write` call per line,
/// on a file opened for appending, so lines of concurrent evscopes do not
/// interleave.
fn append(path: &Path, line: &Line) -> Result<(), String> {
    let mut text = serde_json::to_string(line).map_err(|e| e.to_string())?;
    text.push('\n');
    crate::state::append_line(path, &text)
}

fn read_lines(path: &Path) -> Result<Vec<Line>, JournalError> {
    Ok(read_text(path)?
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// The journal's text; a missing file is empty.
fn read_text(path: &Path) -> Result<String, JournalError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(JournalError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

/// Pair intents (and unjournaled notes) with their outcomes by id, in the
/// order the operations started.
pub fn pair(lines: Vec<Line>) -> Vec<Operation> {
    let mut operations: Vec<Operation> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = Default::default();
    for line in lines {
        match (line.phase, line.intent, line.outcome) {
            (Phase::Intent | Phase::Unjournaled, Some(intent), _) => {
                at.insert(line.head.id.clone(), operations.len());
                operations.push(Operation {
                    head: line.head,
                    intent,
                    unjournaled: line.phase == Phase::Unjournaled,
                    outcome: None,
                });
            }
            (Phase::Outcome, _, Some(outcome)) => {
                if let Some(&i) = at.get(&line.head.id) {
                    operations[i].outcome = Some(outcome);
                }
            }
            _ => {}
        }
    }
    operations
}

/// The ids of events moved out of `dlq` by redrives the journal recorded
/// (credentials removed from `dlq` before comparing).
pub fn redriven_from(operations: &[Operation], dlq: &str) -> std::collections::HashSet<String> {
    let dlq = clean_uri(dlq);
    operations
        .iter()
        .filter(|op| op.intent.operation == "redrive")
        .filter(|op| op.intent.source.as_deref() == Some(dlq.as_str()))
        .filter_map(|op| op.outcome.as_ref())
        .flat_map(|outcome| outcome.removed.iter().cloned())
        .collect()
}

/// The ids of events the process-wide journal says were redriven out of
/// `source` (empty when there is no journal, or it cannot be read).
pub fn redriven(source: &str) -> std::collections::HashSet<String> {
    // Every peek asks: only the redrive lines are parsed.
    match current().redrives_of(source) {
        Ok(operations) => redriven_from(&operations, source),
        Err(error) => {
            tracing::warn!(%error, "journal");
            Default::default()
        }
    }
}

fn masked(text: &str) -> String {
    mask_text(text).into_owned()
}

/// `uri` without the credentials it may carry: the userinfo of
/// `scheme://user:pass@host` is dropped, and the masking policy hides
/// secret query parameters.
pub fn clean_uri(uri: &str) -> String {
    let stripped = match uri.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => uri.to_string(),
            }
        }
        None => uri.to_string(),
    };
    masked(&stripped)
}

/// Command words, masked; the value of a flag that names a secret is
/// hidden whole.
fn mask_command<S: AsRef<str>>(words: &[S]) -> Vec<String> {
    let secret_flag = |w: &str| {
        let name = w.trim_start_matches('-').to_ascii_lowercase();
        w.starts_with("--")
            && ["token", "secret", "password", "credential", "auth-params"]
                .iter()
                .any(|s| name.contains(s))
            && !name.ends_with("-file")
    };
    let mut out = Vec::with_capacity(words.len());
    let mut hide_next = false;
    for word in words {
        let word = word.as_ref();
        if hide_next {
            out.push("…(hidden)".to_string());
            hide_next = false;
            continue;
        }
        match word.split_once('=') {
            Some((flag, _)) if secret_flag(flag) => out.push(format!("{flag}=…(hidden)")),
            _ if secret_flag(word) => {
                out.push(word.to_string());
                hide_next = true;
            }
            _ if word.contains("://") => out.push(clean_uri(word)),
            _ => out.push(masked(word)),
        }
    }
    out
}

/// The OS user: `$USER`, `$LOGNAME`, else the uid.
fn os_user() -> String {
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Some(user) = std::env::var_os(var).filter(|u| !u.is_empty()) {
            return user.to_string_lossy().into_owned();
        }
    }
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        format!("uid {}", unsafe { libc::getuid() })
    }
    #[cfg(not(unix))]
    {
        "unknown".into()
    }
}

/// The host name (gethostname(2); no crate for one call).
fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at
        // most that many bytes.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown".into())
}

/// `--since`: a duration back from now: `30m`, `6h`, `2d`, `1w`, or
/// seconds without a unit. Written by hand: five units do not warrant a
/// crate.
pub fn parse_since(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("bad duration `{text}`: write one such as 30m, 6h, 2d, 1w");
    let value: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    value
        .checked_mul(seconds)
        .and_then(chrono::Duration::try_seconds)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal_in(dir: &tempfile::TempDir) -> Journal {
        Journal {
            path: Some(dir.path().join("state/journal.jsonl")),
            off: false,
        }
    }

    #[test]
    fn intent_then_outcome_pair_up_and_mask_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        let intent = Intent::new("replay", "cli")
            .command(&[
                "evscope",
                "--pulsar-token",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
                "replay",
                "pulsar+ssl://bob:hunter2@broker:6651/t",
            ])
            .source("pulsar+ssl://bob:hunter2@broker:6651/t")
            .target("out.jsonl");
        let entry = journal.begin(intent).unwrap();
        // A crash here leaves the intent.
        let ops = journal.operations().unwrap();
        assert_eq!(ops.len(), 1);
        assert!(ops[0].outcome.is_none());
        let report = Report {
            moved: 2,
            failed: vec![("e3".into(), "refused".into())],
            sent: vec![("e1".into(), "m1".into()), ("e2".into(), "m2".into())],
            ..Report::default()
        };
        entry.finish(Ok(&report)).unwrap();
        let text = std::fs::read_to_string(journal.path.as_ref().unwrap()).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("eyJzdWIiOiJ4In0"), "{text}");
        assert!(text.contains("pulsar+ssl://broker:6651/t"), "{text}");
        let ops = journal.operations().unwrap();
        let outcome = ops[0].outcome.as_ref().unwrap();
        assert_eq!((outcome.done, outcome.failed), (2, 1));
        assert_eq!(outcome.new_ids[1], ("e2".into(), "m2".into()));
        assert_eq!(outcome.failures[0].reason, "refused");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(journal.path.as_ref().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_unwritable_journal_refuses_before_anything_happens() {
        let dir = tempfile::tempdir().unwrap();
        // The journal's folder is a file: it cannot be created.
        std::fs::write(dir.path().join("state"), "x").unwrap();
        let error = journal_in(&dir)
            .begin(Intent::new("delete", "cli"))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("cannot write the journal"), "{error}");
        assert!(error.contains("--no-journal"), "{error}");
        // A link is not written through.
        #[cfg(unix)]
        {
            let target = dir.path().join("elsewhere");
            std::fs::write(&target, "").unwrap();
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let journal = Journal {
                path: Some(link),
                off: false,
            };
            let error = journal.begin(Intent::new("purge", "cli")).unwrap_err();
            assert!(error.to_string().contains("symbolic link"), "{error}");
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
        }
    }

    #[test]
    fn no_journal_is_noted_without_intent_or_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal {
            off: true,
            ..journal_in(&dir)
        };
        let entry = journal.begin(Intent::new("purge", "tui")).unwrap();
        entry.finish(Ok(&Report::default())).unwrap();
        let ops = journal.operations().unwrap();
        assert_eq!(ops.len(), 1);
        assert!(ops[0].unjournaled);
        assert!(ops[0].outcome.is_none());
    }

    #[test]
    fn redriven_ids_come_from_finished_redrives_of_that_source() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        let entry = journal
            .begin(Intent::new("redrive", "cli").source("pulsar://h:6650/dlq"))
            .unwrap();
        let report = Report {
            moved: 1,
            removed: vec!["a".into()],
            ..Report::default()
        };
        entry.finish(Ok(&report)).unwrap();
        let ops = journal.operations().unwrap();
        let ids = redriven_from(&ops, "pulsar://h:6650/dlq");
        assert!(ids.contains("a"));
        assert!(redriven_from(&ops, "pulsar://h:6650/other").is_empty());
    }

    #[test]
    fn redrives_of_a_dlq_are_paired_as_a_full_read_pairs_them() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        let moved = |id: &str| Report {
            moved: 1,
            removed: vec![id.into()],
            ..Report::default()
        };
        // A replay that mentions the word, a purge, a redrive out of
        // another queue, two redrives out of the DLQ (one unfinished),
        // interleaved.
        let replay = journal
            .begin(Intent::new("replay", "cli").source("file:redrive.jsonl"))
            .unwrap();
        let first = journal
            .begin(Intent::new("redrive", "cli").source("sqs://q-dlq"))
            .unwrap();
        let other = journal
            .begin(Intent::new("redrive", "cli").source("sqs://other-dlq"))
            .unwrap();
        let purge = journal.begin(Intent::new("purge", "cli")).unwrap();
        journal
            .begin(Intent::new("redrive", "tui").source("sqs://q-dlq"))
            .unwrap();
        first.finish(Ok(&moved("a"))).unwrap();
        other.finish(Ok(&moved("c"))).unwrap();
        replay.finish(Ok(&moved("b"))).unwrap();
        purge.finish(Ok(&Report::default())).unwrap();
        let all: Vec<Operation> = journal
            .operations()
            .unwrap()
            .into_iter()
            .filter(|op| {
                op.intent.operation == "redrive"
                    && op.intent.source.as_deref() == Some("sqs://q-dlq")
            })
            .collect();
        let only = journal.redrives_of("sqs://q-dlq").unwrap();
        assert_eq!(only, all);
        assert_eq!(only.len(), 2);
        assert!(only[0].outcome.is_some() && only[1].outcome.is_none());
        let ids = redriven_from(&only, "sqs://q-dlq");
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), vec!["a".to_string()]);
        let other = redriven_from(
            &journal.redrives_of("sqs://other-dlq").unwrap(),
            "sqs://other-dlq",
        );
        assert_eq!(other.into_iter().collect::<Vec<_>>(), vec!["c".to_string()]);
    }

    #[test]
    fn since_takes_units() {
        assert_eq!(parse_since("2d").unwrap(), chrono::Duration::days(2));
        assert_eq!(parse_since("90").unwrap(), chrono::Duration::seconds(90));
        assert!(parse_since("soon").unwrap_err().contains("bad duration"));
        assert!(parse_since("99999999999999999w").is_err());
    }
}
