//! Delete and purge: take events out of a source for good.

use async_trait::async_trait;

use super::walk::{BatchAction, remove, walk_selected};
use super::{JobControl, OpsError, Report, Selection};
use crate::backend::{Backend, Drain, LeaseId, Leased};

/// Delete the selected events from `source`, through its drain: events
/// not selected are released untouched. With `dry_run`, nothing is
/// deleted: the report lists what would be. `moved` counts the deleted.
pub async fn delete(
    source: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
    walk_selected(source, selection, dry_run, control, &mut Remove).await
}

/// Delete's action: remove the chosen events.
struct Remove;

#[async_trait]
impl BatchAction for Remove {
    async fn act(
        &mut self,
        drain: &mut dyn Drain,
        chosen: Vec<Leased>,
        report: &mut Report,
    ) -> Result<(), OpsError> {
        let leases: Vec<LeaseId> = chosen.iter().map(|l| l.lease).collect();
        let (outcomes, end) = remove(drain, &leases).await;
        for (leased, outcome) in chosen.iter().zip(outcomes) {
            match outcome {
                Ok(()) => report.moved += 1,
                Err(reason) => report.failed.push((leased.event.id.clone(), reason)),
            }
        }
        end
    }
}

/// Delete every event of `source` at once.
pub async fn purge(source: &dyn Backend) -> Result<(), OpsError> {
    Ok(source.purge().await?)
}
