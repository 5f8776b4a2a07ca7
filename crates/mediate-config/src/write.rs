//! Writing Synapse XML: [`XmlWriter`], the small writer every artifact serializer uses, and
//! [`spec_to_xml`] / [`write_spec`], which turn a [`MediatorSpec`] back into the element
//! [`spec_from_element`] reads it from.
//!
//! # Why a hand-written writer
//!
//! roxmltree, which reads the configuration, cannot write. quick-xml's writer could, but
//! Synapse XML needs three things it would have to be worked around for: attribute values
//! whose `\n`, `\t` and `\r` survive a re-read (a reader turns them into spaces, XML 1.0
//! §3.3.3, unless they are written as character references), indentation that stops inside
//! inline content (payloadFactory's `<format>`, where whitespace is data), and knowing which
//! namespace prefixes are in scope where, so that a spec's
//! [`namespaces`](MediatorSpec::namespaces) come back as they were. Those are most of the code
//! here either way, so the writer stands on its own.
//!
//! The rules a spec is written by, and what reads back equal, are on [`spec_to_xml`].

use std::path::Path;

use mediate_core::MediatorSpec;

use crate::{SYNAPSE_NS, spec_from_element};

const INDENT: &str = "    ";

/// A small XML writer for configuration files: 4-space indentation for elements that hold
/// elements, no added whitespace inside inline content, escaping that survives a re-read, and
/// the namespaces in scope tracked as declarations are written.
///
/// An element is opened with [`start`](Self::start), takes attributes with
/// [`attr`](Self::attr) until its content begins, and is closed with [`end`](Self::end) (as
/// `<a/>` when it got no content). Writing [`text`](Self::text) or [`raw`](Self::raw) XML into
/// an element makes its content *inline*: from then on nothing is indented inside it, because
/// whitespace there is data. Misuse does not panic: an attribute after the content has begun,
/// text outside the root element, and an `end` with nothing open are ignored. Names are
/// written as given.
///
/// ```
/// use mediate_config::XmlWriter;
///
/// let mut w = XmlWriter::new();
/// w.start("sequence").attr("xmlns", "http://ws.apache.org/ns/synapse").attr("name", "main");
/// w.start("log").attr("separator", "\n").end();
/// w.start("payloadFactory").start("format").text("{\"a\": \"<$1>\"}").end().end();
/// assert_eq!(
///     w.finish(),
///     r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">
///     <log separator="&#10;"/>
///     <payloadFactory>
///         <format>{"a": "&lt;$1&gt;"}</format>
///     </payloadFactory>
/// </sequence>"#
/// );
/// ```
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    open: Vec<Open>,
    /// The innermost open element's start tag is not closed yet (attributes may follow).
    in_start_tag: bool,
}

/// An element being written.
#[derive(Debug)]
struct Open {
    name: String,
    /// Nothing is indented inside (text or raw XML was written into it, or into an ancestor).
    inline: bool,
    /// An indented child element was written: the end tag goes on a line of its own.
    nested: bool,
    /// The prefixed declarations written on this element, in order.
    own: Vec<String>,
    /// The prefixes in scope, as a reader lists them: own declarations, then inherited ones.
    prefixes: Vec<(String, String)>,
    /// The default namespace in scope (empty for none).
    default: String,
}

impl XmlWriter {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the XML declaration `<?xml version="1.0" encoding="UTF-8"?>`, if nothing has been
    /// written yet.
    pub fn declaration(&mut self) -> &mut Self {
        if self.out.is_empty() {
            self.out
                .push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        }
        self
    }

    /// Opens element `name` (a qualified name, as it is to be written): on a new indented line
    /// unless it is inside inline content.
    pub fn start(&mut self, name: &str) -> &mut Self {
        self.close_start_tag();
        let depth = self.open.len();
        let (inline, prefixes, default) = match self.open.last_mut() {
            Some(parent) => {
                parent.nested |= !parent.inline;
                (
                    parent.inline,
                    parent.prefixes.clone(),
                    parent.default.clone(),
                )
            }
            None => (false, Vec::new(), String::new()),
        };
        if !inline && !self.out.is_empty() {
            self.newline(depth);
        }
        self.out.push('<');
        self.out.push_str(name);
        self.open.push(Open {
            name: name.to_owned(),
            inline,
            nested: false,
            own: Vec::new(),
            prefixes,
            default,
        });
        self.in_start_tag = true;
        self
    }

