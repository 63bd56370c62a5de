use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::{Value, json};

use super::*;

/// A capture document with a bit of everything.
fn sample() -> Value {
    json!({
        "evscope_capture": 1,
        "id": "m-1",
        "source": "file:orders.jsonl",
        "key": null,
        "published_at": "2024-05-01T10:00:00Z",
        "receive_count": 3,
        "attributes": {"tenant": "acme", "retry": "2"},
        "system": {"SenderId": "AID123"},
        "body": {
            "eventName": "SEND_EMAIL",
            "amount": 12.5,
            "code": "3",
            "to": "ana@example.com",
            "items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 7}],
            "tags": ["vip", "eu"],
            "city": "Málaga",
            "path": "a/b",
            "quote": "it's",
            "flag": false,
            "nothing": null,
            "and": 1
        },
        "body_encoding": "json",
        "meta": {
            "type": "OrderCreated",
            "version": "2",
            "expires_at": "2024-05-01T11:00:00Z",
            "expired": true,
            "location": null,
            "security": null,
            "correlation": {"correlation_id": "c-9", "causation_id": null, "trace_id": null}
        },
        "problems": [{"kind": "expired", "message": "expired at 11:00"}]
    })
}

fn parse(expr: &str) -> Filter {
    match Filter::parse(expr) {
        Ok(filter) => filter,
        Err(e) => panic!("{expr:?} should parse: {e}\n{}", e.caret_line()),
    }
}

fn error(expr: &str) -> FilterError {
    match Filter::parse(expr) {
        Ok(filter) => panic!("{expr:?} should not parse, got {filter:?}"),
        Err(e) => e,
    }
}

/// What RFC 9535 says: run `$[?predicate]` on `[doc]`, match when the
/// result is not empty. Computed by jsonpath-rust itself.
fn reference(predicate: &str, doc: &Value) -> bool {
    let query = parse_json_path(&format!("$[?{predicate}]")).expect("reference parses");
    let wrapped = Value::Array(vec![doc.clone()]);
    !js_path_process(&query, &wrapped)
        .expect("reference evaluates")
        .is_empty()
}

const SEMANTICS: &[(&str, bool)] = &[
    // == and != on nested fields
    ("@.body.eventName == 'SEND_EMAIL'", true),
    ("@.body.eventName == 'send_email'", false),
    ("@.body.eventName != 'SEND_EMAIL'", false),
    ("@.body.eventName != 'OTHER'", true),
    ("@.body.missing != 'OTHER'", true),
    ("@.body.missing == 'OTHER'", false),
    // ordering, numbers and strings
    ("@.receive_count > 2", true),
    ("@.receive_count < 3", false),
    ("@.receive_count <= 3", true),
    ("@.receive_count >= 4", false),
    ("@.body.amount > 12.4", true),
    ("@.body.amount < 12.5", false),
    ("@.receive_count == 3.0", true),
    ("@.body.eventName > 'A'", true),
    ("@.body.eventName < 'A'", false),
    // numbers and strings never equal each other
    ("@.receive_count == '3'", false),
    ("@.body.code == 3", false),
    ("@.body.code == '3'", true),
    ("@.body.code > 2", false),
    // null and booleans
    ("@.key == null", true),
    ("@.published_at == null", false),
    ("@.body.missing == null", false),
    ("@.meta.expired == true", true),
    ("@.meta.expired == false", false),
    ("@.body.flag == false", true),
    ("@.body.flag == null", false),
    // existence: a member holding null exists
    ("@.meta.location", true),
    ("@.body.nothing", true),
    ("@.body.missing", false),
    ("!@.body.missing", true),
    ("!@.meta.location", false),
    // && || ! and parentheses
    (
        "@.body.eventName == 'SEND_EMAIL' && @.meta.expired == true",
        true,
    ),
    (
        "@.body.eventName == 'SEND_EMAIL' && @.meta.expired == false",
        false,
    ),
    ("@.body.eventName == 'X' || @.receive_count == 3", true),
    ("@.body.eventName == 'X' || @.receive_count == 4", false),
    ("!(@.receive_count == 3)", false),
    ("!(@.receive_count == 4)", true),
    // && binds tighter than ||
    (
        "@.key == 'k' && @.receive_count == 4 || @.receive_count == 3",
        true,
    ),
    (
        "@.key == 'k' && (@.receive_count == 4 || @.receive_count == 3)",
        false,
    ),
    (
        "(@.receive_count == 3 || @.key == 'k') && !@.body.missing",
        true,
    ),
    // arrays: indexes, nested filters, functions
    ("@.body.items[0].sku == 'A1'", true),
    ("@.body.items[-1].sku == 'B2'", true),
    ("@.body.items[5].sku == 'A1'", false),
    ("@.body.items[?@.qty > 5]", true),
    ("@.body.items[?@.qty > 10]", false),
    ("@.body.items[?@.sku == 'B2' && @.qty == 7]", true),
    ("@.body.tags[?@ == 'vip']", true),
    ("@.body.tags[?@ == 'us']", false),
    ("@.body.items[*].sku", true),
    ("length(@.body.items) == 2", true),
    ("length(@.body.city) == 6", true),
    ("length(@.body.tags) > 2", false),
    ("count(@.body.items[*]) == 2", true),
    ("count(@.body.items[?@.qty > 5]) == 1", true),
    ("value(@.body.items[0].sku) == 'A1'", true),
    // regular expressions: match is anchored, search is not
    ("match(@.body.eventName, 'SEND_.*')", true),
    ("match(@.body.eventName, 'SEND')", false),
    ("search(@.body.eventName, 'END')", true),
    ("search(@.body.eventName, '^END')", false),
    ("match(@.body.to, '[a-z]+@example\\\\.com')", true),
    ("match(@.receive_count, '3')", false),
    ("!match(@.body.eventName, 'SEND')", true),
    // quoting
    ("@.body.eventName == \"SEND_EMAIL\"", true),
    ("@.body.quote == 'it\\'s'", true),
    ("@.body.quote == \"it's\"", true),
    ("@.body.city == 'Málaga'", true),
    ("@.body.city == 'M\\u00e1laga'", true),
    ("@.body.path == 'a\\/b'", true),
    ("@['body']['eventName'] == 'SEND_EMAIL'", true),
    ("@.body.and == 1", true),
    // problems and the malformed idiom
    ("@.problems[?@.kind == 'expired']", true),
    ("@.problems[?@.kind != 'expired']", false),
];

