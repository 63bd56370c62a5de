//! JSON read by hand, byte by byte, where serde_json is sure to agree:
//! finding where values end, checking them as a parse would, and telling
//! plain strings and integers from the rest.
//!
//! Written by hand because serde_json has no way to check a value without
//! visiting it through serde (which costs as much as building it) and no
//! way to say where a member's value lies. It is strict on purpose: every
//! text it accepts, serde_json accepts; anything it is not sure of (a
//! `\u` escape in the surrogate range, a nesting near serde_json's limit)
//! it leaves to serde_json by answering `None`. A number that is not a
//! plain integer is checked by serde_json itself.

use std::borrow::Cow;
use std::ops::Range;

/// Deeper than this, a text is left to serde_json (whose limit is 128).
pub(crate) const MAX_DEPTH: usize = 64;

/// Whether a string starts like a JSON object or array, after whitespace.
/// Asked of every string of every event: one that starts with any other
/// ASCII character is told at once, without trimming it.
pub(crate) fn looks_like_json(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b'{' | b'[') => true,
        Some(&b) if !super::is_trimmed_from(b) => false,
        _ => matches!(s.trim_start().as_bytes().first(), Some(b'{' | b'[')),
    }
}

/// The index of the first byte at or after `i` that is not JSON
/// whitespace.
pub(crate) fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = bytes.get(i) {
        i += 1;
    }
    i
}

