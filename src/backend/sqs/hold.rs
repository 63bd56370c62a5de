//! Messages evscope holds hidden: received with a visibility timeout,
//! kept hidden while needed (the keeper extends the timeout before it runs
//! out), and made visible again at once when the holder is done, also when
//! it is dropped half-way (an interrupted browse): the guard then spawns
//! the release, and [`settle`] lets the program wait for it before exit.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::max_hold::{MaxHold, grace};
use super::queue::Queue;
use crate::backend::Released;

/// How long a release may take before the messages are left to come back
/// by themselves.
const RELEASE_PATIENCE: Duration = Duration::from_secs(3);

/// How often the keeper looks at the holds.
const KEEPER_TICK: Duration = Duration::from_millis(250);

/// Holders not yet released, across the process.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

fn notify() -> &'static Notify {
    static NOTIFY: std::sync::OnceLock<Notify> = std::sync::OnceLock::new();
    NOTIFY.get_or_init(Notify::new)
}

/// Wait until every holder has released its messages, or `timeout`.
pub async fn settle(timeout: Duration) {
    let wait = async {
        loop {
            let notified = notify().notified();
            if ACTIVE.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    };
    let _ = tokio::time::timeout(timeout, wait).await;
}

fn done_one() {
    ACTIVE.fetch_sub(1, Ordering::SeqCst);
    notify().notify_waiters();
}

#[derive(Debug, Clone)]
struct Hold {
    receipt: String,
    hidden_until: Instant,
    since: Instant,
}

/// What a receive of a message means to the session that holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Taken {
    /// Seen for the first time: hand it over.
    New,
    /// Held already (a duplicate delivery): its receipt is updated.
    Duplicate,
    /// Let go by the bound and still there after the consumers had a
    /// chance: held again, not handed over again.
    Again,
    /// Let go by the bound moments ago: the consumers have not had their
    /// chance yet; put it back at once, untouched.
    TooSoon,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<String, Hold>,
    /// Every MessageId handed over in this session.
    seen: HashSet<String>,
    /// Let go by the bound, and when.
    let_go: HashMap<String, Instant>,
    /// No receives until then: the consumers' chance.
    pause_until: Option<Instant>,
    let_go_total: u64,
    re_received: u64,
}

/// The messages one browse, tail or drain holds, by MessageId.
#[derive(Debug)]
pub(crate) struct Held {
    queue: Arc<Queue>,
    visibility: u32,
    max_hold: MaxHold,
    /// A live session reports to its queue's board.
    live: bool,
    inner: Mutex<Inner>,
}

impl Held {
    /// An empty hold on `queue`, hiding for `visibility` seconds at a time,
    /// for as long as needed.
    pub fn new(queue: Arc<Queue>, visibility: u32) -> Arc<Held> {
        Held::build(queue, visibility, MaxHold::Forever, false)
    }

    /// An empty hold of a live session: bounded by `max_hold`, reporting
    /// to the queue's board.
    pub fn live(queue: Arc<Queue>, visibility: u32, max_hold: MaxHold) -> Arc<Held> {
        Held::build(queue, visibility, max_hold, true)
    }

    fn build(queue: Arc<Queue>, visibility: u32, max_hold: MaxHold, live: bool) -> Arc<Held> {
        let held = Arc::new(Held {
            queue,
            visibility: visibility.max(2),
            max_hold,
            live,
            inner: Mutex::new(Inner::default()),
        });
        if live {
            held.queue.board.register(&held);
        }
        held
    }

