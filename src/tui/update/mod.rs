//! How the state changes: `update` for what the user asks ([`Action`]s),
//! `apply` for what background work reports ([`Msg`]s). Neither does I/O:
//! work is queued as [`Effect`]s for the event loop.

use std::sync::Arc;

use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

mod context;
mod filters;
mod input;
mod list;
mod messages;
mod ops;
mod sort;
mod stats;
mod view;

use input::*;
use list::*;
pub use messages::apply;
use ops::*;
use view::*;

use super::action::Action;
use super::app::{App, Dialog, Level, LoadState, Mode, PendingOp, Status};
use super::content;
use super::jobs::Effect;
use super::safe::Safe;

/// The action for a key press in the current mode; in input modes an
/// unbound character is typed.
pub fn key_action(app: &App, key: &KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    // The production type-back dialog edits a line, as the command line does.
    let typing_back = super::context::typing_back(app);
    let keys = match typing_back {
        true => super::keymap::KeyMode::Command,
        false => app.mode.keys(),
    };
    if let Some(action) = app.keymap.action(keys, key) {
        return Some(action);
    }
    let typing = typing_back || matches!(app.mode, Mode::Filter | Mode::Command | Mode::Prompt(_));
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
            Mode::Flows => flows_view(app, action),
            Mode::Stats => stats::keys(app, action),
            Mode::Compare => stats::compare_keys(app, action),
            Mode::Picker => filters::picker_keys(app, action),
        },
    }
    settle(app);
}

/// Keep cursor, scroll and detail consistent with the state.
pub(super) fn settle(app: &mut App) {
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
pub(super) fn sync_detail(app: &mut App) {
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
                .map_err(|e| Safe::masked(&e.to_string())),
            None => Err(Safe::new("the row is gone")),
        };
        app.detail.document = Some((row, document));
        app.detail.scroll = 0;
        app.flows.node = 0;
    }
    let key = (row, app.detail.tab, app.detail.reveal);
    if app.detail.built_for == Some(key) {
        return;
    }
    app.detail.lines = match &app.detail.document {
        _ if app.detail.tab == content::Tab::Flow => crate::tui::flows::tab_lines(&app.flows, row),
        Some((_, Ok(document))) => {
            content::build(document, app.detail.tab, app.detail.reveal, app.now)
        }
        Some((_, Err(error))) => vec![vec![content::Seg {
            role: super::theme::Role::Malformed,
            text: Safe::masked(&format!("unreadable: {error}")),
        }]],
        None => Vec::new(),
    };
    app.detail.built_for = Some(key);
}

pub(super) fn status(app: &mut App, level: Level, text: &str) {
    app.status = Some(Status {
        level,
        text: Safe::masked(text),
    });
}

/// Refuse `action` when evscope runs with `--read-only` and it changes a
/// source: the key (or command) is disabled.
pub(super) fn refuse_read_only(app: &mut App, action: &Action) -> bool {
    let refused = app.read_only && action.changes_sources();
    if refused {
        disabled_by_read_only(app, action);
    }
    refused
}

/// Say in the status bar that `action` is disabled by `--read-only`.
pub(super) fn disabled_by_read_only(app: &mut App, action: &Action) {
    let why = match &app.context.active {
        // The context, not the flag, made this run read-only.
        Some(active) if !app.context.flags.read_only => {
            format!("the context {} is read-only", active.name)
        }
        _ => "evscope runs with --read-only".to_string(),
    };
    status(
        app,
        Level::Warning,
        &format!("{} is disabled: {why}", action.description()),
    );
}

