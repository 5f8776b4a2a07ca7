//! Parsed XML kept together with the bytes it borrows from, and MI's SOAP
//! envelope view of a message.

use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use roxmltree::{Document, Node};

use crate::error::Error;

self_cell::self_cell!(
    struct XmlCell {
        owner: Bytes,
        #[covariant]
        dependent: Document,
    }
);

/// The most nodes (elements, attributes' text, text, comments…) a payload may parse into: a
/// roxmltree node takes about 64 bytes, so this bounds a parsed payload near 128 MiB whatever
/// its text (64 MiB of `<a/>` would otherwise make a gigabyte of nodes).
pub const MAX_XML_NODES: u32 = 2_000_000;

/// The deepest element nesting a payload may have (StAX parsers such as Woodstox refuse past a
/// similar depth): XPath and the JSON mapping walk the tree, and a hostile payload nested a
/// million deep must be an error, not a stack overflow.
pub const MAX_XML_DEPTH: usize = 1024;

/// A parsed XML document that owns its text (a [`Bytes`], shared, not
/// copied). Cloning is cheap (`Arc`).
#[derive(Clone)]
pub struct XmlDocument(Arc<XmlCell>);

/// Refuses a document nested deeper than [`MAX_XML_DEPTH`] elements (an iterative walk: the
/// check itself must not recurse).
fn check_depth(doc: &Document<'_>) -> Result<(), Error> {
    // Nodes come in document order, so a node's parent has its depth already.
    let mut depths = vec![0u16; doc.descendants().len() + 2];
    for node in doc.descendants().filter(|n| n.is_element()) {
        let parent = node.parent().map_or(0, |p| depths[p.id().get_usize()]);
        let depth = parent + 1;
        if usize::from(depth) > MAX_XML_DEPTH {
            let pos = doc.text_pos_at(node.range().start);
            return Err(Error::XmlParse {
                line: pos.row,
                column: pos.col,
                message: format!("elements are nested deeper than {MAX_XML_DEPTH} levels"),
            });
        }
        depths[node.id().get_usize()] = depth;
    }
    Ok(())
}

impl XmlDocument {
    /// Parses UTF-8 XML. DTDs are refused, as are documents over [`MAX_XML_NODES`] nodes or
    /// nested deeper than [`MAX_XML_DEPTH`] elements.
    pub fn parse(bytes: impl Into<Bytes>) -> Result<Self, Error> {
        let cell = XmlCell::try_new(bytes.into(), |bytes| {
            let text = std::str::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
                valid_up_to: e.valid_up_to(),
            })?;
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
            let options = roxmltree::ParsingOptions {
                allow_dtd: false,
                nodes_limit: MAX_XML_NODES,
                ..roxmltree::ParsingOptions::default()
            };
            let doc =
                Document::parse_with_options(text, options).map_err(|e| Error::from_roxml(&e))?;
            check_depth(&doc)?;
            Ok::<_, Error>(doc)
        })?;
        Ok(Self(Arc::new(cell)))
    }

    /// The roxmltree document (namespaces and byte positions intact).
    pub fn document(&self) -> &Document<'_> {
        self.0.borrow_dependent()
    }

    /// The document element.
    pub fn root_element(&self) -> Node<'_, '_> {
        self.document().root_element()
    }

    /// The bytes the document was parsed from.
    pub fn bytes(&self) -> &Bytes {
        self.0.borrow_owner()
    }

    /// The text the document was parsed from (without a BOM).
    pub fn as_str(&self) -> &str {
        self.document().input_text()
    }

    /// The byte range of a node of this document within [`Self::bytes`].
    pub fn byte_range(&self, node: Node<'_, '_>) -> std::ops::Range<usize> {
        let base = self.bytes().len() - self.as_str().len();
        let r = node.range();
        r.start + base..r.end + base
    }

    /// The serialized text of one node of this document (its byte range).
    pub fn node_text<'a>(&'a self, node: Node<'_, '_>) -> &'a str {
        self.as_str().get(node.range()).unwrap_or("")
    }
}

impl fmt::Debug for XmlDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmlDocument")
            .field("root", &self.root_element().tag_name())
            .field("len", &self.bytes().len())
            .finish()
    }
}

