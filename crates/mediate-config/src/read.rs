//! [`Reader`]: what every artifact reader uses to walk one file's elements while collecting
//! every problem as a located [`Diagnostic`] (never stopping at the first).

use std::str::FromStr;
use std::sync::Arc;

use mediate_core::{BuildError, MediatorSpec, Position, Registry};
use roxmltree::{Node, NodeType};

use crate::element::{Source, is_synapse, kind_of, read_element};
use crate::{Diagnostic, Diagnostics};

/// One file being read: its text (for positions) and the problems found so far.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    pub(crate) source: Source<'a>,
    pub(crate) diags: Diagnostics,
    /// The file, shared by every artifact read from it.
    pub(crate) file: Arc<std::path::Path>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(source: Source<'a>) -> Self {
        let file = Arc::from(source.file.as_path());
        Self {
            source,
            diags: Diagnostics::new(),
            file,
        }
    }

    /// How many problems have been found so far (to tell whether a part added any).
    pub(crate) fn error_count(&self) -> usize {
        self.diags.len()
    }

    /// Where `node` starts (its `<`).
    pub(crate) fn at(&self, node: Node<'_, '_>) -> Position {
        self.source.node_position(node)
    }

    /// Where the value of `node`'s attribute `name` starts, else where `node` starts.
    pub(crate) fn attr_at(&self, node: Node<'_, '_>, name: &str) -> Position {
        node.attribute_node(name).map_or(self.at(node), |a| {
            self.source.position(a.range_value().start)
        })
    }

    /// Records a problem at `position`.
    pub(crate) fn error(&mut self, position: Position, message: impl Into<String>) {
        let d = self.source.diagnostic(position, message);
        self.diags.push(d);
    }

    /// Records a problem at `node`'s start.
    pub(crate) fn error_at(&mut self, node: Node<'_, '_>, message: impl Into<String>) {
        self.error(self.at(node), message);
    }

    /// Records a problem at the value of `node`'s attribute `name`.
    pub(crate) fn error_at_attr(
        &mut self,
        node: Node<'_, '_>,
        name: &str,
        message: impl Into<String>,
    ) {
        self.error(self.attr_at(node, name), message);
    }

    /// Refuses the attributes of `node` not in `known` (namespace-qualified ones included),
    /// each as `` `<api>`: unknown attribute `contxt` (expected `name`, `context`, …); did you
    /// mean `context`? `` (the words a mediator uses for its own unknown attribute).
    pub(crate) fn check_attributes(&mut self, node: Node<'_, '_>, known: &[&str]) {
        let element = node.tag_name().name();
        for attr in node.attributes() {
            if attr.namespace().is_none() && known.contains(&attr.name()) {
                continue;
            }
            let name = self
                .source
                .text
                .get(attr.range_qname())
                .unwrap_or(attr.name());
            let message = if known.is_empty() {
                format!(
                    "`<{element}>`: unknown attribute `{name}` (`<{element}>` takes no attributes)"
                )
            } else {
                let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                format!(
                    "`<{element}>`: unknown attribute `{name}` (expected {}){}",
                    expected.join(", "),
                    did_you_mean(name, known.iter().copied())
                )
            };
            self.error(self.source.position(attr.range().start), message);
        }
    }

    /// The attribute `name`, trimmed, when present and not blank; a blank one is a problem.
    pub(crate) fn optional<'n>(&mut self, node: Node<'n, '_>, name: &str) -> Option<&'n str> {
        let value = node.attribute(name)?;
        if value.trim().is_empty() {
            self.error_at_attr(
                node,
                name,
                format!(
                    "`<{}>`: attribute `{name}` is empty",
                    node.tag_name().name()
                ),
            );
            return None;
        }
        Some(value.trim())
    }

    /// The attribute `name`, trimmed; missing or blank is a problem.
    pub(crate) fn required<'n>(&mut self, node: Node<'n, '_>, name: &str) -> Option<&'n str> {
        if node.attribute(name).is_none() {
            self.error_at(
                node,
                format!("`<{}>`: missing attribute `{name}`", node.tag_name().name()),
            );
            return None;
        }
        self.optional(node, name)
    }

    /// The attribute `name` parsed with [`FromStr`]; a value that does not parse is a problem at
    /// the value, naming what was expected.
    pub(crate) fn parse<T>(&mut self, node: Node<'_, '_>, name: &str, expected: &str) -> Option<T>
    where
        T: FromStr,
    {
        let value = self.optional(node, name)?;
        match value.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.error_at_attr(
                    node,
                    name,
                    format!(
                        "`<{}>`: attribute `{name}` is `{value}`, expected {expected}",
                        node.tag_name().name()
                    ),
                );
                None
            }
        }
    }

    /// A `true`/`false` attribute (Synapse reads them case-insensitively).
    pub(crate) fn boolean(&mut self, node: Node<'_, '_>, name: &str) -> Option<bool> {
        let value = self.optional(node, name)?;
        match value.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.error_at_attr(
                    node,
                    name,
                    format!(
                        "`<{}>`: attribute `{name}` is `{value}`, expected `true` or `false`",
                        node.tag_name().name()
                    ),
                );
                None
            }
        }
    }

    /// One of `choices` (exactly as written); anything else is a problem with a "did you mean".
    pub(crate) fn choice<'c>(
        &mut self,
        node: Node<'_, '_>,
        name: &str,
        choices: &[&'c str],
    ) -> Option<&'c str> {
        let value = self.optional(node, name)?;
        if let Some(c) = choices.iter().find(|c| **c == value) {
            return Some(c);
        }
        let list = choices
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.error_at_attr(
            node,
            name,
            format!(
                "`<{}>`: attribute `{name}` is `{value}`, expected one of {list}{}",
                node.tag_name().name(),
                did_you_mean(value, choices.iter().copied())
            ),
        );
        None
    }

    /// The child elements of `node`: an element outside the Synapse namespace or text content
    /// is a problem (comments and whitespace are fine).
    pub(crate) fn elements<'n, 'i>(&mut self, node: Node<'n, 'i>) -> Vec<Node<'n, 'i>> {
        let mut out = Vec::new();
        for child in node.children() {
            match child.node_type() {
                NodeType::Element if is_synapse(child) => out.push(child),
                NodeType::Element => self.error_at(
                    child,
                    format!(
                        "`<{}>` is not allowed in `<{}>`: it is not in the Synapse namespace",
                        kind_of(child),
                        node.tag_name().name()
                    ),
                ),
                NodeType::Text => self.refuse_text(node, child),
                _ => {}
            }
        }
        out
    }

    /// Reports `text`, a text child of `node`, unless it is whitespace: structural elements
    /// hold no text.
    fn refuse_text(&mut self, node: Node<'_, '_>, text: Node<'_, '_>) {
        if !text.text().unwrap_or_default().trim().is_empty() {
            self.error_at(
                text,
                format!("`<{}>`: unexpected text content", node.tag_name().name()),
            );
        }
    }

    /// Reports `child` as an element `<parent>` does not allow, with a "did you mean" among
    /// `known`.
    pub(crate) fn unknown_element(
        &mut self,
        parent: Node<'_, '_>,
        child: Node<'_, '_>,
        known: &[&str],
    ) {
        let name = child.tag_name().name();
        let message = format!(
            "`<{}>`: unknown element `<{name}>`{}",
            parent.tag_name().name(),
            did_you_mean(name, known.iter().copied())
        );
        self.error_at(child, message);
    }

    /// The element as a [`MediatorSpec`] (a malformed `<class>` is a problem).
    pub(crate) fn spec(&mut self, node: Node<'_, '_>) -> Option<MediatorSpec> {
        match read_element(&self.source, node) {
            Ok(spec) => Some(spec),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// The mediators among `node`'s children, as specs, each built once through `registry` to
    /// validate it: every faulty one is reported (at the faulty attribute's value, an
    /// expression error at its column). Children named in `skip` are left to the caller.
    pub(crate) fn mediators(
        &mut self,
        node: Node<'_, '_>,
        registry: &Registry,
        skip: &[&str],
    ) -> Vec<MediatorSpec> {
        let mut out = Vec::new();
        for child in node.children() {
            match child.node_type() {
                NodeType::Element
                    if is_synapse(child) && skip.contains(&child.tag_name().name()) => {}
                NodeType::Element if !is_synapse(child) => self.error_at(
                    child,
                    format!(
                        "`<{}>` is not a mediator: it is not in the Synapse namespace",
                        kind_of(child)
                    ),
                ),
                NodeType::Element => {
                    if let Some(spec) = self.spec(child) {
                        self.validate(&spec, registry);
                        out.push(spec);
                    }
                }
                NodeType::Text => self.refuse_text(node, child),
                _ => {}
            }
        }
        out
    }

    /// Builds `spec` through `registry` to find its problems.
    pub(crate) fn validate(&mut self, spec: &MediatorSpec, registry: &Registry) {
        if let Err(e) = registry.build(spec) {
            let d = build_diagnostic(&self.source, &e, spec.position);
            self.diags.push(d);
        }
    }

    /// The problems found, or `value` when there are none.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Diagnostics> {
        self.diags.into_result(value)
    }
}

