//! Redrive: move events out of a dead-letter queue into a target.

use async_trait::async_trait;

use super::walk::{BatchAction, remove, walk_selected};
use super::{JobControl, OpsError, Report, Selection, pair_outcomes};
use crate::backend::{Backend, Drain, LeaseId, Leased, Operation, ensure};

/// Move the selected events from `source` to `target`.
///
/// Batch by batch: take events from the source's drain, send the selected
/// ones, and remove from the source exactly those whose send was confirmed.
/// Unselected and failed events stay in the source. With `dry_run`, nothing
/// is sent or removed: the report lists what would move. Refused up front
/// when the source cannot give events up or the target cannot take them,
/// or either is read-only (a dry run is still allowed).
pub async fn redrive(
    source: &dyn Backend,
    target: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
    redrive_paced(source, target, selection, dry_run, None, control).await
}

/// [`redrive`] moving at most `rate` events a second when given (the walk
/// waits between batches; cancel is seen while it waits).
pub async fn redrive_paced(
    source: &dyn Backend,
    target: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    rate: Option<f64>,
    control: &JobControl,
) -> Result<Report, OpsError> {
    if crate::backend::same_source(source, target) {
        return Err(OpsError::SameTarget(source.uri().to_string()));
    }
    ensure(source, Operation::Redrive, dry_run)?;
    ensure(target, Operation::Send, dry_run)?;
    walk_selected(
        source,
        selection,
        dry_run,
        rate,
        control,
        &mut SendThenRemove { target },
    )
    .await
}

/// Redrive's action, the no-loss rule: send the chosen events, then remove
/// from the source exactly those whose send the target confirmed.
struct SendThenRemove<'a> {
    target: &'a dyn Backend,
}

#[async_trait]
impl BatchAction for SendThenRemove<'_> {
    async fn act(
        &mut self,
        drain: &mut dyn Drain,
        chosen: Vec<Leased>,
        report: &mut Report,
        removed: &mut Vec<String>,
    ) -> Result<(), OpsError> {
        let events: Vec<_> = chosen.iter().map(|l| l.event.clone()).collect();
        let sent = self.target.send(&events).await;
        let ids = |chosen: &[Leased]| -> Vec<String> {
            chosen.iter().map(|l| l.event.id.clone()).collect()
        };
        let outcomes = match sent {
            Ok(outcomes) => outcomes,
            // The target failed as a whole: nothing was sent, so nothing
            // is removed, and later batches would fail the same way.
            Err(error) => {
                let reason = error.to_string();
                let failed = ids(&chosen).into_iter().map(|id| (id, reason.clone()));
                report.failed.extend(failed);
                return Err(error.into());
            }
        };
        let keyed = chosen.iter().map(|l| (l.event.id.clone(), l)).collect();
        let paired = match pair_outcomes("send", keyed, outcomes) {
            Ok(paired) => paired,
            // Which were sent is unknown: remove none (they may now be in
            // both places), and stop.
            Err(error) => {
                let reason = format!("{error}; the event may have been sent too");
                let failed = ids(&chosen).into_iter().map(|id| (id, reason.clone()));
                report.failed.extend(failed);
                return Err(error);
            }
        };
        let mut confirmed: Vec<(LeaseId, &Leased)> = Vec::new();
        for (leased, outcome) in paired {
            match outcome {
                Ok(new_id) => {
                    report.sent.push((leased.event.id.clone(), new_id));
                    confirmed.push((leased.lease, leased));
                }
                Err(reason) => report.failed.push((leased.event.id.clone(), reason)),
            }
        }
        let leases: Vec<LeaseId> = confirmed.iter().map(|(lease, _)| *lease).collect();
        let (removals, end) = remove(drain, &leases).await;
        for (leased, removal) in pair_outcomes("removal", confirmed, removals)? {
            let id = leased.event.id.clone();
            match removal {
                Ok(()) => {
                    report.moved += 1;
                    removed.push(id);
                }
                Err(reason) => report.duplicated.push((id, reason)),
            }
        }
        end
    }

    fn not_removed(&self, id: String, reason: &str, report: &mut Report) {
        report.moved -= 1;
        report.duplicated.push((id, reason.to_string()));
    }
}
