//! Pivot tables over events: one facet (or JSONPath, or time bucket) in the
//! rows, optionally another in the columns, and a value per cell (a count,
//! or the sum, average, median, 95th percentile or maximum of a number),
//! with row and column totals. Pure: the caller hands over documents.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::blocks::Blocks;
use super::field::{FieldPath, PathError, label_of, number_of};
use super::flows::{Analysis, EventSummary, FlowState, Settings, SourceId};
use crate::capture::Document;
use crate::inspect::Needs;

/// The label of events a key finds nothing in.
pub const NONE_LABEL: &str = "(none)";
/// The label of the columns `--top` folds together.
pub const OTHER_LABEL: &str = "other";

/// A bad key, value or time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatsError {
    /// A key that is neither a known facet nor a JSONPath.
    #[error(
        "unknown key `{0}`: give minute, hour, day, week, type, version, source, problem, country, expired, event_id, flow-state or a JSONPath such as $.body.status"
    )]
    UnknownKey(String),
    /// A value that is not count or FUNCTION:PATH.
    #[error(
        "bad value `{0}`: give count, or sum:PATH, avg:PATH, p50:PATH, p95:PATH or max:PATH with a JSONPath such as $.body.amount"
    )]
    BadValue(String),
    /// A path that does not parse.
    #[error(transparent)]
    Path(#[from] PathError),
    /// A time zone chrono-tz does not know.
    #[error("unknown time zone `{0}`: give an IANA name such as Europe/Madrid, or UTC")]
    UnknownZone(String),
}

/// A width of time buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Calendar days in the time zone.
    Day,
    /// Weeks starting on Monday in the time zone.
    Week,
}

impl TimeUnit {
    /// The unit's name (and SQL `date_trunc` part).
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
        }
    }
}

/// What an event is grouped by.
#[derive(Debug, Clone)]
pub enum Key {
    /// The event's own time (else its publish time), bucketed.
    Time(TimeUnit),
    /// `meta.type`.
    Type,
    /// `meta.version`.
    Version,
    /// The source the event was read from.
    Source,
    /// The event's problem kinds, sorted and joined with `+`.
    Problem,
    /// `meta.location.country`.
    Country,
    /// `meta.expired`.
    Expired,
    /// `meta.event_id`.
    EventId,
    /// The state of the event's flow (failed, stuck, open, complete; see
    /// [`crate::analyze::flows`]), which depends on every other event:
    /// [`Stats`] labels it once all events are in.
    FlowState,
    /// Any JSONPath into the capture document.
    Path(FieldPath),
}

impl Key {
    /// Parse a key as given on the command line.
    pub fn parse(text: &str) -> Result<Key, StatsError> {
        let text = text.trim();
        Ok(match text {
            "minute" => Key::Time(TimeUnit::Minute),
            "hour" => Key::Time(TimeUnit::Hour),
            "day" => Key::Time(TimeUnit::Day),
            "week" => Key::Time(TimeUnit::Week),
            "type" => Key::Type,
            "version" => Key::Version,
            "source" => Key::Source,
            "problem" => Key::Problem,
            "country" => Key::Country,
            "expired" => Key::Expired,
            "event_id" | "event-id" => Key::EventId,
            "flow-state" | "flow_state" => Key::FlowState,
            path if path.starts_with('$') => Key::Path(FieldPath::parse(path)?),
            other => return Err(StatsError::UnknownKey(other.to_owned())),
        })
    }

    /// The key's name, as a header.
    pub fn name(&self) -> String {
        match self {
            Key::Time(unit) => unit.name().into(),
            Key::Type => "type".into(),
            Key::Version => "version".into(),
            Key::Source => "source".into(),
            Key::Problem => "problem".into(),
            Key::Country => "country".into(),
            Key::Expired => "expired".into(),
            Key::EventId => "event_id".into(),
            Key::FlowState => "flow-state".into(),
            Key::Path(path) => path.text().into(),
        }
    }

    /// Whether the key is a time bucket.
    pub fn is_time(&self) -> bool {
        matches!(self, Key::Time(_))
    }

    /// The parts of an inspection this key reads (the rest need not be
    /// computed: see [`crate::scan::Scanner::needs`]).
    pub fn needs(&self) -> Needs {
        match self {
            Key::Time(_) => Needs::DATES,
            Key::Type => Needs::TYPE,
            Key::Version => Needs::VERSION,
            Key::Source => Needs::NONE,
            Key::Problem => Needs::PROBLEMS,
            Key::Country => Needs::LOCATION,
            Key::Expired => Needs::EXPIRY,
            Key::EventId => Needs::EVENT_ID,
            // What a flow's state is judged from: the ids that link its
            // events, their types (terminal or not) and times. Not the
            // summary's expired and malformed flags, which the state does
            // not read (they stay unset: no problem is looked for).
            Key::FlowState => Needs::EVENT_ID
                .with(Needs::CORRELATION)
                .with(Needs::TYPE)
                .with(Needs::DATES),
            Key::Path(path) => path_needs(path),
        }
    }

