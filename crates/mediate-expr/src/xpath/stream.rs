//! A streaming fast path for the commonest XPaths over a plain-XML (POX) payload: a chain of
//! child (`/`) and descendant (`//`) steps with name tests, optionally ending in `/text()` or
//! `/@name` — `//order/id`, `$body/order/customer/@id`, `/soapenv:Envelope/soapenv:Body/a/b`.
//!
//! When nothing has parsed the payload yet and a mediator only needs the expression's string
//! (Synapse's `stringValueOf`), the payload text is scanned once with quick-xml's pull parser
//! instead of building a tree: matches are found with one bit-set of matched step prefixes per
//! open element. Synapse has the same idea (its `StreamingXPATH`).
//!
//! The fast path answers only when its answer is certainly the one the tree would give; in every
//! other case it answers `None` and the caller evaluates over the parsed envelope:
//! - several elements matched, or one without text of its own (Synapse then serializes XML);
//! - anything the XML parser would reject, or that this scanner does not check as strictly as
//!   roxmltree does (a DTD, an undefined entity, a control character, an unbound prefix, a
//!   duplicate attribute, a second root, unbalanced tags) — the full parse then reports it
//!   with its line and column;
//! - a SOAP envelope as the payload (then the envelope view is built anyway).

use mediate_xpath::Namespaces;
use quick_xml::Reader;
use quick_xml::events::Event;

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// A compiled streamable path.
#[derive(Clone, Debug)]
pub(crate) struct StreamPath {
    steps: Vec<Step>,
    tail: Tail,
}

#[derive(Clone, Debug)]
struct Step {
    descendant: bool,
    test: Test,
}

#[derive(Clone, Debug)]
enum Test {
    Any,
    /// `ns` is `None` for an unprefixed name test: XPath 1.0 matches no-namespace elements only.
    Name {
        ns: Option<String>,
        local: String,
    },
    /// `$body` and its envelope: a SOAP 1.1 or 1.2 `Envelope` / `Body`.
    Soap(&'static str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tail {
    Element,
    Text,
    Attribute(String),
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A conservative check of an element or attribute name: ASCII NCNames joined by at most one
/// `:`. Anything else (including legal non-ASCII names) goes to the tree, which checks names
/// exactly.
fn is_plain_qname(name: &str) -> bool {
    fn ncname(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_alphabetic() || b[0] == b'_')
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    }
    match name.split_once(':') {
        Some((p, l)) => ncname(p) && ncname(l),
        None => ncname(name),
    }
}

/// Parse the text after an element's name as a well-formed attribute list into `out`
/// (`name`, raw value): each attribute preceded by whitespace, `name = "value"` with either
/// quote, nothing else but whitespace; values without `<`, references or control characters
/// (those are left to the tree to check and normalize); no name twice.
fn parse_attributes<'a>(raw: &'a str, out: &mut Vec<(&'a str, &'a str)>) -> bool {
    const WS: [char; 4] = [' ', '\t', '\n', '\r'];
    let mut rest = raw;
    loop {
        let attr = rest.trim_start_matches(WS);
        if attr.is_empty() {
            return true;
        }
        if attr.len() == rest.len() {
            return false; // no whitespace before an attribute
        }
        let Some(name_end) = attr.find(|c: char| c == '=' || WS.contains(&c)) else {
            return false;
        };
        let name = &attr[..name_end];
        if !is_plain_qname(name) || out.iter().any(|(k, _)| *k == name) {
            return false;
        }
        let Some(value) = attr[name_end..].trim_start_matches(WS).strip_prefix('=') else {
            return false;
        };
        let value = value.trim_start_matches(WS);
        let Some(quote) = value.chars().next().filter(|q| matches!(q, '"' | '\'')) else {
            return false;
        };
        let Some(close) = value[1..].find(quote) else {
            return false;
        };
        let v = &value[1..1 + close];
        if v.bytes().any(|b| matches!(b, b'<' | b'&') || b < b' ') || has_control_char(v) {
            return false;
        }
        out.push((name, v));
        rest = &value[1 + close + 1..];
    }
}

/// The URI bound to `prefix` (`""` for the default namespace) in `scope`, innermost first;
/// `xml` is always bound.
fn lookup<'a>(scope: &[(&str, &'a str, usize)], prefix: &str) -> Option<&'a str> {
    if prefix == "xml" {
        return Some(XML_NS);
    }
    scope
        .iter()
        .rev()
        .find(|(p, _, _)| *p == prefix)
        .map(|(_, u, _)| *u)
}

/// A character XML 1.0 does not allow: C0 controls other than tab, newline and return, and the
/// non-characters U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF` in UTF-8).
fn has_control_char(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        (c < b' ' && !matches!(c, b'\t' | b'\n' | b'\r'))
            || (c == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    })
}

