//! FreeMarker templates for the payloadFactory mediator's `template-type="freemarker"`.
//!
//! ## FreeMarker
//!
//! MI renders these templates with Apache FreeMarker 2.3.30 (Synapse's
//! `FreeMarkerTemplateProcessor`, `Configuration(VERSION_2_3_30)`). mediate has its own engine
//! for the part of the FreeMarker Template Language that payload templates use. It was
//! written, not wrapped, because the one Rust port (`freemarker` 0.1.1, a self-declared alpha of
//! FreeMarker 2.3.34) keeps an `Rc<Configuration>` in every `Template`, so a template cannot be
//! compiled once at deploy time and shared by the worker threads (`Send + Sync`); it is also
//! about 47 000 lines with a large dependency tree (chrono-tz, bigdecimal, a second
//! fancy-regex), and would need the message converted into its own object model per render.
//!
//! [`Template::parse`] compiles a template once (errors carry line and column);
//! [`Template::render`] evaluates it over one message and the mediator's argument values;
//! [`Template::references`] tells whether the template reads `payload` or `args` at all, so
//! the caller can skip reading the body or evaluating the arguments.
//!
//! Verification: every FreeMarker example of MI's PayloadFactory page (MI 4.0–4.4) is a test
//! with its exact output (`tests/freemarker.rs`), as is the FreeMarker manual's white-space
//! stripping example; about a hundred further templates were cross-checked against the
//! `freemarker` crate as an oracle, which differs from us only where it departs from Java
//! FreeMarker 2.3.30 (rounding of binary ties, `?c` exponents, stripping of indented tag lines).
//!
//! ### What a template sees (MI's data model)
//!
//! | name | value |
//! | --- | --- |
//! | `payload` | JSON payload: hashes and sequences (`${payload.user.name}`, `<#list payload as p>`); numbers are doubles (Synapse reads the JSON with Gson into `Map<String,Object>`). XML payload: FreeMarker's DOM node model of the first element of the SOAP body (for POX, the document element): `payload.root.child`, attributes `payload.root.@attr`, `?children`, `?node_name`… Text payload: the text, XML-escaped (Synapse applies `escapeXml11`). No payload: missing. Binary payload: an error, as in Synapse. The payload is read only when the template uses `payload`. |
//! | `args` | the `<arg>` values of the mediator as strings: `${args.arg1}` is the first. |
//! | `ctx` | default-scope (synapse) properties, as strings (`toString()` of the value). |
//! | `axis2` | axis2-scope properties, as strings (also `REST_URL_POSTFIX`, `HTTP_METHOD`…). |
//! | `trp` | transport headers (case-insensitive names). |
//! | `var` | MI 4.4 variables (`${var.customer_id}`): strings, numbers, booleans, JSON as hashes/sequences. |
//!
//! ### Supported language (FreeMarker 2.3 semantics)
//!
//! - `${expr}` interpolation; numbers print in FreeMarker's default `en_US` number format
//!   (`#,##0.###`, so `1234567` prints `1,234,567`, `35.0` prints `35`: use `?c` for
//!   computer format); a boolean in `${}` is an error (FreeMarker 2.3.30's `boolean_format`),
//!   use `?c` or `?string("yes","no")`. Output is not escaped.
//! - Directives: `<#if>`/`<#elseif>`/`<#else>`, `<#list seq as x>` (and `as k, v` over a hash)
//!   with `<#sep>` and `<#else>`, `<#break>`, `<#continue>`, `<#assign>` (also `global`/`local`,
//!   several assignments, `+=`, `++`…, and the capturing `<#assign x>…</#assign>`),
//!   `<#switch>`/`<#case>`/`<#default>`, `<#noparse>`, `<#ftl>` (parameters ignored),
//!   comments `<#-- … -->`. White-space stripping of lines holding only tags, as FreeMarker does.
//! - Expressions: string literals (`"…"`, `'…'`, raw `r"…"`, escapes, `${…}` inside),
//!   numbers, `true`/`false`, `[…]` sequences, `{…}` hashes, ranges (`1..3`, `1..<3`, `1..*3`,
//!   slices `s[1..]`), `.name`, `["name"]`, `[index]`, `+ - * / %`, comparison (`==`/`=`,
//!   `!=`, `<`, `<=`, `>`, `>=`, `lt`, `lte`, `gt`, `gte`; inside a tag `>` needs parentheses or
//!   `gt`, as in FreeMarker), `&&`, `||`, `!`, the default operator `x!default` / `x!`, the
//!   existence test `x??` (parenthesized operands cover missing values anywhere inside).
//! - Built-ins: strings `?string` `?c` `?number` `?boolean` `?upper_case` `?lower_case`
//!   `?cap_first` `?uncap_first` `?capitalize` `?trim` `?length` `?contains` `?starts_with`
//!   `?ends_with` `?index_of` `?last_index_of` `?replace` `?split` `?substring` `?left_pad`
//!   `?right_pad`; escaping `?json_string` `?js_string` `?xml` (`'` as `&apos;`) `?html`
//!   (`'` as `&#39;`) `?url`; numbers `?string(pattern)` (`DecimalFormat` patterns like
//!   `0.00`, `#,##0.##`, and `computer`, `number`, `percent`, `currency`, also written
//!   `?string.percent`), `?c`, `?int`, `?round`, `?floor`, `?ceiling`, `?abs`; sequences and hashes
//!   `?size` `?first` `?last` `?reverse` `?sort` `?join` `?seq_contains` `?seq_index_of`
//!   `?keys` `?values` `?filter(x -> …)` `?map(x -> …)`; `?has_content`, `?then(a, b)`,
//!   `?eval_json`, `?is_string` and the other `?is_…` tests; loop variables `?index`
//!   `?counter` `?has_next` `?is_first` `?is_last` `?item_parity` `?is_even_item`
//!   `?is_odd_item`; XML nodes `?children` `?node_name` `?node_type` `?parent` `?root`, keys
//!   `*`, `**`, `@attr`, `@*`, `@@text`.
//! - XML names: an unprefixed name matches only elements in no namespace (FreeMarker's rule
//!   without `ns_prefixes`); an element with child elements cannot be printed as text; a
//!   name with no match is an empty node list (not missing: use `x[0]!''`, as MI's EDI example
//!   does).
//! - Numbers: `HALF_EVEN` rounding as Java 8+'s `DecimalFormat` does it (a tie of the shortest
//!   decimal form is decided on the exact binary value: `2.675?string("0.00")` is `2.67`);
//!   `?c` is FreeMarker 2.3.30's legacy computer format (`0.################`, no exponent).
//! - Errors: a syntax error fails at deploy time with line and column; a missing value in
//!   `${…}` (or any other run-time error) fails the render with line, column and the
//!   expression's text, like Synapse's "Syntax error or invalid reference : … At line: …".
//!
//! ### Limits
//!
//! Java FreeMarker runs a template for as long as it takes; mediate bounds every render so
//! that a template cannot stop the process (an allocation failure aborts it) or hold a worker
//! forever. Each render has a [`Limits`] (the defaults below; [`Template::with_limits`] sets
//! others), and exceeding one fails the render with a [`TemplateError`] at the line and column
//! of the construct that exceeded it, naming the limit (`step limit exceeded: …`, `string
//! size limit exceeded: …`, `output size limit exceeded: …`, `sequence size limit exceeded:
//! …`). payloadFactory reports it as its usual "Error parsing FreeMarker template…" error.
//!
//! | limit | default | counts |
//! | --- | --- | --- |
//! | [`Limits::max_steps`] | [`DEFAULT_MAX_STEPS`] (10 000 000) | one step per expression evaluated, per `<#list>` iteration and per piece of static text written; string work costs a further step per KiB copied or scanned, sequence and hash work a step per 16 items handled. About a second of work; enough for a `<#list>` over a million payload items with a few expressions each. |
//! | [`Limits::max_string_bytes`] | [`DEFAULT_MAX_STRING_BYTES`] (64 MiB) | the UTF-8 size of any string value made by the template (concatenation, `"${…}"`, `<#assign x>…</#assign>`, `?replace`, `?left_pad`, `?join`…); checked before the string is allocated wherever the size is known in advance (for case changes and escaping the string is made, at most a few times its input, then checked). |
//! | [`Limits::max_output_bytes`] | [`DEFAULT_MAX_OUTPUT_BYTES`] (64 MiB, the transport's default buffered-body limit) | the size of the rendered output. |
//! | [`Limits::max_sequence_items`] | [`DEFAULT_MAX_SEQUENCE_ITEMS`] (1 000 000) | the items of a sequence made by the template (ranges, `+` of sequences, `?split`); payload arrays are not limited (the body size bounds them). |
//!
//! ### Not supported
//!
//! Macros and functions (`<#macro>`, `<#function>`, `<@…>` calls), `<#include>`/`<#import>`,
//! `<#attempt>`, `<#compress>`, `<#items>`, `<#local>` scoping (treated as `assign`),
//! `<#setting>`, `<#t>`/`<#lt>`/`<#rt>`, square-bracket syntax, `#{…}` numeric
//! interpolation (printed as text), dates and the date built-ins, `?eval`, `?interpret`,
//! `?api`, regular-expression built-ins (`?matches`, `?replace` with `r` flag), XPath keys on
//! XML nodes, namespace prefixes (`<#ftl ns_prefixes=…>`), arbitrary-precision arithmetic
//! (numbers are `f64`; FreeMarker uses `BigDecimal`, so `0.1 + 0.2` prints the same but `?c`
//! of a long fraction may differ in the 16th digit), locales other than `en_US`.

