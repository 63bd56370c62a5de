//! What a subscription has acknowledged, read from a topic's internal stats
//! (`GET /admin/v2/persistent/{tenant}/{namespace}/{topic}/internalStats`):
//! the cursor's `markDeletePosition` (`ledger:entry`, everything up to it
//! is acknowledged) and its `individuallyDeletedMessages` (ranges
//! `[(l:e1..l:e2], ...]`, open at the start and closed at the end).
//! Written by hand: the format is Pulsar's own and small.

use std::collections::HashMap;

use super::topic::parse_message_id;
use crate::backend::Acknowledged;

/// A position in a managed ledger: `(ledger, entry)`.
pub type Position = (u64, u64);

/// What one subscription acknowledged on one topic or partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Everything at or before it is acknowledged.
    pub mark_delete: Option<Position>,
    /// Ranges `(from, to]` acknowledged past the mark-delete position.
    pub ranges: Vec<(Position, Position)>,
}

impl Cursor {
    /// Whether the message at `position` is acknowledged.
    pub fn contains(&self, position: Position) -> bool {
        self.mark_delete.is_some_and(|mark| position <= mark)
            || self
                .ranges
                .iter()
                .any(|(from, to)| *from < position && position <= *to)
    }
}

/// Parse `ledger:entry` (a negative entry, as `3:-1` before the first
/// message of a ledger, is before every message of that ledger).
pub fn parse_position(text: &str) -> Option<Position> {
    let (ledger, entry) = text.trim().split_once(':')?;
    let ledger: u64 = ledger.trim().parse().ok()?;
    let entry: i64 = entry.trim().parse().ok()?;
    match u64::try_from(entry) {
        Ok(entry) => Some((ledger, entry)),
        // Before entry 0 of `ledger`: the last entry of the previous ledger,
        // as far as a comparison goes.
        Err(_) => Some((ledger.checked_sub(1)?, u64::MAX)),
    }
}

/// Parse `[(3:1..3:4], (5:0..5:2]]` (an empty list is `[]`); `None` when
/// the text is not such a list.
pub fn parse_ranges(text: &str) -> Option<Vec<(Position, Position)>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(',')
        .map(|range| {
            let range = range.trim().strip_prefix('(')?.strip_suffix(']')?;
            let (from, to) = range.split_once("..")?;
            Some((parse_position(from)?, parse_position(to)?))
        })
        .collect()
}

/// The cursor of `subscription` in an internal-stats answer; `None` when
/// the topic has no such subscription (nothing acknowledged).
pub fn cursor_of(stats: &serde_json::Value, subscription: &str) -> Option<Cursor> {
    let cursor = stats.get("cursors")?.get(subscription)?;
    let text = |key: &str| cursor.get(key).and_then(|v| v.as_str());
    Some(Cursor {
        mark_delete: text("markDeletePosition").and_then(parse_position),
        ranges: text("individuallyDeletedMessages")
            .and_then(parse_ranges)
            .unwrap_or_default(),
    })
}

/// The cursors of a topic's partitions, keyed by partition index (`-1`
/// for a topic that is not partitioned).
#[derive(Debug, Clone, Default)]
pub struct TopicCursors {
    /// Per partition.
    pub partitions: HashMap<i32, Cursor>,
}

impl Acknowledged for TopicCursors {
    /// Whether the message with evscope id `ledger:entry:partition[:batch]`
    /// is acknowledged (a batch counts once its whole entry is).
    fn contains(&self, id: &str) -> bool {
        let Some(id) = parse_message_id(id) else {
            return false;
        };
        let partition = id.partition.unwrap_or(-1);
        self.partitions
            .get(&partition)
            .or_else(|| self.partitions.get(&-1))
            .is_some_and(|cursor| cursor.contains((id.ledger_id, id.entry_id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_positions_and_ranges() {
        assert_eq!(parse_position("12:7"), Some((12, 7)));
        assert_eq!(parse_position("12:-1"), Some((11, u64::MAX)));
        assert_eq!(parse_position("0:-1"), None);
        assert_eq!(parse_position("x:1"), None);
        assert_eq!(parse_ranges("[]"), Some(vec![]));
        assert_eq!(
            parse_ranges("[(3:1..3:4], (5:0..5:2]]"),
            Some(vec![((3, 1), (3, 4)), ((5, 0), (5, 2))])
        );
        assert_eq!(parse_ranges("(3:1..3:4]"), None);
        assert_eq!(parse_ranges("[(3:1..3:4)]"), None);
    }

    #[test]
    fn a_cursor_holds_what_is_at_or_before_the_mark_and_inside_a_range() {
        let stats = serde_json::json!({"cursors": {
            "evscope-redrive": {
                "markDeletePosition": "3:1",
                "individuallyDeletedMessages": "[(3:2..3:4], (4:0..4:1]]"
            },
            "other": {"markDeletePosition": "9:9"}
        }});
        let cursor = cursor_of(&stats, "evscope-redrive").unwrap();
        let held: Vec<Position> = [(2, 9), (3, 0), (3, 1), (3, 3), (3, 4), (4, 1)].into();
        for position in held {
            assert!(cursor.contains(position), "{position:?}");
        }
        for position in [(3, 2), (3, 5), (4, 0), (4, 2), (5, 0)] {
            assert!(!cursor.contains(position), "{position:?}");
        }
        assert!(cursor_of(&stats, "missing").is_none());
        // A new subscription: the mark is before the first entry.
        let fresh = serde_json::json!({"cursors": {"s": {
            "markDeletePosition": "3:-1", "individuallyDeletedMessages": "[]"}}});
        assert!(!cursor_of(&fresh, "s").unwrap().contains((3, 0)));
    }

    #[test]
    fn ids_are_matched_per_partition() {
        let mut cursors = TopicCursors::default();
        cursors.partitions.insert(
            1,
            Cursor {
                mark_delete: Some((3, 5)),
                ranges: vec![],
            },
        );
        assert!(cursors.contains("3:4:1"));
        assert!(cursors.contains("3:5:1:2"));
        assert!(!cursors.contains("3:4:0"));
        assert!(!cursors.contains("3:6:1"));
        assert!(!cursors.contains("not-an-id"));
        let mut whole = TopicCursors::default();
        whole.partitions.insert(
            -1,
            Cursor {
                mark_delete: Some((3, 5)),
                ranges: vec![],
            },
        );
        assert!(whole.contains("3:4:-1"));
        assert!(whole.contains("3:4"));
    }
}
