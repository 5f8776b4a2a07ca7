//! The payloadFactory mediator (`<payloadFactory>`), with the semantics of MI 4.4's
//! `PayloadFactoryMediator` and its default (`RegexTemplateProcessor`) and FreeMarker template
//! processors.
//!
//! ```xml
//! <payloadFactory media-type="xml|json|text" [template-type="default|freemarker"] [escapeXmlChars="true|false"]>
//!   <format [key="string|{expression}"]> inline template </format>
//!   <args>
//!     <arg (value="string" | expression="xpath|json-eval(…)|${…}") [evaluator="xml|json"] [literal="true|false"]/>*
//!   </args>
//! </payloadFactory>
//! ```
//!
//! Behaviour (from `PayloadFactoryMediator`, `PayloadFactoryMediatorFactory`,
//! `TemplateProcessor`, `RegexTemplateProcessor`):
//!
//! - the format is the text of `<format>` (json, text), or its first child element with
//!   whitespace-only text removed (xml); `<format key>` reads it from a local entry on every
//!   message (`{expr}` keys are evaluated first), "Key … not found" when missing;
//! - `$n` takes the n-th `<arg>`; at the first `$n` with no such argument MI stops replacing
//!   and keeps the rest of the format as written (an `ArrayIndexOutOfBoundsException` it logs);
//!   `${…}` (MI 4.4) is evaluated inline, `"${…}"` being its quoted (string) form;
//! - argument values: a `value` is XML-escaped unless it is XML (whatever the media type); an
//!   expression's string is XML-escaped for an xml format unless it is XML or the JSON of a JSON
//!   path; then an XML value is converted to JSON for a json format, a JSON value (object or
//!   array of a JSON path) to XML for an xml format, and any other string is JSON-escaped for a
//!   json format (quoted when the `QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON` property is `true`
//!   and it is not a number, boolean or null); `literal="true"` makes the value a plain string;
//! - the result (trimmed) replaces the body: xml → the SOAP Body's content (a format whose root
//!   is a SOAP `Envelope` replaces the whole envelope), json → the JSON payload, text → a text
//!   payload; `messageType` and `Content-Type` become `application/json` / `text/plain`, and
//!   `application/xml` for xml unless the message type was already `application/xml`,
//!   `text/xml` or `application/soap+xml`.

mod escape;
mod fm;
mod template;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use mediate_core::expr::jsonpath::{JsonPath, MultiSelect, PathStep, Selected};
use mediate_core::message::roxmltree::Document;
use mediate_core::message::{
    JSON_CONTENT_TYPE, PayloadKind, SOAP11_NS, SOAP12_NS, TEXT_CONTENT_TYPE, XML_CONTENT_TYPE,
    mime_essence,
};
use mediate_core::{
    BuildError, Env, Expression, Flow, MediationError, Mediator, MediatorSpec, MessageContext,
    Namespaces, Registry, async_trait,
};

use crate::property::string_value_of_in;
use crate::value::{
    DESCRIPTION, attribute_enum, check_attributes, check_mediator_attributes, compile_expression,
    compile_expression_in, compiled_reads_body, locate_at, locate_child, unknown_child_at,
};

use escape::{
    escape_json_controls, escape_xml10, is_json_like, is_json_number, is_xml, java_trim,
    json_escape_cow, json_to_xml_fragment, strip_xml_declaration, xml_format_element,
    xml_to_json_text,
};
use fm::FmTemplate;
use template::{Hole, Template, is_json_string_content};

const KIND: &str = "payloadFactory";

/// The message property that makes string arguments of a json format quoted
/// (`PayloadFactoryMediator.QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON`).
pub const QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON: &str = "QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON";

/// `media-type`: what the format produces (default `xml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MediaType {
    /// `xml`: an XML element (or a whole SOAP envelope).
    #[default]
    Xml,
    /// `json`: a JSON payload.
    Json,
    /// `text`: a text payload.
    Text,
}

attribute_enum!(MediaType {
    "xml" => Xml,
    "json" => Json,
    "text" => Text,
} else |other| format!("unknown media type `{other}` (xml, json or text)"));

impl MediaType {
    /// The content type MI gives the result (`application/xml`, `application/json`,
    /// `text/plain`).
    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::Xml => XML_CONTENT_TYPE,
            MediaType::Json => JSON_CONTENT_TYPE,
            MediaType::Text => TEXT_CONTENT_TYPE,
        }
    }
}

/// `template-type`: how the format is written (default `default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TemplateType {
    /// `default`: the media type's own syntax with `$n` and `${…}` placeholders.
    #[default]
    Default,
    /// `freemarker`: a FreeMarker template (`${payload.…}`, `${args.arg1}`, `${ctx.…}`…).
    FreeMarker,
}

impl FromStr for TemplateType {
    type Err = String;
    /// Case-insensitive, as `PayloadFactoryMediatorFactory` compares it.
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("default") {
            Ok(TemplateType::Default)
        } else if s.eq_ignore_ascii_case("freemarker") {
            Ok(TemplateType::FreeMarker)
        } else {
            Err(format!(
                "unknown template type `{s}` (default or freemarker)"
            ))
        }
    }
}

