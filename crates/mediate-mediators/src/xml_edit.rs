//! Editing XML text by splicing byte ranges of a parsed document, the way mediators change a
//! message without re-serializing it: serialize an element with the namespaces it inherits,
//! and replace, append as last child, insert as next sibling or remove over the element's
//! bytes. Text outside the edited ranges is kept byte for byte.

use std::ops::Range;

use mediate_core::message::roxmltree::Node;

/// One edit: replace the bytes of `range` with `text` (an empty range inserts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    /// The byte range of the source text to replace.
    pub(crate) range: Range<usize>,
    /// The replacement.
    pub(crate) text: String,
}

impl Edit {
    /// Replace the whole node.
    pub(crate) fn replace(node: Node<'_, '_>, text: impl Into<String>) -> Edit {
        Edit {
            range: node.range(),
            text: text.into(),
        }
    }

    /// Remove the whole node.
    pub(crate) fn remove(node: Node<'_, '_>) -> Edit {
        Edit {
            range: node.range(),
            text: String::new(),
        }
    }

    /// Insert `text` right after the node (as its next sibling).
    pub(crate) fn insert_after(node: Node<'_, '_>, text: impl Into<String>) -> Edit {
        let end = node.range().end;
        Edit {
            range: end..end,
            text: text.into(),
        }
    }

    /// Insert `text` right before the node (as its previous sibling).
    pub(crate) fn insert_before(node: Node<'_, '_>, text: impl Into<String>) -> Edit {
        let start = node.range().start;
        Edit {
            range: start..start,
            text: text.into(),
        }
    }

    /// Append `content` as the last children of `element` (an empty-element tag `<a/>` is
    /// rewritten as `<a>content</a>`).
    pub(crate) fn append_child(element: Node<'_, '_>, content: &str) -> Edit {
        let (whole, src) = match with_end_tag(element, content) {
            Ok(found) => found,
            Err(expanded) => return expanded,
        };
        let at = whole.start + src.rfind("</").unwrap_or(src.len());
        Edit {
            range: at..at,
            text: content.to_owned(),
        }
    }

    /// Replace the content of `element` (everything between its tags) with `content`.
    pub(crate) fn set_content(element: Node<'_, '_>, content: &str) -> Edit {
        let (whole, src) = match with_end_tag(element, content) {
            Ok(found) => found,
            Err(expanded) => return expanded,
        };
        let start = whole.start + start_tag_len(src);
        let end = whole.start + src.rfind("</").unwrap_or(src.len());
        Edit {
            range: start..end.max(start),
            text: content.to_owned(),
        }
    }
}

/// `element`'s range and source text when it has an end tag; for an empty-element tag `<a/>`,
/// the edit that rewrites it whole as `<a>content</a>`.
fn with_end_tag<'i>(element: Node<'_, 'i>, content: &str) -> Result<(Range<usize>, &'i str), Edit> {
    let whole = element.range();
    let src = &element.document().input_text()[whole.clone()];
    if src.ends_with("/>") {
        return Err(Edit {
            range: whole,
            text: expand_empty(src, content),
        });
    }
    Ok((whole, src))
}

/// `<a x="1"/>` with `content` → `<a x="1">content</a>`.
fn expand_empty(tag: &str, content: &str) -> String {
    let qname = qname_of(tag);
    let head = tag[..tag.len() - 2].trim_end();
    let mut out = String::with_capacity(tag.len() + content.len() + qname.len() + 4);
    out.push_str(head);
    out.push('>');
    out.push_str(content);
    out.push_str("</");
    out.push_str(qname);
    out.push('>');
    out
}

