//! [`HyperSender`]: the pooled HTTP client endpoints send through.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use mediate_core::format::strip_excluded_headers;
use mediate_core::transport::{
    HttpSender, InboundResponse, OutboundBody, OutboundRequest, SendError, SendErrorKind,
};
use mediate_message::{BodyError, DEFAULT_BODY_LIMIT, PendingBody};
use thread_local::ThreadLocal;

use crate::body::{Peer, ResponseBody, error_chain, incoming_stream};

/// What MI's pass-through transport sends as `User-Agent` (`http.user.agent.preserve=false`).
pub const MI_USER_AGENT: &str = "Synapse-PT-HttpComponents-NIO";

/// Settings of a [`HyperSender`]. `Default` gives the values documented on each field.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Give up connecting after this long: [`SendErrorKind::ConnectTimeout`] (`101508`).
    /// Default 10 s.
    pub connect_timeout: Duration,
    /// The response-head timeout of a request that sets none
    /// ([`OutboundRequest::timeout`]). Default 180 s (MI's `http.socket.timeout`).
    pub default_timeout: Duration,
    /// How long a response body may stay silent once its head has arrived: a wait for its
    /// next chunk that lasts this long fails the body with a
    /// [`BodyError::Read`] ("the backend sent no body data for 180 s"), so that a mediator
    /// reading it fails, and a response streamed on to the client is cut (the client's
    /// connection is aborted, as in MI) instead of hanging. MI's `http.socket.timeout` on
    /// the sender. Default 180 s; `None`: no limit.
    pub body_idle_timeout: Option<Duration>,
    /// How long an idle keep-alive connection stays in the pool. Default 60 s.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host (`scheme://host:port`). Default 64.
    pub pool_max_idle_per_host: usize,
    /// Speak HTTP/2 with prior knowledge (h2c) to every backend instead of HTTP/1.1.
    /// Default `false`.
    pub http2_prior_knowledge: bool,
    /// The limit on a response body read into memory ([`PendingBody::with_limit`]), and on a
    /// streamed request body read to send it with `Content-Length` (`DISABLE_CHUNKING`).
    /// Default [`DEFAULT_BODY_LIMIT`] (64 MiB).
    pub body_limit: usize,
    /// The `User-Agent` sent to backends (the message's own is never forwarded, as in MI).
    /// Default [`MI_USER_AGENT`]; `None` sends none.
    pub user_agent: Option<String>,
    /// The TLS configuration for `https://` backends (feature `tls`); `None`: the platform's
    /// CA certificates ([`native_client_config`](crate::tls::native_client_config)).
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            default_timeout: Duration::from_secs(180),
            body_idle_timeout: Some(Duration::from_secs(180)),
            pool_idle_timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 64,
            http2_prior_knowledge: false,
            body_limit: DEFAULT_BODY_LIMIT,
            user_agent: Some(MI_USER_AGENT.to_owned()),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;

/// The HTTP client of the engine: hyper-util's pooled client behind
/// [`HttpSender`]. Cheap to clone (clones share the pool).
///
/// - Keep-alive pool per host, idle connections dropped after
///   [`ClientConfig::pool_idle_timeout`].
/// - HTTP/1.1 to `http://` URIs (HTTP/2 with [`ClientConfig::http2_prior_knowledge`]);
///   `FORCE_HTTP_1.0` sends HTTP/1.0. `https://` with the `tls` feature (HTTP/2 then by ALPN).
/// - Requests carry MI's headers: the message's own minus the excluded ones
///   ([`mediate_core::format::is_excluded_header`], and the headers `Connection` names);
///   `Host` from the URI, `Content-Length` or chunking from the body, `User-Agent` from
///   [`ClientConfig::user_agent`].
/// - No redirects followed, no decompression: the backend's answer is the answer.
/// - Request bodies stream chunk by chunk ([`OutboundBody::Stream`]), never buffered, unless
///   `DISABLE_CHUNKING` or `FORCE_HTTP_1.0` asks for a `Content-Length`; response bodies come
///   back streaming as a [`PendingBody`] (`None` for `HEAD`, `1xx`, `204`, `304` and empty
///   bodies).
/// - Every failure is a [`SendError`] with Synapse's code (see the crate documentation).
///
/// It must be used inside a tokio runtime (with the time driver).
#[derive(Clone)]
pub struct HyperSender {
    /// One pooled client per thread that sends: its connections are spawned on, and driven
    /// by, that thread's runtime, so a request and its connection never wake each other
    /// across threads, and no pooled connection outlives the runtime that drives it (a
    /// `current_thread` runtime per core, or tests with a runtime each).
    clients: Arc<ThreadLocal<Client<Connector, ResponseBody>>>,
    config: Arc<ClientConfig>,
}

