//! Typed property and variable values, and MI's property scopes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::xml::XmlValue;

/// A property map of one scope. It hashes with foldhash (hashbrown's default hasher, randomly
/// seeded per process) rather than std's SipHash: a request sets and reads a dozen properties,
/// and SipHash over those short names was a measurable share of a pass-through request.
///
/// Its keys are [`PropertyName`]s: the names the engine sets on every message
/// (`REST_API_CONTEXT`, `HTTP_SC_DESC`, …) are `&'static str` and cost no allocation; names
/// that come from configuration or are built per message are owned. Look a key up with a
/// `&str` (`map.get("HTTP_SC")`).
pub type PropertyMap = HashMap<PropertyName, PropertyValue, foldhash::fast::RandomState>;

/// A property's name: borrowed for the fixed names known at compile time, owned otherwise.
/// `"NAME"`, a `String` and a `Cow<'static, str>` all convert into it.
pub type PropertyName = Cow<'static, str>;

/// A typed property value (the `type` attribute of MI's property mediator).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PropertyValue {
    /// `STRING` (the default type).
    String(String),
    /// `BOOLEAN`.
    Boolean(bool),
    /// `INTEGER` (Java `int`).
    Integer(i32),
    /// `LONG`.
    Long(i64),
    /// `DOUBLE`.
    Double(f64),
    /// `FLOAT`.
    Float(f32),
    /// `SHORT`.
    Short(i16),
    /// `OM`: an XML element, kept as text and parsed on use.
    Om(XmlValue),
    /// `JSON`.
    Json(serde_json::Value),
}

impl PropertyValue {
    /// MI's type name (`STRING`, `BOOLEAN`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::String(_) => "STRING",
            Self::Boolean(_) => "BOOLEAN",
            Self::Integer(_) => "INTEGER",
            Self::Long(_) => "LONG",
            Self::Double(_) => "DOUBLE",
            Self::Float(_) => "FLOAT",
            Self::Short(_) => "SHORT",
            Self::Om(_) => "OM",
            Self::Json(_) => "JSON",
        }
    }

    /// The value as MI prints it (`get-property()`, log mediator): Java's
    /// `toString` — `25.0` for a double 25, `1.0E10`, `true`, the XML text of
    /// an OM, the compact JSON text. A `JSON` property is Gson's `JsonElement`,
    /// whose `toString` is its JSON text even for a string: `"Tom"` with its
    /// quotes (MI enrich doc, JSON example 4: a property set from
    /// `json-eval($.data.students[0].name)` logs `Student name is :  = "Tom"`).
    pub fn as_string(&self) -> String {
        match self {
            Self::String(s) => s.clone(),
            Self::Boolean(b) => b.to_string(),
            Self::Integer(i) => i.to_string(),
            Self::Long(l) => l.to_string(),
            Self::Short(s) => s.to_string(),
            Self::Double(d) => java_double_to_string(*d),
            Self::Float(f) => java_float_to_string(*f),
            Self::Om(xml) => xml.text().into_owned(),
            Self::Json(v) => v.to_string(),
        }
    }

    /// The string, if this is a `STRING`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for PropertyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl From<&str> for PropertyValue {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}
impl From<String> for PropertyValue {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}
impl From<bool> for PropertyValue {
    fn from(b: bool) -> Self {
        Self::Boolean(b)
    }
}
impl From<i32> for PropertyValue {
    fn from(i: i32) -> Self {
        Self::Integer(i)
    }
}
impl From<i64> for PropertyValue {
    fn from(l: i64) -> Self {
        Self::Long(l)
    }
}
impl From<f64> for PropertyValue {
    fn from(d: f64) -> Self {
        Self::Double(d)
    }
}
impl From<f32> for PropertyValue {
    fn from(f: f32) -> Self {
        Self::Float(f)
    }
}
impl From<i16> for PropertyValue {
    fn from(s: i16) -> Self {
        Self::Short(s)
    }
}
impl From<XmlValue> for PropertyValue {
    fn from(x: XmlValue) -> Self {
        Self::Om(x)
    }
}
impl From<serde_json::Value> for PropertyValue {
    fn from(v: serde_json::Value) -> Self {
        Self::Json(v)
    }
}

