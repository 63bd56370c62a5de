//! Writing a capture file: `evscope export` and the TUI's `:export` share
//! this. What the output path is decides how it is written:
//!
//! - `-`: standard output;
//! - a FIFO or a character device: written through, as it is;
//! - a regular file (also through a symlink): replaced atomically
//!   ([`Replacement`]: mode and owner kept, the link kept), only when the
//!   caller allows it (`--force`, a confirmation), never when it is one of
//!   the files being exported (device and inode compared), never in
//!   read-only mode;
//! - nothing yet: a new file, created atomically.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::parquet::ParquetSink;
use super::replace::{Replacement, clean_stale_temps};
use crate::capture::{Document, DocumentOptions, FileId};

/// Why an export cannot be written where it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The output is one of the files being exported.
    #[error(
        "{0}: this is the file being exported (the same file under another name or link); write to another file"
    )]
    SameAsSource(String),
    /// The output exists and replacing it was not allowed.
    #[error("{0} exists; add --force to replace it")]
    Exists(String),
    /// The output exists and evscope runs read-only.
    #[error("{0} exists and --read-only forbids replacing files; write to a new file")]
    ReadOnly(String),
    /// The output is something a capture cannot be written to.
    #[error("{0} is a {1}: write the capture to a file, a FIFO or `-`")]
    NotWritable(String, &'static str),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The output path.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// Where an export goes, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (`-`).
    Stdout,
    /// A FIFO or a character device, written through.
    Stream(PathBuf),
    /// No file yet.
    NewFile(PathBuf),
    /// An existing regular file (maybe behind a symlink), to replace.
    Existing(PathBuf),
}

impl Destination {
    /// Look at `path`: what it is, and whether it is one of `sources`.
    pub fn find(path: &Path, sources: &[FileId]) -> Result<Destination, ExportError> {
        if path.as_os_str() == "-" {
            return Ok(Destination::Stdout);
        }
        let shown = || path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Destination::NewFile(path.to_path_buf()));
            }
            Err(source) => {
                return Err(ExportError::Io {
                    path: shown(),
                    source,
                });
            }
        };
        if sources.contains(&FileId::of_meta(&meta)) {
            return Err(ExportError::SameAsSource(shown()));
        }
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_file() {
            Ok(Destination::Existing(path.to_path_buf()))
        } else if kind.is_fifo() || kind.is_char_device() {
            Ok(Destination::Stream(path.to_path_buf()))
        } else {
            let what = if kind.is_dir() {
                "directory"
            } else if kind.is_block_device() {
                "block device"
            } else {
                "socket"
            };
            Err(ExportError::NotWritable(shown(), what))
        }
    }

    /// The path as given (`-` for stdout).
    pub fn name(&self) -> String {
        match self {
            Destination::Stdout => "-".to_string(),
            Destination::Stream(p) | Destination::NewFile(p) | Destination::Existing(p) => {
                p.display().to_string()
            }
        }
    }

    /// Whether writing here replaces an existing file.
    pub fn replaces_a_file(&self) -> bool {
        matches!(self, Destination::Existing(_))
    }

    /// Refuse to replace an existing file unless `force`, and always in
    /// read-only mode.
    pub fn check_overwrite(&self, force: bool, read_only: bool) -> Result<(), ExportError> {
        match self {
            Destination::Existing(path) if read_only => {
                Err(ExportError::ReadOnly(path.display().to_string()))
            }
            Destination::Existing(path) if !force => {
                Err(ExportError::Exists(path.display().to_string()))
            }
            _ => Ok(()),
        }
    }
}

/// How many events an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    /// Capture lines written.
    pub written: usize,
    /// Of them, events that carry tokens or secrets (written as they are).
    pub with_secrets: usize,
}

enum Output {
    Stdout(io::Stdout),
    Stream(File),
    File(Box<Replacement>),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::Stream(file) => file.write(buf),
            Output::File(replacement) => replacement.file().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::Stream(file) => file.flush(),
            Output::File(replacement) => replacement.file().flush(),
        }
    }
}

