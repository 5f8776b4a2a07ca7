//! The variable mediator of MI 4.4 (`<variable>`), with the semantics of Synapse's
//! `v2.VariableMediator` and `ScatterGatherUtils`.
//!
//! ```xml
//! <variable name="string" [action="set|remove"] [type="STRING|BOOLEAN|INTEGER|DOUBLE|LONG|XML|JSON"]
//!           (value="literal" | expression="expression")/>
//! ```
//!
//! - A literal `value` is converted once at build (`ScatterGatherUtils.convertValue`):
//!   `BOOLEAN` is `JavaUtils.isTrueExplicitly`, numbers Java's `parse*`, `XML` must be
//!   well-formed, `JSON` is Gson's lenient parse, retried as a quoted string, else `null`
//!   (the variable is unset).
//! - An `expression` with type `XML` is its string value parsed as XML; with `STRING` its string
//!   value; otherwise its typed value (`objectValueOf`) checked against the type
//!   (`convertExpressionResult`): a JSON primitive gives `BOOLEAN` from a boolean, `DOUBLE`/
//!   `INTEGER`/`LONG` from a number, and for any other type its string; a non-primitive must
//!   already be of the type (`JSON` an object/array, `XML` an element). A mismatch is the error
//!   `Expression '${…}' result does not match the expected data type 'T'`.
//! - Without a type, the expression's value is stored as it is.

use mediate_core::expr::Evaluated;
use mediate_core::expr::synapse::ExprValue;
use mediate_core::expr::xpath::XPathScope;
use mediate_core::message::{XmlDocument, XmlValue};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, VariableValue, async_trait,
};

use crate::property::{
    Action, ValueSpec, gson_lenient_parse, java_is_true_explicitly, java_parse_double,
    java_parse_int, string_value_of_in,
};
use crate::value::{
    DESCRIPTION, attribute_enum, check_mediator_attributes, compile_expression,
    compiled_reads_body, locate_at,
};

const KIND: &str = "variable";

/// The attributes `<variable>` takes.
const ATTRIBUTES: &[&str] = &["name", "value", "expression", "type", "action"];

/// The `type` of a variable (`XMLConfigConstants.VARIABLE_DATA_TYPES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableType {
    /// `STRING`.
    String,
    /// `BOOLEAN`.
    Boolean,
    /// `INTEGER`.
    Integer,
    /// `DOUBLE`.
    Double,
    /// `LONG`.
    Long,
    /// `XML`.
    Xml,
    /// `JSON`.
    Json,
}

attribute_enum!(VariableType {
    "STRING" => String,
    "BOOLEAN" => Boolean,
    "INTEGER" => Integer,
    "DOUBLE" => Double,
    "LONG" => Long,
    "XML" => Xml,
    "JSON" => Json,
} else |other| format!("unknown type `{other}`"));

/// The configuration of a variable mediator, as written.
#[derive(Debug, Clone, Default)]
pub struct VariableConfig {
    /// `name` (required).
    pub name: String,
    /// `action` (default `set`).
    pub action: Action,
    /// `value` or `expression` (required for `set`; an inline child is refused).
    pub value: Option<ValueSpec>,
    /// `type` as written; `None` keeps strings as strings and expression results as they are.
    pub value_type: Option<String>,
    /// Namespace prefixes for the expression.
    pub namespaces: Namespaces,
}

