//! `<call blocking="true">` against real loopback HTTP backends: what MI 4.4's blocking client
//! gives the message (errors, headers, `OUT_ONLY`, group endpoints), next to the non-blocking
//! call, which stays as it was.

#[path = "../../mediate-endpoints/tests/runtime_support/mod.rs"]
mod support;

mod flows;

use flows::{address, sequence};

use std::time::{Duration, Instant};

use mediate_core::{
    Env, Flow, MediationError, MediatorSpec, MessageContext, Registry, Scope, Sequence, mediator_fn,
};
use mediate_endpoints::{EndpointDefinition, Endpoints};
use mediate_mediators::call::CallConfig;
use support::{Backend, Reply, refused_url, sender};

/// A sequence whose last step copies what the test wants to see into properties.
fn observed(specs: Vec<MediatorSpec>) -> Sequence {
    sequence("main", specs).then(mediator_fn("observe", |msg: &mut MessageContext| {
        let text = msg.payload_as_text().unwrap_or_default().to_owned();
        let status = msg.status().map(|s| s.as_u16().to_string());
        msg.set_property("seen.payload", text);
        msg.set_property("seen.status", status.unwrap_or_default());
        Ok::<_, MediationError>(Flow::Continue)
    }))
}

/// The `fault` sequence: copies the fault facts and the message's state into properties.
fn fault_sequence() -> Sequence {
    Sequence::named("fault").then(mediator_fn("record", |msg: &mut MessageContext| {
        let get = |msg: &MessageContext, name: &str| {
            msg.scoped_property(Scope::Default, name)
                .map(|v| v.as_string())
                .unwrap_or_default()
        };
        let code = get(msg, "ERROR_CODE");
        let message = get(msg, "ERROR_MESSAGE");
        let detail = get(msg, "ERROR_DETAIL");
        let sender_error = get(msg, "BLOCKING_SENDER_ERROR");
        let status = msg.status().map(|s| s.as_u16().to_string());
        let payload = msg.payload_as_text().unwrap_or_default().to_owned();
        msg.set_property("fault.code", code);
        msg.set_property("fault.message", message);
        msg.set_property("fault.detail", detail);
        msg.set_property("fault.sender_error", sender_error);
        msg.set_property("fault.status", status.unwrap_or_default());
        msg.set_property("fault.payload", payload);
        Ok::<_, MediationError>(Flow::Continue)
    }))
}

fn env_with(endpoints: &Endpoints) -> Env {
    Env::builder()
        .extension(endpoints.clone())
        .sequence("fault", fault_sequence())
        .build()
}

fn endpoints() -> Endpoints {
    Endpoints::builder(sender()).build().unwrap()
}

fn prop(msg: &MessageContext, name: &str) -> Option<String> {
    msg.property(name).map(|v| v.as_string())
}

/// `<call [blocking="true"]>` with `endpoint`.
fn call(blocking: bool, endpoint: MediatorSpec) -> MediatorSpec {
    let call = MediatorSpec::new("call").child(endpoint);
    if blocking {
        call.property("blocking", "true")
    } else {
        call
    }
}

