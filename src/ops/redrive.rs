//! Redrive: move events out of a dead-letter queue into a target.

use async_trait::async_trait;

use super::walk::{BatchAction, remove, walk_selected};
use super::{JobControl, OpsError, Report, Selection};
use crate::backend::{Backend, Drain, LeaseId, Leased};

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
    if crate::backend::same_source(source, target) {
        return Err(OpsError::SameTarget(source.uri().to_string()));
    }
    walk_selected(
        source,
        selection,
        dry_run,
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
    ) -> Result<(), OpsError> {
        let events: Vec<_> = chosen.iter().map(|l| l.event.clone()).collect();
        let outcomes = match self.target.send(&events).await {
            Ok(outcomes) => outcomes,
            // The target failed as a whole: nothing was sent, so nothing
            // is removed, and later batches would fail the same way.
            Err(error) => {
                let reason = error.to_string();
                report
                    .failed
                    .extend(chosen.iter().map(|l| (l.event.id.clone(), reason.clone())));
                return Err(error.into());
            }
        };
        let mut confirmed: Vec<(LeaseId, &str)> = Vec::new();
        for (leased, outcome) in chosen.iter().zip(outcomes) {
            match outcome {
                Ok(_) => confirmed.push((leased.lease, &leased.event.id)),
                Err(reason) => report.failed.push((leased.event.id.clone(), reason)),
            }
        }
        let leases: Vec<LeaseId> = confirmed.iter().map(|(lease, _)| *lease).collect();
        let (removals, end) = remove(drain, &leases).await;
        for ((_, id), removal) in confirmed.iter().zip(removals) {
            match removal {
                Ok(()) => report.moved += 1,
                Err(reason) => report.duplicated.push((id.to_string(), reason)),
            }
        }
        end
    }
}
