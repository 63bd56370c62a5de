//! The source side of a redrive: a durable subscription on the dead-letter
//! topic (default `evscope-redrive`). Events are handed out as received and
//! acknowledged on that subscription only when `remove` is called, which
//! ops::redrive does only after the target confirmed their send. Whatever is
//! not acknowledged is delivered again to the next run. The DLQ topic keeps
//! its messages (Pulsar retention decides); "moved" means acknowledged on
//! the redrive subscription.
//!
//! Memory is bounded. The pulsar crate (6.9) runs one engine task per
//! consumer that handles, in arrival order, both the broker's messages and
//! our acknowledgements and requests. It grants the broker new permits as
//! messages arrive, not as we take them, so it reads ahead until its queue
//! to us (`DRAIN_QUEUE`) is full and then waits for room; everything queued
//! behind that wait (up to `PERMITS` more messages, then our
//! acknowledgements) waits too. So before asking the engine for anything,
//! the drain takes what the queue holds into its own read-ahead buffer
//! (`make_room`), which leaves the engine room for whatever is ahead of the
//! request. The read-ahead is handed out first by the next batch, so it
//! never holds more than one queue's worth (`READ_AHEAD`), with a broker
//! that counts permits per message (see `ask`).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use pulsar::consumer::{InitialPosition, Message};
use pulsar::proto::MessageIdData;
use pulsar::{ConsumerOptions, SubType};
use tokio::time::Instant;

use super::browse::{Reader, reached};
use super::connect::Client;
use super::convert::{Received, take_dlq_properties};
use super::error::PulsarError;
use super::topic::TopicName;
use crate::backend::{BackendError, Drain, LeaseId, Leased, Removed, keyed_in_order};

/// The consumer engine's queue to the drain, in messages.
const DRAIN_QUEUE: u32 = 2048;
/// How many messages the broker may send ahead of the engine (its flow
/// permits), which is also how far a request to the engine can be queued
/// behind messages (plus one batch entry).
const PERMITS: u32 = 256;
/// How many received messages the drain holds besides the engine's queue.
const READ_AHEAD: usize = 2 * DRAIN_QUEUE as usize;
/// How many events one batch holds at most, unless read-ahead is waiting.
const BATCH: usize = 256;
/// With nothing arriving for this long, the subscription is drained.
const IDLE: Duration = Duration::from_secs(2);
/// Within a batch, how long to wait for one more message.
const GAP: Duration = Duration::from_millis(100);
/// The first wait for the engine's answer to a request; it doubles while
/// the engine is still stuck behind messages (a new `make_room` each time),
/// within the configured timeout.
const FIRST_WAIT: Duration = Duration::from_millis(50);

/// A received message.
type Delivered = Message<Vec<u8>>;

