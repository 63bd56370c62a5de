//! The input line (filter, command line, target prompt) on the status row,
//! with the error caret or the hints below it and completions above it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::text::{tail, width};
use crate::tui::app::{App, Mode, Prompt};
use crate::tui::safe::Safe;
use crate::tui::theme::{Role, Theme};

/// Draw the input line on `line` and its help or error on `below`.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, line: Rect, below: Rect) {
    let (prompt, input) = match app.mode {
        Mode::Filter => ("/".to_string(), &app.filter_input),
        Mode::Prompt(Prompt::ReplayTarget) => {
            let what = match &app.edited {
                Some(event) => format!("replay edited {} to: ", Safe::capped(&event.id, 30)),
                None => {
                    let count = if app.marks.is_empty() {
                        1
                    } else {
                        app.marks.count()
                    };
                    format!("replay {count} events to: ")
                }
            };
            (what, &app.command_input)
        }
        _ => (":".to_string(), &app.command_input),
    };
    frame.render_widget(Clear, line);
    frame.render_widget(Clear, below);
    let text = Safe::new(input.text());
    let before_cursor: String = input.text().chars().take(input.cursor()).collect();
    let before_cursor = Safe::new(&before_cursor);
    let prompt_width = width(&prompt);
    let room = (line.width as usize).saturating_sub(prompt_width + 1);
    // Scroll horizontally so the cursor stays visible.
    let (shown, skip) = if width(before_cursor.as_str()) > room {
        let (visible, _) = tail(before_cursor.as_str(), room);
        let skip = before_cursor.as_str().len() - visible.len();
        (
            &text.as_str()[skip..],
            width(&before_cursor.as_str()[..skip]),
        )
    } else {
        (text.as_str(), 0)
    };
    let input_style = theme.style(Role::Text);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt, theme.style(Role::Key)),
            Span::styled(shown.to_string(), input_style),
        ])),
        line,
    );
    let cursor_x = prompt_width + width(before_cursor.as_str()) - skip;
    frame.set_cursor_position(Position::new(
        line.x + (cursor_x as u16).min(line.width.saturating_sub(1)),
        line.y,
    ));
    match &app.input_error {
        Some(error) => {
            let message = error.message.as_str();
            let spans = match error.position {
                Some(pos) => {
                    let upto: String = input.text().chars().take(pos).collect();
                    let col =
                        (prompt_width + width(Safe::new(&upto).as_str())).saturating_sub(skip);
                    let after = format!("^ {message}");
                    if col + width(&after) <= below.width as usize {
                        vec![
                            Span::raw(" ".repeat(col)),
                            Span::styled(after, theme.style(Role::Error)),
                        ]
                    } else {
                        let before = format!("{message} ");
                        let pad = col.saturating_sub(width(&before));
                        vec![
                            Span::raw(" ".repeat(pad)),
                            Span::styled(before, theme.style(Role::Error)),
                            Span::styled("^", theme.style(Role::Error)),
                        ]
                    }
                }
                None => vec![Span::styled(
                    format!(" {message}"),
                    theme.style(Role::Error),
                )],
            };
            frame.render_widget(Paragraph::new(Line::from(spans)), below);
        }
        None => {
            let mut hint = match app.mode {
                Mode::Filter if !app.filter.text.is_empty() => {
                    " enter apply (empty clears) · esc keep the current filter · tab complete · ↑ history"
                }
                Mode::Filter => {
                    " enter apply · esc cancel · tab complete · e.g. @.meta.expired == true"
                }
                Mode::Prompt(_) => " enter replay · esc cancel · tab complete · pace: TARGET --rate 10/s or --pace original[:SPEED]",
                _ => " open SOURCE · replay TARGET · redrive [TARGET] · delete · purge · export FILE · theme NAME · quit",
            }
            .to_string();
            if app.mode == Mode::Filter && !app.filter_input.text().trim().is_empty() {
                hint = format!(" ✓ valid ·{}", hint);
            }
            frame.render_widget(
                Paragraph::new(Line::styled(hint, theme.style(Role::Muted))),
                below,
            );
        }
    }
    if let Some(completion) = input.completion() {
        let count = completion.matches.len().min(8) as u16;
        if count == 0 || line.y < count {
            return;
        }
        let widest = completion
            .matches
            .iter()
            .map(|m| width(m))
            .max()
            .unwrap_or(0)
            .min(60) as u16;
        let x = line.x + prompt_width as u16;
        let area = Rect::new(
            x.min(line.right().saturating_sub(widest + 2)),
            line.y - count,
            (widest + 2).min(line.width),
            count,
        );
        frame.render_widget(Clear, area);
        let start = completion.index.unwrap_or(0).saturating_sub(7);
        let lines: Vec<Line> = completion
            .matches
            .iter()
            .enumerate()
            .skip(start)
            .take(8)
            .map(|(i, m)| {
                let role = if Some(i) == completion.index {
                    Role::Selection
                } else {
                    Role::Status
                };
                Line::styled(format!(" {} ", Safe::capped(m, 58)), theme.style(role))
            })
            .collect();
        frame.render_widget(Paragraph::new(lines).style(theme.style(Role::Status)), area);
    }
}
