//! The canonical hash of a body, computed straight from its raw bytes in
//! one streaming pass: no `serde_json::Value` is built or walked, so a
//! scan that hashes bodies builds only the few members its key reads.
//!
//! Most bodies are read by hand ([`crate::model::lex`], which accepts only
//! what serde_json accepts, numbers other than plain integers read by
//! serde_json itself); any other is read by serde_json's own deserializer
//! into a visitor that hashes alike (so what is JSON, how strings unescape
//! and how numbers parse are exactly as for
//! [`Body::decode`](crate::model::Body::decode)). Both hash as they go:
//! object members are combined order-independently (a sum of per-member
//! hashes), array elements in order, and members or elements under an
//! `--ignore` path leave no trace. Written by hand because no crate hashes
//! JSON canonically while parsing it.
//!
//! Two bodies get the same hash (bar 64-bit collisions) exactly when they
//! decode to equal values: numbers compare as serde_json reads them
//! (integers by value, floats by their `f64`, so `1` and `1.0` differ, as
//! `Number::to_string` tells them apart), strings by their unescaped text,
//! whitespace and member order never count, and a name given twice in one
//! object counts once, with its last value, as in a decoded `Value`. Text
//! and bytes that are not JSON hash as such, apart from any JSON.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use twox_hash::XxHash3_64;

use super::{Ignore, Pattern};
use crate::model::lex::{self, Member, Token};

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

/// `value` mixed into `seed` (a folded multiply: a body mixes a few
/// values per member, and xxh3's setup cost several times as much).
fn combine(seed: u64, value: u64) -> u64 {
    FixedState::with_seed(seed).hash_one(value)
}

/// The canonical hash of the body `raw` decodes to: a JSON value (paths
/// under `ignore` left out), else UTF-8 text, else bytes, as
/// [`Body::decode`](crate::model::Body::decode) tells them apart.
///
/// `members` are the top-level members of `raw` when its decode read them
/// (see [`Document::raw_members`](crate::capture::Document::raw_members)):
/// then they are not read again.
pub(super) fn raw_body_hash(raw: &[u8], members: Option<&[Member]>, ignore: &[Ignore]) -> u64 {
    if let Some(hash) = json_hash(raw, members, ignore) {
        return hash;
    }
    match std::str::from_utf8(raw) {
        Ok(text) => combine(TEXT, XxHash3_64::oneshot(text.as_bytes())),
        Err(_) => combine(BINARY, XxHash3_64::oneshot(raw)),
    }
}

/// The hash of `raw` as a JSON document, `None` when it is not one.
fn json_hash(raw: &[u8], members: Option<&[Member]>, ignore: &[Ignore]) -> Option<u64> {
    let whole = ignore.iter().any(|i| i.steps.is_empty());
    let ignore = if whole { &[] } else { ignore };
    thread_local! {
        /// Each thread's working memory, kept from body to body.
        static SCRATCH: RefCell<Scratch> = RefCell::default();
    }
    let text = crate::model::utf8(raw)?;
    let hash = SCRATCH.with_borrow_mut(|scratch| {
        let start = |scratch: &mut Scratch| {
            scratch.active.clear();
            scratch.members.clear();
            scratch.active.extend(0..ignore.len() as u32);
        };
        start(scratch);
        members
            .and_then(|members| Plain::members_hash(text, members, ignore, scratch))
            .or_else(|| {
                start(scratch);
                Plain::hash(text, ignore, scratch)
            })
            .or_else(|| {
                start(scratch);
                visited_hash(text, ignore, scratch)
            })
    })?;
    Some(if whole { NOTHING } else { hash })
}