    /// Whether the key is the flow state, which one event alone cannot tell.
    pub fn is_flow_state(&self) -> bool {
        matches!(self, Key::FlowState)
    }

    /// The label of an event under [`Key::FlowState`]: its flow's state,
    /// or nothing when it is in no flow (it has no correlation id).
    pub fn flow_label(state: Option<FlowState>) -> Label {
        state.map_or(Label::Missing, |s| Label::Text(s.as_str().into()))
    }

    /// The label of `document` under this key. [`Key::FlowState`] needs
    /// the other events: here it is [`Label::Missing`], and [`Stats`]
    /// (or a caller that linked the flows, with [`Key::flow_label`]) labels
    /// it instead.
    pub fn label(&self, document: &Document, tz: Tz) -> Label {
        let meta = &document.inspection.meta;
        let text = |s: Option<&String>| s.map_or(Label::Missing, |s| Label::Text(s.clone()));
        match self {
            Key::Time(unit) => event_time(document).map_or(Label::Missing, |t| {
                Label::Time(bucket_start(t, *unit, tz).timestamp())
            }),
            Key::Type => text(meta.event_type.as_ref()),
            Key::Version => text(meta.version.as_ref()),
            Key::Source => Label::Text(document.event.source.clone()),
            Key::Problem => {
                let mut kinds: Vec<&str> = document
                    .inspection
                    .problems
                    .iter()
                    .map(|p| p.kind.as_str())
                    .collect();
                kinds.sort_unstable();
                kinds.dedup();
                if kinds.is_empty() {
                    Label::Missing
                } else {
                    Label::Text(kinds.join("+"))
                }
            }
            Key::Country => text(meta.location.as_ref().and_then(|l| l.country.as_ref())),
            Key::Expired => Label::Text(meta.expired.to_string()),
            Key::EventId => text(meta.event_id.as_ref()),
            Key::FlowState => Label::Missing,
            Key::Path(path) => path
                .find(document)
                .map_or(Label::Missing, |v| Label::Text(label_of(&v))),
        }
    }

    /// How a label of this key is shown.
    pub fn show(&self, label: &Label, tz: Tz) -> String {
        match (self, label) {
            (_, Label::Missing) => NONE_LABEL.into(),
            (_, Label::Text(text)) => text.clone(),
            (Key::Time(unit), Label::Time(seconds)) => {
                let Some(start) = DateTime::from_timestamp(*seconds, 0) else {
                    return seconds.to_string();
                };
                let local = start.with_timezone(&tz);
                let offset = if tz == Tz::UTC {
                    String::new()
                } else {
                    local.format("%:z").to_string()
                };
                match unit {
                    TimeUnit::Minute | TimeUnit::Hour => {
                        format!("{}{offset}", local.format("%Y-%m-%d %H:%M"))
                    }
                    TimeUnit::Day | TimeUnit::Week => local.format("%Y-%m-%d").to_string(),
                }
            }
            (_, Label::Time(seconds)) => seconds.to_string(),
        }
    }
}

/// The event's own time (`meta.created_at`), else when it was published.
pub fn event_time(document: &Document) -> Option<DateTime<Utc>> {
    document
        .inspection
        .meta
        .created_at
        .or(document.event.published_at)
}

/// The start of the bucket `t` falls in, boundaries in `tz`. Minutes and
/// hours are cut with the offset in force at `t` (so the two 01:00 hours of
/// a DST change stay apart and half-hour zones cut at :30 UTC); days and
/// weeks start at local midnight (the first one, when it is ambiguous; the
/// first time after it when midnight does not exist).
pub fn bucket_start(t: DateTime<Utc>, unit: TimeUnit, tz: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    let offset = i64::from(local.offset().fix().local_minus_utc());
    let step = match unit {
        TimeUnit::Minute => 60,
        TimeUnit::Hour => 3600,
        TimeUnit::Day | TimeUnit::Week => {
            let mut date = local.date_naive();
            if unit == TimeUnit::Week {
                date -= Duration::days(i64::from(date.weekday().num_days_from_monday()));
            }
            let midnight = date.and_time(NaiveTime::MIN);
            return match tz.from_local_datetime(&midnight).earliest() {
                Some(start) => start.with_timezone(&Utc),
                // Midnight skipped by a DST change: the day starts an
                // hour later, at the same UTC offset as `t`'s.
                None => DateTime::from_timestamp(midnight.and_utc().timestamp() - offset, 0)
                    .unwrap_or(t),
            };
        }
    };
    let local_seconds = t.timestamp() + offset;
    let start = local_seconds - local_seconds.rem_euclid(step) - offset;
    DateTime::from_timestamp(start, 0).unwrap_or(t)
}

/// Where an event falls under a key. Ordered as the rows are sorted: time
/// buckets chronologically, text by its characters, and "nothing" last.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// A time bucket, by the Unix time of its start.
    Time(i64),
    /// A value.
    Text(String),
    /// The key found nothing.
    Missing,
}

