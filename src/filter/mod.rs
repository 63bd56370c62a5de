//! The one filter language of evscope, shared by the TUI filter bar and the
//! CLI `--filter` option: an RFC 9535 JSONPath filter evaluated against an
//! event's capture document.
//!
//! # What a filter looks like
//!
//! - `$[?@.body.eventName == 'SEND_EMAIL' && @.meta.expired == true]`: the
//!   RFC 9535 form. An event matches when the filter selects its document,
//!   as if the query ran on `[document]`.
//! - `@.body.eventName == 'SEND_EMAIL'`: the bare predicate, read as
//!   `$[?…]`. Anything the filter grammar allows works: `==`, `!=`, `<`,
//!   `<=`, `>`, `>=`, `&&`, `||`, `!`, parentheses, existence tests
//!   (`@.meta.location`), nested filters (`@.problems[?@.kind == 'bad_date']`)
//!   and the functions `length`, `count`, `value`, `match` and `search`.
//! - an empty (or blank) expression matches every event.
//!
//! Strings take single or double quotes. Inside a filter, `@` and `$` both
//! denote the capture document, so `$.body.x == 'a'` is a predicate too;
//! a query that selects values instead of testing them (`$.body.x`) is an
//! error that says so.
//!
//! # Presets
//!
//! [`Filter::preset_expired`], [`Filter::preset_malformed`],
//! [`Filter::preset_has_correlation`] and [`Filter::preset_same_type`]
//! return ready [`Filter`]s (they cannot fail); their
//! [`Filter::expression`] is the equivalent text, which the TUI can show
//! in the filter bar for the user to edit. [`string_literal`] quotes any
//! text for building such expressions.
//!
//! # Cost
//!
//! [`Filter::parse`] runs the JSONPath parser once, and compiles the
//! regular expressions of `match()`/`search()` calls on a path once;
//! [`Filter::matches`] only evaluates the parsed predicate, without
//! cloning the document.
//! [`Filter::might_match`] rejects raw lines that cannot match before
//! anyone parses them as JSON.
//!
//! Regular expressions are bounded: a `match()`/`search()` pattern may
//! compile to at most [`REGEX_SIZE_LIMIT`] (a larger one is a filter
//! error), and only the first [`REGEX_SUBJECT_LIMIT`] bytes of a string are
//! matched, so one event costs bounded time whatever the pattern. Patterns
//! that are not literals (taken from the document) and patterns inside a
//! nested filter are evaluated by jsonpath-rust without the subject bound.

mod compile;
mod diagnose;
mod error;
mod prefilter;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, LazyLock};

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter as JpFilter, FilterAtom, JpQuery, Literal, Segment, Selector,
    SingularQuery, SingularQuerySegment, Test, TestFunction,
};
use jsonpath_rust::parser::parse_json_path;
use memchr::memmem::Finder;
use serde_json::Value;

pub use compile::{Lookup, REGEX_SIZE_LIMIT, REGEX_SUBJECT_LIMIT, Step, resolve};
pub use error::{FilterError, FilterErrorKind};

use diagnose::{Issue, Token};

/// The longest expression accepted, in bytes. Filters are typed by people;
/// the limit only keeps pathological input away from the parser.
pub const MAX_EXPRESSION_BYTES: usize = 64 * 1024;

/// A parsed filter, ready to test events. Cheap to clone (the parsed
/// predicate is shared) and usable from any thread.
#[derive(Clone)]
pub struct Filter {
    expression: String,
    /// `None` matches everything.
    predicate: Option<Arc<Predicate>>,
    /// Literals every matching line contains (see [`Filter::might_match`]).
    literals: Arc<[String]>,
    finders: Arc<[Finder<'static>]>,
}

/// A parsed predicate: jsonpath-rust's AST (what the prefilter and the
/// tests look at) and the form [`Filter::matches`] evaluates.
struct Predicate {
    ast: JpFilter,
    node: compile::Node,
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter")
            .field("expression", &self.expression)
            .field(
                "predicate",
                &self.predicate.as_ref().map(|p| p.ast.to_string()),
            )
            .field("prefilter_literals", &self.literals)
            .finish()
    }
}

impl std::str::FromStr for Filter {
    type Err = FilterError;

    /// Same as [`Filter::parse`], for `clap` value parsers and `.parse()`.
    fn from_str(expr: &str) -> Result<Filter, FilterError> {
        Filter::parse(expr)
    }
}

