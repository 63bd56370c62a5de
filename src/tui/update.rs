//! How the state changes: `update` for what the user asks ([`Action`]s),
//! `apply` for what background work reports ([`Msg`]s). Neither does I/O:
//! work is queued as [`Effect`]s for the event loop.

use std::collections::BTreeSet;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::action::Action;
use super::app::{
    App, Dialog, InputError, JobState, Level, LoadState, Mode, Pane, PendingOp, Preset, Prompt,
    Status, View,
};
use super::commands::{self, Command};
use super::content::{self, Tab};
use super::jobs::{Effect, JobOutcome, Msg};
use super::layout::contains;
use super::safe::Safe;
use super::summary::Summary;
use super::theme::Theme;
use crate::backend::{Record, SourceUri};
use crate::capture::DocumentOptions;
use crate::filter::Filter;
use crate::ops::JobControl;

/// Filter fields offered by completion in the filter input.
const FILTER_FIELDS: &[&str] = &[
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

/// The action for a key press in the current mode; in input modes an
/// unbound character is typed.
pub fn key_action(app: &App, key: &KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    if let Some(action) = app.keymap.action(app.mode.keys(), key) {
        return Some(action);
    }
    let typing = matches!(app.mode, Mode::Filter | Mode::Command | Mode::Prompt(_));
    match key.code {
        ratatui::crossterm::event::KeyCode::Char(c)
            if typing
                && !key
                    .modifiers
                    .intersects(ratatui::crossterm::event::KeyModifiers::CONTROL) =>
        {
            Some(Action::Insert(c))
        }
        _ => None,
    }
}

/// The action for a mouse event.
pub fn mouse_action(mouse: &MouseEvent) -> Option<Action> {
    match mouse.kind {
        MouseEventKind::Down(_) => Some(Action::Click(mouse.column, mouse.row)),
        MouseEventKind::ScrollDown => Some(Action::Wheel(mouse.column, mouse.row, true)),
        MouseEventKind::ScrollUp => Some(Action::Wheel(mouse.column, mouse.row, false)),
        _ => None,
    }
}

/// Apply a user action.
pub fn update(app: &mut App, action: Action) {
    match action {
        Action::Resize(w, h) => app.size = (w, h),
        Action::Click(x, y) if app.mode == Mode::List => click(app, x, y),
        Action::Wheel(x, y, down) => wheel(app, x, y, down),
        Action::Click(..) => {}
        action => match app.mode {
            Mode::List => list(app, action),
            Mode::Filter => filter_input(app, action),
            Mode::Command | Mode::Prompt(_) => command_input(app, action),
            Mode::Dialog => dialog(app, action),
            Mode::Help => help(app, action),
        },
    }
    settle(app);
}

/// Keep cursor, scroll and detail consistent with the state.
fn settle(app: &mut App) {
    let shown = app.shown();
    if app.cursor >= shown {
        app.cursor = shown.saturating_sub(1);
    }
    let page = app.areas().table_rows().max(1);
    if app.cursor < app.offset {
        app.offset = app.cursor;
    } else if app.cursor >= app.offset + page {
        app.offset = app.cursor + 1 - page;
    }
    app.offset = app.offset.min(shown.saturating_sub(page));
    let items = app.sources.len() + 1;
    app.source_cursor = app.source_cursor.min(items - 1);
    sync_detail(app);
}

/// Decode the event under the cursor and build the lines of the tab shown.
fn sync_detail(app: &mut App) {
    let Some(row) = app.current_row() else {
        app.detail.document = None;
        app.detail.lines.clear();
        app.detail.built_for = None;
        return;
    };
    if app.detail.document.as_ref().map(|(r, _)| *r) != Some(row) {
        let document = match app.store.record(row) {
            Some((record, _)) => app
                .decoder
                .document(record, app.now)
                .map(Arc::new)
                .map_err(|e| Safe::new(&e.to_string())),
            None => Err(Safe::new("the row is gone")),
        };
        app.detail.document = Some((row, document));
        app.detail.scroll = 0;
    }
    let key = (row, app.detail.tab, app.detail.reveal);
    if app.detail.built_for == Some(key) {
        return;
    }
    app.detail.lines = match &app.detail.document {
        Some((_, Ok(document))) => {
            content::build(document, app.detail.tab, app.detail.reveal, app.now)
        }
        Some((_, Err(error))) => vec![vec![content::Seg {
            role: super::theme::Role::Malformed,
            text: Safe::new(&format!("unreadable: {error}")),
        }]],
        None => Vec::new(),
    };
    app.detail.built_for = Some(key);
}

fn status(app: &mut App, level: Level, text: &str) {
    app.status = Some(Status {
        level,
        text: Safe::new(text),
    });
}

fn refuse_read_only(app: &mut App, action: &Action) -> bool {
    if app.read_only && action.changes_sources() {
        status(
            app,
            Level::Warning,
            &format!(
                "{} is disabled: evscope runs with --read-only",
                action.description()
            ),
        );
        return true;
    }
    false
}

fn list(app: &mut App, action: Action) {
    if refuse_read_only(app, &action) {
        return;
    }
    match action {
        Action::Quit => match &app.job {
            Some(job) if !job.control.is_cancelled() => {
                job.control.cancel();
                status(
                    app,
                    Level::Warning,
                    "cancelling the running operation; press q again to quit",
                );
            }
            _ => app.quit = true,
        },
        Action::Help => {
            app.mode = Mode::Help;
            app.help_scroll = 0;
        }
        Action::Up => move_by(app, -1),
        Action::Down => move_by(app, 1),
        Action::PageUp => move_by(app, -(page(app) as isize)),
        Action::PageDown => move_by(app, page(app) as isize),
        Action::Top => move_by(app, isize::MIN / 2),
        Action::Bottom => move_by(app, isize::MAX / 2),
        Action::NextPane => app.focus = next_pane(app.focus, true),
        Action::PrevPane => app.focus = next_pane(app.focus, false),
        Action::Activate => match app.focus {
            Pane::Sources => {
                scope_to_item(app, app.source_cursor);
                app.focus = Pane::Table;
            }
            Pane::Table => app.focus = Pane::Detail,
            Pane::Detail => app.focus = Pane::Table,
        },
        Action::NextTab => set_tab(app, (app.detail.tab.index() + 1) % Tab::ALL.len()),
        Action::PrevTab => set_tab(
            app,
            (app.detail.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len(),
        ),
        Action::TabBody => set_tab(app, 0),
        Action::TabAttributes => set_tab(app, 1),
        Action::TabFacets => set_tab(app, 2),
        Action::TabRaw => set_tab(app, 3),
        Action::NextSource | Action::PrevSource => {
            let items = app.sources.len() + 1;
            let at = match app.scope {
                None => 0,
                Some(slot) => app
                    .source_order()
                    .iter()
                    .position(|(s, _)| *s == slot)
                    .map_or(0, |p| p + 1),
            };
            let next = if action == Action::NextSource {
                (at + 1) % items
            } else {
                (at + items - 1) % items
            };
            app.source_cursor = next;
            scope_to_item(app, next);
        }
        Action::Filter => {
            app.mode = Mode::Filter;
            let text = app.filter.text.clone();
            app.filter_input.set(&text);
            validate_filter(app);
        }
        Action::Command => {
            app.mode = Mode::Command;
            app.command_input.clear();
            app.input_error = None;
        }
        Action::ClearFilter => {
            if app.constrained() {
                app.preset = None;
                app.scope = None;
                app.source_cursor = 0;
                set_filter(app, "", None);
                status(app, Level::Info, "showing every event");
            } else {
                app.status = None;
            }
        }
        Action::PresetExpired => set_preset(app, Some(Preset::Expired)),
        Action::PresetMalformed => set_preset(app, Some(Preset::Malformed)),
        Action::PresetCorrelated => set_preset(app, Some(Preset::Correlated)),
        Action::PresetSameType | Action::PresetSameCorrelation => {
            let Some(summary) = current_summary(app) else {
                status(app, Level::Warning, "no event under the cursor");
                return;
            };
            let preset = if action == Action::PresetSameType {
                summary.event_type.map(Preset::SameType)
            } else {
                summary.correlation.map(Preset::SameCorrelation)
            };
            match preset {
                Some(preset) => set_preset(app, Some(preset)),
                None => status(
                    app,
                    Level::Warning,
                    if action == Action::PresetSameType {
                        "this event has no type"
                    } else {
                        "this event has no correlation id"
                    },
                ),
            }
        }
        Action::ToggleSelect => {
            if let Some(row) = app.current_row() {
                app.marks.toggle(row);
                move_by(app, 1);
            }
        }
        Action::SelectAll => {
            for position in 0..app.shown() {
                if let Some(row) = app.row_at(position) {
                    app.marks.set(row, true);
                }
            }
            let note = if app.view_complete() {
                ""
            } else {
                " (the filter is still running: more may match)"
            };
            let text = format!("selected {} events{note}", app.marks.count());
            status(app, Level::Info, &text);
        }
        Action::ClearSelection => {
            app.marks.clear();
            status(app, Level::Info, "selection cleared");
        }
        Action::Replay => {
            if operation_rows(app).is_empty() {
                status(app, Level::Warning, "nothing to replay: no event selected");
                return;
            }
            app.edited = None;
            open_prompt(app, Prompt::ReplayTarget);
        }
        Action::Redrive => start_redrive(app, None),
        Action::Edit => {
            let Some(document) = current_document(app) else {
                status(app, Level::Warning, "no readable event under the cursor");
                return;
            };
            app.effects.push(Effect::Edit {
                event: document.event.clone(),
            });
        }
        Action::Copy => {
            let Some(document) = current_document(app) else {
                status(app, Level::Warning, "no readable event under the cursor");
                return;
            };
            let text = document.to_line(DocumentOptions {
                reveal: app.detail.reveal,
            });
            let masked = if app.detail.reveal || document.inspection.secret_paths.is_empty() {
                ""
            } else {
                ", secrets masked"
            };
            let note = format!(
                "copied event {} ({} bytes{masked}) to the clipboard (OSC 52)",
                document.event.id,
                text.len()
            );
            app.effects.push(Effect::Copy { text });
            status(app, Level::Success, &note);
        }
        Action::Follow => toggle_follow(app),
        Action::Reveal => {
            app.detail.reveal = !app.detail.reveal;
            let text = if app.detail.reveal {
                "secrets revealed (s masks them again)"
            } else {
                "secrets masked"
            };
            status(app, Level::Info, text);
        }
        Action::CancelJob => match &app.job {
            Some(job) => {
                job.control.cancel();
                let text = format!("cancelling the {}…", job.verb);
                status(app, Level::Warning, &text);
            }
            None => status(app, Level::Info, "no operation is running"),
        },
        Action::Reload => {
            reload(app);
            status(app, Level::Info, "reading every source again");
        }
        _ => {}
    }
}

fn page(app: &App) -> usize {
    match app.focus {
        Pane::Detail => app.areas().detail_lines().max(1),
        _ => app.areas().table_rows().max(1),
    }
}

fn move_by(app: &mut App, delta: isize) {
    let clamp = |value: usize, len: usize| -> usize {
        let v = value as isize + delta;
        v.clamp(0, len.saturating_sub(1) as isize) as usize
    };
    match app.focus {
        Pane::Sources => app.source_cursor = clamp(app.source_cursor, app.sources.len() + 1),
        Pane::Table => app.cursor = clamp(app.cursor, app.shown()),
        Pane::Detail => {
            let visible = app.areas().detail_lines();
            let max = app.detail.lines.len().saturating_sub(visible) + 1;
            app.detail.scroll = clamp(app.detail.scroll, max);
        }
    }
}

fn next_pane(pane: Pane, forward: bool) -> Pane {
    match (pane, forward) {
        (Pane::Sources, true) | (Pane::Detail, false) => Pane::Table,
        (Pane::Table, true) | (Pane::Sources, false) => Pane::Detail,
        (Pane::Detail, true) | (Pane::Table, false) => Pane::Sources,
    }
}

fn set_tab(app: &mut App, index: usize) {
    app.detail.tab = Tab::ALL[index % Tab::ALL.len()].0;
    app.detail.scroll = 0;
}

/// Scope the table to item `index` of the sources list (0 is all).
fn scope_to_item(app: &mut App, index: usize) {
    let scope = match index {
        0 => None,
        n => app.source_order().get(n - 1).map(|(slot, _)| *slot),
    };
    if scope != app.scope {
        app.scope = scope;
        rebuild_view(app);
    }
}

fn current_document(app: &App) -> Option<Arc<crate::capture::Document>> {
    let row = app.current_row()?;
    match &app.detail.document {
        Some((r, Ok(document))) if *r == row => Some(document.clone()),
        _ => None,
    }
}

fn current_summary(app: &App) -> Option<Summary> {
    let row = app.current_row()?;
    if let Some(summary) = app.store.summary(row) {
        return Some(summary.clone());
    }
    current_document(app).map(|d| Summary::of(&d))
}

fn set_preset(app: &mut App, preset: Option<Preset>) {
    let preset = if app.preset == preset { None } else { preset };
    let text = match &preset {
        Some(p) => format!("preset: {} (press again or esc to clear)", p.label()),
        None => "preset cleared".into(),
    };
    app.preset = preset;
    rebuild_view(app);
    status(app, Level::Info, &text);
}

/// Start over on the view after scope, preset or filter changed, keeping
/// the cursor on the same event when it is still shown.
pub(super) fn rebuild_view(app: &mut App) {
    let keep = app.current_row();
    app.view = View {
        rows: app.constrained().then(Vec::new),
        scanned: 0,
    };
    extend_view(app);
    app.cursor = match (keep, &app.view.rows) {
        (Some(row), Some(rows)) => rows.binary_search(&(row as u32)).unwrap_or(0),
        (Some(row), None) => row,
        (None, _) => 0,
    };
    app.offset = app.cursor.saturating_sub(app.areas().table_rows() / 2);
}

/// Examine the rows that can be decided now.
fn extend_view(app: &mut App) {
    if !app.constrained() {
        app.view.rows = None;
        app.view.scanned = app.store.len();
        return;
    }
    let mut limit = app.store.len();
    if app.preset.is_some() {
        limit = limit.min(app.store.summarized());
    }
    if app.filter.filter.is_some() {
        limit = limit.min(app.filter.hits.len());
    }
    let start = app.view.scanned;
    if limit <= start {
        return;
    }
    let rows = app.view.rows.get_or_insert_with(Vec::new);
    for row in start..limit {
        if let Some(slot) = app.scope {
            if app.store.slot(row) != Some(slot) {
                continue;
            }
        }
        if let Some(preset) = &app.preset {
            if !app.store.summary(row).is_some_and(|s| preset.keeps(s)) {
                continue;
            }
        }
        if app.filter.filter.is_some() && !app.filter.hits[row] {
            continue;
        }
        rows.push(row as u32);
    }
    app.view.scanned = limit;
}

fn set_filter(app: &mut App, text: &str, filter: Option<Filter>) {
    app.filter.text = text.to_string();
    app.filter.generation += 1;
    app.filter.hits.clear();
    app.filter.filter = filter.clone();
    if let Some(filter) = filter {
        app.effects.push(Effect::FilterRows {
            generation: app.filter.generation,
            filter,
            chunks: app.store.chunks().to_vec(),
        });
    }
    rebuild_view(app);
}

fn validate_filter(app: &mut App) {
    app.input_error = match Filter::parse(app.filter_input.text()) {
        Ok(_) => None,
        Err(error) => Some(InputError {
            message: Safe::new(&error.to_string()),
            position: error.position,
        }),
    };
}

fn edit_line(input: &mut super::input::LineInput, action: &Action) -> bool {
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

fn filter_input(app: &mut App, action: Action) {
    if edit_line(&mut app.filter_input, &action) {
        validate_filter(app);
        return;
    }
    match action {
        Action::Submit => {
            let text = app.filter_input.text().trim().to_string();
            match Filter::parse(&text) {
                Ok(filter) => {
                    app.filter_input.commit_history();
                    let filter = (!filter.is_match_all()).then_some(filter);
                    let note = if filter.is_some() {
                        format!("filter: {text}")
                    } else {
                        "filter cleared".into()
                    };
                    set_filter(app, &text, filter);
                    app.mode = Mode::List;
                    app.input_error = None;
                    status(app, Level::Info, &note);
                }
                Err(error) => {
                    app.input_error = Some(InputError {
                        message: Safe::new(&error.to_string()),
                        position: error.position,
                    });
                }
            }
        }
        Action::Cancel => {
            app.mode = Mode::List;
            app.input_error = None;
        }
        Action::Complete => {
            let (_, word) = app.filter_input.current_word();
            let stem = word.trim_start_matches(['(', '!']);
            let candidates: Vec<String> = FILTER_FIELDS
                .iter()
                .filter(|f| f.starts_with(stem) && !stem.is_empty())
                .map(|f| format!("{}{f}", &word[..word.len() - stem.len()]))
                .collect();
            app.filter_input.complete(candidates);
            validate_filter(app);
        }
        _ => {}
    }
}

fn open_prompt(app: &mut App, prompt: Prompt) {
    app.mode = Mode::Prompt(prompt);
    app.command_input.clear();
    app.input_error = None;
}

fn known_uris(app: &App) -> Vec<String> {
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

fn command_input(app: &mut App, action: Action) {
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
                    commands::candidates(&before, &uris, app.config_dir.as_deref())
                }
            };
            app.command_input.complete(candidates);
        }
        Action::Submit => {
            let text = app.command_input.text().trim().to_string();
            app.command_input.commit_history();
            match app.mode {
                Mode::Prompt(Prompt::ReplayTarget) => {
                    if text.is_empty() {
                        app.input_error = Some(InputError {
                            message: Safe::new("name a target: a file or a source"),
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
                            message: Safe::new(&message),
                            position: None,
                        })
                    }
                },
            }
        }
        _ => {}
    }
}

