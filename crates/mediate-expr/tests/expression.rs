//! `Expression` over real messages: which language a text is, where compile errors point,
//! `json-eval(…)` over JSON, XML and property payloads, and `${…}` reading a message.
//! Expectations come from MI's docs (`docs-mi: reference/synapse-properties/expressions.md`,
//! `synapse-expressions.md`) and wso2-synapse (`SynapseJsonPath`, `synapse/expression/*`).

mod support;

use std::collections::HashMap;

use mediate_expr::synapse::SynapseExpression;
use mediate_expr::{Evaluated, Expression, ExpressionKind, MessageEnv};
use mediate_message::{MessageContext, PropertyValue, Scope};
use mediate_xpath::Namespaces;
use serde_json::json;
use support::{compile_err, eval, eval_ns, kind, ns, request, soap11};

// ----- dispatch -------------------------------------------------------------------------------

#[test]
fn dispatch_by_text() {
    assert_eq!(kind("${payload.order.id}"), ExpressionKind::Synapse);
    assert_eq!(kind("${vars.x}"), ExpressionKind::Synapse);
    assert_eq!(kind("json-eval($.order.id)"), ExpressionKind::JsonEval);
    assert_eq!(kind("json-eval($ctx:p.a)"), ExpressionKind::JsonEval);
    assert_eq!(kind("//order/id"), ExpressionKind::XPath);
    assert_eq!(kind("$ctx:name"), ExpressionKind::XPath);
    assert_eq!(kind("get-property('To')"), ExpressionKind::XPath);
    assert_eq!(kind("$body/order"), ExpressionKind::XPath);
    // `$.a` is not json-eval without the json-eval( wrapper: MI reads it as XPath (and fails)
    assert_eq!(compile_err("$.a").kind, ExpressionKind::XPath);
}

#[test]
fn evaluate_keeps_the_result_type() {
    let msg = MessageContext::from_json(r#"{"a":{"b":[1,2]}}"#);
    let n = Namespaces::new();
    let x = Expression::compile("count(//b)", &n).unwrap();
    assert!(matches!(x.evaluate(&msg).unwrap(), Evaluated::XPath(_)));
    let j = Expression::compile("json-eval($.a.b)", &n).unwrap();
    assert!(matches!(j.evaluate(&msg).unwrap(), Evaluated::Json(_)));
    let s = Expression::compile("${payload.a.b[0] + 1}", &n).unwrap();
    assert!(matches!(s.evaluate(&msg).unwrap(), Evaluated::Synapse(_)));
    assert_eq!(s.source(), "${payload.a.b[0] + 1}");
}

// ----- compile error columns ------------------------------------------------------------------

#[test]
fn xpath_compile_error_columns() {
    let e = compile_err("count(//item");
    assert_eq!((e.kind, e.column), (ExpressionKind::XPath, 13));
    assert_eq!(compile_err("//a[").column, 5);
    assert_eq!(compile_err("1 +").column, 4);
    // an unknown function is reported at its name
    assert_eq!(compile_err("foo(1)").column, 1);
    assert_eq!(compile_err("//a[bar()]").column, 5);
    // columns count characters of the text as written, leading blanks included
    assert_eq!(compile_err("   count(//item").column, 16);
    assert_eq!(compile_err("//é[").column, 5);
}

#[test]
fn synapse_compile_error_columns() {
    let e = compile_err("${payload.a +}");
    assert_eq!((e.kind, e.column), (ExpressionKind::Synapse, 14));
    assert_eq!(compile_err("${1 + }").column, 7);
    assert_eq!(compile_err("${vars.}").column, 8);
    assert_eq!(compile_err("${foo(1)}").column, 3);
    // an unterminated `${` is reported at its start
    assert_eq!(compile_err("${payload.a").column, 1);
}

#[test]
fn json_eval_compile_error_columns_point_into_the_text() {
    // "json-eval(" is 10 characters: path column c is text column 10 + c.
    let e = compile_err("json-eval($.a[)");
    assert_eq!((e.kind, e.column), (ExpressionKind::JsonEval, 14));
    assert_eq!(compile_err("json-eval($..)").column, 13);
    assert_eq!(compile_err("  json-eval($.a[)").column, 16);
    // a missing ')' is reported one past the end
    assert_eq!(compile_err("json-eval($.a").column, 14);
}

#[test]
fn json_eval_on_property_compile_error_columns() {
    // json-eval($ctx:prop.a[): the '[' is character 22 of the text.
    let e = compile_err("json-eval($ctx:prop.a[)");
    assert_eq!((e.kind, e.column), (ExpressionKind::JsonEval, 22));
    assert_eq!(compile_err("json-eval($axis2:prop.a[)").column, 24);
    assert_eq!(compile_err("json-eval($trp:h..)").column, 18);
}

// ----- json-eval over the payload -------------------------------------------------------------

const DOCS_JSON: &str = r#"{
  "id": 12345,
  "id_str": "12345",
  "array": [ 1, 2, [ [], [{"inner_id": 6789}] ] ],
  "name": null,
  "object": {},
  "$schema_location": "unknown",
  "12X12": "image12x12.png"
}"#;

