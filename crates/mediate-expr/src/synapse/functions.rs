//! The documented function library of Synapse expressions (MI `PredefinedFunctionNode`).

use serde_json::Value;

use super::env::SynapseEnv;
use super::error::{ExprError, ExprErrorKind};
use super::value::{Dec, ExprValue};

/// A predefined function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Length,
    ToUpper,
    ToLower,
    SubString,
    StartsWith,
    EndsWith,
    Contains,
    Trim,
    Replace,
    Split,
    IndexOf,
    CharAt,
    Abs,
    Floor,
    Ceil,
    Sqrt,
    Log,
    Pow,
    Round,
    Base64Encode,
    Base64Decode,
    UrlEncode,
    UrlDecode,
    IsNumber,
    IsString,
    IsArray,
    IsObject,
    IsBoolean,
    Integer,
    Float,
    String,
    Boolean,
    Object,
    Array,
    Exists,
    Not,
    Now,
    FormatDateTime,
    Xpath,
    Registry,
    /// `registry(key).property(name)`
    RegistryProperty,
    Secret,
    HashicorpVault,
}

/// Name, function, min and max argument count.
const TABLE: &[(&str, Func, usize, usize)] = &[
    ("length", Func::Length, 1, 1),
    ("toUpper", Func::ToUpper, 1, 1),
    ("toLower", Func::ToLower, 1, 1),
    ("subString", Func::SubString, 2, 3),
    ("startsWith", Func::StartsWith, 2, 2),
    ("endsWith", Func::EndsWith, 2, 2),
    ("contains", Func::Contains, 2, 2),
    ("trim", Func::Trim, 1, 1),
    ("replace", Func::Replace, 3, 3),
    ("split", Func::Split, 2, 2),
    ("indexOf", Func::IndexOf, 2, 3),
    ("charAt", Func::CharAt, 2, 2),
    ("abs", Func::Abs, 1, 1),
    ("floor", Func::Floor, 1, 1),
    ("ceil", Func::Ceil, 1, 1),
    ("sqrt", Func::Sqrt, 1, 1),
    ("log", Func::Log, 1, 1),
    ("pow", Func::Pow, 2, 2),
    ("round", Func::Round, 1, 2),
    ("base64encode", Func::Base64Encode, 1, 2),
    ("base64decode", Func::Base64Decode, 1, 2),
    ("urlEncode", Func::UrlEncode, 1, 2),
    ("urlDecode", Func::UrlDecode, 1, 2),
    ("isNumber", Func::IsNumber, 1, 1),
    ("isString", Func::IsString, 1, 1),
    ("isArray", Func::IsArray, 1, 1),
    ("isObject", Func::IsObject, 1, 1),
    ("isBoolean", Func::IsBoolean, 1, 1),
    ("integer", Func::Integer, 1, 1),
    ("float", Func::Float, 1, 1),
    ("string", Func::String, 1, 1),
    ("boolean", Func::Boolean, 1, 1),
    ("object", Func::Object, 1, 1),
    ("array", Func::Array, 1, 1),
    ("exists", Func::Exists, 1, 1),
    ("not", Func::Not, 1, 1),
    ("now", Func::Now, 0, 0),
    ("formatDateTime", Func::FormatDateTime, 2, 3),
    ("xpath", Func::Xpath, 1, 2),
    ("registry", Func::Registry, 1, 1),
    ("secret", Func::Secret, 1, 1),
    ("hashicorp-vault", Func::HashicorpVault, 2, 3),
];

