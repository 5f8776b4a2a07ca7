//! The value model of Synapse expressions and MI's number semantics.

use std::fmt;

use serde_json::{Map, Number, Value};

/// What a Synapse expression yields.
///
/// JSON-like values, plus `Xml` for XML text (a whole XML payload, or what `xpath(…)` returns).
/// Integers are `i64`; MI distinguishes Java `int` and `long`, which here is decided by range
/// (see the module docs). Doubles are `f64` printed as Java's `Double.toString`.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprValue {
    /// JSON `null` (and the value of a missing header/property).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (Java `int` or `long`).
    Int(i64),
    /// A floating-point number (Java `double` / `BigDecimal`).
    Double(f64),
    /// A string.
    String(String),
    /// A JSON array.
    Array(Vec<Value>),
    /// A JSON object.
    Object(Map<String, Value>),
    /// Serialized XML (an XML payload or an XPath result).
    Xml(String),
}

impl ExprValue {
    /// Converts a borrowed JSON value (clones only that value).
    pub fn from_json_ref(v: &Value) -> ExprValue {
        match v {
            Value::Null => ExprValue::Null,
            Value::Bool(b) => ExprValue::Bool(*b),
            Value::Number(n) => number_to_value(n),
            Value::String(s) => ExprValue::String(s.clone()),
            Value::Array(a) => ExprValue::Array(a.clone()),
            Value::Object(o) => ExprValue::Object(o.clone()),
        }
    }

    /// Converts into JSON. `Xml` becomes a JSON string; non-finite doubles become `null`.
    pub fn into_json(self) -> Value {
        match self {
            ExprValue::Null => Value::Null,
            ExprValue::Bool(b) => Value::Bool(b),
            ExprValue::Int(i) => Value::Number(i.into()),
            ExprValue::Double(d) => Number::from_f64(d).map_or(Value::Null, Value::Number),
            ExprValue::String(s) | ExprValue::Xml(s) => Value::String(s),
            ExprValue::Array(a) => Value::Array(a),
            ExprValue::Object(o) => Value::Object(o),
        }
    }

    /// A JSON copy of the value (see [`ExprValue::into_json`]).
    pub fn to_json(&self) -> Value {
        self.clone().into_json()
    }

    /// The MI type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            ExprValue::Null => "null",
            ExprValue::Bool(_) => "boolean",
            ExprValue::Int(_) => "integer",
            ExprValue::Double(_) => "double",
            ExprValue::String(_) => "string",
            ExprValue::Array(_) => "array",
            ExprValue::Object(_) => "object",
            ExprValue::Xml(_) => "XML",
        }
    }

    /// The value for an error message: `null`, or the (shortened) value and its type,
    /// `2 (string)`, so that `"2" > 1` does not read as "non-numeric values: 2 and 1".
    pub(crate) fn describe(&self) -> String {
        if self.is_null() {
            return "null".to_owned();
        }
        let s = self.to_string();
        let s = if s.chars().count() > 40 {
            let cut: String = s.chars().take(40).collect();
            format!("{cut}…")
        } else {
            s
        };
        format!("{s} ({})", self.type_name())
    }

    /// `true` for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, ExprValue::Null)
    }

    /// `true` for `Int` and `Double`.
    pub fn is_number(&self) -> bool {
        matches!(self, ExprValue::Int(_) | ExprValue::Double(_))
    }

    /// The string form MI uses for equality, concatenation and output
    /// (same as `Display`).
    pub fn as_mi_string(&self) -> String {
        self.to_string()
    }
}

pub(crate) fn number_to_value(n: &Number) -> ExprValue {
    if let Some(i) = n.as_i64() {
        ExprValue::Int(i)
    } else {
        ExprValue::Double(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl From<Value> for ExprValue {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => ExprValue::Null,
            Value::Bool(b) => ExprValue::Bool(b),
            Value::Number(n) => number_to_value(&n),
            Value::String(s) => ExprValue::String(s),
            Value::Array(a) => ExprValue::Array(a),
            Value::Object(o) => ExprValue::Object(o),
        }
    }
}

impl From<&Value> for ExprValue {
    fn from(v: &Value) -> Self {
        ExprValue::from_json_ref(v)
    }
}

impl From<ExprValue> for Value {
    fn from(v: ExprValue) -> Self {
        v.into_json()
    }
}

impl From<&str> for ExprValue {
    fn from(s: &str) -> Self {
        ExprValue::String(s.to_owned())
    }
}

impl From<String> for ExprValue {
    fn from(s: String) -> Self {
        ExprValue::String(s)
    }
}

impl From<i64> for ExprValue {
    fn from(i: i64) -> Self {
        ExprValue::Int(i)
    }
}

impl From<i32> for ExprValue {
    fn from(i: i32) -> Self {
        ExprValue::Int(i64::from(i))
    }
}

impl From<f64> for ExprValue {
    fn from(d: f64) -> Self {
        ExprValue::Double(d)
    }
}

impl From<bool> for ExprValue {
    fn from(b: bool) -> Self {
        ExprValue::Bool(b)
    }
}

impl fmt::Display for ExprValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExprValue::Null => f.write_str("null"),
            ExprValue::Bool(b) => write!(f, "{b}"),
            ExprValue::Int(i) => write!(f, "{i}"),
            ExprValue::Double(d) => f.write_str(&java_double_to_string(*d)),
            ExprValue::String(s) | ExprValue::Xml(s) => f.write_str(s),
            ExprValue::Array(a) => f.write_str(&serde_json::to_string(a).map_err(|_| fmt::Error)?),
            ExprValue::Object(o) => f.write_str(&serde_json::to_string(o).map_err(|_| fmt::Error)?),
        }
    }
}

