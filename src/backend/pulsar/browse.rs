//! Browsing without harm: one reader per partition on a non-durable,
//! exclusive subscription (no cursor of any other subscription moves, and
//! the subscription disappears when the reader closes), read up to the last
//! message that existed when browsing started, partitions merged in
//! publish-time order.
//!
//! Every read proves it is complete: each partition's messages go through
//! a [`Tracker`] (see [`super::complete`]), which hands over each message
//! once and notes any place skipped between the start and the last message.
//! Gaps are read again by a reader that starts at the first one
//! (`REREADS` times at most); what still cannot be read ends the browse,
//! after everything that was read was handed over, with
//! [`PulsarError::Incomplete`] ("N messages between A and B could not be
//! read").

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{FutureExt, StreamExt};
use pulsar::consumer::InitialPosition;
use pulsar::proto::MessageIdData;
use pulsar::{Consumer, ConsumerOptions, SubType, TokioExecutor};
use tokio::sync::mpsc;

use super::complete::{Arrival, Place, Tracker, Unread};
use super::connect::Client;
use super::convert::Received;
use super::error::PulsarError;
use super::options::StartPosition;
use super::topic::{TopicName, parse_message_id};
use crate::backend::Record;
use std::sync::Arc;

/// How many messages the broker may push ahead of the reader.
const RECEIVER_QUEUE: u32 = 10_000;
/// Chunks buffered between a partition reader and the merge.
const CHANNEL: usize = 8;
/// Events per chunk at most (a chunk goes as soon as nothing more is ready).
const CHUNK: usize = 512;
/// How many times gaps are read again before the read reports them.
const REREADS: usize = 3;

/// A reader's consumer.
pub type Reader = Consumer<Vec<u8>, TokioExecutor>;

/// A unique name for a throwaway subscription.
pub fn reader_subscription() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "evscope-reader-{}-{nanos:08x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Open a reader on one partition (or a non-partitioned topic): a
/// non-durable exclusive subscription, from `start` or the earliest message.
pub async fn open_reader(
    client: &Client,
    topic: &TopicName,
    start: Option<MessageIdData>,
    initial: InitialPosition,
) -> Result<Reader, PulsarError> {
    open_reader_with(client, topic, start, initial, RECEIVER_QUEUE).await
}

/// A reader that asks for no messages at all, for the last message id:
/// a reader's answer comes behind the messages the broker already pushed
/// on the connection, which on a slow link can take longer than the
/// time limit.
async fn open_probe(client: &Client, topic: &TopicName) -> Result<Reader, PulsarError> {
    open_reader_with(client, topic, None, InitialPosition::Latest, 0).await
}

async fn open_reader_with(
    client: &Client,
    topic: &TopicName,
    start: Option<MessageIdData>,
    initial: InitialPosition,
    queue: u32,
) -> Result<Reader, PulsarError> {
    let mut options = ConsumerOptions::default()
        .durable(false)
        .with_initial_position(initial);
    if let Some(id) = start {
        options = options.starting_on_message(id);
    }
    let builder = client
        .pulsar
        .consumer()
        .with_topic(topic.to_string())
        .with_subscription(reader_subscription())
        .with_subscription_type(SubType::Exclusive)
        .with_consumer_name("evscope")
        .with_batch_size(queue)
        .with_options(options);
    client
        .open(format!("opening a reader on {topic}"), builder.build())
        .await
}

/// The last message id of a reader's topic; `None` when it has none.
pub async fn last_message_id(
    client: &Client,
    reader: &mut Reader,
) -> Result<Option<MessageIdData>, PulsarError> {
    match client
        .op(
            "asking for the last message id",
            reader.get_last_message_id(),
        )
        .await
    {
        Ok(ids) => Ok(ids.into_iter().next().filter(|id| {
            // An empty topic answers with entry -1 (or no ledger).
            id.entry_id != u64::MAX && id.ledger_id != u64::MAX
        })),
        // pulsar-lite answers an empty topic with an error.
        Err(PulsarError::Broker(text)) if text.contains("no messages") => Ok(None),
        Err(error) => Err(error),
    }
}

/// The last message id of one partition now (`None`: it is empty), asked
/// on a probe that takes no messages.
pub(super) async fn partition_end(
    client: &Client,
    topic: &TopicName,
) -> Result<Option<MessageIdData>, PulsarError> {
    let mut probe = open_probe(client, topic).await?;
    let last = last_message_id(client, &mut probe).await;
    close(probe);
    last
}

