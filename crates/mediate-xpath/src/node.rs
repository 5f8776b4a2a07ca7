//! The XPath data model over roxmltree: node kinds, names, string-values and document order.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::OnceLock;

use roxmltree::{Document, Namespace, Node, NodeType};

use crate::XNode;

/// The namespace URI bound to the `xml` prefix.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// The seven node types of the XPath 1.0 data model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XNodeType {
    /// The root (document) node.
    Root,
    /// An element.
    Element,
    /// An attribute.
    Attribute,
    /// A namespace node.
    Namespace,
    /// A text node.
    Text,
    /// A comment.
    Comment,
    /// A processing instruction.
    ProcessingInstruction,
}

/// roxmltree never lists the `xml` namespace among an element's namespaces, and its
/// `Namespace` cannot be constructed directly, so the implicit `xml` namespace node carries
/// this sentinel, recognised by address.
fn xml_sentinel() -> &'static Namespace<'static> {
    static DOC: OnceLock<Document<'static>> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        Document::parse("<x xmlns:xml-implicit='urn:mediate-xpath:implicit-xml-namespace'/>")
            .expect("the sentinel document is well-formed")
    });
    doc.root_element()
        .namespaces()
        .next()
        .expect("the sentinel document declares one namespace")
}

/// The implicit `xml` namespace node's `Namespace` value (see [`XNode::is_implicit_xml_namespace`]).
pub(crate) fn xml_namespace<'a, 'i>() -> &'a Namespace<'i> {
    xml_sentinel()
}

/// Namespaces in scope on `element`, including the implicit `xml` one first. Undeclarations
/// (`xmlns=""`) are skipped.
pub(crate) fn namespace_nodes<'a, 'i>(
    element: Node<'a, 'i>,
) -> impl Iterator<Item = &'a Namespace<'i>> {
    let is_el = element.is_element();
    is_el
        .then(xml_namespace)
        .into_iter()
        .chain(element.namespaces().filter(|ns| !ns.uri().is_empty()))
}

/// An element's namespace URI; None when it has none (roxmltree reports `Some("")` under
/// `xmlns=""`).
pub(crate) fn element_ns<'a>(n: Node<'a, '_>) -> Option<&'a str> {
    n.tag_name().namespace().filter(|u| !u.is_empty())
}

/// Ordering key: document, node index, kind (0 node, 1 namespace, 2 attribute), index.
pub(crate) type OrderKey = (usize, u32, u8, u32);

fn doc_addr(n: &Node<'_, '_>) -> usize {
    std::ptr::from_ref(n.document()) as usize
}

