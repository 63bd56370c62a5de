//! Facet extraction: the [`Meta`] and [`Problem`]s of one event, computed
//! from configurable JSONPath [`Mappings`] with built-in defaults
//! ([`DEFAULT_MAPPINGS`]).
//!
//! Paths are evaluated against the event's capture document
//! (`id`, `source`, `key`, `published_at`, `receive_count`, `attributes`,
//! `attribute_types`, `system`, `body`). Simple paths are direct lookups on
//! the event and look through JSON-encoded strings; other paths run through
//! jsonpath-rust (see the `path` module). Within a mapping, the first path
//! that finds a usable value wins.

mod body_object;
mod correlation;
mod dates;
mod defaults;
mod event_id;
#[cfg(test)]
pub(crate) use event_id::ID_BODIES;
mod expiration;
mod location;
mod mappings;
mod needs;
mod path;
mod problems;
mod repeated;
mod security;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

pub use correlation::traceparent_trace_id;
pub use dates::EPOCH_MS_CUTOFF;
pub use expiration::TTL_EPOCH_SECONDS;
pub use mappings::{DEFAULT_MAPPINGS, Mappings};
pub use needs::{MetaRead, Needs, body_members_read, reads_whole};

use crate::analyze::contracts::Contracts;
use crate::model::lex::Member;
use crate::model::{Body, Event, Members, Meta, Problem};
use crate::secrets::{Secret, SecretPath};
use body_object::RawMembers;
use expiration::Base;
use mappings::Compiled;
use path::{CompiledPath, Found, Paths, Scope};
use problems::Envelope;

/// A mapping that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// A path that is not valid JSONPath or does not start at a field of the
    /// capture document.
    #[error("mapping `{field}`: bad JSONPath `{path}`: {reason}")]
    BadPath {
        /// The mapping field (`correlation_id`).
        field: String,
        /// The path as written.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Computes the facets and problems of events. Compiles its mappings once;
/// cheap to clone and share between threads.
#[derive(Debug, Clone)]
pub struct Inspector {
    compiled: Arc<Compiled>,
    /// The contracts events are checked against (`--contracts`), if any.
    contracts: Option<Arc<Contracts>>,
}

/// What inspecting one event found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inspection {
    /// The facets.
    pub meta: Meta,
    /// Every reason the event is malformed or expired.
    pub problems: Vec<Problem>,
    /// Every secret of the event, where it is and how to hide it: what the
    /// masking policy ([`crate::secrets`]) finds, and every value the
    /// token, signature and password mappings find. A path may go through
    /// a JSON-encoded string (`body.payload.password` where `payload` is a
    /// string holding JSON).
    #[serde(skip)]
    pub secrets: Vec<Secret>,
    /// Where the security facet's token is, to show it when revealed.
    #[serde(skip)]
    pub token_path: Option<SecretPath>,
}

impl Inspector {
    /// An inspector for `mappings` (user paths first, then the defaults).
    /// Every path is compiled here; a bad one is an error naming its field.
    pub fn new(mappings: &Mappings) -> Result<Inspector, InspectError> {
        Ok(Inspector {
            compiled: Arc::new(Compiled::new(mappings)?),
            contracts: None,
        })
    }

    /// The same inspector, also checking every event against `contracts`
    /// (`meta.contract` and the contract problems).
    pub fn with_contracts(mut self, contracts: Arc<Contracts>) -> Inspector {
        self.contracts = (!contracts.is_empty()).then_some(contracts);
        self
    }

    /// The contracts events are checked against, if any.
    pub fn contracts(&self) -> Option<&Arc<Contracts>> {
        self.contracts.as_ref()
    }

    /// The top-level body members an inspection for `needs` reads (see
    /// [`Members`]), those with plain values left unbuilt: an event whose
    /// body was decoded with these gets the same parts from
    /// [`Inspector::inspect_members`], given the raw members the decode
    /// handed over, as with its whole body.
    pub fn body_members(&self, needs: Needs) -> Members {
        let needs = needs.widened(self.contracts.is_some());
        if self.contracts.is_some() && needs.has(Needs::CONTRACT) {
            return Members::All;
        }
        self.compiled.body_members(needs)
    }

    /// An inspector with the built-in mappings only.
    pub fn with_defaults() -> Inspector {
        match Inspector::new(&Mappings::default()) {
            Ok(inspector) => inspector,
            // The defaults are constants covered by tests.
            Err(e) => unreachable!("built-in mappings must compile: {e}"),
        }
    }

