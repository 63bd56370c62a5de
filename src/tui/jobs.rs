//! Background work and the messages it sends back. The UI never waits on
//! a backend: `update` asks for work with an [`Effect`], [`Jobs`] runs it
//! in a tokio task, and the task reports with [`Msg`]s on a channel.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use rayon::prelude::*;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::decode::Decoder;
use super::store::Chunk;
use super::summary::{Summary, TypeNames};
use crate::backend::file::export::{Destination, Exporter};
use crate::backend::{self, Backend, HoldCaution, HoldStatus, OpenOptions, Record, SourceInfo};
use crate::filter::Filter;
use crate::model::Event;
use crate::ops::journal::{self, Intent, Plan};
use crate::ops::{self, JobControl, Progress, Report, Selection};
use crate::scan::Scanner;

/// How many rows one summary or filter message carries.
const SLICE: usize = 2048;

/// Work `update` asks for.
pub enum Effect {
    /// Load the contracts at a path (`:contracts PATH`).
    LoadContracts(String),
    /// Check events against these contracts from now on.
    UseContracts(Arc<crate::analyze::contracts::Contracts>),
    /// Open a source, describe it and browse it.
    Open {
        /// The load generation (a reload starts a new one).
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// What the user named.
        uri: String,
    },
    /// Browse an opened source whose browse the user confirmed.
    Browse {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// Its backend.
        backend: Arc<dyn Backend>,
    },
    /// Link the flows of the loaded rows (in a blocking task).
    ComputeFlows(super::flows::FlowsJob),
    /// Compute the row summaries of new rows.
    Summarize {
        /// The load generation.
        epoch: u64,
        /// The rows.
        chunk: Chunk,
    },
    /// Evaluate a filter expression over rows.
    FilterRows {
        /// The filter generation; older ones are abandoned.
        generation: u64,
        /// The filter.
        filter: Filter,
        /// The rows, in order.
        chunks: Vec<Chunk>,
    },
    /// Stop the filter scans older than this generation.
    CancelFilter(u64),
    /// Send [`Msg::Wake`] with this token after a while (the live filter
    /// waits for typing to pause).
    Wake {
        /// Given back.
        token: u64,
        /// How long to wait.
        after: std::time::Duration,
    },
    /// Read the custom columns' values of rows.
    ColumnValues(super::column_values::ColumnJob),
    /// Sort the shown rows.
    Sort(super::sort::SortJob),
    /// Follow new events of a source.
    Follow {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// Its backend.
        backend: Arc<dyn Backend>,
        /// The user already accepted what following costs its consumers;
        /// otherwise the cost is asked first ([`Msg::FollowCaution`]).
        confirmed: bool,
    },
    /// Compare two sources for the compare view.
    Compare(super::compare_view::CompareJob),
    /// Count the shown events for the stats view.
    Stats(super::stats_view::StatsJob),
    /// Stop following every source.
    StopFollowing,
    /// Stop every load and follow (before a reload).
    StopLoading,
    /// Send copies of events to a target.
    Replay {
        /// The job id.
        job: u64,
        /// Cancel and progress.
        control: JobControl,
        /// Where to.
        target: String,
        /// The rows to send (decoded in the task)...
        records: Vec<Record>,
        /// ...or these events (an edited one).
        events: Vec<Event>,
        /// The URIs of the sources they come from, for the journal.
        sources: Vec<String>,
        /// How fast to send.
        pace: ops::Pace,
    },
    /// Find where a dead-letter queue redrives to, before asking.
    PlanRedrive {
        /// The source slot.
        slot: usize,
        /// The dead-letter queue.
        backend: Arc<dyn Backend>,
        /// The target the user named, if any.
        target: Option<String>,
        /// Only these ids, or all.
        ids: Option<BTreeSet<String>>,
        /// How many events will move.
        count: usize,
    },
    /// Move events out of a dead-letter queue.
    Redrive {
        /// The job id.
        job: u64,
        /// Cancel and progress.
        control: JobControl,
        /// The dead-letter queue.
        source: Arc<dyn Backend>,
        /// Where to.
        target: String,
        /// Only these ids, or all.
        ids: Option<BTreeSet<String>>,
    },
    /// Delete events from a source for good.
    Delete {
        /// The job id.
        job: u64,
        /// Cancel and progress.
        control: JobControl,
        /// The source.
        source: Arc<dyn Backend>,
        /// The ids of the events.
        ids: BTreeSet<String>,
    },
    /// Delete every event of a source.
    Purge {
        /// The job id.
        job: u64,
        /// Cancel (before it starts: a purge is one call).
        control: JobControl,
        /// The source.
        source: Arc<dyn Backend>,
    },
    /// Reach sources as a context says from now on (`:context`).
    UseContext(Box<super::context::Reach>),
    /// Write rows to a capture file.
    Export {
        /// The job id.
        job: u64,
        /// Cancel and progress.
        control: JobControl,
        /// Where to (checked: not a source, replacing only when confirmed).
        destination: Destination,
        /// The rows.
        records: Vec<Record>,
    },
    /// Edit an event in $EDITOR (run by the event loop: it owns the terminal).
    Edit {
        /// The event.
        event: Event,
    },
    /// Put text on the clipboard with OSC 52 (run by the event loop).
    Copy {
        /// The text.
        text: String,
    },
}

