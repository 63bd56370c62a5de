//! What a diff keeps of each event of A until B is read, laid out small: a
//! million events of A are most of a diff's memory, and on a small VM fresh
//! memory costs as much to touch as the reading that fills it (the kernel
//! zeroes every page).

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use serde_json::Value;

use crate::analyze::blocks::Blocks;
use crate::capture::{FileId, LineAt};

/// What is kept of an event of A: its key, its body's hash, its time and
/// its body (to name the differing paths when B's hash differs). 64 bytes
/// (a test holds it there): its masked body, which few events have, is
/// kept beside it.
#[derive(Debug)]
pub(super) struct Kept {
    hash: u64,
    /// Its publish time (ms since the epoch), [`NO_TIME`] when it has none.
    published_ms: i64,
    body: KeptBody,
    /// Where its key is in [`KeptEvents`]'s keys.
    key: KeyAt,
    /// How many times A carried the key.
    pub copies: u32,
    /// How many times B carried the key.
    pub b_copies: u32,
}

/// No publish time: a time chrono cannot hold, so no event has it.
const NO_TIME: i64 = i64::MIN;

impl Kept {
    /// Its publish time, in ms since the epoch.
    pub fn published_ms(&self) -> Option<i64> {
        (self.published_ms != NO_TIME).then_some(self.published_ms)
    }
}

/// An event of A an event of B matched.
#[derive(Debug, Clone, Copy)]
pub(super) struct Matched {
    /// Its position among the events kept.
    pub at: u32,
    /// How many events of B matched it, this one included.
    pub b_copies: u32,
    /// Its body's hash.
    pub hash: u64,
    /// Its publish time, in ms since the epoch.
    pub published_ms: Option<i64>,
}

/// The body of an event of A, as [`KeptEvents::body`] gives it.
pub(super) enum ABody<'k> {
    /// Its raw bytes.
    Raw(&'k [u8]),
    /// Where its line is, to read it again.
    Line(LineAt),
}

/// The body of an event of A, as kept to name the paths where B's
/// differs.
#[derive(Debug)]
enum KeptBody {
    /// Its raw bytes.
    Raw(Box<[u8]>),
    /// Where its line is in a file, to read it again: a [`LineAt`] whose
    /// file is kept once, in [`KeptEvents`]'s files (fields of the variant
    /// rather than a struct, so that the tag fits beside them).
    Line {
        file: u32,
        number: u32,
        len: u32,
        offset: u64,
    },
}

/// Where a key is in [`Keys`].
#[derive(Debug, Clone, Copy)]
struct KeyAt {
    chunk: u32,
    start: u32,
    len: u32,
}

/// Keys back to back in large strings: one allocation for many thousands
/// of keys instead of one each.
#[derive(Debug, Default)]
struct Keys {
    chunks: Vec<String>,
}

/// The size of a chunk of keys (a longer key has a chunk of its own).
const KEY_CHUNK: usize = 1 << 20;

impl Keys {
    fn add(&mut self, key: &str) -> KeyAt {
        let room = self
            .chunks
            .last()
            .is_some_and(|chunk| chunk.capacity() - chunk.len() >= key.len());
        if !room {
            self.chunks
                .push(String::with_capacity(KEY_CHUNK.max(key.len())));
        }
        let chunk = self.chunks.len() - 1;
        let text = &mut self.chunks[chunk];
        let start = text.len();
        text.push_str(key);
        let small = "a key and its chunk are under 4 GiB (a line is)";
        KeyAt {
            chunk: u32::try_from(chunk).expect(small),
            start: u32::try_from(start).expect(small),
            len: u32::try_from(key.len()).expect(small),
        }
    }

    fn get(&self, at: KeyAt) -> &str {
        let start = at.start as usize;
        &self.chunks[at.chunk as usize][start..start + at.len as usize]
    }
}

/// A's events by key, in the order first seen. The table holds only
/// positions in `events` and key hashes: a million keys make a table of a
/// few MB that grows and rehashes without moving or reading what is kept,
/// and what is kept is never moved either (a table of the entries
/// themselves was most of a diff's memory, zeroed and copied each time it
/// doubled).
#[derive(Debug, Default)]
pub(super) struct KeptEvents {
    events: Blocks<Kept>,
    keys: Keys,
    /// The files lines of A were read from ([`KeptBody::Line`]).
    files: Vec<FileId>,
    /// The bodies with their secrets masked, of the events that carry
    /// any, by position in `events`.
    shown: HashMap<u32, Value, foldhash::fast::RandomState>,
    /// Each event's position in `events`, and its key's hash.
    table: HashTable<(u32, u32)>,
    hasher: foldhash::fast::RandomState,
    /// The position after the event B matched last: B mostly carries A's
    /// events in A's order, so B's next event is most often kept there,
    /// found without a lookup in the table (whose every lookup, a million
    /// keys in, misses the caches).
    next: usize,
}

