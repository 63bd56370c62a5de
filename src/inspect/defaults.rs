//! The built-in mapping paths, tried in order after any user paths.
//!
//! They cover CloudEvents (structured mode in the body, `ce-*` attributes in
//! binary mode), the EventBridge envelope (`detail-type`, `detail`), the
//! classic JSON envelope (`eventId`, `eventName`, `creationDate`,
//! `expirationTime`, `payload`...), and the usual attribute, property and body
//! names. Attribute names match case-insensitively, so each spelling (camel,
//! snake, kebab, `x-` prefixed) is listed once.

/// Event type. The classic envelope's `type` holds an operation such as
/// `CREATE`, so `eventName` comes first.
pub const EVENT_TYPE: &[&str] = &[
    "$.body.eventName",
    "$.body['detail-type']",
    "$.body.eventType",
    "$.body.event_type",
    "$.body.type",
    "$.attributes.eventType",
    "$.attributes.event_type",
    "$.attributes['ce-type']",
    "$.attributes.ce_type",
    "$.attributes.type",
];

/// Schema version. CloudEvents `dataschema` counts; `specversion` does not
/// (it is the envelope's version), nor does EventBridge's top-level
/// `version`, which is always `"0"` (skipped for EventBridge bodies).
pub const VERSION: &[&str] = &[
    "$.body.dataschema",
    "$.body.schemaVersion",
    "$.body.schema_version",
    "$.body.detail.schemaVersion",
    "$.body.detail.schema_version",
    "$.body.detail.version",
    "$.body.data.schemaVersion",
    "$.attributes.schemaVersion",
    "$.attributes.schema_version",
    "$.attributes['ce-dataschema']",
    "$.body.version",
    "$.attributes.version",
];

/// When the event was created, by its own clock.
pub const CREATED_AT: &[&str] = &[
    "$.body.creationDate",
    "$.body.creationDateTime",
    "$.body.time",
    "$.body.createdAt",
    "$.body.created_at",
    "$.body.timestamp",
    "$.attributes['ce-time']",
    "$.attributes.ce_time",
];

/// When the event was last updated.
pub const UPDATED_AT: &[&str] = &["$.body.updateDate", "$.body.updatedAt", "$.body.updated_at"];

/// An absolute expiry: a date string or an epoch (seconds or ms by magnitude).
pub const EXPIRES_AT: &[&str] = &[
    "$.body.expiresAt",
    "$.body.expires_at",
    "$.body.expiry",
    "$.body.expirationDate",
    "$.body.detail.expiresAt",
    "$.body.detail.expires_at",
    "$.body.data.expiresAt",
    "$.attributes.expiresAt",
    "$.attributes.expires_at",
    "$.attributes.expiry",
];

/// The classic `expirationTime`: a lifetime in ms, or an absolute epoch in ms.
pub const EXPIRATION_TIME: &[&str] = &[
    "$.body.expirationTime",
    "$.body.expiration_time",
    "$.body.detail.expirationTime",
    "$.attributes.expirationTime",
];

/// A time to live: a lifetime in seconds, or an absolute epoch.
pub const TTL: &[&str] = &[
    "$.body.ttl",
    "$.body.detail.ttl",
    "$.body.data.ttl",
    "$.attributes.ttl",
];

/// The last expiration fallback: the queue's retention expiry, which a
/// backend puts in the system metadata.
pub const RETENTION_EXPIRES_AT: &[&str] = &["$.system.retention_expires_at"];

/// Country code.
pub const COUNTRY: &[&str] = &[
    "$.body.countryCode",
    "$.body.country_code",
    "$.body.country",
    "$.body.detail.countryCode",
    "$.body.data.countryCode",
    "$.attributes.countryCode",
    "$.attributes.country",
];

/// The format of the country code.
pub const COUNTRY_CODE_FORMAT: &[&str] = &[
    "$.body.countryCodeFormat",
    "$.body.country_code_format",
    "$.body.detail.countryCodeFormat",
];

/// IP address.
pub const IP: &[&str] = &[
    "$.body.ip",
    "$.body.ipAddress",
    "$.body.ip_address",
    "$.body.sourceIp",
    "$.body.clientIp",
    "$.body.detail.ip",
    "$.body.detail.sourceIPAddress",
    "$.body.data.ip",
    "$.attributes.ip",
];

/// An object with `latitude`/`lat` and `longitude`/`longitud`/`lon`/`lng`.
pub const GPS: &[&str] = &[
    "$.body.gpsCoordinates",
    "$.body.gps",
    "$.body.coordinates",
    "$.body.location",
    "$.body.detail.gpsCoordinates",
    "$.body.data.gpsCoordinates",
];

