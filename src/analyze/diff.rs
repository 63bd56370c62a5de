//! Comparing two sources event by event (the parallel change of a bus: does
//! the new one carry every event of the old, unchanged, and how late?).
//!
//! Events are matched by key: the event's own id (`meta.event_id` when the
//! envelope gives one) by default, else a hash of the body; `--key` takes a
//! JSONPath. Bodies are compared as JSON, paths under `--ignore` left out.
//! Pure: the caller hands over every document of A, then every one of B.
//! Bodies are hashed and compared from their raw bytes, so a document's
//! decoded body needs only what its key reads (the event id's members, or
//! the `--key` path's).
//! Memory: of A, per key its body's hash, its time and its raw body, or
//! where its line is in a capture file (to name the differing paths; see
//! [`Differ::read_again`]); of B only the keys B alone carries.

use std::borrow::Cow;
use std::collections::HashMap;

use jsonpath_rust::parser::model::{Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use serde::Serialize;
use serde_json::Value;

use super::field::{FieldPath, PathError, label_of};
use crate::capture::{Document, LineAt, LineView};
use crate::model::Body;
use crate::model::lex::Member;
use hash::raw_body_hash;
use kept::{ABody, KeptEvents, NewKept};

mod hash;
mod kept;
mod read_again;

pub use read_again::ReadAgainError;
use read_again::Unread;

/// One step of a path in a body (a member's name borrowed from the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step<'v> {
    Name(&'v str),
    Index(usize),
}

/// One step of an `--ignore` path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Name(String),
    Index(usize),
    /// `*` or `[*]`: any member or element.
    Any,
}

/// A path to leave out of the comparison, and everything under it.
#[derive(Debug, Clone)]
pub struct Ignore {
    steps: Vec<Pattern>,
}

