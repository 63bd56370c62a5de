//! `evscope flows`, `flow` and `graph` on captures, and on one flow spread
//! over an SQS queue, its dead-letter queue (moto) and a Pulsar topic
//! (pulsar-lite), read together.

// Only the broker and its relay are used here, not every helper.
#[allow(dead_code)]
#[path = "support/pulsar_broker.rs"]
mod pulsar_broker;
#[allow(dead_code)]
#[path = "support/relay.rs"]
mod relay;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn evscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_evscope"))
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        .stdin(Stdio::null())
        .output()
        .expect("evscope runs")
}

fn out(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn err(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A plain JSON event: CloudEvents-style ids, correlation and causation.
fn event(flow: &str, id: &str, cause: Option<&str>, kind: &str, time: &str) -> Value {
    let mut e = json!({
        "specversion": "1.0",
        "source": "/payments",
        "id": id,
        "type": kind,
        "time": time,
        "correlationid": flow,
        "data": {"n": 1},
    });
    if let Some(c) = cause {
        e["causationid"] = json!(c);
    }
    e
}

fn write_events(dir: &Path, name: &str, events: &[Value]) -> PathBuf {
    let path = dir.join(name);
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

/// payments.jsonl and payments.dlq.jsonl: p1 complete, p2 failed (its
/// AuthCreated in the DLQ), p3 stuck after AuthCreated, p5 through
/// AuthPendingFraud to AuthSucceeded.
fn payments(dir: &Path) -> (String, String) {
    let queue = write_events(
        dir,
        "payments.jsonl",
        &[
            event("p1", "a1", None, "PaymentCreated", "2026-01-01T10:00:00Z"),
            event(
                "p1",
                "a2",
                Some("a1"),
                "AuthCreated",
                "2026-01-01T10:00:01Z",
            ),
            event(
                "p1",
                "a3",
                Some("a2"),
                "AuthSucceeded",
                "2026-01-01T10:00:03Z",
            ),
            event("p2", "b1", None, "PaymentCreated", "2026-01-01T10:01:00Z"),
            event("p3", "c1", None, "PaymentCreated", "2026-01-01T10:02:00Z"),
            event(
                "p3",
                "c2",
                Some("c1"),
                "AuthCreated",
                "2026-01-01T10:02:01Z",
            ),
            event("p5", "e1", None, "PaymentCreated", "2026-01-01T10:03:00Z"),
            event(
                "p5",
                "e2",
                Some("e1"),
                "AuthCreated",
                "2026-01-01T10:03:01Z",
            ),
            event(
                "p5",
                "e3",
                Some("e2"),
                "AuthPendingFraud",
                "2026-01-01T10:03:02Z",
            ),
            event(
                "p5",
                "e4",
                Some("e3"),
                "AuthSucceeded",
                "2026-01-01T12:03:02Z",
            ),
        ],
    );
    let dlq = write_events(
        dir,
        "payments.dlq.jsonl",
        &[event(
            "p2",
            "b2",
            Some("b1"),
            "AuthCreated",
            "2026-01-01T10:01:02Z",
        )],
    );
    (
        queue.to_str().unwrap().to_string(),
        dlq.to_str().unwrap().to_string(),
    )
}

fn json_lines(output: &Output) -> Vec<Value> {
    out(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn flows_lists_every_state_across_a_queue_and_its_dlq() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, dlq) = payments(dir.path());
    let output = evscope(&["flows", &queue, &dlq, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", err(&output));
    let flows = json_lines(&output);
    let state = |id: &str| {
        let f = flows.iter().find(|f| f["correlation_id"] == id).unwrap();
        f["state"].as_str().unwrap().to_string()
    };
    assert_eq!(state("p1"), "complete");
    assert_eq!(state("p2"), "failed");
    assert_eq!(state("p3"), "stuck");
    assert_eq!(state("p5"), "complete");
    let p2 = flows.iter().find(|f| f["correlation_id"] == "p2").unwrap();
    assert_eq!(p2["events"], 2);
    assert_eq!(p2["types"], json!(["PaymentCreated", "AuthCreated"]));
    assert_eq!(p2["sources"].as_array().unwrap().len(), 2);
    assert_eq!(p2["started_at"], "2026-01-01T10:01:00Z");
    assert_eq!(p2["last_at"], "2026-01-01T10:01:02Z");

    // --check: exit 1 while a flow is failed or stuck; --state narrows.
    let check = evscope(&["flows", &queue, &dlq, "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", err(&check));
    let table = out(&check);
    assert!(table.starts_with("CORRELATION"), "{table}");
    assert_eq!(table.lines().count(), 5, "{table}");
    let complete = evscope(&["flows", &queue, &dlq, "--check", "--state", "complete"]);
    assert_eq!(complete.status.code(), Some(0), "{}", err(&complete));
    assert_eq!(out(&complete).lines().count(), 3);
    // A long --stuck-after makes the stuck flow open.
    let patient = evscope(&[
        "flows",
        &queue,
        &dlq,
        "--format",
        "json",
        "--stuck-after",
        "100000d",
        "--state",
        "open",
    ]);
    let open = json_lines(&patient);
    assert_eq!(open.len(), 1, "{}", out(&patient));
    assert_eq!(open[0]["correlation_id"], "p3");
}

#[test]
fn flows_filter_and_config_terminal_types() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, dlq) = payments(dir.path());
    // Only AuthCreated events kept: each flow is its AuthCreated alone.
    let output = evscope(&[
        "flows",
        &queue,
        &dlq,
        "--format",
        "json",
        "-f",
        "@.meta.type == 'AuthCreated'",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", err(&output));
    let flows = json_lines(&output);
    assert_eq!(flows.len(), 4);
    assert!(flows.iter().all(|f| f["events"] == 1));
    // Configured terminal types replace the inferred ones.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[flows]\nterminal = [\"AuthCreated\"]\n").unwrap();
    let output = evscope(&[
        "--config",
        config.to_str().unwrap(),
        "flows",
        &queue,
        "--format",
        "json",
        "--state",
        "complete",
    ]);
    let ids: Vec<_> = json_lines(&output)
        .iter()
        .map(|f| f["correlation_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["p3"], "{}", err(&output));
    std::fs::write(&config, "[flows]\nstuck_after = \"soon\"\n").unwrap();
    let bad = evscope(&["--config", config.to_str().unwrap(), "flows", &queue]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        err(&bad).starts_with("evscope: config flows.stuck_after: bad duration `soon`"),
        "{}",
        err(&bad)
    );
}

#[test]
fn flow_draws_one_tree_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, dlq) = payments(dir.path());
    let text = evscope(&["flow", &queue, &dlq, "--correlation", "p5"]);
    assert_eq!(text.status.code(), Some(0), "{}", err(&text));
    let lines: Vec<String> = out(&text).lines().map(str::to_string).collect();
    assert!(
        lines[0].starts_with("flow p5: complete, 4 events, 1 sources"),
        "{lines:#?}"
    );
    assert!(lines[1].starts_with("PaymentCreated  file:"), "{lines:#?}");
    assert!(lines[2].starts_with("└─ AuthCreated"), "{lines:#?}");
    assert!(lines[4].starts_with("      └─ AuthSucceeded"), "{lines:#?}");
    assert!(lines[4].contains("+2h00m"), "{lines:#?}");

    let failed = evscope(&[
        "flow",
        &queue,
        &dlq,
        "--correlation",
        "p2",
        "--format",
        "json",
    ]);
    let tree: Value = serde_json::from_str(&out(&failed)).unwrap();
    assert_eq!(tree["flow"]["state"], "failed");
    assert_eq!(tree["nodes"][1]["dlq"], true);
    assert_eq!(tree["nodes"][1]["parent"], 0);
    assert_eq!(tree["nodes"][1]["since_parent_ms"], 2000);

    let mermaid = evscope(&[
        "flow",
        &queue,
        &dlq,
        "--correlation",
        "p2",
        "--format",
        "mermaid",
    ]);
    let mermaid = out(&mermaid);
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
    assert!(mermaid.contains("e0 -->|\"2.0s\"| e1"), "{mermaid}");
    assert!(mermaid.contains(":::dlq"), "{mermaid}");

    let dot = evscope(&[
        "flow",
        &queue,
        &dlq,
        "--correlation",
        "p2",
        "--format",
        "dot",
    ]);
    assert_renders(&out(&dot));

    let missing = evscope(&["flow", &queue, "--correlation", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(err(&missing).lines().count(), 1, "{}", err(&missing));
    assert!(err(&missing).contains("no event with correlation id `nope`"));
}

/// Render DOT with graphviz (`dot -Tsvg`); graphviz is installed by
/// tools/test.sh. Returns the SVG.
fn assert_renders(dot: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("graphviz `dot` is installed (tools/test.sh installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "dot refused:\n{}\n{dot}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn graph_counts_causation_and_renders_with_graphviz() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, dlq) = payments(dir.path());
    let json_out = evscope(&["graph", &queue, &dlq, "--format", "json"]);
    assert_eq!(json_out.status.code(), Some(0), "{}", err(&json_out));
    let graph: Value = serde_json::from_str(&out(&json_out)).unwrap();
    let edge = |from: &str, to: &str, dlq: bool| {
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["from"] == from && e["to"] == to && e["dlq"] == dlq)
            .cloned()
    };
    let created = edge("PaymentCreated", "AuthCreated", false).unwrap();
    assert_eq!(created["count"], 3);
    assert_eq!(created["p50_ms"], 1000);
    let into_dlq = edge("PaymentCreated", "AuthCreated", true).unwrap();
    assert_eq!(
        (into_dlq["count"].clone(), into_dlq["p50_ms"].clone()),
        (json!(1), json!(2000))
    );
    let nodes = graph["nodes"].as_array().unwrap();
    let node = |t: &str| nodes.iter().find(|n| n["type"] == t).unwrap();
    assert_eq!(node("PaymentCreated")["count"], 4);
    assert_eq!(node("AuthSucceeded")["terminal"], true);

    let dot = out(&evscope(&["graph", &queue, &dlq]));
    assert!(dot.contains("style=dashed"), "{dot}");
    assert!(dot.contains("shape=doubleoctagon"), "{dot}");
    let svg = assert_renders(&dot);
    assert!(svg.contains("3, p50 1.0s"), "{svg}");
    assert!(svg.contains("AuthPendingFraud"), "{svg}");

    let mermaid = out(&evscope(&["graph", &queue, &dlq, "--format", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("-.->|\"1, p50 2.0s, DLQ\"|"), "{mermaid}");
}

#[test]
fn hostile_event_text_is_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let nasty = "Evil\u{1b}[31m\"Type\\\n<b>#";
    let file = write_events(
        dir.path(),
        "nasty.jsonl",
        &[
            event("f\u{202e}1", "x1", None, nasty, "2026-01-01T10:00:00Z"),
            event(
                "f\u{202e}1",
                "x2",
                Some("x1"),
                "Next",
                "2026-01-01T10:00:01Z",
            ),
        ],
    );
    let file = file.to_str().unwrap();
    for args in [
        vec!["flows", file],
        vec!["flows", file, "--format", "json"],
        vec!["flow", file, "--correlation", "f\u{202e}1"],
        vec![
            "flow",
            file,
            "--correlation",
            "f\u{202e}1",
            "--format",
            "json",
        ],
        vec![
            "flow",
            file,
            "--correlation",
            "f\u{202e}1",
            "--format",
            "mermaid",
        ],
        vec![
            "flow",
            file,
            "--correlation",
            "f\u{202e}1",
            "--format",
            "dot",
        ],
        vec!["graph", file],
        vec!["graph", file, "--format", "mermaid"],
        vec!["graph", file, "--format", "json"],
    ] {
        let output = evscope(&args);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", err(&output));
        let text = out(&output);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{args:?}: {text:?}"
        );
    }
    let dot = out(&evscope(&["graph", file]));
    let svg = assert_renders(&dot);
    assert!(svg.contains("Evil"), "{svg}");
    let flow_dot = out(&evscope(&[
        "flow",
        file,
        "--correlation",
        "f\u{202e}1",
        "--format",
        "dot",
    ]));
    assert_renders(&flow_dot);
}

#[test]
fn secrets_in_ids_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl";
    let file = write_events(
        dir.path(),
        "secret.jsonl",
        &[event(
            &format!("Bearer {jwt}"),
            "s1",
            None,
            "T",
            "2026-01-01T10:00:00Z",
        )],
    );
    for format in ["table", "json"] {
        let output = evscope(&["flows", file.to_str().unwrap(), "--format", format]);
        assert!(!out(&output).contains(jwt), "{format}: {}", out(&output));
    }
}

/// One payment spread over three brokers' sources: PaymentCreated on an
/// SQS queue, its AuthCreated in the queue's dead-letter queue, and the
/// receipt notification on a Pulsar topic, read together in one command.
#[test]
fn one_flow_across_an_sqs_queue_its_dlq_and_a_pulsar_topic() {
    let thread = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(64 << 20)
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(across_brokers())
        })
        .expect("test thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

async fn across_brokers() {
    use support::{Msg, client, dlq_pair, moto, put, unique};
    let moto = moto();
    let sqs = client(&moto.endpoint()).await;
    let (queue, queue_url, dlq, dlq_url) = dlq_pair(&sqs, "flowpay", false).await;
    let broker = pulsar_broker::Broker::start(0, false);
    let topic = unique("notifications");

    let flow = unique("pay");
    let at = |s: &str| format!("2026-01-01T10:00:{s}Z");
    put(
        &sqs,
        &queue_url,
        &[Msg::body(
            event(&flow, "e1", None, "PaymentCreated", &at("00")).to_string(),
        )],
    )
    .await;
    put(
        &sqs,
        &dlq_url,
        &[Msg::body(
            event(&flow, "e2", Some("e1"), "AuthCreated", &at("02")).to_string(),
        )],
    )
    .await;
    let pulsar = pulsar::Pulsar::builder(broker.url(), pulsar::TokioExecutor)
        .build()
        .await
        .expect("connect to the test broker");
    let mut producer = pulsar
        .producer()
        .with_topic(format!("persistent://public/default/{topic}"))
        .build()
        .await
        .expect("producer");
    let receipt = event(&flow, "e3", Some("e1"), "ReceiptSent", &at("05"));
    producer
        .send_non_blocking(pulsar::producer::Message {
            payload: receipt.to_string().into_bytes(),
            ..Default::default()
        })
        .await
        .expect("queue")
        .await
        .expect("receipt");
    producer.close().await.expect("close producer");

    let sources = [
        format!("sqs://{queue}"),
        format!("sqs://{dlq}"),
        broker.uri(&topic),
    ];
    let mut args: Vec<&str> = vec!["flow"];
    args.extend(sources.iter().map(String::as_str));
    args.extend(["--correlation", &flow, "--format", "json"]);
    let output = support::evscope(&moto.endpoint(), &args).await;
    assert_eq!(output.status.code(), Some(0), "{}", err(&output));
    let tree: Value = serde_json::from_str(&out(&output)).expect("one JSON object");
    assert_eq!(tree["flow"]["state"], "failed", "{tree:#}");
    assert_eq!(tree["flow"]["events"], 3);
    let touched: Vec<&str> = tree["flow"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        touched,
        sources.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let nodes = tree["nodes"].as_array().unwrap();
    let kinds: Vec<(&str, u64, bool)> = nodes
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap(),
                n["depth"].as_u64().unwrap(),
                n["dlq"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("PaymentCreated", 0, false),
            ("AuthCreated", 1, true),
            ("ReceiptSent", 1, false)
        ]
    );
    assert!(nodes[1]["caused"].as_bool().unwrap() && nodes[2]["caused"].as_bool().unwrap());
    assert_eq!(nodes[2]["since_parent_ms"], 5000);

    // The same three sources in `flows`, with --check failing on it.
    let mut args: Vec<&str> = vec!["flows"];
    args.extend(sources.iter().map(String::as_str));
    args.extend(["--format", "json", "--check"]);
    let output = support::evscope(&moto.endpoint(), &args).await;
    assert_eq!(output.status.code(), Some(1), "{}", err(&output));
    let flows = json_lines(&output);
    assert_eq!(flows.len(), 1);
    assert_eq!(
        flows[0]["types"],
        json!(["PaymentCreated", "AuthCreated", "ReceiptSent"])
    );
}
