//! Sorting the events table: 1,000,000 row summaries sorted by time, by
//! type and by id (the background task's whole work), and what asking for
//! a sort costs the UI thread (the snapshot of rows and summaries). Run
//! with `cargo bench --bench sort`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use evscope::tui::columns::ColumnId;
use evscope::tui::safe::Safe;
use evscope::tui::sort::{SortJob, SortKey, order};
use evscope::tui::store::Chunked;
use evscope::tui::summary::{Flags, Summary};

const ROWS: usize = 1_000_000;
/// Rows per summary message, as the background sends them.
const SLICE: usize = 2048;

/// A million summaries: times out of order, 40 types, one in 20 without
/// a time, ids unique.
fn summaries() -> Chunked<Summary> {
    let types: Vec<Arc<Safe>> = (0..40)
        .map(|n| Arc::new(Safe::masked(&format!("Type{n:02}"))))
        .collect();
    let all: Vec<Summary> = (0..ROWS)
        .map(|n| {
            let time = if n % 20 == 0 {
                i64::MIN
            } else {
                1_700_000_000_000 + ((n * 7919) % ROWS) as i64 * 1000
            };
            Summary {
                time_ms: time,
                event_time_ms: time,
                event_type: Some(types[n % 40].clone()),
                id: Safe::masked(&format!("{:08x}-{n}", (n * 2_654_435_761) % (1 << 32))),
                key: None,
                receive_count: Some((n % 5) as u32),
                at_max_receives: false,
                correlation: None,
                flags: Flags::default(),
                flow: None,
            }
        })
        .collect();
    let mut chunked = Chunked::default();
    let mut start = 0;
    let mut all = all.into_iter();
    loop {
        let part: Vec<Summary> = all.by_ref().take(SLICE).collect();
        if part.is_empty() {
            break;
        }
        let len = part.len();
        chunked.extend_at(start, part);
        start += len;
    }
    chunked
}

fn sorts(c: &mut Criterion) {
    let summaries = summaries();
    let job = |column, rows: Option<Arc<Vec<u32>>>| SortJob {
        generation: 1,
        key: SortKey {
            column,
            descending: true,
        },
        len: rows.as_ref().map_or(ROWS, |r| r.len()),
        rows,
        summaries: summaries.clone(),
        values: None,
    };
    let mut group = c.benchmark_group("sort_1m_rows");
    group.sample_size(10);
    for (name, column) in [
        ("time", ColumnId::Time),
        ("type", ColumnId::Type),
        ("id", ColumnId::Id),
        ("rcv", ColumnId::Receives),
    ] {
        let job = job(column, None);
        group.bench_function(name, |b| b.iter(|| black_box(order(&job))));
    }
    group.finish();
    // What the UI thread pays to ask: the shown rows (here every other
    // row, as after a filter) and the summaries, copied for the task.
    let shown: Vec<u32> = (0..ROWS as u32).step_by(2).collect();
    c.bench_function("sort_request_snapshot_1m", |b| {
        b.iter(|| black_box(job(ColumnId::Time, Some(Arc::new(shown.clone())))))
    });
}

criterion_group!(benches, sorts);
criterion_main!(benches);
