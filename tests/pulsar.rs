//! The Pulsar backend against a real broker: pulsar-lite (tests/requirements.txt),
//! reached through the checksum/lookup relay in tests/support/relay.rs.
//! Test data is made with the pulsar crate itself.

#[path = "support/pulsar_broker.rs"]
mod pulsar_broker;
#[path = "support/relay.rs"]
mod relay;
#[path = "tui_support/mod.rs"]
mod tui_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use evscope::backend::{self, OpenOptions, PulsarOptions, Record};
use evscope::cli::Context;
use evscope::config::Config;
use evscope::model::Event;
use futures::StreamExt;
use pulsar::consumer::{DeadLetterPolicy, InitialPosition};
use pulsar::producer::Message;
use pulsar::{ConsumerOptions, ProducerOptions, Pulsar, SubType, TokioExecutor};
use pulsar_broker::{Broker, evscope_bin, evscope_command};
use tokio::sync::mpsc;

/// Run a test on a runtime with roomy stacks: the pulsar crate's futures
/// are large in debug builds.
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

/// The broker most tests share (topics are unique per test).
fn shared() -> &'static Broker {
    static BROKER: OnceLock<Broker> = OnceLock::new();
    BROKER.get_or_init(|| Broker::start(0, true))
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

async fn client(broker: &Broker) -> Pulsar<TokioExecutor> {
    Pulsar::builder(broker.url(), TokioExecutor)
        .build()
        .await
        .expect("connect to the test broker")
}

/// A message with a key, properties, an ordering key and an event time.
fn message(i: usize) -> Message {
    Message {
        payload: format!("{{\"n\":{i},\"eventName\":\"E{}\"}}", i % 3).into_bytes(),
        properties: HashMap::from([
            ("index".to_string(), i.to_string()),
            ("kind".to_string(), "test".to_string()),
        ]),
        partition_key: Some(format!("key-{}", i % 4)),
        ordering_key: Some(vec![b'o', (i % 7) as u8]),
        event_time: Some(1_700_000_000_000 + i as u64),
        ..Default::default()
    }
}

async fn produce(
    client: &Pulsar<TokioExecutor>,
    topic: &str,
    options: ProducerOptions,
    messages: impl IntoIterator<Item = Message>,
) {
    let mut producer = client
        .producer()
        .with_topic(full(topic))
        .with_options(options)
        .build()
        .await
        .expect("producer");
    let mut receipts = std::collections::VecDeque::new();
    for m in messages {
        // Keep the producer's bounded queue from filling (SlowDown).
        if receipts.len() >= 50 {
            if producer.options().batch_size.is_some_and(|b| b > 1) {
                producer.send_batch().await.expect("flush batch");
            }
            while let Some(r) = receipts.pop_front() {
                let r: pulsar::producer::SendFuture = r;
                r.await.expect("receipt");
            }
        }
        receipts.push_back(producer.send_non_blocking(m).await.expect("queue"));
    }
    if producer.options().batch_size.is_some_and(|b| b > 1) {
        producer.send_batch().await.expect("flush batch");
    }
    for r in receipts {
        r.await.expect("receipt");
    }
    producer.close().await.expect("close producer");
}

fn options(broker: &Broker) -> OpenOptions {
    let _ = broker;
    let mut context = Context::new(Config::default(), false).expect("context");
    context.open.pulsar = PulsarOptions::default();
    context.open
}

/// Every event of a source, through the evscope backend.
async fn browse(uri: &str, open: &OpenOptions) -> Vec<Event> {
    let backend = backend::open(uri, open).await.expect("open");
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

/// Payload, key and properties: what must survive a move.
fn essence(e: &Event) -> (Vec<u8>, Option<String>, BTreeMap<String, String>) {
    (e.raw.clone(), e.key.clone(), e.attributes.clone())
}

#[test]
fn peek_maps_fields_and_decodes_batches_and_every_compression() {
    run(peek_maps_fields_and_decodes_batches_and_every_compression_async());
}

async fn peek_maps_fields_and_decodes_batches_and_every_compression_async() {
    let broker = shared();
    let client = client(broker).await;
    let plain = unique("plain");
    produce(
        &client,
        &plain,
        ProducerOptions::default(),
        (0..5).map(message),
    )
    .await;
    let open = options(broker);
    let events = browse(&broker.uri(&plain), &open).await;
    assert_eq!(events.len(), 5);
    for (i, e) in events.iter().enumerate() {
        let m = message(i);
        assert_eq!(e.raw, m.payload);
        assert_eq!(e.key, m.partition_key);
        assert_eq!(e.attributes.get("index"), Some(&i.to_string()));
        assert!(e.published_at.is_some());
        assert!(e.system["producer_name"].is_string());
        assert_eq!(e.system["sequence_id"], i as u64);
        assert_eq!(
            e.system["event_time"].as_str().map(|t| t.ends_with("Z")),
            Some(true)
        );
        assert!(e.system["ordering_key"].is_string());
        assert_eq!(e.source, broker.uri(&plain));
    }

    use pulsar::compression::*;
    let compressions = [
        ("none", Compression::None),
        ("lz4", Compression::Lz4(CompressionLz4::default())),
        ("zlib", Compression::Zlib(CompressionZlib::default())),
        ("zstd", Compression::Zstd(CompressionZstd::default())),
        ("snappy", Compression::Snappy(CompressionSnappy::default())),
    ];
    for (name, compression) in compressions {
        let topic = unique(&format!("batched-{name}"));
        let options = ProducerOptions {
            batch_size: Some(10),
            compression: Some(compression),
            ..Default::default()
        };
        produce(&client, &topic, options, (0..25).map(message)).await;
        let events = browse(&broker.uri(&topic), &open).await;
        let payloads: Vec<_> = events.iter().map(|e| e.raw.clone()).collect();
        let expected: Vec<_> = (0..25).map(|i| message(i).payload).collect();
        assert_eq!(payloads, expected, "{name}");
        assert!(
            events.iter().all(|e| e.system.contains_key("batch_size")),
            "{name}"
        );
        assert!(
            events[3].id.split(':').count() == 4,
            "batched ids carry the batch index"
        );
        if name != "none" {
            assert_eq!(
                events[0].system["compression"]
                    .as_str()
                    .map(str::to_lowercase),
                Some(name.to_string())
            );
        }
    }
}

#[test]
fn peek_from_positions_on_the_command_line() {
    run(peek_from_positions_on_the_command_line_async());
}

async fn peek_from_positions_on_the_command_line_async() {
    let broker = shared();
    let client = client(broker).await;
    let topic = unique("positions");
    produce(
        &client,
        &topic,
        ProducerOptions::default(),
        (0..10).map(message),
    )
    .await;
    let uri = broker.uri(&topic);
    let lines = |out: &Output| -> Vec<serde_json::Value> {
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("capture line"))
            .collect()
    };
    let all = lines(&evscope(&["peek", &uri]));
    assert_eq!(all.len(), 10);
    let last = lines(&evscope(&["peek", &uri, "--from", "latest", "-n", "3"]));
    let ns: Vec<_> = last.iter().map(|l| l["body"]["n"].clone()).collect();
    assert_eq!(ns, vec![7, 8, 9]);
    let id = all[4]["id"].as_str().expect("id").to_string();
    let from_id = lines(&evscope(&["peek", &uri, "--from", &id]));
    assert_eq!(from_id.len(), 6);
    assert_eq!(from_id[0]["id"], all[4]["id"]);
    let time = all[6]["published_at"].as_str().expect("time").to_string();
    let from_time = lines(&evscope(&["peek", &uri, "--from", &time]));
    assert!(from_time.len() >= 4 && from_time.len() <= 10);
    assert_eq!(from_time.last(), all.last());
    let first2 = lines(&evscope(&["peek", &uri, "-n", "2"]));
    assert_eq!(first2.len(), 2);
}

#[test]
fn peek_leaves_every_subscription_where_it_was() {
    run(peek_leaves_every_subscription_where_it_was_async());
}

