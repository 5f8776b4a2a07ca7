//! [`EndpointSettings`]: what a leaf endpoint (`<address>`, `<http>`, `<default>`) says about
//! how to send and when to give up: message format, WS-* flags, the timeout, and the
//! suspension settings. Synapse calls this the endpoint's `EndpointDefinition`
//! (`EndpointDefinitionFactory`); the state machine that uses it is the runtime's.

use std::time::Duration;

use mediate_core::{BuildError, MediatorSpec, Namespaces};

use crate::check::{
    boolean, check_attributes, check_children, check_no_text, invalid, leaf_text, shorten,
    structure, toggle, toggle_text, whole_number, whole_or_unset,
};
use crate::dynamic::{Dynamic, dynamic_text, read_dynamic, read_optional_dynamic};
use crate::key::KeyRef;
use crate::write::{element, opt_attr, opt_child, text_element};

/// MI's defaults for the settings an endpoint leaves out, as its runtime applies them
/// (wso2-synapse `EndpointDefinition`, `SynapseConstants`, and the MI "Endpoint Properties"
/// page).
pub mod defaults {
    use std::time::Duration;

    use super::TimeoutAction;

    /// `suspendOnFailure/initialDuration`: 30 s (`DEFAULT_ENDPOINT_SUSPEND_TIME`).
    pub const INITIAL_SUSPEND_DURATION: Duration = Duration::from_millis(30_000);
    /// `suspendOnFailure/progressionFactor`: 1 (every suspension lasts the initial duration).
    pub const PROGRESSION_FACTOR: f32 = 1.0;
    /// `suspendOnFailure/maximumDuration`: Java's `Long.MAX_VALUE` milliseconds (no cap).
    pub const MAXIMUM_SUSPEND_DURATION: Duration = Duration::from_millis(i64::MAX as u64);
    /// `markForSuspension/retriesBeforeSuspension`: 0 (the first timeout-class error
    /// suspends).
    pub const RETRIES_BEFORE_SUSPENSION: u32 = 0;
    /// `markForSuspension/retryDelay`: 0.
    pub const RETRY_DELAY: Duration = Duration::ZERO;
    /// The errors that move an endpoint to the timeout state when `markForSuspension` lists
    /// none: 101504 (connection timeout) and 101505 (connection closed).
    pub const TIMEOUT_ERROR_CODES: [i32; 2] = [101_504, 101_505];
    /// The timeout used when `responseAction` is `discard` or `fault` but no `duration` is
    /// given: 30 s (`EndpointDefinitionFactory`). With no `<timeout>` at all, the server's
    /// global timeout (`synapse.global_timeout_interval`) applies.
    pub const TIMEOUT_WITH_ACTION: Duration = Duration::from_millis(30_000);
    /// The response action when none is given: never time the endpoint out.
    pub const TIMEOUT_ACTION: TimeoutAction = TimeoutAction::Never;
    /// A session-affinity load balancer's `sessionTimeout`: 120 s
    /// (`SAL_ENDPOINTS_DEFAULT_SESSION_TIMEOUT`).
    pub const SESSION_TIMEOUT: Duration = Duration::from_millis(120_000);
    /// A recipient list's `<endpoints max-cache>`: 20 dynamic endpoints kept
    /// (`RecipientListEndpoint.DEFAULT_MAX_POOL`).
    pub const RECIPIENT_LIST_MAX_CACHE: u32 = 20;
}

/// The message format an endpoint forces (`format` attribute). Without one the message goes
/// out as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageFormat {
    /// `soap11`
    Soap11,
    /// `soap12`
    Soap12,
    /// `pox`: plain XML.
    Pox,
    /// `get`: an HTTP GET with the payload as query parameters.
    Get,
    /// `rest`
    Rest,
}

impl MessageFormat {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageFormat::Soap11 => "soap11",
            MessageFormat::Soap12 => "soap12",
            MessageFormat::Pox => "pox",
            MessageFormat::Get => "get",
            MessageFormat::Rest => "rest",
        }
    }

    /// Reads a `format` value, ignoring case and spaces as Synapse does.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "soap11" => Some(MessageFormat::Soap11),
            "soap12" => Some(MessageFormat::Soap12),
            "pox" => Some(MessageFormat::Pox),
            "get" => Some(MessageFormat::Get),
            "rest" => Some(MessageFormat::Rest),
            _ => None,
        }
    }
}

