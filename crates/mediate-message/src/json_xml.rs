//! WSO2 MI's JSON ↔ XML mapping, both ways.
//!
//! MI never keeps a JSON payload "as XML", but every XML-facing feature (XPath,
//! XSLT, the `$body` of an envelope, enrich with XML sources) sees a JSON
//! payload through this mapping, and every XML payload sent out as JSON goes
//! through the reverse one. The rules below are the ones of MI's
//! `org.apache.synapse.commons.json.JsonUtil` with its bundled StAXON
//! (`JsonXMLStreamReader` / `JsonXMLStreamWriter` / `AutoPrimitiveTarget`),
//! the `JsonReaderDelegate` / `XmlReaderDelegate` name escaping, and the
//! defaults of `synapse.properties` in MI 4.x; the examples in MI's
//! "Working with JSON message payloads" page are reproduced as unit tests.
//!
//! # JSON → XML ([`json_to_xml`], [`json_to_xml_with`])
//!
//! | JSON | XML | Source / note |
//! |---|---|---|
//! | `{"a":1}` (object root) | `<jsonObject><a>1</a></jsonObject>` | MI docs, `JsonUtil.JSON_OBJECT` |
//! | `[1,2]` (array root) | `<jsonArray><jsonElement>1</jsonElement><jsonElement>2</jsonElement></jsonArray>` | MI docs, `Constants.K_ARRAY_ELEM` |
//! | `"s"`, `1`, `true`, `null` (scalar root) | `<jsonValue>"s"</jsonValue>` (the JSON text itself) | `JsonUtil.getNewJsonPayload` (MI 4.x `JSON_VALUE`) |
//! | `{"a":[1,2]}` | `<a>1</a><a>2</a>` (repeated elements) | MI docs "Named arrays" |
//! | `{"a":[]}` | nothing | MI docs (JsonStreamBuilder) |
//! | `{"a":[[1],2]}` | `<a><jsonArray><jsonElement>1</jsonElement></jsonArray></a><a>2</a>` | MI docs "Anonymous arrays" `[1, []]` |
//! | `{"a":{}}`, `{"a":""}`, `{"a":null}` | `<a></a>` | MI docs "Empty objects/strings", EI 6.x docs "Null objects" |
//! | `{"a":null}` with [`JsonToXmlOptions::xml_nil`] | `<a nil="true"></a>` | StAXON `readWriteXmlNil` (`synapse.commons.enableXmlNilReadWrite`) |
//! | `{"a":{"@id":"7"}}` | `<a id="7"></a>` | StAXON: `@`-keys are attributes |
//! | `{"a":{"@id":"7","$":"x"}}` | `<a id="7">x</a>` | StAXON: `$` is the text content |
//! | `{"12x":1}` | `<_JsonReader_PD_12x>1</_JsonReader_PD_12x>` | `JsonReaderDelegate` (`Constants.PRECEDING_DIGIT`) |
//! | `{"$x":1}` | `<_JsonReader_PS_x>1</_JsonReader_PS_x>` | `JsonReaderDelegate` (`Constants.PRECEDING_DOLLOR`) |
//! | `{"a b":1}` | `<a_JsonReader_32_b>1</a_JsonReader_32_b>` | `JsonReaderDelegate.toValidNCName` (`synapse.commons.json.buildValidNCNames`) |
//!
//! With [`JsonToXmlOptions::processing_instructions`] (MI's `JsonBuilder`, or
//! `synapse.json.to.xml.processing.instruction.enabled=true`; off by default in
//! MI 4.x, whose default builder is `JsonStreamBuilder`), every JSON array is
//! announced by an `<?xml-multiple NAME?>` processing instruction placed right
//! before its first element (alone for an empty array), NAME being the JSON
//! key (`jsonElement` for anonymous arrays):
//! `{"a":[1]}` → `<jsonObject><?xml-multiple a?><a>1</a></jsonObject>`,
//! `[]` → `<jsonArray><?xml-multiple jsonElement?></jsonArray>`. These PIs are
//! what makes single-element and empty arrays survive the way back.
//!
//! Deviations, all to keep the output well-formed where MI would emit broken
//! XML or fail: non-NCName characters in keys are *always* escaped (MI does it
//! only with `buildValidNCNames=true`), including a key's first character when
//! it may not start a name (`-x` → `_JsonReader_45_x`), and characters outside
//! the BMP are escaped as their two UTF-16 units, as Java does. Keys are
//! written raw in the PI data (as MI does) unless they hold whitespace, `?>`
//! or non-XML characters; then the escaped element name is used. An empty key, an
//! `@`-key that is not a plain XML name (or is `xmlns`), a non-scalar value
//! under `@x` or `$`, and text with characters XML 1.0 forbids are errors.
//! `\r` is written as `&#13;` so that it survives parsing.
//!
//! # XML → JSON ([`xml_to_json`], [`xml_to_json_with`])
//!
//! | XML | JSON | Source / note |
//! |---|---|---|
//! | `<jsonObject>…</jsonObject>` | its content object (`{}` when empty) | MI JSON formatter |
//! | `<jsonArray><jsonElement>1</jsonElement></jsonArray>` | `[1]` | MI JSON formatter |
//! | `<jsonValue>"s"</jsonValue>` | `"s"` (text parsed as JSON) | `JsonUtil.convertOMElementToJson` |
//! | any other root `<r>…</r>` | `{"r": …}` | StAXON: element names become keys |
//! | `<a>bob</a>` | `"a":"bob"` | StAXON |
//! | `<a>123</a>`, `<a>-1.5e3</a>`, `<a>true</a>`, `<a>null</a>` | `123`, `-1.5e3` (as a number), `true`, `null` | `AutoPrimitiveTarget`, `synapse.commons.json.output.autoPrimitive=true` |
//! | `<a/>`, `<a>  </a>` | `"a":null` | `JsonXMLStreamWriter.writeEndElementTag`; whitespace-only text is dropped (`JsonUtil.removeIndentations`) |
//! | `<a/>` with [`XmlToJsonOptions::xml_nil`] | `"a":""`; `<a nil="true"/>` → `null` | StAXON `readWriteXmlNil` |
//! | `<a/>` with [`XmlToJsonOptions::null_for_empty_element`] `false` | `"a":""` | `synapse.commons.enableXmlNullForEmptyElement=false` |
//! | `<a id="7"/>` | `"a":{"@id":"7"}` (attributes stay strings) | StAXON; `AutoPrimitiveTarget(…, false)` skips attributes |
//! | `<a id="7">x</a>` | `"a":{"@id":"7","$":"x"}` | StAXON `$` convention |
//! | `<a><b>1</b><b>2</b></a>` | `"a":{"b":[1,2]}` | StAXON auto-array (`jsonoutAutoArray=true`) |
//! | `<?xml-multiple b?><b>1</b>` | `"b":[1]`; PI alone → `"b":[]` | StAXON `multiplePI` (`jsonoutMultiplePI=true`) |
//! | `<p:a xmlns:p="u" p:x="1"/>` | `"a":{"@x":"1"}` | `JsonUtil.removeNamespaces` (`synapse.commons.json.preserve.namespace=false`) |
//! | same with [`XmlToJsonOptions::preserve_namespaces`] | `"p_a":{"@p_x":"1"}` | `namespaceSepChar` default `_` |
//! | `<_JsonReader_PD_12x>`, `<_JsonReader_PS_x>`, `<a_JsonReader_32_b>` | `"12x"`, `"$x"`, `"a b"` | `XmlReaderDelegate` |
//! | `<a>x<b/></a>` | error (mixed content) | `JsonXMLStreamWriter`: "Mixed content is not supported" |
//! | `<a><jsonArray><jsonElement>1</jsonElement></jsonArray></a>` | `"a":[1]` | inverse of the nested-array row above (mediate) |
//!
//! Comments and other PIs are ignored; CDATA is text. Repeated siblings that
//! are not adjacent are gathered into the first one's array (StAXON would emit
//! a duplicate key).
//!
//! # Round trip
//!
//! `xml_to_json(json_to_xml_with(v, processing_instructions))` gives `v` back
//! except for: strings that autoPrimitive reads as numbers/booleans/`null`
//! (`"12"` → `12`), empty or whitespace-only strings (→ `null`), empty objects
//! below the root (→ `null`), `{"$": x}` objects without attributes (→ `x`),
//! non-string attribute values (→ strings), attributes/text moved in front of
//! child keys, keys that themselves contain `_JsonReader_…` escapes, keys named
//! `jsonArray` directly holding `jsonElement`s, and numbers that `f64` cannot
//! hold exactly. Without the PIs, single-element arrays collapse to their
//! element and empty arrays vanish — as in MI.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

