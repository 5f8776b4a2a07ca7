//! The default template (Synapse's `RegexTemplateProcessor`): a format split once into text,
//! `$n` placeholders and inline `${…}` expressions, then rendered for each message.

use std::sync::LazyLock;

use mediate_core::expr::synapse::ExprValue;
use mediate_core::expr::xpath::XPathScope;
use mediate_core::expr::{Evaluated, ExpressionKind};
use mediate_core::{Expression, MediationError, MessageContext, Namespaces};
use regex::Regex;

use super::MediaType;
use super::escape::{
    escape_xml10, escape_xml10_into, is_xml, java_trim, json_escape, json_escape_into,
    json_to_xml_fragment, xml_to_json_text,
};

/// MI 4.4's pattern, matched leftmost-first as Java does: `"${…}"` (quoted), `${…}`, `$n`.
/// `.` stops at a line break and `+?` at the first `}`, exactly as in Java.
static PLACEHOLDER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#""\$\{(.+?)\}"|\$\{(.+?)\}|\$(\d+)"#).ok());

#[derive(Debug)]
enum Part {
    Text(String),
    /// `$n`, 0-based.
    Arg(usize),
    Inline {
        expr: Expression,
        quoted: bool,
    },
}

/// A parsed default template.
#[derive(Debug)]
pub(super) struct Template {
    parts: Vec<Part>,
    reads_body: bool,
    capacity: usize,
    /// For a json format: where each `$n` stands, when the format's own text is known to be
    /// valid JSON around them (see [`Template::json_holes`]).
    json_holes: Option<Vec<(usize, Hole)>>,
}

/// Where a `$n` stands in a json format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hole {
    /// Inside a string literal (`"ref":"$1"`): any valid string content keeps the JSON valid.
    InString,
    /// Alone in a value's place (`"lines":$5,`): any one JSON value keeps the JSON valid.
    Value,
}

impl Template {
    /// Splits `format`. `nargs` is the number of `<arg>`s: at the first `$n` out of range
    /// (`$0`, or `n > nargs`) MI's `ArrayIndexOutOfBoundsException` stops the replacement and
    /// the rest of the format is kept as written; so it is here (with a warning).
    ///
    /// In an xml format the expression of a `${…}` is the serialized XML text, so `&lt;`,
    /// `&gt;`, `&amp;`, `&quot;` and `&apos;` in it are read as the characters they stand for
    /// (`xml_format`): `${payload.n &gt; 1}` is `payload.n > 1`.
    pub(super) fn parse(
        format: &str,
        nargs: usize,
        namespaces: &Namespaces,
        xml_format: bool,
    ) -> Result<Self, String> {
        let Some(re) = PLACEHOLDER.as_ref() else {
            return Err("placeholder pattern failed to compile".into());
        };
        let mut parts = Vec::new();
        let mut reads_body = false;
        let mut pos = 0;
        for caps in re.captures_iter(format) {
            let Some(whole) = caps.get(0) else { continue };
            let (part, quoted_expr) = if let Some(inner) = caps.get(1) {
                (None, Some((inner.as_str(), true)))
            } else if let Some(inner) = caps.get(2) {
                (None, Some((inner.as_str(), false)))
            } else if let Some(n) = caps.get(3) {
                match n.as_str().parse::<usize>() {
                    Ok(n) if (1..=nargs).contains(&n) => (Some(Part::Arg(n - 1)), None),
                    _ => {
                        tracing::warn!(
                            placeholder = whole.as_str(),
                            args = nargs,
                            "payloadFactory: mis-match detected between number of formatters and \
                             arguments; the format is kept as written from here on"
                        );
                        break;
                    }
                }
            } else {
                continue;
            };
            if whole.start() > pos {
                parts.push(Part::Text(format[pos..whole.start()].to_owned()));
            }
            pos = whole.end();
            if let Some(part) = part {
                parts.push(part);
            }
            if let Some((inner, quoted)) = quoted_expr {
                let inner = if xml_format && inner.contains('&') {
                    std::borrow::Cow::Owned(unescape_xml(inner))
                } else {
                    std::borrow::Cow::Borrowed(inner)
                };
                let text = format!("${{{inner}}}");
                let expr = Expression::compile(&text, namespaces).map_err(|e| {
                    format!(
                        "invalid expression `{text}` at column {}: {}",
                        e.column, e.message
                    )
                })?;
                reads_body |= crate::value::compiled_reads_body(&expr);
                parts.push(Part::Inline { expr, quoted });
            }
        }
        if pos < format.len() {
            parts.push(Part::Text(format[pos..].to_owned()));
        }
        Ok(Template {
            parts,
            reads_body,
            capacity: format.len() + 64,
            json_holes: None,
        })
    }

