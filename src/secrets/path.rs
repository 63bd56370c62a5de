//! Where a secret is: a structured path into the capture document, never a
//! printed path to parse again.

use std::fmt;

/// One step of a [`SecretPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// An object member, by its exact name.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A path from the capture document's root (`attributes`, `system`,
/// `body`, `source`...). A string met on the way that holds a JSON object or
/// array (a classic envelope's `payload`) is decoded and the path goes on
/// inside it, as mapping paths do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SecretPath(pub Vec<PathSegment>);

impl SecretPath {
    /// A path of member names.
    pub fn keys<'a>(names: impl IntoIterator<Item = &'a str>) -> SecretPath {
        SecretPath(
            names
                .into_iter()
                .map(|n| PathSegment::Key(n.to_owned()))
                .collect(),
        )
    }

    /// The value at this path in `doc`, looking inside strings that hold
    /// JSON on the way.
    pub fn lookup(&self, doc: &serde_json::Value) -> Option<serde_json::Value> {
        use serde_json::Value;
        let mut value = doc.clone();
        for segment in &self.0 {
            if let Value::String(text) = &value {
                value = serde_json::from_str(text).ok()?;
            }
            value = match (segment, value) {
                (PathSegment::Key(k), Value::Object(mut map)) => map.remove(k.as_str())?,
                (PathSegment::Index(i), Value::Array(mut items)) if *i < items.len() => {
                    items.swap_remove(*i)
                }
                _ => return None,
            };
        }
        Some(value)
    }

    /// Whether this is the path of the attribute `name`.
    pub fn is_attribute(&self, name: &str) -> bool {
        matches!(self.0.as_slice(),
            [PathSegment::Key(root), PathSegment::Key(n)] if root == "attributes" && n == name)
    }

    /// Whether this is the path of system metadata member `name`.
    pub fn is_system(&self, name: &str) -> bool {
        matches!(self.0.as_slice(),
            [PathSegment::Key(root), PathSegment::Key(n), ..] if root == "system" && n == name)
    }
}

/// Shown as dot notation (`$.body.payload.password`, `$.attributes['X-Api-Key']`),
/// for people only: nothing parses this text back.
impl fmt::Display for SecretPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.0 {
            match segment {
                PathSegment::Key(k)
                    if !k.is_empty()
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    write!(f, ".{k}")?
                }
                PathSegment::Key(k) => write!(f, "[{}]", serde_json::Value::from(k.as_str()))?,
                PathSegment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// How a secret is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Treatment {
    /// The whole value: a string or number, or every one inside an object
    /// or array.
    Whole,
    /// Only the secret parts of a string (a URL's password, a header line's
    /// value, a token inside a log line).
    Within,
}

/// A secret found in an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    /// Where it is.
    pub path: SecretPath,
    /// How to hide it.
    pub treatment: Treatment,
}
