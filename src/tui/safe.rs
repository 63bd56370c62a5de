//! The one door through which event data enters rendering. Every string
//! that came from an event (ids, keys, bodies, attributes, backend error
//! messages) becomes a [`Safe`] before any view sees it, and views take
//! [`Safe`] for dynamic text, so no view can forget to escape.

use std::fmt;

use crate::sanitize::{escape, escape_masked};

/// Text with every character a terminal would act on escaped
/// (see [`crate::sanitize::escape`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Safe(Box<str>);

impl Safe {
    /// Escape `text`.
    pub fn new(text: &str) -> Safe {
        Safe(escape(text).into())
    }

    /// Mask the secrets of `text` ([`crate::secrets`]) and escape it: for
    /// the text around events (status lines, dialogs, source names and
    /// errors), which may name a URI with credentials or quote an event.
    pub fn masked(text: &str) -> Safe {
        Safe(escape_masked(text).into())
    }

    /// Escape at most the first `max` characters of `text`, with an
    /// ellipsis when it was longer: bounded work for huge strings.
    pub fn capped(text: &str, max: usize) -> Safe {
        match text.char_indices().nth(max) {
            None => Safe::new(text),
            Some((end, _)) => {
                let mut out = escape(&text[..end]).into_owned();
                out.push('…');
                Safe(out.into())
            }
        }
    }

    /// The escaped text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Safe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_caps() {
        assert_eq!(Safe::new("a\x1b[2Jb").as_str(), "a\\x1b[2Jb");
        assert_eq!(Safe::capped("abcdef", 3).as_str(), "abc…");
        assert_eq!(Safe::capped("abc", 3).as_str(), "abc");
    }
}
