//! Turning records into inspected, filtered documents: the one pipeline the
//! CLI, the TUI and the operations share. Batches are processed on every
//! core, in order.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::backend::Record;
use crate::capture::{Document, LineError};
use crate::filter::Filter;
use crate::inspect::{Inspection, Inspector};
use crate::model::{Body, Event};

/// Inspects and filters events.
#[derive(Debug, Clone)]
pub struct Scanner {
    inspector: Inspector,
    filter: Option<Filter>,
    now: DateTime<Utc>,
}

impl Scanner {
    /// A scanner inspecting with `inspector` as of `now`, keeping the events
    /// `filter` matches (all when `None` or a match-all filter).
    pub fn new(inspector: Inspector, filter: Option<Filter>, now: DateTime<Utc>) -> Self {
        let filter = filter.filter(|f| !f.is_match_all());
        Scanner {
            inspector,
            filter,
            now,
        }
    }

    /// Whether events are filtered (so a count of events read is not a
    /// count of events kept).
    pub fn has_filter(&self) -> bool {
        self.filter.is_some()
    }

    /// The inspector in use.
    pub fn inspector(&self) -> &Inspector {
        &self.inspector
    }

    /// Inspect one decoded event. `expect_json` says whether the source
    /// promises JSON bodies.
    pub fn inspect(&self, event: Event, body: Body, expect_json: bool) -> Document {
        let inspection = self.inspector.inspect(&event, &body, self.now, expect_json);
        Document::new(event, body, inspection)
    }

    /// Whether a document passes the filter.
    pub fn keeps(&self, document: &mut Document) -> bool {
        match &self.filter {
            None => true,
            Some(filter) => document.with_value(|doc| filter.matches(doc)),
        }
    }

    /// Decode, inspect and filter one record: `Ok(None)` when filtered out.
    pub fn scan(&self, record: &Record) -> Result<Option<Document>, LineError> {
        if let (Some(filter), Record::Line { .. }) = (&self.filter, record) {
            if !filter.might_match(record.bytes()) {
                return Ok(None);
            }
        }
        let expect_json = record.expects_json();
        let (event, body) = record.decode()?;
        if self
            .filter
            .as_ref()
            .is_some_and(|f| !f.reads_derived_fields())
        {
            // The filter reads no facet: inspect only the events it keeps.
            let mut document = Document::new(event, body, Inspection::default());
            if !self.keeps(&mut document) {
                return Ok(None);
            }
            document.inspection =
                self.inspector
                    .inspect(&document.event, &document.body, self.now, expect_json);
            return Ok(Some(document));
        }
        let mut document = self.inspect(event, body, expect_json);
        Ok(self.keeps(&mut document).then_some(document))
    }

    /// [`Scanner::scan`] over a batch on every core, each kept document
    /// turned into a `T` by `map` (on the same core); results in input order.
    /// `None` when `stop` was set before the batch was done (see
    /// [`par_until`]).
    pub fn scan_batch<T: Send>(
        &self,
        records: &[Record],
        stop: &AtomicBool,
        map: impl Fn(Document) -> T + Sync,
    ) -> Option<Vec<Result<Option<T>, LineError>>> {
        par_until(records, &|| stop.load(Ordering::Relaxed), |r| {
            self.scan(r).map(|kept| kept.map(&map))
        })
    }
}

/// `each` on every record, on every core, results in input order; `None`
/// as soon as `stop` answers true. `stop` is asked before each record, so a
/// scan ends within one event's work of being told to (an event's filter
/// work is bounded: see [`crate::filter::REGEX_SUBJECT_LIMIT`]).
pub fn par_until<T: Send>(
    records: &[Record],
    stop: &(dyn Fn() -> bool + Sync),
    each: impl Fn(&Record) -> T + Sync,
) -> Option<Vec<T>> {
    records
        .par_iter()
        .map(|record| if stop() { None } else { Some(each(record)) })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn lines(n: usize) -> Vec<Record> {
        let text: String = (0..n)
            .map(|i| format!("{{\"id\":\"{i}\",\"body\":{{}}}}\n"))
            .collect();
        let file = std::sync::Arc::new(crate::capture::CaptureFile::from_bytes(
            text.into_bytes(),
            "test",
        ));
        (0..n)
            .map(|index| Record::Line {
                file: file.clone(),
                index,
            })
            .collect()
    }

    #[test]
    fn a_stop_flag_ends_a_scan_after_few_events() {
        let records = lines(20_000);
        let stop = AtomicBool::new(false);
        let done = AtomicUsize::new(0);
        let out = par_until(&records, &|| stop.load(Ordering::SeqCst), |_| {
            if done.fetch_add(1, Ordering::SeqCst) + 1 >= 5 {
                stop.store(true, Ordering::SeqCst);
            }
        });
        assert!(out.is_none());
        // Each core finishes the event in hand, no more.
        let done = done.load(Ordering::SeqCst);
        assert!(done < 5 + 2 * rayon::current_num_threads(), "{done} events");
    }

    #[test]
    fn scan_batch_stops_when_asked_and_runs_otherwise() {
        let scanner = Scanner::new(Inspector::with_defaults(), None, Utc::now());
        let records = lines(100);
        let go = AtomicBool::new(false);
        let all = scanner.scan_batch(&records, &go, |d| d.event.id).unwrap();
        assert_eq!(all.len(), 100);
        assert!(all.iter().all(|r| matches!(r, Ok(Some(_)))));
        let stop = AtomicBool::new(true);
        assert!(
            scanner
                .scan_batch(&records, &stop, |d| d.event.id)
                .is_none()
        );
    }
}
