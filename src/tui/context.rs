//! Contexts in the terminal UI: the one in effect (named in the frame's
//! title, the frame in the danger color when it is production), switching
//! with `:context NAME`, and the production guard.
//!
//! The guard sits at the one door every piece of work leaves the state by,
//! [`App::take_effects`]: in a production context, every effect that
//! changes a source (replay, edit-and-replay, redrive, delete, purge, an
//! export over a file) is held there, whichever key, command or dialog
//! asked for it, and a dialog asks for the context's name. Only the exact
//! name lets the held work go; Esc drops it.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::action::Action;
use super::app::{App, Dialog, JobState, Level, Mode, Status};
use super::input::LineInput;
use super::jobs::Effect;
use super::safe::Safe;
use super::theme::{Role, Theme};
use crate::backend::{PulsarOptions, SqsOptions};
use crate::cli::contexts::Flags;
use crate::config::Config;
use crate::config::contexts::confirms;

/// The context in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    /// Its name.
    pub name: String,
    /// Whether it is production.
    pub production: bool,
}

/// How backends are reached in a context: what the background work opens
/// sources with from the switch on.
#[derive(Debug, Clone)]
pub struct Reach {
    /// SQS settings.
    pub sqs: SqsOptions,
    /// Pulsar settings.
    pub pulsar: PulsarOptions,
    /// Sources open read-only.
    pub read_only: bool,
}

/// Work held until the context's name is typed back.
struct Held {
    effects: Vec<Effect>,
    job: Option<JobState>,
}

/// Contexts in the terminal UI.
#[derive(Default)]
pub struct ContextState {
    /// The context in effect, if any.
    pub active: Option<Active>,
    /// The config (its contexts, and the defaults a switch falls back to).
    pub config: Arc<Config>,
    /// The command line's flags, which win over every context.
    pub flags: Flags,
    held: Option<Held>,
    released: Vec<Effect>,
}

impl ContextState {
    /// The state for a run in the context `active` (if any), with the
    /// config's contexts and the command line's flags.
    pub fn new(active: Option<Active>, config: Arc<Config>, flags: Flags) -> ContextState {
        ContextState {
            active,
            config,
            flags,
            ..Default::default()
        }
    }

    /// The production context's name, when one is in effect.
    pub fn production(&self) -> Option<&str> {
        self.active
            .as_ref()
            .filter(|a| a.production)
            .map(|a| a.name.as_str())
    }
}

/// Whether `effect` changes a source (or a file).
fn changes_sources(effect: &Effect) -> bool {
    match effect {
        Effect::Replay { .. }
        | Effect::Redrive { .. }
        | Effect::Delete { .. }
        | Effect::Purge { .. } => true,
        Effect::Export { destination, .. } => destination.replaces_a_file(),
        _ => false,
    }
}

fn events(n: usize) -> String {
    format!("{n} event{}", if n == 1 { "" } else { "s" })
}

/// What a changing effect will do, in words.
fn describe(effect: &Effect) -> String {
    match effect {
        Effect::Replay {
            target,
            records,
            events: edited,
            ..
        } => match edited.is_empty() {
            true => format!("replay {} to {target}", events(records.len())),
            false => format!("replay an edited event to {target}"),
        },
        Effect::Redrive {
            source,
            target,
            ids,
            ..
        } => {
            let what = ids
                .as_ref()
                .map_or_else(|| "every event".to_string(), |ids| events(ids.len()));
            format!("redrive {what} from {} to {target}", source.uri())
        }
        Effect::Delete { source, ids, .. } => {
            format!("delete {} from {}", events(ids.len()), source.uri())
        }
        Effect::Purge { source, .. } => format!("purge {}: delete every event", source.uri()),
        Effect::Export {
            destination,
            records,
            ..
        } => format!(
            "replace {} with {} exported",
            destination.name(),
            events(records.len())
        ),
        _ => String::new(),
    }
}

/// The production guard: pass `effects` on, but in a production context
/// hold those that change a source and ask for the context's name. Work
/// the name already released goes first.
pub fn guard(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    let mut out = std::mem::take(&mut app.context.released);
    let Some(name) = app.context.production().map(str::to_string) else {
        out.extend(effects);
        return out;
    };
    let (changing, rest): (Vec<Effect>, Vec<Effect>) =
        effects.into_iter().partition(changes_sources);
    out.extend(rest);
    if changing.is_empty() {
        return out;
    }
    let mut body: Vec<Safe> = changing
        .iter()
        .map(|e| Safe::masked(&describe(e)))
        .collect();
    body.push(Safe::new(""));
    body.push(Safe::new(&format!(
        "Type the context's name, {name}, and press Enter to go on."
    )));
    // A running job the effect started waits with it (and the status bar
    // does not say it runs).
    let job = app.job.take();
    app.context.held = Some(Held {
        effects: changing,
        job,
    });
    app.status = None;
    app.dialog = Some(Dialog::TypeBack {
        title: Safe::new(&format!("Production context {name}")),
        body,
        name,
        input: LineInput::default(),
        error: None,
    });
    app.mode = Mode::Dialog;
    out
}

/// Whether the type-back dialog is open (its keys edit a line).
pub fn typing_back(app: &App) -> bool {
    app.mode == Mode::Dialog && matches!(app.dialog, Some(Dialog::TypeBack { .. }))
}

fn say(app: &mut App, level: Level, text: &str) {
    app.status = Some(Status {
        level,
        text: Safe::masked(text),
    });
}

