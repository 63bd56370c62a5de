//! The capture document of an event: the JSON object filters run against,
//! and the line `peek` and `export` write.

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

mod lookup;

pub use lookup::DocumentPaths;

use super::LineAt;
use super::VERSION;
use super::head_json::JsonOut;
use crate::filter::Filter;
use crate::inspect::{Inspection, MetaRead};
use crate::model::lex::Member;
use crate::model::rfc3339::{Fraction, Rfc3339};
use crate::model::{Body, BodyEncoding, Decoded, Event, Meta, Problem, System};
use crate::sanitize::escape_json_text;
use crate::secrets;

/// How a document is written out.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentOptions {
    /// Show secrets as found instead of masked.
    pub reveal: bool,
}

/// An event with its decoded body and inspection: everything a capture
/// line holds.
#[derive(Debug, Clone)]
pub struct Document {
    /// The event itself, raw body included.
    pub event: Event,
    /// The decoded body.
    pub body: Body,
    /// Facets and problems.
    pub inspection: Inspection,
    /// The top-level members of `event.raw` as its decode read them, when
    /// it read them by hand (see [`Document::raw_members`]).
    raw_members: Option<Vec<Member>>,
    /// Where the event's line is in the file it was read from, if it was
    /// read from a regular file's line.
    line_at: Option<LineAt>,
}

#[derive(Serialize)]
struct Head<'a> {
    evscope_capture: u32,
    id: &'a str,
    source: &'a str,
    key: Option<&'a str>,
    #[serde(serialize_with = "crate::model::rfc3339::serialize_option")]
    published_at: Option<DateTime<Utc>>,
    receive_count: Option<u32>,
    attributes: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    attribute_types: &'a BTreeMap<String, String>,
    system: &'a System,
    body_encoding: BodyEncoding,
    meta: &'a Meta,
    problems: &'a [Problem],
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_base64: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    secrets_masked: bool,
}

impl Document {
    /// Bundle an event with its body and inspection.
    pub fn new(event: Event, body: Body, inspection: Inspection) -> Self {
        Document {
            event,
            body,
            inspection,
            raw_members: None,
            line_at: None,
        }
    }

    /// The same document, read from the line `at` of a regular file.
    pub fn read_at(mut self, at: Option<LineAt>) -> Self {
        self.line_at = at;
        self
    }

    /// Where the event's line is in the regular file it was read from
    /// (to read it again), when it was read from one by a scan.
    pub fn line_at(&self) -> Option<LineAt> {
        self.line_at
    }

    /// The document of a decoded event, inspected, read from the line `at`
    /// of a regular file if it was.
    pub fn decoded(decoded: Decoded, inspection: Inspection, at: Option<LineAt>) -> Self {
        Document {
            event: decoded.event,
            body: decoded.body,
            inspection,
            raw_members: decoded.raw_members,
            line_at: at,
        }
    }

    /// The top-level members of the raw body (a JSON object) as the decode
    /// read them by hand, when it did (see [`crate::model::lex`]): a reader
    /// of the raw bytes, such as `diff`'s body hash, need not read them
    /// again. They describe `event.raw` as decoded (a reader checks that
    /// they still fit it: see [`Member::read`]).
    pub fn raw_members(&self) -> Option<&[Member]> {
        self.raw_members.as_deref()
    }

