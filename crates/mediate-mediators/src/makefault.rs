//! The fault mediator (`<makefault>`), with the semantics of Synapse's `FaultMediator` and
//! `FaultMediatorFactory` (MI 4.x): it turns the current message into a SOAP 1.1, SOAP 1.2 or
//! POX fault. It does not send it (a `<respond/>` or `<send/>` does).
//!
//! ```xml
//! <makefault [version="soap11|soap12|pox"] [response="true|false"]>
//!   <code (value="prefix:Name" | expression="expression")/>
//!   <reason (value="literal" | expression="expression")/>
//!   <node>uri</node>?
//!   <role>uri</role>?
//!   (<detail expression="expression"/> | <detail>inline XML or text</detail>)?
//! </makefault>
//! ```
//!
//! Behaviour (from `FaultMediatorFactory` and `FaultMediator`):
//!
//! - `version` defaults to `soap11` (the factory sets SOAP 1.1 when the attribute is absent);
//! - a literal `code` is a QName `prefix:Name` whose prefix must be declared where it is written;
//!   for `soap11` it must be in the SOAP 1.1 envelope namespace and one of `VersionMismatch`,
//!   `MustUnderstand`, `Client`, `Server`; for `soap12` in the SOAP 1.2 namespace and one of
//!   `VersionMismatch`, `MustUnderstand`, `DataEncodingUnknown`, `Sender`, `Receiver`
//!   (build-time errors with Synapse's texts). `code` and `reason` are required unless the fault
//!   is `pox`;
//! - SOAP 1.1: `<soapenv:Fault>` with `faultcode` (the code's prefix declared on it when it is not
//!   `soapenv`), `faultstring`, `faultactor` (the role), `detail`; the node does not apply;
//! - SOAP 1.2: `Code/Value`, `Reason/Text xml:lang="en"`, `Node`, `Role`, `Detail`;
//! - the new envelope (Axiom's default fault envelope: `Header`, `Body`, `Fault`) gets the header
//!   blocks of the original SOAP envelope; it replaces the payload, with content type `text/xml`
//!   (1.1) or `application/soap+xml` (1.2); `To` becomes `FaultTo`, else `ReplyTo`, else nothing
//!   (MI: "the fault message's To header is set to the Fault-To of the original message");
//!   `RelatesTo` becomes the original message ID. A POX fault leaves `To` as it is;
//! - POX: the body's content becomes `<Exception>text</Exception>`, the text being the detail
//!   (literal text, else the detail expression's string), else the reason; inline detail XML is
//!   not used for POX, as in Synapse;
//! - `response` (default `true`, as `FaultMediator.markAsResponse`): the message is marked as a
//!   response and `To` is set to `ReplyTo` afterwards, as Synapse does — so the `FaultTo` above
//!   decides `To` only with `response="false"`;
//! - the HTTP status: MI's transport answers 500 for a message whose body holds a fault (or a
//!   POX fault, `processingFault`) unless `HTTP_SC` is set or the axis2 property
//!   `FAULTS_AS_HTTP_200` is `true`. This engine has no such transport step, so the mediator sets
//!   the status to 500 itself when no status is set and `FAULTS_AS_HTTP_200` is not `true`.
//!
//! `messageType` is left as it is, as in MI: a JSON client (`messageType` `application/json`)
//! gets the fault through the JSON formatter (`{"Fault":…}` / `{"Exception":…}`), which is the
//! formatter's job, not this mediator's.

use mediate_core::expr::xpath::{XPathScope, write_node};
use mediate_core::expr::{Evaluated, XNode};
use mediate_core::message::{PayloadKind, SOAP11_NS, SOAP12_NS};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, Scope, async_trait,
};

use crate::property::string_value_of_in;
use crate::value::{
    attribute_enum, check_attributes, check_mediator_attributes, check_mediator_children,
    compile_expression, locate_at, locate_child,
};
use crate::xml_edit;

const KIND: &str = "makefault";

