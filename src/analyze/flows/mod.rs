//! Flows: the events, across every source read, that share a correlation
//! id; within a flow, each event's parent is the event whose `event_id`
//! equals its causation id. From them: each flow's state (failed, complete,
//! stuck, open), one flow's tree, and the cascade graph of which event type
//! causes which.
//!
//! The input is one compact [`EventSummary`] per event (ids, type, time,
//! flags, no body), so memory grows with the number of events and flows,
//! not with body sizes. Everything here is pure: the CLI and the TUI feed
//! summaries in and render what comes out.

mod graph;
mod link;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::blocks::Blocks;

pub use graph::{Edge, Graph, Node};
pub use link::Linked;

/// The default age after which a flow whose last event is not terminal is
/// stuck (`--stuck-after`, config `[flows] stuck_after`).
pub const DEFAULT_STUCK_AFTER: Duration = Duration::from_secs(5 * 60);

/// A source events were read from, by its index in [`Analysis::sources`].
pub type SourceId = u32;

/// The label of events without a type, in flows and the graph.
pub const NO_TYPE: &str = "(no type)";

/// What flows keep of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    /// The source URI.
    pub uri: String,
    /// Whether the source is a dead-letter queue: a flow with an event
    /// here has failed.
    pub dlq: bool,
}

/// What flows keep of one event: ids, type, time and flags, no body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSummary {
    /// The backend's message id (to find the event again in its source).
    pub message_id: Box<str>,
    /// The event's own id (`meta.event_id`): what causation ids point at.
    pub event_id: Option<Box<str>>,
    /// The flow the event belongs to; without one it is in no flow.
    pub correlation_id: Option<Box<str>>,
    /// The event id of the event that caused this one.
    pub causation_id: Option<Box<str>>,
    /// The event type.
    pub event_type: Option<Box<str>>,
    /// When the event happened: its own creation time, else when the
    /// broker accepted it.
    pub time: Option<DateTime<Utc>>,
    /// Whether the event has expired.
    pub expired: bool,
    /// Whether the event is malformed.
    pub malformed: bool,
}

impl EventSummary {
    /// The summary of an inspected event.
    pub fn of(document: &crate::capture::Document) -> EventSummary {
        let meta = &document.inspection.meta;
        let boxed = |s: &Option<String>| s.as_deref().map(Box::from);
        EventSummary {
            message_id: document.event.id.as_str().into(),
            event_id: boxed(&meta.event_id),
            correlation_id: boxed(&meta.correlation.correlation_id),
            causation_id: boxed(&meta.correlation.causation_id),
            event_type: boxed(&meta.event_type),
            time: meta.created_at.or(document.event.published_at),
            expired: meta.expired,
            malformed: document
                .inspection
                .problems
                .iter()
                .any(|p| p.kind.is_malformed()),
        }
    }
}

/// An event as the analysis holds it: its summary and its source.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub summary: EventSummary,
    pub source: SourceId,
}

/// Events gathered from one or more sources, ready to be linked.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    sources: Vec<SourceEntry>,
    events: Blocks<Held>,
}

impl Analysis {
    /// No sources, no events.
    pub fn new() -> Analysis {
        Analysis::default()
    }

    /// Register a source (once per URI) and get its id.
    pub fn source(&mut self, uri: &str, dlq: bool) -> SourceId {
        if let Some(i) = self.sources.iter().position(|s| s.uri == uri) {
            self.sources[i].dlq |= dlq;
            return i as SourceId;
        }
        self.sources.push(SourceEntry {
            uri: uri.to_string(),
            dlq,
        });
        (self.sources.len() - 1) as SourceId
    }

    /// Add one event read from `source`.
    pub fn push(&mut self, source: SourceId, summary: EventSummary) {
        self.events.push(Held { summary, source });
    }

    /// The sources registered, by id.
    pub fn sources(&self) -> &[SourceEntry] {
        &self.sources
    }

    /// The message id and source URI of the `i`th event added.
    pub fn event(&self, i: usize) -> Option<(&str, &str)> {
        let held = self.events.get(i)?;
        let source = &self.sources[held.source as usize];
        Some((&held.summary.message_id, &source.uri))
    }

    /// Number of events added.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether no event was added.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Group the events into flows and link each to its parent.
    pub fn link(self) -> Linked {
        Linked::new(std::sync::Arc::new(self))
    }
}

/// How flows are judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// A flow whose last event is older than this, and not terminal, is stuck.
    pub stuck_after: Duration,
    /// Terminal types as configured; empty means inferred (types never
    /// observed causing another).
    pub terminal: Vec<String>,
    /// The time flows are judged at.
    pub now: DateTime<Utc>,
}

impl Settings {
    /// Defaults, judged at `now`.
    pub fn at(now: DateTime<Utc>) -> Settings {
        Settings {
            stuck_after: DEFAULT_STUCK_AFTER,
            terminal: Vec::new(),
            now,
        }
    }
}

/// Where a flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FlowState {
    /// One of its events sits in a dead-letter queue.
    Failed,
    /// Its last event is not terminal and older than the stuck-after age.
    Stuck,
    /// Its last event is not terminal and recent.
    Open,
    /// Its last event is of a terminal type.
    Complete,
}

impl FlowState {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowState::Failed => "failed",
            FlowState::Stuck => "stuck",
            FlowState::Open => "open",
            FlowState::Complete => "complete",
        }
    }
}

