//! The loop delete and redrive share: take a source's events batch by
//! batch through its drain, pick the selected ones, let the operation act
//! on them, and settle the drain whatever happened.

use async_trait::async_trait;

use super::{JobControl, OpsError, Progress, Report, Selection};
use crate::backend::{Backend, Drain, LeaseId, Leased};

/// What an operation does with the selected events of one batch: remove
/// from the drain what it must and record every outcome in the report.
#[async_trait]
pub(super) trait BatchAction: Send {
    /// Act on `chosen`, events the drain handed out and the selection kept.
    async fn act(
        &mut self,
        drain: &mut dyn Drain,
        chosen: Vec<Leased>,
        report: &mut Report,
    ) -> Result<(), OpsError>;
}

/// Walk `source`'s drain. For each batch, the selected events go to
/// `action`; the others count as skipped and stay in the source. With
/// `dry_run`, `action` is never called: the report lists what it would get.
/// The drain is finished (unremoved events released, removals committed)
/// on every path, errors included. Once the walk has begun, a failure ends
/// it with a report saying why it stopped (`Report::stopped`), so what was
/// already done is still reported exactly.
pub(super) async fn walk_selected(
    source: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    control: &JobControl,
    action: &mut dyn BatchAction,
) -> Result<Report, OpsError> {
    let mut drain = source.drain().await?;
    let mut report = Report::default();
    let mut drained = false;
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
                drained = true;
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
            action.act(drain.as_mut(), chosen, &mut report).await?;
            progress.done = report.moved;
            progress.failed = report.failed.len() + report.duplicated.len();
            control.report(progress);
        }
        Ok::<(), OpsError>(())
    }
    .await;
    // Only a walk to the source's end accounts for what is left: one that
    // stopped (cancelled, all --ids found) left the rest on purpose.
    let result = match result {
        Ok(()) if drained && !dry_run => match drain.account().await {
            Ok(account) => {
                report.account = account;
                Ok(())
            }
            Err(error) => Err(error.into()),
        },
        other => other,
    };
    let finished = drain.finish().await;
    if let Err(error) = result.and(finished.map_err(OpsError::from)) {
        report.stopped = Some(error.to_string());
    }
    Ok(report)
}

/// Remove `leases` from `drain`: one outcome per lease, and an error when
/// the drain failed as a whole (every lease then fails with it, and the
/// action should end the walk with that error).
pub(super) async fn remove(
    drain: &mut dyn Drain,
    leases: &[LeaseId],
) -> (Vec<Result<(), String>>, Result<(), OpsError>) {
    match drain.remove(leases).await {
        Ok(outcomes) => (outcomes, Ok(())),
        Err(error) => (
            vec![Err(error.to_string()); leases.len()],
            Err(error.into()),
        ),
    }
}
