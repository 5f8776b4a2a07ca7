//! The evaluator: operators with MI's number semantics, value access, JSON path tails.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;
use serde_json_path::JsonPath;

use super::ast::{BinOp, FilterPart, Kind, Node, Path, PathFunc, Root, Seg};
use super::env::SynapseEnv;
use super::error::{ExprError, ExprErrorKind};
use super::functions::{self, Func};
use super::value::{Dec, ExprValue};

/// What evaluation reads.
pub(crate) struct Ctx<'e> {
    pub(crate) env: &'e dyn SynapseEnv,
    pub(crate) namespaces: &'e [(String, String)],
}

pub(crate) fn eval(n: &Node, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    eval_inner(n, cx).map_err(|e| e.with_column(n.col))
}

fn eval_inner(n: &Node, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    // Each arm delegates to its own function so that this frame, which is live during
    // recursion, stays small (deep expressions run on small thread stacks).
    match &n.kind {
        Kind::Lit(v) => Ok(v.clone()),
        Kind::ArrayLit(items) => eval_array(items, cx),
        Kind::Access { root, path } => access(root, path, cx),
        Kind::Header(_) | Kind::Property(..) | Kind::Param(..) | Kind::Config(_) => {
            eval_context_value(&n.kind, cx)
        }
        Kind::Neg(a) => negate(eval(a, cx)?),
        Kind::Not(a) => invert(eval(a, cx)?),
        Kind::Bin(op, a, b) => {
            // MI evaluates both operands (no short-circuit) and then checks types.
            let l = eval(a, cx)?;
            let r = eval(b, cx)?;
            binop(*op, l, r)
        }
        Kind::Cond(c, t, f) => {
            if condition(eval(c, cx)?, c)? {
                eval(t, cx)
            } else {
                eval(f, cx)
            }
        }
        Kind::Call { func, args, regex } => eval_call(*func, args, regex.as_deref(), cx),
    }
}

fn eval_array(items: &[Node], cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        out.push(eval(i, cx)?.into_json());
    }
    Ok(ExprValue::Array(out))
}

fn eval_context_value(kind: &Kind, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    Ok(match kind {
        Kind::Header(h) => cx.env.header(h).map_or(ExprValue::Null, ExprValue::String),
        Kind::Property(scope, name) => cx.env.property(*scope, name).unwrap_or(ExprValue::Null),
        Kind::Param(kind, name) => cx
            .env
            .param(*kind, name)
            .map_or(ExprValue::Null, ExprValue::String),
        Kind::Config(name) => cx
            .env
            .config(name)
            .map_or(ExprValue::Null, ExprValue::String),
        _ => ExprValue::Null,
    })
}

fn negate(v: ExprValue) -> Result<ExprValue, ExprError> {
    match v {
        ExprValue::Int(i) => Ok(ExprValue::Int(match i32::try_from(i) {
            Ok(v) => i64::from(v.wrapping_neg()),
            Err(_) => i.wrapping_neg(),
        })),
        ExprValue::Double(d) => Ok(ExprValue::Double(-d)),
        other => Err(ExprError::type_err(format!(
            "cannot negate a non-numeric value: {}",
            other.describe()
        ))),
    }
}

fn invert(v: ExprValue) -> Result<ExprValue, ExprError> {
    match v {
        ExprValue::Bool(b) => Ok(ExprValue::Bool(!b)),
        other => Err(ExprError::type_err(format!(
            "'!' needs a boolean, got {}",
            other.describe()
        ))),
    }
}

fn condition(v: ExprValue, c: &Node) -> Result<bool, ExprError> {
    match v {
        ExprValue::Bool(b) => Ok(b),
        other => Err(ExprError::type_err(format!(
            "the condition of '?:' must be a boolean, got {}",
            other.describe()
        ))
        .with_column(c.col)),
    }
}

