//! Replay and redrive: moving events between backends, whatever they are.
//!
//! The no-loss rule lives here and only here: an event is removed from its
//! source only after the target confirmed its send. A crash or a cancel at
//! any point can leave an event in both places (a duplicate), never in none.

mod delete;
mod job;
mod native;
mod redrive;
mod replay;
mod walk;

pub use delete::{delete, purge};
pub use job::{JobControl, Progress, Report, Selection};
pub use native::{NativeRedrive, redrive_native};
pub use redrive::redrive;
pub use replay::replay;

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
}