/// `version`: what kind of fault is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaultVersion {
    /// `soap11` (the default when `version` is not given).
    #[default]
    Soap11,
    /// `soap12`.
    Soap12,
    /// `pox`: `<Exception>text</Exception>`.
    Pox,
}

attribute_enum!(FaultVersion {
    "soap11" => Soap11,
    "soap12" => Soap12,
    "pox" => Pox,
} else "Invalid SOAP version");

/// `<code>`: the fault code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultCode {
    /// `value="prefix:Name"`, its prefix resolved where it was written.
    QName {
        /// The prefix as written (`soap11Env`).
        prefix: String,
        /// The namespace the prefix is bound to.
        namespace: String,
        /// The local name (`Server`).
        local: String,
    },
    /// `expression="…"`: its string is the code, in the envelope's namespace.
    Expression(String),
}

impl FaultCode {
    /// A SOAP 1.1 code (`soap11Env:Name` with `soap11Env` bound to the SOAP 1.1 namespace).
    pub fn soap11(local: impl Into<String>) -> Self {
        Self::QName {
            prefix: "soap11Env".into(),
            namespace: SOAP11_NS.into(),
            local: local.into(),
        }
    }

    /// A SOAP 1.2 code (`soap12Env:Name` with `soap12Env` bound to the SOAP 1.2 namespace).
    pub fn soap12(local: impl Into<String>) -> Self {
        Self::QName {
            prefix: "soap12Env".into(),
            namespace: SOAP12_NS.into(),
            local: local.into(),
        }
    }
}

/// `<reason>`: the fault reason (`faultstring`, `Reason/Text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonSpec {
    /// `value="…"`.
    Value(String),
    /// `expression="…"`, evaluated for each message (`stringValueOf`).
    Expression(String),
}

impl ReasonSpec {
    /// `<reason value="…"/>`.
    pub fn value(text: impl Into<String>) -> Self {
        Self::Value(text.into())
    }

    /// `<reason expression="…"/>`.
    pub fn expression(expr: impl Into<String>) -> Self {
        Self::Expression(expr.into())
    }
}

/// `<detail>`: the fault detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultDetail {
    /// `<detail>text</detail>` (escaped on output; `""` for an empty `<detail/>`).
    Text(String),
    /// `<detail><e>…</e></detail>`: the child elements, serialized XML as written (with the
    /// namespaces they use declared). Not used by a POX fault.
    Xml(String),
    /// `<detail expression="…"/>`: an XPath node-set's nodes are copied into the detail;
    /// any other result is its string, as text.
    Expression(String),
}

impl FaultDetail {
    /// A text detail.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// An inline XML detail (one or more elements).
    pub fn xml(xml: impl Into<String>) -> Self {
        Self::Xml(xml.into())
    }

    /// A detail computed by an expression.
    pub fn expression(expr: impl Into<String>) -> Self {
        Self::Expression(expr.into())
    }
}

/// The configuration of a fault mediator, as written.
///
/// ```
/// use mediate_mediators::makefault::{FaultDetail, MakeFaultConfig, ReasonSpec};
///
/// // <makefault version="soap11"><code value="soap11Env:Client"/><reason value="Bad request"/>
/// //   <detail>missing id</detail></makefault>
/// let fault = MakeFaultConfig::soap11("Client", ReasonSpec::value("Bad request"))
///     .with_detail(FaultDetail::text("missing id"))
///     .build()?;
/// # Ok::<(), mediate_core::BuildError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MakeFaultConfig {
    /// `version` (default `soap11`).
    pub version: FaultVersion,
    /// `response` (default `true`): mark the fault as a response.
    pub response: bool,
    /// `<code>` (required unless `pox`).
    pub code: Option<FaultCode>,
    /// `<reason>` (required unless `pox`).
    pub reason: Option<ReasonSpec>,
    /// `<node>` (SOAP 1.2; ignored for SOAP 1.1, as the factory does).
    pub node: Option<String>,
    /// `<role>` (`faultactor` in SOAP 1.1, `Role` in SOAP 1.2).
    pub role: Option<String>,
    /// `<detail>`.
    pub detail: Option<FaultDetail>,
    /// Namespace prefixes for the expressions.
    pub namespaces: Namespaces,
}

