//! Evaluation of compiled expressions.

use std::borrow::Cow;

use roxmltree::Node;

use crate::ast::{Axis, BinOp, Expr, NodeTest, OwnedQName, PathStart, Step};
use crate::node::{element_ns, namespace_nodes, sort_dedup};
use crate::number::parse_number;
use crate::{Environment, EvalError, Value, XNode};

/// The evaluation context: node, proximity position and size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx<'a, 'i> {
    pub(crate) node: XNode<'a, 'i>,
    pub(crate) pos: usize,
    pub(crate) size: usize,
}

/// Evaluates expressions against one environment.
pub(crate) struct Evaluator<'e, 'a, 'i> {
    pub(crate) env: &'e dyn Environment<'a, 'i>,
}

type NodeVec<'a, 'i> = Vec<XNode<'a, 'i>>;

pub(crate) fn type_err<T>(msg: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError::Type(msg.into()))
}

/// A comparison operand; literals borrow from the expression.
enum Operand<'v, 'a, 'i> {
    Nodes(NodeVec<'a, 'i>),
    Bool(bool),
    Num(f64),
    Str(Cow<'v, str>),
}

impl<'e, 'a: 'e, 'i: 'a> Evaluator<'e, 'a, 'i> {
    /// Evaluate `expr`. Kept to a thin dispatch so deep nesting uses little stack.
    pub(crate) fn eval(&self, expr: &Expr, ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        match expr {
            Expr::Or(v) => self.eval_or(v, ctx),
            Expr::And(v) => self.eval_and(v, ctx),
            Expr::Chain(first, rest) => self.eval_chain(first, rest, ctx),
            Expr::Neg(e, odd) => self.eval_neg(e, *odd, ctx),
            Expr::Union(v) => self.eval_union(v, ctx),
            Expr::Literal(s) => Ok(Value::String(Cow::Owned(s.clone()))),
            Expr::Number(n) => Ok(Value::Number(*n)),
            Expr::Var(q) => self.eval_var(q),
            Expr::Core(f, args) => self.call_core(*f, args, ctx),
            Expr::Ext(name, args) => self.eval_ext(name, args, ctx),
            Expr::Filter(primary, preds) => self.eval_filter(primary, preds, ctx),
            Expr::Path(start, steps) => self.eval_path(start, steps, ctx).map(Value::NodeSet),
        }
    }

    #[inline(never)]
    fn eval_or(&self, v: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        for e in v {
            if self.eval(e, ctx)?.boolean() {
                return Ok(Value::Boolean(true));
            }
        }
        Ok(Value::Boolean(false))
    }

    #[inline(never)]
    fn eval_and(&self, v: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        for e in v {
            if !self.eval(e, ctx)?.boolean() {
                return Ok(Value::Boolean(false));
            }
        }
        Ok(Value::Boolean(true))
    }

    #[inline(never)]
    fn eval_neg(&self, e: &Expr, odd: bool, ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        let n = self.eval(e, ctx)?.number();
        Ok(Value::Number(if odd { -n } else { n }))
    }

    #[inline(never)]
    fn eval_union(&self, v: &[Expr], ctx: &Ctx<'a, 'i>) -> Result<Value<'a, 'i>, EvalError> {
        let mut out = Vec::new();
        for e in v {
            match self.eval(e, ctx)? {
                Value::NodeSet(ns) => out.extend(ns),
                _ => return type_err("operands of '|' must be node-sets"),
            }
        }
        sort_dedup(&mut out);
        Ok(Value::NodeSet(out))
    }

    #[inline(never)]
    fn eval_var(&self, q: &OwnedQName) -> Result<Value<'a, 'i>, EvalError> {
        match self.env.variable(&q.as_qname()) {
            Some(v) => Ok(normalize(v)),
            None => Err(EvalError::UnknownVariable(q.display())),
        }
    }