/// Shortest round-trip digits and decimal exponent of a finite, non-zero `|d|`:
/// `|d| = 0.DIGITS × 10^(exp+1)`, i.e. `exp` is the exponent of the first digit.
fn shortest_digits(d: f64) -> (String, i32) {
    let s = format!("{:e}", d.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp)
}

/// Formats a double exactly like Java's `Double.toString` (JDK 19+, shortest digits):
/// `25.0`, `17.94`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`.
pub fn java_double_to_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_owned();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let (digits, exp) = shortest_digits(d);
    let mut out = String::new();
    if d < 0.0 {
        out.push('-');
    }
    let a = d.abs();
    if (1e-3..1e7).contains(&a) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..(-point) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let p = point as usize;
            if p >= digits.len() {
                out.push_str(&digits);
                for _ in digits.len()..p {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..p]);
                out.push('.');
                out.push_str(&digits[p..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exp.to_string());
    }
    out
}

/// An exact decimal `m × 10^e` used to reproduce MI's `BigDecimal` arithmetic on doubles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dec {
    pub(crate) m: i128,
    pub(crate) e: i32,
}

/// 2^53: integers below are exact in `f64`.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Dec {
    pub(crate) fn from_i64(i: i64) -> Dec {
        Dec {
            m: i128::from(i),
            e: 0,
        }
    }

    /// The decimal of Java's `Double.toString(d)` digits (what `new BigDecimal(String.valueOf(d))` sees).
    pub(crate) fn from_f64(d: f64) -> Option<Dec> {
        if !d.is_finite() {
            return None;
        }
        if d == 0.0 {
            return Some(Dec { m: 0, e: 0 });
        }
        // Fast path: the fewest fraction digits k such that round(d × 10^k) / 10^k (a correctly
        // rounded division, exact power of ten) gives d back is the shortest round-trip form.
        let mut scale = 1.0f64;
        for k in 0..=15 {
            let m = (d * scale).round();
            if m.abs() < MAX_EXACT && m / scale == d {
                return Some(Dec {
                    m: m as i128,
                    e: -k,
                });
            }
            scale *= 10.0;
        }
        Dec::from_f64_slow(d)
    }

    fn from_f64_slow(d: f64) -> Option<Dec> {
        if !d.is_finite() {
            return None;
        }
        if d == 0.0 {
            return Some(Dec { m: 0, e: 0 });
        }
        let (digits, exp) = shortest_digits(d);
        let m: i128 = digits.parse().ok()?;
        let e = exp - (digits.len() as i32 - 1);
        Some(Dec {
            m: if d < 0.0 { -m } else { m },
            e,
        })
    }

    /// The scale Java's `BigDecimal(Double.toString(d))` has (at least one fraction digit in
    /// plain notation).
    pub(crate) fn java_scale_of_double(d: f64) -> i32 {
        let Some(dec) = Dec::from_f64(d) else {
            return 1;
        };
        if dec.m == 0 {
            return 1;
        }
        let a = d.abs();
        if (1e-3..1e7).contains(&a) {
            (-dec.e).max(1)
        } else {
            let (digits, exp) = shortest_digits(d);
            let frac = (digits.len() as i32 - 1).max(1);
            frac - exp
        }
    }

    pub(crate) fn to_f64(self) -> f64 {
        // Clinger's fast path: exact mantissa and an exact power of ten.
        if (self.m.unsigned_abs() as f64) < MAX_EXACT && (-22..=0).contains(&self.e) {
            return self.m as f64 / POW10[self.e.unsigned_abs() as usize];
        }
        format!("{}e{}", self.m, self.e).parse().unwrap_or(f64::NAN)
    }

    fn align(a: Dec, b: Dec) -> Option<(i128, i128, i32)> {
        let e = a.e.min(b.e);
        let am = a.m.checked_mul(pow10(u32::try_from(a.e - e).ok()?)?)?;
        let bm = b.m.checked_mul(pow10(u32::try_from(b.e - e).ok()?)?)?;
        Some((am, bm, e))
    }

    pub(crate) fn add(self, o: Dec) -> Option<Dec> {
        let (a, b, e) = Dec::align(self, o)?;
        Some(Dec {
            m: a.checked_add(b)?,
            e,
        })
    }

    pub(crate) fn sub(self, o: Dec) -> Option<Dec> {
        let (a, b, e) = Dec::align(self, o)?;
        Some(Dec {
            m: a.checked_sub(b)?,
            e,
        })
    }

    pub(crate) fn mul(self, o: Dec) -> Option<Dec> {
        Some(Dec {
            m: self.m.checked_mul(o.m)?,
            e: self.e.checked_add(o.e)?,
        })
    }

    /// `BigDecimal.remainder`: sign of the dividend, exact.
    pub(crate) fn rem(self, o: Dec) -> Option<Dec> {
        let (a, b, e) = Dec::align(self, o)?;
        if b == 0 {
            return None;
        }
        Some(Dec {
            m: a.checked_rem(b)?,
            e,
        })
    }

    /// `this.divide(o, ROUND_HALF_UP)`: the quotient rounded half-up at scale `scale`.
    pub(crate) fn div_at_scale(self, o: Dec, scale: i32) -> Option<Dec> {
        if o.m == 0 {
            return None;
        }
        // q = self/o × 10^scale = (sm/om) × 10^(se - oe + scale)
        let k = self.e.checked_sub(o.e)?.checked_add(scale)?;
        let (num, den) = if k >= 0 {
            (self.m.checked_mul(pow10(k as u32)?)?, o.m)
        } else {
            (self.m, o.m.checked_mul(pow10(k.unsigned_abs())?)?)
        };
        Some(Dec {
            m: div_round_half_up(num, den)?,
            e: -scale,
        })
    }

    /// `setScale(scale, HALF_UP)`.
    pub(crate) fn set_scale_half_up(self, scale: i32) -> Option<Dec> {
        if -self.e <= scale {
            return Some(self);
        }
        let drop = u32::try_from(-self.e - scale).ok()?;
        let den = pow10(drop)?;
        Some(Dec {
            m: div_round_half_up(self.m, den)?,
            e: -scale,
        })
    }
}

