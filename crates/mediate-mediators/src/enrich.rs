//! The enrich mediator (`<enrich>`): Synapse's `EnrichMediator`, with its `Source` and `Target`
//! and the JSON ("native JSON") path MI added.
//!
//! ```xml
//! <enrich>
//!   <source [clone="true|false"] [type="custom|envelope|body|property|inline"]
//!           [xpath="xpath | json-eval(path)"] [property="name"] [key="local entry"]>inline XML or JSON?</source>
//!   <target [action="replace|child|sibling|remove"] [type="custom|envelope|body|property|key"]
//!           [xpath="xpath | json-eval(path)"] [property="name"]/>
//! </enrich>
//! ```
//!
//! The mediator takes content from the source and puts it on the message as the target says.
//! Which of Synapse's two code paths runs is decided as `EnrichMediatorFactory` and
//! `EnrichMediator.mediate` decide it:
//!
//! - **JSON path** (MI's native JSON support): when the configuration has no `envelope`, no
//!   inline XML, and every `custom` path is a `json-eval`, *and* the message has a JSON payload
//!   *and* the source property (if any) does not hold XML. Paths are JSONPath (Jayway dialect;
//!   a path without `$` gets `$.` in front, as Jayway does); `replace` sets every match,
//!   `child` appends to an array or merges into an object, `type="key"` renames a key,
//!   `action="remove"` deletes every match of each comma-separated path. `clone="false"` on a
//!   `custom` source deletes the source from the payload first (Synapse's `Source.evaluateJson`).
//! - **XML path** otherwise: the source gives a list of XML nodes (elements, text), the target
//!   splices them into MI's envelope view of the message (the SOAP envelope, or the implicit
//!   one around a POX/JSON payload). `replace` puts the elements in the target's place (or, for
//!   a text source, replaces the target's content with the text), `child` appends them as last
//!   children, `sibling` inserts each right after the target (so several end up in reverse
//!   order, as Axiom's `insertSiblingAfter` does). With `clone="false"`, elements taken from
//!   the message are moved (removed from where they were), as Axiom detaches a node it adds
//!   elsewhere. A JSON message edited this way is written back through MI's XML→JSON mapping;
//!   a POX (or text/empty) message keeps only the first element of the Body, which is what
//!   MI's formatters send.
//!
//! Errors follow Synapse: combinations `EnrichMediatorFactory` refuses are [`BuildError`]s
//! with its text ("Wrong combination of source and target type", "Invalid target action",
//! …); what `EnrichMediator` throws at run time is a [`MediationError`] ("Failed to get the
//! source for Enriching : ", "Invalid Target object to be enrich.", "A SOAPEnvelope is
//! expected"); what it only logs (e.g. "Cannot Enrich message from an empty source.",
//! "Action sibling is not supported. Please use child action instead") is logged with
//! `tracing::error!` and the flow continues with the message unchanged.

use std::collections::HashMap;

use mediate_core::expr::jsonpath::{JsonEvalResult, JsonPath};
use mediate_core::expr::{Evaluated, ExpressionKind, XNode};
use mediate_core::message::roxmltree::{Document, Node};
use mediate_core::message::{
    EnvelopeOrigin, PayloadKind, SOAP11_NS, SOAP12_NS, XmlValue, json_xml,
};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, PropertyValue, Registry, Scope, async_trait,
};
use serde_json::Value;

use crate::property::gson_lenient_parse;
use crate::value::{
    attribute_enum, check_attributes, check_mediator_attributes, check_mediator_children,
    compile_expression, locate_at, locate_child, unknown_child_at,
};
use crate::xml_edit::{self, Edit};

const KIND: &str = "enrich";

/// Where the content comes from (`<source type>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// `type="custom"` (the default): `xpath` is an XPath or a `json-eval(…)` path.
    Custom(String),
    /// `type="envelope"`: the whole SOAP envelope.
    Envelope,
    /// `type="body"`: the first element of the SOAP Body (a JSON payload as it is).
    Body,
    /// `type="property"`: a default-scope property.
    Property(String),
    /// `type="inline"` with content: an XML element, or JSON text.
    Inline(String),
    /// `type="inline" key="…"`: a local entry (or registry resource) by key.
    InlineKey(String),
}

/// `<source>`: what to take, and whether to copy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// What to take.
    pub kind: SourceKind,
    /// `clone` (default `true`): copy the content; `false` moves it (XML) or deletes it from
    /// the payload (JSON `custom` source).
    pub clone: bool,
}

impl Source {
    fn of(kind: SourceKind) -> Source {
        Source { kind, clone: true }
    }

    /// `type="custom" xpath="…"`.
    pub fn custom(path: impl Into<String>) -> Source {
        Source::of(SourceKind::Custom(path.into()))
    }

    /// `type="envelope"`.
    pub fn envelope() -> Source {
        Source::of(SourceKind::Envelope)
    }

    /// `type="body"`.
    pub fn body() -> Source {
        Source::of(SourceKind::Body)
    }

    /// `type="property" property="…"`.
    pub fn property(name: impl Into<String>) -> Source {
        Source::of(SourceKind::Property(name.into()))
    }

    /// `type="inline"` with content: an XML element (`<a>1</a>`) or JSON text. The XML is
    /// taken as written: the Synapse namespace MI gives unprefixed elements of a configuration
    /// file is added by the configuration reader ([`EnrichConfig::from_spec`] gets it in
    /// `spec.text`), not here.
    pub fn inline(content: impl Into<String>) -> Source {
        Source::of(SourceKind::Inline(content.into()))
    }

    /// `type="inline" key="…"`.
    pub fn inline_key(key: impl Into<String>) -> Source {
        Source::of(SourceKind::InlineKey(key.into()))
    }

    /// Sets `clone`.
    #[must_use]
    pub fn clone_content(mut self, clone: bool) -> Source {
        self.clone = clone;
        self
    }

    fn type_code(&self) -> u8 {
        match self.kind {
            SourceKind::Custom(_) => 0,
            SourceKind::Envelope => 1,
            SourceKind::Body => 2,
            SourceKind::Property(_) => 3,
            SourceKind::Inline(_) | SourceKind::InlineKey(_) => 4,
        }
    }
}

/// Where the content goes (`<target type>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// `type="custom"` (the default): `xpath` is an XPath or a `json-eval(…)` path.
    Custom(String),
    /// `type="envelope"`: the source (a SOAP envelope) becomes the message's envelope.
    Envelope,
    /// `type="body"`: the first element of the Body (a JSON payload as a whole).
    Body,
    /// `type="property"`: a default-scope property.
    Property(String),
    /// `type="key"`: renames the JSON key the `json-eval` path ends with (JSON only).
    Key(String),
}

/// `<target action>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    /// `replace` (the default).
    #[default]
    Replace,
    /// `child`: add as the last child (JSON: append to an array, merge into an object).
    Child,
    /// `sibling`: add right after the target (XML only).
    Sibling,
    /// `remove`: delete what the source's `json-eval` paths select (JSON only).
    Remove,
}

attribute_enum!(Action {
    "replace" => Replace,
    "child" => Child,
    "sibling" => Sibling,
    "remove" => Remove,
} else "Unexpected target action");

/// `<target>`: where to put the content, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where.
    pub kind: TargetKind,
    /// How (default `replace`).
    pub action: Action,
    /// The `type` attribute was not written (Synapse checks type combinations only on a
    /// written type).
    implicit_type: bool,
}

impl Target {
    fn of(kind: TargetKind) -> Target {
        Target {
            kind,
            action: Action::Replace,
            implicit_type: false,
        }
    }