/// Root element of a JSON object payload.
pub const JSON_OBJECT: &str = "jsonObject";
/// Root element of a JSON array payload (and of nested anonymous arrays).
pub const JSON_ARRAY: &str = "jsonArray";
/// Element of each item of an anonymous array.
pub const JSON_ELEMENT: &str = "jsonElement";
/// Root element of a scalar JSON payload (MI 4.x).
pub const JSON_VALUE: &str = "jsonValue";
/// Target of the processing instruction announcing an array.
pub const XML_MULTIPLE_PI: &str = "xml-multiple";
/// Prefix MI puts in front of keys starting with a digit.
pub const PRECEDING_DIGIT: &str = "_JsonReader_PD_";
/// Prefix MI puts in place of a leading `$`.
pub const PRECEDING_DOLLAR: &str = "_JsonReader_PS_";
/// Marker of an escaped UTF-16 unit: `_JsonReader_<decimal>_`.
pub const ESCAPE_PREFIX: &str = "_JsonReader_";

const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Why a value could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonXmlError {
    /// A JSON key is the empty string: no element name can stand for it.
    #[error("an empty JSON key cannot become an XML element name")]
    EmptyKey,
    /// An `@`-key does not name a plain (unprefixed, non-`xmlns`) XML attribute.
    #[error("JSON key `@{0}` does not name an XML attribute")]
    InvalidAttributeName(String),
    /// An `@`-key or the `$` key holds an object or an array.
    #[error("JSON key `{0}` must hold a string, number, boolean or null")]
    NonScalar(String),
    /// A string holds a character XML 1.0 cannot carry.
    #[error("character U+{0:04X} cannot appear in XML 1.0")]
    InvalidXmlChar(u32),
    /// An element has both text and child elements.
    #[error("mixed content in element `{0}` cannot be converted to JSON")]
    MixedContent(String),
    /// A `jsonValue` element whose text is not a JSON value.
    #[error("`jsonValue` text is not JSON: {0}")]
    InvalidJsonValue(String),
}

