//! The SQS backend: `sqs://QUEUE_NAME` or a queue URL.
//!
//! - [`client`]: the AWS default chain plus `--profile`, `--region` and
//!   `--endpoint-url`, short timeouts, readable errors.
//! - [`queue`]: resolving a queue and the calls made on it.
//! - [`browse`]: peeking without harm, tailing, following.
//! - [`hold`]: keeping received messages hidden, and releasing them, also
//!   when interrupted.
//! - [`max_hold`]: the bound on a live session's holds.
//! - [`board`]: what a queue's live sessions hold, for the UI and the CLI.
//! - [`drain`]: the source side of a redrive or delete.
//! - [`send`]: batched, concurrent sends with precise per-event outcomes.
//! - [`discover`]: listing queues with counts and dead-letter links.
//! - [`move_task`]: SQS's own redrive (StartMessageMoveTask).

mod board;
mod browse;
mod client;
mod convert;
mod discover;
mod drain;
mod hold;
mod max_hold;
mod move_task;
mod pace;
mod queue;
mod route;
mod send;

pub use client::{SqsOptions, caller_identity};
pub use discover::list_queues;
pub use hold::settle;
pub use max_hold::MaxHold;
pub use move_task::MAX_RATE as MOVE_TASK_MAX_RATE;
pub use queue::QueueAttributes;
pub use route::{ROUTE_URI, SqsRouter, origin_of};

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use self::browse::Mode;
use self::queue::{Queue, name_of, uri_of};
use super::{
    Backend, BackendError, Capabilities, Drain, HoldCaution, HoldStatus, NativeMove,
    NativeMoveControl, Record, Sent, SourceInfo, SourceKind, keyed_in_order,
};
use crate::model::Event;

/// Seconds a held message stays hidden between extensions, by default.
pub const DEFAULT_VISIBILITY: u32 = 30;
/// How long following holds a message of a queue that is not a
/// dead-letter queue, by default.
pub const DEFAULT_MAX_HOLD: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether an SQS event was received as often as its queue's redrive policy
/// allows (ApproximateReceiveCount >= maxReceiveCount): the next receive by
/// anyone, a browse included, moves it to the dead-letter queue.
pub fn at_max_receive_count(event: &Event) -> bool {
    let max = event
        .system
        .get("max_receive_count")
        .and_then(serde_json::Value::as_u64);
    matches!((event.receive_count, max), (Some(n), Some(max)) if u64::from(n) >= max)
}

/// One SQS queue.
pub struct SqsBackend {
    queue: Arc<Queue>,
    options: SqsOptions,
    /// Whether the queue is some queue's dead-letter queue, once asked.
    is_dlq: tokio::sync::OnceCell<bool>,
}

impl SqsBackend {
    /// Open `sqs://NAME` or a queue URL: resolve the queue and read its
    /// attributes. Fails within seconds, in one line, when the endpoint,
    /// the credentials or the queue are wrong.
    pub async fn open(text: &str, options: &SqsOptions) -> Result<SqsBackend, BackendError> {
        tracing::info!(queue = text, endpoint = ?options.endpoint_url, region = ?options.region, profile = ?options.profile, "connecting to SQS");
        let conn = client::connect(options).await;
        let queue = Queue::open(conn, text).await?;
        Ok(SqsBackend {
            queue: Arc::new(queue),
            options: options.clone(),
            is_dlq: tokio::sync::OnceCell::new(),
        })
    }

    /// The queue's attributes as of opening.
    pub fn attributes(&self) -> &QueueAttributes {
        &self.queue.attrs
    }

    /// The queue URL.
    pub fn url(&self) -> &str {
        &self.queue.url
    }

    fn visibility(&self) -> u32 {
        self.options
            .visibility_timeout
            .unwrap_or(DEFAULT_VISIBILITY)
            .clamp(2, 43_200)
    }

    /// Whether this is the dead-letter queue of some queue (asked once; a
    /// failed question counts as no: the caution then errs on the safe side).
    async fn is_dlq(&self) -> bool {
        *self
            .is_dlq
            .get_or_init(|| async { self.dlq_sources().await.is_ok_and(|s| !s.is_empty()) })
            .await
    }

    /// The bound on a live session's holds: the one chosen, or 30 s on a
    /// queue that is not a dead-letter queue.
    async fn max_hold(&self) -> MaxHold {
        match self.options.max_hold {
            Some(chosen) => chosen,
            None if self.is_dlq().await => MaxHold::Forever,
            None => MaxHold::For(DEFAULT_MAX_HOLD),
        }
    }

    /// The queues this one is the dead-letter queue of.
    async fn dlq_sources(&self) -> Result<Vec<String>, BackendError> {
        let mut uris = Vec::new();
        let mut pages = self
            .queue
            .conn
            .client
            .list_dead_letter_source_queues()
            .queue_url(&self.queue.url)
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                self.queue.error(
                    self.queue
                        .call_error(&e, "listing the queues this DLQ serves"),
                )
            })?;
            uris.extend(page.queue_urls.iter().map(|u| uri_of(name_of(u))));
        }
        uris.sort();
        Ok(uris)
    }
}

