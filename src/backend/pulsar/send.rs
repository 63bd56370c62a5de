//! Sending: one producer per target topic, kept for the backend's life;
//! every send waits for the broker's receipt, so outcomes are exact.

use std::collections::{HashMap, VecDeque};

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
    /// message id, or why it failed.
    pub async fn send(&self, topic: &TopicName, events: &[&Event]) -> Vec<SendOutcome> {
        let name = topic.to_string();
        let mut producers = self.producers.lock().await;
        if !producers.contains_key(&name) {
            let builder = self.client.pulsar.producer().with_topic(name.clone());
            match self
                .client
                .op(format!("creating a producer on {name}"), builder.build())
                .await
            {
                Ok(producer) => {
                    producers.insert(name.clone(), producer);
                }
                Err(error) => return vec![Err(error.to_string()); events.len()],
            }
        }
        let Some(producer) = producers.get_mut(&name) else {
            return vec![Err("no producer".to_string()); events.len()];
        };
        // At most WINDOW sends in flight: the producer's queue is bounded
        // (a full queue answers SlowDown).
        let mut outcomes: Vec<SendOutcome> = Vec::with_capacity(events.len());
        let mut in_flight: VecDeque<Result<pulsar::producer::SendFuture, PulsarError>> =
            VecDeque::new();
        let mut broken = false;
        for event in events {
            if in_flight.len() >= WINDOW {
                if let Some(oldest) = in_flight.pop_front() {
                    let outcome = self.settle(&name, oldest).await;
                    broken |= outcome.is_err();
                    outcomes.push(outcome);
                }
            }
            let queued = self
                .client
                .op(
                    format!("sending to {name}"),
                    producer.send_non_blocking(to_message(event)),
                )
                .await;
            in_flight.push_back(queued);
        }
        while let Some(oldest) = in_flight.pop_front() {
            let outcome = self.settle(&name, oldest).await;
            broken |= outcome.is_err();
            outcomes.push(outcome);
        }
        if broken {
            // Start afresh next time rather than reuse a producer in doubt.
            if let Some(mut producer) = producers.remove(&name) {
                let _ = tokio::time::timeout(self.client.settings.timeout, producer.close()).await;
            }
        }
        outcomes
    }

    /// Wait for one send's receipt.
    async fn settle(
        &self,
        name: &str,
        queued: Result<pulsar::producer::SendFuture, PulsarError>,
    ) -> SendOutcome {
        let receipt = queued.map_err(|e| e.to_string())?;
        self.client
            .op(format!("waiting for the receipt from {name}"), receipt)
            .await
            .map(|receipt| {
                receipt
                    .message_id
                    .as_ref()
                    .map(format_message_id)
                    .unwrap_or_default()
            })
            .map_err(|e| e.to_string())
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
