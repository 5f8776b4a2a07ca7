//! The streaming fast path (a simple path read straight from the JSON payload bytes) must give
//! what evaluating over the parsed tree gives, for `json-eval` and for `${payload…}`.

use mediate_expr::{Evaluated, Expression};
use mediate_message::MessageContext;
use mediate_xpath::Namespaces;
use proptest::prelude::*;
use serde_json::Value;

/// Evaluate on a fresh message (streaming) and on one whose JSON view is already parsed (tree).
fn both(payload: &str, expr: &str) -> (Result<String, String>, Result<String, String>) {
    let e = Expression::compile(expr, &Namespaces::new()).unwrap();
    let fresh = MessageContext::from_json(payload.to_owned());
    let parsed = MessageContext::from_json(payload.to_owned());
    let _ = parsed.json();
    let run = |m: &MessageContext| e.evaluate_string(m).map_err(|e| e.to_string());
    (run(&fresh), run(&parsed))
}

#[test]
fn found_missing_and_malformed_agree() {
    let doc =
        r#"{"order":{"id":"A-1","total":10.5,"items":[{"sku":"x"},{"sku":"y"}],"none":null}}"#;
    for expr in [
        "json-eval($.order.id)",
        "json-eval($.order.items[1].sku)",
        "json-eval($.order.items[5].sku)",
        "json-eval($.order.missing)",
        "json-eval($.order.none)",
        "json-eval($['order']['total'])",
        "${payload.order.total * 2}",
        "${payload.order.items[1].sku}",
        "${payload.order.missing}",
        "${payload.order.items[9]}",
        "${payload.order.id.x}",
        "${payload.order.none}",
    ] {
        let (streamed, tree) = both(doc, expr);
        assert_eq!(streamed, tree, "{expr}");
    }
    let (streamed, tree) = both(r#"{"order":{"id":1,}}"#, "${payload.order.id}");
    assert!(streamed.is_err());
    assert_eq!(streamed, tree);
    let (streamed, tree) = both(r#"{"order":{"id":1} x"#, "json-eval($.order.id)");
    assert!(streamed.is_err(), "trailing garbage is malformed JSON");
    assert_eq!(streamed, tree);
}

#[test]
fn json_eval_typed_result_is_the_same() {
    let doc = r#"{"a":[1,{"b":true}]}"#;
    let e = Expression::compile("json-eval($.a[1])", &Namespaces::new()).unwrap();
    let fresh = MessageContext::from_json(doc);
    let Evaluated::Json(r) = e.evaluate(&fresh).unwrap() else {
        panic!("json-eval gives a JSON result")
    };
    assert_eq!(r.into_value(), Some(serde_json::json!({"b": true})));
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        (-1000.0f64..1000.0).prop_map(Value::from),
        "[a-z ]{0,4}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-c]", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn path() -> impl Strategy<Value = Vec<(bool, String)>> {
    prop::collection::vec(
        prop_oneof![
            "[a-c]".prop_map(|n| (true, n)),
            (0usize..4).prop_map(|i| (false, i.to_string())),
        ],
        1..4,
    )
}

proptest! {
    #[test]
    fn streaming_equals_tree(doc in json().prop_filter("object root", Value::is_object), steps in path()) {
        let text = doc.to_string();
        let mut jp = String::from("$");
        let mut se = String::from("payload");
        for (is_name, s) in &steps {
            if *is_name {
                jp.push('.');
                jp.push_str(s);
                se.push('.');
                se.push_str(s);
            } else {
                jp.push_str(&format!("[{s}]"));
                se.push_str(&format!("[{s}]"));
            }
        }
        for expr in [format!("json-eval({jp})"), format!("${{{se}}}")] {
            let (streamed, tree) = both(&text, &expr);
            prop_assert_eq!(streamed, tree, "{}", expr);
        }
    }
}

#[test]
fn json_streaming_rejects_what_the_full_parse_rejects() {
    for doc in [
        r#"{"a":1,"b":1e400}"#,
        r#"{"a":1,"b":"\ud800"}"#,
        r#"{"a":1,"b":[{"c":"\udc00"}]}"#,
    ] {
        assert!(serde_json::from_str::<Value>(doc).is_err());
        for expr in ["json-eval($.a)", "${payload.a}"] {
            let (streamed, tree) = both(doc, expr);
            assert!(streamed.is_err(), "{doc} {expr}: {streamed:?}");
            assert_eq!(streamed, tree, "{doc} {expr}");
        }
    }
    let ok = r#"{"a":-0,"b":[18446744073709551616,"\ud83d\ude00",1.0],"\u00e9":"\u00e9"}"#;
    for expr in [
        "json-eval($.a)",
        "json-eval($.b)",
        "json-eval($['é'])",
        "${payload.a}",
    ] {
        let (streamed, tree) = both(ok, expr);
        assert!(streamed.is_ok(), "{expr}");
        assert_eq!(streamed, tree, "{expr}");
    }
}

#[test]
fn simple_paths_do_not_build_the_tree() {
    let ns = Namespaces::new();
    for text in ["json-eval($.order.id)", "${payload.order.id}"] {
        let msg = MessageContext::from_json(r#"{"order":{"id":"A-1"}}"#);
        let e = Expression::compile(text, &ns).unwrap();
        assert_eq!(e.evaluate_string(&msg).unwrap(), "A-1");
        assert!(msg.json_if_parsed().is_none(), "answered from the bytes");
    }
}

#[test]
fn the_second_reader_parses_once_for_everyone_after() {
    // One scan is cheaper than a parse; two scans are not: from the second reader on, the
    // tree is built once and cached.
    let ns = Namespaces::new();
    let msg = MessageContext::from_json(r#"{"order":{"id":"A-1","total":7}}"#);
    let id = Expression::compile("json-eval($.order.id)", &ns).unwrap();
    let total = Expression::compile("${payload.order.total}", &ns).unwrap();
    assert_eq!(id.evaluate_string(&msg).unwrap(), "A-1");
    assert!(msg.json_if_parsed().is_none(), "the first reader scanned");
    assert_eq!(total.evaluate_string(&msg).unwrap(), "7");
    assert!(msg.json_if_parsed().is_some(), "the second reader parsed");
    assert_eq!(id.evaluate_string(&msg).unwrap(), "A-1");
}
