//! The request's transport (`http` or `https`) in dispatch, and proxies that Axis2 refuses
//! before their flow runs: an API's `transports`, a resource's `protocol`, a proxy's
//! `transports` and `startOnLoad="false"`, and `?wsdl` addresses on the request's scheme.
//!
//! The listener marks a request that came over TLS with [`Https`]; these tests put the mark on
//! requests handed to the runtime directly, and serve plain HTTP over loopback. The same over
//! real TLS connections is in `https.rs` (feature `tls`).

mod support;

use std::sync::Arc;

use http::{Method, Request, StatusCode};
use mediate_config::{Configuration, load_str};
use mediate_runtime::Runtime;
use mediate_runtime::engine::Engine;
use mediate_transport_http::Https;
use support::*;

fn artifacts() -> Vec<String> {
    vec![
        format!(
            r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Secure" context="/secure" transports="https">
                <resource methods="GET" uri-template="/x"><inSequence>{RESPOND_RAN}</inSequence></resource>
            </api>"#
        ),
        format!(
            r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Mixed" context="/mixed">
                <resource methods="GET" uri-template="/tls" protocol="https"><inSequence>{RESPOND_RAN}</inSequence></resource>
                <resource methods="GET" uri-template="/plain" protocol="http"><inSequence>{RESPOND_RAN}</inSequence></resource>
            </api>"#
        ),
        format!(
            r#"<api xmlns="http://ws.apache.org/ns/synapse" name="PlainOnly" context="/plainonly">
                <resource methods="GET" uri-template="/x" protocol="http"><inSequence>{RESPOND_RAN}</inSequence></resource>
            </api>"#
        ),
        format!(
            r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="TlsOnly" transports="https">
                <target><inSequence>{RESPOND_RAN}</inSequence></target>
            </proxy>"#
        ),
        format!(
            r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="Both" transports="http https">
                <target><inSequence>{RESPOND_RAN}</inSequence></target>
            </proxy>"#
        ),
        format!(
            r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="Stopped" startOnLoad="false">
                <target><inSequence>{RESPOND_RAN}</inSequence></target>
            </proxy>"#
        ),
    ]
}

fn runtime() -> Runtime {
    let registry = mediate_mediators::builtins::registry();
    let mut all = Vec::new();
    for (i, xml) in artifacts().iter().enumerate() {
        all.extend(load_str(xml, format!("a{i}.xml").as_ref(), &registry).expect("loads"));
    }
    Runtime::builder()
        .deploy(Configuration::new(all))
        .unwrap_or_else(|d| panic!("deploys:\n{d}"))
}

/// One request to the runtime without a socket; `https` marks it as the TLS listener does.
async fn handle(
    runtime: &Runtime,
    method: Method,
    path: &str,
    https: bool,
    content_type: Option<&str>,
) -> (StatusCode, String, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "gw.example.com:8253");
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let mut request = request.body(None).expect("request");
    if https {
        request.extensions_mut().insert(Https);
    }
    let reply = Engine::new(Arc::clone(runtime.snapshot()))
        .handle(request)
        .await;
    (
        reply.status().unwrap_or(StatusCode::OK),
        reply.content_type().to_owned(),
        String::from_utf8(reply.payload().to_vec()).expect("UTF-8"),
    )
}

#[tokio::test]
async fn an_api_limited_to_https_takes_only_tls_requests() {
    let runtime = runtime();
    let (status, _, body) = handle(&runtime, Method::GET, "/secure/x", true, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, RAN));
    // Over http no API takes it (`API.canProcess`), and there is no main sequence: 404.
    let (status, _, body) = handle(&runtime, Method::GET, "/secure/x", false, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, ""));
}

#[tokio::test]
async fn a_resource_protocol_is_checked_against_the_request_transport() {
    let runtime = runtime();
    // `Resource.canProcess` leaves out a resource of the other protocol; the other resource
    // is acceptable but does not take the path: 404.
    for (path, https, want) in [
        ("/mixed/tls", true, StatusCode::OK),
        ("/mixed/tls", false, StatusCode::NOT_FOUND),
        ("/mixed/plain", false, StatusCode::OK),
        ("/mixed/plain", true, StatusCode::NOT_FOUND),
    ] {
        let (status, _, _) = handle(&runtime, Method::GET, path, https, None).await;
        assert_eq!(status, want, "{path} over https={https}");
    }
    // No resource accepts the request and the one that takes its path and method refused
    // its protocol: 400.
    let (status, _, body) = handle(&runtime, Method::GET, "/plainonly/x", true, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::BAD_REQUEST, ""));
}

