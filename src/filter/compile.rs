//! The predicate as evaluated: jsonpath-rust's AST, with `&&`, `||`, `!`
//! walked here and `match()`/`search()` on a literal pattern compiled once.
//!
//! jsonpath-rust compiles the regular expression of `match` and `search`
//! on every evaluation (tens of microseconds per event, against well under
//! one for a comparison). A pattern given as a literal is the same for
//! every event, so it is compiled here, at parse time, and applied to the
//! string a path of names and indexes leads to. Other forms (a pattern
//! taken from the document, a subject such as `value(…)`, a call inside a
//! nested filter like `@.items[?match(@.sku, 'A.*')]`) still go through
//! jsonpath-rust.

use std::borrow::Cow;

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter as JpFilter, FilterAtom, FnArg, Literal, Segment, Selector,
    SingularQuery, SingularQuerySegment, Test, TestFunction,
};
use jsonpath_rust::query::Query;
use jsonpath_rust::query::state::State;
use regex::{Regex, RegexBuilder};
use serde_json::Value;

/// The most memory a compiled `match()`/`search()` pattern may take (the
/// `regex` crate's `size_limit`; its default is 10 MiB). Repetition counts
/// multiply: `(.{100}){100}` is 10,000 copies of `.` and is refused. The
/// regex crate matches in time linear in the input, but the factor grows
/// with the compiled size, so this bounds the work per character.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The most of a string `match()`/`search()` look at, in bytes: `search()`
/// finds matches that end within the first 64 KiB of a longer string;
/// `match()` is false on a string longer than this (the whole string could
/// not be compared). With [`REGEX_SIZE_LIMIT`], this bounds the work of one
/// regex on one event whatever the pattern and the event.
pub const REGEX_SUBJECT_LIMIT: usize = 64 * 1024;

/// A node of the evaluated predicate.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Any(Vec<Node>),
    All(Vec<Node>),
    Not(Box<Node>),
    /// A comparison or test jsonpath-rust evaluates.
    Atom(FilterAtom),
    /// `match(path, 'pattern')` or `search(…)` on a path of names and
    /// indexes, possibly negated.
    Regex {
        subject: Vec<Step>,
        regex: Regex,
        search: bool,
        not: bool,
    },
    /// A comparison between literals and paths of names and indexes,
    /// evaluated here with jsonpath-rust's rules (see [`compare`]).
    Compare {
        op: Op,
        lhs: Operand,
        rhs: Operand,
    },
    /// An existence test on a path of names and indexes (`@.meta.location`,
    /// `!@.body.x`): true when the path leads to a node, even `null`.
    Exists {
        steps: Vec<Step>,
        not: bool,
    },
    /// A test of a filter selector at the end of a path of names and
    /// indexes (`@.problems[?@.kind == 'bad_date']`): true when a member
    /// or element of the node the path leads to passes `filter`, which
    /// reads that child only (`@`, never `$`).
    Some {
        steps: Vec<Step>,
        filter: Box<Node>,
        not: bool,
    },
    /// A `match`/`search` whose pattern does not compile: jsonpath-rust
    /// evaluates it to false (true when negated). [`super::Filter::parse`]
    /// reports such patterns; only hand-built predicates keep them.
    Constant(bool),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub(super) enum Operand {
    /// A literal, as the JSON value jsonpath-rust turns it into.
    Value(Value),
    /// A singular query: the node it leads to, or nothing.
    Path(Vec<Step>),
}

impl Operand {
    fn of(comparable: &Comparable) -> Option<Operand> {
        match comparable {
            Comparable::Literal(literal) => Some(Operand::Value(match literal {
                Literal::Int(v) => Value::from(*v),
                Literal::Float(v) => Value::from(*v),
                Literal::String(v) => Value::from(v.as_str()),
                Literal::Bool(v) => Value::from(*v),
                Literal::Null => Value::Null,
            })),
            Comparable::SingularQuery(
                SingularQuery::Current(segments) | SingularQuery::Root(segments),
            ) => Some(Operand::Path(
                segments
                    .iter()
                    .map(|segment| match segment {
                        SingularQuerySegment::Name(name) => Step::Name(name.clone()),
                        SingularQuerySegment::Index(index) => Step::Index(*index),
                    })
                    .collect(),
            )),
            Comparable::Function(_) => None,
        }
    }

    fn get<'a, D: Lookup + ?Sized>(&'a self, doc: &'a D) -> Option<Cow<'a, Value>> {
        match self {
            Operand::Value(value) => Some(Cow::Borrowed(value)),
            Operand::Path(steps) => doc.lookup(steps),
        }
    }
}

