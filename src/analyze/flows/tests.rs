use chrono::{DateTime, TimeZone, Utc};

use super::*;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + minute * 60, 0).unwrap()
}

/// An event of flow `flow` with id `id`, caused by `cause`, at `minute`.
fn ev(flow: &str, id: &str, cause: Option<&str>, kind: &str, minute: i64) -> EventSummary {
    EventSummary {
        message_id: format!("m-{id}").into(),
        event_id: Some(id.into()),
        correlation_id: Some(flow.into()),
        causation_id: cause.map(Into::into),
        event_type: Some(kind.into()),
        time: Some(at(minute)),
        ..Default::default()
    }
}

fn settings() -> Settings {
    Settings::at(at(60))
}

/// A payments analysis: p1 complete, p2 failed (AuthCreated in the DLQ),
/// p3 stuck after AuthCreated, p4 open (recent), p5 through
/// AuthPendingFraud to AuthSucceeded.
fn payments() -> Analysis {
    let mut a = Analysis::new();
    let queue = a.source("sqs://payments", false);
    let dlq = a.source("sqs://payments-dlq", true);
    for (source, e) in [
        (queue, ev("p1", "a1", None, "PaymentCreated", 0)),
        (queue, ev("p1", "a2", Some("a1"), "AuthCreated", 1)),
        (queue, ev("p1", "a3", Some("a2"), "AuthSucceeded", 3)),
        (queue, ev("p2", "b1", None, "PaymentCreated", 0)),
        (dlq, ev("p2", "b2", Some("b1"), "AuthCreated", 2)),
        (queue, ev("p3", "c1", None, "PaymentCreated", 10)),
        (queue, ev("p3", "c2", Some("c1"), "AuthCreated", 11)),
        (queue, ev("p4", "d1", None, "PaymentCreated", 58)),
        (queue, ev("p4", "d2", Some("d1"), "AuthCreated", 59)),
        (queue, ev("p5", "e1", None, "PaymentCreated", 0)),
        (queue, ev("p5", "e2", Some("e1"), "AuthCreated", 1)),
        (queue, ev("p5", "e3", Some("e2"), "AuthPendingFraud", 2)),
        (queue, ev("p5", "e4", Some("e3"), "AuthSucceeded", 40)),
    ] {
        a.push(source, e);
    }
    a
}

fn state(a: &Analysis, s: &Settings, flow: &str) -> FlowState {
    let flows = a.clone().link().flows(s);
    flows
        .iter()
        .find(|f| f.correlation_id == flow)
        .unwrap()
        .state
}

#[test]
fn every_state_is_found() {
    let a = payments();
    let s = settings();
    assert_eq!(state(&a, &s, "p1"), FlowState::Complete);
    assert_eq!(state(&a, &s, "p2"), FlowState::Failed);
    assert_eq!(state(&a, &s, "p3"), FlowState::Stuck);
    assert_eq!(state(&a, &s, "p4"), FlowState::Open);
    assert_eq!(state(&a, &s, "p5"), FlowState::Complete);
}

#[test]
fn stuck_after_moves_the_line_between_stuck_and_open() {
    let a = payments();
    let mut s = settings();
    s.stuck_after = std::time::Duration::from_secs(3600);
    assert_eq!(state(&a, &s, "p3"), FlowState::Open);
}

#[test]
fn terminal_types_are_inferred_unless_configured() {
    let a = payments();
    let mut s = settings();
    // Inferred: AuthSucceeded never causes anything; AuthCreated does.
    assert_eq!(state(&a, &s, "p3"), FlowState::Stuck);
    s.terminal = vec!["AuthCreated".into()];
    assert_eq!(state(&a, &s, "p3"), FlowState::Complete);
    assert_eq!(state(&a, &s, "p1"), FlowState::Stuck);
}

#[test]
fn a_flow_summary_lists_types_sources_and_times() {
    let a = payments();
    let flows = a.clone().link().flows(&settings());
    let p2 = flows.iter().find(|f| f.correlation_id == "p2").unwrap();
    assert_eq!(p2.events, 2);
    assert_eq!(p2.types, ["PaymentCreated", "AuthCreated"]);
    assert_eq!(p2.sources, ["sqs://payments", "sqs://payments-dlq"]);
    assert_eq!(p2.started_at, Some(at(0)));
    assert_eq!(p2.last_at, Some(at(2)));
    assert_eq!(p2.duration(), Some(chrono::TimeDelta::minutes(2)));
    assert_eq!(flows.len(), 5);
}

#[test]
fn flags_say_expired_and_malformed_whatever_the_state() {
    let mut a = payments();
    let q = a.source("sqs://payments", false);
    let mut late = ev("p1", "a4", Some("a1"), "Note", 2);
    late.expired = true;
    a.push(q, late);
    let mut bad = ev("p2", "b3", Some("b1"), "Broken", 1);
    bad.malformed = true;
    a.push(q, bad);
    let flows = a.clone().link().flows(&settings());
    let p1 = flows.iter().find(|f| f.correlation_id == "p1").unwrap();
    assert!(p1.flags.expired && !p1.flags.malformed);
    assert_eq!(p1.state, FlowState::Complete);
    let p2 = flows.iter().find(|f| f.correlation_id == "p2").unwrap();
    assert!(p2.flags.malformed && p2.state == FlowState::Failed);
    assert_eq!(p2.flags.names(), ["malformed"]);
}

