//! Expression-level checks of three MI facts:
//! - `fn:concat(…)` as MI's docs write it (header mediator "Setting the endpoint URL
//!   dynamically", property mediator examples), with `fn` undeclared (Jaxen gives an undeclared
//!   function prefix no namespace, and the core functions have none) or bound to the XPath
//!   functions namespace;
//! - `get-property('FaultTo')` (Synapse's `GetPropertyFunction`: the FaultTo EPR's address);
//! - a `JSON` property holding a string prints as JSON text, `"Tom"` (MI enrich doc, JSON
//!   example 4), through `get-property` and `$ctx:`.
//!
//! Also checks that the XPath result types are reachable from `mediate_expr` alone.

mod support;

use mediate_expr::{
    Evaluated, Expression, Namespaces, XNode, XNodeType, XPATH_FUNCTIONS_NAMESPACE, XPathValue,
    xpath_format_number,
};
use mediate_message::{MessageContext, PropertyValue};
use serde_json::json;
use support::{eval, eval_ns, ns};

#[test]
fn mi_header_doc_fn_concat_without_declaring_fn() {
    // <header name="To" expression="fn:concat('http://localhost:9764/services/Axis2SampleService_',
    //   get-property('epr'))"/>: no xmlns:fn anywhere in the doc's configuration.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("epr", "Svc");
    assert_eq!(
        eval(
            &msg,
            "fn:concat('http://localhost:9764/services/Axis2SampleService_',get-property('epr'))"
        ),
        "http://localhost:9764/services/Axis2SampleService_Svc"
    );
}

#[test]
fn mi_property_doc_fn_concat_with_a_payload_path() {
    // <property name="symbol" expression="fn:concat('Normal Stock - ',
    //   //m0:getQuote/m0:request/m0:symbol)" xmlns:m0="http://services.samples"/>
    let msg = MessageContext::from_xml(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote></soapenv:Body></soapenv:Envelope>"#,
    );
    let m0 = ns(&[("m0", "http://services.samples")]);
    assert_eq!(
        eval_ns(
            &msg,
            "fn:concat('Normal Stock - ', //m0:getQuote/m0:request/m0:symbol)",
            &m0
        ),
        "Normal Stock - IBM"
    );
}

#[test]
fn fn_bound_to_the_xpath_functions_namespace() {
    let mut msg = MessageContext::from_json(r#"{"id":"A-1"}"#);
    msg.set_message_id("urn:uuid:42");
    let fns = ns(&[("fn", XPATH_FUNCTIONS_NAMESPACE)]);
    assert_eq!(
        eval_ns(
            &msg,
            "fn:concat(fn:substring-after(get-property('MessageID'), 'urn:uuid:'), '.xml')",
            &fns
        ),
        "42.xml"
    );
    assert_eq!(eval_ns(&msg, "fn:concat('id=', //id)", &fns), "id=A-1");
}

#[test]
fn undeclared_prefix_on_an_unknown_function_is_a_compile_error_at_its_column() {
    let e = Expression::compile("concat('a', zz:nothing())", &Namespaces::new()).unwrap_err();
    assert_eq!(e.column, 13);
    assert!(
        e.message.contains("undeclared namespace prefix 'zz'"),
        "{}",
        e.message
    );
}

#[test]
fn get_property_fault_to_is_the_fault_to_address() {
    let mut msg = MessageContext::from_xml("<a/>");
    assert_eq!(eval(&msg, "get-property('FaultTo')"), "");
    msg.addressing_mut().fault_to = Some("http://faults.example/errors".into());
    msg.addressing_mut().reply_to = Some("http://client.example".into());
    assert_eq!(
        eval(&msg, "get-property('FaultTo')"),
        "http://faults.example/errors"
    );
    assert_eq!(
        eval(&msg, "get-property('default', 'FaultTo')"),
        "http://faults.example/errors"
    );
    assert_eq!(
        eval(&msg, "get-property('ReplyTo')"),
        "http://client.example"
    );
    // The special names belong to the default scope only.
    assert_eq!(eval(&msg, "get-property('axis2', 'FaultTo')"), "");
}

#[test]
fn mi_enrich_doc_example4_json_string_property_is_quoted() {
    // <log level="custom"><property name="Student name is : " expression="get-property('Name')"/>
    // logs `Student name is :  = "Tom"`.
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    msg.set_property("Name", PropertyValue::Json(json!("Tom")));
    assert_eq!(eval(&msg, "get-property('Name')"), "\"Tom\"");
    assert_eq!(eval(&msg, "$ctx:Name"), "\"Tom\"");
    assert_eq!(
        eval(&msg, "concat('name=', get-property('Name'))"),
        "name=\"Tom\""
    );
    // A STRING property stays plain text.
    msg.set_property("Plain", "Tom");
    assert_eq!(eval(&msg, "get-property('Plain')"), "Tom");
}

#[test]
fn xpath_results_can_be_inspected_through_mediate_expr() {
    let msg = MessageContext::from_xml(r#"<order id="7"><item>a</item></order>"#);
    let e = Expression::compile("//order/@id | //item", &Namespaces::new()).unwrap();
    let Evaluated::XPath(value) = e.evaluate(&msg).unwrap() else {
        panic!("an XPath value");
    };
    let value: XPathValue<'_, '_> = value;
    let nodes = value.as_nodes().expect("a node-set");
    let kinds: Vec<XNodeType> = nodes.iter().map(XNode::node_type).collect();
    assert_eq!(kinds, [XNodeType::Attribute, XNodeType::Element]);
    assert!(matches!(nodes[0], XNode::Attribute(_, a) if a.value() == "7"));
    assert_eq!(nodes[0].string_value(), "7");
    assert_eq!(nodes[1].local_name(), "item");
    let count = Expression::compile("count(//item) div 2", &Namespaces::new()).unwrap();
    let Evaluated::XPath(XPathValue::Number(n)) = count.evaluate(&msg).unwrap() else {
        panic!("a number");
    };
    assert_eq!(xpath_format_number(n), "0.5");
}
