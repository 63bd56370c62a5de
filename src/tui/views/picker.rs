//! The picker of saved and recent filters.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use super::text::fit;
use crate::tui::app::App;
use crate::tui::theme::{Role, Theme};

/// Draw the picker, if open.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(picker) = &app.picker else {
        return;
    };
    let w = area.width.saturating_sub(8).clamp(20, 100);
    let h = (picker.items.len() as u16 + 4).clamp(5, area.height.saturating_sub(2).max(5));
    let rect = centered(area, w, h);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(" Filters ", theme.style(Role::Title)))
        .title_bottom(Line::from(vec![
            Span::styled(" enter ", theme.style(Role::Key)),
            Span::styled("apply  ", theme.style(Role::Muted)),
            Span::styled("esc ", theme.style(Role::Key)),
            Span::styled("close ", theme.style(Role::Muted)),
        ]))
        .style(theme.style(Role::Text));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let rows = inner.height as usize;
    let first = picker.cursor.saturating_sub(rows.saturating_sub(1));
    let width = inner.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = picker
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, (label, _))| {
            let style = if i == picker.cursor {
                theme.style(Role::Selection)
            } else {
                theme.style(Role::Text)
            };
            Line::styled(format!(" {}", fit(label.as_str(), width)), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
