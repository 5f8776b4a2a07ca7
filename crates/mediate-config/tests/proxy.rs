//! `<proxy>` artifacts: MI documentation examples read field by field, serialized and read
//! back, and one test per diagnostic with its exact `FILE:LINE:COL: message`.

mod support;

use mediate_config::{ArtifactConfig, EndpointRef, ParameterValue, ProxyConfig, SequenceRef};
use support::{NS, key};

fn proxy(xml: &str) -> ProxyConfig {
    match support::load_one(xml, "proxy.xml") {
        ArtifactConfig::Proxy(p) => p,
        other => panic!("expected a proxy, got {other:?}"),
    }
}

/// The diagnostics of `xml` read as `proxy.xml`, one line each.
fn diagnostics(xml: &str) -> Vec<String> {
    support::diagnostics(xml, "proxy.xml")
}

/// A proxy of one line holding `children`, for diagnostics at easy columns.
fn one_line(attributes: &str, children: &str) -> String {
    format!(r#"<proxy {NS} name="P"{attributes}>{children}</proxy>"#)
}

/// Serializes `proxy`, reads it back, and checks it is the same configuration.
fn round_trip(proxy: &ProxyConfig) {
    support::round_trip(&ArtifactConfig::Proxy(proxy.clone()));
}

// docs-mi learn/examples/proxy-service-examples/introduction-to-proxy-services.md, without
// its `<publishWSDL>` (see `publish_wsdl_is_read_and_kept`).
#[test]
fn simple_proxy_with_an_inline_target() {
    let p = proxy(
        r#"<proxy name="StockQuoteProxy" startOnLoad="true" transports="http https" xmlns="http://ws.apache.org/ns/synapse">
    <target>
        <inSequence>
            <call>
                <endpoint>
                    <address uri="http://localhost:9000/services/SimpleStockQuoteService"/>
                </endpoint>
            </call>
            <respond/>
        </inSequence>
    </target>
</proxy>"#,
    );
    assert_eq!(p.name, "StockQuoteProxy");
    assert_eq!(p.transports, ["http", "https"]);
    assert!(p.start_on_load);
    assert!(p.pinned_servers.is_empty() && p.parameters.is_empty());
    assert_eq!(
        (p.service_group.as_deref(), p.description.as_deref()),
        (None, None)
    );
    assert!(!p.statistics && !p.trace && !p.enable_addressing && !p.enable_rm);
    assert_eq!(p.span.to_string(), "proxy.xml:1:1");
    let Some(SequenceRef::Inline(inline)) = &p.target.in_sequence else {
        panic!("inline in-sequence")
    };
    let kinds: Vec<&str> = inline.mediators.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["call", "respond"]);
    assert_eq!(p.target.out_sequence, None);
    assert_eq!(p.target.fault_sequence, None);
    assert_eq!(p.target.endpoint, None);
    assert_eq!(p.target.span.to_string(), "proxy.xml:2:5");
    round_trip(&p);
}

// docs-mi exposing-proxy-via-inbound.md: comma-separated transports and a service parameter.
#[test]
fn inbound_only_proxy_with_a_parameter() {
    let p = proxy(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="InboundProxy" transports="https,http" statistics="disable" trace="disable" startOnLoad="true">
        <target>
            <inSequence>
                <call>
                    <endpoint key="endpoint1"/>
                </call>
                <respond/>
            </inSequence>
        </target>
        <parameter name="inbound.only">true</parameter>
</proxy>"#,
    );
    assert_eq!(p.transports, ["https", "http"]);
    assert!(!p.statistics && !p.trace);
    let [param] = &p.parameters[..] else {
        panic!("one parameter")
    };
    assert_eq!(param.name, "inbound.only");
    assert_eq!(param.value, ParameterValue::Text("true".into()));
    assert_eq!(param.span.to_string(), "proxy.xml:10:9");
    round_trip(&p);
}