impl MakeFaultConfig {
    fn new(version: FaultVersion, code: Option<FaultCode>, reason: ReasonSpec) -> Self {
        Self {
            version,
            response: true,
            code,
            reason: Some(reason),
            ..Self::default()
        }
    }

    /// A SOAP 1.1 fault with code `soap11Env:<code>` (`VersionMismatch`, `MustUnderstand`,
    /// `Client` or `Server`).
    pub fn soap11(code: impl Into<String>, reason: ReasonSpec) -> Self {
        Self::new(FaultVersion::Soap11, Some(FaultCode::soap11(code)), reason)
    }

    /// A SOAP 1.2 fault with code `soap12Env:<code>` (`VersionMismatch`, `MustUnderstand`,
    /// `DataEncodingUnknown`, `Sender` or `Receiver`).
    pub fn soap12(code: impl Into<String>, reason: ReasonSpec) -> Self {
        Self::new(FaultVersion::Soap12, Some(FaultCode::soap12(code)), reason)
    }

    /// A POX fault: `<Exception>reason</Exception>` (or the detail's text, when given).
    pub fn pox(reason: ReasonSpec) -> Self {
        Self::new(FaultVersion::Pox, None, reason)
    }

    /// Sets the code (a QName from another prefix, or an expression).
    #[must_use]
    pub fn with_code(mut self, code: FaultCode) -> Self {
        self.code = Some(code);
        self
    }

    /// Sets the detail.
    #[must_use]
    pub fn with_detail(mut self, detail: FaultDetail) -> Self {
        self.detail = Some(detail);
        self
    }