#[test]
fn events_without_correlation_are_in_no_flow() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    let mut e = ev("x", "1", None, "T", 0);
    e.correlation_id = None;
    a.push(q, e);
    let linked = a.clone().link();
    assert!(linked.is_empty());
    assert_eq!(linked.flow_of(0), None);
    // It still counts as a node of the graph.
    assert_eq!(linked.graph(&settings()).nodes[0].count, 1);
}

fn tree_of(a: &Analysis, flow: &str) -> FlowTree {
    let linked = a.clone().link();
    linked
        .tree(linked.find(flow).unwrap(), &settings())
        .unwrap()
}

/// The tree as "depth:event_id" in node order.
fn shape(tree: &FlowTree) -> Vec<String> {
    tree.nodes
        .iter()
        .map(|n| format!("{}:{}", n.depth, n.event_id.as_deref().unwrap_or("-")))
        .collect()
}

#[test]
fn the_tree_follows_causation_with_times_since_the_parent() {
    let mut a = payments();
    let q = a.source("sqs://payments", false);
    // A second child of the payment, a minute after it.
    a.push(q, ev("p1", "a5", Some("a1"), "Notified", 1));
    let tree = tree_of(&a, "p1");
    assert_eq!(shape(&tree), ["0:a1", "1:a2", "2:a3", "1:a5"]);
    assert_eq!(tree.nodes[2].since_parent_ms, Some(120_000));
    assert_eq!(tree.nodes[2].parent, Some(1));
    assert!(tree.nodes[1].caused);
    assert_eq!(tree.nodes[0].since_parent_ms, None);
}

#[test]
fn events_arriving_out_of_order_are_ordered_by_time() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    // The child is read before its parent, and a grandchild first of all.
    a.push(q, ev("f", "3", Some("2"), "C", 5));
    a.push(q, ev("f", "2", Some("1"), "B", 3));
    a.push(q, ev("f", "1", None, "A", 1));
    let tree = tree_of(&a, "f");
    assert_eq!(shape(&tree), ["0:1", "1:2", "2:3"]);
    let flows = a.clone().link().flows(&settings());
    assert_eq!(flows[0].types, ["A", "B", "C"]);
}

#[test]
fn a_missing_parent_hangs_under_the_first_event() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    a.push(q, ev("f", "1", None, "A", 1));
    a.push(q, ev("f", "2", Some("gone"), "B", 2));
    a.push(q, ev("f", "3", Some("2"), "C", 3));
    let tree = tree_of(&a, "f");
    assert_eq!(shape(&tree), ["0:1", "1:2", "2:3"]);
    assert!(!tree.nodes[1].caused, "hung, not caused");
    assert!(tree.nodes[2].caused);
    assert!(tree.flow.flags.missing_parent);
    // Hanging is no causation: only B -> C is an edge.
    let graph = a.clone().link().graph(&settings());
    let edges: Vec<_> = graph
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert_eq!(edges, [("B", "C")]);
}

#[test]
fn a_root_whose_parent_is_elsewhere_is_still_the_root() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    a.push(q, ev("f", "2", Some("1"), "B", 2));
    a.push(q, ev("f", "3", Some("2"), "C", 3));
    let tree = tree_of(&a, "f");
    assert_eq!(shape(&tree), ["0:2", "1:3"]);
    assert!(tree.flow.flags.missing_parent);
}

#[test]
fn causation_cycles_are_cut_and_every_event_is_kept() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    // 1 <- 2 <- 3 <- 1: a circle; 4 causes itself.
    a.push(q, ev("f", "1", Some("3"), "A", 1));
    a.push(q, ev("f", "2", Some("1"), "B", 2));
    a.push(q, ev("f", "3", Some("2"), "C", 3));
    a.push(q, ev("f", "4", Some("4"), "D", 4));
    let tree = tree_of(&a, "f");
    // The earliest event of the circle lost its link and became the root.
    assert_eq!(shape(&tree), ["0:1", "1:2", "2:3", "1:4"]);
    assert!(tree.flow.flags.cycle);
    assert!(!tree.nodes[3].caused);
}

#[test]
fn a_cycle_away_from_the_root_hangs_under_it() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    a.push(q, ev("f", "r", None, "R", 0));
    a.push(q, ev("f", "x", Some("y"), "X", 1));
    a.push(q, ev("f", "y", Some("x"), "Y", 2));
    let tree = tree_of(&a, "f");
    assert_eq!(shape(&tree), ["0:r", "1:x", "2:y"]);
    assert!(tree.flow.flags.cycle);
}