    #[inline(never)]
    fn eval_ext(
        &self,
        name: &OwnedQName,
        args: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(a, ctx)?);
        }
        match self.env.function(&name.as_qname(), vals, ctx.node) {
            Some(r) => r.map(normalize),
            None => Err(EvalError::UnknownFunction(name.display())),
        }
    }

    #[inline(never)]
    fn eval_filter(
        &self,
        primary: &Expr,
        preds: &[Expr],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        let mut nodes = match self.eval(primary, ctx)? {
            Value::NodeSet(ns) => ns,
            _ => return type_err("predicates can only filter node-sets"),
        };
        for p in preds {
            nodes = self.filter(nodes, p)?;
        }
        Ok(Value::NodeSet(nodes))
    }

    /// Evaluate to a node-set or fail with a type error.
    pub(crate) fn eval_nodes(
        &self,
        expr: &Expr,
        ctx: &Ctx<'a, 'i>,
        what: &str,
    ) -> Result<NodeVec<'a, 'i>, EvalError> {
        match self.eval(expr, ctx)? {
            Value::NodeSet(ns) => Ok(ns),
            _ => type_err(format!("{what} requires a node-set")),
        }
    }

    #[inline(never)]
    fn eval_chain(
        &self,
        first: &Expr,
        rest: &[(BinOp, Expr)],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<Value<'a, 'i>, EvalError> {
        let mut acc: Option<Value<'a, 'i>> = None;
        for (op, rhs) in rest {
            let v = match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                    let l = match acc.take() {
                        Some(v) => v.number(),
                        None => self.eval(first, ctx)?.number(),
                    };
                    let r = self.eval(rhs, ctx)?.number();
                    Value::Number(match op {
                        BinOp::Add => l + r,
                        BinOp::Sub => l - r,
                        BinOp::Mul => l * r,
                        BinOp::Div => l / r,
                        _ => l % r,
                    })
                }
                _ => {
                    let l = match acc.take() {
                        Some(v) => value_operand(v),
                        None => self.operand(first, ctx)?,
                    };
                    let r = self.operand(rhs, ctx)?;
                    Value::Boolean(compare(*op, &l, &r))
                }
            };
            acc = Some(v);
        }
        match acc {
            Some(v) => Ok(v),
            None => self.eval(first, ctx),
        }
    }

    fn operand<'v>(&self, e: &'v Expr, ctx: &Ctx<'a, 'i>) -> Result<Operand<'v, 'a, 'i>, EvalError>
    where
        'a: 'v,
    {
        Ok(match e {
            Expr::Literal(s) => Operand::Str(Cow::Borrowed(s.as_str())),
            Expr::Number(n) => Operand::Num(*n),
            _ => value_operand(self.eval(e, ctx)?),
        })
    }

    /// Apply one predicate to `nodes`, which are in the axis' proximity order.
    pub(crate) fn filter(
        &self,
        nodes: NodeVec<'a, 'i>,
        pred: &Expr,
    ) -> Result<NodeVec<'a, 'i>, EvalError> {
        let size = nodes.len();
        if let Expr::Number(n) = pred {
            // Fast path: a literal position.
            let n = *n;
            if n >= 1.0 && n <= size as f64 && n.fract() == 0.0 {
                let idx = n as usize - 1;
                return Ok(nodes.get(idx).copied().into_iter().collect());
            }
            return Ok(Vec::new());
        }
        let mut nodes = nodes;
        let mut pos = 0usize;
        let mut err = None;
        nodes.retain(|&node| {
            if err.is_some() {
                return false;
            }
            pos += 1;
            let c = Ctx { node, pos, size };
            match self.eval(pred, &c) {
                Ok(Value::Number(n)) => n == pos as f64,
                Ok(v) => v.boolean(),
                Err(e) => {
                    err = Some(e);
                    false
                }
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(nodes),
        }
    }

    fn eval_path(
        &self,
        start: &PathStart,
        steps: &[Step],
        ctx: &Ctx<'a, 'i>,
    ) -> Result<NodeVec<'a, 'i>, EvalError> {
        let single = match start {
            PathStart::Context => ctx.node,
            PathStart::Root => XNode::Node(ctx.node.node().document().root()),
            PathStart::Filter(e) => {
                let mut nodes = self.eval_nodes(e, ctx, "a path step")?;
                for step in steps {
                    if nodes.is_empty() {
                        break;
                    }
                    nodes = self.apply_step(step, &nodes)?;
                }
                return Ok(nodes);
            }
        };
        // Start from one node without allocating for it.
        let Some((first, rest)) = steps.split_first() else {
            return Ok(vec![single]);
        };
        let mut nodes = self.apply_step(first, std::slice::from_ref(&single))?;
        for step in rest {
            if nodes.is_empty() {
                break;
            }
            nodes = self.apply_step(step, &nodes)?;
        }
        Ok(nodes)
    }

    fn apply_step(
        &self,
        step: &Step,
        input: &[XNode<'a, 'i>],
    ) -> Result<NodeVec<'a, 'i>, EvalError> {
        let mut out = Vec::new();
        if step.preds.is_empty() {
            for &n in input {
                collect_axis(n, step.axis, &step.test, &mut out);
            }
        } else {
            let mut tmp = Vec::new();
            for &n in input {
                tmp.clear();
                collect_axis(n, step.axis, &step.test, &mut tmp);
                let mut sel = std::mem::take(&mut tmp);
                for p in &step.preds {
                    if sel.is_empty() {
                        break;
                    }
                    sel = self.filter(sel, p)?;
                }
                out.extend_from_slice(&sel);
                tmp = sel;
            }
        }
        if step.axis.is_reverse() {
            if input.len() == 1 {
                out.reverse();
            } else {
                sort_dedup(&mut out);
            }
        } else if input.len() > 1 {
            sort_dedup(&mut out);
        }
        Ok(out)
    }
}

/// Node-sets from the environment are put into document order without duplicates.
fn normalize<'a, 'i>(v: Value<'a, 'i>) -> Value<'a, 'i> {
    match v {
        Value::NodeSet(mut ns) => {
            sort_dedup(&mut ns);
            Value::NodeSet(ns)
        }
        other => other,
    }
}

fn value_operand<'v, 'a: 'v, 'i>(v: Value<'a, 'i>) -> Operand<'v, 'a, 'i> {
    match v {
        Value::NodeSet(n) => Operand::Nodes(n),
        Value::Boolean(b) => Operand::Bool(b),
        Value::Number(n) => Operand::Num(n),
        Value::String(s) => Operand::Str(s),
    }
}