/// `evaluator`: how an argument's expression and result are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evaluator {
    /// `xml`: an XPath; an XML result is converted to JSON for a json format.
    Xml,
    /// `json`: a JSONPath (`$.a` or `json-eval($.a)`); an object or array result is converted
    /// to XML for an xml format.
    Json,
}

attribute_enum!(Evaluator {
    "xml" => Xml,
    "json" => Json,
} else |other| format!("unknown evaluator `{other}` (xml or json)"));

/// Where an argument's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgSource {
    /// `value="…"`: a literal string.
    Value(String),
    /// `expression="…"`: XPath, `json-eval(…)` or `${…}`.
    Expression(String),
}

/// One `<arg>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The value or expression.
    pub source: ArgSource,
    /// `evaluator`; `None` follows the expression (`json-eval(…)` is JSON, `${…}` is read by
    /// its result, anything else is XPath).
    pub evaluator: Option<Evaluator>,
    /// `literal="true"`: the result is a plain string (no JSON/XML conversion).
    pub literal: bool,
    /// Namespace prefixes for the expression; `None` uses the mediator's.
    pub namespaces: Option<Namespaces>,
}

impl Arg {
    /// `<arg value="…"/>`.
    pub fn value(value: impl Into<String>) -> Arg {
        Arg {
            source: ArgSource::Value(value.into()),
            evaluator: None,
            literal: false,
            namespaces: None,
        }
    }

    /// `<arg expression="…"/>`.
    pub fn expression(expression: impl Into<String>) -> Arg {
        Arg {
            source: ArgSource::Expression(expression.into()),
            evaluator: None,
            literal: false,
            namespaces: None,
        }
    }

    /// Sets `evaluator`.
    #[must_use]
    pub fn evaluator(mut self, evaluator: Evaluator) -> Arg {
        self.evaluator = Some(evaluator);
        self
    }

    /// Sets `literal`.
    #[must_use]
    pub fn literal(mut self, literal: bool) -> Arg {
        self.literal = literal;
        self
    }

    /// Sets the namespace prefixes of the expression.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Arg {
        self.namespaces = Some(namespaces);
        self
    }
}

/// `<format>`: inline, or read from a local entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// The template as written inside `<format>` (for xml, the serialized XML).
    Inline(String),
    /// `<format key="…"/>`: a local-entry key, or `{expression}` (or `${…}`) giving the key.
    Key(String),
}

/// The configuration of a payloadFactory mediator.
///
/// ```
/// use mediate_mediators::payload_factory::{Arg, PayloadFactoryConfig};
///
/// let pf = PayloadFactoryConfig::json(r#"{"id":"$1","qty":$2}"#)
///     .arg(Arg::expression("json-eval($.order.id)"))
///     .arg(Arg::expression("json-eval($.order.qty)"))
///     .build()?;
/// # let _ = pf;
/// # Ok::<(), mediate_core::BuildError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PayloadFactoryConfig {
    /// `media-type` (default `xml`).
    pub media_type: MediaType,
    /// `template-type` (default `default`).
    pub template_type: TemplateType,
    /// `<format>`.
    pub format: Option<Format>,
    /// `<args>`, in order (`$1` is the first).
    pub args: Vec<Arg>,
    /// `escapeXmlChars`: escape raw control characters of JSON arguments in a json format.
    pub escape_xml_chars: bool,
    /// Namespace prefixes for expressions (inline `${…}`, a dynamic key, arguments without
    /// their own).
    pub namespaces: Namespaces,
}

impl PayloadFactoryConfig {
    /// A payloadFactory of `media_type` with an inline format.
    pub fn new(media_type: MediaType, format: impl Into<String>) -> Self {
        Self {
            media_type,
            format: Some(Format::Inline(format.into())),
            ..Self::default()
        }
    }

    /// `media-type="xml"` with an inline format (its first element is used).
    pub fn xml(format: impl Into<String>) -> Self {
        Self::new(MediaType::Xml, format)
    }

    /// `media-type="json"` with an inline format.
    pub fn json(format: impl Into<String>) -> Self {
        Self::new(MediaType::Json, format)
    }

    /// `media-type="text"` with an inline format.
    pub fn text(format: impl Into<String>) -> Self {
        Self::new(MediaType::Text, format)
    }

    /// A payloadFactory of `media_type` whose format is the local entry `key`
    /// (`<format key="…"/>`).
    pub fn from_key(media_type: MediaType, key: impl Into<String>) -> Self {
        Self {
            media_type,
            format: Some(Format::Key(key.into())),
            ..Self::default()
        }
    }

    /// Adds an argument (`$1` first).
    #[must_use]
    pub fn arg(mut self, arg: Arg) -> Self {
        self.args.push(arg);
        self
    }

    /// Sets `template-type`.
    #[must_use]
    pub fn template_type(mut self, template_type: TemplateType) -> Self {
        self.template_type = template_type;
        self
    }

    /// Sets `escapeXmlChars`.
    #[must_use]
    pub fn escape_xml_chars(mut self, escape: bool) -> Self {
        self.escape_xml_chars = escape;
        self
    }

    /// Sets the namespace prefixes for expressions.
    #[must_use]
    pub fn namespaces(mut self, namespaces: Namespaces) -> Self {
        self.namespaces = namespaces;
        self
    }

