//! `FORCE_ERROR_ON_SOAP_FAULT`: a backend's SOAP fault taken as a failure of the endpoint.
//!
//! Synapse's `SynapseCallbackReceiver.handleMessage`, when a response arrives for a message sent
//! through an endpoint and the request message holds the property `FORCE_ERROR_ON_SOAP_FAULT`
//! (default scope) with the string value `true`, builds the response (`buildMessage`, errors
//! ignored) and asks its envelope `hasFault()`. If so the response is not mediated: `ERROR_CODE`
//! becomes `SynapseConstants.ENDPOINT_CUSTOM_ERROR` (500000) and the endpoint's fault handler
//! runs (`onFault`: suspension by its error code lists, then its parent failover or load
//! balancer, else the fault sequence); otherwise the response flows on as usual.
//!
//! What decides "a SOAP fault" here is what makes Axiom's `SOAPEnvelope.hasFault()` true after
//! Axis2's builders ran: a body of a SOAP content type (`text/xml` or `application/soap+xml`,
//! the types Axis2's `SOAPBuilder` reads; other XML types are wrapped in an implicit envelope by
//! `ApplicationXMLBuilder`, so their root can never be the fault) that is a SOAP 1.1 or 1.2
//! `Envelope` whose `Body`'s first element is `Fault` in the envelope's namespace. The HTTP
//! status does not matter (a `200` carrying a fault counts, a `500` carrying JSON or text does
//! not); a body that cannot be parsed is not a fault, as Synapse ignores the build error.
//!
//! The same recognition serves [`CallOptions::fail_on_soap_fault`](super::CallOptions), which
//! also reads the fault's detail and a numeric fault code.
//!
//! The body is only read when the property asks for it, and never past the body's own limit
//! ([`PendingBody::limit`]): a larger body cannot be a fault here and goes on as it arrived,
//! with the chunks already read put back in front of the rest of the stream. Nothing read is
//! lost either way: the response keeps every byte.

use bytes::{Bytes, BytesMut};
use futures::stream::{self, StreamExt};
use http::header::CONTENT_TYPE;
use mediate_core::message::roxmltree::Node;
use mediate_core::message::{
    BodyError, BodyStream, PendingBody, SOAP11_NS, SOAP12_NS, XmlDocument, mime_essence,
};
use mediate_core::transport::InboundResponse;
use mediate_core::{MessageContext, Scope};

/// The property that turns a SOAP fault response into an endpoint failure
/// (`SynapseConstants.FORCE_ERROR_PROPERTY`), read from the request message's default scope.
pub const FORCE_ERROR_ON_SOAP_FAULT: &str = "FORCE_ERROR_ON_SOAP_FAULT";

/// The `ERROR_CODE` of a SOAP fault response taken as a failure
/// (`SynapseConstants.ENDPOINT_CUSTOM_ERROR`).
pub const ENDPOINT_CUSTOM_ERROR: i32 = mediate_core::codes::ENDPOINT_CUSTOM_ERROR;

/// Whether `msg` asks for SOAP faults to fail the endpoint: `FORCE_ERROR_ON_SOAP_FAULT` is the
/// string `true` (Synapse compares with `"true".equals(…)`: case matters; a `BOOLEAN` property
/// reads the same).
pub(crate) fn forced(msg: &MessageContext) -> bool {
    msg.scoped_property(Scope::Default, FORCE_ERROR_ON_SOAP_FAULT)
        .is_some_and(|v| v.as_string() == "true")
}

/// The SOAP fault a response carried: its SOAP version, code, reason and detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoapFault {
    /// `1.1` or `1.2`.
    pub(crate) version: &'static str,
    /// The fault code (`faultcode`, or `Code/Value`), as written.
    pub(crate) code: String,
    /// The reason (`faultstring`, or the first `Reason/Text`).
    pub(crate) reason: String,
    /// The text of `detail` (1.1) or `Detail` (1.2); empty without one.
    pub(crate) detail: String,
}

impl SoapFault {
    /// The fault code's local part when it is a number (`s:123` → 123), as Axis2's blocking
    /// client reads an `AxisFault`'s code into `ERROR_CODE`.
    pub(crate) fn numeric_code(&self) -> Option<i32> {
        let local = self.code.rsplit(':').next().unwrap_or_default().trim();
        local.parse().ok()
    }
}

