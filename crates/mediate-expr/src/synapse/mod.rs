//! Synapse expressions `${…}` (WSO2 Micro Integrator 4.4+), compiled once, evaluated many times.
//!
//! ```
//! use mediate_expr::synapse::{MapEnv, SynapseExpression};
//! let env = MapEnv::with_payload(serde_json::json!({"order": {"total": 10}})).var("rate", 1.5);
//! let e = SynapseExpression::compile("${payload.order.total * vars.rate}").unwrap();
//! assert_eq!(e.evaluate(&env).unwrap().to_string(), "15.0");
//! ```
//!
//! # Grammar
//!
//! Taken from MI's `ExpressionLexer.g4` / `ExpressionParser.g4` and the MI documentation
//! ("Synapse Expressions Syntax"); `{}` is repetition, `[]` is option:
//!
//! ```text
//! expression  = or [ "?" expression ":" expression ]
//! or          = and { ("||" | "or") and }
//! and         = cmp { ("&&" | "and") cmp }
//! cmp         = add { ("==" | "!=" | "<" | "<=" | ">" | ">=") add }
//! add         = mul { ("+" | "-") mul }
//! mul         = unary { ("*" | "/" | "%") unary }
//! unary       = ("-" | "!") unary | primary
//! primary     = NUMBER | STRING | "true" | "false" | "null"
//!             | "[" [ expression { "," expression } ] "]"          (array literal)
//!             | "(" expression ")"
//!             | ("payload" | "$") path
//!             | ("vars" | "var") name path
//!             | "headers" name | ("configs" | "config") name
//!             | ("properties" | "props") "." ("synapse" | "axis2") name
//!             | "params" "." ("pathParams" | "uriParams" | "queryParams" | "functionParams") name
//!             | FUNCTION "(" [ expression { "," expression } ] ")" [ ".property(" expression ")" ] [ path ]
//! name        = "." IDENT | "." STRING | [ "." ] "[" STRING "]"
//! path        = { "." IDENT | "." "*" | ".." IDENT | ".." "*" | [ "." ] "[" selector "]" } [ "." JPFUNC "()" ]
//! selector    = "*" | expression | expression { "," expression }       (index / name / union)
//!             | [ expression ] ":" [ expression ] [ ":" [ expression ] ] (slice)
//!             | "?" FILTER                                            (JSONPath filter, raw text)
//! JPFUNC      = length | size | min | max | avg | sum | stddev | keys | first | last
//! NUMBER      = digits [ "." digits ]     STRING = '…' | "…" with \b \t \n \f \r \" \' \\ \/ \uXXXX \ooo
//! ```
//!
//! Filters are RFC 9535 JSONPath (evaluated with `serde_json_path`) in which Synapse accesses
//! (`vars.x`, `headers.h`, `payload.a`, `props.synapse.p`, `params…`, `configs.c`) are replaced by
//! their JSON values before evaluation, as MI does: `payload.users[?(@.age >= vars.minAge)]`.
//!
//! # Functions
//!
//! | group | functions |
//! | --- | --- |
//! | string | `length(s\|array)`, `toUpper(s)`, `toLower(s)`, `subString(s, start[, end])`, `startsWith(s, p)`, `endsWith(s, p)`, `contains(s, p)`, `trim(s)`, `replace(s, old, new)` (literal), `split(s, regex)`, `charAt(s, i)`, `indexOf(s, p[, from])` |
//! | math | `abs`, `floor`, `ceil`, `sqrt`, `log` (natural), `pow(b, e)`, `round(x[, places])` |
//! | encoding | `base64encode(s[, charset])`, `base64decode(s[, charset])`, `urlEncode(s[, charset])`, `urlDecode(s[, charset])` |
//! | type checks | `isNumber`, `isString`, `isArray`, `isObject`, `isBoolean` (extension) |
//! | conversions | `integer`, `float`, `string`, `boolean`, `object`, `array` |
//! | misc | `exists(expr)`, `not(b)`, `now()`, `formatDateTime(millis, pattern)`, `formatDateTime(text, oldPattern, newPattern)` |
//! | environment | `xpath(expr[, varName])`, `registry(key)`, `registry(key).property(name)`, `registry(key).json.path`, `secret(alias)`, `hashicorp-vault([ns,] path, field)` |
//!
//! Names are case-sensitive as in MI; an unknown name is a compile error with a suggestion,
//! and argument counts are checked at compile time. `indexOf(s, p, from)` starts searching *at*
//! `from` (Java `String.indexOf`), although MI's docs say "after".
//!
//! # Value model
//!
//! [`ExprValue`]: null, boolean, integer (`i64`), double (`f64`), string, JSON array, JSON
//! object, XML text. `Display` prints as MI does: integers plain, doubles like Java
//! `Double.toString` (`25.0`, `17.94`, `1.0E7`), strings raw, arrays/objects as compact JSON.
//!
//! # MI semantics matched (from the MI sources `BinaryOperationNode`, `ExpressionResult`,
//! `PredefinedFunctionNode`, `PayloadAccessNode`, `HeadersAndPropertiesAccessNode`)
//!
//! * Integers are Java `int` when they fit 32 bits, else `long`. `int + int` and `int * int`
//!   widen to `long` on overflow, `int - int` wraps at 32 bits, `long` arithmetic wraps at 64
//!   bits. `int / int` is an integer when exact, else a double (`7 / 2` → `3.5`); `long / long`
//!   is always a double. `%` truncates (Java). Division/modulo by zero is an error.
//! * With a double operand MI computes in `BigDecimal`: `+ - * %` are exact decimal operations
//!   on the operands' decimal text (`8.95 + 8.99` → `17.94`, `0.1 * 0.2` → `0.02`), and `/`
//!   rounds half-up **at the scale of the left operand** (`10.5 / 2` → `5.3`, `10 / 4.0` → `3.0`,
//!   `1.0 / 3` → `0.3`): this MI quirk is reproduced.
//! * `+` adds two numbers or concatenates two strings; `"a" + 1` is an error in MI (so here).
//! * `< <= > >=` compare numbers only; `==`/`!=` compare the MI string forms (`5 == "5"` is
//!   true, `5 == 5.0` is false); `null == null` is true, `null == x` false.
//! * `&&`/`||` (also `and`/`or`) need booleans on both sides and evaluate both sides.
//! * Any operand that is null, except for `==`/`!=`, is an error ("null inputs for …").
//! * A definite path that selects nothing (`payload.missing`) is an error, as in MI (Jayway
//!   throws `PathNotFoundException`, and MI turns the whole expression into an empty result);
//!   `exists(payload.missing)` is `false`. A JSON `null` value yields `Null`. Indefinite paths
//!   (wildcards, `..`, filters, slices, unions) yield an array (maybe empty).
//! * An undefined variable is an error; a missing header, property, parameter or config is `Null`.
//! * `round(x)` is Java `(int) Math.round(x)` (`round(2.5)` → 3, `round(-2.5)` → -2);
//!   `round(x, n)` is `BigDecimal.setScale(n, HALF_UP)`. `floor`/`ceil` of a double give an
//!   integer (MI's `BigDecimal` with scale 0 prints without `.0`). String indexes and lengths
//!   count UTF-16 units as Java does. `split` takes a Java regex (run with `fancy-regex`) and
//!   drops trailing empty strings like `String.split`.
//! * Nesting is limited (40 levels of brackets/calls/unary operators, 256 levels of operator
//!   tree) so that compiling and evaluating never overflow even a 1 MiB thread stack; deeper
//!   input is a compile error, never a panic.
//! * [`SynapseExpression::string_value_of`] gives MI's lenient result: errors and a null
//!   result become `""` (MI's `stringValueOf`); templates render the same way.
//! * Errors carry a 1-based column: syntax errors where parsing failed, evaluation errors at the
//!   innermost sub-expression that failed.
//!
//! # Where MI's docs or sources were unclear, and what was chosen
//!
//! * MI's grammar gives `&&`/`||` a *higher* precedence than comparisons, which breaks MI's own
//!   documented example `(vars.num1 + 5) > vars.num2 && (vars.num3 - 3) < vars.num4`;
//!   conventional precedence is used (ternary < `||` < `&&` < comparison < `+ -` < `* / %`).
//! * MI keeps string-literal escapes raw; here the escapes of the lexer grammar are decoded.
//! * `!x` and `-x` are accepted (MI only has negative number literals).
//! * Paths may follow any function call (MI: only `object()`, `array()`, `registry()`).
//! * Reserved words (`in`, `size`, `empty`…) are accepted after a dot.
//! * Doubles are `f64`: where MI keeps a `BigDecimal` result with trailing zeros (`1.25 * 4`
//!   prints `5.00` in MI) this prints `5.0`.
//! * `isBoolean` is not an MI function; it is provided as an extension, as are the charset
//!   argument of `base64decode`/`urlDecode`. `log(x)` is the natural logarithm (documented, though
//!   MI 4.4's code lacks it).
//! * `formatDateTime(millis, pattern)` uses [`SynapseEnv::local_offset`] for MI's JVM default zone.
//! * Jayway-only filter operators (`in`, `nin`, `=~`, `size`, `empty`…) are not RFC 9535 and
//!   fail to compile.

