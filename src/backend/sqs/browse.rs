//! Browsing without harm: receive with a visibility timeout that hides what
//! was seen (so every receive returns new messages), dedupe by MessageId,
//! stop when the queue is drained or the limit is reached, then make every
//! seen message visible again at once. Tail and follow hold what they see
//! the same way until their sink closes, so no message is received twice
//! in one session.

use std::sync::Arc;

use futures::future::join_all;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::client::patiently;
use super::convert::to_event;
use super::hold::{Held, HoldGuard};
use super::pace::Pacer;
use super::queue::Queue;
use crate::backend::{BackendError, Record};

/// Receive calls at once while browsing a standard queue.
const WIDTH: usize = 10;
/// How long a tail's long poll waits, in seconds.
const TAIL_WAIT: u32 = 10;

/// What a session does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Page through what is there, then release it.
    Browse,
    /// Long-poll for new messages until the sink closes.
    Tail,
    /// Browse, then tail, holding everything until the sink closes.
    Follow,
}

/// Run a browse, tail or follow session on `queue`, holding messages for
/// `visibility` seconds at a time. Returns how many events were handed over.
pub(crate) async fn session(
    queue: Arc<Queue>,
    visibility: u32,
    limit: Option<usize>,
    sink: mpsc::Sender<Vec<Record>>,
    mode: Mode,
) -> Result<usize, BackendError> {
    let guard = HoldGuard::new(Held::new(queue.clone(), visibility));
    let held = guard.held().clone();
    let result = async {
        let mut sent = 0usize;
        if mode != Mode::Tail {
            sent = page(&queue, &held, limit, &sink).await?;
        }
        if mode != Mode::Browse && !sink.is_closed() {
            sent += tail(&queue, &held, &sink).await?;
        }
        Ok(sent)
    }
    .await;
    guard.release().await;
    result
}

/// Hold what a receive returned; the events not held before.
fn take(queue: &Queue, held: &Held, messages: &[aws_sdk_sqs::types::Message]) -> Vec<Record> {
    let now = chrono::Utc::now();
    let at = Instant::now();
    messages
        .iter()
        .filter(|m| match (m.message_id(), m.receipt_handle()) {
            (Some(id), Some(receipt)) => held.insert(id, receipt, at),
            _ => false,
        })
        .map(|m| Record::Event(Arc::new(to_event(m, &queue.uri, &queue.attrs, now))))
        .collect()
}

/// Page through the queue; how many events were handed over.
async fn page(
    queue: &Queue,
    held: &Held,
    limit: Option<usize>,
    sink: &mpsc::Sender<Vec<Record>>,
) -> Result<usize, BackendError> {
    let visibility = held.visibility();
    let mut pacer = Pacer::new(
        queue.attrs.visible,
        if queue.attrs.fifo { 1 } else { WIDTH },
    );
    let mut sent = 0usize;
    loop {
        let budget = limit.map_or(usize::MAX, |l| l.saturating_sub(sent));
        if budget == 0 {
            break;
        }
        let (width, wait) = pacer.next();
        let mut asks = Vec::new();
        let mut left = budget;
        while asks.len() < width && left > 0 {
            let n = left.min(10);
            asks.push(n);
            left -= n;
        }
        let calls = asks
            .iter()
            .map(|&n| patiently(move || queue.receive(n as i32, visibility, wait)));
        let mut records = Vec::new();
        let mut got = 0usize;
        let mut short = false;
        for (result, asked) in join_all(calls).await.into_iter().zip(&asks) {
            let messages = result.map_err(|e| queue.error(e))?;
            short |= messages.len() < *asked;
            got += messages.len();
            records.extend(take(queue, held, &messages));
        }
        if !records.is_empty() {
            sent += records.len();
            if sink.send(records).await.is_err() {
                break;
            }
        }
        if !pacer.record(got, short) {
            break;
        }
    }
    Ok(sent)
}

/// Long-poll for new messages until the sink closes.
async fn tail(
    queue: &Queue,
    held: &Held,
    sink: &mpsc::Sender<Vec<Record>>,
) -> Result<usize, BackendError> {
    let visibility = held.visibility();
    let mut sent = 0usize;
    loop {
        let receive = patiently(|| queue.receive(10, visibility, TAIL_WAIT));
        tokio::pin!(receive);
        let (result, closed) = tokio::select! {
            result = &mut receive => (result, false),
            _ = sink.closed() => (receive.await, true),
        };
        let messages = result.map_err(|e| queue.error(e))?;
        let records = take(queue, held, &messages);
        if closed {
            break;
        }
        if !records.is_empty() {
            sent += records.len();
            if sink.send(records).await.is_err() {
                break;
            }
        }
    }
    Ok(sent)
}
