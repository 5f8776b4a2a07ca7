//! Message → wire: what a transport sends for a message, to a client (a response) or to an
//! endpoint (a request). MI's message formatters and the pass-through transport's rules.
//!
//! [`outbound`] turns a [`MessageContext`] into an [`Outbound`]: the `Content-Type`, the headers
//! to send and the body, plus the [`SendOptions`] the message's properties ask for.
//! [`response_status`] gives the status of a response to a client. No HTTP library is involved:
//! a transport (`mediate-transport-http`) puts the result on the wire.
//!
//! # The body
//!
//! | the message | what is sent | MI |
//! |---|---|---|
//! | axis2 `NO_ENTITY_BODY` is true | no body, no `Content-Type` | `NO_ENTITY_BODY` |
//! | its body was never read (pass-through) | the body, streamed unread, with the content type it came with | the pass-through pipe: an unbuilt message is never formatted |
//! | `messageType` is the payload's content type | the payload bytes as they are | |
//! | `messageType` JSON, payload XML | MI's XML → JSON mapping of the Body's first element ([`xml_to_json`](mediate_message::xml_to_json)) | `JsonFormatter` |
//! | `messageType` `application/xml` (or another `+xml` type), payload JSON | MI's JSON → XML mapping ([`json_to_xml`]) | `ApplicationXMLFormatter` |
//! | `messageType` `application/xml`, payload a SOAP envelope | the Body's first element, with the namespaces it uses | `ApplicationXMLFormatter` writes `getFirstElement()` |
//! | `messageType` `text/xml` (SOAP 1.1) or `application/soap+xml` (SOAP 1.2), payload a SOAP envelope | the envelope as it is | `SOAPMessageFormatter` |
//! | the same, payload POX or JSON | the payload (JSON: mapped to XML) in a SOAP envelope of that version | `SOAPMessageFormatter` serializes the (implicit) envelope |
//! | `messageType` `text/plain`, payload MI's text wrapper (`axis2ns:text`) | its text | `PlainTextFormatter` |
//! | anything else | the payload bytes as they are | |
//!
//! `messageType` is the axis2 property when one is stored, else
//! [`MessageContext::message_type`] (set by the property and payloadFactory mediators, or from
//! the request's `Content-Type`). An empty payload is no body.
//!
//! # Content-Type
//!
//! An axis2 `ContentType` property stored on the message wins. Otherwise a body sent as it is
//! keeps the payload's content type (parameters such as `charset` included) and a converted body
//! gets `messageType`.
//!
//! # Headers
//!
//! The transport headers, minus what MI never copies (`PassThroughConstants` /
//! `TargetRequestFactory`): the hop-by-hop headers (`Connection`, `Keep-Alive`, `Proxy-*`, `TE`,
//! `Trailer`, `Transfer-Encoding`, `Upgrade`), `Host`, `Content-Length`, `Date`, `Server` and
//! `User-Agent` (the transport sets its own). See [`is_excluded_header`].
//!
//! # Options
//!
//! Axis2 `DISABLE_CHUNKING` (or `FORCE_HTTP_CONTENT_LENGTH`) and `FORCE_HTTP_1.0` (`true` as a
//! boolean or the string `"true"`) become [`SendOptions::disable_chunking`] and
//! [`SendOptions::http_1_0`]. A body still streaming keeps the length it arrived with; only a
//! body of unknown length is read into memory to count it.
//!
//! ```
//! use mediate_core::format::{outbound, response_status};
//! use mediate_core::transport::OutboundBody;
//! use mediate_core::{MessageContext, Scope};
//!
//! let mut msg = MessageContext::from_json(r#"{"order":{"id":7}}"#);
//! msg.set_message_type("application/xml");
//! msg.set_transport_header("Connection", "keep-alive")?;
//! msg.set_transport_header("X-Trace", "abc")?;
//! let out = outbound(&mut msg)?;
//! assert_eq!(out.content_type.as_deref(), Some("application/xml"));
//! let OutboundBody::Full(body) = &out.body else { panic!("a converted body is in memory") };
//! assert_eq!(&body[..], b"<jsonObject><order><id>7</id></order></jsonObject>");
//! assert!(out.headers.get("connection").is_none());
//! assert_eq!(out.headers["x-trace"], "abc");
//! assert_eq!(out.headers["content-type"], "application/xml");
//!
//! msg.set_scoped_property(Scope::Axis2, "HTTP_SC", 404)?;
//! assert_eq!(response_status(&msg).0.as_u16(), 404);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use mediate_message::{
    BodyError, EnvelopeOrigin, MessageContext, PAYLOAD_NS, PayloadKind, PropertyValue, SOAP11_NS,
    SOAP12_NS, SoapVersion, json_to_xml, mime_essence,
};