impl Ignore {
    /// Parse `$.body.sentAt`, `$.body.items[*].ts`. Paths not under `$.body`
    /// are refused: only bodies are compared.
    pub fn parse(text: &str) -> Result<Ignore, PathError> {
        let bad = |reason: &str| PathError {
            path: text.trim().to_owned(),
            reason: reason.to_owned(),
        };
        let query = parse_json_path(text.trim()).map_err(|e| bad(&e.to_string()))?;
        let mut segments = query.segments.iter();
        match segments.next() {
            Some(Segment::Selector(Selector::Name(n))) if n == "body" => {}
            _ => {
                return Err(bad(
                    "give a path under $.body (bodies are what is compared)",
                ));
            }
        }
        let steps = segments
            .map(|segment| match segment {
                Segment::Selector(Selector::Name(n)) => Ok(Pattern::Name(n.clone())),
                Segment::Selector(Selector::Index(i)) if *i >= 0 => Ok(Pattern::Index(*i as usize)),
                Segment::Selector(Selector::Wildcard) => Ok(Pattern::Any),
                _ => Err(bad("give names, indexes and * only")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Ignore { steps })
    }

    /// Whether `path` is this path or under it.
    fn covers(&self, path: &[Step<'_>]) -> bool {
        self.steps.len() <= path.len()
            && self.steps.iter().zip(path).all(|(p, s)| match (p, s) {
                (Pattern::Any, _) => true,
                (Pattern::Name(a), Step::Name(b)) => a == b,
                (Pattern::Index(a), Step::Index(b)) => a == b,
                _ => false,
            })
    }
}

/// How events are matched and compared.
#[derive(Debug, Clone, Default)]
pub struct DiffSpec {
    /// The matching key; `None`: the event id, else a hash of the body.
    pub key: Option<FieldPath>,
    /// Body paths left out of the comparison.
    pub ignore: Vec<Ignore>,
    /// Each difference names its paths without the two bodies (a report
    /// that prints keys and paths, where every pair may differ, keeps no
    /// body; a side-by-side view needs them).
    pub paths_only: bool,
}

impl DiffSpec {
    /// The matching key of `document`, and the body's hash when the key
    /// is made of it.
    fn key<'d>(&self, document: &'d Document) -> (Cow<'d, str>, Option<u64>) {
        if let Some(path) = &self.key
            && let Some(value) = path.find(document)
        {
            return (Cow::Owned(label_of(&value)), None);
        }
        let own = self.key.is_none().then(|| own_id(document)).flatten();
        id_or_body_key(
            own.map(Cow::Borrowed),
            &document.event.raw,
            document.raw_members(),
        )
    }

    /// The hash of the body `raw` (with its top-level `members` when they
    /// were read) that `--ignore` leaves out of: `key_hash`, the whole
    /// body's hash the key was made of, when nothing is ignored.
    fn body_hash(&self, key_hash: Option<u64>, raw: &[u8], members: Option<&[Member]>) -> u64 {
        match key_hash {
            Some(hash) if self.ignore.is_empty() => hash,
            _ => raw_body_hash(raw, members, &self.ignore),
        }
    }

    /// What a diff keeps of `document`, its raw body moved out of it. Runs
    /// on any thread (the CLI computes these on every core).
    pub fn summary(&self, mut document: Document) -> Summary {
        let mut summary = self.summary_taking(&mut document);
        summary.raw = std::mem::take(&mut document.event.raw);
        summary
    }

    /// What a diff keeps of `document`, but its raw body.
    fn summary_of(&self, document: &Document) -> Summary {
        let (key, summary) = self.keyed(document);
        Summary {
            key: key.into_owned(),
            ..summary
        }
    }

    /// [`DiffSpec::summary_of`], the event id moved out of `document`
    /// rather than copied when it is the key.
    fn summary_taking(&self, document: &mut Document) -> Summary {
        let (key, summary) = self.keyed(document);
        let key = match key {
            Cow::Owned(key) => key,
            Cow::Borrowed(_) => document.inspection.meta.event_id.take().unwrap_or_default(),
        };
        Summary { key, ..summary }
    }

    /// The key of `document`, and the rest of its summary (no key, no raw
    /// body).
    fn keyed<'d>(&self, document: &'d Document) -> (Cow<'d, str>, Summary) {
        let (key, key_hash) = self.key(document);
        let hash = self.body_hash(key_hash, &document.event.raw, document.raw_members());
        let summary = Summary {
            key: String::new(),
            hash,
            published_ms: document.event.published_at.map(|t| t.timestamp_millis()),
            raw: Vec::new(),
            line_at: None,
            shown: shown_body(document),
        };
        (key, summary)
    }

    /// The difference of A's body `a` (shown as `a_shown` when it carries
    /// secrets) and B's, whose hashes differ; `None` when they differ in no
    /// path that counts (the pair is the same).
    fn difference(&self, a: Value, a_shown: Option<Value>, b: Summary) -> Option<Difference> {
        // B's body decoded again from its raw bytes (only the raw bytes
        // are kept: a decoded body is several times their size).
        let b_value = Body::decode(&b.raw).to_capture_value();
        // No path may differ once ignored paths are left out and numbers
        // compared as numbers (`1` and `1.0` hash apart but are the same).
        let mut paths = Vec::new();
        differing_paths(&a, &b_value, &mut Vec::new(), &self.ignore, &mut paths);
        let shown = b.shown;
        self.named(b.key, paths, || {
            (a_shown.unwrap_or(a), shown.unwrap_or(b_value))
        })
    }

    /// The difference of the pair under `key` at `paths` (`None` when no
    /// path differs), with the pair's two bodies as `bodies` gives them
    /// unless the report names paths only.
    fn named(
        &self,
        key: String,
        paths: Vec<String>,
        bodies: impl FnOnce() -> (Value, Value),
    ) -> Option<Difference> {
        if paths.is_empty() {
            return None;
        }
        let (a, b) = match self.paths_only {
            true => (Value::Null, Value::Null),
            false => bodies(),
        };
        Some(Difference { key, paths, a, b })
    }

    /// The paths where the JSON objects `a` and `b` differ, given their
    /// top-level members as read by hand: the paths [`differing_paths`]
    /// names over their values, but a member spelt the same in both is
    /// passed over unbuilt, and only the others are built. `None` when the
    /// members cannot tell: a name given twice, or a member that does not
    /// fit its text.
    fn paths_by_members(
        &self,
        (a, a_members): (&str, &[Member]),
        (b, b_members): (&str, &[Member]),
    ) -> Option<Vec<String>> {
        let mut paths = Vec::new();
        if self.ignore.iter().any(|i| i.covers(&[])) {
            return Some(paths);
        }
        let read = |text, members: &[Member]| {
            let read: Vec<(&str, &str)> = members
                .iter()
                .map(|m| m.read(text))
                .collect::<Option<_>>()?;
            let unique = read
                .iter()
                .enumerate()
                .all(|(i, (name, _))| read[..i].iter().all(|(other, _)| other != name));
            unique.then_some(read)
        };
        let (a, b) = (read(a, a_members)?, read(b, b_members)?);
        for &(name, a_text) in &a {
            match b.iter().find(|(other, _)| *other == name) {
                Some(&(_, b_text)) if a_text == b_text => {}
                Some(&(_, b_text)) => {
                    let x: Value = serde_json::from_str(a_text).ok()?;
                    let y: Value = serde_json::from_str(b_text).ok()?;
                    let mut path = vec![Step::Name(name)];
                    differing_paths(&x, &y, &mut path, &self.ignore, &mut paths);
                }
                None => note(&[Step::Name(name)], &self.ignore, &mut paths),
            }
        }
        for &(name, _) in &b {
            if !a.iter().any(|(other, _)| *other == name) {
                note(&[Step::Name(name)], &self.ignore, &mut paths);
            }
        }
        Some(paths)
    }

    /// What a diff keeps of the capture line `view` (the event id read
    /// from it `event_id`, its place `at`), as [`DiffSpec::summary`] (or,
    /// `read_again`, [`DiffSpec::summary_read_again`]) keeps of its
    /// document, without one. `None` when a `--key` path chooses the key
    /// (it reads the document).
    pub fn summary_of_view(
        &self,
        view: &LineView<'_>,
        event_id: Option<String>,
        at: Option<LineAt>,
        read_again: bool,
    ) -> Option<Summary> {
        if self.key.is_some() {
            return None;
        }
        let raw = view.body.as_bytes();
        let members = Some(&view.members[..]);
        let own = event_id.filter(|id| is_own_id(id, &view.message_id, raw));
        let (key, key_hash) = id_or_body_key(own.map(Cow::Owned), raw, members);
        let hash = self.body_hash(key_hash, raw, members);
        let line_at = at.filter(|_| read_again);
        Some(Summary {
            key: key.into_owned(),
            hash,
            published_ms: view.published_at.map(|t| t.timestamp_millis()),
            raw: match line_at {
                Some(_) => Vec::new(),
                None => raw.to_vec(),
            },
            line_at,
            // The event id alone was inspected: no secret was looked for.
            shown: None,
        })
    }

    /// [`DiffSpec::summary`] of an event of A that, read from a line of a
    /// regular file, is read again from there if its body is needed: its
    /// raw body is left with the document instead of kept (a million
    /// events of A kept no longer take a million raw bodies of memory;
    /// see [`Differ::read_again`]).
    pub fn summary_read_again(&self, mut document: Document) -> Summary {
        match document.line_at() {
            Some(at) => Summary {
                line_at: Some(at),
                ..self.summary_taking(&mut document)
            },
            None => self.summary(document),
        }
    }
}

/// What a diff keeps of one event: its key, its body's hash (paths under
/// `--ignore` left out), its publish time, its raw body (to name the
/// differing paths when the hashes differ) and, when it carries secrets,
/// its body masked.
#[derive(Debug, PartialEq)]
pub struct Summary {
    key: String,
    hash: u64,
    published_ms: Option<i64>,
    raw: Vec<u8>,
    /// Where the event's line is in a file, when its raw body is read
    /// again from there rather than kept (see
    /// [`DiffSpec::summary_read_again`]).
    line_at: Option<LineAt>,
    shown: Option<Value>,
}

/// Maps keyed by event key (a fast hash: keys are many and short).
type KeyMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// The body with secrets masked, when the event carries any.
fn shown_body(document: &Document) -> Option<Value> {
    document
        .has_secrets()
        .then(|| document.shown_value(false).get("body").cloned())
        .flatten()
}

/// An event in both sides whose bodies differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The matching key.
    pub key: String,
    /// The body paths that differ (`$.body.amount`), in document order.
    pub paths: Vec<String>,
    /// A's body (for a side-by-side view), secrets masked.
    pub a: Value,
    /// B's body, secrets masked.
    pub b: Value,
}

