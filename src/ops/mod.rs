//! Replay and redrive: moving events between backends, whatever they are.
//!
//! The no-loss rule lives here and only here: an event is removed from its
//! source only after the target confirmed its send. A crash or a cancel at
//! any point can leave an event in both places (a duplicate), never in none.

mod delete;
pub mod edit;
mod job;
pub mod journal;
mod native;
mod pace;
mod redrive;
mod replay;
mod walk;

pub use delete::{delete, purge};
pub use job::{JobControl, Progress, Report, Selection};
pub use native::{NativeRedrive, native_rate, redrive_native};
pub use pace::Pace;
pub use redrive::{redrive, redrive_paced};
pub use replay::{replay, replay_paced};

use crate::backend::BackendError;

/// Why an operation could not run at all (per-event failures are in the
/// [`Report`] instead).
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A backend failed as a whole.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// Source and target are the same.
    #[error("{0}: source and target are the same; pick another target with --to")]
    SameTarget(String),
    /// A redrive without a target the backend knows.
    #[error("{0}: no redrive target known for this source; name one with --to")]
    NoTarget(String),
    /// A backend reported outcomes that do not match what it was asked
    /// (an outcome for something not asked, or none for something asked).
    #[error("{0}")]
    Mismatch(String),
}

/// Pair each outcome with the item it belongs to by key (an event id, a
/// lease), whatever their order; items sharing a key are matched in turn.
/// An outcome for no item, or an item left without one, is an error
/// naming it: never a silent drop. `what` names the outcomes in it.
pub(crate) fn pair_outcomes<K, T, O>(
    what: &str,
    items: Vec<(K, T)>,
    outcomes: Vec<(K, O)>,
) -> Result<Vec<(T, O)>, OpsError>
where
    K: Ord + std::fmt::Display,
{
    use std::collections::{BTreeMap, VecDeque};
    let mut waiting: BTreeMap<K, VecDeque<T>> = BTreeMap::new();
    for (key, item) in items {
        waiting.entry(key).or_default().push_back(item);
    }
    let mut paired = Vec::with_capacity(outcomes.len());
    for (key, outcome) in outcomes {
        match waiting.get_mut(&key).and_then(VecDeque::pop_front) {
            Some(item) => paired.push((item, outcome)),
            None => {
                return Err(OpsError::Mismatch(format!(
                    "the backend reported a {what} outcome for {key}, which it was not asked for; stopping"
                )));
            }
        }
    }
    if let Some((key, _)) = waiting.iter().find(|(_, left)| !left.is_empty()) {
        return Err(OpsError::Mismatch(format!(
            "the backend reported no {what} outcome for {key}; stopping"
        )));
    }
    Ok(paired)
}

#[cfg(test)]
mod tests {
    use super::pair_outcomes;

    #[test]
    fn outcomes_pair_by_key_whatever_their_order() {
        let items = vec![("a", 1), ("b", 2), ("a", 3)];
        let outcomes = vec![("b", 'x'), ("a", 'y'), ("a", 'z')];
        let paired = pair_outcomes("send", items, outcomes).unwrap();
        assert_eq!(paired, [(2, 'x'), (1, 'y'), (3, 'z')]);
    }

    #[test]
    fn an_extra_or_missing_outcome_fails_loudly() {
        let extra = pair_outcomes("send", vec![("a", 1)], vec![("a", 'x'), ("b", 'y')]);
        let error = extra.unwrap_err().to_string();
        assert!(error.contains("send outcome for b"), "{error}");
        let twice = pair_outcomes("send", vec![("a", 1)], vec![("a", 'x'), ("a", 'y')]);
        assert!(twice.unwrap_err().to_string().contains("for a"));
        let missing = pair_outcomes("removal", vec![("a", 1), ("b", 2)], vec![("a", 'x')]);
        let error = missing.unwrap_err().to_string();
        assert!(error.contains("no removal outcome for b"), "{error}");
    }
}
