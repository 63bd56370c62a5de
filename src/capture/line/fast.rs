//! The common capture line decoded without a parse of the whole line: its
//! top-level members are found by their structure, each field the event
//! needs is parsed from its own bytes, and the body once (instead of a
//! parse of the line that skips the body and a second one that builds it).
//!
//! Hand-written, because no JSON crate reports where a member's value
//! starts and ends. It only finds boundaries: every value is still parsed
//! by serde_json into the same types the whole-line path uses, and any
//! line it is not sure of (an escaped member name, a field twice, a body
//! that is not plain JSON, a nesting deep enough to meet serde_json's
//! limit) is left to that path. Where it gives an event, the whole-line
//! path gives the same event, and where it gives none for a line the
//! whole-line path reads, that path reads it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::model::lex::{self, Member};
use crate::model::{Body, Decoded, Event, Members, System, built_of, parse_members_lexed};

/// [`super::decode_line_members`] of a capture line, for lines whose body
/// is plain JSON; `None` for any other line (see the module's doc).
pub(super) fn decode(line: &[u8], source: &str, members: &Members) -> Option<Decoded> {
    by_layout(|body_last| decode_as(line, source, members, body_last))
}

/// [`super::decode_head`] of a capture line whose body is plain JSON: the
/// event without its body (checked as JSON, not built); `None` for any
/// other line.
pub(super) fn decode_head(line: &[u8], source: &str) -> Option<Event> {
    by_layout(|body_last| {
        let split = event_as(line, source, body_last, false)?;
        let (start, end) = split.body;
        let body = &line[start..end];
        // Checked by `lex` (one pass, nothing visited); the decode's own
        // parse decides wherever `lex` is not sure.
        let text = crate::model::utf8(body)?;
        if !lex::is_one_value(body) && !reads_as_json(text) {
            return None;
        }
        Some(split.event)
    })
}

/// A capture line's event without its body, and what checking its body
/// read (see [`read_head`]): a line kept on its head alone is decoded from
/// it without reading the line again.
#[derive(Debug)]
pub struct HeadRead<'l> {
    /// The event, without its body (`raw` empty).
    pub event: Event,
    /// The body, what it was read from.
    pub body: BodyRead<'l>,
}

/// The body of a [`HeadRead`]: its text, checked as JSON, and its
/// top-level members when it is an object `lex` reads.
#[derive(Debug)]
pub struct BodyRead<'l> {
    text: &'l str,
    members: Option<Vec<Member>>,
}

impl BodyRead<'_> {
    /// `event`'s [`Decoded`] with `members` of the body built, as [`decode`]
    /// decodes the line.
    pub(super) fn decoded(self, mut event: Event, members: &Members) -> Option<Decoded> {
        let (value, raw_members) = match self.members {
            Some(found) => (built_of(self.text, members, &found).ok()?, Some(found)),
            None => parse_members_lexed(self.text, members).ok()?,
        };
        event.raw = self.text.as_bytes().to_vec();
        Some(Decoded {
            event,
            body: Body::Json(value),
            partial: true,
            raw_members,
        })
    }
}

/// [`decode_head`] keeping what checking the body read; `None` where
/// `decode_head` gives no event, and for a body that is not UTF-8.
pub(super) fn head_read<'l>(line: &'l [u8], source: &str) -> Option<HeadRead<'l>> {
    by_layout(|body_last| {
        let split = event_as(line, source, body_last, true)?;
        let (start, end) = split.body;
        let text = crate::model::utf8(&line[start..end])?;
        // An object is checked by reading its members, kept for the decode.
        let members = split.body_members.or_else(|| lex::object_members(text));
        if members.is_none() && !lex::is_one_value(text.as_bytes()) && !reads_as_json(text) {
            return None;
        }
        Some(HeadRead {
            event: split.event,
            body: BodyRead { text, members },
        })
    })
}

/// Whether the decode reads `text` as a JSON body: parsed as it parses it.
/// Not serde's `IgnoredAny`, which skips values without checking what
/// building them checks (a number's range, an escape's surrogates, UTF-8
/// in strings, nesting): a line a filter on its head let pass would then
/// fail to decode only when kept, and be skipped unreported when not.
pub(super) fn reads_as_json(text: &str) -> bool {
    static NO_MEMBER: std::sync::LazyLock<Members> =
        std::sync::LazyLock::new(|| Members::only([""; 0]));
    crate::model::parse_members_str(text, &NO_MEMBER).is_ok()
}

