//! evscope's own state directory (`$XDG_STATE_HOME/evscope`, by default
//! `~/.local/state/evscope`, on Linux; the local data directory where the
//! platform has none) and the one safe way to append a line to a file in
//! it: the journal, the log and the input histories use it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The state directory, when the platform has a home.
pub fn dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "evscope")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Append `text` (a whole line, newline included) to `path`: created with
/// mode 0600 when new (and its folder), never through a symbolic link, and
/// only to a regular file. One `write` call on a file opened for
/// appending, so lines of concurrent evscopes do not interleave.
pub fn append_line(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create its folder: {e}"))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP) => "it is a symbolic link, which evscope does not write through".into(),
        _ => e.to_string(),
    })?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())
}