#[test]
fn semantics_on_the_sample() {
    let doc = sample();
    for &(expr, expected) in SEMANTICS {
        assert_eq!(parse(expr).matches(&doc), expected, "{expr}");
    }
}

#[test]
fn evaluation_agrees_with_jsonpath_on_the_wrapped_document() {
    let mut docs = vec![sample(), json!({}), json!({"body": "plain text"})];
    let mut other = sample();
    other["body"]["eventName"] = json!("OTHER");
    other["receive_count"] = json!(4);
    other["meta"]["expired"] = json!(false);
    other["problems"] = json!([{"kind": "bad_date", "message": "x"}]);
    docs.push(other);
    for doc in &docs {
        for &(expr, _) in SEMANTICS {
            assert_eq!(
                parse(expr).matches(doc),
                reference(expr, doc),
                "{expr} on {doc}"
            );
        }
    }
}

#[test]
fn bare_predicate_and_full_query_agree() {
    let doc = sample();
    for &(expr, expected) in SEMANTICS {
        let full = parse(&format!("$[?{expr}]"));
        assert_eq!(full.matches(&doc), expected, "$[?{expr}]");
        let padded = parse(&format!(" \t{expr}\n "));
        assert_eq!(padded.matches(&doc), expected, "padded {expr}");
    }
    let full = parse("  $[?@.body.eventName == 'SEND_EMAIL' && @.meta.expired == true]  ");
    assert!(full.matches(&doc));
    assert_eq!(
        full.expression(),
        "  $[?@.body.eventName == 'SEND_EMAIL' && @.meta.expired == true]  "
    );
}

#[test]
fn dollar_inside_a_predicate_is_the_document() {
    let doc = sample();
    assert!(parse("$.body.eventName == 'SEND_EMAIL'").matches(&doc));
    assert!(!parse("$.body.eventName == 'OTHER'").matches(&doc));
    assert!(parse("@.body.eventName == $.body.eventName").matches(&doc));
    assert!(parse("$[?@.receive_count == $.receive_count]").matches(&doc));
    assert!(parse("@.body.items[?@.sku == $.body.items[1].sku]").matches(&doc));
}

#[test]
fn union_of_filters_is_an_or() {
    let doc = sample();
    assert!(parse("$[?@.receive_count == 9, ?@.key == null]").matches(&doc));
    assert!(!parse("$[?@.receive_count == 9, ?@.key == 'k']").matches(&doc));
}

#[test]
fn blank_expression_matches_everything() {
    for blank in ["", "   ", "\t\n"] {
        let filter = parse(blank);
        assert!(filter.is_match_all());
        assert_eq!(filter.expression(), blank);
        assert!(filter.matches(&json!({})));
        assert!(filter.matches(&json!(null)));
        assert!(filter.might_match(b""));
    }
    assert!(Filter::default().is_match_all());
    assert!(!parse("@.a").is_match_all());
}

#[test]
fn matches_tolerates_any_document() {
    let filter = parse("@.body.eventName == 'SEND_EMAIL' && @.body.items[0].qty > 1");
    for doc in [
        json!(null),
        json!(1),
        json!("SEND_EMAIL"),
        json!([]),
        json!([{"body": {"eventName": "SEND_EMAIL"}}]),
        json!({"body": []}),
        json!({"body": {"eventName": ["SEND_EMAIL"]}}),
        json!({"body": {"eventName": "SEND_EMAIL", "items": {"0": {"qty": 5}}}}),
    ] {
        assert!(!filter.matches(&doc), "{doc}");
    }
    assert!(filter.matches(&json!({"body": {"eventName": "SEND_EMAIL", "items": [{"qty": 2}]}})));
}

#[test]
fn from_str_is_parse() {
    let filter: Filter = "@.receive_count == 3".parse().expect("parses");
    assert!(filter.matches(&sample()));
    let e = "@.receive_count = 3".parse::<Filter>().expect_err("fails");
    assert_eq!(e.position, Some(16));
}

#[test]
fn filter_is_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Filter>();
    assert_traits::<FilterError>();
    let filter = parse("@.receive_count == 3");
    let copy = filter.clone();
    let doc = sample();
    let from_thread = std::thread::spawn(move || copy.matches(&sample()))
        .join()
        .expect("thread");
    assert!(from_thread);
    assert!(filter.matches(&doc));
}

#[test]
fn precompiled_regexes_agree_with_jsonpath() {
    let subjects = [
        json!("abc"),
        json!("ab"),
        json!("a.c"),
        json!("a\rc"),
        json!("a\nc"),
        json!("xxabcxx"),
        json!("Málaga"),
        json!(""),
        json!(42),
        json!(null),
        json!(["abc"]),
    ];
    let patterns = [
        "a.c",
        "a\\.c",
        "[.]",
        "a|b",
        "ab|c",
        "^a",
        "b",
        "M.laga",
        ".*",
        "\\p{Lu}.*",
        "",
    ];
    for subject in &subjects {
        let doc = json!({"body": {"s": subject, "list": [subject]}});
        for pattern in patterns {
            let literal = string_literal(pattern);
            for expr in [
                format!("match(@.body.s, {literal})"),
                format!("search(@.body.s, {literal})"),
                format!("!match(@.body.s, {literal})"),
                format!("search(@.body.list[-1], {literal})"),
                format!("match(@.body.list[0], {literal})"),
                format!("search(@.body.missing, {literal})"),
                format!("!search(@.body.list[7], {literal})"),
            ] {
                let filter = parse(&expr);
                assert!(
                    matches!(
                        filter.predicate.as_ref().map(|p| &p.node),
                        Some(compile::Node::Regex { .. })
                    ),
                    "{expr} is precompiled"
                );
                assert_eq!(
                    filter.matches(&doc),
                    reference(&expr, &doc),
                    "{expr} on {doc}"
                );
                // `$` is the document too.
                let rooted = parse(&expr.replacen('@', "$", 1));
                assert_eq!(rooted.matches(&doc), filter.matches(&doc), "{expr} with $");
            }
        }
    }
    // Forms left to jsonpath-rust still work.
    let doc = json!({"body": {"s": "abc", "p": "a.c", "items": [{"sku": "A1"}]}});
    for (expr, expected) in [
        ("match(@.body.s, @.body.p)", true),
        ("match(value(@.body.s), 'a.c')", true),
        ("@.body.items[?match(@.sku, 'A.')]", true),
        ("@.body.items[?search(@.sku, 'B')]", false),
    ] {
        assert_eq!(parse(expr).matches(&doc), expected, "{expr}");
        assert_eq!(reference(expr, &doc), expected, "{expr}");
    }
}