/// What each cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// How many events.
    Count,
    /// The sum of the values.
    Sum,
    /// Their average.
    Avg,
    /// Their median (nearest rank).
    P50,
    /// Their 95th percentile (nearest rank).
    P95,
    /// Their maximum.
    Max,
}

/// The value of each cell: a function, and the number it reads.
#[derive(Debug, Clone)]
pub struct Measure {
    /// The function.
    pub func: Func,
    /// The number it reads (none for a count).
    pub path: Option<FieldPath>,
}

impl Measure {
    /// Parse `count` or `FUNC:PATH`.
    pub fn parse(text: &str) -> Result<Measure, StatsError> {
        let text = text.trim();
        if text == "count" {
            return Ok(Measure {
                func: Func::Count,
                path: None,
            });
        }
        let bad = || StatsError::BadValue(text.to_owned());
        let (name, path) = text.split_once(':').ok_or_else(bad)?;
        let func = match name {
            "sum" => Func::Sum,
            "avg" => Func::Avg,
            "p50" => Func::P50,
            "p95" => Func::P95,
            "max" => Func::Max,
            _ => return Err(bad()),
        };
        if !path.trim().starts_with('$') {
            return Err(bad());
        }
        Ok(Measure {
            func,
            path: Some(FieldPath::parse(path)?),
        })
    }

    /// `count`, or `sum:$.body.amount`.
    pub fn name(&self) -> String {
        match &self.path {
            None => "count".into(),
            Some(path) => format!("{}:{}", self.func_name(), path.text()),
        }
    }

    fn func_name(&self) -> &'static str {
        match self.func {
            Func::Count => "count",
            Func::Sum => "sum",
            Func::Avg => "avg",
            Func::P50 => "p50",
            Func::P95 => "p95",
            Func::Max => "max",
        }
    }

    /// The number this measure reads from `document`, if any.
    fn number(&self, document: &Document) -> Option<f64> {
        let path = self.path.as_ref()?;
        path.find(document).and_then(|v| number_of(&v))
    }
}

/// What one pivot computes.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The rows.
    pub rows: Key,
    /// The columns, if any.
    pub cols: Option<Key>,
    /// The value of each cell.
    pub measure: Measure,
    /// The time zone of bucket boundaries.
    pub tz: Tz,
    /// Keep only the N largest columns, the rest folded into `other`.
    pub top: Option<usize>,
}

impl Spec {
    /// What counting `document` takes from it: its labels, its number and,
    /// with a flow-state key, its flow summary. Pure, so the CLI computes
    /// it on every core while the counting runs on one.
    pub fn count(&self, document: &Document) -> Counted {
        let flows = self.has_flow_state();
        let label = |key: &Key| (!key.is_flow_state()).then(|| key.label(document, self.tz));
        Counted {
            row: label(&self.rows),
            col: match &self.cols {
                Some(key) => label(key),
                None => Some(single_column()),
            },
            number: self.measure.number(document),
            summary: flows.then(|| EventSummary::of(document)),
        }
    }

    /// Whether a key is the flow state (events are then held until their
    /// flows are linked).
    fn has_flow_state(&self) -> bool {
        self.rows.is_flow_state() || self.cols.as_ref().is_some_and(Key::is_flow_state)
    }

    /// Whether the pivot reads the body itself (a path key or value), not
    /// only facets: otherwise an event's body is needed only as far as its
    /// facets are (the flow state's summaries hold facets and ids alone).
    pub fn reads_body(&self) -> bool {
        let reads = |key: &Key| matches!(key, Key::Path(_));
        reads(&self.rows) || self.cols.as_ref().is_some_and(reads) || self.measure.path.is_some()
    }

    /// The parts of an inspection the pivot reads: its keys' and its
    /// value's. Facet labels are masked when shown, so facet keys need no
    /// secrets found; paths do (see [`path_needs`]).
    pub fn needs(&self) -> Needs {
        let mut needs = self.rows.needs();
        if let Some(cols) = &self.cols {
            needs = needs.with(cols.needs());
        }
        if let Some(path) = &self.measure.path {
            needs = needs.with(path_needs(path));
        }
        needs
    }
}

/// What reading `path` needs (see [`FieldPath::needs`]).
pub fn path_needs(path: &FieldPath) -> Needs {
    path.needs()
}

/// Parse a `--tz` value (an IANA name, or UTC).
pub fn parse_tz(text: &str) -> Result<Tz, StatsError> {
    text.trim()
        .parse::<Tz>()
        .map_err(|_| StatsError::UnknownZone(text.to_owned()))
}

/// The running state of one cell (or total).
#[derive(Debug, Clone, Default)]
struct Acc {
    events: u64,
    numbers: u64,
    sum: f64,
    max: Option<f64>,
    /// Every number, for percentiles only.
    values: Vec<f64>,
}

