//! Synapse XML elements to [`MediatorSpec`]s, with the position of each element and attribute
//! value.

use std::ops::Range;
use std::path::{Path, PathBuf};

use mediate_core::{MediatorSpec, Namespaces, Position};
use roxmltree::{Node, NodeType};

use crate::Diagnostic;
use crate::write::{escape_attr, escape_text};

/// The Synapse configuration namespace.
pub const SYNAPSE_NS: &str = "http://ws.apache.org/ns/synapse";

/// The `xml` prefix's namespace, in scope everywhere and never declared.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// A file's text with its line starts, to turn byte offsets into 1-based line and column (in
/// characters).
///
/// The text parsed may differ from the file as written: `$SYSTEM:`/`$FILE:` values are replaced
/// before parsing (see [`crate::LoadOptions`]). Then `text` is the text parsed, `original` the
/// file as written, and `edits` say which parts were replaced, so that every position is
/// reported in the file as written (a position inside a replaced value is its start).
#[derive(Debug)]
pub(crate) struct Source<'a> {
    /// The text parsed: offsets from the document are offsets in it.
    pub(crate) text: &'a str,
    pub(crate) file: PathBuf,
    /// The file as written (the same as `text` when nothing was replaced).
    original: &'a str,
    /// The line starts of `original`.
    line_starts: Vec<usize>,
    /// The replaced parts, in order.
    edits: Vec<Edit>,
}

/// One replaced part: `len` bytes at `at` in the text parsed stand for `original_len` bytes at
/// `original_at` in the file as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) at: usize,
    pub(crate) len: usize,
    pub(crate) original_at: usize,
    pub(crate) original_len: usize,
}

impl<'a> Source<'a> {
    pub(crate) fn new(text: &'a str, file: &Path) -> Self {
        Self::edited(text, text, Vec::new(), file)
    }

    /// `text`, made from `original` by `edits` (sorted, not overlapping).
    pub(crate) fn edited(text: &'a str, original: &'a str, edits: Vec<Edit>, file: &Path) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            original
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self {
            text,
            file: file.to_path_buf(),
            original,
            line_starts,
            edits,
        }
    }

    /// The offset in the file as written of byte `offset` of the text parsed.
    fn to_original(&self, offset: usize) -> usize {
        let i = self.edits.partition_point(|e| e.at <= offset);
        let Some(edit) = i.checked_sub(1).and_then(|i| self.edits.get(i)) else {
            return offset;
        };
        if offset < edit.at + edit.len {
            edit.original_at
        } else {
            offset - (edit.at + edit.len) + edit.original_at + edit.original_len
        }
    }

    /// The offset in the text parsed of byte `offset` of the file as written.
    fn to_parsed(&self, offset: usize) -> usize {
        let i = self.edits.partition_point(|e| e.original_at <= offset);
        let Some(edit) = i.checked_sub(1).and_then(|i| self.edits.get(i)) else {
            return offset;
        };
        if offset < edit.original_at + edit.original_len {
            edit.at
        } else {
            offset - (edit.original_at + edit.original_len) + edit.at + edit.len
        }
    }

    /// The position of byte `offset` of the text parsed (clamped to the text, and back to a
    /// char boundary), in the file as written.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let mut offset = self.to_original(offset).min(self.original.len());
        while !self.original.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let column = self
            .original
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        Position::new(to_u32(line), to_u32(column))
    }

    /// The byte offset in the text parsed of `position` (in the file as written), if it is in
    /// the text.
    pub(crate) fn offset(&self, position: Position) -> Option<usize> {
        let start = *self
            .line_starts
            .get(position.line.checked_sub(1)? as usize)?;
        let line = &self.original[start..];
        let skip = position.column.checked_sub(1)? as usize;
        let (i, _) = line
            .char_indices()
            .nth(skip)
            .or_else(|| (line.chars().count() == skip).then_some((line.len(), ' ')))?;
        let offset = self.to_parsed(start + i);
        self.text.is_char_boundary(offset).then_some(offset)
    }

    /// The byte offset in the text parsed of character `n` (from 0) of the attribute value
    /// written at `value` (the byte range between its quotes), counting an entity or character
    /// reference, and a CR LF pair, as the one character it stands for in the value read; the
    /// end of the value when it has exactly `n` characters, `None` when it has fewer.
    pub(crate) fn value_char_offset(&self, value: Range<usize>, n: usize) -> Option<usize> {
        let raw = self.text.get(value.clone())?;
        let mut chars = raw.char_indices().peekable();
        for _ in 0..n {
            match chars.next()? {
                (_, '&') => {
                    for (_, c) in chars.by_ref() {
                        if c == ';' {
                            break;
                        }
                    }
                }
                (_, '\r') => {
                    chars.next_if(|(_, c)| *c == '\n');
                }
                _ => {}
            }
        }
        Some(value.start + chars.peek().map_or(raw.len(), |(i, _)| *i))
    }

    pub(crate) fn diagnostic(&self, position: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.file.clone(), position, message)
    }

    /// Where `node` starts (its `<`).
    pub(crate) fn node_position(&self, node: Node<'_, '_>) -> Position {
        self.position(node.range().start)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether `node` is an element in the Synapse namespace.
pub(crate) fn is_synapse(node: Node<'_, '_>) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(SYNAPSE_NS)
}

