//! Per-thread memory of a policy's recent answers for short texts.
//!
//! The same names and values come back in every event of a stream (the
//! body's member names, the source URI, an event type), and the policy's
//! answer for one of them never changes: a key name is normalized and
//! matched word by word, and a source such as `sqs://…` wakes every value
//! detector, each a regex run. Remembering the answer per thread turns
//! those into one hash lookup. Hand-written (a map per policy, cleared when
//! full) because the answers depend on which policy asked: a cache crate
//! would add a dependency for these few lines.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::LocalKey;

/// Texts longer than this are not remembered (they rarely repeat).
pub(crate) const MAX_LEN: usize = 128;
/// Answers one thread remembers per policy before it starts over.
const CAPACITY: usize = 4096;

/// A fresh policy identity: each policy built gets its own, its clones
/// share it (they answer alike).
pub(crate) fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Remembered answers, by policy identity (usually one) then text. Hashed
/// with foldhash (randomly seeded like std's, and several times cheaper than
/// SipHash on these short texts).
pub(crate) type Store<V> = RefCell<Vec<(u64, HashMap<Box<str>, V, FoldHash>)>>;

type FoldHash = foldhash::fast::RandomState;

/// The answer for `text` from the policy `id`: remembered in `store`, or
/// computed by `answer` (and remembered when `text` is short).
pub(crate) fn remembered<V: Clone + 'static>(
    store: &'static LocalKey<Store<V>>,
    id: u64,
    text: &str,
    answer: impl FnOnce() -> V,
) -> V {
    if text.len() > MAX_LEN {
        return answer();
    }
    let known = store.with(|s| {
        let s = s.borrow();
        s.iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, map)| map.get(text).cloned())
    });
    if let Some(known) = known {
        return known;
    }
    // Computed outside the borrow: `answer` may ask another store.
    let value = answer();
    store.with(|s| {
        let mut s = s.borrow_mut();
        let at = match s.iter().position(|(i, _)| *i == id) {
            Some(at) => at,
            None => {
                if s.len() >= 8 {
                    s.clear(); // policies built and dropped (tests): start over
                }
                s.push((id, HashMap::default()));
                s.len() - 1
            }
        };
        let map = &mut s[at].1;
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(text.into(), value.clone());
    });
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static STORE: Store<usize> = const { RefCell::new(Vec::new()) };
    }

    #[test]
    fn answers_are_kept_per_policy_and_long_texts_are_not() {
        let (a, b) = (next_id(), next_id());
        assert_eq!(remembered(&STORE, a, "x", || 1), 1);
        assert_eq!(remembered(&STORE, a, "x", || 2), 1);
        assert_eq!(remembered(&STORE, b, "x", || 3), 3);
        let long = "y".repeat(MAX_LEN + 1);
        assert_eq!(remembered(&STORE, a, &long, || 4), 4);
        assert_eq!(remembered(&STORE, a, &long, || 5), 5);
    }
}
