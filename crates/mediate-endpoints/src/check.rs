//! Reading helpers shared by every element: attribute and child checks with "did you mean",
//! text content, booleans and numbers. Every error is a [`BuildError::InvalidElement`] (an
//! endpoint is not a mediator: "`<initialDuration>`: …", "`<address uri>`: …"), already
//! located at the element (or attribute value) it is about, via [`BuildError::locate`].

use mediate_core::expr::Expression;
use mediate_core::{BuildError, MediatorSpec, Namespaces};

/// The error about `spec`'s attribute `name`, whose value is `value`, at the attribute's value.
pub(crate) fn invalid(
    spec: &MediatorSpec,
    name: &str,
    value: &str,
    reason: impl Into<String>,
) -> BuildError {
    attribute_error(
        spec,
        name,
        format!("invalid value `{value}`: {}", reason.into()),
    )
}

/// The error about `spec`'s attribute `name` (whatever its value), at the attribute's value.
fn attribute_error(spec: &MediatorSpec, name: &str, reason: String) -> BuildError {
    BuildError::element(&spec.kind, Some(name.to_owned()), reason).locate(spec)
}

/// The error about the element `spec`, at the element.
pub(crate) fn structure(spec: &MediatorSpec, reason: impl Into<String>) -> BuildError {
    structure_at(spec, spec, reason)
}

/// The error about the element `about`, located at `at` (one of its children, or itself).
fn structure_at(about: &MediatorSpec, at: &MediatorSpec, reason: impl Into<String>) -> BuildError {
    BuildError::element(&about.kind, None, reason).locate(at)
}

/// The error for a missing attribute `name` of `spec`, at the element.
pub(crate) fn missing(spec: &MediatorSpec, name: &str) -> BuildError {
    structure(spec, format!("missing attribute `{name}`"))
}

/// The value of the attribute `name`, or a located error saying it is missing.
pub(crate) fn required<'s>(spec: &'s MediatorSpec, name: &str) -> Result<&'s str, BuildError> {
    spec.get(name).ok_or_else(|| missing(spec, name))
}

/// The value of the attribute `name`, which must not be blank when present.
pub(crate) fn non_blank<'s>(
    spec: &'s MediatorSpec,
    name: &str,
) -> Result<Option<&'s str>, BuildError> {
    match spec.get(name) {
        Some(v) if v.trim().is_empty() => Err(invalid(spec, name, v, "must not be empty")),
        other => Ok(other),
    }
}

/// `; did you mean `x`?` for the closest of `candidates` to `name`, or nothing (see
/// [`mediate_core::suggestions`] for what is close: `action` finds `responseAction`).
pub(crate) use mediate_core::did_you_mean;

