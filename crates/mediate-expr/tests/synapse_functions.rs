//! Synapse expressions: one test per documented function (MI 4.4 "Synapse Expressions Syntax"),
//! with the documented examples and the MI sample's results.

use chrono::TimeZone;
use mediate_expr::synapse::{ExprErrorKind, ExprValue, MapEnv, SynapseExpression, function_names};
use serde_json::json;

fn env() -> MapEnv {
    // the MI "Functions" sample payload
    let mut e = MapEnv::with_payload(json!({
        "text": "Hello World",
        "trimText": "     Hello    ",
        "num1": -2.6,
        "num2": 1.2345,
        "num3": 100,
        "encoded": "SGVsbG8gV29ybGQ=",
        "url": "search?query=hello world&category=books&sort=price&page=1",
        "encodedURL": "https://example.com/search?query=hello%20world&category=books&sort=price&page=1",
        "array": [1, 2, 3],
        "object": "{\"a\":\"b\"}",
        "convert_int": "123",
        "convert_float": "3.14",
        "convert_boolean": "true",
        "convert_array": "[1,\"Hello\",true]",
        "flag": true,
        "nothing": null,
        "value": "text"
    }))
    .var("x", 5);
    e.now = Some(chrono::Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap());
    e.xpath_results
        .insert("//student/text()".into(), ExprValue::String("Alice".into()));
    e.xpath_results.insert(
        "$var:Students//student/text()".into(),
        ExprValue::String("Bob".into()),
    );
    e
}

fn ev(src: &str) -> String {
    ev_in(src, &env())
}

