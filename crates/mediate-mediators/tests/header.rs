//! Header mediator tests. Facts cited from MI's `header-mediator.md` (doc), Synapse's
//! `HeaderMediator` (HM) and `HeaderMediatorFactory` (HMF).

use mediate_core::{BuildError, Env, Mediator, MediatorSpec, MessageContext, Namespaces, Registry};
use mediate_mediators::header::{HeaderConfig, HeaderMediator};

const SOAP: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><sym:getQuote xmlns:sym="http://services.samples/xsd"><sym:symbol>IBM</sym:symbol></sym:getQuote></soapenv:Body></soapenv:Envelope>"#;

fn ns(pairs: &[(&str, &str)]) -> Namespaces {
    let mut n = Namespaces::new();
    for (p, u) in pairs {
        n.insert(*p, *u);
    }
    n
}

fn from_spec(spec: &MediatorSpec) -> Result<HeaderMediator, BuildError> {
    HeaderConfig::from_spec(spec, &Registry::new())?.build()
}

fn reason(err: BuildError) -> String {
    match err {
        BuildError::InvalidStructure { reason, .. }
        | BuildError::InvalidProperty { reason, .. } => reason,
        other => other.to_string(),
    }
}

#[test]
fn doc_http_header_is_set_and_removed() {
    // doc "Using HTTP headers": <header name="Accept" value="image/jpeg" scope="transport"/>
    let m = from_spec(
        &MediatorSpec::new("header")
            .property("name", "Accept")
            .property("value", "image/jpeg")
            .property("scope", "transport"),
    )
    .unwrap();
    assert!(
        !m.reads_body(),
        "a literal transport header does not read the body"
    );
    let mut msg = MessageContext::from_json("{}");
    m.apply(&mut msg).unwrap();
    assert_eq!(
        msg.transport_header("accept").as_deref(),
        Some("image/jpeg")
    );
    let rm = HeaderConfig::transport("ACCEPT").remove().build().unwrap();
    rm.apply(&mut msg).unwrap();
    assert!(msg.transport_header("Accept").is_none());
}

#[test]
fn doc_json_body_value_to_transport_header() {
    // doc "Setting the header with a value in the JSON body" (transport scope here: an
    // unqualified SOAP header name is refused by HMF).
    let m = HeaderConfig::transport("header-symbol")
        .expression("json-eval($.symbol)")
        .build()
        .unwrap();
    assert!(m.reads_body());
    let mut msg = MessageContext::from_json(r#"{"symbol":"WSO2"}"#);
    m.apply(&mut msg).unwrap();
    assert_eq!(
        msg.transport_header("header-symbol").as_deref(),
        Some("WSO2")
    );
    // A ${…} over properties only does not read the body.
    let m = HeaderConfig::transport("X-U")
        .expression("${properties.synapse.user}")
        .build()
        .unwrap();
    assert!(!m.reads_body());
}

#[test]
fn doc_dynamic_soap_header_from_body() {
    // doc "Adding a dynamic SOAP header": name="m:header1" expression="//sym:symbol"
    let spec = MediatorSpec::new("header")
        .property("name", "m:header1")
        .property("scope", "default")
        .property("expression", "//sym:symbol")
        .namespaces(ns(&[
            ("m", "http://org.synapse.example"),
            ("sym", "http://services.samples/xsd"),
        ]));
    let m = from_spec(&spec).unwrap();
    assert!(m.reads_body());
    let mut msg = MessageContext::from_bytes(SOAP, "text/xml");
    m.apply(&mut msg).unwrap();
    assert_eq!(
        msg.payload_as_text().unwrap(),
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><m:header1 xmlns:m="http://org.synapse.example">IBM</m:header1></soapenv:Header><soapenv:Body><sym:getQuote xmlns:sym="http://services.samples/xsd"><sym:symbol>IBM</sym:symbol></sym:getQuote></soapenv:Body></soapenv:Envelope>"#
    );
    // A second set appends a second block (Axiom's addHeaderBlock); remove removes both.
    m.apply(&mut msg).unwrap();
    assert_eq!(
        msg.payload_as_text().unwrap().matches("<m:header1").count(),
        2
    );
    let rm = HeaderConfig::soap("m:header1")
        .remove()
        .namespaces(ns(&[("m", "http://org.synapse.example")]))
        .build()
        .unwrap();
    rm.apply(&mut msg).unwrap();
    assert!(
        msg.payload_as_text()
            .unwrap()
            .contains("<soapenv:Header></soapenv:Header><soapenv:Body>")
    );
}

#[test]
fn doc_complex_inline_header() {
    // doc "Handling headers with complex XML": the inline element is added as a block.
    let inline = r#"<m:complexHeader xmlns:m="http://org.synapse.example"><property xmlns="http://ws.apache.org/ns/synapse" key="k1" value="v1"/></m:complexHeader>"#;
    let m = from_spec(&MediatorSpec::new("header").text(inline)).unwrap();
    let soap = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><a xmlns="urn:a"/></s:Header><s:Body/></s:Envelope>"#;
    let mut msg = MessageContext::from_bytes(soap, "text/xml");
    m.apply(&mut msg).unwrap();
    assert_eq!(
        msg.payload_as_text().unwrap(),
        format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><a xmlns="urn:a"/>{inline}</s:Header><s:Body/></s:Envelope>"#
        )
    );
}

