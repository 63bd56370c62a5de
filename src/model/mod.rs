//! The normalized event every backend produces, and the facets evscope
//! derives from it. Plain data: no I/O, no backend or UI knowledge.

mod body;
mod contract;
mod facets;
pub mod lex;
mod members;
pub mod rfc3339;
mod system;

pub use body::{Body, BodyEncoding, Decoded};
pub use contract::{ContractStatus, Violation};
pub use facets::{
    Correlation, Gps, Jwt, Location, Meta, Problem, ProblemKind, Security, Token, TokenKind,
};
pub(crate) use members::built_of;
pub use members::{Members, parse_members_lexed, parse_members_str};
pub use system::System;

use std::collections::BTreeMap;

/// `bytes` as text when they are UTF-8: [`std::str::from_utf8`], checked
/// with SIMD instructions (bodies are checked on every scan).
pub fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// [`str::trim`], told at once for a text whose first and last bytes are
/// ASCII other than white space (most values an inspection trims): it is
/// its own trim.
pub fn trim(s: &str) -> &str {
    let plain = |b: u8| !is_trimmed_from(b);
    match s.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => s,
        [only] if plain(*only) => s,
        _ => s.trim(),
    }
}

/// Whether `b` may be (the first byte of) a character [`str::trim`]
/// removes: ASCII white space (tab to carriage return, space) or any byte
/// of a character beyond ASCII (some are white space).
pub(crate) fn is_trimmed_from(b: u8) -> bool {
    !b.is_ascii() || matches!(b, b'\t'..=b'\r' | b' ')
}

use chrono::{DateTime, Utc};

/// One message from a queue, topic or capture file, in the same shape for
/// every backend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    /// The backend's message id (SQS MessageId, Pulsar message id, capture id).
    pub id: String,
    /// Where the event was read from, as a source URI (`file:orders.jsonl`,
    /// `sqs://orders`, `pulsar://host:6650/orders`, `demo`).
    pub source: String,
    /// Pulsar partition key or SQS message group id.
    pub key: Option<String>,
    /// When the broker accepted the message.
    pub published_at: Option<DateTime<Utc>>,
    /// SQS ApproximateReceiveCount or Pulsar redelivery count.
    pub receive_count: Option<u32>,
    /// SQS message attributes or Pulsar properties. Values are strings;
    /// binary attribute values are base64 and typed in `attribute_types`.
    pub attributes: BTreeMap<String, String>,
    /// The data type of each attribute whose type is not plain `String`
    /// (SQS `Number`, `Binary`, custom `String.x`), so replay can restore it.
    pub attribute_types: BTreeMap<String, String>,
    /// Backend system metadata (SQS system attributes, Pulsar producer and
    /// sequence ids, ...), kept as JSON so every backend can add its own.
    pub system: System,
    /// The body exactly as received: replay sends these bytes.
    pub raw: Vec<u8>,
}

impl Event {
    /// A new event with the given id, source and raw body; every other field empty.
    pub fn new(id: impl Into<String>, source: impl Into<String>, raw: impl Into<Vec<u8>>) -> Self {
        Event {
            id: id.into(),
            source: source.into(),
            key: None,
            published_at: None,
            receive_count: None,
            attributes: BTreeMap::new(),
            attribute_types: BTreeMap::new(),
            system: System::new(),
            raw: raw.into(),
        }
    }

    /// The body decoded from the raw bytes: JSON, UTF-8 text or binary.
    pub fn body(&self) -> Body {
        Body::decode(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trim_is_str_trim() {
        let ends = (0u8..128)
            .map(|b| char::from(b).to_string())
            .chain(["\u{85}", "\u{a0}", "\u{2003}", "\u{3000}", "é", ""].map(String::from))
            .collect::<Vec<_>>();
        for first in &ends {
            for last in &ends {
                for middle in ["", "x", " ", "a b"] {
                    let s = format!("{first}{middle}{last}");
                    assert_eq!(super::trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }
}
