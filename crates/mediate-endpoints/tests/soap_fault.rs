//! `FORCE_ERROR_ON_SOAP_FAULT` over real loopback HTTP: a backend's SOAP fault taken as an
//! endpoint failure (`ERROR_CODE` 500000, suspension, failover), as Synapse's
//! `SynapseCallbackReceiver` does, and left alone without the property or for anything that is
//! not a SOAP fault.

mod runtime_support;
mod support;

use mediate_core::{
    Env, Flow, MediationError, Mediator, MessageContext, Scope, Sequence, async_trait, mediator_fn,
};
use mediate_endpoints::runtime::{ENDPOINT_CUSTOM_ERROR, FORCE_ERROR_ON_SOAP_FAULT};
use mediate_endpoints::{CallOutcome, EndpointDefinition, EndpointState, Endpoints};
use runtime_support::{Backend, Reply, sender};

const SOAP11_FAULT: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>Order service unavailable</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;

const SOAP12_FAULT: &str = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Stock unavailable</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>"#;

const SOAP11_OK: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><m:order xmlns:m="urn:orders"><m:id>7</m:id></m:order></soapenv:Body></soapenv:Envelope>"#;

const REQUEST: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><m:getOrder xmlns:m="urn:orders"><m:id>7</m:id></m:getOrder></soapenv:Body></soapenv:Envelope>"#;

fn def(xml: &str) -> EndpointDefinition {
    support::endpoint(xml)
}

fn reply(status: u16, content_type: &str, body: &str) -> Reply {
    Reply::Respond {
        status,
        headers: vec![("content-type".into(), content_type.into())],
        body: body.as_bytes().to_vec(),
    }
}

/// A backend that always answers with `status`, `content_type` and `body`.
async fn backend(status: u16, content_type: &'static str, body: &'static str) -> Backend {
    Backend::start(move |_| reply(status, content_type, body)).await
}

/// A SOAP 1.1 request; with `force`, holding `FORCE_ERROR_ON_SOAP_FAULT=true` (default scope).
fn request(force: bool) -> MessageContext {
    let mut msg = MessageContext::from_bytes(REQUEST, "text/xml");
    msg.set_transport_header("SOAPAction", "urn:getOrder")
        .expect("header");
    if force {
        msg.set_property(FORCE_ERROR_ON_SOAP_FAULT, "true");
    }
    msg
}

async fn body_text(msg: &mut MessageContext) -> String {
    msg.read_body().await.expect("response body");
    msg.payload_as_text().expect("text").to_owned()
}

fn text_property(msg: &MessageContext, name: &str) -> Option<String> {
    msg.property(name).map(|v| v.as_string())
}

/// The `call` mediator, as far as these tests need it: sends through `endpoint` and fails the
/// flow with the endpoint's error.
#[derive(Debug)]
struct Call(EndpointDefinition);

#[async_trait]
impl Mediator for Call {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        let endpoints = env.extension::<Endpoints>().expect("endpoints in the env");
        endpoints.call(Some(&self.0), msg, env).await?;
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        "call"
    }
}

/// A flow `call → mark "after_call"`, with a `fault` sequence that records what a fault
/// sequence reads: `ERROR_CODE`, `ERROR_MESSAGE`, `ERROR_DETAIL` and the status.
fn flow(endpoints: &Endpoints, ep: EndpointDefinition) -> (Env, Sequence) {
    let fault = Sequence::named("fault").then(mediator_fn("record", |msg: &mut MessageContext| {
        let fault = msg.fault().cloned().unwrap_or_default();
        msg.set_property("seen_code", fault.code.unwrap_or_default());
        msg.set_property(
            "seen_message",
            fault.message.unwrap_or_else(|| "<unset>".into()),
        );
        msg.set_property(
            "seen_detail",
            fault.detail.unwrap_or_else(|| "<unset>".into()),
        );
        let status = msg.status().map_or(0, |s| i32::from(s.as_u16()));
        msg.set_property("seen_status", status);
        Ok::<_, MediationError>(Flow::Continue)
    }));
    let env = Env::builder()
        .extension(endpoints.clone())
        .sequence("fault", fault)
        .build();
    let main = Sequence::named("main").then(Call(ep)).then(mediator_fn(
        "after",
        |msg: &mut MessageContext| {
            msg.set_property("after_call", true);
            Ok::<_, MediationError>(Flow::Continue)
        },
    ));
    (env, main)
}