pub(super) fn dialog(app: &mut App, action: Action) {
    if super::context::typing_back(app) {
        return super::context::type_back(app, action);
    }
    match action {
        Action::Confirm => {
            let dialog = app.dialog.take();
            app.mode = Mode::List;
            if let Some(Dialog::Confirm {
                op: PendingOp::Browse { epoch, slot },
                ..
            }) = dialog
            {
                if let Some(source) = app.sources.get(slot) {
                    app.browse_confirmed.insert(source.uri().to_string());
                    if let Some(backend) = source.backend.clone() {
                        app.effects.push(Effect::Browse {
                            epoch,
                            slot,
                            backend,
                        });
                    }
                }
            } else if let Some(Dialog::Confirm {
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
            } else if let Some(Dialog::Confirm {
                op: PendingOp::Delete { slot, ids },
                ..
            }) = dialog
            {
                let Some(source) = app.sources.get(slot).and_then(|s| s.backend.clone()) else {
                    return;
                };
                let uri = source.uri().to_string();
                let count = ids.len();
                let (job, control) = new_job(app, "delete", &uri, true);
                app.effects.push(Effect::Delete {
                    job,
                    control,
                    source,
                    ids,
                });
                status(
                    app,
                    Level::Info,
                    &format!("deleting {count} events from {uri}…"),
                );
            } else if let Some(Dialog::Confirm {
                op:
                    PendingOp::Export {
                        destination,
                        rows,
                        epoch,
                    },
                ..
            }) = dialog
            {
                if epoch == app.epoch {
                    let records = records_of(app, rows);
                    run_export(app, destination, records);
                } else {
                    status(
                        app,
                        Level::Warning,
                        "export not started: the sources were read again meanwhile; export again",
                    );
                }
            } else if let Some(Dialog::Confirm {
                op: PendingOp::Follow { epoch, slot },
                ..
            }) = dialog
            {
                if let Some(source) = app.sources.get(slot) {
                    app.follow_confirmed.insert(source.uri().to_string());
                    if let (true, Some(backend)) = (app.following, source.backend.clone()) {
                        app.effects.push(Effect::Follow {
                            epoch,
                            slot,
                            backend,
                            confirmed: true,
                        });
                    }
                }
                ops::next_follow_caution(app);
            } else if let Some(Dialog::Confirm {
                op: PendingOp::Purge { slot },
                ..
            }) = dialog
            {
                let Some(source) = app.sources.get(slot).and_then(|s| s.backend.clone()) else {
                    return;
                };
                let uri = source.uri().to_string();
                let (job, control) = new_job(app, "purge", &uri, true);
                app.effects.push(Effect::Purge {
                    job,
                    control,
                    source,
                });
                status(app, Level::Info, &format!("purging {uri}…"));
            }
        }
        Action::Cancel => {
            match &app.dialog {
                Some(Dialog::Confirm {
                    op: PendingOp::Browse { slot, .. },
                    ..
                }) => {
                    let slot = *slot;
                    if let Some(source) = app.sources.get_mut(slot) {
                        source.state =
                            LoadState::Failed(Safe::new("not browsed: you declined to receive"));
                    }
                    status(app, Level::Info, "not browsed: nothing was received");
                }
                Some(Dialog::Confirm {
                    op: PendingOp::Delete { .. },
                    ..
                }) => {
                    status(app, Level::Info, "delete cancelled: nothing was deleted");
                }
                Some(Dialog::Confirm {
                    op: PendingOp::Purge { .. },
                    ..
                }) => {
                    status(app, Level::Info, "purge cancelled: nothing was deleted");
                }
                Some(Dialog::Confirm {
                    op: PendingOp::Export { .. },
                    ..
                }) => {
                    status(app, Level::Info, "export cancelled: nothing was written");
                }
                Some(Dialog::Confirm {
                    op: PendingOp::Follow { slot, .. },
                    ..
                }) => {
                    let uri = app.sources.get(*slot).map_or("?", |s| s.uri()).to_string();
                    status(
                        app,
                        Level::Info,
                        &format!("not following {uri}: nothing was received"),
                    );
                }
                Some(Dialog::Confirm { .. }) => {
                    status(app, Level::Info, "redrive cancelled: nothing was moved");
                }
                _ => {}
            }
            app.dialog = None;
            app.mode = Mode::List;
            ops::next_follow_caution(app);
        }
        _ => {}
    }
}

pub(super) fn help(app: &mut App, action: Action) {
    let page = app.size.1.saturating_sub(6).max(1) as usize;
    match action {
        Action::Cancel | Action::Help | Action::Quit => {
            app.mode = Mode::List;
            app.journal_view = None;
        }
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
        let count = match source.state {
            LoadState::Expanded(members) => format!("· {members}"),
            _ => source.loaded.to_string(),
        };
        items.push((n + 1, format!(" {} {count} ", source.name())));
    }
    items
}
