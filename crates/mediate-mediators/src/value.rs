//! What a mediator attribute holds: a literal (`value="…"`) or an expression
//! (`expression="…"`, XPath, `json-eval(…)` or `${…}`), compiled once when the mediator is built.

use mediate_core::expr::ExpressionKind;
use mediate_core::expr::synapse::SynapseExpression;
use mediate_core::expr::xpath::XPathScope;
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

/// [`compile_expression`] for an expression written inside the attribute value `value` after
/// `offset` characters (the `//a` of `key="{//a}"`): the error quotes the whole value and its
/// column counts from the value's first character, so that a configuration reader can point
/// at the faulty character.
pub(crate) fn compile_expression_in(
    kind: &str,
    attribute: &str,
    value: &str,
    offset: usize,
    text: &str,
    namespaces: &Namespaces,
) -> Result<Expression, BuildError> {
    Expression::compile(text, namespaces).map_err(|e| {
        BuildError::invalid(
            kind.to_owned(),
            attribute.to_owned(),
            value.to_owned(),
            format!(
                "invalid {} at column {}: {}",
                e.kind,
                e.column + offset,
                e.message
            ),
        )
    })
}

/// Locates `error`, which the child element `child` caused (a log's `<property>`, an `<arg>`,
/// a `<case>`…), in `child`'s source text, as [`BuildError::locate`] does for a mediator: at
/// the value of `child`'s attribute `attribute` when it is written, else at `child`'s start. An
/// error that has a position already, or a child without positions (a spec built in code), is
/// returned as it is.
///
/// [`Registry::build`] locates errors against the mediator's own element only, so an error a
/// child element causes must be located here, by the mediator that reads the child.
pub(crate) fn locate_at(error: BuildError, child: &MediatorSpec, attribute: &str) -> BuildError {
    if error.position().is_some() {
        return error;
    }
    match child.position_of(attribute).or(child.position) {
        Some(position) => BuildError::Located {
            position,
            error: Box::new(error),
        },
        None => error,
    }
}

/// [`locate_at`] the attribute the error names (the `property` of a
/// [`BuildError::InvalidProperty`] or [`BuildError::MissingProperty`]) when `child` has it,
/// else at `child`'s start.
pub(crate) fn locate_child(error: BuildError, child: &MediatorSpec) -> BuildError {
    let attribute = match &error {
        BuildError::InvalidProperty { property, .. }
        | BuildError::MissingProperty { property, .. } => property.clone(),
        _ => String::new(),
    };
    locate_at(error, child, &attribute)
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
        self.evaluate_string_in(msg, &XPathScope::default())
    }

    /// [`evaluate_string`](Self::evaluate_string) with what `scope` adds to the message (the
    /// local entries `get-property('KEY')` falls back to: pass
    /// [`Env::xpath_scope`](mediate_core::Env::xpath_scope)).
    pub fn evaluate_string_in(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
    ) -> Result<String, MediationError> {
        match self {
            ValueSource::Literal(s) => Ok(s.clone()),
            ValueSource::Expression(e) => Ok(e.evaluate_string_in(msg, scope)?),
        }
    }
}

/// The attributes every mediator element takes besides its own (Synapse's
/// `AbstractMediatorFactory`): `description` (a short description for tooling), and `trace` and
/// `statistics` (`enable` or `disable`: MI collects per-mediator statistics and traces only when
/// they are enabled server-wide, which mediate does not do yet, so they change nothing here).
pub(crate) const COMMON_ATTRIBUTES: &[&str] = &["description", "trace", "statistics"];

/// The child element every mediator element takes besides its own: `<description>`
/// (`AbstractMediatorFactory` reads its text as the mediator's long description, and
/// `AbstractListMediatorFactory` skips it where mediators are listed).
pub(crate) const DESCRIPTION: &str = "description";

/// The closest of `candidates` to `name`, for a "did you mean" (see
/// [`mediate_core::suggestions`] for what is close).
pub(crate) fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    mediate_core::closest(name, candidates.iter().copied())
}

/// `; did you mean `x`?` for the closest of `candidates` (each written through `show`), or
/// nothing.
fn suggestion(name: &str, candidates: &[&str], show: impl Fn(&str) -> String) -> String {
    closest(name, candidates)
        .map(|c| format!("; did you mean {}?", show(c)))
        .unwrap_or_default()
}