/// What a finished operation reports.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    /// The exact outcome.
    pub report: Report,
    /// The target, as the backend names it.
    pub target: String,
}

/// What background work sends back.
pub enum Msg {
    /// The compare view's comparison.
    Compare {
        /// The request it answers.
        generation: u64,
        /// The report, or why the sources could not be read.
        report: Box<Result<crate::analyze::diff::DiffReport, String>>,
    },
    /// The stats view's table.
    Stats {
        /// The request it answers.
        generation: u64,
        /// The table.
        pivot: Box<crate::analyze::stats::Pivot>,
        /// Its cells as shown, laid out off the UI thread.
        cells: Box<super::stats_view::Cells>,
    },
    /// A source opened.
    Opened {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// Its backend.
        backend: Arc<dyn Backend>,
        /// What it knows about itself.
        info: SourceInfo,
    },
    /// What a redrive already consumed from an opened source, as the
    /// server records it (a Pulsar redrive subscription's position).
    RedriveAcknowledged {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// The acknowledged events.
        acknowledged: Arc<dyn backend::Acknowledged>,
    },
    /// Browsing an opened source has side effects (an SQS receive counts
    /// toward maxReceiveCount): the user decides whether to go on.
    BrowseCaution {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// What browsing may do.
        caution: String,
    },
    /// A scope was listed instead of opened: its sources, to open as slots
    /// of their own.
    Expanded {
        /// The load generation.
        epoch: u64,
        /// The scope's slot.
        slot: usize,
        /// The URIs of its sources.
        uris: Vec<String>,
    },
    /// A source could not be opened or read.
    LoadFailed {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// Why.
        error: String,
    },
    /// New rows.
    Records {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// The records.
        records: Vec<Record>,
    },
    /// New rows from following a source; those already shown are dropped.
    Followed {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// The records.
        records: Vec<Record>,
    },
    /// A file changed under a browse or a follow (truncated, replaced):
    /// what is shown is gone, the source is to be read again.
    StartedOver {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
    },
    /// A source was read to its end.
    Loaded {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
    },
    /// A flows pass finished.
    Flows(Arc<super::flows::FlowsResult>),
    /// Summaries of rows `start..`.
    Summaries {
        /// The load generation.
        epoch: u64,
        /// The first row.
        start: usize,
        /// One per row.
        summaries: Vec<Summary>,
    },
    /// Filter results of rows `start..`.
    FilterHits {
        /// The filter generation.
        generation: u64,
        /// The first row.
        start: usize,
        /// One per row.
        hits: Vec<bool>,
    },
    /// An operation advanced.
    Progress {
        /// The job id.
        job: u64,
        /// Where it stands.
        progress: Progress,
    },
    /// Contracts were loaded (or why not).
    ContractsLoaded {
        /// The path given.
        path: String,
        /// The contracts, or the one-line error.
        result: Result<Arc<crate::analyze::contracts::Contracts>, String>,
    },
    /// A wake-up asked for with [`Effect::Wake`].
    Wake {
        /// Its token.
        token: u64,
    },
    /// Custom column values of rows `start..`, per column.
    ColumnValues {
        /// The columns' generation.
        generation: u64,
        /// The first row.
        start: usize,
        /// Per custom column, its value in each row.
        values: Vec<Vec<Option<super::columns::Cell>>>,
    },
    /// The shown rows in sorted order.
    Sorted {
        /// The sort request it answers.
        generation: u64,
        /// The rows, sorted.
        order: Vec<u32>,
    },
    /// An operation ended.
    JobDone {
        /// The job id.
        job: u64,
        /// Its report, or why it could not run.
        outcome: Result<JobOutcome, String>,
    },
    /// The redrive target is known: time to ask.
    RedrivePlanned {
        /// The source slot.
        slot: usize,
        /// The target, or why there is none.
        target: Result<String, String>,
        /// Only these ids, or all.
        ids: Option<BTreeSet<String>>,
        /// How many events will move.
        count: usize,
    },
    /// The editor closed.
    Edited(Result<Event, String>),
    /// A signal asked evscope to stop.
    Shutdown,
    /// Something the event loop did failed (copying, for one).
    Failed(String),
    /// Something worth a line in the status bar (opening a file removed
    /// temporary files an interrupted rewrite left).
    Notice(String),
    /// Following a source costs its consumers (SQS holds their messages):
    /// the user decides whether to go on.
    FollowCaution {
        /// The load generation.
        epoch: u64,
        /// The source slot.
        slot: usize,
        /// What it costs.
        caution: HoldCaution,
    },
    /// What a followed source's session holds from its consumers now, or
    /// released at its end.
    Holding {
        /// The source slot.
        slot: usize,
        /// The backend's account.
        status: HoldStatus,
        /// The session ended: `status.ended` says what it released.
        ended: bool,
    },
    /// Following a source failed.
    FollowFailed {
        /// The source slot.
        slot: usize,
        /// Why.
        error: String,
    },
}