fn run_command(app: &mut App, command: Command) {
    match command {
        Command::Open(uri) => {
            app.open_source(&uri);
            status(app, Level::Info, &format!("opening {uri}…"));
        }
        Command::Replay(target) => {
            if refuse_read_only(app, &Action::Replay) {
                return;
            }
            if operation_rows(app).is_empty() {
                status(app, Level::Warning, "nothing to replay: no event selected");
                return;
            }
            start_replay(app, &target);
        }
        Command::Redrive(target) => start_redrive(app, target),
        Command::Export(path) => start_export(app, &path),
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
        Command::Help => {
            app.mode = Mode::Help;
            app.help_scroll = 0;
        }
        Command::Quit => app.quit = true,
    }
}

/// The rows an operation acts on: the selection, or the row under the cursor.
fn operation_rows(app: &App) -> Vec<usize> {
    if app.marks.is_empty() {
        app.current_row().into_iter().collect()
    } else {
        app.marks.iter().collect()
    }
}

fn busy(app: &mut App) -> bool {
    if let Some(job) = &app.job {
        let text = format!("a {} is running: wait for it or cancel it (X)", job.verb);
        status(app, Level::Warning, &text);
        return true;
    }
    false
}

fn new_job(app: &mut App, verb: &'static str, target: &str, reload: bool) -> (u64, JobControl) {
    let id = app.next_job;
    app.next_job += 1;
    let control = JobControl::new();
    app.job = Some(JobState {
        id,
        verb,
        target: Safe::new(target),
        progress: Default::default(),
        control: control.clone(),
        reload,
    });
    (id, control)
}

