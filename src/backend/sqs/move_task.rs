//! SQS's own redrive: StartMessageMoveTask from a dead-letter queue back to
//! its source (at MaxNumberOfMessagesPerSecond when a rate is given),
//! followed with ListMessageMoveTasks until it ends, and stopped with
//! CancelMessageMoveTask when the user cancels. Where the endpoint lacks it
//! (moto), the caller falls back to the client-side move.

use std::time::Duration;

use super::client::Failure;
use super::queue::Queue;
use crate::backend::{BackendError, NativeMove, NativeMoveControl, NativeMoveProgress};

/// How often the task's progress is read.
const POLL: Duration = Duration::from_secs(1);
/// How often, between two reads, a cancel request is looked for.
const CANCEL_CHECK: Duration = Duration::from_millis(100);
/// How many reads after a cancel to wait for the task to say it stopped.
/// (LocalStack leaves a task that finished before the cancel reached it
/// `CANCELLING` for good: the count read then is the answer.)
const CANCEL_WAIT_POLLS: u32 = 30;

/// The fastest rate SQS accepts for a move task.
pub const MAX_RATE: u32 = 500;

/// Move every message of the DLQ `source` to `target`, which must be one of
/// its source queues, with a move task; with no `target`, SQS moves each
/// message back to the queue it was dead-lettered from.
pub(crate) async fn run(
    source: &Queue,
    target: Option<&Queue>,
    control: &NativeMoveControl<'_>,
) -> Result<NativeMove, BackendError> {
    let no_arns = || {
        Ok(NativeMove::Unavailable(
            "the endpoint does not report queue ARNs".into(),
        ))
    };
    let Some(source_arn) = &source.attrs.arn else {
        return no_arns();
    };
    let target_arn = match target {
        None => None,
        Some(target) => {
            let Some(target_arn) = &target.attrs.arn else {
                return no_arns();
            };
            if target.attrs.dlq_arn.as_deref() != Some(source_arn.as_str()) {
                return Ok(NativeMove::Unavailable(format!(
                    "{} is not the dead-letter queue of {}",
                    source.uri, target.uri
                )));
            }
            Some(target_arn.clone())
        }
    };
    if let Some(rate) = control.rate
        && !(1..=MAX_RATE).contains(&rate)
    {
        return Ok(NativeMove::Unavailable(format!(
            "a move task keeps 1 to {MAX_RATE} messages per second, not {rate}"
        )));
    }
    let started = source
        .conn
        .client
        .start_message_move_task()
        .source_arn(source_arn)
        .set_destination_arn(target_arn)
        .set_max_number_of_messages_per_second(control.rate.map(|r| r as i32))
        .send()
        .await;
    let handle = match started {
        Ok(out) => out.task_handle.unwrap_or_default(),
        Err(e) => {
            let error = source.call_error(&e, "starting a message move task");
            // Missing (moto answers with a bare 500), or refused for this
            // pair of queues: the client-side move still works. Lost access
            // or a vanished queue would stop that too.
            return match error.failure {
                Failure::Auth | Failure::NoQueue => Err(source.error(error)),
                _ => Ok(NativeMove::Unavailable(error.message)),
            };
        }
    };
    // Reads since the cancel was asked for, once it was, and whether SQS
    // took it: one it refused (a call lost under load) is asked again at
    // each read until it is taken or the task ends.
    let mut since_cancel: Option<u32> = None;
    let mut cancel_taken = false;
    let mut last = NativeMoveProgress {
        moved: 0,
        total: None,
        status: "RUNNING".into(),
    };
    loop {
        // Wait for the next read, looking for a cancel meanwhile.
        let mut waited = Duration::ZERO;
        while waited < POLL {
            if since_cancel.is_none() && (control.cancelled)() {
                since_cancel = Some(0);
                break;
            }
            tokio::time::sleep(CANCEL_CHECK).await;
            waited += CANCEL_CHECK;
        }
        // Asked at once, then again after each wait until SQS takes it.
        if since_cancel.is_some()
            && !cancel_taken
            && let Cancel::Taken(moved) = cancel(source, &handle).await?
        {
            cancel_taken = true;
            last.moved = last.moved.max(moved.unwrap_or(0));
        }
        if let Some(n) = &mut since_cancel {
            *n += 1;
            if *n > CANCEL_WAIT_POLLS {
                return Ok(NativeMove::Cancelled(last));
            }
        }
        let listed = source
            .conn
            .client
            .list_message_move_tasks()
            .source_arn(source_arn)
            .max_results(10)
            .send()
            .await
            .map_err(|e| source.error(source.call_error(&e, "reading the move task's progress")))?;
        let task = listed
            .results()
            .iter()
            .find(|t| handle.is_empty() || t.task_handle().is_none_or(|h| h == handle));
        let Some(task) = task else {
            continue;
        };
        let status = task.status().unwrap_or("UNKNOWN").to_string();
        let now = NativeMoveProgress {
            moved: u64::try_from(task.approximate_number_of_messages_moved()).unwrap_or(0),
            total: task
                .approximate_number_of_messages_to_move()
                .and_then(|n| u64::try_from(n).ok()),
            status: status.clone(),
        };
        (control.progress)(now.clone());
        last = now.clone();
        match status.as_str() {
            "COMPLETED" => return Ok(NativeMove::Done(now)),
            "CANCELLED" if since_cancel.is_some() => return Ok(NativeMove::Cancelled(now)),
            "FAILED" | "CANCELLED" => {
                return Err(BackendError::Remote {
                    uri: source.uri.clone(),
                    message: format!(
                        "the message move task {}: {} (moved {} so far; run the redrive again to move the rest)",
                        status.to_ascii_lowercase(),
                        task.failure_reason().unwrap_or("no reason given"),
                        now.moved
                    ),
                });
            }
            _ => {}
        }
    }
}

/// What asking SQS to stop a move task came to.
enum Cancel {
    /// SQS took it (with how many the task had moved, when it says), or
    /// there is no handle to ask with.
    Taken(Option<u64>),
    /// It was refused: the task is no longer running (the next read tells
    /// how it ended), or the call failed.
    Refused,
}

/// Ask SQS to stop the task `handle`. A refusal is no error.
async fn cancel(source: &Queue, handle: &str) -> Result<Cancel, BackendError> {
    if handle.is_empty() {
        return Ok(Cancel::Taken(None));
    }
    let cancelled = source
        .conn
        .client
        .cancel_message_move_task()
        .task_handle(handle)
        .send()
        .await;
    match cancelled {
        Ok(out) => Ok(Cancel::Taken(
            u64::try_from(out.approximate_number_of_messages_moved()).ok(),
        )),
        Err(e) => {
            let error = source.call_error(&e, "cancelling the message move task");
            match error.failure {
                Failure::Auth | Failure::NoQueue => Err(source.error(error)),
                _ => {
                    tracing::info!(uri = %source.uri, reason = %error.message, "the move task could not be cancelled");
                    Ok(Cancel::Refused)
                }
            }
        }
    }
}
