//! The listener over real loopback sockets: keep-alive, HTTP/2, malformed requests, limits,
//! graceful shutdown, the handler's view of a request.

mod support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode, Version};
use mediate_core::transport::{HttpSender, OutboundBody, OutboundRequest, SendErrorKind};
use mediate_message::{BodyError, MessageContext, PendingBody, Scope};
use mediate_transport_http::{
    ClientConfig, Https, HyperSender, RemoteAddr, ResponseBody, ServerConfig, handler_fn,
    request_to_message, response_from_message,
};
use support::{Server, read_response, within};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{Notify, oneshot};

/// Answers `200 <method> <path>`.
async fn hello_server(config: ServerConfig) -> Server {
    Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            http::Response::new(ResponseBody::full(format!(
                "{} {}",
                req.method(),
                req.uri().path()
            )))
        }),
        config,
    )
    .await
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let server = hello_server(ServerConfig::default()).await;
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    for path in ["/a", "/b", "/c"] {
        socket
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let response = read_response(&mut socket).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body, format!("GET {path}").as_bytes());
        assert_eq!(response.header("server"), Some("WSO2-PassThrough-HTTP"));
    }
    server.stop().await;
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_served_on_the_same_port() {
    let server = hello_server(ServerConfig::default()).await;
    let mut config = ClientConfig::default();
    config.http2_prior_knowledge = true;
    let h2 = HyperSender::with_config(config);
    let h1 = HyperSender::new();
    for (sender, version) in [(&h2, Version::HTTP_2), (&h1, Version::HTTP_11)] {
        let response = within(sender.send(OutboundRequest::new(Method::GET, server.url("/v"))))
            .await
            .unwrap();
        assert_eq!(response.version(), version);
        let body = response.into_body().unwrap().read().await.unwrap();
        assert_eq!(body, "GET /v");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_bad_request_line_is_400_and_the_server_keeps_serving() {
    let server = hello_server(ServerConfig::default()).await;
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /x HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /x HTTP/1.1\r\nBad Header\r\n\r\n",
    ] {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket.write_all(garbage).await.unwrap();
        let response = read_response(&mut socket).await;
        assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(garbage));
    }
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut socket).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn oversize_headers_are_431() {
    let mut config = ServerConfig::default();
    config.max_header_size = 16 * 1024;
    config.max_headers = 20;
    let server = hello_server(config).await;

    let big = "v".repeat(20 * 1024);
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(read_response(&mut socket).await.status, 431);

    let many: String = (0..30).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(read_response(&mut socket).await.status, 431);

    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut socket).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_waits_for_the_request_in_flight() {
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let (s, r) = (Arc::clone(&started), Arc::clone(&release));
    let mut server = Server::start(
        handler_fn(move |_req| {
            let (started, release) = (Arc::clone(&s), Arc::clone(&r));
            async move {
                started.notify_one();
                release.notified().await;
                http::Response::new(ResponseBody::full("finished"))
            }
        }),
        ServerConfig::default(),
    )
    .await;
    let sender = HyperSender::new();
    let in_flight = tokio::spawn({
        let uri = server.url("/slow");
        let sender = sender.clone();
        async move { sender.send(OutboundRequest::new(Method::GET, uri)).await }
    });
    within(started.notified()).await;
    server.shutdown();
    // The listener closes; the request in flight holds the server open.
    let addr = server.addr;
    within(async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(
        !server.task.is_finished(),
        "serve returned with a request in flight"
    );

    release.notify_one();
    let response = within(in_flight).await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.into_body().unwrap().read().await.unwrap(),
        "finished"
    );
    within(&mut server.task).await.unwrap().unwrap();
}

#[tokio::test]
async fn connections_still_busy_after_the_grace_period_are_cut() {
    let started = Arc::new(Notify::new());
    let s = Arc::clone(&started);
    let mut config = ServerConfig::default();
    config.grace_period = Duration::from_millis(100);
    let mut server = Server::start(
        handler_fn(move |_req| {
            let started = Arc::clone(&s);
            async move {
                started.notify_one();
                std::future::pending::<()>().await;
                http::Response::new(ResponseBody::empty())
            }
        }),
        config,
    )
    .await;
    let in_flight = tokio::spawn({
        let uri = server.url("/never");
        async move {
            HyperSender::new()
                .send(OutboundRequest::new(Method::GET, uri))
                .await
        }
    });
    within(started.notified()).await;
    server.shutdown();
    within(&mut server.task).await.unwrap().unwrap();
    let err = within(in_flight).await.unwrap().unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::ConnectionClosed, "{err}");
}

