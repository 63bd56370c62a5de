//! SQS's own redrive: StartMessageMoveTask from a dead-letter queue back to
//! its source, followed with ListMessageMoveTasks until it ends. Where the
//! endpoint lacks it (moto), the caller falls back to the client-side move.

use std::time::Duration;

use super::client::Failure;
use super::queue::Queue;
use crate::backend::{BackendError, NativeMove, NativeMoveProgress};

/// How often the task's progress is read.
const POLL: Duration = Duration::from_secs(1);

/// Move every message of the DLQ `source` to `target`, which must be one of
/// its source queues, with a move task; with no `target`, SQS moves each
/// message back to the queue it was dead-lettered from.
pub(crate) async fn run(
    source: &Queue,
    target: Option<&Queue>,
    progress: &(dyn Fn(NativeMoveProgress) + Send + Sync),
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
    let started = source
        .conn
        .client
        .start_message_move_task()
        .source_arn(source_arn)
        .set_destination_arn(target_arn)
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
    loop {
        tokio::time::sleep(POLL).await;
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
        progress(now.clone());
        match status.as_str() {
            "COMPLETED" => return Ok(NativeMove::Done(now)),
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
