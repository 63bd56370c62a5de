//! The journal view (`:journal`): the operations that changed sources,
//! newest first, who ran them and what came of them. Every text from the
//! journal is masked and escaped ([`Safe::masked`]) when the view is built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ops::journal::Operation;
use crate::tui::app::App;
use crate::tui::safe::Safe;
use crate::tui::theme::{Role, Theme};

/// The view's lines for `operations` (oldest first, as the journal has
/// them): two per operation, newest first.
pub fn lines(operations: &[Operation]) -> Vec<Safe> {
    if operations.is_empty() {
        return vec![Safe::new(
            "No operation journaled yet: replay, redrive, delete, purge and exports over a file are.",
        )];
    }
    let mut out = Vec::with_capacity(operations.len() * 2);
    for op in operations.iter().rev() {
        out.push(Safe::masked(&format!(
            "{}  {}  {}  {}@{} · {}",
            op.head.time.format("%Y-%m-%d %H:%M:%S"),
            op.intent.operation,
            op.intent.via,
            op.head.user,
            op.head.host,
            op.result()
        )));
        out.push(Safe::masked(&format!("    {}", op.route())));
    }
    out
}

/// Draw the journal over everything.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(view) = &app.journal_view else {
        return;
    };
    let head = theme.style(Role::Title);
    let text = theme.style(Role::Text);
    let all = view
        .iter()
        .map(|line| {
            let style = if line.as_str().starts_with(' ') {
                text
            } else {
                head
            };
            Line::from(Span::styled(line.as_str().to_string(), style))
        })
        .collect();
    super::help::overlay(
        app,
        theme,
        frame,
        area,
        " Journal: operations that changed sources ",
        all,
    );
}
