//! The file backend: capture files and plain JSON-lines files, stdin, and
//! the bundled demo. `NAME.jsonl` and `NAME.dlq.jsonl` are a queue and its
//! dead-letter queue.
//!
//! Sending appends capture lines and syncs them to disk before reporting
//! success. Removing (the source side of a redrive) rewrites the file into a
//! temporary sibling and renames it over the original, so an interruption
//! at any point leaves either the old file or the new one, never half of it
//! (see [`replace`]). A FIFO or a device is a stream: read to its end (a
//! source) or written to (a target), never read first, never replaced.

mod drain;
pub mod export;
pub mod parquet;
pub mod replace;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{
    Backend, BackendError, Capabilities, Drain, OpenOptions, Operation, Record, Sent, SourceInfo,
    SourceKind, demo,
};
use crate::capture::{
    CaptureFile, Chunks, Document, DocumentOptions, FileId, OnDisk, OpenFile, ReadError,
};
use crate::inspect::Inspector;
use crate::model::Event;

/// How many records a browse hands over at a time.
const BATCH: usize = 1024;
/// How often a followed file is checked for new lines.
const TAIL_POLL: Duration = Duration::from_millis(250);

/// A capture file, stdin or the demo.
pub struct FileBackend {
    uri: String,
    /// The file on disk; `None` for stdin and the demo, which cannot change.
    path: Option<PathBuf>,
    kind: SourceKind,
    content: Content,
    inspector: Inspector,
    /// Whether the path is a regular file (not a FIFO or a device), or
    /// will be one (a target created on its first send).
    regular: bool,
    /// What opening it did that the user should hear of.
    notices: Vec<String>,
}

/// What a file backend reads.
enum Content {
    /// Captures held in memory: stdin, the demo (each part its own
    /// capture), a stream, a target that does not exist yet.
    Held(Vec<Arc<CaptureFile>>),
    /// A regular file, read where it is needed: in chunks by each browse (a
    /// scan holds a few MiB of it, not the file), whole by a drain.
    Disk(Arc<DiskFile>),
}

impl Content {
    /// One capture held in memory.
    fn held(capture: CaptureFile) -> Content {
        Content::Held(vec![Arc::new(capture)])
    }
}

/// A regular file as a [`FileBackend`] reads it.
struct DiskFile {
    file: Arc<OpenFile>,
    /// The backend's URI: the source its captures name.
    uri: String,
    /// The whole file, once an operation needed it.
    whole: OnceLock<Arc<CaptureFile>>,
    /// Its count, once a read saw every line.
    counted: OnceLock<Counted>,
}

/// What a read of a whole file counted.
#[derive(Debug, Clone, Copy)]
struct Counted {
    /// Events (non-blank lines).
    events: u64,
    /// The number of the last line, blank or not.
    last_line: u32,
}

impl DiskFile {
    fn disk(&self) -> OnDisk {
        self.file.disk()
    }

    /// The whole file as it was opened, read once.
    fn whole(&self) -> Result<Arc<CaptureFile>, ReadError> {
        if let Some(whole) = self.whole.get() {
            return Ok(whole.clone());
        }
        let whole = Arc::new(self.file.read_whole(self.uri.as_str())?);
        let _ = self.counted.set(Counted {
            events: whole.len() as u64,
            last_line: whole.last_line_number(),
        });
        Ok(self.whole.get_or_init(|| whole).clone())
    }

    /// What the file holds, counted by a read of it in chunks the first time.
    fn count(&self) -> Result<Counted, ReadError> {
        if let Some(counted) = self.counted.get() {
            return Ok(*counted);
        }
        let mut chunks = Chunks::new(self.file.clone(), self.uri.as_str());
        let mut events = 0;
        while let Some(chunk) = chunks.next_chunk()? {
            events += chunk.len() as u64;
        }
        Ok(*self.counted.get_or_init(|| Counted {
            events,
            last_line: chunks.last_line_number(),
        }))
    }
}

/// A failed read of the file `uri` as a backend error.
fn read_error(uri: &str, error: ReadError) -> BackendError {
    match error {
        ReadError::Io(source) => BackendError::Io {
            uri: uri.to_string(),
            action: "reading the file",
            source,
        },
        ReadError::Changed(change) => BackendError::Changed {
            uri: uri.to_string(),
            change,
        },
    }
}