    /// Sets the role (`faultactor` in SOAP 1.1).
    #[must_use]
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Sets the node (SOAP 1.2).
    #[must_use]
    pub fn with_node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }

    /// Sets `response` (`false`: the message keeps its direction and `To`).
    #[must_use]
    pub fn response(mut self, response: bool) -> Self {
        self.response = response;
        self
    }

    /// Sets the namespace prefixes used by the expressions.
    #[must_use]
    pub fn with_namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Reads `<makefault>` as Synapse's `FaultMediatorFactory` does, with the common
    /// `description`, `trace` and `statistics` attributes and a `<description>` child; unknown
    /// attributes and child elements are refused, with the closest name suggested.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, &["version", "response"])?;
        check_mediator_children(spec, &["code", "reason", "node", "role", "detail"])?;
        let version_attr = spec.get("version");
        let version = match version_attr {
            None => FaultVersion::Soap11,
            Some(v) => v
                .parse()
                .map_err(|r: String| spec.invalid("version", v, r))?,
        };
        let response = match spec.get("response") {
            None => true,
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(spec.invalid(
                    "response",
                    other,
                    format!(
                        "Invalid value '{other}' passed as response. Expected 'true' or 'false'"
                    ),
                ));
            }
        };
        let mut namespaces = spec.namespaces.clone();
        let code_spec = spec.child_named("code");
        let code = match code_spec {
            None => None,
            Some(c) => {
                merge(&mut namespaces, &c.namespaces);
                Some(read_code(c, spec).map_err(|e| locate_child(e, c))?)
            }
        };
        let reason_spec = spec.child_named("reason");
        let reason = match reason_spec {
            None => None,
            Some(r) => {
                merge(&mut namespaces, &r.namespaces);
                Some(read_reason(r).map_err(|e| locate_child(e, r))?)
            }
        };
        let node = match spec.child_named("node") {
            None => None,
            Some(n) => read_node(n, version_attr).map_err(|e| locate_child(e, n))?,
        };
        let role = match spec.child_named("role") {
            None => None,
            Some(r) => {
                check_attributes(r, &[])?;
                Some(r.text.clone().unwrap_or_default())
            }
        };
        let detail_spec = spec.child_named("detail");
        let detail = match detail_spec {
            None => None,
            Some(d) => {
                merge(&mut namespaces, &d.namespaces);
                Some(read_detail(d)?)
            }
        };
        // What `build` checks and compiles, checked here too so that an error is located at
        // the child element (and attribute) that holds it.
        if let (Some(c), Some(code)) = (code_spec, &code) {
            let attribute = match code {
                FaultCode::QName { .. } => "value",
                FaultCode::Expression(_) => "expression",
            };
            compile_code(version, code.clone(), &namespaces)
                .map_err(|e| locate_at(e, c, attribute))?;
        }
        if let (Some(r), Some(reason)) = (reason_spec, &reason) {
            compile_reason(reason.clone(), &namespaces)
                .map_err(|e| locate_at(e, r, "expression"))?;
        }
        if let (Some(d), Some(detail)) = (detail_spec, &detail) {
            compile_detail(detail.clone(), &namespaces)
                .map_err(|e| locate_at(e, d, "expression"))?;
        }
        Ok(Self {
            version,
            response,
            code,
            reason,
            node,
            role,
            detail,
            namespaces,
        })
    }

    /// Checks and compiles the configuration.
    pub fn build(self) -> Result<FaultMediator, BuildError> {
        let ns = &self.namespaces;
        let code = match self.code {
            None if self.version != FaultVersion::Pox => {
                return Err(BuildError::structure(
                    KIND,
                    "The fault code is a required attribute for the makefault mediator \
                     unless it is a pox fault",
                ));
            }
            None => None,
            Some(code) => Some(compile_code(self.version, code, ns)?),
        };
        let reason = match self.reason {
            None if self.version != FaultVersion::Pox => {
                return Err(BuildError::structure(
                    KIND,
                    "The fault reason is a required attribute for the makefault mediator \
                     unless it is a pox fault",
                ));
            }
            None => None,
            Some(reason) => Some(compile_reason(reason, ns)?),
        };
        let detail = self
            .detail
            .map(|detail| compile_detail(detail, ns))
            .transpose()?;
        let node = match self.version {
            FaultVersion::Soap11 => None,
            _ => self.node,
        };
        let header_blocks =
            Expression::compile(HEADER_BLOCKS, &Namespaces::new()).map_err(|e| {
                BuildError::structure(KIND, format!("header block selector: {}", e.message))
            })?;
        Ok(FaultMediator {
            header_blocks,
            version: self.version,
            response: self.response,
            code,
            reason,
            node,
            role: self.role,
            detail,
        })
    }
}

/// `<code value|expression>` of `<makefault>` `spec` (errors are not located: the caller
/// locates them at the `<code>`).
fn read_code(c: &MediatorSpec, spec: &MediatorSpec) -> Result<FaultCode, BuildError> {
    check_attributes(c, &["value", "expression"])?;
    if let Some(v) = c.get("value") {
        let Some((prefix, local)) = v.split_once(':') else {
            return Err(c.invalid(
                "value",
                v,
                "A QName is expected for fault code as prefix:name",
            ));
        };
        let Some(ns) = c
            .namespaces
            .get(prefix)
            .or_else(|| spec.namespaces.get(prefix))
        else {
            return Err(c.invalid(
                "value",
                v,
                format!("Invalid namespace prefix '{prefix}' in code attribute"),
            ));
        };
        Ok(FaultCode::QName {
            prefix: prefix.to_owned(),
            namespace: ns.to_owned(),
            local: local.to_owned(),
        })
    } else if let Some(e) = c.get("expression") {
        Ok(FaultCode::Expression(e.to_owned()))
    } else {
        Err(c.invalid_structure("A 'value' or 'expression' attribute must specify the fault code"))
    }
}

