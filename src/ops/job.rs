//! What operations share: which events to act on, progress, cancel, report.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

use crate::model::Event;
use crate::scan::Scanner;

/// Which events an operation acts on: those the scanner's filter keeps and,
/// when `ids` is set, only those ids.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Inspects events and applies the filter.
    pub scanner: Scanner,
    /// Only these event ids, when set.
    pub ids: Option<BTreeSet<String>>,
}

impl Selection {
    /// Whether `event` is selected. `expect_json`: its source promises a
    /// JSON body ([`crate::backend::Record::expects_json`]), so the filter
    /// sees the same problems as `peek` does.
    pub fn selects(&self, event: &Event, expect_json: bool) -> bool {
        if let Some(ids) = &self.ids {
            if !ids.contains(&event.id) {
                return false;
            }
        }
        let body = event.body();
        let mut document = self.scanner.inspect(event.clone(), body, expect_json);
        self.scanner.keeps(&mut document)
    }
}

/// Where an operation stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Events looked at so far.
    pub seen: usize,
    /// Events sent (and, for a redrive, removed) so far.
    pub done: usize,
    /// Events that failed so far.
    pub failed: usize,
    /// Events to act on, when known in advance.
    pub total: Option<usize>,
    /// How long until the end, when it can be told (a paced replay knows
    /// its schedule; otherwise the pace so far is assumed to hold).
    pub eta: Option<std::time::Duration>,
}

impl Progress {
    /// `ETA 1m 20s`-style words for the time left, when known.
    pub fn eta_words(&self) -> Option<String> {
        let secs = self.eta?.as_secs();
        Some(match secs {
            0..60 => format!("ETA {secs}s"),
            60..3600 => format!("ETA {}m {:02}s", secs / 60, secs % 60),
            _ => format!("ETA {}h {:02}m", secs / 3600, secs % 3600 / 60),
        })
    }
}

/// Cancel flag and progress channel of one running operation.
#[derive(Debug, Clone)]
pub struct JobControl {
    cancelled: Arc<AtomicBool>,
    progress: Arc<watch::Sender<Progress>>,
}

impl Default for JobControl {
    fn default() -> Self {
        Self::new()
    }
}

impl JobControl {
    /// A fresh, uncancelled job.
    pub fn new() -> Self {
        JobControl {
            cancelled: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(watch::channel(Progress::default()).0),
        }
    }

    /// Ask the operation to stop after the batch in flight.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether cancel was asked.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Follow the progress.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    pub(super) fn report(&self, progress: Progress) {
        self.progress.send_replace(progress);
    }
}

/// The exact outcome of an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Events sent to the target (and removed from the source, for a redrive).
    pub moved: usize,
    /// Events that failed, with the reason: `(event id, reason)`.
    pub failed: Vec<(String, String)>,
    /// Events looked at but not selected.
    pub skipped: usize,
    /// Redrive only: sent, but removing them from the source failed, so
    /// they now exist in both places: `(event id, reason)`.
    pub duplicated: Vec<(String, String)>,
    /// Dry runs: the ids that would be acted on.
    pub planned: Vec<String>,
    /// The ids the target gave the events it took: `(event id, new id)`.
    pub sent: Vec<(String, String)>,
    /// Redrive and delete: the ids of the events taken out of the source.
    pub removed: Vec<String>,
    /// What the source holds but could not read (unreadable capture
    /// lines), each naming where it is and why; they stay in the source.
    pub unreadable: Vec<String>,
    /// Whether the operation stopped early because it was cancelled.
    pub cancelled: bool,
    /// Why the operation stopped early after it had started (a backend
    /// failed midway, say the broker went away). Events it had not reached
    /// are still in the source.
    pub stopped: Option<String>,
    /// What the source held before and after the walk, when its backend
    /// counts it (a Pulsar subscription's backlog).
    pub account: Option<crate::backend::Account>,
}

impl Report {
    /// Log the outcome counts of `operation` on `uri` (`-v`).
    pub fn log_outcome(&self, operation: &str, uri: &str) {
        tracing::info!(operation, uri, done = self.moved, failed = self.failed.len(), duplicated = self.duplicated.len(), skipped = self.skipped, planned = self.planned.len(), cancelled = self.cancelled, stopped = ?self.stopped, "outcome");
    }

    /// Whether every selected event made it.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty()
            && self.duplicated.is_empty()
            && self.unreadable.is_empty()
            && !self.cancelled
            && self.stopped.is_none()
            && self.unaccounted() == 0
            && self.vanished() == 0
    }

    /// Events that were in the source before the walk and are neither
    /// moved nor still there (a backend that removed more than it was
    /// asked to): counted by the backend, 0 when it cannot count.
    pub fn vanished(&self) -> u64 {
        self.account.map_or(0, |a| {
            a.before
                .unwrap_or(0)
                .saturating_sub(self.moved as u64 + a.left_behind)
        })
    }

    /// Events still in the source that the walk never got to (so neither
    /// skipped, failed nor sent-and-kept): counted by the backend after the
    /// walk, 0 when it cannot count.
    pub fn unaccounted(&self) -> u64 {
        let explained = self.skipped + self.failed.len() + self.duplicated.len();
        self.account
            .map_or(0, |a| a.left_behind.saturating_sub(explained as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Account;

    #[test]
    fn a_counted_source_accounts_for_every_event() {
        let mut report = Report {
            moved: 90,
            skipped: 3,
            failed: vec![("a".into(), "x".into())],
            account: Some(Account {
                before: Some(100),
                left_behind: 10,
            }),
            ..Report::default()
        };
        // 3 skipped + 1 failed explain 4 of the 10 left behind.
        assert_eq!(report.unaccounted(), 6);
        assert_eq!(report.vanished(), 0);
        // Moved and still there fall short of what was there before.
        report.account = Some(Account {
            before: Some(100),
            left_behind: 4,
        });
        assert_eq!(report.unaccounted(), 0);
        assert_eq!(report.vanished(), 6);
        assert!(!report.is_clean());
        report.account = None;
        assert_eq!(report.unaccounted() + report.vanished(), 0);
    }
}