/// An MI 4.4 variable value (`<variable type="…">`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VariableValue {
    /// `STRING`.
    String(String),
    /// `BOOLEAN`.
    Boolean(bool),
    /// `INTEGER`.
    Integer(i32),
    /// `DOUBLE`.
    Double(f64),
    /// `LONG`.
    Long(i64),
    /// `XML`.
    Xml(XmlValue),
    /// `JSON`.
    Json(serde_json::Value),
}

impl VariableValue {
    /// MI's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::String(_) => "STRING",
            Self::Boolean(_) => "BOOLEAN",
            Self::Integer(_) => "INTEGER",
            Self::Double(_) => "DOUBLE",
            Self::Long(_) => "LONG",
            Self::Xml(_) => "XML",
            Self::Json(_) => "JSON",
        }
    }

    /// The value as MI prints it (see [`PropertyValue::as_string`]).
    pub fn as_string(&self) -> String {
        match self {
            Self::String(s) => s.clone(),
            Self::Boolean(b) => b.to_string(),
            Self::Integer(i) => i.to_string(),
            Self::Double(d) => java_double_to_string(*d),
            Self::Long(l) => l.to_string(),
            Self::Xml(x) => x.text().into_owned(),
            Self::Json(serde_json::Value::String(s)) => s.clone(),
            Self::Json(v) => v.to_string(),
        }
    }
}

impl fmt::Display for VariableValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl From<&str> for VariableValue {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}
impl From<String> for VariableValue {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}
impl From<bool> for VariableValue {
    fn from(b: bool) -> Self {
        Self::Boolean(b)
    }
}
impl From<i32> for VariableValue {
    fn from(i: i32) -> Self {
        Self::Integer(i)
    }
}
impl From<i64> for VariableValue {
    fn from(l: i64) -> Self {
        Self::Long(l)
    }
}
impl From<f64> for VariableValue {
    fn from(d: f64) -> Self {
        Self::Double(d)
    }
}
impl From<XmlValue> for VariableValue {
    fn from(x: XmlValue) -> Self {
        Self::Xml(x)
    }
}
impl From<serde_json::Value> for VariableValue {
    fn from(v: serde_json::Value) -> Self {
        Self::Json(v)
    }
}

/// A property scope (the `scope` attribute of MI's property mediator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// `default` (Synapse message context).
    #[default]
    Default,
    /// `transport` (HTTP headers).
    Transport,
    /// `axis2`.
    Axis2,
    /// `operation`.
    Operation,
    /// `registry` (not stored on the message).
    Registry,
    /// `system` (not stored on the message).
    System,
    /// `env` (not stored on the message).
    Env,
}

impl Scope {
    /// MI's name of the scope.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Transport => "transport",
            Self::Axis2 => "axis2",
            Self::Operation => "operation",
            Self::Registry => "registry",
            Self::System => "system",
            Self::Env => "env",
        }
    }

    /// Whether properties of this scope live on the message.
    pub fn is_on_message(self) -> bool {
        matches!(
            self,
            Self::Default | Self::Transport | Self::Axis2 | Self::Operation
        )
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = Error;

    /// Parses MI's scope names (`default`, `transport`, `axis2`, `operation`,
    /// `registry`, `system`, `env`), ignoring ASCII case and surrounding blanks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        [
            Self::Default,
            Self::Transport,
            Self::Axis2,
            Self::Operation,
            Self::Registry,
            Self::System,
            Self::Env,
        ]
        .into_iter()
        .find(|scope| scope.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| Error::UnknownScope(s.to_owned()))
    }
}

/// Java's `Double.toString`.
pub fn java_double_to_string(d: f64) -> String {
    java_float_repr(
        d,
        &format!("{:e}", d.abs()),
        d.is_nan(),
        d.is_infinite(),
        d.is_sign_negative(),
    )
}

