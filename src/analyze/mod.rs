//! Computations over events that the CLI and the TUI both call: pure
//! computation on events or compact summaries of them, no I/O, no UI.

pub mod blocks;
pub mod contracts;
pub mod diff;
pub mod field;
pub mod flows;
pub mod stats;
pub mod timeline;
pub mod versions;