/// The element's name as a spec kind: its local name in the Synapse namespace, else
/// `{namespace}local` (or the bare local name without a namespace), so that a foreign element
/// never takes a registered mediator's name.
pub(crate) fn kind_of(node: Node<'_, '_>) -> String {
    let tag = node.tag_name();
    match tag.namespace() {
        Some(SYNAPSE_NS) => tag.name().to_owned(),
        Some(ns) => format!("{{{ns}}}{}", tag.name()),
        None => tag.name().to_owned(),
    }
}

/// How many element levels may nest below an artifact's root element (MI configurations use a
/// few dozen at most). Deeper files are refused before they are parsed, so that nothing that
/// walks an element or a [`MediatorSpec`] tree recursively can run out of stack.
pub(crate) const MAX_DEPTH: usize = 256;

/// How many namespace declarations may be in scope at one element. The XML parser resolves
/// an element's namespaces in time growing with the square of the declarations in scope, so a
/// file declaring thousands of them takes minutes to parse; MI configurations declare a
/// handful.
pub(crate) const MAX_NAMESPACES: usize = 64;

/// How many bytes the specs read from a file may hold, at most, for each byte of the file,
/// beyond [`SPEC_BYTES_FREE`]: each element keeps its content as written and the namespaces in
/// scope (see [`spec_from_element`]), so a file nesting a large value deep inside inline XML
/// would otherwise take its size times its depth.
pub(crate) const SPEC_BYTES_PER_BYTE: usize = 32;

/// The spec bytes any file may take, whatever its size.
pub(crate) const SPEC_BYTES_FREE: usize = 64 * 1024 * 1024;

/// The message for an element nested deeper than [`MAX_DEPTH`].
fn too_deep() -> String {
    format!("elements are nested more than {MAX_DEPTH} deep")
}

/// The first place where `text` goes past [`MAX_DEPTH`] or [`MAX_NAMESPACES`]: the offset of
/// the element's `<` and the problem. A cheap scan of the text, made before parsing it (a
/// well-formed document is scanned exactly; anything else is left to the parser). Depth is
/// counted below the root element, or below its children when the root is a `<definitions>`
/// (each child is an artifact).
pub(crate) fn scan_limits(text: &str) -> Option<(usize, String)> {
    scan_with(text, MAX_DEPTH, MAX_NAMESPACES)
}

