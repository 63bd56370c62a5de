//! Decoding of raw body bytes into JSON, text or binary.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Event;
use super::lex::Member;
use super::members::{Members, parse_members_lexed};

/// How a body is written in a capture: the JSON value itself, a UTF-8
/// string, or base64 of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// The body is valid JSON and is stored as that JSON value.
    Json,
    /// The body is UTF-8 text that is not JSON.
    Utf8,
    /// The body is not UTF-8; it is stored as base64.
    Base64,
}

/// A decoded body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A JSON document.
    Json(Value),
    /// UTF-8 text that is not JSON.
    Text(String),
    /// Bytes that are not UTF-8.
    Binary(Vec<u8>),
}

impl Body {
    /// Decode raw bytes: JSON when they parse as JSON, else text when they
    /// are UTF-8, else binary.
    pub fn decode(raw: &[u8]) -> Body {
        Body::decode_members(raw, &Members::All)
    }

    /// [`Body::decode`] building only `members` of a JSON object body (see
    /// [`crate::model::parse_members_str`]): JSON, text or binary for the
    /// same bytes.
    pub fn decode_members(raw: &[u8], members: &Members) -> Body {
        Body::decode_lexed(raw, members).0
    }

    /// [`Body::decode_members`], also handing over the top-level members of
    /// a JSON object body when they were read by hand (see
    /// [`parse_members_lexed`]).
    pub fn decode_lexed(raw: &[u8], members: &Members) -> (Body, Option<Vec<Member>>) {
        let Some(text) = super::utf8(raw) else {
            // Bytes that are not UTF-8 are not JSON.
            return (Body::Binary(raw.to_vec()), None);
        };
        match parse_members_lexed(text, members) {
            Ok((value, lexed)) => (Body::Json(value), lexed),
            Err(_) => (Body::Text(text.to_owned()), None),
        }
    }

    /// The encoding a capture uses for this body.
    pub fn encoding(&self) -> BodyEncoding {
        match self {
            Body::Json(_) => BodyEncoding::Json,
            Body::Text(_) => BodyEncoding::Utf8,
            Body::Binary(_) => BodyEncoding::Base64,
        }
    }

    /// The body as the JSON value a capture stores: the value itself, the
    /// text as a string, or base64 of the bytes as a string.
    pub fn to_capture_value(&self) -> Value {
        match self {
            Body::Json(v) => v.clone(),
            Body::Text(t) => Value::String(t.clone()),
            Body::Binary(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        }
    }

    /// The JSON value when the body is JSON.
    pub fn as_json(&self) -> Option<&Value> {
        match self {
            Body::Json(v) => Some(v),
            _ => None,
        }
    }
}

/// An event read from a record, its body built in whole or in part.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The event, raw body included.
    pub event: Event,
    /// The body, built from `event.raw` whole or in part.
    pub body: Body,
    /// Whether the body may lack members: then `Body::decode(&event.raw)`
    /// is the whole body.
    pub partial: bool,
    /// The top-level members of `event.raw` (a JSON object) when the
    /// decode read them by hand (see [`Body::decode_lexed`]).
    pub raw_members: Option<Vec<Member>>,
}

impl Decoded {
    /// `event` with `members` of its raw body built.
    pub fn of_event(event: Event, members: &Members) -> Decoded {
        let (body, raw_members) = Body::decode_lexed(&event.raw, members);
        Decoded {
            event,
            body,
            partial: !members.is_all(),
            raw_members,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_json_text_and_binary() {
        assert_eq!(Body::decode(br#"{"a":1}"#).encoding(), BodyEncoding::Json);
        assert_eq!(Body::decode(b"hello").encoding(), BodyEncoding::Utf8);
        assert_eq!(
            Body::decode(&[0xff, 0x00, 0xfe]).encoding(),
            BodyEncoding::Base64
        );
        assert_eq!(
            Body::decode(&[0xff, 0xfe]).to_capture_value(),
            Value::String("//4=".into())
        );
    }
}
