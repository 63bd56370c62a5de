//! The `:` command line: parsing and completion.

use std::path::Path;

use super::theme::Theme;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `open SOURCE`.
    Open(String),
    /// `replay TARGET`.
    Replay(String),
    /// `redrive [TARGET]`.
    Redrive(Option<String>),
    /// `delete`: the selected events, or the one under the cursor.
    Delete,
    /// `purge`: every event of the source.
    Purge,
    /// `export FILE`.
    Export(String),
    /// `theme NAME`.
    Theme(String),
    /// `contracts PATH`: load or reload contracts.
    Contracts(String),
    /// `diff A B`: compare two sources.
    Diff(String, String),
    /// `stats ROWS [COLS]`: the pivot of the events shown.
    Stats(String, Option<String>),
    /// `help`.
    Help,
    /// `journal`: the operations that changed sources.
    Journal,
    /// `flows`: the flows view.
    Flows,
    /// `context [NAME]`: switch context (no name: list them).
    Context(String),
    /// `quit`.
    Quit,
}

/// Command names with their argument, for completion and errors.
pub const COMMANDS: &[(&str, &str)] = &[
    ("open", "SOURCE"),
    ("replay", "TARGET [--rate N/s | --pace original[:SPEED]]"),
    ("redrive", "[TARGET]"),
    ("delete", ""),
    ("purge", ""),
    ("export", "FILE"),
    ("theme", "NAME"),
    ("contracts", "PATH"),
    ("flows", ""),
    ("stats", "ROWS [COLS]"),
    ("diff", "A B"),
    ("help", ""),
    ("journal", ""),
    ("context", "[NAME]"),
    ("quit", ""),
];

/// Parse a command line.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (name, arg) = match line.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (line, ""),
    };
    let need = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!("`{name}` needs {what}"))
        } else {
            Ok(arg.to_string())
        }
    };
    match name {
        "open" | "o" => need("a source: a file, demo:payments, sqs://QUEUE…").map(Command::Open),
        "replay" => need("a target: a file or a source URI").map(Command::Replay),
        "redrive" => Ok(Command::Redrive((!arg.is_empty()).then(|| arg.to_string()))),
        "delete" => Ok(Command::Delete),
        "purge" => Ok(Command::Purge),
        "export" | "w" => need("a file name").map(Command::Export),
        "theme" => need("a theme name").map(Command::Theme),
        "contracts" => need("a contracts directory or AsyncAPI file").map(Command::Contracts),
        "diff" => {
            let words = need("two sources: A B")?;
            let mut words = words.split_whitespace().map(str::to_string);
            match (words.next(), words.next(), words.next()) {
                (Some(a), Some(b), None) => Ok(Command::Diff(a, b)),
                _ => Err("`diff` takes two sources: A B".into()),
            }
        }
        "stats" => {
            let words = need("a key: day, hour, type, source, $.body.status…")?;
            let mut words = words.split_whitespace().map(str::to_string);
            match (words.next(), words.next(), words.next()) {
                (Some(rows), cols, None) => Ok(Command::Stats(rows, cols)),
                _ => Err("`stats` takes ROWS and at most COLS (keys without spaces)".into()),
            }
        }
        "help" | "h" => Ok(Command::Help),
        "journal" => Ok(Command::Journal),
        "flows" => Ok(Command::Flows),
        "context" | "ctx" => Ok(Command::Context(arg.to_string())),
        "quit" | "q" | "q!" => Ok(Command::Quit),
        "" => {
            Err("type a command: open, replay, redrive, delete, purge, export, theme, quit".into())
        }
        other => Err(format!(
            "unknown command `{other}` (commands: {})",
            COMMANDS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Completion candidates for the word being typed at the end of `before`
/// (the text left of the cursor). `sources` are the known source URIs.
pub fn candidates(before: &str, sources: &[String], config_dir: Option<&Path>) -> Vec<String> {
    let words: Vec<&str> = before.split(' ').collect();
    let word = words.last().copied().unwrap_or("");
    if words.len() <= 1 {
        return COMMANDS
            .iter()
            .map(|(n, _)| n.to_string())
            .filter(|n| n.starts_with(word))
            .collect();
    }
    let pool: Vec<String> = match words[0] {
        "open" | "o" => {
            let mut pool = demo_uris();
            pool.extend(paths(word));
            pool
        }
        "replay" | "redrive" => {
            let mut pool = sources.to_vec();
            pool.extend(paths(word));
            pool
        }
        "export" | "w" | "contracts" => paths(word),
        "theme" => Theme::names(config_dir),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = pool.into_iter().filter(|c| c.starts_with(word)).collect();
    out.sort();
    out.dedup();
    out
}

/// Candidates for a target prompt (no command word).
pub fn target_candidates(word: &str, sources: &[String]) -> Vec<String> {
    let mut pool = sources.to_vec();
    pool.extend(paths(word));
    let mut out: Vec<String> = pool.into_iter().filter(|c| c.starts_with(word)).collect();
    out.sort();
    out.dedup();
    out
}

fn demo_uris() -> Vec<String> {
    let mut uris = vec!["demo".to_string()];
    uris.extend(
        crate::backend::DEMO_PARTS
            .iter()
            .map(|p| format!("demo:{p}")),
    );
    uris
}

/// Files and directories completing `word` as a path (directories end in `/`).
fn paths(word: &str) -> Vec<String> {
    if word.contains("://") || word.starts_with("demo") {
        return Vec::new();
    }
    let (dir, shown_dir) = match word.rfind('/') {
        Some(i) => (&word[..=i], &word[..=i]),
        None => ("./", ""),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten().take(500) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && !word.ends_with('.') {
            continue;
        }
        let slash = if entry.path().is_dir() { "/" } else { "" };
        out.push(format!("{shown_dir}{name}{slash}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse("open x.jsonl"), Ok(Command::Open("x.jsonl".into())));
        assert_eq!(parse("redrive"), Ok(Command::Redrive(None)));
        assert_eq!(parse("delete"), Ok(Command::Delete));
        assert_eq!(parse("purge"), Ok(Command::Purge));
        assert_eq!(parse(" q "), Ok(Command::Quit));
        assert_eq!(
            parse("replay"),
            Err("`replay` needs a target: a file or a source URI".into())
        );
        assert!(
            parse("frob")
                .unwrap_err()
                .starts_with("unknown command `frob`")
        );
    }

    #[test]
    fn completes_commands_and_sources() {
        assert_eq!(candidates("re", &[], None), vec!["replay", "redrive"]);
        let sources = vec!["demo:payments".to_string(), "demo:payments.dlq".to_string()];
        assert_eq!(
            candidates("replay demo:p", &sources, None),
            vec!["demo:payments", "demo:payments.dlq"]
        );
        assert_eq!(candidates("theme so", &[], None), vec!["solarized"]);
    }
}
