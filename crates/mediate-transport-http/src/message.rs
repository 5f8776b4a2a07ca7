//! Between HTTP and the engine's [`MessageContext`]: a request in, a response out.

use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode};
use mediate_core::format::{self, axis2_flag, body_error};
use mediate_core::transport::OutboundBody;
use mediate_core::{MediationError, codes};
use mediate_message::{MessageContext, PendingBody};

use crate::body::ResponseBody;
use crate::server::RemoteAddr;

/// The message for a request a [`Handler`](crate::Handler) received: method, URI, headers
/// (transport scope), the body still streaming (read only when a mediator needs it), and the
/// request's extensions (the [`RemoteAddr`] among them, and [`Https`](crate::Https) when it
/// came over TLS). The client's IP address is also the axis2 property `REMOTE_ADDR`, as Axis2
/// sets it.
pub fn request_to_message(request: Request<Option<PendingBody>>) -> MessageContext {
    let (parts, body) = request.into_parts();
    let remote = parts.extensions.get::<RemoteAddr>().copied();
    let mut msg = MessageContext::from_http_request_streaming(parts, body);
    if let Some(RemoteAddr(addr)) = remote {
        msg.set_remote_addr(addr.ip());
    }
    msg
}

/// The HTTP response for a reply message (see
/// [`mediate_core::format`] for the rules): status from [`format::response_status`] (with the
/// `HTTP_SC_DESC` reason phrase on HTTP/1.1), headers, content type and body from
/// [`format::outbound`]. The message's own `Server`, `Date` and `User-Agent` headers (a
/// backend's, or the client's in a reply made from the request) are kept on the response, for
/// the listener to write or replace as [`ServerConfig::preserve_headers`](crate::ServerConfig::preserve_headers)
/// says (MI's `http.headers.preserve`). A body never read streams to the client unread; with
/// `DISABLE_CHUNKING` or `FORCE_HTTP_1.0` it goes with a `Content-Length`: the one it arrived
/// with, else it is read first to count it. Axis2 `NO_KEEPALIVE` closes the connection after the response.
///
/// A message that cannot be formatted is answered `500` (`413` when its body is over the read
/// limit) with an empty body, and the error is logged.
pub async fn response_from_message(mut msg: MessageContext) -> Response<ResponseBody> {
    match try_response_from_message(&mut msg).await {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(
                code = err.code(),
                error = %err,
                "the response message cannot be sent to the client"
            );
            let status = if err.code() == codes::BODY_TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            let mut response = Response::new(ResponseBody::empty());
            *response.status_mut() = status;
            response
        }
    }
}

/// [`response_from_message`], with the error instead of a `500`. The message's transport
/// headers move into the response (see [`format::outbound_reply`]); its body is taken when
/// unread.
pub async fn try_response_from_message(
    msg: &mut MessageContext,
) -> Result<Response<ResponseBody>, MediationError> {
    let (status, reason) = format::response_status(msg);
    // The reply is not used again: its headers move into the response. The message's own
    // `Server`, `Date` and `User-Agent` (a backend's, or the client's in a reply made from the
    // request) stay for the listener to write or replace.
    let out = format::outbound_reply(msg, &PRESERVABLE)?;
    let with_length = out.options.disable_chunking || out.options.http_1_0;
    let body = match out.body {
        OutboundBody::Empty => ResponseBody::empty(),
        OutboundBody::Full(bytes) => ResponseBody::full(bytes),
        OutboundBody::Stream(pending) if with_length && pending.content_length().is_none() => {
            ResponseBody::full(pending.read().await.map_err(body_error)?)
        }
        OutboundBody::Stream(pending) => ResponseBody::stream(pending),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = out.headers;
    if axis2_flag(msg, "NO_KEEPALIVE") {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(reason) = reason
        && let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(reason.into_bytes())
    {
        response.extensions_mut().insert(phrase);
    }
    Ok(response)
}

/// The headers [`format::outbound`] leaves out that MI can preserve on a reply.
const PRESERVABLE: [http::HeaderName; 3] = [header::SERVER, header::DATE, header::USER_AGENT];

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::BodyExt;
    use mediate_message::Scope;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn a_request_becomes_a_message_with_its_remote_address() {
        let mut request = Request::post("/orders?id=7")
            .header("content-type", "application/json")
            .body(Some(PendingBody::from_chunks([Bytes::from_static(
                b"{\"a\":1}",
            )])))
            .unwrap();
        request
            .extensions_mut()
            .insert(RemoteAddr("10.1.2.3:5555".parse().unwrap()));
        let msg = request_to_message(request);
        assert!(msg.has_unread_body());
        assert_eq!(msg.query_param("id"), Some("7"));
        assert_eq!(
            msg.scoped_property(Scope::Axis2, "REMOTE_ADDR")
                .unwrap()
                .as_string(),
            "10.1.2.3"
        );
        assert!(msg.extensions().get::<RemoteAddr>().is_some());
    }

    #[test]
    fn a_reply_becomes_a_response() {
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        msg.set_message_type("application/xml");
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC", 201)
            .unwrap();
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC_DESC", "Made")
            .unwrap();
        msg.set_scoped_property(Scope::Axis2, "NO_KEEPALIVE", true)
            .unwrap();
        msg.set_transport_header("Keep-Alive", "timeout=5").unwrap();
        let response = run(response_from_message(msg));
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/xml");
        assert_eq!(response.headers()[header::CONNECTION], "close");
        assert!(response.headers().get("keep-alive").is_none());
        assert_eq!(
            response
                .extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .map(|p| p.as_bytes().to_vec()),
            Some(b"Made".to_vec())
        );
        let body = run(response.into_body().collect()).unwrap().to_bytes();
        assert_eq!(body, "<jsonObject><a>1</a></jsonObject>");
    }

    #[test]
    fn an_unread_body_is_streamed_or_read_for_disable_chunking() {
        let request = Request::post("/x")
            .header("content-type", "text/plain")
            .body(Some(PendingBody::new(
                Box::pin(futures::stream::iter(
                    ["ab", "cd"].map(|s| Ok(Bytes::from_static(s.as_bytes()))),
                )),
                None,
            )))
            .unwrap();
        let msg = request_to_message(request);
        let response = run(response_from_message(msg.clone()));
        assert_eq!(http_body::Body::size_hint(response.body()).exact(), None);
        let body = run(response.into_body().collect()).unwrap().to_bytes();
        assert_eq!(body, "abcd");

        let request = Request::post("/x")
            .body(Some(PendingBody::new(
                Box::pin(futures::stream::iter(
                    ["ab", "cd"].map(|s| Ok(Bytes::from_static(s.as_bytes()))),
                )),
                None,
            )))
            .unwrap();
        let mut msg = request_to_message(request);
        msg.set_scoped_property(Scope::Axis2, "DISABLE_CHUNKING", "true")
            .unwrap();
        let response = run(response_from_message(msg));
        assert_eq!(http_body::Body::size_hint(response.body()).exact(), Some(4));
    }

    #[test]
    fn a_body_over_the_limit_is_413() {
        // Of unknown length (chunked), so DISABLE_CHUNKING has to read it to count it.
        let chunks: mediate_message::BodyStream = Box::pin(futures::stream::iter([Ok(
            Bytes::from_static(b"0123456789"),
        )]));
        let request = Request::post("/x")
            .body(Some(PendingBody::new(chunks, None).with_limit(4)))
            .unwrap();
        let mut msg = request_to_message(request);
        msg.set_scoped_property(Scope::Axis2, "DISABLE_CHUNKING", true)
            .unwrap();
        let response = run(response_from_message(msg));
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
