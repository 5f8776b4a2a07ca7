//! The header mediator (`<header>`): Synapse's `HeaderMediator`.
//!
//! ```xml
//! <header name="qname | string" (value="literal" | expression="expression")
//!         [action="set|remove"] [scope="default|transport"]/>
//! <header [action="set"] [scope="default"]> inline XML header blocks </header>
//! ```
//!
//! - `scope="transport"`: sets (replaces) or removes the HTTP transport header `name`. A value
//!   that evaluates to nothing is set as `""`, as Synapse does.
//! - `scope="default"` (SOAP headers): `name` is a QName whose prefix is bound in the
//!   configuration (`m:foo` → `<m:foo xmlns:m="…">value</m:foo>`). `set` appends a header
//!   block to the `soapenv:Header` (created before the Body if missing) — a second `set`
//!   adds a second block, as Axiom's `addHeaderBlock` does; `remove` removes every header
//!   block with that namespace and local name. Unqualified names are the WS-Addressing
//!   facts Synapse knows: `To`, `From`, `Action`, `ReplyTo`, `FaultTo`, `RelatesTo` set or
//!   clear the message's addressing (`synCtx.setFaultTo(new EndpointReference(value))`, `null`
//!   on remove); `MessageID` sets the message ID (MI documents it among the special names).
//!   Any other unqualified name is refused when the mediator is built, with Synapse's text
//!   ("All SOAP headers must be namespace qualified.").
//! - Inline XML: each child element is added as a header block.
//!
//! SOAP headers live in the SOAP envelope, so they change only a SOAP message. For a POX, JSON
//! or text message MI adds the block to its in-memory envelope, but its formatters send only
//! the Body's content, so the header never reaches the wire; mediate keeps no in-memory
//! envelope beside the payload, so the block is dropped (logged at debug level): a later
//! `$header/…` expression on such a message does not see it.

use mediate_core::expr::xpath::XPathScope;
use mediate_core::message::roxmltree::Document;
use mediate_core::message::{EnvelopeOrigin, PayloadKind};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, async_trait,
};

use crate::property::string_value_of_in;
use crate::value::{
    DESCRIPTION, attribute_enum, check_mediator_attributes, compile_expression,
    compiled_reads_body, locate_at,
};
use crate::xml_edit::{self, Edit};

const KIND: &str = "header";

/// The attributes `<header>` takes.
const ATTRIBUTES: &[&str] = &["name", "value", "expression", "action", "scope"];

/// `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderScope {
    /// `default`: SOAP headers (and the WS-Addressing facts).
    #[default]
    Default,
    /// `transport`: HTTP headers.
    Transport,
}

attribute_enum!(HeaderScope {
    "default" => Default,
    "transport" => Transport,
} else |other| format!(
    "Only 'transport' or 'default' values are allowed for attribute scope for a header \
     mediator, Unsupported scope {other}"
));

/// `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderAction {
    /// `set` (the default).
    #[default]
    Set,
    /// `remove`.
    Remove,
}

/// What a `set` puts in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// `value="…"`.
    Literal(String),
    /// `expression="…"` (XPath, `json-eval(…)` or `${…}`), evaluated with `stringValueOf`.
    Expression(String),
}

/// The configuration of a header mediator (data); [`build`](Self::build) makes the runtime
/// [`HeaderMediator`].
///
/// ```
/// use mediate_mediators::header::HeaderConfig;
///
/// let transport = HeaderConfig::transport("X-A").value("1").build().unwrap();
/// let mut ns = mediate_core::Namespaces::new();
/// ns.insert("m", "urn:m");
/// let soap = HeaderConfig::soap("m:foo").expression("//id").namespaces(ns).build().unwrap();
/// # let _ = (transport, soap);
/// ```
#[derive(Debug, Clone, Default)]
pub struct HeaderConfig {
    /// `name` (a QName for SOAP headers); `None` for inline XML headers.
    pub name: Option<String>,
    /// `value` or `expression` (required for a named `set`).
    pub value: Option<HeaderValue>,
    /// Inline XML header blocks (the element's content, serialized).
    pub inline: Option<String>,
    /// `action`.
    pub action: HeaderAction,
    /// `scope`.
    pub scope: HeaderScope,
    /// Namespace prefixes (for the QName and the expression).
    pub namespaces: Namespaces,
}

impl HeaderConfig {
    /// An HTTP transport header (`scope="transport"`).
    pub fn transport(name: impl Into<String>) -> HeaderConfig {
        HeaderConfig {
            name: Some(name.into()),
            scope: HeaderScope::Transport,
            ..HeaderConfig::default()
        }
    }

    /// A SOAP header (`scope="default"`), `prefix:local` with the prefix bound in
    /// [`namespaces`](Self::namespaces), or a WS-Addressing name (`To`, `Action`…).
    pub fn soap(qname: impl Into<String>) -> HeaderConfig {
        HeaderConfig {
            name: Some(qname.into()),
            ..HeaderConfig::default()
        }
    }