#[test]
fn value_is_escaped_and_header_prefix_follows_the_envelope() {
    let m = HeaderConfig::soap("p:h")
        .value("a<&b")
        .namespaces(ns(&[("p", "urn:p")]))
        .build()
        .unwrap();
    let soap12 = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>"#;
    let mut msg = MessageContext::from_bytes(soap12, "application/soap+xml");
    m.apply(&mut msg).unwrap();
    assert_eq!(
        msg.payload_as_text().unwrap(),
        r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Header><p:h xmlns:p="urn:p">a&lt;&amp;b</p:h></env:Header><env:Body/></env:Envelope>"#
    );
    // The header is visible to XPath afterwards.
    let e = mediate_core::Expression::compile("$header/p:h", &ns(&[("p", "urn:p")])).unwrap();
    assert_eq!(e.evaluate_string(&msg).unwrap(), "a<&b");
}

#[test]
fn doc_special_addressing_names() {
    // doc: To, ReplyTo, MessageID, From, FaultTo have a special meaning; HM also Action and
    // RelatesTo. "Setting the endpoint URL dynamically": <header name="To" expression="…"/>,
    // with the doc's expression as written: `fn:concat` with `fn` undeclared works, as in MI
    // (Jaxen gives an undeclared function prefix no namespace; the core functions have none).
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("epr", "Svc");
    let to = HeaderConfig::soap("To")
        .expression(
            "fn:concat('http://localhost:9764/services/Axis2SampleService_',get-property('epr'))",
        )
        .build()
        .unwrap();
    to.apply(&mut msg).unwrap();
    assert_eq!(
        msg.to(),
        Some("http://localhost:9764/services/Axis2SampleService_Svc")
    );
    for (name, get) in [
        (
            "Action",
            (|m: &MessageContext| m.addressing().action.clone())
                as fn(&MessageContext) -> Option<String>,
        ),
        ("From", |m| m.addressing().from.clone()),
        ("ReplyTo", |m| m.addressing().reply_to.clone()),
        ("RelatesTo", |m| m.addressing().relates_to.clone()),
    ] {
        HeaderConfig::soap(name)
            .value("v")
            .build()
            .unwrap()
            .apply(&mut msg)
            .unwrap();
        assert_eq!(get(&msg).as_deref(), Some("v"), "{name}");
        HeaderConfig::soap(name)
            .remove()
            .build()
            .unwrap()
            .apply(&mut msg)
            .unwrap();
        assert_eq!(get(&msg), None, "{name}");
    }
    HeaderConfig::soap("MessageID")
        .value("urn:uuid:1")
        .build()
        .unwrap()
        .apply(&mut msg)
        .unwrap();
    assert_eq!(msg.message_id(), "urn:uuid:1");
    // The payload is not touched by addressing headers.
    assert_eq!(msg.payload_as_text().unwrap(), "<a/>");
}

