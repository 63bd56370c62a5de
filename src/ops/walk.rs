//! The loops delete and redrive share: take a source's events batch by
//! batch through its drain, pick the selected ones, let the operation act
//! on them, and settle the drain whatever happened; or, for a dry run,
//! only browse the source and list what would be acted on.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{JobControl, OpsError, Progress, Report, Selection};
use crate::backend::{Backend, Drain, LeaseId, Leased, Record, Removed};

/// What an operation does with the selected events of one batch: remove
/// from the drain what it must and record every outcome in the report.
#[async_trait]
pub(super) trait BatchAction: Send {
    /// Act on `chosen`, events the drain handed out and the selection kept.
    /// The ids whose removal the drain confirmed go to `removed`.
    async fn act(
        &mut self,
        drain: &mut dyn Drain,
        chosen: Vec<Leased>,
        report: &mut Report,
        removed: &mut Vec<String>,
    ) -> Result<(), OpsError>;

    /// A removal the drain had confirmed did not happen after all (the
    /// drain removes on finish, and finishing failed): count event `id`
    /// for what it is now, in place of one of `report.moved`.
    fn not_removed(&self, id: String, reason: &str, report: &mut Report);
}

/// Walk `source`'s drain. For each batch, the selected events go to
/// `action` (with `dry_run`, only to `report.planned`: the drain's finish
/// releases them; on a read-only source the plan comes from
/// [`plan_selected`]); the others count as skipped and stay in the source, and lines
/// the drain could not read are listed in `report.unreadable`. The drain is
/// finished (unremoved events released, removals committed) on every path,
/// errors included. Once the walk has begun, a failure ends it with a
/// report saying why it stopped (`Report::stopped`), so what was already
/// done is still reported exactly: when the drain removes on finish and
/// finishing failed, the events it had confirmed are counted by
/// [`BatchAction::not_removed`] instead. With `rate`, the walk waits
/// after a batch until it is no more than `rate` events a second ahead.
pub(super) async fn walk_selected(
    source: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    rate: Option<f64>,
    control: &JobControl,
    action: &mut dyn BatchAction,
) -> Result<Report, OpsError> {
    tracing::info!(source = source.uri(), ids = ?selection.ids.as_ref().map(|i| i.len()), dry_run, "plan: walk the source");
    // A read-only source has no drain to walk: plan by browsing.
    if dry_run && source.capabilities().read_only {
        return plan_selected(source, selection, control).await;
    }
    let mut drain = source.drain().await?;
    let started = std::time::Instant::now();
    let mut report = Report::default();
    let mut removed = Vec::new();
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
            report.unreadable.extend(drain.take_unreadable());
            if batch.is_empty() {
                drained = true;
                break;
            }
            progress.seen += batch.len();
            let (chosen, others): (Vec<_>, Vec<_>) = batch
                .into_iter()
                .partition(|l| selection.selects(&l.event, drain.expects_json(l.lease)));
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
            action
                .act(drain.as_mut(), chosen, &mut report, &mut removed)
                .await?;
            if let Some(rate) = rate {
                // Not ahead of `rate` events a second since the start.
                let due = std::time::Duration::from_secs_f64(report.moved as f64 / rate);
                while started.elapsed() < due && !control.is_cancelled() {
                    let nap = due
                        .saturating_sub(started.elapsed())
                        .min(std::time::Duration::from_millis(200));
                    tokio::time::sleep(nap).await;
                }
            }
            progress.done = report.moved;
            progress.failed = report.failed.len() + report.duplicated.len();
            control.report(progress);
        }
        Ok::<(), OpsError>(())
    }
    .await;
    let removes_on_finish = drain.removes_on_finish();
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
    if let (Err(error), true) = (&finished, removes_on_finish) {
        let reason = error.to_string();
        for id in removed {
            action.not_removed(id, &reason, &mut report);
        }
    } else {
        report.removed = removed;
    }
    if let Err(error) = result.and(finished.map_err(OpsError::from)) {
        report.stopped = Some(error.to_string());
    }
    report.log_outcome("walk the source", source.uri());
    Ok(report)
}

/// A dry run of delete or redrive on a read-only source, which has no
/// drain: browse `source` (which changes nothing a peek would not) and
/// list the ids of the selected events in
/// `report.planned`; unselected ones count as skipped, unreadable lines are
/// listed in `report.unreadable`.
async fn plan_selected(
    source: &dyn Backend,
    selection: &Selection,
    control: &JobControl,
) -> Result<Report, OpsError> {
    let mut report = Report::default();
    let (tx, mut rx) = mpsc::channel::<Vec<Record>>(4);
    let browse = source.browse(None, tx);
    let collect = async {
        while let Some(batch) = rx.recv().await {
            for record in batch {
                let expect_json = record.expects_json();
                match record.decode() {
                    Ok((event, _)) if selection.selects(&event, expect_json) => {
                        report.planned.push(event.id)
                    }
                    Ok(_) => report.skipped += 1,
                    Err(error) => report.unreadable.push(error.to_string()),
                }
            }
            if control.is_cancelled() {
                report.cancelled = true;
                break;
            }
        }
        // Dropping the receiver ends the browse early after a cancel.
        drop(rx);
    };
    let (browsed, ()) = tokio::join!(browse, collect);
    browsed?;
    Ok(report)
}

/// Remove `leases` from `drain`: one outcome per lease, and an error when
/// the drain failed as a whole (every lease then fails with it, and the
/// action should end the walk with that error).
pub(super) async fn remove(
    drain: &mut dyn Drain,
    leases: &[LeaseId],
) -> (Vec<Removed>, Result<(), OpsError>) {
    match drain.remove(leases).await {
        Ok(outcomes) => (outcomes, Ok(())),
        Err(error) => {
            let reason = error.to_string();
            let outcomes = leases.iter().map(|l| (*l, Err(reason.clone())));
            (outcomes.collect(), Err(error.into()))
        }
    }
}
