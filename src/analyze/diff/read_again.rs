//! Bodies of A read again from their files: a diff of a capture file keeps
//! where each event of A is instead of its raw body, and reads back only
//! those whose B differs, on every core, as their pairs come (see
//! [`DiffSpec::summary_read_again`](super::DiffSpec::summary_read_again)
//! and [`Differ::waiting`]). The reading itself is the caller's (this
//! module does no I/O).

use rayon::prelude::*;

use super::{DiffSpec, Differ, Difference, Summary, raw_body_hash};
use crate::capture::{LineAt, decode_line, view_line};
use crate::model::lex;

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

    /// How many pairs wait for A's line to be read again: a caller reads
    /// them as they come (every few ten thousand), so that what they keep
    /// of B does not grow with a diff where every pair differs.
    pub fn waiting(&self) -> usize {
        self.unread.len()
    }

    /// Name the paths where each pair in [`Differ::lines_to_read`] differs,
    /// A's line given by `read` (its bytes, without the newline), on every
    /// core. A line whose body is no longer the one hashed is an error: the
    /// file changed under the diff. Nothing is read when no pair waits.
    pub fn read_again(
        &mut self,
        read: impl Fn(&LineAt) -> std::io::Result<Vec<u8>> + Sync,
    ) -> Result<(), ReadAgainError> {
        if self.unread.is_empty() {
            return Ok(());
        }
        let unread = std::mem::take(&mut self.unread);
        let spec = &self.spec;
        let compared: Vec<(usize, Result<Option<Difference>, ReadAgainError>)> = unread
            .into_par_iter()
            .map(|pair| {
                let after = pair.after;
                let line = pair.at.number;
                let compared = read_line(&read, &pair.at).and_then(|bytes| {
                    if let Some(compared) = spec.compared_by_members(&bytes, &pair) {
                        return compared;
                    }
                    let (event, body) = decode_line(&bytes, line as usize, "").map_err(|e| {
                        ReadAgainError::Unreadable {
                            line,
                            reason: e.reason,
                        }
                    })?;
                    if raw_body_hash(&event.raw, None, &spec.ignore) != pair.hash {
                        return Err(ReadAgainError::Changed { line });
                    }
                    Ok(spec.difference(body.to_capture_value(), pair.a_shown, pair.b))
                });
                (after, compared)
            })
            .collect();
        // Differences in B's order: each pair after those found before it.
        // Those found before the first pair stay where they are (this runs
        // again and again on a diff where every pair differs).
        let first = compared.first().map_or(0, |(after, _)| *after);
        let mut found = self.different.split_off(first).into_iter();
        let mut taken = first;
        for (after, compared) in compared {
            self.different.extend(found.by_ref().take(after - taken));
            taken = after;
            match compared? {
                Some(difference) => self.different.push(difference),
                None => self.same += 1,
            }
        }
        self.different.extend(found);
        Ok(())
    }
}

impl DiffSpec {
    /// The difference of `pair`, its A the capture line `bytes`, from the
    /// two bodies' top-level members (see [`DiffSpec::paths_by_members`]),
    /// for a report of paths only; `None` when they cannot tell (the line
    /// and B's body are then decoded whole).
    fn compared_by_members(
        &self,
        bytes: &[u8],
        pair: &Unread,
    ) -> Option<Result<Option<Difference>, ReadAgainError>> {
        if !self.paths_only {
            return None;
        }
        let a = view_line(bytes)?;
        if raw_body_hash(a.body.as_bytes(), Some(&a.members), &self.ignore) != pair.hash {
            return Some(Err(ReadAgainError::Changed {
                line: pair.at.number,
            }));
        }
        let b = crate::model::utf8(&pair.b.raw)?;
        let b_members = lex::object_members(b)?;
        let paths = self.paths_by_members((a.body, &a.members), (b, &b_members))?;
        // Paths only: no body is kept.
        let no_bodies = || (serde_json::Value::Null, serde_json::Value::Null);
        Some(Ok(self.named(pair.b.key.clone(), paths, no_bodies)))
    }
}

/// The bytes of the line `at`, by `read`.
fn read_line(
    read: &(impl Fn(&LineAt) -> std::io::Result<Vec<u8>> + Sync),
    at: &LineAt,
) -> Result<Vec<u8>, ReadAgainError> {
    read(at).map_err(|e| ReadAgainError::Unreadable {
        line: at.number,
        reason: e.to_string(),
    })
}
