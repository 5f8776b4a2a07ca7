//! Payload views, errors and payload changes.

use bytes::Bytes;
use mediate_message::{EnvelopeOrigin, Error, MessageContext, PayloadKind};
use proptest::prelude::*;
use serde_json::json;

#[test]
fn json_view_and_error_position() {
    let ctx = MessageContext::from_json("{\"a\": [1, 2]}");
    assert_eq!(ctx.payload_kind(), PayloadKind::Json);
    assert_eq!(ctx.json().unwrap(), &json!({"a":[1,2]}));

    let ctx = MessageContext::from_json("{\n  \"a\": [1, 2,\n}");
    let err = ctx.json().unwrap_err();
    assert!(err.is_json_parse());
    assert_eq!(err.position().map(|p| p.0), Some(3));
    // the envelope view reports the same error
    assert_eq!(ctx.envelope().unwrap_err(), err);
}

#[test]
fn json_view_of_xml_uses_mi_mapping() {
    let ctx = MessageContext::from_xml("<order><id>7</id><item>a</item><item>b</item></order>");
    assert_eq!(
        ctx.json().unwrap(),
        &json!({"order":{"id":7,"item":["a","b"]}})
    );
}

#[test]
fn no_view_errors() {
    let ctx = MessageContext::from_text("hello");
    assert!(matches!(ctx.json(), Err(Error::NoView { .. })));
    assert!(matches!(ctx.xml(), Err(Error::NoView { .. })));
    assert_eq!(ctx.payload_as_text().unwrap(), "hello");
}

#[test]
fn non_utf8_is_a_typed_error() {
    let ctx = MessageContext::from_xml(vec![b'<', b'a', b'>', 0xff, b'<', b'/', b'a', b'>']);
    assert!(matches!(ctx.xml(), Err(Error::NotUtf8 { valid_up_to: 3 })));
    assert!(ctx.payload_as_text().is_err());
}

#[test]
fn payload_bytes_are_not_copied() {
    let bytes = Bytes::from_static(b"<a>1</a>");
    let ctx = MessageContext::from_xml(bytes.clone());
    assert_eq!(ctx.payload().as_ptr(), bytes.as_ptr());
    assert_eq!(ctx.xml().unwrap().bytes().as_ptr(), bytes.as_ptr());
    let response = ctx.into_http_response();
    assert_eq!(response.body().as_ptr(), bytes.as_ptr());
}

#[test]
fn set_json_replaces_and_invalidates() {
    let mut ctx = MessageContext::from_xml("<a>1</a>");
    assert_eq!(
        ctx.envelope()
            .unwrap()
            .first_body_child()
            .unwrap()
            .tag_name()
            .name(),
        "a"
    );
    ctx.set_json(json!({"b": 2}));
    assert_eq!(ctx.content_type(), "application/json");
    assert_eq!(ctx.payload_as_text().unwrap(), "{\"b\":2}");
    assert_eq!(ctx.json().unwrap(), &json!({"b":2}));
    assert_eq!(
        ctx.envelope()
            .unwrap()
            .first_body_child()
            .unwrap()
            .tag_name()
            .name(),
        "jsonObject"
    );

    let mut ctx = MessageContext::from_bytes("{}", "application/json; charset=UTF-8");
    ctx.set_json(json!([1]));
    assert_eq!(ctx.content_type(), "application/json; charset=UTF-8");
}

#[test]
fn set_payload_and_text() {
    let mut ctx = MessageContext::from_json("{}");
    ctx.set_payload("<x/>", "text/xml");
    assert_eq!(ctx.payload_kind(), PayloadKind::Xml);
    assert_eq!(ctx.xml().unwrap().root_element().tag_name().name(), "x");
    ctx.set_text("plain");
    assert_eq!(ctx.envelope().unwrap().origin(), EnvelopeOrigin::Text);
}

#[test]
fn set_xml_body_on_json_becomes_pox() {
    let mut ctx = MessageContext::from_json("{\"a\":1}");
    ctx.set_xml_body("<?xml version=\"1.0\"?><r><v>1</v></r>")
        .unwrap();
    assert_eq!(ctx.content_type(), "application/xml");
    assert_eq!(
        ctx.envelope()
            .unwrap()
            .first_body_child()
            .unwrap()
            .tag_name()
            .name(),
        "r"
    );
    assert!(ctx.set_xml_body("<broken>").unwrap_err().is_xml_parse());
}

#[test]
fn set_xml_body_splices_into_a_soap_envelope() {
    let text = "<?xml version=\"1.0\"?>\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\n <s:Header><h/></s:Header>\n <s:Body>\n  <old/>\n </s:Body>\n</s:Envelope>";
    let mut ctx = MessageContext::from_bytes(text, "text/xml");
    ctx.set_xml_body("<new>1</new>").unwrap();
    assert_eq!(
        ctx.payload_as_text().unwrap(),
        "<?xml version=\"1.0\"?>\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\n <s:Header><h/></s:Header>\n <s:Body><new>1</new></s:Body>\n</s:Envelope>"
    );
    assert_eq!(ctx.content_type(), "text/xml");
    assert_eq!(
        ctx.envelope()
            .unwrap()
            .first_body_child()
            .unwrap()
            .tag_name()
            .name(),
        "new"
    );

    let mut ctx = MessageContext::from_xml(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body a=\"/>\"/></s:Envelope>",
    );
    ctx.set_xml_body("<n/>").unwrap();
    assert_eq!(
        ctx.payload_as_text().unwrap(),
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body a=\"/>\"><n/></s:Body></s:Envelope>"
    );
}

#[test]
fn replace_first_body_child_keeps_surrounding_bytes() {
    let mut ctx = MessageContext::from_xml(
        "<?xml version=\"1.0\"?>\n<!-- keep -->\n<old a=\"1\"><x/></old>\n",
    );
    ctx.replace_first_body_child("<new/>").unwrap();
    assert_eq!(
        ctx.payload_as_text().unwrap(),
        "<?xml version=\"1.0\"?>\n<!-- keep -->\n<new/>\n"
    );

    let mut ctx = MessageContext::from_xml(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body> <a/><b/> </s:Body></s:Envelope>",
    );
    ctx.replace_first_body_child("<z>1</z>").unwrap();
    assert_eq!(
        ctx.payload_as_text().unwrap(),
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body> <z>1</z><b/> </s:Body></s:Envelope>"
    );
    // an empty Body gets the element
    let mut ctx = MessageContext::from_xml(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body></s:Body></s:Envelope>",
    );
    ctx.replace_first_body_child("<z/>").unwrap();
    assert_eq!(
        ctx.envelope()
            .unwrap()
            .first_body_child()
            .unwrap()
            .tag_name()
            .name(),
        "z"
    );
}

#[test]
fn clone_shares_views() {
    let ctx = MessageContext::from_json("{\"a\":1}");
    let _ = ctx.json().unwrap();
    let copy = ctx.clone();
    assert_eq!(copy.json().unwrap(), &json!({"a":1}));
    assert_eq!(copy.message_id(), ctx.message_id());
}

proptest! {
    #[test]
    fn arbitrary_payloads_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64),
                                      text in "[<>a-z/ =\"'?!:{}\\[\\],0-9-]{0,48}") {
        for ct in ["application/xml", "application/json", "text/plain", "application/octet-stream"] {
            for payload in [bytes.clone(), text.clone().into_bytes()] {
                let ctx = MessageContext::from_bytes(payload, ct);
                let _ = ctx.xml();
                let _ = ctx.json();
                let _ = ctx.envelope();
            }
        }
    }
}
