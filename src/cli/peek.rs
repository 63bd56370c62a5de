//! `peek` and `export`: stream a source's events as capture lines.

use std::sync::Arc;

use anyhow::Result;
use tokio::sync::mpsc;

use super::args::{ExportArgs, PeekArgs};
use super::output::{Out, warn};
use super::{Context, EXIT_ERROR};
use crate::backend::file::export::{Destination, Exporter};
use crate::backend::{Backend, Record};
use crate::capture::{Document, DocumentOptions};
use crate::scan::{FromView, Scanner};

/// What a pass over a source saw.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Pass {
    /// Records read (kept or not).
    pub seen: usize,
    /// Unreadable lines, each reported on stderr.
    pub bad_lines: usize,
}

/// Read every event of `backend` that `scanner` keeps, in order, and hand it
/// to `each` until it returns `false` or `limit` were handed over. Unreadable
/// lines are reported on stderr and counted.
pub(super) async fn for_each_document(
    backend: Arc<dyn Backend>,
    scanner: &Scanner,
    limit: Option<usize>,
    each: impl FnMut(Document) -> Result<bool>,
) -> Result<Pass> {
    for_each_mapped(
        backend,
        scanner,
        Reading::once(limit),
        Mapping::of(|document| document),
        each,
    )
    .await
}

/// How far a pass reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reading {
    /// Hand over at most this many events.
    pub limit: Option<usize>,
    /// After the events there are, go on with those that arrive, until
    /// Ctrl-C or `limit`.
    pub follow: bool,
    /// Follow a source that looks consumed without refusing.
    pub yes: bool,
}

impl Reading {
    /// One pass over the events there are, at most `limit` of them.
    pub fn once(limit: Option<usize>) -> Reading {
        Reading {
            limit,
            follow: false,
            yes: false,
        }
    }
}

/// How often a follow looks at what it holds and at stdout.
const WATCH_TICK: std::time::Duration = std::time::Duration::from_millis(250);
/// How often a follow that holds messages says so on stderr.
const HOLDING_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Say what reading costs the source's consumers, on stderr; refuse to
/// follow one that looks consumed without `--yes`.
async fn say_the_cost(backend: &dyn Backend, read: Reading) -> Result<()> {
    let one_page = read.limit.is_some_and(|l| l <= 10);
    if !read.follow && one_page {
        return Ok(());
    }
    let Some(caution) = backend.hold_caution().await? else {
        return Ok(());
    };
    if !read.follow {
        // A browse holds what it saw only until it ends, but each receive
        // still counts, and a long browse hides messages for a while.
        if let Some(info) = backend.describe().await.ok().filter(|i| i.count > Some(10)) {
            warn(&format!(
                "browsing {} receives its {} messages: each is hidden from the queue's consumers until the browse ends, and its receive count rises by one",
                info.uri,
                info.count.unwrap_or_default()
            ));
        }
        return Ok(());
    }
    warn(&caution.text);
    if caution.consumed && !read.yes {
        anyhow::bail!(
            "{} looks consumed: following would hold its messages from its consumers; pass --yes to follow it anyway",
            backend.uri()
        );
    }
    Ok(())
}

/// What a follow says on stderr about what it holds: when it starts
/// holding, then every minute.
#[derive(Debug, Default)]
struct HoldingNotes {
    said: Option<std::time::Instant>,
}

impl HoldingNotes {
    fn tick(&mut self, backend: &dyn Backend) {
        let Some(status) = backend.hold_status() else {
            return;
        };
        let Some(line) = status.holding_line() else {
            return;
        };
        if self.said.is_some_and(|t| t.elapsed() < HOLDING_EVERY) {
            return;
        }
        self.said = Some(std::time::Instant::now());
        match status.let_go_line() {
            Some(more) => warn(&format!("{}: {line}; {more}", backend.uri())),
            None => warn(&format!("{}: {line}", backend.uri())),
        }
    }
}

/// At the end of a follow: what was released, and what the bound did.
fn say_released(backend: &dyn Backend) {
    let Some(status) = backend.hold_status() else {
        return;
    };
    if let Some(ended) = &status.ended {
        warn(&ended.line(backend.uri()));
    }
    if let Some(more) = status.let_go_line() {
        warn(&format!("{}: {more}", backend.uri()));
    }
}