use crate::error::{MediationError, codes};
use crate::transport::{OutboundBody, SendOptions};

/// What to put on the wire for a message (see the [module](self) documentation).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Outbound {
    /// The `Content-Type` to send (also in [`headers`](Self::headers)); `None` without a body.
    pub content_type: Option<Cow<'static, str>>,
    /// The headers to send: the transport headers minus the excluded ones, plus `Content-Type`.
    pub headers: HeaderMap,
    /// The body.
    pub body: OutboundBody,
    /// How to send it (`DISABLE_CHUNKING`, `FORCE_HTTP_1.0`).
    pub options: SendOptions,
}

/// The message as it goes on the wire (see the [module](self) documentation): content type,
/// headers, body and send options. A body never read is taken off the message
/// ([`MessageContext::take_unread_body`]) to be streamed; a payload in memory is converted when
/// `messageType` asks for another format.
///
/// Fails when the payload cannot be read in the format it claims (JSON that does not parse,
/// XML that cannot map to JSON): code [`codes::MESSAGE_PARSING_ERROR`].
pub fn outbound(msg: &mut MessageContext) -> Result<Outbound, MediationError> {
    let headers = wire_headers(msg.transport_headers());
    outbound_with(msg, headers)
}

/// [`outbound`] for a reply that is sent and not used again (a transport answering its
/// client): the message's transport headers are moved out and filtered where they are, not
/// copied. The excluded headers named in `keep` stay unless the `Connection` header names them
/// (a transport that preserves the backend's `Server`, `Date` or `User-Agent`, as MI's
/// `http.headers.preserve` does); everything else is as [`outbound`] puts it.
pub fn outbound_reply(
    msg: &mut MessageContext,
    keep: &[HeaderName],
) -> Result<Outbound, MediationError> {
    let mut headers = std::mem::take(msg.transport_headers_mut());
    let has_connection = headers.contains_key(header::CONNECTION);
    // One at a time, without a list: a reply drops a few of its ten or so headers.
    // `Connection` itself goes last, as what it names is read from it.
    while let Some(name) = headers
        .keys()
        .find(|name| {
            let named = has_connection && connection_lists(&headers, name.as_str());
            *name != header::CONNECTION
                && (named || (is_excluded_header(name) && !keep.contains(name)))
        })
        .cloned()
    {
        headers.remove(name);
    }
    if has_connection {
        headers.remove(header::CONNECTION);
    }
    outbound_with(msg, headers)
}

/// [`outbound`]'s content type and body, with `headers` the headers to send less the ones
/// dropped. A `Content-Type` among them is the message's own: shared when the one sent says
/// the same.
fn outbound_with(
    msg: &mut MessageContext,
    mut headers: HeaderMap,
) -> Result<Outbound, MediationError> {
    let flags = OutboundFlags::of(msg);
    let options = flags.options;
    let original = headers.remove(header::CONTENT_TYPE);
    if flags.no_entity_body {
        drop(msg.take_unread_body());
        return Ok(Outbound {
            content_type: None,
            headers,
            body: OutboundBody::Empty,
            options,
        });
    }
    let explicit = msg
        .axis2_properties()
        .get("ContentType")
        .map(PropertyValue::as_string)
        .filter(|ct| !ct.trim().is_empty());
    let (body, content_type) = if let Some(pending) = msg.take_unread_body() {
        let ct = Some(msg.shared_content_type()).filter(|ct| !ct.is_empty());
        (OutboundBody::Stream(pending), ct)
    } else {
        let (bytes, ct) = format_payload(msg)?;
        if bytes.is_empty() {
            (OutboundBody::Empty, None)
        } else {
            (
                OutboundBody::Full(bytes),
                ct.filter(|ct| !ct.is_empty()).map(Cow::Owned),
            )
        }
    };
    let content_type = match body {
        OutboundBody::Empty => None,
        _ => explicit.map(Cow::Owned).or(content_type),
    };
    if let Some(ct) = &content_type {
        // The message's own header when it says the same (a pass-through): shared, not copied.
        let original = original
            .as_ref()
            .or_else(|| msg.transport_headers().get(header::CONTENT_TYPE));
        let value = match original {
            Some(same) if same.as_bytes() == ct.as_bytes() => same.clone(),
            _ => HeaderValue::from_str(ct).map_err(|_| {
                MediationError::mediator(format!(
                    "the content type `{ct}` is not a valid HTTP header value"
                ))
            })?,
        };
        headers.insert(header::CONTENT_TYPE, value);
    }
    Ok(Outbound {
        content_type,
        headers,
        body,
        options,
    })
}