    /// `type="custom" xpath="…"`.
    pub fn custom(path: impl Into<String>) -> Target {
        Target::of(TargetKind::Custom(path.into()))
    }

    /// `type="envelope"`.
    pub fn envelope() -> Target {
        Target::of(TargetKind::Envelope)
    }

    /// `type="body"`.
    pub fn body() -> Target {
        Target::of(TargetKind::Body)
    }

    /// `type="property" property="…"`.
    pub fn property(name: impl Into<String>) -> Target {
        Target::of(TargetKind::Property(name.into()))
    }

    /// `type="key" xpath="json-eval(<path to the object>.<key>)"`.
    pub fn key(path: impl Into<String>) -> Target {
        Target::of(TargetKind::Key(path.into()))
    }

    /// Sets `action`.
    #[must_use]
    pub fn action(mut self, action: Action) -> Target {
        self.action = action;
        self
    }

    /// Synapse's type code, `None` when the type was not written.
    fn type_code(&self) -> Option<u8> {
        if self.implicit_type {
            return None;
        }
        Some(match self.kind {
            TargetKind::Custom(_) => 0,
            TargetKind::Envelope => 1,
            TargetKind::Body => 2,
            TargetKind::Property(_) => 3,
            TargetKind::Key(_) => 5,
        })
    }
}

/// The configuration of an enrich mediator (data); [`build`](Self::build) makes the runtime
/// [`EnrichMediator`].
///
/// ```
/// use mediate_mediators::enrich::{Action, EnrichConfig, Source, Target};
///
/// let config = EnrichConfig::new(Source::custom("//order/item"), Target::body().action(Action::Child));
/// assert!(config.build().is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct EnrichConfig {
    /// `<source>`.
    pub source: Source,
    /// `<target>`.
    pub target: Target,
    /// Namespace prefixes of the paths.
    pub namespaces: Namespaces,
}

impl EnrichConfig {
    /// An enrich mediator from `source` to `target`.
    pub fn new(source: Source, target: Target) -> EnrichConfig {
        EnrichConfig {
            source,
            target,
            namespaces: Namespaces::new(),
        }
    }

    /// Sets the namespace prefixes of the paths.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> EnrichConfig {
        self.namespaces = namespaces;
        self
    }

    /// Reads `<enrich>` as `EnrichMediatorFactory` does: `<source>` and `<target>` are
    /// required; `type` defaults to `custom`, `clone` to `true` (Java's
    /// `Boolean.parseBoolean`), `action` to `replace`; an inline source is the child element
    /// (or the text, or `key`) of `<source>`. The common `description`, `trace` and
    /// `statistics` attributes and a `<description>` child are accepted; unknown attributes and
    /// children are refused, with the closest name suggested.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, &[])?;
        check_mediator_children(spec, &["source", "target"])?;
        let source_spec = spec
            .child_named("source")
            .ok_or_else(|| spec.invalid_structure("source element is mandatory"))?;
        let target_spec = spec
            .child_named("target")
            .ok_or_else(|| spec.invalid_structure("target element is mandatory"))?;
        let mut namespaces = spec.namespaces.clone();
        for child in [source_spec, target_spec] {
            for (p, u) in child.namespaces.iter() {
                namespaces.insert(p, u);
            }
        }
        let config = EnrichConfig {
            source: read_source(source_spec).map_err(|e| locate_child(e, source_spec))?,
            target: read_target(target_spec).map_err(|e| locate_child(e, target_spec))?,
            namespaces,
        };
        // What `build` checks and compiles, checked here too so that an error is located at
        // `<source>` or `<target>` (at the attribute at fault).
        validate_combination(&config.source, &config.target)
            .map_err(|(attribute, e)| locate_at(e, target_spec, attribute))?;
        build_source(&config.source, config.target.action, &config.namespaces)
            .map_err(|e| locate_child(e, source_spec))?;
        build_target(&config.target, &config.namespaces)
            .map_err(|e| locate_child(e, target_spec))?;
        Ok(config)
    }

    /// Checks the configuration as `EnrichMediatorFactory` does and compiles the paths.
    pub fn build(self) -> Result<EnrichMediator, BuildError> {
        validate_combination(&self.source, &self.target).map_err(|(_, e)| e)?;
        let (source, remove_paths) =
            build_source(&self.source, self.target.action, &self.namespaces)?;
        let target = build_target(&self.target, &self.namespaces)?;
        let native_json = native_json_enabled(&source, &target);
        Ok(EnrichMediator {
            source,
            clone: self.source.clone,
            target,
            action: self.target.action,
            native_json,
            remove_paths,
        })
    }
}

