//! `check`: a summary of what a source holds and what is wrong with it.

use std::collections::BTreeMap;

use anyhow::Result;

use super::args::CheckArgs;
use super::output::Out;
use super::peek::for_each_document;
use super::{Context, EXIT_ERROR, EXIT_FOUND};
use crate::capture::Document;
use crate::model::ProblemKind;
use crate::sanitize::escape;

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
    fn add(&mut self, document: &Document) {
        let meta = &document.inspection.meta;
        let problems = &document.inspection.problems;
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
            let width = self
                .by_type
                .keys()
                .map(|(t, _)| escape(t).chars().count())
                .max()
                .unwrap_or(4)
                .clamp(4, 48);
            lines.push(String::new());
            lines.push(format!(
                "  {:<width$}  {:<10}{:>8}",
                "type", "version", "count"
            ));
            for ((event_type, version), count) in &self.by_type {
                let t: String = escape(event_type).chars().take(width).collect();
                let v: String = escape(version).chars().take(24).collect();
                lines.push(format!("  {t:<width$}  {v:<10}{count:>8}"));
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
    let scanner = context.scanner(&args.filter)?;
    let backend = context.source(&args.source).await?;
    let uri = backend.uri().to_string();
    let mut summary = Summary::default();
    let pass = for_each_document(backend, &scanner, None, |document| {
        summary.add(&document);
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
