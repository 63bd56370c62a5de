//! Property tests of the parsers that read untrusted text: capture lines,
//! filters, the config file and its key bindings. Each runs a bounded
//! number of cases (the whole file takes seconds); inputs they found are
//! kept below as plain regression tests.

use std::sync::LazyLock;

use chrono::{TimeZone, Utc};
use evscope::capture::{CaptureFile, Document, DocumentOptions, decode_line, is_capture_line};
use evscope::config::Config;
use evscope::filter::Filter;
use evscope::inspect::Inspector;
use evscope::tui::keymap::{Key, Keymap};
use proptest::prelude::*;
use serde_json::{Value, json};

/// 128 cases per property (PROPTEST_CASES=N for a longer hunt).
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any JSON value, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "2024-05-01T10:00:00Z",
            "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.",
            "Bearer abc",
            "1e400",
            "-0",
            "9999999999999",
            "{\"a\":1}",
            "aGVsbG8=",
            "JSON",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "type",
                    "eventName",
                    "exp",
                    "ttl",
                    "expiresAt",
                    "createdAt",
                    "payload",
                    "token",
                    "password",
                    "gps",
                    "lat",
                    "lon",
                    "ip",
                    "version",
                    "correlationId",
                    "traceparent",
                    "data",
                    "body",
                    "meta",
                    "x",
                ])
                .prop_map(str::to_string),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A capture line with fields of any type (mostly the right ones).
fn capture_line() -> impl Strategy<Value = String> {
    (
        any_json(),
        prop::sample::select(vec!["json", "utf8", "base64", "binary", "nope"]),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
        prop::option::of(".{0,8}"),
        any_json(),
    )
        .prop_map(|(body, encoding, attributes, system, raw, id)| {
            let mut line = serde_json::Map::new();
            line.insert("evscope_capture".into(), json!(1));
            line.insert("id".into(), if id.is_string() { id } else { json!("m-1") });
            line.insert("body_encoding".into(), json!(encoding));
            line.insert(
                "body".into(),
                match (encoding, body) {
                    ("base64", Value::String(s)) => Value::String(s),
                    ("base64", _) => json!("eyJhIjoxfQ=="),
                    (_, body) => body,
                },
            );
            if let Some(a) = attributes {
                line.insert("attributes".into(), a);
            }
            if let Some(s) = system {
                line.insert("system".into(), s);
            }
            if let Some(r) = raw {
                line.insert("raw_base64".into(), json!(r));
            }
            Value::Object(line).to_string()
        })
}

/// Numbers and dates at the edges of what the inspector computes with.
fn extreme() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            json!(i64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1e308),
            json!(-1e308),
            json!(0),
            json!(-1),
            json!(99_999_999_999i64),
            json!(100_000_000_000i64),
            json!(999_999_999),
            json!(1_000_000_000),
            json!(8.64e15),
            json!(8.64e12),
            json!("9999-12-31T23:59:59Z"),
            json!("+262142-12-31T23:59:59Z"),
            json!("-262143-01-01T00:00:00Z"),
            json!("2024-02-30T00:00:00Z"),
            json!("2024-05-01T10:00:00+99:99"),
            json!("2024-05-01 10:00:00 +2359"),
            json!("0000-01-01"),
            json!("1e400"),
            json!("NaN"),
            json!(""),
        ]),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
    ]
}

/// A JWT whose claims are extreme.
fn extreme_jwt() -> impl Strategy<Value = String> {
    use base64::Engine;
    (extreme(), extreme(), extreme()).prop_map(|(exp, iat, nbf)| {
        let encode =
            |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2ln",
            encode(json!({"alg": "HS256", "typ": "JWT"})),
            encode(json!({"exp": exp, "iat": iat, "nbf": nbf, "sub": "u"}))
        )
    })
}

/// A plain event whose dates, lifetimes and token are extreme.
fn extreme_event() -> impl Strategy<Value = String> {
    (
        prop::collection::btree_map(
            prop::sample::select(vec![
                "ttl",
                "expiresAt",
                "expires_at",
                "expirationTime",
                "createdAt",
                "created_at",
                "timestamp",
                "updatedAt",
                "exp",
                "time",
                "eventTime",
                "occurredAt",
            ])
            .prop_map(str::to_string),
            extreme(),
            0..5,
        ),
        prop::option::of(extreme_jwt()),
    )
        .prop_map(|(fields, jwt)| {
            let mut body: serde_json::Map<String, Value> = fields.into_iter().collect();
            if let Some(jwt) = jwt {
                body.insert("token".into(), json!(jwt));
                body.insert("authorization".into(), json!(format!("Bearer {jwt}")));
            }
            Value::Object(body).to_string()
        })
}

/// Decode, inspect and print one line: nothing panics, and a decoded
/// line prints as a capture line that decodes again.
fn survive_line(line: &[u8]) {
    static INSPECTOR: LazyLock<Inspector> = LazyLock::new(Inspector::with_defaults);
    let inspector = &*INSPECTOR;
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    if let Ok((event, body)) = decode_line(line, 1, "file:fuzz") {
        let inspection = inspector.inspect(&event, &body, now, !is_capture_line(line));
        let document = Document::new(event, body, inspection);
        for reveal in [false, true] {
            let printed = document.to_line(DocumentOptions { reveal });
            assert!(!printed.contains('\n'), "{printed}");
            decode_line(printed.as_bytes(), 1, "file:fuzz")
                .unwrap_or_else(|e| panic!("{printed}: {e}"));
        }
    }
}