/// What an export writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExportFormat {
    /// Capture lines (JSON Lines).
    #[default]
    Lines,
    /// One Parquet file (see [`super::parquet`]).
    Parquet,
}

/// Where the written events go: lines, or the Parquet writer.
enum Sink {
    Lines(BufWriter<Output>),
    Parquet(Box<ParquetSink<BufWriter<Output>>>),
}

/// Capture lines being written to a [`Destination`], exact bodies (for
/// replay): nothing reaches a file's path before [`Exporter::finish`].
pub struct Exporter {
    path: String,
    out: Sink,
    exported: Exported,
    notice: Option<String>,
}

impl Exporter {
    /// Start writing to `destination` (checked with [`Destination::find`]
    /// and [`Destination::check_overwrite`]). Stale temporary files of an
    /// earlier interrupted export there are removed (not in read-only mode).
    pub fn create(destination: &Destination, read_only: bool) -> Result<Exporter, ExportError> {
        Exporter::create_as(destination, read_only, ExportFormat::Lines)
    }

    /// [`Exporter::create`] writing `format`.
    pub fn create_as(
        destination: &Destination,
        read_only: bool,
        format: ExportFormat,
    ) -> Result<Exporter, ExportError> {
        let path = destination.name();
        let (output, notice) = match destination {
            Destination::Stdout => (Ok(Output::Stdout(io::stdout())), None),
            Destination::Stream(path) => (
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map(Output::Stream),
                None,
            ),
            Destination::NewFile(path) | Destination::Existing(path) => (
                Replacement::begin(path).map(|r| Output::File(Box::new(r))),
                clean_stale_temps(path, read_only),
            ),
        };
        let output = output.map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        let out = BufWriter::with_capacity(1 << 16, output);
        let out = match format {
            ExportFormat::Lines => Sink::Lines(out),
            ExportFormat::Parquet => {
                Sink::Parquet(Box::new(ParquetSink::new(out).map_err(|e| {
                    ExportError::Io {
                        path: path.clone(),
                        source: io::Error::other(e),
                    }
                })?))
            }
        };
        Ok(Exporter {
            path,
            out,
            exported: Exported::default(),
            notice,
        })
    }

    /// What creating it did that the user should hear of.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Write one event as a capture line.
    pub fn write(&mut self, document: &Document) -> Result<(), ExportError> {
        let written = match &mut self.out {
            Sink::Lines(out) => {
                let line = document.to_line(DocumentOptions { reveal: true });
                out.write_all(line.as_bytes())
                    .and_then(|()| out.write_all(b"\n"))
            }
            Sink::Parquet(sink) => sink.write(document).map_err(io::Error::other),
        };
        written.map_err(|source| self.io_error(source))?;
        self.exported.written += 1;
        if document.has_secrets() {
            self.exported.with_secrets += 1;
        }
        Ok(())
    }

    /// What was written so far.
    pub fn exported(&self) -> Exported {
        self.exported
    }

    /// Finish: flush, and for a file, put it in place.
    pub fn finish(self) -> Result<Exported, ExportError> {
        let path = self.path;
        let io_error = |source| ExportError::Io {
            path: path.clone(),
            source,
        };
        let out = match self.out {
            Sink::Lines(out) => out,
            Sink::Parquet(sink) => sink.finish().map_err(|e| io_error(io::Error::other(e)))?,
        };
        let output = out.into_inner().map_err(|e| io_error(e.into_error()))?;
        match output {
            Output::Stdout(mut out) => out.flush().map_err(io_error)?,
            Output::Stream(_) => {}
            Output::File(replacement) => replacement.commit().map_err(io_error)?,
        }
        Ok(self.exported)
    }

    fn io_error(&self, source: io::Error) -> ExportError {
        ExportError::Io {
            path: self.path.clone(),
            source,
        }
    }
}