impl StreamPath {
    /// The streamable form of `expr`, if it is one (see the module docs).
    pub(crate) fn compile(expr: &str, namespaces: &Namespaces) -> Option<StreamPath> {
        let s = expr.trim();
        let (mut steps, mut rest) = if let Some(r) = s.strip_prefix("$body") {
            let envelope = Step {
                descendant: false,
                test: Test::Soap("Envelope"),
            };
            let body = Step {
                descendant: false,
                test: Test::Soap("Body"),
            };
            (vec![envelope, body], r)
        } else if s.starts_with('/') {
            (Vec::new(), s)
        } else {
            return None;
        };
        let mut tail = Tail::Element;
        let mut user_steps = 0;
        while !rest.is_empty() {
            if tail != Tail::Element {
                return None; // text() and @name end the path
            }
            let (descendant, r) = match rest.strip_prefix("//") {
                Some(r) => (true, r),
                None => (false, rest.strip_prefix('/')?),
            };
            let end = r.find('/').unwrap_or(r.len());
            let token = &r[..end];
            rest = &r[end..];
            if token == "text()" {
                if descendant {
                    return None;
                }
                tail = Tail::Text;
                continue;
            }
            if let Some(attr) = token.strip_prefix('@') {
                // `@xmlns` selects nothing in XPath: declarations are not attributes.
                if descendant || !is_ncname(attr) || attr == "xmlns" {
                    return None;
                }
                tail = Tail::Attribute(attr.to_owned());
                continue;
            }
            let test = if token == "*" {
                Test::Any
            } else if let Some((prefix, local)) = token.split_once(':') {
                if !is_ncname(prefix) || !is_ncname(local) {
                    return None;
                }
                Test::Name {
                    ns: Some(namespaces.get(prefix)?.to_owned()),
                    local: local.to_owned(),
                }
            } else if is_ncname(token) {
                Test::Name {
                    ns: None,
                    local: token.to_owned(),
                }
            } else {
                return None;
            };
            steps.push(Step { descendant, test });
            user_steps += 1;
        }
        if user_steps == 0 || steps.len() > 63 {
            return None;
        }
        Some(StreamPath { steps, tail })
    }

