//! The contract facet: what validating an event against its contract found.

use serde::{Deserialize, Serialize};

/// The result of checking one event against the contract of its type and
/// version (see [`crate::analyze::contracts`]). Serialized as
/// `meta.contract` of a capture line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractStatus {
    /// The contract's name: the schema file or AsyncAPI message it came from.
    pub schema: String,
    /// The version of the contract the event was checked against.
    pub version: Option<String>,
    /// Whether the event satisfies the contract.
    pub valid: bool,
    /// Every way it does not, in document order.
    pub violations: Vec<Violation>,
}

/// One failed check of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// JSON pointer into the body of the failing value (`""` is the body).
    pub pointer: String,
    /// One line for a person; values it quotes are masked.
    pub message: String,
}
