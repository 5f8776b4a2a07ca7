//! The streaming fast paths (a simple path read straight from the payload bytes) must give what
//! evaluating over the parsed tree gives, for `json-eval` and for `${payload…}`.

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

// ----- XPath over POX payloads -------------------------------------------------------------

/// Evaluate an XPath on a fresh POX message (may stream) and on one whose envelope is built.
fn both_xml(payload: &str, expr: &str) -> (Result<String, String>, Result<String, String>) {
    let mut ns = Namespaces::new();
    ns.insert("soapenv", "http://schemas.xmlsoap.org/soap/envelope/");
    ns.insert("p", "urn:p");
    let e = Expression::compile(expr, &ns).unwrap();
    let fresh = MessageContext::from_xml(payload.to_owned());
    let parsed = MessageContext::from_xml(payload.to_owned());
    let _ = parsed.envelope();
    let run = |m: &MessageContext| e.evaluate_string(m).map_err(|e| e.to_string());
    (run(&fresh), run(&parsed))
}

#[test]
fn xpath_streaming_agrees_on_examples() {
    let doc = "<?xml version=\"1.0\"?>\n<order xmlns:p=\"urn:p\"><id> A-1 </id><p:c a=\"1\">x</p:c><items><item sku=\"s1\">pen</item><item sku=\"s2\"><name>ink</name></item></items></order>";
    for expr in [
        "//order/id",
        "$body/order/id",
        "/soapenv:Envelope/soapenv:Body/order/id",
        "/order/id",
        "//p:c",
        "//p:c/@a",
        "//item/@sku",
        "//item",
        "//item/name",
        "//items",
        "//id/text()",
        "//nothing",
        "/*/*/order/id",
    ] {
        let (streamed, tree) = both_xml(doc, expr);
        assert_eq!(streamed, tree, "{expr}");
    }
}

/// Adversarial payloads: the streamed answer must be the tree's, and what the tree rejects
/// must be rejected (not answered) by the stream.
#[test]
fn xpath_streaming_agrees_on_adversarial_payloads() {
    for (payload, expr) in [
        ("\u{feff}<r><a>x</a></r>", "//a"),
        ("<r>\r\n<a>x\r\ny</a></r>", "//a/text()"),
        ("<r><a b='x\r\ny'/></r>", "//a/@b"),
        // Java's String.trim: only characters up to U+0020.
        ("<r><a>\u{3000}x\u{2003}</a></r>", "//a"),
        ("<r><a>\u{85}x</a></r>", "//a"),
        ("<r><a>&#x85;x</a></r>", "//a"),
        ("<r><a>\u{a0}x\u{a0}</a></r>", "//a"),
        // Non-characters are malformed XML.
        ("<r><a>x\u{fffe}</a></r>", "//a"),
        ("<r><a>&#xFFFE;x</a></r>", "//a"),
        ("<r><a b='\u{ffff}'>x</a></r>", "//a"),
        // Content after the root element.
        ("<r><a>x</a></r>\u{a0}", "//a"),
        ("<r><a>x</a></r><![CDATA[ ]]>", "//a"),
        ("<r><a>x</a></r>&#32;", "//a"),
        // The implicit envelope's prefix is not the payload's.
        ("<soapenv:r><a>x</a></soapenv:r>", "//a"),
        ("<r><a soapenv:k='1'>x</a></r>", "//a"),
        ("<r xmlns='urn:p'><a xmlns=''>x</a></r>", "//a"),
        ("<r xml:lang='en'><a xml:lang='fr'>x</a></r>", "//a/@lang"),
        ("<p:a xmlns:p='urn:p' xmlns='urn:d'>x</p:a>", "//p:a/@xmlns"),
    ] {
        let (streamed, tree) = both_xml(payload, expr);
        assert_eq!(streamed, tree, "{payload:?} {expr}");
    }
    let (_, tree) = both_xml("<r><a>\u{3000}x\u{2003}</a></r>", "//a");
    assert_eq!(tree.as_deref(), Ok("\u{3000}x\u{2003}"));
    for malformed in [
        "<r><a>x</a></r>\u{a0}",
        "<r><a>x</a></r>&#32;",
        "<soapenv:r><a>x</a></soapenv:r>",
        "<r><a>&#xFFFE;x</a></r>",
    ] {
        let (streamed, _) = both_xml(malformed, "//a");
        assert!(streamed.is_err(), "{malformed:?}: {streamed:?}");
    }
}

/// JSON that a full parse rejects is rejected by `json-eval` and `${payload…}` however little
/// of it the path reads: a number beyond `f64`, a lone surrogate escape.
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

fn xml_doc() -> impl Strategy<Value = String> {
    #[derive(Debug, Clone)]
    enum N {
        E(String, Option<String>, Vec<N>),
        T(String),
    }
    fn render(n: &N, out: &mut String) {
        match n {
            N::T(t) => out.push_str(t),
            N::E(name, attr, kids) => {
                out.push('<');
                out.push_str(name);
                if let Some(v) = attr {
                    out.push_str(&format!(" k=\"{v}\""));
                }
                out.push('>');
                for k in kids {
                    render(k, out);
                }
                out.push_str(&format!("</{name}>"));
            }
        }
    }
    let name = prop_oneof![Just("a"), Just("b"), Just("p:c")].prop_map(str::to_owned);
    let text = prop_oneof![
        Just(" ".to_owned()),
        Just("x".to_owned()),
        Just(" y ".to_owned()),
        Just("&amp;".to_owned()),
        Just("<![CDATA[z]]>".to_owned()),
        Just("\u{a0}".to_owned()),
    ];
    let leaf = text.clone().prop_map(N::T);
    let tree = leaf.prop_recursive(4, 24, 4, move |inner| {
        (
            name.clone(),
            prop::option::of("[a-z]{0,2}"),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(n, a, k)| N::E(n, a, k))
    });
    (prop::collection::vec(tree, 0..4), text).prop_map(|(kids, t)| {
        let mut s = String::from("<root xmlns:p=\"urn:p\">");
        for k in &kids {
            render(k, &mut s);
        }
        s.push_str(&t);
        s.push_str("</root>");
        s
    })
}

