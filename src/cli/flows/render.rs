//! What `flows`, `flow` and `graph` write: tables, text trees, JSON, DOT
//! and Mermaid. Every string that comes from an event goes through the
//! masking policy and is escaped for the format it lands in.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::analyze::flows::{FlowSummary, FlowTree, Graph, NO_TYPE, TreeNode, gap_text};
use crate::sanitize::{escape_json_text, escape_masked};
use crate::secrets::mask_text;
use crate::tui::views::text::{fit, width};

/// A time as RFC 3339 to the second, `-` without one.
fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".into(),
        |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// Event text for a terminal line: secrets masked, controls escaped.
fn shown(text: &str) -> Cow<'_, str> {
    escape_masked(text)
}

/// A value as one JSON line, made safe for a terminal.
fn json_line(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    escape_json_text(&json).into_owned()
}

fn masked(text: &mut String) {
    if let Cow::Owned(m) = mask_text(text) {
        *text = m;
    }
}

fn masked_opt(text: &mut Option<String>) {
    if let Some(t) = text {
        masked(t);
    }
}

fn masked_flow(flow: &FlowSummary) -> FlowSummary {
    let mut flow = flow.clone();
    masked(&mut flow.correlation_id);
    flow.types.iter_mut().for_each(masked);
    flow.sources.iter_mut().for_each(masked);
    flow
}

/// One flow as a JSON line: correlation_id, state, flags, events (a
/// count), types (in flow order), sources, started_at, last_at.
pub(super) fn flow_json(flow: &FlowSummary) -> String {
    json_line(&masked_flow(flow))
}

/// The flows as an aligned table with a header.
pub(super) fn table(flows: &[FlowSummary]) -> Vec<String> {
    let rows: Vec<[String; 9]> = flows
        .iter()
        .map(|f| {
            [
                shown(&f.correlation_id).into_owned(),
                f.state.as_str().to_string(),
                f.flags.names().join(","),
                shown(f.types.first().map_or(NO_TYPE, String::as_str)).into_owned(),
                shown(f.types.last().map_or(NO_TYPE, String::as_str)).into_owned(),
                f.events.to_string(),
                shown(&f.sources.join(",")).into_owned(),
                time(f.started_at),
                f.duration()
                    .map_or_else(|| "-".into(), |d| gap_text(d.num_milliseconds())),
            ]
        })
        .collect();
    let header = [
        "CORRELATION",
        "STATE",
        "FLAGS",
        "FIRST",
        "LAST",
        "EVENTS",
        "SOURCES",
        "STARTED",
        "DURATION",
    ];
    let caps = [40, 8, 30, 28, 28, 6, 60, 20, 8];
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| width(&r[c]))
                .chain([width(header[c])])
                .max()
                .unwrap_or(0)
                .min(caps[c])
        })
        .collect();
    let line = |cells: [&str; 9]| {
        let mut out = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c == 5 {
                out.push_str(&format!("{cell:>w$}", w = widths[c]));
            } else {
                out.push_str(&fit(cell, widths[c]));
            }
            out.push_str("  ");
        }
        out.trim_end().to_string()
    };
    let mut lines = vec![line(header)];
    for r in &rows {
        lines.push(line(std::array::from_fn(|c| r[c].as_str())));
    }
    lines
}

/// The flags of one event: dlq, expired, malformed, and unlinked when its
/// causation id named no event of the flow (or a cycle was cut there).
fn node_flags(node: &TreeNode) -> Vec<&'static str> {
    [
        (node.dlq, "dlq"),
        (node.expired, "expired"),
        (node.malformed, "malformed"),
        (
            !node.caused && node.causation_id.is_some() && node.parent.is_some(),
            "unlinked",
        ),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect()
}

fn type_of(node: &TreeNode) -> &str {
    node.event_type.as_deref().unwrap_or(NO_TYPE)
}

/// The flow's header line.
fn tree_header(tree: &FlowTree) -> String {
    let flow = &tree.flow;
    let flags = flow.flags.names();
    format!(
        "flow {}: {}{}, {} events, {} sources, {} .. {}",
        shown(&flow.correlation_id),
        flow.state.as_str(),
        if flags.is_empty() {
            String::new()
        } else {
            format!(" ({})", flags.join(", "))
        },
        flow.events,
        flow.sources.len(),
        time(flow.started_at),
        time(flow.last_at),
    )
}

