//! Structural problems: invalid JSON bodies, invalid JSON payload strings,
//! and envelopes missing required fields. (Date problems come from the
//! date and expiration facets.)
//!
//! Envelope detection looks at the body object:
//! - CloudEvents when it has `specversion`; requires `id`, `source`, `type`.
//! - EventBridge when it has `detail-type`; requires `id`, `source`, `time`,
//!   `detail`.
//! - Classic when it has `eventName` or `eventId`; requires `eventId`,
//!   `eventName`, `creationDate`.
//!
//! A required field is missing when it is absent, null or an empty string.
//! Plain JSON without an envelope has no required fields.

use serde_json::Value;

use super::body_object::BodyObject;
use super::first_text;
use super::mappings::Compiled;
use super::path::{Scope, looks_like_json};
use crate::model::{Body, Problem, ProblemKind};

/// A recognized event envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Envelope {
    CloudEvents,
    EventBridge,
    Classic,
}

/// The members that tell each envelope, in the order detection tries them.
const DETECTED_BY: [(&str, Envelope); 4] = [
    ("specversion", Envelope::CloudEvents),
    ("detail-type", Envelope::EventBridge),
    ("eventName", Envelope::Classic),
    ("eventId", Envelope::Classic),
];

impl Envelope {
    /// The envelope of a JSON object body, if it has one.
    pub(crate) fn detect(body: BodyObject<'_>) -> Option<Envelope> {
        Envelope::detect_by(|name| body.has(name))
    }

    /// The envelope of a JSON object body that `has` a member of a name.
    pub(crate) fn detect_by(has: impl Fn(&str) -> bool) -> Option<Envelope> {
        DETECTED_BY
            .iter()
            .find(|(name, _)| has(name))
            .map(|(_, envelope)| *envelope)
    }

    /// The body members envelope detection reads, and with `required`
    /// those the missing-field checks read.
    pub(crate) fn member_names(required: bool) -> impl Iterator<Item = &'static str> {
        let required = DETECTED_BY
            .iter()
            .filter(move |_| required)
            .flat_map(|(_, e)| e.required().iter().copied());
        DETECTED_BY.iter().map(|(name, _)| *name).chain(required)
    }

    fn name(self) -> &'static str {
        match self {
            Envelope::CloudEvents => "CloudEvents",
            Envelope::EventBridge => "EventBridge",
            Envelope::Classic => "classic",
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Envelope::CloudEvents => &["id", "source", "type"],
            Envelope::EventBridge => &["id", "source", "time", "detail"],
            Envelope::Classic => &["eventId", "eventName", "creationDate"],
        }
    }
}

/// `InvalidJson` when the body should be JSON and is not: always when
/// `expect_json`, and whenever it starts like JSON (`{` or `[`). Parsed the
/// way [`Body::decode`] parses, so JSON nested deeper than serde_json's
/// recursion limit is reported as such rather than passed as text.
pub(crate) fn body_json(raw: &[u8], body: &Body, expect_json: bool, problems: &mut Vec<Problem>) {
    let err = match body {
        Body::Json(_) => return,
        Body::Text(t) if expect_json || looks_like_json(t) => {
            serde_json::from_str::<Value>(t).err()
        }
        Body::Binary(_) if expect_json => serde_json::from_slice::<Value>(raw).err(),
        _ => return,
    };
    let detail = match err {
        Some(e) => json_error(&e),
        // A body handed over as text that parses after all (it should
        // have been decoded as JSON); only its caller can tell why.
        None => return,
    };
    problems.push(Problem::new(
        ProblemKind::InvalidJson,
        format!("body is not valid JSON: {detail}"),
    ));
}

/// `MissingField` for each required field of the envelope that is missing.
pub(crate) fn missing_fields(
    body: BodyObject<'_>,
    envelope: Envelope,
    problems: &mut Vec<Problem>,
) {
    for field in envelope.required() {
        let missing = match body.get(field) {
            None => true,
            Some(found) if found.is_null() => true,
            Some(found) => found
                .as_str()
                .is_some_and(|s| crate::model::trim(s).is_empty()),
        };
        if missing {
            problems.push(Problem::new(
                ProblemKind::MissingField,
                format!("{} event lacks '{field}'", envelope.name()),
            ));
        }
    }
}

/// `InvalidPayload` for each payload string that should hold JSON and does
/// not: the declared format says JSON, or the string starts with `{`/`[`.
/// A payload that is already a JSON value is fine. Parsed into a `Value`
/// like every decoded string, so over-deep nesting counts as invalid.
pub(crate) fn payloads(scope: &mut Scope<'_>, m: &Compiled, problems: &mut Vec<Problem>) {
    let declared_json = first_text(scope, &m.payload_format)
        .is_some_and(|f| f.to_ascii_lowercase().contains("json"));
    for p in scope.candidates(&m.payload) {
        let Some(found) = scope.first(p) else {
            continue;
        };
        let Some(s) = found.as_str() else {
            continue;
        };
        if !(declared_json || looks_like_json(s)) || scope.holds_json(&found) {
            continue;
        }
        if let Err(e) = serde_json::from_str::<Value>(s) {
            problems.push(Problem::new(
                ProblemKind::InvalidPayload,
                format!(
                    "{} {} is not valid JSON: {} ({})",
                    p.name(),
                    found.show(),
                    json_error(&e),
                    p.text()
                ),
            ));
        }
    }
}

/// serde_json's error as `line L column C: what`.
fn json_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&at).unwrap_or(&full);
    format!("line {} column {}: {what}", e.line(), e.column())
}
