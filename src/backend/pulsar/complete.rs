//! Proof that a read of one partition is complete.
//!
//! A partition's messages sit in ledgers; the entries of a ledger are
//! numbered without holes, and an entry holds one message or a batch whose
//! metadata says how many (`num_messages_in_batch`). So, within a ledger,
//! every message has a place `(ledger, entry, index in the batch)` and the
//! place after it is known. The [`Tracker`] follows a reader's messages as
//! they arrive, notes every stretch that was skipped (a gap) and fills gaps
//! with messages that arrive late (a broker may deliver out of order), and
//! tells a message seen before (a redelivery) from a new one.
//!
//! What it cannot know: whether a ledger had more entries after the last
//! one seen of it when the next message comes from a later ledger (a ledger
//! ends where the broker rolled it over; only the admin API's internal
//! stats would say), and what came before the first message of a read from
//! the earliest position (retention may have removed it). Entries missing
//! at the start of a later ledger are counted (they start at entry 0).

use std::collections::HashMap;
use std::fmt;

use pulsar::proto::MessageIdData;

/// A message's place in a partition: ledger, entry, index in its batch
/// (0 when the entry holds one message that is not batched).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    /// The ledger.
    pub ledger: u64,
    /// The entry in the ledger.
    pub entry: u64,
    /// The index in the entry's batch.
    pub index: u32,
}

impl Place {
    /// The place of a message id.
    pub fn of(id: &MessageIdData) -> Place {
        Place {
            ledger: id.ledger_id,
            entry: id.entry_id,
            index: id.batch_index.map_or(0, |b| u32::try_from(b).unwrap_or(0)),
        }
    }

    /// The first place of the entry after this one's.
    pub fn after_entry(self) -> Place {
        self.next_entry()
    }

    /// The first place of the next entry.
    fn next_entry(self) -> Place {
        Place {
            entry: self.entry + 1,
            index: 0,
            ..self
        }
    }

    /// The place after this one, in an entry of `size` messages.
    fn after(self, size: u32) -> Place {
        if self.index + 1 < size {
            Place {
                index: self.index + 1,
                ..self
            }
        } else {
            self.next_entry()
        }
    }

    /// As a message id of `partition` (for seeking).
    pub fn to_id(self, partition: Option<i32>) -> MessageIdData {
        MessageIdData {
            ledger_id: self.ledger,
            entry_id: self.entry,
            partition,
            batch_index: (self.index > 0).then_some(self.index as i32),
            ..Default::default()
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.ledger, self.entry, self.index)
    }
}

/// Places no message arrived from: `from` up to, not including, `to`, in
/// one ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The first missing place.
    pub from: Place,
    /// The first place after the gap.
    pub to: Place,
}

/// How many messages gaps hold: `count` known, plus whether whole entries
/// of unknown size are among them (then `count` is a lower bound: such an
/// entry holds one message at least).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Missing {
    /// Messages missing (at least, when `whole_entries` > 0).
    pub count: u64,
    /// Entries of which nothing at all arrived.
    pub whole_entries: u64,
}

/// What a message that arrived is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Not seen before: hand it over.
    New,
    /// Seen before (a redelivery): skip it.
    Again,
}

/// Follows one partition's messages as they arrive (see the module doc).
#[derive(Debug, Default, Clone)]
pub struct Tracker {
    /// The place the next message should come from (none before the first).
    next: Option<Place>,
    /// Gaps, in order, disjoint.
    gaps: Vec<Gap>,
    /// The batch size of `next`'s entry (when `next` is inside it).
    next_size: u32,
    /// Batch sizes of entries a gap begins or ends in.
    sizes: HashMap<(u64, u64), u32>,
}

impl Tracker {
    /// A tracker expecting the first message at `start` (when known: a
    /// read from a message id), or wherever the first one comes from.
    pub fn new(start: Option<Place>) -> Tracker {
        Tracker {
            next: start,
            ..Tracker::default()
        }
    }

    /// Note a message at `id` from an entry of `batch` messages (`None`:
    /// not batched).
    pub fn arrive(&mut self, id: &MessageIdData, batch: Option<i32>) -> Arrival {
        let place = Place::of(id);
        let size = batch.map_or(1, |n| u32::try_from(n).unwrap_or(1).max(1));
        let Some(next) = self.next else {
            self.next = Some(place.after(size));
            self.next_size = size;
            return Arrival::New;
        };
        if place >= next {
            self.skipped(next, place, size);
            self.next = Some(place.after(size));
            self.next_size = size;
            return Arrival::New;
        }
        self.fill(place, size)
    }

