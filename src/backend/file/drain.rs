//! Taking events out of a capture file: hand them out in batches, remember
//! which were removed, and rewrite the file once at the end.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use crate::backend::{BackendError, Drain, LeaseId, Leased, Record, Removed};
use crate::capture::CaptureFile;

/// How many events one batch holds.
const BATCH: usize = 256;

/// The drain of one capture file.
pub struct FileDrain {
    uri: String,
    path: PathBuf,
    capture: Arc<CaptureFile>,
    next: usize,
    removed: BTreeSet<usize>,
    /// Unreadable lines passed over since the last `take_unreadable`.
    unreadable: Vec<String>,
}

impl FileDrain {
    pub(super) fn new(uri: String, path: PathBuf, capture: Arc<CaptureFile>) -> Self {
        FileDrain {
            uri,
            path,
            capture,
            next: 0,
            removed: BTreeSet::new(),
            unreadable: Vec::new(),
        }
    }
}

#[async_trait]
impl Drain for FileDrain {
    async fn next_batch(&mut self) -> Result<Vec<Leased>, BackendError> {
        let mut batch = Vec::new();
        while batch.len() < BATCH && self.next < self.capture.len() {
            let index = self.next;
            self.next += 1;
            // An unreadable capture line stays where it is: it is never
            // handed out, and reported.
            match self.capture.decode(index) {
                Ok((event, _)) => batch.push(Leased {
                    lease: index as LeaseId,
                    event,
                }),
                Err(error) => self.unreadable.push(error.to_string()),
            }
        }
        Ok(batch)
    }

    async fn remove(&mut self, leases: &[LeaseId]) -> Result<Vec<Removed>, BackendError> {
        Ok(leases
            .iter()
            .map(|&lease| {
                let index = usize::try_from(lease).unwrap_or(usize::MAX);
                let outcome = if index < self.next {
                    self.removed.insert(index);
                    Ok(())
                } else {
                    Err(format!("event {lease} was not handed out by this drain"))
                };
                (lease, outcome)
            })
            .collect())
    }

    fn expects_json(&self, lease: LeaseId) -> bool {
        let index = usize::try_from(lease).unwrap_or(usize::MAX);
        let record = Record::Line {
            file: self.capture.clone(),
            index,
        };
        index < self.capture.len() && record.expects_json()
    }

    fn take_unreadable(&mut self) -> Vec<String> {
        std::mem::take(&mut self.unreadable)
    }

    /// The file is rewritten once, in `finish`.
    fn removes_on_finish(&self) -> bool {
        true
    }

    async fn finish(self: Box<Self>) -> Result<(), BackendError> {
        if self.removed.is_empty() {
            return Ok(());
        }
        let uri = self.uri.clone();
        tokio::task::spawn_blocking(move || {
            rewrite_without(&self.path, &self.capture, &self.removed)
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|r| r)
        .map_err(|source| BackendError::Io {
            uri,
            action: "rewriting the file without the moved events",
            source,
        })
    }
}

/// Rewrite `path` without the lines in `removed`: write a temporary sibling,
/// sync it, rename it over the original, sync the directory. Lines appended
/// to the file since it was loaded are kept.
fn rewrite_without(
    path: &Path,
    capture: &CaptureFile,
    removed: &BTreeSet<usize>,
) -> std::io::Result<()> {
    let current = std::fs::read(path)?;
    let loaded_len = capture.byte_len();
    if current.len() < loaded_len {
        return Err(std::io::Error::other(
            "the file shrank while evscope held it; nothing was removed (run the redrive again)",
        ));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.evscope-{}.tmp", std::process::id()));
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        for (index, span) in capture.spans().iter().enumerate() {
            if removed.contains(&index) {
                continue;
            }
            let start = span.start as usize;
            out.write_all(&current[start..start + span.len as usize])?;
            out.write_all(b"\n")?;
        }
        out.write_all(&current[loaded_len..])?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