    /// Adds an attribute to the element just opened, its value escaped so that a reader gets
    /// it back unchanged (`&`, `<`, `"` as entities; tab, line feed and carriage return as
    /// character references). `xmlns` and `xmlns:p` declare namespaces, which the writer
    /// then knows to be in scope. Ignored once the element's content has begun.
    pub fn attr(&mut self, name: &str, value: &str) -> &mut Self {
        if !self.in_start_tag {
            return self;
        }
        let Some(open) = self.open.last_mut() else {
            return self;
        };
        if name == "xmlns" {
            open.default = value.to_owned();
        } else if let Some(prefix) = name.strip_prefix("xmlns:")
            && !open.own.iter().any(|p| p == prefix)
        {
            open.prefixes.retain(|(p, _)| p != prefix);
            open.prefixes
                .insert(open.own.len(), (prefix.to_owned(), value.to_owned()));
            open.own.push(prefix.to_owned());
        }
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_attr(value, &mut self.out);
        self.out.push('"');
        self
    }

    /// Writes `text`, escaped (`&`, `<`, `>`, and carriage return as a character reference),
    /// into the current element, whose content is inline from then on. Empty text writes
    /// nothing; text outside the root element is ignored.
    pub fn text(&mut self, text: &str) -> &mut Self {
        if text.is_empty() || self.open.is_empty() {
            return self;
        }
        self.begin_inline();
        escape_text(text, &mut self.out);
        self
    }

    /// Writes `xml`, already serialized XML content, as is into the current element (whose
    /// content is inline from then on), or at the document level (a comment, a processing
    /// instruction).
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        if xml.is_empty() {
            return self;
        }
        self.begin_inline();
        self.out.push_str(xml);
        self
    }

    /// Closes the current element: `/>` when it got no content, else its end tag (on a line of
    /// its own when it holds indented elements). Ignored when no element is open.
    pub fn end(&mut self) -> &mut Self {
        let Some(open) = self.open.pop() else {
            return self;
        };
        if std::mem::take(&mut self.in_start_tag) {
            self.out.push_str("/>");
            return self;
        }
        if open.nested && !open.inline {
            self.newline(self.open.len());
        }
        self.out.push_str("</");
        self.out.push_str(&open.name);
        self.out.push('>');
        self
    }

    /// Writes the empty element `<name a="v"…/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start(name);
        for (n, v) in attrs {
            self.attr(n, v);
        }
        self.end()
    }

    /// The namespace URI `prefix` is bound to where the writer is, if any.
    pub fn namespace_of(&self, prefix: &str) -> Option<&str> {
        self.open.last().and_then(|o| {
            o.prefixes
                .iter()
                .find(|(p, _)| p == prefix)
                .map(|(_, u)| u.as_str())
        })
    }

    /// The default namespace where the writer is (empty for none).
    pub fn default_namespace(&self) -> &str {
        self.open.last().map_or("", |o| o.default.as_str())
    }

    /// The prefixes in scope where the writer is, as (prefix, URI) in the order a reader lists
    /// them: the innermost element's own declarations first, then the inherited ones.
    pub fn prefixes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.open
            .last()
            .into_iter()
            .flat_map(|o| o.prefixes.iter().map(|(p, u)| (p.as_str(), u.as_str())))
    }

    /// Closes every open element and returns the document.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.out
    }

    fn close_start_tag(&mut self) {
        if std::mem::take(&mut self.in_start_tag) {
            self.out.push('>');
        }
    }

    fn begin_inline(&mut self) {
        self.close_start_tag();
        if let Some(open) = self.open.last_mut() {
            open.inline = true;
        }
    }

    fn newline(&mut self, depth: usize) {
        self.out.push('\n');
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }
}

/// Whether XML 1.0 allows `c` in a document (the `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `value` escaped for a double-quoted attribute: `&`, `<` and `"` as entities, and
/// tab, line feed and carriage return as character references, so that a reader's attribute
/// value normalization gives `value` back; a character XML does not allow becomes U+FFFD.
pub(crate) fn escape_attr(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
}

