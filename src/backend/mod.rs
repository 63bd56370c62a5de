//! Backends: where events come from and go to. Every backend (capture
//! files, the bundled demo, SQS, Pulsar) sits behind the same [`Backend`]
//! trait; nothing here knows about the UI.

mod demo;
mod error;
pub mod file;
mod holding;
mod listing;
pub mod pulsar;
mod read_only;
mod record;
pub mod sqs;
mod uri;

pub use demo::{DEMO_PARTS, demo_capture};
pub use error::BackendError;
pub use holding::{HoldCaution, HoldStatus, Released};
pub use listing::{Listing, is_scope, list_sources, sqs_scope};
pub use pulsar::PulsarOptions;
pub use record::Record;
pub use sqs::SqsOptions;
pub use uri::{SourceUri, is_router, open, open_target, route_of, target_label};

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::inspect::Inspector;
use crate::model::Event;

/// What a backend can do besides browsing: the one place that decides
/// what the UI offers ([`Capabilities::offers`]) and what operations may
/// start ([`ensure`]). The operation flags say what the backend itself can
/// do; `read_only` withdraws all of them (a dry run is still possible).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// Events can be sent to it (a replay or redrive target).
    pub send: bool,
    /// Events can be taken out of it to be moved (a redrive source).
    pub remove: bool,
    /// Chosen events can be deleted from it for good.
    pub delete: bool,
    /// All of its events can be deleted at once.
    pub purge: bool,
    /// New events can be followed as they arrive.
    pub tail: bool,
    /// Opened with `--read-only`: nothing that changes it is offered.
    pub read_only: bool,
}

/// An operation that changes a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Send events to it (replay, the target side of a redrive).
    Send,
    /// Take events out of it to move them (the source side of a redrive).
    Redrive,
    /// Delete chosen events.
    Delete,
    /// Delete every event.
    Purge,
}

impl Operation {
    /// What the operation does, as a noun phrase for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Operation::Send => "sending events",
            Operation::Redrive => "redriving (moving events out)",
            Operation::Delete => "deleting events",
            Operation::Purge => "purging",
        }
    }
}

impl Capabilities {
    /// Whether the backend itself can do `operation` (`--read-only` aside).
    pub fn can(&self, operation: Operation) -> bool {
        match operation {
            Operation::Send => self.send,
            Operation::Redrive => self.remove,
            Operation::Delete => self.delete,
            Operation::Purge => self.purge,
        }
    }

    /// Whether `operation` is offered now: the backend can do it and it is
    /// not read-only.
    pub fn offers(&self, operation: Operation) -> bool {
        self.can(operation) && !self.read_only
    }
}

/// Fail up front, before anything is read or asked, when `backend` does not
/// offer `operation`: because the backend cannot do it (with its reason,
/// [`Backend::cannot`]), or because of `--read-only`, which still allows a
/// `dry_run` (it changes nothing).
pub fn ensure(
    backend: &dyn Backend,
    operation: Operation,
    dry_run: bool,
) -> Result<(), BackendError> {
    let caps = backend.capabilities();
    if caps.can(operation) {
        if dry_run || !caps.read_only {
            return Ok(());
        }
        return Err(BackendError::ReadOnly {
            uri: backend.uri().to_string(),
        });
    }
    Err(BackendError::Refused {
        uri: backend.uri().to_string(),
        what: operation.noun(),
        why: backend
            .cannot(operation)
            .unwrap_or_else(|| "this source cannot change".into()),
    })
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

/// A source as a listing shows it: what [`SourceInfo`] says, plus the
/// counts and links a queue listing needs (SQS `evscope queues`, the TUI's
/// sources pane).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSummary {
    /// Name, URI, visible count and the first dead-letter links.
    pub info: SourceInfo,
    /// Events received by some consumer and not yet deleted, when known.
    pub in_flight: Option<u64>,
    /// Events sent with a delay that are not visible yet, when known.
    pub delayed: Option<u64>,
    /// Whether the source keeps a strict order per key (an SQS FIFO queue).
    pub fifo: bool,
    /// Every source this one is the dead-letter queue of (`info.dlq_of` is
    /// the first of them).
    pub dlq_sources: Vec<String>,
}

