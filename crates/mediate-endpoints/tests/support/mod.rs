//! A test-only Synapse XML → `MediatorSpec` reader, close to `mediate_config::spec_from_element`
//! (which depends on this crate, so the tests cannot use it): element local names as kinds,
//! attributes with the position of their value, children, text content, namespaces in scope.

#![allow(dead_code, unreachable_pub)]

use mediate_core::{BuildError, MediatorSpec, Namespaces, Position};
use mediate_endpoints::EndpointDefinition;

/// Reads `xml` (one element) into a spec with positions. Panics on malformed XML: the
/// fixtures are the tests' own.
pub fn spec(xml: &str) -> MediatorSpec {
    let doc = roxmltree::Document::parse(xml).expect("test XML parses");
    read(&doc, doc.root_element())
}

fn position(doc: &roxmltree::Document<'_>, offset: usize) -> Position {
    let p = doc.text_pos_at(offset);
    Position::new(p.row, p.col)
}

fn read(doc: &roxmltree::Document<'_>, node: roxmltree::Node<'_, '_>) -> MediatorSpec {
    let mut spec = MediatorSpec::new(node.tag_name().name()).at(position(doc, node.range().start));
    for attr in node.attributes() {
        spec = spec.property_at(
            attr.name(),
            attr.value(),
            position(doc, attr.range_value().start),
        );
    }
    for child in node.children().filter(roxmltree::Node::is_element) {
        spec.children.push(read(doc, child));
    }
    if node.has_children() {
        let text: String = node.children().filter_map(|c| c.text()).collect();
        spec.text = Some(text);
    }
    let mut ns = Namespaces::new();
    for n in node.namespaces() {
        if let Some(prefix) = n.name()
            && prefix != "xml"
        {
            ns.insert(prefix, n.uri());
        }
    }
    spec.namespaces = ns;
    spec
}

/// Reads `xml` as an endpoint definition, panicking with the error.
pub fn endpoint(xml: &str) -> EndpointDefinition {
    match EndpointDefinition::from_spec(&spec(xml)) {
        Ok(ep) => ep,
        Err(e) => panic!("{e}\n{xml}"),
    }
}

/// The error reading `xml` as an endpoint definition; panics if it reads.
pub fn error(xml: &str) -> BuildError {
    match EndpointDefinition::from_spec(&spec(xml)) {
        Ok(ep) => panic!("expected an error, got {ep:?}"),
        Err(e) => e,
    }
}

/// Asserts that reading `xml` fails at `line:col` with a message containing `needle`.
pub fn assert_error(xml: &str, line: u32, col: u32, needle: &str) {
    let err = error(xml);
    let text = err.to_string();
    assert!(text.contains(needle), "`{needle}` not in `{text}`");
    assert_eq!(
        err.position(),
        Some(Position::new(line, col)),
        "position of `{text}`"
    );
}

/// Asserts that the definition survives `to_spec` → `from_spec`.
pub fn assert_round_trip(ep: &EndpointDefinition) {
    let back = EndpointDefinition::from_spec(&ep.to_spec())
        .unwrap_or_else(|e| panic!("re-reading {:?}: {e}", ep.to_spec()));
    assert_eq!(&back, ep);
}

/// The position of the first `needle` in `xml` (1-based line and column, in characters).
pub fn at(xml: &str, needle: &str) -> Position {
    let offset = xml
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the test XML"));
    let before = &xml[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    Position::new(line as u32, column as u32)
}

/// The position just after the first `prefix` in `xml` (an attribute value after `name="`).
pub fn after(xml: &str, prefix: &str) -> Position {
    at(xml, prefix).shifted(prefix.chars().count() as u32)
}

/// Asserts that reading `xml` fails at `position` with a message containing `needle`.
pub fn assert_error_at(xml: &str, position: Position, needle: &str) {
    let err = error(xml);
    let text = err.to_string();
    assert!(text.contains(needle), "`{needle}` not in `{text}`");
    assert_eq!(err.position(), Some(position), "position of `{text}`");
}
