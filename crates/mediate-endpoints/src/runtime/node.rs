//! The compiled form of an endpoint definition: a tree of [`Node`]s, each leaf with its own
//! suspension state machine, each group with its load-balance cursor or failover position.
//! Built once per named endpoint (and once per inline definition, on first use).

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mediate_core::expr::xpath::XPathScope;
use mediate_core::{Expression, MediatorSpec, MessageContext, Namespaces, PropertyValue, Scope};

use crate::definition::{
    EndpointDefinition, EndpointKind, EndpointPropertyValue, PropertyScope, TemplateEndpoint,
};
use crate::dynamic::Dynamic;
use crate::group::{GroupTargets, LoadbalanceAlgorithm, Member, RecipientTargets};
use crate::leaf::HttpMethod;
use crate::runtime::metrics;
use crate::runtime::url::Address;
use crate::settings::{EndpointSettings, TimeoutAction, defaults};
use crate::state::{EndpointState, EndpointStateMachine, FailureOutcome, SuspensionSettings};

/// Synapse's name for an endpoint without one (`SynapseConstants.ANONYMOUS_ENDPOINT`).
pub(crate) const ANONYMOUS: &str = "AnonymousEndpoint";

/// An endpoint template: its declared parameters and its `<endpoint>` body with `$p` values.
#[derive(Clone, Debug)]
pub(crate) struct EndpointTemplate {
    pub(crate) parameters: Vec<String>,
    pub(crate) body: MediatorSpec,
}

/// One compiled endpoint.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Leaf(Arc<Leaf>),
    Group(Arc<Group>),
    /// `<endpoint key>`: the named endpoint, looked up when a message is sent.
    Indirect {
        key: Arc<str>,
        on_error: Option<Arc<str>>,
    },
    /// `<endpoint key-expression>`.
    Resolving(Arc<Resolving>),
}

#[derive(Debug)]
pub(crate) struct Resolving {
    pub(crate) text: String,
    pub(crate) expression: Expression,
    pub(crate) on_error: Option<Arc<str>>,
}

/// Where a leaf sends.
#[derive(Debug)]
pub(crate) enum Target {
    /// `<address uri>` (may hold `${property}` parts, compiled once).
    Address(Address),
    /// `<http uri-template [method]>`.
    Http {
        template: String,
        legacy_encoding: bool,
        method: Option<HttpMethod>,
    },
    /// `<default>`: the message's `To`.
    Default,
    /// A static `<member>`: the request's path on that host.
    Member(Member),
}

/// An endpoint `<property>`, compiled.
#[derive(Debug)]
pub(crate) struct Property {
    pub(crate) name: String,
    pub(crate) scope: Option<PropertyScope>,
    pub(crate) value: PropertyValueSource,
}

#[derive(Debug)]
pub(crate) enum PropertyValueSource {
    Literal(String),
    Expression(Expression),
}

/// The `{expression}` settings of a leaf, compiled.
#[derive(Debug, Default)]
pub(crate) struct DynamicSettings {
    timeout_duration: Option<Expression>,
    timeout_action: Option<Expression>,
    mark_codes: Option<Expression>,
    mark_retries: Option<Expression>,
    mark_delay: Option<Expression>,
    suspend_codes: Option<Expression>,
    suspend_initial: Option<Expression>,
    suspend_factor: Option<Expression>,
    suspend_maximum: Option<Expression>,
}

/// The settings of one leaf for one message: timeout and suspension with every
/// `{expression}` evaluated.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// The endpoint's own timeout, if it has one.
    pub(crate) timeout: Option<Duration>,
    /// What a timeout does.
    pub(crate) action: TimeoutAction,
    /// Suspension settings computed for this message, when some are expressions.
    pub(crate) suspension: Option<SuspensionSettings>,
}

