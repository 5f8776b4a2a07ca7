//! The request's scheme reaches the handler (feature `tls`): every request that came over a
//! TLS listener carries [`Https`] (HTTP/1.1 and HTTP/2 alike), and the message made from it
//! too; a plain listener's requests do not.

#![cfg(feature = "tls")]

mod support;

use http::Method;
use mediate_core::transport::{HttpSender, OutboundRequest};
use mediate_message::PendingBody;
use mediate_transport_http::{
    Https, HyperSender, ResponseBody, ServerConfig, handler_fn, request_to_message, tls,
};
use support::certs::{CHAIN, KEY};
use support::{Server, trusting_sender, within};

/// Answers `https` or `http` as the request's extensions, and the message made from it, say.
async fn scheme_server(config: ServerConfig) -> Server {
    Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            let on_request = Https::is_set(req.extensions());
            let msg = request_to_message(req);
            assert_eq!(Https::is_set(msg.extensions()), on_request);
            http::Response::new(ResponseBody::full(if on_request {
                "https"
            } else {
                "http"
            }))
        }),
        config,
    )
    .await
}

async fn body_of(sender: &HyperSender, uri: String) -> String {
    let response = within(sender.send(OutboundRequest::new(Method::GET, uri.parse().unwrap())))
        .await
        .unwrap();
    let body = response.into_body().unwrap().read().await.unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn requests_over_tls_are_marked_https() {
    let mut config = ServerConfig::default();
    config.tls = Some(tls::server_config(CHAIN, KEY).unwrap());
    let server = scheme_server(config).await;
    let uri = format!("https://localhost:{}/s", server.addr.port());
    for http2 in [false, true] {
        assert_eq!(body_of(&trusting_sender(http2), uri.clone()).await, "https");
    }
    server.stop().await;
}

#[tokio::test]
async fn plain_requests_are_not_marked() {
    let server = scheme_server(ServerConfig::default()).await;
    let uri = format!("http://127.0.0.1:{}/s", server.addr.port());
    assert_eq!(body_of(&HyperSender::new(), uri).await, "http");
    server.stop().await;
}