/// The string starting at `i` (its opening quote): the index after its
/// closing quote, and whether it has escapes. `None` when it is not a
/// string serde_json reads (a control character, a bad escape, no end) or
/// one it might read otherwise (a `\u` escape of a surrogate).
pub(crate) fn string_end(bytes: &[u8], i: usize) -> Option<(usize, bool)> {
    debug_assert_eq!(bytes.get(i), Some(&b'"'));
    let mut i = i + 1;
    let mut escaped = false;
    loop {
        i = skip_plain(bytes, i);
        match *bytes.get(i)? {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                match *bytes.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = bytes.get(i + 2..i + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        // D800–DFFF: pairs and lone halves are serde_json's.
                        let surrogate = matches!(hex[0], b'd' | b'D')
                            && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F');
                        if surrogate {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                }
            }
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// The index of the first byte at or after `i` that is a quote, a
/// backslash or a control character (or the end): eight bytes at a time
/// while none is (most of a string's bytes are plain).
pub(crate) fn skip_plain(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `v` below `n` (n <= 128); borrows only
    // carry upwards, so the lowest bit set is always a true one.
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let v = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let special = below(v ^ (ONES * u64::from(b'"')), 1)
            | below(v ^ (ONES * u64::from(b'\\')), 1)
            | below(v, 0x20);
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// The text of a string token (quotes included) that [`string_end`]
/// accepts, borrowed when it has no escapes (`escaped`, as `string_end`
/// tells).
pub(crate) fn string_text(token: &str, escaped: bool) -> Cow<'_, str> {
    match escaped {
        false => Cow::Borrowed(&token[1..token.len() - 1]),
        true => Cow::Owned(unescape(token)),
    }
}

/// The text of a string token (quotes included) that [`string_end`]
/// accepts, its escapes read as serde_json reads them.
fn unescape(token: &str) -> String {
    let mut text = String::with_capacity(token.len() - 2);
    unescape_into(token, &mut text);
    text
}

/// [`unescape`] onto the end of `text` (a reader that only looks at the
/// text can keep one buffer for every string). Escapes are found by
/// [`skip_plain`]: `memchr` costs more to start than these strings take.
pub(crate) fn unescape_into(token: &str, text: &mut String) {
    let mut rest = &token[1..token.len() - 1];
    loop {
        // Between the quotes, only a backslash stops the skip.
        let at = skip_plain(rest.as_bytes(), 0);
        if at == rest.len() {
            break;
        }
        text.push_str(&rest[..at]);
        let escape = rest.as_bytes()[at + 1];
        let mut len = 2;
        match escape {
            b'b' => text.push('\u{8}'),
            b'f' => text.push('\u{c}'),
            b'n' => text.push('\n'),
            b'r' => text.push('\r'),
            b't' => text.push('\t'),
            b'u' => {
                // Four hex digits, not a surrogate: string_end checked both.
                let code = u32::from_str_radix(&rest[at + 2..at + 6], 16).unwrap_or(0xfffd);
                text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                len = 6;
            }
            other => text.push(char::from(other)),
        }
        rest = &rest[at + len..];
    }
    text.push_str(rest);
}

/// A number token starting at `i`: the index after it, and its value when
/// it is a plain integer (no fraction, no exponent, at most 18 digits, not
/// `-0`), which serde_json reads as that integer. `None` when the token is
/// not a number serde_json reads.
pub(crate) fn number_end(bytes: &[u8], i: usize) -> Option<(usize, Option<i64>)> {
    let start = i;
    let mut i = i;
    let negative = bytes.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let digits_start = i;
    match bytes.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return None,
    }
    let digits = &bytes[digits_start..i];
    let plain = !matches!(bytes.get(i), Some(b'.' | b'e' | b'E'));
    if plain && digits.len() <= 18 && !(negative && digits == b"0") {
        let value = digits
            .iter()
            .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
        return Some((i, Some(if negative { -value } else { value })));
    }
    // Anything else (a fraction, an exponent, a long integer, `-0`) is
    // found by its grammar and checked by serde_json (range included).
    // One digit or more from `i`: the index after them.
    let digits = |i: usize| {
        let end = i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        (end > i).then_some(end)
    };
    if bytes.get(i) == Some(&b'.') {
        i = digits(i + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = bytes.get(i) {
            i += 1;
        }
        i = digits(i)?;
    }
    let token = std::str::from_utf8(&bytes[start..i]).ok()?;
    serde_json::from_str::<serde_json::Number>(token).ok()?;
    Some((i, None))
}

/// Whether `bytes` are one JSON value (whitespace around it aside) that
/// serde_json reads, as far as [`value_end`] is sure: `false` says "not
/// sure", not "not JSON". UTF-8 is not looked at.
pub(crate) fn is_one_value(bytes: &[u8]) -> bool {
    let end = value_end(bytes, skip_ws(bytes, 0), 1).map(|end| skip_ws(bytes, end));
    end == Some(bytes.len())
}

/// The index after the value starting at `i`, checked as serde_json
/// checks it; `depth` is how deep the value is.
pub(crate) fn value_end(bytes: &[u8], i: usize, depth: usize) -> Option<usize> {
    match *bytes.get(i)? {
        b'"' => string_end(bytes, i).map(|(end, _)| end),
        b'{' | b'[' => container_end(bytes, i, depth),
        b't' => literal(bytes, i, b"true"),
        b'f' => literal(bytes, i, b"false"),
        b'n' => literal(bytes, i, b"null"),
        _ => number_end(bytes, i).map(|(end, _)| end),
    }
}

/// The index after the object or array starting at `i`, `depth` deep.
fn container_end(bytes: &[u8], i: usize, depth: usize) -> Option<usize> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let object = bytes[i] == b'{';
    let close = if object { b'}' } else { b']' };
    let mut i = skip_ws(bytes, i + 1);
    if bytes.get(i) == Some(&close) {
        return Some(i + 1);
    }
    loop {
        if object {
            if bytes.get(i) != Some(&b'"') {
                return None;
            }
            i = skip_ws(bytes, string_end(bytes, i)?.0);
            if bytes.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(bytes, i + 1);
        }
        i = skip_ws(bytes, value_end(bytes, i, depth + 1)?);
        match *bytes.get(i)? {
            b',' => i = skip_ws(bytes, i + 1),
            b if b == close => return Some(i + 1),
            _ => return None,
        }
    }
}

/// The index after `word` when it is at `i`.
pub(crate) fn literal(bytes: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    bytes[i..].starts_with(word).then_some(i + word.len())
}

/// A member of an object: where its name (without escapes) and the text
/// of its value are in the object's text, and what the value is. Positions
/// rather than borrowed text, so that a decode can hand the members it read
/// over with the event that owns the text (see [`crate::model::Decoded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Where the name is (inside its quotes).
    pub(crate) name: Range<usize>,
    /// Where the value is.
    pub(crate) value: Range<usize>,
    /// What the value is.
    pub token: Token,
}

impl Member {
    /// The member's name, in `text` (the object's text it was read from).
    pub fn name<'t>(&self, text: &'t str) -> &'t str {
        &text[self.name.clone()]
    }

    /// Whether the member's name, in `text`, is `name`: compared as bytes,
    /// lengths first, without the character boundary checks of slicing a
    /// `str`.
    #[inline]
    pub fn is_named(&self, text: &str, name: &str) -> bool {
        self.name.len() == name.len()
            && text.as_bytes().get(self.name.clone()) == Some(name.as_bytes())
    }

    /// The text of the member's value, in `text`.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.value.clone()]
    }

    /// Whether the value is plain: a string without escapes, a plain
    /// integer, `true`, `false` or `null` (see [`Member::plain`]).
    pub fn is_plain(&self, text: &str) -> bool {
        self.plain(text).is_some()
    }

    /// The value when it is plain, as a full parse reads it: a string
    /// borrowed from `text`, or a scalar. `None` for any other value.
    pub fn plain<'t>(&self, text: &'t str) -> Option<Plain<'t>> {
        Some(match (self.token, self.text(text)) {
            (Token::String { escaped: false }, token) => Plain::Str(&token[1..token.len() - 1]),
            (Token::Int(int), _) => Plain::Scalar(serde_json::Value::from(int)),
            (Token::Other, "true") => Plain::Scalar(serde_json::Value::Bool(true)),
            (Token::Other, "false") => Plain::Scalar(serde_json::Value::Bool(false)),
            (Token::Other, "null") => Plain::Scalar(serde_json::Value::Null),
            _ => return None,
        })
    }

    /// The member's name and value in `text`, `None` when they do not fit
    /// it (a text other than the one read).
    pub fn read<'t>(&self, text: &'t str) -> Option<(&'t str, &'t str)> {
        Some((text.get(self.name.clone())?, text.get(self.value.clone())?))
    }
}

