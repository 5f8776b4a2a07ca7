//! HyperSender against real loopback servers: error codes, keep-alive, streaming, headers.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::{Method, StatusCode, Version};
use mediate_core::transport::{
    HttpSender, OutboundBody, OutboundRequest, ProtocolState, SendErrorKind, SendOptions,
};
use mediate_message::{BodyError, BodyStream, PendingBody};
use mediate_transport_http::{
    ClientConfig, HyperSender, PreservedHeaders, ResponseBody, ServerConfig, handler_fn,
};
use support::{Server, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn request(method: Method, uri: http::Uri) -> OutboundRequest {
    OutboundRequest::new(method, uri)
}

/// A server that answers every request with the status in its path (`/404`) and a body
/// describing what it got: method, headers, body length.
async fn describing_server() -> Server {
    Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            let status: u16 = req
                .uri()
                .path()
                .trim_start_matches('/')
                .parse()
                .unwrap_or(200);
            let mut description = format!("{} {:?}\n", req.method(), req.version());
            for (name, value) in req.headers() {
                description.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
            }
            let body = match req.into_body() {
                Some(body) => body.read().await.map(|b| b.len()).unwrap_or(usize::MAX),
                None => 0,
            };
            description.push_str(&format!("body: {body}\n"));
            let mut response = http::Response::new(ResponseBody::full(description));
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            response
        }),
        ServerConfig::default(),
    )
    .await
}

async fn text(response: mediate_core::transport::InboundResponse) -> String {
    let body = response.into_body().expect("a body").read().await.unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn a_refused_connection_is_101503() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = within(HyperSender::new().send(request(
        Method::GET,
        format!("http://{addr}/x").parse().unwrap(),
    )))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::ConnectFailed, "{err}");
    assert_eq!(err.code(), 101_503);
    assert!(err.message().contains(&addr.to_string()), "{err}");
}

#[tokio::test]
async fn the_requests_own_deadline_is_a_101504_timeout_without_a_state() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accept and hold connections, never answering.
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            held.push(socket);
        }
    });
    let mut req = request(Method::GET, format!("http://{addr}/slow").parse().unwrap());
    req.timeout = Some(Duration::from_millis(300));
    let err = within(HyperSender::new().send(req)).await.unwrap_err();
    // The endpoint's `<timeout>` (Synapse's TimeoutHandler): the base code.
    assert_eq!(err.kind(), SendErrorKind::Timeout, "{err}");
    assert_eq!(err.code(), 101_504);
    holder.abort();
}

/// The sender keeps the deadline itself (so an endpoint puts no timer of its own around it),
/// also while it reads a body to send it with a Content-Length: a client that stops sending
/// its body does not hold the send past the deadline.
#[tokio::test]
async fn the_deadline_also_covers_reading_a_body_to_send_it_with_a_length() {
    let server = describing_server().await;
    let sender = HyperSender::new();
    assert!(sender.enforces_timeout());
    let stalled: BodyStream = Box::pin(
        futures::stream::iter([Ok(Bytes::from_static(b"<part/>"))])
            .chain(futures::stream::pending()),
    );
    let mut req = request(Method::POST, server.url("/"));
    req.body = OutboundBody::Stream(PendingBody::new(stalled, None));
    req.timeout = Some(Duration::from_millis(300));
    let mut options = SendOptions::default();
    options.disable_chunking = true;
    req.options = options;
    let err = within(sender.send(req)).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::Timeout, "{err}");
    assert_eq!(err.code(), 101_504);
    assert!(err.message().contains("300 ms"), "{err}");
    server.stop().await;
}

/// Accepts connections and holds them, reading (and dropping) whatever arrives.
async fn silent_server() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    (addr, holder)
}

fn socket_timeout(timeout: Duration) -> HyperSender {
    let mut config = ClientConfig::default();
    config.socket_timeout = timeout;
    HyperSender::with_config(config)
}