/// Settings every backend is opened with ([`open`], [`open_target`]).
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Computes facets for the capture lines a backend writes.
    pub inspector: Inspector,
    /// Refuse every operation that changes a source: [`open`] wraps every
    /// backend it opens in the one guard that refuses them.
    pub read_only: bool,
    /// How to reach SQS (profile, region, endpoint) and SQS send settings.
    pub sqs: SqsOptions,
    /// Pulsar connection settings (`Default`: none given).
    pub pulsar: PulsarOptions,
}

impl OpenOptions {
    /// Options with this inspector, writable, and SQS settings from the
    /// environment's defaults.
    pub fn new(inspector: Inspector) -> Self {
        OpenOptions {
            inspector,
            read_only: false,
            sqs: SqsOptions::default(),
            pulsar: PulsarOptions::default(),
        }
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions::new(Inspector::with_defaults())
    }
}

/// Progress of a move the service itself carries out
/// ([`Backend::native_move`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeMoveProgress {
    /// Events moved so far.
    pub moved: u64,
    /// Events to move, when the service says.
    pub total: Option<u64>,
    /// The service's status word (RUNNING, COMPLETED, ...).
    pub status: String,
}

/// How a native move runs and is followed ([`Backend::native_move`]).
pub struct NativeMoveControl<'a> {
    /// At most this many events per second (SQS:
    /// MaxNumberOfMessagesPerSecond, 1 to 500); the service's own pace
    /// when `None`.
    pub rate: Option<u32>,
    /// Told where the move stands, each time the service is asked.
    pub progress: &'a (dyn Fn(NativeMoveProgress) + Send + Sync),
    /// Whether the user asked to stop: the move is then cancelled at the
    /// service (SQS CancelMessageMoveTask).
    pub cancelled: &'a (dyn Fn() -> bool + Send + Sync),
}

/// What came of asking a backend for a native move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeMove {
    /// The move ran to its end: how many events it moved.
    Done(NativeMoveProgress),
    /// The move was cancelled as asked: how many events it had moved when
    /// it stopped (the rest are still in the source). The status is the
    /// service's last word (`CANCELLED`, or `CANCELLING` when it had not
    /// confirmed the stop within the wait).
    Cancelled(NativeMoveProgress),
    /// Not available here (another target kind, or the endpoint lacks it):
    /// the reason, for a note to the user.
    Unavailable(String),
}

/// The outcome of sending one event: its new id, or why it failed.
pub type SendOutcome = Result<String, String>;

/// A [`SendOutcome`] with the id of the event it belongs to: operations
/// pair outcomes with events by this id, never by position.
pub type Sent = (String, SendOutcome);

/// The outcome of removing one lease, with that lease.
pub type Removed = (LeaseId, Result<(), String>);

/// Name each outcome by its key, for a backend whose outcomes are built
/// one per key, in the keys' order (e.g. indexed by input position).
pub fn keyed_in_order<K: Clone, O>(keys: &[K], outcomes: Vec<O>) -> Vec<(K, O)> {
    keys.iter().cloned().zip(outcomes).collect()
}

/// The sends of a router (a target that sends each event to its own
/// destination: an SQS DLQ's origins, a Pulsar DLQ's `REAL_TOPIC`s): the
/// events grouped by destination, each group in the events' order, and an
/// outcome per event, already set for those without a destination.
pub struct Routed<K> {
    /// Each destination with the indexes of its events.
    pub groups: Vec<(K, Vec<usize>)>,
    /// Per event: `Some(Err(why))` when it has no destination, else `None`
    /// until its group is sent.
    pub outcomes: Vec<Option<SendOutcome>>,
}