impl FileBackend {
    /// Open the capture file at `path`, which must exist. A regular file is
    /// read when it is browsed, up to the length it has now (lines appended
    /// later are left for a follow); anything else is read to its end now,
    /// as a stream.
    /// Stale temporary files of an interrupted rewrite of it are removed
    /// (not with `--read-only`), and [`Backend::notices`] says so.
    pub fn open_path(path: &Path, options: &OpenOptions) -> Result<Self, BackendError> {
        let uri = format!("file:{}", path.display());
        let opening = |source| BackendError::Io {
            uri: uri.clone(),
            action: "opening the file",
            source,
        };
        let handle = std::fs::File::open(path).map_err(opening)?;
        let meta = handle.metadata().map_err(opening)?;
        if !meta.is_file() {
            let capture = CaptureFile::from_stream(handle, uri.clone()).map_err(opening)?;
            let content = Content::held(capture);
            return Ok(Self::new(
                uri,
                Some(path.into()),
                SourceKind::File,
                content,
                options,
            ));
        }
        let file = DiskFile {
            file: Arc::new(OpenFile::new(handle, OnDisk::of_meta(&meta))),
            uri: uri.clone(),
            whole: OnceLock::new(),
            counted: OnceLock::new(),
        };
        let content = Content::Disk(Arc::new(file));
        let mut backend = Self::new(uri, Some(path.into()), SourceKind::File, content, options);
        backend.regular = true;
        backend
            .notices
            .extend(replace::clean_stale_temps(path, options.read_only));
        Ok(backend)
    }

    /// A file that is a send target: it may not exist yet and is created on
    /// the first send. A FIFO or a device is not read at all (a device such
    /// as `/dev/zero` never ends): it is only written to.
    pub fn open_target(path: &Path, options: &OpenOptions) -> Result<Self, BackendError> {
        let stream = match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => return Self::open_path(path, options),
            Ok(_) => true,
            Err(_) => false,
        };
        let uri = format!("file:{}", path.display());
        let capture = CaptureFile::from_bytes(Vec::new(), uri.clone());
        let content = Content::held(capture);
        let mut backend = Self::new(uri, Some(path.into()), SourceKind::File, content, options);
        backend.regular = !stream;
        Ok(backend)
    }

    /// Read all of standard input (a stream: see [`CaptureFile::from_stream`]).
    pub async fn open_stdin(options: &OpenOptions) -> Result<Self, BackendError> {
        let read = || CaptureFile::from_stream(std::io::stdin().lock(), "-");
        let capture = off_thread(read).await.map_err(|source| BackendError::Io {
            uri: "-".into(),
            action: "reading standard input",
            source,
        })?;
        let content = Content::held(capture);
        Ok(Self::new(
            "-".into(),
            None,
            SourceKind::File,
            content,
            options,
        ))
    }

    /// The bundled demo, whole or one part of it. Each part keeps its own
    /// source name (`demo:payments`), also when the whole demo is opened.
    pub fn open_demo(part: Option<&str>, options: &OpenOptions) -> Result<Self, BackendError> {
        let uri = part.map_or_else(|| "demo".to_string(), |p| format!("demo:{p}"));
        let parts: Vec<&str> = match part {
            None => demo::DEMO_PARTS.to_vec(),
            Some(p) => vec![p],
        };
        let mut captures = Vec::new();
        for name in parts {
            let bytes = demo::demo_capture(name).ok_or_else(|| BackendError::NotFound {
                uri: uri.clone(),
                detail: format!("the demo has parts {}", demo::DEMO_PARTS.join(", ")),
            })?;
            captures.push(CaptureFile::from_bytes(bytes, format!("demo:{name}")));
        }
        let content = Content::Held(captures.into_iter().map(Arc::new).collect());
        Ok(Self::new(uri, None, SourceKind::Demo, content, options))
    }

    fn new(
        uri: String,
        path: Option<PathBuf>,
        kind: SourceKind,
        content: Content,
        options: &OpenOptions,
    ) -> Self {
        FileBackend {
            uri,
            path,
            kind,
            content,
            inspector: options.inspector.clone(),
            regular: false,
            notices: Vec::new(),
        }
    }

    /// The whole capture (the first part, for the whole demo), read now
    /// if it is a file not read whole yet.
    pub fn capture(&self) -> Result<Arc<CaptureFile>, BackendError> {
        match &self.content {
            Content::Held(captures) => Ok(captures[0].clone()),
            Content::Disk(file) => file.whole().map_err(|e| read_error(&self.uri, e)),
        }
    }

    /// What [`Backend::describe`] says, with `count`.
    fn info(&self, count: Option<u64>) -> SourceInfo {
        let name = match &self.path {
            Some(p) => p
                .file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into()),
            None => self.uri.clone(),
        };
        let (dlq_of, dlq) = match &self.path {
            Some(p) => (
                dlq_source_path(p).map(|s| format!("file:{}", s.display())),
                dlq_path(p)
                    .filter(|d| d.exists())
                    .map(|d| format!("file:{}", d.display())),
            ),
            None => demo::links(&self.uri),
        };
        SourceInfo {
            uri: self.uri.clone(),
            name,
            kind: self.kind,
            count,
            dlq_of,
            dlq,
        }
    }

    /// The events of held captures; `None` for a file not counted yet.
    fn known_count(&self) -> Option<u64> {
        match &self.content {
            Content::Held(captures) => Some(captures.iter().map(|c| c.len() as u64).sum()),
            Content::Disk(file) => file.counted.get().map(|c| c.events),
        }
    }

    fn writable_path(&self, what: &'static str) -> Result<&Path, BackendError> {
        self.path
            .as_deref()
            .ok_or_else(|| BackendError::Unsupported {
                uri: self.uri.clone(),
                what,
            })
    }

    /// `read` of the file on disk, off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        file: &Arc<DiskFile>,
        read: fn(&DiskFile) -> Result<T, ReadError>,
    ) -> Result<T, BackendError> {
        let file = file.clone();
        off_thread(move || read(&file))
            .await
            .map_err(|e| read_error(&self.uri, e))
    }

    fn io_error(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> BackendError {
        let uri = self.uri.clone();
        move |source| BackendError::Io {
            uri,
            action,
            source,
        }
    }
}

