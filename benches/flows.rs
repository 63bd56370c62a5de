//! Flows and the cascade graph over 1,000,000 events (250,000 payment
//! flows of four events, read out of order, one flow in 50 failing into
//! a DLQ). Run with `cargo bench --bench flows`.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use std::sync::Arc;

use evscope::analyze::flows::{Analysis, EventSummary, Linked, Settings};

const FLOWS: usize = 250_000;
const STEPS: [&str; 4] = [
    "PaymentCreated",
    "AuthCreated",
    "AuthPendingFraud",
    "AuthSucceeded",
];

/// One million summaries across a queue and its DLQ, in an order that
/// mixes flows and puts some children before their parents.
fn analysis() -> Analysis {
    let mut analysis = Analysis::new();
    let queue = analysis.source("sqs://payments", false);
    let dlq = analysis.source("sqs://payments-dlq", true);
    let start = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    // Step-major order: every flow's first step, then every second step
    // backwards... so arrival order is not flow order.
    for step in [1usize, 0, 3, 2] {
        for f in 0..FLOWS {
            let id = |s: usize| format!("evt-{f}-{s}");
            let source = if step == 3 && f % 50 == 0 { dlq } else { queue };
            let at =
                start + chrono::TimeDelta::milliseconds((f * 1000 + step * 250 + f % 7) as i64);
            analysis.push(
                source,
                EventSummary {
                    message_id: format!("m-{f}-{step}").into(),
                    event_id: Some(id(step).into()),
                    correlation_id: Some(format!("corr-{f}").into()),
                    causation_id: (step > 0).then(|| id(step - 1).into()),
                    event_type: Some(STEPS[step].into()),
                    time: Some(at),
                    expired: false,
                    malformed: f % 1000 == 0,
                },
            );
        }
    }
    analysis
}

fn bench_flows(c: &mut Criterion) {
    let analysis = Arc::new(analysis());
    assert_eq!(analysis.len(), 4 * FLOWS);
    let settings = Settings::at(Utc::now());
    let mut group = c.benchmark_group("flows");
    group.sample_size(10);
    group.bench_function("link+flows/1M", |b| {
        b.iter(|| black_box(Linked::new(analysis.clone()).flows(&settings).len()))
    });
    group.bench_function("link+graph/1M", |b| {
        b.iter(|| black_box(Linked::new(analysis.clone()).graph(&settings).edges.len()))
    });
    group.bench_function("link+states/1M", |b| {
        b.iter(|| black_box(Linked::new(analysis.clone()).states(&settings).len()))
    });
    group.finish();
}

criterion_group!(benches, bench_flows);
criterion_main!(benches);
