//! `versions`, `contracts list` and `contracts infer`: which versions of
//! each type are in use, which contracts are loaded, and contracts inferred
//! from what flows.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::args::{ContractsCommand, InferArgs, OutputFormat, VersionsArgs};
use super::output::Out;
use super::sources::for_each_source_document;
use super::{Context, EXIT_ERROR};
use crate::analyze::contracts::{InferredSchema, Inferrer};
use crate::analyze::versions::{TypeVersions, Versions};
use crate::backend::file::replace::Replacement;
use crate::sanitize::escape_masked;

/// `evscope versions`.
pub(super) async fn versions(args: VersionsArgs, context: &Context) -> Result<i32> {
    let scanner = context.scanner(&args.filter)?;
    let mut versions = Versions::default();
    let read = for_each_source_document(context, &args.sources, &scanner, |_, document| {
        let meta = &document.inspection.meta;
        versions.add(
            meta.event_type.as_deref(),
            meta.version.as_deref(),
            meta.created_at.or(document.event.published_at),
            document.body.as_json(),
        );
        Ok(true)
    })
    .await?;
    let contracts = context.open.inspector.contracts().map(|c| &**c);
    let types = versions.finish(contracts);
    let mut out = Out::new();
    match args.format {
        OutputFormat::Json => {
            for t in &types {
                let line = serde_json::to_string(t)?;
                let line = crate::secrets::mask_text(&line);
                if !out.line(&crate::sanitize::escape_json_text(&line))? {
                    break;
                }
            }
        }
        OutputFormat::Table => {
            for line in types.iter().flat_map(|t| table(t, args.fields)) {
                if !out.line(&line)? {
                    break;
                }
            }
        }
    }
    out.flush()?;
    Ok(if read.bad_lines > 0 { EXIT_ERROR } else { 0 })
}

/// One type as table lines: its versions, then its fields (up to `fields`).
fn table(t: &TypeVersions, fields: usize) -> Vec<String> {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "-".to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    let mut lines = vec![format!(
        "{}  {} events",
        escape_masked(&t.event_type),
        t.events
    )];
    lines.push(format!(
        "  {:<14} {:>9}  {:<19}  {:<19}  note",
        "version", "events", "first seen", "last seen"
    ));
    for v in &t.versions {
        let mut notes = Vec::new();
        if v.deprecated {
            notes.push(if v.events == 0 {
                "deprecated, unused: can be retired"
            } else {
                "deprecated, still in use"
            });
        } else if v.events == 0 {
            notes.push("in contracts, unused");
        }
        lines.push(format!(
            "  {:<14} {:>9}  {:<19}  {:<19}  {}",
            escape_masked(v.version.as_deref().unwrap_or("(none)")),
            v.events,
            time(v.first_seen),
            time(v.last_seen),
            notes.join(", ")
        ));
    }
    if !t.fields.is_empty() && fields > 0 {
        lines.push("  fields (share of events)".into());
        for f in t.fields.iter().take(fields) {
            lines.push(format!(
                "    {:>5.1}%  {}",
                f.share * 100.0,
                escape_masked(&f.path)
            ));
        }
        let more = t.fields.len().saturating_sub(fields);
        if more > 0 || t.fields_truncated {
            lines.push(format!("    … {more} more (--fields N shows more)"));
        }
    }
    lines.push(String::new());
    lines
}

/// `evscope contracts ...`.
pub(super) async fn contracts(command: ContractsCommand, context: &Context) -> Result<i32> {
    match command {
        ContractsCommand::List => list(context),
        ContractsCommand::Infer(args) => infer(args, context).await,
    }
}

