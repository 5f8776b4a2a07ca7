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
//! # Why hyper and hyper-util
//!
//! hyper parses and writes HTTP/1.1 and HTTP/2 and hands bodies over frame by frame, so a body
//! can go from one connection to another without being gathered; hyper-util adds what a
//! proxy needs around it: a server that detects HTTP/1.1 or HTTP/2 per connection, and
//! graceful shutdown. The client is hyper's connection-level one with a keep-alive pool of
//! our own (one per thread; the module `pool` says why not hyper-util's pooled client), so
//! its errors can still be told apart (connect, timeout, closed, parse), which Synapse's
//! error codes need. A higher-level client
//! (reqwest) follows redirects, decompresses and hides those differences: right for an
//! application, wrong for a mediator. A router framework (axum) has no use here: APIs and
//! proxy services are dispatched by the runtime with Synapse's rules.
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
//! A malformed request line or header is answered `400 Bad Request` by hyper, and the server
//! goes on serving other connections.
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
