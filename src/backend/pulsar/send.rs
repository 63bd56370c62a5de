//! Sending: one producer per target topic, kept for the backend's life;
//! every send waits for the broker's receipt, so outcomes are exact.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};

use futures::FutureExt;
use pulsar::{Producer, TokioExecutor};
use tokio::sync::Mutex;

use super::connect::Client;
use super::convert::to_message;
use super::error::PulsarError;
use super::topic::{TopicName, format_message_id};
use crate::backend::SendOutcome;
use crate::model::Event;

/// Sends in flight per producer at most.
const WINDOW: usize = 64;

/// A send handed to a producer, or why it could not be.
type Queued = Result<pulsar::producer::SendFuture, PulsarError>;

/// Where one call to [`Producers::send`] stands.
#[derive(Default)]
struct Batch {
    /// One per event settled so far, in order.
    outcomes: Vec<SendOutcome>,
    /// Some send failed: the producer is in doubt.
    broken: bool,
    /// The broker is gone: stop sending and waiting.
    lost: Option<PulsarError>,
}

impl Batch {
    /// Note a failed send: the producer is in doubt, and the broker may be
    /// gone.
    fn failed(&mut self, error: &PulsarError) {
        self.broken = true;
        if error.is_connection_lost() && self.lost.is_none() {
            self.lost = Some(error.clone());
        }
    }
}

/// Producers by full topic name.
pub struct Producers {
    client: Client,
    producers: Mutex<HashMap<String, Producer<TokioExecutor>>>,
}

impl Producers {
    /// No producer yet; they are made on first use.
    pub fn new(client: Client) -> Producers {
        Producers {
            client,
            producers: Mutex::new(HashMap::new()),
        }
    }

    /// Send `events` to `topic`, in order; one outcome per event: the new
    /// message id, or why it failed. Once the broker is lost, nothing more
    /// is queued and receipts not already in are not waited for (those
    /// events count as failed; they may still have arrived). An error
    /// means nothing was sent: the producer could not be made, or the
    /// connection was lost before any receipt.
    pub async fn send(
        &self,
        topic: &TopicName,
        events: &[&Event],
    ) -> Result<Vec<SendOutcome>, PulsarError> {
        let name = topic.to_string();
        let mut producers = self.producers.lock().await;
        let producer = match producers.entry(name.clone()) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let builder = self.client.pulsar.producer().with_topic(name.clone());
                let made = self
                    .client
                    .open(format!("creating a producer on {name}"), builder.build())
                    .await?;
                entry.insert(made)
            }
        };
        // At most WINDOW sends in flight: the producer's queue is bounded
        // (a full queue answers SlowDown).
        let mut batch = Batch::default();
        let mut in_flight: VecDeque<Queued> = VecDeque::new();
        for event in events {
            if in_flight.len() >= WINDOW {
                if let Some(oldest) = in_flight.pop_front() {
                    self.settle(&name, oldest, &mut batch).await;
                }
            }
            if batch.lost.is_some() {
                break;
            }
            let queued = self
                .client
                .op(
                    format!("sending to {name}"),
                    producer.send_non_blocking(to_message(event)),
                )
                .await;
            if let Err(error) = &queued {
                batch.failed(error);
            }
            in_flight.push_back(queued);
        }
        while let Some(oldest) = in_flight.pop_front() {
            self.settle(&name, oldest, &mut batch).await;
        }
        if batch.broken {
            // Start afresh next time rather than reuse a producer in doubt.
            if let Some(mut producer) = producers.remove(&name) {
                let _ = tokio::time::timeout(self.client.settings.timeout, producer.close()).await;
            }
        }
        match batch.lost {
            Some(lost) if !batch.outcomes.iter().any(Result::is_ok) => Err(lost),
            lost => {
                let reason = lost.map(|e| format!("not sent: {e}")).unwrap_or_default();
                batch.outcomes.resize(events.len(), Err(reason));
                Ok(batch.outcomes)
            }
        }
    }

    /// Wait for one send's receipt and record its outcome in `batch`. With
    /// the broker already lost, only a receipt already in counts.
    async fn settle(&self, name: &str, queued: Queued, batch: &mut Batch) {
        let receipt = match (queued, &batch.lost) {
            (Err(error), _) => Err(error),
            (Ok(pending), None) => {
                self.client
                    .op(format!("waiting for the receipt from {name}"), pending)
                    .await
            }
            (Ok(pending), Some(lost)) => match pending.now_or_never() {
                Some(result) => result.map_err(|e| PulsarError::from_client(e, &self.client.url)),
                None => Err(lost.clone()),
            },
        };
        let outcome = match receipt {
            Ok(receipt) => Ok(receipt
                .message_id
                .as_ref()
                .map(format_message_id)
                .unwrap_or_default()),
            Err(error) => {
                batch.failed(&error);
                Err(error.to_string())
            }
        };
        batch.outcomes.push(outcome);
    }

    /// Close every producer.
    pub async fn close(&self) -> Result<(), PulsarError> {
        let mut producers = self.producers.lock().await;
        for (_, mut producer) in producers.drain() {
            let _ = tokio::time::timeout(self.client.settings.timeout, producer.close()).await;
        }
        Ok(())
    }
}
