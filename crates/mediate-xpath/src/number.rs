//! XPath 1.0 number ↔ string conversions and rounding.

/// Number → string as XPath 1.0 `string()` does.
pub(crate) fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if n == 0.0 {
        "0".to_owned()
    } else {
        // Rust's `Display` for f64 prints the shortest round-tripping digits and never uses
        // exponent notation; integral values print without a fractional part.
        n.to_string()
    }
}

/// String → number as XPath 1.0 `number()` does: optional whitespace, optional `-`, then
/// `Digits ('.' Digits?)?` or `'.' Digits`, optional whitespace. Anything else is NaN.
pub(crate) fn parse_number(s: &str) -> f64 {
    let t = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let body = t.strip_prefix('-').unwrap_or(t);
    let mut digits = 0usize;
    let mut dots = 0usize;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => dots += 1,
            _ => return f64::NAN,
        }
    }
    if digits == 0 || dots > 1 {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// XPath `round()`: nearest integer, halves toward positive infinity; `-0.5 ≤ x < 0` → -0.
pub(crate) fn round(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let f = x.floor();
    let r = if x - f >= 0.5 { f + 1.0 } else { f };
    if r == 0.0 && x < 0.0 { -0.0 } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats() {
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::INFINITY), "Infinity");
        assert_eq!(format_number(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(1.0), "1");
        assert_eq!(format_number(-12.0), "-12");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_number(1e21), "1000000000000000000000");
        assert_eq!(format_number(1e-7), "0.0000001");
        assert_eq!(format_number(-1e-7), "-0.0000001");
        assert_eq!(format_number(123456789.125), "123456789.125");
    }

    #[test]
    fn parses() {
        assert_eq!(parse_number(" 12 "), 12.0);
        assert_eq!(parse_number("-1.5"), -1.5);
        assert_eq!(parse_number(".5"), 0.5);
        assert_eq!(parse_number("5."), 5.0);
        assert_eq!(parse_number("\n\t7\r"), 7.0);
        for bad in [
            "", " ", "+1", "1e3", "Infinity", "NaN", "-", ".", "1.2.3", "- 1", "1 2", "0x10", "١",
        ] {
            assert!(parse_number(bad).is_nan(), "{bad:?}");
        }
        assert!(parse_number("-0").is_sign_negative());
    }

    #[test]
    fn rounds() {
        assert_eq!(round(2.5), 3.0);
        assert_eq!(round(-2.5), -2.0);
        assert_eq!(round(1.4), 1.0);
        assert!(round(-0.5).is_sign_negative() && round(-0.5) == 0.0);
        assert!(round(-0.2).is_sign_negative());
        assert!(round(f64::NAN).is_nan());
        assert_eq!(round(f64::INFINITY), f64::INFINITY);
        assert_eq!(round(0.49999999999999994), 0.0);
        assert_eq!(round(4503599627370497.0), 4503599627370497.0);
    }

    proptest! {
        #[test]
        fn format_round_trips(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let s = format_number(x);
            prop_assert!(!s.contains('e') && !s.contains('E'));
            let back = parse_number(&s);
            prop_assert_eq!(back, if x == 0.0 { 0.0 } else { x });
        }

        #[test]
        fn parse_never_panics(s in ".*") {
            let _ = parse_number(&s);
        }
    }
}