    /// Works out, for a json format, where each `$n` stands ([`Template::json_holes`]).
    pub(super) fn with_json_holes(mut self) -> Self {
        self.json_holes = json_holes(&self.parts);
        self
    }

    /// For a json format of text and `$n` only, whose text (trimmed) begins and ends outside a
    /// placeholder: each `$n` (its argument's index) and where it stands, when the format with
    /// every in-string `$n` removed and every value `$n` replaced by `0` is valid JSON. Then the
    /// output is valid JSON whenever each in-string argument is valid string content and each
    /// value argument is one JSON value (JSON's grammar is context-free: a value may stand for
    /// any other, string content for any other). `None` when that cannot be told in advance.
    pub(super) fn json_holes(&self) -> Option<&[(usize, Hole)]> {
        self.json_holes.as_deref()
    }

    /// Whether an inline expression reads the body.
    pub(super) fn reads_body(&self) -> bool {
        self.reads_body
    }

    /// The largest `$n` used (0 if none).
    pub(super) fn max_arg(&self) -> usize {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Arg(i) => Some(i + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Renders with the prepared argument values (see `prepare_arg`).
    pub(super) fn render(
        &self,
        msg: &MessageContext,
        scope: &XPathScope<'_>,
        args: &[std::borrow::Cow<'_, str>],
        media: MediaType,
    ) -> Result<String, MediationError> {
        // The format's text and each argument once (what most formats use them).
        let args_len: usize = args.iter().map(|a| a.len()).sum();
        let mut out = String::with_capacity(
            self.capacity
                .saturating_add(args_len)
                .min(MAX_OUTPUT_BYTES + 1),
        );
        for part in &self.parts {
            // The output is a sum of argument values, one per `$n`/`${…}` of the format: linear
            // in the message, but a format repeating `$1` a thousand times over a large
            // argument would still multiply it. It is capped like a FreeMarker render's.
            if out.len() > MAX_OUTPUT_BYTES {
                return Err(output_too_large());
            }
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Arg(i) => {
                    let arg = args.get(*i).map_or("", |a| &**a);
                    if out.len().saturating_add(arg.len()) > MAX_OUTPUT_BYTES {
                        return Err(output_too_large());
                    }
                    out.push_str(arg);
                }
                Part::Inline { expr, quoted } => {
                    // SynapseExpression.objectValueOf: a failed evaluation is logged and
                    // gives "" (a plain string, written as it is).
                    let value = match expr.evaluate_in(msg, scope) {
                        Ok(Evaluated::Synapse(v)) => v,
                        Ok(_) => ExprValue::Xml(String::new()),
                        Err(e) => {
                            tracing::warn!(
                                expression = expr.source(),
                                cause = %e,
                                "Error evaluating expression"
                            );
                            ExprValue::Xml(String::new())
                        }
                    };
                    debug_assert_eq!(expr.kind(), ExpressionKind::Synapse);
                    if *quoted {
                        render_quoted(&mut out, value, media)?;
                    } else {
                        render_unquoted(&mut out, value, media)?;
                    }
                }
            }
        }
        if out.len() > MAX_OUTPUT_BYTES {
            return Err(output_too_large());
        }
        Ok(out)
    }
}

/// See [`Template::json_holes`].
fn json_holes(parts: &[Part]) -> Option<Vec<(usize, Hole)>> {
    // The trimmed output must begin and end in the format's own text.
    let non_blank = |p: Option<&Part>| matches!(p, Some(Part::Text(t)) if !java_trim(t).is_empty());
    if !non_blank(parts.first()) || !non_blank(parts.last()) {
        return None;
    }
    #[derive(PartialEq)]
    enum Lex {
        Out,
        Str,
        /// After a `\` in a string.
        Escape,
        /// Hex digits of a `\u` escape still to come.
        Hex(u8),
    }
    let mut lex = Lex::Out;
    let mut holes = Vec::new();
    let mut skeleton = String::new();
    for (k, part) in parts.iter().enumerate() {
        match part {
            Part::Text(t) => {
                for c in t.chars() {
                    lex = match lex {
                        Lex::Out if c == '"' => Lex::Str,
                        Lex::Out => Lex::Out,
                        Lex::Str if c == '"' => Lex::Out,
                        Lex::Str if c == '\\' => Lex::Escape,
                        Lex::Str => Lex::Str,
                        Lex::Escape if c == 'u' => Lex::Hex(4),
                        Lex::Escape => Lex::Str,
                        Lex::Hex(1) => Lex::Str,
                        Lex::Hex(n) => Lex::Hex(n - 1),
                    };
                }
                skeleton.push_str(t);
            }
            Part::Arg(i) => {
                let hole = match lex {
                    Lex::Str => Hole::InString,
                    Lex::Out => {
                        // A token of its own: after `:`, `[`, `,` or a blank, and before `,`,
                        // `]`, `}` or a blank.
                        let delimited = |c: Option<char>, set: &[char]| {
                            c.is_some_and(|c| {
                                set.contains(&c) || matches!(c, ' ' | '\t' | '\n' | '\r')
                            })
                        };
                        let before = skeleton.chars().next_back();
                        let after = match parts.get(k + 1) {
                            Some(Part::Text(t)) => t.chars().next(),
                            _ => None,
                        };
                        if !delimited(before, &[':', '[', ','])
                            || !delimited(after, &[',', ']', '}'])
                        {
                            return None;
                        }
                        skeleton.push('0');
                        Hole::Value
                    }
                    Lex::Escape | Lex::Hex(_) => return None,
                };
                holes.push((*i, hole));
            }
            Part::Inline { .. } => return None,
        }
    }
    serde_json::from_str::<serde::de::IgnoredAny>(java_trim(&skeleton)).ok()?;
    Some(holes)
}

/// Whether `s` is valid inside a JSON string literal as it is: no `"`, no control character,
/// and every `\` starting one of JSON's escapes (a `\u` escape of a surrogate is refused too).
pub(super) fn is_json_string_content(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | 0..=0x1F => return false,
            b'\\' => match b.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => {
                    let Some(hex) = b.get(i + 2..i + 6) else {
                        return false;
                    };
                    if !hex.iter().all(u8::is_ascii_hexdigit)
                        || matches!(hex[0], b'd' | b'D')
                            && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
                    {
                        return false;
                    }
                    i += 6;
                }
                _ => return false,
            },
            _ => i += 1,
        }
    }
    true
}

