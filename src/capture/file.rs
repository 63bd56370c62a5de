//! A capture file held in memory with an index of its lines, so a million
//! events open in a fraction of a second and each is decoded only when it
//! is needed.
//!
//! Files are read, not memory-mapped: a map of a file that another program
//! truncates (log rotation, `: > file`) kills the process with SIGBUS on the
//! next access, wherever that is (ripgrep's searcher makes maps an opt-in
//! for this reason). Reading costs one copy from the page cache and holds
//! the same memory a fully touched map would. What was read is remembered
//! ([`OnDisk`]), so a reader can tell when the file changed under it.
//!
//! Anything that is not a regular file (stdin, a FIFO, a character device
//! such as `/dev/zero`) is a stream: read to its end within
//! [`STREAM_LIMIT`] bytes and lines of at most [`LINE_LIMIT`] bytes.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use super::chunks::{OpenFile, Recycle};
use super::disk::{FileId, OnDisk};
use super::line::{HeadRead, LineError, decode_head, decode_line, decode_line_members, read_head};
use crate::model::{Body, Decoded, Event, Members};

/// The most a stream (stdin, a FIFO, a device) may hold.
pub const STREAM_LIMIT: usize = 1 << 30;
/// The longest line a stream may have.
pub const LINE_LIMIT: usize = 64 << 20;
/// The UTF-8 byte order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

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
    bytes: Vec<u8>,
    lines: Vec<LineSpan>,
    last_line: u32,
    /// The regular file read whole, as it was then.
    disk: Option<OnDisk>,
    /// The file the bytes are from (whole or a chunk of it).
    identity: Option<FileId>,
    /// Where a chunk's buffer goes when it is dropped, for the next chunk.
    recycle: Option<Arc<Recycle>>,
    /// Where the bytes start in the file they are from.
    offset: u64,
}

/// Where a line of a regular file is, to read it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAt {
    /// The file.
    pub file: FileId,
    /// The byte offset of the line's first byte.
    pub offset: u64,
    /// Its length in bytes, without the newline.
    pub len: u32,
    /// Its 1-based line number.
    pub number: u32,
}