/// `read` of a line, first as the lines before it were laid out.
///
/// Lines of one file are laid out alike: while they have had their body
/// last, take it to run to the closing brace (a line where it does not
/// fails to parse, and is then scanned), which saves scanning its bytes
/// for where it ends.
fn by_layout<T>(read: impl Fn(bool) -> Option<T>) -> Option<T> {
    thread_local! {
        static BODY_LAST: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    }
    let last = BODY_LAST.get();
    if let Some(read) = read(last) {
        return Some(read);
    }
    let read = read(!last)?;
    BODY_LAST.set(!last);
    Some(read)
}

/// The fields of a capture line the event is made of, as the whole-line
/// path's `CaptureLine` reads them.
#[derive(Default)]
struct Head<'l> {
    version: Option<u32>,
    /// Borrowed from the line when spelt plainly (no escape).
    id: Option<Cow<'l, str>>,
    source: Option<Cow<'l, str>>,
    key: Option<String>,
    published_at: Option<DateTime<Utc>>,
    receive_count: Option<u32>,
    attributes: BTreeMap<String, String>,
    attribute_types: BTreeMap<String, String>,
    system: System,
    json: bool,
    /// The body's value, as a span of the line.
    body: Option<(usize, usize)>,
    /// The body's top-level members (positions from its start), when they
    /// were read to find where it ends.
    body_members: Option<Vec<Member>>,
}

/// [`decode`], taking the body to be the last member when `body_last`
/// (else finding its end by its structure).
pub(super) fn decode_as(
    line: &[u8],
    source: &str,
    members: &Members,
    body_last: bool,
) -> Option<Decoded> {
    // The body's members are read by hand even when all are built: plain
    // ones are built without serde_json (see `built_of`).
    let Split {
        event,
        body: (start, end),
        body_members,
    } = event_as(line, source, body_last, true)?;
    let text = crate::model::utf8(&line[start..end])?;
    let body = BodyRead {
        text,
        members: body_members,
    };
    body.decoded(event, members)
}

/// A capture line whose body is a JSON object, read without making its
/// event: all that a reader of its message id, publish time and raw body
/// (with the body's top-level members) takes from it. Where this gives a
/// view, [`decode`] gives an event with the same id, time, attributes and
/// raw body, and the same members.
#[derive(Debug)]
pub struct LineView<'l> {
    /// The capture's message id (its `id`).
    pub message_id: Cow<'l, str>,
    /// When the broker accepted the message.
    pub published_at: Option<DateTime<Utc>>,
    /// Whether the line has no attributes.
    pub attributes_empty: bool,
    /// The raw body.
    pub body: &'l str,
    /// The body's top-level members, as [`lex`] reads them.
    pub members: Vec<Member>,
}

/// The [`LineView`] of a capture line whose body is a JSON object the
/// hand reading is sure of; `None` for any other line.
pub(super) fn view(line: &[u8]) -> Option<LineView<'_>> {
    by_layout(|body_last| {
        let (head, id, (start, end)) = plain_head(line, body_last, true)?;
        let body = crate::model::utf8(&line[start..end])?;
        let members = match head.body_members {
            Some(members) => members,
            None => lex::object_members(body)?,
        };
        Some(LineView {
            message_id: id,
            published_at: head.published_at,
            attributes_empty: head.attributes.is_empty(),
            body,
            members,
        })
    })
}

/// A line whose body is plain JSON, split into its event and its body.
struct Split {
    /// The event, without its body (`raw` empty).
    event: Event,
    /// Where the body's value is in the line.
    body: (usize, usize),
    /// The body's top-level members, when they were read to find its end.
    body_members: Option<Vec<Member>>,
}

