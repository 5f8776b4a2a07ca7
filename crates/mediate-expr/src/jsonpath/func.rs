//! Jayway path functions at the end of a path: `$.items.length()`, `$..price.sum()`, ….
//!
//! Semantics follow Jayway's `PathFunctionFactory` functions:
//!
//! * `length()` / `size()`: number of elements of an array or members of an object; nothing for
//!   other values (Jayway returns `null`, also for strings).
//! * `min()`, `max()`, `avg()`, `sum()`, `stddev()` (population): over the numbers of the array and
//!   the numeric arguments (`$.sum(10)`); non-numbers are skipped; the result is a double
//!   (`6.0`), as Jayway computes in `double`; no number at all is an error.
//! * `keys()`: the member names of an object, as an array.
//! * `first()`, `last()`, `index(n)` (negative from the end): an array element; out of range is an
//!   error.
//! * `concat(args…)`: the array's string elements then the arguments, as one string.
//! * `append(args…)`: the array with the arguments added.
//! * `distinct()`: the array without duplicates.
//!
//! Arguments are JSON literals (`"x"`, `1`, `{...}`, `[...]`, also `'x'`) or paths (`$.a`, `@.a`),
//! which Jayway evaluates against the document root.

use serde_json::{Number, Value};

use super::{JsonEvalError, JsonPath, compile_operand, eval_operand, jsonify};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Length,
    Min,
    Max,
    Avg,
    Sum,
    StdDev,
    Keys,
    First,
    Last,
    Index,
    Concat,
    Append,
    Distinct,
}

#[derive(Debug, Clone)]
enum Arg {
    Json(Value),
    Path(Box<JsonPath>),
}

/// A function ending a path, with its arguments.
#[derive(Debug, Clone)]
pub(crate) struct TailFunction {
    name: String,
    kind: Kind,
    args: Vec<Arg>,
}

