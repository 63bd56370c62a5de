//! Turning a bad expression into a sentence a person can act on.
//!
//! Three layers, all working on a light tokenization of the user's text:
//! - [`check_structure`] runs *before* the JSONPath parser and rejects what
//!   is certainly wrong (unterminated strings, unbalanced brackets) or
//!   dangerous (nesting that would make the recursive parser slow or deep);
//! - [`common_mistake`] runs after a parse failure and recognizes habits from
//!   other languages (`=`, `and`, `<>`, unquoted names, unknown functions);
//! - [`from_pest`] and [`from_library`] translate the parser's own error when
//!   no common mistake explains it.
//!
//! All positions are char offsets into the expression as the user typed it.

use jsonpath_rust::parser::Rule;
use jsonpath_rust::parser::errors::JsonPathError;
use pest::error::{ErrorVariant, InputLocation};

use super::error::{FilterErrorKind, shorten};

/// Deepest nesting of `(` and `[` accepted. The JSONPath parser and the AST
/// it builds are recursive; this keeps both far from any stack limit.
pub(super) const MAX_NESTING: usize = 32;

/// Deepest nesting of function calls accepted. A failing parse backtracks
/// through every way a function argument can be read, about three per
/// level, so the parse time of a broken expression grows as 3^depth; five
/// levels keep the worst case in the milliseconds.
pub(super) const MAX_FUNCTION_NESTING: usize = 5;

/// The functions the JSONPath grammar knows (RFC 9535 plus jsonpath-rust's
/// `in`, `nin`, `none_of`, `any_of`, `subset_of`).
const FUNCTIONS: &[&str] = &[
    "length",
    "count",
    "value",
    "match",
    "search",
    "in",
    "nin",
    "none_of",
    "any_of",
    "subset_of",
];

/// The kind of a [`Token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// A quoted string, quotes included.
    Str,
    /// A string whose closing quote is missing (runs to the end).
    Unterminated,
    /// A name or keyword: letters, digits, `_`, non-ASCII.
    Word,
    /// A number literal.
    Number,
    /// An operator or punctuation, multi-char operators as one token.
    Punct,
}

/// One token of the user's expression.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    /// Char offset of the token's first char in the user's expression.
    pub pos: usize,
}

impl Token<'_> {
    fn end(&self) -> usize {
        self.pos + self.text.chars().count()
    }

    fn is(&self, punct: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == punct
    }

    /// A value or name: what must be separated from the next one by an
    /// operator.
    fn is_operand(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Word | TokenKind::Number | TokenKind::Str
        )
    }
}

/// A diagnosis: what the [`super::FilterError`] will say.
#[derive(Debug, Clone)]
pub(super) struct Issue {
    pub kind: FilterErrorKind,
    pub pos: Option<usize>,
    pub what: String,
    pub hint: Option<String>,
}

impl Issue {
    fn syntax(pos: usize, what: impl Into<String>, hint: impl Into<String>) -> Issue {
        Issue {
            kind: FilterErrorKind::Syntax,
            pos: Some(pos),
            what: what.into(),
            hint: Some(hint.into()),
        }
    }
}

const OPERATORS: &[&str] = &["===", "!==", "==", "!=", "<=", ">=", "&&", "||", "..", "[?"];

/// Splits `text` into tokens; `base` is the char offset of `text` in the
/// user's expression. Never fails: anything unknown is a one-char
/// [`TokenKind::Punct`].
pub(super) fn tokenize(text: &str, base: usize) -> Vec<Token<'_>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let char_at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = char_at(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let kind = if c == '\'' || c == '"' {
            i += 1;
            let mut closed = false;
            while let Some(d) = char_at(i) {
                i += 1;
                if d == '\\' {
                    i += 1;
                } else if d == c {
                    closed = true;
                    break;
                }
            }
            i = i.min(chars.len());
            if closed {
                TokenKind::Str
            } else {
                TokenKind::Unterminated
            }
        } else if c.is_ascii_digit()
            || (c == '-' && char_at(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            i += 1;
            while let Some(d) = char_at(i) {
                let sign_after_exp =
                    (d == '+' || d == '-') && matches!(char_at(i - 1), Some('e' | 'E'));
                if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E') || sign_after_exp {
                    i += 1;
                } else {
                    break;
                }
            }
            TokenKind::Number
        } else if c.is_alphabetic() || c == '_' || !c.is_ascii() {
            i += 1;
            while let Some(d) = char_at(i) {
                if d.is_alphanumeric() || d == '_' || (!d.is_ascii() && !d.is_whitespace()) {
                    i += 1;
                } else {
                    break;
                }
            }
            TokenKind::Word
        } else {
            let rest = &text[byte_at(i)..];
            let len = OPERATORS
                .iter()
                .find(|op| rest.starts_with(**op))
                .map_or(1, |op| op.len());
            i += len;
            TokenKind::Punct
        };
        tokens.push(Token {
            kind,
            text: &text[byte_at(start)..byte_at(i)],
            pos: base + start,
        });
    }
    tokens
}

