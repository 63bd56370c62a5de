//! Bodies of A read again from their files: a diff of a capture file keeps
//! where each event of A is instead of its raw body, and reads back only
//! the few whose B differs, once B is read (see
//! [`DiffSpec::summary_read_again`](super::DiffSpec::summary_read_again)).
//! The reading itself is the caller's (this module does no I/O).

use super::{Differ, Summary, raw_body_hash};
use crate::capture::{LineAt, decode_line};

/// A pair whose hashes differ, A's body still to read.
#[derive(Debug)]
pub(super) struct Unread {
    /// Where A's line is.
    pub at: LineAt,
    /// A's body hash, to check the line read again is the one hashed.
    pub hash: u64,
    /// A's body with its secrets masked, when it carries any.
    pub a_shown: Option<serde_json::Value>,
    /// B's event.
    pub b: Summary,
    /// How many differences were found before it (its place among them).
    pub after: usize,
}

/// Why a line of A could not be read again.
#[derive(Debug, thiserror::Error)]
pub enum ReadAgainError {
    /// The line could not be read.
    #[error("line {line} of A could not be read again: {reason}")]
    Unreadable {
        /// Its line number.
        line: u32,
        /// Why.
        reason: String,
    },
    /// The line is not what was read first.
    #[error("line {line} of A changed while the diff ran; run it again")]
    Changed {
        /// Its line number.
        line: u32,
    },
}

impl Differ {
    /// The lines of A to read again (see [`Differ::read_again`]): those of
    /// events whose bodies differ from B's, in B's order.
    pub fn lines_to_read(&self) -> Vec<LineAt> {
        self.unread.iter().map(|u| u.at).collect()
    }

    /// Name the paths where each pair in [`Differ::lines_to_read`] differs,
    /// A's line given by `read` (its bytes, without the newline). A line
    /// whose body is no longer the one hashed is an error: the file
    /// changed under the diff. Nothing is read when no pair waits.
    pub fn read_again(
        &mut self,
        mut read: impl FnMut(&LineAt) -> std::io::Result<Vec<u8>>,
    ) -> Result<(), ReadAgainError> {
        if self.unread.is_empty() {
            return Ok(());
        }
        let unread = std::mem::take(&mut self.unread);
        let mut found = std::mem::take(&mut self.different).into_iter();
        let mut merged = Vec::with_capacity(found.len() + unread.len());
        let mut taken = 0;
        for pair in unread {
            // Differences in B's order: those found before this pair first.
            merged.extend(found.by_ref().take(pair.after - taken));
            taken = pair.after;
            let line = pair.at.number;
            let bytes = read(&pair.at).map_err(|e| ReadAgainError::Unreadable {
                line,
                reason: e.to_string(),
            })?;
            let (event, body) =
                decode_line(&bytes, line as usize, "").map_err(|e| ReadAgainError::Unreadable {
                    line,
                    reason: e.reason,
                })?;
            if raw_body_hash(&event.raw, None, &self.spec.ignore) != pair.hash {
                return Err(ReadAgainError::Changed { line });
            }
            let a = body.to_capture_value();
            if let Some(difference) = self.compare(a, pair.a_shown, pair.b) {
                merged.push(difference);
            }
        }
        merged.extend(found);
        self.different = merged;
        Ok(())
    }
}