#[async_trait]
impl Backend for SqsBackend {
    fn uri(&self) -> &str {
        &self.queue.uri
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            send: true,
            remove: true,
            delete: true,
            purge: true,
            tail: true,
            read_only: false,
        }
    }

    async fn describe(&self) -> Result<SourceInfo, BackendError> {
        let attrs = self
            .queue
            .attributes()
            .await
            .map_err(|e| self.queue.error(e))?;
        let sources = self.dlq_sources().await?;
        let _ = self.is_dlq.set(!sources.is_empty());
        Ok(SourceInfo {
            uri: self.queue.uri.clone(),
            name: self.queue.name.clone(),
            kind: SourceKind::Sqs,
            count: Some(attrs.visible),
            dlq_of: sources.into_iter().next(),
            dlq: attrs.dlq_arn.as_deref().map(|a| uri_of(name_of(a))),
        })
    }

    async fn browse(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<usize, BackendError> {
        browse::session(
            self.queue.clone(),
            self.visibility(),
            limit,
            sink,
            Mode::Browse,
            None,
        )
        .await
    }

    async fn tail(&self, sink: mpsc::Sender<Vec<Record>>) -> Result<(), BackendError> {
        browse::session(
            self.queue.clone(),
            self.visibility(),
            None,
            sink,
            Mode::Tail,
            Some(self.max_hold().await),
        )
        .await
        .map(|_| ())
    }

    async fn follow(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<(), BackendError> {
        browse::session(
            self.queue.clone(),
            self.visibility(),
            limit,
            sink,
            Mode::Follow,
            Some(self.max_hold().await),
        )
        .await
        .map(|_| ())
    }

    async fn send(&self, events: &[Event]) -> Result<Vec<Sent>, BackendError> {
        let outcomes = send::send(&self.queue, events, self.options.keep_dedup_id).await;
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        Ok(keyed_in_order(&ids, outcomes))
    }

    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError> {
        Ok(Box::new(drain::SqsDrain::new(
            self.queue.clone(),
            self.visibility(),
        )))
    }

    async fn redrive_target(&self) -> Result<Option<String>, BackendError> {
        let sources = self.dlq_sources().await?;
        match sources.len() {
            0 | 1 => Ok(sources.into_iter().next()),
            // Several: each message goes back to its own origin.
            _ => Ok(Some(ROUTE_URI.to_string())),
        }
    }

    fn browse_caution(&self) -> Option<String> {
        // Longer than one page, on a queue known (from `describe`) not to
        // be a DLQ: the browse hides messages from the consumers a while.
        let long = (self.queue.attrs.visible > 10 && self.is_dlq.get() == Some(&false)).then(|| {
            format!(
                "browsing {} receives its {} messages: each is hidden from the queue's consumers until the browse ends, and its receive count rises by one",
                self.queue.uri, self.queue.attrs.visible
            )
        });
        let policy = self.queue.attrs.max_receive_count.map(|max| {
            let dlq = self.queue.attrs.dlq_arn.as_deref().map_or_else(
                || "its dead-letter queue".to_string(),
                |a| uri_of(name_of(a)),
            );
            format!(
                "{} has a redrive policy (maxReceiveCount {max}): browsing receives each message once, which counts; a message already received {max} times moves to {dlq} instead of showing",
                self.queue.uri
            )
        });
        match (policy, long) {
            (Some(policy), Some(long)) => Some(format!("{policy}\n{long}")),
            (policy, long) => policy.or(long),
        }
    }

    async fn hold_caution(&self) -> Result<Option<HoldCaution>, BackendError> {
        if self.is_dlq().await {
            return Ok(None);
        }
        let attrs = self
            .queue
            .attributes()
            .await
            .map_err(|e| self.queue.error(e))?;
        let ours = self.queue.board.status().map_or(0, |s| s.held as u64);
        let in_flight = attrs.in_flight.saturating_sub(ours);
        let consumed = in_flight > 0 || self.queue.board.consumed_recently();
        let bound = match self.max_hold().await {
            MaxHold::Forever => "until you stop following (--max-hold forever)".to_string(),
            MaxHold::For(d) => format!("at most {} s each (--max-hold)", d.as_secs_f64()),
        };
        let state = match (in_flight, consumed) {
            (0, false) => "none in flight now, none received by others lately".to_string(),
            (0, true) => {
                "none in flight now, but some were received by others lately: it looks consumed"
                    .to_string()
            }
            (n, _) => format!("{n} in flight now: it looks consumed"),
        };
        Ok(Some(HoldCaution {
            text: format!(
                "following {uri} receives its messages: each one is hidden from the queue's consumers while evscope holds it ({bound}), and its receive count rises by one; {state}",
                uri = self.queue.uri
            ),
            in_flight,
            consumed,
        }))
    }

    fn hold_status(&self) -> Option<HoldStatus> {
        self.queue.board.status()
    }

    fn browse_note(&self) -> Option<String> {
        self.queue.attrs.fifo.then(|| {
            format!(
                "{} is a FIFO queue: a received message holds back the rest of its message group until it is visible again, so a browse shows only the first messages of each group",
                self.queue.uri
            )
        })
    }

    async fn purge(&self) -> Result<(), BackendError> {
        self.queue
            .conn
            .client
            .purge_queue()
            .queue_url(&self.queue.url)
            .send()
            .await
            .map_err(|e| {
                self.queue
                    .error(self.queue.call_error(&e, "purging the queue"))
            })?;
        Ok(())
    }

    async fn native_move(
        &self,
        target: &str,
        control: &NativeMoveControl<'_>,
    ) -> Result<NativeMove, BackendError> {
        if target == ROUTE_URI {
            // No destination: SQS moves each message back to its origin.
            return move_task::run(&self.queue, None, control).await;
        }
        if !target.starts_with("sqs://") && !target.starts_with("http") {
            return Ok(NativeMove::Unavailable(format!(
                "{target} is not an SQS queue"
            )));
        }
        let target = Queue::open(self.queue.conn.clone(), target).await?;
        move_task::run(&self.queue, Some(&target), control).await
    }
}