impl JsonXmlError {
    /// Whether the error comes from the JSON → XML direction.
    pub fn is_json_to_xml(&self) -> bool {
        matches!(
            self,
            Self::EmptyKey
                | Self::InvalidAttributeName(_)
                | Self::NonScalar(_)
                | Self::InvalidXmlChar(_)
        )
    }

    /// Whether the error comes from the XML → JSON direction.
    pub fn is_xml_to_json(&self) -> bool {
        !self.is_json_to_xml()
    }
}

/// Options of the JSON → XML direction. `Default` is MI 4.x's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JsonToXmlOptions {
    /// Emit `<?xml-multiple NAME?>` before every array (MI's `JsonBuilder`,
    /// `synapse.json.to.xml.processing.instruction.enabled`). Default `false`.
    pub processing_instructions: bool,
    /// Write `null` as `<a nil="true"></a>` (`synapse.commons.enableXmlNilReadWrite`).
    /// Default `false`.
    pub xml_nil: bool,
}

impl JsonToXmlOptions {
    /// The lossless setting: processing instructions on.
    pub fn with_processing_instructions() -> Self {
        Self {
            processing_instructions: true,
            ..Self::default()
        }
    }
}

/// Options of the XML → JSON direction. `Default` is MI 4.x's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlToJsonOptions {
    /// `synapse.commons.json.output.autoPrimitive` (default `true`).
    pub auto_primitive: bool,
    /// `synapse.commons.json.preserve.namespace` (default `false`): keep
    /// prefixes as `prefix<sep>local`.
    pub preserve_namespaces: bool,
    /// `synapse.commons.json.output.namespaceSepChar` (default `_`).
    pub namespace_separator: char,
    /// `synapse.commons.json.output.jsonoutMultiplePI` (default `true`).
    pub multiple_pi: bool,
    /// `synapse.commons.enableXmlNilReadWrite` (default `false`).
    pub xml_nil: bool,
    /// `synapse.commons.enableXmlNullForEmptyElement` (default `true`): an
    /// empty element is `null`; with `false` it is `""` (MI docs, "Empty XML
    /// elements"; StAXON `writeNullForEmptyElement`).
    pub null_for_empty_element: bool,
}

impl Default for XmlToJsonOptions {
    fn default() -> Self {
        Self {
            auto_primitive: true,
            preserve_namespaces: false,
            namespace_separator: '_',
            multiple_pi: true,
            xml_nil: false,
            null_for_empty_element: true,
        }
    }
}

/// Maps a JSON value to XML text with MI's default settings (no PIs).
pub fn json_to_xml(value: &Value) -> Result<String, JsonXmlError> {
    json_to_xml_with(value, &JsonToXmlOptions::default())
}

/// Maps a JSON value to XML text (no XML declaration).
pub fn json_to_xml_with(value: &Value, options: &JsonToXmlOptions) -> Result<String, JsonXmlError> {
    let mut writer = Writer {
        out: String::new(),
        options,
    };
    match value {
        Value::Object(map) => writer.object_element(JSON_OBJECT, map)?,
        Value::Array(items) => writer.anonymous_array(items)?,
        scalar => {
            writer.out.push('<');
            writer.out.push_str(JSON_VALUE);
            writer.out.push('>');
            let text = scalar.to_string();
            escape_text(&mut writer.out, &text)?;
            writer.out.push_str("</");
            writer.out.push_str(JSON_VALUE);
            writer.out.push('>');
        }
    }
    Ok(writer.out)
}

struct Writer<'o> {
    out: String,
    options: &'o JsonToXmlOptions,
}

