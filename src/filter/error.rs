//! The error a filter expression can fail with: what is wrong, where, and a
//! caret line to show under the expression.

use unicode_width::UnicodeWidthChar;

/// The broad class of a [`FilterError`], for callers that react differently
/// (the TUI keeps the old filter on any of them; tests assert on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterErrorKind {
    /// The expression does not follow the JSONPath filter grammar.
    Syntax,
    /// The expression is a valid JSONPath query but not a filter
    /// (e.g. `$.body.x`): it selects values instead of testing the event.
    NotAFilter,
    /// The expression parses but cannot work as written (e.g. a bare
    /// `length(@.x)` used as a condition).
    Invalid,
    /// The expression is longer or nests deeper than evscope accepts.
    TooComplex,
}

/// Why a filter expression was rejected.
///
/// `Display` writes one line that says what is wrong and where, e.g.
/// ``unexpected `=` at column 10: use == to compare``;
/// [`FilterError::caret_line`] renders the expression with a caret under
/// the faulty column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct FilterError {
    /// The class of the error.
    pub kind: FilterErrorKind,
    /// What is wrong, e.g. ``unexpected `=` `` or `unexpected end of filter`.
    pub what: String,
    /// How to fix it or what was expected, e.g. `use == to compare`.
    pub hint: Option<String>,
    /// Where: a char offset into the expression as the user typed it
    /// (leading whitespace included, the `$[?` evscope adds around a bare
    /// predicate not counted). `None` when the error has no single place.
    pub position: Option<usize>,
    /// The expression as the user typed it.
    pub expression: String,
}

impl FilterError {
    pub(super) fn new(
        kind: FilterErrorKind,
        expression: &str,
        position: Option<usize>,
        what: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        FilterError {
            kind,
            what: what.into(),
            hint,
            position,
            expression: expression.to_string(),
        }
    }

    /// The 1-based column of [`FilterError::position`], as shown in messages.
    pub fn column(&self) -> Option<usize> {
        self.position.map(|p| p + 1)
    }

    /// The expression on one line and, under it, a caret at the error's
    /// column followed by a short description:
    ///
    /// ```text
    /// @.body.x == 'a' &&
    ///                   ^ expected an expression after &&
    /// ```
    ///
    /// Tabs and line breaks in the expression are shown as spaces so the caret
    /// stays aligned; wide characters (CJK, emoji) count their display width.
    /// Without a position the caret points at the first column.
    pub fn caret_line(&self) -> String {
        let shown: String = self
            .expression
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let position = self.position.unwrap_or(0);
        let pad: usize = shown
            .chars()
            .take(position)
            .map(|c| c.width().unwrap_or(0))
            .sum();
        format!("{shown}\n{}^ {}", " ".repeat(pad), self.label())
    }

    /// The short description under the caret.
    fn label(&self) -> String {
        match &self.hint {
            Some(hint) if self.what.starts_with("unexpected end") => hint.clone(),
            Some(hint) => format!("{}: {hint}", self.what),
            None => self.what.clone(),
        }
    }

    fn render(&self) -> String {
        let mut line = self.what.clone();
        if let Some(column) = self.column() {
            line.push_str(&format!(" at column {column}"));
        }
        if let Some(hint) = &self.hint {
            line.push_str(": ");
            line.push_str(hint);
        }
        line
    }
}

/// `text` cut to at most `max` chars, with `…` when cut: for quoting user
/// input inside messages.
pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
