//! The capture format: JSON Lines, one event per line, with the event's
//! fields, its body, its facets and its problems. It is what `peek` and
//! `export` print and what the file backend reads back.
//!
//! A line is a *capture line* when it is an object whose first key is
//! [`VERSION_KEY`]; any other line of a file is a *plain line*: the body of
//! one event (an application log, a jq output).

mod chunks;
mod disk;
mod document;
mod file;
mod head_json;
mod line;

pub use chunks::{CHUNK, Chunks, OpenFile, ReadError};
pub use disk::{Change, FileId, OnDisk, same_file};
pub use document::{Document, DocumentOptions, DocumentPaths, Fields};
pub use file::{CaptureFile, LINE_LIMIT, LineAt, LineSpan, STREAM_LIMIT};
pub use line::{
    BodyRead, HeadRead, LineError, LineView, decode_line, decode_read, is_capture_line,
    is_partial_line, records_invalid_json, view_line,
};

/// The key that marks a capture line, and the format version it holds.
pub const VERSION_KEY: &str = "evscope_capture";
/// The capture format version evscope writes.
pub const VERSION: u32 = 1;
