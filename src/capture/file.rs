//! A capture file held in memory (mapped when it is a regular file) with an
//! index of its lines, so a million events open in a fraction of a second
//! and each is decoded only when it is needed.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use memmap2::Mmap;

use super::line::{LineError, decode_line};
use crate::model::{Body, Event};

enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// Where one line sits in the file: byte range and 1-based line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineSpan {
    /// Byte offset of the first byte of the line.
    pub start: u64,
    /// Length in bytes, without the newline.
    pub len: u32,
    /// 1-based line number (blank lines count but are not indexed).
    pub number: u32,
}

/// The bytes of a capture and the spans of its non-blank lines.
pub struct CaptureFile {
    source: String,
    bytes: Bytes,
    lines: Vec<LineSpan>,
    last_line: u32,
}

impl std::fmt::Debug for CaptureFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureFile")
            .field("source", &self.source)
            .field("lines", &self.lines.len())
            .finish()
    }
}

impl CaptureFile {
    /// Map the file at `path`. `source` names it in events and messages.
    pub fn open(path: &Path, source: impl Into<String>) -> std::io::Result<CaptureFile> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        let bytes = if meta.is_file() && meta.len() > 0 {
            // SAFETY: the map is read-only; evscope replaces capture files by
            // atomic rename, never truncates them in place. Another program
            // truncating the file under us could fault, as with any mmap reader.
            Bytes::Mapped(unsafe { Mmap::map(&file)? })
        } else {
            let mut buf = Vec::new();
            (&file).read_to_end(&mut buf)?;
            Bytes::Owned(buf)
        };
        Ok(Self::index(source.into(), bytes, 0))
    }

    /// A capture read from memory (stdin, the bundled demo).
    pub fn from_bytes(bytes: Vec<u8>, source: impl Into<String>) -> CaptureFile {
        Self::index(source.into(), Bytes::Owned(bytes), 0)
    }

    /// Lines appended to a file after its first `lines_before` lines (for
    /// following a growing file): line numbers continue from there.
    pub fn from_appended(bytes: Vec<u8>, source: impl Into<String>, lines_before: u32) -> Self {
        Self::index(source.into(), Bytes::Owned(bytes), lines_before)
    }

    /// The number of the last line, blank or not.
    pub fn last_line_number(&self) -> u32 {
        self.last_line
    }

    fn index(source: String, bytes: Bytes, lines_before: u32) -> CaptureFile {
        let data = bytes.as_slice();
        let mut lines = Vec::with_capacity(data.len() / 256 + 1);
        let mut start = 0usize;
        let mut number = lines_before;
        let mut push = |start: usize, end: usize, number: u32| {
            let mut end = end;
            if end > start && data[end - 1] == b'\r' {
                end -= 1;
            }
            if !data[start..end].iter().all(u8::is_ascii_whitespace) {
                let len = u32::try_from(end - start).unwrap_or(u32::MAX);
                lines.push(LineSpan {
                    start: start as u64,
                    len,
                    number,
                });
            }
        };
        for nl in memchr::memchr_iter(b'\n', data) {
            number += 1;
            push(start, nl, number);
            start = nl + 1;
        }
        if start < data.len() {
            number += 1;
            push(start, data.len(), number);
        }
        CaptureFile {
            source,
            bytes,
            lines,
            last_line: number,
        }
    }

    /// The source name events of this file carry when a line names none.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of non-blank lines (events).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the capture holds no event.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Size in bytes.
    pub fn byte_len(&self) -> usize {
        self.bytes.as_slice().len()
    }

    /// The spans of all lines, in file order.
    pub fn spans(&self) -> &[LineSpan] {
        &self.lines
    }

    /// The bytes of line `index` (0-based among non-blank lines).
    pub fn line(&self, index: usize) -> &[u8] {
        let span = self.lines[index];
        let start = span.start as usize;
        &self.bytes.as_slice()[start..start + span.len as usize]
    }

    /// Decode line `index` into an event and its body.
    pub fn decode(&self, index: usize) -> Result<(Event, Body), LineError> {
        decode_line(
            self.line(index),
            self.lines[index].number as usize,
            &self.source,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_lines_skipping_blanks_and_crlf() {
        let cap = CaptureFile::from_bytes(b"{\"a\":1}\r\n\n  \n{\"b\":2}\nlast".to_vec(), "t");
        assert_eq!(cap.len(), 3);
        assert_eq!(cap.line(0), b"{\"a\":1}");
        assert_eq!(cap.spans()[1].number, 4);
        assert_eq!(cap.line(2), b"last");
        assert_eq!(cap.decode(1).unwrap().0.id, "line-4");
    }
}
