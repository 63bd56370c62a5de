//! Reading several sources in one command (`flows`, `graph`, `stats`,
//! `diff`...): scopes are expanded into their sources, each source is read
//! once, and every kept document is handed over with the source it came from.

use std::sync::Arc;

use anyhow::Result;

use super::Context;
use super::peek::{Mapping, Reading, for_each_mapped};
use crate::backend::{Backend, SourceInfo, is_scope, list_sources};
use crate::capture::Document;
use crate::scan::Scanner;

/// What a multi-source read saw.
#[derive(Debug, Default, Clone)]
pub(super) struct Sources {
    /// Every source read, in the order given (scopes expanded in the order
    /// their backend lists them), each once.
    pub read: Vec<SourceInfo>,
    /// Unreadable lines across all sources (each reported on stderr).
    pub bad_lines: usize,
}

/// Expand `uris` (a scope names many sources, see
/// [`crate::backend::is_scope`]), read every source once, and hand
/// each document `scanner` keeps to `each` with the source it is from.
/// `each` returns `false` to stop everything.
pub(super) async fn for_each_source_document(
    context: &Context,
    uris: &[String],
    scanner: &Scanner,
    each: impl FnMut(&SourceInfo, Document) -> Result<bool>,
) -> Result<Sources> {
    let mapping = Mapping::of(|document| document);
    for_each_source_mapped(context, uris, scanner, mapping, each).await
}

/// [`for_each_source_document`], with what is kept first turned into a `T`
/// by `map`, which runs on every core.
pub(super) async fn for_each_source_mapped<T: Send>(
    context: &Context,
    uris: &[String],
    scanner: &Scanner,
    map: Mapping<'_, T, impl Fn(Document) -> T + Sync>,
    mut each: impl FnMut(&SourceInfo, T) -> Result<bool>,
) -> Result<Sources> {
    let mut sources = Sources::default();
    for uri in uris {
        for (info, opened) in sources_of(context, uri).await? {
            if sources.read.iter().any(|s| s.uri == info.uri) {
                continue;
            }
            let backend = match opened {
                Some(backend) => backend,
                None => context.source(&info.uri).await?,
            };
            let mut stopped = false;
            let mapping = Mapping {
                document: &map.document,
                view: map.view,
            };
            let pass = for_each_mapped(backend, scanner, Reading::once(None), mapping, |item| {
                let go_on = each(&info, item)?;
                stopped = !go_on;
                Ok(go_on)
            })
            .await?;
            sources.bad_lines += pass.bad_lines;
            sources.read.push(info);
            if stopped {
                return Ok(sources);
            }
        }
    }
    Ok(sources)
}

/// The sources `uri` names: those a scope lists (opened when read), or the
/// one source it is, already opened and named without being counted (a
/// file is read once, by its scan).
async fn sources_of(
    context: &Context,
    uri: &str,
) -> Result<Vec<(SourceInfo, Option<Arc<dyn Backend>>)>> {
    if is_scope(uri) {
        let listed = list_sources(uri, &context.open).await?;
        return Ok(listed.into_iter().map(|l| (l.source, None)).collect());
    }
    let backend = context.source(uri).await?;
    let info = backend.identify().await?;
    Ok(vec![(info, Some(backend))])
}
