//! Decoding one line of a capture file into an event.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

mod fast;

pub use fast::{BodyRead, HeadRead, LineView};

use super::VERSION_KEY;
use crate::model::{Body, BodyEncoding, Decoded, Event, Members, System, parse_members_lexed};

/// A capture line that cannot be read back as an event.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct LineError {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

#[derive(Deserialize)]
struct CaptureLine<'a> {
    #[serde(rename = "evscope_capture")]
    version: u32,
    id: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    receive_count: Option<u32>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    attribute_types: BTreeMap<String, String>,
    #[serde(default)]
    system: System,
    #[serde(borrow)]
    body: &'a RawValue,
    body_encoding: BodyEncoding,
    #[serde(default)]
    raw_base64: Option<String>,
}

/// Whether a line is a capture line (rather than a plain event body).
/// evscope writes the version key first, so a prefix check settles it.
pub fn is_capture_line(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii_start();
    trimmed.starts_with(b"{\"") && trimmed[2..].starts_with(VERSION_KEY.as_bytes())
}

/// Whether a capture line was written with an `invalid_json` problem: the
/// body it came with was promised as JSON (a line of a JSON Lines file)
/// and was not. Reading it back keeps that promise, so an export reopened
/// shows the same problems. Cheap for the many lines without one: only a
/// line holding the word is parsed.
pub fn records_invalid_json(line: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Problems {
        #[serde(default)]
        problems: Vec<Kind>,
    }
    #[derive(Deserialize)]
    struct Kind {
        kind: String,
    }
    // Built once: `memmem::find` builds its searcher on every call.
    static WORD: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"invalid_json\""));
    WORD.find(line).is_some()
        && serde_json::from_slice::<Problems>(line)
            .is_ok_and(|p| p.problems.iter().any(|k| k.kind == "invalid_json"))
}

/// Decode one line (without its newline) into an event and its decoded body.
///
/// `line_no` is 1-based and names the line in errors and in the ids of plain
/// lines (`line-12`). `source` is used for plain lines and for capture lines
/// that name none. A plain line that is not JSON is an event with a text
/// body, not an error; only a capture line that does not decode is.
///
/// A capture line cut short (a writer killed mid-line, a full disk) is not
/// an error either: it is an event whose text body is the fragment, which
/// the inspector reports as invalid JSON (see [`is_partial_line`]).
pub fn decode_line(line: &[u8], line_no: usize, source: &str) -> Result<(Event, Body), LineError> {
    decode_line_members(line, line_no, source, &Members::All).map(|d| (d.event, d.body))
}

/// [`decode_line`] building only `members` of a JSON object body (see
/// [`Members`]); see [`Decoded::partial`].
pub fn decode_line_members(
    line: &[u8],
    line_no: usize,
    source: &str,
    members: &Members,
) -> Result<Decoded, LineError> {
    if is_capture_line(line) {
        match decode_capture_line(line, line_no, source, members) {
            Err(_) if is_partial_line(line) => Ok(plain_line(line, line_no, source, members)),
            decoded => decoded,
        }
    } else {
        Ok(plain_line(line, line_no, source, members))
    }
    .map(|decoded| narrowed(decoded, members))
}

/// [`decode_line_members`] of the line [`read_head`] read `body` and
/// `event` from, without reading the line again; `None` when the body does
/// not build (the full decode then says why).
pub fn decode_read(body: BodyRead<'_>, event: Event, members: &Members) -> Option<Decoded> {
    body.decoded(event, members)
        .map(|decoded| narrowed(decoded, members))
}

/// A decode is partial when some member was left unbuilt.
fn narrowed(decoded: Decoded, members: &Members) -> Decoded {
    Decoded {
        partial: !members.is_all() && decoded.partial,
        ..decoded
    }
}

/// The [`LineView`] of a capture line whose body is a JSON object, read
/// without making its event; `None` for any other line (decode it).
pub fn view_line(line: &[u8]) -> Option<LineView<'_>> {
    if !is_capture_line(line) {
        return None;
    }
    fast::view(line)
}

