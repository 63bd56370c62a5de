//! Finding an event's secrets: a walk over its attributes, system
//! metadata, body (JSON held in strings included) and text fields, with an
//! explicit stack (no recursion over the document, whatever its depth).

use std::borrow::Cow;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::Policy;
use super::names::NamePolicy;
use super::path::{PathSegment, Secret, SecretPath, Treatment};
use super::text::TextPolicy;
use crate::model::lex::{self, Token};
use crate::model::{Body, Event, System};

/// Largest JSON-holding string decoded to look inside it.
const MAX_DECODE: usize = 4 << 20;
/// Deepest nesting of JSON-in-a-string-in-JSON followed.
const MAX_NESTED: usize = 8;
/// Most members of a JSON-held object read flat (see [`flat_object`]).
const MAX_FLAT: usize = 32;
/// Member names whose sibling holds the value of a name/value pair
/// (`{"name": "Authorization", "value": "…"}`).
const PAIR_NAMES: &[&str] = &["name", "key", "header", "Name", "Key", "Header"];
const PAIR_VALUES: &[&str] = &[
    "value",
    "values",
    "Value",
    "Values",
    "StringValue",
    "stringValue",
];

/// Every secret of an event, by the policy.
pub fn find_secrets(event: &Event, body: &Body, policy: &Policy) -> Vec<Secret> {
    find_secrets_decoding(event, body, policy, &mut decode)
}

/// The JSON object or array a string holds, parsed.
fn decode(s: &str) -> Option<Rc<Value>> {
    match serde_json::from_str::<Value>(s) {
        Ok(inner @ (Value::Object(_) | Value::Array(_))) => Some(Rc::new(inner)),
        _ => None,
    }
}

/// [`find_secrets`], the JSON held in a string (one that starts, after
/// whitespace, with `{` or `[`) read by `decode`: the JSON object or array
/// it parses to, as serde_json parses it, or `None`. An inspection hands
/// over the strings its paths decoded already, so none is parsed twice.
pub(crate) fn find_secrets_decoding(
    event: &Event,
    body: &Body,
    policy: &Policy,
    decode: &mut dyn FnMut(&str) -> Option<Rc<Value>>,
) -> Vec<Secret> {
    let mut w = Walker::new(&policy.names, &policy.text, decode);
    for (field, text) in [
        ("id", Some(&event.id)),
        ("source", Some(&event.source)),
        ("key", event.key.as_ref()),
    ] {
        if let Some(text) = text {
            w.string(text, &|| vec![PathSegment::Key(field.into())]);
        }
    }
    for (name, value) in &event.attributes {
        let path = [
            PathSegment::Key("attributes".into()),
            PathSegment::Key(name.clone()),
        ];
        if w.names.is_secret(name) {
            w.emit(&path, Treatment::Whole);
        } else {
            w.string(value, &|| path.to_vec());
        }
    }
    w.system(&event.system, &[PathSegment::Key("system".into())]);
    let body_path = [PathSegment::Key("body".into())];
    match body {
        Body::Json(value) => w.value(value, &body_path),
        Body::Text(text) => w.string(text, &|| body_path.to_vec()),
        Body::Binary(_) => {}
    }
    w.out
}

/// Whether the policy finds any secret in `value`.
pub(crate) fn has_secret(value: &Value, names: &NamePolicy, text: &TextPolicy) -> bool {
    let mut read = decode;
    let mut w = Walker::new(names, text, &mut read);
    w.value(value, &[]);
    !w.out.is_empty()
}

struct Walker<'p> {
    names: &'p NamePolicy,
    text: &'p TextPolicy,
    /// Reads the JSON a string holds (see [`find_secrets_decoding`]).
    decode: &'p mut dyn FnMut(&str) -> Option<Rc<Value>>,
    out: Vec<Secret>,
    nested: usize,
}