#[tokio::test]
async fn a_socket_timeout_waiting_for_the_head_is_101504_plus_request_done() {
    let (addr, holder) = silent_server().await;
    let sender = socket_timeout(Duration::from_millis(200));
    // The request's own deadline is later: the socket timeout fires first.
    let mut req = request(Method::POST, format!("http://{addr}/").parse().unwrap());
    req.body = OutboundBody::Full(Bytes::from_static(b"<a/>"));
    req.timeout = Some(Duration::from_secs(20));
    let err = within(sender.send(req)).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::SocketTimeout, "{err}");
    assert_eq!(err.state(), ProtocolState::RequestDone);
    assert_eq!((err.base_code(), err.code()), (101_504, 101_507));
    assert!(err.message().contains("REQUEST_DONE"), "{err}");
    holder.abort();
}

#[tokio::test]
async fn a_socket_timeout_while_the_body_is_written_is_101504_plus_request_head() {
    let (addr, holder) = silent_server().await;
    let sender = socket_timeout(Duration::from_millis(200));
    // A body whose second chunk never comes.
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Bytes, BodyError>>();
    tx.unbounded_send(Ok(Bytes::from_static(b"first"))).unwrap();
    let stream: BodyStream = Box::pin(rx);
    let mut req = request(Method::POST, format!("http://{addr}/").parse().unwrap());
    req.body = OutboundBody::Stream(PendingBody::new(stream, None));
    let err = within(sender.send(req)).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::SocketTimeout, "{err}");
    assert_eq!(err.state(), ProtocolState::RequestHead);
    assert_eq!(err.code(), 101_505);
    drop(tx);
    holder.abort();
}

#[tokio::test]
async fn a_body_that_keeps_moving_is_not_a_socket_timeout() {
    let server = describing_server().await;
    let sender = socket_timeout(Duration::from_millis(300));
    // Six chunks 100 ms apart: 600 ms in all, never 300 ms without one.
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Bytes, BodyError>>();
    let feeder = tokio::spawn(async move {
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            tx.unbounded_send(Ok(Bytes::from_static(b"x"))).unwrap();
        }
    });
    let stream: BodyStream = Box::pin(rx);
    let mut req = request(Method::POST, server.url("/"));
    req.body = OutboundBody::Stream(PendingBody::new(stream, None));
    let response = within(sender.send(req)).await.unwrap();
    assert!(text(response).await.contains("body: 6"));
    feeder.await.unwrap();
}

#[tokio::test]
async fn the_socket_timeout_applies_when_the_request_sets_none() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            held.push(socket);
        }
    });
    let sender = socket_timeout(Duration::from_millis(200));
    let err = within(sender.send(request(
        Method::GET,
        format!("http://{addr}/").parse().unwrap(),
    )))
    .await
    .unwrap_err();
    // A GET has no body: REQUEST_DONE as soon as it is submitted.
    assert_eq!(err.kind(), SendErrorKind::SocketTimeout, "{err}");
    assert_eq!(err.code(), 101_507);
    holder.abort();
}

#[tokio::test]
async fn a_connection_closed_after_the_request_is_101505_plus_request_done() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        while support::find(&got, b"\r\n\r\n").is_none() {
            let mut buf = [0u8; 1024];
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        drop(socket);
        got
    });
    let err = within(HyperSender::new().send(request(
        Method::GET,
        format!("http://{addr}/closing").parse().unwrap(),
    )))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::ConnectionClosed, "{err}");
    assert_eq!(err.state(), ProtocolState::RequestDone);
    assert_eq!(err.code(), 101_508);
    let got = String::from_utf8(server.await.unwrap()).unwrap();
    assert!(got.starts_with("GET /closing HTTP/1.1\r\n"), "{got}");
}

#[tokio::test]
async fn a_response_that_is_not_http_is_a_protocol_violation() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = socket.read(&mut buf).await;
        let _ = socket.write_all(b"SSH-2.0-OpenSSH\r\n\r\n").await;
        let _ = socket.shutdown().await;
    });
    let err = within(HyperSender::new().send(request(
        Method::GET,
        format!("http://{addr}/").parse().unwrap(),
    )))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::ProtocolViolation, "{err}");
    assert_eq!((err.base_code(), err.code()), (101_506, 101_509));
}

#[tokio::test]
async fn error_statuses_are_responses_not_errors() {
    let server = describing_server().await;
    let sender = HyperSender::new();
    for status in [400u16, 404, 500, 503] {
        let response = within(sender.send(request(Method::GET, server.url(&format!("/{status}")))))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert!(text(response).await.starts_with("GET"));
    }
    server.stop().await;
}

