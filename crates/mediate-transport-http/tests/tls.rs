//! HTTPS (feature `tls`): the listener with a test certificate, the client trusting its CA.

#![cfg(feature = "tls")]

mod support;

use http::{Method, StatusCode, Version};
use mediate_core::transport::{HttpSender, OutboundRequest, SendErrorKind};
use mediate_message::PendingBody;
use mediate_transport_http::{
    ClientConfig, HyperSender, ResponseBody, ServerConfig, handler_fn, tls,
};
use support::certs::{CA, CHAIN, KEY};
use support::{Server, trusting_sender, within};

async fn https_server() -> Server {
    let mut config = ServerConfig::default();
    config.tls = Some(tls::server_config(CHAIN, KEY).unwrap());
    Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            http::Response::new(ResponseBody::full(format!(
                "{:?} {}",
                req.version(),
                req.uri().path()
            )))
        }),
        config,
    )
    .await
}

fn https(server: &Server, host: &str, path: &str) -> http::Uri {
    format!("https://{host}:{}{path}", server.addr.port())
        .parse()
        .unwrap()
}

#[tokio::test]
async fn https_round_trip_by_name_and_by_address() {
    let server = https_server().await;
    let sender = trusting_sender(false);
    for host in ["localhost", "127.0.0.1"] {
        let response = within(sender.send(OutboundRequest::new(
            Method::GET,
            https(&server, host, "/secure"),
        )))
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.into_body().unwrap().read().await.unwrap(),
            "HTTP/1.1 /secure"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn http2_is_negotiated_by_alpn() {
    let server = https_server().await;
    let response = within(trusting_sender(true).send(OutboundRequest::new(
        Method::GET,
        https(&server, "localhost", "/h2"),
    )))
    .await
    .unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(
        response.into_body().unwrap().read().await.unwrap(),
        "HTTP/2.0 /h2"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_connect_failure() {
    let server = https_server().await;
    // The platform's CAs do not include the test CA.
    let err = within(HyperSender::new().send(OutboundRequest::new(
        Method::GET,
        https(&server, "localhost", "/"),
    )))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::ConnectFailed, "{err}");
    assert_eq!(err.code(), 101_503);
    // A name the certificate does not cover fails the same way.
    let mut config = ClientConfig::default();
    config.tls = Some(tls::client_config_with_roots(CA).unwrap());
    let wrong_name = format!("https://127.0.0.2:{}/", server.addr.port());
    let err = within(HyperSender::with_config(config).send(OutboundRequest::new(
        Method::GET,
        wrong_name.parse().unwrap(),
    )))
    .await
    .unwrap_err();
    assert_eq!(err.code(), 101_503, "{err}");
    server.stop().await;
}

#[tokio::test]
async fn plain_http_to_the_tls_port_fails_and_the_server_goes_on() {
    let server = https_server().await;
    let err =
        within(HyperSender::new().send(OutboundRequest::new(Method::GET, server.url("/plain"))))
            .await
            .unwrap_err();
    // rustls answers with a TLS alert (not HTTP), or just closes.
    assert!(
        matches!(
            err.kind(),
            SendErrorKind::ProtocolViolation | SendErrorKind::ConnectionClosed
        ),
        "{err}"
    );
    let response = within(trusting_sender(false).send(OutboundRequest::new(
        Method::GET,
        https(&server, "localhost", "/after"),
    )))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}