fn eval_call(
    func: Func,
    args: &[Node],
    regex: Option<&fancy_regex::Regex>,
    cx: &Ctx<'_>,
) -> Result<ExprValue, ExprError> {
    if func == Func::Exists {
        let ok = match args.first().map(|a| eval(a, cx)) {
            Some(Ok(v)) => !v.is_null(),
            _ => false,
        };
        return Ok(ExprValue::Bool(ok));
    }
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        vals.push(eval(a, cx)?);
    }
    functions::call(func, vals, regex, cx.env, cx.namespaces)
}

/// MI's equality: both null → equal; one null → different; otherwise the string forms.
pub(crate) fn mi_equal(l: &ExprValue, r: &ExprValue) -> bool {
    match (l, r) {
        (ExprValue::Null, ExprValue::Null) => true,
        (ExprValue::Null, _) | (_, ExprValue::Null) => false,
        (ExprValue::Int(a), ExprValue::Int(b)) => a == b,
        (ExprValue::String(a), ExprValue::String(b)) => a == b,
        (ExprValue::Bool(a), ExprValue::Bool(b)) => a == b,
        _ => l.to_string() == r.to_string(),
    }
}

fn dec_of(v: &ExprValue) -> Option<Dec> {
    match v {
        ExprValue::Int(i) => Some(Dec::from_i64(*i)),
        ExprValue::Double(d) => Dec::from_f64(*d),
        _ => None,
    }
}

fn f64_of(v: &ExprValue) -> f64 {
    match v {
        ExprValue::Int(i) => *i as f64,
        ExprValue::Double(d) => *d,
        _ => f64::NAN,
    }
}

fn int32(i: i64) -> Option<i32> {
    i32::try_from(i).ok()
}

/// Applies a binary operator with MI's semantics (see the module docs).
pub(crate) fn binop(op: BinOp, l: ExprValue, r: ExprValue) -> Result<ExprValue, ExprError> {
    use ExprValue as V;
    if !matches!(op, BinOp::Eq | BinOp::Ne) && (l.is_null() || r.is_null()) {
        return Err(ExprError::type_err(format!(
            "null inputs for {} operation: {l} and {r}",
            op.name()
        )));
    }
    match op {
        BinOp::Eq => Ok(V::Bool(mi_equal(&l, &r))),
        BinOp::Ne => Ok(V::Bool(!mi_equal(&l, &r))),
        BinOp::And | BinOp::Or => match (l, r) {
            (V::Bool(a), V::Bool(b)) => Ok(V::Bool(if op == BinOp::And { a && b } else { a || b })),
            (l, r) => Err(ExprError::type_err(format!(
                "logical operation between non-boolean values: {} and {}",
                l.describe(),
                r.describe()
            ))),
        },
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            if !l.is_number() || !r.is_number() {
                return Err(ExprError::type_err(format!(
                    "comparison between non-numeric values: {} and {}",
                    l.describe(),
                    r.describe()
                )));
            }
            let ord = match (&l, &r) {
                (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
                _ => f64_of(&l).partial_cmp(&f64_of(&r)),
            };
            let res = match ord {
                None => false,
                Some(o) => match op {
                    BinOp::Lt => o == Ordering::Less,
                    BinOp::Le => o != Ordering::Greater,
                    BinOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                },
            };
            Ok(V::Bool(res))
        }
        BinOp::Add => match (&l, &r) {
            (V::String(a), V::String(b)) => {
                let mut s = String::with_capacity(a.len() + b.len());
                s.push_str(a);
                s.push_str(b);
                Ok(V::String(s))
            }
            _ if l.is_number() && r.is_number() => Ok(arith(op, &l, &r)?),
            _ => Err(ExprError::type_err(format!(
                "addition between non-numeric values: {} and {}",
                l.describe(),
                r.describe()
            ))),
        },
        BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            if !l.is_number() || !r.is_number() {
                return Err(ExprError::type_err(format!(
                    "arithmetic operation: {} between non-numeric values: {} and {}",
                    op.name(),
                    l.describe(),
                    r.describe()
                )));
            }
            arith(op, &l, &r)
        }
    }
}