/// A value waiting on the walk's stack: its depth in the path, the segment
/// that leads to it, and the member name it is under (if any).
struct Frame<'a> {
    depth: usize,
    segment: Option<Step<'a>>,
    name: Option<&'a str>,
    value: &'a Value,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'p> Walker<'p> {
    fn new(
        names: &'p NamePolicy,
        text: &'p TextPolicy,
        decode: &'p mut dyn FnMut(&str) -> Option<Rc<Value>>,
    ) -> Self {
        Walker {
            names,
            text,
            decode,
            out: Vec::new(),
            nested: 0,
        }
    }

    fn emit(&mut self, path: &[PathSegment], treatment: Treatment) {
        self.out.push(Secret {
            path: SecretPath(path.to_vec()),
            treatment,
        });
    }

    fn emit_at(&mut self, prefix: &[PathSegment], steps: &[Step<'_>], treatment: Treatment) {
        self.out.push(Secret {
            path: SecretPath(full_path(prefix, steps)),
            treatment,
        });
    }

    /// A string: JSON inside it, credentials in its text, or base64 that
    /// hides one.
    /// `path` makes the string's path: only built when something is found
    /// (most strings hold nothing).
    fn string(&mut self, s: &str, path: &dyn Fn() -> Vec<PathSegment>) {
        if self.nested < MAX_NESTED && s.len() <= MAX_DECODE && lex::looks_like_json(s) {
            if let Some(members) = flat_object(s) {
                self.nested += 1;
                self.flat(&members, path);
                self.nested -= 1;
                return;
            }
            if let Some(inner) = (self.decode)(s) {
                self.nested += 1;
                self.value(&inner, &path());
                self.nested -= 1;
                return;
            }
        }
        let spans = self.text.spans(s, self.names);
        if let Some(first) = spans.first() {
            let whole = spans.len() == 1
                && s[..first.start].trim().is_empty()
                && s[first.end..].trim().is_empty();
            self.emit(
                &path(),
                if whole {
                    Treatment::Whole
                } else {
                    Treatment::Within
                },
            );
        } else if self.text.hides_secret_in_base64(s, self.names) {
            self.emit(&path(), Treatment::Whole);
        }
    }

    /// A flat object's members (see [`flat_object`]), walked as
    /// [`Walker::walk`] walks the object they make.
    /// `path` makes the object's path: only built when something is found.
    fn flat(&mut self, members: &[(&str, Flat<'_>)], path: &dyn Fn() -> Vec<PathSegment>) {
        let member = |k: &str| {
            let mut at = path();
            at.push(PathSegment::Key(k.to_owned()));
            at
        };
        let at = |walker: &mut Self, k: &str| walker.emit(&member(k), Treatment::Whole);
        masked_beside(&members, self.names, |k| at(self, k));
        for (k, v) in members {
            if self.names.is_secret(k) {
                if v.is_scalar() {
                    at(self, k);
                }
            } else if let Flat::Str(s) = v {
                self.string(s, &|| member(k));
            }
        }
    }

    fn system(&mut self, system: &System, prefix: &[PathSegment]) {
        let frames = system
            .iter()
            .rev()
            .map(|(k, v)| Frame {
                depth: 0,
                segment: Some(Step::Key(k)),
                name: Some(k),
                value: v,
            })
            .collect();
        self.walk(prefix, frames);
    }

    fn value(&mut self, value: &Value, prefix: &[PathSegment]) {
        let root = Frame {
            depth: 0,
            segment: None,
            name: None,
            value,
        };
        self.walk(prefix, vec![root]);
    }

    fn walk<'a>(&mut self, prefix: &[PathSegment], mut stack: Vec<Frame<'a>>) {
        let mut steps: Vec<Step<'a>> = Vec::new();
        while let Some(frame) = stack.pop() {
            steps.truncate(frame.depth);
            if let Some(segment) = frame.segment {
                steps.push(segment);
            }
            if frame.name.is_some_and(|n| self.names.is_secret(n)) {
                if has_scalar(frame.value) {
                    self.emit_at(prefix, &steps, Treatment::Whole);
                }
                continue;
            }
            match frame.value {
                Value::String(s) => {
                    self.string(s, &|| full_path(prefix, &steps));
                }
                Value::Object(map) => {
                    self.object_pairs(map, prefix, &mut steps);
                    let depth = steps.len();
                    stack.extend(map.iter().rev().map(|(k, v)| Frame {
                        depth,
                        segment: Some(Step::Key(k)),
                        name: Some(k),
                        value: v,
                    }));
                }
                Value::Array(items) => {
                    // A `[name, value]` header pair.
                    if let [Value::String(name), value] = items.as_slice()
                        && self.names.is_secret(name)
                        && has_scalar(value)
                    {
                        steps.push(Step::Index(1));
                        self.emit_at(prefix, &steps, Treatment::Whole);
                        steps.pop();
                    }
                    let depth = steps.len();
                    stack.extend(items.iter().enumerate().rev().map(|(i, v)| Frame {
                        depth,
                        segment: Some(Step::Index(i)),
                        name: None,
                        value: v,
                    }));
                }
                _ => {}
            }
        }
    }

    /// Secrets an object's members show together (see [`masked_beside`]).
    fn object_pairs<'a>(
        &mut self,
        map: &'a Map<String, Value>,
        prefix: &[PathSegment],
        steps: &mut Vec<Step<'a>>,
    ) {
        masked_beside(&map, self.names, |k| {
            steps.push(Step::Key(k));
            self.emit_at(prefix, steps, Treatment::Whole);
            steps.pop();
        });
    }
}