/// A key seen more than once on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// The key.
    pub key: String,
    /// How many times it was seen.
    pub count: u64,
}

/// Lag from A to B over the matched events with both publish times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lag {
    /// Median, ms.
    pub p50: i64,
    /// 95th percentile, ms.
    pub p95: i64,
    /// Largest, ms.
    pub max: i64,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffReport {
    /// Keys only in A, in A's order.
    pub only_a: Vec<String>,
    /// Keys only in B, in B's order.
    pub only_b: Vec<String>,
    /// Keys in both with different bodies, in B's order.
    pub different: Vec<Difference>,
    /// Keys seen more than once in A.
    pub duplicates_a: Vec<Duplicate>,
    /// Keys seen more than once in B.
    pub duplicates_b: Vec<Duplicate>,
    /// Keys in both with the same body.
    pub same: u64,
    /// Lag from A to B, when any matched pair has both publish times.
    pub lag_ms: Option<Lag>,
    /// Events read from A and from B.
    pub events: (u64, u64),
}

impl DiffReport {
    /// Whether A and B carry the same events, once each, unchanged.
    pub fn matches(&self) -> bool {
        self.only_a.is_empty()
            && self.only_b.is_empty()
            && self.different.is_empty()
            && self.duplicates_a.is_empty()
            && self.duplicates_b.is_empty()
    }
}

