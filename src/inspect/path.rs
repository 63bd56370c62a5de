//! Compiled JSONPath mappings and their evaluation against one event.
//!
//! Every path is parsed once with jsonpath-rust. A path that is a plain chain
//! of names and indexes (`$.body.a.b`, `$.body['detail-type']`,
//! `$.attributes.correlationId`, `$.body.items[0]`) is then evaluated by direct
//! lookup on the [`Event`] fields and the body [`Value`], without building the
//! capture document. Any other path (filters, wildcards, slices, unions,
//! descendant `..`) is run by jsonpath-rust against a capture document that is
//! built lazily, at most once per inspected event, and only when such a path
//! is actually evaluated.
//!
//! Simple paths look through JSON-encoded strings: when a step meets a string
//! that holds a JSON object or array (the classic envelope's `payload`), the
//! string is decoded (once per event) and the walk goes on inside it. Query
//! paths see the capture document as it is and do not.
//!
//! In simple paths, attribute names (`$.attributes.<name>`) match ASCII
//! case-insensitively, preferring an exact match; every other name, and
//! every name in a query path, matches exactly.
//!
//! Most simple paths start with a body member or attribute name that the
//! event does not have. [`FirstNames`] gives each distinct first name of the
//! `$.body.<name>…` and `$.attributes.<name>…` paths of a mapping set a bit;
//! a scope built with it finds which of them are present by going once over
//! the body's keys and the attribute names, and answers a path whose first
//! name is absent without any lookup. Only where the answer is sure to be
//! "nothing" (the body is a JSON object without that member; no attribute
//! matches the name) is a path skipped, so results are the same.

use std::borrow::Cow;
use std::rc::Rc;

use base64::Engine;
use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use serde_json::{Map, Value};

use super::InspectError;
use super::body_object::{BodyObject, RawMembers};
use crate::model::{Body, Event, lex};
use crate::secrets::{PathSegment, SecretPath};

/// The top-level fields of the capture document.
const ROOTS: &str =
    "id, source, key, published_at, receive_count, attributes, attribute_types, system, body";

/// Nesting beyond which a body is not handed to jsonpath-rust (whose
/// evaluation, like cloning the body into the document, recurses).
const MAX_QUERY_DEPTH: usize = 256;

/// A top-level field of the capture document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    Id,
    Source,
    Key,
    PublishedAt,
    ReceiveCount,
    Attributes,
    AttributeTypes,
    System,
    Body,
}

impl Root {
    /// The field's name in the capture document.
    fn name(self) -> &'static str {
        match self {
            Root::Id => "id",
            Root::Source => "source",
            Root::Key => "key",
            Root::PublishedAt => "published_at",
            Root::ReceiveCount => "receive_count",
            Root::Attributes => "attributes",
            Root::AttributeTypes => "attribute_types",
            Root::System => "system",
            Root::Body => "body",
        }
    }

    fn from_name(name: &str) -> Option<Root> {
        Some(match name {
            "id" => Root::Id,
            "source" => Root::Source,
            "key" => Root::Key,
            "published_at" => Root::PublishedAt,
            "receive_count" => Root::ReceiveCount,
            "attributes" => Root::Attributes,
            "attribute_types" => Root::AttributeTypes,
            "system" => Root::System,
            "body" => Root::Body,
            _ => return None,
        })
    }
}

/// One step of a simple path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Name(String),
    Index(i64),
}

#[derive(Debug, Clone)]
enum Kind {
    /// A chain of names and indexes under a root field.
    Simple { root: Root, steps: Vec<Step> },
    /// Anything else, run by jsonpath-rust.
    Query(JpQuery),
}

/// A mapping path, compiled once.
#[derive(Debug, Clone)]
pub(crate) struct CompiledPath {
    /// The path in normalized dot notation, as reported in secret paths.
    text: String,
    /// The last name in the path (`creationDate`), for messages.
    name: String,
    kind: Kind,
    /// The bit of the path's first name in the [`FirstNames`] of its
    /// mapping set, if it was given one.
    gate: Option<u8>,
    /// What the path reads of the body.
    body: BodyPart,
}

/// What a path reads of an event without attributes whose body is a JSON
/// object known by its top-level members (see [`CompiledPath::by_members`]).
pub(crate) enum ByMembers<'p> {
    /// An attribute: nothing, the event has none.
    Attribute,
    /// The value of the top-level member of this name.
    Member(&'p str),
    /// Something inside the top-level member of this name.
    Inside(&'p str),
    /// Anything else: the members do not tell.
    Unknown,
}

/// What a path reads of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyPart {
    /// Nothing.
    Nothing,
    /// The top-level member of this name, and only what is inside it.
    Member(String),
    /// Anything in it.
    Whole,
}

impl CompiledPath {
    /// Parse `path` (surrounding whitespace ignored) for the mapping `field`.
    pub(crate) fn compile(field: &str, path: &str) -> Result<CompiledPath, InspectError> {
        let bad = |reason: String| InspectError::BadPath {
            field: field.to_owned(),
            path: path.to_owned(),
            reason,
        };
        // Said like a filter error: what, the column, what was expected.
        let query = parse_json_path(path.trim()).map_err(|e| {
            bad(crate::filter::query_error(path).map_or_else(|| e.to_string(), |f| f.to_string()))
        })?;
        let root_name = match query.segments.first() {
            Some(Segment::Selector(Selector::Name(name))) => Some(name.as_str()),
            None => {
                return Err(bad(
                    "`$` alone is the whole capture document, not a value in it".into(),
                ));
            }
            _ => None,
        };
        let root = match root_name {
            Some(name) => Some(Root::from_name(name).ok_or_else(|| {
                bad(format!(
                    "`{name}` is not a field of the capture document (one of {ROOTS})"
                ))
            })?),
            None => None,
        };
        let steps: Option<Vec<Step>> = query
            .segments
            .iter()
            .skip(1)
            .map(|segment| match segment {
                Segment::Selector(Selector::Name(n)) => Some(Step::Name(n.clone())),
                Segment::Selector(Selector::Index(i)) => Some(Step::Index(*i)),
                _ => None,
            })
            .collect();
        // Query paths keep their own spelling.
        let text = render(&query).unwrap_or_else(|| path.trim().to_owned());
        let name = match query.segments.last() {
            Some(Segment::Selector(Selector::Name(n))) => n.clone(),
            _ => text.clone(),
        };
        let kind = match (root, steps) {
            (Some(root), Some(steps)) => Kind::Simple { root, steps },
            _ => Kind::Query(query),
        };
        let body = match (&kind, root) {
            (
                Kind::Simple {
                    root: Root::Body,
                    steps,
                },
                _,
            ) => match steps.first() {
                Some(Step::Name(name)) => BodyPart::Member(name.clone()),
                _ => BodyPart::Whole,
            },
            (_, Some(root)) if root != Root::Body => BodyPart::Nothing,
            (Kind::Simple { .. }, _) => BodyPart::Nothing,
            (Kind::Query(_), _) => BodyPart::Whole,
        };
        Ok(CompiledPath {
            text,
            name,
            kind,
            gate: None,
            body,
        })
    }