    /// Reads `<payloadFactory>` as `PayloadFactoryMediatorFactory` does: `media-type`,
    /// `template-type`, `escapeXmlChars`, one `<format [key]>`, at most one `<args>` of
    /// `<arg (value | expression) [evaluator] [literal] [deepCheck]>`, and the common
    /// `description`, `trace`, `statistics` attributes and `<description>` child. Unknown
    /// attributes or child elements are refused, with the closest name suggested.
    pub fn from_spec(spec: &MediatorSpec, registry: &Registry) -> Result<Self, BuildError> {
        let _ = registry;
        check_mediator_attributes(spec, &["media-type", "template-type", "escapeXmlChars"])?;
        let media_type = match spec.get("media-type") {
            None => MediaType::Xml,
            Some(m) => m.parse().map_err(|r| spec.invalid("media-type", m, r))?,
        };
        let template_type = match spec.get("template-type") {
            None => TemplateType::Default,
            Some(t) => t.parse().map_err(|r| spec.invalid("template-type", t, r))?,
        };
        let escape_xml_chars = spec
            .get("escapeXmlChars")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let mut format: Option<(&MediatorSpec, Format)> = None;
        let mut args = Vec::new();
        let mut seen_args = false;
        for child in &spec.children {
            match child.kind.as_str() {
                "format" => {
                    if format.is_some() {
                        return Err(locate_at(
                            spec.invalid_structure("more than one <format> element"),
                            child,
                            "",
                        ));
                    }
                    check_attributes(child, &["key"])?;
                    let f = match child.get("key") {
                        Some(key) => Format::Key(key.to_owned()),
                        None => Format::Inline(child.text.clone().unwrap_or_default()),
                    };
                    format = Some((child, f));
                }
                "args" => {
                    if seen_args {
                        return Err(locate_at(
                            spec.invalid_structure("more than one <args> element"),
                            child,
                            "",
                        ));
                    }
                    seen_args = true;
                    check_attributes(child, &[])?;
                    for arg_spec in &child.children {
                        if arg_spec.kind != "arg" {
                            return Err(unknown_child_at(child, arg_spec, &["arg"]));
                        }
                        let arg = arg_from_spec(arg_spec).map_err(|e| locate_child(e, arg_spec))?;
                        // What `build` compiles, checked here to locate the error at the
                        // `<arg>`'s `expression`.
                        compile_arg(args.len(), &arg, &spec.namespaces)
                            .map_err(|e| locate_at(e, arg_spec, "expression"))?;
                        args.push(arg);
                    }
                }
                DESCRIPTION => {}
                _ => {
                    return Err(unknown_child_at(
                        spec,
                        child,
                        &["format", "args", DESCRIPTION],
                    ));
                }
            }
        }
        let Some((format_spec, format)) = format else {
            return Err(
                spec.invalid_structure("format element of payloadFactoryMediator is required")
            );
        };
        // What `build` compiles, checked here to locate the error at `<format>` (at its `key`).
        match &format {
            Format::Inline(text) => {
                compile_inline_format(
                    text,
                    media_type,
                    template_type,
                    args.len(),
                    &spec.namespaces,
                )
                .map_err(|e| locate_at(e, format_spec, ""))?;
            }
            Format::Key(key) => {
                compile_key(key, &spec.namespaces).map_err(|e| locate_at(e, format_spec, "key"))?;
            }
        }
        Ok(Self {
            media_type,
            template_type,
            format: Some(format),
            args,
            escape_xml_chars,
            namespaces: spec.namespaces.clone(),
        })
    }

    /// Checks and compiles the configuration: the inline format is parsed, every expression
    /// compiled.
    pub fn build(self) -> Result<PayloadFactoryMediator, BuildError> {
        let Some(format) = self.format else {
            return Err(BuildError::structure(
                KIND,
                "format element of payloadFactoryMediator is required",
            ));
        };
        let args = self
            .args
            .iter()
            .enumerate()
            .map(|(i, arg)| compile_arg(i, arg, &self.namespaces))
            .collect::<Result<Vec<_>, _>>()?;
        let format = match format {
            Format::Inline(text) => Source::Static(Arc::new(compile_inline_format(
                &text,
                self.media_type,
                self.template_type,
                args.len(),
                &self.namespaces,
            )?)),
            Format::Key(key) => Source::Key(compile_key(&key, &self.namespaces)?),
        };
        let scan = match &format {
            Source::Static(c) if !c.reads_body() => PayloadScan::of(&args),
            _ => None,
        };
        Ok(PayloadFactoryMediator {
            media_type: self.media_type,
            template_type: self.template_type,
            format,
            args,
            scan,
            escape_xml_chars: self.escape_xml_chars,
            namespaces: self.namespaces,
            cache: Mutex::new(None),
        })
    }
}

/// How many characters of a `<format>` a build error quotes.
const QUOTED_FORMAT_CHARS: usize = 200;

/// The `<format>` text as a build error quotes it: the first [`QUOTED_FORMAT_CHARS`]
/// characters, then `… (N characters)` when it is longer (a 100 KB template would otherwise be
/// repeated in full in the message; the reason still gives the line and column).
fn quoted_format(text: &str) -> String {
    match text.char_indices().nth(QUOTED_FORMAT_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}… ({} characters)", &text[..cut], text.chars().count()),
    }
}