mod ast;
mod datetime;
mod env;
mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod value;

pub use env::{MapEnv, ParamKind, PropertyScope, SynapseEnv};
pub use error::{ExprError, ExprErrorKind};
pub use value::{ExprValue, java_double_to_string};

use ast::Node;
use eval::Ctx;
use lexer::column_of;
use parser::Parser;

/// A compiled Synapse expression.
#[derive(Debug, Clone)]
pub struct SynapseExpression {
    source: String,
    root: Node,
    namespaces: Vec<(String, String)>,
}

impl SynapseExpression {
    /// Compiles `vars.a + 1` or the wrapped form `${vars.a + 1}`.
    ///
    /// Error columns count characters of `src` as given (including `${`).
    pub fn compile(src: &str) -> Result<SynapseExpression, ExprError> {
        let lead = src.len() - src.trim_start().len();
        let trimmed = src.trim();
        let (start, end) = if trimmed.starts_with("${") {
            if !trimmed.ends_with('}') {
                return Err(ExprError::at(
                    ExprErrorKind::Syntax,
                    column_of(src, lead),
                    "'${' without a closing '}'",
                ));
            }
            (lead + 2, lead + trimmed.len() - 1)
        } else {
            (0, src.len())
        };
        let root = Parser::parse_all(src, start, end)?;
        Ok(SynapseExpression {
            source: src.to_owned(),
            root,
            namespaces: Vec::new(),
        })
    }

