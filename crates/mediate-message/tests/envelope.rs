//! MI's envelope model: explicit SOAP 1.1/1.2, POX, JSON, text, binary, empty.

use mediate_message::{
    EnvelopeOrigin, MessageContext, PAYLOAD_NS, SOAP11_NS, SOAP12_NS, SoapVersion,
};

#[test]
fn pox_is_first_body_child_of_an_implicit_soap11_envelope() {
    let ctx = MessageContext::from_xml(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<order><id>7</id></order>",
    );
    let env = ctx.envelope().unwrap();
    assert_eq!(env.origin(), EnvelopeOrigin::Pox);
    assert!(env.is_implicit());
    assert_eq!(env.soap_version(), SoapVersion::Soap11);
    assert!(env.header().is_none());
    assert_eq!(env.envelope().tag_name().namespace(), Some(SOAP11_NS));
    assert_eq!(env.body().tag_name().name(), "Body");
    let order = env.first_body_child().unwrap();
    assert_eq!(order.tag_name().name(), "order");
    assert_eq!(order.parent_element().unwrap().tag_name().name(), "Body");
    assert!(!env.as_str().contains("<?xml"));
}

#[test]
fn explicit_soap11_envelope_is_the_payload() {
    let text = r#"<?xml version="1.0"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Header><h>1</h></soapenv:Header>
  <soapenv:Body><ns:getQuote xmlns:ns="urn:q"><ns:symbol>IBM</ns:symbol></ns:getQuote></soapenv:Body>
</soapenv:Envelope>"#;
    let ctx = MessageContext::from_bytes(text, "text/xml; charset=UTF-8");
    let env = ctx.envelope().unwrap();
    assert_eq!(env.origin(), EnvelopeOrigin::Soap);
    assert!(!env.is_implicit());
    assert_eq!(env.soap_version(), SoapVersion::Soap11);
    assert_eq!(
        env.header()
            .unwrap()
            .first_element_child()
            .unwrap()
            .tag_name()
            .name(),
        "h"
    );
    let first = env.first_body_child().unwrap();
    assert_eq!(first.tag_name().name(), "getQuote");
    assert_eq!(first.tag_name().namespace(), Some("urn:q"));
    // Same text, no copy of the envelope: positions are the payload's.
    assert_eq!(env.as_str(), text);
}