/// Whether `id` (with its batch size) is at or past `last`.
pub fn reached(id: &MessageIdData, batch_size: Option<i32>, last: &MessageIdData) -> bool {
    let here = (id.ledger_id, id.entry_id);
    let end = (last.ledger_id, last.entry_id);
    if here != end {
        return here > end;
    }
    match (id.batch_index, last.batch_index) {
        (Some(b), Some(l)) if l >= 0 => b >= l,
        (Some(b), _) => batch_size.is_none_or(|n| b + 1 >= n),
        (None, _) => true,
    }
}

/// Whether `id` comes before `start` (same partition).
fn before(id: &MessageIdData, start: &MessageIdData) -> bool {
    let here = (id.ledger_id, id.entry_id, id.batch_index.unwrap_or(-1));
    let from = (
        start.ledger_id,
        start.entry_id,
        start.batch_index.unwrap_or(-1),
    );
    here < from
}

/// Where browsed messages go: converted to events of `source`, in batches.
pub struct Emit<'a> {
    /// The source URI the events carry.
    pub source: &'a str,
    /// The consumer of the batches.
    pub sink: &'a mpsc::Sender<Vec<Record>>,
}

impl Emit<'_> {
    /// Hand over a batch; `false` when the consumer is gone.
    async fn send(&self, batch: Vec<Timed>) -> bool {
        let records = batch.into_iter().map(|t| t.record).collect();
        self.sink.send(records).await.is_ok()
    }
}

/// An event ready to hand over, with its publish time for the merge.
struct Timed {
    publish_ms: u64,
    record: Record,
}

impl Timed {
    fn new(received: Received, source: &str) -> Timed {
        Timed {
            publish_ms: received.publish_ms(),
            record: Record::Event(Arc::new(received.into_event(source))),
        }
    }
}

/// What a partition reader hands the merge: events in order, in chunks,
/// then what it could not read, if anything.
enum Part {
    Events(Vec<Timed>),
    Unread(Unread),
}

/// A part, or why the partition's read failed.
type Chunk = Result<Part, PulsarError>;

/// What a partition reader should produce.
#[derive(Debug, Clone)]
struct Plan {
    start: Option<MessageIdData>,
    min_publish_ms: Option<u64>,
    keep_last: Option<usize>,
}

/// Where each partition's messages ended when browsing started, by full
/// topic name (`None`: the partition was empty).
pub type Ends = std::collections::HashMap<String, Option<MessageIdData>>;

/// Read `partitions` (the topic itself when not partitioned) from `start`
/// up to their current ends, merged in publish-time order, handing batches
/// to `out` until `limit` messages were handed over. Returns the count;
/// fails with [`PulsarError::Incomplete`] after handing over everything
/// else when some messages could not be read (see the module doc).
pub async fn browse(
    client: &Client,
    partitions: Vec<TopicName>,
    start: &StartPosition,
    limit: Option<usize>,
    out: &Emit<'_>,
) -> Result<(usize, Ends), PulsarError> {
    let mut ends = Ends::new();
    let mut partitions = partitions;
    let mut plan = Plan {
        start: None,
        min_publish_ms: None,
        keep_last: None,
    };
    match start {
        StartPosition::Earliest => {}
        StartPosition::Latest(n) => plan.keep_last = Some(*n),
        StartPosition::PublishTime(t) => {
            plan.min_publish_ms = Some(u64::try_from(t.timestamp_millis()).unwrap_or(0))
        }
        StartPosition::MessageId(text) => {
            let id = parse_message_id(text)
                .ok_or_else(|| PulsarError::Config(format!("bad message id `{text}`")))?;
            // A partition's message id names its partition: read only that one.
            if let Some(p) = id.partition.filter(|p| *p >= 0) {
                if partitions.len() > 1 {
                    let index = usize::try_from(p).unwrap_or(usize::MAX);
                    let Some(one) = partitions.get(index).cloned() else {
                        return Err(PulsarError::Config(format!(
                            "message id `{text}` names partition {p}, the topic has {}",
                            partitions.len()
                        )));
                    };
                    partitions = vec![one];
                }
            }
            plan.start = Some(id);
        }
    }
    if plan.keep_last == Some(0) {
        return Ok((0, ends));
    }
    // Every partition's end first, before any reader fills the connection.
    let mut lasts = Vec::with_capacity(partitions.len());
    for topic in partitions {
        let last = partition_end(client, &topic).await?;
        ends.insert(topic.to_string(), last.clone());
        if let Some(last) = last {
            lasts.push((topic, last));
        }
    }
    let mut receivers = Vec::new();
    let mut tasks = Vec::new();
    for (topic, last) in lasts {
        let reader = open_reader(
            client,
            &topic,
            plan.start.clone(),
            InitialPosition::Earliest,
        )
        .await?;
        let (tx, rx) = mpsc::channel(CHANNEL);
        receivers.push(rx);
        let client = client.clone();
        let plan = plan.clone();
        let source = out.source.to_string();
        tasks.push(tokio::spawn(async move {
            let mut out = PartitionOut::new(&plan, &source, &tx);
            let result = read_partition(&client, reader, &topic, &last, &mut out).await;
            if let Err(error) = result {
                let _ = tx.send(Err(error)).await;
            }
        }));
    }
    let result = merge(receivers, plan.keep_last, limit, out).await;
    for task in &tasks {
        task.abort();
    }
    // Let aborted readers close their subscriptions.
    for task in tasks {
        let _ = task.await;
    }
    result.map(|count| (count, ends))
}