mod ast;
mod eval;
mod format;
mod parse;

use mediate_core::MessageContext;

/// The default [`Limits::max_steps`]: ten million steps per render.
pub const DEFAULT_MAX_STEPS: u64 = 10_000_000;
/// The default [`Limits::max_string_bytes`]: 64 MiB.
pub const DEFAULT_MAX_STRING_BYTES: usize = 64 * 1024 * 1024;
/// The default [`Limits::max_output_bytes`]: 64 MiB, the transport's default buffered-body
/// limit (a larger payload could not have been received either).
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;
/// The default [`Limits::max_sequence_items`]: one million items.
pub const DEFAULT_MAX_SEQUENCE_ITEMS: usize = 1_000_000;

/// What one render of a template may spend (see the module documentation, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Evaluation steps per render (expressions, loop iterations, text pieces; bulk string and
    /// sequence work in proportion to its size).
    pub max_steps: u64,
    /// The largest string value (UTF-8 bytes) the template may make.
    pub max_string_bytes: usize,
    /// The largest output (UTF-8 bytes).
    pub max_output_bytes: usize,
    /// The most items of a sequence the template makes (ranges, `+`, `?split`).
    pub max_sequence_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_steps: DEFAULT_MAX_STEPS,
            max_string_bytes: DEFAULT_MAX_STRING_BYTES,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
            max_sequence_items: DEFAULT_MAX_SEQUENCE_ITEMS,
        }
    }
}

