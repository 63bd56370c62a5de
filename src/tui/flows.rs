//! Flows in the terminal UI: the flow summaries of loaded rows are
//! gathered as their row summaries arrive, and the flows are linked in the
//! background ([`compute`], run by a blocking task) whenever rows were added
//! since the last pass, so a frame never waits for them. The result gives
//! each row its flow's state (the table's marker, the "troubled flows"
//! preset) and each flow its tree (the Flow tab).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::content::{DLine, Seg};
use super::safe::Safe;
use super::theme::Role;
use crate::analyze::flows::{
    Analysis, EventSummary, FlowState, FlowSummary, Linked, NO_TYPE, Settings, gap_text,
};

/// The flow summary of one loaded row.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowInput {
    /// The row.
    pub row: u32,
    /// Its source slot.
    pub slot: u32,
    /// Ids, type, time, flags.
    pub summary: EventSummary,
}

/// What a pass is computed from: every part gathered so far (shared, not
/// copied) and what each slot is.
#[derive(Debug, Clone)]
pub struct FlowsJob {
    /// Bumped for every pass asked; the UI keeps only the newest result.
    pub generation: u64,
    /// The flow inputs, in row order.
    pub parts: Vec<Arc<[FlowInput]>>,
    /// Each slot's URI and whether it is a dead-letter queue.
    pub slots: Vec<(String, bool)>,
    /// How flows are judged.
    pub settings: Settings,
}

/// A finished pass.
#[derive(Debug)]
pub struct FlowsResult {
    /// Which pass.
    pub generation: u64,
    /// The flows, linked (event `i` of the analysis is row `rows[i]`).
    pub linked: Linked,
    /// The row of each event of the analysis.
    pub rows: Vec<u32>,
    /// The state of each flow, by flow index.
    pub states: Vec<FlowState>,
    /// Each flow summed up, by flow index.
    pub flows: Vec<FlowSummary>,
    /// Flow indices in the view's order: failed first, then stuck, open,
    /// complete; latest first within a state.
    pub order: Vec<usize>,
    /// How flows were judged.
    pub settings: Settings,
}

impl FlowsResult {
    /// The flow of a row, when it has one.
    pub fn flow_of_row(&self, row: usize) -> Option<usize> {
        let i = self.rows.binary_search(&(row as u32)).ok()?;
        self.linked.flow_of(i)
    }

    /// The state of the flow of a row.
    pub fn state_of_row(&self, row: usize) -> Option<FlowState> {
        self.flow_of_row(row)
            .and_then(|f| self.states.get(f).copied())
    }
}

/// The flows of the loaded rows as the UI keeps them.
#[derive(Debug, Default)]
pub struct FlowsState {
    /// Flow inputs gathered so far, in row order.
    pub parts: Vec<Arc<[FlowInput]>>,
    /// The last pass asked for.
    pub generation: u64,
    /// Whether a pass is running.
    pub running: bool,
    /// Whether rows arrived since the running pass started.
    pub stale: bool,
    /// The newest finished pass.
    pub result: Option<Arc<FlowsResult>>,
    /// `[flows] stuck_after` from the config (default 5 minutes).
    pub stuck_after: Option<Duration>,
    /// `[flows] terminal` from the config.
    pub terminal: Vec<String>,
    /// The flows view's cursor, among the flows it shows.
    pub view_cursor: usize,
    /// The one state the flows view shows (all when `None`).
    pub view_state: Option<FlowState>,
    /// The Flow tab's cursor: which event of the tree (node index).
    pub node: usize,
}

impl FlowsState {
    /// The flows the view shows, in its order (failed, stuck, open,
    /// complete; latest first): flow indices.
    pub fn shown(&self) -> Vec<usize> {
        let Some(result) = &self.result else {
            return Vec::new();
        };
        result
            .order
            .iter()
            .copied()
            .filter(|&f| self.view_state.is_none_or(|s| result.flows[f].state == s))
            .collect()
    }

    /// The first row of a flow.
    pub fn first_row(&self, flow: usize) -> Option<usize> {
        let result = self.result.as_ref()?;
        let first = result.linked.members(flow).next()?;
        result.rows.get(first).map(|&r| r as usize)
    }
}

/// The state after `state` in the view's cycle: all, failed, stuck, open,
/// complete, all...
pub fn next_state(state: Option<FlowState>) -> Option<FlowState> {
    match state {
        None => Some(FlowState::Failed),
        Some(FlowState::Failed) => Some(FlowState::Stuck),
        Some(FlowState::Stuck) => Some(FlowState::Open),
        Some(FlowState::Open) => Some(FlowState::Complete),
        Some(FlowState::Complete) => None,
    }
}

