//! The HTTP transport of the mediate engine: the listener clients call (MI's pass-through HTTP
//! listener, port 8290) and the pooled client endpoints send through (its sender), both
//! streaming bodies so that a message nothing reads passes through in constant memory.
//!
//! | item | what it is |
//! |---|---|
//! | [`serve`], [`ServerConfig`], [`Handler`], [`handler_fn`], [`RemoteAddr`], [`Https`] | the listener: HTTP/1.1 keep-alive and HTTP/2 (prior knowledge) on one port, limits, graceful drain; what a handler learns of a request (the client's address, whether it came over TLS) |
//! | [`PreservedHeaders`] | MI's `http.headers.preserve`: which of a reply's `Server`, `Date`, `User-Agent` are written as the message holds them |
//! | [`HyperSender`], [`ClientConfig`] | the client: keep-alive pool, timeouts, Synapse's error codes; implements [`HttpSender`](mediate_core::transport::HttpSender) |
//! | [`ResponseBody`] | a body to write: empty, in memory, or streamed from a [`PendingBody`](mediate_message::PendingBody) |
//! | [`request_to_message`], [`response_from_message`] | HTTP ⇄ [`MessageContext`](mediate_message::MessageContext), with MI's formatting rules ([`mediate_core::format`]) |
//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `tls` | HTTPS: `https://` backends in [`HyperSender`] (the platform's CA certificates, or `ClientConfig::tls`), TLS on the listener (`ServerConfig::tls`), PEM loading in the `tls` module. rustls with the `ring` provider (no OpenSSL, no aws-lc). |
//!
//! # HTTP/1.1 on `httparse`, HTTP/2 on hyper
//!
//! HTTP/1.1, both ways, is this crate's own code (modules `h1`, `h1_client`, `h1_server`) on
//! [`httparse`](https://docs.rs/httparse), the parser inside hyper: a listener connection is
//! one task that reads a head, hands the request to the [`Handler`] with its body still on the
//! socket, and writes the response; a backend request is written and its response head read
//! by the request's own future, and the response body is read off the socket by whoever reads
//! the message's body. Header values share the bytes read (no copy per header), buffers are
//! reused per connection, and the head and a small body go out in one write.
//!
//! hyper serves HTTP/2 (prior knowledge on the listener's port, told apart by the preface;
//! `h2` to backends) and stays the reference. Up to this change hyper served HTTP/1.1 too; it
//! was replaced because its general machinery (a task per backend connection with channels
//! for requests, responses and body frames; per-request buffers and body channels) cost more
//! user time than nginx spends on the whole proxied request, and the load test's target is
//! nginx's throughput. Measured with callgrind on the 1 KiB pass-through request: 100.9k
//! instructions before, 81.6k with the own HTTP/1.1 client and listener (then 74k with the
//! engine's own trims); see `benches/http/README.md`.
//!
//! What the HTTP/1.1 side does: keep-alive (RFC 9112 §9.3), pipelined requests answered in
//! order, `Content-Length` and chunked bodies both ways (extensions and trailers read and
//! dropped), bodies delimited by the close from backends and to HTTP/1.0 clients,
//! `Expect: 100-continue` (answered before the handler runs), interim `1xx` answers from
//! backends skipped, no body for `HEAD`, `204` and `304`, `Date` cached per second, conflicting
//! `Content-Length`s and unknown transfer codings refused. What it does not: HTTP/1.1 upgrades
//! (`Upgrade`, `CONNECT` tunnels), and pipelining to backends (one request at a time per
//! connection, as hyper's client).
//!
//! A higher-level client (reqwest) follows redirects, decompresses and hides the difference
//! between failures that Synapse's error codes tell apart: right for an application, wrong for
//! a mediator. A router framework (axum) has no use here: APIs and proxy services are
//! dispatched by the runtime with Synapse's rules.
//!
//! # Limits (server)
//!
//! | limit | default | beyond it |
//! |---|---|---|
//! | silence on a new connection, time to send the request head, idle keep-alive ([`ServerConfig::header_read_timeout`]) | 30 s | connection closed |
//! | request head size ([`ServerConfig::max_header_size`]) | 64 KiB | `431` |
//! | header count ([`ServerConfig::max_headers`]) | 100 | `431` |
//! | request body read into memory ([`ServerConfig::body_limit`]) | 64 MiB | [`BodyError::TooLarge`](mediate_message::BodyError::TooLarge) when a mediator reads it (`413` if nothing handles it); streaming is unlimited |
//! | silence inside a request body, per wait for its next chunk ([`ServerConfig::body_idle_timeout`]) | 180 s | the body fails ([`BodyError::Read`](mediate_message::BodyError::Read)): a mediator reading it fails, a body streamed to a backend aborts that request |
//! | drain on shutdown ([`ServerConfig::grace_period`]) | 30 s | connections cut |
//!
//! A malformed request line or header is answered `400 Bad Request`, an unknown transfer
//! coding `501 Not Implemented`, a request line longer than the head limit `414 URI Too Long`;
//! each closes its connection, and the server goes on serving the others. A request body the
//! handler left unread is skipped when the response has gone out (up to 64 KiB; beyond, the
//! connection is closed), after whoever still holds it (a `send` streaming it on) has let it go.
//! A connection closed while its client may still be sending lingers as nginx's do: what still
//! comes is read and dropped (for up to 30 s, until 5 s pass without any), so that the close
//! does not reset the connection before the client has read its answer.
//!
//! # Error codes (client)
//!
//! A response is never an error, whatever its status (`4xx` and `5xx` come back as `Ok`, as in
//! MI, where they do not trigger failover). Failures map to
//! [`SendErrorKind`](mediate_core::transport::SendErrorKind) and Synapse's `ERROR_CODE`:
//!
//! | what happened | kind | code |
//! |---|---|---|
//! | connection refused, host unreachable, DNS failure, TLS handshake failure (`tls`) | `ConnectFailed` | 101503 |
//! | connecting took longer than [`ClientConfig::connect_timeout`] | `ConnectTimeout` | 101508 |
//! | no response head within the request's own timeout ([`OutboundRequest::timeout`](mediate_core::transport::OutboundRequest::timeout), an endpoint's `<timeout>`) | `Timeout` | 101504 |
//! | the connection silent for [`ClientConfig::socket_timeout`] before the response head | `SocketTimeout` | 101504 plus the connection's state |
//! | the backend closed or reset the connection before the response head | `ConnectionClosed` | 101505 |
//! | the backend's response is not HTTP | `ProtocolViolation` | 101506 |
//! | writing the request failed, or the client's body failed mid-stream | `SendFailed` | 101500 |
//! | the URI is not `http://host…`, or hyper refused the request | `InvalidRequest` | 101500 |
//!
//! The timeout counts from the start of the request until the response head, including
//! connecting and writing the body.
//!
//! Once the head has arrived, the response body may stay silent at most
//! [`ClientConfig::body_idle_timeout`] (180 s) between two chunks; beyond it the body fails
//! ([`BodyError::Read`](mediate_message::BodyError::Read)): a mediator reading it fails, and a
//! body streamed on to a client cuts that client's response (the connection is aborted, as in
//! MI).
//!
//! # Example
//!
//! A listener on a free port that answers with the request's body, and the client sending to
//! it:
//!
//! ```
//! use std::sync::Arc;
//! use bytes::Bytes;
//! use http_body_util::BodyExt;
//! use mediate_core::transport::{HttpSender, OutboundBody, OutboundRequest};
//! use mediate_transport_http::{handler_fn, serve, HyperSender, ResponseBody, ServerConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! rt.block_on(async {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let echo = handler_fn(|request: http::Request<Option<mediate_message::PendingBody>>| async move {
//!         http::Response::new(ResponseBody::from(request.into_body()))
//!     });
//!     let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//!     let server = tokio::spawn(serve(listener, Arc::new(echo), ServerConfig::default(), async {
//!         let _ = stopped.await;
//!     }));
//!
//!     let sender = HyperSender::new();
//!     let mut request = OutboundRequest::new(http::Method::POST, format!("http://{addr}/echo").parse()?);
//!     request.body = OutboundBody::Full(Bytes::from_static(b"ping"));
//!     let response = sender.send(request).await?;
//!     assert_eq!(response.status(), 200);
//!     let body = response.into_body().expect("a body").read().await?;
//!     assert_eq!(body, "ping");
//!
//!     let _ = stop.send(());
//!     server.await??;
//!     Ok(())
//! })
//! # }
//! ```
//!
//! The crate emits `tracing` events; installing a subscriber is the binary's job.

mod body;
mod client;
mod h1;
mod h1_client;
mod h1_server;
mod h1_write;
mod message;
mod pool;
mod server;
#[cfg(feature = "tls")]
pub mod tls;

pub use body::ResponseBody;
pub use client::{ClientConfig, HyperSender, MI_USER_AGENT};
pub use message::{request_to_message, response_from_message, try_response_from_message};
pub use server::{
    Handler, HandlerFn, Https, MI_SERVER, PreservedHeaders, RemoteAddr, ServerConfig,
    UnknownPreservedHeader, handler_fn, serve,
};

/// Re-exported: implement [`Handler`] with `#[async_trait]`.
pub use async_trait::async_trait;