/// A comparison in progress: every event of A first, then those of B.
/// Each body is hashed once, from its decoded value; the differing paths are
/// looked for only in pairs whose hashes differ.
#[derive(Debug, Default)]
pub struct Differ {
    spec: DiffSpec,
    a: KeptEvents,
    /// Keys only B carries, and how many times.
    b_only: KeyMap<u64>,
    b_order: Vec<String>,
    different: Vec<Difference>,
    /// Pairs whose hashes differ, A's body still to read again from its
    /// file (see [`Differ::read_again`]), in B's order.
    unread: Vec<Unread>,
    same: u64,
    lags: Vec<i64>,
    events: (u64, u64),
}

impl Differ {
    /// Nothing read yet.
    pub fn new(spec: DiffSpec) -> Differ {
        Differ {
            spec,
            ..Differ::default()
        }
    }

    /// The matching key of `document`.
    pub fn key_of(&self, document: &Document) -> String {
        self.spec.key(document).0.into_owned()
    }

    /// The comparison's spec.
    pub fn spec(&self) -> &DiffSpec {
        &self.spec
    }

    /// An event of A.
    pub fn add_a(&mut self, document: &Document) {
        let summary = self.spec.summary_of(document);
        self.add_a_summary(Summary {
            raw: document.event.raw.clone(),
            ..summary
        });
    }

    /// An event of B (after every event of A).
    pub fn add_b(&mut self, document: &Document) {
        let summary = self.spec.summary_of(document);
        self.add_b_summary(Summary {
            raw: document.event.raw.clone(),
            ..summary
        });
    }

    /// An event of A, summarised by [`DiffSpec::summary`].
    pub fn add_a_summary(&mut self, summary: Summary) {
        self.events.0 += 1;
        let new = NewKept {
            hash: summary.hash,
            published_ms: summary.published_ms,
            raw: summary.raw,
            line_at: summary.line_at,
            shown: summary.shown,
        };
        self.a.keep(&summary.key, new);
    }

    /// An event of B (after every event of A), summarised by
    /// [`DiffSpec::summary`].
    pub fn add_b_summary(&mut self, summary: Summary) {
        self.events.1 += 1;
        let key_hash = self.a.key_hash(&summary.key);
        let Some(matched) = self.a.matching(key_hash, &summary.key) else {
            match self.b_only.get_mut(&summary.key) {
                Some(seen) => *seen += 1,
                None => {
                    self.b_order.push(summary.key.clone());
                    self.b_only.insert(summary.key, 1);
                }
            }
            return;
        };
        if matched.b_copies > 1 {
            return;
        }
        if let (Some(a), Some(b)) = (matched.published_ms, summary.published_ms) {
            self.lags.push(b - a);
        }
        if matched.hash == summary.hash {
            self.same += 1;
            return;
        }
        let a_shown = self.a.shown(matched.at).cloned();
        match self.a.body(matched.at) {
            ABody::Raw(raw) => {
                let a = Body::decode(raw).to_capture_value();
                if let Some(difference) = self.compare(a, a_shown, summary) {
                    self.different.push(difference);
                }
            }
            ABody::Line(at) => self.unread.push(Unread {
                at,
                hash: matched.hash,
                a_shown,
                b: summary,
                after: self.different.len(),
            }),
        }
    }

