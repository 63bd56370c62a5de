//! Secrets the inspection's own output repeats: a facet copied from a value
//! the masking policy hides (an AWS key as the event type, a bearer
//! credential as the correlation id, a JWT as the principal) and a problem
//! message quoting one. Their places in the capture document join the
//! event's secrets, so every masking of the document hides them as it hides
//! the value they were copied from.

use std::borrow::Cow;

use serde_json::Value;

use super::Inspection;
use crate::model::{Body, Event, Meta, Problem, trim};
use crate::sanitize::mask_secret;
use crate::secrets::{PathSegment, Policy, Secret, SecretPath, Treatment};

impl Inspection {
    /// The facets as shown when secrets are masked: those copied from a
    /// secret (see [`Inspection::secrets`]) hidden as it is.
    pub fn masked_meta(&self) -> Cow<'_, Meta> {
        let facets = self
            .secrets
            .iter()
            .filter(|s| matches!(s.path.0.first(), Some(PathSegment::Key(root)) if root == "meta"));
        let mut masked = Cow::Borrowed(&self.meta);
        for secret in facets {
            let keys: Vec<&str> = secret.path.0[1..]
                .iter()
                .filter_map(|s| match s {
                    PathSegment::Key(k) => Some(k.as_str()),
                    PathSegment::Index(_) => None,
                })
                .collect();
            if let Some(text) = facet_mut(masked.to_mut(), &keys).and_then(Option::as_mut) {
                *text = match secret.treatment {
                    Treatment::Whole => mask_secret(text),
                    Treatment::Within => crate::secrets::mask_text(text).into_owned(),
                };
            }
        }
        masked
    }
}

/// The text facet at `keys` (below `meta`), as [`facet_texts`] names them.
fn facet_mut<'m>(meta: &'m mut Meta, keys: &[&str]) -> Option<&'m mut Option<String>> {
    Some(match keys {
        ["type"] => &mut meta.event_type,
        ["version"] => &mut meta.version,
        ["event_id"] => &mut meta.event_id,
        ["correlation", "correlation_id"] => &mut meta.correlation.correlation_id,
        ["correlation", "causation_id"] => &mut meta.correlation.causation_id,
        ["correlation", "trace_id"] => &mut meta.correlation.trace_id,
        ["location", "country"] => &mut meta.location.as_mut()?.country,
        ["location", "country_code_format"] => &mut meta.location.as_mut()?.country_code_format,
        ["location", "ip"] => &mut meta.location.as_mut()?.ip,
        ["security", "principal"] => &mut meta.security.as_mut()?.principal,
        _ => return None,
    })
}

/// Appends to `secrets` (the event's, as the policy found them) the place
/// of every facet of `meta` whose text is the text of one of them, with
/// its treatment, and of every problem message the value policy finds a
/// secret in. Nothing to do for an event without secrets and whose
/// messages hold none.
pub(super) fn add_repeated(
    meta: &Meta,
    problems: &[Problem],
    event: &Event,
    body: &Body,
    policy: &Policy,
    secrets: &mut Vec<Secret>,
) {
    if !secrets.is_empty() {
        let mut texts = Vec::new();
        for secret in secrets.iter() {
            secret_texts(event, body, secret, &mut texts);
        }
        let mut repeated = Vec::new();
        for (path, facet) in facet_texts(meta) {
            let facet = trim(facet);
            if let Some((_, treatment)) = texts.iter().find(|(text, _)| trim(text) == facet) {
                repeated.push(Secret {
                    path: SecretPath::keys(path.iter().copied()),
                    treatment: *treatment,
                });
            }
        }
        secrets.append(&mut repeated);
    }
    for (i, problem) in problems.iter().enumerate() {
        if policy.finds_in_text(&problem.message) {
            secrets.push(Secret {
                path: SecretPath(vec![
                    PathSegment::Key("problems".into()),
                    PathSegment::Index(i),
                    PathSegment::Key("message".into()),
                ]),
                treatment: Treatment::Within,
            });
        }
    }
}

