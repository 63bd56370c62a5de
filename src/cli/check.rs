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
use crate::sanitize::escape;
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
    by_type: BTreeMap<(String, String), usize>,
    /// The distinct field sets (see [`shape_of`]) of each type and version.
    shapes: BTreeMap<(String, String), std::collections::BTreeSet<u64>>,
    contracts: ContractCounts,
    /// Contract violations are reported but do not make an event malformed.
    pub contracts_advisory: bool,
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

/// A hash of the field names of a body, two levels deep: events of one
/// type with different hashes are fat and thin variants (`evscope
/// versions` shows which fields differ). No allocation.
fn shape_of(body: &serde_json::Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
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
    fn add(&mut self, inspection: &Inspection, shape: Option<u64>) {
        let meta = &inspection.meta;
        let problems = &inspection.problems;
        self.total += 1;
        if meta.expired {
            self.expired += 1;
        }
        let mut kinds: Vec<ProblemKind> = problems
            .iter()
            .map(|p| p.kind)
            .filter(|k| k.is_malformed())
            .filter(|k| !(self.contracts_advisory && *k == ProblemKind::ContractViolation))
            .collect();
        kinds.sort();
        kinds.dedup();
        if !kinds.is_empty() {
            self.malformed += 1;
        }
        for kind in kinds {
            *self.by_reason.entry(kind).or_default() += 1;
        }
        if let Some(token) = meta.security.as_ref().and_then(|s| s.token.as_ref()) {
            self.tokens += 1;
            if token.jwt.as_ref().is_some_and(|j| j.expired) {
                self.expired_tokens += 1;
            }
        }
        if meta.location.is_some() {
            self.located += 1;
        }
        if !meta.correlation.is_empty() {
            self.correlated += 1;
        }
        let key = (
            meta.event_type
                .clone()
                .unwrap_or_else(|| "(no type)".into()),
            meta.version.clone().unwrap_or_else(|| "-".into()),
        );
        if let Some(shape) = shape {
            let shapes = self.shapes.entry(key.clone()).or_default();
            if shapes.len() < MAX_SHAPES {
                shapes.insert(shape);
            }
        }
        *self.by_type.entry(key).or_default() += 1;
        if let Some(status) = &meta.contract {
            self.contracts.checked += 1;
            self.contracts.valid += usize::from(status.valid);
        }
        let mut notes: Vec<ProblemKind> = problems
            .iter()
            .map(|p| p.kind)
            .filter(|k| {
                matches!(
                    k,
                    ProblemKind::UnknownType
                        | ProblemKind::UnknownVersion
                        | ProblemKind::DeprecatedVersion
                )
            })
            .collect();
        notes.dedup();
        for kind in notes {
            *self.contracts.notes.entry(kind).or_default() += 1;
        }
    }

    /// The summary as lines of text, event-supplied names escaped.
    pub fn render(&self, source: &str) -> Vec<String> {
        let mut lines = vec![format!(
            "{}: {} events",
            crate::sanitize::escape_masked(source),
            self.total
        )];
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
                let widths = self.by_type.keys().map(|k| text_width(&escape(pick(k))));
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
            for (key, count) in &self.by_type {
                let t = fit(&escape(&key.0), width);
                let v = fit(&escape(&key.1), version_width);
                let shapes = match self.shapes.get(key).map_or(0, |s| s.len()) {
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
    // Counts only: no secret is looked for, no event is shown.
    let scanner = context.scanner(&args.filter)?.needs(Needs::FACETS);
    let backend = context.source(&args.source).await?;
    let uri = backend.uri().to_string();
    let mut summary = Summary {
        contracts_advisory: args.contracts_advisory,
        ..Summary::default()
    };
    // Only the inspection and the body's shape are kept from each event, on
    // the scanning cores: a batch's bodies are dropped as soon as they are
    // inspected.
    let inspection = |document: Document| {
        let shape = document.body.as_json().map(shape_of);
        (document.inspection, shape)
    };
    let pass = for_each_mapped(
        backend,
        &scanner,
        Reading::once(None),
        Mapping::of(inspection),
        |(inspection, shape)| {
            summary.add(&inspection, shape);
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

    #[test]
    fn the_type_table_is_aligned_by_display_width() {
        let mut summary = Summary::default();
        for (event_type, version, n) in [
            ("OrderCreated", "§1", 3),
            ("注文作成", "§2", 12),
            ("Cafe\u{301}Ordered", "§3", 1),
            ("🚀Launch🎉", "§10", 100),
        ] {
            summary
                .by_type
                .insert((event_type.to_string(), version.to_string()), n);
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