#[tokio::test]
async fn keep_alive_reuses_one_connection_for_sequential_requests() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    // A plain hyper HTTP/1.1 server that counts the connections it accepts.
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(http::Response::new(ResponseBody::full("ok")))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    let sender = HyperSender::new();
    for i in 0..10 {
        let response = within(sender.send(request(
            Method::GET,
            format!("http://{addr}/{i}").parse().unwrap(),
        )))
        .await
        .unwrap();
        assert_eq!(text(response).await, "ok");
        // Let the connection task put the finished connection back in the pool.
        tokio::task::yield_now().await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// Produces `total` bytes in 64 KiB chunks, only when polled, recording how many it produced.
fn generator(
    total: u64,
    produced: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
    ahead: Arc<AtomicU64>,
) -> BodyStream {
    const CHUNK: u64 = 64 * 1024;
    let chunk = Bytes::from(vec![b'x'; CHUNK as usize]);
    Box::pin(futures::stream::unfold(0u64, move |sent| {
        let chunk = chunk.clone();
        let produced = Arc::clone(&produced);
        let received = Arc::clone(&received);
        let ahead = Arc::clone(&ahead);
        async move {
            if sent >= total {
                return None;
            }
            let len = CHUNK.min(total - sent);
            let now = produced.fetch_add(len, Ordering::SeqCst) + len;
            // How far the sender is ahead of what the server has received so far.
            ahead.fetch_max(
                now.saturating_sub(received.load(Ordering::SeqCst)),
                Ordering::SeqCst,
            );
            Some((Ok(chunk.slice(..len as usize)), sent + len))
        }
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mib_body_streams_through_without_buffering() {
    const TOTAL: u64 = 200 * 1024 * 1024;
    let received = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&received);
    let server = Server::start(
        handler_fn(move |req: http::Request<Option<PendingBody>>| {
            let seen = Arc::clone(&seen);
            async move {
                let chunked = req.headers().get("transfer-encoding").is_some();
                let mut stream = req
                    .into_body()
                    .expect("a body")
                    .into_stream()
                    .await
                    .unwrap();
                let mut count = 0u64;
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.unwrap();
                    count += chunk.len() as u64;
                    seen.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
                http::Response::new(ResponseBody::full(format!("{count} {chunked}")))
            }
        }),
        ServerConfig::default(),
    )
    .await;

    let produced = Arc::new(AtomicU64::new(0));
    let ahead = Arc::new(AtomicU64::new(0));
    let body = PendingBody::new(
        generator(
            TOTAL,
            Arc::clone(&produced),
            Arc::clone(&received),
            Arc::clone(&ahead),
        ),
        None,
    );
    let mut req = request(Method::POST, server.url("/upload"));
    req.body = OutboundBody::Stream(body);
    req.timeout = Some(Duration::from_secs(120));
    let response = tokio::time::timeout(Duration::from_secs(120), HyperSender::new().send(req))
        .await
        .expect("the upload hung")
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response).await, format!("{TOTAL} true"));
    assert_eq!(produced.load(Ordering::SeqCst), TOTAL);
    // The generator never ran far ahead of the server: the sender pulls chunks as the socket
    // takes them instead of gathering the body (bounded by socket and hyper buffers).
    let max_ahead = ahead.load(Ordering::SeqCst);
    assert!(
        max_ahead < 32 * 1024 * 1024,
        "the sender ran {max_ahead} bytes ahead"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_fails_mid_stream_is_101500() {
    let server = describing_server().await;
    let stream: BodyStream = Box::pin(futures::stream::iter([
        Ok(Bytes::from_static(b"first")),
        Err(BodyError::Read("the client went away".into())),
    ]));
    let mut req = request(Method::POST, server.url("/"));
    req.body = OutboundBody::Stream(PendingBody::new(stream, None));
    let err = within(HyperSender::new().send(req)).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::SendFailed, "{err}");
    assert_eq!(err.code(), 101_500);
    server.stop().await;
}

#[tokio::test]
async fn hop_by_hop_host_and_length_headers_are_the_transports() {
    let server = describing_server().await;
    let mut req = request(Method::POST, server.url("/"));
    for (name, value) in [
        ("connection", "x-secret"),
        ("x-secret", "1"),
        ("keep-alive", "timeout=1"),
        ("proxy-authorization", "Basic eA=="),
        ("te", "trailers"),
        ("upgrade", "h2c"),
        ("host", "evil.example"),
        ("content-length", "999"),
        ("transfer-encoding", "gzip"),
        ("user-agent", "curl/8"),
        ("x-kept", "yes"),
    ] {
        req.headers.append(name, value.parse().unwrap());
    }
    req.body = OutboundBody::Full(Bytes::from_static(b"abc"));
    let got = text(within(HyperSender::new().send(req)).await.unwrap()).await;
    assert!(got.contains("x-kept: yes\n"), "{got}");
    assert!(got.contains(&format!("host: {}\n", server.addr)), "{got}");
    assert!(got.contains("content-length: 3\n"), "{got}");
    assert!(
        got.contains("user-agent: Synapse-PT-HttpComponents-NIO\n"),
        "{got}"
    );
    for gone in [
        "x-secret",
        "keep-alive",
        "proxy-authorization",
        "te:",
        "upgrade",
        "evil.example",
        "content-length: 999",
        "transfer-encoding",
        "curl",
    ] {
        assert!(!got.contains(gone), "{gone} was forwarded:\n{got}");
    }
    assert!(got.ends_with("body: 3\n"));
    server.stop().await;
}

#[tokio::test]
async fn preserved_user_agent_and_date_go_to_the_backend_as_the_message_has_them() {
    let server = describing_server().await;
    let with_headers = || {
        let mut req = request(Method::GET, server.url("/"));
        req.headers.insert("user-agent", "curl/8".parse().unwrap());
        req.headers
            .insert("date", "Tue, 24 Nov 2026 10:00:00 GMT".parse().unwrap());
        req
    };
    // MI's default (`http.user.agent.preserve=false`, `Date` not listed): the transport's own.
    let got = text(
        within(HyperSender::new().send(with_headers()))
            .await
            .unwrap(),
    )
    .await;
    assert!(
        got.contains("user-agent: Synapse-PT-HttpComponents-NIO\n"),
        "{got}"
    );
    assert!(!got.contains("curl") && !got.contains("date:"), "{got}");
    // `http.headers.preserve=Date` and `http.user.agent.preserve=true`.
    let mut config = ClientConfig::default();
    config.preserve_headers = PreservedHeaders::from_mi("Date", true, true).unwrap();
    let preserving = HyperSender::with_config(config);
    let got = text(within(preserving.send(with_headers())).await.unwrap()).await;
    assert!(got.contains("user-agent: curl/8\n"), "{got}");
    assert!(
        got.contains("date: Tue, 24 Nov 2026 10:00:00 GMT\n"),
        "{got}"
    );
    assert!(!got.contains("Synapse-PT"), "{got}");
    server.stop().await;
}

#[tokio::test]
async fn streams_are_chunked_unless_chunking_is_disabled() {
    let server = describing_server().await;
    let sender = HyperSender::new();
    let stream = || -> BodyStream {
        Box::pin(futures::stream::iter(
            ["ab", "cd"].map(|s| Ok(Bytes::from_static(s.as_bytes()))),
        ))
    };

    let mut req = request(Method::POST, server.url("/"));
    req.body = OutboundBody::Stream(PendingBody::new(stream(), None));
    let got = text(within(sender.send(req)).await.unwrap()).await;
    assert!(got.contains("transfer-encoding: chunked\n"), "{got}");

    let mut req = request(Method::POST, server.url("/"));
    req.body = OutboundBody::Stream(PendingBody::new(stream(), None));
    let mut options = SendOptions::default();
    options.disable_chunking = true;
    req.options = options;
    let got = text(within(sender.send(req)).await.unwrap()).await;
    assert!(got.contains("content-length: 4\n"), "{got}");
    assert!(!got.contains("transfer-encoding"), "{got}");

    // An announced length (a pass-through body that came with one) is kept.
    let mut req = request(Method::POST, server.url("/"));
    req.body = OutboundBody::Stream(PendingBody::new(stream(), Some(4)));
    let got = text(within(sender.send(req)).await.unwrap()).await;
    assert!(got.contains("content-length: 4\n"), "{got}");

    // With chunking disabled too, such a body streams with its length: nothing is buffered
    // (the stream could not be read twice, so reaching the backend whole shows it).
    let mut req = request(Method::POST, server.url("/"));
    let body = PendingBody::new(stream(), Some(4));
    req.body = OutboundBody::Stream(body.clone());
    let mut options = SendOptions::default();
    options.disable_chunking = true;
    req.options = options;
    let got = text(within(sender.send(req)).await.unwrap()).await;
    assert!(got.contains("content-length: 4\n"), "{got}");
    assert!(got.contains("body: 4\n"), "{got}");
    // Had the sender read it into memory, every clone would now get the bytes.
    let after = body.read().await;
    assert!(
        after.as_ref().map_or(true, |b| b.is_empty()),
        "the body was streamed on, not read into memory: {after:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn force_http_1_0_sends_http_1_0_with_a_length() {
    let server = describing_server().await;
    let mut req = request(Method::POST, server.url("/"));
    req.body = OutboundBody::Stream(PendingBody::from_chunks([Bytes::from_static(b"xyz")]));
    let mut options = SendOptions::default();
    options.http_1_0 = true;
    req.options = options;
    let got = text(within(HyperSender::new().send(req)).await.unwrap()).await;
    assert!(got.starts_with("POST HTTP/1.0\n"), "{got}");
    assert!(got.contains("content-length: 3\n"), "{got}");
    server.stop().await;
}

#[tokio::test]
async fn responses_without_a_body_have_none() {
    let server = Server::start(
        handler_fn(|req: http::Request<Option<PendingBody>>| async move {
            let mut response = http::Response::new(match req.uri().path() {
                "/empty" => ResponseBody::empty(),
                _ => ResponseBody::full("some"),
            });
            if req.uri().path() == "/204" {
                *response.status_mut() = StatusCode::NO_CONTENT;
                *response.body_mut() = ResponseBody::empty();
            }
            response
        }),
        ServerConfig::default(),
    )
    .await;
    let sender = HyperSender::new();
    let head = within(sender.send(request(Method::HEAD, server.url("/full"))))
        .await
        .unwrap();
    assert!(head.body().is_none());
    let no_content = within(sender.send(request(Method::GET, server.url("/204"))))
        .await
        .unwrap();
    assert_eq!(no_content.status(), StatusCode::NO_CONTENT);
    assert!(no_content.body().is_none());
    let empty = within(sender.send(request(Method::GET, server.url("/empty"))))
        .await
        .unwrap();
    assert!(empty.body().is_none());
    let full = within(sender.send(request(Method::GET, server.url("/full"))))
        .await
        .unwrap();
    assert_eq!(full.body().as_ref().unwrap().content_length(), Some(4));
    assert_eq!(text(full).await, "some");
    server.stop().await;
}

#[tokio::test]
async fn the_response_body_limit_applies_when_it_is_read() {
    let server = Server::start(
        handler_fn(|_req| async { http::Response::new(ResponseBody::full(vec![b'x'; 1000])) }),
        ServerConfig::default(),
    )
    .await;
    let mut config = ClientConfig::default();
    config.body_limit = 100;
    let response =
        within(HyperSender::with_config(config).send(request(Method::GET, server.url("/"))))
            .await
            .unwrap();
    let err = response.into_body().unwrap().read().await.unwrap_err();
    assert_eq!(err, BodyError::TooLarge { limit: 100 });
    server.stop().await;
}

#[tokio::test]
async fn http2_prior_knowledge() {
    let server = describing_server().await;
    let mut config = ClientConfig::default();
    config.http2_prior_knowledge = true;
    let sender = HyperSender::with_config(config);
    let mut req = request(Method::POST, server.url("/201"));
    req.body = OutboundBody::Full(Bytes::from_static(b"hello"));
    let response = within(sender.send(req)).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::CREATED);
    let got = text(response).await;
    assert!(got.starts_with("POST HTTP/2.0\n"), "{got}");
    assert!(got.ends_with("body: 5\n"), "{got}");
    server.stop().await;
}

#[tokio::test]
async fn bad_uris_are_invalid_requests() {
    let sender = HyperSender::new();
    for uri in ["/no-host", "ftp://h/x"] {
        let err = sender
            .send(request(Method::GET, uri.parse().unwrap()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), SendErrorKind::InvalidRequest, "{uri}: {err}");
    }
}