fn div_round_half_up(num: i128, den: i128) -> Option<i128> {
    let q = num.checked_div(den)?;
    let r = num.checked_rem(den)?;
    if r == 0 {
        return Some(q);
    }
    let twice = r.unsigned_abs().checked_mul(2)?;
    if twice >= den.unsigned_abs() {
        let sign = if (num < 0) != (den < 0) { -1 } else { 1 };
        q.checked_add(sign)
    } else {
        Some(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_double_format() {
        assert_eq!(java_double_to_string(25.0), "25.0");
        assert_eq!(java_double_to_string(17.94), "17.94");
        assert_eq!(java_double_to_string(0.001), "0.001");
        assert_eq!(java_double_to_string(0.0001), "1.0E-4");
        assert_eq!(java_double_to_string(1e7), "1.0E7");
        assert_eq!(java_double_to_string(1234567.5), "1234567.5");
        assert_eq!(java_double_to_string(-2.5), "-2.5");
        assert_eq!(java_double_to_string(1.2345e-5), "1.2345E-5");
        assert_eq!(java_double_to_string(100.0), "100.0");
        assert_eq!(java_double_to_string(f64::NAN), "NaN");
    }

    #[test]
    fn fast_paths_agree_with_shortest_digits() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let d = match i % 4 {
                0 => f64::from(i) / 100.0,
                1 => f64::from_bits(x),
                2 => (x >> 11) as f64 / 1e9,
                _ => f64::from(i as i32 - 100_000) * 0.37,
            };
            if !d.is_finite() {
                continue;
            }
            let (a, b) = (Dec::from_f64(d).unwrap(), Dec::from_f64_slow(d).unwrap());
            assert_eq!(a.to_f64(), d, "{d}");
            assert_eq!(a.to_f64(), b.to_f64(), "{d}");
            // same value and same digit count (trailing zeros normalised)
            let norm = |mut v: Dec| {
                while v.m != 0 && v.m % 10 == 0 {
                    v.m /= 10;
                    v.e += 1;
                }
                v
            };
            assert_eq!(norm(a), norm(b), "{d}");
        }
    }

    #[test]
    fn decimal_ops() {
        let a = Dec::from_f64(8.95).unwrap();
        let b = Dec::from_f64(8.99).unwrap();
        assert_eq!(a.add(b).unwrap().to_f64(), 17.94);
        let x = Dec::from_f64(0.1)
            .unwrap()
            .mul(Dec::from_f64(0.2).unwrap())
            .unwrap();
        assert_eq!(x.to_f64(), 0.02);
        let q = Dec::from_i64(10)
            .div_at_scale(Dec::from_f64(4.0).unwrap(), 0)
            .unwrap();
        assert_eq!(q.to_f64(), 3.0);
        let q = Dec::from_f64(10.5)
            .unwrap()
            .div_at_scale(Dec::from_i64(2), 1)
            .unwrap();
        assert_eq!(q.to_f64(), 5.3);
        assert_eq!(Dec::java_scale_of_double(10.0), 1);
        assert_eq!(Dec::java_scale_of_double(8.95), 2);
        let r = Dec::from_f64(2.7543).unwrap().set_scale_half_up(2).unwrap();
        assert_eq!(r.to_f64(), 2.75);
        let r = Dec::from_f64(-5.5).unwrap().rem(Dec::from_i64(2)).unwrap();
        assert_eq!(r.to_f64(), -1.5);
    }
}
