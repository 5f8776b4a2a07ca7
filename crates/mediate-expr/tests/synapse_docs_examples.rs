//! Every example of MI's documentation of Synapse expressions, run against our implementation.
//!
//! Sources (wso2/docs-mi):
//! * `en/docs/reference/synapse-properties/synapse-expressions.md` ("Synapse Expressions",
//!   with the `var.` / `config.` / `params.uriParams` spellings and the final API example);
//! * `en/docs/reference/synapse-properties/synapse-expressions-syntax.md` ("Synapse
//!   Expressions Syntax", the `vars.` / `configs.` / `params.pathParams` spellings, `round`,
//!   `hashicorp-vault`);
//! * `en/docs/reference/synapse-properties/synapse-expressions-comparison.md` ("Comparison
//!   with JSONPath").
//!
//! The pages show expressions but, except for the final API example and the "Best practices"
//! notes, no sample data or results. For those, the sample data below is ours and the
//! expected result is the one the page's description implies (Java semantics where the
//! description is silent, checked against MI's `PredefinedFunctionNode` /
//! `BinaryOperationNode`). Each case names its doc section.
//!
//! Where the docs and MI's source disagree, the doc's version is kept as an `#[ignore]`d test
//! that says why.

use chrono::TimeZone;
use mediate_expr::Expression;
use mediate_expr::synapse::{
    ExprValue, MapEnv, ParamKind, PropertyScope, SynapseExpression, SynapseTemplate,
};
use mediate_message::{MessageContext, XmlValue};
use mediate_xpath::Namespaces;
use serde_json::{Value, json};

/// What a case should give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// `evaluate` succeeds and prints (MI's `stringValueOf`) as this.
    Is(&'static str),
    /// `evaluate` gives JSON null.
    Null,
    /// Evaluation fails: MI logs it and the expression yields an empty result.
    Empty,
}
use Expect::*;

/// The variables, headers, properties, parameters, configs, registry and secrets every case sees.
fn base_env(payload: Value) -> MapEnv {
    let mut e = MapEnv::with_payload(payload)
        .var("name", "John")
        .var("totalPrice", 99.5)
        .var("last name", "Doe")
        .var("num1", 10)
        .var("num2", 4)
        .var("num3", 3)
        .var("num4", 1)
        .var("boolValue1", true)
        .var("boolValue2", false)
        .var("boolValue3", true)
        .var("age", 20)
        .var("minAge", 18)
        .header("Host", "localhost:8290")
        .header("Content-Type", "application/json")
        .property(PropertyScope::Synapse, "propertyName", "synapseValue")
        .property(PropertyScope::Axis2, "propertyName", "axis2Value")
        .param(ParamKind::Query, "parameterName", "q1")
        .param(ParamKind::Query, "queryParamName", "q2")
        .param(ParamKind::Path, "pathName", "p1")
        .param(ParamKind::Path, "pathParamName", "p2")
        .param(ParamKind::Function, "paramName", "f1")
        .config("parameter_name", "c1")
        .config("configName", "c2");
    e.registry
        .insert("gov:/config/service".into(), "http://backend/svc".into());
    e.registry
        .insert("gov:/config/service#key".into(), "propValue".into());
    e.registry.insert(
        "gov:/config/resource".into(),
        r#"{"student":{"name":"Alice"}}"#.into(),
    );
    e.secrets.insert("mysqlpassword".into(), "s3cret".into());
    e.now = Some(chrono::Utc.with_ymd_and_hms(2024, 12, 5, 10, 0, 0).unwrap());
    e.xpath_results
        .insert("//student/text()".into(), ExprValue::String("Alice".into()));
    e
}

fn check(section: &str, payload: &str, src: &str, expect: Expect, env: &MapEnv) {
    let ctx = format!("[{section}] {src} (payload {payload})");
    let e = SynapseExpression::compile(src).unwrap_or_else(|e| panic!("{ctx}: compile: {e}"));
    let got = e.evaluate(env);
    match (expect, got) {
        (Is(want), Ok(v)) => assert_eq!(v.to_string(), want, "{ctx}"),
        (Null, Ok(v)) => assert_eq!(v, ExprValue::Null, "{ctx}"),
        (Empty, Err(_)) => assert_eq!(e.string_value_of(env), "", "{ctx}"),
        (want, got) => panic!("{ctx}: want {want:?}, got {got:?}"),
    }
}

fn run(cases: &[(&str, &str, &str, Expect)]) {
    for &(section, payload, src, expect) in cases {
        let env = base_env(serde_json::from_str(payload).expect(payload));
        check(section, payload, src, expect, &env);
    }
}

const NONE: &str = "{}";

