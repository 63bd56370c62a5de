//! evscope: a terminal event inspector for SQS queues, Pulsar topics and
//! JSONL captures. The library holds everything; `main.rs` is the binary
//! edge.
//!
//! The rooms: [`model`] (the normalized event and its facets), [`inspect`]
//! (facet extraction), [`filter`] (the JSONPath filter language),
//! [`capture`] (the JSONL format), [`backend`] (sources behind one trait),
//! [`scan`] (inspect and filter in bulk), [`analyze`] (flows across sources), [`ops`] (replay and redrive),
//! [`cli`] (the subcommands), [`sanitize`] (escaping and masking),
//! [`logging`] (logs for bug reports).

pub mod analyze;
pub mod backend;
pub mod capture;
pub mod cli;
pub mod config;
pub mod contract_files;
pub mod filter;
pub mod inspect;
pub mod logging;
pub mod model;
pub mod ops;
pub mod sanitize;
pub mod scan;
pub mod secrets;
pub mod state;
pub mod tui;