/// An XML value (MI's `OM` property type, the `XML` variable type): kept as
/// text, parsed on first use.
#[derive(Clone)]
pub struct XmlValue {
    text: Bytes,
    parsed: Arc<OnceLock<Result<XmlDocument, Error>>>,
}

impl XmlValue {
    /// Wraps XML text; nothing is parsed yet.
    pub fn new(text: impl Into<Bytes>) -> Self {
        Self {
            text: text.into(),
            parsed: Arc::new(OnceLock::new()),
        }
    }

    /// Wraps an already parsed document.
    pub fn from_document(doc: XmlDocument) -> Self {
        let text = doc.bytes().clone();
        Self {
            text,
            parsed: Arc::new(OnceLock::from(Ok(doc))),
        }
    }

    /// The XML text as given.
    pub fn bytes(&self) -> &Bytes {
        &self.text
    }

    /// The XML text (lossy for invalid UTF-8).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.text)
    }

    /// The parsed document (parsed once, then cached).
    pub fn document(&self) -> Result<&XmlDocument, Error> {
        self.parsed
            .get_or_init(|| XmlDocument::parse(self.text.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl PartialEq for XmlValue {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Debug for XmlValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("XmlValue").field(&self.text()).finish()
    }
}

/// SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Namespace of MI's text/binary payload wrappers (`axis2ns:text`, `axis2ns:binary`).
pub const PAYLOAD_NS: &str = "http://ws.apache.org/commons/ns/payload";

/// The SOAP version of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoapVersion {
    /// SOAP 1.1 (also the implicit envelope of POX/JSON/text messages).
    Soap11,
    /// SOAP 1.2.
    Soap12,
}

impl SoapVersion {
    /// The envelope namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Soap11 => SOAP11_NS,
            Self::Soap12 => SOAP12_NS,
        }
    }

    /// The version whose envelope namespace this is.
    pub fn from_namespace(ns: &str) -> Option<Self> {
        match ns {
            SOAP11_NS => Some(Self::Soap11),
            SOAP12_NS => Some(Self::Soap12),
            _ => None,
        }
    }
}

/// Where the envelope view comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvelopeOrigin {
    /// The payload is a SOAP envelope.
    Soap,
    /// Plain XML, wrapped in an implicit SOAP 1.1 envelope.
    Pox,
    /// JSON, mapped to `jsonObject`/`jsonArray`/`jsonValue` in an implicit envelope.
    Json,
    /// Text, as `<axis2ns:text xmlns:axis2ns="http://ws.apache.org/commons/ns/payload">`.
    Text,
    /// Binary, base64 in `<axis2ns:binary …>`.
    Binary,
    /// No payload: an empty Body.
    Empty,
}

/// MI's view of a message: a SOAP envelope (explicit or implicit).
#[derive(Clone)]
pub struct Envelope {
    doc: XmlDocument,
    version: SoapVersion,
    origin: EnvelopeOrigin,
}

pub(crate) const IMPLICIT_PREFIX: &str =
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>";
pub(crate) const IMPLICIT_SUFFIX: &str = "</soapenv:Body></soapenv:Envelope>";

impl Envelope {
    /// The envelope of an explicit SOAP document (validated: `Body` present).
    pub(crate) fn from_soap(doc: XmlDocument) -> Result<Self, Error> {
        let root = doc.root_element();
        let version = root
            .tag_name()
            .namespace()
            .and_then(SoapVersion::from_namespace)
            .filter(|_| root.tag_name().name() == "Envelope")
            .ok_or_else(|| Error::InvalidSoapEnvelope("root is not a SOAP Envelope".into()))?;
        let env = Self {
            doc,
            version,
            origin: EnvelopeOrigin::Soap,
        };
        if env.find_body().is_none() {
            return Err(Error::InvalidSoapEnvelope("no Body element".into()));
        }
        Ok(env)
    }

    /// An implicit SOAP 1.1 envelope around already escaped body content.
    pub(crate) fn implicit(body: &str, origin: EnvelopeOrigin) -> Result<Self, Error> {
        let mut text =
            String::with_capacity(IMPLICIT_PREFIX.len() + body.len() + IMPLICIT_SUFFIX.len());
        text.push_str(IMPLICIT_PREFIX);
        text.push_str(body);
        text.push_str(IMPLICIT_SUFFIX);
        let doc = XmlDocument::parse(text)?;
        Ok(Self {
            doc,
            version: SoapVersion::Soap11,
            origin,
        })
    }

