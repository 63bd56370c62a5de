//! The source side of a redrive: a durable subscription on the dead-letter
//! topic (default `evscope-redrive`). Events are handed out as received and
//! acknowledged on that subscription only when `remove` is called, which
//! ops::redrive does only after the target confirmed their send. Whatever is
//! not acknowledged is delivered again to the next run. The DLQ topic keeps
//! its messages (Pulsar retention decides); "moved" means acknowledged on
//! the redrive subscription.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use pulsar::consumer::InitialPosition;
use pulsar::proto::MessageIdData;
use pulsar::{ConsumerOptions, SubType};

use super::browse::{Reader, reached};
use super::connect::Client;
use super::convert::{Received, take_dlq_properties, to_event};
use super::error::PulsarError;
use super::topic::TopicName;
use crate::backend::{BackendError, Drain, LeaseId, Leased};

/// The drain consumer's queue bound (see `open`).
const DRAIN_QUEUE: u32 = 1 << 24;
/// How many events one batch holds at most.
const BATCH: usize = 256;
/// With nothing arriving for this long, the subscription is drained.
const IDLE: Duration = Duration::from_secs(2);
/// Within a batch, how long to wait for one more message.
const GAP: Duration = Duration::from_millis(100);

/// A redrive's hold on a dead-letter topic.
pub struct PulsarDrain {
    client: Client,
    uri: String,
    consumer: Reader,
    /// The last message of the topic when the drain started, when known.
    last: Option<MessageIdData>,
    held: HashMap<LeaseId, (String, MessageIdData)>,
    /// Every message handed out, so a redelivery is not handed out twice.
    handed: HashSet<(String, u64, u64, i32)>,
    next_lease: LeaseId,
    exhausted: bool,
}

impl PulsarDrain {
    /// Subscribe (durably, exclusively) to `topic` as `subscription`.
    pub async fn open(
        client: Client,
        uri: String,
        topic: &TopicName,
        subscription: &str,
    ) -> Result<PulsarDrain, PulsarError> {
        let builder = client
            .pulsar
            .consumer()
            .with_topic(topic.to_string())
            .with_subscription(subscription)
            .with_subscription_type(SubType::Exclusive)
            .with_consumer_name("evscope-redrive")
            .with_batch_size(BATCH as u32)
            .with_options(
                ConsumerOptions::default()
                    .durable(true)
                    .with_initial_position(InitialPosition::Earliest)
                    // The crate's consumer engine stops handling
                    // acknowledgements while its queue to us is full (it
                    // refills broker permits on arrival, not on use), so
                    // the queue must never fill: the DLQ may be buffered
                    // here whole.
                    .with_receiver_queue_size(DRAIN_QUEUE),
            );
        let mut consumer: Reader = client
            .op(
                format!("subscribing to {topic} as {subscription}"),
                builder.build(),
            )
            .await
            .map_err(|e| match e {
                PulsarError::Broker(text) if text.contains("ConsumerBusy") => PulsarError::Broker(
                    format!(
                        "subscription {subscription} on {topic} is in use (another redrive running?)"
                    ),
                ),
                other => other,
            })?;
        let (last, exhausted) = if consumer.topics().len() == 1 {
            match super::browse::last_message_id(&client, &mut consumer).await? {
                Some(last) => (Some(last), false),
                None => (None, true),
            }
        } else {
            (None, false)
        };
        Ok(PulsarDrain {
            client,
            uri,
            consumer,
            last,
            held: HashMap::new(),
            handed: HashSet::new(),
            next_lease: 0,
            exhausted,
        })
    }
}

impl PulsarDrain {
    /// Nothing arrived for IDLE: the subscription is drained, unless the
    /// topic's last message was never seen and the broker is gone.
    async fn check_idle(&mut self) -> Result<(), BackendError> {
        if self.last.is_none() {
            return Ok(());
        }
        self.client
            .op("checking the broker", self.consumer.check_connection())
            .await
            .map_err(|e| e.at(&self.uri))
    }
}