    fn head(&self, raw_base64: Option<String>, secrets_masked: bool) -> Head<'_> {
        let e = &self.event;
        Head {
            evscope_capture: VERSION,
            id: &e.id,
            source: &e.source,
            key: e.key.as_deref(),
            published_at: e.published_at,
            receive_count: e.receive_count,
            attributes: &e.attributes,
            attribute_types: &e.attribute_types,
            system: &e.system,
            body_encoding: self.body.encoding(),
            meta: &self.inspection.meta,
            problems: &self.inspection.problems,
            raw_base64,
            secrets_masked,
        }
    }

    /// [`Document::head`] as JSON, written as serde_json writes it but
    /// faster (see [`JsonOut`]).
    fn write_head(&self, out: &mut JsonOut, raw_base64: Option<&str>, secrets_masked: bool) {
        let e = &self.event;
        out.raw("{\"evscope_capture\":");
        out.serde(&VERSION);
        out.raw(",\"id\":");
        out.string(&e.id);
        out.raw(",\"source\":");
        out.string(&e.source);
        out.raw(",\"key\":");
        out.opt_string(e.key.as_deref());
        out.raw(",\"published_at\":");
        out.time(e.published_at);
        out.raw(",\"receive_count\":");
        out.serde(&e.receive_count);
        out.raw(",\"attributes\":");
        out.string_map(&e.attributes);
        if !e.attribute_types.is_empty() {
            out.raw(",\"attribute_types\":");
            out.string_map(&e.attribute_types);
        }
        out.raw(",\"system\":");
        out.system(&e.system);
        out.raw(",\"body_encoding\":");
        out.serde(&self.body.encoding());
        out.raw(",\"meta\":");
        out.meta(&self.inspection.meta);
        out.raw(",\"problems\":");
        out.problems(&self.inspection.problems);
        if let Some(raw) = raw_base64 {
            out.raw(",\"raw_base64\":");
            out.string(raw);
        }
        if secrets_masked {
            out.raw(",\"secrets_masked\":true");
        }
        out.raw("}");
    }

    /// The capture document as a JSON value: what filters are evaluated
    /// against. Secrets stay as found (filters may test them).
    pub fn to_value(&self) -> Value {
        let mut doc = serde_json::to_value(self.head(None, false)).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut doc {
            map.insert("body".into(), self.body.to_capture_value());
        }
        doc
    }

    /// The capture document with its secrets masked unless `reveal`: what
    /// a person may see.
    pub fn shown_value(&self, reveal: bool) -> Value {
        self.masked_value(reveal).0
    }

    /// The document, masked unless `reveal`, and whether anything was.
    fn masked_value(&self, reveal: bool) -> (Value, bool) {
        let mut doc = self.to_value();
        let masked = !reveal
            && self.has_secrets()
            && secrets::mask_document(&mut doc, &self.inspection.secrets, secrets::policy());
        (doc, masked)
    }

    /// Whether the event has secrets to mask.
    pub fn has_secrets(&self) -> bool {
        !self.inspection.secrets.is_empty()
    }

    /// Run `f` on the capture document without copying a JSON body: the
    /// body is moved into the document for the call and back afterwards.
    pub fn with_value<R>(&mut self, f: impl FnOnce(&Value) -> R) -> R {
        self.with_fields(Fields::ALL, f)
    }

    /// Whether `filter` keeps this document. Builds only the fields of the
    /// capture document the filter may read (see [`Fields::read_by`]).
    pub fn matches(&mut self, filter: &Filter) -> bool {
        self.with_fields(Fields::read_by(filter), |doc| filter.matches(doc))
    }

    /// [`Document::with_value`] on a document holding only `fields` (the
    /// same values as in the whole document).
    pub fn with_fields<R>(&mut self, fields: Fields, f: impl FnOnce(&Value) -> R) -> R {
        let mut doc = if fields.top == Fields::ALL.top && fields.meta == Fields::ALL.meta {
            serde_json::to_value(self.head(None, false)).unwrap_or(Value::Null)
        } else {
            Value::Object(self.head_fields(fields))
        };
        let Value::Object(map) = &mut doc else {
            return f(&doc);
        };
        if fields.top & Fields::BODY == 0 {
            return f(&doc);
        }
        let body = match &mut self.body {
            Body::Json(value) => std::mem::take(value),
            other => other.to_capture_value(),
        };
        map.insert("body".into(), body);
        let result = f(&doc);
        if let (Body::Json(value), Value::Object(map)) = (&mut self.body, &mut doc) {
            if let Some(body) = map.remove("body") {
                *value = body;
            }
        }
        result
    }

    /// The fields of [`Document::head`] in `fields`, serialized alike.
    fn head_fields(&self, fields: Fields) -> Map<String, Value> {
        let mut map = Map::new();
        // By index in `Fields::NAMES`, in that order (the body is not here).
        for (i, name) in Fields::NAMES.iter().enumerate() {
            if fields.top & (1 << i) != 0
                && let Some(value) = self.head_value(i, fields.meta)
            {
                map.insert((*name).into(), value);
            }
        }
        map
    }

    /// The head field `Fields::NAMES[i]` of [`Document::head_fields`] (of
    /// `meta`, the members in `meta_fields`); `None` for one it leaves out
    /// (no attribute types, or not a head field).
    fn head_value(&self, i: usize, meta_fields: u16) -> Option<Value> {
        fn json(value: impl Serialize) -> Value {
            serde_json::to_value(value).unwrap_or(Value::Null)
        }
        let e = &self.event;
        Some(match i {
            0 => Value::from(VERSION),
            1 => Value::String(e.id.clone()),
            2 => Value::String(e.source.clone()),
            3 => json(&e.key),
            4 => time_value(e.published_at),
            5 => json(e.receive_count),
            6 => json(&e.attributes),
            7 if !e.attribute_types.is_empty() => json(&e.attribute_types),
            8 => Value::Object(e.system.to_map()),
            9 => json(self.body.encoding()),
            10 => meta_value(&self.inspection.meta, meta_fields),
            11 => json(&self.inspection.problems),
            _ => return None,
        })
    }

    /// The capture line (without newline), safe for a terminal or a pipe.
    ///
    /// With `reveal`, or when the event carries no secret, the body round-trips
    /// exactly: it is written verbatim when its bytes are a one-line JSON text,
    /// and otherwise as a value plus `raw_base64` holding the exact bytes.
    /// Without `reveal`, secrets in the body and attributes are masked, no
    /// exact copy is written, and the line says `"secrets_masked":true`.
    pub fn to_line(&self, options: DocumentOptions) -> String {
        if !options.reveal && self.has_secrets() {
            // `secrets_masked` says what happened: only when a value changed.
            if let (Value::Object(mut map), true) = self.masked_value(false) {
                map.insert("secrets_masked".into(), Value::Bool(true));
                let text = serde_json::to_string(&map).unwrap_or_default();
                return escaped(text);
            }
        }
        let verbatim = match &self.body {
            Body::Json(_) => verbatim_json(&self.event.raw),
            _ => None,
        };
        let (body_text, raw_base64) = match verbatim {
            Some(text) => (Cow::Borrowed(text), None),
            None => {
                let body_text =
                    serde_json::to_string(&self.body.to_capture_value()).unwrap_or_default();
                let exact = match &self.body {
                    Body::Json(_) => {
                        Some(base64::engine::general_purpose::STANDARD.encode(&self.event.raw))
                    }
                    _ => None,
                };
                (Cow::Owned(body_text), exact)
            }
        };
        let mut head = JsonOut {
            buf: Vec::with_capacity(1024),
        };
        self.write_head(&mut head, raw_base64.as_deref(), false);
        let mut head = head.buf;
        head.pop(); // the closing brace: the body goes last
        // serde_json writes UTF-8; checked by the SIMD check, which with the
        // copy costs less than `String::from_utf8`'s on a head this short.
        let head = crate::model::utf8(&head).unwrap_or_default();
        let mut line = String::with_capacity(head.len() + body_text.len() + 10);
        line.push_str(head);
        line.push_str(",\"body\":");
        line.push_str(&body_text);
        line.push('}');
        escaped(line)
    }
}