#[test]
fn invalid_regexes_are_reported() {
    let e = error("@.a == 1 && match(@.body.x, '[a')");
    assert_eq!(e.kind, FilterErrorKind::Invalid);
    assert_eq!(e.position, Some(28));
    assert_eq!(e.what, "invalid regular expression");
    assert_eq!(e.hint.as_deref(), Some("unclosed character class"));
    let e = error("@.body.items[?search(@.sku, \"(\")]");
    assert_eq!(
        (e.position, e.what.as_str()),
        (Some(28), "invalid regular expression")
    );
}

#[test]
fn patterns_too_large_to_match_quickly_are_refused() {
    // 10000 copies of `.`: 13 s per 100 KB event before the size limit.
    for expr in [
        "search(@.body.s, '(.{100}){100}B')",
        "match(@.body.s, '(.{100}){100}B')",
        "@.body.items[?search(@.sku, '(.{100}){100}B')]",
    ] {
        let e = error(expr);
        assert_eq!(e.kind, FilterErrorKind::Invalid, "{expr}");
        let hint = e.hint.clone().unwrap_or_default();
        assert!(hint.starts_with("pattern too large"), "{expr}: {hint}");
        assert!(!e.to_string().contains('\n'), "{e}");
    }
    // Ordinary repetitions still compile.
    parse("match(@.body.s, '[A-Z]{3}-[0-9]{4}')");
    parse("search(@.body.s, '(.{100}){5}B')");
}

#[test]
fn regexes_look_at_a_bounded_prefix_of_long_strings() {
    let long = format!("{}Z", "a".repeat(REGEX_SUBJECT_LIMIT + 10));
    let doc = json!({"body": {"s": long, "t": "aZ", "u": "é".repeat(REGEX_SUBJECT_LIMIT)}});
    let hits = |expr: &str| parse(expr).matches(&doc);
    // Within the bound: as usual.
    assert!(hits("search(@.body.t, 'Z')"));
    assert!(hits("match(@.body.t, 'a*Z')"));
    // Past it: search() sees the first REGEX_SUBJECT_LIMIT bytes only,
    // match() cannot compare the whole string and is false.
    assert!(hits("search(@.body.s, '^a{100}')"));
    assert!(!hits("search(@.body.s, 'Z')"));
    assert!(!hits("match(@.body.s, 'a*Z')"));
    assert!(hits("!match(@.body.s, 'a*Z')"));
    // The cut falls on a character boundary.
    assert!(hits("search(@.body.u, 'é$')"));
    // A pattern that defeats the lazy DFA still ends on a 100 KB string.
    let mut x: u64 = 7;
    let ab: String = (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x & 1 == 0 { 'a' } else { 'b' }
        })
        .collect();
    let doc = json!({"body": {"s": ab}});
    assert!(!parse("search(@.body.s, '[ab]*a[ab]{20}c')").matches(&doc));
}

// ---------------------------------------------------------------- errors

#[test]
fn single_equals_is_explained_at_its_column() {
    let e = error("@.body.x = 'a'");
    assert_eq!(e.kind, FilterErrorKind::Syntax);
    assert_eq!(e.position, Some(9));
    assert_eq!(
        e.to_string(),
        "unexpected `=` at column 10: use == to compare"
    );
    assert_eq!(
        e.caret_line(),
        "@.body.x = 'a'\n         ^ unexpected `=`: use == to compare"
    );
}

#[test]
fn dangling_and_points_past_the_end() {
    let e = error("@.body.x == 'a' &&");
    assert_eq!(e.position, Some(18));
    assert_eq!(
        e.to_string(),
        "unexpected end of filter at column 19: expected a condition after &&"
    );
    assert_eq!(
        e.caret_line(),
        "@.body.x == 'a' &&\n                  ^ expected a condition after &&"
    );
}

#[test]
fn positions_count_the_users_chars_not_the_wrapping() {
    // Leading blanks are part of what the user typed.
    assert_eq!(error("   @.a = 1").position, Some(7));
    // In the full form nothing is added.
    assert_eq!(error("$[?@.a = 1]").position, Some(7));
    // Chars, not bytes: `é` is two bytes.
    assert_eq!(error("@.née = 1").position, Some(6));
    // End of input in the bare form, not the `]` evscope appends.
    assert_eq!(error("@.a ==").position, Some(6));
    assert_eq!(error("  @.a == 1 ||  ").position, Some(13));
}

#[test]
fn caret_accounts_for_wide_chars_and_tabs() {
    let e = error("@.x == '日本' =");
    assert_eq!(e.position, Some(12));
    // '日本' is four columns wide: the caret sits under the `=`.
    assert_eq!(
        e.caret_line(),
        "@.x == '日本' =\n              ^ unexpected `=`: use == to compare"
    );
    let e = error("\t@.a = 1");
    assert_eq!(
        e.caret_line(),
        " @.a = 1\n     ^ unexpected `=`: use == to compare"
    );
}