/// [`scan_limits`] with the limits given.
fn scan_with(text: &str, max_depth: usize, max_namespaces: usize) -> Option<(usize, String)> {
    let b = text.as_bytes();
    let mut i = 0;
    // The namespace declarations of each open element.
    let mut open: Vec<usize> = Vec::new();
    let mut in_scope = 0usize;
    let mut limit = None;
    while let Some(lt) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        let lt = i + lt;
        let rest = &b[lt..];
        if rest.starts_with(b"<!--") {
            i = skip_past(b, lt + 4, b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = skip_past(b, lt + 9, b"]]>");
        } else if rest.starts_with(b"<?") {
            i = skip_past(b, lt + 2, b"?>");
        } else if rest.starts_with(b"<!") {
            i = skip_past(b, lt + 2, b">");
        } else if rest.starts_with(b"</") {
            in_scope -= open.pop().unwrap_or(0);
            i = lt + 2;
        } else {
            let tag = start_tag(b, lt);
            let limit = *limit.get_or_insert_with(|| {
                let local = tag.name.rsplit(|&c| c == b':').next().unwrap_or_default();
                max_depth + usize::from(local == b"definitions")
            });
            if open.len() > limit {
                return Some((
                    lt,
                    format!("elements are nested more than {max_depth} deep"),
                ));
            }
            if in_scope + tag.declared > max_namespaces {
                return Some((
                    lt,
                    format!(
                        "more than {max_namespaces} namespaces are declared in scope of this \
                         element"
                    ),
                ));
            }
            if !tag.empty {
                open.push(tag.declared);
                in_scope += tag.declared;
            }
            i = tag.end;
        }
    }
    None
}

/// The offset just past the first `end` at or after `from` (the end of `b` when there is none).
fn skip_past(b: &[u8], from: usize, end: &[u8]) -> usize {
    b.get(from..)
        .and_then(|r| r.windows(end.len()).position(|w| w == end))
        .map_or(b.len(), |i| from + i + end.len())
}

/// A start tag as [`scan_limits`] sees it.
struct StartTag<'a> {
    name: &'a [u8],
    /// How many `xmlns`/`xmlns:p` attributes it has.
    declared: usize,
    /// Whether it ends with `/>`.
    empty: bool,
    /// The offset just past its `>`.
    end: usize,
}

/// The start tag whose `<` is at `lt` (quoted attribute values may hold `>`).
fn start_tag(b: &[u8], lt: usize) -> StartTag<'_> {
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let mut i = lt + 1;
    while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = b.get(lt + 1..i).unwrap_or_default();
    let mut declared = 0;
    loop {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        match b.get(i) {
            None => {
                return StartTag {
                    name,
                    declared,
                    empty: false,
                    end: b.len(),
                };
            }
            Some(b'>') => {
                return StartTag {
                    name,
                    declared,
                    empty: false,
                    end: i + 1,
                };
            }
            Some(b'/') => {
                return StartTag {
                    name,
                    declared,
                    empty: true,
                    end: skip_past(b, i, b">"),
                };
            }
            Some(_) => {}
        }
        let start = i;
        while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr = b.get(start..i).unwrap_or_default();
        if attr == b"xmlns" || attr.starts_with(b"xmlns:") {
            declared += 1;
        }
        while i < b.len() && (is_space(b[i]) || b[i] == b'=') {
            i += 1;
        }
        if let Some(&quote) = b.get(i).filter(|&&c| c == b'"' || c == b'\'') {
            i = b
                .get(i + 1..)
                .and_then(|r| r.iter().position(|&c| c == quote))
                .map_or(b.len(), |j| i + 1 + j + 1);
        } else if i == start {
            // Not an attribute (malformed): step over it.
            i += 1;
        }
    }
}

/// The bytes the specs read from the element `node` and everything in it would hold, about:
/// each element's namespaces in scope, and the content as written of each element holding
/// elements (with the namespaces in scope declared on each of its child elements).
pub(crate) fn spec_bytes(node: Node<'_, '_>) -> usize {
    let mut total = 0usize;
    for e in node.descendants().filter(Node::is_element) {
        let namespaces: usize = e
            .namespaces()
            .map(|ns| ns.name().map_or(0, str::len) + ns.uri().len() + 2 * size_of::<String>())
            .sum();
        total = total.saturating_add(namespaces);
        let children = e.children().filter(Node::is_element).count();
        if children > 0 {
            let inner = e.range().len();
            total = total
                .saturating_add(inner)
                .saturating_add(children.saturating_mul(namespaces));
        }
    }
    total
}

