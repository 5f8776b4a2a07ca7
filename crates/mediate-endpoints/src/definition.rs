//! [`EndpointDefinition`]: one `<endpoint>` element, of any kind.

use mediate_core::{BuildError, MediatorSpec, Namespaces, Position};

use crate::check::{
    check_attributes, check_expression, check_no_duplicate_attributes, check_no_text, did_you_mean,
    invalid, leaf_text_with, non_blank, required, structure, toggle, toggle_text, unknown_child,
};
use crate::group::{
    FailoverEndpoint, GroupTargets, LoadbalanceEndpoint, RecipientListEndpoint, RecipientTargets,
};
use crate::key::KeyRef;
use crate::leaf::{AddressEndpoint, DefaultEndpoint, HttpEndpoint};
use crate::settings::EndpointSettings;
use crate::write::{element, opt_attr, text_element};

/// One Synapse endpoint, as an `<endpoint>` element defines it: a named artifact
/// (`<endpoint name="StockQuoteEP">` in `endpoints/`), or an anonymous one inline in a `call`,
/// `send` or a group endpoint.
///
/// Immutable data: reading ([`from_spec`](Self::from_spec)) checks everything MI would refuse
/// when deploying, and a few mistakes MI lets through silently (an unknown `format` or
/// `method`, an unknown child element); writing ([`to_spec`](Self::to_spec)) gives back an
/// equal definition when read again. Sending, suspension and failover state belong to the
/// runtime built from it.
#[derive(Clone, Debug)]
pub struct EndpointDefinition {
    /// `name`: set for a named endpoint artifact, usually absent inline.
    pub name: Option<String>,
    /// What the endpoint is.
    pub kind: EndpointKind,
    /// `<property name value|expression [scope]/>` children, in order: set on the message
    /// (in their scope) when it is sent through this endpoint; `loadbalance.weight` and the
    /// like also configure a parent group.
    pub properties: Vec<EndpointProperty>,
    /// `<description>`.
    pub description: Option<String>,
    /// `onError`: the key of the sequence that handles this endpoint's errors.
    pub on_error: Option<KeyRef>,
    /// `statistics="enable|disable"` written on the `<endpoint>` element itself (MI's
    /// samples do; MI reads statistics from the inner element, see
    /// [`EndpointSettings::statistics`]).
    pub statistics: Option<bool>,
    /// `trace="enable|disable"` on the `<endpoint>` element itself.
    pub trace: Option<bool>,
    /// The namespace prefixes in scope at the `<endpoint>` element: the `{expression}`
    /// settings are compiled against them.
    pub namespaces: Namespaces,
    /// Where the `<endpoint>` element starts, when read from a file. Not compared by `==`.
    pub position: Option<Position>,
}

impl PartialEq for EndpointDefinition {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.kind == other.kind
            && self.properties == other.properties
            && self.description == other.description
            && self.on_error == other.on_error
            && self.statistics == other.statistics
            && self.trace == other.trace
            && self.namespaces == other.namespaces
    }
}

/// What an endpoint is: the child element (or attribute) that decides it.
// Definitions are made once per deployment and moved rarely: unboxed variants keep
// pattern matching plain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EndpointKind {
    /// `<address uri>`.
    Address(AddressEndpoint),
    /// `<http uri-template [method]>`.
    Http(HttpEndpoint),
    /// `<default>`: the message's own `To` address.
    Default(DefaultEndpoint),
    /// `<loadbalance>` (with an optional `<session>` sibling).
    Loadbalance(LoadbalanceEndpoint),
    /// `<failover>`.
    Failover(FailoverEndpoint),
    /// `<recipientlist>`.
    RecipientList(RecipientListEndpoint),
    /// `<endpoint template="T" [uri]><parameter name value/>…</endpoint>`: an endpoint made
    /// from an endpoint template.
    Template(TemplateEndpoint),
    /// `<endpoint key="K"/>`: the named endpoint (or registry resource) `K`.
    Indirect {
        /// The key.
        key: KeyRef,
    },
    /// `<endpoint key-expression="…"/>`: the endpoint whose key the expression yields for
    /// each message.
    Resolving {
        /// The expression, as written.
        key_expression: String,
    },
}

