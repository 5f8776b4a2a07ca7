//! [`TestMessage`]: a builder of [`MessageContext`]s for tests.

use bytes::Bytes;
use http::{Method, StatusCode, Uri};
use mediate_core::message::{SOAP11_NS, SOAP12_NS};
use mediate_core::{MessageContext, PropertyValue, Scope, VariableValue};

/// Content type of the SOAP 1.1 messages built by [`TestMessage::soap11`].
///
/// ```
/// use mediate_test::{TestMessage, SOAP11_CONTENT_TYPE};
///
/// assert_eq!(TestMessage::soap11("").build().content_type(), SOAP11_CONTENT_TYPE);
/// ```
pub const SOAP11_CONTENT_TYPE: &str = "text/xml; charset=UTF-8";
/// Content type of the SOAP 1.2 messages built by [`TestMessage::soap12`].
///
/// ```
/// use mediate_test::{TestMessage, SOAP12_CONTENT_TYPE};
///
/// assert_eq!(TestMessage::soap12("").build().content_type(), SOAP12_CONTENT_TYPE);
/// ```
pub const SOAP12_CONTENT_TYPE: &str = "application/soap+xml; charset=UTF-8";

/// A builder of test messages: a payload of a given shape plus the properties, headers,
/// variables and request facts a test needs, turned into a [`MessageContext`] by
/// [`build`](Self::build) (or `.into()`; every `run` helper takes either).
///
/// # Panics
///
/// The builder is for tests: a header name or value that is not valid HTTP, an unknown HTTP
/// method, a URI that does not parse, or a property set in a scope that is not kept on the
/// message (`registry`, `system`, `env`) panics in [`build`](Self::build) with a message that
/// names the culprit.
///
/// ```
/// use mediate_core::{PropertyValue, Scope};
/// use mediate_test::TestMessage;
///
/// let msg = TestMessage::json(r#"{"order":{"id":7}}"#)
///     .property("customer", "acme")
///     .scoped_property(Scope::Axis2, "messageType", "application/xml")
///     .header("X-Trace", "t-1")
///     .variable("limit", 10)
///     .method("POST")
///     .uri("/orders/7")
///     .query("expand", "items")
///     .path_param("id", "7")
///     .build();
///
/// assert_eq!(msg.json().unwrap()["order"]["id"], 7);
/// assert_eq!(msg.property("customer").and_then(PropertyValue::as_str), Some("acme"));
/// assert_eq!(msg.transport_header("x-trace").as_deref(), Some("t-1"));
/// assert_eq!(msg.variable("limit").unwrap().as_string(), "10");
/// assert_eq!(msg.http_method().map(|m| m.as_str()), Some("POST"));
/// assert_eq!(msg.request_path(), Some("/orders/7"));
/// assert_eq!(msg.query_param("expand"), Some("items"));
/// assert_eq!(msg.path_param("id"), Some("7"));
/// assert_eq!(msg.message_type(), "application/xml");
/// ```
#[derive(Debug, Clone)]
#[must_use = "a TestMessage does nothing until it is built or run"]
pub struct TestMessage {
    payload: Bytes,
    content_type: String,
    properties: Vec<(Scope, String, PropertyValue)>,
    headers: Vec<(String, String)>,
    variables: Vec<(String, VariableValue)>,
    method: Option<String>,
    uri: Option<String>,
    query: Vec<(String, String)>,
    path_params: Vec<(String, String)>,
    soap_action: Option<String>,
    status: Option<u16>,
    response: bool,
    message_id: Option<String>,
}

impl TestMessage {
    /// A message with the given payload and content type, and nothing else.
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::bytes(&b"a,b\n1,2"[..], "text/csv").build();
    /// assert_eq!(msg.content_type(), "text/csv");
    /// assert_eq!(&msg.payload()[..], b"a,b\n1,2");
    /// ```
    pub fn bytes(payload: impl Into<Bytes>, content_type: impl Into<String>) -> Self {
        Self {
            payload: payload.into(),
            content_type: content_type.into(),
            properties: Vec::new(),
            headers: Vec::new(),
            variables: Vec::new(),
            method: None,
            uri: None,
            query: Vec::new(),
            path_params: Vec::new(),
            soap_action: None,
            status: None,
            response: false,
            message_id: None,
        }
    }