#[test]
fn soap_header_on_a_rest_message_is_not_kept() {
    // MI's POX/JSON formatters send only the Body: the header never reaches the wire.
    let m = HeaderConfig::soap("p:h")
        .value("1")
        .namespaces(ns(&[("p", "urn:p")]))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    m.apply(&mut msg).unwrap();
    assert_eq!(msg.payload_as_text().unwrap(), r#"{"a":1}"#);
    let mut msg = MessageContext::from_xml("<a/>");
    m.apply(&mut msg).unwrap();
    assert_eq!(msg.payload_as_text().unwrap(), "<a/>");
}

#[test]
fn factory_errors() {
    // HMF: "All SOAP headers must be namespace qualified."
    let err = from_spec(
        &MediatorSpec::new("header")
            .property("name", "foo")
            .property("value", "1"),
    )
    .unwrap_err();
    assert_eq!(
        reason(err),
        "Invalid SOAP header: foo specified at the header mediator. All SOAP headers must be namespace qualified."
    );
    let err = from_spec(
        &MediatorSpec::new("header")
            .property("name", "x:foo")
            .property("value", "1"),
    )
    .unwrap_err();
    assert_eq!(
        reason(err),
        "Invalid namespace prefix 'x' in name attribute"
    );
    let err = from_spec(&MediatorSpec::new("header").property("value", "1")).unwrap_err();
    assert_eq!(
        reason(err),
        "A valid name attribute is required for the header mediator"
    );
    // Inline XML is a SOAP header: a transport header needs a name.
    let err = from_spec(
        &MediatorSpec::new("header")
            .property("scope", "transport")
            .text("<a xmlns=\"urn:a\"/>"),
    )
    .unwrap_err();
    assert_eq!(
        reason(err),
        "A valid name attribute is required for the header mediator"
    );
    let err = from_spec(&MediatorSpec::new("header").property("name", "To")).unwrap_err();
    assert_eq!(
        reason(err),
        "A 'value' or 'expression' attribute is required for a [set] header mediator"
    );
    let err = from_spec(
        &MediatorSpec::new("header")
            .property("name", "X")
            .property("value", "1")
            .property("scope", "axis2"),
    )
    .unwrap_err();
    assert_eq!(
        reason(err),
        "Only 'transport' or 'default' values are allowed for attribute scope for a header mediator, Unsupported scope axis2"
    );
    let err = from_spec(
        &MediatorSpec::new("header")
            .property("name", "X")
            .property("vaule", "1")
            .property("scope", "transport"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("vaule"), "{err}");
    let err = from_spec(
        &MediatorSpec::new("header")
            .property("name", "X")
            .property("expression", "//a[")
            .property("scope", "transport"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("column"), "{err}");
    // remove needs no value
    assert!(
        from_spec(
            &MediatorSpec::new("header")
                .property("name", "X")
                .property("action", "remove")
                .property("scope", "transport")
        )
        .is_ok()
    );
}

#[test]
fn invalid_transport_header_value_fails_at_run_time() {
    let m = HeaderConfig::transport("X-A")
        .value("a\nb")
        .build()
        .unwrap();
    let mut msg = MessageContext::empty();
    assert!(m.apply(&mut msg).is_err());
}

#[tokio::test]
async fn mediate_continues() {
    let m = HeaderConfig::transport("X-A").value("1").build().unwrap();
    let mut msg = MessageContext::empty();
    let flow = m.mediate(&mut msg, &Env::default()).await.unwrap();
    assert_eq!(flow, mediate_core::Flow::Continue);
    assert_eq!(m.kind(), "header");
}