/// A leaf endpoint (address, http, default, member) with its state machine.
#[derive(Debug)]
pub(crate) struct Leaf {
    /// The metrics label and log name: the name, or a name derived from the parent's, or the
    /// address as written.
    pub(crate) label: String,
    /// The endpoint's own name.
    pub(crate) name: Option<String>,
    pub(crate) target: Target,
    pub(crate) settings: EndpointSettings,
    pub(crate) dynamic: DynamicSettings,
    pub(crate) properties: Vec<Property>,
    pub(crate) on_error: Option<Arc<str>>,
    /// Whether a per-message expression of this leaf may read the payload.
    pub(crate) reads_body: bool,
    /// Implicit sends (`To`, no endpoint) keep no state.
    pub(crate) stateless: bool,
    /// The metric handles of successful calls, made once.
    pub(crate) metrics: metrics::LeafMetrics,
    state: Mutex<EndpointStateMachine>,
}

/// A group endpoint.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) label: String,
    pub(crate) name: Option<String>,
    pub(crate) kind: GroupKind,
    pub(crate) properties: Vec<Property>,
    pub(crate) on_error: Option<Arc<str>>,
}

#[derive(Debug)]
pub(crate) enum GroupKind {
    Failover {
        dynamic: bool,
        children: Vec<Node>,
        /// The child a non-dynamic failover sticks to.
        current: AtomicUsize,
    },
    Loadbalance(Loadbalance),
    RecipientList(Recipients),
}

#[derive(Debug)]
pub(crate) struct Loadbalance {
    pub(crate) children: Vec<Node>,
    /// `loadbalance.weight` of each child (1 unless weighted).
    pub(crate) weights: Vec<u32>,
    pub(crate) weighted: bool,
    pub(crate) failover: bool,
    pub(crate) cursor: Mutex<Cursor>,
    pub(crate) sessions: Option<Sessions>,
}

/// A load balancer's position: the next child, and how many messages the current one has
/// had in a row (weighted round robin).
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    pub(crate) index: usize,
    pub(crate) sent: u32,
}

/// The recipients of a recipient list.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per recipient list, made once
pub(crate) enum Recipients {
    Fixed(Vec<Node>),
    /// `<endpoints value="{expression}">`: addresses computed per message, each kept as an
    /// address endpoint in a cache of `max` entries.
    Dynamic {
        expression: Expression,
        text: String,
        cache: Mutex<Vec<(String, Node)>>,
        max: usize,
        /// The label (logs, metrics) of every address it makes: the list's own, since the
        /// addresses come from messages and must not grow the metric label set.
        label: String,
    },
}

/// The sessions of a session-affine load balancer (its expiry and cap live with the engine).
pub(crate) use crate::runtime::engine::Sessions;

/// Locks a mutex, taking the data of a poisoned one as it is (a panic elsewhere must not stop
/// every later message).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether an expression may read the payload. Conservative: only expressions that plainly
/// read properties, headers, variables or parameters are taken as not reading it.
pub(crate) fn expression_reads_body(text: &str) -> bool {
    let t = text.trim();
    const PLAIN: &[&str] = &[
        "get-property(",
        "$ctx:",
        "$axis2:",
        "$trp:",
        "$url:",
        "$func:",
        "$env:",
        "$var:",
        "${properties.",
        "${vars.",
        "${headers",
        "${params.",
        "${configs.",
        "${env.",
    ];
    let plain = PLAIN.iter().any(|p| t.starts_with(p))
        && !t.contains("$body")
        && !t.contains("payload")
        && !t.contains("json-eval")
        && !t.contains("xpath(")
        && !t.contains("//");
    !plain
}

impl Leaf {
    fn new(
        label: String,
        name: Option<String>,
        target: Target,
        settings: EndpointSettings,
        properties: Vec<Property>,
        on_error: Option<Arc<str>>,
        namespaces: Namespaces,
    ) -> Result<Self, String> {
        if settings.security.is_some() {
            return Err(
                "WS-Security (`<enableSec>`) is not supported: mediate cannot sign or encrypt \
                 messages, so it does not send through this endpoint"
                    .into(),
            );
        }
        let (dynamic, dynamic_reads_body) = DynamicSettings::compile(&settings, &namespaces)?;
        let reads_body = dynamic_reads_body
            || matches!(&target, Target::Address(a) if a.reads_payload())
            || properties
                .iter()
                .any(|p| matches!(&p.value, PropertyValueSource::Expression(e) if expression_reads_body(e.source())));
        let machine = EndpointStateMachine::from_settings(&settings);
        metrics::record_state(&label, machine.state());
        Ok(Self {
            metrics: metrics::LeafMetrics::new(&label),
            label,
            name,
            target,
            settings,
            dynamic,
            properties,
            on_error,
            reads_body,
            stateless: false,
            state: Mutex::new(machine),
        })
    }