/// Appends `text` escaped as character data: `&`, `<` and `>` as entities, and carriage return
/// as a character reference (a reader would turn a written CR LF into LF); a character XML does
/// not allow becomes U+FFFD.
pub(crate) fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
}

/// Writes `spec` as Synapse XML: the element [`spec_from_element`] reads it from.
///
/// # How a spec is written
///
/// - The element's name: a kind that looks like a Java class name (it contains a `.`, and the
///   spec has no children and no text, as a class mediator read from XML never has) becomes
///   `<class name="kind">` with one `<property name value/>` per property; `{uri}local`
///   becomes `local` in namespace `uri` (with a prefix bound to `uri` in the spec's
///   namespaces, else with a default-namespace declaration); any other kind becomes an
///   element of that name in the Synapse namespace. The first element written declares
///   `xmlns="http://ws.apache.org/ns/synapse"`.
/// - Attributes: the properties, in order.
/// - Namespace declarations: none when the spec's namespaces are those already in scope, in
///   the same order; otherwise all of them, and the default namespace again. A reader lists
///   an element's own declarations first, then the inherited ones, and when it serializes an
///   element into its parent's text it adds the in-scope declarations the element lacks: an
///   element that declares everything in scope lacks none, so its namespaces come back in the
///   same order whether it is read directly or from its parent's text.
/// - Content, by what the spec holds:
///
/// | children | text | written as |
/// | --- | --- | --- |
/// | none | none | an empty element `<log/>` |
/// | none | some | the text, escaped (an empty text as `<![CDATA[]]>`, so it stays empty text) |
/// | some | none | the children, each written by these rules, indented |
/// | some | some, consistent | the text as is: it already is serialized XML |
/// | some | some, not consistent | the children, as if there were no text |
///
///   A text is *consistent* with the children when reading it back in the element's place
///   (with the namespaces in scope there) gives the same children and the same text: the
///   writer checks this by reading it, so the rule holds exactly rather than by guess. So
///   inline content (payloadFactory's `<format>`, enrich's inline `<source>`, makefault's
///   `<detail>`) and the layout of a spec read from a file come back character for character.
///   When the text's unprefixed elements are in no namespace (a spec read from a document
///   without `xmlns`), the element is written with no default namespace in scope
///   (`xmlns=""` where one was) so that they stay so.
///
/// # What comes back equal
///
/// For a spec `s` that [`spec_from_element`] returns, reading `spec_to_xml(&s)` gives a spec
/// equal to `s` (positions are not compared).
///
/// For a spec built in code, the re-read spec has the same kind, properties, children and
/// namespaces, and where the spec had children but no text the re-read one has a text: the
/// indentation and the serialized children, which no structural element reads. A spec read
/// back once then comes back exactly, as the same XML.
///
/// What XML cannot carry, and so never comes back as it was: a kind `class` (that element is
/// a class mediator), a kind with surrounding whitespace, a `{}local` kind; names that are not
/// XML names (written as given: the output is then not well-formed); two properties of the
/// same name on an element; a property named `xmlns` or `xmlns:…` (a declaration, not an
/// attribute: left out) or with an unbound prefix; namespaces that leave out a prefix of the
/// parent's (XML cannot undeclare a prefix) or bind `xml`/`xmlns` (left out); characters XML
/// 1.0 does not allow (controls other than tab, line feed and carriage return, U+FFFE, U+FFFF),
/// written as U+FFFD; and a text that is not consistent with the spec's children (dropped).
///
/// # Example
///
/// ```
/// use mediate_config::spec_to_xml;
/// use mediate_core::MediatorSpec;
///
/// let filter = MediatorSpec::new("filter")
///     .property("xpath", "//order[@total > 100 and @vip = \"yes\"]")
///     .child(MediatorSpec::new("then").child(MediatorSpec::new("com.acme.Audit").property("level", "3")))
///     .child(MediatorSpec::new("else").child(MediatorSpec::new("drop")));
/// assert_eq!(
///     spec_to_xml(&filter),
///     r#"<filter xmlns="http://ws.apache.org/ns/synapse" xpath="//order[@total > 100 and @vip = &quot;yes&quot;]">
///     <then>
///         <class name="com.acme.Audit">
///             <property name="level" value="3"/>
///         </class>
///     </then>
///     <else>
///         <drop/>
///     </else>
/// </filter>"#
/// );
/// ```
pub fn spec_to_xml(spec: &MediatorSpec) -> String {
    let mut w = XmlWriter::new();
    write_spec(&mut w, spec);
    w.finish()
}

