//! Which parts of an inspection a reader needs: [`Inspector::inspect_for`]
//! computes only those, through the same code as a full inspection, so the
//! parts it computes are the same as the full inspection's.
//!
//! [`Inspector::inspect_for`]: super::Inspector::inspect_for

use crate::model::Members;

/// A set of inspection parts. [`Needs::ALL`] is a full inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Needs(u16);

impl Needs {
    /// Nothing: an empty inspection.
    pub const NONE: Needs = Needs(0);
    /// `meta.type`.
    pub const TYPE: Needs = Needs(1);
    /// `meta.version`.
    pub const VERSION: Needs = Needs(1 << 1);
    /// `meta.event_id`.
    pub const EVENT_ID: Needs = Needs(1 << 2);
    /// `meta.created_at` and `meta.updated_at` (and their date problems).
    pub const DATES: Needs = Needs(1 << 3);
    /// `meta.expires_at` and `meta.expired` (and the expiry problems);
    /// includes [`Needs::DATES`], the base of relative lifetimes.
    pub const EXPIRY: Needs = Needs(1 << 4 | 1 << 3);
    /// `meta.location` (and its problems).
    pub const LOCATION: Needs = Needs(1 << 5);
    /// `meta.security`.
    pub const SECURITY: Needs = Needs(1 << 6);
    /// `meta.correlation`.
    pub const CORRELATION: Needs = Needs(1 << 7);
    /// `meta.contract` (and the contract problems). With contracts loaded
    /// it brings [`Needs::TYPE`] and [`Needs::VERSION`], which choose the
    /// contract (see [`Needs::widened`]).
    pub const CONTRACT: Needs = Needs(1 << 10);
    /// Every problem: the body and envelope checks, the payload checks, and
    /// the parts that report problems (dates, expiry, location, contract).
    pub const PROBLEMS: Needs = Needs(1 << 10 | 1 << 8 | 1 << 5 | 1 << 4 | 1 << 3);
    /// The secrets and token path masking needs (see
    /// [`crate::secrets`]); includes [`Needs::SECURITY`] and
    /// [`Needs::PROBLEMS`], whose values and messages are masked too.
    pub const SECRETS: Needs = Needs(Needs::PROBLEMS.0 | 1 << 9 | 1 << 6);
    /// Every facet and problem, no secrets: what counting needs (`check`).
    pub const FACETS: Needs = Needs(((1 << 11) - 1) & !(1 << 9));
    /// A full inspection.
    pub const ALL: Needs = Needs((1 << 11) - 1);

    /// The parts these parts are computed from: the contract needs the type
    /// and version when contracts are loaded.
    pub const fn widened(self, contracts: bool) -> Needs {
        if contracts && self.has(Needs::CONTRACT) {
            self.with(Needs::TYPE).with(Needs::VERSION)
        } else {
            self
        }
    }

    /// Both sets.
    pub const fn with(self, other: Needs) -> Needs {
        Needs(self.0 | other.0)
    }

    /// Whether every part of `other` is in this set.
    pub const fn has(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }

    /// The parts a reader of the capture document's `meta` and `problems`
    /// needs, when `text` is all it says of them (a filter expression):
    /// `problems` anywhere needs every problem; each facet of `meta` whose
    /// name appears is needed; `meta` in any other form (`@.meta`,
    /// `@.meta[?…]`, `@.meta.*`, `@..x`), and any read of the whole
    /// document (see [`reads_whole`]), needs every facet. Conservative: a
    /// name inside a string literal counts as a read.
    pub fn of_text(text: &str) -> Needs {
        if reads_whole(text) {
            return Needs::FACETS;
        }
        let mut needs = Needs::NONE;
        if text.contains("problems") {
            needs = needs.with(Needs::PROBLEMS);
        }
        let meta = match MetaRead::of_text(text) {
            MetaRead::Whole => return Needs::FACETS,
            read => read == MetaRead::Members,
        };
        if meta {
            for (name, part) in [
                ("type", Needs::TYPE),
                ("version", Needs::VERSION),
                ("event_id", Needs::EVENT_ID),
                ("created_at", Needs::DATES),
                ("updated_at", Needs::DATES),
                ("expires_at", Needs::EXPIRY),
                ("expired", Needs::EXPIRY),
                ("location", Needs::LOCATION),
                ("security", Needs::SECURITY),
                ("correlation", Needs::CORRELATION),
                ("contract", Needs::CONTRACT),
            ] {
                if text.contains(name) {
                    needs = needs.with(part);
                }
            }
        }
        needs
    }
}

/// How an expression that does not read the whole document (see
/// [`reads_whole`]) reads `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaRead {
    /// `meta` does not appear as a name.
    Not,
    /// Only through members named after it (`@.meta.expired`,
    /// `@.meta['type']`): a member whose name does not appear in the text
    /// is not read.
    Members,
    /// Any other way (`@.meta`, `length(@.meta)`, `@.meta[?…]`).
    Whole,
}

impl MetaRead {
    /// How `text` reads `meta`. Conservative: a name inside a string
    /// literal counts as a read.
    pub fn of_text(text: &str) -> MetaRead {
        let word = name_char;
        let mut read = MetaRead::Not;
        for (at, _) in text.match_indices("meta") {
            let after = &text[at + 4..];
            if text[..at].ends_with(word) || after.starts_with(word) {
                continue; // `metadata`, `x_meta`: another name
            }
            if !(after.starts_with('.') || after.starts_with("['") || after.starts_with("[\"")) {
                return MetaRead::Whole;
            }
            read = MetaRead::Members;
        }
        read
    }
}

