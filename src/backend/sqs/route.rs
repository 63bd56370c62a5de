//! The SQS redrive router: a send target that sends each message back to
//! the queue named by its `DeadLetterQueueSourceArn` (SQS sets it when it
//! dead-letters a message), for a dead-letter queue that serves several
//! queues. Messages without one fail, and stay in the DLQ: name a target
//! with --to. The Pulsar router does the same with REAL_TOPIC.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, mpsc};

use super::client::{self, Connection, SqsOptions};
use super::queue::{Queue, name_of, uri_of};
use crate::backend::{
    Backend, BackendError, Capabilities, Drain, Record, Routed, Sent, SourceInfo, SourceKind,
    routed_outcomes,
};
use crate::model::Event;

/// The router's URI: every message to its own origin.
pub const ROUTE_URI: &str = "sqs://?route=DeadLetterQueueSourceArn";

/// The queue a dead-lettered message came from (`sqs://NAME`), from its
/// `DeadLetterQueueSourceArn`; `None` when it has none.
pub fn origin_of(event: &Event) -> Option<String> {
    event
        .system
        .get("DeadLetterQueueSourceArn")
        .and_then(serde_json::Value::as_str)
        .map(|arn| uri_of(name_of(arn)))
}

/// Sends each message to its origin queue.
pub struct SqsRouter {
    conn: Connection,
    keep_dedup_id: bool,
    /// Origin queues opened so far, by URI.
    queues: Mutex<HashMap<String, Arc<Queue>>>,
}

impl SqsRouter {
    /// A router reaching SQS with `options`; no call is made here.
    pub async fn open(options: &SqsOptions) -> SqsRouter {
        SqsRouter {
            conn: client::connect(options).await,
            keep_dedup_id: options.keep_dedup_id,
            queues: Mutex::new(HashMap::new()),
        }
    }

    async fn queue(&self, uri: &str) -> Result<Arc<Queue>, BackendError> {
        let mut queues = self.queues.lock().await;
        if let Some(queue) = queues.get(uri) {
            return Ok(queue.clone());
        }
        let queue = Arc::new(Queue::open(self.conn.clone(), uri).await?);
        queues.insert(uri.to_string(), queue.clone());
        Ok(queue)
    }

    fn unsupported(&self, what: &'static str) -> BackendError {
        BackendError::Unsupported {
            uri: ROUTE_URI.into(),
            what,
        }
    }
}

#[async_trait]
impl Backend for SqsRouter {
    fn uri(&self) -> &str {
        ROUTE_URI
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            send: true,
            ..Capabilities::default()
        }
    }

    async fn describe(&self) -> Result<SourceInfo, BackendError> {
        Ok(SourceInfo {
            uri: ROUTE_URI.into(),
            name: "each message's DeadLetterQueueSourceArn".into(),
            kind: SourceKind::Sqs,
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
        } = Routed::new(events, |event| {
            origin_of(event).ok_or_else(|| {
                "no DeadLetterQueueSourceArn (it was not dead-lettered by SQS): name a target with --to".into()
            })
        });
        for (origin, members) in groups {
            let sent = match self.queue(&origin).await {
                Ok(queue) => {
                    let chosen: Vec<Event> = members.iter().map(|&i| events[i].clone()).collect();
                    super::send::send(&queue, &chosen, self.keep_dedup_id).await
                }
                // That origin is gone or not ours: its messages stay.
                Err(error) => vec![Err(error.to_string()); members.len()],
            };
            for (index, outcome) in members.into_iter().zip(sent) {
                outcomes[index] = Some(outcome);
            }
        }
        Ok(routed_outcomes(&ids, outcomes, "not sent"))
    }

    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError> {
        Err(self.unsupported("redriving out of it (this is a redrive target)"))
    }

    async fn redrive_target(&self) -> Result<Option<String>, BackendError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_the_queue_named_by_the_source_arn() {
        let mut event = Event::new("m", "sqs://dlq", "{}");
        assert_eq!(origin_of(&event), None);
        event.system.insert(
            "DeadLetterQueueSourceArn".into(),
            "arn:aws:sqs:us-east-1:000000000000:orders".into(),
        );
        assert_eq!(origin_of(&event).as_deref(), Some("sqs://orders"));
    }
}