/// An `<arg>` (errors are not located: the caller locates them at the `<arg>`).
fn arg_from_spec(spec: &MediatorSpec) -> Result<Arg, BuildError> {
    // `deepCheck` is accepted and has no effect, as in MI 4.4: Synapse's
    // `PayloadFactoryMediatorFactory` reads only `value`, `expression`, `evaluator` and
    // `literal` of an `<arg>`, and `Argument.isDeepCheck()` is never called by
    // `TemplateProcessor` / `RegexTemplateProcessor` / `FreeMarkerTemplateProcessor` (it was
    // read only by the pre-MI-4.0 `PayloadFactoryMediator`). Older configurations carrying
    // `deepCheck="false"` therefore still deploy and behave as without it.
    check_attributes(
        spec,
        &["value", "expression", "evaluator", "literal", "deepCheck"],
    )?;
    let source = if let Some(v) = spec.get("value") {
        ArgSource::Value(v.to_owned())
    } else if let Some(e) = spec.get("expression") {
        if e.trim().is_empty() {
            return Err(spec.invalid("expression", e, "Attribute value for xpath cannot be empty"));
        }
        ArgSource::Expression(e.to_owned())
    } else {
        return Err(
            spec.invalid_structure("Unsupported arg type. value or expression attribute required")
        );
    };
    let evaluator = match spec.get("evaluator") {
        None => None,
        Some(e) => Some(e.parse().map_err(|r| spec.invalid("evaluator", e, r))?),
    };
    Ok(Arg {
        source,
        evaluator,
        // Java's Boolean.parseBoolean.
        literal: spec
            .get("literal")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        namespaces: Some(spec.namespaces.clone()),
    })
}

/// How an argument's result is typed (`SynapsePath.getPathType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathType {
    XPath,
    Json,
    /// A `${…}` argument without `evaluator`: typed by its result.
    Synapse,
}

#[derive(Debug)]
enum CompiledArg {
    /// `value`: escaped once, at build time.
    Value { text: String, is_xml: bool },
    Expr {
        /// Boxed: an `Expression` is large, and most `<arg>`s are expressions anyway.
        expr: Box<Expression>,
        path: PathType,
        literal: bool,
        reads_body: bool,
        /// The steps of a `json-eval` over the payload whose path is simple and definite
        /// (`$.order.id`): what [`PayloadScan`] reads it by.
        steps: Option<Vec<PathStep>>,
    },
}

/// `json-eval(PATH)` over the payload with a simple definite `PATH` (`$.a.b`, `$['a'][0]`),
/// written without blanks around it: its steps. `Expression::compile` reads such a text as a
/// JSONPath over the payload (not a property, not the whole body) compiled from `PATH` as it
/// is, so the steps are those of the path it evaluates.
fn payload_path_steps(source: &str) -> Option<Vec<PathStep>> {
    let inner = source.trim().strip_prefix(JSON_EVAL)?.strip_suffix(')')?;
    if !(inner.starts_with("$.") || inner.starts_with("$[")) || inner == "$." {
        return None;
    }
    if inner.trim() != inner {
        return None;
    }
    let steps = JsonPath::compile(inner).ok()?.steps()?.to_vec();
    (!steps.is_empty()).then_some(steps)
}

/// The `json-eval` arguments that are read from the JSON payload's text in one pass, without
/// parsing it ([`MultiSelect`]), when the format itself does not read the body and every
/// argument that reads it is such a `json-eval`. A payload the pass is not sure about (or one
/// parsed already) is read as before, argument by argument.
#[derive(Debug)]
struct PayloadScan {
    select: MultiSelect,
    /// For each argument, its path in `select`.
    slots: Vec<Option<usize>>,
}

impl PayloadScan {
    /// The scan for `args`, when they allow one.
    fn of(args: &[CompiledArg]) -> Option<PayloadScan> {
        let mut paths: Vec<&[PathStep]> = Vec::new();
        let mut slots = Vec::with_capacity(args.len());
        for arg in args {
            match arg {
                CompiledArg::Expr {
                    steps: Some(steps), ..
                } => {
                    slots.push(Some(paths.len()));
                    paths.push(steps);
                }
                CompiledArg::Expr {
                    reads_body: true, ..
                } => return None,
                _ => slots.push(None),
            }
        }
        if paths.is_empty() {
            return None;
        }
        Some(PayloadScan {
            select: MultiSelect::new(paths)?,
            slots,
        })
    }

    /// The arguments' strings (as `Expression::evaluate_string` gives them) read from `msg`'s
    /// JSON payload text, or `None` to evaluate them one by one.
    fn read<'m>(&self, msg: &'m MessageContext) -> Option<Vec<Selected<'m>>> {
        if msg.payload_kind() != PayloadKind::Json
            || msg.payload().is_empty()
            || msg.json_if_parsed().is_some()
        {
            return None;
        }
        self.select.display_all(msg.payload_as_text().ok()?)
    }
}

const JSON_EVAL: &str = "json-eval(";

