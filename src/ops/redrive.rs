//! Redrive: move events out of a dead-letter queue into a target.

use super::{JobControl, OpsError, Progress, Report, Selection};
use crate::backend::{Backend, LeaseId};

/// Move the selected events from `source` to `target`.
///
/// Batch by batch: take events from the source's drain, send the selected
/// ones, and remove from the source exactly those whose send was confirmed.
/// Unselected and failed events stay in the source. With `dry_run`, nothing
/// is sent or removed: the report lists what would move.
pub async fn redrive(
    source: &dyn Backend,
    target: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
    if source.uri() == target.uri() {
        return Err(OpsError::SameTarget(source.uri().to_string()));
    }
    let mut drain = source.drain().await?;
    let mut report = Report::default();
    let mut progress = Progress {
        total: selection.ids.as_ref().map(|ids| ids.len()),
        ..Progress::default()
    };
    let result = async {
        loop {
            if control.is_cancelled() {
                report.cancelled = true;
                break;
            }
            if let (Some(ids), false) = (&selection.ids, dry_run) {
                if report.moved + report.failed.len() + report.duplicated.len() >= ids.len() {
                    break;
                }
            }
            let batch = drain.next_batch().await?;
            if batch.is_empty() {
                break;
            }
            progress.seen += batch.len();
            let (chosen, others): (Vec<_>, Vec<_>) =
                batch.into_iter().partition(|l| selection.selects(&l.event));
            report.skipped += others.len();
            if dry_run {
                report
                    .planned
                    .extend(chosen.iter().map(|l| l.event.id.clone()));
                continue;
            }
            if chosen.is_empty() {
                continue;
            }
            let events: Vec<_> = chosen.iter().map(|l| l.event.clone()).collect();
            let outcomes = match target.send(&events).await {
                Ok(outcomes) => outcomes,
                Err(error) => vec![Err(error.to_string()); events.len()],
            };
            let mut confirmed: Vec<(LeaseId, &str)> = Vec::new();
            for (leased, outcome) in chosen.iter().zip(outcomes) {
                match outcome {
                    Ok(_) => confirmed.push((leased.lease, &leased.event.id)),
                    Err(reason) => report.failed.push((leased.event.id.clone(), reason)),
                }
            }
            let leases: Vec<LeaseId> = confirmed.iter().map(|(lease, _)| *lease).collect();
            let removals = match drain.remove(&leases).await {
                Ok(removals) => removals,
                Err(error) => vec![Err(error.to_string()); leases.len()],
            };
            for ((_, id), removal) in confirmed.iter().zip(removals) {
                match removal {
                    Ok(()) => report.moved += 1,
                    Err(reason) => report.duplicated.push((id.to_string(), reason)),
                }
            }
            progress.done = report.moved;
            progress.failed = report.failed.len() + report.duplicated.len();
            control.report(progress);
        }
        Ok::<(), OpsError>(())
    }
    .await;
    // Whatever happened, settle the source: release what was not removed,
    // and commit the removals (a file is rewritten only here).
    let finished = drain.finish().await;
    result?;
    finished?;
    Ok(report)
}
