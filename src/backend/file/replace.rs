//! Replacing a file with a new version, atomically and without harming what
//! the path stands for: the new bytes go to a temporary file beside the
//! real file (through symlinks), which takes the old file's mode and owner,
//! is synced, renamed over the real file, and the directory is synced.
//!
//! Temporary files are named `.NAME.evscope-PID.RANDOM.tmp`; one left by a
//! process that was killed is found by [`stale_temps`] and removed on the
//! next run.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// A new version of a file being written.
pub struct Replacement {
    real: PathBuf,
    dir: PathBuf,
    tmp: tempfile::NamedTempFile,
    /// The file being replaced, when there is one.
    old: Option<std::fs::Metadata>,
}

impl Replacement {
    /// Start replacing the file `path` names. A symlink is followed: the
    /// file it points to is the one replaced, and the link stays. When there
    /// is no file yet, [`Replacement::commit`] creates it, unless one
    /// appeared meanwhile.
    pub fn begin(path: &Path) -> io::Result<Replacement> {
        let (real, old) = match std::fs::canonicalize(path) {
            Ok(real) => {
                let meta = std::fs::metadata(&real)?;
                (real, Some(meta))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        "it is a symlink to a file that does not exist; name the file itself",
                    ));
                }
                (path.to_path_buf(), None)
            }
            Err(e) => return Err(e),
        };
        let dir = parent_dir(&real);
        let name = file_name(&real);
        let prefix = format!(".{name}.evscope-{}.", std::process::id());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // A new file gets the ordinary mode (0666 less the umask), not the
        // temporary file's 0600.
        if old.is_none() {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir)?;
        if let Some(old) = &old {
            keep_mode_and_owner(tmp.as_file(), old)?;
        }
        Ok(Replacement {
            real,
            dir,
            tmp,
            old,
        })
    }

    /// The file that will be replaced (the target of a symlink).
    pub fn real_path(&self) -> &Path {
        &self.real
    }

    /// The new file, to write to.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// Sync the new file, rename it over the real one and sync the
    /// directory. On error the real file is untouched and the temporary
    /// file is removed.
    pub fn commit(self) -> io::Result<()> {
        self.tmp.as_file().sync_all()?;
        if self.old.is_some() {
            self.tmp.persist(&self.real).map_err(|e| e.error)?;
        } else {
            self.tmp.persist_noclobber(&self.real).map_err(|e| {
                if e.error.kind() == io::ErrorKind::AlreadyExists {
                    io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "a file of that name appeared meanwhile; it was left alone",
                    )
                } else {
                    e.error
                }
            })?;
        }
        File::open(&self.dir)?.sync_all()
    }
}

/// Give `tmp` the mode and owner of `old`. The owner is changed only when it
/// differs; a process that may not give files away (not root, not the
/// owner) gets an error instead of silently taking the file over.
fn keep_mode_and_owner(tmp: &File, old: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    tmp.set_permissions(old.permissions())?;
    let new = tmp.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
        std::os::unix::fs::fchown(tmp, Some(old.uid()), Some(old.gid())).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot keep its owner (uid {}, gid {}): {e}; run evscope as that user",
                    old.uid(),
                    old.gid()
                ),
            )
        })?;
        // chown clears setuid and setgid bits: set the mode again.
        tmp.set_permissions(old.permissions())?;
    }
    Ok(())
}

/// The directory of `path` (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Temporary files of `path` (through symlinks) left by evscope processes
/// that no longer run. Empty where processes cannot be looked up (no
/// `/proc`): a live process's file is never taken for a stale one.
pub fn stale_temps(path: &Path) -> Vec<PathBuf> {
    if !Path::new("/proc/self").exists() {
        return Vec::new();
    }
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let prefix = format!(".{}.evscope-", file_name(&real));
    let Ok(entries) = std::fs::read_dir(parent_dir(&real)) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
                return false;
            };
            let Some(rest) = rest.strip_suffix(".tmp") else {
                return false;
            };
            let pid = rest.split('.').next().unwrap_or_default();
            !pid.is_empty()
                && pid.bytes().all(|b| b.is_ascii_digit())
                && !Path::new("/proc").join(pid).exists()
                && entry.file_type().is_ok_and(|t| t.is_file())
        })
        .map(|entry| entry.path())
        .collect();
    stale.sort();
    stale
}

/// Remove the stale temporary files of `path`; a sentence saying what was
/// removed (or could not be), `None` when there were none.
pub fn clean_stale_temps(path: &Path, read_only: bool) -> Option<String> {
    let stale = stale_temps(path);
    if stale.is_empty() {
        return None;
    }
    let names = stale
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if read_only {
        return Some(format!(
            "{} temporary file(s) left by an interrupted evscope rewrite, not removed in read-only mode: {names}",
            stale.len()
        ));
    }
    let failed: Vec<String> = stale
        .iter()
        .filter_map(|p| {
            std::fs::remove_file(p)
                .err()
                .map(|e| format!("{}: {e}", p.display()))
        })
        .collect();
    Some(if failed.is_empty() {
        format!(
            "removed {} temporary file(s) left by an interrupted evscope rewrite: {names}",
            stale.len()
        )
    } else {
        format!(
            "could not remove temporary file(s) left by an interrupted evscope rewrite: {}",
            failed.join("; ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keeps_mode_and_writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.jsonl");
        std::fs::write(&real, "old\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut r = Replacement::begin(&link).unwrap();
        r.file().write_all(b"new\n").unwrap();
        r.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn finds_only_temps_of_dead_processes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("q.jsonl");
        std::fs::write(&file, "").unwrap();
        // pid_max is at most 4194304 on Linux: this pid cannot be running.
        let dead = dir.path().join(".q.jsonl.evscope-4999999.tmp");
        let dead_random = dir.path().join(".q.jsonl.evscope-4999998.a1B2c3.tmp");
        let alive = dir
            .path()
            .join(format!(".q.jsonl.evscope-{}.tmp", std::process::id()));
        let other = dir.path().join(".r.jsonl.evscope-4999999.tmp");
        for p in [&dead, &dead_random, &alive, &other] {
            std::fs::write(p, "x").unwrap();
        }
        assert_eq!(stale_temps(&file), vec![dead_random.clone(), dead.clone()]);
        let said = clean_stale_temps(&file, false).unwrap();
        assert!(said.starts_with("removed 2 temporary file(s)"), "{said}");
        assert!(!dead.exists() && !dead_random.exists());
        assert!(alive.exists() && other.exists());
    }
}