/// The problem with a parsed file whose specs would hold more than [`SPEC_BYTES_PER_BYTE`]
/// times its size (beyond [`SPEC_BYTES_FREE`]), at its root element.
pub(crate) fn spec_bytes_problem(source: &Source<'_>, root: Node<'_, '_>) -> Option<Diagnostic> {
    let bytes = spec_bytes(root);
    let allowed = source
        .text
        .len()
        .saturating_mul(SPEC_BYTES_PER_BYTE)
        .saturating_add(SPEC_BYTES_FREE);
    (bytes > allowed).then(|| {
        source.diagnostic(
            source.node_position(root),
            format!(
                "the file's elements would take about {} MiB once read (more than {} MiB): \
                 each element keeps its content as written, so a large value nested deep \
                 inside inline XML is copied once per level; nest it less deeply",
                bytes / (1024 * 1024),
                allowed / (1024 * 1024)
            ),
        )
    })
}

/// Reads a Synapse XML element into a [`MediatorSpec`]:
///
/// - `kind`: the local name for an element in the Synapse namespace (`{namespace}local` for
///   another namespace); `<class name="X">` becomes kind `X`, with its
///   `<property name value/>` children as properties;
/// - `properties`: the attributes in document order, as written (qualified names keep their
///   prefix), each with the position of its value's first character;
/// - `children`: the child elements, read the same way;
/// - `text`: the content as written when the element has any: its text (entities decoded) when
///   it holds no element, else the child elements and text serialized as written, with the
///   namespaces in scope declared on each top-level element: every prefix in scope (content
///   may name them, as `soap11Env:Server` does), and the default namespace when an unprefixed
///   element of the subtree takes it (so an unprefixed element in a Synapse file carries
///   `xmlns="http://ws.apache.org/ns/synapse"`, as MI builds it, and one written `xmlns=""`
///   stays unqualified); comments are left out;
/// - `namespaces`: the prefixes in scope (not the default namespace);
/// - `position`: where the element's `<` is.
///
/// A malformed `<class>` is a [`Diagnostic`].
///
/// ```
/// use std::path::Path;
/// use mediate_config::spec_from_element;
///
/// let xml = r#"<log xmlns="http://ws.apache.org/ns/synapse" level="full"/>"#;
/// let doc = roxmltree::Document::parse(xml).unwrap();
/// let spec = spec_from_element(doc.root_element(), Path::new("a.xml"))?;
/// assert_eq!(spec.kind, "log");
/// assert_eq!(spec.get("level"), Some("full"));
/// assert_eq!(spec.position_of("level").unwrap().to_string(), "1:53");
/// # Ok::<(), mediate_config::Diagnostic>(())
/// ```
pub fn spec_from_element(node: Node<'_, '_>, file: &Path) -> Result<MediatorSpec, Diagnostic> {
    let source = Source::new(node.document().input_text(), file);
    read_element(&source, node)
}

pub(crate) fn read_element(
    source: &Source<'_>,
    node: Node<'_, '_>,
) -> Result<MediatorSpec, Diagnostic> {
    read_nested(source, node, 0)
}

/// [`read_element`] of an element `depth` levels below the first one read.
fn read_nested(
    source: &Source<'_>,
    node: Node<'_, '_>,
    depth: usize,
) -> Result<MediatorSpec, Diagnostic> {
    if depth > MAX_DEPTH {
        return Err(source.diagnostic(source.node_position(node), too_deep()));
    }
    if is_synapse(node) && node.tag_name().name() == "class" {
        return read_class(source, node);
    }
    let mut spec = MediatorSpec::new(kind_of(node)).at(source.node_position(node));
    for attr in node.attributes() {
        let name = source.text.get(attr.range_qname()).unwrap_or(attr.name());
        spec = spec.property_at(
            name,
            attr.value(),
            source.position(attr.range_value().start),
        );
    }
    for child in node.children().filter(Node::is_element) {
        spec.children.push(read_nested(source, child, depth + 1)?);
    }
    spec.text = content(source, node);
    spec.namespaces = namespaces_in_scope(node);
    Ok(spec)
}

