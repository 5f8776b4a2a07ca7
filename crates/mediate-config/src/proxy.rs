//! `<proxy>` artifacts: proxy services (`/services/NAME`), read with every problem located.
//!
//! The element as Synapse's `ProxyServiceFactory` reads it: `name` (required), `transports`
//! (space- or comma-separated; absent or `all`: every transport), `pinnedServers`,
//! `serviceGroup`, `startOnLoad` (default `true`), `statistics`/`trace`; children
//! `<description>`, `<target>` (required: an in-sequence or an endpoint, each by key or
//! inline), `<parameter name>` service parameters (text or one XML element),
//! `<enableAddressing/>`, `<enableRM/>` (which Synapse no longer reads), and `<publishWSDL>`
//! (read, validated and kept: it says which WSDL `?wsdl` serves, which the runtime loads and
//! serves; it changes no mediation). What mediate cannot honour yet is refused rather than dropped: `<policy>`
//! (WS-Policy) and `<enableSec/>` (WS-Security).

use mediate_core::{MediatorSpec, Registry};
use mediate_endpoints::EndpointDefinition;
use roxmltree::Node;

use crate::api::{
    ParameterValue, enabled, read_sequences, sequence_ref_references, with_content, xml_value,
};
use crate::check::{Reference, Wanted};
use crate::element::is_synapse;
use crate::read::{Reader, did_you_mean, list_items};
use crate::{SequenceRef, Span};

/// A proxy service's configuration.
///
/// ```
/// use mediate_config::{ArtifactConfig, EndpointRef, SequenceRef, load_str};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="StockQuoteProxy" transports="http https">
///     <target endpoint="StockQuoteEP">
///         <inSequence><log level="full"/></inSequence>
///     </target>
///     <parameter name="serviceType">proxy</parameter>
/// </proxy>"#;
/// let [ArtifactConfig::Proxy(proxy)] = &load_str(xml, "proxy.xml".as_ref(), &registry)?[..] else {
///     panic!("one proxy")
/// };
/// assert_eq!(proxy.transports, ["http", "https"]);
/// assert!(matches!(&proxy.target.endpoint, Some(EndpointRef::Key { key, .. }) if key == "StockQuoteEP"));
/// assert!(matches!(&proxy.target.in_sequence, Some(SequenceRef::Inline(s)) if s.mediators.len() == 1));
/// assert_eq!(proxy.parameters[0].value.as_str(), "proxy");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyConfig {
    /// The service's name (it is reached at `/services/NAME`).
    pub name: String,
    /// `transports`: the transports it is exposed on (empty: every transport, as `all`).
    pub transports: Vec<String>,
    /// `pinnedServers`: the servers it is deployed on (empty: every server).
    pub pinned_servers: Vec<String>,
    /// `serviceGroup`.
    pub service_group: Option<String>,
    /// `startOnLoad` (default `true`): whether it starts when deployed.
    pub start_on_load: bool,
    /// `statistics="enable"`.
    pub statistics: bool,
    /// `trace="enable"`.
    pub trace: bool,
    /// `<description>`, trimmed.
    pub description: Option<String>,
    /// `<target>`: what requests go through (boxed: with its inline sequences it is most of
    /// the configuration's size).
    pub target: Box<ProxyTarget>,
    /// `<parameter name>`s: service parameters (transport settings such as
    /// `transport.jms.Destination`), in order.
    pub parameters: Vec<ProxyParameter>,
    /// `<enableAddressing/>`: WS-Addressing headers are read and written.
    pub enable_addressing: bool,
    /// `<enableRM/>`: kept as written; Synapse ignores it (WS-ReliableMessaging was removed).
    pub enable_rm: bool,
    /// `<publishWSDL uri|key|endpoint [preservePolicy]>` (with `<resource location key>`s or
    /// an inline WSDL), as written: the WSDL the service publishes at `?wsdl` (the runtime
    /// loads it at deploy and serves it); mediation does not depend on it.
    pub publish_wsdl: Option<MediatorSpec>,
    /// Where it was read from.
    pub span: Span,
}

/// A proxy service's `<target>`: its sequences and endpoint, each by key or inline.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyTarget {
    /// The sequence requests go through.
    pub in_sequence: Option<SequenceRef>,
    /// The sequence responses go through.
    pub out_sequence: Option<SequenceRef>,
    /// The sequence errors go to.
    pub fault_sequence: Option<SequenceRef>,
    /// The endpoint requests are sent to (after the in-sequence, if any).
    pub endpoint: Option<EndpointRef>,
    /// Where it was read from.
    pub span: Span,
}