    /// The leaf of an implicit send (no endpoint: the message's `To`), which keeps no state.
    pub(crate) fn implicit() -> Self {
        Self {
            metrics: metrics::LeafMetrics::new("implicit"),
            label: "implicit".into(),
            name: None,
            target: Target::Default,
            settings: EndpointSettings::default(),
            dynamic: DynamicSettings::default(),
            properties: Vec::new(),
            on_error: None,
            reads_body: false,
            stateless: true,
            state: Mutex::new(EndpointStateMachine::new(SuspensionSettings::default())),
        }
    }

    /// The name Synapse shows for the endpoint.
    pub(crate) fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(ANONYMOUS)
    }

    pub(crate) fn state(&self) -> EndpointState {
        *lock(&self.state).state()
    }

    pub(crate) fn ready(&self, now: Instant) -> bool {
        self.stateless || lock(&self.state).ready_to_send(now)
    }

    pub(crate) fn on_success(&self) {
        if self.stateless {
            return;
        }
        let mut machine = lock(&self.state);
        let before = *machine.state();
        machine.on_success();
        let after = *machine.state();
        drop(machine);
        if before != after {
            tracing::info!(endpoint = %self.label, "endpoint is active again");
            metrics::record_state(&self.label, &after);
        }
    }

    pub(crate) fn on_failure(
        &self,
        code: i32,
        suspension: Option<&SuspensionSettings>,
        now: Instant,
    ) -> FailureOutcome {
        if self.stateless {
            return FailureOutcome::Ignored;
        }
        let mut machine = lock(&self.state);
        let outcome = match suspension {
            Some(s) => machine.on_failure_with(s, code, now),
            None => machine.on_failure(code, now),
        };
        let after = *machine.state();
        drop(machine);
        match outcome {
            FailureOutcome::Suspended {
                duration, count, ..
            } => tracing::warn!(
                endpoint = %self.label,
                code,
                suspend_ms = duration.as_millis() as u64,
                count,
                "endpoint marked SUSPENDED as it failed"
            ),
            FailureOutcome::MarkedForSuspension { retries_left, .. } => tracing::warn!(
                endpoint = %self.label,
                code,
                retries_left,
                "endpoint marked for suspension (timeout state)"
            ),
            FailureOutcome::Ignored => {}
        }
        metrics::record_state(&self.label, &after);
        outcome
    }

    pub(crate) fn switch(&self, on: bool) {
        let mut machine = lock(&self.state);
        if on {
            machine.switch_on();
        } else {
            machine.switch_off();
        }
        let after = *machine.state();
        drop(machine);
        metrics::record_state(&self.label, &after);
    }

    /// Whether a parent group may try another child after this leaf failed with `code`
    /// (Synapse's `isRetry`, from `<retryConfig>`).
    pub(crate) fn is_retry(&self, code: i32) -> bool {
        let Some(retry) = &self.settings.retry_config else {
            return true;
        };
        if let Some(disabled) = &retry.disabled_error_codes
            && disabled.contains(&code)
        {
            return false;
        }
        match &retry.enabled_error_codes {
            Some(enabled) if !enabled.is_empty() => enabled.contains(&code),
            _ => true,
        }
    }

    /// The timeout and suspension settings for `msg` (expressions evaluated with `scope`, the
    /// environment's local entries).
    pub(crate) fn resolve(&self, msg: &MessageContext, scope: &XPathScope<'_>) -> Resolved {
        let timeout = self.settings.timeout.as_ref();
        let action = timeout
            .and_then(|t| t.response_action.as_ref())
            .and_then(|a| {
                self.eval(
                    a,
                    self.dynamic.timeout_action.as_ref(),
                    msg,
                    scope,
                    parse_action,
                )
            })
            .unwrap_or(defaults::TIMEOUT_ACTION);
        let duration = timeout.and_then(|t| t.duration.as_ref()).and_then(|d| {
            self.eval(
                d,
                self.dynamic.timeout_duration.as_ref(),
                msg,
                scope,
                parse_millis,
            )
        });
        let duration = match (duration, action) {
            (Some(d), _) => Some(d),
            (None, TimeoutAction::Discard | TimeoutAction::Fault) => {
                Some(defaults::TIMEOUT_WITH_ACTION)
            }
            (None, TimeoutAction::Never) => None,
        };
        Resolved {
            timeout: duration,
            action,
            suspension: self
                .dynamic
                .any_suspension()
                .then(|| self.suspension(msg, scope)),
        }
    }

    fn suspension(&self, msg: &MessageContext, scope: &XPathScope<'_>) -> SuspensionSettings {
        let mut s = SuspensionSettings::from_settings(&self.settings);
        let d = &self.dynamic;
        if let Some(mark) = &self.settings.mark_for_suspension {
            if let Some(v) = mark
                .error_codes
                .as_ref()
                .and_then(|c| self.eval(c, d.mark_codes.as_ref(), msg, scope, parse_codes))
            {
                s.timeout_error_codes = v;
            }
            if let Some(v) = mark
                .retries_before_suspension
                .as_ref()
                .and_then(|c| self.eval(c, d.mark_retries.as_ref(), msg, scope, parse_u32))
            {
                s.retries_before_suspension = v;
            }
            if let Some(v) = mark
                .retry_delay
                .as_ref()
                .and_then(|c| self.eval(c, d.mark_delay.as_ref(), msg, scope, parse_millis))
            {
                s.retry_delay = v;
            }
        }
        if let Some(susp) = &self.settings.suspend_on_failure {
            if let Some(v) = susp
                .error_codes
                .as_ref()
                .and_then(|c| self.eval(c, d.suspend_codes.as_ref(), msg, scope, parse_codes))
            {
                s.suspend_error_codes = v;
            }
            if let Some(v) = susp
                .initial_duration
                .as_ref()
                .and_then(|c| self.eval(c, d.suspend_initial.as_ref(), msg, scope, parse_millis))
            {
                s.initial_duration = Some(v);
            }
            if let Some(v) = susp
                .progression_factor
                .as_ref()
                .and_then(|c| self.eval(c, d.suspend_factor.as_ref(), msg, scope, parse_factor))
            {
                s.progression_factor = v;
            }
            if let Some(v) = susp
                .maximum_duration
                .as_ref()
                .and_then(|c| self.eval(c, d.suspend_maximum.as_ref(), msg, scope, parse_millis))
            {
                s.maximum_duration = v;
            }
        }
        s
    }

    /// A setting's value: as written, or its expression evaluated and parsed (a failure is
    /// logged and the default applies, as Synapse does).
    fn eval<T: Clone>(
        &self,
        setting: &Dynamic<T>,
        compiled: Option<&Expression>,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        match setting {
            Dynamic::Value(v) => Some(v.clone()),
            Dynamic::Expression(text) => {
                let value = compiled.and_then(|e| e.evaluate_string_in(msg, scope).ok());
                let parsed = value.as_deref().and_then(parse);
                if parsed.is_none() {
                    tracing::warn!(
                        endpoint = %self.label,
                        expression = %text,
                        value = ?value,
                        "an endpoint setting's expression gave no usable value; using the default"
                    );
                }
                parsed
            }
        }
    }
}

