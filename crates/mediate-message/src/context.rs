//! The message context: payload, properties by scope, variables and the facts
//! MI keeps about a message.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Uri};
use serde_json::Value;

use crate::body::{BodyError, PendingBody};
use crate::error::Error;
use crate::payload::{Payload, PayloadKind, intern_content_type, interned_essence, mime_essence};
use crate::property::{PropertyMap, PropertyName, PropertyValue, Scope, VariableValue};
use crate::xml::{Envelope, EnvelopeOrigin, XmlDocument};

/// Content type given to JSON payloads built here.
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// Content type given to XML payloads built here.
pub const XML_CONTENT_TYPE: &str = "application/xml";
/// Content type given to text payloads built here.
pub const TEXT_CONTENT_TYPE: &str = "text/plain";

/// The fault facts MI keeps (`ERROR_CODE`, `ERROR_MESSAGE`, `ERROR_DETAIL`,
/// `ERROR_EXCEPTION`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fault {
    /// `ERROR_CODE` (e.g. `101503`).
    pub code: Option<i32>,
    /// `ERROR_MESSAGE`.
    pub message: Option<String>,
    /// `ERROR_DETAIL`.
    pub detail: Option<String>,
    /// `ERROR_EXCEPTION` (the exception's text).
    pub exception: Option<String>,
}

/// WS-Addressing-like facts (`To`, `From`, `Action`, `ReplyTo`, `FaultTo`, `RelatesTo`): the
/// addresses of Synapse's `MessageContext` EPRs (`getTo()`, `getFaultTo()`… `.getAddress()`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressing {
    /// `To` (the request URL for HTTP requests).
    pub to: Option<String>,
    /// `From`.
    pub from: Option<String>,
    /// `Action` (`SOAPAction` or the `action` parameter of SOAP 1.2).
    pub action: Option<String>,
    /// `ReplyTo`.
    pub reply_to: Option<String>,
    /// `FaultTo` (WS-Addressing `wsa:FaultTo`): where a fault about this message goes. Set by the
    /// header mediator (`<header name="FaultTo" …/>`), read by `get-property('FaultTo')`; the
    /// fault mediator sends the fault `To` it (Synapse's `FaultMediator.makeSOAPFault`).
    pub fault_to: Option<String>,
    /// `RelatesTo`.
    pub relates_to: Option<String>,
}

/// Facts about the HTTP request (and the response status).
#[derive(Debug, Clone, Default)]
struct Request {
    method: Option<Method>,
    uri: Option<Uri>,
    rest_url_postfix: Option<String>,
    query: Vec<(String, String)>,
    path_params: HashMap<String, String>,
    status: Option<StatusCode>,
    remote_addr: Option<IpAddr>,
}

/// One message flowing through the engine (MI's `MessageContext`).
///
/// The payload stays the [`Bytes`] it arrived as; XML, JSON and envelope views
/// are parsed on first use and cached until the payload changes.
#[derive(Debug, Clone)]
pub struct MessageContext {
    inner: Box<Inner>,
}

/// The parts of a [`MessageContext`], behind one box: a message context is moved many times
/// per request (into and out of futures), and a pointer moves cheaper than its 600 bytes.
#[derive(Debug, Clone)]
struct Inner {
    /// Made on first use: most messages never need one, and a v4 UUID costs a system call.
    /// Shared by clones, so a clone has its original's ID whenever the ID is first asked for.
    message_id: MessageId,
    payload: Payload,
    properties: PropertyMap,
    axis2: PropertyMap,
    operation: PropertyMap,
    transport: HeaderMap,
    variables: HashMap<String, VariableValue>,
    request: Request,
    fault: Option<Box<Fault>>,
    addressing: Addressing,
    message_type: Option<Cow<'static, str>>,
    response: bool,
    /// Synapse's function stack (`SYNAPSE__FUNCTION__STACK`): one frame of parameters per
    /// sequence template being run, innermost last. Empty (no allocation) unless a template runs.
    function_stack: Vec<HashMap<String, String>>,
    /// The named sequences and sequence templates being run, outermost first (Synapse keeps no
    /// such list). Empty (no allocation) until a named sequence runs.
    nesting: Vec<Arc<str>>,
    /// The body still on the wire (see [`PendingBody`]); `None` once read or replaced.
    pending: Option<PendingBody>,
    /// Typed values that the runtime and transports hang on a message (the reply handle,
    /// the flow's response path); see [`extensions`](Self::extensions).
    extensions: http::Extensions,
}

fn new_message_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

/// The message ID's shared slot, itself made on first use (a clone or a read of the ID): a
/// message that is never cloned and whose ID nobody asks for allocates nothing for it.
#[derive(Debug, Default)]
struct MessageId(OnceLock<Arc<OnceLock<String>>>);

impl MessageId {
    /// The slot clones share, made now if it was not yet.
    fn shared(&self) -> &Arc<OnceLock<String>> {
        self.0.get_or_init(Arc::default)
    }

    fn get(&self) -> &str {
        self.shared().get_or_init(new_message_id)
    }

    fn set(id: String) -> Self {
        Self(OnceLock::from(Arc::new(OnceLock::from(id))))
    }
}

impl Clone for MessageId {
    /// The clone shares the slot: whichever of the two asks first makes the ID for both.
    fn clone(&self) -> Self {
        Self(OnceLock::from(Arc::clone(self.shared())))
    }
}