impl fmt::Debug for HyperSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperSender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for HyperSender {
    fn default() -> Self {
        Self::new()
    }
}

/// A pooled hyper client with `config`'s settings.
fn build_client(config: &ClientConfig) -> Client<Connector, ResponseBody> {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(config.connect_timeout));
    connector.set_nodelay(true);
    // With TLS the HTTPS connector checks the scheme.
    connector.enforce_http(!cfg!(feature = "tls"));
    #[cfg(feature = "tls")]
    let connector = {
        let tls = config
            .tls
            .clone()
            .unwrap_or_else(crate::tls::native_client_config);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*tls).clone())
            .https_or_http();
        if config.http2_prior_knowledge {
            https.enable_all_versions().wrap_connector(connector)
        } else {
            https.enable_http1().wrap_connector(connector)
        }
    };
    let mut builder = Client::builder(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(config.pool_idle_timeout)
        .pool_max_idle_per_host(config.pool_max_idle_per_host)
        .http2_only(config.http2_prior_knowledge)
        .set_host(true)
        .retry_canceled_requests(true);
    builder.build(connector)
}

impl HyperSender {
    /// A sender with the default [`ClientConfig`].
    pub fn new() -> Self {
        Self::with_config(ClientConfig::default())
    }

    /// A sender with `config`.
    pub fn with_config(config: ClientConfig) -> Self {
        Self {
            clients: Arc::new(ThreadLocal::new()),
            config: Arc::new(config),
        }
    }

    /// This thread's client, made on first use.
    fn client(&self) -> &Client<Connector, ResponseBody> {
        self.clients.get_or(|| build_client(&self.config))
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    async fn request_body(
        &self,
        body: OutboundBody,
        with_length: bool,
    ) -> Result<ResponseBody, SendError> {
        Ok(match body {
            OutboundBody::Empty => ResponseBody::empty(),
            OutboundBody::Full(bytes) => ResponseBody::full(bytes),
            // A stream whose length is known goes with that Content-Length as it is.
            OutboundBody::Stream(pending) if with_length && pending.content_length().is_none() => {
                let pending = pending.with_limit(self.config.body_limit);
                let bytes = pending.read().await.map_err(|e| {
                    SendError::new(
                        SendErrorKind::SendFailed,
                        format!(
                            "reading the request body to send it with a Content-Length failed: {e}"
                        ),
                    )
                })?;
                ResponseBody::full(bytes)
            }
            OutboundBody::Stream(pending) => ResponseBody::stream(pending),
        })
    }
}

#[async_trait]
impl HttpSender for HyperSender {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, SendError> {
        let OutboundRequest {
            method,
            uri,
            headers,
            body,
            timeout,
            options,
            ..
        } = request;
        check_uri(&uri)?;
        let with_length = options.disable_chunking || options.http_1_0;
        let body = self.request_body(body, with_length).await?;

        let mut out = http::Request::new(body);
        *out.method_mut() = method.clone();
        *out.uri_mut() = uri.clone();
        if options.http_1_0 {
            *out.version_mut() = Version::HTTP_10;
        }
        let mut headers = headers;
        strip_excluded_headers(&mut headers);
        *out.headers_mut() = headers;
        let out_headers = out.headers_mut();
        if let Some(agent) = &self.config.user_agent
            && let Ok(value) = HeaderValue::from_str(agent)
        {
            out_headers.insert(header::USER_AGENT, value);
        }

        let timeout = timeout.unwrap_or(self.config.default_timeout);
        let response = match tokio::time::timeout(timeout, self.client().request(out)).await {
            Err(_) => {
                return Err(SendError::new(
                    SendErrorKind::Timeout,
                    format!("no response from {uri} within {} ms", timeout.as_millis()),
                ));
            }
            Ok(Err(err)) => return Err(map_error(&err, &uri)),
            Ok(Ok(response)) => response,
        };