    /// The implicit envelope of a POX payload: `payload` is the whole
    /// document; its prolog (XML declaration, BOM) is blanked so that error
    /// positions stay those of the payload.
    pub(crate) fn from_pox(payload: &[u8]) -> Result<Self, Error> {
        let text = std::str::from_utf8(payload).map_err(|e| Error::NotUtf8 {
            valid_up_to: e.valid_up_to(),
        })?;
        let prolog = scan_prolog(text);
        if prolog.has_doctype {
            return Err(Error::DtdNotAllowed);
        }
        let mut body = String::with_capacity(text.len());
        let mut rest = text;
        if let Some(stripped) = rest.strip_prefix('\u{FEFF}') {
            body.push(' ');
            rest = stripped;
        }
        if let Some(decl) = xml_declaration_len(rest) {
            body.extend(
                rest[..decl]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            rest = &rest[decl..];
        }
        body.push_str(rest);
        // The implicit envelope binds `soapenv`: a payload using that prefix without declaring
        // it would resolve it there. Parse such a payload on its own, as MI does, so an unbound
        // prefix is the error it is (at the payload's own position).
        if rest.contains("soapenv:") {
            XmlDocument::parse(payload.to_vec())?;
        }
        let shift = IMPLICIT_PREFIX.chars().count() as u32;
        let env = Self::implicit(&body, EnvelopeOrigin::Pox).map_err(|e| match e {
            // Report the error of the payload parsed on its own: a message can hold positions
            // of its own (`attribute 'b' at 1:103 is already defined`) and name the implicit
            // envelope (`expected 'a' tag, not 'soapenv:Body'` for an unclosed root), which
            // shifting the error's position would not fix.
            Error::XmlParse { .. } if let Err(own) = XmlDocument::parse(payload.to_vec()) => own,
            Error::XmlParse {
                line: 1,
                column,
                message,
            } => Error::XmlParse {
                line: 1,
                column: column.saturating_sub(shift).max(1),
                message,
            },
            other => other,
        })?;
        // A document has exactly one root element and no text around it.
        let body_node = env.body();
        let body_end = env.as_str().len() - IMPLICIT_SUFFIX.len();
        let mut elements = 0;
        for child in body_node.children() {
            let bad = if child.is_element() {
                elements += 1;
                elements > 1
            } else {
                // Only XML white space, as written: not NBSP, nor a CDATA section or a character
                // reference (even of a space). A text node's range covers only its first piece
                // when the parser merged several (` <![CDATA[ ]]>`), so read up to the next node.
                let end = child.next_sibling().map_or(body_end, |n| n.range().start);
                child.is_text()
                    && !env
                        .as_str()
                        .get(child.range().start..end)
                        .unwrap_or("")
                        .bytes()
                        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            };
            if bad {
                let pos = env.doc.document().text_pos_at(child.range().start);
                let column = if pos.row == 1 {
                    pos.col.saturating_sub(shift).max(1)
                } else {
                    pos.col
                };
                return Err(Error::XmlParse {
                    line: pos.row,
                    column,
                    message: "content outside the document element".into(),
                });
            }
        }
        if elements == 0 {
            return Err(Error::XmlParse {
                line: 1,
                column: 1,
                message: "no document element".into(),
            });
        }
        Ok(env)
    }

    /// The parsed envelope document.
    pub fn document(&self) -> &Document<'_> {
        self.doc.document()
    }

    /// The envelope document with its text.
    pub fn xml_document(&self) -> &XmlDocument {
        &self.doc
    }

    /// The serialized envelope.
    pub fn as_str(&self) -> &str {
        self.doc.as_str()
    }

    /// The `Envelope` element.
    pub fn envelope(&self) -> Node<'_, '_> {
        self.doc.root_element()
    }

    /// The `Header` element, if any.
    pub fn header(&self) -> Option<Node<'_, '_>> {
        let ns = self.version.namespace();
        self.envelope().children().find(|n| {
            n.is_element()
                && n.tag_name().name() == "Header"
                && n.tag_name().namespace() == Some(ns)
        })
    }

