//! The group endpoints: `<loadbalance>` (with its `<session>` sibling), `<failover>` and
//! `<recipientlist>`, and the `<member>` static members of the first and last.

use std::time::Duration;

use mediate_core::{BuildError, MediatorSpec, Namespaces};

use crate::EndpointDefinition;
use crate::check::{
    boolean, check_attributes, check_children, check_no_text, did_you_mean, invalid, leaf_text,
    non_blank, required, structure, unknown_child, whole_number,
};
use crate::definition::EndpointKind;
use crate::dynamic::Dynamic;
use crate::settings::long_millis;
use crate::uri::{check_uri, is_placeholder};
use crate::write::{element, opt_attr, opt_child, text_element};

/// A static member of a load-balance group or recipient list
/// (`<member hostName="…" httpPort="…" httpsPort="…"/>`): the request's path is sent to this
/// host on the port of the incoming transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// `hostName`.
    pub host_name: String,
    /// `httpPort`.
    pub http_port: Option<u16>,
    /// `httpsPort`.
    pub https_port: Option<u16>,
}

/// The children a load-balance group or recipient list sends to.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupTargets {
    /// Child `<endpoint>`s (at least one).
    Endpoints(Vec<EndpointDefinition>),
    /// Static `<member>`s (at least one).
    Members(Vec<Member>),
}

/// A load-balance algorithm MI ships (`algorithm` attribute, a class name). Custom algorithm
/// classes cannot be loaded by mediate and are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadbalanceAlgorithm {
    /// `org.apache.synapse.endpoints.algorithms.RoundRobin` (the default).
    RoundRobin,
    /// `org.apache.synapse.endpoints.algorithms.WeightedRoundRobin`: child endpoints take
    /// turns in proportion to their `loadbalance.weight` property (default 1); members are
    /// not supported.
    WeightedRoundRobin,
    /// `org.apache.synapse.endpoints.algorithms.WeightedRRLCAlgorithm`: weighted round robin
    /// corrected by open connections; every child must be an address endpoint with a
    /// `loadbalance.weight` property.
    WeightedRoundRobinLeastConnections,
}

impl LoadbalanceAlgorithm {
    /// The class name MI knows it by.
    pub fn class_name(self) -> &'static str {
        match self {
            LoadbalanceAlgorithm::RoundRobin => {
                "org.apache.synapse.endpoints.algorithms.RoundRobin"
            }
            LoadbalanceAlgorithm::WeightedRoundRobin => {
                "org.apache.synapse.endpoints.algorithms.WeightedRoundRobin"
            }
            LoadbalanceAlgorithm::WeightedRoundRobinLeastConnections => {
                "org.apache.synapse.endpoints.algorithms.WeightedRRLCAlgorithm"
            }
        }
    }

    const ALL: [LoadbalanceAlgorithm; 3] = [
        LoadbalanceAlgorithm::RoundRobin,
        LoadbalanceAlgorithm::WeightedRoundRobin,
        LoadbalanceAlgorithm::WeightedRoundRobinLeastConnections,
    ];
}

/// How a session-affinity load balancer recognises a session (`<session type>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionType {
    /// `http`: the HTTP cookie.
    Http,
    /// `simpleClientSession`: the client's `ClientID` SOAP header.
    SimpleClientSession,
    /// `soap`: the WS-Addressing based SOAP session.
    Soap,
}

impl SessionType {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionType::Http => "http",
            SessionType::SimpleClientSession => "simpleClientSession",
            SessionType::Soap => "soap",
        }
    }
}

/// `<session type="…"><sessionTimeout>ms</sessionTimeout></session>`, a sibling of
/// `<loadbalance>` in the `<endpoint>`: it makes the group session-affine (Synapse's
/// `SALoadbalanceEndpoint`); the default timeout is [`defaults::SESSION_TIMEOUT`](crate::defaults::SESSION_TIMEOUT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// `type`.
    pub session_type: SessionType,
    /// `<sessionTimeout>`.
    pub timeout: Option<Duration>,
}