impl Func {
    /// Looks a function up by its exact (case-sensitive) MI name.
    pub(crate) fn lookup(name: &str) -> Option<(Func, usize, usize)> {
        TABLE
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|&(_, f, min, max)| (f, min, max))
    }

    pub(crate) fn name(self) -> &'static str {
        if self == Func::RegistryProperty {
            return "registry";
        }
        TABLE
            .iter()
            .find(|(_, f, ..)| *f == self)
            .map_or("?", |(n, ..)| n)
    }

    /// The closest known name, for "did you mean".
    pub(crate) fn suggest(name: &str) -> Option<&'static str> {
        let lower = name.to_ascii_lowercase();
        let mut best: Option<(usize, &'static str)> = None;
        for (n, ..) in TABLE {
            let d = levenshtein(&lower, &n.to_ascii_lowercase());
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, n));
            }
        }
        best.filter(|(d, n)| *d <= (n.len() / 2).max(2))
            .map(|(_, n)| n)
    }

    /// All documented function names.
    pub(crate) fn names() -> impl Iterator<Item = &'static str> {
        TABLE.iter().map(|(n, ..)| *n)
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn invalid(f: Func, args: &[ExprValue]) -> ExprError {
    let shown: Vec<String> = args.iter().map(ExprValue::describe).collect();
    ExprError::type_err(format!(
        "invalid argument provided for {} function: {}",
        f.name(),
        shown.join(", ")
    ))
}