    /// Inline XML header blocks (`<header><m:a xmlns:m="…">…</m:a></header>`).
    pub fn inline(xml: impl Into<String>) -> HeaderConfig {
        HeaderConfig {
            inline: Some(xml.into()),
            ..HeaderConfig::default()
        }
    }

    /// Sets a literal value.
    #[must_use]
    pub fn value(mut self, value: impl Into<String>) -> HeaderConfig {
        self.value = Some(HeaderValue::Literal(value.into()));
        self
    }

    /// Sets an expression.
    #[must_use]
    pub fn expression(mut self, expression: impl Into<String>) -> HeaderConfig {
        self.value = Some(HeaderValue::Expression(expression.into()));
        self
    }

    /// Makes it `action="remove"`.
    #[must_use]
    pub fn remove(mut self) -> HeaderConfig {
        self.action = HeaderAction::Remove;
        self
    }

    /// Sets the namespace prefixes.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> HeaderConfig {
        self.namespaces = namespaces;
        self
    }

    /// Reads `<header>` as `HeaderMediatorFactory` does; the inline XML is the element's
    /// content (`spec.text`). The common `description`, `trace` and `statistics` attributes are
    /// accepted, and a named header takes `<description>` children (without a name, every
    /// child element is a header block, a `<description>` too, as in MI). Unknown attributes
    /// are refused; `action` is `set` or `remove`.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, ATTRIBUTES)?;
        let action = match spec.get("action") {
            None | Some("set") => HeaderAction::Set,
            Some("remove") => HeaderAction::Remove,
            Some(other) => return Err(spec.invalid("action", other, "expected `set` or `remove`")),
        };
        let scope = match spec.get("scope") {
            None => HeaderScope::Default,
            Some(s) => s.parse().map_err(|r: String| spec.invalid("scope", s, r))?,
        };
        let value = match (spec.get("value"), spec.get("expression")) {
            (Some(v), _) => Some(HeaderValue::Literal(v.to_owned())),
            (None, Some(e)) => Some(HeaderValue::Expression(e.to_owned())),
            (None, None) => None,
        };
        let inline = spec
            .text
            .clone()
            .filter(|t| !t.trim().is_empty() && spec.get("name").is_none());
        // A named header's `<description>` children are its description (MI reads only the
        // attributes then); any other content is refused.
        let only_descriptions =
            !spec.children.is_empty() && spec.children.iter().all(|c| c.kind == DESCRIPTION);
        if spec.get("name").is_some()
            && !only_descriptions
            && let Some(t) = spec.text.as_deref().filter(|t| !t.trim().is_empty())
        {
            let error = spec.invalid(
                "name",
                spec.get("name").unwrap_or_default(),
                format!(
                    "a named header takes no inline content (found `{}`)",
                    t.trim()
                ),
            );
            // At the first header block when there is one (text has no position).
            return Err(match spec.children.iter().find(|c| c.kind != DESCRIPTION) {
                Some(block) => locate_at(error, block, ""),
                None => error,
            });
        }
        Ok(HeaderConfig {
            name: spec.get("name").map(str::to_owned),
            value,
            inline,
            action,
            scope,
            namespaces: spec.namespaces.clone(),
        })
    }

    /// Checks the configuration as `HeaderMediatorFactory` does and compiles the expression.
    pub fn build(self) -> Result<HeaderMediator, BuildError> {
        let target = match (&self.name, self.scope) {
            (None, scope) => {
                let Some(xml) = self
                    .inline
                    .as_ref()
                    .filter(|_| scope == HeaderScope::Default)
                else {
                    return Err(BuildError::structure(
                        KIND,
                        "A valid name attribute is required for the header mediator",
                    ));
                };
                if self.action == HeaderAction::Remove {
                    return Err(BuildError::structure(
                        KIND,
                        "action=\"remove\" needs a name attribute",
                    ));
                }
                Target::Inline(inline_blocks(xml)?)
            }
            (Some(name), HeaderScope::Transport) => {
                if name.is_empty() {
                    return Err(BuildError::missing(KIND, "name"));
                }
                Target::Transport(name.clone())
            }
            (Some(name), HeaderScope::Default) => match name.split_once(':') {
                Some((prefix, local)) => {
                    let Some(uri) = self.namespaces.get(prefix) else {
                        return Err(BuildError::invalid(
                            KIND,
                            "name",
                            name,
                            format!("Invalid namespace prefix '{prefix}' in name attribute"),
                        ));
                    };
                    Target::Soap {
                        prefix: prefix.to_owned(),
                        local: local.to_owned(),
                        uri: uri.to_owned(),
                    }
                }
                None => match Addressing::from_name(name) {
                    Some(a) => Target::Addressing(a),
                    None => {
                        return Err(BuildError::invalid(
                            KIND,
                            "name",
                            name,
                            format!(
                                "Invalid SOAP header: {name} specified at the header mediator. \
                                 All SOAP headers must be namespace qualified."
                            ),
                        ));
                    }
                },
            },
        };
        let needs_value = self.action == HeaderAction::Set && !matches!(target, Target::Inline(_));
        let value = match self.value {
            Some(HeaderValue::Literal(v)) => Some(Value::Literal(v)),
            Some(HeaderValue::Expression(e)) => Some(Value::Expression(compile_expression(
                KIND,
                "expression",
                &e,
                &self.namespaces,
            )?)),
            None if needs_value => {
                return Err(BuildError::structure(
                    KIND,
                    "A 'value' or 'expression' attribute is required for a [set] header mediator",
                ));
            }
            None => None,
        };
        let reads_body = match (&target, &value) {
            (Target::Transport(_), Some(Value::Expression(e))) => compiled_reads_body(e),
            (Target::Transport(_), _) => false,
            _ => true,
        };
        Ok(HeaderMediator {
            target,
            value,
            action: self.action,
            reads_body,
        })
    }
}