fn div_zero(op: BinOp) -> ExprError {
    ExprError::new(
        ExprErrorKind::DivisionByZero,
        if op == BinOp::Mod {
            "modulo by zero"
        } else {
            "division by zero"
        },
    )
}

/// Numeric `+ - * / %`: Java `int` (overflow of `+`/`*` widens to `long`, `-` wraps), Java
/// `long` (wraps), and `BigDecimal` arithmetic when a double is involved.
fn arith(op: BinOp, l: &ExprValue, r: &ExprValue) -> Result<ExprValue, ExprError> {
    use ExprValue as V;
    if let (V::Int(a), V::Int(b)) = (l, r) {
        let (a, b) = (*a, *b);
        if let (Some(x), Some(y)) = (int32(a), int32(b)) {
            return Ok(match op {
                BinOp::Add => V::Int(x.checked_add(y).map_or(a + b, i64::from)),
                BinOp::Sub => V::Int(i64::from(x.wrapping_sub(y))),
                BinOp::Mul => V::Int(x.checked_mul(y).map_or(a * b, i64::from)),
                BinOp::Div => {
                    if y == 0 {
                        return Err(div_zero(op));
                    }
                    if x.wrapping_rem(y) == 0 {
                        V::Int(i64::from(x.wrapping_div(y)))
                    } else {
                        V::Double(f64::from(x) / f64::from(y))
                    }
                }
                _ => {
                    if y == 0 {
                        return Err(div_zero(op));
                    }
                    V::Int(i64::from(x.wrapping_rem(y)))
                }
            });
        }
        return Ok(match op {
            BinOp::Add => V::Int(a.wrapping_add(b)),
            BinOp::Sub => V::Int(a.wrapping_sub(b)),
            BinOp::Mul => V::Int(a.wrapping_mul(b)),
            BinOp::Div => {
                if b == 0 {
                    return Err(div_zero(op));
                }
                V::Double(a as f64 / b as f64)
            }
            _ => {
                if b == 0 {
                    return Err(div_zero(op));
                }
                V::Int(a.wrapping_rem(b))
            }
        });
    }
    // at least one double: BigDecimal semantics
    let (fa, fb) = (f64_of(l), f64_of(r));
    if matches!(op, BinOp::Div | BinOp::Mod) && fb == 0.0 {
        return Err(div_zero(op));
    }
    let exact = match (dec_of(l), dec_of(r)) {
        (Some(a), Some(b)) => match op {
            BinOp::Add => a.add(b),
            BinOp::Sub => a.sub(b),
            BinOp::Mul => a.mul(b),
            BinOp::Div => {
                // MI divides `new BigDecimal(String.valueOf(left.asDouble()))`: an int left
                // operand becomes a double first, so its scale is at least 1 (`10` → `10.0`).
                a.div_at_scale(b, Dec::java_scale_of_double(fa))
            }
            _ => a.rem(b),
        },
        _ => None,
    };
    let v = match exact {
        Some(d) => d.to_f64(),
        None => match op {
            BinOp::Add => fa + fb,
            BinOp::Sub => fa - fb,
            BinOp::Mul => fa * fb,
            BinOp::Div => fa / fb,
            _ => fa % fb,
        },
    };
    Ok(V::Double(v))
}

fn access(root: &Root, path: &Path, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    match root {
        Root::Payload => access_payload(path, cx),
        Root::Var(name) => access_var(name, path, cx),
        Root::Call(node) => {
            let v = eval(node, cx)?;
            let json = value_as_json(v, "function result")?;
            apply_path(&json, path, cx)
        }
    }
}

