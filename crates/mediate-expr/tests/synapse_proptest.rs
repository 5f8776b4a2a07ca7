//! Property tests: the parser never panics; integer arithmetic follows Java int/long rules as
//! MI applies them; `x == x` for literals.

use mediate_expr::synapse::{ExprValue, MapEnv, SynapseExpression, SynapseTemplate};
use proptest::prelude::*;
use serde_json::json;

fn env() -> MapEnv {
    MapEnv::with_payload(json!({"a": [1, {"b": "x"}], "n": 2.5, "s": "str"}))
        .var("v", 3)
        .header("h", "1")
}

fn eval(src: &str) -> Result<ExprValue, String> {
    SynapseExpression::compile(src)
        .map_err(|e| e.to_string())?
        .evaluate(&env())
        .map_err(|e| e.to_string())
}

/// What MI (Java) computes for `a OP b` on two literals.
fn java(a: i64, op: char, b: i64) -> Option<String> {
    let small = |x: i64| i32::try_from(x).ok();
    Some(match (small(a), small(b)) {
        (Some(x), Some(y)) => match op {
            '+' => x
                .checked_add(y)
                .map_or((a + b).to_string(), |v| v.to_string()),
            '-' => x.wrapping_sub(y).to_string(),
            '*' => x
                .checked_mul(y)
                .map_or((a * b).to_string(), |v| v.to_string()),
            '/' => {
                if y == 0 {
                    return None;
                }
                if x.wrapping_rem(y) == 0 {
                    x.wrapping_div(y).to_string()
                } else {
                    ExprValue::Double(f64::from(x) / f64::from(y)).to_string()
                }
            }
            _ => {
                if y == 0 {
                    return None;
                }
                x.wrapping_rem(y).to_string()
            }
        },
        _ => match op {
            '+' => a.wrapping_add(b).to_string(),
            '-' => a.wrapping_sub(b).to_string(),
            '*' => a.wrapping_mul(b).to_string(),
            '/' => {
                if b == 0 {
                    return None;
                }
                ExprValue::Double(a as f64 / b as f64).to_string()
            }
            _ => {
                if b == 0 {
                    return None;
                }
                a.wrapping_rem(b).to_string()
            }
        },
    })
}

fn literal(i: i64) -> String {
    // parenthesised so `1 - -2` and i64::MIN stay valid
    if i == i64::MIN {
        "(-9223372036854775807 - 1)".to_owned()
    } else {
        format!("({i})")
    }
}

fn int_strategy() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i32>().prop_map(i64::from),
        any::<i64>(),
        -100i64..100,
        Just(i64::from(i32::MAX)),
        Just(i64::from(i32::MIN)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parser_never_panics(s in "\\PC{0,60}") {
        let _ = eval(&s);
        let _ = eval(&format!("${{{s}}}"));
        let _ = SynapseTemplate::compile(&s).map(|t| t.render_lenient(&env()));
    }

    #[test]
    fn parser_never_panics_on_expression_like_input(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("payload"), Just("$"), Just("vars"), Just("."), Just(".."), Just("["), Just("]"),
                Just("("), Just(")"), Just("?"), Just(":"), Just("@"), Just("*"), Just("+"), Just("-"),
                Just("/"), Just("%"), Just("=="), Just("!="), Just("<"), Just(">="), Just("&&"),
                Just("||"), Just("!"), Just(","), Just("'x'"), Just("\"y\""), Just("1"), Just("2.5"),
                Just("a"), Just("b"), Just("n"), Just("v"), Just("headers"), Just("props"),
                Just("synapse"), Just("params"), Just("queryParams"), Just("toUpper"), Just("length"),
                Just("split"), Just("subString"), Just("exists"), Just("null"), Just("true"),
                Just(" "), Just("${"), Just("}"), Just("length()"), Just("?(@.b == 'x')")
            ],
            0..25,
        )
    ) {
        let s: String = parts.concat();
        let _ = eval(&s);
        let _ = SynapseTemplate::compile(&s).map(|t| t.render_lenient(&env()));
    }

    #[test]
    fn integer_arithmetic_matches_java(a in int_strategy(), b in int_strategy(), op in prop_oneof![Just('+'), Just('-'), Just('*'), Just('/'), Just('%')]) {
        let src = format!("{} {op} {}", literal(a), literal(b));
        let got = eval(&src);
        match java(a, op, b) {
            Some(want) => prop_assert_eq!(got.map(|v| v.to_string()), Ok(want), "{}", src),
            None => prop_assert!(got.is_err()),
        }
    }

    #[test]
    fn literal_equals_itself(lit in prop_oneof![
        any::<i64>().prop_map(|i| if i == i64::MIN { "0".to_owned() } else { i.to_string() }),
        (-1.0e6f64..1.0e6).prop_map(|d| format!("{d:.3}")),
        "[a-zA-Z0-9 _\\-]{0,12}".prop_map(|s| format!("'{s}'")),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
    ]) {
        let src = format!("${{{lit} == {lit}}}");
        prop_assert_eq!(eval(&src), Ok(ExprValue::Bool(true)), "{}", src);
        let src = format!("{lit} != {lit}");
        prop_assert_eq!(eval(&src), Ok(ExprValue::Bool(false)), "{}", src);
    }
}

#[test]
fn filter_with_escaped_non_ascii_does_not_panic() {
    let _ = eval("payload.a[?(@.b == '\\é')]");
    let _ = eval("payload.a[?(@.b == \"x\\\u{1F600}\")]");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn filters_never_panic(body in "[@.?()=<>!&|'\"\\\\a-cé😀 0-9vars$]{0,30}") {
        let _ = eval(&format!("payload.a[?{body}]"));
        let _ = eval(&format!("payload.a[?({body})].b"));
    }
}