/// Close a reader, so its non-durable subscription goes away now.
///
/// Dropping it is the way: the crate's consumer engine answers an explicit
/// close only when its queue to us has room, and a reader that stopped
/// reading may have a full queue. Dropped, the engine stops and sends
/// CloseConsumer on the connection itself.
pub fn close(reader: Reader) {
    drop(reader);
}

/// Where one partition's messages go: converted to events of `source`
/// (here, so partitions convert in parallel), kept as `plan` says, handed
/// over in chunks.
struct PartitionOut<'a> {
    plan: &'a Plan,
    source: &'a str,
    tx: &'a mpsc::Sender<Chunk>,
    /// The last `keep_last` messages by place (a gap read again may bring
    /// older ones late).
    ring: std::collections::BTreeMap<Place, Received>,
    chunk: Vec<Timed>,
}

/// Where a read hands messages (a browse's partition, a tail).
pub(super) trait Keep {
    /// Keep `message`; `false` when nobody wants more.
    async fn keep(&mut self, message: Delivered) -> bool;
    /// About to wait for the next message: hand over what is held;
    /// `false` when nobody wants more.
    async fn idle(&mut self) -> bool;
}

impl Keep for PartitionOut<'_> {
    async fn keep(&mut self, message: Delivered) -> bool {
        self.push(message).await
    }

    async fn idle(&mut self) -> bool {
        self.flush().await
    }
}

impl<'a> PartitionOut<'a> {
    fn new(plan: &'a Plan, source: &'a str, tx: &'a mpsc::Sender<Chunk>) -> Self {
        PartitionOut {
            plan,
            source,
            tx,
            ring: std::collections::BTreeMap::new(),
            chunk: Vec::with_capacity(CHUNK),
        }
    }

    /// Keep `message` if the plan wants it; `false` when the merge is gone.
    async fn push(&mut self, message: Delivered) -> bool {
        let id = message.message_id.id.clone();
        let wanted = self.plan.start.as_ref().is_none_or(|s| !before(&id, s))
            && self
                .plan
                .min_publish_ms
                .is_none_or(|t| message.payload.metadata.publish_time >= t);
        if !wanted {
            return true;
        }
        let received = Received {
            topic: message.topic,
            id,
            payload: message.payload,
        };
        match self.plan.keep_last {
            Some(n) => {
                self.ring.insert(Place::of(&received.id), received);
                if self.ring.len() > n {
                    self.ring.pop_first();
                }
                true
            }
            None => {
                self.chunk.push(Timed::new(received, self.source));
                self.chunk.len() < CHUNK || self.flush().await
            }
        }
    }

    /// Hand over the chunk so far; `false` when the merge is gone.
    async fn flush(&mut self) -> bool {
        if self.chunk.is_empty() {
            return true;
        }
        let chunk = std::mem::take(&mut self.chunk);
        self.tx.send(Ok(Part::Events(chunk))).await.is_ok()
    }

