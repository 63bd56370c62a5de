//! Masking by policy: a corpus of secrets in every spelling and place the
//! policy promises, run through the masking function, through `peek` (the
//! binary on a capture file) and through every TUI tab; secrets planted at
//! random depths and spellings (proptest); credentials in source URIs never
//! in an error line.

#[path = "tui_support/mod.rs"]
mod tui_support;

use std::process::{Command, Output};
use std::sync::Arc;

use base64::Engine;
use evscope::backend::file::FileBackend;
use evscope::backend::{SourceInfo, SourceKind};
use evscope::capture::{Document, DocumentOptions, decode_line};
use evscope::inspect::Inspector;
use evscope::tui::action::Action;
use evscope::tui::app::App;
use evscope::tui::decode::InspectorDecoder;
use evscope::tui::jobs::Effect;
use evscope::tui::keymap::Keymap;
use evscope::tui::theme::Theme;
use evscope::tui::update::update;
use proptest::prelude::*;
use serde_json::{Value, json};

fn b64url(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn jwt(sig: &str) -> String {
    format!(
        "{}.{}.{sig}",
        b64url(&json!({"alg": "HS256", "typ": "JWT"})),
        b64url(&json!({"sub": "svc-orders", "exp": 4_000_000_000_u64}))
    )
}

/// One corpus entry: a capture line holding `secret`, and where it is.
struct Case {
    what: &'static str,
    line: Value,
    secret: String,
}

fn line(id: &str, attributes: Value, body: Value) -> Value {
    let encoding = if body.is_string() { "utf8" } else { "json" };
    json!({"evscope_capture": 1, "id": id, "source": "corpus", "attributes": attributes,
           "system": {}, "body": body, "body_encoding": encoding})
}

/// Every spelling and place of the issue, and more: 57 entries.
fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |what: &'static str, line: Value, secret: &str| {
        cases.push(Case {
            what,
            line,
            secret: secret.to_string(),
        })
    };
    let empty = json!({});
    let attr = |name: &str, value: &str| line("a", json!({ name: value }), json!({"ok": 1}));
    let body = |v: Value| line("b", json!({}), v);
    // Attributes.
    add(
        "attribute Authorization Bearer",
        attr("Authorization", "Bearer atTokenValue0001"),
        "atTokenValue0001",
    );
    add(
        "attribute AUTHORIZATION Bearer",
        attr("AUTHORIZATION", "Bearer atTokenValue0002"),
        "atTokenValue0002",
    );
    add(
        "attribute Authorization Basic",
        attr("Authorization", "Basic YWxpY2U6czNjcjN0UGFzcw=="),
        "YWxpY2U6czNjcjN0UGFzcw==",
    );
    add(
        "attribute X-Api-Key",
        attr("X-Api-Key", "apiKeyValue0003"),
        "apiKeyValue0003",
    );
    add(
        "attribute Proxy-Authorization",
        attr("Proxy-Authorization", "Basic cHJveHk6cHJveHlQYXNz"),
        "cHJveHk6cHJveHlQYXNz",
    );
    add(
        "attribute Cookie",
        attr("Cookie", "session=cookieValue0004"),
        "cookieValue0004",
    );
    add(
        "attribute Set-Cookie",
        attr("Set-Cookie", "sid=cookieValue0005; HttpOnly"),
        "cookieValue0005",
    );
    add(
        "attribute X-Auth-Token",
        attr("X-Auth-Token", "authTokenValue0006"),
        "authTokenValue0006",
    );
    add(
        "attribute x-amz-security-token",
        attr("x-amz-security-token", "FwoGZXIvYXdzEXAMPLE0007"),
        "FwoGZXIvYXdzEXAMPLE0007",
    );
    add(
        "attribute secret",
        attr("secret", "plainSecret0008"),
        "plainSecret0008",
    );
    add(
        "attribute x_api_key",
        attr("x_api_key", "apiKeyValue0009"),
        "apiKeyValue0009",
    );
    add(
        "attribute with a zero-width space",
        attr("pass\u{200b}word", "zeroWidth0010"),
        "zeroWidth0010",
    );
    // Body names.
    add(
        "body Authorization",
        body(json!({"Authorization": "Bearer bodyToken0011xyz"})),
        "bodyToken0011xyz",
    );
    add(
        "body Password",
        body(json!({"Password": "bodyPass0012"})),
        "bodyPass0012",
    );
    add(
        "body PASSWD",
        body(json!({"PASSWD": "bodyPass0013"})),
        "bodyPass0013",
    );
    add(
        "body pwd",
        body(json!({"pwd": "bodyPass0014"})),
        "bodyPass0014",
    );
    add(
        "body db_password",
        body(json!({"db_password": "bodyPass0015"})),
        "bodyPass0015",
    );
    add(
        "body passwordHash",
        body(json!({"passwordHash": "$2b$12$hashValue0016"})),
        "hashValue0016",
    );
    add(
        "body refresh_token",
        body(json!({"refresh_token": "refreshTok0017"})),
        "refreshTok0017",
    );
    add(
        "body private_key",
        body(json!({"private_key": "privKeyValue0018"})),
        "privKeyValue0018",
    );
    add(
        "body Set-Cookie",
        body(json!({"Set-Cookie": "id=cookieValue0019"})),
        "cookieValue0019",
    );
    add(
        "body auth Basic",
        body(json!({"auth": "Basic YXV0aDpiYXNpY1Bhc3MwMDIw"})),
        "YXV0aDpiYXNpY1Bhc3MwMDIw",
    );
    add(
        "body client_secret",
        body(json!({"client_secret": "clientSec0021"})),
        "clientSec0021",
    );
    add(
        "body name with spaces",
        body(json!({"api key": "spacedKey0022"})),
        "spacedKey0022",
    );
    add(
        "body numeric pin",
        body(json!({"pin": 98765023})),
        "98765023",
    );
    // Nested.
    add(
        "nested user.password",
        body(json!({"user": {"name": "ann", "password": "nestedPass0024"}})),
        "nestedPass0024",
    );
    add(
        "nested data.token",
        body(json!({"data": {"token": "nestedTok0025"}})),
        "nestedTok0025",
    );
    add(
        "password inside an array",
        body(json!({"users": [{"n": 1}, {"password": "arrayPass0026"}]})),
        "arrayPass0026",
    );
    add(
        "headers.Authorization",
        body(json!({"headers": {"Authorization": "Bearer hdrToken0027abc"}})),
        "hdrToken0027abc",
    );
    add(
        "deep nesting",
        body(json!({"a": {"b": [{"c": {"d": {"secret": "deepSecret0028"}}}]}})),
        "deepSecret0028",
    );
    add(
        "name/value header pair",
        body(json!({"headers": [{"name": "Authorization", "value": "Bearer pairToken0029x"}]})),
        "pairToken0029x",
    );
    add(
        "[name, value] header pair",
        body(json!({"headers": [["X-Api-Key", "pairKey0030abc"]]})),
        "pairKey0030abc",
    );
    // Decoded strings.
    add(
        "classic envelope payload",
        body(json!({"eventName": "X", "payload": "{\"password\":\"payloadPass0031\"}"})),
        "payloadPass0031",
    );
    let b64_json =
        base64::engine::general_purpose::STANDARD.encode(r#"{"password":"b64Pass0032"}"#);
    add("base64 body of JSON", body(json!(b64_json)), &b64_json);
    add(
        "base64 body of text",
        body(json!(
            base64::engine::general_purpose::STANDARD.encode("password=b64Pass0033xyz")
        )),
        &base64::engine::general_purpose::STANDARD.encode("password=b64Pass0033xyz"),
    );
    // Values whatever their name.
    let token = jwt("jwtSignature0034abcdef");
    add(
        "raw JWT under any name",
        body(json!({"note": token})),
        &token,
    );
    add(
        "JWT signature",
        body(json!({"note": token})),
        "jwtSignature0034abcdef",
    );
    add(
        "AWS access key id",
        body(json!({"k": "AKIAIOSFODNN7EXAMP35"})),
        "AKIAIOSFODNN7EXAMP35",
    );
    add(
        "AWS secret key next to its id",
        body(
            json!({"id": "AKIAIOSFODNN7EXAMP36", "s": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE036"}),
        ),
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE036",
    );
    add(
        "URL userinfo",
        body(json!({"dsn": "postgres://app:urlPass0037@db:5432/x"})),
        "urlPass0037",
    );
    add(
        "URL ?token=",
        body(json!({"link": "https://x.io/a?token=urlTok0038&b=1"})),
        "urlTok0038",
    );
    add(
        "URL X-Amz-Signature",
        body(json!({"link": "https://s3/x?X-Amz-Signature=amzSig0039abc&X-Amz-Date=1"})),
        "amzSig0039abc",
    );
    add(
        "URL access_token",
        body(json!({"link": "https://x/cb#a?access_token=urlTok0040"})),
        "urlTok0040",
    );
    add(
        "Authorization line in a text body",
        body(json!(
            "GET / HTTP/1.1\nAuthorization: Bearer textTok0041abc\nHost: x"
        )),
        "textTok0041abc",
    );
    add(
        "key=value in a text body",
        body(json!("retrying with password=textPass0042 now")),
        "textPass0042",
    );
    add(
        "ghp_ token",
        body(json!({"m": "use ghp_abcdefghijklmnopqrstuvwxyz0123456789"})),
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    );
    add(
        "xoxb- token",
        body(json!({"m": "xoxb-1234567890-abcdefSlack44"})),
        "xoxb-1234567890-abcdefSlack44",
    );
    add(
        "sk_live_ key",
        body(json!({"m": "sk_live_abcdefStripe0045xyz"})),
        "sk_live_abcdefStripe0045xyz",
    );
    add(
        "AIza key",
        body(json!({"m": "AIzaSyA1234567890abcdefghijklmnopqrs46"})),
        "AIzaSyA1234567890abcdefghijklmnopqrs46",
    );
    add(
        "PEM private key",
        body(
            json!({"m": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpemBody0047abc\n-----END RSA PRIVATE KEY-----"}),
        ),
        "MIIEpemBody0047abc",
    );
    add(
        "system metadata",
        line("s", empty.clone(), json!({"ok": 1}))
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.insert(
                    "system".into(),
                    json!({"producer": {"auth_token": "sysTok0048abc"}}),
                );
                Value::Object(o)
            })
            .unwrap(),
        "sysTok0048abc",
    );
    add(
        "source URI userinfo",
        {
            let mut l = line("u", empty.clone(), json!({"ok": 1}));
            l["source"] = json!("pulsar://svc:srcPass0049@broker:6650/t");
            l
        },
        "srcPass0049",
    );
    add(
        "a problem message quoting a credential",
        body(json!({"eventName": "X", "creationDate": "postgres://u:probPass0051@h/x"})),
        "probPass0051",
    );
    add(
        "xoxp- token in a text body",
        body(json!("slack xoxp-98765-abcdefSlack50 ok")),
        "xoxp-98765-abcdefSlack50",
    );
    add(
        "a token right after the letter k (`key` overlaps its `eyJ`)",
        body(json!({"note": "keyJhbGciOiJIUzI1NiJ9tok52"})),
        "eyJhbGciOiJIUzI1NiJ9tok52",
    );
    // Facets repeat what they were copied from, and problems quote it.
    add(
        "an AWS key as the event type (meta.type)",
        body(json!({"eventName": "AKIAIOSFODNN7EXAMPL3"})),
        "AKIAIOSFODNN7EXAMPL3",
    );
    add(
        "a bearer credential as the correlation id (meta.correlation)",
        body(json!({"correlationId": "Bearer corrTok0053abcdefgh"})),
        "corrTok0053abcdefgh",
    );
    add(
        "an AWS key as the message id (meta.event_id)",
        line("AKIAIOSFODNN7EXAMPL4", empty.clone(), json!({"ok": 1})),
        "AKIAIOSFODNN7EXAMPL4",
    );
    add(
        "a JWT attribute as the principal (meta.security.principal)",
        attr("principal", &jwt("sigPrinc0054")),
        "sigPrinc0054",
    );
    add(
        "a password quoted by an invalid payload's problem message",
        body(json!({"payload": "{\"password\":\"payPass0055\""})),
        "payPass0055",
    );
    cases
}

/// What must stay in clear: names that only look like secret ones.
fn harmless_line() -> Value {
    line(
        "h",
        json!({"author": "Jane Austen"}),
        json!({"authorName": "Bob Marley", "tokenType": "Bearer", "passwordExpiresAt": "2030-01-01",
               "secretName": "prod/db", "key": "order-7"}),
    )
}

fn document(line: &Value) -> Document {
    let text = serde_json::to_string(line).unwrap();
    let (event, body) = decode_line(text.as_bytes(), 1, "corpus").expect("a capture line");
    let inspection = Inspector::with_defaults().inspect(&event, &body, tui_support::now(), false);
    Document::new(event, body, inspection)
}

#[test]
fn the_corpus_is_masked_by_the_masking_function() {
    let cases = corpus();
    assert!(cases.len() >= 40);
    for case in &cases {
        let doc = document(&case.line);
        let masked = doc.to_line(DocumentOptions { reveal: false });
        assert!(!masked.contains(&case.secret), "{}: {masked}", case.what);
        assert!(
            masked.contains("\"secrets_masked\":true"),
            "{}: {masked}",
            case.what
        );
        let revealed = doc.to_line(DocumentOptions { reveal: true });
        let decoded: Value = serde_json::from_str(&revealed).unwrap();
        assert!(
            revealed.contains(&case.secret) || decoded.to_string().contains(&case.secret),
            "{}: the secret is really in the event: {revealed}",
            case.what
        );
    }
    let harmless = document(&harmless_line()).to_line(DocumentOptions { reveal: false });
    for clear in [
        "Jane Austen",
        "Bob Marley",
        "2030-01-01",
        "prod/db",
        "order-7",
    ] {
        assert!(harmless.contains(clear), "{clear} should stay: {harmless}");
    }
    assert!(!harmless.contains("secrets_masked"), "{harmless}");
}

/// Runs the binary built with the tests, or `EVSCOPE_TEST_BIN` (to show
/// these tests fail on an older build).
fn evscope(args: &[&str]) -> Output {
    let bin = std::env::var("EVSCOPE_TEST_BIN").unwrap_or(env!("CARGO_BIN_EXE_evscope").into());
    Command::new(bin)
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent-evscope-config")
        // SQS sources get as far as connecting (and failing) to their endpoint.
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("runs")
}

fn write_lines(lines: &[Value]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for l in lines {
        use std::io::Write;
        writeln!(file, "{}", serde_json::to_string(l).unwrap()).unwrap();
    }
    file
}

#[test]
fn peek_masks_the_corpus_and_reveal_shows_it() {
    let cases = corpus();
    let mut lines: Vec<Value> = cases.iter().map(|c| c.line.clone()).collect();
    lines.push(harmless_line());
    let file = write_lines(&lines);
    let path = file.path().to_str().unwrap();
    let out = evscope(&["peek", path]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let printed: Vec<&str> = stdout.lines().collect();
    assert_eq!(printed.len(), lines.len());
    for (case, printed) in cases.iter().zip(&printed) {
        assert!(!printed.contains(&case.secret), "{}: {printed}", case.what);
        assert!(
            printed.contains("\"secrets_masked\":true"),
            "{}: {printed}",
            case.what
        );
    }
    let harmless = printed.last().unwrap();
    assert!(
        harmless.contains("Jane Austen") && harmless.contains("Bob Marley"),
        "{harmless}"
    );
    assert!(
        !harmless.contains("secrets_masked"),
        "honest: nothing was masked: {harmless}"
    );
    let revealed = evscope(&["peek", "--reveal", path]);
    let revealed = String::from_utf8(revealed.stdout).unwrap();
    for (case, line) in cases.iter().zip(revealed.lines()) {
        let decoded: Value = serde_json::from_str(line).unwrap();
        assert!(
            line.contains(&case.secret) || decoded.to_string().contains(&case.secret),
            "{}: --reveal shows it: {line}",
            case.what
        );
        assert!(!line.contains("secrets_masked"), "{line}");
    }
}

#[test]
fn credentials_in_source_uris_never_reach_an_error_line() {
    let secret = "uriPass0451";
    let capture = write_lines(&[line("r", json!({}), json!({"ok": 1}))]);
    let capture = capture.path().to_str().unwrap().to_string();
    for args in [
        vec![
            "--endpoint-url".to_string(),
            format!("http://svc:{secret}@127.0.0.1:9"),
            "peek".to_string(),
            "sqs://q".to_string(),
        ],
        vec![
            "replay".to_string(),
            capture.clone(),
            format!("pulsar://svc:{secret}@127.0.0.1:9/t"),
        ],
        vec![
            "peek".to_string(),
            format!("pulsar://svc:{secret}@127.0.0.1:9/t"),
        ],
        vec![
            "check".to_string(),
            format!("pulsar://svc:{secret}@127.0.0.1:9/t"),
        ],
        vec![
            "peek".to_string(),
            format!("pulsar://127.0.0.1:9/t?token={secret}"),
        ],
        vec![
            "peek".to_string(),
            format!("http://svc:{secret}@127.0.0.1:9/000000000000/q"),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = evscope(&args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_ne!(out.status.code(), Some(0), "{args:?}: {all}");
        assert!(!all.contains(secret), "{args:?}: {all}");
        assert!(
            all.contains("evscope:"),
            "{args:?}: an error was printed: {all}"
        );
    }
}

// ---- the terminal UI -------------------------------------------------------

fn app_over(file: &std::path::Path, w: u16, h: u16) -> App {
    let uri = format!("file:{}", file.display());
    let decoder = Arc::new(InspectorDecoder::new(Inspector::with_defaults()));
    let mut app = App::new(
        std::slice::from_ref(&uri),
        Keymap::default(),
        Theme::load("dark", None).unwrap(),
        decoder.clone(),
        false,
        tui_support::now(),
    );
    drop(app.take_effects());
    update(&mut app, Action::Resize(w, h));
    let backend = FileBackend::open_path(file, &tui_support::options()).unwrap();
    let info = SourceInfo {
        uri: uri.clone(),
        name: uri,
        kind: SourceKind::File,
        count: None,
        dlq_of: None,
        dlq: None,
    };
    tui_support::load(&mut app, 0, backend, info, decoder.as_ref());
    app
}

/// The frame and the detail text of every tab of every event, and what `y`
/// copies.
fn everything_shown(app: &mut App, events: usize) -> Vec<String> {
    let mut shown = Vec::new();
    tui_support::key(app, "g");
    for n in 0..events {
        if n > 0 {
            tui_support::key(app, "j");
        }
        for tab in ["1", "2", "3", "4"] {
            tui_support::key(app, tab);
            shown.push(tui_support::screen(app));
            shown.push(
                app.detail
                    .lines
                    .iter()
                    .flat_map(|l| l.iter().map(|s| s.text.to_string()))
                    .collect(),
            );
        }
        tui_support::key(app, "y");
        for effect in app.take_effects() {
            if let Effect::Copy { text } = effect {
                shown.push(text);
            }
        }
        shown.push(tui_support::screen(app));
    }
    shown
}

#[test]
fn every_tab_and_the_clipboard_mask_the_corpus() {
    let cases = corpus();
    let lines: Vec<Value> = cases.iter().map(|c| c.line.clone()).collect();
    let file = write_lines(&lines);
    let mut app = app_over(file.path(), 240, 60);
    let shown = everything_shown(&mut app, cases.len());
    let copies = shown
        .iter()
        .filter(|s| s.starts_with("{\"evscope_capture\""))
        .count();
    assert_eq!(copies, cases.len(), "one copy per event");
    for case in &cases {
        for text in &shown {
            assert!(!text.contains(&case.secret), "{}: {text}", case.what);
        }
    }
}

#[test]
fn masked_tabs_snapshot() {
    let file = write_lines(&[line(
        "snap",
        json!({"Authorization": "Bearer snapToken0001abcdef", "author": "Jane Austen"}),
        json!({"user": {"name": "ann", "db_password": "snapPass0002"},
               "payload": "{\"refresh_token\":\"snapRefresh0003\"}",
               "link": "https://app:snapUrl0004@api.example.com/v1?token=snapTok0005&page=2",
               "note": jwt("snapSignature0006abc")}),
    )]);
    let mut app = app_over(file.path(), 120, 40);
    let mut tabs = String::new();
    // The temp file's name changes each run, and its length with TMPDIR.
    let padded = regex::Regex::new("CAPTURE +").unwrap();
    for tab in ["1", "2", "3"] {
        tui_support::key(&mut app, tab);
        let screen = tui_support::screen(&app);
        let screen = screen.replace(&file.path().display().to_string(), "CAPTURE");
        tabs.push_str(&padded.replace_all(&screen, "CAPTURE "));
    }
    for secret in [
        "snapToken0001",
        "snapPass0002",
        "snapRefresh0003",
        "snapUrl0004",
        "snapTok0005",
        "snapSignature0006",
    ] {
        assert!(!tabs.contains(secret), "{secret}");
    }
    assert!(tabs.contains("Jane Austen"));
    insta::assert_snapshot!(tabs);
}

// ---- random plants ---------------------------------------------------------

/// A secret name in a random spelling: case, separators and invisible
/// characters between its letters, a prefix.
fn name_strategy() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "authorization",
        "private_key",
        "refresh_token",
        "access_token",
        "client_secret",
        "cookie",
        "set-cookie",
        "passwordHash",
        "auth",
        "x-auth-token",
        "x-amz-security-token",
        "credentials",
        "passphrase",
    ]);
    let prefixes = prop::sample::select(vec!["", "db_", "user-", "X-", "my ", "old."]);
    (
        words,
        prefixes,
        prop::collection::vec((any::<bool>(), 0u8..8), 32),
    )
        .prop_map(|(word, prefix, noise)| {
            let mut out = String::from(prefix);
            for (c, (upper, sep)) in word.chars().zip(noise) {
                out.push(if upper { c.to_ascii_uppercase() } else { c });
                match sep {
                    0 => out.push('-'),
                    1 => out.push('\u{200b}'),
                    _ => {}
                }
            }
            out
        })
}

/// A credential-looking value and the part of it that must not show.
fn value_strategy() -> impl Strategy<Value = (String, String)> {
    let secret = "[A-Za-z0-9]{10}".prop_map(|s| format!("Zq{s}9"));
    (secret, 0u8..9).prop_map(|(s, kind)| match kind {
        0 => (jwt(&s), s),
        1 => (format!("Bearer {s}"), s),
        2 => (format!("ghp_{s}{s}"), s),
        3 => (format!("https://u:{s}@h.example/x"), s),
        4 => (format!("https://h.example/x?access_token={s}&y=1"), s),
        5 => (format!("sk_live_{s}"), s),
        6 => (format!("log line\nAuthorization: Bearer {s}\nmore"), s),
        7 => (format!("xoxb-{s}"), s),
        _ => (
            format!("-----BEGIN PRIVATE KEY-----\n{s}\n-----END PRIVATE KEY-----"),
            s,
        ),
    })
}

/// Filler JSON without secrets.
fn filler() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z ]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A plant: the secret is under a secret name, or a credential value under
/// an ordinary name; at a random depth; maybe inside a JSON string.
#[derive(Debug, Clone)]
struct Plant {
    name: String,
    by_name: bool,
    value: String,
    secret: String,
    depth: Vec<bool>,
    in_payload: bool,
    in_attribute: bool,
}

fn plant_strategy() -> impl Strategy<Value = Plant> {
    (
        name_strategy(),
        any::<bool>(),
        value_strategy(),
        prop::collection::vec(any::<bool>(), 0..6),
        any::<bool>(),
        0u8..5,
    )
        .prop_map(
            |(name, by_name, (value, secret), depth, in_payload, place)| {
                // By name: a plain random value, which only its name betrays.
                let (value, secret) = if by_name {
                    (secret.clone(), secret)
                } else {
                    (value, secret)
                };
                Plant {
                    name,
                    by_name,
                    value,
                    secret,
                    depth,
                    in_payload,
                    in_attribute: place == 0,
                }
            },
        )
}

fn planted_line(n: usize, plant: &Plant, mut body: Value) -> Value {
    let key = if plant.by_name {
        plant.name.clone()
    } else {
        "note".to_string()
    };
    if plant.in_attribute {
        return line(&format!("p{n}"), json!({ key: plant.value }), body);
    }
    let mut leaf = json!({ key: plant.value });
    for array in plant.depth.iter().rev() {
        leaf = if *array {
            json!([1, leaf])
        } else {
            json!({"level": leaf})
        };
    }
    if plant.in_payload {
        leaf = json!({"payload": leaf.to_string()});
    }
    match &mut body {
        Value::Object(map) => {
            map.insert("planted".into(), leaf);
        }
        _ => body = json!({"filler": body, "planted": leaf}),
    }
    line(&format!("p{n}"), json!({}), body)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn planted_secrets_never_show_in_peek_or_any_tui_frame(
        plants in prop::collection::vec((plant_strategy(), filler()), 1..6)
    ) {
        let lines: Vec<Value> = plants
            .iter()
            .enumerate()
            .map(|(n, (plant, body))| planted_line(n, plant, body.clone()))
            .collect();
        let file = write_lines(&lines);
        let out = evscope(&["peek", file.path().to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        prop_assert_eq!(out.status.code(), Some(0));
        prop_assert_eq!(stdout.lines().count(), lines.len());
        let mut app = app_over(file.path(), 400, 80);
        let shown = everything_shown(&mut app, lines.len());
        for (plant, _) in &plants {
            prop_assert!(!stdout.contains(&plant.secret), "peek shows {:?}: {}", plant, stdout);
            for text in &shown {
                prop_assert!(!text.contains(&plant.secret), "the TUI shows {:?}: {}", plant, text);
            }
        }
    }
}
