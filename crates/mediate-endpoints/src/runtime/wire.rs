//! The message ↔ HTTP exchange: the outbound request a leaf sends (method, headers, body) and
//! how the backend's response replaces the message's transport state.
//!
//! The request's headers and body come from the message formatter
//! ([`mediate_core::format`]): `messageType` conversion, excluded headers, streaming.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{self, CONTENT_TYPE, HeaderName};
use http::{Method, StatusCode, Uri};
use mediate_core::format;
use mediate_core::message::{PendingBody, XmlValue};
use mediate_core::transport::{InboundResponse, OutboundRequest};
use mediate_core::{MediationError, MessageContext, PropertyValue, Scope};

use crate::settings::MessageFormat;

/// The response headers not kept on the message (hop-by-hop and length: the body may be sent
/// on differently). The standard names compare as the `http` crate's constants (no text
/// compared).
static EXCLUDED_RESPONSE_HEADERS: [HeaderName; 8] = [
    header::CONNECTION,
    header::TRANSFER_ENCODING,
    header::TE,
    header::TRAILER,
    header::UPGRADE,
    header::CONTENT_LENGTH,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
];

/// Where `name` is in [`EXCLUDED_RESPONSE_HEADERS`].
fn excluded_response_header(name: &HeaderName) -> Option<usize> {
    EXCLUDED_RESPONSE_HEADERS.iter().position(|e| e == name)
}

/// The method a leaf sends with: the endpoint's own (an `<http method>`), else the axis2
/// `HTTP_METHOD` property, else the request's method, else `POST`; a `format` of `soap11` or
/// `soap12` forces `POST`, `get` forces `GET`.
pub(crate) fn method_for(
    msg: &MessageContext,
    endpoint_method: Option<&str>,
    format: Option<MessageFormat>,
) -> Result<Method, String> {
    match format {
        Some(MessageFormat::Soap11 | MessageFormat::Soap12) => return Ok(Method::POST),
        Some(MessageFormat::Get) => return Ok(Method::GET),
        _ => {}
    }
    if endpoint_method.is_none()
        && !msg.axis2_properties().contains_key("HTTP_METHOD")
        && let Some(method) = msg.http_method()
        && !method.as_str().bytes().any(|b| b.is_ascii_lowercase())
    {
        // The request's method, which the text round trip below would give back unchanged
        // (a method is a token: no space to trim, and nothing to uppercase here).
        return Ok(method.clone());
    }
    let name = match endpoint_method {
        Some(m) => m.to_owned(),
        None => match msg.scoped_property(Scope::Axis2, "HTTP_METHOD") {
            Some(v) => v.as_string(),
            None => return Ok(Method::POST),
        },
    };
    let name = name.trim().to_ascii_uppercase();
    Method::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not an HTTP method"))
}