#[test]
fn syntax_literals_and_access() {
    run(&[
        // Syntax
        (
            "Syntax",
            r#"{"student":{"name":"John"}}"#,
            "${'Hello ' + payload.student.name}",
            Is("Hello John"),
        ),
        // Literals
        ("Literals", NONE, r#"${"Hello World"}"#, Is("Hello World")),
        ("Literals", NONE, "${123.4}", Is("123.4")),
        ("Literals", NONE, "${true}", Is("true")),
        ("Literals", NONE, "${null}", Null),
        // Access values in payloads
        (
            "Access values in payloads",
            r#"{"students":[{"name":"A"},{"name":"B"}]}"#,
            "payload.students",
            Is(r#"[{"name":"A"},{"name":"B"}]"#),
        ),
        (
            "Access values in payloads",
            r#"{"orders":[1,2]}"#,
            "$.orders",
            Is("[1,2]"),
        ),
        (
            "Access values in payloads",
            r#"{"user":{"first name":"John"}}"#,
            r#"payload.user["first name"]"#,
            Is("John"),
        ),
        // Access variables (`var.` on the "Synapse Expressions" page, `vars.` on "Syntax")
        ("Access variables", NONE, "var.name", Is("John")),
        ("Access variables", NONE, "var.totalPrice", Is("99.5")),
        ("Access variables", NONE, r#"var["last name"]"#, Is("Doe")),
        ("Access variables", NONE, "vars.name", Is("John")),
        ("Access variables", NONE, "vars.totalPrice", Is("99.5")),
        ("Access variables", NONE, r#"vars["last name"]"#, Is("Doe")),
        // Access transport headers
        (
            "Access transport headers",
            NONE,
            "headers.Host",
            Is("localhost:8290"),
        ),
        (
            "Access transport headers",
            NONE,
            r#"headers["Content-Type"]"#,
            Is("application/json"),
        ),
        // Access properties
        (
            "Access properties",
            NONE,
            "props.synapse.propertyName",
            Is("synapseValue"),
        ),
        (
            "Access properties",
            NONE,
            "properties.axis2.propertyName",
            Is("axis2Value"),
        ),
        // Access query and path parameters
        (
            "Access query and path parameters",
            NONE,
            "params.queryParams.parameterName",
            Is("q1"),
        ),
        (
            "Access query and path parameters",
            NONE,
            "params.uriParams.pathName",
            Is("p1"),
        ),
        (
            "Access query and path parameters",
            NONE,
            "params.queryParams.queryParamName",
            Is("q2"),
        ),
        (
            "Access query and path parameters",
            NONE,
            "params.pathParams.pathParamName",
            Is("p2"),
        ),
        // Access function parameters
        (
            "Access function parameters",
            NONE,
            "params.functionParams.paramName",
            Is("f1"),
        ),
        // Access config parameters: `${config.<parameter_name>}` / `configs.configName`
        (
            "Access config parameters",
            NONE,
            "${config.parameter_name}",
            Is("c1"),
        ),
        (
            "Access config parameters",
            NONE,
            "configs.configName",
            Is("c2"),
        ),
    ]);
}

#[test]
fn operators_conditionals_filters() {
    // num1 = 10, num2 = 4, num3 = 3, num4 = 1; boolValue1 = true, boolValue2 = false,
    // boolValue3 = true; age = 20; minAge = 18
    let users =
        r#"{"users":[{"name":"Ann","age":20},{"name":"Bob","age":15},{"name":"Cy","age":18}]}"#;
    let mut cases = vec![
        // Arithmetic operators
        (
            "Arithmetic operators",
            NONE,
            "var.num1 + var.num2",
            Is("14"),
        ),
        ("Arithmetic operators", NONE, "var.num1 - var.num2", Is("6")),
        (
            "Arithmetic operators",
            NONE,
            "var.num1 * var.num2",
            Is("40"),
        ),
        (
            "Arithmetic operators",
            NONE,
            "var.num1 / var.num2",
            Is("2.5"),
        ),
        ("Arithmetic operators", NONE, "var.num1 % var.num2", Is("2")),
        // Comparison operators
        (
            "Comparison operators",
            NONE,
            "var.num1 > var.num2",
            Is("true"),
        ),
        (
            "Comparison operators",
            NONE,
            "var.num1 < var.num2",
            Is("false"),
        ),
        (
            "Comparison operators",
            NONE,
            "var.num1 >= var.num2",
            Is("true"),
        ),
        (
            "Comparison operators",
            NONE,
            "var.num1 <= var.num2",
            Is("false"),
        ),
        (
            "Comparison operators",
            NONE,
            "var.num1 == var.num2",
            Is("false"),
        ),
        (
            "Comparison operators",
            NONE,
            "var.num1 != var.num2",
            Is("true"),
        ),
        // Logical operators
        (
            "Logical operators",
            NONE,
            "var.boolValue1 and var.boolValue2",
            Is("false"),
        ),
        (
            "Logical operators",
            NONE,
            "var.boolValue1 && var.boolValue2",
            Is("false"),
        ),
        (
            "Logical operators",
            NONE,
            "var.boolValue1 or var.boolValue2",
            Is("true"),
        ),
        (
            "Logical operators",
            NONE,
            "var.boolValue1 || var.boolValue2",
            Is("true"),
        ),
        // Logical operators: brackets
        (
            "Logical operators (brackets)",
            NONE,
            "(var.num1 + var.num2) * var.num3",
            Is("42"),
        ),
        (
            "Logical operators (brackets)",
            NONE,
            "var.boolValue1 && (var.boolValue2 || var.boolValue3)",
            Is("true"),
        ),
        // MI's ANTLR grammar binds `&&` tighter than `>`, which would make this an error
        // (`(num1 + 5) > (num2 && …)`); the docs, and we, read it conventionally
        (
            "Logical operators (brackets)",
            NONE,
            "(var.num1 + 5) > var.num2 && (var.num3 - 3) < var.num4",
            Is("true"),
        ),
        // Conditional expressions
        (
            "Conditional expressions",
            NONE,
            r#"var.age > 18 ? "Adult" : "Child""#,
            Is("Adult"),
        ),
        (
            "Conditional expressions",
            NONE,
            "var.num1 > var.num2 ? var.num1 : var.num2  ",
            Is("10"),
        ),
        // Filter expressions
        (
            "Filter expressions",
            users,
            "payload.users[?(@.age >= 18)]",
            Is(r#"[{"name":"Ann","age":20},{"name":"Cy","age":18}]"#),
        ),
        (
            "Filter expressions",
            users,
            "payload.users[?(@.age >= var.minAge)]",
            Is(r#"[{"name":"Ann","age":20},{"name":"Cy","age":18}]"#),
        ),
    ];
    // the "Syntax" page repeats every example with `vars.` for `var.`
    let vars: Vec<_> = cases
        .iter()
        .filter(|c| c.2.contains("var."))
        .map(|&(s, p, e, x)| {
            let e: &'static str = Box::leak(e.replace("var.", "vars.").into_boxed_str());
            (s, p, e, x)
        })
        .collect();
    cases.extend(vars);
    run(&cases);
}

#[test]
fn string_functions() {
    run(&[
        (
            "String functions: length",
            NONE,
            r#"length("text")"#,
            Is("4"),
        ),
        (
            "String functions: length",
            r#"{"array":[1,2,3]}"#,
            "length(payload.array)",
            Is("3"),
        ),
        (
            "String functions: toUpper",
            NONE,
            r#"toUpper("text")"#,
            Is("TEXT"),
        ),
        (
            "String functions: toUpper",
            r#"{"value":"Text"}"#,
            "toUpper(payload.value)",
            Is("TEXT"),
        ),
        (
            "String functions: toLower",
            NONE,
            r#"toLower("TEXT")"#,
            Is("text"),
        ),
        (
            "String functions: toLower",
            r#"{"value":"Text"}"#,
            "toLower(payload.value)",
            Is("text"),
        ),
        (
            "String functions: subString",
            r#"{"value":"text"}"#,
            "subString(payload.value, 2)",
            Is("xt"),
        ),
        (
            "String functions: subString",
            NONE,
            r#"subString("text", 0, 2)"#,
            Is("te"),
        ),
        (
            "String functions: startsWith",
            NONE,
            r#"startsWith("text", "te")"#,
            Is("true"),
        ),
        (
            "String functions: startsWith",
            r#"{"value":"start here"}"#,
            r#"startsWith(payload.value, "start")"#,
            Is("true"),
        ),
        (
            "String functions: endsWith",
            NONE,
            r#"endsWith("text", "xt")"#,
            Is("true"),
        ),
        (
            "String functions: endsWith",
            r#"{"value":"the end"}"#,
            r#"endsWith(payload.value, "end")"#,
            Is("true"),
        ),
        (
            "String functions: contains",
            NONE,
            r#"contains("text", "e")"#,
            Is("true"),
        ),
        (
            "String functions: contains",
            r#"{"value":"no match"}"#,
            r#"contains(payload.value, "substring")"#,
            Is("false"),
        ),
        (
            "String functions: trim",
            NONE,
            r#"trim("  text  ")"#,
            Is("text"),
        ),
        (
            "String functions: trim",
            r#"{"value":"\t text \n"}"#,
            "trim(payload.value)",
            Is("text"),
        ),
        (
            "String functions: replace",
            NONE,
            r#"replace("text", "t", "r")"#,
            Is("rexr"),
        ),
        (
            "String functions: replace",
            r#"{"value":"old is old"}"#,
            r#"replace(payload.value, "old", "new")"#,
            Is("new is new"),
        ),
        (
            "String functions: split",
            NONE,
            r#"split("a,b,c", ",")"#,
            Is(r#"["a","b","c"]"#),
        ),
        (
            "String functions: split",
            r#"{"value":"x;y;z"}"#,
            r#"split(payload.value, ";")"#,
            Is(r#"["x","y","z"]"#),
        ),
        (
            "String functions: charAt",
            NONE,
            r#"charAt("text", 1)"#,
            Is("e"),
        ),
        (
            "String functions: charAt",
            r#"{"value":"text"}"#,
            "charAt(payload.value, 3)",
            Is("t"),
        ),
        (
            "String functions: indexOf",
            NONE,
            r#"indexOf("text", "e")"#,
            Is("1"),
        ),
        (
            "String functions: indexOf",
            r#"{"value":"search and search"}"#,
            r#"indexOf(payload.value, "search", 5)"#,
            Is("11"),
        ),
        // "Syntax" page variant; MI calls Java `String.indexOf(str, 5)`, which searches *from*
        // index 5 inclusive (see `index_of_docs_say_after` for the doc's wording)
        (
            "String functions: indexOf",
            r#"{"value":"some text"}"#,
            r#"indexOf(payload.value, "text", 5)"#,
            Is("5"),
        ),
    ]);
}

#[test]
fn numerical_functions() {
    run(&[
        ("Numerical functions: abs", NONE, "abs(-5)", Is("5")),
        (
            "Numerical functions: abs",
            r#"{"value":-2.5}"#,
            "abs(payload.value)",
            Is("2.5"),
        ),
        ("Numerical functions: floor", NONE, "floor(3.7)", Is("3")),
        (
            "Numerical functions: floor",
            r#"{"value":-2.5}"#,
            "floor(payload.value)",
            Is("-3"),
        ),
        ("Numerical functions: ceil", NONE, "ceil(3.2)", Is("4")),
        (
            "Numerical functions: ceil",
            r#"{"value":-2.5}"#,
            "ceil(payload.value)",
            Is("-2"),
        ),
        // Java `Math.sqrt` / `Math.pow` / `Math.log` give doubles
        ("Numerical functions: sqrt", NONE, "sqrt(16)", Is("4.0")),
        (
            "Numerical functions: sqrt",
            r#"{"value":2.25}"#,
            "sqrt(payload.value)",
            Is("1.5"),
        ),
        (
            "Numerical functions: log",
            NONE,
            "log(10)",
            Is("2.302585092994046"),
        ),
        (
            "Numerical functions: log",
            r#"{"value":1}"#,
            "log(payload.value)",
            Is("0.0"),
        ),
        ("Numerical functions: pow", NONE, "pow(2, 3)", Is("8.0")),
        (
            "Numerical functions: pow",
            r#"{"base":3,"exponent":2}"#,
            "pow(payload.base, payload.exponent)",
            Is("9.0"),
        ),
        // "Syntax" page only
        ("Numerical functions: round", NONE, "round(2.7543)", Is("3")),
        (
            "Numerical functions: round",
            NONE,
            "round(2.7543, 2)",
            Is("2.75"),
        ),
        (
            "Numerical functions: round",
            r#"{"value":1.005,"decimalPlaces":2}"#,
            "round(payload.value, payload.decimalPlaces)",
            Is("1.01"),
        ),
    ]);
}

#[test]
fn encode_decode_functions() {
    run(&[
        (
            "Encode and decode functions: base64encode",
            NONE,
            r#"base64encode("text")"#,
            Is("dGV4dA=="),
        ),
        (
            "Encode and decode functions: base64encode",
            r#"{"value":"café"}"#,
            r#"base64encode(payload.value, "ISO-8859-1")"#,
            Is("Y2Fm6Q=="),
        ),
        (
            "Encode and decode functions: base64decode",
            NONE,
            r#"base64decode("dGV4dA==")"#,
            Is("text"),
        ),
        (
            "Encode and decode functions: base64decode",
            r#"{"encodedValue":"SGVsbG8gV29ybGQ="}"#,
            "base64decode(payload.encodedValue)",
            Is("Hello World"),
        ),
        (
            "Encode and decode functions: urlEncode",
            NONE,
            r#"urlEncode("text with spaces")"#,
            Is("text%20with%20spaces"),
        ),
        (
            "Encode and decode functions: urlEncode",
            // Java's URLEncoder, then MI's `+` → `%20` and `*` → `%2A`; `~` is escaped too
            r#"{"value":"a&b=c*d~e f"}"#,
            "urlEncode(payload.value)",
            Is("a%26b%3Dc%2Ad%7Ee%20f"),
        ),
        (
            "Encode and decode functions: urlDecode",
            NONE,
            r#"urlDecode("text%20with%20spaces")"#,
            Is("text with spaces"),
        ),
        (
            "Encode and decode functions: urlDecode",
            r#"{"value":"a%26b+c"}"#,
            "urlDecode(payload.value)",
            Is("a&b c"),
        ),
    ]);
}

#[test]
fn type_functions() {
    run(&[
        // Type checking functions
        (
            "Type checking functions",
            r#"{"value":12.5}"#,
            "isNumber(payload.value)",
            Is("true"),
        ),
        (
            "Type checking functions",
            r#"{"value":"12.5"}"#,
            "isNumber(payload.value)",
            Is("false"),
        ),
        (
            "Type checking functions",
            r#"{"value":"x"}"#,
            "isString(payload.value)",
            Is("true"),
        ),
        (
            "Type checking functions",
            r#"{"array":[1]}"#,
            "isArray(payload.array)",
            Is("true"),
        ),
        (
            "Type checking functions",
            r#"{"object":{"a":1}}"#,
            "isObject(payload.object)",
            Is("true"),
        ),
        // Type conversion functions
        (
            "Type conversion functions",
            r#"{"value":"123"}"#,
            "integer(payload.value)",
            Is("123"),
        ),
        (
            "Type conversion functions",
            r#"{"value":"3.14"}"#,
            "float(payload.value)",
            Is("3.14"),
        ),
        (
            "Type conversion functions",
            r#"{"value":123}"#,
            "string(payload.value)",
            Is("123"),
        ),
        (
            "Type conversion functions",
            r#"{"value":"true"}"#,
            "boolean(payload.value)",
            Is("true"),
        ),
        (
            "Type conversion functions",
            r#"{"value":"{\"a\":\"b\"}"}"#,
            "object(payload.value)",
            Is(r#"{"a":"b"}"#),
        ),
        (
            "Type conversion functions",
            r#"{"value":"[1,\"Hello\",true]"}"#,
            "array(payload.value)",
            Is(r#"[1,"Hello",true]"#),
        ),
        // the descriptions' `object(value).students..*` and `array(value)[3].name`, with
        // `value` read from the payload
        (
            "Type conversion functions: object(value).students..*",
            r#"{"value":"{\"students\":{\"a\":\"x\",\"b\":[1]}}"}"#,
            "object(payload.value).students..*",
            Is(r#"["x",[1],1]"#),
        ),
        (
            "Type conversion functions: array(value)[3].name",
            r#"{"value":"[{},{},{},{\"name\":\"D\"}]"}"#,
            "array(payload.value)[3].name",
            Is("D"),
        ),
    ]);
}

#[test]
fn registry_datetime_secrets_misc() {
    run(&[
        // Registry functions
        (
            "Registry functions",
            NONE,
            r#"registry("gov:/config/service")"#,
            Is("http://backend/svc"),
        ),
        (
            "Registry functions",
            r#"{"path":"gov:/config/service"}"#,
            "registry(payload.path)",
            Is("http://backend/svc"),
        ),
        (
            "Registry functions",
            NONE,
            r#"registry("gov:/config/service").property("key")"#,
            Is("propValue"),
        ),
        (
            "Registry functions",
            r#"{"path":"gov:/config/service"}"#,
            r#"registry(payload.path).property("key")"#,
            Is("propValue"),
        ),
        (
            "Registry functions",
            NONE,
            r#"registry("gov:/config/resource").student.name"#,
            Is("Alice"),
        ),
        (
            "Registry functions",
            r#"{"path":"gov:/config/resource"}"#,
            "registry(payload.path).student.name",
            Is("Alice"),
        ),
        // Date time functions (now = 2024-12-05T10:00:00Z)
        ("Date time functions", NONE, "now()", Is("1733392800000")),
        (
            "Date time functions",
            NONE,
            r#"formatDateTime("29-09-1988", "dd-MM-yyyy", "yyyy MMM dd")"#,
            Is("1988 Sep 29"),
        ),
        (
            "Date time functions",
            NONE,
            r#"formatDateTime(now(), "yyyy-MM-dd")"#,
            Is("2024-12-05"),
        ),
        // Fetch secrets
        (
            "Fetch secrets",
            NONE,
            "${secret('mysqlpassword')}",
            Is("s3cret"),
        ),
        // Check exists function: the doc's example passes a string literal, see
        // `exists_docs_example_with_quoted_path`; this is the form it means
        (
            "Check exists function",
            NONE,
            "${exists(var.notMandatoryProperty) ? var.notMandatoryProperty : 'default' }",
            Is("default"),
        ),
        (
            "Check exists function",
            NONE,
            "${exists(vars.name) ? vars.name : 'default' }",
            Is("John"),
        ),
        // Invert function
        (
            "Invert function",
            r#"{"booleanValue":true}"#,
            "${not(payload.booleanValue)}",
            Is("false"),
        ),
        // XPath functions (answered by MapEnv here; see `xpath_examples` for real XML)
        (
            "XPath functions",
            NONE,
            "${xpath('//student/text()')}",
            Is("Alice"),
        ),
    ]);
}

#[test]
fn hashicorp_vault_syntax_compiles() {
    // "Syntax" page, Fetch secrets: no vault in a test environment, so only the syntax
    // (function name with a dash, 2 and 3 arguments) is checked.
    for src in [
        "hashicorp-vault('pathName','fieldName')",
        "hashicorp-vault('namespace', 'pathname','fieldname')",
    ] {
        let e = SynapseExpression::compile(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let err = e.evaluate(&base_env(json!({}))).unwrap_err();
        assert!(err.to_string().contains("HashiCorp"), "{src}: {err}");
    }
}

/// An XML message with the namespaces of the "XPath functions" examples, and a `Students`
/// XML variable.
fn xpath_message() -> (MessageContext, Namespaces) {
    let mut msg = MessageContext::from_xml(
        r#"<root xmlns:a="http://namespaceA.com" xmlns:b="http://namespaceB.com"><student>Alice</student><a:parent><b:child><a:value>42</a:value></b:child></a:parent></root>"#,
    );
    msg.set_variable(
        "Students",
        XmlValue::new("<students><student>Bob</student></students>"),
    );
    let mut ns = Namespaces::new();
    ns.insert("a", "http://namespaceA.com");
    ns.insert("b", "http://namespaceB.com");
    (msg, ns)
}

fn check_message(cases: &[(&str, &str)]) {
    let (msg, ns) = xpath_message();
    for &(src, want) in cases {
        let e = Expression::compile(src, &ns).unwrap_or_else(|e| panic!("{src}: {e}"));
        let got = e.evaluate_string(&msg);
        assert_eq!(got.as_deref().ok(), Some(want), "{src}: {got:?}");
    }
}

#[test]
fn xpath_examples() {
    // XPath functions, through `mediate_expr::Expression` on a real XML message
    check_message(&[
        ("${xpath('//student/text()')}", "Alice"),
        ("${xpath('//a:parent/b:child/a:value/text()')}", "42"),
    ]);
}

#[test]
fn xpath_on_variable() {
    // XPath functions: "Syntax for calling an XPath function on a variable"
    check_message(&[
        ("${xpath('//student/text()', 'Students')}", "Bob"),
        ("$var:Students//student", "Bob"),
        ("count($var:Students/student)", "1.0"),
    ]);
}

#[test]
fn reserved_keywords_with_bracket_notation() {
    // Reserved keywords: "use the bracket notation"
    let words = [
        "contains",
        "in",
        "nin",
        "subsetof",
        "size",
        "empty",
        "empty true",
        "empty false",
        "var",
        "payload",
        "headers",
        "config",
        "properties",
        "props",
        "params",
    ];
    let mut obj = serde_json::Map::new();
    for (i, w) in words.iter().enumerate() {
        obj.insert((*w).to_owned(), json!(i));
    }
    let env = base_env(Value::Object(obj));
    for (i, w) in words.iter().enumerate() {
        let src = format!(r#"payload["{w}"]"#);
        let want = i.to_string();
        let e = SynapseExpression::compile(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(e.evaluate(&env).unwrap().to_string(), want, "{src}");
    }
}

#[test]
fn best_practices() {
    run(&[
        // "If $["null"] is a null value, the conditional expression fails and exits the
        // evaluation, returning an empty result"
        (
            "Best practices",
            r#"{"null":null}"#,
            r#"45 == (  $["null"] ? var.num1 : var.num2)"#,
            Empty,
        ),
        // Syntax page: "If $["null"] is not a boolean … will return an empty result"
        (
            "Best practices",
            r#"{"null":"yes"}"#,
            r#"45 == (  $["null"] ? vars.num1 : vars.num2)"#,
            Empty,
        ),
        (
            "Best practices",
            r#"{"null":false}"#,
            r#"4 == (  $["null"] ? vars.num1 : vars.num2)"#,
            Is("true"),
        ),
        // Check for null values
        (
            "Check for null values",
            NONE,
            "var.num1 == null ? var.num2 : var.num1",
            Is("10"),
        ),
        (
            "Check for null values",
            r#"{"student":{"firstName":"John","lastName":"Doe"}}"#,
            r#""Hello " +  ( exists($.student.lastName) ? $.student.firstName + " " +  $.student.lastName : $.student.firstName )"#,
            Is("Hello John Doe"),
        ),
        (
            "Check for null values",
            r#"{"student":{"firstName":"John"}}"#,
            r#""Hello " +  ( exists($.student.lastName) ? $.student.firstName + " " +  $.student.lastName : $.student.firstName )"#,
            Is("Hello John"),
        ),
        // Use brackets for complex expressions
        (
            "Use brackets for complex expressions",
            NONE,
            "(var.num1 + var.num2) * var.num3",
            Is("42"),
        ),
        // Check data types
        (
            "Check data types",
            NONE,
            "isNumber(var.num1) ? var.num1 * 2 : 0",
            Is("20"),
        ),
    ]);
    // "Check for null values" with a variable that holds JSON null
    let env = base_env(json!({})).var("num1", ExprValue::Null);
    check(
        "Check for null values",
        NONE,
        "vars.num1 == null ? vars.num2 : vars.num1",
        Is("4"),
        &env,
    );
    // "Check data types" with a non-number
    let env = base_env(json!({})).var("num1", "ten");
    check(
        "Check data types",
        NONE,
        "isNumber(vars.num1) ? vars.num1 * 2 : 0",
        Is("0"),
        &env,
    );
}

/// The request body of the "Example" section.
fn bookstore() -> Value {
    json!({
      "store": {
        "book": [
          {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
          {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
          {"category": "fiction", "author": "J.R.R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99},
          {"category": "fiction", "author": "Harper Lee", "title": "To Kill a Mockingbird", "price": 10.99},
          {"category": "fiction", "author": "George Orwell", "title": "Animal Farm", "price": 7.99},
          {"category": "biography", "author": "Anne Frank", "title": "The Diary of a Young Girl", "price": 6.99}
        ]
      },
      "expensive": 10
    })
}

/// The "Example" API's variables after `GET /test/john?age=3&category=fiction`, computed with
/// the API's own expressions.
fn bookstore_env() -> MapEnv {
    let mut env = MapEnv::with_payload(bookstore())
        .param(ParamKind::Path, "name", "john")
        .param(ParamKind::Query, "age", "3")
        .param(ParamKind::Query, "category", "fiction");
    env.now = Some(chrono::Utc.with_ymd_and_hms(2024, 12, 5, 10, 0, 0).unwrap());
    let eval = |env: &MapEnv, src: &str| {
        SynapseExpression::compile(src)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .evaluate(env)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
    };
    let name = eval(&env, "${params.uriParams.name}");
    let age = eval(&env, "${integer(params.queryParams.age)}");
    let category = eval(&env, "${params.queryParams.category}");
    let env = env
        .var("name", name)
        .var("age", age)
        .var("category", category);
    // the doc's attribute ends in `}}`, see `example_books_on_category_double_brace`
    let books = eval(&env, "${payload..book[?(@.category==var.category)]}");
    let env = env.var("booksOnCategory", books);
    let expensive = eval(
        &env,
        "${payload..book[?(@.category==var.category && @.price > payload.expensive)].title}",
    );
    env.var("expensive", expensive)
}

#[test]
fn example_api() {
    let env = bookstore_env();
    run_in(
        &env,
        &[
            ("${var.name}", "john"),
            ("${var.age}", "3"),
            ("${var.category}", "fiction"),
            ("${length(var.booksOnCategory)}", "4"),
            ("${var.booksOnCategory}", BOOKS_ON_CATEGORY),
            (
                "${var.booksOnCategory[*].title}",
                r#"["Moby Dick","The Lord of the Rings","To Kill a Mockingbird","Animal Farm"]"#,
            ),
            (
                "${var.expensive}",
                r#"["The Lord of the Rings","To Kill a Mockingbird"]"#,
            ),
            (r#"${formatDateTime(now(), "yyyy-MMM-dd")}"#, "2024-Dec-05"),
            (
                r#"${var.age > 18 ? "eligible" : "not eligible"}"#,
                "not eligible",
            ),
        ],
    );
    // the log message, as a template (the doc prints "we found"; see
    // `example_log_as_documented`)
    let message = r#"
Today is ${formatDateTime(now(), "yyyy-MMM-dd")}
Hello "${var.name}", you are ${var.age > 18 ? "eligible" : "not eligible"} to vote.
We found ${length(var.booksOnCategory)} book(s) on your favourite category "${var.category}".
${var.booksOnCategory[*].title}
${length(var.expensive) > 0 ? "We found " + string(length(var.expensive)) + " expensive book(s) according to your margin" : "All the books above are not expensive according to your margin"}
${length(var.expensive) > 0 ? var.expensive : ""}
"#;
    let want = r#"
Today is 2024-Dec-05
Hello "john", you are not eligible to vote.
We found 4 book(s) on your favourite category "fiction".
["Moby Dick","The Lord of the Rings","To Kill a Mockingbird","Animal Farm"]
We found 2 expensive book(s) according to your margin
["The Lord of the Rings","To Kill a Mockingbird"]
"#;
    let t = SynapseTemplate::compile(message).unwrap();
    assert_eq!(t.render(&env).unwrap(), want);
}

fn run_in(env: &MapEnv, cases: &[(&str, &'static str)]) {
    for &(src, want) in cases {
        check("Example", "bookstore", src, Is(want), env);
    }
}

/// The "Comparison with JSONPath" page's promotion check, with the query parameter and the
/// config as MI hands them over: strings.
fn promotion_env(min_bill: &str, count: &str) -> MapEnv {
    MapEnv::with_payload(json!({"orders": [
        {"orderId": "ORD001", "customerID": "CUST123", "total": 150.00, "date": "2025-01-20"},
        {"orderId": "ORD002", "customerID": "CUST123", "total": 250.00, "date": "2025-01-22"},
        {"orderId": "ORD003", "customerID": "CUST456", "total": 300.00, "date": "2025-01-25"},
        {"orderId": "ORD004", "customerID": "CUST123", "total": 80.00, "date": "2025-01-26"},
        {"orderId": "ORD005", "customerID": "CUST123", "total": 120.00, "date": "2025-01-27"},
        {"orderId": "ORD006", "customerID": "CUST456", "total": 330.00, "date": "2025-01-28"}
    ]}))
    .var("customerId", "CUST123")
    .param(ParamKind::Query, "minimumBillAmount", min_bill)
    .config("promo_bill_count", count)
    .config("promoEligibilityCount", count)
}

#[test]
fn comparison_page_filter_part() {
    // The filter itself: CUST123 has 3 orders above 100 (150, 250, 120)
    let env = promotion_env("100", "2");
    check(
        "Comparison with JSONPath",
        "orders",
        "${length($.orders[?(@.customerID==vars.customerId && @.total > 100)])}",
        Is("3"),
        &env,
    );
}

// ---------------------------------------------------------------------------------------------
// Where the docs and MI disagree
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "docs (Check exists function) pass a quoted string, `exists('var.notMandatoryProperty')`, \
            and imply 'default'; MI's handleExistsCheck evaluates the argument, a string literal, \
            which always exists, so the then-branch reads the undefined variable and the result \
            is empty; we do the same (the unquoted form is tested in registry_datetime_secrets_misc)"]
fn exists_docs_example_with_quoted_path() {
    for src in [
        "${exists('var.notMandatoryProperty') ? var.notMandatoryProperty : 'default' }",
        "${exists('vars.notMandatoryProperty') ? vars.notMandatoryProperty : 'default' }",
    ] {
        check(
            "Check exists function",
            NONE,
            src,
            Is("default"),
            &base_env(json!({})),
        );
    }
}

#[test]
#[ignore = "docs (Syntax page, indexOf) say the search 'begins after' the start index; MI calls \
            Java String.indexOf(str, from), which includes the index; we do the same \
            (indexOf(\"some text\", \"text\", 5) is 5, not -1)"]
fn index_of_docs_say_after() {
    run(&[(
        "String functions: indexOf",
        r#"{"value":"some text"}"#,
        r#"indexOf(payload.value, "text", 5)"#,
        Is("-1"),
    )]);
}

#[test]
#[ignore = "docs (Example) write `${payload..book[?(@.category==var.category)]}}` with a stray \
            `}` and show it working; MI's ANTLR grammar has no `}` token and its top rule does \
            not end in EOF, so MI may drop the tail; we reject it as a syntax error at the `}` \
            (the single-brace form is tested in example_api)"]
fn example_books_on_category_double_brace() {
    let env = bookstore_env();
    let titles = "${payload..book[?(@.category==var.category)]}}";
    check("Example", "bookstore", titles, Is(BOOKS_ON_CATEGORY), &env);
}

const BOOKS_ON_CATEGORY: &str = r#"[{"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553-21311-3","price":8.99},{"category":"fiction","author":"J.R.R. Tolkien","title":"The Lord of the Rings","isbn":"0-395-19395-8","price":22.99},{"category":"fiction","author":"Harper Lee","title":"To Kill a Mockingbird","price":10.99},{"category":"fiction","author":"George Orwell","title":"Animal Farm","price":7.99}]"#;

#[test]
#[ignore = "docs (Example) print 'we found 2 expensive book(s)…' in lower case, but the \
            expression's literal is \"We found \"; MI prints the literal and so do we"]
fn example_log_as_documented() {
    let env = bookstore_env();
    check(
        "Example",
        "bookstore",
        r#"${length(var.expensive) > 0 ? "We found " + string(length(var.expensive)) + " expensive book(s) according to your margin" : "All the books above are not expensive according to your margin"}"#,
        Is("we found 2 expensive book(s) according to your margin"),
        &env,
    );
}

#[test]
#[ignore = "docs (Comparison with JSONPath) imply 'eligible'/'not eligible'; in MI the query \
            parameter is a string, injected into the filter as \"100\" (so `@.total > \"100\"` \
            matches nothing in Jayway), and `int > configs.x` compares a number with a string, \
            which MI's BinaryOperationNode rejects, so MI yields an empty result"]
fn comparison_page_promotion_check() {
    for (src, want) in [
        (
            "${length($.orders[?(@.customerID==vars.customerId && @.total > params.queryParams.minimumBillAmount)]) > configs.promo_bill_count ? 'eligible' : 'not eligible'}",
            "eligible",
        ),
        (
            r#"${length($.orders[?(@.customerID == vars.customerId && @.total > params.queryParams.minimumBillAmount)]) > configs.promoEligibilityCount ? "Eligible" : "Not eligible"}"#,
            "Eligible",
        ),
    ] {
        check(
            "Comparison with JSONPath",
            "orders",
            src,
            Is(want),
            &promotion_env("100", "2"),
        );
    }
}

#[test]
fn type_errors_name_the_types() {
    // The promotion check above fails because a config is a string; the message has to say so.
    let e = SynapseExpression::compile("${3 > configs.promo_bill_count}").unwrap();
    let err = e.evaluate(&promotion_env("100", "2")).unwrap_err();
    assert_eq!(
        err.message(),
        "comparison between non-numeric values: 3 (integer) and 2 (string)"
    );
    let e = SynapseExpression::compile(r#"${45 == ($["null"] ? 1 : 2)}"#).unwrap();
    let err = e.evaluate(&base_env(json!({"null": null}))).unwrap_err();
    assert_eq!(
        err.message(),
        "the condition of '?:' must be a boolean, got null"
    );
}