#[tokio::test]
async fn a_soap_fault_with_the_property_runs_the_fault_sequence_with_error_code_500000() {
    let b = backend(500, "text/xml; charset=UTF-8", SOAP11_FAULT).await;
    let endpoints = Endpoints::builder(sender())
        .endpoint(
            "Orders",
            def(&format!(
                r#"<endpoint><address uri="{}"/></endpoint>"#,
                b.url("/orders")
            )),
        )
        .build()
        .unwrap();
    let (env, main) = flow(&endpoints, EndpointDefinition::indirect("Orders"));
    let mut msg = request(true);
    let outcome = env
        .run(&main, &mut msg)
        .await
        .expect("the fault sequence ran");
    assert_eq!(outcome, Flow::Stop);
    assert_eq!(ENDPOINT_CUSTOM_ERROR, 500_000);
    assert_eq!(text_property(&msg, "seen_code").as_deref(), Some("500000"));
    // Synapse sets only ERROR_CODE on this path: no message or detail of its own.
    assert_eq!(text_property(&msg, "seen_message").as_deref(), Some(""));
    assert_eq!(
        text_property(&msg, "seen_detail").as_deref(),
        Some("<unset>")
    );
    // The fault handler gets the response message: its status and the fault envelope.
    assert_eq!(text_property(&msg, "seen_status").as_deref(), Some("500"));
    assert!(
        msg.property("after_call").is_none(),
        "the flow did not go on"
    );
    assert_eq!(body_text(&mut msg).await, SOAP11_FAULT);
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "FAULT_MESSAGE")
            .map(|v| v.as_string())
            .as_deref(),
        Some("true")
    );
    // 500000 is not a timeout code and no suspend codes are listed: the endpoint is suspended.
    let status = endpoints.status("Orders").unwrap();
    assert!(
        matches!(status.state, EndpointState::Suspended { .. }),
        "{status:?}"
    );
    assert!(!status.active);
    assert_eq!(b.hits(), 1);
}

#[tokio::test]
async fn without_the_property_a_soap_fault_is_an_ordinary_response() {
    let b = backend(500, "text/xml", SOAP11_FAULT).await;
    let endpoints = Endpoints::builder(sender())
        .endpoint(
            "Orders",
            def(&format!(
                r#"<endpoint><address uri="{}"/></endpoint>"#,
                b.url("/orders")
            )),
        )
        .build()
        .unwrap();
    let (env, main) = flow(&endpoints, EndpointDefinition::indirect("Orders"));
    let mut msg = request(false);
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert!(msg.property("after_call").is_some());
    assert!(msg.property("seen_code").is_none(), "no fault sequence");
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(body_text(&mut msg).await, SOAP11_FAULT);
    assert_eq!(
        endpoints.status("Orders").unwrap().state,
        EndpointState::Active
    );

    // Called directly (no mediator reading the body), the response body stays a stream; a
    // property value other than the string "true" does not count either.
    for value in [None, Some("TRUE"), Some("false")] {
        let mut direct = request(false);
        if let Some(v) = value {
            direct.set_property(FORCE_ERROR_ON_SOAP_FAULT, v);
        }
        let outcome = endpoints
            .call(
                Some(&EndpointDefinition::indirect("Orders")),
                &mut direct,
                &env,
            )
            .await
            .unwrap();
        assert_eq!(outcome, CallOutcome::Response, "{value:?}");
        assert!(direct.has_unread_body(), "{value:?}: the body is not read");
        assert_eq!(body_text(&mut direct).await, SOAP11_FAULT);
    }
}

#[tokio::test]
async fn a_soap_12_fault_is_a_failure_too() {
    let b = backend(500, "application/soap+xml; charset=UTF-8", SOAP12_FAULT).await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let ep = def(&format!(
        r#"<endpoint><address uri="{}"/></endpoint>"#,
        b.url("/stock")
    ));
    let mut msg = request(true);
    let err = endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 500_000);
    assert!(err.is_backend());
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(msg.content_type(), "application/soap+xml; charset=UTF-8");
    assert_eq!(body_text(&mut msg).await, SOAP12_FAULT);
}

#[tokio::test]
async fn the_status_does_not_matter_only_the_envelope() {
    // A fault with 200 is a fault (Synapse asks the envelope, not the status).
    let ok_status = backend(200, "text/xml", SOAP11_FAULT).await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let ep = def(&format!(
        r#"<endpoint><address uri="{}"/></endpoint>"#,
        ok_status.url("/")
    ));
    let err = endpoints
        .call(Some(&ep), &mut request(true), &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 500_000);
}