/// Whether `target` names one of the open sources.
fn is_open_source(app: &App, target: &str) -> bool {
    let normalized = SourceUri::parse(target).map(|u| u.to_uri_string());
    app.sources
        .iter()
        .any(|s| s.uri() == target || normalized.as_deref().is_ok_and(|n| n == s.uri()))
}

fn start_replay(app: &mut App, target: &str) {
    if busy(app) {
        return;
    }
    let (records, events, count) = match app.edited.take() {
        Some(event) => (Vec::new(), vec![event], 1),
        None => {
            let records: Vec<Record> = operation_rows(app)
                .into_iter()
                .filter_map(|row| app.store.record(row).map(|(r, _)| r.clone()))
                .collect();
            let count = records.len();
            (records, Vec::new(), count)
        }
    };
    let reload = is_open_source(app, target);
    let (job, control) = new_job(app, "replay", target, reload);
    app.effects.push(Effect::Replay {
        job,
        control,
        target: target.to_string(),
        records,
        events,
    });
    status(
        app,
        Level::Info,
        &format!("replaying {count} events to {target}…"),
    );
}

fn start_redrive(app: &mut App, target: Option<String>) {
    if refuse_read_only(app, &Action::Redrive) || busy(app) {
        return;
    }
    let Some(slot) = app
        .scope
        .or_else(|| app.current_row().and_then(|r| app.store.slot(r)))
    else {
        status(app, Level::Warning, "nothing to redrive: no source");
        return;
    };
    let source = &app.sources[slot];
    let name = source.uri().to_string();
    let Some(backend) = source.backend.clone() else {
        status(app, Level::Warning, &format!("{name} is not open yet"));
        return;
    };
    if target.is_none() && !source.is_dlq() {
        status(
            app,
            Level::Warning,
            &format!(
                "{name} is not a dead-letter queue; scope to a DLQ ([ ]) or name a target: `:redrive TARGET`"
            ),
        );
        return;
    }
    if !backend.capabilities().remove {
        status(
            app,
            Level::Warning,
            &format!(
                "{name} cannot give events up (the demo and stdin are read-only; export it to a file and open that to redrive)"
            ),
        );
        return;
    }
    let (ids, count) = if app.marks.is_empty() {
        (None, source.loaded)
    } else {
        let rows: Vec<usize> = app
            .marks
            .iter()
            .filter(|r| app.store.slot(*r) == Some(slot))
            .collect();
        if rows.is_empty() {
            let text = format!(
                "none of the {} selected events is in {name}",
                app.marks.count()
            );
            status(app, Level::Warning, &text);
            return;
        }
        let ids: BTreeSet<String> = rows
            .iter()
            .filter_map(|r| app.store.record(*r))
            .filter_map(|(record, _)| record.decode().ok().map(|(e, _)| e.id))
            .collect();
        let count = ids.len();
        (Some(ids), count)
    };
    app.effects.push(Effect::PlanRedrive {
        slot,
        backend,
        target,
        ids,
        count,
    });
    status(
        app,
        Level::Info,
        &format!("planning the redrive of {name}…"),
    );
}

