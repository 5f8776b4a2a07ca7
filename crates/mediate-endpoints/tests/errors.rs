//! Every refusal, each located at the faulty attribute value or element (what lets
//! `mediate-config` print `FILE:LINE:COL`), with a message that says what is expected.

mod support;

use mediate_core::{BuildError, MediatorSpec};
use mediate_endpoints::EndpointDefinition;
use support::{after, assert_error_at, at, error};

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

/// `<endpoint>` around `inner`, on lines of their own.
fn ep(inner: &str) -> String {
    format!("<endpoint {NS}>\n{inner}\n</endpoint>")
}

#[test]
fn unknown_attributes_and_children_suggest_the_closest_name() {
    let x = ep(r#"  <address uri="http://h/" formt="pox"/>"#);
    assert_error_at(
        &x,
        after(&x, "formt=\""),
        "`<address formt>`: unknown attribute (expected `uri`, `format`",
    );
    assert!(error(&x).to_string().contains("did you mean `format`?"));

    let x = ep(r#"  <address uri="http://h/"><timout/></address>"#);
    assert_error_at(
        &x,
        at(&x, "<timout"),
        "unknown child element `<timout>` (expected `<enableAddressing>`",
    );
    assert!(error(&x).to_string().contains("did you mean `timeout`?"));

    // The docs' `<default>` syntax writes `<action>`; Synapse reads `<responseAction>`.
    let x = ep("  <default><timeout><action>fault</action></timeout></default>");
    assert_error_at(&x, at(&x, "<action"), "did you mean `responseAction`?");

    let x = format!(r#"<endpoint {NS} nmae="x"><address uri="http://h/"/></endpoint>"#);
    assert_error_at(&x, after(&x, "nmae=\""), "did you mean `name`?");

    let x = ep("  <adress uri=\"http://h/\"/>");
    assert_error_at(&x, at(&x, "<adress"), "did you mean `address`?");

    let x = ep(
        "  <address uri=\"http://h/\"><timeout><duration>1</duration><duration>2</duration></timeout></address>",
    );
    assert_error_at(
        &x,
        after(&x, "</duration>"),
        "is given twice in `<timeout>`",
    );
}

#[test]
fn refused_kinds() {
    let x = ep(
        r#"  <wsdl uri="file:stockquote.wsdl" service="SimpleStockQuoteService" port="SimpleStockQuoteServiceHttpSoap11Endpoint"/>"#,
    );
    assert_error_at(&x, at(&x, "<wsdl"), "WSDL endpoints are not supported yet");
    let x = ep("  <dynamicLoadbalance failover=\"true\"/>");
    assert_error_at(&x, at(&x, "<dynamicLoadbalance"), "not supported");
    let x = ep("  <class name=\"com.acme.Ep\"/>");
    assert_error_at(&x, at(&x, "<class"), "class endpoints");

    let x = format!("<endpoint {NS}/>");
    assert_error_at(
        &x,
        at(&x, "<endpoint"),
        "an endpoint needs `key`, `template`, or one of",
    );

    let x = ep("  <address uri=\"http://h/\"/>\n  <http uri-template=\"http://h/\"/>");
    assert_error_at(&x, at(&x, "<http"), "`<http>` follows `<address>`");

    let spec = MediatorSpec::new("address").property("uri", "http://h/");
    let err = EndpointDefinition::from_spec(&spec).unwrap_err();
    assert!(err.to_string().contains("expected an `<endpoint>` element"));
    assert!(
        matches!(err, BuildError::InvalidElement { ref element, attribute: None, .. } if element == "address"),
        "{err:?}"
    );
}

#[test]
fn reference_forms_take_no_definition() {
    let x = ep("  <address uri=\"http://h/\"/>").replace("<endpoint ", "<endpoint key=\"K\" ");
    assert_error_at(
        &x,
        at(&x, "<address"),
        "an endpoint with `key` takes no `<address>`",
    );

    let x = format!(r#"<endpoint {NS} key="K" template="T"/>"#);
    assert_error_at(
        &x,
        after(&x, "template=\""),
        "`key` and `template` cannot be used together",
    );

    let x = format!(r#"<endpoint {NS} uri="http://h/"><address uri="http://h/"/></endpoint>"#);
    assert_error_at(
        &x,
        after(
            &x,
            "<endpoint xmlns=\"http://ws.apache.org/ns/synapse\" uri=\"",
        ),
        "needs `template`",
    );

    let x = format!(r#"<endpoint {NS} key=""/>"#);
    assert_error_at(&x, after(&x, "key=\""), "must not be empty");

    let x = format!(r#"<endpoint {NS} key-expression="get-property("/>"#);
    assert_error_at(&x, after(&x, "key-expression=\""), "invalid XPath");

    let x = ep("  <parameter name=\"a\" value=\"b\"/>\n  <address uri=\"http://h/\"/>");
    assert_error_at(&x, at(&x, "<parameter"), "belongs to a template endpoint");
}

#[test]
fn bad_addresses() {
    for (uri, needle) in [
        ("BACKEND_URL", "has no scheme"),
        ("http://local host/x", "space"),
        ("http://h:80a/x", "port `80a` is not a number"),
        ("http://h/{uri.var.id}", "`<http uri-template>`"),
        ("", "is empty"),
    ] {
        let x = ep(&format!("  <address uri=\"{uri}\"/>"));
        assert_error_at(&x, after(&x, "uri=\""), needle);
    }
    let x = ep("  <address/>");
    assert_error_at(&x, at(&x, "<address"), "missing attribute `uri`");
}

#[test]
fn bad_numbers_and_durations() {
    for (element, text, needle) in [
        ("duration", "abc", "`abc` is not a duration in milliseconds"),
        ("duration", "-1", "`-1` is negative"),
        ("duration", "", "is empty"),
        ("duration", "$SYSTEM:TIMEOUT", "unresolved placeholder"),
        ("duration", "99999999999999999999", "too large"),
    ] {
        let x = ep(&format!(
            "  <address uri=\"http://h/\"><timeout><{element}>{text}</{element}></timeout></address>"
        ));
        assert_error_at(&x, at(&x, &format!("<{element}")), needle);
    }
    // A negative suspension setting is Synapse's "not set" (see forms.rs); out of Java's
    // range, or not a number, it is refused.
    for (element, text, needle) in [
        ("initialDuration", "1.5", "is not a duration"),
        (
            "initialDuration",
            "-2147483649",
            "`-2147483649` is too small",
        ),
        ("initialDuration", "2147483648", "`2147483648` is too large"),
        ("initialDuration", "", "is empty"),
        ("maximumDuration", "ten", "is not a duration"),
        ("maximumDuration", "-", "`-` is not a duration"),
        ("progressionFactor", "x", "`x` is not a number"),
        ("progressionFactor", "1,5", "`1,5` is not a number"),
        ("progressionFactor", "NaN", "`NaN` is not a finite number"),
        ("progressionFactor", "Infinity", "is not a finite number"),
        ("progressionFactor", "-Infinity", "is not a finite number"),
        ("progressionFactor", "1e39", "is not a finite number"),
        ("progressionFactor", "", "is empty"),
        ("errorCodes", "101503,abc", "`abc` is not an error code"),
        ("errorCodes", "-101503", "negative"),
    ] {
        let x = ep(&format!(
            "  <address uri=\"http://h/\"><suspendOnFailure><{element}>{text}</{element}></suspendOnFailure></address>"
        ));
        assert_error_at(&x, at(&x, &format!("<{element}")), needle);
    }
    for (element, text, needle) in [
        (
            "retriesBeforeSuspension",
            "three",
            "is not a whole number of retries",
        ),
        ("retryDelay", "5ms", "is not a duration"),
        ("retriesBeforeSuspension", "-3000000000", "too small"),
        ("errorCodes", "101504;101505", "is not an error code"),
    ] {
        let x = ep(&format!(
            "  <address uri=\"http://h/\"><markForSuspension><{element}>{text}</{element}></markForSuspension></address>"
        ));
        assert_error_at(&x, at(&x, &format!("<{element}")), needle);
    }
    let x = ep(
        "  <address uri=\"http://h/\"><retryConfig><disabledErrorCodes>x</disabledErrorCodes></retryConfig></address>",
    );
    assert_error_at(
        &x,
        at(&x, "<disabledErrorCodes"),
        "`x` is not an error code",
    );
}

#[test]
fn bad_response_action_and_expressions() {
    let x = ep(
        "  <address uri=\"http://h/\"><timeout><responseAction>retry</responseAction></timeout></address>",
    );
    assert_error_at(
        &x,
        at(&x, "<responseAction"),
        "unknown response action `retry` (expected `fault`, `discard` or `never`)",
    );
    let x =
        ep("  <address uri=\"http://h/\"><timeout><duration>{//[}</duration></timeout></address>");
    assert_error_at(&x, at(&x, "<duration"), "invalid XPath at column");
    let x =
        ep("  <address uri=\"http://h/\"><timeout><duration>{ }</duration></timeout></address>");
    assert_error_at(
        &x,
        at(&x, "<duration"),
        "the expression between the braces is empty",
    );
    let x = ep(
        "  <address uri=\"http://h/\"><timeout><duration>{//q:t}</duration></timeout></address>",
    );
    assert_error_at(&x, at(&x, "<duration"), "q");
}

#[test]
fn bad_leaf_attributes_and_qos() {
    let x = ep("  <address uri=\"http://h/\" format=\"json\"/>");
    assert_error_at(&x, after(&x, "format=\""), "unknown message format");
    let x = ep("  <address uri=\"http://h/\" optimize=\"gzip\"/>");
    assert_error_at(&x, after(&x, "optimize=\""), "expected `mtom` or `swa`");
    let x = ep("  <address uri=\"http://h/\" statistics=\"on\"/>");
    assert_error_at(
        &x,
        after(&x, "statistics=\""),
        "expected `enable` or `disable`",
    );
    let x = ep("  <address uri=\"http://h/\"><enableAddressing version=\"2004\"/></address>");
    assert_error_at(
        &x,
        after(&x, "version=\""),
        "expected `final` or `submission`",
    );
    let x =
        ep("  <address uri=\"http://h/\"><enableAddressing separateListener=\"yes\"/></address>");
    assert_error_at(
        &x,
        after(&x, "separateListener=\""),
        "expected `true` or `false`",
    );
    let x =
        ep("  <address uri=\"http://h/\"><enableSec policy=\"p\" inboundPolicy=\"i\"/></address>");
    assert_error_at(
        &x,
        after(&x, "policy=\""),
        "either `policy` or `inboundPolicy`",
    );
    let x = ep("  <address uri=\"http://h/\">text</address>");
    assert_error_at(&x, at(&x, "<address"), "unexpected text `text`");
    let x = ep(
        "  <address uri=\"http://h/\"><suspendDurationOnFailure>1</suspendDurationOnFailure><suspendOnFailure/></address>",
    );
    assert_error_at(
        &x,
        at(&x, "<suspendDurationOnFailure"),
        "keep `<suspendOnFailure>`",
    );
}

#[test]
fn bad_http_endpoints() {
    for (template, needle) in [
        ("http://h/{uri.var.id", "never closed"),
        ("http://h/{uri.var.a b}", "unexpected ` `"),
        ("http://h/{}", "empty expression"),
        ("http://h/{=x}", "reserved"),
        ("http://h/a b", "space"),
    ] {
        let x = ep(&format!("  <http uri-template=\"{template}\"/>"));
        assert_error_at(&x, after(&x, "uri-template=\""), needle);
        assert!(
            error(&x)
                .to_string()
                .contains("not a valid RFC 6570 URI template")
        );
    }
    let x = ep("  <http method=\"get\"/>");
    assert_error_at(&x, at(&x, "<http"), "missing attribute `uri-template`");
    let x = ep("  <http uri-template=\"http://h/\" method=\"fetch\"/>");
    assert_error_at(&x, after(&x, "method=\""), "unknown HTTP method");

    let x = ep(
        "  <http uri-template=\"http://h/\"><authentication><basicAuth><username>u</username></basicAuth></authentication></http>",
    );
    assert_error_at(&x, at(&x, "<basicAuth"), "needs a `<password>` element");
    let x = ep(
        "  <http uri-template=\"http://h/\"><authentication><basicAuth><username>u</username><password>p</password></basicAuth><oauth/></authentication></http>",
    );
    assert_error_at(
        &x,
        at(&x, "<authentication"),
        "exactly one of `<basicAuth>` or `<oauth>`",
    );
    let x = ep(
        "  <http uri-template=\"http://h/\"><authentication><oauth><clientCredentials><clientSecret>s</clientSecret><tokenUrl>http://t/</tokenUrl></clientCredentials></oauth></authentication></http>",
    );
    assert_error_at(
        &x,
        at(&x, "<clientCredentials"),
        "needs a `<clientId>` element",
    );
    let x = ep(
        "  <http uri-template=\"http://h/\"><authentication><oauth><clientCredentials><clientId>c</clientId><clientSecret>s</clientSecret><tokenUrl>http://t/</tokenUrl><authMode>body</authMode></clientCredentials></oauth></authentication></http>",
    );
    assert_error_at(&x, at(&x, "<authMode"), "expected `header` or `payload`");
    let x = ep(
        "  <http uri-template=\"http://h/\"><authentication><oauth><clientCredentials><clientId>c</clientId><clientSecret>s</clientSecret><tokenUrl>http://t/</tokenUrl><refreshToken>r</refreshToken></clientCredentials></oauth></authentication></http>",
    );
    assert_error_at(
        &x,
        at(&x, "<refreshToken"),
        "unknown child element `<refreshToken>`",
    );
}

#[test]
fn bad_load_balance() {
    let x = ep(
        "  <loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.RoundRobbin\"><endpoint key=\"a\"/></loadbalance>",
    );
    assert_error_at(
        &x,
        after(&x, "algorithm=\""),
        "unknown load-balance algorithm",
    );
    assert!(
        error(&x)
            .to_string()
            .contains("did you mean `org.apache.synapse.endpoints.algorithms.RoundRobin`?")
    );
    let x = ep(
        "  <loadbalance algorithm=\"com.acme.StickyAlgorithm\"><endpoint key=\"a\"/></loadbalance>",
    );
    assert_error_at(
        &x,
        after(&x, "algorithm=\""),
        "mediate cannot load algorithm classes",
    );
    let x = ep("  <loadbalance policy=\"random\"><endpoint key=\"a\"/></loadbalance>");
    assert_error_at(&x, after(&x, "policy=\""), "only `roundRobin`");
    let x = ep(
        "  <loadbalance policy=\"roundRobin\" algorithm=\"org.apache.synapse.endpoints.algorithms.RoundRobin\"><endpoint key=\"a\"/></loadbalance>",
    );
    assert_error_at(
        &x,
        after(&x, "algorithm=\""),
        "either `policy` or `algorithm`",
    );
    let x = ep("  <loadbalance/>");
    assert_error_at(
        &x,
        at(&x, "<loadbalance"),
        "needs at least one child `<endpoint>` or `<member>`",
    );
    let x = ep("  <loadbalance><endpoint key=\"a\"/><member hostName=\"h\"/></loadbalance>");
    assert_error_at(&x, at(&x, "<member"), "not both");
    let x = ep("  <loadbalance failover=\"maybe\"><endpoint key=\"a\"/></loadbalance>");
    assert_error_at(&x, after(&x, "failover=\""), "expected `true` or `false`");
    let x = ep("  <loadbalance><member hostName=\"h\" httpPort=\"http\"/></loadbalance>");
    assert_error_at(&x, after(&x, "httpPort=\""), "a port number");
    let x = ep("  <loadbalance><member hostName=\"h\" httpsPort=\"70000\"/></loadbalance>");
    assert_error_at(&x, after(&x, "httpsPort=\""), "too large");
    let x = ep("  <loadbalance><member httpPort=\"80\"/></loadbalance>");
    assert_error_at(&x, at(&x, "<member"), "missing attribute `hostName`");
    let x = ep("  <loadbalance><endpoint key=\"a\"/><endpoint key=\"a\"/></loadbalance>");
    assert_error_at(
        &x,
        after(&x, "<endpoint key=\"a\"/><endpoint key=\""),
        "cannot be used twice among siblings",
    );

    // Sessions.
    let x = ep("  <session type=\"cookie\"/>\n  <loadbalance><endpoint key=\"a\"/></loadbalance>");
    assert_error_at(&x, after(&x, "type=\""), "unknown session type");
    let x = ep("  <session type=\"http\"/>\n  <loadbalance><member hostName=\"h\"/></loadbalance>");
    assert_error_at(
        &x,
        at(&x, "<loadbalance"),
        "needs child `<endpoint>`s, not `<member>`s",
    );
    let x = ep("  <session type=\"http\"/>\n  <failover><endpoint key=\"a\"/></failover>");
    assert_error_at(
        &x,
        at(&x, "<session"),
        "belongs to a `<loadbalance>` endpoint",
    );
    let x = ep(
        "  <session type=\"http\"><sessionTimeout>soon</sessionTimeout></session>\n  <loadbalance><endpoint key=\"a\"/></loadbalance>",
    );
    assert_error_at(&x, at(&x, "<sessionTimeout"), "is not a duration");

    // Weighted algorithms read the children's weights.
    let x = ep(
        "  <loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.WeightedRoundRobin\">\n    <endpoint><address uri=\"http://a/\"/><property name=\"loadbalance.weight\" value=\"0\"/></endpoint>\n  </loadbalance>",
    );
    assert_error_at(&x, at(&x, "<endpoint><address"), "must be at least 1");
    let x = ep(
        "  <loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.WeightedRoundRobin\"><member hostName=\"h\"/></loadbalance>",
    );
    assert_error_at(&x, at(&x, "<loadbalance"), "not `<member>`s");
    let x = ep(
        "  <loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.WeightedRRLCAlgorithm\">\n    <endpoint><address uri=\"http://a/\"/></endpoint>\n  </loadbalance>",
    );
    assert_error_at(
        &x,
        at(&x, "<endpoint><address"),
        "needs a `<property name=\"loadbalance.weight\"",
    );
    let x = ep(
        "  <loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.WeightedRRLCAlgorithm\">\n    <endpoint key=\"a\"><property name=\"loadbalance.weight\" value=\"1\"/></endpoint>\n  </loadbalance>",
    );
    assert_error_at(&x, at(&x, "<endpoint key"), "address endpoints only");
}

#[test]
fn bad_failover_and_recipient_list() {
    let x = ep("  <failover/>");
    assert_error_at(
        &x,
        at(&x, "<failover"),
        "needs at least one child `<endpoint>`",
    );
    let x = ep("  <failover><member hostName=\"h\"/></failover>");
    assert_error_at(
        &x,
        at(&x, "<member"),
        "unknown child element `<member>` (expected `<endpoint>`)",
    );
    let x = ep("  <failover dynamic=\"sometimes\"><endpoint key=\"a\"/></failover>");
    assert_error_at(&x, after(&x, "dynamic=\""), "expected `true` or `false`");
    // A child's own error is located inside the child.
    let x = ep("  <failover>\n    <endpoint><address uri=\"nope\"/></endpoint>\n  </failover>");
    assert_error_at(&x, after(&x, "uri=\""), "has no scheme");

    let x = ep("  <recipientlist/>");
    assert_error_at(
        &x,
        at(&x, "<recipientlist"),
        "needs child `<endpoint>`s, `<member>`s or an `<endpoints",
    );
    let x = ep("  <recipientlist><endpoints value=\"http://a/,not a url\"/></recipientlist>");
    assert_error_at(&x, after(&x, "value=\""), "address `not a url`");
    let x = ep("  <recipientlist><endpoints value=\" , \"/></recipientlist>");
    assert_error_at(&x, after(&x, "value=\""), "lists no address");
    let x =
        ep("  <recipientlist><endpoints value=\"http://a/\" max-cache=\"many\"/></recipientlist>");
    assert_error_at(&x, after(&x, "max-cache=\""), "is not a cache size");
    let x = ep("  <recipientlist><endpoints value=\"{get-property(}\"/></recipientlist>");
    assert_error_at(&x, after(&x, "value=\""), "invalid XPath");
    let x = ep(
        "  <recipientlist><endpoints value=\"http://a/\"/><endpoint key=\"b\"/></recipientlist>",
    );
    assert_error_at(&x, at(&x, "<endpoint key"), "not both");
    let x = ep("  <recipientlist><target/></recipientlist>");
    assert_error_at(
        &x,
        at(&x, "<target"),
        "expected `<endpoint>`, `<member>`, `<endpoints>`",
    );
}

#[test]
fn bad_templates_and_properties() {
    let x = format!("<endpoint {NS} template=\"T\">\n  <parameter name=\"a\"/>\n</endpoint>");
    assert_error_at(&x, at(&x, "<parameter"), "missing attribute `value`");
    let x = format!(
        "<endpoint {NS} template=\"T\">\n  <parameter name=\"a\" value=\"1\"/>\n  <parameter name=\"a\" value=\"2\"/>\n</endpoint>"
    );
    assert_error_at(
        &x,
        at(&x, "a\" value=\"2\""),
        "parameter `a` is given twice",
    );
    let x = format!(
        "<endpoint {NS} template=\"T\" uri=\"http://h/\">\n  <parameter name=\"uri\" value=\"http://x/\"/>\n</endpoint>"
    );
    assert_error_at(
        &x,
        after(&x, "<parameter name=\""),
        "already set by the `<endpoint uri>` attribute",
    );
    let x = format!(
        "<endpoint {NS} template=\"T\">\n  <property name=\"a\" value=\"1\"/>\n</endpoint>"
    );
    assert_error_at(
        &x,
        at(&x, "<property"),
        "takes `<parameter>`s, not `<property>`s",
    );
    // A template's `uri` is a parameter the template decides about: passed through as MI
    // does, only an empty one is refused.
    let x = format!("<endpoint {NS} template=\"T\" uri=\"\"/>");
    assert_error_at(&x, after(&x, "uri=\""), "must not be empty");

    let x = ep("  <address uri=\"http://h/\"/>\n  <property name=\"a\"/>");
    assert_error_at(&x, at(&x, "<property"), "needs `value` or `expression`");
    let x = ep(
        "  <address uri=\"http://h/\"/>\n  <property name=\"a\" value=\"1\" expression=\"$ctx:a\"/>",
    );
    assert_error_at(
        &x,
        after(&x, "expression=\""),
        "either `value` or `expression`",
    );
    let x = ep(
        "  <address uri=\"http://h/\"/>\n  <property name=\"a\" value=\"1\" scope=\"transprt\"/>",
    );
    assert_error_at(&x, after(&x, "scope=\""), "did you mean `transport`?");
    let x =
        ep("  <address uri=\"http://h/\"/>\n  <property name=\"a\" expression=\"get-property(\"/>");
    assert_error_at(&x, after(&x, "expression=\""), "invalid XPath");
    let x = ep(
        "  <address uri=\"http://h/\"/>\n  <description>a</description>\n  <description>b</description>",
    );
    assert_error_at(
        &x,
        at(&x, "<description>b"),
        "is given twice in `<endpoint>`",
    );
}

#[test]
fn errors_without_positions_are_plain() {
    // A spec built in code carries no positions: the error is not located.
    let spec =
        MediatorSpec::new("endpoint").child(MediatorSpec::new("address").property("uri", "nope"));
    let err = EndpointDefinition::from_spec(&spec).unwrap_err();
    assert_eq!(err.position(), None);
    assert!(matches!(
        err,
        BuildError::InvalidElement { ref element, attribute: Some(ref a), .. } if element == "address" && a == "uri"
    ));
    // Duplicate attributes (possible in code) are refused.
    let spec = MediatorSpec::new("endpoint")
        .property("name", "a")
        .property("name", "b")
        .child(MediatorSpec::new("default"));
    assert!(
        EndpointDefinition::from_spec(&spec)
            .unwrap_err()
            .to_string()
            .contains("given twice")
    );
}

/// The message names the element once (the error's subject), then says what is wrong; the
/// reason does not repeat the element's name.
/// An endpoint is not a mediator: its errors name the element (and attribute) as XML.
#[test]
fn messages_read_as_xml() {
    for (inner, message) in [
        (
            "<address uri=\"http://h/\"><suspendOnFailure><initialDuration>soon</initialDuration></suspendOnFailure></address>",
            "`<initialDuration>`: `soon` is not a duration in milliseconds (a whole number ≥ 0, or -1 for the default)",
        ),
        (
            "<address uri=\"nope\"/>",
            "`<address uri>`: invalid value `nope`: has no scheme",
        ),
        ("<address/>", "`<address>`: missing attribute `uri`"),
        (
            "<failover/>",
            "`<failover>`: needs at least one child `<endpoint>`",
        ),
        (
            "<address uri=\"http://h/\"><timeout><duration>1</duration><duration>2</duration></timeout></address>",
            "`<duration>`: is given twice in `<timeout>`",
        ),
    ] {
        let x = ep(&format!("  {inner}"));
        let text = error(&x).without_position().to_string();
        assert!(
            text.starts_with(message),
            "`{message}` does not start `{text}`"
        );
        assert!(!text.contains("mediator"), "{text}");
    }
}

#[test]
fn messages_name_the_element_once() {
    for (xml, element, reason) in [
        (
            "<suspendOnFailure><initialDuration>soon</initialDuration></suspendOnFailure>",
            "initialDuration",
            "`soon` is not a duration in milliseconds (a whole number ≥ 0, or -1 for the default)",
        ),
        (
            "<suspendOnFailure><progressionFactor>NaN</progressionFactor></suspendOnFailure>",
            "progressionFactor",
            "`NaN` is not a finite number",
        ),
        (
            "<markForSuspension><errorCodes>101504;101505</errorCodes></markForSuspension>",
            "errorCodes",
            "`101504;101505` is not an error code",
        ),
        (
            "<timeout><duration>{ }</duration></timeout>",
            "duration",
            "the expression between the braces is empty",
        ),
        (
            "<timeout><duration>{//[}</duration></timeout>",
            "duration",
            "`{//[}`: invalid XPath at column",
        ),
        (
            "<suspendDurationOnFailure>x</suspendDurationOnFailure>",
            "suspendDurationOnFailure",
            "`x` is not a whole number of seconds",
        ),
        (
            "<retryConfig><disabledErrorCodes>x</disabledErrorCodes></retryConfig>",
            "disabledErrorCodes",
            "`x` is not an error code",
        ),
    ] {
        let x = ep(&format!("  <address uri=\"http://h/\">{xml}</address>"));
        let message = error(&x).without_position().to_string();
        assert!(message.contains(reason), "`{reason}` not in `{message}`");
        assert_eq!(
            message.matches(element).count(),
            1,
            "`{element}` named more than once in `{message}`"
        );
    }
    let x = ep("  <failover/>");
    let message = error(&x).without_position().to_string();
    assert_eq!(message.matches("failover").count(), 1, "{message}");
    let x = ep(
        "  <http uri-template=\"http://h/\"><authentication><basicAuth><username> </username><password>p</password></basicAuth></authentication></http>",
    );
    assert_error_at(&x, at(&x, "<username"), "must not be empty");
}
