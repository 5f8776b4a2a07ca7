//! The typed configuration of Synapse artifacts: what a file says, validated, comparable and
//! serializable back to Synapse XML — apart from the runtime objects built from it.

use std::path::Path;
use std::sync::Arc;

use mediate_core::{MediatorSpec, Position};

use crate::{
    ApiConfig, EndpointConfig, LocalEntryConfig, ProxyConfig, SequenceConfig, TemplateConfig,
};

/// Where a configuration item was read from: its file and the position of its element.
///
/// A `Span` never takes part in equality (every two spans are equal), so a configuration read
/// back from its serialized XML equals the one it was written from.
///
/// ```
/// use mediate_config::Span;
/// use mediate_core::{MediatorSpec, Position};
///
/// let read = Span::new("api.xml", Position::new(3, 5));
/// assert_eq!(read, Span::default());
/// assert_eq!(read.to_string(), "api.xml:3:5");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Span {
    /// The file, when read from one.
    pub file: Option<Arc<Path>>,
    /// The position in the file.
    pub position: Option<Position>,
}

impl Span {
    /// The span of `position` in `file`.
    pub fn new(file: impl AsRef<Path>, position: Position) -> Self {
        Self {
            file: Some(Arc::from(file.as_ref())),
            position: Some(position),
        }
    }

    pub(crate) fn of(file: &Arc<Path>, position: Position) -> Self {
        Self {
            file: Some(Arc::clone(file)),
            position: Some(position),
        }
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.position) {
            (Some(file), Some(p)) => write!(f, "{}:{p}", file.display()),
            (Some(file), None) => write!(f, "{}", file.display()),
            (None, Some(p)) => write!(f, "{p}"),
            (None, None) => f.write_str("(built in code)"),
        }
    }
}

/// What kind of artifact a configuration is (its root element).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ArtifactKind {
    /// `<api>`
    Api,
    /// `<proxy>`
    Proxy,
    /// `<sequence>`
    Sequence,
    /// `<endpoint>`
    Endpoint,
    /// `<localEntry>`
    LocalEntry,
    /// `<template>`
    Template,
    /// An artifact mediate reads and validates but cannot deploy yet.
    Unsupported,
}

impl ArtifactKind {
    /// The kind in words, for messages (`sequence`, `local entry`…).
    pub fn describe(self) -> &'static str {
        match self {
            ArtifactKind::Api => "API",
            ArtifactKind::Proxy => "proxy service",
            ArtifactKind::Sequence => "sequence",
            ArtifactKind::Endpoint => "endpoint",
            ArtifactKind::LocalEntry => "local entry",
            ArtifactKind::Template => "template",
            ArtifactKind::Unsupported => "artifact",
        }
    }
}

/// An artifact mediate recognises but has no runtime for yet (`inboundEndpoint`,
/// `messageStore`, `messageProcessor`, `task`…): read and validated, then refused with a
/// "not supported yet" diagnostic rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedArtifact {
    /// The root element's name (`inboundEndpoint`…).
    pub element: String,
    /// Its `name`, when it has one.
    pub name: Option<String>,
    /// Where it was read from.
    pub span: Span,
}

/// One artifact's configuration.
// Artifacts are made once per file at load time and never moved in a hot path: boxing the
// large variants would only make matching on them clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ArtifactConfig {
    /// A REST API.
    Api(ApiConfig),
    /// A proxy service.
    Proxy(ProxyConfig),
    /// A named sequence.
    Sequence(SequenceConfig),
    /// A named endpoint.
    Endpoint(EndpointConfig),
    /// A local entry.
    LocalEntry(LocalEntryConfig),
    /// A sequence or endpoint template.
    Template(TemplateConfig),
    /// An artifact read and validated but not deployable yet.
    Unsupported(UnsupportedArtifact),
}

impl ArtifactConfig {
    /// The artifact's name (a local entry's key).
    pub fn name(&self) -> &str {
        match self {
            ArtifactConfig::Api(a) => &a.name,
            ArtifactConfig::Proxy(p) => &p.name,
            ArtifactConfig::Sequence(s) => s.name.as_deref().unwrap_or_default(),
            ArtifactConfig::Endpoint(e) => e.name(),
            ArtifactConfig::LocalEntry(e) => &e.key,
            ArtifactConfig::Template(t) => &t.name,
            ArtifactConfig::Unsupported(u) => u.name.as_deref().unwrap_or_default(),
        }
    }

    /// What kind of artifact it is.
    pub fn kind(&self) -> ArtifactKind {
        match self {
            ArtifactConfig::Api(_) => ArtifactKind::Api,
            ArtifactConfig::Proxy(_) => ArtifactKind::Proxy,
            ArtifactConfig::Sequence(_) => ArtifactKind::Sequence,
            ArtifactConfig::Endpoint(_) => ArtifactKind::Endpoint,
            ArtifactConfig::LocalEntry(_) => ArtifactKind::LocalEntry,
            ArtifactConfig::Template(_) => ArtifactKind::Template,
            ArtifactConfig::Unsupported(_) => ArtifactKind::Unsupported,
        }
    }

    /// The artifact as an element-shaped value (the root element of its file), for
    /// serialization with [`spec_to_xml`](crate::spec_to_xml). `None` for an artifact mediate
    /// does not model yet.
    pub fn to_spec(&self) -> Option<MediatorSpec> {
        Some(match self {
            ArtifactConfig::Api(a) => a.to_spec(),
            ArtifactConfig::Proxy(p) => p.to_spec(),
            ArtifactConfig::Sequence(s) => s.to_spec("sequence"),
            ArtifactConfig::Endpoint(e) => e.to_spec(),
            ArtifactConfig::LocalEntry(e) => e.to_spec(),
            ArtifactConfig::Template(t) => t.to_spec(),
            ArtifactConfig::Unsupported(_) => return None,
        })
    }

    /// The artifact as Synapse XML: reading it back gives an equal configuration.
    ///
    /// ```
    /// use mediate_config::load_str;
    ///
    /// let registry = mediate_mediators::builtins::registry();
    /// let xml = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Hello" context="/hello">
    ///   <resource methods="GET" uri-template="/{name}"><inSequence><respond/></inSequence></resource>
    /// </api>"#;
    /// let api = &load_str(xml, "a.xml".as_ref(), &registry)?[0];
    /// let written = api.to_xml().expect("an API is modelled");
    /// assert_eq!(&load_str(&written, "b.xml".as_ref(), &registry)?[0], api);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_xml(&self) -> Option<String> {
        self.to_spec().map(|spec| crate::spec_to_xml(&spec))
    }

    /// Where it was read from.
    pub fn span(&self) -> &Span {
        match self {
            ArtifactConfig::Api(a) => &a.span,
            ArtifactConfig::Proxy(p) => &p.span,
            ArtifactConfig::Sequence(s) => &s.span,
            ArtifactConfig::Endpoint(e) => &e.span,
            ArtifactConfig::LocalEntry(e) => &e.span,
            ArtifactConfig::Template(t) => &t.span,
            ArtifactConfig::Unsupported(u) => &u.span,
        }
    }
}