/// The source, compiled, and the paths a `remove` action deletes.
fn build_source(
    source: &Source,
    action: Action,
    ns: &Namespaces,
) -> Result<(BuiltSource, Vec<JsonPath>), BuildError> {
    let remove_paths = if action == Action::Remove {
        match &source.kind {
            SourceKind::Custom(text) => match json_eval_arg(text) {
                Some(arg) => split_top_level(arg)
                    .into_iter()
                    .map(|p| compile_json("xpath", text, p))
                    .collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let built = match &source.kind {
        SourceKind::Custom(text) if action == Action::Remove => {
            if json_eval_arg(text).is_some() {
                BuiltSource::RemoveOnly
            } else {
                BuiltSource::Custom(compile_path("xpath", text, ns)?)
            }
        }
        SourceKind::Custom(text) => BuiltSource::Custom(compile_path("xpath", text, ns)?),
        SourceKind::Envelope => BuiltSource::Envelope,
        SourceKind::Body => BuiltSource::Body,
        SourceKind::Property(p) => BuiltSource::Property(p.clone()),
        SourceKind::InlineKey(k) => BuiltSource::InlineKey(k.clone()),
        SourceKind::Inline(content) => inline_source(content)?,
    };
    Ok((built, remove_paths))
}

/// The target, compiled.
fn build_target(target: &Target, ns: &Namespaces) -> Result<BuiltTarget, BuildError> {
    Ok(match &target.kind {
        TargetKind::Custom(text) => {
            let path = compile_path("xpath", text, ns)?;
            if let BuiltPath::Json { root: true, .. } = path
                && target.action == Action::Replace
            {
                return Err(BuildError::invalid(
                    KIND,
                    "xpath",
                    text,
                    "Acting replace is not supported for root path in type custom. Please \
                     use type body action replace instead",
                ));
            }
            match property_target(text) {
                Some(PropertyRef::Ctx(name)) => BuiltTarget::CtxProperty(name),
                Some(PropertyRef::GetProperty(scope, name)) => {
                    BuiltTarget::GetProperty(scope, name)
                }
                Some(PropertyRef::Malformed) => {
                    return Err(BuildError::invalid(
                        KIND,
                        "xpath",
                        text,
                        "get-property() needs a quoted property name",
                    ));
                }
                None => BuiltTarget::Custom(path),
            }
        }
        TargetKind::Envelope => BuiltTarget::Envelope,
        TargetKind::Body => BuiltTarget::Body,
        TargetKind::Property(p) => BuiltTarget::Property(p.clone()),
        TargetKind::Key(text) => {
            let arg = json_eval_arg(text).ok_or_else(|| {
                BuildError::invalid(
                    KIND,
                    "xpath",
                    text,
                    "the target type 'key' needs a json-eval(<path>.<key>) path",
                )
            })?;
            let normalized = normalize_json_path(arg);
            let Some(dot) = normalized.rfind('.').filter(|&d| d > 0) else {
                return Err(BuildError::invalid(
                    KIND,
                    "xpath",
                    text,
                    "the path must end with the key to rename: <json path>.<key name>",
                ));
            };
            let (parent, key) = (&normalized[..dot], &normalized[dot + 1..]);
            if key.is_empty() {
                return Err(BuildError::invalid(
                    KIND,
                    "xpath",
                    text,
                    "the key name is empty",
                ));
            }
            BuiltTarget::Key {
                parent: compile_json_normalized("xpath", text, parent, json_shift(text, arg))?,
                key: key.to_owned(),
            }
        }
    })
}

/// An inline source (`Source.setInlineOMNode` as the factory sets it): the first child
/// element, else the text (JSON when Gson reads it).
fn inline_source(content: &str) -> Result<BuiltSource, BuildError> {
    let t = content.trim();
    if t.is_empty() {
        return Err(BuildError::structure(
            KIND,
            "XML element is required for INLINE type",
        ));
    }
    if t.starts_with('<') {
        let wrapped = format!("<w>{t}</w>");
        let doc = Document::parse(&wrapped).map_err(|e| {
            BuildError::invalid(
                KIND,
                "source",
                t,
                format!("inline XML is not well-formed: {e}"),
            )
        })?;
        let root = doc.root_element();
        if let Some(first) = root.first_element_child() {
            return Ok(BuiltSource::InlineXml {
                xml: xml_edit::element_xml(first),
                envelope: is_soap_envelope(first),
            });
        }
        // Only text (a CDATA section): read it as text.
        let text: String = root.children().filter_map(|c| c.text()).collect();
        return Ok(BuiltSource::InlineText {
            json: gson_lenient_parse(text.trim()).filter(|v| !v.is_null()),
            text,
        });
    }
    Ok(BuiltSource::InlineText {
        text: content.to_owned(),
        json: gson_lenient_parse(t).filter(|v| !v.is_null()),
    })
}

fn read_source(spec: &MediatorSpec) -> Result<Source, BuildError> {
    check_attributes(spec, &["clone", "type", "xpath", "property", "key"])?;
    let clone = spec
        .get("clone")
        .is_none_or(|c| c.eq_ignore_ascii_case("true"));
    let kind = match spec.get("type").unwrap_or("custom") {
        "custom" => SourceKind::Custom(
            spec.get("xpath")
                .ok_or_else(|| {
                    BuildError::structure(KIND, "xpath attribute is required for CUSTOM type")
                })?
                .to_owned(),
        ),
        "envelope" => SourceKind::Envelope,
        "body" => SourceKind::Body,
        "property" => SourceKind::Property(
            spec.get("property")
                .ok_or_else(|| BuildError::missing(KIND, "property"))?
                .to_owned(),
        ),
        "inline" => match (&spec.text, spec.get("key")) {
            (Some(text), _) if !text.trim().is_empty() => SourceKind::Inline(text.clone()),
            (_, Some(key)) => SourceKind::InlineKey(key.to_owned()),
            _ => {
                return Err(BuildError::structure(
                    KIND,
                    "XML element is required for INLINE type",
                ));
            }
        },
        other => {
            return Err(BuildError::invalid(
                KIND,
                "type",
                other,
                "Unexpected source type",
            ));
        }
    };
    if !matches!(kind, SourceKind::Inline(_))
        && let Some(text) = spec.text.as_deref().filter(|t| !t.trim().is_empty())
    {
        return Err(BuildError::invalid(
            KIND,
            "source",
            text,
            "inline content is only read for type=\"inline\"",
        ));
    }
    // An inline source's child elements are its content (carried as `text`).
    if !matches!(kind, SourceKind::Inline(_))
        && let Some(child) = spec.children.first()
    {
        let error = spec.invalid_structure(format!(
            "unknown child element `<{}>` (only a `type=\"inline\"` source takes content)",
            child.kind
        ));
        return Err(locate_at(error, child, ""));
    }
    Ok(Source { kind, clone })
}

fn read_target(spec: &MediatorSpec) -> Result<Target, BuildError> {
    check_attributes(spec, &["action", "type", "xpath", "property"])?;
    if let Some(child) = spec.children.first() {
        return Err(unknown_child_at(spec, child, &[]));
    }
    if let Some(text) = spec.text.as_deref().filter(|t| !t.trim().is_empty()) {
        return Err(BuildError::invalid(
            KIND,
            "target",
            text,
            "<target> takes no content",
        ));
    }
    let action = match spec.get("action") {
        None => Action::Replace,
        Some(a) => a
            .parse()
            .map_err(|r: String| BuildError::invalid(KIND, "action", a, r))?,
    };
    let ty = spec.get("type");
    let xpath = |what: &str| -> Result<String, BuildError> {
        spec.get("xpath")
            .map(str::to_owned)
            .ok_or_else(|| BuildError::structure(KIND, what))
    };
    let kind = match ty.unwrap_or("custom") {
        "custom" => TargetKind::Custom(xpath("xpath attribute is required for CUSTOM type")?),
        "envelope" => TargetKind::Envelope,
        "body" => TargetKind::Body,
        "property" => TargetKind::Property(
            spec.get("property")
                .ok_or_else(|| BuildError::missing(KIND, "property"))?
                .to_owned(),
        ),
        "key" => TargetKind::Key(xpath("Xpath must be defined for the target type 'key'.")?),
        "inline" => {
            return Err(BuildError::invalid(
                KIND,
                "type",
                "inline",
                "Inline not support for target attribute",
            ));
        }
        other => {
            return Err(BuildError::invalid(
                KIND,
                "type",
                other,
                "Unexpected target type",
            ));
        }
    };
    Ok(Target {
        kind,
        action,
        implicit_type: ty.is_none(),
    })
}

/// `EnrichMediatorFactory.validateTypeCombination` and `populateTarget`'s checks; an error
/// comes with the `<target>` attribute it is located at (`type` or `action`).
fn validate_combination(
    source: &Source,
    target: &Target,
) -> Result<(), (&'static str, BuildError)> {
    let s = source.type_code();
    let t = target.type_code();
    let wrong = |attribute: &'static str, what: &str| {
        (attribute, BuildError::structure(KIND, what.to_owned()))
    };
    let bad_types = match s {
        1 => matches!(t, Some(0..=2)),
        2 => matches!(t, Some(1 | 2)),
        0 => t == Some(1),
        _ => false,
    };
    if bad_types {
        return Err(wrong("type", "Wrong combination of source and target type"));
    }
    if target.action == Action::Remove {
        if s != 0 {
            return Err(wrong(
                "action",
                "Wrong combination of source type and target action",
            ));
        }
        if matches!(t, Some(0 | 1)) {
            return Err(wrong(
                "action",
                "Wrong combination of target type and target action",
            ));
        }
    }
    if matches!(target.kind, TargetKind::Key(_)) {
        if matches!(s, 1 | 2) {
            return Err(wrong(
                "type",
                "Wrong combination of source type and target type",
            ));
        }
        if target.action != Action::Replace {
            return Err(wrong(
                "action",
                "Only the replace action is supported for the target type 'key'.",
            ));
        }
    }
    if matches!(target.kind, TargetKind::Envelope) && target.action != Action::Replace {
        return Err(wrong("action", "Invalid target action"));
    }
    Ok(())
}

/// `isNativeJsonSupportEnabled`, as `EnrichMediatorFactory` computes it.
fn native_json_enabled(source: &BuiltSource, target: &BuiltTarget) -> bool {
    let inline_xml = matches!(source, BuiltSource::InlineXml { .. })
        || matches!(source, BuiltSource::InlineText { json: None, .. });
    let envelope =
        matches!(source, BuiltSource::Envelope) || matches!(target, BuiltTarget::Envelope);
    let source_custom = match source {
        BuiltSource::Custom(p) => Some(matches!(p, BuiltPath::Json { .. })),
        BuiltSource::RemoveOnly => Some(true),
        _ => None,
    };
    let target_custom = match target {
        BuiltTarget::Custom(p) => Some(matches!(p, BuiltPath::Json { .. })),
        BuiltTarget::CtxProperty(_) | BuiltTarget::GetProperty(..) => Some(false),
        _ => None,
    };
    let ok = match (source_custom, target_custom) {
        (None, None) => true,
        (Some(s), None) => s,
        (None, Some(t)) => t,
        (Some(s), Some(t)) => s && t,
    };
    !inline_xml && !envelope && ok
}

#[derive(Debug)]
enum BuiltPath {
    /// An XPath (or `${…}`) expression.
    XPath(Expression),
    /// A `json-eval` path; `root` when it is `$` (or `$.`).
    Json { path: JsonPath, root: bool },
}

#[derive(Debug)]
enum BuiltSource {
    Custom(BuiltPath),
    /// The source of a JSON `remove`: its paths are in `remove_paths`.
    RemoveOnly,
    Envelope,
    Body,
    Property(String),
    InlineXml {
        xml: String,
        envelope: bool,
    },
    InlineText {
        text: String,
        json: Option<Value>,
    },
    InlineKey(String),
}

#[derive(Debug)]
enum BuiltTarget {
    Custom(BuiltPath),
    /// `xpath="$ctx:NAME"`: the XML held by the property, edited in place.
    CtxProperty(String),
    /// `xpath="get-property(['scope',] 'NAME')"` (Synapse's `Target.handleProperty`).
    GetProperty(Scope, String),
    Envelope,
    Body,
    Property(String),
    Key {
        parent: JsonPath,
        key: String,
    },
}

/// The runtime enrich mediator; build it from an [`EnrichConfig`].
#[derive(Debug)]
pub struct EnrichMediator {
    source: BuiltSource,
    clone: bool,
    target: BuiltTarget,
    action: Action,
    native_json: bool,
    remove_paths: Vec<JsonPath>,
}

#[async_trait]
impl Mediator for EnrichMediator {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        self.enrich(msg, env)?;
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        KIND
    }
}

impl EnrichMediator {
    /// Whether this configuration takes MI's JSON path for JSON messages
    /// (`isNativeJsonSupportEnabled`).
    pub fn supports_native_json(&self) -> bool {
        self.native_json
    }

    /// Enriches `msg` (what [`Mediator::mediate`] does).
    pub fn enrich(&self, msg: &mut MessageContext, env: &Env) -> Result<(), MediationError> {
        let (property_json, property_xml) = match &self.source {
            BuiltSource::Property(name) => classify_property(msg.property(name)),
            _ => (None, false),
        };
        let json_payload = msg.payload_kind() == PayloadKind::Json
            && !msg.payload().iter().all(u8::is_ascii_whitespace);
        if self.native_json && json_payload && !property_xml {
            if self.action == Action::Remove {
                return self.remove_json(msg);
            }
            let source = self.json_source(msg, env, property_json)?;
            return self.insert_json(msg, source);
        }
        if self.action == Action::Remove {
            tracing::warn!(
                "enrich: action remove is supported for JSON payloads only; message unchanged"
            );
            return Ok(());
        }
        if matches!(self.target, BuiltTarget::Key { .. }) {
            tracing::warn!(
                "enrich: target type key is supported for JSON payloads only; message unchanged"
            );
            return Ok(());
        }
        self.enrich_xml(msg, env)
    }

    // ----- JSON path --------------------------------------------------------------------

    /// `Source.evaluateJson`.
    fn json_source(
        &self,
        msg: &mut MessageContext,
        env: &Env,
        property_json: Option<Value>,
    ) -> Result<Value, MediationError> {
        let failed = || MediationError::mediator("Failed to get the source for Enriching : ");
        match &self.source {
            BuiltSource::Custom(BuiltPath::Json { path, root }) => {
                let doc = msg.json()?;
                let value = match path
                    .try_evaluate(doc)
                    .map_err(|e| failed().with_detail(e.to_string()))?
                {
                    JsonEvalResult::Definite(Some(v)) => v,
                    JsonEvalResult::Definite(None) => {
                        return Err(
                            failed().with_detail(format!("No results for path: {}", path.as_str()))
                        );
                    }
                    JsonEvalResult::Indefinite(vs) => Value::Array(vs),
                };
                if !self.clone && !root {
                    let mut doc = doc.clone();
                    delete_matches(path, &mut doc);
                    msg.set_json(doc);
                }
                Ok(value)
            }
            BuiltSource::Body => Ok(msg.json()?.clone()),
            BuiltSource::InlineText { json: Some(v), .. } => Ok(v.clone()),
            BuiltSource::InlineKey(key) => env
                .local_entry(key)
                .and_then(|text| gson_lenient_parse(text.trim()))
                .filter(|v| !v.is_null())
                .ok_or_else(|| {
                    tracing::error!(key = %key, "Source failed to get inline JSON");
                    failed().with_detail(format!("no local entry `{key}` holding JSON"))
                }),
            BuiltSource::Property(_) => property_json.ok_or_else(|| {
                tracing::error!("Source json object cannot be null");
                failed().with_detail("the source property holds no JSON value")
            }),
            _ => Err(failed()),
        }
    }

    /// `Target.insertJson` and `renameKey`.
    fn insert_json(&self, msg: &mut MessageContext, source: Value) -> Result<(), MediationError> {
        match &self.target {
            BuiltTarget::Key { parent, key } => {
                let new_key = match &source {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => {
                        return Err(MediationError::mediator(
                            "Failed to get the new key name from source for Enriching. Key \
                             name must be a string.",
                        ));
                    }
                };
                let mut doc = msg.json()?.clone();
                rename_key(parent, &mut doc, key, &new_key).map_err(|detail| {
                    MediationError::mediator("Failed to rename the key.").with_detail(detail)
                })?;
                msg.set_json(doc);
            }
            BuiltTarget::Custom(BuiltPath::Json { path, root }) => match self.action {
                Action::Replace => {
                    let mut doc = msg.json()?.clone();
                    let locations = locate(path, &doc);
                    if locations.is_empty() {
                        tracing::debug!(
                            path = path.as_str(),
                            "enrich: the target path matched nothing"
                        );
                        return Ok(());
                    }
                    for loc in &locations {
                        if let Some(slot) = get_mut(&mut doc, loc) {
                            *slot = source.clone();
                        }
                    }
                    msg.set_json(doc);
                }
                Action::Child => {
                    let mut doc = msg.json()?.clone();
                    let locations = if *root {
                        vec![Vec::new()]
                    } else {
                        locate(path, &doc)
                    };
                    if locations.is_empty() {
                        return Err(MediationError::mediator(format!(
                            "No results for path: {}",
                            path.as_str()
                        )));
                    }
                    for loc in &locations {
                        if let Some(slot) = get_mut(&mut doc, loc) {
                            add_child(slot, &source);
                        }
                    }
                    msg.set_json(doc);
                }
                Action::Sibling => {
                    tracing::error!(
                        "Action sibling is not supported. Please use child action instead"
                    );
                }
                Action::Remove => {}
            },
            BuiltTarget::Body => {
                if self.action == Action::Replace {
                    if source.is_object() || source.is_array() {
                        msg.set_json(source);
                    } else {
                        tracing::error!(
                            "Unsupported JSON payload : {source}.Only JSON arrays and objects can \
                             be enriched to the body"
                        );
                    }
                } else {
                    tracing::error!(
                        "Unsupported action : {}. Only replace is supported for target body.",
                        self.action
                    );
                }
            }
            BuiltTarget::Property(name) => match self.action {
                Action::Replace => msg.set_property(name.clone(), PropertyValue::Json(source)),
                Action::Child => {
                    let Some(current) = msg.property(name) else {
                        tracing::error!("Cannot find the property with name \"{name}\" to enrich");
                        return Ok(());
                    };
                    let parsed = match current {
                        PropertyValue::Json(v) => Some(v.clone()),
                        other => gson_lenient_parse(&other.as_string()),
                    };
                    match parsed {
                        Some(Value::Array(mut items)) => {
                            items.push(source);
                            msg.set_property(
                                name.clone(),
                                PropertyValue::Json(Value::Array(items)),
                            );
                        }
                        Some(other) => tracing::error!(
                            "Cannot add child, since the target {other} is not an JSON array"
                        ),
                        None => tracing::error!(
                            "Value inside the given property : {name} is not a valid JSON"
                        ),
                    }
                }
                _ => tracing::error!(
                    "Action sibling is not supported when enriching properties with JSON data"
                ),
            },
            _ => tracing::error!("Case mismatch for the enrich target"),
        }
        Ok(())
    }

    /// `Target.removeJsonFromBody` / `removeJsonFromProperty`.
    fn remove_json(&self, msg: &mut MessageContext) -> Result<(), MediationError> {
        if self.remove_paths.is_empty() {
            return Err(MediationError::mediator(
                "source Xpath is mandatory for the Remove action",
            ));
        }
        let remove_all = |doc: &mut Value| -> bool {
            for path in &self.remove_paths {
                if path.as_str().trim() == "$" {
                    return true;
                }
                delete_matches(path, doc);
            }
            false
        };
        match &self.target {
            BuiltTarget::Body => {
                let mut doc = msg.json()?.clone();
                if remove_all(&mut doc) {
                    let ct = msg.content_type().to_owned();
                    msg.set_payload(bytes::Bytes::new(), ct);
                } else {
                    msg.set_json(doc);
                }
            }
            BuiltTarget::Property(name) => {
                let parsed = match msg.property(name) {
                    Some(PropertyValue::Json(v)) => Some(v.clone()),
                    Some(other) => gson_lenient_parse(&other.as_string()),
                    None => None,
                };
                let Some(mut doc) = parsed else {
                    return Err(MediationError::mediator(
                        "Error occurred while executing the action : remove",
                    )
                    .with_detail(format!("property {name} does not hold JSON")));
                };
                if remove_all(&mut doc) {
                    msg.remove_property(name);
                } else {
                    msg.set_property(name.clone(), PropertyValue::Json(doc));
                }
            }
            _ => {
                return Err(MediationError::mediator(
                    "Target type is invalid for the remove action",
                ));
            }
        }
        Ok(())
    }

    // ----- XML path ---------------------------------------------------------------------

    fn enrich_xml(&self, msg: &mut MessageContext, env: &Env) -> Result<(), MediationError> {
        let outcome = {
            let envelope = msg.envelope()?;
            let env_doc = envelope.document();
            let (items, moved) = self.xml_source(msg, env, env_doc)?;
            self.xml_target(msg, env, env_doc, items, moved)?
        };
        match outcome {
            Outcome::Unchanged => Ok(()),
            Outcome::Envelope(text) => write_back(msg, text),
            Outcome::Json(value) => {
                msg.set_json(value);
                Ok(())
            }
            Outcome::Property(scope, name, value) => {
                msg.set_scoped_property(scope, name, value)?;
                Ok(())
            }
        }
    }

    /// `Source.evaluate`: the nodes, and (with `clone="false"`) the ranges in the envelope
    /// they are moved from.
    fn xml_source<'m>(
        &self,
        msg: &'m MessageContext,
        env: &Env,
        env_doc: &'m Document<'m>,
    ) -> Result<(Vec<Item>, Vec<std::ops::Range<usize>>), MediationError> {
        let mut items = Vec::new();
        let mut moved = Vec::new();
        let scope = env.xpath_scope();
        match &self.source {
            BuiltSource::Custom(BuiltPath::XPath(expr)) => match expr.evaluate_in(msg, &scope)? {
                Evaluated::XPath(value) => match value.as_nodes() {
                    Some(nodes) => {
                        for x in nodes {
                            // Attribute and namespace nodes are not copied.
                            let &XNode::Node(n) = x else {
                                continue;
                            };
                            if n.is_element() {
                                items.push(Item::element(n));
                                if !self.clone && std::ptr::eq(n.document(), env_doc) {
                                    moved.push(n.range());
                                }
                            } else if n.is_text() {
                                items.push(Item::Text(n.text().unwrap_or_default().to_owned()));
                            }
                        }
                        if items.is_empty() {
                            tracing::error!("Specified node by xpath cannot be found.");
                        }
                    }
                    None => items.push(Item::Text(expr.evaluate_string_in(msg, &scope)?)),
                },
                Evaluated::Json(r) => items.push(Item::Text(r.to_display_string())),
                Evaluated::Synapse(v) => items.push(Item::Text(v.to_string())),
            },
            BuiltSource::Custom(BuiltPath::Json { path, .. }) => {
                let doc = msg.json()?;
                items.push(Item::Text(path.evaluate(doc).to_display_string()));
            }
            BuiltSource::RemoveOnly => {}
            BuiltSource::Envelope => {
                let root = env_doc.root_element();
                items.push(Item::Element {
                    xml: xml_edit::element_xml(root),
                    envelope: true,
                });
            }
            BuiltSource::Body => {
                if let Some(first) = msg.envelope()?.first_body_child() {
                    items.push(Item::element(first));
                    if !self.clone {
                        moved.push(first.range());
                    }
                }
            }
            BuiltSource::Property(name) => match msg.property(name) {
                Some(v) => items = property_items(v),
                None => tracing::error!("Invalid source property type."),
            },
            BuiltSource::InlineXml { xml, envelope } => items.push(Item::Element {
                xml: xml.clone(),
                envelope: *envelope,
            }),
            BuiltSource::InlineText { text, .. } => items.push(Item::Text(text.clone())),
            BuiltSource::InlineKey(key) => match env.local_entry(key) {
                Some(text) => match Document::parse(text.trim()) {
                    Ok(doc) => items.push(Item::element(doc.root_element())),
                    Err(_) => items.push(Item::Text(text.to_string())),
                },
                None => tracing::error!(key = %key, "Specified Resource as Source is not valid."),
            },
        }
        Ok((items, moved))
    }

    /// `Target.insert`.
    fn xml_target(
        &self,
        msg: &MessageContext,
        env: &Env,
        env_doc: &Document<'_>,
        items: Vec<Item>,
        moved: Vec<std::ops::Range<usize>>,
    ) -> Result<Outcome, MediationError> {
        let invalid_target = || MediationError::mediator("Invalid Target object to be enrich.");
        let edits = match &self.target {
            BuiltTarget::Custom(BuiltPath::XPath(expr)) => {
                if items.is_empty() {
                    tracing::error!("Cannot Enrich message from an empty source.");
                    return Ok(Outcome::Unchanged);
                }
                let Evaluated::XPath(value) = expr.evaluate_in(msg, &env.xpath_scope())? else {
                    return Err(invalid_target());
                };
                let Some(x) = value.as_nodes().and_then(|n| n.first()) else {
                    return Err(invalid_target());
                };
                let n = x.node();
                if !std::ptr::eq(n.document(), env_doc) {
                    return Err(invalid_target());
                }
                if let XNode::Attribute(_, attr) = x {
                    // An attribute: its value becomes the first source's text.
                    let Some(Item::Text(text)) = items.first() else {
                        return Err(MediationError::mediator(
                            "Invalid source object: an attribute can only take text",
                        ));
                    };
                    vec![Edit {
                        range: attr.range_value(),
                        text: xml_edit::escape_attr(text),
                    }]
                } else if n.is_element() {
                    insert_element(n, &items, self.action)
                } else if n.is_text() {
                    let Some(parent) = n.parent_element() else {
                        return Err(invalid_target());
                    };
                    match items.first() {
                        Some(Item::Text(t)) => {
                            vec![Edit::set_content(parent, &xml_edit::escape_text(t))]
                        }
                        Some(Item::Element { xml, .. }) => {
                            vec![Edit::remove(n), Edit::append_child(parent, xml)]
                        }
                        None => Vec::new(),
                    }
                } else {
                    return Err(invalid_target());
                }
            }
            BuiltTarget::Custom(BuiltPath::Json { .. }) => return Err(invalid_target()),
            BuiltTarget::Body => {
                let envelope = msg.envelope()?;
                match envelope.first_body_child() {
                    Some(first) => {
                        if self.action == Action::Replace
                            && let Some(Item::Text(t)) = items.first()
                            && let Ok(v) = serde_json::from_str::<Value>(t.trim())
                            && (v.is_object() || v.is_array())
                        {
                            return Ok(Outcome::Json(v));
                        }
                        insert_element(first, &items, self.action)
                    }
                    None => {
                        let mut content = String::new();
                        for item in &items {
                            match item {
                                Item::Element { xml, .. } => content.push_str(xml),
                                Item::Text(_) => tracing::error!(
                                    "Invalid Object type to be inserted into message body"
                                ),
                            }
                        }
                        if content.is_empty() {
                            Vec::new()
                        } else {
                            vec![Edit::append_child(envelope.body(), &content)]
                        }
                    }
                }
            }
            BuiltTarget::Envelope => match items.first() {
                Some(Item::Element {
                    xml,
                    envelope: true,
                }) => return Ok(Outcome::Envelope(xml.clone())),
                _ => {
                    tracing::error!("SOAPEnvelope is expected");
                    return Err(MediationError::mediator("A SOAPEnvelope is expected"));
                }
            },
            BuiltTarget::Property(name) => {
                return Ok(self.property_outcome(msg, Scope::Default, name, &items, false));
            }
            BuiltTarget::GetProperty(scope, name) => {
                if !matches!(scope, Scope::Default | Scope::Axis2 | Scope::Operation) {
                    return Ok(Outcome::Unchanged);
                }
                return Ok(self.property_outcome(msg, *scope, name, &items, true));
            }
            BuiltTarget::CtxProperty(name) => {
                if items.is_empty() {
                    tracing::error!("Cannot Enrich message from an empty source.");
                    return Ok(Outcome::Unchanged);
                }
                let Some(PropertyValue::Om(xml)) = msg.property(name) else {
                    return Err(invalid_target());
                };
                if self.action != Action::Child {
                    return Err(MediationError::mediator(format!(
                        "Invalid Target object to be enrich: the {} action needs a parent, and \
                         the XML of property {name} is a root element",
                        self.action
                    )));
                }
                return Ok(match append_to_xml(&xml.text(), &items) {
                    Some(new) => Outcome::Property(
                        Scope::Default,
                        name.clone(),
                        PropertyValue::Om(XmlValue::new(new)),
                    ),
                    None => Outcome::Unchanged,
                });
            }
            BuiltTarget::Key { .. } => return Ok(Outcome::Unchanged),
        };
        if edits.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        let mut all = edits;
        let inserts_elements = items.iter().any(|i| matches!(i, Item::Element { .. }));
        if inserts_elements {
            for range in moved {
                let clash = all.iter().any(|e| {
                    xml_edit::overlaps(&e.range, &range)
                        || (e.range.start <= range.start && range.end <= e.range.end)
                        || (range.start <= e.range.start && e.range.end <= range.end)
                });
                if !clash {
                    all.push(Edit {
                        range,
                        text: String::new(),
                    });
                }
            }
        }
        let text = env_doc.input_text();
        let new = xml_edit::apply(text, all)
            .ok_or_else(|| MediationError::mediator("enrich: conflicting edits of the message"))?;
        Ok(Outcome::Envelope(new))
    }

    /// The property target (`Target.insert`'s PROPERTY case, `handleProperty`): `child` on a
    /// property holding XML appends to its root; anything else stores the source.
    fn property_outcome(
        &self,
        msg: &MessageContext,
        scope: Scope,
        name: &str,
        items: &[Item],
        om_only: bool,
    ) -> Outcome {
        if self.action == Action::Child {
            match msg.scoped_property(scope, name) {
                Some(PropertyValue::Om(xml)) => {
                    if let Some(new) = append_to_xml(&xml.text(), items) {
                        return Outcome::Property(
                            scope,
                            name.to_owned(),
                            PropertyValue::Om(XmlValue::new(new)),
                        );
                    }
                }
                Some(PropertyValue::String(s)) if !om_only => {
                    if let Some(new) = append_to_xml(&s, items)
                        && let Ok(doc) = Document::parse(&new)
                    {
                        // Synapse stores `documentElement.getText()` back.
                        let text: String = doc
                            .root_element()
                            .children()
                            .filter_map(|c| c.text())
                            .collect();
                        return Outcome::Property(
                            scope,
                            name.to_owned(),
                            PropertyValue::String(text),
                        );
                    }
                }
                _ => {}
            }
        }
        Outcome::Property(scope, name.to_owned(), items_to_property(items))
    }
}

