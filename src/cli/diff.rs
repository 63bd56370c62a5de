//! `diff`: compare two sources event by event.

use anyhow::Result;

use super::args::{DiffArgs, DiffFormat};
use super::output::Out;
use super::sources::for_each_source_mapped;
use super::{Context, EXIT_ERROR, EXIT_FOUND};
use crate::analyze::diff::{self, DiffSpec, Differ, Ignore};
use crate::analyze::field::FieldPath;
use crate::inspect::Needs;

/// `evscope diff`: exit 0 when A and B match, 1 when they differ, 2 on
/// errors (unreadable lines included: a diff that missed lines proves
/// nothing).
pub(super) async fn diff(args: DiffArgs, context: &Context) -> Result<i32> {
    let spec = DiffSpec {
        key: args
            .key
            .as_deref()
            .map(FieldPath::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--key: {e}"))?,
        ignore: args
            .ignore
            .iter()
            .map(|p| Ignore::parse(p))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("--ignore: {e}"))?,
    };
    // The key is all a diff reads of the inspection: the event id (masked
    // when printed), or what --key names (read as shown, secrets masked).
    // Bodies are compared as read, and this command prints keys and paths,
    // never bodies.
    let needs = spec
        .key
        .as_ref()
        .map_or(Needs::EVENT_ID, crate::analyze::stats::path_needs);
    // Bodies are hashed from their raw bytes (see `DiffSpec::summary`): of
    // the decoded body only what the key reads is built, the members of
    // the event id (a --key path may read any member: whole bodies).
    let mut scanner = context.scanner(&args.filter)?.needs(needs);
    if spec.key.is_none() {
        scanner = scanner.body_for_needs_only();
    }
    // Keys and body hashes are computed on every core, as documents are
    // scanned; only the matching runs on this thread.
    let mut differ = Differ::new(spec.clone());
    let summary = |document| spec.summary(document);
    let read_a = for_each_source_mapped(
        context,
        std::slice::from_ref(&args.a),
        &scanner,
        summary,
        |_, summary| {
            differ.add_a_summary(summary);
            Ok(true)
        },
    )
    .await?;
    let read_b = for_each_source_mapped(
        context,
        std::slice::from_ref(&args.b),
        &scanner,
        summary,
        |_, summary| {
            differ.add_b_summary(summary);
            Ok(true)
        },
    )
    .await?;
    let report = differ.finish();
    let mut out = Out::new();
    let lines = match args.format {
        DiffFormat::Table => diff::to_lines(&report, &args.a, &args.b),
        DiffFormat::Json => {
            let text = serde_json::to_string(&diff::to_json(&report))?;
            vec![crate::sanitize::escape_json_text(&text).into_owned()]
        }
    };
    for line in lines {
        if !out.line(&line)? {
            break;
        }
    }
    out.flush()?;
    Ok(if read_a.bad_lines + read_b.bad_lines > 0 {
        EXIT_ERROR
    } else if report.matches() {
        0
    } else {
        EXIT_FOUND
    })
}
