//! `peek` and `export`: stream a source's events as capture lines.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use tokio::sync::mpsc;

use super::args::{ExportArgs, PeekArgs};
use super::output::{Out, warn};
use super::{Context, EXIT_ERROR};
use crate::backend::{Backend, Record};
use crate::capture::{Document, DocumentOptions};
use crate::scan::Scanner;

/// What a pass over a source saw.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Pass {
    /// Records read (kept or not).
    pub seen: usize,
    /// Unreadable lines, each reported on stderr.
    pub bad_lines: usize,
}

/// Read every event of `backend` that `scanner` keeps, in order, and hand it
/// to `each` until it returns `false` or `limit` were handed over. Unreadable
/// lines are reported on stderr and counted.
pub(super) async fn for_each_document(
    backend: Arc<dyn Backend>,
    scanner: &Scanner,
    limit: Option<usize>,
    each: impl FnMut(Document) -> Result<bool>,
) -> Result<Pass> {
    let read = Reading {
        limit,
        follow: false,
    };
    for_each_mapped(backend, scanner, read, |document| document, each).await
}

/// How far a pass reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reading {
    /// Hand over at most this many events.
    pub limit: Option<usize>,
    /// After the events there are, go on with those that arrive, until
    /// Ctrl-C or `limit`.
    pub follow: bool,
}

/// [`for_each_document`], with each kept document first turned into a `T`
/// by `map`, which runs on every core.
pub(super) async fn for_each_mapped<T: Send>(
    backend: Arc<dyn Backend>,
    scanner: &Scanner,
    read: Reading,
    map: impl Fn(Document) -> T + Sync,
    mut each: impl FnMut(T) -> Result<bool>,
) -> Result<Pass> {
    if let Some(caution) = backend.browse_caution() {
        warn(&caution);
    }
    if let Some(note) = backend.browse_note() {
        warn(&note);
    }
    let (tx, mut rx) = mpsc::channel::<Vec<Record>>(4);
    // Without a filter every event read is kept: read no more than needed
    // (an SQS receive counts, so over-reading is not free).
    let limit = read.limit;
    let read_limit = if scanner.has_filter() { None } else { limit };
    let reader = {
        let backend = backend.clone();
        tokio::spawn(async move {
            if read.follow {
                backend.follow(read_limit, tx).await
            } else {
                backend.browse(read_limit, tx).await.map(drop)
            }
        })
    };
    let mut handed = 0usize;
    let mut pass = Pass::default();
    // Ctrl-C stops reading; the backend then settles what it holds (SQS
    // makes the messages it hid visible again) before this returns.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    'batches: loop {
        let batch = tokio::select! {
            batch = rx.recv() => match batch {
                Some(batch) => batch,
                None => break,
            },
            _ = &mut interrupted => {
                warn("interrupted: releasing what was read, then stopping");
                break;
            }
        };
        let results = tokio::task::block_in_place(|| scanner.scan_batch(&batch, &map));
        for result in results {
            pass.seen += 1;
            match result {
                Ok(Some(document)) => {
                    if limit.is_some_and(|l| handed >= l) || !each(document)? {
                        break 'batches;
                    }
                    handed += 1;
                    if limit.is_some_and(|l| handed >= l) {
                        break 'batches;
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    pass.bad_lines += 1;
                    warn(&format!("{}: {error}", backend.uri()));
                }
            }
        }
    }
    drop(rx);
    match reader.await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => return Err(error.into()),
        Err(join) => anyhow::bail!("reading {} failed: {join}", backend.uri()),
    }
    Ok(pass)
}

/// `evscope peek`.
pub(super) async fn peek(args: PeekArgs, context: &Context) -> Result<i32> {
    let scanner = context.scanner(&args.filter)?;
    let mut context = context.clone();
    if let Some(from) = &args.from {
        context.open.pulsar.start = crate::backend::pulsar::StartPosition::parse(from, args.limit)
            .map_err(anyhow::Error::msg)?;
    }
    let backend = context.source(&args.source).await?;
    let options = DocumentOptions {
        reveal: args.reveal,
    };
    let mut out = Out::new();
    let mut open = true;
    let to_line = |document: Document| document.to_line(options);
    let read = Reading {
        limit: args.limit,
        follow: args.follow,
    };
    let pass = for_each_mapped(backend, &scanner, read, to_line, |line| {
        open = out.line(&line)?;
        // Following, each event shows as it arrives.
        if open && args.follow {
            open = out.flush()?;
        }
        Ok(open)
    })
    .await?;
    if open {
        out.flush()?;
    }
    Ok(if pass.bad_lines > 0 { EXIT_ERROR } else { 0 })
}

/// `evscope export`: exact bodies, written to a temporary sibling and
/// renamed over the output when complete.
pub(super) async fn export(args: ExportArgs, context: &Context) -> Result<i32> {
    let scanner = context.scanner(&args.filter)?;
    let backend = context.source(&args.source).await?;
    let output = &args.output;
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile_in(dir)?;
    let mut written = 0usize;
    let mut with_secrets = 0usize;
    let pass = {
        let mut writer = std::io::BufWriter::new(tmp.as_file_mut());
        let bad = for_each_document(backend, &scanner, None, |document| {
            if document.has_secrets() {
                with_secrets += 1;
            }
            writer.write_all(
                document
                    .to_line(DocumentOptions { reveal: true })
                    .as_bytes(),
            )?;
            writer.write_all(b"\n")?;
            written += 1;
            Ok(true)
        })
        .await?;
        writer.flush()?;
        bad
    };
    tmp.as_file().sync_all()?;
    tmp.persist(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!("evscope: exported {written} events to {}", output.display());
    if with_secrets > 0 {
        warn(&format!(
            "{with_secrets} exported events carry tokens or secrets, written as they are (exports stay exact for replay)"
        ));
    }
    Ok(if pass.bad_lines > 0 { EXIT_ERROR } else { 0 })
}

fn tempfile_in(dir: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".evscope-export-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
}
