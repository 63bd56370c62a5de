//! Hiding found secrets in a capture document.

use serde_json::Value;

use super::Policy;
use super::path::{PathSegment, Secret, Treatment};
use crate::sanitize::mask_secret;

/// Mask every secret of `secrets` in `doc` (a capture document, or any
/// value their paths start from). A path that leads nowhere is ignored. A
/// string on the way that holds JSON is decoded once, masked inside, and
/// encoded again. Returns whether anything was masked.
pub fn mask_document(doc: &mut Value, secrets: &[Secret], policy: &Policy) -> bool {
    let items: Vec<(&[PathSegment], Treatment)> = secrets
        .iter()
        .map(|s| (s.path.0.as_slice(), s.treatment))
        .collect();
    apply(doc, &items, policy)
}

fn apply(value: &mut Value, items: &[(&[PathSegment], Treatment)], policy: &Policy) -> bool {
    // Items ending here first; a whole mask makes the rest moot.
    let mut deeper = Vec::new();
    let mut within = false;
    for (path, treatment) in items {
        match (path.is_empty(), treatment) {
            (true, Treatment::Whole) => return mask_whole(value),
            (true, Treatment::Within) => within = true,
            (false, _) => deeper.push((*path, *treatment)),
        }
    }
    if deeper.is_empty() {
        if within && let Value::String(s) = value {
            if let std::borrow::Cow::Owned(masked) = policy.mask_text(s) {
                *s = masked;
                return true;
            }
        }
        return false;
    }
    if let Value::String(text) = value {
        // A JSON-encoded string: mask inside it and encode it again.
        if let Ok(mut inner) = serde_json::from_str::<Value>(text)
            && apply(&mut inner, &deeper, policy)
            && let Ok(encoded) = serde_json::to_string(&inner)
        {
            *text = encoded;
            return true;
        }
        return false;
    }
    let mut changed = false;
    // Group by first segment, in order.
    let mut done = vec![false; deeper.len()];
    for i in 0..deeper.len() {
        if done[i] {
            continue;
        }
        let first = &deeper[i].0[0];
        let mut group: Vec<(&[PathSegment], Treatment)> = Vec::new();
        for (j, (p, t)) in deeper.iter().enumerate() {
            if !done[j] && &p[0] == first {
                done[j] = true;
                group.push((&p[1..], *t));
            }
        }
        let child = match (first, &mut *value) {
            (PathSegment::Key(k), Value::Object(map)) => map.get_mut(k.as_str()),
            (PathSegment::Index(i), Value::Array(items)) => items.get_mut(*i),
            _ => None,
        };
        if let Some(child) = child {
            changed |= apply(child, &group, policy);
        }
    }
    changed
}

/// Mask every string and number in `value`; whether there was one.
fn mask_whole(value: &mut Value) -> bool {
    let mut changed = false;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                *s = mask_secret(s);
                changed = true;
            }
            Value::Number(n) => {
                *v = Value::String(mask_secret(&n.to_string()));
                changed = true;
            }
            Value::Object(m) => stack.extend(m.values_mut()),
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::Bool(_) | Value::Null => {}
        }
    }
    changed
}
