//! The XPath 1.0 core function library.

use std::borrow::Cow;

use crate::ast::{CoreFn, Expr};
use crate::eval::{Ctx, Evaluator, type_err};
use crate::node::{XML_NAMESPACE, sort_dedup};
use crate::number::{parse_number, round};
use crate::{EvalError, Value, XNode};

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// A core function's implementation.
type CoreImpl<'e, 'a, 'i> =
    fn(&Evaluator<'e, 'a, 'i>, &[Expr], &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError>;

impl<'e, 'a: 'e, 'i: 'a> Evaluator<'e, 'a, 'i> {
    fn arg(&self, args: &[Expr], i: usize, ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        match args.get(i) {
            Some(e) => self.eval(e, ctx),
            None => type_err("missing argument"),
        }
    }

    fn string_arg(
        &self,
        args: &[Expr],
        i: usize,
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Cow<'a, str>, EvalError> {
        Ok(self.arg(args, i, ctx)?.string())
    }

    fn number_arg(&self, args: &[Expr], i: usize, ctx: &Ctx<'a, 'i>) -> Result<f64, EvalError> {
        Ok(self.arg(args, i, ctx)?.number())
    }

    /// The string-value of the context node, or of the optional argument.
    fn string_or_context(
        &self,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Cow<'a, str>, EvalError> {
        if args.is_empty() {
            Ok(ctx.node.string_value())
        } else {
            self.string_arg(args, 0, ctx)
        }
    }

    /// The first node of the optional node-set argument, or the context node.
    fn node_or_context(
        &self,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
        fname: &str,
    ) -> Result<Option<XNode<'a, 'i>>, EvalError> {
        match args.first() {
            None => Ok(Some(ctx.node)),
            Some(e) => {
                let nodes = self.eval_nodes(e, ctx, fname)?;
                Ok(nodes.first().copied())
            }
        }
    }

    /// Call a core function. The dispatch only picks a function pointer, keeping this frame
    /// small for deeply nested calls.
    pub(crate) fn call_core(
        &self,
        f: CoreFn,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        let imp: CoreImpl<'e, 'a, 'i> = match f {
            CoreFn::Last => Self::f_last,
            CoreFn::Position => Self::f_position,
            CoreFn::Count => Self::f_count,
            CoreFn::Id => Self::f_id,
            CoreFn::LocalName => Self::f_local_name,
            CoreFn::NamespaceUri => Self::f_namespace_uri,
            CoreFn::Name => Self::f_name,
            CoreFn::String => Self::f_string,
            CoreFn::Concat => Self::f_concat,
            CoreFn::StartsWith => Self::f_starts_with,
            CoreFn::Contains => Self::f_contains,
            CoreFn::SubstringBefore => Self::f_substring_before,
            CoreFn::SubstringAfter => Self::f_substring_after,
            CoreFn::Substring => Self::f_substring,
            CoreFn::StringLength => Self::f_string_length,
            CoreFn::NormalizeSpace => Self::f_normalize_space,
            CoreFn::Translate => Self::f_translate,
            CoreFn::Boolean => Self::f_boolean,
            CoreFn::Not => Self::f_not,
            CoreFn::True => Self::f_true,
            CoreFn::False => Self::f_false,
            CoreFn::Lang => Self::f_lang,
            CoreFn::Number => Self::f_number,
            CoreFn::Sum => Self::f_sum,
            CoreFn::Floor => Self::f_floor,
            CoreFn::Ceiling => Self::f_ceiling,
            CoreFn::Round => Self::f_round,
        };
        imp(self, args, ctx)
    }

    fn f_last(&self, _args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Number(ctx.size as f64))
    }

    fn f_position(&self, _args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Number(ctx.pos as f64))
    }

    fn f_count(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let n = match args.first() {
                Some(e) => self.eval_nodes(e, ctx, "count()")?.len(),
                None => 0,
            };
            Value::Number(n as f64)
        })
    }

    fn f_id(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let v = self.arg(args, 0, ctx)?;
            let mut ids: Vec<Cow<'a, str>> = Vec::new();
            match &v {
                Value::NodeSet(ns) => {
                    for n in ns {
                        let s = n.string_value();
                        ids.extend(split_ws_owned(&s));
                    }
                }
                other => ids.extend(split_ws_owned(&other.string())),
            }
            let root = ctx.node.node().document().root();
            let mut out = Vec::new();
            if !ids.is_empty() {
                for d in root.descendants().filter(|d| d.is_element()) {
                    if let Some(idv) = d.attribute((XML_NAMESPACE, "id"))
                        && ids.iter().any(|x| x == idv)
                    {
                        out.push(XNode::Node(d));
                    }
                }
            }
            sort_dedup(&mut out);
            Value::NodeSet(out)
        })
    }

    fn f_local_name(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::String(Cow::Borrowed(
            self.node_or_context(args, ctx, "local-name()")?
                .map_or("", |n| n.local_name()),
        )))
    }

    fn f_namespace_uri(
        &self,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::String(Cow::Borrowed(
            self.node_or_context(args, ctx, "namespace-uri()")?
                .map_or("", |n| n.namespace_uri()),
        )))
    }

    fn f_name(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::String(
            self.node_or_context(args, ctx, "name()")?
                .map_or(Cow::Borrowed(""), |n| n.name()),
        ))
    }

    fn f_string(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::String(self.string_or_context(args, ctx)?))
    }

    fn f_concat(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let mut s = String::new();
            for i in 0..args.len() {
                s.push_str(&self.string_arg(args, i, ctx)?);
            }
            Value::String(Cow::Owned(s))
        })
    }

    fn f_starts_with(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let a = self.string_arg(args, 0, ctx)?;
            let b = self.string_arg(args, 1, ctx)?;
            Value::Boolean(a.starts_with(&*b))
        })
    }

    fn f_contains(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let a = self.string_arg(args, 0, ctx)?;
            let b = self.string_arg(args, 1, ctx)?;
            Value::Boolean(a.contains(&*b))
        })
    }

    fn f_substring_before(
        &self,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let a = self.string_arg(args, 0, ctx)?;
            let b = self.string_arg(args, 1, ctx)?;
            Value::String(match a.find(&*b) {
                Some(i) => slice_cow(a, 0, i),
                None => Cow::Borrowed(""),
            })
        })
    }

    fn f_substring_after(
        &self,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let a = self.string_arg(args, 0, ctx)?;
            let b = self.string_arg(args, 1, ctx)?;
            Value::String(match a.find(&*b) {
                Some(i) => {
                    let start = i + b.len();
                    let end = a.len();
                    slice_cow(a, start, end)
                }
                None => Cow::Borrowed(""),
            })
        })
    }

    fn f_substring(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let s = self.string_arg(args, 0, ctx)?;
            let start = round(self.number_arg(args, 1, ctx)?);
            let end = if args.len() > 2 {
                start + round(self.number_arg(args, 2, ctx)?)
            } else {
                f64::INFINITY
            };
            Value::String(substring(s, start, end))
        })
    }

    fn f_string_length(
        &self,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let s = self.string_or_context(args, ctx)?;
            Value::Number(s.chars().count() as f64)
        })
    }

    fn f_normalize_space(
        &self,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let s = self.string_or_context(args, ctx)?;
            Value::String(normalize_space(s))
        })
    }

    fn f_translate(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let s = self.string_arg(args, 0, ctx)?;
            let from = self.string_arg(args, 1, ctx)?;
            let to = self.string_arg(args, 2, ctx)?;
            Value::String(translate(s, &from, &to))
        })
    }

    fn f_boolean(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Boolean(self.arg(args, 0, ctx)?.boolean()))
    }

    fn f_not(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Boolean(!self.arg(args, 0, ctx)?.boolean()))
    }

    fn f_true(&self, _args: &[Expr], _ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Boolean(true))
    }

    fn f_false(&self, _args: &[Expr], _ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Boolean(false))
    }

    fn f_lang(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let want = self.string_arg(args, 0, ctx)?;
            let lang = ctx
                .node
                .node()
                .ancestors()
                .find_map(|n| n.attribute((XML_NAMESPACE, "lang")));
            Value::Boolean(lang.is_some_and(|l| lang_matches(l, &want)))
        })
    }

    fn f_number(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            if args.is_empty() {
                Value::Number(parse_number(&ctx.node.string_value()))
            } else {
                Value::Number(self.number_arg(args, 0, ctx)?)
            }
        })
    }

    fn f_sum(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok({
            let nodes = match args.first() {
                Some(e) => self.eval_nodes(e, ctx, "sum()")?,
                None => Vec::new(),
            };
            Value::Number(nodes.iter().map(|n| parse_number(&n.string_value())).sum())
        })
    }

    fn f_floor(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Number(self.number_arg(args, 0, ctx)?.floor()))
    }

    fn f_ceiling(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Number(self.number_arg(args, 0, ctx)?.ceil()))
    }

    fn f_round(&self, args: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        Ok(Value::Number(round(self.number_arg(args, 0, ctx)?)))
    }
}

