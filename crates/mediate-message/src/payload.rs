//! The payload: raw bytes plus content type, with lazily parsed, cached views.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde_json::Value;

use crate::context::{JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, XML_CONTENT_TYPE};
use crate::error::Error;
use crate::json_xml;
use crate::xml::{self, Envelope, EnvelopeOrigin, XmlDocument};

/// How a payload is read, decided by its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadKind {
    /// `application/json`, `text/json`, `*/*+json`.
    Json,
    /// `application/xml`, `text/xml`, `application/soap+xml`, `*/*+xml`.
    Xml,
    /// `text/*` and `application/x-www-form-urlencoded`.
    Text,
    /// Anything else.
    Binary,
}

impl PayloadKind {
    /// The kind of a content type (parameters ignored, case-insensitive).
    pub fn from_content_type(content_type: &str) -> Self {
        // The common ones first, by their whole text: this runs for every payload set.
        match content_type {
            JSON_CONTENT_TYPE => return Self::Json,
            XML_CONTENT_TYPE | "text/xml" => return Self::Xml,
            TEXT_CONTENT_TYPE => return Self::Text,
            _ => {}
        }
        // Otherwise the essence compared without case, in place.
        let essence = essence_of(content_type);
        let (top, sub) = match essence.bytes().position(|b| b == b'/') {
            Some(slash) => (&essence[..slash], &essence[slash + 1..]),
            None => (essence, ""),
        };
        let ends_with = |s: &str, suffix: &str| {
            s.len() >= suffix.len()
                && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
        };
        if sub.eq_ignore_ascii_case("json") || ends_with(sub, "+json") {
            Self::Json
        } else if sub.eq_ignore_ascii_case("xml") || ends_with(sub, "+xml") {
            Self::Xml
        } else if top.eq_ignore_ascii_case("text")
            || essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        {
            Self::Text
        } else {
            Self::Binary
        }
    }
}

/// The lowercase `type/subtype` of a content type.
pub fn mime_essence(content_type: &str) -> String {
    essence_of(content_type).to_ascii_lowercase()
}

/// Content types common enough to be kept without a copy, the most common first. A message's
/// content type is copied each time it is formatted, its body taken or put back, or its
/// response read: for these, each copy is free.
const KNOWN_CONTENT_TYPES: &[&str] = &[
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    "text/xml",
    TEXT_CONTENT_TYPE,
    "application/soap+xml",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/html",
    "application/json; charset=UTF-8",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "application/xml; charset=UTF-8",
    "text/xml; charset=UTF-8",
    "text/xml; charset=utf-8",
    "text/plain; charset=UTF-8",
];

/// `content_type` as a message keeps it: a common one (`application/json`, `text/xml`, …)
/// without a copy, any other copied.
///
/// ```
/// use std::borrow::Cow;
/// use mediate_message::intern_content_type;
///
/// assert!(matches!(intern_content_type("application/json"), Cow::Borrowed(_)));
/// assert_eq!(intern_content_type("application/vnd.acme+json"), "application/vnd.acme+json");
/// ```
pub fn intern_content_type(content_type: &str) -> Cow<'static, str> {
    KNOWN_CONTENT_TYPES
        .iter()
        .find(|known| **known == content_type)
        .map_or_else(
            || Cow::Owned(content_type.to_owned()),
            |known| Cow::Borrowed(*known),
        )
}

/// [`mime_essence`] of a content type kept by [`intern_content_type`]: a part of the same
/// text, without a copy, when that is already lower case.
#[allow(
    clippy::ptr_arg,
    reason = "a borrowed 'static text is what gives a 'static part"
)]
pub(crate) fn interned_essence(content_type: &Cow<'static, str>) -> Cow<'static, str> {
    match content_type {
        Cow::Borrowed(text) => {
            let essence = essence_of(text);
            if essence.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(essence.to_ascii_lowercase())
            } else {
                Cow::Borrowed(essence)
            }
        }
        Cow::Owned(text) => Cow::Owned(mime_essence(text)),
    }
}

