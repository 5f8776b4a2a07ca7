//! [`Dynamic`]: a setting written either as a value or as an `{expression}` evaluated per
//! message.

use std::fmt;

use mediate_core::{BuildError, MediatorSpec, Namespaces};

use crate::check::{check_expression, leaf_text, structure};

/// A setting that MI lets be computed per message: the value as written (`30000`), or an
/// expression in braces (`{$ctx:timeout}`, `{get-property('codes')}`) that the runtime
/// evaluates against each message and then reads as it would the written value.
///
/// MI 4.4 accepts the braces form for an endpoint's timeout `duration` and `responseAction`,
/// the `errorCodes`, `retriesBeforeSuspension` and `retryDelay` of `markForSuspension`, and
/// the `errorCodes`, `initialDuration`, `progressionFactor` and `maximumDuration` of
/// `suspendOnFailure` (wso2-synapse `EndpointDefinition`'s `dynamic*` settings and its
/// `DynamicEndpointTest`). The expression is checked when the definition is read; it is
/// compiled against [`EndpointDefinition::namespaces`](crate::EndpointDefinition::namespaces).
///
/// ```
/// use std::time::Duration;
/// use mediate_endpoints::Dynamic;
///
/// let fixed: Dynamic<Duration> = Dynamic::Value(Duration::from_secs(30));
/// assert_eq!(fixed.value(), Some(&Duration::from_secs(30)));
/// let per_message: Dynamic<Duration> = Dynamic::Expression("$ctx:timeout".into());
/// assert_eq!(per_message.expression(), Some("$ctx:timeout"));
/// let retries: Dynamic<u32> = Dynamic::Expression("$ctx:retries".into());
/// assert_eq!(retries.to_string(), "{$ctx:retries}");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Dynamic<T> {
    /// The value as written.
    Value(T),
    /// The expression between the braces, as written (trimmed).
    Expression(String),
}

impl<T> Dynamic<T> {
    /// The written value, if it is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Dynamic::Value(v) => Some(v),
            Dynamic::Expression(_) => None,
        }
    }

    /// The expression's text, if it is one.
    pub fn expression(&self) -> Option<&str> {
        match self {
            Dynamic::Value(_) => None,
            Dynamic::Expression(e) => Some(e),
        }
    }

    /// Whether the setting is computed per message.
    pub fn is_expression(&self) -> bool {
        matches!(self, Dynamic::Expression(_))
    }
}

impl<T: fmt::Display> fmt::Display for Dynamic<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dynamic::Value(v) => v.fmt(f),
            Dynamic::Expression(e) => write!(f, "{{{e}}}"),
        }
    }
}

/// Reads the text of the leaf element `spec` as a [`Dynamic`]: `{…}` is an expression
/// (compiled to check it), anything else goes through `parse`, whose error becomes a
/// located [`BuildError`] naming the element.
pub(crate) fn read_dynamic<T>(
    spec: &MediatorSpec,
    namespaces: &Namespaces,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Dynamic<T>, BuildError> {
    let text = leaf_text(spec)?;
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let inner = inner.trim();
        if inner.is_empty() {
            return Err(structure(
                spec,
                "the expression between the braces is empty",
            ));
        }
        check_expression(inner, namespaces)
            .map_err(|e| structure(spec, format!("`{{{inner}}}`: {e}")))?;
        return Ok(Dynamic::Expression(inner.to_owned()));
    }
    parse(text)
        .map(Dynamic::Value)
        .map_err(|reason| structure(spec, reason))
}

/// [`read_dynamic`] for a setting where Synapse takes some written values as "not set" (a
/// negative `<initialDuration>`): `parse` says so with `Ok(None)`, and the setting reads as
/// absent, so that writing it back leaves the element out.
pub(crate) fn read_optional_dynamic<T>(
    spec: &MediatorSpec,
    namespaces: &Namespaces,
    parse: impl Fn(&str) -> Result<Option<T>, String>,
) -> Result<Option<Dynamic<T>>, BuildError> {
    Ok(match read_dynamic(spec, namespaces, parse)? {
        Dynamic::Value(value) => value.map(Dynamic::Value),
        Dynamic::Expression(e) => Some(Dynamic::Expression(e)),
    })
}

/// The element text of a [`Dynamic`], written with `show` for a value.
pub(crate) fn dynamic_text<T>(d: &Dynamic<T>, show: impl Fn(&T) -> String) -> String {
    match d {
        Dynamic::Value(v) => show(v),
        Dynamic::Expression(e) => format!("{{{e}}}"),
    }
}
