//! Synapse XPath over real messages: `get-property` (scopes and special names), the codec
//! functions, Synapse's XPath variables and `stringValueOf`, checked against MI's documentation
//! (`docs-mi: reference/synapse-properties/expressions.md`) and wso2-synapse's sources
//! (`GetPropertyFunction`, `SynapseXPathVariableContext`, `SynapseXPath.stringValueOf`,
//! `Base64EncodeFunction`, `URLEncodeFunction`).

mod support;

use std::collections::HashMap;

use mediate_expr::xpath::{SynapseXPath, XPathScope, synapse_string_value};
use mediate_message::{Fault, MessageContext, PropertyValue, Scope, XmlValue};
use mediate_xpath::Namespaces;
use support::{ORDER_XML, eval, eval_ns, ns, request, soap11, soap12};

const SYNAPSE_NS: &str = "http://ws.apache.org/ns/synapse";

// ----- get-property: default scope ------------------------------------------------------------

#[test]
fn get_property_reads_default_scope_string_property() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("customer", "ACME");
    assert_eq!(eval(&msg, "get-property('customer')"), "ACME");
    // get-property('default', …) is the same scope (GetPropertyFunction: SCOPE_DEFAULT).
    assert_eq!(eval(&msg, "get-property('default', 'customer')"), "ACME");
}

#[test]
fn get_property_of_unset_property_is_empty() {
    let msg = MessageContext::from_xml("<a/>");
    assert_eq!(eval(&msg, "get-property('nope')"), "");
    assert_eq!(eval(&msg, "string-length(get-property('nope'))"), "0.0");
    assert_eq!(eval(&msg, "concat('[', get-property('nope'), ']')"), "[]");
}

#[test]
fn get_property_with_empty_key_is_empty() {
    // GetPropertyFunction.evaluate: a null or "" key gives NULL_STRING.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("", "x");
    assert_eq!(eval(&msg, "get-property('')"), "");
    assert_eq!(eval(&msg, "get-property('axis2', '')"), "");
}

#[test]
fn get_property_typed_values_print_as_java_to_string() {
    // A property object is returned as is, and SynapseXPath.stringValueOf appends its
    // toString(): Boolean "true", Integer "5", Double "25.0", Float "1.1".
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("b", true);
    msg.set_property("i", 5);
    msg.set_property("l", 9_000_000_000_i64);
    msg.set_property("d", 25.0);
    msg.set_property("s", 7_i16);
    assert_eq!(eval(&msg, "get-property('b')"), "true");
    assert_eq!(eval(&msg, "get-property('i')"), "5");
    assert_eq!(eval(&msg, "get-property('l')"), "9000000000");
    assert_eq!(eval(&msg, "get-property('d')"), "25.0");
    assert_eq!(eval(&msg, "get-property('s')"), "7");
    assert_eq!(eval(&msg, "$ctx:i"), "5");
}

#[test]
fn get_property_float_prints_as_java_float() {
    // Java's Float.toString(1.1f) is "1.1", not the widened double 1.100000023841858.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("f", 1.1_f32);
    assert_eq!(eval(&msg, "get-property('f')"), "1.1");
    assert_eq!(eval(&msg, "$ctx:f"), "1.1");
}

#[test]
fn get_property_om_property_is_an_element() {
    // An OM property is an OMElement: stringValueOf gives its own text if it has some,
    // else its XML; XPath can also step into it.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property(
        "om",
        PropertyValue::Om(XmlValue::new("<cust><id>7</id><name>Ann</name></cust>")),
    );
    msg.set_property(
        "omText",
        PropertyValue::Om(XmlValue::new("<code>42</code>")),
    );
    assert_eq!(
        eval(&msg, "get-property('om')"),
        "<cust><id>7</id><name>Ann</name></cust>"
    );
    assert_eq!(eval(&msg, "get-property('omText')"), "42");
    assert_eq!(eval(&msg, "get-property('om')/name"), "Ann");
    assert_eq!(eval(&msg, "$ctx:om/id"), "7");
}

#[test]
fn get_property_json_property_prints_compact_json() {
    // SynapseXPath.stringValueOf: a JsonElement result is appended with toString() (compact).
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("j", serde_json::json!({"a": 1, "b": [true, null]}));
    assert_eq!(
        eval(&msg, "get-property('j')"),
        r#"{"a":1,"b":[true,null]}"#
    );
}