/// The event of a line without decoding its body (`raw` left empty), for
/// a reader that looks only at the other fields: `None` when that cannot
/// be told without the full [`decode_line`] (a capture line that does not
/// decode, or whose body is not plain JSON). Where this gives an event,
/// `decode_line` gives the same event, with its body.
pub fn decode_head(line: &[u8], line_no: usize, source: &str) -> Option<Event> {
    if !is_capture_line(line) {
        return Some(Event::new(format!("line-{line_no}"), source, Vec::new()));
    }
    if let Some(event) = fast::decode_head(line, source) {
        return Some(event);
    }
    let rec: CaptureLine = serde_json::from_slice(line).ok()?;
    // The line's parse skipped the body (as a raw value); the decode parses
    // it, and refuses what that refuses.
    let plain_json = rec.version <= super::VERSION
        && rec.body_encoding == BodyEncoding::Json
        && rec.raw_base64.is_none()
        && fast::reads_as_json(rec.body.get());
    plain_json.then(|| event_of(rec, source, Vec::new()))
}

/// [`decode_head`] of a capture line whose body is plain JSON, keeping
/// what checking its body read (see [`HeadRead`]); `None` for any other
/// line (use `decode_head`).
pub fn read_head<'l>(line: &'l [u8], source: &str) -> Option<HeadRead<'l>> {
    if !is_capture_line(line) {
        return None;
    }
    fast::head_read(line, source)
}

/// Whether `line` is the beginning of a capture line that ends before its
/// JSON does: what a writer leaves when it stops mid-line.
pub fn is_partial_line(line: &[u8]) -> bool {
    is_capture_line(line)
        && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err_and(|e| e.is_eof())
}

/// A line that is a body (decoded from `raw`, so it may be projected).
fn plain_line(line: &[u8], line_no: usize, source: &str, members: &Members) -> Decoded {
    let raw = line.to_vec();
    let (body, raw_members) = Body::decode_lexed(&raw, members);
    Decoded {
        event: Event::new(format!("line-{line_no}"), source, raw),
        body,
        partial: true,
        raw_members,
    }
}

/// A capture line; `partial` when its body was decoded from the event's
/// `raw` (so it may be projected).
fn decode_capture_line(
    line: &[u8],
    line_no: usize,
    source: &str,
    members: &Members,
) -> Result<Decoded, LineError> {
    match fast::decode(line, source, members) {
        Some(decoded) => Ok(decoded),
        None => decode_whole(line, line_no, source, members),
    }
}

