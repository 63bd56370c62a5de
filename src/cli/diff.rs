//! `diff`: compare two sources event by event.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Result;

use super::args::{DiffArgs, DiffFormat};
use super::output::Out;
use super::peek::Mapping;
use super::sources::for_each_source_mapped;
use super::{Context, EXIT_ERROR, EXIT_FOUND};
use crate::analyze::diff::{self, DiffSpec, Differ, Ignore};
use crate::analyze::field::FieldPath;
use crate::backend::SourceUri;
use crate::capture::{FileId, LineAt, LineView};
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
        // This command prints keys and paths, never bodies.
        paths_only: true,
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
    // Capture lines whose summary needs no document are summed up without
    // one (see `Scanner::view`).
    let view_a = |view: &LineView<'_>, id, at| spec.summary_of_view(view, id, at, true);
    let view_b = |view: &LineView<'_>, id, at| spec.summary_of_view(view, id, at, false);
    // A's events read from a capture file keep where their line is rather
    // than their raw body; the few whose B differs are read again.
    let mut a_files = AFiles::default();
    let read_a = for_each_source_mapped(
        context,
        std::slice::from_ref(&args.a),
        &scanner,
        Mapping {
            document: |document| spec.summary_read_again(document),
            view: Some(&view_a),
        },
        |info, summary| {
            a_files.note(&info.uri);
            differ.add_a_summary(summary);
            Ok(true)
        },
    )
    .await?;
    // Pairs whose A differs from B are named as they come, A's lines
    // read again every few ten thousand.
    let read_again = |differ: &mut Differ| {
        differ
            .read_again(|at| a_files.read(at))
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.a))
    };
    let read_b = for_each_source_mapped(
        context,
        std::slice::from_ref(&args.b),
        &scanner,
        Mapping {
            document: |document| spec.summary(document),
            view: Some(&view_b),
        },
        |_, summary| {
            differ.add_b_summary(summary);
            if differ.waiting() >= READ_AGAIN_EVERY {
                read_again(&mut differ)?;
            }
            Ok(true)
        },
    )
    .await?;
    read_again(&mut differ)?;
    let report = differ.finish();
    let mut out = Out::new();
    let lines = match args.format {
        DiffFormat::Table => diff::to_lines(&report, &args.a, &args.b),
        DiffFormat::Json => {
            let text = diff::to_json_text(&report)?;
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

/// How many pairs whose A is read again wait at most (see
/// [`Differ::waiting`]).
const READ_AGAIN_EVERY: usize = 1 << 16;

/// The capture files A's events were read from, to read lines of them
/// again (see [`Differ::read_again`]).
#[derive(Default)]
struct AFiles {
    /// Each file's path, by identity.
    paths: HashMap<FileId, PathBuf>,
    /// The source noted last (a source's events come together).
    last: String,
    /// The files opened to read lines again (by every core at once).
    open: Mutex<HashMap<FileId, Arc<File>>>,
}

impl AFiles {
    /// The source `uri` one of A's events was read from.
    fn note(&mut self, uri: &str) {
        if self.last == uri {
            return;
        }
        self.last = uri.to_owned();
        if let Ok(SourceUri::File(path)) = SourceUri::parse(uri)
            && let Ok(meta) = std::fs::metadata(&path)
        {
            self.paths.insert(FileId::of_meta(&meta), path);
        }
    }

    /// The bytes of the line `at`, from the file it was read from (not
    /// another put in its place since).
    fn read(&self, at: &LineAt) -> std::io::Result<Vec<u8>> {
        let file = {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            match open.entry(at.file) {
                Entry::Occupied(open) => open.get().clone(),
                Entry::Vacant(slot) => {
                    let path = self.paths.get(&at.file).ok_or_else(|| {
                        std::io::Error::other("its file was not read as a capture file")
                    })?;
                    let file = File::open(path)?;
                    if FileId::of_meta(&file.metadata()?) != at.file {
                        return Err(std::io::Error::other(format!(
                            "{} was replaced while the diff ran",
                            path.display()
                        )));
                    }
                    slot.insert(Arc::new(file)).clone()
                }
            }
        };
        let mut bytes = vec![0; at.len as usize];
        file.read_exact_at(&mut bytes, at.offset).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                std::io::Error::other(
                    "the file is shorter than when it was read (truncated while the diff ran)",
                )
            } else {
                e
            }
        })?;
        Ok(bytes)
    }
}