/// What the XML path does to the message, decided while the envelope is borrowed.
enum Outcome {
    Unchanged,
    /// The new envelope text.
    Envelope(String),
    /// The payload becomes this JSON (a JSON text put on the body).
    Json(Value),
    Property(Scope, String, PropertyValue),
}

/// A node of Synapse's source list.
#[derive(Debug, Clone)]
enum Item {
    /// An element, serialized with the namespaces it needs; `envelope` when it is a SOAP
    /// Envelope.
    Element { xml: String, envelope: bool },
    /// A text node (or string).
    Text(String),
}

impl Item {
    fn element(n: Node<'_, '_>) -> Item {
        Item::Element {
            xml: xml_edit::element_xml(n),
            envelope: is_soap_envelope(n),
        }
    }
}

fn is_soap_envelope(n: Node<'_, '_>) -> bool {
    n.tag_name().name() == "Envelope"
        && matches!(n.tag_name().namespace(), Some(SOAP11_NS | SOAP12_NS))
}

/// `Target.insertElement`.
fn insert_element(e: Node<'_, '_>, items: &[Item], action: Action) -> Vec<Edit> {
    let elements: Vec<&str> = items
        .iter()
        .filter_map(|i| match i {
            Item::Element { xml, .. } => Some(xml.as_str()),
            Item::Text(_) => None,
        })
        .collect();
    match action {
        Action::Replace => {
            if !elements.is_empty() {
                vec![Edit::replace(e, elements.concat())]
            } else if let Some(Item::Text(t)) =
                items.iter().rev().find(|i| matches!(i, Item::Text(_)))
            {
                vec![Edit::set_content(e, &xml_edit::escape_text(t))]
            } else {
                Vec::new()
            }
        }
        Action::Child if !elements.is_empty() => vec![Edit::append_child(e, &elements.concat())],
        Action::Sibling if !elements.is_empty() => {
            let reversed: Vec<&str> = elements.into_iter().rev().collect();
            vec![Edit::insert_after(e, reversed.concat())]
        }
        _ => Vec::new(),
    }
}