#[test]
fn get_property_two_args_with_non_scope_first_arg_is_name_and_date_format() {
    // GetPropertyFunction.call: with two arguments whose first is not a scope name, the first
    // is the key (default scope) and the second a date format (only SYSTEM_DATE uses it).
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("p", "v");
    assert_eq!(eval(&msg, "get-property('p', 'yyyy')"), "v");
}

#[test]
fn get_property_unknown_scope_is_empty() {
    // GetPropertyFunction.evaluate: "Invalid scope" falls through to NULL_STRING.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("p", "v");
    assert_eq!(eval(&msg, "get-property('nosuchscope', 'p', 'x')"), "");
}

// ----- get-property: other scopes -------------------------------------------------------------

#[test]
fn get_property_axis2_scope() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_scoped_property(Scope::Axis2, "myAxis2", "x2")
        .unwrap();
    msg.set_rest_url_postfix("/process");
    assert_eq!(eval(&msg, "get-property('axis2', 'myAxis2')"), "x2");
    // docs: $axis2:REST_URL_POSTFIX is equivalent to get-property('axis2','REST_URL_POSTFIX').
    assert_eq!(
        eval(&msg, "get-property('axis2','REST_URL_POSTFIX')"),
        "/process"
    );
    assert_eq!(eval(&msg, "$axis2:REST_URL_POSTFIX"), "/process");
    assert_eq!(eval(&msg, "$axis2:myAxis2"), "x2");
    // an axis2 property is not a default-scope one
    assert_eq!(eval(&msg, "get-property('myAxis2')"), "");
}

#[test]
fn get_property_transport_scope_is_case_insensitive() {
    // docs ($trp): HTTP transport headers are not case sensitive; $trp:Content-Type is
    // get-property('transport','Content-Type').
    let msg = request(
        "POST",
        "/stockQuote",
        &[("X-Trace", "t-1")],
        Some("application/json"),
        "{}",
    );
    assert_eq!(eval(&msg, "$trp:Content-Type"), "application/json");
    assert_eq!(eval(&msg, "$trp:CONTENT-TYPE"), "application/json");
    assert_eq!(
        eval(&msg, "get-property('transport','Content-Type')"),
        "application/json"
    );
    assert_eq!(eval(&msg, "get-property('transport','x-trace')"), "t-1");
    assert_eq!(eval(&msg, "get-property('transport','X-Missing')"), "");
    assert_eq!(eval(&msg, "$trp:X-Missing"), "");
}

#[test]
fn get_property_operation_scope() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_scoped_property(Scope::Operation, "opProp", "o1")
        .unwrap();
    assert_eq!(eval(&msg, "get-property('operation', 'opProp')"), "o1");
    assert_eq!(eval(&msg, "$operation:opProp"), "o1");
    assert_eq!(eval(&msg, "get-property('opProp')"), "");
}

#[test]
fn get_property_system_scope_unset_is_empty() {
    // GetPropertyFunction / SynapseXPathVariableContext: an unset system property is "".
    let msg = MessageContext::from_xml("<a/>");
    let name = "MEDIATE_TEST_SURELY_UNSET_5f1c0e";
    assert_eq!(eval(&msg, &format!("get-property('system', '{name}')")), "");
    assert_eq!(eval(&msg, &format!("$system:{name}")), "");
}

#[test]
fn get_property_func_scope_and_func_variable_read_template_params() {
    let msg = MessageContext::from_xml("<a/>");
    let params: HashMap<String, String> = [("message".to_owned(), "HelloWorld".to_owned())].into();
    let scope = XPathScope {
        function_params: Some(&params),
        ..XPathScope::default()
    };
    let eval_in = |expr: &str| {
        let x = SynapseXPath::compile(expr, &Namespaces::new()).unwrap();
        let v = x.evaluate_in(&msg, &scope).unwrap();
        synapse_string_value(&v, expr)
    };
    // docs ($func): <property name="message" expression="$func:message"/> in a template.
    assert_eq!(eval_in("$func:message"), "HelloWorld");
    assert_eq!(eval_in("get-property('func', 'message')"), "HelloWorld");
    assert_eq!(eval_in("$func:other"), "");
}

// ----- get-property: special names ------------------------------------------------------------

