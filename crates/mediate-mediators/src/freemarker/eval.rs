//! Rendering: the data model MI gives a template (`payload`, `args`, `ctx`, `axis2`, `trp`,
//! `var`) and the evaluation of elements and expressions over it.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use mediate_core::message::roxmltree::{Attribute, Node, NodeType};
use mediate_core::message::{MessageContext, PayloadKind, Scope as PropScope, VariableValue};
use serde_json::Value as Json;

use super::Limits;
use super::ast::{Arg, AssignOp, BinOp, Builtin, Element, Expr, ExprKind, RangeKind, StrPart};
use super::format::{self, NumberPattern};

/// Bytes of string work that cost one step (copying, scanning, writing).
const BYTES_PER_STEP: usize = 1024;
/// Sequence or hash items handled (copied, compared) that cost one step.
const ITEMS_PER_STEP: usize = 16;

/// A run-time error at a byte offset of the template.
#[derive(Debug)]
pub(crate) struct RenderError {
    pub(crate) offset: usize,
    pub(crate) message: String,
    /// A null or missing value (FreeMarker's `InvalidReferenceException`): `(…)!` and `(…)??`
    /// turn it into "missing".
    missing: bool,
}

type RResult<T> = Result<T, RenderError>;

/// An XML node as FreeMarker's DOM wrapper sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum XNode<'a> {
    /// The document node (its child is the payload's root element).
    Doc(Node<'a, 'a>),
    /// An element or text node.
    Node(Node<'a, 'a>),
    /// An attribute, with its element.
    Attr(Attribute<'a, 'a>, Node<'a, 'a>),
}

/// The hashes MI puts beside `payload`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeHash {
    Ctx,
    Axis2,
    Trp,
    Args,
    Var,
}

