//! WS-Addressing `FaultTo` through the header and fault mediators, and MI's documented
//! `fn:concat` in a header expression. Facts: Synapse's `HeaderMediator` (HM: `FaultTo` set is
//! `synCtx.setFaultTo(new EndpointReference(value))`, remove sets it to null), `FaultMediator`
//! (FM: `makeSOAPFault` sets `To` to `getFaultTo()`, else `getReplyTo()`, else null; then
//! `markAsResponse` sets `To` to `getReplyTo()`), the MI Fault Mediator reference (doc: "The
//! fault message's To header is set to the Fault-To of the original message (if such a header
//! exists in the original message)") and the MI Header Mediator reference ("Setting the
//! endpoint URL dynamically", which writes `fn:concat` without declaring `fn`).

use mediate_core::{Env, Flow, Mediator, MediatorSpec, MessageContext, Namespaces, Registry};
use mediate_mediators::header::{HeaderConfig, HeaderMediator};
use mediate_mediators::makefault::{MakeFaultConfig, ReasonSpec};

fn header(spec: MediatorSpec) -> HeaderMediator {
    HeaderConfig::from_spec(&spec, &Registry::new())
        .and_then(HeaderConfig::build)
        .expect("builds")
}

async fn fault(cfg: MakeFaultConfig, msg: &mut MessageContext) {
    let m = cfg.build().expect("builds");
    assert_eq!(
        m.mediate(msg, &Env::default()).await.expect("mediates"),
        Flow::Continue
    );
}

fn get(msg: &MessageContext, expr: &str) -> String {
    mediate_core::Expression::compile(expr, &Namespaces::new())
        .unwrap()
        .evaluate_string(msg)
        .unwrap()
}

#[test]
fn hm_fault_to_is_set_and_removed() {
    let mut msg = MessageContext::from_xml("<a/>");
    header(
        MediatorSpec::new("header")
            .property("name", "FaultTo")
            .property("value", "http://faults.example/errors"),
    )
    .apply(&mut msg)
    .unwrap();
    assert_eq!(
        msg.addressing().fault_to.as_deref(),
        Some("http://faults.example/errors")
    );
    // get-property('FaultTo') reads it back (GetPropertyFunction: the FaultTo address).
    assert_eq!(
        get(&msg, "get-property('FaultTo')"),
        "http://faults.example/errors"
    );
    // Only FaultTo changed, and the payload is untouched.
    assert_eq!(msg.addressing().reply_to, None);
    assert_eq!(msg.payload_as_text().unwrap(), "<a/>");
    header(
        MediatorSpec::new("header")
            .property("name", "FaultTo")
            .property("action", "remove"),
    )
    .apply(&mut msg)
    .unwrap();
    assert_eq!(msg.addressing().fault_to, None);
    assert_eq!(get(&msg, "get-property('FaultTo')"), "");
}