    /// Places `from`..`to` were skipped (`to` is in an entry of `size`).
    fn skipped(&mut self, from: Place, to: Place, size: u32) {
        if from == to {
            return;
        }
        if from.index > 0 {
            self.sizes.insert((from.ledger, from.entry), self.next_size);
        }
        if to.ledger != from.ledger {
            // The rest of `from`'s entry is missing for sure; whether its
            // ledger had more entries cannot be known (module doc).
            if from.index > 0 {
                self.push(from, from.next_entry());
            }
            let first = Place {
                ledger: to.ledger,
                entry: 0,
                index: 0,
            };
            if to > first {
                self.push(first, to);
            }
        } else {
            self.push(from, to);
        }
        self.sizes.insert((to.ledger, to.entry), size);
    }

    fn push(&mut self, from: Place, to: Place) {
        self.gaps.push(Gap { from, to });
    }

    /// A message from before `next`: it fills a gap, or it came before.
    fn fill(&mut self, place: Place, size: u32) -> Arrival {
        let Some(i) = self
            .gaps
            .iter()
            .position(|g| g.from <= place && place < g.to)
        else {
            return Arrival::Again;
        };
        let gap = self.gaps.remove(i);
        self.sizes.insert((place.ledger, place.entry), size);
        let after = place.after(size).min(gap.to);
        let mut at = i;
        if gap.from < place {
            self.gaps.insert(
                at,
                Gap {
                    from: gap.from,
                    to: place,
                },
            );
            at += 1;
        }
        if after < gap.to {
            self.gaps.insert(
                at,
                Gap {
                    from: after,
                    to: gap.to,
                },
            );
        }
        Arrival::New
    }

    /// Whether the message at `id` is in a gap (a re-read should hand it
    /// over) without noting it.
    pub fn in_gap(&self, id: &MessageIdData) -> bool {
        let place = Place::of(id);
        self.gaps.iter().any(|g| g.from <= place && place < g.to)
    }

    /// The read ended at the partition's last message `last` (or the
    /// stream ended): whatever of it and before it did not arrive is a gap.
    pub fn end(&mut self, last: &MessageIdData) {
        let end = match last.batch_index {
            Some(b) if b >= 0 => Place::of(last).after(u32::MAX),
            _ => Place::of(last).next_entry(),
        };
        match self.next {
            Some(next) if next < end => {
                // `end` is the place after the last message: its entry's
                // size does not matter here.
                self.skipped(next, end, 1);
                self.next = Some(end);
            }
            _ => {}
        }
    }

    /// The gaps left.
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    /// Whether every place up to the last message arrived.
    pub fn complete(&self) -> bool {
        self.gaps.is_empty()
    }

    /// How many messages `gap` holds.
    pub fn missing(&self, gap: &Gap) -> Missing {
        let size = |entry: u64| self.sizes.get(&(gap.from.ledger, entry)).copied();
        if gap.from.entry == gap.to.entry {
            return Missing {
                count: u64::from(gap.to.index - gap.from.index),
                whole_entries: 0,
            };
        }
        let mut missing = Missing::default();
        // The rest of the first entry.
        match (gap.from.index, size(gap.from.entry)) {
            (i, Some(n)) if i < n => missing.count += u64::from(n - i),
            (0, _) => {
                missing.count += 1;
                missing.whole_entries += 1;
            }
            _ => {}
        }
        // Whole entries between.
        for entry in gap.from.entry + 1..gap.to.entry {
            match size(entry) {
                Some(n) => missing.count += u64::from(n),
                None => {
                    missing.count += 1;
                    missing.whole_entries += 1;
                }
            }
        }
        // The first messages of the last entry.
        missing.count += u64::from(gap.to.index);
        missing
    }
}

/// Messages of one partition that could not be read, for the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// How many.
    pub missing: Missing,
    /// The first missing place.
    pub from: Place,
    /// The first place after the last gap.
    pub to: Place,
    /// The partition, when the topic is partitioned.
    pub partition: Option<i32>,
}