impl MessageContext {
    fn with_payload(payload: Payload) -> Self {
        let inner = Inner {
            message_id: MessageId::default(),
            payload,
            properties: PropertyMap::default(),
            axis2: PropertyMap::default(),
            operation: PropertyMap::default(),
            transport: HeaderMap::new(),
            variables: HashMap::new(),
            request: Request::default(),
            fault: None,
            addressing: Addressing::default(),
            message_type: None,
            response: false,
            function_stack: Vec::new(),
            nesting: Vec::new(),
            pending: None,
            extensions: http::Extensions::new(),
        };
        Self {
            inner: Box::new(inner),
        }
    }

    /// A message with no payload.
    pub fn empty() -> Self {
        Self::with_payload(Payload::new(Bytes::new(), ""))
    }

    /// A JSON message (`application/json`); the JSON is parsed on use.
    pub fn from_json(json: impl Into<Bytes>) -> Self {
        Self::from_bytes(json, JSON_CONTENT_TYPE)
    }

    /// An XML message (`application/xml`): POX, or a SOAP envelope.
    pub fn from_xml(xml: impl Into<Bytes>) -> Self {
        Self::from_bytes(xml, XML_CONTENT_TYPE)
    }

    /// A text message (`text/plain`).
    pub fn from_text(text: impl Into<Bytes>) -> Self {
        Self::from_bytes(text, TEXT_CONTENT_TYPE)
    }

    /// A message with any payload and content type.
    pub fn from_bytes(bytes: impl Into<Bytes>, content_type: impl Into<String>) -> Self {
        Self::with_payload(Payload::new(bytes.into(), content_type.into()))
    }

    /// A request message: method, URI (query parameters, `To`), headers
    /// (transport scope), body and content type.
    pub fn from_http_request(request: http::Request<Bytes>) -> Self {
        let (parts, body) = request.into_parts();
        let has_body = !body.is_empty();
        let mut ctx = Self::from_request_parts(parts, has_body);
        ctx.inner.payload = Payload::new(body, ctx.inner.payload.content_type.clone());
        ctx
    }