/// What else is true of a flow, whatever its state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FlowFlags {
    /// Some event has expired.
    pub expired: bool,
    /// Some event is malformed.
    pub malformed: bool,
    /// Some causation id names no event of the flow (the event hangs under
    /// the flow's first event).
    pub missing_parent: bool,
    /// Causation ids went round in a circle (the circle was cut).
    pub cycle: bool,
    /// Two events carry the same event id (causation links go to the first).
    pub duplicate_id: bool,
}

impl FlowFlags {
    /// The flags that are set, by name.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.expired, "expired"),
            (self.malformed, "malformed"),
            (self.missing_parent, "missing-parent"),
            (self.cycle, "cycle"),
            (self.duplicate_id, "duplicate-id"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// One flow, summed up: a row of `evscope flows`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowSummary {
    /// The correlation id shared by its events.
    pub correlation_id: String,
    /// Where it stands.
    pub state: FlowState,
    /// What else is true of it.
    pub flags: FlowFlags,
    /// Number of events.
    pub events: usize,
    /// Event types in flow order (time, then arrival).
    pub types: Vec<String>,
    /// Sources it touches, in the order first touched.
    pub sources: Vec<String>,
    /// Time of its first event.
    pub started_at: Option<DateTime<Utc>>,
    /// Time of its last event.
    pub last_at: Option<DateTime<Utc>>,
}

impl FlowSummary {
    /// Time from the first to the last event.
    pub fn duration(&self) -> Option<chrono::TimeDelta> {
        Some(self.last_at? - self.started_at?)
    }
}

/// One event in a flow's tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeNode {
    /// Depth in the tree (the root is 0).
    pub depth: usize,
    /// Index of the parent node in [`FlowTree::nodes`].
    pub parent: Option<usize>,
    /// Whether the parent is the event its causation id names (`false`
    /// for an event hung under the root for want of one).
    pub caused: bool,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// The source URI.
    pub source: String,
    /// The backend's message id.
    pub message_id: String,
    /// The event's own id.
    pub event_id: Option<String>,
    /// The causation id it carries.
    pub causation_id: Option<String>,
    /// When it happened.
    pub time: Option<DateTime<Utc>>,
    /// Milliseconds since its parent's time.
    pub since_parent_ms: Option<i64>,
    /// It sits in a dead-letter queue.
    pub dlq: bool,
    /// It has expired.
    pub expired: bool,
    /// It is malformed.
    pub malformed: bool,
}

/// One flow as a tree, nodes in depth-first order, children by time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowTree {
    /// The flow, summed up.
    pub flow: FlowSummary,
    /// Its events.
    pub nodes: Vec<TreeNode>,
}

/// The set of terminal types: configured, else inferred from the links.
pub(crate) fn terminal_types<'a>(
    settings: &'a Settings,
    causes: impl Iterator<Item = &'a str>,
) -> Terminal<'a> {
    if settings.terminal.is_empty() {
        Terminal::NotCausing(causes.collect())
    } else {
        Terminal::Listed(settings.terminal.iter().map(String::as_str).collect())
    }
}

/// Which types end a flow.
#[derive(Debug, Clone)]
pub(crate) enum Terminal<'a> {
    /// Those listed in the config.
    Listed(BTreeSet<&'a str>),
    /// Those never seen causing another event (the set holds those seen).
    NotCausing(BTreeSet<&'a str>),
}

impl Terminal<'_> {
    /// Whether `event_type` ends a flow (an untyped event never does).
    pub fn contains(&self, event_type: Option<&str>) -> bool {
        let Some(t) = event_type else { return false };
        match self {
            Terminal::Listed(set) => set.contains(t),
            Terminal::NotCausing(causing) => !causing.contains(t),
        }
    }
}

/// Count of events by type, for the graph's nodes.
pub(crate) fn count_types<'a>(
    types: impl Iterator<Item = Option<&'a str>>,
) -> HashMap<&'a str, usize> {
    let mut counts = HashMap::new();
    for t in types {
        *counts.entry(t.unwrap_or(NO_TYPE)).or_default() += 1;
    }
    counts
}

impl FlowTree {
    /// The tree-drawing prefix of each node (`├─ `, `│  └─ `...), for a
    /// text tree: one per node, in node order.
    pub fn prefixes(&self) -> Vec<String> {
        let n = self.nodes.len();
        // Whether each node is the last child of its parent.
        let mut last = vec![true; n];
        let mut last_child_of: HashMap<usize, usize> = HashMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(p) = node.parent {
                if let Some(previous) = last_child_of.insert(p, i) {
                    last[previous] = false;
                }
            }
        }
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                if node.parent.is_none() {
                    return String::new();
                }
                // Walk up: this node's connector, then a rail or a gap per
                // ancestor that is not the root.
                let mut parts = vec![if last[i] { "└─ " } else { "├─ " }];
                let mut up = node.parent;
                while let Some(a) = up {
                    if self.nodes[a].parent.is_none() {
                        break;
                    }
                    parts.push(if last[a] { "   " } else { "│  " });
                    up = self.nodes[a].parent;
                }
                parts.reverse();
                parts.concat()
            })
            .collect()
    }
}

/// A time gap for people: `250ms`, `4.2s`, `3m05s`, `2h03m`, `3d04h`, with
/// a `-` when the child is dated before its parent (clock skew).
pub fn gap_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let s = ms / 1000;
    let body = match s {
        _ if ms < 1000 => format!("{ms}ms"),
        0..60 => format!("{:.1}s", ms as f64 / 1000.0),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    };
    format!("{sign}{body}")
}
