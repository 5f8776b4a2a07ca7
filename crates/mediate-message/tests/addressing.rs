//! WS-Addressing facts on the message, `FaultTo` included (Synapse's `MessageContext` keeps
//! `To`, `From`, `ReplyTo`, `FaultTo` EPRs, the `Action` and `RelatesTo`), and how a `JSON`
//! property holding a string prints.

use http::Request;
use mediate_message::{Addressing, MessageContext, PropertyValue};
use serde_json::json;

#[test]
fn fault_to_is_unset_until_something_sets_it() {
    // A plain HTTP request carries no WS-Addressing FaultTo (only To and the SOAPAction).
    let request = Request::post("http://localhost:8290/services/StockQuoteProxy")
        .header("SOAPAction", "\"urn:getQuote\"")
        .body(bytes::Bytes::from_static(b"<a/>"))
        .unwrap();
    let msg = MessageContext::from_http_request(request);
    assert_eq!(msg.addressing().fault_to, None);
    assert_eq!(msg.action(), Some("urn:getQuote"));
    assert_eq!(Addressing::default().fault_to, None);
}

#[test]
fn fault_to_is_kept_apart_from_reply_to_and_survives_clones() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().fault_to = Some("http://faults.example/errors".into());
    msg.addressing_mut().reply_to = Some("http://client.example/replies".into());
    let copy = msg.clone();
    assert_eq!(
        copy.addressing().fault_to.as_deref(),
        Some("http://faults.example/errors")
    );
    assert_eq!(
        copy.addressing().reply_to.as_deref(),
        Some("http://client.example/replies")
    );
    assert_eq!(copy.addressing(), msg.addressing());
    msg.addressing_mut().fault_to = None;
    assert_ne!(copy.addressing(), msg.addressing());
}

#[test]
fn mi_enrich_doc_example4_json_string_property_prints_with_quotes() {
    // MI enrich doc, JSON example 4: `json-eval($.data.students[0].name)` stored in property
    // `Name` logs `Student name is :  = "Tom"`: Synapse keeps Gson's JsonPrimitive, whose
    // toString is JSON text.
    let name = PropertyValue::Json(json!("Tom"));
    assert_eq!(name.as_string(), "\"Tom\"");
    assert_eq!(name.to_string(), "\"Tom\"");
    // JSON escapes are kept as JSON writes them.
    assert_eq!(
        PropertyValue::Json(json!("a\"b\\c")).as_string(),
        r#""a\"b\\c""#
    );
    // Other JSON values were already their JSON text; a STRING property is its plain text.
    assert_eq!(PropertyValue::Json(json!(12)).as_string(), "12");
    assert_eq!(PropertyValue::Json(json!(null)).as_string(), "null");
    assert_eq!(
        PropertyValue::Json(json!({"a": "x"})).as_string(),
        r#"{"a":"x"}"#
    );
    assert_eq!(PropertyValue::String("Tom".into()).as_string(), "Tom");
}
