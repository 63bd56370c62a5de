//! A regular file read as a run of captures of whole lines, a few MiB at a
//! time, so a scan never holds the whole file: its memory stays a few
//! chunks whatever the file's size, and it touches far less fresh memory
//! (which the kernel must zero first; on the VMs this was measured on, that
//! cost more than the read itself).
//!
//! Line numbers run on from chunk to chunk, so every line reads exactly as
//! it would from [`CaptureFile::open`].

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use super::disk::{Change, OnDisk};
use super::file::CaptureFile;

/// How many bytes a chunk reads at once (a line longer than this makes its
/// chunk longer).
pub const CHUNK: usize = 4 << 20;

/// A regular file opened once, read at explicit offsets (by chunks, or
/// whole) up to the length it had when it was opened. What is read is the
/// file that was opened, also when a rename puts another at its path.
#[derive(Debug)]
pub struct OpenFile {
    handle: Mutex<File>,
    disk: OnDisk,
}

/// Why a read of an [`OpenFile`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The read itself failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The file is shorter than when it was opened.
    #[error("{0}")]
    Changed(Change),
}

impl OpenFile {
    /// A regular file, `handle`, as `disk` describes it.
    pub fn new(handle: File, disk: OnDisk) -> OpenFile {
        OpenFile {
            handle: Mutex::new(handle),
            disk,
        }
    }

    /// Its identity and its length when it was opened.
    pub fn disk(&self) -> OnDisk {
        self.disk
    }

    /// Append the `len` bytes at `offset` to `bytes`.
    fn read_into(&self, offset: u64, len: u64, bytes: &mut Vec<u8>) -> Result<(), ReadError> {
        // A poisoned lock only means another reader panicked mid-read; the
        // handle itself is fine, and every read seeks first.
        let mut handle = self
            .handle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        handle.seek(SeekFrom::Start(offset))?;
        let read = (&mut *handle).take(len).read_to_end(bytes)? as u64;
        if read < len {
            let now = handle.metadata()?.len();
            return Err(ReadError::Changed(Change::Shrank {
                from: self.disk.len,
                to: now,
            }));
        }
        Ok(())
    }

    /// The whole file as it was opened, as one capture named `source`.
    pub fn read_whole(&self, source: impl Into<String>) -> Result<CaptureFile, ReadError> {
        let mut bytes = Vec::with_capacity(usize::try_from(self.disk.len).unwrap_or(0));
        self.read_into(0, self.disk.len, &mut bytes)?;
        Ok(CaptureFile::from_disk(bytes, source.into(), self.disk))
    }
}

/// Buffers of chunks already read and dropped, for the next chunks: memory
/// already touched costs less than fresh memory (see the module's doc).
#[derive(Debug, Default)]
pub(super) struct Recycle(Mutex<Vec<Vec<u8>>>);

impl Recycle {
    /// How many idle buffers are kept (more than a scan has in flight).
    const KEEP: usize = 8;
    /// The largest buffer kept: one grown for a very long line is freed.
    const LARGEST: usize = 4 * CHUNK;

    fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().ok()?.pop()
    }

    /// Keep `bytes` for a next chunk, when there is room.
    pub(super) fn give(&self, mut bytes: Vec<u8>) {
        if bytes.capacity() > Self::LARGEST {
            return;
        }
        if let Ok(mut idle) = self.0.lock()
            && idle.len() < Self::KEEP
        {
            bytes.clear();
            idle.push(bytes);
        }
    }
}

/// The captures of consecutive chunks of an [`OpenFile`], from its start.
#[derive(Debug)]
pub struct Chunks {
    file: Arc<OpenFile>,
    source: String,
    recycle: Arc<Recycle>,
    /// The file offset of the first byte not read yet.
    read_to: u64,
    /// Bytes read after the last newline of the previous chunk.
    carry: Vec<u8>,
    /// The number of the last line of the chunks handed out.
    lines_before: u32,
    /// How many bytes a chunk reads.
    chunk: usize,
}

impl Chunks {
    /// The chunks of `file`, each a capture named `source`.
    pub fn new(file: Arc<OpenFile>, source: impl Into<String>) -> Chunks {
        Chunks::sized(file, source, CHUNK)
    }

    fn sized(file: Arc<OpenFile>, source: impl Into<String>, chunk: usize) -> Chunks {
        Chunks {
            file,
            source: source.into(),
            recycle: Arc::default(),
            read_to: 0,
            carry: Vec::new(),
            lines_before: 0,
            chunk,
        }
    }

    /// The number of the last line (blank or not) of the chunks handed out:
    /// once [`Chunks::next_chunk`] gave `None`, that of the whole file.
    pub fn last_line_number(&self) -> u32 {
        self.lines_before
    }