fn parse_action(text: &str) -> Option<TimeoutAction> {
    match text.trim().to_ascii_lowercase().as_str() {
        "fault" => Some(TimeoutAction::Fault),
        "discard" => Some(TimeoutAction::Discard),
        "never" => Some(TimeoutAction::Never),
        _ => None,
    }
}

fn parse_millis(text: &str) -> Option<Duration> {
    text.trim().parse::<u64>().ok().map(Duration::from_millis)
}

fn parse_u32(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

fn parse_factor(text: &str) -> Option<f32> {
    text.trim()
        .parse::<f32>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
}

fn parse_codes(text: &str) -> Option<Vec<i32>> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.parse().ok())
        .collect()
}

impl DynamicSettings {
    /// Compiles the `{expression}` settings; also says whether one may read the payload.
    fn compile(settings: &EndpointSettings, ns: &Namespaces) -> Result<(Self, bool), String> {
        let mut reads = false;
        let mut out = DynamicSettings::default();
        if let Some(t) = &settings.timeout {
            out.timeout_duration = compile_dynamic(t.duration.as_ref(), ns, &mut reads)?;
            out.timeout_action = compile_dynamic(t.response_action.as_ref(), ns, &mut reads)?;
        }
        if let Some(m) = &settings.mark_for_suspension {
            out.mark_codes = compile_dynamic(m.error_codes.as_ref(), ns, &mut reads)?;
            out.mark_retries =
                compile_dynamic(m.retries_before_suspension.as_ref(), ns, &mut reads)?;
            out.mark_delay = compile_dynamic(m.retry_delay.as_ref(), ns, &mut reads)?;
        }
        if let Some(s) = &settings.suspend_on_failure {
            out.suspend_codes = compile_dynamic(s.error_codes.as_ref(), ns, &mut reads)?;
            out.suspend_initial = compile_dynamic(s.initial_duration.as_ref(), ns, &mut reads)?;
            out.suspend_factor = compile_dynamic(s.progression_factor.as_ref(), ns, &mut reads)?;
            out.suspend_maximum = compile_dynamic(s.maximum_duration.as_ref(), ns, &mut reads)?;
        }
        Ok((out, reads))
    }