/// `orders.dlq.jsonl` → `orders.jsonl`.
fn dlq_source_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".dlq.jsonl")?;
    Some(path.with_file_name(format!("{stem}.jsonl")))
}

/// `orders.jsonl` → `orders.dlq.jsonl`.
fn dlq_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    if name.ends_with(".dlq.jsonl") {
        return None;
    }
    let stem = name.strip_suffix(".jsonl")?;
    Some(path.with_file_name(format!("{stem}.dlq.jsonl")))
}

#[async_trait]
impl Backend for FileBackend {
    fn uri(&self) -> &str {
        &self.uri
    }

    fn cannot(&self, operation: Operation) -> Option<String> {
        match operation {
            Operation::Send => None,
            _ if self.path.is_some() && !self.regular => {
                Some("removing events from a stream (a FIFO or a device) is not possible: it cannot be rewritten".into())
            }
            _ => None,
        }
    }

    fn capabilities(&self) -> Capabilities {
        let writable = self.path.is_some();
        Capabilities {
            send: writable,
            remove: writable && self.regular,
            delete: writable && self.regular,
            purge: writable && self.regular,
            tail: self.path.is_some() && self.regular,
            read_only: false,
        }
    }

    fn file_identity(&self) -> Option<FileId> {
        match &self.content {
            Content::Held(_) => None,
            Content::Disk(file) => Some(file.disk().id),
        }
    }

    fn notices(&self) -> Vec<String> {
        self.notices.clone()
    }

    async fn describe(&self) -> Result<SourceInfo, BackendError> {
        let count = match &self.content {
            Content::Held(captures) => captures.iter().map(|c| c.len() as u64).sum(),
            Content::Disk(file) => self.read(file, DiskFile::count).await?.events,
        };
        Ok(self.info(Some(count)))
    }

    async fn identify(&self) -> Result<SourceInfo, BackendError> {
        Ok(self.info(self.known_count()))
    }