fn access_payload(path: &Path, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    if let Some(steps) = path.stream.as_deref().filter(|s| !s.is_empty())
        && let Some(found) = cx.env.payload_select(steps)
    {
        let found =
            found.map_err(|e| ExprError::eval(format!("error while fetching the payload, {e}")))?;
        return match found {
            Some(v) => Ok(ExprValue::from(v)),
            // Nothing there: walk the tree for MI's exact "not found" message.
            None => {
                let json = cx.env.payload_json().map_err(|e| {
                    ExprError::eval(format!("error while fetching the payload, {e}"))
                })?;
                match json {
                    Some(json) => apply_path(&json, path, cx),
                    None => Err(ExprError::eval(
                        "payload is empty: the message has no JSON payload",
                    )),
                }
            }
        };
    }

    let p = cx
        .env
        .payload_json()
        .map_err(|e| ExprError::eval(format!("error while fetching the payload, {e}")))?;
    match p {
        Some(json) => apply_path(&json, path, cx),
        None => {
            let whole = path.segs.is_empty() && path.func.is_none();
            let text = if whole {
                cx.env.payload_text().map_err(|e| {
                    ExprError::eval(format!("error while fetching the payload, {e}"))
                })?
            } else {
                None
            };
            if let Some(t) = text {
                return Ok(if cx.env.payload_is_xml() {
                    ExprValue::Xml(t)
                } else {
                    ExprValue::String(t)
                });
            }
            if cx.env.payload_is_xml() {
                if let Some(json) = cx.env.payload_xml_as_json().map_err(|e| {
                    ExprError::eval(format!("error while fetching the payload, {e}"))
                })? {
                    return apply_path(&json, path, cx);
                }
                Err(ExprError::eval(
                    "cannot evaluate a JSON path on an XML payload; use xpath('…') for XML payloads",
                ))
            } else {
                Err(ExprError::eval(
                    "payload is empty: the message has no JSON payload",
                ))
            }
        }
    }
}

fn access_var(name: &str, path: &Path, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    let v = cx
        .env
        .variable(name)
        .ok_or_else(|| ExprError::not_found(format!("variable {name} is not defined")))?;
    if path.segs.is_empty() && path.func.is_none() {
        return Ok(v);
    }
    let json = value_as_json(v, &format!("variable {name}"))?;
    apply_path(&json, path, cx)
}

/// A value a JSON path can run on (MI parses string values as JSON).
fn value_as_json(v: ExprValue, what: &str) -> Result<Value, ExprError> {
    match v {
        ExprValue::String(s) => serde_json::from_str(&s).map_err(|_| {
            ExprError::eval(format!(
                "could not evaluate JSONPath expression on non-JSON {what} value"
            ))
        }),
        ExprValue::Xml(_) => Err(ExprError::eval(format!(
            "could not evaluate JSONPath expression on non-JSON (XML) {what}; use xpath('…', 'name')"
        ))),
        other => Ok(other.into_json()),
    }
}

fn describe_prefix(segs: &[Seg]) -> String {
    let mut s = String::from("$");
    for seg in segs {
        match seg {
            Seg::Member(m) => {
                s.push_str("['");
                s.push_str(m);
                s.push_str("']");
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
            _ => s.push_str("[…]"),
        }
    }
    s
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn step_member<'v>(
    cur: &'v Value,
    name: &str,
    segs: &[Seg],
    i: usize,
) -> Result<&'v Value, ExprError> {
    match cur {
        Value::Object(o) => o.get(name).ok_or_else(|| {
            ExprError::not_found(format!(
                "no results for path: {}['{name}']",
                describe_prefix(&segs[..i])
            ))
        }),
        other => Err(ExprError::not_found(format!(
            "expected to find an object with property ['{name}'] in path {} but found {}",
            describe_prefix(&segs[..i]),
            json_type(other)
        ))),
    }
}

fn step_index<'v>(
    cur: &'v Value,
    idx: i64,
    segs: &[Seg],
    i: usize,
) -> Result<&'v Value, ExprError> {
    match cur {
        Value::Array(a) => {
            let len = a.len() as i64;
            let k = if idx < 0 { len + idx } else { idx };
            if k < 0 || k >= len {
                return Err(ExprError::not_found(format!(
                    "index {idx} out of bounds in path {} (array length {len})",
                    describe_prefix(&segs[..i])
                )));
            }
            Ok(&a[k as usize])
        }
        other => Err(ExprError::not_found(format!(
            "expected to find an array at index [{idx}] in path {} but found {}",
            describe_prefix(&segs[..i]),
            json_type(other)
        ))),
    }
}