    /// Synapse's string value of this path over the POX `payload` (the first child of an
    /// implicit SOAP 1.1 body), or `None` when the tree must decide (see the module docs).
    pub(crate) fn string_value(&self, payload: &str) -> Option<String> {
        let mut reader = Reader::from_str(payload);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = true;

        let full = 1u64 << self.steps.len();
        // Matched step prefixes per open element; the document node has matched none (bit 0).
        let mut stack: Vec<u64> = Vec::with_capacity(16);
        // In-scope namespace declarations: (prefix, or "" for the default; URI; depth).
        let mut scope: Vec<(&str, &str, usize)> = Vec::new();
        let mut attrs: Vec<(&str, &str)> = Vec::new();
        let doc = 1u64;
        let envelope = self.advance(doc, Some(SOAP11), "Envelope");
        let body = self.advance(envelope, Some(SOAP11), "Body");
        if (envelope | body) & full != 0 {
            return None; // the implicit envelope or body itself is selected: the tree serializes it
        }
        let mut seen_root = false;
        let mut out = String::new();
        // For Tail::Element: depth of the open matched element, and how many matched.
        let mut matched_depth: Option<usize> = None;
        let mut matches = 0usize;
        // For Tail::Text: depths of open matched elements whose text children count.
        let mut text_parents: Vec<usize> = Vec::new();
        let mut first = true;
        loop {
            let before = usize::try_from(reader.buffer_position()).ok()?;
            let event = reader.read_event().ok()?;
            let first = std::mem::replace(&mut first, false);
            match event {
                Event::Start(e) => {
                    let depth = stack.len();
                    if depth == 0 {
                        if seen_root {
                            return None; // a second root element
                        }
                        seen_root = true;
                    }
                    // The tag as written, borrowed from the payload (it outlives the event).
                    let after = usize::try_from(reader.buffer_position()).ok()?;
                    let tag = payload.get(before..after)?.strip_prefix('<')?;
                    let tag = tag.strip_suffix("/>").or_else(|| tag.strip_suffix('>'))?;
                    let name_len = e.name().into_inner().len();
                    let (qname, raw_attrs) = (tag.get(..name_len)?, tag.get(name_len..)?);
                    if !is_plain_qname(qname) {
                        return None;
                    }
                    attrs.clear();
                    if !parse_attributes(raw_attrs, &mut attrs) {
                        return None;
                    }
                    for &(key, value) in &attrs {
                        if key == "xmlns" {
                            scope.push(("", value, depth));
                        } else if let Some(p) = key.strip_prefix("xmlns:") {
                            if value.is_empty() || p == "xmlns" || (p == "xml") != (value == XML_NS)
                            {
                                return None; // undeclaring or rebinding reserved prefixes
                            }
                            scope.push((p, value, depth));
                        }
                    }
                    let (prefix, local) = match qname.split_once(':') {
                        Some((p, l)) => (p, l),
                        None => ("", qname),
                    };
                    let ns = match lookup(&scope, prefix) {
                        Some(uri) if !uri.is_empty() => Some(uri),
                        Some(_) => None,
                        None if prefix.is_empty() => None,
                        None => return None, // unbound prefix
                    };
                    for &(key, _) in &attrs {
                        if let Some((p, _)) = key.split_once(':')
                            && p != "xmlns"
                            && lookup(&scope, p).is_none_or(str::is_empty)
                        {
                            return None; // unbound attribute prefix
                        }
                    }
                    if depth == 0
                        && local == "Envelope"
                        && (ns == Some(SOAP11) || ns == Some(SOAP12))
                    {
                        return None; // a SOAP envelope: not the POX case
                    }
                    let parent = if depth == 0 { body } else { stack[depth - 1] };
                    let mask = self.advance(parent, ns, local);
                    stack.push(mask);
                    if mask & full != 0 {
                        match &self.tail {
                            Tail::Element => {
                                matches += 1;
                                if matches > 1 {
                                    return None; // Synapse serializes several elements
                                }
                                matched_depth = Some(depth + 1);
                            }
                            Tail::Text => text_parents.push(depth + 1),
                            Tail::Attribute(name) => {
                                if let Some(&(_, v)) = attrs.iter().find(|(k, _)| k == name) {
                                    out.push_str(v);
                                }
                            }
                        }
                    }
                }
                Event::End(_) => {
                    stack.pop()?;
                    let closed = stack.len() + 1;
                    while scope.last().is_some_and(|d| d.2 == closed - 1) {
                        scope.pop();
                    }
                    if text_parents.last() == Some(&closed) {
                        text_parents.pop();
                    }
                    if matched_depth == Some(closed) {
                        matched_depth = None;
                    }
                }
                Event::Text(t) => {
                    let raw: &str = &t;
                    if has_control_char(raw) || raw.contains("]]>") {
                        return None;
                    }
                    if stack.is_empty() {
                        if !raw.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
                            return None; // text outside the root element
                        }
                        continue;
                    }
                    if self.wants_text(&stack, matched_depth, &text_parents) {
                        out.push_str(&t.xml10_content());
                    }
                }
                Event::CData(t) => {
                    if stack.is_empty() || has_control_char(&t) {
                        return None;
                    }
                    if self.wants_text(&stack, matched_depth, &text_parents) {
                        out.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if stack.is_empty() {
                        return None;
                    }
                    let c;
                    let resolved = if r.is_char_ref() {
                        c = r.resolve_char_ref().ok()??;
                        if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                            || matches!(c, '\u{fffe}' | '\u{ffff}')
                        {
                            return None;
                        }
                        c.encode_utf8(&mut [0; 4]).to_owned()
                    } else {
                        quick_xml::escape::resolve_predefined_entity(&r)?.to_owned()
                    };
                    if self.wants_text(&stack, matched_depth, &text_parents) {
                        out.push_str(&resolved);
                    }
                }
                Event::Comment(t) => {
                    if has_control_char(&t) {
                        return None;
                    }
                }
                Event::PI(p) => {
                    if has_control_char(&p) {
                        return None;
                    }
                }
                Event::Decl(_) => {
                    if !first {
                        return None; // a declaration anywhere but at the start
                    }
                }
                Event::DocType(_) => return None,
                Event::Empty(_) => return None, // expanded above; never seen
                Event::Eof => break,
            }
        }
        if !stack.is_empty() || !seen_root {
            return None;
        }
        match self.tail {
            Tail::Element if matches == 1 => {
                // One element: its own text, trimmed as Java's `String.trim` after turning
                // NBSP into spaces; an element without own text is serialized by Synapse.
                let trimmed = out
                    .replace('\u{a0}', " ")
                    .trim_matches(|c: char| c <= ' ')
                    .to_owned();
                if trimmed.is_empty() {
                    None
                } else {
                    Some(trimmed)
                }
            }
            _ => Some(out),
        }
    }

    /// Whether a text event whose parent is the top of `stack` belongs to the result.
    fn wants_text(
        &self,
        stack: &[u64],
        matched_depth: Option<usize>,
        text_parents: &[usize],
    ) -> bool {
        match self.tail {
            Tail::Element => matched_depth == Some(stack.len()),
            Tail::Text => text_parents.last() == Some(&stack.len()),
            Tail::Attribute(_) => false,
        }
    }