async fn peek_leaves_every_subscription_where_it_was_async() {
    let broker = shared();
    let client = client(broker).await;
    let topic = unique("harmless");
    // A durable subscription that has consumed and acknowledged 3 of 10.
    let mut consumer: pulsar::Consumer<Vec<u8>, _> = client
        .consumer()
        .with_topic(full(&topic))
        .with_subscription("app")
        .with_subscription_type(SubType::Exclusive)
        .with_options(ConsumerOptions::default().with_initial_position(InitialPosition::Earliest))
        .build()
        .await
        .expect("consumer");
    produce(
        &client,
        &topic,
        ProducerOptions::default(),
        (0..10).map(message),
    )
    .await;
    for _ in 0..3 {
        let m = consumer.next().await.expect("message").expect("ok");
        consumer.ack(&m).await.expect("ack");
    }
    consumer.close().await.expect("close");
    drop(consumer);
    // Where the durable subscription resumes, asked before evscope reads
    // (the crate's acks are not confirmed, so the last one may still be on
    // its way when the consumer closes: compare before and after instead).
    let resumes_at = || async {
        let mut consumer: pulsar::Consumer<Vec<u8>, _> = client
            .consumer()
            .with_topic(full(&topic))
            .with_subscription("app")
            .with_subscription_type(SubType::Exclusive)
            .build()
            .await
            .expect("consumer again");
        let m = tokio::time::timeout(Duration::from_secs(5), consumer.next())
            .await
            .expect("a message")
            .expect("some")
            .expect("ok");
        consumer.close().await.expect("close");
        m.payload.data
    };
    let before = resumes_at().await;
    assert!(
        before == message(3).payload || before == message(2).payload,
        "{before:?}"
    );
    let open = options(broker);
    assert_eq!(browse(&broker.uri(&topic), &open).await.len(), 10);
    assert_eq!(
        evscope(&["peek", &broker.uri(&topic), "--from", "latest", "-n", "2"])
            .stdout
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
        2
    );
    // Every subscription evscope made was non-durable and closed again
    // (the broker drops a non-durable subscription with its consumer):
    // per read, one that asks for the end and receives nothing, and the
    // reader.
    let readers: Vec<_> = broker
        .relay
        .subscribes(&full(&topic))
        .into_iter()
        .filter(|s| s.subscription != "app")
        .collect();
    assert_eq!(readers.len(), 4, "{readers:?}");
    assert!(
        readers.iter().all(|s| !s.durable && s.closed),
        "{readers:?}"
    );

    // The durable subscription resumes exactly where it was.
    assert_eq!(resumes_at().await, before);
}

#[test]
fn partitions_merge_in_publish_time_order_and_list_as_one_topic() {
    run(partitions_merge_in_publish_time_order_and_list_as_one_topic_async());
}

