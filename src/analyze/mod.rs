//! Analyses over many events at once: pure computation on compact
//! summaries, no I/O and no UI.

pub mod flows;