    fn any_suspension(&self) -> bool {
        self.mark_codes.is_some()
            || self.mark_retries.is_some()
            || self.mark_delay.is_some()
            || self.suspend_codes.is_some()
            || self.suspend_initial.is_some()
            || self.suspend_factor.is_some()
            || self.suspend_maximum.is_some()
    }
}

/// Compiles the expression of a setting written as `{expression}`; `reads` is set when it may
/// read the payload.
fn compile_dynamic<T>(
    d: Option<&Dynamic<T>>,
    ns: &Namespaces,
    reads: &mut bool,
) -> Result<Option<Expression>, String> {
    let Some(text) = d.and_then(Dynamic::expression) else {
        return Ok(None);
    };
    *reads |= expression_reads_body(text);
    Expression::compile(text, ns)
        .map(Some)
        .map_err(|err| format!("the expression `{{{text}}}`: {}", err.message))
}

impl Property {
    fn compile(p: &crate::definition::EndpointProperty, ns: &Namespaces) -> Result<Self, String> {
        let value = match &p.value {
            EndpointPropertyValue::Value(v) => PropertyValueSource::Literal(v.clone()),
            EndpointPropertyValue::Expression(e) => {
                PropertyValueSource::Expression(Expression::compile(e, ns).map_err(|err| {
                    format!("the expression of property `{}`: {}", p.name, err.message)
                })?)
            }
        };
        Ok(Self {
            name: p.name.clone(),
            scope: p.scope,
            value,
        })
    }

    /// Sets the property on `msg` in its scope (Synapse's `evaluateProperties`; an
    /// `axis2-client` option has nothing to set here). An expression is evaluated with
    /// `scope`, the environment's local entries.
    pub(crate) fn apply(
        &self,
        msg: &mut MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<(), String> {
        let value = match &self.value {
            PropertyValueSource::Literal(v) => v.clone(),
            PropertyValueSource::Expression(e) => e
                .evaluate_string_in(msg, scope)
                .map_err(|err| format!("endpoint property `{}`: {err}", self.name))?,
        };
        let scope = match self.scope {
            None | Some(PropertyScope::Default) => Scope::Default,
            Some(PropertyScope::Transport) => Scope::Transport,
            Some(PropertyScope::Axis2) => Scope::Axis2,
            Some(PropertyScope::Axis2Client) => return Ok(()),
        };
        msg.set_scoped_property(scope, self.name.clone(), PropertyValue::String(value))
            .map_err(|err| format!("endpoint property `{}`: {err}", self.name))
    }
}

fn compile_properties(def: &EndpointDefinition) -> Result<Vec<Property>, String> {
    def.properties
        .iter()
        .map(|p| Property::compile(p, &def.namespaces))
        .collect()
}

/// What compiling needs besides the definition: the endpoint templates.
pub(crate) struct Compiler<'a> {
    pub(crate) templates: &'a HashMap<String, EndpointTemplate>,
}