/// The WS-Addressing names `HeaderMediator` handles as message facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Addressing {
    To,
    From,
    Action,
    FaultTo,
    ReplyTo,
    RelatesTo,
    MessageId,
}

impl Addressing {
    fn from_name(name: &str) -> Option<Addressing> {
        Some(match name {
            "To" => Addressing::To,
            "From" => Addressing::From,
            "Action" => Addressing::Action,
            "FaultTo" => Addressing::FaultTo,
            "ReplyTo" => Addressing::ReplyTo,
            "RelatesTo" => Addressing::RelatesTo,
            "MessageID" => Addressing::MessageId,
            _ => return None,
        })
    }
}

#[derive(Debug)]
enum Target {
    Transport(String),
    Addressing(Addressing),
    Soap {
        prefix: String,
        local: String,
        uri: String,
    },
    /// Inline header blocks, each serialized with its namespaces.
    Inline(Vec<String>),
}

#[derive(Debug)]
enum Value {
    Literal(String),
    Expression(Expression),
}

/// The runtime header mediator; build it from a [`HeaderConfig`].
#[derive(Debug)]
pub struct HeaderMediator {
    target: Target,
    value: Option<Value>,
    action: HeaderAction,
    reads_body: bool,
}

#[async_trait]
impl Mediator for HeaderMediator {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        self.apply_in(msg, &env.xpath_scope())?;
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        KIND
    }

    /// `HeaderMediator.isContentAware`: a transport header reads the body only through its
    /// expression; a SOAP header edits the envelope.
    fn reads_body(&self) -> bool {
        self.reads_body
    }
}

