use chrono::{DateTime, Utc};
use serde_json::json;

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

/// The spec of a diff that leaves out when the event was sent.
fn sent_at_ignored() -> DiffSpec {
    DiffSpec {
        key: None,
        ignore: vec![Ignore::parse("$.body.sentAt").unwrap()],
        ..DiffSpec::default()
    }
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
    let spec = sent_at_ignored();
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
        ..DiffSpec::default()
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
    // Written as it is serialized: the same JSON, its members in order.
    let text = to_json_text(&report).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json);
    assert!(
        text.starts_with(r#"{"only_a":["e3"],"only_b":["e5"],"different":[{"key":"e1","paths":["#),
        "{text}"
    );
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
    let hash = |d: &Document, ignore| raw_body_hash(&d.event.raw, None, ignore);
    assert_eq!(hash(&a, &ignore), hash(&b, &ignore));
    assert_ne!(hash(&a, &[]), hash(&b, &[]));
    let spec = DiffSpec {
        ignore,
        ..DiffSpec::default()
    };
    let report = diff(spec, &[a], &[b]);
    assert_eq!((report.same, report.different.len()), (1, 0));
}

fn hash_of(raw: &str, ignore: &[&str]) -> u64 {
    let ignore: Vec<Ignore> = ignore.iter().map(|p| Ignore::parse(p).unwrap()).collect();
    let hash = raw_body_hash(raw.as_bytes(), None, &ignore);
    if let Some(members) = crate::model::lex::object_members(raw) {
        let from_members = raw_body_hash(raw.as_bytes(), Some(&members), &ignore);
        assert_eq!(from_members, hash, "{raw}");
    }
    hash
}

