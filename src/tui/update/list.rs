//! Actions of the list mode: browsing, presets, selection, operations.

use super::*;
use crate::capture::DocumentOptions;
use crate::tui::action::Action;
use crate::tui::app::{App, Level, Mode, Pane, Preset, Prompt};
use crate::tui::content::Tab;
use crate::tui::jobs::Effect;

pub(super) fn list(app: &mut App, action: Action) {
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
            Pane::Detail if app.detail.tab == Tab::Flow => jump_to_flow_node(app),
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
        Action::TabFlow => set_tab(app, 4),
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
            super::filters::begin(app);
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
        Action::PresetContract => set_preset(app, Some(Preset::ContractViolations)),
        Action::PresetTroubledFlows => set_preset(app, Some(Preset::TroubledFlows)),
        Action::Flows => open_flows(app),
        Action::SortNext => super::sort::cycle(app),
        Action::SortReverse => super::sort::flip(app),
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
        Action::Delete => start_delete(app),
        Action::Purge => start_purge(app),
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
            let masked = if app.detail.reveal || !document.has_secrets() {
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