/// The head of a line whose body is plain JSON, in a capture format
/// version this evscope reads, with its message id taken out of it and
/// where its body is.
fn plain_head(
    line: &[u8],
    body_last: bool,
    lex_body: bool,
) -> Option<(Head<'_>, Cow<'_, str>, (usize, usize))> {
    let mut head = read_head(line, body_last, lex_body)?;
    let (Some(version), Some(id), true, Some(body)) =
        (head.version, head.id.take(), head.json, head.body)
    else {
        return None;
    };
    (version <= super::super::VERSION).then_some((head, id, body))
}

/// The [`Split`] of a line whose body is plain JSON; its body's members
/// are read to find its end when it is not last and `lex_body`.
fn event_as(line: &[u8], source: &str, body_last: bool, lex_body: bool) -> Option<Split> {
    let (head, id, body) = plain_head(line, body_last, lex_body)?;
    let event = Event {
        id: id.into_owned(),
        source: head
            .source
            .map_or_else(|| source.to_string(), Cow::into_owned),
        key: head.key,
        published_at: head.published_at,
        receive_count: head.receive_count,
        attributes: head.attributes,
        attribute_types: head.attribute_types,
        system: head.system,
        raw: Vec::new(),
    };
    Some(Split {
        event,
        body,
        body_members: head.body_members,
    })
}

/// The members of a capture line [`read_head`] reads.
#[derive(Clone, Copy)]
enum Field {
    Version,
    Id,
    Body,
    Source,
    Key,
    PublishedAt,
    ReceiveCount,
    Attributes,
    AttributeTypes,
    System,
    BodyEncoding,
}

/// The fields of `line`, each parsed from its own bytes; `None` when the
/// line is not one this path is sure of. A body that is not last is found
/// by its structure, or (`lex_body`) by reading its members, kept for the
/// body's decode (one pass over it instead of two).
fn read_head(line: &[u8], body_last: bool, lex_body: bool) -> Option<Head<'_>> {
    fn parse<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
        serde_json::from_slice(bytes).ok()
    }
    let end = last_brace(line)?;
    let mut head = Head::default();
    let mut seen = 0u16;
    let mut i = skip_ws(line, 0);
    if line.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(line, i + 1);
    if i == end {
        return None; // `{}`: no version, no body
    }
    loop {
        if line.get(i) != Some(&b'"') {
            return None;
        }
        let name_end = string_end(line, i)?;
        let name = &line[i + 1..name_end - 1];
        // Each field read is given once (the whole-line path refuses one
        // given twice); other members are checked as JSON and skipped.
        let field = match name {
            b"evscope_capture" => Some(Field::Version),
            b"id" => Some(Field::Id),
            b"body" => Some(Field::Body),
            b"source" => Some(Field::Source),
            b"key" => Some(Field::Key),
            b"published_at" => Some(Field::PublishedAt),
            b"receive_count" => Some(Field::ReceiveCount),
            b"attributes" => Some(Field::Attributes),
            b"attribute_types" => Some(Field::AttributeTypes),
            b"system" => Some(Field::System),
            b"body_encoding" => Some(Field::BodyEncoding),
            b"raw_base64" => return None,
            // Printable ASCII only: an escape (which may spell a field's
            // name), a control character or bytes that may not be UTF-8
            // are for the whole-line path.
            _ if !name
                .iter()
                .all(|&b| (b' '..=b'~').contains(&b) && b != b'\\') =>
            {
                return None;
            }
            _ => None,
        };
        if let Some(field) = field {
            let bit = 1u16 << field as u16;
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
        }
        i = skip_ws(line, name_end);
        if line.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(line, i + 1);
        let value_end = match field {
            Some(Field::Body) if body_last => trim_ws_end(line, start, end),
            Some(Field::Body) if lex_body => match lex::object_at(&line[start..], 0) {
                Some((members, len)) => {
                    head.body_members = Some(members);
                    start + len
                }
                None => value_end(line, start)?,
            },
            // Another member is skipped, checked as serde_json checks it
            // (`None`: not sure it would be read alike).
            None => lex::value_end(line, start, 1)?,
            Some(_) => value_end(line, start)?,
        };
        let value = line.get(start..value_end)?;
        match field {
            // The plainest spellings (a string without escapes, a small
            // integer, `{}`) are read directly: serde_json reads them the
            // same, at several times the cost for values this short.
            Some(Field::Version) => head.version = Some(plain_u32(value).or_else(|| parse(value))?),
            Some(Field::Id) => {
                head.id = Some(match plain_str(value) {
                    Some(id) => Cow::Borrowed(id),
                    None => Cow::Owned(parse(value)?),
                });
            }
            Some(Field::Body) => {
                head.body = Some((start < value_end).then_some((start, value_end))?);
            }
            Some(Field::Source) => {
                head.source = match plain_str(value) {
                    Some(source) => Some(Cow::Borrowed(source)),
                    None => parse::<Option<String>>(value)?.map(Cow::Owned),
                };
            }
            Some(Field::Key) => head.key = parse(value)?,
            Some(Field::PublishedAt) => {
                head.published_at = match plain_time(value) {
                    Some(time) => Some(time),
                    None => parse(value)?,
                };
            }
            Some(Field::ReceiveCount) => {
                head.receive_count = match plain_u32(value) {
                    Some(count) => Some(count),
                    None => parse(value)?,
                };
            }
            Some(Field::Attributes) if value == b"{}" => {}
            Some(Field::Attributes) => head.attributes = parse(value)?,
            Some(Field::AttributeTypes) => head.attribute_types = parse(value)?,
            Some(Field::System) => {
                // Parsed alone, a value nests one level deeper before
                // serde_json's limit than inside the line: a deep one is
                // for the whole-line path.
                if value.iter().filter(|b| matches!(b, b'{' | b'[')).count() > 64 {
                    return None;
                }
                head.system = parse(value)?;
            }
            Some(Field::BodyEncoding) => {
                head.json = value == b"\"json\"";
                if !head.json {
                    return None;
                }
            }
            None => {}
        }
        i = skip_ws(line, value_end);
        match line.get(i) {
            Some(b',') => i = skip_ws(line, i + 1),
            Some(b'}') if i == end => return Some(head),
            _ => return None,
        }
    }
}