/// A compiled FreeMarker template (compiled once, rendered per message; `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Template {
    source: Box<str>,
    elements: Vec<ast::Element>,
    limits: Limits,
}

/// A template error: where (1-based line and column, in characters) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct TemplateError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// What went wrong (for a render error, it names the expression).
    pub message: String,
}

impl TemplateError {
    fn at(source: &str, offset: usize, message: String) -> Self {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Self {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            message,
        }
    }
}

impl Template {
    /// Compiles a template; a syntax error is reported with its line and column.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        match parse::parse_template(source) {
            Ok(elements) => Ok(Template {
                source: source.into(),
                elements,
                limits: Limits::default(),
            }),
            Err(e) => Err(TemplateError::at(source, e.offset, e.message)),
        }
    }

    /// Whether the template reads the top-level data-model variable `name` (`"payload"`,
    /// `"args"`, `"ctx"`…) anywhere: lets the caller skip reading the payload or evaluating
    /// the arguments when the template never uses them.
    pub fn references(&self, name: &str) -> bool {
        self.elements.iter().any(|e| e.references(name))
    }

    /// The same template with other render limits (the default is [`Limits::default`]).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Template {
        self.limits = limits;
        self
    }

    /// The limits each render runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The template text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the template over a message; `args` are the mediator's evaluated `<arg>`
    /// values (`args.arg1` is `args[0]`). A render that exceeds the template's [`Limits`]
    /// fails with an error naming the limit.
    pub fn render(&self, msg: &MessageContext, args: &[String]) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(self.source.len() + 64);
        let mut renderer = eval::Renderer::new(&self.source, msg, args, self.limits);
        match renderer.render(&self.elements, &mut out) {
            Ok(()) => Ok(out),
            Err(e) => Err(TemplateError::at(&self.source, e.offset, e.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn template_is_send_and_sync() {
        assert_send_sync::<Template>();
        assert_send_sync::<TemplateError>();
    }

    #[test]
    fn references_finds_top_level_names() {
        let t =
            Template::parse("<#list payload.a as x>${x?c}</#list>${(ctx.y)!\"\"}").expect("parses");
        assert!(t.references("payload"));
        assert!(t.references("ctx"));
        assert!(!t.references("args"));
        assert!(
            t.references("x"),
            "a loop variable is a name too (conservative)"
        );
        let t = Template::parse("payload args ${'payload'}").expect("parses");
        assert!(!t.references("payload"));
        assert!(!t.references("args"));
    }

    #[test]
    fn error_position_counts_lines_and_chars() {
        let e = TemplateError::at("ab\ncé${", 6, "x".into());
        assert_eq!((e.line, e.column), (2, 3));
        assert_eq!(e.to_string(), "line 2, column 3: x");
    }
}