/// How binary content is sent (`optimize` attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Optimize {
    /// `mtom`
    Mtom,
    /// `swa`: SOAP with attachments.
    Swa,
}

impl Optimize {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Optimize::Mtom => "mtom",
            Optimize::Swa => "swa",
        }
    }
}

/// The WS-Addressing namespace version (`<enableAddressing version>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressingVersion {
    /// `final`: WS-Addressing 1.0.
    Final,
    /// `submission`: the 2004/08 member submission.
    Submission,
}

impl AddressingVersion {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressingVersion::Final => "final",
            AddressingVersion::Submission => "submission",
        }
    }
}

/// `<enableAddressing [version] [separateListener]/>`: send WS-Addressing headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Addressing {
    /// The namespace version; Axis2's default (final) when not given.
    pub version: Option<AddressingVersion>,
    /// Whether responses come back on a separate listener; `false` when not given.
    pub separate_listener: Option<bool>,
}

/// `<enableSec [policy] | [inboundPolicy] [outboundPolicy]/>`: WS-Security with Rampart
/// policies, each the key of a registry resource or local entry.
///
/// Accepted and recorded (the keys are [references](crate::EndpointDefinition::references)),
/// but mediate has no WS-Security: the runtime refuses to send through such an endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Security {
    /// One policy for both directions.
    pub policy: Option<KeyRef>,
    /// The policy for responses.
    pub inbound_policy: Option<KeyRef>,
    /// The policy for requests.
    pub outbound_policy: Option<KeyRef>,
}

/// `<enableRM [policy]/>`: WS-ReliableMessaging. Accepted and recorded; MI 4.4 no longer
/// acts on it (WS-RM was removed from Synapse), and neither does mediate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReliableMessaging {
    /// The RM policy's key.
    pub policy: Option<KeyRef>,
}

/// What happens when the endpoint does not answer in time (`<responseAction>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeoutAction {
    /// `never`: the endpoint never times out (MI's default).
    Never,
    /// `discard`: a late response is dropped.
    Discard,
    /// `fault`: the fault sequence runs (Synapse's `DISCARD_AND_FAULT`).
    Fault,
}

impl TimeoutAction {
    /// The element text.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeoutAction::Never => "never",
            TimeoutAction::Discard => "discard",
            TimeoutAction::Fault => "fault",
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "never" => Ok(TimeoutAction::Never),
            "discard" => Ok(TimeoutAction::Discard),
            "fault" => Ok(TimeoutAction::Fault),
            _ => Err(format!(
                "unknown response action `{}` (expected `fault`, `discard` or `never`)",
                text.trim()
            )),
        }
    }
}

/// `<timeout><duration>ms</duration><responseAction>…</responseAction></timeout>`.
///
/// Defaults: see [`defaults::TIMEOUT_WITH_ACTION`] and [`defaults::TIMEOUT_ACTION`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeout {
    /// How long to wait for a response.
    pub duration: Option<Dynamic<Duration>>,
    /// What to do then.
    pub response_action: Option<Dynamic<TimeoutAction>>,
}

/// `<markForSuspension>`: the errors that move the endpoint to the timeout state, and how
/// many more messages it may fail before it is suspended.
///
/// Defaults: [`defaults::TIMEOUT_ERROR_CODES`], [`defaults::RETRIES_BEFORE_SUSPENSION`],
/// [`defaults::RETRY_DELAY`]. A negative `<retriesBeforeSuspension>` or `<retryDelay>` is
/// read as not given: Synapse's runtime treats it as 0, the default (and its serializer
/// writes neither unless it is above 0).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MarkForSuspension {
    /// `<errorCodes>`: Synapse error codes (`101504, 101505`); `-1` names none (MI's way to
    /// turn suspension off).
    pub error_codes: Option<Dynamic<Vec<i32>>>,
    /// `<retriesBeforeSuspension>` (a Java `int`; negative reads as `None`).
    pub retries_before_suspension: Option<Dynamic<u32>>,
    /// `<retryDelay>` (milliseconds in the XML, a Java `int`; negative reads as `None`).
    pub retry_delay: Option<Dynamic<Duration>>,
}