/// The `type/subtype` of a content type as written: the text before the first `;`, trimmed
/// (as [`str::trim`] does). Scans bytes: this runs for every payload set, on short texts where
/// the generic `split` and `trim` searchers cost more than the work.
fn essence_of(content_type: &str) -> &str {
    let bytes = content_type.as_bytes();
    // `;` is ASCII, so its position is a character boundary.
    let end = bytes.iter().position(|&b| b == b';').unwrap_or(bytes.len());
    let head = &content_type[..end];
    // ASCII whitespace as `char::is_whitespace` sees it (vertical tab included); a non-ASCII
    // byte at either end may start or end Unicode whitespace: then the full `trim`.
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
    let bytes = head.as_bytes();
    let start = bytes.iter().position(|&b| !space(b)).unwrap_or(bytes.len());
    let stop = bytes
        .iter()
        .rposition(|&b| !space(b))
        .map_or(start, |i| i + 1);
    let trimmed = &head[start..stop];
    match (trimmed.as_bytes().first(), trimmed.as_bytes().last()) {
        (Some(&first), Some(&last)) if !first.is_ascii() || !last.is_ascii() => trimmed.trim(),
        _ => trimmed,
    }
}

/// The payload of a message.
#[derive(Clone)]
pub(crate) struct Payload {
    pub(crate) bytes: Bytes,
    pub(crate) content_type: Cow<'static, str>,
    pub(crate) kind: PayloadKind,
    /// The parsed views, boxed on first use: most messages are never parsed, and a message
    /// context is moved many times per request (the views inline were most of its size).
    views: OnceLock<Box<Views>>,
}

/// The parsed views of a payload, each made on first use and kept until the payload changes.
#[derive(Clone, Default)]
struct Views {
    xml: OnceLock<Result<XmlDocument, Error>>,
    json: OnceLock<Result<Arc<Value>, Error>>,
    envelope: OnceLock<Result<Envelope, Error>>,
    /// Set by the first reader that scanned the raw JSON bytes instead of parsing them.
    scanned: OnceLock<()>,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payload")
            .field("content_type", &self.content_type)
            .field("kind", &self.kind)
            .field("len", &self.bytes.len())
            .field(
                "text",
                &String::from_utf8_lossy(&self.bytes[..self.bytes.len().min(256)]),
            )
            .finish()
    }
}

impl Payload {
    pub(crate) fn new(bytes: Bytes, content_type: impl Into<Cow<'static, str>>) -> Self {
        let content_type = content_type.into();
        Self {
            kind: PayloadKind::from_content_type(&content_type),
            bytes,
            content_type,
            views: OnceLock::new(),
        }
    }

    /// The views, made (empty) on first use.
    fn views(&self) -> &Views {
        self.views.get_or_init(Box::default)
    }

    /// The views if any has been made (no allocation here).
    fn views_if_made(&self) -> Option<&Views> {
        self.views.get().map(|v| &**v)
    }

    pub(crate) fn with_json(
        bytes: Bytes,
        content_type: impl Into<Cow<'static, str>>,
        value: Value,
    ) -> Self {
        let payload = Self::new(bytes, content_type);
        let _ = payload.views().json.set(Ok(Arc::new(value)));
        payload
    }

    pub(crate) fn with_xml(doc: XmlDocument, content_type: impl Into<Cow<'static, str>>) -> Self {
        let payload = Self::new(doc.bytes().clone(), content_type);
        let _ = payload.views().xml.set(Ok(doc));
        payload
    }

