//! JSON ↔ XML mapping: round trips (proptest) and MI's documented examples
//! through the public API.

use mediate_message::json_xml::{
    JsonToXmlOptions, XmlToJsonOptions, is_auto_primitive, json_to_xml_with, xml_to_json_with,
};
use mediate_message::{json_to_xml, xml_to_json};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn back(xml: &str) -> Value {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    xml_to_json(doc.root()).unwrap()
}

fn lossless(v: &Value) -> String {
    json_to_xml_with(v, &JsonToXmlOptions::with_processing_instructions()).unwrap()
}

/// Keys: anything but the documented exceptions (`@…`, `$`, `_JsonReader_`
/// sequences, NUL, `jsonArray`).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_.-]{0,6}",
        "[0-9$][a-z0-9]{0,4}",
        any::<String>().prop_map(|s| s.chars().take(6).collect::<String>()),
        "[ :!?<>&\"'/\\\\é😀\u{7}\t]{1,4}",
    ]
    .prop_filter("documented exceptions", |k| {
        !k.is_empty()
            && !k.starts_with('@')
            && k != "$"
            && !k.contains("_JsonReader_")
            && !k.contains('\0')
            && k != "jsonArray"
    })
}

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ a-z<>&\r\n\t]{0,8}", "[0-9]{1,3}[a-z]"].prop_filter(
        "autoPrimitive / blank / non-XML strings",
        |s| {
            !s.chars().all(|c| c <= ' ')
                && !is_auto_primitive(s)
                && s.chars().all(|c| {
                    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
                })
        },
    )
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        string_value().prop_map(Value::String),
    ]
}

/// Values below the root: objects are never empty (an empty object maps to
/// `<a></a>`, which reads back as `null`).
fn inner_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 1..5)
                .prop_map(|kvs| Value::Object(kvs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn root_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::collection::vec((key(), inner_value()), 0..5)
            .prop_map(|kvs| Value::Object(kvs.into_iter().collect::<Map<_, _>>())),
        prop::collection::vec(inner_value(), 0..5).prop_map(Value::Array),
        leaf(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn json_xml_json_round_trip(v in root_value()) {
        let xml = lossless(&v);
        let doc = roxmltree::Document::parse(&xml);
        prop_assert!(doc.is_ok(), "not well-formed: {xml}");
        let doc = doc.unwrap();
        let again = xml_to_json(doc.root());
        prop_assert_eq!(again.as_ref().ok(), Some(&v), "xml: {}", xml);
    }

    #[test]
    fn default_mapping_is_always_well_formed(v in root_value()) {
        let xml = json_to_xml(&v).unwrap();
        prop_assert!(roxmltree::Document::parse(&xml).is_ok(), "{}", xml);
    }

    #[test]
    fn xml_to_json_never_panics(s in "[<>a-z/ =\"?!-]{0,40}") {
        if let Ok(doc) = roxmltree::Document::parse(&s) {
            let _ = xml_to_json(doc.root());
        }
    }
}

#[test]
fn mi_doc_examples_default_builder() {
    assert_eq!(
        json_to_xml(&json!({"object":{}})).unwrap(),
        "<jsonObject><object></object></jsonObject>"
    );
    assert_eq!(
        json_to_xml(&json!({"object":""})).unwrap(),
        "<jsonObject><object></object></jsonObject>"
    );
    assert_eq!(json_to_xml(&json!([])).unwrap(), "<jsonArray></jsonArray>");
    assert_eq!(
        json_to_xml(&json!({"array":[]})).unwrap(),
        "<jsonObject></jsonObject>"
    );
    assert_eq!(
        json_to_xml(&json!({"array":[1,2]})).unwrap(),
        "<jsonObject><array>1</array><array>2</array></jsonObject>"
    );
}

#[test]
fn mi_doc_examples_pi_builder() {
    assert_eq!(
        lossless(&json!([])),
        "<jsonArray><?xml-multiple jsonElement?></jsonArray>"
    );
    assert_eq!(
        lossless(&json!({"array":[]})),
        "<jsonObject><?xml-multiple array?></jsonObject>"
    );
    assert_eq!(
        lossless(&json!([1, 2])),
        "<jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement><jsonElement>2</jsonElement></jsonArray>"
    );
}

#[test]
fn single_element_array_needs_the_pi() {
    let v = json!({"a":[1]});
    assert_eq!(back(&json_to_xml(&v).unwrap()), json!({"a":1}));
    assert_eq!(back(&lossless(&v)), v);
}

#[test]
fn documented_lossy_cases() {
    // autoPrimitive
    assert_eq!(
        back(&lossless(&json!({"a":"12","b":"true","c":"null"}))),
        json!({"a":12,"b":true,"c":null})
    );
    // empty string / empty object below the root
    assert_eq!(
        back(&lossless(&json!({"a":"","b":{}}))),
        json!({"a":null,"b":null})
    );
    // `$` without attributes
    assert_eq!(back(&lossless(&json!({"a":{"$":"x"}}))), json!({"a":"x"}));
    // attribute values are strings
    assert_eq!(
        back(&lossless(&json!({"a":{"@n":5}}))),
        json!({"a":{"@n":"5"}})
    );
    // root empty object stays an object
    assert_eq!(back(&lossless(&json!({}))), json!({}));
}

#[test]
fn soap_body_child_to_json() {
    let xml = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
        <m:getQuote xmlns:m="urn:q"><m:symbol>IBM</m:symbol><m:qty>10</m:qty></m:getQuote>
    </s:Body></s:Envelope>"#;
    let doc = roxmltree::Document::parse(xml).unwrap();
    let first = doc
        .descendants()
        .find(|n| n.has_tag_name("getQuote") || n.tag_name().name() == "getQuote")
        .unwrap();
    assert_eq!(
        xml_to_json(first).unwrap(),
        json!({"getQuote":{"symbol":"IBM","qty":10}})
    );
    let o = XmlToJsonOptions {
        preserve_namespaces: true,
        ..XmlToJsonOptions::default()
    };
    assert_eq!(
        xml_to_json_with(first, &o).unwrap(),
        json!({"m_getQuote":{"m_symbol":"IBM","m_qty":10}})
    );
}
