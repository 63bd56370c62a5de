//! A redrive the source's service carries out itself (SQS
//! StartMessageMoveTask), when it has one: progress and report in the same
//! shape as a client-side move.

use super::{JobControl, OpsError, Progress, Report};
use crate::backend::{Backend, NativeMove, NativeMoveProgress, Operation, ensure};

/// What came of asking for a native redrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeRedrive {
    /// The service moved the events.
    Moved(Report),
    /// No native move here, for this reason: move client-side.
    Unavailable(String),
}

/// Move every event of `source` to `target` with the service's own
/// mechanism, when there is one.
pub async fn redrive_native(
    source: &dyn Backend,
    target: &str,
    control: &JobControl,
) -> Result<NativeRedrive, OpsError> {
    if source.uri() == target {
        return Err(OpsError::SameTarget(source.uri().to_string()));
    }
    ensure(source, Operation::Redrive, false)?;
    let report_progress = |p: NativeMoveProgress| {
        let moved = usize::try_from(p.moved).unwrap_or(usize::MAX);
        control.report(Progress {
            seen: moved,
            done: moved,
            failed: 0,
            total: p.total.and_then(|t| usize::try_from(t).ok()),
            eta: None,
        });
    };
    Ok(match source.native_move(target, &report_progress).await? {
        NativeMove::Done(p) => NativeRedrive::Moved(Report {
            moved: usize::try_from(p.moved).unwrap_or(usize::MAX),
            ..Report::default()
        }),
        NativeMove::Unavailable(reason) => NativeRedrive::Unavailable(reason),
    })
}
