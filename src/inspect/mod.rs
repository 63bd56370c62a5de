//! Facet extraction from configurable JSONPath mappings.

mod dates;
mod path;

/// A mapping that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// A path that is not valid JSONPath or does not start at a field of the
    /// capture document.
    #[error("mapping `{field}`: bad JSONPath `{path}`: {reason}")]
    BadPath {
        /// The mapping field (`correlation_id`).
        field: String,
        /// The path as written.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}
