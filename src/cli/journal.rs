//! `evscope journal`: the operations the journal recorded, as a table for
//! people or JSON for scripts. Every text from the journal is masked and
//! escaped before it is printed.

use anyhow::Result;

use super::args::{JournalArgs, JournalFormat};
use super::output::Out;
use crate::ops::journal;
use crate::sanitize::{escape_json_text, escape_masked};

/// `evscope journal`.
pub(super) fn journal(args: JournalArgs) -> Result<i32> {
    let journal = journal::current();
    let since = args.since.map(|d| chrono::Utc::now() - d);
    let operations: Vec<_> = journal
        .operations()?
        .into_iter()
        .filter(|op| since.is_none_or(|since| op.head.time >= since))
        .filter(|op| args.source.as_deref().is_none_or(|uri| op.involves(uri)))
        .collect();
    let mut out = Out::new();
    match args.format {
        JournalFormat::Json => {
            for op in &operations {
                let line = op.to_json().to_string();
                if !out.line(&escape_json_text(&line))? {
                    return Ok(0);
                }
            }
        }
        JournalFormat::Table => {
            if operations.is_empty() {
                let place = journal
                    .path
                    .as_ref()
                    .map_or_else(String::new, |p| format!(" in {}", p.display()));
                eprintln!("evscope: no operations journaled{}", escape_masked(&place));
            } else {
                out.line("TIME                  OPERATION        VIA  USER@HOST  SOURCE → TARGET  RESULT")?;
            }
            for op in &operations {
                let line = format!(
                    "{}  {:<15}  {:<3}  {}@{}  {}  {}",
                    op.head.time.format("%Y-%m-%d %H:%M:%S"),
                    op.intent.operation,
                    op.intent.via,
                    op.head.user,
                    op.head.host,
                    op.route(),
                    op.result()
                );
                if !out.line(&escape_masked(&line))? {
                    return Ok(0);
                }
            }
        }
    }
    out.flush()?;
    Ok(0)
}