#[test]
fn words_from_other_languages_get_hints() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "@.a == 1 and @.b == 2",
            9,
            "use && to require both conditions",
        ),
        (
            "@.a == 1 OR @.b == 2",
            9,
            "use || to accept either condition",
        ),
        ("not @.a", 0, "use ! to negate a condition"),
        ("@.a <> 1", 4, "use != for not equal"),
        ("@.a === 1", 4, "use == to compare (JSONPath has no ===)"),
        ("@.a !== 1", 4, "use != (JSONPath has no !==)"),
        (
            "@.a == 1 & @.b == 2",
            9,
            "use && to require both conditions",
        ),
        (
            "@.a == 1 | @.b == 2",
            9,
            "use || to accept either condition",
        ),
        ("@.a == True", 7, "literals are lowercase: true"),
        (
            "@.a ~= 'x'",
            4,
            "use match() or search() for regular expressions",
        ),
        (
            "body.x == 1",
            0,
            "paths start with @ (the event), e.g. @.body",
        ),
        ("@body == 1", 1, "write a dot before the name: .body"),
        ("@[body] == 1", 2, "quote names in brackets: ['body']"),
        ("@.a == 01", 7, "numbers cannot start with 0"),
        (
            "@.a == 1, @.b == 2",
            8,
            "use && or || to combine conditions",
        ),
        (
            "[?@.a]",
            0,
            "a filter is $[?…] or just the condition, e.g. @.a == 1",
        ),
        (
            "length (@.a) > 1",
            0,
            "write `length(` with no space before the parenthesis",
        ),
        (
            "@.a == 1 @.b == 2",
            9,
            "expected an operator such as &&, || or == before it",
        ),
        (
            "@.a == 1 2",
            9,
            "expected an operator such as &&, || or == before it",
        ),
    ];
    for &(expr, position, hint) in cases {
        let e = error(expr);
        assert_eq!(e.kind, FilterErrorKind::Syntax, "{expr}");
        assert_eq!(e.position, Some(position), "{expr}: {e}");
        assert_eq!(e.hint.as_deref(), Some(hint), "{expr}: {e}");
    }
}

#[test]
fn spaces_inside_names_are_not_silently_accepted() {
    // The grammar would read these as the member `event Name`.
    let e = error("@.body.event Name == 'x'");
    assert_eq!(e.position, Some(13));
    assert_eq!(e.what, "unexpected `Name`");
    assert!(
        e.hint.as_deref().unwrap_or("").contains("['event Name']"),
        "{e}"
    );
    assert_eq!(
        error("@.a and @.b").hint.as_deref(),
        Some("use && to require both conditions")
    );
    // Quoted, a space is fine.
    assert!(parse("@.body['event Name'] == 'x'").matches(&json!({"body": {"event Name": "x"}})));
}

#[test]
fn strings_are_checked_before_parsing() {
    let e = error("@.a == 'abc");
    assert_eq!(
        (e.position, e.what.as_str()),
        (Some(7), "unterminated string")
    );
    assert_eq!(e.hint.as_deref(), Some("close it with '"));
    let e = error("@.a == \"abc");
    assert_eq!(e.hint.as_deref(), Some("close it with \""));
    let e = error("@.a == 'x\\q'");
    assert_eq!(
        (e.position, e.what.as_str()),
        (Some(9), "invalid escape `\\q`")
    );
    let e = error("@.a == 'say \\\"hi'");
    assert_eq!(e.hint.as_deref(), Some("\" needs no backslash inside '…'"));
    let e = error("@.a == 'x\\u12'");
    assert_eq!(e.what, "invalid escape `\\u`");
    let e = error("@.a == 'tab\there'");
    assert_eq!(e.position, Some(11));
    assert_eq!(e.hint.as_deref(), Some("write it as the escape \\u0009"));
    // Valid escapes parse.
    assert!(parse("@.a == 'x\\n\\t\\u00e9\\\\\\/\\''").matches(&json!({"a": "x\n\té\\/'"})));
}

#[test]
fn brackets_must_balance() {
    let e = error("(@.a == 1");
    assert_eq!(e.position, Some(9));
    assert_eq!(
        e.to_string(),
        "missing `)` at column 10: to close the `(` at column 1"
    );
    let e = error("@.a == 1)");
    assert_eq!((e.position, e.what.as_str()), (Some(8), "unmatched `)`"));
    let e = error("(@.a == 1]");
    assert_eq!((e.position, e.what.as_str()), (Some(9), "mismatched `]`"));
    let e = error("$[?@.a == 1");
    assert_eq!(e.what, "missing `]`");
    // Brackets inside strings are data.
    assert!(parse("@.a == '(]'").matches(&json!({"a": "(]"})));
}

#[test]
fn queries_that_are_not_filters_are_refused() {
    for query in ["$.body.x", "$", "$[?@.a == 1].b", "$.body[*]", "$..x"] {
        let e = error(query);
        assert_eq!(e.kind, FilterErrorKind::NotAFilter, "{query}");
        assert!(
            e.to_string()
                .contains("a filter must be `$[?…]` or a predicate starting with `@`"),
            "{query}: {e}"
        );
    }
    assert_eq!(
        error("$.body.x").hint.as_deref(),
        Some("a filter must be `$[?…]` or a predicate starting with `@` (did you mean @.body.x?)")
    );
    assert_eq!(error("  $.body.x").position, Some(2));
}

#[test]
fn functions_are_checked() {
    let e = error("foo(@.a)");
    assert_eq!(
        (e.position, e.what.as_str()),
        (Some(0), "unknown function `foo`")
    );
    let e = error("@.a == 1 && match(@.a)");
    assert_eq!(e.position, Some(12));
    assert_eq!(e.what, "match() takes two arguments, not 1");
    let e = error("length(@.a, @.b) > 1");
    assert_eq!(e.what, "length() takes one argument, not 2");
    let e = error("length(@.body.items)");
    assert_eq!(e.kind, FilterErrorKind::Invalid);
    assert_eq!(
        (e.position, e.what.as_str()),
        (Some(0), "length() is not a condition")
    );
    let e = error("@.a == 1 && count(@.b)");
    assert_eq!(
        (e.position, e.what.as_str()),
        (Some(12), "count() is not a condition")
    );
    let e = error("match(@.a, 'x') == true");
    assert_eq!(e.kind, FilterErrorKind::Invalid);
    assert_eq!(
        (e.position, e.what.as_str()),
        (Some(0), "match() cannot be compared")
    );
    let e = error("count('a') > 1");
    assert_eq!(e.what, "count() needs a query as its argument");
}

