//! What a capture file was on disk when it was read, and whether it is
//! still that file: its identity (device and inode, which no spelling of a
//! path, symlink or hard link changes) and its length.

use std::fs::Metadata;
use std::io;
use std::path::Path;

/// A file's identity: device and inode. Two paths name the same file
/// exactly when their identities are equal (`x`, `./x`, `/abs/x`, a symlink
/// or a hard link to it).
///
/// Taken from `stat`, not from an open handle (as the `same-file` crate
/// does): opening a FIFO to compare it would block until a writer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// The identity in `meta` (from `metadata`, which follows symlinks).
    pub fn of_meta(meta: &Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }

    /// The identity of the file `path` names (through symlinks); `None`
    /// when there is none.
    pub fn of_path(path: &Path) -> io::Result<Option<FileId>> {
        match std::fs::metadata(path) {
            Ok(meta) => Ok(Some(FileId::of_meta(&meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Whether two paths name the same existing file (device and inode): the
/// one same-file test of export, replay and redrive.
pub fn same_file(a: &Path, b: &Path) -> bool {
    matches!(
        (FileId::of_path(a), FileId::of_path(b)),
        (Ok(Some(x)), Ok(Some(y))) if x == y
    )
}

/// A regular file as it was read: which file, and how many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnDisk {
    /// Its identity.
    pub id: FileId,
    /// The bytes read.
    pub len: u64,
}

/// How the file at a path differs from what was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The same file is shorter than what was read (truncated in place:
    /// `: > file`, a copy-truncate log rotation).
    Shrank {
        /// Bytes read.
        from: u64,
        /// Bytes now.
        to: u64,
    },
    /// The path names another file now (rotated, replaced by a rename), or
    /// none.
    Replaced,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Shrank { from, to } => write!(
                f,
                "the file was truncated while evscope read it ({from} bytes read, {to} now)"
            ),
            Change::Replaced => {
                write!(f, "the file was replaced or removed while evscope read it")
            }
        }
    }
}

impl OnDisk {
    /// The regular file `meta` describes, as long as it is now.
    pub fn of_meta(meta: &Metadata) -> OnDisk {
        OnDisk {
            id: FileId::of_meta(meta),
            len: meta.len(),
        }
    }

    /// How the file at `path` differs from this: `None` when it is the same
    /// file, as long or longer (appended to).
    pub fn change_at(&self, path: &Path) -> io::Result<Option<Change>> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Some(Change::Replaced)),
            Err(e) => return Err(e),
        };
        Ok(if FileId::of_meta(&meta) != self.id {
            Some(Change::Replaced)
        } else if meta.len() < self.len {
            Some(Change::Shrank {
                from: self.len,
                to: meta.len(),
            })
        } else {
            None
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_file_sees_through_spellings_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        std::fs::write(&a, "x\n").unwrap();
        let hard = dir.path().join("hard.jsonl");
        std::fs::hard_link(&a, &hard).unwrap();
        let soft = dir.path().join("soft.jsonl");
        std::os::unix::fs::symlink(&a, &soft).unwrap();
        let other = dir.path().join("b.jsonl");
        std::fs::write(&other, "x\n").unwrap();
        assert!(same_file(&a, &hard));
        assert!(same_file(&a, &soft));
        assert!(same_file(&a, &dir.path().join(".").join("a.jsonl")));
        assert!(!same_file(&a, &other));
        assert!(!same_file(&a, &dir.path().join("missing")));
    }

    #[test]
    fn notices_truncation_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        std::fs::write(&a, "1\n2\n").unwrap();
        let meta = std::fs::metadata(&a).unwrap();
        let read = OnDisk {
            id: FileId::of_meta(&meta),
            len: meta.len(),
        };
        assert_eq!(read.change_at(&a).unwrap(), None);
        std::fs::write(&a, "1\n2\n3\n").unwrap();
        assert_eq!(read.change_at(&a).unwrap(), None, "appended");
        std::fs::write(&a, "").unwrap();
        assert_eq!(
            read.change_at(&a).unwrap(),
            Some(Change::Shrank { from: 4, to: 0 })
        );
        let b = dir.path().join("b.jsonl");
        std::fs::write(&b, "1\n2\n3\n").unwrap();
        std::fs::rename(&b, &a).unwrap();
        assert_eq!(read.change_at(&a).unwrap(), Some(Change::Replaced));
    }
}
