//! The assertion macros: what they accept and what their failure messages say.

use std::panic::{UnwindSafe, catch_unwind};

use mediate_core::Scope;
use mediate_test::{
    Fail, TestMessage, assert_json_eq, assert_no_property, assert_property, assert_xml_eq,
    diff_json, diff_xml, json, run,
};

fn panic_message(f: impl FnOnce() + UnwindSafe) -> String {
    let payload = catch_unwind(f).expect_err("the assertion should have failed");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[test]
fn json_objects_compare_without_order_arrays_with_order() {
    assert_json_eq!(
        TestMessage::json(r#"{"b":{"y":2,"x":1},"a":[1,2]}"#),
        json!({"a":[1,2],"b":{"x":1,"y":2}})
    );
    let msg = panic_message(|| {
        assert_json_eq!(TestMessage::json("[1,2]"), json!([2, 1]));
    });
    assert!(msg.contains("$[0]: expected 2, got 1"), "{msg}");
    assert!(msg.contains("$[1]: expected 1, got 2"), "{msg}");
}

#[test]
fn json_failure_lists_paths_and_both_documents() {
    let msg = panic_message(|| {
        assert_json_eq!(
            TestMessage::json(r#"{"a":{"list":[1],"odd key":true},"extra":1}"#),
            json!({"a":{"list":[1,2],"odd key":false}})
        );
    });
    assert!(
        msg.contains("$.a.list: expected 2 elements, got 1"),
        "{msg}"
    );
    assert!(
        msg.contains(r#"$.a["odd key"]: expected false, got true"#),
        "{msg}"
    );
    assert!(msg.contains("$.extra: unexpected member (got 1)"), "{msg}");
    assert!(msg.contains("expected: {"), "{msg}");
    assert!(msg.contains("actual: {"), "{msg}");
}

#[test]
fn json_of_a_non_json_payload_is_a_clear_failure() {
    let msg = panic_message(|| assert_json_eq!(TestMessage::json("{bad"), json!({})));
    assert!(msg.contains("cannot be read as JSON"), "{msg}");
    assert!(msg.contains("{bad"), "{msg}");
    let msg = panic_message(|| assert_json_eq!(TestMessage::binary(vec![1u8]), json!({})));
    assert!(msg.contains("application/octet-stream"), "{msg}");
}

#[test]
fn json_numbers_keep_their_kind() {
    assert_eq!(
        diff_json(&json!(1), &json!(1.0)),
        ["$: expected 1.0, got 1"]
    );
    assert!(diff_json(&json!({"a": null}), &json!({"a": null})).is_empty());
}

#[test]
fn xml_compares_expanded_names_not_prefixes() {
    assert_xml_eq!(
        TestMessage::soap11(r#"<p:order xmlns:p="urn:o"><p:id>7</p:id></p:order>"#),
        r#"<order xmlns="urn:o"><id>7</id></order>"#
    );
    let msg = panic_message(|| {
        assert_xml_eq!(
            TestMessage::xml(r#"<order xmlns="urn:a"/>"#),
            r#"<order xmlns="urn:b"/>"#
        );
    });
    assert!(
        msg.contains("expected root element {urn:b}order, got {urn:a}order"),
        "{msg}"
    );
}

#[test]
fn xml_attributes_are_sets_with_namespaces() {
    assert_xml_eq!(
        TestMessage::xml(r#"<a xmlns:x="urn:x" x:k="1" b="2" c="3"/>"#),
        r#"<a c="3" xmlns:y="urn:x" b="2" y:k="1"/>"#
    );
    let diffs = diff_xml(r#"<a xmlns:x="urn:x" x:k="1"/>"#, r#"<a k="1"/>"#);
    assert_eq!(
        diffs,
        [
            "/a: missing attribute k=\"1\"",
            "/a: unexpected attribute {urn:x}k=\"1\""
        ]
    );
}

#[test]
fn xml_ignores_whitespace_comments_and_declarations() {
    assert_xml_eq!(
        TestMessage::xml(
            "<?xml version='1.0'?>\n<a>\n  <!-- c -->\n  <b>  x  </b>\n  <?pi?>\n</a>"
        ),
        "<a><b>x</b></a>"
    );
    // CDATA is text.
    assert_xml_eq!(
        TestMessage::xml("<a><![CDATA[<x>]]></a>"),
        "<a>&lt;x&gt;</a>"
    );
}

#[test]
fn xml_failure_paths_point_at_the_difference() {
    let diffs = diff_xml(
        "<r><i>1</i><i>2</i><t>x</t></r>",
        "<r><i>1</i><i>3</i><t>x</t><u/></r>",
    );
    assert_eq!(
        diffs,
        [
            "/r: expected 4 child nodes [element i, element i, element t, element u], got 3 [element i, element i, element t]",
            "/r/i[2]/text(): expected \"3\", got \"2\"",
        ]
    );
    let msg = panic_message(|| {
        assert_xml_eq!(TestMessage::soap12("<r><i>1</i></r>"), "<r><i>2</i></r>");
    });
    assert!(
        msg.contains("/r/i/text(): expected \"2\", got \"1\""),
        "{msg}"
    );
    assert!(msg.contains("actual: <r><i>1</i></r>"), "{msg}");
}

#[test]
fn xml_of_json_payload_is_mi_json_object() {
    // MI maps a JSON payload to <jsonObject> in the body.
    assert_xml_eq!(
        TestMessage::json(r#"{"a":"x"}"#),
        "<jsonObject><a>x</a></jsonObject>"
    );
}

#[test]
fn xml_failures_for_empty_body_and_bad_expected() {
    let msg = panic_message(|| assert_xml_eq!(TestMessage::soap11(""), "<a/>"));
    assert!(msg.contains("the body is empty"), "{msg}");
    let msg = panic_message(|| assert_xml_eq!(TestMessage::xml("<a/>"), "<a>"));
    assert!(msg.contains("the expected XML does not parse"), "{msg}");
    assert_eq!(diff_xml("<a", "<a/>").len(), 1);
}

#[test]
fn property_assertions_are_typed_and_scoped() {
    let msg = TestMessage::empty()
        .property("s", "3")
        .property("i", 3)
        .scoped_property(Scope::Operation, "o", 1.5)
        .build();
    assert_property!(msg, "s", "3");
    assert_property!(msg, "i", 3);
    assert_property!(&msg, Scope::Operation, "o", 1.5);
    assert_no_property!(msg, "missing");
    assert_no_property!(msg, Scope::Axis2, "s");

    let text = panic_message(|| assert_property!(TestMessage::empty().property("s", "3"), "s", 3));
    assert!(
        text.contains("expected INTEGER 3, got STRING \"3\""),
        "{text}"
    );
    let text = panic_message(|| assert_property!(TestMessage::empty().property("a", 1), "b", 1));
    assert!(text.contains("`b` is not set"), "{text}");
    assert!(text.contains("[\"a\"]"), "{text}");
    let text = panic_message(|| assert_no_property!(TestMessage::empty().property("a", true), "a"));
    assert!(text.contains("is set to BOOLEAN true"), "{text}");
}

#[test]
fn assertions_take_outcomes() {
    let out = run(&Fail::message("boom"), TestMessage::json(r#"{"a":1}"#));
    assert_json_eq!(out, json!({"a": 1}));
    assert_no_property!(out, "ERROR_MESSAGE");
}