/// A comparison of two singular operands, as jsonpath-rust's `Comparison`
/// decides it (RFC 9535 2.3.5.2.2): nothing equals only nothing; numbers
/// compare as `f64` (equal within `f64::EPSILON`), strings by bytes, other
/// values equal when they are the same JSON and are never ordered.
fn compare(op: Op, lhs: Option<&Value>, rhs: Option<&Value>) -> bool {
    fn number(v: &Value) -> Option<f64> {
        v.as_f64().or_else(|| v.as_i64().map(|i| i as f64))
    }
    let eq = || match (lhs, rhs) {
        (Some(a), Some(b)) => match (number(a), number(b)) {
            (Some(x), Some(y)) => (x - y).abs() < f64::EPSILON,
            _ => a == b,
        },
        (None, None) => true,
        _ => false,
    };
    let lt = |a: Option<&Value>, b: Option<&Value>| match (a, b) {
        (Some(a), Some(b)) => match (number(a), number(b), a.as_str(), b.as_str()) {
            (Some(x), Some(y), _, _) => x < y,
            (_, _, Some(x), Some(y)) => x < y,
            _ => false,
        },
        _ => false,
    };
    match op {
        Op::Eq => eq(),
        Op::Ne => !eq(),
        Op::Lt => lt(lhs, rhs),
        Op::Gt => lt(rhs, lhs),
        Op::Le => lt(lhs, rhs) || eq(),
        Op::Ge => lt(rhs, lhs) || eq(),
    }
}

/// The native form of a comparison whose sides are literals or singular
/// queries; `None` for a side that calls a function.
fn native_comparison(comparison: &Comparison) -> Option<Node> {
    let (op, lhs, rhs) = parts(comparison);
    Some(Node::Compare {
        op,
        lhs: Operand::of(lhs)?,
        rhs: Operand::of(rhs)?,
    })
}

/// A comparison's operator and sides.
fn parts(comparison: &Comparison) -> (Op, &Comparable, &Comparable) {
    match comparison {
        Comparison::Eq(l, r) => (Op::Eq, l, r),
        Comparison::Ne(l, r) => (Op::Ne, l, r),
        Comparison::Gt(l, r) => (Op::Gt, l, r),
        Comparison::Gte(l, r) => (Op::Ge, l, r),
        Comparison::Lt(l, r) => (Op::Lt, l, r),
        Comparison::Lte(l, r) => (Op::Le, l, r),
    }
}

/// The [`Node::Some`] of a test that is a path of names and indexes and
/// then one filter selector, when that filter is native and may not read
/// the root (`$`); `None` for any other test.
fn some_test(test: &Test, not: bool, bad: &mut Vec<BadPattern>) -> Option<Node> {
    let segments = match test {
        Test::RelQuery(segments) => segments,
        Test::AbsQuery(query) => &query.segments,
        Test::Function(_) => return None,
    };
    let (Segment::Selector(Selector::Filter(inner)), path) = segments.split_last()? else {
        return None;
    };
    // A path to something: the document itself is not looked up.
    let steps = segment_steps(path).filter(|steps| !steps.is_empty())?;
    if may_read_root(inner) {
        return None;
    }
    let mut inner_bad = Vec::new();
    let filter = compile(inner, &mut inner_bad);
    if !is_native(&filter) {
        return None;
    }
    bad.append(&mut inner_bad);
    Some(Node::Some {
        steps,
        filter: Box::new(filter),
        not,
    })
}

/// Whether a filter may read the root (`$`) rather than only the node it
/// is applied to (`@`). Conservative: any function but `match`/`search`
/// of a relative path and a literal pattern counts.
fn may_read_root(filter: &JpFilter) -> bool {
    let relative = |c: &Comparable| {
        matches!(
            c,
            Comparable::Literal(_) | Comparable::SingularQuery(SingularQuery::Current(_))
        )
    };
    match filter {
        JpFilter::Or(filters) | JpFilter::And(filters) => filters.iter().any(may_read_root),
        JpFilter::Atom(FilterAtom::Filter { expr, .. }) => may_read_root(expr),
        JpFilter::Atom(FilterAtom::Test { expr, .. }) => match expr.as_ref() {
            Test::RelQuery(_) => false,
            Test::AbsQuery(_) => true,
            Test::Function(function) => !matches!(
                function.as_ref(),
                TestFunction::Match(FnArg::Test(subject), FnArg::Literal(_))
                    | TestFunction::Search(FnArg::Test(subject), FnArg::Literal(_))
                    if matches!(subject.as_ref(), Test::RelQuery(_))
            ),
        },
        JpFilter::Atom(FilterAtom::Comparison(comparison)) => {
            let (_, lhs, rhs) = parts(comparison);
            !(relative(lhs) && relative(rhs))
        }
    }
}