    async fn browse(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<usize, BackendError> {
        let mut batches = Batches {
            left: limit.unwrap_or(usize::MAX),
            pending: Vec::with_capacity(BATCH),
            sent: 0,
            sink,
        };
        match &self.content {
            Content::Held(captures) => {
                for capture in captures {
                    if !batches.add(capture).await {
                        break;
                    }
                }
            }
            Content::Disk(file) => {
                let mut chunks = Chunks::new(file.file.clone(), self.uri.clone());
                loop {
                    let (back, chunk) = off_thread(move || {
                        let chunk = chunks.next_chunk()?;
                        Ok((chunks, chunk))
                    })
                    .await
                    .map_err(|e| read_error(&self.uri, e))?;
                    chunks = back;
                    let Some(chunk) = chunk else {
                        // Every line was seen: the count is known.
                        let _ = file.counted.set(Counted {
                            events: batches.sent as u64 + batches.pending.len() as u64,
                            last_line: chunks.last_line_number(),
                        });
                        break;
                    };
                    if !batches.add(&Arc::new(chunk)).await {
                        break;
                    }
                }
            }
        }
        Ok(batches.finish().await)
    }

    async fn tail(&self, sink: mpsc::Sender<Vec<Record>>) -> Result<(), BackendError> {
        let Some(path) = self.path.as_ref().filter(|_| self.regular) else {
            return Err(BackendError::Unsupported {
                uri: self.uri.clone(),
                what: "following new events",
            });
        };
        let (mut offset, mut lines_before, mut identity) = match &self.content {
            Content::Disk(file) => {
                let last_line = self.read(file, DiskFile::count).await?.last_line;
                (file.disk().len, last_line, Some(file.disk().id))
            }
            // A target not created yet: followed from its start.
            Content::Held(_) => (0, 0, None),
        };
        loop {
            tokio::select! {
                _ = sink.closed() => return Ok(()),
                _ = tokio::time::sleep(TAIL_POLL) => {}
            }
            let (bytes, consumed) = match read_appended(path, offset, identity)
                .await
                .map_err(self.io_error("following the file"))?
            {
                Appended::Nothing => continue,
                Appended::Lines(bytes, consumed) => (bytes, consumed),
                // Truncated or replaced: what was shown is gone; say so
                // with an empty batch and go on from the new start.
                Appended::StartedOver(id) => {
                    (offset, lines_before, identity) = (0, 0, Some(id));
                    if sink.send(Vec::new()).await.is_err() {
                        return Ok(());
                    }
                    continue;
                }
            };
            offset += consumed;
            let capture = Arc::new(CaptureFile::from_appended(
                bytes,
                self.uri.clone(),
                lines_before,
            ));
            lines_before = capture.last_line_number();
            let batch: Vec<Record> = (0..capture.len())
                .map(|index| Record::Line {
                    file: capture.clone(),
                    index,
                })
                .collect();
            if !batch.is_empty() && sink.send(batch).await.is_err() {
                return Ok(());
            }
        }
    }

    async fn send(&self, events: &[Event]) -> Result<Vec<Sent>, BackendError> {
        let path = self.writable_path("appending events")?.to_path_buf();
        let now = chrono::Utc::now();
        let mut text = String::new();
        for event in events {
            let body = event.body();
            let inspection = self.inspector.inspect(event, &body, now, false);
            let line = Document::new(event.clone(), body, inspection)
                .to_line(DocumentOptions { reveal: true });
            text.push_str(&line);
            text.push('\n');
        }
        let write = move || -> std::io::Result<()> {
            // A FIFO or a device is written to as it is: opened for
            // writing only (a FIFO waits for its reader), never synced.
            let regular = std::fs::metadata(&path).map_or(true, |m| m.is_file());
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .read(regular)
                .append(true)
                .open(&path)?;
            // A writer killed mid-line leaves a partial last line: start on
            // a new line, so the partial one stays alone (shown as
            // malformed) instead of swallowing the first event sent now.
            if regular && ends_mid_line(&mut file)? {
                text.insert(0, '\n');
            }
            file.write_all(text.as_bytes())?;
            if regular { file.sync_data() } else { Ok(()) }
        };
        off_thread(write)
            .await
            .map_err(self.io_error("appending events"))?;
        Ok(events
            .iter()
            .map(|e| (e.id.clone(), Ok(e.id.clone())))
            .collect())
    }

    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError> {
        let path = self.writable_path("removing events")?;
        // A FIFO or a device cannot be rewritten: refuse before anything
        // is sent, not after.
        if !self.regular {
            return Err(BackendError::Unsupported {
                uri: self.uri.clone(),
                what: "removing events from a stream (a FIFO or a device)",
            });
        }
        let capture = match &self.content {
            Content::Held(captures) => captures[0].clone(),
            Content::Disk(file) => self.read(file, DiskFile::whole).await?,
        };
        Ok(Box::new(drain::FileDrain::new(
            self.uri.clone(),
            path.to_path_buf(),
            capture,
        )))
    }

    /// Purging a file rewrites it without its events, atomically, through
    /// its drain (the same path a redrive takes). Unreadable lines are not
    /// events: they stay, and the purge fails naming them.
    async fn purge(&self) -> Result<(), BackendError> {
        let mut drain = self.drain().await?;
        let mut unreadable = Vec::new();
        let result = async {
            loop {
                let batch = drain.next_batch().await?;
                unreadable.extend(drain.take_unreadable());
                if batch.is_empty() {
                    return Ok(());
                }
                let leases: Vec<_> = batch.iter().map(|l| l.lease).collect();
                drain.remove(&leases).await?;
            }
        }
        .await;
        let finished = drain.finish().await;
        result.and(finished)?;
        match unreadable.first() {
            None => Ok(()),
            Some(first) => Err(BackendError::Remote {
                uri: self.uri.clone(),
                message: format!(
                    "its events were purged, but {} unreadable lines are left in the file ({first}{})",
                    unreadable.len(),
                    if unreadable.len() > 1 { ", …" } else { "" }
                ),
            }),
        }
    }

    async fn redrive_target(&self) -> Result<Option<String>, BackendError> {
        Ok(match &self.path {
            Some(p) => dlq_source_path(p).map(|s| format!("file:{}", s.display())),
            None => demo::links(&self.uri).0,
        })
    }
}

/// The records of a browse, sent in batches of [`BATCH`] (across the
/// captures they come from) until `left` is used up or the sink closes.
struct Batches {
    left: usize,
    pending: Vec<Record>,
    sent: usize,
    sink: mpsc::Sender<Vec<Record>>,
}

impl Batches {
    /// Add the records of `capture`; `false` when nothing more is wanted.
    async fn add(&mut self, capture: &Arc<CaptureFile>) -> bool {
        let take = capture.len().min(self.left);
        self.left -= take;
        for index in 0..take {
            self.pending.push(Record::Line {
                file: capture.clone(),
                index,
            });
            if self.pending.len() == BATCH && !self.send().await {
                return false;
            }
        }
        self.left > 0
    }

