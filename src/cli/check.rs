//! `check`: a summary of what a source holds and what is wrong with it.

use std::collections::BTreeMap;

use anyhow::Result;

use super::args::CheckArgs;
use super::output::Out;
use super::peek::{Mapping, Reading, for_each_mapped};
use super::{Context, EXIT_ERROR, EXIT_FOUND};
use crate::capture::Document;
use crate::inspect::{Inspection, Needs};
use crate::model::ProblemKind;
use crate::sanitize::escape_masked;
use crate::tui::views::text::{fit, width as text_width};

/// Counts over a set of events.
#[derive(Debug, Default)]
pub struct Summary {
    total: usize,
    expired: usize,
    malformed: usize,
    by_reason: BTreeMap<ProblemKind, usize>,
    tokens: usize,
    expired_tokens: usize,
    located: usize,
    correlated: usize,
    /// Events of each type and version, and their distinct field sets
    /// (see [`shape_of`]).
    by_type: BTreeMap<(String, String), TypeCount>,
    contracts: ContractCounts,
}

/// What checking events against contracts found.
#[derive(Debug, Default)]
struct ContractCounts {
    checked: usize,
    valid: usize,
    /// Events with each contract note (unknown type or version, deprecated).
    notes: BTreeMap<ProblemKind, usize>,
}

/// At most this many distinct shapes are told apart per type and version.
const MAX_SHAPES: usize = 99;

/// The events of one type and version.
#[derive(Debug, Default)]
struct TypeCount {
    count: usize,
    shapes: std::collections::BTreeSet<u64>,
}

/// What `check` counts of one event: taken from its inspection and body on
/// the scanning cores, where both are dropped, so that counting is all the
/// one thread that adds rows up does.
#[derive(Debug, PartialEq)]
struct Row {
    expired: bool,
    /// The kinds of the problems that make it malformed, each once.
    malformed: Vec<ProblemKind>,
    /// Its token, and whether the token has expired.
    token: Option<bool>,
    located: bool,
    correlated: bool,
    event_type: Option<String>,
    version: Option<String>,
    shape: Option<u64>,
    /// Whether it satisfies its contract, when one was checked.
    contract_valid: Option<bool>,
    /// Its contract notes (unknown type or version, deprecated), each once.
    notes: Vec<ProblemKind>,
}

impl Row {
    /// The parts of an inspection a row is made of: every problem, and
    /// the facets counted (no event id, no secret: no event is shown).
    const NEEDS: Needs = Needs::PROBLEMS
        .with(Needs::TYPE)
        .with(Needs::VERSION)
        .with(Needs::SECURITY)
        .with(Needs::CORRELATION);

    /// `contracts_advisory`: contract violations do not make an event
    /// malformed.
    fn of(inspection: Inspection, shape: Option<u64>, contracts_advisory: bool) -> Row {
        let Inspection { meta, problems, .. } = inspection;
        let kinds = |keep: &dyn Fn(ProblemKind) -> bool| {
            let mut kinds: Vec<ProblemKind> = problems
                .iter()
                .map(|p| p.kind)
                .filter(|k| keep(*k))
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds
        };
        let malformed = kinds(&|k| {
            k.is_malformed() && !(contracts_advisory && k == ProblemKind::ContractViolation)
        });
        let notes = kinds(&|k| {
            matches!(
                k,
                ProblemKind::UnknownType
                    | ProblemKind::UnknownVersion
                    | ProblemKind::DeprecatedVersion
            )
        });
        Row {
            expired: meta.expired,
            malformed,
            token: meta
                .security
                .as_ref()
                .and_then(|s| s.token.as_ref())
                .map(|t| t.jwt.as_ref().is_some_and(|j| j.expired)),
            located: meta.location.is_some(),
            correlated: !meta.correlation.is_empty(),
            event_type: meta.event_type,
            version: meta.version,
            shape,
            contract_valid: meta.contract.map(|c| c.valid),
            notes,
        }
    }
}