fn compile_arg(i: usize, arg: &Arg, ns: &Namespaces) -> Result<CompiledArg, BuildError> {
    let text = match &arg.source {
        ArgSource::Value(v) => {
            let is_xml = is_xml(v);
            return Ok(CompiledArg::Value {
                text: if is_xml { v.clone() } else { escape_xml10(v) },
                is_xml,
            });
        }
        ArgSource::Expression(e) => e,
    };
    let ns = arg.namespaces.as_ref().unwrap_or(ns);
    let trimmed = text.trim();
    let attribute = format!("args[{}].expression", i + 1);
    let (source, path) = match arg.evaluator {
        // PayloadFactoryMediatorFactory: evaluator="json" strips json-eval( … ) and reads the
        // rest as a JSONPath.
        Some(Evaluator::Json) if !trimmed.starts_with("${") => {
            let lead = text[..text.len() - text.trim_start().len()].chars().count();
            let (path, start) = match trimmed
                .strip_prefix("json-eval(")
                .and_then(|p| p.strip_suffix(')'))
            {
                Some(path) => (path, lead + JSON_EVAL.len()),
                None => (trimmed, lead),
            };
            let source = format!("{JSON_EVAL}{path})");
            // An error's column is given in the attribute as written, not in `source`.
            let expr = Expression::compile(&source, ns).map_err(|e| {
                let column = (e.column + start).saturating_sub(JSON_EVAL.len()).max(1);
                BuildError::invalid(
                    KIND,
                    &attribute,
                    text,
                    format!("invalid {} at column {column}: {}", e.kind, e.message),
                )
            })?;
            return Ok(CompiledArg::Expr {
                reads_body: compiled_reads_body(&expr),
                steps: payload_path_steps(&source),
                expr: Box::new(expr),
                path: PathType::Json,
                literal: arg.literal,
            });
        }
        Some(Evaluator::Json) => (text.clone(), PathType::Json),
        Some(Evaluator::Xml) => (text.clone(), PathType::XPath),
        None if trimmed.starts_with(JSON_EVAL) => (text.clone(), PathType::Json),
        None if trimmed.starts_with("${") => (text.clone(), PathType::Synapse),
        None => (text.clone(), PathType::XPath),
    };
    let expr = compile_expression(KIND, &attribute, &source, ns)?;
    Ok(CompiledArg::Expr {
        reads_body: compiled_reads_body(&expr),
        steps: if path == PathType::Json {
            payload_path_steps(&source)
        } else {
            None
        },
        expr: Box::new(expr),
        path,
        literal: arg.literal,
    })
}

/// A ready template of either type.
#[derive(Debug)]
enum Compiled {
    Default(Template),
    FreeMarker(FmTemplate),
}

impl Compiled {
    fn reads_body(&self) -> bool {
        match self {
            Compiled::Default(t) => t.reads_body(),
            Compiled::FreeMarker(t) => t.reads_body(),
        }
    }
}

/// [`compile_format`] of an inline `<format>`, its error quoting the format.
fn compile_inline_format(
    text: &str,
    media: MediaType,
    template_type: TemplateType,
    nargs: usize,
    ns: &Namespaces,
) -> Result<Compiled, BuildError> {
    compile_format(text, media, template_type, nargs, ns)
        .map_err(|reason| BuildError::invalid(KIND, "format", quoted_format(text), reason))
}

fn compile_format(
    text: &str,
    media: MediaType,
    template_type: TemplateType,
    nargs: usize,
    ns: &Namespaces,
) -> Result<Compiled, String> {
    match template_type {
        TemplateType::FreeMarker => {
            // FreeMarkerTemplateProcessor wraps an xml template in <pfPadding>, as the default
            // processor does; the mediator then keeps its first element.
            FmTemplate::parse(text).map(Compiled::FreeMarker)
        }
        TemplateType::Default => {
            let format = if media == MediaType::Xml {
                xml_format_element(text)?
            } else {
                text.to_owned()
            };
            let t = Template::parse(&format, nargs, ns, media == MediaType::Xml)?;
            let t = if media == MediaType::Json {
                t.with_json_holes()
            } else {
                t
            };
            if t.max_arg() < nargs {
                tracing::debug!(
                    args = nargs,
                    used = t.max_arg(),
                    "payloadFactory: unused arguments"
                );
            }
            Ok(Compiled::Default(t))
        }
    }
}

/// Where the format comes from.
#[derive(Debug)]
enum Source {
    Static(Arc<Compiled>),
    Key(Key),
}

#[derive(Debug)]
enum Key {
    Static(String),
    Dynamic(Expression),
}

/// `ValueFactory.createValue("key", …)`: `{expr}` is an expression giving the key (so is a
/// `${…}` key), anything else the key itself.
/// An error in the expression is at its column in `key`, as written.
fn compile_key(key: &str, ns: &Namespaces) -> Result<Key, BuildError> {
    let t = key.trim();
    let lead = key[..key.len() - key.trim_start().len()].chars().count();
    if t.starts_with("${") {
        return Ok(Key::Dynamic(compile_expression_in(
            KIND,
            "format.key",
            key,
            lead,
            t,
            ns,
        )?));
    }
    if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        return Ok(Key::Dynamic(compile_expression_in(
            KIND,
            "format.key",
            key,
            lead + 1,
            inner,
            ns,
        )?));
    }
    if t.is_empty() {
        return Err(BuildError::invalid(KIND, "format.key", key, "empty key"));
    }
    Ok(Key::Static(key.to_owned()))
}

/// The payloadFactory mediator, built from a [`PayloadFactoryConfig`].
#[derive(Debug)]
pub struct PayloadFactoryMediator {
    media_type: MediaType,
    template_type: TemplateType,
    format: Source,
    args: Vec<CompiledArg>,
    /// The arguments read from the payload text in one pass, when they can be.
    scan: Option<PayloadScan>,
    escape_xml_chars: bool,
    namespaces: Namespaces,
    /// The last key-based format compiled, by the local entry it came from.
    cache: Mutex<Option<(Arc<str>, Arc<Compiled>)>>,
}

