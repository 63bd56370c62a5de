//! Errors every backend reports, each a sentence that says what to do.

/// Why a backend operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The source does not exist.
    #[error("{uri}: not found ({detail})")]
    NotFound {
        /// The source URI.
        uri: String,
        /// What was looked for.
        detail: String,
    },
    /// Reading or writing a file failed.
    #[error("{uri}: {action} failed: {source}")]
    Io {
        /// The source URI.
        uri: String,
        /// What evscope was doing.
        action: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The backend cannot do this.
    #[error("{uri}: {what} is not supported by this source")]
    Unsupported {
        /// The source URI.
        uri: String,
        /// The operation.
        what: &'static str,
    },
    /// The backend cannot do this, for a reason it names.
    #[error("{uri}: {what} is not possible: {why}")]
    Refused {
        /// The source URI.
        uri: String,
        /// The operation.
        what: &'static str,
        /// Why, and what to do instead.
        why: String,
    },
    /// `--read-only` (or a read-only context) forbids changing sources.
    #[error(
        "{uri}: refused in read-only mode (drop --read-only, or set read_only = false in the context, to change sources)"
    )]
    ReadOnly {
        /// The source URI.
        uri: String,
    },
    /// The file changed under evscope while it read it (truncated, rotated).
    #[error("{uri}: {change}; stopped (run it again on the file as it is now)")]
    Changed {
        /// The source URI.
        uri: String,
        /// What happened to it.
        change: crate::capture::Change,
    },
    /// The source argument is empty (`evscope peek ""`).
    #[error(
        "empty source argument: give a file path, `-` (stdin), `demo`, sqs://QUEUE or pulsar://HOST/TOPIC"
    )]
    EmptySource,
    /// The URI is not one evscope understands.
    #[error("{uri}: {reason}")]
    BadUri {
        /// What the user wrote.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A read did not get every event the source holds; it handed over
    /// all the others. The message says which are missing.
    #[error("{message}")]
    Incomplete {
        /// The source URI.
        uri: String,
        /// How many events, between which positions.
        message: String,
    },
    /// A remote service answered with an error or not at all.
    #[error("{uri}: {message}")]
    Remote {
        /// The source URI.
        uri: String,
        /// What went wrong and what to do.
        message: String,
    },
}