/// A hash of the field names of a body, two levels deep: events of one
/// type with different hashes are fat and thin variants (`evscope
/// versions` shows which fields differ). No allocation; foldhash with a
/// fixed seed, as bodies are hashed on several threads.
fn shape_of(body: &serde_json::Value) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = foldhash::fast::FixedState::with_seed(0).build_hasher();
    if let serde_json::Value::Object(fields) = body {
        for (name, value) in fields {
            name.hash(&mut hasher);
            if let serde_json::Value::Object(inner) = value {
                0xffu8.hash(&mut hasher);
                inner.keys().for_each(|k| k.hash(&mut hasher));
            }
        }
    }
    hasher.finish()
}

impl Summary {
    fn add(&mut self, row: Row) {
        self.total += 1;
        self.expired += usize::from(row.expired);
        self.malformed += usize::from(!row.malformed.is_empty());
        for kind in row.malformed {
            *self.by_reason.entry(kind).or_default() += 1;
        }
        if let Some(expired) = row.token {
            self.tokens += 1;
            self.expired_tokens += usize::from(expired);
        }
        self.located += usize::from(row.located);
        self.correlated += usize::from(row.correlated);
        let key = (
            row.event_type.unwrap_or_else(|| "(no type)".into()),
            row.version.unwrap_or_else(|| "-".into()),
        );
        let of_type = self.by_type.entry(key).or_default();
        of_type.count += 1;
        if let Some(shape) = row.shape
            && of_type.shapes.len() < MAX_SHAPES
        {
            of_type.shapes.insert(shape);
        }
        if let Some(valid) = row.contract_valid {
            self.contracts.checked += 1;
            self.contracts.valid += usize::from(valid);
        }
        for kind in row.notes {
            *self.contracts.notes.entry(kind).or_default() += 1;
        }
    }

    /// The summary as lines of text, event-supplied names masked and escaped.
    pub fn render(&self, source: &str) -> Vec<String> {
        let mut lines = vec![format!("{}: {} events", escape_masked(source), self.total)];
        lines.push(format!("  expired      {:>14}", self.expired));
        lines.push(format!("  malformed    {:>14}", self.malformed));
        for (kind, count) in &self.by_reason {
            lines.push(format!("    {:<19}{:>6}", kind.as_str(), count));
        }
        let c = &self.contracts;
        if c.checked > 0 || !c.notes.is_empty() {
            lines.push(format!(
                "  contracts    {:>14} checked, {} valid, {} violating",
                c.checked,
                c.valid,
                c.checked - c.valid
            ));
            for (kind, count) in &c.notes {
                lines.push(format!("    {:<19}{:>6}", kind.as_str(), count));
            }
        }
        lines.push(format!(
            "  with token   {:>14}  ({} expired)",
            self.tokens, self.expired_tokens
        ));
        lines.push(format!("  located      {:>14}", self.located));
        lines.push(format!("  correlated   {:>14}", self.correlated));
        if !self.by_type.is_empty() {
            // Columns by display width (CJK and emoji take two, combining
            // marks none), as the terminal UI lays them out.
            let widest = |pick: fn(&(String, String)) -> &String, min: usize, max: usize| {
                let widths = self
                    .by_type
                    .keys()
                    .map(|k| text_width(&escape_masked(pick(k))));
                widths.max().unwrap_or(0).clamp(min, max)
            };
            let width = widest(|(t, _)| t, 4, 48);
            let version_width = widest(|(_, v)| v, 8, 24);
            lines.push(String::new());
            lines.push(format!(
                "  {}  {}{:>8}  {:>6}",
                fit("type", width),
                fit("version", version_width),
                "count",
                "shapes"
            ));
            for (key, TypeCount { count, shapes }) in &self.by_type {
                let t = fit(&escape_masked(&key.0), width);
                let v = fit(&escape_masked(&key.1), version_width);
                let shapes = match shapes.len() {
                    0 => "-".to_string(),
                    MAX_SHAPES => format!("{MAX_SHAPES}+"),
                    n => n.to_string(),
                };
                lines.push(format!("  {t}  {v}{count:>8}  {shapes:>6}"));
            }
        }
        lines
    }

    /// Whether anything expired or malformed was found.
    pub fn found_problems(&self) -> bool {
        self.expired > 0 || self.malformed > 0
    }
}