impl Drop for CaptureFile {
    fn drop(&mut self) {
        if let Some(recycle) = &self.recycle {
            recycle.give(std::mem::take(&mut self.bytes));
        }
    }
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
    /// Read the file at `path`. `source` names it in events and messages.
    ///
    /// A regular file is read up to the length it had when opened (lines
    /// appended meanwhile are left for a follow); one that shrinks while it
    /// is read is an error. Anything else is read as a stream.
    pub fn open(path: &Path, source: impl Into<String>) -> io::Result<CaptureFile> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            let bytes = read_stream(&file)?;
            return Ok(Self::index(source.into(), bytes, 0));
        }
        OpenFile::new(file, OnDisk::of_meta(&meta))
            .read_whole(source)
            .map_err(|e| match e {
                super::chunks::ReadError::Io(e) => e,
                changed => io::Error::other(format!("{changed}; run the command again")),
            })
    }

    /// The whole of a regular file, read as `disk` says.
    pub(super) fn from_disk(bytes: Vec<u8>, source: String, disk: OnDisk) -> CaptureFile {
        let mut capture = Self::index(source, bytes, 0);
        capture.disk = Some(disk);
        capture.identity = Some(disk.id);
        capture
    }

    /// The lines of a chunk of the file `identity` that follow its first
    /// `lines_before` lines.
    /// Its buffer goes to `recycle` when it is dropped.
    pub(super) fn chunk(
        bytes: Vec<u8>,
        source: String,
        (lines_before, offset): (u32, u64),
        identity: FileId,
        recycle: Arc<Recycle>,
    ) -> CaptureFile {
        let mut capture = Self::index(source, bytes, lines_before);
        capture.identity = Some(identity);
        capture.recycle = Some(recycle);
        capture.offset = offset;
        capture
    }

    /// Where line `index` is in the regular file it was read from; `None`
    /// for a capture not read from one (a stream, the demo).
    pub fn line_at(&self, index: usize) -> Option<LineAt> {
        let line = self.lines.get(index)?;
        Some(LineAt {
            file: self.identity?,
            offset: self.offset + line.start,
            len: line.len,
            number: line.number,
        })
    }

    /// Read a stream (stdin) to its end, within the stream limits.
    pub fn from_stream(reader: impl Read, source: impl Into<String>) -> io::Result<CaptureFile> {
        Ok(Self::index(source.into(), read_stream(reader)?, 0))
    }

    /// A capture read from memory (the bundled demo).
    pub fn from_bytes(bytes: Vec<u8>, source: impl Into<String>) -> CaptureFile {
        Self::index(source.into(), bytes, 0)
    }

    /// Lines appended to a file after its first `lines_before` lines (for
    /// following a growing file): line numbers continue from there. With
    /// `lines_before` 0 the bytes are the start of the file.
    pub fn from_appended(bytes: Vec<u8>, source: impl Into<String>, lines_before: u32) -> Self {
        Self::index(source.into(), bytes, lines_before)
    }

    /// The regular file this was read from, as it was then; `None` for
    /// streams and captures built in memory.
    pub fn on_disk(&self) -> Option<OnDisk> {
        self.disk
    }

    /// The identity of the file this was read from, if any.
    pub fn identity(&self) -> Option<FileId> {
        self.identity
    }

    /// The number of the last line, blank or not.
    pub fn last_line_number(&self) -> u32 {
        self.last_line
    }

    fn index(source: String, bytes: Vec<u8>, lines_before: u32) -> CaptureFile {
        let data = bytes.as_slice();
        let mut lines = Vec::with_capacity(data.len() / 256 + 1);
        // A byte order mark is not part of the first line.
        let mut start = if lines_before == 0 && data.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
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
            disk: None,
            identity: None,
            recycle: None,
            offset: 0,
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
        self.bytes.len()
    }

    /// All the bytes read.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The spans of all lines, in file order.
    pub fn spans(&self) -> &[LineSpan] {
        &self.lines
    }

    /// The bytes of line `index` (0-based among non-blank lines).
    pub fn line(&self, index: usize) -> &[u8] {
        let span = self.lines[index];
        let start = span.start as usize;
        &self.bytes[start..start + span.len as usize]
    }

    /// Decode line `index` into an event and its body.
    pub fn decode(&self, index: usize) -> Result<(Event, Body), LineError> {
        decode_line(
            self.line(index),
            self.lines[index].number as usize,
            &self.source,
        )
    }

    /// [`CaptureFile::decode`] building only `members` of the body (see
    /// [`decode_line_members`]).
    pub fn decode_members(&self, index: usize, members: &Members) -> Result<Decoded, LineError> {
        decode_line_members(
            self.line(index),
            self.lines[index].number as usize,
            &self.source,
            members,
        )
    }

    /// The event of line `index` without its body, with what checking its
    /// body read (see [`read_head`]).
    pub fn read_head(&self, index: usize) -> Option<HeadRead<'_>> {
        read_head(self.line(index), &self.source)
    }

    /// The event of line `index` without its body (see [`decode_head`]).
    pub fn decode_head(&self, index: usize) -> Option<Event> {
        decode_head(
            self.line(index),
            self.lines[index].number as usize,
            &self.source,
        )
    }
}

/// Read `reader` to its end: at most [`STREAM_LIMIT`] bytes, no line longer
/// than [`LINE_LIMIT`] (a device such as `/dev/zero` never ends and has no
/// lines: it is refused quickly instead of filling the memory).
fn read_stream(mut reader: impl Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut line_start = 0usize;
    let mut line_no = 1usize;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let new = &chunk[..n];
        if let Some(last) = memchr::memrchr(b'\n', new) {
            line_no += memchr::memchr_iter(b'\n', new).count();
            line_start = bytes.len() + last + 1;
        }
        bytes.extend_from_slice(new);
        if bytes.len() - line_start > LINE_LIMIT {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line {line_no} is longer than {} MiB: this is not JSON Lines (a device such as /dev/zero?)",
                    LINE_LIMIT >> 20
                ),
            ));
        }
        if bytes.len() > STREAM_LIMIT {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "more than {} GiB from a stream: save it to a file and open that",
                    STREAM_LIMIT >> 30
                ),
            ));
        }
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

    #[test]
    fn skips_a_byte_order_mark() {
        let cap = CaptureFile::from_bytes(b"\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n".to_vec(), "t");
        assert_eq!(cap.line(0), b"{\"a\":1}");
        // Only at the start of the file: a follow's later bytes keep theirs.
        let later = CaptureFile::from_appended(b"\xEF\xBB\xBFx\n".to_vec(), "t", 2);
        assert_eq!(later.line(0), b"\xEF\xBB\xBFx");
    }

    #[test]
    fn a_stream_without_newlines_is_refused() {
        let endless = std::io::repeat(0).take((LINE_LIMIT + (1 << 17)) as u64);
        let err = CaptureFile::from_stream(endless, "-").unwrap_err();
        assert!(
            err.to_string().contains("line 1 is longer than 64 MiB"),
            "{err}"
        );
        let lines = std::io::repeat(b'\n').take(1 << 20);
        assert_eq!(CaptureFile::from_stream(lines, "-").unwrap().len(), 0);
    }
}