#[test]
fn the_body_hash_ignores_member_order_and_whitespace() {
    let a = r#"{"a":1,"b":{"x":[1,{"p":true,"q":null}],"y":"s"},"c":-2.5}"#;
    let b =
        " {\n \"c\" : -2.5 ,\"b\":{ \"y\":\"s\",\"x\":[ 1 , {\"q\":null,\"p\":true}]},\t\"a\":1}\n";
    assert_eq!(hash_of(a, &[]), hash_of(b, &[]));
    // Escapes are read as the text they stand for.
    assert_eq!(
        hash_of(r#"{"k":"A/é"}"#, &[]),
        hash_of(r#"{"\u006b":"\u0041\/\u00e9"}"#, &[])
    );
}

#[test]
fn the_body_hash_changes_with_any_value() {
    let base = r#"{"a":1,"b":{"x":[1,2],"y":"s","z":true,"n":null},"c":[]}"#;
    let changed = [
        r#"{"a":2,"b":{"x":[1,2],"y":"s","z":true,"n":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[2,1],"y":"s","z":true,"n":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2,3],"y":"s","z":true,"n":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1],"y":"s","z":true,"n":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"t","z":true,"n":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"s","z":false,"n":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"s","z":true,"n":0},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"s","z":true},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"s","z":true,"n":null,"m":1},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"s","z":true,"N":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"s","z":true,"n":null},"c":{}}"#,
        r#"{"a":1,"b":{"x":[1,2],"y":"s","z":true,"n":null},"c":[null]}"#,
        r#"{"a":"1","b":{"x":[1,2],"y":"s","z":true,"n":null},"c":[]}"#,
        r#"{"b":{"a":1,"x":[1,2],"y":"s","z":true,"n":null},"c":[]}"#,
        r#"{"a":1,"b":{"x":[[1,2]],"y":"s","z":true,"n":null},"c":[]}"#,
    ];
    let mut seen = std::collections::HashSet::from([hash_of(base, &[])]);
    for other in changed {
        assert!(seen.insert(hash_of(other, &[])), "same hash: {other}");
    }
    // A member's value is tied to its name, not only summed in.
    assert_ne!(
        hash_of(r#"{"a":1,"b":2}"#, &[]),
        hash_of(r#"{"a":2,"b":1}"#, &[])
    );
    // JSON, text and bytes are told apart.
    assert_ne!(hash_of(r#""abc""#, &[]), hash_of("abc", &[]));
    let bytes = |raw: &[u8]| raw_body_hash(raw, None, &[]);
    assert_ne!(bytes(b"ab\xff"), bytes(b"ab"));
    assert_eq!(hash_of("not json {", &[]), hash_of("not json {", &[]));
}

#[test]
fn the_body_hash_leaves_ignored_paths_out_at_any_depth() {
    let ignore = [
        "$.body.bus",
        "$.body.items[*].ts",
        "$.body.deep.a.b",
        "$.body.list[1]",
    ];
    let a = r#"{"n":1,"items":[{"ts":1,"q":1},{"q":2}],"deep":{"a":{"b":1,"c":2}},"list":[1,2,3]}"#;
    let b = r#"{"bus":"sqs","n":1,"items":[{"q":1,"ts":9},{"q":2,"ts":[1]}],"deep":{"a":{"c":2,"b":{"x":1}}},"list":[1,"x",3]}"#;
    assert_eq!(hash_of(a, &ignore), hash_of(b, &ignore));
    assert_ne!(hash_of(a, &[]), hash_of(b, &[]));
    // What is not under an ignored path still counts.
    let c = r#"{"n":1,"items":[{"ts":1,"q":1},{"q":3}],"deep":{"a":{"b":1,"c":2}},"list":[1,2,3]}"#;
    assert_ne!(hash_of(a, &ignore), hash_of(c, &ignore));
    let d = r#"{"n":1,"items":[{"ts":1,"q":1},{"q":2}],"deep":{"a":{"b":1,"c":2}},"list":[1,2,4]}"#;
    assert_ne!(hash_of(a, &ignore), hash_of(d, &ignore));
    // `bus` is ignored only at the top: deeper it counts.
    assert_ne!(
        hash_of(r#"{"x":{"bus":1}}"#, &ignore),
        hash_of(r#"{"x":{"bus":2}}"#, &ignore)
    );
    // Ignoring the whole body leaves JSON bodies equal.
    assert_eq!(hash_of(a, &["$.body"]), hash_of(b, &["$.body"]));
    // A value under an ignored path must still be JSON for the body to be.
    assert_ne!(
        hash_of(r#"{"bus":tru}"#, &ignore),
        hash_of(r#"{}"#, &ignore)
    );
}

/// Numbers hash as serde_json reads them: `1` and `1.0` apart (so bodies
/// that only differ so are different keys when keyed by body), equal
/// floats however written together; a pair matched by id that differs only
/// so is the same (the paths compare numbers as numbers), as before.
#[test]
fn numbers_hash_as_read_and_compare_as_numbers() {
    assert_ne!(hash_of(r#"{"n":1}"#, &[]), hash_of(r#"{"n":1.0}"#, &[]));
    assert_eq!(hash_of(r#"{"n":1.50}"#, &[]), hash_of(r#"{"n":1.5}"#, &[]));
    assert_eq!(hash_of(r#"{"n":1e2}"#, &[]), hash_of(r#"{"n":100.0}"#, &[]));
    assert_ne!(hash_of(r#"{"n":-1}"#, &[]), hash_of(r#"{"n":1}"#, &[]));
    let at = "2026-01-01T00:00:00Z";
    let a = vec![document("a", at, r#"{"eventId":"e","n":1}"#)];
    let b = vec![document("b", at, r#"{"eventId":"e","n":1.0}"#)];
    let report = diff(DiffSpec::default(), &a, &b);
    assert_eq!((report.same, report.different.len()), (1, 0));
    let a = vec![document("a", at, r#"{"n":1}"#)];
    let b = vec![document("b", at, r#"{"n":1.0}"#)];
    let report = diff(DiffSpec::default(), &a, &b);
    assert_eq!((report.only_a.len(), report.only_b.len()), (1, 1));
}

/// A name given twice in one object counts once, with its last value, as
/// in the `Value` a decode builds (and the paths compare).
#[test]
fn a_repeated_name_hashes_as_its_last_value() {
    assert_eq!(hash_of(r#"{"a":1,"a":2}"#, &[]), hash_of(r#"{"a":2}"#, &[]));
    assert_eq!(
        hash_of(r#"{"x":{"a":1,"b":[],"a":{"c":2}}}"#, &[]),
        hash_of(r#"{"x":{"b":[],"a":{"c":2}}}"#, &[])
    );
    assert_ne!(hash_of(r#"{"a":1,"a":2}"#, &[]), hash_of(r#"{"a":1}"#, &[]));
    assert_eq!(
        hash_of(r#"{"bus":1,"n":1,"bus":2}"#, &["$.body.bus"]),
        hash_of(r#"{"n":1}"#, &[])
    );
}

/// Keys B alone carries twice are duplicates of B, as keys both carry.
#[test]
fn duplicates_of_b_count_keys_only_b_carries() {
    let at = "2026-01-01T00:00:00Z";
    let a = vec![
        document("a1", at, r#"{"eventId":"e1"}"#),
        document("a2", at, r#"{"eventId":"e1"}"#),
    ];
    let b = vec![
        document("b1", at, r#"{"eventId":"e2"}"#),
        document("b2", at, r#"{"eventId":"e1"}"#),
        document("b3", at, r#"{"eventId":"e2"}"#),
        document("b4", at, r#"{"eventId":"e1"}"#),
        document("b5", at, r#"{"eventId":"e2"}"#),
    ];
    let report = diff(DiffSpec::default(), &a, &b);
    let dups = |d: &[Duplicate]| {
        d.iter()
            .map(|d| (d.key.clone(), d.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(dups(&report.duplicates_a), [("e1".to_string(), 2)]);
    assert_eq!(
        dups(&report.duplicates_b),
        [("e1".to_string(), 2), ("e2".to_string(), 3)]
    );
    assert_eq!(report.only_b, ["e2"]);
    assert_eq!(report.same, 1);
}

/// B's events are looked for where the last one matched first (B mostly
/// follows A's order); in any other order they match all the same.
#[test]
fn the_order_of_b_changes_nothing() {
    let (a, b) = old_and_new();
    let in_order = diff(DiffSpec::default(), &a, &b);
    for b in [
        b.iter().rev().cloned().collect::<Vec<_>>(),
        b.iter().skip(1).chain(b.iter().take(1)).cloned().collect(),
        b.iter().chain(&b).cloned().collect(),
    ] {
        let report = diff(DiffSpec::default(), &a, &b);
        let keys = |d: &[Difference]| {
            let mut keys: Vec<String> = d.iter().map(|d| d.key.clone()).collect();
            keys.sort();
            keys
        };
        assert_eq!(report.only_a, in_order.only_a);
        assert_eq!(keys(&report.different), keys(&in_order.different));
        assert_eq!(report.same, in_order.same);
        assert_eq!(report.duplicates_a, in_order.duplicates_a);
    }
    // Twice B: each key B carries is a duplicate of B.
    let twice: Vec<Document> = b.iter().chain(&b).cloned().collect();
    let report = diff(DiffSpec::default(), &a, &twice);
    assert!(report.duplicates_b.iter().all(|d| d.count >= 2));
    assert_eq!(
        report.duplicates_b.len(),
        in_order.same as usize + in_order.different.len() + in_order.only_b.len()
    );
}

/// `documents` as the lines of one file: its text, and where each is.
fn as_lines(documents: &[Document]) -> (Vec<u8>, Vec<LineAt>) {
    let file = crate::capture::FileId::of_meta(&std::fs::metadata(".").unwrap());
    let mut text = Vec::new();
    let mut lines = Vec::new();
    for (i, document) in documents.iter().enumerate() {
        lines.push(LineAt {
            file,
            offset: text.len() as u64,
            len: document.event.raw.len() as u32,
            number: i as u32 + 1,
        });
        text.extend_from_slice(&document.event.raw);
        text.push(b'\n');
    }
    (text, lines)
}

/// The line `at` of `text`.
fn line_of(text: &[u8], at: &LineAt) -> std::io::Result<Vec<u8>> {
    let start = at.offset as usize;
    Ok(text[start..start + at.len as usize].to_vec())
}

/// A's events as a diff of a capture file keeps them: where their line
/// is, each line given by `lines` (a file of `lines`, one per event).
fn diff_reading_a_again(
    spec: DiffSpec,
    a: &[Document],
    b: &[Document],
    lines: &(dyn Fn(&LineAt) -> std::io::Result<Vec<u8>> + Sync),
) -> Result<DiffReport, ReadAgainError> {
    let mut differ = Differ::new(spec.clone());
    for (document, at) in a.iter().zip(as_lines(a).1) {
        differ.add_a_summary(spec.summary_read_again(document.clone().read_at(Some(at))));
    }
    b.iter().for_each(|d| differ.add_b(d));
    assert!(!differ.lines_to_read().is_empty());
    differ.read_again(lines)?;
    Ok(differ.finish())
}

/// Read again from their lines, A's bodies give the report a diff that
/// kept them gives; a line that changed in between is an error.
#[test]
fn bodies_of_a_read_again_report_what_kept_ones_do() {
    let (a, b) = old_and_new();
    let spec = sent_at_ignored();
    let text = as_lines(&a).0;
    let from_text = |at: &LineAt| line_of(&text, at);
    let kept = diff(spec.clone(), &a, &b);
    let read = diff_reading_a_again(spec.clone(), &a, &b, &from_text).unwrap();
    assert_eq!(read, kept);
    // Without the ignored path, every pair differs: still in B's order.
    let kept = diff(DiffSpec::default(), &a, &b);
    let read = diff_reading_a_again(DiffSpec::default(), &a, &b, &from_text).unwrap();
    assert_eq!(read, kept);
    assert!(read.different.len() > 1);
    let changed = |_: &LineAt| Ok(event("e2", 99, "x").into_bytes());
    let error = diff_reading_a_again(spec.clone(), &a, &b, &changed).unwrap_err();
    assert!(
        error.to_string().contains("changed while the diff ran"),
        "{error}"
    );
    let gone = |_: &LineAt| Err(std::io::Error::other("gone"));
    let error = diff_reading_a_again(spec, &a, &b, &gone).unwrap_err();
    assert!(
        error.to_string().contains("could not be read again: gone"),
        "{error}"
    );
}

/// The lag's ranks are those of the sorted lags (nearest rank), for lists
/// of every length up to 40, with repeats and negative lags.
#[test]
fn lag_ranks_are_the_sorted_ranks() {
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as i64 % 50 - 10
    };
    assert_eq!(lag_of(Vec::new()), None);
    for n in 1..=40 {
        for _ in 0..5 {
            let lags: Vec<i64> = (0..n).map(|_| next()).collect();
            let mut sorted = lags.clone();
            sorted.sort_unstable();
            let rank = |q: f64| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
            let expected = Lag {
                p50: rank(0.5),
                p95: rank(0.95),
                max: sorted[n - 1],
            };
            assert_eq!(lag_of(lags), Some(expected), "{sorted:?}");
        }
    }
}

/// A capture line summed up from its view, without a document, is what
/// the scanner's document of it sums up to, both sides' way, with and
/// without ignored paths: lines with bodies of every kind of id (body
/// last or not, with a publish time or not), the demo's bodies, and every
/// line one byte away from a few of them.
#[test]
fn a_line_summed_up_from_its_view_is_summed_up_as_its_document() {
    use crate::backend::Record;
    use crate::capture::CaptureFile;
    use crate::scan::Scanner;
    let mut bodies: Vec<String> = [
        r#"{"eventId":"e-1","eventName":"A","amount":1.5,"sentAt":"x"}"#,
        r#"{"other":1,"payload":"{\"to\": \"u0@example.com\"}"}"#,
        r#"{"eventId":"m-1","id":"m-1"}"#,
        r#"{"note":"says \"m-1\""}"#,
    ]
    .iter()
    .chain(crate::inspect::ID_BODIES)
    .map(|b| b.to_string())
    .collect();
    for part in crate::backend::DEMO_PARTS {
        let text = crate::backend::demo_capture(part).unwrap();
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let (event, body) = crate::capture::decode_line(line, 1, "demo").unwrap();
            if body.as_json().is_some_and(Value::is_object) {
                bodies.push(String::from_utf8(event.raw).unwrap());
            }
        }
    }
    let head = r#"{"evscope_capture":1,"id":"m-1","source":"file:x","receive_count":1,"attributes":{},"body_encoding":"json","meta":{"expired":false},"body":"#;
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for body in &bodies {
        lines.push(format!("{head}{body}}}").into_bytes());
        lines.push(
            format!("{head}{body},\"published_at\":\"2026-11-20T08:00:00.127Z\"}}").into_bytes(),
        );
    }
    let bases = lines.clone();
    let inserts: [&[u8]; 6] = [b" ", b"\\", b"\"", b",", b"}", b"1"];
    for base in [&bases[0], &bases[1], &bases[21], &bases[22]] {
        lines.extend(crate::model::lex::inserted_and_cut(base, &inserts));
    }
    let scanner = Scanner::new(Inspector::with_defaults(), None, Utc::now())
        .needs(crate::inspect::Needs::EVENT_ID)
        .body_for_needs_only();
    let mut viewed = 0;
    for line in lines {
        let file = std::sync::Arc::new(CaptureFile::from_bytes(line, "file:x"));
        let record = Record::Line { file, index: 0 };
        let Some((view, id)) = scanner.view(&record) else {
            continue;
        };
        viewed += 1;
        for spec in [DiffSpec::default(), sent_at_ignored()] {
            let document = || scanner.scan(&record).unwrap().unwrap();
            let at = record.line_at();
            assert_eq!(
                spec.summary_of_view(&view, id.clone(), at, true),
                Some(spec.summary_read_again(document())),
                "{}",
                view.body
            );
            assert_eq!(
                spec.summary_of_view(&view, id.clone(), at, false),
                Some(spec.summary(document())),
                "{}",
                view.body
            );
        }
    }
    assert!(viewed > bodies.len() * 2, "{viewed} lines viewed");
}

/// With `paths_only`, a report names the same keys and paths, without
/// the bodies, kept or read again.
#[test]
fn a_report_of_paths_only_keeps_no_body() {
    let (a, b) = old_and_new();
    let full = diff(DiffSpec::default(), &a, &b);
    let only = DiffSpec {
        paths_only: true,
        ..DiffSpec::default()
    };
    let report = diff(only.clone(), &a, &b);
    assert!(full.different.len() > 1);
    assert_eq!(report.different.len(), full.different.len());
    for (only, full) in report.different.iter().zip(&full.different) {
        assert_eq!((&only.key, &only.paths), (&full.key, &full.paths));
        assert_eq!((&only.a, &only.b), (&Value::Null, &Value::Null));
        assert_ne!(full.a, Value::Null);
    }
    let text = as_lines(&a).0;
    let from_text = |at: &LineAt| line_of(&text, at);
    let read = diff_reading_a_again(only, &a, &b, &from_text).unwrap();
    assert_eq!(read, report);
}

/// Read again as they come (after every event of B, or every other),
/// among differences found at once (A's bodies kept for every other event
/// of A), the pairs are named in B's order all the same.
#[test]
fn pairs_read_again_as_they_come_keep_b_order() {
    let (a, b) = old_and_new();
    let (text, lines) = as_lines(&a);
    let from_text = |at: &LineAt| line_of(&text, at);
    let spec = DiffSpec::default();
    let kept = diff(spec.clone(), &a, &b);
    assert!(kept.different.len() > 2, "{kept:?}");
    for every in [1, 2] {
        let mut differ = Differ::new(spec.clone());
        for (i, (document, at)) in a.iter().zip(lines.iter().copied()).enumerate() {
            match i % 2 {
                0 => differ.add_a(document),
                _ => differ
                    .add_a_summary(spec.summary_read_again(document.clone().read_at(Some(at)))),
            }
        }
        for document in &b {
            differ.add_b(document);
            if differ.waiting() >= every {
                differ.read_again(from_text).unwrap();
            }
        }
        differ.read_again(from_text).unwrap();
        assert_eq!(differ.finish(), kept, "every {every}");
    }
}

/// The paths named from two bodies' top-level members are the paths named
/// from their values, with and without ignored paths, for pairs of bodies
/// of every kind of difference (numbers spelt apart, escapes, members
/// added, removed, reordered, nested) and their one-byte neighbours.
#[test]
fn paths_from_members_are_the_paths_of_the_values() {
    let bodies = [
        r#"{"eventId":"e1","amount":10,"sentAt":"x","items":[{"q":1},{"q":2}]}"#,
        r#"{"eventId":"e1","amount":10.0,"sentAt":"y","items":[{"q":1}],"bus":"sqs"}"#,
        r#"{"amount":1e1,"eventId":"\u0065\u0031","items":[{"q":1},{"q":3}]}"#,
        r#"{"eventId":"e1","eventId":"e2"}"#,
        r#"{"a":{"b":{"c":[1,2,{"d":null}]}},"x y":1}"#,
        r#"{"a":{"b":{"c":[1,2,{"d":false}]}},"x y":"1"}"#,
        "{}",
    ];
    let specs = [
        DiffSpec::default(),
        sent_at_ignored(),
        DiffSpec {
            ignore: vec![
                Ignore::parse("$.body.items[*].q").unwrap(),
                Ignore::parse("$.body.a.b").unwrap(),
            ],
            ..DiffSpec::default()
        },
        DiffSpec {
            ignore: vec![Ignore::parse("$.body").unwrap()],
            ..DiffSpec::default()
        },
    ];
    let mut told = 0;
    for a in bodies {
        for base in bodies {
            let neighbours = crate::model::lex::one_byte_changes(base, b"\"{}:,1n ");
            for b in neighbours.chain([base.to_string()]) {
                let (Some(a_members), Some(b_members)) = (
                    crate::model::lex::object_members(a),
                    crate::model::lex::object_members(&b),
                ) else {
                    continue;
                };
                let (x, y): (Value, Value) = (
                    serde_json::from_str(a).unwrap(),
                    serde_json::from_str(&b).unwrap(),
                );
                for spec in &specs {
                    let Some(paths) = spec.paths_by_members((a, &a_members), (&b, &b_members))
                    else {
                        continue;
                    };
                    told += 1;
                    let mut expected = Vec::new();
                    differing_paths(&x, &y, &mut Vec::new(), &spec.ignore, &mut expected);
                    assert_eq!(paths, expected, "{a} / {b}");
                }
            }
        }
    }
    assert!(told > 1000, "{told} told by the members");
}
