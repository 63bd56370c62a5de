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

/// Values per row, appended in order in shared slices, so a background
/// task (a sort) can take a snapshot of a million of them by cloning a few
/// hundred `Arc`s.
#[derive(Debug, Clone)]
pub struct Chunked<T> {
    parts: Vec<(usize, Arc<[T]>)>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            parts: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of row `row`.
    pub fn get(&self, row: usize) -> Option<&T> {
        if row >= self.len {
            return None;
        }
        let at = self.parts.partition_point(|(start, _)| *start <= row) - 1;
        let (start, items) = &self.parts[at];
        items.get(row - start)
    }

    /// Append values for rows `start..`; ignored (false) unless they
    /// continue the ones already there.
    pub fn extend_at(&mut self, start: usize, values: Vec<T>) -> bool {
        if start != self.len {
            return false;
        }
        if !values.is_empty() {
            self.len += values.len();
            self.parts.push((start, values.into()));
        }
        true
    }
}

/// All rows.
#[derive(Debug, Default)]
pub struct Store {
    chunks: Vec<Chunk>,
    len: usize,
    summaries: Chunked<Summary>,
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

    /// Every summary so far, for a background pass.
    pub fn summaries(&self) -> &Chunked<Summary> {
        &self.summaries
    }

    /// How many rows have their summary.
    pub fn summarized(&self) -> usize {
        self.summaries.len()
    }

    /// Add summaries for rows `start..`; ignored unless they continue the
    /// ones already there.
    pub fn add_summaries(&mut self, start: usize, summaries: Vec<Summary>) -> bool {
        self.summaries.extend_at(start, summaries)
    }
}