/// An endpoint used by a proxy target: by key, or written inline.
// Made once per proxy at load time; see `ArtifactConfig`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum EndpointRef {
    /// `endpoint="key"`: an endpoint deployed under `key`.
    Key {
        /// The key.
        key: String,
        /// Where the key is written.
        span: Span,
    },
    /// `<endpoint>…</endpoint>`.
    Inline(EndpointDefinition),
}

/// One `<parameter name>` of a proxy service.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyParameter {
    /// The name.
    pub name: String,
    /// The value: text (trimmed) or one XML element.
    pub value: ParameterValue,
    /// Where it was read from.
    pub span: Span,
}

impl ProxyConfig {
    /// The proxy as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        let mut spec = MediatorSpec::new("proxy").property("name", self.name.clone());
        if !self.transports.is_empty() {
            spec = spec.property("transports", self.transports.join(" "));
        }
        if !self.pinned_servers.is_empty() {
            spec = spec.property("pinnedServers", self.pinned_servers.join(" "));
        }
        if let Some(g) = &self.service_group {
            spec = spec.property("serviceGroup", g.clone());
        }
        if !self.start_on_load {
            spec = spec.property("startOnLoad", "false");
        }
        if self.statistics {
            spec = spec.property("statistics", "enable");
        }
        if self.trace {
            spec = spec.property("trace", "enable");
        }
        if let Some(d) = &self.description {
            spec = spec.child(MediatorSpec::new("description").text(d.clone()));
        }
        spec = spec.child(self.target.to_spec());
        for p in &self.parameters {
            spec = spec.child(with_content(
                MediatorSpec::new("parameter").property("name", p.name.clone()),
                &p.value,
            ));
        }
        if self.enable_addressing {
            spec = spec.child(MediatorSpec::new("enableAddressing"));
        }
        if self.enable_rm {
            spec = spec.child(MediatorSpec::new("enableRM"));
        }
        if let Some(wsdl) = &self.publish_wsdl {
            spec = spec.child(wsdl.clone());
        }
        spec
    }
}

/// `<publishWSDL>` as `ProxyServiceFactory` reads it: one source of the WSDL (`uri`, `key`,
/// `endpoint`, or an inline WSDL 1.1 `definitions` / 2.0 `description` element), an optional
/// `preservePolicy`, and `<resource location key>` imports.
fn read_publish_wsdl(r: &mut Reader<'_>, node: Node<'_, '_>) -> Option<MediatorSpec> {
    let before = r.error_count();
    r.check_attributes(node, &["uri", "key", "endpoint", "preservePolicy"]);
    let mut sources: Vec<&str> = ["uri", "key", "endpoint"]
        .into_iter()
        .filter(|a| node.attribute(*a).is_some())
        .collect();
    for a in &sources {
        r.optional(node, a);
    }
    r.boolean(node, "preservePolicy");
    for child in node.children().filter(Node::is_element) {
        let tag = child.tag_name();
        if is_synapse(child) && tag.name() == "resource" {
            r.check_attributes(child, &["location", "key"]);
            r.required(child, "location");
            r.required(child, "key");
        } else if !is_synapse(child) && matches!(tag.name(), "definitions" | "description") {
            sources.push("inline");
        } else {
            r.error_at(
                child,
                format!(
                    "`<publishWSDL>`: unexpected `<{}>` (expected `<resource location key>` or an inline WSDL `definitions`/`description`)",
                    tag.name()
                ),
            );
        }
    }
    match sources.len() {
        0 => r.error_at(
            node,
            "`<publishWSDL>`: missing the WSDL: give `uri`, `key`, `endpoint` or an inline WSDL",
        ),
        1 => {}
        _ => r.error_at(
            node,
            format!(
                "`<publishWSDL>`: give only one WSDL source (found {})",
                sources.join(", ")
            ),
        ),
    }
    let spec = r.spec(node)?;
    (r.error_count() == before).then_some(spec)
}

impl ProxyTarget {
    /// The target as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        let mut spec = MediatorSpec::new("target");
        if let Some(EndpointRef::Key { key, .. }) = &self.endpoint {
            spec = spec.property("endpoint", key.clone());
        }
        spec = crate::api::sequences_to_spec(
            spec,
            [
                ("inSequence", &self.in_sequence),
                ("outSequence", &self.out_sequence),
                ("faultSequence", &self.fault_sequence),
            ],
        );
        if let Some(EndpointRef::Inline(e)) = &self.endpoint {
            spec = spec.child(e.to_spec());
        }
        spec
    }
}