    /// The difference of A's body `a` (shown as `a_shown` when it carries
    /// secrets) and B's, whose hashes differ; `None` (and one more the
    /// same) when they differ in no path that counts.
    fn compare(&mut self, a: Value, a_shown: Option<Value>, b: Summary) -> Option<Difference> {
        let difference = self.spec.difference(a, a_shown, b);
        if difference.is_none() {
            self.same += 1;
        }
        difference
    }

    /// The report.
    pub fn finish(mut self) -> DiffReport {
        // Pairs whose A was never read again still differ: said so, with
        // the whole body as the path (no caller of `read_again` leaves any).
        for pair in std::mem::take(&mut self.unread) {
            let b = pair.b;
            self.different.push(Difference {
                key: b.key,
                paths: vec!["$.body".to_owned()],
                a: pair.a_shown.unwrap_or(Value::Null),
                b: b.shown
                    .unwrap_or_else(|| Body::decode(&b.raw).to_capture_value()),
            });
        }
        let mut only_a = Vec::new();
        let mut duplicates_a = Vec::new();
        let mut duplicates_b = Vec::new();
        let duplicate = |key: &str, count: u64| Duplicate {
            key: key.to_owned(),
            count,
        };
        for kept in self.a.iter() {
            let key = self.a.key(kept);
            if kept.b_copies == 0 {
                only_a.push(key.to_owned());
            }
            if kept.copies > 1 {
                duplicates_a.push(duplicate(key, kept.copies.into()));
            }
            if kept.b_copies > 1 {
                duplicates_b.push(duplicate(key, kept.b_copies.into()));
            }
        }
        for (key, seen) in &self.b_only {
            if *seen > 1 {
                duplicates_b.push(duplicate(key, *seen));
            }
        }
        duplicates_a.sort_by(|x, y| x.key.cmp(&y.key));
        duplicates_b.sort_by(|x, y| x.key.cmp(&y.key));
        let lag_ms = lag_of(self.lags);
        DiffReport {
            only_a,
            only_b: self.b_order,
            different: self.different,
            duplicates_a,
            duplicates_b,
            same: self.same,
            lag_ms,
            events: self.events,
        }
    }
}

/// The lag's nearest-rank percentiles of `lags`, `None` when there is
/// none. Each rank is selected rather than the whole list sorted (a
/// million lags sort in tens of milliseconds, once every event is read).
fn lag_of(mut lags: Vec<i64>) -> Option<Lag> {
    let n = lags.len();
    let rank = |q: f64| ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
    let max = *lags.iter().max()?;
    let (below, &mut p95, _) = lags.select_nth_unstable(rank(0.95));
    let at = rank(0.5);
    // The median is among those below p95's rank, unless it is that rank.
    let p50 = if at < below.len() {
        *below.select_nth_unstable(at).1
    } else {
        p95
    };
    Some(Lag { p50, p95, max })
}

/// The matching key of a body `raw` (with its top-level `members` when
/// they were read) whose own event id is `own`: that id, else a hash of
/// the body, which is handed back too.
fn id_or_body_key<'k>(
    own: Option<Cow<'k, str>>,
    raw: &[u8],
    members: Option<&[Member]>,
) -> (Cow<'k, str>, Option<u64>) {
    match own {
        Some(id) => (id, None),
        None => {
            let hash = raw_body_hash(raw, members, &[]);
            (Cow::Owned(format!("body#{hash:016x}")), Some(hash))
        }
    }
}

/// The id the event's envelope gives: `meta.event_id` when it is not just
/// the message id, or when the body holds it as a string (a capture whose
/// message ids are the event ids).
fn own_id(document: &Document) -> Option<&str> {
    let id = document.inspection.meta.event_id.as_deref()?;
    is_own_id(id, &document.event.id, &document.event.raw).then_some(id)
}