    /// A request message whose body is still arriving: `body` is read only when a mediator
    /// needs it, or streamed on unread (see [`PendingBody`]). `None` is a request without a
    /// body. Everything else is as [`from_http_request`](Self::from_http_request).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use mediate_message::{MessageContext, PendingBody};
    ///
    /// let request = http::Request::post("http://localhost:8290/orders?id=7")
    ///     .header("content-type", "application/json")
    ///     .body(())?;
    /// let (parts, ()) = request.into_parts();
    /// let body = PendingBody::from_chunks([Bytes::from_static(b"{\"qty\":2}")]);
    /// let mut msg = MessageContext::from_http_request_streaming(parts, Some(body));
    /// assert!(msg.has_unread_body());
    /// assert!(msg.payload().is_empty()); // nothing read yet
    ///
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// rt.block_on(msg.read_body())?;
    /// assert_eq!(msg.json()?["qty"], 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_http_request_streaming(
        parts: http::request::Parts,
        body: Option<PendingBody>,
    ) -> Self {
        let mut ctx = Self::from_request_parts(parts, body.is_some());
        ctx.inner.pending = body;
        ctx
    }

    fn from_request_parts(parts: http::request::Parts, has_body: bool) -> Self {
        let content_type = match parts.headers.get(CONTENT_TYPE).map(HeaderValue::to_str) {
            Some(Ok(text)) => intern_content_type(text),
            _ if has_body => Cow::Borrowed("application/octet-stream"),
            _ => Cow::Borrowed(""),
        };
        let action = soap_action(&parts.headers, &content_type);
        let message_type = (!content_type.is_empty()).then(|| interned_essence(&content_type));
        let mut ctx = Self::with_payload(Payload::new(Bytes::new(), content_type));
        // An origin-form target (`/path?query`, nearly every request) is its own text.
        ctx.inner.addressing.to = Some(match parts.uri.path_and_query() {
            Some(pq) if parts.uri.scheme().is_none() && parts.uri.authority().is_none() => {
                pq.as_str().to_owned()
            }
            _ => parts.uri.to_string(),
        });
        ctx.set_request_uri(parts.uri);
        ctx.inner.request.method = Some(parts.method);
        ctx.inner.addressing.action = action;
        ctx.inner.transport = parts.headers;
        ctx.inner.extensions = parts.extensions;
        ctx.inner.message_type = message_type;
        ctx
    }

    // ----- the body still on the wire ----------------------------------------------

    /// Whether the body is still unread on the wire (see [`PendingBody`]): the payload is
    /// empty until [`read_body`](Self::read_body) runs.
    pub fn has_unread_body(&self) -> bool {
        self.inner.pending.is_some()
    }

    /// The body still on the wire, if any.
    pub fn unread_body(&self) -> Option<&PendingBody> {
        self.inner.pending.as_ref()
    }

    /// Reads the body still on the wire (if any) into the payload, keeping the content type.
    /// Mediator runners call this before a mediator that reads the payload; it does nothing
    /// when the body has been read already.
    pub async fn read_body(&mut self) -> Result<(), BodyError> {
        let Some(pending) = &self.inner.pending else {
            return Ok(());
        };
        let bytes = pending.read().await?;
        self.inner.pending = None;
        self.inner.payload = Payload::new(bytes, self.inner.payload.content_type.clone());
        Ok(())
    }

    /// Takes the body still on the wire, to stream it on unread; the payload stays empty.
    /// `None` when the body has been read (then send [`payload`](Self::payload)).
    pub fn take_unread_body(&mut self) -> Option<PendingBody> {
        self.inner.pending.take()
    }

    /// Sets a body still on the wire as the payload (a response arriving from an endpoint), with
    /// its content type; the bytes are read when a mediator needs them.
    /// A common content type (see [`intern_content_type`]) is kept without a copy.
    pub fn set_unread_body(
        &mut self,
        body: PendingBody,
        content_type: impl Into<Cow<'static, str>>,
    ) {
        self.inner.payload = Payload::new(Bytes::new(), content_type);
        self.inner.pending = Some(body);
    }

    fn replace_payload(&mut self, payload: Payload) {
        self.inner.pending = None;
        self.inner.payload = payload;
    }

    // ----- extensions --------------------------------------------------------------

    /// Typed values hung on the message by the runtime and transports (as
    /// [`http::Extensions`]): a reply handle, the flow's response path. A request's
    /// extensions come from the [`http::Request`]. Clones of a message get clones of them.
    pub fn extensions(&self) -> &http::Extensions {
        &self.inner.extensions
    }

    /// The extensions, to change them.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.inner.extensions
    }

    /// The HTTP response for this message: status (default 200), transport
    /// headers (minus hop-by-hop and length headers), content type, payload.
    /// The payload is sent as it is (no `messageType` conversion: that is the
    /// formatter's job). A body still on the wire is not part of it: a transport takes it
    /// first with [`take_unread_body`](Self::take_unread_body) and streams it.
    pub fn into_http_response(self) -> http::Response<Bytes> {
        let mut headers = self.inner.transport;
        for name in [
            http::header::CONTENT_LENGTH,
            http::header::TRANSFER_ENCODING,
            http::header::CONNECTION,
            http::header::HOST,
            http::header::UPGRADE,
            http::header::TE,
            http::header::TRAILER,
        ] {
            headers.remove(name);
        }
        headers.remove("keep-alive");
        headers.remove(CONTENT_TYPE);
        if !self.inner.payload.content_type.is_empty()
            && let Ok(value) = HeaderValue::from_str(&self.inner.payload.content_type)
        {
            headers.insert(CONTENT_TYPE, value);
        }
        let mut response = http::Response::new(self.inner.payload.bytes);
        *response.status_mut() = self.inner.request.status.unwrap_or(StatusCode::OK);
        *response.headers_mut() = headers;
        response
    }

    // ----- identity ---------------------------------------------------------------

    /// The message ID (`urn:uuid:…`).
    pub fn message_id(&self) -> &str {
        self.inner.message_id.get()
    }

    /// Replaces the message ID.
    pub fn set_message_id(&mut self, id: impl Into<String>) {
        self.inner.message_id = MessageId::set(id.into());
    }

    /// Whether this is a response message.
    pub fn is_response(&self) -> bool {
        self.inner.response
    }

    /// Marks the message as a response (or not).
    pub fn set_response(&mut self, response: bool) {
        self.inner.response = response;
    }

    /// The addressing facts.
    pub fn addressing(&self) -> &Addressing {
        &self.inner.addressing
    }

    /// The addressing facts, to change them.
    pub fn addressing_mut(&mut self) -> &mut Addressing {
        &mut self.inner.addressing
    }

    /// `To`.
    pub fn to(&self) -> Option<&str> {
        self.inner.addressing.to.as_deref()
    }

    /// `Action` (`SOAPAction`).
    pub fn action(&self) -> Option<&str> {
        self.inner.addressing.action.as_deref()
    }

    // ----- payload ---------------------------------------------------------------

    /// The payload bytes, as received or last set.
    pub fn payload(&self) -> &Bytes {
        &self.inner.payload.bytes
    }

    /// The payload's content type (may be empty).
    pub fn content_type(&self) -> &str {
        &self.inner.payload.content_type
    }

    /// The payload's content type, as [`content_type`](Self::content_type), to keep: for the
    /// common ones (see [`intern_content_type`]) without a copy.
    pub fn shared_content_type(&self) -> Cow<'static, str> {
        self.inner.payload.content_type.clone()
    }

    /// How the payload is read.
    pub fn payload_kind(&self) -> PayloadKind {
        self.inner.payload.kind
    }

    /// The payload as text (UTF-8).
    pub fn payload_as_text(&self) -> Result<&str, Error> {
        self.inner.payload.text()
    }

    /// The payload parsed as XML (XML payloads only; positions are the payload's).
    pub fn xml(&self) -> Result<&XmlDocument, Error> {
        self.inner.payload.xml()
    }

    /// The payload as JSON: parsed for JSON payloads, MI's XML → JSON mapping
    /// of the first body child for XML payloads.
    pub fn json(&self) -> Result<&Value, Error> {
        self.inner.payload.json()
    }

    /// The JSON view if something has parsed it already, without parsing: lets a reader that
    /// needs one value scan the raw bytes instead of building the whole tree.
    pub fn json_if_parsed(&self) -> Option<&Value> {
        self.inner.payload.json_if_parsed()
    }

    /// The XML view if something has parsed it already, without parsing.
    pub fn xml_if_parsed(&self) -> Option<&XmlDocument> {
        self.inner.payload.xml_if_parsed()
    }

    /// The envelope view if something has built it already, without building it.
    pub fn envelope_if_parsed(&self) -> Option<&Envelope> {
        self.inner.payload.envelope_if_parsed()
    }

    /// Whether a reader that needs one value may scan the raw JSON bytes for it instead of
    /// parsing the whole payload: `true` for the first such reader of a payload that nothing
    /// has parsed, `false` afterwards. One scan is cheaper than a parse, but a second scan of
    /// the same bytes costs more than the parse it avoids (the parsed tree is cached for every
    /// later reader), so from the second reader on the payload is parsed.
    pub fn claim_json_scan(&self) -> bool {
        self.inner.payload.claim_json_scan()
    }

    /// Whether this reader may scan the raw XML bytes for one value instead of building the
    /// envelope: `true` for the first reader only, while nothing has built it (see
    /// [`scan_xml_path`](Self::scan_xml_path) and [`claim_json_scan`](Self::claim_json_scan)).
    pub fn claim_xml_scan(&self) -> bool {
        self.inner.payload.claim_xml_scan()
    }

    /// MI's envelope view of the payload (see [`Envelope`]).
    pub fn envelope(&self) -> Result<&Envelope, Error> {
        self.inner.payload.envelope()
    }

    /// MI's `messageType` (the formatter to use); defaults to the payload's
    /// content type without parameters.
    pub fn message_type(&self) -> String {
        match &self.inner.message_type {
            Some(set) => set.to_string(),
            None => mime_essence(&self.inner.payload.content_type),
        }
    }

    /// The `messageType` set on the message ([`set_message_type`](Self::set_message_type)),
    /// as written; `None` when it follows the content type. [`message_type`](Self::message_type)
    /// without the copy.
    pub fn message_type_set(&self) -> Option<&str> {
        self.inner.message_type.as_deref()
    }

    /// Sets MI's `messageType`.
    pub fn set_message_type(&mut self, message_type: impl Into<String>) {
        self.inner.message_type = Some(Cow::Owned(message_type.into()));
    }

    /// Changes the content type, keeping the bytes (views are dropped: the
    /// payload may now be read differently).
    pub fn set_content_type(&mut self, content_type: impl Into<String>) {
        self.inner.payload = Payload::new(self.inner.payload.bytes.clone(), content_type.into());
    }

    /// Replaces the payload (all cached views are dropped).
    pub fn set_payload(&mut self, bytes: impl Into<Bytes>, content_type: impl Into<String>) {
        self.replace_payload(Payload::new(bytes.into(), content_type.into()));
    }

    /// Replaces the payload with JSON (`application/json`, unless the
    /// payload was already JSON, whose content type is kept).
    pub fn set_json(&mut self, value: Value) {
        let bytes = Bytes::from(value.to_string());
        let content_type = if self.inner.payload.kind == PayloadKind::Json {
            self.inner.payload.content_type.clone()
        } else {
            Cow::Borrowed(JSON_CONTENT_TYPE)
        };
        self.replace_payload(Payload::with_json(bytes, content_type, value));
    }

    /// Replaces the body content with an XML element (MI's payloadFactory with
    /// XML media type). For an explicit SOAP envelope the Body's content is
    /// spliced, keeping the envelope text (and Header) around it; otherwise
    /// the XML becomes the (POX) payload. The content type stays if it was an
    /// XML one, else becomes `application/xml`.
    pub fn set_xml_body(&mut self, xml: impl Into<Bytes>) -> Result<(), Error> {
        let xml = xml.into();
        let fragment = XmlDocument::parse(xml.clone())?;
        let body_text = strip_prolog(&fragment);
        if self.inner.payload.kind == PayloadKind::Xml
            && let Ok(env) = self.inner.payload.envelope()
            && env.origin() == EnvelopeOrigin::Soap
        {
            let doc = env.xml_document();
            let body = env.body();
            let inner = inner_range(doc, body);
            let spliced = splice(doc.bytes(), inner, body_text.as_bytes());
            let content_type = self.inner.payload.content_type.clone();
            self.replace_payload(Payload::new(spliced, content_type));
            return Ok(());
        }
        let content_type = if self.inner.payload.kind == PayloadKind::Xml {
            self.inner.payload.content_type.clone()
        } else {
            Cow::Borrowed(XML_CONTENT_TYPE)
        };
        self.replace_payload(Payload::with_xml(fragment, content_type));
        Ok(())
    }

    /// Replaces only the first element child of the Body by splicing bytes:
    /// the text around it (XML declaration, comments, SOAP envelope, Header,
    /// sibling elements) is kept byte for byte. For non-XML payloads (or an
    /// empty Body) this is [`Self::set_xml_body`].
    pub fn replace_first_body_child(&mut self, xml: impl Into<Bytes>) -> Result<(), Error> {
        let xml = xml.into();
        if self.inner.payload.kind != PayloadKind::Xml {
            return self.set_xml_body(xml);
        }
        let fragment = XmlDocument::parse(xml.clone())?;
        let new_text = strip_prolog(&fragment);
        let env = self.inner.payload.envelope()?;
        let range = if env.origin() == EnvelopeOrigin::Soap {
            env.first_body_child()
                .map(|first| env.xml_document().byte_range(first))
        } else {
            let doc = self.inner.payload.xml()?;
            Some(doc.byte_range(doc.root_element()))
        };
        let Some(range) = range else {
            return self.set_xml_body(xml);
        };
        let spliced = splice(&self.inner.payload.bytes, range, new_text.as_bytes());
        let content_type = self.inner.payload.content_type.clone();
        self.replace_payload(Payload::new(spliced, content_type));
        Ok(())
    }

    /// Replaces the payload with text (`text/plain`).
    pub fn set_text(&mut self, text: impl Into<String>) {
        self.replace_payload(Payload::new(Bytes::from(text.into()), TEXT_CONTENT_TYPE));
    }

    // ----- properties ------------------------------------------------------------

    /// A default-scope (synapse) property.
    pub fn property(&self, name: &str) -> Option<&PropertyValue> {
        self.inner.properties.get(name)
    }

    /// Sets a default-scope property.
    pub fn set_property(&mut self, name: impl Into<PropertyName>, value: impl Into<PropertyValue>) {
        self.inner.properties.insert(name.into(), value.into());
    }

    /// Makes room for `additional` more default-scope properties, so that setting them does
    /// not grow the map step by step.
    pub fn reserve_properties(&mut self, additional: usize) {
        self.inner.properties.reserve(additional);
    }

    /// Removes a default-scope property.
    pub fn remove_property(&mut self, name: &str) -> Option<PropertyValue> {
        self.inner.properties.remove(name)
    }

    /// The default-scope properties.
    pub fn properties(&self) -> &PropertyMap {
        &self.inner.properties
    }

    /// The axis2-scope properties.
    pub fn axis2_properties(&self) -> &PropertyMap {
        &self.inner.axis2
    }

    /// The operation-scope properties.
    pub fn operation_properties(&self) -> &PropertyMap {
        &self.inner.operation
    }

    /// A property of any scope kept on the message. Transport properties are
    /// headers (case-insensitive names; several values joined with `, `).
    /// Besides the stored ones, the axis2 scope answers `HTTP_SC`,
    /// `HTTP_METHOD`, `REST_URL_POSTFIX`, `REMOTE_ADDR`, `messageType` and `ContentType`
    /// from the message's facts, and the default scope answers `ERROR_CODE`,
    /// `ERROR_MESSAGE`, `ERROR_DETAIL`, `ERROR_EXCEPTION` and `MESSAGE_FORMAT`.
    /// `registry`, `system` and `env` are not on the message: `None`.
    pub fn scoped_property(&self, scope: Scope, name: &str) -> Option<PropertyValue> {
        match scope {
            Scope::Default => self
                .inner
                .properties
                .get(name)
                .cloned()
                .or_else(|| self.default_fact(name)),
            Scope::Axis2 => self
                .inner
                .axis2
                .get(name)
                .cloned()
                .or_else(|| self.axis2_fact(name)),
            Scope::Operation => self.inner.operation.get(name).cloned(),
            Scope::Transport => self.transport_header(name).map(PropertyValue::String),
            Scope::Registry | Scope::System | Scope::Env => None,
        }
    }

    fn default_fact(&self, name: &str) -> Option<PropertyValue> {
        let fault = self.inner.fault.as_deref();
        match name {
            "ERROR_CODE" => fault?.code.map(PropertyValue::Integer),
            "ERROR_MESSAGE" => fault?.message.clone().map(PropertyValue::String),
            "ERROR_DETAIL" => fault?.detail.clone().map(PropertyValue::String),
            "ERROR_EXCEPTION" => fault?.exception.clone().map(PropertyValue::String),
            "MESSAGE_FORMAT" => Some(PropertyValue::String(self.message_type())),
            _ => None,
        }
    }

    fn axis2_fact(&self, name: &str) -> Option<PropertyValue> {
        match name {
            "HTTP_SC" => self
                .inner
                .request
                .status
                .map(|s| PropertyValue::Integer(i32::from(s.as_u16()))),
            "HTTP_METHOD" => self
                .inner
                .request
                .method
                .as_ref()
                .map(|m| PropertyValue::String(m.to_string())),
            "REST_URL_POSTFIX" => self
                .rest_url_postfix()
                .map(|s| PropertyValue::String(s.to_owned())),
            "REMOTE_ADDR" => self
                .inner
                .request
                .remote_addr
                .map(|ip| PropertyValue::String(ip.to_string())),
            "messageType" => Some(PropertyValue::String(self.message_type())),
            "ContentType" => Some(PropertyValue::String(
                self.inner.payload.content_type.to_string(),
            )),
            _ => None,
        }
    }

    /// Sets a property of a scope kept on the message. Transport values are
    /// printed with [`PropertyValue::as_string`] and must be valid header values.
    /// A `&'static str` name is kept without a copy.
    pub fn set_scoped_property(
        &mut self,
        scope: Scope,
        name: impl Into<PropertyName>,
        value: impl Into<PropertyValue>,
    ) -> Result<(), Error> {
        let value = value.into();
        match scope {
            Scope::Default => {
                self.inner.properties.insert(name.into(), value);
            }
            Scope::Axis2 => {
                self.inner.axis2.insert(name.into(), value);
            }
            Scope::Operation => {
                self.inner.operation.insert(name.into(), value);
            }
            Scope::Transport => self.set_transport_header(&name.into(), &value.as_string())?,
            Scope::Registry => return Err(Error::ScopeNotOnMessage("registry")),
            Scope::System => return Err(Error::ScopeNotOnMessage("system")),
            Scope::Env => return Err(Error::ScopeNotOnMessage("env")),
        }
        Ok(())
    }

    /// Keeps only the properties of `scope` for which `keep` returns `true` (the default,
    /// axis2 and operation scopes; other scopes are left as they are).
    ///
    /// ```
    /// use mediate_message::{MessageContext, Scope};
    ///
    /// let mut msg = MessageContext::empty();
    /// msg.set_scoped_property(Scope::Axis2, "messageType", "application/json")?;
    /// msg.set_scoped_property(Scope::Axis2, "HTTP_SC", 201)?;
    /// msg.retain_scoped_properties(Scope::Axis2, |name, _| name == "messageType");
    /// assert!(msg.scoped_property(Scope::Axis2, "HTTP_SC").is_none());
    /// assert!(msg.scoped_property(Scope::Axis2, "messageType").is_some());
    /// # Ok::<(), mediate_message::Error>(())
    /// ```
    pub fn retain_scoped_properties(
        &mut self,
        scope: Scope,
        mut keep: impl FnMut(&str, &PropertyValue) -> bool,
    ) {
        let map = match scope {
            Scope::Default => &mut self.inner.properties,
            Scope::Axis2 => &mut self.inner.axis2,
            Scope::Operation => &mut self.inner.operation,
            Scope::Transport | Scope::Registry | Scope::System | Scope::Env => return,
        };
        map.retain(|name, value| keep(name, value));
    }

    /// Removes a property of a scope kept on the message.
    pub fn remove_scoped_property(&mut self, scope: Scope, name: &str) -> Option<PropertyValue> {
        match scope {
            Scope::Default => self.inner.properties.remove(name),
            Scope::Axis2 => self.inner.axis2.remove(name),
            Scope::Operation => self.inner.operation.remove(name),
            Scope::Transport => {
                let old = self.transport_header(name);
                HeaderName::from_bytes(name.as_bytes())
                    .ok()
                    .map(|n| self.inner.transport.remove(n));
                old.map(PropertyValue::String)
            }
            Scope::Registry | Scope::System | Scope::Env => None,
        }
    }

    // ----- transport headers -----------------------------------------------------

    /// The transport headers (case-insensitive).
    pub fn transport_headers(&self) -> &HeaderMap {
        &self.inner.transport
    }

    /// The transport headers, to change them.
    pub fn transport_headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.inner.transport
    }

    /// One transport header (values of a repeated header joined with `, `).
    pub fn transport_header(&self, name: &str) -> Option<String> {
        let mut values = self.inner.transport.get_all(name).iter().peekable();
        values.peek()?;
        let joined: Vec<String> = values
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        Some(joined.join(", "))
    }

    /// Sets (replaces) a transport header.
    pub fn set_transport_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::InvalidHeader(name.to_owned(), "the name is not a valid HTTP header name")
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::InvalidHeader(
                name.to_owned(),
                "the value holds a character HTTP forbids (a control character such as a line break)",
            )
        })?;
        self.inner.transport.insert(header, value);
        Ok(())
    }

    // ----- variables ------------------------------------------------------------

    /// An MI 4.4 variable (`${vars.name}`).
    pub fn variable(&self, name: &str) -> Option<&VariableValue> {
        self.inner.variables.get(name)
    }

    /// Sets a variable.
    pub fn set_variable(&mut self, name: impl Into<String>, value: impl Into<VariableValue>) {
        self.inner.variables.insert(name.into(), value.into());
    }

    /// Removes a variable.
    pub fn remove_variable(&mut self, name: &str) -> Option<VariableValue> {
        self.inner.variables.remove(name)
    }

    /// All variables.
    pub fn variables(&self) -> &HashMap<String, VariableValue> {
        &self.inner.variables
    }

    // ----- request facts ---------------------------------------------------------

    /// The HTTP method.
    pub fn http_method(&self) -> Option<&Method> {
        self.inner.request.method.as_ref()
    }

    /// Sets the HTTP method.
    pub fn set_http_method(&mut self, method: Method) {
        self.inner.request.method = Some(method);
    }

    /// The full request URI as received.
    pub fn request_uri(&self) -> Option<&Uri> {
        self.inner.request.uri.as_ref()
    }

    /// Sets the request URI; query parameters are re-read from it.
    pub fn set_request_uri(&mut self, uri: Uri) {
        self.inner.request.query = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        self.inner.request.uri = Some(uri);
    }

    /// The request path (percent-encoded, as received), without the query.
    pub fn request_path(&self) -> Option<&str> {
        self.inner.request.uri.as_ref().map(Uri::path)
    }

    /// The request path, percent-decoded (lossy UTF-8).
    pub fn request_path_decoded(&self) -> Option<String> {
        self.request_path().map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
    }

    /// MI's `REST_URL_POSTFIX`: the part of path and query after the API
    /// context / service path, once the dispatcher set it; before that, the
    /// whole path and query.
    pub fn rest_url_postfix(&self) -> Option<&str> {
        match &self.inner.request.rest_url_postfix {
            Some(p) => Some(p),
            None => self
                .inner
                .request
                .uri
                .as_ref()
                .and_then(|u| u.path_and_query())
                .map(|pq| pq.as_str()),
        }
    }

    /// Sets `REST_URL_POSTFIX` (done by the dispatcher).
    pub fn set_rest_url_postfix(&mut self, postfix: impl Into<String>) {
        self.inner.request.rest_url_postfix = Some(postfix.into());
    }

    /// The decoded query parameters, in order (repeated names kept).
    pub fn query_params(&self) -> &[(String, String)] {
        &self.inner.request.query
    }

    /// The first value of a query parameter (`query.param.name`).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.inner
            .request
            .query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of a query parameter.
    pub fn query_param_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.inner
            .request
            .query
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path (URI-template) parameter (`uri.var.name`), set by the dispatcher.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.inner.request.path_params.get(name).map(String::as_str)
    }

    /// Sets a path parameter.
    pub fn set_path_param(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.inner
            .request
            .path_params
            .insert(name.into(), value.into());
    }

    /// All path parameters.
    pub fn path_params(&self) -> &HashMap<String, String> {
        &self.inner.request.path_params
    }

    /// The path parameters, to change them.
    pub fn path_params_mut(&mut self) -> &mut HashMap<String, String> {
        &mut self.inner.request.path_params
    }

    /// The HTTP status (`HTTP_SC`) of a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.request.status
    }

    /// Sets the HTTP status.
    pub fn set_status(&mut self, status: StatusCode) {
        self.inner.request.status = Some(status);
    }

    /// The IP address of the client the request came from (axis2 `REMOTE_ADDR`).
    pub fn remote_addr(&self) -> Option<IpAddr> {
        self.inner.request.remote_addr
    }

    /// Sets the client's IP address, which the axis2 scope answers as `REMOTE_ADDR` (text
    /// made only when asked for).
    pub fn set_remote_addr(&mut self, ip: IpAddr) {
        self.inner.request.remote_addr = Some(ip);
    }

    // ----- fault facts ------------------------------------------------------------

    /// The fault facts, if an error happened.
    pub fn fault(&self) -> Option<&Fault> {
        self.inner.fault.as_deref()
    }

    /// Records fault facts.
    pub fn set_fault(&mut self, fault: Fault) {
        self.inner.fault = Some(Box::new(fault));
    }

    /// Forgets the fault facts.
    pub fn clear_fault(&mut self) {
        self.inner.fault = None;
    }

    // ----- function stack (sequence templates) ------------------------------------

    /// Enters a sequence template: pushes a frame holding its parameters by name (Synapse's
    /// `TemplateMediator` pushing a `TemplateContext` on the `SYNAPSE__FUNCTION__STACK`).
    ///
    /// While the frame is on top, expressions read its parameters: `$func:name` and
    /// `get-property('func', 'name')` in XPath, `${params.functionParams.name}` in a Synapse
    /// expression. A nested template's frame hides the outer one until it is popped.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use mediate_message::MessageContext;
    ///
    /// let mut msg = MessageContext::empty();
    /// assert_eq!(msg.function_param("p"), None);
    /// msg.push_function_frame(HashMap::from([("p".to_owned(), "outer".to_owned())]));
    /// msg.push_function_frame(HashMap::from([("q".to_owned(), "inner".to_owned())]));
    /// assert_eq!(msg.function_param("q"), Some("inner"));
    /// assert_eq!(msg.function_param("p"), None); // only the innermost frame is visible
    /// assert_eq!(msg.function_depth(), 2);
    /// msg.pop_function_frame();
    /// assert_eq!(msg.function_param("p"), Some("outer"));
    /// msg.pop_function_frame();
    /// assert_eq!(msg.function_params(), None);
    /// ```
    pub fn push_function_frame(&mut self, params: HashMap<String, String>) {
        self.inner.function_stack.push(params);
    }

    /// Leaves the innermost sequence template: pops its frame and returns it (`None` when no
    /// template is running).
    pub fn pop_function_frame(&mut self) -> Option<HashMap<String, String>> {
        self.inner.function_stack.pop()
    }

    /// The parameters of the innermost running sequence template (the top frame), if any.
    pub fn function_params(&self) -> Option<&HashMap<String, String>> {
        self.inner.function_stack.last()
    }

    /// One parameter of the innermost running sequence template (`$func:name`).
    pub fn function_param(&self, name: &str) -> Option<&str> {
        self.function_params()?.get(name).map(String::as_str)
    }

    /// How many sequence templates are running (the depth of the function stack).
    pub fn function_depth(&self) -> usize {
        self.inner.function_stack.len()
    }

    // ----- nesting (named sequences and templates being run) -----------------------

    /// The names of the named sequences and sequence templates the message is running inside,
    /// outermost first: the engine pushes a name when it enters one (a `<sequence key>`, a
    /// filter branch's `sequence="key"`, an `onError` handler, a `call-template`) and
    /// [truncates](Self::truncate_nesting) back when it leaves. The engine bounds its length so
    /// that a configuration calling itself fails with an error instead of exhausting the stack.
    ///
    /// ```
    /// use mediate_message::MessageContext;
    ///
    /// let mut msg = MessageContext::empty();
    /// let outer = msg.nesting().len();
    /// msg.push_nesting("main".into());
    /// msg.push_nesting("audit".into());
    /// assert_eq!(msg.nesting().iter().map(|n| &**n).collect::<Vec<_>>(), ["main", "audit"]);
    /// msg.truncate_nesting(outer);
    /// assert!(msg.nesting().is_empty());
    /// ```
    pub fn nesting(&self) -> &[Arc<str>] {
        &self.inner.nesting
    }

    /// Enters the named sequence or template `name` (see [`nesting`](Self::nesting)).
    pub fn push_nesting(&mut self, name: Arc<str>) {
        self.inner.nesting.push(name);
    }

    /// Leaves every sequence and template entered since the nesting was `depth` long: the
    /// length saved before [`push_nesting`](Self::push_nesting), so entries left behind by an
    /// inner flow that never finished (a cancelled future) go too. A `depth` at or beyond the
    /// current length changes nothing.
    pub fn truncate_nesting(&mut self, depth: usize) {
        self.inner.nesting.truncate(depth);
    }
}