/// Writes `spec` where `w` is, by the rules of [`spec_to_xml`]: the serializers of whole
/// artifacts use it for each mediator.
///
/// ```
/// use mediate_config::{XmlWriter, write_spec};
/// use mediate_core::MediatorSpec;
///
/// let mut w = XmlWriter::new();
/// w.start("sequence").attr("xmlns", "http://ws.apache.org/ns/synapse").attr("name", "s");
/// write_spec(&mut w, &MediatorSpec::new("log").property("level", "full"));
/// assert_eq!(
///     w.finish(),
///     "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"s\">\n    <log level=\"full\"/>\n</sequence>"
/// );
/// ```
pub fn write_spec(w: &mut XmlWriter, spec: &MediatorSpec) {
    let inherited: Vec<(String, String)> = w
        .prefixes()
        .map(|(p, u)| (p.to_owned(), u.to_owned()))
        .collect();
    let wanted: Vec<(&str, &str)> = spec
        .namespaces
        .iter()
        .filter(|(p, _)| !p.is_empty() && *p != "xml" && *p != "xmlns")
        .collect();
    let declare = !wanted
        .iter()
        .copied()
        .eq(inherited.iter().map(|(p, u)| (p.as_str(), u.as_str())));
    let scope: Vec<(String, String)> = if declare {
        let own = wanted
            .iter()
            .map(|(p, u)| ((*p).to_owned(), (*u).to_owned()));
        let kept = inherited
            .iter()
            .filter(|(p, _)| !wanted.iter().any(|(w, _)| w == p))
            .cloned();
        own.chain(kept).collect()
    } else {
        inherited
    };
    let outer_default = w.default_namespace().to_owned();
    // An element that declares prefixes declares everything in scope, the default namespace
    // too: then the text a reader makes of it adds no declaration, and keeps their order.
    let declare_all = |w: &mut XmlWriter, layout: &Layout| {
        w.start(&layout.qname);
        let default = match &layout.default_declaration {
            Some(uri) => Some(uri.as_str()),
            None if declare && !layout.inner_default.is_empty() => Some(&*layout.inner_default),
            None => None,
        };
        if let Some(uri) = default {
            w.attr("xmlns", uri);
        }
        if declare {
            for (p, u) in &wanted {
                w.attr(&format!("xmlns:{p}"), u);
            }
        }
    };

    if is_class_form(spec) {
        declare_all(
            w,
            &Layout::natural(&Name::Synapse("class"), &scope, &outer_default),
        );
        w.attr("name", &spec.kind);
        for (name, value) in &spec.properties {
            w.empty("property", &[("name", name), ("value", value)]);
        }
        w.end();
        return;
    }

    let name = Name::of(&spec.kind);
    let natural = Layout::natural(&name, &scope, &outer_default);
    let (layout, content) = match (&spec.text, spec.children.is_empty()) {
        (None, true) => (natural, Content::Empty),
        (Some(text), true) => (natural, Content::Text(text)),
        (None, false) => (natural, Content::Children),
        (Some(text), false) => {
            if reads_back(text, &scope, &natural.inner_default, spec) {
                (natural, Content::Raw(text))
            } else if let Some(bare) = Layout::without_default(&name, &scope, &outer_default)
                .filter(|_| reads_back(text, &scope, "", spec))
            {
                (bare, Content::Raw(text))
            } else {
                (natural, Content::Children)
            }
        }
    };
    declare_all(w, &layout);
    for (name, value) in &spec.properties {
        if name != "xmlns" && !name.starts_with("xmlns:") {
            w.attr(name, value);
        }
    }
    match content {
        Content::Empty => {}
        Content::Text("") => {
            w.raw("<![CDATA[]]>");
        }
        Content::Text(text) => {
            w.text(text);
        }
        Content::Raw(xml) => {
            w.raw(xml);
        }
        Content::Children => {
            for child in &spec.children {
                write_spec(w, child);
            }
        }
    }
    w.end();
}