/// The top-level body members an expression that is all `text` says of
/// them (a filter) may read: each name written after `body` (`@.body.x`,
/// `@.body['x-y']`); every member when `body` appears in any other form
/// (`@.body`, `@.body[0]`, `length(@.body)`) or the expression may read the
/// whole document (see [`reads_whole`]). Conservative: a name inside a
/// string literal counts as a read.
pub fn body_members_read(text: &str) -> Members {
    if reads_whole(text) {
        return Members::All;
    }
    let word = name_char;
    let mut names = Vec::new();
    for (at, _) in text.match_indices("body") {
        let after = &text[at + 4..];
        if text[..at].ends_with(word) || after.starts_with(word) {
            continue; // `body_encoding`, `nobody`: another name
        }
        let name = if let Some(rest) = after.strip_prefix('.') {
            let end = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
            &rest[..end]
        } else if let Some(quote) = ["['", "[\""].into_iter().find(|q| after.starts_with(q)) {
            let rest = &after[2..];
            let close = &quote[1..];
            match rest.find(close) {
                Some(end) => &rest[..end],
                None => return Members::All,
            }
        } else {
            return Members::All;
        };
        if name.is_empty() {
            return Members::All;
        }
        names.push(name.to_owned());
    }
    Members::only(names)
}

/// Whether `c` may be part of a name written after a dot (RFC 9535's
/// member-name-shorthand): ASCII letters, digits, `_`, and every
/// character outside ASCII (`@.body.prix€`, `@.body.x😀`).
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
}

/// Whether a JSONPath expression may read any member of the document
/// without naming it: a wildcard, a descendant segment, an escape (a name
/// spelled `'\u006d…'`), or `@`/`$` not followed by a name segment
/// (`length(@)`, `@[?…]`). Conservative: text in string literals counts.
pub fn reads_whole(text: &str) -> bool {
    if text.contains(['*', '\\']) || text.contains("..") {
        return true;
    }
    text.match_indices(['@', '$']).any(|(at, _)| {
        let after = &text[at + 1..];
        !(after.starts_with('.') || after.starts_with("['") || after.starts_with("[\""))
    })
}

#[cfg(test)]
mod tests {
    use super::{Needs, body_members_read};
    use crate::model::Members;

    #[test]
    fn a_filter_reads_the_body_members_it_names() {
        assert_eq!(
            body_members_read("@.id == 'x'"),
            Members::only(Vec::<String>::new())
        );
        assert_eq!(
            body_members_read(
                "@.body.eventName == 'A' || @.body['detail-type'] && @.body_encoding"
            ),
            Members::only(["eventName", "detail-type"])
        );
        assert_eq!(
            body_members_read("@.body.payload.to == 'x'"),
            Members::only(["payload"])
        );
        // Names go on through any character outside ASCII, as JSONPath's do.
        assert_eq!(
            body_members_read("@.body.a€ == 'v' && @.body.x😀 == 1 && @.body.e\u{301}.n"),
            Members::only(["a€", "x😀", "e\u{301}"])
        );
        for whole in [
            "@.body",
            "length(@.body) > 1",
            "@.body[0] == 1",
            "@.body.*",
            "@..eventName",
            "@.body[?@.x]",
            "@.body['un",
            "@.body. x",
        ] {
            assert!(body_members_read(whole).is_all(), "{whole}");
        }
    }

    #[test]
    fn a_filter_needs_the_facets_it_names() {
        assert_eq!(Needs::of_text("@.body.x == 1"), Needs::NONE);
        assert_eq!(Needs::of_text("@.body.metadata.type == 1"), Needs::NONE);
        assert_eq!(Needs::of_text("@.meta.expired == true"), Needs::EXPIRY);
        assert_eq!(
            Needs::of_text("@.meta.contract.valid == false"),
            Needs::CONTRACT
        );
        // The contract is chosen by type and version, when there are contracts.
        assert!(
            Needs::CONTRACT
                .widened(true)
                .has(Needs::TYPE.with(Needs::VERSION))
        );
        assert_eq!(Needs::CONTRACT.widened(false), Needs::CONTRACT);
        assert!(Needs::PROBLEMS.has(Needs::CONTRACT));
        assert!(Needs::EXPIRY.has(Needs::DATES));
        assert_eq!(
            Needs::of_text("@.meta['correlation'].correlation_id == 'a'"),
            Needs::CORRELATION
        );
        assert_eq!(
            Needs::of_text("@.problems[?@.kind == 'bad_date']"),
            Needs::PROBLEMS
        );
        for whole in [
            "@.meta",
            "length(@.meta) > 1",
            "@.meta.*",
            "@..expired",
            "@.meta[?@]",
            "length(@) > 3",
            "@['me\\u0074a'].expired",
        ] {
            assert_eq!(Needs::of_text(whole), Needs::FACETS, "{whole}");
        }
        assert!(Needs::ALL.has(Needs::FACETS) && Needs::ALL.has(Needs::SECRETS));
        assert!(!Needs::FACETS.has(Needs::SECRETS));
    }
}