fn split_ws_owned<'a>(s: &str) -> Vec<Cow<'a, str>> {
    s.split(is_xml_space)
        .filter(|t| !t.is_empty())
        .map(|t| Cow::Owned(t.to_owned()))
        .collect()
}

/// `s[start..end]` by byte offsets known to be on char boundaries, keeping borrows.
fn slice_cow(s: Cow<'_, str>, start: usize, end: usize) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.get(start..end).unwrap_or("")),
        Cow::Owned(o) => Cow::Owned(o.get(start..end).unwrap_or("").to_owned()),
    }
}

/// Characters at 1-based positions `p` with `start <= p < end` (already rounded).
pub(crate) fn substring(s: Cow<'_, str>, start: f64, end: f64) -> Cow<'_, str> {
    let mut first = None;
    let mut last = 0usize;
    for (p, (byte, ch)) in s.char_indices().enumerate() {
        let pos = (p + 1) as f64;
        if pos >= start && pos < end {
            if first.is_none() {
                first = Some(byte);
            }
            last = byte + ch.len_utf8();
        } else if first.is_some() {
            break;
        }
    }
    match first {
        Some(f) => slice_cow(s, f, last),
        None => Cow::Borrowed(""),
    }
}

pub(crate) fn normalize_space(s: Cow<'_, str>) -> Cow<'_, str> {
    let trimmed_same = {
        let t = s.trim_matches(is_xml_space);
        t.len() == s.len() && !s.contains(['\t', '\r', '\n']) && !s.contains("  ")
    };
    if trimmed_same {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split(is_xml_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    Cow::Owned(out)
}

pub(crate) fn translate<'s>(s: Cow<'s, str>, from: &str, to: &str) -> Cow<'s, str> {
    if from.is_empty() {
        return s;
    }
    let to: Vec<char> = to.chars().collect();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match from.chars().position(|f| f == c) {
            Some(i) => {
                if let Some(&r) = to.get(i) {
                    out.push(r);
                }
            }
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn lang_matches(lang: &str, want: &str) -> bool {
    let lang = lang.to_ascii_lowercase();
    let want = want.to_ascii_lowercase();
    lang == want || (lang.starts_with(&want) && lang.as_bytes().get(want.len()) == Some(&b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_edges() {
        let s = |x: &str, a: f64, b: f64| substring(Cow::Borrowed(x), a, b).into_owned();
        assert_eq!(s("12345", 2.0, 5.0), "234");
        assert_eq!(s("12345", 0.0, 3.0), "12");
        assert_eq!(s("12345", f64::NAN, f64::NAN), "");
        assert_eq!(s("12345", 1.0, f64::NAN), "");
        assert_eq!(s("12345", -42.0, f64::INFINITY), "12345");
        assert_eq!(s("12345", f64::NEG_INFINITY, f64::NAN), "");
        assert_eq!(s("héllo", 2.0, 4.0), "él");
    }

    #[test]
    fn normalize_and_translate() {
        assert_eq!(normalize_space(Cow::Borrowed("  a \n b\t")), "a b");
        assert_eq!(normalize_space(Cow::Borrowed("a b")), "a b");
        assert_eq!(translate(Cow::Borrowed("bar"), "abc", "ABC"), "BAr");
        assert_eq!(translate(Cow::Borrowed("--aaa--"), "abc-", "ABC"), "AAA");
        assert_eq!(translate(Cow::Borrowed("aa"), "aa", "bc"), "bb");
    }

    #[test]
    fn lang() {
        assert!(lang_matches("en-US", "en"));
        assert!(lang_matches("EN", "en"));
        assert!(!lang_matches("english", "en"));
    }
}