impl Writer<'_> {
    fn member(&mut self, key: &str, value: &Value) -> Result<(), JsonXmlError> {
        let name = encode_name(key)?;
        match value {
            Value::Array(items) => {
                if self.options.processing_instructions {
                    let simple = !key.contains("?>")
                        && key
                            .chars()
                            .all(|c| is_xml_char(c) && !c.is_whitespace() && c > ' ');
                    let data = if !simple { name.as_str() } else { key };
                    self.pi(data);
                }
                for item in items {
                    self.item(&name, item)?;
                }
                Ok(())
            }
            other => self.item(&name, other),
        }
    }

    fn pi(&mut self, data: &str) {
        self.out.push_str("<?");
        self.out.push_str(XML_MULTIPLE_PI);
        self.out.push(' ');
        self.out.push_str(data);
        self.out.push_str("?>");
    }

    fn item(&mut self, name: &str, value: &Value) -> Result<(), JsonXmlError> {
        match value {
            Value::Object(map) => self.object_element(name, map),
            Value::Array(items) => {
                self.start(name);
                self.anonymous_array(items)?;
                self.end(name);
                Ok(())
            }
            Value::Null => {
                self.out.push('<');
                self.out.push_str(name);
                if self.options.xml_nil {
                    self.out.push_str(" nil=\"true\"");
                }
                self.out.push('>');
                self.end(name);
                Ok(())
            }
            scalar => {
                self.start(name);
                escape_text(&mut self.out, &scalar_text(scalar))?;
                self.end(name);
                Ok(())
            }
        }
    }

    fn anonymous_array(&mut self, items: &[Value]) -> Result<(), JsonXmlError> {
        self.start(JSON_ARRAY);
        if self.options.processing_instructions {
            self.pi(JSON_ELEMENT);
        }
        for item in items {
            self.item(JSON_ELEMENT, item)?;
        }
        self.end(JSON_ARRAY);
        Ok(())
    }

    fn object_element(&mut self, name: &str, map: &Map<String, Value>) -> Result<(), JsonXmlError> {
        self.out.push('<');
        self.out.push_str(name);
        let mut text = None;
        for (key, value) in map {
            if key == "$" {
                if value.is_object() || value.is_array() {
                    return Err(JsonXmlError::NonScalar(key.clone()));
                }
                if !value.is_null() {
                    text = Some(scalar_text(value));
                }
            } else if let Some(attr) = key.strip_prefix('@') {
                if !is_plain_attribute_name(attr) {
                    return Err(JsonXmlError::InvalidAttributeName(attr.to_owned()));
                }
                if value.is_object() || value.is_array() {
                    return Err(JsonXmlError::NonScalar(key.clone()));
                }
                self.out.push(' ');
                self.out.push_str(attr);
                self.out.push_str("=\"");
                escape_attr(&mut self.out, &scalar_text(value))?;
                self.out.push('"');
            }
        }
        self.out.push('>');
        if let Some(text) = text {
            escape_text(&mut self.out, &text)?;
        }
        for (key, value) in map {
            if key != "$" && !key.starts_with('@') {
                self.member(key, value)?;
            }
        }
        self.end(name);
        Ok(())
    }

    fn start(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_plain_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if is_ncname_start(c) => {}
        _ => return false,
    }
    chars.all(is_ncname_char) && name != "xmlns"
}

/// Escapes a JSON key into an XML element name the way MI's
/// `JsonReaderDelegate` does (see the module docs).
pub fn encode_name(key: &str) -> Result<String, JsonXmlError> {
    let first = key.chars().next().ok_or(JsonXmlError::EmptyKey)?;
    let mut out = String::with_capacity(key.len() + 16);
    let rest = if first.is_ascii_digit() || first.is_numeric() {
        out.push_str(PRECEDING_DIGIT);
        key
    } else if first == '$' {
        out.push_str(PRECEDING_DOLLAR);
        &key[1..]
    } else {
        key
    };
    let mut units = [0u16; 2];
    for c in rest.chars() {
        let ok = if out.is_empty() {
            is_ncname_start(c)
        } else {
            is_ncname_char(c)
        };
        if ok && (c as u32) < 0x10000 {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "{ESCAPE_PREFIX}{unit}_");
            }
        }
    }
    Ok(out)
}

/// Reverses [`encode_name`] (MI's `XmlReaderDelegate`).
pub fn decode_name(local: &str) -> String {
    let (lead, rest) = if let Some(rest) = local.strip_prefix(PRECEDING_DIGIT) {
        ("", rest)
    } else if let Some(rest) = local.strip_prefix(PRECEDING_DOLLAR) {
        ("$", rest)
    } else {
        ("", local)
    };
    if lead.is_empty() && !rest.contains(ESCAPE_PREFIX) {
        return rest.to_owned();
    }
    let mut units: Vec<u16> = lead.encode_utf16().collect();
    let mut i = 0;
    while i < rest.len() {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix(ESCAPE_PREFIX) {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0
                && after.as_bytes().get(digits) == Some(&b'_')
                && let Ok(unit) = after[..digits].parse::<u16>()
                && unit > 0
            {
                units.push(unit);
                i += ESCAPE_PREFIX.len() + digits + 1;
                continue;
            }
        }
        let c = tail.chars().next().unwrap_or('\u{FFFD}');
        let mut buf = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buf));
        i += c.len_utf8().max(1);
    }
    String::from_utf16_lossy(&units)
}