/// Appends the source elements to the root element of `xml`; `None` if it is not XML.
fn append_to_xml(xml: &str, items: &[Item]) -> Option<String> {
    let doc = Document::parse(xml.trim()).ok()?;
    let content: String = items
        .iter()
        .filter_map(|i| match i {
            Item::Element { xml, .. } => Some(xml.as_str()),
            Item::Text(_) => None,
        })
        .collect();
    let root = doc.root_element();
    let edit = Edit::append_child(root, &content);
    let out = xml_edit::apply(doc.input_text(), vec![edit])?;
    let start = root.range().start;
    Some(out[start..].trim_end().to_owned())
}

/// How a source list is stored in a property: one element as `OM`, text as `STRING`, several
/// nodes as an `OM` fragment (their XML one after the other).
fn items_to_property(items: &[Item]) -> PropertyValue {
    match items {
        [] => PropertyValue::String(String::new()),
        [Item::Element { xml, .. }] => PropertyValue::Om(XmlValue::new(xml.clone())),
        _ if items.iter().all(|i| matches!(i, Item::Text(_))) => PropertyValue::String(
            items
                .iter()
                .map(|i| match i {
                    Item::Text(t) => t.as_str(),
                    Item::Element { .. } => "",
                })
                .collect(),
        ),
        _ => {
            let mut out = String::new();
            for i in items {
                match i {
                    Item::Element { xml, .. } => out.push_str(xml),
                    Item::Text(t) => out.push_str(&xml_edit::escape_text(t)),
                }
            }
            PropertyValue::Om(XmlValue::new(out))
        }
    }
}