/// The flow as an indented tree: type, source, time, time since the
/// parent, ids and flags of each event.
pub(super) fn tree_text(tree: &FlowTree) -> Vec<String> {
    let mut lines = vec![tree_header(tree)];
    for (node, prefix) in tree.nodes.iter().zip(tree.prefixes()) {
        let since = node
            .since_parent_ms
            .map(|ms| format!("  +{}", gap_text(ms).trim_start_matches('+')))
            .unwrap_or_default();
        let flags = node_flags(node);
        lines.push(format!(
            "{prefix}{}  {}  {}{since}  id {}  message {}{}",
            shown(type_of(node)),
            shown(&node.source),
            time(node.time),
            shown(node.event_id.as_deref().unwrap_or("-")),
            shown(&node.message_id),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            },
        ));
    }
    lines
}

/// The flow as one JSON object: `flow` (as `flows --format json`) and
/// `nodes` (depth-first, each with `parent` as a node index).
pub(super) fn tree_json(tree: &FlowTree) -> String {
    let mut tree = tree.clone();
    tree.flow = masked_flow(&tree.flow);
    for node in &mut tree.nodes {
        masked_opt(&mut node.event_type);
        masked(&mut node.source);
        masked(&mut node.message_id);
        masked_opt(&mut node.event_id);
        masked_opt(&mut node.causation_id);
    }
    json_line(&tree)
}

/// A DOT string literal: masked, escaped, quotes and backslashes escaped.
fn dot_string(text: &str) -> String {
    let safe = shown(text);
    let mut out = String::with_capacity(safe.len() + 2);
    out.push('"');
    for c in safe.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// DOT lines joining label parts with a line break (`\n` in DOT).
fn dot_label(parts: &[&str]) -> String {
    let quoted: Vec<String> = parts.iter().map(|p| dot_string(p)).collect();
    // Each part is quoted on its own; join them inside one literal.
    let inner: Vec<&str> = quoted.iter().map(|q| &q[1..q.len() - 1]).collect();
    format!("\"{}\"", inner.join("\\n"))
}

/// The flow as a Graphviz digraph: one node per event, edges from parent
/// to child labelled with the time between; events hung under the root
/// for want of a parent get a dotted edge, DLQ events a dashed red border.
pub(super) fn tree_dot(tree: &FlowTree) -> Vec<String> {
    let mut lines = vec![
        format!(
            "digraph {} {{",
            dot_string(&format!("flow {}", tree.flow.correlation_id))
        ),
        "  rankdir=TB;".into(),
        "  node [shape=box, style=rounded, fontname=\"Helvetica\"];".into(),
    ];
    for (i, node) in tree.nodes.iter().enumerate() {
        let when = time(node.time);
        let flags = node_flags(node).join(", ");
        let mut parts = vec![type_of(node), node.source.as_str(), when.as_str()];
        if !flags.is_empty() {
            parts.push(&flags);
        }
        let style = if node.dlq {
            ", style=\"rounded,dashed\", color=red"
        } else {
            ""
        };
        lines.push(format!("  e{i} [label={}{style}];", dot_label(&parts)));
    }
    for (i, node) in tree.nodes.iter().enumerate() {
        let Some(parent) = node.parent else { continue };
        let label = node.since_parent_ms.map(gap_text).unwrap_or_default();
        let style = if node.caused { "" } else { ", style=dotted" };
        lines.push(format!(
            "  e{parent} -> e{i} [label={}{style}];",
            dot_string(&label)
        ));
    }
    lines.push("}".into());
    lines
}

/// A Mermaid label: masked, escaped, with the characters Mermaid reads
/// (quotes, angle brackets, `#`) written as its entity codes.
fn mermaid_text(text: &str) -> String {
    let safe = shown(text);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            c => out.push(c),
        }
    }
    out
}