// A target that names everything by key: each key carries where it is written.
#[test]
fn target_by_keys() {
    let p = proxy(&format!(
        r#"<proxy {NS} name="Orders" transports="jms" startOnLoad="false" pinnedServers="node1, node2" serviceGroup="orders" statistics="enable" trace="enable">
    <description>
        Orders from the queue.
    </description>
    <target inSequence="OrderIn" outSequence="OrderOut" faultSequence="OrderFault" endpoint="OrderEP"/>
    <parameter name="transport.jms.ContentType">
        <rules xmlns="">
            <jmsProperty>contentType</jmsProperty>
            <default>application/xml</default>
        </rules>
    </parameter>
    <parameter name="transport.jms.Destination">orders</parameter>
    <enableAddressing/>
    <enableRM/>
</proxy>"#
    ));
    assert_eq!(p.transports, ["jms"]);
    assert!(!p.start_on_load);
    assert_eq!(p.pinned_servers, ["node1", "node2"]);
    assert_eq!(p.service_group.as_deref(), Some("orders"));
    assert!(p.statistics && p.trace && p.enable_addressing && p.enable_rm);
    assert_eq!(p.description.as_deref(), Some("Orders from the queue."));
    let t = &p.target;
    assert_eq!(
        (
            key(&t.in_sequence),
            key(&t.out_sequence),
            key(&t.fault_sequence)
        ),
        (Some("OrderIn"), Some("OrderOut"), Some("OrderFault"))
    );
    let Some(SequenceRef::Key { span, .. }) = &t.fault_sequence else {
        panic!("key")
    };
    assert_eq!(span.to_string(), "proxy.xml:5:72");
    let Some(EndpointRef::Key { key, span }) = &t.endpoint else {
        panic!("endpoint key")
    };
    assert_eq!(
        (key.as_str(), span.to_string().as_str()),
        ("OrderEP", "proxy.xml:5:94")
    );
    assert_eq!(
        p.parameters[0].value,
        ParameterValue::Xml(
            "<rules xmlns=\"\">\n            <jmsProperty>contentType</jmsProperty>\n            <default>application/xml</default>\n        </rules>".into()
        )
    );
    assert_eq!(p.parameters[1].value.as_str(), "orders");
    round_trip(&p);
}

// An inline endpoint is kept as written, for the endpoint reader to build.
#[test]
fn inline_endpoint_and_out_sequence() {
    let p = proxy(&format!(
        r#"<proxy {NS} name="Passthrough">
    <target faultSequence="Fault">
        <endpoint name="backend">
            <address uri="http://localhost:9000/services/SimpleStockQuoteService">
                <timeout><duration>30000</duration></timeout>
            </address>
        </endpoint>
        <outSequence><log level="full"/><send/></outSequence>
    </target>
</proxy>"#
    ));
    assert!(p.transports.is_empty());
    let Some(EndpointRef::Inline(ep)) = &p.target.endpoint else {
        panic!("inline endpoint")
    };
    assert_eq!(ep.name.as_deref(), Some("backend"));
    let mediate_endpoints::EndpointKind::Address(address) = &ep.kind else {
        panic!("an address endpoint: {:?}", ep.kind)
    };
    assert_eq!(
        address.uri,
        "http://localhost:9000/services/SimpleStockQuoteService"
    );
    assert!(address.settings.timeout.is_some());
    assert_eq!(ep.position.map(|p| p.to_string()).as_deref(), Some("3:9"));
    assert!(
        matches!(&p.target.out_sequence, Some(SequenceRef::Inline(s)) if s.mediators.len() == 2)
    );
    assert_eq!(key(&p.target.fault_sequence), Some("Fault"));
    assert_eq!(p.target.in_sequence, None);
    round_trip(&p);
}

#[test]
fn transports_all_is_every_transport() {
    let p = proxy(&one_line(
        r#" transports="all""#,
        r#"<target endpoint="E"/>"#,
    ));
    assert!(p.transports.is_empty());
    // A name MI does not ship, far from any it does: a custom transport, kept.
    let p = proxy(&one_line(
        r#" transports="http custom-bus""#,
        r#"<target endpoint="E"/>"#,
    ));
    assert_eq!(p.transports, ["http", "custom-bus"]);
}

// ---------------------------------------------------------------------------------------
// Diagnostics, one per test.

#[test]
fn missing_name_and_target() {
    assert_eq!(
        diagnostics(&format!(r#"<proxy {NS}/>"#)),
        [
            "proxy.xml:1:1: `<proxy>`: missing `<target>`",
            "proxy.xml:1:1: `<proxy>`: missing attribute `name`",
        ]
    );
}

#[test]
fn target_without_in_sequence_or_endpoint() {
    assert_eq!(
        diagnostics(&one_line("", r#"<target outSequence="Out"/>"#)),
        [
            "proxy.xml:1:57: `<target>`: a proxy target needs an in-sequence or an endpoint (or both)"
        ]
    );
}

#[test]
fn endpoint_by_key_and_inline() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"><endpoint><address uri="http://x"/></endpoint></target>"#
        )),
        [
            "proxy.xml:1:75: `<target>`: the endpoint is given both as `endpoint=\"E\"` and inline as `<endpoint>`: give one"
        ]
    );
}

#[test]
fn two_inline_endpoints() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target><endpoint key="A"/><endpoint key="B"/></target>"#
        )),
        ["proxy.xml:1:84: `<target>`: only one `<endpoint>` is allowed"]
    );
}

#[test]
fn in_sequence_by_key_and_inline() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target inSequence="In"><inSequence><log/></inSequence></target>"#
        )),
        [
            "proxy.xml:1:77: `<target>`: the in sequence is given both as `inSequence=\"In\"` and inline as `<inSequence>`: give one"
        ]
    );
}

#[test]
fn unknown_target_child() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"><inSequense/></target>"#
        )),
        ["proxy.xml:1:78: `<target>`: unknown element `<inSequense>`; did you mean `inSequence`?"]
    );
}

