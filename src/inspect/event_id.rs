//! The event id read from a body's top-level members as its decode found
//! them by hand, without building the body: all a reader that needs the
//! event id alone (a diff's default key) asks of an event. Sure only for
//! events without attributes and without contracts, whose id paths are
//! top-level members holding plain values; otherwise the members do not
//! tell and the body is inspected as usual.

use super::Inspector;
use super::path::ByMembers;
use super::problems::Envelope;
use crate::model::lex::{self, Member, Token};

impl Inspector {
    /// The event id facet of an event whose message id is `message_id`,
    /// with no attributes when `attributes_empty`, whose body is the JSON
    /// object `text` with the top-level `members` its decode read: what
    /// [`Inspector::inspect_for`] finds for [`super::Needs::EVENT_ID`].
    /// `None` when the members do not tell.
    pub fn event_id_by_members(
        &self,
        attributes_empty: bool,
        message_id: &str,
        text: &str,
        members: &[Member],
    ) -> Option<Option<String>> {
        if self.contracts.is_some() || !attributes_empty {
            return None;
        }
        // Members that do not fit the text tell nothing.
        if members
            .iter()
            .any(|m| m.name.end > text.len() || m.value.end > text.len())
        {
            return None;
        }
        // Names compared as bytes (no UTF-8 boundary to check: only the
        // value of the member found is read as text, and checked then). A
        // name given twice counts with its last value, as in a `Value`.
        let member = |name: &str| members.iter().rev().find(|m| m.is_named(text, name));
        let envelope = Envelope::detect_by(|name| member(name).is_some());
        let enveloped = matches!(
            envelope,
            Some(Envelope::CloudEvents | Envelope::EventBridge)
        );
        for path in self.compiled.event_id.iter() {
            // As in `inspect_for`: a top-level `id` is the event's only in
            // a CloudEvents or EventBridge envelope.
            if path.text() == "$.body.id" && !enveloped {
                continue;
            }
            match path.by_members() {
                ByMembers::Attribute => {}
                ByMembers::Member(name) => {
                    if let Some(found) = member(name)
                        && let Some(id) = member_text(found, text)?
                    {
                        return Some(Some(id));
                    }
                }
                ByMembers::Inside(name) if member(name).is_none() => {}
                ByMembers::Inside(_) | ByMembers::Unknown => return None,
            }
        }
        Some((!message_id.is_empty()).then(|| message_id.to_owned()))
    }
}

/// The text [`super::scalar_text`] gives a member's value: `Some(None)`
/// for none (null, an empty string, `true`, an object), `None` when unsure
/// (a number that is not a plain integer).
fn member_text(member: &Member, text: &str) -> Option<Option<String>> {
    let (_, value) = member.read(text)?;
    match member.token {
        Token::String { escaped } => {
            let string = lex::string_text(value, escaped);
            let trimmed = string.trim();
            Some((!trimmed.is_empty()).then(|| trimmed.to_owned()))
        }
        Token::Int(int) => Some(Some(int.to_string())),
        Token::Other => match value.as_bytes().first()? {
            b'n' | b't' | b'f' | b'{' | b'[' => Some(None),
            _ => None,
        },
    }
}

/// Bodies of every kind of id member (duplicates, null, empty, padded,
/// escaped, CloudEvents and EventBridge `id`, nested ids, JSON in a
/// string, none): what readers of the event id are tested on.
#[cfg(test)]
pub(crate) const ID_BODIES: &[&str] = &[
    r#"{"eventId":"e-1","eventName":"A"}"#,
    r#"{"eventId":" padded ","eventId":"last"}"#,
    r#"{"eventId":"","event_id":7,"eventid":"x"}"#,
    r#"{"eventId":null,"eventid":true,"event_id":-12}"#,
    r#"{"eventId":1.5}"#,
    r#"{"eventId":{"a":1},"id":"i-1"}"#,
    r#"{"specversion":"1.0","id":"ce-1","source":"s","type":"t"}"#,
    r#"{"detail-type":"x","id":"eb-1","detail":{"eventId":"inner"}}"#,
    r#"{"data":"{\"eventId\":\"in-a-string\"}"}"#,
    r#"{"eventId":"\u0041\t","metadata":{"eventId":"m"}}"#,
    r#"{"other":1}"#,
    "{}",
];

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::inspect::Needs;
    use crate::model::Event;
    use crate::model::{Body, Members, parse_members_lexed};

    /// Where the members tell, they tell what the inspection of the body
    /// finds; bodies of every kind of id member, and each one-byte change
    /// of them.
    #[test]
    fn the_members_tell_the_id_the_inspection_finds() {
        let inspector = Inspector::with_defaults();
        let mut told = 0;
        for &body in ID_BODIES {
            let texts =
                crate::model::lex::one_byte_changes(body, b"\"{}:,1n ").chain([body.to_string()]);
            for text in texts {
                for attributes in [false, true] {
                    let mut event = Event::new("m-1", "file:x", text.as_bytes().to_vec());
                    if attributes {
                        event
                            .attributes
                            .insert("eventId".into(), "from-attr".into());
                    }
                    let Ok((_, Some(members))) =
                        parse_members_lexed(&text, &Members::only([""; 0]))
                    else {
                        continue;
                    };
                    let Some(id) = inspector.event_id_by_members(
                        event.attributes.is_empty(),
                        &event.id,
                        &text,
                        &members,
                    ) else {
                        continue;
                    };
                    told += 1;
                    let body = Body::decode(text.as_bytes());
                    let inspection =
                        inspector.inspect_for(&event, &body, Utc::now(), true, Needs::EVENT_ID);
                    assert_eq!(id, inspection.meta.event_id, "{text}");
                }
            }
        }
        assert!(told > 500, "{told} told by the members");
    }
}
