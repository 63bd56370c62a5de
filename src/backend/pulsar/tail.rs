//! Tailing: a non-durable reader per partition, starting where browsing
//! stopped (or after the partition's last message when nothing was
//! browsed), handing each new message over as it arrives. Each partition's
//! messages go through a [`Tracker`]: one delivered again is not handed over
//! twice, and places skipped are read again at once; what still cannot be
//! read ends the tail with [`PulsarError::Incomplete`].
//!
//! Reconnections: the pulsar crate re-subscribes a reader after its
//! connection dropped with the options it was created with, so a reader
//! opened at "latest" would start again at the newest message of that
//! moment and skip whatever was published while it was away. So a tail
//! always starts from an explicit message id (the partition's last one when
//! it starts), and when a re-subscription shows (a message seen before that
//! is not the reader's own start comes again) it opens a new reader at the
//! newest message it has seen: nothing is skipped, and what is delivered
//! twice is bounded by what arrives before it notices.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use pulsar::consumer::InitialPosition;
use pulsar::proto::MessageIdData;
use tokio::sync::mpsc;

use super::browse::{
    Delivered, Ends, Keep, Reader, close, fill_gaps, open_reader, partition_end, partition_of,
};
use super::complete::{Arrival, Place, Tracker, Unread};
use super::connect::Client;
use super::convert::Received;
use super::error::PulsarError;
use super::topic::TopicName;
use crate::backend::Record;

/// Follow `partitions` until `sink` closes.
pub async fn tail(
    client: &Client,
    partitions: &[TopicName],
    from: Option<Ends>,
    source: &str,
    sink: mpsc::Sender<Vec<Record>>,
) -> Result<(), PulsarError> {
    let mut tasks = tokio::task::JoinSet::new();
    for topic in partitions {
        let seen = from
            .as_ref()
            .map(|ends| ends.get(&topic.to_string()).cloned());
        let start = match seen {
            // Browsed: continue after its last message (empty: everything
            // that arrives).
            Some(Some(last)) => last,
            // Not browsed: from now on, after the partition's last message.
            _ => partition_end(client, topic).await?,
        };
        let skip_to = start.as_ref().map(|last| Place::of(last).after_entry());
        let mut reader =
            open_reader(client, topic, start.clone(), InitialPosition::Earliest).await?;
        let mut follow = Follow {
            client: client.clone(),
            topic: topic.clone(),
            tracker: Tracker::new(skip_to),
            opened_at: start.as_ref().map(entry_of),
            start,
            newest: None,
        };
        let sink = sink.clone();
        let source = source.to_string();
        tasks.spawn(async move {
            let result = follow.run(&mut reader, &sink, &source).await;
            close(reader);
            result
        });
    }
    drop(sink);
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tasks.abort_all();
                return Err(error);
            }
            Err(join) if join.is_cancelled() => {}
            Err(join) => return Err(PulsarError::Broker(format!("tail failed: {join}"))),
        }
    }
    Ok(())
}

/// How many times in a row a reader is opened again, at least, when its
/// stream ends or fails without a message in between; it is given up only
/// once these have also taken `--pulsar-timeout` (a connection the crate
/// still holds dead can fail a few fresh readers at once after an outage).
const REOPENS: usize = 3;

/// One partition's follow.
struct Follow {
    client: Client,
    topic: TopicName,
    tracker: Tracker,
    /// Where the tail started (`None`: at the partition's first message).
    start: Option<MessageIdData>,
    /// The entry the current reader started at: delivered again by design.
    opened_at: Option<(u64, u64)>,
    /// The newest message handed over.
    newest: Option<MessageIdData>,
}