#[test]
fn two_targets() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"/><target endpoint="F"/>"#
        )),
        ["proxy.xml:1:79: `<proxy>`: only one `<target>` is allowed"]
    );
}

#[test]
fn parameter_given_twice() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"/><parameter name="a">1</parameter><parameter name="a">2</parameter>"#
        )),
        ["proxy.xml:1:129: `<proxy>`: parameter `a` is given twice"]
    );
}

#[test]
fn parameter_without_a_name() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"/><parameter>1</parameter>"#
        )),
        ["proxy.xml:1:79: `<parameter>`: missing attribute `name`"]
    );
}

#[test]
fn transport_typo() {
    assert_eq!(
        diagnostics(&one_line(
            r#" transports="http htps""#,
            r#"<target endpoint="E"/>"#
        )),
        ["proxy.xml:1:74: `<proxy>`: unknown transport `htps`; did you mean `https`?"]
    );
}

#[test]
fn transport_all_in_a_list() {
    assert_eq!(
        diagnostics(&one_line(
            r#" transports="http,all""#,
            r#"<target endpoint="E"/>"#
        )),
        ["proxy.xml:1:74: `<proxy>`: `all` cannot be combined with other transports"]
    );
}

#[test]
fn transport_listed_twice() {
    assert_eq!(
        diagnostics(&one_line(
            r#" transports="http https http""#,
            r#"<target endpoint="E"/>"#
        )),
        ["proxy.xml:1:80: `<proxy>`: transport `http` is listed twice"]
    );
}

#[test]
fn start_on_load_is_a_boolean() {
    assert_eq!(
        diagnostics(&one_line(
            r#" startOnLoad="yes""#,
            r#"<target endpoint="E"/>"#
        )),
        ["proxy.xml:1:70: `<proxy>`: attribute `startOnLoad` is `yes`, expected `true` or `false`"]
    );
}

#[test]
fn unknown_proxy_attribute() {
    assert_eq!(
        diagnostics(&one_line(
            r#" transport="http""#,
            r#"<target endpoint="E"/>"#
        )),
        [
            "proxy.xml:1:57: `<proxy>`: unknown attribute `transport` (expected `name`, `transports`, `pinnedServers`, `serviceGroup`, `startOnLoad`, `statistics`, `trace`); did you mean `transports`?"
        ]
    );
}

#[test]
fn unknown_proxy_child() {
    assert_eq!(
        diagnostics(&one_line("", r#"<target endpoint="E"/><enableAdressing/>"#)),
        [
            "proxy.xml:1:79: `<proxy>`: unknown element `<enableAdressing>`; did you mean `enableAddressing`?"
        ]
    );
}

// docs-mi's StockQuoteProxy publishes its WSDL from a file: read, kept and written back.
#[test]
fn publish_wsdl_is_read_and_kept() {
    let p = proxy(&one_line(
        "",
        r#"<target endpoint="E"/><publishWSDL uri="file:repository/samples/resources/proxy/sample_proxy_1.wsdl" preservePolicy="true"><resource location="a.xsd" key="conf:/a.xsd"/></publishWSDL>"#,
    ));
    let wsdl = p.publish_wsdl.as_ref().expect("publishWSDL kept");
    assert_eq!(
        wsdl.get("uri"),
        Some("file:repository/samples/resources/proxy/sample_proxy_1.wsdl")
    );
    assert_eq!(wsdl.children[0].get("key"), Some("conf:/a.xsd"));
    round_trip(&p);

    // An inline WSDL 1.1 is one source.
    let inline = proxy(&one_line(
        "",
        r#"<target endpoint="E"/><publishWSDL><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" name="S"/></publishWSDL>"#,
    ));
    assert!(inline.publish_wsdl.is_some());
    round_trip(&inline);
}

#[test]
fn publish_wsdl_needs_exactly_one_source() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"/><publishWSDL uri="file:a.wsdl" key="a.wsdl"/>"#
        )),
        ["proxy.xml:1:79: `<publishWSDL>`: give only one WSDL source (found uri, key)"]
    );
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"/><publishWSDL preservePolicy="yes"/>"#
        )),
        [
            "proxy.xml:1:79: `<publishWSDL>`: missing the WSDL: give `uri`, `key`, `endpoint` or an inline WSDL",
            "proxy.xml:1:108: `<publishWSDL>`: attribute `preservePolicy` is `yes`, expected `true` or `false`",
        ]
    );
}

// docs-mi securing-proxy-services.md: WS-Security through a policy is refused, not dropped.
#[test]
fn security_is_not_supported_yet() {
    assert_eq!(
        diagnostics(&one_line(
            "",
            r#"<target endpoint="E"/><policy key="sec_policy"/><enableSec/>"#
        )),
        [
            "proxy.xml:1:79: `<proxy>`: `<policy>` is not supported yet (mediate applies no WS-Policy)",
            "proxy.xml:1:105: `<proxy>`: `<enableSec>` is not supported yet (mediate has no WS-Security)",
        ]
    );
}
