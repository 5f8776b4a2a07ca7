//! Synapse expressions: literals, access, operators, paths, errors (MI 4.4 semantics).

use mediate_expr::synapse::{
    ExprErrorKind, ExprValue, MapEnv, ParamKind, PropertyScope, SynapseExpression, SynapseTemplate,
};
use serde_json::json;

fn env() -> MapEnv {
    MapEnv::with_payload(json!({
        "num1": 10, "num2": 5, "num3": -2, "num4": 6,
        "price": 8.95, "big": 3000000000i64,
        "user": {"first name": "John", "age": 17, "nick": null},
        "books": [
            {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
            {"category": "fiction", "author": "J.R.R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99},
            {"category": "fiction", "author": "Harper Lee", "title": "To Kill a Mockingbird", "price": 10.99},
            {"category": "fiction", "author": "George Orwell", "title": "Animal Farm", "price": 7.99}
        ],
        "store": {"books": [
            {"category": "reference", "price": 8.95},
            {"category": "biography", "author": "Anne Frank", "title": "The Diary of a Young Girl", "price": 6.99},
            {"category": "fiction", "price": 22.99}
        ]},
        "expensive": 20
    }))
    .var("num1", 10)
    .var("num2", 5)
    .var("t", true)
    .var("f", false)
    .var("age", 17)
    .var("minAge", 18)
    .var("last name", "Doe")
    .var("obj", ExprValue::from(json!({"a": {"b": [1, 2, 3]}})))
    .var("jsonText", "{\"k\": [5, 6]}")
    .var("nothing", ExprValue::Null)
    .header("Content-Type", "application/json")
    .property(PropertyScope::Synapse, "propName", "synVal")
    .property(PropertyScope::Axis2, "HTTP_METHOD", "POST")
    .param(ParamKind::Query, "qParamKey", "fiction")
    .param(ParamKind::Path, "id", "42")
    .param(ParamKind::Function, "fp", "fval")
    .config("endpointUrl", "http://x")
}

fn ev(src: &str) -> String {
    let e = SynapseExpression::compile(src).unwrap_or_else(|e| panic!("compile {src}: {e}"));
    e.evaluate(&env())
        .unwrap_or_else(|e| panic!("eval {src}: {e}"))
        .to_string()
}

fn err(src: &str) -> mediate_expr::synapse::ExprError {
    match SynapseExpression::compile(src) {
        Err(e) => e,
        Ok(x) => x.evaluate(&env()).expect_err(src),
    }
}

#[test]
fn literals() {
    assert_eq!(ev(r#"${"Hello World"}"#), "Hello World");
    assert_eq!(ev("${'Hello World'}"), "Hello World");
    assert_eq!(ev("${2025}"), "2025");
    assert_eq!(ev("${123.4}"), "123.4");
    assert_eq!(ev("${true}"), "true");
    assert_eq!(ev("${null}"), "null");
    assert_eq!(ev(r#"${"a\tb\u0041\"'"}"#), "a\tbA\"'");
    assert_eq!(ev("[1, 'a', true, 2.5]"), r#"[1,"a",true,2.5]"#);
}

#[test]
fn bare_and_wrapped_forms() {
    assert_eq!(ev("payload.num1"), "10");
    assert_eq!(ev("  ${ payload.num1 }  "), "10");
}

#[test]
fn access_payload() {
    assert_eq!(ev("payload.num1"), "10");
    assert_eq!(ev("$.num2"), "5");
    assert_eq!(ev(r#"payload.user["first name"]"#), "John");
    assert_eq!(ev("payload.user.nick"), "null");
    assert_eq!(
        ev("payload.books[*].title"),
        r#"["Moby Dick","The Lord of the Rings","To Kill a Mockingbird","Animal Farm"]"#
    );
    assert_eq!(ev("payload.books[0].price"), "8.99");
    assert_eq!(ev("payload.books[-1].title"), "Animal Farm");
    assert_eq!(
        ev("payload.books[1:3].author"),
        r#"["J.R.R. Tolkien","Harper Lee"]"#
    );
    assert_eq!(ev("payload.books[0,2].price"), "[8.99,10.99]");
    assert_eq!(ev("payload..price").matches(',').count(), 7);
    assert_eq!(
        ev("payload.books[vars.num2 - 4].title"),
        "The Lord of the Rings"
    );
    assert_eq!(ev("payload['user'].age"), "17");
    assert_eq!(ev("payload.books.length()"), "4");
    assert_eq!(ev("payload.books[*].price.sum()"), "50.96");
    assert!(ev("payload").starts_with("{\"num1\":10"));
}

#[test]
fn access_variables_headers_properties_params_configs() {
    assert_eq!(ev("vars.num1"), "10");
    assert_eq!(ev(r#"vars["last name"]"#), "Doe");
    assert_eq!(ev("vars.obj.a.b[1]"), "2");
    assert_eq!(ev("vars.obj.a.b.length()"), "3");
    assert_eq!(ev("vars.jsonText.k[1]"), "6");
    assert_eq!(ev("headers.Host == null"), "true");
    assert_eq!(ev(r#"headers["Content-Type"]"#), "application/json");
    assert_eq!(ev(r#"headers["content-type"]"#), "application/json");
    assert_eq!(ev("props.synapse.propName"), "synVal");
    assert_eq!(ev("properties.axis2.HTTP_METHOD"), "POST");
    assert_eq!(ev("params.queryParams.qParamKey"), "fiction");
    assert_eq!(ev("params.pathParams.id"), "42");
    assert_eq!(ev("params.uriParams.id"), "42");
    assert_eq!(ev("params.functionParams.fp"), "fval");
    assert_eq!(ev("configs.endpointUrl"), "http://x");
}

#[test]
fn arithmetic_documented_sample() {
    // MI sample "Operators": num1=10, num2=5, num3=-2
    assert_eq!(ev("payload.num1 + payload.num2"), "15");
    assert_eq!(ev("payload.num1 - payload.num2"), "5");
    assert_eq!(ev("payload.num1 * payload.num3"), "-20");
    assert_eq!(ev("payload.num1 / payload.num2"), "2");
    assert_eq!(ev("payload.num1 % payload.num4"), "4");
    assert_eq!(ev("vars.num1 + vars.num2"), "15");
}

#[test]
fn arithmetic_numbers_like_mi() {
    assert_eq!(ev("8.95 + 8.99"), "17.94");
    assert_eq!(ev("payload.price + payload.books[0].price"), "17.94");
    assert_eq!(ev("5.0 * 5"), "25.0");
    assert_eq!(ev("0.1 + 0.2"), "0.3");
    assert_eq!(ev("0.1 * 0.2"), "0.02");
    assert_eq!(ev("1.5 - 0.2"), "1.3");
    assert_eq!(ev("7 / 2"), "3.5");
    assert_eq!(ev("-7 / 2"), "-3.5");
    assert_eq!(ev("6 / 3"), "2");
    assert_eq!(ev("7 % 3"), "1");
    assert_eq!(ev("-7 % 3"), "-1");
    assert_eq!(ev("5.5 % 2"), "1.5");
    // BigDecimal.divide(x, ROUND_HALF_UP) keeps the scale of the left operand as
    // String.valueOf(double) writes it (MI quirk): `10` is `10.0`, scale 1.
    assert_eq!(ev("10.5 / 2"), "5.3");
    assert_eq!(ev("10 / 4.0"), "2.5");
    assert_eq!(ev("1 / 3.0"), "0.3");
    assert_eq!(ev("1.0 / 3"), "0.3");
    assert_eq!(ev("2.75 / 2"), "1.38");
    // int overflow widens for + and *, wraps for -
    assert_eq!(ev("2147483647 + 1"), "2147483648");
    assert_eq!(ev("2147483647 * 2"), "4294967294");
    assert_eq!(ev("-2147483648 - 1"), "2147483647");
    // long arithmetic wraps; long division is a double
    assert_eq!(ev("9223372036854775807 + 1"), "-9223372036854775808");
    assert_eq!(ev("payload.big / 2"), "1.5E9");
    assert_eq!(ev("payload.big + 1"), "3000000001");
    assert_eq!(ev("(payload.num1 + 5) * 2"), "30");
    assert_eq!(ev("-payload.num1"), "-10");
}

#[test]
fn division_by_zero() {
    assert_eq!(err("1 / 0").kind(), ExprErrorKind::DivisionByZero);
    assert_eq!(err("1 % 0").kind(), ExprErrorKind::DivisionByZero);
    assert_eq!(err("1.5 / 0").kind(), ExprErrorKind::DivisionByZero);
}

#[test]
fn string_concatenation() {
    assert_eq!(ev("'Hello ' + payload.user['first name']"), "Hello John");
    // MI: + between a string and a number is an error
    assert_eq!(err("'n=' + 5").kind(), ExprErrorKind::Type);
}

#[test]
fn comparison() {
    assert_eq!(ev("vars.num1 > vars.num2"), "true");
    assert_eq!(ev("vars.num1 < vars.num2"), "false");
    assert_eq!(ev("vars.num1 >= 10"), "true");
    assert_eq!(ev("vars.num1 <= 9.99"), "false");
    assert_eq!(ev("vars.num1 == vars.num2"), "false");
    assert_eq!(ev("vars.num1 != vars.num2"), "true");
    assert_eq!(ev("payload.price == 8.95"), "true");
    // MI compares string forms
    assert_eq!(ev("5 == '5'"), "true");
    assert_eq!(ev("5 == 5.0"), "false");
    assert_eq!(ev("'a' == 'a'"), "true");
    assert_eq!(err("'a' < 'b'").kind(), ExprErrorKind::Type);
}

#[test]
fn logical() {
    assert_eq!(ev("vars.t and vars.f"), "false");
    assert_eq!(ev("vars.t && vars.t"), "true");
    assert_eq!(ev("vars.t or vars.f"), "true");
    assert_eq!(ev("vars.f || vars.f"), "false");
    assert_eq!(ev("!vars.f"), "true");
    assert_eq!(ev("vars.t && (vars.f || vars.t)"), "true");
    assert_eq!(err("vars.t && 1").kind(), ExprErrorKind::Type);
    // documented example (needs conventional precedence)
    assert_eq!(
        ev("(payload.num1 + 5) > payload.num2 && (payload.num3 - 3) < payload.num4"),
        "true"
    );
}

#[test]
fn conditional() {
    assert_eq!(ev(r#"vars.age > 18 ? "Adult" : "Child""#), "Child");
    assert_eq!(ev("vars.num1 > vars.num2 ? vars.num1 : vars.num2"), "10");
    assert_eq!(ev("vars.nothing == null ? vars.num2 : vars.num1"), "5");
    assert_eq!(ev("true ? false ? 1 : 2 : 3"), "2");
    assert_eq!(err("5 ? 1 : 2").kind(), ExprErrorKind::Type);
}

#[test]
fn filters() {
    assert_eq!(
        ev("payload.store.books[?(@.category == 'biography')]"),
        r#"[{"category":"biography","author":"Anne Frank","title":"The Diary of a Young Girl","price":6.99}]"#
    );
    assert_eq!(
        ev("payload.books[?(@.price > payload.expensive)].title"),
        r#"["The Lord of the Rings"]"#
    );
    assert_eq!(
        ev("payload.books[?(@.price < vars.num1)].title"),
        r#"["Moby Dick","Animal Farm"]"#
    );
    assert_eq!(ev("payload.books[?(@.isbn)].price"), "[8.99,22.99]");
    assert_eq!(
        ev("payload.books[?(@.category == params.queryParams.qParamKey && @.price > 10)].author"),
        r#"["J.R.R. Tolkien","Harper Lee"]"#
    );
    assert_eq!(ev("payload.books[?(@.price > 100)]"), "[]");
}

#[test]
fn null_handling() {
    // definite missing path: error (MI: PathNotFoundException → empty result)
    assert_eq!(err("payload.missing").kind(), ExprErrorKind::NotFound);
    assert_eq!(err("vars.undefined").kind(), ExprErrorKind::NotFound);
    assert_eq!(ev("exists(payload.missing)"), "false");
    assert_eq!(ev("exists(payload.num1)"), "true");
    assert_eq!(ev("payload.user.nick == null"), "true");
    assert_eq!(ev("payload.user.nick != null"), "false");
    assert_eq!(ev("null == null"), "true");
    assert_eq!(ev("1 == null"), "false");
    assert_eq!(err("null + 1").kind(), ExprErrorKind::Type);
    assert_eq!(err("vars.nothing > 1").kind(), ExprErrorKind::Type);
    let e = SynapseExpression::compile("${payload.missing}").unwrap();
    assert_eq!(e.string_value_of(&env()), "");
}

#[test]
fn xml_payload() {
    let env = MapEnv {
        xml_payload: Some("<a><b>1</b></a>".into()),
        ..MapEnv::default()
    };
    let e = SynapseExpression::compile("${payload.a.b}").unwrap();
    let err = e.evaluate(&env).unwrap_err();
    assert!(err.message().contains("xpath"), "{err}");
    let e = SynapseExpression::compile("${payload}").unwrap();
    assert_eq!(
        e.evaluate(&env).unwrap(),
        ExprValue::Xml("<a><b>1</b></a>".into())
    );
    let e = SynapseExpression::compile("${vars.x}").unwrap();
    assert!(e.evaluate(&MapEnv::new()).is_err());
    let e = SynapseExpression::compile("${payload.a}").unwrap();
    assert!(e.evaluate(&MapEnv::new()).is_err());
}

#[test]
fn error_columns() {
    let e = err("${vars.a + }");
    assert_eq!(e.kind(), ExprErrorKind::Syntax);
    assert_eq!(e.column(), Some(12), "{e}");
    let e = err("${(1 + 2}");
    assert_eq!(e.column(), Some(9), "{e}");
    assert!(e.message().contains("expected ')'"), "{e}");
    let e = err("${toUpperr('a')}");
    assert_eq!(e.kind(), ExprErrorKind::UnknownFunction);
    assert_eq!(e.column(), Some(3));
    assert!(e.message().contains("did you mean 'toUpper'"), "{e}");
    let e = err("  subString('abc')");
    assert_eq!(e.kind(), ExprErrorKind::Arity);
    assert_eq!(e.column(), Some(3));
    let e = err("${1 = 2}");
    assert_eq!(e.column(), Some(5));
    let e = err("${'abc}");
    assert!(e.message().contains("unterminated"), "{e}");
    let e = err("${props.foo.x}");
    assert!(e.message().contains("synapse"), "{e}");
    let e = err("${payload.num1 + 'x'}");
    assert_eq!(e.kind(), ExprErrorKind::Type);
    assert_eq!(
        e.column(),
        Some(16),
        "a failing operation points at its operator"
    );
    let e = err("${1 +  payload.nope}");
    assert_eq!(e.column(), Some(8), "{e}");
    let e = err("${vars.a");
    assert_eq!(e.column(), Some(1));
    assert!(err("").message().contains("empty"));
    assert!(err("foo").message().contains("unknown identifier"));
}

#[test]
fn depth_is_guarded() {
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(SynapseExpression::compile(&deep).is_err());
    let long = vec!["1"; 20000].join(" + ");
    assert!(SynapseExpression::compile(&long).is_err());
    let nots = format!("{}true", "!".repeat(10000));
    assert!(SynapseExpression::compile(&nots).is_err());
    let ok = vec!["1"; 50].join(" + ");
    assert_eq!(ev(&ok), "50");
}

/// Compiles and evaluates the deepest accepted form of `make(n)` on a 1 MiB thread.
fn deepest_on_small_stack(make: fn(usize) -> String) -> usize {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            for n in (1..300).rev() {
                if let Ok(e) = SynapseExpression::compile(&make(n)) {
                    let _ = e.evaluate(&env());
                    return n;
                }
            }
            0
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deepest_expressions_fit_a_small_stack() {
    assert!(
        deepest_on_small_stack(|n| format!("{}'a'{}", "toUpper(".repeat(n), ")".repeat(n))) >= 30
    );
    assert!(
        deepest_on_small_stack(|n| format!(
            "{}vars.num1{}",
            "payload.books[".repeat(n),
            "].price".repeat(n)
        )) >= 15
    );
    assert!(deepest_on_small_stack(|n| format!("{}1{}", "(1 + ".repeat(n), ")".repeat(n))) >= 30);
    assert_eq!(deepest_on_small_stack(|n| vec!["1"; n].join(" + ")), 256);
    assert!(deepest_on_small_stack(|n| format!("{}true", "!".repeat(n))) >= 30);
    assert!(
        deepest_on_small_stack(|n| format!("{}1{}", "true ? ".repeat(n), " : 2".repeat(n))) >= 30
    );
}

#[test]
fn templates() {
    let t = SynapseTemplate::compile(
        "Hello ${payload.user['first name']}! You are ${payload.user.age + 1}.",
    )
    .unwrap();
    assert_eq!(t.render(&env()).unwrap(), "Hello John! You are 18.");
    let t = SynapseTemplate::compile("{ \"Hello\" : \"${payload.user.age}\" }").unwrap();
    assert_eq!(t.render(&env()).unwrap(), "{ \"Hello\" : \"17\" }");
    let t = SynapseTemplate::compile("x=${payload.nope}.").unwrap();
    assert!(t.render(&env()).is_err());
    assert_eq!(t.render_lenient(&env()), "x=.");
    let e = SynapseTemplate::compile("abc ${1 +} d").unwrap_err();
    assert_eq!(e.column(), Some(10), "{e}");
    let e = SynapseTemplate::compile("abc ${1").unwrap_err();
    assert_eq!(e.column(), Some(5));
    assert!(
        SynapseTemplate::compile("no expressions")
            .unwrap()
            .is_static()
    );
    let t = SynapseTemplate::compile("${'}'} and ${\"{\"}").unwrap();
    assert_eq!(t.render(&env()).unwrap(), "} and {");
}

#[test]
fn values_convert_and_print() {
    assert_eq!(ExprValue::Double(25.0).to_string(), "25.0");
    assert_eq!(ExprValue::Double(1e-5).to_string(), "1.0E-5");
    assert_eq!(
        ExprValue::from(json!({"a": [1, 2.5]})).to_string(),
        r#"{"a":[1,2.5]}"#
    );
    assert_eq!(ExprValue::from(json!(3)).into_json(), json!(3));
    let v: serde_json::Value = ExprValue::Double(2.5).into();
    assert_eq!(v, json!(2.5));
}

/// Quick timing (run with `--release -- --ignored --nocapture`).
#[test]
#[ignore = "timing, run manually in release mode"]
fn bench_eval() {
    let mut items = Vec::new();
    for i in 0..24 {
        items.push(
            json!({"id": i, "name": format!("item number {i}"), "price": 1.5 * f64::from(i)}),
        );
    }
    let payload = json!({"order": {"id": "A-1", "total": 123.45, "items": items}});
    assert!(serde_json::to_string(&payload).unwrap().len() >= 1000);
    let env = MapEnv::with_payload(payload).var("a", 3).var("b", 4);
    for src in [
        "${vars.a + vars.b * 2}",
        "${payload.order.total * 1.2}",
        "${payload.order.items[3].name}",
    ] {
        let e = SynapseExpression::compile(src).unwrap();
        let n = 200_000;
        let t = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(e.evaluate(&env).unwrap());
        }
        let per = t.elapsed().as_nanos() / n;
        println!("{src}: {per} ns/eval -> {}", e.evaluate(&env).unwrap());
    }
}

#[test]
fn null_result_prints_empty_like_mi() {
    let e = SynapseExpression::compile("${payload.user.nick}").unwrap();
    assert_eq!(e.evaluate(&env()).unwrap(), ExprValue::Null);
    assert_eq!(e.evaluate_to_string(&env()).unwrap(), "");
    assert_eq!(e.string_value_of(&env()), "");
    let t = SynapseTemplate::compile("[${headers.Missing}]").unwrap();
    assert_eq!(t.render(&env()).unwrap(), "[]");
}

#[test]
fn content_awareness() {
    let ca = |s: &str| SynapseExpression::compile(s).unwrap().is_content_aware();
    assert!(ca("${payload.a}"));
    assert!(ca("${$.a + 1}"));
    assert!(ca("${xpath('//a')}"));
    assert!(!ca("${xpath('//a', 'v')}"));
    assert!(!ca("${vars.a + headers.b}"));
    assert!(ca("${vars.a[payload.i]}"));
    assert!(
        SynapseTemplate::compile("x ${payload.a}")
            .unwrap()
            .is_content_aware()
    );
}