/// `<loadbalance>`: each message goes to the next child the algorithm picks (Synapse's
/// `LoadbalanceEndpoint`, or `SALoadbalanceEndpoint` with a [`Session`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LoadbalanceEndpoint {
    /// `algorithm`: round robin when not given.
    pub algorithm: Option<LoadbalanceAlgorithm>,
    /// `policy="roundRobin"`, the older spelling of the default algorithm (the only policy
    /// MI accepts; it cannot be combined with `algorithm`).
    pub policy_round_robin: bool,
    /// `failover`: whether a failed child's message is retried on the next one; `true` when
    /// not given (and always `false` in effect with a session).
    pub failover: Option<bool>,
    /// `buildMessage`: whether the message is built (parsed) before the first child is tried.
    pub build_message: Option<bool>,
    /// The `<session>` sibling, for session affinity.
    pub session: Option<Session>,
    /// The children.
    pub targets: GroupTargets,
}

/// `<failover>`: a message goes to the first child that is ready; when it fails, to the next
/// (Synapse's `FailoverEndpoint`).
#[derive(Clone, Debug, PartialEq)]
pub struct FailoverEndpoint {
    /// `dynamic`: whether the group returns to the first child once it recovers; `true` when
    /// not given.
    pub dynamic: Option<bool>,
    /// `buildMessage`.
    pub build_message: Option<bool>,
    /// The child endpoints (at least one).
    pub endpoints: Vec<EndpointDefinition>,
}

/// What a recipient list sends copies to.
#[derive(Clone, Debug, PartialEq)]
pub enum RecipientTargets {
    /// Child `<endpoint>`s.
    Endpoints(Vec<EndpointDefinition>),
    /// Static `<member>`s.
    Members(Vec<Member>),
    /// `<endpoints value="url1,url2" max-cache="n"/>`: addresses written as a comma-separated
    /// list or computed by an `{expression}`; an address endpoint is made for each and kept
    /// in a cache of `max_cache` (default [`defaults::RECIPIENT_LIST_MAX_CACHE`](crate::defaults::RECIPIENT_LIST_MAX_CACHE)).
    Dynamic {
        /// The addresses, or the expression that yields them.
        value: Dynamic<Vec<String>>,
        /// `max-cache`.
        max_cache: Option<u32>,
    },
}

/// `<recipientlist>`: a copy of the message goes to every child (Synapse's
/// `RecipientListEndpoint`).
#[derive(Clone, Debug, PartialEq)]
pub struct RecipientListEndpoint {
    /// The recipients.
    pub targets: RecipientTargets,
}

fn read_member(spec: &MediatorSpec) -> Result<Member, BuildError> {
    check_attributes(spec, &["hostName", "httpPort", "httpsPort"])?;
    check_children(spec, &[])?;
    check_no_text(spec)?;
    let host = required(spec, "hostName")?.trim();
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || "/?#@".contains(c))
    {
        return Err(invalid(
            spec,
            "hostName",
            host,
            "expected a host name or IP address",
        ));
    }
    let port = |name: &str| -> Result<Option<u16>, BuildError> {
        match spec.get(name) {
            None => Ok(None),
            Some(v) => whole_number::<u16>(v, "a port number (0 to 65535)")
                .map(Some)
                .map_err(|r| invalid(spec, name, v, r)),
        }
    };
    Ok(Member {
        host_name: host.to_owned(),
        http_port: port("httpPort")?,
        https_port: port("httpsPort")?,
    })
}

fn write_member(m: &Member, ns: &Namespaces) -> MediatorSpec {
    let mut e = element("member", ns).property("hostName", &m.host_name);
    e = opt_attr(e, "httpPort", m.http_port.map(|p| p.to_string()).as_deref());
    opt_attr(
        e,
        "httpsPort",
        m.https_port.map(|p| p.to_string()).as_deref(),
    )
}

/// The child `<endpoint>`s of `spec` (no other child allowed but `others`), refusing the same
/// `key` twice among siblings as Synapse does.
fn child_endpoints(spec: &MediatorSpec) -> Result<Vec<EndpointDefinition>, BuildError> {
    let mut out: Vec<EndpointDefinition> = Vec::new();
    for child in spec.children.iter().filter(|c| c.kind == "endpoint") {
        let def = EndpointDefinition::from_spec(child)?;
        if let EndpointKind::Indirect { key } = &def.kind
            && out
                .iter()
                .any(|d| matches!(&d.kind, EndpointKind::Indirect { key: k } if k == key))
        {
            return Err(invalid(
                child,
                "key",
                &key.key,
                format!(
                    "endpoint `{}` is already a child of this `<{}>` (the same endpoint cannot be used twice among siblings)",
                    key.key, spec.kind
                ),
            ));
        }
        out.push(def);
    }
    Ok(out)
}