/// A [`BuildError`] as a diagnostic: at its position (for an expression error inside an
/// attribute, at the expression's column), else at `fallback`.
pub(crate) fn build_diagnostic(
    source: &Source<'_>,
    error: &BuildError,
    fallback: Option<Position>,
) -> Diagnostic {
    let inner = error.without_position();
    let position = match error.position() {
        Some(position) => refine(source, position, inner),
        None => fallback.unwrap_or(Position::new(1, 1)),
    };
    source.diagnostic(position, inner.to_string())
}

/// For an expression compile error (`invalid <lang> at column N: …`) located at an attribute
/// value, the position of the value's N-th character (counting an entity as the one character
/// it stands for); any other error keeps `position`.
fn refine(source: &Source<'_>, position: Position, error: &BuildError) -> Position {
    let (BuildError::InvalidProperty { reason, .. } | BuildError::InvalidElement { reason, .. }) =
        error
    else {
        return position;
    };
    let Some(column) = expression_column(reason) else {
        return position;
    };
    let Some(offset) = source.offset(position) else {
        return position;
    };
    // Only at an attribute value: the character before is its opening quote, and the value
    // runs to the next one.
    let Some(quote @ ('"' | '\'')) = source.text.get(..offset).and_then(|s| s.chars().last())
    else {
        return position;
    };
    let Some(len) = source.text.get(offset..).and_then(|rest| rest.find(quote)) else {
        return position;
    };
    let skip = usize::try_from(column - 1).unwrap_or(usize::MAX);
    source
        .value_char_offset(offset..offset + len, skip)
        .map_or(position, |at| source.position(at))
}