#[tokio::test]
async fn a_proxy_refuses_a_transport_it_is_not_exposed_on() {
    let runtime = runtime();
    let (status, _, body) = handle(&runtime, Method::POST, "/services/TlsOnly", true, None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, RAN));

    let (status, content_type, body) =
        handle(&runtime, Method::POST, "/services/TlsOnly?a=1", false, None).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type, "text/xml");
    assert!(
        body.contains("<faultcode>soapenv:Server</faultcode><faultstring>The service cannot be found for the endpoint reference (EPR) /services/TlsOnly?a=1</faultstring>"),
        "{body}"
    );
    assert!(!body.contains("<ran"), "the flow must not run: {body}");

    // A SOAP 1.2 request gets a SOAP 1.2 fault.
    let (status, content_type, body) = handle(
        &runtime,
        Method::POST,
        "/services/TlsOnly",
        false,
        Some("application/soap+xml; charset=UTF-8"),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type, "application/soap+xml");
    assert!(
        body.contains("http://www.w3.org/2003/05/soap-envelope"),
        "{body}"
    );
    assert!(
        body.contains("<soapenv:Value>soapenv:Receiver</soapenv:Value>"),
        "{body}"
    );

    for https in [false, true] {
        let (status, _, body) = handle(&runtime, Method::POST, "/services/Both", https, None).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, RAN));
    }
}

#[tokio::test]
async fn a_proxy_not_started_does_not_mediate() {
    let runtime = runtime();
    for (method, path) in [
        (Method::POST, "/services/Stopped"),
        (Method::GET, "/services/Stopped/orders"),
        (Method::POST, "/services/Stopped.StoppedHttpSoap11Endpoint"),
    ] {
        let (status, content_type, body) = handle(&runtime, method, path, false, None).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(content_type, "text/xml");
        assert!(
            body.contains(
                "<faultstring>The system is attempting to access an inactive service: Stopped</faultstring>"
            ),
            "{body}"
        );
    }
    // Its metadata still says it is inactive, as MI's GET processor does.
    let (status, _, body) =
        handle(&runtime, Method::GET, "/services/Stopped?wsdl", false, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Service Stopped is inactive"), "{body}");
}

#[tokio::test]
async fn wsdl_addresses_follow_the_request_scheme() {
    let runtime = runtime();
    let (_, _, wsdl) = handle(&runtime, Method::GET, "/services/Both?wsdl", true, None).await;
    assert!(
        wsdl.contains(
            r#"location="https://gw.example.com:8253/services/Both.BothHttpsSoap11Endpoint""#
        ),
        "{wsdl}"
    );
    assert!(!wsdl.contains("http://gw.example.com"), "{wsdl}");
    let (_, _, wsdl) = handle(&runtime, Method::GET, "/services/Both?wsdl", false, None).await;
    assert!(
        wsdl.contains(
            r#"location="http://gw.example.com:8253/services/Both.BothHttpSoap11Endpoint""#
        ),
        "{wsdl}"
    );
    // A proxy on https only lists no port for a plain request, and its https ports for a TLS one.
    let (_, _, wsdl) = handle(&runtime, Method::GET, "/services/TlsOnly?wsdl", false, None).await;
    assert!(!wsdl.contains("TlsOnlyHttpSoap11Endpoint"), "{wsdl}");
    let (_, _, wsdl) = handle(&runtime, Method::GET, "/services/TlsOnly?wsdl", true, None).await;
    assert!(wsdl.contains("TlsOnlyHttpsSoap11Endpoint"), "{wsdl}");
}

/// Over a real plain-HTTP listener: the proxy refusals and the API transport check.
#[tokio::test]
async fn over_loopback_plain_requests_meet_the_https_only_artifacts() {
    let (_runtime, running) = serve_xml(&artifacts()).await;
    let got = post_xml(&running.url("/services/TlsOnly"), "<a/>").await;
    assert_eq!(got.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        got.text().contains(
            "The service cannot be found for the endpoint reference (EPR) /services/TlsOnly"
        ),
        "{}",
        got.text()
    );
    let got = post_xml(&running.url("/services/Stopped"), "<a/>").await;
    assert_eq!(got.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        got.text().contains("inactive service: Stopped"),
        "{}",
        got.text()
    );
    let got = get(&running.url("/secure/x")).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    let got = get(&running.url("/mixed/plain")).await;
    assert_eq!((got.status, got.text()), (StatusCode::OK, RAN));
    let got = get(&running.url("/services/Both?wsdl")).await;
    let port = running.addr.port();
    assert!(
        got.text().contains(&format!(
            "http://127.0.0.1:{port}/services/Both.BothHttpSoap11Endpoint"
        )),
        "{}",
        got.text()
    );
    running.stop().await.unwrap();
}