/// `<endpoint>` children or `<member>` children, never both, at least one.
fn endpoints_or_members(spec: &MediatorSpec) -> Result<GroupTargets, BuildError> {
    for child in &spec.children {
        if child.kind != "endpoint" && child.kind != "member" {
            return Err(unknown_child(spec, child, &["endpoint", "member"]));
        }
    }
    let has_endpoints = spec.children.iter().any(|c| c.kind == "endpoint");
    if let Some(member) = spec.children.iter().find(|c| c.kind == "member") {
        if has_endpoints {
            return Err(structure(
                member,
                format!(
                    "`<{}>` holds either `<endpoint>` or `<member>` children, not both",
                    spec.kind
                ),
            ));
        }
        return spec
            .children
            .iter()
            .map(read_member)
            .collect::<Result<_, _>>()
            .map(GroupTargets::Members);
    }
    if !has_endpoints {
        return Err(structure(
            spec,
            "needs at least one child `<endpoint>` or `<member>`",
        ));
    }
    child_endpoints(spec).map(GroupTargets::Endpoints)
}

fn write_targets(mut spec: MediatorSpec, targets: &GroupTargets, ns: &Namespaces) -> MediatorSpec {
    match targets {
        GroupTargets::Endpoints(eps) => {
            for ep in eps {
                spec = spec.child(ep.to_spec());
            }
        }
        GroupTargets::Members(ms) => {
            for m in ms {
                spec = spec.child(write_member(m, ns));
            }
        }
    }
    spec
}

impl LoadbalanceEndpoint {
    pub(crate) fn read(
        spec: &MediatorSpec,
        session: Option<&MediatorSpec>,
    ) -> Result<Self, BuildError> {
        check_attributes(spec, &["algorithm", "policy", "failover", "buildMessage"])?;
        check_no_text(spec)?;
        if let (Some(_), Some(a)) = (spec.get("policy"), spec.get("algorithm")) {
            return Err(invalid(
                spec,
                "algorithm",
                a,
                "give either `policy` or `algorithm`, not both (`algorithm` is enough)",
            ));
        }
        let policy_round_robin = match spec.get("policy") {
            None => false,
            Some(p) if p.trim() == "roundRobin" => true,
            Some(p) => {
                return Err(invalid(
                    spec,
                    "policy",
                    p,
                    "unsupported policy (only `roundRobin`; name other algorithms with `algorithm`)",
                ));
            }
        };
        let algorithm = match spec.get("algorithm") {
            None => None,
            Some(a) => {
                let a = a.trim();
                let names: Vec<&str> = LoadbalanceAlgorithm::ALL
                    .iter()
                    .map(|x| x.class_name())
                    .collect();
                match LoadbalanceAlgorithm::ALL
                    .into_iter()
                    .find(|x| x.class_name() == a)
                {
                    Some(found) => Some(found),
                    None => {
                        return Err(invalid(
                            spec,
                            "algorithm",
                            a,
                            format!(
                                "unknown load-balance algorithm (mediate cannot load algorithm classes; expected {}){}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                did_you_mean(a, &names)
                            ),
                        ));
                    }
                }
            }
        };
        let targets = endpoints_or_members(spec)?;
        let session = session.map(read_session).transpose()?;
        if let (Some(_), GroupTargets::Members(_)) = (&session, &targets) {
            return Err(structure(
                spec,
                "a session-affine load balancer (with `<session>`) needs child `<endpoint>`s, not `<member>`s",
            ));
        }
        check_algorithm(spec, algorithm, &targets)?;
        Ok(Self {
            algorithm,
            policy_round_robin,
            failover: boolean(spec, "failover")?,
            build_message: boolean(spec, "buildMessage")?,
            session,
            targets,
        })
    }

    pub(crate) fn write(&self, ns: &Namespaces) -> MediatorSpec {
        let mut spec = element("loadbalance", ns);
        spec = opt_attr(
            spec,
            "algorithm",
            self.algorithm.map(LoadbalanceAlgorithm::class_name),
        );
        if self.policy_round_robin {
            spec = spec.property("policy", "roundRobin");
        }
        spec = opt_attr(spec, "failover", self.failover.map(bool_text));
        spec = opt_attr(spec, "buildMessage", self.build_message.map(bool_text));
        write_targets(spec, &self.targets, ns)
    }

