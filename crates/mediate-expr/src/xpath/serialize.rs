//! Serializing XPath result nodes back to XML text, the way Synapse (Axiom) prints them.
//!
//! An element is printed from the bytes it was parsed from (so attribute order, quoting and
//! whitespace are the sender's), with the namespace declarations it inherits from its ancestors
//! added to its start tag where its subtree uses them — the same text Axiom's `toString()` gives.

use mediate_xpath::XNode;
use mediate_xpath::roxmltree::{Node, NodeType};

/// Serialize one node of an XPath result.
///
/// Elements print as XML with the namespaces they need, text nodes as escaped text, attributes as
/// `name="value"`, comments, processing instructions, and namespace nodes as `xmlns:p="uri"`.
pub fn node_to_xml(node: &XNode<'_, '_>) -> String {
    let mut out = String::new();
    write_node(node, &mut out);
    out
}

/// Append the serialization of `node` to `out` (see [`node_to_xml`]).
pub fn write_node(node: &XNode<'_, '_>, out: &mut String) {
    match node {
        XNode::Node(n) => write_tree_node(*n, out),
        XNode::Attribute(owner, attr) => {
            if let Some(uri) = attr.namespace()
                && let Some(prefix) = owner.lookup_prefix(uri)
            {
                out.push_str(prefix);
                out.push(':');
            }
            out.push_str(attr.name());
            out.push_str("=\"");
            escape_into(attr.value(), true, out);
            out.push('"');
        }
        XNode::Namespace(..) => {
            // Read through the XNode accessors: the implicit `xml` namespace node has no
            // roxmltree namespace of its own.
            match node.local_name() {
                "" => out.push_str("xmlns"),
                p => {
                    out.push_str("xmlns:");
                    out.push_str(p);
                }
            }
            out.push_str("=\"");
            escape_into(&node.string_value(), true, out);
            out.push('"');
        }
    }
}

fn write_tree_node(n: Node<'_, '_>, out: &mut String) {
    match n.node_type() {
        NodeType::Root => {
            for c in n.children() {
                write_tree_node(c, out);
            }
        }
        NodeType::Element => write_element(n, out),
        NodeType::Text => escape_into(n.text().unwrap_or_default(), false, out),
        NodeType::Comment => {
            out.push_str("<!--");
            out.push_str(n.text().unwrap_or_default());
            out.push_str("-->");
        }
        NodeType::PI => {
            if let Some(pi) = n.pi() {
                out.push_str("<?");
                out.push_str(pi.target);
                if let Some(v) = pi.value {
                    out.push(' ');
                    out.push_str(v);
                }
                out.push_str("?>");
            }
        }
    }
}

fn write_element(n: Node<'_, '_>, out: &mut String) {
    let input = n.document().input_text();
    let Some(src) = input.get(n.range()) else {
        return;
    };
    // The start tag's name: `<` then the qualified name up to whitespace, `/` or `>`.
    let name_len = src[1..]
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(src.len() - 1);
    let qname = &src[1..1 + name_len];
    let start_tag = &src[..start_tag_len(src)];
    let mut extra = String::new();
    for ns in n.namespaces() {
        match ns.name() {
            Some("xml") => {}
            Some(prefix) => {
                // Used where an element or attribute name in the subtree has this prefix and
                // it resolves to this binding there (not text that happens to hold `p:`).
                let used = n.descendants().filter(|d| d.is_element()).any(|d| {
                    tag_names(start_tag_of(d))
                        .any(|name| name.split_once(':').is_some_and(|(p, _)| p == prefix))
                        && d.lookup_namespace_uri(Some(prefix)) == Some(ns.uri())
                });
                let declared =
                    tag_names(start_tag).any(|name| name.strip_prefix("xmlns:") == Some(prefix));
                if used && !declared {
                    extra.push_str(&format!(" xmlns:{prefix}=\""));
                    escape_into(ns.uri(), true, &mut extra);
                    extra.push('"');
                }
            }
            None => {
                // The default namespace is needed when this element or an element below it
                // is unprefixed (`<p:a><b/></p:a>` with an inherited `xmlns`: `b` keeps it).
                let needed = !qname.contains(':')
                    || n.descendants().skip(1).any(|d| {
                        d.is_element()
                            && d.tag_name().namespace() == Some(ns.uri())
                            && !element_qname(d).contains(':')
                    });
                if needed && !has_default_decl(start_tag) {
                    extra.push_str(" xmlns=\"");
                    escape_into(ns.uri(), true, &mut extra);
                    extra.push('"');
                }
            }
        }
    }
    if extra.is_empty() {
        out.push_str(src);
    } else {
        out.push_str(&src[..1 + name_len]);
        out.push_str(&extra);
        out.push_str(&src[1 + name_len..]);
    }
}

/// The qualified name of an element as written in its start tag.
fn element_qname<'a>(n: Node<'a, '_>) -> &'a str {
    let Some(src) = n.document().input_text().get(n.range()) else {
        return "";
    };
    let len = src[1..]
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(src.len() - 1);
    &src[1..1 + len]
}

fn has_default_decl(start_tag: &str) -> bool {
    tag_names(start_tag).any(|name| name == "xmlns")
}

/// The start tag of an element as written.
fn start_tag_of<'a>(n: Node<'a, '_>) -> &'a str {
    let src = n.document().input_text().get(n.range()).unwrap_or("");
    &src[..start_tag_len(src)]
}

