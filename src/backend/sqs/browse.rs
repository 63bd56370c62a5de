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
use super::hold::{Held, HoldGuard, Taken};
use super::max_hold::MaxHold;
use super::pace::Pacer;
use super::queue::Queue;
use crate::backend::{BackendError, Record};

/// Receive calls at once while browsing a standard queue.
const WIDTH: usize = 10;
/// A tail polls without waiting on the server, and pauses this long after
/// an empty poll. Not a long poll: when the session ends it must let its
/// poll finish before releasing (a poll dropped half-way stays open on the
/// server, which hands it the very messages released next, hidden again),
/// and a long poll would hold every release up for its whole wait. Two
/// requests a second while idle.
const TAIL_IDLE: std::time::Duration = std::time::Duration::from_millis(500);
/// The visibility timeout a tail's long poll asks for, in seconds; what it
/// gets is extended to the session's timeout at once. Should the session
/// be dropped during a poll, what the poll was handed is visible again
/// after this long, not after the full timeout.
const TAIL_HIDE: u32 = 3;
/// How long an ending session waits for its poll in flight.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

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
/// `visibility` seconds at a time; a live session (`max_hold` given)
/// bounds each hold and reports to the queue's board. Returns how many
/// events were handed over.
pub(crate) async fn session(
    queue: Arc<Queue>,
    visibility: u32,
    limit: Option<usize>,
    sink: mpsc::Sender<Vec<Record>>,
    mode: Mode,
    max_hold: Option<MaxHold>,
) -> Result<usize, BackendError> {
    let held = match max_hold {
        Some(max_hold) => Held::live(queue.clone(), visibility, max_hold),
        None => Held::new(queue.clone(), visibility),
    };
    let guard = HoldGuard::new(held);
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

/// Hold what a receive (hiding for `hidden_for` seconds) returned: the
/// events not handed over before, and the messages to put back at once
/// (let go by the bound moments ago).
fn take(
    queue: &Queue,
    held: &Held,
    messages: &[aws_sdk_sqs::types::Message],
    hidden_for: u32,
) -> (Vec<Record>, Vec<(String, String)>) {
    let now = chrono::Utc::now();
    let at = Instant::now();
    let mut records = Vec::new();
    let mut back = Vec::new();
    for m in messages {
        let (Some(id), Some(receipt)) = (m.message_id(), m.receipt_handle()) else {
            continue;
        };
        queue.board.observe(m);
        match held.insert(id, receipt, at, hidden_for) {
            Taken::New => records.push(Record::Event(Arc::new(to_event(
                m,
                &queue.uri,
                &queue.attrs,
                now,
            )))),
            Taken::TooSoon => back.push((id.to_string(), receipt.to_string())),
            Taken::Duplicate | Taken::Again => {}
        }
    }
    (records, back)
}

/// Await `call`, unless `sink` closes first: then wait at most STOP_WAIT
/// for it (what a receive in flight gets is held, and released with the
/// rest), and `None` when it takes longer (an endpoint gone: what it got,
/// if anything, comes back by itself).
async fn unless_stopped<T>(
    call: impl std::future::Future<Output = T>,
    sink: &mpsc::Sender<Vec<Record>>,
) -> Option<T> {
    tokio::pin!(call);
    tokio::select! {
        result = &mut call => Some(result),
        _ = sink.closed() => tokio::time::timeout(STOP_WAIT, call).await.ok(),
    }
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
        let Some(results) = unless_stopped(join_all(calls), sink).await else {
            break;
        };
        for (result, asked) in results.into_iter().zip(&asks) {
            let messages = result.map_err(|e| queue.error(e))?;
            short |= messages.len() < *asked;
            got += messages.len();
            let (taken, back) = take(queue, held, &messages, visibility);
            held.put_back(&back).await;
            records.extend(taken);
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

/// Long-poll for new messages until the sink closes. After the bound let
/// messages go, wait for the consumers' chance before receiving again.
async fn tail(
    queue: &Queue,
    held: &Held,
    sink: &mpsc::Sender<Vec<Record>>,
) -> Result<usize, BackendError> {
    let hide = TAIL_HIDE.min(held.visibility());
    let mut sent = 0usize;
    loop {
        if let Some(until) = held.paused_until() {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => {}
                _ = sink.closed() => break,
            }
        }
        // A closed sink ends the session once this poll is in (what it got
        // is held, and released with the rest), or after a second when the
        // endpoint does not answer (what it got comes back by itself after
        // TAIL_HIDE seconds).
        let receive = patiently(|| queue.receive(10, hide, 0));
        let Some(result) = unless_stopped(receive, sink).await else {
            break;
        };
        let messages = result.map_err(|e| queue.error(e))?;
        let (records, back) = take(queue, held, &messages, hide);
        held.put_back(&back).await;
        if sink.is_closed() {
            break;
        }
        if messages.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(TAIL_IDLE) => {}
                _ = sink.closed() => break,
            }
            continue;
        }
        held.extend_due().await;
        if !records.is_empty() {
            sent += records.len();
            if sink.send(records).await.is_err() {
                break;
            }
        }
    }
    Ok(sent)
}