fn start_export(app: &mut App, path: &str) {
    if busy(app) {
        return;
    }
    let rows: Vec<usize> = if app.marks.is_empty() {
        (0..app.shown()).filter_map(|p| app.row_at(p)).collect()
    } else {
        app.marks.iter().collect()
    };
    let records: Vec<Record> = rows
        .into_iter()
        .filter_map(|row| app.store.record(row).map(|(r, _)| r.clone()))
        .collect();
    let count = records.len();
    let (job, control) = new_job(app, "export", path, false);
    app.effects.push(Effect::Export {
        job,
        control,
        path: path.into(),
        records,
    });
    status(
        app,
        Level::Info,
        &format!("exporting {count} events to {path}…"),
    );
}

fn toggle_follow(app: &mut App) {
    if app.following {
        app.following = false;
        app.effects.push(Effect::StopFollowing);
        status(app, Level::Info, "stopped following");
        return;
    }
    let mut followed = 0;
    for (slot, source) in app.sources.iter().enumerate() {
        if let Some(backend) = &source.backend {
            if backend.capabilities().tail {
                app.effects.push(Effect::Follow {
                    epoch: app.epoch,
                    slot,
                    backend: backend.clone(),
                });
                followed += 1;
            }
        }
    }
    if followed == 0 {
        status(
            app,
            Level::Warning,
            "none of these sources can be followed (the demo and stdin do not change)",
        );
        return;
    }
    app.following = true;
    app.cursor = app.shown().saturating_sub(1);
    status(
        app,
        Level::Info,
        &format!(
            "following {followed} source{} for new events (t stops)",
            if followed == 1 { "" } else { "s" }
        ),
    );
}