/// `<suspendOnFailure>`: the errors that suspend the endpoint at once, and the geometric
/// series of suspension durations: `min(initial × factorⁿ, maximum)`.
///
/// Defaults: every error not listed in `markForSuspension` suspends when no codes are
/// given; [`defaults::INITIAL_SUSPEND_DURATION`], [`defaults::PROGRESSION_FACTOR`],
/// [`defaults::MAXIMUM_SUSPEND_DURATION`].
///
/// A negative `<initialDuration>`, `<progressionFactor>` or `<maximumDuration>` is read as
/// not given (`None`): -1 is how Synapse's `EndpointDefinition` marks these unset (its
/// serializer leaves out a -1), its runtime replaces a negative suspension by the default
/// 30 s, and Integration Studio writes `<initialDuration>-1</initialDuration>
/// <progressionFactor>-1</progressionFactor>` (or `1.0`) to mean "the defaults".
///
/// ```
/// use mediate_core::MediatorSpec;
/// use mediate_endpoints::EndpointDefinition;
///
/// let leaf = |name: &str, text: &str| MediatorSpec::new(name).text(text);
/// let spec = MediatorSpec::new("endpoint").child(
///     MediatorSpec::new("http")
///         .property("uri-template", "http://localhost:9090/grandOak/doctors")
///         .child(MediatorSpec::new("suspendOnFailure")
///             .child(leaf("initialDuration", "-1"))
///             .child(leaf("progressionFactor", "-1"))
///             .child(leaf("maximumDuration", "0"))),
/// );
/// let ep = EndpointDefinition::from_spec(&spec)?;
/// let suspend = ep.settings().unwrap().suspend_on_failure.as_ref().unwrap();
/// assert_eq!(suspend.initial_duration, None);
/// assert_eq!(suspend.progression_factor, None);
/// assert_eq!(suspend.maximum_duration.as_ref().and_then(|d| d.value()).map(|d| d.as_millis()), Some(0));
/// # Ok::<(), mediate_core::BuildError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SuspendOnFailure {
    /// `<errorCodes>`.
    pub error_codes: Option<Dynamic<Vec<i32>>>,
    /// `<initialDuration>` (milliseconds in the XML, a Java `int`).
    pub initial_duration: Option<Dynamic<Duration>>,
    /// `<progressionFactor>` (a Java `float`, finite and ≥ 0).
    pub progression_factor: Option<Dynamic<f32>>,
    /// `<maximumDuration>` (milliseconds in the XML, a Java `long`).
    pub maximum_duration: Option<Dynamic<Duration>>,
}

/// `<retryConfig>`: which errors a failover or load-balance parent retries on another child.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetryConfig {
    /// `<disabledErrorCodes>`: errors after which the parent does not try the next child.
    pub disabled_error_codes: Option<Vec<i32>>,
    /// `<enabledErrorCodes>`: errors after which it does (only these, when given).
    pub enabled_error_codes: Option<Vec<i32>>,
}

/// The settings of a leaf endpoint (`<address>`, `<http>`, `<default>`): its attributes
/// `format`, `optimize`, `encoding`, `statistics`, `trace` and its quality-of-service
/// children. Everything is optional; [`defaults`] says what MI does without it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EndpointSettings {
    /// `format`.
    pub format: Option<MessageFormat>,
    /// `optimize`.
    pub optimize: Option<Optimize>,
    /// `encoding`: the charset of outgoing messages.
    pub encoding: Option<String>,
    /// `statistics="enable|disable"`.
    pub statistics: Option<bool>,
    /// `trace="enable|disable"`.
    pub trace: Option<bool>,
    /// `<enableAddressing>`.
    pub addressing: Option<Addressing>,
    /// `<enableSec>`.
    pub security: Option<Security>,
    /// `<enableRM>`.
    pub reliable_messaging: Option<ReliableMessaging>,
    /// `<timeout>`.
    pub timeout: Option<Timeout>,
    /// `<markForSuspension>`.
    pub mark_for_suspension: Option<MarkForSuspension>,
    /// `<suspendOnFailure>` (or the deprecated `<suspendDurationOnFailure>`, in seconds,
    /// read as an initial duration with progression factor 1).
    pub suspend_on_failure: Option<SuspendOnFailure>,
    /// `<retryConfig>`.
    pub retry_config: Option<RetryConfig>,
}