/// How a scan turns what it keeps into a `T`: each document by `document`
/// (on every core) and, with `view`, a capture line it reads without a
/// document (see [`crate::scan::Scanner::view`]).
pub(super) struct Mapping<'v, T, F> {
    pub document: F,
    pub view: Option<&'v FromView<'v, T>>,
}

impl<T, F: Fn(Document) -> T + Sync> Mapping<'_, T, F> {
    /// Every kept document turned into a `T` by `document`.
    pub fn of(document: F) -> Self {
        Mapping {
            document,
            view: None,
        }
    }
}

/// What the scan of a batch gives for each of its records.
type Scanned<T> = Vec<Result<Option<T>, crate::capture::LineError>>;

/// [`for_each_document`], with each kept document first turned into a `T`
/// by `map`, which runs on every core.
pub(super) async fn for_each_mapped<T: Send>(
    backend: Arc<dyn Backend>,
    scanner: &Scanner,
    read: Reading,
    map: Mapping<'_, T, impl Fn(Document) -> T + Sync>,
    mut each: impl FnMut(T) -> Result<bool>,
) -> Result<Pass> {
    if let Some(caution) = backend.browse_caution() {
        warn(&caution);
    }
    if let Some(note) = backend.browse_note() {
        warn(&note);
    }
    tracing::info!(source = backend.uri(), filtered = scanner.has_filter(), limit = ?read.limit, follow = read.follow, "plan: read events");
    say_the_cost(backend.as_ref(), read).await?;
    let (tx, mut rx) = mpsc::channel::<Vec<Record>>(4);
    // Without a filter every event read is kept: read no more than needed
    // (an SQS receive counts, so over-reading is not free).
    let limit = read.limit;
    let read_limit = if scanner.has_filter() { None } else { limit };
    let reader = {
        let backend = backend.clone();
        tokio::spawn(async move {
            if read.follow {
                backend.follow(read_limit, tx).await
            } else {
                backend.browse(read_limit, tx).await.map(drop)
            }
        })
    };
    let mut handed = 0usize;
    let mut pass = Pass::default();
    // Ctrl-C, SIGTERM, a lost terminal (SIGHUP) or, while following, a
    // closed stdout stop reading; the backend then settles what it holds
    // (SQS makes the messages it hid visible again) before this returns.
    // They also stop a batch being scanned, between two events.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (stopper, mut signalled) = watch_stops(stop.clone());
    let mut watch = tokio::time::interval(WATCH_TICK);
    let mut notes = HoldingNotes::default();
    let mut at_max = 0usize;
    // Hand a scanned batch's kept events to `each` (with whether each
    // record was at maxReceiveCount); false: no more.
    let mut hand = |at_max_flags: Vec<bool>, results: Scanned<T>| -> Result<bool> {
        for (result, record_at_max) in results.into_iter().zip(at_max_flags) {
            pass.seen += 1;
            at_max += usize::from(record_at_max);
            match result {
                Ok(Some(item)) => {
                    if limit.is_some_and(|l| handed >= l) || !each(item)? {
                        return Ok(false);
                    }
                    handed += 1;
                    if limit.is_some_and(|l| handed >= l) {
                        return Ok(false);
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    pass.bad_lines += 1;
                    warn(&format!("{}: {error}", backend.uri()));
                }
            }
        }
        Ok(true)
    };
    // The batch scanned last, not yet handed: while the cores scan the
    // next batch, this thread hands it to `each` (which writes, counts or
    // matches keys), so that work no longer leaves the cores idle.
    let mut scanned: Option<(Vec<bool>, Scanned<T>)> = None;
    loop {
        let waiting = match rx.try_recv() {
            Ok(batch) => Some(batch),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => break,
        };
        let mut batch = match waiting {
            Some(batch) => batch,
            None => {
                // Nothing read yet: hand what was scanned before waiting,
                // so a follow shows each event as it comes.
                if let Some((flags, results)) = scanned.take()
                    && !hand(flags, results)?
                {
                    break;
                }
                tokio::select! {
                    batch = rx.recv() => match batch {
                        Some(batch) => batch,
                        None => break,
                    },
                    signal = &mut signalled => {
                        let signal = signal.unwrap_or("interrupted");
                        warn(&format!("{signal}: releasing what was read, then stopping"));
                        break;
                    }
                    _ = watch.tick(), if read.follow => {
                        if super::output::stdout_closed() {
                            break;
                        }
                        notes.tick(backend.as_ref());
                        continue;
                    }
                }
            }
        };
        if batch.is_empty() {
            // A followed file started over (see `Backend::tail`).
            warn(&format!(
                "{}: the file was truncated or replaced; following it from its new start",
                backend.uri()
            ));
            continue;
        }
        // Read before the scan, which moves events out of their records.
        let at_max_flags = batch
            .iter()
            .map(|r| matches!(r, Record::Event(e) if crate::backend::sqs::at_max_receive_count(e)))
            .collect();
        let (results, go_on) = tokio::task::block_in_place(|| {
            let mut results = None;
            let go_on = rayon::in_place_scope(|scope| {
                scope.spawn(|_| {
                    results = scanner.scan_batch_viewed(&mut batch, &stop, &map.document, map.view);
                });
                let go_on = match scanned.take() {
                    Some((flags, results)) => hand(flags, results),
                    None => Ok(true),
                };
                if !matches!(go_on, Ok(true)) {
                    // Enough: end the scan in flight at once.
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                go_on
            });
            (results, go_on)
        });
        if !go_on? {
            break;
        }
        let Some(results) = results else {
            let signal = signalled.try_recv().unwrap_or("interrupted");
            warn(&format!("{signal}: releasing what was read, then stopping"));
            break;
        };
        scanned = Some((at_max_flags, results));
        if read.follow {
            notes.tick(backend.as_ref());
        }
    }
    if let Some((flags, results)) = scanned.take() {
        hand(flags, results)?;
    }
    stopper.abort();
    drop(rx);
    tracing::info!(
        source = backend.uri(),
        read = pass.seen,
        kept = handed,
        unreadable = pass.bad_lines,
        "outcome: events read"
    );
    if at_max > 0 {
        warn(&format!(
            "{}: {at_max} of the {} messages seen are now at maxReceiveCount: the next receive by anyone (the next browse included) moves them to the dead-letter queue",
            backend.uri(),
            pass.seen
        ));
    }
    let result = reader.await;
    if read.follow {
        say_released(backend.as_ref());
    }
    match result {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => return Err(error.into()),
        Err(join) => anyhow::bail!("reading {} failed: {join}", backend.uri()),
    }
    Ok(pass)
}

/// Watch for the [`Stops`] (registered now): the first one is named on the
/// returned channel, then `stop` is set (so a scan that sees `stop` finds
/// the name already there).
fn watch_stops(
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::oneshot::Receiver<&'static str>,
) {
    let mut stops = Stops::register();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let _ = tx.send(stops.recv().await);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    (task, rx)
}

/// Ctrl-C, SIGTERM and SIGHUP, registered when this is built (not when
/// first awaited: a signal that arrives before the first wait is caught).
struct Stops {
    #[cfg(unix)]
    signals: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Stops {
    fn register() -> Stops {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) {
                (Ok(int), Ok(term), Ok(hup)) => Some([int, term, hup]),
                _ => None,
            };
            Stops { signals }
        }
        #[cfg(not(unix))]
        Stops {}
    }

    /// The first of them to arrive, named.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        if let Some([int, term, hup]) = &mut self.signals {
            return tokio::select! {
                _ = int.recv() => "interrupted",
                _ = term.recv() => "terminated",
                _ = hup.recv() => "the terminal went away",
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        "interrupted"
    }
}

/// `evscope peek`.
pub(super) async fn peek(args: PeekArgs, context: &Context) -> Result<i32> {
    let scanner = context.scanner(&args.filter)?;
    let mut context = context.clone();
    if let Some(from) = &args.from {
        context.open.pulsar.start = crate::backend::pulsar::StartPosition::parse(from, args.limit)
            .map_err(anyhow::Error::msg)?;
    }
    let backend = context.source(&args.source).await?;
    let options = DocumentOptions {
        reveal: args.reveal,
    };
    let mut out = Out::new();
    let mut open = true;
    // Events the journal says were redriven out of this source already (a
    // Pulsar topic keeps them), or that the redrive subscription has
    // acknowledged (Pulsar, with the admin API): named on stderr at the end.
    let redriven = crate::ops::journal::redriven(backend.uri());
    let acknowledged = backend.redrive_acknowledged().await;
    let shown_redriven = std::sync::Mutex::new(Vec::new());
    let to_line = |document: Document| {
        let id = &document.event.id;
        if redriven.contains(id) || acknowledged.as_ref().is_some_and(|a| a.contains(id)) {
            if let Ok(mut shown) = shown_redriven.lock() {
                shown.push(document.event.id.clone());
            }
        }
        document.to_line(options)
    };
    let read = Reading {
        limit: args.limit,
        follow: args.follow,
        yes: args.yes,
    };
    let pass = for_each_mapped(backend, &scanner, read, Mapping::of(to_line), |line| {
        open = out.line(&line)?;
        // Following, each event shows as it arrives.
        if open && args.follow {
            open = out.flush()?;
        }
        Ok(open)
    })
    .await?;
    if open {
        out.flush()?;
    }
    let shown = shown_redriven.into_inner().unwrap_or_default();
    if !shown.is_empty() {
        warn(&crate::sanitize::escape_masked(&format!(
            "{} of the events shown were already redriven out of this source ({}): {}",
            shown.len(),
            if acknowledged.is_some() {
                "the journal or the redrive subscription's position says so"
            } else {
                "the journal says so"
            },
            shown
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
                + if shown.len() > 10 { ", …" } else { "" }
        )));
    }
    Ok(if pass.bad_lines > 0 { EXIT_ERROR } else { 0 })
}

/// `evscope export`: exact bodies, through the shared [`Exporter`]: never
/// over the source, over an existing file only with `--force`.
pub(super) async fn export(args: ExportArgs, context: &Context) -> Result<i32> {
    let scanner = context.scanner(&args.filter)?;
    let backend = context.source(&args.source).await?;
    let sources: Vec<_> = backend.file_identity().into_iter().collect();
    let destination = Destination::find(&args.output, &sources)?;
    destination.check_overwrite(args.force, context.open.read_only)?;
    let mut exporter =
        Exporter::create_as(&destination, context.open.read_only, args.export_format())?;
    if let Some(notice) = exporter.notice() {
        warn(notice);
    }
    // Replacing a file changes it: journaled (a new file or a stream is not).
    let entry = match &destination {
        Destination::Existing(path) => {
            let intent = crate::ops::journal::Intent::new("export", "cli")
                .source(backend.uri())
                .target(&format!("file:{}", path.display()))
                .filter(args.filter.filter.as_deref())
                .plan(crate::ops::journal::Plan {
                    how: "replace the file".into(),
                    ..Default::default()
                });
            Some(super::move_ops::journal_begin(intent, context).await?)
        }
        _ => None,
    };
    let written = async {
        let pass = for_each_document(backend, &scanner, None, |document| {
            exporter.write(&document)?;
            Ok(true)
        })
        .await?;
        Ok::<_, anyhow::Error>((pass, exporter.finish()?))
    }
    .await;
    if let Some(entry) = entry {
        let report = written.as_ref().map(|(pass, exported)| crate::ops::Report {
            moved: exported.written,
            skipped: pass.seen - exported.written - pass.bad_lines,
            ..Default::default()
        });
        let error = written.as_ref().err().map(ToString::to_string);
        super::move_ops::journal_end(
            entry,
            report.as_ref().map_err(|_| error.as_deref().unwrap_or("")),
        );
    }
    let (pass, exported) = written?;
    eprintln!(
        "evscope: exported {} events to {}",
        exported.written,
        crate::sanitize::escape(&args.output.display().to_string())
    );
    if exported.with_secrets > 0 {
        warn(&format!(
            "{} exported events carry tokens or secrets, written as they are (exports stay exact for replay)",
            exported.with_secrets
        ));
    }
    Ok(if pass.bad_lines > 0 { EXIT_ERROR } else { 0 })
}