/// Read every source again (after an operation changed them).
fn reload(app: &mut App) {
    app.effects.push(Effect::StopLoading);
    app.epoch += 1;
    app.following = false;
    app.store = Default::default();
    app.marks.clear();
    app.detail.document = None;
    app.detail.built_for = None;
    app.filter.generation += 1;
    app.filter.hits.clear();
    app.view = View::default();
    for (slot, source) in app.sources.iter_mut().enumerate() {
        source.loaded = 0;
        source.expired = 0;
        source.malformed = 0;
        source.state = LoadState::Opening;
        app.effects.push(Effect::Open {
            epoch: app.epoch,
            slot,
            uri: source.uri.clone(),
        });
    }
    rebuild_view(app);
}

fn dialog(app: &mut App, action: Action) {
    match action {
        Action::Confirm => {
            let dialog = app.dialog.take();
            app.mode = Mode::List;
            if let Some(Dialog::Confirm {
                op: PendingOp::Redrive { slot, target, ids },
                ..
            }) = dialog
            {
                let Some(source) = app.sources.get(slot).and_then(|s| s.backend.clone()) else {
                    return;
                };
                let (job, control) = new_job(app, "redrive", &target, true);
                app.effects.push(Effect::Redrive {
                    job,
                    control,
                    source,
                    target,
                    ids,
                });
            }
        }
        Action::Cancel => {
            if matches!(app.dialog, Some(Dialog::Confirm { .. })) {
                status(app, Level::Info, "redrive cancelled: nothing was moved");
            }
            app.dialog = None;
            app.mode = Mode::List;
        }
        _ => {}
    }
}

