//! Property tests for `mediate_expr::jsonpath`.

use mediate_expr::jsonpath::{JsonEvalResult, JsonPath};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-z]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((name(), inner), 0..6)
                .prop_map(|kvs| Value::Object(kvs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Member names, including ones that need quoting or Jayway's relaxed dot notation.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,5}",
        "[a-z0-9 '\"\\\\.\\[\\]$@*-]{0,6}",
        "\\PC{0,4}",
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Name(String),
    Index(i64),
}

/// Renders a definite path, choosing dot or bracket notation.
fn render(steps: &[(Step, bool)]) -> String {
    let mut out = String::from("$");
    for (step, alt) in steps {
        match step {
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Name(n) => {
                let dot_ok = !n.is_empty()
                    && !n.starts_with('*')
                    && !n.chars().any(|c| {
                        c.is_whitespace()
                            || matches!(
                                c,
                                '.' | '[' | '(' | ')' | '\'' | '"' | ']' | '$' | '@' | '?' | ','
                            )
                    });
                if *alt && dot_ok {
                    out.push('.');
                    out.push_str(n);
                } else {
                    out.push_str(&format!("[{}]", serde_json::to_string(n).unwrap()));
                }
            }
        }
    }
    out
}

fn walk<'a>(mut v: &'a Value, steps: &[(Step, bool)]) -> Option<&'a Value> {
    for (step, _) in steps {
        v = match (step, v) {
            (Step::Name(n), Value::Object(o)) => o.get(n)?,
            (Step::Index(i), Value::Array(a)) => {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                a.get(usize::try_from(idx).ok()?)?
            }
            _ => return None,
        };
    }
    Some(v)
}

/// Steps that follow the document where possible, so many cases hit a value.
fn steps_for(doc: Value) -> impl Strategy<Value = (Value, Vec<(Step, bool)>)> {
    let d = doc.clone();
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            any::<bool>(),
            name(),
            -3i64..6,
            any::<bool>(),
        ),
        0..5,
    )
    .prop_map(move |picks| {
        let mut cur = Some(&d);
        let mut steps = Vec::new();
        for (pick, follow, random_name, random_index, alt) in picks {
            let step = match (cur, follow) {
                (Some(Value::Object(o)), true) if !o.is_empty() => Step::Name(
                    o.keys()
                        .nth(pick.index(o.len()))
                        .cloned()
                        .unwrap_or_default(),
                ),
                (Some(Value::Array(a)), true) if !a.is_empty() => {
                    let i = pick.index(a.len()) as i64;
                    Step::Index(if alt { i - a.len() as i64 } else { i })
                }
                _ if random_index % 2 == 0 => Step::Index(random_index),
                _ => Step::Name(random_name),
            };
            steps.push((step, alt));
            cur = cur.and_then(|c| walk(c, &steps[steps.len() - 1..]));
        }
        (d.clone(), steps)
    })
}

proptest! {
    #[test]
    fn compile_never_panics(s in "\\PC{0,40}") {
        if let Ok(p) = JsonPath::compile(&s) {
            let _ = p.evaluate(&json!({"a": [1, {"b": "c"}], "d": {"e": null}}));
        }
    }

    #[test]
    fn compile_never_panics_on_path_like_text(s in "[$@.\\[\\]?()'\"a-c0-9*:,=~/<>!&| -]{0,30}") {
        if let Ok(p) = JsonPath::compile(&s) {
            let _ = p.is_definite();
            let _ = p.evaluate(&json!({"a": [1, {"b": "c"}], "b": {"a": [true]}}));
        }
    }

    #[test]
    fn definite_paths_select_exactly_the_value((doc, steps) in arb_json().prop_flat_map(steps_for)) {
        let text = render(&steps);
        let p = JsonPath::compile(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert!(p.is_definite(), "{}", text);
        let expected = walk(&doc, &steps).cloned();
        prop_assert_eq!(p.evaluate(&doc), JsonEvalResult::Definite(expected), "{}", text);
    }
}

/// Paths of every shape the display shortcut must agree on: definite, wildcard, deep scan,
/// filters, slices, unions and trailing functions (which take the long way).
const DISPLAY_PATHS: &[&str] = &[
    "$",
    "$.a",
    "$.a.b",
    "$.a[0]",
    "$[0]",
    "$.*",
    "$..a",
    "$..*",
    "$.a[*]",
    "$.a[0:2]",
    "$[-1]",
    "$['a','b']",
    "$..[?(@.a)]",
    "$.a.length()",
    "$.length()",
    "$..a.length()",
];

proptest! {
    /// `try_display` writes what `try_evaluate` then `to_display_string` gives, for any document.
    #[test]
    fn display_is_the_display_string_of_the_result(doc in arb_json()) {
        for text in DISPLAY_PATHS {
            let path = JsonPath::compile(text).expect("compiles");
            let slow = path.try_evaluate(&doc).map(|r| r.to_display_string());
            let fast = path.try_display(&doc);
            prop_assert_eq!(
                fast.map_err(|e| e.to_string()),
                slow.map_err(|e| e.to_string()),
                "path {}", text
            );
        }
    }
}