/// `<class name="X"><property name="a" value="1"/>…</class>` → kind `X`, properties `a=1`.
fn read_class(source: &Source<'_>, node: Node<'_, '_>) -> Result<MediatorSpec, Diagnostic> {
    let at = source.node_position(node);
    let mut name = None;
    for attr in node.attributes() {
        match attr.name() {
            "name" if attr.namespace().is_none() => name = Some(attr.value()),
            other => {
                return Err(source.diagnostic(
                    source.position(attr.range().start),
                    format!("mediator `class`: unknown attribute `{other}` (only `name`)"),
                ));
            }
        }
    }
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        return Err(source.diagnostic(at, "mediator `class`: missing attribute `name`"));
    };
    let mut spec = MediatorSpec::new(name.trim())
        .at(at)
        .namespaces(namespaces_in_scope(node));
    for child in node.children() {
        match child.node_type() {
            NodeType::Element if is_synapse(child) && child.tag_name().name() == "property" => {
                let (prop, value, position) = class_property(source, child)?;
                spec = spec.property_at(prop, value, position);
            }
            NodeType::Element => {
                return Err(source.diagnostic(
                    source.node_position(child),
                    format!(
                        "mediator `class`: unknown child element `<{}>` (only `<property>`)",
                        child.tag_name().name()
                    ),
                ));
            }
            NodeType::Text if !child.text().unwrap_or_default().trim().is_empty() => {
                return Err(source.diagnostic(
                    source.node_position(child),
                    "mediator `class`: unexpected text content",
                ));
            }
            _ => {}
        }
    }
    Ok(spec)
}

fn class_property(
    source: &Source<'_>,
    node: Node<'_, '_>,
) -> Result<(String, String, Position), Diagnostic> {
    let at = source.node_position(node);
    let mut name = None;
    let mut value = None;
    for attr in node.attributes() {
        match attr.name() {
            "name" => name = Some(attr.value().to_owned()),
            "value" => value = Some((attr.value().to_owned(), attr.range_value().start)),
            "expression" => {
                return Err(source.diagnostic(
                    source.position(attr.range_value().start),
                    "class mediator property: `expression` is not supported yet",
                ));
            }
            other => {
                return Err(source.diagnostic(
                    source.position(attr.range().start),
                    format!(
                        "class mediator property: unknown attribute `{other}` (`name` and `value`)"
                    ),
                ));
            }
        }
    }
    let Some(name) = name else {
        return Err(source.diagnostic(at, "class mediator property: missing attribute `name`"));
    };
    match value {
        Some((v, offset)) => Ok((name, v, source.position(offset))),
        // An inline XML value: the element as written.
        None => match content(source, node) {
            Some(text) if node.children().any(|c| c.is_element()) => {
                Ok((name, text.trim().to_owned(), at))
            }
            _ => Err(source.diagnostic(
                at,
                format!("class mediator property `{name}`: missing attribute `value`"),
            )),
        },
    }
}

/// The prefixes in scope of `node`, without the default namespace and `xml`.
pub(crate) fn namespaces_in_scope(node: Node<'_, '_>) -> Namespaces {
    let mut namespaces = Namespaces::new();
    for ns in node.namespaces() {
        if let Some(prefix) = ns.name()
            && ns.uri() != XML_NS
        {
            namespaces.insert(prefix, ns.uri());
        }
    }
    namespaces
}

/// The element's content as written (see [`spec_from_element`]); `None` when it has none.
pub(crate) fn content(source: &Source<'_>, node: Node<'_, '_>) -> Option<String> {
    if !node.has_children() {
        return None;
    }
    if !node.children().any(|c| c.is_element()) {
        // Text and CDATA, not comments (roxmltree gives a comment's text too).
        let text: String = node
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect();
        return Some(text);
    }
    let mut out = String::new();
    for child in node.children() {
        match child.node_type() {
            NodeType::Element => serialize_element(source, child, &mut out),
            // The decoded text escaped again, not the raw slice: a text node merged from text
            // and CDATA (`x<![CDATA[y]]>z`) has a range covering only its first piece.
            NodeType::Text => escape_text(child.text().unwrap_or_default(), &mut out),
            _ => {}
        }
    }
    Some(out)
}

