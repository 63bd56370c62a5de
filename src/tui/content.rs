//! The text of the detail tabs, built once per selected event (not per
//! frame) with bounded work: at most [`MAX_LINES`] lines, long strings cut,
//! no recursion over the document, secrets masked unless revealed.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::safe::Safe;
use super::theme::Role;
use crate::capture::{Document, DocumentOptions};
use crate::model::{Body, Jwt, Meta};

/// Most lines a tab holds; the rest is replaced by a notice.
pub const MAX_LINES: usize = 5_000;
/// Most characters of one string value shown.
pub const MAX_STRING: usize = 1_000;
/// Most bytes of the raw tab.
pub const MAX_RAW: usize = 64 * 1024;
/// Deepest indentation drawn; deeper levels keep this indentation.
const MAX_INDENT: usize = 40;

/// A piece of a line: a role and escaped text.
#[derive(Debug, Clone, PartialEq)]
pub struct Seg {
    /// How it is styled.
    pub role: Role,
    /// The text.
    pub text: Safe,
}

/// One line of a detail tab.
pub type DLine = Vec<Seg>;

/// The detail tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// The body.
    Body,
    /// Attributes and system metadata.
    Attributes,
    /// Expiration, location, security, correlation, problems.
    Facets,
    /// The capture line.
    Raw,
    /// The event's flow: a tree across every source (built from the
    /// flows state, not from the document).
    Flow,
}

impl Tab {
    /// Every tab, in order, with its title.
    pub const ALL: [(Tab, &'static str); 5] = [
        (Tab::Body, "Body"),
        (Tab::Attributes, "Attributes"),
        (Tab::Facets, "Facets"),
        (Tab::Raw, "Raw"),
        (Tab::Flow, "Flow"),
    ];

    /// Position in [`Tab::ALL`].
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|(t, _)| *t == self).unwrap_or(0)
    }
}

fn seg(role: Role, text: &str) -> Seg {
    Seg {
        role,
        text: Safe::new(text),
    }
}

struct Lines {
    lines: Vec<DLine>,
    truncated: bool,
}

impl Lines {
    fn new() -> Self {
        Lines {
            lines: Vec::new(),
            truncated: false,
        }
    }

    fn full(&self) -> bool {
        self.lines.len() >= MAX_LINES
    }

    fn push(&mut self, line: DLine) {
        if self.full() {
            self.truncated = true;
        } else {
            self.lines.push(line);
        }
    }

    fn label(&mut self, label: &str, role: Role, value: &str) {
        self.push(vec![
            seg(Role::Header, &format!("{label:<17}")),
            Seg {
                role,
                text: Safe::capped(value, MAX_STRING),
            },
        ]);
    }

    fn finish(mut self, what: &str) -> Vec<DLine> {
        if self.truncated {
            self.lines.push(vec![seg(
                Role::Warning,
                &format!("… cut at {MAX_LINES} lines: {what}; export the event to see all of it"),
            )]);
        }
        self.lines
    }
}

/// The lines of `tab` for a document.
pub fn build(document: &Document, tab: Tab, reveal: bool, now: DateTime<Utc>) -> Vec<DLine> {
    match tab {
        Tab::Body => body(document, reveal),
        Tab::Attributes => attributes(document, reveal, now),
        Tab::Facets => facets(document, reveal, now),
        Tab::Raw => raw(document, reveal),
        // Built by `update::sync_detail` from the flows state.
        Tab::Flow => Vec::new(),
    }
}

/// The document as a value with secrets masked unless `reveal`.
fn masked_value(document: &Document, reveal: bool) -> Value {
    document.shown_value(reveal)
}