struct SummaryJob {
    epoch: u64,
    chunk: Chunk,
}

struct FilterJob {
    generation: u64,
    filter: Filter,
    chunks: Vec<Chunk>,
}

/// Runs effects in tokio tasks.
pub struct Jobs {
    tx: mpsc::UnboundedSender<Msg>,
    open: OpenOptions,
    summary_tx: mpsc::UnboundedSender<SummaryJob>,
    filter_tx: mpsc::UnboundedSender<FilterJob>,
    columns_tx: mpsc::UnboundedSender<super::column_values::ColumnJob>,
    columns_generation: Arc<AtomicU64>,
    epoch: Arc<AtomicU64>,
    generation: Arc<AtomicU64>,
    /// The stats view's decoder and latest request.
    stats: (Arc<dyn Decoder>, Arc<AtomicU64>),
    loaders: Vec<JoinHandle<()>>,
    tails: Vec<JoinHandle<()>>,
    /// Closing it (dropping the sender) stops every follow gracefully: each
    /// releases what it holds and reports what it released.
    stop_tails: Option<tokio::sync::watch::Sender<()>>,
}

impl Jobs {
    /// Start the summary and filter workers; messages go to `tx`.
    pub fn new(
        open: OpenOptions,
        decoder: Arc<dyn Decoder>,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Jobs {
        let epoch = Arc::new(AtomicU64::new(0));
        let generation = Arc::new(AtomicU64::new(0));
        let (summary_tx, summary_rx) = mpsc::unbounded_channel();
        let (filter_tx, filter_rx) = mpsc::unbounded_channel();
        // Each worker's own handles on the decoder and the channel.
        let handles = |decoder: &Arc<dyn Decoder>, tx: &mpsc::UnboundedSender<Msg>| {
            (decoder.clone(), tx.clone())
        };
        let (d, t) = handles(&decoder, &tx);
        tokio::spawn(run_in_order(
            summary_rx,
            epoch.clone(),
            |job: &SummaryJob| job.epoch,
            move |job, latest| summarize(job, &*d, latest, &t),
        ));
        let (d, t) = handles(&decoder, &tx);
        tokio::spawn(run_in_order(
            filter_rx,
            generation.clone(),
            |job: &FilterJob| job.generation,
            move |job, latest| filter_rows(job, &*d, latest, &t),
        ));
        let (columns_tx, columns_rx) = mpsc::unbounded_channel();
        let columns_generation = Arc::new(AtomicU64::new(0));
        let (d, t) = handles(&decoder, &tx);
        tokio::spawn(run_in_order(
            columns_rx,
            columns_generation.clone(),
            |job: &super::column_values::ColumnJob| job.generation,
            move |job, latest| super::column_values::run(job, &*d, latest, &t),
        ));
        let stats = (decoder, Arc::new(AtomicU64::new(0)));
        Jobs {
            tx,
            open,
            summary_tx,
            filter_tx,
            columns_tx,
            columns_generation,
            epoch,
            generation,
            stats,
            loaders: Vec::new(),
            tails: Vec::new(),
            stop_tails: None,
        }
    }

    /// Run one effect (the event loop handles `Edit` and `Copy` itself).
    pub fn run(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::LoadContracts(path) => {
                tokio::spawn(async move {
                    let paths = [std::path::PathBuf::from(&path)];
                    let result = tokio::task::spawn_blocking(move || {
                        crate::contract_files::load_contracts(&paths)
                            .map(Arc::new)
                            .map_err(|e| e.to_string())
                    })
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r);
                    let _ = tx.send(Msg::ContractsLoaded { path, result });
                });
            }
            Effect::UseContracts(contracts) => {
                // Capture lines written from here on (export) carry them too.
                self.open.inspector = self.open.inspector.clone().with_contracts(contracts);
            }
            Effect::UseContext(reach) => {
                self.open.sqs = reach.sqs;
                self.open.pulsar = reach.pulsar;
                self.open.read_only = reach.read_only;
            }
            Effect::Open { epoch, slot, uri } => {
                self.epoch.fetch_max(epoch, Ordering::SeqCst);
                let open = self.open.clone();
                self.loaders
                    .push(tokio::spawn(load(epoch, slot, uri, open, tx)));
            }
            Effect::Browse {
                epoch,
                slot,
                backend,
            } => {
                self.loaders
                    .push(tokio::spawn(browse(epoch, slot, backend, tx)));
            }
            Effect::Summarize { epoch, chunk } => {
                let _ = self.summary_tx.send(SummaryJob { epoch, chunk });
            }
            Effect::ComputeFlows(job) => {
                tokio::spawn(async move {
                    let done = tokio::task::spawn_blocking(move || super::flows::compute(job));
                    if let Ok(result) = done.await {
                        let _ = tx.send(Msg::Flows(Arc::new(result)));
                    }
                });
            }
            Effect::FilterRows {
                generation,
                filter,
                chunks,
            } => {
                self.generation.fetch_max(generation, Ordering::SeqCst);
                let _ = self.filter_tx.send(FilterJob {
                    generation,
                    filter,
                    chunks,
                });
            }
            Effect::CancelFilter(generation) => {
                self.generation.fetch_max(generation, Ordering::SeqCst);
            }
            Effect::Wake { token, after } => {
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Msg::Wake { token });
                });
            }
            Effect::ColumnValues(job) => {
                self.columns_generation
                    .fetch_max(job.generation, Ordering::SeqCst);
                let _ = self.columns_tx.send(job);
            }
            Effect::Sort(job) => {
                tokio::task::spawn_blocking(move || {
                    let order = super::sort::order(&job);
                    let _ = tx.send(Msg::Sorted {
                        generation: job.generation,
                        order,
                    });
                });
            }
            Effect::Follow {
                epoch,
                slot,
                backend,
                confirmed,
            } => {
                let stop = self
                    .stop_tails
                    .get_or_insert_with(|| tokio::sync::watch::channel(()).0)
                    .subscribe();
                self.tails.push(tokio::spawn(follow(
                    epoch, slot, backend, confirmed, stop, tx,
                )));
            }
            Effect::Compare(job) => {
                let open = self.open.clone();
                let decoder = self.stats.0.clone();
                tokio::spawn(super::compare_view::compare(job, open, decoder, tx));
            }
            Effect::Stats(job) => {
                let (decoder, current) = self.stats.clone();
                current.fetch_max(job.generation, Ordering::SeqCst);
                tokio::task::spawn_blocking(move || {
                    super::stats_view::compute(job, decoder, current, tx)
                });
            }
            Effect::StopFollowing => {
                // Each follow lets go of its messages and reports.
                self.stop_tails = None;
                self.tails.clear();
            }
            Effect::StopLoading => {
                for task in self.loaders.drain(..).chain(self.tails.drain(..)) {
                    task.abort();
                }
            }
            Effect::Replay {
                job,
                control,
                target,
                records,
                events,
                sources,
                pace,
            } => {
                let open = self.open.clone();
                tokio::spawn(async move {
                    let from = sources.join(", ");
                    let send = Sending { target, pace };
                    let outcome =
                        run_replay(job, &control, send, records, events, &from, open, &tx)
                            .await
                            .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::JobDone { job, outcome });
                });
            }
            Effect::PlanRedrive {
                slot,
                backend,
                target,
                ids,
                count,
            } => {
                tokio::spawn(async move {
                    let target = match target {
                        Some(t) => Ok(t),
                        None => match backend.redrive_target().await {
                            Ok(Some(t)) => Ok(t),
                            Ok(None) => Err(format!(
                                "{}: no redrive target known for this source; name one: `:redrive TARGET`",
                                backend.uri()
                            )),
                            Err(e) => Err(e.to_string()),
                        },
                    };
                    let _ = tx.send(Msg::RedrivePlanned {
                        slot,
                        target,
                        ids,
                        count,
                    });
                });
            }
            Effect::Redrive {
                job,
                control,
                source,
                target,
                ids,
            } => {
                let open = self.open.clone();
                tokio::spawn(async move {
                    let outcome = run_redrive(job, &control, source, target, ids, open, &tx)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::JobDone { job, outcome });
                });
            }
            Effect::Delete {
                job,
                control,
                source,
                ids,
            } => {
                let open = self.open.clone();
                tokio::spawn(async move {
                    let outcome = run_delete(job, &control, source, ids, open, &tx)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::JobDone { job, outcome });
                });
            }
            Effect::Purge {
                job,
                control,
                source,
            } => {
                let open = self.open.clone();
                tokio::spawn(async move {
                    let outcome = run_purge(&control, source, &open)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::JobDone { job, outcome });
                });
            }
            Effect::Export {
                job,
                control,
                destination,
                records,
            } => {
                let decoder_open = self.open.clone();
                tokio::spawn(async move {
                    let task_tx = tx.clone();
                    let outcome = tokio::task::spawn_blocking(move || {
                        export(
                            job,
                            &control,
                            &destination,
                            &records,
                            &decoder_open,
                            &task_tx,
                        )
                    })
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r);
                    let _ = tx.send(Msg::JobDone { job, outcome });
                });
            }
            Effect::Edit { .. } | Effect::Copy { .. } => {}
        }
    }
}