/// [`outbound`] for a request to an endpoint sent with `method`: a `GET` or `HEAD` request
/// carries no body and no `Content-Type` (MI's `TargetRequest`: no entity for them).
pub fn outbound_request(
    msg: &mut MessageContext,
    method: &Method,
) -> Result<Outbound, MediationError> {
    if *method == Method::GET || *method == Method::HEAD {
        drop(msg.take_unread_body());
        let mut out = outbound_without_body(msg);
        out.options = send_options(msg);
        return Ok(out);
    }
    outbound(msg)
}

fn outbound_without_body(msg: &MessageContext) -> Outbound {
    let headers = wire_headers(msg.transport_headers());
    Outbound {
        content_type: None,
        headers,
        body: OutboundBody::Empty,
        options: SendOptions::default(),
    }
}

/// The status and reason phrase of the response to a client for `msg`
/// (`PassThroughTransportUtils.determineHttpStatusCode`): axis2 `HTTP_SC` when set (and a
/// status code); otherwise `202` for axis2 `SC_ACCEPTED`, `500` when the payload is a SOAP fault
/// (unless axis2 `FAULTS_AS_HTTP_200` is true), else `200`. The reason phrase is axis2
/// `HTTP_SC_DESC`, when set and not the status's standard phrase (the one a response carries
/// without being told: a backend's `200 OK` passed on needs no phrase of its own).
///
/// A body never read is not looked at (MI cannot see a fault in an unbuilt message either).
pub fn response_status(msg: &MessageContext) -> (StatusCode, Option<String>) {
    let status = status_of(msg);
    let reason = msg.axis2_properties().get("HTTP_SC_DESC").and_then(|r| {
        with_text(r, |text| {
            (!text.is_empty() && Some(text) != status.canonical_reason()).then(|| text.to_owned())
        })
    });
    (status, reason)
}