fn help(app: &mut App, action: Action) {
    let page = app.size.1.saturating_sub(6).max(1) as usize;
    match action {
        Action::Cancel | Action::Help | Action::Quit => app.mode = Mode::List,
        Action::Down => app.help_scroll += 1,
        Action::Up => app.help_scroll = app.help_scroll.saturating_sub(1),
        Action::PageDown => app.help_scroll += page,
        Action::PageUp => app.help_scroll = app.help_scroll.saturating_sub(page),
        Action::Top => app.help_scroll = 0,
        Action::Bottom => app.help_scroll = usize::MAX / 2,
        _ => {}
    }
}

/// Labels of the narrow sources bar: (item index, text).
pub fn source_bar_items(app: &App) -> Vec<(usize, String)> {
    let mut items = vec![(0, format!(" all {} ", app.store.len()))];
    for (n, (slot, _)) in app.source_order().into_iter().enumerate() {
        let source = &app.sources[slot];
        items.push((n + 1, format!(" {} {} ", source.name(), source.loaded)));
    }
    items
}

fn click(app: &mut App, x: u16, y: u16) {
    let areas = app.areas();
    if let Some(sources) = areas.sources.filter(|r| contains(*r, x, y)) {
        app.focus = Pane::Sources;
        let index = y.saturating_sub(sources.y + 1) as usize;
        if index <= app.sources.len() {
            app.source_cursor = index;
            scope_to_item(app, index);
        }
    } else if let Some(bar) = areas.sources_bar.filter(|r| contains(*r, x, y)) {
        let mut left = bar.x;
        for (index, label) in source_bar_items(app) {
            let width = unicode_width::UnicodeWidthStr::width(label.as_str()) as u16 + 1;
            if x < left + width {
                app.source_cursor = index;
                scope_to_item(app, index);
                break;
            }
            left += width;
        }
    } else if contains(areas.table, x, y) {
        app.focus = Pane::Table;
        let line = y.saturating_sub(areas.table.y + 2) as usize;
        if y >= areas.table.y + 2 && app.offset + line < app.shown() {
            app.cursor = app.offset + line;
        }
    } else if contains(areas.detail, x, y) {
        app.focus = Pane::Detail;
        if y == areas.detail.y {
            if let Some(tab) = super::layout::tab_at(areas.detail, x) {
                set_tab(app, tab);
            }
        }
    }
}

