//! evscope: a terminal event inspector for SQS queues, Pulsar topics and
//! JSONL captures. The library holds everything; `main.rs` is the binary edge.

pub mod filter;
pub mod model;
