//! Replay: send copies of chosen events to a target. The source is untouched.

use std::time::{Duration, Instant};

use super::{JobControl, OpsError, Pace, Progress, Report, pair_outcomes};
use crate::backend::{Backend, Operation, ensure};
use crate::model::Event;

/// How many events one send call carries.
const CHUNK: usize = 100;

/// The longest a paced replay sleeps before it looks at cancel again.
const NAP: Duration = Duration::from_millis(200);

/// [`replay_paced`] as fast as the target takes the events.
pub async fn replay(
    events: &[Event],
    target: &dyn Backend,
    dry_run: bool,
    control: &JobControl,
) -> Result<Report, OpsError> {
    replay_paced(events, target, dry_run, Pace::Asap, control).await
}

/// Send `events` to `target`, in order, in chunks, each event not before
/// its time in `pace`'s schedule ([`Pace::schedule`]); with `dry_run`, only
/// plan. Progress carries an ETA; cancel is seen between chunks and while
/// waiting for the next event's time.
///
/// The stop rule is redrive's: when the target fails as a whole (it cannot
/// be reached, the file cannot be written), that chunk's events fail with
/// the reason, the replay stops there and `report.stopped` says why; the
/// events not reached are not sent. Refused up front when the target
/// cannot take events or is read-only (a dry run is still allowed).
pub async fn replay_paced(
    events: &[Event],
    target: &dyn Backend,
    dry_run: bool,
    pace: Pace,
    control: &JobControl,
) -> Result<Report, OpsError> {
    ensure(target, Operation::Send, dry_run)?;
    let mut report = Report::default();
    tracing::info!(
        events = events.len(),
        target = target.uri(),
        dry_run,
        pace = ?pace.label(),
        "plan: replay"
    );
    if dry_run {
        report.planned = events.iter().map(|e| e.id.clone()).collect();
        return Ok(report);
    }
    let schedule = pace.schedule(events);
    let end = schedule.last().copied().unwrap_or_default();
    let mut progress = Progress {
        total: Some(events.len()),
        eta: (pace != Pace::Asap).then_some(end),
        ..Progress::default()
    };
    control.report(progress);
    let start = Instant::now();
    let mut next = 0;
    while next < events.len() {
        if control.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let elapsed = start.elapsed();
        if schedule[next] > elapsed {
            tokio::time::sleep((schedule[next] - elapsed).min(NAP)).await;
            continue;
        }
        // Every event whose time has come, up to a chunk.
        let due = schedule[next..]
            .iter()
            .take(CHUNK)
            .take_while(|at| **at <= elapsed)
            .count();
        let chunk = &events[next..next + due];
        next += due;
        send_chunk(chunk, target, &mut report).await;
        progress.seen = next;
        progress.done = report.moved;
        progress.failed = report.failed.len();
        progress.eta = match pace {
            Pace::Asap => {
                let per_event = start.elapsed().as_secs_f64() / next as f64;
                Some(Duration::from_secs_f64(
                    per_event * (events.len() - next) as f64,
                ))
            }
            _ => Some(end.saturating_sub(start.elapsed())),
        };
        control.report(progress);
        if report.stopped.is_some() {
            break;
        }
    }
    report.log_outcome("replay", target.uri());
    Ok(report)
}

/// Send one chunk and record each event's outcome; a target that failed as
/// a whole fails the chunk and sets `report.stopped`.
async fn send_chunk(chunk: &[Event], target: &dyn Backend, report: &mut Report) {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{OpenOptions, open_target};

    fn events(n: usize) -> Vec<Event> {
        (0..n)
            .map(|i| Event::new(format!("e{i}"), "test", format!("{{\"n\":{i}}}")))
            .collect()
    }

    #[tokio::test]
    async fn a_paced_replay_sends_everything_with_a_shrinking_eta() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let target = open_target(path.to_str().unwrap(), &OpenOptions::default())
            .await
            .unwrap();
        let control = JobControl::new();
        let mut updates = control.subscribe();
        let etas = tokio::spawn(async move {
            let mut seen = Vec::new();
            while updates.changed().await.is_ok() {
                seen.push(updates.borrow().eta);
            }
            seen
        });
        let sent = events(5);
        let report = replay_paced(&sent, target.as_ref(), false, Pace::Rate(500.0), &control)
            .await
            .unwrap();
        drop(control);
        assert_eq!(report.moved, 5);
        assert!(report.is_clean());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 5);
        let etas = etas.await.unwrap();
        // The first says the whole schedule (4 gaps of 2 ms), the last none left.
        assert_eq!(etas.first(), Some(&Some(Duration::from_millis(8))));
        assert_eq!(etas.last(), Some(&Some(Duration::ZERO)));
    }

    #[tokio::test]
    async fn cancel_stops_a_paced_replay_between_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let target = open_target(path.to_str().unwrap(), &OpenOptions::default())
            .await
            .unwrap();
        let control = JobControl::new();
        let mut updates = control.subscribe();
        let canceller = control.clone();
        tokio::spawn(async move {
            while updates.changed().await.is_ok() {
                if updates.borrow().done >= 1 {
                    canceller.cancel();
                    break;
                }
            }
        });
        // One event a second: 60 would take a minute.
        let report = replay_paced(
            &events(60),
            target.as_ref(),
            false,
            Pace::Rate(1.0),
            &control,
        )
        .await
        .unwrap();
        assert!(report.cancelled);
        assert!(report.moved >= 1 && report.moved < 60, "{}", report.moved);
        let written = std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
        assert_eq!(written, report.moved);
    }
}