    /// The namespaces (`prefix`, `uri`) in scope where the expression was declared, passed to
    /// [`SynapseEnv::xpath`] by `xpath(…)`.
    pub fn with_namespaces(mut self, namespaces: Vec<(String, String)>) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// `true` when evaluation reads the message body (`payload…`, `$…`, or `xpath(…)` without a
    /// variable), like MI's `isContentAware`.
    pub fn is_content_aware(&self) -> bool {
        content_aware(&self.root)
    }

    /// The text the expression was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression.
    pub fn evaluate(&self, env: &dyn SynapseEnv) -> Result<ExprValue, ExprError> {
        let cx = Ctx {
            env,
            namespaces: &self.namespaces,
        };
        eval::eval(&self.root, &cx)
    }

    /// Evaluates to the string MI's `stringValueOf` gives: [`ExprValue`]'s `Display`, except that
    /// a null result is `""` (MI returns `""` for a null result).
    pub fn evaluate_to_string(&self, env: &dyn SynapseEnv) -> Result<String, ExprError> {
        self.evaluate(env).map(|v| match v {
            ExprValue::Null => String::new(),
            v => v.to_string(),
        })
    }

    /// Evaluates to JSON.
    pub fn evaluate_json(&self, env: &dyn SynapseEnv) -> Result<serde_json::Value, ExprError> {
        self.evaluate(env).map(ExprValue::into_json)
    }

    /// MI's `stringValueOf`: the string form, or `""` when evaluation fails.
    pub fn string_value_of(&self, env: &dyn SynapseEnv) -> String {
        self.evaluate_to_string(env).unwrap_or_default()
    }
}