/// A template value.
#[derive(Clone, Debug)]
pub(crate) enum Value<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
    /// A JSON object or array of the payload (scalars are converted on access).
    Json(&'a Json),
    Seq(Rc<Vec<Value<'a>>>),
    Hash(Rc<Vec<(String, Value<'a>)>>),
    Node(XNode<'a>),
    /// A node list of 0 or more than 1 nodes (a list of exactly 1 is a `Node`).
    Nodes(Rc<Vec<XNode<'a>>>),
    Scope(ScopeHash),
}

impl Value<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Num(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Json(Json::Array(_)) | Value::Seq(_) => "a sequence",
            Value::Json(_) | Value::Hash(_) | Value::Scope(_) => "a hash",
            Value::Node(XNode::Doc(_)) => "an XML document node",
            Value::Node(_) => "an XML node",
            Value::Nodes(_) => "an XML node list",
        }
    }
}

fn nodes_value(mut nodes: Vec<XNode<'_>>) -> Value<'_> {
    if nodes.len() == 1 {
        Value::Node(nodes.remove(0))
    } else {
        Value::Nodes(Rc::new(nodes))
    }
}

fn json_value(v: &Json) -> Option<Value<'_>> {
    match v {
        Json::Null => None,
        Json::Bool(b) => Some(Value::Bool(*b)),
        Json::Number(n) => Some(Value::Num(n.as_f64().unwrap_or(f64::NAN))),
        Json::String(s) => Some(Value::Str(Cow::Borrowed(s))),
        Json::Array(_) | Json::Object(_) => Some(Value::Json(v)),
    }
}

fn owned_json_value<'a>(v: Json) -> Option<Value<'a>> {
    match v {
        Json::Null => None,
        Json::Bool(b) => Some(Value::Bool(b)),
        Json::Number(n) => Some(Value::Num(n.as_f64().unwrap_or(f64::NAN))),
        Json::String(s) => Some(Value::Str(Cow::Owned(s))),
        Json::Array(a) => Some(Value::Seq(Rc::new(
            a.into_iter().filter_map(owned_json_value).collect(),
        ))),
        Json::Object(o) => Some(Value::Hash(Rc::new(
            o.into_iter()
                .filter_map(|(k, v)| owned_json_value(v).map(|v| (k, v)))
                .collect(),
        ))),
    }
}

/// Whether an element name in the template matches an element: FreeMarker matches an
/// unprefixed name only against elements in no namespace.
fn matches_name(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace().is_none() && node.tag_name().name() == name
}

enum Flow {
    Normal,
    Break,
    Continue,
}

struct Local<'a> {
    name: &'a str,
    value: Option<Value<'a>>,
    /// `(index, length)` for a `<#list>` loop variable.
    loop_state: Option<(usize, usize)>,
}

/// One rendering of a template over one message.
pub(crate) struct Renderer<'a> {
    src: &'a str,
    msg: &'a MessageContext,
    args: &'a [String],
    globals: HashMap<&'a str, Value<'a>>,
    locals: Vec<Local<'a>>,
    limits: Limits,
    /// Steps spent so far (a `Cell`: `&self` helpers charge for their work too).
    steps: Cell<u64>,
    /// The byte offset of the last evaluated expression or loop iteration: where a limit
    /// exceeded by static text is reported.
    site: Cell<usize>,
    /// The size cap of the buffer `element` writes to: the output, or a string while
    /// `<#assign x>…</#assign>` captures.
    out_cap: usize,
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(
        src: &'a str,
        msg: &'a MessageContext,
        args: &'a [String],
        limits: Limits,
    ) -> Self {
        Self {
            src,
            msg,
            args,
            globals: HashMap::new(),
            locals: Vec::new(),
            limits,
            steps: Cell::new(0),
            site: Cell::new(0),
            out_cap: limits.max_output_bytes,
        }
    }

    fn limit_error<T>(&self, at: usize, message: String) -> RResult<T> {
        Err(RenderError {
            offset: at,
            message,
            missing: false,
        })
    }

    /// Spends `units` steps of the render's budget ([`Limits::max_steps`]).
    fn charge(&self, at: usize, units: u64) -> RResult<()> {
        let spent = self.steps.get().saturating_add(units);
        self.steps.set(spent);
        if spent > self.limits.max_steps {
            return self.limit_error(
                at,
                format!(
                    "step limit exceeded: the template took more than {} steps (evaluations of \
                     directives and expressions; long strings and sequences count in proportion \
                     to their size), see freemarker::Limits::max_steps",
                    self.limits.max_steps
                ),
            );
        }
        Ok(())
    }

    /// Charges for `bytes` of string work.
    fn charge_bytes(&self, at: usize, bytes: usize) -> RResult<()> {
        self.charge(at, (bytes / BYTES_PER_STEP) as u64)
    }

    /// Charges for handling `items` sequence or hash items.
    fn charge_items(&self, at: usize, items: usize) -> RResult<()> {
        self.charge(at, (items / ITEMS_PER_STEP) as u64)
    }

    /// Checks that a string of `len` bytes may be made ([`Limits::max_string_bytes`]), and
    /// charges for making it.
    fn check_str(&self, at: usize, len: usize) -> RResult<()> {
        if len > self.limits.max_string_bytes {
            return self.limit_error(
                at,
                format!(
                    "string size limit exceeded: a string value of {len} bytes is over the limit \
                     of {} bytes, see freemarker::Limits::max_string_bytes",
                    self.limits.max_string_bytes
                ),
            );
        }
        self.charge_bytes(at, len)
    }

    /// Checks that a sequence of `len` items may be made ([`Limits::max_sequence_items`]), and
    /// charges for making it.
    fn check_seq(&self, at: usize, len: usize) -> RResult<()> {
        if len > self.limits.max_sequence_items {
            return self.limit_error(
                at,
                format!(
                    "sequence size limit exceeded: a sequence of {len} items is over the limit \
                     of {} items, see freemarker::Limits::max_sequence_items",
                    self.limits.max_sequence_items
                ),
            );
        }
        self.charge_items(at, len)
    }

    /// A new string value, within the size limit.
    fn str_value(&self, e: &Expr, s: String) -> RResult<Option<Value<'a>>> {
        self.check_str(e.start, s.len())?;
        Ok(Some(Value::Str(Cow::Owned(s))))
    }

    /// Appends `s` to `buf`, whose size is capped at `cap` bytes (the output, a captured or an
    /// interpolated string).
    fn push_capped(&self, at: usize, buf: &mut String, s: &str, cap: usize) -> RResult<()> {
        let len = buf.len().saturating_add(s.len());
        if len > cap {
            let message = if cap == self.limits.max_output_bytes && cap == self.out_cap {
                format!(
                    "output size limit exceeded: the output would be over the limit of {cap} \
                     bytes, see freemarker::Limits::max_output_bytes"
                )
            } else {
                format!(
                    "string size limit exceeded: a string value of {len} bytes or more is over \
                     the limit of {cap} bytes, see freemarker::Limits::max_string_bytes"
                )
            };
            return self.limit_error(at, message);
        }
        self.charge(at, 1 + (s.len() / BYTES_PER_STEP) as u64)?;
        buf.push_str(s);
        Ok(())
    }

    fn text(&self, e: &Expr) -> &'a str {
        self.src.get(e.start..e.end).unwrap_or("").trim()
    }

    fn error<T>(&self, e: &Expr, message: impl Into<String>) -> RResult<T> {
        Err(RenderError {
            offset: e.start,
            message: message.into(),
            missing: false,
        })
    }

    fn missing<T>(&self, e: &Expr) -> RResult<T> {
        Err(RenderError {
            offset: e.start,
            message: format!(
                "The following has evaluated to null or missing: ==> {}",
                self.text(e)
            ),
            missing: true,
        })
    }

    /// The operand of `!`, `??` and `?has_content`: when parenthesized, a missing value
    /// anywhere inside it makes it missing (FreeMarker catches `InvalidReferenceException`).
    fn eval_maybe_missing(&mut self, inner: &'a Expr) -> RResult<Option<Value<'a>>> {
        match (self.eval(inner), &inner.kind) {
            (Err(err), ExprKind::Paren(_)) if err.missing => Ok(None),
            (r, _) => r,
        }
    }

    pub(crate) fn render(&mut self, elements: &'a [Element], out: &mut String) -> RResult<()> {
        self.block(elements, out).map(|_| ())
    }

    fn block(&mut self, elements: &'a [Element], out: &mut String) -> RResult<Flow> {
        for el in elements {
            match self.element(el, out)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn element(&mut self, el: &'a Element, out: &mut String) -> RResult<Flow> {
        match el {
            Element::Text(t) => self.push_capped(self.site.get(), out, t, self.out_cap)?,
            Element::Interp(e) => {
                let v = self.need(e)?;
                self.write_display(e, &v, out, self.out_cap)?;
            }
            Element::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    if self.condition(cond)? {
                        return self.block(body, out);
                    }
                }
                if let Some(body) = otherwise {
                    return self.block(body, out);
                }
            }
            Element::List(list) => {
                let seq = self.need(&list.seq)?;
                let items: Vec<(Option<Value<'a>>, Option<Value<'a>>)> = if list.value_var.is_some()
                {
                    self.hash_entries(&list.seq, &seq)?
                        .into_iter()
                        .map(|(k, v)| (Some(Value::Str(k)), v))
                        .collect()
                } else {
                    self.sequence(&list.seq, &seq)?
                        .into_iter()
                        .map(|v| (v, None))
                        .collect()
                };
                if items.is_empty() {
                    if let Some(body) = &list.otherwise {
                        return self.block(body, out);
                    }
                    return Ok(Flow::Normal);
                }
                let len = items.len();
                for (i, (item, value)) in items.into_iter().enumerate() {
                    self.site.set(list.seq.start);
                    self.charge(list.seq.start, 1)?;
                    let base = self.locals.len();
                    self.locals.push(Local {
                        name: &list.var,
                        value: item,
                        loop_state: Some((i, len)),
                    });
                    if let Some(vv) = &list.value_var {
                        self.locals.push(Local {
                            name: vv,
                            value,
                            loop_state: Some((i, len)),
                        });
                    }
                    let flow = self.block(&list.body, out);
                    self.locals.truncate(base);
                    if let Flow::Break = flow? {
                        break;
                    }
                }
            }
            Element::Assign(assigns) => {
                for (name, op, e) in assigns {
                    let v = self.need(e)?;
                    let v = if *op == AssignOp::Set {
                        v
                    } else {
                        let Some(old) = self.lookup(name) else {
                            return self.error(
                                e,
                                format!("`{name}` is not defined, so it can't be changed"),
                            );
                        };
                        let bop = match op {
                            AssignOp::Add | AssignOp::Inc => BinOp::Add,
                            AssignOp::Sub | AssignOp::Dec => BinOp::Sub,
                            AssignOp::Mul => BinOp::Mul,
                            AssignOp::Div => BinOp::Div,
                            AssignOp::Rem | AssignOp::Set => BinOp::Rem,
                        };
                        self.binary(e, bop, old, v, e)?
                    };
                    self.globals.insert(name, v);
                }
            }
            Element::AssignCapture(name, body) => {
                let mut captured = String::new();
                let outer_cap = self.out_cap;
                self.out_cap = self.limits.max_string_bytes;
                let flow = self.block(body, &mut captured);
                self.out_cap = outer_cap;
                flow?;
                self.globals.insert(name, Value::Str(Cow::Owned(captured)));
            }
            Element::Switch { value, cases } => {
                let v = self.need(value)?;
                let mut matched = false;
                for (values, body) in cases {
                    if !matched {
                        matched = match values {
                            None => true,
                            Some(vals) => {
                                let mut any = false;
                                for c in vals {
                                    let cv = self.need(c)?;
                                    if self.equals(c, &v, &cv)? {
                                        any = true;
                                        break;
                                    }
                                }
                                any
                            }
                        };
                    }
                    if matched {
                        match self.block(body, out)? {
                            Flow::Normal => {}
                            Flow::Break => return Ok(Flow::Normal),
                            Flow::Continue => return Ok(Flow::Continue),
                        }
                    }
                }
            }
            Element::Sep(body) => {
                let has_next = self
                    .locals
                    .iter()
                    .rev()
                    .find_map(|l| l.loop_state)
                    .is_some_and(|(i, len)| i + 1 < len);
                if has_next {
                    return self.block(body, out);
                }
            }
            Element::Break => return Ok(Flow::Break),
            Element::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn condition(&mut self, e: &'a Expr) -> RResult<bool> {
        match self.need(e)? {
            Value::Bool(b) => Ok(b),
            other => self.error(
                e,
                format!(
                    "Expected a boolean, but this has evaluated to {}: ==> {}",
                    other.type_name(),
                    self.text(e)
                ),
            ),
        }
    }

    /// `${…}` output: strings as they are, numbers in the default number format.
    fn write_display(&self, e: &Expr, v: &Value<'a>, out: &mut String, cap: usize) -> RResult<()> {
        match v {
            Value::Str(s) => self.push_capped(e.start, out, s, cap)?,
            Value::Num(n) => {
                self.push_capped(e.start, out, &NumberPattern::number().format(*n), cap)?;
            }
            Value::Bool(_) => {
                return self.error(
                    e,
                    format!(
                        "Can't convert boolean to string automatically, because the \"boolean_format\" \
                         setting was \"true,false\"; use ?c or ?string(\"yes\", \"no\"): ==> {}",
                        self.text(e)
                    ),
                );
            }
            other => self.push_capped(e.start, out, &self.as_string(e, other)?, cap)?,
        }
        Ok(())
    }

    /// The string form of a value where a string is expected (string, number, XML text).
    fn as_string(&self, e: &Expr, v: &Value<'a>) -> RResult<Cow<'a, str>> {
        match v {
            Value::Str(s) => {
                if let Cow::Owned(o) = s {
                    self.charge_bytes(e.start, o.len())?;
                }
                Ok(s.clone())
            }
            Value::Num(n) => Ok(Cow::Owned(NumberPattern::number().format(*n))),
            Value::Node(n) => self.node_text(e, *n),
            Value::Nodes(list) => self.error(
                e,
                format!(
                    "This XML query result can't be used as string because for that it had to contain \
                     exactly 1 XML node, but it contains {} nodes: ==> {}",
                    list.len(),
                    self.text(e)
                ),
            ),
            other => self.error(
                e,
                format!(
                    "Expected a string or something automatically convertible to string (number, XML \
                     text), but this has evaluated to {}: ==> {}",
                    other.type_name(),
                    self.text(e)
                ),
            ),
        }
    }

    fn node_text(&self, e: &Expr, n: XNode<'a>) -> RResult<Cow<'a, str>> {
        match n {
            XNode::Attr(a, _) => Ok(Cow::Borrowed(a.value())),
            XNode::Node(node) if node.is_text() => Ok(Cow::Borrowed(node.text().unwrap_or(""))),
            XNode::Node(node) if node.is_element() => {
                if let Some(child) = node.children().find(Node::is_element) {
                    return self.error(
                        e,
                        format!(
                            "Only elements with no child elements can be processed as text. This element \
                             with name \"{}\" has a child element named: \"{}\": ==> {}",
                            node.tag_name().name(),
                            child.tag_name().name(),
                            self.text(e)
                        ),
                    );
                }
                let mut texts = node.children().filter(Node::is_text);
                match (texts.next(), texts.next()) {
                    (None, _) => Ok(Cow::Borrowed("")),
                    (Some(t), None) => Ok(Cow::Borrowed(t.text().unwrap_or(""))),
                    _ => Ok(Cow::Owned(
                        node.children()
                            .filter(Node::is_text)
                            .filter_map(|t| t.text())
                            .collect(),
                    )),
                }
            }
            _ => self.error(
                e,
                format!(
                    "An XML document node can't be used as a string: ==> {}",
                    self.text(e)
                ),
            ),
        }
    }

    fn lookup(&self, name: &str) -> Option<Value<'a>> {
        if let Some(l) = self.locals.iter().rev().find(|l| l.name == name) {
            return l.value.clone();
        }
        if let Some(v) = self.globals.get(name) {
            return Some(v.clone());
        }
        None
    }

    /// Evaluates to a value, or an error naming the expression when it is missing.
    fn need(&mut self, e: &'a Expr) -> RResult<Value<'a>> {
        match self.eval(e)? {
            Some(v) => Ok(v),
            None => self.missing(e),
        }
    }

    /// A value of the operand of `.`/`[]`/`?`: missing is an error (caught by `(…)!`).
    fn operand(&mut self, e: &'a Expr) -> RResult<Option<Value<'a>>> {
        match self.eval(e)? {
            Some(v) => Ok(Some(v)),
            None => self.missing(e),
        }
    }

    fn eval(&mut self, e: &'a Expr) -> RResult<Option<Value<'a>>> {
        self.site.set(e.start);
        self.charge(e.start, 1)?;
        Ok(Some(match &e.kind {
            ExprKind::Str(s) => Value::Str(Cow::Borrowed(s)),
            ExprKind::Num(n) => Value::Num(*n),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Interpolated(parts) => {
                let mut s = String::new();
                let cap = self.limits.max_string_bytes;
                for p in parts {
                    match p {
                        StrPart::Lit(l) => self.push_capped(e.start, &mut s, l, cap)?,
                        StrPart::Interp(ie) => {
                            let v = self.need(ie)?;
                            self.write_display(ie, &v, &mut s, cap)?;
                        }
                    }
                }
                Value::Str(Cow::Owned(s))
            }
            ExprKind::Var(name) => {
                if let Some(l) = self.locals.iter().rev().find(|l| l.name == &**name) {
                    return Ok(l.value.clone());
                }
                if let Some(v) = self.globals.get(&**name) {
                    return Ok(Some(v.clone()));
                }
                return self.data_model(e, name);
            }
            ExprKind::Paren(inner) => return self.eval(inner),
            ExprKind::Dot(target, key) => {
                let Some(t) = self.operand(target)? else {
                    return Ok(None);
                };
                return self.get_key(e, &t, key);
            }
            ExprKind::Index(target, key) => {
                let Some(t) = self.operand(target)? else {
                    return Ok(None);
                };
                if let ExprKind::Range(from, to, kind) = &key.kind {
                    let from_i = self.integer(from)?;
                    let to_i = match to {
                        Some(to) => Some(self.integer(to)?),
                        None => None,
                    };
                    let end = match (kind, to_i) {
                        (RangeKind::Inclusive, Some(t)) => Some(t + 1),
                        (RangeKind::Exclusive, Some(t)) => Some(t),
                        (RangeKind::Length, Some(t)) => Some(from_i.saturating_add(t)),
                        _ => None,
                    };
                    if from_i < 0 || end.is_some_and(|x| x < from_i) {
                        return self
                            .error(key, format!("invalid slice range: ==> {}", self.text(key)));
                    }
                    return self.slice(e, t, from_i as usize, end.map(|x| x as usize));
                }
                let k = self.need(key)?;
                return self.index(e, key, t, k);
            }
            ExprKind::Default(inner, default) => match self.eval_maybe_missing(inner)? {
                Some(v) => v,
                None => match default {
                    Some(d) => return self.eval(d),
                    None => Value::Str(Cow::Borrowed("")),
                },
            },
            ExprKind::Exists(inner) => Value::Bool(self.eval_maybe_missing(inner)?.is_some()),
            ExprKind::Not(inner) => Value::Bool(!self.condition(inner)?),
            ExprKind::Neg(inner) => match self.need(inner)? {
                Value::Num(n) => Value::Num(-n),
                other => {
                    return self.error(
                        inner,
                        format!(
                            "Expected a number, but this has evaluated to {}: ==> {}",
                            other.type_name(),
                            self.text(inner)
                        ),
                    );
                }
            },
            ExprKind::Binary(BinOp::And, l, r) => {
                Value::Bool(self.condition(l)? && self.condition(r)?)
            }
            ExprKind::Binary(BinOp::Or, l, r) => {
                Value::Bool(self.condition(l)? || self.condition(r)?)
            }
            ExprKind::Binary(op, l, r) => {
                let lv = self.need(l)?;
                let rv = self.need(r)?;
                self.binary(l, *op, lv, rv, r)?
            }
            ExprKind::Range(l, r, kind) => {
                let from = self.integer(l)?;
                let Some(r) = r else {
                    return self.error(
                        e,
                        "a right-unbounded range can only be used to slice a sequence or string",
                    );
                };
                let to = self.integer(r)?;
                let items: Vec<i64> = match kind {
                    RangeKind::Inclusive | RangeKind::Unbounded => {
                        if to >= from {
                            (from..=to).collect_limited(e, self)?
                        } else {
                            (to..=from).rev().collect_limited(e, self)?
                        }
                    }
                    RangeKind::Exclusive => {
                        if to >= from {
                            (from..to).collect_limited(e, self)?
                        } else {
                            ((to + 1)..=from).rev().collect_limited(e, self)?
                        }
                    }
                    RangeKind::Length => {
                        (from..from.saturating_add(to.max(0))).collect_limited(e, self)?
                    }
                };
                Value::Seq(Rc::new(
                    items.into_iter().map(|i| Value::Num(i as f64)).collect(),
                ))
            }
            ExprKind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.need(it)?);
                }
                Value::Seq(Rc::new(out))
            }
            ExprKind::Hash(pairs) => {
                let mut out: Vec<(String, Value<'a>)> = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let kv = self.need(k)?;
                    let key = self.as_string(k, &kv)?.into_owned();
                    let val = self.need(v)?;
                    if let Some(slot) = out.iter_mut().find(|(ek, _)| *ek == key) {
                        slot.1 = val;
                    } else {
                        out.push((key, val));
                    }
                }
                Value::Hash(Rc::new(out))
            }
            ExprKind::Builtin(target, b, args) => return self.builtin(e, target, *b, args),
        }))
    }

    fn integer(&mut self, e: &'a Expr) -> RResult<i64> {
        match self.need(e)? {
            Value::Num(n) if n.is_finite() => Ok(n.trunc() as i64),
            other => self.error(
                e,
                format!(
                    "Expected a whole number, but this has evaluated to {}: ==> {}",
                    other.type_name(),
                    self.text(e)
                ),
            ),
        }
    }

    fn string_arg(&mut self, e: &'a Expr) -> RResult<Cow<'a, str>> {
        let v = self.need(e)?;
        self.as_string(e, &v)
    }

    /// The top-level names MI defines (`FreeMarkerTemplateProcessor`): `payload`, `args`,
    /// `ctx`, `axis2`, `trp`, and MI 4.4's `var`.
    fn data_model(&mut self, e: &Expr, name: &str) -> RResult<Option<Value<'a>>> {
        Ok(match name {
            "payload" => self.payload(e)?,
            "ctx" => Some(Value::Scope(ScopeHash::Ctx)),
            "axis2" => Some(Value::Scope(ScopeHash::Axis2)),
            "trp" => Some(Value::Scope(ScopeHash::Trp)),
            "args" => Some(Value::Scope(ScopeHash::Args)),
            "var" => Some(Value::Scope(ScopeHash::Var)),
            _ => None,
        })
    }

    /// `payload`: a JSON payload as hashes/sequences, an XML payload as the document node of
    /// its first body element, a text payload as its XML-escaped text (as Synapse does).
    fn payload(&self, e: &Expr) -> RResult<Option<Value<'a>>> {
        let msg = self.msg;
        let fail = |what: &str, err: &dyn std::fmt::Display| {
            self.error::<Option<Value<'a>>>(e, format!("Error reading payload data: {what}: {err}"))
        };
        if msg.payload().iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        match msg.payload_kind() {
            PayloadKind::Json => match msg.json() {
                Ok(v) => Ok(json_value(v)),
                Err(err) => fail("invalid JSON payload", &err),
            },
            PayloadKind::Xml => {
                let doc = match msg.xml() {
                    Ok(d) => d,
                    Err(err) => return fail("invalid XML payload", &err),
                };
                let root = doc.root_element();
                let is_soap = root.tag_name().name() == "Envelope"
                    && matches!(
                        root.tag_name().namespace(),
                        Some(
                            "http://schemas.xmlsoap.org/soap/envelope/"
                                | "http://www.w3.org/2003/05/soap-envelope"
                        )
                    );
                if !is_soap {
                    return Ok(Some(Value::Node(XNode::Doc(root))));
                }
                let env = match msg.envelope() {
                    Ok(env) => env,
                    Err(err) => return fail("invalid SOAP envelope", &err),
                };
                Ok(env.first_body_child().map(|n| Value::Node(XNode::Doc(n))))
            }
            PayloadKind::Text => match msg.payload_as_text() {
                Ok(t) => Ok(Some(Value::Str(Cow::Owned(format::escape_xml11(t))))),
                Err(err) => fail("text payload is not UTF-8", &err),
            },
            _ => self.error(
                e,
                "Invalid payload type. Supports only XML, JSON and TEXT payloads",
            ),
        }
    }

    fn scope_get(&self, scope: ScopeHash, key: &str) -> Option<Value<'a>> {
        let msg = self.msg;
        match scope {
            ScopeHash::Ctx => msg
                .scoped_property(PropScope::Default, key)
                .map(|p| Value::Str(Cow::Owned(p.as_string()))),
            ScopeHash::Axis2 => msg
                .scoped_property(PropScope::Axis2, key)
                .map(|p| Value::Str(Cow::Owned(p.as_string()))),
            ScopeHash::Trp => msg.transport_header(key).map(|s| Value::Str(Cow::Owned(s))),
            ScopeHash::Args => {
                let n: usize = key.strip_prefix("arg")?.parse().ok()?;
                let arg = self.args.get(n.checked_sub(1)?)?;
                Some(Value::Str(Cow::Borrowed(arg.as_str())))
            }
            ScopeHash::Var => match msg.variable(key)? {
                VariableValue::String(s) => Some(Value::Str(Cow::Borrowed(s))),
                VariableValue::Boolean(b) => Some(Value::Bool(*b)),
                VariableValue::Integer(i) => Some(Value::Num(f64::from(*i))),
                VariableValue::Long(l) => Some(Value::Num(*l as f64)),
                VariableValue::Double(d) => Some(Value::Num(*d)),
                VariableValue::Json(j) => json_value(j),
                other => Some(Value::Str(Cow::Owned(other.as_string()))),
            },
        }
    }

    fn scope_keys(&self, scope: ScopeHash) -> Vec<Cow<'a, str>> {
        let msg = self.msg;
        let mut keys: Vec<Cow<'a, str>> = match scope {
            ScopeHash::Ctx => msg
                .properties()
                .keys()
                .map(|k| Cow::Borrowed(k.as_ref()))
                .collect(),
            ScopeHash::Axis2 => msg
                .axis2_properties()
                .keys()
                .map(|k| Cow::Borrowed(k.as_ref()))
                .collect(),
            ScopeHash::Trp => msg
                .transport_headers()
                .keys()
                .map(|k| Cow::Borrowed(k.as_str()))
                .collect(),
            ScopeHash::Args => (1..=self.args.len())
                .map(|i| Cow::Owned(format!("arg{i}")))
                .collect(),
            ScopeHash::Var => msg
                .variables()
                .keys()
                .map(|k| Cow::Borrowed(k.as_str()))
                .collect(),
        };
        keys.sort();
        keys.dedup();
        keys
    }

    /// `target.key` (also used by `target["key"]`).
    fn get_key(&self, e: &Expr, t: &Value<'a>, key: &str) -> RResult<Option<Value<'a>>> {
        match t {
            Value::Json(Json::Object(map)) => Ok(map.get(key).and_then(json_value)),
            Value::Hash(pairs) => {
                self.charge_items(e.start, pairs.len())?;
                Ok(pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
            }
            Value::Scope(s) => Ok(self.scope_get(*s, key)),
            Value::Node(n) => self.xml_get(e, *n, key).map(Some),
            Value::Nodes(list) => {
                let mut out = Vec::new();
                for n in list.iter() {
                    if let XNode::Node(node) = n
                        && node.is_element()
                    {
                        match self.xml_get(e, *n, key)? {
                            Value::Node(x) => out.push(x),
                            Value::Nodes(xs) => out.extend(xs.iter().copied()),
                            other => return Ok(Some(other)),
                        }
                    }
                }
                Ok(Some(nodes_value(out)))
            }
            other => self.error(
                e,
                format!(
                    "Expected a hash, but this has evaluated to {}: ==> {}",
                    other.type_name(),
                    self.text(e)
                        .rsplit_once('.')
                        .map_or(self.text(e), |(l, _)| l)
                ),
            ),
        }
    }

    /// FreeMarker's DOM wrapper: `name` (child elements), `*`, `**`, `@attr`, `@*`, `@@text`.
    fn xml_get(&self, e: &Expr, n: XNode<'a>, key: &str) -> RResult<Value<'a>> {
        match n {
            XNode::Doc(root) => Ok(match key {
                "*" => Value::Node(XNode::Node(root)),
                "**" => nodes_value(
                    root.descendants()
                        .filter(Node::is_element)
                        .map(XNode::Node)
                        .collect(),
                ),
                k if matches_name(root, k) => Value::Node(XNode::Node(root)),
                _ => nodes_value(Vec::new()),
            }),
            XNode::Node(node) if node.is_element() => {
                Ok(match key {
                    "*" => nodes_value(
                        node.children()
                            .filter(Node::is_element)
                            .map(XNode::Node)
                            .collect(),
                    ),
                    "**" => nodes_value(
                        node.descendants()
                            .skip(1)
                            .filter(Node::is_element)
                            .map(XNode::Node)
                            .collect(),
                    ),
                    "@*" | "@@" => {
                        nodes_value(node.attributes().map(|a| XNode::Attr(a, node)).collect())
                    }
                    "@@text" => Value::Str(Cow::Owned(
                        node.descendants()
                            .filter(Node::is_text)
                            .filter_map(|t| t.text())
                            .collect(),
                    )),
                    "@@qname" | "@@local_name" => Value::Str(Cow::Borrowed(node.tag_name().name())),
                    k if k.starts_with("@@") => {
                        return self.error(e, format!("unsupported XML key `{k}` (supported: @@text, @@qname, @@local_name)"));
                    }
                    k if k.starts_with('@') => {
                        let name = &k[1..];
                        nodes_value(
                            node.attributes()
                                .filter(|a| a.namespace().is_none() && a.name() == name)
                                .map(|a| XNode::Attr(a, node))
                                .collect(),
                        )
                    }
                    k => nodes_value(
                        node.children()
                            .filter(|c| matches_name(*c, k))
                            .map(XNode::Node)
                            .collect(),
                    ),
                })
            }
            _ => Ok(nodes_value(Vec::new())),
        }
    }

    fn index(
        &mut self,
        e: &'a Expr,
        key_expr: &'a Expr,
        t: Value<'a>,
        k: Value<'a>,
    ) -> RResult<Option<Value<'a>>> {
        match k {
            Value::Num(n) => {
                if !n.is_finite() || n < 0.0 {
                    return self.error(key_expr, format!("negative or invalid index {n}"));
                }
                let i = n.trunc() as usize;
                match &t {
                    Value::Str(s) => Ok(self
                        .charge_bytes(e.start, s.len())
                        .map(|()| s)?
                        .chars()
                        .nth(i)
                        .map(|c| Value::Str(Cow::Owned(c.to_string())))),
                    Value::Node(n) => Ok((i == 0).then_some(Value::Node(*n))),
                    Value::Nodes(list) => Ok(list.get(i).map(|n| Value::Node(*n))),
                    Value::Json(Json::Array(a)) => Ok(a.get(i).and_then(json_value)),
                    Value::Seq(items) => Ok(items.get(i).cloned()),
                    other => self.error(
                        e,
                        format!(
                            "Expected a sequence or string, but this has evaluated to {}",
                            other.type_name()
                        ),
                    ),
                }
            }
            Value::Str(key) => self.get_key(e, &t, &key),
            other => self.error(
                key_expr,
                format!(
                    "Expected a number, string or range as the key, but this has evaluated to {}",
                    other.type_name()
                ),
            ),
        }
    }

    fn slice(
        &self,
        e: &Expr,
        t: Value<'a>,
        from: usize,
        to: Option<usize>,
    ) -> RResult<Option<Value<'a>>> {
        let bad = |len: usize| {
            self.error::<Option<Value<'a>>>(
                e,
                format!("range {from}..{to:?} is out of bounds (length {len})"),
            )
        };
        match t {
            Value::Str(s) => {
                let chars: Vec<char> = s.chars().collect();
                let to = to.unwrap_or(chars.len());
                if from > to || to > chars.len() {
                    return bad(chars.len());
                }
                Ok(Some(Value::Str(Cow::Owned(
                    chars[from..to].iter().collect(),
                ))))
            }
            other => {
                let items = self.sequence(e, &other)?;
                let to = to.unwrap_or(items.len());
                if from > to || to > items.len() {
                    return bad(items.len());
                }
                Ok(Some(Value::Seq(Rc::new(
                    items[from..to].iter().flatten().cloned().collect(),
                ))))
            }
        }
    }

    /// The items of a sequence-like value (missing items of JSON arrays are `None`).
    fn sequence(&self, e: &Expr, v: &Value<'a>) -> RResult<Vec<Option<Value<'a>>>> {
        let len = match v {
            Value::Seq(items) => items.len(),
            Value::Json(Json::Array(a)) => a.len(),
            Value::Nodes(list) => list.len(),
            _ => 0,
        };
        self.charge_items(e.start, len)?;
        Ok(match v {
            Value::Seq(items) => items.iter().cloned().map(Some).collect(),
            Value::Json(Json::Array(a)) => a.iter().map(json_value).collect(),
            Value::Node(n) => vec![Some(Value::Node(*n))],
            Value::Nodes(list) => list.iter().map(|n| Some(Value::Node(*n))).collect(),
            other => {
                return self.error(
                    e,
                    format!(
                        "Expected a sequence, but this has evaluated to {}: ==> {}",
                        other.type_name(),
                        self.text(e)
                    ),
                );
            }
        })
    }

    fn hash_entries(
        &self,
        e: &Expr,
        v: &Value<'a>,
    ) -> RResult<Vec<(Cow<'a, str>, Option<Value<'a>>)>> {
        let len = match v {
            Value::Json(Json::Object(m)) => m.len(),
            Value::Hash(pairs) => pairs.len(),
            _ => 0,
        };
        self.charge_items(e.start, len)?;
        Ok(match v {
            Value::Json(Json::Object(m)) => m
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), json_value(v)))
                .collect(),
            Value::Hash(pairs) => pairs
                .iter()
                .map(|(k, v)| (Cow::Owned(k.clone()), Some(v.clone())))
                .collect(),
            Value::Scope(s) => self
                .scope_keys(*s)
                .into_iter()
                .map(|k| {
                    let v = self.scope_get(*s, &k);
                    (k, v)
                })
                .collect(),
            other => {
                return self.error(
                    e,
                    format!(
                        "Expected a hash, but this has evaluated to {}: ==> {}",
                        other.type_name(),
                        self.text(e)
                    ),
                );
            }
        })
    }

    fn is_stringish(v: &Value<'_>) -> bool {
        matches!(
            v,
            Value::Str(_) | Value::Node(XNode::Node(_) | XNode::Attr(..))
        )
    }

    fn equals(&self, e: &Expr, l: &Value<'a>, r: &Value<'a>) -> RResult<bool> {
        match (l, r) {
            (Value::Num(a), Value::Num(b)) => Ok(a == b),
            (Value::Bool(a), Value::Bool(b)) => Ok(a == b),
            (a, b) if Self::is_stringish(a) && Self::is_stringish(b) => {
                Ok(self.as_string(e, a)? == self.as_string(e, b)?)
            }
            (a, b) => self.error(
                e,
                format!(
                    "Can't compare values of these types. Allowed comparisons are between two numbers, two \
                     strings, or two booleans. Left hand operand is {}, right hand operand is {}: ==> {}",
                    a.type_name(),
                    b.type_name(),
                    self.text(e)
                ),
            ),
        }
    }

    fn binary(
        &self,
        l: &Expr,
        op: BinOp,
        lv: Value<'a>,
        rv: Value<'a>,
        r: &Expr,
    ) -> RResult<Value<'a>> {
        let whole = Expr {
            kind: ExprKind::Bool(false),
            start: l.start,
            end: r.end,
        };
        match op {
            BinOp::Eq => return Ok(Value::Bool(self.equals(&whole, &lv, &rv)?)),
            BinOp::Ne => return Ok(Value::Bool(!self.equals(&whole, &lv, &rv)?)),
            BinOp::Add => {
                return match (&lv, &rv) {
                    (Value::Num(a), Value::Num(b)) => Ok(Value::Num(a + b)),
                    (
                        Value::Seq(_) | Value::Json(Json::Array(_)),
                        Value::Seq(_) | Value::Json(Json::Array(_)),
                    ) => {
                        let len = |v: &Value<'a>| match v {
                            Value::Seq(s) => s.len(),
                            Value::Json(Json::Array(a)) => a.len(),
                            _ => 0,
                        };
                        self.check_seq(whole.start, len(&lv).saturating_add(len(&rv)))?;
                        let mut items: Vec<Value<'a>> =
                            self.sequence(l, &lv)?.into_iter().flatten().collect();
                        items.extend(self.sequence(r, &rv)?.into_iter().flatten());
                        Ok(Value::Seq(Rc::new(items)))
                    }
                    (
                        Value::Hash(_) | Value::Json(Json::Object(_)),
                        Value::Hash(_) | Value::Json(Json::Object(_)),
                    ) => {
                        let size = |v: &Value<'a>| match v {
                            Value::Hash(h) => h.len(),
                            Value::Json(Json::Object(o)) => o.len(),
                            _ => 0,
                        };
                        // The merge looks every right-hand key up among the left-hand ones.
                        let work = size(&lv)
                            .saturating_add(1)
                            .saturating_mul(size(&rv).saturating_add(1));
                        self.charge_items(whole.start, work)?;
                        let mut pairs: Vec<(String, Value<'a>)> = self
                            .hash_entries(l, &lv)?
                            .into_iter()
                            .filter_map(|(k, v)| v.map(|v| (k.into_owned(), v)))
                            .collect();
                        for (k, v) in self.hash_entries(r, &rv)? {
                            let Some(v) = v else { continue };
                            if let Some(slot) = pairs.iter_mut().find(|(ek, _)| **ek == *k) {
                                slot.1 = v;
                            } else {
                                pairs.push((k.into_owned(), v));
                            }
                        }
                        Ok(Value::Hash(Rc::new(pairs)))
                    }
                    _ => {
                        let left = self.as_string(l, &lv)?;
                        let right = self.as_string(r, &rv)?;
                        self.check_str(whole.start, left.len().saturating_add(right.len()))?;
                        let mut s = String::with_capacity(left.len() + right.len());
                        s.push_str(&left);
                        s.push_str(&right);
                        Ok(Value::Str(Cow::Owned(s)))
                    }
                };
            }
            _ => {}
        }
        let (a, b) = match (&lv, &rv) {
            (Value::Num(a), Value::Num(b)) => (*a, *b),
            (Value::Num(_), other) => {
                return self.error(
                    r,
                    format!(
                        "Expected a number, but this has evaluated to {}: ==> {}",
                        other.type_name(),
                        self.text(r)
                    ),
                );
            }
            (other, _) => {
                return self.error(
                    l,
                    format!(
                        "Expected a number, but this has evaluated to {}: ==> {}",
                        other.type_name(),
                        self.text(l)
                    ),
                );
            }
        };
        Ok(match op {
            BinOp::Sub => Value::Num(a - b),
            BinOp::Mul => Value::Num(a * b),
            BinOp::Div | BinOp::Rem if b == 0.0 => {
                return self.error(
                    &whole,
                    format!("Division by zero: ==> {}", self.text(&whole)),
                );
            }
            BinOp::Div => Value::Num(a / b),
            BinOp::Rem => Value::Num(a % b),
            BinOp::Lt => Value::Bool(a < b),
            BinOp::Le => Value::Bool(a <= b),
            BinOp::Gt => Value::Bool(a > b),
            BinOp::Ge => Value::Bool(a >= b),
            BinOp::Add | BinOp::Eq | BinOp::Ne | BinOp::And | BinOp::Or => Value::Bool(false),
        })
    }

    fn call_lambda(
        &mut self,
        name: &'a str,
        body: &'a Expr,
        v: Option<Value<'a>>,
    ) -> RResult<Option<Value<'a>>> {
        self.locals.push(Local {
            name,
            value: v,
            loop_state: None,
        });
        let r = self.eval(body);
        self.locals.pop();
        r
    }

    fn expect_args(&self, e: &Expr, b: &str, args: &[Arg], min: usize, max: usize) -> RResult<()> {
        if args.len() < min || args.len() > max {
            let want = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return self.error(
                e,
                format!("?{b} expects {want} argument(s), got {}", args.len()),
            );
        }
        Ok(())
    }

    fn arg_expr(&self, e: &'a Expr, args: &'a [Arg], i: usize) -> RResult<&'a Expr> {
        match args.get(i) {
            Some(Arg::Expr(x)) => Ok(x),
            Some(Arg::Lambda(..)) => self.error(
                e,
                "a lambda (`x -> …`) is only allowed as the argument of ?filter and ?map",
            ),
            None => self.error(e, "missing built-in argument"),
        }
    }

    fn builtin(
        &mut self,
        e: &'a Expr,
        target: &'a Expr,
        b: Builtin,
        args: &'a [Arg],
    ) -> RResult<Option<Value<'a>>> {
        let name = b.name();
        if b.is_loop_var() {
            self.expect_args(e, name, args, 0, 0)?;
            let ExprKind::Var(var) = &target.kind else {
                return self.error(e, format!("?{name} can only be applied on a loop variable"));
            };
            let Some((i, len)) = self
                .locals
                .iter()
                .rev()
                .find(|l| l.name == &**var)
                .and_then(|l| l.loop_state)
            else {
                return self.error(
                    e,
                    format!("?{name}: `{var}` is not a loop variable of an enclosing #list"),
                );
            };
            return Ok(Some(match b {
                Builtin::Index => Value::Num(i as f64),
                Builtin::Counter => Value::Num((i + 1) as f64),
                Builtin::HasNext => Value::Bool(i + 1 < len),
                Builtin::IsFirst => Value::Bool(i == 0),
                Builtin::IsLast => Value::Bool(i + 1 == len),
                Builtin::IsEvenItem => Value::Bool(i % 2 == 1),
                Builtin::IsOddItem => Value::Bool(i % 2 == 0),
                _ => Value::Str(Cow::Borrowed(if i % 2 == 0 { "odd" } else { "even" })),
            }));
        }
        if b == Builtin::HasContent {
            self.expect_args(e, name, args, 0, 0)?;
            let v = self.eval_maybe_missing(target)?;
            return Ok(Some(Value::Bool(match v {
                None => false,
                Some(Value::Str(s)) => !s.is_empty(),
                Some(Value::Json(Json::Array(a))) => !a.is_empty(),
                Some(Value::Json(Json::Object(o))) => !o.is_empty(),
                Some(Value::Seq(s)) => !s.is_empty(),
                Some(Value::Hash(h)) => !h.is_empty(),
                Some(Value::Nodes(n)) => !n.is_empty(),
                Some(_) => true,
            })));
        }
        let Some(v) = self.operand(target)? else {
            return Ok(None);
        };
        let str_of = |this: &Self, v: &Value<'a>| this.as_string(target, v);
        match b {
            Builtin::String => {
                self.expect_args(e, name, args, 0, 2)?;
                match (&v, args.len()) {
                    (Value::Bool(flag), 0) => self.str_value(e, flag.to_string()),
                    (Value::Bool(flag), 2) => {
                        let pick = self.arg_expr(e, args, if *flag { 0 } else { 1 })?;
                        Ok(Some(Value::Str(self.string_arg(pick)?)))
                    }
                    (Value::Num(n), 0) => self.str_value(e, NumberPattern::number().format(*n)),
                    (Value::Num(n), 1) => {
                        let pe = self.arg_expr(e, args, 0)?;
                        let pattern = self.string_arg(pe)?;
                        if pattern == "computer" || pattern == "c" {
                            return self.str_value(e, format::format_c(*n));
                        }
                        match NumberPattern::parse(&pattern) {
                            Some(p) => self.str_value(e, p.format(*n)),
                            None => self.error(
                                pe,
                                format!("unsupported number format pattern `{pattern}`"),
                            ),
                        }
                    }
                    // A string stays itself, whatever format is asked for.
                    (_, 0) | (Value::Str(_) | Value::Node(_), _) => {
                        Ok(Some(Value::Str(str_of(self, &v)?)))
                    }
                    _ => self.error(
                        e,
                        format!(
                            "?string with arguments needs a boolean or a number, not {}",
                            v.type_name()
                        ),
                    ),
                }
            }
            Builtin::C => {
                self.expect_args(e, name, args, 0, 0)?;
                match &v {
                    Value::Num(n) => self.str_value(e, format::format_c(*n)),
                    Value::Bool(flag) => self.str_value(e, flag.to_string()),
                    other => Ok(Some(Value::Str(str_of(self, other)?))),
                }
            }
            Builtin::Number => {
                self.expect_args(e, name, args, 0, 0)?;
                if let Value::Num(n) = v {
                    return Ok(Some(Value::Num(n)));
                }
                let s = str_of(self, &v)?;
                let t = s.trim();
                let parsed = match t {
                    "INF" | "+INF" => Some(f64::INFINITY),
                    "-INF" => Some(f64::NEG_INFINITY),
                    "NaN" => Some(f64::NAN),
                    _ if !t.is_empty()
                        && t.chars().all(|c| {
                            c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E')
                        }) =>
                    {
                        t.parse::<f64>().ok()
                    }
                    _ => None,
                };
                match parsed {
                    Some(n) => Ok(Some(Value::Num(n))),
                    None => self.error(
                        target,
                        format!(
                            "Can't convert this string to number: \"{s}\": ==> {}",
                            self.text(target)
                        ),
                    ),
                }
            }
            Builtin::Boolean => {
                self.expect_args(e, name, args, 0, 0)?;
                match &v {
                    Value::Bool(x) => Ok(Some(Value::Bool(*x))),
                    other => match &*str_of(self, other)? {
                        "true" => Ok(Some(Value::Bool(true))),
                        "false" => Ok(Some(Value::Bool(false))),
                        s => self.error(
                            target,
                            format!("Can't convert this string to boolean: \"{s}\""),
                        ),
                    },
                }
            }
            Builtin::UpperCase => self.str_value(e, str_of(self, &v)?.to_uppercase()),
            Builtin::LowerCase => self.str_value(e, str_of(self, &v)?.to_lowercase()),
            Builtin::Trim => self.str_value(e, str_of(self, &v)?.trim().to_owned()),
            Builtin::CapFirst | Builtin::UncapFirst => {
                let s = str_of(self, &v)?;
                let lead = s.len() - s.trim_start().len();
                let (ws, rest) = s.split_at(lead);
                let mut chars = rest.chars();
                let first = chars.next().map(|c| {
                    if b == Builtin::CapFirst {
                        c.to_uppercase().collect::<String>()
                    } else {
                        c.to_lowercase().collect::<String>()
                    }
                });
                self.str_value(
                    e,
                    format!("{ws}{}{}", first.unwrap_or_default(), chars.as_str()),
                )
            }
            Builtin::Capitalize => {
                let s = str_of(self, &v)?;
                let mut out = String::with_capacity(s.len());
                let mut at_word = true;
                for c in s.chars() {
                    if c.is_whitespace() {
                        at_word = true;
                        out.push(c);
                    } else if at_word {
                        out.extend(c.to_uppercase());
                        at_word = false;
                    } else {
                        out.extend(c.to_lowercase());
                    }
                }
                self.str_value(e, out)
            }
            Builtin::Length => Ok(Some(Value::Num(str_of(self, &v)?.chars().count() as f64))),
            Builtin::Size => {
                let n = match &v {
                    Value::Json(Json::Object(o)) => o.len(),
                    Value::Json(Json::Array(a)) => a.len(),
                    Value::Seq(items) => items.len(),
                    Value::Hash(h) => h.len(),
                    Value::Scope(s) => self.scope_keys(*s).len(),
                    other => self.sequence(target, other)?.len(),
                };
                Ok(Some(Value::Num(n as f64)))
            }
            Builtin::Xml | Builtin::Html => self.str_value(
                e,
                format::escape_xml(&str_of(self, &v)?, b == Builtin::Html),
            ),
            Builtin::JsonString => {
                self.str_value(e, format::escape_json(&str_of(self, &v)?, false))
            }
            Builtin::JsString => self.str_value(e, format::escape_json(&str_of(self, &v)?, true)),
            Builtin::Url => self.str_value(e, format::escape_url(&str_of(self, &v)?)),
            Builtin::EvalJson => {
                let s = str_of(self, &v)?;
                match serde_json::from_str::<Json>(&s) {
                    Ok(j) => Ok(owned_json_value(j)),
                    Err(err) => self.error(
                        target,
                        format!("?eval_json: the string is not valid JSON: {err}"),
                    ),
                }
            }
            Builtin::Contains | Builtin::StartsWith | Builtin::EndsWith => {
                self.expect_args(e, name, args, 1, 1)?;
                let s = str_of(self, &v)?;
                let x = self.string_arg(self.arg_expr(e, args, 0)?)?;
                Ok(Some(Value::Bool(match b {
                    Builtin::Contains => s.contains(&*x),
                    Builtin::StartsWith => s.starts_with(&*x),
                    _ => s.ends_with(&*x),
                })))
            }
            Builtin::IndexOf | Builtin::LastIndexOf => {
                self.expect_args(e, name, args, 1, 1)?;
                let s = str_of(self, &v)?;
                let x = self.string_arg(self.arg_expr(e, args, 0)?)?;
                let found = if b == Builtin::IndexOf {
                    s.find(&*x)
                } else {
                    s.rfind(&*x)
                };
                Ok(Some(Value::Num(
                    found.map_or(-1.0, |i| s[..i].chars().count() as f64),
                )))
            }
            Builtin::Replace => {
                self.expect_args(e, name, args, 2, 2)?;
                let s = str_of(self, &v)?;
                let from = self.string_arg(self.arg_expr(e, args, 0)?)?;
                let to = self.string_arg(self.arg_expr(e, args, 1)?)?;
                if from.is_empty() {
                    return Ok(Some(Value::Str(s)));
                }
                // The result's size is known before it is made: refuse it early.
                self.charge_bytes(e.start, s.len())?;
                let hits = s.matches(&*from).count();
                let len =
                    (s.len() - hits * from.len()).saturating_add(hits.saturating_mul(to.len()));
                self.check_str(e.start, len)?;
                self.str_value(e, s.replace(&*from, &to))
            }
            Builtin::Substring => {
                self.expect_args(e, name, args, 1, 2)?;
                let s = str_of(self, &v)?;
                let chars: Vec<char> = s.chars().collect();
                let from = self.integer(self.arg_expr(e, args, 0)?)?;
                let to = match args.len() {
                    2 => self.integer(self.arg_expr(e, args, 1)?)?,
                    _ => chars.len() as i64,
                };
                if from < 0 || to < from || to > chars.len() as i64 {
                    return self.error(
                        e,
                        format!(
                            "?substring({from}, {to}) is out of bounds (length {})",
                            chars.len()
                        ),
                    );
                }
                self.str_value(e, chars[from as usize..to as usize].iter().collect())
            }
            Builtin::Split => {
                self.expect_args(e, name, args, 1, 1)?;
                let s = str_of(self, &v)?;
                let sep = self.string_arg(self.arg_expr(e, args, 0)?)?;
                self.charge_bytes(e.start, s.len())?;
                let count = if sep.is_empty() {
                    s.chars().count()
                } else {
                    s.matches(&*sep).count() + 1
                };
                self.check_seq(e.start, count)?;
                let parts: Vec<Value<'a>> = if sep.is_empty() {
                    s.chars()
                        .map(|c| Value::Str(Cow::Owned(c.to_string())))
                        .collect()
                } else {
                    s.split(&*sep)
                        .map(|p| Value::Str(Cow::Owned(p.to_owned())))
                        .collect()
                };
                Ok(Some(Value::Seq(Rc::new(parts))))
            }
            Builtin::LeftPad | Builtin::RightPad => {
                self.expect_args(e, name, args, 1, 2)?;
                let s = str_of(self, &v)?;
                let width = self.integer(self.arg_expr(e, args, 0)?)?.max(0) as usize;
                let fill: Vec<char> = if args.len() == 2 {
                    self.string_arg(self.arg_expr(e, args, 1)?)?
                        .chars()
                        .collect()
                } else {
                    vec![' ']
                };
                let len = s.chars().count();
                if len >= width || fill.is_empty() {
                    return Ok(Some(Value::Str(s)));
                }
                let pad_chars = width - len;
                let fill_bytes: usize = fill.iter().map(|c| c.len_utf8()).sum();
                let rest: usize = fill[..pad_chars % fill.len()]
                    .iter()
                    .map(|c| c.len_utf8())
                    .sum();
                let pad_bytes = (pad_chars / fill.len())
                    .saturating_mul(fill_bytes)
                    .saturating_add(rest);
                self.check_str(e.start, s.len().saturating_add(pad_bytes))?;
                let pad: String = (0..width - len).map(|i| fill[i % fill.len()]).collect();
                self.str_value(
                    e,
                    if b == Builtin::LeftPad {
                        format!("{pad}{s}")
                    } else {
                        format!("{s}{pad}")
                    },
                )
            }
            Builtin::Int | Builtin::Round | Builtin::Floor | Builtin::Ceiling | Builtin::Abs => {
                let Value::Num(n) = v else {
                    return self.error(
                        target,
                        format!(
                            "Expected a number, but this has evaluated to {}: ==> {}",
                            v.type_name(),
                            self.text(target)
                        ),
                    );
                };
                Ok(Some(Value::Num(match b {
                    Builtin::Int => n.trunc(),
                    Builtin::Round => (n + 0.5).floor(),
                    Builtin::Floor => n.floor(),
                    Builtin::Ceiling => n.ceil(),
                    _ => n.abs(),
                })))
            }
            Builtin::Then => {
                self.expect_args(e, name, args, 2, 2)?;
                let Value::Bool(flag) = v else {
                    return self.error(
                        target,
                        format!(
                            "Expected a boolean, but this has evaluated to {}",
                            v.type_name()
                        ),
                    );
                };
                let pick = self.arg_expr(e, args, if flag { 0 } else { 1 })?;
                self.eval(pick)
            }
            Builtin::IsString => Ok(Some(Value::Bool(Self::is_stringish(&v)))),
            Builtin::IsNumber => Ok(Some(Value::Bool(matches!(v, Value::Num(_))))),
            Builtin::IsBoolean => Ok(Some(Value::Bool(matches!(v, Value::Bool(_))))),
            Builtin::IsNode => Ok(Some(Value::Bool(matches!(v, Value::Node(_))))),
            Builtin::IsSequence => Ok(Some(Value::Bool(matches!(
                v,
                Value::Seq(_) | Value::Json(Json::Array(_)) | Value::Node(_) | Value::Nodes(_)
            )))),
            Builtin::IsHash => Ok(Some(Value::Bool(matches!(
                v,
                Value::Hash(_)
                    | Value::Json(Json::Object(_))
                    | Value::Scope(_)
                    | Value::Node(_)
                    | Value::Nodes(_)
            )))),
            Builtin::Keys | Builtin::Values => {
                let entries = self.hash_entries(target, &v)?;
                Ok(Some(Value::Seq(Rc::new(if b == Builtin::Keys {
                    entries.into_iter().map(|(k, _)| Value::Str(k)).collect()
                } else {
                    entries.into_iter().filter_map(|(_, v)| v).collect()
                }))))
            }
            Builtin::First | Builtin::Last => {
                let items = self.sequence(target, &v)?;
                let item = if b == Builtin::First {
                    items.into_iter().next()
                } else {
                    items.into_iter().last()
                };
                Ok(item.flatten())
            }
            Builtin::Reverse => {
                let mut items: Vec<Value<'a>> =
                    self.sequence(target, &v)?.into_iter().flatten().collect();
                items.reverse();
                Ok(Some(Value::Seq(Rc::new(items))))
            }
            Builtin::Sort => {
                let items: Vec<Value<'a>> =
                    self.sequence(target, &v)?.into_iter().flatten().collect();
                if items.iter().all(|i| matches!(i, Value::Num(_))) {
                    let mut nums: Vec<f64> = items
                        .iter()
                        .filter_map(|i| {
                            if let Value::Num(n) = i {
                                Some(*n)
                            } else {
                                None
                            }
                        })
                        .collect();
                    nums.sort_by(f64::total_cmp);
                    return Ok(Some(Value::Seq(Rc::new(
                        nums.into_iter().map(Value::Num).collect(),
                    ))));
                }
                // About log2(n) comparisons per item.
                let log = (usize::BITS - items.len().leading_zeros()) as usize;
                self.charge_items(e.start, items.len().saturating_mul(log))?;
                let mut keyed = Vec::with_capacity(items.len());
                for it in items {
                    let k = self.as_string(target, &it)?.into_owned();
                    keyed.push((k, it));
                }
                keyed.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(Some(Value::Seq(Rc::new(
                    keyed.into_iter().map(|(_, v)| v).collect(),
                ))))
            }
            Builtin::Join => {
                self.expect_args(e, name, args, 1, 3)?;
                let sep = self.string_arg(self.arg_expr(e, args, 0)?)?;
                let items = self.sequence(target, &v)?;
                let mut out = String::new();
                let mut first = true;
                let cap = self.limits.max_string_bytes;
                for it in items.into_iter().flatten() {
                    if !first {
                        self.push_capped(e.start, &mut out, &sep, cap)?;
                    }
                    first = false;
                    self.push_capped(e.start, &mut out, &self.as_string(target, &it)?, cap)?;
                }
                if first && args.len() >= 2 {
                    return Ok(Some(Value::Str(
                        self.string_arg(self.arg_expr(e, args, 1)?)?,
                    )));
                }
                if !first && args.len() == 3 {
                    out.push_str(&self.string_arg(self.arg_expr(e, args, 2)?)?);
                }
                self.str_value(e, out)
            }
            Builtin::SeqContains | Builtin::SeqIndexOf => {
                self.expect_args(e, name, args, 1, 1)?;
                let xe = self.arg_expr(e, args, 0)?;
                let x = self.need(xe)?;
                let items = self.sequence(target, &v)?;
                let mut found = None;
                for (i, it) in items.iter().enumerate() {
                    let Some(it) = it else { continue };
                    let same = match (it, &x) {
                        (Value::Num(a), Value::Num(b)) => a == b,
                        (Value::Bool(a), Value::Bool(b)) => a == b,
                        (a, b) if Self::is_stringish(a) && Self::is_stringish(b) => {
                            self.as_string(target, a)? == self.as_string(xe, b)?
                        }
                        _ => false,
                    };
                    if same {
                        found = Some(i);
                        break;
                    }
                }
                Ok(Some(if b == Builtin::SeqContains {
                    Value::Bool(found.is_some())
                } else {
                    Value::Num(found.map_or(-1.0, |i| i as f64))
                }))
            }
            Builtin::Filter | Builtin::Map => {
                self.expect_args(e, name, args, 1, 1)?;
                let items = self.sequence(target, &v)?;
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    let r = match &args[0] {
                        Arg::Lambda(p, body) => self.call_lambda(p, body, it.clone())?,
                        Arg::Expr(x) => {
                            return self.error(
                                x,
                                format!("?{name} needs a lambda argument such as `x -> x > 1`"),
                            );
                        }
                    };
                    if b == Builtin::Map {
                        match r {
                            Some(r) => out.push(r),
                            None => {
                                return self
                                    .error(e, "?map: the lambda evaluated to null or missing");
                            }
                        }
                    } else {
                        match r {
                            Some(Value::Bool(true)) => out.extend(it),
                            Some(Value::Bool(false)) => {}
                            _ => {
                                return self
                                    .error(e, "?filter: the lambda must evaluate to a boolean");
                            }
                        }
                    }
                }
                Ok(Some(Value::Seq(Rc::new(out))))
            }
            Builtin::Children => match v {
                Value::Node(XNode::Doc(root)) => Ok(Some(Value::Seq(Rc::new(vec![Value::Node(
                    XNode::Node(root),
                )])))),
                Value::Node(XNode::Node(n)) => Ok(Some(Value::Seq(Rc::new(
                    n.children()
                        .filter(|c| c.is_element() || c.is_text())
                        .map(|c| Value::Node(XNode::Node(c)))
                        .collect(),
                )))),
                Value::Node(XNode::Attr(..)) => Ok(Some(Value::Seq(Rc::new(Vec::new())))),
                other => self.node_error(target, &other),
            },
            Builtin::NodeName => match v {
                Value::Node(XNode::Doc(_)) => Ok(Some(Value::Str(Cow::Borrowed("@document")))),
                Value::Node(XNode::Node(n)) if n.is_element() => {
                    Ok(Some(Value::Str(Cow::Borrowed(n.tag_name().name()))))
                }
                Value::Node(XNode::Node(_)) => Ok(Some(Value::Str(Cow::Borrowed("@text")))),
                Value::Node(XNode::Attr(a, _)) => Ok(Some(Value::Str(Cow::Borrowed(a.name())))),
                other => self.node_error(target, &other),
            },
            Builtin::NodeType => match v {
                Value::Node(XNode::Doc(_)) => Ok(Some(Value::Str(Cow::Borrowed("document")))),
                Value::Node(XNode::Node(n)) => {
                    Ok(Some(Value::Str(Cow::Borrowed(match n.node_type() {
                        NodeType::Element => "element",
                        NodeType::Text => "text",
                        NodeType::Comment => "comment",
                        NodeType::PI => "pi",
                        NodeType::Root => "document",
                    }))))
                }
                Value::Node(XNode::Attr(..)) => Ok(Some(Value::Str(Cow::Borrowed("attribute")))),
                other => self.node_error(target, &other),
            },
            Builtin::Parent => match v {
                Value::Node(XNode::Doc(_)) => Ok(None),
                Value::Node(XNode::Attr(_, owner)) => Ok(Some(Value::Node(XNode::Node(owner)))),
                Value::Node(XNode::Node(n)) => Ok(self.parent_of(n)),
                other => self.node_error(target, &other),
            },
            Builtin::Root => match v {
                Value::Node(XNode::Doc(root)) => Ok(Some(Value::Node(XNode::Doc(root)))),
                Value::Node(XNode::Attr(_, n) | XNode::Node(n)) => {
                    let mut top = n;
                    while let Some(Value::Node(XNode::Node(p))) = self.parent_of(top) {
                        top = p;
                    }
                    Ok(self.parent_of(top).or(Some(Value::Node(XNode::Node(top)))))
                }
                other => self.node_error(target, &other),
            },
            Builtin::HasContent
            | Builtin::Index
            | Builtin::Counter
            | Builtin::HasNext
            | Builtin::IsFirst
            | Builtin::IsLast
            | Builtin::ItemParity
            | Builtin::IsEvenItem
            | Builtin::IsOddItem => self.error(e, "internal: loop built-in"),
        }
    }

    /// The parent of a node in FreeMarker's view: the payload's root element's parent is the
    /// document node (the first body element of a SOAP envelope is its own document).
    fn parent_of(&self, n: Node<'a, 'a>) -> Option<Value<'a>> {
        let doc_root = self.payload_root();
        if Some(n) == doc_root {
            return Some(Value::Node(XNode::Doc(n)));
        }
        n.parent_element().map(|p| Value::Node(XNode::Node(p)))
    }

    fn payload_root(&self) -> Option<Node<'a, 'a>> {
        let dummy = Expr {
            kind: ExprKind::Bool(false),
            start: 0,
            end: 0,
        };
        match self.payload(&dummy) {
            Ok(Some(Value::Node(XNode::Doc(r)))) => Some(r),
            _ => None,
        }
    }

    fn node_error<T>(&self, e: &Expr, v: &Value<'_>) -> RResult<T> {
        self.error(
            e,
            format!(
                "Expected an XML node, but this has evaluated to {}: ==> {}",
                v.type_name(),
                self.text(e)
            ),
        )
    }
}

/// Collecting a range with a size cap (ranges are materialized).
trait CollectLimited: Iterator<Item = i64> + Sized {
    fn collect_limited(self, e: &Expr, r: &Renderer<'_>) -> RResult<Vec<i64>> {
        let max = r.limits.max_sequence_items;
        let (low, _) = self.size_hint();
        r.check_seq(e.start, low)?;
        let v: Vec<i64> = self.take(max.saturating_add(1)).collect();
        r.check_seq(e.start, v.len())?;
        Ok(v)
    }
}

impl<I: Iterator<Item = i64>> CollectLimited for I {}