/// What is certainly wrong before parsing: an unterminated string, a bad
/// escape or raw control character in a string, two operands with no
/// operator between them (a value, name, `@` or `$` right after a value,
/// name, `)` or `]`; the grammar would silently read `@.a b` as the member
/// `a b` and `1 2` as a number), unbalanced or mismatched brackets,
/// nesting deeper than [`MAX_NESTING`] or functions nested deeper than
/// [`MAX_FUNCTION_NESTING`]. `end` is the char offset just past the
/// expression's last non-blank char.
pub(super) fn check_structure(tokens: &[Token<'_>], end: usize) -> Option<Issue> {
    // (opening char, position, opens a function call)
    let mut open: Vec<(char, usize, bool)> = Vec::new();
    let mut functions = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| &tokens[p]);
        match token.kind {
            TokenKind::Unterminated => {
                let quote = token.text.chars().next().unwrap_or('\'');
                return Some(Issue::syntax(
                    token.pos,
                    "unterminated string",
                    format!("close it with {quote}"),
                ));
            }
            TokenKind::Str => {
                if let Some(issue) = check_string(token) {
                    return Some(issue);
                }
            }
            _ => {}
        }
        let ends_operand = |t: &Token<'_>| t.is_operand() || t.is(")") || t.is("]");
        let starts_operand = token.is_operand() || token.is("@") || token.is("$");
        if previous.is_some_and(ends_operand) && starts_operand {
            return Some(adjacent_operands(tokens, i));
        }
        match token.text {
            "(" | "[" | "[?" if token.kind == TokenKind::Punct => {
                let opener = if token.text == "(" { '(' } else { '[' };
                let is_function =
                    opener == '(' && previous.is_some_and(|p| p.kind == TokenKind::Word);
                open.push((opener, token.pos, is_function));
                if is_function {
                    functions += 1;
                    if functions > MAX_FUNCTION_NESTING {
                        return Some(Issue {
                            kind: FilterErrorKind::TooComplex,
                            pos: Some(token.pos),
                            what: "function calls nested too deeply".into(),
                            hint: Some(format!(
                                "at most {MAX_FUNCTION_NESTING} calls inside one another"
                            )),
                        });
                    }
                }
                if open.len() > MAX_NESTING {
                    return Some(Issue {
                        kind: FilterErrorKind::TooComplex,
                        pos: Some(token.pos),
                        what: "nested too deeply".into(),
                        hint: Some(format!(
                            "at most {MAX_NESTING} levels of parentheses and brackets"
                        )),
                    });
                }
            }
            ")" | "]" if token.kind == TokenKind::Punct => {
                let closer = if token.text == ")" { ')' } else { ']' };
                let expected_opener = if closer == ')' { '(' } else { '[' };
                match open.pop() {
                    None => {
                        return Some(Issue::syntax(
                            token.pos,
                            format!("unmatched `{closer}`"),
                            format!("nothing opened it: remove it or add a `{expected_opener}`"),
                        ));
                    }
                    Some((opener, at, _)) if opener != expected_opener => {
                        return Some(Issue::syntax(
                            token.pos,
                            format!("mismatched `{closer}`"),
                            format!(
                                "expected `{}` to close the `{opener}` at column {}",
                                closing(opener),
                                at + 1
                            ),
                        ));
                    }
                    Some((_, _, is_function)) => {
                        if is_function {
                            functions -= 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    open.last().map(|&(opener, at, _)| Issue {
        kind: FilterErrorKind::Syntax,
        pos: Some(end),
        what: format!("missing `{}`", closing(opener)),
        hint: Some(format!("to close the `{opener}` at column {}", at + 1)),
    })
}

fn closing(opener: char) -> char {
    if opener == '(' { ')' } else { ']' }
}

/// A raw control character or an escape RFC 9535 does not know, in a
/// complete string token.
fn check_string(token: &Token<'_>) -> Option<Issue> {
    let mut chars = token.text.chars().enumerate().skip(1);
    let quote = token.text.chars().next()?;
    let other_quote = if quote == '\'' { '"' } else { '\'' };
    let escapes = format!("the escapes are \\b \\f \\n \\r \\t \\/ \\\\ \\{quote} and \\uXXXX");
    while let Some((offset, c)) = chars.next() {
        let pos = token.pos + offset;
        if c < ' ' {
            return Some(Issue::syntax(
                pos,
                "control character in a string",
                format!("write it as the escape \\u{:04x}", c as u32),
            ));
        }
        if c != '\\' {
            continue;
        }
        let escaped = chars.next().map(|(_, e)| e);
        let valid = match escaped {
            Some('b' | 'f' | 'n' | 'r' | 't' | '/' | '\\') => true,
            Some(e) if e == quote => true,
            Some('u') => (0..4).all(|_| chars.next().is_some_and(|(_, h)| h.is_ascii_hexdigit())),
            _ => false,
        };
        if !valid {
            let shown = escaped.map_or(String::new(), String::from);
            let hint = if escaped == Some(other_quote) {
                format!("{other_quote} needs no backslash inside {quote}…{quote}")
            } else {
                escapes
            };
            return Some(Issue::syntax(
                pos,
                format!("invalid escape `\\{shown}`"),
                hint,
            ));
        }
    }
    None
}

/// Two operands in a row (`@.a b`, `1 2`, `'x' 'y'`, `@.a and`,
/// `@.a == 1 @.b`).
fn adjacent_operands(tokens: &[Token<'_>], i: usize) -> Issue {
    let token = &tokens[i];
    if let Some(issue) = keyword_hint(token) {
        return issue;
    }
    let previous = &tokens[i - 1];
    let member = i >= 2 && (tokens[i - 2].is(".") || tokens[i - 2].is(".."));
    // `not @.a`: the keyword is the operand before.
    if let Some(issue) = keyword_hint(previous).filter(|_| !member) {
        return issue;
    }
    let hint = if member && previous.kind == TokenKind::Word && token.kind == TokenKind::Word {
        format!(
            "field names cannot contain spaces; quote such a name: ['{} {}']",
            shorten(previous.text, 24),
            shorten(token.text, 24)
        )
    } else {
        "expected an operator such as &&, || or == before it".to_string()
    };
    Issue::syntax(
        token.pos,
        format!("unexpected `{}`", shorten(token.text, 24)),
        hint,
    )
}

/// `and`, `or`, `not` and capitalized literals, wherever they appear.
fn keyword_hint(token: &Token<'_>) -> Option<Issue> {
    if token.kind != TokenKind::Word {
        return None;
    }
    let lower = token.text.to_lowercase();
    let hint = match lower.as_str() {
        "and" => "use && to require both conditions".to_string(),
        "or" => "use || to accept either condition".to_string(),
        "not" => "use ! to negate a condition".to_string(),
        "true" | "false" | "null" if token.text != lower => {
            format!("literals are lowercase: {lower}")
        }
        _ => return None,
    };
    Some(Issue::syntax(
        token.pos,
        format!("unexpected `{}`", token.text),
        hint,
    ))
}

/// A habit from another language, or a JSONPath subtlety, that explains a
/// parse failure: the first one in the expression, if any.
pub(super) fn common_mistake(tokens: &[Token<'_>]) -> Option<Issue> {
    let mut depth = 0i32;
    for (i, token) in tokens.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| &tokens[p]);
        let next = tokens.get(i + 1);
        let unexpected = format!("unexpected `{}`", shorten(token.text, 24));
        match token.kind {
            TokenKind::Punct => {
                let hint = match token.text {
                    "(" | "[" | "[?" => {
                        depth += 1;
                        if i == 0 && token.text == "[?" {
                            "a filter is $[?…] or just the condition, e.g. @.a == 1"
                        } else {
                            continue;
                        }
                    }
                    ")" | "]" => {
                        depth -= 1;
                        continue;
                    }
                    "?" if i == 0 => "a filter is $[?…] or just the condition, e.g. @.a == 1",
                    "," if depth == 0 => "use && or || to combine conditions",
                    "=" => "use == to compare",
                    "===" => "use == to compare (JSONPath has no ===)",
                    "!==" => "use != (JSONPath has no !==)",
                    "&" => "use && to require both conditions",
                    "|" => "use || to accept either condition",
                    "~" => "use match() or search() for regular expressions",
                    "<" if next.is_some_and(|n| n.is(">") && n.pos == token.pos + 1) => {
                        return Some(Issue::syntax(
                            token.pos,
                            "unexpected `<>`",
                            "use != for not equal",
                        ));
                    }
                    "==" | "!=" | "<" | "<=" | ">" | ">=" => match non_singular(tokens, i) {
                        Some(issue) => return Some(issue),
                        None => continue,
                    },
                    _ => continue,
                };
                return Some(Issue::syntax(token.pos, unexpected, hint));
            }
            TokenKind::Number => {
                let digits = token.text.trim_start_matches('-');
                if digits.len() > 1
                    && digits.starts_with('0')
                    && digits[1..].starts_with(|c: char| c.is_ascii_digit())
                {
                    return Some(Issue::syntax(
                        token.pos,
                        unexpected,
                        "numbers cannot start with 0",
                    ));
                }
                let integer = digits.bytes().all(|b| b.is_ascii_digit());
                if integer && digits.parse::<u64>().map_or(true, |n| n > MAX_SAFE_INTEGER) {
                    return Some(Issue::syntax(
                        token.pos,
                        format!("number `{}` out of range", shorten(token.text, 24)),
                        "integers must lie within ±9007199254740991; write larger ones as 1e20",
                    ));
                }
            }
            TokenKind::Word => {
                // `@.and` and `@..or` are member names, not keywords.
                if previous.is_some_and(|p| p.is(".") || p.is("..")) {
                    continue;
                }
                if let Some(issue) = keyword_hint(token) {
                    return Some(issue);
                }
                let word = token.text;
                if matches!(word, "true" | "false" | "null") {
                    continue;
                }
                let hint = if next.is_some_and(|n| n.is("(")) {
                    if !FUNCTIONS.contains(&word) {
                        return Some(Issue::syntax(
                            token.pos,
                            format!("unknown function `{}`", shorten(word, 24)),
                            "the functions are length, count, match, search and value",
                        ));
                    }
                    if next.is_some_and(|n| n.pos != token.end()) {
                        format!("write `{word}(` with no space before the parenthesis")
                    } else if let Some(issue) = wrong_arity(tokens, i) {
                        return Some(issue);
                    } else {
                        continue;
                    }
                } else if previous.is_some_and(|p| p.is("@") || p.is("$")) {
                    format!("write a dot before the name: .{}", shorten(word, 24))
                } else if previous.is_some_and(|p| p.is("[")) {
                    format!("quote names in brackets: ['{}']", shorten(word, 24))
                } else {
                    format!(
                        "paths start with @ (the event), e.g. @.{}",
                        shorten(word, 24)
                    )
                };
                return Some(Issue::syntax(token.pos, unexpected, hint));
            }
            TokenKind::Str | TokenKind::Unterminated => {}
        }
    }
    None
}

/// The largest integer RFC 9535 accepts (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// A call of a known function (the word at `i`, followed by `(`) with the
/// wrong number of arguments.
fn wrong_arity(tokens: &[Token<'_>], i: usize) -> Option<Issue> {
    let name = tokens[i].text;
    let (wanted, example) = match name {
        "length" => (1, "length(@.body.items)"),
        "count" => (1, "count(@.body.items[*])"),
        "value" => (1, "value(@.body.items[0])"),
        "match" => (2, "match(@.body.name, 'Jo.*')"),
        "search" => (2, "search(@.body.name, 'Jo')"),
        _ => return None,
    };
    let mut depth = 0usize;
    let mut arguments = 0usize;
    let mut empty = true;
    for token in &tokens[i + 1..] {
        match token.text {
            "(" | "[" | "[?" => depth += 1,
            ")" | "]" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            "," if depth == 1 => arguments += 1,
            _ => {}
        }
        if depth >= 1 && !token.is("(") {
            empty = false;
        }
    }
    let found = if empty { 0 } else { arguments + 1 };
    (found != wanted).then(|| {
        Issue::syntax(
            tokens[i].pos,
            format!(
                "{name}() takes {} argument{}, not {found}",
                if wanted == 1 { "one" } else { "two" },
                if wanted == 1 { "" } else { "s" }
            ),
            format!("e.g. {example}"),
        )
    })
}

/// A comparison (operator at `op`) with a path that can select several
/// values: `*`, `..`, a slice, a union or a nested filter. RFC 9535 only
/// compares single values.
fn non_singular(tokens: &[Token<'_>], op: usize) -> Option<Issue> {
    let is_start = |t: &Token<'_>| t.is("@") || t.is("$");
    // The path that ends just before the operator.
    let mut left = None;
    let mut depth = 0i32;
    for j in (0..op).rev() {
        let t = &tokens[j];
        if t.is("]") {
            depth += 1;
        } else if t.is("[") || t.is("[?") {
            depth -= 1;
            if depth < 0 {
                break;
            }
        } else if depth == 0 {
            if is_start(t) {
                left = Some(j..op);
                break;
            }
            if !(t.kind == TokenKind::Word || t.is(".") || t.is("..") || t.is("*")) {
                break;
            }
        }
    }
    // The path that starts just after it.
    let mut right = None;
    if tokens.get(op + 1).is_some_and(is_start) {
        let mut k = op + 2;
        let mut depth = 0i32;
        while let Some(t) = tokens.get(k) {
            if t.is("[") || t.is("[?") {
                depth += 1;
            } else if t.is("]") {
                depth -= 1;
            } else if depth == 0
                && !(t.kind == TokenKind::Word || t.is(".") || t.is("..") || t.is("*"))
            {
                break;
            }
            k += 1;
        }
        right = Some(op + 1..k);
    }
    [left, right].into_iter().flatten().find_map(|range| {
        let path = &tokens[range];
        let mut depth = 0i32;
        let several = path.iter().any(|t| {
            if t.is("[") || t.is("[?") {
                depth += 1;
            } else if t.is("]") {
                depth -= 1;
            }
            t.is("*") || t.is("..") || t.is("[?") || (depth == 1 && (t.is(":") || t.is(",")))
        });
        several.then(|| {
            let text: String = path.iter().map(|t| t.text).collect();
            Issue::syntax(
                path[0].pos,
                format!("`{}` can select several values", shorten(&text, 40)),
                "comparisons need a single value (names and indexes only); to test each \
                 value use a nested filter such as @.items[?@.qty > 5]",
            )
        })
    })
}

/// Translates a pest parse error. `to_user` maps a byte offset in the
/// string handed to the parser to a char offset in the user's expression
/// (clamped to `end`, the end of the user's text).
pub(super) fn from_pest(
    error: &pest::error::Error<Rule>,
    to_user: impl Fn(usize) -> usize,
    tokens: &[Token<'_>],
    end: usize,
) -> Issue {
    let byte = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    let pos = to_user(byte).min(end);
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => expectation(positives),
        ErrorVariant::CustomError { message } => Some(message.clone()),
    };
    // The token the parser stopped in or before.
    let at = tokens.iter().find(|t| t.end() > pos);
    match at {
        Some(token) => Issue {
            kind: FilterErrorKind::Syntax,
            pos: Some(token.pos),
            what: format!("unexpected `{}`", shorten(token.text, 24)),
            hint: expected.map(|e| format!("expected {e}")),
        },
        None => {
            let after = tokens.last().map(|t| t.text).unwrap_or("");
            let hint = match after {
                "&&" | "||" | "!" => format!("expected a condition after {after}"),
                "==" | "!=" | "<" | "<=" | ">" | ">=" => format!("expected a value after {after}"),
                "." | ".." => format!("expected a field name after {after}"),
                "," => "expected an argument after ,".to_string(),
                "" => "expected a condition".to_string(),
                _ => match expected {
                    Some(e) => format!("expected {e}"),
                    None => "the filter is incomplete".to_string(),
                },
            };
            Issue {
                kind: FilterErrorKind::Syntax,
                pos: Some(end),
                what: "unexpected end of filter".into(),
                hint: Some(hint),
            }
        }
    }
}

/// "a condition or a value", from the grammar rules the parser expected.
fn expectation(rules: &[Rule]) -> Option<String> {
    const CONDITION: &str = "a condition such as @.field == 'value'";
    const VALUE: &str = "a value ('text', a number, true, false, null) or a path such as @.field";
    const OPERATOR: &str = "a comparison operator (== != < <= > >=)";
    const NAME: &str = "a field name";
    const END: &str = "the end of the filter";
    let mut wanted: Vec<&str> = Vec::new();
    for rule in rules {
        let description = match rule {
            Rule::logical_expr
            | Rule::logical_expr_and
            | Rule::atom_expr
            | Rule::paren_expr
            | Rule::comp_expr
            | Rule::test_expr
            | Rule::test
            | Rule::filter_selector
            | Rule::rel_query
            | Rule::function_expr
            | Rule::not_op => CONDITION,
            Rule::comparable
            | Rule::literal
            | Rule::string
            | Rule::number
            | Rule::bool
            | Rule::null
            | Rule::singular_query
            | Rule::rel_singular_query
            | Rule::abs_singular_query => VALUE,
            Rule::comp_op => OPERATOR,
            Rule::segment
            | Rule::child_segment
            | Rule::descendant_segment
            | Rule::name_segment
            | Rule::index_segment
            | Rule::member_name_shorthand
            | Rule::name_first
            | Rule::name_char
            | Rule::ALPHA
            | Rule::bracketed_selection
            | Rule::selector
            | Rule::name_selector => NAME,
            Rule::EOI => END,
            _ => continue,
        };
        if !wanted.contains(&description) {
            wanted.push(description);
        }
    }
    match wanted.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

/// Translates an error jsonpath-rust raises after the grammar matched
/// (function arity, argument kinds, bad escapes...). Locates the function
/// or string involved when it can.
pub(super) fn from_library(error: &JsonPathError, tokens: &[Token<'_>]) -> Issue {
    let text = error.to_string();
    let function_at = |name: &str| {
        tokens
            .windows(2)
            .find(|w| w[0].kind == TokenKind::Word && w[0].text == name && w[1].is("("))
            .map(|w| w[0].pos)
    };
    let quoted = text
        .split('`')
        .nth(1)
        .and_then(|q| q.split('(').next())
        .unwrap_or("")
        .trim()
        .to_string();
    let invalid = |pos: Option<usize>, what: String, hint: &str| Issue {
        kind: FilterErrorKind::Invalid,
        pos,
        what,
        hint: Some(hint.to_string()),
    };
    if text.contains("Invalid number of arguments") {
        invalid(
            function_at(&quoted),
            format!("wrong number of arguments for {quoted}()"),
            "length, count and value take one argument; match and search take two",
        )
    } else if text.contains("expected a node, got") {
        invalid(
            function_at(&quoted),
            format!("{quoted}() needs a query as its argument"),
            "e.g. count(@.items[*])",
        )
    } else if text.contains("is not comparable") {
        let name = ["match", "search"]
            .into_iter()
            .find(|n| text.contains(&format!("Function {n}(")))
            .unwrap_or("match");
        invalid(
            function_at(name),
            format!("{name}() cannot be compared"),
            "it is already true or false: use it alone, e.g. match(@.body.x, 'a.*')",
        )
    } else if text.contains("Invalid function expression") {
        invalid(
            function_at(&quoted),
            "invalid function call".into(),
            "write the name directly followed by `(`, e.g. length(@.x)",
        )
    } else if text.contains("control character") {
        let pos = tokens
            .iter()
            .find(|t| t.kind == TokenKind::Str && t.text.chars().any(|c| c <= '\u{1f}'))
            .map(|t| t.pos);
        invalid(
            pos,
            "control character in a string".into(),
            "write it as an escape such as \\n or \\t",
        )
    } else if text.contains("Invalid string literal") {
        let pos = tokens
            .iter()
            .find(|t| t.kind == TokenKind::Str && t.text.contains('\\'))
            .map(|t| t.pos);
        invalid(
            pos,
            "invalid escape in a string".into(),
            "the escapes are \\b \\f \\n \\r \\t \\/ \\\\ \\' \\\" and \\uXXXX",
        )
    } else if matches!(error, JsonPathError::InvalidNumber(_)) {
        invalid(
            None,
            "number out of range".into(),
            "integers must lie within ±9007199254740991",
        )
    } else if matches!(error, JsonPathError::MaxNestingDepthExceeded(_)) {
        Issue {
            kind: FilterErrorKind::TooComplex,
            pos: None,
            what: "nested too deeply".into(),
            hint: Some(text),
        }
    } else {
        invalid(None, "invalid filter".into(), &text)
    }
}
