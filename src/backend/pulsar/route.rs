//! The redrive router: a send target that sends each event to the topic
//! named by its REAL_TOPIC property (moved to `system.dlq` by the drain),
//! so one redrive of a dead-letter topic puts every message back where it
//! came from. Events without one fail (and stay in the DLQ): name a target
//! with --to.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::connect::Client;
use super::convert::real_topic;
use super::send::Producers;
use super::topic::{ROUTE_QUERY, TopicName};
use crate::backend::{
    Backend, BackendError, Capabilities, Drain, Record, Routed, Sent, SourceInfo, SourceKind,
    routed_outcomes,
};
use crate::model::Event;

/// Sends each event to its REAL_TOPIC.
pub struct PulsarRouter {
    uri: String,
    producers: Producers,
}

impl PulsarRouter {
    /// The router on the broker `client` is connected to.
    pub fn new(client: Client) -> PulsarRouter {
        PulsarRouter {
            uri: format!("{}/{ROUTE_QUERY}", client.url),
            producers: Producers::new(client),
        }
    }

    fn unsupported(&self, what: &'static str) -> BackendError {
        BackendError::Unsupported {
            uri: self.uri.clone(),
            what,
        }
    }
}

#[async_trait]
impl Backend for PulsarRouter {
    fn uri(&self) -> &str {
        &self.uri
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            send: true,
            ..Capabilities::default()
        }
    }

    async fn describe(&self) -> Result<SourceInfo, BackendError> {
        Ok(SourceInfo {
            uri: self.uri.clone(),
            name: "each event's REAL_TOPIC".into(),
            kind: SourceKind::Pulsar,
            count: None,
            dlq_of: None,
            dlq: None,
        })
    }

    async fn browse(
        &self,
        _limit: Option<usize>,
        _sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<usize, BackendError> {
        Err(self.unsupported("browsing (this is a redrive target)"))
    }

    async fn send(&self, events: &[Event]) -> Result<Vec<Sent>, BackendError> {
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        let Routed {
            groups,
            mut outcomes,
        } = Routed::new(events, |event| match real_topic(event) {
            None => Err("no REAL_TOPIC property: name a target with --to".into()),
            Some(text) => {
                TopicName::parse(text).map_err(|reason| format!("bad REAL_TOPIC: {reason}"))
            }
        });
        for (topic, members) in groups {
            let chosen: Vec<&Event> = members.iter().map(|&i| &events[i]).collect();
            let sent = match self.producers.send(&topic, &chosen).await {
                Ok(sent) => sent,
                // The broker is gone: the other topics would fail the same
                // way, each after a time limit.
                Err(error) if error.is_connection_lost() => {
                    if outcomes.iter().any(|o| matches!(o, Some(Ok(_)))) {
                        let reason = format!("not sent: {error}");
                        return Ok(routed_outcomes(&ids, outcomes, &reason));
                    }
                    return Err(error.at(&self.uri));
                }
                Err(error) => vec![Err(error.to_string()); chosen.len()],
            };
            for (index, outcome) in members.into_iter().zip(sent) {
                outcomes[index] = Some(outcome);
            }
        }
        Ok(routed_outcomes(&ids, outcomes, "not sent"))
    }

    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError> {
        Err(self.unsupported("removing events"))
    }

    async fn redrive_target(&self) -> Result<Option<String>, BackendError> {
        Ok(None)
    }
}
