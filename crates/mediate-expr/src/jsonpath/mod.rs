//! `json-eval(PATH)`: JSONPath with Jayway's dialect and result shapes, on top of RFC 9535.
//!
//! Synapse evaluates `json-eval(...)` with Jayway JsonPath. We evaluate with
//! [`serde_json_path`] (a complete RFC 9535 implementation, checked against the compliance suite)
//! and add a thin layer for what MI users write that the RFC lacks or spells differently.
//!
//! # Design
//!
//! [`JsonPath::compile`] first offers the whole text to `serde_json_path`. Every RFC 9535 query is
//! therefore evaluated with exact RFC semantics (node order, filter comparison rules, `length()`,
//! `match()`, …). Only when the RFC parser rejects the text does the Jayway layer step in:
//!
//! 1. Jayway normalisation: the text is trimmed, and a path not starting with `$` or `@` gets `$.`
//!    prepended (`order.id` means `$.order.id`, as in Jayway's `PathCompiler`).
//! 2. A small tokenizer splits the path into segments. Segments the RFC can express are re-emitted in
//!    RFC syntax (a dotted name the RFC shorthand does not allow, such as `.first-name` or `.1`,
//!    becomes `['first-name']`; bracket selectors are passed through verbatim so `serde_json_path`
//!    still validates them) and consecutive such segments are compiled into one `serde_json_path`
//!    query applied node by node.
//! 3. Filters using Jayway-only syntax (`=~ /re/i`, `in`, `nin`, `subsetof`, `anyof`, `noneof`,
//!    `size`, `empty`, `contains`, `all`, `===`, `!==`, functions on operand paths such as
//!    `@.tags.length()`) are parsed and evaluated by this module (`filter.rs`) with Jayway's
//!    comparison rules. Filters that are valid RFC stay with `serde_json_path`, unless they mention
//!    the root `$` (then we evaluate them so `$` keeps meaning the document root).
//! 4. A Jayway path function at the end (`.length()`, `.sum()`, `.keys()`, …, see `func.rs`) is
//!    applied to the result.
//!
//! Why a layer rather than a second engine: the RFC engine is exact, tested and maintained; a
//! Jayway-only re-implementation would duplicate it and drift from it. The layer keeps the
//! Jayway-specific parts small and explicit.
//!
//! # Result shapes ([`JsonEvalResult`])
//!
//! * A *definite* path (only names and single indexes, e.g. `$.order.items[0].sku`) gives the value
//!   itself, or nothing when nothing matches.
//! * An *indefinite* path (wildcard, slice, filter, `..`, union) gives a JSON array, `[]` when
//!   nothing matches.
//! * A path ending in a function gives the function's single value (Jayway treats the function token
//!   as definite).
//!
//! # Known differences from Jayway
//!
//! * RFC-valid queries follow the RFC: a filter on an object selects the object's matching member
//!   values (Jayway tests the object itself), `==` never converts between strings and numbers
//!   (Jayway's `@.a == '1'` matches the number 1), and a union of names gives an array (Jayway
//!   merges `['a','b']` at the end of a path into an object).
//! * A function after an indefinite path is applied to the array of matches. Jayway does this for
//!   paths starting with `..` (`$..book.length()` counts the books: `length()` there counts the
//!   children of all matches, as Jayway does) but applies the function to each match separately
//!   otherwise (which for the aggregations mostly raises an error in Jayway).
//! * `last()`/`index(-n)` also work on the first element (Jayway refuses a computed index of 0).

mod filter;
mod func;
mod multi;
mod stream;

pub use multi::{MultiSelect, Selected};
pub use stream::{PathStep, select as select_in_text};

use std::fmt;

use serde_json::Value;
use serde_json_path::JsonPath as RfcPath;

use self::filter::FilterExpr;
use self::func::TailFunction;

/// A path that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSONPath at column {column}: {message}")]
pub struct JsonPathError {
    /// 1-based column (in characters) in the text given to [`JsonPath::compile`].
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A path function that could not produce a value (Jayway throws in these cases), e.g. `.min()` of an
/// array without numbers, `.first()` of an empty array.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JSONPath function {function}(): {message}")]
pub struct JsonEvalError {
    /// The function name.
    pub function: String,
    /// What went wrong.
    pub message: String,
}

/// The result of evaluating a [`JsonPath`], shaped like Jayway's.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonEvalResult {
    /// A definite path (or a path ending in a function): the value, `None` when nothing matched.
    Definite(Option<Value>),
    /// An indefinite path: every match, in document order (empty when nothing matched).
    Indefinite(Vec<Value>),
}

