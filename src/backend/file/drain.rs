//! Taking events out of a capture file: hand them out in batches, remember
//! which were removed, and rewrite the file once at the end.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use super::replace::Replacement;
use crate::backend::{BackendError, Drain, LeaseId, Leased, Record, Removed};
use crate::capture::{CaptureFile, is_partial_line};

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
        // A file truncated or replaced meanwhile: stop before sending more
        // of what may no longer be there (the rewrite would refuse anyway).
        if let Some(read) = self.capture.on_disk() {
            if let Ok(Some(change)) = read.change_at(&self.path) {
                return Err(BackendError::Changed {
                    uri: self.uri.clone(),
                    change,
                });
            }
        }
        let mut batch = Vec::new();
        while batch.len() < BATCH && self.next < self.capture.len() {
            let index = self.next;
            self.next += 1;
            // An unreadable capture line stays where it is: it is never
            // handed out, and reported; nor is a line a writer left
            // unfinished (it stays as it is, not reported as unreadable).
            if is_partial_line(self.capture.line(index)) {
                continue;
            }
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
        super::off_thread(move || rewrite_without(&self.path, &self.capture, &self.removed))
            .await
            .map_err(|source| BackendError::Io {
                uri,
                action: "rewriting the file without the moved events",
                source,
            })
    }
}

/// Rewrite `path` without the lines in `removed`, through [`Replacement`]
/// (the file a symlink points to, its mode and owner kept, synced, renamed,
/// directory synced). Lines appended to the file since it was loaded are
/// kept. Refused when the file is no longer what was loaded: truncated,
/// replaced (rotated) or rewritten.
fn rewrite_without(
    path: &Path,
    capture: &CaptureFile,
    removed: &BTreeSet<usize>,
) -> std::io::Result<()> {
    let Some(loaded) = capture.on_disk() else {
        return Err(std::io::Error::other(
            "it is not a regular file: events cannot be removed from it",
        ));
    };
    let unchanged = |what: String| {
        std::io::Error::other(format!(
            "{what}; nothing was removed (run it again on the file as it is now)"
        ))
    };
    if let Some(change) = loaded.change_at(path)? {
        return Err(unchanged(change.to_string()));
    }
    let mut replacement = Replacement::begin(path)?;
    let current = std::fs::read(replacement.real_path())?;
    let loaded_len = capture.bytes().len();
    if current.get(..loaded_len) != Some(capture.bytes()) {
        return Err(unchanged(
            "the file was changed by another program while evscope held it".into(),
        ));
    }
    {
        let mut out = std::io::BufWriter::new(replacement.file());
        for (index, span) in capture.spans().iter().enumerate() {
            if removed.contains(&index) {
                continue;
            }
            let start = span.start as usize;
            out.write_all(&current[start..start + span.len as usize])?;
            out.write_all(b"\n")?;
        }
        out.write_all(&current[loaded_len..])?;
        out.flush()?;
    }
    replacement.commit()
}

#[cfg(test)]
mod tests {
    use crate::backend::{Backend, OpenOptions};

    fn lines(n: usize) -> String {
        (0..n).map(|i| format!("{{\"n\":{i}}}\n")).collect()
    }

    #[tokio::test]
    async fn a_file_truncated_or_replaced_meanwhile_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.dlq.jsonl");
        for replace in [false, true] {
            std::fs::write(&path, lines(300)).unwrap();
            let backend =
                crate::backend::file::FileBackend::open_path(&path, &OpenOptions::default())
                    .unwrap();
            let mut drain = backend.drain().await.unwrap();
            let first = drain.next_batch().await.unwrap();
            let leases: Vec<_> = first.iter().map(|l| l.lease).collect();
            drain.remove(&leases).await.unwrap();
            let now = lines(2);
            if replace {
                let other = dir.path().join("other");
                std::fs::write(&other, &now).unwrap();
                std::fs::rename(&other, &path).unwrap();
            } else {
                std::fs::write(&path, &now).unwrap();
            }
            let err = drain.next_batch().await.unwrap_err().to_string();
            assert!(err.contains("while evscope read it"), "{err}");
            let err = drain.finish().await.unwrap_err().to_string();
            assert!(err.contains("nothing was removed"), "{err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), now);
        }
    }
}