/// A plain value (see [`Member::plain`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Plain<'t> {
    /// A string without escapes: its text.
    Str(&'t str),
    /// An integer, `true`, `false` or `null`.
    Scalar(serde_json::Value),
}

/// What a value is, as far as reading it directly goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// A string, with or without escapes.
    String { escaped: bool },
    /// A plain integer (see [`number_end`]).
    Int(i64),
    /// Any other value.
    Other,
}

/// The members of `text` when it is a JSON object serde_json reads, in
/// order (a name given twice is there twice). `None` when `text` is not an
/// object, not JSON, or not sure to be read alike (see the module's doc),
/// and when a member name has escapes.
pub(crate) fn object_members(text: &str) -> Option<Vec<Member>> {
    let bytes = text.as_bytes();
    let (members, end) = object_at(bytes, skip_ws(bytes, 0))?;
    (skip_ws(bytes, end) == bytes.len()).then_some(members)
}

/// The members of the object starting at `i` in `bytes` (its opening
/// brace), as [`object_members`] reads them, and the index after its
/// closing brace; whatever follows is not read. `None` as for
/// [`object_members`].
pub(crate) fn object_at(bytes: &[u8], mut i: usize) -> Option<(Vec<Member>, usize)> {
    // Before allocating: most texts asked of are not objects.
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    let mut members = Vec::with_capacity(8);
    i = skip_ws(bytes, i + 1);
    if bytes.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if bytes.get(i) != Some(&b'"') {
                return None;
            }
            let (name_end, escaped) = string_end(bytes, i)?;
            if escaped {
                return None;
            }
            let name = i + 1..name_end - 1;
            i = skip_ws(bytes, name_end);
            if bytes.get(i) != Some(&b':') {
                return None;
            }
            let start = skip_ws(bytes, i + 1);
            let (end, token) = match bytes.get(start)? {
                b'"' => {
                    let (end, escaped) = string_end(bytes, start)?;
                    (end, Token::String { escaped })
                }
                b'-' | b'0'..=b'9' => match number_end(bytes, start)? {
                    (end, Some(int)) => (end, Token::Int(int)),
                    (end, None) => (end, Token::Other),
                },
                _ => (value_end(bytes, start, 1)?, Token::Other),
            };
            members.push(Member {
                name,
                value: start..end,
                token,
            });
            i = skip_ws(bytes, end);
            match bytes.get(i)? {
                b',' => i = skip_ws(bytes, i + 1),
                b'}' => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    Some((members, i))
}

/// Every UTF-8 text made by changing one byte of `text` to one of
/// `bytes`: the neighbours of valid JSON a hand reading must get right.
#[cfg(test)]
pub(crate) fn one_byte_changes<'a>(
    text: &'a str,
    bytes: &'a [u8],
) -> impl Iterator<Item = String> + 'a {
    (0..text.len()).flat_map(move |at| {
        bytes.iter().filter_map(move |&b| {
            let mut changed = text.as_bytes().to_vec();
            changed[at] = b;
            String::from_utf8(changed).ok()
        })
    })
}

