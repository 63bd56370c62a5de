//! Events as backends hand them over: decoded already, or a line of a
//! capture file decoded on demand, so a million of them cost little.

use std::sync::Arc;

use crate::capture::{CaptureFile, LineAt, LineError, is_capture_line, records_invalid_json};
use crate::model::{Body, Decoded, Event, Members};

/// One event from a backend.
#[derive(Debug, Clone)]
pub enum Record {
    /// A decoded event (network backends).
    Event(Arc<Event>),
    /// Line `index` (0-based among non-blank lines) of a capture file.
    Line {
        /// The file.
        file: Arc<CaptureFile>,
        /// The line's index.
        index: usize,
    },
}

impl Record {
    /// The event and its decoded body.
    pub fn decode(&self) -> Result<(Event, Body), LineError> {
        match self {
            Record::Event(event) => {
                let body = event.body();
                Ok(((**event).clone(), body))
            }
            Record::Line { file, index } => file.decode(*index),
        }
    }

    /// Where the record's line is in the regular file it was read from;
    /// `None` for an event and for a line of a stream or of the demo.
    pub fn line_at(&self) -> Option<LineAt> {
        match self {
            Record::Event(_) => None,
            Record::Line { file, index } => file.line_at(*index),
        }
    }

    /// [`Record::decode`] building only `members` of a JSON object body
    /// (see [`Decoded::partial`]).
    pub fn decode_members(&self, members: &Members) -> Result<Decoded, LineError> {
        match self {
            Record::Event(event) => Ok(Decoded::of_event((**event).clone(), members)),
            Record::Line { file, index } => file.decode_members(*index, members),
        }
    }

    /// The record's event when nothing else holds it, moved out (the
    /// record keeps an empty one): a reader that reads each record once
    /// takes the event rather than a copy. `None` for a line, or an event
    /// held elsewhere too.
    pub fn take_event(&mut self) -> Option<Event> {
        match self {
            Record::Event(event) => Arc::get_mut(event).map(std::mem::take),
            Record::Line { .. } => None,
        }
    }

    /// Whether the source promises this record's body is JSON, so a body
    /// that is not has an `invalid_json` problem: a plain line of a JSON
    /// Lines file does, and so does a capture line written with that
    /// problem (an export keeps what its original promised).
    pub fn expects_json(&self) -> bool {
        match self {
            Record::Event(_) => false,
            Record::Line { .. } => {
                let line = self.bytes();
                !is_capture_line(line) || records_invalid_json(line)
            }
        }
    }

    /// The raw bytes a cheap pre-filter can look at: the capture line, or the body.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Record::Event(event) => &event.raw,
            Record::Line { file, index } => file.line(*index),
        }
    }
}