fn apply_path(root: &Value, path: &Path, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    if path.definite {
        let cur = walk_definite(root, path, cx)?;
        return definite_result(cur, path.func);
    }
    apply_indefinite(root, path, cx)
}

fn walk_definite<'v>(root: &'v Value, path: &Path, cx: &Ctx<'_>) -> Result<&'v Value, ExprError> {
    let mut cur = root;
    for (i, seg) in path.segs.iter().enumerate() {
        cur = match seg {
            Seg::Member(m) => step_member(cur, m, &path.segs, i)?,
            Seg::Index(k) => step_index(cur, *k, &path.segs, i)?,
            Seg::Dyn(n) => match eval(n, cx)? {
                ExprValue::String(s) => step_member(cur, &s, &path.segs, i)?,
                ExprValue::Int(k) => step_index(cur, k, &path.segs, i)?,
                other => {
                    return Err(ExprError::type_err(format!(
                        "invalid path index: {}",
                        other.describe()
                    ))
                    .with_column(n.col));
                }
            },
            _ => {
                return Err(ExprError::eval(
                    "internal: indefinite segment in a definite path",
                ));
            }
        };
    }
    Ok(cur)
}

fn definite_result(cur: &Value, func: Option<PathFunc>) -> Result<ExprValue, ExprError> {
    match func {
        None => Ok(ExprValue::from_json_ref(cur)),
        Some(f) => match cur {
            Value::Array(a) => path_func(f, a.iter()),
            Value::Object(o) if f == PathFunc::Length => Ok(ExprValue::Int(o.len() as i64)),
            Value::Object(o) if f == PathFunc::Keys => Ok(ExprValue::Array(
                o.keys().map(|k| Value::String(k.clone())).collect(),
            )),
            Value::String(s) if f == PathFunc::Length => {
                Ok(ExprValue::Int(s.chars().count() as i64))
            }
            other => Err(ExprError::eval(format!(
                "JSONPath function {f:?} cannot be applied to {}",
                json_type(other)
            ))),
        },
    }
}

fn apply_indefinite(root: &Value, path: &Path, cx: &Ctx<'_>) -> Result<ExprValue, ExprError> {
    let jp: Cow<'_, JsonPath> = match &path.compiled {
        Some(jp) => Cow::Borrowed(jp),
        None => {
            let text = render_path(path, &mut |n| eval(n, cx).map(Some))?
                .ok_or_else(|| ExprError::eval("internal: unresolved path"))?;
            Cow::Owned(
                JsonPath::parse(&text)
                    .map_err(|e| ExprError::eval(format!("invalid JSONPath '{text}': {e}")))?,
            )
        }
    };
    let nodes = jp.query(root).all();
    match path.func {
        None => Ok(ExprValue::Array(nodes.into_iter().cloned().collect())),
        Some(f) => path_func(f, nodes.into_iter()),
    }
}

fn path_func<'v>(
    f: PathFunc,
    items: impl Iterator<Item = &'v Value>,
) -> Result<ExprValue, ExprError> {
    let items: Vec<&Value> = items.collect();
    let nums = || -> Result<Vec<f64>, ExprError> {
        items
            .iter()
            .map(|v| {
                v.as_f64().ok_or_else(|| {
                    ExprError::eval(format!("JSONPath function {f:?} needs numbers"))
                })
            })
            .collect()
    };
    Ok(match f {
        PathFunc::Length => ExprValue::Int(items.len() as i64),
        PathFunc::First => items
            .first()
            .map_or(ExprValue::Null, |v| ExprValue::from_json_ref(v)),
        PathFunc::Last => items
            .last()
            .map_or(ExprValue::Null, |v| ExprValue::from_json_ref(v)),
        PathFunc::Keys => {
            return Err(ExprError::eval("JSONPath function keys() needs an object"));
        }
        PathFunc::Sum => ExprValue::Double(nums()?.iter().sum()),
        PathFunc::Min | PathFunc::Max | PathFunc::Avg | PathFunc::Stddev => {
            let n = nums()?;
            if n.is_empty() {
                return Err(ExprError::eval(format!(
                    "JSONPath function {f:?} on an empty array"
                )));
            }
            let len = n.len() as f64;
            let avg = n.iter().sum::<f64>() / len;
            ExprValue::Double(match f {
                PathFunc::Min => n.iter().copied().fold(f64::INFINITY, f64::min),
                PathFunc::Max => n.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                PathFunc::Avg => avg,
                _ => (n.iter().map(|x| (x - avg) * (x - avg)).sum::<f64>() / len).sqrt(),
            })
        }
    })
}

