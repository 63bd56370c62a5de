//! Backends: where events come from and go to. Every backend (capture
//! files, the bundled demo, SQS, Pulsar) sits behind the same [`Backend`]
//! trait; nothing here knows about the UI.

mod demo;
mod error;
pub mod file;
mod listing;
pub mod pulsar;
mod record;
mod uri;

pub use demo::{DEMO_PARTS, demo_capture};
pub use error::BackendError;
pub use listing::{Listing, list_sources};
pub use pulsar::PulsarOptions;
pub use record::Record;
pub use uri::{SourceUri, open, open_target};

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::inspect::Inspector;
use crate::model::Event;

/// What a backend can do besides browsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// Events can be sent to it (a replay or redrive target).
    pub send: bool,
    /// Events can be removed from it (a redrive source).
    pub remove: bool,
    /// New events can be followed as they arrive.
    pub tail: bool,
}

/// The kind of a source, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A capture file or stdin.
    File,
    /// The bundled demo capture.
    Demo,
    /// An SQS queue.
    Sqs,
    /// A Pulsar topic.
    Pulsar,
}

/// What a backend knows about its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// The source URI (`file:orders.jsonl`, `sqs://orders`).
    pub uri: String,
    /// A short display name.
    pub name: String,
    /// Which backend.
    pub kind: SourceKind,
    /// Number of events when known.
    pub count: Option<u64>,
    /// When this source is a dead-letter queue: the source it belongs to.
    pub dlq_of: Option<String>,
    /// The dead-letter queue of this source, when it has one.
    pub dlq: Option<String>,
}

/// Settings every backend is opened with.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Computes facets for the capture lines a backend writes.
    pub inspector: Inspector,
    /// Refuse every operation that changes a source.
    pub read_only: bool,
    /// Pulsar connection settings (`Default`: none given).
    pub pulsar: PulsarOptions,
}

/// The outcome of sending one event: its new id, or why it failed.
pub type SendOutcome = Result<String, String>;

/// Identifies an event held by a [`Drain`] until it is removed or released.
pub type LeaseId = u64;

/// An event taken from a source by a [`Drain`], not yet removed from it.
#[derive(Debug, Clone)]
pub struct Leased {
    /// The drain's handle for this event.
    pub lease: LeaseId,
    /// The event.
    pub event: Event,
}

/// The source side of a move (redrive): hands out events, and removes them
/// only when told, after their send was confirmed.
#[async_trait]
pub trait Drain: Send {
    /// The next batch of events not handed out before; empty when the
    /// source has no more.
    async fn next_batch(&mut self) -> Result<Vec<Leased>, BackendError>;
    /// Remove these events from the source for good. One outcome per lease.
    async fn remove(&mut self, leases: &[LeaseId])
    -> Result<Vec<Result<(), String>>, BackendError>;
    /// Make every event handed out and not removed available again, and
    /// settle the source (a file is rewritten here).
    async fn finish(self: Box<Self>) -> Result<(), BackendError>;
}

/// One source of events behind a common interface.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The source URI.
    fn uri(&self) -> &str;
    /// What it can do.
    fn capabilities(&self) -> Capabilities;
    /// Counts and dead-letter links.
    async fn describe(&self) -> Result<SourceInfo, BackendError>;
    /// Read events without changing the source, in batches, until the source
    /// is exhausted or `limit` events were sent. Returns how many were sent.
    async fn browse(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<usize, BackendError>;
    /// Follow events that arrive after `browse`, until `sink` is closed.
    async fn tail(&self, sink: mpsc::Sender<Vec<Record>>) -> Result<(), BackendError> {
        let _ = sink;
        Err(BackendError::Unsupported {
            uri: self.uri().to_string(),
            what: "following new events",
        })
    }
    /// Send events to this source, confirmed. One outcome per event, in order.
    async fn send(&self, events: &[Event]) -> Result<Vec<SendOutcome>, BackendError>;
    /// Start taking events out of this source (the source side of a redrive).
    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError>;
    /// Where this dead-letter queue's events go back to, as the backend
    /// knows it; `None` when it does not know.
    async fn redrive_target(&self) -> Result<Option<String>, BackendError>;
}