    /// Send what is pending; `false` when the sink closed.
    async fn send(&mut self) -> bool {
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        let len = batch.len();
        if self.sink.send(batch).await.is_err() {
            self.left = 0;
            return false;
        }
        self.sent += len;
        true
    }

    /// Send the last records; how many were sent in all.
    async fn finish(mut self) -> usize {
        if !self.pending.is_empty() {
            self.send().await;
        }
        self.sent
    }
}

/// Run `work` (blocking file I/O) off the async threads; a task that
/// could not finish (it panicked) is an I/O error, not a crash.
async fn off_thread<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<std::io::Error> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string()).into()))
}

/// What a look at a followed file found.
#[derive(Debug, PartialEq, Eq)]
enum Appended {
    /// No complete line was added.
    Nothing,
    /// Complete lines were added: their bytes, and how many there are.
    Lines(Vec<u8>, u64),
    /// The file is shorter than what was read, or another file: read it
    /// again from its start (this is its identity).
    StartedOver(FileId),
}

/// The complete lines appended to `path` after byte `offset`, when it is
/// still the file `identity` (when known).
async fn read_appended(
    path: &Path,
    offset: u64,
    identity: Option<FileId>,
) -> std::io::Result<Appended> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        // Rotated away, and the new file is not there yet.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Appended::Nothing),
        Err(e) => return Err(e),
    };
    let meta = file.metadata().await?;
    let id = FileId::of_meta(&meta);
    let len = meta.len();
    if identity.is_some_and(|known| known != id) || len < offset {
        return Ok(Appended::StartedOver(id));
    }
    if len == offset {
        return Ok(Appended::Nothing);
    }
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut bytes = Vec::with_capacity((len - offset) as usize);
    file.take(len - offset).read_to_end(&mut bytes).await?;
    let Some(last_newline) = memchr::memrchr(b'\n', &bytes) else {
        return Ok(Appended::Nothing);
    };
    bytes.truncate(last_newline + 1);
    let consumed = bytes.len() as u64;
    Ok(Appended::Lines(bytes, consumed))
}

/// Whether `file` is non-empty and does not end with a newline.
fn ends_mid_line(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}
