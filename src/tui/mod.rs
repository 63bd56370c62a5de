//! The terminal UI: `evscope [SOURCE...]`.
//!
//! The shape follows the best terminal apps: input becomes an
//! [`action::Action`] through a keymap that is data ([`keymap`]);
//! [`update::update`] changes the [`app::App`] state and queues effects;
//! background work ([`jobs`]) reports back with messages; [`views::render`]
//! is a pure function of the state and a [`theme::Theme`]; the
//! [`event_loop`] ties them together and draws only when something changed.

pub mod action;
pub mod app;
pub mod column_values;
pub mod columns;
pub mod commands;
pub mod compare_view;
pub mod content;
pub mod context;
pub mod decode;
pub mod event_loop;
pub mod flows;
pub mod history;
pub mod input;
pub mod jobs;
pub mod keymap;
pub mod layout;
pub mod marks;
pub mod safe;
pub mod sort;
pub mod stats_view;
pub mod store;
pub mod summary;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod views;

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use futures::StreamExt;
use ratatui::crossterm::event::EventStream;
use tokio::sync::mpsc;

use crate::backend::DEMO_PARTS;
use crate::cli::Context;
use crate::config::Config;

/// The sources to open for what the user typed: the demo is opened as its
/// parts, so each queue shows on its own (the DLQ beside its queue).
pub fn expand_sources(sources: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let given: Vec<String> = if sources.is_empty() {
        vec!["demo".into()]
    } else {
        sources.to_vec()
    };
    for source in given {
        if source.trim() == "demo" {
            out.extend(DEMO_PARTS.iter().map(|p| format!("demo:{p}")));
        } else {
            out.push(source);
        }
    }
    out
}

/// The theme the user asked for (flag, then config), `NO_COLOR` applied.
pub fn pick_theme(flag: Option<&str>, config: &Config) -> anyhow::Result<theme::Theme> {
    let name = flag
        .or(config.theme.as_deref())
        .unwrap_or(theme::DEFAULT_THEME);
    let theme = theme::Theme::load(name, Config::dir().as_deref())?;
    Ok(if theme::Theme::no_color_requested() {
        theme.without_colors()
    } else {
        theme
    })
}

/// Run the terminal UI on `sources` until the user quits; `log_file` is
/// where this session logs (named on the help screen).
pub async fn run(
    context: &Context,
    sources: &[String],
    theme: Option<&str>,
    log_file: Option<std::path::PathBuf>,
) -> anyhow::Result<i32> {
    tracing::info!(?sources, log_file = ?log_file, "terminal UI starting");
    let keymap = keymap::Keymap::from_config(&context.config.keys)
        .context("invalid key bindings in the config file")?;
    let theme = pick_theme(theme, &context.config)?;
    if !std::io::stdout().is_terminal() {
        bail!("the terminal UI needs a terminal; for pipes use `evscope peek` or `evscope check`");
    }
    let uris = expand_sources(sources);
    let decoder: Arc<dyn decode::Decoder> = Arc::new(decode::InspectorDecoder::new(
        context.open.inspector.clone(),
    ));
    let (tx, mut messages) = mpsc::unbounded_channel();
    let mut jobs = jobs::Jobs::new(context.open.clone(), decoder.clone(), tx.clone());
    let mut app = app::App::new(
        &uris,
        keymap,
        theme,
        decoder,
        context.open.read_only,
        chrono::Utc::now(),
    );
    app.config_dir = Config::dir();
    app.context = context::ContextState::new(
        context.chosen.name.clone().map(|name| context::Active {
            name,
            production: context.chosen.production,
        }),
        Arc::new(context.config.clone()),
        context.chosen.flags.clone(),
    );
    app.flows.stuck_after = context
        .config
        .flows_stuck_after()
        .map_err(anyhow::Error::msg)?;
    app.flows.terminal = context.config.flows.terminal.clone();
    setup_from_config(&mut app, &context.config, crate::state::dir())?;
    app.log_file = log_file;
    watch_signals(tx);
    terminal::install_panic_hook();
    let (guard, mut term) =
        terminal::TerminalGuard::enter().context("cannot set up the terminal")?;
    let result = event_loop::run(
        &mut term,
        &mut app,
        &mut jobs,
        &mut messages,
        &mut terminal::StdoutHost,
        || EventStream::new().boxed(),
        chrono::Utc::now,
    )
    .await;
    drop(guard);
    // Follows still running let go of what they hold when their jobs stop:
    // wait for that, then say what was released.
    drop(jobs);
    if !app.holding.is_empty() {
        crate::backend::settle(std::time::Duration::from_secs(15)).await;
        for slot in app.holding.keys() {
            let Some(backend) = app.sources.get(*slot).and_then(|s| s.backend.as_ref()) else {
                continue;
            };
            if let Some(released) = backend.hold_status().and_then(|s| s.ended) {
                eprintln!(
                    "evscope: {}",
                    crate::sanitize::escape(&released.line(backend.uri()))
                );
            }
        }
    }
    result.map(|()| 0)
}

/// What the config and the state directory give the UI: columns, saved
/// filters and the histories of earlier runs. A bad `[columns]` or
/// `[filters]` entry stops here with one line.
pub fn setup_from_config(
    app: &mut app::App,
    config: &Config,
    state_dir: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let columns = columns::TableColumns::from_config(&config.columns)
        .map_err(|e| anyhow::anyhow!("invalid [columns] in the config file: {e}"))?;
    for (name, expression) in &config.filters {
        crate::filter::Filter::parse(expression).map_err(|e| {
            anyhow::anyhow!("invalid filter `{name}` in the config file's [filters]: {e}")
        })?;
    }
    app.configured_columns = columns.clone();
    app.columns = columns;
    app.saved_filters = history::SavedFilters::load(config.filters.clone(), state_dir.as_deref());
    if let Some(dir) = &state_dir {
        app.filter_input
            .set_history(history::HistoryFile::new(dir, "filter").load());
        app.command_input
            .set_history(history::HistoryFile::new(dir, "command").load());
    }
    app.history_dir = state_dir;
    Ok(())
}

/// Quit cleanly (terminal restored) on SIGTERM and SIGHUP.
fn watch_signals(tx: mpsc::UnboundedSender<jobs::Msg>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(jobs::Msg::Shutdown);
    });
    #[cfg(not(unix))]
    drop(tx);
}