impl Acc {
    fn add(&mut self, number: Option<f64>, keep: bool) {
        self.events += 1;
        if let Some(x) = number {
            self.numbers += 1;
            self.sum += x;
            self.max = Some(self.max.map_or(x, |m| m.max(x)));
            if keep {
                self.values.push(x);
            }
        }
    }

    fn merge(&mut self, other: &Acc) {
        self.events += other.events;
        self.numbers += other.numbers;
        self.sum += other.sum;
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.values.extend_from_slice(&other.values);
    }

    /// The cell's value; `None` when there is no number to average.
    fn value(&mut self, func: Func) -> Option<f64> {
        let rank = |values: &mut Vec<f64>, q: f64| {
            if values.is_empty() {
                return None;
            }
            values.sort_unstable_by(f64::total_cmp);
            // Nearest rank: the smallest value with at least q of them at
            // or below it.
            let n = values.len();
            let index = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
            Some(values[index])
        };
        match func {
            Func::Count => Some(self.events as f64),
            Func::Sum => Some(self.sum),
            Func::Avg => (self.numbers > 0).then(|| self.sum / self.numbers as f64),
            Func::P50 => rank(&mut self.values, 0.5),
            Func::P95 => rank(&mut self.values, 0.95),
            Func::Max => self.max,
        }
    }
}

/// Events added so far, grouped.
#[derive(Debug)]
pub struct Stats {
    spec: Spec,
    /// Hashed with foldhash: a label is hashed once per event counted.
    cells: foldhash::HashMap<(Label, Label), Acc>,
    events: u64,
    /// With a flow-state key: the events held until every one is in.
    flows: Option<FlowPass>,
}

/// One event taken apart for counting (see [`Spec::count`]).
#[derive(Debug)]
pub struct Counted {
    /// Its row label; `None` where the key is the flow state (known once
    /// every event is in).
    row: Option<Label>,
    /// Its column label, likewise.
    col: Option<Label>,
    number: Option<f64>,
    /// With a flow-state key: what flows keep of it.
    summary: Option<EventSummary>,
}

/// The events of a pivot with a flow-state key, held until [`Stats::finish`]
/// links their flows: one compact summary per event (as `evscope flows`
/// keeps), and the labels that do not depend on flows.
#[derive(Debug)]
struct FlowPass {
    analysis: Analysis,
    settings: Settings,
    /// Per event added: its row and column label (`None` where the key is
    /// the flow state) and its number.
    pending: Blocks<(Option<Label>, Option<Label>, Option<f64>)>,
    /// The source of the last event added, to register each source once.
    current: Option<(String, SourceId)>,
}

/// The column label used when there is no column key.
fn single_column() -> Label {
    Label::Missing
}

impl Stats {
    /// No events yet. Flows (for a flow-state key) are judged with the
    /// default settings at the current time; see [`Stats::judge_flows`].
    pub fn new(spec: Spec) -> Stats {
        let needs_flows = spec.has_flow_state();
        Stats {
            flows: needs_flows.then(|| FlowPass {
                analysis: Analysis::new(),
                settings: Settings::at(Utc::now()),
                pending: Blocks::default(),
                current: None,
            }),
            spec,
            cells: foldhash::HashMap::default(),
            events: 0,
        }
    }

    /// Judge flows (stuck-after age, terminal types, the time they are
    /// judged at) with `settings` (for a flow-state key; else unused).
    pub fn judge_flows(&mut self, settings: Settings) {
        if let Some(pass) = &mut self.flows {
            pass.settings = settings;
        }
    }

    /// What is being computed.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Count one event, read from the source it names, not a dead-letter
    /// queue (see [`Stats::add_from`]).
    pub fn add(&mut self, document: &Document) {
        let source = document.event.source.clone();
        self.add_from(&source, false, document);
    }

    /// Count one event read from `source` (a dead-letter queue when `dlq`:
    /// its flow then failed).
    pub fn add_from(&mut self, source: &str, dlq: bool, document: &Document) {
        let counted = self.spec.count(document);
        self.add_counted(source, dlq, counted);
    }

    /// Count one event taken apart by [`Spec::count`] (on any thread), read
    /// from `source` (a dead-letter queue when `dlq`).
    pub fn add_counted(&mut self, source: &str, dlq: bool, counted: Counted) {
        let Counted {
            row,
            col,
            number,
            summary,
        } = counted;
        let Some(pass) = &mut self.flows else {
            self.add_labelled(
                row.unwrap_or_else(single_column),
                col.unwrap_or_else(single_column),
                number,
            );
            return;
        };
        let id = match &pass.current {
            Some((uri, id)) if uri == source => *id,
            _ => {
                let id = pass.analysis.source(source, dlq);
                pass.current = Some((source.to_owned(), id));
                id
            }
        };
        pass.analysis.push(id, summary.unwrap_or_default());
        pass.pending.push((row, col, number));
    }

