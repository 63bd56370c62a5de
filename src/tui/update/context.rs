//! `:context NAME`: switch to another context of the config. Its settings
//! fill in what the command line's flags did not give (flags win, as at
//! start); its sources replace the open ones (a context without sources
//! reopens those open now with its settings), through the same background
//! open as any source; read-only and the theme follow it.

use super::ops::reload;
use super::status;
use crate::tui::app::{App, Level, SourceSlot};
use crate::tui::context::{Active, Reach};
use crate::tui::jobs::Effect;
use crate::tui::theme::Theme;

/// `:context` (no name: list them) or `:context NAME`.
pub(super) fn switch(app: &mut App, name: &str) {
    let config = app.context.config.clone();
    let names = config.contexts.names();
    if name.is_empty() {
        let text = match (&app.context.active, names.is_empty()) {
            (_, true) => "no contexts: add [contexts.NAME] to the config file".to_string(),
            (Some(active), false) => {
                format!("contexts: {} (in {})", names.join(", "), active.name)
            }
            (None, false) => format!("contexts: {}", names.join(", ")),
        };
        status(app, Level::Info, &text);
        return;
    }
    let context = match config.contexts.get(name) {
        Ok(context) => context,
        Err(error) => {
            status(app, Level::Error, &error);
            return;
        }
    };
    if let Some(job) = &app.job {
        let text = format!(
            "a {} is running: wait for it or cancel it (X) before switching context",
            job.verb
        );
        status(app, Level::Warning, &text);
        return;
    }
    let settings = match app.context.flags.settings(Some(context), &config) {
        Ok(settings) => settings,
        Err(error) => {
            status(app, Level::Error, &error);
            return;
        }
    };
    let theme_name = settings
        .theme
        .as_deref()
        .unwrap_or(crate::tui::theme::DEFAULT_THEME);
    let theme = match Theme::load(theme_name, app.config_dir.as_deref()) {
        Ok(theme) if Theme::no_color_requested() => theme.without_colors(),
        Ok(theme) => theme,
        Err(error) => {
            status(
                app,
                Level::Error,
                &format!("context {name} not opened: {error}"),
            );
            return;
        }
    };
    app.effects.push(Effect::UseContext(Box::new(Reach {
        sqs: settings.sqs,
        pulsar: settings.pulsar,
        read_only: settings.read_only,
    })));
    app.theme = theme;
    app.read_only = settings.read_only;
    app.context.active = Some(Active {
        name: name.to_string(),
        production: context.production,
    });
    let uris: Vec<String> = if settings.sources.is_empty() {
        app.sources
            .iter()
            .filter(|s| s.group.is_none())
            .map(|s| s.uri.clone())
            .collect()
    } else {
        crate::tui::expand_sources(&settings.sources)
    };
    // What was confirmed for the sources of another context is asked again.
    app.browse_confirmed.clear();
    app.follow_confirmed.clear();
    app.redriven.clear();
    app.redrive_acknowledged.clear();
    app.scope = None;
    app.source_cursor = 0;
    app.sources = uris.iter().map(|uri| SourceSlot::new(uri)).collect();
    reload(app);
    let kind = match (context.production, settings.read_only) {
        (true, true) => " (production, read-only)",
        (true, false) => " (production)",
        (false, true) => " (read-only)",
        (false, false) => "",
    };
    status(
        app,
        Level::Info,
        &format!(
            "context {name}{kind}: opening {} source{}…",
            uris.len(),
            if uris.len() == 1 { "" } else { "s" }
        ),
    );
}
