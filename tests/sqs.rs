//! The SQS backend against a real SQS-compatible server (moto), the way a
//! user runs evscope, plus the library API where the CLI cannot reach
//! (a browse dropped half-way, following).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use evscope::backend::{self, Backend, OpenOptions, Record, SqsOptions};
use serde_json::Value;
use support::*;

fn lines(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every peek line is JSON"))
        .collect()
}

/// A binary-looking body: control-free but not JSON, with odd characters.
const BINARY_LOOKING: &str = "\u{1}\u{2}PNG\u{fffd}\u{7f}Zm9vYmFy==\t\u{e9}\u{1F600}";

/// Messages with attributes of every type and bodies of every kind.
fn assorted() -> Vec<Msg> {
    vec![
        Msg::body(r#"{"eventName":"SEND_EMAIL","n":1}"#)
            .attr("text", "String", "hello")
            .attr("count", "Number", "42")
            .attr("blob", "Binary", vec![0u8, 159, 146, 150, 255])
            .attr("custom", "String.json", r#"{"a":1}"#)
            .attr("ratio", "Number.float", "0.25"),
        Msg::body("plain text, not JSON at all"),
        Msg::body(BINARY_LOOKING).attr("b", "Binary.gzip", vec![31u8, 139, 8, 0]),
        Msg::body(format!("{{\"big\":\"{}\"}}", "x".repeat(210 * 1024))),
    ]
}

fn options(endpoint: &str) -> OpenOptions {
    OpenOptions {
        sqs: SqsOptions {
            endpoint_url: Some(endpoint.to_string()),
            ..SqsOptions::default()
        },
        ..OpenOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peek_leaves_depth_and_contents_unchanged() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = unique("peek");
    let url = create_queue(&c, &name, &[]).await;
    let mut messages = assorted();
    messages.extend((0..16).map(|i| Msg::body(format!("{{\"i\":{i}}}"))));
    put(&c, &url, &messages).await;
    assert_eq!(depth(&c, &url).await, (20, 0));

    let out = evscope(&moto.endpoint(), &["peek", &format!("sqs://{name}")]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = lines(&out);
    assert_eq!(docs.len(), 20, "every message once");
    let ids: BTreeSet<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 20, "no duplicates");
    // Every message visible again at once, none in flight.
    assert_eq!(depth(&c, &url).await, (20, 0));

    let first = docs
        .iter()
        .find(|d| d["attributes"]["text"] == "hello")
        .expect("the attributed message");
    assert_eq!(first["attributes"]["count"], "42");
    assert_eq!(first["attribute_types"]["count"], "Number");
    assert_eq!(first["attributes"]["blob"], "AJ+Slv8=");
    assert_eq!(first["attribute_types"]["blob"], "Binary");
    assert_eq!(first["attribute_types"]["custom"], "String.json");
    assert_eq!(first["attribute_types"]["ratio"], "Number.float");
    assert_eq!(first["receive_count"], 1);
    assert!(first["published_at"].is_string());
    assert!(first["system"]["SentTimestamp"].is_string());
    assert!(first["system"]["ApproximateFirstReceiveTimestamp"].is_string());
    assert!(first["system"]["retention_expires_at"].is_string());
    assert_eq!(first["system"]["retention_nears"], false);
    assert_eq!(first["body_encoding"], "json");
    let text = docs
        .iter()
        .find(|d| d["body"] == "plain text, not JSON at all")
        .expect("the text body");
    assert_eq!(text["body_encoding"], "utf8");
    assert!(docs.iter().any(|d| d["body"] == BINARY_LOOKING));

    // A second peek sees the same messages, one receive later each.
    let again = lines(&evscope(&moto.endpoint(), &["peek", &url]).await);
    let ids_again: BTreeSet<&str> = again.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ids_again);
    assert!(again.iter().all(|d| d["receive_count"] == 2));
    // Contents unchanged: a consumer gets exactly what was sent.
    let got = take_all(&c, &url).await;
    let bodies: BTreeSet<String> = got.iter().map(|g| g.body.clone()).collect();
    let sent: BTreeSet<String> = messages.iter().map(|m| m.body.clone()).collect();
    assert_eq!(bodies, sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peek_with_a_limit_receives_no_more_than_it_shows() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = unique("limit");
    let url = create_queue(&c, &name, &[]).await;
    put(
        &c,
        &url,
        &(0..15)
            .map(|i| Msg::body(format!("m{i}")))
            .collect::<Vec<_>>(),
    )
    .await;
    let out = evscope(
        &moto.endpoint(),
        &["peek", &format!("sqs://{name}"), "-n", "3"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lines(&out).len(), 3);
    assert_eq!(depth(&c, &url).await, (15, 0));
    let got = take_all(&c, &url).await;
    assert_eq!(got.len(), 15);
    assert_eq!(got.iter().filter(|g| g.receives == 2).count(), 3, "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_early_leaves_nothing_hidden() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = unique("head");
    let url = create_queue(&c, &name, &[]).await;
    let body = format!("{{\"pad\":\"{}\"}}", "p".repeat(8 * 1024));
    put(&c, &url, &vec![Msg::body(body); 30]).await;
    let mut child = evscope_command(&moto.endpoint(), &["peek", &format!("sqs://{name}")])
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = vec![0u8; 1024];
    use tokio::io::AsyncReadExt;
    let n = stdout.read(&mut first).await.unwrap();
    assert!(n > 0);
    drop(stdout); // like `| head -c 1024`
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("evscope stops when its reader goes away")
        .unwrap();
    assert!(status.success() || status.code() == Some(0), "{status:?}");
    assert_eq!(depth(&c, &url).await, (30, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_browse_still_makes_everything_visible_again() {
    set_test_credentials();
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = unique("drop");
    let url = create_queue(&c, &name, &[]).await;
    put(
        &c,
        &url,
        &(0..40)
            .map(|i| Msg::body(format!("m{i}")))
            .collect::<Vec<_>>(),
    )
    .await;
    let source = backend::open(&format!("sqs://{name}"), &options(&moto.endpoint()))
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Record>>(1);
    let browse = {
        let source = source.clone();
        tokio::spawn(async move { source.browse(None, tx).await })
    };
    let first = rx.recv().await.expect("a first batch");
    assert!(!first.is_empty());
    let (_, hidden) = depth(&c, &url).await;
    assert!(hidden > 0, "the browse holds what it saw");
    browse.abort(); // the TUI moving on: the browse future is dropped
    let _ = browse.await;
    backend::settle(Duration::from_secs(10)).await;
    assert_eq!(depth(&c, &url).await, (40, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_shows_new_messages_once_and_releases_at_the_end() {
    set_test_credentials();
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = unique("follow");
    let url = create_queue(&c, &name, &[]).await;
    put(&c, &url, &[Msg::body("old-1"), Msg::body("old-2")]).await;
    let source: Arc<dyn Backend> =
        backend::open(&format!("sqs://{name}"), &options(&moto.endpoint()))
            .await
            .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Record>>(8);
    let follow = {
        let source = source.clone();
        tokio::spawn(async move { source.follow(None, tx).await })
    };
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sent_new = false;
    while seen.len() < 3 && Instant::now() < deadline {
        if seen.len() == 2 && !sent_new {
            put(&c, &url, &[Msg::body("new-1")]).await;
            sent_new = true;
        }
        if let Ok(Some(batch)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
            for r in batch {
                seen.push(String::from_utf8(r.bytes().to_vec()).unwrap());
            }
        }
    }
    seen.sort();
    assert_eq!(seen, vec!["new-1", "old-1", "old-2"]);
    // While following, what was seen stays hidden: nothing is received twice.
    assert_eq!(depth(&c, &url).await, (0, 3));
    drop(rx);
    tokio::time::timeout(Duration::from_secs(30), follow)
        .await
        .expect("follow ends when the sink closes")
        .unwrap()
        .unwrap();
    assert_eq!(depth(&c, &url).await, (3, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_peek_shows_groups_and_says_what_it_cannot_see() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = format!("{}.fifo", unique("fifo"));
    let url = create_queue(&c, &name, &[]).await;
    let msgs: Vec<Msg> = (0..4)
        .map(|i| Msg::body(format!("{{\"i\":{i}}}")).group(if i % 2 == 0 { "g-a" } else { "g-b" }))
        .collect();
    put(&c, &url, &msgs).await;
    let out = evscope(&moto.endpoint(), &["peek", &format!("sqs://{name}")]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("holds back the rest of its message group"),
        "{}",
        stderr(&out)
    );
    let docs = lines(&out);
    assert!(!docs.is_empty());
    for d in &docs {
        let key = d["key"].as_str().unwrap();
        assert!(key == "g-a" || key == "g-b");
        assert_eq!(d["system"]["MessageGroupId"], key);
        assert!(d["system"]["MessageDeduplicationId"].is_string());
        assert!(d["system"]["SequenceNumber"].is_string());
    }
    assert_eq!(depth(&c, &url).await, (4, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peek_warns_before_receiving_from_a_queue_with_a_redrive_policy() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let (source, source_url, dlq, _) = dlq_pair(&c, "warn", false).await;
    put(&c, &source_url, &[Msg::body("a")]).await;
    let out = evscope(&moto.endpoint(), &["peek", &format!("sqs://{source}")]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("maxReceiveCount 3"), "{err}");
    assert!(err.contains(&format!("sqs://{dlq}")), "{err}");
    assert_eq!(lines(&out)[0]["system"]["max_receive_count"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_lists_counts_fifo_and_dead_letter_links() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let base = unique("list");
    let dlq_url = create_queue(&c, &format!("{base}-dlq"), &[]).await;
    let dlq_arn = arn(&c, &dlq_url).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":5}}"#);
    let src_url = create_queue(
        &c,
        &format!("{base}-src"),
        &[(QueueAttributeName::RedrivePolicy, &policy)],
    )
    .await;
    create_queue(&c, &format!("{base}-f.fifo"), &[]).await;
    put(&c, &src_url, &[Msg::body("1"), Msg::body("2")]).await;
    put(&c, &dlq_url, &[Msg::body("3")]).await;
    c.receive_message()
        .queue_url(&src_url)
        .visibility_timeout(60)
        .max_number_of_messages(1)
        .send()
        .await
        .unwrap();
    let out = evscope(&moto.endpoint(), &["queues", &base, "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: BTreeMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["name"].as_str().unwrap().to_string(), v))
        .collect();
    assert_eq!(rows.len(), 3);
    let src = &rows[&format!("{base}-src")];
    assert_eq!(
        (src["visible"].as_u64(), src["in_flight"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(src["dlq"], format!("sqs://{base}-dlq"));
    let dlq = &rows[&format!("{base}-dlq")];
    assert_eq!(
        dlq["dlq_of"],
        serde_json::json!([format!("sqs://{base}-src")])
    );
    assert_eq!(rows[&format!("{base}-f.fifo")]["fifo"], true);
    let table = evscope(&moto.endpoint(), &["queues", &base]).await;
    assert!(stdout(&table).starts_with("QUEUE"), "{}", stdout(&table));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_keeps_bodies_and_attributes_byte_for_byte() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let from = unique("rp-from");
    let to = unique("rp-to");
    let from_url = create_queue(&c, &from, &[]).await;
    let to_url = create_queue(&c, &to, &[]).await;
    let mut messages = assorted();
    messages.extend(
        (0..21).map(|i| Msg::body(format!("{{\"i\":{i}}}")).attr("i", "Number", i.to_string())),
    );
    put(&c, &from_url, &messages).await;
    let out = evscope(
        &moto.endpoint(),
        &["replay", &format!("sqs://{from}"), &format!("sqs://{to}")],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("25 moved, 0 failed, 0 skipped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        depth(&c, &from_url).await,
        (25, 0),
        "the source is untouched"
    );
    let strip = |g: Vec<Got>| -> BTreeSet<(String, Attrs)> {
        g.into_iter().map(|g| (g.body, g.attrs)).collect()
    };
    let sent = strip(take_all(&c, &from_url).await);
    let got = take_all(&c, &to_url).await;
    assert_eq!(got.len(), 25);
    assert_eq!(strip(got), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_to_fifo_keeps_groups_and_order_and_dedup_ids_on_request() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let from = format!("{}.fifo", unique("rf-from"));
    let to = format!("{}.fifo", unique("rf-to"));
    let to_again = format!("{}.fifo", unique("rf-again"));
    let from_url = create_queue(&c, &from, &[]).await;
    let to_url = create_queue(&c, &to, &[]).await;
    let again_url = create_queue(&c, &to_again, &[]).await;
    let msgs: Vec<Msg> = (0..12)
        .map(|i| Msg::body(format!("{i}")).group(if i < 6 { "a" } else { "b" }))
        .collect();
    put(&c, &from_url, &msgs).await;
    // A FIFO browse sees the head of each group only while holding it, so
    // replay from an export of the queue: its full contents, in order.
    let capture = std::env::temp_dir().join(format!("{}.jsonl", unique("fifo-capture")));
    let mut lines_text = String::new();
    let mut dedup_ids = Vec::new();
    for (i, got) in take_all(&c, &from_url).await.into_iter().enumerate() {
        let dedup = format!("orig-{i}");
        dedup_ids.push(dedup.clone());
        lines_text.push_str(
            &serde_json::json!({
                "evscope_capture": 1, "id": got.id, "source": "x", "key": got.group,
                "published_at": null, "receive_count": null, "attributes": {},
                "system": {"MessageDeduplicationId": dedup}, "body": got.body,
                "body_encoding": "utf8", "meta": {}, "problems": []
            })
            .to_string(),
        );
        lines_text.push('\n');
    }
    std::fs::write(&capture, lines_text).unwrap();
    let out = evscope(
        &moto.endpoint(),
        &["replay", capture.to_str().unwrap(), &format!("sqs://{to}")],
    )
    .await;
    assert!(
        stdout(&out).contains("12 moved, 0 failed"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let got = take_all(&c, &to_url).await;
    let group = |g: &str| -> Vec<String> {
        got.iter()
            .filter(|m| m.group.as_deref() == Some(g))
            .map(|m| m.body.clone())
            .collect()
    };
    assert_eq!(group("a"), vec!["0", "1", "2", "3", "4", "5"]);
    assert_eq!(group("b"), vec!["6", "7", "8", "9", "10", "11"]);
    // Kept dedup ids: a second replay within the window is deduplicated.
    for _ in 0..2 {
        let out = evscope(
            &moto.endpoint(),
            &[
                "replay",
                capture.to_str().unwrap(),
                &format!("sqs://{to_again}"),
                "--keep-dedup-id",
            ],
        )
        .await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(take_all(&c, &again_url).await.len(), 12);
    let _ = std::fs::remove_file(capture);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_moves_everything_back_exactly() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let (source, source_url, dlq, dlq_url) = dlq_pair(&c, "rd", false).await;
    let mut messages = assorted();
    messages.extend((0..26).map(|i| Msg::body(format!("{{\"i\":{i}}}")).attr("s", "String", "v")));
    put(&c, &dlq_url, &messages).await;
    let dry = evscope(
        &moto.endpoint(),
        &["redrive", &format!("sqs://{dlq}"), "--dry-run"],
    )
    .await;
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains(&format!(
            "would move 30 events from sqs://{dlq} to sqs://{source}"
        )),
        "{}",
        stdout(&dry)
    );
    assert_eq!(depth(&c, &dlq_url).await, (30, 0));
    assert_eq!(depth(&c, &source_url).await, (0, 0));

    let refused = evscope(&moto.endpoint(), &["redrive", &format!("sqs://{dlq}")]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("needs confirmation"),
        "{}",
        stderr(&refused)
    );
    let read_only = evscope(
        &moto.endpoint(),
        &["--read-only", "redrive", &format!("sqs://{dlq}"), "--yes"],
    )
    .await;
    assert!(
        stderr(&read_only).contains("read-only"),
        "{}",
        stderr(&read_only)
    );

    let out = evscope(
        &moto.endpoint(),
        &["redrive", &format!("sqs://{dlq}"), "--yes"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("30 moved, 0 failed, 0 skipped"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("StartMessageMoveTask"),
        "{}",
        stderr(&out)
    );
    assert_eq!(depth(&c, &dlq_url).await, (0, 0));
    let got = take_all(&c, &source_url).await;
    assert_eq!(got.len(), 30);
    let bodies: BTreeSet<String> = got.iter().map(|g| g.body.clone()).collect();
    assert_eq!(bodies, messages.iter().map(|m| m.body.clone()).collect());
    let first = got.iter().find(|g| g.attrs.contains_key("blob")).unwrap();
    assert_eq!(
        first.attrs["blob"],
        ("Binary".into(), vec![0u8, 159, 146, 150, 255])
    );
    assert_eq!(first.attrs["custom"].0, "String.json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_of_chosen_ids_leaves_the_others_visible() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let (_, source_url, dlq, dlq_url) = dlq_pair(&c, "ids", false).await;
    put(
        &c,
        &dlq_url,
        &(0..8)
            .map(|i| Msg::body(format!("m{i}")))
            .collect::<Vec<_>>(),
    )
    .await;
    let docs = lines(&evscope(&moto.endpoint(), &["peek", &format!("sqs://{dlq}")]).await);
    let chosen: Vec<&str> = docs
        .iter()
        .filter(|d| d["body"] == "m1" || d["body"] == "m5")
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let out = evscope(
        &moto.endpoint(),
        &[
            "redrive",
            &format!("sqs://{dlq}"),
            "--ids",
            &chosen.join(","),
            "--yes",
        ],
    )
    .await;
    assert!(
        stdout(&out).contains("2 moved, 0 failed"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(depth(&c, &dlq_url).await, (6, 0));
    let moved: BTreeSet<String> = take_all(&c, &source_url)
        .await
        .into_iter()
        .map(|g| g.body)
        .collect();
    assert_eq!(moved, ["m1", "m5"].map(String::from).into());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_failed_batch_names_what_never_made_it() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let (_, _, dlq, dlq_url) = dlq_pair(&c, "part", false).await;
    let small = unique("small");
    let small_url = create_queue(
        &c,
        &small,
        &[(QueueAttributeName::MaximumMessageSize, "1024")],
    )
    .await;
    let mut msgs: Vec<Msg> = (0..6).map(|i| Msg::body(format!("ok{i}"))).collect();
    msgs.insert(3, Msg::body("B".repeat(2000)));
    put(&c, &dlq_url, &msgs).await;
    let docs = lines(&evscope(&moto.endpoint(), &["peek", &format!("sqs://{dlq}")]).await);
    let big_id = docs
        .iter()
        .find(|d| d["body"].as_str().is_some_and(|b| b.len() == 2000))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = evscope(
        &moto.endpoint(),
        &[
            "redrive",
            &format!("sqs://{dlq}"),
            "--to",
            &format!("sqs://{small}"),
            "--yes",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("6 moved, 1 failed"), "{text}");
    assert!(text.contains(&format!("failed {big_id}")), "{text}");
    assert!(text.contains("shorter than 1024"), "{text}");
    // The one that failed stays in the DLQ, visible.
    assert_eq!(depth(&c, &dlq_url).await, (1, 0));
    assert_eq!(take_all(&c, &small_url).await.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_mid_redrive_is_survived_with_nothing_lost() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let (_, source_url, dlq, dlq_url) = dlq_pair(&c, "cut", false).await;
    let bodies: Vec<String> = (0..120).map(|i| format!("{{\"n\":{i}}}")).collect();
    put(
        &c,
        &dlq_url,
        &bodies.iter().map(Msg::body).collect::<Vec<_>>(),
    )
    .await;
    let proxy = Proxy::start(moto.port).await;
    let child = evscope_command(
        &proxy.endpoint(),
        &["redrive", &format!("sqs://{dlq}"), "--yes"],
    )
    .spawn()
    .unwrap();
    // Cut once the move is under way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while depth(&c, &source_url).await.0 == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    proxy.cut();
    let (left, held) = depth(&c, &dlq_url).await;
    assert!(left + held > 0, "cut before the end of the move");
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.restore();
    let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .expect("the redrive ends")
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(depth(&c, &dlq_url).await, (0, 0), "{}", stdout(&out));
    let got: BTreeSet<String> = take_all(&c, &source_url)
        .await
        .into_iter()
        .map(|g| g.body)
        .collect();
    assert_eq!(got, bodies.into_iter().collect(), "nothing lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evscope_killed_mid_redrive_and_run_again_loses_nothing() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let (_, source_url, dlq, dlq_url) = dlq_pair(&c, "kill", false).await;
    let bodies: Vec<String> = (0..120).map(|i| format!("{{\"k\":{i}}}")).collect();
    put(
        &c,
        &dlq_url,
        &bodies.iter().map(Msg::body).collect::<Vec<_>>(),
    )
    .await;
    let args = [
        "--visibility-timeout",
        "3",
        "redrive",
        &format!("sqs://{dlq}"),
        "--yes",
    ];
    let args: Vec<&str> = args.iter().map(|s| s.as_ref()).collect();
    let mut child = evscope_command(&moto.endpoint(), &args).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while depth(&c, &source_url).await.0 == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap(); // SIGKILL
    let _ = child.wait().await;
    let (left, held) = depth(&c, &dlq_url).await;
    assert!(left + held > 0, "killed before the end");
    // Run again: it waits for what the killed run held to reappear (one
    // visibility timeout), and moves that too.
    let out = evscope(&moto.endpoint(), &args).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(depth(&c, &dlq_url).await, (0, 0));
    let got = take_all(&c, &source_url).await;
    let distinct: BTreeSet<String> = got.iter().map(|g| g.body.clone()).collect();
    assert_eq!(distinct, bodies.into_iter().collect(), "nothing lost");
    // At worst the batch in flight was sent twice.
    assert!(
        got.len() - distinct.len() <= 100,
        "{} duplicates",
        got.len() - distinct.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_purge_behind_confirmation() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = unique("del");
    let url = create_queue(&c, &name, &[]).await;
    put(
        &c,
        &url,
        &(0..6)
            .map(|i| Msg::body(format!("{{\"d\":{i}}}")))
            .collect::<Vec<_>>(),
    )
    .await;
    let uri = format!("sqs://{name}");
    let docs = lines(&evscope(&moto.endpoint(), &["peek", &uri]).await);
    let victim = docs.iter().find(|d| d["body"]["d"] == 2).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = evscope(&moto.endpoint(), &["delete", &uri, "--ids", &victim]).await;
    assert!(
        stderr(&refused).contains("needs confirmation"),
        "{}",
        stderr(&refused)
    );
    let ro = evscope(
        &moto.endpoint(),
        &["--read-only", "delete", &uri, "--ids", &victim, "--yes"],
    )
    .await;
    assert!(stderr(&ro).contains("read-only"), "{}", stderr(&ro));
    let out = evscope(
        &moto.endpoint(),
        &["delete", &uri, "--ids", &victim, "--yes"],
    )
    .await;
    assert!(
        stdout(&out).contains("1 deleted, 0 failed"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(depth(&c, &url).await, (5, 0));
    let ro = evscope(&moto.endpoint(), &["--read-only", "purge", &uri, "--yes"]).await;
    assert!(stderr(&ro).contains("read-only"), "{}", stderr(&ro));
    let out = evscope(&moto.endpoint(), &["purge", &uri, "--yes"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(depth(&c, &url).await, (0, 0));
}

/// A one-line error, fast.
fn assert_fast_one_line_error(out: &std::process::Output, took: Duration, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err:?} should say {needle:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_endpoint_and_a_missing_queue_are_reported_fast() {
    let moto = moto();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let start = Instant::now();
    let out = evscope(&dead, &["peek", "sqs://anything"]).await;
    assert_fast_one_line_error(&out, start.elapsed(), "cannot connect to SQS");

    // A server that accepts and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let start = Instant::now();
    let out = evscope(&silent_url, &["queues"]).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no answer"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "took {:?}",
        start.elapsed()
    );
    drop(silent);

    let start = Instant::now();
    let out = evscope(
        &moto.endpoint(),
        &["peek", &format!("sqs://{}", unique("missing"))],
    )
    .await;
    assert_fast_one_line_error(&out, start.elapsed(), "queue does not exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_scope_lists_its_queues_and_a_queue_name_stays_one_queue() {
    set_test_credentials();
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let base = unique("scope");
    let dlq_url = create_queue(&c, &format!("{base}-dlq"), &[]).await;
    let dlq_arn = arn(&c, &dlq_url).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":5}}"#);
    create_queue(
        &c,
        &format!("{base}-src"),
        &[(QueueAttributeName::RedrivePolicy, &policy)],
    )
    .await;
    let options = options(&moto.endpoint());
    let scope = backend::sqs_scope(&base);
    assert_eq!(scope, format!("sqs://{base}*"));
    assert!(backend::is_scope(&scope) && backend::is_scope("sqs://"));
    let single = format!("sqs://{base}-src");
    assert!(!backend::is_scope(&single));

    let listed = backend::list_sources(&scope, &options).await.unwrap();
    let uris: Vec<&str> = listed.iter().map(|l| l.source.uri.as_str()).collect();
    assert_eq!(uris, [format!("sqs://{base}-dlq"), single.clone()]);
    assert_eq!(listed[0].source.dlq_of.as_deref(), Some(single.as_str()));
    assert!(
        backend::list_sources("sqs://", &options)
            .await
            .unwrap()
            .iter()
            .any(|l| l.source.uri == single)
    );
    // A queue name is still the one queue, opened as before.
    let one = backend::list_sources(&single, &options).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        one[0].source.dlq.as_deref(),
        Some(&*format!("sqs://{base}-dlq"))
    );
}

/// The parallel change of a bus: a capture of the old bus compared with
/// the SQS queue the new one publishes to. The browse leaves the queue as
/// it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_of_a_capture_against_a_queue() {
    let moto = moto();
    let c = client(&moto.endpoint()).await;
    let name = unique("diff");
    let url = create_queue(&c, &name, &[]).await;
    let event = |id: &str, amount: i64, bus: &str| {
        format!(
            r#"{{"eventId":"{id}","eventName":"PaymentCreated","amount":{amount},"bus":"{bus}"}}"#
        )
    };
    put(
        &c,
        &url,
        &[
            Msg::body(event("e1", 1, "sqs")),
            Msg::body(event("e2", 20, "sqs")),
            Msg::body(event("e4", 4, "sqs")),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("old-bus.jsonl");
    let old = [
        event("e1", 1, "memory"),
        event("e2", 2, "memory"),
        event("e3", 3, "memory"),
    ];
    std::fs::write(&capture, old.join("\n") + "\n").unwrap();
    let capture = capture.to_str().unwrap();
    let queue = format!("sqs://{name}");
    let args = [
        "diff",
        capture,
        &queue,
        "--ignore",
        "$.body.bus",
        "--format",
        "json",
    ];
    let out = evscope(&moto.endpoint(), &args).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(json["only_a"], serde_json::json!(["e3"]));
    assert_eq!(json["only_b"], serde_json::json!(["e4"]));
    assert_eq!(
        json["different"],
        serde_json::json!([{"key": "e2", "paths": ["$.body.amount"]}])
    );
    assert_eq!(json["same"], 1);
    assert_eq!(json["events"], serde_json::json!({"a": 3, "b": 3}));
    assert_eq!(depth(&c, &url).await, (3, 0));
    // The queue against itself matches.
    let out = evscope(&moto.endpoint(), &["diff", &queue, &queue]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}
