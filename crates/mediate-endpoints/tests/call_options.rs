//! `Endpoints::call_with` over real loopback HTTP: with `CallOptions::blocking()` (MI's
//! blocking client) an error status or a SOAP fault answer is a failure of the endpoint,
//! which suspends by its `<errorCodes>` and makes a group try its next child, and every
//! failure of a send carries 401002; `Endpoints::call` is unchanged.

mod runtime_support;
mod support;

use mediate_core::{Env, MessageContext};
use mediate_endpoints::{
    BLOCKING_SENDER_OPERATION_FAILED, CallOptions, CallOutcome, EndpointDefinition, EndpointState,
    Endpoints, FailedResponse,
};
use runtime_support::{Backend, Reply, refused_url, sender};

const SOAP_FAULT: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>Stock not found</faultstring><detail>IBM is unknown</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;

fn def(xml: &str) -> EndpointDefinition {
    support::endpoint(xml)
}

fn soap(status: u16, body: &str) -> Reply {
    Reply::Respond {
        status,
        headers: vec![("content-type".into(), "text/xml; charset=UTF-8".into())],
        body: body.as_bytes().to_vec(),
    }
}

/// An address endpoint suspended by the codes in `codes`, for 60 s.
fn suspending(url: &str, codes: &str) -> EndpointDefinition {
    def(&format!(
        r#"<endpoint><address uri="{url}">
            <suspendOnFailure><errorCodes>{codes}</errorCodes><initialDuration>60000</initialDuration></suspendOnFailure>
        </address></endpoint>"#
    ))
}

async fn text(msg: &mut MessageContext) -> String {
    msg.read_body().await.expect("body");
    msg.payload_as_text().expect("text").to_owned()
}

fn blocking() -> CallOptions {
    CallOptions::blocking()
}