    /// Count one event already labelled (for callers that label events
    /// elsewhere, such as on other threads).
    pub fn add_labelled(&mut self, row: Label, col: Label, number: Option<f64>) {
        self.events += 1;
        let keep = self.keeps_numbers();
        self.cells.entry((row, col)).or_default().add(number, keep);
    }

    /// Whether cells keep every number (for percentiles).
    fn keeps_numbers(&self) -> bool {
        matches!(self.spec.measure.func, Func::P50 | Func::P95)
    }

    /// The table: rows sorted by key, columns by key (or the `--top` largest
    /// then `other`), totals on both sides.
    pub fn finish(mut self) -> Pivot {
        if let Some(pass) = self.flows.take() {
            let linked = pass.analysis.link();
            let states = linked.states(&pass.settings);
            // Events are grouped by their labels and their flow's state
            // first, so that a flow-state label is made once per group,
            // not once per event. Each group feeds a cell of its own (a
            // label made of a state names that state alone), its events
            // added in their order.
            let keep = self.keeps_numbers();
            let mut groups: foldhash::HashMap<_, Acc> = foldhash::HashMap::default();
            for (i, (row, col, number)) in pass.pending.into_iter().enumerate() {
                let state = linked.flow_of(i).map(|f| states[f]);
                groups
                    .entry((row, col, state))
                    .or_default()
                    .add(number, keep);
            }
            for ((row, col, state), acc) in groups {
                let label = || Key::flow_label(state);
                self.events += acc.events;
                self.cells
                    .entry((row.unwrap_or_else(label), col.unwrap_or_else(label)))
                    .or_default()
                    .merge(&acc);
            }
        }
        let Stats {
            spec,
            cells,
            events,
            flows: _,
        } = self;
        let func = spec.measure.func;
        let mut row_accs: HashMap<Label, Acc> = HashMap::new();
        let mut col_accs: HashMap<Label, Acc> = HashMap::new();
        let mut grand = Acc::default();
        for ((row, col), acc) in &cells {
            row_accs.entry(row.clone()).or_default().merge(acc);
            col_accs.entry(col.clone()).or_default().merge(acc);
            grand.merge(acc);
        }
        let mut rows: Vec<Label> = row_accs.keys().cloned().collect();
        rows.sort();
        let mut cols: Vec<Label> = col_accs.keys().cloned().collect();
        cols.sort();
        // --top: the N columns with the largest totals, in key order; the
        // rest become one `other` column.
        let mut folded: Vec<Label> = Vec::new();
        if let (Some(n), Some(_)) = (spec.top, &spec.cols)
            && cols.len() > n
        {
            let mut by_size: Vec<(Label, f64)> = cols
                .iter()
                .map(|c| {
                    let mut acc = col_accs[c].clone();
                    (c.clone(), acc.value(func).unwrap_or(f64::NEG_INFINITY))
                })
                .collect();
            by_size.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            folded = by_size.split_off(n).into_iter().map(|(c, _)| c).collect();
            cols.retain(|c| !folded.contains(c));
        }
        let has_other = !folded.is_empty();
        let other_of = |row: &Label| {
            let mut acc = Acc::default();
            for col in &folded {
                if let Some(cell) = cells.get(&(row.clone(), col.clone())) {
                    acc.merge(cell);
                }
            }
            acc
        };
        let empty = |func: Func| match func {
            Func::Count | Func::Sum => Some(0.0),
            _ => None,
        };
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut line: Vec<Option<f64>> = cols
                .iter()
                .map(|col| match cells.get(&(row.clone(), col.clone())) {
                    Some(acc) => acc.clone().value(func),
                    None => empty(func),
                })
                .collect();
            if has_other {
                let mut acc = other_of(row);
                line.push(if acc.events == 0 {
                    empty(func)
                } else {
                    acc.value(func)
                });
            }
            values.push(line);
        }
        let mut col_totals: Vec<Option<f64>> = cols
            .iter()
            .map(|c| col_accs.get_mut(c).and_then(|acc| acc.value(func)))
            .collect();
        if has_other {
            let mut acc = Acc::default();
            for col in &folded {
                acc.merge(&col_accs[col]);
            }
            col_totals.push(acc.value(func));
        }
        let row_totals = rows
            .iter()
            .map(|r| row_accs.get_mut(r).and_then(|acc| acc.value(func)))
            .collect();
        let tz = spec.tz;
        let mut col_names: Vec<String> = match &spec.cols {
            Some(key) => cols.iter().map(|c| key.show(c, tz)).collect(),
            None => Vec::new(),
        };
        if has_other {
            col_names.push(OTHER_LABEL.into());
        }
        if spec.cols.is_none() {
            col_totals.clear();
            values.iter_mut().for_each(Vec::clear);
        }
        Pivot {
            row_labels: rows.clone(),
            col_labels: if spec.cols.is_some() {
                cols.clone()
            } else {
                Vec::new()
            },
            rows_key: spec.rows.name(),
            cols_key: spec.cols.as_ref().map(Key::name),
            value: spec.measure.name(),
            time_rows: spec.rows.is_time(),
            rows: rows.iter().map(|r| spec.rows.show(r, tz)).collect(),
            cols: col_names,
            values,
            row_totals,
            col_totals,
            total: grand.value(func),
            events,
        }
    }
}

