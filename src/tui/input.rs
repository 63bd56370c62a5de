//! A one-line text editor with history and word completion: the filter
//! input, the command line and the target prompts.

/// The state of an input line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
    history: Vec<String>,
    history_pos: Option<usize>,
    completion: Option<Completion>,
}

/// Candidates offered by the last completion, cycled by pressing it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Where the completed word starts (characters).
    pub word_start: usize,
    /// Matching candidates.
    pub matches: Vec<String>,
    /// The candidate inserted last, when cycling.
    pub index: Option<usize>,
}

impl LineInput {
    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The candidates of the last completion, if any.
    pub fn completion(&self) -> Option<&Completion> {
        self.completion.as_ref()
    }

    /// Replace the text and put the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.chars().count();
        self.completion = None;
        self.history_pos = None;
    }

    fn byte(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(b, _)| b)
    }

    fn edited(&mut self) {
        self.completion = None;
        self.history_pos = None;
    }

    /// Insert a character at the cursor.
    pub fn insert(&mut self, c: char) {
        let at = self.byte(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
        self.edited();
    }

    /// Insert text at the cursor (a paste); line breaks become spaces.
    pub fn insert_str(&mut self, text: &str) {
        for c in text.chars() {
            self.insert(if c == '\n' || c == '\r' { ' ' } else { c });
        }
    }

    /// Delete the character before the cursor.
    pub fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        let at = self.byte(self.cursor - 1);
        self.text.remove(at);
        self.cursor -= 1;
        self.edited();
    }

    /// Delete the character under the cursor.
    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte(self.cursor);
            self.text.remove(at);
            self.edited();
        }
    }

    /// Move the cursor by `delta` characters.
    pub fn move_by(&mut self, delta: isize) {
        let len = self.text.chars().count() as isize;
        self.cursor = (self.cursor as isize + delta).clamp(0, len) as usize;
    }

    /// Cursor to the start.
    pub fn home(&mut self) {
        self.cursor = 0;
    }

    /// Cursor to the end.
    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    /// Delete the word before the cursor.
    pub fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let mut start = self.cursor;
        while start > 0 && chars[start - 1] == ' ' {
            start -= 1;
        }
        while start > 0 && chars[start - 1] != ' ' {
            start -= 1;
        }
        let (a, b) = (self.byte(start), self.byte(self.cursor));
        self.text.replace_range(a..b, "");
        self.cursor = start;
        self.edited();
    }

    /// Delete everything.
    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
        self.edited();
    }

    /// Remember the current text in the history; returns it when it is a
    /// new entry (for the history file).
    pub fn commit_history(&mut self) -> Option<String> {
        let text = self.text.trim().to_string();
        self.history_pos = None;
        if !text.is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
            return Some(text);
        }
        None
    }

    /// Start with these entries (oldest first), from an earlier run.
    pub fn set_history(&mut self, entries: Vec<String>) {
        self.history = entries;
        self.history_pos = None;
    }

    /// The entries, oldest first.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Recall an older (`back`) or newer entry.
    pub fn recall(&mut self, back: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        let pos = match (self.history_pos, back) {
            (None, true) => Some(last),
            (None, false) => return,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p < last => Some(p + 1),
            (Some(_), false) => None,
        };
        let text = pos.map_or_else(String::new, |p| self.history[p].clone());
        self.set(&text);
        self.history_pos = pos;
    }

    /// The word being typed: its start (characters) and text.
    pub fn current_word(&self) -> (usize, String) {
        let before: Vec<char> = self.text.chars().take(self.cursor).collect();
        let start = before.iter().rposition(|c| *c == ' ').map_or(0, |p| p + 1);
        (start, before[start..].iter().collect())
    }

    /// Complete the word before the cursor from `candidates` (already
    /// narrowed to those starting with it): the longest common prefix
    /// first, then each candidate in turn on repeated calls.
    pub fn complete(&mut self, candidates: Vec<String>) {
        let (start, word) = self.current_word();
        if let Some(mut completion) = self.completion.take() {
            if completion.word_start == start && !completion.matches.is_empty() {
                let next = completion
                    .index
                    .map_or(0, |i| (i + 1) % completion.matches.len());
                completion.index = Some(next);
                let choice = completion.matches[next].clone();
                self.replace_word(start, &choice);
                self.completion = Some(completion);
                return;
            }
        }
        if candidates.is_empty() {
            return;
        }
        let prefix = common_prefix(&candidates);
        if prefix.chars().count() > word.chars().count() {
            self.replace_word(start, &prefix);
        }
        if candidates.len() == 1 && !prefix.ends_with('/') {
            self.insert(' ');
            self.completion = None;
            return;
        }
        self.completion = Some(Completion {
            word_start: start,
            matches: candidates,
            index: None,
        });
    }

    fn replace_word(&mut self, start: usize, with: &str) {
        let (a, b) = (self.byte(start), self.byte(self.cursor));
        self.text.replace_range(a..b, with);
        self.cursor = start + with.chars().count();
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for word in &words[1..] {
        len = first
            .char_indices()
            .zip(word.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_and_completes() {
        let mut input = LineInput::default();
        input.insert_str("re");
        input.complete(vec!["redrive".into(), "replay".into()]);
        assert_eq!(input.text(), "re");
        input.complete(vec![]);
        assert_eq!(input.text(), "redrive");
        input.complete(vec![]);
        assert_eq!(input.text(), "replay");
        input.clear();
        input.insert_str("th");
        input.complete(vec!["theme".into()]);
        assert_eq!(input.text(), "theme ");
        input.delete_word();
        assert_eq!(input.text(), "");
    }

    #[test]
    fn history_recalls() {
        let mut input = LineInput::default();
        input.set("a");
        input.commit_history();
        input.set("b");
        input.commit_history();
        input.clear();
        input.recall(true);
        assert_eq!(input.text(), "b");
        input.recall(true);
        assert_eq!(input.text(), "a");
        input.recall(false);
        assert_eq!(input.text(), "b");
        input.recall(false);
        assert_eq!(input.text(), "");
    }
}