/// `<reason value|expression>` (errors are not located).
fn read_reason(r: &MediatorSpec) -> Result<ReasonSpec, BuildError> {
    check_attributes(r, &["value", "expression"])?;
    if let Some(v) = r.get("value") {
        Ok(ReasonSpec::Value(v.to_owned()))
    } else if let Some(e) = r.get("expression") {
        Ok(ReasonSpec::Expression(e.to_owned()))
    } else {
        Err(r.invalid_structure("A 'value' or 'expression' attribute must specify the fault code"))
    }
}

/// `<node>`, kept for SOAP 1.2 and POX (errors are not located).
fn read_node(n: &MediatorSpec, version_attr: Option<&str>) -> Result<Option<String>, BuildError> {
    check_attributes(n, &[])?;
    match version_attr {
        // FaultMediatorFactory reads `version` again here without a null check.
        None => Err(n.invalid_structure(
            "<node> needs the `version` attribute on <makefault> (MI's factory fails on it \
             otherwise)",
        )),
        Some("soap11") => Ok(None),
        Some(_) => Ok(Some(n.text.clone().unwrap_or_default())),
    }
}

/// `<detail [expression]>`.
fn read_detail(d: &MediatorSpec) -> Result<FaultDetail, BuildError> {
    check_attributes(d, &["expression"])?;
    Ok(if let Some(e) = d.get("expression") {
        FaultDetail::Expression(e.to_owned())
    } else {
        let text = d.text.clone().unwrap_or_default();
        // XML when it has child elements (as FaultMediatorFactory reads it); text that merely
        // starts with `&lt;` stays text.
        if !d.children.is_empty() {
            FaultDetail::Xml(text)
        } else {
            FaultDetail::Text(text)
        }
    })
}

/// The code, checked (a literal QName) or compiled (an expression).
fn compile_code(
    version: FaultVersion,
    code: FaultCode,
    ns: &Namespaces,
) -> Result<Code, BuildError> {
    match code {
        FaultCode::QName {
            prefix,
            namespace,
            local,
        } => {
            validate_code(version, &prefix, &namespace, &local)?;
            Ok(Code::QName {
                prefix,
                namespace,
                local,
            })
        }
        FaultCode::Expression(e) => Ok(Code::Expr(compile_expression(KIND, "code", &e, ns)?)),
    }
}

/// The reason, compiled.
fn compile_reason(reason: ReasonSpec, ns: &Namespaces) -> Result<Text, BuildError> {
    match reason {
        ReasonSpec::Value(v) => Ok(Text::Literal(v)),
        ReasonSpec::Expression(e) => Ok(Text::Expr(compile_expression(KIND, "reason", &e, ns)?)),
    }
}

/// The detail, checked (inline XML) or compiled (an expression).
fn compile_detail(detail: FaultDetail, ns: &Namespaces) -> Result<Detail, BuildError> {
    match detail {
        FaultDetail::Text(t) => Ok(Detail::Text(t)),
        FaultDetail::Xml(x) => {
            // The children of <detail> must be well-formed XML (checked wrapped, as there may
            // be several).
            let wrapped = format!("<detail>{x}</detail>");
            mediate_core::message::XmlDocument::parse(wrapped.into_bytes())
                .map_err(|e| BuildError::invalid(KIND, "detail", x.clone(), e.to_string()))?;
            Ok(Detail::Xml(x))
        }
        FaultDetail::Expression(e) => Ok(Detail::Expr(compile_expression(KIND, "detail", &e, ns)?)),
    }
}

fn merge(into: &mut Namespaces, from: &Namespaces) {
    for (p, u) in from.iter() {
        into.insert(p, u);
    }
}