/// Refuses any attribute of `spec` not in `allowed` with a [`BuildError::InvalidElement`] in
/// the configuration's words for it, `` `<log>`: unknown attribute `levle` (expected `level`,
/// …); did you mean `level`? `` (as `mediate-config` words an unknown attribute of an
/// artifact's element), located at the attribute's value (see [`locate_at`]), so a child
/// element's caller need not locate it. For a structural child element (`<then>`, `<source>`,
/// `<arg>`…); a mediator element uses [`check_mediator_attributes`].
pub(crate) fn check_attributes(spec: &MediatorSpec, allowed: &[&str]) -> Result<(), BuildError> {
    let Some((name, _)) = spec
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
            "unknown attribute `{name}` (expected {}){}",
            quoted_list(allowed, |a| format!("`{a}`")),
            suggestion(name, allowed, |a| format!("`{a}`"))
        )
    };
    let error = BuildError::element(&spec.kind, None, reason);
    Err(locate_at(error, spec, name))
}

/// [`check_attributes`] for a mediator element: its own attributes `specific` and the
/// [`COMMON_ATTRIBUTES`]; `trace` and `statistics` must be `enable` or `disable`.
pub(crate) fn check_mediator_attributes(
    spec: &MediatorSpec,
    specific: &[&str],
) -> Result<(), BuildError> {
    let allowed: Vec<&str> = specific.iter().chain(COMMON_ATTRIBUTES).copied().collect();
    check_attributes(spec, &allowed)?;
    for flag in ["trace", "statistics"] {
        if let Some(v) = spec.get(flag)
            && !matches!(v, "enable" | "disable")
        {
            return Err(spec.invalid(flag, v, "expected `enable` or `disable`"));
        }
    }
    Ok(())
}

/// The error for a child element `<child>` of `spec` that is not one of `expected` (element
/// names, written `<name>`), with the closest name suggested.
pub(crate) fn unknown_child(spec: &MediatorSpec, child: &str, expected: &[&str]) -> BuildError {
    let reason = if expected.is_empty() {
        format!(
            "unknown child element `<{child}>` (`<{}>` takes no children)",
            spec.kind
        )
    } else {
        format!(
            "unknown child element `<{child}>` (expected {}){}",
            quoted_list(expected, |e| format!("`<{e}>`")),
            suggestion(child, expected, |e| format!("`<{e}>`"))
        )
    };
    spec.invalid_structure(reason)
}

/// [`unknown_child`] for the child element `child` of `spec`, located at `child`.
pub(crate) fn unknown_child_at(
    spec: &MediatorSpec,
    child: &MediatorSpec,
    expected: &[&str],
) -> BuildError {
    locate_at(unknown_child(spec, &child.kind, expected), child, "")
}

/// Refuses any child element of mediator `spec` not in `expected` (`<description>` is always
/// accepted, see [`DESCRIPTION`]), located at that child.
pub(crate) fn check_mediator_children(
    spec: &MediatorSpec,
    expected: &[&str],
) -> Result<(), BuildError> {
    match spec
        .children
        .iter()
        .find(|c| c.kind != DESCRIPTION && !expected.contains(&c.kind.as_str()))
    {
        None => Ok(()),
        Some(child) => {
            let mut all = expected.to_vec();
            all.push(DESCRIPTION);
            Err(unknown_child_at(spec, child, &all))
        }
    }
}

/// `a`, `b` and `c` as a comma-separated list, each written through `show`.
fn quoted_list(names: &[&str], show: impl Fn(&str) -> String) -> String {
    names.iter().map(|n| show(n)).collect::<Vec<_>>().join(", ")
}

/// Refuses any child element (but `<description>`, the error located at the child) or inline
/// content of mediator `spec`.
pub(crate) fn check_no_children(spec: &MediatorSpec) -> Result<(), BuildError> {
    if let Some(child) = spec.children.iter().find(|c| c.kind != DESCRIPTION) {
        let error = spec.invalid_structure(format!(
            "unknown child element `<{}>` (`<{}>` takes no children but `<description>`)",
            child.kind, spec.kind
        ));
        return Err(locate_at(error, child, ""));
    }
    if spec.children.is_empty()
        && let Some(text) = spec.text.as_deref().filter(|t| !t.trim().is_empty())
    {
        return Err(spec.invalid_structure(format!(
            "unexpected content `{}` (`<{}>` takes no content)",
            text.trim(),
            spec.kind
        )));
    }
    Ok(())
}

