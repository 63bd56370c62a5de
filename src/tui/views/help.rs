//! The help screen, generated from the keymap: every binding of every mode
//! with its description, the flags legend and the commands.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use super::text::fit;
use crate::tui::app::App;
use crate::tui::commands::COMMANDS;
use crate::tui::keymap::{KeyMode, Keymap};
use crate::tui::summary::Flags;
use crate::tui::theme::{Role, Theme};

/// Every help line, styled.
pub fn lines(
    keymap: &Keymap,
    read_only: bool,
    log_file: Option<&std::path::Path>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let title = theme.style(Role::Title);
    let key_style = theme.style(Role::Key);
    let text = theme.style(Role::Text);
    let muted = theme.style(Role::Muted);
    if read_only {
        out.push(Line::styled(
            "Running with --read-only: replay, redrive, delete, purge and edit are disabled.",
            theme.style(Role::Warning),
        ));
        out.push(Line::raw(""));
    }
    for mode in KeyMode::ALL {
        let heading = match mode {
            KeyMode::List => "Browsing (list)",
            KeyMode::Filter => "Filter input (filter)",
            KeyMode::Command => "Command line and prompts (command)",
            KeyMode::Dialog => "Confirmations (dialog)",
            KeyMode::Help => "This screen (help)",
            KeyMode::Flows => "The flows view (flows; f or :flows)",
        };
        out.push(Line::styled(heading, title));
        for (action, keys) in keymap.grouped(mode) {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            let mut description = action.description().to_string();
            let disabled = read_only && action.changes_sources();
            if disabled {
                description.push_str("  (disabled: --read-only)");
            } else if action.changes_sources() {
                description.push_str("  (changes sources)");
            }
            out.push(Line::from(vec![
                Span::styled(fit(&format!("  {}", keys.join(", ")), 24), key_style),
                Span::styled(description, if disabled { muted } else { text }),
            ]));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled("Flags column", title));
    for (letter, _, meaning) in Flags::LEGEND {
        out.push(Line::from(vec![
            Span::styled(format!("  {letter:<22}"), key_style),
            Span::styled(meaning, text),
        ]));
    }
    for (marker, meaning) in [
        (
            "✗",
            "its flow failed (an event of it sits in a dead-letter queue)",
        ),
        (
            "!",
            "its flow is stuck (last event not terminal, older than stuck_after)",
        ),
        ("…", "its flow is open (last event not terminal, recent)"),
        ("✓", "its flow is complete (last event of a terminal type)"),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {marker:<22}"), key_style),
            Span::styled(meaning, text),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Sources pane counts", title));
    for (letter, meaning) in [
        ("E", "expired events"),
        ("M", "malformed events"),
        (
            "V",
            "of those, events that break their contract (:contracts PATH loads them)",
        ),
        ("H", "messages held from the queue's consumers by a follow"),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {letter:<22}"), key_style),
            Span::styled(meaning, text),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Following an SQS queue (t)", title));
    for line in [
        "SQS has no read that leaves a queue alone: following receives its messages, which",
        "hides each one from the queue's consumers while evscope holds it, and raises its",
        "receive count by one (towards maxReceiveCount, then the DLQ). evscope asks once per",
        "queue before following one that is not a dead-letter queue, and while it holds",
        "messages the status bar says \"holding N from consumers · longest H s\" and the",
        "sources pane marks the queue with H and the count. A message held for --max-hold",
        "(config sqs.max_hold; default 30 s, forever on a DLQ) is made visible again, and",
        "received again only once the consumers had their chance. t, quitting or a signal",
        "release everything at once; the status bar says how many. A receive count shown",
        "as 5! is at the queue's maxReceiveCount: the next receive by anyone, a browse",
        "included, moves that message to the dead-letter queue.",
    ] {
        out.push(Line::styled(format!("  {line}"), text));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Commands (:)", title));
    for (name, arg) in COMMANDS {
        out.push(Line::styled(format!("  {name} {arg}"), text));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "Keys are remapped in the config file: [keys.list] \"ctrl-r\" = \"replay\" (\"none\" unbinds).",
        muted,
    ));
    out.push(Line::styled(
        match log_file {
            Some(path) => format!(
                "Log file: {} (more detail: -v, -vv or EVSCOPE_LOG=debug).",
                crate::sanitize::escape(&path.display().to_string())
            ),
            None => "Log file: none (no state directory, or it cannot be written).".to_string(),
        },
        muted,
    ));
    out
}

/// Draw the help screen over everything.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let all = lines(&app.keymap, app.read_only, app.log_file.as_deref(), theme);
    overlay(app, theme, frame, area, " Help: every key ", all);
}

/// A scrolled page of `all` in a box titled `title` over everything (the
/// help screen, the journal).
pub(super) fn overlay(
    app: &App,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    all: Vec<Line<'static>>,
) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocus))
        .title(Span::styled(title.to_string(), theme.style(Role::Title)))
        .title_bottom(Span::styled(
            " j/k scroll · esc closes ",
            theme.style(Role::Muted),
        ))
        .style(theme.style(Role::Text));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let max = all.len().saturating_sub(inner.height as usize);
    let start = app.help_scroll.min(max);
    let shown: Vec<Line> = all
        .into_iter()
        .skip(start)
        .take(inner.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
