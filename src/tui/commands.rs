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
    /// `sort COLUMN [asc|desc]`, `sort off`.
    Sort(String, Option<String>),
    /// `columns [NAME[:WIDTH]...]`, `columns reset`.
    Columns(Vec<String>),
    /// `column add NAME PATH`, `column remove NAME`.
    Column(String, String, Option<String>),
    /// `filter NAME`: apply a saved filter.
    Filter(String),
    /// `filter save NAME`: save the filter in effect.
    FilterSave(String),
    /// `filter delete NAME`: forget a saved filter.
    FilterDelete(String),
    /// `filters`: pick a saved or recent filter.
    Filters,
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
    ("sort", "COLUMN [asc|desc] | off"),
    ("columns", "[NAME[:WIDTH]...] | reset"),
    ("column", "add NAME PATH | remove NAME"),
    ("filter", "NAME | save NAME | delete NAME"),
    ("filters", ""),
    ("help", ""),
    ("journal", ""),
    ("context", "[NAME]"),
    ("quit", ""),
];

/// Whether `name` can name a column or a saved filter: letters, digits,
/// `_` and `-` (so it is one word on the command line).
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

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
        "sort" => {
            let words = need("a column (time, type, id…), maybe asc or desc, or off")?;
            let mut words = words.split_whitespace().map(str::to_string);
            match (words.next(), words.next(), words.next()) {
                (Some(column), direction, None) => Ok(Command::Sort(column, direction)),
                _ => Err("`sort` takes COLUMN and at most asc or desc".into()),
            }
        }
        "columns" => Ok(Command::Columns(
            arg.split_whitespace().map(str::to_string).collect(),
        )),
        "column" => {
            let words = need("add NAME PATH or remove NAME")?;
            let mut words = words.splitn(3, char::is_whitespace).map(str::trim);
            match (words.next(), words.next(), words.next()) {
                (Some(verb), Some(name), path) if !name.is_empty() => Ok(Command::Column(
                    verb.to_string(),
                    name.to_string(),
                    path.filter(|p| !p.is_empty()).map(str::to_string),
                )),
                _ => Err("`column` takes add NAME PATH or remove NAME".into()),
            }
        }
        "filter" => {
            let words = need("a saved filter's name, or save NAME")?;
            let words: Vec<&str> = words.split_whitespace().collect();
            match words.as_slice() {
                ["save", name] => Ok(Command::FilterSave(name.to_string())),
                ["delete", name] => Ok(Command::FilterDelete(name.to_string())),
                [name] => Ok(Command::Filter(name.to_string())),
                _ => Err("`filter` takes NAME, save NAME or delete NAME".into()),
            }
        }
        "filters" => Ok(Command::Filters),
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

/// Names completion offers besides sources and files.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// The table's column names.
    pub columns: Vec<String>,
    /// The saved filters' names.
    pub filters: Vec<String>,
}

/// Completion candidates for the word being typed at the end of `before`
/// (the text left of the cursor). `sources` are the known source URIs.
pub fn candidates(
    before: &str,
    sources: &[String],
    config_dir: Option<&Path>,
    names: &Names,
) -> Vec<String> {
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
        "sort" if words.len() == 2 => {
            let mut pool = names.columns.clone();
            pool.push("off".into());
            pool
        }
        "sort" if words.len() == 3 => vec!["asc".into(), "desc".into()],
        "columns" => {
            let mut pool = names.columns.clone();
            if words.len() == 2 {
                pool.push("reset".into());
            }
            pool
        }
        "column" if words.len() == 2 => vec!["add".into(), "remove".into()],
        "column" if words.len() == 3 && words[1] == "remove" => names.columns.clone(),
        "filter" if words.len() == 2 => {
            let mut pool = names.filters.clone();
            pool.extend(["save".to_string(), "delete".to_string()]);
            pool
        }
        "filter" if words.len() == 3 && words[1] == "delete" => names.filters.clone(),
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
            parse("sort time desc"),
            Ok(Command::Sort("time".into(), Some("desc".into())))
        );
        assert_eq!(
            parse("column add amount $.body.data[0].amount"),
            Ok(Command::Column(
                "add".into(),
                "amount".into(),
                Some("$.body.data[0].amount".into())
            ))
        );
        assert_eq!(
            parse("filter save stuck"),
            Ok(Command::FilterSave("stuck".into()))
        );
        assert_eq!(parse("columns"), Ok(Command::Columns(vec![])));
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
        let none = Names::default();
        assert_eq!(
            candidates("re", &[], None, &none),
            vec!["replay", "redrive"]
        );
        let sources = vec!["demo:payments".to_string(), "demo:payments.dlq".to_string()];
        assert_eq!(
            candidates("replay demo:p", &sources, None, &none),
            vec!["demo:payments", "demo:payments.dlq"]
        );
        assert_eq!(candidates("theme so", &[], None, &none), vec!["solarized"]);
        let names = Names {
            columns: vec!["time".into(), "type".into(), "amount".into()],
            filters: vec!["stuck".into()],
        };
        assert_eq!(
            candidates("sort t", &[], None, &names),
            vec!["time", "type"]
        );
        assert_eq!(candidates("sort time d", &[], None, &names), vec!["desc"]);
        assert_eq!(
            candidates("filter s", &[], None, &names),
            vec!["save", "stuck"]
        );
        assert_eq!(
            candidates("column remove am", &[], None, &names),
            vec!["amount"]
        );
    }
}