/// The text of a string value without escapes or control characters
/// (exactly what serde_json reads from it); `None` for any other value.
fn plain_str(value: &[u8]) -> Option<&str> {
    let text = value.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if text.iter().any(|&b| b == b'\\' || b < 0x20) {
        return None;
    }
    std::str::from_utf8(text).ok()
}

/// A non-negative integer of at most nine digits spelt as JSON spells it
/// (no leading zero), so it fits a `u32`; `None` for any other value.
fn plain_u32(value: &[u8]) -> Option<u32> {
    let plain = (1..=9).contains(&value.len())
        && value.iter().all(u8::is_ascii_digit)
        && (value.len() == 1 || value[0] != b'0');
    plain.then(|| {
        value
            .iter()
            .fold(0, |n, &digit| n * 10 + u32::from(digit - b'0'))
    })
}

/// A time spelt the way evscope and the brokers write it,
/// `"YYYY-MM-DDTHH:MM:SS[.F…]Z"` (one to nine fraction digits, no leap
/// second), read directly; `None` for any other spelling, which chrono
/// reads (or refuses) as before.
fn plain_time(value: &[u8]) -> Option<DateTime<Utc>> {
    let text = value.strip_prefix(b"\"")?.strip_suffix(b"Z\"")?;
    let (clock, fraction) = match text.get(19..) {
        Some([]) => (text, &[][..]),
        Some([b'.', digits @ ..]) if (1..=9).contains(&digits.len()) => (&text[..19], digits),
        _ => return None,
    };
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        mo0,
        mo1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        mi0,
        mi1,
        b':',
        s0,
        s1,
    ] = *clock
    else {
        return None;
    };
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(&[y0, y1, y2, y3])?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, number(&[mo0, mo1])?, number(&[d0, d1])?)?;
    let nanos = number(fraction)? * 10u32.pow(9 - fraction.len() as u32);
    let (hour, minute, second) = (number(&[h0, h1])?, number(&[mi0, mi1])?, number(&[s0, s1])?);
    // A leap second (:60) is chrono's to read.
    (second < 60).then_some(())?;
    let time = chrono::NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(date.and_time(time).and_utc())
}

