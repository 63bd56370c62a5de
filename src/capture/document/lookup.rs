//! A document answering a filter's paths one field at a time (see
//! [`Lookup`]): a comparison on `@.meta.expired` builds that one member,
//! not a capture document of every field the filter names.

use std::borrow::Cow;

use serde_json::Value;

use super::{Document, Fields, meta_member, meta_value};
use crate::filter::{Lookup, Step, resolve};
use crate::model::{Body, Correlation};

/// A [`Document`] seen as its capture document, each field built (as the
/// whole document builds it) only when a path reaches it.
pub struct DocumentPaths<'d>(pub &'d Document);

impl Lookup for DocumentPaths<'_> {
    fn lookup(&self, steps: &[Step]) -> Option<Cow<'_, Value>> {
        let (Step::Name(root), rest) = steps.split_first()? else {
            return None; // the document is an object
        };
        let doc = self.0;
        match root.as_str() {
            "body" => match &doc.body {
                Body::Json(value) => resolve(value, rest).map(Cow::Borrowed),
                other => owned(other.to_capture_value(), rest),
            },
            "meta" => {
                let meta = &doc.inspection.meta;
                match rest.split_first() {
                    Some((Step::Name(name), deeper)) => {
                        let i = Fields::META_NAMES.iter().position(|n| n == name)?;
                        if Fields::META_NAMES[i] == "correlation" {
                            return correlation(&meta.correlation, deeper);
                        }
                        owned(meta_member(meta, i)?, deeper)
                    }
                    _ => owned(meta_value(meta, Fields::ALL.meta), rest),
                }
            }
            name => {
                let i = Fields::NAMES.iter().position(|n| *n == name)?;
                owned(doc.head_value(i, 0)?, rest)
            }
        }
    }
}

/// `steps` into the correlation facet, as into its serialized object (each
/// id a string or `null`), making only the id they name.
fn correlation(c: &Correlation, steps: &[Step]) -> Option<Cow<'static, Value>> {
    let Some((Step::Name(name), rest)) = steps.split_first() else {
        return owned(serde_json::to_value(c).ok()?, steps);
    };
    let id = match name.as_str() {
        "correlation_id" => &c.correlation_id,
        "causation_id" => &c.causation_id,
        "trace_id" => &c.trace_id,
        _ => return None,
    };
    owned(id.clone().map_or(Value::Null, Value::String), rest)
}

/// The node `steps` lead to in a value built for one lookup.
fn owned(value: Value, steps: &[Step]) -> Option<Cow<'static, Value>> {
    if steps.is_empty() {
        return Some(Cow::Owned(value));
    }
    resolve(&value, steps).cloned().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path into the correlation facet finds what it finds in the
    /// facet's serialized object.
    #[test]
    fn correlation_paths_read_as_the_serialized_facet() {
        let facets = [
            Correlation::default(),
            Correlation {
                correlation_id: Some("c-1".into()),
                causation_id: None,
                trace_id: Some("t".into()),
            },
        ];
        let names = ["correlation_id", "causation_id", "trace_id", "other", "0"];
        for c in &facets {
            let value = serde_json::to_value(c).unwrap();
            let mut paths: Vec<Vec<Step>> = vec![vec![], vec![Step::Index(0)]];
            for name in names {
                paths.push(vec![Step::Name(name.into())]);
                paths.push(vec![Step::Name(name.into()), Step::Index(0)]);
                paths.push(vec![Step::Name(name.into()), Step::Name("x".into())]);
            }
            for steps in paths {
                let want = resolve(&value, &steps).cloned();
                let got = correlation(c, &steps).map(Cow::into_owned);
                assert_eq!(got, want, "{c:?} {steps:?}");
            }
        }
    }
}