        let (parts, incoming) = response.into_parts();
        let no_body = method == Method::HEAD
            || parts.status.is_informational()
            || parts.status == StatusCode::NO_CONTENT
            || parts.status == StatusCode::NOT_MODIFIED
            || http_body::Body::is_end_stream(&incoming);
        let body = if no_body {
            None
        } else {
            let length = content_length(&parts.headers);
            Some(
                PendingBody::new(
                    incoming_stream(incoming, self.config.body_idle_timeout, Peer::Backend),
                    length,
                )
                .with_limit(self.config.body_limit),
            )
        };
        Ok(http::Response::from_parts(parts, body))
    }
}

/// The `Content-Length` header, when it is one number.
pub(crate) fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    let mut values = headers.get_all(header::CONTENT_LENGTH).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()?.trim().parse().ok()
}

fn check_uri(uri: &Uri) -> Result<(), SendError> {
    let invalid = |why: &str| {
        Err(SendError::new(
            SendErrorKind::InvalidRequest,
            format!("cannot send to `{uri}`: {why}"),
        ))
    };
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => {}
        Some(s) if s.eq_ignore_ascii_case("https") && cfg!(feature = "tls") => {}
        Some(s) if s.eq_ignore_ascii_case("https") => {
            return invalid("https needs the `tls` feature of mediate-transport-http");
        }
        Some(s) => return invalid(&format!("the scheme `{s}` is not http")),
        None => return invalid("the URI is not absolute (no scheme)"),
    }
    if uri.host().is_none_or(str::is_empty) {
        return invalid("the URI has no host");
    }
    Ok(())
}

/// An error and its causes, outermost first.
fn error_sources<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e| (*e).source())
}

/// Synapse's view of a failed exchange (see the crate documentation's table).
fn map_error(err: &hyper_util::client::legacy::Error, uri: &Uri) -> SendError {
    let detail = error_chain(err);
    let kind = classify(err);
    let what = match kind {
        SendErrorKind::ConnectFailed => "connecting to the backend failed",
        SendErrorKind::ConnectTimeout => "connecting to the backend timed out",
        SendErrorKind::Timeout => "the backend did not answer in time",
        SendErrorKind::ConnectionClosed => {
            "the backend closed the connection before the response arrived"
        }
        SendErrorKind::ProtocolViolation => "the backend's response broke the HTTP protocol",
        SendErrorKind::InvalidRequest => "the request cannot be sent as given",
        SendErrorKind::ReceiveFailed => "reading the response failed",
        _ => "sending the request failed",
    };
    SendError::new(kind, format!("{what} ({uri}): {detail}"))
}

fn classify(err: &hyper_util::client::legacy::Error) -> SendErrorKind {
    let chain = || error_sources(err);
    if err.is_connect() {
        let timed_out = chain().any(|e| {
            e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
        });
        return if timed_out {
            SendErrorKind::ConnectTimeout
        } else {
            SendErrorKind::ConnectFailed
        };
    }
    // The request body (the client's stream) failed while it was being written.
    if chain().any(|e| e.is::<BodyError>()) {
        return SendErrorKind::SendFailed;
    }
    for e in chain() {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return match io.kind() {
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => SendErrorKind::ConnectionClosed,
                io::ErrorKind::TimedOut => SendErrorKind::Timeout,
                _ => SendErrorKind::SendFailed,
            };
        }
    }
    for e in chain() {
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_parse() {
                return SendErrorKind::ProtocolViolation;
            }
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                return SendErrorKind::ConnectionClosed;
            }
            if h.is_timeout() {
                return SendErrorKind::Timeout;
            }
            if h.is_body_write_aborted() {
                return SendErrorKind::SendFailed;
            }
            if h.is_user() {
                return SendErrorKind::InvalidRequest;
            }
        }
    }
    SendErrorKind::SendFailed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_that_cannot_be_sent_are_invalid_requests() {
        let https: &[&str] = if cfg!(feature = "tls") {
            &[]
        } else {
            &["https://h/x"]
        };
        for uri in ["/relative", "ftp://h/x"].iter().chain(https) {
            let err = check_uri(&uri.parse().unwrap()).unwrap_err();
            assert_eq!(err.kind(), SendErrorKind::InvalidRequest, "{uri}");
            assert_eq!(err.code(), 101_500);
        }
        assert!(check_uri(&"http://localhost:8280/x?y=1".parse().unwrap()).is_ok());
    }

    #[test]
    fn content_length_is_one_number() {
        let mut h = http::HeaderMap::new();
        assert_eq!(content_length(&h), None);
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert_eq!(content_length(&h), Some(12));
        h.append(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert_eq!(content_length(&h), None);
    }
}