/// One evaluated argument (`ArgumentDetails` with its value).
struct ArgValue<'a> {
    text: Cow<'a, str>,
    is_xml: bool,
    literal: bool,
    path: PathType,
    /// `text` is one JSON value as serde_json writes it (a non-string value read by
    /// [`PayloadScan`]).
    json_value: bool,
}

/// What is known of a prepared argument without reading it again: which places of a json
/// format it can stand in and keep the output valid JSON.
#[derive(Debug, Clone, Copy, Default)]
struct Fits {
    /// It is valid string content (JSON-escaped text).
    string_content: bool,
    /// It is one JSON value.
    json_value: bool,
}

impl Fits {
    /// Whether `text`, described by `self`, keeps a json format valid at `hole`.
    fn fits(self, text: &str, hole: Hole) -> bool {
        match hole {
            Hole::InString => self.string_content || is_json_string_content(text),
            Hole::Value => {
                self.json_value || is_json_number(text) || matches!(text, "true" | "false" | "null")
            }
        }
    }
}

#[derive(PartialEq, Eq)]
enum Replacement {
    Str,
    Xml,
    Json,
}

impl PayloadFactoryMediator {
    /// The media type produced.
    /// Whether rendering reads the incoming body: `true` when an argument, an inline `${…}`, a
    /// dynamic key or a FreeMarker template reads it, or when the format comes from a key
    /// (unknown until run). A format of values only does not need the old body, which a
    /// transport may then discard unread.
    pub fn needs_old_body(&self) -> bool {
        let args = self.args.iter().any(|a| match a {
            CompiledArg::Value { .. } => false,
            CompiledArg::Expr { reads_body, .. } => *reads_body,
        });
        let format = match &self.format {
            Source::Static(c) => c.reads_body(),
            Source::Key(_) => true,
        };
        args || format
    }

    /// The media type of the payload it builds.
    pub fn media_type(&self) -> MediaType {
        self.media_type
    }

    /// The template type.
    pub fn template_type(&self) -> TemplateType {
        self.template_type
    }

    /// The payload text this mediator would produce for `msg` (before it is trimmed and set),
    /// without changing the message.
    pub fn render(&self, msg: &MessageContext, env: &Env) -> Result<String, MediationError> {
        self.render_checked(msg, env).map(|(out, _)| out)
    }

    /// [`render`](Self::render), and whether the output is known to be valid JSON without
    /// reading it: a json format whose own text is valid around its `$n`
    /// ([`Template::json_holes`]) with arguments that fit where they stand.
    fn render_checked(
        &self,
        msg: &MessageContext,
        env: &Env,
    ) -> Result<(String, bool), MediationError> {
        let compiled = self.compiled(msg, env)?;
        match &*compiled {
            Compiled::Default(t) => {
                let mut fits = Vec::new();
                let args = self.prepare_args(msg, env, &mut fits)?;
                let out = t.render(msg, &env.xpath_scope(), &args, self.media_type)?;
                let valid = self.media_type == MediaType::Json
                    && t.json_holes().is_some_and(|holes| {
                        holes.iter().all(|&(i, hole)| {
                            args.get(i)
                                .zip(fits.get(i))
                                .is_some_and(|(text, f)| f.fits(text, hole))
                        })
                    });
                Ok((out, valid))
            }
            Compiled::FreeMarker(t) => {
                let args = if t.uses_args() {
                    self.prepare_args(msg, env, &mut Vec::new())?
                        .into_iter()
                        .map(Cow::into_owned)
                        .collect()
                } else {
                    Vec::new()
                };
                // MI wraps an xml template in <pfPadding> and keeps its first element: `apply`
                // does the same with the output.
                Ok((t.render(msg, &args)?, false))
            }
        }
    }

