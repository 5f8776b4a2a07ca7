//! `<api>` artifacts: REST APIs and their resources, read with every problem located, and the
//! checks Synapse makes (or would fail on at run time) inside one API and across APIs.
//!
//! # How Synapse picks a resource
//!
//! The checks here follow what Synapse's `API.process` does with a request (wso2-synapse
//! `api/API.java`, `api/ApiUtils.java`, `api/dispatch/*`):
//!
//! 1. the *acceptable* resources are those, in document order, bound to the caller
//!    (`binds-to`), whose `protocol`, `methods` (none: every method; `OPTIONS` is always
//!    accepted), `content-type` and `user-agent` accept the request;
//! 2. among them, the `url-mapping` resources are tried first: the first exact mapping that
//!    equals the path (query and trailing `/` ignored), else the longest path-prefix mapping
//!    (`/a/*` counts one segment, so does `/*`; the first wins a tie), else the first
//!    extension mapping (`*.jsp`);
//! 3. then the `uri-template` resources, in order: the first template that matches wins;
//! 4. then the default resource (no `uri-template` and no `url-mapping`).
//!
//! So a resource *can never match* when an earlier (or, across tiers, any) resource that accepts
//! every request it accepts (same or more methods, bindings and filters) takes every URL it
//! could match. mediate reports the cases that follow from the rules above without guessing:
//! the same template or mapping again; a path-prefix `url-mapping` (`/orders/*`), which takes
//! every URL of any `uri-template` that starts with its segments (`/orders/{id}`), whatever
//! the order; `url-mapping="/*"`, which also takes every URL of extension mappings and the
//! default resource, and of a later one-segment prefix; a `uri-template` that is one literal
//! ending in `*` (`/orders/*`), which takes every URL of a later template starting with that
//! literal (and, for `/*`, those of the default resource). Synapse itself refuses, at deployment, two resources with the same
//! mapping and a method in common, and a second default resource.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use mediate_core::{MediatorSpec, Position, Registry};
use roxmltree::Node;

use crate::check::{Reference, sequence_references};
use crate::element::content;
use crate::read::{Reader, did_you_mean, list_items};
use crate::sequence::read_sequence;
use crate::{Diagnostic, Diagnostics, SequenceRef, Span};

/// A REST API's configuration (`<api name context …>`).
///
/// ```
/// use mediate_config::{ArtifactConfig, Method, ResourceDispatch, SequenceRef, load_str};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="StockQuoteAPI" context="/stockquote">
///     <resource methods="GET" uri-template="/view/{symbol}">
///         <inSequence><log level="full"/><respond/></inSequence>
///     </resource>
///     <resource methods="POST" url-mapping="/order/*" inSequence="PlaceOrder"/>
/// </api>"#;
/// let [ArtifactConfig::Api(api)] = &load_str(xml, "api.xml".as_ref(), &registry)?[..] else {
///     panic!("one API")
/// };
/// assert_eq!(api.context, "/stockquote");
/// assert_eq!(api.resources[0].methods, [Method::Get]);
/// assert_eq!(api.resources[0].dispatch, ResourceDispatch::UriTemplate("/view/{symbol}".into()));
/// assert!(matches!(&api.resources[1].in_sequence, Some(SequenceRef::Key { key, .. }) if key == "PlaceOrder"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ApiConfig {
    /// The API's name.
    pub name: String,
    /// The context as written (`/orders`, `/orders/{version}`): requests whose path starts with
    /// it are the API's. See [`effective_context`](Self::effective_context).
    pub context: String,
    /// `version`, `version-type` and `version-param`, when the API is versioned.
    pub version: Option<ApiVersion>,
    /// `hostname`: only requests whose `Host` header names it.
    pub hostname: Option<String>,
    /// `port`: only requests whose `Host` header (or transport default) has it.
    pub port: Option<u16>,
    /// `transports="http|https"`: only requests that came in over it.
    pub transport: Option<Protocol>,
    /// `binds-to`: the inbound endpoints the API is reachable through (empty: the HTTP
    /// listeners, Synapse's `default` binding).
    pub binds_to: Vec<String>,
    /// `publishSwagger`: the registry path of a custom Swagger/OpenAPI definition.
    pub publish_swagger: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `statistics="enable"`.
    pub statistics: bool,
    /// `trace="enable"`.
    pub trace: bool,
    /// The resources, in document order (the order Synapse tries them in).
    pub resources: Vec<ResourceConfig>,
    /// `<handlers>`: Java classes MI runs before the resources (authentication, CORS…), kept
    /// as written. mediate runs no API handler yet: a deployment must refuse an API that has
    /// any rather than serve it without them.
    pub handlers: Vec<HandlerConfig>,
    /// Where it was read from.
    pub span: Span,
}

/// An API's version (`version`, `version-type`, `version-param`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    /// The version (`1.0.0`).
    pub version: String,
    /// Where the version goes in request URLs.
    pub version_type: VersionType,
    /// `version-param`, kept as written.
    pub param: Option<String>,
}

/// Where a versioned API's version goes in request URLs (`version-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionType {
    /// `url`: after the context (`/orders/1.0.0/…`).
    Url,
    /// `context`: in place of `{version}` in the context (`/1.0.0/orders/…`).
    Context,
}

impl VersionType {
    /// The attribute value (`url`, `context`).
    pub fn as_str(self) -> &'static str {
        match self {
            VersionType::Url => "url",
            VersionType::Context => "context",
        }
    }
}

/// A transport an API or resource is limited to (`transports`, `protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `http`
    Http,
    /// `https`
    Https,
}

impl Protocol {
    /// The attribute value (`http`, `https`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
        }
    }

    fn from_choice(value: &str) -> Self {
        if value == "https" {
            Protocol::Https
        } else {
            Protocol::Http
        }
    }
}

/// An HTTP method a resource accepts: the ones Synapse knows (`RESTConstants.METHODS`),
/// written in upper case.
///
/// ```
/// use mediate_config::Method;
///
/// assert_eq!("PATCH".parse::<Method>(), Ok(Method::Patch));
/// assert!("get".parse::<Method>().is_err());
/// assert_eq!(Method::Delete.to_string(), "DELETE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
}

impl Method {
    /// Every method, in Synapse's order.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
    ];

    /// The method's name (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A method name Synapse does not accept (names are case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown HTTP method `{0}` (expected GET, POST, PUT, DELETE, OPTIONS, HEAD or PATCH)")]
pub struct UnknownMethod(pub String);

impl FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownMethod(s.to_owned()))
    }
}

/// Which request paths a resource takes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceDispatch {
    /// `uri-template="/orders/{id}"`: the paths the template matches; its variables become
    /// `uri.var.*` properties. Synapse supports `{var}`, `{+var}`, `{#var}`, `{.var}`,
    /// `{/var}`, `{var:N}`, a literal query (`/search?q={q}`) and a trailing `*` (`/files/*`).
    UriTemplate(String),
    /// `url-mapping`: an exact path (`/orders`), a path prefix (`/orders/*`) or an extension
    /// (`*.jsp`).
    UrlMapping(String),
    /// Neither: the API's default resource, for requests no other resource takes.
    Default,
}