impl HeaderMediator {
    fn value(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<String, MediationError> {
        match &self.value {
            Some(Value::Literal(v)) => Ok(v.clone()),
            Some(Value::Expression(e)) => string_value_of_in(e, msg, scope),
            None => Ok(String::new()),
        }
    }

    /// Sets or removes the header on `msg` (what [`Mediator::mediate`] does), with no local
    /// entries for `get-property` to fall back to (see [`apply_in`](Self::apply_in)).
    pub fn apply(&self, msg: &mut MessageContext) -> Result<(), MediationError> {
        self.apply_in(msg, &XPathScope::default())
    }

    /// Sets or removes the header on `msg` beside an environment whose
    /// [`xpath_scope`](Env::xpath_scope) is `scope` (what [`Mediator::mediate`] does):
    /// `get-property('KEY')` reads its local entry `KEY` when the message has no property `KEY`.
    pub fn apply_in(
        &self,
        msg: &mut MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<(), MediationError> {
        match (&self.target, self.action) {
            (Target::Transport(name), HeaderAction::Set) => {
                let value = self.value(msg, scope)?;
                tracing::debug!(header = %name, value = %value, "Set HTTP header");
                msg.set_transport_header(name, &value)?;
            }
            (Target::Transport(name), HeaderAction::Remove) => {
                // Case-insensitive; a name that is not a valid header name matches nothing.
                msg.transport_headers_mut().remove(name.as_str());
            }
            (Target::Addressing(a), action) => {
                let value = match action {
                    HeaderAction::Set => Some(self.value(msg, scope)?),
                    HeaderAction::Remove => None,
                };
                let addressing = msg.addressing_mut();
                match a {
                    Addressing::To => addressing.to = value,
                    Addressing::From => addressing.from = value,
                    Addressing::Action => addressing.action = value,
                    Addressing::ReplyTo => addressing.reply_to = value,
                    Addressing::RelatesTo => addressing.relates_to = value,
                    Addressing::MessageId => match value {
                        Some(id) => msg.set_message_id(id),
                        None => self.edit_soap_header(msg, |header| {
                            remove_blocks(header, "", "MessageID")
                        })?,
                    },
                    Addressing::FaultTo => addressing.fault_to = value,
                }
            }
            (Target::Soap { prefix, local, uri }, HeaderAction::Set) => {
                let value = self.value(msg, scope)?;
                let mut block = format!("<{prefix}:{local} xmlns:{prefix}=\"");
                block.push_str(&xml_edit::escape_attr(uri));
                block.push_str("\">");
                block.push_str(&xml_edit::escape_text(&value));
                block.push_str(&format!("</{prefix}:{local}>"));
                self.add_blocks(msg, &block)?;
            }
            (Target::Soap { local, uri, .. }, HeaderAction::Remove) => {
                self.edit_soap_header(msg, |header| remove_blocks(header, uri, local))?;
            }
            (Target::Inline(blocks), _) => self.add_blocks(msg, &blocks.concat())?,
        }
        Ok(())
    }

    fn add_blocks(&self, msg: &mut MessageContext, blocks: &str) -> Result<(), MediationError> {
        let Some(new) = ({
            let Some(envelope) = soap_envelope(msg)? else {
                return Ok(());
            };
            let doc = envelope.document();
            let edit = match envelope.header() {
                Some(header) => Edit::append_child(header, blocks),
                None => {
                    let env_src = &doc.input_text()[envelope.envelope().range()];
                    let qname = xml_edit::qname_of(env_src);
                    let header_name = match qname.split_once(':') {
                        Some((p, _)) => format!("{p}:Header"),
                        None => "Header".to_owned(),
                    };
                    Edit::insert_before(
                        envelope.body(),
                        format!("<{header_name}>{blocks}</{header_name}>"),
                    )
                }
            };
            xml_edit::apply(doc.input_text(), vec![edit])
        }) else {
            return Err(MediationError::mediator(
                "header: could not edit the SOAP envelope",
            ));
        };
        let ct = msg.content_type().to_owned();
        msg.set_payload(new, ct);
        Ok(())
    }

    fn edit_soap_header(
        &self,
        msg: &mut MessageContext,
        edits: impl FnOnce(mediate_core::message::roxmltree::Node<'_, '_>) -> Vec<Edit>,
    ) -> Result<(), MediationError> {
        let new = {
            let Some(envelope) = soap_envelope(msg)? else {
                return Ok(());
            };
            let Some(header) = envelope.header() else {
                return Ok(());
            };
            let list = edits(header);
            if list.is_empty() {
                return Ok(());
            }
            xml_edit::apply(envelope.document().input_text(), list).ok_or_else(|| {
                MediationError::mediator("header: could not edit the SOAP envelope")
            })?
        };
        let ct = msg.content_type().to_owned();
        msg.set_payload(new, ct);
        Ok(())
    }
}

/// The envelope of a SOAP message; `None` (logged) for any other message.
fn soap_envelope(
    msg: &MessageContext,
) -> Result<Option<&mediate_core::message::Envelope>, MediationError> {
    if msg.payload_kind() != PayloadKind::Xml {
        tracing::debug!("header: not a SOAP message; the SOAP header is not kept");
        return Ok(None);
    }
    let envelope = msg.envelope()?;
    if envelope.origin() != EnvelopeOrigin::Soap {
        tracing::debug!("header: not a SOAP message; the SOAP header is not kept");
        return Ok(None);
    }
    Ok(Some(envelope))
}

/// The header blocks named `{uri}local` (`removeFromHeaderList`).
fn remove_blocks(
    header: mediate_core::message::roxmltree::Node<'_, '_>,
    uri: &str,
    local: &str,
) -> Vec<Edit> {
    header
        .children()
        .filter(|c| {
            c.is_element()
                && c.tag_name().name() == local
                && c.tag_name().namespace().unwrap_or("") == uri
        })
        .map(Edit::remove)
        .collect()
}

/// The inline header blocks: each child element of the content, with its namespaces.
fn inline_blocks(xml: &str) -> Result<Vec<String>, BuildError> {
    let wrapped = format!("<w>{xml}</w>");
    let doc = Document::parse(&wrapped).map_err(|e| {
        BuildError::invalid(
            KIND,
            "header",
            xml,
            format!("inline XML is not well-formed: {e}"),
        )
    })?;
    let blocks: Vec<String> = doc
        .root_element()
        .children()
        .filter(|c| c.is_element())
        .map(xml_edit::element_xml)
        .collect();
    if blocks.is_empty() {
        return Err(BuildError::structure(
            KIND,
            "A non standard header with both value and expression are null must contain an \
             embedded XML definition.",
        ));
    }
    Ok(blocks)
}