impl Default for Filter {
    /// The filter that matches every event.
    fn default() -> Self {
        Filter::from_predicate(String::new(), None)
    }
}

impl Filter {
    /// Parses a filter expression: `$[?…]`, a bare predicate such as
    /// `@.body.x == 'a'`, or a blank string (matches everything).
    ///
    /// # Errors
    ///
    /// A [`FilterError`] saying what is wrong and at which column of `expr`:
    /// a syntax error (with a hint for common mistakes such as `=` or
    /// `and`), a query that is not a filter, or an expression too long or
    /// too deeply nested.
    pub fn parse(expr: &str) -> Result<Filter, FilterError> {
        let trimmed = expr.trim();
        if trimmed.is_empty() {
            return Ok(Filter::from_predicate(expr.to_string(), None));
        }
        if expr.len() > MAX_EXPRESSION_BYTES {
            return Err(FilterError::new(
                FilterErrorKind::TooComplex,
                expr,
                None,
                "filter too long",
                Some(format!(
                    "{} bytes; at most {MAX_EXPRESSION_BYTES}",
                    expr.len()
                )),
            ));
        }
        let lead_bytes = expr.len() - expr.trim_start().len();
        let lead = expr[..lead_bytes].chars().count();
        let end = lead + trimmed.chars().count();
        let tokens = diagnose::tokenize(trimmed, lead);
        let fail =
            |issue: Issue| FilterError::new(issue.kind, expr, issue.pos, issue.what, issue.hint);
        if let Some(issue) = diagnose::check_structure(&tokens, end) {
            return Err(fail(issue));
        }

        // Char offset in `expr` of byte `byte` of `trimmed`.
        let user_pos = |byte: usize| {
            lead + trimmed
                .get(..byte.min(trimmed.len()))
                .map_or(trimmed.chars().count(), |s| s.chars().count())
        };
        let wrapped = format!("$[?{trimmed}]");
        let from_wrapped = |byte: usize| user_pos(byte.saturating_sub(3));
        let parse_error = |error: &jsonpath_rust::parser::errors::JsonPathError,
                           to_user: &dyn Fn(usize) -> usize| {
            if let Some(issue) = diagnose::common_mistake(&tokens) {
                return fail(issue);
            }
            fail(match error {
                jsonpath_rust::parser::errors::JsonPathError::PestError(pest) => {
                    diagnose::from_pest(pest, to_user, &tokens, end)
                }
                other => diagnose::from_library(other, &tokens),
            })
        };

        let predicate = if trimmed.starts_with('$') {
            match parse_json_path(trimmed) {
                Ok(query) => match query_filter(query, true) {
                    Some(predicate) => predicate,
                    None => return Err(fail(not_a_filter(trimmed, lead))),
                },
                Err(query_error) => {
                    // `$.body.x == 'a'`: a predicate whose path starts at `$`.
                    let as_predicate = (!trimmed.starts_with("$["))
                        .then(|| parse_json_path(&wrapped).ok())
                        .flatten()
                        .and_then(|query| query_filter(query, false));
                    match as_predicate {
                        Some(predicate) => predicate,
                        None => return Err(parse_error(&query_error, &user_pos)),
                    }
                }
            }
        } else {
            match parse_json_path(&wrapped) {
                Ok(query) => match query_filter(query, false) {
                    Some(predicate) => predicate,
                    None => return Err(fail(top_level_comma(&tokens))),
                },
                Err(error) => return Err(parse_error(&error, &from_wrapped)),
            }
        };
        if let Some(issue) = misused_function(&predicate, &tokens) {
            return Err(fail(issue));
        }
        let (filter, bad_patterns) = Filter::compile(expr.to_string(), Some(predicate));
        match bad_patterns.first() {
            Some(bad) => Err(fail(bad_pattern(bad, &tokens))),
            None => Ok(filter),
        }
    }

    /// A filter from a predicate known to be valid (presets, blank).
    fn from_predicate(expression: String, predicate: Option<JpFilter>) -> Filter {
        Filter::compile(expression, predicate).0
    }

