//! A document answering a filter's paths one field at a time (see
//! [`Lookup`]): a comparison on `@.meta.expired` builds that one member,
//! not a capture document of every field the filter names.

use std::borrow::Cow;

use serde_json::Value;

use super::{Document, Fields, meta_member, meta_value};
use crate::filter::{Lookup, Step, resolve};
use crate::model::Body;

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

/// The node `steps` lead to in a value built for one lookup.
fn owned(value: Value, steps: &[Step]) -> Option<Cow<'static, Value>> {
    if steps.is_empty() {
        return Some(Cow::Owned(value));
    }
    resolve(&value, steps).cloned().map(Cow::Owned)
}
