//! Sending: one producer per target topic, kept for the backend's life;
//! every send waits for the broker's receipt, so outcomes are exact.

use std::collections::HashMap;

use pulsar::{Producer, TokioExecutor};
use tokio::sync::Mutex;

use super::connect::Client;
use super::convert::to_message;
use super::error::PulsarError;
use super::topic::{TopicName, format_message_id};
use crate::backend::SendOutcome;
use crate::model::Event;

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
        let mut pending = Vec::with_capacity(events.len());
        let mut broken = false;
        for event in events {
            let message = to_message(event);
            let queued = self
                .client
                .op(
                    format!("sending to {name}"),
                    producer.send_non_blocking(message),
                )
                .await;
            if queued.is_err() {
                broken = true;
            }
            pending.push(queued);
        }
        let mut outcomes = Vec::with_capacity(events.len());
        for queued in pending {
            let outcome = match queued {
                Ok(receipt) => match self
                    .client
                    .op(format!("waiting for the receipt from {name}"), receipt)
                    .await
                {
                    Ok(receipt) => Ok(receipt
                        .message_id
                        .as_ref()
                        .map(format_message_id)
                        .unwrap_or_default()),
                    Err(error) => {
                        broken = true;
                        Err(error.to_string())
                    }
                },
                Err(error) => Err(error.to_string()),
            };
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

    /// Close every producer.
    pub async fn close(&self) -> Result<(), PulsarError> {
        let mut producers = self.producers.lock().await;
        for (_, mut producer) in producers.drain() {
            let _ = tokio::time::timeout(self.client.settings.timeout, producer.close()).await;
        }
        Ok(())
    }
}
