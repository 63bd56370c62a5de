//! Contracts from JSON Schema files: which type and version each file is
//! for, and which files are only shared definitions that others `$ref`.
//!
//! A file's type and version come from, in order: the keywords
//! `x-evscope-type` / `x-evscope-version`; the layout `TYPE/VERSION.json`;
//! its `title`, then the last segment of its `$id`, when either is a name
//! (no spaces); its file name (`TYPE.json`). A file that another file
//! `$ref`s is a shared definition, not a contract, unless it names its type
//! with `x-evscope-type`.

use std::collections::HashSet;

use serde_json::Value;

use super::{ContractFile, Found, asyncapi};

/// The contracts among the schema files of `documents`.
pub(super) fn schema_contracts(documents: &[(&ContractFile, Value)]) -> Vec<Found> {
    let schemas: Vec<&(&ContractFile, Value)> = documents
        .iter()
        .filter(|(_, v)| v.is_object() && !asyncapi::is_asyncapi(v))
        .collect();
    let mut referenced = HashSet::new();
    for (file, schema) in &schemas {
        collect_refs(schema, &file.uri, &mut referenced);
    }
    schemas
        .into_iter()
        .filter_map(|(file, schema)| {
            let explicit = text(schema, "x-evscope-type");
            if explicit.is_none() && referenced.contains(file.uri.as_str()) {
                return None;
            }
            let (event_type, version) = names(file, schema, explicit);
            Some(Found {
                event_type,
                version,
                name: file.relative.clone(),
                deprecated: schema.get("deprecated") == Some(&Value::Bool(true)),
                schema: schema.clone(),
                base: file.uri.clone(),
                draft: None,
                file: file.display.clone(),
            })
        })
        .collect()
}

/// The type and version a schema file is for.
fn names(
    file: &ContractFile,
    schema: &Value,
    explicit: Option<String>,
) -> (String, Option<String>) {
    let parts: Vec<&str> = file.relative.split('/').filter(|p| !p.is_empty()).collect();
    let stem = |name: &str| {
        name.rsplit_once('.')
            .map_or(name, |(stem, _)| stem)
            .to_string()
    };
    let layout = (parts.len() >= 2).then(|| {
        (
            parts[parts.len() - 2].to_string(),
            stem(parts[parts.len() - 1]),
        )
    });
    let version = text(schema, "x-evscope-version").or_else(|| layout.clone().map(|(_, v)| v));
    let event_type = explicit
        .or_else(|| layout.map(|(t, _)| t))
        .or_else(|| text(schema, "title").filter(|t| is_name(t)))
        .or_else(|| {
            text(schema, "$id")
                .and_then(|id| {
                    let last = id.trim_end_matches('/').rsplit('/').next()?.to_string();
                    Some(stem(&last))
                })
                .filter(|t| is_name(t))
        })
        .unwrap_or_else(|| stem(parts.last().copied().unwrap_or(&file.relative)));
    (event_type, version)
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && !text.contains(char::is_whitespace)
}

fn text(schema: &Value, key: &str) -> Option<String> {
    match schema.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Every document URI (no fragment) that `value` `$ref`s from `base`.
fn collect_refs(value: &Value, base: &str, out: &mut HashSet<String>) {
    match value {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                if let Some(target) = resolve(base, r) {
                    out.insert(target);
                }
            }
            o.values().for_each(|v| collect_refs(v, base, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, base, out)),
        _ => {}
    }
}

/// The document a `$ref` names, resolved against `base` (a `file://` URI);
/// `None` for a reference inside the same document.
pub(super) fn resolve(base: &str, reference: &str) -> Option<String> {
    let document = reference.split('#').next().unwrap_or("");
    if document.is_empty() {
        return None;
    }
    if document.contains("://") || document.starts_with("file:") {
        return Some(document.to_string());
    }
    let (scheme_and_dir, _) = base.rsplit_once('/')?;
    let (scheme, dir) = scheme_and_dir.split_once("://")?;
    let mut segments: Vec<&str> = if document.starts_with('/') {
        vec![""]
    } else {
        dir.split('/').collect()
    };
    for segment in document.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
            }
            s => segments.push(s),
        }
    }
    Some(format!("{scheme}://{}", segments.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_resolve_against_the_file() {
        let base = "file:///c/PaymentCreated/v2.json";
        assert_eq!(
            resolve(base, "../common/money.json#/$defs/amount").as_deref(),
            Some("file:///c/common/money.json")
        );
        assert_eq!(
            resolve(base, "./v1.json").as_deref(),
            Some("file:///c/PaymentCreated/v1.json")
        );
        assert_eq!(resolve(base, "#/$defs/x"), None);
    }
}
