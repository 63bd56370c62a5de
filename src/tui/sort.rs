//! Sorting the events table by a column, off the UI thread: a stable sort
//! of the shown rows by the column's value, missing values last in either
//! direction.

use std::cmp::Ordering;
use std::sync::Arc;

use rayon::prelude::*;

use super::columns::{Cell, ColumnId};
use super::store::Chunked;
use super::summary::Summary;

/// What the table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// The column.
    pub column: ColumnId,
    /// Largest first.
    pub descending: bool,
}

/// The table's sort: the key, and the bookkeeping of the background sort.
#[derive(Debug, Clone, Default)]
pub struct SortState {
    /// What the table is sorted by; `None`: arrival order.
    pub key: Option<SortKey>,
    /// The last sort asked for (older answers are dropped).
    pub generation: u64,
    /// A sort is running.
    pub running: bool,
    /// Rows or values changed while it ran: sort again when it ends.
    pub again: bool,
}

/// A sort for the background: the rows to order and what to order them by.
pub struct SortJob {
    /// The request.
    pub generation: u64,
    /// By what.
    pub key: SortKey,
    /// The rows shown, ascending; `None`: rows `0..len`.
    pub rows: Option<Arc<Vec<u32>>>,
    /// How many rows (of `rows`, or in all) to sort.
    pub len: usize,
    /// The row summaries.
    pub summaries: Chunked<Summary>,
    /// The values of the custom column sorted by, if it is one.
    pub values: Option<Chunked<Option<Cell>>>,
}

/// A value to sort by.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value<'a> {
    Int(i64),
    Number(f64),
    Text(&'a str),
}

impl Value<'_> {
    fn cmp(&self, other: &Value<'_>) -> Ordering {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.total_cmp(b),
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            // Numbers before text in a column that holds both.
            (Value::Number(_) | Value::Int(_), Value::Text(_)) => Ordering::Less,
            (Value::Text(_), Value::Number(_) | Value::Int(_)) => Ordering::Greater,
            (Value::Int(a), Value::Number(b)) => (*a as f64).total_cmp(b),
            (Value::Number(a), Value::Int(b)) => a.total_cmp(&(*b as f64)),
        }
    }
}

fn value<'a>(
    key: &SortKey,
    summary: Option<&'a Summary>,
    cell: Option<&'a Option<Cell>>,
) -> Option<Value<'a>> {
    if let ColumnId::Custom(_) = key.column {
        let cell = cell?.as_ref()?;
        return Some(match cell.number {
            Some(n) => Value::Number(n),
            None => Value::Text(cell.text.as_str()),
        });
    }
    let summary = summary?;
    let known = |ms: i64| (ms != i64::MIN).then_some(Value::Int(ms));
    match key.column {
        ColumnId::Time => known(summary.event_time_ms),
        ColumnId::Flags => Some(Value::Int(i64::from(summary.flags.0))),
        ColumnId::Type => summary
            .event_type
            .as_deref()
            .map(|t| Value::Text(t.as_str())),
        ColumnId::Id => Some(Value::Text(summary.id.as_str())),
        ColumnId::Key => summary.key.as_ref().map(|k| Value::Text(k.as_str())),
        ColumnId::Receives => summary.receive_count.map(|n| Value::Int(i64::from(n))),
        ColumnId::Correlation => summary
            .correlation
            .as_ref()
            .map(|c| Value::Text(c.as_str())),
        ColumnId::Custom(_) => None,
    }
}

/// The rows of `job` in sorted order: stable (equal values keep arrival
/// order), missing values (and rows not inspected yet) last.
pub fn order(job: &SortJob) -> Vec<u32> {
    let rows: Vec<u32> = match &job.rows {
        Some(rows) => rows[..job.len.min(rows.len())].to_vec(),
        None => (0..job.len as u32).collect(),
    };
    let mut keyed: Vec<(Option<Value<'_>>, u32)> = rows
        .par_iter()
        .map(|&row| {
            let r = row as usize;
            let cell = job.values.as_ref().and_then(|v| v.get(r));
            (value(&job.key, job.summaries.get(r), cell), row)
        })
        .collect();
    let descending = job.key.descending;
    keyed.par_sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) if descending => b.cmp(a),
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    keyed.into_iter().map(|(_, row)| row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::safe::Safe;
    use crate::tui::summary::Flags;

    fn summary(id: &str, time: Option<i64>, receives: Option<u32>) -> Summary {
        Summary {
            time_ms: i64::MIN,
            event_time_ms: time.unwrap_or(i64::MIN),
            event_type: None,
            id: Safe::masked(id),
            key: None,
            receive_count: receives,
            at_max_receives: false,
            correlation: None,
            flags: Flags::default(),
            flow: None,
        }
    }

    fn job(key: SortKey, summaries: Vec<Summary>) -> SortJob {
        let mut chunked = Chunked::default();
        let len = summaries.len();
        chunked.extend_at(0, summaries);
        SortJob {
            generation: 1,
            key,
            rows: None,
            len,
            summaries: chunked,
            values: None,
        }
    }

    #[test]
    fn sorts_stably_with_missing_values_last_both_ways() {
        let rows = vec![
            summary("a", Some(30), Some(2)),
            summary("b", None, None),
            summary("c", Some(10), Some(2)),
            summary("d", Some(30), Some(1)),
        ];
        let by = |column, descending| SortKey { column, descending };
        let asc = order(&job(by(ColumnId::Time, false), rows.clone()));
        assert_eq!(asc, vec![2, 0, 3, 1]);
        let desc = order(&job(by(ColumnId::Time, true), rows.clone()));
        assert_eq!(desc, vec![0, 3, 2, 1]);
        let receives = order(&job(by(ColumnId::Receives, false), rows.clone()));
        assert_eq!(receives, vec![3, 0, 2, 1]);
        let ids = order(&job(by(ColumnId::Id, true), rows));
        assert_eq!(ids, vec![3, 2, 1, 0]);
    }

    #[test]
    fn custom_values_sort_numbers_as_numbers_then_text() {
        let rows: Vec<Summary> = (0..4)
            .map(|n| summary(&n.to_string(), None, None))
            .collect();
        let cell = |text: &str| {
            Some(Cell {
                text: Safe::masked(text),
                number: text.parse().ok(),
            })
        };
        let mut values = Chunked::default();
        values.extend_at(0, vec![cell("10"), cell("9"), None, cell("abc")]);
        let mut job = job(
            SortKey {
                column: ColumnId::Custom(0),
                descending: false,
            },
            rows,
        );
        job.values = Some(values);
        assert_eq!(order(&job), vec![1, 0, 3, 2]);
        job.rows = Some(Arc::new(vec![0, 3]));
        job.len = 2;
        assert_eq!(order(&job), vec![0, 3]);
    }
}