/// A redrive's hold on a dead-letter topic.
pub struct PulsarDrain {
    client: Client,
    uri: String,
    consumer: Reader,
    /// The last message of the topic when the drain started, when known.
    last: Option<MessageIdData>,
    held: HashMap<LeaseId, (String, MessageIdData)>,
    /// By topic (partition), the position of the last message handed out,
    /// so a redelivery is not handed out twice: a topic delivers in order,
    /// and what it delivers again (after a reconnection) comes from before
    /// that position. A position per topic, not one entry per message, so
    /// memory does not grow with the backlog.
    handed: HashMap<String, (u64, u64, i32)>,
    next_lease: LeaseId,
    exhausted: bool,
    /// Messages taken from the engine's queue but not handed out yet.
    ahead: VecDeque<Delivered>,
    /// The consumer's stream failed while reading ahead.
    ahead_error: Option<pulsar::Error>,
    /// The consumer's stream ended while reading ahead.
    ahead_end: bool,
    /// How many messages `ahead` may hold (`READ_AHEAD`, unless the broker
    /// needs more, see `ask`).
    ahead_limit: usize,
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
            .with_batch_size(PERMITS)
            .with_options(
                ConsumerOptions::default()
                    .durable(true)
                    .with_initial_position(InitialPosition::Earliest)
                    .with_receiver_queue_size(DRAIN_QUEUE),
            );
        let consumer: Reader = client
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
        let mut drain = PulsarDrain {
            client,
            uri,
            consumer,
            last: None,
            held: HashMap::new(),
            handed: HashMap::new(),
            next_lease: 0,
            exhausted: false,
            ahead: VecDeque::new(),
            ahead_error: None,
            ahead_end: false,
            ahead_limit: READ_AHEAD,
        };
        if drain.consumer.topics().len() == 1 {
            // The engine may have filled its queue already.
            drain.last = drain
                .ask("asking for the last message id", last_message_id)
                .await?;
            drain.exhausted = drain.last.is_none();
        }
        Ok(drain)
    }

    /// Take what the engine has queued for us into `ahead`, so the engine
    /// can go on to whatever we ask of it next (see the module comment).
    /// Once exhausted, nothing more is handed out: what is read is dropped
    /// (never handed out, it is delivered again to the next run).
    /// Returns how many messages it took.
    fn make_room(&mut self) -> usize {
        let mut taken = 0;
        while taken < self.ahead_limit {
            if self.ahead_end || self.ahead_error.is_some() {
                break;
            }
            if self.exhausted {
                self.ahead.clear();
            } else if self.ahead.len() >= self.ahead_limit {
                break;
            }
            match self.consumer.next().now_or_never() {
                None => break,
                Some(None) => self.ahead_end = true,
                Some(Some(Ok(message))) => self.ahead.push_back(message),
                Some(Some(Err(error))) => self.ahead_error = Some(error),
            }
            taken += 1;
        }
        taken
    }

    /// Ask the consumer's engine for something and wait for its answer,
    /// making room (`make_room`) again whenever it is slow to come. Gives up
    /// after the configured timeout without an answer or a message.
    ///
    /// When the broker sends more than its permits suggest (brokers that
    /// count a batch entry as one permit: the crate asks for as many permits
    /// as it got messages), a full read-ahead may not be room enough: then
    /// the read-ahead grows, up to the whole backlog in the worst case (what
    /// the drain always held before it was bounded).
    async fn ask<T>(&mut self, what: &str, request: Request<T>) -> Result<T, PulsarError> {
        let limit = self.client.settings.timeout;
        let mut deadline = Instant::now() + limit;
        let mut wait = FIRST_WAIT;
        loop {
            if self.make_room() > 0 {
                // Messages are coming: the broker is there.
                deadline = Instant::now() + limit;
                wait = FIRST_WAIT;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PulsarError::Timeout {
                    what: what.to_string(),
                    after: limit,
                });
            }
            let attempt = request(&self.client, &mut self.consumer);
            if let Ok(answer) = tokio::time::timeout(wait.min(left), attempt).await {
                return answer;
            }
            if self.ahead.len() >= self.ahead_limit {
                self.ahead_limit *= 2;
            } else {
                wait *= 2;
            }
        }
    }

    /// Nothing arrived for IDLE: the subscription is drained, unless the
    /// topic's last message was never seen and the broker is gone.
    async fn check_idle(&mut self) -> Result<(), BackendError> {
        if self.last.is_none() {
            return Ok(());
        }
        self.ask("checking the broker", check_connection)
            .await
            .map_err(|e| e.at(&self.uri))
    }

    /// Add `message` to `batch` unless it was handed out before.
    fn hand_out(&mut self, message: Delivered, batch: &mut Vec<Leased>) {
        let id = message.message_id.id.clone();
        if let Some(last) = &self.last {
            if reached(&id, message.payload.metadata.num_messages_in_batch, last) {
                self.exhausted = true;
            }
        }
        let position = (id.ledger_id, id.entry_id, id.batch_index.unwrap_or(-1));
        match self.handed.get_mut(&message.topic) {
            Some(high) if position <= *high => return,
            Some(high) => *high = position,
            None => {
                self.handed.insert(message.topic.clone(), position);
            }
        }
        let lease = self.next_lease;
        self.next_lease += 1;
        self.held.insert(lease, (message.topic.clone(), id.clone()));
        let mut event = Received {
            topic: message.topic,
            id,
            payload: message.payload,
        }
        .into_event(&self.uri);
        take_dlq_properties(&mut event);
        batch.push(Leased { lease, event });
    }
}