/// A property as a source list (`Source.evaluate`'s PROPERTY case).
fn property_items(value: &PropertyValue) -> Vec<Item> {
    match value {
        PropertyValue::Om(xml) => {
            let text = xml.text();
            if let Ok(doc) = Document::parse(text.trim()) {
                return vec![Item::element(doc.root_element())];
            }
            // A fragment stored from several nodes.
            let wrapped = format!("<w>{text}</w>");
            match Document::parse(&wrapped) {
                Ok(doc) => doc
                    .root_element()
                    .children()
                    .filter_map(|c| {
                        if c.is_element() {
                            Some(Item::element(c))
                        } else {
                            c.text()
                                .filter(|t| !t.trim().is_empty())
                                .map(|t| Item::Text(t.to_owned()))
                        }
                    })
                    .collect(),
                Err(_) => vec![Item::Text(text.into_owned())],
            }
        }
        PropertyValue::String(s) => vec![Item::Text(s.clone())],
        PropertyValue::Json(v) => vec![Item::Text(v.to_string())],
        _ => {
            tracing::error!("Invalid source property type.");
            Vec::new()
        }
    }
}

/// Whether the source property holds JSON (and its value) or XML, as `EnrichMediator.mediate`
/// classifies it: a JSON value is JSON; an `OM` is XML; a string is JSON when Gson reads it
/// (as it is, or quoted as a JSON string), XML otherwise.
fn classify_property(value: Option<&PropertyValue>) -> (Option<Value>, bool) {
    match value {
        Some(PropertyValue::Json(v)) => (Some(v.clone()), false),
        Some(PropertyValue::Om(_)) => (None, true),
        Some(PropertyValue::String(s)) => {
            let parsed = gson_lenient_parse(s)
                .or_else(|| serde_json::from_str::<Value>(&format!("\"{s}\"")).ok());
            match parsed {
                Some(v) if !v.is_null() => (Some(v), false),
                _ => (None, true),
            }
        }
        _ => (None, false),
    }
}