#[test]
fn comparisons_need_single_values() {
    for (expr, path) in [
        ("@.a[*] == 1", "@.a[*]"),
        ("@..a == 1", "@..a"),
        ("@.a[1:2] == 1", "@.a[1:2]"),
        ("1 == @.a[0,1]", "@.a[0,1]"),
        ("@.x == 1 && @.a[?@.b] == 1", "@.a[?@.b]"),
    ] {
        let e = error(expr);
        assert_eq!(
            e.what,
            format!("`{path}` can select several values"),
            "{expr}"
        );
    }
}

#[test]
fn end_of_input_errors_say_what_was_expected() {
    let cases = [
        ("@.a ==", "expected a value after =="),
        ("!", "expected a condition after !"),
        ("@.", "expected a field name after ."),
        ("@.a == 1 || ", "expected a condition after ||"),
    ];
    for (expr, hint) in cases {
        let e = error(expr);
        assert_eq!(e.what, "unexpected end of filter", "{expr}");
        assert_eq!(e.hint.as_deref(), Some(hint), "{expr}");
    }
}

#[test]
fn numbers_out_of_range_are_reported() {
    let e = error("@.a == 99999999999999999999");
    assert_eq!(e.position, Some(7));
    assert_eq!(e.what, "number `99999999999999999999` out of range");
    assert!(parse("@.a < 1e20").matches(&json!({"a": 5})));
}

// ---------------------------------------------------------------- presets

#[test]
fn presets_reparse_to_the_same_filter() {
    let mut presets = vec![
        Filter::preset_expired(),
        Filter::preset_malformed(),
        Filter::preset_has_correlation(),
    ];
    for name in [
        "OrderCreated",
        "it's",
        "say \"hi\"",
        "back\\slash",
        "tab\tand\nnewline\u{1}",
        "日本 😀",
        "",
    ] {
        presets.push(Filter::preset_same_type(name));
    }
    for preset in presets {
        let reparsed = parse(preset.expression());
        assert_eq!(
            reparsed.predicate.as_ref().map(|p| &p.ast),
            preset.predicate.as_ref().map(|p| &p.ast),
            "{}",
            preset.expression()
        );
        assert_eq!(
            reparsed.literals,
            preset.literals,
            "{}",
            preset.expression()
        );
    }
}

#[test]
fn preset_expired() {
    let filter = Filter::preset_expired();
    assert_eq!(filter.expression(), "@.meta.expired == true");
    let mut doc = sample();
    assert!(filter.matches(&doc));
    doc["meta"]["expired"] = json!(false);
    assert!(!filter.matches(&doc));
    assert!(!filter.matches(&json!({})));
}

#[test]
fn preset_malformed() {
    let filter = Filter::preset_malformed();
    let with = |problems: Value| {
        let mut doc = sample();
        doc["problems"] = problems;
        filter.matches(&doc)
    };
    assert!(!with(json!([])));
    assert!(!with(json!([{"kind": "expired", "message": "m"}])));
    assert!(with(json!([{"kind": "bad_date", "message": "m"}])));
    assert!(with(json!([
        {"kind": "expired", "message": "m"},
        {"kind": "invalid_json", "message": "m"}
    ])));
    assert!(!filter.matches(&json!({})));
}

#[test]
fn preset_has_correlation() {
    let filter = Filter::preset_has_correlation();
    let with = |correlation: Value| {
        let mut doc = sample();
        doc["meta"]["correlation"] = correlation;
        filter.matches(&doc)
    };
    assert!(with(
        json!({"correlation_id": "c", "causation_id": null, "trace_id": null})
    ));
    assert!(with(
        json!({"correlation_id": null, "causation_id": null, "trace_id": "t"})
    ));
    assert!(!with(
        json!({"correlation_id": null, "causation_id": null, "trace_id": null})
    ));
    assert!(!with(json!({})));
    assert!(!with(json!(null)));
}

#[test]
fn preset_same_type_matches_exactly() {
    for name in [
        "OrderCreated",
        "it's",
        "say \"hi\"",
        "a\\b",
        "line\nbreak",
        "日本",
    ] {
        let filter = Filter::preset_same_type(name);
        let mut doc = sample();
        doc["meta"]["type"] = json!(name);
        assert!(filter.matches(&doc), "{name:?}");
        doc["meta"]["type"] = json!(format!("{name}x"));
        assert!(!filter.matches(&doc), "{name:?}");
    }
    assert_eq!(
        Filter::preset_same_type("it's").expression(),
        "@.meta.type == 'it\\'s'"
    );
}

#[test]
fn string_literal_escapes_what_it_must() {
    assert_eq!(string_literal("plain"), "'plain'");
    assert_eq!(string_literal("it's"), "'it\\'s'");
    assert_eq!(string_literal("a\\b"), "'a\\\\b'");
    assert_eq!(string_literal("\"q\""), "'\"q\"'");
    assert_eq!(string_literal("\n\t\u{1b}"), "'\\n\\t\\u001b'");
    assert_eq!(string_literal("é"), "'é'");
}

// ---------------------------------------------------------------- might_match

#[test]
fn required_literals_come_only_from_anded_equalities_on_verbatim_fields() {
    let cases: &[(&str, &[&str])] = &[
        ("@.body.eventName == 'SEND_EMAIL'", &["SEND_EMAIL"]),
        ("'SEND_EMAIL' == @.body.eventName", &["SEND_EMAIL"]),
        (
            "@.body.a == 'xx' && (@.attributes.t == 'acme' && @.receive_count > 1)",
            &["acme", "xx"],
        ),
        ("$[?@.key == 'k1' && @.system.s == 'k1']", &["k1"]),
        ("$.body.a == 'xx'", &["xx"]),
        // not required
        ("@.body.a == 'xx' || @.body.b == 'yy'", &[]),
        ("!(@.body.a == 'xx')", &[]),
        ("@.body.a != 'xx'", &[]),
        ("@.body.a > 'xx'", &[]),
        ("@.body.items[?@.sku == 'A1']", &[]),
        ("match(@.body.a, 'xx')", &[]),
        ("value(@.body.a) == 'xx'", &[]),
        ("'xx' == 'xx'", &[]),
        ("@.body.a == @.body.b", &[]),
        // derived fields
        ("@.meta.type == 'OrderCreated'", &[]),
        ("@.problems[0].kind == 'expired'", &[]),
        ("@.source == 'file'", &[]),
        // literals a serializer may escape
        ("@.body.a == 'a/b'", &[]),
        ("@.body.a == 'é'", &[]),
        ("@.body.a == 'a<b'", &[]),
        ("@.body.a == 'x=y'", &[]),
        ("@.body.a == 'a+b'", &[]),
        ("@.body.a == ''", &[]),
        ("@.body.a == 'ok' && @.body.b == 'a\"b'", &["ok"]),
    ];
    for &(expr, expected) in cases {
        let filter = parse(expr);
        assert_eq!(filter.prefilter_literals(), expected, "{expr}");
    }
}