/// The facets of `meta` copied from an event's text, with their paths in
/// the capture document.
fn facet_texts(meta: &Meta) -> Vec<(&'static [&'static str], &str)> {
    let mut out: Vec<(&'static [&'static str], Option<&str>)> = vec![
        (&["meta", "type"], meta.event_type.as_deref()),
        (&["meta", "version"], meta.version.as_deref()),
        (&["meta", "event_id"], meta.event_id.as_deref()),
        (
            &["meta", "correlation", "correlation_id"],
            meta.correlation.correlation_id.as_deref(),
        ),
        (
            &["meta", "correlation", "causation_id"],
            meta.correlation.causation_id.as_deref(),
        ),
        (
            &["meta", "correlation", "trace_id"],
            meta.correlation.trace_id.as_deref(),
        ),
    ];
    if let Some(location) = &meta.location {
        out.extend([
            (
                &["meta", "location", "country"][..],
                location.country.as_deref(),
            ),
            (
                &["meta", "location", "country_code_format"],
                location.country_code_format.as_deref(),
            ),
            (&["meta", "location", "ip"], location.ip.as_deref()),
        ]);
    }
    if let Some(security) = &meta.security {
        out.push((
            &["meta", "security", "principal"],
            security.principal.as_deref(),
        ));
    }
    out.into_iter()
        .filter_map(|(path, text)| Some((path, text?)))
        .collect()
}

/// The texts (strings and numbers) `secret` hides in the event, each with
/// the secret's treatment: the string at its place, or every one inside
/// the object or array there.
fn secret_texts(event: &Event, body: &Body, secret: &Secret, out: &mut Vec<(String, Treatment)>) {
    let mut push = |text: String| out.push((text, secret.treatment));
    let [PathSegment::Key(root), rest @ ..] = secret.path.0.as_slice() else {
        return;
    };
    let start = match (root.as_str(), rest) {
        ("id", []) => return push(event.id.clone()),
        ("source", []) => return push(event.source.clone()),
        ("key", []) => return event.key.iter().for_each(|k| push(k.clone())),
        ("attributes", [PathSegment::Key(name), rest @ ..]) => match event.attributes.get(name) {
            Some(text) => (Value::String(text.clone()), rest),
            None => return,
        },
        ("system", [PathSegment::Key(name), rest @ ..]) => match event.system.get(name) {
            Some(value) => (value.clone(), rest),
            None => return,
        },
        ("body", rest) => match body {
            Body::Json(value) => return leaves_at(value, rest, &mut push),
            Body::Text(text) => (Value::String(text.clone()), rest),
            Body::Binary(_) => return,
        },
        _ => return,
    };
    leaves_at(&start.0, start.1, &mut push);
}

/// Every string and number at `path` in `value`, looking inside strings
/// that hold JSON on the way (as secret paths do).
fn leaves_at(value: &Value, path: &[PathSegment], push: &mut dyn FnMut(String)) {
    let Some((first, rest)) = path.split_first() else {
        return leaves(value, push);
    };
    match (first, value) {
        (_, Value::String(text)) => {
            if let Ok(inner) = serde_json::from_str::<Value>(text) {
                leaves_at(&inner, path, push);
            }
        }
        (PathSegment::Key(k), Value::Object(map)) => {
            if let Some(child) = map.get(k.as_str()) {
                leaves_at(child, rest, push);
            }
        }
        (PathSegment::Index(i), Value::Array(items)) => {
            if let Some(child) = items.get(*i) {
                leaves_at(child, rest, push);
            }
        }
        _ => {}
    }
}

fn leaves(value: &Value, push: &mut dyn FnMut(String)) {
    match value {
        Value::String(s) => push(s.clone()),
        Value::Number(n) => push(n.to_string()),
        Value::Object(map) => map.values().for_each(|v| leaves(v, push)),
        Value::Array(items) => items.iter().for_each(|v| leaves(v, push)),
        Value::Bool(_) | Value::Null => {}
    }
}
