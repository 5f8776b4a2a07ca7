//! `<localEntry>` artifacts.

use std::path::Path;

use mediate_core::MediatorSpec;
use roxmltree::Node;

use crate::api::element_markups;
use crate::element::{content, is_synapse};
use crate::read::Reader;
use crate::{Span, spec_from_element};

/// A local entry (`<localEntry key="…">`): a value other artifacts read by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEntryConfig {
    /// The entry's key.
    pub key: String,
    /// Its value.
    pub value: LocalEntryValue,
    /// The description.
    pub description: Option<String>,
    /// Where it was read from.
    pub span: Span,
}

/// What a local entry holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalEntryValue {
    /// Plain text.
    Text(String),
    /// One XML element, serialized as written with the namespaces in scope declared.
    Xml(String),
    /// `src="URL"`: read from a URL (a `file:` URL is read at load time).
    Src(String),
}

impl LocalEntryConfig {
    /// The value as the text an [`Env`](mediate_core::Env) holds (`None` for a `src` entry).
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            LocalEntryValue::Text(t) | LocalEntryValue::Xml(t) => Some(t),
            LocalEntryValue::Src(_) => None,
        }
    }

    /// The entry as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        let mut spec = MediatorSpec::new("localEntry").property("key", self.key.clone());
        if let LocalEntryValue::Src(src) = &self.value {
            spec = spec.property("src", src.clone());
        }
        if let Some(d) = &self.description {
            spec = spec.property("description", d.clone());
        }
        match &self.value {
            LocalEntryValue::Text(t) => spec.text(t.clone()),
            // The element as a child too, so that the writer writes it as XML, not as text.
            LocalEntryValue::Xml(t) => {
                if let Ok(doc) = roxmltree::Document::parse(t)
                    && let Ok(child) = spec_from_element(doc.root_element(), Path::new(""))
                {
                    spec = spec.child(child);
                }
                spec.text(t.clone())
            }
            LocalEntryValue::Src(_) => spec,
        }
    }
}

/// `<localEntry key="…">`: text, one inline XML element, or `src`; a `<description>` child
/// is the description, as Synapse's `EntryFactory` reads it (it takes the first child
/// element for an XML value, so text beside the element is no part of it).
pub(crate) fn read_local_entry(r: &mut Reader<'_>, node: Node<'_, '_>) -> Option<LocalEntryConfig> {
    let before = r.error_count();
    r.check_attributes(node, &["key", "src", "description"]);
    let key = r.required(node, "key");
    let description_child = node
        .children()
        .find(|c| is_synapse(*c) && c.tag_name().name() == "description");
    let elements: Vec<(usize, Node<'_, '_>)> = node
        .children()
        .filter(Node::is_element)
        .enumerate()
        .filter(|(_, c)| Some(*c) != description_child)
        .collect();
    if let [_, (_, second), ..] = elements.as_slice() {
        r.error_at(
            *second,
            "`<localEntry>`: only one XML element is allowed as the value",
        );
    }
    // Text and CDATA, not comments (roxmltree gives a comment's text too).
    let text: String = node
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    let value = match r.optional(node, "src") {
        Some(src) => {
            if !text.trim().is_empty() || !elements.is_empty() {
                r.error_at_attr(
                    node,
                    "src",
                    "`<localEntry>`: `src` and an inline value cannot both be given",
                );
            }
            LocalEntryValue::Src(src.to_owned())
        }
        None => match elements.first() {
            None => LocalEntryValue::Text(text),
            Some((index, _)) => {
                let content = content(&r.source, node).unwrap_or_default();
                let markups = element_markups(&content);
                let markup = markups.get(*index).copied().unwrap_or(content.trim());
                LocalEntryValue::Xml(markup.to_owned())
            }
        },
    };
    let config = LocalEntryConfig {
        key: key?.to_owned(),
        value,
        description: node
            .attribute("description")
            .map(str::to_owned)
            .or_else(|| description_child.map(|d| content(&r.source, d).unwrap_or_default())),
        span: Span::of(&r.file, r.at(node)),
    };
    (r.error_count() == before).then_some(config)
}
