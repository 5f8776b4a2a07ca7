//! How Synapse turns an XPath result into a string (`SynapseXPath.stringValueOf`).
//!
//! This is what a property, log or filter mediator sees, and it is *not* XPath's `string()`:
//!
//! | result | Synapse's string |
//! |---|---|
//! | number | Java `Double.toString`: `1500.0`, `1.0E7`, `NaN` |
//! | boolean, string | as is |
//! | one element with text of its own | that text (direct text children, trimmed, NBSP as space) |
//! | one element without own text | the element serialized |
//! | several nodes | each appended: text as text, elements serialized, attributes as value |
//! | comment, PI, namespace nodes | skipped |
//! | `node()` in the expression, one text node | its parent element, serialized |

use mediate_xpath::roxmltree::NodeType;
use mediate_xpath::{Value, XNode};

use super::serialize::write_node;
use crate::java::double_to_string;

/// The string Synapse gives for an XPath result; `expression` is the source text, which matters
/// (Synapse treats expressions containing `node()` specially).
pub fn synapse_string_value(value: &Value<'_, '_>, expression: &str) -> String {
    match value {
        Value::Number(n) => double_to_string(*n),
        Value::Boolean(b) => b.to_string(),
        Value::String(s) => s.to_string(),
        Value::NodeSet(nodes) => {
            let single = nodes.len() == 1;
            let node_fn = expression.contains("node()");
            let mut out = String::new();
            for node in nodes {
                let mut node = *node;
                if single
                    && node_fn
                    && let XNode::Node(n) = node
                    && n.is_text()
                    && let Some(parent) = n.parent()
                {
                    node = XNode::Node(parent);
                }
                match node {
                    XNode::Node(n) => match n.node_type() {
                        NodeType::Text => out.push_str(n.text().unwrap_or_default()),
                        NodeType::Element => {
                            let own: String = n
                                .children()
                                .filter(|c| c.is_text())
                                .filter_map(|c| c.text())
                                .collect();
                            let trimmed = own.replace('\u{a0}', " ");
                            // Java's `String.trim`: characters up to U+0020 only, not
                            // Unicode white space such as U+3000 or U+0085.
                            let trimmed = trimmed.trim_matches(|c: char| c <= ' ');
                            if trimmed.is_empty() {
                                write_node(&node, &mut out);
                            } else if single && !node_fn {
                                out.push_str(trimmed);
                            } else {
                                let mut s = String::new();
                                write_node(&node, &mut s);
                                if own.is_empty() {
                                    out.push_str(&s);
                                } else {
                                    out.push_str(&s.replace(&own, trimmed));
                                }
                            }
                        }
                        NodeType::Root => {
                            if let Some(root) = n.first_element_child() {
                                write_node(&XNode::Node(root), &mut out);
                            }
                        }
                        NodeType::Comment | NodeType::PI => {}
                    },
                    XNode::Attribute(_, a) => out.push_str(a.value()),
                    XNode::Namespace(..) => {}
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediate_xpath::roxmltree::Document;

    #[test]
    fn numbers_print_as_java_doubles() {
        assert_eq!(
            synapse_string_value(&Value::Number(1500.0), "sum(//p)"),
            "1500.0"
        );
        assert_eq!(
            synapse_string_value(&Value::Boolean(true), "true()"),
            "true"
        );
    }

    #[test]
    fn single_element_gives_its_trimmed_text_else_its_xml() {
        let doc = Document::parse("<r><a> x </a><b><c>1</c></b></r>").unwrap();
        let a = doc.descendants().find(|n| n.has_tag_name("a")).unwrap();
        let b = doc.descendants().find(|n| n.has_tag_name("b")).unwrap();
        let one = |n| Value::NodeSet(vec![XNode::Node(n)]);
        assert_eq!(synapse_string_value(&one(a), "//a"), "x");
        let doc2 = Document::parse("<r><a>\u{3000}x\u{85}\u{a0}\t</a></r>").unwrap();
        let a2 = doc2.descendants().find(|n| n.has_tag_name("a")).unwrap();
        assert_eq!(
            synapse_string_value(&one(a2), "//a"),
            "\u{3000}x\u{85}",
            "trimmed as Java's String.trim"
        );
        assert_eq!(synapse_string_value(&one(b), "//b"), "<b><c>1</c></b>");
        let both = Value::NodeSet(vec![XNode::Node(a), XNode::Node(b)]);
        assert_eq!(
            synapse_string_value(&both, "//a|//b"),
            "<a>x</a><b><c>1</c></b>"
        );
        let text = a.first_child().unwrap();
        assert_eq!(synapse_string_value(&one(text), "//a/node()"), "<a>x</a>");
        assert_eq!(synapse_string_value(&one(text), "//a/text()"), " x ");
    }
}