/// The attributes every leaf element takes besides its own.
pub(crate) const LEAF_ATTRIBUTES: &[&str] =
    &["format", "optimize", "encoding", "statistics", "trace"];

/// The quality-of-service children every leaf element takes besides its own.
pub(crate) const LEAF_CHILDREN: &[&str] = &[
    "enableAddressing",
    "enableSec",
    "enableRM",
    "timeout",
    "markForSuspension",
    "suspendOnFailure",
    "suspendDurationOnFailure",
    "retryConfig",
];

impl EndpointSettings {
    /// Reads the settings of the leaf element `spec`. Attributes and children outside
    /// [`LEAF_ATTRIBUTES`] / [`LEAF_CHILDREN`] are left to the caller, which checks them.
    pub(crate) fn read(spec: &MediatorSpec, ns: &Namespaces) -> Result<Self, BuildError> {
        let format = match spec.get("format") {
            None => None,
            Some(v) => Some(MessageFormat::parse(v).ok_or_else(|| {
                invalid(
                    spec,
                    "format",
                    v,
                    "unknown message format (expected `soap11`, `soap12`, `pox`, `get` or `rest`; leave it out to send the message as it is)",
                )
            })?),
        };
        let optimize = match spec
            .get("optimize")
            .map(|v| (v, v.trim().to_ascii_lowercase()))
        {
            None => None,
            Some((_, v)) if v.is_empty() => None,
            Some((_, v)) if v == "mtom" => Some(Optimize::Mtom),
            Some((_, v)) if v == "swa" => Some(Optimize::Swa),
            Some((v, _)) => {
                return Err(invalid(
                    spec,
                    "optimize",
                    v,
                    "expected `mtom` or `swa` (leave it out for no optimization)",
                ));
            }
        };
        let mut settings = EndpointSettings {
            format,
            optimize,
            encoding: spec.get("encoding").map(str::to_owned),
            statistics: toggle(spec, "statistics")?,
            trace: toggle(spec, "trace")?,
            ..EndpointSettings::default()
        };
        for child in &spec.children {
            match child.kind.as_str() {
                "enableAddressing" => settings.addressing = Some(read_addressing(child)?),
                "enableSec" => settings.security = Some(read_security(child)?),
                "enableRM" => {
                    check_attributes(child, &["policy"])?;
                    check_children(child, &[])?;
                    check_no_text(child)?;
                    settings.reliable_messaging = Some(ReliableMessaging {
                        policy: child
                            .get("policy")
                            .map(|p| KeyRef::from_attribute(child, "policy", p)),
                    });
                }
                "timeout" => settings.timeout = Some(read_timeout(child, ns)?),
                "markForSuspension" => {
                    settings.mark_for_suspension = Some(read_mark_for_suspension(child, ns)?);
                }
                "suspendOnFailure" => {
                    settings.suspend_on_failure = Some(read_suspend_on_failure(child, ns)?);
                }
                "retryConfig" => settings.retry_config = Some(read_retry_config(child)?),
                _ => {}
            }
        }
        if let Some(old) = spec.child_named("suspendDurationOnFailure") {
            if settings.suspend_on_failure.is_some() {
                return Err(structure(
                    old,
                    "is deprecated (it is in seconds) and `<suspendOnFailure>` is given too; keep `<suspendOnFailure>`",
                ));
            }
            let text = leaf_text(old)?;
            // Synapse multiplies the seconds by 1000 into its initial duration, where a
            // negative value means the default, as in `<initialDuration>`.
            let seconds: Option<u32> = whole_or_unset(
                text,
                u64::from(u32::MAX),
                "a whole number of seconds, or -1 for the default",
            )
            .map_err(|r| structure(old, r))?;
            settings.suspend_on_failure = Some(SuspendOnFailure {
                initial_duration: seconds
                    .map(|s| Dynamic::Value(Duration::from_secs(u64::from(s)))),
                progression_factor: Some(Dynamic::Value(1.0)),
                ..SuspendOnFailure::default()
            });
        }
        Ok(settings)
    }