impl Unread {
    /// Everything a tracker's gaps hold, merged into one line per partition.
    pub fn from_tracker(tracker: &Tracker, partition: Option<i32>) -> Option<Unread> {
        let first = tracker.gaps.first()?;
        let last = tracker.gaps.last()?;
        let mut missing = Missing::default();
        for gap in &tracker.gaps {
            let m = tracker.missing(gap);
            missing.count += m.count;
            missing.whole_entries += m.whole_entries;
        }
        Some(Unread {
            missing,
            from: first.from,
            to: last.to,
            partition,
        })
    }
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let partition = self.partition.unwrap_or(-1);
        let id = |ledger: u64, entry: u64, index: Option<u32>| match index {
            Some(i) => format!("{ledger}:{entry}:{partition}:{i}"),
            None => format!("{ledger}:{entry}:{partition}"),
        };
        let first = id(
            self.from.ledger,
            self.from.entry,
            (self.from.index > 0).then_some(self.from.index),
        );
        // The last missing place: a batch index, or a whole entry.
        let last = match self.to.index {
            0 => id(self.to.ledger, self.to.entry.saturating_sub(1), None),
            i => id(self.to.ledger, self.to.entry, Some(i - 1)),
        };
        let n = self.missing.count;
        let messages = if n == 1 { "message" } else { "messages" };
        let count = match self.missing.whole_entries {
            0 => format!("{n} {messages}"),
            1 => format!("at least {n} {messages} (an entry of unknown size)"),
            k => format!("at least {n} {messages} ({k} entries of unknown size)"),
        };
        write!(f, "{count} between {first} and {last} could not be read")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ledger: u64, entry: u64, index: Option<i32>) -> MessageIdData {
        MessageIdData {
            ledger_id: ledger,
            entry_id: entry,
            batch_index: index,
            ..Default::default()
        }
    }

    /// Every message of entries `entries` of ledger 1, batches of `size`.
    fn batch(t: &mut Tracker, entries: std::ops::Range<u64>, size: i32) -> Vec<Arrival> {
        let mut out = Vec::new();
        for e in entries {
            for i in 0..size {
                out.push(t.arrive(&id(1, e, Some(i)), Some(size)));
            }
        }
        out
    }

    #[test]
    fn in_order_batches_are_complete_and_redeliveries_are_again() {
        let mut t = Tracker::new(None);
        assert!(batch(&mut t, 0..3, 4).iter().all(|a| *a == Arrival::New));
        assert_eq!(t.arrive(&id(1, 1, Some(2)), Some(4)), Arrival::Again);
        t.end(&id(1, 2, None));
        assert!(t.complete());
    }

    #[test]
    fn a_skipped_entry_is_a_gap_counted_at_least_once_then_filled_late() {
        let mut t = Tracker::new(None);
        batch(&mut t, 0..1, 3);
        batch(&mut t, 2..3, 3);
        assert_eq!(t.gaps().len(), 1);
        let m = t.missing(&t.gaps()[0]);
        assert_eq!(
            m,
            Missing {
                count: 1,
                whole_entries: 1
            }
        );
        // It arrives late (out of order): handed over, the gap closes.
        assert!(batch(&mut t, 1..2, 3).iter().all(|a| *a == Arrival::New));
        assert!(t.complete());
    }

    #[test]
    fn skipped_batch_indexes_are_counted_exactly() {
        let mut t = Tracker::new(None);
        t.arrive(&id(1, 0, Some(0)), Some(5));
        t.arrive(&id(1, 0, Some(1)), Some(5));
        t.arrive(&id(1, 0, Some(4)), Some(5));
        let unread = Unread::from_tracker(&t, None).expect("a gap");
        assert_eq!(unread.missing.count, 2);
        assert_eq!(
            unread.to_string(),
            "2 messages between 1:0:-1:2 and 1:0:-1:3 could not be read"
        );
        assert!(t.in_gap(&id(1, 0, Some(3))));
        assert_eq!(t.arrive(&id(1, 0, Some(3)), Some(5)), Arrival::New);
        assert_eq!(t.arrive(&id(1, 0, Some(3)), Some(5)), Arrival::Again);
        assert_eq!(t.gaps().len(), 1);
        assert_eq!(t.arrive(&id(1, 0, Some(2)), Some(5)), Arrival::New);
        assert!(t.complete());
    }

    #[test]
    fn the_end_of_a_batch_that_never_came_is_a_gap() {
        let mut t = Tracker::new(None);
        t.arrive(&id(1, 0, Some(0)), Some(3));
        t.end(&id(1, 0, None));
        let m = t.missing(&t.gaps()[0]);
        assert_eq!(m.count, 2);
        let mut t = Tracker::new(None);
        t.arrive(&id(1, 0, None), None);
        t.end(&id(1, 4, None));
        assert_eq!(t.missing(&t.gaps()[0]).whole_entries, 4);
    }

    #[test]
    fn a_new_ledger_counts_only_what_is_known() {
        let mut t = Tracker::new(None);
        t.arrive(&id(1, 0, None), None);
        t.arrive(&id(2, 0, None), None);
        assert!(t.complete(), "the rest of ledger 1 cannot be known");
        t.arrive(&id(3, 2, None), None);
        assert_eq!(t.missing(&t.gaps()[0]).whole_entries, 2);
    }

    #[test]
    fn a_known_start_counts_what_came_before_the_first_message() {
        let mut t = Tracker::new(Some(Place::of(&id(1, 5, None))));
        t.arrive(&id(1, 7, None), None);
        assert_eq!(t.gaps()[0].from.entry, 5);
        assert_eq!(t.arrive(&id(1, 4, None), None), Arrival::Again);
    }
}
