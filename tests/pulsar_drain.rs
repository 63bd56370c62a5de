//! The Pulsar redrive drain with a dead-letter topic far larger than the
//! drain's bounded queues: every message arrives exactly once, the report is
//! exact, and a second redrive moves nothing, whether the drain runs to the
//! end or stops early. Against pulsar-lite behind the test relay, like
//! tests/pulsar.rs. `bench_redrive_rss` (ignored) is the measurement behind
//! benches/pulsar_redrive_rss.sh.

#[allow(dead_code)]
#[path = "support/pulsar_broker.rs"]
mod pulsar_broker;
#[allow(dead_code)]
#[path = "support/relay.rs"]
mod relay;

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use evscope::backend::{self, OpenOptions, PulsarOptions, Record};
use evscope::cli::Context;
use evscope::config::Config;
use evscope::model::Event;
use pulsar::producer::Message;
use pulsar::{ProducerOptions, Pulsar, TokioExecutor};
use pulsar_broker::{Broker, evscope_bin, evscope_command};
use tokio::sync::mpsc;

/// Roomy stacks: the pulsar crate's futures are large in debug builds.
fn run(test: impl std::future::Future<Output = ()> + Send + 'static) {
    let thread = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(64 << 20)
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(test)
        })
        .expect("test thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

fn shared() -> &'static Broker {
    static BROKER: OnceLock<Broker> = OnceLock::new();
    BROKER.get_or_init(|| Broker::start(0, false))
}

fn unique(name: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn full(topic: &str) -> String {
    format!("persistent://public/default/{topic}")
}

/// Message `i` of a DLQ whose REAL_TOPIC is `topic`, with `pad` bytes of
/// padding in its payload.
fn dead(i: usize, topic: &str, pad: usize) -> Message {
    Message {
        payload: format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(pad)).into_bytes(),
        properties: HashMap::from([
            ("index".to_string(), i.to_string()),
            ("REAL_TOPIC".to_string(), full(topic)),
        ]),
        partition_key: Some(format!("key-{}", i % 4)),
        ..Default::default()
    }
}

/// Fill `dlq` with `count` messages for `topic`; `batch` > 1 makes the
/// producer batch them.
async fn fill_dlq(broker: &Broker, dlq: &str, topic: &str, count: usize, pad: usize, batch: u32) {
    let client = Pulsar::builder(broker.url(), TokioExecutor)
        .build()
        .await
        .expect("connect to the test broker");
    let batching = batch > 1;
    let mut producer = client
        .producer()
        .with_topic(full(dlq))
        .with_options(ProducerOptions {
            batch_size: batching.then_some(batch),
            ..Default::default()
        })
        .build()
        .await
        .expect("producer");
    let mut receipts = std::collections::VecDeque::new();
    for i in 0..count {
        if receipts.len() >= 50 {
            if batching {
                producer.send_batch().await.expect("flush batch");
            }
            for r in receipts.drain(..) {
                let r: pulsar::producer::SendFuture = r;
                r.await.expect("receipt");
            }
        }
        let receipt = producer
            .send_non_blocking(dead(i, topic, pad))
            .await
            .expect("queue");
        receipts.push_back(receipt);
    }
    if batching {
        producer.send_batch().await.expect("flush batch");
    }
    for r in receipts {
        r.await.expect("receipt");
    }
    producer.close().await.expect("close producer");
}

fn options() -> OpenOptions {
    let mut context = Context::new(Config::default(), false).expect("context");
    context.open.pulsar = PulsarOptions::default();
    context.open
}

/// Every event of a topic, through the evscope backend.
async fn browse(uri: &str) -> Vec<Event> {
    let backend = backend::open(uri, &options()).await.expect("open");
    let (tx, mut rx) = mpsc::channel(16);
    let reader = tokio::spawn(async move { backend.browse(None, tx).await });
    let mut events = Vec::new();
    while let Some(batch) = rx.recv().await {
        for record in batch {
            match record {
                Record::Event(e) => events.push((*e).clone()),
                other => panic!("unexpected record {other:?}"),
            }
        }
    }
    reader.await.expect("join").expect("browse");
    events
}

