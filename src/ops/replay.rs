//! Replay: send copies of chosen events to a target. The source is untouched.

use super::{JobControl, OpsError, Progress, Report, pair_outcomes};
use crate::backend::{Backend, Operation, ensure};
use crate::model::Event;

/// How many events one send call carries.
const CHUNK: usize = 100;

/// Send `events` to `target`, in order, in chunks; with `dry_run`, only plan.
///
/// The stop rule is redrive's: when the target fails as a whole (it cannot
/// be reached, the file cannot be written), that chunk's events fail with
/// the reason, the replay stops there and `report.stopped` says why; the
/// events not reached are not sent. Refused up front when the target
/// cannot take events or is read-only (a dry run is still allowed).
pub async fn replay(
    events: &[Event],
    target: &dyn Backend,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
    ensure(target, Operation::Send, dry_run)?;
    let mut report = Report::default();
    tracing::info!(
        events = events.len(),
        target = target.uri(),
        dry_run,
        "plan: replay"
    );
    if dry_run {
        report.planned = events.iter().map(|e| e.id.clone()).collect();
        return Ok(report);
    }
    let mut progress = Progress {
        total: Some(events.len()),
        ..Progress::default()
    };
    for chunk in events.chunks(CHUNK) {
        if control.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let keyed = chunk.iter().map(|e| (e.id.clone(), e)).collect();
        let paired = target
            .send(chunk)
            .await
            .map_err(OpsError::from)
            .and_then(|outcomes| pair_outcomes("send", keyed, outcomes));
        match paired {
            Ok(paired) => {
                for (event, outcome) in paired {
                    match outcome {
                        Ok(new_id) => {
                            report.moved += 1;
                            report.sent.push((event.id.clone(), new_id));
                        }
                        Err(reason) => report.failed.push((event.id.clone(), reason)),
                    }
                }
            }
            Err(error) => {
                let reason = error.to_string();
                report
                    .failed
                    .extend(chunk.iter().map(|e| (e.id.clone(), reason.clone())));
                report.stopped = Some(reason);
            }
        }
        progress.seen += chunk.len();
        progress.done = report.moved;
        progress.failed = report.failed.len();
        control.report(progress);
        if report.stopped.is_some() {
            break;
        }
    }
    report.log_outcome("replay", target.uri());
    Ok(report)
}
