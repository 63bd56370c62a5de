//! Contracts inferred from what flows: one JSON Schema (2020-12) per event
//! type and version, that every event it was inferred from satisfies.
//!
//! - `required`: the fields every event carries at that place;
//! - `type`: every JSON type seen (an integer seen with fractions is a
//!   `number`);
//! - `enum`: a small closed set of strings (at most [`ENUM_MAX`] values,
//!   each seen [`ENUM_REPEAT`] times on average);
//! - `format: date-time` where every string parses as RFC 3339;
//! - `examples`: the first value seen, never under a secret name nor one
//!   that looks like a credential (nor does a secret make an `enum`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::secrets::Policy;

/// The most values a string field may take to be written as an `enum`.
pub const ENUM_MAX: usize = 8;
/// How many times each value must be seen on average to make an `enum`.
pub const ENUM_REPEAT: u64 = 3;

/// The schema inferred for one event type and version.
#[derive(Debug, Clone, PartialEq)]
pub struct InferredSchema {
    /// The event type.
    pub event_type: String,
    /// The version, when the events name one.
    pub version: Option<String>,
    /// How many events it was inferred from.
    pub events: u64,
    /// The JSON Schema.
    pub schema: Value,
}

/// What was seen at one place of the documents.
#[derive(Debug, Default)]
struct Shape {
    null: bool,
    boolean: bool,
    integer: bool,
    number: bool,
    strings: Option<Strings>,
    object: Option<Object>,
    array: Option<Box<Shape>>,
    example: Option<Value>,
}

#[derive(Debug, Default)]
struct Strings {
    count: u64,
    /// Distinct values, until there are more than [`ENUM_MAX`].
    distinct: Option<Vec<String>>,
    all_date_time: bool,
}

#[derive(Debug, Default)]
struct Object {
    count: u64,
    /// Field shapes and how many objects carried each, in first-seen order.
    fields: Vec<(String, u64, Shape)>,
}

impl Shape {
    fn add(&mut self, value: &Value, secret: bool, policy: &Policy) {
        match value {
            Value::Null => self.null = true,
            Value::Bool(_) => self.boolean = true,
            Value::Number(n) => {
                if n.is_f64() {
                    self.number = true;
                } else {
                    self.integer = true;
                }
                if !secret && self.example.is_none() {
                    self.example = Some(value.clone());
                }
            }
            Value::String(s) => {
                let secret = secret || policy.finds_in_text(s);
                let strings = self.strings.get_or_insert_with(|| Strings {
                    distinct: Some(Vec::new()),
                    all_date_time: true,
                    ..Strings::default()
                });
                strings.count += 1;
                strings.all_date_time &= chrono::DateTime::parse_from_rfc3339(s).is_ok();
                if secret {
                    strings.distinct = None;
                } else if let Some(d) = &mut strings.distinct {
                    if !d.iter().any(|x| x == s) {
                        d.push(s.clone());
                    }
                    if d.len() > ENUM_MAX {
                        strings.distinct = None;
                    }
                }
                if !secret && self.example.is_none() {
                    self.example = Some(value.clone());
                }
            }
            Value::Array(items) => {
                let shape = self.array.get_or_insert_with(Box::default);
                for item in items {
                    shape.add(item, secret, policy);
                }
            }
            Value::Object(fields) => {
                let object = self.object.get_or_insert_with(Object::default);
                object.count += 1;
                for (name, v) in fields {
                    let secret = secret || policy.is_secret_name(name);
                    let i = match object.fields.iter().position(|(n, _, _)| n == name) {
                        Some(i) => i,
                        None => {
                            object.fields.push((name.clone(), 0, Shape::default()));
                            object.fields.len() - 1
                        }
                    };
                    let (_, seen, shape) = &mut object.fields[i];
                    *seen += 1;
                    shape.add(v, secret, policy);
                }
            }
        }
    }