/// `evscope check`.
pub(super) async fn check(args: CheckArgs, context: &Context) -> Result<i32> {
    let scanner = context.scanner(&args.filter)?.needs(Row::NEEDS);
    let backend = context.source(&args.source).await?;
    let uri = backend.uri().to_string();
    let mut summary = Summary::default();
    // Only the inspection and the body's shape are kept from each event, on
    // the scanning cores: a batch's bodies are dropped as soon as they are
    // inspected.
    let advisory = args.contracts_advisory;
    let row = |document: Document| {
        let shape = document.body.as_json().map(shape_of);
        Row::of(document.inspection, shape, advisory)
    };
    let pass = for_each_mapped(
        backend,
        &scanner,
        Reading::once(None),
        Mapping::of(row),
        |row| {
            summary.add(row);
            Ok(true)
        },
    )
    .await?;
    let mut out = Out::new();
    for line in summary.render(&uri) {
        if !out.line(&line)? {
            break;
        }
    }
    if pass.bad_lines > 0 {
        out.line(&format!("  unreadable   {:>14}", pass.bad_lines))?;
    }
    out.flush()?;
    Ok(if pass.bad_lines > 0 {
        EXIT_ERROR
    } else if summary.found_problems() {
        EXIT_FOUND
    } else {
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::Inspector;
    use crate::model::Event;

    #[test]
    fn a_row_counts_the_same_from_its_needs_as_from_a_full_inspection() {
        let inspector = Inspector::with_defaults();
        let now = chrono::Utc::now();
        let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1IiwiZXhwIjoxfQ.c2ln";
        let bodies = [
            format!(r#"{{"eventName":"Paid","schemaVersion":"2","token":"Bearer {jwt}"}}"#),
            r#"{"eventName":"Sent","creationDate":"2020-12-30 23:15:58.999","expirationTime":300000,"correlationId":"c-1"}"#.into(),
            r#"{"eventName":"Bad","creationDate":"not a date","countryCode":"ZZZ","payload":"{bad"}"#.into(),
            r#"{"specversion":"1.0","id":"e-1","type":"T","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","ip":"10.0.0.1"}"#.into(),
            r#"{"detail-type":"D","source":"aws.x","detail":{"userId":"u"},"version":"0"}"#.into(),
            "not json".into(),
        ];
        let mut tokens = 0;
        for body in bodies {
            let event = Event::new("m-1", "file:x", body.clone());
            let b = event.body();
            let full = Row::of(inspector.inspect(&event, &b, now, true), None, false);
            let counted = Row::of(
                inspector.inspect_for(&event, &b, now, true, Row::NEEDS),
                None,
                false,
            );
            tokens += usize::from(full.token == Some(true));
            assert_eq!(counted, full, "{body}");
        }
        assert_eq!(tokens, 1, "the expired token is counted");
    }

    #[test]
    fn the_type_table_is_aligned_by_display_width() {
        let mut summary = Summary::default();
        for (event_type, version, n) in [
            ("OrderCreated", "§1", 3),
            ("注文作成", "§2", 12),
            ("Cafe\u{301}Ordered", "§3", 1),
            ("🚀Launch🎉", "§10", 100),
        ] {
            let count = TypeCount {
                count: n,
                ..TypeCount::default()
            };
            summary
                .by_type
                .insert((event_type.to_string(), version.to_string()), count);
        }
        let lines = summary.render("file:x");
        let rows: Vec<&String> = lines.iter().skip_while(|l| !l.is_empty()).skip(2).collect();
        assert_eq!(rows.len(), 4, "{lines:#?}");
        // The version column starts, and the count column ends, in the
        // same terminal column on every row.
        let version_at: Vec<usize> = rows
            .iter()
            .map(|l| text_width(&l[..l.find('§').unwrap()]))
            .collect();
        let ends: Vec<usize> = rows.iter().map(|l| text_width(l)).collect();
        assert!(
            version_at.iter().all(|&c| c == version_at[0]) && ends.iter().all(|&e| e == ends[0]),
            "{version_at:?} {ends:?}\n{}",
            lines.join("\n")
        );
    }
}