#[test]
fn get_property_to_action_and_message_id() {
    // GetPropertyFunction: To is the To EPR's address, Action the WSA action (SOAPAction),
    // MessageID the message id.
    let msg = request(
        "POST",
        "/services/StockQuoteProxy",
        &[("SOAPAction", "\"urn:getQuote\"")],
        Some("text/xml"),
        &soap11("", "<m:getQuote xmlns:m=\"urn:m\"/>"),
    );
    assert_eq!(
        eval(&msg, "get-property('To')"),
        "/services/StockQuoteProxy"
    );
    assert_eq!(eval(&msg, "get-property('Action')"), "urn:getQuote");
    assert_eq!(eval(&msg, "get-property('MessageID')"), msg.message_id());
    assert!(eval(&msg, "get-property('MessageID')").starts_with("urn:uuid:"));
    // no From / ReplyTo / RelatesTo / FaultTo on a plain HTTP request
    for name in ["From", "ReplyTo", "RelatesTo", "FaultTo"] {
        assert_eq!(eval(&msg, &format!("get-property('{name}')")), "", "{name}");
    }
}

#[test]
fn get_property_special_names_only_in_default_scope() {
    // GetPropertyFunction: To/Action/MessageID are special only for SCOPE_DEFAULT.
    let msg = request("POST", "/x", &[], Some("application/xml"), "<a/>");
    assert_eq!(eval(&msg, "get-property('axis2', 'To')"), "");
    assert_eq!(eval(&msg, "get-property('default', 'To')"), "/x");
}

#[test]
fn get_property_message_format() {
    // GetPropertyFunction: MESSAGE_FORMAT is pox for POX/REST, else soap11 or soap12.
    let soap11_msg = MessageContext::from_bytes(soap11("", "<a/>"), "text/xml");
    let soap12_msg = MessageContext::from_bytes(soap12("<a/>"), "application/soap+xml");
    assert_eq!(
        eval(&soap11_msg, "get-property('MESSAGE_FORMAT')"),
        "soap11"
    );
    assert_eq!(
        eval(&soap12_msg, "get-property('MESSAGE_FORMAT')"),
        "soap12"
    );
    let pox = request("POST", "/x", &[], Some("application/xml"), "<a/>");
    assert_eq!(eval(&pox, "get-property('MESSAGE_FORMAT')"), "pox");
    let json = request("POST", "/x", &[], Some("application/json"), "{\"a\":1}");
    assert_eq!(eval(&json, "get-property('MESSAGE_FORMAT')"), "pox");
}

#[test]
fn get_property_fault() {
    // GetPropertyFunction: FAULT is "true" when the envelope has a SOAP fault, else "".
    let fault = soap11(
        "",
        "<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>boom</faultstring></soapenv:Fault>",
    );
    let msg = MessageContext::from_bytes(fault, "text/xml");
    assert_eq!(eval(&msg, "get-property('FAULT')"), "true");
    let ok = MessageContext::from_bytes(soap11("", "<ok/>"), "text/xml");
    assert_eq!(eval(&ok, "get-property('FAULT')"), "");
}

#[test]
fn get_property_error_facts_and_ctx_variable() {
    // docs ($ctx): $ctx:ERROR_MESSAGE is equivalent to get-property('ERROR_MESSAGE').
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_fault(Fault {
        code: Some(101503),
        message: Some("Couldn't find the endpoint with the key : ep2".into()),
        detail: Some("detail".into()),
        exception: None,
    });
    let expected = "Couldn't find the endpoint with the key : ep2";
    assert_eq!(eval(&msg, "$ctx:ERROR_MESSAGE"), expected);
    assert_eq!(eval(&msg, "get-property('ERROR_MESSAGE')"), expected);
    assert_eq!(eval(&msg, "get-property('ERROR_CODE')"), "101503");
    assert_eq!(eval(&msg, "get-property('ERROR_DETAIL')"), "detail");
    assert_eq!(eval(&msg, "get-property('ERROR_EXCEPTION')"), "");
}

