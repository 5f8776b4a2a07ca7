//! `formatDateTime` on top of [`crate::datefmt::JavaDateFormat`] (Java `DateTimeFormatter` patterns).

use chrono::{Offset, TimeZone, Utc};

use super::env::SynapseEnv;
use super::error::ExprError;
use crate::datefmt::JavaDateFormat;

fn compile(pattern: &str) -> Result<JavaDateFormat, ExprError> {
    JavaDateFormat::compile(pattern).map_err(|e| {
        ExprError::eval(format!(
            "invalid date format provided for formatDateTime function. Format: {pattern} ({e})"
        ))
    })
}

/// `formatDateTime(millis, pattern)`: the instant in the environment's local offset (MI: the
/// JVM default zone).
pub(crate) fn format_millis(
    env: &dyn SynapseEnv,
    millis: i64,
    pattern: &str,
) -> Result<String, ExprError> {
    let fmt = compile(pattern)?;
    let instant = Utc.timestamp_millis_opt(millis).single().ok_or_else(|| {
        ExprError::eval(format!("formatDateTime: timestamp out of range: {millis}"))
    })?;
    let offset = env.local_offset(instant);
    Ok(fmt.format(&instant.with_timezone(&offset)))
}

/// `formatDateTime(text, oldPattern, newPattern)`: parse then format (date-time, date-only or
/// time-only inputs, as MI tries `LocalDateTime`, `LocalDate`, `LocalTime`).
pub(crate) fn reformat(text: &str, old: &str, new: &str) -> Result<String, ExprError> {
    let parser = compile(old)?;
    let out = compile(new)?;
    let parsed = parser.parse(text).map_err(|e| {
        ExprError::eval(format!(
            "invalid date format provided for formatDateTime function. Format: {old} ({e})"
        ))
    })?;
    let dt = parsed.to_fixed(Utc.fix());
    Ok(out.format(&dt))
}
