//! Reading contract files from disk for [`crate::analyze::contracts`]: a
//! file, or every `.json`, `.yaml` and `.yml` file under a directory.

use std::path::{Path, PathBuf};

use crate::analyze::contracts::{ContractError, ContractFile, Contracts};

/// Files larger than this are refused (a contract is a few kilobytes).
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// How deep a contract directory is walked.
const MAX_DEPTH: usize = 8;

/// A contract path that cannot be read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ContractFilesError {
    /// The path or a file under it cannot be read.
    #[error("contracts {path}: {reason}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A file was read but does not load.
    #[error("contracts: {0}")]
    Load(#[from] ContractError),
}

/// Load the contracts at every path (a directory of schema files, or one
/// AsyncAPI or schema file), merged.
pub fn load_contracts(paths: &[PathBuf]) -> Result<Contracts, ContractFilesError> {
    let mut all = Contracts::default();
    for path in paths {
        let files = read_contract_files(path)?;
        all.merge(Contracts::from_files(&path.display().to_string(), &files)?)?;
    }
    Ok(all)
}

/// The contract files at `path`, sorted by relative path.
pub fn read_contract_files(path: &Path) -> Result<Vec<ContractFile>, ContractFilesError> {
    let read_error = |p: &Path, reason: String| ContractFilesError::Read {
        path: p.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_error(path, e.to_string()))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        walk(path, path, 0, &mut files)?;
        files.sort_by(|a: &ContractFile, b| a.relative.cmp(&b.relative));
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(read_one(path, name)?);
    }
    Ok(files)
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    files: &mut Vec<ContractFile>,
) -> Result<(), ContractFilesError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ContractFilesError::Read {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // `metadata` follows links; a link loop ends at MAX_DEPTH.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(root, &path, depth + 1, files)?;
            }
        } else if meta.is_file()
            && [".json", ".yaml", ".yml"]
                .iter()
                .any(|ext| name.to_ascii_lowercase().ends_with(ext))
        {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push(read_one(&path, relative)?);
        }
    }
    Ok(())
}

fn read_one(path: &Path, relative: String) -> Result<ContractFile, ContractFilesError> {
    let read_error = |reason: String| ContractFilesError::Read {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_error(e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(read_error(format!(
            "{} bytes is too large for a contract (at most {MAX_FILE_BYTES})",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| read_error(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| read_error("not UTF-8 text".into()))?;
    let absolute = std::path::absolute(path).map_err(|e| read_error(e.to_string()))?;
    Ok(ContractFile {
        relative,
        display: path.display().to_string(),
        uri: file_uri(&absolute),
        text,
    })
}

/// The `file://` URI of an absolute path, percent-encoding what a URI
/// path may not hold.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char)
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}
