//! `replay` and `redrive` on the command line: selection, confirmation,
//! progress on stderr, an exact report.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::{Result, bail};

use super::args::{DeleteArgs, PurgeArgs, RedriveArgs, ReplayArgs};
use super::interrupt::{Interrupts, answer};
use super::output::{Out, progress, progress_done, warn};
use super::peek::for_each_document;
use super::{Context, EXIT_ERROR, EXIT_FOUND};
use crate::backend::{Backend, Operation, ensure, same_source, target_label};
use crate::model::Event;
use crate::ops::journal::{self, Intent, Plan};
use crate::ops::{self, JobControl, NativeRedrive, Report, Selection};
// Reports name sources and quote backend errors: mask credentials in them.
use crate::sanitize::escape_masked as escape;

/// The events of `backend` that `selection` picks.
async fn selected_events(
    backend: Arc<dyn Backend>,
    selection: &Selection,
) -> Result<(Vec<Event>, usize, usize)> {
    let mut events = Vec::new();
    let pass = for_each_document(backend, &selection.scanner, None, |document| {
        if selection
            .ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&document.event.id))
        {
            events.push(document.event);
        }
        Ok(true)
    })
    .await?;
    let skipped = pass.seen - events.len() - pass.bad_lines;
    Ok((events, skipped, pass.bad_lines))
}

/// Show progress on stderr until the job ends; cancel it on Ctrl-C.
fn watch_job(control: &JobControl, verb: &'static str) -> tokio::task::JoinHandle<()> {
    let mut updates = control.subscribe();
    let control = control.clone();
    let mut interrupts = Interrupts::register();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = updates.changed() => {
                    if changed.is_err() { break; }
                    let p = *updates.borrow();
                    let total = p.total.map_or_else(String::new, |t| format!("/{t}"));
                    let eta = p.eta_words().map_or_else(String::new, |e| format!(", {e}"));
                    progress(&format!("{verb} {}{total}, failed {}{eta}", p.done, p.failed));
                }
                () = interrupts.recv() => {
                    warn("interrupted: finishing the batch in flight, then stopping");
                    control.cancel();
                }
            }
        }
    })
}

/// Events a command read before the operation ran (replay reads its
/// source first): those not selected, and unreadable lines (already named
/// on stderr as they were read).
#[derive(Debug, Default, Clone, Copy)]
struct ReadFirst {
    skipped: usize,
    unreadable: usize,
}

fn print_report(verb: &str, from: &str, to: &str, report: &Report, read: ReadFirst) -> i32 {
    print_outcome(
        &format!("{verb} {} → {}", escape(from), escape(&target_label(to))),
        "moved",
        report,
        read,
    )
}

/// The final report: `head: N <done_word>, F failed, S skipped[, U
/// unreadable]`, then one line per failed or duplicated event and per
/// unreadable line (`  unreadable line 3: …`, left in the source). The exit
/// code says whether all went: 2 when it stopped early or lines were
/// unreadable (as `peek` and `check`), 1 when events failed or were
/// cancelled, else 0.
fn print_outcome(head: &str, done_word: &str, report: &Report, read: ReadFirst) -> i32 {
    let mut out = Out::new();
    let unreadable = report.unreadable.len() + read.unreadable;
    let _ = out.line(&format!(
        "{head}: {} {done_word}, {} failed, {} skipped{}{}",
        report.moved,
        report.failed.len(),
        report.skipped + read.skipped,
        if unreadable > 0 {
            format!(", {unreadable} unreadable")
        } else {
            String::new()
        },
        if report.cancelled { " (cancelled)" } else { "" },
    ));
    for line in per_reason("failed", &report.failed).chain(per_reason(
        "sent but still in the source (now in both)",
        &report.duplicated,
    )) {
        let _ = out.line(&line);
    }
    for line in &report.unreadable {
        let _ = out.line(&format!(
            "  unreadable {} (left in the source)",
            escape(line)
        ));
    }
    if let Some(account) = &report.account {
        let before = account
            .before
            .map_or_else(String::new, |n| format!(" (of {n} before)"));
        let _ = out.line(&format!(
            "left behind: {} still in the source{before}",
            account.left_behind
        ));
    }
    let _ = out.flush();
    let unaccounted = report.unaccounted();
    if unaccounted > 0 && report.stopped.is_none() {
        eprintln!(
            "evscope: {unaccounted} events left behind in the source that this run never received: run it again"
        );
    }
    let vanished = report.vanished();
    if vanished > 0 {
        eprintln!(
            "evscope: {vanished} events left the source without being moved (they are in neither place)"
        );
    }
    if let Some(reason) = &report.stopped {
        eprintln!(
            "evscope: stopped early: {}; the events not reached are still in the source: run it again",
            escape(reason)
        );
    }
    match report {
        _ if report.stopped.is_some()
            || unreadable > 0
            || report.unaccounted() > 0
            || report.vanished() > 0 =>
        {
            EXIT_ERROR
        }
        _ if report.is_clean() => 0,
        _ => EXIT_FOUND,
    }
}

