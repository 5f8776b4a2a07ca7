//! The property mediator (`<property>`), with the semantics of Synapse's `PropertyMediator`.
//!
//! ```xml
//! <property name="string" [action=set|remove] [type="STRING|INTEGER|BOOLEAN|DOUBLE|FLOAT|LONG|SHORT|OM|JSON"]
//!           (value="literal" | expression="expression") [scope=default|transport|axis2|axis2-client|operation]
//!           [pattern="regex" [group="integer"]]>
//!     <xml-element/>?
//! </property>
//! ```
//!
//! Behaviour (from `PropertyMediator.java`):
//!
//! - a literal `value` is converted to its `type` once, when the mediator is built (Synapse's
//!   `setValue`), so a bad literal is a [`BuildError`]; an `expression` is evaluated with
//!   `stringValueOf` and converted on each message, a failed conversion being a
//!   [`MediationError`] ("Unknown type : … cannot be converted into the specified type.");
//! - `BOOLEAN` is Axis2's `JavaUtils.isTrueExplicitly` (`true`/`yes` ignoring case, or `1`);
//!   numbers follow Java's `parseInt`/`parseLong`/`parseShort`/`parseDouble`/`parseFloat`;
//!   `JSON` is Gson's lenient parse, a malformed text giving `null` (the property is then
//!   unset, as a Java `null` reads the same as a missing property);
//! - `pattern` applies only to a string result (no type or `STRING`), with `Matcher.matches`:
//!   the whole value must match, else the result is `""`; `group` (default 0) picks the group,
//!   `""` when the pattern has fewer groups, unset (Java `null`) when the group did not take
//!   part in the match;
//! - an inline XML child is an `OM` value, whatever the `type`;
//! - axis2-scope `messageType`, `HTTP_SC` and `REST_URL_POSTFIX` also update the message's own
//!   facts, as does `ContentType` while the body is still unread (Axis2 chooses the builder by
//!   it; once the payload is built, it only sets the outgoing `Content-Type`); all other special
//!   properties are just stored.

use std::str::FromStr;

use mediate_core::expr::ExpressionKind;
use mediate_core::expr::xpath::XPathScope;
use mediate_core::message::{XmlDocument, XmlValue};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, PropertyValue, Registry, Scope, async_trait,
};

use crate::java_regex::JavaRegex;
/// Re-exported from [`crate::value`], where the one implementation lives.
pub use crate::value::expression_reads_body;
use crate::value::{
    DESCRIPTION, attribute_enum, check_mediator_attributes, compile_expression,
    compiled_reads_body, locate_at,
};

const KIND: &str = "property";

/// The attributes `<property>` takes.
const ATTRIBUTES: &[&str] = &[
    "name",
    "value",
    "expression",
    "action",
    "scope",
    "type",
    "pattern",
    "group",
];

/// Where a mediator's value comes from, as written in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSpec {
    /// `value="…"`.
    Value(String),
    /// `expression="…"` (XPath, `json-eval(…)` or `${…}`).
    Expression(String),
    /// An inline XML child (`<property name="p"><a>1</a></property>`), kept as its text.
    Inline(String),
}

/// `action="set|remove"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    /// `set` (the default).
    #[default]
    Set,
    /// `remove`.
    Remove,
}

attribute_enum!(Action {
    "set" => Set,
    "remove" => Remove,
} else |other| format!("unknown action `{other}` (set or remove)"));

/// The `type` attribute of the property mediator (`XMLConfigConstants.DATA_TYPES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    /// `STRING`.
    String,
    /// `INTEGER`.
    Integer,
    /// `BOOLEAN`.
    Boolean,
    /// `DOUBLE`.
    Double,
    /// `FLOAT`.
    Float,
    /// `LONG`.
    Long,
    /// `SHORT`.
    Short,
    /// `OM`.
    Om,
    /// `JSON`.
    Json,
}