    fn compiled(&self, msg: &MessageContext, env: &Env) -> Result<Arc<Compiled>, MediationError> {
        let key = match &self.format {
            Source::Static(c) => return Ok(Arc::clone(c)),
            Source::Key(Key::Static(k)) => std::borrow::Cow::Borrowed(k.as_str()),
            Source::Key(Key::Dynamic(e)) => {
                std::borrow::Cow::Owned(string_value_of_in(e, msg, &env.xpath_scope())?)
            }
        };
        let Some(entry) = env.local_entry(&key) else {
            return Err(MediationError::mediator(format!("Key {key} not found")));
        };
        if let Ok(cache) = self.cache.lock()
            && let Some((cached, compiled)) = &*cache
            && Arc::ptr_eq(cached, entry)
        {
            return Ok(Arc::clone(compiled));
        }
        let text = entry_format_text(entry, self.media_type, self.template_type);
        let compiled = Arc::new(
            compile_format(
                &text,
                self.media_type,
                self.template_type,
                self.args.len(),
                &self.namespaces,
            )
            .map_err(|e| {
                MediationError::mediator(format!(
                    "invalid payloadFactory format in local entry `{key}`"
                ))
                .with_detail(e)
            })?,
        );
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((Arc::clone(entry), Arc::clone(&compiled)));
        }
        Ok(compiled)
    }

    /// `TemplateProcessor.getArgValues` + `prepareReplacementValue` for every argument; what
    /// is known of each is pushed to `fits`.
    fn prepare_args<'a>(
        &'a self,
        msg: &'a MessageContext,
        env: &Env,
        fits: &mut Vec<Fits>,
    ) -> Result<Vec<Cow<'a, str>>, MediationError> {
        let media = self.media_type;
        // The json-eval arguments read from the payload text in one pass, when they can be.
        let mut scanned = self.scan.as_ref().and_then(|scan| scan.read(msg));
        if scanned.is_none() {
            // Several json-eval arguments over a JSON payload: parse it once up front. The
            // first expression would otherwise scan the raw bytes, and the second parse them
            // anyway.
            let json_args = self
                .args
                .iter()
                .filter(|a| {
                    matches!(
                        a,
                        CompiledArg::Expr {
                            path: PathType::Json,
                            ..
                        }
                    )
                })
                .count();
            if json_args > 1 && msg.payload_kind() == PayloadKind::Json {
                // An error is kept with the payload and reported by the expression that
                // meets it.
                let _ = msg.json();
            }
        }
        // QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON, looked up once when a string argument needs it.
        let mut quote_strings = None;
        let mut out = Vec::with_capacity(self.args.len());
        for (i, arg) in self.args.iter().enumerate() {
            let value = match arg {
                CompiledArg::Value { text, is_xml } => ArgValue {
                    text: Cow::Borrowed(text),
                    is_xml: *is_xml,
                    literal: false,
                    path: PathType::XPath,
                    json_value: false,
                },
                CompiledArg::Expr {
                    expr,
                    path,
                    literal,
                    ..
                } => {
                    let slot = self
                        .scan
                        .as_ref()
                        .and_then(|scan| scan.slots.get(i).copied().flatten());
                    let (s, json_value) = match (slot, scanned.as_mut()) {
                        (Some(k), Some(values)) => {
                            let v = std::mem::take(&mut values[k]);
                            (v.text, v.json)
                        }
                        _ => (
                            Cow::Owned(string_value_of_in(expr, msg, &env.xpath_scope())?),
                            false,
                        ),
                    };
                    let is_xml = is_xml(&s);
                    let json_path = *path != PathType::XPath;
                    let escape =
                        !is_xml && media == MediaType::Xml && !(json_path && is_json_like(&s));
                    let text = if escape {
                        Cow::Owned(escape_xml10(&s))
                    } else {
                        s
                    };
                    ArgValue {
                        text,
                        is_xml,
                        literal: *literal,
                        path: *path,
                        json_value: json_value && !escape,
                    }
                }
            };
            let (text, fit) = self.prepare(msg, value, &mut quote_strings)?;
            out.push(text);
            fits.push(fit);
        }
        Ok(out)
    }

    /// `prepareReplacementValue`: the argument's text as it goes into the format.
    /// `quote_strings` caches the `QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON` property's value.
    fn prepare<'a>(
        &self,
        msg: &MessageContext,
        v: ArgValue<'a>,
        quote_strings: &mut Option<bool>,
    ) -> Result<(Cow<'a, str>, Fits), MediationError> {
        let media = self.media_type;
        let kind = if v.literal {
            Replacement::Str
        } else {
            match v.path {
                PathType::XPath if v.is_xml => Replacement::Xml,
                PathType::XPath => Replacement::Str,
                PathType::Json if is_json_like(&v.text) => Replacement::Json,
                PathType::Json => Replacement::Str,
                PathType::Synapse if v.is_xml => Replacement::Xml,
                PathType::Synapse if is_json_like(&v.text) => Replacement::Json,
                PathType::Synapse => Replacement::Str,
            }
        };
        let json_to_xml_error = |e: String| {
            MediationError::mediator(
                "Error converting JSON to XML, please check your JSON Path expressions return valid JSON: ",
            )
            .with_detail(e)
        };
        let none = Fits::default();
        Ok(match (media, kind) {
            (MediaType::Json, Replacement::Xml) => (
                Cow::Owned(xml_to_json_text(&v.text).map_err(|e| {
                    MediationError::mediator(
                        "Error parsing XML for JSON conversion, please check your xPath expressions return valid XML: ",
                    )
                    .with_detail(e)
                })?),
                none,
            ),
            (MediaType::Xml, Replacement::Json) => (
                Cow::Owned(json_to_xml_fragment(&v.text).map_err(json_to_xml_error)?),
                none,
            ),
            (MediaType::Xml, Replacement::Str) if is_json_like(&v.text) => (
                Cow::Owned(json_to_xml_fragment(&v.text).map_err(json_to_xml_error)?),
                none,
            ),
            (MediaType::Json, Replacement::Json) if self.escape_xml_chars => {
                (Cow::Owned(escape_json_controls(&v.text)), none)
            }
            (MediaType::Json, Replacement::Str) => {
                let trimmed = java_trim(&v.text);
                let quote = !is_json_like(trimmed)
                    && *quote_strings.get_or_insert_with(|| {
                        msg.property(QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON)
                            .is_some_and(|p| p.as_string().eq_ignore_ascii_case("true"))
                    })
                    && !matches!(trimmed, "true" | "false" | "null")
                    && !is_json_number(trimmed);
                let escaped = json_escape_cow(v.text);
                if quote {
                    (
                        Cow::Owned(format!("\"{escaped}\"")),
                        Fits {
                            string_content: false,
                            json_value: true,
                        },
                    )
                } else {
                    (
                        escaped,
                        Fits {
                            string_content: true,
                            json_value: false,
                        },
                    )
                }
            }
            (MediaType::Json, Replacement::Json) => (
                v.text,
                Fits {
                    string_content: false,
                    json_value: v.json_value,
                },
            ),
            _ => (v.text, none),
        })
    }

    /// Sets the rendered payload on the message, as `PayloadFactoryMediator.mediate` does.
    /// `known_valid`: the output is known to be valid JSON ([`Self::render_checked`]), so it is
    /// not parsed again to check it.
    fn apply(
        &self,
        msg: &mut MessageContext,
        out: String,
        known_valid: bool,
    ) -> Result<(), MediationError> {
        let out = {
            let t = java_trim(&out);
            if t.len() == out.len() {
                out
            } else {
                t.to_owned()
            }
        };
        match self.media_type {
            MediaType::Json => {
                // JsonUtil.getNewJsonPayload: an empty text is `{}`.
                let out = if out.is_empty() { "{}".to_owned() } else { out };
                // Validate without building a tree (nothing may read it).
                if !known_valid && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&out)
                {
                    return Err(MediationError::mediator(format!(
                        "Error creating JSON Payload from source {out}"
                    ))
                    .with_detail(e.to_string()));
                }
                msg.set_payload(Bytes::from(out), JSON_CONTENT_TYPE);
                set_message_type(msg, JSON_CONTENT_TYPE)?;
            }
            MediaType::Text => {
                msg.set_text(out);
                set_message_type(msg, TEXT_CONTENT_TYPE)?;
            }
            MediaType::Xml => {
                set_xml(msg, out)?;
                let mt = msg.message_type();
                if !matches!(
                    mt.as_str(),
                    "application/xml" | "text/xml" | "application/soap+xml"
                ) {
                    if mime_essence(msg.content_type()) != XML_CONTENT_TYPE {
                        msg.set_content_type(XML_CONTENT_TYPE);
                    }
                    set_message_type(msg, XML_CONTENT_TYPE)?;
                }
            }
        }
        Ok(())
    }
}

