//! A JSONPath into an event's capture document (`$.body.status`,
//! `$.attributes.tenant`, `$.meta.type`), read the way `stats` and `diff`
//! need it: the first value found, with secrets masked.
//!
//! Written here rather than reusing the inspector's mapping paths (private
//! to [`crate::inspect`] and limited to the event's own fields): a plain
//! chain of names and indexes under `body`, `attributes` or an event field
//! is a direct lookup; anything else (and any event that carries secrets)
//! runs through jsonpath-rust on the capture document, masked by the policy
//! when the event has secrets, so a key never shows a credential.

use std::borrow::Cow;

use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use serde_json::Value;

use crate::capture::Document;
use crate::inspect::Needs;
use crate::model::Body;

/// One step of a plain path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Name(String),
    Index(i64),
}

/// A compiled path.
#[derive(Debug, Clone)]
pub struct FieldPath {
    text: String,
    query: JpQuery,
    /// The path's steps when it is a plain chain of names and indexes.
    plain: Option<Vec<Step>>,
    /// A plain path under `body`: read without the event's secrets found
    /// (the value found is checked instead, see [`FieldPath::needs`]).
    plain_body: bool,
}

/// A path that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad JSONPath `{path}`: {reason}")]
pub struct PathError {
    /// The path as written.
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FieldPath {
    /// Parse `path` (`$.body.status`).
    pub fn parse(path: &str) -> Result<FieldPath, PathError> {
        let text = path.trim().to_owned();
        let query = parse_json_path(&text).map_err(|e| PathError {
            path: text.clone(),
            reason: crate::filter::query_error(&text)
                .map_or_else(|| e.to_string(), |f| f.to_string()),
        })?;
        if query.segments.is_empty() {
            return Err(PathError {
                path: text,
                reason: "`$` alone is the whole capture document, not a value in it".into(),
            });
        }
        let plain = query
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Selector(Selector::Name(n)) => Some(Step::Name(n.clone())),
                Segment::Selector(Selector::Index(i)) => Some(Step::Index(*i)),
                _ => None,
            })
            .collect::<Option<Vec<Step>>>();
        let plain_body = plain
            .as_ref()
            .is_some_and(|p| p.first() == Some(&Step::Name("body".into())));
        Ok(FieldPath {
            text,
            query,
            plain,
            plain_body,
        })
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The path as plain steps when its first steps are `root` and then
    /// names only (`$.body.a.b` under `body` gives `["a", "b"]`), for SQL.
    pub fn names_under(&self, root: &str) -> Option<Vec<&str>> {
        let plain = self.plain.as_ref()?;
        let (first, rest) = plain.split_first()?;
        if *first != Step::Name(root.into()) {
            return None;
        }
        rest.iter()
            .map(|s| match s {
                Step::Name(n) => Some(n.as_str()),
                Step::Index(_) => None,
            })
            .collect()
    }

    /// What reading the path needs of an event's inspection: the facets
    /// it names, and the secrets (a path reads values as shown, so
    /// `$.body.password` finds the masked value), except for a plain path
    /// under `body`: [`FieldPath::find`] looks for secrets only where such
    /// a path leads (the names on the way, what stands beside them and the
    /// value found) instead of in the whole event, and masks the event only
    /// when something there may be a secret.
    pub fn needs(&self) -> Needs {
        let needs = Needs::of_text(&self.text);
        if self.plain_body {
            needs
        } else {
            needs.with(Needs::SECRETS)
        }
    }

    /// The first non-null value the path finds in `document`, secrets
    /// masked.
    pub fn find<'d>(&self, document: &'d Document) -> Option<Cow<'d, Value>> {
        if !document.has_secrets()
            && let Some(steps) = &self.plain
            && let Some(found) = direct(document, steps)
        {
            let found = found.filter(|v| !v.is_null());
            let check = |v: &Value| self.plain_body && may_be_masked(document, steps, v);
            if !found.as_deref().is_some_and(check) {
                return found;
            }
        }
        let doc = if self.plain_body && !document.has_secrets() {
            // Its secrets may not have been looked for: look now.
            masked_afresh(document)
        } else {
            document.shown_value(false)
        };
        jsonpath_rust::query::js_path_process(&self.query, &doc)
            .ok()?
            .into_iter()
            .find(|r| !r.val.is_null())
            .map(|r| Cow::Owned(r.val.clone()))
    }
}

