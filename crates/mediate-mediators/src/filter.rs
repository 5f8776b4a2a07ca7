//! The filter mediator (`<filter>`): Synapse's `FilterMediator`.
//!
//! The condition is either an expression (`xpath="…"`: XPath, `json-eval(…)` or `${…}`) or a
//! `source` expression whose string must match a `regex` *as a whole* (Java's
//! `Matcher.matches`, so `gold|plat.*` does not match `golden`). When it holds the `then`
//! branch runs, otherwise the `else` branch; a branch is an inline [`Sequence`] or the key of a
//! deployed sequence (`<then sequence="key"/>`), looked up in the [`Env`] when the message
//! passes. MI's short form (`<filter xpath="…">children</filter>`) is a `then` branch and no
//! `else`. The filter returns the [`Flow`] of the branch it ran, or [`Flow::Continue`] when the
//! condition fails and there is no `else`.

use std::sync::Arc;

use mediate_core::expr::jsonpath::JsonEvalResult;
use mediate_core::expr::synapse::ExprValue;
use mediate_core::expr::{Evaluated, ExpressionKind};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MessageContext, Namespaces,
    Sequence, async_trait,
};
use regex::Regex;

use crate::value::compile_expression;

const KIND: &str = "filter";

/// What decides which branch runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterCondition {
    /// `xpath="…"`: any expression, taken as a boolean (XPath `boolean()`, a `${…}` boolean,
    /// or `json-eval`'s string read by Java's `Boolean.parseBoolean`).
    Expression(String),
    /// `source="…" regex="…"`: the source's string must match the regex as a whole.
    Regex {
        /// The source expression.
        source: String,
        /// The regular expression (Rust `regex` syntax, which covers Java's common subset).
        regex: String,
    },
}

/// A branch of a filter (or a case of a switch): inline mediators or a sequence key.
#[derive(Debug)]
pub enum Branch {
    /// Inline mediators (`<then>…</then>`, or the filter's children in the short form).
    Inline(Sequence),
    /// A deployed sequence, found in the [`Env`] at run time (`<then sequence="key"/>`).
    Key(String),
}

impl From<Vec<Arc<dyn Mediator>>> for Branch {
    fn from(mediators: Vec<Arc<dyn Mediator>>) -> Self {
        Branch::Inline(Sequence::new(None, mediators))
    }
}

impl From<Sequence> for Branch {
    fn from(seq: Sequence) -> Self {
        Branch::Inline(seq)
    }
}

/// The configuration of a filter mediator (data); [`build`](Self::build) makes the runtime
/// [`Filter`].
#[derive(Debug)]
pub struct FilterConfig {
    /// The condition.
    pub condition: FilterCondition,
    /// Prefixes used by the expressions.
    pub namespaces: Namespaces,
    /// What runs when the condition holds (an empty inline sequence when not given).
    pub then: Branch,
    /// What runs when it does not (`None`: nothing, the flow continues).
    pub otherwise: Option<Branch>,
}

impl FilterConfig {
    /// A filter on an expression (`xpath="…"`).
    pub fn expression(expr: impl Into<String>) -> Self {
        Self::with(FilterCondition::Expression(expr.into()))
    }

    /// A filter matching `source`'s string against `regex` (`source="…" regex="…"`).
    pub fn regex(source: impl Into<String>, regex: impl Into<String>) -> Self {
        Self::with(FilterCondition::Regex {
            source: source.into(),
            regex: regex.into(),
        })
    }

    fn with(condition: FilterCondition) -> Self {
        Self {
            condition,
            namespaces: Namespaces::default(),
            then: Branch::Inline(Sequence::anonymous()),
            otherwise: None,
        }
    }

    /// Sets the namespace prefixes of the expressions.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Sets the `then` branch (or the short form's children).
    #[must_use]
    pub fn then(mut self, branch: impl Into<Branch>) -> Self {
        self.then = branch.into();
        self
    }

    /// Sets the `else` branch.
    #[must_use]
    pub fn otherwise(mut self, branch: impl Into<Branch>) -> Self {
        self.otherwise = Some(branch.into());
        self
    }

    /// Compiles the expressions and the regex.
    pub fn build(self) -> Result<Filter, BuildError> {
        let condition = match self.condition {
            FilterCondition::Expression(text) => {
                Condition::Test(compile_expression(KIND, "xpath", &text, &self.namespaces)?)
            }
            FilterCondition::Regex { source, regex } => Condition::Regex {
                source: compile_expression(KIND, "source", &source, &self.namespaces)?,
                pattern: whole_match_regex(KIND, "regex", &regex)?,
            },
        };
        let then = Target::from(self.then);
        let otherwise = self.otherwise.map(Target::from);
        let expr_reads = match &condition {
            Condition::Test(e) | Condition::Regex { source: e, .. } => expression_reads_body(e),
        };
        let reads_body =
            expr_reads || then.reads_body() || otherwise.as_ref().is_some_and(Target::reads_body);
        Ok(Filter {
            condition,
            then,
            otherwise,
            reads_body,
        })
    }
}

#[derive(Debug)]
enum Condition {
    Test(Expression),
    Regex { source: Expression, pattern: Regex },
}

/// A built branch.
#[derive(Debug)]
pub(crate) enum Target {
    Inline(Arc<Sequence>),
    Key(String),
}

impl From<Branch> for Target {
    fn from(b: Branch) -> Self {
        match b {
            Branch::Inline(seq) => Target::Inline(Arc::new(seq)),
            Branch::Key(k) => Target::Key(k),
        }
    }
}

impl Target {
    /// A key's sequence is unknown when building, so it may read the body.
    pub(crate) fn reads_body(&self) -> bool {
        match self {
            Target::Inline(seq) => seq.reads_body(),
            Target::Key(_) => true,
        }
    }

