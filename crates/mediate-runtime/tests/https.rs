//! The runtime behind a TLS listener (feature `tls`), over loopback: the listener marks each
//! request `https`, so an API limited to `transports="https"` takes it, a proxy exposed on
//! `https` only mediates it, and `?wsdl` gives `https://` addresses with the port the client
//! reached.
//!
//! Run with `cargo test -p mediate-runtime --features tls --test https`.

#![cfg(feature = "tls")]

mod support;

use http::{Method, StatusCode};
use mediate_core::transport::{HttpSender, OutboundRequest};
use mediate_runtime::ServerConfig;
use mediate_transport_http::{ClientConfig, HyperSender, tls};
use support::*;

const CHAIN: &[u8] = include_bytes!("../../mediate-transport-http/tests/tls/localhost.pem");
const KEY: &[u8] = include_bytes!("../../mediate-transport-http/tests/tls/localhost.key");
const CA: &[u8] = include_bytes!("../../mediate-transport-http/tests/tls/ca.pem");

fn artifacts() -> Vec<String> {
    vec![
        format!(
            r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Secure" context="/secure" transports="https">
                <resource methods="GET" uri-template="/x"><inSequence>{RESPOND_RAN}</inSequence></resource>
            </api>"#
        ),
        format!(
            r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Mixed" context="/mixed">
                <resource methods="GET" uri-template="/plain" protocol="http"><inSequence>{RESPOND_RAN}</inSequence></resource>
            </api>"#
        ),
        format!(
            r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="TlsOnly" transports="https">
                <target><inSequence>{RESPOND_RAN}</inSequence></target>
            </proxy>"#
        ),
    ]
}

async fn https_get(sender: &HyperSender, url: &str) -> (StatusCode, String) {
    let mut request = OutboundRequest::new(Method::GET, url.parse().expect("URL"));
    request.timeout = Some(std::time::Duration::from_secs(10));
    let response = tokio::time::timeout(std::time::Duration::from_secs(20), sender.send(request))
        .await
        .expect("answered in time")
        .expect("answered");
    let status = response.status();
    let body = match response.into_body() {
        Some(body) => body.read().await.expect("body"),
        None => Default::default(),
    };
    (status, String::from_utf8(body.to_vec()).expect("UTF-8"))
}

#[tokio::test]
async fn tls_requests_reach_https_only_artifacts_and_wsdl_says_https() {
    let mut config = ServerConfig::default();
    config.tls = Some(tls::server_config(CHAIN, KEY).expect("TLS config"));
    let (_runtime, running) = serve_xml_with(&artifacts(), config).await;
    let mut client = ClientConfig::default();
    client.tls = Some(tls::client_config_with_roots(CA).expect("roots"));
    let sender = HyperSender::with_config(client);
    let port = running.addr.port();
    let url = |path: &str| format!("https://localhost:{port}{path}");

    assert_eq!(
        https_get(&sender, &url("/secure/x")).await,
        (StatusCode::OK, RAN.to_owned())
    );
    assert_eq!(
        https_get(&sender, &url("/services/TlsOnly")).await,
        (StatusCode::OK, RAN.to_owned())
    );
    // A resource limited to `http` refuses a TLS request: 400.
    assert_eq!(
        https_get(&sender, &url("/mixed/plain")).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, wsdl) = https_get(&sender, &url("/services/TlsOnly?wsdl")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        wsdl.contains(&format!(
            r#"location="https://localhost:{port}/services/TlsOnly.TlsOnlyHttpsSoap11Endpoint""#
        )),
        "{wsdl}"
    );
    running.stop().await.expect("stops");
}