impl Compiler<'_> {
    /// Compiles `def`. `parent` is the label of the group holding it (with its index), used to
    /// name an anonymous child in metrics.
    pub(crate) fn compile(
        &self,
        def: &EndpointDefinition,
        parent: Option<(&str, usize)>,
    ) -> Result<Node, String> {
        self.compile_depth(def, parent, 0)
    }

    fn compile_depth(
        &self,
        def: &EndpointDefinition,
        parent: Option<(&str, usize)>,
        depth: u32,
    ) -> Result<Node, String> {
        if depth > 32 {
            return Err("endpoint templates nest more than 32 levels deep".into());
        }
        let on_error: Option<Arc<str>> = def.on_error.as_ref().map(|k| Arc::from(k.as_str()));
        let label = |written: &str| -> String {
            match (&def.name, parent) {
                (Some(n), _) => n.clone(),
                (None, Some((p, i))) => format!("{p}[{i}]"),
                (None, None) => written.to_owned(),
            }
        };
        let leaf = |target: Target, settings: &EndpointSettings, written: &str| {
            Leaf::new(
                label(written),
                def.name.clone(),
                target,
                settings.clone(),
                compile_properties(def)?,
                on_error.clone(),
                def.namespaces.clone(),
            )
            .map(|l| Node::Leaf(Arc::new(l)))
        };
        match &def.kind {
            EndpointKind::Address(a) => leaf(
                Target::Address(Address::compile(&a.uri, &def.namespaces)),
                &a.settings,
                &a.uri,
            ),
            EndpointKind::Http(h) => leaf(
                Target::Http {
                    template: h.uri_template.clone(),
                    legacy_encoding: h.legacy_encoding,
                    method: h.method,
                },
                &h.settings,
                &h.uri_template,
            ),
            EndpointKind::Default(d) => leaf(Target::Default, &d.settings, "default"),
            EndpointKind::Indirect { key } => Ok(Node::Indirect {
                key: Arc::from(key.as_str()),
                on_error,
            }),
            EndpointKind::Resolving { key_expression } => {
                let expression = Expression::compile(key_expression, &def.namespaces)
                    .map_err(|e| format!("the key-expression `{key_expression}`: {}", e.message))?;
                Ok(Node::Resolving(Arc::new(Resolving {
                    text: key_expression.clone(),
                    expression,
                    on_error,
                })))
            }
            EndpointKind::Template(t) => {
                let expanded = self.expand(t, def.name.as_deref())?;
                let mut node = self.compile_depth(&expanded, parent, depth + 1)?;
                // The template's body may have its own onError; the using endpoint's wins.
                if let (Some(e), Node::Leaf(l)) = (&on_error, &mut node)
                    && let Some(leaf) = Arc::get_mut(l)
                {
                    leaf.on_error = Some(e.clone());
                }
                Ok(node)
            }
            EndpointKind::Failover(f) => {
                let group_label = label("failover");
                let children =
                    self.children(&f.endpoints, &group_label, def.name.is_some(), depth)?;
                self.group(
                    def,
                    group_label,
                    on_error,
                    GroupKind::Failover {
                        dynamic: f.dynamic.unwrap_or(true),
                        children,
                        current: AtomicUsize::new(0),
                    },
                )
            }
            EndpointKind::Loadbalance(lb) => {
                let group_label = label("loadbalance");
                let (children, weights) = match &lb.targets {
                    GroupTargets::Endpoints(eps) => {
                        let weights = eps.iter().map(weight_of).collect();
                        (
                            self.children(eps, &group_label, def.name.is_some(), depth)?,
                            weights,
                        )
                    }
                    GroupTargets::Members(ms) => {
                        (self.members(ms, &group_label)?, vec![1; ms.len()])
                    }
                };
                let weighted = matches!(
                    lb.algorithm,
                    Some(
                        LoadbalanceAlgorithm::WeightedRoundRobin
                            | LoadbalanceAlgorithm::WeightedRoundRobinLeastConnections
                    )
                );
                let sessions = lb.session.as_ref().map(|s| {
                    Sessions::new(
                        &group_label,
                        s.timeout.unwrap_or(defaults::SESSION_TIMEOUT),
                        s.session_type,
                    )
                });
                self.group(
                    def,
                    group_label,
                    on_error,
                    GroupKind::Loadbalance(Loadbalance {
                        children,
                        weights,
                        weighted,
                        failover: lb.failover.unwrap_or(true),
                        cursor: Mutex::new(Cursor::default()),
                        sessions,
                    }),
                )
            }
            EndpointKind::RecipientList(r) => {
                let group_label = label("recipientlist");
                let recipients = match &r.targets {
                    RecipientTargets::Endpoints(eps) => Recipients::Fixed(self.children(
                        eps,
                        &group_label,
                        def.name.is_some(),
                        depth,
                    )?),
                    RecipientTargets::Members(ms) => {
                        Recipients::Fixed(self.members(ms, &group_label)?)
                    }
                    RecipientTargets::Dynamic {
                        value: Dynamic::Value(urls),
                        ..
                    } => Recipients::Fixed(
                        urls.iter()
                            .map(|u| address_leaf(u, None))
                            .collect::<Result<_, _>>()?,
                    ),
                    RecipientTargets::Dynamic {
                        value: Dynamic::Expression(e),
                        max_cache,
                    } => {
                        let expression =
                            Expression::compile(e, &def.namespaces).map_err(|err| {
                                format!("the recipient list expression `{{{e}}}`: {}", err.message)
                            })?;
                        Recipients::Dynamic {
                            expression,
                            text: e.clone(),
                            label: group_label.clone(),
                            cache: Mutex::new(Vec::new()),
                            max: max_cache
                                .unwrap_or(defaults::RECIPIENT_LIST_MAX_CACHE)
                                .max(1) as usize,
                        }
                    }
                };
                self.group(
                    def,
                    group_label,
                    on_error,
                    GroupKind::RecipientList(recipients),
                )
            }
        }
    }

    fn group(
        &self,
        def: &EndpointDefinition,
        label: String,
        on_error: Option<Arc<str>>,
        kind: GroupKind,
    ) -> Result<Node, String> {
        let properties = compile_properties(def)?;
        Ok(Node::Group(Arc::new(Group {
            label,
            name: def.name.clone(),
            kind,
            properties,
            on_error,
        })))
    }

    fn children(
        &self,
        defs: &[EndpointDefinition],
        group_label: &str,
        named: bool,
        depth: u32,
    ) -> Result<Vec<Node>, String> {
        defs.iter()
            .enumerate()
            .map(|(i, d)| {
                self.compile_depth(d, named.then_some((group_label, i)), depth + 1)
                    .map_err(|e| format!("child endpoint {}: {e}", i + 1))
            })
            .collect()
    }

    fn members(&self, members: &[Member], group_label: &str) -> Result<Vec<Node>, String> {
        members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                Leaf::new(
                    format!("{group_label}[{i}]"),
                    None,
                    Target::Member(m.clone()),
                    EndpointSettings::default(),
                    Vec::new(),
                    None,
                    Namespaces::default(),
                )
                .map(|l| Node::Leaf(Arc::new(l)))
            })
            .collect()
    }

    /// The definition an endpoint template gives for `t`: its body with every value that is
    /// exactly `$p` (`p` a declared parameter, or `name` or `uri`, given by `t`) replaced
    /// (Synapse's `Template.create`).
    fn expand(
        &self,
        t: &TemplateEndpoint,
        name: Option<&str>,
    ) -> Result<EndpointDefinition, String> {
        let Some(template) = self.templates.get(t.template.as_str()) else {
            return Err(format!(
                "endpoint template `{}` is not deployed",
                t.template
            ));
        };
        let mut values: HashMap<&str, &str> = t
            .parameters
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        if let Some(uri) = &t.uri {
            values.insert("uri", uri);
        }
        if let Some(name) = name {
            values.insert("name", name);
        }
        let declared =
            |p: &str| p == "name" || p == "uri" || template.parameters.iter().any(|d| d == p);
        let mut body = template.body.clone();
        substitute(&mut body, &values, &declared);
        let mut def = EndpointDefinition::from_spec(&body).map_err(|e| {
            format!(
                "endpoint template `{}` expands to an invalid endpoint: {e}",
                t.template
            )
        })?;
        def.name = name.map(str::to_owned);
        Ok(def)
    }
}