    /// Inspect one event. `body` is the event's decoded body; `now` decides
    /// what has expired. `expect_json`: the source says bodies are JSON (a
    /// file of JSON lines does; SQS/Pulsar bodies don't unless attributes
    /// say content-type json), so a body that is not is a problem.
    pub fn inspect(
        &self,
        event: &Event,
        body: &Body,
        now: DateTime<Utc>,
        expect_json: bool,
    ) -> Inspection {
        self.inspect_for(event, body, now, expect_json, Needs::ALL)
    }

    /// [`Inspector::inspect`] computing only the parts in `needs`: those
    /// are the same as in a full inspection, the others are left empty
    /// (`None`, `false`, no problem, no secret). With [`Needs::ALL`] this
    /// is the full inspection.
    pub fn inspect_for(
        &self,
        event: &Event,
        body: &Body,
        now: DateTime<Utc>,
        expect_json: bool,
        needs: Needs,
    ) -> Inspection {
        self.inspect_members(event, body, None, now, expect_json, needs)
    }

    /// [`Inspector::inspect_for`] of a body built with
    /// [`Inspector::body_members`] (or more), whose plain members may be
    /// left unbuilt: `raw_members`, the top-level members of the raw body
    /// the decode handed over with it ([`Decoded::raw_members`]), are read
    /// for those.
    ///
    /// [`Decoded::raw_members`]: crate::model::Decoded::raw_members
    pub fn inspect_members(
        &self,
        event: &Event,
        body: &Body,
        raw_members: Option<&[Member]>,
        now: DateTime<Utc>,
        expect_json: bool,
        needs: Needs,
    ) -> Inspection {
        if needs == Needs::NONE {
            return Inspection::default();
        }
        let m = &*self.compiled;
        let needs = needs.widened(self.contracts.is_some());
        let mut problems = Vec::new();
        if needs.has(Needs::PROBLEMS) {
            problems::body_json(&event.raw, body, expect_json, &mut problems);
        }
        let raw = RawMembers::of(event, raw_members);
        let mut scope = Scope::with_names(event, body, raw, &m.names);
        let envelope = scope.object().and_then(Envelope::detect);
        if let (Some(envelope), Some(object), true) =
            (envelope, scope.object(), needs.has(Needs::PROBLEMS))
        {
            problems::missing_fields(object, envelope, &mut problems);
        }

        let event_type = if needs.has(Needs::TYPE) {
            first_text(&mut scope, &m.event_type)
        } else {
            None
        };
        let version = scope
            .candidates(&m.version)
            .iter()
            .filter(|_| needs.has(Needs::VERSION))
            // EventBridge's top-level `version` is the envelope's, always "0".
            .filter(|p| envelope != Some(Envelope::EventBridge) || p.text() != "$.body.version")
            .find_map(|p| text(&mut scope, p))
            .map(short_version);

        let event_id = if needs.has(Needs::EVENT_ID) {
            scope
                .candidates(&m.event_id)
                .iter()
                .filter(|p| {
                    p.text() != "$.body.id"
                        || matches!(
                            envelope,
                            Some(Envelope::CloudEvents | Envelope::EventBridge)
                        )
                })
                .find_map(|p| text(&mut scope, p))
                .or_else(|| (!event.id.is_empty()).then(|| event.id.clone()))
        } else {
            None
        };

        let (created, updated_at) = if needs.has(Needs::DATES) {
            (
                first_date(&mut scope, &m.created_at, &mut problems),
                first_date(&mut scope, &m.updated_at, &mut problems).map(|(t, _)| t),
            )
        } else {
            (None, None)
        };
        let expiry = if needs.has(Needs::EXPIRY) {
            let base = match created {
                Some((at, p)) => Some(Base { at, name: p.name() }),
                None => event.published_at.map(|at| Base {
                    at,
                    name: "published_at",
                }),
            };
            expiration::expiry(&mut scope, m, base, &mut problems)
        } else {
            None
        };
        let location = if needs.has(Needs::LOCATION) {
            location::location(&mut scope, m, &mut problems)
        } else {
            None
        };
        let mut secrets = if needs.has(Needs::SECRETS) {
            // The walk meets the event's strings only (and those inside
            // the JSON they hold): the scope's decodes serve both.
            crate::secrets::find::find_secrets_decoding(
                event,
                body,
                crate::secrets::policy(),
                &mut |s| scope.decode_stable(s),
            )
        } else {
            Vec::new()
        };
        let (security, token_path) = if needs.has(Needs::SECURITY) {
            // Where the security facet's secrets are is only kept for masking.
            let mut found = Vec::new();
            let facet = security::security(&mut scope, m, now, &mut found);
            if needs.has(Needs::SECRETS) {
                secrets.append(&mut found);
                facet
            } else {
                (facet.0, None)
            }
        } else {
            (None, None)
        };
        let correlation = if needs.has(Needs::CORRELATION) {
            correlation::correlation(&mut scope, m)
        } else {
            Default::default()
        };
        if needs.has(Needs::PROBLEMS) {
            problems::payloads(&mut scope, m, &mut problems);
        }
        let is_expired = expiry
            .as_ref()
            .is_some_and(|e| expiration::has_expired(e, now));
        if is_expired && needs.has(Needs::PROBLEMS) {
            // The message (a duration, dates) is written only when asked for.
            problems.extend(
                expiry
                    .as_ref()
                    .and_then(|e| expiration::expired_problem(e, now)),
            );
        }
        let contract = self
            .contracts
            .as_ref()
            .filter(|_| needs.has(Needs::CONTRACT))
            .and_then(|contracts| {
                let checked =
                    contracts.check(event_type.as_deref(), version.as_deref(), body.as_json());
                problems.extend(checked.problems);
                checked.status.map(Box::new)
            });
        if !needs.has(Needs::PROBLEMS) {
            // Problems found on the way to a facet are not asked for.
            problems.clear();
        }
        let meta = Meta {
            event_type,
            version,
            event_id,
            created_at: created.map(|(t, _)| t),
            updated_at,
            expires_at: expiry.map(|e| e.at),
            expired: is_expired,
            location: location.map(Box::new),
            security: security.map(Box::new),
            correlation,
            contract,
        };
        if needs.has(Needs::SECRETS) {
            // Facets copied from secrets, and problem messages quoting one.
            let policy = crate::secrets::policy();
            repeated::add_repeated(&meta, &problems, event, body, policy, &mut secrets);
        }
        Inspection {
            meta,
            problems,
            secrets,
            token_path,
        }
    }
}

