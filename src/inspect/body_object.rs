//! A JSON object body's top-level members as the inspection reads them:
//! those the decode built from the body's value, and the plain ones it
//! left unbuilt (see [`Members::plain_unbuilt`]) from the raw text, with the
//! members the decode found there (see [`Decoded::raw_members`]). Either
//! way a member reads as a full parse of the body would have it.
//!
//! [`Members::plain_unbuilt`]: crate::model::Members::plain_unbuilt
//! [`Decoded::raw_members`]: crate::model::Decoded::raw_members

use serde_json::{Map, Value};

use super::path::{Found, member};
use crate::model::lex::{Member, Plain};
use crate::model::{Body, Event};

/// The raw text of a body and its top-level members.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawMembers<'a> {
    text: &'a str,
    members: &'a [Member],
}

impl<'a> RawMembers<'a> {
    /// The members `members` of `event`'s raw body, `None` when there are
    /// none (the body was not read by hand) or the raw body is not text.
    pub(crate) fn of(event: &'a Event, members: Option<&'a [Member]>) -> Option<Self> {
        Some(RawMembers {
            members: members?,
            text: crate::model::utf8(&event.raw)?,
        })
    }

    /// The value of the last member named `name` (the one a full parse
    /// keeps), when it is plain.
    fn plain(&self, name: &str) -> Option<Found<'a>> {
        let last = self
            .members
            .iter()
            .rev()
            .find(|m| m.is_named(self.text, name))?;
        self.plain_of(last)
    }

    fn plain_of(&self, member: &Member) -> Option<Found<'a>> {
        Some(match member.plain(self.text)? {
            Plain::Str(s) => Found::Str(s),
            Plain::Scalar(value) => Found::Owned(value),
        })
    }
}

/// The top-level members of a JSON object body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyObject<'a> {
    built: &'a Map<String, Value>,
    raw: Option<RawMembers<'a>>,
}

impl<'a> BodyObject<'a> {
    /// The members of `body`, when it is a JSON object; `raw`, the members
    /// of the raw body it was built from.
    pub(crate) fn of(body: &'a Body, raw: Option<RawMembers<'a>>) -> Option<Self> {
        match body {
            Body::Json(Value::Object(built)) => Some(BodyObject { built, raw }),
            _ => None,
        }
    }

    /// The member named `name`: built, or plain in the raw text. `None`
    /// when the body has none, or left it unbuilt and not plain (a member
    /// no reader asked for).
    pub(crate) fn get(&self, name: &str) -> Option<Found<'a>> {
        match member(self.built, name) {
            Some(value) => Some(Found::Ref(value)),
            None => self.raw?.plain(name),
        }
    }

    /// Whether the body has a member named `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        match self.raw {
            Some(raw) => raw.members.iter().any(|m| m.is_named(raw.text, name)),
            None => member(self.built, name).is_some(),
        }
    }

    /// Whether some members may be read from the raw text.
    pub(crate) fn reads_raw(&self) -> bool {
        self.raw.is_some()
    }

    /// How many members [`BodyObject::each`] visits.
    pub(crate) fn len(&self) -> usize {
        self.raw.map_or(self.built.len(), |raw| raw.members.len())
    }

    /// Each member's name and a way to its value, in order; a name given
    /// twice in the raw text comes twice, the value read the last time
    /// being the one a full parse keeps. The value is read only when
    /// asked for (most members of a wide body are read by no path), and
    /// is `None` for a member left unbuilt and not plain (one no reader
    /// asked for).
    pub(crate) fn each(&self, mut f: impl FnMut(&'a str, MemberValue<'a>)) {
        match self.raw {
            Some(raw) => {
                for m in raw.members {
                    f(m.name(raw.text), MemberValue::Raw(self.built, raw, m));
                }
            }
            None => self
                .built
                .iter()
                .for_each(|(k, v)| f(k, MemberValue::Built(v))),
        }
    }
}

/// The value of a member [`BodyObject::each`] hands over, read when asked.
#[derive(Clone, Copy)]
pub(crate) enum MemberValue<'a> {
    Built(&'a Value),
    /// A member of the raw text: built (the last of its name), or plain.
    Raw(&'a Map<String, Value>, RawMembers<'a>, &'a Member),
}

impl<'a> MemberValue<'a> {
    /// The value, `None` when it was left unbuilt and is not plain.
    pub(crate) fn get(self) -> Option<Found<'a>> {
        match self {
            MemberValue::Built(value) => Some(Found::Ref(value)),
            MemberValue::Raw(built, raw, m) => match member(built, m.name(raw.text)) {
                Some(built) => Some(Found::Ref(built)),
                None => raw.plain_of(m),
            },
        }
    }
}