    /// What the path reads of the body.
    pub(crate) fn body_part(&self) -> &BodyPart {
        &self.body
    }

    /// What the path reads of an event without attributes whose body is a
    /// JSON object known by its top-level members only.
    pub(crate) fn by_members(&self) -> ByMembers<'_> {
        match &self.kind {
            Kind::Simple {
                root: Root::Attributes,
                ..
            } => ByMembers::Attribute,
            Kind::Simple {
                root: Root::Body,
                steps,
            } => match steps.as_slice() {
                [Step::Name(name)] => ByMembers::Member(name),
                [Step::Name(name), _, ..] => ByMembers::Inside(name),
                _ => ByMembers::Unknown,
            },
            _ => ByMembers::Unknown,
        }
    }

    /// The normalized path text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The field the path names, for messages: its last name, or the whole
    /// path when it does not end in one.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

/// At most this many distinct first names get a bit; paths past it are
/// always evaluated.
const MAX_GATES: usize = 256;

/// The distinct first names of the simple `$.body.<name>…` and
/// `$.attributes.<name>…` paths of one mapping set, each with its bit.
#[derive(Debug, Clone, Default)]
pub(crate) struct FirstNames {
    /// Body member names. Hashed: every member of every body inspected is
    /// looked up here (a binary search of the names cost several times as
    /// much).
    body: foldhash::HashMap<Box<str>, u8>,
    /// Attribute names, ASCII-lowercased and sorted (attributes match
    /// case-insensitively).
    attributes: Vec<(Box<str>, u8)>,
}

impl FirstNames {
    /// Give the first name of every gateable path a bit, and record it in
    /// the path. Only scopes built with the returned names use the bits.
    pub(crate) fn assign<'p>(paths: impl IntoIterator<Item = &'p mut CompiledPath>) -> FirstNames {
        let mut names = FirstNames::default();
        let mut next = 0usize;
        for path in paths {
            path.gate = None;
            let Kind::Simple { root, steps } = &path.kind else {
                continue;
            };
            let (root, name) = match (root, steps.first()) {
                (Root::Body, Some(Step::Name(n))) => (Root::Body, n.clone()),
                (Root::Attributes, Some(Step::Name(n))) => {
                    (Root::Attributes, n.to_ascii_lowercase())
                }
                _ => continue,
            };
            let known = match root {
                Root::Body => names.body.get(name.as_str()).copied(),
                _ => names
                    .attributes
                    .iter()
                    .find(|(n, _)| **n == *name)
                    .map(|(_, bit)| *bit),
            };
            if let Some(bit) = known {
                path.gate = Some(bit);
            } else if let Ok(bit) = u8::try_from(next) {
                match root {
                    Root::Body => {
                        names.body.insert(name.into_boxed_str(), bit);
                    }
                    _ => names.attributes.push((name.into_boxed_str(), bit)),
                }
                path.gate = Some(bit);
                next += 1;
            }
        }
        debug_assert!(next <= MAX_GATES);
        names
            .attributes
            .sort_unstable_by(|(a, _), (b, _)| by_len(a.as_bytes(), b.bytes()));
        names
    }

    /// The bits of the first names the event has, and the body members
    /// they name. When the body is a string that looks like JSON, every body
    /// name is set, with no members (the walk decides inside the decoded
    /// string); when it is neither such a string nor a JSON object, none is
    /// (a name step into it finds nothing).
    fn present<'a>(
        &self,
        event: &Event,
        body: &'a Body,
        object: Option<BodyObject<'a>>,
    ) -> (Bits, Vec<(u8, Found<'a>)>) {
        let mut bits = Bits::default();
        let mut members: Vec<(u8, Found<'a>)> = Vec::new();
        match (body, object) {
            (Body::Json(Value::Object(map)), _) if object.is_none_or(|o| !o.reads_raw()) => {
                members.reserve(map.len().min(self.body.len()));
                if map.len() <= self.body.len() {
                    for (key, value) in map {
                        if let Some(&bit) = self.body.get(key.as_str()) {
                            bits.set(bit);
                            members.push((bit, Found::Ref(value)));
                        }
                    }
                } else {
                    for (name, bit) in &self.body {
                        if let Some(value) = map.get(&**name) {
                            bits.set(*bit);
                            members.push((*bit, Found::Ref(value)));
                        }
                    }
                }
            }
            (_, Some(object)) if object.len() <= self.body.len() => {
                members.reserve(object.len());
                object.each(|name, value| {
                    let Some(&bit) = self.body.get(name) else {
                        return;
                    };
                    if bits.has(bit) {
                        // A name given twice: the value read last is the one.
                        members.retain(|(b, _)| *b != bit);
                    }
                    bits.set(bit);
                    // A member no reader of these paths asked for may be
                    // unbuilt: its bit is set all the same (the body has it).
                    if let Some(value) = value.get() {
                        members.push((bit, value));
                    }
                });
            }
            (_, Some(object)) => {
                for (name, bit) in &self.body {
                    if object.has(name) {
                        bits.set(*bit);
                        if let Some(value) = object.get(name) {
                            members.push((*bit, value));
                        }
                    }
                }
            }
            // A step into a string looks through the JSON it may hold.
            (Body::Json(Value::String(s)) | Body::Text(s), _) if looks_like_json(s) => {
                for bit in self.body.values() {
                    bits.set(*bit);
                }
            }
            // A name step into anything else finds nothing.
            _ => {}
        }
        if !self.attributes.is_empty() {
            for key in event.attributes.keys() {
                let folded = key.bytes().map(|b| b.to_ascii_lowercase());
                if let Ok(i) = self
                    .attributes
                    .binary_search_by(|(n, _)| by_len(n.as_bytes(), folded.clone()))
                {
                    bits.set(self.attributes[i].1);
                }
            }
        }
        (bits, members)
    }
}

/// Names ordered by length, then bytes: most comparisons stop at the
/// length. `b` has `b.len()` bytes (an exact-size iterator).
fn by_len(a: &[u8], b: impl ExactSizeIterator<Item = u8>) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.iter().copied().cmp(b))
}

