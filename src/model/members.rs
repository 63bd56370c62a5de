//! Building only some members of a JSON object body: a reader that looks
//! at three members of a thirty-member body pays for three values, not
//! thirty, while the body is still checked exactly as a full parse checks
//! it (so it is JSON, or not, for the same bodies).
//!
//! Written by hand rather than with a lazy or SIMD parser crate: what
//! counts as JSON (recursion limit, numbers out of range, lone surrogates)
//! must be serde_json's, which builds every other body and event in
//! evscope. Most bodies are read by [`super::lex`], which accepts only what
//! serde_json accepts and finds each member's value without building it;
//! any other is read by serde_json's parser, visiting every member.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::lex::{self, Member, Plain, Token};

/// Which top-level members of a JSON object body to build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Members {
    /// Every member: the whole body.
    #[default]
    All,
    /// Only members with these names; the others are checked and dropped.
    /// A body that is not an object is whole.
    Only(Names),
}

/// The names of [`Members::Only`], each with whether it is built only when
/// its value is not plain (see [`Members::plain_unbuilt`]), and the set of
/// their lengths: most members of a body are told apart from them by their
/// length alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Hashed: every member of every body decoded is looked up here, and
    /// an inspection reads dozens of names (a scan of them cost several
    /// times a hash).
    names: Arc<foldhash::HashMap<Box<str>, Build>>,
    /// Bit `n` set when a name is `n` bytes long (bit 63: 63 or more).
    lengths: u64,
}

/// When a named member is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Build {
    Always,
    UnlessPlain,
}

impl Names {
    fn length_bit(len: usize) -> u64 {
        1 << len.min(63)
    }

    fn find(&self, name: &str) -> Option<Build> {
        if self.lengths & Names::length_bit(name.len()) == 0 {
            return None;
        }
        self.names.get(name).copied()
    }

    /// The names built `when`.
    fn built(&self, when: Build) -> impl Iterator<Item = Box<str>> + '_ {
        self.names
            .iter()
            .filter(move |(_, build)| **build == when)
            .map(|(n, _)| n.clone())
    }
}

impl Members {
    /// Only the members named `names`.
    pub fn only<S: Into<Box<str>>>(names: impl IntoIterator<Item = S>) -> Members {
        Members::of(names.into_iter().map(Into::into).collect(), Vec::new())
    }

    /// `always` built, and `unless_plain` built when their value is not
    /// plain (a name in both is always built).
    fn of(always: Vec<Box<str>>, unless_plain: Vec<Box<str>>) -> Members {
        let mut names = foldhash::HashMap::default();
        for name in unless_plain {
            names.insert(name, Build::UnlessPlain);
        }
        // Inserted last: `Always` is the one kept of a name in both.
        for name in always {
            names.insert(name, Build::Always);
        }
        let lengths = names
            .keys()
            .fold(0, |bits, n| bits | Names::length_bit(n.len()));
        Members::Only(Names {
            names: names.into(),
            lengths,
        })
    }

    /// The same members, those named `names` left unbuilt when their
    /// value is plain: a string without escapes, a plain integer (see
    /// [`lex::number_end`]), `true`, `false` or `null`, as the last member
    /// of that name has it (the one a full parse keeps). A reader of such
    /// a member reads it from the raw text, with the top-level members the
    /// decode hands over (see [`crate::model::Decoded::raw_members`]);
    /// where the decode hands none over (a body read by serde_json), every
    /// member named here is built.
    pub fn plain_unbuilt<S: Into<Box<str>>>(self, names: impl IntoIterator<Item = S>) -> Members {
        match self {
            Members::All => Members::All,
            Members::Only(current) => Members::of(
                current.built(Build::Always).collect(),
                current
                    .built(Build::UnlessPlain)
                    .chain(names.into_iter().map(Into::into))
                    .collect(),
            ),
        }
    }

    /// The members either set builds.
    pub fn union(&self, other: &Members) -> Members {
        match (self, other) {
            (Members::Only(a), Members::Only(b)) => Members::of(
                a.built(Build::Always)
                    .chain(b.built(Build::Always))
                    .collect(),
                a.built(Build::UnlessPlain)
                    .chain(b.built(Build::UnlessPlain))
                    .collect(),
            ),
            _ => Members::All,
        }
    }

    /// Whether every member is built.
    pub fn is_all(&self) -> bool {
        matches!(self, Members::All)
    }

    /// Whether the member `name` is built (for a name left unbuilt when
    /// plain, see [`Members::plain_unbuilt`], whether it is built when it
    /// is not).
    pub fn has(&self, name: &str) -> bool {
        self.build(name).is_some()
    }

    fn build(&self, name: &str) -> Option<Build> {
        match self {
            Members::All => Some(Build::Always),
            Members::Only(names) => names.find(name),
        }
    }
}

/// Parse `text` as JSON like `serde_json::from_str::<Value>`, accepting
/// and refusing exactly the same texts, but of a top-level object keep
/// only the members in `members` (in their order; a repeated name keeps
/// its first place and last value, as a full parse does).
pub fn parse_members_str(text: &str, members: &Members) -> serde_json::Result<Value> {
    parse_members_lexed(text, members).map(|(value, _)| value)
}

