use super::*;

#[test]
fn masks_credentials_in_text() {
    let p = Policy::builtin();
    let cases = [
        (
            "pulsar://alice:s3cretPassw0rd@broker:6650/t",
            "s3cretPassw0rd",
        ),
        (
            "--endpoint-url http://user:hunter2hunter2@localhost:4566",
            "hunter2hunter2",
        ),
        ("https://h/x?token=abcDEF123456&x=1", "abcDEF123456"),
        (
            "Authorization: Bearer abcDEF1234567890xyz",
            "abcDEF1234567890xyz",
        ),
    ];
    for (text, secret) in cases {
        let masked = p.mask_text(text);
        assert!(!masked.contains(secret), "{text} -> {masked}");
    }
    assert_eq!(p.mask_text("nothing to see here"), "nothing to see here");
}

#[test]
fn ordinary_text_stays_as_it_is() {
    let p = Policy::builtin();
    for text in [
        "basic operations on the queue",
        "Basic Authentication is off",
        "Token Expired",
        "cannot get an OAuth2 token: connection refused",
        "cannot read token file /run/token: permission denied",
        "the bearer of bad news",
        "author: Jane Austen",
        "mail ann@example.com at 10:30:00",
        "https://example.com/path?page=2&sort=asc",
        "key: order-7",
        "token_type=bearer",
        "signatureVersion=4",
        "2026-11-20T09:15:02.480Z",
        "8f1c2a60-0001",
        "deadbeefdeadbeefdeadbeefdeadbeef",
    ] {
        assert_eq!(p.mask_text(text), text, "{text}");
    }
}

#[test]
fn only_the_secret_part_of_a_text_is_masked() {
    let p = Policy::builtin();
    assert_eq!(
        p.mask_text("https://app:hunter2@api.example.com/v1?token=abc123def&page=2"),
        "https://app:…(7 chars)@api.example.com/v1?token=…(9 chars)&page=2"
    );
    assert_eq!(
        p.mask_text("login failed for bob, password=hunter22 (retry 3)"),
        "login failed for bob, password=…(8 chars) (retry 3)"
    );
    assert_eq!(
        p.mask_text("GET /\nAuthorization: Bearer abcDEF123\nHost: x"),
        "GET /\nAuthorization: Bearer …(16 chars)\nHost: x"
    );
    assert_eq!(
        p.mask_text(r#"oops {"password": "hunter 22", "user": "bob"}"#),
        r#"oops {"password": …(11 chars), "user": "bob"}"#
    );
    assert_eq!(
        p.mask_text("db:\n  password: hunter22\n"),
        "db:\n  password: …(8 chars)\n"
    );
    // Already masked text is left alone (the TUI masks its chrome again).
    let once = p.mask_text("password=hunter22").into_owned();
    assert_eq!(p.mask_text(&once), once);
}

#[test]
fn secrets_are_found_at_structured_paths_and_masked_there() {
    use crate::model::Event;
    use serde_json::json;
    let p = Policy::builtin();
    let body =
        json!({"a": [{"Pass_Word": "x1"}, {"payload": "{\"token\":\"t1\"}"}], "author": "Jane"});
    let mut event = Event::new("e", "s", body.to_string());
    event.attributes.insert("X-API-KEY".into(), "k1".into());
    let secrets = find_secrets(&event, &event.body(), &p);
    let mut shown: Vec<String> = secrets.iter().map(|s| s.path.to_string()).collect();
    shown.sort();
    assert_eq!(
        shown,
        vec![
            "$.attributes[\"X-API-KEY\"]",
            "$.body.a[0].Pass_Word",
            "$.body.a[1].payload.token",
        ]
    );
    let mut doc = json!({"attributes": {"X-API-KEY": "k1"}, "body": body});
    mask_document(&mut doc, &secrets, &p);
    assert_eq!(
        doc,
        json!({"attributes": {"X-API-KEY": "…(2 chars)"},
               "body": {"a": [{"Pass_Word": "…(2 chars)"}, {"payload": "{\"token\":\"…(2 chars)\"}"}], "author": "Jane"}})
    );
}