/// An object's members as [`masked_beside`] reads them: a decoded object,
/// or a flat one read by `lex` (see [`flat_object`]).
trait ObjectMembers<'v> {
    /// Each member's name, and its value when it is a string.
    fn strings(&self) -> impl Iterator<Item = (&'v str, Option<&'v str>)>;
    /// The member named `name`, and whether it holds something to mask.
    fn scalar_member(&self, name: &str) -> Option<(&'v str, bool)>;
}

impl<'v> ObjectMembers<'v> for &'v Map<String, Value> {
    fn strings(&self) -> impl Iterator<Item = (&'v str, Option<&'v str>)> {
        strings_of(self)
    }

    fn scalar_member(&self, name: &str) -> Option<(&'v str, bool)> {
        let (k, v) = self.get_key_value(name)?;
        Some((k, has_scalar(v)))
    }
}

impl<'v> ObjectMembers<'v> for &'v [(&'v str, Flat<'v>)] {
    fn strings(&self) -> impl Iterator<Item = (&'v str, Option<&'v str>)> {
        self.iter().map(|(k, v)| (*k, v.as_str()))
    }

    fn scalar_member(&self, name: &str) -> Option<(&'v str, bool)> {
        let (k, v) = self.iter().find(|(k, _)| *k == name)?;
        Some((k, v.is_scalar()))
    }
}

/// The members of an object masked for what stands beside them, handed to
/// `mask` in order: the value of a name/value pair naming a secret, then
/// AWS secret keys next to an access key id.
fn masked_beside<'v>(
    object: &impl ObjectMembers<'v>,
    names: &NamePolicy,
    mut mask: impl FnMut(&'v str),
) {
    if names_a_secret(object.strings(), names) {
        for key in PAIR_VALUES {
            if let Some((k, true)) = object.scalar_member(key) {
                mask(k);
            }
        }
    }
    if has_aws_key_id(object.strings()) {
        for (k, v) in object.strings() {
            if v.is_some_and(is_aws_secret_key) {
                mask(k);
            }
        }
    }
}

/// An object's members: each name, and its value when it is a string.
fn strings_of(map: &Map<String, Value>) -> impl Iterator<Item = (&str, Option<&str>)> {
    map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Whether an object (its members' names, and their values when strings)
/// is a name/value pair naming a secret (its value member is masked).
fn names_a_secret<'v>(
    mut members: impl Iterator<Item = (&'v str, Option<&'v str>)>,
    names: &NamePolicy,
) -> bool {
    // One pass over the members (most objects are small) rather than a
    // hashed look-up of every pair name.
    members.any(|(k, v)| PAIR_NAMES.contains(&k) && v.is_some_and(|name| names.is_secret(name)))
}

/// Whether an object holds an AWS access key id (a secret key beside it is
/// masked).
fn has_aws_key_id<'v>(mut members: impl Iterator<Item = (&'v str, Option<&'v str>)>) -> bool {
    members.any(|(_, v)| v.is_some_and(is_aws_key_id))
}

/// A member's value in a flat object.
enum Flat<'t> {
    Str(Cow<'t, str>),
    Number,
    /// `true`, `false` or `null`.
    Literal,
}

impl Flat<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Flat::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether it is something to mask (see [`has_scalar`]).
    fn is_scalar(&self) -> bool {
        !matches!(self, Flat::Literal)
    }
}

/// The members of the JSON object `s` holds when it is flat (every value a
/// string, number, boolean or null, and no name twice), read by `lex`: the
/// walk over them finds what the walk over the object serde_json decodes
/// finds, without building it (most JSON held in strings is such a small
/// flat object). `None` for any other text.
fn flat_object(s: &str) -> Option<Vec<(&str, Flat<'_>)>> {
    let members = lex::object_members(s)?;
    if members.len() > MAX_FLAT {
        return None;
    }
    let mut flat = Vec::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        let name = m.name(s);
        if members[..i].iter().any(|before| before.is_named(s, name)) {
            return None; // serde_json keeps one of them
        }
        let value = match m.token {
            Token::String { escaped } => Flat::Str(lex::string_text(m.text(s), escaped)),
            Token::Int(_) => Flat::Number,
            Token::Other => match m.text(s).as_bytes().first()? {
                b'-' | b'0'..=b'9' => Flat::Number,
                b't' | b'f' | b'n' => Flat::Literal,
                _ => return None,
            },
        };
        flat.push((name, value));
    }
    Some(flat)
}