/// Whether the event id `id` of an event whose message id is `message_id`
/// and raw body `raw` is the event's own (see [`own_id`]).
fn is_own_id(id: &str, message_id: &str, raw: &[u8]) -> bool {
    if id != message_id {
        return true;
    }
    let quoted = format!("\"{id}\"");
    memchr::memmem::find(raw, quoted.as_bytes()).is_some()
}

/// Every path where `a` and `b` differ, leaves first reached, not under an
/// ignored path. Object members are compared by name, array elements by
/// position.
fn differing_paths<'v>(
    a: &'v Value,
    b: &'v Value,
    path: &mut Vec<Step<'v>>,
    ignore: &[Ignore],
    out: &mut Vec<String>,
) {
    if ignore.iter().any(|i| i.covers(path)) {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (name, value) in x {
                path.push(Step::Name(name));
                match y.get(name) {
                    Some(other) => differing_paths(value, other, path, ignore, out),
                    None => note(path, ignore, out),
                }
                path.pop();
            }
            for name in y.keys().filter(|n| !x.contains_key(*n)) {
                path.push(Step::Name(name));
                note(path, ignore, out);
                path.pop();
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                path.push(Step::Index(i));
                match (x.get(i), y.get(i)) {
                    (Some(p), Some(q)) => differing_paths(p, q, path, ignore, out),
                    _ => note(path, ignore, out),
                }
                path.pop();
            }
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => {}
        _ if a == b => {}
        _ => note(path, ignore, out),
    }
}

fn note(path: &[Step<'_>], ignore: &[Ignore], out: &mut Vec<String>) {
    if !ignore.iter().any(|i| i.covers(path)) {
        out.push(path_text(path));
    }
}

/// `$.body.items[0]['a b']`.
fn path_text(path: &[Step<'_>]) -> String {
    let mut text = String::from("$.body");
    for step in path {
        match step {
            Step::Index(i) => text.push_str(&format!("[{i}]")),
            Step::Name(n)
                if !n.is_empty()
                    && !n.starts_with(|c: char| c.is_ascii_digit())
                    && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                text.push('.');
                text.push_str(n);
            }
            Step::Name(n) => text.push_str(&format!(
                "['{}']",
                n.replace('\\', "\\\\").replace('\'', "\\'")
            )),
        }
    }
    text
}

/// `value` pretty-printed for a side-by-side view: each line with the
/// body path of the value it shows (as the report names paths), and
/// whether that path is one of `paths` or under one.
pub fn pretty_lines(value: &Value, paths: &[String]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    pretty(value, &mut Vec::new(), 0, None, false, &mut out);
    out.into_iter()
        .map(|(text, path)| {
            let hit = paths.iter().any(|p| {
                path.strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            });
            (text, hit)
        })
        .collect()
}

fn pretty<'v>(
    value: &'v Value,
    path: &mut Vec<Step<'v>>,
    depth: usize,
    name: Option<&str>,
    comma: bool,
    out: &mut Vec<(String, String)>,
) {
    let indent = "  ".repeat(depth);
    let head = match name {
        Some(n) => format!("{indent}{}: ", Value::String(n.to_owned())),
        None => indent.clone(),
    };
    let tail = if comma { "," } else { "" };
    let here = path_text(path);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push((format!("{head}{{"), here.clone()));
            for (i, (key, item)) in map.iter().enumerate() {
                path.push(Step::Name(key));
                pretty(item, path, depth + 1, Some(key), i + 1 < map.len(), out);
                path.pop();
            }
            out.push((format!("{indent}}}{tail}"), here));
        }
        Value::Array(items) if !items.is_empty() => {
            out.push((format!("{head}["), here.clone()));
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                pretty(item, path, depth + 1, None, i + 1 < items.len(), out);
                path.pop();
            }
            out.push((format!("{indent}]{tail}"), here));
        }
        scalar => out.push((format!("{head}{scalar}{tail}"), here)),
    }
}

/// The report as JSON, keys and paths masked (see [`JsonReport`]).
pub fn to_json(report: &DiffReport) -> Value {
    serde_json::to_value(JsonReport(report)).unwrap_or(Value::Null)
}

/// The report as JSON text, written as it is serialized (a million
/// differences make no `Value` first); the caller escapes the text.
pub fn to_json_text(report: &DiffReport) -> serde_json::Result<String> {
    serde_json::to_string(&JsonReport(report))
}

