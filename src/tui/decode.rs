//! Turning a record into an inspected document: the inspector in the real
//! program, hand-made inspections in tests.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::analyze::contracts::Contracts;
use crate::backend::Record;
use crate::capture::{Document, LineError};
use crate::inspect::Inspector;

/// Decodes and inspects records. Shared with background tasks.
pub trait Decoder: Send + Sync {
    /// The inspected document of a record, as of `now`.
    fn document(&self, record: &Record, now: DateTime<Utc>) -> Result<Document, LineError>;

    /// Check events against `contracts` from now on (`:contracts PATH`);
    /// `false` when this decoder does not check contracts.
    fn use_contracts(&self, _contracts: Arc<Contracts>) -> bool {
        false
    }
}

/// The real decoder: the capture format plus the configured inspector.
#[derive(Debug)]
pub struct InspectorDecoder {
    /// Swapped whole when contracts are (re)loaded; read once per record.
    inspector: RwLock<Inspector>,
}

impl InspectorDecoder {
    /// Decode with this inspector.
    pub fn new(inspector: Inspector) -> Self {
        InspectorDecoder {
            inspector: RwLock::new(inspector),
        }
    }

    fn inspector(&self) -> Inspector {
        // A poisoned lock still holds a whole inspector (it is swapped, not edited).
        match self.inspector.read() {
            Ok(i) => i.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Decoder for InspectorDecoder {
    fn document(&self, record: &Record, now: DateTime<Utc>) -> Result<Document, LineError> {
        // The same rule as `Scanner::scan`: a plain line promises JSON.
        let expect_json = record.expects_json();
        let (event, body) = record.decode()?;
        let inspection = self.inspector().inspect(&event, &body, now, expect_json);
        Ok(Document::new(event, body, inspection))
    }

    fn use_contracts(&self, contracts: Arc<Contracts>) -> bool {
        let with = self.inspector().with_contracts(contracts);
        match self.inspector.write() {
            Ok(mut i) => *i = with,
            Err(poisoned) => *poisoned.into_inner() = with,
        }
        true
    }
}