/// [`parse_members_str`], also handing over the object's top-level members
/// when they were read by hand (by [`lex`]): a reader of the
/// raw body can then skip reading them again.
pub fn parse_members_lexed(
    text: &str,
    members: &Members,
) -> serde_json::Result<(Value, Option<Vec<Member>>)> {
    let object = text.trim_start().starts_with('{');
    if !object {
        return Ok((serde_json::from_str(text)?, None));
    }
    // Most objects are read by hand (`lex`) and only the members kept are
    // built, plain ones without serde_json (several times faster for
    // values this short); any other object is left to serde_json,
    // visiting every member.
    if let Some(found) = lex::object_members(text) {
        return Ok((built_of(text, members, &found)?, Some(found)));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = de.deserialize_map(Projected(members))?;
    de.end()?;
    Ok((value, None))
}

/// The object `text` with only `members` built, of the top-level members
/// `found` in it (as [`lex::object_members`] finds them: a reader that
/// found them already hands them over, and they are not read again).
pub(crate) fn built_of(
    text: &str,
    members: &Members,
    found: &[Member],
) -> serde_json::Result<Value> {
    if matches!(members, Members::Only(names) if names.lengths == 0) {
        return Ok(Value::Object(Map::new())); // no member built: none to look at
    }
    // Room for every member when all are built: a map that grows rehashes.
    let mut map = Map::with_capacity(if members.is_all() { found.len() } else { 0 });
    for (i, member) in found.iter().enumerate() {
        let name = member.name(text);
        match members.build(name) {
            None => continue,
            Some(Build::UnlessPlain) if last_is_plain(member, &found[i + 1..], text) => continue,
            Some(_) => {}
        }
        let value = match plain_value(member, text) {
            Some(value) => value,
            None => nested_value(member.text(text))?,
        };
        map.insert(name.to_owned(), value);
    }
    Ok(Value::Object(map))
}

/// A member's value that is not plain: an object [`lex`] reads is built
/// as a body is (its plain members without serde_json), any other value by
/// serde_json. Nesting is bounded: `lex` reads no deeper than
/// [`lex::MAX_DEPTH`].
fn nested_value(text: &str) -> serde_json::Result<Value> {
    match lex::object_members(text) {
        Some(found) => built_of(text, &Members::All, &found),
        None => serde_json::from_str(text),
    }
}

/// Whether the last member of `member`'s name (itself, or one of the
/// members `after` it) has a plain value (see [`Members::plain_unbuilt`]).
fn last_is_plain(member: &Member, after: &[Member], text: &str) -> bool {
    let name = member.name(text);
    after
        .iter()
        .rev()
        .find(|m| m.is_named(text, name))
        .unwrap_or(member)
        .is_plain(text)
}

/// The value of a member that is a string, a plain integer or a literal,
/// built directly (serde_json builds the same value, at several times the
/// cost for values this short); `None` for any other.
fn plain_value(member: &Member, text: &str) -> Option<Value> {
    Some(match (member.token, member.plain(text)) {
        (Token::String { escaped: true }, _) => {
            Value::String(lex::string_text(member.text(text), true).into_owned())
        }
        (_, Some(Plain::Str(s))) => Value::String(s.to_owned()),
        (_, Some(Plain::Scalar(v))) => v,
        (_, None) => return None,
    })
}

/// The top-level object, with only some members built.
struct Projected<'m>(&'m Members);

impl<'de> Visitor<'de> for Projected<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key_seed(Key)? {
            if self.0.has(&key) {
                let value: Value = access.next_value()?;
                map.insert(key.into_owned(), value);
            } else {
                access.next_value::<Checked>()?;
            }
        }
        Ok(Value::Object(map))
    }
}

/// A member name, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

/// A value parsed as a `Value` would be (same nesting limit, same number
/// and string checks) and thrown away: unlike `IgnoredAny`, which skips
/// without those checks, it refuses what a full parse refuses.
struct Checked;