attribute_enum!(PropertyType {
    "STRING" => String,
    "INTEGER" => Integer,
    "BOOLEAN" => Boolean,
    "DOUBLE" => Double,
    "FLOAT" => Float,
    "LONG" => Long,
    "SHORT" => Short,
    "OM" => Om,
    "JSON" => Json,
} else |other| format!("unknown type `{other}`"));

/// The scopes a property mediator can write to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PropertyScope {
    /// `default`: the Synapse message context.
    #[default]
    Default,
    /// `transport`: transport headers.
    Transport,
    /// `axis2`.
    Axis2,
    /// `axis2-client` (Axis2 client options). Kept in the axis2 property map: the message has
    /// no separate store for client options.
    Axis2Client,
    /// `operation`.
    Operation,
}

attribute_enum!(PropertyScope {
    "default" => Default,
    "transport" => Transport,
    "axis2" => Axis2,
    "axis2-client" => Axis2Client,
    "operation" => Operation,
} else |other| {
    if matches!(other, "registry" | "system" | "trace" | "analytics") {
        format!(
            "scope `{other}` is not supported yet (supported: default, transport, axis2, \
             axis2-client, operation)"
        )
    } else {
        format!(
            "unknown scope `{other}` (expected default, transport, axis2, axis2-client, \
             operation, registry, system, trace or analytics){}",
            crate::value::closest(
                other,
                &[
                    "default",
                    "transport",
                    "axis2",
                    "axis2-client",
                    "operation",
                    "registry",
                    "system",
                    "trace",
                    "analytics",
                ],
            )
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default()
        )
    }
});

impl PropertyScope {
    fn store(self) -> Scope {
        match self {
            Self::Default => Scope::Default,
            Self::Transport => Scope::Transport,
            Self::Axis2 | Self::Axis2Client => Scope::Axis2,
            Self::Operation => Scope::Operation,
        }
    }
}

/// The configuration of a property mediator: the attributes of `<property>` as written.
#[derive(Debug, Clone, Default)]
pub struct PropertyConfig {
    /// `name` (required).
    pub name: String,
    /// `action` (default `set`).
    pub action: Action,
    /// `value`, `expression` or an inline XML child; required for `set`.
    pub value: Option<ValueSpec>,
    /// `type` as written (`STRING`, `INTEGER`, …); `None` is a string.
    pub value_type: Option<String>,
    /// `scope` as written; `None` is `default`.
    pub scope: Option<String>,
    /// `pattern`: a Java regular expression the string result must match as a whole.
    pub pattern: Option<String>,
    /// `group` (default 0): the group of `pattern` to keep.
    pub group: usize,
    /// Namespace prefixes for the expression.
    pub namespaces: Namespaces,
}

