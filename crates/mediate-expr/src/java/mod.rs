//! Java behaviour that MI users see: `Double.toString`, `URLEncoder`, charset-aware Base64.

pub mod codec;

/// Format a double as Java's `Double.toString` does: `25.0`, `0.001`, `1.0E7`, `1.0E-4`,
/// `NaN`, `Infinity`, `-0.0`, with the shortest digits that round-trip. (One implementation for
/// the workspace, in `mediate-message`, where property values are printed.)
pub use mediate_message::java_double_to_string as double_to_string;

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