#[test]
fn get_property_system_time_is_epoch_millis_in_any_scope() {
    // GetPropertyFunction: SYSTEM_TIME is System.currentTimeMillis(), whatever the scope.
    let msg = MessageContext::from_xml("<a/>");
    let before = chrono::Utc::now().timestamp_millis();
    for expr in [
        "get-property('SYSTEM_TIME')",
        "get-property('axis2', 'SYSTEM_TIME')",
        "get-property('transport', 'SYSTEM_TIME')",
    ] {
        let t: i64 = eval(&msg, expr).parse().expect(expr);
        let after = chrono::Utc::now().timestamp_millis();
        assert!(before <= t && t <= after, "{expr}: {t}");
    }
}

#[test]
fn get_property_system_date_formats() {
    // GetPropertyFunction: SYSTEM_DATE is formatted with the SimpleDateFormat pattern given as
    // the second argument (2-arg form) or third (3-arg form), whatever the scope.
    let msg = MessageContext::from_xml("<a/>");
    let year = chrono::Local::now().format("%Y").to_string();
    assert_eq!(eval(&msg, "get-property('SYSTEM_DATE', 'yyyy')"), year);
    assert_eq!(
        eval(&msg, "get-property('default', 'SYSTEM_DATE', 'yyyy')"),
        year
    );
    assert_eq!(
        eval(&msg, "get-property('axis2', 'SYSTEM_DATE', 'yyyy')"),
        year
    );
    let iso = eval(&msg, "get-property('SYSTEM_DATE', \"yyyy-MM-dd'T'HH:mm\")");
    assert!(
        chrono::NaiveDateTime::parse_from_str(&iso, "%Y-%m-%dT%H:%M").is_ok(),
        "{iso}"
    );
    // no pattern: new SimpleDateFormat() (en_US, CLDR: "M/d/yy, h:mm a")
    let default = eval(&msg, "get-property('SYSTEM_DATE')");
    assert!(default.contains('/') && default.contains(':'), "{default}");
}

// ----- Synapse XPath variables ----------------------------------------------------------------

#[test]
fn body_variable_docs_example_serializes_with_namespace() {
    // docs ($body): $body//m0:getQuote logs the element with its namespace declaration.
    let env = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m0="http://services.samples"><soapenv:Body><m0:getQuote><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote></soapenv:Body></soapenv:Envelope>"#;
    let msg = MessageContext::from_bytes(env, "text/xml");
    let n = ns(&[("m0", "http://services.samples")]);
    assert_eq!(
        eval_ns(&msg, "$body//m0:getQuote", &n),
        r#"<m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote>"#
    );
    assert_eq!(eval_ns(&msg, "$body//m0:symbol", &n), "IBM");
}

#[test]
fn header_variable_docs_example() {
    // docs ($header): $header/wsa:To is the addressing To header.
    let header = r#"<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">http://localhost:9000/services/SimpleStockQuoteService</wsa:To>"#;
    let msg = MessageContext::from_bytes(soap11(header, "<a/>"), "text/xml");
    let n = ns(&[("wsa", "http://www.w3.org/2005/08/addressing")]);
    assert_eq!(
        eval_ns(&msg, "$header/wsa:To", &n),
        "http://localhost:9000/services/SimpleStockQuoteService"
    );
}

#[test]
fn env_variable_docs_example_over_json_payload() {
    // docs ($env): for the JSON payload {"content":{…}} the XPath
    // $env/*[local-name()='Body']/*[local-name()='jsonObject']/* selects <content>.
    let msg = request(
        "POST",
        "/soapEnvelopeTest",
        &[],
        Some("application/json"),
        r#"{"content":{ "paramA": "ValueA", "paramB": "valueB" }}"#,
    );
    let path = "$env/*[local-name()='Body']/*[local-name()='jsonObject']/*";
    assert_eq!(eval(&msg, &format!("count({path})")), "1.0");
    assert_eq!(eval(&msg, &format!("local-name({path})")), "content");
    assert_eq!(eval(&msg, &format!("{path}/paramA")), "ValueA");
    assert_eq!(eval(&msg, "local-name($env)"), "Envelope");
    assert_eq!(eval(&msg, "local-name($body)"), "Body");
}

#[test]
fn body_header_env_on_pox_message() {
    // A POX message sits in an implicit SOAP envelope: $body/order and //order both find it.
    let msg = MessageContext::from_xml(ORDER_XML);
    assert_eq!(eval(&msg, "$body/order/total"), "1500");
    assert_eq!(eval(&msg, "count($body/*)"), "1.0");
    assert_eq!(eval(&msg, "count($header/*)"), "0.0");
    // MI's implicit envelope for POX has no Header (docs: `<soapenv:Envelope …><soapenv:Body/>`)
    assert_eq!(eval(&msg, "count($env/*)"), "1.0");
    assert_eq!(eval(&msg, "local-name($env/*)"), "Body");
}

