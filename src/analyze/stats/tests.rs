use chrono::{DateTime, Utc};

use super::*;
use crate::inspect::Inspector;
use crate::model::Event;

fn document(published: &str, body: &str) -> Document {
    let mut event = Event::new("m", "file:a.jsonl", body.as_bytes().to_vec());
    event.published_at = Some(published.parse::<DateTime<Utc>>().unwrap());
    let body = event.body();
    let now = "2030-01-01T00:00:00Z".parse().unwrap();
    let inspection = Inspector::with_defaults().inspect(&event, &body, now, true);
    Document::new(event, body, inspection)
}

fn spec(rows: &str, cols: Option<&str>, value: &str) -> Spec {
    Spec {
        rows: Key::parse(rows).unwrap(),
        cols: cols.map(|c| Key::parse(c).unwrap()),
        measure: Measure::parse(value).unwrap(),
        tz: Tz::UTC,
        top: None,
    }
}

fn pivot(spec: Spec, docs: &[Document]) -> Pivot {
    let mut stats = Stats::new(spec);
    for doc in docs {
        stats.add(doc);
    }
    stats.finish()
}

fn reservations() -> Vec<Document> {
    [
        ("2026-03-01T23:59:00Z", "CONFIRMED", 10),
        ("2026-03-02T00:00:00Z", "CONFIRMED", 20),
        ("2026-03-02T10:00:00Z", "CANCELLED", 5),
        ("2026-03-02T11:00:00Z", "PENDING", 1),
        ("2026-03-01T08:00:00Z", "CONFIRMED", 30),
    ]
    .iter()
    .map(|(t, status, amount)| {
        document(
            t,
            &format!(r#"{{"status":"{status}","amount":{amount},"eventName":"Reserved"}}"#),
        )
    })
    .collect()
}

#[test]
fn days_against_status_counts_with_totals_and_zeros() {
    let p = pivot(spec("day", Some("$.body.status"), "count"), &reservations());
    assert_eq!(p.rows, ["2026-03-01", "2026-03-02"]);
    assert_eq!(p.cols, ["CANCELLED", "CONFIRMED", "PENDING"]);
    assert_eq!(
        p.values,
        [
            vec![Some(0.0), Some(2.0), Some(0.0)],
            vec![Some(1.0), Some(1.0), Some(1.0)]
        ]
    );
    assert_eq!(p.row_totals, [Some(2.0), Some(3.0)]);
    assert_eq!(p.col_totals, [Some(1.0), Some(3.0), Some(1.0)]);
    assert_eq!(p.total, Some(5.0));
}

#[test]
fn buckets_follow_the_time_zone_across_midnight() {
    let mut s = spec("day", None, "count");
    s.tz = parse_tz("Europe/Madrid").unwrap();
    let p = pivot(s, &reservations());
    // 23:59 UTC on 1 March is 00:59 on 2 March in Madrid (UTC+1).
    assert_eq!(p.rows, ["2026-03-01", "2026-03-02"]);
    assert_eq!(p.row_totals, [Some(1.0), Some(4.0)]);
    let mut s = spec("day", None, "count");
    s.tz = parse_tz("America/New_York").unwrap();
    let p = pivot(s, &reservations());
    // 00:00 UTC on 2 March is 19:00 on 1 March in New York.
    assert_eq!(p.rows, ["2026-03-01", "2026-03-02"]);
    assert_eq!(p.row_totals, [Some(3.0), Some(2.0)]);
}

#[test]
fn hours_keep_both_halves_of_a_dst_fall_back_apart() {
    let madrid = parse_tz("Europe/Madrid").unwrap();
    // 2026-10-25: 03:00 CEST goes back to 02:00 CET. 00:30 and 01:30 UTC
    // are both 02:30 local, an hour apart.
    let a = "2026-10-25T00:30:00Z".parse().unwrap();
    let b = "2026-10-25T01:30:00Z".parse().unwrap();
    let (a, b) = (
        bucket_start(a, TimeUnit::Hour, madrid),
        bucket_start(b, TimeUnit::Hour, madrid),
    );
    assert_ne!(a, b);
    let key = Key::Time(TimeUnit::Hour);
    assert_eq!(
        key.show(&Label::Time(a.timestamp()), madrid),
        "2026-10-25 02:00+02:00"
    );
    assert_eq!(
        key.show(&Label::Time(b.timestamp()), madrid),
        "2026-10-25 02:00+01:00"
    );
    // Half-hour zones cut hours at :30 UTC.
    let kolkata = parse_tz("Asia/Kolkata").unwrap();
    let t = "2026-01-01T10:20:00Z".parse().unwrap();
    assert_eq!(
        bucket_start(t, TimeUnit::Hour, kolkata).to_rfc3339(),
        "2026-01-01T09:30:00+00:00"
    );
    // Weeks start on Monday at local midnight.
    let t = "2026-03-01T12:00:00Z".parse().unwrap(); // a Sunday
    assert_eq!(
        bucket_start(t, TimeUnit::Week, madrid).to_rfc3339(),
        "2026-02-22T23:00:00+00:00"
    );
    assert_eq!(
        bucket_start(t, TimeUnit::Minute, Tz::UTC).to_rfc3339(),
        "2026-03-01T12:00:00+00:00"
    );
}

#[test]
fn values_sum_avg_percentiles_and_max() {
    let docs = reservations();
    let value = |v: &str| pivot(spec("$.body.status", None, v), &docs);
    // CANCELLED 5; CONFIRMED 10, 20, 30; PENDING 1.
    let p = value("sum:$.body.amount");
    assert_eq!(p.row_totals, [Some(5.0), Some(60.0), Some(1.0)]);
    assert_eq!(p.total, Some(66.0));
    assert_eq!(value("avg:$.body.amount").row_totals[1], Some(20.0));
    assert_eq!(value("p50:$.body.amount").row_totals[1], Some(20.0));
    assert_eq!(value("p95:$.body.amount").row_totals[1], Some(30.0));
    assert_eq!(value("max:$.body.amount").total, Some(30.0));
    // Nothing to average is no value, not 0.
    assert_eq!(value("avg:$.body.missing").total, None);
    assert_eq!(value("sum:$.body.missing").total, Some(0.0));
}

#[test]
fn top_keeps_the_largest_columns_and_folds_the_rest_into_other() {
    let mut s = spec("day", Some("$.body.status"), "count");
    s.top = Some(1);
    let p = pivot(s, &reservations());
    assert_eq!(p.cols, ["CONFIRMED", OTHER_LABEL]);
    assert_eq!(
        p.values,
        [vec![Some(2.0), Some(0.0)], vec![Some(1.0), Some(2.0)]]
    );
    assert_eq!(p.col_totals, [Some(3.0), Some(2.0)]);
}

#[test]
fn facet_keys_and_missing_values() {
    let docs = vec![
        document(
            "2026-03-01T00:00:00Z",
            r#"{"eventName":"A","eventVersion":"2"}"#,
        ),
        document("2026-03-01T00:00:00Z", "not json"),
    ];
    let p = pivot(spec("type", Some("version"), "count"), &docs);
    assert_eq!(p.rows, ["A", NONE_LABEL]);
    let p = pivot(spec("problem", None, "count"), &docs[1..]);
    assert!(
        p.rows[0].split('+').any(|k| k == "invalid_json"),
        "{:?}",
        p.rows
    );
    let ok = document(
        "2026-03-01T00:00:00Z",
        r#"{"eventId":"1","eventName":"A","creationDate":"2026-03-01T00:00:00Z"}"#,
    );
    let p = pivot(spec("problem", None, "count"), &[ok]);
    assert_eq!(p.rows, [NONE_LABEL]);
    let p = pivot(spec("source", None, "count"), &docs);
    assert_eq!(p.rows, ["file:a.jsonl"]);
}

#[test]
fn bad_keys_values_and_zones_say_what_to_give() {
    let err = Key::parse("colour").unwrap_err().to_string();
    assert!(
        err.contains("unknown key `colour`") && err.contains("$.body.status"),
        "{err}"
    );
    let err = Measure::parse("median:$.x").unwrap_err().to_string();
    assert!(
        err.contains("bad value") && err.contains("p50:PATH"),
        "{err}"
    );
    assert!(Measure::parse("sum:amount").is_err());
    let err = parse_tz("Mars/Olympus").unwrap_err().to_string();
    assert!(err.contains("Europe/Madrid"), "{err}");
}

#[test]
fn csv_json_and_markdown_shapes() {
    let p = pivot(spec("day", Some("$.body.status"), "count"), &reservations());
    let csv = render(&p, Format::Csv);
    assert_eq!(
        csv,
        [
            "day,CANCELLED,CONFIRMED,PENDING,total",
            "2026-03-01,0,2,0,2",
            "2026-03-02,1,1,1,3",
            "total,1,3,1,5"
        ]
    );
    let json: Value = serde_json::from_str(&render(&p, Format::Json)[0]).unwrap();
    assert_eq!(json["rows"], "day");
    assert_eq!(json["cols"], "$.body.status");
    assert_eq!(json["value"], "count");
    assert_eq!(json["cells"].as_array().unwrap().len(), 6);
    assert_eq!(
        json["cells"][1],
        json!({"row": "2026-03-01", "col": "CONFIRMED", "value": 2})
    );
    assert_eq!(json["total"], 5);
    let md = render(&p, Format::Markdown);
    assert_eq!(md[0], "| day | CANCELLED | CONFIRMED | PENDING | total |");
    assert_eq!(md[1], "| --- | ---: | ---: | ---: | ---: |");
    assert_eq!(md.last().unwrap(), "| **total** | 1 | 3 | 1 | 5 |");
}

#[test]
fn table_labels_are_escaped_and_time_rows_get_bars() {
    let docs = vec![
        document("2026-03-01T00:00:00Z", r#"{"s":"a\u001b[31mred,\"x\""}"#),
        document("2026-03-01T00:01:00Z", r#"{"s":"b"}"#),
        document("2026-03-01T00:01:30Z", r#"{"s":"b"}"#),
    ];
    let p = pivot(spec("$.body.s", None, "count"), &docs);
    let text = render(&p, Format::Table).join("\n");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("\\x1b[31m"), "{text}");
    let csv = render(&p, Format::Csv);
    assert_eq!(csv[1], "\"a\\x1b[31mred,\"\"x\"\"\",1");
    let p = pivot(spec("minute", None, "count"), &docs);
    let lines = render(&p, Format::Table);
    assert_eq!(lines[0], "minute            count");
    assert!(lines[1].ends_with(&"█".repeat(10)), "{lines:?}");
    assert!(lines[2].ends_with(&"█".repeat(20)), "{lines:?}");
    assert_eq!(lines[3], "total                 3");
}

#[test]
fn sql_for_each_dialect() {
    let mut s = spec("day", Some("$.body.status"), "sum:$.body.amount");
    s.tz = parse_tz("Europe/Madrid").unwrap();
    assert_eq!(
        sql(&s, Dialect::DuckDb, "'x.parquet'").unwrap(),
        "SELECT date_trunc('day', timezone('Europe/Madrid', coalesce(created_at, published_at))) AS row_key,\n       json_extract_string(body, '$.status') AS col_key,\n       sum(TRY_CAST(json_extract_string(body, '$.amount') AS DOUBLE)) AS value\nFROM 'x.parquet'\nGROUP BY 1, 2\nORDER BY 1, 2;"
    );
    let athena = sql(&s, Dialect::Athena, "events").unwrap();
    assert!(
        athena.contains("json_extract_scalar(body, '$.status')"),
        "{athena}"
    );
    let spark = sql(
        &spec("problem", None, "p95:$.attributes.size"),
        Dialect::Spark,
        "events",
    )
    .unwrap();
    assert!(
        spark.contains(
            "percentile_approx(CAST(get_json_object(attributes, '$.size') AS DOUBLE), 0.95)"
        ),
        "{spark}"
    );
    let err = sql(&spec("$.system.x", None, "count"), Dialect::DuckDb, "t").unwrap_err();
    assert!(err.contains("not in the Parquet columns"), "{err}");
}

/// A CloudEvents-style event of flow `flow` (none: no correlation id).
fn flow_event(
    flow: Option<&str>,
    id: &str,
    cause: Option<&str>,
    kind: &str,
    time: &str,
) -> Document {
    let mut body = serde_json::json!({
        "specversion": "1.0", "source": "/payments", "id": id, "type": kind, "time": time,
    });
    if let Some(flow) = flow {
        body["correlationid"] = flow.into();
    }
    if let Some(cause) = cause {
        body["causationid"] = cause.into();
    }
    document(time, &body.to_string())
}

#[test]
fn flow_state_labels_each_event_by_its_flow_across_sources() {
    let queue = "file:payments.jsonl";
    let dlq = "file:payments.dlq.jsonl";
    let events = [
        // p1: complete (AuthSucceeded never causes anything).
        (
            queue,
            flow_event(
                Some("p1"),
                "a1",
                None,
                "PaymentCreated",
                "2026-01-01T10:00:00Z",
            ),
        ),
        (
            queue,
            flow_event(
                Some("p1"),
                "a2",
                Some("a1"),
                "AuthSucceeded",
                "2026-01-01T10:00:01Z",
            ),
        ),
        // p2: failed, its second event sits in the DLQ (read from another source).
        (
            queue,
            flow_event(
                Some("p2"),
                "b1",
                None,
                "PaymentCreated",
                "2026-01-01T10:01:00Z",
            ),
        ),
        (
            dlq,
            flow_event(
                Some("p2"),
                "b2",
                Some("b1"),
                "AuthSucceeded",
                "2026-01-01T10:01:01Z",
            ),
        ),
        // p3: stuck, a PaymentCreated (which causes others) long before `now`.
        (
            queue,
            flow_event(
                Some("p3"),
                "c1",
                None,
                "PaymentCreated",
                "2026-01-01T10:02:00Z",
            ),
        ),
        // p4: open, a PaymentCreated a minute before `now`.
        (
            queue,
            flow_event(
                Some("p4"),
                "d1",
                None,
                "PaymentCreated",
                "2026-01-02T11:59:00Z",
            ),
        ),
        // In no flow.
        (
            queue,
            flow_event(None, "e1", None, "PaymentCreated", "2026-01-01T10:03:00Z"),
        ),
    ];
    let mut stats = Stats::new(spec("flow-state", Some("type"), "count"));
    stats.judge_flows(crate::analyze::flows::Settings::at(
        "2026-01-02T12:00:00Z".parse().unwrap(),
    ));
    for (source, doc) in &events {
        stats.add_from(source, *source == dlq, doc);
    }
    let p = stats.finish();
    assert_eq!(p.rows_key, "flow-state");
    assert_eq!(p.rows, ["complete", "failed", "open", "stuck", "(none)"]);
    assert_eq!(p.cols, ["AuthSucceeded", "PaymentCreated"]);
    let counts = |values: &[Option<f64>]| values.iter().map(|v| v.unwrap()).collect::<Vec<_>>();
    assert_eq!(counts(&p.row_totals), [2.0, 2.0, 1.0, 1.0, 1.0]);
    // The failed flow's events count as failed in both sources.
    assert_eq!(counts(&p.values[1]), [1.0, 1.0]);
    assert_eq!(p.total, Some(7.0));
    // As columns too, and judged later the open flow is stuck.
    let mut stats = Stats::new(spec("type", Some("flow-state"), "count"));
    stats.judge_flows(crate::analyze::flows::Settings::at(
        "2026-01-03T12:00:00Z".parse().unwrap(),
    ));
    for (source, doc) in &events {
        stats.add_from(source, *source == dlq, doc);
    }
    let p = stats.finish();
    assert_eq!(p.cols, ["complete", "failed", "stuck", "(none)"]);
    assert_eq!(counts(&p.col_totals), [2.0, 2.0, 2.0, 1.0]);
}

#[test]
fn flow_state_has_no_sql_and_parses_both_spellings() {
    assert!(Key::parse("flow_state").unwrap().is_flow_state());
    let error = sql(&spec("flow-state", None, "count"), Dialect::DuckDb, "t").unwrap_err();
    assert!(error.contains("flow-state"), "{error}");
    let error = Key::parse("flow").unwrap_err().to_string();
    assert!(error.contains("flow-state"), "{error}");
}

#[test]
fn a_pivot_needs_only_what_its_keys_and_value_read() {
    use crate::inspect::Needs;
    let needs = spec("day", Some("type"), "count").needs();
    assert_eq!(needs, Needs::DATES.with(Needs::TYPE));
    // Paths read values as shown: secrets masked.
    let needs = spec("day", Some("$.meta.type"), "sum:$.body.amount").needs();
    assert_eq!(needs, Needs::DATES.with(Needs::TYPE).with(Needs::SECRETS));
    assert_eq!(spec("source", None, "count").needs(), Needs::NONE);
    assert!(
        spec("flow-state", None, "count")
            .needs()
            .has(Needs::CORRELATION)
    );
    assert_eq!(
        spec("$.meta", None, "count").needs(),
        Needs::FACETS.with(Needs::SECRETS)
    );
}

/// The flow state judged from an inspection narrowed to what it reads,
/// bodies built only as far as that goes (as `evscope stats` reads them),
/// is the state a full inspection of whole bodies gives: every event of
/// the demo.
#[test]
fn the_flow_state_reads_no_more_than_it_needs() {
    let inspector = Inspector::with_defaults();
    let spec = spec("flow-state", None, "count");
    assert!(!spec.reads_body());
    let members = inspector.body_members(spec.needs());
    let now: DateTime<Utc> = "2026-11-30T00:00:00Z".parse().unwrap();
    let settings = crate::analyze::flows::Settings::at(now);
    let (mut narrow, mut full) = (Stats::new(spec.clone()), Stats::new(spec.clone()));
    narrow.judge_flows(settings.clone());
    full.judge_flows(settings);
    for name in [
        "payments.jsonl",
        "payments.dlq.jsonl",
        "notifications.jsonl",
    ] {
        let source = format!("file:{name}");
        let dlq = name.contains("dlq");
        let text = std::fs::read(format!("{}/demo/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let (event, body) = crate::capture::decode_line(line, 1, &source).unwrap();
            let (projected, raw_members) = crate::model::Body::decode_lexed(&event.raw, &members);
            let inspection = inspector.inspect_members(
                &event,
                &projected,
                raw_members.as_deref(),
                now,
                true,
                spec.needs(),
            );
            narrow.add_from(
                &source,
                dlq,
                &Document::new(event.clone(), projected, inspection),
            );
            let inspection = inspector.inspect(&event, &body, now, true);
            full.add_from(&source, dlq, &Document::new(event, body, inspection));
        }
    }
    let (narrow, full) = (narrow.finish(), full.finish());
    assert!(full.rows.len() > 2, "{:?}", full.rows);
    assert_eq!(narrow, full);
}
