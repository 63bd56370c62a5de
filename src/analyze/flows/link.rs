//! Grouping events into flows and linking each event to its parent.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{
    Analysis, FlowFlags, FlowState, FlowSummary, FlowTree, Held, Settings, Terminal, TreeNode,
    terminal_types,
};

/// No position: the event has no parent in its flow.
const NONE: u32 = u32::MAX;

/// One flow, linked: its events in flow order and each one's parent.
#[derive(Debug, Clone)]
pub(crate) struct FlowLinks {
    /// The event whose correlation id names the flow (its first added).
    pub named_by: u32,
    /// Event indices (into the analysis) in flow order: by time (events
    /// without one last), then in the order they were added.
    pub members: Vec<u32>,
    /// For each member, the position of its parent in `members` ([`NONE`]
    /// for the root).
    pub parents: Vec<u32>,
    /// For each member, whether its parent is the one its causation id
    /// names (else it hangs under the root).
    pub caused: Vec<bool>,
    /// Position of the root.
    pub root: u32,
    /// Flags found while linking and gathering.
    pub flags: FlowFlags,
    /// Whether an event sits in a dead-letter queue.
    pub dlq: bool,
}

/// Every flow of an [`Analysis`], linked. Cheap to query again with other
/// [`Settings`]; owns the analysis, so it can be kept and shared (the
/// terminal UI computes it in the background and keeps the result).
#[derive(Debug, Clone)]
pub struct Linked {
    pub(crate) analysis: Arc<Analysis>,
    pub(crate) flows: Vec<FlowLinks>,
    /// Flow of each event ([`NONE`] without a correlation id).
    flow_of: Vec<u32>,
    /// Types seen as the parent of some event (causing another).
    pub(crate) causing: BTreeSet<Box<str>>,
}

impl Linked {
    /// Group the events of `analysis` into flows and link each event to
    /// its parent.
    pub fn new(analysis: Arc<Analysis>) -> Linked {
        let events = &analysis.events;
        // foldhash, seeded per process: linking hashes an id per event.
        let mut index: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
        let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
        let mut flow_of = vec![NONE; events.len()];
        for (i, held) in events.iter().enumerate() {
            let Some(correlation) = held.summary.correlation_id.as_deref() else {
                continue;
            };
            let flow = *index.entry(correlation).or_insert_with(|| {
                groups.push((i as u32, Vec::new()));
                (groups.len() - 1) as u32
            });
            groups[flow as usize].1.push(i as u32);
            flow_of[i] = flow;
        }
        let mut causing: BTreeSet<&str> = BTreeSet::new();
        let mut scratch = Scratch::default();
        let flows = groups
            .into_iter()
            .map(|(named_by, members)| {
                let flow = link_flow(&analysis, named_by, members, &mut scratch);
                for (p, &parent) in flow.parents.iter().enumerate() {
                    if parent != NONE && flow.caused[p] {
                        let held = &events[flow.members[parent as usize] as usize];
                        causing
                            .insert(held.summary.event_type.as_deref().unwrap_or(super::NO_TYPE));
                    }
                }
                flow
            })
            .collect();
        let causing = causing.into_iter().map(Box::from).collect();
        Linked {
            analysis,
            flows,
            flow_of,
            causing,
        }
    }

    /// The analysis linked.
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// The correlation id of the flow at `flow`.
    pub fn correlation_id(&self, flow: usize) -> Option<&str> {
        let links = self.flows.get(flow)?;
        self.analysis.events[links.named_by as usize]
            .summary
            .correlation_id
            .as_deref()
    }

    /// The terminal types under `settings`.
    pub(crate) fn terminal<'s>(&'s self, settings: &'s Settings) -> Terminal<'s> {
        terminal_types(settings, self.causing.iter().map(|t| &**t))
    }

    /// Number of flows.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Whether there is no flow.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Every flow summed up, in the order their first event was added.
    pub fn flows(&self, settings: &Settings) -> Vec<FlowSummary> {
        let terminal = self.terminal(settings);
        self.flows
            .iter()
            .map(|f| self.summarize(f, &terminal, settings))
            .collect()
    }

    /// The state of every flow, by flow index (see [`Linked::flow_of`]).
    pub fn states(&self, settings: &Settings) -> Vec<FlowState> {
        let terminal = self.terminal(settings);
        self.flows
            .iter()
            .map(|f| self.state(f, &terminal, settings))
            .collect()
    }

