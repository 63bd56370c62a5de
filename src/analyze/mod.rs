//! Analyses over many events: pivots and time buckets, comparisons of two
//! sources.

pub mod diff;
pub mod field;
pub mod stats;
pub mod timeline;