/// `FaultMediatorFactory`'s validation of a literal code.
fn validate_code(
    version: FaultVersion,
    prefix: &str,
    namespace: &str,
    local: &str,
) -> Result<(), BuildError> {
    let (ns, names, label): (&str, &[&str], &str) = match version {
        FaultVersion::Soap11 => (
            SOAP11_NS,
            &["VersionMismatch", "MustUnderstand", "Client", "Server"],
            "soap11",
        ),
        FaultVersion::Soap12 => (
            SOAP12_NS,
            &[
                "VersionMismatch",
                "MustUnderstand",
                "DataEncodingUnknown",
                "Sender",
                "Receiver",
            ],
            "soap12",
        ),
        FaultVersion::Pox => return Ok(()),
    };
    let value = format!("{prefix}:{local}");
    if namespace != ns {
        return Err(BuildError::invalid(
            KIND,
            "code",
            value,
            format!(
                "Invalid namespace in fault code for {label} version. Namespace should be \
                 corrected as {ns}."
            ),
        ));
    }
    if !names.contains(&local) {
        return Err(BuildError::invalid(
            KIND,
            "code",
            value,
            format!(
                "Invalid code value for {label} version. Code value has to be one of the \
                 following : {}",
                names.join(", ")
            ),
        ));
    }
    Ok(())
}

#[derive(Debug)]
enum Code {
    QName {
        prefix: String,
        namespace: String,
        local: String,
    },
    Expr(Expression),
}

#[derive(Debug)]
enum Text {
    Literal(String),
    Expr(Expression),
}

impl Text {
    fn eval(&self, msg: &MessageContext, scope: &XPathScope<'_>) -> Result<String, MediationError> {
        match self {
            Text::Literal(s) => Ok(s.clone()),
            Text::Expr(e) => string_value_of_in(e, msg, scope),
        }
    }
}

#[derive(Debug)]
enum Detail {
    Text(String),
    Xml(String),
    Expr(Expression),
}

/// The element children of the envelope's `Header` (SOAP 1.1 or 1.2).
const HEADER_BLOCKS: &str = "/*/*[local-name()='Header' and (namespace-uri()='http://schemas.xmlsoap.org/soap/envelope/' or namespace-uri()='http://www.w3.org/2003/05/soap-envelope')]/*";

/// The fault mediator, built from a [`MakeFaultConfig`].
#[derive(Debug)]
pub struct FaultMediator {
    header_blocks: Expression,
    version: FaultVersion,
    response: bool,
    code: Option<Code>,
    reason: Option<Text>,
    node: Option<String>,
    role: Option<String>,
    detail: Option<Detail>,
}

/// Content type of a SOAP 1.1 fault.
pub const SOAP11_CONTENT_TYPE: &str = "text/xml";
/// Content type of a SOAP 1.2 fault.
pub const SOAP12_CONTENT_TYPE: &str = "application/soap+xml";

impl FaultMediator {
    /// The kind of fault made.
    pub fn version(&self) -> FaultVersion {
        self.version
    }

    /// The fault payload this mediator would make for `msg` (the whole SOAP envelope, or the
    /// `<Exception>` element of a POX fault), without changing the message. No local entries
    /// are in scope (see [`render_in`](Self::render_in)).
    pub fn render(&self, msg: &MessageContext) -> Result<String, MediationError> {
        self.render_in(msg, &XPathScope::default())
    }

    /// The fault payload this mediator makes for `msg` beside an environment whose
    /// [`xpath_scope`](Env::xpath_scope) is `scope` (what [`Mediator::mediate`] sets):
    /// `get-property('KEY')` reads its local entry `KEY` when the message has no property `KEY`.
    pub fn render_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<String, MediationError> {
        match self.version {
            FaultVersion::Pox => self.pox(msg, scope),
            FaultVersion::Soap11 | FaultVersion::Soap12 => self.soap(msg, scope),
        }
    }