/// One line per event, `  WHAT ID: REASON`; a reason shared by more than
/// `EACH` events gets one line with the count and the first ids instead
/// (a broker that went away fails a whole batch the same way).
fn per_reason<'a>(
    what: &'a str,
    events: &'a [(String, String)],
) -> impl Iterator<Item = String> + 'a {
    const EACH: usize = 3;
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for (id, reason) in events {
        match reasons.iter_mut().find(|(r, _)| r == reason) {
            Some((_, ids)) => ids.push(id),
            None => reasons.push((reason, vec![id])),
        }
    }
    reasons.into_iter().flat_map(move |(reason, ids)| {
        let reason = escape(reason);
        if ids.len() <= EACH {
            ids.iter()
                .map(|id| format!("  {what} {}: {reason}", escape(id)))
                .collect::<Vec<_>>()
        } else {
            let first: Vec<String> = ids
                .iter()
                .take(EACH)
                .map(|id| escape(id).into_owned())
                .collect();
            vec![format!(
                "  {what}: {} events: {reason} (first {}, …)",
                ids.len(),
                first.join(", ")
            )]
        }
    })
}

/// A dry run's plan: the ids that would be acted on, then the unreadable
/// lines (which exit 2, as for a real run).
fn print_plan(verb: &str, to: &str, report: &Report, read: ReadFirst) -> i32 {
    let mut out = Out::new();
    let ids = &report.planned;
    let _ = out.line(&format!(
        "dry run: would {verb} {} events {}",
        ids.len(),
        escape(to)
    ));
    let lines = ids.iter().map(|id| format!("  {}", escape(id))).chain(
        report
            .unreadable
            .iter()
            .map(|line| format!("  unreadable {} (left in the source)", escape(line))),
    );
    for line in lines {
        if !out.line(&line).unwrap_or(false) {
            break;
        }
    }
    let _ = out.flush();
    if report.unreadable.len() + read.unreadable > 0 {
        EXIT_ERROR
    } else {
        0
    }
}

/// `evscope replay`.
pub(super) async fn replay(args: ReplayArgs, context: &Context) -> Result<i32> {
    let context = &context.keeping_dedup_ids(args.keep_dedup_id);
    let selection = context.selection(&args.filter, &args.ids)?;
    let source = context.source(&args.source).await?;
    let target = context.target(&args.target).await?;
    if same_source(source.as_ref(), target.as_ref()) {
        bail!(
            "{}: source and target are the same; replay to another target",
            target.uri()
        );
    }
    ensure(target.as_ref(), Operation::Send, args.dry_run)?;
    let pace = args.rate.or(args.pace).unwrap_or_default();
    let source_uri = source.uri().to_string();
    let (events, skipped, unreadable) = selected_events(source, &selection).await?;
    let entry = match args.dry_run {
        true => None,
        false => {
            let intent = Intent::new("replay", "cli")
                .source(&source_uri)
                .target(target.uri())
                .filter(args.filter.filter.as_deref())
                .ids(args.ids.as_ref())
                .plan(Plan {
                    events: Some(events.len()),
                    how: "client-side".into(),
                    pace: pace.label(),
                });
            Some(journal_begin(intent, context).await?)
        }
    };
    let control = JobControl::new();
    let watcher = watch_job(&control, "replayed");
    let report = ops::replay_paced(&events, target.as_ref(), args.dry_run, pace, &control).await;
    let report = match entry {
        Some(entry) => journaled(entry, report),
        None => report,
    }?;
    watcher.abort();
    progress_done();
    if args.dry_run {
        let read = ReadFirst {
            skipped,
            unreadable,
        };
        return Ok(print_plan(
            "send",
            &format!("to {}", target.uri()),
            &report,
            read,
        ));
    }
    let read = ReadFirst {
        skipped,
        unreadable,
    };
    Ok(print_report(
        "replay",
        &args.source,
        target.uri(),
        &report,
        read,
    ))
}

fn is_sqs(uri: &str) -> bool {
    uri.starts_with("sqs://")
}