async fn partitions_merge_in_publish_time_order_and_list_as_one_topic_async() {
    let mut broker = Broker::start(3, false);
    let topic = unique("parted");
    {
        let client = client(&broker).await;
        let mut producer = client
            .producer()
            .with_topic(full(&topic))
            .build()
            .await
            .expect("partitioned producer");
        assert_eq!(producer.partitions().map(|p| p.len()), Some(3));
        for i in 0..30 {
            producer
                .send_non_blocking(message(i))
                .await
                .expect("queue")
                .await
                .expect("receipt");
        }
        producer.close().await.expect("close");
    }
    // pulsar-lite would make each partition partitioned too while it makes
    // every new topic partitioned: read with that turned off.
    broker.reconfigure(0);
    let open = options(&broker);
    let events = browse(&broker.uri(&topic), &open).await;
    assert_eq!(events.len(), 30);
    let times: Vec<_> = events.iter().map(|e| e.published_at).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "merged by publish time");
    let partitions: BTreeSet<_> = events
        .iter()
        .filter_map(|e| e.system.get("partition").and_then(|p| p.as_u64()))
        .collect();
    assert!(partitions.len() > 1, "{partitions:?}");
    let mut payloads: Vec<_> = events.iter().map(|e| e.raw.clone()).collect();
    payloads.sort();
    let mut expected: Vec<_> = (0..30).map(|i| message(i).payload).collect();
    expected.sort();
    assert_eq!(payloads, expected);

    let out = evscope(&["topics", &format!("{}/public/default", broker.url())]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    let line = listing
        .lines()
        .find(|l| l.starts_with(&broker.uri(&topic)))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(line.contains("partitions=3"), "{line}");
    assert_eq!(listing.matches(&topic).count(), 1, "{listing}");

    // Each partition proves its read complete: with every delivery of
    // entry 2 lost on the way, each partition names its own gap.
    let lossy = broker.relay.shaped_twin(
        broker.upstream,
        relay::Shape {
            bytes_per_sec: 50_000_000,
            max_piece: 3000,
            seed: 3,
            drop_entry: Some(2),
            drop_times: u64::MAX,
            drop_after: 0,
        },
    );
    let out = evscope(&["peek", &format!("{}/{topic}", lossy.url())]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for partition in 0..3 {
        assert!(
            stderr.contains(&format!(":2:{partition} could not be read")),
            "{stderr}"
        );
    }
    assert_eq!(stderr.matches("; ").count(), 2, "{stderr}");
    assert_eq!(text(&out.stdout).lines().count(), 27);
    lossy.tally().assert_lossless();
}

/// Make a DLQ the way applications do: a consumer with a dead-letter
/// policy that negatively acknowledges every message past its maximum
/// redeliveries. Returns the originals.
async fn make_dlq(broker: &Broker, topic: &str, count: usize) -> (String, Vec<Message>) {
    let client = client(broker).await;
    let dlq = format!("{topic}-billing-DLQ");
    let mut consumer: pulsar::Consumer<Vec<u8>, _> = client
        .consumer()
        .with_topic(full(topic))
        .with_subscription("billing")
        .with_subscription_type(SubType::Shared)
        .with_dead_letter_policy(DeadLetterPolicy {
            max_redeliver_count: 1,
            dead_letter_topic: full(&dlq),
        })
        .with_options(ConsumerOptions::default().with_initial_position(InitialPosition::Earliest))
        .build()
        .await
        .expect("consumer");
    let originals: Vec<Message> = (0..count).map(message).collect();
    produce(
        &client,
        topic,
        ProducerOptions::default(),
        originals.clone(),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout(Duration::from_millis(1500), consumer.next()).await {
            Ok(Some(Ok(m))) => consumer.nack(&m).await.expect("nack"),
            Ok(other) => panic!("consumer ended: {other:?}"),
            Err(_) => break,
        }
        assert!(Instant::now() < deadline, "dead-lettering took too long");
    }
    consumer.close().await.expect("close");
    (dlq, originals)
}

#[test]
fn replay_and_redrive_are_exact_and_a_second_redrive_moves_nothing() {
    run(replay_and_redrive_are_exact_and_a_second_redrive_moves_nothing_async());
}

async fn replay_and_redrive_are_exact_and_a_second_redrive_moves_nothing_async() {
    let broker = shared();
    let topic = unique("orders");
    let (dlq, originals) = make_dlq(broker, &topic, 12).await;
    let open = options(broker);
    let dead = browse(&broker.uri(&dlq), &open).await;
    assert_eq!(dead.len(), 12, "every message was dead-lettered");
    assert!(dead.iter().all(|e| e.attributes.contains_key("REAL_TOPIC")));

    // Replay the DLQ to another topic: exact copies, properties included.
    let copy = unique("copy");
    let out = evscope(&["replay", &broker.uri(&dlq), &broker.uri(&copy)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("12 moved, 0 failed"),
        "{}",
        text(&out.stdout)
    );
    let copied = browse(&broker.uri(&copy), &open).await;
    assert_eq!(
        copied.iter().map(essence).collect::<Vec<_>>(),
        dead.iter().map(essence).collect::<Vec<_>>()
    );
    assert_eq!(
        copied
            .iter()
            .map(|e| e.system["event_time"].clone())
            .collect::<Vec<_>>(),
        dead.iter()
            .map(|e| e.system["event_time"].clone())
            .collect::<Vec<_>>()
    );

    // Redrive: back to REAL_TOPIC, with the original key and properties.
    let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("12 moved, 0 failed"),
        "{}",
        text(&out.stdout)
    );
    let back = browse(&broker.uri(&topic), &open).await;
    assert_eq!(back.len(), 24, "originals plus redriven copies");
    let mut redriven: Vec<_> = back[12..].iter().map(essence).collect();
    redriven.sort();
    let mut expected: Vec<_> = originals
        .iter()
        .map(|m| {
            (
                m.payload.clone(),
                m.partition_key.clone(),
                m.properties.clone().into_iter().collect::<BTreeMap<_, _>>(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(redriven, expected);

    let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("0 moved, 0 failed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(browse(&broker.uri(&topic), &open).await.len(), 24);
}

/// Fill a DLQ directly (REAL_TOPIC set as the dead-letter producer does).
async fn fill_dlq(broker: &Broker, dlq: &str, topic: &str, count: usize) {
    let client = client(broker).await;
    let messages = (0..count).map(|i| {
        let mut m = message(i);
        m.properties.insert("REAL_TOPIC".into(), full(topic));
        m
    });
    produce(&client, dlq, ProducerOptions::default(), messages).await;
}

/// `evscope redrive` of `dlq`, running in the background, output dropped.
fn start_redrive(broker: &Broker, dlq: &str) -> std::process::Child {
    evscope_command(&["redrive", &broker.uri(dlq), "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("evscope runs")
}

/// Wait until `topic` exists on `broker` (a redrive sent to it).
async fn wait_for_topic(broker: &Broker, topic: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let names = evscope(&["topics", &format!("{}/public/default", broker.url())]);
        if text(&names.stdout).contains(topic) {
            return;
        }
        assert!(Instant::now() < deadline, "the redrive never started");
    }
}

fn payload_set(events: &[Event]) -> BTreeSet<Vec<u8>> {
    events.iter().map(|e| e.raw.clone()).collect()
}

#[test]
fn evscope_killed_mid_redrive_loses_nothing() {
    run(evscope_killed_mid_redrive_loses_nothing_async());
}

async fn evscope_killed_mid_redrive_loses_nothing_async() {
    let broker = shared();
    let topic = unique("killed-target");
    let dlq = unique("killed-DLQ");
    let count = 3000;
    fill_dlq(broker, &dlq, &topic, count).await;
    let mut child = start_redrive(broker, &dlq);
    let open = options(broker);
    // Kill it (SIGKILL) once some messages arrived.
    wait_for_topic(broker, &topic).await;
    child.kill().expect("kill");
    child.wait().expect("wait");
    let first = browse(&broker.uri(&topic), &open).await.len();
    let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let moved = browse(&broker.uri(&topic), &open).await;
    eprintln!(
        "killed after {first} of {count}; second run: {}",
        text(&out.stdout)
    );
    assert!(moved.len() >= count, "nothing lost");
    let expected: BTreeSet<_> = (0..count).map(|i| message(i).payload).collect();
    assert_eq!(payload_set(&moved), expected);
    let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
    assert!(
        text(&out.stdout).contains("0 moved"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn broker_killed_mid_redrive_loses_nothing() {
    run(broker_killed_mid_redrive_loses_nothing_async());
}

async fn broker_killed_mid_redrive_loses_nothing_async() {
    let mut broker = Broker::start(0, false);
    let topic = unique("crash-target");
    let dlq = unique("crash-DLQ");
    let count = 20_000;
    fill_dlq(&broker, &dlq, &topic, count).await;
    let mut child = evscope_command(&[
        "redrive",
        &broker.uri(&dlq),
        "--yes",
        "--pulsar-timeout",
        "2",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("evscope runs");
    // Kill the broker (SIGKILL) as soon as the first moved messages are
    // there: the target topic exists once evscope sent to it.
    wait_for_topic(&broker, &topic).await;
    broker.kill();
    // evscope must give up on its own, within a few time limits; if it
    // does not, end it and still check that nothing was lost.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut hung = false;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            hung = true;
            let _ = child.kill();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gave_up = child.wait_with_output().expect("wait");
    let complaint = text(&gave_up.stderr);
    broker.restart();
    let open = options(&broker);
    let mut runs = 0;
    loop {
        let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        runs += 1;
        if text(&out.stdout).contains(" 0 moved") || runs > 3 {
            break;
        }
    }
    let moved = browse(&broker.uri(&topic), &open).await;
    let expected: BTreeSet<_> = (0..count).map(|i| message(i).payload).collect();
    assert_eq!(payload_set(&moved), expected, "nothing lost");
    assert!(
        !hung,
        "evscope did not give up within 20 s of the broker dying"
    );
    assert_eq!(gave_up.status.code(), Some(2), "{complaint}");
    assert_eq!(complaint.lines().count(), 1, "one line: {complaint}");
    assert!(
        complaint.contains("cannot reach the Pulsar broker") || complaint.contains("timed out"),
        "{complaint}"
    );
}

#[test]
fn tail_shows_new_messages_live() {
    run(tail_shows_new_messages_live_async());
}

async fn tail_shows_new_messages_live_async() {
    let broker = shared();
    let client = client(broker).await;
    let topic = unique("live");
    produce(
        &client,
        &topic,
        ProducerOptions::default(),
        (0..2).map(message),
    )
    .await;
    let open = options(broker);
    let backend = backend::open(&broker.uri(&topic), &open)
        .await
        .expect("open");
    let (tx, mut rx) = mpsc::channel(16);
    assert_eq!(backend.browse(None, tx).await.expect("browse"), 2);
    while rx.recv().await.is_some() {}
    let (tx, mut rx) = mpsc::channel(16);
    let follower = {
        let backend = backend.clone();
        tokio::spawn(async move { backend.tail(tx).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    produce(
        &client,
        &topic,
        ProducerOptions::default(),
        (2..4).map(message),
    )
    .await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let batch = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("live message in time")
            .expect("tail running");
        seen.extend(batch.into_iter().map(|r| r.decode().expect("event").0.raw));
    }
    assert_eq!(seen, vec![message(2).payload, message(3).payload]);
    drop(rx);
    follower.await.expect("join").expect("tail ends cleanly");
}

#[test]
fn errors_are_one_line_and_fast() {
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let started = Instant::now();
    let out = evscope(&["peek", &format!("pulsar://127.0.0.1:{port}/orders")]);
    let elapsed = started.elapsed();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot reach the Pulsar broker"), "{err}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    // A broker that accepts and never answers: bounded by --pulsar-timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let started = Instant::now();
    let out = evscope(&[
        "peek",
        &format!("pulsar://127.0.0.1:{port}/orders"),
        "--pulsar-timeout",
        "1",
    ]);
    let elapsed = started.elapsed();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}: {err}");
    drop(silent);

    let broker = shared();
    let started = Instant::now();
    let out = evscope(&["peek", &broker.uri("no-such-topic-anywhere")]);
    let elapsed = started.elapsed();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    let out = evscope(&["peek", "pulsar://127.0.0.1:1/a/b/c/d/e"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a topic"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn topics_link_dead_letters_and_show_backlogs_from_the_admin_api() {
    run(topics_link_dead_letters_and_show_backlogs_from_the_admin_api_async());
}

async fn topics_link_dead_letters_and_show_backlogs_from_the_admin_api_async() {
    let broker = shared();
    let client = client(broker).await;
    let topic = unique("linked");
    produce(
        &client,
        &topic,
        ProducerOptions::default(),
        (0..1).map(message),
    )
    .await;
    let dlq = format!("{topic}-my-sub-DLQ");
    fill_dlq(broker, &dlq, &topic, 1).await;
    // A stand-in for the admin REST API (pulsar-lite has none).
    let admin = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let admin_url = format!("http://{}", admin.local_addr().expect("addr"));
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = admin.accept().await {
            let mut buf = vec![0; 4096];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let body = if request.contains("-DLQ/stats") {
                r#"{"subscriptions":{"evscope-redrive":{"msgBacklog":1}}}"#
            } else {
                r#"{"subscriptions":{"my-sub":{"msgBacklog":7}}}"#
            };
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(answer.as_bytes()).await;
        }
    });
    let namespace = format!("{}/public/default", broker.url());
    let out = evscope(&["topics", &namespace]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    let dlq_line = listing
        .lines()
        .find(|l| l.starts_with(&broker.uri(&dlq)))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(
        dlq_line.contains(&format!("dead-letters-of={}", broker.uri(&topic))),
        "{dlq_line}"
    );
    assert!(dlq_line.contains("subscription=my-sub"), "{dlq_line}");
    let out = evscope(&["topics", &namespace, "--pulsar-admin-url", &admin_url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    let line = listing
        .lines()
        .find(|l| l.starts_with(&format!("{} ", broker.uri(&topic))))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(line.contains("sub:my-sub=7"), "{line}");
    assert!(
        line.contains(&format!("dlq={}", broker.uri(&dlq))),
        "{line}"
    );
}

#[test]
fn peek_names_what_the_redrive_subscription_acknowledged_from_the_admin_api() {
    run(peek_names_what_the_redrive_subscription_acknowledged_from_the_admin_api_async());
}

async fn peek_names_what_the_redrive_subscription_acknowledged_from_the_admin_api_async() {
    let broker = shared();
    let topic = unique("acked");
    let dlq = format!("{topic}-DLQ");
    fill_dlq(broker, &dlq, &topic, 5).await;
    // The redrive subscription consumed all five and acknowledged 0, 1 and 3.
    let client = client(broker).await;
    let mut consumer: pulsar::Consumer<Vec<u8>, _> = client
        .consumer()
        .with_topic(full(&dlq))
        .with_subscription("evscope-redrive")
        .with_subscription_type(SubType::Exclusive)
        .with_options(ConsumerOptions::default().with_initial_position(InitialPosition::Earliest))
        .build()
        .await
        .expect("consumer");
    let mut positions = Vec::new();
    for i in 0..5 {
        let m = tokio::time::timeout(Duration::from_secs(10), consumer.next())
            .await
            .expect("a message")
            .expect("some")
            .expect("ok");
        let id = m.message_id.id.clone();
        positions.push(format!("{}:{}", id.ledger_id, id.entry_id));
        if [0, 1, 3].contains(&i) {
            consumer.ack(&m).await.expect("ack");
        }
    }
    consumer.close().await.expect("close");
    // A stand-in for the admin REST API (pulsar-lite has none), answering
    // the cursor those acknowledgements leave: everything up to message 1,
    // and the range (2..3].
    let stats = serde_json::json!({"cursors": {
        "evscope-redrive": {
            "markDeletePosition": positions[1],
            "individuallyDeletedMessages": format!("[({}..{}]]", positions[2], positions[3]),
        },
        "someone-else": {"markDeletePosition": positions[4], "individuallyDeletedMessages": "[]"}
    }})
    .to_string();
    let admin = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let admin_url = format!("http://{}", admin.local_addr().expect("addr"));
    let expected_path = format!("/admin/v2/persistent/public/default/{dlq}/internalStats");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = admin.accept().await {
            let mut buf = vec![0; 4096];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let (status, body) = if request.starts_with(&format!("GET {expected_path} ")) {
                ("200 OK", stats.as_str())
            } else {
                ("404 Not Found", r#"{"reason":"Topic not found"}"#)
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(answer.as_bytes()).await;
        }
    });
    let uri = broker.uri(&dlq);
    let peek = |admin: Option<&str>| {
        let mut args = vec!["peek", uri.as_str()];
        if let Some(admin) = admin {
            args.extend(["--pulsar-admin-url", admin]);
        }
        let out = evscope(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let ids: BTreeMap<u64, String> = text(&out.stdout)
            .lines()
            .map(|l| {
                let line: serde_json::Value = serde_json::from_str(l).expect("capture line");
                let n = line["body"]["n"].as_u64().expect("n");
                (n, line["id"].as_str().expect("id").to_string())
            })
            .collect();
        assert_eq!(ids.len(), 5, "{}", text(&out.stdout));
        (ids, text(&out.stderr))
    };
    let (ids, stderr) = peek(Some(&admin_url));
    let note = stderr
        .lines()
        .find(|l| l.contains("already redriven"))
        .unwrap_or_else(|| panic!("no redriven note: {stderr}"));
    assert!(
        note.contains("3 of the events shown were already redriven out of this source"),
        "{note}"
    );
    assert!(note.contains("redrive subscription"), "{note}");
    let named: BTreeSet<&str> = note.rsplit_once(": ").expect("ids").1.split(", ").collect();
    let acknowledged: BTreeSet<&str> = [0, 1, 3].iter().map(|n| ids[n].as_str()).collect();
    assert_eq!(named, acknowledged, "{note}");
    // An admin API that cannot be reached flags nothing and fails nothing.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("addr"))
    };
    let (_, stderr) = peek(Some(&closed));
    assert!(!stderr.contains("already redriven"), "{stderr}");
    let out = evscope(&["-v", "peek", &uri, "--pulsar-admin-url", &closed]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("reading the redrive subscription's position"),
        "{}",
        text(&out.stderr)
    );
    let (_, stderr) = peek(None);
    assert!(!stderr.contains("already redriven"), "{stderr}");
    // The TUI's load asks too, in the background: those rows show `R`.
    use evscope::tui::app::LoadState;
    let mut open = options(broker);
    open.pulsar.admin_url = Some(admin_url);
    let (app, _jobs) = tui_load(&uri, open, |app| {
        matches!(app.sources[0].state, LoadState::Loaded)
            && !app.redrive_acknowledged.is_empty()
            && app.store.len() == 5
            && app.store.summary(4).is_some()
    })
    .await;
    let flagged: BTreeSet<String> = (0..app.store.len())
        .filter_map(|row| {
            let id = app.store.summary(row)?.id.clone();
            app.row_redriven(row, &id).then(|| id.as_str().to_string())
        })
        .collect();
    assert_eq!(app.store.len(), 5);
    let acknowledged: BTreeSet<String> = acknowledged.into_iter().map(String::from).collect();
    assert_eq!(flagged, acknowledged);
}

/// Load `uri` in a TUI app the way the event loop does (its background
/// jobs run, their messages applied) until `done` holds; the app and its
/// jobs.
async fn tui_load(
    uri: &str,
    open: OpenOptions,
    done: impl Fn(&evscope::tui::app::App) -> bool,
) -> (evscope::tui::app::App, evscope::tui::jobs::Jobs) {
    use evscope::tui::action::Action;
    use evscope::tui::app::App;
    use evscope::tui::decode::InspectorDecoder;
    use evscope::tui::jobs::Jobs;
    use evscope::tui::update::{apply, update};
    let decoder = std::sync::Arc::new(InspectorDecoder::new(open.inspector.clone()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut jobs = Jobs::new(open, decoder.clone(), tx);
    let mut app = App::new(
        &[uri.to_string()],
        evscope::tui::keymap::Keymap::default(),
        evscope::tui::theme::Theme::load("dark", None).unwrap(),
        decoder,
        false,
        tui_support::now(),
    );
    update(&mut app, Action::Resize(160, 40));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        for effect in app.take_effects() {
            jobs.run(effect);
        }
        if done(&app) {
            return (app, jobs);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(msg)) => apply(&mut app, msg),
            _ => panic!("the load did not end; status {:?}", app.status),
        }
    }
}

/// Reader throughput (run by benches/pulsar_reader.sh, in release mode):
/// 100k messages on one topic, read by evscope (in-process browse, and the
/// whole `evscope peek` process) and by the official Python client
/// (pulsar-client, C++ core) on the same broker. Prints the rates.
#[test]
#[ignore = "benchmark: run benches/pulsar_reader.sh"]
fn bench_reader_100k() {
    run(async {
        let count: usize = std::env::var("EVSCOPE_BENCH_MESSAGES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        let broker = Broker::start(0, false);
        let client = client(&broker).await;
        let topic = unique("bench");
        let body = |i: usize| {
            format!(
                "{{\"eventId\":\"{i:08}\",\"eventName\":\"SEND_EMAIL\",\"creationDate\":\"2024-05-01 12:00:00.000\",\"payload\":{{\"to\":\"user{i}@example.com\",\"n\":{i}}}}}"
            )
        };
        let started = Instant::now();
        produce(
            &client,
            &topic,
            ProducerOptions {
                batch_size: Some(1000),
                ..Default::default()
            },
            (0..count).map(|i| Message {
                payload: body(i).into_bytes(),
                properties: HashMap::from([("k".to_string(), "v".to_string())]),
                ..Default::default()
            }),
        )
        .await;
        eprintln!("produced {count} in {:?}", started.elapsed());
        let uri = broker.uri(&topic);
        let python = std::env::var("EVSCOPE_TEST_PYTHON")
            .unwrap_or_else(|_| format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR")));
        // The Python client reads through the relay evscope must use, and
        // directly (the relay's cost, for the record).
        let python_reader = |address: String| {
            format!(
                r#"
import time, pulsar
c = pulsar.Client("pulsar://{address}", logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
t = time.time()
r = c.create_reader("{}", pulsar.MessageId.earliest, receiver_queue_size=1000)
n = 0
while n < {count}:
    r.read_next(10000)
    n += 1
el = time.time() - t
print("%.0f msg/s (%d in %.3fs)" % (n / el, n, el))
r.close(); c.close()
"#,
                full(&topic)
            )
        };
        // One process per measurement, alternating, so a noisy neighbour
        // hurts every contender alike.
        let reader = std::env::var("EVSCOPE_READ_SOURCE").ok();
        let rounds: usize = std::env::var("EVSCOPE_BENCH_ROUNDS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(5);
        for round in 0..rounds {
            if let Some(reader) = &reader {
                let out = Command::new(reader)
                    .arg(&uri)
                    .output()
                    .expect("read_source");
                assert!(text(&out.stdout).contains(&format!("read {count} ")));
                eprint!("BENCH round {round} evscope reader: {}", text(&out.stdout));
            }
            let started = Instant::now();
            let out = evscope(&["peek", &uri]);
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), count);
            eprintln!(
                "BENCH round {round} evscope peek (whole process, facets, JSON lines): {:.0} msg/s ({count} in {secs:.3}s)",
                count as f64 / secs
            );
            for (path, address) in [
                ("relay", broker.relay.addr.to_string()),
                ("direct", broker.upstream.to_string()),
            ] {
                let out = Command::new(&python)
                    .args(["-c", &python_reader(address)])
                    .output()
                    .expect("python");
                assert!(out.status.success(), "{}", text(&out.stderr));
                eprint!(
                    "BENCH round {round} python pulsar-client reader ({path}): {}",
                    text(&out.stdout)
                );
            }
        }
        // For profiling: keep the broker up and say where it is.
        if let Some(secs) = std::env::var("EVSCOPE_BENCH_HOLD")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            eprintln!("HOLD {uri} for {secs}s");
            tokio::time::sleep(Duration::from_secs(secs)).await;
        }
    });
}

#[test]
fn a_namespace_is_a_scope_that_lists_its_topics() {
    run(async {
        let broker = shared();
        let client = client(broker).await;
        let topic = unique("scoped");
        produce(
            &client,
            &topic,
            ProducerOptions::default(),
            (0..1).map(message),
        )
        .await;
        let namespace = format!("{}/public/default", broker.url());
        assert!(backend::is_scope(&namespace));
        assert!(!backend::is_scope(&broker.uri(&topic)));
        let listed = backend::list_sources(&namespace, &options(broker))
            .await
            .expect("list the namespace");
        assert!(
            listed.iter().any(|l| l.source.uri == broker.uri(&topic)),
            "{listed:?}"
        );
    });
}

// Redrive of dead-letter topics far larger than the drain's bounded queues:
// every message arrives exactly once, the report is exact, and a second
// redrive moves nothing, whether the drain runs to the end or stops early.

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

/// `count` dead letters for `topic` (see `dead`) in `dlq`; `batch` makes
/// the producer batch them.
async fn fill_padded_dlq(
    broker: &Broker,
    dlq: &str,
    topic: &str,
    count: usize,
    pad: usize,
    batch: Option<u32>,
) {
    let options = ProducerOptions {
        batch_size: batch,
        ..Default::default()
    };
    let messages = (0..count).map(|i| dead(i, topic, pad));
    produce(&client(broker).await, dlq, options, messages).await;
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
    let moved = browse(&broker.uri(topic), &options(broker)).await;
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
        fill_padded_dlq(broker, &dlq, &topic, MANY, 16, None).await;
        redrive_exactly(broker, &dlq, &topic, MANY).await;
    });
}

#[test]
fn redrive_of_a_large_batched_dlq_is_exact() {
    run(async {
        let broker = shared();
        let (topic, dlq) = (unique("batched-target"), unique("batched-DLQ"));
        fill_padded_dlq(broker, &dlq, &topic, MANY / 2, 16, Some(500)).await;
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
        fill_padded_dlq(broker, &dlq, &topic, count, 16, None).await;
        let dead = browse(&broker.uri(&dlq), &options(broker)).await;
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
        let moved = browse(&broker.uri(&topic), &options(broker)).await;
        assert_eq!(exactly_once(&moved), (0..5).collect::<BTreeSet<_>>());
        // The rest, and not those five again.
        let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!("{} moved, 0 failed", count - 5)),
            "{}",
            text(&out.stdout)
        );
        let moved = browse(&broker.uri(&topic), &options(broker)).await;
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
        fill_padded_dlq(&broker, &dlq, &topic, count, pad, None).await;
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
        let moved = browse(&broker.uri(&topic), &options(&broker)).await;
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

/// A Pulsar topic keeps its messages (acknowledging them on a subscription
/// does not delete them): `delete` and `purge` are refused up front, in one
/// line that says why, before anything is read or acknowledged, and the
/// messages are all still there.
#[test]
fn delete_and_purge_are_refused_on_a_topic() {
    run(delete_and_purge_are_refused_on_a_topic_async());
}

async fn delete_and_purge_are_refused_on_a_topic_async() {
    let broker = shared();
    let client = client(broker).await;
    let topic = unique("no-delete");
    produce(
        &client,
        &topic,
        ProducerOptions::default(),
        (0..5).map(message),
    )
    .await;
    let uri = broker.uri(&topic);
    let before = browse(&uri, &options(broker)).await;
    assert_eq!(before.len(), 5);
    let id = before[0].id.clone();
    for (args, what) in [
        (
            vec!["delete", &uri, "--ids", &id, "--yes"],
            "deleting events",
        ),
        (
            vec!["delete", &uri, "--ids", &id, "--dry-run"],
            "deleting events",
        ),
        (vec!["purge", &uri, "--yes"], "purging"),
    ] {
        let out = evscope(&args);
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}{err}",
            text(&out.stdout)
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&format!("{what} is not possible")), "{err}");
        assert!(err.contains("keeps its messages"), "{err}");
        assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
    }
    let after = browse(&uri, &options(broker)).await;
    let ids = |events: &[Event]| events.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before));
}

/// The TUI does not offer Delete or Purge on a Pulsar topic: the keys say
/// why in the status bar and open no confirmation (before, Purge asked and
/// then failed, and Delete "deleted" by acknowledging).
#[test]
fn the_tui_offers_no_delete_or_purge_on_a_topic() {
    run(the_tui_offers_no_delete_or_purge_on_a_topic_async());
}

async fn the_tui_offers_no_delete_or_purge_on_a_topic_async() {
    use evscope::tui::action::Action;
    use evscope::tui::app::{App, Mode};
    let broker = shared();
    let client = client(broker).await;
    let topic = unique("tui-no-purge");
    produce(
        &client,
        &topic,
        ProducerOptions::default(),
        (0..3).map(message),
    )
    .await;
    let uri = broker.uri(&topic);
    let open = options(broker);
    let backend = backend::open(&uri, &open).await.expect("open");
    let info = backend.describe().await.expect("describe");
    let records: Vec<Record> = browse(&uri, &open)
        .await
        .into_iter()
        .map(|e| Record::Event(std::sync::Arc::new(e)))
        .collect();
    let decoder = std::sync::Arc::new(tui_support::DemoDecoder);
    let mut app = App::new(
        std::slice::from_ref(&uri),
        evscope::tui::keymap::Keymap::default(),
        evscope::tui::theme::Theme::load("dark", None).unwrap(),
        decoder.clone(),
        false,
        tui_support::now(),
    );
    drop(app.take_effects());
    evscope::tui::update::update(&mut app, Action::Resize(120, 40));
    tui_support::load_records(&mut app, 0, backend, info, records, decoder.as_ref());
    for action in [Action::Purge, Action::Delete] {
        evscope::tui::update::update(&mut app, action.clone());
        assert_eq!(app.mode, Mode::List, "{action:?} opened a dialog");
        assert!(app.dialog.is_none());
        let status = app
            .status
            .clone()
            .map(|s| s.text.to_string())
            .unwrap_or_default();
        assert!(
            status.contains("keeps its messages"),
            "{action:?}: {status}"
        );
    }
    assert!(tui_support::effects(&mut app).is_empty());
}

// Reads through a slow link that splits frames at random boundaries: what
// evscope reads, counts and moves is all there is, or it says what it missed.

/// A slow, frame-splitting relay in front of the shared broker (about
/// 300 kB/s, pieces of up to 3000 bytes), that drops the deliveries of
/// entry `drop.0`, `drop.1` times, when asked to.
fn slow_relay(seed: u64, drop: Option<(u64, u64)>) -> relay::Relay {
    slow_relay_dropping_later(seed, drop, 0)
}

/// [`slow_relay`], passing the first `after` deliveries of the entry.
fn slow_relay_dropping_later(seed: u64, drop: Option<(u64, u64)>, after: u64) -> relay::Relay {
    shared().relay.shaped_twin(
        shared().upstream,
        relay::Shape {
            bytes_per_sec: 300_000,
            max_piece: 3000,
            seed,
            drop_entry: drop.map(|d| d.0),
            drop_times: drop.map_or(0, |d| d.1),
            drop_after: after,
        },
    )
}

/// `count` small JSON messages `{"i":N}` produced in batches of `batch`
/// (`produce` flushes every 50).
async fn produce_batched(topic: &str, count: usize, batch: usize) {
    produce_batched_to(topic, count, batch, None).await;
}

/// [`produce_batched`], each message with REAL_TOPIC `real` when given.
async fn produce_batched_to(topic: &str, count: usize, batch: usize, real: Option<&str>) {
    let client = client(shared()).await;
    let mut producer = client
        .producer()
        .with_topic(full(topic))
        .with_options(ProducerOptions {
            batch_size: Some(batch as u32),
            ..Default::default()
        })
        .build()
        .await
        .expect("producer");
    let mut receipts = Vec::new();
    for i in 0..count {
        let mut properties = HashMap::from([("index".to_string(), i.to_string())]);
        if let Some(real) = real {
            properties.insert("REAL_TOPIC".to_string(), full(real));
        }
        let message = Message {
            payload: format!("{{\"i\":{i}}}").into_bytes(),
            properties,
            ..Default::default()
        };
        receipts.push(producer.send_non_blocking(message).await.expect("queue"));
        if receipts.len() == batch || i + 1 == count {
            producer.send_batch().await.expect("flush batch");
            for r in receipts.drain(..) {
                r.await.expect("receipt");
            }
        }
    }
    producer.close().await.expect("close producer");
}

/// `count` messages `{"i":N}` produced by the official Python client with
/// its default batching (up to 1000 a batch, flushed every 10 ms).
fn produce_with_python(topic: &str, count: usize) {
    let python = std::env::var("EVSCOPE_TEST_PYTHON")
        .unwrap_or_else(|_| format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR")));
    let script = format!(
        r#"
import pulsar
c = pulsar.Client("{}", logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
p = c.create_producer("{}", batching_enabled=True, block_if_queue_full=True)
failed = []
def done(result, _id):
    if result != pulsar.Result.Ok:
        failed.append(result)
for i in range({count}):
    p.send_async(('{{"i":%d}}' % i).encode(), done, properties={{"index": str(i)}})
p.flush()
c.close()
assert not failed, failed[:3]
"#,
        shared().url(),
        full(topic)
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .output()
        .expect("python");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// The `i` of each capture line, checking that no message id came twice.
fn indexes_once(stdout: &[u8]) -> BTreeSet<usize> {
    let mut ids = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for line in text(stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("capture line");
        let id = v["id"].as_str().expect("id").to_string();
        assert!(ids.insert(id.clone()), "message id {id} came twice");
        let i = v["body"]["i"].as_u64().expect("i") as usize;
        assert!(seen.insert(i), "message {i} came twice");
    }
    seen
}

/// Runs of missing indexes, for a readable failure.
fn missing_runs(seen: &BTreeSet<usize>, count: usize) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for i in (0..count).filter(|i| !seen.contains(i)) {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == i => *end = i,
            _ => runs.push((i, i)),
        }
    }
    runs
}

#[test]
#[ignore = "benchmark: run benches/pulsar_complete.sh"]
fn bench_complete_100k() {
    run(async {
        let env = |name: &str, default: u64| -> u64 {
            std::env::var(name)
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(default)
        };
        let count = env("EVSCOPE_BENCH_MESSAGES", 100_000) as usize;
        let rate = env("EVSCOPE_BENCH_RATE", 2_000_000);
        let rounds = env("EVSCOPE_BENCH_ROUNDS", 3);
        let topic = unique("complete-bench");
        let started = Instant::now();
        if std::env::var("EVSCOPE_BENCH_PYTHON_PRODUCER").is_ok() {
            produce_with_python(&topic, count);
        } else {
            produce_batched(&topic, count, SLOW_BATCH).await;
        }
        eprintln!("produced {count} in {:?}", started.elapsed());
        let slow = shared().relay.shaped_twin(
            shared().upstream,
            relay::Shape {
                bytes_per_sec: rate,
                max_piece: 3000,
                seed: 5,
                drop_entry: None,
                drop_times: 0,
                drop_after: 0,
            },
        );
        let uri = format!("{}/{topic}", slow.url());
        for round in 0..rounds {
            let started = Instant::now();
            let out = evscope(&["peek", &uri, "--from", "earliest"]);
            let secs = started.elapsed().as_secs_f64();
            let seen = indexes_once(&out.stdout);
            eprintln!(
                "BENCH round {round} peek via slow relay ({rate} B/s): {} of {count} once each in {secs:.2}s ({:.0} msg/s), exit {:?}, missing {:?} {}",
                seen.len(),
                count as f64 / secs,
                out.status.code(),
                missing_runs(&seen, count),
                text(&out.stderr).trim()
            );
            assert!(out.status.success() && seen.len() == count);
        }
        // The same DLQ-sized redrive the issue tried: 30% of the count.
        let (target, dlq) = (unique("complete-target"), unique("complete-DLQ"));
        let dead = count * 3 / 10;
        produce_batched_dlq(&dlq, &target, dead, SLOW_BATCH).await;
        let started = Instant::now();
        let (code, report, stderr) = redrive_via(&slow, &dlq);
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "BENCH redrive of {dead} via slow relay: {secs:.2}s ({:.0} msg/s), exit {code:?}: {} {}",
            dead as f64 / secs,
            report.trim().replace('\n', " | "),
            stderr.trim()
        );
        let moved = browse(&broker_uri(&target), &options(shared())).await;
        assert_eq!(exactly_once(&moved), (0..dead).collect::<BTreeSet<_>>());
        eprintln!("BENCH redrive exact: {dead} in the target once each");
        slow.tally().assert_lossless();
        eprintln!("BENCH relay lossless: {:?}", slow.tally());
    });
}

/// Messages in the slow-link tests: 15 batches of 540 (a few seconds through
/// the slow relay in a debug build).
const SLOW: usize = 8_000;
/// The batch size the issue saw (the Python client's, with its 10 ms delay).
const SLOW_BATCH: usize = 540;

#[test]
fn a_slow_frame_splitting_link_loses_nothing_in_peek_export_and_check() {
    run(async {
        let topic = unique("slow-batched");
        produce_batched(&topic, SLOW, SLOW_BATCH).await;
        let slow = slow_relay(11, None);
        let uri = format!("{}/{topic}", slow.url());
        let out = evscope(&["peek", &uri, "--from", "earliest"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let seen = indexes_once(&out.stdout);
        assert_eq!(seen.len(), SLOW, "missing {:?}", missing_runs(&seen, SLOW));
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("export.jsonl");
        let out = evscope(&["export", &uri, "-o", file.to_str().expect("path")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let exported = indexes_once(&std::fs::read(&file).expect("export written"));
        assert_eq!(exported.len(), SLOW);
        let out = evscope(&["check", &uri]);
        assert!(out.status.code() != Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&SLOW.to_string()),
            "{}",
            text(&out.stdout)
        );
        slow.tally().assert_lossless();
    });
}

#[test]
fn a_delivery_lost_on_the_way_is_read_again_by_seeking() {
    run(async {
        let topic = unique("lost-once");
        produce_batched(&topic, SLOW, SLOW_BATCH).await;
        // The relay drops the first delivery of entry 3 (540 messages).
        let slow = slow_relay(12, Some((3, 1)));
        let uri = format!("{}/{topic}", slow.url());
        let out = evscope(&["peek", &uri, "--from", "earliest"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let seen = indexes_once(&out.stdout);
        assert_eq!(seen.len(), SLOW, "missing {:?}", missing_runs(&seen, SLOW));
        assert_eq!(slow.tally().dropped(), 1);
        slow.tally().assert_lossless();
    });
}

#[test]
fn messages_that_cannot_be_read_fail_peek_export_and_check_naming_the_gap() {
    run(async {
        let topic = unique("lost-always");
        produce_batched(&topic, SLOW, SLOW_BATCH).await;
        // Every delivery of entry 3 is dropped: it cannot be read.
        let slow = slow_relay(13, Some((3, u64::MAX)));
        let uri = format!("{}/{topic}", slow.url());
        let gap = |out: &Output| {
            assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains(" between ")
                    && stderr.contains(":3:-1 could not be read")
                    && stderr.starts_with("evscope: "),
                "{stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
        };
        let out = evscope(&["peek", &uri, "--from", "earliest"]);
        gap(&out);
        // Everything else was printed, once.
        let seen = indexes_once(&out.stdout);
        assert_eq!(seen.len(), SLOW - SLOW_BATCH);
        assert_eq!(
            missing_runs(&seen, SLOW),
            vec![(3 * SLOW_BATCH, 4 * SLOW_BATCH - 1)]
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("export.jsonl");
        gap(&evscope(&[
            "export",
            &uri,
            "-o",
            file.to_str().expect("path"),
        ]));
        assert!(
            !file.exists(),
            "an incomplete export must not look complete"
        );
        gap(&evscope(&["check", &uri]));
        assert!(slow.tally().dropped() >= 4, "{:?}", slow.tally());
        slow.tally().assert_lossless();
    });
}

/// A DLQ of `count` dead letters for `topic` in batches of `batch`, each
/// `{"i":N}` with REAL_TOPIC, produced whole entries at a time.
async fn produce_batched_dlq(dlq: &str, topic: &str, count: usize, batch: usize) {
    produce_batched_to(dlq, count, batch, Some(topic)).await;
}

/// Redrive `dlq` through `relay`; the report, its exit code and stderr.
fn redrive_via(relay: &relay::Relay, dlq: &str) -> (Option<i32>, String, String) {
    let out = evscope(&["redrive", &format!("{}/{dlq}", relay.url()), "--yes"]);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_batched_redrive_through_a_slow_link_moves_every_message_once() {
    run(async {
        let (topic, dlq) = (unique("slow-target"), unique("slow-DLQ"));
        produce_batched_dlq(&dlq, &topic, SLOW, SLOW_BATCH).await;
        let slow = slow_relay(21, None);
        let (code, report, stderr) = redrive_via(&slow, &dlq);
        assert_eq!(code, Some(0), "{report}{stderr}");
        assert!(
            report.contains(&format!("{SLOW} moved, 0 failed")),
            "{report}"
        );
        assert!(
            report.contains(&format!(
                "left behind: 0 still in the source (of {SLOW} before)"
            )),
            "{report}"
        );
        let moved = browse(&broker_uri(&topic), &options(shared())).await;
        assert_eq!(exactly_once(&moved), (0..SLOW).collect::<BTreeSet<_>>());
        let (code, report, stderr) = redrive_via(&slow, &dlq);
        assert_eq!(code, Some(0), "{report}{stderr}");
        assert!(report.contains("0 moved, 0 failed"), "{report}");
        assert!(report.contains("left behind: 0"), "{report}");
        slow.tally().assert_lossless();
    });
}

#[test]
fn a_redrive_that_never_received_an_entry_says_it_was_left_behind_and_a_rerun_moves_it() {
    run(async {
        let (topic, dlq) = (unique("left-target"), unique("left-DLQ"));
        produce_batched_dlq(&dlq, &topic, SLOW, SLOW_BATCH).await;
        // The count before the walk gets entry 3; the walk's delivery of it
        // is dropped on the way; the count after gets it again.
        let slow = slow_relay_dropping_later(22, Some((3, 1)), 1);
        let (code, report, stderr) = redrive_via(&slow, &dlq);
        assert_eq!(code, Some(2), "{report}{stderr}");
        let rest = SLOW - SLOW_BATCH;
        assert!(
            report.contains(&format!("{rest} moved, 0 failed")),
            "{report}"
        );
        assert!(
            report.contains(&format!(
                "left behind: {SLOW_BATCH} still in the source (of {SLOW} before)"
            )),
            "{report}"
        );
        assert_eq!(
            stderr.trim(),
            format!(
                "evscope: {SLOW_BATCH} events left behind in the source that this run never received: run it again"
            )
        );
        assert_eq!(slow.tally().dropped(), 1);
        // A second run finishes the job: every message in the target once.
        let (code, report, stderr) = redrive_via(&slow, &dlq);
        assert_eq!(code, Some(0), "{report}{stderr}");
        assert!(
            report.contains(&format!("{SLOW_BATCH} moved, 0 failed")),
            "{report}"
        );
        let moved = browse(&broker_uri(&topic), &options(shared())).await;
        assert_eq!(exactly_once(&moved), (0..SLOW).collect::<BTreeSet<_>>());
        slow.tally().assert_lossless();
    });
}

#[test]
fn a_redrive_of_some_messages_of_a_batch_never_removes_the_others() {
    run(async {
        let (topic, dlq) = (unique("part-target"), unique("part-DLQ"));
        let count = 1_000;
        produce_batched_dlq(&dlq, &topic, count, 500).await;
        let dead = browse(&broker_uri(&dlq), &options(shared())).await;
        let ids: Vec<&str> = dead[..5].iter().map(|e| e.id.as_str()).collect();
        let out = evscope(&[
            "redrive",
            &broker_uri(&dlq),
            "--ids",
            &ids.join(","),
            "--yes",
        ]);
        let report = text(&out.stdout);
        // Sent, but their entry holds 495 more: it stays, and says so.
        assert_eq!(out.status.code(), Some(1), "{report}{}", text(&out.stderr));
        assert!(report.contains("0 moved, 0 failed"), "{report}");
        assert!(
            report.contains("sent but still in the source (now in both): 5 events"),
            "{report}"
        );
        // Nothing was lost: the whole DLQ still moves.
        let out = evscope(&["redrive", &broker_uri(&dlq), "--yes"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&format!("{count} moved, 0 failed")));
        let moved = browse(&broker_uri(&topic), &options(shared())).await;
        let distinct: BTreeSet<usize> = moved
            .iter()
            .map(|e| e.attributes["index"].parse().expect("index"))
            .collect();
        assert_eq!(distinct, (0..count).collect::<BTreeSet<_>>());
        assert_eq!(moved.len(), count + 5, "the five sent twice, no more");
    });
}

fn broker_uri(topic: &str) -> String {
    shared().uri(topic)
}

/// The TUI's own load path (the background job that opens, describes and
/// browses a source) through a link that loses every delivery of one
/// entry: the source shows the gap as its failure, in its state, its pane
/// and the status line, and keeps every event it did read.
#[test]
fn the_tuis_load_shows_a_gap_it_could_not_read_on_the_source() {
    run(async {
        use evscope::tui::app::LoadState;
        let topic = unique("tui-gap");
        produce_batched(&topic, SLOW, SLOW_BATCH).await;
        let slow = slow_relay(14, Some((3, u64::MAX)));
        let uri = format!("{}/{topic}", slow.url());
        let open = options(shared());
        let (app, jobs) = tui_load(&uri, open, |app| {
            matches!(
                app.sources[0].state,
                LoadState::Failed(_) | LoadState::Loaded
            )
        })
        .await;
        let LoadState::Failed(error) = &app.sources[0].state else {
            panic!("a load that missed an entry said it was complete");
        };
        assert!(
            error.as_str().contains(" between ")
                && error.as_str().contains(":3:-1 could not be read"),
            "{}",
            error.as_str()
        );
        let status = app.status.clone().map(|s| s.text.to_string());
        assert!(
            status
                .as_deref()
                .is_some_and(|s| s.contains("could not be read")),
            "{status:?}"
        );
        // Everything else it read is there, each once.
        assert_eq!(app.store.len(), SLOW - SLOW_BATCH);
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 40)).unwrap();
        terminal
            .draw(|frame| evscope::tui::views::render(&app, &app.theme, frame))
            .unwrap();
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(screen.contains("could not be read"), "{screen}");
        // The relay's counts are final once the TUI let go of the source.
        drop((app, jobs));
        slow.tally().assert_lossless();
        assert!(slow.tally().dropped() >= 1, "{:?}", slow.tally());
    });
}

/// A tail that started at the newest message keeps going across a broken
/// link: what was published while it was away is shown once it is back,
/// without waiting for anything newer, and nothing twice. (The pulsar crate
/// re-subscribes with the options the reader was made with: from "latest",
/// that skipped what came meanwhile.)
#[test]
fn a_tail_cut_off_mid_way_shows_what_was_published_meanwhile() {
    run(async {
        let broker = shared();
        let client = client(broker).await;
        let topic = unique("tail-cut");
        let send = |range: std::ops::Range<usize>| {
            let client = client.clone();
            let topic = topic.clone();
            async move {
                produce(
                    &client,
                    &topic,
                    ProducerOptions::default(),
                    range.map(message),
                )
                .await;
            }
        };
        send(0..3).await;
        let link = broker.relay.twin(broker.upstream);
        let backend = backend::open(&format!("{}/{topic}", link.url()), &options(broker))
            .await
            .expect("open");
        // Not browsed: the tail starts after the last message there is.
        let (tx, mut rx) = mpsc::channel(16);
        let follower = {
            let backend = backend.clone();
            tokio::spawn(async move { backend.tail(tx).await })
        };
        let mut seen = Vec::new();
        // The tail is live once a new message shows.
        tokio::time::sleep(Duration::from_millis(300)).await;
        send(3..4).await;
        if !shown(&mut rx, &mut seen, 1, "before the cut").await {
            panic!("the tail ended: {:?}", follower.await);
        }
        // The link breaks and stays down while 4..8 are published.
        let before = link.tally().connections.load(Ordering::Relaxed);
        link.cut(true);
        send(4..8).await;
        link.accept();
        shown(
            &mut rx,
            &mut seen,
            5,
            "after the cut, nothing newer published",
        )
        .await;
        send(8..10).await;
        if !shown(&mut rx, &mut seen, 7, "after the cut, newer ones").await {
            panic!("the tail ended: {:?}", follower.await);
        }
        let expected: Vec<String> = (3..10)
            .map(|i| String::from_utf8(message(i).payload).expect("utf-8"))
            .collect();
        assert_eq!(seen, expected);
        // Nothing more comes (no message twice).
        assert!(
            tokio::time::timeout(Duration::from_millis(500), rx.recv())
                .await
                .is_err()
        );
        drop(rx);
        follower.await.expect("join").expect("tail ends cleanly");
        // pulsar-lite keeps a non-durable subscription's place across a
        // reconnection, Apache Pulsar does not: there, a re-subscription
        // without a message id starts at the newest message. Every one
        // after the cut names where to start.
        let again: Vec<_> = link
            .subscribes(&full(&topic))
            .into_iter()
            .filter(|s| s.connection > before)
            .collect();
        assert!(!again.is_empty(), "no re-subscription after the cut");
        assert!(again.iter().all(|s| s.start.is_some()), "{again:?}");
    });
}

/// Take a tail's events (payloads as text) into `seen` until it holds
/// `count` of them (30 s at most); `false` when the tail ended first.
async fn shown(
    rx: &mut mpsc::Receiver<Vec<Record>>,
    seen: &mut Vec<String>,
    count: usize,
    what: &str,
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        let batch = tokio::time::timeout(left, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("{what}: only {} of {count} shown: {seen:?}", seen.len()));
        let Some(batch) = batch else {
            return false;
        };
        for record in batch {
            let raw = record.decode().expect("event").0.raw;
            seen.push(String::from_utf8(raw).expect("utf-8"));
        }
    }
    true
}

/// A redrive started while another holds the redrive subscription tries
/// it again until the time limit, then says so in one line; once the holder
/// is gone, the next redrive moves everything.
#[test]
fn a_redrive_meeting_a_held_subscription_says_so_and_moves_nothing() {
    run(async {
        let broker = shared();
        let topic = unique("busy-target");
        let dlq = unique("busy-DLQ");
        let count = 20_000;
        fill_dlq(broker, &dlq, &topic, count).await;
        let mut holder = start_redrive(broker, &dlq);
        wait_for_topic(broker, &topic).await;
        let started = Instant::now();
        let out = evscope(&[
            "redrive",
            &broker.uri(&dlq),
            "--yes",
            "--pulsar-timeout",
            "1",
        ]);
        let waited = started.elapsed();
        let holder_done = holder.try_wait().expect("wait").is_some();
        holder.kill().expect("kill");
        holder.wait().expect("wait");
        if !holder_done {
            let complaint = text(&out.stderr);
            assert!(!out.status.success(), "{}", text(&out.stdout));
            assert!(
                complaint.contains("in use") || complaint.contains("another redrive holding it"),
                "{complaint}"
            );
            assert_eq!(complaint.lines().count(), 1, "{complaint}");
            assert!(
                waited >= Duration::from_millis(700),
                "tried again: {waited:?}"
            );
        }
        let out = evscope(&["redrive", &broker.uri(&dlq), "--yes"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let moved = browse(&broker.uri(&topic), &options(broker)).await;
        let expected: BTreeSet<_> = (0..count).map(|i| message(i).payload).collect();
        assert_eq!(payload_set(&moved), expected, "nothing lost");
    });
}