/// A key in the type-back dialog: edit the answer, Enter checks it (only
/// the exact name lets the held work go), Esc drops the work.
pub fn type_back(app: &mut App, action: Action) {
    let Some(Dialog::TypeBack {
        name, input, error, ..
    }) = &mut app.dialog
    else {
        return;
    };
    match action {
        Action::Insert(c) => input.insert(c),
        Action::Paste(text) => input.insert_str(text.lines().next().unwrap_or("")),
        Action::Backspace => input.backspace(),
        Action::DeleteChar => input.delete(),
        Action::DeleteWord => input.delete_word(),
        Action::ClearLine => input.clear(),
        Action::CursorLeft => input.move_by(-1),
        Action::CursorRight => input.move_by(1),
        Action::CursorHome => input.home(),
        Action::CursorEnd => input.end(),
        Action::Submit | Action::Confirm => {
            if confirms(name, input.text()) {
                let held = app.context.held.take();
                app.dialog = None;
                app.mode = Mode::List;
                if let Some(held) = held {
                    let what: Vec<String> = held.effects.iter().map(describe).collect();
                    app.context.released = held.effects;
                    app.job = held.job;
                    let text = format!("{}…", what.join("; "));
                    say(app, Level::Info, &text);
                }
            } else {
                *error = Some(Safe::masked(&format!(
                    "`{}` is not `{name}`: type the context's name exactly (Esc cancels)",
                    input.text()
                )));
                input.clear();
            }
            return;
        }
        Action::Cancel | Action::Quit => {
            let name = name.clone();
            app.context.held = None;
            app.dialog = None;
            app.mode = Mode::List;
            say(
                app,
                Level::Info,
                &format!("cancelled in production context {name}: nothing was changed"),
            );
            return;
        }
        _ => return,
    }
    *error = None;
}

/// The area inside the outer frame: the whole screen without a context,
/// one cell less on each side with one.
pub fn inner(app: &App, area: Rect) -> Rect {
    match &app.context.active {
        Some(_) if area.width > 2 && area.height > 2 => {
            Block::default().borders(Borders::ALL).inner(area)
        }
        _ => area,
    }
}

/// Draw the outer frame with the context in its title (in the danger color
/// for production); the area left inside it.
pub fn draw_frame(app: &App, theme: &Theme, frame: &mut Frame) -> Rect {
    let area = frame.area();
    let Some(active) = &app.context.active else {
        return area;
    };
    let inside = inner(app, area);
    if inside == area {
        return area;
    }
    let (border, title_role) = if active.production {
        (Role::Danger, Role::Danger)
    } else {
        (Role::Border, Role::Title)
    };
    let mut title = vec![
        Span::styled(" context ", theme.style(Role::Muted)),
        Span::styled(
            format!("{} ", Safe::new(&active.name).as_str()),
            theme.style(title_role),
        ),
    ];
    if active.production {
        title.push(Span::styled("PRODUCTION ", theme.style(Role::Danger)));
    }
    if app.read_only {
        title.push(Span::styled("read-only ", theme.style(Role::Muted)));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(if active.production {
            BorderType::Double
        } else {
            BorderType::Plain
        })
        .border_style(theme.style(border))
        .title(Line::from(title));
    frame.render_widget(block, area);
    inside
}

/// Draw the type-back dialog.
pub fn render_type_back(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(Dialog::TypeBack {
        title,
        body,
        input,
        error,
        ..
    }) = &app.dialog
    else {
        return;
    };
    let text = theme.style(Role::Text);
    let mut lines: Vec<Line> = body
        .iter()
        .map(|l| Line::styled(l.as_str().to_string(), text))
        .collect();
    let typed = Safe::new(input.text());
    lines.push(Line::from(vec![
        Span::styled(" > ", theme.style(Role::Key)),
        Span::styled(typed.as_str().to_string(), theme.style(Role::Text)),
        Span::styled("█", theme.style(Role::Muted)),
    ]));
    if let Some(error) = error {
        lines.push(Line::styled(
            error.as_str().to_string(),
            theme.style(Role::Error),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(" enter ", theme.style(Role::Key)),
        Span::styled(" run it   ", text),
        Span::styled(" esc ", theme.style(Role::Key)),
        Span::styled(" cancel", text),
    ]));
    let widest = lines.iter().map(Line::width).max().unwrap_or(0);
    let w = (widest.max(title.as_str().chars().count() + 4).max(44) as u16 + 4)
        .min(area.width.saturating_sub(2));
    let inner_w = w.saturating_sub(4).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let h = (rows as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + area.width.saturating_sub(w) / 2,
        area.y + area.height.saturating_sub(h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.style(Role::Danger))
        .title(Span::styled(
            format!(" {} ", title.as_str()),
            theme.style(Role::Danger),
        ))
        .style(text);
    let inside = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect::new(
            inside.x + 1,
            inside.y,
            inside.width.saturating_sub(2),
            inside.height,
        ),
    );
}

/// Completion for `:context NAME`: the context names starting with the
/// word typed; `None` when the line is another command.
pub fn candidates(app: &App, before: &str) -> Option<Vec<String>> {
    let rest = before
        .strip_prefix("context ")
        .or_else(|| before.strip_prefix("ctx "))?;
    let word = rest.trim_start();
    Some(
        app.context
            .config
            .contexts
            .names()
            .into_iter()
            .filter(|n| n.starts_with(word))
            .collect(),
    )
}