/// A plain path looked up on the document's parts without building the
/// capture document. `None`: not answerable here (a `meta` path, a
/// non-JSON body); `Some(None)`: answered, nothing there.
fn direct<'d>(document: &'d Document, steps: &[Step]) -> Option<Option<Cow<'d, Value>>> {
    let (first, rest) = steps.split_first()?;
    let Step::Name(root) = first else {
        return Some(None);
    };
    let event = &document.event;
    let text = |s: Option<&str>| Some(s.map(|s| Cow::Owned(Value::String(s.to_owned()))));
    match root.as_str() {
        "body" => match &document.body {
            Body::Json(value) => Some(walk(value, rest).map(Cow::Borrowed)),
            _ => None,
        },
        "attributes" => match rest {
            [] => None,
            [Step::Name(name)] => text(event.attributes.get(name).map(String::as_str)),
            _ => Some(None),
        },
        "id" if rest.is_empty() => text(Some(&event.id)),
        "source" if rest.is_empty() => text(Some(&event.source)),
        "key" if rest.is_empty() => text(event.key.as_deref()),
        _ => None,
    }
}

/// Whether the secrets walk ([`crate::secrets::find_secrets`]) may mask
/// `value`, found at the body path `steps`: a secret name on the way, a
/// container on the way that masks a member for what stands beside it, or
/// a secret in the value itself. `false` means the value is shown as it is.
fn may_be_masked(document: &Document, steps: &[Step], value: &Value) -> bool {
    let policy = crate::secrets::policy();
    let Body::Json(body) = &document.body else {
        return true;
    };
    let mut at = body;
    for step in steps.iter().skip(1) {
        if matches!(step, Step::Name(n) if policy.is_secret_name(n))
            || crate::secrets::find::masks_beside(at, &policy.names)
        {
            return true;
        }
        match walk(at, std::slice::from_ref(step)) {
            Some(next) => at = next,
            None => return true,
        }
    }
    crate::secrets::find::has_secret(value, &policy.names, &policy.text)
}

/// The capture document with the secrets the policy finds masked, for an
/// event inspected without looking for them.
fn masked_afresh(document: &Document) -> Value {
    let policy = crate::secrets::policy();
    let mut doc = document.to_value();
    let secrets = crate::secrets::find_secrets(&document.event, &document.body, policy);
    crate::secrets::mask_document(&mut doc, &secrets, policy);
    doc
}

fn walk<'v>(mut value: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    for step in steps {
        value = match (step, value) {
            (Step::Name(n), Value::Object(map)) => map.get(n)?,
            (Step::Index(i), Value::Array(items)) => {
                let i = if *i < 0 {
                    items.len().checked_sub(i.unsigned_abs() as usize)?
                } else {
                    usize::try_from(*i).ok()?
                };
                items.get(i)?
            }
            _ => return None,
        };
    }
    Some(value)
}

