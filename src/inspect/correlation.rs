//! The correlation facet: correlation id, causation (or parent) id, trace id.
//!
//! The trace id comes from the first valid W3C `traceparent`
//! (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`), else from the
//! first trace id field; a trace id field holding a traceparent is parsed too.

use super::mappings::Compiled;
use super::path::Scope;
use super::{first_text, text};
use crate::model::Correlation;

/// The correlation facet (empty when the event names no ids).
pub(crate) fn correlation(scope: &mut Scope<'_>, m: &Compiled) -> Correlation {
    let trace_id = m
        .traceparent
        .iter()
        .find_map(|p| text(scope, p).and_then(|t| traceparent_trace_id(&t)))
        .or_else(|| first_text(scope, &m.trace_id).map(|t| traceparent_trace_id(&t).unwrap_or(t)));
    Correlation {
        correlation_id: first_text(scope, &m.correlation_id),
        causation_id: first_text(scope, &m.causation_id),
        trace_id,
    }
}

/// The trace id of a W3C traceparent, lowercased; `None` when `value` is not
/// a valid traceparent (wrong shape, version `ff`, all-zero ids).
pub fn traceparent_trace_id(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let version = parts.next()?;
    let trace_id = parts.next()?;
    let parent_id = parts.next()?;
    let flags = parts.next()?;
    let more = parts.next().is_some();
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    let valid = hex(version, 2)
        && !version.eq_ignore_ascii_case("ff")
        // Version 00 has exactly four fields; later versions may append more.
        && !(version == "00" && more)
        && hex(trace_id, 32)
        && nonzero(trace_id)
        && hex(parent_id, 16)
        && nonzero(parent_id)
        && hex(flags, 2);
    valid.then(|| trace_id.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_traceparent() {
        assert_eq!(
            traceparent_trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            Some("4bf92f3577b34da6a3ce929d0e0e4736".into())
        );
        assert_eq!(
            traceparent_trace_id(" 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-00 "),
            Some("4bf92f3577b34da6a3ce929d0e0e4736".into())
        );
        // A later version may carry more fields.
        assert_eq!(
            traceparent_trace_id("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"),
            Some("4bf92f3577b34da6a3ce929d0e0e4736".into())
        );
    }

    #[test]
    fn rejects_bad_traceparents() {
        for bad in [
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        ] {
            assert_eq!(traceparent_trace_id(bad), None, "{bad}");
        }
    }
}
