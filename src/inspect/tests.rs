//! End-to-end tests of [`Inspector::inspect`] on each envelope.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::*;
use crate::model::{Gps, ProblemKind, TokenKind};

/// The fixed inspection time: 2020-12-31T02:33:00Z.
fn now() -> DateTime<Utc> {
    utc("2020-12-31T02:33:00Z")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .expect("test date")
}

fn json_event(body: Value) -> Event {
    Event::new("m-1", "file:events.jsonl", body.to_string())
}

fn inspect(event: &Event) -> Inspection {
    Inspector::with_defaults().inspect(event, &event.body(), now(), true)
}

fn kinds(i: &Inspection) -> Vec<ProblemKind> {
    i.problems.iter().map(|p| p.kind).collect()
}

fn messages(i: &Inspection) -> String {
    i.problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn jwt(claims: Value) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJlLWJ5dGVz",
        b64(&json!({"alg": "RS256", "typ": "JWT", "kid": "k1"})),
        b64(&claims)
    )
}

// ---------------------------------------------------------------- CloudEvents

#[test]
fn cloudevents_facets() {
    let e = json_event(json!({
        "specversion": "1.0",
        "id": "ce-1",
        "source": "/orders",
        "type": "com.example.order.created",
        "time": "2020-12-31T01:00:00Z",
        "dataschema": "https://schemas.example.com/order/v2",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "correlationid": "flow-7",
        "data": {"orderId": 42, "causationId": "cmd-3"}
    }));
    let i = inspect(&e);
    assert!(i.problems.is_empty(), "{}", messages(&i));
    assert_eq!(
        i.meta.event_type.as_deref(),
        Some("com.example.order.created")
    );
    assert_eq!(
        i.meta.version.as_deref(),
        Some("v2"),
        "a dataschema URI shows as its version segment"
    );
    assert_eq!(i.meta.created_at, Some(utc("2020-12-31T01:00:00Z")));
    assert_eq!(
        i.meta.correlation.trace_id.as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    assert_eq!(i.meta.event_id.as_deref(), Some("ce-1"));
    assert_eq!(i.meta.correlation.correlation_id.as_deref(), Some("flow-7"));
    assert_eq!(i.meta.correlation.causation_id.as_deref(), Some("cmd-3"));
    assert_eq!(i.meta.expires_at, None);
    assert!(!i.meta.expired);
    assert_eq!(i.meta.location, None);
    assert_eq!(i.meta.security, None);
}

#[test]
fn cloudevents_missing_fields_and_specversion_is_not_a_version() {
    let e = json_event(json!({"specversion": "1.0", "id": "ce-1", "type": "t", "source": ""}));
    let i = inspect(&e);
    assert_eq!(kinds(&i), vec![ProblemKind::MissingField]);
    assert_eq!(i.problems[0].message, "CloudEvents event lacks 'source'");
    assert_eq!(i.meta.version, None);
}

#[test]
fn event_id_is_the_envelopes_else_the_message_id() {
    let classic = json_event(json!({"eventName": "Paid", "eventId": "evt-5", "id": 42}));
    assert_eq!(inspect(&classic).meta.event_id.as_deref(), Some("evt-5"));
    // A plain body's `id` is the entity's, not the event's.
    let plain = json_event(json!({"id": 42, "amount": 3}));
    assert_eq!(inspect(&plain).meta.event_id.as_deref(), Some("m-1"));
    let mut attr = json_event(json!({"id": 42}));
    attr.attributes.insert("ce-id".into(), "ce-9".into());
    assert_eq!(inspect(&attr).meta.event_id.as_deref(), Some("ce-9"));
}

// ---------------------------------------------------------------- EventBridge

#[test]
fn eventbridge_facets() {
    let e = json_event(json!({
        "version": "0",
        "id": "eb-1",
        "detail-type": "OrderPlaced",
        "source": "com.example.orders",
        "account": "123456789012",
        "time": "2020-12-31T02:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": {
            "correlationId": "flow-9",
            "parentId": "evt-8",
            "userId": "u-77",
            "countryCode": "ES",
            "expiresAt": "2020-12-31T03:00:00Z"
        }
    }));
    let i = inspect(&e);
    assert!(i.problems.is_empty(), "{}", messages(&i));
    assert_eq!(i.meta.event_type.as_deref(), Some("OrderPlaced"));
    assert_eq!(
        i.meta.version, None,
        "EventBridge's version \"0\" is the envelope's"
    );
    assert_eq!(i.meta.created_at, Some(utc("2020-12-31T02:00:00Z")));
    assert_eq!(i.meta.event_id.as_deref(), Some("eb-1"));
    assert_eq!(i.meta.correlation.correlation_id.as_deref(), Some("flow-9"));
    assert_eq!(i.meta.correlation.causation_id.as_deref(), Some("evt-8"));
    assert_eq!(i.meta.expires_at, Some(utc("2020-12-31T03:00:00Z")));
    assert!(!i.meta.expired);
    let security = i.meta.security.expect("principal");
    assert_eq!(security.principal.as_deref(), Some("u-77"));
    assert_eq!(
        i.meta.location.and_then(|l| l.country).as_deref(),
        Some("ES")
    );
}

#[test]
fn eventbridge_schema_version_inside_detail() {
    let e = json_event(json!({
        "version": "0", "id": "eb-2", "detail-type": "X", "source": "s",
        "time": "2020-12-31T02:00:00Z", "detail": {"schemaVersion": "3"}
    }));
    assert_eq!(inspect(&e).meta.version.as_deref(), Some("3"));
}

#[test]
fn eventbridge_missing_fields() {
    let e = json_event(json!({"detail-type": "OrderPlaced", "id": "eb-1", "source": null}));
    let i = inspect(&e);
    assert_eq!(
        i.problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>(),
        vec![
            "EventBridge event lacks 'source'",
            "EventBridge event lacks 'time'",
            "EventBridge event lacks 'detail'",
        ]
    );
}

// ---------------------------------------------------------------- classic

fn classic() -> Value {
    json!({
        "eventId": 18,
        "eventName": "SEND_EMAIL",
        "type": "CREATE",
        "subtype": "NEW",
        "object": "USER",
        "eventDataFormat": "JSON",
        "countryCodeFormat": "ISO 3166-1",
        "countryCode": "ESP",
        "ip": "182.32.5.166",
        "gpsCoordinates": {"latitude": "41.385878", "longitud": "2.170757"},
        "user": "app_general",
        "bearer": "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        "payload": "{\"to\":\"destino@acme.com\",\"meta\":{\"corr\":\"c-18\"}}",
        "creationDate": "2020-12-30 23:15:58.999",
        "updateDate": "",
        "expirationTime": 300000
    })
}

#[test]
fn classic_envelope_facets() {
    let i = inspect(&json_event(classic()));
    assert_eq!(i.meta.event_type.as_deref(), Some("SEND_EMAIL"));
    assert_eq!(i.meta.created_at, Some(utc("2020-12-30T23:15:58.999Z")));
    assert_eq!(i.meta.updated_at, None, "an empty updateDate is absent");
    let location = i.meta.location.clone().expect("location");
    assert_eq!(location.country.as_deref(), Some("ESP"));
    assert_eq!(location.country_code_format.as_deref(), Some("ISO 3166-1"));
    assert_eq!(location.ip.as_deref(), Some("182.32.5.166"));
    assert_eq!(location.ip_valid, Some(true));
    assert_eq!(
        location.gps,
        Some(Gps {
            latitude: 41.385878,
            longitude: 2.170757
        })
    );
    let security = i.meta.security.clone().expect("security");
    assert_eq!(security.principal.as_deref(), Some("app_general"));
    let token = security.token.expect("token");
    assert_eq!(token.kind, TokenKind::Jwt);
    assert_eq!(token.path, "$.body.bearer");
    assert_eq!(
        token.jwt.and_then(|j| j.claims.get("name").cloned()),
        Some(json!("John Doe"))
    );
    assert_eq!(secret_paths(&i), vec!["$.body.bearer"]);
}

#[test]
fn classic_expiration_time_as_lifetime() {
    let i = inspect(&json_event(classic()));
    assert_eq!(i.meta.expires_at, Some(utc("2020-12-30T23:20:58.999Z")));
    assert!(i.meta.expired);
    assert_eq!(kinds(&i), vec![ProblemKind::Expired]);
    assert_eq!(
        i.problems[0].message,
        "expired 3h 12m ago (expirationTime 300000 ms after creationDate 2020-12-30T23:15:58.999Z)"
    );
}

#[test]
fn classic_expiration_time_as_epoch_ms() {
    let mut body = classic();
    body["expirationTime"] = json!(1580549400000_u64);
    let e = json_event(body);
    let i = inspect(&e);
    assert_eq!(i.meta.expires_at, Some(utc("2020-02-01T09:30:00Z")));
    assert!(i.meta.expired);
    // Before that instant it has not expired.
    let before =
        Inspector::with_defaults().inspect(&e, &e.body(), utc("2020-02-01T09:00:00Z"), true);
    assert!(!before.meta.expired);
    assert!(before.problems.is_empty(), "{}", messages(&before));
}

#[test]
fn classic_payload_string_is_looked_through() {
    let m = Mappings {
        correlation_id: vec!["$.body.payload.meta.corr".into()],
        ..Mappings::default()
    };
    let e = json_event(classic());
    let i = Inspector::new(&m)
        .expect("valid mappings")
        .inspect(&e, &e.body(), now(), true);
    assert_eq!(i.meta.correlation.correlation_id.as_deref(), Some("c-18"));
    assert!(!kinds(&i).contains(&ProblemKind::InvalidPayload));
}

#[test]
fn classic_invalid_payloads() {
    // Declared JSON, pseudo-JSON as in the seed article.
    let mut body = classic();
    body["payload"] = json!("{\n  to : 'destino@acme.com'\n}");
    let i = inspect(&json_event(body));
    let p = i
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::InvalidPayload)
        .expect("invalid payload");
    assert!(p.message.contains("line 2 column 3"), "{}", p.message);
    assert!(p.message.contains("$.body.payload"), "{}", p.message);

    // Declared JSON but plain text.
    let mut body = classic();
    body["payload"] = json!("hello");
    assert!(kinds(&inspect(&json_event(body))).contains(&ProblemKind::InvalidPayload));

    // Not declared, but starts like JSON.
    let mut body = classic();
    body.as_object_mut().map(|o| o.remove("eventDataFormat"));
    body["payload"] = json!("{\"to\": ");
    assert!(kinds(&inspect(&json_event(body))).contains(&ProblemKind::InvalidPayload));

    // Not declared and plain text: fine.
    let mut body = classic();
    body.as_object_mut().map(|o| o.remove("eventDataFormat"));
    body["payload"] = json!("hello");
    assert!(!kinds(&inspect(&json_event(body))).contains(&ProblemKind::InvalidPayload));
}

#[test]
fn classic_missing_fields() {
    let i = inspect(&json_event(json!({"eventId": 1, "type": "CREATE"})));
    assert_eq!(
        messages(&i),
        "classic event lacks 'eventName' | classic event lacks 'creationDate'"
    );
    assert_eq!(i.meta.event_type.as_deref(), Some("CREATE"));
    // Plain JSON without an envelope has no required fields.
    assert!(
        inspect(&json_event(json!({"orderId": 1})))
            .problems
            .is_empty()
    );
}

// ---------------------------------------------------------------- expiration

#[test]
fn lifetime_counts_from_published_at_without_creation_time() {
    let mut e = json_event(json!({"expirationTime": "600000"}));
    e.published_at = Some(utc("2020-12-31T02:30:00Z"));
    let i = inspect(&e);
    assert_eq!(i.meta.expires_at, Some(utc("2020-12-31T02:40:00Z")));
    assert!(!i.meta.expired);
    assert!(i.problems.is_empty(), "{}", messages(&i));
}

#[test]
fn lifetime_without_any_creation_time_is_a_problem() {
    let i = inspect(&json_event(json!({"ttl": 60})));
    assert_eq!(i.meta.expires_at, None);
    assert_eq!(kinds(&i), vec![ProblemKind::MissingField]);
    assert!(
        i.problems[0].message.contains("ttl 60 is a lifetime"),
        "{}",
        messages(&i)
    );
}

#[test]
fn ttl_forms() {
    let created = "2020-12-31T02:00:00Z";
    let cases = [
        (json!(3600), "2020-12-31T03:00:00Z"),
        (json!("1609459200"), "2021-01-01T00:00:00Z"),
        (json!(1609459200000_u64), "2021-01-01T00:00:00Z"),
    ];
    for (ttl, expected) in cases {
        let i = inspect(&json_event(json!({"createdAt": created, "ttl": ttl})));
        assert_eq!(i.meta.expires_at, Some(utc(expected)), "ttl {ttl}");
        assert!(!i.meta.expired);
    }
    // A short ttl has run out.
    let i = inspect(&json_event(json!({"createdAt": created, "ttl": 60})));
    assert!(i.meta.expired);
    assert_eq!(
        i.problems[0].message,
        "expired 32m ago (ttl 60 s after createdAt 2020-12-31T02:00:00.000Z)"
    );
    // An attribute ttl.
    let mut e = Event::new("m", "sqs://q", "plain text");
    e.published_at = Some(utc(created));
    e.attributes.insert("TTL".into(), "7200".into());
    let i = Inspector::with_defaults().inspect(&e, &e.body(), now(), false);
    assert_eq!(i.meta.expires_at, Some(utc("2020-12-31T04:00:00Z")));
}

#[test]
fn expires_at_forms() {
    let cases = [
        (
            json!({"expiresAt": "2020-12-31T01:33:00Z"}),
            "2020-12-31T01:33:00Z",
        ),
        (json!({"expires_at": 1609382040}), "2020-12-31T02:34:00Z"),
        (json!({"expiry": "1609382040000"}), "2020-12-31T02:34:00Z"),
    ];
    for (body, expected) in cases {
        let i = inspect(&json_event(body.clone()));
        assert_eq!(i.meta.expires_at, Some(utc(expected)), "{body}");
        assert_eq!(i.meta.expired, utc(expected) < now(), "{body}");
    }
    let i = inspect(&json_event(json!({"expiresAt": "2020-12-31T01:33:00Z"})));
    assert_eq!(
        messages(&i),
        "expired 1h ago (expiresAt \"2020-12-31T01:33:00Z\")"
    );
}

#[test]
fn expiry_accounts_are_written_as_before() {
    // Epochs, a string lifetime, retention, and the problems of values that
    // are no usable expiry: every account and message, word for word.
    let i = inspect(&json_event(
        json!({"expirationTime": 1609370158999_u64, "ttl": "-5"}),
    ));
    assert_eq!(
        messages(&i),
        "ttl \"-5\" is negative ($.body.ttl) | expired 3h 17m ago \
         (expirationTime 1609370158999 = 2020-12-30T23:15:58.999Z)"
    );
    let i = inspect(&json_event(json!({"ttl": 1609370158})));
    assert_eq!(
        messages(&i),
        "expired 3h 17m ago (ttl 1609370158 = 2020-12-30T23:15:58.000Z)"
    );
    let i = inspect(&json_event(
        json!({"creationDate": "2020-12-31T00:00:00Z", "expirationTime": "60000"}),
    ));
    assert_eq!(
        messages(&i),
        "expired 2h 32m ago (expirationTime \"60000\" ms after creationDate \
         2020-12-31T00:00:00.000Z)"
    );
    let i = inspect(&json_event(
        json!({"expirationTime": 60000, "ttl": 1e300, "expiresAt": true}),
    ));
    assert_eq!(
        messages(&i),
        "expiresAt true is not a date ($.body.expiresAt) | expirationTime 60000 is a lifetime \
         in ms ($.body.expirationTime) but the event has no creation time and no published_at \
         to count it from | ttl 1e+300 is out of range ($.body.ttl)"
    );
    let mut e = json_event(json!({"x": 1}));
    e.system
        .insert("retention_expires_at".into(), json!("2020-12-31T00:00:00Z"));
    let i = Inspector::with_defaults().inspect(&e, &e.body(), now(), true);
    assert_eq!(
        messages(&i),
        "expired 2h 33m ago (queue retention ends 2020-12-31T00:00:00.000Z)"
    );
}

#[test]
fn retention_is_the_last_expiration_fallback() {
    let mut e = json_event(json!({"orderId": 1}));
    e.system
        .insert("retention_expires_at".into(), json!("2021-01-04T00:00:00Z"));
    assert_eq!(
        inspect(&e).meta.expires_at,
        Some(utc("2021-01-04T00:00:00Z"))
    );
    let mut e = json_event(json!({"expiresAt": "2021-01-01T00:00:00Z"}));
    e.system
        .insert("retention_expires_at".into(), json!("2021-01-04T00:00:00Z"));
    assert_eq!(
        inspect(&e).meta.expires_at,
        Some(utc("2021-01-01T00:00:00Z"))
    );
}

#[test]
fn bad_dates_name_field_and_value() {
    let i = inspect(&json_event(json!({
        "creationDate": "2020-13-45 99:00:00",
        "updateDate": {"when": "now"},
        "expiresAt": "soon",
        "expirationTime": "abc",
        "ttl": -5
    })));
    assert_eq!(kinds(&i), vec![ProblemKind::BadDate; 5], "{}", messages(&i));
    let all = messages(&i);
    for needle in [
        "creationDate \"2020-13-45 99:00:00\" is not a date ($.body.creationDate)",
        "updateDate {\"when\":\"now\"} is not a date",
        "expiresAt \"soon\" is not a date ($.body.expiresAt)",
        "expirationTime \"abc\" is not a number",
        "ttl -5 is negative",
    ] {
        assert!(all.contains(needle), "{needle} not in {all}");
    }
    assert_eq!(i.meta.created_at, None);
    assert_eq!(i.meta.expires_at, None);
}

#[test]
fn a_bad_date_does_not_hide_a_good_one() {
    let i = inspect(&json_event(json!({
        "creationDate": "never",
        "time": "2020-12-31T00:00:00Z"
    })));
    assert_eq!(i.meta.created_at, Some(utc("2020-12-31T00:00:00Z")));
    assert_eq!(kinds(&i), vec![ProblemKind::BadDate]);
}

// ---------------------------------------------------------------- location

#[test]
fn gps_out_of_range_is_dropped_with_a_problem() {
    let i = inspect(&json_event(
        json!({"gpsCoordinates": {"latitude": 123.4, "longitude": 2.0}, "ip": "999.1.1.1"}),
    ));
    let location = i.meta.location.clone().expect("location");
    assert_eq!(location.gps, None);
    assert_eq!(location.ip.as_deref(), Some("999.1.1.1"));
    assert_eq!(location.ip_valid, Some(false));
    assert_eq!(kinds(&i), vec![ProblemKind::InvalidPayload], "only the gps");
    assert!(messages(&i).contains("latitude 123.4 is out of range -90..=90"));
}

#[test]
fn gps_numbers_and_ipv6() {
    let i = inspect(&json_event(
        json!({"gps": {"lat": -33.9, "lng": 151.2}, "ipAddress": "2001:db8::1"}),
    ));
    let location = i.meta.location.expect("location");
    assert_eq!(
        location.gps,
        Some(Gps {
            latitude: -33.9,
            longitude: 151.2
        })
    );
    assert_eq!(location.ip_valid, Some(true));
    // An object without coordinates is not a GPS position.
    let i = inspect(&json_event(json!({"location": {"city": "Barcelona"}})));
    assert_eq!(i.meta.location, None);
    assert!(i.problems.is_empty());
}

// ---------------------------------------------------------------- security

#[test]
fn jwt_in_authorization_attribute() {
    let token = jwt(json!({"sub": "svc-billing", "exp": 1609372800, "scope": "orders"}));
    let mut e = Event::new("m", "sqs://q", "not json");
    e.attributes
        .insert("Authorization".into(), format!("Bearer {token}"));
    let i = Inspector::with_defaults().inspect(&e, &e.body(), now(), false);
    let security = i.meta.security.clone().expect("security");
    assert_eq!(
        security.principal.as_deref(),
        Some("svc-billing"),
        "sub when no user"
    );
    let t = security.token.expect("token");
    assert_eq!(t.kind, TokenKind::Jwt);
    assert_eq!(t.path, "$.attributes.authorization");
    let decoded = t.jwt.expect("decoded");
    assert_eq!(decoded.header.get("kid"), Some(&json!("k1")));
    assert_eq!(decoded.claims.get("scope"), Some(&json!("orders")));
    assert_eq!(decoded.expires_at, Some(utc("2020-12-31T00:00:00Z")));
    assert!(decoded.expired);
    // The structured path names the attribute as the event spells it.
    assert_eq!(secret_paths(&i), vec!["$.attributes.Authorization"]);
    // A token's expiry is not the event's.
    assert!(!i.meta.expired);
    assert!(i.problems.is_empty(), "{}", messages(&i));
}

#[test]
fn user_wins_over_jwt_subject_and_fresh_jwt_is_not_expired() {
    let token = jwt(json!({"sub": "svc", "exp": 1609459200}));
    let i = inspect(&json_event(json!({"user": "alice", "token": token})));
    let security = i.meta.security.expect("security");
    assert_eq!(security.principal.as_deref(), Some("alice"));
    let decoded = security.token.and_then(|t| t.jwt).expect("jwt");
    assert!(!decoded.expired);
}

#[test]
fn secrets_never_appear_in_output() {
    let token = jwt(json!({"sub": "svc", "exp": 1609459200}));
    let signature = "MEUCIQDx7b3kq9vQ1Yz2sXgT8mR4pL6nW0hJcKfE5aUoVbNiPwIgY3";
    let password = "hunter2-correct-horse";
    let api_key = "ak_live_51HxYzQ2eZvKYlo2C8kTqWm";
    let mut e = json_event(json!({
        "bearer": token,
        "signature": signature,
        "password": password,
        "nested": {"deep": {"password": password}}
    }));
    e.attributes.insert("x-api-key".into(), api_key.into());
    let m = Mappings {
        password: vec!["$..password".into()],
        ..Mappings::default()
    };
    let i = Inspector::new(&m)
        .expect("valid")
        .inspect(&e, &e.body(), now(), true);
    let debug = format!("{i:?}");
    let json = serde_json::to_string(&i).expect("serializes");
    for secret in [token.as_str(), signature, password, api_key] {
        assert!(!debug.contains(secret), "secret in Debug output");
        assert!(!json.contains(secret), "secret in JSON output");
    }
    // Not even the token's signature or claims part.
    let claims_part = token.split('.').nth(1).expect("claims");
    assert!(!json.contains(claims_part));
    let security = i.meta.security.clone().expect("security");
    assert_eq!(security.signature.as_deref(), Some("…(54 chars)"));
    assert!(
        security
            .token
            .expect("token")
            .value
            .ends_with(&format!("({} chars)", token.len()))
    );
    assert_eq!(
        secret_paths(&i),
        vec![
            "$.attributes[\"x-api-key\"]",
            "$.body.bearer",
            "$.body.nested.deep.password",
            "$.body.password",
            "$.body.signature",
        ]
    );
}

/// The secret paths of an inspection, shown and sorted.
fn secret_paths(i: &Inspection) -> Vec<String> {
    let mut paths: Vec<String> = i.secrets.iter().map(|s| s.path.to_string()).collect();
    paths.sort();
    paths.dedup();
    paths
}

// ---------------------------------------------------------------- correlation

#[test]
fn attributes_only_correlation() {
    let mut e = Event::new("m", "pulsar://h:6650/orders", "plain text body");
    e.attributes
        .insert("X-Correlation-Id".into(), "corr-1".into());
    e.attributes.insert("causation_id".into(), "cause-1".into());
    e.attributes.insert(
        "traceparent".into(),
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
    );
    let i = Inspector::with_defaults().inspect(&e, &e.body(), now(), false);
    assert!(i.problems.is_empty(), "{}", messages(&i));
    assert_eq!(i.meta.correlation.correlation_id.as_deref(), Some("corr-1"));
    assert_eq!(i.meta.correlation.causation_id.as_deref(), Some("cause-1"));
    assert_eq!(
        i.meta.correlation.trace_id.as_deref(),
        Some("0af7651916cd43dd8448eb211c80319c")
    );
}

#[test]
fn trace_id_field_and_invalid_traceparent() {
    let mut e = json_event(json!({"traceId": "abc123"}));
    e.attributes.insert("traceparent".into(), "garbage".into());
    assert_eq!(
        inspect(&e).meta.correlation.trace_id.as_deref(),
        Some("abc123")
    );
    let e = json_event(json!({
        "trace_id": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    }));
    assert_eq!(
        inspect(&e).meta.correlation.trace_id.as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
}

#[test]
fn query_mappings_fall_back_to_jsonpath() {
    let m = Mappings {
        correlation_id: vec!["$.body.items[?@.kind == 'corr'].value".into()],
        ..Mappings::default()
    };
    let e =
        json_event(json!({"items": [{"kind": "x", "value": 1}, {"kind": "corr", "value": "q-1"}]}));
    let i = Inspector::new(&m)
        .expect("valid")
        .inspect(&e, &e.body(), now(), true);
    assert_eq!(i.meta.correlation.correlation_id.as_deref(), Some("q-1"));
}

// ---------------------------------------------------------------- bodies

#[test]
fn invalid_json_bodies() {
    let e = Event::new("m", "file:x.jsonl", "{\"a\": 1,\n \"b\" 2}");
    let i = Inspector::with_defaults().inspect(&e, &e.body(), now(), false);
    assert_eq!(kinds(&i), vec![ProblemKind::InvalidJson], "looks like JSON");
    assert_eq!(
        i.problems[0].message,
        "body is not valid JSON: line 2 column 6: expected `:`"
    );
    let e = Event::new("m", "sqs://q", "hello");
    let body = e.body();
    assert!(
        Inspector::with_defaults()
            .inspect(&e, &body, now(), false)
            .problems
            .is_empty()
    );
    assert_eq!(
        kinds(&Inspector::with_defaults().inspect(&e, &body, now(), true)),
        vec![ProblemKind::InvalidJson]
    );
    let e = Event::new("m", "sqs://q", vec![0xff, 0xfe, 0x00]);
    assert_eq!(
        kinds(&Inspector::with_defaults().inspect(&e, &e.body(), now(), true)),
        vec![ProblemKind::InvalidJson]
    );
}

#[test]
fn hostile_inputs_do_not_panic() {
    // Valid JSON, but deeper than serde_json will build.
    let deep_valid = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let e = Event::new("m", "file:x", deep_valid);
    let i = Inspector::with_defaults().inspect(&e, &e.body(), now(), true);
    assert_eq!(kinds(&i), vec![ProblemKind::InvalidJson]);
    assert!(
        messages(&i).contains("recursion limit exceeded"),
        "{}",
        messages(&i)
    );

    let deep = "[".repeat(10_000);
    let e = Event::new("m", "file:x", deep.clone());
    let i = Inspector::with_defaults().inspect(&e, &e.body(), now(), true);
    assert_eq!(kinds(&i), vec![ProblemKind::InvalidJson]);

    let nested = format!("{}{}", "{\"a\":".repeat(10_000), "1");
    let e = json_event(json!({
        "eventDataFormat": "JSON",
        "payload": nested,
        "creationDate": {"a": [1, 2]},
        "bearer": 12345,
        "gpsCoordinates": "{\"latitude\": \"x\"",
        "expirationTime": 1e308,
        "ttl": "NaN",
    }));
    let m = Mappings {
        correlation_id: vec!["$.body.payload.a.a.a".into(), "$..a".into()],
        ..Mappings::default()
    };
    let i = Inspector::new(&m)
        .expect("valid")
        .inspect(&e, &e.body(), now(), true);
    assert!(kinds(&i).contains(&ProblemKind::InvalidPayload));
    assert!(kinds(&i).contains(&ProblemKind::BadDate));
    let token = i
        .meta
        .security
        .and_then(|s| s.token)
        .expect("a number is a token too");
    assert_eq!(token.value, "…(5 chars)");
    assert_eq!(token.kind, TokenKind::Opaque);
}

#[test]
fn bad_mapping_path_is_an_error() {
    let m = Mappings {
        trace_id: vec!["$.attributes[".into()],
        ..Mappings::default()
    };
    let err = Inspector::new(&m).expect_err("bad path");
    let msg = err.to_string();
    assert!(
        msg.contains("trace_id") && msg.contains("$.attributes["),
        "{msg}"
    );
}

#[test]
fn inspector_is_shareable() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Inspector>();
    let inspector = Inspector::with_defaults();
    let clone = inspector.clone();
    let e = json_event(json!({"eventName": "X"}));
    let handle = std::thread::spawn(move || clone.inspect(&e, &e.body(), now(), true));
    let i = handle.join().expect("thread");
    assert_eq!(i.meta.event_type.as_deref(), Some("X"));
}

/// Rough per-event cost; run with
/// `cargo test --release --lib inspect::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing() {
    let inspector = Inspector::with_defaults();
    let mut attrs_only = Event::new("m", "sqs://q", "plain text");
    attrs_only
        .attributes
        .insert("correlationId".into(), "c".into());
    attrs_only.attributes.insert(
        "traceparent".into(),
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
    );
    let events = [
        ("classic", json_event(classic())),
        (
            "cloudevents",
            json_event(json!({
                "specversion": "1.0", "id": "ce-1", "source": "/orders", "type": "order.created",
                "time": "2020-12-31T01:00:00Z", "data": {"orderId": 42, "lines": [1, 2, 3]}
            })),
        ),
        ("attributes-only", attrs_only),
    ];
    for (name, e) in &events {
        let body = e.body();
        let t = now();
        let json = *name != "attributes-only";
        // The best of several rounds: the machine is shared.
        let best = (0..7)
            .map(|_| {
                let n = 50_000;
                let start = std::time::Instant::now();
                for _ in 0..n {
                    std::hint::black_box(inspector.inspect(e, &body, t, json));
                }
                start.elapsed() / n
            })
            .min();
        println!("{name}: {best:?}/event");
    }
}