    /// The `<session>` sibling element, if any.
    pub(crate) fn write_session(&self, ns: &Namespaces) -> Option<MediatorSpec> {
        self.session.as_ref().map(|s| {
            opt_child(
                element("session", ns).property("type", s.session_type.as_str()),
                s.timeout
                    .map(|t| text_element("sessionTimeout", t.as_millis().to_string(), ns)),
            )
        })
    }
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn read_session(spec: &MediatorSpec) -> Result<Session, BuildError> {
    check_attributes(spec, &["type"])?;
    check_children(spec, &["sessionTimeout"])?;
    check_no_text(spec)?;
    let t = required(spec, "type")?;
    let session_type = match t.trim().to_ascii_lowercase().as_str() {
        "http" => SessionType::Http,
        "simpleclientsession" => SessionType::SimpleClientSession,
        "soap" => SessionType::Soap,
        _ => {
            return Err(invalid(
                spec,
                "type",
                t,
                "unknown session type (expected `http`, `simpleClientSession` or `soap`)",
            ));
        }
    };
    let timeout = match spec.child_named("sessionTimeout") {
        None => None,
        Some(st) => Some(long_millis(leaf_text(st)?).map_err(|r| structure(st, r))?),
    };
    Ok(Session {
        session_type,
        timeout,
    })
}

/// The weighted algorithms read the children's `loadbalance.weight` properties: check what
/// MI would refuse when it starts the endpoint.
fn check_algorithm(
    spec: &MediatorSpec,
    algorithm: Option<LoadbalanceAlgorithm>,
    targets: &GroupTargets,
) -> Result<(), BuildError> {
    let Some(
        algorithm @ (LoadbalanceAlgorithm::WeightedRoundRobin
        | LoadbalanceAlgorithm::WeightedRoundRobinLeastConnections),
    ) = algorithm
    else {
        return Ok(());
    };
    let GroupTargets::Endpoints(children) = targets else {
        return Err(structure(
            spec,
            format!(
                "`{}` balances child `<endpoint>`s, not `<member>`s",
                algorithm.class_name()
            ),
        ));
    };
    let child_specs: Vec<&MediatorSpec> = spec
        .children
        .iter()
        .filter(|c| c.kind == "endpoint")
        .collect();
    for (child, child_spec) in children.iter().zip(child_specs) {
        let weight = child
            .properties
            .iter()
            .find(|p| p.name == "loadbalance.weight");
        if algorithm == LoadbalanceAlgorithm::WeightedRoundRobinLeastConnections {
            if !matches!(child.kind, EndpointKind::Address(_)) {
                return Err(structure(
                    child_spec,
                    "`WeightedRRLCAlgorithm` balances address endpoints only",
                ));
            }
            if weight.is_none() {
                return Err(structure(
                    child_spec,
                    "`WeightedRRLCAlgorithm` needs a `<property name=\"loadbalance.weight\" value=\"…\"/>` on every child endpoint",
                ));
            }
        }
        if let Some(value) = weight.and_then(|w| w.value.as_value()) {
            match whole_number::<i32>(value, "a weight (a whole number ≥ 1)") {
                Ok(n) if n >= 1 => {}
                Ok(_) => {
                    return Err(structure(
                        child_spec,
                        "the `loadbalance.weight` property must be at least 1",
                    ));
                }
                Err(r) => {
                    return Err(structure(
                        child_spec,
                        format!("the `loadbalance.weight` property: {r}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

impl FailoverEndpoint {
    pub(crate) fn read(spec: &MediatorSpec) -> Result<Self, BuildError> {
        check_attributes(spec, &["dynamic", "buildMessage"])?;
        check_no_text(spec)?;
        for child in &spec.children {
            if child.kind != "endpoint" {
                return Err(unknown_child(spec, child, &["endpoint"]));
            }
        }
        let endpoints = child_endpoints(spec)?;
        if endpoints.is_empty() {
            return Err(structure(spec, "needs at least one child `<endpoint>`"));
        }
        Ok(Self {
            dynamic: boolean(spec, "dynamic")?,
            build_message: boolean(spec, "buildMessage")?,
            endpoints,
        })
    }

    pub(crate) fn write(&self, ns: &Namespaces) -> MediatorSpec {
        let mut spec = element("failover", ns);
        spec = opt_attr(spec, "dynamic", self.dynamic.map(bool_text));
        spec = opt_attr(spec, "buildMessage", self.build_message.map(bool_text));
        for ep in &self.endpoints {
            spec = spec.child(ep.to_spec());
        }
        spec
    }
}

impl RecipientListEndpoint {
    pub(crate) fn read(spec: &MediatorSpec, ns: &Namespaces) -> Result<Self, BuildError> {
        check_attributes(spec, &[])?;
        check_no_text(spec)?;
        if let Some(set) = spec.children.iter().find(|c| c.kind == "endpoints") {
            if let Some(other) = spec.children.iter().find(|c| c.kind != "endpoints") {
                return Err(structure(
                    other,
                    "`<recipientlist>` holds either `<endpoints value>` or child `<endpoint>`/`<member>` elements, not both",
                ));
            }
            if spec.children.len() > 1 {
                return Err(structure(
                    &spec.children[1],
                    "is given twice in `<recipientlist>`",
                ));
            }
            return read_dynamic_set(set, ns).map(|targets| Self { targets });
        }
        for child in &spec.children {
            if !matches!(child.kind.as_str(), "endpoint" | "member") {
                return Err(unknown_child(
                    spec,
                    child,
                    &["endpoint", "member", "endpoints"],
                ));
            }
        }
        if spec.children.is_empty() {
            return Err(structure(
                spec,
                "needs child `<endpoint>`s, `<member>`s or an `<endpoints value=\"…\"/>`",
            ));
        }
        let targets = match endpoints_or_members(spec)? {
            GroupTargets::Endpoints(e) => RecipientTargets::Endpoints(e),
            GroupTargets::Members(m) => RecipientTargets::Members(m),
        };
        Ok(Self { targets })
    }

    pub(crate) fn write(&self, ns: &Namespaces) -> MediatorSpec {
        let spec = element("recipientlist", ns);
        match &self.targets {
            RecipientTargets::Endpoints(eps) => {
                write_targets(spec, &GroupTargets::Endpoints(eps.clone()), ns)
            }
            RecipientTargets::Members(ms) => {
                write_targets(spec, &GroupTargets::Members(ms.clone()), ns)
            }
            RecipientTargets::Dynamic { value, max_cache } => {
                let text = match value {
                    Dynamic::Value(urls) => urls.join(","),
                    Dynamic::Expression(e) => format!("{{{e}}}"),
                };
                let e = element("endpoints", ns).property("value", text);
                spec.child(opt_attr(
                    e,
                    "max-cache",
                    max_cache.map(|m| m.to_string()).as_deref(),
                ))
            }
        }
    }
}

fn read_dynamic_set(spec: &MediatorSpec, ns: &Namespaces) -> Result<RecipientTargets, BuildError> {
    check_attributes(spec, &["value", "max-cache"])?;
    check_children(spec, &[])?;
    check_no_text(spec)?;
    let value = required(spec, "value")?;
    let trimmed = value.trim();
    let dynamic = if let Some(inner) = trimmed.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        crate::check::check_expression(inner.trim(), ns)
            .map_err(|r| invalid(spec, "value", value, r))?;
        Dynamic::Expression(inner.trim().to_owned())
    } else {
        let urls: Vec<String> = trimmed
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
        if urls.is_empty() {
            return Err(invalid(
                spec,
                "value",
                value,
                "lists no address (expected `url1,url2` or an `{expression}`)",
            ));
        }
        for url in &urls {
            if !is_placeholder(url) {
                check_uri(url)
                    .map_err(|r| invalid(spec, "value", value, format!("address `{url}` {r}")))?;
            }
        }
        Dynamic::Value(urls)
    };
    let max_cache = match non_blank(spec, "max-cache")? {
        None => None,
        Some(m) => Some(
            whole_number::<i32>(m, "a cache size (a whole number ≥ 0)")
                .map(i32::unsigned_abs)
                .map_err(|r| invalid(spec, "max-cache", m, r))?,
        ),
    };
    Ok(RecipientTargets::Dynamic {
        value: dynamic,
        max_cache,
    })
}