/// The keys a proxy refers to: its target's sequences and endpoint, and those inside inline
/// sequences and an inline endpoint.
pub(crate) fn references(proxy: &ProxyConfig, out: &mut Vec<Reference>) {
    let t = &proxy.target;
    for (attr, seq) in [
        ("inSequence", &t.in_sequence),
        ("outSequence", &t.out_sequence),
        ("faultSequence", &t.fault_sequence),
    ] {
        sequence_ref_references(seq, "target", attr, out);
    }
    match &t.endpoint {
        Some(EndpointRef::Key { key, span }) => out.push(Reference::new(
            Wanted::Endpoint,
            key,
            "`<target endpoint>`",
            span.clone(),
        )),
        Some(EndpointRef::Inline(definition)) => {
            crate::endpoint::definition_references(definition, &proxy.span, out);
        }
        None => {}
    }
    if let Some(wsdl) = &proxy.publish_wsdl {
        let keyed = std::iter::once(wsdl).chain(wsdl.children_named("resource"));
        for spec in keyed {
            if let Some(key) = spec.get("key") {
                out.push(Reference::new(
                    Wanted::Entry,
                    key,
                    "`<publishWSDL key>`",
                    Span {
                        file: proxy.span.file.clone(),
                        position: spec.position_of("key").or(spec.position),
                    },
                ));
            }
        }
    }
}

/// The attributes of `<proxy>`.
const PROXY_ATTRIBUTES: &[&str] = &[
    "name",
    "transports",
    "pinnedServers",
    "serviceGroup",
    "startOnLoad",
    "statistics",
    "trace",
];

/// The child elements of `<proxy>`.
const PROXY_CHILDREN: &[&str] = &[
    "description",
    "target",
    "parameter",
    "publishWSDL",
    "policy",
    "enableAddressing",
    "enableSec",
    "enableRM",
];

/// Transports MI ships: an unknown name close to one of them is taken for a typo (other
/// names may be custom transports and are kept).
const KNOWN_TRANSPORTS: &[&str] = &[
    "http", "https", "local", "jms", "vfs", "mailto", "rabbitmq", "mqtt", "fix", "hl7", "tcp",
    "udp", "ws", "wss", "sms",
];

/// `<proxy name …>` with its target, parameters and flags.
pub(crate) fn read_proxy(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
) -> Option<ProxyConfig> {
    let before = r.error_count();
    r.check_attributes(node, PROXY_ATTRIBUTES);
    let name = r.required(node, "name");
    let transports = read_transports(r, node);
    let pinned_servers = r
        .optional(node, "pinnedServers")
        .map(|v| tokens(v).into_iter().map(|(_, t)| t.to_owned()).collect())
        .unwrap_or_default();
    let mut description = None;
    let mut target = None;
    let mut parameters: Vec<ProxyParameter> = Vec::new();
    let mut publish_wsdl = None;
    let mut seen: Vec<&str> = Vec::new();
    for child in r.elements(node) {
        let tag = child.tag_name().name();
        let once = matches!(
            tag,
            "description"
                | "target"
                | "publishWSDL"
                | "enableAddressing"
                | "enableSec"
                | "enableRM"
        );
        if once && seen.contains(&tag) {
            r.error_at(child, format!("`<proxy>`: only one `<{tag}>` is allowed"));
            continue;
        }
        seen.extend(PROXY_CHILDREN.iter().copied().find(|c| *c == tag));
        match tag {
            "description" => {
                r.check_attributes(child, &[]);
                description = Some(child_text(child).trim().to_owned());
            }
            "target" => target = read_target(r, child, registry),
            "parameter" => {
                if let Some(p) = read_parameter(r, child) {
                    if parameters.iter().any(|q| q.name == p.name) {
                        r.error_at_attr(
                            child,
                            "name",
                            format!("`<proxy>`: parameter `{}` is given twice", p.name),
                        );
                    }
                    parameters.push(p);
                }
            }
            "publishWSDL" => publish_wsdl = read_publish_wsdl(r, child),
            "policy" => r.error_at(
                child,
                "`<proxy>`: `<policy>` is not supported yet (mediate applies no WS-Policy)",
            ),
            "enableSec" => r.error_at(
                child,
                "`<proxy>`: `<enableSec>` is not supported yet (mediate has no WS-Security)",
            ),
            "enableAddressing" | "enableRM" => {
                r.check_attributes(child, &[]);
                for inner in r.elements(child) {
                    r.unknown_element(child, inner, &[]);
                }
            }
            _ => r.unknown_element(node, child, PROXY_CHILDREN),
        }
    }
    if !seen.contains(&"target") {
        r.error_at(node, "`<proxy>`: missing `<target>`");
    }
    let config = ProxyConfig {
        name: name?.to_owned(),
        transports,
        pinned_servers,
        service_group: r.optional(node, "serviceGroup").map(str::to_owned),
        start_on_load: r.boolean(node, "startOnLoad").unwrap_or(true),
        statistics: enabled(r, node, "statistics"),
        trace: enabled(r, node, "trace"),
        description,
        target: Box::new(target?),
        parameters,
        enable_addressing: seen.contains(&"enableAddressing"),
        enable_rm: seen.contains(&"enableRM"),
        publish_wsdl,
        span: Span::of(&r.file, r.at(node)),
    };
    (r.error_count() == before).then_some(config)
}

