//! Property tests for `mediate_expr::datefmt`: format → parse gives back the same instant.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use mediate_expr::datefmt::JavaDateFormat;
use proptest::prelude::*;

/// Patterns carrying a full date, time (to the pattern's fraction precision) and offset.
const PATTERNS: &[(&str, u32)] = &[
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 1_000_000),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXXXX", 1),
    ("EEEE, dd MMMM yyyy hh:mm:ss.SSS a Z", 1_000_000),
    ("EEE, d MMM uuuu HH:mm:ss.SSS ZZZZ", 1_000_000),
    ("yyyyMMddHHmmssSSSxx", 1_000_000),
    ("G yyyy-DDD kk:mm:ss.SSSSSS xxx", 1_000),
    ("dd/MM/yyyy KK:mm:ss.SS a z", 10_000_000),
    ("yyyy-MM-dd HH:mm:ss.SSS[ X]", 1_000_000),
];

fn offsets() -> impl Strategy<Value = FixedOffset> {
    // whole minutes from -18:00 to +18:00, as real zones use
    (-18 * 60..=18 * 60i32).prop_map(|m| FixedOffset::east_opt(m * 60).unwrap())
}

proptest! {
    #[test]
    fn format_parse_same_instant(
        idx in 0..PATTERNS.len(),
        // 0001-01-01 .. 9999-12-31
        secs in -62_135_596_800i64..253_402_300_799,
        nanos in 0..1_000_000_000u32,
        offset in offsets(),
    ) {
        let (pattern, unit) = PATTERNS[idx];
        let nanos = nanos - nanos % unit;
        let instant: DateTime<Utc> = Utc.timestamp_opt(secs, nanos).unwrap();
        let local = instant.with_timezone(&offset);
        let f = JavaDateFormat::compile(pattern).unwrap();
        let text = f.format(&local);
        let parsed = f.parse(&text).map_err(|e| TestCaseError::fail(format!("{pattern}: {text}: {e}")))?;
        let back = parsed.to_fixed(FixedOffset::east_opt(0).unwrap());
        prop_assert_eq!(back, instant, "{} -> {}", pattern, text);
    }

    #[test]
    fn compile_never_panics(pattern in "\\PC{0,24}") {
        if let Ok(f) = JavaDateFormat::compile(&pattern) {
            let text = f.format(&Utc.timestamp_opt(1_700_000_000, 5).unwrap());
            let _ = f.parse(&text);
        }
    }
}