fn cmp_num(op: BinOp, a: f64, b: f64) -> bool {
    match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        BinOp::Lt => a < b,
        BinOp::Le => a <= b,
        BinOp::Gt => a > b,
        BinOp::Ge => a >= b,
        _ => false,
    }
}

fn is_equality(op: BinOp) -> bool {
    matches!(op, BinOp::Eq | BinOp::Ne)
}

fn swap(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        o => o,
    }
}

/// Comparison per REC §3.4.
fn compare(op: BinOp, l: &Operand<'_, '_, '_>, r: &Operand<'_, '_, '_>) -> bool {
    match (l, r) {
        (Operand::Nodes(a), Operand::Nodes(b)) => {
            if is_equality(op) {
                let bs: Vec<Cow<'_, str>> = b.iter().map(XNode::string_value).collect();
                a.iter().any(|x| {
                    let sx = x.string_value();
                    bs.iter().any(|sy| (sx == *sy) == (op == BinOp::Eq))
                })
            } else {
                let bn: Vec<f64> = b.iter().map(|y| parse_number(&y.string_value())).collect();
                a.iter().any(|x| {
                    let nx = parse_number(&x.string_value());
                    bn.iter().any(|&ny| cmp_num(op, nx, ny))
                })
            }
        }
        (Operand::Nodes(a), other) => compare_nodes_scalar(op, a, other),
        (other, Operand::Nodes(b)) => compare_nodes_scalar(swap(op), b, other),
        _ => {
            if is_equality(op) {
                let eq = match (l, r) {
                    (Operand::Bool(_), _) | (_, Operand::Bool(_)) => {
                        operand_bool(l) == operand_bool(r)
                    }
                    (Operand::Num(_), _) | (_, Operand::Num(_)) => operand_num(l) == operand_num(r),
                    (Operand::Str(a), Operand::Str(b)) => a == b,
                    _ => false,
                };
                eq == (op == BinOp::Eq)
            } else {
                cmp_num(op, operand_num(l), operand_num(r))
            }
        }
    }
}