/// A finished pivot table. Labels are as found in the events: render them
/// with [`render`], which escapes and masks them.
#[derive(Debug, Clone, PartialEq)]
pub struct Pivot {
    /// The rows key's name.
    pub rows_key: String,
    /// The columns key's name, if any.
    pub cols_key: Option<String>,
    /// The value's name (`count`, `sum:$.body.amount`).
    pub value: String,
    /// Whether rows are time buckets.
    pub time_rows: bool,
    /// Row labels, in order.
    pub rows: Vec<String>,
    /// Column labels, in order (`other` last with `--top`); empty without a
    /// columns key.
    pub cols: Vec<String>,
    /// `values[row][col]`; `None` where there is no number (an average of
    /// nothing). Empty rows without a columns key.
    pub values: Vec<Vec<Option<f64>>>,
    /// The value over each row.
    pub row_totals: Vec<Option<f64>>,
    /// The value over each column.
    pub col_totals: Vec<Option<f64>>,
    /// The value over everything.
    pub total: Option<f64>,
    /// How many events were counted.
    pub events: u64,
    /// The label behind each row (to filter by a row).
    pub row_labels: Vec<Label>,
    /// The label behind each column but `other`.
    pub col_labels: Vec<Label>,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal, with a bar column for time rows.
    Table,
    /// RFC 4180 CSV.
    Csv,
    /// One JSON object.
    Json,
    /// A Markdown table.
    Markdown,
}

/// A number as shown: integers without a fraction, others in their
/// shortest form; `-` for no value.
pub fn show_number(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v}"),
    }
}

fn json_number(value: Option<f64>) -> Value {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => json!(v as i64),
        Some(v) => json!(v),
        None => Value::Null,
    }
}

/// Event text made safe for a terminal or a file: secrets masked, then
/// dangerous characters escaped.
fn safe(text: &str) -> String {
    crate::sanitize::escape_masked(text).into_owned()
}

impl Pivot {
    /// The header cells after the rows key: one per column (or the value's
    /// name without columns) and, with columns, `total`.
    fn header(&self) -> Vec<String> {
        if self.cols_key.is_none() {
            return vec![self.value.clone()];
        }
        let mut header: Vec<String> = self.cols.iter().map(|c| safe(c)).collect();
        header.push("total".into());
        header
    }

    /// The cells of row `i` after its label.
    fn line(&self, i: usize) -> Vec<Option<f64>> {
        let mut line = self.values[i].clone();
        line.push(self.row_totals[i]);
        line
    }

    /// The total row's cells after its label.
    fn total_line(&self) -> Vec<Option<f64>> {
        let mut line = self.col_totals.clone();
        line.push(self.total);
        line
    }
}

/// The pivot in `format`, as lines, every label escaped and masked.
pub fn render(pivot: &Pivot, format: Format) -> Vec<String> {
    match format {
        Format::Table => table(pivot),
        Format::Csv => csv(pivot),
        Format::Json => vec![json_text(pivot)],
        Format::Markdown => markdown(pivot),
    }
}

/// Bar width of the table's time column.
const BAR_WIDTH: usize = 20;

/// A horizontal bar of `value / max` over [`BAR_WIDTH`] cells, in eighths.
pub fn bar(value: f64, max: f64, width: usize) -> String {
    const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if max <= 0.0 || value <= 0.0 || !value.is_finite() {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * (width * 8) as f64).round() as usize;
    let eighths = eighths.max(1);
    let mut out = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        out.push(EIGHTHS[eighths % 8]);
    }
    out
}

/// The table format's cells (header first, `total` row last, labels
/// masked and escaped) and each column's width.
pub fn grid(pivot: &Pivot) -> (Vec<Vec<String>>, Vec<usize>) {
    use crate::tui::views::text::width;
    let mut header = vec![pivot.rows_key.clone()];
    header.extend(pivot.header());
    let mut grid: Vec<Vec<String>> = vec![header];
    for (i, row) in pivot.rows.iter().enumerate() {
        let mut line = vec![safe(row)];
        line.extend(pivot.line(i).into_iter().map(show_number));
        grid.push(line);
    }
    let mut total = vec!["total".to_string()];
    total.extend(pivot.total_line().into_iter().map(show_number));
    grid.push(total);
    let columns = grid[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            let widest = grid.iter().map(|l| width(&l[c])).max().unwrap_or(0);
            if c == 0 { widest.min(48) } else { widest }
        })
        .collect();
    (grid, widths)
}

