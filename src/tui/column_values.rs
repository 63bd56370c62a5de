//! The values of the custom columns, read from each decoded event in the
//! background, in row order, one worker at a time (so the slices of one
//! set of columns reach the UI in order).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use tokio::sync::mpsc;

use super::columns::{Cell, CustomColumn};
use super::decode::Decoder;
use super::jobs::Msg;
use super::store::Chunk;

/// Rows per message.
const SLICE: usize = 2048;

/// Read the custom columns' values of some rows.
pub struct ColumnJob {
    /// The columns' generation; older ones are abandoned.
    pub generation: u64,
    /// Every custom column, in order.
    pub columns: Arc<Vec<CustomColumn>>,
    /// The rows, in order.
    pub chunks: Vec<Chunk>,
}

/// Run column jobs one after another until the channel closes.
pub async fn worker(
    mut jobs: mpsc::UnboundedReceiver<ColumnJob>,
    decoder: Arc<dyn Decoder>,
    generation: Arc<AtomicU64>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    while let Some(job) = jobs.recv().await {
        if job.generation < generation.load(Ordering::SeqCst) {
            continue;
        }
        let decoder = decoder.clone();
        let current = generation.clone();
        let tx = tx.clone();
        let work = tokio::task::spawn_blocking(move || run(job, &*decoder, &current, &tx));
        if work.await.is_err() {
            return;
        }
    }
}

/// Read the values of one job's rows, sending them as they are read (a
/// newer generation stops it between two slices).
pub fn run(
    job: ColumnJob,
    decoder: &dyn Decoder,
    current: &AtomicU64,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let now = Utc::now();
    let stale = || job.generation < current.load(Ordering::SeqCst);
    for chunk in &job.chunks {
        for (n, slice) in chunk.records.chunks(SLICE).enumerate() {
            let Some(rows) = crate::scan::par_until(slice, &stale, |record| {
                let document = decoder.document(record, now).ok();
                job.columns
                    .iter()
                    .map(|column| document.as_ref().and_then(|d| column.cell(d)))
                    .collect::<Vec<Option<Cell>>>()
            }) else {
                return;
            };
            // Per column, its values in these rows.
            let mut values: Vec<Vec<Option<Cell>>> =
                vec![Vec::with_capacity(rows.len()); job.columns.len()];
            for row in rows {
                for (column, cell) in values.iter_mut().zip(row) {
                    column.push(cell);
                }
            }
            let msg = Msg::ColumnValues {
                generation: job.generation,
                start: chunk.start + n * SLICE,
                values,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    }
}