    fn schema(&self) -> Value {
        let mut types = Vec::new();
        let mut schema = Map::new();
        if let Some(object) = &self.object {
            types.push("object");
            let mut properties = Map::new();
            let mut required = Vec::new();
            for (name, seen, shape) in &object.fields {
                properties.insert(name.clone(), shape.schema());
                if *seen == object.count {
                    required.push(Value::String(name.clone()));
                }
            }
            schema.insert("properties".into(), Value::Object(properties));
            if !required.is_empty() {
                schema.insert("required".into(), Value::Array(required));
            }
        }
        if let Some(items) = &self.array {
            types.push("array");
            schema.insert("items".into(), items.schema());
        }
        if let Some(strings) = &self.strings {
            types.push("string");
            if strings.all_date_time {
                schema.insert("format".into(), json!("date-time"));
            } else if let Some(values) = strings
                .distinct
                .as_ref()
                .filter(|d| strings.count >= ENUM_REPEAT * d.len() as u64)
            {
                schema.insert("enum".into(), json!(values));
            }
        }
        if self.number {
            types.push("number");
        } else if self.integer {
            types.push("integer");
        }
        if self.boolean {
            types.push("boolean");
        }
        if self.null {
            types.push("null");
        }
        // An enum of strings must let the other types seen here through.
        if types.len() > 1 {
            if let Some(values) = schema.remove("enum") {
                let mut any_of = vec![json!({"enum": values})];
                any_of.push(
                    json!({"type": types.iter().filter(|t| **t != "string").collect::<Vec<_>>()}),
                );
                schema.insert("anyOf".into(), Value::Array(any_of));
            }
        }
        match types.as_slice() {
            [] => {}
            [one] => {
                schema.insert("type".into(), json!(one));
            }
            many => {
                schema.insert("type".into(), json!(many));
            }
        }
        if let Some(example) = &self.example {
            schema.insert("examples".into(), json!([example]));
        }
        Value::Object(schema)
    }
}

/// Infers one schema per (type, version) from the bodies given. Feed it
/// with [`Inferrer::add`], then [`Inferrer::finish`].
#[derive(Debug, Default)]
pub struct Inferrer {
    shapes: BTreeMap<(String, Option<String>), (u64, Shape)>,
}

impl Inferrer {
    /// Learn from one event's JSON body.
    pub fn add(&mut self, event_type: &str, version: Option<&str>, body: &Value, policy: &Policy) {
        let (count, shape) = self
            .shapes
            .entry((event_type.to_string(), version.map(str::to_string)))
            .or_default();
        *count += 1;
        shape.add(body, false, policy);
    }

    /// The schemas, by type then version.
    pub fn finish(self) -> Vec<InferredSchema> {
        self.shapes
            .into_iter()
            .map(|((event_type, version), (events, shape))| {
                let mut schema = Map::new();
                schema.insert(
                    "$schema".into(),
                    json!("https://json-schema.org/draft/2020-12/schema"),
                );
                schema.insert("title".into(), json!(event_type));
                schema.insert("x-evscope-type".into(), json!(event_type));
                if let Some(v) = &version {
                    schema.insert("x-evscope-version".into(), json!(v));
                }
                schema.insert(
                    "description".into(),
                    json!(format!("Inferred by evscope from {events} events.")),
                );
                if let Value::Object(rest) = shape.schema() {
                    schema.extend(rest);
                }
                InferredSchema {
                    event_type,
                    version,
                    events,
                    schema: Value::Object(schema),
                }
            })
            .collect()
    }
}

/// Infer the schemas of a set of events at once (see [`Inferrer`]).
pub fn infer_schemas<'a>(
    events: impl IntoIterator<Item = (&'a str, Option<&'a str>, &'a Value)>,
    policy: &Policy,
) -> Vec<InferredSchema> {
    let mut inferrer = Inferrer::default();
    for (event_type, version, body) in events {
        inferrer.add(event_type, version, body, policy);
    }
    inferrer.finish()
}