fn quote_name(s: &str, out: &mut String) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
}

type Resolver<'r> = dyn FnMut(&Node) -> Result<Option<ExprValue>, ExprError> + 'r;

fn selector(v: ExprValue, out: &mut String) -> Result<(), ExprError> {
    match v {
        ExprValue::String(s) => quote_name(&s, out),
        ExprValue::Int(i) => out.push_str(&i.to_string()),
        other => {
            return Err(ExprError::type_err(format!(
                "invalid path selector: {}",
                other.describe()
            )));
        }
    }
    Ok(())
}

fn slice_bound(v: ExprValue) -> Result<String, ExprError> {
    match v {
        ExprValue::Int(i) => Ok(i.to_string()),
        other => Err(ExprError::type_err(format!(
            "slice bounds must be integers, got {}",
            other.describe()
        ))),
    }
}

/// Renders a path as RFC 9535 JSONPath text; `Ok(None)` when `resolve` declines a node.
pub(crate) fn render_path(
    path: &Path,
    resolve: &mut Resolver<'_>,
) -> Result<Option<String>, ExprError> {
    let mut out = String::from("$");
    for seg in &path.segs {
        match seg {
            Seg::Member(m) => {
                out.push('[');
                quote_name(m, &mut out);
                out.push(']');
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Dyn(n) => {
                let Some(v) = resolve(n)? else {
                    return Ok(None);
                };
                out.push('[');
                selector(v, &mut out)?;
                out.push(']');
            }
            Seg::Wildcard => out.push_str("[*]"),
            Seg::DeepMember(m) => {
                out.push_str("..[");
                quote_name(m, &mut out);
                out.push(']');
            }
            Seg::DeepWildcard => out.push_str("..[*]"),
            Seg::Slice(a, b, c) => {
                out.push('[');
                for (k, bound) in [a, b, c].into_iter().enumerate() {
                    if k > 0 {
                        out.push(':');
                    }
                    if let Some(n) = bound {
                        let Some(v) = resolve(n)? else {
                            return Ok(None);
                        };
                        out.push_str(&slice_bound(v)?);
                    }
                }
                out.push(']');
            }
            Seg::Union(items) => {
                out.push('[');
                for (k, n) in items.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    let Some(v) = resolve(n)? else {
                        return Ok(None);
                    };
                    selector(v, &mut out)?;
                }
                out.push(']');
            }
            Seg::Filter(parts) => {
                out.push_str("[?");
                for p in parts {
                    match p {
                        FilterPart::Text(t) => out.push_str(t),
                        FilterPart::Expr(n) => {
                            let Some(v) = resolve(n)? else {
                                return Ok(None);
                            };
                            let json = serde_json::to_string(&v.into_json())
                                .map_err(|e| ExprError::eval(e.to_string()))?;
                            out.push_str(&json);
                        }
                    }
                }
                out.push(']');
            }
        }
    }
    Ok(Some(out))
}

/// The JSONPath text of a path whose selectors are all literals (for compile-time parsing).
pub(crate) fn render_static_path(path: &Path) -> Option<String> {
    render_path(path, &mut |n: &Node| {
        Ok(match &n.kind {
            Kind::Lit(v) => Some(v.clone()),
            _ => None,
        })
    })
    .ok()
    .flatten()
}