impl VariableConfig {
    /// `<variable name="…" value="…" type="…"/>`.
    pub fn set_value(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(ValueSpec::Value(value.into())),
            ..Self::default()
        }
    }

    /// `<variable name="…" expression="…" type="…"/>`.
    pub fn set_expression(name: impl Into<String>, expression: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(ValueSpec::Expression(expression.into())),
            ..Self::default()
        }
    }

    /// `<variable name="…" action="remove"/>`.
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

    /// Reads `<variable name="…" [action="set|remove"] [type="…"] (value="…" | expression="…")/>`
    /// (MI 4.4, `VariableMediatorFactory`), with the common `description`, `trace` and
    /// `statistics` attributes and a `<description>` child. Unknown attributes and any other
    /// child element are refused;
    /// `value` and `expression` together are refused; `type` is checked by [`build`](Self::build).
    pub fn from_spec(spec: &MediatorSpec, _registry: &Registry) -> Result<Self, BuildError> {
        check_mediator_attributes(spec, ATTRIBUTES)?;
        if let Some(child) = spec.children.iter().find(|c| c.kind != DESCRIPTION) {
            let error = spec.invalid_structure(format!(
                "unknown child element `<{}>` (`<variable>` takes only a `<description>` child: \
                 its value is given by `value` or `expression`, not by content)",
                child.kind
            ));
            return Err(locate_at(error, child, ""));
        }
        let name = spec.require("name")?.to_owned();
        let action = match spec.get("action") {
            None => Action::Set,
            Some(a) => a
                .parse()
                .map_err(|r: String| spec.invalid("action", a, r))?,
        };
        let value = match (spec.get("value"), spec.get("expression")) {
            (Some(_), Some(_)) => {
                return Err(
                    spec.invalid_structure("only one of `value` and `expression` may be given")
                );
            }
            (Some(v), None) => Some(ValueSpec::Value(v.to_owned())),
            (None, Some(e)) => Some(ValueSpec::Expression(e.to_owned())),
            (None, None) => None,
        };
        Ok(Self {
            name,
            action,
            value,
            value_type: spec.get("type").map(str::to_owned),
            namespaces: spec.namespaces.clone(),
        })
    }

    /// Checks and compiles the configuration.
    pub fn build(self) -> Result<VariableMediator, BuildError> {
        if self.name.is_empty() {
            return Err(BuildError::missing(KIND, "name"));
        }
        let ty = match &self.value_type {
            None => None,
            Some(t) => Some(
                t.parse::<VariableType>()
                    .map_err(|reason| BuildError::invalid(KIND, "type", t, reason))?,
            ),
        };
        let source = match (self.action, self.value) {
            (Action::Remove, _) => Source::None,
            (Action::Set, None) => return Err(BuildError::missing(KIND, "value")),
            (Action::Set, Some(ValueSpec::Inline(x))) => {
                return Err(BuildError::invalid(
                    KIND,
                    "value",
                    &x,
                    "the variable mediator takes `value` or `expression`, not inline XML",
                ));
            }
            (Action::Set, Some(ValueSpec::Value(v))) => Source::Const(
                convert_literal(&v, ty).map_err(|r| BuildError::invalid(KIND, "value", &v, r))?,
            ),
            (Action::Set, Some(ValueSpec::Expression(e))) => {
                let expr = compile_expression(KIND, "expression", &e, &self.namespaces)?;
                Source::Expr {
                    content_aware: compiled_reads_body(&expr),
                    expr,
                }
            }
        };
        Ok(VariableMediator {
            name: self.name,
            ty,
            source,
        })
    }
}

#[derive(Debug)]
enum Source {
    None,
    Const(Option<VariableValue>),
    Expr {
        expr: Expression,
        content_aware: bool,
    },
}

/// The variable mediator, built from a [`VariableConfig`].
#[derive(Debug)]
pub struct VariableMediator {
    name: String,
    ty: Option<VariableType>,
    source: Source,
}

impl VariableMediator {
    /// The variable's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value the mediator would set on `msg` (`None`: Java `null`, the variable is unset),
    /// with no local entries for `get-property` to fall back to (see
    /// [`resolve_in`](Self::resolve_in)).
    pub fn resolve(&self, msg: &MessageContext) -> Result<Option<VariableValue>, MediationError> {
        self.resolve_in(msg, &XPathScope::default())
    }

