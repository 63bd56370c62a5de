//! Messages evscope holds hidden: received with a visibility timeout,
//! kept hidden while needed (the keeper extends the timeout before it runs
//! out), and made visible again at once when the holder is done, also when
//! it is dropped half-way (an interrupted browse): the guard then spawns
//! the release, and [`settle`] lets the program wait for it before exit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::queue::Queue;

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
}

/// The messages one browse, tail or drain holds, by MessageId.
#[derive(Debug)]
pub(crate) struct Held {
    queue: Arc<Queue>,
    visibility: u32,
    map: Mutex<HashMap<String, Hold>>,
}

impl Held {
    /// An empty hold on `queue`, hiding for `visibility` seconds at a time.
    pub fn new(queue: Arc<Queue>, visibility: u32) -> Arc<Held> {
        Arc::new(Held {
            queue,
            visibility: visibility.max(2),
            map: Mutex::new(HashMap::new()),
        })
    }

    /// The visibility timeout receives should use.
    pub fn visibility(&self) -> u32 {
        self.visibility
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Hold>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hold a just-received message. `false` when it was held already (a
    /// duplicate delivery or a re-receive): its receipt handle is updated.
    pub fn insert(&self, id: &str, receipt: &str, received_at: Instant) -> bool {
        let mut map = self.lock();
        let hold = Hold {
            receipt: receipt.to_string(),
            hidden_until: received_at + Duration::from_secs(u64::from(self.visibility)),
        };
        map.insert(id.to_string(), hold).is_none()
    }

    /// The current receipt handle of held messages, `None` for those not held.
    pub fn receipts(&self, ids: &[String]) -> Vec<Option<String>> {
        let map = self.lock();
        ids.iter()
            .map(|id| map.get(id).map(|h| h.receipt.clone()))
            .collect()
    }

    /// Stop holding these (they were deleted).
    pub fn forget(&self, ids: &[String]) {
        let mut map = self.lock();
        for id in ids {
            map.remove(id);
        }
    }

    /// How many are held now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Extend the holds that run out within half a visibility timeout.
    pub async fn extend_due(&self) {
        let now = Instant::now();
        let margin = Duration::from_secs(u64::from(self.visibility) / 2);
        let due: Vec<(String, String)> = self
            .lock()
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
        let mut map = self.lock();
        for (id, receipt) in &due {
            if let Some(hold) = map.get_mut(id) {
                if &hold.receipt == receipt {
                    hold.hidden_until = until;
                }
            }
        }
    }

    /// Make every held message visible again and stop holding them.
    /// Returns the ones that could not be released, with the reason.
    pub async fn release_all(&self) -> Vec<(String, String)> {
        let all: Vec<(String, String)> =
            self.lock().drain().map(|(id, h)| (id, h.receipt)).collect();
        if all.is_empty() {
            return Vec::new();
        }
        self.queue.change_visibility(&all, 0).await
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
                loop {
                    tokio::time::sleep(period).await;
                    held.extend_due().await;
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