/// `evscope redrive`.
pub(super) async fn redrive(args: RedriveArgs, context: &Context) -> Result<i32> {
    let context = &context.keeping_dedup_ids(args.keep_dedup_id);
    let selection = context.selection(&args.filter, &args.ids)?;
    let source = context.source(&args.dlq).await?;
    ensure(source.as_ref(), Operation::Redrive, args.dry_run)?;
    let target_uri = match &args.to {
        Some(to) => to.clone(),
        None => match source.redrive_target().await? {
            Some(uri) => uri,
            None => return Err(ops::OpsError::NoTarget(source.uri().to_string()).into()),
        },
    };
    let target = context.target(&target_uri).await?;
    if same_source(source.as_ref(), target.as_ref()) {
        return Err(ops::OpsError::SameTarget(source.uri().to_string()).into());
    }
    ensure(target.as_ref(), Operation::Send, args.dry_run)?;
    let everything = args.filter.filter.is_none() && args.ids.is_none();
    let rate = match args.rate {
        Some(ops::Pace::Rate(rate)) => Some(rate),
        _ => None,
    };
    // SQS keeps a rate of whole messages per second (1 to 500) itself;
    // any other rate is kept by evscope's own move.
    let native_rate = rate.map(ops::native_rate);
    let mut native = everything
        && !args.client_side
        && native_rate.is_none_or(|r| r.is_some())
        && is_sqs(source.uri())
        && is_sqs(target.uri());
    if !args.dry_run && !args.yes {
        let (count, unreadable) = if everything {
            (source.describe().await?.count.map(|c| c as usize), 0)
        } else {
            let (events, _, unreadable) = selected_events(source.clone(), &selection).await?;
            (Some(events.len()), unreadable)
        };
        if count == Some(0) {
            println!("nothing to redrive from {}", escape(source.uri()));
            // Unreadable lines were named on stderr as they were read.
            return Ok(if unreadable > 0 { EXIT_ERROR } else { 0 });
        }
        if confirm_move(count, source.uri(), target.uri(), native)? == Answer::ClientSide {
            native = false;
        }
    }
    if args.dry_run && crate::backend::is_router(target.uri()) {
        return plan_routes(source, target.uri(), &selection).await;
    }
    let entry = match args.dry_run {
        true => None,
        false => {
            let intent = Intent::new("redrive", "cli")
                .source(source.uri())
                .target(target.uri())
                .filter(args.filter.filter.as_deref())
                .ids(args.ids.as_ref())
                .plan(Plan {
                    how: if native {
                        "sqs-move-task, else client-side".into()
                    } else {
                        "client-side".into()
                    },
                    pace: args.rate.and_then(ops::Pace::label),
                    ..Plan::default()
                });
            Some(journal_begin(intent, context).await?)
        }
    };
    let control = JobControl::new();
    let watcher = watch_job(&control, "moved");
    let mut entry = entry;
    if native && !args.dry_run {
        let rate = native_rate.flatten();
        match ops::redrive_native(source.as_ref(), target.uri(), rate, &control).await {
            Ok(NativeRedrive::Moved(report)) => {
                if let Some(entry) = entry.take() {
                    journal_end(entry, Ok(&report));
                }
                watcher.abort();
                progress_done();
                warn(&match (report.cancelled, rate) {
                    (true, _) => format!(
                        "cancelled SQS's move (CancelMessageMoveTask) after {} moved: the rest stay in {}",
                        report.moved,
                        escape(source.uri())
                    ),
                    (false, Some(rate)) => format!(
                        "moved by SQS itself (StartMessageMoveTask, at most {rate} a second)"
                    ),
                    (false, None) => "moved by SQS itself (StartMessageMoveTask)".into(),
                });
                return Ok(print_report(
                    "redrive",
                    source.uri(),
                    target.uri(),
                    &report,
                    ReadFirst::default(),
                ));
            }
            Ok(NativeRedrive::Unavailable(reason)) => {
                warn(&format!(
                    "SQS's own move (StartMessageMoveTask) is not available here ({reason}): evscope moves the messages itself"
                ));
            }
            Err(error) => {
                watcher.abort();
                progress_done();
                if let Some(entry) = entry.take() {
                    journal_end(entry, Err(&error.to_string()));
                }
                return Err(error.into());
            }
        }
    }
    let report = ops::redrive_paced(
        source.as_ref(),
        target.as_ref(),
        &selection,
        args.dry_run,
        rate,
        &control,
    )
    .await;
    watcher.abort();
    progress_done();
    let report = match entry {
        Some(entry) => journaled(entry, report),
        None => report,
    }?;
    if args.dry_run {
        if native {
            warn(
                "without --dry-run, SQS would move them itself (StartMessageMoveTask) where the endpoint supports it; --client-side makes evscope move them",
            );
        }
        return Ok(print_plan(
            "move",
            &format!("from {} to {}", source.uri(), target.uri()),
            &report,
            ReadFirst::default(),
        ));
    }
    Ok(print_report(
        "redrive",
        source.uri(),
        target.uri(),
        &report,
        ReadFirst::default(),
    ))
}