/// A request to the consumer (through its engine), for `PulsarDrain::ask`.
type Request<T> = for<'a> fn(&'a Client, &'a mut Reader) -> BoxFuture<'a, Result<T, PulsarError>>;

fn last_message_id<'a>(
    client: &'a Client,
    consumer: &'a mut Reader,
) -> BoxFuture<'a, Result<Option<MessageIdData>, PulsarError>> {
    super::browse::last_message_id(client, consumer).boxed()
}

fn check_connection<'a>(
    client: &'a Client,
    consumer: &'a mut Reader,
) -> BoxFuture<'a, Result<(), PulsarError>> {
    client
        .op("checking the broker", consumer.check_connection())
        .boxed()
}

/// Acknowledgements are one-way in the protocol. Push them out: a round
/// trip through the consumer's engine (acks queued before it are written
/// first), then one to the broker on the same connection (which handles
/// commands in order).
fn flush_acks<'a>(
    client: &'a Client,
    consumer: &'a mut Reader,
) -> BoxFuture<'a, Result<(), PulsarError>> {
    async move {
        match client
            .op("acknowledging moved events", consumer.get_last_message_id())
            .await
        {
            Err(PulsarError::Broker(text)) if text.contains("no messages") => Ok(()),
            other => other.map(drop),
        }
    }
    .boxed()
}

fn close<'a>(
    client: &'a Client,
    consumer: &'a mut Reader,
) -> BoxFuture<'a, Result<(), PulsarError>> {
    client
        .op("closing the redrive subscription", consumer.close())
        .boxed()
}

#[async_trait]
impl Drain for PulsarDrain {
    async fn next_batch(&mut self) -> Result<Vec<Leased>, BackendError> {
        let mut batch = Vec::new();
        // Whatever was read ahead goes first, all of it: the read-ahead
        // never holds more than one round's worth.
        while let Some(message) = self.ahead.pop_front() {
            if self.exhausted {
                self.ahead.clear();
                break;
            }
            self.hand_out(message, &mut batch);
        }
        if let Some(error) = self.ahead_error.take() {
            if batch.is_empty() {
                return Err(PulsarError::from_client(error, &self.client.url).at(&self.uri));
            }
            self.ahead_error = Some(error);
            return Ok(batch);
        }
        if self.ahead_end {
            self.exhausted = true;
        }
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
            self.hand_out(message, &mut batch);
        }
        Ok(batch)
    }

    async fn remove(&mut self, leases: &[LeaseId]) -> Result<Vec<Removed>, BackendError> {
        let mut outcomes: Vec<Result<(), String>> = Vec::with_capacity(leases.len());
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
            let outcomes: Vec<_> = outcomes
                .into_iter()
                .map(|o| o.and(Err(reason.clone())))
                .collect();
            return Ok(keyed_in_order(leases, outcomes));
        }
        if let Err(error) = self.ask("acknowledging moved events", flush_acks).await {
            let reason = format!("acknowledgement not confirmed: {error}");
            let outcomes: Vec<_> = outcomes
                .into_iter()
                .map(|o| o.and(Err(reason.clone())))
                .collect();
            return Ok(keyed_in_order(leases, outcomes));
        }
        Ok(keyed_in_order(leases, outcomes))
    }

    async fn finish(mut self: Box<Self>) -> Result<(), BackendError> {
        // Unacknowledged events go back to the subscription when it closes;
        // nothing read ahead is handed out any more.
        self.exhausted = true;
        let _ = self.ask("closing the redrive subscription", close).await;
        Ok(())
    }
}