/// The output cap of a default-template render (the FreeMarker engine's default output limit,
/// the transport's default buffered-body limit).
const MAX_OUTPUT_BYTES: usize = crate::freemarker::DEFAULT_MAX_OUTPUT_BYTES;

fn output_too_large() -> MediationError {
    MediationError::mediator(format!(
        "payloadFactory output size limit exceeded: the payload would be over {MAX_OUTPUT_BYTES} \
         bytes"
    ))
}

/// The five predefined XML entities replaced by their characters; anything else kept.
fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `"${…}"`: the value as the inside of a string, quotes kept.
fn render_quoted(
    out: &mut String,
    value: ExprValue,
    media: MediaType,
) -> Result<(), MediationError> {
    out.push('"');
    match value {
        ExprValue::Bool(_) | ExprValue::Int(_) | ExprValue::Double(_) | ExprValue::String(_) => {
            // JsonPrimitive.getAsString, escaped for the target.
            let s = value.to_string();
            match media {
                MediaType::Xml => escape_xml10_into(&s, out),
                MediaType::Json => json_escape_into(&s, out),
                MediaType::Text => out.push_str(&s),
            }
        }
        ExprValue::Null if media == MediaType::Xml => out.push_str("null"),
        ExprValue::Null | ExprValue::Array(_) | ExprValue::Object(_) => {
            if media == MediaType::Xml {
                return Err(MediationError::mediator(
                    "Error converting JSON to XML, please check your expressions return valid JSON: ",
                )
                .with_detail("a JSON object or array cannot be written inside quotes of an XML format"));
            }
            // gson.toJson, then `"` and `\` escaped: a JSON string holding the JSON text.
            json_escape_into(&value.to_string(), out);
        }
        ExprValue::Xml(s) => {
            if media == MediaType::Json && is_xml(&s) {
                json_escape_into(&s, out);
            } else {
                out.push_str(&s);
            }
        }
    }
    out.push('"');
    Ok(())
}

/// `${…}`: the value as it is (strings unquoted), XML and JSON converted to the target.
fn render_unquoted(
    out: &mut String,
    value: ExprValue,
    media: MediaType,
) -> Result<(), MediationError> {
    let s = match value {
        ExprValue::Bool(_) | ExprValue::Int(_) | ExprValue::Double(_) | ExprValue::String(_) => {
            let s = value.to_string();
            if media == MediaType::Xml {
                escape_xml10(&s)
            } else {
                s
            }
        }
        ExprValue::Null | ExprValue::Array(_) | ExprValue::Object(_) => {
            let json = value.to_string();
            if media == MediaType::Xml {
                json_to_xml_fragment(&json).map_err(|e| {
                    MediationError::mediator(
                        "Error converting JSON to XML, please check your expressions return valid JSON: ",
                    )
                    .with_detail(e)
                })?
            } else {
                json
            }
        }
        ExprValue::Xml(s) => s,
    };
    if media == MediaType::Json && is_xml(&s) {
        match xml_to_json_text(&s) {
            Ok(json) => out.push_str(&json),
            Err(_) => out.push_str(&json_escape(&s)),
        }
    } else {
        out.push_str(&s);
    }
    Ok(())
}