fn simple_xpath() -> impl Strategy<Value = String> {
    let step = prop_oneof![Just("a"), Just("b"), Just("p:c"), Just("*"), Just("root")];
    let sep = prop_oneof![Just("/"), Just("//")];
    let tail = prop_oneof![Just(""), Just("/text()"), Just("/@k")];
    let start = prop_oneof![Just(""), Just("$body")];
    (start, prop::collection::vec((sep, step), 1..4), tail).prop_map(|(start, steps, tail)| {
        let mut s = start.to_owned();
        for (sep, st) in steps {
            s.push_str(sep);
            s.push_str(st);
        }
        s.push_str(tail);
        s
    })
}

proptest! {
    #[test]
    fn xpath_streaming_equals_tree(doc in xml_doc(), expr in simple_xpath()) {
        let (streamed, tree) = both_xml(&doc, &expr);
        prop_assert_eq!(streamed, tree, "{} over {}", expr, doc);
    }

    #[test]
    fn xpath_streaming_never_accepts_what_the_tree_rejects(
        doc in xml_doc(),
        expr in simple_xpath(),
        cut in 0usize..200,
        junk in prop_oneof![
            Just("<"), Just("&"), Just("</a>"), Just("<a b='1' b='2'>"), Just("\u{1}"),
            Just("<q:x/>"), Just("]]>"), Just("<?xml version='1.0'?>"), Just("<!DOCTYPE r>"),
            Just("<a xmlns:p=''>"), Just("<a xmlns:xml='urn:x'>"), Just("&#0;"), Just("&#xD800;"),
            Just("<!-- - -->"), Just("<a/ >"), Just("<?pi \u{1}?>"), Just(" k='v'"), Just("\r\n"),
        ],
    ) {
        let mut bad = doc.clone();
        let at = bad.char_indices().map(|(i, _)| i).nth(cut % bad.chars().count().max(1)).unwrap_or(0);
        bad.insert_str(at, junk);
        let (streamed, tree) = both_xml(&bad, &expr);
        prop_assert_eq!(streamed, tree, "{} over {:?}", expr, bad);
    }
}

#[test]
fn simple_paths_do_not_build_the_tree() {
    let ns = Namespaces::new();
    let msg = MessageContext::from_xml("<order><id>A-1</id><n>2</n></order>");
    let e = Expression::compile("//order/id", &ns).unwrap();
    assert_eq!(e.evaluate_string(&msg).unwrap(), "A-1");
    assert!(!msg.envelope_is_parsed(), "answered from the bytes");
    let msg = MessageContext::from_json(r#"{"order":{"id":"A-1"}}"#);
    for text in ["json-eval($.order.id)", "${payload.order.id}"] {
        let e = Expression::compile(text, &ns).unwrap();
        assert_eq!(e.evaluate_string(&msg).unwrap(), "A-1");
    }
    assert!(msg.json_if_parsed().is_none(), "answered from the bytes");
}

/// Not a test of speed (timed assertions are banned): prints how the two paths compare, for
/// reading by hand with `cargo test --release --test streaming -- --ignored --nocapture`.
#[test]
#[ignore = "prints timings for a human; run with --ignored --nocapture"]
fn compare_stream_and_tree_timings() {
    let mut s = String::from("<order><id>A-1001</id><customer>acme</customer><items>");
    for i in 0..12 {
        s.push_str(&format!(
            "<item sku=\"P-{i}\"><name>Item {i}</name><price>{}</price></item>",
            i * 3 + 1
        ));
    }
    s.push_str("</items><total>1800</total></order>");
    let e = Expression::compile("//order/id", &Namespaces::new()).unwrap();
    let bytes = bytes::Bytes::from(s);
    for round in 0..3 {
        let n = 50_000u32;
        let t = std::time::Instant::now();
        for _ in 0..n {
            let m = MessageContext::from_xml(bytes.clone());
            std::hint::black_box(e.evaluate_string(&m).unwrap());
        }
        let stream = t.elapsed() / n;
        let t = std::time::Instant::now();
        for _ in 0..n {
            let m = MessageContext::from_xml(bytes.clone());
            let _ = m.envelope();
            std::hint::black_box(e.evaluate_string(&m).unwrap());
        }
        let tree = t.elapsed() / n;
        eprintln!(
            "round {round}: {} bytes: stream {stream:?}, tree {tree:?}",
            bytes.len()
        );
    }
}

#[test]
fn an_expression_the_fast_path_cannot_answer_stays_correct() {
    // `//item` selects several elements, which only the tree can serialize; after a few misses
    // the fast path is not tried any more, and answers stay the tree's.
    let e = Expression::compile("//item", &Namespaces::new()).unwrap();
    for _ in 0..20 {
        let msg = MessageContext::from_xml("<r><item>a</item><item>b</item></r>");
        assert_eq!(
            e.evaluate_string(&msg).unwrap(),
            "<item>a</item><item>b</item>"
        );
    }
    let msg = MessageContext::from_xml("<r><item>only</item></r>");
    assert_eq!(e.evaluate_string(&msg).unwrap(), "only");
}
