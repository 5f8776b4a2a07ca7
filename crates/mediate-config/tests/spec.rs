//! Synapse XML elements to `MediatorSpec`s: kinds, attribute positions, inline content.

use std::path::Path;

use mediate_config::spec_from_element;
use mediate_core::{MediatorSpec, Position};

fn spec(xml: &str) -> MediatorSpec {
    let doc = roxmltree::Document::parse(xml).expect("well-formed");
    spec_from_element(doc.root_element(), Path::new("t.xml")).expect("reads")
}

// MI builds inline content with the Synapse namespace on unprefixed elements; `xmlns=""`
// keeps one unqualified (the shape crates/mediate-mediators/tests/payload_factory.rs expects).
#[test]
fn inline_format_declares_namespaces_in_scope() {
    let s = spec(
        r#"<payloadFactory xmlns="http://ws.apache.org/ns/synapse" xmlns:p="urn:p"><format><p:a><b>$1</b><c xmlns="">$1</c></p:a></format></payloadFactory>"#,
    );
    let format = s.child_named("format").expect("format");
    assert_eq!(
        format.text.as_deref(),
        Some(
            r#"<p:a xmlns="http://ws.apache.org/ns/synapse" xmlns:p="urn:p"><b>$1</b><c xmlns="">$1</c></p:a>"#
        )
    );
    assert_eq!(format.namespaces.get("p"), Some("urn:p"));
}

#[test]
fn text_content_is_decoded_and_kept_as_written() {
    let s = spec(
        "<format xmlns=\"http://ws.apache.org/ns/synapse\">\n  {\"a\": \"&lt;$1\"}<![CDATA[<x>]]>\n</format>",
    );
    assert_eq!(s.text.as_deref(), Some("\n  {\"a\": \"<$1\"}<x>\n"));
    assert_eq!(
        spec(r#"<log xmlns="http://ws.apache.org/ns/synapse"/>"#).text,
        None
    );
}

#[test]
fn attributes_in_order_with_value_positions() {
    let s =
        spec("<log xmlns=\"http://ws.apache.org/ns/synapse\"\n   level='full' separator=\",\"/>");
    assert_eq!(s.kind, "log");
    assert_eq!(
        s.properties,
        [
            ("level".to_owned(), "full".to_owned()),
            ("separator".to_owned(), ",".to_owned())
        ]
    );
    assert_eq!(s.position, Some(Position::new(1, 1)));
    assert_eq!(s.position_of("level"), Some(Position::new(2, 11)));
    assert_eq!(s.position_of("separator"), Some(Position::new(2, 28)));
}

#[test]
fn class_becomes_its_class_name() {
    let s = spec(
        "<class xmlns=\"http://ws.apache.org/ns/synapse\" name=\"com.acme.Audit\">\n  <property name=\"level\" value=\"3\"/>\n</class>",
    );
    assert_eq!(s.kind, "com.acme.Audit");
    assert_eq!(s.get("level"), Some("3"));
    assert_eq!(s.position_of("level"), Some(Position::new(2, 33)));
    assert!(s.children.is_empty());
}

#[test]
fn malformed_class_is_a_diagnostic() {
    let doc = roxmltree::Document::parse(
        "<class xmlns=\"http://ws.apache.org/ns/synapse\">\n<property value=\"1\"/></class>",
    )
    .expect("well-formed");
    let err = spec_from_element(doc.root_element(), Path::new("c.xml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.xml:1:1: mediator `class`: missing attribute `name`"
    );
}

#[test]
fn foreign_elements_keep_their_namespace_in_the_kind() {
    let s = spec(r#"<x:log xmlns:x="urn:x"/>"#);
    assert_eq!(s.kind, "{urn:x}log");
}
