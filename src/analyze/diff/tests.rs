use chrono::{DateTime, Utc};

use super::*;
use crate::inspect::Inspector;
use crate::model::Event;

fn document(message_id: &str, published: &str, body: &str) -> Document {
    let mut event = Event::new(message_id, "file:x", body.as_bytes().to_vec());
    event.published_at = Some(published.parse::<DateTime<Utc>>().unwrap());
    let body = event.body();
    let inspection = Inspector::with_defaults().inspect(&event, &body, Utc::now(), true);
    Document::new(event, body, inspection)
}

fn event(id: &str, amount: i64, at: &str) -> String {
    format!(
        r#"{{"eventId":"{id}","eventName":"PaymentCreated","amount":{amount},"sentAt":"{at}"}}"#
    )
}

fn diff(spec: DiffSpec, a: &[Document], b: &[Document]) -> DiffReport {
    let mut differ = Differ::new(spec);
    a.iter().for_each(|d| differ.add_a(d));
    b.iter().for_each(|d| differ.add_b(d));
    differ.finish()
}

fn old_and_new() -> (Vec<Document>, Vec<Document>) {
    let a = vec![
        document("a1", "2026-01-01T00:00:00.000Z", &event("e1", 10, "x")),
        document("a2", "2026-01-01T00:00:01.000Z", &event("e2", 20, "x")),
        document("a3", "2026-01-01T00:00:02.000Z", &event("e3", 30, "x")),
        document("a4", "2026-01-01T00:00:03.000Z", &event("e4", 40, "x")),
    ];
    let b = vec![
        // Same event, a different message id and send time, 100 ms later.
        document("b1", "2026-01-01T00:00:00.100Z", &event("e1", 10, "y")),
        // Changed amount.
        document("b2", "2026-01-01T00:00:01.300Z", &event("e2", 21, "y")),
        // e3 missing; e5 extra; e4 twice.
        document("b4", "2026-01-01T00:00:03.200Z", &event("e4", 40, "y")),
        document("b4b", "2026-01-01T00:00:09.000Z", &event("e4", 40, "y")),
        document("b5", "2026-01-01T00:00:04.000Z", &event("e5", 50, "y")),
    ];
    (a, b)
}

#[test]
fn missing_extra_changed_and_duplicated_events_with_lag() {
    let (a, b) = old_and_new();
    let spec = DiffSpec {
        key: None,
        ignore: vec![Ignore::parse("$.body.sentAt").unwrap()],
    };
    let report = diff(spec, &a, &b);
    assert_eq!(report.only_a, ["e3"]);
    assert_eq!(report.only_b, ["e5"]);
    assert_eq!(report.different.len(), 1);
    assert_eq!(report.different[0].key, "e2");
    assert_eq!(report.different[0].paths, ["$.body.amount"]);
    assert_eq!(report.duplicates_a, []);
    assert_eq!(
        report.duplicates_b,
        [Duplicate {
            key: "e4".into(),
            count: 2
        }]
    );
    assert_eq!(report.same, 2);
    // Lags of e1, e2, e4: 100, 300, 200 ms.
    assert_eq!(
        report.lag_ms,
        Some(Lag {
            p50: 200,
            p95: 300,
            max: 300
        })
    );
    assert!(!report.matches());
}

#[test]
fn without_ignore_every_changed_timestamp_is_a_difference() {
    let (a, b) = old_and_new();
    let report = diff(DiffSpec::default(), &a, &b);
    assert_eq!(report.different.len(), 3);
    assert_eq!(
        report.different[1].paths,
        ["$.body.amount", "$.body.sentAt"]
    );
}

#[test]
fn identical_sides_match_and_bodies_without_ids_match_by_hash() {
    let (a, _) = old_and_new();
    assert!(diff(DiffSpec::default(), &a, &a).matches());
    // No envelope id: the body's hash, whatever the member order.
    let x = vec![document(
        "m1",
        "2026-01-01T00:00:00Z",
        r#"{"a":1,"b":[1,2]}"#,
    )];
    let y = vec![document(
        "m9",
        "2026-01-01T00:00:00Z",
        r#"{"b":[1,2],"a":1}"#,
    )];
    let report = diff(DiffSpec::default(), &x, &y);
    assert!(report.matches(), "{report:?}");
    assert!(report.only_a.is_empty());
    assert_eq!(report.same, 1);
}