impl<'de> de::Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(raw: &str) -> serde_json::Result<Value> {
        serde_json::from_str(raw)
    }

    #[test]
    fn keeps_only_the_named_members_in_order() {
        let raw = r#"{"b":1,"a":{"x":[1,2]},"c":"t\"x","a2":null,"b":7}"#;
        let got = parse_members_str(raw, &Members::only(["b", "a", "zz"])).unwrap();
        let text = serde_json::to_string(&got).unwrap();
        assert_eq!(text, r#"{"b":7,"a":{"x":[1,2]}}"#);
        let all = parse_members_str(raw, &Members::All).unwrap();
        assert_eq!(all, full(raw).unwrap());
        // Escaped names are names too.
        let got = parse_members_str(r#"{"\u0061":1,"b":2}"#, &Members::only(["a"])).unwrap();
        assert_eq!(got, serde_json::json!({"a": 1}));
    }

    #[test]
    fn refuses_exactly_what_a_full_parse_refuses() {
        let deep = format!(r#"{{"skip":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        let cases = [
            r#"{"skip":1e400,"a":1}"#,
            r#"{"skip":"\ud800","a":1}"#,
            r#"{"skip":"tab	inside","a":1}"#,
            r#"{"skip":[1,],"a":1}"#,
            r#"{"skip":01,"a":1}"#,
            r#"{"skip":tru,"a":1}"#,
            r#"{"a":1} trailing"#,
            r#"{"a":1,}"#,
            r#"{"a":1"#,
            deep.as_str(),
            r#"{"skip":{"k":1e-400},"a":[]}"#,
            r#"{"skip":-0.0e+5,"a":"\u00e9"}"#,
            r#"  {"a":1}  "#,
            r#"[1,{"a":2}]"#,
            r#""{\"a\":1}""#,
        ];
        for raw in cases {
            let projected = parse_members_str(raw, &Members::only(["a"]));
            assert_eq!(projected.is_ok(), full(raw).is_ok(), "{raw}");
            if let (Ok(got), Ok(Value::Object(whole))) = (&projected, full(raw)) {
                let expected: Map<String, Value> =
                    whole.into_iter().filter(|(k, _)| k == "a").collect();
                assert_eq!(got, &Value::Object(expected), "{raw}");
            }
        }
    }

    /// The hand reading builds the same members as a full parse, and
    /// refuses what it refuses: on bodies with every kind of value and on
    /// each one-byte change of them.
    #[test]
    fn projects_as_a_full_parse_on_every_one_byte_change() {
        let bodies = [
            r#"{"eventId":7,"eventName":"A\u00e9","payload":"{\"to\": \"u@x\"}","n":[1,-2.5e1,true,null],"a":{"k":"v"},"a":false,"z":-0}"#,
            r#" {"a" : "plain" , "b":123456789012345678901, "payload":"\ud83d\ude00"} "#,
            r#"{"a":{"to":"u@x","n":1,"n":2,"d":{"e":{},"f":[{"g":"\u00e9"}]},"x":1.5},"b":{ }}"#,
        ];
        let bytes: Vec<u8> = (0u8..=127).collect();
        // Compared as text: a map's equality does not look at its order.
        let text_of = |v: Option<Value>| v.map(|v| v.to_string());
        for members in [
            Members::only(["a", "eventName", "payload", "n", "z", "b"]),
            Members::All,
        ] {
            for body in bodies {
                let changes = lex::one_byte_changes(body, &bytes);
                for text in std::iter::once(body.to_owned()).chain(changes) {
                    let projected = parse_members_str(&text, &members);
                    match full(&text) {
                        Ok(Value::Object(whole)) => {
                            let expected: Map<String, Value> =
                                whole.into_iter().filter(|(k, _)| members.has(k)).collect();
                            let expected = Some(Value::Object(expected));
                            assert_eq!(text_of(projected.ok()), text_of(expected), "{text}");
                        }
                        Ok(whole) => assert_eq!(projected.ok(), Some(whole), "{text}"),
                        Err(_) => assert!(projected.is_err(), "{text}"),
                    }
                }
            }
        }
    }

    #[test]
    fn members_join_and_answer() {
        let a = Members::only(["x", "y"]);
        assert!(a.has("x") && !a.has("z"));
        assert_eq!(
            a.union(&Members::only(["z", "x"])),
            Members::only(["x", "y", "z"])
        );
        assert!(a.union(&Members::All).is_all());
        assert!(Members::All.has("anything"));
    }

    #[test]
    fn plain_members_are_left_unbuilt_as_the_last_of_their_name_is() {
        let members = Members::only(["x"]).plain_unbuilt(["x", "y", "w"]);
        assert!(members.has("x") && members.has("y") && !members.has("z"));
        for (raw, built) in [
            // `x` is always built; `y` is plain; `w` is not.
            (
                r#"{"x":"a","y":"b","w":{"k":1},"z":2}"#,
                r#"{"x":"a","w":{"k":1}}"#,
            ),
            (r#"{"y":1,"w":null,"x":true}"#, r#"{"x":true}"#),
            (r#"{"y":"\u0062","w":1.5}"#, r#"{"y":"b","w":1.5}"#),
            // A name twice: as its last value is.
            (r#"{"y":{"k":1},"y":"b"}"#, r#"{}"#),
            (r#"{"y":"b","y":{"k":1}}"#, r#"{"y":{"k":1}}"#),
        ] {
            let got = parse_members_str(raw, &members).unwrap();
            assert_eq!(got, full(built).unwrap(), "{raw}");
        }
        // Built always by one side is built always by the union.
        let union = Members::only(["y"]).union(&Members::only([""; 0]).plain_unbuilt(["y"]));
        assert_eq!(union, Members::only(["y"]));
        // A body serde_json reads (an escaped name) has every named member.
        let got = parse_members_str(r#"{"\u0079":"b","q":1}"#, &members).unwrap();
        assert_eq!(got, full(r#"{"y":"b"}"#).unwrap());
    }
}
