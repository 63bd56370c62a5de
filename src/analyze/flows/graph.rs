//! The cascade graph: event types as nodes, "an event of type A caused an
//! event of type B" as edges, with counts and times between them.

use std::collections::HashMap;

use serde::Serialize;

use super::link::Linked;
use super::{NO_TYPE, Settings, count_types};

/// An event type in the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// The type ([`NO_TYPE`] for events without one).
    #[serde(rename = "type")]
    pub event_type: String,
    /// Events of this type.
    pub count: usize,
    /// Whether the type ends flows (configured or inferred).
    pub terminal: bool,
}

/// How often events of one type caused events of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The parent's type.
    pub from: String,
    /// The child's type.
    pub to: String,
    /// Whether the children counted sit in a dead-letter queue (such
    /// edges are counted apart from the others).
    pub dlq: bool,
    /// How many times.
    pub count: usize,
    /// Median milliseconds between parent and child (pairs with both times).
    pub p50_ms: Option<i64>,
    /// 95th percentile of the same.
    pub p95_ms: Option<i64>,
}

/// The cascade graph, nodes by type name, edges by (from, to, dlq).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Graph {
    /// Every event type read, flows or not.
    pub nodes: Vec<Node>,
    /// Every causation link between two events of one flow.
    pub edges: Vec<Edge>,
}

impl Linked {
    /// The cascade graph. Only links a causation id names count as edges;
    /// events hung under a flow's root for want of a parent do not.
    pub fn graph(&self, settings: &Settings) -> Graph {
        let terminal = self.terminal(settings);
        let events = &self.analysis.events;
        let type_of = |m: u32| {
            events[m as usize]
                .summary
                .event_type
                .as_deref()
                .unwrap_or(NO_TYPE)
        };
        let mut gaps: HashMap<(&str, &str, bool), (usize, Vec<i64>)> = HashMap::new();
        for flow in &self.flows {
            for (p, &parent) in flow.parents.iter().enumerate() {
                if !flow.caused[p] {
                    continue;
                }
                let (child, parent) = (flow.members[p], flow.members[parent as usize]);
                let dlq = self.analysis.sources[events[child as usize].source as usize].dlq;
                let entry = gaps
                    .entry((type_of(parent), type_of(child), dlq))
                    .or_default();
                entry.0 += 1;
                let (a, b) = (
                    events[parent as usize].summary.time,
                    events[child as usize].summary.time,
                );
                if let (Some(a), Some(b)) = (a, b) {
                    entry.1.push((b - a).num_milliseconds());
                }
            }
        }
        let mut nodes: Vec<Node> =
            count_types(events.iter().map(|e| e.summary.event_type.as_deref()))
                .into_iter()
                .map(|(t, count)| Node {
                    event_type: t.to_string(),
                    count,
                    terminal: t != NO_TYPE && terminal.contains(Some(t)),
                })
                .collect();
        nodes.sort_by(|a, b| a.event_type.cmp(&b.event_type));
        let mut edges: Vec<Edge> = gaps
            .into_iter()
            .map(|((from, to, dlq), (count, mut ms))| Edge {
                from: from.to_string(),
                to: to.to_string(),
                dlq,
                count,
                p50_ms: percentile(&mut ms, 50),
                p95_ms: percentile(&mut ms, 95),
            })
            .collect();
        edges.sort_by(|a, b| (&a.from, &a.to, a.dlq).cmp(&(&b.from, &b.to, b.dlq)));
        Graph { nodes, edges }
    }
}

/// The `pct`th percentile by nearest rank (`None` when empty).
pub(crate) fn percentile(values: &mut [i64], pct: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let rank = (pct * values.len()).div_ceil(100).max(1) - 1;
    Some(*values.select_nth_unstable(rank).1)
}