/// A dry run of a redrive through a router (each event back to its own
/// origin): how many events go to each target, and how many name none
/// (those would fail and stay), then the ids.
async fn plan_routes(source: Arc<dyn Backend>, router: &str, selection: &Selection) -> Result<i32> {
    let from = source.uri().to_string();
    let (events, _, unreadable) = selected_events(source, selection).await?;
    let mut routes: std::collections::BTreeMap<String, usize> = Default::default();
    let mut stay = 0;
    for event in &events {
        match crate::backend::route_of(router, event) {
            Some(to) => *routes.entry(to).or_default() += 1,
            None => stay += 1,
        }
    }
    let mut out = Out::new();
    let _ = out.line(&format!(
        "dry run: would move {} events from {} to {}",
        events.len() - stay,
        escape(&from),
        escape(&target_label(router))
    ));
    for (to, count) in &routes {
        let _ = out.line(&format!("  to {}: {count} events", escape(to)));
    }
    if stay > 0 {
        let _ = out.line(&format!(
            "  no origin named: {stay} events (they would fail and stay; name a target with --to)"
        ));
    }
    for event in &events {
        if !out
            .line(&format!("  {}", escape(&event.id)))
            .unwrap_or(false)
        {
            break;
        }
    }
    let _ = out.flush();
    Ok(if unreadable > 0 { EXIT_ERROR } else { 0 })
}

/// `evscope delete`.
pub(super) async fn delete(args: DeleteArgs, context: &Context) -> Result<i32> {
    if args.filter.filter.is_none() && args.ids.is_none() {
        bail!("delete needs --ids or --filter (to delete everything, use `evscope purge`)");
    }
    let selection = context.selection(&args.filter, &args.ids)?;
    let source = context.source(&args.source).await?;
    ensure(source.as_ref(), Operation::Delete, args.dry_run)?;
    let mut count = None;
    if !args.dry_run && !args.yes {
        let (events, _, unreadable) = selected_events(source.clone(), &selection).await?;
        count = Some(events.len());
        if events.is_empty() {
            println!("nothing to delete from {}", escape(source.uri()));
            // Unreadable lines were named on stderr as they were read.
            return Ok(if unreadable > 0 { EXIT_ERROR } else { 0 });
        }
        ask(
            &format!(
                "Delete {} events from {} for good? [y/N] ",
                events.len(),
                escape(source.uri())
            ),
            &format!(
                "delete of {} events from {} needs confirmation: pass --yes, or --dry-run to see the plan",
                events.len(),
                source.uri()
            ),
        )
        .and_then(|answer| match answer.as_str() {
            "y" | "yes" => Ok(()),
            _ => bail!("delete cancelled: nothing was deleted"),
        })?;
    }
    let entry = match args.dry_run {
        true => None,
        false => {
            let intent = Intent::new("delete", "cli")
                .source(source.uri())
                .filter(args.filter.filter.as_deref())
                .ids(args.ids.as_ref())
                .plan(Plan {
                    events: count,
                    how: "client-side".into(),
                    ..Plan::default()
                });
            Some(journal_begin(intent, context).await?)
        }
    };
    let control = JobControl::new();
    let watcher = watch_job(&control, "deleted");
    let report = ops::delete(source.as_ref(), &selection, args.dry_run, &control).await;
    watcher.abort();
    progress_done();
    let report = match entry {
        Some(entry) => journaled(entry, report),
        None => report,
    }?;
    if args.dry_run {
        return Ok(print_plan(
            "delete",
            &format!("from {}", source.uri()),
            &report,
            ReadFirst::default(),
        ));
    }
    Ok(print_outcome(
        &format!("delete {}", escape(source.uri())),
        "deleted",
        &report,
        ReadFirst::default(),
    ))
}