/// A found scalar as text: a non-blank string (trimmed) or a number.
pub(crate) fn scalar_text(found: &Found<'_>) -> Option<String> {
    if let Some(s) = found.as_str() {
        let s = crate::model::trim(s);
        return (!s.is_empty()).then(|| s.to_owned());
    }
    match &*found.value() {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The text a path finds, if it finds a scalar.
pub(crate) fn text(scope: &mut Scope<'_>, p: &CompiledPath) -> Option<String> {
    scalar_text(&scope.first(p)?)
}

/// The text of the first path that finds a scalar.
pub(crate) fn first_text(scope: &mut Scope<'_>, paths: &Paths) -> Option<String> {
    scope.candidates(paths).iter().find_map(|p| text(scope, p))
}

/// The first valid date the paths find. Every path is evaluated: each
/// present value that is not a date is a `BadDate` problem.
fn first_date<'p>(
    scope: &mut Scope<'_>,
    paths: &'p Paths,
    problems: &mut Vec<Problem>,
) -> Option<(DateTime<Utc>, &'p CompiledPath)> {
    let mut first = None;
    for p in scope.candidates(paths) {
        if let Some((t, _)) = expiration::date_at(scope, p, problems) {
            first.get_or_insert((t, p));
        }
    }
    first
}

/// A schema URI ending in a version segment (`…/payment-created/v2`,
/// `…/order-1.3.json`) shows as that version; anything else is kept whole.
fn short_version(version: String) -> String {
    if !version.contains('/') {
        return version;
    }
    let last = version
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let last = last.strip_suffix(".json").unwrap_or(last);
    let tail = last.rsplit(['-', '_']).next().unwrap_or(last);
    let digits = tail.strip_prefix(['v', 'V']).unwrap_or(tail);
    let is_version = !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.');
    if is_version {
        tail.to_string()
    } else {
        version
    }
}

#[cfg(test)]
mod version_tests {
    use super::short_version;

    #[test]
    fn schema_uris_show_their_version() {
        assert_eq!(
            short_version("https://s.example.com/payment-created/v2".into()),
            "v2"
        );
        assert_eq!(
            short_version("https://s.example.com/order-1.3.json".into()),
            "1.3"
        );
        assert_eq!(short_version("3".into()), "3");
        assert_eq!(
            short_version("https://s.example.com/schemas/order".into()),
            "https://s.example.com/schemas/order"
        );
    }
}
