//! `replay` and `redrive` on the command line: selection, confirmation,
//! progress on stderr, an exact report.

use std::io::{IsTerminal, Write};

use anyhow::{Result, bail};

use super::args::{RedriveArgs, ReplayArgs};
use super::output::{Out, progress, progress_done, warn};
use super::peek::for_each_document;
use super::{Context, EXIT_ERROR, EXIT_FOUND};
use crate::model::Event;
use crate::ops::{self, JobControl, Report, Selection};
use crate::sanitize::escape;

/// The events of `source` that `selection` picks.
async fn selected_events(
    context: &Context,
    source: &str,
    selection: &Selection,
) -> Result<(Vec<Event>, usize, usize)> {
    let backend = context.source(source).await?;
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
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = updates.changed() => {
                    if changed.is_err() { break; }
                    let p = *updates.borrow();
                    let total = p.total.map_or_else(String::new, |t| format!("/{t}"));
                    progress(&format!("{verb} {}{total}, failed {}", p.done, p.failed));
                }
                _ = tokio::signal::ctrl_c() => {
                    warn("interrupted: finishing the batch in flight, then stopping");
                    control.cancel();
                }
            }
        }
    })
}

fn print_report(verb: &str, from: &str, to: &str, report: &Report, skipped: usize) -> i32 {
    let mut out = Out::new();
    let _ = out.line(&format!(
        "{verb} {} → {}: {} moved, {} failed, {} skipped{}",
        escape(from),
        escape(to),
        report.moved,
        report.failed.len(),
        report.skipped + skipped,
        if report.cancelled { " (cancelled)" } else { "" },
    ));
    for (id, reason) in &report.failed {
        let _ = out.line(&format!("  failed {}: {}", escape(id), escape(reason)));
    }
    for (id, reason) in &report.duplicated {
        let _ = out.line(&format!(
            "  sent but still in the source (now in both) {}: {}",
            escape(id),
            escape(reason)
        ));
    }
    let _ = out.flush();
    if report.is_clean() { 0 } else { EXIT_FOUND }
}

fn print_plan(verb: &str, to: &str, ids: &[String]) -> i32 {
    let mut out = Out::new();
    let _ = out.line(&format!(
        "dry run: would {verb} {} events to {}",
        ids.len(),
        escape(to)
    ));
    for id in ids {
        if !out.line(&format!("  {}", escape(id))).unwrap_or(false) {
            break;
        }
    }
    let _ = out.flush();
    0
}

/// `evscope replay`.
pub(super) async fn replay(args: ReplayArgs, context: &Context) -> Result<i32> {
    let selection = context.selection(&args.filter, &args.ids)?;
    let (events, skipped, bad) = selected_events(context, &args.source, &selection).await?;
    let target = context.target(&args.target).await?;
    if !args.dry_run && context.open.read_only {
        bail!("{}: replay refused in read-only mode", target.uri());
    }
    let control = JobControl::new();
    let watcher = watch_job(&control, "replayed");
    let report = ops::replay(&events, target.as_ref(), args.dry_run, &control).await?;
    watcher.abort();
    progress_done();
    if args.dry_run {
        return Ok(print_plan("send", target.uri(), &report.planned));
    }
    let code = print_report("replay", &args.source, target.uri(), &report, skipped);
    Ok(if bad > 0 { EXIT_ERROR } else { code })
}

/// `evscope redrive`.
pub(super) async fn redrive(args: RedriveArgs, context: &Context) -> Result<i32> {
    let selection = context.selection(&args.filter, &args.ids)?;
    let source = context.source(&args.dlq).await?;
    if !args.dry_run && context.open.read_only {
        bail!("{}: redrive refused in read-only mode", source.uri());
    }
    let target_uri = match &args.to {
        Some(to) => to.clone(),
        None => match source.redrive_target().await? {
            Some(uri) => uri,
            None => return Err(ops::OpsError::NoTarget(source.uri().to_string()).into()),
        },
    };
    let target = context.target(&target_uri).await?;
    if !args.dry_run && !args.yes {
        let (events, _, _) = selected_events(context, &args.dlq, &selection).await?;
        if events.is_empty() {
            println!("nothing to redrive from {}", escape(source.uri()));
            return Ok(0);
        }
        confirm(events.len(), source.uri(), target.uri())?;
    }
    let control = JobControl::new();
    let watcher = watch_job(&control, "moved");
    let report = ops::redrive(
        source.as_ref(),
        target.as_ref(),
        &selection,
        args.dry_run,
        &control,
    )
    .await;
    watcher.abort();
    progress_done();
    let report = report?;
    if args.dry_run {
        return Ok(print_plan("move", target.uri(), &report.planned));
    }
    Ok(print_report(
        "redrive",
        source.uri(),
        target.uri(),
        &report,
        0,
    ))
}

/// Ask on the terminal; refuse without one.
fn confirm(count: usize, from: &str, to: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "redrive of {count} events from {from} needs confirmation: pass --yes, or --dry-run to see the plan"
        );
    }
    eprint!(
        "Move {count} events from {} to {}? Each leaves the DLQ only after the target confirmed it. [y/N] ",
        escape(from),
        escape(to)
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
        Ok(())
    } else {
        bail!("redrive cancelled: nothing was moved")
    }
}