#[async_trait]
impl Drain for PulsarDrain {
    async fn next_batch(&mut self) -> Result<Vec<Leased>, BackendError> {
        let mut batch = Vec::new();
        while !self.exhausted && batch.len() < BATCH {
            let wait = if batch.is_empty() { IDLE } else { GAP };
            let message = match tokio::time::timeout(wait, self.consumer.next()).await {
                Err(_) => {
                    if batch.is_empty() {
                        self.check_idle().await?;
                        self.exhausted = true;
                    }
                    break;
                }
                Ok(None) => {
                    self.exhausted = true;
                    break;
                }
                Ok(Some(Err(error))) => {
                    return Err(PulsarError::from_client(error, &self.client.url).at(&self.uri));
                }
                Ok(Some(Ok(message))) => message,
            };
            let id = message.message_id.id.clone();
            if let Some(last) = &self.last {
                if reached(&id, message.payload.metadata.num_messages_in_batch, last) {
                    self.exhausted = true;
                }
            }
            let key = (
                message.topic.clone(),
                id.ledger_id,
                id.entry_id,
                id.batch_index.unwrap_or(-1),
            );
            if !self.handed.insert(key) {
                continue;
            }
            let received = Received {
                topic: message.topic,
                id,
                payload: message.payload,
            };
            let mut event = to_event(&received, &self.uri);
            take_dlq_properties(&mut event);
            let lease = self.next_lease;
            self.next_lease += 1;
            self.held.insert(lease, (received.topic, received.id));
            batch.push(Leased { lease, event });
        }
        Ok(batch)
    }

    async fn remove(
        &mut self,
        leases: &[LeaseId],
    ) -> Result<Vec<Result<(), String>>, BackendError> {
        let mut outcomes = Vec::with_capacity(leases.len());
        let limit = self.client.settings.timeout;
        let mut lost: Option<String> = None;
        for lease in leases {
            let outcome = match (self.held.remove(lease), &lost) {
                (None, _) => Err(format!("event {lease} was not handed out by this drain")),
                // The broker stopped answering: do not wait once per event.
                (Some(_), Some(reason)) => Err(reason.clone()),
                // Bounded: with the broker gone, an ack can wait forever
                // on a reconnecting engine.
                (Some((topic, id)), None) => {
                    match tokio::time::timeout(limit, self.consumer.ack_with_id(&topic, id)).await {
                        Ok(result) => result.map_err(|e| format!("acknowledging failed: {e}")),
                        Err(_) => {
                            let reason =
                                format!("acknowledging failed: no answer within {limit:?}");
                            lost = Some(reason.clone());
                            Err(reason)
                        }
                    }
                }
            };
            outcomes.push(outcome);
        }
        if let Some(reason) = lost {
            return Ok(outcomes
                .into_iter()
                .map(|o| o.and(Err(reason.clone())))
                .collect());
        }
        // Acknowledgements are one-way in the protocol. Push them out: a
        // round trip through the consumer's engine (acks queued before it are
        // written first), then one to the broker on the same connection
        // (which handles commands in order).
        let flush = async {
            self.consumer.connections().await?;
            self.consumer.get_last_message_id().await
        };
        if let Err(error) = self.client.op("acknowledging moved events", flush).await {
            let benign = matches!(&error, PulsarError::Broker(t) if t.contains("no messages"));
            if !benign {
                let reason = format!("acknowledgement not confirmed: {error}");
                return Ok(outcomes
                    .into_iter()
                    .map(|o| o.and(Err(reason.clone())))
                    .collect());
            }
        }
        Ok(outcomes)
    }

    async fn finish(mut self: Box<Self>) -> Result<(), BackendError> {
        // Unacknowledged events go back to the subscription when it closes.
        let _ = self
            .client
            .op("closing the redrive subscription", self.consumer.close())
            .await;
        Ok(())
    }
}