    /// `makePOXFault`: the detail's text, else the reason's.
    fn pox(&self, msg: &MessageContext, scope: &XPathScope<'_>) -> Result<String, MediationError> {
        let text = match (&self.detail, &self.reason) {
            (Some(Detail::Text(t)), _) => Some(t.clone()),
            (Some(Detail::Expr(e)), _) => Some(string_value_of_in(e, msg, scope)?),
            (_, Some(r)) => Some(r.eval(msg, scope)?),
            _ => None,
        };
        let mut out = String::with_capacity(32);
        match text {
            Some(t) if !t.is_empty() => {
                out.push_str("<Exception>");
                xml_edit::escape_text_into(&t, &mut out);
                out.push_str("</Exception>");
            }
            _ => out.push_str("<Exception/>"),
        }
        Ok(out)
    }

    fn soap(&self, msg: &MessageContext, scope: &XPathScope<'_>) -> Result<String, MediationError> {
        let soap12 = self.version == FaultVersion::Soap12;
        let env_ns = if soap12 { SOAP12_NS } else { SOAP11_NS };
        let mut out = String::with_capacity(512);
        out.push_str("<soapenv:Envelope xmlns:soapenv=\"");
        out.push_str(env_ns);
        out.push_str("\">");
        self.header(msg, &mut out)?;
        out.push_str("<soapenv:Body><soapenv:Fault>");
        // Code.
        let (prefix, namespace, local) = match &self.code {
            Some(Code::QName {
                prefix,
                namespace,
                local,
            }) => (prefix.clone(), namespace.clone(), local.clone()),
            Some(Code::Expr(e)) => {
                let s = string_value_of_in(e, msg, scope)?;
                match s.split_once(':') {
                    Some(("soapenv", l)) => ("soapenv".into(), env_ns.into(), l.into()),
                    Some((p, l)) => (p.to_owned(), String::new(), l.to_owned()),
                    None => ("soapenv".into(), env_ns.into(), s),
                }
            }
            None => {
                return Err(MediationError::mediator(
                    "A valid fault code QName value or expression is required",
                ));
            }
        };
        let declare = |out: &mut String| {
            if prefix != "soapenv" && !namespace.is_empty() {
                out.push_str(" xmlns:");
                out.push_str(&prefix);
                out.push_str("=\"");
                xml_edit::escape_attr_into(&namespace, out);
                out.push('"');
            }
        };
        if soap12 {
            out.push_str("<soapenv:Code><soapenv:Value");
            declare(&mut out);
            out.push('>');
        } else {
            out.push_str("<faultcode");
            declare(&mut out);
            out.push('>');
        }
        xml_edit::escape_text_into(&prefix, &mut out);
        out.push(':');
        xml_edit::escape_text_into(&local, &mut out);
        out.push_str(if soap12 {
            "</soapenv:Value></soapenv:Code>"
        } else {
            "</faultcode>"
        });
        // Reason.
        let reason = match &self.reason {
            Some(r) => r.eval(msg, scope)?,
            None => {
                return Err(MediationError::mediator(
                    "A valid fault reason value or expression is required",
                ));
            }
        };
        if soap12 {
            out.push_str("<soapenv:Reason><soapenv:Text xml:lang=\"en\">");
            xml_edit::escape_text_into(&reason, &mut out);
            out.push_str("</soapenv:Text></soapenv:Reason>");
        } else {
            element(&mut out, "faultstring", &reason);
        }
        // Node and role.
        if soap12 {
            if let Some(node) = &self.node {
                element(&mut out, "soapenv:Node", node);
            }
            if let Some(role) = &self.role {
                element(&mut out, "soapenv:Role", role);
            }
        } else if let Some(role) = &self.role {
            element(&mut out, "faultactor", role);
        }
        // Detail.
        let tag = if soap12 { "soapenv:Detail" } else { "detail" };
        match &self.detail {
            None => {}
            Some(Detail::Text(t)) => element(&mut out, tag, t),
            Some(Detail::Xml(x)) => {
                open(&mut out, tag);
                out.push_str(x);
                close(&mut out, tag);
            }
            Some(Detail::Expr(e)) => {
                let mut content = String::new();
                // An XPath node-set (Jaxen's List) is copied node by node (elements, text,
                // comments: Axiom's OMNodes; attributes are not); anything else is its string.
                let copied = match e.evaluate_in(msg, scope) {
                    Ok(Evaluated::XPath(v)) => match v.as_nodes() {
                        Some(nodes) => {
                            for n in nodes {
                                if let XNode::Node(_) = n {
                                    write_node(n, &mut content);
                                }
                            }
                            true
                        }
                        None => false,
                    },
                    _ => false,
                };
                if !copied {
                    xml_edit::escape_text_into(&string_value_of_in(e, msg, scope)?, &mut content);
                }
                if content.is_empty() {
                    out.push('<');
                    out.push_str(tag);
                    out.push_str("/>");
                } else {
                    open(&mut out, tag);
                    out.push_str(&content);
                    close(&mut out, tag);
                }
            }
        }
        out.push_str("</soapenv:Fault></soapenv:Body></soapenv:Envelope>");
        Ok(out)
    }