/// The JSON shape of a report: `only_a`, `only_b`, `different` (key and
/// paths), `duplicates_a`, `duplicates_b`, `same`, `lag_ms`, `events`, keys
/// and paths masked.
pub struct JsonReport<'r>(pub &'r DiffReport);

/// Texts serialized masked.
struct Masked<'r>(&'r [String]);

impl Serialize for Masked<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|text| crate::secrets::mask_text(text)))
    }
}

/// Duplicates serialized with their keys masked.
struct MaskedDuplicates<'r>(&'r [Duplicate]);

impl Serialize for MaskedDuplicates<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'d> {
            key: Cow<'d, str>,
            count: u64,
        }
        serializer.collect_seq(self.0.iter().map(|d| Entry {
            key: crate::secrets::mask_text(&d.key),
            count: d.count,
        }))
    }
}

impl Serialize for JsonReport<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Different<'d> {
            key: Cow<'d, str>,
            paths: Masked<'d>,
        }
        struct Differences<'r>(&'r [Difference]);
        impl Serialize for Differences<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map(|d| Different {
                    key: crate::secrets::mask_text(&d.key),
                    paths: Masked(&d.paths),
                }))
            }
        }
        #[derive(Serialize)]
        struct Events {
            a: u64,
            b: u64,
        }
        #[derive(Serialize)]
        struct Shape<'r> {
            only_a: Masked<'r>,
            only_b: Masked<'r>,
            different: Differences<'r>,
            duplicates_a: MaskedDuplicates<'r>,
            duplicates_b: MaskedDuplicates<'r>,
            same: u64,
            lag_ms: Option<Lag>,
            events: Events,
        }
        let report = self.0;
        Shape {
            only_a: Masked(&report.only_a),
            only_b: Masked(&report.only_b),
            different: Differences(&report.different),
            duplicates_a: MaskedDuplicates(&report.duplicates_a),
            duplicates_b: MaskedDuplicates(&report.duplicates_b),
            same: report.same,
            lag_ms: report.lag_ms,
            events: Events {
                a: report.events.0,
                b: report.events.1,
            },
        }
        .serialize(serializer)
    }
}

/// The report as lines for a terminal: counts, then each list, keys masked
/// and escaped.
pub fn to_lines(report: &DiffReport, a: &str, b: &str) -> Vec<String> {
    let safe = |text: &str| crate::sanitize::escape_masked(text).into_owned();
    let mut lines = vec![
        format!("A: {} ({} events)", safe(a), report.events.0),
        format!("B: {} ({} events)", safe(b), report.events.1),
        format!("same         {:>8}", report.same),
        format!("only in A    {:>8}", report.only_a.len()),
        format!("only in B    {:>8}", report.only_b.len()),
        format!("different    {:>8}", report.different.len()),
        format!(
            "duplicates   {:>8} in A, {} in B",
            report.duplicates_a.len(),
            report.duplicates_b.len()
        ),
    ];
    lines.push(match report.lag_ms {
        Some(lag) => format!(
            "lag A→B      p50 {} ms, p95 {} ms, max {} ms",
            lag.p50, lag.p95, lag.max
        ),
        None => "lag A→B      - (no publish times on both sides)".into(),
    });
    let mut list = |title: &str, items: Vec<String>| {
        if !items.is_empty() {
            lines.push(String::new());
            lines.push(title.to_owned());
            lines.extend(items.into_iter().map(|i| format!("  {i}")));
        }
    };
    list(
        "only in A:",
        report.only_a.iter().map(|k| safe(k)).collect(),
    );
    list(
        "only in B:",
        report.only_b.iter().map(|k| safe(k)).collect(),
    );
    list(
        "different:",
        report
            .different
            .iter()
            .map(|d| format!("{}  {}", safe(&d.key), safe(&d.paths.join(", "))))
            .collect(),
    );
    let dups = |d: &[Duplicate]| {
        d.iter()
            .map(|d| format!("{} ×{}", safe(&d.key), d.count))
            .collect()
    };
    list("duplicated in A:", dups(&report.duplicates_a));
    list("duplicated in B:", dups(&report.duplicates_b));
    lines
}

#[cfg(test)]
mod tests;
