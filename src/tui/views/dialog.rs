//! Popups: confirmations that name what will happen, and errors.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::centered;
use super::text::width;
use crate::tui::app::{App, Dialog};
use crate::tui::theme::{Role, Theme};

/// Draw the dialog, if any.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(dialog) = &app.dialog else {
        return;
    };
    let (title, title_role, border_role, body, buttons): (_, _, _, Vec<Line>, Line) = match dialog {
        Dialog::Confirm { title, body, .. } => (
            title.as_str(),
            Role::Warning,
            Role::Warning,
            body.iter()
                .map(|l| Line::styled(l.as_str().to_string(), theme.style(Role::Text)))
                .collect(),
            Line::from(vec![
                Span::styled(" y ", theme.style(Role::Selection)),
                Span::styled(" yes, do it   ", theme.style(Role::Text)),
                Span::styled(" n ", theme.style(Role::Key)),
                Span::styled(" / esc  cancel", theme.style(Role::Text)),
            ]),
        ),
        Dialog::TypeBack { .. } => {
            return crate::tui::context::render_type_back(app, theme, frame, area);
        }
        Dialog::Error { title, message } => (
            title.as_str(),
            Role::Error,
            Role::Error,
            vec![Line::styled(
                message.as_str().to_string(),
                theme.style(Role::Text),
            )],
            Line::from(vec![
                Span::styled(" esc ", theme.style(Role::Key)),
                Span::styled(" dismiss", theme.style(Role::Text)),
            ]),
        ),
    };
    let widest = body.iter().map(|l| l.width()).max().unwrap_or(0);
    let w = (widest.max(width(title) + 4).max(44) as u16 + 4).min(area.width.saturating_sub(2));
    let inner_w = w.saturating_sub(4).max(1) as usize;
    let body_lines: usize = body
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let h = (body_lines as u16 + 4).min(area.height);
    let rect = centered(area, w, h);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.style(border_role))
        .title(Span::styled(format!(" {title} "), theme.style(title_role)))
        .style(theme.style(Role::Text));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines = body;
    lines.push(Line::raw(""));
    lines.push(buttons);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect::new(
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(2),
            inner.height,
        ),
    );
}