fn is_ncname_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_ncname_char(c: char) -> bool {
    is_ncname_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether XML 1.0 allows the character at all.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes character data (`&`, `<`, `>`, `\r`), refusing non-XML characters.
pub(crate) fn escape_text(out: &mut String, text: &str) -> Result<(), JsonXmlError> {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            c => return Err(JsonXmlError::InvalidXmlChar(c as u32)),
        }
    }
    Ok(())
}

/// Escapes an attribute value (double-quoted), keeping whitespace exact.
pub(crate) fn escape_attr(out: &mut String, text: &str) -> Result<(), JsonXmlError> {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            c => return Err(JsonXmlError::InvalidXmlChar(c as u32)),
        }
    }
    Ok(())
}

/// Maps an XML element (or a document root: its root element) to JSON with
/// MI's default settings.
pub fn xml_to_json(node: roxmltree::Node<'_, '_>) -> Result<Value, JsonXmlError> {
    xml_to_json_with(node, &XmlToJsonOptions::default())
}

/// Maps an XML element (or a document root: its root element) to JSON.
pub fn xml_to_json_with(
    node: roxmltree::Node<'_, '_>,
    options: &XmlToJsonOptions,
) -> Result<Value, JsonXmlError> {
    let element = if node.is_element() {
        node
    } else {
        match node.document().root().first_element_child() {
            Some(e) if node.is_root() => e,
            _ => return Ok(Value::Null),
        }
    };
    let reader = Reader { options };
    let tag = element.tag_name();
    match tag.name() {
        JSON_OBJECT => match reader.value(element)? {
            Value::Null => Ok(Value::Object(Map::new())),
            Value::String(s) if s.is_empty() => Ok(Value::Object(Map::new())),
            v => Ok(v),
        },
        JSON_ARRAY => reader.array(element),
        JSON_VALUE => {
            let text = element_text(element);
            serde_json::from_str(text.trim())
                .map_err(|e| JsonXmlError::InvalidJsonValue(e.to_string()))
        }
        _ => {
            let mut map = Map::new();
            map.insert(reader.key_of(element), reader.value(element)?);
            Ok(Value::Object(map))
        }
    }
}

fn element_text(element: roxmltree::Node<'_, '_>) -> String {
    element
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

/// Java's `String.trim().isEmpty()`: every char is `<= U+0020`.
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c <= ' ')
}

struct Reader<'o> {
    options: &'o XmlToJsonOptions,
}