/// The hash of `text` visited by serde_json's parser (`scratch.active`
/// holding every ignore path), `None` when it is not JSON.
fn visited_hash(text: &str, ignore: &[Ignore], scratch: &mut Scratch) -> Option<u64> {
    let node = Node {
        ignore,
        scratch,
        from: 0,
        depth: 0,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let hash = node.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(hash)
}

/// The string at `i` of `text`: where it ends, and its text.
fn string(text: &str, i: usize) -> Option<(usize, Cow<'_, str>)> {
    let (end, escaped) = lex::string_end(text.as_bytes(), i)?;
    Some((end, lex::string_text(&text[i..end], escaped)))
}

/// The hash of a string's (unescaped) text.
fn string_hash(text: &str) -> u64 {
    combine(STRING, XxHash3_64::oneshot(text.as_bytes()))
}

/// The hash of a non-negative integer as serde_json reads it.
fn uint_hash(v: u64) -> u64 {
    combine(combine(INT, v), 0)
}

/// The hash of an integer as serde_json reads it (an i128: a
/// non-negative i64 hashes as the same u64).
fn int_hash(v: i64) -> u64 {
    combine(combine(INT, v as u64), if v < 0 { u64::MAX } else { 0 })
}

/// The hash of a number as serde_json reads it.
fn number_hash(n: &Number) -> u64 {
    match (n.as_u64(), n.as_i64()) {
        (Some(v), _) => uint_hash(v),
        (None, Some(v)) => int_hash(v),
        _ => combine(FLOAT, n.as_f64().unwrap_or(f64::NAN).to_bits()),
    }
}

/// The hash read by hand (see [`crate::model::lex`]) for the plain JSON
/// most bodies are, the same as [`Node`]'s: that reading costs a fraction
/// of a visit through serde. Numbers that are not plain integers are read
/// by serde_json; `None` for a text the hand reading is not sure of
/// (serde_json then decides).
struct Plain<'t, 's> {
    text: &'t str,
    ignore: &'s [Ignore],
    scratch: &'s mut Scratch,
}

impl Plain<'_, '_> {
    fn hash(text: &str, ignore: &[Ignore], scratch: &mut Scratch) -> Option<u64> {
        let bytes = text.as_bytes();
        let mut plain = Plain {
            text,
            ignore,
            scratch,
        };
        let (end, hash) = plain.value(lex::skip_ws(bytes, 0), 0, 0)?;
        (lex::skip_ws(bytes, end) == bytes.len()).then_some(hash)
    }

    /// The hash of the object `text` whose top-level `members` its decode
    /// read by hand: what [`Plain::hash`] gives, without reading their
    /// names, strings and integers again. `None` when they do not fit
    /// `text`, or a nested value is not sure to be read alike.
    fn members_hash(
        text: &str,
        members: &[Member],
        ignore: &[Ignore],
        scratch: &mut Scratch,
    ) -> Option<u64> {
        let mut plain = Plain {
            text,
            ignore,
            scratch,
        };
        for member in members {
            let (name, value) = member.read(text)?;
            let step = Step::Name(name);
            let hash = match member.token {
                Token::Other => plain.child(member.value.start, 0, 0, step)?.1,
                Token::String { escaped } => plain
                    .top_level_kept(step)
                    .then(|| plain.scratch.string_token_hash(value, escaped)),
                Token::Int(int) => plain.top_level_kept(step).then(|| int_hash(int)),
            };
            if let Some(hash) = hash {
                let name_hash = XxHash3_64::oneshot(name.as_bytes());
                plain.scratch.add_member(0, name_hash, hash);
            }
        }
        Some(plain.scratch.object_hash(0))
    }

    /// Whether the top-level member reached by `step` is left out by no
    /// ignore path.
    fn top_level_kept(&mut self, step: Step<'_>) -> bool {
        let active = &mut self.scratch.active;
        let start = active.len();
        let kept = enter(self.ignore, active, 0, 0, step).is_some();
        active.truncate(start);
        kept
    }

    /// The value at `i`, `depth` deep, with the ignore paths of
    /// `active[from..]`: where it ends, and its hash.
    fn value(&mut self, i: usize, from: usize, depth: usize) -> Option<(usize, u64)> {
        let bytes = self.text.as_bytes();
        match *bytes.get(i)? {
            b'"' => {
                let (end, escaped) = lex::string_end(bytes, i)?;
                let token = &self.text[i..end];
                Some((end, self.scratch.string_token_hash(token, escaped)))
            }
            b'{' | b'[' if depth >= lex::MAX_DEPTH => None,
            b'{' => self.object(i, from, depth),
            b'[' => self.array(i, from, depth),
            b't' => Some((lex::literal(bytes, i, b"true")?, TRUE)),
            b'f' => Some((lex::literal(bytes, i, b"false")?, FALSE)),
            b'n' => Some((lex::literal(bytes, i, b"null")?, NULL)),
            _ => match lex::number_end(bytes, i)? {
                (end, Some(int)) => Some((end, int_hash(int))),
                (end, None) => {
                    let number = serde_json::from_str::<Number>(&self.text[i..end]).ok()?;
                    Some((end, number_hash(&number)))
                }
            },
        }
    }

    /// The member or element reached by `step` from a value `depth` deep
    /// (ignore paths `active[from..]`), its value at `i`: where it ends,
    /// and its hash (`None` when it is ignored: checked, not hashed).
    fn child(
        &mut self,
        i: usize,
        from: usize,
        depth: usize,
        step: Step<'_>,
    ) -> Option<(usize, Option<u64>)> {
        let start = self.scratch.active.len();
        let read = match enter(self.ignore, &mut self.scratch.active, from, depth, step) {
            Some(from) => self
                .value(i, from, depth + 1)
                .map(|(end, hash)| (end, Some(hash))),
            None => lex::value_end(self.text.as_bytes(), i, depth + 1).map(|end| (end, None)),
        };
        self.scratch.active.truncate(start);
        read
    }

    fn object(&mut self, i: usize, from: usize, depth: usize) -> Option<(usize, u64)> {
        let bytes = self.text.as_bytes();
        let first = self.scratch.members.len();
        let mut i = lex::skip_ws(bytes, i + 1);
        if bytes.get(i) == Some(&b'}') {
            return Some((i + 1, self.scratch.object_hash(first)));
        }
        let end = loop {
            if bytes.get(i) != Some(&b'"') {
                return None;
            }
            let (name_end, name) = string(self.text, i)?;
            let name_hash = XxHash3_64::oneshot(name.as_bytes());
            i = lex::skip_ws(bytes, name_end);
            if bytes.get(i) != Some(&b':') {
                return None;
            }
            let value_at = lex::skip_ws(bytes, i + 1);
            let (value_end, value) = self.child(value_at, from, depth, Step::Name(&name))?;
            if let Some(value) = value {
                self.scratch.add_member(first, name_hash, value);
            }
            i = lex::skip_ws(bytes, value_end);
            match bytes.get(i)? {
                b',' => i = lex::skip_ws(bytes, i + 1),
                b'}' => break i + 1,
                _ => return None,
            }
        };
        Some((end, self.scratch.object_hash(first)))
    }

    fn array(&mut self, i: usize, from: usize, depth: usize) -> Option<(usize, u64)> {
        let bytes = self.text.as_bytes();
        let mut hash = ARRAY;
        let mut len = 0usize;
        let mut i = lex::skip_ws(bytes, i + 1);
        if bytes.get(i) == Some(&b']') {
            return Some((i + 1, combine(hash, 0)));
        }
        loop {
            let (end, item) = self.child(i, from, depth, Step::Index(len))?;
            if let Some(item) = item {
                hash = combine(hash, item);
            }
            len += 1;
            i = lex::skip_ws(bytes, end);
            match bytes.get(i)? {
                b',' => i = lex::skip_ws(bytes, i + 1),
                b']' => return Some((i + 1, combine(hash, len as u64))),
                _ => return None,
            }
        }
    }
}

/// One step into a value.
#[derive(Clone, Copy)]
enum Step<'a> {
    Name(&'a str),
    Index(usize),
}

/// Push the ignore paths of `active[from..]` (those that lead to a value
/// at `depth`) that follow `step` from it and return where they start;
/// `None` (nothing pushed) when one of them ends there: the child is
/// ignored. The caller truncates `active` back after the child.
fn enter(
    ignore: &[Ignore],
    active: &mut Vec<u32>,
    from: usize,
    depth: usize,
    step: Step<'_>,
) -> Option<usize> {
    let start = active.len();
    for k in from..start {
        let index = active[k];
        let steps = &ignore[index as usize].steps;
        let hit = match (&steps[depth], step) {
            (Pattern::Any, _) => true,
            (Pattern::Name(a), Step::Name(b)) => a == b,
            (Pattern::Index(a), Step::Index(b)) => *a == b,
            _ => false,
        };
        if !hit {
            continue;
        }
        if steps.len() == depth + 1 {
            active.truncate(start);
            return None;
        }
        active.push(index);
    }
    Some(start)
}

/// Working memory shared by every node of one body.
#[derive(Default)]
struct Scratch {
    /// Ignore paths (indexes) that lead to the nodes being read.
    active: Vec<u32>,
    /// Per member of the objects being read: its name's hash and its
    /// share of the object's hash (a name read again replaces its share).
    members: Vec<(u64, u64)>,
    /// The text of the string being hashed, when it has escapes.
    text: String,
}

impl Scratch {
    /// The hash of a string token's text (quotes included), its escapes
    /// read into this scratch's buffer rather than a fresh string.
    fn string_token_hash(&mut self, token: &str, escaped: bool) -> u64 {
        if !escaped {
            return string_hash(&token[1..token.len() - 1]);
        }
        self.text.clear();
        lex::unescape_into(token, &mut self.text);
        string_hash(&self.text)
    }

    /// A member of the object whose members start at `members[first]`:
    /// its share of the object's hash, replacing the share of a member of
    /// the same name read before (the last value counts, as in a `Value`).
    fn add_member(&mut self, first: usize, name: u64, value: u64) {
        let share = combine(name, value);
        match self.members[first..].iter_mut().find(|(n, _)| *n == name) {
            Some(member) => member.1 = share,
            None => self.members.push((name, share)),
        }
    }

    /// The hash of the object whose members start at `members[first]`,
    /// which are then dropped.
    fn object_hash(&mut self, first: usize) -> u64 {
        let sum = self.members[first..]
            .iter()
            .fold(0u64, |sum, (_, share)| sum.wrapping_add(*share));
        let count = (self.members.len() - first) as u64;
        self.members.truncate(first);
        combine(combine(OBJECT, count), sum)
    }
}

/// A value to hash at some depth of the body. `scratch.active[from..]`
/// are the ignore paths whose first `depth` steps lead here and that go
/// deeper.
struct Node<'s> {
    ignore: &'s [Ignore],
    scratch: &'s mut Scratch,
    from: usize,
    depth: usize,
}