    /// `<soapenv:Header/>`, holding the original envelope's header blocks, if any.
    fn header(&self, msg: &MessageContext, out: &mut String) -> Result<(), MediationError> {
        let mut blocks = String::new();
        // Only an explicit SOAP envelope has header blocks; other payloads are not parsed.
        if msg.payload_kind() == PayloadKind::Xml && !msg.payload().is_empty() {
            let env = msg.envelope()?;
            if env.header().is_some()
                && let Evaluated::XPath(v) = self.header_blocks.evaluate(msg)?
                && let Some(nodes) = v.as_nodes()
            {
                for n in nodes {
                    write_node(n, &mut blocks);
                }
            }
        }
        if blocks.is_empty() {
            out.push_str("<soapenv:Header/>");
        } else {
            out.push_str("<soapenv:Header>");
            out.push_str(&blocks);
            out.push_str("</soapenv:Header>");
        }
        Ok(())
    }
}

fn open(out: &mut String, tag: &str) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
}

fn close(out: &mut String, tag: &str) {
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// `<tag>text</tag>`, or `<tag/>` for an empty text (Axiom adds no text node for `""` and
/// writes an empty element as `<tag/>`).
fn element(out: &mut String, tag: &str, text: &str) {
    if text.is_empty() {
        out.push('<');
        out.push_str(tag);
        out.push_str("/>");
        return;
    }
    open(out, tag);
    xml_edit::escape_text_into(text, out);
    close(out, tag);
}

#[async_trait]
impl Mediator for FaultMediator {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        let fault = self.render_in(msg, &env.xpath_scope())?;
        match self.version {
            FaultVersion::Pox => {
                msg.set_xml_body(fault)?;
            }
            FaultVersion::Soap11 | FaultVersion::Soap12 => {
                let ct = if self.version == FaultVersion::Soap12 {
                    SOAP12_CONTENT_TYPE
                } else {
                    SOAP11_CONTENT_TYPE
                };
                msg.set_payload(fault, ct);
                // makeSOAPFault: To ← FaultTo, else ReplyTo, else none; RelatesTo ← MessageID.
                let id = msg.message_id().to_owned();
                let a = msg.addressing_mut();
                a.to = a.fault_to.clone().or_else(|| a.reply_to.clone());
                a.relates_to = Some(id);
            }
        }
        if self.response {
            msg.set_response(true);
            let a = msg.addressing_mut();
            a.to = a.reply_to.clone();
        }
        // The status MI's transport would use: 500 unless HTTP_SC or FAULTS_AS_HTTP_200.
        let as_200 = msg
            .scoped_property(Scope::Axis2, "FAULTS_AS_HTTP_200")
            .is_some_and(|v| v.as_string().eq_ignore_ascii_case("true"));
        if msg.status().is_none() && !as_200 {
            let status = 500u16
                .try_into()
                .map_err(|_| MediationError::mediator("HTTP status 500 is not a status code"))?;
            msg.set_status(status);
        }
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        KIND
    }
}