/// The index of a line's closing brace: its last byte but whitespace.
fn last_brace(line: &[u8]) -> Option<usize> {
    let end = trim_ws_end(line, 0, line.len());
    (end > 0 && line[end - 1] == b'}').then(|| end - 1)
}

/// JSON's whitespace (not form feed, which `u8::is_ascii_whitespace` also
/// counts and serde_json refuses).
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while line.get(i).is_some_and(|&b| is_ws(b)) {
        i += 1;
    }
    i
}

/// `end` moved back over whitespace, not before `start`.
fn trim_ws_end(line: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && is_ws(line[end - 1]) {
        end -= 1;
    }
    end
}

/// The index after the string that opens at `start` (a quote). A byte
/// loop: the strings of a line's head are short, where `memchr` costs more
/// to start than it saves.
fn string_end(line: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i = lex::skip_plain(line, i);
        match line.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// The index after the value that starts at `start`, by its brackets and
/// strings alone (the value is parsed afterwards).
fn value_end(line: &[u8], start: usize) -> Option<usize> {
    match line.get(start)? {
        b'"' => string_end(line, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                match line.get(i)? {
                    b'"' => {
                        i = string_end(line, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let len = line[start..]
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']') || is_ws(b))
                .unwrap_or(line.len() - start);
            Some(start + len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each of `values` that `plain` reads, serde_json reads the same.
    fn agrees<T>(values: &[&[u8]], plain: impl Fn(&[u8]) -> Option<T>)
    where
        T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for &value in values {
            if let Some(plain) = plain(value) {
                let serde = serde_json::from_slice::<T>(value).ok();
                assert_eq!(Some(plain), serde, "{value:?}");
            }
        }
    }

    #[test]
    fn plain_values_read_as_serde_json_reads_them_or_not_at_all() {
        agrees(
            &[
                b"\"m0\"",
                b"\"\"",
                b"\"sqs://bench\"",
                b"\"caf\xC3\xA9\"",
                b"\"a\\\"b\"",
                b"\"tab\there\"",
                b"\"bad \xFF\"",
                b"\"",
                b"12",
                b"null",
                b"\"a\\u0041\"",
                b"\"x\" ",
            ],
            |v| plain_str(v).map(str::to_owned),
        );
        assert_eq!(plain_str(b"\"a\\\"b\""), None, "escapes go to serde_json");
        assert_eq!(plain_str(b"\"m0\""), Some("m0"));
        agrees(
            &[
                b"0",
                b"7",
                b"42",
                b"999999999",
                b"4294967295",
                b"4294967296",
                b"01",
                b"-1",
                b"1.0",
                b"1e3",
                b"",
                b"\"3\"",
            ],
            plain_u32,
        );
        assert_eq!(plain_u32(b"999999999"), Some(999_999_999));
        assert_eq!(plain_u32(b"01"), None);
        agrees(
            &[
                b"\"2026-11-20T08:00:00.127Z\"",
                b"\"2026-11-20T08:00:00Z\"",
                b"\"2026-11-20T08:00:00.1Z\"",
                b"\"2026-11-20T08:00:00.123456789Z\"",
                b"\"2026-11-20T08:00:00.1234567891Z\"",
                b"\"0001-01-01T00:00:00Z\"",
                b"\"2024-02-29T23:59:59.999Z\"",
                b"\"2023-02-29T00:00:00Z\"",
                b"\"2026-13-01T00:00:00Z\"",
                b"\"2026-11-20T24:00:00Z\"",
                b"\"2016-12-31T23:59:60Z\"",
                b"\"2026-11-20 08:00:00Z\"",
                b"\"2026-11-20T08:00:00+02:00\"",
                b"\"2026-11-20T08:00:00.Z\"",
                b"\"2026-1a-20T08:00:00Z\"",
                b"\"+2026-11-20T08:00:00Z\"",
            ],
            plain_time,
        );
        let read = plain_time(b"\"2026-11-20T08:00:00.127Z\"").unwrap();
        assert_eq!(read.to_rfc3339(), "2026-11-20T08:00:00.127+00:00");
        assert_eq!(
            plain_time(b"\"2016-12-31T23:59:60Z\""),
            None,
            "leap seconds go to chrono"
        );
    }
}