impl ResourceDispatch {
    /// The attribute and its value (`None` for the default resource).
    pub fn attribute(&self) -> Option<(&'static str, &str)> {
        match self {
            ResourceDispatch::UriTemplate(t) => Some(("uri-template", t)),
            ResourceDispatch::UrlMapping(m) => Some(("url-mapping", m)),
            ResourceDispatch::Default => None,
        }
    }
}

/// One `<resource>` of an API.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceConfig {
    /// `methods`: the methods it accepts (empty: every method). `OPTIONS` requests reach every
    /// resource.
    pub methods: Vec<Method>,
    /// Which paths it takes.
    pub dispatch: ResourceDispatch,
    /// `protocol`: only requests that came in over it.
    pub protocol: Option<Protocol>,
    /// `content-type`: only requests with a body of exactly this type (`type/subtype`).
    pub content_type: Option<String>,
    /// `user-agent`: only requests whose `User-Agent` matches this (Java) regular expression.
    pub user_agent: Option<String>,
    /// `binds-to`: the inbound endpoints it is reachable through (empty: the API's).
    pub binds_to: Vec<String>,
    /// The sequence requests go through (`inSequence="key"` or `<inSequence>`).
    pub in_sequence: Option<SequenceRef>,
    /// The sequence responses go through (`outSequence` / `<outSequence>`).
    pub out_sequence: Option<SequenceRef>,
    /// The sequence errors go to (`faultSequence` / `<faultSequence>`).
    pub fault_sequence: Option<SequenceRef>,
    /// Where it was read from.
    pub span: Span,
}

impl ResourceConfig {
    /// Whether the resource accepts `method` (as Synapse's `Resource.canProcess`: `OPTIONS`
    /// always, else any method when none is listed).
    pub fn accepts(&self, method: Method) -> bool {
        method == Method::Options || self.methods.is_empty() || self.methods.contains(&method)
    }

    /// The resource as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        let mut spec = MediatorSpec::new("resource");
        if !self.methods.is_empty() {
            let methods: Vec<&str> = self.methods.iter().map(|m| m.as_str()).collect();
            spec = spec.property("methods", methods.join(" "));
        }
        if let Some((name, value)) = self.dispatch.attribute() {
            spec = spec.property(name, value);
        }
        if let Some(p) = self.protocol {
            spec = spec.property("protocol", p.as_str());
        }
        if let Some(c) = &self.content_type {
            spec = spec.property("content-type", c.clone());
        }
        if let Some(u) = &self.user_agent {
            spec = spec.property("user-agent", u.clone());
        }
        if !self.binds_to.is_empty() {
            spec = spec.property("binds-to", self.binds_to.join(","));
        }
        sequences_to_spec(
            spec,
            [
                ("inSequence", &self.in_sequence),
                ("outSequence", &self.out_sequence),
                ("faultSequence", &self.fault_sequence),
            ],
        )
    }
}

/// Adds each sequence as an attribute (a key) or a child element (inline), keys first.
pub(crate) fn sequences_to_spec(
    mut spec: MediatorSpec,
    sequences: [(&str, &Option<SequenceRef>); 3],
) -> MediatorSpec {
    for (name, seq) in sequences {
        if let Some(SequenceRef::Key { key, .. }) = seq {
            spec = spec.property(name, key.clone());
        }
    }
    for (name, seq) in sequences {
        if let Some(SequenceRef::Inline(config)) = seq {
            spec = spec.child(config.to_spec(name));
        }
    }
    spec
}

/// One `<handler class>` of an API's `<handlers>`.
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerConfig {
    /// The Java class.
    pub class: String,
    /// Its `<property>`s, in order.
    pub properties: Vec<(String, ParameterValue)>,
    /// Where it was read from.
    pub span: Span,
}

/// The value of a handler `<property>` or a proxy `<parameter>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// Text (`value="…"`, or a parameter's text content, trimmed).
    Text(String),
    /// One XML element, as written with the namespaces in scope declared.
    Xml(String),
}

/// `spec` holding `value` as its content: text, or one XML element (as its markup, and read
/// as a child so that a writer writes the markup as XML rather than as escaped text).
pub(crate) fn with_content(spec: MediatorSpec, value: &ParameterValue) -> MediatorSpec {
    match value {
        ParameterValue::Text(t) => spec.text(t.clone()),
        ParameterValue::Xml(x) => {
            let child = roxmltree::Document::parse(x).ok().and_then(|doc| {
                crate::spec_from_element(doc.root_element(), std::path::Path::new("")).ok()
            });
            let spec = spec.text(x.clone());
            match child {
                Some(c) => spec.child(c),
                None => spec,
            }
        }
    }
}

impl ParameterValue {
    /// The value as text (an XML value as its markup).
    pub fn as_str(&self) -> &str {
        match self {
            ParameterValue::Text(t) | ParameterValue::Xml(t) => t,
        }
    }
}

impl ApiConfig {
    /// The version, or `""` when the API has none.
    pub fn version_str(&self) -> &str {
        self.version.as_ref().map_or("", |v| v.version.as_str())
    }

    /// The name Synapse registers the API under: `name`, or `name:vVERSION` for a versioned
    /// API (so two versions of one API are two APIs).
    ///
    /// ```
    /// use mediate_config::{ArtifactConfig, load_str};
    ///
    /// let registry = mediate_mediators::builtins::registry();
    /// let xml = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Orders"
    ///     context="/{version}/orders" version="1.0" version-type="context">
    ///     <resource methods="GET"><inSequence><respond/></inSequence></resource>
    /// </api>"#;
    /// let [ArtifactConfig::Api(api)] = &load_str(xml, "api.xml".as_ref(), &registry)?[..] else {
    ///     panic!("one API")
    /// };
    /// assert_eq!(api.qualified_name(), "Orders:v1.0");
    /// assert_eq!(api.effective_context(), "/1.0/orders");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn qualified_name(&self) -> String {
        match &self.version {
            Some(v) => format!("{}:v{}", self.name, v.version),
            None => self.name.clone(),
        }
    }

    /// The context Synapse matches request paths against: `{version}` replaced by the version
    /// (version-type `context`) and trailing `/` removed (so `/` is the empty context, which
    /// every path starts with). With version-type `url`, the version follows it in the path.
    pub fn effective_context(&self) -> String {
        let mut context = self.context.clone();
        if let Some(v) = &self.version
            && v.version_type == VersionType::Context
        {
            context = context.replace("{version}", &v.version);
        }
        context.trim_end_matches('/').to_owned()
    }

    /// The API as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        let mut spec = MediatorSpec::new("api")
            .property("name", self.name.clone())
            .property("context", self.context.clone());
        if let Some(v) = &self.version {
            spec = spec
                .property("version", v.version.clone())
                .property("version-type", v.version_type.as_str());
            if let Some(p) = &v.param {
                spec = spec.property("version-param", p.clone());
            }
        }
        if let Some(h) = &self.hostname {
            spec = spec.property("hostname", h.clone());
        }
        if let Some(p) = self.port {
            spec = spec.property("port", p.to_string());
        }
        if let Some(t) = self.transport {
            spec = spec.property("transports", t.as_str());
        }
        if !self.binds_to.is_empty() {
            spec = spec.property("binds-to", self.binds_to.join(","));
        }
        if let Some(s) = &self.publish_swagger {
            spec = spec.property("publishSwagger", s.clone());
        }
        if let Some(d) = &self.description {
            spec = spec.property("description", d.clone());
        }
        if self.statistics {
            spec = spec.property("statistics", "enable");
        }
        if self.trace {
            spec = spec.property("trace", "enable");
        }
        for r in &self.resources {
            spec = spec.child(r.to_spec());
        }
        if !self.handlers.is_empty() {
            let mut handlers = MediatorSpec::new("handlers");
            for h in &self.handlers {
                let mut handler = MediatorSpec::new("handler").property("class", h.class.clone());
                for (name, value) in &h.properties {
                    let property = MediatorSpec::new("property").property("name", name.clone());
                    handler = handler.child(match value {
                        ParameterValue::Text(t) => property.property("value", t.clone()),
                        xml @ ParameterValue::Xml(_) => with_content(property, xml),
                    });
                }
                handlers = handlers.child(handler);
            }
            spec = spec.child(handlers);
        }
        spec
    }

    /// The bindings a resource is reachable through: its own, else the API's, else
    /// Synapse's `default`.
    fn bindings<'a>(&'a self, resource: &'a ResourceConfig) -> BTreeSet<&'a str> {
        let list = if resource.binds_to.is_empty() {
            &self.binds_to
        } else {
            &resource.binds_to
        };
        if list.is_empty() {
            BTreeSet::from([DEFAULT_BINDING])
        } else {
            list.iter().map(String::as_str).collect()
        }
    }
}

