//! Turning a record into an inspected document: the inspector in the real
//! program, hand-made inspections in tests.

use chrono::{DateTime, Utc};

use crate::backend::Record;
use crate::capture::{Document, LineError};
use crate::inspect::Inspector;

/// Decodes and inspects records. Shared with background tasks.
pub trait Decoder: Send + Sync {
    /// The inspected document of a record, as of `now`.
    fn document(&self, record: &Record, now: DateTime<Utc>) -> Result<Document, LineError>;
}

/// The real decoder: the capture format plus the configured inspector.
#[derive(Debug, Clone)]
pub struct InspectorDecoder {
    inspector: Inspector,
}

impl InspectorDecoder {
    /// Decode with this inspector.
    pub fn new(inspector: Inspector) -> Self {
        InspectorDecoder { inspector }
    }
}

impl Decoder for InspectorDecoder {
    fn document(&self, record: &Record, now: DateTime<Utc>) -> Result<Document, LineError> {
        // The same rule as `Scanner::scan`: a plain line promises JSON.
        let expect_json = record.expects_json();
        let (event, body) = record.decode()?;
        let inspection = self.inspector.inspect(&event, &body, now, expect_json);
        Ok(Document::new(event, body, inspection))
    }
}