#[tokio::test]
async fn a_500_that_is_not_a_soap_fault_flows_back_unchanged() {
    let json = r#"{"error":"Order service unavailable"}"#;
    let cases: [(&'static str, &'static str); 4] = [
        ("application/json", json),
        ("text/plain", "Order service unavailable"),
        // An XML error document is not a SOAP fault.
        ("text/xml", "<error><reason>down</reason></error>"),
        // A SOAP envelope sent as plain XML: Axis2's ApplicationXMLBuilder wraps it, so its
        // fault is not the envelope's.
        ("application/xml", SOAP11_FAULT),
    ];
    for (ct, body) in cases {
        let b = backend(500, ct, body).await;
        let endpoints = Endpoints::builder(sender())
            .endpoint(
                "Orders",
                def(&format!(
                    r#"<endpoint><address uri="{}"/></endpoint>"#,
                    b.url("/orders")
                )),
            )
            .build()
            .unwrap();
        let mut msg = request(true);
        let outcome = endpoints
            .call(
                Some(&EndpointDefinition::indirect("Orders")),
                &mut msg,
                &Env::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("{ct}: {e}"));
        assert_eq!(outcome, CallOutcome::Response, "{ct}");
        assert_eq!(msg.status().map(|s| s.as_u16()), Some(500), "{ct}");
        assert!(msg.content_type().starts_with(ct), "{ct}");
        assert_eq!(body_text(&mut msg).await, body, "{ct}");
        assert_eq!(
            endpoints.status("Orders").unwrap().state,
            EndpointState::Active,
            "{ct}: a response is a success"
        );
    }
}

#[tokio::test]
async fn an_ordinary_soap_response_read_for_the_check_keeps_every_byte() {
    let b = backend(200, "text/xml", SOAP11_OK).await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let ep = def(&format!(
        r#"<endpoint><address uri="{}"/></endpoint>"#,
        b.url("/orders")
    ));
    let mut msg = request(true);
    let outcome = endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(outcome, CallOutcome::Response);
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(body_text(&mut msg).await, SOAP11_OK);
    let envelope = msg.envelope().expect("envelope");
    assert_eq!(
        envelope.first_body_child().map(|n| n.tag_name().name()),
        Some("order")
    );
}

#[tokio::test]
async fn failover_moves_to_the_next_child_on_a_soap_fault_with_the_property() {
    let primary = backend(500, "text/xml", SOAP11_FAULT).await;
    let secondary = backend(200, "text/xml", SOAP11_OK).await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint name="P"><address uri="{}"/></endpoint>
            <endpoint name="S"><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        primary.url("/p"),
        secondary.url("/s")
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("FO", fo)
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("FO");

    let mut msg = request(true);
    let outcome = endpoints
        .call(Some(&key), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(outcome, CallOutcome::Response);
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(body_text(&mut msg).await, SOAP11_OK);
    // The secondary got the request, not the fault.
    let sent = secondary.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text(), REQUEST);
    assert_eq!(sent[0].header("soapaction"), Some("urn:getOrder"));
    // The primary is suspended: the next message goes straight to the secondary.
    let mut again = request(true);
    endpoints
        .call(Some(&key), &mut again, &Env::default())
        .await
        .unwrap();
    assert_eq!(primary.hits(), 1);
    assert_eq!(secondary.hits(), 2);
}