fn body(document: &Document, reveal: bool) -> Vec<DLine> {
    let mut out = Lines::new();
    match &document.body {
        Body::Json(_) => {
            let value = masked_value(document, reveal);
            let body = value.get("body").unwrap_or(&Value::Null);
            pretty(body, &mut out, true, &violation_marks(document));
            out.finish("the body is longer")
        }
        Body::Text(text) => {
            out.push(vec![seg(Role::Muted, "(text body, not JSON)")]);
            let shown = masked_value(document, reveal);
            let text = shown.get("body").and_then(Value::as_str).unwrap_or(text);
            for line in text.split('\n') {
                if out.full() {
                    out.truncated = true;
                    break;
                }
                out.push(vec![Seg {
                    role: Role::Text,
                    text: Safe::capped(line, MAX_STRING),
                }]);
            }
            out.finish("the body is longer")
        }
        Body::Binary(bytes) => {
            out.push(vec![seg(
                Role::Muted,
                &format!("(binary body, {} bytes)", bytes.len()),
            )]);
            for (n, row) in bytes.chunks(16).enumerate() {
                if out.full() {
                    out.truncated = true;
                    break;
                }
                out.push(hex_line(n * 16, row));
            }
            out.finish("the body is longer")
        }
    }
}

fn hex_line(offset: usize, row: &[u8]) -> DLine {
    let mut hex = String::with_capacity(50);
    for (i, b) in row.iter().enumerate() {
        if i == 8 {
            hex.push(' ');
        }
        hex.push_str(&format!("{b:02x} "));
    }
    let ascii: String = row
        .iter()
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            }
        })
        .collect();
    vec![
        seg(Role::Muted, &format!("{offset:08x}  ")),
        seg(Role::JsonNumber, &format!("{hex:<50}")),
        seg(Role::Text, &format!("|{ascii}|")),
    ]
}

/// Contract violations by the JSON pointer of the value they are about,
/// their messages joined: the Body tab marks those values in place.
type Marks = std::collections::BTreeMap<String, String>;

fn violation_marks(document: &Document) -> Marks {
    let mut marks = Marks::new();
    let Some(contract) = &document.inspection.meta.contract else {
        return marks;
    };
    for v in &contract.violations {
        let mark = marks.entry(v.pointer.clone()).or_default();
        if !mark.is_empty() {
            mark.push_str("; ");
        }
        mark.push_str(&v.message);
    }
    marks
}

/// A level of the pretty-printer's explicit stack.
struct Level<'a> {
    items: Box<dyn Iterator<Item = (Option<&'a str>, &'a Value)> + 'a>,
    remaining: usize,
    close: char,
    comma: bool,
    depth: usize,
    /// The JSON pointer of this object or array, and the next item's index.
    pointer: String,
    index: usize,
}

/// Where a value is and how it is printed.
struct At<'m> {
    depth: usize,
    comma: bool,
    pointer: String,
    decode_payload: bool,
    marks: &'m Marks,
}

/// Pretty-print a JSON value with an explicit stack (no recursion over
/// the document, whatever its depth). A `payload` string that holds JSON
/// is shown decoded when `decode_payload`. A value whose JSON pointer is in
/// `marks` is flagged with the mark.
fn pretty(value: &Value, out: &mut Lines, decode_payload: bool, marks: &Marks) {
    let mut stack: Vec<Level<'_>> = Vec::new();
    let root = At {
        depth: 0,
        comma: false,
        pointer: String::new(),
        decode_payload,
        marks,
    };
    open_value(None, value, root, &mut stack, out);
    while let Some(level) = stack.last_mut() {
        if out.full() {
            out.truncated = true;
            return;
        }
        match level.items.next() {
            Some((key, child)) => {
                level.remaining -= 1;
                let segment = match key {
                    Some(k) => k.replace('~', "~0").replace('/', "~1"),
                    None => level.index.to_string(),
                };
                level.index += 1;
                let at = At {
                    depth: level.depth + 1,
                    comma: level.remaining > 0,
                    pointer: format!("{}/{segment}", level.pointer),
                    decode_payload,
                    marks,
                };
                open_value(key, child, at, &mut stack, out);
            }
            None => {
                let Some(level) = stack.pop() else { return };
                let mut line = vec![indent(level.depth)];
                line.push(seg(Role::JsonPunct, &level.close.to_string()));
                if level.comma {
                    line.push(seg(Role::JsonPunct, ","));
                }
                out.push(line);
            }
        }
    }
}

