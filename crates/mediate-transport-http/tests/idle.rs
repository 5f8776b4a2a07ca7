//! The body idle timeouts against real loopback peers that stop sending part-way: a client
//! that trickles its request body ([`ServerConfig::body_idle_timeout`]) and a backend that
//! stalls in its response body ([`ClientConfig::body_idle_timeout`]).
//!
//! The limits are short and the peers stall for good, so the outcome never depends on timing;
//! nothing here measures how long anything took.

mod support;

use std::time::Duration;

use http::{Method, StatusCode};
use mediate_core::transport::{HttpSender, OutboundBody, OutboundRequest, SendErrorKind};
use mediate_message::{BodyError, PendingBody};
use mediate_transport_http::{ClientConfig, HyperSender, ResponseBody, ServerConfig, handler_fn};
use support::{Server, read_response, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

fn server_config(idle: Duration) -> ServerConfig {
    let mut config = ServerConfig::default();
    config.body_idle_timeout = Some(idle);
    config
}

fn client_config(idle: Duration) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.body_idle_timeout = Some(idle);
    config
}

/// A server whose handler reads the request body and answers with what it got: `200` and the
/// bytes, or `400` and the error.
async fn reading_server(config: ServerConfig) -> Server {
    Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            match req.into_body().expect("a body").read().await {
                Ok(bytes) => http::Response::new(ResponseBody::full(bytes)),
                Err(err) => {
                    let mut response = http::Response::new(ResponseBody::full(err.to_string()));
                    *response.status_mut() = StatusCode::BAD_REQUEST;
                    response
                }
            }
        }),
        config,
    )
    .await
}

/// A backend on a free port that answers every request with `head` and `body`, then holds the
/// connection open without sending anything more (until the test ends).
async fn stalling_backend(head: &'static str, body: &'static str) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while support::find(&got, b"\r\n\r\n").is_none() {
                let n = socket.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(body.as_bytes()).await.unwrap();
            held.push(socket);
        }
    });
    addr
}

/// Reads until the peer closes or resets the connection; what arrived.
async fn read_until_closed(socket: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match within(socket.read(&mut buf)).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn both_limits_default_to_mi_s_socket_timeout() {
    let mi = Some(Duration::from_secs(180));
    assert_eq!(ServerConfig::default().body_idle_timeout, mi);
    assert_eq!(ClientConfig::default().body_idle_timeout, mi);
}

#[tokio::test]
async fn a_client_that_stops_sending_its_body_fails_the_read() {
    let server = reading_server(server_config(Duration::from_millis(200))).await;
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    // Ten bytes announced, three sent, then nothing (the socket stays open).
    socket
        .write_all(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        .await
        .unwrap();
    let response = read_response(&mut socket).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        String::from_utf8_lossy(&response.body),
        "reading the message body failed: the client sent no body data for 200 ms"
    );
    // The connection cannot be reused with a body half-read: the server closes it.
    assert!(read_until_closed(&mut socket).await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_chunked_body_trickling_within_the_limit_is_read_whole() {
    let server = reading_server(server_config(Duration::from_secs(2))).await;
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(b"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    // Twelve chunks 200 ms apart: longer than the limit in all, never near it between two.
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        socket.write_all(b"2\r\nab\r\n").await.unwrap();
    }
    socket.write_all(b"0\r\n\r\n").await.unwrap();
    let response = read_response(&mut socket).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"ab".repeat(12));
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_request_body_streamed_to_a_backend_aborts_that_request() {
    let backend = reading_server(ServerConfig::default()).await;
    let backend_url = backend.url("/echo");
    let (errors, mut seen) = mpsc::unbounded_channel();
    let proxy = Server::start(
        handler_fn(move |req: http::Request<Option<PendingBody>>| {
            let errors = errors.clone();
            let backend_url = backend_url.clone();
            async move {
                let mut out = OutboundRequest::new(Method::POST, backend_url);
                out.body = OutboundBody::Stream(req.into_body().expect("a body"));
                match HyperSender::new().send(out).await {
                    Ok(_) => http::Response::new(ResponseBody::full("sent")),
                    Err(err) => {
                        let _ = errors.send(err);
                        let mut response = http::Response::new(ResponseBody::empty());
                        *response.status_mut() = StatusCode::BAD_GATEWAY;
                        response
                    }
                }
            }
        }),
        server_config(Duration::from_millis(200)),
    )
    .await;
    let mut socket = TcpStream::connect(proxy.addr).await.unwrap();
    socket
        .write_all(b"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        .await
        .unwrap();
    let response = read_response(&mut socket).await;
    assert_eq!(response.status, 502);
    let err = within(seen.recv()).await.unwrap();
    assert_eq!(err.kind(), SendErrorKind::SendFailed, "{err}");
    assert!(
        err.message()
            .contains("the client sent no body data for 200 ms"),
        "{err}"
    );
    proxy.stop().await;
    backend.stop().await;
}

#[tokio::test]
async fn a_backend_that_stalls_in_its_body_fails_the_read() {
    let addr = stalling_backend(
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\n",
        "abc",
    )
    .await;
    let sender = HyperSender::with_config(client_config(Duration::from_millis(200)));
    let response = within(sender.send(OutboundRequest::new(
        Method::GET,
        format!("http://{addr}/x").parse().unwrap(),
    )))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let err = within(response.into_body().expect("a body").read())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        BodyError::Read("the backend sent no body data for 200 ms".into())
    );
}

#[tokio::test]
async fn a_stalled_backend_body_streamed_to_the_client_aborts_its_connection() {
    let addr = stalling_backend(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "5\r\nhello\r\n",
    )
    .await;
    let backend_url: http::Uri = format!("http://{addr}/x").parse().unwrap();
    let proxy = Server::start(
        handler_fn(move |_req: http::Request<Option<PendingBody>>| {
            let backend_url = backend_url.clone();
            async move {
                let sender = HyperSender::with_config(client_config(Duration::from_millis(200)));
                match sender
                    .send(OutboundRequest::new(Method::GET, backend_url))
                    .await
                {
                    Ok(response) => http::Response::new(ResponseBody::from(response.into_body())),
                    Err(err) => http::Response::new(ResponseBody::full(err.to_string())),
                }
            }
        }),
        ServerConfig::default(),
    )
    .await;
    let mut socket = TcpStream::connect(proxy.addr).await.unwrap();
    socket
        .write_all(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let got = read_until_closed(&mut socket).await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("hello"), "{text}");
    // Cut before the last chunk: the client cannot mistake it for a whole body.
    assert!(!text.ends_with("0\r\n\r\n"), "{text}");
    proxy.stop().await;
}