    fn find_body(&self) -> Option<Node<'_, '_>> {
        let ns = self.version.namespace();
        self.envelope().children().find(|n| {
            n.is_element() && n.tag_name().name() == "Body" && n.tag_name().namespace() == Some(ns)
        })
    }

    /// The `Body` element.
    pub fn body(&self) -> Node<'_, '_> {
        // Validated at construction; the fallback is never taken.
        self.find_body().unwrap_or_else(|| self.envelope())
    }

    /// The first element child of the Body (MI's `getFirstElement()`): the
    /// POX document element, `jsonObject`/`jsonArray`, the SOAP payload.
    pub fn first_body_child(&self) -> Option<Node<'_, '_>> {
        self.body().first_element_child()
    }

    /// SOAP 1.1 or 1.2 (implicit envelopes are 1.1).
    pub fn soap_version(&self) -> SoapVersion {
        self.version
    }

    /// Where the envelope comes from.
    pub fn origin(&self) -> EnvelopeOrigin {
        self.origin
    }

    /// Whether the envelope is implicit (not present in the payload).
    pub fn is_implicit(&self) -> bool {
        self.origin != EnvelopeOrigin::Soap
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("version", &self.version)
            .field("origin", &self.origin)
            .field("text", &self.as_str())
            .finish()
    }
}

/// What the prolog of an XML text says (a cheap scan, no parsing).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Prolog<'a> {
    pub(crate) has_doctype: bool,
    /// Byte offset of the root start tag's `<`.
    pub(crate) root_start: Option<usize>,
    /// The root's qualified name.
    pub(crate) root_name: &'a str,
    /// The namespace bound to the root's prefix on the root tag itself.
    pub(crate) root_ns: Option<&'a str>,
}

/// Length of a leading `<?xml …?>` declaration.
pub(crate) fn xml_declaration_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("<?xml")?;
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    rest.find("?>").map(|i| 5 + i + 2)
}

/// Finds the root element and its namespace by scanning the prolog and the
/// root start tag. Returns what it found; malformed input just ends the scan.
pub(crate) fn scan_prolog(text: &str) -> Prolog<'_> {
    let mut out = Prolog::default();
    let mut i = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let b = text.as_bytes();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = &text[i..];
        if rest.starts_with("<?") {
            match rest.find("?>") {
                Some(e) => i += e + 2,
                None => return out,
            }
        } else if rest.starts_with("<!--") {
            match rest.find("-->") {
                Some(e) => i += e + 3,
                None => return out,
            }
        } else if rest.starts_with("<!") {
            out.has_doctype = rest.starts_with("<!DOCTYPE");
            return out;
        } else if rest.starts_with('<') {
            break;
        } else {
            return out;
        }
    }
    out.root_start = Some(i);
    let tag = &text[i + 1..];
    let name_len = tag
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(tag.len());
    out.root_name = &tag[..name_len];
    let prefix = out.root_name.split_once(':').map(|(p, _)| p);
    let wanted_attr = match prefix {
        Some(p) => format!("xmlns:{p}"),
        None => "xmlns".to_owned(),
    };
    // Walk the attributes of the start tag.
    let mut rest = &tag[name_len..];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('>') || rest.starts_with('/') {
            return out;
        }
        let Some(eq) = rest.find('=') else { return out };
        let name = rest[..eq].trim();
        rest = rest[eq + 1..].trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return out;
        };
        let Some(end) = rest[1..].find(quote) else {
            return out;
        };
        let value = &rest[1..1 + end];
        if name == wanted_attr {
            out.root_ns = Some(value);
        }
        rest = &rest[end + 2..];
    }
}

