//! The stats view (`:stats ROWS [COLS]`): the pivot of the events shown
//! (filter, preset and scope applied), computed off the UI thread; picking
//! a row or a cell sets the filter that shows its events.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::mpsc;

use super::decode::Decoder;
use super::flows::FlowsResult;
use super::jobs::Msg;
use super::store::Chunk;
use crate::analyze::stats::{Key, Label, Measure, Pivot, Spec, Stats, StatsError, TimeUnit};
use crate::filter::string_literal;

/// Rows decoded per step (a newer request stops the work between steps).
const STEP: usize = 4096;

/// What the stats view shows.
#[derive(Debug, Clone)]
pub struct StatsView {
    /// `type x version`, for the title.
    pub title: String,
    /// What is computed.
    pub spec: Spec,
    /// The request this view waits for or shows.
    pub generation: u64,
    /// The table, once computed.
    pub pivot: Option<Pivot>,
    /// Its cells as shown, once computed.
    pub cells: Option<Cells>,
    /// The row under the cursor (the total row is not selectable).
    pub row: usize,
    /// The column under the cursor: 0 the whole row, n the n-th column.
    pub col: usize,
}

impl StatsView {
    /// A view of `rows` (and `cols`) counting events, times in UTC.
    pub fn new(rows: &str, cols: Option<&str>, generation: u64) -> Result<StatsView, StatsError> {
        let spec = Spec {
            rows: Key::parse(rows)?,
            cols: cols.map(Key::parse).transpose()?,
            measure: Measure::parse("count")?,
            tz: Tz::UTC,
            top: None,
        };
        let title = match &spec.cols {
            Some(cols) => format!("{} × {}", spec.rows.name(), cols.name()),
            None => spec.rows.name(),
        };
        Ok(StatsView {
            title,
            spec,
            generation,
            pivot: None,
            cells: None,
            row: 0,
            col: 0,
        })
    }

    /// The filter expression of the row (and cell) under the cursor;
    /// `Err` says why there is none.
    pub fn selected_filter(&self) -> Result<String, String> {
        let pivot = self.pivot.as_ref().ok_or("still counting")?;
        let row = pivot.row_labels.get(self.row).ok_or("no rows")?;
        let mut expr = key_filter(&self.spec.rows, row)?;
        if let (Some(key), true) = (&self.spec.cols, self.col > 0) {
            let col = pivot
                .col_labels
                .get(self.col - 1)
                .ok_or("`other` folds several columns: pick a row or another cell")?;
            expr = format!("({expr}) && ({})", key_filter(key, col)?);
        }
        Ok(expr)
    }
}

/// The filter that keeps the events `key` labels `label`.
pub fn key_filter(key: &Key, label: &Label) -> Result<String, String> {
    let field = match key {
        Key::Time(unit) => return Ok(time_filter(*unit, label)),
        Key::Type => "@.meta.type".to_string(),
        Key::Version => "@.meta.version".into(),
        Key::Source => "@.source".into(),
        Key::Country => "@.meta.location.country".into(),
        Key::EventId => "@.meta.event_id".into(),
        Key::Expired => "@.meta.expired".into(),
        Key::Problem => return Err("rows of problems cannot be filtered yet: use M".into()),
        Key::FlowState => {
            return Err(
                "flow states are not a filter: use the flows view (f, s picks a state)".into(),
            );
        }
        Key::Path(path) => match path.text().strip_prefix('$') {
            Some(rest) => format!("@{rest}"),
            None => return Err("this path cannot be a filter".into()),
        },
    };
    Ok(match label {
        Label::Missing => format!("!{field}"),
        Label::Text(text) if matches!(key, Key::Expired) => format!("{field} == {text}"),
        Label::Text(text) if !matches!(key, Key::Path(_)) => {
            format!("{field} == {}", string_literal(text))
        }
        Label::Text(text) => match serde_json::from_str::<serde_json::Value>(text) {
            // A path found a number, boolean or null (labelled as JSON).
            Ok(v) if !v.is_string() && !v.is_object() && !v.is_array() => {
                format!("{field} == {text}")
            }
            _ => format!("{field} == {}", string_literal(text)),
        },
        Label::Time(_) => return Err("not a time key".into()),
    })
}