    /// Writes the settings onto the leaf element `spec`: its attributes, then its children.
    pub(crate) fn write(&self, mut spec: MediatorSpec, ns: &Namespaces) -> MediatorSpec {
        spec = opt_attr(spec, "format", self.format.map(MessageFormat::as_str));
        spec = opt_attr(spec, "optimize", self.optimize.map(Optimize::as_str));
        spec = opt_attr(spec, "encoding", self.encoding.as_deref());
        spec = opt_attr(spec, "statistics", self.statistics.map(toggle_text));
        spec = opt_attr(spec, "trace", self.trace.map(toggle_text));
        if let Some(a) = &self.addressing {
            let mut e = element("enableAddressing", ns);
            e = opt_attr(e, "version", a.version.map(AddressingVersion::as_str));
            e = opt_attr(e, "separateListener", a.separate_listener.map(bool_text));
            spec = spec.child(e);
        }
        if let Some(s) = &self.security {
            let mut e = element("enableSec", ns);
            e = opt_attr(e, "policy", s.policy.as_ref().map(KeyRef::as_str));
            e = opt_attr(
                e,
                "inboundPolicy",
                s.inbound_policy.as_ref().map(KeyRef::as_str),
            );
            e = opt_attr(
                e,
                "outboundPolicy",
                s.outbound_policy.as_ref().map(KeyRef::as_str),
            );
            spec = spec.child(e);
        }
        if let Some(rm) = &self.reliable_messaging {
            spec = spec.child(opt_attr(
                element("enableRM", ns),
                "policy",
                rm.policy.as_ref().map(KeyRef::as_str),
            ));
        }
        if let Some(t) = &self.timeout {
            let mut e = element("timeout", ns);
            e = opt_child(
                e,
                t.duration
                    .as_ref()
                    .map(|d| text_element("duration", dynamic_text(d, millis), ns)),
            );
            e = opt_child(
                e,
                t.response_action.as_ref().map(|a| {
                    text_element("responseAction", dynamic_text(a, |a| a.as_str().into()), ns)
                }),
            );
            spec = spec.child(e);
        }
        if let Some(m) = &self.mark_for_suspension {
            let mut e = element("markForSuspension", ns);
            e = opt_child(e, m.error_codes.as_ref().map(|c| codes_element(c, ns)));
            e = opt_child(
                e,
                m.retries_before_suspension.as_ref().map(|r| {
                    text_element(
                        "retriesBeforeSuspension",
                        dynamic_text(r, u32::to_string),
                        ns,
                    )
                }),
            );
            e = opt_child(
                e,
                m.retry_delay
                    .as_ref()
                    .map(|d| text_element("retryDelay", dynamic_text(d, millis), ns)),
            );
            spec = spec.child(e);
        }
        if let Some(s) = &self.suspend_on_failure {
            let mut e = element("suspendOnFailure", ns);
            e = opt_child(e, s.error_codes.as_ref().map(|c| codes_element(c, ns)));
            e = opt_child(
                e,
                s.initial_duration
                    .as_ref()
                    .map(|d| text_element("initialDuration", dynamic_text(d, millis), ns)),
            );
            e = opt_child(
                e,
                s.progression_factor.as_ref().map(|f| {
                    text_element("progressionFactor", dynamic_text(f, f32::to_string), ns)
                }),
            );
            e = opt_child(
                e,
                s.maximum_duration
                    .as_ref()
                    .map(|d| text_element("maximumDuration", dynamic_text(d, millis), ns)),
            );
            spec = spec.child(e);
        }
        if let Some(r) = &self.retry_config {
            let mut e = element("retryConfig", ns);
            e = opt_child(
                e,
                r.disabled_error_codes
                    .as_ref()
                    .map(|c| text_element("disabledErrorCodes", join_codes(c), ns)),
            );
            e = opt_child(
                e,
                r.enabled_error_codes
                    .as_ref()
                    .map(|c| text_element("enabledErrorCodes", join_codes(c), ns)),
            );
            spec = spec.child(e);
        }
        spec
    }

