// TEMPORARY local stand-in until the inspect branch merges; never committed.
use crate::model::*;
use chrono::{DateTime, Utc};
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Mappings {}
#[derive(Debug, Clone)]
pub struct Inspector;
#[derive(Debug, Clone, Default)]
pub struct Inspection {
    pub meta: Meta,
    pub problems: Vec<Problem>,
    pub secret_paths: Vec<String>,
}
#[derive(Debug, thiserror::Error)]
#[error("x")]
pub struct InspectError;
impl Inspector {
    pub fn new(_m: &Mappings) -> Result<Self, InspectError> {
        Ok(Inspector)
    }
    pub fn with_defaults() -> Self {
        Inspector
    }
    pub fn inspect(&self, _e: &Event, _b: &Body, _now: DateTime<Utc>, _j: bool) -> Inspection {
        Inspection::default()
    }
}