/// Builds `children` with `registry` into an inline anonymous sequence (a `<then>`, a
/// `<case>`…). A `<description>` child is not a mediator and is skipped, as
/// `AbstractListMediatorFactory.addChildren` does.
pub(crate) fn inline_sequence(
    children: &[MediatorSpec],
    registry: &Registry,
) -> Result<Sequence, BuildError> {
    let mediators = children
        .iter()
        .filter(|c| c.kind != DESCRIPTION)
        .map(|c| registry.build(c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Sequence::new(None, mediators))
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

/// [`expression_reads_body`] of an expression compiled already, without compiling it again: a
/// `${…}` answers from its compiled form ([`Expression::reads_payload`], the same
/// `is_content_aware` the text check compiles for); XPath and `json-eval` keep the text check.
pub fn compiled_reads_body(expr: &Expression) -> bool {
    match expr.kind() {
        ExpressionKind::Synapse => expr.reads_payload(),
        ExpressionKind::XPath | ExpressionKind::JsonEval => expression_reads_body(expr.source()),
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

    #[test]
    fn closest_name_within_a_third_of_the_length() {
        let names = ["category", "level", "separator", "description"];
        assert_eq!(closest("categry", &names), Some("category"));
        assert_eq!(closest("LEVEL", &names), Some("level"));
        assert_eq!(closest("lvl", &names), Some("level"));
        // `descrptn` is 3 edits away, over its limit max(2, 8 / 3) = 2.
        assert_eq!(closest("descrptn", &names), None);
        assert_eq!(closest("descrption", &names), Some("description"));
        assert_eq!(closest("colour", &names), None);
        assert_eq!(closest("x", &[]), None);
    }

    #[test]
    fn unknown_attribute_and_child_messages() {
        let spec = MediatorSpec::new("then").property("sequnce", "s");
        assert_eq!(
            check_attributes(&spec, &["sequence"])
                .unwrap_err()
                .to_string(),
            "`<then>`: unknown attribute \
             `sequnce` (expected `sequence`); did you mean `sequence`?"
        );
        let spec = MediatorSpec::new("default").property("regex", "a");
        assert_eq!(
            check_attributes(&spec, &[]).unwrap_err().to_string(),
            "`<default>`: unknown attribute \
             `regex` (`<default>` takes no attributes)"
        );
        let spec = MediatorSpec::new("drop").property("trace", "on");
        assert_eq!(
            check_mediator_attributes(&spec, &[])
                .unwrap_err()
                .to_string(),
            "mediator `drop`: invalid value `on` for property `trace`: expected `enable` or \
             `disable`"
        );
        let spec = MediatorSpec::new("enrich").child(MediatorSpec::new("sorce"));
        assert_eq!(
            check_mediator_children(&spec, &["source", "target"])
                .unwrap_err()
                .to_string(),
            "mediator `enrich`: unknown child element `<sorce>` (expected `<source>`, \
             `<target>`, `<description>`); did you mean `<source>`?"
        );
        let spec = MediatorSpec::new("drop").child(MediatorSpec::new("description"));
        assert!(check_no_children(&spec).is_ok());
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

    #[test]
    fn the_compiled_check_agrees_with_the_text_check() {
        for text in [
            "//order/id",
            "$body/a",
            "get-property('x') = 'y'",
            "get-property('MESSAGE_FORMAT')",
            "json-eval($.a)",
            "json-eval($ctx:p.a)",
            "${payload.a == 1}",
            "${xpath('//a')}",
            "${vars.x == 'payload'}",
            "${vars.a > 2}",
            "${props.synapse.x}",
            "${$.a}",
        ] {
            let expr = Expression::compile(text, &Namespaces::new()).unwrap();
            assert_eq!(compiled_reads_body(&expr), reads(text), "{text}");
        }
    }

    #[test]
    fn a_value_source_reads_local_entries_in_scope() {
        let entries: std::collections::HashMap<&str, &str> = [("k", "from-entry")].into();
        let scope = XPathScope {
            local_entries: Some(&entries),
            ..XPathScope::default()
        };
        let msg = MessageContext::from_xml("<a/>");
        let source = ValueSource::Expression(
            Expression::compile("get-property('k')", &Namespaces::new()).unwrap(),
        );
        assert_eq!(
            source.evaluate_string_in(&msg, &scope).unwrap(),
            "from-entry"
        );
        assert_eq!(source.evaluate_string(&msg).unwrap(), "");
    }
}