#[test]
fn a_key_path_and_nested_ignores() {
    let a = vec![document(
        "1",
        "2026-01-01T00:00:00Z",
        r#"{"order":"o1","items":[{"ts":1,"q":1}],"x y":1}"#,
    )];
    let b = vec![document(
        "2",
        "2026-01-01T00:00:00Z",
        r#"{"order":"o1","items":[{"ts":2,"q":1},{"q":3}],"x y":2}"#,
    )];
    let spec = DiffSpec {
        key: Some(FieldPath::parse("$.body.order").unwrap()),
        ignore: vec![Ignore::parse("$.body.items[*].ts").unwrap()],
    };
    let report = diff(spec, &a, &b);
    assert_eq!(report.different[0].key, "o1");
    assert_eq!(
        report.different[0].paths,
        ["$.body.items[1]", "$.body['x y']"]
    );
    assert!(Ignore::parse("$.attributes.x").is_err());
    assert!(Ignore::parse("$.body..x").is_err());
}

#[test]
fn json_shape() {
    let (a, b) = old_and_new();
    let report = diff(DiffSpec::default(), &a, &b);
    let json = to_json(&report);
    assert_eq!(json["only_a"], json!(["e3"]));
    assert_eq!(json["only_b"], json!(["e5"]));
    assert_eq!(json["different"][0]["key"], "e1");
    assert_eq!(json["duplicates_b"], json!([{"key": "e4", "count": 2}]));
    assert_eq!(json["same"], 0);
    assert_eq!(json["lag_ms"]["max"], 300);
    let lines = to_lines(&report, "old.jsonl", "sqs://new");
    assert!(
        lines.contains(&"only in A           1".to_string()),
        "{lines:#?}"
    );
}

#[test]
fn pretty_lines_mark_the_differing_paths() {
    let value = json!({"a": 1, "items": [{"ts": 2}], "b": {"c": true}});
    let lines = pretty_lines(
        &value,
        &["$.body.items[0]".to_string(), "$.body.b.c".into()],
    );
    let marked: Vec<&str> = lines
        .iter()
        .filter(|(_, hit)| *hit)
        .map(|(t, _)| t.trim())
        .collect();
    assert_eq!(marked, ["{", "\"ts\": 2", "}", "\"c\": true"]);
    assert_eq!(lines[0].0, "{");
    assert_eq!(lines[1].0, "  \"a\": 1,");
}

#[test]
fn bodies_kept_for_a_side_by_side_view_are_masked() {
    let a = vec![document(
        "1",
        "2026-01-01T00:00:00Z",
        r#"{"eventId":"k","password":"hunter2-secret","n":1}"#,
    )];
    let b = vec![document(
        "2",
        "2026-01-01T00:00:00Z",
        r#"{"eventId":"k","password":"hunter2-secret","n":2}"#,
    )];
    let report = diff(DiffSpec::default(), &a, &b);
    assert_eq!(report.different[0].paths, ["$.body.n"]);
    let shown = format!("{} {}", report.different[0].a, report.different[0].b);
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// A member only one side has, ignored, leaves the bodies' hashes equal:
/// the pair is settled by its hash, not by decoding and walking both.
#[test]
fn an_ignored_member_on_one_side_leaves_the_hashes_equal() {
    let ignore = vec![Ignore::parse("$.body.bus").unwrap()];
    let a = document("a", "2026-01-01T00:00:00Z", r#"{"eventId":"e1","n":1}"#);
    let b = document(
        "b",
        "2026-01-01T00:00:00Z",
        r#"{"eventId":"e1","n":1,"bus":"sqs"}"#,
    );
    assert_eq!(body_hash(&a.body, &ignore), body_hash(&b.body, &ignore));
    assert_ne!(body_hash(&a.body, &[]), body_hash(&b.body, &[]));
    let report = diff(DiffSpec { key: None, ignore }, &[a], &[b]);
    assert_eq!((report.same, report.different.len()), (1, 0));
}