/// Puts an edited envelope back as the payload: a SOAP message keeps the envelope; a POX (or
/// text, binary, empty) message becomes the first element of the Body; a JSON message the
/// JSON of that element (MI's formatters write only the Body's first element).
fn write_back(msg: &mut MessageContext, envelope_text: String) -> Result<(), MediationError> {
    let origin = msg.envelope()?.origin();
    let doc = Document::parse(&envelope_text).map_err(|e| {
        MediationError::mediator(format!("enrich produced XML that is not well-formed: {e}"))
    })?;
    if origin == EnvelopeOrigin::Soap {
        let ct = msg.content_type().to_owned();
        drop(doc);
        msg.set_payload(envelope_text, ct);
        return Ok(());
    }
    let root = doc.root_element();
    let body = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Body")
        .unwrap_or(root);
    let mut elements = body.children().filter(Node::is_element);
    let first = elements.next();
    if elements.next().is_some() {
        tracing::warn!(
            "enrich: the Body holds several elements; the message keeps the first, as MI's \
             formatters send only the first element of the Body"
        );
    }
    match (origin, first) {
        (EnvelopeOrigin::Json, Some(first)) => {
            let value = json_xml::xml_to_json(first)
                .map_err(|e| MediationError::mediator(e.to_string()).with_source(e))?;
            msg.set_json(value);
        }
        (EnvelopeOrigin::Json, None) => {
            let ct = msg.content_type().to_owned();
            msg.set_payload(bytes::Bytes::new(), ct);
        }
        (_, Some(first)) => {
            let xml = xml_edit::element_xml(first);
            let ct = if msg.payload_kind() == PayloadKind::Xml {
                msg.content_type().to_owned()
            } else {
                mediate_core::message::XML_CONTENT_TYPE.to_owned()
            };
            msg.set_payload(xml, ct);
        }
        (_, None) => {
            let ct = msg.content_type().to_owned();
            msg.set_payload(bytes::Bytes::new(), ct);
        }
    }
    Ok(())
}

// ----- JSON helpers -----------------------------------------------------------------------

/// One step of a location in a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

/// The locations of the values `path` selects in `doc`, in the order the path gives them.
fn locate(path: &JsonPath, doc: &Value) -> Vec<Vec<Step>> {
    let nodes = path.query_nodes(doc);
    if nodes.is_empty() {
        return Vec::new();
    }
    let mut wanted: HashMap<*const Value, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        wanted.entry(std::ptr::from_ref(*n)).or_insert(i);
    }
    let mut found: Vec<(usize, Vec<Step>)> = Vec::new();
    let mut stack = Vec::new();
    walk(doc, &mut stack, &wanted, &mut found);
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, loc)| loc).collect()
}