fn content_aware(n: &Node) -> bool {
    use ast::{FilterPart, Kind, Root, Seg};
    match &n.kind {
        Kind::Lit(_) | Kind::Header(_) | Kind::Property(..) | Kind::Param(..) | Kind::Config(_) => {
            false
        }
        Kind::ArrayLit(v) => v.iter().any(content_aware),
        Kind::Access { root, path } => {
            let root_reads = match root {
                Root::Payload => true,
                Root::Var(_) => false,
                Root::Call(c) => content_aware(c),
            };
            root_reads
                || path.segs.iter().any(|s| match s {
                    Seg::Dyn(n) => content_aware(n),
                    Seg::Union(v) => v.iter().any(content_aware),
                    Seg::Slice(a, b, c) => [a, b, c]
                        .into_iter()
                        .any(|x| x.as_deref().is_some_and(content_aware)),
                    Seg::Filter(parts) => parts.iter().any(|p| match p {
                        FilterPart::Expr(n) => content_aware(n),
                        FilterPart::Text(_) => false,
                    }),
                    _ => false,
                })
        }
        Kind::Neg(a) | Kind::Not(a) => content_aware(a),
        Kind::Bin(_, a, b) => content_aware(a) || content_aware(b),
        Kind::Cond(a, b, c) => content_aware(a) || content_aware(b) || content_aware(c),
        Kind::Call { func, args, .. } => {
            (*func == functions::Func::Xpath && args.len() == 1) || args.iter().any(content_aware)
        }
    }
}

/// A piece of a [`SynapseTemplate`].
#[derive(Debug, Clone)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// An embedded `${…}`.
    Expr(SynapseExpression),
}

/// Text with embedded `${…}` expressions (MI 4.4 log messages, payload templates):
/// `Hello ${payload.name}!`.
#[derive(Debug, Clone)]
pub struct SynapseTemplate {
    parts: Vec<TemplatePart>,
}

/// Finds the `}` closing a `${` whose expression starts at `from`, skipping quoted strings.
fn find_close(text: &str, from: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = from;
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'{' => depth += 1,
                b'}' if depth == 0 => return Some(i),
                b'}' => depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    None
}

impl SynapseTemplate {
    /// Compiles a template. Error columns count characters of the whole template text.
    pub fn compile(text: &str) -> Result<SynapseTemplate, ExprError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while let Some(off) = text[i..].find("${") {
            let open = i + off;
            lit.push_str(&text[i..open]);
            let Some(close) = find_close(text, open + 2) else {
                return Err(ExprError::at(
                    ExprErrorKind::Syntax,
                    column_of(text, open),
                    "'${' without a closing '}'",
                ));
            };
            let root = Parser::parse_all(text, open + 2, close)?;
            if !lit.is_empty() {
                parts.push(TemplatePart::Text(std::mem::take(&mut lit)));
            }
            parts.push(TemplatePart::Expr(SynapseExpression {
                source: text[open..=close].to_owned(),
                root,
                namespaces: Vec::new(),
            }));
            i = close + 1;
        }
        lit.push_str(&text[i..]);
        if !lit.is_empty() {
            parts.push(TemplatePart::Text(lit));
        }
        Ok(SynapseTemplate { parts })
    }

    /// Sets the namespaces of every embedded expression.
    pub fn with_namespaces(mut self, namespaces: Vec<(String, String)>) -> Self {
        for p in &mut self.parts {
            if let TemplatePart::Expr(e) = p {
                e.namespaces.clone_from(&namespaces);
            }
        }
        self
    }

    /// The parts.
    pub fn parts(&self) -> &[TemplatePart] {
        &self.parts
    }

    /// `true` when an embedded expression reads the message body.
    pub fn is_content_aware(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Expr(e) if e.is_content_aware()))
    }

    /// `true` when there is no `${…}` in the text.
    pub fn is_static(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, TemplatePart::Text(_)))
    }

    /// Renders the template; the first failing expression is the error.
    pub fn render(&self, env: &dyn SynapseEnv) -> Result<String, ExprError> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                TemplatePart::Text(t) => out.push_str(t),
                TemplatePart::Expr(e) => out.push_str(&e.evaluate_to_string(env)?),
            }
        }
        Ok(out)
    }

    /// Renders as MI does: a failing expression contributes `""`.
    pub fn render_lenient(&self, env: &dyn SynapseEnv) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                TemplatePart::Text(t) => out.push_str(t),
                TemplatePart::Expr(e) => out.push_str(&e.string_value_of(env)),
            }
        }
        out
    }
}

/// The names of all functions this module knows (MI's documented library plus extensions).
pub fn function_names() -> Vec<&'static str> {
    functions::all_names()
}