    /// The value the mediator sets on `msg` beside an environment whose
    /// [`xpath_scope`](Env::xpath_scope) is `scope`: `get-property('KEY')` reads its local
    /// entry `KEY` when the message has no property `KEY`.
    pub fn resolve_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<Option<VariableValue>, MediationError> {
        match &self.source {
            Source::None => Ok(None),
            Source::Const(v) => Ok(v.clone()),
            Source::Expr { expr, .. } => match self.ty {
                Some(VariableType::Xml) => {
                    let s = string_value_of_in(expr, msg, scope)?;
                    parse_xml(&s).map(Some).map_err(|r| {
                        MediationError::mediator(format!(
                            "variable `{}`: the value is not XML",
                            self.name
                        ))
                        .with_detail(r)
                    })
                }
                Some(VariableType::String) => Ok(Some(VariableValue::String(string_value_of_in(
                    expr, msg, scope,
                )?))),
                ty => {
                    convert_expression_result(object_value_of(expr, msg, scope)?, ty, expr.source())
                }
            },
        }
    }
}

#[async_trait]
impl Mediator for VariableMediator {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        match self.resolve_in(msg, &env.xpath_scope())? {
            Some(v) => {
                tracing::trace!(name = %self.name, value = %v, "setting variable");
                msg.set_variable(self.name.clone(), v);
            }
            None => {
                msg.remove_variable(&self.name);
            }
        }
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        KIND
    }

    /// `VariableMediator.isContentAware`: the expression's.
    fn reads_body(&self) -> bool {
        matches!(
            self.source,
            Source::Expr {
                content_aware: true,
                ..
            }
        )
    }
}

/// What `objectValueOf` gives, with whether a scalar is a JSON primitive (`${…}`, `json-eval`)
/// or a plain Java object (XPath: `Double`, `Boolean`, `String`, nodes).
struct Object {
    value: ExprValue,
    json: bool,
}

fn object_value_of(
    expr: &Expression,
    msg: &MessageContext,
    scope: &XPathScope<'_>,
) -> Result<Object, MediationError> {
    Ok(match expr.evaluate_in(msg, scope)? {
        Evaluated::Synapse(v) => Object {
            value: v,
            json: true,
        },
        Evaluated::XPath(v) => Object {
            value: mediate_core::expr::xpath_to_expr(&v, expr.source()),
            json: false,
        },
        Evaluated::Json(_) => {
            // json-eval's result as JSON text, read back as a JSON value.
            let s = string_value_of_in(expr, msg, scope)?;
            let value = serde_json::from_str::<serde_json::Value>(&s)
                .map_or(ExprValue::String(s), ExprValue::from);
            Object { value, json: true }
        }
    })
}

/// `ScatterGatherUtils.convertExpressionResult` and `convertJsonPrimitive`.
fn convert_expression_result(
    obj: Object,
    ty: Option<VariableType>,
    source: &str,
) -> Result<Option<VariableValue>, MediationError> {
    let Some(ty) = ty else {
        return Ok(natural(obj.value));
    };
    let mismatch = || {
        let body = source
            .trim()
            .strip_prefix("${")
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(source);
        MediationError::mediator(format!(
            "Expression '${{{body}}}' result does not match the expected data type '{}'",
            ty.as_str()
        ))
    };
    let v = obj.value;
    let primitive = obj.json
        && matches!(
            v,
            ExprValue::Bool(_) | ExprValue::Int(_) | ExprValue::Double(_) | ExprValue::String(_)
        );
    if primitive {
        return Ok(Some(match (ty, v) {
            (VariableType::Boolean, ExprValue::Bool(b)) => VariableValue::Boolean(b),
            (VariableType::Double, ExprValue::Int(i)) => VariableValue::Double(i as f64),
            (VariableType::Double, ExprValue::Double(d)) => VariableValue::Double(d),
            (VariableType::Integer, ExprValue::Int(i)) => {
                VariableValue::Integer(i32::try_from(i).map_err(|_| mismatch())?)
            }
            (VariableType::Integer, ExprValue::Double(d)) if d.fract() == 0.0 => {
                VariableValue::Integer(float_to_int(d).ok_or_else(mismatch)?)
            }
            (VariableType::Long, ExprValue::Int(i)) => VariableValue::Long(i),
            (VariableType::Long, ExprValue::Double(d)) if d.fract() == 0.0 => {
                VariableValue::Long(float_to_int(d).ok_or_else(mismatch)?)
            }
            (
                VariableType::Boolean
                | VariableType::Double
                | VariableType::Integer
                | VariableType::Long,
                _,
            ) => return Err(mismatch()),
            // `getAsString` for every other type.
            (_, v) => VariableValue::String(v.to_string()),
        }));
    }
    let ok = match (ty, &v) {
        (VariableType::Boolean, ExprValue::Bool(_)) => true,
        (VariableType::Double, ExprValue::Double(_)) => true,
        (VariableType::Integer, ExprValue::Int(i)) => i32::try_from(*i).is_ok(),
        (VariableType::Long, ExprValue::Int(_)) => true,
        (VariableType::Xml, ExprValue::Xml(_)) => true,
        (VariableType::Json, ExprValue::Array(_) | ExprValue::Object(_)) => true,
        (VariableType::String, _) => true,
        _ => false,
    };
    if !ok {
        return Err(mismatch());
    }
    Ok(match (ty, v) {
        (VariableType::Long, ExprValue::Int(i)) => Some(VariableValue::Long(i)),
        (_, v) => natural(v),
    })
}