#[tokio::test]
async fn failover_without_the_property_answers_with_the_fault() {
    let primary = backend(500, "text/xml", SOAP11_FAULT).await;
    let secondary = backend(200, "text/xml", SOAP11_OK).await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        primary.url("/p"),
        secondary.url("/s")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = request(false);
    endpoints
        .call(Some(&fo), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(body_text(&mut msg).await, SOAP11_FAULT);
    assert_eq!(secondary.hits(), 0);
}

#[tokio::test]
async fn when_every_failover_child_faults_the_fault_handler_gets_the_request() {
    let first = backend(500, "text/xml", SOAP11_FAULT).await;
    let second = backend(500, "application/soap+xml", SOAP12_FAULT).await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        first.url("/a"),
        second.url("/b")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let (env, main) = flow(&endpoints, fo);
    let mut msg = request(true);
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    // The last child's code stays (Synapse's informFailure keeps it once an endpoint ran).
    assert_eq!(text_property(&msg, "seen_code").as_deref(), Some("500000"));
    // Synapse's failover passes the request message context on (and restores its envelope).
    assert_eq!(msg.status(), None);
    assert_eq!(body_text(&mut msg).await, REQUEST);
    assert_eq!((first.hits(), second.hits()), (1, 1));
}

#[tokio::test]
async fn retry_config_and_suspend_codes_decide_with_code_500000() {
    // disabledErrorCodes 500000: the failover does not try the next child.
    let primary = backend(500, "text/xml", SOAP11_FAULT).await;
    let secondary = backend(200, "text/xml", SOAP11_OK).await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{}">
                <retryConfig><disabledErrorCodes>500000</disabledErrorCodes></retryConfig>
            </address></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        primary.url("/p"),
        secondary.url("/s")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let err = endpoints
        .call(Some(&fo), &mut request(true), &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 500_000);
    assert_eq!(secondary.hits(), 0);

    // suspendOnFailure codes without 500000: the endpoint fails the message but stays active.
    let b = backend(500, "text/xml", SOAP11_FAULT).await;
    let endpoints = Endpoints::builder(sender())
        .endpoint(
            "Orders",
            def(&format!(
                r#"<endpoint><address uri="{}">
                    <suspendOnFailure><errorCodes>101503</errorCodes></suspendOnFailure>
                </address></endpoint>"#,
                b.url("/orders")
            )),
        )
        .build()
        .unwrap();
    let err = endpoints
        .call(
            Some(&EndpointDefinition::indirect("Orders")),
            &mut request(true),
            &Env::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 500_000);
    assert_eq!(
        endpoints.status("Orders").unwrap().state,
        EndpointState::Active
    );

    // markForSuspension codes with 500000: the endpoint times out instead.
    let endpoints = Endpoints::builder(sender())
        .endpoint(
            "Orders",
            def(&format!(
                r#"<endpoint><address uri="{}">
                    <markForSuspension><errorCodes>500000</errorCodes><retriesBeforeSuspension>3</retriesBeforeSuspension></markForSuspension>
                </address></endpoint>"#,
                b.url("/orders")
            )),
        )
        .build()
        .unwrap();
    endpoints
        .call(
            Some(&EndpointDefinition::indirect("Orders")),
            &mut request(true),
            &Env::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        endpoints.status("Orders").unwrap().state,
        EndpointState::Timeout { .. }
    ));
}

#[tokio::test]
async fn a_load_balancer_sends_the_request_to_its_next_child() {
    let faulty = backend(500, "text/xml", SOAP11_FAULT).await;
    let healthy = backend(200, "text/xml", SOAP11_OK).await;
    let lb = def(&format!(
        r#"<endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        faulty.url("/a"),
        healthy.url("/b")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = request(true);
    endpoints
        .call(Some(&lb), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(body_text(&mut msg).await, SOAP11_OK);
    assert_eq!(healthy.requests()[0].text(), REQUEST);

    // Every child faulting: the message takes the last fault response.
    let a = backend(500, "text/xml", SOAP11_FAULT).await;
    let b = backend(500, "application/soap+xml", SOAP12_FAULT).await;
    let lb = def(&format!(
        r#"<endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        a.url("/a"),
        b.url("/b")
    ));
    let mut msg = request(true);
    let err = endpoints
        .call(Some(&lb), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 500_000);
    assert_eq!(body_text(&mut msg).await, SOAP12_FAULT);
}

#[tokio::test]
async fn an_endpoint_property_sets_it_and_on_error_sees_the_fault_response() {
    let b = backend(500, "text/xml", SOAP11_FAULT).await;
    let ep = def(&format!(
        r#"<endpoint onError="epError">
            <address uri="{}"/>
            <property name="FORCE_ERROR_ON_SOAP_FAULT" value="true"/>
        </endpoint>"#,
        b.url("/orders")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let env = Env::builder()
        .sequence(
            "epError",
            Sequence::named("epError").then(mediator_fn("mark", |msg: &mut MessageContext| {
                let code = msg.fault().and_then(|f| f.code).unwrap_or_default();
                msg.set_property("handled", code);
                Ok::<_, MediationError>(Flow::Continue)
            })),
        )
        .build();
    let mut msg = request(false);
    let outcome = endpoints.call(Some(&ep), &mut msg, &env).await.unwrap();
    assert_eq!(outcome, CallOutcome::Handled);
    assert_eq!(text_property(&msg, "handled").as_deref(), Some("500000"));
    assert_eq!(body_text(&mut msg).await, SOAP11_FAULT);
}

#[tokio::test]
async fn an_implicit_send_to_the_to_address_is_never_checked() {
    let b = backend(500, "text/xml", SOAP11_FAULT).await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = request(true);
    msg.addressing_mut().to = Some(b.url("/direct"));
    let outcome = endpoints
        .call(None, &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(outcome, CallOutcome::Response);
    assert_eq!(body_text(&mut msg).await, SOAP11_FAULT);

    // A declared `<default/>` endpoint is an endpoint: checked.
    let mut msg = request(true);
    msg.addressing_mut().to = Some(b.url("/direct"));
    let err = endpoints
        .call(
            Some(&def("<endpoint><default/></endpoint>")),
            &mut msg,
            &Env::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 500_000);
}