fn indent(depth: usize) -> Seg {
    Seg {
        role: Role::JsonPunct,
        text: Safe::new(&"  ".repeat(depth.min(MAX_INDENT))),
    }
}

fn key_segs(line: &mut DLine, key: Option<&str>) {
    if let Some(key) = key {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        line.push(Seg {
            role: Role::JsonKey,
            text: Safe::capped(&quoted, MAX_STRING),
        });
        line.push(seg(Role::JsonPunct, ": "));
    }
}

fn open_value<'a>(
    key: Option<&'a str>,
    value: &'a Value,
    at: At<'_>,
    stack: &mut Vec<Level<'a>>,
    out: &mut Lines,
) {
    let At {
        depth,
        comma,
        pointer,
        decode_payload,
        marks,
    } = at;
    let mark = marks.get(&pointer).map(|m| Seg {
        role: Role::Malformed,
        text: Safe::capped(&format!("  ◀ {m}"), MAX_STRING),
    });
    let mut line = vec![indent(depth)];
    key_segs(&mut line, key);
    let scalar = |role: Role, text: String| Seg {
        role,
        text: Safe::capped(&text, MAX_STRING),
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            line.push(seg(Role::JsonPunct, "{"));
            line.extend(mark);
            out.push(line);
            stack.push(Level {
                items: Box::new(map.iter().map(|(k, v)| (Some(k.as_str()), v))),
                remaining: map.len(),
                close: '}',
                comma,
                depth,
                pointer,
                index: 0,
            });
            return;
        }
        Value::Array(items) if !items.is_empty() => {
            line.push(seg(Role::JsonPunct, "["));
            line.extend(mark);
            out.push(line);
            stack.push(Level {
                items: Box::new(items.iter().map(|v| (None, v))),
                remaining: items.len(),
                close: ']',
                comma,
                depth,
                pointer,
                index: 0,
            });
            return;
        }
        Value::Object(_) => line.push(seg(Role::JsonPunct, "{}")),
        Value::Array(_) => line.push(seg(Role::JsonPunct, "[]")),
        Value::String(s) => {
            if decode_payload && key == Some("payload") {
                if let Some(inner) = decoded_payload(s) {
                    line.push(seg(Role::Muted, "(JSON string, decoded) "));
                    out.push(line);
                    let mut nested = Lines::new();
                    pretty(&inner, &mut nested, false, &Marks::new());
                    let pad = indent(depth);
                    for mut l in nested.lines {
                        l.insert(0, pad.clone());
                        out.push(l);
                    }
                    out.truncated |= nested.truncated;
                    if comma {
                        out.push(vec![indent(depth), seg(Role::JsonPunct, ",")]);
                    }
                    return;
                }
            }
            let cut = s.chars().count() > MAX_STRING;
            let shown: String = s.chars().take(MAX_STRING).collect();
            let quoted = serde_json::to_string(&shown).unwrap_or_default();
            line.push(Seg {
                role: Role::JsonString,
                text: Safe::new(&quoted),
            });
            if cut {
                line.push(seg(
                    Role::Muted,
                    &format!(" …(+{} chars)", s.chars().count() - MAX_STRING),
                ));
            }
        }
        Value::Number(n) => line.push(scalar(Role::JsonNumber, n.to_string())),
        Value::Bool(b) => line.push(scalar(Role::JsonBool, b.to_string())),
        Value::Null => line.push(seg(Role::JsonNull, "null")),
    }
    if comma {
        line.push(seg(Role::JsonPunct, ","));
    }
    line.extend(mark);
    out.push(line);
}