/// The names in a well-formed start tag: the element's qualified name, then each attribute's
/// (namespace declarations included), skipping the quoted values.
fn tag_names(start_tag: &str) -> impl Iterator<Item = &str> {
    const WS: [char; 4] = [' ', '\t', '\n', '\r'];
    let mut rest = start_tag.strip_prefix('<').unwrap_or("");
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(WS);
        if rest.is_empty() || rest.starts_with(['/', '>']) {
            return None;
        }
        let end = rest
            .find(|c: char| WS.contains(&c) || matches!(c, '=' | '/' | '>'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        rest = rest[end..].trim_start_matches(WS);
        if let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start_matches(WS);
            rest = match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].find(q).map_or("", |i| &value[i + 2..]),
                _ => "",
            };
        }
        (!name.is_empty()).then_some(name)
    })
}

/// Length of the start tag at the beginning of `src`, honouring quoted attribute values.
fn start_tag_len(src: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in src.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    src.len()
}

/// Escape text for XML: `&`, `<`, `>` always; `"` too inside attribute values.
pub(crate) fn escape_into(s: &str, attr: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediate_xpath::roxmltree::Document;

    fn first<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Node<'a, 'i> {
        doc.descendants()
            .find(|n| n.tag_name().name() == name)
            .expect("element in test document")
    }

    #[test]
    fn element_keeps_source_text_and_adds_inherited_namespaces() {
        let doc = Document::parse(
            r#"<e:Envelope xmlns:e="urn:e" xmlns:m="urn:m"><e:Body><m:q a="1"><m:s>IBM</m:s></m:q></e:Body></e:Envelope>"#,
        )
        .unwrap();
        let q = first(&doc, "q");
        assert_eq!(
            node_to_xml(&XNode::Node(q)),
            r#"<m:q xmlns:m="urn:m" a="1"><m:s>IBM</m:s></m:q>"#
        );
    }

    #[test]
    fn default_namespace_is_declared_once() {
        let doc = Document::parse(r#"<r xmlns="urn:d"><a x=">"><b/></a></r>"#).unwrap();
        let a = first(&doc, "a");
        assert_eq!(
            node_to_xml(&XNode::Node(a)),
            r#"<a xmlns="urn:d" x=">"><b/></a>"#
        );
        let r = first(&doc, "r");
        assert_eq!(
            node_to_xml(&XNode::Node(r)),
            r#"<r xmlns="urn:d"><a x=">"><b/></a></r>"#
        );
    }

    #[test]
    fn only_prefixes_used_in_names_are_declared() {
        // `Status:` and `data:` in text are not uses of the prefixes `s` and `a`.
        let doc = Document::parse(
            r#"<r xmlns:s="urn:s" xmlns:a="urn:a"><x><m k="s:v">Status: data:1</m></x><y><s:z/></y></r>"#,
        )
        .unwrap();
        assert_eq!(
            node_to_xml(&XNode::Node(first(&doc, "x"))),
            r#"<x><m k="s:v">Status: data:1</m></x>"#
        );
        assert_eq!(
            node_to_xml(&XNode::Node(first(&doc, "y"))),
            r#"<y xmlns:s="urn:s"><s:z/></y>"#
        );
        // An attribute prefix counts; a declaration written with spaces around `=` is seen.
        let doc = Document::parse(r#"<r xmlns:a="urn:a"><x a:k="1"/><a:y xmlns:a = "urn:a"/></r>"#)
            .unwrap();
        assert_eq!(
            node_to_xml(&XNode::Node(first(&doc, "x"))),
            r#"<x xmlns:a="urn:a" a:k="1"/>"#
        );
        assert_eq!(
            node_to_xml(&XNode::Node(first(&doc, "y"))),
            r#"<a:y xmlns:a = "urn:a"/>"#
        );
        // A prefix rebound below, and used only there, needs no outer declaration.
        let doc =
            Document::parse(r#"<r xmlns:p="urn:1"><x><p:y xmlns:p="urn:2"/></x></r>"#).unwrap();
        assert_eq!(
            node_to_xml(&XNode::Node(first(&doc, "x"))),
            r#"<x><p:y xmlns:p="urn:2"/></x>"#
        );
        // `myxmlns="…"` is not a default namespace declaration.
        let doc = Document::parse(r#"<r xmlns="urn:d"><x myxmlns="1"/></r>"#).unwrap();
        assert_eq!(
            node_to_xml(&XNode::Node(first(&doc, "x"))),
            r#"<x xmlns="urn:d" myxmlns="1"/>"#
        );
    }

    #[test]
    fn text_attribute_comment_pi() {
        let doc = Document::parse(r#"<r a="x&amp;&quot;y"><!--c--><?t d?>1 &lt; 2</r>"#).unwrap();
        let r = doc.root_element();
        let attr = r.attributes().next().unwrap();
        assert_eq!(
            node_to_xml(&XNode::Attribute(r, attr)),
            r#"a="x&amp;&quot;y""#
        );
        let kids: Vec<String> = r.children().map(|c| node_to_xml(&XNode::Node(c))).collect();
        assert_eq!(kids, ["<!--c-->", "<?t d?>", "1 &lt; 2"]);
    }

    #[test]
    fn namespace_nodes_print_as_declarations() {
        let doc = Document::parse(r#"<r xmlns="urn:d" xmlns:p="urn:p"/>"#).unwrap();
        let xp = mediate_xpath::XPath::compile("/*/namespace::*", &Default::default()).unwrap();
        let v = xp.evaluate(doc.root()).unwrap();
        let mut got: Vec<String> = v.as_nodes().unwrap().iter().map(node_to_xml).collect();
        got.sort();
        assert_eq!(
            got,
            [
                r#"xmlns:p="urn:p""#,
                r#"xmlns:xml="http://www.w3.org/XML/1998/namespace""#,
                r#"xmlns="urn:d""#,
            ]
        );
    }
}