impl<K: PartialEq> Routed<K> {
    /// Group `events` by `destination` (or why an event has none).
    pub fn new(events: &[Event], destination: impl Fn(&Event) -> Result<K, String>) -> Self {
        let mut routed = Routed {
            groups: Vec::new(),
            outcomes: vec![None; events.len()],
        };
        for (index, event) in events.iter().enumerate() {
            match destination(event) {
                Err(why) => routed.outcomes[index] = Some(Err(why)),
                Ok(key) => match routed.groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, members)) => members.push(index),
                    None => routed.groups.push((key, vec![index])),
                },
            }
        }
        routed
    }
}

/// The outcomes of a router's sends, named by the events' `ids`; an event
/// whose outcome was never set failed with `unset`.
pub fn routed_outcomes(
    ids: &[String],
    outcomes: Vec<Option<SendOutcome>>,
    unset: &str,
) -> Vec<Sent> {
    let outcomes: Vec<SendOutcome> = outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(unset.to_string())))
        .collect();
    keyed_in_order(ids, outcomes)
}

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
    /// What the source holds but could not hand out since the last call
    /// (unreadable capture lines), each naming where it is and why
    /// (`line 3: …`). Those stay in the source.
    fn take_unreadable(&mut self) -> Vec<String> {
        Vec::new()
    }
    /// Whether the source promises a JSON body for this lease's event
    /// ([`Record::expects_json`]: a plain JSON Lines line does), so a
    /// selection sees the same problems as a browse.
    fn expects_json(&self, lease: LeaseId) -> bool {
        let _ = lease;
        false
    }
    /// Whether removals take effect only in [`Drain::finish`] (a file is
    /// rewritten there): when `finish` fails, none of them happened.
    fn removes_on_finish(&self) -> bool {
        false
    }
    /// Remove these events from the source for good. One outcome per
    /// lease, naming it.
    async fn remove(&mut self, leases: &[LeaseId]) -> Result<Vec<Removed>, BackendError>;
    /// Make every event handed out and not removed available again, and
    /// settle the source (a file is rewritten here).
    async fn finish(self: Box<Self>) -> Result<(), BackendError>;
    /// After the walk, before `finish`: what the source held before the
    /// walk and still holds, when the backend can count it (`None`: it
    /// cannot). Events handed out and not removed are released first.
    async fn account(&mut self) -> Result<Option<Account>, BackendError> {
        Ok(None)
    }
}

/// What a drained source held, counted by the backend ([`Drain::account`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    /// Events in the source before the walk, when counted.
    pub before: Option<u64>,
    /// Events still in the source after it.
    pub left_behind: u64,
}