/// Every text made by inserting one of `inserts` before a byte of `base`,
/// or by cutting one of its bytes: the neighbours of a valid line a hand
/// reading must get right.
#[cfg(test)]
pub(crate) fn inserted_and_cut(base: &[u8], inserts: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut texts = Vec::new();
    for at in 0..base.len() {
        for insert in inserts {
            let mut text = base.to_vec();
            text.splice(at..at, insert.iter().copied());
            texts.push(text);
        }
        let mut cut = base.to_vec();
        cut.remove(at);
        texts.push(cut);
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_looks_like_json_as_once_trimmed() {
        let trimmed = |s: &str| matches!(s.trim_start().as_bytes().first(), Some(b'{' | b'['));
        let starts = (0u8..128)
            .map(|b| char::from(b).to_string())
            .chain(["\u{85}", "\u{a0}", "\u{2003}", "\u{3000}", "é", ""].map(String::from));
        for start in starts {
            for rest in ["{}", "[1]", "x", " {", ""] {
                let s = format!("{start}{rest}");
                assert_eq!(looks_like_json(&s), trimmed(&s), "{s:?}");
            }
        }
    }

    /// What serde_json makes of `text`: its top-level members when it is
    /// an object, or just whether it is JSON.
    fn serde_reads(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text).is_ok()
    }

    #[test]
    fn members_are_found_with_their_values() {
        let text = r#" {"a" : 1, "b":{"x":[1,"]}"]},"c":"q\"uote","d":-0.5e3 ,"a":null} "#;
        let members: Vec<(&str, &str, Token)> = object_members(text)
            .unwrap()
            .into_iter()
            .map(|m| (m.name(text), m.text(text), m.token))
            .collect();
        assert_eq!(
            members,
            vec![
                ("a", "1", Token::Int(1)),
                ("b", r#"{"x":[1,"]}"]}"#, Token::Other),
                ("c", r#""q\"uote""#, Token::String { escaped: true }),
                ("d", "-0.5e3", Token::Other),
                ("a", "null", Token::Other),
            ]
        );
        assert_eq!(object_members("{}"), Some(vec![]));
        assert_eq!(object_members("[1]"), None);
        assert_eq!(object_members(r#"{"\u0061":1}"#), None);
    }

    #[test]
    fn escapes_read_as_serde_json_reads_them() {
        for token in [
            r#""plain""#,
            r#""a\"b\\c\/d\be\ff\ng\rh\ti""#,
            r#""\u00e9\u0041\u20AC\u0000 end""#,
            r#""{\"to\": \"u0@example.com\"}""#,
        ] {
            assert!(string_end(token.as_bytes(), 0).is_some(), "{token}");
            let expected: String = serde_json::from_str(token).unwrap();
            assert_eq!(unescape(token), expected, "{token}");
        }
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        for (token, int) in [
            ("0", Some(0)),
            ("-12", Some(-12)),
            ("123456789012345678", Some(123_456_789_012_345_678)),
            ("1234567890123456789", None),
            ("-0", None),
            ("1.5", None),
            ("1e2", None),
            ("2E-3", None),
        ] {
            assert_eq!(
                number_end(token.as_bytes(), 0),
                Some((token.len(), int)),
                "{token}"
            );
        }
        for bad in ["01", "-", "1.", ".5", "1e", "1e+", "1e400", "-x"] {
            let read = number_end(bad.as_bytes(), 0).map(|(end, _)| end == bad.len());
            assert_ne!(read, Some(true), "{bad}");
        }
    }

    /// Every text the hand reading accepts, serde_json accepts: checked on
    /// valid bodies and on every one-byte change of them.
    #[test]
    fn what_is_accepted_serde_json_accepts() {
        let bodies = [
            r#"{"eventId":7,"eventName":"A","payload":"{\"to\": \"u@x\"}","n":[1,-2.5,true,false,null],"o":{"k":"\u00e9\t"}}"#,
            r#"{"a":"\ud83d\ude00","b":1e5,"c":-0,"d":123456789012345678901234}"#,
            r#"  {"a":{},"b":[],"c":""}  "#,
        ];
        let bytes: Vec<u8> = (0u8..=127).chain([0xc3, 0xa9, 0xff]).collect();
        for body in bodies {
            let accepted = object_members(body).is_some();
            assert_eq!(
                accepted || body.contains("\\ud8"),
                serde_reads(body),
                "{body}"
            );
            for text in one_byte_changes(body, &bytes) {
                if object_members(&text).is_some() {
                    assert!(
                        serde_reads(&text),
                        "accepted what serde_json refuses: {text}"
                    );
                }
            }
        }
        let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        assert_eq!(object_members(&deep), None);
    }
}