impl Default for MessageContext {
    fn default() -> Self {
        Self::empty()
    }
}

/// `SOAPAction` header (quotes removed), or the `action` parameter of a SOAP
/// 1.2 content type.
fn soap_action(headers: &HeaderMap, content_type: &str) -> Option<String> {
    if let Some(action) = headers.get("soapaction").and_then(|v| v.to_str().ok()) {
        let action = action.trim().trim_matches('"');
        if !action.is_empty() {
            return Some(action.to_owned());
        }
    }
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("action")).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The text of a parsed fragment without its XML declaration/prolog: from the
/// root's start to the end of the text.
fn strip_prolog(doc: &XmlDocument) -> &str {
    let root = doc.root_element();
    let text = doc.as_str();
    text.get(root.range().start..).unwrap_or(text).trim_end()
}

/// The byte range of an element's content (between its start and end tags);
/// for an empty-element tag (`<b/>`), the `/` to rewrite.
fn inner_range(doc: &XmlDocument, element: roxmltree::Node<'_, '_>) -> InnerRange {
    let whole = doc.byte_range(element);
    let text = &doc.bytes()[whole.clone()];
    if text.ends_with(b"/>") {
        return InnerRange::SelfClosing {
            whole,
            qname_len: element_qname_len(text),
        };
    }
    let start = whole.start + start_tag_len(text);
    let end = whole.end
        - text
            .iter()
            .rev()
            .position(|&b| b == b'<')
            .map_or(0, |p| p + 1);
    InnerRange::Content(start..end.max(start))
}