#[test]
fn prefixed_body_variable_is_still_the_body() {
    // SynapseXPathVariableContext.getVariableValue checks the local name body/header/env
    // before the prefix, so $ctx:body is the SOAP Body too (not a property named "body").
    let mut msg = MessageContext::from_xml("<order><id>1</id></order>");
    msg.set_property("body", "a property");
    assert_eq!(eval(&msg, "local-name($ctx:body)"), "Body");
    assert_eq!(eval(&msg, "$ctx:body/order/id"), "1");
}

#[test]
fn url_variable_reads_decoded_query_parameters() {
    // docs ($url): To /query/edit?a=wso2&b=2.4 gives $url:a = wso2, $url:b = 2.4.
    // SynapseXPathVariableContext: names match ignoring case, values are URL-decoded,
    // a missing parameter is "".
    let msg = request(
        "GET",
        "/query/edit?a=wso2&b=2.4&q=hello%20world",
        &[],
        None,
        "",
    );
    assert_eq!(eval(&msg, "$url:a"), "wso2");
    assert_eq!(eval(&msg, "$url:b"), "2.4");
    assert_eq!(eval(&msg, "$url:A"), "wso2");
    assert_eq!(eval(&msg, "$url:q"), "hello world");
    assert_eq!(eval(&msg, "$url:missing"), "");
}

#[test]
fn ctx_axis2_trp_unset_are_empty() {
    let msg = MessageContext::from_xml("<a/>");
    for expr in ["$ctx:nope", "$axis2:nope", "$trp:nope", "$operation:nope"] {
        assert_eq!(eval(&msg, expr), "", "{expr}");
    }
}

#[test]
fn unknown_variable_is_an_evaluation_error() {
    // SynapseXPathVariableContext falls back to the parent context, which throws
    // UnresolvableException: the expression compiles but fails when evaluated.
    let msg = MessageContext::from_xml("<a/>");
    for expr in ["$nosuch", "$foo:bar"] {
        let x = mediate_expr::Expression::compile(expr, &Namespaces::new()).expect(expr);
        assert!(x.evaluate_string(&msg).is_err(), "{expr}");
    }
}

// ----- base64 and url codecs ------------------------------------------------------------------

#[test]
fn base64_docs_examples() {
    // docs: base64Encode('This is a test value') / base64Decode('VGhpcyBpcyBhIHRlc3QgdmFsdWU=').
    let msg = MessageContext::from_xml("<a/>");
    assert_eq!(
        eval(&msg, "base64Encode('This is a test value')"),
        "VGhpcyBpcyBhIHRlc3QgdmFsdWU="
    );
    assert_eq!(
        eval(&msg, "base64Decode('VGhpcyBpcyBhIHRlc3QgdmFsdWU=')"),
        "This is a test value"
    );
}

#[test]
fn base64_charsets() {
    // Base64EncodeFunction: DEFAULT_CHARSET is UTF-8; the second argument names the charset.
    let msg = MessageContext::from_xml("<a/>");
    assert_eq!(eval(&msg, "base64Encode('é')"), "w6k=");
    assert_eq!(eval(&msg, "base64Encode('é', 'UTF-8')"), "w6k=");
    assert_eq!(eval(&msg, "base64Encode('é', 'ISO-8859-1')"), "6Q==");
    assert_eq!(eval(&msg, "base64Decode('6Q==', 'ISO-8859-1')"), "é");
    // an empty value encodes to "" (Base64EncodeFunction.encode)
    assert_eq!(eval(&msg, "base64Encode('')"), "");
}

#[test]
fn base64_of_payload_values() {
    let msg = MessageContext::from_xml("<creds><user>admin</user><pass>secret</pass></creds>");
    assert_eq!(
        eval(&msg, "base64Encode(concat(//user, ':', //pass))"),
        "YWRtaW46c2VjcmV0"
    );
}