impl PropertyConfig {
    /// Reads `<property>` as Synapse's `PropertyMediatorFactory` does: `name` (required),
    /// `value` | `expression` | one inline XML child element (`spec.text`), `action`
    /// (`set`/`remove`), `scope`, `type`, `pattern` and `group` (a non-negative integer, only
    /// with `pattern`). For `action="set"` one value source is required; more than one is
    /// refused (MI silently prefers `value`, then the child, then `expression`); a
    /// `<description>` child beside `value` or `expression` is the mediator's description. The
    /// common `description`, `trace` and `statistics` attributes are accepted. A dynamic name
    /// (`name="{…}"`) and the `registry`, `system`, `trace` and `analytics` scopes are refused
    /// as not supported yet.
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, ATTRIBUTES)?;
        let name = match spec.get("name") {
            Some(n) if !n.is_empty() => n,
            _ => {
                return Err(spec.invalid_structure(
                    "The 'name' attribute is required for the configuration of a property \
                     mediator",
                ));
            }
        };
        if name.starts_with('{') && name.ends_with('}') {
            return Err(spec.invalid(
                "name",
                name,
                "dynamic property names (`{expression}`) are not supported yet",
            ));
        }
        let action = match spec.get("action") {
            None => Action::Set,
            Some(a) => a
                .parse()
                .map_err(|reason| spec.invalid("action", a, reason))?,
        };
        // A `<description>` child is the mediator's description when `value` or `expression`
        // gives the value (MI reads the value attribute first); otherwise MI takes the first
        // child element, whatever its name, as the inline value, and so does this.
        let only_descriptions = !spec.children.is_empty()
            && spec.children.iter().all(|c| c.kind == DESCRIPTION)
            && (spec.get("value").is_some() || spec.get("expression").is_some());
        let inline = match spec.children.as_slice() {
            _ if only_descriptions => None,
            [] => {
                if let Some(text) = spec.text.as_deref().filter(|t| !t.trim().is_empty()) {
                    return Err(spec.invalid_structure(format!(
                        "text content `{}` is not a value: use `value=\"…\"` (only an XML \
                         element is taken as inline content)",
                        text.trim()
                    )));
                }
                None
            }
            [_] => Some(spec.text.clone().unwrap_or_default()),
            [_, second, ..] => {
                let error = spec.invalid_structure(format!(
                    "only one inline XML element is allowed as the value (found `<{}>` after \
                     the first)",
                    second.kind
                ));
                return Err(locate_at(error, second, ""));
            }
        };
        let inline_child = inline.as_ref().and_then(|_| spec.children.first());
        let sources = [
            spec.get("value").map(|v| ValueSpec::Value(v.to_owned())),
            inline.map(ValueSpec::Inline),
            spec.get("expression")
                .map(|e| ValueSpec::Expression(e.to_owned())),
        ];
        let mut given = sources.into_iter().flatten();
        let value = given.next();
        if given.next().is_some() {
            let error = spec.invalid_structure(
                "give only one of `value`, `expression` or an inline XML element",
            );
            // At the inline element when it is one of them, else at the `expression`.
            return Err(match inline_child {
                Some(child) => locate_at(error, child, ""),
                None => locate_at(error, spec, "expression"),
            });
        }
        if value.is_none() && action == Action::Set {
            return Err(spec.invalid_structure(
                "Either a child element or one of 'value', 'expression' attributes is required \
                 for a property mediator when action is SET",
            ));
        }
        let group = match (spec.get("group"), spec.get("pattern")) {
            (None, _) => 0,
            (Some(g), Some(_)) => g
                .trim()
                .parse::<usize>()
                .map_err(|_| spec.invalid("group", g, "group can have a positive value only"))?,
            (Some(g), None) => {
                return Err(spec.invalid(
                    "group",
                    g,
                    "group is only allowed when a pattern is specified",
                ));
            }
        };
        Ok(PropertyConfig {
            name: name.to_owned(),
            action,
            value,
            value_type: spec.get("type").map(str::to_owned),
            scope: spec.get("scope").map(str::to_owned),
            pattern: spec.get("pattern").map(str::to_owned),
            group,
            namespaces: spec.namespaces.clone(),
        })
    }

    /// `<property name="…" value="…"/>`.
    pub fn set_value(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(ValueSpec::Value(value.into())),
            ..Self::default()
        }
    }

    /// `<property name="…" expression="…"/>`.
    pub fn set_expression(name: impl Into<String>, expression: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(ValueSpec::Expression(expression.into())),
            ..Self::default()
        }
    }

    /// `<property name="…" action="remove"/>`.
    pub fn remove(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            action: Action::Remove,
            ..Self::default()
        }
    }

    /// Sets `type`.
    #[must_use]
    pub fn with_type(mut self, ty: impl Into<String>) -> Self {
        self.value_type = Some(ty.into());
        self
    }

    /// Sets `scope`.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sets `pattern` and `group`.
    #[must_use]
    pub fn with_pattern(mut self, pattern: impl Into<String>, group: usize) -> Self {
        self.pattern = Some(pattern.into());
        self.group = group;
        self
    }

    /// Checks and compiles the configuration.
    pub fn build(self) -> Result<PropertyMediator, BuildError> {
        if self.name.is_empty() {
            return Err(BuildError::missing(KIND, "name"));
        }
        let scope = match &self.scope {
            None => PropertyScope::Default,
            Some(s) => s
                .parse()
                .map_err(|reason| BuildError::invalid(KIND, "scope", s, reason))?,
        };
        let ty = match &self.value_type {
            None => None,
            Some(t) => Some(
                t.parse::<PropertyType>()
                    .map_err(|reason| BuildError::invalid(KIND, "type", t, reason))?,
            ),
        };
        let pattern = match &self.pattern {
            None => None,
            Some(p) => Some(JavaRegex::for_attribute(KIND, "pattern", p)?),
        };
        let source = match (self.action, self.value) {
            (Action::Remove, _) => Source::None,
            (Action::Set, None) => return Err(BuildError::missing(KIND, "value")),
            (Action::Set, Some(ValueSpec::Value(v))) => Source::Const(
                convert(&v, ty).map_err(|reason| BuildError::invalid(KIND, "value", &v, reason))?,
            ),
            (Action::Set, Some(ValueSpec::Inline(xml))) => {
                XmlDocument::parse(xml.clone().into_bytes())
                    .map_err(|e| BuildError::invalid(KIND, "value", &xml, e.to_string()))?;
                Source::Const(Some(PropertyValue::Om(XmlValue::new(xml.into_bytes()))))
            }
            (Action::Set, Some(ValueSpec::Expression(e))) => {
                let expr = compile_expression(KIND, "expression", &e, &self.namespaces)?;
                Source::Expr {
                    content_aware: compiled_reads_body(&expr),
                    expr,
                }
            }
        };
        Ok(PropertyMediator {
            name: self.name,
            action: self.action,
            scope,
            ty,
            source,
            pattern,
            group: self.group,
        })
    }
}

