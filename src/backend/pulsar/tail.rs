//! Tailing: a non-durable reader per partition, starting where browsing
//! stopped (or at the newest message when nothing was browsed), handing
//! each new message over as it arrives. Each partition's messages go
//! through a [`Tracker`]: one delivered again (the crate's consumer
//! re-subscribes after a reconnection, from where the tail started) is not
//! handed over twice, and places skipped (by a reconnection that started
//! later than it should, say) are read again at once; what still cannot be
//! read ends the tail with [`PulsarError::Incomplete`].

use std::sync::Arc;

use futures::StreamExt;
use pulsar::consumer::InitialPosition;
use tokio::sync::mpsc;

use super::browse::{Delivered, Ends, Keep, close, fill_gaps, open_reader, partition_of};
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
        let (start, initial, skip_to) = match seen {
            // Browsed and not empty: continue after its last message.
            Some(Some(Some(last))) => (
                Some(last.clone()),
                InitialPosition::Earliest,
                Some(Place::of(&last).after_entry()),
            ),
            // Browsed and empty: everything that arrives.
            Some(Some(None)) => (None, InitialPosition::Earliest, None),
            // Not browsed: from now on.
            _ => (None, InitialPosition::Latest, None),
        };
        let mut reader = open_reader(client, topic, start, initial).await?;
        let client = client.clone();
        let sink = sink.clone();
        let source = source.to_string();
        let topic = topic.clone();
        tasks.spawn(async move {
            let mut tracker = Tracker::new(skip_to);
            let result = async {
                loop {
                    let message = tokio::select! {
                        _ = sink.closed() => return Ok(()),
                        next = reader.next() => next,
                    };
                    let message = match message {
                        None => return Ok(()),
                        Some(Err(error)) => {
                            return Err(PulsarError::from_client(error, &client.url));
                        }
                        Some(Ok(message)) => message,
                    };
                    let id = message.message_id.id.clone();
                    let _ = reader.ack_with_id(&message.topic, id.clone()).await;
                    let batch = message.payload.metadata.num_messages_in_batch;
                    if tracker.arrive(&id, batch) == Arrival::Again {
                        continue;
                    }
                    let mut out = TailOut {
                        sink: &sink,
                        source: &source,
                    };
                    if !out.keep(message).await {
                        return Ok(());
                    }
                    if !tracker.complete() {
                        if !fill_gaps(&client, &topic, &mut tracker, &mut out).await {
                            return Ok(());
                        }
                        if let Some(unread) = Unread::from_tracker(&tracker, partition_of(&topic)) {
                            return Err(PulsarError::Incomplete(vec![unread]));
                        }
                    }
                }
            }
            .await;
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