impl JsonEvalResult {
    /// The result as one JSON value: the value itself for a definite path, an array otherwise.
    pub fn into_value(self) -> Option<Value> {
        match self {
            JsonEvalResult::Definite(v) => v,
            JsonEvalResult::Indefinite(vs) => Some(Value::Array(vs)),
        }
    }

    /// MI's string form of a `json-eval` result: a JSON string prints without quotes, any other value
    /// as compact JSON, nothing as the empty string.
    pub fn to_display_string(&self) -> String {
        match self {
            JsonEvalResult::Definite(None) => String::new(),
            JsonEvalResult::Definite(Some(Value::String(s))) => s.clone(),
            JsonEvalResult::Definite(Some(v)) => json_text(v),
            JsonEvalResult::Indefinite(vs) => json_list_text(vs.iter()),
        }
    }
}

/// A JSON value as compact text: `serde_json::to_string` writes straight into one buffer,
/// several times faster than going through `Display` and a formatter.
fn json_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// Values as a compact JSON array (Jayway's indefinite result as text).
fn json_list_text<'a>(values: impl Iterator<Item = &'a Value>) -> String {
    let mut out = String::from("[");
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&json_text(v));
    }
    out.push(']');
    out
}

/// A compiled `json-eval` path. Compile once, evaluate many times; cheap to clone.
#[derive(Debug, Clone)]
pub struct JsonPath {
    source: String,
    plan: Plan,
    /// Only names and single indexes (before any function).
    singular: bool,
    /// The first segment after the root is `..` (Jayway's "scan" token).
    starts_with_scan: bool,
    function: Option<TailFunction>,
    /// The steps of a simple definite path, for [`JsonPath::evaluate_text`].
    stream: Option<Vec<PathStep>>,
}

#[derive(Debug, Clone)]
enum Plan {
    /// The whole text is an RFC 9535 query.
    Rfc(RfcPath),
    /// Jayway path: RFC runs and Jayway filters applied in turn.
    Steps(Vec<Step>),
}