impl Reader<'_> {
    fn key_of(&self, element: roxmltree::Node<'_, '_>) -> String {
        let tag = element.tag_name();
        let local = decode_name(tag.name());
        if self.options.preserve_namespaces
            && let Some(prefix) = tag.namespace().and_then(|ns| element.lookup_prefix(ns))
            && !prefix.is_empty()
        {
            return format!("{prefix}{}{local}", self.options.namespace_separator);
        }
        local
    }

    fn primitive(&self, text: &str) -> Value {
        if self.options.auto_primitive {
            match text {
                "true" => return Value::Bool(true),
                "false" => return Value::Bool(false),
                "null" => return Value::Null,
                _ if looks_like_number(text) => {
                    if let Ok(n) = serde_json::from_str::<Number>(text) {
                        return Value::Number(n);
                    }
                }
                _ => {}
            }
        }
        Value::String(text.to_owned())
    }

    fn array(&self, element: roxmltree::Node<'_, '_>) -> Result<Value, JsonXmlError> {
        element
            .children()
            .filter(|c| c.is_element())
            .map(|c| self.value(c))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    }

    /// The nested anonymous array shape: `<a><jsonArray><jsonElement>…`.
    fn nested_array<'a, 'i>(
        &self,
        element: roxmltree::Node<'a, 'i>,
    ) -> Option<roxmltree::Node<'a, 'i>> {
        if element.attributes().len() != 0 {
            return None;
        }
        let mut elements = element.children().filter(|c| c.is_element());
        let inner = elements.next()?;
        if elements.next().is_some()
            || inner.tag_name().name() != JSON_ARRAY
            || inner.tag_name().namespace().is_some()
            || inner.attributes().len() != 0
            || element
                .children()
                .any(|c| c.is_text() && !is_blank(c.text().unwrap_or("")))
        {
            return None;
        }
        let all_items = inner
            .children()
            .filter(|c| c.is_element())
            .all(|c| c.tag_name().name() == JSON_ELEMENT && c.tag_name().namespace().is_none());
        all_items.then_some(inner)
    }

    fn value(&self, element: roxmltree::Node<'_, '_>) -> Result<Value, JsonXmlError> {
        if let Some(inner) = self.nested_array(element) {
            return self.array(inner);
        }
        let mut attrs = Vec::new();
        let mut nil = false;
        for attr in element.attributes() {
            if self.options.xml_nil
                && attr.name() == "nil"
                && attr.value() == "true"
                && matches!(attr.namespace(), None | Some(XSI_NS))
            {
                nil = true;
                continue;
            }
            let mut key = String::from("@");
            if self.options.preserve_namespaces
                && let Some(prefix) = attr.namespace().and_then(|ns| element.lookup_prefix(ns))
            {
                key.push_str(prefix);
                key.push(self.options.namespace_separator);
            }
            key.push_str(attr.name());
            attrs.push((key, attr.value().to_owned()));
        }
        if nil && attrs.is_empty() {
            return Ok(Value::Null);
        }
        let mut text = String::new();
        let mut has_children = false;
        for child in element.children() {
            if child.is_text() {
                let t = child.text().unwrap_or("");
                if !is_blank(t) {
                    text.push_str(t);
                }
            } else if child.is_element()
                || (self.options.multiple_pi
                    && child.pi().is_some_and(|pi| pi.target == XML_MULTIPLE_PI))
            {
                has_children = true;
            }
        }
        if has_children && !text.is_empty() {
            return Err(JsonXmlError::MixedContent(
                element.tag_name().name().to_owned(),
            ));
        }
        if attrs.is_empty() && !has_children {
            return Ok(if !text.is_empty() {
                self.primitive(&text)
            } else if self.options.xml_nil || !self.options.null_for_empty_element {
                Value::String(String::new())
            } else {
                Value::Null
            });
        }
        let mut map = Map::new();
        for (key, value) in attrs {
            map.insert(key, Value::String(value));
        }
        if !text.is_empty() {
            map.insert("$".to_owned(), self.primitive(&text));
        }
        let mut arrays: HashSet<String> = HashSet::new();
        let mut pending_unnamed = false;
        for child in element.children() {
            if let Some(pi) = child.pi() {
                if self.options.multiple_pi && pi.target == XML_MULTIPLE_PI {
                    match pi.value.map(str::trim).filter(|v| !v.is_empty()) {
                        Some(name) => {
                            let key = decode_name(name);
                            if !arrays.contains(&key) {
                                let old = map.insert(key.clone(), Value::Array(Vec::new()));
                                if let Some(old) = old
                                    && let Some(Value::Array(items)) = map.get_mut(&key)
                                {
                                    items.push(old);
                                }
                                arrays.insert(key);
                            }
                        }
                        None => pending_unnamed = true,
                    }
                }
                continue;
            }
            if !child.is_element() {
                continue;
            }
            let key = self.key_of(child);
            let value = self.value(child)?;
            if arrays.contains(&key) {
                if let Some(Value::Array(items)) = map.get_mut(&key) {
                    items.push(value);
                }
            } else if let Some(old) = map.get_mut(&key) {
                let first = std::mem::take(old);
                *old = Value::Array(vec![first, value]);
                arrays.insert(key);
            } else if pending_unnamed {
                pending_unnamed = false;
                map.insert(key.clone(), Value::Array(vec![value]));
                arrays.insert(key);
            } else {
                map.insert(key, value);
            }
        }
        Ok(Value::Object(map))
    }
}