#[test]
fn json_eval_docs_table() {
    // docs ("JSONPath syntax" table).
    let msg = MessageContext::from_json(DOCS_JSON);
    assert_eq!(eval(&msg, "json-eval($.id)"), "12345");
    assert_eq!(eval(&msg, "json-eval($.name)"), "null");
    assert_eq!(eval(&msg, "json-eval($.object)"), "{}");
    assert_eq!(eval(&msg, "json-eval($.['$schema_location'])"), "unknown");
    assert_eq!(eval(&msg, "json-eval($.12X12)"), "image12x12.png");
    assert_eq!(
        eval(&msg, "json-eval($.array)"),
        r#"[1,2,[[],[{"inner_id":6789}]]]"#
    );
    assert_eq!(eval(&msg, "json-eval($.array[2][1][0].inner_id)"), "6789");
    assert_eq!(eval(&msg, "json-eval($.id_str)"), "12345");
}

#[test]
fn json_eval_whole_body_is_the_payload_text() {
    // SynapseJsonPath: `$` and `$.` are the whole body, returned as the payload text is.
    let msg = MessageContext::from_json(DOCS_JSON);
    assert_eq!(eval(&msg, "json-eval($.)"), DOCS_JSON);
    assert_eq!(eval(&msg, "json-eval($)"), DOCS_JSON);
}