/// An endpoint made from an endpoint template (Synapse's `TemplateEndpoint`): the template's
/// `$name`, `$uri` and other parameters take these values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateEndpoint {
    /// `template`: the endpoint template's name.
    pub template: KeyRef,
    /// `uri`: the template's `uri` parameter.
    pub uri: Option<String>,
    /// `<parameter name value/>` children, in order.
    pub parameters: Vec<(String, String)>,
}

/// An endpoint's `<property>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointProperty {
    /// `name`.
    pub name: String,
    /// `value` or `expression`.
    pub value: EndpointPropertyValue,
    /// `scope`: the message's default (Synapse) scope when not given.
    pub scope: Option<PropertyScope>,
}

/// The value of an endpoint property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointPropertyValue {
    /// `value="…"`.
    Value(String),
    /// `expression="…"`, evaluated against each message (checked when read).
    Expression(String),
}

impl EndpointPropertyValue {
    /// The literal value, if it is one.
    pub fn as_value(&self) -> Option<&str> {
        match self {
            EndpointPropertyValue::Value(v) => Some(v),
            EndpointPropertyValue::Expression(_) => None,
        }
    }
}

/// Where an endpoint property is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PropertyScope {
    /// `default`: a message (Synapse) property.
    Default,
    /// `transport`: a transport header.
    Transport,
    /// `axis2`: an Axis2 message-context property.
    Axis2,
    /// `axis2-client`: an Axis2 client option.
    Axis2Client,
}

impl PropertyScope {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            PropertyScope::Default => "default",
            PropertyScope::Transport => "transport",
            PropertyScope::Axis2 => "axis2",
            PropertyScope::Axis2Client => "axis2-client",
        }
    }
}

/// What a [`Reference`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReferenceKind {
    /// An endpoint (`<endpoint key>`).
    Endpoint,
    /// An endpoint template (`<endpoint template>`).
    Template,
    /// A sequence (`onError`).
    Sequence,
    /// A WS-Security or WS-RM policy resource (`<enableSec policy>`…).
    Policy,
}

/// A key an endpoint definition refers to, for cross-artifact checks: see
/// [`EndpointDefinition::references`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference<'a> {
    /// What it names.
    pub kind: ReferenceKind,
    /// The key as written.
    pub key: &'a str,
    /// Where the key's attribute value starts, when read from a file.
    pub position: Option<Position>,
}

/// The child elements that decide an endpoint's kind.
const KIND_ELEMENTS: &[&str] = &[
    "address",
    "http",
    "default",
    "loadbalance",
    "failover",
    "recipientlist",
];

/// Kinds MI has that mediate refuses, with why.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "wsdl",
        "WSDL endpoints are not supported yet; use an `<address uri>` endpoint with the service's address",
    ),
    (
        "dynamicLoadbalance",
        "dynamic load-balance endpoints (cluster membership) are not supported",
    ),
    (
        "serviceDynamicLoadbalance",
        "service dynamic load-balance endpoints (cluster membership) are not supported",
    ),
    (
        "class",
        "class endpoints (custom Java endpoint classes) are not supported",
    ),
];

const WRAPPER_ATTRIBUTES: &[&str] = &[
    "name",
    "key",
    "key-expression",
    "template",
    "uri",
    "onError",
    "statistics",
    "trace",
];