/// An inspection of a body whose plain members were left unbuilt and are
/// read from the raw text (as a scan decodes it: `body_members`,
/// `inspect_members`) is the inspection of the whole body: over bodies with
/// every kind of value under the names the defaults read (a name twice,
/// plain and not in both orders; escaped strings; JSON in strings; blank
/// and null envelope fields) and each one-byte change of them.
#[test]
fn plain_members_read_from_the_raw_text_inspect_as_built_ones() {
    let bodies = [
        r#"{"eventId":7,"eventName":"A\u00e9","creationDate":"2020-12-30 23:15:58.999","expirationTime":300000,"correlationId":"c-1","payload":"{\"to\": \"u@x\", \"password\": \"p\"}"}"#,
        r#"{"eventName":"X","eventName":{"a":1},"creationDate":null,"correlationId":{"x":1},"correlationId":"c-2","eventId":" ","ttl":-5,"causationId":true}"#,
        r#"{"specversion":"1.0","id":"","source":"/s","type":"T","time":"2020-12-30T23:15:58Z","data":{"userId":"u"},"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","expiresAt":1609371600}"#,
        r#"{"detail-type":"D","id":"e","source":"aws.x","time":"2020-12-30T23:15:58Z","detail":{"token":"Bearer abcdefgh12","payload":"{}"},"version":"0","location":{"lat":1.5,"lon":"2"}}"#,
        r#"{"eventName":"P","payload":"[1,2]","eventDataFormat":"JSON","payload":"{bad","creationDate":"not a date","expirationTime":"soon"}"#,
    ];
    let inspector = Inspector::with_defaults();
    let bytes: Vec<u8> = (b' '..=b'~').collect();
    let mut read_raw = 0;
    for needs in [
        Needs::FACETS,
        Needs::PROBLEMS,
        Needs::EXPIRY,
        Needs::CORRELATION,
    ] {
        let members = inspector.body_members(needs);
        assert!(!members.is_all());
        for body in bodies {
            let texts = std::iter::once(body.to_owned())
                .chain(crate::model::lex::one_byte_changes(body, &bytes));
            for text in texts {
                let event = Event::new("m-1", "file:x", text.clone());
                let whole = inspector.inspect_for(&event, &event.body(), now(), true, needs);
                let (partial, raw) = Body::decode_lexed(&event.raw, &members);
                let got =
                    inspector.inspect_members(&event, &partial, raw.as_deref(), now(), true, needs);
                assert_eq!(got, whole, "{needs:?} {text}");
                read_raw += usize::from(
                    partial
                        .as_json()
                        .and_then(Value::as_object)
                        .is_some_and(|o| o.len() < 3)
                        && raw.is_some(),
                );
            }
        }
    }
    assert!(
        read_raw > 1000,
        "members were read from the raw text ({read_raw})"
    );
}

