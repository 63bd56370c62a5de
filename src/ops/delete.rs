//! Delete and purge: take events out of a source for good.

use super::{JobControl, OpsError, Progress, Report, Selection};
use crate::backend::{Backend, LeaseId};

/// Delete the selected events from `source`, through its drain: events
/// not selected are released untouched. With `dry_run`, nothing is
/// deleted: the report lists what would be. `moved` counts the deleted.
pub async fn delete(
    source: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
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
                if report.moved + report.failed.len() >= ids.len() {
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
            let leases: Vec<LeaseId> = chosen.iter().map(|l| l.lease).collect();
            let outcomes = match drain.remove(&leases).await {
                Ok(outcomes) => outcomes,
                Err(error) => vec![Err(error.to_string()); leases.len()],
            };
            for (leased, outcome) in chosen.iter().zip(outcomes) {
                match outcome {
                    Ok(()) => report.moved += 1,
                    Err(reason) => report.failed.push((leased.event.id.clone(), reason)),
                }
            }
            progress.done = report.moved;
            progress.failed = report.failed.len();
            control.report(progress);
        }
        Ok::<(), OpsError>(())
    }
    .await;
    let finished = drain.finish().await;
    result?;
    finished?;
    Ok(report)
}

/// Delete every event of `source` at once.
pub async fn purge(source: &dyn Backend) -> Result<(), OpsError> {
    Ok(source.purge().await?)
}