impl Node<'_> {
    /// See [`enter`].
    fn enter(&mut self, step: Step<'_>) -> Option<usize> {
        enter(
            self.ignore,
            &mut self.scratch.active,
            self.from,
            self.depth,
            step,
        )
    }

    /// The node for a child: `from` the start [`Node::enter`] returned, or
    /// an ignored child (hashed only so that the same bytes are accepted as
    /// JSON as by a decode, the hash thrown away).
    fn child(&mut self, from: Option<usize>) -> Node<'_> {
        Node {
            ignore: if from.is_some() { self.ignore } else { &[] },
            from: from.unwrap_or(self.scratch.active.len()),
            scratch: &mut *self.scratch,
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
        Ok(uint_hash(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<u64, E> {
        Ok(int_hash(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<u64, E> {
        Ok(combine(FLOAT, v.to_bits()))
    }

    fn visit_str<E>(self, v: &str) -> Result<u64, E> {
        Ok(string_hash(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<u64, A::Error> {
        let mut hash = ARRAY;
        let mut len = 0usize;
        loop {
            let start = self.scratch.active.len();
            let from = self.enter(Step::Index(len));
            let item = seq.next_element_seed(self.child(from))?;
            self.scratch.active.truncate(start);
            let Some(item) = item else { break };
            if from.is_some() {
                hash = combine(hash, item);
            }
            len += 1;
        }
        Ok(combine(hash, len as u64))
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<u64, A::Error> {
        let first = self.scratch.members.len();
        loop {
            let start = self.scratch.active.len();
            let Some((name, from)) = map.next_key_seed(Name { node: &mut self })? else {
                break;
            };
            let value = map.next_value_seed(self.child(from))?;
            self.scratch.active.truncate(start);
            if from.is_some() {
                self.scratch.add_member(first, name, value);
            }
        }
        Ok(self.scratch.object_hash(first))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh scratch holding every path of `ignore`.
    fn scratch(ignore: &[Ignore]) -> Scratch {
        let mut scratch = Scratch::default();
        scratch.active.extend(0..ignore.len() as u32);
        scratch
    }

    /// An object whose members are all ignored is still read as JSON is:
    /// a trailing comma after them is refused, as serde_json refuses it.
    #[test]
    fn a_trailing_comma_after_ignored_members_is_refused() {
        let ignore = [Ignore::parse("$.body.bus").unwrap()];
        for text in [r#"{"bus":1,}"#, r#"{"x":{"bus":1,}}"#, r#"[{"bus":[],}]"#] {
            assert_eq!(visited_hash(text, &ignore, &mut scratch(&ignore)), None);
            assert_eq!(
                Plain::hash(text, &ignore, &mut scratch(&ignore)),
                None,
                "{text}"
            );
            assert_eq!(
                json_hash(text.as_bytes(), None, &ignore),
                None,
                "{text} is not JSON"
            );
        }
    }

    /// Where the hand reading gives a hash, serde_json's visit gives the
    /// same one, and so does a hash from the members a decode read: on
    /// bodies of every kind of value and on each one-byte change of them,
    /// with and without ignored paths.
    #[test]
    fn the_hand_reading_hashes_as_the_visit_does() {
        let bodies = [
            r#"{"eventId":7,"eventName":"A","payload":"{\"to\": \"u@x\"}","n":[1,-2.5,true,false,null],"o":{"k":"\u00e9\t","k":2}}"#,
            r#"{"b":1e5,"c":-0,"d":123456789012345678901234,"e":-9223372036854775808,"f":18446744073709551615,"g":0.1}"#,
            r#" {"bus":{"x":[{"ts":1},{"ts":2,"y":"\/"}]},"items":[{"ts":3}],"\u0062us":4} "#,
            r#"[1,{"a":[]},"x",{}]"#,
            r#""just a string""#,
            "12",
        ];
        let ignores: Vec<Vec<Ignore>> = [
            vec![],
            vec!["$.body.bus"],
            vec!["$.body.items[*].ts", "$.body.bus.x[1]", "$.body[0]"],
        ]
        .into_iter()
        .map(|paths| {
            paths
                .into_iter()
                .map(|p| Ignore::parse(p).unwrap())
                .collect()
        })
        .collect();
        let bytes: Vec<u8> = (0u8..=127).collect();
        let mut members_read = 0;
        for body in bodies {
            for ignore in &ignores {
                let by_hand = Plain::hash(body, ignore, &mut scratch(ignore));
                assert!(by_hand.is_some(), "not read by hand: {body}");
                let visited = |text: &str| visited_hash(text, ignore, &mut scratch(ignore));
                let from_members = |text: &str| {
                    let members = lex::object_members(text)?;
                    Plain::members_hash(text, &members, ignore, &mut scratch(ignore))
                };
                assert_eq!(by_hand, visited(body), "{body}");
                for text in lex::one_byte_changes(body, &bytes).chain([body.to_string()]) {
                    if let Some(hash) = Plain::hash(&text, ignore, &mut scratch(ignore)) {
                        assert_eq!(Some(hash), visited(&text), "{text}");
                    }
                    if let Some(hash) = from_members(&text) {
                        members_read += 1;
                        assert_eq!(Some(hash), visited(&text), "{text}");
                    }
                }
            }
        }
        assert!(members_read > 1000, "{members_read} hashed from members");
    }

    /// Members that do not fit the text (read from another) are not
    /// trusted: the text is read again.
    #[test]
    fn members_of_another_text_are_not_trusted() {
        let long = r#"{"eventId":"a-long-identifier","n":1}"#;
        let members = lex::object_members(long).unwrap();
        let short = r#"{"id":2}"#;
        assert_eq!(
            raw_body_hash(short.as_bytes(), Some(&members), &[]),
            raw_body_hash(short.as_bytes(), None, &[])
        );
    }
}