/// Reads `response`'s body (within its limit) and says whether it is a SOAP fault; the response
/// comes back with the same body, every byte kept.
pub(crate) async fn inspect(response: InboundResponse) -> (InboundResponse, Option<SoapFault>) {
    let soap_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(mime_essence)
        .is_some_and(|ct| {
            ct.eq_ignore_ascii_case("text/xml") || ct.eq_ignore_ascii_case("application/soap+xml")
        });
    if !soap_type {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    let Some(body) = body else {
        return (http::Response::from_parts(parts, None), None);
    };
    let (body, bytes) = buffer(body).await;
    let fault = bytes.and_then(|b| soap_fault(&b));
    (http::Response::from_parts(parts, Some(body)), fault)
}

/// Reads `body` into memory when it fits its limit: the body to keep (with the same bytes, or
/// the same stream when it could not be read whole) and the bytes, if they were all read.
pub(crate) async fn buffer(body: PendingBody) -> (PendingBody, Option<Bytes>) {
    if let Some(bytes) = body.read_already() {
        return (body, Some(bytes));
    }
    let limit = body.limit();
    let announced = body.content_length();
    if announced.is_some_and(|len| len > limit as u64) {
        // Too large to read into memory: not looked at, and not touched.
        return (body, None);
    }
    let mut stream = match body.clone().into_stream().await {
        Ok(stream) => stream,
        // Already streamed on or failed: the body says so to whoever reads it next.
        Err(_) => return (body, None),
    };
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len = 0usize;
    loop {
        match stream.next().await {
            None => break,
            Some(Ok(chunk)) => {
                len += chunk.len();
                chunks.push(chunk);
                if len > limit {
                    let rest = rebuild(chunks, Some(stream), None);
                    return (PendingBody::new(rest, announced).with_limit(limit), None);
                }
            }
            Some(Err(err)) => {
                let rest = rebuild(chunks, None, Some(err));
                return (PendingBody::new(rest, announced).with_limit(limit), None);
            }
        }
    }
    let bytes = match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.swap_remove(0),
        _ => {
            let mut buf = BytesMut::with_capacity(len);
            for chunk in &chunks {
                buf.extend_from_slice(chunk);
            }
            buf.freeze()
        }
    };
    let kept = PendingBody::from_chunks([bytes.clone()]).with_limit(limit);
    (kept, Some(bytes))
}

/// The chunks already taken, then the rest of the stream (or the error that ended it).
fn rebuild(chunks: Vec<Bytes>, rest: Option<BodyStream>, error: Option<BodyError>) -> BodyStream {
    let head = stream::iter(chunks.into_iter().map(Ok));
    match (rest, error) {
        (Some(rest), _) => Box::pin(head.chain(rest)),
        (None, Some(err)) => Box::pin(head.chain(stream::once(async move { Err(err) }))),
        (None, None) => Box::pin(head),
    }
}

/// The fault, when `bytes` is a SOAP 1.1 or 1.2 envelope whose Body's first element is a
/// `Fault` of the envelope's namespace (Axiom's `SOAPEnvelope.hasFault()`).
pub(crate) fn soap_fault(bytes: &Bytes) -> Option<SoapFault> {
    let doc = XmlDocument::parse(bytes.clone()).ok()?;
    let envelope = doc.root_element();
    let ns = envelope.tag_name().namespace()?;
    let version = match ns {
        SOAP11_NS => "1.1",
        SOAP12_NS => "1.2",
        _ => return None,
    };
    if envelope.tag_name().name() != "Envelope" {
        return None;
    }
    let body = envelope.children().find(|n| {
        n.is_element() && n.tag_name().name() == "Body" && n.tag_name().namespace() == Some(ns)
    })?;
    let fault = body.first_element_child()?;
    if fault.tag_name().name() != "Fault" || fault.tag_name().namespace() != Some(ns) {
        return None;
    }
    let (code, reason, detail) = if version == "1.1" {
        (
            child_text(fault, &["faultcode"]),
            child_text(fault, &["faultstring"]),
            child_text(fault, &["detail"]),
        )
    } else {
        (
            child_text(fault, &["Code", "Value"]),
            child_text(fault, &["Reason", "Text"]),
            child_text(fault, &["Detail"]),
        )
    };
    Some(SoapFault {
        version,
        code,
        reason,
        detail,
    })
}

