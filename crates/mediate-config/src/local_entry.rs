//! `<localEntry>` artifacts.

use std::path::{Path, PathBuf};

use mediate_core::MediatorSpec;
use mediate_core::message::XmlDocument;
use roxmltree::Node;

use crate::api::element_markups;
use crate::element::{content, is_synapse};
use crate::load::{parse_document, read_file};
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
    /// For a `src` entry, what its URL held when the project was loaded:
    /// [`load_dir`](crate::load_dir) reads a `file:` URL (see [`LocalEntryValue::Src`]);
    /// `None` when it was not read (a single file loaded with [`load_str`](crate::load_str)).
    pub loaded: Option<String>,
}

/// What a local entry holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalEntryValue {
    /// Plain text.
    Text(String),
    /// One XML element, serialized as written with the namespaces in scope declared.
    Xml(String),
    /// `src="URL"`: read from a URL, as MI's `SynapseConfigUtils.getObject` reads it when it
    /// deploys the entry. [`load_dir`](crate::load_dir) reads a `file:` URL (a relative path
    /// from the project folder, where MI takes it from its home folder) into
    /// [`LocalEntryConfig::loaded`]: a well-formed XML file as its root element, anything else
    /// as its text. Other schemes (`http:`…) are refused.
    Src(String),
}

impl LocalEntryConfig {
    /// The value as the text an [`Env`](mediate_core::Env) holds (for a `src` entry, what was
    /// [`loaded`](Self::loaded) from it, if it was).
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            LocalEntryValue::Text(t) | LocalEntryValue::Xml(t) => Some(t),
            LocalEntryValue::Src(_) => self.loaded.as_deref(),
        }
    }

    /// Whether the value is an XML element, which Synapse's `EntryFactory` keeps as an
    /// `OMElement` (so that `get-property('KEY')/url` walks into it): an inline element, or a
    /// `src` file that held well-formed XML (read as its root element, as
    /// `SynapseConfigUtils.getObject` does). Text, and a `src` file of anything else (or not
    /// read), are strings.
    ///
    /// ```
    /// use mediate_config::{ArtifactConfig, load_str};
    ///
    /// let registry = mediate_mediators::builtins::registry();
    /// let xml = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
    ///     <localEntry key="cfg"><config><url>http://b/</url></config></localEntry>
    ///     <localEntry key="greeting">Hello</localEntry>
    /// </definitions>"#;
    /// let entries: Vec<bool> = load_str(xml, "all.xml".as_ref(), &registry)?
    ///     .iter()
    ///     .filter_map(|a| match a {
    ///         ArtifactConfig::LocalEntry(e) => Some(e.holds_xml()),
    ///         _ => None,
    ///     })
    ///     .collect();
    /// assert_eq!(entries, [true, false]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn holds_xml(&self) -> bool {
        match &self.value {
            LocalEntryValue::Xml(_) => true,
            LocalEntryValue::Text(_) => false,
            LocalEntryValue::Src(_) => self
                .loaded
                .as_deref()
                .is_some_and(|text| XmlDocument::parse(text.to_owned()).is_ok()),
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
/// element for an XML value, so text beside the element is no part of it). A `file:` `src` is
/// read from the project folder `base` (not read without one).
pub(crate) fn read_local_entry(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    base: Option<&Path>,
) -> Option<LocalEntryConfig> {
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
    let mut loaded = None;
    let value = match r.optional(node, "src") {
        Some(src) => {
            if !text.trim().is_empty() || !elements.is_empty() {
                r.error_at_attr(
                    node,
                    "src",
                    "`<localEntry>`: `src` and an inline value cannot both be given",
                );
            }
            match read_src(src, base) {
                Ok(text) => loaded = text,
                Err(message) => r.error_at_attr(node, "src", message),
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
        loaded,
    };
    (r.error_count() == before).then_some(config)
}

/// What the `src` URL of a local entry holds: `None` when it is not read here (a `file:` URL
/// without a project folder); the problem as a message.
fn read_src(src: &str, base: Option<&Path>) -> Result<Option<String>, String> {
    let src = src.trim();
    let scheme = src
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
        .ok_or_else(|| format!("`<localEntry>`: `src` is `{src}`, expected a URL (`file:PATH`)"))?;
    if !scheme.eq_ignore_ascii_case("file") {
        return Err(format!(
            "a local entry read from `{scheme}:` is not supported yet (only `file:`)"
        ));
    }
    let Some(base) = base else {
        return Ok(None);
    };
    let path = file_url_path(&src[scheme.len() + 1..])
        .ok_or_else(|| format!("`<localEntry>`: `{src}` names a file on another host"))?;
    let path = base.join(path);
    let bytes = read_file(&path).map_err(|e| {
        format!(
            "`<localEntry>`: `{src}`: `{}`: {}",
            path.display(),
            e.strip_prefix("the file ")
                .map_or(e.clone(), |rest| format!("it {rest}"))
        )
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        format!(
            "`<localEntry>`: `{src}`: `{}` is not UTF-8 text",
            path.display()
        )
    })?;
    // XML as its root element, anything else (or XML MI's parser would refuse) as text.
    let value = match parse_document(text, &path) {
        Ok(doc) => text
            .get(doc.root_element().range())
            .unwrap_or(text)
            .to_owned(),
        Err(_) => text.to_owned(),
    };
    Ok(Some(value))
}

/// The path of a `file:` URL (what follows `file:`): `a/b.xml`, `/abs/b.xml`,
/// `///abs/b.xml` or `//localhost/abs/b.xml`, `%XX` decoded; `None` for another host. How
/// MI's `file:` references (local entry `src`, `publishWSDL uri`) are read.
pub fn file_url_path(rest: &str) -> Option<PathBuf> {
    let path = match rest.strip_prefix("//") {
        Some(authority) => {
            let slash = authority.find('/').unwrap_or(authority.len());
            let host = &authority[..slash];
            if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
                return None;
            }
            &authority[slash..]
        }
        None => rest,
    };
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
}