#[test]
fn hm_fault_to_from_an_expression() {
    let mut msg = MessageContext::from_json(r#"{"callback":{"errors":"http://cb/errors"}}"#);
    header(
        MediatorSpec::new("header")
            .property("name", "FaultTo")
            .property("expression", "json-eval($.callback.errors)"),
    )
    .apply(&mut msg)
    .unwrap();
    assert_eq!(
        msg.addressing().fault_to.as_deref(),
        Some("http://cb/errors")
    );
}

#[test]
fn mi_header_doc_sets_to_with_fn_concat() {
    // <header name="To" expression="fn:concat('http://localhost:9764/services/Axis2SampleService_',
    //   get-property('epr'))"/>, `fn` declared nowhere.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_property("epr", "Svc");
    header(MediatorSpec::new("header").property("name", "To").property(
        "expression",
        "fn:concat('http://localhost:9764/services/Axis2SampleService_',get-property('epr'))",
    ))
    .apply(&mut msg)
    .unwrap();
    assert_eq!(
        msg.to(),
        Some("http://localhost:9764/services/Axis2SampleService_Svc")
    );
}

// FM.makeSOAPFault: To <- FaultTo first. With response="false" nothing overrides it.
#[tokio::test(flavor = "current_thread")]
async fn fm_soap_fault_goes_to_fault_to() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.set_message_id("urn:uuid:m1");
    msg.addressing_mut().to = Some("http://backend".into());
    msg.addressing_mut().reply_to = Some("http://client/replies".into());
    msg.addressing_mut().fault_to = Some("http://client/faults".into());
    fault(
        MakeFaultConfig::soap11("Server", ReasonSpec::value("r")).response(false),
        &mut msg,
    )
    .await;
    assert!(!msg.is_response());
    assert_eq!(msg.to(), Some("http://client/faults"));
    assert_eq!(msg.addressing().relates_to.as_deref(), Some("urn:uuid:m1"));
    // FaultTo itself is kept.
    assert_eq!(
        msg.addressing().fault_to.as_deref(),
        Some("http://client/faults")
    );

    // SOAP 1.2 the same; without FaultTo, ReplyTo; without either, no To.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().to = Some("http://backend".into());
    msg.addressing_mut().reply_to = Some("http://client/replies".into());
    fault(
        MakeFaultConfig::soap12("Receiver", ReasonSpec::value("r")).response(false),
        &mut msg,
    )
    .await;
    assert_eq!(msg.to(), Some("http://client/replies"));
    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().to = Some("http://backend".into());
    fault(
        MakeFaultConfig::soap11("Client", ReasonSpec::value("r")).response(false),
        &mut msg,
    )
    .await;
    assert_eq!(msg.to(), None);
}

// FM.mediate: markAsResponse (the default) then sets To to ReplyTo, over FaultTo.
#[tokio::test(flavor = "current_thread")]
async fn fm_response_true_ends_with_reply_to() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().reply_to = Some("http://client/replies".into());
    msg.addressing_mut().fault_to = Some("http://client/faults".into());
    fault(
        MakeFaultConfig::soap11("Server", ReasonSpec::value("r")),
        &mut msg,
    )
    .await;
    assert!(msg.is_response());
    assert_eq!(msg.to(), Some("http://client/replies"));
    // No ReplyTo: To is cleared even though FaultTo is set.
    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().fault_to = Some("http://client/faults".into());
    fault(
        MakeFaultConfig::soap11("Server", ReasonSpec::value("r")),
        &mut msg,
    )
    .await;
    assert_eq!(msg.to(), None);
}

// FM.makePOXFault does not touch To; a POX fault with response="false" keeps it.
#[tokio::test(flavor = "current_thread")]
async fn fm_pox_fault_ignores_fault_to() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().to = Some("http://backend".into());
    msg.addressing_mut().fault_to = Some("http://client/faults".into());
    fault(
        MakeFaultConfig::pox(ReasonSpec::value("r")).response(false),
        &mut msg,
    )
    .await;
    assert_eq!(msg.to(), Some("http://backend"));
}

// The header mediator and the fault mediator together, as a sequence would run them.
#[tokio::test(flavor = "current_thread")]
async fn header_fault_to_then_makefault_from_spec() {
    let mut msg = MessageContext::from_xml("<a/>");
    msg.addressing_mut().reply_to = Some("http://client/replies".into());
    header(
        MediatorSpec::new("header")
            .property("name", "FaultTo")
            .property("value", "http://client/faults"),
    )
    .apply(&mut msg)
    .unwrap();
    let spec = MediatorSpec::new("makefault")
        .property("version", "soap11")
        .property("response", "false")
        .child(
            MediatorSpec::new("code")
                .property("value", "soap11Env:Server")
                .namespaces({
                    let mut n = Namespaces::new();
                    n.insert("soap11Env", mediate_core::message::SOAP11_NS);
                    n
                }),
        )
        .child(MediatorSpec::new("reason").property("value", "failed"));
    fault(
        MakeFaultConfig::from_spec(&spec, &Registry::new()).unwrap(),
        &mut msg,
    )
    .await;
    assert_eq!(msg.to(), Some("http://client/faults"));
}
