//! The filter input, the command line and the target prompt.

use super::*;
use crate::filter::Filter;
use crate::tui::action::Action;
use crate::tui::app::{App, InputError, Level, Mode, Prompt};
use crate::tui::commands::{self, Command};
use crate::tui::safe::Safe;
use crate::tui::theme::Theme;

/// Filter fields offered by completion in the filter input.
pub(super) const FILTER_FIELDS: &[&str] = &[
    "@.id",
    "@.source",
    "@.key",
    "@.receive_count",
    "@.published_at",
    "@.attributes.",
    "@.system.",
    "@.body.",
    "@.meta.type",
    "@.meta.version",
    "@.meta.expired",
    "@.meta.expires_at",
    "@.meta.created_at",
    "@.meta.location.country",
    "@.meta.location.ip",
    "@.meta.security.principal",
    "@.meta.correlation.correlation_id",
    "@.meta.correlation.causation_id",
    "@.meta.correlation.trace_id",
    "@.problems",
];

pub(super) fn validate_filter(app: &mut App) {
    app.input_error = match Filter::parse(app.filter_input.text()) {
        Ok(_) => None,
        Err(error) => Some(InputError {
            message: Safe::masked(&error.to_string()),
            position: error.position,
        }),
    };
}

pub(super) fn edit_line(input: &mut crate::tui::input::LineInput, action: &Action) -> bool {
    match action {
        Action::Insert(c) => input.insert(*c),
        Action::Paste(text) => input.insert_str(text),
        Action::Backspace => input.backspace(),
        Action::DeleteChar => input.delete(),
        Action::CursorLeft => input.move_by(-1),
        Action::CursorRight => input.move_by(1),
        Action::CursorHome => input.home(),
        Action::CursorEnd => input.end(),
        Action::DeleteWord => input.delete_word(),
        Action::ClearLine => input.clear(),
        Action::HistoryPrev => input.recall(true),
        Action::HistoryNext => input.recall(false),
        _ => return false,
    }
    true
}

pub(super) fn filter_input(app: &mut App, action: Action) {
    if edit_line(&mut app.filter_input, &action) {
        validate_filter(app);
        super::filters::typed(app);
        return;
    }
    match action {
        Action::Submit => {
            let text = app.filter_input.text().trim().to_string();
            match Filter::parse(&text) {
                Ok(filter) => {
                    let filter = (!filter.is_match_all()).then_some(filter);
                    let note = if filter.is_some() {
                        format!("filter: {text}")
                    } else {
                        "filter cleared".into()
                    };
                    super::filters::commit(app, &text, filter);
                    app.mode = Mode::List;
                    app.input_error = None;
                    status(app, Level::Info, &note);
                }
                Err(error) => {
                    app.input_error = Some(InputError {
                        message: Safe::masked(&error.to_string()),
                        position: error.position,
                    });
                }
            }
        }
        Action::Cancel => {
            super::filters::cancel(app);
            app.mode = Mode::List;
            app.input_error = None;
        }
        Action::PickFilter => {
            app.mode = Mode::List;
            app.input_error = None;
            super::filters::cancel(app);
            super::filters::open_picker(app);
        }
        Action::Complete => {
            let (_, word) = app.filter_input.current_word();
            let stem = word.trim_start_matches(['(', '!']);
            // The custom columns' paths are fields too.
            let custom: Vec<String> = app
                .columns
                .custom
                .iter()
                .map(|c| format!("@{}", c.path.text().trim_start_matches('$')))
                .collect();
            let candidates: Vec<String> = FILTER_FIELDS
                .iter()
                .copied()
                .chain(custom.iter().map(String::as_str))
                .filter(|f| f.starts_with(stem) && !stem.is_empty())
                .map(|f| format!("{}{f}", &word[..word.len() - stem.len()]))
                .collect();
            app.filter_input.complete(candidates);
            validate_filter(app);
            super::filters::typed(app);
        }
        _ => {}
    }
}

pub(super) fn open_prompt(app: &mut App, prompt: Prompt) {
    app.mode = Mode::Prompt(prompt);
    app.command_input.clear();
    app.input_error = None;
}

pub(super) fn known_uris(app: &App) -> Vec<String> {
    let mut uris: Vec<String> = Vec::new();
    for slot in &app.sources {
        uris.push(slot.uri().to_string());
        if let Some(info) = &slot.info {
            uris.extend(info.dlq.iter().cloned());
            uris.extend(info.dlq_of.iter().cloned());
        }
    }
    uris
}

