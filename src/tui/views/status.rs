//! The status bar (source, counts, filter, last result, progress) and the
//! key-hint bar generated from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph};

use super::text::{fit, width};
use crate::tui::app::{App, Level, Mode};
use crate::tui::safe::Safe;
use crate::tui::theme::{Role, Theme};

/// Draw the status bar.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let base = theme.style(Role::Status);
    frame.render_widget(Paragraph::new("").style(base), area);
    let (left_area, right_area) = match &app.job {
        Some(_) => {
            let [l, r] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(area);
            (l, Some(r))
        }
        None => (area, None),
    };
    let source = match app.scope.and_then(|s| app.sources.get(s)) {
        Some(slot) => slot.name().to_string(),
        None if app.sources.len() == 1 => app.sources[0].name().to_string(),
        None => format!("{} sources", app.sources.len()),
    };
    let mut spans = vec![Span::styled(
        format!(" {source} "),
        base.patch(theme.style(Role::Title)),
    )];
    // What a follow holds from consumers stays in view whatever else shows.
    if let Some(holding) = app.holding_line() {
        spans.push(Span::styled(
            format!("│ {holding} "),
            base.patch(theme.style(Role::Warning)),
        ));
    }
    let kept = spans.len();
    spans.push(Span::styled(
        format!(
            "│ {} total · {} shown · {} selected ",
            app.store.len(),
            app.shown(),
            app.marks.count()
        ),
        base,
    ));
    if !app.filter.text.is_empty() {
        spans.push(Span::styled(
            format!("│ /{} ", Safe::capped(&app.filter.text, 60)),
            base.patch(theme.style(Role::Warning)),
        ));
    }
    if let Some(preset) = &app.preset {
        spans.push(Span::styled(
            format!("│ {} ", preset.label()),
            base.patch(theme.style(Role::Warning)),
        ));
    }
    if app.read_only {
        spans.push(Span::styled(
            "│ read-only ",
            base.patch(theme.style(Role::Muted)),
        ));
    }
    if let Some(status) = &app.status {
        let role = match status.level {
            Level::Info => Role::Text,
            Level::Success => Role::Success,
            Level::Warning => Role::Warning,
            Level::Error => Role::Error,
        };
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = (left_area.width as usize).saturating_sub(used + 2);
        // Keep the message readable on narrow screens: it wins over the counts.
        let text = status.text.as_str();
        if room < width(text) {
            spans.truncate(kept);
        }
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = (left_area.width as usize).saturating_sub(used + 2);
        spans.push(Span::styled(
            format!("│ {}", fit(text, room).trim_end()),
            base.patch(theme.style(role)),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(base), left_area);
    if let (Some(job), Some(area)) = (&app.job, right_area) {
        let p = job.progress;
        let ratio = match p.total {
            Some(total) if total > 0 => (p.done + p.failed) as f64 / total as f64,
            _ => 0.0,
        };
        let total = p.total.map_or_else(String::new, |t| format!("/{t}"));
        let cancel = if job.control.is_cancelled() {
            " cancelling…".to_string()
        } else {
            let keys = app.keymap.keys_for(
                crate::tui::keymap::KeyMode::List,
                &crate::tui::action::Action::CancelJob,
            );
            keys.first()
                .map_or_else(String::new, |k| format!(" {k} cancels"))
        };
        let label = format!(
            "{} {}{total}{}{} ",
            job.verb,
            p.done,
            if p.failed > 0 {
                format!(" ({} failed)", p.failed)
            } else {
                String::new()
            },
            p.eta_words().map_or_else(String::new, |e| format!(" {e}"))
        );
        let gauge = LineGauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(Line::from(vec![
                Span::styled(label, base.patch(theme.style(Role::Text))),
                Span::styled(cancel, base.patch(theme.style(Role::Warning))),
            ]))
            .filled_style(theme.style(Role::Gauge))
            .unfilled_style(base.patch(theme.style(Role::Muted)))
            .style(base);
        frame.render_widget(gauge, area);
    }
}

/// Draw the hint bar: the first key of each hinted action of the mode.
pub fn hints(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let mut used = 0;
    let mut mode = app.mode.keys();
    if app.mode == Mode::Help {
        mode = crate::tui::keymap::KeyMode::Help;
    }
    if crate::tui::context::typing_back(app) {
        // The type-back dialog shows its own keys.
        return;
    }
    for (action, keys) in app.keymap.grouped(mode) {
        let hint = action.hint();
        if hint.is_empty() || (app.read_only && action.changes_sources()) {
            continue;
        }
        let key = keys[0].to_string();
        let piece = width(&key) + width(hint) + 3;
        if used + piece > area.width as usize {
            break;
        }
        used += piece;
        spans.push(Span::styled(format!(" {key}"), theme.style(Role::Key)));
        spans.push(Span::styled(format!(" {hint} "), theme.style(Role::Muted)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