/// A found value as a label: strings as they are, anything else as JSON.
pub fn label_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A found value as a number: JSON numbers, and strings that hold one.
pub fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::Inspector;
    use crate::model::Event;

    fn document(body: &str) -> Document {
        let mut event = Event::new("m1", "file:x.jsonl", body.as_bytes().to_vec());
        event.attributes.insert("tenant".into(), "acme".into());
        let body = event.body();
        let inspection =
            Inspector::with_defaults().inspect(&event, &body, chrono::Utc::now(), true);
        Document::new(event, body, inspection)
    }

    fn find(path: &str, body: &str) -> Option<Value> {
        let doc = document(body);
        FieldPath::parse(path)
            .unwrap()
            .find(&doc)
            .map(Cow::into_owned)
    }

    #[test]
    fn plain_paths_and_queries_find_the_same_values() {
        let body = r#"{"status":"PAID","items":[{"n":1},{"n":2}],"type":"OrderPaid"}"#;
        assert_eq!(find("$.body.status", body), Some("PAID".into()));
        assert_eq!(find("$.body.items[-1].n", body), Some(2.into()));
        assert_eq!(find("$.body.items[*].n", body), Some(1.into()));
        assert_eq!(find("$.attributes.tenant", body), Some("acme".into()));
        assert_eq!(find("$.source", body), Some("file:x.jsonl".into()));
        assert_eq!(find("$.meta.type", body), Some("OrderPaid".into()));
        assert_eq!(find("$.body.missing", body), None);
        assert_eq!(find("$.body.status.x", body), None);
    }

    #[test]
    fn secrets_never_come_out_of_a_path() {
        let body = r#"{"password":"hunter2-very-secret","user":"ann"}"#;
        let found = find("$.body.password", body).unwrap();
        assert!(!label_of(&found).contains("hunter2"), "{found}");
        assert_eq!(find("$.body.user", body), Some("ann".into()));
    }

    /// A plain body path is read without the event's secrets looked for
    /// (the scanner skips the walk): whatever the walk would mask where
    /// the path leads is masked all the same, as a fully inspected event
    /// shows it.
    #[test]
    fn body_paths_read_without_the_secrets_walk_mask_what_it_would() {
        let cases = [
            ("$.body.password", r#"{"password":"hunter2-very-secret"}"#),
            (
                "$.body.secret.inner",
                r#"{"secret":{"inner":"hunter2-very-secret"}}"#,
            ),
            (
                "$.body.h.value",
                r#"{"h":{"name":"Authorization","value":"hunter2-very-secret"}}"#,
            ),
            (
                "$.body.headers[0][1]",
                r#"{"headers":[["Authorization","hunter2-very-secret"]]}"#,
            ),
            (
                "$.body.k.s",
                r#"{"k":{"id":"AKIAIOSFODNN7EXAMPLE","s":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYhunter2ABC"}}"#,
            ),
            (
                "$.body.payload",
                r#"{"payload":"{\"password\":\"hunter2-very-secret\"}"}"#,
            ),
            (
                "$.body.url",
                r#"{"url":"https://ann:hunter2-very-secret@db.example/x"}"#,
            ),
            (
                "$.body.obj",
                r#"{"obj":{"token":"hunter2-very-secret","n":1}}"#,
            ),
            (
                "$.body.user",
                r#"{"user":"ann","password":"hunter2-very-secret"}"#,
            ),
        ];
        for (path, body) in cases {
            let path = FieldPath::parse(path).unwrap();
            assert!(!path.needs().has(Needs::SECRETS), "{}", path.text());
            let mut event = Event::new("m1", "file:x.jsonl", body.as_bytes().to_vec());
            event.attributes.insert("tenant".into(), "acme".into());
            let decoded = event.body();
            let inspection = Inspector::with_defaults().inspect_for(
                &event,
                &decoded,
                chrono::Utc::now(),
                true,
                path.needs(),
            );
            assert!(inspection.secrets.is_empty());
            let light = Document::new(event, decoded, inspection);
            let found = path.find(&light).map(|v| label_of(&v));
            let full = path.find(&document(body)).map(|v| label_of(&v));
            assert_eq!(found, full, "{}", path.text());
            assert!(
                !found.as_deref().unwrap_or("").contains("hunter2"),
                "{}: {found:?}",
                path.text()
            );
        }
        // Paths elsewhere still have the event's secrets looked for.
        let path = FieldPath::parse("$.attributes.password").unwrap();
        assert!(path.needs().has(Needs::SECRETS));
        assert!(
            FieldPath::parse("$.body..x")
                .unwrap()
                .needs()
                .has(Needs::SECRETS)
        );
    }

    #[test]
    fn bad_paths_say_why() {
        let error = FieldPath::parse("$.body[").unwrap_err();
        assert!(
            error.to_string().starts_with("bad JSONPath `$.body[`"),
            "{error}"
        );
        assert!(FieldPath::parse("$").is_err());
    }

    #[test]
    fn numbers_from_numbers_and_numeric_strings() {
        assert_eq!(number_of(&serde_json::json!(2.5)), Some(2.5));
        assert_eq!(number_of(&serde_json::json!(" 7 ")), Some(7.0));
        assert_eq!(number_of(&serde_json::json!("NaN")), None);
        assert_eq!(number_of(&serde_json::json!(true)), None);
    }
}