fn table(pivot: &Pivot) -> Vec<String> {
    use crate::tui::views::text::{fit, width};
    let (grid, widths) = grid(pivot);
    let max = pivot
        .row_totals
        .iter()
        .flatten()
        .copied()
        .fold(0.0, f64::max);
    let last = grid.len() - 1;
    grid.iter()
        .enumerate()
        .map(|(i, cells)| {
            let mut text = fit(&cells[0], widths[0]);
            for (c, cell) in cells.iter().enumerate().skip(1) {
                let pad = widths[c].saturating_sub(width(cell));
                text.push_str("  ");
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
            if pivot.time_rows && i > 0 && i < last {
                let value = pivot.row_totals[i - 1].unwrap_or(0.0);
                text.push_str("  ");
                text.push_str(&bar(value, max, BAR_WIDTH));
            }
            text.trim_end().to_string()
        })
        .collect()
}

/// One CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv(pivot: &Pivot) -> Vec<String> {
    let join = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    let number = |v: Option<f64>| v.map(|v| show_number(Some(v))).unwrap_or_default();
    let mut header = vec![safe(&pivot.rows_key)];
    header.extend(pivot.header());
    let mut lines = vec![join(header)];
    for (i, row) in pivot.rows.iter().enumerate() {
        let mut cells = vec![safe(row)];
        cells.extend(pivot.line(i).into_iter().map(number));
        lines.push(join(cells));
    }
    let mut total = vec!["total".to_string()];
    total.extend(pivot.total_line().into_iter().map(number));
    lines.push(join(total));
    lines
}

fn markdown(pivot: &Pivot) -> Vec<String> {
    let cell = |text: &str| safe(text).replace('|', "\\|");
    let mut header = vec![cell(&pivot.rows_key)];
    header.extend(pivot.header().iter().map(|h| h.replace('|', "\\|")));
    let mut lines = vec![format!("| {} |", header.join(" | "))];
    let align: Vec<&str> = std::iter::once("---")
        .chain(std::iter::repeat_n("---:", header.len() - 1))
        .collect();
    lines.push(format!("| {} |", align.join(" | ")));
    let mut push = |label: String, values: Vec<Option<f64>>| {
        let mut cells = vec![label];
        cells.extend(values.into_iter().map(show_number));
        lines.push(format!("| {} |", cells.join(" | ")));
    };
    for (i, row) in pivot.rows.iter().enumerate() {
        push(cell(row), pivot.line(i));
    }
    push("**total**".into(), pivot.total_line());
    lines
}

/// The pivot as one JSON object: `rows`, `cols`, `value`, `cells` (every
/// row and column pair, empty ones included), `row_totals`, `col_totals`,
/// `total` and `events`. Labels masked; the text escaped for a terminal.
pub fn to_json(pivot: &Pivot) -> Value {
    let mask = |text: &str| crate::secrets::mask_text(text).into_owned();
    let mut cells = Vec::new();
    for (i, row) in pivot.rows.iter().enumerate() {
        if pivot.cols_key.is_none() {
            cells.push(json!({"row": mask(row), "value": json_number(pivot.row_totals[i])}));
            continue;
        }
        for (j, col) in pivot.cols.iter().enumerate() {
            cells.push(json!({
                "row": mask(row),
                "col": mask(col),
                "value": json_number(pivot.values[i][j]),
            }));
        }
    }
    let totals = |labels: &[String], values: &[Option<f64>], name: &str| {
        labels
            .iter()
            .zip(values)
            .map(|(l, v)| json!({name: mask(l), "value": json_number(*v)}))
            .collect::<Vec<_>>()
    };
    json!({
        "rows": mask(&pivot.rows_key),
        "cols": pivot.cols_key.as_deref().map(mask),
        "value": pivot.value,
        "cells": cells,
        "row_totals": totals(&pivot.rows, &pivot.row_totals, "row"),
        "col_totals": totals(&pivot.cols, &pivot.col_totals, "col"),
        "total": json_number(pivot.total),
        "events": pivot.events,
    })
}

fn json_text(pivot: &Pivot) -> String {
    let text = serde_json::to_string(&to_json(pivot)).unwrap_or_default();
    crate::sanitize::escape_json_text(&text).into_owned()
}

/// A dialect of SQL for `--print-sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB (reads the Parquet file directly).
    DuckDb,
    /// Amazon Athena (Trino), over a table made from the Parquet files.
    Athena,
    /// Spark SQL, over a table or view of the Parquet files.
    Spark,
}

impl Dialect {
    fn json_text(self, column: &str, path: &str) -> String {
        match self {
            Dialect::DuckDb => format!("json_extract_string({column}, '{path}')"),
            Dialect::Athena => format!("json_extract_scalar({column}, '{path}')"),
            Dialect::Spark => format!("get_json_object({column}, '{path}')"),
        }
    }

    fn local_time(self, tz: Tz) -> String {
        let time = "coalesce(created_at, published_at)";
        match (self, tz) {
            (_, Tz::UTC) => time.into(),
            (Dialect::DuckDb, tz) => format!("timezone('{}', {time})", tz.name()),
            (Dialect::Athena, tz) => format!("({time} AT TIME ZONE '{}')", tz.name()),
            (Dialect::Spark, tz) => format!("from_utc_timestamp({time}, '{}')", tz.name()),
        }
    }