fn substitute(
    spec: &mut MediatorSpec,
    values: &HashMap<&str, &str>,
    declared: &dyn Fn(&str) -> bool,
) {
    let replace = |v: &str| -> Option<String> {
        let p = v.strip_prefix('$')?;
        (declared(p))
            .then(|| values.get(p).map(|s| (*s).to_owned()))
            .flatten()
    };
    for (_, value) in &mut spec.properties {
        if let Some(r) = replace(value) {
            *value = r;
        }
    }
    if spec.children.is_empty()
        && let Some(text) = &spec.text
        && let Some(r) = replace(text.trim())
    {
        spec.text = Some(r);
    }
    for child in &mut spec.children {
        substitute(child, values, declared);
    }
}

/// The `loadbalance.weight` of a child (1 when absent or not a number ≥ 1).
fn weight_of(def: &EndpointDefinition) -> u32 {
    def.properties
        .iter()
        .find(|p| p.name == "loadbalance.weight")
        .and_then(|p| p.value.as_value())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|w| *w >= 1)
        .unwrap_or(1)
}

/// An anonymous address endpoint for `uri` (a recipient list's `<endpoints value>`).
pub(crate) fn address_leaf(uri: &str, label: Option<String>) -> Result<Node, String> {
    Leaf::new(
        label.unwrap_or_else(|| uri.to_owned()),
        None,
        Target::Address(Address::compile(uri.trim(), &Namespaces::default())),
        EndpointSettings::default(),
        Vec::new(),
        None,
        Namespaces::default(),
    )
    .map(|l| Node::Leaf(Arc::new(l)))
}