/// What goes inside an element.
enum Content<'a> {
    Empty,
    Text(&'a str),
    Raw(&'a str),
    Children,
}

/// A class mediator read from XML has no children and no text, and its kind is a class name.
fn is_class_form(spec: &MediatorSpec) -> bool {
    !spec.kind.starts_with('{')
        && spec.kind.contains('.')
        && spec.children.is_empty()
        && spec.text.is_none()
}

/// A spec kind as an element name.
enum Name<'a> {
    /// A bare kind: an element in the Synapse namespace (or in none).
    Synapse(&'a str),
    /// `{uri}local`.
    Foreign { uri: &'a str, local: &'a str },
}

impl<'a> Name<'a> {
    fn of(kind: &'a str) -> Self {
        kind.strip_prefix('{')
            .and_then(|rest| rest.split_once('}'))
            .map_or(Name::Synapse(kind), |(uri, local)| Name::Foreign {
                uri,
                local,
            })
    }
}

/// How an element is written: its qualified name, the default-namespace declaration it needs,
/// and the default namespace in scope inside it.
struct Layout {
    qname: String,
    default_declaration: Option<String>,
    inner_default: String,
}

impl Layout {
    /// `name` where the prefixes `scope` and the default namespace `outer` are in scope: a bare
    /// kind in the Synapse namespace, a foreign one with its prefix if one is bound, else as
    /// the default namespace.
    fn natural(name: &Name<'_>, scope: &[(String, String)], outer: &str) -> Self {
        match *name {
            Name::Synapse(local) => Self::with_default(local.to_owned(), outer, SYNAPSE_NS),
            Name::Foreign { uri, local } => match prefixed(scope, uri, local) {
                Some(qname) => Self::with_default(qname, outer, outer),
                None => Self::with_default(local.to_owned(), outer, uri),
            },
        }
    }

    /// `name` with no default namespace in scope inside it, if it can be written so: a bare
    /// kind in no namespace, a foreign one only with a bound prefix.
    fn without_default(name: &Name<'_>, scope: &[(String, String)], outer: &str) -> Option<Self> {
        let qname = match *name {
            Name::Synapse(local) => local.to_owned(),
            Name::Foreign { uri, local } => prefixed(scope, uri, local)?,
        };
        Some(Self::with_default(qname, outer, ""))
    }

    fn with_default(qname: String, outer: &str, inner: &str) -> Self {
        Layout {
            qname,
            default_declaration: (outer != inner).then(|| inner.to_owned()),
            inner_default: inner.to_owned(),
        }
    }
}

/// `prefix:local` with a prefix bound to `uri` in `scope`.
fn prefixed(scope: &[(String, String)], uri: &str, local: &str) -> Option<String> {
    scope
        .iter()
        .find(|(_, u)| u == uri && !uri.is_empty())
        .map(|(p, _)| format!("{p}:{local}"))
}

/// Whether `text`, written as is inside an element where the prefixes `scope` and the default
/// namespace `default` are in scope, reads back as `spec`'s children and the same text.
fn reads_back(text: &str, scope: &[(String, String)], default: &str, spec: &MediatorSpec) -> bool {
    let mut w = XmlWriter::new();
    w.start("w");
    if !default.is_empty() {
        w.attr("xmlns", default);
    }
    for (p, u) in scope {
        w.attr(&format!("xmlns:{p}"), u);
    }
    w.raw(text);
    let xml = w.finish();
    let Ok(doc) = roxmltree::Document::parse(&xml) else {
        return false;
    };
    spec_from_element(doc.root_element(), Path::new(""))
        .is_ok_and(|read| read.children == spec.children && read.text.as_deref() == Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(value: &str) -> String {
        let mut out = String::new();
        escape_attr(value, &mut out);
        out
    }

    fn text(value: &str) -> String {
        let mut out = String::new();
        escape_text(value, &mut out);
        out
    }

    #[test]
    fn attribute_values_escape_what_a_reader_would_change() {
        assert_eq!(attr(r#"a&b<c>"d'"#), "a&amp;b&lt;c>&quot;d'");
        assert_eq!(attr("1\t2\n3\r4\r\n"), "1&#9;2&#10;3&#13;4&#13;&#10;");
        assert_eq!(attr("é€𝄞 $ctx:x"), "é€𝄞 $ctx:x");
        assert_eq!(attr("a\u{1}b\u{FFFF}"), "a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn text_escapes_markup_and_carriage_returns() {
        assert_eq!(text("<a>&amp; ]]> \"'"), "&lt;a&gt;&amp;amp; ]]&gt; \"'");
        assert_eq!(text("1\r\n2\t3\n"), "1&#13;\n2\t3\n");
        assert_eq!(text("\u{0}x"), "\u{FFFD}x");
    }

    #[test]
    fn escaped_values_read_back_unchanged() {
        let value = "a&b<c>\"d' \t\n\r\n  é𝄞 ]]>";
        let mut w = XmlWriter::new();
        w.start("a").attr("v", value).text(value);
        let xml = w.finish();
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        assert_eq!(doc.root_element().attribute("v"), Some(value));
        assert_eq!(doc.root_element().text(), Some(value));
    }

    #[test]
    fn indentation_stops_inside_inline_content() {
        let mut w = XmlWriter::new();
        w.declaration().start("a");
        w.start("b").start("c").end().end();
        w.start("f")
            .text(" x ")
            .start("y")
            .start("z")
            .end()
            .end()
            .raw("<q/>")
            .end();
        w.start("e").end();
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\n    <b>\n        <c/>\n    </b>\n    <f> x <y><z/></y><q/></f>\n    <e/>\n</a>"
        );
    }

    #[test]
    fn misuse_is_ignored_and_finish_closes_everything() {
        let mut w = XmlWriter::new();
        w.end()
            .text("outside")
            .start("a")
            .text("t")
            .attr("late", "1");
        w.start("b");
        assert_eq!(w.finish(), "<a>t<b/></a>");
    }

    #[test]
    fn declarations_are_tracked_in_reader_order() {
        let mut w = XmlWriter::new();
        w.start("a")
            .attr("xmlns:p", "urn:p")
            .attr("xmlns:q", "urn:q");
        w.start("b")
            .attr("xmlns", "urn:d")
            .attr("xmlns:r", "urn:r")
            .attr("xmlns:p", "urn:p2");
        assert_eq!(
            w.prefixes().collect::<Vec<_>>(),
            [("r", "urn:r"), ("p", "urn:p2"), ("q", "urn:q")]
        );
        assert_eq!(w.default_namespace(), "urn:d");
        assert_eq!(w.namespace_of("p"), Some("urn:p2"));
        w.end();
        assert_eq!(w.namespace_of("p"), Some("urn:p"));
        assert_eq!(w.default_namespace(), "");
        assert_eq!(w.namespace_of("r"), None);
    }

    #[test]
    fn foreign_kinds_use_a_bound_prefix_or_a_default_declaration() {
        let mut ns = mediate_core::Namespaces::new();
        ns.insert("m", "urn:m");
        let spec = MediatorSpec::new("sequence")
            .namespaces(ns.clone())
            .child(MediatorSpec::new("{urn:m}a").namespaces(ns.clone()))
            .child(
                MediatorSpec::new("{urn:x}b")
                    .namespaces(ns.clone())
                    .child(MediatorSpec::new("log").namespaces(ns)),
            );
        assert_eq!(
            spec_to_xml(&spec),
            "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" xmlns:m=\"urn:m\">\n    <m:a/>\n    <b xmlns=\"urn:x\">\n        <log xmlns=\"http://ws.apache.org/ns/synapse\"/>\n    </b>\n</sequence>"
        );
    }

    #[test]
    fn empty_text_stays_empty_text() {
        let spec = MediatorSpec::new("format").text("");
        assert_eq!(
            spec_to_xml(&spec),
            "<format xmlns=\"http://ws.apache.org/ns/synapse\"><![CDATA[]]></format>"
        );
    }

    #[test]
    fn inconsistent_text_gives_way_to_the_children() {
        let spec = MediatorSpec::new("then")
            .text("not the children")
            .child(MediatorSpec::new("drop"));
        assert_eq!(
            spec_to_xml(&spec),
            "<then xmlns=\"http://ws.apache.org/ns/synapse\">\n    <drop/>\n</then>"
        );
    }
}