    /// A message with no payload and no content type.
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().build();
    /// assert!(msg.payload().is_empty());
    /// assert_eq!(msg.content_type(), "");
    /// ```
    pub fn empty() -> Self {
        Self::bytes(Bytes::new(), "")
    }

    /// A JSON message (`application/json`); the text is taken as written, so it may be
    /// malformed on purpose.
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::json(r#"[1,2,3]"#).build();
    /// assert_eq!(msg.content_type(), "application/json");
    /// assert_eq!(msg.json().unwrap()[2], 3);
    /// ```
    pub fn json(json: impl Into<String>) -> Self {
        Self::bytes(json.into(), mediate_core::message::JSON_CONTENT_TYPE)
    }

    /// A plain-XML (POX) message (`application/xml`); the text is taken as written.
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::xml("<order id='7'/>").build();
    /// let env = msg.envelope().unwrap();
    /// assert_eq!(env.first_body_child().unwrap().attribute("id"), Some("7"));
    /// ```
    pub fn xml(xml: impl Into<String>) -> Self {
        Self::bytes(xml.into(), mediate_core::message::XML_CONTENT_TYPE)
    }

    /// A SOAP 1.1 message (`text/xml; charset=UTF-8`) whose Body holds `body` (XML text,
    /// possibly empty), in a `soapenv:Envelope` with an empty Header.
    ///
    /// ```
    /// use mediate_core::message::SoapVersion;
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::soap11("<m:getQuote xmlns:m='urn:q'><m:symbol>IBM</m:symbol></m:getQuote>")
    ///     .soap_action("urn:getQuote")
    ///     .build();
    /// let env = msg.envelope().unwrap();
    /// assert_eq!(env.soap_version(), SoapVersion::Soap11);
    /// assert_eq!(env.first_body_child().unwrap().tag_name().name(), "getQuote");
    /// assert_eq!(msg.action(), Some("urn:getQuote"));
    /// ```
    pub fn soap11(body: impl AsRef<str>) -> Self {
        Self::bytes(envelope(SOAP11_NS, body.as_ref()), SOAP11_CONTENT_TYPE)
    }

    /// A SOAP 1.2 message (`application/soap+xml; charset=UTF-8`) whose Body holds `body`.
    ///
    /// ```
    /// use mediate_core::message::SoapVersion;
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::soap12("<ping/>").build();
    /// assert_eq!(msg.envelope().unwrap().soap_version(), SoapVersion::Soap12);
    /// ```
    pub fn soap12(body: impl AsRef<str>) -> Self {
        Self::bytes(envelope(SOAP12_NS, body.as_ref()), SOAP12_CONTENT_TYPE)
    }

    /// A text message (`text/plain`).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::text("hello").build();
    /// assert_eq!(msg.payload_as_text().unwrap(), "hello");
    /// ```
    pub fn text(text: impl Into<String>) -> Self {
        Self::bytes(text.into(), mediate_core::message::TEXT_CONTENT_TYPE)
    }

    /// A binary message (`application/octet-stream`).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::binary(vec![0u8, 159, 146, 150]).build();
    /// assert_eq!(msg.content_type(), "application/octet-stream");
    /// assert_eq!(msg.payload().len(), 4);
    /// ```
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Self::bytes(bytes, "application/octet-stream")
    }

    /// Replaces the content type (the payload is then read by the new one).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::json("{}").content_type("application/vnd.api+json").build();
    /// assert_eq!(msg.content_type(), "application/vnd.api+json");
    /// ```
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Sets a default-scope (synapse) property.
    ///
    /// ```
    /// use mediate_core::PropertyValue;
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().property("retries", 3).build();
    /// assert_eq!(msg.property("retries"), Some(&PropertyValue::Integer(3)));
    /// ```
    pub fn property(self, name: impl Into<String>, value: impl Into<PropertyValue>) -> Self {
        self.scoped_property(Scope::Default, name, value)
    }