fn ev_in(src: &str, env: &MapEnv) -> String {
    let e = SynapseExpression::compile(src).unwrap_or_else(|e| panic!("compile {src}: {e}"));
    e.evaluate(env)
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
fn length() {
    assert_eq!(ev(r#"length("text")"#), "4");
    assert_eq!(ev("length(payload.array)"), "3");
    assert_eq!(ev("length(payload.text)"), "11");
    assert_eq!(ev("length('😀')"), "2"); // UTF-16 units, as Java
    assert_eq!(err("length(5)").kind(), ExprErrorKind::Type);
}

#[test]
fn to_upper_to_lower() {
    assert_eq!(ev(r#"toUpper("text")"#), "TEXT");
    assert_eq!(ev("toUpper(payload.text)"), "HELLO WORLD");
    assert_eq!(ev(r#"toLower("TEXT")"#), "text");
    assert_eq!(ev("toLower(payload.text)"), "hello world");
}

#[test]
fn sub_string() {
    assert_eq!(ev("subString(payload.text, 5)"), " World");
    assert_eq!(ev("subString(payload.text, 2, 5)"), "llo");
    assert_eq!(ev(r#"subString("text", 0, 2)"#), "te");
    assert_eq!(ev("subString(payload.value, 2)"), "xt");
    assert_eq!(err("subString('abc', 4)").kind(), ExprErrorKind::Eval);
    assert_eq!(err("subString('abc', 2, 1)").kind(), ExprErrorKind::Eval);
}

#[test]
fn starts_ends_contains() {
    assert_eq!(ev(r#"startsWith("text", "te")"#), "true");
    assert_eq!(ev(r#"startsWith(payload.value, "start")"#), "false");
    assert_eq!(ev(r#"endsWith("text", "xt")"#), "true");
    assert_eq!(ev(r#"contains("text", "e")"#), "true");
    assert_eq!(ev(r#"contains(payload.text, "lo W")"#), "true");
}

#[test]
fn trim() {
    assert_eq!(ev(r#"trim("  text  ")"#), "text");
    assert_eq!(ev("trim(payload.trimText)"), "Hello");
}

#[test]
fn replace() {
    assert_eq!(ev(r#"replace("text", "t", "r")"#), "rexr");
    assert_eq!(ev(r#"replace(payload.text, "o", "0")"#), "Hell0 W0rld");
    assert_eq!(ev(r#"replace("a.b", ".", "-")"#), "a-b"); // literal, not a regex
}

#[test]
fn split() {
    assert_eq!(ev(r#"split("a,b,c", ",")"#), r#"["a","b","c"]"#);
    assert_eq!(ev(r#"split("a1b22c333", "\\d+")"#), r#"["a","b","c"]"#);
    assert_eq!(ev(r#"split("a,b,,", ",")"#), r#"["a","b"]"#);
    assert_eq!(ev(r#"split("a.b", ".")"#), "[]"); // '.' is a regex matching everything
    assert_eq!(ev(r#"split(payload.text, " ")[1]"#), "World");
    assert_eq!(ev(r#"split("x;y", payload.value)"#), r#"["x;y"]"#);
    let e = err(r#"split("a", "(")"#);
    assert_eq!(e.column(), Some(12), "{e}");
}

#[test]
fn char_at() {
    assert_eq!(ev(r#"charAt("text", 1)"#), "e");
    assert_eq!(ev("charAt(payload.text, 4)"), "o");
    assert_eq!(err(r#"charAt("text", 9)"#).kind(), ExprErrorKind::Eval);
}

#[test]
fn index_of() {
    assert_eq!(ev(r#"indexOf("text", "e")"#), "1");
    assert_eq!(ev(r#"indexOf("text", "t", 1)"#), "3");
    assert_eq!(ev(r#"indexOf("text", "z")"#), "-1");
    assert_eq!(ev(r#"indexOf(payload.text, "o", 5)"#), "7");
}

#[test]
fn abs() {
    assert_eq!(ev("abs(-5)"), "5");
    assert_eq!(ev("abs(payload.num1)"), "2.6");
}

#[test]
fn floor_ceil() {
    assert_eq!(ev("floor(3.7)"), "3");
    assert_eq!(ev("floor(payload.num1)"), "-3");
    assert_eq!(ev("ceil(3.2)"), "4");
    assert_eq!(ev("ceil(payload.num1)"), "-2");
    assert_eq!(ev("ceil(7)"), "7");
}

#[test]
fn sqrt_log_pow() {
    assert_eq!(ev("sqrt(16)"), "4.0");
    assert_eq!(ev("sqrt(payload.num3)"), "10.0");
    assert_eq!(ev("log(10)"), "2.302585092994046");
    assert_eq!(ev("pow(2, 3)"), "8.0");
    assert_eq!(ev("pow(payload.num3, 0.5)"), "10.0");
    assert_eq!(err("sqrt('a')").kind(), ExprErrorKind::Type);
}

#[test]
fn round() {
    assert_eq!(ev("round(2.7543)"), "3");
    assert_eq!(ev("round(2.7543, 2)"), "2.75");
    assert_eq!(ev("round(payload.num2, 2)"), "1.23");
    assert_eq!(ev("round(2.5)"), "3");
    assert_eq!(ev("round(-2.5)"), "-2");
    assert_eq!(ev("round(payload.num1)"), "-3");
    assert_eq!(ev("round(1.005, 2)"), "1.01"); // BigDecimal(Double.toString) HALF_UP
    assert_eq!(ev("round(7)"), "7");
    assert_eq!(err("round(2.5, 0)").kind(), ExprErrorKind::Type);
}

#[test]
fn base64() {
    assert_eq!(ev(r#"base64encode("text")"#), "dGV4dA==");
    assert_eq!(ev(r#"base64encode("é", "ISO-8859-1")"#), "6Q==");
    assert_eq!(ev(r#"base64encode("é")"#), "w6k=");
    assert_eq!(ev(r#"base64decode("dGV4dA==")"#), "text");
    assert_eq!(ev("base64decode(payload.encoded)"), "Hello World");
    assert_eq!(ev(r#"base64decode("dGV4dA")"#), "text");
    assert_eq!(ev(r#"base64decode("6Q==", "ISO-8859-1")"#), "é");
    assert_eq!(err(r#"base64decode("***")"#).kind(), ExprErrorKind::Eval);
    assert_eq!(
        err(r#"base64encode("a", "NOPE-1")"#).kind(),
        ExprErrorKind::Eval
    );
}

#[test]
fn url_encode_decode() {
    assert_eq!(
        ev(r#"urlEncode("text with spaces")"#),
        "text%20with%20spaces"
    );
    assert_eq!(
        ev("urlEncode(payload.url)"),
        "search%3Fquery%3Dhello%20world%26category%3Dbooks%26sort%3Dprice%26page%3D1"
    );
    assert_eq!(ev(r#"urlEncode("é", "ISO-8859-1")"#), "%E9");
    assert_eq!(
        ev(r#"urlDecode("text%20with%20spaces")"#),
        "text with spaces"
    );
    assert_eq!(
        ev("urlDecode(payload.encodedURL)"),
        "https://example.com/search?query=hello world&category=books&sort=price&page=1"
    );
    assert_eq!(ev(r#"urlDecode("a+b")"#), "a b");
}

#[test]
fn type_checks() {
    assert_eq!(ev("isNumber(payload.num1)"), "true");
    assert_eq!(ev("isNumber(payload.num3)"), "true");
    assert_eq!(ev("isNumber(payload.text)"), "false");
    assert_eq!(ev("isString(payload.text)"), "true");
    assert_eq!(ev("isString(payload.num3)"), "false");
    assert_eq!(ev("isArray(payload.array)"), "true");
    assert_eq!(ev("isArray(payload.text)"), "false");
    assert_eq!(ev("isArray(payload.convert_array)"), "true"); // MI parses strings
    assert_eq!(ev("isObject(payload.object)"), "true");
    assert_eq!(ev("isObject(payload.array)"), "false");
    assert_eq!(ev("isBoolean(payload.flag)"), "true");
    assert_eq!(ev("isNumber(vars.x) ? vars.x * 2 : 0"), "10");
}

#[test]
fn conversions() {
    assert_eq!(ev("integer(payload.convert_int)"), "123");
    assert_eq!(ev("integer(payload.convert_int) + 1"), "124");
    assert_eq!(err("integer('3.5')").kind(), ExprErrorKind::Type);
    assert_eq!(ev("float(payload.convert_float)"), "3.14");
    assert_eq!(ev("float(3)"), "3.0");
    assert_eq!(ev("string(payload.num3)"), "100");
    assert_eq!(ev("string(payload.num3) + 'x'"), "100x");
    assert_eq!(ev("boolean(payload.convert_boolean)"), "true");
    assert_eq!(ev("boolean('yes')"), "false");
    assert_eq!(ev("object(payload.object)"), r#"{"a":"b"}"#);
    assert_eq!(ev("object(payload.object).a"), "b");
    assert_eq!(ev("array(payload.convert_array)"), r#"[1,"Hello",true]"#);
    assert_eq!(ev("array(payload.convert_array)[1]"), "Hello");
    assert_eq!(err("object(payload.array)").kind(), ExprErrorKind::Type);
}

#[test]
fn exists() {
    assert_eq!(ev("exists(payload.text)"), "true");
    assert_eq!(ev("exists(payload.nope)"), "false");
    assert_eq!(ev("exists(vars.nope)"), "false");
    assert_eq!(ev("exists(payload.nothing)"), "false");
    assert_eq!(ev("exists(vars.x) ? vars.x : 'default'"), "5");
    assert_eq!(
        ev("exists(vars.notMandatory) ? vars.notMandatory : 'default'"),
        "default"
    );
}

#[test]
fn not() {
    assert_eq!(ev("not(payload.flag)"), "false");
    assert_eq!(ev("not(1 > 2)"), "true");
    assert_eq!(err("not(payload.text)").kind(), ExprErrorKind::Type);
}

#[test]
fn null_arguments_are_errors() {
    let e = err("toUpper(payload.nothing)");
    assert!(e.message().contains("null source"), "{e}");
}

#[test]
fn now_and_format_date_time() {
    let millis = chrono::Utc
        .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
        .unwrap()
        .timestamp_millis();
    assert_eq!(ev("now()"), millis.to_string());
    assert_eq!(ev(r#"formatDateTime(now(), "yyyy-MM-dd")"#), "2025-01-02");
    assert_eq!(ev(r#"formatDateTime(now(), "HH:mm:ss")"#), "03:04:05");
    assert_eq!(
        ev(r#"formatDateTime("29-09-1988", "dd-MM-yyyy", "yyyy MMM dd")"#),
        "1988 Sep 29"
    );
    assert_eq!(
        ev(r#"formatDateTime("2024-02-29 13:45", "yyyy-MM-dd HH:mm", "dd/MM/yy hh:mm a")"#),
        "29/02/24 01:45 PM"
    );
    assert_eq!(
        err(r#"formatDateTime("x", "dd-MM-yyyy", "yyyy")"#).kind(),
        ExprErrorKind::Eval
    );
    let mut e = env();
    e.offset = chrono::FixedOffset::east_opt(5 * 3600 + 1800);
    assert_eq!(ev_in(r#"formatDateTime(now(), "HH:mm")"#, &e), "08:34");
}

#[test]
fn xpath() {
    assert_eq!(ev("xpath('//student/text()')"), "Alice");
    assert_eq!(ev("xpath('//student/text()', 'Students')"), "Bob");
    assert_eq!(err("xpath('//nope')").kind(), ExprErrorKind::Eval);
}

#[test]
fn registry() {
    assert_eq!(
        err("registry('gov:/config/service')").kind(),
        ExprErrorKind::Unsupported
    );
    let mut e = env();
    e.registry.insert(
        "gov:/config/resource".into(),
        r#"{"student": {"name": "Ann"}}"#.into(),
    );
    e.registry
        .insert("gov:/config/resource#key".into(), "v1".into());
    assert_eq!(
        ev_in("registry('gov:/config/resource')", &e),
        r#"{"student": {"name": "Ann"}}"#
    );
    assert_eq!(
        ev_in("registry('gov:/config/resource').student.name", &e),
        "Ann"
    );
    assert_eq!(
        ev_in("registry('gov:/config/resource').property('key')", &e),
        "v1"
    );
}

#[test]
fn secrets() {
    assert_eq!(
        err("secret('mysqlpassword')").kind(),
        ExprErrorKind::Unsupported
    );
    assert_eq!(
        err("hashicorp-vault('path', 'field')").kind(),
        ExprErrorKind::Unsupported
    );
    assert_eq!(
        err("hashicorp-vault('ns', 'path', 'field')").kind(),
        ExprErrorKind::Unsupported
    );
    let mut e = env();
    e.secrets.insert("mysqlpassword".into(), "s3cret".into());
    assert_eq!(ev_in("secret('mysqlpassword')", &e), "s3cret");
}

#[test]
fn arity_is_checked_at_compile_time() {
    for (src, col) in [
        ("length()", 1),
        ("${ toUpper('a', 'b')}", 4),
        ("subString('a')", 1),
        ("replace('a', 'b')", 1),
        ("now(1)", 1),
        ("1 + round(1, 2, 3)", 5),
    ] {
        let e = SynapseExpression::compile(src).unwrap_err();
        assert_eq!(e.kind(), ExprErrorKind::Arity, "{src}");
        assert_eq!(e.column(), Some(col), "{src}: {e}");
    }
    let e = SynapseExpression::compile("fooBar(1)").unwrap_err();
    assert_eq!(e.kind(), ExprErrorKind::UnknownFunction);
    assert!(function_names().contains(&"formatDateTime"));
}