#[derive(Debug, Clone)]
enum Step {
    /// Consecutive RFC segments, compiled as `$<segments>` and applied to each current node.
    Rfc(RfcPath),
    /// A Jayway filter `[?(...)]` (or `..[?(...)]` when `descendant`).
    Filter {
        descendant: bool,
        expr: Box<FilterExpr>,
    },
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl JsonPath {
    /// Compiles a `json-eval` path: any RFC 9535 query, plus Jayway's dialect (see the module docs).
    pub fn compile(path: &str) -> Result<JsonPath, JsonPathError> {
        if let Ok(rfc) = RfcPath::parse(path) {
            let singular = is_singular_query(path);
            let starts_with_scan = path.starts_with("$..");
            return Ok(JsonPath {
                source: path.to_owned(),
                plan: Plan::Rfc(rfc),
                singular,
                starts_with_scan,
                function: None,
                stream: stream::simple_segments(path.trim()).filter(|_| path.trim() == path),
            });
        }
        compile_jayway(path)
    }

    /// The text this path was compiled from.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether [`evaluate`](Self::evaluate) gives a single value ([`JsonEvalResult::Definite`]):
    /// the path has only names and single indexes, or ends in a function.
    pub fn is_definite(&self) -> bool {
        self.singular || self.function.is_some()
    }

    /// Whether [`evaluate_text`](Self::evaluate_text) can answer this path from the text.
    pub fn is_streamable(&self) -> bool {
        self.stream.is_some()
    }

    /// The steps of a simple definite path (`$` then only names and non-negative indexes), as
    /// [`evaluate_text`](Self::evaluate_text) and [`MultiSelect`] read them; `None` for any
    /// other path.
    pub fn steps(&self) -> Option<&[PathStep]> {
        self.stream.as_deref()
    }

    /// Evaluates against the JSON *text* of a document when the path allows it, without building
    /// the document's tree: only the selected value is built (see the `stream` module). `None`
    /// when the path needs the whole tree; then use [`evaluate`](Self::evaluate).
    pub fn evaluate_text(&self, text: &str) -> Option<Result<JsonEvalResult, serde_json::Error>> {
        let segs = self.stream.as_deref()?;
        Some(stream::select(text, segs).map(JsonEvalResult::Definite))
    }

    /// Evaluates against a document. A path function that fails (see [`JsonEvalError`]) gives
    /// `Definite(None)`; use [`try_evaluate`](Self::try_evaluate) to see the error.
    pub fn evaluate(&self, doc: &Value) -> JsonEvalResult {
        self.try_evaluate(doc)
            .unwrap_or(JsonEvalResult::Definite(None))
    }

    /// Evaluates against a document, reporting path function failures.
    pub fn try_evaluate(&self, doc: &Value) -> Result<JsonEvalResult, JsonEvalError> {
        self.evaluate_at(doc, doc)
    }

    /// The string a mediator sees for this path over `doc`: [`try_evaluate`](Self::try_evaluate)
    /// then [`JsonEvalResult::to_display_string`], but written from the selected nodes without
    /// copying them first.
    pub fn try_display(&self, doc: &Value) -> Result<String, JsonEvalError> {
        if self.function.is_some() {
            return self.try_evaluate(doc).map(|r| r.to_display_string());
        }
        let nodes = self.nodes_at(doc, doc);
        Ok(if self.singular {
            match nodes.first() {
                None => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => json_text(v),
            }
        } else {
            json_list_text(nodes.into_iter())
        })
    }

    /// The raw RFC-style node list (document order, duplicates kept) selected by the path, before
    /// any trailing function and without Jayway's result shaping.
    pub fn query_nodes<'a>(&self, doc: &'a Value) -> Vec<&'a Value> {
        self.nodes_at(doc, doc)
    }

    /// Evaluates with `node` as the path's `$`/`@` and `root` as the document (for `$` in filters and
    /// function arguments).
    fn evaluate_at(&self, node: &Value, root: &Value) -> Result<JsonEvalResult, JsonEvalError> {
        let nodes = self.nodes_at(node, root);
        let Some(function) = &self.function else {
            return Ok(if self.singular {
                JsonEvalResult::Definite(nodes.first().map(|v| (*v).clone()))
            } else {
                JsonEvalResult::Indefinite(nodes.into_iter().cloned().collect())
            });
        };
        let value = if self.singular {
            match nodes.first() {
                Some(v) => function.apply(v, root)?,
                None => None,
            }
        } else if self.starts_with_scan && function.counts_children() {
            let count: usize = nodes
                .iter()
                .map(|v| match v {
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    _ => 0,
                })
                .sum();
            Some(Value::from(count))
        } else {
            let all = Value::Array(nodes.into_iter().cloned().collect());
            function.apply(&all, root)?
        };
        Ok(JsonEvalResult::Definite(value))
    }

    fn nodes_at<'a>(&self, node: &'a Value, root: &'a Value) -> Vec<&'a Value> {
        match &self.plan {
            Plan::Rfc(p) => p.query(node).all(),
            Plan::Steps(steps) => {
                let mut current = vec![node];
                for step in steps {
                    current = match step {
                        Step::Rfc(p) => {
                            current.into_iter().flat_map(|n| p.query(n).all()).collect()
                        }
                        Step::Filter { descendant, expr } => {
                            let mut out = Vec::new();
                            for n in current {
                                if *descendant {
                                    visit_preorder(n, &mut |d| {
                                        filter_children(d, expr, root, &mut out)
                                    });
                                } else {
                                    filter_children(n, expr, root, &mut out);
                                }
                            }
                            out
                        }
                    };
                }
                current
            }
        }
    }
}

fn children(v: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Value::Array(a) => Box::new(a.iter()),
        Value::Object(o) => Box::new(o.values()),
        _ => Box::new(std::iter::empty()),
    }
}

fn filter_children<'a>(v: &'a Value, expr: &FilterExpr, root: &'a Value, out: &mut Vec<&'a Value>) {
    out.extend(children(v).filter(|c| expr.test(c, root)));
}

fn visit_preorder<'a>(v: &'a Value, f: &mut dyn FnMut(&'a Value)) {
    f(v);
    for c in children(v) {
        visit_preorder(c, f);
    }
}

/// RFC 9535 singular query test, delegated to `serde_json_path`: only singular queries may be
/// compared in a filter, so `$[?Q==0]` parses exactly when `Q` is singular.
fn is_singular_query(query: &str) -> bool {
    RfcPath::parse(&format!("$[?{query}==0]")).is_ok()
}

/// RFC `member-name-shorthand`.
fn is_name_shorthand(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = |c: char| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii();
    match chars.next() {
        Some(c) if first_ok(c) => chars.all(|c| first_ok(c) || c.is_ascii_digit()),
        _ => false,
    }
}

/// An RFC single-quoted name selector for `name`.
fn quote_name(name: &str) -> String {
    let mut out = String::from("['");
    for c in name.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("']");
    out
}