/// A classic envelope's `payload` string, decoded when it holds a JSON
/// object or array.
fn decoded_payload(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) || text.len() > 4 << 20 {
        return None;
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

/// "3h 12m ago" or "in 5m 02s", relative to `now`.
pub fn relative(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let delta = at.signed_duration_since(now);
    let secs = delta.num_seconds().unsigned_abs();
    let span = if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else if secs < 86_400 {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    } else {
        format!("{}d {:02}h", secs / 86_400, (secs % 86_400) / 3600)
    };
    if delta.num_seconds() >= 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A time with its distance from now.
pub fn when(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    format!(
        "{} ({})",
        at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
        relative(now, at)
    )
}

fn attributes(document: &Document, reveal: bool, now: DateTime<Utc>) -> Vec<DLine> {
    let event = &document.event;
    let mut out = Lines::new();
    let value = masked_value(document, reveal);
    let field = |name: &str| value.get(name).and_then(Value::as_str);
    out.push(vec![seg(Role::Title, "Event")]);
    out.label("  id", Role::Text, field("id").unwrap_or(&event.id));
    out.label(
        "  source",
        Role::Text,
        field("source").unwrap_or(&event.source),
    );
    out.label("  key", Role::Text, field("key").unwrap_or("—"));
    if let Some(at) = event.published_at {
        out.label("  published", Role::Text, &when(now, at));
    }
    if let Some(count) = event.receive_count {
        out.label("  receive count", Role::Text, &count.to_string());
    }
    out.label(
        "  body",
        Role::Text,
        &format!("{:?}, {} bytes", document.body.encoding(), event.raw.len()).to_lowercase(),
    );
    out.push(Vec::new());
    out.push(vec![seg(
        Role::Title,
        &format!("Attributes ({})", event.attributes.len()),
    )]);
    if let Some(Value::Object(attrs)) = value.get("attributes") {
        for (name, v) in attrs {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            let secret = document
                .inspection
                .secrets
                .iter()
                .any(|s| s.path.is_attribute(name));
            let role = if secret { Role::Secret } else { Role::Text };
            let kind = event
                .attribute_types
                .get(name)
                .map_or_else(String::new, |t| format!(" ({t})"));
            out.push(vec![
                seg(Role::JsonKey, &format!("  {name}{kind}")),
                seg(Role::JsonPunct, " = "),
                Seg {
                    role,
                    text: Safe::capped(&text, MAX_STRING),
                },
            ]);
        }
    }
    out.push(Vec::new());
    out.push(vec![seg(
        Role::Title,
        &format!("System metadata ({})", event.system.len()),
    )]);
    let empty = serde_json::Map::new();
    let system = value
        .get("system")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, v) in system {
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        let secret = document
            .inspection
            .secrets
            .iter()
            .any(|s| s.path.is_system(name));
        let role = if secret { Role::Secret } else { Role::Text };
        out.push(vec![
            seg(Role::JsonKey, &format!("  {name}")),
            seg(Role::JsonPunct, " = "),
            Seg {
                role,
                text: Safe::capped(&text, MAX_STRING),
            },
        ]);
    }
    out.finish("too many attributes")
}

fn facets(document: &Document, reveal: bool, now: DateTime<Utc>) -> Vec<DLine> {
    let masked = match reveal {
        true => std::borrow::Cow::Borrowed(&document.inspection.meta),
        false => document.inspection.masked_meta(),
    };
    let meta: &Meta = &masked;
    let mut out = Lines::new();
    let ty = match (&meta.event_type, &meta.version) {
        (Some(t), Some(v)) => format!("{t} (version {v})"),
        (Some(t), None) => t.clone(),
        (None, _) => "— (not recognized)".into(),
    };
    out.label("type", Role::Title, &ty);
    if let Some(at) = meta.created_at {
        out.label("created", Role::Text, &when(now, at));
    }
    if let Some(at) = meta.updated_at {
        out.label("updated", Role::Text, &when(now, at));
    }
    out.push(Vec::new());
    out.push(vec![seg(Role::Title, "Expiration")]);
    match meta.expires_at {
        Some(at) if at <= now || meta.expired => out.label(
            "  expired",
            Role::Expired,
            &format!(
                "{} ({} since expiry)",
                at.format("%Y-%m-%d %H:%M:%S UTC"),
                relative(now, at).trim_end_matches(" ago")
            ),
        ),
        Some(at) => out.label(
            "  expires",
            Role::Success,
            &format!(
                "{} ({} left)",
                at.format("%Y-%m-%d %H:%M:%S UTC"),
                relative(now, at).trim_start_matches("in ")
            ),
        ),
        None => out.label("  expires", Role::Muted, "never (no expiration found)"),
    }
    out.push(Vec::new());
    out.push(vec![seg(Role::Title, "Location")]);
    match &meta.location {
        None => out.label("  location", Role::Muted, "none"),
        Some(location) => {
            if let Some(country) = &location.country {
                let format = location
                    .country_code_format
                    .as_deref()
                    .map_or_else(String::new, |f| format!(" ({f})"));
                out.label("  country", Role::Located, &format!("{country}{format}"));
            }
            if let Some(ip) = &location.ip {
                if location.ip_valid == Some(false) {
                    out.label(
                        "  ip",
                        Role::Malformed,
                        &format!("{ip} (not an IP address)"),
                    );
                } else {
                    out.label("  ip", Role::Located, ip);
                }
            }
            if let Some(gps) = &location.gps {
                out.label(
                    "  gps",
                    Role::Located,
                    &format!("{:.5}, {:.5}", gps.latitude, gps.longitude),
                );
            }
        }
    }
    out.push(Vec::new());
    out.push(vec![seg(Role::Title, "Security")]);
    match &meta.security {
        None => out.label("  security", Role::Muted, "no principal or credentials"),
        Some(security) => {
            if let Some(principal) = &security.principal {
                out.label("  principal", Role::Text, principal);
            }
            if let Some(token) = &security.token {
                // The model keeps only a masked form; the token itself is
                // read from the event at its path, and only when revealed.
                let shown = if reveal {
                    token_at(document).unwrap_or_else(|| token.value.clone())
                } else {
                    token.value.clone()
                };
                let kind = format!("{:?}", token.kind).to_lowercase();
                out.label(
                    "  token",
                    Role::Secret,
                    &format!("{kind} at {}: {shown}", token.path),
                );
                if let Some(jwt) = &token.jwt {
                    jwt_lines(jwt, now, &mut out);
                }
            }
            if let Some(signature) = &security.signature {
                out.label("  signature", Role::Secret, signature);
            }
            if !reveal && (security.token.is_some() || security.signature.is_some()) {
                out.push(vec![seg(
                    Role::Muted,
                    "  (secrets masked: press s to reveal)",
                )]);
            }
        }
    }
    out.push(Vec::new());
    out.push(vec![seg(Role::Title, "Correlation")]);
    let c = &meta.correlation;
    if c.is_empty() {
        out.label("  correlation", Role::Muted, "no correlation ids");
    }
    if let Some(id) = &c.correlation_id {
        out.label("  correlation", Role::Text, id);
        out.push(vec![seg(
            Role::Muted,
            "  (press c: show every event with this correlation id)",
        )]);
    }
    if let Some(id) = &c.causation_id {
        out.label("  causation", Role::Text, id);
    }
    if let Some(id) = &c.trace_id {
        out.label("  trace", Role::Text, id);
    }
    if let Some(contract) = &meta.contract {
        out.push(Vec::new());
        out.push(vec![seg(Role::Title, "Contract")]);
        let version = contract
            .version
            .as_deref()
            .map_or_else(String::new, |v| format!(" (version {v})"));
        out.label(
            "  schema",
            Role::Text,
            &format!("{}{version}", contract.schema),
        );
        if contract.valid {
            out.label("  valid", Role::Success, "yes");
        } else {
            out.label(
                "  valid",
                Role::Malformed,
                &format!("no: {} violations", contract.violations.len()),
            );
            for v in &contract.violations {
                let at = if v.pointer.is_empty() {
                    "(body)"
                } else {
                    &v.pointer
                };
                out.push(vec![
                    seg(Role::Malformed, &format!("    {at} ")),
                    Seg {
                        role: Role::Text,
                        text: Safe::capped(&v.message, MAX_STRING),
                    },
                ]);
            }
        }
    }
    out.push(Vec::new());
    out.push(vec![seg(
        Role::Title,
        &format!("Problems ({})", document.inspection.problems.len()),
    )]);
    for problem in &document.inspection.problems {
        let role = if problem.kind.is_malformed() {
            Role::Malformed
        } else {
            Role::Expired
        };
        let message = if reveal {
            problem.message.as_str().into()
        } else {
            crate::secrets::mask_text(&problem.message)
        };
        out.push(vec![
            seg(role, &format!("  {} ", problem.kind.as_str())),
            Seg {
                role: Role::Text,
                text: Safe::capped(&message, MAX_STRING),
            },
        ]);
    }
    out.finish("too many facets")
}

/// The token of the security facet as found in the event, at its
/// structured path.
fn token_at(document: &Document) -> Option<String> {
    let path = document.inspection.token_path.as_ref()?;
    let value = path.lookup(&document.to_value())?;
    Some(
        value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_string),
    )
}

