//! What the live sessions of one queue hold (for `Backend::hold_status`),
//! and whether its messages look consumed by someone else.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::hold::Held;
use super::max_hold::MaxHold;
use crate::backend::{HoldStatus, Released};

/// What the live sessions of one queue hold, for [`HoldStatus`], and
/// whether its messages look consumed by someone else.
#[derive(Debug)]
pub(crate) struct Board {
    inner: Mutex<BoardInner>,
    /// When the queue was opened here.
    opened: chrono::DateTime<chrono::Utc>,
    /// A message first received by someone else shortly before was seen.
    consumed: AtomicBool,
}

#[derive(Debug, Default)]
struct BoardInner {
    live: Vec<Weak<Held>>,
    max_hold: Option<MaxHold>,
    let_go: u64,
    re_received: u64,
    ended: Option<Released>,
}

/// "Received recently": first received at most this long before the
/// queue was opened here.
const RECENT: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

impl Board {
    /// A board for a queue opened now.
    pub fn new() -> Board {
        Board {
            inner: Mutex::default(),
            opened: chrono::Utc::now(),
            consumed: AtomicBool::new(false),
        }
    }

    /// Note a received message: first received (by someone else) shortly
    /// before the queue was opened here means the queue looks consumed.
    pub fn observe(&self, message: &aws_sdk_sqs::types::Message) {
        let first = message
            .attributes()
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateFirstReceiveTimestamp)
            })
            .and_then(|v| v.trim().parse::<i64>().ok())
            .and_then(chrono::DateTime::from_timestamp_millis);
        if let Some(first) = first {
            if first < self.opened && first > self.opened - RECENT {
                self.consumed.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Whether a message first received by someone else within 15 minutes
    /// before the queue was opened here was seen.
    pub fn consumed_recently(&self) -> bool {
        self.consumed.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoardInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn register(&self, held: &Arc<Held>) {
        let mut inner = self.lock();
        inner.live.retain(|w| w.strong_count() > 0);
        inner.live.push(Arc::downgrade(held));
        inner.max_hold = Some(held.max_hold());
    }

    pub(crate) fn ended(&self, held: &Held, released: Released) {
        let (_, _, let_go, re_received) = held.snapshot();
        let mut inner = self.lock();
        inner
            .live
            .retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), held));
        inner.let_go += let_go;
        inner.re_received += re_received;
        inner.ended = Some(released);
    }

    /// What the queue's live sessions hold now; `None` when none ever ran.
    pub fn status(&self) -> Option<HoldStatus> {
        let inner = self.lock();
        let max_hold = inner.max_hold?;
        let mut status = HoldStatus {
            max_hold: max_hold.bound(),
            let_go: inner.let_go,
            re_received: inner.re_received,
            ended: inner.ended.clone(),
            ..HoldStatus::default()
        };
        for held in inner.live.iter().filter_map(Weak::upgrade) {
            let (n, longest, let_go, re_received) = held.snapshot();
            status.held += n;
            status.longest = status.longest.max(longest);
            status.let_go += let_go;
            status.re_received += re_received;
        }
        Some(status)
    }
}
