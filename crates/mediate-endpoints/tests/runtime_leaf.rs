//! The endpoint runtime over real loopback HTTP: leaf endpoints (address, http, default,
//! template, key, key-expression), error codes, timeouts, suspension and recovery.

mod runtime_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use mediate_core::message::PendingBody;
use mediate_core::{Env, MessageContext, Scope, Sequence, mediator_fn};
use mediate_endpoints::{
    CallOutcome, EndpointDefinition, EndpointState, Endpoints, EndpointsBuilder,
};
use runtime_support::{Backend, Reply, refused_url, sender};

fn def(xml: &str) -> EndpointDefinition {
    support::endpoint(xml)
}

fn address(url: &str) -> EndpointDefinition {
    def(&format!(r#"<endpoint><address uri="{url}"/></endpoint>"#))
}

fn builder() -> EndpointsBuilder {
    Endpoints::builder(sender())
}

async fn body_text(msg: &mut MessageContext) -> String {
    msg.read_body().await.expect("response body");
    msg.payload_as_text().expect("text").to_owned()
}

#[tokio::test]
async fn address_appends_rest_url_postfix_and_keeps_the_method() {
    let backend = Backend::text("listed").await;
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_json("");
    msg.set_http_method(http::Method::GET);
    msg.set_rest_url_postfix("/orders/7?verbose=1");
    let ep = address(&backend.url("/api"));
    let outcome = endpoints.call(Some(&ep), &mut msg, &Env::default()).await;
    assert_eq!(outcome.unwrap(), CallOutcome::Response);
    assert_eq!(body_text(&mut msg).await, "listed");
    let got = &backend.requests()[0];
    assert_eq!(got.method, "GET");
    assert_eq!(got.target, "/api/orders/7?verbose=1");
    assert!(got.body.is_empty(), "GET sends no body");
}

#[tokio::test]
async fn post_sends_payload_and_headers_and_the_response_replaces_them() {
    let backend =
        Backend::start(|_| Reply::json(r#"{"created":true}"#).with_header("x-backend", "b1")).await;
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_json(r#"{"qty":2}"#);
    msg.set_http_method(http::Method::POST);
    msg.set_transport_header("X-Trace", "t-1").unwrap();
    msg.set_transport_header("Host", "client.example").unwrap();
    msg.set_property("kept", "yes");
    msg.set_variable("v", "also kept");
    let ep = address(&backend.url("/orders"));
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();

    let got = &backend.requests()[0];
    assert_eq!(got.method, "POST");
    assert_eq!(got.text(), r#"{"qty":2}"#);
    assert_eq!(got.header("x-trace"), Some("t-1"));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_ne!(got.header("host"), Some("client.example"));

    assert_eq!(msg.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(msg.transport_header("x-backend").as_deref(), Some("b1"));
    assert!(
        msg.transport_header("X-Trace").is_none(),
        "request headers are gone"
    );
    assert!(msg.property("kept").is_some());
    assert!(msg.variable("v").is_some());
    assert!(
        !msg.is_response(),
        "after call an in-flow message is not a response"
    );
    assert_eq!(body_text(&mut msg).await, r#"{"created":true}"#);
    assert_eq!(msg.json().unwrap()["created"], true);
}

#[tokio::test]
async fn an_unread_body_is_streamed_to_a_single_leaf() {
    let backend = Backend::text("ok").await;
    let endpoints = builder().build().unwrap();
    let request = http::Request::post("http://localhost:8290/in")
        .header("content-type", "text/plain")
        .body(())
        .unwrap();
    let (parts, ()) = request.into_parts();
    let body =
        PendingBody::from_chunks([Bytes::from_static(b"part1-"), Bytes::from_static(b"part2")]);
    let mut msg = MessageContext::from_http_request_streaming(parts, Some(body));
    msg.set_rest_url_postfix("");
    let ep = address(&backend.url("/sink"));
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(backend.requests()[0].text(), "part1-part2");
    assert_eq!(backend.requests()[0].target, "/sink");
    assert_eq!(body_text(&mut msg).await, "ok");
}

#[tokio::test]
async fn http_endpoint_expands_its_uri_template_and_ignores_the_postfix() {
    let backend = Backend::text("item").await;
    let endpoints = builder().build().unwrap();
    let ep = def(&format!(
        r#"<endpoint><http method="put" uri-template="{}/items/{{uri.var.id}}?q={{query.param.q}}"/></endpoint>"#,
        backend.url("")
    ));
    let mut msg = MessageContext::from_json(r#"{"a":1}"#);
    msg.set_http_method(http::Method::POST);
    msg.set_path_param("id", "a b");
    msg.set_property("query.param.q", "x&y");
    msg.set_rest_url_postfix("/must/not/appear");
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    let got = &backend.requests()[0];
    assert_eq!(got.method, "PUT");
    assert_eq!(got.target, "/items/a%20b?q=x%26y");
    assert_eq!(
        msg.rest_url_postfix(),
        Some(""),
        "an http endpoint clears REST_URL_POSTFIX"
    );
}

#[tokio::test]
async fn default_endpoint_and_no_endpoint_send_to_the_to_address() {
    let backend = Backend::text("to").await;
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_text("hello");
    msg.addressing_mut().to = Some(backend.url("/direct?x=1"));
    endpoints
        .call(None, &mut msg, &Env::default())
        .await
        .unwrap();
    let ep = def("<endpoint><default/></endpoint>");
    let mut msg2 = MessageContext::from_text("again");
    msg2.addressing_mut().to = Some(backend.url("/direct2"));
    endpoints
        .call(Some(&ep), &mut msg2, &Env::default())
        .await
        .unwrap();
    let targets: Vec<String> = backend.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/direct?x=1", "/direct2"]);

    let mut nowhere = MessageContext::from_text("x");
    let err = endpoints
        .call(None, &mut nowhere, &Env::default())
        .await
        .unwrap_err();
    assert!(err.message().contains("no `To` address"), "{err}");
}

#[tokio::test]
async fn the_http_method_property_chooses_the_method() {
    let backend = Backend::text("gone").await;
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_text("");
    msg.set_http_method(http::Method::GET);
    msg.set_scoped_property(Scope::Axis2, "HTTP_METHOD", "DELETE")
        .unwrap();
    endpoints
        .call(
            Some(&address(&backend.url("/x"))),
            &mut msg,
            &Env::default(),
        )
        .await
        .unwrap();
    assert_eq!(backend.requests()[0].method, "DELETE");
}

#[tokio::test]
async fn server_errors_are_responses_not_failures() {
    let backend = Backend::start(|_| Reply::text(503, "busy")).await;
    let endpoints = builder()
        .endpoint("Busy", address(&backend.url("/x")))
        .build()
        .unwrap();
    let mut msg = MessageContext::from_text("q");
    let outcome = endpoints
        .call(
            Some(&EndpointDefinition::indirect("Busy")),
            &mut msg,
            &Env::default(),
        )
        .await
        .unwrap();
    assert_eq!(outcome, CallOutcome::Response);
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "HTTP_SC")
            .map(|v| v.as_string())
            .as_deref(),
        Some("503")
    );
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "FAULT_MESSAGE")
            .map(|v| v.as_string())
            .as_deref(),
        Some("true")
    );
    assert!(msg.fault().is_none());
    assert_eq!(body_text(&mut msg).await, "busy");
    let status = endpoints.status("Busy").unwrap();
    assert_eq!(status.state, EndpointState::Active);
    assert!(status.active);
}

#[tokio::test]
async fn a_refused_connection_is_101503_and_suspends_the_endpoint() {
    let url = refused_url().await;
    let endpoints = builder()
        .endpoint("Down", address(&format!("{url}/x")))
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("Down");
    let mut msg = MessageContext::from_text("q");
    let err = endpoints
        .call(Some(&key), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_503);
    assert_eq!(err.message(), "Error connecting to the back end");
    assert!(err.is_backend());
    let status = endpoints.status("Down").unwrap();
    assert!(
        matches!(status.state, EndpointState::Suspended { count: 1, .. }),
        "{status:?}"
    );
    assert!(!status.active);

    // MI's default suspension is 30 s: the next message is not sent.
    let err = endpoints
        .call(Some(&key), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 303_001);
    assert_eq!(
        err.message(),
        "Currently , Address endpoint : [ Name : Down ] [ State : SUSPENDED ]"
    );
}

fn timeout_endpoint(url: &str, action: &str) -> EndpointDefinition {
    def(&format!(
        r#"<endpoint><address uri="{url}">
            <timeout><duration>200</duration><responseAction>{action}</responseAction></timeout>
            <markForSuspension><errorCodes>-1</errorCodes></markForSuspension>
            <suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure>
        </address></endpoint>"#
    ))
}

#[tokio::test]
async fn a_timeout_with_fault_is_101504() {
    let backend = Backend::start(|_| Reply::text(200, "late").after(Duration::from_secs(3))).await;
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_text("q");
    let ep = timeout_endpoint(&backend.url("/slow"), "fault");
    let err = endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_504);
    assert_eq!(err.message(), "Send timeout");
    assert!(err.is_timeout());
}

#[tokio::test]
async fn a_timeout_with_discard_drops_the_message() {
    let backend = Backend::start(|_| Reply::text(200, "late").after(Duration::from_secs(3))).await;
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_text("q");
    let ep = timeout_endpoint(&backend.url("/slow"), "discard");
    let outcome = endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(outcome, CallOutcome::Discarded);
    assert_eq!(msg.fault().and_then(|f| f.code), Some(101_504));
}

#[tokio::test]
async fn a_suspended_endpoint_recovers_after_its_initial_duration() {
    let healthy = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&healthy);
    let backend = Backend::start(move |_| {
        if flag.load(Ordering::SeqCst) {
            Reply::text(200, "back")
        } else {
            Reply::Close
        }
    })
    .await;
    let ep = def(&format!(
        r#"<endpoint><address uri="{}">
            <suspendOnFailure><initialDuration>500</initialDuration></suspendOnFailure>
        </address></endpoint>"#,
        backend.url("/svc")
    ));
    let endpoints = builder().endpoint("Flaky", ep).build().unwrap();
    let key = EndpointDefinition::indirect("Flaky");
    let env = Env::default();

    let mut msg = MessageContext::from_text("1");
    let err = endpoints
        .call(Some(&key), &mut msg, &env)
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_505, "closed without an answer");
    assert!(matches!(
        endpoints.status("Flaky").unwrap().state,
        EndpointState::Suspended { .. }
    ));

    healthy.store(true, Ordering::SeqCst);
    let mut msg = MessageContext::from_text("2");
    let err = endpoints
        .call(Some(&key), &mut msg, &env)
        .await
        .unwrap_err();
    assert_eq!(err.code(), 303_001, "still suspended: not sent");
    assert_eq!(backend.hits(), 1);

    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut msg = MessageContext::from_text("3");
    endpoints.call(Some(&key), &mut msg, &env).await.unwrap();
    assert_eq!(body_text(&mut msg).await, "back");
    assert_eq!(
        endpoints.status("Flaky").unwrap().state,
        EndpointState::Active
    );
}

#[tokio::test]
async fn template_endpoints_take_their_parameters() {
    let backend = Backend::text("templated").await;
    let body = support::spec(
        r#"<endpoint name="$name"><address uri="$uri">
            <timeout><duration>$wait</duration><responseAction>fault</responseAction></timeout>
        </address></endpoint>"#,
    );
    let ep = def(&format!(
        r#"<endpoint template="Backend" uri="{}"><parameter name="wait" value="5000"/></endpoint>"#,
        backend.url("/from-template")
    ));
    let endpoints = builder()
        .template("Backend", ["wait"], body)
        .endpoint("Templated", ep.clone())
        .build()
        .unwrap();
    let mut msg = MessageContext::from_text("t");
    endpoints
        .call(
            Some(&EndpointDefinition::indirect("Templated")),
            &mut msg,
            &Env::default(),
        )
        .await
        .unwrap();
    // Inline too.
    let mut msg = MessageContext::from_text("t");
    endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(backend.hits(), 2);
    assert_eq!(backend.requests()[0].target, "/from-template");
    assert_eq!(endpoints.status("Templated").unwrap().kind, "address");

    let missing = builder().endpoint("Orphan", ep).build().unwrap_err();
    assert_eq!(missing.problems()[0].0, "Orphan");
    assert!(
        missing
            .to_string()
            .contains("endpoint template `Backend` is not deployed"),
        "{missing}"
    );
}

#[tokio::test]
async fn key_and_key_expression_find_named_endpoints() {
    let a = Backend::text("A").await;
    let b = Backend::text("B").await;
    let endpoints = builder()
        .endpoint("A", address(&a.url("/")))
        .endpoint("B", address(&b.url("/")))
        .build()
        .unwrap();
    let resolving = def(r#"<endpoint key-expression="get-property('target')"/>"#);
    for target in ["B", "A", "B"] {
        let mut msg = MessageContext::from_text("x");
        msg.set_property("target", target);
        endpoints
            .call(Some(&resolving), &mut msg, &Env::default())
            .await
            .unwrap();
        assert_eq!(body_text(&mut msg).await, target);
    }
    let mut msg = MessageContext::from_text("x");
    let err = endpoints
        .call(
            Some(&EndpointDefinition::indirect("Nope")),
            &mut msg,
            &Env::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Reference to non-existent endpoint for key : Nope"
    );
}

#[tokio::test]
async fn an_on_error_sequence_handles_the_failure() {
    let url = refused_url().await;
    let ep = def(&format!(
        r#"<endpoint onError="onEpError"><address uri="{url}/x"/></endpoint>"#
    ));
    let endpoints = builder().build().unwrap();
    let env = Env::builder()
        .sequence(
            "onEpError",
            Sequence::named("onEpError").then(mediator_fn("mark", |msg: &mut MessageContext| {
                let code = msg.fault().and_then(|f| f.code).unwrap_or_default();
                msg.set_property("handled", code);
                Ok::<_, mediate_core::MediationError>(mediate_core::Flow::Continue)
            })),
        )
        .build();
    let mut msg = MessageContext::from_text("x");
    let outcome = endpoints.call(Some(&ep), &mut msg, &env).await.unwrap();
    assert_eq!(outcome, CallOutcome::Handled);
    assert_eq!(
        msg.property("handled").map(|v| v.as_string()).as_deref(),
        Some("101503")
    );
}

#[tokio::test]
async fn endpoints_that_cannot_be_built_are_refused_with_their_names() {
    let secured = def(
        r#"<endpoint><address uri="http://localhost:1/x"><enableSec policy="p"/></address></endpoint>"#,
    );
    let err = builder().endpoint("Secured", secured).build().unwrap_err();
    assert_eq!(err.problems()[0].0, "Secured");
    assert!(err.to_string().contains("WS-Security"), "{err}");

    let jms = address("jms:/queue?transport.jms.ConnectionFactory=x");
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_text("x");
    let err = endpoints
        .call(Some(&jms), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert!(err.message().contains("HTTP and HTTPS only"), "{err}");
}

#[tokio::test]
async fn switching_an_endpoint_off_and_on() {
    let backend = Backend::text("on").await;
    let endpoints = builder()
        .endpoint("Switchable", address(&backend.url("/")))
        .endpoint("Other", address(&backend.url("/")))
        .build()
        .unwrap();
    assert!(endpoints.switch_off("Switchable"));
    assert!(!endpoints.switch_off("Unknown"));
    let status = endpoints.status("Switchable").unwrap();
    assert_eq!(status.state, EndpointState::Off);
    assert!(!status.active);
    let key = EndpointDefinition::indirect("Switchable");
    let mut msg = MessageContext::from_text("x");
    let err = endpoints
        .call(Some(&key), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert!(err.message().ends_with("[ State : OFF ]"), "{err}");
    assert_eq!(backend.hits(), 0);
    assert!(endpoints.switch_on("Switchable"));
    endpoints
        .call(Some(&key), &mut msg, &Env::default())
        .await
        .unwrap();
    let names: Vec<String> = endpoints.statuses().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Other", "Switchable"]);
}

#[tokio::test]
async fn dynamic_timeout_settings_are_evaluated_per_message() {
    let backend = Backend::start(|_| Reply::text(200, "late").after(Duration::from_secs(3))).await;
    let ep = def(&format!(
        r#"<endpoint><address uri="{}">
            <timeout><duration>{{get-property('wait')}}</duration><responseAction>{{get-property('action')}}</responseAction></timeout>
        </address></endpoint>"#,
        backend.url("/slow")
    ));
    let endpoints = builder().build().unwrap();
    let mut msg = MessageContext::from_text("q");
    msg.set_property("wait", "150");
    msg.set_property("action", "discard");
    let outcome = endpoints
        .call(Some(&ep), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(outcome, CallOutcome::Discarded);
}

#[tokio::test]
async fn key_references_are_followed_through_chains_and_loops_are_refused() {
    let a = Backend::text("A").await;
    let endpoints = builder()
        .endpoint("A", address(&a.url("/")))
        .endpoint("ToA", EndpointDefinition::indirect("A"))
        .endpoint("ToToA", EndpointDefinition::indirect("ToA"))
        .endpoint("Loop", EndpointDefinition::indirect("Loop"))
        .endpoint("Ping", EndpointDefinition::indirect("Pong"))
        .endpoint("Pong", EndpointDefinition::indirect("Ping"))
        .build()
        .unwrap();
    // A chain of keys ends at the address, as often as it is used.
    for _ in 0..2 {
        let mut msg = MessageContext::from_text("x");
        endpoints
            .call(
                Some(&EndpointDefinition::indirect("ToToA")),
                &mut msg,
                &Env::default(),
            )
            .await
            .unwrap();
        assert_eq!(body_text(&mut msg).await, "A");
    }
    // A key that names itself, directly or through another, is an error, not a hang.
    for (key, named) in [("Loop", "Loop"), ("Ping", "Pong")] {
        let mut msg = MessageContext::from_text("x");
        let err = endpoints
            .call(
                Some(&EndpointDefinition::indirect(key)),
                &mut msg,
                &Env::default(),
            )
            .await
            .unwrap_err();
        assert!(
            err.message().contains("refers to itself"),
            "{key}: {}",
            err.message()
        );
        assert!(err.message().contains(named) || err.message().contains(key));
    }
    // A key-expression that gives nothing names no endpoint.
    let resolving = def(r#"<endpoint key-expression="get-property('unset')"/>"#);
    let mut msg = MessageContext::from_text("x");
    let err = endpoints
        .call(Some(&resolving), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert!(
        err.message().contains("gave no endpoint key"),
        "{}",
        err.message()
    );
}