#[test]
fn explicit_soap12_envelope() {
    let ctx = MessageContext::from_bytes(
        format!(r#"<e:Envelope xmlns:e="{SOAP12_NS}"><e:Body><a/></e:Body></e:Envelope>"#),
        "application/soap+xml",
    );
    let env = ctx.envelope().unwrap();
    assert_eq!(env.soap_version(), SoapVersion::Soap12);
    assert_eq!(env.first_body_child().unwrap().tag_name().name(), "a");
}

#[test]
fn soap_envelope_without_body_is_an_error() {
    let ctx = MessageContext::from_xml(format!(
        r#"<e:Envelope xmlns:e="{SOAP11_NS}"><e:Header/></e:Envelope>"#
    ));
    let err = ctx.envelope().unwrap_err();
    assert!(err.is_malformed_input(), "{err}");
}

#[test]
fn envelope_named_element_in_another_namespace_is_pox() {
    let ctx = MessageContext::from_xml(r#"<Envelope xmlns="urn:not-soap"><Body/></Envelope>"#);
    let env = ctx.envelope().unwrap();
    assert_eq!(env.origin(), EnvelopeOrigin::Pox);
    assert_eq!(
        env.first_body_child().unwrap().tag_name().namespace(),
        Some("urn:not-soap")
    );
}

#[test]
fn json_object_and_array_in_the_body() {
    let ctx = MessageContext::from_json(r#"{"a":[1,2],"b":{"c":null}}"#);
    let env = ctx.envelope().unwrap();
    assert_eq!(env.origin(), EnvelopeOrigin::Json);
    let first = env.first_body_child().unwrap();
    assert_eq!(first.tag_name().name(), "jsonObject");
    let xml = env.xml_document().node_text(first);
    assert_eq!(
        xml,
        "<jsonObject><a>1</a><a>2</a><b><c></c></b></jsonObject>"
    );

    let ctx = MessageContext::from_json("[1,{\"x\":true}]");
    let first = ctx.envelope().unwrap().first_body_child().unwrap();
    assert_eq!(first.tag_name().name(), "jsonArray");
    assert_eq!(
        first
            .children()
            .filter(|n| n.has_tag_name("jsonElement"))
            .count(),
        2
    );
}

#[test]
fn text_and_binary_wrappers() {
    let ctx = MessageContext::from_text("a < b");
    let env = ctx.envelope().unwrap();
    assert_eq!(env.origin(), EnvelopeOrigin::Text);
    let text = env.first_body_child().unwrap();
    assert_eq!(text.tag_name().namespace(), Some(PAYLOAD_NS));
    assert_eq!(text.tag_name().name(), "text");
    assert_eq!(text.text(), Some("a < b"));

    let ctx = MessageContext::from_bytes(vec![0u8, 1, 2, 255], "application/octet-stream");
    let bin = ctx.envelope().unwrap().first_body_child().unwrap();
    assert_eq!(bin.tag_name().name(), "binary");
    assert_eq!(bin.text(), Some("AAEC/w=="));
}

#[test]
fn empty_payload_has_an_empty_body() {
    for ctx in [
        MessageContext::empty(),
        MessageContext::from_json(""),
        MessageContext::from_xml("  "),
    ] {
        let env = ctx.envelope().unwrap();
        assert_eq!(env.origin(), EnvelopeOrigin::Empty);
        assert!(env.first_body_child().is_none());
    }
}

#[test]
fn malformed_xml_reports_payload_positions() {
    let ctx = MessageContext::from_xml("<?xml version=\"1.0\"?>\n<a>\n  <b></c>\n</a>");
    let err = ctx.envelope().unwrap_err();
    assert!(err.is_xml_parse());
    assert_eq!(err.position().map(|p| p.0), Some(3));
    let direct = ctx.xml().unwrap_err();
    assert_eq!(err, direct);

    let err = MessageContext::from_xml("<a><b></a>")
        .envelope()
        .unwrap_err();
    assert_eq!(
        err.position(),
        MessageContext::from_xml("<a><b></a>")
            .xml()
            .unwrap_err()
            .position()
    );
}

#[test]
fn dtd_is_refused() {
    let ctx = MessageContext::from_xml("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>");
    assert!(ctx.envelope().unwrap_err().is_xml_parse());
    assert!(ctx.xml().unwrap_err().is_xml_parse());
}

#[test]
fn views_are_cached() {
    let ctx = MessageContext::from_xml("<a/>");
    let first = ctx.envelope().unwrap() as *const _;
    let second = ctx.envelope().unwrap() as *const _;
    assert_eq!(first, second);
}

#[test]
fn unmappable_json_is_a_mapping_error() {
    let err = MessageContext::from_json("{\"\":1}")
        .envelope()
        .unwrap_err();
    assert!(err.is_mapping(), "{err}");
    let err = MessageContext::from_json("{\"a\":\"\\u0001\"}")
        .envelope()
        .unwrap_err();
    assert!(err.is_mapping(), "{err}");
}

#[test]
fn content_type_change_rereads_the_payload() {
    let mut ctx = MessageContext::from_text("<a>1</a>");
    assert_eq!(ctx.envelope().unwrap().origin(), EnvelopeOrigin::Text);
    ctx.set_content_type("application/xml");
    assert_eq!(ctx.envelope().unwrap().origin(), EnvelopeOrigin::Pox);
    assert_eq!(
        ctx.envelope()
            .unwrap()
            .first_body_child()
            .unwrap()
            .tag_name()
            .name(),
        "a"
    );
}
