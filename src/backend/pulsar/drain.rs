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
//!
//! Batches are acknowledged whole. A broker acknowledges a batch entry as
//! a whole when one of its messages is acknowledged without a batch-index
//! ack set (pulsar-lite ignores the batch index altogether; the pulsar
//! crate sends the message id as it is and keeps no batch state). So the
//! drain hands out whole entries in one batch, and acknowledges an entry
//! only once every message of it was confirmed by the target; the others
//! of an entry that cannot be acknowledged are reported as sent and still
//! in the source. Deliveries go through a [`Tracker`] per topic, so a
//! message delivered again (after a reconnection) is not handed out twice,
//! and one delivered late (out of order) is not dropped.
//!
//! Every message is accounted for: [`count_backlog`] counts what the
//! subscription holds (a drain that hands out everything and acknowledges
//! nothing), before the walk and after it ([`Drain::account`]).

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
use super::complete::{Arrival, Tracker};
use super::connect::Client;
use super::convert::{Received, take_dlq_properties};
use super::error::{LOST, PulsarError};
use super::topic::TopicName;
use crate::backend::{Account, BackendError, Drain, LeaseId, Leased, Removed, keyed_in_order};

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

/// A batch entry: topic, ledger, entry.
type EntryKey = (String, u64, u64);

/// What the drain knows of an entry it handed messages of.
struct Entry {
    /// The entry's id (no batch index): what is acknowledged.
    id: MessageIdData,
    /// How many messages it holds.
    size: u32,
    /// How many were handed out.
    handed: u32,
    /// How many the target confirmed (`remove`).
    confirmed: u32,
}

/// A redrive's hold on a dead-letter topic.
pub struct PulsarDrain {
    client: Client,
    uri: String,
    topic: TopicName,
    subscription: String,
    consumer: Reader,
    /// The last message of the topic when the drain started, when known.
    last: Option<MessageIdData>,
    /// Leases handed out and not removed: their entry.
    held: HashMap<LeaseId, EntryKey>,
    /// Entries with messages handed out and not acknowledged.
    entries: HashMap<EntryKey, Entry>,
    /// The entry of the last message handed out, while some of its
    /// messages are still to come (a batch is handed out whole).
    open_entry: Option<EntryKey>,
    /// By topic (partition), what was delivered (see the module doc).
    trackers: HashMap<String, Tracker>,
    /// Messages in the subscription's backlog before the walk, when counted.
    before: Option<u64>,
    /// The consumer was closed (by `account`).
    closed: bool,
    /// Only count messages, hand none out ([`count_backlog`]).
    counting: bool,
    /// Messages taken by this `next_batch` call (handed out or counted).
    taken: usize,
    /// Messages counted so far.
    counted: u64,
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
    /// Count the backlog of `subscription` (see [`count_backlog`]), then
    /// open a drain on it that knows the count.
    pub async fn open_counted(
        client: Client,
        uri: String,
        topic: &TopicName,
        subscription: &str,
    ) -> Result<PulsarDrain, BackendError> {
        let before = count_backlog(&client, &uri, topic, subscription).await?;
        let mut drain = PulsarDrain::open(client, uri.clone(), topic, subscription)
            .await
            .map_err(|e| e.at(&uri))?;
        drain.before = Some(before);
        Ok(drain)
    }