/// The binding of an API or resource without `binds-to`: the HTTP listeners.
const DEFAULT_BINDING: &str = "default";

/// The keys an API refers to: its resources' sequence keys, and those inside inline
/// sequences.
pub(crate) fn references(api: &ApiConfig, out: &mut Vec<Reference>) {
    for r in &api.resources {
        for (attr, seq) in [
            ("inSequence", &r.in_sequence),
            ("outSequence", &r.out_sequence),
            ("faultSequence", &r.fault_sequence),
        ] {
            sequence_ref_references(seq, "resource", attr, out);
        }
    }
}

/// The references of a sequence slot: a key, or an inline sequence's own.
pub(crate) fn sequence_ref_references(
    seq: &Option<SequenceRef>,
    element: &str,
    attr: &str,
    out: &mut Vec<Reference>,
) {
    match seq {
        Some(SequenceRef::Key { key, span }) => out.push(Reference::new(
            crate::check::Wanted::Sequence,
            key,
            format!("`<{element} {attr}>`"),
            span.clone(),
        )),
        Some(SequenceRef::Inline(s)) => {
            sequence_references(s, &format!("`<{attr} onError>`"), out);
        }
        None => {}
    }
}

/// Two APIs with the same context and version: Synapse refuses the second ("URL context … is
/// already registered", `SynapseConfiguration.addAPI`; host and port are not compared). Each
/// is reported at the later API, naming the first.
pub(crate) fn check_api_contexts(apis: &[&ApiConfig], diags: &mut Diagnostics) {
    let mut seen: Vec<(String, &str, &ApiConfig)> = Vec::new();
    for api in apis {
        let context = api.effective_context();
        let version = api.version_str();
        if let Some((_, _, first)) = seen.iter().find(|(c, v, _)| *c == context && *v == version) {
            let shown = if context.is_empty() { "/" } else { &context };
            let version = if version.is_empty() {
                String::new()
            } else {
                format!(" version `{version}`")
            };
            diags.push(Diagnostic::new(
                api.span.file.as_deref().unwrap_or(std::path::Path::new("")),
                api.span.position.unwrap_or(Position::new(1, 1)),
                format!(
                    "API `{}`: context `{shown}`{version} is already used by API `{}` at {}",
                    api.name, first.name, first.span
                ),
            ));
        } else {
            seen.push((context, version, api));
        }
    }
}

/// The attributes of `<api>`.
const API_ATTRIBUTES: &[&str] = &[
    "name",
    "context",
    "version",
    "version-type",
    "version-param",
    "hostname",
    "port",
    "transports",
    "binds-to",
    "publishSwagger",
    "description",
    "statistics",
    "trace",
];

/// The attributes of `<resource>`.
const RESOURCE_ATTRIBUTES: &[&str] = &[
    "methods",
    "uri-template",
    "url-mapping",
    "protocol",
    "content-type",
    "user-agent",
    "binds-to",
    "inSequence",
    "outSequence",
    "faultSequence",
];

/// `<api name context …>` with its `<resource>`s and `<handlers>`.
pub(crate) fn read_api(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
) -> Option<ApiConfig> {
    let before = r.error_count();
    r.check_attributes(node, API_ATTRIBUTES);
    let name = r.required(node, "name");
    let context = r.required(node, "context");
    if let Some(c) = context
        && !c.starts_with('/')
    {
        r.error_at_attr(
            node,
            "context",
            format!("`<api>`: context `{c}` must start with `/`"),
        );
    }
    let version = read_version(r, node, context);
    let port = r.parse::<u16>(node, "port", "a port number (1-65535)");
    if port == Some(0) {
        r.error_at_attr(
            node,
            "port",
            "`<api>`: port 0 is not a port number (1-65535)",
        );
    }
    let transport = r
        .choice(node, "transports", &["http", "https"])
        .map(Protocol::from_choice);
    let binds_to: Vec<String> = list(r, node, "binds-to")
        .into_iter()
        .map(|(_, s)| s.to_owned())
        .collect();
    let mut resources: Vec<(ResourceConfig, Position)> = Vec::new();
    let mut handlers = Vec::new();
    let mut handlers_seen = false;
    let mut any_resource = false;
    for child in r.elements(node) {
        match child.tag_name().name() {
            "resource" => {
                any_resource = true;
                if let Some(res) = read_resource(r, child, registry, &binds_to) {
                    let at = match res.dispatch.attribute() {
                        Some((attr, _)) => r.attr_at(child, attr),
                        None => r.at(child),
                    };
                    resources.push((res, at));
                }
            }
            "handlers" if handlers_seen => {
                r.error_at(child, "`<api>`: only one `<handlers>` is allowed");
            }
            "handlers" => {
                handlers_seen = true;
                handlers = read_handlers(r, child);
            }
            _ => r.unknown_element(node, child, &["resource", "handlers"]),
        }
    }
    if !any_resource {
        r.error_at(node, "`<api>`: an API needs at least one `<resource>`");
    }
    let mut api = ApiConfig {
        name: name?.to_owned(),
        context: context?.to_owned(),
        version,
        hostname: r.optional(node, "hostname").map(str::to_owned),
        port,
        transport,
        binds_to,
        publish_swagger: r.optional(node, "publishSwagger").map(str::to_owned),
        description: node.attribute("description").map(str::to_owned),
        statistics: enabled(r, node, "statistics"),
        trace: enabled(r, node, "trace"),
        resources: Vec::new(),
        handlers,
        span: Span::of(&r.file, r.at(node)),
    };
    check_resources(r, &api, &resources);
    api.resources = resources.into_iter().map(|(res, _)| res).collect();
    (r.error_count() == before).then_some(api)
}