#[test]
fn url_encode_docs_example_is_encode_path_query() {
    let msg = MessageContext::from_xml("<a/>");
    assert_eq!(
        eval(&msg, "url-encode('http://this is a test url')"),
        "http://this%20is%20a%20test%20url"
    );
}

#[test]
fn url_encode_and_decode_round_trip() {
    let msg = MessageContext::from_xml("<q>a b&amp;c=é</q>");
    assert_eq!(eval(&msg, "url-decode(url-encode(//q))"), "a b&c=é");
    assert_eq!(eval(&msg, "url-decode('a%20b%C3%A9')"), "a bé");
    assert_eq!(eval(&msg, "url-encode('abcXYZ019')"), "abcXYZ019");
}

// ----- stringValueOf --------------------------------------------------------------------------

#[test]
fn docs_xpath_table() {
    // docs ("XPath Syntax" table, payload in the synapse namespace as in the docs' config).
    let payload = ORDER_XML.replacen("<order>", &format!("<order xmlns=\"{SYNAPSE_NS}\">"), 1);
    let msg = MessageContext::from_xml(payload);
    let n = ns(&[("ns", SYNAPSE_NS)]);
    assert_eq!(eval_ns(&msg, "//ns:order/ns:total", &n), "1500");
    assert_eq!(eval_ns(&msg, "//ns:total", &n), "1500");
    assert_eq!(eval_ns(&msg, "//ns:customer/@id", &n), "1100");
    assert_eq!(eval_ns(&msg, "//ns:item[@id='102']/ns:name", &n), "Laptop");
    assert_eq!(eval_ns(&msg, "sum(//ns:item/ns:price)", &n), "1500.0");
}

#[test]
fn numbers_booleans_and_strings() {
    // Non-list results are appended with toString(): Jaxen numbers are Doubles.
    let msg = MessageContext::from_xml(ORDER_XML);
    assert_eq!(eval(&msg, "count(//item)"), "2.0");
    assert_eq!(eval(&msg, "//total * 1.2"), "1800.0");
    assert_eq!(eval(&msg, "//total div 0"), "Infinity");
    assert_eq!(eval(&msg, "number('x')"), "NaN");
    assert_eq!(eval(&msg, "10000000 * 1"), "1.0E7");
    assert_eq!(eval(&msg, "count(//item) = 2"), "true");
    assert_eq!(eval(&msg, "string(//total)"), "1500");
    assert_eq!(eval(&msg, "concat(//customer/name, '!')"), "John Doe!");
}

#[test]
fn single_element_gives_trimmed_own_text() {
    // stringValueOf: one element → its getText() (direct text children), NBSP as space, trimmed.
    let msg = MessageContext::from_xml(
        "<r><a>  padded  </a><b>\u{a0}nb\u{a0}</b><m> x <c>y</c> z </m></r>",
    );
    assert_eq!(eval(&msg, "//a"), "padded");
    assert_eq!(eval(&msg, "//b"), "nb");
    // only the element's own text counts, not its descendants'
    assert_eq!(eval(&msg, "//m"), "x  z");
}

#[test]
fn single_element_without_text_gives_its_xml() {
    let msg = MessageContext::from_xml("<r><p><q>1</q><q>2</q></p></r>");
    assert_eq!(eval(&msg, "//p"), "<p><q>1</q><q>2</q></p>");
}

#[test]
fn several_nodes_are_appended() {
    // stringValueOf: each element of a multi-node result is serialized (its text trimmed),
    // text nodes appended as text, attributes as their values.
    let msg = MessageContext::from_xml(ORDER_XML);
    assert_eq!(
        eval(&msg, "//item/name"),
        "<name>Smartphone</name><name>Laptop</name>"
    );
    assert_eq!(eval(&msg, "//item/name/text()"), "SmartphoneLaptop");
    assert_eq!(eval(&msg, "//item/@id"), "101102");
    assert_eq!(eval(&msg, "//customer/@id | //total/text()"), "11001500");
}

#[test]
fn text_node_gives_raw_text() {
    let msg = MessageContext::from_xml("<r><a>  spaced &amp; raw  </a></r>");
    assert_eq!(eval(&msg, "//a/text()"), "  spaced & raw  ");
}