/// Whether MI sends this message "as REST" (and so appends `REST_URL_POSTFIX` to an address):
/// a forced `pox`/`rest`/`get` format; not a forced SOAP format; else any method but `POST`,
/// or a `POST` that is not SOAP (`application/soap+xml`, or `text/xml` with a `SOAPAction`).
pub(crate) fn is_rest(
    msg: &MessageContext,
    method: &Method,
    format: Option<MessageFormat>,
) -> bool {
    match format {
        Some(MessageFormat::Soap11 | MessageFormat::Soap12) => return false,
        Some(MessageFormat::Pox | MessageFormat::Rest | MessageFormat::Get) => return true,
        None => {}
    }
    if method != Method::POST {
        return true;
    }
    let ct = msg.content_type().as_bytes();
    let starts = |prefix: &str| {
        ct.len() >= prefix.len() && ct[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    if starts("application/soap+xml") {
        return false;
    }
    if starts("text/xml") {
        return msg.transport_header("SOAPAction").is_none() && msg.action().is_none();
    }
    true
}

/// What [`outbound_request`] made, and the unread body it took from the message (to put back
/// if the send fails before reading it).
pub(crate) struct Outbound {
    pub(crate) request: OutboundRequest,
    pub(crate) taken: Option<(PendingBody, Cow<'static, str>)>,
}

/// The request for `msg` to `uri` with `method`, as the message formatter
/// ([`mediate_core::format::outbound_request`]) puts the message on the wire: its transport
/// headers less the excluded ones, its payload in its `messageType`, or its unread body
/// streamed (taken from the message); `GET` and `HEAD` carry no body.
pub(crate) fn outbound_request(
    msg: &mut MessageContext,
    method: Method,
    uri: Uri,
) -> Result<Outbound, MediationError> {
    let pending = msg
        .unread_body()
        .cloned()
        .map(|body| (body, msg.shared_content_type()));
    let out = format::outbound_request(msg, &method)?;
    let taken = if msg.has_unread_body() { None } else { pending };
    let mut request = OutboundRequest::new(method, uri);
    request.headers = out.headers;
    request.body = out.body;
    request.options = out.options;
    Ok(Outbound { request, taken })
}

/// Replaces the message's transport state with the backend's response, as MI's response
/// context has it after a `call` (Synapse's `SynapseCallbackReceiver` and `ClientWorker`):
///
/// - the status becomes `HTTP_SC`, its reason phrase `HTTP_SC_DESC`, and a status of 400 or
///   more sets axis2 `FAULT_MESSAGE` to `"true"` (no fault: the flow goes on);
/// - the transport headers are the response's (the request's are gone);
/// - the payload is the response body, still unread, with the response's content type (empty
///   without a body);
/// - the axis2 properties set for the request are dropped, except `messageType`, which stays
///   the request's (unless it was a form type): a `respond` then formats the response as the
///   client sent its request, as MI does;
/// - Synapse properties, variables, the request facts and whether the message is a response
///   stay as they were.
pub(crate) fn apply_response(msg: &mut MessageContext, response: InboundResponse) {
    let (parts, body) = response.into_parts();
    msg.retain_scoped_properties(Scope::Axis2, |name, _| name == "messageType");
    // The backend's headers become the transport headers, less the hop-by-hop ones and the
    // length (removed in place: no second map).
    let mut headers = parts.headers;
    // One pass over the names, then a removal per excluded one found.
    let found = headers
        .keys()
        .filter_map(excluded_response_header)
        .fold(0u8, |found, i| found | 1 << i);
    for (i, name) in EXCLUDED_RESPONSE_HEADERS.iter().enumerate() {
        if found & 1 << i != 0 {
            headers.remove(name);
        }
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(mediate_core::message::intern_content_type);
    // The request's headers, replaced, serve the next head read on this thread.
    mediate_core::header_pool::recycle(std::mem::replace(msg.transport_headers_mut(), headers));
    set_status(msg, parts.status);
    match body {
        Some(body) if body.content_length() != Some(0) => {
            let ct = content_type.unwrap_or(Cow::Borrowed("application/octet-stream"));
            if is_form(msg) {
                msg.set_message_type(mediate_core::message::mime_essence(&ct));
            }
            msg.set_unread_body(body, ct);
        }
        _ => msg.set_payload(Bytes::new(), content_type.unwrap_or_default().into_owned()),
    }
}

/// Whether the message's `messageType` is a form (`application/x-www-form-urlencoded`,
/// `multipart/form-data`): a form request's response is read by its own content type.
fn is_form(msg: &MessageContext) -> bool {
    let starts = |text: &str, prefix: &str| {
        text.len() >= prefix.len()
            && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let form = |mt: &str| {
        let mt = mt.trim_start();
        starts(mt, "application/x-www-form-urlencoded") || starts(mt, "multipart/form-data")
    };
    form(msg.message_type_set().unwrap_or(msg.content_type()))
}

fn set_status(msg: &mut MessageContext, status: StatusCode) {
    msg.set_status(status);
    let _ = msg.set_scoped_property(
        Scope::Axis2,
        "HTTP_SC_DESC",
        status.canonical_reason().unwrap_or_default(),
    );
    let _ = msg.set_scoped_property(Scope::Axis2, "ORIGINAL_HTTP_SC", i32::from(status.as_u16()));
    if status.as_u16() >= 400 {
        let _ = msg.set_scoped_property(Scope::Axis2, "FAULT_MESSAGE", "true");
    }
}

/// The payload of `msg` as a typed value (JSON, XML or text), for a `<target>` property or
/// variable. The body must have been read.
pub(crate) fn payload_value(msg: &MessageContext) -> PropertyValue {
    use mediate_core::message::PayloadKind;
    match msg.payload_kind() {
        PayloadKind::Json => match msg.json() {
            Ok(v) => PropertyValue::Json(v.clone()),
            Err(_) => PropertyValue::String(String::from_utf8_lossy(msg.payload()).into_owned()),
        },
        PayloadKind::Xml if !msg.payload().is_empty() => {
            PropertyValue::Om(XmlValue::new(msg.payload().clone()))
        }
        _ => PropertyValue::String(String::from_utf8_lossy(msg.payload()).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_request_is_told_by_its_message_type_or_content_type() {
        let mut msg = MessageContext::from_json("{}");
        assert!(!is_form(&msg));
        msg.set_content_type("Application/X-WWW-Form-Urlencoded; charset=UTF-8");
        assert!(is_form(&msg));
        msg.set_message_type("application/json");
        assert!(!is_form(&msg));
        msg.set_message_type(" multipart/form-data; boundary=x");
        assert!(is_form(&msg));
    }

    #[test]
    fn response_headers_lose_hop_by_hop_ones_and_the_length() {
        let mut msg = MessageContext::from_json("{}");
        let response = http::Response::builder()
            .status(201)
            .header("connection", "keep-alive")
            .header("x-a", "1")
            .header("content-length", "0")
            .header("transfer-encoding", "chunked")
            .header("x-a", "2")
            .header("content-type", "text/plain")
            .body(None)
            .unwrap();
        apply_response(&mut msg, response);
        let mut names: Vec<_> = msg
            .transport_headers()
            .iter()
            .map(|(n, v)| format!("{n}={}", v.to_str().unwrap()))
            .collect();
        // The values of one name keep their order; names may be reordered.
        names.sort_by_key(|n| n.split('=').next().map(str::to_owned));
        assert_eq!(names, ["content-type=text/plain", "x-a=1", "x-a=2"]);
        assert_eq!(msg.status().map(|s| s.as_u16()), Some(201));
        assert_eq!(msg.content_type(), "text/plain");
    }

    #[test]
    fn method_order_is_endpoint_then_http_method_then_request() {
        let mut msg = MessageContext::from_json("{}");
        assert_eq!(method_for(&msg, None, None).unwrap(), Method::POST);
        msg.set_http_method(Method::PUT);
        assert_eq!(method_for(&msg, None, None).unwrap(), Method::PUT);
        msg.set_scoped_property(Scope::Axis2, "HTTP_METHOD", "patch")
            .unwrap();
        assert_eq!(method_for(&msg, None, None).unwrap(), Method::PATCH);
        assert_eq!(
            method_for(&msg, Some("DELETE"), None).unwrap(),
            Method::DELETE
        );
        assert_eq!(
            method_for(&msg, Some("DELETE"), Some(MessageFormat::Soap11)).unwrap(),
            Method::POST
        );
        assert_eq!(
            method_for(&msg, None, Some(MessageFormat::Get)).unwrap(),
            Method::GET
        );
    }

    #[test]
    fn soap_posts_are_not_rest() {
        let mut msg = MessageContext::from_bytes("<e/>", "text/xml");
        assert!(is_rest(&msg, &Method::POST, None));
        msg.set_transport_header("SOAPAction", "urn:x").unwrap();
        assert!(!is_rest(&msg, &Method::POST, None));
        assert!(is_rest(&msg, &Method::GET, None));
        let soap12 = MessageContext::from_bytes("<e/>", "application/soap+xml");
        assert!(!is_rest(&soap12, &Method::POST, None));
        assert!(is_rest(&soap12, &Method::POST, Some(MessageFormat::Pox)));
        assert!(is_rest(
            &MessageContext::from_json("{}"),
            &Method::POST,
            None
        ));
    }

    #[test]
    fn requests_drop_excluded_headers_and_get_bodies() {
        use mediate_core::transport::OutboundBody;
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        msg.set_transport_header("Host", "client").unwrap();
        msg.set_transport_header("X-Trace", "t1").unwrap();
        msg.set_transport_header("Content-Length", "7").unwrap();
        let out = outbound_request(&mut msg, Method::POST, Uri::from_static("http://b/x")).unwrap();
        assert!(out.request.headers.get("host").is_none());
        assert!(out.request.headers.get("content-length").is_none());
        assert_eq!(out.request.headers["x-trace"], "t1");
        assert_eq!(out.request.headers[CONTENT_TYPE], "application/json");
        assert!(matches!(out.request.body, OutboundBody::Full(ref b) if b == r#"{"a":1}"#));
        let get = outbound_request(&mut msg, Method::GET, Uri::from_static("http://b/x")).unwrap();
        assert!(matches!(get.request.body, OutboundBody::Empty));
        assert!(get.request.headers.get(CONTENT_TYPE).is_none());
    }

    #[test]
    fn responses_replace_headers_status_and_payload() {
        let mut msg = MessageContext::from_json(r#"{"req":1}"#);
        msg.set_transport_header("X-Request", "1").unwrap();
        msg.set_property("keep", "yes");
        msg.set_scoped_property(Scope::Axis2, "REST_URL_POSTFIX_X", "gone")
            .unwrap();
        let response = http::Response::builder()
            .status(503)
            .header("content-type", "text/plain")
            .header("x-backend", "b")
            .body(Some(PendingBody::from_chunks([Bytes::from_static(
                b"busy",
            )])))
            .unwrap();
        apply_response(&mut msg, response);
        assert_eq!(msg.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert!(msg.transport_header("X-Request").is_none());
        assert_eq!(msg.transport_header("x-backend").as_deref(), Some("b"));
        assert!(msg.has_unread_body());
        assert_eq!(msg.content_type(), "text/plain");
        assert_eq!(
            msg.property("keep")
                .map(PropertyValue::as_string)
                .as_deref(),
            Some("yes")
        );
        assert!(msg.axis2_properties().get("REST_URL_POSTFIX_X").is_none());
        assert_eq!(
            msg.scoped_property(Scope::Axis2, "FAULT_MESSAGE")
                .map(|v| v.as_string())
                .as_deref(),
            Some("true")
        );
    }
}