/// [`decode_capture_line`] by a parse of the whole line: every line the
/// fast path leaves.
fn decode_whole(
    line: &[u8],
    line_no: usize,
    source: &str,
    members: &Members,
) -> Result<Decoded, LineError> {
    let error = |reason: String| LineError {
        line: line_no,
        reason,
    };
    let mut rec: CaptureLine =
        serde_json::from_slice(line).map_err(|e| error(format!("unreadable capture line: {e}")))?;
    if rec.version > super::VERSION {
        return Err(error(format!(
            "capture format version {} is newer than this evscope reads ({})",
            rec.version,
            super::VERSION
        )));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let from_raw = rec.raw_base64.is_none() && rec.body_encoding == BodyEncoding::Json;
    let mut raw_members = None;
    let (raw, body) = match (rec.raw_base64.take(), rec.body_encoding) {
        (Some(exact), encoding) => {
            let raw = b64
                .decode(exact.as_bytes())
                .map_err(|e| error(format!("raw_base64 is not base64: {e}")))?;
            let body = match encoding {
                BodyEncoding::Json => serde_json::from_str(rec.body.get())
                    .map(Body::Json)
                    .unwrap_or_else(|_| Body::decode(&raw)),
                _ => Body::decode(&raw),
            };
            (raw, body)
        }
        (None, BodyEncoding::Json) => {
            let text = rec.body.get();
            let value;
            (value, raw_members) = parse_members_lexed(text, members)
                .map_err(|e| error(format!("body is not JSON: {e}")))?;
            (text.as_bytes().to_vec(), Body::Json(value))
        }
        (None, BodyEncoding::Utf8) => {
            let text: String = serde_json::from_str(rec.body.get())
                .map_err(|_| error("body_encoding is utf8 but body is not a string".to_string()))?;
            (text.as_bytes().to_vec(), Body::Text(text))
        }
        (None, BodyEncoding::Base64) => {
            let text: String = serde_json::from_str(rec.body.get()).map_err(|_| {
                error("body_encoding is base64 but body is not a string".to_string())
            })?;
            let raw = b64
                .decode(text.as_bytes())
                .map_err(|e| error(format!("body is not base64: {e}")))?;
            let body = Body::decode(&raw);
            (raw, body)
        }
    };
    Ok(Decoded {
        event: event_of(rec, source, raw),
        body,
        partial: from_raw,
        raw_members,
    })
}

fn event_of(rec: CaptureLine<'_>, source: &str, raw: Vec<u8>) -> Event {
    Event {
        id: rec.id,
        source: rec.source.unwrap_or_else(|| source.to_string()),
        key: rec.key,
        published_at: rec.published_at,
        receive_count: rec.receive_count,
        attributes: rec.attributes,
        attribute_types: rec.attribute_types,
        system: rec.system,
        raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_recorded_problem_says_invalid_json() {
        let with = br#"{"evscope_capture":1,"id":"a","body_encoding":"utf8","problems":[{"kind":"invalid_json","message":"m"}],"body":"x"}"#;
        assert!(records_invalid_json(with));
        let mentioned = br#"{"evscope_capture":1,"id":"a","body_encoding":"utf8","problems":[],"body":"\"invalid_json\""}"#;
        assert!(!records_invalid_json(mentioned));
        let other = br#"{"evscope_capture":1,"id":"a","body_encoding":"utf8","problems":[{"kind":"expired","message":"m"}],"body":"x"}"#;
        assert!(!records_invalid_json(other));
    }

    #[test]
    fn plain_lines_are_bodies() {
        let (event, body) = decode_line(br#"{"eventName":"X"}"#, 3, "file:a.jsonl").unwrap();
        assert_eq!(event.id, "line-3");
        assert_eq!(event.source, "file:a.jsonl");
        assert_eq!(body.encoding(), BodyEncoding::Json);
        let (_, body) = decode_line(b"not json {", 4, "f").unwrap();
        assert_eq!(body, Body::Text("not json {".into()));
    }

    #[test]
    fn capture_lines_keep_exact_bytes() {
        let line = br#"{"evscope_capture":1,"id":"m1","source":"sqs://q","attributes":{"a":"1"},"body_encoding":"json","body":{"b" : 2}}"#;
        let (event, body) = decode_line(line, 1, "file:x").unwrap();
        assert_eq!(event.id, "m1");
        assert_eq!(event.source, "sqs://q");
        assert_eq!(event.raw, br#"{"b" : 2}"#);
        assert_eq!(body.as_json().unwrap()["b"], 2);
    }

    #[test]
    fn the_head_of_a_line_is_its_event_without_the_body() {
        let lines: [&[u8]; 4] = [
            br#"{"evscope_capture":1,"id":"m1","source":"sqs://q","receive_count":4,"attributes":{"a":"1"},"body_encoding":"json","body":{"b" : 2}}"#,
            br#"{"eventName":"X"}"#,
            b"not json {",
            br#"{"evscope_capture":1,"id":"m2","body_encoding":"json","body":[1]}"#,
        ];
        for line in lines {
            let (mut event, _) = decode_line(line, 5, "file:x").unwrap();
            event.raw.clear();
            assert_eq!(decode_head(line, 5, "file:x"), Some(event));
        }
        let whole_decode_needed: [&[u8]; 5] = [
            br#"{"evscope_capture":1,"id":"m1","source":"sqs://q","body_enc"#,
            br#"{"evscope_capture":1,"id":"m1","body_encoding":"json","body":{"a":}}"#,
            br#"{"evscope_capture":1,"id":"m1","body_encoding":"json","body":{"a":1,}}"#,
            br#"{"evscope_capture":1,"id":"m1","body_encoding":"base64","body":"AAE="}"#,
            br#"{"evscope_capture":1,"id":"m1","body_encoding":"json","raw_base64":"e30=","body":{}}"#,
        ];
        for line in whole_decode_needed {
            assert_eq!(decode_head(line, 5, "file:x"), None);
        }
    }

    #[test]
    fn a_line_cut_short_is_an_event_not_an_error() {
        let torn = br#"{"evscope_capture":1,"id":"m1","source":"sqs://q","body_enc"#;
        assert!(is_partial_line(torn));
        let (event, body) = decode_line(torn, 9, "file:x").unwrap();
        assert_eq!(event.id, "line-9");
        assert!(matches!(body, Body::Text(_)));
        let whole = br#"{"evscope_capture":1,"id":"m1","body_encoding":"json","body":1}"#;
        assert!(!is_partial_line(whole));
        assert!(!is_partial_line(br#"{"evscope_capture":1,"id":5}"#));
    }

    #[test]
    fn a_line_split_before_its_body_decodes_as_a_whole_one() {
        let lines: [&[u8]; 13] = [
            br#"{"evscope_capture":1,"id":"m1","source":"sqs://q","receive_count":4,"attributes":{"a":"}\"x"},"system":{"s":[1,{"t":"]"}]},"body_encoding":"json","meta":{"x":"\"body\":"},"body":{"b" : [2, "}"]}  }"#,
            br#"{"evscope_capture":1,"id":"m2","body_encoding":"json","body":"text" }"#,
            br#"{"evscope_capture":1,"id":"m3","body_encoding":"json","body":{"a":1},"key":"k"}"#,
            br#"{"evscope_capture":1,"id":"m4","body_encoding":"json","bo\u0064y":1,"body":{}}"#,
            br#"{"evscope_capture":1,"id":"m5","body_encoding":"json","body":1,"body":{}}"#,
            br#"{"evscope_capture":1,"id":"m6","body_encoding":"utf8","body":"x"}"#,
            br#"{"evscope_capture":1,"id":"m7","body_encoding":"json","raw_base64":"e30=","body":{}}"#,
            br#"{"evscope_capture":2,"id":"m8","body_encoding":"json","body":{}}"#,
            br#"{"evscope_capture":1,"id":"m9","id":"x","body_encoding":"json","body":{}}"#,
            br#"{"evscope_capture":1,"id":"n1","body":{"x":["]",{"y":"\"}"}]} , "body_encoding":"json","published_at":"2026-01-01T00:00:00Z"}"#,
            br#"{"evscope_capture":1,"id":"m10","body":{"a":[1}},"body_encoding":"json"}"#,
            br#"{"evscope_capture":1,"id":"m11","body":{"a":1} "body_encoding":"json"}"#,
            br#"{"evscope_capture":1,"body":[1, 2],"id":"n2","body_encoding":"json"}"#,
        ];
        for line in lines {
            let split = fast::decode(line, "file:x", &Members::All);
            for body_last in [false, true] {
                let as_split = fast::decode_as(line, "file:x", &Members::All, body_last);
                assert!(as_split.is_none() || as_split == split);
            }
            let whole = serde_json::from_slice::<CaptureLine>(line)
                .ok()
                .map(|r| r.body.get().to_owned());
            if let Some(split) = &split {
                assert_eq!(
                    Some(String::from_utf8(split.event.raw.clone()).unwrap()),
                    whole
                );
                let full = decode_line(line, 1, "file:x").unwrap();
                assert_eq!((&split.event, &split.body), (&full.0, &full.1));
            }
            // Only the plain one-body lines are split.
            let id = serde_json::from_slice::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned));
            let expect_split = matches!(id.as_deref(), Some("m1" | "m2" | "m3" | "n1" | "n2"));
            assert_eq!(
                split.is_some(),
                expect_split,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    /// Lines the fast path reads give what the whole-line parse gives, for
    /// evscope's own lines and for every line one byte away from them.
    #[test]
    fn the_fast_path_reads_a_line_as_the_whole_line_parse_does() {
        // The demo's captures, and each of their lines as evscope writes
        // them (with `meta`, `problems` and masked secrets).
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let inspector = crate::inspect::Inspector::with_defaults();
        for name in [
            "payments.jsonl",
            "payments.dlq.jsonl",
            "notifications.jsonl",
        ] {
            let path = format!("{}/demo/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read(path).unwrap();
            for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                lines.push(line.to_vec());
                let (event, body) = decode_line(line, 1, "file:x").unwrap();
                let inspection = inspector.inspect(&event, &body, chrono::Utc::now(), true);
                let document = crate::capture::Document::new(event, body, inspection);
                let written = document.to_line(crate::capture::DocumentOptions { reveal: false });
                lines.push(written.into_bytes());
            }
        }
        lines.push(br#"{"evscope_capture":1,"id":"m1","source":"sqs://q","key":null,"published_at":"2026-11-20T09:16:11.010Z","receive_count":5,"attributes":{"a":"1"},"attribute_types":{"a":"String"},"system":{"s":"1"},"body_encoding":"json","meta":{"expired":true,"type":"X"},"problems":[],"body":{"eventId":1,"n":[1.5,-2e3,true,null]}}"#.to_vec());
        lines.push(br#"{"evscope_capture":1,"id":"m2","body":{"a":"\u00e9"},"body_encoding":"json","published_at":"2026-01-01T00:00:00+02:00","receive_count":2}"#.to_vec());
        let bases = lines.len();
        let mut checked = 0;
        // Each byte of a few of them inserted before or cut.
        let mutated = [&lines[..4], &lines[bases - 2..]].concat();
        let inserts: [&[u8]; 8] = [b" ", b"\x0c", b"\\", b"\"", b",", b"}", b"1", b"\xff"];
        for base in mutated {
            lines.extend(crate::model::lex::inserted_and_cut(&base, &inserts));
        }
        for line in &lines {
            // The head is read wherever the whole line is, and not where
            // the body is not JSON.
            let head = fast::decode_head(line, "file:x").is_some();
            if fast::decode(line, "file:x", &Members::All).is_some() {
                assert!(head, "{}", String::from_utf8_lossy(line));
            }
            let projections = [
                Members::All,
                Members::only(vec!["eventId".to_string()]),
                Members::only([""; 0]),
            ];
            for members in projections {
                let Some(fast) = fast::decode(line, "file:x", &members) else {
                    continue;
                };
                checked += 1;
                let mut head = fast.event.clone();
                head.raw.clear();
                assert_eq!(fast::decode_head(line, "file:x"), Some(head));
                let whole = decode_whole(line, 1, "file:x", &members);
                assert_eq!(
                    Ok(&fast),
                    whole.as_ref().map_err(|e| e.to_string()),
                    "{}",
                    String::from_utf8_lossy(line)
                );
            }
        }
        // Most of evscope's own lines take the fast path.
        assert!(checked > bases, "{checked}");
    }

    #[test]
    fn a_capture_line_without_a_body_is_unreadable_head_and_all() {
        let line = br#"{"evscope_capture":1,"id":"m1","body_encoding":"json"}"#;
        let err = decode_line(line, 3, "f").unwrap_err();
        assert!(err.to_string().contains("missing field `body`"), "{err}");
        // So a filter on the head does not pass over it unreported.
        assert_eq!(decode_head(line, 3, "f"), None);
    }

    #[test]
    fn a_body_the_decode_refuses_is_refused_by_the_head_readers_too() {
        let deep = format!("{}1{}", "[".repeat(128), "]".repeat(128));
        let bodies: [&[u8]; 5] = [
            br#"{"n":1e400}"#,
            br#"{"s":"\ud800"}"#,
            br#"{"\ud83dx":1}"#,
            b"{\"s\":\"\xff\"}",
            deep.as_bytes(),
        ];
        for body in bodies {
            let mut line = br#"{"evscope_capture":1,"id":"a","receive_count":1,"body_encoding":"json","body":"#.to_vec();
            line.extend_from_slice(body);
            line.push(b'}');
            let shown = String::from_utf8_lossy(&line).into_owned();
            assert!(decode_line(&line, 1, "f").is_err(), "{shown}");
            // A filter on the head reads the line whole, and reports it.
            assert_eq!(decode_head(&line, 1, "f"), None, "{shown}");
            assert!(read_head(&line, "f").is_none(), "{shown}");
        }
    }

    #[test]
    fn broken_capture_line_names_its_line() {
        let err = decode_line(br#"{"evscope_capture":1,"id":5}"#, 7, "f").unwrap_err();
        assert_eq!(err.line, 7);
        assert!(
            err.to_string()
                .starts_with("line 7: unreadable capture line")
        );
    }
}