/// Who produced the event. A JWT's `sub` is the fallback.
pub const PRINCIPAL: &[&str] = &[
    "$.body.user",
    "$.body.principal",
    "$.body.userId",
    "$.body.user_id",
    "$.body.username",
    "$.body.detail.user",
    "$.body.detail.userId",
    "$.body.data.userId",
    "$.attributes.user",
    "$.attributes.userId",
    "$.attributes.user_id",
    "$.attributes.principal",
];

/// Bearer tokens, `Authorization` values and API keys.
pub const TOKEN: &[&str] = &[
    "$.body.bearer",
    "$.body.token",
    "$.body.authorization",
    "$.body.accessToken",
    "$.body.access_token",
    "$.body.apiKey",
    "$.body.api_key",
    "$.body.headers.authorization",
    "$.body.detail.token",
    "$.attributes.authorization",
    "$.attributes.bearer",
    "$.attributes.token",
    "$.attributes['x-api-key']",
];

/// Signatures over the event.
pub const SIGNATURE: &[&str] = &[
    "$.body.signature",
    "$.body.detail.signature",
    "$.attributes.signature",
    "$.attributes['x-signature']",
];

/// Other secrets: reported in secret paths for masking, never shown.
pub const PASSWORD: &[&str] = &[
    "$.body.password",
    "$.body.secret",
    "$.body.clientSecret",
    "$.body.client_secret",
    "$.body.detail.password",
    "$.body.payload.password",
    "$.attributes.password",
];

/// The event's own id. `$.body.id` is taken only from a CloudEvents or
/// EventBridge envelope (elsewhere `id` is usually the entity's id); the
/// message id is the fallback when none is found.
pub const EVENT_ID: &[&str] = &[
    "$.attributes.eventId",
    "$.attributes.event_id",
    "$.attributes['event-id']",
    "$.attributes['ce-id']",
    "$.attributes.ce_id",
    "$.body.eventId",
    "$.body.event_id",
    "$.body.eventid",
    "$.body.id",
    "$.body.detail.eventId",
    "$.body.data.eventId",
    "$.body.metadata.eventId",
];

/// Correlation id.
pub const CORRELATION_ID: &[&str] = &[
    "$.attributes.correlationId",
    "$.attributes.correlation_id",
    "$.attributes['correlation-id']",
    "$.attributes['x-correlation-id']",
    "$.body.correlationId",
    "$.body.correlation_id",
    "$.body.correlationid",
    "$.body.detail.correlationId",
    "$.body.detail.correlation_id",
    "$.body.data.correlationId",
    "$.body.metadata.correlationId",
];

/// Causation or parent id.
pub const CAUSATION_ID: &[&str] = &[
    "$.attributes.causationId",
    "$.attributes.causation_id",
    "$.attributes['causation-id']",
    "$.attributes['x-causation-id']",
    "$.attributes.parentId",
    "$.attributes.parent_id",
    "$.body.causationId",
    "$.body.causation_id",
    "$.body.causationid",
    "$.body.parentId",
    "$.body.parent_id",
    "$.body.detail.causationId",
    "$.body.detail.parentId",
    "$.body.data.causationId",
    "$.body.metadata.causationId",
];

/// W3C `traceparent` headers, tried before plain trace ids.
pub const TRACEPARENT: &[&str] = &[
    "$.attributes.traceparent",
    "$.attributes['ce-traceparent']",
    "$.attributes.ce_traceparent",
    "$.body.traceparent",
    "$.body.detail.traceparent",
    "$.body.data.traceparent",
];

/// Plain trace ids (a traceparent found here is parsed too).
pub const TRACE_ID: &[&str] = &[
    "$.attributes.traceId",
    "$.attributes.trace_id",
    "$.attributes['x-trace-id']",
    "$.attributes['x-b3-traceid']",
    "$.body.traceId",
    "$.body.trace_id",
    "$.body.detail.traceId",
    "$.body.detail.trace_id",
];

/// Payload strings that should hold JSON when the format says so or they
/// start with `{` or `[`.
pub const PAYLOAD: &[&str] = &["$.body.payload", "$.body.detail.payload", "$.body.data"];

/// The payload's declared format (`JSON`).
pub const PAYLOAD_FORMAT: &[&str] = &["$.body.eventDataFormat", "$.body.detail.eventDataFormat"];