/// Compiles a Java regular expression for `Matcher.matches()` (see [`JavaRegex`]).
pub fn compile_whole_match(pattern: &str) -> Result<JavaRegex, String> {
    JavaRegex::new(pattern).map_err(|e| e.to_string())
}

/// Synapse's `getMatchedValue`: `""` when the value does not match as a whole or the pattern
/// has fewer than `group` groups; `None` (Java `null`) when the group did not participate. A
/// match that exceeds the backtracking limit is an error.
pub fn matched_value(
    regex: &JavaRegex,
    group: usize,
    value: &str,
) -> Result<Option<String>, MediationError> {
    let Some(caps) = regex.match_whole(value)? else {
        return Ok(Some(String::new()));
    };
    if regex.group_count() < group {
        return Ok(Some(String::new()));
    }
    Ok(caps.get(group).map(str::to_owned))
}

/// MI's `stringValueOf` of an expression: a failing `${…}` gives `""` (as
/// `SynapseExpression.stringValueOf`); a failing XPath or `json-eval` is an error (Synapse
/// throws a `SynapseException`). `scope` adds what the message lacks: the local entries that
/// `get-property('KEY')` falls back to ([`Env::xpath_scope`]).
pub(crate) fn string_value_of_in(
    expr: &Expression,
    msg: &MessageContext,
    scope: &XPathScope<'_>,
) -> Result<String, MediationError> {
    match expr.evaluate_string_in(msg, scope) {
        Ok(s) => Ok(s),
        Err(_) if expr.kind() == ExpressionKind::Synapse => Ok(String::new()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug)]
enum Source {
    None,
    Const(Option<PropertyValue>),
    Expr {
        expr: Expression,
        content_aware: bool,
    },
}

/// The property mediator, built from a [`PropertyConfig`].
#[derive(Debug)]
pub struct PropertyMediator {
    name: String,
    action: Action,
    scope: PropertyScope,
    ty: Option<PropertyType>,
    source: Source,
    pattern: Option<JavaRegex>,
    group: usize,
}

impl PropertyMediator {
    /// The property's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scope written to.
    pub fn scope(&self) -> PropertyScope {
        self.scope
    }

    /// The value the mediator would set on `msg` (`None`: Java `null`, the property is unset),
    /// with no local entries for `get-property` to fall back to (see
    /// [`resolve_in`](Self::resolve_in)).
    pub fn resolve(&self, msg: &MessageContext) -> Result<Option<PropertyValue>, MediationError> {
        self.resolve_in(msg, &XPathScope::default())
    }

    /// The value the mediator sets on `msg` beside an environment whose
    /// [`xpath_scope`](Env::xpath_scope) is `scope`: `get-property('KEY')` reads its local
    /// entry `KEY` when the message has no property `KEY`.
    pub fn resolve_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<Option<PropertyValue>, MediationError> {
        let value = match &self.source {
            Source::None => return Ok(None),
            Source::Const(v) => v.clone(),
            Source::Expr { expr, .. } => {
                let s = string_value_of_in(expr, msg, scope)?;
                convert(&s, self.ty).map_err(|reason| {
                    MediationError::mediator(format!(
                        "Unknown type : {} for the property mediator or the property value \
                         cannot be converted into the specified type.",
                        self.ty
                            .map_or("STRING".into(), |t| format!("{t:?}").to_uppercase())
                    ))
                    .with_detail(reason)
                })?
            }
        };
        Ok(match (value, &self.pattern) {
            (Some(PropertyValue::String(s)), Some(re)) => {
                matched_value(re, self.group, &s)?.map(PropertyValue::String)
            }
            (v, _) => v,
        })
    }

    fn set(
        &self,
        msg: &mut MessageContext,
        value: Option<PropertyValue>,
    ) -> Result<(), MediationError> {
        let store = self.scope.store();
        let value = match (self.scope, value) {
            // A null header value is sent as "" (PropertyMediator, transport scope).
            (PropertyScope::Transport, None) => Some(PropertyValue::String(String::new())),
            (_, v) => v,
        };
        let Some(value) = value else {
            msg.remove_scoped_property(store, &self.name);
            return Ok(());
        };
        if self.scope == PropertyScope::Axis2 {
            match self.name.as_str() {
                "messageType" => msg.set_message_type(value.as_string()),
                // Axis2 picks the message builder by `ContentType`: before the body is read
                // it is also the type the body is parsed as. Once built, the payload stays
                // as it is and the property only sets the outgoing `Content-Type` (the
                // formatter reads it from the axis2 scope).
                "ContentType" if msg.has_unread_body() => msg.set_content_type(value.as_string()),
                "REST_URL_POSTFIX" => msg.set_rest_url_postfix(value.as_string()),
                "HTTP_SC" => {
                    let text = value.as_string();
                    let code: u16 = text.trim().parse().map_err(|_| {
                        MediationError::mediator(format!("HTTP_SC `{text}` is not a status code"))
                    })?;
                    msg.set_status(
                        code.try_into().map_err(|e| {
                            MediationError::mediator(format!("HTTP_SC `{text}`: {e}"))
                        })?,
                    );
                }
                _ => {}
            }
        }
        msg.set_scoped_property(store, self.name.clone(), value)?;
        Ok(())
    }
}

#[async_trait]
impl Mediator for PropertyMediator {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        match self.action {
            Action::Set => {
                let value = self.resolve_in(msg, &env.xpath_scope())?;
                tracing::trace!(name = %self.name, scope = ?self.scope, value = ?value, "setting property");
                self.set(msg, value)?;
            }
            Action::Remove => {
                msg.remove_scoped_property(self.scope.store(), &self.name);
                if self.scope == PropertyScope::Axis2 && self.name == "REST_URL_POSTFIX" {
                    msg.set_rest_url_postfix("");
                }
            }
        }
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        KIND
    }

    /// `PropertyMediator.isContentAware`: the expression's, and always for axis2 `messageType`,
    /// `DISABLE_CHUNKING`, `FORCE_HTTP_1.0` and transport `Content-Encoding`.
    fn reads_body(&self) -> bool {
        let expr = matches!(
            self.source,
            Source::Expr {
                content_aware: true,
                ..
            }
        );
        let special = match self.scope {
            PropertyScope::Axis2 => matches!(
                self.name.as_str(),
                "messageType" | "DISABLE_CHUNKING" | "FORCE_HTTP_1.0"
            ),
            PropertyScope::Transport => self.name == "Content-Encoding",
            _ => false,
        };
        expr || special
    }
}