#[test]
fn json_eval_missing_path_and_empty_payload_are_empty() {
    // SynapseJsonPath.stringValueOf: a path that does not match gives "" (the exception is
    // caught), and so does an empty payload ("Json Payload is empty.").
    let msg = MessageContext::from_json(r#"{"a":1}"#);
    assert_eq!(eval(&msg, "json-eval($.nope)"), "");
    assert_eq!(eval(&msg, "json-eval($.a.b.c)"), "");
    assert_eq!(eval(&MessageContext::empty(), "json-eval($.a)"), "");
    assert_eq!(eval(&msg, "json-eval($..nope)"), "[]");
}

#[test]
fn json_eval_indefinite_paths_give_arrays() {
    let msg = MessageContext::from_json(
        r#"{"order":{"items":[{"sku":"x","qty":1},{"sku":"y","qty":3}]}}"#,
    );
    assert_eq!(
        eval(&msg, "json-eval($.order.items[*].sku)"),
        r#"["x","y"]"#
    );
    assert_eq!(eval(&msg, "json-eval($..qty)"), "[1,3]");
    assert_eq!(
        eval(&msg, "json-eval($.order.items[?(@.qty > 1)].sku)"),
        r#"["y"]"#
    );
}

#[test]
fn json_eval_on_xml_payload_uses_mi_xml_to_json() {
    // SynapseJsonPath.stringValueOf: without a JSON payload, the Body's first element is
    // converted with JsonUtil.toJsonStream (root element name kept, numbers typed).
    let msg = MessageContext::from_xml(
        "<order><id>1</id><name>pen</name><item>a</item><item>b</item></order>",
    );
    assert_eq!(eval(&msg, "json-eval($.order.id)"), "1");
    assert_eq!(eval(&msg, "json-eval($.order.name)"), "pen");
    assert_eq!(eval(&msg, "json-eval($.order.item)"), r#"["a","b"]"#);
    assert_eq!(eval(&msg, "json-eval($.order.item[1])"), "b");
}

#[test]
fn json_eval_on_soap_payload_reads_the_first_body_child() {
    let msg = MessageContext::from_bytes(
        soap11("", "<getQuote><symbol>IBM</symbol></getQuote>"),
        "text/xml",
    );
    assert_eq!(eval(&msg, "json-eval($.getQuote.symbol)"), "IBM");
}

// ----- json-eval over a property --------------------------------------------------------------

#[test]
fn json_eval_on_json_typed_property() {
    // docs: json-eval($ctx:propertyName.student.name)
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property(
        "propertyName",
        json!({"student": {"name": "Ann", "marks": [80, 95]}}),
    );
    assert_eq!(
        eval(&msg, "json-eval($ctx:propertyName.student.name)"),
        "Ann"
    );
    assert_eq!(
        eval(&msg, "json-eval($ctx:propertyName.student.marks[1])"),
        "95"
    );
    assert_eq!(
        eval(&msg, "json-eval($ctx:propertyName.student.marks[*])"),
        "[80,95]"
    );
    assert_eq!(
        eval(&msg, "json-eval($ctx:propertyName)"),
        r#"{"student":{"name":"Ann","marks":[80,95]}}"#
    );
    assert_eq!(eval(&msg, "json-eval($ctx:propertyName.student.nope)"), "");
}

#[test]
fn json_eval_on_string_property_holding_json() {
    let mut msg = MessageContext::from_json(r#"{"payload":"ignored"}"#);
    msg.set_property("p", r#"{"student":{"name":"Bob"}}"#);
    assert_eq!(eval(&msg, "json-eval($ctx:p.student.name)"), "Bob");
    // the payload is not read
    assert_eq!(eval(&msg, "json-eval($ctx:missing.student.name)"), "");
}

#[test]
fn json_eval_on_axis2_and_transport_properties() {
    // docs: json-eval($axis2:propertyName.student.name), json-eval($trp:propertyName.student.name)
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_scoped_property(Scope::Axis2, "ax", json!({"student": {"name": "Cy"}}))
        .unwrap();
    msg.set_transport_header("X-Student", r#"{"student":{"name":"Di"}}"#)
        .unwrap();
    assert_eq!(eval(&msg, "json-eval($axis2:ax.student.name)"), "Cy");
    assert_eq!(eval(&msg, "json-eval($trp:X-Student.student.name)"), "Di");
}

// ----- ${…} over a real message ---------------------------------------------------------------

#[test]
fn synapse_reads_json_payload() {
    let msg = MessageContext::from_json(
        r#"{"order":{"total":10.5,"items":[{"sku":"x"},{"sku":"y"}]},"user":{"first name":"Ann"}}"#,
    );
    assert_eq!(eval(&msg, "${payload.order.total * 2}"), "21.0");
    assert_eq!(eval(&msg, "${$.order.items[1].sku}"), "y");
    assert_eq!(eval(&msg, r#"${payload.user["first name"]}"#), "Ann");
    assert_eq!(eval(&msg, "${payload.order.items[*].sku}"), r#"["x","y"]"#);
    assert_eq!(eval(&msg, "${length(payload.order.items)}"), "2");
}

#[test]
fn synapse_docs_api_example() {
    // docs (synapse-expressions.md "Example"): GET /test/john?age=3&category=fiction with the
    // bookstore payload finds 4 fiction books, 2 of them above the `expensive` margin.
    let body = r#"{"store":{"book":[
        {"category":"reference","author":"Nigel Rees","title":"Sayings of the Century","price":8.95},
        {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553-21311-3","price":8.99},
        {"category":"fiction","author":"J.R.R. Tolkien","title":"The Lord of the Rings","isbn":"0-395-19395-8","price":22.99},
        {"category":"fiction","author":"Harper Lee","title":"To Kill a Mockingbird","price":10.99},
        {"category":"fiction","author":"George Orwell","title":"Animal Farm","price":7.99},
        {"category":"biography","author":"Anne Frank","title":"The Diary of a Young Girl","price":6.99}
      ]},"expensive":10}"#;
    let mut msg = request(
        "POST",
        "/test/john?age=3&category=fiction",
        &[],
        Some("application/json"),
        body,
    );
    msg.set_path_param("name", "john");
    assert_eq!(eval(&msg, "${params.uriParams.name}"), "john");
    assert_eq!(eval(&msg, "${integer(params.queryParams.age)}"), "3");
    let category = eval(&msg, "${params.queryParams.category}");
    assert_eq!(category, "fiction");
    msg.set_variable("category", category);
    msg.set_variable("age", 3);
    assert_eq!(
        eval(&msg, "${payload..book[?(@.category==vars.category)].title}"),
        r#"["Moby Dick","The Lord of the Rings","To Kill a Mockingbird","Animal Farm"]"#
    );
    assert_eq!(
        eval(
            &msg,
            "${payload..book[?(@.category==vars.category && @.price > payload.expensive)].title}"
        ),
        r#"["The Lord of the Rings","To Kill a Mockingbird"]"#
    );
    assert_eq!(
        eval(&msg, r#"${vars.age > 18 ? "eligible" : "not eligible"}"#),
        "not eligible"
    );
}

#[test]
fn synapse_reads_variables() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_variable("n", 5);
    msg.set_variable("name", "Ann");
    msg.set_variable("obj", json!({"a": {"b": [1, 2]}}));
    assert_eq!(eval(&msg, "${vars.n * 2}"), "10");
    assert_eq!(eval(&msg, "${var.name}"), "Ann");
    assert_eq!(eval(&msg, r#"${vars["name"] + "!"}"#), "Ann!");
    assert_eq!(eval(&msg, "${vars.obj.a.b[1]}"), "2");
    // PayloadAccessNode: "Variable missing is not defined"
    let x = Expression::compile("${vars.missing}", &Namespaces::new()).unwrap();
    assert!(x.evaluate_string(&msg).is_err());
}

#[test]
fn synapse_reads_headers_case_insensitively() {
    // EvaluationContext.getHeader reads TRANSPORT_HEADERS, a case-insensitive map in MI.
    let msg = request(
        "POST",
        "/x",
        &[("Host", "localhost:8290"), ("X-Trace", "t-1")],
        Some("application/json"),
        "{}",
    );
    assert_eq!(eval(&msg, "${headers.Host}"), "localhost:8290");
    assert_eq!(
        eval(&msg, r#"${headers["Content-Type"]}"#),
        "application/json"
    );
    assert_eq!(
        eval(&msg, r#"${headers["content-type"]}"#),
        "application/json"
    );
    assert_eq!(eval(&msg, r#"${headers["x-trace"]}"#), "t-1");
}

#[test]
fn synapse_reads_properties() {
    let mut msg = MessageContext::from_json("{}");
    msg.set_property("p", "synapse-value");
    msg.set_property("count", 5);
    msg.set_scoped_property(Scope::Axis2, "ax", "axis2-value")
        .unwrap();
    assert_eq!(eval(&msg, "${props.synapse.p}"), "synapse-value");
    assert_eq!(eval(&msg, "${properties.synapse.p}"), "synapse-value");
    assert_eq!(eval(&msg, "${properties.axis2.ax}"), "axis2-value");
    assert_eq!(eval(&msg, "${props.synapse.count}"), "5");
    // scopes are kept apart
    assert_eq!(eval(&msg, "${exists(props.synapse.ax)}"), "false");
}

#[test]
fn synapse_reads_query_and_path_params() {
    // HeadersAndPropertiesAccessNode: uriParams are the `uri.var.NAME` properties and
    // queryParams the `query.param.NAME` properties the API dispatcher sets.
    let mut msg = request("GET", "/orders/42?status=open&q=a%20b", &[], None, "");
    msg.set_path_param("id", "42");
    assert_eq!(eval(&msg, "${params.pathParams.id}"), "42");
    assert_eq!(eval(&msg, "${params.uriParams.id}"), "42");
    assert_eq!(eval(&msg, "${params.queryParams.status}"), "open");
    assert_eq!(eval(&msg, "${params.queryParams.q}"), "a b");

    let mut by_props = MessageContext::from_json("{}");
    by_props.set_property("uri.var.city", "Colombo");
    by_props.set_property("query.param.lang", PropertyValue::String("si".into()));
    assert_eq!(eval(&by_props, "${params.uriParams.city}"), "Colombo");
    assert_eq!(eval(&by_props, "${params.queryParams.lang}"), "si");
}

#[test]
fn synapse_reads_function_params() {
    let msg = MessageContext::from_json("{}");
    let params: HashMap<String, String> = [("greeting".to_owned(), "hi".to_owned())].into();
    let env = MessageEnv::new(&msg).with_function_params(&params);
    let e = SynapseExpression::compile("${params.functionParams.greeting + '!'}").unwrap();
    assert_eq!(e.evaluate(&env).unwrap().to_string(), "hi!");
}

#[test]
fn synapse_xpath_function_over_xml_payload() {
    // docs: <variable name="StudentName" expression="${xpath('//student/text()')}"/>
    let msg = MessageContext::from_xml(
        "<students><student>Alice</student><student>Bob</student></students>",
    );
    assert_eq!(eval(&msg, "${xpath('//student[1]/text()')}"), "Alice");
    // xpath() gives Synapse's stringValueOf: one element → its text
    assert_eq!(eval(&msg, "${xpath('//student[2]')}"), "Bob");
    assert_eq!(eval(&msg, "${xpath('count(//student)')}"), "2.0");
    assert_eq!(eval(&msg, "${toUpper(xpath('//student[1]'))}"), "ALICE");
}

#[test]
fn synapse_xpath_function_with_namespaces() {
    // docs: ${xpath('//a:parent/b:child/a:value/text()')} with xmlns:a / xmlns:b on the mediator.
    let msg = MessageContext::from_xml(
        r#"<a:parent xmlns:a="http://namespaceA.com" xmlns:b="http://namespaceB.com"><b:child><a:value>120</a:value></b:child></a:parent>"#,
    );
    let n = ns(&[
        ("a", "http://namespaceA.com"),
        ("b", "http://namespaceB.com"),
    ]);
    assert_eq!(
        eval_ns(&msg, "${xpath('//a:parent/b:child/a:value/text()')}", &n),
        "120"
    );
}

#[test]
fn synapse_xpath_function_sees_synapse_functions_and_variables() {
    let mut msg = MessageContext::from_xml("<a><b>x</b></a>");
    msg.set_property("p", "prop");
    assert_eq!(eval(&msg, "${xpath(\"get-property('p')\")}"), "prop");
    assert_eq!(eval(&msg, "${xpath('$body/a/b')}"), "x");
}

#[test]
fn synapse_payload_on_xml_is_the_body_element() {
    let msg = MessageContext::from_xml("<order><id>1</id></order>");
    assert_eq!(eval(&msg, "${payload}"), "<order><id>1</id></order>");
}

#[test]
fn synapse_payload_path_on_xml_reads_mi_json_mapping() {
    let msg = MessageContext::from_xml("<order><id>1</id><name>pen</name></order>");
    assert_eq!(eval(&msg, "${payload.order.name}"), "pen");
    assert_eq!(eval(&msg, "${payload.order.id + 1}"), "2");
}

#[test]
fn synapse_whole_json_payload_and_empty_payload() {
    // EvaluationContext.getJSONResult: `payload` is JSONPath `$` over the payload (a Gson
    // element, printed compact); an empty payload is an error ("Payload is empty").
    let msg = MessageContext::from_json("{ \"a\" : [1, 2] }");
    assert_eq!(eval(&msg, "${payload}"), r#"{"a":[1,2]}"#);
    let empty = MessageContext::empty();
    let x = Expression::compile("${payload.a}", &Namespaces::new()).unwrap();
    assert!(x.evaluate_string(&empty).is_err());
}

#[test]
fn synapse_xpath_function_over_json_payload() {
    // xpath() runs SynapseXPath over the envelope: a JSON payload is seen through MI's
    // JSON→XML mapping.
    let msg = MessageContext::from_json(r#"{"order":{"id":"A-1","qty":3}}"#);
    assert_eq!(eval(&msg, "${xpath('//order/id')}"), "A-1");
    assert_eq!(eval(&msg, "${xpath('$body/jsonObject/order/qty')}"), "3");
}