impl<'a, 'i> XNode<'a, 'i> {
    /// The XPath string-value of this node.
    pub fn string_value(&self) -> Cow<'a, str> {
        match self {
            XNode::Node(n) => node_string_value(*n),
            XNode::Attribute(_, a) => Cow::Borrowed(a.value()),
            XNode::Namespace(_, ns) => {
                if self.is_implicit_xml_namespace() {
                    Cow::Borrowed(XML_NAMESPACE)
                } else {
                    Cow::Borrowed(ns.uri())
                }
            }
        }
    }

    /// Whether this is the implicit `xml` namespace node, which carries a sentinel
    /// `Namespace` value (roxmltree does not expose one); use [`XNode::local_name`] and
    /// [`XNode::string_value`] rather than the raw `Namespace` for it.
    pub fn is_implicit_xml_namespace(&self) -> bool {
        match self {
            XNode::Namespace(_, ns) => std::ptr::eq(
                std::ptr::from_ref(*ns).cast::<u8>(),
                std::ptr::from_ref(xml_sentinel()).cast::<u8>(),
            ),
            _ => false,
        }
    }

    /// The node's XPath type.
    pub fn node_type(&self) -> XNodeType {
        match self {
            XNode::Node(n) => match n.node_type() {
                NodeType::Root => XNodeType::Root,
                NodeType::Element => XNodeType::Element,
                NodeType::Text => XNodeType::Text,
                NodeType::Comment => XNodeType::Comment,
                NodeType::PI => XNodeType::ProcessingInstruction,
            },
            XNode::Attribute(..) => XNodeType::Attribute,
            XNode::Namespace(..) => XNodeType::Namespace,
        }
    }

    /// The roxmltree node: the node itself, or the owner element of an attribute or
    /// namespace node.
    pub fn node(&self) -> Node<'a, 'i> {
        match self {
            XNode::Node(n) | XNode::Attribute(n, _) | XNode::Namespace(n, _) => *n,
        }
    }

    /// The parent: owner element for attribute and namespace nodes; None for the root.
    pub fn parent(&self) -> Option<XNode<'a, 'i>> {
        match self {
            XNode::Node(n) => n.parent().map(XNode::Node),
            XNode::Attribute(n, _) | XNode::Namespace(n, _) => Some(XNode::Node(*n)),
        }
    }

    /// The local part of the expanded-name (`local-name()`): element or attribute local
    /// name, PI target, namespace prefix (empty for the default namespace), else empty.
    pub fn local_name(&self) -> &'a str {
        match self {
            XNode::Node(n) => match n.node_type() {
                NodeType::Element => n.tag_name().name(),
                NodeType::PI => n.pi().map_or("", |p| p.target),
                _ => "",
            },
            XNode::Attribute(_, a) => a.name(),
            XNode::Namespace(_, ns) => {
                if self.is_implicit_xml_namespace() {
                    "xml"
                } else {
                    ns.name().unwrap_or("")
                }
            }
        }
    }

    /// The namespace URI of the expanded-name (`namespace-uri()`), empty when there is none.
    pub fn namespace_uri(&self) -> &'a str {
        match self {
            XNode::Node(n) if n.is_element() => element_ns(*n).unwrap_or(""),
            XNode::Attribute(_, a) => a.namespace().unwrap_or(""),
            _ => "",
        }
    }

    /// The QName as `name()` reports it: as written in the document (read back from the
    /// source text, which roxmltree keeps positions into).
    pub fn name(&self) -> Cow<'a, str> {
        let written = match self {
            XNode::Node(n) if n.is_element() => {
                n.document().input_text().get(n.range()).map(|src| {
                    let src = src.get(1..).unwrap_or("");
                    let end = src
                        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
                        .unwrap_or(src.len());
                    &src[..end]
                })
            }
            XNode::Attribute(n, a) => n.document().input_text().get(a.range_qname()),
            _ => None,
        };
        if let Some(qname) = written.filter(|q| !q.is_empty()) {
            return Cow::Borrowed(qname);
        }
        self.name_from_scope()
    }

    /// `name()` rebuilt from the in-scope namespaces (documents built without source text).
    fn name_from_scope(&self) -> Cow<'a, str> {
        let (uri, local, element) = match self {
            XNode::Node(n) if n.is_element() => (element_ns(*n), n.tag_name().name(), *n),
            XNode::Attribute(n, a) => (a.namespace(), a.name(), *n),
            _ => return Cow::Borrowed(self.local_name()),
        };
        let Some(uri) = uri else {
            return Cow::Borrowed(local);
        };
        if uri == XML_NAMESPACE {
            return Cow::Owned(format!("xml:{local}"));
        }
        let is_attr = matches!(self, XNode::Attribute(..));
        let mut prefixed = None;
        for ns in element.namespaces() {
            if ns.uri() == uri {
                match ns.name() {
                    None if !is_attr => return Cow::Borrowed(local),
                    Some(p) if prefixed.is_none() => prefixed = Some(p),
                    _ => {}
                }
            }
        }
        match prefixed {
            Some(p) => Cow::Owned(format!("{p}:{local}")),
            None => Cow::Borrowed(local),
        }
    }

    /// Key that sorts nodes in document order: document, then node, then the owner's
    /// namespace nodes, then its attributes.
    pub(crate) fn order_key(&self) -> OrderKey {
        match self {
            XNode::Node(n) => (doc_addr(n), n.id().get(), 0, 0),
            XNode::Namespace(n, ns) => {
                let idx = if self.is_implicit_xml_namespace() {
                    0
                } else {
                    n.namespaces()
                        .position(|x| std::ptr::eq(x, *ns))
                        .map_or(u32::MAX, |i| u32::try_from(i + 1).unwrap_or(u32::MAX))
                };
                (doc_addr(n), n.id().get(), 1, idx)
            }
            XNode::Attribute(n, a) => {
                let idx = n
                    .attributes()
                    .position(|x| x.name() == a.name() && x.namespace() == a.namespace())
                    .map_or(u32::MAX, |i| u32::try_from(i).unwrap_or(u32::MAX));
                (doc_addr(n), n.id().get(), 2, idx)
            }
        }
    }

    /// Compare two nodes in document order (nodes of different documents are ordered by
    /// document, consistently but arbitrarily).
    pub fn document_order(&self, other: &XNode<'_, '_>) -> Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl PartialEq for XNode<'_, '_> {
    /// Node identity (same document, same node).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (XNode::Node(a), XNode::Node(b)) => a == b,
            _ => self.order_key() == other.order_key(),
        }
    }
}