fn short(v: &ExprValue) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// MI's `isInteger()`: an integer in Java `int` range.
pub(crate) fn as_i32(v: &ExprValue) -> Option<i32> {
    match v {
        ExprValue::Int(i) => i32::try_from(*i).ok(),
        _ => None,
    }
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from_utf16(u: &[u16]) -> String {
    String::from_utf16_lossy(u)
}

/// Java `String.trim()`: strips chars `<= ' '`.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Java `String.indexOf(str, from)` in UTF-16 units.
fn java_index_of(hay: &[u16], needle: &[u16], from: i64) -> i64 {
    let from = from.max(0) as usize;
    if from > hay.len() {
        return if needle.is_empty() {
            hay.len() as i64
        } else {
            -1
        };
    }
    if needle.is_empty() {
        return from as i64;
    }
    if needle.len() > hay.len() {
        return -1;
    }
    (from..=hay.len() - needle.len())
        .find(|&i| hay[i..i + needle.len()] == *needle)
        .map_or(-1, |i| i as i64)
}

/// Java `String.split(regex)` (limit 0): no leading empty piece for a zero-width match at 0,
/// trailing empty pieces removed.
pub(crate) fn java_split(s: &str, re: &fancy_regex::Regex) -> Result<Vec<String>, ExprError> {
    if s.is_empty() {
        return Ok(vec![String::new()]);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut last = 0;
    let mut matched = false;
    for m in re.find_iter(s) {
        let m = m.map_err(|e| ExprError::eval(format!("split: regex failed: {e}")))?;
        if m.end() == 0 {
            continue;
        }
        if m.start() == m.end() && m.start() >= s.len() {
            break;
        }
        matched = true;
        parts.push(s[last..m.start()].to_owned());
        last = m.end();
    }
    if !matched {
        return Ok(vec![s.to_owned()]);
    }
    parts.push(s[last..].to_owned());
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    Ok(parts)
}

pub(crate) fn compile_regex(re: &str) -> Result<fancy_regex::Regex, String> {
    fancy_regex::Regex::new(re).map_err(|e| format!("invalid regular expression '{re}': {e}"))
}

fn codec<T>(f: Func, r: Result<T, crate::java::codec::CodecError>) -> Result<T, ExprError> {
    r.map_err(|e| ExprError::eval(format!("{}: {e}", f.name())))
}

fn strip_quotes(s: &str) -> &str {
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// MI's `parseStringToJson…`: strip surrounding quotes, parse (MI also retries with all
/// backslashes removed).
fn parse_json_text(s: &str) -> Option<Value> {
    let t = strip_quotes(s);
    serde_json::from_str(t)
        .ok()
        .or_else(|| serde_json::from_str(&t.replace('\\', "")).ok())
}

pub(crate) fn is_array(v: &ExprValue) -> bool {
    match v {
        ExprValue::Array(_) => true,
        ExprValue::String(s) => matches!(parse_json_text(s), Some(Value::Array(_))),
        _ => false,
    }
}

pub(crate) fn is_object(v: &ExprValue) -> bool {
    match v {
        ExprValue::Object(_) => true,
        ExprValue::String(s) => matches!(parse_json_text(s), Some(Value::Object(_))),
        _ => false,
    }
}

/// Java `Double.parseDouble` (whitespace-trimmed, optional `d`/`f` suffix, `NaN`, `Infinity`).
fn java_parse_double(s: &str) -> Option<f64> {
    let t = java_trim(s);
    let t = t
        .strip_suffix(['d', 'D', 'f', 'F'])
        .filter(|r| !r.is_empty() && !r.ends_with(['e', 'E']))
        .unwrap_or(t);
    match t {
        "NaN" | "+NaN" | "-NaN" => return Some(f64::NAN),
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return None;
    }
    t.parse().ok()
}

/// Java `Math.round(double)`: floor(x + 0.5) computed exactly, saturating to `long`.
pub(crate) fn java_round(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    let f = x.floor();
    let r = if x - f >= 0.5 { f + 1.0 } else { f };
    r as i64
}

fn double_of(v: &ExprValue) -> Option<f64> {
    match v {
        ExprValue::Int(i) => Some(*i as f64),
        ExprValue::Double(d) => Some(*d),
        _ => None,
    }
}

/// Calls a function on evaluated arguments (all but `exists`, handled by the evaluator).
pub(crate) fn call(
    f: Func,
    args: Vec<ExprValue>,
    regex: Option<&fancy_regex::Regex>,
    env: &dyn SynapseEnv,
    namespaces: &[(String, String)],
) -> Result<ExprValue, ExprError> {
    if let Some(i) = args.iter().position(ExprValue::is_null) {
        let which = match i {
            0 => "source",
            1 => "argument1",
            _ => "argument2",
        };
        return Err(ExprError::type_err(format!(
            "null {which} value provided for the function: {}",
            f.name()
        )));
    }
    let a0 = args.first();
    let a1 = args.get(1);
    let a2 = args.get(2);
    use ExprValue as V;
    let r = match (f, a0, a1, a2) {
        (Func::Length, Some(V::String(s)), None, _) => V::Int(s.encode_utf16().count() as i64),
        (Func::Length, Some(v), None, _) if is_array(v) => match v {
            V::Array(a) => V::Int(a.len() as i64),
            V::String(s) => match parse_json_text(s) {
                Some(Value::Array(a)) => V::Int(a.len() as i64),
                _ => return Err(invalid(f, &args)),
            },
            _ => return Err(invalid(f, &args)),
        },
        (
            Func::ToUpper,
            Some(v @ (V::String(_) | V::Int(_) | V::Double(_) | V::Bool(_))),
            None,
            _,
        ) => V::String(v.to_string().to_uppercase()),
        (
            Func::ToLower,
            Some(v @ (V::String(_) | V::Int(_) | V::Double(_) | V::Bool(_))),
            None,
            _,
        ) => V::String(v.to_string().to_lowercase()),
        (Func::Trim, Some(V::String(s)), None, _) => V::String(java_trim(s).to_owned()),
        (Func::SubString, Some(V::String(s)), Some(start), end) => {
            let Some(start) = as_i32(start) else {
                return Err(invalid(f, &args));
            };
            let u = utf16(s);
            let len = u.len() as i64;
            let start = i64::from(start);
            match end {
                None => {
                    if start < 0 || start > len {
                        return Err(ExprError::eval(format!(
                            "invalid index for subString: {start}, source string length: {len}"
                        )));
                    }
                    V::String(from_utf16(&u[start as usize..]))
                }
                Some(e) => {
                    let Some(e) = as_i32(e) else {
                        return Err(invalid(f, &args));
                    };
                    let e = i64::from(e);
                    if e < 0 || start < 0 || start > e || e > len {
                        return Err(ExprError::eval(format!(
                            "invalid subString indices: start={start}, end={e}, string length={len}"
                        )));
                    }
                    V::String(from_utf16(&u[start as usize..e as usize]))
                }
            }
        }
        (Func::StartsWith, Some(V::String(s)), Some(V::String(p)), None) => {
            V::Bool(s.starts_with(p.as_str()))
        }
        (Func::EndsWith, Some(V::String(s)), Some(V::String(p)), None) => {
            V::Bool(s.ends_with(p.as_str()))
        }
        (Func::Contains, Some(V::String(s)), Some(V::String(p)), None) => {
            V::Bool(s.contains(p.as_str()))
        }
        (Func::Replace, Some(V::String(s)), Some(V::String(a)), Some(V::String(b))) => {
            V::String(java_replace(s, a, b))
        }
        (Func::Split, Some(V::String(s)), Some(V::String(re)), None) => {
            let owned;
            let re = match regex {
                Some(r) => r,
                None => {
                    owned = compile_regex(re).map_err(ExprError::eval)?;
                    &owned
                }
            };
            V::Array(java_split(s, re)?.into_iter().map(Value::String).collect())
        }
        (Func::IndexOf, Some(V::String(s)), Some(V::String(p)), from) => {
            let from = match from {
                None => 0,
                Some(v) => match as_i32(v) {
                    Some(i) => i64::from(i),
                    None => return Err(invalid(f, &args)),
                },
            };
            V::Int(java_index_of(&utf16(s), &utf16(p), from))
        }
        (Func::CharAt, Some(V::String(s)), Some(i), None) => {
            let Some(i) = as_i32(i) else {
                return Err(invalid(f, &args));
            };
            let u = utf16(s);
            if i < 0 || i as usize >= u.len() {
                return Err(ExprError::eval(format!(
                    "invalid index provided for charAt function. source: {s}, index: {i}"
                )));
            }
            V::String(from_utf16(&u[i as usize..=i as usize]))
        }
        (Func::Abs, Some(V::Int(i)), None, _) => match i32::try_from(*i) {
            Ok(v) => V::Int(i64::from(v.wrapping_abs())),
            Err(_) => V::Int(i.wrapping_abs()),
        },
        (Func::Abs, Some(V::Double(d)), None, _) => V::Double(d.abs()),
        (Func::Floor | Func::Ceil, Some(V::Int(i)), None, _) => V::Int(*i),
        (Func::Floor | Func::Ceil, Some(V::Double(d)), None, _) => {
            let r = if f == Func::Floor {
                d.floor()
            } else {
                d.ceil()
            };
            if r.abs() < 9.0e18 {
                V::Int(r as i64)
            } else {
                V::Double(r)
            }
        }
        (Func::Round, Some(V::Double(d)), None, _) => V::Int(i64::from(java_round(*d) as i32)),
        (Func::Round, Some(V::Int(i)), _, _) => V::Int(*i),
        (Func::Round, Some(V::Double(d)), Some(n), None) => match as_i32(n) {
            Some(n) if n > 0 => {
                let r = Dec::from_f64(*d).and_then(|x| x.set_scale_half_up(n));
                V::Double(r.map_or(*d, Dec::to_f64))
            }
            _ => return Err(invalid(f, &args)),
        },
        (Func::Sqrt, Some(v), None, _) if v.is_number() => {
            V::Double(double_of(v).unwrap_or(f64::NAN).sqrt())
        }
        (Func::Log, Some(v), None, _) if v.is_number() => {
            V::Double(double_of(v).unwrap_or(f64::NAN).ln())
        }
        (Func::Pow, Some(a), Some(b), None) if a.is_number() && b.is_number() => V::Double(
            double_of(a)
                .unwrap_or(f64::NAN)
                .powf(double_of(b).unwrap_or(f64::NAN)),
        ),
        (
            Func::Base64Encode | Func::Base64Decode | Func::UrlEncode | Func::UrlDecode,
            Some(V::String(s)),
            cs,
            None,
        ) => {
            use crate::java::codec;
            let cs = match cs {
                None => None,
                Some(V::String(cs)) => Some(cs.as_str()),
                Some(_) => return Err(invalid(f, &args)),
            };
            V::String(match f {
                Func::Base64Encode => codec(f, codec::base64_encode(s, cs))?,
                Func::Base64Decode => codec(f, codec::base64_decode(s, cs))?,
                Func::UrlEncode => codec(f, codec::url_encode_component(s, cs))?,
                _ => codec(f, codec::url_decode_form(s, cs))?,
            })
        }
        (Func::IsNumber, Some(v), None, _) => V::Bool(v.is_number()),
        (Func::IsString, Some(v), None, _) => V::Bool(matches!(v, V::String(_))),
        (Func::IsArray, Some(v), None, _) => V::Bool(is_array(v)),
        (Func::IsObject, Some(v), None, _) => V::Bool(is_object(v)),
        (Func::IsBoolean, Some(v), None, _) => V::Bool(matches!(v, V::Bool(_))),
        (Func::Integer, Some(v), None, _) => {
            if let Some(i) = as_i32(v) {
                V::Int(i64::from(i))
            } else {
                // Integer.parseInt(asString())
                let s = v.to_string();
                match parse_java_int(&s) {
                    Some(i) => V::Int(i64::from(i)),
                    None => {
                        return Err(ExprError::type_err(format!(
                            "invalid argument provided for integer conversion: {}",
                            short(v)
                        )));
                    }
                }
            }
        }
        (Func::Float, Some(V::Double(d)), None, _) => V::Double(*d),
        (Func::Float, Some(v), None, _) => match java_parse_double(&v.to_string()) {
            Some(d) => V::Double(d),
            None => {
                return Err(ExprError::type_err(format!(
                    "invalid argument provided for float conversion: {}",
                    short(v)
                )));
            }
        },
        (Func::String, Some(v), None, _) => V::String(v.to_string()),
        (Func::Boolean, Some(V::Bool(b)), None, _) => V::Bool(*b),
        (Func::Boolean, Some(v), None, _) => V::Bool(v.to_string().eq_ignore_ascii_case("true")),
        (Func::Object, Some(v), None, _) => match v {
            V::Object(_) => v.clone(),
            V::String(s) => match parse_json_text(s) {
                Some(Value::Object(o)) => V::Object(o),
                _ => {
                    return Err(ExprError::type_err(
                        "argument cannot be converted to a JSON object",
                    ));
                }
            },
            _ => {
                return Err(ExprError::type_err(
                    "argument cannot be converted to a JSON object",
                ));
            }
        },
        (Func::Array, Some(v), None, _) => match v {
            V::Array(_) => v.clone(),
            V::String(s) => match parse_json_text(s) {
                Some(Value::Array(a)) => V::Array(a),
                _ => {
                    return Err(ExprError::type_err(
                        "argument cannot be converted to a JSON array",
                    ));
                }
            },
            _ => {
                return Err(ExprError::type_err(
                    "argument cannot be converted to a JSON array",
                ));
            }
        },
        (Func::Not, Some(V::Bool(b)), None, _) => V::Bool(!b),
        (Func::Not, Some(v), None, _) => {
            return Err(ExprError::type_err(format!(
                "value : {} cannot be converted to boolean",
                short(v)
            )));
        }
        (Func::Now, None, _, _) => V::Int(env.now().timestamp_millis()),
        (Func::FormatDateTime, Some(src), Some(V::String(fmt)), None) if src.is_number() => {
            let millis = match src {
                V::Int(i) => *i,
                V::Double(d) => *d as i64,
                _ => 0,
            };
            V::String(super::datetime::format_millis(env, millis, fmt)?)
        }
        (Func::FormatDateTime, Some(V::String(s)), Some(V::String(old)), Some(V::String(new))) => {
            V::String(super::datetime::reformat(s, old, new)?)
        }
        (Func::Xpath, Some(v), var, None) => {
            let expr = v.to_string();
            let full = match var {
                None => expr.clone(),
                Some(V::String(name)) if !name.is_empty() => format!("$var:{name}{expr}"),
                Some(_) => {
                    return Err(ExprError::type_err(
                        "invalid variable name provided for XPATH function",
                    ));
                }
            };
            env.xpath(&full, namespaces)
                .map_err(|e| ExprError::eval(format!("invalid XPATH expression : {expr}: {e}")))?
        }
        (Func::Registry, Some(V::String(key)), None, _) => match env.registry(key) {
            Ok(Some(v)) => V::String(v),
            Ok(None) => {
                return Err(ExprError::not_found(format!(
                    "could not find the registry resource: {key}"
                )));
            }
            Err(e) => return Err(ExprError::new(ExprErrorKind::Unsupported, e)),
        },
        (Func::RegistryProperty, Some(V::String(key)), Some(V::String(p)), None) => {
            match env.registry_property(key, p) {
                Ok(Some(v)) => V::String(v),
                Ok(None) => {
                    return Err(ExprError::not_found(format!(
                        "could not find the property: {p} in the registry resource: {key}"
                    )));
                }
                Err(e) => return Err(ExprError::new(ExprErrorKind::Unsupported, e)),
            }
        }
        (Func::Secret, Some(v), None, _) => {
            let alias = v.to_string();
            match env.secret(&alias) {
                Ok(Some(s)) => V::String(s),
                Ok(None) => {
                    return Err(ExprError::not_found(format!(
                        "error fetching secret value for alias: {alias}"
                    )));
                }
                Err(e) => return Err(ExprError::new(ExprErrorKind::Unsupported, e)),
            }
        }
        (Func::HashicorpVault, Some(a), Some(b), c) => {
            let (ns, path, field) = match c {
                Some(c) => (Some(a.to_string()), b.to_string(), c.to_string()),
                None => (None, a.to_string(), b.to_string()),
            };
            match env.hashicorp_secret(ns.as_deref(), &path, &field) {
                Ok(Some(s)) => V::String(s),
                Ok(None) => {
                    return Err(ExprError::not_found(format!(
                        "error fetching HashiCorp secret: {path} / {field}"
                    )));
                }
                Err(e) => return Err(ExprError::new(ExprErrorKind::Unsupported, e)),
            }
        }
        _ => return Err(invalid(f, &args)),
    };
    Ok(r)
}

/// Java `Integer.parseInt`: optional sign, decimal digits, `int` range.
fn parse_java_int(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Java `String.replace(CharSequence, CharSequence)`: an empty target inserts between chars.
fn java_replace(s: &str, a: &str, b: &str) -> String {
    if a.is_empty() {
        let mut out = String::with_capacity(s.len() + b.len() * (s.len() + 1));
        out.push_str(b);
        for c in s.chars() {
            out.push(c);
            out.push_str(b);
        }
        out
    } else {
        s.replace(a, b)
    }
}

/// The names suggested in errors (exposed for docs/tests).
pub(crate) fn all_names() -> Vec<&'static str> {
    Func::names().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_java() {
        let re = compile_regex(",").unwrap();
        assert_eq!(
            java_split("a,b,,c,,", &re).unwrap(),
            vec!["a", "b", "", "c"]
        );
        assert_eq!(java_split(",a", &re).unwrap(), vec!["", "a"]);
        let re = compile_regex("").unwrap();
        assert_eq!(java_split("abc", &re).unwrap(), vec!["a", "b", "c"]);
        let re = compile_regex("\\s*;\\s*").unwrap();
        assert_eq!(java_split("x ; y;z", &re).unwrap(), vec!["x", "y", "z"]);
    }

    #[test]
    fn java_round_half_up() {
        assert_eq!(java_round(2.5), 3);
        assert_eq!(java_round(-2.5), -2);
        assert_eq!(java_round(0.49999999999999994), 0);
        assert_eq!(java_round(-0.5), 0);
    }

    #[test]
    fn suggestions() {
        assert_eq!(Func::suggest("fooUpper"), Some("toUpper"));
        assert_eq!(Func::suggest("toupper"), Some("toUpper"));
        assert_eq!(Func::suggest("base64Encode"), Some("base64encode"));
        assert!(all_names().contains(&"formatDateTime"));
    }
}