/// Index of the `]` closing the bracket opened at `open`, skipping quoted strings, nested
/// brackets/parentheses and Jayway regex literals (`=~ /.../`).
pub(crate) fn find_closing(chars: &[char], open: usize, close: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    let mut prev_sig: [char; 2] = [' ', ' '];
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '/' if prev_sig == ['=', '~'] => {
                i += 1;
                while i < chars.len() && chars[i] != '/' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (c == close).then_some(i);
                }
            }
            _ => {}
        }
        if !c.is_whitespace() {
            prev_sig = [prev_sig[1], c];
        }
        i += 1;
    }
    None
}

/// Compiles the Jayway dialect (see the module docs).
fn compile_jayway(path: &str) -> Result<JsonPath, JsonPathError> {
    // columns: map an index of `chars` back to a 1-based column of `path`
    let lead = path.chars().take_while(|c| c.is_whitespace()).count();
    let trimmed = path.trim();
    let (text, shift): (String, isize) = if trimmed.starts_with('$') || trimmed.starts_with('@') {
        (trimmed.to_owned(), lead as isize)
    } else {
        (format!("$.{trimmed}"), lead as isize - 2)
    };
    let chars: Vec<char> = text.chars().collect();
    let err = |i: usize, message: String| JsonPathError {
        column: (i as isize + shift).max(0) as usize + 1,
        message,
    };
    if chars.is_empty() || trimmed.is_empty() {
        return Err(err(0, "empty path".into()));
    }
    if chars.last() == Some(&'.') {
        return Err(err(
            chars.len() - 1,
            "path must not end with '.' or '..'".into(),
        ));
    }

    let mut steps: Vec<Step> = Vec::new();
    let mut run = String::from("$");
    let mut run_start = 0usize;
    let mut singular = true;
    let mut starts_with_scan = false;
    let mut function = None;
    let mut i = 1;

    let flush =
        |run: &mut String, run_start: usize, steps: &mut Vec<Step>| -> Result<(), JsonPathError> {
            if run.len() > 1 {
                let p = RfcPath::parse(run).map_err(|e| JsonPathError {
                    column: (run_start as isize + shift).max(0) as usize + 1,
                    message: e.message().to_owned(),
                })?;
                steps.push(Step::Rfc(p));
            }
            *run = String::from("$");
            Ok(())
        };

    while i < chars.len() {
        let seg_start = i;
        let descendant = if chars[i] == '.' && chars.get(i + 1) == Some(&'.') {
            i += 2;
            true
        } else if chars[i] == '.' {
            i += 1;
            false
        } else if chars[i] == '[' {
            false
        } else {
            return Err(err(
                i,
                format!("unexpected '{}': expected '.' or '['", chars[i]),
            ));
        };
        if seg_start == 1 && descendant {
            starts_with_scan = true;
        }
        if run.len() == 1 {
            run_start = seg_start;
        }
        let prefix = if descendant { ".." } else { "" };
        match chars.get(i) {
            None => return Err(err(i, "path must not end with '.' or '..'".into())),
            Some('.') => return Err(err(i, "unexpected '.'".into())),
            Some('[') => {
                let close =
                    find_closing(&chars, i, ']').ok_or_else(|| err(i, "unclosed '['".into()))?;
                let inner: String = chars[i + 1..close].iter().collect();
                let segment: String = chars[i..=close].iter().collect();
                if inner.trim_start().starts_with('?') {
                    singular = false;
                    let rfc_ok = !mentions_root(&inner)
                        && RfcPath::parse(&format!("${prefix}{segment}")).is_ok();
                    if rfc_ok {
                        run.push_str(prefix);
                        run.push_str(&segment);
                    } else {
                        flush(&mut run, run_start, &mut steps)?;
                        let q = inner.find('?').unwrap_or(0);
                        let body_start = i + 1 + inner[..q].chars().count() + 1;
                        let expr = filter::parse_filter(&chars[body_start..close])
                            .map_err(|(pos, message)| err(body_start + pos, message))?;
                        steps.push(Step::Filter {
                            descendant,
                            expr: Box::new(expr),
                        });
                    }
                } else {
                    if descendant || !is_singular_query(&format!("${segment}")) {
                        singular = false;
                    }
                    run.push_str(prefix);
                    run.push_str(&segment);
                }
                i = close + 1;
            }
            Some('*') => {
                singular = false;
                run.push_str(if descendant { "..*" } else { ".*" });
                i += 1;
            }
            Some(_) => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], '.' | '[' | '(') {
                    if chars[i].is_whitespace() {
                        return Err(err(
                            i,
                            "use bracket notation ['my prop'] for names with blanks".into(),
                        ));
                    }
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&'(') {
                    let close = find_closing(&chars, i, ')').ok_or_else(|| {
                        err(i, format!("arguments of function '{name}' are not closed"))
                    })?;
                    if close + 1 != chars.len() {
                        return Err(err(
                            close + 1,
                            format!("function '{name}()' must end the path"),
                        ));
                    }
                    let args: Vec<char> = chars[i + 1..close].to_vec();
                    function =
                        Some(TailFunction::parse(&name, &args).map_err(|(pos, message)| {
                            err(pos.map_or(start, |p| i + 1 + p), message)
                        })?);
                    i = close + 1;
                } else {
                    if descendant {
                        singular = false;
                    }
                    if is_name_shorthand(&name) {
                        run.push_str(if descendant { ".." } else { "." });
                        run.push_str(&name);
                    } else {
                        run.push_str(prefix);
                        run.push_str(&quote_name(&name));
                    }
                }
            }
        }
    }
    flush(&mut run, run_start, &mut steps)?;
    Ok(JsonPath {
        source: path.to_owned(),
        plan: Plan::Steps(steps),
        singular,
        starts_with_scan,
        function,
        stream: None,
    })
}

