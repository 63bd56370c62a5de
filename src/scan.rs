//! Turning records into inspected, filtered documents: the one pipeline the
//! CLI, the TUI and the operations share. Batches are processed on every
//! core, in order.

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
    pub fn scan_batch<T: Send>(
        &self,
        records: &[Record],
        map: impl Fn(Document) -> T + Sync,
    ) -> Vec<Result<Option<T>, LineError>> {
        records
            .par_iter()
            .map(|r| self.scan(r).map(|kept| kept.map(&map)))
            .collect()
    }
}
