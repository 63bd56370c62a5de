//! A redrive the source's service carries out itself (SQS
//! StartMessageMoveTask), when it has one: at a rate the service keeps,
//! cancelled at the service when the job is, with progress and report in
//! the same shape as a client-side move.

use super::{JobControl, OpsError, Progress, Report};
use crate::backend::{
    Backend, NativeMove, NativeMoveControl, NativeMoveProgress, Operation, ensure,
};

/// What came of asking for a native redrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeRedrive {
    /// The service moved the events.
    Moved(Report),
    /// No native move here, for this reason: move client-side.
    Unavailable(String),
}

/// The rate (events per second) a service's own move can keep: a whole
/// number from 1 to 500 (SQS MaxNumberOfMessagesPerSecond), else `None`
/// (evscope's own move keeps it).
pub fn native_rate(per_second: f64) -> Option<u32> {
    let max = f64::from(crate::backend::sqs::MOVE_TASK_MAX_RATE);
    (per_second.fract() == 0.0 && (1.0..=max).contains(&per_second)).then_some(per_second as u32)
}

/// Move every event of `source` to `target` with the service's own
/// mechanism, when there is one, at most `rate` events per second. When
/// `control` is cancelled the move is cancelled at the service, and the
/// report counts what it had moved (`cancelled` set).
pub async fn redrive_native(
    source: &dyn Backend,
    target: &str,
    rate: Option<u32>,
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
    let cancelled = || control.is_cancelled();
    let native = NativeMoveControl {
        rate,
        progress: &report_progress,
        cancelled: &cancelled,
    };
    let moved = |p: &NativeMoveProgress| usize::try_from(p.moved).unwrap_or(usize::MAX);
    Ok(match source.native_move(target, &native).await? {
        NativeMove::Done(p) => NativeRedrive::Moved(Report {
            moved: moved(&p),
            ..Report::default()
        }),
        NativeMove::Cancelled(p) => NativeRedrive::Moved(Report {
            moved: moved(&p),
            cancelled: true,
            ..Report::default()
        }),
        NativeMove::Unavailable(reason) => NativeRedrive::Unavailable(reason),
    })
}

#[cfg(test)]
mod tests {
    use super::native_rate;

    #[test]
    fn only_whole_rates_sqs_accepts_go_to_sqs() {
        assert_eq!(native_rate(1.0), Some(1));
        assert_eq!(native_rate(500.0), Some(500));
        for rate in [0.5, 0.001, 501.0, 2.5, 100_000.0] {
            assert_eq!(native_rate(rate), None, "{rate}");
        }
    }
}