/// Whether the walk masks a member or element of `container` because of
/// what stands beside it (a name/value pair naming a secret, an AWS key id,
/// a `[name, value]` header pair): what a value's own walk
/// ([`has_secret`]) cannot see.
pub(crate) fn masks_beside(container: &Value, names: &NamePolicy) -> bool {
    match container {
        Value::Object(map) => {
            names_a_secret(strings_of(map), names) || has_aws_key_id(strings_of(map))
        }
        Value::Array(items) => {
            matches!(items.as_slice(), [Value::String(name), _] if names.is_secret(name))
        }
        _ => false,
    }
}

/// `prefix` and then `steps`, as owned segments.
fn full_path(prefix: &[PathSegment], steps: &[Step<'_>]) -> Vec<PathSegment> {
    let mut path = prefix.to_vec();
    path.extend(steps.iter().map(|s| match s {
        Step::Key(k) => PathSegment::Key((*k).to_owned()),
        Step::Index(i) => PathSegment::Index(*i),
    }));
    path
}

/// Whether a value holds something to mask (a string or number, here or
/// inside).
fn has_scalar(value: &Value) -> bool {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(_) | Value::Number(_) => return true,
            Value::Object(m) => stack.extend(m.values()),
            Value::Array(a) => stack.extend(a.iter()),
            Value::Bool(_) | Value::Null => {}
        }
    }
    false
}

/// `AKIA…`/`ASIA…` and the other AWS key id prefixes, 20 characters.
fn is_aws_key_id(s: &str) -> bool {
    if s.len() < 20 {
        return false; // shorter still once trimmed
    }
    let s = crate::model::trim(s);
    s.len() == 20
        && ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|p| s.starts_with(p))
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// 40 characters of base64 alphabet: the shape of an AWS secret key.
fn is_aws_secret_key(s: &str) -> bool {
    if s.len() < 40 {
        return false; // shorter still once trimmed
    }
    let s = crate::model::trim(s);
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Policy;

    /// The walk over a flat object read by `lex` finds, in the same order,
    /// the secrets the walk over the object serde_json decodes finds: over
    /// objects with secret names, name/value pairs, AWS keys, escapes, JSON
    /// in strings and every kind of scalar, and each one-byte change of them.
    #[test]
    fn a_flat_object_has_the_secrets_of_its_decoded_value() {
        let policy = Policy::builtin();
        let texts = [
            r#"{"to": "u@example.com", "password": "hunter2", "n": 1, "ok": true, "none": null}"#,
            r#"{"name": "Authorization", "value": "Bearer abc.def.ghi", "Value": 7}"#,
            r#"{"Key": "api_key", "Values": 12345, "x": false, "key": "x"}"#,
            r#"{"id": "AKIAIOSFODNN7EXAMPLE", "k": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#,
            r#"{"note": "https://u:pw12345678@h/x", "inner": "{\"token\": \"t\", \"a\": 1}"}"#,
            r#"{"esc": "tab\there \u00e9", "pin": -1.5e3, "secret": null, "header": "x-api-key"}"#,
            r#"{"password": 1, "password": null}"#,
            r#"{"nested": {"password": "p"}, "list": ["token", "t"]}"#,
        ];
        let bytes: Vec<u8> = (b' '..=b'~').collect();
        let path = || vec![PathSegment::Key("body".into())];
        let (mut flat, mut found) = (0, 0);
        for base in texts {
            let changed = lex::one_byte_changes(base, &bytes);
            for text in std::iter::once(base.to_owned()).chain(changed) {
                if flat_object(&text).is_none() {
                    continue;
                }
                flat += 1;
                let value = decode(&text).expect("lex reads only what serde_json reads");
                let mut read = decode;
                let mut by_lex = Walker::new(&policy.names, &policy.text, &mut read);
                by_lex.string(&text, &path);
                let mut read = decode;
                let mut by_value = Walker::new(&policy.names, &policy.text, &mut read);
                by_value.nested = 1;
                by_value.value(&value, &path());
                assert_eq!(by_lex.out, by_value.out, "{text}");
                found += usize::from(!by_lex.out.is_empty());
            }
        }
        assert!(
            flat > 1000 && found > 500,
            "{flat} flat, {found} with secrets"
        );
    }
}