pub(super) fn command_input(app: &mut App, action: Action) {
    if edit_line(&mut app.command_input, &action) {
        app.input_error = None;
        return;
    }
    match action {
        Action::Cancel => {
            app.mode = Mode::List;
            app.input_error = None;
            app.edited = None;
        }
        Action::Complete => {
            let uris = known_uris(app);
            let candidates = match app.mode {
                Mode::Prompt(_) => {
                    let (_, word) = app.command_input.current_word();
                    commands::target_candidates(&word, &uris)
                }
                _ => {
                    let before: String = app
                        .command_input
                        .text()
                        .chars()
                        .take(app.command_input.cursor())
                        .collect();
                    let names = commands::Names {
                        columns: app.columns.names(),
                        filters: app.saved_filters.names(),
                    };
                    crate::tui::context::candidates(app, &before).unwrap_or_else(|| {
                        commands::candidates(&before, &uris, app.config_dir.as_deref(), &names)
                    })
                }
            };
            app.command_input.complete(candidates);
        }
        Action::Submit => {
            let text = app.command_input.text().trim().to_string();
            if let Some(entry) = app.command_input.commit_history() {
                super::filters::remember(app, "command", &entry);
            }
            match app.mode {
                Mode::Prompt(Prompt::ReplayTarget) => {
                    if text.is_empty() {
                        app.input_error = Some(InputError {
                            message: Safe::masked("name a target: a file or a source"),
                            position: None,
                        });
                        return;
                    }
                    app.mode = Mode::List;
                    start_replay(app, &text);
                }
                _ => match commands::parse(&text) {
                    Ok(command) => {
                        app.mode = Mode::List;
                        app.input_error = None;
                        run_command(app, command);
                    }
                    Err(message) => {
                        app.input_error = Some(InputError {
                            message: Safe::masked(&message),
                            position: None,
                        })
                    }
                },
            }
        }
        _ => {}
    }
}

pub(super) fn run_command(app: &mut App, command: Command) {
    // Commands are disabled with --read-only as their keys are.
    let action = match &command {
        Command::Replay(_) => Some(Action::Replay),
        Command::Redrive(_) => Some(Action::Redrive),
        Command::Delete => Some(Action::Delete),
        Command::Purge => Some(Action::Purge),
        _ => None,
    };
    if action.is_some_and(|action| refuse_read_only(app, &action)) {
        return;
    }
    match command {
        Command::Open(uri) => {
            app.open_source(&uri);
            status(app, Level::Info, &format!("opening {uri}…"));
        }
        Command::Replay(target) => {
            if operation_rows(app).is_empty() {
                status(app, Level::Warning, "nothing to replay: no event selected");
                return;
            }
            start_replay(app, &target);
        }
        Command::Redrive(target) => start_redrive(app, target),
        Command::Delete => start_delete(app),
        Command::Purge => start_purge(app),
        Command::Export(path) => start_export(app, &path),
        Command::Contracts(path) => {
            app.effects.push(Effect::LoadContracts(path.clone()));
            status(app, Level::Info, &format!("loading contracts from {path}…"));
        }
        Command::Theme(name) => match Theme::load(&name, app.config_dir.as_deref()) {
            Ok(theme) => {
                app.theme = if Theme::no_color_requested() {
                    theme.without_colors()
                } else {
                    theme
                };
                status(app, Level::Success, &format!("theme {name}"));
            }
            Err(error) => status(app, Level::Error, &error.to_string()),
        },
        Command::Stats(rows, cols) => super::stats::open(app, &rows, cols.as_deref()),
        Command::Diff(a, b) => super::stats::open_compare(app, &a, &b),
        Command::Help => {
            app.mode = Mode::Help;
            app.help_scroll = 0;
        }
        Command::Journal => match crate::ops::journal::current().operations() {
            Ok(operations) => {
                app.journal_view = Some(crate::tui::views::journal::lines(&operations));
                app.mode = Mode::Help;
                app.help_scroll = 0;
            }
            Err(error) => status(app, Level::Error, &error.to_string()),
        },
        Command::Flows => open_flows(app),
        Command::Context(name) => super::context::switch(app, &name),
        Command::Sort(column, direction) => {
            super::sort::command(app, &column, direction.as_deref())
        }
        Command::Columns(words) => super::sort::columns_command(app, &words),
        Command::Column(verb, name, path) => {
            super::sort::column_command(app, &verb, &name, path.as_deref())
        }
        Command::Filter(name) => super::filters::apply_saved(app, &name),
        Command::FilterSave(name) => super::filters::save(app, &name),
        Command::FilterDelete(name) => super::filters::delete(app, &name),
        Command::Filters => super::filters::open_picker(app),
        Command::Quit => app.quit = true,
    }
}
