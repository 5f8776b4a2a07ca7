//! The typed configuration of Synapse artifacts: what a file says, validated, comparable and
//! serializable back to Synapse XML — apart from the runtime objects built from it.

use std::path::Path;
use std::sync::Arc;

use mediate_core::Position;

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
/// use mediate_core::Position;
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