    /// Runs the branch; `missing` makes the error for an unknown key.
    pub(crate) async fn run(
        &self,
        msg: &mut MessageContext,
        env: &Env,
        missing: impl FnOnce(&str) -> String,
    ) -> Result<Flow, MediationError> {
        match self {
            Target::Inline(seq) => seq.mediate(msg, env).await,
            Target::Key(key) => match env.get_sequence(key) {
                Some(seq) => seq.mediate(msg, env).await,
                None => Err(MediationError::mediator(missing(key))),
            },
        }
    }
}

/// The runtime filter mediator; build it from a [`FilterConfig`].
#[derive(Debug)]
pub struct Filter {
    condition: Condition,
    then: Target,
    otherwise: Option<Target>,
    reads_body: bool,
}

impl Filter {
    /// Evaluates the condition as `FilterMediator.test` does.
    pub fn test(&self, msg: &MessageContext) -> Result<bool, MediationError> {
        match &self.condition {
            Condition::Test(expr) => expression_boolean(expr, msg).map_err(|e| {
                MediationError::mediator(format!(
                    "Error evaluating XPath expression : {}",
                    expr.source()
                ))
                .with_source(e)
            }),
            Condition::Regex { source, pattern } => {
                Ok(source_string(source, msg)?.is_some_and(|s| pattern.is_match(&s)))
            }
        }
    }
}

#[async_trait]
impl Mediator for Filter {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        if self.test(msg)? {
            tracing::debug!("filter condition holds: running the then branch");
            self.then
                .run(msg, env, |k| {
                    format!("Couldn't find the referred then sequence with key : {k}")
                })
                .await
        } else if let Some(otherwise) = &self.otherwise {
            tracing::debug!("filter condition fails: running the else branch");
            otherwise
                .run(msg, env, |k| {
                    format!("Couldn't find the referred else sequence with key : {k}")
                })
                .await
        } else {
            tracing::debug!("filter condition fails and no else branch: skipping");
            Ok(Flow::Continue)
        }
    }

    fn kind(&self) -> &str {
        KIND
    }

    fn reads_body(&self) -> bool {
        self.reads_body
    }
}

/// Compiles `regex` so that it must match the whole input, as Java's `Matcher.matches` does.
pub(crate) fn whole_match_regex(
    kind: &str,
    attribute: &str,
    regex: &str,
) -> Result<Regex, BuildError> {
    Regex::new(&format!(r"\A(?:{regex})\z")).map_err(|e| BuildError::InvalidProperty {
        kind: kind.to_owned(),
        property: attribute.to_owned(),
        value: regex.to_owned(),
        reason: e.to_string(),
    })
}

/// Whether `regex` matches the whole of `input` (Java's `Pattern.matches(regex, input)`);
/// `None` if the regex does not compile.
pub fn matches_whole(regex: &str, input: &str) -> Option<bool> {
    whole_match_regex(KIND, "regex", regex)
        .ok()
        .map(|r| r.is_match(input))
}

/// The boolean of an expression as Synapse's `booleanValueOf` gives it: XPath `boolean()`;
/// a `${…}` boolean as it is, any other `${…}` value and any `json-eval` result through
/// `Boolean.parseBoolean` of its string (`SynapseJsonPath.booleanValueOf`), so only
/// `"true"` (any case) is true.
pub fn expression_boolean(
    expr: &Expression,
    msg: &MessageContext,
) -> Result<bool, mediate_core::EvaluationError> {
    if expr.kind() == ExpressionKind::JsonEval {
        return Ok(parse_boolean(&expr.evaluate_string(msg)?));
    }
    Ok(match expr.evaluate(msg)? {
        Evaluated::XPath(v) => v.boolean(),
        Evaluated::Synapse(ExprValue::Bool(b)) => b,
        Evaluated::Synapse(v) => parse_boolean(&v.to_string()),
        Evaluated::Json(r) => parse_boolean(&r.to_display_string()),
    })
}

fn parse_boolean(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

/// The string of a source expression, `None` when it evaluates to nothing (`null` in Synapse):
/// a `json-eval` that matched nothing or a `${…}` `null`. XPath always gives a string (empty
/// for an empty node-set).
pub(crate) fn source_string(
    expr: &Expression,
    msg: &MessageContext,
) -> Result<Option<String>, MediationError> {
    match expr.kind() {
        ExpressionKind::XPath => Ok(Some(expr.evaluate_string(msg)?)),
        ExpressionKind::JsonEval => {
            let s = expr.evaluate_string(msg)?;
            if s.is_empty()
                && matches!(
                    expr.evaluate(msg)?,
                    Evaluated::Json(JsonEvalResult::Definite(None))
                )
            {
                return Ok(None);
            }
            Ok(Some(s))
        }
        ExpressionKind::Synapse => match expr.evaluate(msg)? {
            Evaluated::Synapse(ExprValue::Null) => Ok(None),
            Evaluated::Synapse(v) => Ok(Some(v.to_string())),
            _ => Ok(Some(expr.evaluate_string(msg)?)),
        },
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
pub fn expression_reads_body(expr: &Expression) -> bool {
    let text = expr.source().trim();
    match expr.kind() {
        ExpressionKind::JsonEval => {
            let arg = text.strip_prefix("json-eval(").unwrap_or(text).trim_start();
            !["$ctx:", "$axis2:", "$trp:"]
                .iter()
                .any(|p| arg.starts_with(p))
        }
        ExpressionKind::Synapse => {
            let inner = text
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(text);
            let code = strip_literals(inner);
            code.contains('$') || has_word(&code, "payload") || has_word(&code, "xpath")
        }
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

    fn reads(text: &str) -> bool {
        expression_reads_body(&Expression::compile(text, &Namespaces::default()).unwrap())
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