#[test]
fn node_function_returns_the_node_itself() {
    // docs ("How to retrieve the XML node itself"): $body/child::node() gives the element.
    // stringValueOf: with node() in the expression, a single text node gives its parent.
    let msg = MessageContext::from_xml("<msg>hi</msg>");
    assert_eq!(eval(&msg, "$body/msg"), "hi");
    assert_eq!(eval(&msg, "$body/child::node()"), "<msg>hi</msg>");
    assert_eq!(eval(&msg, "//msg/node()"), "<msg>hi</msg>");
    assert_eq!(eval(&msg, "//msg/text()"), "hi");
}

#[test]
fn comments_are_skipped() {
    // stringValueOf appends only text, elements, documents and attributes.
    let msg = MessageContext::from_xml("<r><!--note--><a>1</a></r>");
    assert_eq!(eval(&msg, "//comment()"), "");
    assert_eq!(eval(&msg, "//r/node()"), "<a>1</a>");
}

#[test]
fn serialized_element_keeps_inherited_namespaces() {
    let msg = MessageContext::from_xml(
        r#"<p:root xmlns:p="urn:p" xmlns="urn:d"><p:a><b>1</b><b>2</b></p:a></p:root>"#,
    );
    let n = ns(&[("p", "urn:p"), ("d", "urn:d")]);
    // Axiom's toString() declares what the fragment uses; it puts `xmlns="urn:d"` on each <b>,
    // we put it on the fragment's start tag: the same XML infoset either way.
    let a = eval_ns(&msg, "//p:a", &n);
    assert_eq!(
        a,
        r#"<p:a xmlns:p="urn:p" xmlns="urn:d"><b>1</b><b>2</b></p:a>"#
    );
    let doc = mediate_xpath::roxmltree::Document::parse(&a).expect("serialized XML parses");
    let b = doc.descendants().find(|d| d.has_tag_name("b")).unwrap();
    assert_eq!(b.tag_name().namespace(), Some("urn:d"));
    assert_eq!(
        eval_ns(&msg, "//d:b", &n),
        r#"<b xmlns="urn:d">1</b><b xmlns="urn:d">2</b>"#
    );
}

#[test]
fn clark_names_are_bound_to_generated_prefixes() {
    // SynapseXPath.parseXPathString: {uri}local steps get prefixes rp0, rp1, ….
    let env = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote></soapenv:Body></soapenv:Envelope>"#;
    let msg = MessageContext::from_bytes(env, "text/xml");
    let x = SynapseXPath::compile(
        "//{http://services.samples}request/{http://services.samples}symbol",
        &Namespaces::new(),
    )
    .unwrap();
    assert_eq!(x.string_value_of(&msg).unwrap(), "IBM");
}

#[test]
fn xpath_over_json_payload_sees_mi_mapping() {
    // A JSON payload is read through MI's JSON→XML mapping (<jsonObject> root in the Body).
    let msg =
        MessageContext::from_json(r#"{"order":{"id":"A-1","items":[{"sku":"x"},{"sku":"y"}]}}"#);
    assert_eq!(eval(&msg, "$body/jsonObject/order/id"), "A-1");
    assert_eq!(eval(&msg, "count(//items)"), "2.0");
    assert_eq!(eval(&msg, "//items[2]/sku"), "y");
}

#[test]
fn malformed_payload_fails_only_content_aware_xpaths() {
    // SynapseXPath: an XPath with a '/' (or get-property('From'/'FAULT')) is content-aware and
    // builds the message, so a malformed payload is an error; other XPaths run without
    // building it: a fault sequence can still log get-property('ERROR_MESSAGE').
    let mut msg = MessageContext::from_xml("<a><b></a>");
    msg.set_property("x", "still here");
    let n = Namespaces::new();
    let run = |e: &str| {
        mediate_expr::Expression::compile(e, &n)
            .unwrap()
            .evaluate_string(&msg)
    };
    assert!(run("//b").is_err());
    assert!(run("count($body/*)").is_err());
    assert_eq!(run("get-property('x')").unwrap(), "still here");
    assert_eq!(run("$ctx:x").unwrap(), "still here");
    assert_eq!(run("concat($ctx:x, '!')").unwrap(), "still here!");
    // $ctx/$trp/$axis2 and the transport/system/registry scopes make an XPath not
    // content-aware, even with a '/'
    assert_eq!(run("concat($ctx:x, '/')").unwrap(), "still here/");
    assert_eq!(run("get-property('transport', 'X-None')").unwrap(), "");
}