/// Parse and use a filter: nothing panics; an error is one line with its
/// column inside the expression.
fn survive_filter(expr: &str) {
    match Filter::parse(expr) {
        Ok(filter) => {
            filter.matches(&json!({"body": {"a": 1, "s": "x"}, "meta": {"expired": true}}));
            filter.might_match(b"{\"body\":{}}");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            assert!(!message.contains('\n'), "{expr:?}: {message}");
            e.caret_line();
            if let Some(p) = e.position {
                assert!(p <= expr.chars().count(), "{expr:?}: {p}");
            }
        }
    }
}

/// Load a config the way the binary does: parse, compile the mappings,
/// build the keymap. Nothing panics; parse errors are one line.
fn survive_config(text: &str) {
    match Config::parse(text) {
        Ok(config) => {
            let _ = Inspector::new(&config.mappings).map_err(|e| e.to_string());
            let _ = Keymap::from_config(&config.keys).map_err(|e| e.to_string());
        }
        Err(message) => assert!(!message.contains('\n'), "{text:?}: {message}"),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_read_as_a_capture_file(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let file = CaptureFile::from_bytes(bytes, "file:fuzz");
        for index in 0..file.len() {
            let _ = file.decode(index);
            survive_line(file.line(index));
        }
    }

    #[test]
    fn capture_lines_of_any_shape_decode_or_fail_cleanly(line in capture_line()) {
        survive_line(line.as_bytes());
    }

    #[test]
    fn plain_json_lines_of_any_shape_are_events(value in any_json()) {
        let line = value.to_string();
        survive_line(line.as_bytes());
        prop_assert!(decode_line(line.as_bytes(), 1, "file:fuzz").is_ok());
    }

    #[test]
    fn extreme_dates_lifetimes_and_tokens_are_inspected(line in extreme_event()) {
        survive_line(line.as_bytes());
    }

    #[test]
    fn filters_from_filter_pieces_never_panic(
        pieces in prop::collection::vec(
            prop::sample::select(vec![
                "@", "$", ".", "..", "[", "]", "(", ")", "?", "!", "==", "!=", "<=", ">", "&&",
                "||", "'", "\"", "\\", "a", "body", "0", "-1", "1e999", "*", ":", ",", " ",
                "length(", "match(", "search(", "value(", "count(", "é", "😀", "\u{0}", "\t",
                "true", "null", "'x'", "'.*'", "'(a'", "'{9999}'", "[?", "@.a", "@.body.s",
                "[-1]", "[0:2]", "['k']",
            ]),
            0..20,
        )
    ) {
        survive_filter(&pieces.concat());
    }

    #[test]
    fn any_text_as_a_filter_never_panics(expr in "\\PC{0,40}") {
        survive_filter(&expr);
    }

    #[test]
    fn any_text_as_a_key_parses_or_is_refused(text in "[a-zA-Z0-9 ?!\\-]{0,16}|\\PC{0,6}") {
        if let Ok(key) = Key::parse(&text) {
            let printed = key.to_string();
            prop_assert_eq!(Key::parse(&printed), Ok(key), "{:?} printed as {:?}", text, printed);
        }
    }

    #[test]
    fn configs_of_any_shape_load_or_fail_in_one_line(
        theme in prop::option::of("[a-z\"]{0,6}"),
        mapping in prop::option::of(("[a-z_]{1,12}", prop::collection::vec("[$@.a-z\\[\\]?*'0-9 ]{0,12}", 0..3))),
        keys in prop::collection::vec(("[a-z]{1,8}", "[a-zA-Z0-9?!\\- ]{0,10}", "[a-z_]{0,10}"), 0..4),
    ) {
        let mut text = String::new();
        if let Some(theme) = theme {
            text.push_str(&format!("theme = \"{theme}\"\n"));
        }
        if let Some((field, paths)) = mapping {
            text.push_str(&format!("[mappings]\n{field} = {}\n", serde_json::to_string(&paths).unwrap()));
        }
        for (mode, key, action) in keys {
            text.push_str(&format!("[keys.{mode}]\n{} = \"{action}\"\n", serde_json::to_string(&key).unwrap()));
        }
        survive_config(&text);
    }

    #[test]
    fn contexts_of_any_shape_load_or_fail_in_one_line(
        name in "[a-z\\- ]{0,8}",
        entries in prop::collection::vec(
            (
                prop::sample::select(
                    evscope::config::contexts::KEYS
                        .iter()
                        .copied()
                        .chain(["bogus", "pulsar_token"])
                        .collect::<Vec<_>>(),
                ),
                prop::sample::select(vec![
                    "true", "\"x\"", "0", "-1", "1e9", "3.5", "[]", "[\"a\", 1]", "{ a = 1 }",
                    "\"2m\"", "\"forever\"", "nan", "inf", "-inf", "43200", "99999999999",
                ]),
            ),
            0..5,
        ),
        default in prop::option::of("[a-z]{0,3}"),
    ) {
        let mut text = String::new();
        if let Some(default) = default {
            text.push_str(&format!("default_context = \"{default}\"\n"));
        }
        text.push_str(&format!("[contexts.\"{name}\"]\n"));
        for (key, value) in entries {
            text.push_str(&format!("{key} = {value}\n"));
        }
        survive_config(&text);
    }

    #[test]
    fn any_text_as_a_config_never_panics(text in "\\PC{0,60}") {
        survive_config(&text);
    }
}
