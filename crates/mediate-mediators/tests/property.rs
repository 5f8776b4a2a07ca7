//! Property mediator tests. Facts cited from Synapse's `PropertyMediator.java` (PM) and the
//! MI property-mediator reference (doc).

use mediate_core::message::XmlValue;
use mediate_core::{
    Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, PropertyValue, Registry,
    Scope,
};
use mediate_mediators::property::{PropertyConfig, ValueSpec, compile_whole_match, matched_value};
use proptest::prelude::*;

/// Runs the mediator built from `cfg`; it must continue (property/variable always return true).
async fn run(cfg: PropertyConfig, msg: &mut MessageContext) -> Result<(), MediationError> {
    let flow = cfg
        .build()
        .expect("builds")
        .mediate(msg, &Env::builder().build())
        .await?;
    assert_eq!(flow, Flow::Continue);
    Ok(())
}

// doc: value + default scope stores a STRING on the Synapse message context.
#[tokio::test(flavor = "current_thread")]
async fn set_literal_default_scope_is_string() {
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    run(PropertyConfig::set_value("p", "v"), &mut msg)
        .await
        .unwrap();
    assert_eq!(msg.property("p"), Some(&PropertyValue::String("v".into())));
}

// PM.getResultValue: an expression is evaluated with stringValueOf then converted (JSON message).
#[tokio::test(flavor = "current_thread")]
async fn expression_json_payload_converted_to_integer() {
    let mut msg = MessageContext::from_json(r#"{"order":{"qty":"42"}}"#);
    run(
        PropertyConfig::set_expression("q", "json-eval($.order.qty)").with_type("INTEGER"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.property("q"), Some(&PropertyValue::Integer(42)));
}

// PM: XPath over an XML payload, type DOUBLE (Double.parseDouble).
#[tokio::test(flavor = "current_thread")]
async fn xpath_xml_payload_double() {
    let mut msg = MessageContext::from_xml("<order><price>12.5</price></order>");
    run(
        PropertyConfig::set_expression("price", "//price").with_type("DOUBLE"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.property("price"), Some(&PropertyValue::Double(12.5)));
}

// PM.convertValue: Integer.parseInt failure throws SynapseException -> mediation error.
#[tokio::test(flavor = "current_thread")]
async fn conversion_failure_is_mediation_error() {
    let mut msg = MessageContext::from_json(r#"{"q":"abc"}"#);
    let err = run(
        PropertyConfig::set_expression("q", "${payload.q}").with_type("INTEGER"),
        &mut msg,
    )
    .await
    .unwrap_err();
    assert!(err.message().contains("cannot be converted"), "{err}");
}

// PM.setValue converts a literal at configuration time: a bad literal is a build error.
#[test]
fn bad_literal_is_build_error() {
    assert!(
        PropertyConfig::set_value("n", "1.5")
            .with_type("INTEGER")
            .build()
            .is_err()
    );
    assert!(
        PropertyConfig::set_value("n", " 7")
            .with_type("LONG")
            .build()
            .is_err()
    ); // parseLong refuses blanks
    assert!(
        PropertyConfig::set_value("n", "<a>")
            .with_type("OM")
            .build()
            .is_err()
    );
    assert!(
        PropertyConfig::set_value("n", "x")
            .with_type("string")
            .build()
            .is_err()
    ); // DATA_TYPES.valueOf is exact
}

// JavaUtils.isTrueExplicitly: "true"/"yes" any case, "1"; anything else false.
#[tokio::test(flavor = "current_thread")]
async fn boolean_is_true_explicitly() {
    for (v, b) in [
        ("TRUE", true),
        ("yes", true),
        ("1", true),
        ("0", false),
        ("on", false),
    ] {
        let mut msg = MessageContext::empty();
        run(
            PropertyConfig::set_value("b", v).with_type("BOOLEAN"),
            &mut msg,
        )
        .await
        .unwrap();
        assert_eq!(msg.property("b"), Some(&PropertyValue::Boolean(b)), "{v}");
    }
}

// PM: all numeric types, Java parse rules (Double.parseDouble trims and takes a d/f suffix).
#[tokio::test(flavor = "current_thread")]
async fn numeric_types() {
    let cases = [
        ("FLOAT", "2.5f", PropertyValue::Float(2.5)),
        ("LONG", "-9000000000", PropertyValue::Long(-9_000_000_000)),
        ("SHORT", "+12", PropertyValue::Short(12)),
        ("DOUBLE", " 1e3 ", PropertyValue::Double(1000.0)),
    ];
    for (ty, v, want) in cases {
        let mut msg = MessageContext::empty();
        run(PropertyConfig::set_value("n", v).with_type(ty), &mut msg)
            .await
            .unwrap();
        assert_eq!(msg.property("n"), Some(&want), "{ty} {v}");
    }
    assert!(
        PropertyConfig::set_value("n", "40000")
            .with_type("SHORT")
            .build()
            .is_err()
    );
    assert!(
        PropertyConfig::set_value("n", "inf")
            .with_type("DOUBLE")
            .build()
            .is_err()
    );
}

// PM.buildJSONElement: JSON is parsed; malformed JSON gives null (property unset).
#[tokio::test(flavor = "current_thread")]
async fn json_type_and_malformed_json_is_null() {
    let mut msg = MessageContext::empty();
    run(
        PropertyConfig::set_value("j", r#"{"a":[1,2]}"#).with_type("JSON"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        msg.property("j"),
        Some(&PropertyValue::Json(serde_json::json!({"a":[1,2]})))
    );
    msg.set_property("k", "old");
    run(
        PropertyConfig::set_value("k", r#"{"a":"#).with_type("JSON"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.property("k"), None);
}

// PM: type OM builds an OMElement; an inline XML child (valueElement) is an OM value.
#[tokio::test(flavor = "current_thread")]
async fn om_literal_and_inline_xml() {
    let mut msg = MessageContext::empty();
    run(
        PropertyConfig::set_value("o", "<a>1</a>").with_type("OM"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        msg.property("o"),
        Some(&PropertyValue::Om(XmlValue::new("<a>1</a>")))
    );
    let inline = PropertyConfig {
        name: "x".into(),
        value: Some(ValueSpec::Inline("<xml><b/></xml>".into())),
        ..PropertyConfig::default()
    };
    run(inline, &mut msg).await.unwrap();
    assert_eq!(msg.property("x").unwrap().type_name(), "OM");
    assert_eq!(msg.property("x").unwrap().as_string(), "<xml><b/></xml>");
}

// PM: transport scope writes a header; remove takes it away.
#[tokio::test(flavor = "current_thread")]
async fn transport_scope_set_and_remove() {
    let mut msg = MessageContext::from_json("{}");
    run(
        PropertyConfig::set_value("X-Id", "7").with_scope("transport"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.transport_header("x-id").as_deref(), Some("7"));
    run(
        PropertyConfig::remove("X-Id").with_scope("transport"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.transport_header("x-id"), None);
}

// PM: axis2 and operation scopes; default-scope remove.
#[tokio::test(flavor = "current_thread")]
async fn axis2_operation_scopes_and_remove() {
    let mut msg = MessageContext::empty();
    run(
        PropertyConfig::set_value("a", "1").with_scope("axis2"),
        &mut msg,
    )
    .await
    .unwrap();
    run(
        PropertyConfig::set_value("o", "2").with_scope("operation"),
        &mut msg,
    )
    .await
    .unwrap();
    run(
        PropertyConfig::set_value("c", "3").with_scope("axis2-client"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "a"),
        Some(PropertyValue::String("1".into()))
    );
    assert_eq!(
        msg.scoped_property(Scope::Operation, "o"),
        Some(PropertyValue::String("2".into()))
    );
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "c"),
        Some(PropertyValue::String("3".into()))
    );
    msg.set_property("d", "x");
    run(PropertyConfig::remove("d"), &mut msg).await.unwrap();
    assert_eq!(msg.property("d"), None);
}

// Axis2 chooses the builder by ContentType: set before the body is read, it is the type the
// body is parsed as.
#[tokio::test(flavor = "current_thread")]
async fn content_type_before_the_body_is_read_picks_the_parser() {
    let request = http::Request::post("http://localhost/x")
        .header("content-type", "text/plain")
        .body(())
        .unwrap();
    let (parts, ()) = request.into_parts();
    let body =
        mediate_core::message::PendingBody::from_chunks([bytes::Bytes::from_static(b"{\"a\":1}")]);
    let mut msg = MessageContext::from_http_request_streaming(parts, Some(body));
    run(
        PropertyConfig::set_value("ContentType", "application/json").with_scope("axis2"),
        &mut msg,
    )
    .await
    .unwrap();
    msg.read_body().await.unwrap();
    assert_eq!(msg.content_type(), "application/json");
    assert_eq!(msg.json().unwrap()["a"], 1);
}

// Brief: registry/system scopes are refused clearly at build.
#[test]
fn registry_and_system_scopes_refused_at_build() {
    for s in ["registry", "system", "nonsense"] {
        let err = PropertyConfig::set_value("a", "1")
            .with_scope(s)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("scope"), "{err}");
    }
}

// MI special properties (axis2 scope) update the message's own facts.
#[tokio::test(flavor = "current_thread")]
async fn special_axis2_properties_reach_the_message() {
    let mut msg = MessageContext::from_json("{}");
    run(
        PropertyConfig::set_value("messageType", "application/xml").with_scope("axis2"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.message_type(), "application/xml");
    run(
        PropertyConfig::set_value("HTTP_SC", "404").with_scope("axis2"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(404));
    run(
        PropertyConfig::set_value("REST_URL_POSTFIX", "/x?y=1").with_scope("axis2"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.rest_url_postfix(), Some("/x?y=1"));
    // The payload is built: ContentType changes the outgoing header, not how it is read.
    run(
        PropertyConfig::set_value("ContentType", "text/plain").with_scope("axis2"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.content_type(), "application/json");
    assert_eq!(msg.json().unwrap(), &serde_json::json!({}));
    let out = mediate_core::format::outbound(&mut msg.clone()).unwrap();
    assert_eq!(out.content_type.as_deref(), Some("text/plain"));
    run(
        PropertyConfig::set_value("NO_ENTITY_BODY", "true")
            .with_scope("axis2")
            .with_type("BOOLEAN"),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "NO_ENTITY_BODY"),
        Some(PropertyValue::Boolean(true))
    );
    run(PropertyConfig::set_value("OUT_ONLY", "true"), &mut msg)
        .await
        .unwrap();
    assert_eq!(
        msg.property("OUT_ONLY").map(|v| v.as_string()).as_deref(),
        Some("true")
    );
}

// PM.getMatchedValue: Matcher.matches (whole value), group N; no match -> "".
#[tokio::test(flavor = "current_thread")]
async fn pattern_and_group() {
    let mut msg = MessageContext::from_xml("<r><id>order-123</id></r>");
    run(
        PropertyConfig::set_expression("n", "//id").with_pattern(r"order-(\d+)", 1),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.property("n").unwrap().as_string(), "123");
    // find() would match "\d+" inside; matches() must not.
    run(
        PropertyConfig::set_expression("m", "//id").with_pattern(r"\d+", 0),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.property("m").unwrap().as_string(), "");
    // group beyond groupCount -> "".
    run(
        PropertyConfig::set_expression("g", "//id").with_pattern(r"order-\d+", 2),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.property("g").unwrap().as_string(), "");
    // matcher.group(1) is null when group 1 took no part in the match: the property is unset.
    msg.set_property("u", "old");
    run(
        PropertyConfig::set_expression("u", "//id").with_pattern(r"(x)?order-\d+", 1),
        &mut msg,
    )
    .await
    .unwrap();
    assert_eq!(msg.property("u"), None);
}

// PM: content aware when the expression is, or for axis2 messageType / transport Content-Encoding.
#[test]
fn reads_body() {
    assert!(
        !PropertyConfig::set_value("a", "1")
            .build()
            .unwrap()
            .reads_body()
    );
    assert!(
        !PropertyConfig::set_expression("a", "${vars.x}")
            .build()
            .unwrap()
            .reads_body()
    );
    assert!(
        PropertyConfig::set_expression("a", "${payload.x}")
            .build()
            .unwrap()
            .reads_body()
    );
    assert!(
        PropertyConfig::set_value("messageType", "application/json")
            .with_scope("axis2")
            .build()
            .unwrap()
            .reads_body()
    );
    assert!(
        PropertyConfig::set_value("Content-Encoding", "gzip")
            .with_scope("transport")
            .build()
            .unwrap()
            .reads_body()
    );
    assert_eq!(
        PropertyConfig::set_value("a", "1").build().unwrap().kind(),
        "property"
    );
}

proptest! {
    // PM.getMatchedValue (Matcher.matches + group) vs a direct evaluation of the same pattern
    // `([a-c]*)-([0-9]+)` on generated values: the whole value must match, else "";
    // groups beyond groupCount (2) give "".
    #[test]
    fn pattern_group_matches_direct_evaluation(prefix in "[a-c]{0,3}", digits in "[0-9]{0,4}", suffix in "[a-c]{0,2}") {
        let value = format!("{prefix}-{digits}{suffix}");
        let re = compile_whole_match(r"([a-c]*)-([0-9]+)").unwrap();
        let direct_whole = suffix.is_empty() && !digits.is_empty();
        for group in 0..4usize {
            let got = matched_value(&re, group, &value).ok().flatten();
            let want = if !direct_whole || group > 2 {
                String::new()
            } else {
                match group { 0 => value.clone(), 1 => prefix.clone(), _ => digits.clone() }
            };
            prop_assert_eq!(got, Some(want));
        }
    }
}

// ---- from_spec: the Synapse XML shape (PropertyMediatorFactory) ----

fn from_spec(spec: &MediatorSpec) -> Result<PropertyConfig, String> {
    PropertyConfig::from_spec(spec, &Registry::new()).map_err(|e| e.to_string())
}

fn prop(name: &str) -> MediatorSpec {
    MediatorSpec::new("property").property("name", name)
}

async fn run_spec(spec: MediatorSpec, msg: &mut MessageContext) {
    run(from_spec(&spec).unwrap(), msg).await.unwrap();
}

// Doc: `<property name value|expression [type] [scope] [pattern [group]]>`.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_reads_each_attribute() {
    let mut msg = MessageContext::from_xml("<r><id>order-42</id></r>");
    run_spec(prop("lit").property("value", "v"), &mut msg).await;
    assert_eq!(msg.property("lit").unwrap().as_string(), "v");
    run_spec(
        prop("n").property("value", "7").property("type", "INTEGER"),
        &mut msg,
    )
    .await;
    assert_eq!(msg.property("n"), Some(&PropertyValue::Integer(7)));
    run_spec(
        prop("id")
            .property("expression", "//id")
            .property("pattern", r"order-(\d+)")
            .property("group", "1"),
        &mut msg,
    )
    .await;
    assert_eq!(msg.property("id").unwrap().as_string(), "42");
    run_spec(
        prop("X-Id")
            .property("value", "9")
            .property("scope", "transport")
            .property("description", "header for the backend"),
        &mut msg,
    )
    .await;
    assert_eq!(msg.transport_header("X-Id").as_deref(), Some("9"));
    run_spec(prop("lit").property("action", "remove"), &mut msg).await;
    assert_eq!(msg.property("lit"), None);
}

// PM.setValueElement: an inline XML child is an OM value (spec.text holds it serialized).
#[tokio::test(flavor = "current_thread")]
async fn from_spec_inline_xml_child_is_om() {
    let spec = prop("x")
        .property("type", "OM")
        .child(MediatorSpec::new("a").child(MediatorSpec::new("b")))
        .text("<a xmlns=\"http://ws.apache.org/ns/synapse\"><b/></a>");
    let mut msg = MessageContext::empty();
    run_spec(spec, &mut msg).await;
    let v = msg.property("x").unwrap();
    assert_eq!(v.type_name(), "OM");
    assert!(v.as_string().contains("<b/>"), "{}", v.as_string());
}

// Java regex in `pattern`: a backreference (refused by Rust's regex crate) with group 1.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_pattern_takes_java_backreferences() {
    let mut msg = MessageContext::from_json("{}");
    for (value, want) in [("12-12", "12"), ("12-13", "")] {
        msg.set_property("in", value);
        run_spec(
            prop("twice")
                .property("expression", "get-property('in')")
                .property("pattern", r"(\d+)-\1")
                .property("group", "1"),
            &mut msg,
        )
        .await;
        assert_eq!(msg.property("twice").unwrap().as_string(), want, "{value}");
    }
}

// PropertyMediatorFactory's refusals (with its messages where it has one), plus the ones MI
// makes silently (both value and expression, unknown attributes).
#[test]
fn from_spec_refusals_name_the_problem() {
    let cases: Vec<(MediatorSpec, &str)> = vec![
        (
            MediatorSpec::new("property").property("value", "v"),
            "The 'name' attribute is required",
        ),
        (
            prop("p").property("vaule", "v"),
            "unknown attribute `vaule`",
        ),
        (
            prop("p"),
            "Either a child element or one of 'value', 'expression' attributes is required",
        ),
        (
            prop("p")
                .property("value", "v")
                .property("expression", "//a"),
            "only one of `value`, `expression`",
        ),
        (
            prop("p")
                .property("value", "v")
                .child(MediatorSpec::new("a")),
            "only one of",
        ),
        (
            prop("p").property("value", "v").property("group", "1"),
            "group is only allowed when a pattern is specified",
        ),
        (
            prop("p")
                .property("value", "v")
                .property("pattern", "a")
                .property("group", "-1"),
            "group can have a positive value only",
        ),
        (
            prop("p").property("action", "delete"),
            "unknown action `delete`",
        ),
        (
            prop("{get-property('n')}").property("value", "v"),
            "dynamic property names",
        ),
        (
            prop("p")
                .child(MediatorSpec::new("a"))
                .child(MediatorSpec::new("b")),
            "only one inline XML element",
        ),
        (
            prop("p").text("hello"),
            "text content `hello` is not a value",
        ),
    ];
    for (spec, want) in cases {
        match from_spec(&spec) {
            Ok(c) => panic!("{spec:?} accepted: {c:?}"),
            Err(e) => assert!(e.contains(want), "{spec:?}: {e} (wanted {want})"),
        }
    }
}

// Errors found when building (type, scope, Java pattern) keep naming the attribute.
#[test]
fn from_spec_then_build_refusals() {
    let build = |spec: MediatorSpec| {
        from_spec(&spec)
            .unwrap()
            .build()
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let e = build(prop("p").property("value", "x").property("type", "INT")).unwrap_err();
    assert!(e.contains("unknown type `INT`"), "{e}");
    let e = build(prop("p").property("value", "x").property("scope", "galaxy")).unwrap_err();
    assert!(e.contains("unknown scope"), "{e}");
    let e = build(
        prop("p")
            .property("expression", "//a")
            .property("pattern", r"a\p{InGreek}"),
    )
    .unwrap_err();
    assert!(e.contains("pattern") && e.contains("column 2"), "{e}");
    // action="remove" needs no value.
    assert!(build(prop("p").property("action", "remove")).is_ok());
}

// The Rust example of docs/mediators/property.md builds.
#[test]
fn docs_example_builds() -> Result<(), mediate_core::BuildError> {
    let order_no = PropertyConfig::set_expression("orderNo", "//id")
        .with_pattern(r"order-(\d+)", 1)
        .build()?;
    let header = PropertyConfig::set_value("X-Trace", "on")
        .with_scope("transport")
        .build()?;
    let retries = PropertyConfig::set_value("retries", "3")
        .with_type("INTEGER")
        .build()?;
    let gone = PropertyConfig::remove("REST_URL_POSTFIX")
        .with_scope("axis2")
        .build()?;
    for m in [order_no, header, retries, gone] {
        assert_eq!(m.kind(), "property");
    }
    Ok(())
}