#[test]
fn might_match_rejects_lines_without_the_literal() {
    let filter = parse("@.body.eventName == 'SEND_EMAIL' && @.attributes.tenant == 'acme'");
    assert!(
        filter
            .might_match(br#"{"body":{"eventName":"SEND_EMAIL"},"attributes":{"tenant":"acme"}}"#)
    );
    assert!(
        !filter.might_match(br#"{"body":{"eventName":"SEND_SMS"},"attributes":{"tenant":"acme"}}"#)
    );
    assert!(!filter.might_match(br#"{"body":{"eventName":"SEND_EMAIL"}}"#));
    assert!(!filter.might_match(b""));
    // Without required literals every line may match.
    assert!(parse("@.receive_count > 1").might_match(b""));
}

#[test]
fn might_match_keeps_lines_that_may_spell_the_literal_otherwise() {
    let filter = parse("@.body.eventName == 'SEND_EMAIL'");
    // Any character may be a `\u` escape.
    let escaped = br#"{"body":{"eventName":"SEND\u005fEMAIL"}}"#;
    assert!(filter.might_match(escaped));
    assert!(filter.matches(&serde_json::from_slice(escaped).unwrap()));
    // A body in base64 (of `{"eventName":"SEND_EMAIL"}`).
    assert!(filter.might_match(
        br#"{"evscope_capture":1,"id":"b","body_encoding":"base64","body":"eyJldmVudE5hbWUiOiJTRU5EX0VNQUlMIn0="}"#
    ));
    // Escapes of other kinds do not hide a literal.
    assert!(!filter.might_match(br#"{"body":{"eventName":"SEND_SMS","p":"{\"a\":1}"}}"#));
}

/// How a producer may have written a JSON string.
#[derive(Clone, Copy, Debug)]
enum Style {
    /// Only what JSON requires (serde_json, Python without ensure_ascii).
    Minimal,
    /// `/` as `\/` (PHP).
    Slash,
    /// Everything non-ASCII as `\uXXXX` (Python's default).
    Ascii,
    /// HTML-sensitive characters escaped (Gson, .NET) plus non-ASCII.
    Html,
    /// Every char outside the prefilter's safe set escaped.
    Paranoid,
}

fn escape_into(text: &str, style: Style, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        let must = matches!(c, '"' | '\\') || c < ' ';
        let wants = match style {
            Style::Minimal => false,
            Style::Slash => c == '/',
            Style::Ascii => !c.is_ascii(),
            Style::Html => !c.is_ascii() || "<>&'=+`".contains(c),
            Style::Paranoid => !prefilter::prefilter_safe(c.encode_utf8(&mut [0; 4])),
        };
        if must || wants {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out.push('"');
}

fn write_json(value: &Value, style: Style, out: &mut String) {
    match value {
        Value::String(s) => escape_into(s, style, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, style, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                escape_into(k, style, out);
                out.push(':');
                write_json(v, style, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The lines a document may have been read from: written in every
/// [`Style`], and with the body as JSON inside a JSON string.
fn lines_for(doc: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for style in [
        Style::Minimal,
        Style::Slash,
        Style::Ascii,
        Style::Html,
        Style::Paranoid,
    ] {
        let mut line = String::new();
        write_json(doc, style, &mut line);
        // Each line must still be the same document.
        assert_eq!(&serde_json::from_str::<Value>(&line).expect("valid"), doc);
        lines.push(line);
        let mut nested = doc.clone();
        let mut body = String::new();
        write_json(&doc["body"], style, &mut body);
        nested["body"] = Value::String(body);
        let mut line = String::new();
        write_json(&nested, style, &mut line);
        lines.push(line);
    }
    lines
}

/// A tiny deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

#[test]
fn might_match_never_rejects_a_matching_line() {
    const WORDS: &[&str] = &[
        "SEND_EMAIL",
        "send email",
        "a/b",
        "x\"y",
        "é",
        "日本",
        "<tag>",
        "it's",
        "a=b",
        "a+b",
        "tab\there",
        "back\\slash",
        "OrderCreated",
        "v1.2:3@x",
        "",
        "emoji 😀",
        "100%",
        "{x}",
    ];
    let mut rng = Rng(7);
    let value = |rng: &mut Rng| {
        let first = rng.pick(WORDS);
        if rng.next() % 3 == 0 {
            format!("{first}{}", rng.pick(WORDS))
        } else {
            first.to_string()
        }
    };
    let (mut matched, mut rejected, mut checked) = (0, 0, 0);
    for _ in 0..120 {
        let doc = json!({
            "id": value(&mut rng),
            "key": value(&mut rng),
            "attributes": {"a": value(&mut rng)},
            "system": {"s": value(&mut rng)},
            "body": {"f": value(&mut rng), "g": value(&mut rng), "list": [value(&mut rng)], "n": 2},
            "meta": {"type": value(&mut rng)},
        });
        let lines = lines_for(&doc);
        let mut filters = Vec::new();
        for _ in 0..12 {
            let (x, y) = (
                string_literal(&value(&mut rng)),
                string_literal(&value(&mut rng)),
            );
            filters.push(format!("@.body.f == {x}"));
            filters.push(format!("@.body.f == {x} && @.attributes.a == {y}"));
            filters.push(format!("(@.body.g == {x}) && @.body.n > 1"));
            filters.push(format!("@.key == {x} || @.system.s == {y}"));
            filters.push(format!("@.body.list[0] == {x} && !(@.body.f == {y})"));
            filters.push(format!("@.meta.type == {x}"));
        }
        // Filters built from the document's own values, so many match.
        for field in ["f", "g"] {
            let own = string_literal(doc["body"][field].as_str().unwrap_or(""));
            let attr = string_literal(doc["attributes"]["a"].as_str().unwrap_or(""));
            filters.push(format!("@.body.{field} == {own}"));
            filters.push(format!(
                "@.body.{field} == {own} && @.attributes.a == {attr}"
            ));
        }
        for expr in &filters {
            let filter = parse(expr);
            let matches = filter.matches(&doc);
            for line in &lines {
                let might = filter.might_match(line.as_bytes());
                assert!(
                    !matches || might,
                    "{expr} matches but might_match rejects {line}"
                );
                checked += 1;
                matched += usize::from(matches);
                rejected += usize::from(!might);
            }
        }
    }
    // The property was exercised both ways.
    assert!(matched > 1000, "only {matched} of {checked} matched");
    assert!(rejected > 1000, "only {rejected} of {checked} rejected");
}

// ---------------------------------------------------------------- robustness

/// Parses, and when it succeeds evaluates, without panicking.
fn survive(expr: &str) {
    match Filter::parse(expr) {
        Ok(filter) => {
            filter.matches(&sample());
            filter.might_match(b"{\"body\":{}}");
        }
        Err(e) => {
            // The message and caret render, and the position is inside the text.
            assert!(!e.to_string().is_empty());
            e.caret_line();
            if let Some(p) = e.position {
                assert!(p <= expr.chars().count(), "{expr:?}: {p}");
            }
        }
    }
}

#[test]
fn every_prefix_of_valid_filters_is_handled() {
    for &(expr, _) in SEMANTICS {
        let chars: Vec<char> = expr.chars().collect();
        for n in 0..=chars.len() {
            let prefix: String = chars[..n].iter().collect();
            survive(&prefix);
            survive(&format!("$[?{prefix}"));
        }
    }
}

#[test]
fn random_garbage_is_handled() {
    const PIECES: &[&str] = &[
        "@", "$", ".", "..", "[", "]", "(", ")", "?", "!", "=", "==", "!=", "<", ">", "&&", "||",
        "'", "\"", "\\", "a", "body", "0", "-1", "1.5e3", "*", ":", ",", " ", "length(", "match(",
        "count(", "é", "😀", "\u{0}", "\n", "true", "null", "'x'", "and", "[?", "@.a",
    ];
    let mut rng = Rng(42);
    for _ in 0..4000 {
        let len = rng.next() % 24;
        let expr: String = (0..len).map(|_| rng.pick(PIECES)).collect();
        survive(&expr);
    }
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let n = 10_000;
    let cases = [
        format!("{}@.a == 1{}", "(".repeat(n), ")".repeat(n)),
        format!("{}@.a == 1", "(".repeat(n)),
        format!("{}@.a", "!(".repeat(n)),
        format!("@.a{}", "[0]".repeat(n)),
        format!("{}@.a{}", "@[?".repeat(n), "]".repeat(n)),
        format!("{}@.a{} > 1", "length(".repeat(n), ")".repeat(n)),
        format!("$[?{}]", "[".repeat(n)),
        "]".repeat(n),
    ];
    // A small stack proves nothing recurses per level.
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            for expr in &cases {
                match Filter::parse(expr) {
                    Ok(filter) => {
                        // `[0]` chains are flat, not nested: fine to accept.
                        assert!(!filter.matches(&sample()));
                    }
                    Err(e) => assert_ne!(e.kind, FilterErrorKind::NotAFilter),
                }
            }
            let e = Filter::parse(&cases[0]).expect_err("too deep");
            assert_eq!(e.kind, FilterErrorKind::TooComplex);
            assert_eq!(e.position, Some(diagnose::MAX_NESTING));
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn nesting_at_the_limit_parses_and_evaluates_on_a_small_stack() {
    let depth = diagnose::MAX_NESTING - 1;
    let parens = format!(
        "{}@.receive_count == 3{}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let filters = format!(
        "{}@.receive_count{}",
        "@.body[?".repeat(depth / 2),
        "]".repeat(depth / 2)
    );
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            assert!(
                Filter::parse(&parens)
                    .expect("at the limit")
                    .matches(&sample())
            );
            Filter::parse(&filters)
                .expect("at the limit")
                .matches(&sample());
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn broken_function_nesting_fails_fast() {
    // A failing parse backtracks ~3 ways per function level: the nesting
    // limit is what keeps this quick.
    let depth = diagnose::MAX_FUNCTION_NESTING;
    let broken = format!("{}@.a =={} > 1", "length(".repeat(depth), ")".repeat(depth));
    let started = std::time::Instant::now();
    let e = error(&broken);
    assert_eq!(e.kind, FilterErrorKind::Syntax);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let too_deep = format!(
        "{}@.a{} > 1",
        "length(".repeat(depth + 1),
        ")".repeat(depth + 1)
    );
    let e = error(&too_deep);
    assert_eq!(e.kind, FilterErrorKind::TooComplex);
    assert_eq!(e.position, Some(depth * "length(".len() + "length".len()));
}

#[test]
fn long_expressions() {
    let huge = "a".repeat(MAX_EXPRESSION_BYTES + 1);
    let e = error(&huge);
    assert_eq!(e.kind, FilterErrorKind::TooComplex);
    assert_eq!(e.position, None);
    let long_literal = format!("@.body.x == '{}'", "y".repeat(50_000));
    assert!(!parse(&long_literal).matches(&sample()));
    let many = vec!["@.receive_count == 3"; 1_000].join(" && ");
    assert!(parse(&many).matches(&sample()));
    let unicode = format!("@.body.x == '{}'", "é😀".repeat(5_000));
    assert!(!parse(&unicode).matches(&sample()));
}

#[test]
fn derived_fields_are_detected_conservatively() {
    let reads = |e: &str| Filter::parse(e).unwrap().reads_derived_fields();
    assert!(reads("@.meta.expired == true"));
    assert!(reads("@['problems'][0]"));
    assert!(reads("@.*[?@ == 1]"));
    assert!(reads("$[?@..kind]"));
    assert!(!reads("@.body.eventName == 'SEND_EMAIL' && @.key == 'k'"));
    assert!(!reads(""));
}

#[test]
fn native_comparisons_and_tests_agree_with_jsonpath() {
    let values = [
        json!(null),
        json!(true),
        json!(false),
        json!(3),
        json!(3.0),
        json!(-2.5),
        json!(12345678901234u64),
        json!("3"),
        json!("abc"),
        json!("abd"),
        json!("Málaga"),
        json!([1, 2]),
        json!({"a": 1}),
    ];
    let literals = [
        "null",
        "true",
        "false",
        "3",
        "3.0",
        "-2.5",
        "'3'",
        "'abc'",
        "'Málaga'",
    ];
    let ops = ["==", "!=", "<", "<=", ">", ">="];
    for a in &values {
        for b in &values {
            let doc = json!({"body": {"a": a, "b": b, "list": [a, b]}});
            let mut exprs = vec![
                "@.body.a".to_string(),
                "!@.body.a".to_string(),
                "@.body.list[-2]".to_string(),
                "@.body.list[2]".to_string(),
                "!@.body.missing".to_string(),
            ];
            for op in ops {
                exprs.push(format!("@.body.a {op} @.body.b"));
                exprs.push(format!("@.body.a {op} @.body.missing"));
                exprs.push(format!("@.body.missing {op} @.body.other"));
                exprs.push(format!("@.body.list[1] {op} @.body.a"));
                for literal in literals {
                    exprs.push(format!("@.body.a {op} {literal}"));
                    exprs.push(format!("{literal} {op} @.body.b"));
                }
            }
            for expr in &exprs {
                let filter = parse(expr);
                assert!(
                    matches!(
                        filter.predicate.as_ref().map(|p| &p.node),
                        Some(compile::Node::Compare { .. } | compile::Node::Exists { .. })
                    ),
                    "{expr} is evaluated natively"
                );
                assert_eq!(
                    filter.matches(&doc),
                    reference(expr, &doc),
                    "{expr} on {doc}"
                );
            }
        }
    }
}

/// A document that answers paths and nothing else.
struct PathsOnly(Value);

impl Lookup for PathsOnly {
    fn lookup(&self, steps: &[Step]) -> Option<std::borrow::Cow<'_, Value>> {
        resolve(&self.0, steps).map(std::borrow::Cow::Borrowed)
    }
}

#[test]
fn a_document_answering_paths_matches_as_the_built_one() {
    let doc = json!({"id": "m1", "receive_count": 4, "meta": {"expired": true, "type": "A"},
        "body": {"a": 2, "list": [1, 2], "s": "hello"}});
    for expr in [
        "@.meta.expired == true",
        "@.receive_count > 3 && @.meta.type == 'A'",
        "@.body.list[-1] == 2 || @.id == 'x'",
        "!@.body.missing && match(@.body.s, 'h.*')",
        "@.body.a >= 3",
    ] {
        let filter = parse(expr);
        assert!(filter.is_native(), "{expr}");
        assert_eq!(
            filter.matches_lookup(&PathsOnly(doc.clone())),
            Some(filter.matches(&doc)),
            "{expr}"
        );
    }
    // Only jsonpath-rust evaluates a function of a node list.
    let whole = parse("length(@.body.list) == 2");
    assert!(!whole.is_native());
    assert_eq!(whole.matches_lookup(&PathsOnly(doc.clone())), None);
    assert_eq!(whole.matches_lookup(&doc), Some(true));
}

/// A filter selector at the end of a path (`@.problems[?@.kind == 'x']`)
/// is evaluated natively when its filter reads `@` alone, and answers as
/// jsonpath-rust does: over arrays and objects, every kind of child, and
/// each negated.
#[test]
fn native_filter_selectors_agree_with_jsonpath() {
    let children = [
        json!([]),
        json!({}),
        json!([{"kind": "bad_date", "n": 2}, {"kind": "expired"}]),
        json!([{"kind": "expired", "n": 5}]),
        json!({"a": {"kind": "bad_date"}, "b": 3}),
        json!([1, 2, 3, "x", null, [1], {"n": 1}]),
        json!("bad_date"),
        json!(7),
        json!(null),
    ];
    let filters = [
        "?@.kind == 'bad_date'",
        "?@.kind",
        "?!@.kind",
        "?@.n > 1 && @.kind != 'expired'",
        "?@ > 1",
        "?@ == 'x' || @[0] == 1",
        "?match(@.kind, 'bad.*')",
        "?search(@, 'x')",
    ];
    for list in &children {
        let doc = json!({"problems": list, "body": {"list": list, "a": 2}});
        for filter in filters {
            for path in ["@.problems", "@.body.list", "@.body.missing", "@.body.a"] {
                for not in ["", "!"] {
                    let expr = format!("{not}{path}[{filter}]");
                    let parsed = parse(&expr);
                    assert!(parsed.is_native(), "{expr} is evaluated natively");
                    let expected = reference(&expr, &doc);
                    assert_eq!(parsed.matches(&doc), expected, "{expr} on {doc}");
                    assert_eq!(
                        parsed.matches_lookup(&PathsOnly(doc.clone())),
                        Some(expected),
                        "{expr} on {doc}"
                    );
                }
            }
        }
    }
    // Nested, as long as every filter reads its own `@`.
    let nested = parse("@.body.lists[?@.list[?@ > 1]]");
    assert!(nested.is_native());
    for (lists, expected) in [
        (json!([{"list": [0, 2]}]), true),
        (json!([{"list": [1]}]), false),
    ] {
        let doc = json!({"body": {"lists": lists}});
        assert_eq!(nested.matches(&doc), expected, "{doc}");
        assert_eq!(reference("@.body.lists[?@.list[?@ > 1]]", &doc), expected);
    }
    // A filter that may read the root, the document's own members, or a
    // function of a node list stay with jsonpath-rust.
    for expr in [
        "@.problems[?@.n == $.body.a]",
        "@[?@.kind]",
        "@.problems[?length(@.kind) > 1]",
    ] {
        assert!(!parse(expr).is_native(), "{expr}");
    }
}