fn quoted(names: &[&str], open: &str, close: &str) -> String {
    names
        .iter()
        .map(|n| format!("{open}{n}{close}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses any attribute of `spec` not in `allowed`, naming the closest allowed one.
pub(crate) fn check_attributes(spec: &MediatorSpec, allowed: &[&str]) -> Result<(), BuildError> {
    let Some((name, _)) = spec
        .properties
        .iter()
        .find(|(name, _)| !allowed.contains(&name.as_str()))
    else {
        return Ok(());
    };
    let reason = if allowed.is_empty() {
        "unknown attribute (this element takes no attributes)".to_owned()
    } else {
        format!(
            "unknown attribute (expected {}){}",
            quoted(allowed, "`", "`"),
            did_you_mean(name, allowed)
        )
    };
    Err(attribute_error(spec, name, reason))
}

/// Refuses an attribute that appears twice (a spec built in code may carry duplicates).
pub(crate) fn check_no_duplicate_attributes(spec: &MediatorSpec) -> Result<(), BuildError> {
    for (i, (name, _)) in spec.properties.iter().enumerate() {
        if spec.properties[..i].iter().any(|(n, _)| n == name) {
            return Err(attribute_error(spec, name, "is given twice".to_owned()));
        }
    }
    Ok(())
}

/// The error for a child element `<child>` of `parent` that is not one of `allowed`, located
/// at the child.
pub(crate) fn unknown_child(
    parent: &MediatorSpec,
    child: &MediatorSpec,
    allowed: &[&str],
) -> BuildError {
    let reason = if allowed.is_empty() {
        format!(
            "unknown child element `<{}>` (this element takes no child elements)",
            child.kind
        )
    } else {
        format!(
            "unknown child element `<{}>` (expected {}){}",
            child.kind,
            quoted(allowed, "`<", ">`"),
            did_you_mean(&child.kind, allowed)
        )
    };
    structure_at(parent, child, reason)
}

/// Refuses children of `spec` not named in `allowed`, and any of them given twice.
pub(crate) fn check_children(spec: &MediatorSpec, allowed: &[&str]) -> Result<(), BuildError> {
    for (i, child) in spec.children.iter().enumerate() {
        if !allowed.contains(&child.kind.as_str()) {
            return Err(unknown_child(spec, child, allowed));
        }
        if spec.children[..i].iter().any(|c| c.kind == child.kind) {
            return Err(structure(
                child,
                format!("is given twice in `<{}>`", spec.kind),
            ));
        }
    }
    Ok(())
}

/// Refuses text content in an element that holds only elements (`spec.text` of an element
/// with children is their serialized XML, which is not checked).
pub(crate) fn check_no_text(spec: &MediatorSpec) -> Result<(), BuildError> {
    if !spec.children.is_empty() {
        return Ok(());
    }
    match spec.text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Err(structure(
            spec,
            format!(
                "unexpected text `{}` (this element holds no text)",
                shorten(t)
            ),
        )),
        _ => Ok(()),
    }
}

/// The trimmed text of an element that holds only text: no attributes, no children.
pub(crate) fn leaf_text(spec: &MediatorSpec) -> Result<&str, BuildError> {
    leaf_text_with(spec, &[])
}

/// The trimmed text of an element that holds only text, with the attributes `allowed`.
pub(crate) fn leaf_text_with<'s>(
    spec: &'s MediatorSpec,
    allowed: &[&str],
) -> Result<&'s str, BuildError> {
    check_attributes(spec, allowed)?;
    if let Some(child) = spec.children.first() {
        return Err(structure_at(
            spec,
            child,
            format!(
                "unexpected child element `<{}>` (this element holds text only)",
                child.kind
            ),
        ));
    }
    Ok(spec.text.as_deref().unwrap_or_default().trim())
}

/// At most 40 characters of `s`, for messages.
pub(crate) fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(37).collect();
        format!("{head}...")
    }
}

/// `enable` / `disable` (`statistics`, `trace`), exactly as Synapse compares them.
pub(crate) fn toggle(spec: &MediatorSpec, name: &str) -> Result<Option<bool>, BuildError> {
    match spec.get(name) {
        None => Ok(None),
        Some("enable") => Ok(Some(true)),
        Some("disable") => Ok(Some(false)),
        Some(other) => Err(invalid(spec, name, other, "expected `enable` or `disable`")),
    }
}

/// The attribute text of a [`toggle`].
pub(crate) fn toggle_text(on: bool) -> &'static str {
    if on { "enable" } else { "disable" }
}

/// `true` / `false`, ignoring case and surrounding spaces (Synapse reads these flags with
/// `equalsIgnoreCase` or `JavaUtils.isTrueExplicitly`).
pub(crate) fn boolean(spec: &MediatorSpec, name: &str) -> Result<Option<bool>, BuildError> {
    match spec.get(name) {
        None => Ok(None),
        Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(invalid(spec, name, other, "expected `true` or `false`")),
    }
}

/// Parses a whole number written in decimal, refusing signs, blanks and overflow with a
/// reason that says which.
pub(crate) fn whole_number<T>(text: &str, what: &str) -> Result<T, String>
where
    T: std::str::FromStr,
{
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("is empty (expected {what})"));
    }
    if t.starts_with('-') && t.len() > 1 && t[1..].chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{t}` is negative (expected {what})"));
    }
    if t.starts_with('$') {
        return Err(format!(
            "`{t}` is an unresolved placeholder (expected {what}; `$SYSTEM:`/`$FILE:` values are resolved before endpoints are read)"
        ));
    }
    if !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{}` is not {what}", shorten(t)));
    }
    t.parse()
        .map_err(|_| format!("`{}` is too large (expected {what})", shorten(t)))
}

