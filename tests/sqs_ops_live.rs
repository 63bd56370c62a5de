//! Operations on SQS where LocalStack behaves like AWS and moto does not:
//! a dead-letter queue fed by several queues redriven per message (by
//! evscope, and by SQS's own StartMessageMoveTask), bodies SQS refuses,
//! and the journal of each operation with the caller identity.

#[path = "support/localstack.rs"]
mod localstack;
mod support;

use aws_sdk_sqs::Client;
use localstack::localstack;
use serde_json::Value;
use support::*;

/// A DLQ serving two queues (maxReceiveCount 1), with two messages
/// dead-lettered from the first and one from the second by receiving
/// them past the count: (first URL, second URL, DLQ name, DLQ URL).
async fn two_origins(c: &Client, base: &str) -> (String, String, String, String) {
    let (dlq_name, dlq, _, policy) = dlq_with_policy(c, base).await;
    let mut origins = Vec::new();
    let mut dead = 0;
    for (name, n) in [("a", 2), ("b", 1)] {
        let msgs: Vec<Msg> = (0..n)
            .map(|i| Msg::body(format!("{{\"from\":\"{name}\",\"n\":{i}}}")))
            .collect();
        dead += n;
        let base = format!("{base}-{name}");
        origins.push(dead_letter(c, &base, &policy, &msgs, &dlq, dead).await);
    }
    let b = origins.pop().unwrap();
    let a = origins.pop().unwrap();
    (a, b, dlq_name, dlq)
}

fn name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

