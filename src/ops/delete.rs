//! Delete and purge: take events out of a source for good.

use async_trait::async_trait;

use super::walk::{BatchAction, remove, walk_selected};
use super::{JobControl, OpsError, Report, Selection, pair_outcomes};
use crate::backend::{Backend, Drain, LeaseId, Leased, Operation, ensure};

/// Delete the selected events from `source`, through its drain: events
/// not selected are released untouched. With `dry_run`, nothing is
/// deleted: the report lists what would be. `moved` counts the deleted.
/// Refused up front when the source cannot delete (a Pulsar topic) or is
/// read-only (a dry run is still allowed).
pub async fn delete(
    source: &dyn Backend,
    selection: &Selection,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
    ensure(source, Operation::Delete, dry_run)?;
    walk_selected(source, selection, dry_run, None, control, &mut Remove).await
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
        removed: &mut Vec<String>,
    ) -> Result<(), OpsError> {
        let leases: Vec<LeaseId> = chosen.iter().map(|l| l.lease).collect();
        let (outcomes, end) = remove(drain, &leases).await;
        let chosen = chosen.into_iter().map(|l| (l.lease, l)).collect();
        for (leased, outcome) in pair_outcomes("removal", chosen, outcomes)? {
            match outcome {
                Ok(()) => {
                    report.moved += 1;
                    removed.push(leased.event.id);
                }
                Err(reason) => report.failed.push((leased.event.id, reason)),
            }
        }
        end
    }

    fn not_removed(&self, id: String, reason: &str, report: &mut Report) {
        report.moved -= 1;
        report.failed.push((id, format!("not deleted: {reason}")));
    }
}

/// Delete every event of `source` at once; refused up front when it
/// cannot (a Pulsar topic) or is read-only.
pub async fn purge(source: &dyn Backend) -> Result<(), OpsError> {
    ensure(source, Operation::Purge, false)?;
    Ok(source.purge().await?)
}