/// The flow as a Mermaid flowchart (DLQ events in the `dlq` class).
pub(super) fn tree_mermaid(tree: &FlowTree) -> Vec<String> {
    let mut lines = vec!["flowchart TD".to_string()];
    for (i, node) in tree.nodes.iter().enumerate() {
        let flags = node_flags(node).join(", ");
        let mut label = format!(
            "{}<br/>{}",
            mermaid_text(type_of(node)),
            mermaid_text(&node.source)
        );
        if !flags.is_empty() {
            label.push_str(&format!("<br/>{flags}"));
        }
        let class = if node.dlq { ":::dlq" } else { "" };
        lines.push(format!("  e{i}[\"{label}\"]{class}"));
    }
    for (i, node) in tree.nodes.iter().enumerate() {
        let Some(parent) = node.parent else { continue };
        let arrow = if node.caused { "-->" } else { "-.->" };
        match node.since_parent_ms {
            Some(ms) => lines.push(format!("  e{parent} {arrow}|\"{}\"| e{i}", gap_text(ms))),
            None => lines.push(format!("  e{parent} {arrow} e{i}")),
        }
    }
    lines.push("  classDef dlq stroke:#c00,stroke-dasharray:4 2".into());
    lines
}

/// An edge's label: count, then p50 when known.
fn edge_label(count: usize, p50: Option<i64>) -> String {
    match p50 {
        Some(ms) => format!("{count}, p50 {}", gap_text(ms)),
        None => count.to_string(),
    }
}

/// The cascade graph as a Graphviz digraph: nodes are types with their
/// counts (terminal types drawn as double octagons), edges labelled
/// `count, p50`, edges into a DLQ dashed and red.
pub(super) fn graph_dot(graph: &Graph) -> Vec<String> {
    let mut lines = vec![
        "digraph cascade {".to_string(),
        "  rankdir=LR;".into(),
        "  node [shape=box, style=rounded, fontname=\"Helvetica\"];".into(),
    ];
    let index = |t: &str| graph.nodes.iter().position(|n| n.event_type == t);
    for (i, node) in graph.nodes.iter().enumerate() {
        let count = node.count.to_string();
        let shape = if node.terminal {
            ", shape=doubleoctagon, style=solid"
        } else {
            ""
        };
        lines.push(format!(
            "  t{i} [label={}{shape}];",
            dot_label(&[&node.event_type, &count])
        ));
    }
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (index(&edge.from), index(&edge.to)) else {
            continue;
        };
        let label = edge_label(edge.count, edge.p50_ms);
        let style = if edge.dlq {
            ", style=dashed, color=red, fontcolor=red"
        } else {
            ""
        };
        lines.push(format!(
            "  t{from} -> t{to} [label={}{style}];",
            dot_string(&label)
        ));
    }
    lines.push("}".into());
    lines
}

/// The cascade graph as a Mermaid flowchart: terminal types as stadiums,
/// DLQ edges dotted.
pub(super) fn graph_mermaid(graph: &Graph) -> Vec<String> {
    let mut lines = vec!["flowchart LR".to_string()];
    let index = |t: &str| graph.nodes.iter().position(|n| n.event_type == t);
    for (i, node) in graph.nodes.iter().enumerate() {
        let label = format!("{} ({})", mermaid_text(&node.event_type), node.count);
        if node.terminal {
            lines.push(format!("  t{i}([\"{label}\"])"));
        } else {
            lines.push(format!("  t{i}[\"{label}\"]"));
        }
    }
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (index(&edge.from), index(&edge.to)) else {
            continue;
        };
        let arrow = if edge.dlq { "-.->" } else { "-->" };
        let label = edge_label(edge.count, edge.p50_ms);
        let label = if edge.dlq {
            format!("{label}, DLQ")
        } else {
            label
        };
        lines.push(format!("  t{from} {arrow}|\"{label}\"| t{to}"));
    }
    lines
}

/// The cascade graph as one JSON object: `nodes` and `edges`.
pub(super) fn graph_json(graph: &Graph) -> String {
    let mut graph = graph.clone();
    for node in &mut graph.nodes {
        masked(&mut node.event_type);
    }
    for edge in &mut graph.edges {
        masked(&mut edge.from);
        masked(&mut edge.to);
    }
    json_line(&graph)
}
