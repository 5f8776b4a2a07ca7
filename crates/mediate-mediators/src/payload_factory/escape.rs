//! The value rules of Synapse's `TemplateProcessor` / `RegexTemplateProcessor`: XML and JSON
//! escaping, "is this XML / JSON?" tests, and the JSON ↔ XML conversions of arguments.

use mediate_core::message::json_xml::{JSON_ARRAY, JSON_OBJECT, json_to_xml, xml_to_json};
use mediate_core::message::roxmltree::{Document, Node};

/// Java's `String.trim()`: strips every char `<= U+0020` at both ends (not Unicode spaces).
pub(super) fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Whether `c` may appear in an XML 1.0 document.
pub(super) fn is_xml10_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Commons Text `StringEscapeUtils.escapeXml10`, as `TemplateProcessor.escapeXMLEnvelope` applies
/// it: `& < > " '` become entities, characters XML 1.0 cannot carry are removed, U+007F–U+0084
/// and U+0086–U+009F become numeric references. One deviation: `\r` is written `&#13;` (MI
/// writes it raw, and every XML parser then reads it back as `\n`), so the value survives.
pub(super) fn escape_xml10_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\u{7F}'..='\u{84}' | '\u{86}'..='\u{9F}' => {
                out.push_str("&#");
                out.push_str(&u32::from(c).to_string());
                out.push(';');
            }
            c if is_xml10_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// [`escape_xml10_into`] into a new string.
pub(super) fn escape_xml10(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_xml10_into(s, &mut out);
    out
}

/// `TemplateProcessor.escapeSpecialChars`: the text as the inside of a JSON string. MI escapes
/// `\`, `"`, `\b`, `\f`, `\n`, `\r` and `\t`; the other control characters, which MI leaves raw
/// (making the JSON invalid), are written `\u00XX`.
pub(super) fn json_escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
}

/// [`json_escape_into`], the text itself when it has nothing to escape.
pub(super) fn json_escape_cow(s: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < b' ') {
        std::borrow::Cow::Owned(json_escape(&s))
    } else {
        s
    }
}

/// [`json_escape_into`] into a new string.
pub(super) fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    json_escape_into(s, &mut out);
    out
}

/// `TemplateProcessor.escapeXMLSpecialChars` (the `escapeXmlChars="true"` option): raw `\b`,
/// `\f`, `\n`, `\r`, `\t` in a JSON value become their JSON escapes.
pub(super) fn escape_json_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// `TemplateProcessor.isXML`: the trimmed value ends with `>`, has at least 4 characters and
/// parses as an XML document. (Axiom only reads up to the root's start tag; the whole text is
/// checked here, so a value that is not well-formed is treated as text and escaped.)
pub(super) fn is_xml(s: &str) -> bool {
    let t = java_trim(s);
    t.starts_with('<') && t.ends_with('>') && t.chars().count() >= 4 && Document::parse(t).is_ok()
}

/// `TemplateProcessor.isJson`: the trimmed value starts with `{` or `[`.
pub(super) fn is_json_like(s: &str) -> bool {
    matches!(java_trim(s).as_bytes().first(), Some(b'{' | b'['))
}

/// `validJsonNumber` of `TemplateProcessor`: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`.
pub(super) fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `convertJsonArgumentToXml` / `convertJsonStringToXml` / `convertJsonToXML`: the JSON text
/// through MI's JSON → XML mapping; for an object or array root (`jsonObject`, `jsonArray`) the
/// root's child elements, serialized one after the other, else the root element itself.
pub(super) fn json_to_xml_fragment(json: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let xml = json_to_xml(&value).map_err(|e| e.to_string())?;
    let doc = Document::parse(&xml).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    let name = root.tag_name().name();
    if name != JSON_OBJECT && name != JSON_ARRAY {
        return Ok(xml);
    }
    let mut out = String::with_capacity(xml.len());
    for child in root.children().filter(Node::is_element) {
        out.push_str(java_trim(&xml[child.range()]));
    }
    Ok(out)
}

/// `convertXmlArgumentToJson` / `convertXMLToJSON`: `<jsonObject>` + the XML + `</jsonObject>`
/// through MI's XML → JSON mapping, as compact JSON text.
pub(super) fn xml_to_json_text(xml: &str) -> Result<String, String> {
    let wrapped = format!("<{JSON_OBJECT}>{xml}</{JSON_OBJECT}>");
    let doc = Document::parse(&wrapped).map_err(|e| e.to_string())?;
    let json = xml_to_json(doc.root()).map_err(|e| e.to_string())?;
    Ok(json.to_string())
}

/// What `PayloadFactoryMediatorFactory` keeps of an XML `<format>`: its first child element,
/// with whitespace-only text nodes removed (`removeIndentations`). `text` is the content of
/// `<format>` (or a local entry) as written; the element is spliced out of it byte for byte, so
/// its namespace declarations, `$n` and `${…}` placeholders stay as written.
pub(super) fn xml_format_element(text: &str) -> Result<String, String> {
    let text = strip_xml_declaration(text);
    let wrapped = format!("<pfPadding>{text}</pfPadding>");
    let opts = mediate_core::message::roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    let doc = Document::parse_with_options(&wrapped, opts).map_err(|e| e.to_string())?;
    let Some(first) = doc.root_element().first_element_child() else {
        return Err("the format holds no XML element".into());
    };
    let range = first.range();
    let mut out = String::with_capacity(range.len());
    let mut pos = range.start;
    for node in first.descendants() {
        if node.is_text() && node.text().is_some_and(|t| java_trim(t).is_empty()) {
            let r = node.range();
            if r.start >= pos {
                out.push_str(&wrapped[pos..r.start]);
                pos = r.end;
            }
        }
    }
    out.push_str(&wrapped[pos..range.end]);
    Ok(out)
}

/// Drops a leading `<?xml …?>` declaration (and the blanks around it).
pub(super) fn strip_xml_declaration(text: &str) -> &str {
    let t = java_trim(text);
    if t.starts_with("<?xml")
        && let Some(end) = t.find("?>")
    {
        return java_trim(&t[end + 2..]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_xml10("a<b&'\"\u{1}\r"),
            "a&lt;b&amp;&apos;&quot;&#13;"
        );
        assert_eq!(json_escape("a\"\\\n\u{1}"), "a\\\"\\\\\\n\\u0001");
        assert!(is_json_number("-1.5e3") && is_json_number("0") && !is_json_number("01"));
        assert!(!is_json_number("1.") && !is_json_number("") && !is_json_number("1e"));
    }

    #[test]
    fn xml_checks() {
        assert!(is_xml(" <a>1</a> "));
        assert!(!is_xml("<a>"));
        assert!(!is_xml("a<b>"));
        assert!(is_json_like(" [1]") && !is_json_like("x{"));
    }

    #[test]
    fn conversions() {
        assert_eq!(
            json_to_xml_fragment(r#"{"a":1,"b":"x"}"#).unwrap(),
            "<a>1</a><b>x</b>"
        );
        assert_eq!(
            xml_to_json_text("<a>1</a><b>x</b>").unwrap(),
            r#"{"a":1,"b":"x"}"#
        );
        assert_eq!(
            xml_format_element("\n <a>\n  <b> $1 </b>\n</a>\n<c/>").unwrap(),
            "<a><b> $1 </b></a>"
        );
        assert!(xml_format_element("just text").is_err());
    }
}