    /// The matched-prefix set of an element named (`ns`, `local`) under a parent whose set
    /// is `parent`.
    fn advance(&self, parent: u64, ns: Option<&str>, local: &str) -> u64 {
        let mut next = 0u64;
        for (k, step) in self.steps.iter().enumerate() {
            if parent & (1 << k) == 0 {
                continue;
            }
            if step.descendant {
                next |= 1 << k;
            }
            let hit = match &step.test {
                Test::Any => true,
                Test::Name { ns: want, local: l } => l == local && want.as_deref() == ns,
                Test::Soap(l) => *l == local && (ns == Some(SOAP11) || ns == Some(SOAP12)),
            };
            if hit {
                next |= 1 << (k + 1);
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns() -> Namespaces {
        let mut n = Namespaces::new();
        n.insert("soapenv", SOAP11);
        n.insert("c", "urn:c");
        n
    }

    fn sv(expr: &str, doc: &str) -> Option<String> {
        StreamPath::compile(expr, &ns())
            .unwrap_or_else(|| panic!("{expr} should be streamable"))
            .string_value(doc)
    }

    #[test]
    fn recognises_simple_paths_only() {
        for yes in [
            "//order/id",
            "/order/id",
            "$body/order",
            "$body//id",
            "/soapenv:Envelope/soapenv:Body/order/id",
            "//c:customer/c:name",
            "//item/@sku",
            "//a/text()",
            "/*/id",
        ] {
            assert!(StreamPath::compile(yes, &ns()).is_some(), "{yes}");
        }
        for no in [
            "//a[1]",
            "count(//a)",
            "//a | //b",
            "$body",
            "//a//text()",
            "//a/@x/y",
            "//p:a",
            "//a/..",
            "./a",
            "a/b",
            "//@x",
            "//a/node()",
            "//a/text()/b",
            "$ctx:x",
            "//c:*",
            "//a/@xmlns",
        ] {
            assert!(StreamPath::compile(no, &ns()).is_none(), "{no}");
        }
    }

    #[test]
    fn one_element_gives_its_trimmed_own_text() {
        let doc = "<?xml version='1.0'?>\n<order><id> A-1 </id><items><item sku='x'>pen</item></items></order>";
        assert_eq!(sv("//order/id", doc).as_deref(), Some("A-1"));
        assert_eq!(
            sv("/soapenv:Envelope/soapenv:Body/order/id", doc).as_deref(),
            Some("A-1")
        );
        assert_eq!(sv("$body/order/id", doc).as_deref(), Some("A-1"));
        assert_eq!(sv("//item/@sku", doc).as_deref(), Some("x"));
        assert_eq!(sv("//missing", doc).as_deref(), Some(""));
        assert_eq!(sv("//order/id/text()", doc).as_deref(), Some(" A-1 "));
        assert_eq!(
            sv("/order/id", doc).as_deref(),
            Some(""),
            "the root element is the envelope"
        );
        // Several matches or no own text: the tree decides.
        assert_eq!(sv("//order", doc), None);
        assert_eq!(sv("//*", doc), None);
    }

    #[test]
    fn entities_cdata_and_namespaces() {
        let doc =
            r#"<r xmlns:c="urn:c"><c:n>a &amp; b&#33;<![CDATA[ <x> ]]></c:n><n>plain</n></r>"#;
        assert_eq!(sv("//c:n", doc).as_deref(), Some("a & b! <x>"));
        assert_eq!(sv("//n", doc).as_deref(), Some("plain"));
        let dflt = r#"<r xmlns="urn:d"><n>in-d</n></r>"#;
        assert_eq!(
            sv("//n", dflt).as_deref(),
            Some(""),
            "unprefixed tests match no namespace"
        );
    }

    #[test]
    fn anything_doubtful_goes_to_the_tree() {
        for bad in [
            "<a><b>x</a>",
            "<a>x</a><b/>",
            "<a>&nbsp;</a>",
            "<!DOCTYPE a><a>x</a>",
            "<a x='1' x='2'>x</a>",
            "<p:a>x</p:a>",
            "<a>\u{1}</a>",
            "<a>\u{fffe}</a>",
            "<a>&#xFFFF;</a>",
            "<a b='\u{ffff}'>x</a>",
            "<a><!-- \u{fffe} --></a>",
            "<a><!-- a -- b --></a>",
            "<a>",
            "",
            "text",
            "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body><a>x</a></soapenv:Body></soapenv:Envelope>",
        ] {
            assert_eq!(sv("//a", bad), None, "{bad:?}");
        }
    }
}