    /// Whether the payload is empty or only whitespace.
    pub(crate) fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    pub(crate) fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.bytes).map_err(|e| Error::NotUtf8 {
            valid_up_to: e.valid_up_to(),
        })
    }

    fn no_view(&self, view: &'static str) -> Error {
        Error::NoView {
            content_type: self.content_type.to_string(),
            view,
        }
    }

    pub(crate) fn xml(&self) -> Result<&XmlDocument, Error> {
        self.views()
            .xml
            .get_or_init(|| {
                if self.kind != PayloadKind::Xml {
                    return Err(self.no_view("XML"));
                }
                XmlDocument::parse(self.bytes.clone())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether a reader may scan the raw JSON bytes for one value: only the first one may.
    pub(crate) fn claim_json_scan(&self) -> bool {
        self.json_if_parsed().is_none() && self.views().scanned.set(()).is_ok()
    }

    /// Whether a reader may scan the raw XML bytes for one value: only the first one may, and
    /// only while neither the XML nor the envelope has been built.
    pub(crate) fn claim_xml_scan(&self) -> bool {
        self.views_if_made()
            .is_none_or(|v| v.xml.get().is_none() && v.envelope.get().is_none())
            && self.views().scanned.set(()).is_ok()
    }

    /// The XML view if it has been parsed already (no parsing here).
    pub(crate) fn xml_if_parsed(&self) -> Option<&XmlDocument> {
        self.views_if_made()?
            .xml
            .get()
            .and_then(|r| r.as_ref().ok())
    }

    /// The envelope view if it has been built already (no parsing here).
    pub(crate) fn envelope_if_parsed(&self) -> Option<&Envelope> {
        self.views_if_made()?
            .envelope
            .get()
            .and_then(|r| r.as_ref().ok())
    }

    /// The JSON view if it has been parsed already (no parsing here).
    pub(crate) fn json_if_parsed(&self) -> Option<&Value> {
        match self.views_if_made()?.json.get() {
            Some(Ok(v)) => Some(&**v),
            _ => None,
        }
    }

    pub(crate) fn json(&self) -> Result<&Value, Error> {
        self.views()
            .json
            .get_or_init(|| match self.kind {
                PayloadKind::Json => {
                    let text = self.text()?;
                    serde_json::from_str::<Value>(text)
                        .map(Arc::new)
                        .map_err(|e| Error::from_json(&e))
                }
                PayloadKind::Xml => {
                    // MI evaluates JSONPath over an XML payload through its JSON form.
                    let env = self.envelope()?;
                    match env.first_body_child() {
                        Some(first) => Ok(Arc::new(json_xml::xml_to_json(first)?)),
                        None => Ok(Arc::new(Value::Object(Default::default()))),
                    }
                }
                _ => Err(self.no_view("JSON")),
            })
            .as_ref()
            .map(|v| &**v)
            .map_err(Clone::clone)
    }

    pub(crate) fn envelope(&self) -> Result<&Envelope, Error> {
        self.views()
            .envelope
            .get_or_init(|| self.build_envelope())
            .as_ref()
            .map_err(Clone::clone)
    }

    fn build_envelope(&self) -> Result<Envelope, Error> {
        if self.is_blank() {
            return Envelope::implicit("", EnvelopeOrigin::Empty);
        }
        match self.kind {
            PayloadKind::Xml => {
                let is_soap = match self.views_if_made().and_then(|v| v.xml.get()) {
                    Some(Ok(doc)) => {
                        let root = doc.root_element();
                        root.tag_name().name() == "Envelope"
                            && root
                                .tag_name()
                                .namespace()
                                .and_then(xml::SoapVersion::from_namespace)
                                .is_some()
                    }
                    Some(Err(e)) => return Err(e.clone()),
                    None => {
                        let text = self.text()?;
                        let prolog = xml::scan_prolog(text);
                        prolog.root_name.rsplit(':').next() == Some("Envelope")
                            && prolog
                                .root_ns
                                .and_then(xml::SoapVersion::from_namespace)
                                .is_some()
                    }
                };
                if is_soap {
                    Envelope::from_soap(self.xml()?.clone())
                } else {
                    Envelope::from_pox(&self.bytes)
                }
            }
            PayloadKind::Json => {
                let value = self.json()?;
                let body = json_xml::json_to_xml(value)?;
                Envelope::implicit(&body, EnvelopeOrigin::Json)
            }
            PayloadKind::Text => {
                let mut body = String::from("<axis2ns:text xmlns:axis2ns=\"");
                body.push_str(xml::PAYLOAD_NS);
                body.push_str("\">");
                json_xml::escape_text(&mut body, self.text()?)?;
                body.push_str("</axis2ns:text>");
                Envelope::implicit(&body, EnvelopeOrigin::Text)
            }
            PayloadKind::Binary => {
                let body = format!(
                    "<axis2ns:binary xmlns:axis2ns=\"{}\">{}</axis2ns:binary>",
                    xml::PAYLOAD_NS,
                    xml::base64_encode(&self.bytes)
                );
                Envelope::implicit(&body, EnvelopeOrigin::Binary)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn essence_trims_as_str_trim_does() {
        for ct in [
            "",
            ";",
            " ;x",
            "application/json",
            "  Application/JSON ; charset=UTF-8",
            "\x0Btext/xml\x0B;a=b",
            "\u{a0}text/plain\u{2003}",
            "\u{e9}/x \t",
            "text/\u{e9}",
            "\t\r\n",
        ] {
            let expected = ct.split(';').next().unwrap_or("").trim();
            assert_eq!(essence_of(ct), expected, "{ct:?}");
            assert_eq!(mime_essence(ct), expected.to_ascii_lowercase(), "{ct:?}");
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(
            PayloadKind::from_content_type("application/json; charset=UTF-8"),
            PayloadKind::Json
        );
        assert_eq!(
            PayloadKind::from_content_type("application/vnd.api+json"),
            PayloadKind::Json
        );
        assert_eq!(PayloadKind::from_content_type("Text/XML"), PayloadKind::Xml);
        assert_eq!(
            PayloadKind::from_content_type("application/soap+xml; action=x"),
            PayloadKind::Xml
        );
        assert_eq!(
            PayloadKind::from_content_type("text/plain"),
            PayloadKind::Text
        );
        assert_eq!(
            PayloadKind::from_content_type("application/octet-stream"),
            PayloadKind::Binary
        );
        assert_eq!(PayloadKind::from_content_type(""), PayloadKind::Binary);
        assert_eq!(
            PayloadKind::from_content_type(" Application/X-WWW-Form-Urlencoded ; charset=x"),
            PayloadKind::Text
        );
        assert_eq!(
            PayloadKind::from_content_type("APPLICATION/PROBLEM+JSON"),
            PayloadKind::Json
        );
        assert_eq!(
            PayloadKind::from_content_type("application/xmlx"),
            PayloadKind::Binary
        );
    }

    /// The kind as it was computed before the in-place comparison: from the lowercased essence.
    fn kind_by_essence(content_type: &str) -> PayloadKind {
        let essence = mime_essence(content_type);
        let (top, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
        if sub == "json" || sub.ends_with("+json") {
            PayloadKind::Json
        } else if sub == "xml" || sub.ends_with("+xml") {
            PayloadKind::Xml
        } else if top == "text" || essence == "application/x-www-form-urlencoded" {
            PayloadKind::Text
        } else {
            PayloadKind::Binary
        }
    }

    #[test]
    fn common_content_types_are_kept_without_a_copy_and_their_essence_too() {
        for known in KNOWN_CONTENT_TYPES {
            let kept = intern_content_type(known);
            assert!(matches!(kept, Cow::Borrowed(_)), "{known}");
            assert_eq!(kept, *known);
            let essence = interned_essence(&kept);
            assert!(matches!(essence, Cow::Borrowed(_)), "{known}");
            assert_eq!(essence, mime_essence(known));
        }
        assert_eq!(
            interned_essence(&intern_content_type("application/json; charset=UTF-8")),
            "application/json"
        );
        let other = intern_content_type("Application/Vnd.Acme+JSON; v=2");
        assert!(matches!(other, Cow::Owned(_)));
        assert_eq!(interned_essence(&other), "application/vnd.acme+json");
        // Close to a known one is not it.
        assert!(matches!(
            intern_content_type("application/json "),
            Cow::Owned(_)
        ));
        assert!(matches!(
            intern_content_type("Application/JSON"),
            Cow::Owned(_)
        ));
    }

    proptest::proptest! {
        /// Kept or copied, the text is the same, and so is its essence.
        #[test]
        fn an_interned_content_type_is_the_same_text(
            ct in "(application/json|text/xml|[ a-zA-Z+/;=-]{0,20})(; charset=(UTF|utf)-8)?"
        ) {
            let kept = intern_content_type(&ct);
            proptest::prop_assert_eq!(&*kept, ct.as_str());
            proptest::prop_assert_eq!(interned_essence(&kept), mime_essence(&ct));
        }

        #[test]
        fn kind_ignores_case_like_the_lowercased_essence(
            ct in "[ a-zA-Z+/;=é-]{0,24}(json|JSON|xml|Xml|text|TEXT)?[ ;a-z=]{0,6}"
        ) {
            proptest::prop_assert_eq!(PayloadKind::from_content_type(&ct), kind_by_essence(&ct));
        }
    }
}