    /// Hand over everything kept, then what could not be read.
    async fn finish(&mut self, unread: Option<Unread>) {
        let ring = std::mem::take(&mut self.ring);
        let source = self.source;
        self.chunk
            .extend(ring.into_values().map(|r| Timed::new(r, source)));
        if self.flush().await {
            if let Some(unread) = unread {
                let _ = self.tx.send(Ok(Part::Unread(unread))).await;
            }
        }
    }
}

/// A message as the crate delivers it.
pub(super) type Delivered = pulsar::consumer::Message<Vec<u8>>;

/// The next message of `reader`, handing over `out`'s chunk first when
/// none is ready; `Ok(None)` when the stream ended. Fails after the
/// configured timeout without a message.
async fn next_message(
    client: &Client,
    reader: &mut Reader,
    out: &mut impl Keep,
) -> Result<Option<Delivered>, PulsarError> {
    let next = match reader.next().now_or_never() {
        Some(next) => next,
        None => {
            // Nothing ready: hand over what is, then wait.
            if !out.idle().await {
                return Ok(None);
            }
            tokio::time::timeout(client.settings.timeout, reader.next())
                .await
                .map_err(|_| PulsarError::Timeout {
                    what: format!("reading {}", reader.topics().join(", ")),
                    after: client.settings.timeout,
                })?
        }
    };
    match next {
        None => Ok(None),
        Some(Err(error)) => Err(PulsarError::from_client(error, &client.url)),
        Some(Ok(message)) => Ok(Some(message)),
    }
}

/// Read one partition up to `last`, each message once (see the module
/// doc), then read its gaps again; hand what could not be read to the
/// merge after the events.
async fn read_partition(
    client: &Client,
    mut reader: Reader,
    topic: &TopicName,
    last: &MessageIdData,
    out: &mut PartitionOut<'_>,
) -> Result<(), PulsarError> {
    let mut tracker = Tracker::new(out.plan.start.as_ref().map(Place::of));
    let result = async {
        while let Some(message) = next_message(client, &mut reader, out).await? {
            let batch = message.payload.metadata.num_messages_in_batch;
            let id = message.message_id.id.clone();
            // Nothing is acknowledged on the reader's own non-durable
            // subscription (an acknowledgement per message halves
            // throughput); a broker may then deliver some again: the
            // tracker knows them.
            if tracker.arrive(&id, batch) == Arrival::Again {
                continue;
            }
            let done = reached(&id, batch, last);
            if !out.push(message).await {
                return Ok(false);
            }
            if done {
                break;
            }
        }
        Ok::<bool, PulsarError>(true)
    }
    .await;
    close(reader);
    if !result? {
        return Ok(());
    }
    tracker.end(last);
    let partition = partition_of(topic);
    if !fill_gaps(client, topic, &mut tracker, out).await {
        return Ok(());
    }
    let unread = Unread::from_tracker(&tracker, partition);
    out.finish(unread).await;
    Ok(())
}

/// The partition index of a partition's topic name.
pub(super) fn partition_of(topic: &TopicName) -> Option<i32> {
    topic
        .split_partition()
        .and_then(|(_, p)| i32::try_from(p).ok())
}

/// Read `tracker`'s gaps again, `REREADS` times at most, handing what
/// fills them to `out`; the gaps left stay in the tracker. `false` when
/// nobody wants more.
pub(super) async fn fill_gaps(
    client: &Client,
    topic: &TopicName,
    tracker: &mut Tracker,
    out: &mut impl Keep,
) -> bool {
    let partition = partition_of(topic);
    for _ in 0..REREADS {
        if tracker.complete() {
            break;
        }
        match reread(client, topic, partition, tracker, out).await {
            Ok(true) => {}
            Ok(false) => return false,
            // The gaps stay; the caller reports them.
            Err(_) => break,
        }
    }
    true
}

