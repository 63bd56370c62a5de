//! Row summaries: what the events table shows of each event, computed in
//! the background from the inspected document, escaped once.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::safe::Safe;
use crate::capture::Document;

/// Longest id, key, type or correlation id kept for the table.
const FIELD_MAX: usize = 200;

/// Flag bits of a row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags(pub u8);

impl Flags {
    /// The event has expired.
    pub const EXPIRED: u8 = 1;
    /// The event is malformed (or its line is unreadable).
    pub const MALFORMED: u8 = 2;
    /// The event sits in a dead-letter queue.
    pub const DLQ: u8 = 4;
    /// The event carries a token, a signature or another secret.
    pub const SECRET: u8 = 8;
    /// The event names a location.
    pub const LOCATED: u8 = 16;
    /// The event breaks its contract (it is malformed too; not a column of
    /// its own: the `V` preset and the sources pane's `V` count read it).
    pub const CONTRACT: u8 = 32;

    /// The letter, bit and meaning of each flag, in column order.
    pub const LEGEND: [(char, u8, &'static str); 5] = [
        ('E', Self::EXPIRED, "expired"),
        ('M', Self::MALFORMED, "malformed"),
        (
            'D',
            Self::DLQ,
            "in a dead-letter queue (R: already redriven, says the journal or the redrive subscription)",
        ),
        ('S', Self::SECRET, "carries a token, signature or secret"),
        ('L', Self::LOCATED, "located (country, IP or GPS)"),
    ];

    /// Whether a bit is set.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// One row of the events table.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// When the broker accepted the event (or the event says it was
    /// created), in milliseconds since the epoch; `i64::MIN` when unknown.
    pub time_ms: i64,
    /// The event's own time (when it says it was created), else the
    /// publish time, in milliseconds since the epoch; `i64::MIN` when
    /// unknown. Sorting by time uses it.
    pub event_time_ms: i64,
    /// The event type.
    pub event_type: Option<Arc<Safe>>,
    /// The event id.
    pub id: Safe,
    /// Partition key or message group id.
    pub key: Option<Safe>,
    /// How often it was received.
    pub receive_count: Option<u32>,
    /// Received as often as the queue's redrive policy allows: the next
    /// receive moves it to the dead-letter queue.
    pub at_max_receives: bool,
    /// The correlation id.
    pub correlation: Option<Safe>,
    /// Expired, malformed, secret, located (DLQ is added per source).
    pub flags: Flags,
    /// What flows need of the event, when it has a correlation id (moved
    /// out into the flows state when the summary arrives).
    pub flow: Option<Box<crate::analyze::flows::EventSummary>>,
}

/// Type names already seen, shared by the summaries of one worker so a
/// million events of a few types hold a few strings.
#[derive(Debug, Default)]
pub struct TypeNames(HashMap<String, Arc<Safe>>);

/// Most distinct type names a cache keeps before starting over.
const TYPE_NAMES_MAX: usize = 4096;

impl TypeNames {
    fn get(&mut self, name: &str) -> Arc<Safe> {
        if let Some(safe) = self.0.get(name) {
            return safe.clone();
        }
        if self.0.len() >= TYPE_NAMES_MAX {
            self.0.clear();
        }
        let safe = Arc::new(Safe::capped(name, FIELD_MAX));
        self.0.insert(name.to_string(), safe.clone());
        safe
    }
}

impl Summary {
    /// The summary of an inspected event.
    pub fn of(document: &Document) -> Summary {
        Summary::of_with(document, &mut TypeNames::default())
    }

    /// [`Summary::of`], sharing type names with earlier summaries.
    pub fn of_with(document: &Document, names: &mut TypeNames) -> Summary {
        let event = &document.event;
        // The table is not revealed with the detail: facets copied from a
        // secret stay masked there.
        let meta = document.inspection.masked_meta();
        let mut flags = 0;
        if meta.expired {
            flags |= Flags::EXPIRED;
        }
        if document
            .inspection
            .problems
            .iter()
            .any(|p| p.kind.is_malformed())
        {
            flags |= Flags::MALFORMED;
        }
        if meta.contract.as_ref().is_some_and(|c| !c.valid) {
            flags |= Flags::CONTRACT;
        }
        let secret = document.has_secrets()
            || meta
                .security
                .as_ref()
                .is_some_and(|s| s.token.is_some() || s.signature.is_some());
        if secret {
            flags |= Flags::SECRET;
        }
        if meta.location.is_some() {
            flags |= Flags::LOCATED;
        }
        let time = event.published_at.or(meta.created_at);
        let event_time = meta.created_at.or(event.published_at);
        Summary {
            time_ms: time.map_or(i64::MIN, |t| t.timestamp_millis()),
            event_time_ms: event_time.map_or(i64::MIN, |t| t.timestamp_millis()),
            event_type: meta.event_type.as_deref().map(|t| names.get(t)),
            // The table is not revealed with the detail: a credential in an
            // id, key or correlation id stays masked there.
            id: Safe::capped(&crate::secrets::mask_text(&event.id), FIELD_MAX),
            key: event
                .key
                .as_deref()
                .map(|k| Safe::capped(&crate::secrets::mask_text(k), FIELD_MAX)),
            receive_count: event.receive_count,
            at_max_receives: crate::backend::sqs::at_max_receive_count(event),
            correlation: meta
                .correlation
                .correlation_id
                .as_deref()
                .map(|c| Safe::capped(&crate::secrets::mask_text(c), FIELD_MAX)),
            flags: Flags(flags),
            flow: meta
                .correlation
                .correlation_id
                .is_some()
                .then(|| Box::new(crate::analyze::flows::EventSummary::of(document))),
        }
    }

    /// The row of a line that does not decode.
    pub fn unreadable(reason: &str) -> Summary {
        Summary {
            time_ms: i64::MIN,
            event_time_ms: i64::MIN,
            event_type: None,
            id: Safe::capped(reason, FIELD_MAX),
            key: None,
            receive_count: None,
            at_max_receives: false,
            correlation: None,
            flags: Flags(Flags::MALFORMED),
            flow: None,
        }
    }

    /// The time, when known.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        (self.time_ms != i64::MIN)
            .then(|| DateTime::from_timestamp_millis(self.time_ms))
            .flatten()
    }
}