/// Reads `text` as Java's `Integer.parseInt` (`max` = `i32::MAX`) or `Long.parseLong`
/// (`max` = `i64::MAX`) reads it, for a setting whose negative values Synapse takes as "not
/// set": a negative number within the Java type's range is `None`, a number from 0 to `max`
/// is `Some` (a leading `+` is allowed, as Java allows it). Anything else is refused with a
/// reason that says why.
///
/// Synapse's `EndpointDefinition` starts `initialSuspendDuration` at -1 and its runtime
/// replaces any negative suspension by the default, which is why Integration Studio writes
/// `<initialDuration>-1</initialDuration>` (and `<progressionFactor>-1`) for "default".
pub(crate) fn whole_or_unset<T>(text: &str, max: u64, what: &str) -> Result<Option<T>, String>
where
    T: TryFrom<u64>,
{
    let t = text.trim();
    if let Some(digits) = t.strip_prefix('-')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        // Java's range reaches one further below zero than above it; `-0` is zero.
        return match digits.parse::<u64>() {
            Ok(0) => T::try_from(0)
                .map(Some)
                .map_err(|_| format!("`{t}` is out of range")),
            Ok(n) if n - 1 <= max => Ok(None),
            _ => Err(format!("`{}` is too small (expected {what})", shorten(t))),
        };
    }
    let unsigned = t
        .strip_prefix('+')
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(t);
    let n: u64 = whole_number(unsigned, what)?;
    if n > max {
        return Err(format!("`{}` is too large (expected {what})", shorten(t)));
    }
    T::try_from(n)
        .map(Some)
        .map_err(|_| format!("`{}` is too large (expected {what})", shorten(t)))
}

/// Compiles `text` as an expression (XPath, `json-eval(…)` or `${…}`) to check it; the error
/// says at which column it failed.
pub(crate) fn check_expression(text: &str, namespaces: &Namespaces) -> Result<(), String> {
    Expression::compile(text, namespaces)
        .map(|_| ())
        .map_err(|e| format!("invalid {} at column {}: {}", e.kind, e.column, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("initialDuraton", &["initialDuration", "errorCodes"]),
            "; did you mean `initialDuration`?"
        );
        assert_eq!(
            did_you_mean("action", &["duration", "responseAction"]),
            "; did you mean `responseAction`?"
        );
        assert_eq!(did_you_mean("zzzzzzzz", &["duration"]), "");
    }

    #[test]
    fn numbers() {
        assert_eq!(whole_number::<u64>(" 42 ", "n"), Ok(42));
        assert!(
            whole_number::<u64>("-1", "n")
                .unwrap_err()
                .contains("negative")
        );
        assert!(whole_number::<u64>("", "n").unwrap_err().contains("empty"));
        assert!(
            whole_number::<u64>("4x", "n")
                .unwrap_err()
                .contains("is not")
        );
        assert!(
            whole_number::<u8>("300", "n")
                .unwrap_err()
                .contains("too large")
        );
        assert!(
            whole_number::<u8>("$SYSTEM:X", "n")
                .unwrap_err()
                .contains("placeholder")
        );
    }

    #[test]
    fn numbers_where_negative_means_unset() {
        let int = |t: &str| whole_or_unset::<u32>(t, i32::MAX as u64, "n");
        assert_eq!(int("-1"), Ok(None));
        assert_eq!(int(" -30000 "), Ok(None));
        assert_eq!(int("-2147483648"), Ok(None));
        assert!(int("-2147483649").unwrap_err().contains("too small"));
        assert_eq!(int("-0"), Ok(Some(0)));
        assert_eq!(int("0"), Ok(Some(0)));
        assert_eq!(int("+5"), Ok(Some(5)));
        assert_eq!(int("2147483647"), Ok(Some(i32::MAX as u32)));
        assert!(int("2147483648").unwrap_err().contains("too large"));
        assert!(int("-").unwrap_err().contains("is not"));
        assert!(int("+").unwrap_err().contains("is not"));
        assert!(int("--1").unwrap_err().contains("is not"));
        assert!(int("-1.5").unwrap_err().contains("is not"));
        assert!(int("").unwrap_err().contains("empty"));
        let long = |t: &str| whole_or_unset::<u64>(t, i64::MAX as u64, "n");
        assert_eq!(long("-9223372036854775808"), Ok(None));
        assert!(
            long("-9223372036854775809")
                .unwrap_err()
                .contains("too small")
        );
        assert_eq!(long("9223372036854775807"), Ok(Some(i64::MAX as u64)));
        assert!(
            long("9223372036854775808")
                .unwrap_err()
                .contains("too large")
        );
    }
}