/// A set of [`FirstNames`] bits.
#[derive(Debug, Clone, Copy, Default)]
struct Bits([u64; MAX_GATES / 64]);

impl Bits {
    fn set(&mut self, bit: u8) {
        self.0[usize::from(bit) / 64] |= 1 << (bit % 64);
    }

    fn has(&self, bit: u8) -> bool {
        self.0[usize::from(bit) / 64] & (1 << (bit % 64)) != 0
    }

    fn meets(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
}

/// The compiled paths of one mapping, in the order tried, with the bits of
/// their first names: an event that has none of those names skips the
/// whole list in one test (most events name a few of the dozens of fields
/// the mappings know, and each skipped path was a call).
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    paths: Vec<CompiledPath>,
    /// The first names' bits; `None` when some path is not gated (it is
    /// always evaluated).
    gates: Option<Bits>,
}

impl Paths {
    /// `paths`, gated as [`FirstNames::assign`] left them.
    pub(crate) fn new(paths: Vec<CompiledPath>) -> Paths {
        let gates = paths.iter().try_fold(Bits::default(), |mut bits, p| {
            bits.set(p.gate?);
            Some(bits)
        });
        Paths { paths, gates }
    }
}

impl std::ops::Deref for Paths {
    type Target = [CompiledPath];

    fn deref(&self) -> &[CompiledPath] {
        &self.paths
    }
}

/// Render a chain of names and indexes in dot notation, brackets only where
/// needed: `$.body['detail-type'].items[0]`. `None` for any other segment.
fn render(query: &JpQuery) -> Option<String> {
    let mut out = String::from("$");
    for segment in &query.segments {
        match segment {
            Segment::Selector(Selector::Name(name)) => push_name(&mut out, name),
            Segment::Selector(Selector::Index(i)) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            _ => return None,
        }
    }
    Some(out)
}

fn push_name(out: &mut String, name: &str) {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        out.push('.');
        out.push_str(name);
    } else {
        out.push_str("['");
        for c in name.chars() {
            if c == '\'' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push_str("']");
    }
}

/// A value found by a path: borrowed from the event or body, or owned when
/// it was computed (a timestamp, a decoded string's content, a query result).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Found<'a> {
    Ref(&'a Value),
    Str(&'a str),
    Owned(Value),
}

impl Found<'_> {
    /// The value as JSON.
    pub(crate) fn value(&self) -> Cow<'_, Value> {
        match self {
            Found::Ref(v) => Cow::Borrowed(v),
            Found::Str(s) => Cow::Owned(Value::String((*s).to_owned())),
            Found::Owned(v) => Cow::Borrowed(v),
        }
    }

    /// The value when it is a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Found::Ref(Value::String(s)) | Found::Owned(Value::String(s)) => Some(s),
            Found::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as short JSON text for messages (at most ~60 chars).
    pub(crate) fn show(&self) -> String {
        let mut out = String::new();
        if !self.show_integer(&mut out) {
            out = self.show_text();
        }
        out
    }

    /// [`Found::show`], written at the end of `out`.
    pub(crate) fn show_into(&self, out: &mut String) {
        if !self.show_integer(out) {
            out.push_str(&self.show_text());
        }
    }

    /// Writes an integer value as serde_json writes it, without
    /// `core::fmt`; `false` (nothing written) for any other value.
    fn show_integer(&self, out: &mut String) -> bool {
        let (Found::Ref(Value::Number(n)) | Found::Owned(Value::Number(n))) = self else {
            return false;
        };
        let mut digits = itoa::Buffer::new();
        if let Some(i) = n.as_i64() {
            out.push_str(digits.format(i));
        } else if let Some(u) = n.as_u64() {
            out.push_str(digits.format(u));
        } else {
            return false;
        }
        true
    }

    /// The value as JSON text, its secrets masked, cut after 60
    /// characters. Masked before it is quoted: in the quoted text (`\"`
    /// for each quote) the policy would no longer see a `"name":"value"`
    /// credential, and a cut would leave a part of a secret it cannot tell.
    fn show_text(&self) -> String {
        const MAX: usize = 60;
        let policy = crate::secrets::policy();
        let text = match &*self.value() {
            Value::String(s) => Value::String(policy.mask_text(s).into_owned()).to_string(),
            other => policy.mask_text(&other.to_string()).into_owned(),
        };
        match text.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    }

    /// Whether the value is null (which counts as absent).
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Found::Ref(Value::Null) | Found::Owned(Value::Null))
    }
}

/// Per-event evaluation state: the event, its body, decoded JSON strings and
/// the lazily built capture document.
pub(crate) struct Scope<'a> {
    event: &'a Event,
    body: &'a Body,
    /// JSON-encoded strings decoded so far, keyed by the string's address and
    /// length (every keyed string lives as long as the scope: it is borrowed
    /// from the event or held by an earlier entry). `None`: does not parse.
    decoded: Vec<(usize, usize, Option<Rc<Value>>)>,
    /// The capture document, once a query path needed it. `None` inside:
    /// the body is too deep to query.
    doc: Option<Option<Value>>,
    /// The [`FirstNames`] bits of the first names the event has; `None`:
    /// every path is evaluated.
    present: Option<Bits>,
    /// The body members those bits name, when the body is a JSON object.
    members: Vec<(u8, Found<'a>)>,
    /// The body's members, when it is a JSON object.
    object: Option<BodyObject<'a>>,
}

