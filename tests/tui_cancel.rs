//! Background work of the terminal UI stops when it is no longer wanted:
//! a filter scan ends between two events when evscope quits (the jobs are
//! dropped) or a newer filter replaces it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use evscope::backend::{OpenOptions, Record};
use evscope::capture::{CaptureFile, Document, LineError};
use evscope::filter::Filter;
use evscope::tui::decode::{Decoder, InspectorDecoder};
use evscope::tui::jobs::{Effect, Jobs, Msg};
use evscope::tui::store::Chunk;

/// A decoder that takes its time and counts the events it decoded.
struct Slow {
    inner: InspectorDecoder,
    decoded: Arc<AtomicUsize>,
}

impl Decoder for Slow {
    fn document(&self, record: &Record, now: DateTime<Utc>) -> Result<Document, LineError> {
        std::thread::sleep(std::time::Duration::from_millis(2));
        self.decoded.fetch_add(1, Ordering::SeqCst);
        self.inner.document(record, now)
    }
}

fn records(n: usize) -> Arc<[Record]> {
    let text: String = (0..n)
        .map(|i| format!("{{\"id\":\"{i}\",\"body\":{{\"s\":\"x\"}}}}\n"))
        .collect();
    let file = Arc::new(CaptureFile::from_bytes(text.into_bytes(), "file:t"));
    (0..n)
        .map(|index| Record::Line {
            file: file.clone(),
            index,
        })
        .collect()
}

async fn scan_then(stop: impl FnOnce(&mut Jobs)) -> (usize, usize) {
    let total = 20_000;
    let decoded = Arc::new(AtomicUsize::new(0));
    let options = OpenOptions::default();
    let decoder = Arc::new(Slow {
        inner: InspectorDecoder::new(options.inspector.clone()),
        decoded: decoded.clone(),
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut jobs = Jobs::new(options, decoder, tx);
    jobs.run(Effect::FilterRows {
        generation: 1,
        filter: Filter::parse("search(@.body.s, 'x')").unwrap(),
        chunks: vec![Chunk {
            start: 0,
            slot: 0,
            records: records(total),
        }],
    });
    // Let the scan get going.
    while decoded.load(Ordering::SeqCst) < 10 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop(&mut jobs);
    let at_stop = decoded.load(Ordering::SeqCst);
    // Generous: far longer than one event takes.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = decoded.load(Ordering::SeqCst);
    drop(jobs);
    while rx.try_recv().is_ok() {}
    (after - at_stop, total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_stops_a_filter_scan_between_two_events() {
    let (more, total) = scan_then(|jobs| {
        // What quitting does: the jobs go away.
        let _ = std::mem::replace(
            jobs,
            Jobs::new(
                OpenOptions::default(),
                Arc::new(InspectorDecoder::new(OpenOptions::default().inspector)),
                tokio::sync::mpsc::unbounded_channel().0,
            ),
        );
    })
    .await;
    // Each core finishes the event in hand (a 2048-event slice used to
    // run to its end first).
    assert!(more < 50, "{more} of {total} events decoded after quitting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_filter_stops_the_older_scan_between_two_events() {
    let (more, total) = scan_then(|jobs| {
        jobs.run(Effect::FilterRows {
            generation: 2,
            filter: Filter::parse("@.body.s == 'y'").unwrap(),
            chunks: Vec::new(),
        });
    })
    .await;
    assert!(
        more < 50,
        "{more} of {total} events decoded after a new filter"
    );
}