fn evscope(args: &[&str]) -> Output {
    evscope_command(args).output().expect("evscope runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The payload indexes of `events`, checking that none came twice.
fn exactly_once(events: &[Event]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    for event in events {
        let index: usize = event.attributes["index"].parse().expect("index");
        assert!(seen.insert(index), "message {index} arrived twice");
    }
    seen
}

/// Redrive `dlq` whole; assert the report, the target, and that a second
/// run moves nothing.
async fn redrive_exactly(broker: &Broker, dlq: &str, topic: &str, count: usize) {
    let started = Instant::now();
    let out = evscope(&["redrive", &broker.uri(dlq), "--yes"]);
    eprintln!("redrive of {count}: {:?}", started.elapsed());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains(&format!("{count} moved, 0 failed")),
        "{report}{}",
        text(&out.stderr)
    );
    let moved = browse(&broker.uri(topic)).await;
    assert_eq!(exactly_once(&moved), (0..count).collect::<BTreeSet<_>>());
    let out = evscope(&["redrive", &broker.uri(dlq), "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("0 moved, 0 failed"),
        "{}",
        text(&out.stdout)
    );
}

/// Ten times the drain's queue and read-ahead together.
const MANY: usize = 60_000;

#[test]
fn redrive_of_a_dlq_far_larger_than_the_drain_queue_is_exact() {
    run(async {
        let broker = shared();
        let (topic, dlq) = (unique("big-target"), unique("big-DLQ"));
        fill_dlq(broker, &dlq, &topic, MANY, 16, 1).await;
        redrive_exactly(broker, &dlq, &topic, MANY).await;
    });
}

#[test]
fn redrive_of_a_large_batched_dlq_is_exact() {
    run(async {
        let broker = shared();
        let (topic, dlq) = (unique("batched-target"), unique("batched-DLQ"));
        fill_dlq(broker, &dlq, &topic, MANY / 2, 16, 500).await;
        redrive_exactly(broker, &dlq, &topic, MANY / 2).await;
    });
}

/// A redrive of a few ids stops after the first batch, with the consumer's
/// queue full behind it: its acknowledgements must still reach the broker.
#[test]
fn redrive_that_stops_early_still_acknowledges_what_it_moved() {
    run(async {
        let broker = shared();
        let (topic, dlq) = (unique("early-target"), unique("early-DLQ"));
        let count = 20_000;
        fill_dlq(broker, &dlq, &topic, count, 16, 1).await;
        let dead = browse(&broker.uri(&dlq)).await;
        let ids: Vec<&str> = dead[..5].iter().map(|e| e.id.as_str()).collect();
        let out = evscope(&[
            "redrive",
            &broker.uri(&dlq),
            "--ids",
            &ids.join(","),
            "--yes",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("5 moved, 0 failed"),
            "{}",
            text(&out.stdout)
        );
        let moved = browse(&broker.uri(&topic)).await;
        assert_eq!(exactly_once(&moved), (0..5).collect::<BTreeSet<_>>());
        // The rest, and not those five again.
        let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!("{} moved, 0 failed", count - 5)),
            "{}",
            text(&out.stdout)
        );
        let moved = browse(&broker.uri(&topic)).await;
        assert_eq!(exactly_once(&moved), (0..count).collect::<BTreeSet<_>>());
    });
}

#[test]
#[ignore = "measurement for benches/pulsar_redrive_rss.sh"]
fn bench_redrive_rss() {
    run(async {
        let env = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(default)
        };
        let count = env("EVSCOPE_BENCH_MESSAGES", 100_000);
        let pad = env("EVSCOPE_BENCH_PAD", 64);
        let broker = Broker::start(0, false);
        let (topic, dlq) = (unique("rss-target"), unique("rss-DLQ"));
        let started = Instant::now();
        fill_dlq(&broker, &dlq, &topic, count, pad, 1).await;
        eprintln!("produced {count} in {:?}", started.elapsed());
        let started = Instant::now();
        let out = Command::new("/usr/bin/time")
            .arg("-v")
            .arg(evscope_bin())
            .args(["redrive", &broker.uri(&dlq), "--yes"])
            .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
            .stdin(Stdio::null())
            .output()
            .expect("/usr/bin/time runs");
        let secs = started.elapsed().as_secs_f64();
        let stderr = text(&out.stderr);
        let rss = stderr
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .unwrap_or("?")
            .to_string();
        let report = text(&out.stdout);
        eprintln!(
            "BENCH redrive {count} x {pad}B: peak RSS {rss} kB, {secs:.1}s, {:.0} msg/s; {}",
            count as f64 / secs,
            report.trim()
        );
        assert!(out.status.success(), "{stderr}");
        assert!(
            report.contains(&format!("{count} moved, 0 failed")),
            "{report}"
        );
        let moved = browse(&broker.uri(&topic)).await;
        assert_eq!(exactly_once(&moved), (0..count).collect::<BTreeSet<_>>());
        let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
        assert!(
            text(&out.stdout).contains("0 moved, 0 failed"),
            "{}",
            text(&out.stdout)
        );
        eprintln!("BENCH exact: {count} arrived once each; second redrive moved 0");
    });
}
