//! The aggregation of `stats` and `diff` alone, on documents already read
//! and inspected (reading and inspecting is the `peek` pipeline, measured by
//! `benches/stats_diff.sh` end to end). Per event; multiply by 1,000,000 for
//! the issue's target. Run with `cargo bench --bench analyze`.

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use evscope::analyze::diff::{DiffSpec, Differ, Ignore};
use evscope::analyze::stats::{Key, Measure, Spec, Stats};
use evscope::capture::Document;
use evscope::inspect::Inspector;
use evscope::model::Event;

const N: usize = 100_000;
const STATUSES: [&str; 4] = ["CONFIRMED", "PENDING", "CANCELLED", "EXPIRED"];

fn documents(side: &str) -> Vec<Document> {
    let inspector = Inspector::with_defaults();
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let now = Utc::now();
    (0..N)
        .map(|i| {
            let body = format!(
                r#"{{"eventId":"e{i}","eventName":"Reservation{}","creationDate":"{}","status":"{}","amount":{},"bus":"{side}"}}"#,
                i % 5,
                (start + Duration::seconds(i as i64 * 7)).to_rfc3339(),
                STATUSES[i % 4],
                i % 1000
            );
            let mut event = Event::new(format!("{side}{i}"), "file:bench", body.into_bytes());
            event.published_at = Some(start + Duration::milliseconds(i as i64 * 7000 + 120));
            let body = event.body();
            let inspection = inspector.inspect(&event, &body, now, true);
            Document::new(event, body, inspection)
        })
        .collect()
}

fn bench_analyze(c: &mut Criterion) {
    let a = documents("a");
    let b = documents("b");
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N as u64));
    let pivots = [
        (
            "stats/day x $.body.status",
            "day",
            Some("$.body.status"),
            "count",
        ),
        ("stats/type x version", "type", Some("version"), "count"),
        (
            "stats/hour p95:$.body.amount",
            "hour",
            None,
            "p95:$.body.amount",
        ),
    ];
    for (name, rows, cols, value) in pivots {
        group.bench_function(name, |bench| {
            bench.iter(|| {
                let mut stats = Stats::new(Spec {
                    rows: Key::parse(rows).unwrap(),
                    cols: cols.map(|c| Key::parse(c).unwrap()),
                    measure: Measure::parse(value).unwrap(),
                    tz: chrono_tz::Tz::UTC,
                    top: None,
                });
                for doc in &a {
                    stats.add(doc);
                }
                black_box(stats.finish())
            })
        });
    }
    group.throughput(Throughput::Elements(2 * N as u64));
    group.bench_function("diff/a vs b, ignore $.body.bus", |bench| {
        bench.iter(|| {
            let mut differ = Differ::new(DiffSpec {
                key: None,
                ignore: vec![Ignore::parse("$.body.bus").unwrap()],
                paths_only: true,
            });
            a.iter().for_each(|d| differ.add_a(d));
            b.iter().for_each(|d| differ.add_b(d));
            black_box(differ.finish())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_analyze);
criterion_main!(benches);