fn list(context: &Context) -> Result<i32> {
    let Some(contracts) = context.open.inspector.contracts() else {
        bail!(
            "no contracts loaded: pass --contracts PATH or set contracts = \"PATH\" in the config"
        );
    };
    let mut out = Out::new();
    for c in contracts.iter() {
        let line = format!(
            "{:<32} {:<10} {}{}",
            escape_masked(&c.event_type),
            escape_masked(c.version.as_deref().unwrap_or("-")),
            escape_masked(&c.name),
            if c.deprecated { "  (deprecated)" } else { "" }
        );
        if !out.line(&line)? {
            break;
        }
    }
    out.flush()?;
    Ok(0)
}

/// `evscope contracts infer SOURCE... -o DIR`.
async fn infer(args: InferArgs, context: &Context) -> Result<i32> {
    let scanner = context.scanner(&args.filter)?;
    let policy = crate::secrets::policy();
    let mut inferrer = Inferrer::default();
    let (mut untyped, mut not_json) = (0u64, 0u64);
    let read = for_each_source_document(context, &args.sources, &scanner, |_, document| {
        let meta = &document.inspection.meta;
        match (meta.event_type.as_deref(), document.body.as_json()) {
            (None, _) => untyped += 1,
            (_, None) => not_json += 1,
            (Some(t), Some(body)) => inferrer.add(t, meta.version.as_deref(), body, policy),
        }
        Ok(true)
    })
    .await?;
    let schemas = inferrer.finish();
    if schemas.is_empty() {
        bail!("no typed JSON events to infer contracts from");
    }
    let planned: Vec<(PathBuf, &InferredSchema)> = schemas
        .iter()
        .map(|s| (args.output.join(relative_path(s)), s))
        .collect();
    for (path, _) in &planned {
        check_writable(path, args.force)?;
    }
    let mut err = std::io::stderr();
    for (path, schema) in &planned {
        write_schema(path, schema)?;
        writeln!(
            err,
            "{}: {} ({} events)",
            escape_masked(&path.display().to_string()),
            escape_masked(&schema.event_type),
            schema.events
        )?;
    }
    if untyped > 0 || not_json > 0 {
        writeln!(
            err,
            "skipped {untyped} events without a type and {not_json} whose body is not JSON"
        )?;
    }
    writeln!(
        err,
        "wrote {} contracts to {}; check with: evscope --contracts {} check SOURCE",
        planned.len(),
        escape_masked(&args.output.display().to_string()),
        escape_masked(&args.output.display().to_string())
    )?;
    Ok(if read.bad_lines > 0 { EXIT_ERROR } else { 0 })
}

/// `TYPE/VERSION.json` (or `TYPE.json`), names made safe as file names;
/// the schema's `x-evscope-type` and `x-evscope-version` keep the real ones.
fn relative_path(schema: &InferredSchema) -> PathBuf {
    let safe = |name: &str| {
        let s: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        match s.trim_start_matches('.') {
            "" => "_".to_string(),
            s => s.to_string(),
        }
    };
    match &schema.version {
        Some(v) => Path::new(&safe(&schema.event_type)).join(format!("{}.json", safe(v))),
        None => PathBuf::from(format!("{}.json", safe(&schema.event_type))),
    }
}

/// Refuse, before anything is written, a path that holds something other
/// than a regular file, or a file without `--force`.
fn check_writable(path: &Path, force: bool) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => bail!(
            "{} exists and is not a regular file; choose another directory",
            escape_masked(&path.display().to_string())
        ),
        Ok(_) if !force => bail!(
            "{} exists; pass --force to replace it",
            escape_masked(&path.display().to_string())
        ),
        _ => Ok(()),
    }
}

fn write_schema(path: &Path, schema: &InferredSchema) -> Result<()> {
    let shown = || escape_masked(&path.display().to_string()).into_owned();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", shown()))?;
    }
    let mut text = serde_json::to_string_pretty(&schema.schema)?;
    text.push('\n');
    let mut replacement =
        Replacement::begin(path).with_context(|| format!("cannot write {}", shown()))?;
    replacement
        .file()
        .write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", shown()))?;
    replacement
        .commit()
        .with_context(|| format!("cannot write {}", shown()))?;
    Ok(())
}