fn journal_of(dir: &tempfile::TempDir) -> Vec<Value> {
    std::fs::read_to_string(dir.path().join("evscope/journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn run(endpoint: &str, state: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    evscope_command(endpoint, args)
        .env("XDG_STATE_HOME", state.path())
        .output()
        .await
        .expect("evscope runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dlq_of_two_queues_is_redriven_per_message_and_journaled() {
    let ls = localstack();
    let endpoint = ls.endpoint();
    let c = client(&endpoint).await;
    let (a, b, dlq_name, dlq) = two_origins(&c, "routes").await;
    let state = tempfile::tempdir().unwrap();
    let dlq_uri = format!("sqs://{dlq_name}");

    let out = run(&endpoint, &state, &["redrive", &dlq_uri, "--dry-run"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let plan = stdout(&out);
    assert!(plan.contains("would move 3 events"), "{plan}");
    assert!(
        plan.contains(&format!("to sqs://{}: 2 events", name(&a))),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("to sqs://{}: 1 events", name(&b))),
        "{plan}"
    );
    assert!(journal_of(&state).is_empty(), "a dry run is not journaled");

    let out = run(
        &endpoint,
        &state,
        &["redrive", &dlq_uri, "--yes", "--client-side"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("3 moved, 0 failed"),
        "{}",
        stdout(&out)
    );
    let bodies = |got: Vec<Got>| -> Vec<String> { got.into_iter().map(|g| g.body).collect() };
    let in_a = bodies(take_all(&c, &a).await);
    let in_b = bodies(take_all(&c, &b).await);
    assert_eq!(in_a.len(), 2, "{in_a:?}");
    assert!(
        in_a.iter().all(|b| b.contains("\"from\":\"a\"")),
        "{in_a:?}"
    );
    assert_eq!(in_b.len(), 1, "{in_b:?}");
    assert!(in_b[0].contains("\"from\":\"b\""), "{in_b:?}");
    assert_eq!(depth(&c, &dlq).await, (0, 0));

    let lines = journal_of(&state);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let intent = &lines[0]["intent"];
    assert_eq!(intent["operation"], "redrive");
    assert_eq!(intent["source"], dlq_uri.as_str());
    assert_eq!(intent["target"], "sqs://?route=DeadLetterQueueSourceArn");
    // LocalStack with SQS only has no STS: the journal keeps why the
    // identity is unknown (moto answers it: below).
    let aws = &intent["aws"];
    assert!(
        aws["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("STS GetCallerIdentity failed: ")),
        "{aws}"
    );
    let outcome = &lines[1]["outcome"];
    assert_eq!(outcome["done"], 3);
    assert_eq!(outcome["new_ids"].as_array().unwrap().len(), 3);
    assert_eq!(outcome["removed"].as_array().unwrap().len(), 3);
    let out = run(&endpoint, &state, &["journal", "--source", &dlq_uri]).await;
    let table = stdout(&out);
    assert!(
        table.contains("redrive") && table.contains("3 done, 0 failed"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_moves_each_message_to_its_own_origin_itself() {
    let ls = localstack();
    let endpoint = ls.endpoint();
    let c = client(&endpoint).await;
    let (a, b, dlq_name, dlq) = two_origins(&c, "native").await;
    let state = tempfile::tempdir().unwrap();
    let dlq_uri = format!("sqs://{dlq_name}");
    let out = run(&endpoint, &state, &["redrive", &dlq_uri, "--yes"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("moved by SQS itself (StartMessageMoveTask)"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("3 moved"), "{}", stdout(&out));
    assert_eq!(take_all(&c, &a).await.len(), 2);
    assert_eq!(take_all(&c, &b).await.len(), 1);
    assert_eq!(depth(&c, &dlq).await, (0, 0));
    let lines = journal_of(&state);
    assert_eq!(
        lines[0]["intent"]["plan"]["how"],
        "sqs-move-task, else client-side"
    );
    assert_eq!(lines[1]["outcome"]["done"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sqs_refuses_fails_alone_with_the_reason_and_the_rest_is_sent() {
    let ls = localstack();
    let endpoint = ls.endpoint();
    let c = client(&endpoint).await;
    let name = unique("refuses");
    let url = create_queue(&c, &name, &[]).await;
    let state = tempfile::tempdir().unwrap();
    let capture = state.path().join("in.jsonl");
    // The middle body carries a raw U+0001, which SQS refuses (a raw tab passes).
    std::fs::write(
        &capture,
        "{\"n\":1,\"t\":\"a\tb\"}\n{\"n\":2,\"t\":\"bell\u{1}\"}\n{\"n\":3}\n",
    )
    .unwrap();
    let out = run(
        &endpoint,
        &state,
        &[
            "replay",
            capture.to_str().unwrap(),
            &format!("sqs://{name}"),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("2 moved, 1 failed"), "{report}");
    assert!(report.contains("failed line-2"), "{report}");
    assert!(
        report.contains("InvalidMessageContents") || report.contains("invalid"),
        "{report}"
    );
    let got: Vec<String> = take_all(&c, &url)
        .await
        .into_iter()
        .map(|g| g.body)
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    let lines = journal_of(&state);
    let outcome = &lines[1]["outcome"];
    assert_eq!(outcome["done"], 2);
    assert_eq!(outcome["failed"], 1);
    assert_eq!(outcome["failures"][0]["id"], "line-2");
    assert!(outcome["failures"][0]["reason"].as_str().unwrap().len() > 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_records_the_aws_caller_identity() {
    let endpoint = moto().endpoint();
    let c = client(&endpoint).await;
    let name = unique("identity");
    create_queue(&c, &name, &[]).await;
    let state = tempfile::tempdir().unwrap();
    let capture = state.path().join("in.jsonl");
    std::fs::write(&capture, "{\"n\":1}\n").unwrap();
    let out = run(
        &endpoint,
        &state,
        &[
            "replay",
            capture.to_str().unwrap(),
            &format!("sqs://{name}"),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = journal_of(&state);
    let aws = &lines[0]["intent"]["aws"];
    assert_eq!(aws["account"], "123456789012", "{aws}");
    assert!(
        aws["arn"]
            .as_str()
            .is_some_and(|a| a.starts_with("arn:aws:")),
        "{aws}"
    );
    assert_eq!(lines[1]["outcome"]["new_ids"][0][0], "line-1");
}

/// `redrive --rate 1/s` has SQS's move task keep the rate
/// (MaxNumberOfMessagesPerSecond); Ctrl-C cancels the task
/// (CancelMessageMoveTask) and the report counts what it had moved, which
/// is what left the DLQ. A second redrive moves the rest. Every wait has a
/// deadline: a hung evscope fails the test instead of hanging it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_move_task_is_cancelled_by_ctrl_c_and_reports_what_it_moved() {
    use std::time::Duration;
    let ls = localstack();
    let endpoint = ls.endpoint();
    let c = client(&endpoint).await;
    let total = 24;
    let (origin, dlq_name, dlq, dlq_arn) = dead_lettered(&c, "paced", total).await;
    let state = tempfile::tempdir().unwrap();
    let dlq_uri = format!("sqs://{dlq_name}");
    let child = evscope_command(&endpoint, &["redrive", &dlq_uri, "--yes", "--rate", "1/s"])
        .env("XDG_STATE_HOME", state.path())
        .kill_on_drop(true)
        .spawn()
        .expect("evscope runs");
    let pid = child.id().expect("running").to_string();
    // The task runs at 1 a second: wait until it has moved two.
    let running = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(task) = move_task(&c, &dlq_arn).await
                && task.status() == Some("RUNNING")
                && task.approximate_number_of_messages_moved() >= 2
            {
                return task.max_number_of_messages_per_second();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the move task runs within 30 s");
    assert_eq!(running, Some(1), "the rate reached SQS");
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("evscope ends within 60 s of Ctrl-C")
        .unwrap();
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}\n{}", stderr(&out));
    assert!(report.contains("(cancelled)"), "{report}");
    assert!(
        stderr(&out).contains("cancelled SQS's move (CancelMessageMoveTask)"),
        "{}",
        stderr(&out)
    );
    let moved: usize = report
        .split(" moved,")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count: {report}"));
    assert!((2..total).contains(&moved), "{report}");
    // What the report says moved is what left the DLQ.
    assert_eq!(depth(&c, &dlq).await.0 as usize, total - moved, "{report}");
    assert_eq!(take_all(&c, &origin).await.len(), moved, "{report}");
    let lines = journal_of(&state);
    assert_eq!(lines[1]["outcome"]["done"], moved, "{lines:?}");
    // The rest goes with a second redrive (the cancelled task blocks nothing).
    let second = tokio::time::timeout(
        Duration::from_secs(120),
        run(&endpoint, &state, &["redrive", &dlq_uri, "--yes"]),
    )
    .await
    .expect("the second redrive ends within 120 s");
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(depth(&c, &dlq).await, (0, 0));
    assert_eq!(take_all(&c, &origin).await.len(), total - moved);
}