/// The column inside the attribute value an error reason names: N in an expression's
/// "invalid <lang> at column N: …", or a regex's "… in `pattern` at column N" (the reason
/// ends there).
fn expression_column(reason: &str) -> Option<u32> {
    let digits: String = if let Some(rest) = reason.strip_prefix("invalid ") {
        let (_, after) = rest.split_once(" at column ")?;
        after.chars().take_while(char::is_ascii_digit).collect()
    } else {
        let (_, after) = reason.rsplit_once(" at column ")?;
        if after.is_empty() || !after.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        after.to_owned()
    };
    digits.parse().ok().filter(|&n| n >= 1)
}

/// The items of a list attribute's value split on any of `separators` (`binds-to="a, b"` on
/// `,`, `transports="http https"` on space and `,`): each trimmed of whitespace, empty ones
/// left out, with the character index in `value` where it starts (for
/// [`Source::value_char_offset`]).
pub(crate) fn list_items<'v>(value: &'v str, separators: &[char]) -> Vec<(usize, &'v str)> {
    let mut out = Vec::new();
    let mut index = 0;
    for item in value.split(separators) {
        let lead = item.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = item.trim();
        if !trimmed.is_empty() {
            out.push((index + lead, trimmed));
        }
        // The item and the one-character separator after it.
        index += item.chars().count() + 1;
    }
    out
}

