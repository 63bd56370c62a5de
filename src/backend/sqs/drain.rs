//! The source side of a move: receive with a visibility timeout, hold the
//! messages (extending the timeout while a long move is under way), delete
//! exactly the ones whose send was confirmed, and make the rest visible
//! again at the end.
//!
//! A receipt handle goes stale when a message's visibility runs out and it
//! is received again. The keeper extends holds before that happens; if a
//! message is received again anyway (the network was cut for longer than
//! the timeout), its hold takes the new handle and it is not handed out a
//! second time. A delete that still fails is reported for that message: it
//! was sent and remains in the source, a duplicate, never a gap.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use futures::StreamExt;
use futures::future::join_all;
use tokio::time::Instant;

use super::client::patiently;
use super::convert::to_event;
use super::hold::{Held, HoldGuard};
use super::pace::Pacer;
use super::queue::{Queue, entry_reason};
use crate::backend::{BackendError, Drain, LeaseId, Leased, Removed, keyed_in_order};

/// Receive calls at once while draining a standard queue.
const WIDTH: usize = 10;
/// DeleteMessageBatch calls at once. One: moto rebuilds a queue's message
/// list on delete without a lock, so concurrent deletes on one queue can
/// bring deleted messages back (duplicates after a move). Sends and
/// receives stay concurrent; the number of calls is the same.
const DELETE_CONCURRENCY: usize = 1;

/// Draining one queue.
pub(crate) struct SqsDrain {
    queue: Arc<Queue>,
    guard: Option<HoldGuard>,
    held: Arc<Held>,
    /// Lease → MessageId, for every message handed out.
    leases: HashMap<LeaseId, String>,
    handed: HashSet<String>,
    next_lease: LeaseId,
    pacer: Pacer,
    drained: bool,
    /// Until when to wait for messages hidden by someone else (a receive
    /// whose answer was lost, another consumer) to become visible again.
    late_until: Option<Instant>,
    /// Rounds left to receive messages the queue counts as visible after a
    /// receive came back short (see [`Late::Visible`]).
    visible_rounds: u8,
}

impl SqsDrain {
    /// Start draining `queue`, holding for `visibility` seconds at a time.
    pub fn new(queue: Arc<Queue>, visibility: u32) -> SqsDrain {
        let held = Held::new(queue.clone(), visibility);
        let width = if queue.attrs.fifo { 1 } else { WIDTH };
        let pacer = Pacer::new(queue.attrs.visible, width);
        SqsDrain {
            guard: Some(HoldGuard::new(held.clone())),
            held,
            queue,
            leases: HashMap::new(),
            handed: HashSet::new(),
            next_lease: 0,
            pacer,
            drained: false,
            late_until: None,
            visible_rounds: VISIBLE_ROUNDS,
        }
    }
}

impl SqsDrain {
    /// The queue looks drained: if it still has messages in flight that
    /// this drain does not hold, wait (once, at most a visibility timeout)
    /// for them to come back, by long polling; if it counts messages as
    /// visible, receive again (a few rounds at most). `true` to keep
    /// receiving.
    async fn expect_late(&mut self, visibility: u32) -> Result<bool, BackendError> {
        let attrs = self
            .queue
            .attributes()
            .await
            .map_err(|e| self.queue.error(e))?;
        let keep_receiving = match Late::of(attrs.in_flight, attrs.visible, self.held.len() as u64)
        {
            Late::Nothing => false,
            Late::Visible => {
                let left = self.visible_rounds > 0;
                self.visible_rounds = self.visible_rounds.saturating_sub(1);
                left
            }
            Late::InFlight => {
                let now = Instant::now();
                let deadline = *self
                    .late_until
                    .get_or_insert(now + Duration::from_secs(u64::from(visibility) + 5));
                now < deadline
            }
        };
        if keep_receiving {
            self.pacer = Pacer::waiting();
        }
        Ok(keep_receiving)
    }
}

/// Receive rounds a drain makes for messages the queue counts as visible
/// once a receive came back short: the counts are approximate (and lag on
/// AWS), so a few rounds, not a wait.
const VISIBLE_ROUNDS: u8 = 2;

/// What may still come once a receive came back short.
#[derive(Debug, PartialEq, Eq)]
enum Late {
    /// Messages hidden by someone else (a killed run, a receive whose
    /// answer was lost): wait for their visibility timeout to run out.
    InFlight,
    /// Messages visible again: their visibility timeout ran out between
    /// the receive and the count (a killed run's messages come back so).
    Visible,
    /// Nothing: the drain holds every message in flight.
    Nothing,
}

impl Late {
    fn of(in_flight: u64, visible: u64, held: u64) -> Late {
        if in_flight > held {
            Late::InFlight
        } else if visible > 0 {
            Late::Visible
        } else {
            Late::Nothing
        }
    }
}