impl Node {
    /// Every leaf of this node's own tree (not through `key` references), depth first.
    pub(crate) fn leaves(&self, out: &mut Vec<Arc<Leaf>>) {
        match self {
            Node::Leaf(l) => out.push(l.clone()),
            Node::Group(_) => self.children().iter().for_each(|c| c.leaves(out)),
            Node::Indirect { .. } | Node::Resolving(_) => {}
        }
    }

    /// The children of a group (a dynamic recipient list: those in its cache); none for
    /// anything else.
    pub(crate) fn children(&self) -> Vec<Node> {
        let Node::Group(g) = self else {
            return Vec::new();
        };
        match &g.kind {
            GroupKind::Failover { children, .. } => children.clone(),
            GroupKind::Loadbalance(lb) => lb.children.clone(),
            GroupKind::RecipientList(Recipients::Fixed(c)) => c.clone(),
            GroupKind::RecipientList(Recipients::Dynamic { cache, .. }) => {
                lock(cache).iter().map(|(_, n)| n.clone()).collect()
            }
        }
    }

    /// The endpoint type MI's management API shows (`address`, `http`, `failover`…).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Node::Leaf(l) => match l.target {
                Target::Address(_) | Target::Member(_) => "address",
                Target::Http { .. } => "http",
                Target::Default => "default",
            },
            Node::Group(g) => match g.kind {
                GroupKind::Failover { .. } => "failover",
                GroupKind::Loadbalance(_) => "loadbalance",
                GroupKind::RecipientList(_) => "recipientlist",
            },
            Node::Indirect { .. } => "indirect",
            Node::Resolving(_) => "resolving",
        }
    }
}