/// The items of a list Synapse splits on spaces and commas (`StringTokenizer(value, " ,")`),
/// each with its character index.
fn tokens(value: &str) -> Vec<(usize, &str)> {
    list_items(value, &[' ', ','])
}

/// `transports`: `all` (or absent) for every transport, else a list.
fn read_transports(r: &mut Reader<'_>, node: Node<'_, '_>) -> Vec<String> {
    let Some(value) = r.optional(node, "transports") else {
        return Vec::new();
    };
    if value == "all" {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (index, t) in tokens(value) {
        let at = crate::api::value_position(r, node, "transports", index);
        if t == "all" {
            r.error(
                at,
                "`<proxy>`: `all` cannot be combined with other transports",
            );
        } else if out.iter().any(|o| o == t) {
            r.error(at, format!("`<proxy>`: transport `{t}` is listed twice"));
        } else if !KNOWN_TRANSPORTS.contains(&t) {
            let hint = did_you_mean(t, KNOWN_TRANSPORTS.iter().copied());
            if !hint.is_empty() {
                r.error(at, format!("`<proxy>`: unknown transport `{t}`{hint}"));
            }
        }
        out.push(t.to_owned());
    }
    out
}

/// `<target [inSequence] [outSequence] [faultSequence] [endpoint]>` with inline sequences
/// and endpoint.
fn read_target(r: &mut Reader<'_>, node: Node<'_, '_>, registry: &Registry) -> Option<ProxyTarget> {
    let before = r.error_count();
    r.check_attributes(
        node,
        &["inSequence", "outSequence", "faultSequence", "endpoint"],
    );
    let [in_sequence, out_sequence, fault_sequence] =
        read_sequences(r, node, registry, "target", &["endpoint"]);
    let inline: Vec<Node<'_, '_>> = node
        .children()
        .filter(|c| is_synapse(*c) && c.tag_name().name() == "endpoint")
        .collect();
    if let [_, second, ..] = inline.as_slice() {
        r.error_at(*second, "`<target>`: only one `<endpoint>` is allowed");
    }
    let key = r.optional(node, "endpoint");
    let endpoint = match (key, inline.first()) {
        (Some(key), Some(_)) => {
            r.error_at_attr(
                node,
                "endpoint",
                format!(
                    "`<target>`: the endpoint is given both as `endpoint=\"{key}\"` and inline as `<endpoint>`: give one"
                ),
            );
            None
        }
        (Some(key), None) => Some(EndpointRef::Key {
            key: key.to_owned(),
            span: Span::of(&r.file, r.attr_at(node, "endpoint")),
        }),
        (None, Some(e)) => crate::endpoint::read_definition(r, *e).map(EndpointRef::Inline),
        (None, None) => None,
    };
    let declared = |attr: &str, tag: &str| {
        node.attribute(attr).is_some()
            || node
                .children()
                .any(|c| is_synapse(c) && c.tag_name().name() == tag)
    };
    if !declared("inSequence", "inSequence") && !declared("endpoint", "endpoint") {
        r.error_at(
            node,
            "`<target>`: a proxy target needs an in-sequence or an endpoint (or both)",
        );
    }
    let target = ProxyTarget {
        in_sequence,
        out_sequence,
        fault_sequence,
        endpoint,
        span: Span::of(&r.file, r.at(node)),
    };
    (r.error_count() == before).then_some(target)
}

/// `<parameter name>value</parameter>`: text (trimmed) or one XML element.
fn read_parameter(r: &mut Reader<'_>, node: Node<'_, '_>) -> Option<ProxyParameter> {
    r.check_attributes(node, &["name"]);
    let name = r.required(node, "name");
    let value = match xml_value(r, node) {
        Some(v) => v,
        None if node.children().any(|c| c.is_element()) => return None,
        None => ParameterValue::Text(child_text(node).trim().to_owned()),
    };
    Some(ProxyParameter {
        name: name?.to_owned(),
        value,
        span: Span::of(&r.file, r.at(node)),
    })
}

/// The text of `node`'s text children (not its comments', which roxmltree gives as text too).
fn child_text(node: Node<'_, '_>) -> String {
    node.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}
