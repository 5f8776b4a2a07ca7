//! `<sequence>` artifacts and the inline sequences of APIs, proxies and templates.

use std::sync::Arc;

use mediate_core::{BuildError, MediatorSpec, Registry, Sequence};
use roxmltree::Node;

use crate::Span;
use crate::read::Reader;

/// A sequence's configuration: a named `<sequence>` artifact, or an anonymous one written
/// inline (an API resource's `<inSequence>`, a proxy's `<target><inSequence>`, a template's
/// `<sequence>`).
///
/// ```
/// use mediate_config::{ArtifactConfig, load_str};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main" onError="oops">
///     <log level="full"/>
/// </sequence>"#;
/// let [ArtifactConfig::Sequence(main)] = &load_str(xml, "main.xml".as_ref(), &registry)?[..] else {
///     panic!("one sequence")
/// };
/// assert_eq!(main.name.as_deref(), Some("main"));
/// assert_eq!(main.on_error.as_deref(), Some("oops"));
/// assert_eq!(main.mediators[0].kind, "log");
/// let runtime = main.build(&registry)?;
/// assert_eq!(runtime.mediators().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SequenceConfig {
    /// The name (`None` for an inline sequence).
    pub name: Option<String>,
    /// The key of the sequence that handles its errors.
    pub on_error: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// `trace` and `statistics` as written (`enable`/`disable`); kept for serialization, no
    /// runtime effect yet.
    pub trace: Option<String>,
    /// See [`trace`](Self::trace).
    pub statistics: Option<String>,
    /// The mediators, in order.
    pub mediators: Vec<MediatorSpec>,
    /// Where it was read from.
    pub span: Span,
}

impl SequenceConfig {
    /// Builds the runtime sequence through `registry`.
    pub fn build(&self, registry: &Registry) -> Result<Sequence, BuildError> {
        let mediators = self
            .mediators
            .iter()
            .map(|spec| registry.build(spec))
            .collect::<Result<Vec<_>, _>>()?;
        let mut sequence = Sequence::new(self.name.clone(), mediators);
        if let Some(on_error) = &self.on_error {
            sequence = sequence.on_error(on_error.clone());
        }
        Ok(sequence)
    }

    /// The sequence as an element-shaped value named `element` (`sequence`, `inSequence`…), for
    /// serialization.
    pub fn to_spec(&self, element: &str) -> MediatorSpec {
        let mut spec = MediatorSpec::new(element);
        for (name, value) in [
            ("name", &self.name),
            ("onError", &self.on_error),
            ("description", &self.description),
            ("trace", &self.trace),
            ("statistics", &self.statistics),
        ] {
            if let Some(value) = value {
                spec = spec.property(name, value.clone());
            }
        }
        spec.children = self.mediators.clone();
        spec
    }
}

/// A sequence used by an API resource, proxy or filter: by key, or written inline.
#[derive(Debug, Clone, PartialEq)]
pub enum SequenceRef {
    /// `inSequence="key"`: a sequence deployed under `key`.
    Key {
        /// The key.
        key: String,
        /// Where the key is written.
        span: Span,
    },
    /// `<inSequence>…</inSequence>`.
    Inline(SequenceConfig),
}

impl SequenceRef {
    /// Builds the runtime sequence: an inline one through `registry`; a key through `lookup`
    /// (`None` when nothing is deployed under it).
    pub fn resolve(
        &self,
        registry: &Registry,
        lookup: impl FnOnce(&str) -> Option<Arc<Sequence>>,
    ) -> Result<Arc<Sequence>, BuildError> {
        match self {
            SequenceRef::Inline(config) => config.build(registry).map(Arc::new),
            SequenceRef::Key { key, .. } => lookup(key).ok_or_else(|| {
                BuildError::structure("sequence", format!("no sequence is deployed as `{key}`"))
            }),
        }
    }
}

/// The attributes of `<sequence>`.
const SEQUENCE_ATTRIBUTES: &[&str] = &["name", "onError", "trace", "statistics", "description"];

/// `<sequence name onError…>` with its mediators: named when `named`, else inline (an
/// `<inSequence>`, whose `name` is refused).
pub(crate) fn read_sequence(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
    named: bool,
) -> Option<SequenceConfig> {
    let before = r.error_count();
    if named {
        r.check_attributes(node, SEQUENCE_ATTRIBUTES);
    } else {
        r.check_attributes(node, &SEQUENCE_ATTRIBUTES[1..]);
    }
    let name = if named {
        r.required(node, "name").map(str::to_owned)
    } else {
        None
    };
    // A `<description>` child is the description (as Synapse's AbstractListMediatorFactory
    // reads it), not a mediator.
    let description_child = node
        .children()
        .find(|c| crate::element::is_synapse(*c) && c.tag_name().name() == "description")
        .map(|c| crate::element::content(&r.source, c).unwrap_or_default());
    let config = SequenceConfig {
        name,
        on_error: r.optional(node, "onError").map(str::to_owned),
        description: node
            .attribute("description")
            .map(str::to_owned)
            .or(description_child),
        trace: node.attribute("trace").map(str::to_owned),
        statistics: node.attribute("statistics").map(str::to_owned),
        mediators: r.mediators(node, registry, &["description"]),
        span: Span::of(&r.file, r.at(node)),
    };
    (r.error_count() == before).then_some(config)
}