/// The steps of a query made of single name and index selectors.
fn segment_steps(segments: &[Segment]) -> Option<Vec<Step>> {
    segments
        .iter()
        .map(|segment| match segment {
            Segment::Selector(Selector::Name(name)) => Some(Step::Name(name.clone())),
            Segment::Selector(Selector::Index(index)) => Some(Step::Index(*index)),
            _ => None,
        })
        .collect()
}

/// One step of a path of names and indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A member name.
    Name(String),
    /// An array index; negative counts from the end.
    Index(i64),
}

/// What a filter is evaluated against: the capture document as a JSON
/// value, or anything that answers paths of names and indexes exactly as
/// that document would, without being built (see
/// [`super::Filter::matches_lookup`]).
pub trait Lookup {
    /// The node `steps` lead to from the document's root, if any.
    fn lookup(&self, steps: &[Step]) -> Option<Cow<'_, Value>>;

    /// The whole document, for the parts of a predicate only jsonpath-rust
    /// evaluates; `None` when it is not at hand.
    fn whole(&self) -> Option<&Value> {
        None
    }
}

impl Lookup for Value {
    fn lookup(&self, steps: &[Step]) -> Option<Cow<'_, Value>> {
        resolve(self, steps).map(Cow::Borrowed)
    }

    fn whole(&self) -> Option<&Value> {
        Some(self)
    }
}

/// The steps of `@.a.b[0]` (or `$.a.b[0]`: both are the document), or
/// `None` for anything that can select several nodes or is not a path.
fn path_steps(arg: &FnArg) -> Option<Vec<Step>> {
    match arg {
        FnArg::Test(test) => test_steps(test),
        FnArg::Literal(_) | FnArg::Filter(_) => None,
    }
}

/// The steps of a query test of names and indexes.
fn test_steps(test: &Test) -> Option<Vec<Step>> {
    match test {
        Test::RelQuery(segments) => segment_steps(segments),
        Test::AbsQuery(query) => segment_steps(&query.segments),
        Test::Function(_) => None,
    }
}

/// The node a path of names and indexes leads to; negative indexes count
/// from the end, as in RFC 9535.
pub fn resolve<'a>(doc: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(doc, |node, step| match step {
        Step::Name(name) => node.as_object()?.get(name),
        Step::Index(index) => {
            let items = node.as_array()?;
            let at = if *index < 0 {
                items
                    .len()
                    .checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
            } else {
                usize::try_from(*index).ok()?
            };
            items.get(at)
        }
    })
}

/// A literal pattern that does not compile: the pattern and why.
#[derive(Debug, Clone)]
pub(super) struct BadPattern {
    pub pattern: String,
    pub reason: String,
}

/// Compiles `filter`, collecting literal patterns that do not compile,
/// including those inside nested filters (which stay with jsonpath-rust
/// but would never match).
pub(super) fn compile(filter: &JpFilter, bad: &mut Vec<BadPattern>) -> Node {
    match filter {
        JpFilter::Or(any) => Node::Any(any.iter().map(|f| compile(f, bad)).collect()),
        JpFilter::And(all) => Node::All(all.iter().map(|f| compile(f, bad)).collect()),
        JpFilter::Atom(FilterAtom::Filter { expr, not }) => {
            let inner = compile(expr, bad);
            if *not {
                Node::Not(Box::new(inner))
            } else {
                inner
            }
        }
        JpFilter::Atom(atom @ FilterAtom::Test { expr, not }) => {
            if let Test::Function(function) = expr.as_ref() {
                let literal = match function.as_ref() {
                    TestFunction::Match(subject, FnArg::Literal(Literal::String(p))) => {
                        Some((subject, p, false))
                    }
                    TestFunction::Search(subject, FnArg::Literal(Literal::String(p))) => {
                        Some((subject, p, true))
                    }
                    _ => None,
                };
                if let Some((subject, pattern, search)) = literal {
                    return match compile_pattern(pattern, search) {
                        Ok(regex) => match path_steps(subject) {
                            Some(subject) => Node::Regex {
                                subject,
                                regex,
                                search,
                                not: *not,
                            },
                            // Not a plain path: jsonpath-rust evaluates it.
                            None => Node::Atom(atom.clone()),
                        },
                        Err(reason) => {
                            bad.push(BadPattern {
                                pattern: pattern.clone(),
                                reason,
                            });
                            Node::Constant(*not)
                        }
                    };
                }
            }
            if let Some(steps) = test_steps(expr) {
                return Node::Exists { steps, not: *not };
            }
            if let Some(some) = some_test(expr, *not, bad) {
                return some;
            }
            check_nested(expr, bad);
            Node::Atom(atom.clone())
        }
        JpFilter::Atom(atom @ FilterAtom::Comparison(comparison)) => {
            native_comparison(comparison).unwrap_or_else(|| Node::Atom(atom.clone()))
        }
    }
}