impl Follow {
    /// Hand over each new message of `reader` until `sink` closes.
    async fn run(
        &mut self,
        reader: &mut Reader,
        sink: &mpsc::Sender<Vec<Record>>,
        source: &str,
    ) -> Result<(), PulsarError> {
        let mut failures = 0;
        let mut failing_since = None;
        loop {
            let next = tokio::select! {
                _ = sink.closed() => return Ok(()),
                next = reader.next() => next,
            };
            let message = match next {
                Some(Ok(message)) => message,
                // The crate gave up reconnecting (its stream ended) or
                // failed: read on from the newest message with a new
                // reader, until `REOPENS` tries have also taken the timeout.
                ended => {
                    failures += 1;
                    let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                    if failures > REOPENS && since.elapsed() >= self.client.settings.timeout {
                        return Err(match ended {
                            Some(Err(error)) => PulsarError::from_client(error, &self.client.url),
                            _ => PulsarError::Broker(format!(
                                "the broker ended the reader on {}",
                                self.topic
                            )),
                        });
                    }
                    if failures > 1 {
                        // Failing again at once: not in a tight loop.
                        let pause = Duration::from_millis(100 << (failures - 2).min(3));
                        tokio::time::sleep(pause).await;
                    }
                    self.reopen(reader).await?;
                    continue;
                }
            };
            failures = 0;
            failing_since = None;
            let id = message.message_id.id.clone();
            let _ = reader.ack_with_id(&message.topic, id.clone()).await;
            let batch = message.payload.metadata.num_messages_in_batch;
            if self.tracker.arrive(&id, batch) == Arrival::Again {
                // Not the reader's own start: the crate re-subscribed (after
                // a reconnection) from where the reader started.
                if self.opened_at != Some(entry_of(&id)) && self.newest.is_some() {
                    self.reopen(reader).await?;
                }
                continue;
            }
            if self
                .newest
                .as_ref()
                .is_none_or(|n| Place::of(n) < Place::of(&id))
            {
                self.newest = Some(id);
            }
            let mut out = TailOut { sink, source };
            if !out.keep(message).await {
                return Ok(());
            }
            if !self.tracker.complete() {
                if !fill_gaps(&self.client, &self.topic, &mut self.tracker, &mut out).await {
                    return Ok(());
                }
                let partition = partition_of(&self.topic);
                if let Some(unread) = Unread::from_tracker(&self.tracker, partition) {
                    return Err(PulsarError::Incomplete(vec![unread]));
                }
            }
        }
    }

    /// Replace `reader` by one that starts at the newest message handed
    /// over (else where the tail started). A broker out of reach is tried
    /// again for up to `--pulsar-timeout`.
    async fn reopen(&mut self, reader: &mut Reader) -> Result<(), PulsarError> {
        let from = self.newest.clone().or_else(|| self.start.clone());
        tracing::debug!(topic = %self.topic, from = ?from, "tail: opening the reader again");
        let deadline = tokio::time::Instant::now() + self.client.settings.timeout;
        let mut pause = Duration::from_millis(100);
        let fresh = loop {
            let opened = open_reader(
                &self.client,
                &self.topic,
                from.clone(),
                InitialPosition::Earliest,
            )
            .await;
            match opened {
                Ok(fresh) => break fresh,
                Err(_) if tokio::time::Instant::now() + pause < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                Err(error) => return Err(error),
            }
        };
        close(std::mem::replace(reader, fresh));
        self.opened_at = from.as_ref().map(entry_of);
        Ok(())
    }
}

/// A message id's entry (ledger, entry).
fn entry_of(id: &MessageIdData) -> (u64, u64) {
    (id.ledger_id, id.entry_id)
}

/// A tail's sink: each message goes on its own, as it arrives.
struct TailOut<'a> {
    sink: &'a mpsc::Sender<Vec<Record>>,
    source: &'a str,
}

impl Keep for TailOut<'_> {
    async fn keep(&mut self, message: Delivered) -> bool {
        let received = Received {
            topic: message.topic,
            id: message.message_id.id,
            payload: message.payload,
        };
        let record = Record::Event(Arc::new(received.into_event(self.source)));
        self.sink.send(vec![record]).await.is_ok()
    }

    async fn idle(&mut self) -> bool {
        true
    }
}
