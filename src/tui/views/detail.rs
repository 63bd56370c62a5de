//! The detail pane: tabs over the event under the cursor. Lines were built
//! when the cursor moved; a frame only styles the visible window.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::pane_block;
use crate::tui::app::{App, Pane};
use crate::tui::content::{DLine, Tab};
use crate::tui::layout::tab_titles;
use crate::tui::theme::{Role, Theme};

fn styled(line: &DLine, theme: &Theme) -> Line<'static> {
    Line::from(
        line.iter()
            .map(|seg| Span::styled(seg.text.as_str().to_string(), theme.style(seg.role)))
            .collect::<Vec<_>>(),
    )
}

/// Draw the detail pane.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut title: Vec<Span> = Vec::new();
    for (n, text) in tab_titles().into_iter().enumerate() {
        let role = if n == app.detail.tab.index() {
            Role::TabActive
        } else {
            Role::Muted
        };
        title.push(Span::styled(text, theme.style(role)));
    }
    let mut block = pane_block(app, theme, Pane::Detail).title(Line::from(title));
    if app.detail.reveal {
        block = block.title_bottom(Span::styled(
            " secrets revealed ",
            theme.style(Role::Secret),
        ));
    }
    let total = app.detail.lines.len();
    let inner = block.inner(area);
    let height = inner.height as usize;
    if total > height && app.detail.tab != Tab::Raw {
        let last = (app.detail.scroll + height).min(total);
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" {}-{last}/{total} ", app.detail.scroll + 1),
                theme.style(Role::Muted),
            ))
            .right_aligned(),
        );
    }
    frame.render_widget(block, area);
    if app.detail.lines.is_empty() {
        let text = if app.store.is_empty() {
            "loading…"
        } else {
            "no event selected"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Role::Muted))),
            inner,
        );
        return;
    }
    if app.detail.tab == Tab::Raw {
        let lines: Vec<Line> = app.detail.lines.iter().map(|l| styled(l, theme)).collect();
        let scroll = u16::try_from(app.detail.scroll).unwrap_or(u16::MAX);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            inner,
        );
        return;
    }
    let start = app.detail.scroll.min(total);
    let end = (start + height).min(total);
    let lines: Vec<Line> = app.detail.lines[start..end]
        .iter()
        .map(|l| styled(l, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