/// `trace`/`statistics`: `enable` or `disable`.
pub(crate) fn enabled(r: &mut Reader<'_>, node: Node<'_, '_>, name: &str) -> bool {
    r.choice(node, name, &["enable", "disable"]) == Some("enable")
}

/// `version`, `version-type` and `version-param`, and how they agree with the context.
fn read_version(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    context: Option<&str>,
) -> Option<ApiVersion> {
    let version = r.optional(node, "version");
    let version_type = r.choice(node, "version-type", &["url", "context"]);
    let param = r.optional(node, "version-param").map(str::to_owned);
    let in_context = context.and_then(|c| c.find("{version}"));
    match (version, version_type) {
        (Some(_), None) if node.attribute("version-type").is_none() => r.error_at_attr(
            node,
            "version",
            "`<api>`: `version` needs a `version-type` (`url` or `context`)",
        ),
        (None, Some(_)) if node.attribute("version").is_none() => r.error_at_attr(
            node,
            "version-type",
            "`<api>`: `version-type` needs a `version`",
        ),
        _ => {}
    }
    if param.is_some() && node.attribute("version").is_none() {
        r.error_at_attr(
            node,
            "version-param",
            "`<api>`: `version-param` needs a `version`",
        );
    }
    let type_valid = version_type.is_some() || node.attribute("version-type").is_none();
    match (version_type, in_context) {
        (Some("context"), None) => r.error_at_attr(
            node,
            "version-type",
            "`<api>`: version-type `context` puts the version in the context: write `{version}` in it (`/orders/{version}`)",
        ),
        (Some("url") | None, Some(index)) if type_valid => {
            let index = char_index(context.unwrap_or_default(), index);
            let at = value_position(r, node, "context", index);
            r.error(
                at,
                "`<api>`: `{version}` in the context needs version-type=\"context\"",
            );
        }
        _ => {}
    }
    Some(ApiVersion {
        version: version?.to_owned(),
        version_type: match version_type? {
            "context" => VersionType::Context,
            _ => VersionType::Url,
        },
        param,
    })
}

/// `<resource …>` with its inline sequences.
fn read_resource(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
    api_binds: &[String],
) -> Option<ResourceConfig> {
    let before = r.error_count();
    r.check_attributes(node, RESOURCE_ATTRIBUTES);
    let methods = read_methods(r, node);
    let template = r.optional(node, "uri-template");
    let mapping = r.optional(node, "url-mapping");
    let dispatch = match (template, mapping) {
        (Some(_), Some(_)) => {
            r.error_at_attr(
                node,
                "url-mapping",
                "`<resource>`: `uri-template` and `url-mapping` cannot both be given",
            );
            ResourceDispatch::Default
        }
        (Some(t), None) => {
            if let Err(e) = parse_uri_template(t) {
                let at = value_position(r, node, "uri-template", e.index);
                r.error(
                    at,
                    format!("`<resource>`: uri-template `{t}`: {}", e.message),
                );
            }
            ResourceDispatch::UriTemplate(t.to_owned())
        }
        (None, Some(m)) => {
            if let Err(e) = parse_url_mapping(m) {
                let at = value_position(r, node, "url-mapping", e.index);
                r.error(
                    at,
                    format!("`<resource>`: url-mapping `{m}`: {}", e.message),
                );
            }
            ResourceDispatch::UrlMapping(m.to_owned())
        }
        (None, None) => ResourceDispatch::Default,
    };
    let protocol = r
        .choice(node, "protocol", &["http", "https"])
        .map(Protocol::from_choice);
    let content_type = r.optional(node, "content-type");
    if let Some(c) = content_type
        && c.split('/').filter(|p| !p.is_empty()).count() != 2
    {
        r.error_at_attr(
            node,
            "content-type",
            format!("`<resource>`: content-type `{c}` is not a media type (`type/subtype`)"),
        );
    }
    let user_agent = r.optional(node, "user-agent").map(str::to_owned);
    let binds_to = read_resource_bindings(r, node, api_binds);
    let [in_sequence, out_sequence, fault_sequence] =
        read_sequences(r, node, registry, "resource", &[]);
    let config = ResourceConfig {
        methods,
        dispatch,
        protocol,
        content_type: content_type.map(str::to_owned),
        user_agent,
        binds_to,
        in_sequence,
        out_sequence,
        fault_sequence,
        span: Span::of(&r.file, r.at(node)),
    };
    (r.error_count() == before).then_some(config)
}

/// The three sequences of a resource or proxy target: each by key (`inSequence="…"`) or
/// inline (`<inSequence>`), not both. Child elements other than the three and `extra` are
/// refused (the caller reads `extra`).
pub(crate) fn read_sequences(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
    element: &str,
    extra: &[&str],
) -> [Option<SequenceRef>; 3] {
    const NAMES: [&str; 3] = ["inSequence", "outSequence", "faultSequence"];
    let mut inline: [Option<Node<'_, '_>>; 3] = [None; 3];
    let known: Vec<&str> = NAMES.iter().chain(extra).copied().collect();
    for child in r.elements(node) {
        let tag = child.tag_name().name();
        if let Some(i) = NAMES.iter().position(|n| *n == tag) {
            if inline[i].is_some() {
                r.error_at(
                    child,
                    format!("`<{element}>`: only one `<{tag}>` is allowed"),
                );
            } else {
                inline[i] = Some(child);
            }
        } else if !extra.contains(&tag) {
            r.unknown_element(node, child, &known);
        }
    }
    let mut out: [Option<SequenceRef>; 3] = [None, None, None];
    for (i, name) in NAMES.iter().enumerate() {
        let key = r.optional(node, name);
        out[i] = match (key, inline[i]) {
            (Some(key), Some(_)) => {
                r.error_at_attr(
                    node,
                    name,
                    format!(
                        "`<{element}>`: the {} is given both as `{name}=\"{key}\"` and inline as `<{name}>`: give one",
                        describe_sequence(name)
                    ),
                );
                None
            }
            (Some(key), None) => Some(SequenceRef::Key {
                key: key.to_owned(),
                span: Span::of(&r.file, r.attr_at(node, name)),
            }),
            (None, Some(child)) => {
                read_sequence(r, child, registry, false).map(SequenceRef::Inline)
            }
            (None, None) => None,
        };
    }
    out
}

fn describe_sequence(attr: &str) -> &'static str {
    match attr {
        "inSequence" => "in sequence",
        "outSequence" => "out sequence",
        _ => "fault sequence",
    }
}

