//! Filter costs: parsing an expression once, testing documents, and the
//! raw-line pre-check. Run with `cargo bench --bench filter -- --quick`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use evscope::filter::Filter;
use serde_json::{Value, json};

/// Synthetic events in memory; one in four is a `SEND_EMAIL`.
const N_DOCS: usize = 2_000;
const EVENT_NAMES: &[&str] = &["SEND_EMAIL", "SEND_SMS", "ORDER_CREATED", "ORDER_PAID"];

fn capture_doc(i: usize) -> Value {
    let name = EVENT_NAMES[i % EVENT_NAMES.len()];
    json!({
        "evscope_capture": 1,
        "id": format!("msg-{i}"),
        "source": "file:bench.jsonl",
        "key": if i % 3 == 0 { Value::Null } else { json!(format!("k{}", i % 7)) },
        "published_at": "2024-05-01T10:00:00Z",
        "receive_count": i % 5,
        "attributes": {"tenant": if i % 2 == 0 { "acme" } else { "globex" }},
        "system": {"SenderId": "AIDA0000"},
        "body": {
            "eventName": name,
            "customer": {"id": i, "email": format!("user{i}@example.com")},
            "items": [{"sku": "A1", "qty": i % 9}, {"sku": "B2", "qty": 1}],
        },
        "body_encoding": "json",
        "meta": {
            "type": name,
            "version": "1",
            "expires_at": null,
            "expired": i % 4 == 1,
            "location": null,
            "security": null,
            "correlation": {"correlation_id": null, "causation_id": null, "trace_id": null},
        },
        "problems": [],
    })
}

fn bench_filter(c: &mut Criterion) {
    let docs: Vec<Value> = (0..N_DOCS).map(capture_doc).collect();
    let lines: Vec<String> = docs.iter().map(Value::to_string).collect();
    let expressions = [
        (
            "and",
            "@.body.eventName == 'SEND_EMAIL' && @.meta.expired == true",
        ),
        ("nested", "@.body.items[?@.qty > 6] || @.receive_count > 3"),
        ("regex", "match(@.body.eventName, 'ORDER_.*')"),
    ];

    let mut group = c.benchmark_group("filter");
    for (label, expression) in expressions {
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("parse/{label}"), |b| {
            b.iter(|| Filter::parse(black_box(expression)).map(|f| f.is_match_all()))
        });

        let filter = Filter::parse(expression).expect("bench expressions are valid");
        group.throughput(Throughput::Elements(N_DOCS as u64));
        group.bench_function(format!("matches/{label}"), |b| {
            b.iter(|| docs.iter().filter(|d| filter.matches(black_box(d))).count())
        });
        group.bench_function(format!("might_match/{label}"), |b| {
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| filter.might_match(black_box(l.as_bytes())))
                    .count()
            })
        });
        // Scanning a capture file: pre-check, then parse and test survivors.
        group.bench_function(format!("scan_lines/{label}"), |b| {
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| filter.might_match(l.as_bytes()))
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .filter(|d| filter.matches(d))
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_filter);
criterion_main!(benches);
