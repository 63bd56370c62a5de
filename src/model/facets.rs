//! Facets derived from an event: type, expiration, location, security,
//! correlation, and the problems that make it malformed or expired.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Everything evscope derives from one event. Serialized as the `meta`
/// object of a capture line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Event type (CloudEvents `type`, EventBridge `detail-type`, `eventName`...).
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Schema version when the event names one.
    pub version: Option<String>,
    /// The event's own id from its envelope (classic `eventId`, CloudEvents
    /// or EventBridge `id`), else the message id. Causation ids point at it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// When the event says it was created (its own clock, not the broker's).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::rfc3339::serialize_option"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When the event says it was last updated (`updateDate`, `updatedAt`...).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::rfc3339::serialize_option"
    )]
    pub updated_at: Option<DateTime<Utc>>,
    /// When the event stops being valid.
    #[serde(serialize_with = "super::rfc3339::serialize_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether `expires_at` is in the past at inspection time.
    pub expired: bool,
    /// Where the event comes from.
    pub location: Option<Box<Location>>,
    /// Who sent it and with which credentials.
    pub security: Option<Box<Security>>,
    /// Ids tying the event to others.
    pub correlation: Correlation,
    /// What checking the event against its contract found, when contracts
    /// are loaded and one names its type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<Box<super::ContractStatus>>,
}

/// Country, IP address and GPS position named by an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Country code as the event gives it (`ESP`, `ES`, `724`).
    pub country: Option<String>,
    /// The format of `country` (`ISO 3166-1`, `alpha-2`, ...).
    pub country_code_format: Option<String>,
    /// IP address, as the event gives it.
    pub ip: Option<String>,
    /// Whether `ip` parses as an IPv4 or IPv6 address (`None` without an ip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_valid: Option<bool>,
    /// GPS coordinates.
    pub gps: Option<Gps>,
}

/// A GPS position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    /// Latitude, -90..=90.
    pub latitude: f64,
    /// Longitude, -180..=180.
    pub longitude: f64,
}

/// Principal and credentials carried by an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Security {
    /// User, principal or system id that produced the event.
    pub principal: Option<String>,
    /// Bearer token or other credential, masked unless revealed.
    pub token: Option<Token>,
    /// A signature over the event, masked unless revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// What kind of credential a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A JSON Web Token (header.claims.signature).
    Jwt,
    /// Anything else: an opaque bearer token, an API key.
    Opaque,
}

/// A credential found in an event. `value` only ever holds a masked form of
/// the token, so the secret cannot leave evscope by accident; `path` says
/// where to find the real one in the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// JWT or opaque.
    pub kind: TokenKind,
    /// The JSON path where the token was found, e.g. `$.body.bearer`.
    pub path: String,
    /// The token, masked (see [`crate::sanitize::mask_secret`]): a short
    /// prefix at most and the length, never the token itself.
    pub value: String,
    /// The decoded JWT, when the token is one.
    pub jwt: Option<Jwt>,
}

/// A decoded JSON Web Token. The signature is not verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwt {
    /// The JOSE header (alg, typ, kid...).
    pub header: Map<String, Value>,
    /// The claims (sub, iss, exp...).
    pub claims: Map<String, Value>,
    /// The `exp` claim as a time.
    #[serde(serialize_with = "super::rfc3339::serialize_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether the token itself has expired.
    pub expired: bool,
}

/// Ids that relate events to each other.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    /// Shared by every event of one business flow.
    pub correlation_id: Option<String>,
    /// The id of the event that caused this one (causation or parent id).
    pub causation_id: Option<String>,
    /// Distributed trace id (from a W3C traceparent or a trace id field).
    pub trace_id: Option<String>,
}

impl Correlation {
    /// Whether any correlation id is present.
    pub fn is_empty(&self) -> bool {
        self.correlation_id.is_none() && self.causation_id.is_none() && self.trace_id.is_none()
    }
}

/// The kind of a problem, stable for filters and summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The body (or the whole line) is not valid JSON where JSON is expected.
    InvalidJson,
    /// A payload field holds a string that should be JSON but is not.
    InvalidPayload,
    /// A date field does not parse.
    BadDate,
    /// A required envelope field is missing.
    MissingField,
    /// The expiration facet says the event has expired.
    Expired,
    /// The body breaks the contract of its type and version.
    ContractViolation,
    /// Contracts are loaded but none names the event's type.
    UnknownType,
    /// The event's version has no contract (it was checked against the latest).
    UnknownVersion,
    /// The event's version is deprecated by its contract.
    DeprecatedVersion,
}

impl ProblemKind {
    /// Whether this problem makes the event malformed: every kind but
    /// `Expired` and the contract notes (unknown type or version, a
    /// deprecated version), which say something about the contract, not
    /// that the event is broken.
    pub fn is_malformed(self) -> bool {
        !matches!(
            self,
            ProblemKind::Expired
                | ProblemKind::UnknownType
                | ProblemKind::UnknownVersion
                | ProblemKind::DeprecatedVersion
        )
    }

    /// The snake_case name used in captures and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::InvalidJson => "invalid_json",
            ProblemKind::InvalidPayload => "invalid_payload",
            ProblemKind::BadDate => "bad_date",
            ProblemKind::MissingField => "missing_field",
            ProblemKind::Expired => "expired",
            ProblemKind::ContractViolation => "contract_violation",
            ProblemKind::UnknownType => "unknown_type",
            ProblemKind::UnknownVersion => "unknown_version",
            ProblemKind::DeprecatedVersion => "deprecated_version",
        }
    }
}

/// One reason an event is malformed or expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// A sentence for a person: what is wrong and where.
    pub message: String,
}

impl Problem {
    /// A problem of `kind` described by `message`.
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            kind,
            message: message.into(),
        }
    }
}