fn jwt_lines(jwt: &Jwt, now: DateTime<Utc>, out: &mut Lines) {
    let header: Vec<String> = jwt
        .header
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            )
        })
        .collect();
    out.label("  jwt header", Role::Text, &header.join(" "));
    for (name, value) in &jwt.claims {
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_string);
        out.push(vec![
            seg(Role::JsonKey, &format!("    claim {name}")),
            seg(Role::JsonPunct, " = "),
            Seg {
                role: Role::Text,
                text: Safe::capped(&text, MAX_STRING),
            },
        ]);
    }
    if let Some(at) = jwt.expires_at {
        let role = if jwt.expired {
            Role::Expired
        } else {
            Role::Text
        };
        out.label("  jwt expires", role, &when(now, at));
    }
}

fn raw(document: &Document, reveal: bool) -> Vec<DLine> {
    let line = document.to_line(DocumentOptions { reveal });
    let mut out = vec![vec![seg(
        Role::Muted,
        if reveal {
            "capture line (secrets revealed):"
        } else {
            "capture line (secrets masked; s reveals):"
        },
    )]];
    let cut = line.len() > MAX_RAW;
    let mut end = line.len().min(MAX_RAW);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    out.push(vec![Seg {
        role: Role::Text,
        text: Safe::new(&line[..end]),
    }]);
    if cut {
        out.push(vec![seg(
            Role::Warning,
            &format!(
                "… cut at {} KiB of {} KiB",
                MAX_RAW / 1024,
                line.len() / 1024
            ),
        )]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::Inspection;
    use crate::model::Event;

    fn doc(raw: &[u8]) -> Document {
        let event = Event::new("id", "test", raw.to_vec());
        let body = event.body();
        Document::new(event, body, Inspection::default())
    }

    fn text(lines: &[DLine]) -> String {
        lines
            .iter()
            .map(|l| l.iter().map(|s| s.text.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn pretty_prints_and_decodes_payload() {
        let d = doc(br#"{"a":[1,true,null],"payload":"{\"x\":\"y\"}","e":{}}"#);
        let shown = text(&build(&d, Tab::Body, false, Utc::now()));
        assert_eq!(
            shown,
            "{\n  \"a\": [\n    1,\n    true,\n    null\n  ],\n  \"payload\": (JSON string, decoded) \n  {\n    \"x\": \"y\"\n  }\n  ,\n  \"e\": {}\n}"
        );
    }

    #[test]
    fn deep_and_huge_bodies_are_bounded() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let lines = build(&doc(deep.as_bytes()), Tab::Body, false, Utc::now());
        assert_eq!(lines.len(), 199);
        let big: Vec<u32> = (0..200_000).collect();
        let raw = serde_json::to_vec(&big).unwrap();
        let lines = build(&doc(&raw), Tab::Body, false, Utc::now());
        assert_eq!(lines.len(), MAX_LINES + 1);
    }
}