    /// The flow index of the `i`th event added, when it has a correlation id.
    pub fn flow_of(&self, i: usize) -> Option<usize> {
        self.flow_of
            .get(i)
            .filter(|&&f| f != NONE)
            .map(|&f| f as usize)
    }

    /// The index of the flow with this correlation id.
    pub fn find(&self, correlation_id: &str) -> Option<usize> {
        (0..self.flows.len()).find(|&f| self.correlation_id(f) == Some(correlation_id))
    }

    /// The tree of the flow at `flow` (see [`Linked::find`]).
    pub fn tree(&self, flow: usize, settings: &Settings) -> Option<FlowTree> {
        let links = self.flows.get(flow)?;
        let terminal = self.terminal(settings);
        let summary = self.summarize(links, &terminal, settings);
        let n = links.members.len();
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
        for p in 0..n {
            let parent = links.parents[p];
            if parent != NONE {
                children[parent as usize].push(p as u32);
            }
        }
        let mut nodes = Vec::with_capacity(n);
        // Depth-first, children in flow order: (position, depth, node index of parent).
        let mut stack = vec![(links.root, 0usize, None::<usize>)];
        while let Some((p, depth, parent)) = stack.pop() {
            let held = self.held(links, p);
            let parent_time =
                parent.and_then(|i: usize| nodes.get(i).and_then(|n: &TreeNode| n.time));
            let s = &held.summary;
            let source = &self.analysis.sources[held.source as usize];
            nodes.push(TreeNode {
                depth,
                parent,
                caused: links.caused[p as usize],
                event_type: s.event_type.as_deref().map(str::to_string),
                source: source.uri.clone(),
                message_id: s.message_id.to_string(),
                event_id: s.event_id.as_deref().map(str::to_string),
                causation_id: s.causation_id.as_deref().map(str::to_string),
                time: s.time,
                since_parent_ms: s
                    .time
                    .zip(parent_time)
                    .map(|(t, p)| (t - p).num_milliseconds()),
                dlq: source.dlq,
                expired: s.expired,
                malformed: s.malformed,
            });
            let me = nodes.len() - 1;
            for &c in children[p as usize].iter().rev() {
                stack.push((c, depth + 1, Some(me)));
            }
        }
        Some(FlowTree {
            flow: summary,
            nodes,
        })
    }

    /// The message ids (with their source ids) of the flow at `flow`, in flow order.
    pub fn members(&self, flow: usize) -> impl Iterator<Item = usize> + '_ {
        self.flows
            .get(flow)
            .into_iter()
            .flat_map(|f| f.members.iter().map(|&m| m as usize))
    }

    pub(crate) fn held(&self, links: &FlowLinks, position: u32) -> &Held {
        &self.analysis.events[links.members[position as usize] as usize]
    }

    fn state(&self, links: &FlowLinks, terminal: &Terminal<'_>, settings: &Settings) -> FlowState {
        if links.dlq {
            return FlowState::Failed;
        }
        let last = self.held(links, (links.members.len() - 1) as u32);
        if terminal.contains(last.summary.event_type.as_deref()) {
            return FlowState::Complete;
        }
        let last_at = links
            .members
            .iter()
            .rev()
            .find_map(|&m| self.analysis.events[m as usize].summary.time);
        let stuck_after =
            chrono::TimeDelta::from_std(settings.stuck_after).unwrap_or(chrono::TimeDelta::MAX);
        match last_at {
            Some(t) if settings.now.signed_duration_since(t) > stuck_after => FlowState::Stuck,
            _ => FlowState::Open,
        }
    }

    fn summarize(
        &self,
        links: &FlowLinks,
        terminal: &Terminal<'_>,
        settings: &Settings,
    ) -> FlowSummary {
        let events = &self.analysis.events;
        let mut sources: Vec<u32> = Vec::new();
        let mut types = Vec::with_capacity(links.members.len());
        for &m in &links.members {
            let held = &events[m as usize];
            if !sources.contains(&held.source) {
                sources.push(held.source);
            }
            types.push(
                held.summary
                    .event_type
                    .as_deref()
                    .unwrap_or(super::NO_TYPE)
                    .to_string(),
            );
        }
        let times = links
            .members
            .iter()
            .filter_map(|&m| events[m as usize].summary.time);
        FlowSummary {
            correlation_id: self.analysis.events[links.named_by as usize]
                .summary
                .correlation_id
                .as_deref()
                .unwrap_or_default()
                .to_string(),
            state: self.state(links, terminal, settings),
            flags: links.flags,
            events: links.members.len(),
            types,
            sources: sources
                .into_iter()
                .map(|s| self.analysis.sources[s as usize].uri.clone())
                .collect(),
            started_at: times.clone().min(),
            last_at: times.max(),
        }
    }
}