/// Link the flows of a job. Runs off the UI thread.
pub fn compute(job: FlowsJob) -> FlowsResult {
    let mut analysis = Analysis::new();
    let ids: Vec<u32> = job
        .slots
        .iter()
        .map(|(uri, dlq)| analysis.source(uri, *dlq))
        .collect();
    let mut rows = Vec::new();
    for part in &job.parts {
        for input in part.iter() {
            let Some(&source) = ids.get(input.slot as usize) else {
                continue;
            };
            analysis.push(source, input.summary.clone());
            rows.push(input.row);
        }
    }
    let linked = analysis.link();
    let states = linked.states(&job.settings);
    let flows = linked.flows(&job.settings);
    let mut order: Vec<usize> = (0..flows.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&flows[a], &flows[b]);
        a.state.cmp(&b.state).then(b.last_at.cmp(&a.last_at))
    });
    FlowsResult {
        generation: job.generation,
        linked,
        rows,
        states,
        flows,
        order,
        settings: job.settings,
    }
}

/// The marker of a flow state in the events table.
pub fn marker(state: Option<FlowState>) -> &'static str {
    match state {
        Some(FlowState::Failed) => "✗",
        Some(FlowState::Stuck) => "!",
        Some(FlowState::Open) => "…",
        Some(FlowState::Complete) => "✓",
        None => "·",
    }
}

/// The role a flow state is drawn in.
pub fn role(state: FlowState) -> Role {
    match state {
        FlowState::Failed => Role::Dlq,
        FlowState::Stuck => Role::Warning,
        FlowState::Open => Role::Text,
        FlowState::Complete => Role::Success,
    }
}

fn seg(role: Role, text: &str) -> Seg {
    Seg {
        role,
        text: Safe::masked(text),
    }
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%m-%d %H:%M:%S").to_string())
}

/// Lines of the Flow tab above its first event.
pub const HEAD_LINES: usize = 2;

/// The row of node `node` of the tree of `row`'s flow, when loaded.
pub fn node_row(flows: &FlowsState, row: usize, node: usize) -> Option<usize> {
    let result = flows.result.as_ref()?;
    let flow = result.flow_of_row(row)?;
    let tree = result.linked.tree(flow, &result.settings)?;
    let node = tree.nodes.get(node)?;
    let analysis = result.linked.analysis();
    result
        .linked
        .members(flow)
        .find(|&i| analysis.event(i) == Some((node.message_id.as_str(), node.source.as_str())))
        .and_then(|i| result.rows.get(i))
        .map(|&r| r as usize)
}

/// The Flow tab of `row`: its flow's tree across every source, the row's
/// own event marked, each node with its source, time since its parent and
/// flags; the node under the tab's cursor highlighted.
pub fn tab_lines(flows: &FlowsState, row: usize) -> Vec<DLine> {
    let Some(result) = &flows.result else {
        return vec![vec![seg(Role::Muted, "linking flows…")]];
    };
    let Some(flow) = result.flow_of_row(row) else {
        return vec![vec![seg(
            Role::Muted,
            "this event has no correlation id: it is in no flow",
        )]];
    };
    let Some(tree) = result.linked.tree(flow, &result.settings) else {
        return Vec::new();
    };
    let own = result.rows.binary_search(&(row as u32)).ok();
    let summary = &tree.flow;
    let mut head = vec![
        seg(Role::Header, "flow "),
        seg(Role::Text, &summary.correlation_id),
        seg(Role::Muted, "  "),
        seg(role(summary.state), summary.state.as_str()),
    ];
    let flags = summary.flags.names();
    if !flags.is_empty() {
        head.push(seg(Role::Warning, &format!(" ({})", flags.join(", "))));
    }
    head.push(seg(
        Role::Muted,
        &format!(
            "  {} events, {} sources",
            summary.events,
            summary.sources.len()
        ),
    ));
    let mut lines = vec![head, Vec::new()];
    let own = own.and_then(|i| result.linked.analysis().event(i));
    for (n, (node, prefix)) in tree.nodes.iter().zip(tree.prefixes()).enumerate() {
        // The row's own event: same message id in the same source.
        let is_own = own == Some((node.message_id.as_str(), node.source.as_str()));
        let kind = node.event_type.as_deref().unwrap_or(NO_TYPE);
        let mut line = vec![
            seg(Role::Muted, &prefix),
            seg(
                if is_own { Role::Selection } else { Role::Key },
                &format!("{}{kind}", if is_own { "▶ " } else { "" }),
            ),
            seg(Role::Muted, "  "),
            seg(Role::Text, &node.source),
            seg(Role::Muted, &format!("  {}", time(node.time))),
        ];
        if let Some(ms) = node.since_parent_ms {
            line.push(seg(Role::Muted, &format!("  +{}", gap_text(ms))));
        }
        let mut flags = Vec::new();
        if node.dlq {
            flags.push((Role::Dlq, "dlq"));
        }
        if node.expired {
            flags.push((Role::Expired, "expired"));
        }
        if node.malformed {
            flags.push((Role::Malformed, "malformed"));
        }
        if !node.caused && node.causation_id.is_some() && node.parent.is_some() {
            flags.push((Role::Warning, "unlinked"));
        }
        for (role, flag) in flags {
            line.push(seg(role, &format!("  [{flag}]")));
        }
        let cursor = if n == flows.node {
            seg(Role::Key, "› ")
        } else {
            seg(Role::Muted, "  ")
        };
        line.insert(0, cursor);
        lines.push(line);
    }
    lines
}