/// `methods="GET POST"`: Synapse's names, separated by single spaces (as `ResourceFactory`
/// splits them), each once.
fn read_methods(r: &mut Reader<'_>, node: Node<'_, '_>) -> Vec<Method> {
    let Some(value) = r.optional(node, "methods") else {
        return Vec::new();
    };
    let mut methods = Vec::new();
    let mut index = 0;
    for token in value.split(' ') {
        let at = value_position(r, node, "methods", index);
        index += token.chars().count() + 1;
        if token.is_empty() {
            r.error(
                at,
                "`<resource>`: `methods` has two spaces in a row: separate methods with one space",
            );
            continue;
        }
        match token.parse::<Method>() {
            Ok(m) if methods.contains(&m) => {
                r.error(at, format!("`<resource>`: method `{m}` is listed twice"))
            }
            Ok(m) => methods.push(m),
            Err(_) => r.error(
                at,
                format!(
                    "`<resource>`: unknown method `{token}`{}",
                    did_you_mean(token, Method::ALL.iter().map(|m| m.as_str()))
                ),
            ),
        }
    }
    methods
}

/// `<handlers>` with its `<handler class>`es and their `<property name value>`s.
fn read_handlers(r: &mut Reader<'_>, node: Node<'_, '_>) -> Vec<HandlerConfig> {
    r.check_attributes(node, &[]);
    let mut out = Vec::new();
    for child in r.elements(node) {
        if child.tag_name().name() != "handler" {
            r.unknown_element(node, child, &["handler"]);
            continue;
        }
        r.check_attributes(child, &["class"]);
        let class = r.required(child, "class");
        let mut properties = Vec::new();
        for prop in r.elements(child) {
            if prop.tag_name().name() != "property" {
                r.unknown_element(child, prop, &["property"]);
                continue;
            }
            r.check_attributes(prop, &["name", "value"]);
            let name = r.required(prop, "name");
            let value = match prop.attribute("value") {
                Some(v) => Some(ParameterValue::Text(v.to_owned())),
                None => xml_value(r, prop),
            };
            match (name, value) {
                (Some(n), Some(v)) => properties.push((n.to_owned(), v)),
                (Some(n), None) => r.error_at(
                    prop,
                    format!(
                        "`<property>` `{n}`: missing attribute `value` (or one XML element as the value)"
                    ),
                ),
                _ => {}
            }
        }
        if let Some(class) = class {
            out.push(HandlerConfig {
                class: class.to_owned(),
                properties,
                span: Span::of(&r.file, r.at(child)),
            });
        }
    }
    out
}

/// The one XML element `node` holds as its value, as written (`None` when it holds none; more
/// than one is a problem).
pub(crate) fn xml_value(r: &mut Reader<'_>, node: Node<'_, '_>) -> Option<ParameterValue> {
    let elements: Vec<Node<'_, '_>> = node.children().filter(Node::is_element).collect();
    match elements.as_slice() {
        [] => None,
        // The element alone: Synapse takes `getFirstElement()`, so text beside it is no part
        // of the value.
        [_] => {
            let content = content(&r.source, node).unwrap_or_default();
            let markups = element_markups(&content);
            let markup = markups.first().copied().unwrap_or(content.trim());
            Some(ParameterValue::Xml(markup.to_owned()))
        }
        [_, second, ..] => {
            r.error_at(
                *second,
                format!(
                    "`<{}>`: only one XML element is allowed as the value",
                    node.tag_name().name()
                ),
            );
            None
        }
    }
}

/// The markup of each top-level element of `content`, an element's content as
/// [`content`] serializes it (each element as written, with the namespaces it uses declared on
/// it; text escaped; comments left out), in order: the text between them left out.
pub(crate) fn element_markups(content: &str) -> Vec<&str> {
    const OPEN: &str = "<w>";
    let wrapped = format!("{OPEN}{content}</w>");
    let Ok(doc) = roxmltree::Document::parse(&wrapped) else {
        return Vec::new();
    };
    doc.root_element()
        .children()
        .filter(Node::is_element)
        .filter_map(|e| {
            let range = e.range();
            let start = range.start.checked_sub(OPEN.len())?;
            let end = range.end.checked_sub(OPEN.len())?;
            content.get(start..end)
        })
        .collect()
}

/// A comma-separated list attribute (`binds-to="a, b"`): the non-empty items, trimmed, each
/// with its character index in the trimmed value.
fn list<'n>(r: &mut Reader<'_>, node: Node<'n, '_>, name: &str) -> Vec<(usize, &'n str)> {
    r.optional(node, name)
        .map(|value| list_items(value, &[',']))
        .unwrap_or_default()
}

/// A resource's `binds-to`: each must be one of its API's (`InboundApiUtils.validateBindsTo`;
/// an API without `binds-to` has Synapse's `default`).
fn read_resource_bindings(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    api_binds: &[String],
) -> Vec<String> {
    let allowed: Vec<&str> = if api_binds.is_empty() {
        vec![DEFAULT_BINDING]
    } else {
        api_binds.iter().map(String::as_str).collect()
    };
    let mut out = Vec::new();
    for (index, item) in list(r, node, "binds-to") {
        if !allowed.contains(&item) {
            let at = value_position(r, node, "binds-to", index);
            let allowed = allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            r.error(
                at,
                format!(
                    "`<resource>`: binds-to `{item}` is not one of the API's ({allowed}): a resource can only narrow its API's bindings"
                ),
            );
        }
        out.push(item.to_owned());
    }
    out
}

/// Resources that Synapse refuses together, and resources that can never match (see the
/// module documentation), each reported once at its `uri-template`/`url-mapping` value (the
/// element for a default resource).
fn check_resources(r: &mut Reader<'_>, api: &ApiConfig, resources: &[(ResourceConfig, Position)]) {
    for (j, (_, at)) in resources.iter().enumerate() {
        if let Some(message) =
            refused_with_earlier(resources, j).or_else(|| shadowed(api, resources, j))
        {
            r.error(*at, message);
        }
    }
}