impl<'a> Scope<'a> {
    /// A scope that evaluates every path in full.
    #[cfg(test)]
    pub(crate) fn new(event: &'a Event, body: &'a Body) -> Self {
        Scope {
            event,
            body,
            decoded: Vec::new(),
            doc: None,
            present: None,
            members: Vec::new(),
            object: BodyObject::of(body, None),
        }
    }

    /// A scope for paths gated by `names` (see [`FirstNames::assign`]):
    /// those whose first name the event lacks find nothing at once. `raw`:
    /// the members of the raw body, when the decode left some of them
    /// unbuilt (see [`BodyObject`]).
    pub(crate) fn with_names(
        event: &'a Event,
        body: &'a Body,
        raw: Option<RawMembers<'a>>,
        names: &FirstNames,
    ) -> Self {
        let object = BodyObject::of(body, raw);
        let (present, members) = names.present(event, body, object);
        Scope {
            event,
            body,
            decoded: Vec::new(),
            doc: None,
            present: Some(present),
            members,
            object,
        }
    }

    /// The body's members, when it is a JSON object.
    pub(crate) fn object(&self) -> Option<BodyObject<'a>> {
        self.object
    }

    /// `paths`, or none of them when the event has none of their first
    /// names (each would find nothing).
    pub(crate) fn candidates<'p>(&self, paths: &'p Paths) -> &'p [CompiledPath] {
        match (&paths.gates, &self.present) {
            (Some(gates), Some(present)) if !gates.meets(present) => &[],
            _ => &paths.paths,
        }
    }

    /// The first non-null value `path` finds.
    #[inline]
    pub(crate) fn first(&mut self, path: &CompiledPath) -> Option<Found<'a>> {
        // Inlined, so that skipping costs no call.
        if let (Some(bit), Some(present)) = (path.gate, &self.present)
            && !present.has(bit)
        {
            return None;
        }
        self.evaluate(path)
    }

    /// [`Scope::first`] for a path that is not skipped.
    fn evaluate(&mut self, path: &CompiledPath) -> Option<Found<'a>> {
        match &path.kind {
            Kind::Simple { root, steps } => {
                // A gated body path starts with a name: start from the
                // member it names, found with the bits.
                if let (Root::Body, Some(bit)) = (root, path.gate)
                    && let Some((_, member)) = self.members.iter().find(|(b, _)| *b == bit)
                {
                    return self
                        .walk(member.clone(), &steps[1..])
                        .filter(|f| !f.is_null());
                }
                self.simple(*root, steps).filter(|f| !f.is_null())
            }
            Kind::Query(query) => {
                let doc = self.doc()?;
                jsonpath_rust::query::js_path_process(query, doc)
                    .ok()?
                    .into_iter()
                    .find(|r| !r.val.is_null())
                    .map(|r| Found::Owned(r.val.clone()))
            }
        }
    }

    /// Every non-null value `path` finds, with the normalized path of each
    /// (for people) and its structured form (for masking).
    pub(crate) fn each(
        &mut self,
        path: &CompiledPath,
        mut f: impl FnMut(String, SecretPath, Found<'a>),
    ) {
        match &path.kind {
            Kind::Simple { root, steps } => {
                if let Some(found) = self.first(path) {
                    f(path.text.clone(), self.structured(*root, steps), found);
                }
            }
            Kind::Query(query) => {
                let Some(doc) = self.doc() else { return };
                let Ok(results) = jsonpath_rust::query::js_path_process(query, doc) else {
                    return;
                };
                for r in results.into_iter().filter(|r| !r.val.is_null()) {
                    // Result paths are normalized (`$['body'][0]`): read
                    // them with the JSONPath parser into segments.
                    let parsed = parse_json_path(&r.path).ok();
                    let text = parsed.as_ref().and_then(render).unwrap_or(r.path);
                    let structured = parsed.map(|q| segments_of(&q)).unwrap_or_default();
                    f(text, structured, Found::Owned(r.val.clone()));
                }
            }
        }
    }

    /// A simple path as a structured path into the capture document, with
    /// the attribute's real name when it matched case-insensitively.
    fn structured(&self, root: Root, steps: &[Step]) -> SecretPath {
        let mut out = vec![PathSegment::Key(root.name().to_owned())];
        for (i, step) in steps.iter().enumerate() {
            out.push(match step {
                Step::Name(n) if i == 0 && root == Root::Attributes => {
                    PathSegment::Key(attribute_key(self.event, n).unwrap_or(n).to_owned())
                }
                Step::Name(n) => PathSegment::Key(n.clone()),
                Step::Index(i) => match usize::try_from(*i) {
                    Ok(i) => PathSegment::Index(i),
                    // From the end: not a fixed place, so no path.
                    Err(_) => return SecretPath::default(),
                },
            });
        }
        SecretPath(out)
    }

    /// The JSON a found string holds, when it looks like a JSON object or
    /// array and parses. Strings borrowed from the event are decoded at most
    /// once per scope.
    pub(crate) fn decode(&mut self, found: &Found<'a>) -> Option<Rc<Value>> {
        match found {
            Found::Str(s) => self.decode_stable(s),
            Found::Ref(Value::String(s)) => self.decode_stable(s),
            Found::Owned(Value::String(s)) if looks_like_json(s) => {
                serde_json::from_str(s).ok().map(Rc::new)
            }
            _ => None,
        }
    }

    /// Whether a found string holds JSON [`Scope::decode`] decodes,
    /// without building it unless it is unsure: a string `lex` checks
    /// whole is one serde_json parses.
    pub(crate) fn holds_json(&mut self, found: &Found<'a>) -> bool {
        let s: &str = match found {
            Found::Str(s) => s,
            Found::Ref(Value::String(s)) => s,
            _ => return self.decode(found).is_some(),
        };
        if !looks_like_json(s) {
            return false;
        }
        if let Some(decoded) = self.cached(s) {
            return decoded.is_some();
        }
        lex::is_one_value(s.as_bytes()) || self.decode_stable(s).is_some()
    }

    /// What decoding `s` gave, when it was decoded in this scope.
    fn cached(&self, s: &str) -> Option<&Option<Rc<Value>>> {
        let key = (s.as_ptr() as usize, s.len());
        self.decoded
            .iter()
            .find(|(p, l, _)| (*p, *l) == key)
            .map(|(_, _, v)| v)
    }

    /// Decode a string that lives as long as the scope (borrowed from the
    /// event, or inside an earlier decoded value), so that its address can
    /// key the cache.
    pub(crate) fn decode_stable(&mut self, s: &str) -> Option<Rc<Value>> {
        if !looks_like_json(s) {
            return None;
        }
        if let Some(decoded) = self.cached(s) {
            return decoded.clone();
        }
        let v = serde_json::from_str::<Value>(s).ok().map(Rc::new);
        self.decoded.push((s.as_ptr() as usize, s.len(), v.clone()));
        v
    }

    fn simple(&mut self, root: Root, steps: &[Step]) -> Option<Found<'a>> {
        let event = self.event;
        let (start, rest): (Found<'a>, &[Step]) = match root {
            Root::Id => (Found::Str(&event.id), steps),
            Root::Source => (Found::Str(&event.source), steps),
            Root::Key => (Found::Str(event.key.as_deref()?), steps),
            Root::PublishedAt => (
                Found::Owned(Value::String(event.published_at?.to_rfc3339())),
                steps,
            ),
            Root::ReceiveCount => (Found::Owned(Value::from(event.receive_count?)), steps),
            Root::Attributes => match steps.split_first() {
                Some((Step::Name(name), rest)) => (Found::Str(attribute(event, name)?), rest),
                Some((Step::Index(_), _)) => return None,
                None => (Found::Owned(string_map(&event.attributes)), steps),
            },
            Root::AttributeTypes => match steps.split_first() {
                Some((Step::Name(name), rest)) => {
                    (Found::Str(event.attribute_types.get(name)?), rest)
                }
                Some((Step::Index(_), _)) => return None,
                None => (Found::Owned(string_map(&event.attribute_types)), steps),
            },
            Root::System => match steps.split_first() {
                Some((Step::Name(name), rest)) => (Found::Ref(event.system.get(name)?), rest),
                Some((Step::Index(_), _)) => return None,
                None => (Found::Owned(Value::Object(event.system.to_map())), steps),
            },
            Root::Body => match (self.body, self.object, steps.split_first()) {
                (_, Some(object), Some((Step::Name(name), rest))) => (object.get(name)?, rest),
                (Body::Json(v), ..) => (Found::Ref(v), steps),
                (Body::Text(t), ..) => (Found::Str(t), steps),
                (Body::Binary(b), ..) if steps.is_empty() => (
                    Found::Owned(Value::String(
                        base64::engine::general_purpose::STANDARD.encode(b),
                    )),
                    steps,
                ),
                (Body::Binary(_), ..) => return None,
            },
        };
        self.walk(start, rest)
    }

    /// Follow `steps` from `start`, looking through JSON-encoded strings.
    /// Re-enters once per decoded string, which a path of n steps can meet
    /// at most n times.
    fn walk(&mut self, start: Found<'a>, steps: &[Step]) -> Option<Found<'a>> {
        let v = match start {
            _ if steps.is_empty() => return Some(start),
            Found::Ref(v) => v,
            Found::Str(s) => return self.walk_decoded(s, steps),
            Found::Owned(v) => return walk_owned(&v, steps),
        };
        match descend(v, steps)? {
            Descent::End(v) => Some(Found::Ref(v)),
            Descent::Str(s, rest) => self.walk_decoded(s, rest),
        }
    }

    /// Continue a walk inside a JSON-encoded string; `s` must live as long
    /// as the scope (see [`Scope::decode_stable`]).
    fn walk_decoded(&mut self, s: &str, steps: &[Step]) -> Option<Found<'a>> {
        // A member name the text does not hold (a name spelt with escapes
        // brings a backslash) is not in it: nothing to decode.
        if let Some(Step::Name(name)) = steps.first()
            && !s.contains(name.as_str())
            && !s.contains('\\')
        {
            return None;
        }
        let inner = self.decode_stable(s)?;
        match descend(&inner, steps)? {
            Descent::End(v) => Some(Found::Owned(v.clone())),
            Descent::Str(s, rest) => self.walk_decoded(s, rest),
        }
    }

    /// The capture document, built on first use.
    fn doc(&mut self) -> Option<&Value> {
        if self.doc.is_none() {
            self.doc = Some(build_doc(self.event, self.body));
        }
        self.doc.as_ref().and_then(Option::as_ref)
    }
}

