//! User mappings, their defaults, and their compiled form.

use serde::Deserialize;

use super::InspectError;
use super::Needs;
use super::defaults;
use super::path::{BodyPart, CompiledPath, FirstNames, Paths};
use super::problems::Envelope;
use crate::model::Members;

macro_rules! mappings {
    ($( $(#[$doc:meta])* $field:ident => $defaults:path; )*) => {
        /// JSONPath mappings from the capture document to the facets, read
        /// from the `[mappings]` table of the config file:
        ///
        /// ```toml
        /// [mappings]
        /// correlation_id = ["$.attributes.corr", "$.body.meta.corr"]
        /// ```
        ///
        /// Every field is optional. The paths a user gives are tried FIRST
        /// and the built-in defaults (see [`DEFAULT_MAPPINGS`]) after them,
        /// so a user list extends the defaults and wins over them; it never
        /// removes one. Unknown keys are an error, so a typo does not pass
        /// silently. Paths are evaluated against the capture document
        /// (`id`, `source`, `key`, `published_at`, `receive_count`,
        /// `attributes`, `attribute_types`, `system`, `body`); see the
        /// field docs for what each value may look like.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Mappings {
            $( $(#[$doc])* pub $field: Vec<String>, )*
        }

        /// Every mapping field with its built-in paths, in the order tried.
        pub const DEFAULT_MAPPINGS: &[(&str, &[&str])] = &[
            $( (stringify!($field), $defaults), )*
        ];

        /// The mappings with every path compiled: user paths, then defaults.
        #[derive(Debug, Clone)]
        pub(crate) struct Compiled {
            $( pub(crate) $field: Paths, )*
            /// The first names of every path, which gate them in a scope.
            pub(crate) names: FirstNames,
        }

        impl Compiled {
            pub(crate) fn new(m: &Mappings) -> Result<Compiled, InspectError> {
                $( let mut $field = compile(stringify!($field), &m.$field, $defaults)?; )*
                let names = FirstNames::assign(
                    std::iter::empty()
                        $( .chain($field.iter_mut()) )*
                );
                Ok(Compiled { $( $field: Paths::new($field), )* names })
            }

            /// Every field's paths.
            #[cfg(test)]
            pub(crate) fn fields(&self) -> Vec<&Paths> {
                vec![$( &self.$field, )*]
            }
        }
    };
}

mappings! {
    /// Event type.
    event_type => defaults::EVENT_TYPE;
    /// Schema version.
    version => defaults::VERSION;
    /// Creation time: a date string or an epoch.
    created_at => defaults::CREATED_AT;
    /// Last update time: a date string or an epoch.
    updated_at => defaults::UPDATED_AT;
    /// Absolute expiry: a date string or an epoch (seconds or ms by magnitude).
    expires_at => defaults::EXPIRES_AT;
    /// `expirationTime`: a lifetime in ms from the creation time below
    /// 1e11, an absolute epoch in ms from 1e11 on.
    expiration_time => defaults::EXPIRATION_TIME;
    /// Time to live: a lifetime in seconds from the creation time below 1e9,
    /// an epoch in seconds from 1e9 on, an epoch in ms from 1e11 on.
    ttl => defaults::TTL;
    /// The last expiration fallback, the queue's retention expiry.
    retention_expires_at => defaults::RETENTION_EXPIRES_AT;
    /// Country code.
    country => defaults::COUNTRY;
    /// Country code format.
    country_code_format => defaults::COUNTRY_CODE_FORMAT;
    /// IP address.
    ip => defaults::IP;
    /// GPS object with latitude and longitude.
    gps => defaults::GPS;
    /// User, principal or system id.
    principal => defaults::PRINCIPAL;
    /// Bearer token, `Authorization` value or API key (JWTs are decoded).
    token => defaults::TOKEN;
    /// Signature over the event.
    signature => defaults::SIGNATURE;
    /// Other secret values, only reported for masking.
    password => defaults::PASSWORD;
    /// The event's own id (falls back to the message id).
    event_id => defaults::EVENT_ID;
    /// Correlation id.
    correlation_id => defaults::CORRELATION_ID;
    /// Causation or parent id.
    causation_id => defaults::CAUSATION_ID;
    /// W3C traceparent (`00-<trace-id>-<span-id>-<flags>`).
    traceparent => defaults::TRACEPARENT;
    /// Trace id.
    trace_id => defaults::TRACE_ID;
    /// Payload that may be a JSON-encoded string.
    payload => defaults::PAYLOAD;
    /// Declared payload format; `JSON` means the payload string must parse.
    payload_format => defaults::PAYLOAD_FORMAT;
}

impl Compiled {
    /// The paths an inspection for `needs` may evaluate (secrets aside:
    /// the masking walk reads the whole body).
    fn paths_for(&self, needs: Needs) -> Vec<&CompiledPath> {
        let parts: [(Needs, &[&Paths]); 8] = [
            (Needs::TYPE, &[&self.event_type]),
            (Needs::VERSION, &[&self.version]),
            (Needs::EVENT_ID, &[&self.event_id]),
            (Needs::DATES, &[&self.created_at, &self.updated_at]),
            (
                Needs::EXPIRY,
                &[
                    &self.expires_at,
                    &self.expiration_time,
                    &self.ttl,
                    &self.retention_expires_at,
                ],
            ),
            (
                Needs::LOCATION,
                &[
                    &self.country,
                    &self.country_code_format,
                    &self.ip,
                    &self.gps,
                ],
            ),
            (
                Needs::SECURITY,
                &[
                    &self.principal,
                    &self.token,
                    &self.signature,
                    &self.password,
                ],
            ),
            (
                Needs::CORRELATION,
                &[
                    &self.correlation_id,
                    &self.causation_id,
                    &self.traceparent,
                    &self.trace_id,
                ],
            ),
        ];
        let payloads: &[&Paths] = if needs.has(Needs::PROBLEMS) {
            &[&self.payload, &self.payload_format]
        } else {
            &[]
        };
        parts
            .into_iter()
            .filter(move |(part, _)| needs.has(*part))
            .flat_map(|(_, fields)| fields.iter().copied())
            .chain(payloads.iter().copied())
            .flat_map(|paths| paths.iter())
            .collect()
    }

    /// The top-level body members an inspection for `needs` reads:
    /// those its paths start with, and those that tell the envelope,
    /// left unbuilt when plain (see [`Members::plain_unbuilt`]); the whole
    /// body when a path may read any member, or for secrets.
    pub(crate) fn body_members(&self, needs: Needs) -> Members {
        if needs == Needs::NONE {
            return Members::only(Vec::<String>::new());
        }
        if needs.has(Needs::SECRETS) {
            return Members::All;
        }
        let mut names: Vec<String> = Envelope::member_names(needs.has(Needs::PROBLEMS))
            .map(str::to_owned)
            .collect();
        for path in self.paths_for(needs) {
            match path.body_part() {
                BodyPart::Nothing => {}
                BodyPart::Member(name) => names.push(name.clone()),
                BodyPart::Whole => return Members::All,
            }
        }
        // The inspection reads plain members from the raw text.
        Members::only([""; 0]).plain_unbuilt(names)
    }
}

fn compile(
    field: &str,
    user: &[String],
    defaults: &[&str],
) -> Result<Vec<CompiledPath>, InspectError> {
    user.iter()
        .map(String::as_str)
        .chain(defaults.iter().copied())
        .map(|path| CompiledPath::compile(field, path))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_compiles() {
        let compiled = Compiled::new(&Mappings::default()).expect("defaults compile");
        assert_eq!(compiled.event_type[0].text(), "$.body.eventName");
        assert_eq!(DEFAULT_MAPPINGS.len(), 23);
    }

    #[test]
    fn user_paths_come_first() {
        #[derive(Deserialize)]
        struct Config {
            mappings: Mappings,
        }
        let config: Config = toml::from_str(
            "[mappings]\ncorrelation_id = [\"$.attributes.corr\", \"$.body.meta.corr\"]\n",
        )
        .expect("valid toml");
        let compiled = Compiled::new(&config.mappings).expect("compiles");
        let texts: Vec<&str> = compiled.correlation_id.iter().map(|p| p.text()).collect();
        assert_eq!(texts[..2], ["$.attributes.corr", "$.body.meta.corr"]);
        assert_eq!(texts.len(), 2 + defaults::CORRELATION_ID.len());
        assert_eq!(compiled.ttl.len(), defaults::TTL.len());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = toml::from_str::<Mappings>("corelation_id = [\"$.body.x\"]\n")
            .expect_err("typo must fail");
        assert!(err.to_string().contains("corelation_id"), "{err}");
    }

    #[test]
    fn a_bad_user_path_names_the_field() {
        let m = Mappings {
            ttl: vec!["$.body.ttl[?".into()],
            ..Mappings::default()
        };
        let err = Compiled::new(&m).expect_err("bad path");
        match &err {
            InspectError::BadPath { field, path, .. } => {
                assert_eq!(field, "ttl");
                assert_eq!(path, "$.body.ttl[?");
            }
        }
        assert!(err.to_string().starts_with("mapping `ttl`"), "{err}");
    }

    #[test]
    fn a_bad_user_path_says_where_and_what_was_expected() {
        for (path, expected) in [
            (
                "$.body.ttl[?",
                "mapping `ttl`: bad JSONPath `$.body.ttl[?`: unexpected end of path at column 13: expected a condition",
            ),
            (
                "$.body..]",
                "mapping `ttl`: bad JSONPath `$.body..]`: unexpected `]` at column 9: expected a field name",
            ),
            (
                "  $.body[1:x]",
                "mapping `ttl`: bad JSONPath `  $.body[1:x]`: unexpected `x` at column 12",
            ),
        ] {
            let m = Mappings {
                ttl: vec![path.into()],
                ..Mappings::default()
            };
            let err = Compiled::new(&m).expect_err("bad path").to_string();
            assert!(err.starts_with(expected), "{path}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