/// Turns a Jayway literal into JSON text: single-quoted strings become JSON strings, the rest is
/// copied (double-quoted strings, numbers, `true`, brackets, …).
pub(crate) fn jsonify(chars: &[char]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                }
                out.push(chars[i]);
                i += 1;
            }
            if i < chars.len() {
                out.push('"');
            }
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                    match chars[i] {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        'u' if i + 4 < chars.len() => {
                            let hex: String = chars[i + 1..i + 5].iter().collect();
                            if let Some(ch) =
                                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                            {
                                s.push(ch);
                                i += 4;
                            } else {
                                s.push('u');
                            }
                        }
                        other => s.push(other),
                    }
                } else {
                    s.push(chars[i]);
                }
                i += 1;
            }
            out.push_str(&Value::String(s).to_string());
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Whether a filter body refers to the document root `$` (outside string literals).
fn mentions_root(body: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in body.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '$' => return true,
                _ => {}
            },
        }
    }
    false
}

/// Compiles a path found inside a filter or a function argument (Jayway dialect; `@` is the
/// current node). Never takes the whole-RFC shortcut, so `$` inside keeps meaning the root.
pub(crate) fn compile_operand(text: &str) -> Result<JsonPath, JsonPathError> {
    compile_jayway(text)
}

/// Evaluates an operand path with `node` as `@`/`$` (relative) or the root (absolute).
pub(crate) fn eval_operand(
    path: &JsonPath,
    absolute: bool,
    node: &Value,
    root: &Value,
) -> JsonEvalResult {
    let start = if absolute { root } else { node };
    path.evaluate_at(start, root)
        .unwrap_or(JsonEvalResult::Definite(None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        let doc = json!({"a": {"b": [1, 2, {"c": "x"}]}});
        let p = JsonPath::compile("$.a.b[2].c").unwrap();
        assert!(p.is_definite());
        assert_eq!(p.evaluate(&doc), JsonEvalResult::Definite(Some(json!("x"))));
        assert_eq!(p.evaluate(&doc).to_display_string(), "x");
        let p = JsonPath::compile("$.a.b[*]").unwrap();
        assert!(!p.is_definite());
        assert_eq!(p.evaluate(&doc).to_display_string(), r#"[1,2,{"c":"x"}]"#);
        assert_eq!(
            JsonPath::compile("$.zz").unwrap().evaluate(&doc),
            JsonEvalResult::Definite(None)
        );
        assert_eq!(
            JsonPath::compile("$..zz").unwrap().evaluate(&doc),
            JsonEvalResult::Indefinite(vec![])
        );
    }

    #[test]
    fn jayway_names() {
        let doc = json!({"first-name": "Ann", "a": {"1": true}});
        assert_eq!(
            JsonPath::compile("$.first-name")
                .unwrap()
                .evaluate(&doc)
                .into_value(),
            Some(json!("Ann"))
        );
        assert_eq!(
            JsonPath::compile("a.1")
                .unwrap()
                .evaluate(&doc)
                .into_value(),
            Some(json!(true))
        );
        assert!(JsonPath::compile("a.1").unwrap().is_definite());
        assert_eq!(JsonPath::compile("$.a b").unwrap_err().column, 4);
        assert_eq!(JsonPath::compile("a b").unwrap_err().column, 2);
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync + Clone + fmt::Debug>() {}
        check::<JsonPath>();
        check::<JsonEvalResult>();
    }
}