impl TailFunction {
    /// Parses `name(args)`; `args` are the characters between the parentheses. Errors carry a
    /// position relative to `args`, or `None` for the name.
    pub(crate) fn parse(name: &str, args: &[char]) -> Result<Self, (Option<usize>, String)> {
        let kind = match name {
            "length" | "size" => Kind::Length,
            "min" => Kind::Min,
            "max" => Kind::Max,
            "avg" => Kind::Avg,
            "sum" => Kind::Sum,
            "stddev" => Kind::StdDev,
            "keys" => Kind::Keys,
            "first" => Kind::First,
            "last" => Kind::Last,
            "index" => Kind::Index,
            "concat" => Kind::Concat,
            "append" => Kind::Append,
            "distinct" => Kind::Distinct,
            _ => return Err((None, format!("function '{name}' does not exist"))),
        };
        let mut parsed = Vec::new();
        for (start, text) in split_args(args) {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                continue;
            }
            let lead = text.chars().take_while(|c| c.is_whitespace()).count();
            let arg = if trimmed.starts_with('$') || trimmed.starts_with('@') {
                let p = compile_operand(trimmed)
                    .map_err(|e| (Some(start + lead + e.column - 1), e.message))?;
                Arg::Path(Box::new(p))
            } else {
                let chars: Vec<char> = trimmed.chars().collect();
                let json = jsonify(&chars);
                let v = serde_json::from_str(&json)
                    .map_err(|_| (Some(start + lead), format!("invalid argument {trimmed:?}")))?;
                Arg::Json(v)
            };
            parsed.push(arg);
        }
        if kind == Kind::Index && parsed.is_empty() {
            return Err((None, "index() needs an argument".into()));
        }
        Ok(TailFunction {
            name: name.to_owned(),
            kind,
            args: parsed,
        })
    }

    /// `length()` on a `..` path counts the children of all matches (Jayway appends `[*]`).
    pub(crate) fn counts_children(&self) -> bool {
        self.kind == Kind::Length
    }

    fn arg_values(&self, root: &Value) -> Vec<Value> {
        self.args
            .iter()
            .filter_map(|a| match a {
                Arg::Json(v) => Some(v.clone()),
                Arg::Path(p) => eval_operand(p, true, root, root).into_value(),
            })
            .collect()
    }

    fn fail(&self, message: impl Into<String>) -> JsonEvalError {
        JsonEvalError {
            function: self.name.clone(),
            message: message.into(),
        }
    }

    /// Applies the function to `value` (`root` for path arguments).
    pub(crate) fn apply(
        &self,
        value: &Value,
        root: &Value,
    ) -> Result<Option<Value>, JsonEvalError> {
        let args = self.arg_values(root);
        match self.kind {
            Kind::Length => Ok(match value {
                Value::Array(a) => Some(Value::from(a.len())),
                Value::Object(o) => Some(Value::from(o.len())),
                _ => None,
            }),
            Kind::Min | Kind::Max | Kind::Avg | Kind::Sum | Kind::StdDev => {
                let mut nums: Vec<f64> = Vec::new();
                if let Value::Array(a) = value {
                    nums.extend(a.iter().filter_map(Value::as_f64));
                }
                for arg in &args {
                    match arg {
                        Value::Array(a) => nums.extend(a.iter().filter_map(Value::as_f64)),
                        v => nums.extend(v.as_f64()),
                    }
                }
                if nums.is_empty() {
                    return Err(self.fail(
                        "aggregation function attempted to calculate value using empty array",
                    ));
                }
                let n = nums.len() as f64;
                let sum: f64 = nums.iter().sum();
                let result = match self.kind {
                    Kind::Min => nums.iter().copied().fold(f64::INFINITY, f64::min),
                    Kind::Max => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    Kind::Avg => sum / n,
                    Kind::Sum => sum,
                    _ => {
                        let sum_sq: f64 = nums.iter().map(|x| x * x).sum();
                        (sum_sq / n - (sum / n) * (sum / n)).max(0.0).sqrt()
                    }
                };
                Ok(Some(
                    Number::from_f64(result).map_or(Value::Null, Value::Number),
                ))
            }
            Kind::Keys => Ok(match value {
                Value::Object(o) => Some(Value::Array(
                    o.keys().map(|k| Value::String(k.clone())).collect(),
                )),
                _ => None,
            }),
            Kind::First | Kind::Last | Kind::Index => {
                let Value::Array(a) = value else {
                    return Err(self.fail("not an array"));
                };
                let idx: i64 = match self.kind {
                    Kind::First => 0,
                    Kind::Last => -1,
                    _ => match args.first().and_then(Value::as_f64) {
                        Some(f) => f as i64,
                        None => return Err(self.fail("index must be a number")),
                    },
                };
                let real = if idx < 0 { a.len() as i64 + idx } else { idx };
                usize::try_from(real)
                    .ok()
                    .and_then(|i| a.get(i))
                    .map(|v| Some(v.clone()))
                    .ok_or_else(|| {
                        self.fail(format!("index {idx} out of range for {} elements", a.len()))
                    })
            }
            Kind::Concat => {
                let mut out = String::new();
                if let Value::Array(a) = value {
                    for v in a {
                        if let Value::String(s) = v {
                            out.push_str(s);
                        }
                    }
                }
                for arg in &args {
                    match arg {
                        Value::String(s) => out.push_str(s),
                        Value::Null => {}
                        v => out.push_str(&v.to_string()),
                    }
                }
                Ok(Some(Value::String(out)))
            }
            Kind::Append => Ok(Some(match value {
                Value::Array(a) => {
                    let mut a = a.clone();
                    a.extend(args);
                    Value::Array(a)
                }
                v => v.clone(),
            })),
            Kind::Distinct => Ok(match value {
                Value::Array(a) => {
                    let mut out: Vec<Value> = Vec::new();
                    for v in a {
                        if !out.contains(v) {
                            out.push(v.clone());
                        }
                    }
                    Some(Value::Array(out))
                }
                _ => None,
            }),
        }
    }
}

/// Splits function arguments at top-level commas; yields (start index, text).
fn split_args(args: &[char]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut i = 0;
    while i < args.len() {
        let c = args[i];
        if let Some(q) = quote {
            if c == '\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    out.push((start, args[start..i].iter().collect()));
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    out.push((start, args[start..].iter().collect()));
    out
}