/// Read `tracker`'s gaps again with a reader that starts at the first one,
/// handing over what fills them; `false` when nobody wants more.
async fn reread(
    client: &Client,
    topic: &TopicName,
    partition: Option<i32>,
    tracker: &mut Tracker,
    out: &mut impl Keep,
) -> Result<bool, PulsarError> {
    let (Some(first), Some(end)) = (tracker.gaps().first(), tracker.gaps().last()) else {
        return Ok(true);
    };
    let (from, until) = (first.from, end.to);
    let mut reader = open_reader(
        client,
        topic,
        Some(from.to_id(partition)),
        InitialPosition::Earliest,
    )
    .await?;
    let result = async {
        while let Some(message) = next_message(client, &mut reader, out).await? {
            let id = message.message_id.id.clone();
            if Place::of(&id) >= until {
                break;
            }
            if tracker.in_gap(&id) {
                tracker.arrive(&id, message.payload.metadata.num_messages_in_batch);
                if !out.keep(message).await {
                    return Ok(false);
                }
                if tracker.complete() {
                    break;
                }
            }
        }
        Ok(true)
    }
    .await;
    close(reader);
    result
}

/// Merge partition streams by publish time (ties: partition order).
async fn merge(
    mut receivers: Vec<mpsc::Receiver<Chunk>>,
    keep_last: Option<usize>,
    limit: Option<usize>,
    out: &Emit<'_>,
) -> Result<usize, PulsarError> {
    let mut heads: Vec<VecDeque<Timed>> = receivers.iter().map(|_| VecDeque::new()).collect();
    let mut open: Vec<bool> = vec![true; receivers.len()];
    let mut tail: VecDeque<Timed> = VecDeque::new();
    let mut batch = Vec::new();
    let mut handed = 0usize;
    let mut unread = Vec::new();
    let limit = limit.unwrap_or(usize::MAX);
    loop {
        // Refill every empty head of an open partition.
        for (i, rx) in receivers.iter_mut().enumerate() {
            if !heads[i].is_empty() || !open[i] {
                continue;
            }
            let next = match rx.try_recv() {
                Ok(item) => Some(item),
                Err(mpsc::error::TryRecvError::Disconnected) => None,
                Err(mpsc::error::TryRecvError::Empty) => {
                    // About to wait: hand over what is ready first.
                    if !batch.is_empty() {
                        handed += batch.len();
                        if !out.send(std::mem::take(&mut batch)).await {
                            return Ok(handed);
                        }
                    }
                    rx.recv().await
                }
            };
            match next {
                Some(Ok(Part::Events(chunk))) => heads[i].extend(chunk),
                Some(Ok(Part::Unread(missed))) => {
                    unread.push(missed);
                    open[i] = false;
                }
                Some(Err(error)) => return Err(error),
                None => open[i] = false,
            }
        }
        let pick = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.front().map(|t| (t.publish_ms, i)))
            .min();
        let Some((_, i)) = pick else { break };
        let Some(timed) = heads[i].pop_front() else {
            break;
        };
        match keep_last {
            Some(n) => {
                if tail.len() == n {
                    tail.pop_front();
                }
                tail.push_back(timed);
            }
            None => {
                batch.push(timed);
                if handed + batch.len() >= limit {
                    break;
                }
                if batch.len() >= 1024 {
                    handed += batch.len();
                    if !out.send(std::mem::take(&mut batch)).await {
                        return Ok(handed);
                    }
                }
            }
        }
    }
    batch.extend(tail);
    batch.truncate(limit.saturating_sub(handed));
    let reached_limit = handed + batch.len() >= limit;
    if !batch.is_empty() {
        handed += batch.len();
        out.send(batch).await;
    }
    // A read that stopped at its limit did not need the rest.
    if !unread.is_empty() && !reached_limit {
        return Err(PulsarError::Incomplete(unread));
    }
    Ok(handed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(l: u64, e: u64, b: Option<i32>) -> MessageIdData {
        MessageIdData {
            ledger_id: l,
            entry_id: e,
            batch_index: b,
            ..Default::default()
        }
    }

    #[test]
    fn end_of_topic() {
        let last = id(1, 5, None);
        assert!(!reached(&id(1, 4, None), None, &last));
        assert!(reached(&id(1, 5, None), None, &last));
        assert!(!reached(&id(1, 5, Some(0)), Some(3), &last));
        assert!(reached(&id(1, 5, Some(2)), Some(3), &last));
        let last = id(1, 5, Some(1));
        assert!(reached(&id(1, 5, Some(1)), Some(3), &last));
        assert!(reached(&id(2, 0, None), None, &last));
    }

    #[test]
    fn start_is_inclusive() {
        let start = id(1, 5, None);
        assert!(before(&id(1, 4, None), &start));
        assert!(!before(&id(1, 5, None), &start));
        assert!(!before(&id(1, 5, Some(0)), &start));
    }
}
