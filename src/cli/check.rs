//! `check`: a summary of what a source holds and what is wrong with it.

use std::collections::BTreeMap;

use anyhow::Result;

use super::args::CheckArgs;
use super::output::Out;
use super::peek::{Reading, for_each_mapped};
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
}

impl Summary {
    fn add(&mut self, inspection: &Inspection) {
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
        *self.by_type.entry(key).or_default() += 1;
    }

    /// The summary as lines of text, event-supplied names escaped.
    pub fn render(&self, source: &str) -> Vec<String> {
        let mut lines = vec![format!(
            "{}: {} events",
            crate::sanitize::escape_masked(source),
            self.total
        )];
        lines.push(format!("  expired      {:>8}", self.expired));
        lines.push(format!("  malformed    {:>8}", self.malformed));
        for (kind, count) in &self.by_reason {
            lines.push(format!("    {:<15}{:>6}", kind.as_str(), count));
        }
        lines.push(format!(
            "  with token   {:>8}  ({} expired)",
            self.tokens, self.expired_tokens
        ));
        lines.push(format!("  located      {:>8}", self.located));
        lines.push(format!("  correlated   {:>8}", self.correlated));
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
                "  {}  {}{:>8}",
                fit("type", width),
                fit("version", version_width),
                "count"
            ));
            for ((event_type, version), count) in &self.by_type {
                let t = fit(&escape(event_type), width);
                let v = fit(&escape(version), version_width);
                lines.push(format!("  {t}  {v}{count:>8}"));
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
    let mut summary = Summary::default();
    let read = Reading {
        limit: None,
        follow: false,
        yes: false,
    };
    // Only the inspection is kept from each event, on the scanning cores:
    // a batch's bodies are dropped as soon as they are inspected.
    let inspection = |document: Document| document.inspection;
    let pass = for_each_mapped(backend, &scanner, read, inspection, |inspection| {
        summary.add(&inspection);
        Ok(true)
    })
    .await?;
    let mut out = Out::new();
    for line in summary.render(&uri) {
        if !out.line(&line)? {
            break;
        }
    }
    if pass.bad_lines > 0 {
        out.line(&format!("  unreadable   {:>8}", pass.bad_lines))?;
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