fn status_of(msg: &MessageContext) -> StatusCode {
    // `scoped_property(Axis2, "HTTP_SC")` without its copies: the stored property, else the
    // message's status (whose text would parse back to itself).
    let code = match msg.axis2_properties().get("HTTP_SC") {
        Some(sc) => with_text(sc, |text| text.trim().parse::<u16>().ok()),
        None => msg.status().map(|status| status.as_u16()),
    };
    if let Some(code) = code
        && let Ok(status) = StatusCode::from_u16(code)
    {
        return status;
    }
    if axis2_flag(msg, "SC_ACCEPTED") {
        StatusCode::ACCEPTED
    } else if !axis2_flag(msg, "FAULTS_AS_HTTP_200") && is_soap_fault(msg) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// Whether the payload (already read) is a SOAP envelope whose Body holds a `Fault`.
pub fn is_soap_fault(msg: &MessageContext) -> bool {
    if msg.has_unread_body() || msg.payload_kind() != PayloadKind::Xml {
        return false;
    }
    let Ok(env) = msg.envelope() else {
        return false;
    };
    env.origin() == EnvelopeOrigin::Soap
        && env.first_body_child().is_some_and(|first| {
            first.tag_name().name() == "Fault"
                && first.tag_name().namespace() == Some(env.soap_version().namespace())
        })
}

/// Whether an axis2 property is `true` (a boolean, or a string equal to `true` ignoring case).
pub fn axis2_flag(msg: &MessageContext, name: &str) -> bool {
    msg.axis2_properties().get(name).is_some_and(is_true)
}

/// A flag's value: a boolean, or a string equal to `true` ignoring case.
fn is_true(value: &PropertyValue) -> bool {
    match value {
        PropertyValue::Boolean(b) => *b,
        value => with_text(value, |text| text.trim().eq_ignore_ascii_case("true")),
    }
}

/// `f` of the value's text ([`PropertyValue::as_string`]), borrowed for a string.
fn with_text<R>(value: &PropertyValue, f: impl FnOnce(&str) -> R) -> R {
    match value.as_str() {
        Some(text) => f(text),
        None => f(&value.as_string()),
    }
}

/// The axis2 flags [`outbound`] reads, found in one pass over the axis2 properties (a few)
/// instead of one lookup each.
struct OutboundFlags {
    no_entity_body: bool,
    options: SendOptions,
}

impl OutboundFlags {
    fn of(msg: &MessageContext) -> Self {
        let mut flags = Self {
            no_entity_body: false,
            options: SendOptions::default(),
        };
        let options = &mut flags.options;
        for (name, value) in msg.axis2_properties() {
            let flag = match name.as_ref() {
                "NO_ENTITY_BODY" => &mut flags.no_entity_body,
                // MI's FORCE_HTTP_CONTENT_LENGTH asks for the same; the length a pass-through
                // body arrived with is kept either way (COPY_CONTENT_LENGTH_FROM_INCOMING).
                "DISABLE_CHUNKING" | "FORCE_HTTP_CONTENT_LENGTH" => &mut options.disable_chunking,
                "FORCE_HTTP_1.0" => &mut options.http_1_0,
                "POST_TO_URI" => &mut options.post_to_uri,
                _ => continue,
            };
            *flag |= is_true(value);
        }
        flags
    }
}

fn send_options(msg: &MessageContext) -> SendOptions {
    OutboundFlags::of(msg).options
}

/// Whether a header is hop-by-hop (RFC 9110 §7.6.1): `Connection`, `Keep-Alive`,
/// `Proxy-Connection` and the other `Proxy-*` headers, `TE`, `Trailer`, `Transfer-Encoding`,
/// `Upgrade`. A transport sets these itself.
pub fn is_hop_by_hop(name: &HeaderName) -> bool {
    // The standard names compare as the `http` crate's constants (no text compared); the
    // others (`keep-alive`, `proxy-connection`, …) by their text.
    [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHENTICATE,
        header::PROXY_AUTHORIZATION,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
        || name.as_str().starts_with("proxy-")
}

/// Whether a transport header is never copied to the wire: a hop-by-hop header
/// ([`is_hop_by_hop`]), `Host`, `Content-Length` (the transport computes both), `Date`, `Server`
/// and `User-Agent` (MI's excluded headers: the transport sends its own).
pub fn is_excluded_header(name: &HeaderName) -> bool {
    [
        header::HOST,
        header::CONTENT_LENGTH,
        header::DATE,
        header::SERVER,
        header::USER_AGENT,
    ]
    .contains(name)
        || is_hop_by_hop(name)
}

/// The transport headers that go on the wire, in one pass: all but the
/// [excluded](is_excluded_header) ones, the ones a `Connection` header names, and
/// `Content-Type` (which the formatter sets).
fn wire_headers(headers: &HeaderMap) -> HeaderMap {
    let has_connection = headers.contains_key(header::CONNECTION);
    let mut out = crate::header_pool::empty_map(headers.len());
    for (name, value) in headers {
        if *name != header::CONTENT_TYPE
            && !is_excluded_header(name)
            && !(has_connection && connection_lists(headers, name.as_str()))
        {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Whether a `Connection` header of `headers` lists `token` (`close`, `keep-alive`, a header
/// name), in any case.
pub fn connection_lists(headers: &HeaderMap, token: &str) -> bool {
    // Bytes, not text: it runs on every head read or written, where `str`'s split and trim
    // cost more than the comparison. A token is ASCII, so a non-ASCII element never matches.
    let token = token.as_bytes();
    headers.get_all(header::CONNECTION).iter().any(|value| {
        value
            .as_bytes()
            .split(|&b| b == b',')
            .any(|listed| listed.trim_ascii().eq_ignore_ascii_case(token))
    })
}

/// The headers a `Connection` header names.
fn connection_named(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect()
}

/// Removes every [excluded](is_excluded_header) header, and the headers that a `Connection`
/// header names (they are hop-by-hop too).
pub fn strip_excluded_headers(headers: &mut HeaderMap) {
    if !headers.keys().any(is_excluded_header) {
        // Connection would be excluded itself, so nothing is named either.
        return;
    }
    for name in connection_named(headers) {
        headers.remove(name);
    }
    let excluded: Vec<HeaderName> = headers
        .keys()
        .filter(|name| is_excluded_header(name))
        .cloned()
        .collect();
    for name in excluded {
        headers.remove(name);
    }
}

/// The format a `messageType` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Json,
    Pox,
    Soap(SoapVersion),
    Text,
    Other,
}

fn target_of(message_type: &str) -> Target {
    match message_type {
        "text/xml" => Target::Soap(SoapVersion::Soap11),
        "application/soap+xml" => Target::Soap(SoapVersion::Soap12),
        "text/plain" => Target::Text,
        mt => match PayloadKind::from_content_type(mt) {
            PayloadKind::Json => Target::Json,
            PayloadKind::Xml => Target::Pox,
            _ => Target::Other,
        },
    }
}

/// The `messageType` of the message: the stored axis2 property, else the message's own.
fn message_type(msg: &MessageContext) -> String {
    msg.axis2_properties()
        .get("messageType")
        .map(PropertyValue::as_string)
        .filter(|mt| !mt.trim().is_empty())
        .unwrap_or_else(|| msg.message_type())
}

/// The payload bytes in the format `messageType` asks for, with their content type.
fn format_payload(msg: &MessageContext) -> Result<(Bytes, Option<String>), MediationError> {
    let payload = msg.payload().clone();
    let own_type = msg.content_type().to_owned();
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok((Bytes::new(), None));
    }
    let message_type = message_type(msg);
    let wanted = mime_essence(&message_type);
    if wanted.is_empty() || wanted == mime_essence(&own_type) {
        return Ok((payload, Some(own_type)));
    }
    let converted = match (target_of(&wanted), msg.payload_kind()) {
        (Target::Json, PayloadKind::Xml) => Some(Bytes::from(parsing(msg.json())?.to_string())),
        (Target::Pox, PayloadKind::Json) => Some(Bytes::from(json_as_xml(msg)?)),
        (Target::Pox, PayloadKind::Xml) => soap_body_element(msg)?.map(Bytes::from),
        (Target::Soap(version), PayloadKind::Json) => {
            Some(wrap_in_envelope(&json_as_xml(msg)?, version))
        }
        (Target::Soap(version), PayloadKind::Xml) => {
            let env = parsing(msg.envelope())?;
            if env.origin() == EnvelopeOrigin::Soap {
                None
            } else {
                let doc = parsing(msg.xml())?;
                Some(wrap_in_envelope(doc.node_text(doc.root_element()), version))
            }
        }
        (Target::Text, PayloadKind::Xml) => text_wrapper_content(msg)?.map(Bytes::from),
        _ => None,
    };
    Ok(match converted {
        Some(bytes) => (bytes, Some(message_type)),
        None => (payload, Some(own_type)),
    })
}

fn parsing<T>(result: Result<T, mediate_message::Error>) -> Result<T, MediationError> {
    result.map_err(|e| {
        MediationError::new(
            codes::MESSAGE_PARSING_ERROR,
            crate::Origin::Internal,
            "Error while formatting the message for the wire",
        )
        .with_detail(e.to_string())
    })
}

fn json_as_xml(msg: &MessageContext) -> Result<String, MediationError> {
    let value = parsing(msg.json())?;
    json_to_xml(value).map_err(|e| {
        MediationError::new(
            codes::MESSAGE_PARSING_ERROR,
            crate::Origin::Internal,
            "Error while converting the JSON payload to XML",
        )
        .with_detail(e.to_string())
    })
}

/// The first element of the Body of an explicit SOAP envelope, with the namespace declarations
/// it inherits; `None` for POX (already what is wanted). An empty Body gives an empty text.
fn soap_body_element(msg: &MessageContext) -> Result<Option<String>, MediationError> {
    let env = parsing(msg.envelope())?;
    if env.origin() != EnvelopeOrigin::Soap {
        return Ok(None);
    }
    Ok(Some(
        env.first_body_child().map_or_else(String::new, |first| {
            mediate_expr::xpath::node_to_xml(&mediate_expr::XNode::Node(first))
        }),
    ))
}

/// The text of MI's text wrapper (`<axis2ns:text xmlns:axis2ns="…/payload">`) when it is the
/// Body's first element.
fn text_wrapper_content(msg: &MessageContext) -> Result<Option<String>, MediationError> {
    let env = parsing(msg.envelope())?;
    Ok(env
        .first_body_child()
        .filter(|first| {
            first.tag_name().name() == "text" && first.tag_name().namespace() == Some(PAYLOAD_NS)
        })
        .map(|first| {
            first
                .descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect()
        }))
}

fn wrap_in_envelope(body: &str, version: SoapVersion) -> Bytes {
    let ns = match version {
        SoapVersion::Soap11 => SOAP11_NS,
        SoapVersion::Soap12 => SOAP12_NS,
    };
    let mut out = String::with_capacity(body.len() + 128);
    out.push_str("<soapenv:Envelope xmlns:soapenv=\"");
    out.push_str(ns);
    out.push_str("\"><soapenv:Body>");
    out.push_str(body);
    out.push_str("</soapenv:Body></soapenv:Envelope>");
    Bytes::from(out)
}

/// A body failure while preparing a message for the wire, as a [`MediationError`]: too large
/// → [`codes::BODY_TOO_LARGE`] (client), a read failure → [`codes::RCV_IO_ERROR_RECEIVING`]
/// (client), already streamed → an internal error.
pub fn body_error(err: BodyError) -> MediationError {
    match err {
        BodyError::TooLarge { .. } => {
            MediationError::client(codes::BODY_TOO_LARGE, err.to_string()).with_source(err)
        }
        BodyError::Read(_) => {
            MediationError::client(codes::RCV_IO_ERROR_RECEIVING, err.to_string()).with_source(err)
        }
        _ => MediationError::mediator(err.to_string()).with_source(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediate_message::{PendingBody, Scope};

    fn full(out: &Outbound) -> &[u8] {
        match &out.body {
            OutboundBody::Full(b) => b,
            other => panic!("expected a full body, got {other:?}"),
        }
    }

    #[test]
    fn a_payload_of_the_message_type_is_sent_as_it_is() {
        let mut msg =
            MessageContext::from_bytes(&b"{\"a\": 1}"[..], "application/json; charset=UTF-8");
        let out = outbound(&mut msg).unwrap();
        assert_eq!(full(&out), b"{\"a\": 1}");
        assert_eq!(
            out.content_type.as_deref(),
            Some("application/json; charset=UTF-8")
        );
    }

    #[test]
    fn json_becomes_xml_when_the_message_type_asks_for_it() {
        let mut msg = MessageContext::from_json(r#"{"a":{"b":[1,2]}}"#);
        msg.set_message_type("application/xml");
        let out = outbound(&mut msg).unwrap();
        assert_eq!(
            full(&out),
            b"<jsonObject><a><b>1</b><b>2</b></a></jsonObject>"
        );
        assert_eq!(out.headers[header::CONTENT_TYPE], "application/xml");
    }

    #[test]
    fn the_axis2_message_type_property_is_read_too() {
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        msg.set_scoped_property(Scope::Axis2, "messageType", "application/xml")
            .unwrap();
        let out = outbound(&mut msg).unwrap();
        assert_eq!(full(&out), b"<jsonObject><a>1</a></jsonObject>");
    }

    #[test]
    fn xml_becomes_json_from_the_first_body_element() {
        let mut msg = MessageContext::from_xml("<order><id>7</id><item>a</item></order>");
        msg.set_message_type("application/json");
        let out = outbound(&mut msg).unwrap();
        assert_eq!(full(&out), br#"{"order":{"id":7,"item":"a"}}"#);
        assert_eq!(out.content_type.as_deref(), Some("application/json"));

        let mut soap = MessageContext::from_bytes(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><r><v>x</v></r></s:Body></s:Envelope>"#,
            "text/xml",
        );
        soap.set_message_type("application/json");
        assert_eq!(full(&outbound(&mut soap).unwrap()), br#"{"r":{"v":"x"}}"#);
    }

    #[test]
    fn soap_to_pox_sends_the_body_element_with_its_namespaces() {
        let mut msg = MessageContext::from_bytes(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:m"><s:Header/><s:Body><m:get><m:id>1</m:id></m:get></s:Body></s:Envelope>"#,
            "text/xml",
        );
        msg.set_message_type("application/xml");
        let out = outbound(&mut msg).unwrap();
        assert_eq!(
            std::str::from_utf8(full(&out)).unwrap(),
            r#"<m:get xmlns:m="urn:m"><m:id>1</m:id></m:get>"#
        );
    }

    #[test]
    fn soap_message_types_keep_an_envelope_and_wrap_the_rest() {
        let envelope = r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><x/></e:Body></e:Envelope>"#;
        let mut soap = MessageContext::from_bytes(envelope, "application/soap+xml");
        soap.set_message_type("text/xml");
        assert_eq!(full(&outbound(&mut soap).unwrap()), envelope.as_bytes());

        let mut pox = MessageContext::from_xml("<?xml version=\"1.0\"?>\n<x>1</x>");
        pox.set_message_type("text/xml");
        let out = outbound(&mut pox).unwrap();
        assert_eq!(
            std::str::from_utf8(full(&out)).unwrap(),
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><x>1</x></soapenv:Body></soapenv:Envelope>"
        );
        assert_eq!(out.content_type.as_deref(), Some("text/xml"));

        let mut json = MessageContext::from_json(r#"{"a":1}"#);
        json.set_message_type("application/soap+xml");
        assert_eq!(
            std::str::from_utf8(full(&outbound(&mut json).unwrap())).unwrap(),
            "<soapenv:Envelope xmlns:soapenv=\"http://www.w3.org/2003/05/soap-envelope\"><soapenv:Body><jsonObject><a>1</a></jsonObject></soapenv:Body></soapenv:Envelope>"
        );
    }

    #[test]
    fn text_message_type_unwraps_the_text_wrapper() {
        let mut msg = MessageContext::from_xml(format!(
            "<axis2ns:text xmlns:axis2ns=\"{PAYLOAD_NS}\">hello &amp; bye</axis2ns:text>"
        ));
        msg.set_message_type("text/plain");
        let out = outbound(&mut msg).unwrap();
        assert_eq!(full(&out), b"hello & bye");
        assert_eq!(out.content_type.as_deref(), Some("text/plain"));
    }

    #[test]
    fn no_entity_body_sends_nothing() {
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        msg.set_scoped_property(Scope::Axis2, "NO_ENTITY_BODY", true)
            .unwrap();
        let out = outbound(&mut msg).unwrap();
        assert!(matches!(out.body, OutboundBody::Empty));
        assert!(out.content_type.is_none());
        assert!(out.headers.get(header::CONTENT_TYPE).is_none());

        let mut empty = MessageContext::empty();
        assert!(matches!(
            outbound(&mut empty).unwrap().body,
            OutboundBody::Empty
        ));
    }

    #[test]
    fn the_unread_body_is_streamed_unconverted() {
        let request = http::Request::post("/x")
            .header("content-type", "application/json")
            .header("x-keep", "1")
            .header("host", "example.com")
            .header("transfer-encoding", "chunked")
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        let body = PendingBody::from_chunks([Bytes::from_static(b"{\"a\":1}")]);
        let mut msg = MessageContext::from_http_request_streaming(parts, Some(body));
        let out = outbound(&mut msg).unwrap();
        let OutboundBody::Stream(pending) = out.body else {
            panic!("expected a stream")
        };
        assert!(!msg.has_unread_body());
        assert_eq!(pending.read_already(), None, "nothing read it");
        assert_eq!(out.content_type.as_deref(), Some("application/json"));
        assert_eq!(out.headers["x-keep"], "1");
        assert!(out.headers.get("host").is_none());
        assert!(out.headers.get("transfer-encoding").is_none());
    }

    #[test]
    fn excluded_and_connection_named_headers_are_dropped() {
        let mut msg = MessageContext::from_text("x");
        for (name, value) in [
            ("Connection", "keep-alive, X-Hop"),
            ("X-Hop", "1"),
            ("Keep-Alive", "timeout=5"),
            ("Proxy-Authorization", "Basic x"),
            ("TE", "trailers"),
            ("Trailer", "X"),
            ("Upgrade", "h2c"),
            ("Content-Length", "1"),
            ("Host", "h"),
            ("Date", "today"),
            ("Server", "s"),
            ("User-Agent", "curl"),
            ("Accept", "*/*"),
        ] {
            msg.set_transport_header(name, value).unwrap();
        }
        let out = outbound(&mut msg).unwrap();
        let names: Vec<&str> = out.headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&"accept") && names.contains(&"content-type"));
    }

    #[test]
    fn content_type_property_overrides() {
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        msg.set_scoped_property(Scope::Axis2, "ContentType", "application/vnd.x+json")
            .unwrap();
        assert_eq!(
            outbound(&mut msg).unwrap().headers[header::CONTENT_TYPE],
            "application/vnd.x+json"
        );
    }

    #[test]
    fn options_come_from_axis2_flags() {
        let mut msg = MessageContext::from_text("x");
        msg.set_scoped_property(Scope::Axis2, "DISABLE_CHUNKING", "true")
            .unwrap();
        msg.set_scoped_property(Scope::Axis2, "FORCE_HTTP_1.0", true)
            .unwrap();
        let out = outbound(&mut msg).unwrap();
        assert!(out.options.disable_chunking && out.options.http_1_0);

        let mut msg = MessageContext::from_text("x");
        assert!(!outbound(&mut msg).unwrap().options.disable_chunking);
        msg.set_scoped_property(Scope::Axis2, "FORCE_HTTP_CONTENT_LENGTH", true)
            .unwrap();
        assert!(outbound(&mut msg).unwrap().options.disable_chunking);
    }

    #[test]
    fn get_requests_carry_no_body() {
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        let out = outbound_request(&mut msg, &Method::GET).unwrap();
        assert!(matches!(out.body, OutboundBody::Empty));
        assert!(out.headers.get(header::CONTENT_TYPE).is_none());
        let out = outbound_request(&mut msg, &Method::POST).unwrap();
        assert_eq!(full(&out), br#"{"a":1}"#);
    }

    #[test]
    fn status_rules() {
        let mut msg = MessageContext::from_json("{}");
        assert_eq!(response_status(&msg), (StatusCode::OK, None));
        msg.set_scoped_property(Scope::Axis2, "SC_ACCEPTED", true)
            .unwrap();
        assert_eq!(response_status(&msg).0, StatusCode::ACCEPTED);
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC", "418")
            .unwrap();
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC_DESC", "Teapot")
            .unwrap();
        assert_eq!(
            response_status(&msg),
            (StatusCode::IM_A_TEAPOT, Some("Teapot".to_owned()))
        );
        // The standard phrase of the status is what goes out without one.
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC_DESC", "I'm a teapot")
            .unwrap();
        assert_eq!(response_status(&msg), (StatusCode::IM_A_TEAPOT, None));
        // A backend's `200 OK` passed on: no phrase of its own.
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC", 200)
            .unwrap();
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC_DESC", "OK")
            .unwrap();
        assert_eq!(response_status(&msg), (StatusCode::OK, None));
        // A phrase for another status than the one sent is the client's to see.
        msg.set_scoped_property(Scope::Axis2, "HTTP_SC_DESC", "Not Found")
            .unwrap();
        assert_eq!(
            response_status(&msg),
            (StatusCode::OK, Some("Not Found".to_owned()))
        );

        let fault = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>x</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        let mut msg = MessageContext::from_bytes(fault, "text/xml");
        assert_eq!(response_status(&msg).0, StatusCode::INTERNAL_SERVER_ERROR);
        msg.set_scoped_property(Scope::Axis2, "FAULTS_AS_HTTP_200", "true")
            .unwrap();
        assert_eq!(response_status(&msg).0, StatusCode::OK);
        let mut msg = MessageContext::from_bytes(fault, "text/xml");
        msg.set_status(StatusCode::BAD_GATEWAY);
        assert_eq!(response_status(&msg).0, StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn connection_lists_finds_a_token_in_any_case_and_any_of_its_values() {
        let mut headers = HeaderMap::new();
        headers.append(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        headers.append(
            header::CONNECTION,
            HeaderValue::from_static(" X-Trace ,\tUpgrade,,"),
        );
        assert!(connection_lists(&headers, "keep-alive"));
        assert!(connection_lists(&headers, "upgrade"));
        assert!(connection_lists(&headers, "x-trace"));
        assert!(!connection_lists(&headers, "close"));
        assert!(!connection_lists(&headers, "trace"));
        // A value that is not plain ASCII still lists its ASCII tokens.
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_bytes(b"close, caf\xc3\xa9").unwrap(),
        );
        assert!(connection_lists(&headers, "Close"));
        assert!(!connection_lists(&HeaderMap::new(), "close"));
    }

    #[test]
    fn a_reply_moves_its_headers_and_drops_what_outbound_drops() {
        let mut msg = MessageContext::from_json(r#"{"a":1}"#);
        let headers = msg.transport_headers_mut();
        for (name, value) in [
            ("server", "backend/1.0"),
            ("date", "Tue, 24 Nov 2026 22:00:00 GMT"),
            ("user-agent", "named/1"),
            ("connection", "keep-alive, x-hop, User-Agent"),
            ("keep-alive", "timeout=5"),
            ("x-hop", "1"),
            ("x-order", "7"),
            ("x-order", "8"),
            ("content-length", "7"),
            ("content-type", "application/json"),
        ] {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let keep = [header::SERVER, header::DATE, header::USER_AGENT];
        let out = outbound_reply(&mut msg, &keep).unwrap();
        assert!(msg.transport_headers().is_empty(), "moved, not copied");
        let mut names: Vec<&str> = out.headers.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        // Server and Date kept; User-Agent named by Connection, so hop-by-hop here.
        assert_eq!(names, ["content-type", "date", "server", "x-order"]);
        let order: Vec<&[u8]> = out
            .headers
            .get_all("x-order")
            .iter()
            .map(HeaderValue::as_bytes)
            .collect();
        assert_eq!(order, [b"7", b"8"]);
        assert_eq!(out.headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(full(&out), br#"{"a":1}"#);

        // Without a body, no Content-Type either; without `keep`, what `outbound` sends.
        let mut msg = MessageContext::empty();
        msg.transport_headers_mut()
            .insert(header::SERVER, HeaderValue::from_static("backend/1.0"));
        msg.transport_headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let out = outbound_reply(&mut msg, &[]).unwrap();
        assert!(out.headers.is_empty(), "{:?}", out.headers);
        assert!(matches!(out.body, OutboundBody::Empty));
    }

    #[test]
    fn a_bad_json_payload_to_convert_is_a_parsing_error() {
        let mut msg = MessageContext::from_json("{not json");
        msg.set_message_type("application/xml");
        let err = outbound(&mut msg).unwrap_err();
        assert_eq!(err.code(), codes::MESSAGE_PARSING_ERROR);
    }
}
