//! The canonical hash of a body, from the value the scan decoded: a walk
//! of it, not a second parse of its bytes.
//!
//! Object members are combined order-independently (a sum of per-member
//! hashes), array elements in order, and members or elements under an
//! `--ignore` path leave no trace. Written by hand because no crate hashes
//! JSON canonically with paths left out.
//!
//! Two bodies get the same hash (bar 64-bit collisions) exactly when they
//! decode to equal values: numbers compare as serde_json reads them
//! (integers by value, floats by their `f64`, so `1` and `1.0` differ, as
//! `Number::to_string` tells them apart), strings by their unescaped text,
//! whitespace and member order never count; text and bytes that are not
//! JSON hash as such, apart from any JSON.

use serde_json::Value;
use twox_hash::XxHash3_64;

use super::{Ignore, Pattern};
use crate::model::Body;

// Seeds telling the kinds of values apart (arbitrary odd constants).
const NULL: u64 = 0x9e37_79b9_7f4a_7c15;
const FALSE: u64 = 0xbf58_476d_1ce4_e5b9;
const TRUE: u64 = 0x94d0_49bb_1331_11eb;
const INT: u64 = 0x2545_f491_4f6c_dd1d;
const FLOAT: u64 = 0x6a09_e667_f3bc_c909;
const STRING: u64 = 0xbb67_ae85_84ca_a73b;
const ARRAY: u64 = 0x3c6e_f372_fe94_f82b;
const OBJECT: u64 = 0xa54f_f53a_5f1d_36f1;
const TEXT: u64 = 0x510e_527f_ade6_82d1;
const BINARY: u64 = 0x9b05_688c_2b3e_6c1f;
/// A JSON body wholly under an ignored path.
const NOTHING: u64 = 0x1f83_d9ab_fb41_bd6b;

/// `value` mixed into `seed`.
fn combine(seed: u64, value: u64) -> u64 {
    XxHash3_64::oneshot_with_seed(seed, &value.to_le_bytes())
}

/// The canonical hash of a decoded body, paths under `ignore` left out.
pub(super) fn body_hash(body: &Body, ignore: &[Ignore]) -> u64 {
    match body {
        Body::Json(value) => value_hash(value, ignore),
        Body::Text(text) => combine(TEXT, XxHash3_64::oneshot(text.as_bytes())),
        Body::Binary(bytes) => combine(BINARY, XxHash3_64::oneshot(bytes)),
    }
}

/// The hash of a JSON value, paths under `ignore` left out.
fn value_hash(value: &Value, ignore: &[Ignore]) -> u64 {
    if ignore.iter().any(|i| i.steps.is_empty()) {
        return NOTHING;
    }
    let mut active: Vec<u32> = (0..ignore.len() as u32).collect();
    let node = Node {
        ignore,
        active: &mut active,
        from: 0,
        depth: 0,
    };
    node.hash_value(value)
}

/// One step into a value.
#[derive(Clone, Copy)]
enum Step<'a> {
    Name(&'a str),
    Index(usize),
}

/// A value to hash at some depth of the body. `active[from..]` are the
/// ignore paths whose first `depth` steps lead here and that go deeper.
struct Node<'s> {
    ignore: &'s [Ignore],
    active: &'s mut Vec<u32>,
    from: usize,
    depth: usize,
}

impl Node<'_> {
    /// Push the ignore paths that follow `step` from here and return where
    /// they start; `None` (nothing pushed) when one of them ends there: the
    /// child is ignored. The caller truncates `active` back after the child.
    fn enter(&mut self, step: Step<'_>) -> Option<usize> {
        let start = self.active.len();
        for k in self.from..start {
            let index = self.active[k];
            let steps = &self.ignore[index as usize].steps;
            let hit = match (&steps[self.depth], step) {
                (Pattern::Any, _) => true,
                (Pattern::Name(a), Step::Name(b)) => a == b,
                (Pattern::Index(a), Step::Index(b)) => *a == b,
                _ => false,
            };
            if !hit {
                continue;
            }
            if steps.len() == self.depth + 1 {
                self.active.truncate(start);
                return None;
            }
            self.active.push(index);
        }
        Some(start)
    }

    /// The hash of `value`.
    fn hash_value(mut self, value: &Value) -> u64 {
        match value {
            Value::Null => NULL,
            Value::Bool(true) => TRUE,
            Value::Bool(false) => FALSE,
            // An integer as an i128 (a non-negative i64 as the same u64).
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(v), _) => combine(combine(INT, v), 0),
                (None, Some(v)) => combine(combine(INT, v as u64), u64::MAX),
                _ => combine(FLOAT, n.as_f64().unwrap_or(f64::NAN).to_bits()),
            },
            Value::String(v) => combine(STRING, XxHash3_64::oneshot(v.as_bytes())),
            Value::Array(items) => {
                let mut hash = ARRAY;
                for (index, item) in items.iter().enumerate() {
                    let start = self.active.len();
                    if let Some(from) = self.enter(Step::Index(index)) {
                        hash = combine(hash, self.child(from).hash_value(item));
                    }
                    self.active.truncate(start);
                }
                combine(hash, items.len() as u64)
            }
            Value::Object(map) => {
                let mut sum = 0u64;
                let mut members = 0u64;
                for (name, item) in map {
                    let start = self.active.len();
                    if let Some(from) = self.enter(Step::Name(name)) {
                        let value = self.child(from).hash_value(item);
                        let name = XxHash3_64::oneshot(name.as_bytes());
                        sum = sum.wrapping_add(combine(name, value));
                        members += 1;
                    }
                    self.active.truncate(start);
                }
                combine(combine(OBJECT, members), sum)
            }
        }
    }

    /// The node for a child, whose ignore paths start at `from` (where
    /// [`Node::enter`] put them).
    fn child(&mut self, from: usize) -> Node<'_> {
        Node {
            ignore: self.ignore,
            from,
            active: &mut *self.active,
            depth: self.depth + 1,
        }
    }
}
