//! Contracts from AsyncAPI 2.x and 3.x documents: every message, from the
//! channels (2.x `publish`/`subscribe`, 3.x `messages`) and from
//! `components.messages`, is the contract of one event type.
//!
//! A message's type is its `x-event-type`, else its `name`, else its
//! `title`, else its key under `messages`. Its version is the message's
//! `x-evscope-version` or `x-version`, else the document's `info.version`.
//! It is deprecated when the message, or its payload schema, says
//! `deprecated: true` (or `x-deprecated: true`). Payloads are validated as
//! the JSON Schema (draft 7 superset) AsyncAPI defines; a payload in
//! another schema format (Avro, RAML...) is an error naming it.

use std::collections::HashSet;

use serde_json::Value;

use super::{ContractError, ContractFile, Found};

/// Whether a document is an AsyncAPI document.
pub(super) fn is_asyncapi(document: &Value) -> bool {
    document.get("asyncapi").is_some_and(Value::is_string)
}

/// The contracts of every message of an AsyncAPI document.
pub(super) fn messages(file: &ContractFile, document: &Value) -> Result<Vec<Found>, ContractError> {
    let spec = document["asyncapi"].as_str().unwrap_or_default();
    let major = spec.split('.').next().unwrap_or_default();
    if major != "2" && major != "3" {
        return Err(error(
            file,
            "/asyncapi",
            format!("AsyncAPI {spec} is not supported (2.x and 3.x are)"),
        ));
    }
    let mut at = Vec::new();
    if let Some(channels) = document.get("channels").and_then(Value::as_object) {
        for (name, channel) in channels {
            let base = format!("/channels/{}", escape(name));
            if major == "2" {
                for op in ["publish", "subscribe"] {
                    if let Some(message) = channel.get(op).and_then(|o| o.get("message")) {
                        let pointer = format!("{base}/{op}/message");
                        match message.get("oneOf").and_then(Value::as_array) {
                            Some(all) => at.extend(
                                (0..all.len()).map(|i| (format!("{pointer}/oneOf/{i}"), None)),
                            ),
                            None => at.push((pointer, None)),
                        }
                    }
                }
            } else if let Some(messages) = channel.get("messages").and_then(Value::as_object) {
                at.extend(
                    messages
                        .keys()
                        .map(|k| (format!("{base}/messages/{}", escape(k)), Some(k.clone()))),
                );
            }
        }
    }
    if let Some(messages) = document
        .pointer("/components/messages")
        .and_then(Value::as_object)
    {
        at.extend(messages.keys().map(|k| {
            (
                format!("/components/messages/{}", escape(k)),
                Some(k.clone()),
            )
        }));
    }
    let doc_version = document
        .pointer("/info/version")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for (pointer, key) in at {
        let (pointer, message) = follow(file, document, &pointer)?;
        if !seen.insert(pointer.clone()) {
            continue;
        }
        let Some(message) = message.as_object() else {
            return Err(error(file, &pointer, "a message must be an object".into()));
        };
        if message.get("payload").is_none() {
            continue;
        }
        let (followed, payload) = follow(file, document, &format!("{pointer}/payload"))?;
        // A 3.x Multi Format Schema Object holds the schema under `schema`;
        // a 2.x message says its payload's format itself.
        let multi_format = payload.get("schemaFormat").is_some() && payload.get("schema").is_some();
        let format = payload
            .get("schemaFormat")
            .or_else(|| message.get("schemaFormat"))
            .and_then(Value::as_str);
        if let Some(format) = format.filter(|f| !is_json_schema(f)) {
            return Err(error(
                file,
                &pointer,
                format!(
                    "payload schema format {format} is not JSON Schema; evscope validates JSON Schema payloads only"
                ),
            ));
        }
        let (schema_pointer, schema) = if multi_format {
            (format!("{followed}/schema"), &payload["schema"])
        } else {
            (followed, payload)
        };
        let text = |k: &str| message.get(k).and_then(Value::as_str).map(str::to_string);
        let Some(event_type) = text("x-event-type")
            .or_else(|| text("name"))
            .or_else(|| text("messageId"))
            .or_else(|| text("title"))
            .or(key)
        else {
            return Err(error(
                file,
                &pointer,
                "the message has no x-event-type, name or title to tell its event type".into(),
            ));
        };
        let flag = |v: &Value| {
            v.get("deprecated") == Some(&Value::Bool(true))
                || v.get("x-deprecated") == Some(&Value::Bool(true))
        };
        found.push(Found {
            version: text("x-evscope-version")
                .or_else(|| text("x-version"))
                .or_else(|| doc_version.clone()),
            name: format!("{}#{pointer}", file.relative),
            deprecated: flag(&Value::Object(message.clone())) || flag(schema),
            schema: serde_json::json!({ "$ref": format!("{}#{}", file.uri, schema_pointer) }),
            // Not the document's own URI: that one must resolve to the whole
            // document, which the `$ref` above points into.
            base: format!("{}?evscope-message", file.uri),
            draft: Some(jsonschema::Draft::Draft7),
            file: file.display.clone(),
            event_type,
        });
    }
    Ok(found)
}

/// The value at `pointer`, following local `$ref`s (`#/components/...`).
fn follow<'d>(
    file: &ContractFile,
    document: &'d Value,
    pointer: &str,
) -> Result<(String, &'d Value), ContractError> {
    let mut pointer = pointer.to_string();
    for _ in 0..16 {
        let Some(value) = document.pointer(&pointer) else {
            return Err(error(file, &pointer, "nothing is there".into()));
        };
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => pointer = r[1..].to_string(),
            Some(r) => {
                return Err(error(
                    file,
                    &pointer,
                    format!("$ref {r} leaves the document; put the message in it"),
                ));
            }
            None => return Ok((pointer, value)),
        }
    }
    Err(error(file, &pointer, "$ref loop".into()))
}

fn is_json_schema(format: &str) -> bool {
    let f = format.to_ascii_lowercase();
    f.starts_with("application/vnd.aai.asyncapi")
        || f.starts_with("application/schema+json")
        || f.starts_with("application/schema+yaml")
}

/// A key as a JSON pointer segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn error(file: &ContractFile, pointer: &str, reason: String) -> ContractError {
    ContractError::AsyncApi {
        file: file.display.clone(),
        pointer: pointer.to_string(),
        reason,
    }
}
