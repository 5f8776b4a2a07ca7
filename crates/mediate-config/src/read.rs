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
    /// each with a "did you mean".
    pub(crate) fn check_attributes(&mut self, node: Node<'_, '_>, known: &[&str]) {
        for attr in node.attributes() {
            if attr.namespace().is_none() && known.contains(&attr.name()) {
                continue;
            }
            let name = self
                .source
                .text
                .get(attr.range_qname())
                .unwrap_or(attr.name());
            let message = format!(
                "`<{}>`: unknown attribute `{name}`{}",
                node.tag_name().name(),
                did_you_mean(name, known.iter().copied())
            );
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
                NodeType::Text if !child.text().unwrap_or_default().trim().is_empty() => self
                    .error_at(
                        child,
                        format!("`<{}>`: unexpected text content", node.tag_name().name()),
                    ),
                _ => {}
            }
        }
        out
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
                NodeType::Text if !child.text().unwrap_or_default().trim().is_empty() => self
                    .error_at(
                        child,
                        format!("`<{}>`: unexpected text content", node.tag_name().name()),
                    ),
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
    // Only at an attribute value: the character before is its opening quote.
    if !matches!(
        source.text.get(..offset).and_then(|s| s.chars().last()),
        Some('"' | '\'')
    ) {
        return position;
    }
    let quote = source.text[..offset].chars().last().unwrap_or('"');
    let mut rest = source.text[offset..].chars();
    let (mut line, mut col) = (position.line, position.column);
    for _ in 1..column {
        match rest.next() {
            None => return position,
            Some(c) if c == quote => return position,
            Some('\n') => {
                line += 1;
                col = 1;
            }
            Some('&') => {
                col += 1;
                for c in rest.by_ref() {
                    col += 1;
                    if c == ';' {
                        break;
                    }
                }
            }
            Some(_) => col += 1,
        }
    }
    Position::new(line, col)
}

/// N in "invalid <lang> at column N: …".
fn expression_column(reason: &str) -> Option<u32> {
    let rest = reason.strip_prefix("invalid ")?;
    let (_, after) = rest.split_once(" at column ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&n| n >= 1)
}

/// `; did you mean `<x>`?` for the closest of `candidates` to `name`, or nothing.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|c| (levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

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
             a.xml:1:46: `<api>`: unknown attribute `contxt`; did you mean `context`?\n\
             a.xml:1:64: `<api>`: attribute `port` is `x`, expected a port number\n\
             a.xml:1:74: `<api>`: attribute `trace` is `maybe`, expected `true` or `false`\n\
             a.xml:1:81: `<api>`: unknown element `<foo>`"
        );
    }
}