    /// The filter, and the literal `match`/`search` patterns in it that do
    /// not compile.
    fn compile(
        expression: String,
        predicate: Option<JpFilter>,
    ) -> (Filter, Vec<compile::BadPattern>) {
        let literals: Vec<String> = predicate
            .as_ref()
            .map(prefilter::required_literals)
            .unwrap_or_default();
        let mut bad_patterns = Vec::new();
        let predicate = predicate.map(|ast| {
            let node = compile::compile(&ast, &mut bad_patterns);
            Arc::new(Predicate { ast, node })
        });
        let finders = literals
            .iter()
            .map(|l| Finder::new(l.as_bytes()).into_owned())
            .collect();
        let filter = Filter {
            expression,
            predicate,
            literals: literals.into(),
            finders,
        };
        (filter, bad_patterns)
    }

    /// The expression exactly as the user typed it (blank for match-all).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// Whether the filter matches every event (a blank expression).
    pub fn is_match_all(&self) -> bool {
        self.predicate.is_none()
    }

    /// Whether the event whose capture document is `doc` passes the filter.
    ///
    /// Evaluates the parsed predicate with `@` (and `$`) bound to `doc`: the
    /// same result as running `$[?…]` on `[doc]`, without building that
    /// array. Never panics; a comparison between mismatched types is false.
    pub fn matches(&self, doc: &Value) -> bool {
        match &self.predicate {
            None => true,
            Some(predicate) => compile::evaluate(&predicate.node, doc).unwrap_or(false),
        }
    }

    /// [`Filter::matches`] on a document that answers the filter's paths
    /// (see [`Lookup`]) instead of being built: `None` when the filter has
    /// a part only a whole document evaluates (see [`Filter::is_native`]).
    pub fn matches_lookup<D: Lookup + ?Sized>(&self, doc: &D) -> Option<bool> {
        match &self.predicate {
            None => Some(true),
            Some(predicate) => compile::evaluate(&predicate.node, doc),
        }
    }

    /// Whether the filter is evaluated by paths of names and indexes alone
    /// (comparisons, existence tests, `match`/`search` on a path), so that
    /// [`Filter::matches_lookup`] always answers.
    pub fn is_native(&self) -> bool {
        self.predicate
            .as_ref()
            .is_none_or(|p| compile::is_native(&p.node))
    }

    /// Cheap pre-check on the raw bytes of a capture line or JSON line:
    /// false only when the line cannot match, because a string literal the
    /// predicate requires is absent from the bytes. True otherwise, so a
    /// `true` still needs [`Filter::matches`].
    ///
    /// Sound for any capture line or JSON line: a line that may hold a
    /// required literal in a form other than its own bytes is never ruled
    /// out. JSON may spell any character as a `\u` escape, and a capture
    /// line may carry its body in base64: a line where an ASCII character
    /// is escaped so or `base64` appears is left to [`Filter::matches`].
    ///
    /// Literals are only searched for when they are required (in an `==`
    /// joined by `&&` to the rest), compare with one of those verbatim
    /// fields, and hold only characters no JSON serializer escapes (ASCII
    /// letters, digits, space, `_-.:@#,;!?~*%()[]{}|^$`).
    pub fn might_match(&self, line: &[u8]) -> bool {
        static ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u00"));
        static BASE64: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"base64"));
        // Literals hold only the characters `prefilter_safe` lets through,
        // all ASCII: only a `\u00XX` escape of one of those may spell one.
        let escapes_literal_char = || {
            ESCAPE.find_iter(line).any(|at| {
                line.get(at + 4..at + 6)
                    .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok())
                    .is_some_and(prefilter::safe_byte)
            })
        };
        self.finders.iter().all(|f| f.find(line).is_some())
            || BASE64.find(line).is_some()
            || escapes_literal_char()
    }

    /// Whether the filter may read fields evscope derives by inspection
    /// (`meta`, `problems`). When it cannot, inspection can wait until an
    /// event matched. Conservative: any mention of those names, and any
    /// wildcard or descendant segment, counts as reading them.
    pub fn reads_derived_fields(&self) -> bool {
        let text = self.expression();
        self.predicate.is_some()
            && (text.contains("meta")
                || text.contains("problems")
                || text.contains('*')
                || text.contains(".."))
    }

    /// The literals [`Filter::might_match`] searches for, longest first.
    pub fn prefilter_literals(&self) -> &[String] {
        &self.literals
    }

    /// Events whose expiration facet says they have expired:
    /// `@.meta.expired == true`.
    pub fn preset_expired() -> Filter {
        let predicate = atom_comparison(Comparison::Eq(
            current(&["meta", "expired"]),
            Comparable::Literal(Literal::Bool(true)),
        ));
        Filter::from_predicate("@.meta.expired == true".into(), Some(predicate))
    }

    /// Malformed events: any problem whose kind is not `expired`,
    /// `@.problems[?@.kind != 'expired']` (an RFC 9535 existence test on
    /// the nested filter's result).
    pub fn preset_malformed() -> Filter {
        let not_expired = atom_comparison(Comparison::Ne(
            current(&["kind"]),
            Comparable::Literal(Literal::String("expired".into())),
        ));
        let predicate = JpFilter::Atom(FilterAtom::test(
            Test::RelQuery(vec![
                Segment::name("problems"),
                Segment::Selector(Selector::Filter(not_expired)),
            ]),
            false,
        ));
        Filter::from_predicate("@.problems[?@.kind != 'expired']".into(), Some(predicate))
    }

    /// Events that carry any correlation id (correlation, causation or
    /// trace id): `@.meta.correlation[?@ != null]`.
    pub fn preset_has_correlation() -> Filter {
        let set = atom_comparison(Comparison::Ne(
            Comparable::SingularQuery(SingularQuery::Current(vec![])),
            Comparable::Literal(Literal::Null),
        ));
        let predicate = JpFilter::Atom(FilterAtom::test(
            Test::RelQuery(vec![
                Segment::name("meta"),
                Segment::name("correlation"),
                Segment::Selector(Selector::Filter(set)),
            ]),
            false,
        ));
        Filter::from_predicate("@.meta.correlation[?@ != null]".into(), Some(predicate))
    }

    /// Events of the given type: `@.meta.type == '<type_name>'`, the name
    /// quoted with [`string_literal`] so any text (quotes, backslashes,
    /// control characters) is matched exactly. Never fails, whatever the
    /// name; the expression re-parses to the same filter.
    pub fn preset_same_type(type_name: &str) -> Filter {
        let predicate = atom_comparison(Comparison::Eq(
            current(&["meta", "type"]),
            Comparable::Literal(Literal::String(type_name.to_string())),
        ));
        Filter::from_predicate(
            format!("@.meta.type == {}", string_literal(type_name)),
            Some(predicate),
        )
    }
}