/// Collects bad literal patterns inside the nested filters of a test.
fn check_nested(test: &Test, bad: &mut Vec<BadPattern>) {
    let segments = match test {
        Test::RelQuery(segments) => segments,
        Test::AbsQuery(query) => &query.segments,
        Test::Function(_) => return,
    };
    for segment in segments {
        let selectors: &[Selector] = match segment {
            Segment::Selector(selector) => std::slice::from_ref(selector),
            Segment::Selectors(selectors) => selectors,
            Segment::Descendant(inner) => match inner.as_ref() {
                Segment::Selector(selector) => std::slice::from_ref(selector),
                Segment::Selectors(selectors) => selectors,
                Segment::Descendant(_) => &[],
            },
        };
        for selector in selectors {
            if let Selector::Filter(filter) = selector {
                compile(filter, bad);
            }
        }
    }
}

/// The `regex` crate form of an RFC 9485 I-Regexp: `.` outside a class
/// excludes `\r` as well as `\n`, and `match()` anchors the whole pattern
/// (so `a|b` does not match `ab`). The same translation jsonpath-rust
/// applies, so both evaluation paths agree.
fn compile_pattern(pattern: &str, search: bool) -> Result<Regex, String> {
    let mut translated = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                translated.push('\\');
                if let Some(escaped) = chars.next() {
                    translated.push(escaped);
                }
            }
            '[' if !in_class => {
                in_class = true;
                translated.push('[');
            }
            ']' if in_class => {
                in_class = false;
                translated.push(']');
            }
            '.' if !in_class => translated.push_str("[^\\n\\r]"),
            c => translated.push(c),
        }
    }
    if !search {
        translated = format!("^(?:{translated})$");
    }
    RegexBuilder::new(&translated)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => format!(
                "pattern too large: it compiles to more than {} KiB (repetitions multiply, e.g. `(.{{100}}){{100}}` is 10000 copies of `.`); use fewer or smaller repetitions",
                REGEX_SIZE_LIMIT / 1024
            ),
            e => {
                // The crate's message spans several lines; keep the last.
                let text = e.to_string();
                let last = text.lines().last().unwrap_or("").trim();
                last.strip_prefix("error: ").unwrap_or(last).to_string()
            }
        })
}

/// Whether `regex` (compiled by [`compile_pattern`]) holds for `text`,
/// looking at no more than [`REGEX_SUBJECT_LIMIT`] bytes of it.
fn bounded_match(regex: &Regex, text: &str, search: bool) -> bool {
    if text.len() <= REGEX_SUBJECT_LIMIT {
        return regex.is_match(text);
    }
    if !search {
        return false;
    }
    let mut end = REGEX_SUBJECT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    regex.is_match(&text[..end])
}

/// Evaluates with `@` and `$` bound to `doc`; `None` when a part only
/// jsonpath-rust evaluates meets a document that is not a JSON value.
pub(super) fn evaluate<D: Lookup + ?Sized>(node: &Node, doc: &D) -> Option<bool> {
    Some(match node {
        Node::Any(any) => {
            for n in any {
                if evaluate(n, doc)? {
                    return Some(true);
                }
            }
            false
        }
        Node::All(all) => {
            for n in all {
                if !evaluate(n, doc)? {
                    return Some(false);
                }
            }
            true
        }
        Node::Not(inner) => !evaluate(inner, doc)?,
        Node::Atom(atom) => atom
            .process(State::root(doc.whole()?))
            .ok_val()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Node::Regex {
            subject,
            regex,
            search,
            not,
        } => {
            let found = doc.lookup(subject);
            let text = found.as_deref().and_then(Value::as_str);
            text.is_some_and(|t| bounded_match(regex, t, *search)) != *not
        }
        Node::Compare { op, lhs, rhs } => {
            compare(*op, lhs.get(doc).as_deref(), rhs.get(doc).as_deref())
        }
        Node::Exists { steps, not } => doc.lookup(steps).is_some() != *not,
        Node::Some { steps, filter, not } => {
            let node = doc.lookup(steps);
            // The filter is native: it answers on any value.
            let passes = |child: &Value| evaluate(filter, child) == Some(true);
            let any = match node.as_deref() {
                Some(Value::Array(items)) => items.iter().any(passes),
                Some(Value::Object(members)) => members.values().any(passes),
                _ => false,
            };
            any != *not
        }
        Node::Constant(value) => *value,
    })
}

/// Whether `node` can be evaluated without the whole document (no part of
/// it is left to jsonpath-rust).
pub(super) fn is_native(node: &Node) -> bool {
    match node {
        Node::Any(nodes) | Node::All(nodes) => nodes.iter().all(is_native),
        Node::Not(inner) => is_native(inner),
        Node::Atom(_) => false,
        _ => true,
    }
}
