//! TestMessage: each payload shape and each request fact lands where MessageContext reads it.

use mediate_core::message::{EnvelopeOrigin, PayloadKind, SoapVersion};
use mediate_core::{MessageContext, PropertyValue, Scope, VariableValue};
use mediate_test::{SOAP11_CONTENT_TYPE, SOAP12_CONTENT_TYPE, TestMessage};

#[test]
fn payload_shapes_have_their_content_types_and_views() {
    let json = TestMessage::json(r#"{"a":[1,2]}"#).build();
    assert_eq!(json.payload_kind(), PayloadKind::Json);
    assert_eq!(json.json().unwrap()["a"][1], 2);

    let pox = TestMessage::xml("<a><b/></a>").build();
    assert_eq!(pox.payload_kind(), PayloadKind::Xml);
    assert_eq!(pox.envelope().unwrap().origin(), EnvelopeOrigin::Pox);

    let text = TestMessage::text("hi").build();
    assert_eq!(text.payload_kind(), PayloadKind::Text);
    assert_eq!(text.envelope().unwrap().origin(), EnvelopeOrigin::Text);

    let bin = TestMessage::binary(vec![1u8, 2, 3]).build();
    assert_eq!(bin.payload_kind(), PayloadKind::Binary);

    let empty = TestMessage::empty().build();
    assert_eq!(empty.envelope().unwrap().origin(), EnvelopeOrigin::Empty);
}

#[test]
fn soap_builders_make_explicit_envelopes_of_each_version() {
    let s11 = TestMessage::soap11("<m:q xmlns:m='urn:q'/>").build();
    assert_eq!(s11.content_type(), SOAP11_CONTENT_TYPE);
    let env = s11.envelope().unwrap();
    assert_eq!(env.origin(), EnvelopeOrigin::Soap);
    assert_eq!(env.soap_version(), SoapVersion::Soap11);
    assert!(env.header().is_some());
    assert_eq!(
        env.first_body_child().unwrap().tag_name().namespace(),
        Some("urn:q")
    );

    let s12 = TestMessage::soap12("").build();
    assert_eq!(s12.content_type(), SOAP12_CONTENT_TYPE);
    let env = s12.envelope().unwrap();
    assert_eq!(env.soap_version(), SoapVersion::Soap12);
    assert!(env.first_body_child().is_none());
}

#[test]
fn malformed_payloads_are_kept_as_written() {
    let msg = TestMessage::json("{not json").build();
    assert_eq!(&msg.payload()[..], b"{not json");
    assert!(msg.json().is_err());
    let msg = TestMessage::xml("<a>").build();
    assert!(msg.xml().is_err());
}

#[test]
fn properties_of_every_scope_headers_and_variables() {
    let msg = TestMessage::empty()
        .property("s", "v")
        .property("n", 1.5)
        .scoped_property(Scope::Axis2, "HTTP_SC_DESC", "OK")
        .scoped_property(Scope::Operation, "op", true)
        .scoped_property(Scope::Transport, "X-T", 7)
        .header("X-H", "h")
        .variable("j", serde_json::json!({"k": 1}))
        .build();
    assert_eq!(msg.property("s"), Some(&PropertyValue::String("v".into())));
    assert_eq!(msg.property("n"), Some(&PropertyValue::Double(1.5)));
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "HTTP_SC_DESC"),
        Some(PropertyValue::String("OK".into()))
    );
    assert_eq!(
        msg.scoped_property(Scope::Operation, "op"),
        Some(PropertyValue::Boolean(true))
    );
    assert_eq!(msg.transport_header("x-t").as_deref(), Some("7"));
    assert_eq!(msg.transport_header("x-h").as_deref(), Some("h"));
    assert_eq!(
        msg.variable("j"),
        Some(&VariableValue::Json(serde_json::json!({"k": 1})))
    );
}

#[test]
fn axis2_message_type_is_also_the_message_fact() {
    // MI's property mediator: axis2 messageType selects the formatter.
    let msg = TestMessage::json("{}")
        .scoped_property(Scope::Axis2, "messageType", "application/xml")
        .build();
    assert_eq!(msg.message_type(), "application/xml");
}

#[test]
fn uri_and_query_parameters_merge_and_encode() {
    let msg = TestMessage::empty()
        .method("PUT")
        .uri("/api/items?x=1")
        .query("name", "a b")
        .query("amp", "&=")
        .path_param("itemId", "42")
        .build();
    assert_eq!(msg.http_method().unwrap().as_str(), "PUT");
    assert_eq!(msg.request_path(), Some("/api/items"));
    assert_eq!(msg.query_param("x"), Some("1"));
    assert_eq!(msg.query_param("name"), Some("a b"));
    assert_eq!(msg.query_param("amp"), Some("&="));
    assert_eq!(msg.path_param("itemId"), Some("42"));
    assert_eq!(msg.to(), Some("/api/items?x=1&name=a+b&amp=%26%3D"));
    assert_eq!(
        msg.rest_url_postfix(),
        Some("/api/items?x=1&name=a+b&amp=%26%3D")
    );

    let only_query = TestMessage::empty().query("q", "1").build();
    assert_eq!(only_query.request_path(), Some("/"));
    assert_eq!(only_query.query_param("q"), Some("1"));
}

#[test]
fn response_status_soap_action_and_message_id() {
    let msg: MessageContext = TestMessage::soap11("<a/>")
        .soap_action("urn:act")
        .response(500)
        .message_id("urn:uuid:test")
        .into();
    assert!(msg.is_response());
    assert_eq!(msg.status().unwrap().as_u16(), 500);
    assert_eq!(msg.action(), Some("urn:act"));
    assert_eq!(msg.message_id(), "urn:uuid:test");
}

#[test]
#[should_panic(expected = "header `Bad Name: v` is not valid HTTP")]
fn invalid_header_names_the_culprit() {
    let _ = TestMessage::empty().header("Bad Name", "v").build();
}

#[test]
#[should_panic(expected = "`NOT A METHOD` is not an HTTP method")]
fn invalid_method_names_the_culprit() {
    let _ = TestMessage::empty().method("NOT A METHOD").build();
}

#[test]
#[should_panic(expected = "cannot set registry-scope property `r`")]
fn property_in_a_scope_off_the_message_panics() {
    let _ = TestMessage::empty()
        .scoped_property(Scope::Registry, "r", "v")
        .build();
}