impl Eq for XNode<'_, '_> {}

impl std::hash::Hash for XNode<'_, '_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.order_key().hash(state);
    }
}

/// String-value of a root, element, text, comment or PI node, borrowing when possible.
pub(crate) fn node_string_value<'a>(n: Node<'a, '_>) -> Cow<'a, str> {
    match n.node_type() {
        NodeType::Root | NodeType::Element => {
            let mut out: Option<Cow<'a, str>> = None;
            for d in n.descendants() {
                if d.is_text() {
                    let t = d.text().unwrap_or("");
                    match &mut out {
                        None => out = Some(Cow::Borrowed(t)),
                        Some(s) => s.to_mut().push_str(t),
                    }
                }
            }
            out.unwrap_or(Cow::Borrowed(""))
        }
        NodeType::Text | NodeType::Comment => Cow::Borrowed(n.text().unwrap_or("")),
        NodeType::PI => Cow::Borrowed(n.pi().and_then(|p| p.value).map_or("", |v| v)),
    }
}

/// Sort nodes into document order and remove duplicates, unless already sorted.
pub(crate) fn sort_dedup(nodes: &mut Vec<XNode<'_, '_>>) {
    if nodes.len() < 2 {
        return;
    }
    let all_plain = nodes.iter().all(|n| matches!(n, XNode::Node(_)));
    if all_plain {
        let sorted = nodes.windows(2).all(|w| match w {
            [XNode::Node(a), XNode::Node(b)] => plain_key(a) < plain_key(b),
            _ => false,
        });
        if sorted {
            return;
        }
        nodes.sort_unstable_by_key(|n| match n {
            XNode::Node(a) => plain_key(a),
            _ => (0, 0),
        });
        nodes.dedup_by(|a, b| a == b);
        return;
    }
    let mut keyed: Vec<(OrderKey, XNode<'_, '_>)> =
        nodes.iter().map(|n| (n.order_key(), *n)).collect();
    if keyed.windows(2).all(|w| match w {
        [a, b] => a.0 < b.0,
        _ => true,
    }) {
        return;
    }
    keyed.sort_unstable_by_key(|(k, _)| *k);
    keyed.dedup_by_key(|(k, _)| *k);
    nodes.clear();
    nodes.extend(keyed.into_iter().map(|(_, n)| n));
}

fn plain_key(n: &Node<'_, '_>) -> (usize, u32) {
    (doc_addr(n), n.id().get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        let doc = Document::parse(
            "<p:a xmlns:p='urn:p' xmlns='urn:d' p:x='1' y='2'><b>t<!--c--><?pi data?></b>u</p:a>",
        )
        .unwrap();
        let a = doc.root_element();
        let xa = XNode::Node(a);
        assert_eq!(xa.name(), "p:a");
        assert_eq!(xa.local_name(), "a");
        assert_eq!(xa.namespace_uri(), "urn:p");
        assert_eq!(xa.string_value(), "tu");
        let b = a.first_element_child().unwrap();
        assert_eq!(XNode::Node(b).name(), "b");
        let attrs: Vec<_> = a.attributes().map(|at| XNode::Attribute(a, at)).collect();
        assert_eq!(attrs[0].name(), "p:x");
        assert_eq!(attrs[1].name(), "y");
        assert_eq!(attrs[1].string_value(), "2");
        let nss: Vec<_> = namespace_nodes(a)
            .map(|ns| XNode::Namespace(a, ns))
            .collect();
        assert_eq!(nss.len(), 3);
        assert!(nss[0].is_implicit_xml_namespace());
        assert_eq!(nss[0].local_name(), "xml");
        assert_eq!(nss[0].string_value(), XML_NAMESPACE);
        assert!(!nss[1].is_implicit_xml_namespace());
        // order: element < namespaces < attributes < children
        let mut all = vec![XNode::Node(b), attrs[1], nss[2], attrs[0], nss[0], xa];
        sort_dedup(&mut all);
        assert_eq!(
            all,
            vec![xa, nss[0], nss[2], attrs[0], attrs[1], XNode::Node(b)]
        );
    }

    #[test]
    fn identity_across_documents() {
        let d1 = Document::parse("<a/>").unwrap();
        let d2 = Document::parse("<a/>").unwrap();
        let a = XNode::Node(d1.root_element());
        let b = XNode::Node(d2.root_element());
        assert_ne!(a, b);
        let mut v = vec![a, b, a, b];
        sort_dedup(&mut v);
        assert_eq!(v.len(), 2);
    }
}