/// `nodes op scalar`.
fn compare_nodes_scalar(op: BinOp, nodes: &[XNode<'_, '_>], s: &Operand<'_, '_, '_>) -> bool {
    match s {
        Operand::Bool(b) => {
            let nb = !nodes.is_empty();
            if is_equality(op) {
                (nb == *b) == (op == BinOp::Eq)
            } else {
                cmp_num(op, f64::from(u8::from(nb)), f64::from(u8::from(*b)))
            }
        }
        Operand::Num(n) => nodes
            .iter()
            .any(|x| cmp_num(op, parse_number(&x.string_value()), *n)),
        Operand::Str(st) => {
            if is_equality(op) {
                nodes
                    .iter()
                    .any(|x| (x.string_value() == *st) == (op == BinOp::Eq))
            } else {
                let n = parse_number(st);
                nodes
                    .iter()
                    .any(|x| cmp_num(op, parse_number(&x.string_value()), n))
            }
        }
        Operand::Nodes(_) => false,
    }
}

fn operand_bool(o: &Operand<'_, '_, '_>) -> bool {
    match o {
        Operand::Nodes(n) => !n.is_empty(),
        Operand::Bool(b) => *b,
        Operand::Num(n) => *n != 0.0 && !n.is_nan(),
        Operand::Str(s) => !s.is_empty(),
    }
}

fn operand_num(o: &Operand<'_, '_, '_>) -> f64 {
    match o {
        Operand::Nodes(n) => n
            .first()
            .map_or(f64::NAN, |x| parse_number(&x.string_value())),
        Operand::Bool(b) => f64::from(u8::from(*b)),
        Operand::Num(n) => *n,
        Operand::Str(s) => parse_number(s),
    }
}

/// Does `n` pass `test` on an axis whose principal node type is element (or attribute /
/// namespace on those axes — `n`'s own kind decides)?
fn matches_node(n: Node<'_, '_>, test: &NodeTest) -> bool {
    match test {
        NodeTest::AnyNode => true,
        NodeTest::Text => n.is_text(),
        NodeTest::Comment => n.is_comment(),
        NodeTest::Pi(target) => match n.pi() {
            Some(pi) => target.as_deref().is_none_or(|t| t == pi.target),
            None => false,
        },
        NodeTest::Wildcard => n.is_element(),
        NodeTest::NsWildcard(uri) => {
            n.is_element() && element_ns(n) == Some(uri.as_str()).filter(|u| !u.is_empty())
        }
        NodeTest::Name { ns, local } => {
            n.is_element() && {
                let t = n.tag_name();
                t.name() == local && element_ns(n) == ns.as_deref()
            }
        }
    }
}

fn matches_xnode(x: XNode<'_, '_>, test: &NodeTest) -> bool {
    match x {
        XNode::Node(n) => matches_node(n, test),
        XNode::Attribute(_, a) => match test {
            NodeTest::AnyNode | NodeTest::Wildcard => true,
            NodeTest::NsWildcard(uri) => a.namespace() == Some(uri.as_str()),
            NodeTest::Name { ns, local } => a.name() == local && a.namespace() == ns.as_deref(),
            _ => false,
        },
        XNode::Namespace(..) => match test {
            NodeTest::AnyNode | NodeTest::Wildcard => true,
            NodeTest::Name { ns: None, local } => x.local_name() == local,
            _ => false,
        },
    }
}