    /// The next chunk's lines; `None` at the end of the file as it was
    /// opened. A chunk holds whole lines only, except the file's last line
    /// when it has no newline.
    pub fn next_chunk(&mut self) -> Result<Option<CaptureFile>, ReadError> {
        let end = self.file.disk.len;
        // A carry is only ever left before the end: the last chunk takes
        // everything up to it.
        if self.read_to >= end {
            return Ok(None);
        }
        let offset = self.read_to - self.carry.len() as u64;
        let mut bytes = self
            .recycle
            .take()
            .unwrap_or_else(|| Vec::with_capacity(self.chunk + self.carry.len()));
        bytes.append(&mut self.carry);
        let mut searched = bytes.len();
        while self.read_to < end {
            let len = (self.chunk as u64).min(end - self.read_to);
            self.file.read_into(self.read_to, len, &mut bytes)?;
            self.read_to += len;
            if self.read_to == end {
                break;
            }
            // Whole lines only: what follows the last newline starts the
            // next chunk. No newline yet: the line goes on, read more.
            if let Some(last) = memchr::memrchr(b'\n', &bytes[searched..]) {
                self.carry = bytes[searched + last + 1..].to_vec();
                bytes.truncate(searched + last + 1);
                break;
            }
            searched = bytes.len();
        }
        let capture = CaptureFile::chunk(
            bytes,
            self.source.clone(),
            (self.lines_before, offset),
            self.file.disk.id,
            self.recycle.clone(),
        );
        self.lines_before = capture.last_line_number();
        Ok(Some(capture))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &std::path::Path) -> Arc<OpenFile> {
        let handle = File::open(path).unwrap();
        let meta = handle.metadata().unwrap();
        Arc::new(OpenFile::new(handle, OnDisk::of_meta(&meta)))
    }

    /// Every line of every chunk, with its number, as one list.
    fn lines_by_chunks(
        path: &std::path::Path,
        file: &Arc<OpenFile>,
        chunk: usize,
    ) -> (Vec<(u32, Vec<u8>)>, u32) {
        let mut chunks = Chunks::sized(file.clone(), "t", chunk);
        let mut lines = Vec::new();
        let whole = std::fs::read(path).unwrap();
        while let Some(capture) = chunks.next_chunk().unwrap() {
            assert_eq!(capture.identity(), Some(file.disk().id));
            for (i, span) in capture.spans().iter().enumerate() {
                lines.push((span.number, capture.line(i).to_vec()));
                // Where the chunk says the line is, the file holds it.
                let at = capture.line_at(i).unwrap();
                let start = at.offset as usize;
                assert_eq!(&whole[start..start + at.len as usize], capture.line(i));
                assert_eq!((at.number, at.file), (span.number, file.disk().id));
            }
        }
        (lines, chunks.last_line_number())
    }

    #[test]
    fn chunks_of_any_size_read_the_lines_a_whole_read_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let mut text = b"\xEF\xBB\xBF{\"a\":1}\r\n\n  \n".to_vec();
        for i in 0..50 {
            text.extend(format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i * 7)).bytes());
        }
        text.extend(b"\n\nlast without newline");
        std::fs::write(&path, &text).unwrap();
        let file = open(&path);
        let whole = file.read_whole("t").unwrap();
        let expected: Vec<(u32, Vec<u8>)> = (0..whole.len())
            .map(|i| (whole.spans()[i].number, whole.line(i).to_vec()))
            .collect();
        for chunk in [1, 2, 3, 7, 64, 333, 1 << 20] {
            let (lines, last) = lines_by_chunks(&path, &file, chunk);
            assert_eq!(lines, expected, "chunk of {chunk} bytes");
            assert_eq!(last, whole.last_line_number(), "chunk of {chunk} bytes");
        }
    }

    #[test]
    fn a_dropped_chunk_lends_its_buffer_to_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        std::fs::write(&path, "a\nb\nc\n").unwrap();
        let mut chunks = Chunks::sized(open(&path), "t", 2);
        let first = chunks.next_chunk().unwrap().unwrap();
        let buffer = first.bytes().as_ptr();
        let kept = chunks.next_chunk().unwrap().unwrap();
        assert_ne!(
            kept.bytes().as_ptr(),
            buffer,
            "a chunk still held keeps its buffer"
        );
        drop(first);
        let third = chunks.next_chunk().unwrap().unwrap();
        assert_eq!(third.bytes().as_ptr(), buffer);
        assert_eq!((kept.line(0), third.line(0)), (&b"b"[..], &b"c"[..]));
        assert_eq!(third.spans()[0].number, 3);
    }

    #[test]
    fn a_buffer_grown_for_a_very_long_line_is_not_kept() {
        let recycle = Recycle::default();
        recycle.give(Vec::with_capacity(Recycle::LARGEST + 1));
        assert!(recycle.take().is_none());
        recycle.give(Vec::with_capacity(16));
        assert!(recycle.take().is_some());
    }

    #[test]
    fn reads_stop_at_the_length_when_opened_and_a_shrink_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        std::fs::write(&path, "a\nb\n").unwrap();
        let file = open(&path);
        let mut appended = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut appended, b"c\n").unwrap();
        let (lines, last) = lines_by_chunks(&path, &file, 1);
        assert_eq!(
            lines.len(),
            2,
            "a line appended after opening is a follow's"
        );
        assert_eq!(last, 2);
        appended.set_len(1).unwrap();
        let mut chunks = Chunks::sized(file.clone(), "t", 1);
        let err = loop {
            match chunks.next_chunk() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("a shrunk file read to its end"),
                Err(e) => break e,
            }
        };
        assert!(
            matches!(err, ReadError::Changed(Change::Shrank { from: 4, to: 1 })),
            "{err}"
        );
    }
}
