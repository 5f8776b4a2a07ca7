//! `<endpoint>` artifacts: named endpoints, read into [`EndpointDefinition`]s.

use mediate_core::MediatorSpec;
use mediate_endpoints::{EndpointDefinition, ReferenceKind};
use roxmltree::Node;

use crate::Span;
use crate::check::{Reference, Wanted};
use crate::read::{Reader, build_diagnostic};

/// A named endpoint's configuration: its [`EndpointDefinition`] (address, http, default,
/// load-balance, failover, recipient list, template, or a key to another endpoint).
///
/// ```
/// use mediate_config::{ArtifactConfig, load_str};
/// use mediate_endpoints::EndpointKind;
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<endpoint xmlns="http://ws.apache.org/ns/synapse" name="StockQuoteEP">
///     <address uri="http://localhost:9000/services/SimpleStockQuoteService"/>
/// </endpoint>"#;
/// let [ArtifactConfig::Endpoint(ep)] = &load_str(xml, "ep.xml".as_ref(), &registry)?[..] else {
///     panic!("one endpoint")
/// };
/// assert_eq!(ep.name(), "StockQuoteEP");
/// assert!(matches!(ep.definition.kind, EndpointKind::Address(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointConfig {
    /// What the endpoint is.
    pub definition: EndpointDefinition,
    /// Where it was read from.
    pub span: Span,
}

impl EndpointConfig {
    /// The endpoint's name.
    pub fn name(&self) -> &str {
        self.definition.name.as_deref().unwrap_or_default()
    }

    /// The endpoint as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        self.definition.to_spec()
    }
}

/// `<endpoint name="…">`: the name is required for an artifact.
pub(crate) fn read_endpoint(r: &mut Reader<'_>, node: Node<'_, '_>) -> Option<EndpointConfig> {
    let before = r.error_count();
    r.required(node, "name");
    let definition = read_definition(r, node)?;
    (r.error_count() == before).then(|| EndpointConfig {
        definition,
        span: Span::of(&r.file, r.at(node)),
    })
}

/// Any `<endpoint>` element (an artifact's root, or inline in a proxy's target), validated.
pub(crate) fn read_definition(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
) -> Option<EndpointDefinition> {
    let spec = r.spec(node)?;
    match EndpointDefinition::from_spec(&spec) {
        Ok(definition) => Some(definition),
        Err(e) => {
            let d = build_diagnostic(&r.source, &e, spec.position);
            r.diags.push(d);
            None
        }
    }
}

/// The keys an endpoint definition refers to.
pub(crate) fn definition_references(
    definition: &EndpointDefinition,
    span: &Span,
    out: &mut Vec<Reference>,
) {
    for reference in definition.references() {
        let (wanted, via) = match reference.kind {
            ReferenceKind::Endpoint => (Wanted::Endpoint, "`<endpoint key>`"),
            ReferenceKind::Template => (Wanted::Template, "`<endpoint template>`"),
            ReferenceKind::Sequence => (Wanted::Sequence, "`<endpoint onError>`"),
            ReferenceKind::Policy => (Wanted::Entry, "`policy`"),
        };
        out.push(Reference::new(
            wanted,
            reference.key,
            via,
            Span {
                file: span.file.clone(),
                position: reference.position.or(span.position),
            },
        ));
    }
}

pub(crate) fn references(endpoint: &EndpointConfig, out: &mut Vec<Reference>) {
    definition_references(&endpoint.definition, &endpoint.span, out);
}
