//! Sending events: SendMessageBatch, 10 entries (and at most 256 KiB) a
//! batch, many batches at once. A partly failed batch retries only its
//! failed entries, and only when the failure can pass (the server's fault,
//! throttling); a batch rejected as a whole for one bad entry is split so
//! the others still go. On a FIFO queue the batches of one message group
//! go one after the other, so the group keeps its order.

use std::time::Duration;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures::StreamExt;

use super::client::{Failure, entry_retryable, patiently};
use super::convert::{DEFAULT_GROUP, entry_size, to_entry};
use super::queue::{CONCURRENCY, Queue, entry_reason};
use crate::backend::SendOutcome;
use crate::model::Event;

/// Entries a batch holds at most.
const BATCH_ENTRIES: usize = 10;
/// Bytes a batch holds at most (SQS's classic payload limit).
const BATCH_BYTES: usize = 256 * 1024;
/// Attempts for an entry that failed for a passing reason.
const ENTRY_ATTEMPTS: usize = 3;

type Entry = (usize, SendMessageBatchRequestEntry);

/// Send `events` to `queue`; one outcome per event, in order.
pub(crate) async fn send(queue: &Queue, events: &[Event], keep_dedup_id: bool) -> Vec<SendOutcome> {
    let fifo = queue.attrs.fifo;
    let mut outcomes: Vec<Option<SendOutcome>> = vec![None; events.len()];
    let mut lanes: Vec<(String, Vec<Entry>)> = Vec::new();
    for (index, event) in events.iter().enumerate() {
        match to_entry(event, &index.to_string(), fifo, keep_dedup_id) {
            Ok(entry) => {
                let lane = if fifo {
                    entry
                        .message_group_id()
                        .unwrap_or(DEFAULT_GROUP)
                        .to_string()
                } else {
                    String::new()
                };
                match lanes.iter_mut().find(|(name, _)| *name == lane) {
                    Some((_, entries)) => entries.push((index, entry)),
                    None => lanes.push((lane, vec![(index, entry)])),
                }
            }
            Err(reason) => outcomes[index] = Some(Err(reason)),
        }
    }
    // Standard queue: every batch is a lane of its own. FIFO: one lane per
    // group, its batches in order.
    let lanes: Vec<Vec<Vec<Entry>>> = if fifo {
        lanes.into_iter().map(|(_, e)| batches(e)).collect()
    } else {
        lanes
            .into_iter()
            .flat_map(|(_, e)| batches(e))
            .map(|b| vec![b])
            .collect()
    };
    let results: Vec<Vec<(usize, SendOutcome)>> = futures::stream::iter(lanes)
        .map(|lane| async move {
            let mut out = Vec::new();
            for batch in lane {
                out.extend(send_batch(queue, batch).await);
            }
            out
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (index, outcome) in results.into_iter().flatten() {
        if let Some(slot) = outcomes.get_mut(index) {
            *slot = Some(outcome);
        }
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err("not sent (no outcome reported)".into())))
        .collect()
}

/// Cut entries into batches of at most 10 entries and 256 KiB, in order.
fn batches(entries: Vec<Entry>) -> Vec<Vec<Entry>> {
    let mut out: Vec<Vec<Entry>> = Vec::new();
    let mut bytes = 0usize;
    for entry in entries {
        let size = entry_size(&entry.1);
        match out.last_mut() {
            Some(last) if last.len() < BATCH_ENTRIES && bytes + size <= BATCH_BYTES => {
                bytes += size;
                last.push(entry);
            }
            _ => {
                bytes = size;
                out.push(vec![entry]);
            }
        }
    }
    out
}

/// Send one batch, retrying only failed entries that may pass.
async fn send_batch(queue: &Queue, batch: Vec<Entry>) -> Vec<(usize, SendOutcome)> {
    let mut out = Vec::new();
    let mut pending = batch;
    for attempt in 1..=ENTRY_ATTEMPTS {
        let entries: Vec<SendMessageBatchRequestEntry> =
            pending.iter().map(|(_, e)| e.clone()).collect();
        let result = patiently(|| {
            let entries = entries.clone();
            async move {
                queue
                    .conn
                    .client
                    .send_message_batch()
                    .queue_url(&queue.url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(|e| queue.call_error(&e, "sending messages"))
            }
        })
        .await;
        let response = match result {
            Ok(response) => response,
            Err(error) if pending.len() > 1 && error.failure == Failure::Rejected => {
                // One bad entry fails the whole call on some servers: send
                // each alone so the good ones go and the bad one is named.
                for entry in pending {
                    out.extend(send_alone(queue, entry).await);
                }
                return out;
            }
            Err(error) => {
                out.extend(
                    pending
                        .iter()
                        .map(|(i, _)| (*i, Err(error.message.clone()))),
                );
                return out;
            }
        };
        let mut retry = Vec::new();
        let mut reported = std::collections::HashSet::new();
        for ok in &response.successful {
            if let Some((index, _)) = pending.iter().find(|(_, e)| e.id() == ok.id) {
                reported.insert(*index);
                out.push((*index, Ok(ok.message_id.clone())));
            }
        }
        for failed in &response.failed {
            let Some(entry) = pending.iter().find(|(_, e)| e.id() == failed.id) else {
                continue;
            };
            reported.insert(entry.0);
            if attempt < ENTRY_ATTEMPTS && entry_retryable(failed.sender_fault, &failed.code) {
                retry.push(entry.clone());
            } else {
                out.push((
                    entry.0,
                    Err(entry_reason(&failed.code, failed.message.as_deref())),
                ));
            }
        }
        for (index, _) in pending.iter().filter(|(i, _)| !reported.contains(i)) {
            out.push((*index, Err("SQS did not report on this entry".into())));
        }
        if retry.is_empty() {
            return out;
        }
        pending = retry;
        tokio::time::sleep(Duration::from_millis(200 * attempt as u64)).await;
    }
    out
}

/// Send one entry as a batch of one; no further splitting.
async fn send_alone(queue: &Queue, entry: Entry) -> Vec<(usize, SendOutcome)> {
    let index = entry.0;
    let result = patiently(|| {
        let entry = entry.1.clone();
        async move {
            queue
                .conn
                .client
                .send_message_batch()
                .queue_url(&queue.url)
                .entries(entry)
                .send()
                .await
                .map_err(|e| queue.call_error(&e, "sending the message"))
        }
    })
    .await;
    let outcome = match result {
        Ok(response) => match (response.successful.first(), response.failed.first()) {
            (Some(ok), _) => Ok(ok.message_id.clone()),
            (None, Some(failed)) => Err(entry_reason(&failed.code, failed.message.as_deref())),
            (None, None) => Err("SQS did not report on this entry".into()),
        },
        Err(error) => Err(error.message),
    };
    vec![(index, outcome)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: usize, body_len: usize) -> Entry {
        let e = SendMessageBatchRequestEntry::builder()
            .id(i.to_string())
            .message_body("x".repeat(body_len))
            .build()
            .unwrap();
        (i, e)
    }

    #[test]
    fn batches_respect_count_and_size() {
        let small: Vec<Entry> = (0..25).map(|i| entry(i, 10)).collect();
        let sizes: Vec<usize> = batches(small).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10, 10, 5]);
        let big = vec![entry(0, 200 * 1024), entry(1, 100 * 1024), entry(2, 10)];
        let sizes: Vec<usize> = batches(big).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![1, 2]);
        let order: Vec<usize> = batches((0..12).map(|i| entry(i, 1)).collect())
            .into_iter()
            .flatten()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(order, (0..12).collect::<Vec<_>>());
    }
}
