//! The byte-level pre-check behind [`super::Filter::might_match`]: string
//! literals a document must contain for the filter to match, searched for
//! in the raw line before anyone parses it.
//!
//! A literal is *required* when it sits in an `==` comparison against a
//! path, and that comparison is joined to the rest of the predicate by
//! `&&` only (plain parentheses are fine; `||`, `!`, `!=`, `<`, functions
//! and nested filters are not: under them the literal may be absent from a
//! matching document).
//!
//! A required literal is only *searched for* when it survives any JSON
//! serialization byte for byte, and when the path it is compared with reads
//! a field the line holds verbatim; see [`prefilter_safe`] and
//! [`VERBATIM_ROOTS`]. A line that may spell it otherwise (a `\u` escape,
//! a body in base64) is never ruled out (see [`super::Filter::might_match`]).

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter as JpFilter, FilterAtom, Literal, SingularQuery,
    SingularQuerySegment,
};

/// Top-level fields of the capture document whose strings come verbatim
/// from the line an event is read from. Other fields (`meta`, `problems`,
/// `id`, `source`, `body_encoding`...) may be derived when the document is
/// built (e.g. `meta.expired` depends on the clock, `problems` on
/// inspection, `source` on the file name), so their values may be absent
/// from the raw line even when the document matches.
pub(super) const VERBATIM_ROOTS: &[&str] = &["body", "attributes", "key", "system"];

/// The string literals required for a match that are worth searching for,
/// longest first, without duplicates.
pub(super) fn required_literals(filter: &JpFilter) -> Vec<String> {
    let mut literals = Vec::new();
    collect(filter, &mut literals);
    literals.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    literals.dedup();
    literals
}

fn collect(filter: &JpFilter, out: &mut Vec<String>) {
    match filter {
        JpFilter::And(all) => all.iter().for_each(|f| collect(f, out)),
        JpFilter::Atom(FilterAtom::Filter { expr, not: false }) => collect(expr, out),
        JpFilter::Atom(FilterAtom::Comparison(comparison)) => {
            if let Comparison::Eq(left, right) = comparison.as_ref() {
                let literal = match (left, right) {
                    (Comparable::SingularQuery(q), Comparable::Literal(Literal::String(s)))
                    | (Comparable::Literal(Literal::String(s)), Comparable::SingularQuery(q))
                        if reads_verbatim_field(q) =>
                    {
                        Some(s)
                    }
                    _ => None,
                };
                if let Some(s) = literal.filter(|s| prefilter_safe(s)) {
                    out.push(s.clone());
                }
            }
        }
        // `||`, `!`, tests and functions: nothing is required.
        JpFilter::Or(_) | JpFilter::Atom(_) => {}
    }
}

/// Whether a path starts at one of the [`VERBATIM_ROOTS`]. `@` and `$`
/// both denote the capture document in evscope filters.
fn reads_verbatim_field(query: &SingularQuery) -> bool {
    let segments = match query {
        SingularQuery::Current(s) | SingularQuery::Root(s) => s,
    };
    matches!(
        segments.first(),
        Some(SingularQuerySegment::Name(root)) if VERBATIM_ROOTS.contains(&root.as_str())
    )
}

/// Whether `literal` appears byte for byte in the JSON text of any string
/// equal to it, whatever the serializer and however deeply the JSON is
/// nested inside other JSON strings.
///
/// JSON must escape `"`, `\` and control characters; serializers also
/// commonly escape `/` (PHP), `<>&'=` (Gson), `+` and `` ` `` (.NET), and
/// everything non-ASCII (`ensure_ascii`). What is left, and accepted here:
/// ASCII letters and digits, space and `_-.:@#,;!?~*%()[]{}|^$`.
pub(super) fn prefilter_safe(literal: &str) -> bool {
    !literal.is_empty() && literal.bytes().all(safe_byte)
}

/// Whether a byte may be part of a literal [`prefilter_safe`] accepts.
pub(super) fn safe_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" _-.:@#,;!?~*%()[]{}|^$".contains(&b)
}
