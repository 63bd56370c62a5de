//! Writing the head of a capture line (everything but the body) as JSON,
//! byte for byte as serde_json writes [`super::document`]'s `Head`.
//!
//! serde_json passes every string, member names included, through a
//! byte-by-byte escaping loop, and a capture line's head is mostly member
//! names and short plain strings. Here member names are literals, plain
//! strings (no control character, quote or backslash) are copied as they
//! are, and everything else (other strings, numbers, nested facets) is
//! handed to serde_json itself, so the escaping rules stay serde_json's.
//! A test compares the two on every demo event and on hostile values.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::rfc3339::{Fraction, Rfc3339};
use crate::model::{Meta, Problem, System};

/// A JSON text being written.
pub(super) struct JsonOut {
    pub(super) buf: Vec<u8>,
}

impl JsonOut {
    /// Text written as it is: member names and punctuation.
    pub(super) fn raw(&mut self, text: &str) {
        self.buf.extend_from_slice(text.as_bytes());
    }

    /// Any value, by serde_json.
    pub(super) fn serde(&mut self, value: &impl Serialize) {
        // Writing into a Vec cannot fail; the types here always serialize.
        let _ = serde_json::to_writer(&mut self.buf, value);
    }

    /// A JSON string.
    pub(super) fn string(&mut self, s: &str) {
        // serde_json escapes exactly the bytes `skip_plain` stops at
        // (controls, `"`, `\`).
        if crate::model::lex::skip_plain(s.as_bytes(), 0) == s.len() {
            self.buf.push(b'"');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.push(b'"');
        } else {
            self.serde(&s);
        }
    }

    /// A string or `null`.
    pub(super) fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.raw("null"),
        }
    }

    /// A time as chrono serializes it, or `null`.
    pub(super) fn time(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.string(Rfc3339::new(t, Fraction::Auto).as_str()),
            None => self.raw("null"),
        }
    }

    /// A map of strings as an object.
    pub(super) fn string_map(&mut self, map: &BTreeMap<String, String>) {
        self.members(map.iter().map(|(k, v)| (k.as_str(), v)), |out, v| {
            out.string(v);
        });
    }

    /// `members` as an object, each value written by `value`.
    fn members<'m, V: 'm>(
        &mut self,
        members: impl IntoIterator<Item = (&'m str, &'m V)>,
        mut value: impl FnMut(&mut Self, &V),
    ) {
        self.buf.push(b'{');
        for (i, (name, v)) in members.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.string(name);
            self.buf.push(b':');
            value(self, v);
        }
        self.buf.push(b'}');
    }

    /// A JSON value as serde_json writes it: strings and member names
    /// through [`JsonOut::string`], numbers by serde_json.
    pub(super) fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.raw("null"),
            Value::Bool(b) => self.raw(if *b { "true" } else { "false" }),
            Value::Number(n) => self.serde(n),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.buf.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(b',');
                    }
                    self.value(item);
                }
                self.buf.push(b']');
            }
            Value::Object(members) => self.object(members),
        }
    }

    /// A JSON object as serde_json writes it (see [`JsonOut::value`]).
    pub(super) fn object(&mut self, members: &Map<String, Value>) {
        self.members(members.iter().map(|(k, v)| (k.as_str(), v)), Self::value);
    }

    /// An event's system metadata as its `Serialize` writes it.
    pub(super) fn system(&mut self, system: &System) {
        self.members(system.iter(), Self::value);
    }

    /// [`Meta`] as its `Serialize` writes it.
    pub(super) fn meta(&mut self, meta: &Meta) {
        self.raw("{\"type\":");
        self.opt_string(meta.event_type.as_deref());
        self.raw(",\"version\":");
        self.opt_string(meta.version.as_deref());
        if let Some(id) = &meta.event_id {
            self.raw(",\"event_id\":");
            self.string(id);
        }
        if meta.created_at.is_some() {
            self.raw(",\"created_at\":");
            self.time(meta.created_at);
        }
        if meta.updated_at.is_some() {
            self.raw(",\"updated_at\":");
            self.time(meta.updated_at);
        }
        self.raw(",\"expires_at\":");
        self.time(meta.expires_at);
        self.raw(if meta.expired {
            ",\"expired\":true,\"location\":"
        } else {
            ",\"expired\":false,\"location\":"
        });
        match &meta.location {
            Some(location) => self.serde(location),
            None => self.raw("null"),
        }
        self.raw(",\"security\":");
        match &meta.security {
            Some(security) => self.serde(security),
            None => self.raw("null"),
        }
        let c = &meta.correlation;
        self.raw(",\"correlation\":{\"correlation_id\":");
        self.opt_string(c.correlation_id.as_deref());
        self.raw(",\"causation_id\":");
        self.opt_string(c.causation_id.as_deref());
        self.raw(",\"trace_id\":");
        self.opt_string(c.trace_id.as_deref());
        self.buf.push(b'}');
        if let Some(contract) = &meta.contract {
            self.raw(",\"contract\":");
            self.serde(contract);
        }
        self.buf.push(b'}');
    }

    /// Problems as their `Serialize` writes them.
    pub(super) fn problems(&mut self, problems: &[Problem]) {
        self.buf.push(b'[');
        for (i, p) in problems.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.raw("{\"kind\":\"");
            self.raw(p.kind.as_str());
            self.raw("\",\"message\":");
            self.string(&p.message);
            self.buf.push(b'}');
        }
        self.buf.push(b']');
    }
}