impl Drop for Jobs {
    /// Stop every load and follow: their sinks close, so SQS sessions
    /// release what they hold (`backend::settle` waits for that).
    fn drop(&mut self) {
        for task in self.loaders.drain(..).chain(self.tails.drain(..)) {
            task.abort();
        }
        // Background scans run on blocking threads, which the runtime waits
        // for at exit: make them stale so they stop at the next event.
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }
}

async fn load(
    epoch: u64,
    slot: usize,
    uri: String,
    open: OpenOptions,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let fail = |error: String| Msg::LoadFailed { epoch, slot, error };
    if backend::is_scope(&uri) {
        // Boxed: a Pulsar listing's future is large (debug builds overflow
        // a worker's stack when it sits inside this one).
        let _ = tx.send(match Box::pin(backend::list_sources(&uri, &open)).await {
            Ok(listings) => Msg::Expanded {
                epoch,
                slot,
                uris: listings.into_iter().map(|l| l.source.uri).collect(),
            },
            Err(e) => fail(e.to_string()),
        });
        return;
    }
    let backend = match backend::open(&uri, &open).await {
        Ok(backend) => backend,
        Err(e) => {
            let _ = tx.send(fail(e.to_string()));
            return;
        }
    };
    for notice in backend.notices() {
        let _ = tx.send(Msg::Notice(notice));
    }
    // Named, not counted: the browse that follows counts a file as it
    // reads it, instead of a read of its own before the first rows.
    let info = match backend.identify().await {
        Ok(info) => info,
        Err(e) => {
            let _ = tx.send(fail(e.to_string()));
            return;
        }
    };
    let caution = backend.browse_caution();
    if tx
        .send(Msg::Opened {
            epoch,
            slot,
            backend: backend.clone(),
            info,
        })
        .is_err()
    {
        return;
    }
    // The admin API answers on its own time: the browse does not wait.
    {
        let backend = backend.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Some(acknowledged) = backend.redrive_acknowledged().await {
                let _ = tx.send(Msg::RedriveAcknowledged {
                    epoch,
                    slot,
                    acknowledged,
                });
            }
        });
    }
    match caution {
        // The browse waits for the user's answer (Effect::Browse).
        Some(caution) => {
            let _ = tx.send(Msg::BrowseCaution {
                epoch,
                slot,
                caution,
            });
        }
        None => browse(epoch, slot, backend, tx).await,
    }
}

