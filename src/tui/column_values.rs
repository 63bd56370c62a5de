//! The values of the custom columns, read from each decoded event in the
//! background, in row order (jobs run one after another, see
//! [`super::jobs::run_in_order`], so the slices reach the UI in order).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use tokio::sync::mpsc;

use super::columns::{Cell, CustomColumn};
use super::decode::Decoder;
use super::jobs::Msg;
use super::store::Chunk;

/// Read the custom columns' values of some rows.
pub struct ColumnJob {
    /// The columns' generation; older ones are abandoned.
    pub generation: u64,
    /// Every custom column, in order.
    pub columns: Arc<Vec<CustomColumn>>,
    /// The rows, in order.
    pub chunks: Vec<Chunk>,
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
    let cells = |record: &crate::backend::Record| {
        let document = decoder.document(record, now).ok();
        job.columns
            .iter()
            .map(|column| document.as_ref().and_then(|d| column.cell(d)))
            .collect::<Vec<Option<Cell>>>()
    };
    let message = |start, rows: Vec<Vec<Option<Cell>>>| {
        // Per column, its values in these rows.
        let mut values: Vec<Vec<Option<Cell>>> =
            vec![Vec::with_capacity(rows.len()); job.columns.len()];
        for row in rows {
            for (column, cell) in values.iter_mut().zip(row) {
                column.push(cell);
            }
        }
        Msg::ColumnValues {
            generation: job.generation,
            start,
            values,
        }
    };
    super::jobs::per_slice(&job.chunks, &stale, cells, message, tx);
}