/// Why the JSONPath query `path` (a `[mappings]` path, not a filter) does
/// not parse, said the way filter errors are: what is wrong, the 1-based
/// column in `path` as written, and what was expected
/// (``unexpected `]` at column 9: expected a field name``). `None` when it
/// parses.
pub fn query_error(path: &str) -> Option<FilterError> {
    let trimmed = path.trim();
    let error = parse_json_path(trimmed).err()?;
    let lead_bytes = path.len() - path.trim_start().len();
    let lead = path[..lead_bytes].chars().count();
    let end = lead + trimmed.chars().count();
    let tokens = diagnose::tokenize(trimmed, lead);
    let user_pos = |byte: usize| {
        lead + trimmed
            .get(..byte.min(trimmed.len()))
            .map_or(trimmed.chars().count(), |s| s.chars().count())
    };
    let issue = match &error {
        jsonpath_rust::parser::errors::JsonPathError::PestError(pest) => {
            diagnose::from_pest(pest, user_pos, &tokens, end)
        }
        other => diagnose::from_library(other, &tokens),
    };
    let what = issue.what.replace("end of filter", "end of path");
    Some(FilterError::new(
        issue.kind, path, issue.pos, what, issue.hint,
    ))
}

/// `text` as a single-quoted JSONPath string literal, for building filter
/// expressions from data: `'` and `\` are escaped, control characters
/// written as `\n`, `\t`, `\u001b`...; everything else is kept as is.
pub fn string_literal(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        match c {
            '\'' => quoted.push_str("\\'"),
            '\\' => quoted.push_str("\\\\"),
            '\u{8}' => quoted.push_str("\\b"),
            '\u{c}' => quoted.push_str("\\f"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c < ' ' => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

fn current(path: &[&str]) -> Comparable {
    Comparable::SingularQuery(SingularQuery::Current(
        path.iter()
            .map(|name| SingularQuerySegment::Name(name.to_string()))
            .collect(),
    ))
}

fn atom_comparison(comparison: Comparison) -> JpFilter {
    JpFilter::Atom(FilterAtom::cmp(Box::new(comparison)))
}

/// The predicate of a `$[?…]` query, or `None` when the query is anything
/// else. With `allow_union`, `$[?a, ?b]` is read as `a || b` (the query
/// selects the document when either does); a bare predicate has no
/// business producing a union.
fn query_filter(query: JpQuery, allow_union: bool) -> Option<JpFilter> {
    let mut segments = query.segments;
    if segments.len() != 1 {
        return None;
    }
    match segments.pop()? {
        Segment::Selector(Selector::Filter(filter)) => Some(filter),
        Segment::Selectors(selectors) if allow_union => {
            let filters = selectors
                .into_iter()
                .map(|s| match s {
                    Selector::Filter(f) => Some(f),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(JpFilter::Or(filters))
        }
        _ => None,
    }
}

/// The error for a valid query that is not a filter, e.g. `$.body.x`.
fn not_a_filter(query: &str, lead: usize) -> Issue {
    let shown = error::shorten(query, 40);
    let suggestion = query
        .strip_prefix('$')
        .filter(|rest| !rest.is_empty() && !rest.contains("[?"))
        .map(|rest| format!(" (did you mean @{}?)", error::shorten(rest, 40)))
        .unwrap_or_default();
    Issue {
        kind: FilterErrorKind::NotAFilter,
        pos: Some(lead),
        what: format!("expected a filter but found the query `{shown}`"),
        hint: Some(format!(
            "a filter must be `$[?…]` or a predicate starting with `@`{suggestion}"
        )),
    }
}

/// The error for a `match`/`search` pattern that does not compile.
fn bad_pattern(bad: &compile::BadPattern, tokens: &[Token<'_>]) -> Issue {
    let quoted = [string_literal(&bad.pattern), format!("{:?}", bad.pattern)];
    let pos = tokens
        .iter()
        .find(|t| quoted.iter().any(|q| q == t.text))
        .map(|t| t.pos);
    Issue {
        kind: FilterErrorKind::Invalid,
        pos,
        what: "invalid regular expression".into(),
        hint: Some(bad.reason.clone()),
    }
}

/// The error for `@.a == 1, @.b == 2`: a comma outside any bracket.
fn top_level_comma(tokens: &[Token<'_>]) -> Issue {
    let mut depth = 0i32;
    let mut comma = None;
    for token in tokens {
        match token.text {
            "(" | "[" | "[?" => depth += 1,
            ")" | "]" => depth -= 1,
            "," if depth == 0 => {
                comma = Some(token.pos);
                break;
            }
            _ => {}
        }
    }
    Issue {
        kind: FilterErrorKind::Syntax,
        pos: comma,
        what: "unexpected `,`".into(),
        hint: Some("use && or || to combine conditions".into()),
    }
}

/// A function that returns a number or a value (`length`, `count`,
/// `value`) used as a condition on its own: the grammar allows it, RFC 9535
/// does not, and it would silently never match.
fn misused_function(filter: &JpFilter, tokens: &[Token<'_>]) -> Option<Issue> {
    let name = non_boolean_test(filter)?;
    let pos = tokens
        .windows(2)
        .find(|w| w[0].text == name && w[1].text == "(")
        .map(|w| w[0].pos);
    Some(Issue {
        kind: FilterErrorKind::Invalid,
        pos,
        what: format!("{name}() is not a condition"),
        hint: Some(format!(
            "it returns a value: compare it, e.g. {name}(@.body.items) > 0"
        )),
    })
}

fn non_boolean_test(filter: &JpFilter) -> Option<&'static str> {
    match filter {
        JpFilter::Or(all) | JpFilter::And(all) => all.iter().find_map(non_boolean_test),
        JpFilter::Atom(FilterAtom::Filter { expr, .. }) => non_boolean_test(expr),
        JpFilter::Atom(FilterAtom::Test { expr, .. }) => match expr.as_ref() {
            Test::Function(function) => match function.as_ref() {
                TestFunction::Length(_) => Some("length"),
                TestFunction::Count(_) => Some("count"),
                TestFunction::Value(_) => Some("value"),
                _ => None,
            },
            Test::RelQuery(segments) => segments.iter().find_map(segment_filters),
            Test::AbsQuery(query) => query.segments.iter().find_map(segment_filters),
        },
        JpFilter::Atom(FilterAtom::Comparison(_)) => None,
    }
}

fn segment_filters(segment: &Segment) -> Option<&'static str> {
    match segment {
        Segment::Descendant(inner) => segment_filters(inner),
        Segment::Selector(Selector::Filter(f)) => non_boolean_test(f),
        Segment::Selectors(selectors) => selectors.iter().find_map(|s| match s {
            Selector::Filter(f) => non_boolean_test(f),
            _ => None,
        }),
        Segment::Selector(_) => None,
    }
}
