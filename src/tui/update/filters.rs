//! The live filter (the table follows the expression as it is typed),
//! saved filters (`:filter NAME`, `:filter save NAME`, the picker) and the
//! histories kept across runs.

use std::time::Duration;

use super::*;
use crate::filter::Filter;
use crate::tui::action::Action;
use crate::tui::app::{App, Level, Mode, Picker};
use crate::tui::history::{HistoryFile, Origin};
use crate::tui::jobs::Effect;
use crate::tui::safe::Safe;

/// How long typing pauses before the table follows the expression.
pub const LIVE_DELAY: Duration = Duration::from_millis(150);

/// The filter text changed in the input: when it parses, stop the scan in
/// flight and apply it once typing pauses; when it does not, the filter in
/// effect keeps applying (the error shows under the input).
pub(super) fn typed(app: &mut App) {
    let text = app.filter_input.text().trim().to_string();
    if app.input_error.is_some() || text == app.filter.text {
        app.live.pending = None;
        restore(app);
        return;
    }
    app.live.token += 1;
    app.live.pending = Some(app.live.token);
    if !app.live.cancelled {
        // The scan of the filter in effect is no longer wanted.
        app.live.cancelled = true;
        app.filter.generation += 1;
        app.effects
            .push(Effect::CancelFilter(app.filter.generation));
    }
    app.effects.push(Effect::Wake {
        token: app.live.token,
        after: LIVE_DELAY,
    });
}

/// Scan for the filter in effect again if typing stopped its scan.
fn restore(app: &mut App) {
    if app.live.cancelled {
        let text = app.filter.text.clone();
        let filter = app.filter.filter.clone();
        set_filter(app, &text, filter);
    }
}

/// Typing paused: apply the expression if nothing newer was typed.
pub(super) fn wake(app: &mut App, token: u64) {
    if app.live.pending != Some(token) || app.mode != Mode::Filter {
        return;
    }
    app.live.pending = None;
    let text = app.filter_input.text().trim().to_string();
    match Filter::parse(&text) {
        Ok(filter) => set_filter(app, &text, (!filter.is_match_all()).then_some(filter)),
        Err(_) => restore(app),
    }
}

/// Entering the filter input: remember what applied, for esc.
pub(super) fn begin(app: &mut App) {
    app.live.before = Some((app.filter.text.clone(), app.filter.filter.clone()));
    app.live.pending = None;
}

/// Esc in the filter input: back to the filter in effect before typing.
pub(super) fn cancel(app: &mut App) {
    app.live.pending = None;
    match app.live.before.take() {
        Some((text, filter)) if text != app.filter.text => set_filter(app, &text, filter),
        _ => restore(app),
    }
}

/// Enter in the filter input, with a valid expression: apply it now (if
/// typing had not paused yet) and remember it.
pub(super) fn commit(app: &mut App, text: &str, filter: Option<Filter>) {
    app.live.pending = None;
    app.live.before = None;
    if text != app.filter.text {
        set_filter(app, text, filter);
    } else {
        restore(app);
    }
    if let Some(entry) = app.filter_input.commit_history() {
        remember(app, "filter", &entry);
    }
}

/// Write a new history entry to its file (when there is a state
/// directory; entries that look like secrets are never written).
pub(super) fn remember(app: &App, history: &str, entry: &str) {
    let Some(dir) = &app.history_dir else { return };
    if let Err(error) = HistoryFile::new(dir, history).remember(entry) {
        tracing::warn!(history, error = %crate::secrets::mask_text(&error), "cannot write the history");
    }
}

/// `:filter NAME`: apply a saved filter.
pub(super) fn apply_saved(app: &mut App, name: &str) {
    let Some(text) = app.saved_filters.get(name).map(str::to_string) else {
        let known = app.saved_filters.names();
        let text = if known.is_empty() {
            format!("no saved filter `{name}` (save one: `:filter save NAME`)")
        } else {
            format!("no saved filter `{name}` (saved: {})", known.join(", "))
        };
        status(app, Level::Error, &text);
        return;
    };
    apply_text(app, &text, &format!("filter {name}: {text}"));
}

fn apply_text(app: &mut App, text: &str, note: &str) {
    match Filter::parse(text) {
        Ok(filter) => {
            app.filter_input.set(text);
            set_filter(app, text, (!filter.is_match_all()).then_some(filter));
            status(app, Level::Info, note);
        }
        Err(error) => status(app, Level::Error, &format!("{text}: {error}")),
    }
}

/// `:filter save NAME`: save the filter in effect.
pub(super) fn save(app: &mut App, name: &str) {
    let text = app.filter.text.trim().to_string();
    if text.is_empty() {
        status(app, Level::Warning, "no filter to save: type one with /");
        return;
    }
    match app.saved_filters.save(name, &text) {
        Ok(()) => status(app, Level::Success, &format!("saved filter {name}: {text}")),
        Err(error) => status(app, Level::Error, &format!("filter save: {error}")),
    }
}

/// `:filter delete NAME`.
pub(super) fn delete(app: &mut App, name: &str) {
    match app.saved_filters.delete(name) {
        Ok(()) => status(app, Level::Success, &format!("filter {name} forgotten")),
        Err(error) => status(app, Level::Error, &format!("filter delete: {error}")),
    }
}

/// Open the picker of saved and recent filters (`:filters`, ctrl-r while
/// typing a filter).
pub(super) fn open_picker(app: &mut App) {
    let mut items: Vec<(Safe, String)> = app
        .saved_filters
        .all()
        .into_iter()
        .map(|(name, expr, origin)| {
            let from = match origin {
                Origin::Config => "config",
                Origin::Saved => "saved",
            };
            (
                Safe::masked(&format!("{name} ({from})  {expr}")),
                expr.to_string(),
            )
        })
        .collect();
    for entry in app.filter_input.history().iter().rev() {
        if !items.iter().any(|(_, e)| e == entry) {
            items.push((Safe::masked(&format!("recent  {entry}")), entry.clone()));
        }
    }
    if items.is_empty() {
        status(
            app,
            Level::Info,
            "no saved or recent filters yet: type one with /, save it with :filter save NAME",
        );
        return;
    }
    app.live.pending = None;
    app.picker = Some(Picker { items, cursor: 0 });
    app.mode = Mode::Picker;
}

/// Keys in the picker: move, pick, close.
pub(super) fn picker_keys(app: &mut App, action: Action) {
    let Some(picker) = app.picker.as_mut() else {
        app.mode = Mode::List;
        return;
    };
    let last = picker.items.len().saturating_sub(1);
    match action {
        Action::Cancel | Action::Quit | Action::Help => {
            app.picker = None;
            app.mode = Mode::List;
        }
        Action::Down => picker.cursor = (picker.cursor + 1).min(last),
        Action::Up => picker.cursor = picker.cursor.saturating_sub(1),
        Action::PageDown | Action::Bottom => picker.cursor = last,
        Action::PageUp | Action::Top => picker.cursor = 0,
        Action::Activate | Action::Submit => {
            let text = picker.items[picker.cursor].1.clone();
            app.picker = None;
            app.mode = Mode::List;
            apply_text(app, &text, &format!("filter: {text}"));
            if let Some(entry) = app.filter_input.commit_history() {
                remember(app, "filter", &entry);
            }
        }
        _ => {}
    }
}
