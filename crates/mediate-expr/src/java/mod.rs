//! Java behaviour that MI users see: `Double.toString`, `URLEncoder`, charset-aware Base64.

pub mod codec;

/// Format a double as Java's `Double.toString` does: `25.0`, `0.001`, `1.0E7`, `1.0E-4`,
/// `NaN`, `Infinity`, `-0.0`, with the shortest digits that round-trip.
pub fn double_to_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Shortest round-trip digits and decimal exponent from Rust's `{:e}` (e.g. "1.5e3").
    let sci = format!("{:e}", d.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if d < 0.0 { "-" } else { "" };
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        // Plain notation with at least one digit after the point.
        let point = exp + 1; // digits before the decimal point
        let (int, frac) = if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            ("0".to_string(), format!("{zeros}{digits}"))
        } else {
            let p = usize::try_from(point).unwrap_or(0);
            if digits.len() <= p {
                (format!("{digits}{}", "0".repeat(p - digits.len())), String::new())
            } else {
                (digits[..p].to_string(), digits[p..].to_string())
            }
        };
        let frac = if frac.is_empty() { "0".to_string() } else { frac };
        format!("{sign}{int}.{frac}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

#[cfg(test)]
mod tests {
    use super::double_to_string;

    #[test]
    fn matches_java() {
        let cases = [
            (25.0, "25.0"),
            (17.94, "17.94"),
            (1500.0, "1500.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (123_456_789.0, "1.23456789E8"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1.0E21"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.5, "0.5"),
            (100.25, "100.25"),
        ];
        for (d, want) in cases {
            assert_eq!(double_to_string(d), want, "{d}");
        }
    }
}