/// What Synapse's `API.addResource` refuses: the same mapping as an earlier resource with a
/// method in common, or a second default resource.
fn refused_with_earlier(resources: &[(ResourceConfig, Position)], j: usize) -> Option<String> {
    let b = &resources[j].0;
    for (a, _) in &resources[..j] {
        let position = a.span.position.unwrap_or(Position::new(1, 1));
        match (dispatch_key(&a.dispatch), dispatch_key(&b.dispatch)) {
            (None, None) => {
                return Some(format!(
                    "`<resource>`: only one resource can be the default (no uri-template or url-mapping); the resource at {position} already is"
                ));
            }
            // Synapse compares the mappings as written; forms that differ only in what
            // dispatch ignores (a trailing `/`) are reported as shadowed instead.
            (Some(ka), Some(kb)) if ka == kb && a.dispatch == b.dispatch => {
                let common: Vec<&str> = b
                    .methods
                    .iter()
                    .filter(|m| a.methods.contains(m))
                    .map(|m| m.as_str())
                    .collect();
                if !common.is_empty() {
                    let (kind, value) = b.dispatch.attribute().unwrap_or_default();
                    return Some(format!(
                        "`<resource>`: {kind} `{value}` with {} is already taken by the resource at {position} (Synapse refuses two resources with the same mapping and method)",
                        common.join(" ")
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// Why resource `j` can never match, if a rule of the module documentation shows it.
fn shadowed(api: &ApiConfig, resources: &[(ResourceConfig, Position)], j: usize) -> Option<String> {
    let b = &resources[j].0;
    let b_key = dispatch_key(&b.dispatch);
    for (i, (a, _)) in resources.iter().enumerate() {
        if i == j || !covers(api, a, b) {
            continue;
        }
        let earlier = i < j;
        let a_key = dispatch_key(&a.dispatch);
        let takes_all = match (&a.dispatch, &b.dispatch) {
            _ if earlier && a_key.is_some() && a_key == b_key => true,
            (ResourceDispatch::UrlMapping(am), _) => match parse_url_mapping(am) {
                Ok(UrlPattern::Prefix(segments)) => {
                    prefix_takes_all(&segments, &b.dispatch, earlier)
                }
                _ => false,
            },
            (ResourceDispatch::UriTemplate(ta), _) => match (template_prefix(ta), &b.dispatch) {
                (Some(prefix), ResourceDispatch::UriTemplate(bt)) => {
                    earlier && leading_literal(bt).is_some_and(|l| l.starts_with(prefix))
                }
                (Some("/"), ResourceDispatch::Default) => true,
                _ => false,
            },
            _ => false,
        };
        if takes_all {
            let position = a.span.position.unwrap_or(Position::new(1, 1));
            let what = match a.dispatch.attribute() {
                Some((kind, value)) => format!("{kind} `{value}`"),
                None => "the default resource".to_owned(),
            };
            let methods = if a.methods.is_empty() {
                "every method".to_owned()
            } else {
                a.methods
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            return Some(format!(
                "`<resource>`: can never match: the resource at {position} ({what}, {methods}) takes every request it accepts first"
            ));
        }
    }
    None
}

/// Whether resource `a` accepts every request `b` accepts, apart from the path: as many
/// methods, bindings, and no narrower protocol, content type or user agent.
fn covers(api: &ApiConfig, a: &ResourceConfig, b: &ResourceConfig) -> bool {
    let methods = a.methods.is_empty()
        || (!b.methods.is_empty() && b.methods.iter().all(|m| a.methods.contains(m)));
    let same_or_any = |x: &Option<String>, y: &Option<String>| x.is_none() || x == y;
    methods
        && (a.protocol.is_none() || a.protocol == b.protocol)
        && same_or_any(&a.content_type, &b.content_type)
        && same_or_any(&a.user_agent, &b.user_agent)
        && api.bindings(a).is_superset(&api.bindings(b))
}

/// A resource's mapping as Synapse compares it: a template without its trailing `/`, a
/// mapping in Synapse's normal form (`None` for the default resource).
fn dispatch_key(dispatch: &ResourceDispatch) -> Option<(u8, String)> {
    match dispatch {
        ResourceDispatch::UriTemplate(t) => Some((0, trim_template(t).to_owned())),
        ResourceDispatch::UrlMapping(m) => Some((
            1,
            match parse_url_mapping(m) {
                Ok(UrlPattern::Exact(e)) => e,
                Ok(UrlPattern::Prefix(s)) if s.is_empty() => "/*".to_owned(),
                Ok(UrlPattern::Prefix(s)) => format!("/{}/*", s.join("/")),
                Ok(UrlPattern::Extension(e)) => format!("*.{e}"),
                Err(_) => m.clone(),
            },
        )),
        ResourceDispatch::Default => None,
    }
}

/// Whether a path-prefix url-mapping of `segments` takes every request of a resource
/// dispatched by `b` (given it accepts them all): url-mappings are tried before templates and
/// the default resource, so it takes every path of a template that starts with its segments;
/// `/*` takes every path, ahead of extension mappings too, and ties with a one-segment prefix
/// (Synapse counts both as one segment; the first wins).
fn prefix_takes_all(segments: &[String], b: &ResourceDispatch, earlier: bool) -> bool {
    match b {
        ResourceDispatch::UriTemplate(bt) => {
            let path = if segments.is_empty() {
                "/".to_owned()
            } else {
                format!("/{}/", segments.join("/"))
            };
            leading_literal(bt).is_some_and(|l| l.starts_with(&path))
        }
        ResourceDispatch::Default => segments.is_empty(),
        ResourceDispatch::UrlMapping(bm) if segments.is_empty() => match parse_url_mapping(bm) {
            Ok(UrlPattern::Extension(_)) => true,
            Ok(UrlPattern::Prefix(other)) => earlier && other.len() == 1,
            _ => false,
        },
        ResourceDispatch::UrlMapping(_) => false,
    }
}

/// A template as Synapse keeps it: one trailing `/` removed, but not from `/` (the
/// `URITemplate` constructor of synapse-commons; `/a//` keeps `/a/`).
fn trim_template(t: &str) -> &str {
    match t.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => t,
    }
}

/// For a template that is one literal ending in `*` (`/orders/*`), the literal before the `*`:
/// the template matches every path that starts with it.
fn template_prefix(t: &str) -> Option<&str> {
    let t = trim_template(t);
    if t.contains(['{', '}']) {
        return None;
    }
    t.strip_suffix('*')
}

/// The literal a template starts with (before its first expression, without a trailing `*`):
/// every path the template matches starts with it.
fn leading_literal(t: &str) -> Option<&str> {
    let t = trim_template(t);
    let literal = t.split('{').next()?;
    Some(literal.strip_suffix('*').unwrap_or(literal))
}

/// A syntax error in a uri-template or url-mapping: the character index (in the trimmed
/// value) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) index: usize,
    pub(crate) message: String,
}

fn syntax(index: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        index,
        message: message.into(),
    }
}

/// Checks a uri-template as Synapse's `URITemplateParser` reads it: literals and `{…}`
/// expressions, each expression an optional operator (`+`, `#`, `.`, `/`) and comma-separated
/// variables named with letters, digits, `.`, `-`, `_`, each with an optional `:N` prefix
/// length. Stricter than Synapse on two points that can only be mistakes: the template must
/// start with `/` (the path matched always does; Synapse fails on a leading `{`), and an
/// unclosed `{` is an error (Synapse reads the rest as an expression).
pub(crate) fn parse_uri_template(t: &str) -> Result<(), SyntaxError> {
    if !t.starts_with('/') {
        return Err(syntax(0, "a uri-template must start with `/`"));
    }
    let mut open: Option<usize> = None;
    let mut body = String::new();
    for (i, c) in t.chars().enumerate() {
        match (c, open) {
            ('{', Some(_)) => return Err(syntax(i, "`{` inside an expression")),
            ('{', None) => {
                open = Some(i);
                body.clear();
            }
            ('}', None) => return Err(syntax(i, "`}` without a `{` before it")),
            ('}', Some(start)) => {
                check_expression(&body, start)?;
                open = None;
            }
            (c, Some(_)) => body.push(c),
            (_, None) => {}
        }
    }
    match open {
        Some(start) => Err(syntax(start, "`{` is never closed")),
        None => Ok(()),
    }
}

/// One expression's body (between the braces; `start` is the index of its `{`).
fn check_expression(body: &str, start: usize) -> Result<(), SyntaxError> {
    let mut chars = body.chars();
    let (operator, vars, offset) = match chars.next() {
        None => return Err(syntax(start, "empty expression `{}`")),
        Some(op @ ('+' | '#' | '.' | '/')) => (Some(op), chars.as_str(), start + 2),
        Some(op @ ('?' | '&')) => {
            return Err(syntax(
                start + 1,
                format!(
                    "`{{{op}…}}` expressions are not supported by Synapse: write the query literally (`?name={{name}}`)"
                ),
            ));
        }
        Some(op @ (';' | '=' | ',' | '!' | '@' | '|')) => {
            return Err(syntax(
                start + 1,
                format!(
                    "`{{{op}…}}` expressions are not supported by Synapse (it supports `{{var}}`, `{{+var}}`, `{{#var}}`, `{{.var}}` and `{{/var}}`)"
                ),
            ));
        }
        Some(_) => (None, body, start + 1),
    };
    if vars.is_empty() {
        let op = operator.unwrap_or_default();
        return Err(syntax(start, format!("`{{{op}}}` names no variable")));
    }
    let mut index = offset;
    for var in vars.split(',') {
        check_variable(var, index)?;
        index += var.chars().count() + 1;
    }
    Ok(())
}

/// One variable (`name` or `name:N`) starting at `index`.
fn check_variable(var: &str, index: usize) -> Result<(), SyntaxError> {
    let (name, prefix) = match var.split_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (var, None),
    };
    if name.is_empty() {
        return Err(syntax(index, "empty variable name"));
    }
    if let Some((i, c)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(syntax(
            index + i,
            format!("`{c}` cannot be in a variable name (letters, digits, `.`, `-` and `_`)"),
        ));
    }
    if let Some(p) = prefix {
        let ok = !p.is_empty()
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n > 0);
        if !ok {
            return Err(syntax(
                index + name.chars().count(),
                format!("`:{p}` must be a prefix length, a positive number (`{name}:3`)"),
            ));
        }
    }
    Ok(())
}

/// A url-mapping as Synapse's `URLMappingHelper` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlPattern {
    /// `/orders` (a trailing `/` removed).
    Exact(String),
    /// `/orders/*`: its segments (none for `/*`).
    Prefix(Vec<String>),
    /// `*.jsp`: the extension (`jsp`).
    Extension(String),
}

/// Reads a url-mapping: an exact path, a path prefix ending in `/*`, or an extension `*.ext`.
/// Synapse takes any other text as an exact path; mediate refuses what such a path could never
/// equal (a path always starts with `/`, and its query is removed before comparing) and what
/// is surely meant for a uri-template (`{…}`).
pub(crate) fn parse_url_mapping(m: &str) -> Result<UrlPattern, SyntaxError> {
    if let Some(ext) = m.strip_prefix("*.") {
        if ext.is_empty() {
            return Err(syntax(0, "`*.` needs an extension (`*.jsp`)"));
        }
        if let Some(i) = ext
            .chars()
            .position(|c| matches!(c, '*' | '/' | '?' | '{' | '}'))
        {
            return Err(syntax(
                i + 2,
                "an extension mapping is `*.` and the extension, nothing else",
            ));
        }
        return Ok(UrlPattern::Extension(ext.to_owned()));
    }
    if !m.starts_with('/') {
        return Err(syntax(
            0,
            "a url-mapping is an exact path (`/orders`), a path prefix (`/orders/*`) or an extension (`*.jsp`)",
        ));
    }
    let (path, prefix) = match m.strip_suffix("/*") {
        Some(p) => (p, true),
        None => (m, false),
    };
    for (i, c) in path.chars().enumerate() {
        let message = match c {
            '*' => {
                "`*` is only allowed as a trailing `/*` (path prefix) or a leading `*.` (extension)"
            }
            '{' | '}' => "a url-mapping has no variables: use uri-template for `{…}`",
            '?' => "a url-mapping cannot match a query: the query is removed before matching",
            _ => continue,
        };
        return Err(syntax(i, message));
    }
    if prefix {
        let inner = path.strip_prefix('/').unwrap_or(path);
        let mut segments: Vec<String> = inner.split('/').map(str::to_owned).collect();
        while segments.last().is_some_and(String::is_empty) {
            segments.pop();
        }
        Ok(UrlPattern::Prefix(segments))
    } else if path.len() > 1 {
        Ok(UrlPattern::Exact(
            path.strip_suffix('/').unwrap_or(path).to_owned(),
        ))
    } else {
        Ok(UrlPattern::Exact(path.to_owned()))
    }
}

/// The position of the character at `index` of attribute `name`'s trimmed value (an entity
/// such as `&amp;` counts as the one character it stands for).
pub(crate) fn value_position(
    r: &Reader<'_>,
    node: Node<'_, '_>,
    name: &str,
    index: usize,
) -> Position {
    let Some(attr) = node.attribute_node(name) else {
        return r.at(node);
    };
    let range = attr.range_value();
    let lead = attr
        .value()
        .chars()
        .take_while(|c| c.is_whitespace())
        .count();
    let offset = r
        .source
        .value_char_offset(range.clone(), lead + index)
        .unwrap_or(range.end);
    r.source.position(offset)
}

/// The character index of byte index `byte` in `s`.
fn char_index(s: &str, byte: usize) -> usize {
    s.get(..byte).map_or(0, |p| p.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uri_templates_synapse_reads() {
        for t in [
            "/",
            "/view/{symbol}",
            "/order/{orderId}/dictionary/{char}/{word}",
            "/getQuote?symbol={symbol}&amount={amount}",
            "/{+path}",
            "/a{#frag}",
            "/file{.ext}",
            "/x{/seg,seg2}",
            "/code/{id:3}",
            "/*",
            "/files/*",
            "/{a}{b}",
            "/{user-name}/{v1.2}",
        ] {
            assert_eq!(parse_uri_template(t), Ok(()), "{t}");
        }
    }

    #[test]
    fn uri_template_errors_point_at_the_character() {
        let cases = [
            ("view/{id}", 0, "a uri-template must start with `/`"),
            ("/a/{b", 3, "`{` is never closed"),
            ("/a/{b{c}}", 5, "`{` inside an expression"),
            ("/a/b}", 4, "`}` without a `{` before it"),
            ("/a/{}", 3, "empty expression `{}`"),
            ("/a/{x,}", 6, "empty variable name"),
            (
                "/a/{x y}",
                5,
                "` ` cannot be in a variable name (letters, digits, `.`, `-` and `_`)",
            ),
            (
                "/a/{id:x}",
                6,
                "`:x` must be a prefix length, a positive number (`id:3`)",
            ),
            (
                "/a/{id:0}",
                6,
                "`:0` must be a prefix length, a positive number (`id:3`)",
            ),
            ("/a/{+}", 3, "`{+}` names no variable"),
        ];
        for (t, index, message) in cases {
            assert_eq!(parse_uri_template(t), Err(syntax(index, message)), "{t}");
        }
        let e = parse_uri_template("/search{?q,lang}").unwrap_err();
        assert_eq!(e.index, 8);
        assert!(
            e.message.contains("write the query literally"),
            "{}",
            e.message
        );
    }

    #[test]
    fn url_mappings_in_synapse_form() {
        assert_eq!(parse_url_mapping("/*"), Ok(UrlPattern::Prefix(vec![])));
        assert_eq!(
            parse_url_mapping("/order/*"),
            Ok(UrlPattern::Prefix(vec!["order".into()]))
        );
        assert_eq!(
            parse_url_mapping("/a/b/*"),
            Ok(UrlPattern::Prefix(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            parse_url_mapping("/list/"),
            Ok(UrlPattern::Exact("/list".into()))
        );
        assert_eq!(parse_url_mapping("/"), Ok(UrlPattern::Exact("/".into())));
        assert_eq!(
            parse_url_mapping("*.jsp"),
            Ok(UrlPattern::Extension("jsp".into()))
        );
        assert_eq!(parse_url_mapping("list").unwrap_err().index, 0);
        assert_eq!(parse_url_mapping("/a/*/b").unwrap_err().index, 3);
        assert_eq!(parse_url_mapping("/a/{id}").unwrap_err().index, 3);
        assert_eq!(parse_url_mapping("/a?x=1").unwrap_err().index, 2);
        assert_eq!(parse_url_mapping("*.").unwrap_err().index, 0);
    }

    #[test]
    fn a_template_loses_one_trailing_slash_as_synapse_does() {
        assert_eq!(trim_template("/a/{id}/"), "/a/{id}");
        assert_eq!(trim_template("/a//"), "/a/");
        assert_eq!(trim_template("//"), "/");
        assert_eq!(trim_template("/"), "/");
        assert_eq!(trim_template("/a"), "/a");
    }

    #[test]
    fn normal_forms_compare_as_synapse_does() {
        let key = |m: &str| dispatch_key(&ResourceDispatch::UrlMapping(m.into()));
        assert_eq!(key("/list/"), key("/list"));
        assert_eq!(key("/*"), Some((1, "/*".into())));
        assert_eq!(key("/a/b/*"), Some((1, "/a/b/*".into())));
        let t = |t: &str| dispatch_key(&ResourceDispatch::UriTemplate(t.into()));
        assert_eq!(t("/a/{id}/"), t("/a/{id}"));
        assert_ne!(t("/a"), key("/a"));
        assert_eq!(template_prefix("/orders/*"), Some("/orders/"));
        assert_eq!(template_prefix("/orders/{id}*"), None);
        assert_eq!(leading_literal("/orders/{id}"), Some("/orders/"));
        assert_eq!(leading_literal("/orders/*"), Some("/orders/"));
    }

    fn apis(xml: &str) -> Vec<ApiConfig> {
        let registry = mediate_mediators::builtins::registry();
        crate::load_str(xml, std::path::Path::new("apis.xml"), &registry)
            .expect("loads")
            .into_iter()
            .filter_map(|a| match a {
                crate::ArtifactConfig::Api(api) => Some(api),
                _ => None,
            })
            .collect()
    }

    // SynapseConfiguration.addAPI: same context (after `{version}` and trailing `/`) and same
    // version is refused; another version of the same context is not (E and F: `/1/orders`
    // in version `1` and unversioned); host and port are not compared.
    #[test]
    fn api_contexts_across_apis() {
        let ns = r#"xmlns="http://ws.apache.org/ns/synapse""#;
        let r = r#"<resource><inSequence><respond/></inSequence></resource>"#;
        let xml = format!(
            "<definitions {ns}>\n\
             <api name=\"A\" context=\"/orders\">{r}</api>\n\
             <api name=\"B\" context=\"/orders/\" hostname=\"other\" port=\"9000\">{r}</api>\n\
             <api name=\"C\" context=\"/orders\" version=\"1\" version-type=\"url\">{r}</api>\n\
             <api name=\"D\" context=\"/orders\" version=\"2\" version-type=\"url\">{r}</api>\n\
             <api name=\"E\" context=\"/{{version}}/orders\" version=\"1\" version-type=\"context\">{r}</api>\n\
             <api name=\"F\" context=\"/1/orders\">{r}</api>\n\
             <api name=\"G\" context=\"/\">{r}</api>\n\
             <api name=\"H\" context=\"/\">{r}</api>\n\
             </definitions>"
        );
        let apis = apis(&xml);
        let refs: Vec<&ApiConfig> = apis.iter().collect();
        let mut diags = Diagnostics::new();
        check_api_contexts(&refs, &mut diags);
        assert_eq!(
            diags.to_string(),
            "apis.xml:3:1: API `B`: context `/orders` is already used by API `A` at apis.xml:2:1\n\
             apis.xml:9:1: API `H`: context `/` is already used by API `G` at apis.xml:8:1"
        );
    }

    #[test]
    fn references_of_an_api() {
        let ns = r#"xmlns="http://ws.apache.org/ns/synapse""#;
        let xml = format!(
            r#"<api {ns} name="A" context="/a"><resource inSequence="In" faultSequence="Oops"><outSequence onError="OutErr"><sequence key="Audit"/></outSequence></resource></api>"#
        );
        let apis = apis(&xml);
        let mut out = Vec::new();
        references(&apis[0], &mut out);
        let found: Vec<(String, String)> = out.into_iter().map(|r| (r.key, r.via)).collect();
        assert_eq!(
            found,
            [
                ("In".to_owned(), "`<resource inSequence>`".to_owned()),
                ("OutErr".to_owned(), "`<outSequence onError>`".to_owned()),
                ("Audit".to_owned(), "`<sequence key>`".to_owned()),
                ("Oops".to_owned(), "`<resource faultSequence>`".to_owned()),
            ]
        );
    }

    /// A template made of valid pieces.
    fn template() -> impl Strategy<Value = String> {
        let literal = "[a-z0-9/._~-]{1,6}";
        // A name may hold `.`, but one that starts with an operator would be read as one.
        let var = "[A-Za-z0-9_][A-Za-z0-9._-]{0,4}(:[1-9][0-9]?)?";
        let expr = (
            prop::sample::select(vec!["", "+", "#", ".", "/"]),
            prop::collection::vec(var, 1..3),
        )
            .prop_map(|(op, vars)| format!("{{{op}{}}}", vars.join(",")));
        prop::collection::vec(prop_oneof![literal.prop_map(|s| s), expr], 0..5)
            .prop_map(|parts| format!("/{}", parts.concat()))
    }

    proptest! {
        #[test]
        fn valid_templates_parse(t in template()) {
            prop_assert_eq!(parse_uri_template(&t), Ok(()));
        }

        #[test]
        fn any_text_is_judged_without_panicking(t in "\\PC{0,24}") {
            if let Err(e) = parse_uri_template(&t) {
                prop_assert!(e.index <= t.chars().count());
            }
            if let Err(e) = parse_url_mapping(&t) {
                prop_assert!(e.index <= t.chars().count());
            }
        }
    }
}