/// Writes `node` as written, with the namespaces in scope that it does not declare itself
/// declared on its start tag.
fn serialize_element(source: &Source<'_>, node: Node<'_, '_>, out: &mut String) {
    let raw = source.text.get(node.range()).unwrap_or_default();
    let (declared, attrs_end) = declared_namespaces(raw);
    let mut decls = String::new();
    for ns in node.namespaces() {
        if ns.uri() == XML_NS || ns.uri().is_empty() || declared.contains(&ns.name()) {
            continue;
        }
        // The default namespace only when an unprefixed element takes it from outside.
        if ns.name().is_none()
            && !node.descendants().any(|e| {
                e.is_element()
                    && !is_prefixed(source, e)
                    && e.tag_name().namespace() == Some(ns.uri())
            })
        {
            continue;
        }
        match ns.name() {
            Some(prefix) => decls.push_str(&format!(" xmlns:{prefix}=\"")),
            None => decls.push_str(" xmlns=\""),
        }
        escape_attr(ns.uri(), &mut decls);
        decls.push('"');
    }
    // After the element's own attributes and declarations, so that a reader of this text lists
    // the element's namespaces in the order it had: its own, then the inherited ones.
    out.push_str(&raw[..attrs_end]);
    out.push_str(&decls);
    out.push_str(&raw[attrs_end..]);
}

/// Whether the element's name is written with a prefix.
fn is_prefixed(source: &Source<'_>, node: Node<'_, '_>) -> bool {
    let raw = source.text.get(node.range()).unwrap_or_default();
    raw.chars()
        .skip(1)
        .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>')
        .any(|c| c == ':')
}

