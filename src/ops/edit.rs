//! Edit-and-replay's document: what a person may change in a copy of an
//! event before it is replayed (its body, its message attributes with
//! their data types, its key or message group id, its deduplication id),
//! written as JSON for an editor and read back with every rule SQS
//! enforces on attributes checked, so a bad edit is said before anything
//! is sent.
//!
//! ```json
//! {
//!   "body": {"orderId": 42},
//!   "attributes": {"tenant": {"type": "String", "value": "acme"}},
//!   "key": "group-1",
//!   "dedup_id": null
//! }
//! ```
//!
//! A text body is `"body_text": "..."` instead of `"body"`. Lines at the top
//! that start with `//` are notes (the last error) and are ignored.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Body, Event, System};

/// One message attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// `String`, `Number`, `Binary`, or one of them with a custom suffix
    /// (`Number.int`).
    #[serde(rename = "type")]
    pub data_type: String,
    /// The value; base64 for a `Binary` type.
    pub value: String,
}

/// The editable part of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditDoc {
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A text body (instead of `body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// Message attributes by name.
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, Attribute>,
    /// Partition key (Pulsar) or message group id (SQS FIFO).
    #[serde(default)]
    pub key: Option<String>,
    /// Deduplication id (SQS FIFO; sent with --keep-dedup-id semantics).
    #[serde(default)]
    pub dedup_id: Option<String>,
}

impl EditDoc {
    /// The document for `event`; `None` for a binary body, which cannot be
    /// edited as text.
    pub fn of(event: &Event) -> Option<EditDoc> {
        let (body, body_text) = match event.body() {
            Body::Json(value) => (Some(value), None),
            Body::Text(text) => (None, Some(text)),
            Body::Binary(_) => return None,
        };
        let attributes = event
            .attributes
            .iter()
            .map(|(name, value)| {
                let data_type = event
                    .attribute_types
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| "String".into());
                (
                    name.clone(),
                    Attribute {
                        data_type,
                        value: value.clone(),
                    },
                )
            })
            .collect();
        let text = |key: &str| {
            event
                .system
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Some(EditDoc {
            body,
            body_text,
            attributes,
            key: event.key.clone().or_else(|| text("MessageGroupId")),
            dedup_id: text("MessageDeduplicationId"),
        })
    }

    /// `error` as the `//` lines put on top of a document that did not
    /// read back.
    pub fn to_notes(error: &str) -> String {
        let mut out = String::new();
        for line in error.lines() {
            out.push_str(&format!("// {line}\n"));
        }
        out.push_str("// Fix the document below and save; save it unchanged to replay nothing.\n");
        out
    }

    /// The text an editor gets, with `error` as `//` lines on top.
    pub fn to_text(&self, error: Option<&str>) -> String {
        let mut out = error.map(EditDoc::to_notes).unwrap_or_default();
        out.push_str(&serde_json::to_string_pretty(self).unwrap_or_default());
        out.push('\n');
        out
    }

    /// Read an edited text back: the `//` lines on top are dropped, the
    /// rest must be the document, and every attribute must be one SQS
    /// takes. The error is one line saying what is wrong.
    pub fn parse(text: &str) -> Result<EditDoc, String> {
        let json: String = text
            .lines()
            .skip_while(|l| l.trim_start().starts_with("//") || l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let doc: EditDoc =
            serde_json::from_str(&json).map_err(|e| format!("the document is not valid: {e}"))?;
        match (&doc.body, &doc.body_text) {
            (Some(_), Some(_)) => return Err("give `body` (JSON) or `body_text`, not both".into()),
            (None, None) => return Err("the document has no `body` (or `body_text`)".into()),
            _ => {}
        }
        for (name, attribute) in &doc.attributes {
            check_attribute(name, attribute)?;
        }
        Ok(doc)
    }

    /// A copy of `event` with this document's body, attributes, key and
    /// deduplication id.
    pub fn apply(&self, event: &Event) -> Event {
        let mut copy = event.clone();
        copy.raw = match (&self.body, &self.body_text) {
            (Some(value), _) => serde_json::to_vec(value).unwrap_or_default(),
            (None, Some(text)) => text.clone().into_bytes(),
            (None, None) => Vec::new(),
        };
        copy.attributes = self
            .attributes
            .iter()
            .map(|(n, a)| (n.clone(), a.value.clone()))
            .collect();
        copy.attribute_types = self
            .attributes
            .iter()
            .filter(|(_, a)| a.data_type != "String")
            .map(|(n, a)| (n.clone(), a.data_type.clone()))
            .collect();
        copy.key = self.key.clone().filter(|k| !k.is_empty());
        set_or_remove(&mut copy.system, "MessageGroupId", copy.key.clone());
        set_or_remove(
            &mut copy.system,
            "MessageDeduplicationId",
            self.dedup_id.clone().filter(|d| !d.is_empty()),
        );
        copy
    }
}

/// Let a person edit `doc` (the document of `event`) in the file at
/// `path` with `editor` (which runs the editor on it and fails when it
/// does), until it reads back: then the edited copy of `event`. An edit
/// that does not read back is shown again, as the person left it, with the
/// error on top; saving that unchanged gives up with the error.
pub fn edit_until_valid(
    event: &Event,
    doc: EditDoc,
    path: &std::path::Path,
    mut editor: impl FnMut() -> Result<(), String>,
) -> Result<Event, String> {
    let mut text = doc.to_text(None);
    loop {
        std::fs::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        editor()?;
        let edited = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match EditDoc::parse(&edited) {
            Ok(doc) => return Ok(doc.apply(event)),
            Err(error) if edited == text && text.starts_with("//") => {
                return Err(format!("{error}: nothing replayed"));
            }
            Err(error) => {
                let kept: String = edited
                    .lines()
                    .skip_while(|l| l.trim_start().starts_with("//"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                text = format!("{}{kept}", EditDoc::to_notes(&error));
            }
        }
    }
}

fn set_or_remove(system: &mut System, key: &'static str, value: Option<String>) {
    match value {
        Some(value) => {
            system.insert(key.into(), Value::String(value));
        }
        None => {
            system.remove(key);
        }
    }
}

/// SQS's rules for a message attribute (name and data type per the
/// SendMessage reference; a Number is a decimal number; a Binary value
/// here is base64).
fn check_attribute(name: &str, attribute: &Attribute) -> Result<(), String> {
    let name_ok = !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !name.to_ascii_lowercase().starts_with("aws.")
        && !name.to_ascii_lowercase().starts_with("amazon.");
    if !name_ok {
        return Err(format!(
            "attribute name `{name}` is not one SQS takes: letters, digits, _ - and . (not first, last or twice), at most 256, not starting with AWS. or Amazon."
        ));
    }
    let data_type = attribute.data_type.as_str();
    let (base, custom) = match data_type.split_once('.') {
        Some((base, custom)) => (base, Some(custom)),
        None => (data_type, None),
    };
    if !matches!(base, "String" | "Number" | "Binary") || custom.is_some_and(str::is_empty) {
        return Err(format!(
            "attribute `{name}`: type `{data_type}` is not one SQS takes: String, Number or Binary, optionally with .SUFFIX"
        ));
    }
    match base {
        "Number" if attribute.value.trim().parse::<f64>().is_err() => Err(format!(
            "attribute `{name}` is a Number but `{}` is not a number",
            attribute.value
        )),
        "Binary"
            if base64::engine::general_purpose::STANDARD
                .decode(&attribute.value)
                .is_err() =>
        {
            Err(format!(
                "attribute `{name}` is Binary but its value is not base64"
            ))
        }
        "String" if attribute.value.is_empty() => {
            Err(format!("attribute `{name}` is empty, which SQS refuses"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        let mut event = Event::new("m1", "sqs://q.fifo", r#"{"a":1}"#);
        event.attributes.insert("tenant".into(), "acme".into());
        event.attributes.insert("n".into(), "7".into());
        event.attribute_types.insert("n".into(), "Number".into());
        event.key = Some("g1".into());
        event
            .system
            .insert("MessageDeduplicationId".into(), "d1".into());
        event
    }

    #[test]
    fn a_document_round_trips_and_edits_apply() {
        let doc = EditDoc::of(&event()).unwrap();
        assert_eq!(doc.attributes["n"].data_type, "Number");
        assert_eq!(doc.dedup_id.as_deref(), Some("d1"));
        let text = doc.to_text(None);
        let edited = text
            .replace("\"acme\"", "\"globex\"")
            .replace("\"g1\"", "\"g2\"")
            .replace("\"d1\"", "\"d2\"")
            .replace("\"a\": 1", "\"a\": 2");
        let copy = EditDoc::parse(&edited).unwrap().apply(&event());
        assert_eq!(copy.raw, br#"{"a":2}"#);
        assert_eq!(copy.attributes["tenant"], "globex");
        assert_eq!(copy.attribute_types["n"], "Number");
        assert_eq!(copy.key.as_deref(), Some("g2"));
        assert_eq!(copy.system["MessageGroupId"], "g2");
        assert_eq!(copy.system["MessageDeduplicationId"], "d2");
        // The error notes on top are ignored when read back.
        let again = doc.to_text(Some("attribute `x`: bad"));
        assert!(again.starts_with("// attribute `x`: bad\n"));
        assert_eq!(EditDoc::parse(&again).unwrap(), doc);
    }

    #[test]
    fn a_bad_edit_reopens_with_the_error_on_top_until_it_is_fixed_or_given_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edit.json");
        let doc = EditDoc::of(&event()).unwrap();
        let mut shown = Vec::new();
        let mut round = 0;
        let copy = edit_until_valid(&event(), doc.clone(), &path, || {
            let text = std::fs::read_to_string(&path).unwrap();
            shown.push(text.clone());
            round += 1;
            let edited = match round {
                1 => text.replace("\"Number\"", "\"Numbr\""),
                _ => text.replace("\"Numbr\"", "\"Number.int\""),
            };
            std::fs::write(&path, edited).unwrap();
            Ok(())
        })
        .unwrap();
        assert_eq!(round, 2);
        assert!(
            shown[1].starts_with("// attribute `n`: type `Numbr`"),
            "{}",
            shown[1]
        );
        // The second round shows the person's own edit, not the original.
        assert!(shown[1].contains("\"Numbr\""), "{}", shown[1]);
        assert_eq!(copy.attribute_types["n"], "Number.int");
        // Saved unchanged with the error: nothing.
        let mut round = 0;
        let given_up = edit_until_valid(&event(), doc, &path, || {
            round += 1;
            if round == 1 {
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, text.replace("\"7\"", "\"x\"")).unwrap();
            }
            Ok(())
        });
        let error = given_up.unwrap_err();
        assert!(
            error.contains("is not a number") && error.ends_with("nothing replayed"),
            "{error}"
        );
        assert_eq!(round, 2);
    }

    #[test]
    fn bad_edits_are_said_in_one_line() {
        let doc = EditDoc::of(&event()).unwrap();
        let text = doc.to_text(None);
        let cases = [
            (text.replace("\"Number\"", "\"Numeric\""), "type `Numeric`"),
            (text.replace("\"7\"", "\"seven\""), "is not a number"),
            (
                text.replace("\"tenant\"", "\"AWS.tenant\""),
                "not one SQS takes",
            ),
            (text.replace('}', ""), "not valid"),
            (text.replace("\"body\"", "\"bodie\""), "not valid"),
        ];
        for (bad, expected) in cases {
            let error = EditDoc::parse(&bad).unwrap_err();
            assert!(error.contains(expected), "{expected}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
        let binary = text.replace("\"Number\"", "\"Binary\"");
        assert!(EditDoc::parse(&binary).unwrap_err().contains("not base64"));
    }
}
