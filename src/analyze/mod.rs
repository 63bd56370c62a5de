//! Computations over events that the CLI and the TUI both call: pure, no
//! I/O, no UI.

pub mod contracts;
pub mod versions;