pub(crate) use crate::model::lex::looks_like_json;

/// Where a walk over a value stopped.
enum Descent<'v, 's> {
    /// At the value the last step names.
    End(&'v Value),
    /// At a string, with steps left to take inside the JSON it may hold.
    Str(&'v str, &'s [Step]),
}

/// Take `steps` from `v` until they end or meet a string; `None` when a
/// step finds nothing.
fn descend<'v, 's>(mut v: &'v Value, steps: &'s [Step]) -> Option<Descent<'v, 's>> {
    for (i, step) in steps.iter().enumerate() {
        if let Value::String(s) = v {
            return Some(Descent::Str(s, &steps[i..]));
        }
        v = child(v, step)?;
    }
    Some(Descent::End(v))
}

/// Steps through an owned value (a computed root such as the attribute map).
fn walk_owned<'a>(start: &Value, steps: &[Step]) -> Option<Found<'a>> {
    let mut cur = start;
    for step in steps {
        cur = child(cur, step)?;
    }
    Some(Found::Owned(cur.clone()))
}

fn child<'v>(v: &'v Value, step: &Step) -> Option<&'v Value> {
    match (v, step) {
        (Value::Object(map), Step::Name(name)) => member(map, name),
        (Value::Array(items), Step::Index(i)) => {
            let i = if *i < 0 {
                items
                    .len()
                    .checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
            } else {
                usize::try_from(*i).ok()?
            };
            items.get(i)
        }
        _ => None,
    }
}

