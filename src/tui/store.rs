//! Every loaded event, in arrival order: records in shared chunks (so a
//! background task can take a snapshot cheaply) and their row summaries,
//! which arrive later, in order.

use std::sync::Arc;

use super::summary::Summary;
use crate::backend::Record;

/// A batch of records from one source.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Index of the first record among all rows.
    pub start: usize,
    /// The source slot the records came from.
    pub slot: usize,
    /// The records.
    pub records: Arc<[Record]>,
}

/// All rows.
#[derive(Debug, Default)]
pub struct Store {
    chunks: Vec<Chunk>,
    len: usize,
    summaries: Vec<Summary>,
}

impl Store {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append a batch; returns the chunk.
    pub fn push(&mut self, slot: usize, records: Vec<Record>) -> Chunk {
        let chunk = Chunk {
            start: self.len,
            slot,
            records: records.into(),
        };
        self.len += chunk.records.len();
        self.chunks.push(chunk.clone());
        chunk
    }

    fn chunk_of(&self, row: usize) -> Option<&Chunk> {
        if row >= self.len {
            return None;
        }
        let at = self.chunks.partition_point(|c| c.start <= row);
        self.chunks.get(at.checked_sub(1)?)
    }

    /// The record of a row and its source slot.
    pub fn record(&self, row: usize) -> Option<(&Record, usize)> {
        let chunk = self.chunk_of(row)?;
        Some((&chunk.records[row - chunk.start], chunk.slot))
    }

    /// The source slot of a row.
    pub fn slot(&self, row: usize) -> Option<usize> {
        self.chunk_of(row).map(|c| c.slot)
    }

    /// Every chunk, for a background pass.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// The summary of a row, once computed.
    pub fn summary(&self, row: usize) -> Option<&Summary> {
        self.summaries.get(row)
    }

    /// How many rows have their summary.
    pub fn summarized(&self) -> usize {
        self.summaries.len()
    }

    /// Add summaries for rows `start..`; ignored unless they continue the
    /// ones already there.
    pub fn add_summaries(&mut self, start: usize, summaries: Vec<Summary>) -> bool {
        if start != self.summaries.len() {
            return false;
        }
        self.summaries.extend(summaries);
        true
    }
}
