//! What the TUI remembers across runs: the filter and command histories
//! (one entry per line in the state directory, bounded) and the saved
//! filters (`[filters]` in the config, plus those saved with
//! `:filter save NAME` in the state directory's `filters.toml`).
//!
//! Nothing that looks like a secret is written: an entry the masking
//! policy would change is kept for this run only.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::backend::file::replace::Replacement;

/// Most entries a history keeps.
pub const HISTORY_MAX: usize = 500;
/// Longest entry written.
const ENTRY_MAX: usize = 4096;

/// Whether an entry may be written to a file: one line, not too long, and
/// nothing the masking policy would hide.
pub fn writable(entry: &str) -> bool {
    !entry.is_empty()
        && entry.len() <= ENTRY_MAX
        && !entry.contains(['\n', '\r'])
        && crate::secrets::mask_text(entry) == entry
}

/// A history file: one entry per line, oldest first.
#[derive(Debug, Clone)]
pub struct HistoryFile {
    path: PathBuf,
}

impl HistoryFile {
    /// The history named `name` (`filter`, `command`) in `dir`.
    pub fn new(dir: &Path, name: &str) -> HistoryFile {
        HistoryFile {
            path: dir.join(format!("{name}-history")),
        }
    }

    /// The last entries (at most [`HISTORY_MAX`]); none when unreadable.
    pub fn load(&self) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return Vec::new();
        };
        let mut entries: Vec<String> = Vec::new();
        for line in text.lines().filter(|l| writable(l)) {
            // Repeats move to the end.
            entries.retain(|e| e != line);
            entries.push(line.to_string());
        }
        let skip = entries.len().saturating_sub(HISTORY_MAX);
        entries.split_off(skip)
    }

    /// Append an entry (unless it may not be written); the file is cut
    /// back to its last [`HISTORY_MAX`] entries when it grows to twice that.
    pub fn remember(&self, entry: &str) -> Result<(), String> {
        if !writable(entry) {
            return Ok(());
        }
        crate::state::append_line(&self.path, &format!("{entry}\n"))?;
        let lines = std::fs::read_to_string(&self.path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines > 2 * HISTORY_MAX {
            let kept = self.load().join("\n") + "\n";
            let mut replacement = Replacement::begin(&self.path).map_err(|e| e.to_string())?;
            replacement
                .file()
                .write_all(kept.as_bytes())
                .map_err(|e| e.to_string())?;
            replacement.commit().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Where a saved filter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `[filters]` in the config file.
    Config,
    /// Saved from the TUI (`:filter save NAME`).
    Saved,
}

/// The saved filters, by name.
#[derive(Debug, Clone, Default)]
pub struct SavedFilters {
    config: BTreeMap<String, String>,
    saved: BTreeMap<String, String>,
    file: Option<PathBuf>,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct FiltersFile {
    #[serde(default)]
    filters: BTreeMap<String, String>,
}

impl SavedFilters {
    /// The config's filters, and those saved in `dir`'s `filters.toml`.
    pub fn load(config: BTreeMap<String, String>, dir: Option<&Path>) -> SavedFilters {
        let file = dir.map(|d| d.join("filters.toml"));
        let saved = file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|t| toml::from_str::<FiltersFile>(&t).ok())
            .map(|f| f.filters)
            .unwrap_or_default();
        SavedFilters {
            config,
            saved,
            file,
        }
    }

    /// The expression saved as `name` (saved ones shadow the config's).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.saved
            .get(name)
            .or_else(|| self.config.get(name))
            .map(String::as_str)
    }

    /// Every saved filter: name, expression, origin; by name.
    pub fn all(&self) -> Vec<(&str, &str, Origin)> {
        let mut all: Vec<(&str, &str, Origin)> = self
            .saved
            .iter()
            .map(|(n, e)| (n.as_str(), e.as_str(), Origin::Saved))
            .collect();
        for (name, expr) in &self.config {
            if !self.saved.contains_key(name) {
                all.push((name, expr, Origin::Config));
            }
        }
        all.sort_by_key(|(name, _, _)| *name);
        all
    }

    /// The names, for completion.
    pub fn names(&self) -> Vec<String> {
        self.all().iter().map(|(n, _, _)| n.to_string()).collect()
    }

    /// Save `expression` as `name` in the state directory's file.
    pub fn save(&mut self, name: &str, expression: &str) -> Result<(), String> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(format!(
                "filter name `{name}`: use letters, digits, `_` and `-`"
            ));
        }
        if !writable(expression) {
            return Err(
                "this filter holds what looks like a secret; evscope does not write it to a file"
                    .into(),
            );
        }
        let mut saved = self.saved.clone();
        saved.insert(name.to_string(), expression.to_string());
        self.write(&saved)?;
        self.saved = saved;
        Ok(())
    }

    /// Forget a filter saved from the TUI.
    pub fn delete(&mut self, name: &str) -> Result<(), String> {
        if !self.saved.contains_key(name) {
            return Err(if self.config.contains_key(name) {
                format!("`{name}` is in the config file's [filters]; remove it there")
            } else {
                format!("no saved filter `{name}`")
            });
        }
        let mut saved = self.saved.clone();
        saved.remove(name);
        self.write(&saved)?;
        self.saved = saved;
        Ok(())
    }

    fn write(&self, saved: &BTreeMap<String, String>) -> Result<(), String> {
        let file = self
            .file
            .as_ref()
            .ok_or("no state directory to save filters in")?;
        let text = toml::to_string(&FiltersFile {
            filters: saved.clone(),
        })
        .map_err(|e| e.to_string())?;
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", file.display());
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut replacement = Replacement::begin(file).map_err(fail)?;
        replacement
            .file()
            .write_all(text.as_bytes())
            .map_err(fail)?;
        replacement.commit().map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_keep_the_last_entries_and_never_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let history = HistoryFile::new(dir.path(), "filter");
        history.remember("@.meta.expired == true").unwrap();
        history.remember("@.id == 'a'").unwrap();
        history.remember("@.meta.expired == true").unwrap();
        history
            .remember("@.attributes.authorization == 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln'")
            .unwrap();
        history.remember("two\nlines").unwrap();
        assert_eq!(
            history.load(),
            vec!["@.id == 'a'", "@.meta.expired == true"]
        );
        let text = std::fs::read_to_string(dir.path().join("filter-history")).unwrap();
        assert!(!text.contains("eyJ"), "{text}");
        for n in 0..2 * HISTORY_MAX + 1 {
            history.remember(&format!("@.id == '{n}'")).unwrap();
        }
        let entries = history.load();
        assert_eq!(entries.len(), HISTORY_MAX);
        assert_eq!(
            entries.last().unwrap(),
            &format!("@.id == '{}'", 2 * HISTORY_MAX)
        );
        let lines = std::fs::read_to_string(dir.path().join("filter-history"))
            .unwrap()
            .lines()
            .count();
        assert!(lines <= 2 * HISTORY_MAX, "{lines}");
    }

    #[test]
    fn saved_filters_shadow_the_config_and_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let config: BTreeMap<String, String> =
            [("expired".to_string(), "@.meta.expired == true".to_string())].into();
        let mut filters = SavedFilters::load(config.clone(), Some(dir.path()));
        filters.save("big", "@.body.amount > 100").unwrap();
        assert!(filters.save("bad name", "@.x").is_err());
        assert!(
            filters
                .save("tok", "@.key == 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'")
                .is_err()
        );
        let again = SavedFilters::load(config, Some(dir.path()));
        assert_eq!(again.get("big"), Some("@.body.amount > 100"));
        assert_eq!(again.get("expired"), Some("@.meta.expired == true"));
        assert_eq!(again.names(), vec!["big", "expired"]);
        let mut again = again;
        assert!(again.delete("expired").unwrap_err().contains("config"));
        again.delete("big").unwrap();
        assert_eq!(again.get("big"), None);
    }
}