fn walk(
    v: &Value,
    stack: &mut Vec<Step>,
    wanted: &HashMap<*const Value, usize>,
    found: &mut Vec<(usize, Vec<Step>)>,
) {
    if let Some(&i) = wanted.get(&std::ptr::from_ref(v)) {
        found.push((i, stack.clone()));
    }
    match v {
        Value::Object(map) => {
            for (k, c) in map {
                stack.push(Step::Key(k.clone()));
                walk(c, stack, wanted, found);
                stack.pop();
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                stack.push(Step::Index(i));
                walk(c, stack, wanted, found);
                stack.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(doc: &'a mut Value, loc: &[Step]) -> Option<&'a mut Value> {
    let mut cur = doc;
    for step in loc {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Deletes every value `path` selects (Jayway's `delete`); array items from the last, so
/// indexes stay right.
fn delete_matches(path: &JsonPath, doc: &mut Value) {
    let mut locations = locate(path, doc);
    locations.sort();
    for loc in locations.iter().rev() {
        let Some((last, parent)) = loc.split_last() else {
            continue;
        };
        match (last, get_mut(doc, parent)) {
            (Step::Key(k), Some(Value::Object(map))) => {
                map.shift_remove(k);
            }
            (Step::Index(i), Some(Value::Array(items))) if *i < items.len() => {
                items.remove(*i);
            }
            _ => {}
        }
    }
}

/// `child` on a JSON value: an array gets the source appended; an object gets a source
/// object's members (`EIPUtils.mergeJsonObjects`, a member of the same name replaced).
fn add_child(receiving: &mut Value, source: &Value) {
    match (receiving, source) {
        (Value::Array(items), s) => items.push(s.clone()),
        (Value::Object(map), Value::Object(add)) => {
            for (k, v) in add {
                map.insert(k.clone(), v.clone());
            }
        }
        (other, _) => tracing::error!(
            "Cannot append since the target element is not a JSON array or JSONObject: {other}"
        ),
    }
}

/// Jayway's `renameKey(parentPath, old, new)`: in every object the parent path selects (or
/// every object item of a selected array), the key keeps its place under its new name.
fn rename_key(parent: &JsonPath, doc: &mut Value, old: &str, new: &str) -> Result<(), String> {
    let locations = if parent.as_str().trim() == "$" {
        vec![Vec::new()]
    } else {
        locate(parent, doc)
    };
    if locations.is_empty() {
        return Err(format!("No results for path: {}", parent.as_str()));
    }
    for loc in &locations {
        let Some(target) = get_mut(doc, loc) else {
            continue;
        };
        match target {
            Value::Object(map) => rename_in(map, old, new)?,
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(map) = item {
                        rename_in(map, old, new)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn rename_in(map: &mut serde_json::Map<String, Value>, old: &str, new: &str) -> Result<(), String> {
    if !map.contains_key(old) {
        return Err(format!("No results for Key {old} found in map!"));
    }
    let taken = std::mem::take(map);
    for (k, v) in taken {
        if k == old {
            map.insert(new.to_owned(), v);
        } else {
            map.insert(k, v);
        }
    }
    Ok(())
}

// ----- configuration helpers --------------------------------------------------------------

/// The argument of `json-eval(…)`, if the text is one.
fn json_eval_arg(text: &str) -> Option<&str> {
    text.trim()
        .strip_prefix("json-eval(")
        .and_then(|r| r.strip_suffix(')'))
}

/// `$.` is `$`; a path without `$` (or `@`) gets `$.` in front, as Jayway's `PathCompiler`.
fn normalize_json_path(arg: &str) -> String {
    let t = arg.trim();
    if t == "$." {
        "$".to_owned()
    } else if t.starts_with('$') || t.starts_with('@') {
        t.to_owned()
    } else {
        format!("$.{t}")
    }
}

/// Compiles `arg`, a part of the attribute value `text`, as a JSONPath; an error's column is
/// given in `text`.
fn compile_json(attribute: &str, text: &str, arg: &str) -> Result<JsonPath, BuildError> {
    compile_json_normalized(
        attribute,
        text,
        &normalize_json_path(arg),
        json_shift(text, arg),
    )
}

/// Compiles `path` (normalized from a part of the attribute value `text`, `shift` characters
/// off: see [`json_shift`]) as a JSONPath; an error's column is given in `text`.
fn compile_json_normalized(
    attribute: &str,
    text: &str,
    path: &str,
    shift: isize,
) -> Result<JsonPath, BuildError> {
    JsonPath::compile(path).map_err(|e| {
        let column = isize::try_from(e.column)
            .unwrap_or(isize::MAX)
            .saturating_add(shift)
            .max(1);
        BuildError::invalid(
            KIND,
            attribute,
            text,
            format!("invalid JSONPath at column {column}: {}", e.message),
        )
    })
}

/// How many characters the column of a character of `normalize_json_path(arg)` is off its
/// column in `text` (`arg` being a part of `text`): where `arg`'s path starts in `text`, less
/// the `$.` put in front of a path written without it.
fn json_shift(text: &str, arg: &str) -> isize {
    let t = arg.trim();
    let start = isize::try_from(char_offset(text, t)).unwrap_or(0);
    if t == "$." || t.starts_with('$') || t.starts_with('@') {
        start
    } else {
        start - 2
    }
}

/// The offset in characters of `part`, a slice of `text`, in `text` (0 when it is not one).
fn char_offset(text: &str, part: &str) -> usize {
    let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    text.get(..start).map_or(0, |s| s.chars().count())
}

fn compile_path(attribute: &str, text: &str, ns: &Namespaces) -> Result<BuiltPath, BuildError> {
    if let Some(arg) = json_eval_arg(text) {
        let root = normalize_json_path(arg) == "$";
        return Ok(BuiltPath::Json {
            path: compile_json(attribute, text, arg)?,
            root,
        });
    }
    let expr = compile_expression(KIND, attribute, text, ns)?;
    if expr.kind() == ExpressionKind::JsonEval {
        return Err(BuildError::invalid(
            KIND,
            attribute,
            text,
            "malformed json-eval(…) path",
        ));
    }
    Ok(BuiltPath::XPath(expr))
}

/// Splits `a,b` at commas outside brackets, parentheses and quotes (MI's comma-separated
/// `remove` paths).
fn split_top_level(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '[' | '(' => depth += 1,
                ']' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(text[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    out.push(text[start..].trim());
    out.retain(|p| !p.is_empty());
    out
}

enum PropertyRef {
    Ctx(String),
    GetProperty(Scope, String),
    Malformed,
}

/// A custom target that names a property: `$ctx:NAME`, or an expression starting with
/// `get-property(` (whose quoted arguments are `[scope,] name`, as `Target.handleProperty`
/// reads them).
fn property_target(text: &str) -> Option<PropertyRef> {
    let t = text.trim();
    if let Some(name) = t.strip_prefix("$ctx:")
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Some(PropertyRef::Ctx(name.to_owned()));
    }
    if !t.starts_with("get-property(") {
        return None;
    }
    let quoted: Vec<&str> = t.split('\'').skip(1).step_by(2).collect();
    Some(match quoted.as_slice() {
        [name] => PropertyRef::GetProperty(Scope::Default, (*name).to_owned()),
        [scope, name, ..] => match scope.parse::<Scope>() {
            Ok(s) => PropertyRef::GetProperty(s, (*name).to_owned()),
            Err(_) => PropertyRef::Malformed,
        },
        [] => PropertyRef::Malformed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_remove_paths_at_top_level_commas() {
        assert_eq!(
            split_top_level("$.a[*].b,$.c['x,y'],$.d[0,1]"),
            ["$.a[*].b", "$.c['x,y']", "$.d[0,1]"]
        );
    }

    #[test]
    fn property_targets() {
        assert!(matches!(property_target("$ctx:Cars"), Some(PropertyRef::Ctx(n)) if n == "Cars"));
        assert!(matches!(
            property_target("get-property('axis2','p')"),
            Some(PropertyRef::GetProperty(Scope::Axis2, n)) if n == "p"
        ));
        assert!(property_target("//a").is_none());
    }

    #[test]
    fn locate_and_delete() {
        let mut doc: Value = serde_json::json!({"a":[{"b":1},{"b":2}],"c":3});
        let path = JsonPath::compile("$.a[*].b").unwrap();
        assert_eq!(locate(&path, &doc).len(), 2);
        delete_matches(&JsonPath::compile("$.a[*]").unwrap(), &mut doc);
        assert_eq!(doc, serde_json::json!({"a":[],"c":3}));
    }
}