/// `line` through [`escape_json_text`], not copied when nothing changes.
fn escaped(line: String) -> String {
    match escape_json_text(&line) {
        Cow::Borrowed(_) => line,
        Cow::Owned(escaped) => escaped,
    }
}

/// Which top-level fields of a capture document to build, and which
/// members of its `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    /// Bits of [`Fields::NAMES`].
    top: u16,
    /// Bits of [`Fields::META_NAMES`].
    meta: u16,
}

impl Fields {
    /// The fields of a capture document as [`Document::with_value`] builds
    /// it (a line's `raw_base64` and `secrets_masked` are never there).
    pub const NAMES: [&'static str; 13] = [
        "evscope_capture",
        "id",
        "source",
        "key",
        "published_at",
        "receive_count",
        "attributes",
        "attribute_types",
        "system",
        "body_encoding",
        "meta",
        "problems",
        "body",
    ];

    /// The members of `meta`, in the order [`Meta`] serializes them.
    pub const META_NAMES: [&'static str; 11] = [
        "type",
        "version",
        "event_id",
        "created_at",
        "updated_at",
        "expires_at",
        "expired",
        "location",
        "security",
        "correlation",
        "contract",
    ];

    const BODY: u16 = 1 << 12;

    /// Every field.
    pub const ALL: Fields = Fields {
        top: (1 << Self::NAMES.len()) - 1,
        meta: (1 << Self::META_NAMES.len()) - 1,
    };