/// Synapse's `PropertyMediator.convertValue`.
fn convert(value: &str, ty: Option<PropertyType>) -> Result<Option<PropertyValue>, String> {
    let Some(ty) = ty else {
        return Ok(Some(PropertyValue::String(value.to_owned())));
    };
    Ok(Some(match ty {
        PropertyType::String => PropertyValue::String(value.to_owned()),
        PropertyType::Boolean => PropertyValue::Boolean(java_is_true_explicitly(value)),
        PropertyType::Double => PropertyValue::Double(java_parse_double(value)?),
        PropertyType::Float => PropertyValue::Float(java_parse_float(value)?),
        PropertyType::Integer => PropertyValue::Integer(java_parse_int(value)?),
        PropertyType::Long => PropertyValue::Long(java_parse_int(value)?),
        PropertyType::Short => PropertyValue::Short(java_parse_int(value)?),
        PropertyType::Om => {
            XmlDocument::parse(value.to_owned().into_bytes()).map_err(|e| e.to_string())?;
            PropertyValue::Om(XmlValue::new(value.to_owned().into_bytes()))
        }
        PropertyType::Json => match gson_lenient_parse(value) {
            Some(v) => PropertyValue::Json(v),
            None => {
                tracing::error!(payload = value, "Malformed JSON payload");
                return Ok(None);
            }
        },
    }))
}