/// Applies `edits` to `source`. Edits must not overlap (touching is fine; insertions at the
/// same point keep their order); `None` if two overlap or a range is out of bounds.
pub(crate) fn apply(source: &str, mut edits: Vec<Edit>) -> Option<String> {
    // Stable: insertions at one point keep the order they were given in.
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out =
        String::with_capacity(source.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for edit in &edits {
        if edit.range.start < at || edit.range.end > source.len() {
            return None;
        }
        out.push_str(source.get(at..edit.range.start)?);
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(source.get(at..)?);
    Some(out)
}

/// Whether two ranges share a byte (an empty range shares none, unless strictly inside).
pub(crate) fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    if a.is_empty() {
        return b.start < a.start && a.start < b.end;
    }
    if b.is_empty() {
        return a.start < b.start && b.start < a.end;
    }
    a.start < b.end && b.start < a.end
}

/// The XML of `element` as written, with the namespace declarations it inherits from its
/// ancestors added to its start tag where its subtree uses them (what Axiom's `toString()`
/// prints for an element taken out of its document).
pub(crate) fn element_xml(element: Node<'_, '_>) -> String {
    let text = element.document().input_text();
    let src = &text[element.range()];
    let tag_len = start_tag_len(src);
    let start_tag = &src[..tag_len];
    let declared = declared_prefixes(start_tag);
    let mut used: Vec<&str> = Vec::new();
    for d in element.descendants().filter(Node::is_element) {
        let d_src = &text[d.range()];
        let q = qname_of(d_src);
        let prefix = q.split_once(':').map_or("", |(p, _)| p);
        if !used.contains(&prefix) {
            used.push(prefix);
        }
        for attr in d.attributes() {
            if let Some(aq) = text.get(attr.range_qname())
                && let Some((p, _)) = aq.split_once(':')
                && p != "xmlns"
                && !used.contains(&p)
            {
                used.push(p);
            }
        }
    }
    let mut extra = String::new();
    for prefix in used {
        if prefix == "xml" || declared.contains(&prefix) {
            continue;
        }
        let uri = element.lookup_namespace_uri(if prefix.is_empty() {
            None
        } else {
            Some(prefix)
        });
        let Some(uri) = uri.filter(|u| !u.is_empty()) else {
            continue;
        };
        if prefix.is_empty() {
            extra.push_str(" xmlns=\"");
        } else {
            extra.push_str(" xmlns:");
            extra.push_str(prefix);
            extra.push_str("=\"");
        }
        escape_attr_into(uri, &mut extra);
        extra.push('"');
    }
    if extra.is_empty() {
        return src.to_owned();
    }
    let name_end = 1 + qname_of(src).len();
    let mut out = String::with_capacity(src.len() + extra.len());
    out.push_str(&src[..name_end]);
    out.push_str(&extra);
    out.push_str(&src[name_end..]);
    out
}

/// The prefixes declared on a start tag (`""` for `xmlns="…"`).
fn declared_prefixes(start_tag: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    // Where the current attribute name may start: after a blank or a closing quote.
    let mut boundary = 0;
    for (i, c) in start_tag.char_indices() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                boundary = i + 1;
            }
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '=' => {
                let name = start_tag[boundary..i].trim();
                let name = name.rsplit(char::is_whitespace).next().unwrap_or(name);
                if name == "xmlns" {
                    out.push("");
                } else if let Some(p) = name.strip_prefix("xmlns:") {
                    out.push(p);
                }
            }
            None if c.is_whitespace() && start_tag[boundary..i].trim().is_empty() => {
                boundary = i + 1;
            }
            None => {}
        }
    }
    out
}

/// The qualified name of the element whose text starts `src` (`<p:a …` → `p:a`).
pub(crate) fn qname_of(src: &str) -> &str {
    let rest = src.get(1..).unwrap_or("");
    let len = rest
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    &rest[..len]
}

/// Length of the start tag at the beginning of `src` (quote-aware).
pub(crate) fn start_tag_len(src: &str) -> usize {
    let mut quote = None;
    for (i, b) in src.bytes().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
    }
    src.len()
}

/// `text` escaped for element content (`&`, `<`, `>`).
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_text_into(text, &mut out);
    out
}

/// Appends `text` escaped for element content (`&`, `<`, `>`).
pub(crate) fn escape_text_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Appends `text` escaped for a double-quoted attribute value.
pub(crate) fn escape_attr_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// `text` escaped for a double-quoted attribute value.
pub(crate) fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_attr_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediate_core::message::roxmltree::Document;

    #[test]
    fn element_xml_declares_inherited_namespaces() {
        let doc = Document::parse(
            r#"<r xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q"><p:a x="1"><b q:y="2"/></p:a></r>"#,
        )
        .unwrap();
        let a = doc.root_element().first_element_child().unwrap();
        assert_eq!(
            element_xml(a),
            r#"<p:a xmlns:p="urn:p" xmlns="urn:d" xmlns:q="urn:q" x="1"><b q:y="2"/></p:a>"#
        );
        let doc = Document::parse(r#"<r><a xmlns="urn:x"><b/></a></r>"#).unwrap();
        let a = doc.root_element().first_element_child().unwrap();
        assert_eq!(element_xml(a), r#"<a xmlns="urn:x"><b/></a>"#);
    }

    #[test]
    fn edits_splice() {
        let src = "<r><a/><b>t</b></r>";
        let doc = Document::parse(src).unwrap();
        let a = doc.root_element().first_element_child().unwrap();
        let b = a.next_sibling_element().unwrap();
        let out = apply(
            src,
            vec![
                Edit::append_child(a, "<c/>"),
                Edit::append_child(b, "<d/>"),
                Edit::insert_after(b, "<e/>"),
            ],
        )
        .unwrap();
        assert_eq!(out, "<r><a><c/></a><b>t<d/></b><e/></r>");
        let out = apply(src, vec![Edit::set_content(b, "x"), Edit::remove(a)]).unwrap();
        assert_eq!(out, "<r><b>x</b></r>");
        assert!(apply(src, vec![Edit::remove(a), Edit::replace(a, "z")]).is_none());
        assert_eq!(escape_text("a<&>"), "a&lt;&amp;&gt;");
        assert_eq!(escape_attr("\"&"), "&quot;&amp;");
    }
}