    /// Sets a property of a scope kept on the message (`default`, `transport`, `axis2`,
    /// `operation`); transport properties are headers, and axis2 `messageType` also sets the
    /// message's `messageType`, as MI's property mediator does.
    ///
    /// ```
    /// use mediate_core::Scope;
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty()
    ///     .scoped_property(Scope::Operation, "aggregate.count", 2)
    ///     .scoped_property(Scope::Transport, "X-Tenant", "t1")
    ///     .build();
    /// assert_eq!(msg.scoped_property(Scope::Operation, "aggregate.count").unwrap().as_string(), "2");
    /// assert_eq!(msg.transport_header("X-Tenant").as_deref(), Some("t1"));
    /// ```
    pub fn scoped_property(
        mut self,
        scope: Scope,
        name: impl Into<String>,
        value: impl Into<PropertyValue>,
    ) -> Self {
        self.properties.push((scope, name.into(), value.into()));
        self
    }

    /// Adds (replaces) a transport header.
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().header("Authorization", "Bearer x").build();
    /// assert_eq!(msg.transport_header("authorization").as_deref(), Some("Bearer x"));
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets an MI 4.4 variable (`${vars.name}`).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().variable("user", "alice").build();
    /// assert_eq!(msg.variable("user").unwrap().as_string(), "alice");
    /// ```
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<VariableValue>) -> Self {
        self.variables.push((name.into(), value.into()));
        self
    }

    /// Sets the HTTP method (`GET`, `POST`…).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().method("DELETE").build();
    /// assert_eq!(msg.http_method().unwrap().as_str(), "DELETE");
    /// ```
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Sets the request URI (path, optionally with a query); it is also the message's `To`.
    /// Parameters added with [`query`](Self::query) are appended to its query.
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().uri("/stock/IBM?currency=USD").build();
    /// assert_eq!(msg.request_path(), Some("/stock/IBM"));
    /// assert_eq!(msg.query_param("currency"), Some("USD"));
    /// assert_eq!(msg.to(), Some("/stock/IBM?currency=USD"));
    /// ```
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// Adds a query parameter (form-urlencoded into the request URI, whose path is `/` unless
    /// [`uri`](Self::uri) says otherwise).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().query("q", "a b&c").query("q", "2").build();
    /// assert_eq!(msg.query_param_all("q").collect::<Vec<_>>(), ["a b&c", "2"]);
    /// ```
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a path (URI-template) parameter (`uri.var.name`).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().path_param("symbol", "IBM").build();
    /// assert_eq!(msg.path_param("symbol"), Some("IBM"));
    /// ```
    pub fn path_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.path_params.push((name.into(), value.into()));
        self
    }

    /// Sets the SOAP action: the `Action` addressing fact, and the `SOAPAction` header (quoted,
    /// as SOAP 1.1 clients send it).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::soap11("<a/>").soap_action("urn:a").build();
    /// assert_eq!(msg.action(), Some("urn:a"));
    /// assert_eq!(msg.transport_header("SOAPAction").as_deref(), Some("\"urn:a\""));
    /// ```
    pub fn soap_action(mut self, action: impl Into<String>) -> Self {
        self.soap_action = Some(action.into());
        self
    }

    /// Marks the message as a response with the given HTTP status (`HTTP_SC`).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::json("{}").response(404).build();
    /// assert!(msg.is_response());
    /// assert_eq!(msg.status().map(|s| s.as_u16()), Some(404));
    /// ```
    pub fn response(mut self, status: u16) -> Self {
        self.response = true;
        self.status = Some(status);
        self
    }

    /// Sets the message ID (otherwise a fresh `urn:uuid:…` is made on first use).
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::empty().message_id("urn:uuid:1").build();
    /// assert_eq!(msg.message_id(), "urn:uuid:1");
    /// ```
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// The message.
    ///
    /// # Panics
    ///
    /// On a header that is not valid HTTP, an unknown method, a URI that does not parse, a
    /// status outside 100–999 or a property in a scope not kept on the message; the message
    /// says which.
    ///
    /// ```
    /// use mediate_test::TestMessage;
    ///
    /// let msg = TestMessage::text("x").header("X-A", "1").build();
    /// assert_eq!(msg.transport_header("X-A").as_deref(), Some("1"));
    /// ```
    #[track_caller]
    pub fn build(self) -> MessageContext {
        let mut msg = MessageContext::from_bytes(self.payload, self.content_type);
        for (name, value) in &self.headers {
            if let Err(e) = msg.set_transport_header(name, value) {
                panic!("TestMessage: header `{name}: {value}` is not valid HTTP: {e}");
            }
        }
        for (scope, name, value) in self.properties {
            // As the property mediator does, axis2 `messageType` is also the message's fact.
            if scope == Scope::Axis2 && name == "messageType" {
                msg.set_message_type(value.as_string());
            }
            if let Err(e) = msg.set_scoped_property(scope, name.clone(), value) {
                panic!("TestMessage: cannot set {scope}-scope property `{name}`: {e}");
            }
        }
        for (name, value) in self.variables {
            msg.set_variable(name, value);
        }
        if let Some(method) = self.method {
            match Method::from_bytes(method.as_bytes()) {
                Ok(m) => msg.set_http_method(m),
                Err(e) => panic!("TestMessage: `{method}` is not an HTTP method: {e}"),
            }
        }
        if self.uri.is_some() || !self.query.is_empty() {
            let mut text = self.uri.unwrap_or_else(|| "/".to_owned());
            if !self.query.is_empty() {
                let mut ser = QuerySerializer(String::new());
                ser.extend_pairs(&self.query);
                let query = ser.finish();
                text.push(if text.contains('?') { '&' } else { '?' });
                text.push_str(&query);
            }
            match text.parse::<Uri>() {
                Ok(uri) => {
                    msg.addressing_mut().to = Some(uri.to_string());
                    msg.set_request_uri(uri);
                }
                Err(e) => panic!("TestMessage: `{text}` is not a URI: {e}"),
            }
        }
        for (name, value) in self.path_params {
            msg.set_path_param(name, value);
        }
        if let Some(action) = self.soap_action {
            if let Err(e) = msg.set_transport_header("SOAPAction", &format!("\"{action}\"")) {
                panic!("TestMessage: SOAP action `{action}` is not a valid header value: {e}");
            }
            msg.addressing_mut().action = Some(action);
        }
        if let Some(status) = self.status {
            match StatusCode::from_u16(status) {
                Ok(s) => msg.set_status(s),
                Err(e) => panic!("TestMessage: `{status}` is not an HTTP status: {e}"),
            }
        }
        msg.set_response(self.response);
        if let Some(id) = self.message_id {
            msg.set_message_id(id);
        }
        msg
    }
}

impl From<TestMessage> for MessageContext {
    #[track_caller]
    fn from(builder: TestMessage) -> Self {
        builder.build()
    }
}

fn envelope(ns: &str, body: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"{ns}\"><soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
}

/// A tiny `application/x-www-form-urlencoded` serializer (what `form_urlencoded` does), so the
/// kit needs no dependency for it.
struct QuerySerializer(String);

impl QuerySerializer {
    fn extend_pairs(&mut self, pairs: &[(String, String)]) {
        for (name, value) in pairs {
            if !self.0.is_empty() {
                self.0.push('&');
            }
            encode_into(&mut self.0, name);
            self.0.push('=');
            encode_into(&mut self.0, value);
        }
    }

    fn finish(self) -> String {
        self.0
    }
}

fn encode_into(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
    }
}