/// Objects up to this many members are searched by a linear scan, which
/// beats hashing the name (most lookups miss, and most misses differ in
/// length from every key).
const LINEAR_SCAN_MAX: usize = 24;

/// A member of an object by name.
pub(crate) fn member<'v>(map: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    if map.len() <= LINEAR_SCAN_MAX {
        map.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    } else {
        map.get(name)
    }
}

/// An attribute by name: an exact match, else the first ASCII
/// case-insensitive one. One pass (attribute maps are small).
fn attribute<'e>(event: &'e Event, name: &str) -> Option<&'e str> {
    let key = attribute_key(event, name)?;
    event.attributes.get(key).map(String::as_str)
}

/// The attribute key `name` matches: itself, or else one equal to it
/// ASCII case-insensitively.
fn attribute_key<'e>(event: &'e Event, name: &str) -> Option<&'e str> {
    let mut folded = None;
    for k in event.attributes.keys() {
        if k.len() != name.len() || !k.eq_ignore_ascii_case(name) {
            continue;
        }
        if k == name {
            return Some(k);
        }
        folded.get_or_insert(k.as_str());
    }
    folded
}

/// The names and indexes of a normalized result path, as a structured path.
fn segments_of(query: &JpQuery) -> SecretPath {
    let mut out = Vec::new();
    for segment in &query.segments {
        match segment {
            Segment::Selector(Selector::Name(name)) => out.push(PathSegment::Key(name.clone())),
            Segment::Selector(Selector::Index(i)) => match usize::try_from(*i) {
                Ok(i) => out.push(PathSegment::Index(i)),
                Err(_) => return SecretPath::default(),
            },
            _ => return SecretPath::default(),
        }
    }
    SecretPath(out)
}