/// `; did you mean `<x>`?` for the closest of `candidates` to `name`, or nothing (see
/// [`mediate_core::suggestions`] for what is close).
pub(crate) use mediate_core::did_you_mean;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_are_trimmed_and_keep_their_character_index() {
        assert_eq!(
            list_items("a, b ,,c", &[',']),
            [(0, "a"), (3, "b"), (7, "c")]
        );
        assert_eq!(list_items("é, b c", &[',']), [(0, "é"), (3, "b c")]);
        assert_eq!(
            list_items("http  https,jms", &[' ', ',']),
            [(0, "http"), (6, "https"), (12, "jms")]
        );
        assert!(list_items(" , ", &[',']).is_empty());
    }

    #[test]
    fn expression_column_parsing() {
        assert_eq!(expression_column("invalid XPath at column 5: x"), Some(5));
        assert_eq!(
            expression_column("invalid JSONPath at column 12: y"),
            Some(12)
        );
        assert_eq!(expression_column("expected set or remove"), None);
        assert_eq!(expression_column("invalid XPath at column 0: x"), None);
        assert_eq!(expression_column("invalid XPath at column x: x"), None);
        // Java regex errors end with the column in the pattern.
        assert_eq!(
            expression_column("unclosed group in `ab(c` at column 5"),
            Some(5)
        );
        assert_eq!(expression_column("unclosed group at column 5 here"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("sequnce", ["sequence", "api"].into_iter()),
            "; did you mean `sequence`?"
        );
        assert_eq!(did_you_mean("zzzzzz", ["sequence", "api"].into_iter()), "");
    }

    #[test]
    fn unknown_attributes_name_the_element_and_what_it_takes() {
        let xml = r#"<a b="1" xmlns:x="urn:x" x:c="2"/>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let mut r = Reader::new(Source::new(xml, std::path::Path::new("a.xml")));
        r.check_attributes(doc.root_element(), &[]);
        assert_eq!(
            r.finish(()).unwrap_err().to_string(),
            "a.xml:1:4: `<a>`: unknown attribute `b` (`<a>` takes no attributes)\n\
             a.xml:1:26: `<a>`: unknown attribute `x:c` (`<a>` takes no attributes)"
        );
    }

    #[test]
    fn reader_collects_every_problem() {
        let xml = r#"<api xmlns="http://ws.apache.org/ns/synapse" contxt="/a" port="x" trace="maybe"><foo/></api>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let root = doc.root_element();
        let mut r = Reader::new(Source::new(xml, std::path::Path::new("a.xml")));
        r.check_attributes(root, &["context", "port", "trace"]);
        assert_eq!(r.required(root, "context"), None);
        assert_eq!(r.parse::<u16>(root, "port", "a port number"), None);
        assert_eq!(r.boolean(root, "trace"), None);
        for child in r.elements(root) {
            r.unknown_element(root, child, &["resource"]);
        }
        let text = r.finish(()).unwrap_err().to_string();
        assert_eq!(
            text,
            "a.xml:1:1: `<api>`: missing attribute `context`\n\
             a.xml:1:46: `<api>`: unknown attribute `contxt` (expected `context`, `port`, `trace`); did you mean `context`?\n\
             a.xml:1:64: `<api>`: attribute `port` is `x`, expected a port number\n\
             a.xml:1:74: `<api>`: attribute `trace` is `maybe`, expected `true` or `false`\n\
             a.xml:1:81: `<api>`: unknown element `<foo>`"
        );
    }
}
