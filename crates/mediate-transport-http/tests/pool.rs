//! HyperSender's connection pool against loopback servers: reuse, bodies read or abandoned,
//! backends that close idle connections, concurrency, and `POST_TO_URI`.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Method, StatusCode};
use mediate_core::transport::{HttpSender, OutboundBody, OutboundRequest, SendOptions};
use mediate_transport_http::{HyperSender, ResponseBody};
use support::within;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A hyper HTTP/1.1 server that counts the connections it accepts and answers each request
/// with `size` bytes of `x` after `delay`.
async fn counting_server(size: usize, delay: Duration) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| async move {
                    tokio::time::sleep(delay).await;
                    Ok::<_, std::convert::Infallible>(http::Response::new(ResponseBody::full(
                        vec![b'x'; size],
                    )))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    (addr, accepted)
}

fn get(addr: std::net::SocketAddr, path: &str) -> OutboundRequest {
    OutboundRequest::new(Method::GET, format!("http://{addr}{path}").parse().unwrap())
}

/// Reads the head of one request from `socket` (up to the blank line).
async fn read_head(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut got = Vec::new();
    while support::find(&got, b"\r\n\r\n").is_none() {
        let mut buf = [0u8; 1024];
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        got.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn a_connection_is_reused_only_once_its_response_body_was_read() {
    let (addr, accepted) = counting_server(64 * 1024, Duration::ZERO).await;
    let sender = HyperSender::new();
    // The first response's body is still unread: the second request needs a connection
    // of its own.
    let first = within(sender.send(get(addr, "/1"))).await.unwrap();
    let second = within(sender.send(get(addr, "/2"))).await.unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    for response in [first, second] {
        let body = within(response.into_body().unwrap().read()).await.unwrap();
        assert_eq!(body.len(), 64 * 1024);
    }
    // Both bodies were read to their end: both connections are back in the pool.
    for i in 0..6 {
        let response = within(sender.send(get(addr, &format!("/again/{i}"))))
            .await
            .unwrap();
        within(response.into_body().unwrap().read()).await.unwrap();
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_response_body_dropped_unread_does_not_poison_the_pool() {
    let (addr, accepted) = counting_server(256 * 1024, Duration::ZERO).await;
    let sender = HyperSender::new();
    let abandoned = within(sender.send(get(addr, "/abandoned"))).await.unwrap();
    drop(abandoned);
    // The abandoned connection is not handed out again half-read: this one gets a whole
    // body, on a new connection.
    let response = within(sender.send(get(addr, "/next"))).await.unwrap();
    let body = within(response.into_body().unwrap().read()).await.unwrap();
    assert_eq!(body.len(), 256 * 1024);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn concurrent_requests_open_connections_that_are_then_reused() {
    let (addr, accepted) = counting_server(100, Duration::from_millis(100)).await;
    let sender = HyperSender::new();
    let send_all = |round: usize| {
        let sender = sender.clone();
        async move {
            let calls = (0..8).map(|i| {
                let sender = sender.clone();
                async move {
                    let response = sender
                        .send(get(addr, &format!("/{round}/{i}")))
                        .await
                        .unwrap();
                    response.into_body().unwrap().read().await.unwrap().len()
                }
            });
            futures::future::join_all(calls).await
        }
    };
    assert_eq!(within(send_all(0)).await, vec![100; 8]);
    assert_eq!(accepted.load(Ordering::SeqCst), 8);
    assert_eq!(within(send_all(1)).await, vec![100; 8]);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        8,
        "the second round reuses the first's"
    );
}

#[tokio::test]
async fn a_backend_that_closes_idle_connections_does_not_fail_the_next_request() {
    // Answers one request per connection with keep-alive headers, then closes it: what a
    // backend with a short keep-alive timeout does between two requests.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if read_head(&mut socket).await.is_some() {
                    let _ = socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            });
        }
    });
    let sender = HyperSender::new();
    for i in 0..3 {
        let response = within(sender.send(get(addr, &format!("/{i}"))))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = within(response.into_body().unwrap().read()).await.unwrap();
        assert_eq!(&body[..], b"ok");
        // Past the backend's close.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn post_to_uri_puts_the_whole_uri_on_the_request_line() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut heads = Vec::new();
        for _ in 0..2 {
            let (mut socket, _) = listener.accept().await.unwrap();
            let head = read_head(&mut socket).await.unwrap();
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
                .await;
            heads.push(head);
        }
        heads
    });
    let sender = HyperSender::new();
    let uri: http::Uri = format!("http://{addr}/orders/7?full=yes").parse().unwrap();
    let mut options = SendOptions::default();
    options.post_to_uri = true;
    let mut absolute = OutboundRequest::new(Method::POST, uri.clone());
    absolute.body = OutboundBody::Full("{}".into());
    absolute.options = options;
    within(sender.send(absolute)).await.unwrap();
    let mut origin = OutboundRequest::new(Method::POST, uri);
    origin.body = OutboundBody::Full("{}".into());
    within(sender.send(origin)).await.unwrap();

    let heads = server.await.unwrap();
    assert!(
        heads[0].starts_with(&format!(
            "POST http://{addr}/orders/7?full=yes HTTP/1.1\r\n"
        )),
        "{}",
        heads[0]
    );
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains(&format!("host: {addr}\r\n")),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].starts_with("POST /orders/7?full=yes HTTP/1.1\r\n"),
        "{}",
        heads[1]
    );
}

#[tokio::test]
async fn a_host_without_an_explicit_port_gets_a_host_header_without_one() {
    // Port 80 cannot be bound in a test; the Host header rule is the same for both forms,
    // so check the explicit-port form end to end (the default-port form is a unit test).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let head = read_head(&mut socket).await.unwrap();
        let _ = socket.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await;
        head
    });
    let response = within(
        HyperSender::new().send(OutboundRequest::new(
            Method::GET,
            format!("http://localhost:{}/h", addr.port())
                .parse()
                .unwrap(),
        )),
    )
    .await
    .unwrap();
    assert!(response.body().is_none());
    let head = server.await.unwrap().to_ascii_lowercase();
    assert!(
        head.contains(&format!("host: localhost:{}\r\n", addr.port())),
        "{head}"
    );
}