    /// The policy keys of `<enableSec>` and `<enableRM>`.
    pub(crate) fn policy_keys(&self) -> impl Iterator<Item = &KeyRef> {
        let sec = self.security.iter().flat_map(|s| {
            [&s.policy, &s.inbound_policy, &s.outbound_policy]
                .into_iter()
                .flatten()
        });
        let rm = self
            .reliable_messaging
            .iter()
            .filter_map(|r| r.policy.as_ref());
        sec.chain(rm)
    }
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn millis(d: &Duration) -> String {
    d.as_millis().to_string()
}

fn join_codes(codes: &[i32]) -> String {
    codes
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn codes_element(codes: &Dynamic<Vec<i32>>, ns: &Namespaces) -> MediatorSpec {
    text_element("errorCodes", dynamic_text(codes, |c| join_codes(c)), ns)
}

fn read_addressing(spec: &MediatorSpec) -> Result<Addressing, BuildError> {
    check_attributes(spec, &["version", "separateListener"])?;
    check_children(spec, &[])?;
    check_no_text(spec)?;
    let version = match spec.get("version") {
        None => None,
        Some(v) => Some(match v.trim().to_ascii_lowercase().as_str() {
            "final" => AddressingVersion::Final,
            "submission" => AddressingVersion::Submission,
            _ => {
                return Err(invalid(
                    spec,
                    "version",
                    v,
                    "unknown WS-Addressing version (expected `final` or `submission`)",
                ));
            }
        }),
    };
    Ok(Addressing {
        version,
        separate_listener: boolean(spec, "separateListener")?,
    })
}

fn read_security(spec: &MediatorSpec) -> Result<Security, BuildError> {
    check_attributes(spec, &["policy", "inboundPolicy", "outboundPolicy"])?;
    check_children(spec, &[])?;
    check_no_text(spec)?;
    let key = |name: &str| {
        spec.get(name)
            .map(|v| KeyRef::from_attribute(spec, name, v))
    };
    let security = Security {
        policy: key("policy"),
        inbound_policy: key("inboundPolicy"),
        outbound_policy: key("outboundPolicy"),
    };
    if let Some(policy) = &security.policy
        && (security.inbound_policy.is_some() || security.outbound_policy.is_some())
    {
        return Err(invalid(
            spec,
            "policy",
            &policy.key,
            "give either `policy` or `inboundPolicy`/`outboundPolicy` (MI ignores the latter when `policy` is set)",
        ));
    }
    Ok(security)
}

fn read_timeout(spec: &MediatorSpec, ns: &Namespaces) -> Result<Timeout, BuildError> {
    check_attributes(spec, &[])?;
    check_children(spec, &["duration", "responseAction"])?;
    check_no_text(spec)?;
    Ok(Timeout {
        duration: spec
            .child_named("duration")
            .map(|d| read_dynamic(d, ns, long_millis))
            .transpose()?,
        response_action: spec
            .child_named("responseAction")
            .map(|a| read_dynamic(a, ns, TimeoutAction::parse))
            .transpose()?,
    })
}

fn read_mark_for_suspension(
    spec: &MediatorSpec,
    ns: &Namespaces,
) -> Result<MarkForSuspension, BuildError> {
    check_attributes(spec, &[])?;
    check_children(
        spec,
        &["errorCodes", "retriesBeforeSuspension", "retryDelay"],
    )?;
    check_no_text(spec)?;
    Ok(MarkForSuspension {
        error_codes: spec
            .child_named("errorCodes")
            .map(|c| read_dynamic(c, ns, parse_codes))
            .transpose()?,
        retries_before_suspension: spec
            .child_named("retriesBeforeSuspension")
            .map(|r| {
                read_optional_dynamic(r, ns, |t| {
                    whole_or_unset(t, JAVA_INT_MAX, "a whole number of retries")
                })
            })
            .transpose()?
            .flatten(),
        retry_delay: spec
            .child_named("retryDelay")
            .map(|d| read_optional_dynamic(d, ns, int_millis))
            .transpose()?
            .flatten(),
    })
}

fn read_suspend_on_failure(
    spec: &MediatorSpec,
    ns: &Namespaces,
) -> Result<SuspendOnFailure, BuildError> {
    check_attributes(spec, &[])?;
    check_children(
        spec,
        &[
            "errorCodes",
            "initialDuration",
            "progressionFactor",
            "maximumDuration",
        ],
    )?;
    check_no_text(spec)?;
    Ok(SuspendOnFailure {
        error_codes: spec
            .child_named("errorCodes")
            .map(|c| read_dynamic(c, ns, parse_codes))
            .transpose()?,
        initial_duration: spec
            .child_named("initialDuration")
            .map(|d| read_optional_dynamic(d, ns, int_millis))
            .transpose()?
            .flatten(),
        progression_factor: spec
            .child_named("progressionFactor")
            .map(|f| read_optional_dynamic(f, ns, parse_factor))
            .transpose()?
            .flatten(),
        maximum_duration: spec
            .child_named("maximumDuration")
            .map(|d| read_optional_dynamic(d, ns, long_millis_or_unset))
            .transpose()?
            .flatten(),
    })
}

fn read_retry_config(spec: &MediatorSpec) -> Result<RetryConfig, BuildError> {
    check_attributes(spec, &[])?;
    check_children(spec, &["disabledErrorCodes", "enabledErrorCodes"])?;
    check_no_text(spec)?;
    let codes = |name: &str| -> Result<Option<Vec<i32>>, BuildError> {
        spec.child_named(name)
            .map(|c| {
                let text = leaf_text(c)?;
                parse_codes(text).map_err(|r| structure(c, r))
            })
            .transpose()
    };
    Ok(RetryConfig {
        disabled_error_codes: codes("disabledErrorCodes")?,
        enabled_error_codes: codes("enabledErrorCodes")?,
    })
}

/// The largest Java `int`.
const JAVA_INT_MAX: u64 = i32::MAX as u64;
/// The largest Java `long`.
const JAVA_LONG_MAX: u64 = i64::MAX as u64;

/// Milliseconds ≥ 0 read as Java reads a `long` (a timeout, which Synapse takes as given).
pub(crate) fn long_millis(text: &str) -> Result<Duration, String> {
    let what = "a duration in milliseconds (a whole number ≥ 0)";
    let n: u64 = whole_number(text, what)?;
    if n > JAVA_LONG_MAX {
        return Err(format!("`{}` is too large (expected {what})", text.trim()));
    }
    Ok(Duration::from_millis(n))
}

/// Milliseconds read as Java reads an `int`, a negative number being "not set".
fn int_millis(text: &str) -> Result<Option<Duration>, String> {
    whole_or_unset(text, JAVA_INT_MAX, MILLIS_OR_UNSET).map(|n| n.map(Duration::from_millis))
}

/// Milliseconds read as Java reads a `long`, a negative number being "not set".
fn long_millis_or_unset(text: &str) -> Result<Option<Duration>, String> {
    whole_or_unset(text, JAVA_LONG_MAX, MILLIS_OR_UNSET).map(|n| n.map(Duration::from_millis))
}

const MILLIS_OR_UNSET: &str =
    "a duration in milliseconds (a whole number ≥ 0, or -1 for the default)";

/// A progression factor read as Java's `Float.parseFloat` reads it (`2`, `1.0`, `0.5`,
/// `1e1`, `+2`, `2f`, `2.0d`), a negative number being "not set". `NaN` and infinities
/// (which Java reads) are refused: no suspension series is meant by them.
fn parse_factor(text: &str) -> Result<Option<f32>, String> {
    const WHAT: &str = "a number ≥ 0 such as 2 or 1.5, or -1 for the default";
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("is empty (expected {WHAT})"));
    }
    // Java takes a trailing type suffix (`f`, `F`, `d`, `D`) after the digits.
    let number = t
        .strip_suffix(['f', 'F', 'd', 'D'])
        .filter(|n| n.ends_with(|c: char| c.is_ascii_digit() || c == '.'))
        .unwrap_or(t);
    // Rust also reads `inf`, `infinity` and `nan` in any case, which Java does not; those
    // are refused below either way. Java's hexadecimal floats (`0x1p3`) are not read.
    match number.parse::<f32>() {
        Ok(f) if f.is_nan() || f.is_infinite() => Err(format!(
            "`{}` is not a finite number (expected {WHAT})",
            shorten(t)
        )),
        Ok(f) if f < 0.0 => Ok(None),
        Ok(f) => Ok(Some(f)),
        Err(_) => Err(format!(
            "`{}` is not a number (expected {WHAT})",
            shorten(t)
        )),
    }
}

/// Error codes separated by commas and spaces (`101503, 101504`), as Synapse's
/// `StringTokenizer(text, ", ")` splits them.
pub(crate) fn parse_codes(text: &str) -> Result<Vec<i32>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| {
            // `-1` is MI's documented way to name no error code (suspension off).
            if t == "-1" {
                return Ok(-1);
            }
            whole_number::<i32>(t, "an error code (a whole number such as 101504, or -1)")
        })
        .collect()
}