/// Length of the start tag at the beginning of `text` (quote-aware).
fn start_tag_len(text: &[u8]) -> usize {
    let mut quote = None;
    for (i, &b) in text.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
    }
    text.len()
}

fn element_qname_len(tag: &[u8]) -> usize {
    tag.iter()
        .skip(1)
        .take_while(|b| !(b.is_ascii_whitespace() || **b == b'/' || **b == b'>'))
        .count()
}

enum InnerRange {
    Content(std::ops::Range<usize>),
    SelfClosing {
        whole: std::ops::Range<usize>,
        qname_len: usize,
    },
}

trait SpliceRange {
    fn apply(self, source: &Bytes, replacement: &[u8]) -> Bytes;
}

impl SpliceRange for std::ops::Range<usize> {
    fn apply(self, source: &Bytes, replacement: &[u8]) -> Bytes {
        let mut out = BytesMut::with_capacity(source.len() - self.len() + replacement.len());
        out.extend_from_slice(&source[..self.start]);
        out.extend_from_slice(replacement);
        out.extend_from_slice(&source[self.end..]);
        out.freeze()
    }
}

impl SpliceRange for InnerRange {
    fn apply(self, source: &Bytes, replacement: &[u8]) -> Bytes {
        match self {
            Self::Content(range) => range.apply(source, replacement),
            Self::SelfClosing { whole, qname_len } => {
                // `<soapenv:Body attrs/>` → `<soapenv:Body attrs>NEW</soapenv:Body>`
                let tag = &source[whole.clone()];
                let qname = &tag[1..1 + qname_len];
                let mut out =
                    BytesMut::with_capacity(source.len() + replacement.len() + qname_len + 3);
                out.extend_from_slice(&source[..whole.start]);
                out.extend_from_slice(&tag[..tag.len() - 2]);
                out.extend_from_slice(b">");
                out.extend_from_slice(replacement);
                out.extend_from_slice(b"</");
                out.extend_from_slice(qname);
                out.extend_from_slice(b">");
                out.extend_from_slice(&source[whole.end..]);
                out.freeze()
            }
        }
    }
}