    /// The visibility timeout receives should use.
    pub fn visibility(&self) -> u32 {
        self.visibility
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hold a message just received with a visibility timeout of
    /// `hidden_for` seconds, and say what it means (see [`Taken`]).
    pub fn insert(&self, id: &str, receipt: &str, received_at: Instant, hidden_for: u32) -> Taken {
        let mut inner = self.lock();
        let hidden_until = received_at + Duration::from_secs(u64::from(hidden_for));
        if let Some(hold) = inner.map.get_mut(id) {
            hold.receipt = receipt.to_string();
            hold.hidden_until = hidden_until;
            return Taken::Duplicate;
        }
        let mut taken = Taken::New;
        if let Some(&at) = inner.let_go.get(id) {
            let bound = self.max_hold.bound().unwrap_or_default();
            if received_at < at + grace(bound) {
                return Taken::TooSoon;
            }
            inner.let_go.remove(id);
            inner.re_received += 1;
            taken = Taken::Again;
        } else if !inner.seen.insert(id.to_string()) {
            taken = Taken::Again;
        }
        inner.map.insert(
            id.to_string(),
            Hold {
                receipt: receipt.to_string(),
                hidden_until,
                since: received_at,
            },
        );
        taken
    }

    /// The current receipt handle of held messages, `None` for those not held.
    pub fn receipts(&self, ids: &[String]) -> Vec<Option<String>> {
        let inner = self.lock();
        ids.iter()
            .map(|id| inner.map.get(id).map(|h| h.receipt.clone()))
            .collect()
    }

    /// Stop holding these (they were deleted).
    pub fn forget(&self, ids: &[String]) {
        let mut inner = self.lock();
        for id in ids {
            inner.map.remove(id);
        }
    }

    /// How many are held now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Until when receives wait: the consumers' chance after the bound let
    /// messages go.
    pub fn paused_until(&self) -> Option<Instant> {
        self.lock().pause_until.filter(|&t| t > Instant::now())
    }

    /// The bound on each hold.
    pub fn max_hold(&self) -> MaxHold {
        self.max_hold
    }

    /// What this session holds now: (held, longest, let go, re-received).
    pub(crate) fn snapshot(&self) -> (usize, Duration, u64, u64) {
        let inner = self.lock();
        let now = Instant::now();
        let longest = inner
            .map
            .values()
            .map(|h| now.saturating_duration_since(h.since))
            .max()
            .unwrap_or_default();
        (
            inner.map.len(),
            longest,
            inner.let_go_total,
            inner.re_received,
        )
    }

    /// Make visible again, at once, the messages held for `max_hold`, and
    /// give the consumers their chance before the next receive.
    pub async fn let_go_due(&self) {
        let Some(bound) = self.max_hold.bound() else {
            return;
        };
        let now = Instant::now();
        let due: Vec<(String, String)> = {
            let mut inner = self.lock();
            let ids: Vec<String> = inner
                .map
                .iter()
                .filter(|(_, h)| now.saturating_duration_since(h.since) >= bound)
                .map(|(id, _)| id.clone())
                .collect();
            let due: Vec<(String, String)> = ids
                .into_iter()
                .filter_map(|id| inner.map.remove(&id).map(|h| (id, h.receipt)))
                .collect();
            if !due.is_empty() {
                inner.pause_until = Some(now + grace(bound));
                for (id, _) in &due {
                    inner.let_go.insert(id.clone(), now);
                }
            }
            due
        };
        if due.is_empty() {
            return;
        }
        let failed = self.queue.change_visibility(&due, 0).await;
        // One that failed comes back by itself when its timeout runs out.
        self.lock().let_go_total += (due.len() - failed.len()) as u64;
    }

    /// Put back at once messages received too soon after they were let go.
    pub async fn put_back(&self, messages: &[(String, String)]) {
        if !messages.is_empty() {
            let _ = self.queue.change_visibility(messages, 0).await;
        }
    }

    /// Extend the holds that run out within half a visibility timeout.
    pub async fn extend_due(&self) {
        let now = Instant::now();
        let margin = Duration::from_secs(u64::from(self.visibility) / 2);
        let due: Vec<(String, String)> = self
            .lock()
            .map
            .iter()
            .filter(|(_, h)| h.hidden_until <= now + margin)
            .map(|(id, h)| (id.clone(), h.receipt.clone()))
            .collect();
        if due.is_empty() {
            return;
        }
        // A hold that cannot be extended (the handle went stale) is left
        // as it is: a re-receive updates it, and a delete reports it.
        let _ = self.queue.change_visibility(&due, self.visibility).await;
        let until = now + Duration::from_secs(u64::from(self.visibility));
        let mut inner = self.lock();
        for (id, receipt) in &due {
            if let Some(hold) = inner.map.get_mut(id) {
                if &hold.receipt == receipt {
                    hold.hidden_until = until;
                }
            }
        }
    }

    /// Make every held message visible again and stop holding them.
    /// Returns the ones that could not be released, with the reason; a
    /// live session reports the outcome to its board.
    pub async fn release_all(&self) -> Vec<(String, String)> {
        let all: Vec<(String, String)> = self
            .lock()
            .map
            .drain()
            .map(|(id, h)| (id, h.receipt))
            .collect();
        let failed = if all.is_empty() {
            Vec::new()
        } else {
            // Letting go must be fast: an endpoint that is gone gets a few
            // seconds, not a move's patience; the messages then come back
            // by themselves when their visibility timeout runs out.
            match tokio::time::timeout(RELEASE_PATIENCE, self.queue.change_visibility(&all, 0))
                .await
            {
                Ok(failed) => failed,
                Err(_) => {
                    let why = format!(
                        "no answer from SQS at {} within {} s",
                        self.queue.conn.target,
                        RELEASE_PATIENCE.as_secs()
                    );
                    all.iter()
                        .map(|(id, _)| (id.clone(), why.clone()))
                        .collect()
                }
            }
        };
        if self.live {
            let released = Released {
                released: all.len() - failed.len(),
                failed: failed.len(),
                reason: failed.first().map(|(_, why)| why.clone()),
                back_within: Duration::from_secs(u64::from(self.visibility)),
            };
            self.queue.board.ended(self, released);
        }
        failed
    }
}

/// Keeps a [`Held`] alive: extends its holds in the background, and
/// releases them when told to or when dropped.
#[derive(Debug)]
pub(crate) struct HoldGuard {
    held: Arc<Held>,
    keeper: Option<JoinHandle<()>>,
    released: bool,
}

impl HoldGuard {
    /// Start keeping `held`.
    pub fn new(held: Arc<Held>) -> HoldGuard {
        ACTIVE.fetch_add(1, Ordering::SeqCst);
        let period = Duration::from_secs(u64::from(held.visibility).max(3) / 3);
        let keeper = {
            let held = held.clone();
            tokio::spawn(async move {
                // Ticks often enough to keep the bound to the quarter second.
                let mut tick = tokio::time::interval(KEEPER_TICK);
                let mut extended = Instant::now();
                loop {
                    tick.tick().await;
                    held.let_go_due().await;
                    if extended.elapsed() >= period {
                        extended = Instant::now();
                        held.extend_due().await;
                    }
                }
            })
        };
        HoldGuard {
            held,
            keeper: Some(keeper),
            released: false,
        }
    }

    /// The holds.
    pub fn held(&self) -> &Arc<Held> {
        &self.held
    }

    /// Release every hold now; returns what could not be released.
    pub async fn release(mut self) -> Vec<(String, String)> {
        if let Some(keeper) = self.keeper.take() {
            keeper.abort();
        }
        let failed = self.held.release_all().await;
        self.released = true;
        done_one();
        failed
    }
}

impl Drop for HoldGuard {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        if let Some(keeper) = self.keeper.take() {
            keeper.abort();
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let held = self.held.clone();
                runtime.spawn(async move {
                    held.release_all().await;
                    done_one();
                });
            }
            Err(_) => done_one(),
        }
    }
}