#[tokio::test]
async fn a_failover_tries_the_next_child_after_an_error_status() {
    let broken = Backend::start(|_| Reply::text(500, "broken")).await;
    let backup = Backend::start(|_| Reply::json(r#"{"from":"backup"}"#)).await;
    let failover = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        broken.url("/"),
        backup.url("/")
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("Fo", failover)
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("Fo");
    let env = Env::default();

    let mut msg = MessageContext::from_json(r#"{"q":1}"#);
    let outcome = endpoints
        .call_with(Some(&key), &mut msg, &env, blocking())
        .await
        .unwrap();
    assert_eq!(outcome, CallOutcome::Response);
    assert_eq!(text(&mut msg).await, r#"{"from":"backup"}"#);
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(broken.hits(), 1);
    assert_eq!(
        backup.requests()[0].text(),
        r#"{"q":1}"#,
        "the next child gets the original request"
    );

    // Non-blocking: the 500 is the answer.
    let endpoints = Endpoints::builder(sender())
        .endpoint(
            "Fo",
            def(&format!(
                r#"<endpoint><failover>
                    <endpoint><address uri="{}"/></endpoint>
                    <endpoint><address uri="{}"/></endpoint>
                </failover></endpoint>"#,
                broken.url("/"),
                backup.url("/")
            )),
        )
        .build()
        .unwrap();
    let mut msg = MessageContext::from_json(r#"{"q":2}"#);
    endpoints.call(Some(&key), &mut msg, &env).await.unwrap();
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(text(&mut msg).await, "broken");
    assert_eq!(backup.hits(), 1, "no failover without the options");
}

#[tokio::test]
async fn a_loadbalance_fails_over_after_a_soap_fault() {
    let faulty = Backend::start(|_| soap(200, SOAP_FAULT)).await;
    let good = Backend::start(|_| Reply::json(r#"{"ok":true}"#)).await;
    let lb = def(&format!(
        r#"<endpoint><loadbalance>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        faulty.url("/"),
        good.url("/")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = MessageContext::from_json("{}");
    let outcome = endpoints
        .call_with(Some(&lb), &mut msg, &Env::default(), blocking())
        .await;
    assert_eq!(outcome.unwrap(), CallOutcome::Response);
    assert_eq!(text(&mut msg).await, r#"{"ok":true}"#);
    assert_eq!((faulty.hits(), good.hits()), (1, 1));
}

#[tokio::test]
async fn an_error_status_suspends_a_leaf_listing_401002() {
    let backend = Backend::start(|_| Reply::text(500, "down")).await;
    let endpoints = Endpoints::builder(sender())
        .endpoint("Svc", suspending(&backend.url("/svc"), "401002"))
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("Svc");
    let env = Env::default();

    let mut msg = MessageContext::from_json(r#"{"q":1}"#);
    let err = endpoints
        .call_with(Some(&key), &mut msg, &env, blocking())
        .await
        .unwrap_err();
    assert_eq!(err.code(), BLOCKING_SENDER_OPERATION_FAILED);
    assert_eq!(
        err.message(),
        "Transport error: 500 Error: Internal Server Error"
    );
    let answer = FailedResponse::of(&err).expect("the answer is the cause");
    assert_eq!(answer.status.as_u16(), 500);
    assert!(!answer.soap_fault);
    assert_eq!(
        msg.status().map(|s| s.as_u16()),
        Some(500),
        "the message holds the answer"
    );
    assert_eq!(text(&mut msg).await, "down");
    assert!(matches!(
        endpoints.status("Svc").unwrap().state,
        EndpointState::Suspended { .. }
    ));

    // The next call is refused before it reaches the backend.
    let mut msg = MessageContext::from_json(r#"{"q":2}"#);
    let err = endpoints
        .call_with(Some(&key), &mut msg, &env, blocking())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 303_001);
    assert_eq!(backend.hits(), 1);
}

#[tokio::test]
async fn a_soap_fault_suspends_and_its_facts_are_the_error() {
    let backend = Backend::start(|_| soap(500, SOAP_FAULT)).await;
    let endpoints = Endpoints::builder(sender())
        .endpoint("Svc", suspending(&backend.url("/svc"), "401002"))
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("Svc");
    let env = Env::default();

    let mut msg = MessageContext::from_json("{}");
    let err = endpoints
        .call_with(Some(&key), &mut msg, &env, blocking())
        .await
        .unwrap_err();
    assert_eq!(err.code(), BLOCKING_SENDER_OPERATION_FAILED);
    assert_eq!(err.message(), "Stock not found");
    assert_eq!(err.detail(), Some("IBM is unknown"));
    assert!(FailedResponse::of(&err).unwrap().soap_fault);
    assert_eq!(text(&mut msg).await, SOAP_FAULT);
    assert!(matches!(
        endpoints.status("Svc").unwrap().state,
        EndpointState::Suspended { .. }
    ));
    let err = endpoints
        .call_with(
            Some(&key),
            &mut MessageContext::from_json("{}"),
            &env,
            blocking(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 303_001);
    assert_eq!(backend.hits(), 1);
}

#[tokio::test]
async fn a_numeric_fault_code_is_the_code_the_leaf_sees() {
    const NUMERIC: &str = r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><e:Fault><e:Code><e:Value>e:123</e:Value></e:Code><e:Reason><e:Text xml:lang="en">bad</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>"#;
    let backend = Backend::start(|_| {
        let mut reply = soap(500, NUMERIC);
        if let Reply::Respond { headers, .. } = &mut reply {
            headers[0].1 = "application/soap+xml".into();
        }
        reply
    })
    .await;
    let endpoints = Endpoints::builder(sender())
        .endpoint("Svc", suspending(&backend.url("/"), "401002"))
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("Svc");
    let env = Env::default();
    for _ in 0..2 {
        let err = endpoints
            .call_with(
                Some(&key),
                &mut MessageContext::from_json("{}"),
                &env,
                blocking(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), 123);
        assert_eq!(err.message(), "bad");
    }
    // 123 is not in the list: the endpoint stays active and both calls were sent.
    assert_eq!(backend.hits(), 2);
    assert_eq!(
        endpoints.status("Svc").unwrap().state,
        EndpointState::Active
    );
}

#[tokio::test]
async fn a_refused_connection_is_401002_to_the_suspension_lists() {
    let down = refused_url().await;
    let endpoints = Endpoints::builder(sender())
        .endpoint("ByTransportCode", suspending(&down, "101503"))
        .endpoint("ByBlockingCode", suspending(&down, "401002"))
        .build()
        .unwrap();
    let env = Env::default();

    let mut msg = MessageContext::from_json("{}");
    let err = endpoints
        .call_with(
            Some(&EndpointDefinition::indirect("ByTransportCode")),
            &mut msg,
            &env,
            blocking(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), BLOCKING_SENDER_OPERATION_FAILED);
    assert_eq!(err.message(), "Error connecting to the back end");
    assert!(FailedResponse::of(&err).is_none());
    let detail = err.to_fault().detail.unwrap_or_default();
    assert!(
        detail.contains(&down),
        "the transport error is the cause: {detail}"
    );
    assert_eq!(
        endpoints.status("ByTransportCode").unwrap().state,
        EndpointState::Active,
        "MI's blocking client reports 401002, not 101503"
    );

    endpoints
        .call_with(
            Some(&EndpointDefinition::indirect("ByBlockingCode")),
            &mut msg,
            &env,
            blocking(),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        endpoints.status("ByBlockingCode").unwrap().state,
        EndpointState::Suspended { .. }
    ));

    // Non-blocking: 101503 is what the lists see.
    let endpoints = Endpoints::builder(sender())
        .endpoint("ByTransportCode", suspending(&down, "101503"))
        .build()
        .unwrap();
    let err = endpoints
        .call(
            Some(&EndpointDefinition::indirect("ByTransportCode")),
            &mut msg,
            &env,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_503);
    assert!(matches!(
        endpoints.status("ByTransportCode").unwrap().state,
        EndpointState::Suspended { .. }
    ));
}

#[tokio::test]
async fn a_failover_whose_children_all_fail_leaves_the_last_answer_on_the_message() {
    let first = Backend::start(|_| Reply::text(503, "first")).await;
    let second = Backend::start(|_| soap(500, SOAP_FAULT)).await;
    let failover = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        first.url("/"),
        second.url("/")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = MessageContext::from_json(r#"{"q":1}"#);
    let err = endpoints
        .call_with(Some(&failover), &mut msg, &Env::default(), blocking())
        .await
        .unwrap_err();
    assert_eq!(err.code(), BLOCKING_SENDER_OPERATION_FAILED);
    assert_eq!(err.message(), "Stock not found");
    assert!(FailedResponse::of(&err).unwrap().soap_fault);
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(text(&mut msg).await, SOAP_FAULT);
    assert_eq!(second.requests()[0].text(), r#"{"q":1}"#);
}

#[tokio::test]
async fn a_discarding_timeout_fails_under_the_blocking_options() {
    let backend =
        Backend::start(|_| Reply::text(200, "late").after(std::time::Duration::from_secs(3))).await;
    let ep = def(&format!(
        r#"<endpoint><address uri="{}">
            <timeout><duration>200</duration><responseAction>discard</responseAction></timeout>
        </address></endpoint>"#,
        backend.url("/")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let env = Env::default();
    let mut msg = MessageContext::from_json("{}");
    let err = endpoints
        .call_with(Some(&ep), &mut msg, &env, blocking())
        .await
        .unwrap_err();
    assert_eq!(err.code(), BLOCKING_SENDER_OPERATION_FAILED);
    assert_eq!(err.message(), "Send timeout");

    // That failure (401002) suspended the leaf, as any failure does by default.
    assert!(
        endpoints
            .call_with(Some(&ep), &mut msg, &env, blocking())
            .await
            .is_err_and(|e| e.code() == 303_001)
    );

    // Non-blocking (another deployment, a fresh leaf): the timeout discards the message.
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = MessageContext::from_json("{}");
    let outcome = endpoints.call(Some(&ep), &mut msg, &env).await.unwrap();
    assert_eq!(outcome, CallOutcome::Discarded);
}

#[tokio::test]
async fn without_the_options_an_error_status_is_a_response_and_suspends_nothing() {
    let backend = Backend::start(|_| Reply::text(500, "down")).await;
    let endpoints = Endpoints::builder(sender())
        .endpoint("Svc", suspending(&backend.url("/"), "401002"))
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("Svc");
    for _ in 0..2 {
        let mut msg = MessageContext::from_json("{}");
        let outcome = endpoints
            .call(Some(&key), &mut msg, &Env::default())
            .await
            .unwrap();
        assert_eq!(outcome, CallOutcome::Response);
        assert_eq!(msg.status().map(|s| s.as_u16()), Some(500));
    }
    assert_eq!(backend.hits(), 2);
    assert_eq!(
        endpoints.status("Svc").unwrap().state,
        EndpointState::Active
    );
}