/// Working memory of [`link_flow`] and [`break_cycles`], kept from one
/// flow to the next: hundreds of thousands of flows are linked in a row,
/// most of a few events each, and vectors made afresh for each one were
/// a large share of the time.
#[derive(Default)]
struct Scratch {
    mark: Vec<u8>,
    path: Vec<u32>,
}

/// Order the members of one flow and link each to its parent.
fn link_flow(
    analysis: &Analysis,
    named_by: u32,
    mut members: Vec<u32>,
    scratch: &mut Scratch,
) -> FlowLinks {
    let events = &analysis.events;
    let summary = |m: u32| &events[m as usize].summary;
    // Flow order: by time, events without a time last, ties by arrival.
    members.sort_by_key(|&m| (summary(m).time.is_none(), summary(m).time, m));
    let n = members.len();
    let mut flags = FlowFlags::default();
    let mut dlq = false;
    for &m in &members {
        let held = &events[m as usize];
        flags.expired |= held.summary.expired;
        flags.malformed |= held.summary.malformed;
        dlq |= analysis.sources[held.source as usize].dlq;
    }
    // Event id -> first position carrying it. Small flows search linearly
    // (most flows are a handful of events; a map each would cost more).
    let by_id: Option<foldhash::HashMap<&str, u32>> = (n > 16).then(|| {
        let mut map = foldhash::HashMap::with_capacity_and_hasher(n, Default::default());
        for (p, &m) in members.iter().enumerate() {
            if let Some(id) = summary(m).event_id.as_deref() {
                map.entry(id).or_insert(p as u32);
            }
        }
        map
    });
    let position_of = |id: &str| -> Option<u32> {
        match &by_id {
            Some(map) => map.get(id).copied(),
            None => members
                .iter()
                .position(|&m| summary(m).event_id.as_deref() == Some(id))
                .map(|p| p as u32),
        }
    };
    let mut cause = vec![NONE; n];
    for (p, &m) in members.iter().enumerate() {
        let s = summary(m);
        if let Some(id) = s.event_id.as_deref()
            && position_of(id) != Some(p as u32)
        {
            flags.duplicate_id = true;
        }
        let Some(causation) = s.causation_id.as_deref() else {
            continue;
        };
        match position_of(causation) {
            Some(q) if q as usize == p => flags.cycle = true,
            Some(q) => cause[p] = q,
            None => flags.missing_parent = true,
        }
    }
    flags.cycle |= break_cycles(&mut cause, scratch);
    let root = cause.iter().position(|&c| c == NONE).unwrap_or(0) as u32;
    let caused: Vec<bool> = cause.iter().map(|&c| c != NONE).collect();
    // The causes become the parents in place: an event without one hangs
    // under the root.
    let mut parents = cause;
    for (p, parent) in parents.iter_mut().enumerate() {
        if *parent == NONE && p as u32 != root {
            *parent = root;
        }
    }
    FlowLinks {
        named_by,
        members,
        parents,
        caused,
        root,
        flags,
        dlq,
    }
}

/// Cut every circle of causation links: in each, the link of its earliest
/// event goes (that event then hangs under the root). Whether any was cut.
fn break_cycles(cause: &mut [u32], scratch: &mut Scratch) -> bool {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let Scratch { mark, path } = scratch;
    mark.clear();
    mark.resize(cause.len(), NEW);
    path.clear();
    let mut cut = false;
    for start in 0..cause.len() {
        let mut p = start as u32;
        while p != NONE && mark[p as usize] == NEW {
            mark[p as usize] = ON_PATH;
            path.push(p);
            p = cause[p as usize];
        }
        if p != NONE && mark[p as usize] == ON_PATH {
            // The circle is the path from p to its end.
            let from = path.iter().position(|&q| q == p).unwrap_or(0);
            let earliest = path[from..].iter().copied().min().unwrap_or(p);
            cause[earliest as usize] = NONE;
            cut = true;
        }
        for q in path.drain(..) {
            mark[q as usize] = DONE;
        }
    }
    cut
}