    /// The fields `filter` may read: all of them when it may read the
    /// document without naming a field (see [`crate::inspect::reads_whole`]),
    /// else those whose name appears in its expression; of `meta`, all its
    /// members when the filter reads it whole, else those whose name
    /// appears (see [`MetaRead`]).
    pub fn read_by(filter: &Filter) -> Fields {
        let text = filter.expression();
        if crate::inspect::reads_whole(text) {
            return Fields::ALL;
        }
        let named = |names: &[&str]| {
            names
                .iter()
                .enumerate()
                .filter(|(_, name)| text.contains(*name))
                .fold(0u16, |bits, (i, _)| bits | 1 << i)
        };
        Fields {
            top: named(&Self::NAMES),
            meta: match MetaRead::of_text(text) {
                MetaRead::Whole => Fields::ALL.meta,
                _ => named(&Self::META_NAMES),
            },
        }
    }

    /// Whether the field `name` is in the set.
    pub fn has(self, name: &str) -> bool {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| self.top & (1 << i) != 0)
    }
}

/// The members of `meta` in `keep` (bits of [`Fields::META_NAMES`]),
/// serialized as the whole [`Meta`] serializes them.
fn meta_value(meta: &Meta, keep: u16) -> Value {
    if keep == Fields::ALL.meta {
        return json_of(meta);
    }
    let mut map = Map::new();
    for (i, name) in Fields::META_NAMES.iter().enumerate() {
        if keep & (1 << i) != 0
            && let Some(value) = meta_member(meta, i)
        {
            map.insert((*name).into(), value);
        }
    }
    Value::Object(map)
}

/// Member `i` of `meta` (by its index in `Fields::META_NAMES`) as the
/// capture document holds it; `None` where the document leaves it out.
fn meta_member(meta: &Meta, i: usize) -> Option<Value> {
    match i {
        0 => Some(json_of(&meta.event_type)),
        1 => Some(json_of(&meta.version)),
        2 => meta.event_id.as_ref().map(json_of),
        3 => meta.created_at.map(|t| time_value(Some(t))),
        4 => meta.updated_at.map(|t| time_value(Some(t))),
        5 => Some(time_value(meta.expires_at)),
        6 => Some(Value::Bool(meta.expired)),
        7 => Some(json_of(&meta.location)),
        8 => Some(json_of(&meta.security)),
        9 => Some(json_of(&meta.correlation)),
        10 => meta.contract.as_ref().map(json_of),
        _ => None,
    }
}

