//! The canonical hash of a body, computed straight from its raw bytes in
//! one streaming pass: no `serde_json::Value` is built or walked.
//!
//! The bytes are read by serde_json's own deserializer (so what is JSON,
//! how strings unescape and how numbers parse are exactly as for
//! [`Body::decode`](crate::model::Body::decode)) into a visitor that hashes
//! as it goes: object members are combined order-independently (a sum of
//! per-member hashes), array elements in order, and members or elements
//! under an `--ignore` path leave no trace. Written by hand because no
//! crate hashes JSON canonically while parsing it.
//!
//! Two bodies get the same hash (bar 64-bit collisions) exactly when their
//! canonical forms are equal: numbers compare as serde_json reads them
//! (integers by value, floats by their `f64`, so `1` and `1.0` differ, as
//! `Number::to_string` tells them apart), strings by their unescaped text,
//! whitespace and member order never count. The one difference with a
//! decoded `Value`: an object naming one member twice hashes both, where a
//! `Value` keeps the last.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use twox_hash::XxHash3_64;

use super::{Ignore, Pattern};

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

/// The canonical hash of the body `raw` decodes to: a JSON value (paths
/// under `ignore` left out), else UTF-8 text, else bytes, as
/// [`Body::decode`](crate::model::Body::decode) tells them apart.
pub(super) fn raw_body_hash(raw: &[u8], ignore: &[Ignore]) -> u64 {
    if let Some(hash) = json_hash(raw, ignore) {
        return hash;
    }
    match std::str::from_utf8(raw) {
        Ok(text) => combine(TEXT, XxHash3_64::oneshot(text.as_bytes())),
        Err(_) => combine(BINARY, XxHash3_64::oneshot(raw)),
    }
}

/// The hash of `raw` as a JSON document, `None` when it is not one.
fn json_hash(raw: &[u8], ignore: &[Ignore]) -> Option<u64> {
    let whole = ignore.iter().any(|i| i.steps.is_empty());
    let mut active: Vec<u32> = if whole {
        Vec::new()
    } else {
        (0..ignore.len() as u32).collect()
    };
    let node = Node {
        ignore: if whole { &[] } else { ignore },
        active: &mut active,
        from: 0,
        depth: 0,
    };
    let mut de = serde_json::Deserializer::from_slice(raw);
    let hash = node.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(if whole { NOTHING } else { hash })
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

    /// The node for a child: `from` the start [`Node::enter`] returned, or
    /// an ignored child (hashed only so that the same bytes are accepted as
    /// JSON as by a decode, the hash thrown away).
    fn child(&mut self, from: Option<usize>) -> Node<'_> {
        Node {
            ignore: if from.is_some() { self.ignore } else { &[] },
            from: from.unwrap_or(self.active.len()),
            active: &mut *self.active,
            depth: self.depth + 1,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<u64, E> {
        Ok(NULL)
    }

    fn visit_bool<E>(self, v: bool) -> Result<u64, E> {
        Ok(if v { TRUE } else { FALSE })
    }

    fn visit_u64<E>(self, v: u64) -> Result<u64, E> {
        Ok(combine(combine(INT, v), 0))
    }

    fn visit_i64<E>(self, v: i64) -> Result<u64, E> {
        // As an i128: a non-negative i64 hashes as the same u64.
        Ok(combine(
            combine(INT, v as u64),
            if v < 0 { u64::MAX } else { 0 },
        ))
    }

    fn visit_f64<E>(self, v: f64) -> Result<u64, E> {
        Ok(combine(FLOAT, v.to_bits()))
    }

    fn visit_str<E>(self, v: &str) -> Result<u64, E> {
        Ok(combine(STRING, XxHash3_64::oneshot(v.as_bytes())))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<u64, A::Error> {
        let mut hash = ARRAY;
        let mut len = 0usize;
        loop {
            let start = self.active.len();
            let from = self.enter(Step::Index(len));
            let item = seq.next_element_seed(self.child(from))?;
            self.active.truncate(start);
            let Some(item) = item else { break };
            if from.is_some() {
                hash = combine(hash, item);
            }
            len += 1;
        }
        Ok(combine(hash, len as u64))
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<u64, A::Error> {
        let mut sum = 0u64;
        let mut members = 0u64;
        loop {
            let start = self.active.len();
            let Some((name, from)) = map.next_key_seed(Name { node: &mut self })? else {
                break;
            };
            let value = map.next_value_seed(self.child(from))?;
            self.active.truncate(start);
            if from.is_some() {
                sum = sum.wrapping_add(combine(name, value));
                members += 1;
            }
        }
        Ok(combine(combine(OBJECT, members), sum))
    }
}

/// A member name: its hash, and where the ignore paths under it start
/// (`None`: the member is ignored).
struct Name<'n, 's> {
    node: &'n mut Node<'s>,
}

impl<'de> DeserializeSeed<'de> for Name<'_, '_> {
    type Value = (u64, Option<usize>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name<'_, '_> {
    type Value = (u64, Option<usize>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((
            XxHash3_64::oneshot(v.as_bytes()),
            self.node.enter(Step::Name(v)),
        ))
    }
}