fn string_map(map: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The capture document of an event, or `None` when the body or the system
/// metadata nests deeper than [`MAX_QUERY_DEPTH`].
fn build_doc(event: &Event, body: &Body) -> Option<Value> {
    let too_deep = |v: &Value| depth_exceeds(v, MAX_QUERY_DEPTH);
    if matches!(body, Body::Json(v) if too_deep(v)) || event.system.values().any(too_deep) {
        return None;
    }
    let mut doc = Map::new();
    doc.insert("id".into(), Value::String(event.id.clone()));
    doc.insert("source".into(), Value::String(event.source.clone()));
    doc.insert(
        "key".into(),
        event.key.clone().map_or(Value::Null, Value::String),
    );
    doc.insert(
        "published_at".into(),
        event
            .published_at
            .map_or(Value::Null, |t| Value::String(t.to_rfc3339())),
    );
    doc.insert(
        "receive_count".into(),
        event.receive_count.map_or(Value::Null, Value::from),
    );
    doc.insert("attributes".into(), string_map(&event.attributes));
    doc.insert("attribute_types".into(), string_map(&event.attribute_types));
    doc.insert("system".into(), Value::Object(event.system.to_map()));
    doc.insert("body".into(), body.to_capture_value());
    Some(Value::Object(doc))
}

/// Whether `v` nests deeper than `max` arrays/objects, without recursion.
fn depth_exceeds(v: &Value, max: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, depth)) = stack.pop() {
        match v {
            Value::Array(items) if depth < max => {
                stack.extend(items.iter().map(|c| (c, depth + 1)))
            }
            Value::Object(map) if depth < max => stack.extend(map.values().map(|c| (c, depth + 1))),
            Value::Array(_) | Value::Object(_) => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(body: Value) -> (Event, Body) {
        let mut e = Event::new("m-1", "sqs://orders", body.to_string());
        e.attributes
            .insert("X-Correlation-Id".into(), "corr-attr".into());
        e.attributes
            .insert("meta".into(), r#"{"corr":"from-json-attr"}"#.into());
        e.system
            .insert("retention_expires_at".into(), json!("2030-01-01T00:00:00Z"));
        let b = e.body();
        (e, b)
    }

    fn eval(path: &str, e: &Event, b: &Body) -> Option<Value> {
        let p = CompiledPath::compile("test", path).expect("path compiles");
        Scope::new(e, b).first(&p).map(|f| f.value().into_owned())
    }

    #[test]
    fn simple_paths_are_compiled_as_lookups() {
        for path in [
            "$.body.a.b",
            "$.body['detail-type']",
            "$.attributes.correlationId",
            "$.body.items[0]",
            "$.body.items[-1]",
        ] {
            let p = CompiledPath::compile("f", path).expect("compiles");
            assert!(
                matches!(p.kind, Kind::Simple { .. }),
                "{path} should be simple"
            );
        }
        for path in ["$..token", "$.body.items[*].id", "$.body.items[?@.id == 1]"] {
            let p = CompiledPath::compile("f", path).expect("compiles");
            assert!(matches!(p.kind, Kind::Query(_)), "{path} should be a query");
        }
    }

    #[test]
    fn renders_normalized_text() {
        let p = CompiledPath::compile("f", "$['body'][\"detail-type\"]").expect("compiles");
        assert_eq!(p.text(), "$.body['detail-type']");
        let p = CompiledPath::compile("f", "$.body.items[2].id").expect("compiles");
        assert_eq!(p.text(), "$.body.items[2].id");
        let p = CompiledPath::compile("f", " $.body.items[?@.id == 1] ").expect("compiles");
        assert_eq!(p.text(), "$.body.items[?@.id == 1]");
    }

    #[test]
    fn evaluates_simple_paths() {
        let (e, b) = event(json!({
            "detail-type": "OrderPlaced",
            "items": [{"id": 1}, {"id": 2}],
            "payload": "{\"inner\":{\"deep\":\"{\\\"x\\\":42}\"}}",
            "nothing": null
        }));
        assert_eq!(eval("$.id", &e, &b), Some(json!("m-1")));
        assert_eq!(
            eval("$.body['detail-type']", &e, &b),
            Some(json!("OrderPlaced"))
        );
        assert_eq!(eval("$.body.items[1].id", &e, &b), Some(json!(2)));
        assert_eq!(eval("$.body.items[-1].id", &e, &b), Some(json!(2)));
        assert_eq!(eval("$.body.items[-3].id", &e, &b), None);
        assert_eq!(eval("$.body.items[7]", &e, &b), None);
        assert_eq!(eval("$.body.nothing", &e, &b), None);
        // Through two levels of JSON-encoded strings.
        assert_eq!(eval("$.body.payload.inner.deep.x", &e, &b), Some(json!(42)));
        // Attribute names match case-insensitively; attribute JSON strings are decoded.
        assert_eq!(
            eval("$.attributes['x-correlation-id']", &e, &b),
            Some(json!("corr-attr"))
        );
        assert_eq!(
            eval("$.attributes.meta.corr", &e, &b),
            Some(json!("from-json-attr"))
        );
        assert_eq!(
            eval("$.system.retention_expires_at", &e, &b),
            Some(json!("2030-01-01T00:00:00Z"))
        );
        assert_eq!(eval("$.key", &e, &b), None);
    }

    #[test]
    fn evaluates_query_paths_on_the_capture_document() {
        let (e, b) = event(json!({"a": {"b": {"token": "t1"}}, "items": [{"id": 1}, {"id": 2}]}));
        assert_eq!(eval("$..token", &e, &b), Some(json!("t1")));
        assert_eq!(eval("$.body.items[?@.id == 2].id", &e, &b), Some(json!(2)));
        assert_eq!(
            eval("$.attributes[*]", &e, &b),
            Some(json!("corr-attr")),
            "attributes are in name order in the document"
        );
        let p = CompiledPath::compile("f", "$..token").expect("compiles");
        let mut paths = Vec::new();
        Scope::new(&e, &b).each(&p, |path, _, _| paths.push(path));
        assert_eq!(paths, vec!["$.body.a.b.token".to_string()]);
    }

    #[test]
    fn decodes_each_string_once() {
        let (e, b) = event(json!({"payload": "{\"a\":1,\"b\":2}"}));
        let pa = CompiledPath::compile("f", "$.body.payload.a").expect("compiles");
        let pb = CompiledPath::compile("f", "$.body.payload.b").expect("compiles");
        let mut scope = Scope::new(&e, &b);
        assert_eq!(
            scope.first(&pa).map(|f| f.value().into_owned()),
            Some(json!(1))
        );
        assert_eq!(
            scope.first(&pb).map(|f| f.value().into_owned()),
            Some(json!(2))
        );
        assert_eq!(scope.decoded.len(), 1);
    }

    #[test]
    fn bad_paths_name_field_and_path() {
        let err = CompiledPath::compile("correlation_id", "$.body[").expect_err("bad path");
        let msg = err.to_string();
        assert!(
            msg.contains("correlation_id") && msg.contains("$.body["),
            "{msg}"
        );
        let err = CompiledPath::compile("ttl", "$.bdy.ttl").expect_err("unknown root");
        assert!(err.to_string().contains("`bdy` is not a field"), "{err}");
        assert!(CompiledPath::compile("ttl", "$").is_err());
        assert!(CompiledPath::compile("ttl", "body.ttl").is_err());
    }

    /// Every default path and a few user-style ones, gated.
    fn gated_paths() -> (Vec<CompiledPath>, FirstNames) {
        let extra = [
            "$.body.payload.to",
            "$.body.payload.meta.corr",
            "$.body.EventName",
            "$.body[0].eventName",
            "$.body",
            "$.body.items[1]",
            "$.attributes",
            "$.attributes.META.corr",
            "$.attributes['x-CORRELATION-id']",
            "$.attributes.correlationid",
            "$..eventName",
            "$.body.items[*]",
        ];
        let mut paths: Vec<CompiledPath> = crate::inspect::DEFAULT_MAPPINGS
            .iter()
            .flat_map(|(field, paths)| paths.iter().map(move |p| (*field, *p)))
            .chain(extra.iter().map(|p| ("extra", *p)))
            .map(|(field, p)| CompiledPath::compile(field, p).expect("compiles"))
            .collect();
        let names = FirstNames::assign(paths.iter_mut());
        (paths, names)
    }

    fn results(scope: &mut Scope<'_>, paths: &[CompiledPath]) -> Vec<String> {
        let mut out = Vec::new();
        for p in paths {
            let first = scope.first(p).map(|f| f.value().into_owned());
            out.push(format!("{} first {first:?}", p.text()));
            scope.each(p, |path, _, f| {
                out.push(format!("{} each {path} {:?}", p.text(), f.value()));
            });
        }
        out
    }

    #[test]
    fn skipping_absent_first_names_changes_no_result() {
        let (paths, names) = gated_paths();
        let gated = paths.iter().filter(|p| p.gate.is_some()).count();
        assert!(gated > 150, "most paths are gated ({gated})");
        let mut big = Map::new();
        for i in 0..400 {
            big.insert(format!("k{i}"), json!(i));
        }
        big.insert("eventName".into(), json!("Big"));
        big.insert("traceId".into(), json!("t-big"));
        let bodies: Vec<Vec<u8>> = [
            json!({
                "eventName": "SEND_EMAIL",
                "creationDate": "2020-12-30 23:15:58.999",
                "expirationTime": 300000,
                "correlationId": "c-1",
                "payload": "{\"to\":\"a@b.c\",\"password\":\"pw\",\"meta\":{\"corr\":\"c-2\"}}",
                "EventName": "upper",
                "traceId": null,
                "items": [1, 2]
            }),
            json!({
                "detail-type": "OrderPlaced",
                "version": "0",
                "detail": {"userId": "u-1", "token": "tok", "payload": "[1]"},
                "data": "{\"ttl\": 60, \"userId\": \"from-data\"}"
            }),
            // A body that is a JSON string holding an object.
            json!("{\"eventName\":\"inner\",\"ttl\":5}"),
            json!([{"eventName": "in-array"}]),
            json!("not json inside"),
            json!(42),
            Value::Null,
            json!({}),
            Value::Object(big),
        ]
        .iter()
        .map(|b| b.to_string().into_bytes())
        .chain([
            b"{\"eventName\": \"not json\",}".to_vec(),
            b"plain text".to_vec(),
            vec![0xff, 0xfe, 0x00],
        ])
        .collect();
        let attribute_sets: [&[(&str, &str)]; 4] = [
            &[],
            &[
                ("X-Correlation-Id", "folded"),
                ("CorrelationId", "folded-camel"),
                ("correlationid", "exact-lower"),
                ("META", r#"{"corr":"from-json-attr"}"#),
                ("Ce-Type", "ce.type"),
                (
                    "TRACEPARENT",
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                ),
            ],
            &[("correlationId", "exact"), ("CORRELATIONID", "folded")],
            &[
                ("ttl", "60"),
                ("unrelated", "x"),
                ("Authorization", "Bearer abc"),
            ],
        ];
        let compiled = crate::inspect::mappings::Compiled::new(&Default::default()).unwrap();
        let (mut skipped, mut kept) = (0, 0);
        for raw in &bodies {
            for attributes in attribute_sets {
                let mut e = Event::new("m-1", "sqs://q", raw.clone());
                for (k, v) in attributes {
                    e.attributes.insert((*k).into(), (*v).into());
                }
                let b = e.body();
                let full = results(&mut Scope::new(&e, &b), &paths);
                let skipping = results(&mut Scope::with_names(&e, &b, None, &names), &paths);
                assert_eq!(full, skipping, "body {}", String::from_utf8_lossy(raw));
                // A mapping skipped whole is one none of whose paths finds
                // anything; any other keeps every path.
                let mut full = Scope::new(&e, &b);
                let gated = Scope::with_names(&e, &b, None, &compiled.names);
                for field in compiled.fields() {
                    let candidates = gated.candidates(field);
                    if candidates.is_empty() {
                        skipped += 1;
                        let found: Vec<_> = field.iter().filter_map(|p| full.first(p)).collect();
                        assert!(found.is_empty(), "{:?} found {found:?}", field[0].text());
                    } else {
                        kept += 1;
                        assert_eq!(candidates.len(), field.len());
                    }
                }
            }
        }
        assert!(skipped > 100 && kept > 50, "{skipped} skipped, {kept} kept");
    }

    #[test]
    fn first_names_are_present_exactly_when_a_lookup_can_find_them() {
        let (paths, names) = gated_paths();
        let bit = |text: &str| {
            paths
                .iter()
                .find(|p| p.text() == text)
                .and_then(|p| p.gate)
                .expect("gated")
        };
        let mut e = Event::new("m", "q", r#"{"eventName":"x","payload":"{}"}"#);
        e.attributes.insert("X-CORRELATION-ID".into(), "c".into());
        let b = e.body();
        let (present, _) = names.present(&e, &b, BodyObject::of(&b, None));
        assert!(present.has(bit("$.body.eventName")));
        assert!(present.has(bit("$.body.payload.password")));
        assert!(
            !present.has(bit("$.body.EventName")),
            "body names are exact"
        );
        assert!(!present.has(bit("$.body.ttl")));
        assert!(present.has(bit("$.attributes['x-correlation-id']")));
        assert!(present.has(bit("$.attributes['x-CORRELATION-id']")));
        assert!(!present.has(bit("$.attributes.correlationId")));
        // A body string that may hold JSON decides nothing; other bodies
        // that are not objects have no member.
        for (raw, has) in [
            ("\" {\\\"ttl\\\": 1}\"", true),
            ("[1]", false),
            ("\"text\"", false),
            ("{ not json", true),
            ("plain", false),
        ] {
            let e = Event::new("m", "q", raw);
            let b = e.body();
            assert_eq!(
                names
                    .present(&e, &b, BodyObject::of(&b, None))
                    .0
                    .has(bit("$.body.ttl")),
                has,
                "{raw}"
            );
        }
    }

    #[test]
    fn deep_bodies_are_not_queried() {
        // Built by hand: serde_json's parser would refuse this depth.
        let mut v = json!("leaf");
        for _ in 0..5_000 {
            v = Value::Array(vec![v]);
        }
        let e = Event::new("m", "demo", Vec::new());
        let b = Body::Json(v);
        let p = CompiledPath::compile("f", "$..*").expect("compiles");
        assert_eq!(Scope::new(&e, &b).first(&p), None);
        let simple = CompiledPath::compile("f", "$.body[0][0][0]").expect("compiles");
        assert!(Scope::new(&e, &b).first(&simple).is_some());
        // Take the value apart without recursion before it drops.
        let Body::Json(mut v) = b else { return };
        while let Value::Array(mut items) = v {
            v = items.pop().unwrap_or(Value::Null);
        }
    }

    /// Strings holding JSON (or nearly: every one-byte change of them),
    /// read without decoding them where the reading is sure: a walk into
    /// them finds what a walk over their decoded value finds, and
    /// `holds_json` says what a decode says.
    #[test]
    fn json_in_strings_is_read_as_decoding_it_reads_it() {
        let payloads = [
            r#"{"password": "p4ss", "to": "u@x"}"#,
            r#" {"pass\u0077ord":"escaped name"} "#,
            r#"[{"password": 1}]"#,
            r#"{"a": {"password": null}, "password": [1, 2]}"#,
        ];
        let bytes: Vec<u8> = (0u8..=127).collect();
        let path = CompiledPath::compile("f", "$.body.payload.password").expect("compiles");
        let payload = CompiledPath::compile("f", "$.body.payload").expect("compiles");
        let mut walked = 0;
        for base in payloads {
            let texts = std::iter::once(base.to_owned()).chain(lex::one_byte_changes(base, &bytes));
            for text in texts {
                let decoded = serde_json::from_str::<Value>(&text)
                    .ok()
                    .filter(|_| looks_like_json(&text));
                let expected = decoded.as_ref().and_then(|v| v.get("password")).cloned();
                let (e, b) = event(json!({ "payload": text }));
                let mut scope = Scope::new(&e, &b);
                let found = scope.first(&payload).expect("the payload is there");
                assert_eq!(scope.holds_json(&found), decoded.is_some(), "{text}");
                let got = Scope::new(&e, &b)
                    .first(&path)
                    .map(|f| f.value().into_owned());
                assert_eq!(got, expected, "{text}");
                walked += usize::from(got.is_some());
            }
        }
        assert!(walked > 100, "{walked} payloads with a password read");
    }
}
