//! Replay: send copies of chosen events to a target. The source is untouched.

use super::{JobControl, OpsError, Progress, Report};
use crate::backend::Backend;
use crate::model::Event;

/// How many events one send call carries.
const CHUNK: usize = 100;

/// Send `events` to `target`, in order, in chunks; with `dry_run`, only plan.
pub async fn replay(
    events: &[Event],
    target: &dyn Backend,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
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
        match target.send(chunk).await {
            Ok(outcomes) => {
                for (event, outcome) in chunk.iter().zip(outcomes) {
                    match outcome {
                        Ok(_) => report.moved += 1,
                        Err(reason) => report.failed.push((event.id.clone(), reason)),
                    }
                }
            }
            Err(error) => {
                let reason = error.to_string();
                report
                    .failed
                    .extend(chunk.iter().map(|e| (e.id.clone(), reason.clone())));
            }
        }
        progress.seen += chunk.len();
        progress.done = report.moved;
        progress.failed = report.failed.len();
        control.report(progress);
    }
    report.log_outcome("replay", target.uri());
    Ok(report)
}