/// The format text of a local entry: an XML entry (an `OMElement` in MI) loses its declaration
/// and is used as an element; any other entry is its text.
fn entry_format_text(entry: &str, media: MediaType, template_type: TemplateType) -> String {
    if media == MediaType::Xml || template_type == TemplateType::FreeMarker {
        strip_xml_declaration(entry).to_owned()
    } else {
        entry.to_owned()
    }
}

/// `messageType` and `ContentType` (`handleSpecialProperties`: the transport `Content-Type`
/// header too).
fn set_message_type(msg: &mut MessageContext, content_type: &str) -> Result<(), MediationError> {
    msg.set_message_type(content_type);
    msg.set_transport_header("Content-Type", content_type)?;
    Ok(())
}

/// The xml branch: the format's first element becomes the Body's content, or the whole
/// envelope when it is a SOAP `Envelope` (`checkAndReplaceEnvelope`).
fn set_xml(msg: &mut MessageContext, out: String) -> Result<(), MediationError> {
    let fail = |out: &str, detail: String| {
        MediationError::mediator(format!("Error creating SOAP Envelope from source {out}"))
            .with_detail(detail)
    };
    // The common case: one element, not an envelope; parsed once, by the message.
    let out = if out.contains("Envelope") {
        out
    } else {
        let bytes = Bytes::from(out);
        if msg.set_xml_body(bytes.clone()).is_ok() {
            return Ok(());
        }
        String::from_utf8(bytes.to_vec()).unwrap_or_default()
    };
    let wrapped = format!("<pfPadding>{out}</pfPadding>");
    let doc = Document::parse(&wrapped).map_err(|e| fail(&out, e.to_string()))?;
    let Some(first) = doc.root_element().first_element_child() else {
        return Err(fail(&out, "no XML element".into()));
    };
    let text = wrapped[first.range()].to_owned();
    let name = first.tag_name();
    let is_envelope = name.name() == "Envelope"
        && matches!(name.namespace(), Some(ns) if ns == SOAP11_NS || ns == SOAP12_NS);
    if is_envelope {
        let content_type = if msg.payload_kind() == PayloadKind::Xml {
            msg.content_type().to_owned()
        } else {
            XML_CONTENT_TYPE.to_owned()
        };
        msg.set_payload(Bytes::from(text), content_type);
    } else {
        msg.set_xml_body(Bytes::from(text))
            .map_err(|e| fail(&out, e.to_string()))?;
    }
    Ok(())
}

#[async_trait]
impl Mediator for PayloadFactoryMediator {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        let (out, known_valid) = self.render_checked(msg, env)?;
        tracing::debug!(payload = %out, "#mediate. Transformed payload format");
        self.apply(msg, out, known_valid)?;
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        KIND
    }

    /// Always `true`: the mediator replaces the body (Synapse's PayloadFactoryMediator is
    /// content aware and content altering). Whether it also needs the *old* body is
    /// [`PayloadFactoryMediator::needs_old_body`].
    fn reads_body(&self) -> bool {
        true
    }
}