#[async_trait]
impl Drain for SqsDrain {
    async fn next_batch(&mut self) -> Result<Vec<Leased>, BackendError> {
        let queue = self.queue.clone();
        let visibility = self.held.visibility();
        while !self.drained {
            let (width, wait) = self.pacer.next();
            let calls = (0..width).map(|_| patiently(|| queue.receive(10, visibility, wait)));
            let now = chrono::Utc::now();
            let mut batch = Vec::new();
            let mut got = 0usize;
            let mut short = false;
            for result in join_all(calls).await {
                let messages = result.map_err(|e| queue.error(e))?;
                let at = Instant::now();
                short |= messages.len() < 10;
                got += messages.len();
                for message in &messages {
                    let (Some(id), Some(receipt)) =
                        (message.message_id(), message.receipt_handle())
                    else {
                        continue;
                    };
                    self.held.insert(id, receipt, at, visibility);
                    if !self.handed.insert(id.to_string()) {
                        // Received again: the hold now has the new handle.
                        continue;
                    }
                    let lease = self.next_lease;
                    self.next_lease += 1;
                    self.leases.insert(lease, id.to_string());
                    batch.push(Leased {
                        lease,
                        event: to_event(message, &queue.uri, &queue.attrs, now),
                    });
                }
            }
            self.drained = !self.pacer.record(got, short);
            if self.drained {
                self.drained = !self.expect_late(visibility).await?;
            }
            if !batch.is_empty() {
                return Ok(batch);
            }
        }
        Ok(Vec::new())
    }

    async fn remove(&mut self, leases: &[LeaseId]) -> Result<Vec<Removed>, BackendError> {
        let mut outcomes: Vec<Result<(), String>> = vec![Ok(()); leases.len()];
        let mut targets: Vec<(usize, String, String)> = Vec::new();
        for (slot, lease) in leases.iter().enumerate() {
            let Some(id) = self.leases.get(lease) else {
                outcomes[slot] = Err(format!("lease {lease} was not handed out by this drain"));
                continue;
            };
            match self.held.receipts(std::slice::from_ref(id)).pop().flatten() {
                Some(receipt) => targets.push((slot, id.clone(), receipt)),
                None => outcomes[slot] = Err(format!("{id} is no longer held by this drain")),
            }
        }
        let queue = self.queue.clone();
        let chunks: Vec<Vec<(usize, String, String)>> =
            targets.chunks(10).map(<[_]>::to_vec).collect();
        let calls = chunks.into_iter().map(|chunk| {
            let queue = queue.clone();
            async move {
                let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, _, receipt))| {
                        DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(receipt)
                            .build()
                            .ok()
                    })
                    .collect();
                let result = patiently(|| {
                    let entries = entries.clone();
                    let queue = queue.clone();
                    async move {
                        queue
                            .conn
                            .client
                            .delete_message_batch()
                            .queue_url(&queue.url)
                            .set_entries(Some(entries))
                            .send()
                            .await
                            .map_err(|e| queue.call_error(&e, "deleting moved messages"))
                    }
                })
                .await;
                let mut out: Vec<(usize, String, Result<(), String>)> = Vec::new();
                match result {
                    Ok(response) => {
                        let failed: HashMap<&str, String> = response
                            .failed
                            .iter()
                            .map(|f| (f.id.as_str(), entry_reason(&f.code, f.message.as_deref())))
                            .collect();
                        for (i, (slot, id, _)) in chunk.iter().enumerate() {
                            let key = i.to_string();
                            let outcome = match failed.get(key.as_str()) {
                                Some(reason) => Err(reason.clone()),
                                None if response.successful.iter().any(|s| s.id == key) => Ok(()),
                                None => Err("SQS did not report on this delete".into()),
                            };
                            out.push((*slot, id.clone(), outcome));
                        }
                    }
                    Err(error) => {
                        for (slot, id, _) in &chunk {
                            out.push((*slot, id.clone(), Err(error.message.clone())));
                        }
                    }
                }
                out
            }
        });
        let results: Vec<_> = futures::stream::iter(calls)
            .buffer_unordered(DELETE_CONCURRENCY)
            .collect()
            .await;
        let mut gone = Vec::new();
        for (slot, id, outcome) in results.into_iter().flatten() {
            if outcome.is_ok() {
                gone.push(id);
            }
            outcomes[slot] = outcome;
        }
        self.held.forget(&gone);
        Ok(keyed_in_order(leases, outcomes))
    }

    async fn finish(mut self: Box<Self>) -> Result<(), BackendError> {
        if let Some(guard) = self.guard.take() {
            // What cannot be released becomes visible by itself when its
            // visibility timeout runs out.
            guard.release().await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Late;

    #[test]
    fn a_short_receive_waits_for_what_others_hold_and_receives_what_came_back() {
        assert_eq!(Late::of(100, 0, 20), Late::InFlight);
        assert_eq!(Late::of(100, 5, 20), Late::InFlight);
        // A killed run's hold ran out between the receive and the count.
        assert_eq!(Late::of(20, 100, 20), Late::Visible);
        assert_eq!(Late::of(20, 0, 20), Late::Nothing);
        assert_eq!(Late::of(0, 0, 0), Late::Nothing);
    }
}