/// The secrets an inspection finds (the walk reading JSON in strings
/// through the scope's decodes) start with those the walk finds alone, in
/// the same order: over the demo's events and events holding secrets in
/// JSON in strings (in JSON in strings).
#[test]
fn an_inspection_finds_the_secrets_the_walk_finds() {
    let inspector = Inspector::with_defaults();
    let mut events = Vec::new();
    for part in crate::backend::DEMO_PARTS {
        let text = crate::backend::demo_capture(part).unwrap();
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            events.push(crate::capture::decode_line(line, 1, "file:demo").unwrap().0);
        }
    }
    let inner = json!({"password": "p1", "note": "Bearer abcdefgh12345"}).to_string();
    let nested = json!({"payload": inner, "token": "t"}).to_string();
    for body in [
        json!({"eventName": "A", "payload": inner.clone()}),
        json!({"eventName": "B", "payload": nested, "data": {"x": inner}}),
        json!({"detail": {"payload": "{\"apiKey\": \"k\"}"}, "payload": "[1, {\"secret\": 2}]"}),
    ] {
        events.push(json_event(body));
    }
    let mut found = 0;
    for event in events {
        let body = event.body();
        let walked = crate::secrets::find_secrets(&event, &body, crate::secrets::policy());
        let inspected = inspector.inspect(&event, &body, now(), true).secrets;
        assert!(inspected.len() >= walked.len());
        assert_eq!(inspected[..walked.len()], walked[..], "{}", event.id);
        found += walked.len();
    }
    assert!(found > 10, "secrets found ({found})");
}