/// The events a redrive already consumed from a source, as the server
/// itself records it (a Pulsar redrive subscription's acknowledged
/// positions, read through the admin API).
pub trait Acknowledged: Send + Sync + std::fmt::Debug {
    /// Whether the event with this id was acknowledged.
    fn contains(&self, id: &str) -> bool;
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
    /// [`Backend::describe`] without a count that would cost a read of
    /// the whole source (a file not read yet): for commands that read it
    /// next anyway.
    async fn identify(&self) -> Result<SourceInfo, BackendError> {
        self.describe().await
    }
    /// Read events without changing the source, in batches, until the source
    /// is exhausted or `limit` events were sent. Returns how many were sent.
    async fn browse(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<usize, BackendError>;
    /// Follow events that arrive after `browse`, until `sink` is closed.
    /// An empty batch means the source started over (a file truncated or
    /// replaced): what was shown is gone, and the batches after it are the
    /// source from its new start.
    async fn tail(&self, sink: mpsc::Sender<Vec<Record>>) -> Result<(), BackendError> {
        let _ = sink;
        Err(BackendError::Unsupported {
            uri: self.uri().to_string(),
            what: "following new events",
        })
    }
    /// Send events to this source, confirmed. One outcome per event,
    /// naming the event's id.
    async fn send(&self, events: &[Event]) -> Result<Vec<Sent>, BackendError>;
    /// Start taking events out of this source (the source side of a redrive).
    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError>;
    /// Where this dead-letter queue's events go back to, as the backend
    /// knows it; `None` when it does not know.
    async fn redrive_target(&self) -> Result<Option<String>, BackendError>;

    /// The file on disk this backend reads, when it is one: the same-file
    /// checks of export, replay and redrive compare these ([`same_source`]).
    fn file_identity(&self) -> Option<crate::capture::FileId> {
        None
    }

    /// What opening the source did that the user should hear of (stale
    /// temporary files removed), one sentence each.
    fn notices(&self) -> Vec<String> {
        Vec::new()
    }

    /// A caution to show before the first browse, when browsing can change
    /// the source (an SQS queue with a redrive policy: every receive counts
    /// towards maxReceiveCount). The TUI asks for one confirmation per
    /// source; the CLI prints it on stderr. `None` when browsing is harmless.
    fn browse_caution(&self) -> Option<String> {
        None
    }

    /// A note on what browsing cannot show (an SQS FIFO queue only hands
    /// out the head of each message group while earlier ones are held).
    fn browse_note(&self) -> Option<String> {
        None
    }

    /// Browse, then follow new events, as one session: events seen while
    /// browsing are not received again while following (SQS keeps them
    /// hidden until the sink is closed). The default browses, then tails.
    async fn follow(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<(), BackendError> {
        self.browse(limit, sink.clone()).await?;
        self.tail(sink).await
    }

    /// Why this backend does not offer `operation` (its [`Capabilities`]
    /// say no), in words for the user; `None` when there is nothing more
    /// to say than that the source cannot change.
    fn cannot(&self, operation: Operation) -> Option<String> {
        let _ = operation;
        None
    }

    /// What following costs the source's consumers, asked before following:
    /// `None` when it costs them nothing (a file, a Pulsar subscription of
    /// evscope's own, an SQS dead-letter queue).
    async fn hold_caution(&self) -> Result<Option<HoldCaution>, BackendError> {
        Ok(None)
    }

    /// What this source's live sessions (tail, follow) hold from its
    /// consumers now, and what the last one released; `None` when none ran.
    fn hold_status(&self) -> Option<HoldStatus> {
        None
    }

    /// Delete every event of the source at once.
    async fn purge(&self) -> Result<(), BackendError> {
        Err(BackendError::Unsupported {
            uri: self.uri().to_string(),
            what: "purging",
        })
    }

    /// What a redrive already consumed from this source, as the server
    /// records it; `None` when the backend cannot tell (the default, and a
    /// Pulsar topic without a reachable admin API).
    async fn redrive_acknowledged(&self) -> Option<Arc<dyn Acknowledged>> {
        None
    }

    /// Move every event to `target` with the service's own mechanism (SQS
    /// StartMessageMoveTask from a DLQ to its source), at `control`'s rate,
    /// reporting progress as it goes and cancelling it at the service when
    /// `control` says so. [`NativeMove::Unavailable`] when there is none
    /// here: the caller then moves events itself.
    async fn native_move(
        &self,
        target: &str,
        control: &NativeMoveControl<'_>,
    ) -> Result<NativeMove, BackendError> {
        let _ = (target, control);
        Ok(NativeMove::Unavailable(
            "this source has no native move".into(),
        ))
    }
}

/// Whether two backends are the same place: the same file on disk (device
/// and inode, whatever the spelling, symlink or hard link), or the same URI.
pub fn same_source(a: &dyn Backend, b: &dyn Backend) -> bool {
    match (a.file_identity(), b.file_identity()) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.uri() == b.uri(),
        _ => false,
    }
}

/// Wait (at most `timeout`) for the background work that makes browsed SQS
/// messages visible again after an interrupted browse. Call before exit.
pub async fn settle(timeout: std::time::Duration) {
    sqs::settle(timeout).await;
}