impl EndpointDefinition {
    /// An anonymous endpoint of `kind`, with nothing else set.
    ///
    /// ```
    /// use mediate_endpoints::{AddressEndpoint, EndpointDefinition, EndpointKind, EndpointSettings};
    ///
    /// let ep = EndpointDefinition::new(EndpointKind::Address(AddressEndpoint {
    ///     uri: "http://localhost:9000/services/SimpleStockQuoteService".into(),
    ///     settings: EndpointSettings::default(),
    /// }))
    /// .named("StockQuoteEP");
    /// assert_eq!(ep.to_spec().get("name"), Some("StockQuoteEP"));
    /// ```
    pub fn new(kind: EndpointKind) -> Self {
        Self {
            name: None,
            kind,
            properties: Vec::new(),
            description: None,
            on_error: None,
            statistics: None,
            trace: None,
            namespaces: Namespaces::default(),
            position: None,
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// An indirect endpoint, `<endpoint key="key"/>`.
    pub fn indirect(key: impl Into<String>) -> Self {
        Self::new(EndpointKind::Indirect {
            key: KeyRef::new(key),
        })
    }

    /// Reads an `<endpoint>` element (a [`MediatorSpec`] of kind `endpoint`, as
    /// `mediate-config` reads it from Synapse XML).
    ///
    /// Every error is a [`BuildError`] already located ([`BuildError::Located`]) at the
    /// faulty attribute's value or element when the spec carries positions, so a loader can
    /// print `FILE:LINE:COL`. Unknown attributes and elements are refused with the closest
    /// known name; a `<wsdl>` endpoint is refused as not supported yet.
    pub fn from_spec(spec: &MediatorSpec) -> Result<Self, BuildError> {
        if spec.kind != "endpoint" {
            return Err(structure(
                spec,
                format!("expected an `<endpoint>` element, found `<{}>`", spec.kind),
            ));
        }
        check_attributes(spec, WRAPPER_ATTRIBUTES)?;
        check_no_duplicate_attributes(spec)?;
        check_no_text(spec)?;
        let ns = &spec.namespaces;
        let forms: Vec<&str> = ["key", "key-expression", "template"]
            .into_iter()
            .filter(|a| spec.get(a).is_some())
            .collect();
        if let [first, second, ..] = forms.as_slice() {
            return Err(invalid(
                spec,
                second,
                spec.get(second).unwrap_or_default(),
                format!("`{first}` and `{second}` cannot be used together"),
            ));
        }
        if let Some(uri) = spec.get("uri")
            && forms.first() != Some(&"template")
        {
            return Err(invalid(
                spec,
                "uri",
                uri,
                "`uri` on `<endpoint>` is a template endpoint's parameter (it needs `template`); put an address in `<address uri>`",
            ));
        }
        let mut description = None;
        let mut properties = Vec::new();
        let mut kind_specs: Vec<&MediatorSpec> = Vec::new();
        let mut session = None;
        let mut parameters: Vec<&MediatorSpec> = Vec::new();
        for child in &spec.children {
            match child.kind.as_str() {
                "description" => {
                    if description.is_some() {
                        return Err(structure(child, "is given twice in `<endpoint>`"));
                    }
                    leaf_text_with(child, &[])?;
                    // Kept as written, not trimmed, as Synapse keeps it.
                    description = Some(child.text.clone().unwrap_or_default());
                }
                "property" => properties.push(read_property(child)?),
                "session" => {
                    if session.is_some() {
                        return Err(structure(child, "is given twice in `<endpoint>`"));
                    }
                    session = Some(child);
                }
                "parameter" => parameters.push(child),
                k if KIND_ELEMENTS.contains(&k) => kind_specs.push(child),
                k => {
                    if let Some((_, why)) = UNSUPPORTED.iter().find(|(n, _)| *n == k) {
                        return Err(structure(child, *why));
                    }
                    let mut allowed: Vec<&str> = KIND_ELEMENTS.to_vec();
                    allowed.extend(["property", "description", "session", "parameter"]);
                    return Err(unknown_child(spec, child, &allowed));
                }
            }
        }
        let reference_form = forms.first().copied();
        if let Some(form) = reference_form {
            let stray = kind_specs
                .first()
                .or(session.as_ref())
                .or(if form == "template" {
                    None
                } else {
                    parameters.first()
                });
            if let Some(stray) = stray {
                return Err(structure(
                    stray,
                    format!(
                        "an endpoint with `{form}` takes no `<{}>` (it is defined elsewhere)",
                        stray.kind
                    ),
                ));
            }
        } else if let Some(p) = parameters.first() {
            return Err(structure(
                p,
                "belongs to a template endpoint (`<endpoint template=\"…\">`)",
            ));
        }
        let kind = match reference_form {
            Some("key") => {
                let key = required(spec, "key")?;
                if key.trim().is_empty() {
                    return Err(invalid(spec, "key", key, "must not be empty"));
                }
                EndpointKind::Indirect {
                    key: KeyRef::from_attribute(spec, "key", key),
                }
            }
            Some("key-expression") => {
                let expr = required(spec, "key-expression")?;
                check_expression(expr, ns).map_err(|r| invalid(spec, "key-expression", expr, r))?;
                EndpointKind::Resolving {
                    key_expression: expr.to_owned(),
                }
            }
            Some(_) => {
                if let Some(p) = properties.first().and(spec.child_named("property")) {
                    return Err(structure(
                        p,
                        "a template endpoint takes `<parameter>`s, not `<property>`s",
                    ));
                }
                EndpointKind::Template(read_template(spec, &parameters)?)
            }
            None => {
                let node = match kind_specs.as_slice() {
                    [one] => *one,
                    [] => {
                        return Err(structure(
                            spec,
                            format!(
                                "an endpoint needs `key`, `template`, or one of {}",
                                KIND_ELEMENTS
                                    .iter()
                                    .map(|k| format!("`<{k}>`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                    [first, second, ..] => {
                        return Err(structure(
                            second,
                            format!(
                                "an endpoint holds one of `<address>`, `<http>`, `<default>`, `<loadbalance>`, `<failover>` or `<recipientlist>`; `<{}>` follows `<{}>`",
                                second.kind, first.kind
                            ),
                        ));
                    }
                };
                if let Some(s) = session
                    && node.kind != "loadbalance"
                {
                    return Err(structure(s, "belongs to a `<loadbalance>` endpoint"));
                }
                read_kind(node, session, ns)?
            }
        };
        let on_error =
            non_blank(spec, "onError")?.map(|k| KeyRef::from_attribute(spec, "onError", k));
        Ok(Self {
            name: spec.get("name").map(str::to_owned),
            kind,
            properties,
            description,
            on_error,
            statistics: toggle(spec, "statistics")?,
            trace: toggle(spec, "trace")?,
            namespaces: spec.namespaces.clone(),
            position: spec.position,
        })
    }

    /// Writes the definition back as an `<endpoint>` spec, which the generic spec → XML
    /// writer serializes; [`from_spec`](Self::from_spec) of the result equals `self`.
    ///
    /// ```
    /// use mediate_core::MediatorSpec;
    /// use mediate_endpoints::EndpointDefinition;
    ///
    /// let spec = MediatorSpec::new("endpoint")
    ///     .property("name", "Orders")
    ///     .child(MediatorSpec::new("address").property("uri", "http://orders:8080/api"));
    /// let ep = EndpointDefinition::from_spec(&spec)?;
    /// assert_eq!(ep.to_spec(), spec);
    /// assert_eq!(EndpointDefinition::from_spec(&ep.to_spec())?, ep);
    /// # Ok::<(), mediate_core::BuildError>(())
    /// ```
    pub fn to_spec(&self) -> MediatorSpec {
        let ns = &self.namespaces;
        let mut spec = element("endpoint", ns);
        spec = opt_attr(spec, "name", self.name.as_deref());
        match &self.kind {
            EndpointKind::Indirect { key } => spec = spec.property("key", &key.key),
            EndpointKind::Resolving { key_expression } => {
                spec = spec.property("key-expression", key_expression);
            }
            EndpointKind::Template(t) => {
                spec = spec.property("template", &t.template.key);
                spec = opt_attr(spec, "uri", t.uri.as_deref());
            }
            _ => {}
        }
        spec = opt_attr(spec, "onError", self.on_error.as_ref().map(KeyRef::as_str));
        spec = opt_attr(spec, "statistics", self.statistics.map(toggle_text));
        spec = opt_attr(spec, "trace", self.trace.map(toggle_text));
        match &self.kind {
            EndpointKind::Address(a) => spec = spec.child(a.write(ns)),
            EndpointKind::Http(h) => spec = spec.child(h.write(ns)),
            EndpointKind::Default(d) => spec = spec.child(d.write(ns)),
            EndpointKind::Loadbalance(l) => {
                if let Some(session) = l.write_session(ns) {
                    spec = spec.child(session);
                }
                spec = spec.child(l.write(ns));
            }
            EndpointKind::Failover(f) => spec = spec.child(f.write(ns)),
            EndpointKind::RecipientList(r) => spec = spec.child(r.write(ns)),
            EndpointKind::Template(t) => {
                for (name, value) in &t.parameters {
                    spec = spec.child(
                        element("parameter", ns)
                            .property("name", name)
                            .property("value", value),
                    );
                }
            }
            EndpointKind::Indirect { .. } | EndpointKind::Resolving { .. } => {}
        }
        for p in &self.properties {
            let mut e = element("property", ns).property("name", &p.name);
            e = match &p.value {
                EndpointPropertyValue::Value(v) => e.property("value", v),
                EndpointPropertyValue::Expression(x) => e.property("expression", x),
            };
            spec = spec.child(opt_attr(e, "scope", p.scope.map(PropertyScope::as_str)));
        }
        if let Some(d) = &self.description {
            spec = spec.child(text_element("description", d.clone(), ns));
        }
        spec
    }

    /// The leaf settings (format, timeout, suspension…) of an address, http or default
    /// endpoint.
    pub fn settings(&self) -> Option<&EndpointSettings> {
        match &self.kind {
            EndpointKind::Address(a) => Some(&a.settings),
            EndpointKind::Http(h) => Some(&h.settings),
            EndpointKind::Default(d) => Some(&d.settings),
            _ => None,
        }
    }

    /// The child endpoints of a group (load-balance, failover, recipient list); none for
    /// any other kind.
    pub fn children(&self) -> &[EndpointDefinition] {
        match &self.kind {
            EndpointKind::Loadbalance(l) => match &l.targets {
                GroupTargets::Endpoints(e) => e,
                GroupTargets::Members(_) => &[],
            },
            EndpointKind::Failover(f) => &f.endpoints,
            EndpointKind::RecipientList(r) => match &r.targets {
                RecipientTargets::Endpoints(e) => e,
                _ => &[],
            },
            _ => &[],
        }
    }

    /// Every key this definition and its child endpoints refer to, in document order:
    /// endpoints (`<endpoint key>`), endpoint templates (`template`), sequences (`onError`)
    /// and policy resources (`<enableSec policy>`, `<enableRM policy>`), each with where it
    /// was written. A resolving endpoint's `key-expression` names nothing statically.
    ///
    /// ```
    /// use mediate_core::MediatorSpec;
    /// use mediate_endpoints::{EndpointDefinition, ReferenceKind};
    ///
    /// let spec = MediatorSpec::new("endpoint").child(
    ///     MediatorSpec::new("failover")
    ///         .child(MediatorSpec::new("endpoint").property("key", "Primary"))
    ///         .child(MediatorSpec::new("endpoint").property("template", "Backend").property("uri", "http://b:80/")),
    /// );
    /// let ep = EndpointDefinition::from_spec(&spec)?;
    /// let refs: Vec<_> = ep.references().map(|r| (r.kind, r.key)).collect();
    /// assert_eq!(refs, [(ReferenceKind::Endpoint, "Primary"), (ReferenceKind::Template, "Backend")]);
    /// # Ok::<(), mediate_core::BuildError>(())
    /// ```
    pub fn references(&self) -> impl Iterator<Item = Reference<'_>> {
        let mut out = Vec::new();
        self.collect_references(&mut out);
        out.into_iter()
    }

    fn collect_references<'a>(&'a self, out: &mut Vec<Reference<'a>>) {
        let push = |out: &mut Vec<Reference<'a>>, kind, key: &'a KeyRef| {
            out.push(Reference {
                kind,
                key: &key.key,
                position: key.position,
            });
        };
        match &self.kind {
            EndpointKind::Indirect { key } => push(out, ReferenceKind::Endpoint, key),
            EndpointKind::Template(t) => push(out, ReferenceKind::Template, &t.template),
            _ => {}
        }
        if let Some(seq) = &self.on_error {
            push(out, ReferenceKind::Sequence, seq);
        }
        if let Some(settings) = self.settings() {
            for key in settings.policy_keys() {
                push(out, ReferenceKind::Policy, key);
            }
        }
        for child in self.children() {
            child.collect_references(out);
        }
    }
}

fn read_kind(
    node: &MediatorSpec,
    session: Option<&MediatorSpec>,
    ns: &Namespaces,
) -> Result<EndpointKind, BuildError> {
    Ok(match node.kind.as_str() {
        "address" => EndpointKind::Address(AddressEndpoint::read(node, ns)?),
        "http" => EndpointKind::Http(HttpEndpoint::read(node, ns)?),
        "default" => EndpointKind::Default(DefaultEndpoint::read(node, ns)?),
        "loadbalance" => EndpointKind::Loadbalance(LoadbalanceEndpoint::read(node, session)?),
        "failover" => EndpointKind::Failover(FailoverEndpoint::read(node)?),
        _ => EndpointKind::RecipientList(RecipientListEndpoint::read(node, ns)?),
    })
}

fn read_property(spec: &MediatorSpec) -> Result<EndpointProperty, BuildError> {
    check_attributes(spec, &["name", "value", "expression", "scope"])?;
    if let Some(child) = spec.children.first() {
        return Err(unknown_child(spec, child, &[]));
    }
    check_no_text(spec)?;
    let name = required(spec, "name")?;
    if name.trim().is_empty() {
        return Err(invalid(spec, "name", name, "must not be empty"));
    }
    let value = match (spec.get("value"), spec.get("expression")) {
        (Some(_), Some(e)) => {
            return Err(invalid(
                spec,
                "expression",
                e,
                "give either `value` or `expression`, not both",
            ));
        }
        (Some(v), None) => EndpointPropertyValue::Value(v.to_owned()),
        (None, Some(e)) => {
            check_expression(e, &spec.namespaces).map_err(|r| invalid(spec, "expression", e, r))?;
            EndpointPropertyValue::Expression(e.to_owned())
        }
        (None, None) => {
            return Err(structure(
                spec,
                format!("endpoint property `{name}` needs `value` or `expression`"),
            ));
        }
    };
    let scope = match spec.get("scope") {
        None => None,
        Some(s) => Some(match s {
            "default" => PropertyScope::Default,
            "transport" => PropertyScope::Transport,
            "axis2" => PropertyScope::Axis2,
            "axis2-client" => PropertyScope::Axis2Client,
            other => {
                let names = ["default", "transport", "axis2", "axis2-client"];
                return Err(invalid(
                    spec,
                    "scope",
                    other,
                    format!(
                        "unknown scope (expected `default`, `transport`, `axis2` or `axis2-client`){}",
                        did_you_mean(other, &names)
                    ),
                ));
            }
        }),
    };
    Ok(EndpointProperty {
        name: name.to_owned(),
        value,
        scope,
    })
}

fn read_template(
    spec: &MediatorSpec,
    parameters: &[&MediatorSpec],
) -> Result<TemplateEndpoint, BuildError> {
    let template = required(spec, "template")?;
    if template.trim().is_empty() {
        return Err(invalid(spec, "template", template, "must not be empty"));
    }
    // `uri` is a parameter like the others: the template decides what it becomes (an address,
    // or part of an `<http uri-template="$uri">` with `{uri.var.*}`), so it is passed through
    // as MI passes it; it is checked once the template is expanded.
    if let Some(uri) = spec.get("uri")
        && uri.trim().is_empty()
    {
        return Err(invalid(spec, "uri", uri, "must not be empty"));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for p in parameters {
        check_attributes(p, &["name", "value"])?;
        if let Some(child) = p.children.first() {
            return Err(unknown_child(p, child, &[]));
        }
        check_no_text(p)?;
        let name = required(p, "name")?;
        let value = required(p, "value")?;
        if matches!(name, "name" | "uri") && spec.get(name).is_some() {
            return Err(invalid(
                p,
                "name",
                name,
                format!("parameter `{name}` is already set by the `<endpoint {name}>` attribute"),
            ));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(invalid(
                p,
                "name",
                name,
                format!("parameter `{name}` is given twice"),
            ));
        }
        out.push((name.to_owned(), value.to_owned()));
    }
    Ok(TemplateEndpoint {
        template: KeyRef::from_attribute(spec, "template", template),
        uri: spec.get("uri").map(str::to_owned),
        parameters: out,
    })
}