/// What is kept of an event of A but its key: see [`Kept`].
pub(super) struct NewKept {
    pub hash: u64,
    pub published_ms: Option<i64>,
    /// Its raw body, unless `line_at` says where to read it again.
    pub raw: Vec<u8>,
    pub line_at: Option<LineAt>,
    pub shown: Option<Value>,
}

impl KeptEvents {
    /// The hash of `key`: 32 bits, kept in the table beside each event's
    /// position, so that the table grows without reading the events (a
    /// cache miss each, a million events in) and a lookup compares hashes
    /// before keys.
    pub fn key_hash(&self, key: &str) -> u32 {
        (self.hasher.hash_one(key) >> 32) as u32
    }

    /// The event kept under `key`, whose [`KeptEvents::key_hash`] is
    /// `hash`, matched by one more event of B.
    pub fn matching(&mut self, hash: u32, key: &str) -> Option<Matched> {
        let is = |kept: &Kept| self.keys.get(kept.key) == key;
        let at = match self.events.get(self.next) {
            Some(kept) if is(kept) => self.next as u32,
            _ => {
                let events = &self.events;
                self.table
                    .find(spread(hash), |&(i, h)| h == hash && is(&events[i as usize]))?
                    .0
            }
        };
        self.next = at as usize + 1;
        let kept = self.events.get_mut(at as usize)?;
        kept.b_copies = kept.b_copies.saturating_add(1);
        Some(Matched {
            at,
            b_copies: kept.b_copies,
            hash: kept.hash,
            published_ms: kept.published_ms(),
        })
    }

    /// Keep an event of A under `key` unless the key is kept already: then
    /// count one more copy of the event kept (one lookup in the table
    /// either way).
    pub fn keep(&mut self, key: &str, new: NewKept) {
        let at = u32::try_from(self.events.len()).expect("fewer than 2^32 events of A");
        let hash = self.key_hash(key);
        let (events, keys) = (&self.events, &self.keys);
        match self.table.entry(
            spread(hash),
            |&(i, h)| h == hash && keys.get(events[i as usize].key) == key,
            |&(_, h)| spread(h),
        ) {
            Entry::Occupied(entry) => {
                let i = entry.get().0 as usize;
                if let Some(kept) = self.events.get_mut(i) {
                    kept.copies += 1;
                }
            }
            Entry::Vacant(entry) => {
                entry.insert((at, hash));
                let body = match new.line_at {
                    Some(line) => KeptBody::Line {
                        file: self.file_index(line.file),
                        number: line.number,
                        len: line.len,
                        offset: line.offset,
                    },
                    None => KeptBody::Raw(new.raw.into_boxed_slice()),
                };
                let key = self.keys.add(key);
                if let Some(shown) = new.shown {
                    self.shown.insert(at, shown);
                }
                self.events.push(Kept {
                    hash: new.hash,
                    published_ms: new.published_ms.unwrap_or(NO_TIME),
                    body,
                    key,
                    copies: 1,
                    b_copies: 0,
                });
            }
        }
    }

    /// The place of `file` in the files, added when new (A is one source,
    /// so most often one file).
    fn file_index(&mut self, file: FileId) -> u32 {
        let index = match self.files.iter().rposition(|f| *f == file) {
            Some(index) => index,
            None => {
                self.files.push(file);
                self.files.len() - 1
            }
        };
        u32::try_from(index).expect("fewer than 2^32 files")
    }

    /// The key of `kept`.
    pub fn key(&self, kept: &Kept) -> &str {
        self.keys.get(kept.key)
    }

    /// The body of the event kept at `at` (a position [`Matched`] gives).
    pub fn body(&self, at: u32) -> ABody<'_> {
        match &self.events[at as usize].body {
            KeptBody::Raw(raw) => ABody::Raw(raw),
            KeptBody::Line {
                file,
                number,
                len,
                offset,
            } => ABody::Line(LineAt {
                file: self.files[*file as usize],
                offset: *offset,
                len: *len,
                number: *number,
            }),
        }
    }

    /// The body with its secrets masked of the event kept at `at`, when it
    /// carries any.
    pub fn shown(&self, at: u32) -> Option<&Value> {
        self.shown.get(&at)
    }

    /// Every event kept, in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = &Kept> {
        self.events.iter()
    }
}

/// A 32-bit key hash spread over the 64 bits the table reads (its top
/// bits tag entries, its low bits place them).
fn spread(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A million events of A take a million of these: keep it small.
    #[test]
    fn what_is_kept_of_an_event_is_64_bytes() {
        assert_eq!(std::mem::size_of::<Kept>(), 64);
    }
}