fn float_to_int<T: TryFrom<i64>>(d: f64) -> Option<T> {
    if d.is_finite() && d.abs() < 9.2e18 {
        T::try_from(d as i64).ok()
    } else {
        None
    }
}

/// A value stored as it came: integers as `INTEGER` when they fit a Java `int`, else `LONG`;
/// `null` unsets.
fn natural(v: ExprValue) -> Option<VariableValue> {
    Some(match v {
        ExprValue::Null => return None,
        ExprValue::Bool(b) => VariableValue::Boolean(b),
        ExprValue::Int(i) => match i32::try_from(i) {
            Ok(i) => VariableValue::Integer(i),
            Err(_) => VariableValue::Long(i),
        },
        ExprValue::Double(d) => VariableValue::Double(d),
        ExprValue::String(s) => VariableValue::String(s),
        ExprValue::Xml(x) => VariableValue::Xml(XmlValue::new(x.into_bytes())),
        v @ (ExprValue::Array(_) | ExprValue::Object(_)) => VariableValue::Json(v.into_json()),
    })
}

/// `ScatterGatherUtils.convertValue` for a literal.
fn convert_literal(value: &str, ty: Option<VariableType>) -> Result<Option<VariableValue>, String> {
    let Some(ty) = ty else {
        return Ok(Some(VariableValue::String(value.to_owned())));
    };
    Ok(Some(match ty {
        VariableType::String => VariableValue::String(value.to_owned()),
        VariableType::Boolean => VariableValue::Boolean(java_is_true_explicitly(value)),
        VariableType::Double => VariableValue::Double(java_parse_double(value)?),
        VariableType::Integer => VariableValue::Integer(java_parse_int(value)?),
        VariableType::Long => VariableValue::Long(java_parse_int(value)?),
        VariableType::Xml => parse_xml(value)?,
        VariableType::Json => match gson_lenient_parse(value) {
            Some(v) => VariableValue::Json(v),
            // Retried enclosed in quotes (gson issue 1286): a JSON string.
            None if !value.contains('"') => {
                VariableValue::Json(serde_json::Value::String(value.to_owned()))
            }
            None => {
                tracing::error!(payload = value, "Malformed JSON payload");
                return Ok(None);
            }
        },
    }))
}

fn parse_xml(text: &str) -> Result<VariableValue, String> {
    XmlDocument::parse(text.to_owned().into_bytes()).map_err(|e| e.to_string())?;
    Ok(VariableValue::Xml(XmlValue::new(
        text.to_owned().into_bytes(),
    )))
}