/// Append the nodes on `axis` from `ctx` that pass `test`, in proximity order.
fn collect_axis<'a, 'i>(
    ctx: XNode<'a, 'i>,
    axis: Axis,
    test: &NodeTest,
    out: &mut Vec<XNode<'a, 'i>>,
) {
    match ctx {
        XNode::Node(n) => match axis {
            Axis::Child => push_nodes(n.children(), test, out),
            Axis::Descendant => push_nodes(n.descendants().skip(1), test, out),
            Axis::DescendantOrSelf => push_nodes(n.descendants(), test, out),
            Axis::SelfNode => push_nodes(std::iter::once(n), test, out),
            Axis::Parent => push_nodes(n.parent().into_iter(), test, out),
            Axis::Ancestor => push_nodes(n.ancestors().skip(1), test, out),
            Axis::AncestorOrSelf => push_nodes(n.ancestors(), test, out),
            Axis::FollowingSibling => push_nodes(n.next_siblings().skip(1), test, out),
            Axis::PrecedingSibling => push_nodes(n.prev_siblings().skip(1), test, out),
            Axis::Following => push_nodes(following(n, false), test, out),
            Axis::Preceding => push_nodes(preceding(n), test, out),
            Axis::Attribute => {
                if n.is_element() {
                    for a in n.attributes() {
                        let x = XNode::Attribute(n, a);
                        if matches_xnode(x, test) {
                            out.push(x);
                        }
                    }
                }
            }
            Axis::Namespace => {
                for ns in namespace_nodes(n) {
                    let x = XNode::Namespace(n, ns);
                    if matches_xnode(x, test) {
                        out.push(x);
                    }
                }
            }
        },
        XNode::Attribute(owner, _) | XNode::Namespace(owner, _) => match axis {
            Axis::SelfNode | Axis::DescendantOrSelf if self_matches_on_element_axis(test) => {
                out.push(ctx);
            }
            Axis::Parent => push_nodes(std::iter::once(owner), test, out),
            Axis::Ancestor => push_nodes(owner.ancestors(), test, out),
            Axis::AncestorOrSelf => {
                if self_matches_on_element_axis(test) {
                    out.push(ctx);
                }
                push_nodes(owner.ancestors(), test, out);
            }
            Axis::Following => push_nodes(following(owner, true), test, out),
            Axis::Preceding => push_nodes(preceding(owner), test, out),
            _ => {}
        },
    }
}

fn push_nodes<'a, 'i>(
    it: impl Iterator<Item = Node<'a, 'i>>,
    test: &NodeTest,
    out: &mut Vec<XNode<'a, 'i>>,
) {
    for n in it {
        if matches_node(n, test) {
            out.push(XNode::Node(n));
        }
    }
}

/// On the self / descendant-or-self / ancestor-or-self axes the principal node type is
/// element, so an attribute or namespace context node passes only `node()`.
fn self_matches_on_element_axis(test: &NodeTest) -> bool {
    matches!(test, NodeTest::AnyNode)
}

/// Nodes after `n` in document order that are not its descendants; with
/// `include_descendants`, `n`'s descendants too (for attribute/namespace context nodes).
fn following<'a, 'i>(
    n: Node<'a, 'i>,
    include_descendants: bool,
) -> impl Iterator<Item = Node<'a, 'i>> {
    let subtree = n.descendants().len();
    let start = n.id().get_usize() + if include_descendants { 1 } else { subtree };
    n.document().root().descendants().skip(start)
}

/// Nodes before `n` in document order that are not its ancestors, nearest first.
fn preceding<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    let mut ancestors = n.ancestors().skip(1).peekable();
    n.document()
        .root()
        .descendants()
        .take(n.id().get_usize())
        .rev()
        .filter(move |d| {
            while let Some(a) = ancestors.peek() {
                if a.id().get() > d.id().get() {
                    ancestors.next();
                } else {
                    break;
                }
            }
            match ancestors.peek() {
                Some(a) if a == d => {
                    ancestors.next();
                    false
                }
                _ => true,
            }
        })
}