#[test]
fn duplicate_event_ids_link_to_the_first_copy() {
    let mut a = Analysis::new();
    let q = a.source("sqs://q", false);
    let dlq = a.source("sqs://q-dlq", true);
    a.push(q, ev("f", "1", None, "A", 0));
    a.push(q, ev("f", "2", Some("1"), "B", 1));
    // The same event again, later, in the DLQ (redelivered copy).
    let mut copy = ev("f", "2", Some("1"), "B", 5);
    copy.message_id = "m-copy".into();
    a.push(dlq, copy);
    a.push(q, ev("f", "3", Some("2"), "C", 2));
    let tree = tree_of(&a, "f");
    assert_eq!(shape(&tree), ["0:1", "1:2", "2:3", "1:2"]);
    assert_eq!(tree.nodes[3].message_id, "m-copy");
    assert!(tree.nodes[3].dlq);
    assert!(tree.flow.flags.duplicate_id);
    assert_eq!(tree.flow.state, FlowState::Failed);
}

#[test]
fn large_flows_link_through_the_id_map() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    // A chain of 40 events, added newest first.
    for i in (0..40).rev() {
        let cause = (i > 0).then(|| (i - 1).to_string());
        a.push(q, ev("f", &i.to_string(), cause.as_deref(), "Step", i));
    }
    let tree = tree_of(&a, "f");
    assert_eq!(tree.nodes.len(), 40);
    assert!(tree.nodes.iter().enumerate().all(|(d, n)| n.depth == d));
    assert_eq!(tree.flow.flags, FlowFlags::default());
}

#[test]
fn events_without_time_come_last() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    let mut untimed = ev("f", "0", None, "Untimed", 0);
    untimed.time = None;
    a.push(q, untimed);
    a.push(q, ev("f", "1", None, "Timed", 3));
    let flows = a.clone().link().flows(&settings());
    assert_eq!(flows[0].types, ["Timed", "Untimed"]);
    assert_eq!(flows[0].started_at, Some(at(3)));
    assert_eq!(flows[0].last_at, Some(at(3)));
}

#[test]
fn the_graph_counts_types_and_causation_with_dlq_edges_apart() {
    let a = payments();
    let graph = a.clone().link().graph(&settings());
    let node = |t: &str| graph.nodes.iter().find(|n| n.event_type == t).unwrap();
    assert_eq!(node("PaymentCreated").count, 5);
    assert_eq!(node("AuthCreated").count, 5);
    assert!(node("AuthSucceeded").terminal);
    assert!(!node("AuthCreated").terminal);
    let edge = |from: &str, to: &str, dlq: bool| {
        graph
            .edges
            .iter()
            .find(|e| e.from == from && e.to == to && e.dlq == dlq)
            .cloned()
    };
    let created = edge("PaymentCreated", "AuthCreated", false).unwrap();
    // p1, p3, p4, p5: one minute each.
    assert_eq!(created.count, 4);
    assert_eq!(
        (created.p50_ms, created.p95_ms),
        (Some(60_000), Some(60_000))
    );
    let to_dlq = edge("PaymentCreated", "AuthCreated", true).unwrap();
    assert_eq!((to_dlq.count, to_dlq.p50_ms), (1, Some(120_000)));
    let succeeded = edge("AuthCreated", "AuthSucceeded", false).unwrap();
    assert_eq!(succeeded.count, 1);
    let fraud = edge("AuthPendingFraud", "AuthSucceeded", false).unwrap();
    assert_eq!(fraud.p50_ms, Some(38 * 60_000));
    assert_eq!(graph.edges.len(), 5);
}

#[test]
fn percentiles_are_nearest_rank() {
    use super::graph::percentile;
    let mut v: Vec<i64> = (1..=100).rev().collect();
    assert_eq!(percentile(&mut v, 50), Some(50));
    assert_eq!(percentile(&mut v, 95), Some(95));
    assert_eq!(percentile(&mut [7], 95), Some(7));
    assert_eq!(percentile(&mut [], 50), None);
    let mut two = [10, 20];
    assert_eq!(percentile(&mut two, 50), Some(10));
    assert_eq!(percentile(&mut two, 95), Some(20));
}

#[test]
fn tree_prefixes_draw_rails_for_siblings_still_to_come() {
    let mut a = Analysis::new();
    let q = a.source("file:x", false);
    a.push(q, ev("f", "1", None, "A", 0));
    a.push(q, ev("f", "2", Some("1"), "B", 1));
    a.push(q, ev("f", "3", Some("2"), "C", 2));
    a.push(q, ev("f", "4", Some("1"), "D", 3));
    a.push(q, ev("f", "5", Some("4"), "E", 4));
    let tree = tree_of(&a, "f");
    assert_eq!(shape(&tree), ["0:1", "1:2", "2:3", "1:4", "2:5"]);
    assert_eq!(tree.prefixes(), ["", "├─ ", "│  └─ ", "└─ ", "   └─ "]);
}

#[test]
fn gaps_read_as_people_write_them() {
    assert_eq!(gap_text(250), "250ms");
    assert_eq!(gap_text(4_200), "4.2s");
    assert_eq!(gap_text(185_000), "3m05s");
    assert_eq!(gap_text(7_380_000), "2h03m");
    assert_eq!(gap_text(273_600_000), "3d04h");
    assert_eq!(gap_text(-2_000), "-2.0s");
}