/// `^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$` (StAXON's autoPrimitive).
fn looks_like_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// Whether [`xml_to_json`] would turn this string into a non-string (autoPrimitive).
pub fn is_auto_primitive(text: &str) -> bool {
    matches!(text, "true" | "false" | "null") || looks_like_number(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn x(v: Value) -> String {
        json_to_xml(&v).unwrap()
    }

    fn xp(v: Value) -> String {
        json_to_xml_with(&v, &JsonToXmlOptions::with_processing_instructions()).unwrap()
    }

    fn j(xml: &str) -> Value {
        let doc = roxmltree::Document::parse(xml).unwrap();
        xml_to_json(doc.root()).unwrap()
    }

    #[test]
    fn object_root() {
        assert_eq!(
            x(json!({"a":1,"b":"x"})),
            "<jsonObject><a>1</a><b>x</b></jsonObject>"
        );
    }

    #[test]
    fn empty_object_string_null() {
        assert_eq!(
            x(json!({"object":{}})),
            "<jsonObject><object></object></jsonObject>"
        );
        assert_eq!(
            x(json!({"object":""})),
            "<jsonObject><object></object></jsonObject>"
        );
        assert_eq!(
            x(json!({"object":null})),
            "<jsonObject><object></object></jsonObject>"
        );
        assert_eq!(
            j("<jsonObject><object></object></jsonObject>"),
            json!({"object":null})
        );
    }

    #[test]
    fn xml_nil_option() {
        let o = JsonToXmlOptions {
            xml_nil: true,
            ..Default::default()
        };
        assert_eq!(
            json_to_xml_with(&json!({"a":null}), &o).unwrap(),
            "<jsonObject><a nil=\"true\"></a></jsonObject>"
        );
        let r = XmlToJsonOptions {
            xml_nil: true,
            ..Default::default()
        };
        let doc =
            roxmltree::Document::parse("<jsonObject><a nil=\"true\"/><b/></jsonObject>").unwrap();
        assert_eq!(
            xml_to_json_with(doc.root(), &r).unwrap(),
            json!({"a":null,"b":""})
        );
    }

    #[test]
    fn empty_array_root() {
        assert_eq!(x(json!([])), "<jsonArray></jsonArray>");
        assert_eq!(
            xp(json!([])),
            "<jsonArray><?xml-multiple jsonElement?></jsonArray>"
        );
        assert_eq!(j("<jsonArray></jsonArray>"), json!([]));
    }

    #[test]
    fn named_arrays() {
        assert_eq!(
            x(json!({"array":[1,2]})),
            "<jsonObject><array>1</array><array>2</array></jsonObject>"
        );
        assert_eq!(
            xp(json!({"array":[1,2]})),
            "<jsonObject><?xml-multiple array?><array>1</array><array>2</array></jsonObject>"
        );
        assert_eq!(x(json!({"array":[]})), "<jsonObject></jsonObject>");
        assert_eq!(
            xp(json!({"array":[]})),
            "<jsonObject><?xml-multiple array?></jsonObject>"
        );
        assert_eq!(
            j("<jsonObject><?xml-multiple array?></jsonObject>"),
            json!({"array":[]})
        );
        assert_eq!(
            j("<jsonObject><?xml-multiple array?><array>1</array></jsonObject>"),
            json!({"array":[1]})
        );
        assert_eq!(
            j("<jsonObject><array>1</array><array>2</array></jsonObject>"),
            json!({"array":[1,2]})
        );
        assert_eq!(
            j("<jsonObject><array>1</array></jsonObject>"),
            json!({"array":1})
        );
    }

    #[test]
    fn anonymous_arrays() {
        assert_eq!(
            x(json!([1, 2])),
            "<jsonArray><jsonElement>1</jsonElement><jsonElement>2</jsonElement></jsonArray>"
        );
        assert_eq!(
            xp(json!([1, []])),
            "<jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement><jsonElement><jsonArray><?xml-multiple jsonElement?></jsonArray></jsonElement></jsonArray>"
        );
        assert_eq!(
            x(json!([1, []])),
            "<jsonArray><jsonElement>1</jsonElement><jsonElement><jsonArray></jsonArray></jsonElement></jsonArray>"
        );
        assert_eq!(j(&xp(json!([1, []]))), json!([1, []]));
        assert_eq!(j(&xp(json!({"a":[[1,2],[3]]}))), json!({"a":[[1,2],[3]]}));
    }

    #[test]
    fn scalar_root() {
        assert_eq!(x(json!("s")), "<jsonValue>\"s\"</jsonValue>");
        assert_eq!(x(json!(12)), "<jsonValue>12</jsonValue>");
        assert_eq!(j("<jsonValue>\"s\"</jsonValue>"), json!("s"));
        assert_eq!(j("<jsonValue>true</jsonValue>"), json!(true));
    }

    #[test]
    fn special_names() {
        assert_eq!(
            x(json!({"12x":1})),
            "<jsonObject><_JsonReader_PD_12x>1</_JsonReader_PD_12x></jsonObject>"
        );
        assert_eq!(
            x(json!({"$x":1})),
            "<jsonObject><_JsonReader_PS_x>1</_JsonReader_PS_x></jsonObject>"
        );
        assert_eq!(
            x(json!({"a b":1})),
            "<jsonObject><a_JsonReader_32_b>1</a_JsonReader_32_b></jsonObject>"
        );
        assert_eq!(
            x(json!({"-x":1})),
            "<jsonObject><_JsonReader_45_x>1</_JsonReader_45_x></jsonObject>"
        );
        assert_eq!(encode_name("a:b").unwrap(), "a_JsonReader_58_b");
        assert_eq!(
            encode_name("😀").unwrap(),
            "_JsonReader_55357__JsonReader_56832_"
        );
        for k in [
            "12x",
            "$x",
            "a b",
            "-x",
            "a:b",
            "😀",
            "$",
            "x_JsonReader_y",
            "9",
        ] {
            assert_eq!(decode_name(&encode_name(k).unwrap()), k, "{k}");
        }
        assert_eq!(json_to_xml(&json!({"":1})), Err(JsonXmlError::EmptyKey));
    }

    #[test]
    fn attributes_and_text() {
        assert_eq!(
            x(json!({"a":{"@id":"7","$":"x"}})),
            "<jsonObject><a id=\"7\">x</a></jsonObject>"
        );
        assert_eq!(
            j("<r><a id=\"7\">x</a></r>"),
            json!({"r":{"a":{"@id":"7","$":"x"}}})
        );
        assert_eq!(j("<a id=\"7\"/>"), json!({"a":{"@id":"7"}}));
        assert_eq!(j("<a id=\"7\">12</a>"), json!({"a":{"@id":"7","$":12}}));
        assert!(json_to_xml(&json!({"a":{"@xmlns":"u"}})).is_err());
        assert!(json_to_xml(&json!({"a":{"@b":{}}})).is_err());
        assert_eq!(
            x(json!({"a":{"@q":"\"<&\n"}})),
            "<jsonObject><a q=\"&quot;&lt;&amp;&#10;\"></a></jsonObject>"
        );
    }

    #[test]
    fn auto_primitive() {
        assert_eq!(
            j(
                "<r><i>123</i><d>-1.5e3</d><t>true</t><f>false</f><n>null</n><s>0123</s><p>+1</p></r>"
            ),
            json!({"r":{"i":123,"d":-1500.0,"t":true,"f":false,"n":null,"s":"0123","p":"+1"}})
        );
        let o = XmlToJsonOptions {
            auto_primitive: false,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse("<r>1</r>").unwrap();
        assert_eq!(xml_to_json_with(doc.root(), &o).unwrap(), json!({"r":"1"}));
    }

    #[test]
    fn namespaces() {
        let xml = "<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\" p:x=\"1\"><p:b>2</p:b><c>3</c></p:a>";
        assert_eq!(j(xml), json!({"a":{"@x":"1","b":2,"c":3}}));
        let o = XmlToJsonOptions {
            preserve_namespaces: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse(xml).unwrap();
        assert_eq!(
            xml_to_json_with(doc.root(), &o).unwrap(),
            json!({"p_a":{"@p_x":"1","p_b":2,"c":3}})
        );
    }

    #[test]
    fn whitespace_comments_mixed() {
        assert_eq!(
            j("<r>\n  <a> </a>\n  <!-- c --><b><![CDATA[x<y]]></b>\n</r>"),
            json!({"r":{"a":null,"b":"x<y"}})
        );
        let doc = roxmltree::Document::parse("<r>x<b/></r>").unwrap();
        assert!(matches!(
            xml_to_json(doc.root()),
            Err(JsonXmlError::MixedContent(_))
        ));
    }

    #[test]
    fn text_escaping() {
        assert_eq!(
            x(json!({"a":"<&>\r"})),
            "<jsonObject><a>&lt;&amp;&gt;&#13;</a></jsonObject>"
        );
        assert_eq!(
            json_to_xml(&json!({"a":"\u{1}"})),
            Err(JsonXmlError::InvalidXmlChar(1))
        );
    }

    #[test]
    fn escaped_element_names_are_decoded() {
        assert_eq!(
            j(
                "<jsonObject><_JsonReader_PD_12x>1</_JsonReader_PD_12x><_JsonReader_PS_x>2</_JsonReader_PS_x><a_JsonReader_32_b>3</a_JsonReader_32_b></jsonObject>"
            ),
            json!({"12x":1,"$x":2,"a b":3})
        );
        // not an escape: left as is
        assert_eq!(decode_name("a_JsonReader_x_"), "a_JsonReader_x_");
        assert_eq!(decode_name("a_JsonReader_0_"), "a_JsonReader_0_");
    }

    #[test]
    fn unnamed_multiple_pi_starts_an_array_at_the_next_element() {
        assert_eq!(
            j("<r><?xml-multiple?><a>1</a><b>2</b></r>"),
            json!({"r":{"a":[1],"b":2}})
        );
        let o = XmlToJsonOptions {
            multiple_pi: false,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse("<r><?xml-multiple a?><a>1</a></r>").unwrap();
        assert_eq!(
            xml_to_json_with(doc.root(), &o).unwrap(),
            json!({"r":{"a":1}})
        );
    }

    #[test]
    fn pi_data_falls_back_to_the_escaped_name() {
        assert_eq!(
            xp(json!({"a b":[1]})),
            "<jsonObject><?xml-multiple a_JsonReader_32_b?><a_JsonReader_32_b>1</a_JsonReader_32_b></jsonObject>"
        );
        assert_eq!(j(&xp(json!({"a b":[1]}))), json!({"a b":[1]}));
        assert_eq!(
            xp(json!({"12":[1]})),
            "<jsonObject><?xml-multiple 12?><_JsonReader_PD_12>1</_JsonReader_PD_12></jsonObject>"
        );
        assert_eq!(j(&xp(json!({"12":[1]}))), json!({"12":[1]}));
    }

    #[test]
    fn non_adjacent_repeats_gathered() {
        assert_eq!(
            j("<r><a>1</a><b>2</b><a>3</a></r>"),
            json!({"r":{"a":[1,3],"b":2}})
        );
    }

    #[test]
    fn number_detection() {
        for ok in ["0", "-0", "1", "10", "1.5", "1e5", "1E+5", "-1.25e-3"] {
            assert!(looks_like_number(ok), "{ok}");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "1e", "+1", " 1", "1 ", "0x1", "NaN",
        ] {
            assert!(!looks_like_number(bad), "{bad}");
        }
    }
}