/// `evscope purge`.
pub(super) async fn purge(args: PurgeArgs, context: &Context) -> Result<i32> {
    let source = context.source(&args.source).await?;
    ensure(source.as_ref(), Operation::Purge, false)?;
    if !args.yes {
        let count = source
            .describe()
            .await?
            .count
            .map_or_else(|| "all".to_string(), |c| format!("all {c}"));
        let sqs_note = if is_sqs(source.uri()) {
            " SQS may take up to 60 seconds, and allows one purge per queue every 60 seconds."
        } else {
            ""
        };
        ask(
            &format!(
                "Purge {}: delete {count} events for good?{sqs_note} [y/N] ",
                escape(source.uri())
            ),
            &format!("purge of {} needs confirmation: pass --yes", source.uri()),
        )
        .and_then(|answer| match answer.as_str() {
            "y" | "yes" => Ok(()),
            _ => bail!("purge cancelled: nothing was deleted"),
        })?;
    }
    let intent = Intent::new("purge", "cli").source(source.uri()).plan(Plan {
        how: "one call".into(),
        ..Plan::default()
    });
    let entry = journal_begin(intent, context).await?;
    let purged = ops::purge(source.as_ref()).await;
    match &purged {
        Ok(()) => journal_end(entry, Ok(&Report::default())),
        Err(error) => journal_end(entry, Err(&error.to_string())),
    }
    purged?;
    let mut out = Out::new();
    let _ = out.line(&format!("purged {}", escape(source.uri())));
    let _ = out.flush();
    Ok(0)
}

/// Write the intent of an operation to the journal, with this command
/// line and the AWS caller identity when it touches AWS. A journal that
/// cannot be written stops the operation here, before it starts.
pub(super) async fn journal_begin(intent: Intent, context: &Context) -> Result<journal::Entry> {
    // The production guard: every operation that changes something is
    // journaled first, so none starts without passing it.
    super::contexts::confirm_change(context, &intent_words(&intent))?;
    let words: Vec<String> = std::env::args().collect();
    let intent = intent.command(&words).with_aws(&context.open.sqs).await;
    let journal = journal::current();
    if journal.off {
        warn("--no-journal: this operation is not journaled (the journal only notes that it ran)");
    }
    Ok(journal.begin(intent)?)
}

/// What an operation will do, for the production guard: `redrive
/// sqs://orders-dlq → sqs://orders`.
fn intent_words(intent: &Intent) -> String {
    let mut words = intent.operation.clone();
    for uri in intent.source.iter().chain(&intent.target) {
        if words.len() > intent.operation.len() {
            words.push_str(" →");
        }
        words.push(' ');
        words.push_str(uri);
    }
    words
}

/// Write the outcome of an operation to the journal; a failure is only
/// warned about (the operation already happened).
pub(super) fn journal_end(entry: journal::Entry, result: Result<&Report, &str>) {
    if let Err(error) = entry.finish(result) {
        warn(&format!("{}", escape(&error.to_string())));
    }
}

/// [`journal_end`] for an operation's result, passed on.
fn journaled(
    entry: journal::Entry,
    result: Result<Report, ops::OpsError>,
) -> Result<Report, ops::OpsError> {
    match &result {
        Ok(report) => journal_end(entry, Ok(report)),
        Err(error) => journal_end(entry, Err(&error.to_string())),
    }
    result
}

/// The answer to a move confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Go, natively when offered.
    Yes,
    /// Go, but move client-side.
    ClientSide,
}

/// Ask before a redrive; refuse without a terminal.
fn confirm_move(count: Option<usize>, from: &str, to: &str, native: bool) -> Result<Answer> {
    let what = count.map_or_else(|| "all events".to_string(), |c| format!("{c} events"));
    let new_ids = if is_sqs(to) {
        " Moved messages get a new MessageId and a new retention clock (their time in the DLQ is forgotten)."
    } else {
        ""
    };
    let (how, choices) = if native {
        (
            " SQS moves them itself (StartMessageMoveTask) where the endpoint supports it; answer c to have evscope move them.",
            "[y/c/N]",
        )
    } else {
        (
            " Each leaves the source only after the target confirmed it.",
            "[y/N]",
        )
    };
    let answer = ask(
        &format!(
            "Move {what} from {} to {}?{how}{new_ids} {choices} ",
            escape(from),
            escape(&target_label(to))
        ),
        &format!(
            "redrive of {what} from {from} needs confirmation: pass --yes, or --dry-run to see the plan"
        ),
    )?;
    match answer.as_str() {
        "y" | "yes" => Ok(Answer::Yes),
        "c" if native => Ok(Answer::ClientSide),
        _ => bail!("redrive cancelled: nothing was moved"),
    }
}

/// Ask on the terminal and return the answer, trimmed and lowercased;
/// without a terminal, fail with `refusal`.
fn ask(question: &str, refusal: &str) -> Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!("{refusal}");
    }
    match answer(question)? {
        Some(answer) => Ok(answer.trim().to_ascii_lowercase()),
        None => {
            eprintln!(); // Ctrl-C: no
            Ok(String::new())
        }
    }
}