/// Read an opened source to its end, streaming its records to the UI.
async fn browse(
    epoch: u64,
    slot: usize,
    backend: Arc<dyn Backend>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let fail = |error: String| Msg::LoadFailed { epoch, slot, error };
    let (sink, mut batches) = mpsc::channel::<Vec<Record>>(8);
    let reader = {
        let backend = backend.clone();
        tokio::spawn(async move { backend.browse(None, sink).await })
    };
    while let Some(records) = batches.recv().await {
        if tx
            .send(Msg::Records {
                epoch,
                slot,
                records,
            })
            .is_err()
        {
            return;
        }
    }
    let msg = match reader.await {
        Ok(Ok(_)) => Msg::Loaded { epoch, slot },
        Ok(Err(backend::BackendError::Changed { .. })) => Msg::StartedOver { epoch, slot },
        Ok(Err(e)) => fail(e.to_string()),
        Err(e) => fail(format!("reading failed: {e}")),
    };
    let _ = tx.send(msg);
}

/// How often a follow reports what it holds.
const HOLDING_TICK: std::time::Duration = std::time::Duration::from_millis(500);

/// Follow a source: ask its cost first unless `confirmed`, then stream
/// new records and what the session holds, until `stop` closes; then let
/// go of everything and report what was released.
async fn follow(
    epoch: u64,
    slot: usize,
    backend: Arc<dyn Backend>,
    confirmed: bool,
    mut stop: tokio::sync::watch::Receiver<()>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    if !confirmed {
        match backend.hold_caution().await {
            Ok(Some(caution)) => {
                let _ = tx.send(Msg::FollowCaution {
                    epoch,
                    slot,
                    caution,
                });
                return;
            }
            Ok(None) => {}
            Err(e) => {
                let _ = tx.send(Msg::FollowFailed {
                    slot,
                    error: e.to_string(),
                });
                return;
            }
        }
    }
    let (sink, mut batches) = mpsc::channel::<Vec<Record>>(8);
    let tail = {
        let backend = backend.clone();
        tokio::spawn(async move { backend.tail(sink).await })
    };
    let mut tick = tokio::time::interval(HOLDING_TICK);
    let mut last: Option<HoldStatus> = None;
    loop {
        tokio::select! {
            batch = batches.recv() => {
                let Some(records) = batch else { break };
                // An empty batch: the file started over (see `Backend::tail`).
                let msg = if records.is_empty() {
                    Msg::StartedOver { epoch, slot }
                } else {
                    Msg::Followed { epoch, slot, records }
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
            _ = tick.tick() => {
                let status = backend.hold_status();
                if status.is_some() && status != last {
                    last = status.clone();
                    if let Some(status) = status {
                        let _ = tx.send(Msg::Holding { slot, status, ended: false });
                    }
                }
            }
            _ = stop.changed() => break,
        }
    }
    // The sink closes: the session releases everything it holds at once.
    drop(batches);
    let result = tail.await;
    if let Some(status) = backend.hold_status() {
        let _ = tx.send(Msg::Holding {
            slot,
            status,
            ended: true,
        });
    }
    if let Ok(Err(e)) = result {
        let _ = tx.send(Msg::FollowFailed {
            slot,
            error: e.to_string(),
        });
    }
}

/// Run jobs one after another, each in a blocking task, skipping a job
/// older than `latest` (its answers would be dropped), so the answers of
/// one kind of work reach the UI in order. `work` gets `latest` to stop
/// between two slices when a newer job is asked for.
pub(super) async fn run_in_order<J: Send + 'static>(
    mut jobs: mpsc::UnboundedReceiver<J>,
    latest: Arc<AtomicU64>,
    age: fn(&J) -> u64,
    work: impl Fn(J, &AtomicU64) + Clone + Send + 'static,
) {
    while let Some(job) = jobs.recv().await {
        if age(&job) < latest.load(Ordering::SeqCst) {
            continue;
        }
        let latest = latest.clone();
        let work = work.clone();
        if tokio::task::spawn_blocking(move || work(job, &latest))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// The row summaries of a chunk, a slice at a time.
fn summarize(
    job: SummaryJob,
    decoder: &dyn Decoder,
    epoch: &AtomicU64,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let now = Utc::now();
    for (n, slice) in job.chunk.records.chunks(SLICE).enumerate() {
        if job.epoch < epoch.load(Ordering::SeqCst) {
            return;
        }
        let summaries: Vec<Summary> = slice
            .par_iter()
            .map_init(TypeNames::default, |names, record| {
                match decoder.document(record, now) {
                    Ok(document) => Summary::of_with(&document, names),
                    Err(error) => Summary::unreadable(&error.to_string()),
                }
            })
            .collect();
        let msg = Msg::Summaries {
            epoch: job.epoch,
            start: job.chunk.start + n * SLICE,
            summaries,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}

/// Work out something per record of `chunks`, a slice at a time on every
/// core, and send what `message` makes of each slice (given its first
/// row). Stops between two records once `stale` says a newer job was asked
/// for, or when the UI is gone.
pub(super) fn per_slice<T: Send>(
    chunks: &[Chunk],
    stale: &(dyn Fn() -> bool + Sync),
    each: impl Fn(&Record) -> T + Sync,
    message: impl Fn(usize, Vec<T>) -> Msg,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    for chunk in chunks {
        for (n, slice) in chunk.records.chunks(SLICE).enumerate() {
            let Some(results) = crate::scan::par_until(slice.par_iter(), stale, &each) else {
                return;
            };
            if tx.send(message(chunk.start + n * SLICE, results)).is_err() {
                return;
            }
        }
    }
}

/// Which rows of some chunks a filter keeps.
fn filter_rows(
    job: FilterJob,
    decoder: &dyn Decoder,
    current: &AtomicU64,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let now = Utc::now();
    // A newer filter (or quitting) stops the scan between two events.
    let stale = || job.generation < current.load(Ordering::SeqCst);
    let keeps = |record: &Record| {
        if matches!(record, Record::Line { .. }) && !job.filter.might_match(record.bytes()) {
            return false;
        }
        decoder
            .document(record, now)
            .is_ok_and(|mut d| d.matches(&job.filter))
    };
    let message = |start, hits| Msg::FilterHits {
        generation: job.generation,
        start,
        hits,
    };
    per_slice(&job.chunks, &stale, keeps, message, tx);
}

/// Forward a job's progress to the UI until aborted.
fn forward_progress(
    job: u64,
    control: &JobControl,
    tx: &mpsc::UnboundedSender<Msg>,
) -> JoinHandle<()> {
    let mut updates = control.subscribe();
    let tx = tx.clone();
    tokio::spawn(async move {
        while updates.changed().await.is_ok() {
            let progress = *updates.borrow();
            if tx.send(Msg::Progress { job, progress }).is_err() {
                break;
            }
        }
    })
}

/// Write the intent of an operation started in the TUI to the journal (with
/// the AWS caller identity when it touches AWS). A journal that cannot be
/// written stops the operation here, before it starts.
async fn journal_begin(intent: Intent, open: &OpenOptions) -> anyhow::Result<journal::Entry> {
    let mut words = vec![format!(":{}", intent.operation)];
    words.extend(intent.target.clone());
    let intent = intent.command(&words).with_aws(&open.sqs).await;
    Ok(journal::current().begin(intent)?)
}

/// Write the outcome of an operation to the journal, and pass its result
/// on. The operation already happened: a failure to write is logged.
fn journaled<E: std::fmt::Display>(
    entry: journal::Entry,
    result: Result<Report, E>,
) -> Result<Report, E> {
    let written = match &result {
        Ok(report) => entry.finish(Ok(report)),
        Err(error) => entry.finish(Err(&error.to_string())),
    };
    if let Err(error) = written {
        tracing::warn!(%error, "journal");
    }
    result
}

/// Where a replay sends, and how fast.
struct Sending {
    target: String,
    pace: ops::Pace,
}

#[allow(clippy::too_many_arguments)]
async fn run_replay(
    job: u64,
    control: &JobControl,
    Sending { target, pace }: Sending,
    records: Vec<Record>,
    mut events: Vec<Event>,
    from: &str,
    open: OpenOptions,
    tx: &mpsc::UnboundedSender<Msg>,
) -> anyhow::Result<JobOutcome> {
    let edited = !events.is_empty();
    // An edited copy is sent with the deduplication id its document names
    // (none: a fresh one).
    let mut open = open;
    open.sqs.keep_dedup_id |= edited;
    let target = backend::open_target(&target, &open).await?;
    // The same test as `backend::same_source`: the file's identity.
    if let Some(id) = target.file_identity() {
        let from_target =
            |r: &Record| matches!(r, Record::Line { file, .. } if file.identity() == Some(id));
        if records.iter().any(from_target) {
            anyhow::bail!(
                "{}: source and target are the same; replay to another target",
                target.uri()
            );
        }
    }
    if !records.is_empty() {
        let decoded = tokio::task::spawn_blocking(move || {
            records
                .par_iter()
                .map(|r| r.decode().map(|(event, _)| event))
                .collect::<Result<Vec<Event>, _>>()
        })
        .await??;
        events.extend(decoded);
    }
    let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let intent = Intent::new(if edited { "edit-and-replay" } else { "replay" }, "tui")
        .source(from)
        .target(target.uri())
        .ids(Some(&ids))
        .plan(Plan {
            events: Some(events.len()),
            how: "client-side".into(),
            pace: pace.label(),
        });
    let entry = journal_begin(intent, &open).await?;
    let forwarder = forward_progress(job, control, tx);
    let report = journaled(
        entry,
        ops::replay_paced(&events, target.as_ref(), false, pace, control).await,
    );
    forwarder.abort();
    Ok(JobOutcome {
        report: report?,
        target: target.uri().to_string(),
    })
}

async fn run_redrive(
    job: u64,
    control: &JobControl,
    source: Arc<dyn Backend>,
    target: String,
    ids: Option<BTreeSet<String>>,
    open: OpenOptions,
    tx: &mpsc::UnboundedSender<Msg>,
) -> anyhow::Result<JobOutcome> {
    let target = backend::open_target(&target, &open).await?;
    let selection = Selection {
        scanner: Scanner::new(open.inspector.clone(), None, Utc::now()),
        ids,
    };
    // All of an SQS DLQ to SQS: SQS's own move task, when the endpoint
    // has it (cancelled at SQS by the job's cancel key).
    let native = selection.ids.is_none()
        && source.uri().starts_with("sqs://")
        && target.uri().starts_with("sqs://");
    let intent = Intent::new("redrive", "tui")
        .source(source.uri())
        .target(target.uri())
        .ids(selection.ids.as_ref())
        .plan(Plan {
            events: selection.ids.as_ref().map(|ids| ids.len()),
            how: if native {
                "sqs-move-task, else client-side".into()
            } else {
                "client-side".into()
            },
            ..Plan::default()
        });
    let entry = journal_begin(intent, &open).await?;
    let forwarder = forward_progress(job, control, tx);
    let mut moved_natively = None;
    if native {
        match ops::redrive_native(source.as_ref(), target.uri(), None, control).await {
            Ok(ops::NativeRedrive::Moved(report)) => moved_natively = Some(Ok(report)),
            Ok(ops::NativeRedrive::Unavailable(reason)) => {
                tracing::info!(%reason, "no move task here: evscope moves the events itself");
            }
            Err(error) => moved_natively = Some(Err(error)),
        }
    }
    let report = journaled(
        entry,
        match moved_natively {
            Some(report) => report,
            None => {
                ops::redrive(source.as_ref(), target.as_ref(), &selection, false, control).await
            }
        },
    );
    forwarder.abort();
    Ok(JobOutcome {
        report: report?,
        target: target.uri().to_string(),
    })
}

async fn run_delete(
    job: u64,
    control: &JobControl,
    source: Arc<dyn Backend>,
    ids: BTreeSet<String>,
    open: OpenOptions,
    tx: &mpsc::UnboundedSender<Msg>,
) -> anyhow::Result<JobOutcome> {
    let selection = Selection {
        scanner: Scanner::new(open.inspector.clone(), None, Utc::now()),
        ids: Some(ids),
    };
    let intent = Intent::new("delete", "tui")
        .source(source.uri())
        .ids(selection.ids.as_ref())
        .plan(Plan {
            events: selection.ids.as_ref().map(|ids| ids.len()),
            how: "client-side".into(),
            ..Plan::default()
        });
    let entry = journal_begin(intent, &open).await?;
    let forwarder = forward_progress(job, control, tx);
    let report = journaled(
        entry,
        ops::delete(source.as_ref(), &selection, false, control).await,
    );
    forwarder.abort();
    Ok(JobOutcome {
        report: report?,
        target: source.uri().to_string(),
    })
}

async fn run_purge(
    control: &JobControl,
    source: Arc<dyn Backend>,
    open: &OpenOptions,
) -> anyhow::Result<JobOutcome> {
    let mut report = Report::default();
    if control.is_cancelled() {
        report.cancelled = true;
    } else {
        let intent = Intent::new("purge", "tui").source(source.uri()).plan(Plan {
            how: "one call".into(),
            ..Plan::default()
        });
        let entry = journal_begin(intent, open).await?;
        let purged = ops::purge(source.as_ref())
            .await
            .map(|()| Report::default());
        report = journaled(entry, purged)?;
    }
    Ok(JobOutcome {
        report,
        target: source.uri().to_string(),
    })
}

/// Write records as capture lines, exact bodies, through the exporter the
/// CLI uses: nothing reaches a file's path unless the export completes.
fn export(
    job: u64,
    control: &JobControl,
    destination: &Destination,
    records: &[Record],
    open: &OpenOptions,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Result<JobOutcome, String> {
    let target = destination.name();
    // Replacing a file changes it: journaled (no AWS is touched here, the
    // rows are already read).
    let entry = match destination.replaces_a_file() {
        true => {
            let intent = Intent::new("export", "tui").target(&target).plan(Plan {
                events: Some(records.len()),
                how: "replace the file".into(),
                ..Plan::default()
            });
            let words = [":export".to_string(), target.clone()];
            let intent = intent.command(&words);
            Some(
                journal::current()
                    .begin(intent)
                    .map_err(|e| e.to_string())?,
            )
        }
        false => None,
    };
    let result = export_rows(job, control, destination, records, open, tx);
    match entry {
        Some(entry) => journaled(entry, result),
        None => result,
    }
    .map(|report| JobOutcome { report, target })
}

/// [`export`]'s writing.
fn export_rows(
    job: u64,
    control: &JobControl,
    destination: &Destination,
    records: &[Record],
    open: &OpenOptions,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Result<Report, String> {
    let mut exporter = Exporter::create(destination, open.read_only).map_err(|e| e.to_string())?;
    let scanner = Scanner::new(open.inspector.clone(), None, Utc::now());
    let mut report = Report::default();
    let mut progress = Progress {
        total: Some(records.len()),
        ..Progress::default()
    };
    for (n, record) in records.iter().enumerate() {
        if control.is_cancelled() {
            report.cancelled = true;
            break;
        }
        match record.decode() {
            Ok((event, body)) => {
                exporter
                    .write(&scanner.inspect(event, body, false))
                    .map_err(|e| e.to_string())?;
                report.moved += 1;
            }
            Err(e) => report.failed.push((format!("row {n}"), e.to_string())),
        }
        if n % 4096 == 4095 {
            progress.seen = n + 1;
            progress.done = report.moved;
            progress.failed = report.failed.len();
            let _ = tx.send(Msg::Progress { job, progress });
        }
    }
    // A cancelled export leaves the file as it was (a stream got what was
    // written before the cancel).
    if !report.cancelled {
        exporter.finish().map_err(|e| e.to_string())?;
    }
    Ok(report)
}