fn json_of(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A time as its capture document holds it (as chrono serializes it).
fn time_value(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(Rfc3339::new(t, Fraction::Auto).as_str().to_owned())
    })
}

/// The raw body as text when it can be written verbatim into a line: one
/// line, no surrounding whitespace, nothing a terminal would act on.
fn verbatim_json(raw: &[u8]) -> Option<&str> {
    let text = crate::model::utf8(raw)?;
    // Line breaks are dangerous characters too.
    let clean = !text.is_empty()
        && crate::model::trim(text).len() == text.len()
        && !crate::sanitize::has_dangerous(text);
    clean.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Record;
    use crate::model::ProblemKind;

    #[test]
    fn a_partial_document_holds_the_same_values_as_the_whole() {
        let file = std::sync::Arc::new(crate::capture::CaptureFile::from_bytes(
            crate::backend::demo_capture("payments").unwrap(),
            "test",
        ));
        let inspector = crate::inspect::Inspector::with_defaults();
        for index in 0..file.len() {
            let record = Record::Line {
                file: file.clone(),
                index,
            };
            let (event, body) = record.decode().unwrap();
            let inspection = inspector.inspect(&event, &body, Utc::now(), false);
            let mut document = Document::new(event, body, inspection);
            let whole = document.to_value();
            assert_eq!(document.with_fields(Fields::ALL, Value::clone), whole);
            for (i, name) in Fields::NAMES.iter().enumerate() {
                let fields = Fields {
                    top: 1 << i,
                    meta: Fields::ALL.meta,
                };
                let only = document.with_fields(fields, Value::clone);
                let expected: Map<String, Value> = whole
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                assert_eq!(only, Value::Object(expected), "{name}");
            }
            // All but one field, in the whole document's order.
            let most = Fields {
                top: Fields::ALL.top & !1,
                ..Fields::ALL
            };
            let most = document.with_fields(most, Value::clone);
            let keys: Vec<&String> = most.as_object().unwrap().keys().collect();
            let whole_keys: Vec<&String> = whole.as_object().unwrap().keys().skip(1).collect();
            assert_eq!(keys, whole_keys);
        }
    }

    /// Every event of the demo, fully inspected.
    fn demo_documents() -> Vec<Document> {
        let mut text = Vec::new();
        for part in crate::backend::DEMO_PARTS {
            text.extend(crate::backend::demo_capture(part).unwrap());
        }
        let file = std::sync::Arc::new(crate::capture::CaptureFile::from_bytes(text, "test"));
        let inspector = crate::inspect::Inspector::with_defaults();
        (0..file.len())
            .map(|index| {
                let record = Record::Line {
                    file: file.clone(),
                    index,
                };
                let (event, body) = record.decode().unwrap();
                let inspection = inspector.inspect(&event, &body, Utc::now(), false);
                Document::new(event, body, inspection)
            })
            .collect()
    }

    #[test]
    fn a_partial_meta_holds_the_same_members_as_the_whole() {
        let meta_only = |meta: u16| Fields { top: 1 << 10, meta };
        let mut members = 0;
        for mut document in demo_documents() {
            let whole = document.to_value()["meta"].clone();
            let whole = whole.as_object().unwrap();
            members += whole.len();
            // Every member has a bit, and each bit builds its member alone.
            assert!(
                whole
                    .keys()
                    .all(|k| Fields::META_NAMES.contains(&k.as_str()))
            );
            for (i, name) in Fields::META_NAMES.iter().enumerate() {
                let only = document.with_fields(meta_only(1 << i), Value::clone);
                let expected: Map<String, Value> = whole
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                assert_eq!(only["meta"], Value::Object(expected), "{name}");
            }
            // All but one member, in the whole meta's order.
            let most = document.with_fields(meta_only(Fields::ALL.meta & !1), Value::clone);
            let keys: Vec<&String> = most["meta"].as_object().unwrap().keys().collect();
            let whole_keys: Vec<&String> = whole.keys().filter(|k| *k != "type").collect();
            assert_eq!(keys, whole_keys);
        }
        assert!(members > 100, "{members} members");
    }

    /// `write_head` against serde_json's `Head` for `document`, in every
    /// form a line takes.
    fn assert_head_as_serde(document: &Document) {
        for (raw, masked) in [(None, false), (Some("AAEC/+=="), true)] {
            let mut out = JsonOut { buf: Vec::new() };
            document.write_head(&mut out, raw, masked);
            let serde = serde_json::to_string(&document.head(raw.map(String::from), masked));
            assert_eq!(String::from_utf8(out.buf).unwrap(), serde.unwrap());
        }
    }

    #[test]
    fn the_head_is_written_as_serde_json_writes_it() {
        let mut last = None;
        for document in demo_documents() {
            assert_head_as_serde(&document);
            last = Some(document);
        }
        // Every optional member present, and strings serde_json escapes.
        let mut document = last.unwrap();
        let hostile = "q\"b\\c\u{1}\n\t\u{7f}é\u{202e}日";
        let e = &mut document.event;
        e.id = hostile.into();
        e.key = Some(hostile.into());
        e.published_at = DateTime::from_timestamp(-70_000_000_000, 123_456_000);
        e.receive_count = Some(7);
        e.attributes.insert(hostile.into(), hostile.into());
        e.attribute_types.insert("n".into(), "Number".into());
        e.system.insert(
            hostile.into(),
            serde_json::json!([1, -2, 1.5e300, 0.1, u64::MAX, true, false, "", {}, [], {"a": null, hostile: [hostile]}]),
        );
        e.system.insert("n".into(), serde_json::json!(-0.0));
        let meta = &mut document.inspection.meta;
        meta.event_type = Some(hostile.into());
        meta.version = Some("2".into());
        meta.event_id = Some(hostile.into());
        meta.created_at = DateTime::from_timestamp(1, 1);
        meta.updated_at = DateTime::from_timestamp(2, 2_000);
        meta.expires_at = DateTime::from_timestamp(3, 0);
        meta.expired = true;
        meta.location = Some(Box::new(crate::model::Location {
            country: Some(hostile.into()),
            ..Default::default()
        }));
        meta.security = Some(Box::new(crate::model::Security {
            principal: Some(hostile.into()),
            ..Default::default()
        }));
        meta.correlation.correlation_id = Some(hostile.into());
        meta.correlation.causation_id = Some("c".into());
        meta.correlation.trace_id = Some("t".into());
        meta.contract = Some(Box::new(crate::model::ContractStatus {
            schema: hostile.into(),
            version: None,
            valid: false,
            violations: Vec::new(),
        }));
        for kind in [ProblemKind::Expired, ProblemKind::ContractViolation] {
            document
                .inspection
                .problems
                .push(Problem::new(kind, hostile));
        }
        assert_head_as_serde(&document);
        // A new member of `Meta` must be written by `write_head` too.
        let members = serde_json::to_value(&document.inspection.meta).unwrap();
        assert_eq!(members.as_object().unwrap().len(), Fields::META_NAMES.len());
    }

    #[test]
    fn a_filter_reads_the_meta_members_it_names() {
        let read = |expr: &str| Fields::read_by(&Filter::parse(expr).unwrap());
        let expired = read("@.meta.expired == true");
        assert!(expired.has("meta") && !expired.has("body"));
        assert_eq!(expired.meta, 1 << 6);
        assert_eq!(
            read("@.meta['correlation'].correlation_id == 'c' && @.meta.type == 'X'").meta,
            1 << 9 | 1
        );
        for whole in ["length(@.meta) > 2", "@.meta[?@ == 'X']", "@..expired"] {
            assert_eq!(read(whole).meta, Fields::ALL.meta, "{whole}");
        }
    }
}