fn splice(source: &Bytes, range: impl SpliceRange, replacement: &[u8]) -> Bytes {
    range.apply(source, replacement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_message_id_made_after_the_clone() {
        let original = MessageContext::from_text("x");
        let clone = original.clone();
        let id = clone.message_id().to_owned();
        assert_eq!(original.message_id(), id);
        assert_eq!(original.clone().message_id(), id);
        let mut other = original.clone();
        other.set_message_id("urn:other");
        assert_eq!(other.message_id(), "urn:other");
        assert_eq!(original.message_id(), id);
        assert_ne!(MessageContext::from_text("x").message_id(), id);
    }

    #[test]
    fn message_id_is_urn_uuid() {
        let a = MessageContext::empty();
        let b = MessageContext::empty();
        assert!(a.message_id().starts_with("urn:uuid:"));
        assert_eq!(a.message_id().len(), "urn:uuid:".len() + 36);
        assert_ne!(a.message_id(), b.message_id());
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
        check::<MessageContext>();
    }

    #[test]
    fn soap_action_sources() {
        let mut h = HeaderMap::new();
        h.insert("SOAPAction", HeaderValue::from_static("\"urn:getQuote\""));
        assert_eq!(soap_action(&h, "text/xml").as_deref(), Some("urn:getQuote"));
        assert_eq!(
            soap_action(
                &HeaderMap::new(),
                "application/soap+xml; charset=UTF-8; action=\"urn:x\""
            )
            .as_deref(),
            Some("urn:x")
        );
    }
}