/// The events of one time bucket: their own time in it, else (without
/// one) their publish time. RFC 3339 texts in UTC compare as times.
fn time_filter(unit: TimeUnit, label: &Label) -> String {
    let Label::Time(start) = label else {
        return "!@.meta.created_at && !@.published_at".into();
    };
    let step = match unit {
        TimeUnit::Minute => 60,
        TimeUnit::Hour => 3_600,
        TimeUnit::Day => 86_400,
        TimeUnit::Week => 604_800,
    };
    let text = |t: i64| {
        DateTime::<Utc>::from_timestamp(t, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default()
    };
    // Day and week buckets are in UTC here (the view has no --tz).
    let (lo, hi) = (text(*start), text(start + step));
    format!(
        "(@.meta.created_at >= '{lo}' && @.meta.created_at < '{hi}') || (!@.meta.created_at && @.published_at >= '{lo}' && @.published_at < '{hi}')"
    )
}

/// A pivot's cells as the view shows them: labels masked and escaped,
/// numbers formatted, each column's width. Laid out with the count, off
/// the UI thread, so a frame only draws the rows on screen however many
/// rows the pivot has (a key such as `event_id` gives one per event).
#[derive(Debug, Clone, Default)]
pub struct Cells {
    /// The header, the rows, then the `total` row.
    pub lines: Vec<Vec<String>>,
    /// Each column's width.
    pub widths: Vec<usize>,
}

/// One stats request for the background.
pub struct StatsJob {
    /// The request.
    pub generation: u64,
    /// What to compute.
    pub spec: Spec,
    /// Every row's records.
    pub chunks: Vec<Chunk>,
    /// The rows shown, in order (`None`: all).
    pub rows: Option<Arc<Vec<u32>>>,
    /// The flows linked last (for a flow-state key: rows it has not
    /// linked yet are in no flow).
    pub flows: Option<Arc<FlowsResult>>,
}

/// Compute `job` on the blocking pool: decode and label the shown rows on
/// every core, count them, send [`Msg::Stats`]. A newer request (`current`
/// past the job's generation) stops it between two steps.
pub fn compute(
    job: StatsJob,
    decoder: Arc<dyn Decoder>,
    current: Arc<AtomicU64>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let now = Utc::now();
    let records: Vec<(usize, &crate::backend::Record)> = match &job.rows {
        Some(rows) => rows
            .iter()
            .filter_map(|&row| Some((row as usize, record(&job.chunks, row as usize)?)))
            .collect(),
        None => job
            .chunks
            .iter()
            .flat_map(|c| c.records.iter().enumerate().map(|(i, r)| (c.start + i, r)))
            .collect(),
    };
    let flow_state =
        |row: usize| Key::flow_label(job.flows.as_ref().and_then(|f| f.state_of_row(row)));
    let mut stats = Stats::new(job.spec.clone());
    let stale = || current.load(Ordering::SeqCst) > job.generation;
    for step in records.chunks(STEP) {
        use rayon::prelude::*;
        if stale() {
            return;
        }
        let labelled: Vec<_> = step
            .par_iter()
            .filter_map(|&(i, record)| {
                let doc = decoder.document(record, now).ok()?;
                let spec = &job.spec;
                let label = |key: &Key| match key {
                    Key::FlowState => flow_state(i),
                    key => key.label(&doc, spec.tz),
                };
                let row = label(&spec.rows);
                let col = spec.cols.as_ref().map_or(Label::Missing, label);
                Some((row, col))
            })
            .collect();
        for (row, col) in labelled {
            stats.add_labelled(row, col, None);
        }
    }
    let pivot = stats.finish();
    let (lines, widths) = crate::analyze::stats::grid(&pivot);
    let _ = tx.send(Msg::Stats {
        generation: job.generation,
        pivot: Box::new(pivot),
        cells: Box::new(Cells { lines, widths }),
    });
}

fn record(chunks: &[Chunk], row: usize) -> Option<&crate::backend::Record> {
    let i = chunks.partition_point(|c| c.start <= row).checked_sub(1)?;
    chunks[i].records.get(row - chunks[i].start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_for_rows_cells_and_missing_values() {
        let key = Key::parse("$.body.status").unwrap();
        assert_eq!(
            key_filter(&key, &Label::Text("it's".into())).unwrap(),
            "@.body.status == 'it\\'s'"
        );
        assert_eq!(
            key_filter(&key, &Label::Text("5".into())).unwrap(),
            "@.body.status == 5"
        );
        assert_eq!(key_filter(&key, &Label::Missing).unwrap(), "!@.body.status");
        let expired = Key::parse("expired").unwrap();
        assert_eq!(
            key_filter(&expired, &Label::Text("true".into())).unwrap(),
            "@.meta.expired == true"
        );
        assert!(key_filter(&Key::Problem, &Label::Missing).is_err());
        // Facets are strings, even when they look like numbers.
        assert_eq!(
            key_filter(&Key::Version, &Label::Text("3".into())).unwrap(),
            "@.meta.version == '3'"
        );
        let minute = key_filter(&Key::Time(TimeUnit::Minute), &Label::Time(60)).unwrap();
        assert!(minute.starts_with(
            "(@.meta.created_at >= '1970-01-01T00:01:00.000Z' && @.meta.created_at < '1970-01-01T00:02:00.000Z')"
        ));
        for expr in [minute, key_filter(&key, &Label::Missing).unwrap()] {
            crate::filter::Filter::parse(&expr).expect("a filter that parses");
        }
    }
}
