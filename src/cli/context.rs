//! What every command needs: config, inspector, backend options.

use std::collections::BTreeSet;

use anyhow::{Context as _, Result};

use super::args::FilterArgs;
use crate::backend::{self, Backend, OpenOptions};
use crate::config::Config;
use crate::filter::Filter;
use crate::inspect::Inspector;
use crate::ops::Selection;
use crate::scan::Scanner;
use std::sync::Arc;

/// Print a backend's notices on stderr, one line each.
fn say_notices(backend: Arc<dyn Backend>) -> Arc<dyn Backend> {
    for notice in backend.notices() {
        super::output::warn(&notice);
    }
    backend
}

/// Shared state of one evscope run.
#[derive(Debug, Clone)]
pub struct Context {
    /// The loaded configuration.
    pub config: Config,
    /// Options every backend is opened with.
    pub open: OpenOptions,
    /// The context the run is in (`--context`), if any.
    pub chosen: super::contexts::Chosen,
}

impl Context {
    /// Build from a loaded config.
    pub fn new(config: Config, read_only: bool) -> Result<Context> {
        crate::secrets::configure(&config.masking)?;
        let inspector =
            Inspector::new(&config.mappings).context("invalid [mappings] in the config")?;
        Ok(Context {
            config,
            open: OpenOptions {
                read_only,
                ..OpenOptions::new(inspector)
            },
            chosen: Default::default(),
        })
    }

    /// The same context checking events against the contracts at `paths`
    /// (none: the config's). A contract that does not load is an error.
    pub fn with_contracts(mut self, paths: &[std::path::PathBuf]) -> Result<Context> {
        let paths = if paths.is_empty() {
            &self.config.contracts
        } else {
            paths
        };
        if !paths.is_empty() {
            let contracts = crate::contract_files::load_contracts(paths)?;
            self.open.inspector = self
                .open
                .inspector
                .clone()
                .with_contracts(Arc::new(contracts));
        }
        Ok(self)
    }

    /// The same context with these SQS settings.
    pub fn with_sqs(mut self, sqs: crate::backend::SqsOptions) -> Context {
        self.open.sqs = sqs;
        self
    }

    /// A copy whose SQS sends keep (or not) the original deduplication ids.
    pub fn keeping_dedup_ids(&self, keep: bool) -> Context {
        let mut context = self.clone();
        context.open.sqs.keep_dedup_id = keep;
        context
    }

    /// Open a source; what opening it did is said on stderr.
    pub async fn source(&self, uri: &str) -> Result<Arc<dyn Backend>> {
        Ok(say_notices(backend::open(uri, &self.open).await?))
    }

    /// Open a send target (a file target may not exist yet).
    pub async fn target(&self, uri: &str) -> Result<Arc<dyn Backend>> {
        Ok(say_notices(backend::open_target(uri, &self.open).await?))
    }

    /// A scanner for the given filter flag.
    pub fn scanner(&self, filter: &FilterArgs) -> Result<Scanner> {
        let filter = match &filter.filter {
            Some(expr) => {
                Some(Filter::parse(expr).map_err(|e| anyhow::anyhow!("bad filter: {e}"))?)
            }
            None => None,
        };
        Ok(Scanner::new(
            self.open.inspector.clone(),
            filter,
            chrono::Utc::now(),
        ))
    }

    /// A selection for the filter and ids flags.
    pub fn selection(&self, filter: &FilterArgs, ids: &Option<Vec<String>>) -> Result<Selection> {
        Ok(Selection {
            scanner: self.scanner(filter)?,
            ids: ids.as_ref().map(|ids| {
                ids.iter()
                    .map(|s| s.trim().to_string())
                    .collect::<BTreeSet<_>>()
            }),
        })
    }
}