    /// Subscribe (durably, exclusively) to `topic` as `subscription`.
    pub async fn open(
        client: Client,
        uri: String,
        topic: &TopicName,
        subscription: &str,
    ) -> Result<PulsarDrain, PulsarError> {
        let consumer = subscribe(&client, topic, subscription).await?;
        let mut drain = PulsarDrain {
            client,
            uri,
            topic: topic.clone(),
            subscription: subscription.to_string(),
            consumer,
            last: None,
            held: HashMap::new(),
            entries: HashMap::new(),
            open_entry: None,
            trackers: HashMap::new(),
            before: None,
            closed: false,
            counting: false,
            taken: 0,
            counted: 0,
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
        let size = message.payload.metadata.num_messages_in_batch;
        if let Some(last) = &self.last {
            if reached(&id, size, last) {
                self.exhausted = true;
            }
        }
        let tracker = self.trackers.entry(message.topic.clone()).or_default();
        if tracker.arrive(&id, size) == Arrival::Again {
            return;
        }
        self.taken += 1;
        if self.counting {
            self.counted += 1;
            return;
        }
        let size = size.map_or(1, |n| u32::try_from(n).unwrap_or(1).max(1));
        let key = (message.topic.clone(), id.ledger_id, id.entry_id);
        let entry = self.entries.entry(key.clone()).or_insert_with(|| Entry {
            id: MessageIdData {
                batch_index: None,
                batch_size: None,
                ack_set: Vec::new(),
                ..id.clone()
            },
            size,
            handed: 0,
            confirmed: 0,
        });
        entry.handed += 1;
        self.open_entry = (entry.handed < entry.size).then(|| key.clone());
        let lease = self.next_lease;
        self.next_lease += 1;
        self.held.insert(lease, key);
        let mut event = Received {
            topic: message.topic,
            id,
            payload: message.payload,
        }
        .into_event(&self.uri);
        take_dlq_properties(&mut event);
        batch.push(Leased { lease, event });
    }

    /// Close the consumer: whatever it holds unacknowledged goes back to
    /// the subscription.
    async fn close_consumer(&mut self) {
        if !self.closed {
            self.exhausted = true;
            let _ = self.ask("closing the redrive subscription", close).await;
            self.closed = true;
        }
    }
}

/// How many messages the backlog of `subscription` on `topic` holds: a
/// drain that takes everything and acknowledges nothing, then closes.
pub async fn count_backlog(
    client: &Client,
    uri: &str,
    topic: &TopicName,
    subscription: &str,
) -> Result<u64, BackendError> {
    let mut drain = PulsarDrain::open(client.clone(), uri.to_string(), topic, subscription)
        .await
        .map_err(|e| e.at(uri))?;
    drain.counting = true;
    let result = loop {
        match drain.next_batch().await {
            Ok(_) if drain.taken == 0 => break Ok(drain.counted),
            Ok(_) => {}
            Err(error) => break Err(error),
        }
    };
    drain.close_consumer().await;
    result
}

/// Subscribe (durably, exclusively) to `topic` as `subscription`.
///
/// A subscription still held is tried again until the time limit: the
/// broker lets an exclusive subscription go only once it sees its consumer's
/// connection close, which comes a moment after a redrive that was killed
/// (a broker answers `ConsumerBusy` meanwhile; pulsar-lite drops the
/// connection instead, so a lost connection is tried again too). Nothing is
/// moved before the subscription is made, so trying again is safe.
async fn subscribe(
    client: &Client,
    topic: &TopicName,
    subscription: &str,
) -> Result<Reader, PulsarError> {
    let deadline = Instant::now() + client.settings.timeout;
    loop {
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
        let error = match client
            .open(
                format!("subscribing to {topic} as {subscription}"),
                builder.build(),
            )
            .await
        {
            Ok(consumer) => return Ok(consumer),
            Err(error) => error,
        };
        let busy = matches!(&error, PulsarError::Broker(text) if text.contains("ConsumerBusy"));
        let lost = matches!(&error, PulsarError::Unreachable { reason, .. } if reason == LOST);
        if (busy || lost) && Instant::now() + SUBSCRIBE_AGAIN < deadline {
            tracing::info!(%topic, subscription, %error, "subscription busy or connection lost: trying again");
            tokio::time::sleep(SUBSCRIBE_AGAIN).await;
            continue;
        }
        return Err(match error {
            _ if busy => PulsarError::Broker(format!(
                "subscription {subscription} on {topic} is in use (another redrive running?)"
            )),
            PulsarError::Unreachable { url, reason } if lost => PulsarError::Unreachable {
                url,
                reason: format!(
                    "{reason} while subscribing to {topic} as {subscription} (is another redrive holding it?)"
                ),
            },
            other => other,
        });
    }
}

/// How long a busy subscription is left before trying it again.
const SUBSCRIBE_AGAIN: Duration = Duration::from_millis(250);

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
        self.taken = 0;
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
            if self.taken == 0 {
                return Err(PulsarError::from_client(error, &self.client.url).at(&self.uri));
            }
            self.ahead_error = Some(error);
            return Ok(batch);
        }
        if self.ahead_end {
            self.exhausted = true;
        }
        while !self.exhausted && self.taken < BATCH {
            let wait = if self.taken == 0 { IDLE } else { GAP };
            let message = match tokio::time::timeout(wait, self.consumer.next()).await {
                Err(_) => {
                    if self.taken == 0 {
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
        // A batch entry goes out whole (see the module doc).
        while self.open_entry.is_some() && !self.exhausted {
            match tokio::time::timeout(IDLE, self.consumer.next()).await {
                Ok(Some(Ok(message))) => self.hand_out(message, &mut batch),
                Ok(Some(Err(error))) => {
                    return Err(PulsarError::from_client(error, &self.client.url).at(&self.uri));
                }
                Err(_) | Ok(None) => break,
            }
        }
        Ok(batch)
    }

    async fn remove(&mut self, leases: &[LeaseId]) -> Result<Vec<Removed>, BackendError> {
        // Which entries every message of which is now confirmed.
        let mut outcomes: Vec<Result<(), String>> = Vec::with_capacity(leases.len());
        let mut keys: Vec<Option<EntryKey>> = Vec::with_capacity(leases.len());
        for lease in leases {
            match self.held.remove(lease) {
                Some(key) => {
                    if let Some(entry) = self.entries.get_mut(&key) {
                        entry.confirmed += 1;
                    }
                    keys.push(Some(key));
                    outcomes.push(Ok(()));
                }
                None => {
                    keys.push(None);
                    outcomes.push(Err(format!(
                        "event {lease} was not handed out by this drain"
                    )));
                }
            }
        }
        let mut acked: HashMap<EntryKey, Result<(), String>> = HashMap::new();
        let limit = self.client.settings.timeout;
        let mut lost: Option<String> = None;
        for key in keys.iter().flatten() {
            if acked.contains_key(key) {
                continue;
            }
            let Some(entry) = self.entries.get(key) else {
                continue;
            };
            if entry.confirmed < entry.size {
                // Not all of it was moved: acknowledging it would remove
                // the others too.
                acked.insert(
                    key.clone(),
                    Err(format!(
                        "its batch entry holds {} messages and only {} were moved: the entry stays in the topic (Pulsar acknowledges batch entries whole)",
                        entry.size, entry.confirmed
                    )),
                );
                continue;
            }
            let outcome = match &lost {
                // The broker stopped answering: do not wait once per entry.
                Some(reason) => Err(reason.clone()),
                // Bounded: with the broker gone, an ack can wait forever on
                // a reconnecting engine.
                None => {
                    let ack = self.consumer.ack_with_id(&key.0, entry.id.clone());
                    match tokio::time::timeout(limit, ack).await {
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
            if outcome.is_ok() {
                self.entries.remove(key);
            }
            acked.insert(key.clone(), outcome);
        }
        for (outcome, key) in outcomes.iter_mut().zip(&keys) {
            if let (Ok(()), Some(key)) = (&outcome, key) {
                if let Some(Err(reason)) = acked.get(key) {
                    *outcome = Err(reason.clone());
                }
            }
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

    async fn account(&mut self) -> Result<Option<Account>, BackendError> {
        // What is not acknowledged goes back to the subscription when the
        // consumer closes; then count what it holds.
        self.close_consumer().await;
        let left = count_backlog(&self.client, &self.uri, &self.topic, &self.subscription).await?;
        Ok(Some(Account {
            before: self.before,
            left_behind: left,
        }))
    }

    async fn finish(mut self: Box<Self>) -> Result<(), BackendError> {
        // Unacknowledged events go back to the subscription when it closes;
        // nothing read ahead is handed out any more.
        self.close_consumer().await;
        Ok(())
    }
}
