//! What a mediator attribute holds: a literal (`value="…"`) or an expression
//! (`expression="…"`, XPath, `json-eval(…)` or `${…}`), compiled once when the mediator is built.

use mediate_core::expr::ExpressionKind;
use mediate_core::expr::synapse::SynapseExpression;
use mediate_core::{
    BuildError, Expression, MediationError, MediatorSpec, MessageContext, Namespaces, Registry,
    Sequence,
};

/// Compile the expression attribute `attribute` of mediator `kind`; a bad expression is a
/// [`BuildError::InvalidProperty`] that says where it failed. The one place mediators compile
/// expressions.
pub(crate) fn compile_expression(
    kind: &str,
    attribute: &str,
    text: &str,
    namespaces: &Namespaces,
) -> Result<Expression, BuildError> {
    Expression::compile(text, namespaces).map_err(|e| {
        BuildError::invalid(
            kind.to_owned(),
            attribute.to_owned(),
            text.to_owned(),
            format!("invalid {} at column {}: {}", e.kind, e.column, e.message),
        )
    })
}

/// Gives a fieldless enum of attribute values its one table of names: `FromStr` (exact and
/// case-sensitive, as Synapse's factories compare them; any other text is refused with the
/// message the `else` closure makes of it, or the fixed `else` text), `as_str` and `Display` (the name as written).
///
/// ```ignore
/// attribute_enum!(Action { "set" => Set, "remove" => Remove }
///     else |other| format!("unknown action `{other}` (set or remove)"));
/// ```
macro_rules! attribute_enum {
    ($ty:ident { $($name:literal => $variant:ident),+ $(,)? } else $refuse:literal) => {
        $crate::value::attribute_enum!(
            $ty { $($name => $variant),+ } else |_other| $refuse.to_owned()
        );
    };
    ($ty:ident { $($name:literal => $variant:ident),+ $(,)? } else |$other:ident| $refuse:expr) => {
        impl ::std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok(Self::$variant),)+
                    $other => Err($refuse),
                }
            }
        }

        impl $ty {
            /// The attribute value naming this, as written in Synapse XML.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use attribute_enum;

/// A literal value or a compiled expression.
#[derive(Clone, Debug)]
pub enum ValueSource {
    /// `value="…"`: used as written.
    Literal(String),
    /// `expression="…"`: evaluated against each message.
    Expression(Expression),
}

impl ValueSource {
    /// A literal.
    pub fn literal(value: impl Into<String>) -> ValueSource {
        ValueSource::Literal(value.into())
    }

    /// Compile `text` as an expression for mediator `kind`'s attribute `attribute`; a bad
    /// expression is a [`BuildError::InvalidProperty`] that says where it failed.
    pub fn expression(
        kind: &str,
        attribute: &str,
        text: &str,
        namespaces: &Namespaces,
    ) -> Result<ValueSource, BuildError> {
        compile_expression(kind, attribute, text, namespaces).map(ValueSource::Expression)
    }

    /// The string a mediator uses: the literal, or the expression's string as Synapse gives it
    /// (`stringValueOf`).
    pub fn evaluate_string(&self, msg: &MessageContext) -> Result<String, MediationError> {
        match self {
            ValueSource::Literal(s) => Ok(s.clone()),
            ValueSource::Expression(e) => Ok(e.evaluate_string(msg)?),
        }
    }
}

/// Refuses any attribute of `spec` not in `allowed` with a [`BuildError::InvalidProperty`]
/// that names the element, the attribute and its value, and lists what the element takes.
pub(crate) fn check_attributes(spec: &MediatorSpec, allowed: &[&str]) -> Result<(), BuildError> {
    let Some((name, value)) = spec
        .properties
        .iter()
        .find(|(name, _)| !allowed.contains(&name.as_str()))
    else {
        return Ok(());
    };
    let reason = if allowed.is_empty() {
        format!(
            "unknown attribute `{name}` (`<{}>` takes no attributes)",
            spec.kind
        )
    } else {
        format!(
            "unknown attribute `{name}` (expected {})",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(spec.invalid(name, value, reason))
}

/// Refuses any child element or inline content of `spec`.
pub(crate) fn check_no_children(spec: &MediatorSpec) -> Result<(), BuildError> {
    if let Some(child) = spec.children.first() {
        return Err(spec.invalid_structure(format!(
            "unknown child element `<{}>` (`<{}>` takes no children)",
            child.kind, spec.kind
        )));
    }
    if let Some(text) = spec.text.as_deref().filter(|t| !t.trim().is_empty()) {
        return Err(spec.invalid_structure(format!(
            "unexpected content `{}` (`<{}>` takes no content)",
            text.trim(),
            spec.kind
        )));
    }
    Ok(())
}

/// Builds `children` with `registry` into an inline anonymous sequence (a `<then>`, a
/// `<case>`…).
pub(crate) fn inline_sequence(
    children: &[MediatorSpec],
    registry: &Registry,
) -> Result<Sequence, BuildError> {
    Ok(Sequence::new(None, registry.build_all(children)?))
}

/// The language of an expression's text, decided as [`Expression::compile`] does.
pub(crate) fn expression_kind(text: &str) -> ExpressionKind {
    let t = text.trim();
    if t.starts_with("${") {
        ExpressionKind::Synapse
    } else if t.starts_with("json-eval(") {
        ExpressionKind::JsonEval
    } else {
        ExpressionKind::XPath
    }
}

/// Whether an expression may read the payload (Synapse's `isContentAware` of a path), decided
/// conservatively from its text: `false` only when every part is known not to touch the body.
///
/// - `json-eval($ctx:…)`, `$axis2:`, `$trp:` read a property; any other `json-eval` reads the
///   payload.
/// - `${…}` reads the body when it names `payload`, `xpath(…)` or `$`.
/// - XPath is body-free when it only uses `$ctx:`/`$trp:`/`$axis2:`/`$url:`/`$func:`/`$env:`
///   variables, `get-property(…)` and other functions given arguments, literals, numbers and
///   operators; a location path, `.`, `@`, `*`, `/`, `$body`, `$header` or a zero-argument
///   `string()`-like call reads it.
pub fn expression_reads_body(text: &str) -> bool {
    let text = text.trim();
    match expression_kind(text) {
        ExpressionKind::JsonEval => {
            let arg = text.strip_prefix("json-eval(").unwrap_or(text).trim_start();
            !["$ctx:", "$axis2:", "$trp:"]
                .iter()
                .any(|p| arg.starts_with(p))
        }
        ExpressionKind::Synapse => match SynapseExpression::compile(text) {
            Ok(e) => e.is_content_aware(),
            Err(_) => {
                let inner = text
                    .strip_prefix("${")
                    .and_then(|t| t.strip_suffix('}'))
                    .unwrap_or(text);
                let code = strip_literals(inner);
                code.contains('$') || has_word(&code, "payload") || has_word(&code, "xpath")
            }
        },
        ExpressionKind::XPath => xpath_reads_body(&strip_literals(text)),
    }
}

/// Replaces quoted literals by `''` so that their content is not taken for code.
fn strip_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {}
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn has_word(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

fn xpath_reads_body(code: &str) -> bool {
    const BODY_FREE_VARS: [&str; 6] = ["ctx", "trp", "axis2", "url", "func", "env"];
    const CONTEXT_FNS: [&str; 7] = [
        "string",
        "number",
        "normalize-space",
        "string-length",
        "name",
        "local-name",
        "namespace-uri",
    ];
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || matches!(c, '(' | ')' | ',' | '=' | '!' | '<' | '>' | '+' | '-') {
            i += 1;
        } else if c == '\'' || c == '"' {
            // strip_literals left an empty pair.
            i += 1;
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
        } else if c == '$' {
            let start = i + 1;
            i = start;
            while i < chars.len() && (is_name_char(chars[i]) || chars[i] == ':') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            let prefix = name.split(':').next().unwrap_or_default();
            if !(name.contains(':') && BODY_FREE_VARS.contains(&prefix)) {
                return true;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (is_name_char(chars[i]) || chars[i] == ':') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            if matches!(name.as_str(), "and" | "or" | "div" | "mod") {
                continue;
            }
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if chars.get(j) != Some(&'(') {
                return true; // a location step
            }
            let mut k = j + 1;
            while k < chars.len() && chars[k].is_whitespace() {
                k += 1;
            }
            if chars.get(k) == Some(&')') && CONTEXT_FNS.contains(&name.as_str()) {
                return true; // string() and friends read the context node
            }
            if matches!(
                name.as_str(),
                "node" | "text" | "comment" | "processing-instruction"
            ) {
                return true;
            }
        } else {
            return true; // `/`, `.`, `@`, `*`, `|`, `[`…
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_expression() {
        let msg = MessageContext::from_json(r#"{"a":{"b":7}}"#);
        let ns = Namespaces::new();
        assert_eq!(
            ValueSource::literal("x").evaluate_string(&msg).unwrap(),
            "x"
        );
        let e = ValueSource::expression("log", "expression", "json-eval($.a.b)", &ns).unwrap();
        assert_eq!(e.evaluate_string(&msg).unwrap(), "7");
        let bad = ValueSource::expression("log", "expression", "count(//a", &ns).unwrap_err();
        assert!(bad.to_string().contains("column 10"), "{bad}");
    }

    fn reads(text: &str) -> bool {
        expression_reads_body(text)
    }

    #[test]
    fn content_awareness_of_expressions() {
        assert!(reads("//order/id"));
        assert!(reads("$body/a"));
        assert!(reads("string()"));
        assert!(reads("count(a) > 1"));
        assert!(!reads("get-property('x') = 'y'"));
        assert!(!reads("$ctx:a.b = 'gold' and $trp:Host != ''"));
        assert!(!reads("string-length(get-property('x')) > 2"));
        assert!(reads("json-eval($.a)"));
        assert!(!reads("json-eval($ctx:p.a)"));
        assert!(reads("${payload.a == 1}"));
        assert!(reads("${xpath('//a')}"));
        assert!(!reads("${vars.x == 'payload'}"));
        assert!(!reads("${vars.a > 2}"));
    }
}