/// Axis2's `JavaUtils.isTrueExplicitly(String)`: `true`, `yes` (any case) or `1`.
pub(crate) fn java_is_true_explicitly(value: &str) -> bool {
    value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("yes") || value == "1"
}

/// Java's `Integer.parseInt` / `Long.parseLong` / `Short.parseShort`: an optional sign and
/// ASCII digits, nothing else (no blanks), within range.
pub(crate) fn java_parse_int<T: FromStr>(value: &str) -> Result<T, String> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("For input string: \"{value}\""));
    }
    value
        .parse::<T>()
        .map_err(|_| format!("For input string: \"{value}\" (out of range)"))
}

/// Java's `Double.parseDouble` for decimal input: surrounding blanks (≤ U+0020) are ignored, a
/// trailing `d`/`D`/`f`/`F` is allowed, `NaN` and `[+-]Infinity` are exact words. Hexadecimal
/// floating literals are not supported.
pub(crate) fn java_parse_double(value: &str) -> Result<f64, String> {
    let t = value.trim_matches(|c: char| c <= ' ');
    let err = || format!("For input string: \"{value}\"");
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    match unsigned {
        // FloatingDecimal reads the sign first, so `+NaN` and `-NaN` are NaN too.
        "NaN" => return Ok(f64::NAN),
        "Infinity" => {
            return Ok(if t.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        _ => {}
    }
    let body = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !ok {
        return Err(err());
    }
    body.parse::<f64>().map_err(|_| err())
}

/// Java's `Float.parseFloat` (see [`java_parse_double`]).
pub(crate) fn java_parse_float(value: &str) -> Result<f32, String> {
    let t = value.trim_matches(|c: char| c <= ' ');
    let body = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    java_parse_double(value)?;
    match body.trim_start_matches(['+', '-']) {
        "NaN" => Ok(f32::NAN),
        "Infinity" if body.starts_with('-') => Ok(f32::NEG_INFINITY),
        "Infinity" => Ok(f32::INFINITY),
        _ => body
            .parse::<f32>()
            .map_err(|_| format!("For input string: \"{value}\"")),
    }
}

/// Gson's lenient `JsonParser.parse`: strict JSON, or a bare unquoted token (a string). `None`
/// for malformed structured text.
pub(crate) fn gson_lenient_parse(value: &str) -> Option<serde_json::Value> {
    if let Ok(v) = serde_json::from_str(value) {
        return Some(v);
    }
    let t = value.trim();
    let bare = !t.is_empty()
        && !t.contains(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '{' | '}' | '[' | ']' | ',' | ':' | '"' | '\'' | ';' | '=' | '#' | '/' | '\\'
                )
        });
    bare.then(|| serde_json::Value::String(t.to_owned()))
}