fn request() -> MessageContext {
    let mut msg = MessageContext::from_json(r#"{"symbol":"IBM"}"#);
    msg.set_transport_header("x-request", "kept").unwrap();
    msg
}

#[tokio::test]
async fn a_blocking_call_keeps_the_request_headers_and_takes_the_response_body() {
    let backend =
        Backend::start(|_| Reply::json(r#"{"price":10}"#).with_header("x-response", "r")).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, address(&backend.url("/quote")))]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(
        prop(&msg, "seen.payload").as_deref(),
        Some(r#"{"price":10}"#)
    );
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("200"));
    assert_eq!(msg.content_type(), "application/json");
    assert_eq!(msg.transport_header("x-request").as_deref(), Some("kept"));
    assert_eq!(msg.transport_header("x-response"), None);
    assert_eq!(
        prop(&msg, "BLOCKING_SENDER_ERROR").as_deref(),
        Some("false")
    );
    assert_eq!(backend.requests()[0].text(), r#"{"symbol":"IBM"}"#);

    // BLOCKING_SENDER_PRESERVE_REQ_HEADERS=false: the response's headers instead.
    let mut msg = request();
    msg.set_property("BLOCKING_SENDER_PRESERVE_REQ_HEADERS", "false");
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(msg.transport_header("x-response").as_deref(), Some("r"));
    assert_eq!(msg.transport_header("x-request"), None);

    // Non-blocking: the response's headers, as before.
    let main = observed(vec![call(false, address(&backend.url("/quote")))]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(msg.transport_header("x-response").as_deref(), Some("r"));
    assert_eq!(prop(&msg, "BLOCKING_SENDER_ERROR"), None);
}

#[tokio::test]
async fn an_error_status_is_a_fault_in_blocking_mode_only() {
    let backend = Backend::start(|_| Reply::text(404, "no such thing")).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);

    let blocking = observed(vec![call(true, address(&backend.url("/")))]);
    let mut msg = request();
    assert_eq!(env.run(&blocking, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
    assert_eq!(
        prop(&msg, "fault.message").as_deref(),
        Some("Transport error: 404 Error: Not Found")
    );
    assert_eq!(prop(&msg, "fault.status").as_deref(), Some("404"));
    assert_eq!(
        prop(&msg, "fault.payload").as_deref(),
        Some(r#"{"symbol":"IBM"}"#),
        "the message keeps the request"
    );
    assert_eq!(prop(&msg, "fault.sender_error").as_deref(), Some("true"));
    assert_eq!(prop(&msg, "seen.status"), None, "the sequence stopped");

    let non_blocking = observed(vec![call(false, address(&backend.url("/")))]);
    let mut msg = request();
    assert_eq!(
        env.run(&non_blocking, &mut msg).await.unwrap(),
        Flow::Continue
    );
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("404"));
    assert_eq!(prop(&msg, "seen.payload").as_deref(), Some("no such thing"));
    assert_eq!(prop(&msg, "fault.code"), None);
}

#[tokio::test]
async fn a_soap_fault_answer_reaches_the_fault_sequence_with_the_fault_envelope() {
    const FAULT: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>Stock not found</faultstring><detail>IBM is unknown</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    let backend = Backend::start(|_| Reply::Respond {
        status: 500,
        headers: vec![("content-type".into(), "text/xml; charset=UTF-8".into())],
        body: FAULT.as_bytes().to_vec(),
    })
    .await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, address(&backend.url("/")))]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
    assert_eq!(
        prop(&msg, "fault.message").as_deref(),
        Some("Stock not found")
    );
    assert_eq!(
        prop(&msg, "fault.detail").as_deref(),
        Some("IBM is unknown")
    );
    assert_eq!(prop(&msg, "fault.status").as_deref(), Some("500"));
    assert_eq!(prop(&msg, "fault.payload").as_deref(), Some(FAULT));
    assert_eq!(msg.transport_header("x-request").as_deref(), Some("kept"));
}

#[tokio::test]
async fn transport_failures_have_the_blocking_error_code() {
    let down = refused_url().await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, address(&down))]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
    assert_eq!(
        prop(&msg, "fault.message").as_deref(),
        Some("Error connecting to the back end")
    );
    assert_eq!(prop(&msg, "fault.sender_error").as_deref(), Some("true"));
    assert_eq!(
        prop(&msg, "fault.payload").as_deref(),
        Some(r#"{"symbol":"IBM"}"#)
    );

    // Non-blocking keeps the endpoint runtime's code.
    let main = observed(vec![call(false, address(&down))]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("101503"));
}

#[tokio::test]
async fn a_discarding_timeout_still_faults_a_blocking_call() {
    let backend = Backend::start(|_| Reply::text(200, "late").after(Duration::from_secs(3))).await;
    let leaf = |n: &str, t: &str| MediatorSpec::new(n).text(t);
    let endpoint = MediatorSpec::new("endpoint").child(
        MediatorSpec::new("address")
            .property("uri", backend.url("/"))
            .child(
                MediatorSpec::new("timeout")
                    .child(leaf("duration", "200"))
                    .child(leaf("responseAction", "discard")),
            ),
    );
    let endpoints = endpoints();
    let env = env_with(&endpoints);

    let blocking = observed(vec![call(true, endpoint.clone())]);
    let mut msg = request();
    assert_eq!(env.run(&blocking, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
    assert_eq!(prop(&msg, "fault.message").as_deref(), Some("Send timeout"));

    let non_blocking = observed(vec![call(false, endpoint)]);
    let mut msg = request();
    assert_eq!(env.run(&non_blocking, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code"), None, "discarded without a fault");
}

#[tokio::test]
async fn an_out_only_blocking_call_waits_for_the_status_and_keeps_the_message() {
    let backend =
        Backend::start(|_| Reply::text(202, "ignored").after(Duration::from_millis(300))).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![
        MediatorSpec::new("property")
            .property("name", "OUT_ONLY")
            .property("value", "true"),
        call(true, address(&backend.url("/"))),
    ]);
    let mut msg = request();
    let started = Instant::now();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert!(started.elapsed() >= Duration::from_millis(300), "it waited");
    assert_eq!(backend.hits(), 1);
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("202"));
    assert_eq!(
        prop(&msg, "seen.payload").as_deref(),
        Some(r#"{"symbol":"IBM"}"#)
    );

    // A failure reaches the fault sequence (non-blocking out-only only logs it).
    let down = refused_url().await;
    let main = observed(vec![
        MediatorSpec::new("property")
            .property("name", "OUT_ONLY")
            .property("value", "true"),
        call(true, address(&down)),
    ]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
}

#[tokio::test]
async fn a_property_target_keeps_body_and_headers_in_blocking_mode() {
    let backend =
        Backend::start(|_| Reply::json(r#"{"stock":3}"#).with_header("x-response", "r")).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![
        call(true, address(&backend.url("/"))).child(
            MediatorSpec::new("target")
                .property("type", "property")
                .text("RESULT"),
        ),
    ]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(prop(&msg, "RESULT").as_deref(), Some(r#"{"stock":3}"#));
    assert_eq!(
        prop(&msg, "seen.payload").as_deref(),
        Some(r#"{"symbol":"IBM"}"#)
    );
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("200"));
    assert_eq!(msg.transport_header("x-request").as_deref(), Some("kept"));
    assert_eq!(msg.transport_header("x-response"), None);
}

#[tokio::test]
async fn a_blocking_call_fails_over_to_the_next_child() {
    let down = refused_url().await;
    let backend = Backend::start(|_| Reply::json(r#"{"from":"backup"}"#)).await;
    let failover = MediatorSpec::new("endpoint").child(
        MediatorSpec::new("failover")
            .child(address(&down))
            .child(address(&backend.url("/"))),
    );
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, failover)]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(
        prop(&msg, "seen.payload").as_deref(),
        Some(r#"{"from":"backup"}"#)
    );
}

fn recipient_list(a: &str, b: &str) -> MediatorSpec {
    MediatorSpec::new("endpoint").child(
        MediatorSpec::new("recipientlist")
            .child(address(a))
            .child(address(b)),
    )
}

#[tokio::test]
async fn a_recipient_list_is_refused_in_blocking_mode() {
    let backend = Backend::start(|_| Reply::json("{}")).await;
    let list = recipient_list(&backend.url("/a"), &backend.url("/b"));

    // Inline: refused when built, naming the call.
    let err = CallConfig::from_spec(&call(true, list.clone()), &Registry::new()).unwrap_err();
    assert!(err.to_string().contains("recipientlist"), "{err}");
    assert!(err.to_string().contains("call"), "{err}");
    // Non-blocking: accepted.
    CallConfig::from_spec(&call(false, list.clone()), &Registry::new()).unwrap();

    // By key: refused for each message, nothing sent.
    let endpoints = Endpoints::builder(sender())
        .endpoint("Everyone", EndpointDefinition::from_spec(&list).unwrap())
        .build()
        .unwrap();
    let env = env_with(&endpoints);
    let keyed = MediatorSpec::new("endpoint").property("key", "Everyone");
    let main = observed(vec![call(true, keyed)]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401001"));
    assert!(
        prop(&msg, "fault.message")
            .unwrap_or_default()
            .contains("Everyone"),
        "{:?}",
        prop(&msg, "fault.message")
    );
    assert_eq!(backend.hits(), 0);
}

#[tokio::test]
async fn force_sc_accepted_answers_nothing_early_in_blocking_mode() {
    use mediate_core::exchange::{Responder, force_sc_accepted};
    use std::sync::{Arc, Mutex};

    let backend = Backend::start(|_| Reply::json("{}")).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    for blocking in [true, false] {
        let replies: Arc<Mutex<Vec<u16>>> = Arc::default();
        let seen = Arc::clone(&replies);
        let mut msg = request();
        msg.extensions_mut()
            .insert(Responder::new(move |m: MessageContext| {
                seen.lock()
                    .unwrap()
                    .push(m.status().map_or(0, |s| s.as_u16()));
            }));
        force_sc_accepted(&mut msg);
        let main = observed(vec![call(blocking, address(&backend.url("/")))]);
        assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
        let expected: &[u16] = if blocking { &[] } else { &[202] };
        assert_eq!(
            replies.lock().unwrap().as_slice(),
            expected,
            "blocking={blocking}"
        );
    }
}

/// An address endpoint suspended for 60 s by the codes in `codes`.
fn suspending(url: &str, codes: &str) -> MediatorSpec {
    let leaf = |n: &str, t: &str| MediatorSpec::new(n).text(t);
    MediatorSpec::new("endpoint").child(
        MediatorSpec::new("address").property("uri", url).child(
            MediatorSpec::new("suspendOnFailure")
                .child(leaf("errorCodes", codes))
                .child(leaf("initialDuration", "60000")),
        ),
    )
}

fn named(name: &str, spec: &MediatorSpec) -> Endpoints {
    Endpoints::builder(sender())
        .endpoint(name, EndpointDefinition::from_spec(spec).unwrap())
        .build()
        .unwrap()
}

fn by_key(name: &str) -> MediatorSpec {
    MediatorSpec::new("endpoint").property("key", name)
}

#[tokio::test]
async fn an_error_status_makes_a_blocking_failover_try_the_next_child() {
    let broken = Backend::start(|_| Reply::text(500, "broken")).await;
    let backup = Backend::start(|_| Reply::json(r#"{"from":"backup"}"#)).await;
    let failover = MediatorSpec::new("endpoint").child(
        MediatorSpec::new("failover")
            .child(address(&broken.url("/")))
            .child(address(&backup.url("/"))),
    );
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, failover.clone())]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(
        prop(&msg, "seen.payload").as_deref(),
        Some(r#"{"from":"backup"}"#)
    );
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("200"));
    assert_eq!(
        prop(&msg, "BLOCKING_SENDER_ERROR").as_deref(),
        Some("false")
    );
    assert_eq!(broken.hits(), 1);
    assert_eq!(backup.requests()[0].text(), r#"{"symbol":"IBM"}"#);

    // Non-blocking: the 500 is the response, the backup is not asked.
    let main = observed(vec![call(false, failover)]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    assert_eq!(prop(&msg, "seen.status").as_deref(), Some("500"));
    assert_eq!(prop(&msg, "seen.payload").as_deref(), Some("broken"));
    assert_eq!(backup.hits(), 1);
}

#[tokio::test]
async fn an_error_status_suspends_an_endpoint_listing_401002_in_blocking_mode_only() {
    let backend = Backend::start(|_| Reply::text(500, "down")).await;
    let spec = suspending(&backend.url("/"), "401002");

    let endpoints = named("Svc", &spec);
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, by_key("Svc"))]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
    assert_eq!(
        prop(&msg, "fault.message").as_deref(),
        Some("Transport error: 500 Error: Internal Server Error")
    );
    assert_eq!(prop(&msg, "fault.status").as_deref(), Some("500"));
    assert_eq!(
        prop(&msg, "fault.payload").as_deref(),
        Some(r#"{"symbol":"IBM"}"#)
    );
    // Suspended: the next call fails with 303001 without reaching the backend.
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("303001"));
    assert_eq!(prop(&msg, "fault.sender_error").as_deref(), Some("true"));
    assert_eq!(backend.hits(), 1);

    // Non-blocking: a 500 is a response and suspends nothing.
    let endpoints = named("Svc", &spec);
    let env = env_with(&endpoints);
    let main = observed(vec![call(false, by_key("Svc"))]);
    for _ in 0..2 {
        let mut msg = request();
        assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
        assert_eq!(prop(&msg, "seen.status").as_deref(), Some("500"));
    }
    assert_eq!(backend.hits(), 3);
    assert!(endpoints.status("Svc").unwrap().active);
}

#[tokio::test]
async fn a_soap_fault_suspends_an_endpoint_listing_401002_in_blocking_mode() {
    const FAULT: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>Stock not found</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    let backend = Backend::start(|_| Reply::Respond {
        status: 200,
        headers: vec![("content-type".into(), "text/xml".into())],
        body: FAULT.as_bytes().to_vec(),
    })
    .await;
    let endpoints = named("Svc", &suspending(&backend.url("/"), "401002"));
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, by_key("Svc"))]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
    assert_eq!(
        prop(&msg, "fault.message").as_deref(),
        Some("Stock not found")
    );
    assert_eq!(prop(&msg, "fault.status").as_deref(), Some("200"));
    assert_eq!(prop(&msg, "fault.payload").as_deref(), Some(FAULT));
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("303001"));
    assert_eq!(backend.hits(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_401002_to_the_endpoint_in_blocking_mode() {
    let down = refused_url().await;
    // Listing the non-blocking code: MI's blocking client reports 401002, so no suspension.
    let endpoints = named("Svc", &suspending(&down, "101503"));
    let env = env_with(&endpoints);
    let main = observed(vec![call(true, by_key("Svc"))]);
    for _ in 0..2 {
        let mut msg = request();
        assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
        assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
        assert_eq!(
            prop(&msg, "fault.message").as_deref(),
            Some("Error connecting to the back end")
        );
    }
    assert!(endpoints.status("Svc").unwrap().active);
}

#[tokio::test]
async fn an_error_status_fails_an_out_only_blocking_call() {
    let backend = Backend::start(|_| Reply::text(404, "no such thing")).await;
    let endpoints = endpoints();
    let env = env_with(&endpoints);
    let main = observed(vec![
        MediatorSpec::new("property")
            .property("name", "OUT_ONLY")
            .property("value", "true"),
        call(true, address(&backend.url("/"))),
    ]);
    let mut msg = request();
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Stop);
    assert_eq!(prop(&msg, "fault.code").as_deref(), Some("401002"));
    assert_eq!(prop(&msg, "fault.status").as_deref(), Some("404"));
    assert_eq!(
        prop(&msg, "fault.payload").as_deref(),
        Some(r#"{"symbol":"IBM"}"#)
    );
}