/// The trimmed text of the element at `path` (local names) under `node`, or nothing.
fn child_text(node: Node<'_, '_>, path: &[&str]) -> String {
    let mut current = node;
    for name in path {
        match current
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == *name)
        {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    current
        .descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOAP11_FAULT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Header/>
  <soapenv:Body>
    <soapenv:Fault>
      <faultcode>soapenv:Server</faultcode>
      <faultstring>Order service unavailable</faultstring>
    </soapenv:Fault>
  </soapenv:Body>
</soapenv:Envelope>"#;

    const SOAP12_FAULT: &str = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">
  <env:Body><env:Fault>
    <env:Code><env:Value>env:Receiver</env:Value></env:Code>
    <env:Reason><env:Text xml:lang="en">Stock unavailable</env:Text></env:Reason>
  </env:Fault></env:Body>
</env:Envelope>"#;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    /// Every byte of `body`'s stream.
    fn drain(body: PendingBody) -> Vec<u8> {
        block_on(async {
            let mut s = body.into_stream().await.expect("stream");
            let mut out = Vec::new();
            while let Some(c) = s.next().await {
                out.extend_from_slice(&c.expect("chunk"));
            }
            out
        })
    }

    fn soap_response(ct: &str, body: Option<PendingBody>) -> InboundResponse {
        http::Response::builder()
            .status(500)
            .header("content-type", ct)
            .body(body)
            .expect("response")
    }

    #[test]
    fn soap_11_and_12_faults_are_recognised_with_their_reason() {
        let f11 = soap_fault(&Bytes::from_static(SOAP11_FAULT.as_bytes())).expect("1.1 fault");
        assert_eq!(f11.version, "1.1");
        assert_eq!(f11.code, "soapenv:Server");
        assert_eq!(f11.reason, "Order service unavailable");
        let f12 = soap_fault(&Bytes::from_static(SOAP12_FAULT.as_bytes())).expect("1.2 fault");
        assert_eq!(f12.version, "1.2");
        assert_eq!(f12.code, "env:Receiver");
        assert_eq!(f12.reason, "Stock unavailable");
        assert_eq!(f12.detail, "");
        assert_eq!(f12.numeric_code(), None);
    }

    #[test]
    fn the_detail_and_a_numeric_fault_code_are_read() {
        let soap11 = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>boom</faultstring><detail><d>why</d></detail></s:Fault></s:Body></s:Envelope>"#;
        let f11 = soap_fault(&Bytes::from_static(soap11.as_bytes())).expect("1.1 fault");
        assert_eq!(f11.detail, "why");
        assert_eq!(f11.numeric_code(), None);
        let soap12 = r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><e:Fault><e:Code><e:Value>e:123</e:Value></e:Code><e:Reason><e:Text xml:lang="en">bad</e:Text></e:Reason><e:Detail>d</e:Detail></e:Fault></e:Body></e:Envelope>"#;
        let f12 = soap_fault(&Bytes::from_static(soap12.as_bytes())).expect("1.2 fault");
        assert_eq!(f12.numeric_code(), Some(123));
        assert_eq!(f12.reason, "bad");
        assert_eq!(f12.detail, "d");
    }

    #[test]
    fn only_a_fault_first_in_the_body_of_a_soap_envelope_counts() {
        let not = |xml: &str| soap_fault(&Bytes::from(xml.to_owned())).is_none();
        // An ordinary SOAP response.
        assert!(not(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><r/></s:Body></s:Envelope>"#
        ));
        // A Fault that is not the Body's first element.
        assert!(not(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><r/><s:Fault/></s:Body></s:Envelope>"#
        ));
        // A Fault of another namespace than the envelope's.
        assert!(not(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><f:Fault xmlns:f="http://www.w3.org/2003/05/soap-envelope"/></s:Body></s:Envelope>"#
        ));
        // A Fault outside the Body, a bare Fault (no envelope), plain XML, broken XML.
        assert!(not(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><s:Fault/></s:Header><s:Body/></s:Envelope>"#
        ));
        assert!(not(
            r#"<s:Fault xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>x</faultcode></s:Fault>"#
        ));
        assert!(not("<Envelope><Body><Fault/></Body></Envelope>"));
        assert!(not(
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>"
        ));
        assert!(not(r#"{"Envelope":{"Body":{"Fault":{}}}}"#));
    }

    #[test]
    fn the_property_must_be_the_string_true_in_the_default_scope() {
        let mut msg = MessageContext::empty();
        assert!(!forced(&msg));
        msg.set_property(FORCE_ERROR_ON_SOAP_FAULT, "TRUE");
        assert!(!forced(&msg), "Synapse compares with \"true\".equals");
        msg.set_property(FORCE_ERROR_ON_SOAP_FAULT, "true");
        assert!(forced(&msg));
        msg.set_property(FORCE_ERROR_ON_SOAP_FAULT, true);
        assert!(forced(&msg));
        let mut axis2 = MessageContext::empty();
        axis2
            .set_scoped_property(Scope::Axis2, FORCE_ERROR_ON_SOAP_FAULT, "true")
            .unwrap();
        assert!(!forced(&axis2), "only the default scope is read");
    }

    #[test]
    fn a_fault_body_is_read_and_kept() {
        let body = PendingBody::from_chunks([
            Bytes::from_static(&SOAP11_FAULT.as_bytes()[..40]),
            Bytes::from_static(&SOAP11_FAULT.as_bytes()[40..]),
        ]);
        let (response, fault) = block_on(inspect(soap_response(
            "text/xml; charset=UTF-8",
            Some(body),
        )));
        assert!(fault.is_some());
        let kept = response.into_body().expect("body kept");
        assert_eq!(block_on(kept.read()).unwrap(), SOAP11_FAULT);
    }

    #[test]
    fn other_content_types_are_not_read() {
        let body = PendingBody::from_chunks([Bytes::from_static(SOAP11_FAULT.as_bytes())]);
        let probe = body.clone();
        for ct in ["application/json", "application/xml", "text/plain"] {
            let (_, fault) = block_on(inspect(soap_response(ct, Some(body.clone()))));
            assert!(fault.is_none(), "{ct}");
        }
        assert!(probe.read_already().is_none(), "the body was left unread");
    }

    #[test]
    fn a_body_over_its_limit_is_not_a_fault_and_keeps_every_byte() {
        // Announced too large: not even opened.
        let announced =
            PendingBody::from_chunks([Bytes::from_static(SOAP11_FAULT.as_bytes())]).with_limit(10);
        let (response, fault) = block_on(inspect(soap_response("text/xml", Some(announced))));
        assert!(fault.is_none());
        let kept = response.into_body().unwrap();
        assert_eq!(kept.limit(), 10);
        assert_eq!(drain(kept), SOAP11_FAULT.as_bytes());

        // Not announced (chunked): read up to the limit, then put back in front of the rest.
        let chunks: Vec<Bytes> = SOAP11_FAULT
            .as_bytes()
            .chunks(16)
            .map(Bytes::copy_from_slice)
            .collect();
        let unannounced =
            PendingBody::new(Box::pin(stream::iter(chunks.into_iter().map(Ok))), None)
                .with_limit(50);
        let (response, fault) = block_on(inspect(soap_response("text/xml", Some(unannounced))));
        assert!(fault.is_none());
        let kept = response.into_body().unwrap();
        assert_eq!(kept.limit(), 50, "the limit stays the body's own");
        assert_eq!(kept.content_length(), None);
        assert_eq!(drain(kept), SOAP11_FAULT.as_bytes());
    }

    #[test]
    fn a_read_error_is_kept_for_the_next_reader() {
        let failing = PendingBody::new(
            Box::pin(stream::iter([
                Ok(Bytes::from_static(b"<s:Envelope")),
                Err(BodyError::Read("reset".into())),
            ])),
            None,
        );
        let (response, fault) = block_on(inspect(soap_response("text/xml", Some(failing))));
        assert!(fault.is_none());
        let kept = response.into_body().unwrap();
        assert_eq!(block_on(kept.read()), Err(BodyError::Read("reset".into())));
    }
}