fn wheel(app: &mut App, x: u16, y: u16, down: bool) {
    if app.mode == Mode::Help {
        help(app, if down { Action::Down } else { Action::Up });
        return;
    }
    if app.mode != Mode::List {
        return;
    }
    let areas = app.areas();
    let focus = if areas.sources.is_some_and(|r| contains(r, x, y)) {
        Pane::Sources
    } else if contains(areas.detail, x, y) {
        Pane::Detail
    } else {
        Pane::Table
    };
    let before = app.focus;
    app.focus = focus;
    move_by(app, if down { 3 } else { -3 });
    app.focus = before;
}

/// Apply what background work reported.
pub fn apply(app: &mut App, msg: Msg) {
    match msg {
        Msg::Opened {
            epoch,
            slot,
            backend,
            info,
        } if epoch == app.epoch => {
            if let Some(source) = app.sources.get_mut(slot) {
                source.info = Some(info);
                source.backend = Some(backend);
                source.state = LoadState::Loading;
            }
        }
        Msg::LoadFailed { epoch, slot, error } if epoch == app.epoch => {
            if let Some(source) = app.sources.get_mut(slot) {
                source.state = LoadState::Failed(Safe::new(&error));
            }
            if app.mode == Mode::List {
                app.dialog = Some(Dialog::Error {
                    title: Safe::new("Cannot read a source"),
                    message: Safe::new(&error),
                });
                app.mode = Mode::Dialog;
            }
            status(app, Level::Error, &error);
        }
        Msg::Records {
            epoch,
            slot,
            records,
        } if epoch == app.epoch => {
            let at_end = app.cursor + 1 >= app.shown();
            let count = records.len();
            let chunk = app.store.push(slot, records);
            if let Some(source) = app.sources.get_mut(slot) {
                source.loaded += count;
            }
            if let Some(filter) = &app.filter.filter {
                app.effects.push(Effect::FilterRows {
                    generation: app.filter.generation,
                    filter: filter.clone(),
                    chunks: vec![chunk.clone()],
                });
            }
            app.effects.push(Effect::Summarize {
                epoch: app.epoch,
                chunk,
            });
            extend_view(app);
            if app.following && at_end {
                app.cursor = app.shown().saturating_sub(1);
            }
        }
        Msg::Loaded { epoch, slot } if epoch == app.epoch => {
            if let Some(source) = app.sources.get_mut(slot) {
                source.state = LoadState::Loaded;
            }
        }
        Msg::Summaries {
            epoch,
            start,
            summaries,
        } if epoch == app.epoch => {
            for (n, summary) in summaries.iter().enumerate() {
                let Some(slot) = app.store.slot(start + n) else {
                    continue;
                };
                if let Some(source) = app.sources.get_mut(slot) {
                    source.expired +=
                        usize::from(summary.flags.has(super::summary::Flags::EXPIRED));
                    source.malformed +=
                        usize::from(summary.flags.has(super::summary::Flags::MALFORMED));
                }
            }
            if app.store.add_summaries(start, summaries) {
                extend_view(app);
            }
        }
        Msg::FilterHits {
            generation,
            start,
            hits,
        } if generation == app.filter.generation && start == app.filter.hits.len() => {
            app.filter.hits.extend(hits);
            extend_view(app);
        }
        Msg::Progress { job, progress } => {
            if let Some(state) = app.job.as_mut().filter(|j| j.id == job) {
                state.progress = progress;
            }
        }
        Msg::JobDone { job, outcome } => {
            let Some(state) = app.job.take_if(|j| j.id == job) else {
                return;
            };
            finish_job(app, &state, outcome);
            if state.reload {
                reload(app);
            }
        }
        Msg::RedrivePlanned {
            slot,
            target,
            ids,
            count,
        } => match target {
            Ok(target) => {
                let name = app.sources.get(slot).map_or("?", |s| s.uri()).to_string();
                let what = if ids.is_some() {
                    format!("the {count} selected events")
                } else {
                    format!("ALL {count} events")
                };
                app.dialog = Some(Dialog::Confirm {
                    title: Safe::new(&format!("Redrive {count} events?")),
                    body: vec![
                        Safe::new(&format!("Move {what}")),
                        Safe::new(&format!("from  {name}")),
                        Safe::new(&format!("to    {target}")),
                        Safe::new(""),
                        Safe::new("Each event leaves the DLQ only after the target confirmed it."),
                    ],
                    op: PendingOp::Redrive { slot, target, ids },
                });
                app.mode = Mode::Dialog;
            }
            Err(error) => status(app, Level::Error, &error),
        },
        Msg::Edited(Ok(event)) => {
            let id = event.id.clone();
            app.edited = Some(event);
            open_prompt(app, Prompt::ReplayTarget);
            status(
                app,
                Level::Info,
                &format!("edited {id}: where should it be replayed? (esc drops the edit)"),
            );
        }
        Msg::Edited(Err(error)) => status(app, Level::Error, &error),
        Msg::Shutdown => app.quit = true,
        Msg::Failed(error) => status(app, Level::Error, &error),
        Msg::FollowFailed { slot, error } => {
            let name = app.sources.get(slot).map_or("?", |s| s.uri()).to_string();
            status(app, Level::Error, &format!("following {name}: {error}"));
        }
        _ => {}
    }
    settle(app);
}

fn finish_job(app: &mut App, state: &JobState, outcome: Result<JobOutcome, String>) {
    match outcome {
        Err(error) => status(
            app,
            Level::Error,
            &format!("{} failed: {error}", state.verb),
        ),
        Ok(JobOutcome { report, target }) => {
            let verb = match state.verb {
                "replay" => "replayed",
                "redrive" => "moved",
                _ => "exported",
            };
            let mut text = format!("{} → {target}: {} {verb}", state.verb, report.moved);
            if !report.failed.is_empty() {
                text.push_str(&format!(", {} failed", report.failed.len()));
            }
            if !report.duplicated.is_empty() {
                text.push_str(&format!(
                    ", {} sent but still in the source (now in both)",
                    report.duplicated.len()
                ));
            }
            if report.cancelled {
                text.push_str(" (cancelled)");
            }
            if let Some((id, reason)) = report.failed.first().or(report.duplicated.first()) {
                text.push_str(&format!("; first failure {id}: {reason}"));
            }
            let level = if report.is_clean() {
                Level::Success
            } else if report.moved > 0 {
                Level::Warning
            } else {
                Level::Error
            };
            status(app, level, &text);
        }
    }
}