/// The prefixes (`None` for the default namespace) declared on the start tag that opens `raw`
/// (a well-formed element as written), and the offset just after its last attribute (after its
/// name when it has none).
fn declared_namespaces(raw: &str) -> (Vec<Option<&str>>, usize) {
    let mut declared = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 1;
    // Skip the element name.
    while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
        i += 1;
    }
    let mut end = i;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i >= bytes.len() || matches!(bytes[i], b'/' | b'>') {
            break;
        }
        let name_start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        let name = raw.get(name_start..i).unwrap_or_default();
        while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\'' {
            i += 1;
        }
        let Some(&quote) = bytes.get(i) else { break };
        i += 1;
        while i < bytes.len() && bytes[i] != quote {
            i += 1;
        }
        i += 1;
        end = i.min(raw.len());
        if name == "xmlns" {
            declared.push(None);
        } else if let Some(prefix) = name.strip_prefix("xmlns:") {
            declared.push(Some(prefix));
        }
    }
    (declared, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn positions_count_characters() {
        let s = Source::new("ab\né<x a='1'/>", Path::new("f"));
        assert_eq!(s.position(0), Position::new(1, 1));
        assert_eq!(s.position(3), Position::new(2, 1));
        assert_eq!(s.position(5), Position::new(2, 2));
        assert_eq!(s.offset(Position::new(2, 2)), Some(5));
        assert_eq!(s.offset(Position::new(9, 2)), None);
    }

    #[test]
    fn a_value_counts_an_entity_and_cr_lf_as_one_character() {
        let text = "<a x=\"p&amp;q\r\nr\"/>";
        let s = Source::new(text, Path::new("f"));
        let value = 6..text.rfind('"').unwrap();
        assert_eq!(s.value_char_offset(value.clone(), 0), Some(6));
        // `&amp;` is the one character after `p`.
        assert_eq!(s.value_char_offset(value.clone(), 2), Some(12));
        // CR LF is one character: `r` comes after it.
        assert_eq!(s.value_char_offset(value.clone(), 4), Some(15));
        assert_eq!(s.position(15), Position::new(2, 1));
        // Exactly as many characters as the value has: its end; more: none.
        assert_eq!(s.value_char_offset(value.clone(), 5), Some(value.end));
        assert_eq!(s.value_char_offset(value, 6), None);
        assert_eq!(s.value_char_offset(40..50, 0), None);
    }

    #[test]
    fn positions_map_back_through_edits() {
        // `<a x="$SYSTEM:V"/>` with the value (8 bytes at 6) replaced by `http://h` (also at 6,
        // but 8 → 8 bytes) and then a longer one.
        let original = "<a x=\"$SYSTEM:V\" y='1'/>";
        let text = "<a x=\"http://host/p\" y='1'/>";
        let edit = Edit {
            at: 6,
            len: 13,
            original_at: 6,
            original_len: 9,
        };
        let s = Source::edited(text, original, vec![edit], Path::new("f"));
        // Inside the replaced value: its start.
        assert_eq!(s.position(10), Position::new(1, 7));
        // After it: shifted back.
        let y = text.find("'1'").unwrap() + 1;
        assert_eq!(s.position(y), Position::new(1, 21));
        assert_eq!(s.offset(Position::new(1, 21)), Some(y));
        assert_eq!(s.offset(Position::new(1, 8)), Some(6));
    }

    /// Where a document first goes past `max_depth` levels or `max_namespaces` declarations
    /// in scope, found from the parsed tree.
    fn first_excess(text: &str, max_depth: usize, max_namespaces: usize) -> Option<usize> {
        let doc = roxmltree::Document::parse(text).ok()?;
        doc.descendants().filter(Node::is_element).find_map(|e| {
            let depth = e.ancestors().filter(Node::is_element).count() - 1;
            let declared: usize = e
                .ancestors()
                .filter(Node::is_element)
                .map(|a| {
                    let raw = &text[a.range()];
                    declared_namespaces(raw).0.len()
                })
                .sum();
            (depth > max_depth || declared > max_namespaces).then_some(e.range().start)
        })
    }

    /// A well-formed element of up to `depth` levels, with markup that holds `<`, `>` and
    /// `/>` where they do not start or end elements.
    fn element(depth: u32) -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("<e/>".to_owned()),
            Just("<e a='/>' b=\"x>\"/>".to_owned()),
            Just("<p:e xmlns:p='urn:p'/>".to_owned()),
            Just("text &gt; <!-- <e> --> <![CDATA[<e><e>]]> <?pi <e>?>".to_owned()),
        ];
        leaf.prop_recursive(depth, 64, 4, |inner| {
            (
                prop::collection::vec(inner, 0..4),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(children, ns, spaced)| {
                    let decl = if ns {
                        " xmlns:q='urn:q' xmlns='urn:d'"
                    } else {
                        ""
                    };
                    let sp = if spaced { "\n  " } else { "" };
                    format!("<e{decl}{sp} k=\"v\"{sp}>{}</e{sp}>", children.concat())
                })
        })
    }

    proptest::proptest! {
        // On well-formed documents the scan finds the first element past the limits, as the
        // parsed tree says.
        #[test]
        fn the_scan_agrees_with_the_parser(body in element(8), depth in 1usize..5, ns in 0usize..5) {
            let text = format!("<?xml version='1.0'?><!-- c --><r>{body}</r>");
            let found = scan_with(&text, depth, ns).map(|(at, _)| at);
            proptest::prop_assert_eq!(found, first_excess(&text, depth, ns), "{}", text);
        }

        // It never panics, whatever the text.
        #[test]
        fn the_scan_never_panics(text in "[<>/!?\\[\\]a-z='\" -]{0,80}") {
            let _ = scan_limits(&text);
        }
    }

    #[test]
    fn declared_namespaces_of_a_start_tag() {
        assert_eq!(
            declared_namespaces(r#"<p:a xmlns:p="urn:p" b='>' xmlns=""><x/></p:a>"#),
            (vec![Some("p"), None], 35)
        );
    }
}