/// Java's `Float.toString`.
pub fn java_float_to_string(f: f32) -> String {
    java_float_repr(
        f64::from(f),
        &format!("{:e}", f.abs()),
        f.is_nan(),
        f.is_infinite(),
        f.is_sign_negative(),
    )
}

/// Builds Java's representation from Rust's shortest round-trip digits
/// (`{:e}` of the absolute value, e.g. `2.5e1`).
fn java_float_repr(value: f64, sci: &str, nan: bool, inf: bool, negative: bool) -> String {
    if nan {
        return "NaN".into();
    }
    let sign = if negative { "-" } else { "" };
    if inf {
        return format!("{sign}Infinity");
    }
    if value == 0.0 {
        return format!("{sign}0.0");
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let abs = value.abs();
    if (1e-3..1e7).contains(&abs) {
        // Plain notation with at least one fractional digit.
        let (int_part, frac_part) = if exp >= 0 {
            let e = exp as usize;
            if digits.len() > e + 1 {
                (digits[..=e].to_owned(), digits[e + 1..].to_owned())
            } else {
                (
                    format!("{digits}{}", "0".repeat(e + 1 - digits.len())),
                    String::new(),
                )
            }
        } else {
            (
                "0".to_owned(),
                format!("{}{digits}", "0".repeat((-exp - 1) as usize)),
            )
        };
        let frac = if frac_part.is_empty() {
            "0".to_owned()
        } else {
            frac_part
        };
        format!("{sign}{int_part}.{frac}")
    } else {
        let frac = if digits.len() > 1 { &digits[1..] } else { "0" };
        format!("{sign}{}.{frac}E{exp}", &digits[..1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_doubles() {
        for (d, s) in [
            (25.0, "25.0"),
            (0.5, "0.5"),
            (-3.25, "-3.25"),
            (100.0, "100.0"),
            (1234567.0, "1234567.0"),
            (1e7, "1.0E7"),
            (1.5e10, "1.5E10"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (-1.25e-5, "-1.25E-5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (123.456, "123.456"),
        ] {
            assert_eq!(java_double_to_string(d), s, "{d}");
        }
        assert_eq!(java_double_to_string(f64::NAN), "NaN");
        assert_eq!(java_double_to_string(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(java_float_to_string(0.1f32), "0.1");
        assert_eq!(java_float_to_string(2.5f32), "2.5");
    }

    #[test]
    fn as_string() {
        assert_eq!(PropertyValue::Double(25.0).as_string(), "25.0");
        assert_eq!(PropertyValue::Boolean(true).as_string(), "true");
        assert_eq!(PropertyValue::Integer(-4).as_string(), "-4");
        assert_eq!(
            PropertyValue::Om(XmlValue::new("<a>1</a>")).as_string(),
            "<a>1</a>"
        );
        assert_eq!(
            PropertyValue::Json(serde_json::json!({"a":[1]})).as_string(),
            "{\"a\":[1]}"
        );
        // Gson's JsonPrimitive.toString keeps a JSON string's quotes (MI enrich doc example 4).
        assert_eq!(
            PropertyValue::Json(serde_json::json!("s")).as_string(),
            "\"s\""
        );
        assert_eq!(VariableValue::Double(2.0).as_string(), "2.0");
        assert_eq!(PropertyValue::Short(7).type_name(), "SHORT");
    }

    #[test]
    fn scopes() {
        assert_eq!("transport".parse::<Scope>().unwrap(), Scope::Transport);
        assert_eq!(" Axis2 ".parse::<Scope>().unwrap(), Scope::Axis2);
        assert_eq!("env".parse::<Scope>().unwrap(), Scope::Env);
        assert!(!Scope::Registry.is_on_message());
        assert!("axis2-client".parse::<Scope>().is_err());
        assert_eq!(Scope::Operation.to_string(), "operation");
    }
}