/// Standard base64 (with padding), for MI's binary payload wrapper.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        out.push(ALPHABET[(n >> 18) as usize & 63] as char);
        out.push(ALPHABET[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            ALPHABET[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            ALPHABET[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prolog_scan() {
        let p = scan_prolog(
            "<?xml version=\"1.0\"?>\n<!-- c --><s:Envelope a='1' xmlns:s=\"urn:x\"><s:Body/></s:Envelope>",
        );
        assert_eq!(p.root_name, "s:Envelope");
        assert_eq!(p.root_ns, Some("urn:x"));
        assert!(!p.has_doctype);
        assert!(scan_prolog("<!DOCTYPE a><a/>").has_doctype);
        let p = scan_prolog("<order xmlns=\"urn:o\">");
        assert_eq!((p.root_name, p.root_ns), ("order", Some("urn:o")));
    }

    #[test]
    fn base64() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn pox_positions_are_the_payload_positions() {
        let err = Envelope::from_pox(b"<a><b></a>").unwrap_err();
        assert_eq!(err.position().map(|p| p.0), Some(1));
        let direct = XmlDocument::parse(&b"<a><b></a>"[..]).unwrap_err();
        assert_eq!(err, direct);
        let err = Envelope::from_pox(b"<?xml version=\"1.0\"?>\n<a>\n<b></a>").unwrap_err();
        let direct = XmlDocument::parse(&b"<?xml version=\"1.0\"?>\n<a>\n<b></a>"[..]).unwrap_err();
        assert_eq!(err, direct);
        // Positions inside the message and the unclosed root are the payload's too.
        for bad in [
            &b"<r><a b='1' b='2'/></r>"[..],
            b"<r>\n  <xmlns:a/></r>",
            b"<r><a>",
            b"<r><p:a/></r>",
            b"\xEF\xBB\xBF<r><a></b></r>",
        ] {
            let err = Envelope::from_pox(bad).unwrap_err();
            assert_eq!(err, XmlDocument::parse(bad.to_vec()).unwrap_err());
            assert!(!err.to_string().contains("soapenv"), "{err}");
        }
        assert!(Envelope::from_pox(b"<a/><b/>").unwrap_err().is_xml_parse());
        assert!(Envelope::from_pox(b"<a/>text").unwrap_err().is_xml_parse());
        for outside in [
            "<a/>\u{a0}",
            "<a/><![CDATA[ ]]>",
            "<a/> <![CDATA[ ]]>\n",
            "<a/>&#32;",
            "\n<!-- c -->&#10;<a/>",
        ] {
            let err = Envelope::from_pox(outside.as_bytes()).unwrap_err();
            assert!(err.is_xml_parse(), "{outside:?}: {err:?}");
        }
        assert!(Envelope::from_pox(b"\r\n<!-- c -->\t<a/>\r\n<?p?>\n").is_ok());
        // The implicit envelope's `soapenv` is not in scope for the payload.
        let err = Envelope::from_pox(b"<soapenv:a>x</soapenv:a>").unwrap_err();
        assert_eq!(
            err,
            XmlDocument::parse(&b"<soapenv:a>x</soapenv:a>"[..]).unwrap_err()
        );
        assert!(Envelope::from_pox(b"<r><a soapenv:x='1'/></r>").is_err());
        assert!(
            Envelope::from_pox(
                b"<soapenv:a xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'/>"
            )
            .is_ok()
        );
        assert_eq!(
            Envelope::from_pox(b"<!DOCTYPE a><a/>").unwrap_err(),
            Error::DtdNotAllowed
        );
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<XmlDocument>();
        check::<Envelope>();
        check::<XmlValue>();
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let depth = MAX_XML_DEPTH + 1;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let err = XmlDocument::parse(xml).expect_err("refused");
        assert!(err.to_string().contains("nested deeper than 1024"), "{err}");
        let ok = format!(
            "{}{}",
            "<a>".repeat(MAX_XML_DEPTH),
            "</a>".repeat(MAX_XML_DEPTH)
        );
        assert!(XmlDocument::parse(ok).is_ok());
        // A million deep: refused, the process stays up.
        let hostile = format!("{}{}", "<a>".repeat(1_000_000), "</a>".repeat(1_000_000));
        assert!(XmlDocument::parse(hostile).is_err());
    }

    #[test]
    fn too_many_nodes_is_an_error() {
        let xml = format!("<r>{}</r>", "<a/>".repeat(MAX_XML_NODES as usize));
        let err = XmlDocument::parse(xml).expect_err("refused");
        assert!(err.is_xml_parse(), "{err}");
    }

    #[test]
    fn a_dtd_is_refused() {
        let xml = r#"<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>"#;
        assert_eq!(XmlDocument::parse(xml).err(), Some(Error::DtdNotAllowed));
    }
}