    fn number(self, text: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Athena => format!("TRY_CAST({text} AS DOUBLE)"),
            Dialect::Spark => format!("CAST({text} AS DOUBLE)"),
        }
    }

    fn percentile(self, x: &str, q: f64) -> String {
        match self {
            Dialect::DuckDb => format!("quantile_disc({x}, {q})"),
            Dialect::Athena => format!("approx_percentile({x}, {q})"),
            Dialect::Spark => format!("percentile_approx({x}, {q})"),
        }
    }

    fn problems(self) -> String {
        match self {
            Dialect::DuckDb => {
                "nullif(array_to_string(list_sort(list_distinct(problems)), '+'), '')".into()
            }
            Dialect::Athena | Dialect::Spark => {
                "nullif(array_join(array_sort(array_distinct(problems)), '+'), '')".into()
            }
        }
    }
}

/// A JSONPath string literal for SQL: names quoted when not plain.
fn sql_json_path(names: &[&str]) -> String {
    let mut path = String::from("$");
    for name in names {
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            path.push('.');
            path.push_str(name);
        } else {
            path.push_str(&format!("[\"{}\"]", name.replace('"', "\\\"")));
        }
    }
    path.replace('\'', "''")
}

/// The SQL of a capture column or JSON path, `None` when the path reads
/// something the Parquet columns do not hold.
fn sql_of_path(path: &FieldPath, dialect: Dialect) -> Option<String> {
    for json_column in ["body", "attributes"] {
        if let Some(names) = path.names_under(json_column)
            && !names.is_empty()
        {
            return Some(dialect.json_text(json_column, &sql_json_path(&names)));
        }
    }
    let columns = [
        "id",
        "source",
        "key",
        "published_at",
        "receive_count",
        "event_id",
    ];
    for column in columns {
        if path.names_under(column).is_some_and(|n| n.is_empty()) {
            return Some(column.into());
        }
    }
    let meta = [
        ("type", "type"),
        ("version", "version"),
        ("event_id", "event_id"),
        ("created_at", "created_at"),
        ("expires_at", "expires_at"),
        ("expired", "expired"),
    ];
    let names = path.names_under("meta")?;
    meta.iter()
        .find(|(name, _)| names == [*name])
        .map(|(_, column)| (*column).into())
}

fn sql_of_key(key: &Key, tz: Tz, dialect: Dialect) -> Result<String, String> {
    Ok(match key {
        Key::Time(unit) => format!("date_trunc('{}', {})", unit.name(), dialect.local_time(tz)),
        Key::Type => "type".into(),
        Key::Version => "version".into(),
        Key::Source => "source".into(),
        Key::Problem => dialect.problems(),
        Key::Country => "country".into(),
        Key::Expired => "expired".into(),
        Key::EventId => "event_id".into(),
        Key::FlowState => {
            return Err(
                "flow-state is worked out across events (evscope flows): the Parquet columns do not hold it"
                    .into(),
            );
        }
        Key::Path(path) => sql_of_path(path, dialect).ok_or_else(|| {
            format!(
                "`{}` is not in the Parquet columns (body, attributes, meta facets)",
                path.text()
            )
        })?,
    })
}

/// The SQL that answers `spec` over `table` (a Parquet export, see
/// `evscope export -o FILE.parquet`), one row per row/column pair; an
/// explanation when part of the spec has no column to read.
pub fn sql(spec: &Spec, dialect: Dialect, table: &str) -> Result<String, String> {
    let row = sql_of_key(&spec.rows, spec.tz, dialect)?;
    let col = spec
        .cols
        .as_ref()
        .map(|k| sql_of_key(k, spec.tz, dialect))
        .transpose()?;
    let value = match &spec.measure.path {
        None => "count(*)".to_string(),
        Some(path) => {
            let text = sql_of_path(path, dialect)
                .ok_or_else(|| format!("`{}` is not in the Parquet columns", path.text()))?;
            let x = dialect.number(&text);
            match spec.measure.func {
                Func::Count => "count(*)".into(),
                Func::Sum => format!("sum({x})"),
                Func::Avg => format!("avg({x})"),
                Func::P50 => dialect.percentile(&x, 0.5),
                Func::P95 => dialect.percentile(&x, 0.95),
                Func::Max => format!("max({x})"),
            }
        }
    };
    let mut select = vec![format!("{row} AS row_key")];
    if let Some(col) = &col {
        select.push(format!("{col} AS col_key"));
    }
    select.push(format!("{value} AS value"));
    let group = if col.is_some() { "1, 2" } else { "1" };
    Ok(format!(
        "SELECT {}\nFROM {table}\nGROUP BY {group}\nORDER BY {group};",
        select.join(",\n       ")
    ))
}

#[cfg(test)]
mod tests;
