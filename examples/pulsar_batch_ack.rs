//! Minimal reproduction for the pulsar crate (docs/upstream/pulsar-crate.md):
//! acknowledging ONE message of a batch acknowledges the whole batch entry.
//!
//! Produces 10 messages in one batch, receives all 10 on a durable
//! subscription, acknowledges only the first, closes the consumer and
//! subscribes again. The Java and C++ clients keep a batch's
//! acknowledgements until every message of it is acknowledged (or send an
//! ack set with batch-index acknowledgement), so 9 messages come back.
//! With the pulsar crate 6.9 none come back: its `ack` sends the message
//! id of the one message (ledger, entry, batch index) without an ack set,
//! and the broker acknowledges the whole entry.
//!
//! ```sh
//! cargo run --example pulsar_batch_ack -- pulsar://localhost:6650
//! ```
//! (Apache Pulsar standalone; for pulsar-lite, run it through
//! benches/slow_relay.py, which adds the checksums the crate requires.)

use std::time::Duration;

use futures::StreamExt;
use pulsar::consumer::InitialPosition;
use pulsar::producer::Message;
use pulsar::{ConsumerOptions, ProducerOptions, Pulsar, SubType, TokioExecutor};

type Consumer = pulsar::Consumer<Vec<u8>, TokioExecutor>;

#[tokio::main]
async fn main() -> Result<(), pulsar::Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "pulsar://localhost:6650".into());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let topic = format!("persistent://public/default/batch-ack-{stamp}");
    let client: Pulsar<TokioExecutor> = Pulsar::builder(url, TokioExecutor).build().await?;

    // The subscription exists before the messages are produced.
    drop(subscribe(&client, &topic).await?);

    let mut producer = client
        .producer()
        .with_topic(&topic)
        .with_options(ProducerOptions {
            batch_size: Some(10),
            ..Default::default()
        })
        .build()
        .await?;
    let mut receipts = Vec::new();
    for i in 0..10 {
        let message = Message {
            payload: format!("message {i}").into_bytes(),
            ..Default::default()
        };
        receipts.push(producer.send_non_blocking(message).await?);
    }
    producer.send_batch().await?;
    for receipt in receipts {
        let receipt = receipt.await?;
        if let Some(id) = receipt.message_id {
            println!(
                "sent: ledger {} entry {} batch index {:?}",
                id.ledger_id, id.entry_id, id.batch_index
            );
        }
    }

    let mut consumer = subscribe(&client, &topic).await?;
    let received = take(&mut consumer, 10).await;
    println!("first subscription: {} received", received.len());
    if let Some(first) = received.first() {
        println!(
            "acknowledging one: ledger {} entry {} batch index {:?}",
            first.message_id.id.ledger_id,
            first.message_id.id.entry_id,
            first.message_id.id.batch_index
        );
        consumer.ack(first).await?;
    }
    // Acks are one-way: a round trip on the same connection pushes it out.
    let _ = consumer.get_last_message_id().await;
    consumer.close().await?;
    drop(consumer);

    let mut consumer = subscribe(&client, &topic).await?;
    let again = take(&mut consumer, 10).await;
    println!(
        "second subscription: {} received (expected 9: only one was acknowledged)",
        again.len()
    );
    consumer.close().await?;
    Ok(())
}

async fn subscribe(client: &Pulsar<TokioExecutor>, topic: &str) -> Result<Consumer, pulsar::Error> {
    client
        .consumer()
        .with_topic(topic)
        .with_subscription("batch-ack-repro")
        .with_subscription_type(SubType::Exclusive)
        .with_options(
            ConsumerOptions::default()
                .durable(true)
                .with_initial_position(InitialPosition::Earliest),
        )
        .build()
        .await
}

/// Up to `count` messages, waiting at most 3 s for each.
async fn take(consumer: &mut Consumer, count: usize) -> Vec<pulsar::consumer::Message<Vec<u8>>> {
    let mut out = Vec::new();
    while out.len() < count {
        match tokio::time::timeout(Duration::from_secs(3), consumer.next()).await {
            Ok(Some(Ok(message))) => out.push(message),
            _ => break,
        }
    }
    out
}