#[tokio::test]
async fn the_handler_sees_the_remote_address_and_a_streaming_body() {
    let (tx, rx) = oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let server = Server::start(
        handler_fn(move |req: http::Request<Option<PendingBody>>| {
            let remote = req.extensions().get::<RemoteAddr>().copied();
            // A plain listener's requests are not marked as having come over TLS.
            assert!(!Https::is_set(req.extensions()));
            let body = req.body().clone();
            if let Some(tx) = tx.lock().unwrap().take() {
                let _ = tx.send((remote, body.as_ref().map(PendingBody::content_length)));
            }
            async move {
                let text = match body {
                    Some(b) => b.read().await.unwrap(),
                    None => Bytes::from_static(b"<none>"),
                };
                http::Response::new(ResponseBody::full(text))
            }
        }),
        ServerConfig::default(),
    )
    .await;
    let sender = HyperSender::new();
    let mut req = OutboundRequest::new(Method::POST, server.url("/"));
    req.body = OutboundBody::Full(Bytes::from_static(b"12345"));
    let response = within(sender.send(req)).await.unwrap();
    assert_eq!(response.into_body().unwrap().read().await.unwrap(), "12345");
    let (remote, length) = rx.await.unwrap();
    assert!(remote.unwrap().0.ip().is_loopback());
    assert_eq!(length, Some(Some(5)));

    let response = within(sender.send(OutboundRequest::new(Method::GET, server.url("/"))))
        .await
        .unwrap();
    assert_eq!(
        response.into_body().unwrap().read().await.unwrap(),
        "<none>"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_configured_body_limit_is_on_every_request_body() {
    let mut config = ServerConfig::default();
    config.body_limit = 8;
    let server = Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            match req.into_body().unwrap().read().await {
                Err(BodyError::TooLarge { limit }) => {
                    let mut r = http::Response::new(ResponseBody::full(limit.to_string()));
                    *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                    r
                }
                other => http::Response::new(ResponseBody::full(format!("{other:?}"))),
            }
        }),
        config,
    )
    .await;
    let mut req = OutboundRequest::new(Method::POST, server.url("/"));
    req.body = OutboundBody::Full(Bytes::from_static(b"0123456789"));
    let response = within(HyperSender::new().send(req)).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.into_body().unwrap().read().await.unwrap(), "8");
    server.stop().await;
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_server_goes_on() {
    let server = Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            if req.uri().path() == "/panic" {
                panic!("boom");
            }
            http::Response::new(ResponseBody::full("fine"))
        }),
        ServerConfig::default(),
    )
    .await;
    let sender = HyperSender::new();
    let response = within(sender.send(OutboundRequest::new(Method::GET, server.url("/panic"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let response = within(sender.send(OutboundRequest::new(Method::GET, server.url("/ok"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}

/// The whole way round: request → message → reply message → response, over the wire, with a
/// pass-through body that nothing reads and a converted one.
#[tokio::test]
async fn messages_round_trip_through_the_listener() {
    let server = Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            let mut msg: MessageContext = request_to_message(req);
            if msg.request_path() == Some("/convert") {
                msg.read_body().await.unwrap();
                msg.set_message_type("application/xml");
                msg.set_scoped_property(Scope::Axis2, "HTTP_SC", 201)
                    .unwrap();
            }
            response_from_message(msg).await
        }),
        ServerConfig::default(),
    )
    .await;
    let sender = HyperSender::new();

    let mut req = OutboundRequest::new(Method::POST, server.url("/echo"));
    req.headers
        .insert("content-type", "application/json".parse().unwrap());
    req.headers.insert("x-trace", "t1".parse().unwrap());
    req.body = OutboundBody::Full(Bytes::from_static(br#"{"a":1}"#));
    let response = within(sender.send(req)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["x-trace"], "t1");
    assert!(response.headers().get("user-agent").is_none());
    assert_eq!(
        response.into_body().unwrap().read().await.unwrap(),
        r#"{"a":1}"#
    );

    let mut req = OutboundRequest::new(Method::POST, server.url("/convert"));
    req.headers
        .insert("content-type", "application/json".parse().unwrap());
    req.body = OutboundBody::Full(Bytes::from_static(br#"{"a":1}"#));
    let response = within(sender.send(req)).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["content-type"], "application/xml");
    assert_eq!(
        response.into_body().unwrap().read().await.unwrap(),
        "<jsonObject><a>1</a></jsonObject>"
    );
    server.stop().await;
}

/// Reads until the peer closes; returns what it sent.
async fn read_to_close(socket: &mut TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let _ = within(socket.read_to_end(&mut got)).await;
    got
}

#[tokio::test]
async fn silent_and_stalled_connections_are_closed_after_the_head_timeout() {
    let mut config = ServerConfig::default();
    config.header_read_timeout = Some(Duration::from_millis(200));
    let server = hello_server(config).await;

    // Connects and sends nothing.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    assert!(read_to_close(&mut silent).await.is_empty());

    // Starts a request head and stalls.
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let got = read_to_close(&mut stalled).await;
    assert!(
        got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&got)
    );

    // An idle keep-alive connection goes too, after answering.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut idle).await.status, 200);
    assert!(read_to_close(&mut idle).await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_does_not_wait_for_connections_that_sent_nothing() {
    let mut config = ServerConfig::default();
    config.header_read_timeout = Some(Duration::from_secs(600));
    config.grace_period = Duration::from_secs(600);
    let server = hello_server(config).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    // An idle keep-alive connection, after one request.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut idle).await.status, 200);
    server.stop().await;
    assert!(read_to_close(&mut silent).await.is_empty());
    assert!(read_to_close(&mut idle).await.is_empty());
}
