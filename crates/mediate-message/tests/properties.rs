//! Properties by scope, variables, request and fault facts.

use mediate_message::{Fault, MessageContext, PropertyValue, Scope, VariableValue, XmlValue};
use serde_json::json;

#[test]
fn default_scope_typed_values() {
    let mut ctx = MessageContext::empty();
    ctx.set_property("s", "x");
    ctx.set_property("b", true);
    ctx.set_property("i", 42);
    ctx.set_property("l", 42i64);
    ctx.set_property("d", 25.0);
    ctx.set_property("f", 1.5f32);
    ctx.set_property("sh", 3i16);
    ctx.set_property("om", XmlValue::new("<a><b>1</b></a>"));
    ctx.set_property("js", json!({"k":[1,2]}));
    let printed: Vec<_> = ["s", "b", "i", "l", "d", "f", "sh", "om", "js"]
        .iter()
        .map(|n| ctx.property(n).unwrap().as_string())
        .collect();
    assert_eq!(
        printed,
        [
            "x",
            "true",
            "42",
            "42",
            "25.0",
            "1.5",
            "3",
            "<a><b>1</b></a>",
            "{\"k\":[1,2]}"
        ]
    );
    assert_eq!(ctx.property("d").unwrap().type_name(), "DOUBLE");
    match ctx.property("om").unwrap() {
        PropertyValue::Om(x) => {
            assert_eq!(x.document().unwrap().root_element().tag_name().name(), "a")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ctx.remove_property("s"),
        Some(PropertyValue::String("x".into()))
    );
    assert!(ctx.property("s").is_none());
}

#[test]
fn om_value_parse_error_is_typed() {
    let x = XmlValue::new("<a>");
    assert!(x.document().unwrap_err().is_xml_parse());
    assert!(x.document().unwrap_err().is_xml_parse());
}

#[test]
fn scopes_are_separate() {
    let mut ctx = MessageContext::empty();
    for scope in [Scope::Default, Scope::Axis2, Scope::Operation] {
        ctx.set_scoped_property(scope, "p", scope.as_str()).unwrap();
    }
    assert_eq!(
        ctx.scoped_property(Scope::Default, "p")
            .unwrap()
            .as_string(),
        "default"
    );
    assert_eq!(
        ctx.scoped_property(Scope::Axis2, "p").unwrap().as_string(),
        "axis2"
    );
    assert_eq!(
        ctx.scoped_property(Scope::Operation, "p")
            .unwrap()
            .as_string(),
        "operation"
    );
    assert_eq!(ctx.axis2_properties().len(), 1);
    assert!(ctx.set_scoped_property(Scope::Registry, "p", "x").is_err());
    assert!(ctx.scoped_property(Scope::Env, "p").is_none());
    assert_eq!(
        ctx.remove_scoped_property(Scope::Axis2, "p")
            .unwrap()
            .as_string(),
        "axis2"
    );
}

#[test]
fn transport_scope_is_case_insensitive_headers() {
    let mut ctx = MessageContext::empty();
    ctx.set_scoped_property(Scope::Transport, "X-Correlation-Id", "abc")
        .unwrap();
    assert_eq!(
        ctx.scoped_property(Scope::Transport, "x-correlation-id")
            .unwrap()
            .as_string(),
        "abc"
    );
    assert_eq!(
        ctx.transport_header("X-CORRELATION-ID").as_deref(),
        Some("abc")
    );
    ctx.set_scoped_property(Scope::Transport, "X-Count", 3)
        .unwrap();
    assert_eq!(ctx.transport_headers().get("x-count").unwrap(), "3");
    assert!(
        ctx.set_scoped_property(Scope::Transport, "bad name", "v")
            .unwrap_err()
            .to_string()
            .contains("bad name")
    );
    assert!(ctx.set_transport_header("X-A", "line\nbreak").is_err());
    ctx.transport_headers_mut()
        .append("x-multi", "1".parse().unwrap());
    ctx.transport_headers_mut()
        .append("x-multi", "2".parse().unwrap());
    assert_eq!(ctx.transport_header("X-Multi").as_deref(), Some("1, 2"));
    assert_eq!(
        ctx.remove_scoped_property(Scope::Transport, "x-multi")
            .unwrap()
            .as_string(),
        "1, 2"
    );
    assert!(ctx.transport_header("x-multi").is_none());
}

#[test]
fn variables() {
    let mut ctx = MessageContext::empty();
    ctx.set_variable("n", 2.0);
    ctx.set_variable("j", json!({"a":1}));
    ctx.set_variable("x", VariableValue::Xml(XmlValue::new("<a/>")));
    ctx.set_variable("l", 5i64);
    assert_eq!(ctx.variable("n").unwrap().as_string(), "2.0");
    assert_eq!(ctx.variable("j").unwrap().type_name(), "JSON");
    assert_eq!(ctx.variable("x").unwrap().as_string(), "<a/>");
    assert_eq!(ctx.variables().len(), 4);
    assert!(ctx.remove_variable("n").is_some());
}

#[test]
fn fault_facts() {
    let mut ctx = MessageContext::empty();
    assert!(ctx.fault().is_none());
    ctx.set_fault(Fault {
        code: Some(101503),
        message: Some("Connection refused".into()),
        detail: Some("detail".into()),
        exception: None,
    });
    assert_eq!(
        ctx.scoped_property(Scope::Default, "ERROR_CODE")
            .unwrap()
            .as_string(),
        "101503"
    );
    assert_eq!(
        ctx.scoped_property(Scope::Default, "ERROR_MESSAGE")
            .unwrap()
            .as_string(),
        "Connection refused"
    );
    assert!(
        ctx.scoped_property(Scope::Default, "ERROR_EXCEPTION")
            .is_none()
    );
    ctx.clear_fault();
    assert!(ctx.scoped_property(Scope::Default, "ERROR_CODE").is_none());
}

#[test]
fn message_type_defaults_to_content_type() {
    let mut ctx = MessageContext::from_bytes("{}", "application/json; charset=UTF-8");
    assert_eq!(ctx.message_type(), "application/json");
    assert_eq!(
        ctx.scoped_property(Scope::Axis2, "messageType")
            .unwrap()
            .as_string(),
        "application/json"
    );
    assert_eq!(
        ctx.scoped_property(Scope::Default, "MESSAGE_FORMAT")
            .unwrap()
            .as_string(),
        "application/json"
    );
    ctx.set_message_type("application/xml");
    assert_eq!(ctx.message_type(), "application/xml");
    assert_eq!(
        ctx.scoped_property(Scope::Axis2, "ContentType")
            .unwrap()
            .as_string(),
        "application/json; charset=UTF-8"
    );
}