#[test]
fn a_facet_copied_from_a_secret_is_masked_like_it() {
    // A mapping that points a facet at a field whose name makes it secret
    // (`password`: its whole value) and one at a value the value policy
    // finds a credential in (a bearer header: only the credential).
    let m = Mappings {
        correlation_id: vec!["$.body.nested.password".into()],
        causation_id: vec!["$.body.note".into()],
        ..Mappings::default()
    };
    let e = json_event(json!({
        "nested": {"password": " hunter2 "},
        "note": "Bearer noteTok0057abcdefgh",
        "eventName": "Plain",
    }));
    let i = Inspector::new(&m)
        .expect("valid mappings")
        .inspect(&e, &e.body(), now(), true);
    assert_eq!(
        i.meta.correlation.correlation_id.as_deref(),
        Some("hunter2")
    );
    let treatment = |path: &[&str]| {
        i.secrets
            .iter()
            .find(|s| s.path == SecretPath::keys(path.iter().copied()))
            .map(|s| s.treatment)
    };
    use crate::secrets::Treatment;
    assert_eq!(
        treatment(&["meta", "correlation", "correlation_id"]),
        Some(Treatment::Whole)
    );
    assert_eq!(
        treatment(&["meta", "correlation", "causation_id"]),
        Some(Treatment::Within)
    );
    // Facets no secret repeats are not masked.
    assert_eq!(treatment(&["meta", "type"]), None);
    assert_eq!(treatment(&["meta", "event_id"]), None);
}
