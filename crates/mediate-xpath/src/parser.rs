//! Recursive-descent parser from tokens to [`Expr`].

use crate::ast::{Axis, BinOp, CoreFn, Expr, NodeTest, OwnedQName, PathStart, Step};
use crate::lexer::{Tok, Token, tokenize};
use crate::{FunctionLibrary, Namespaces, ParseError, QName};

/// Maximum nesting of parentheses, predicates and function arguments.
pub(crate) const MAX_DEPTH: usize = 256;

struct Parser<'p> {
    toks: Vec<Token>,
    pos: usize,
    /// Column just past the end of the input, for "unexpected end" errors.
    end_col: usize,
    depth: usize,
    namespaces: &'p Namespaces,
    functions: Option<&'p dyn FunctionLibrary>,
}

/// Parse and compile `input`.
pub(crate) fn parse(
    input: &str,
    namespaces: &Namespaces,
    functions: Option<&dyn FunctionLibrary>,
) -> Result<Expr, ParseError> {
    let toks = tokenize(input)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end_col: input.chars().count() + 1,
        depth: 0,
        namespaces,
        functions,
    };
    if p.toks.is_empty() {
        return Err(p.err_here("empty expression"));
    }
    let e = p.expr()?;
    if let Some(t) = p.toks.get(p.pos) {
        return Err(ParseError {
            column: t.col,
            message: format!("unexpected {} after end of expression", t.tok.describe()),
        });
    }
    Ok(e)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |t| t.col)
    }

    fn err_here(&self, what: &str) -> ParseError {
        match self.toks.get(self.pos) {
            Some(t) => ParseError {
                column: t.col,
                message: format!("{what}, found {}", t.tok.describe()),
            },
            None => ParseError {
                column: self.end_col,
                message: format!("unexpected end of expression: {what}"),
            },
        }
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.tok.clone());
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Result<(), ParseError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.err_here(what))
        }
    }

    fn resolve_prefix(&self, prefix: &str, col: usize) -> Result<String, ParseError> {
        match self.namespaces.get(prefix) {
            Some(uri) => Ok(uri.to_owned()),
            None if prefix == "xml" => Ok("http://www.w3.org/XML/1998/namespace".to_owned()),
            None => Err(ParseError {
                column: col,
                message: format!("undeclared namespace prefix '{prefix}'"),
            }),
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.depth += 1;
        let r = self.climb(0);
        self.depth -= 1;
        r
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self) -> ParseError {
        ParseError {
            column: self.col(),
            message: format!("expression nested more than {MAX_DEPTH} levels deep"),
        }
    }

    /// Precedence climbing over the binary operators (all left-associative); chains of
    /// operators of one precedence level are kept flat.
    fn climb(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        let mut lhs_prec: Option<u8> = None;
        while let Some((prec, op)) = self.peek().and_then(binop_info) {
            if prec < min {
                break;
            }
            self.pos += 1;
            let rhs = self.climb(prec + 1)?;
            lhs = combine(lhs, lhs_prec == Some(prec), op, rhs);
            lhs_prec = Some(prec);
        }
        Ok(lhs)
    }

    /// `'-'* UnionExpr` — unary minus, union and path dispatch share one stack frame to keep
    /// deep nesting cheap.
    fn unary(&mut self) -> Result<Expr, ParseError> {
        let mut count = 0usize;
        while self.eat(&Tok::Minus) {
            count += 1;
        }
        let mut e = self.path_expr()?;
        if self.peek() == Some(&Tok::Pipe) {
            e = self.union_rest(e)?;
        }
        if count > 0 {
            e = Expr::Neg(Box::new(e), count % 2 == 1);
        }
        Ok(e)
    }

    #[inline(always)]
    fn path_expr(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some(
                Tok::Var(..) | Tok::LParen | Tok::Literal(_) | Tok::Number(_) | Tok::Function(..),
            ) => self.filter_path(),
            _ => self.location_path(),
        }
    }

    #[inline(never)]
    fn union_rest(&mut self, first: Expr) -> Result<Expr, ParseError> {
        let mut v = vec![first];
        while self.eat(&Tok::Pipe) {
            v.push(self.path_expr()?);
        }
        Ok(Expr::Union(v))
    }

    /// `FilterExpr (('/' | '//') RelativeLocationPath)?`
    #[inline(never)]
    fn filter_path(&mut self) -> Result<Expr, ParseError> {
        let primary = self.primary()?;
        if self.peek() == Some(&Tok::LBracket) {
            let preds = self.predicates()?;
            let filter = Expr::Filter(Box::new(primary), preds);
            self.filter_continue(filter)
        } else {
            self.filter_continue(primary)
        }
    }

    #[inline(never)]
    fn filter_continue(&mut self, filter: Expr) -> Result<Expr, ParseError> {
        let mut steps = Vec::new();
        if self.continue_path(&mut steps)? {
            Ok(Expr::Path(
                PathStart::Filter(Box::new(filter)),
                optimize(steps),
            ))
        } else {
            Ok(filter)
        }
    }

    /// `Predicate*` (at least one `[` is next).
    #[inline(never)]
    fn predicates(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut preds = Vec::new();
        while self.eat(&Tok::LBracket) {
            if self.peek() == Some(&Tok::RBracket) {
                return Err(self.err_here("expected an expression in predicate"));
            }
            preds.push(self.expr()?);
            self.expect(&Tok::RBracket, "expected ']' after predicate")?;
        }
        Ok(preds)
    }

    /// An absolute or relative location path.
    #[inline(never)]
    fn location_path(&mut self) -> Result<Expr, ParseError> {
        let (start, mut steps) = match self.peek() {
            Some(Tok::Slash) => {
                self.pos += 1;
                if !self.starts_step() {
                    return Ok(Expr::Path(PathStart::Root, Vec::new()));
                }
                (PathStart::Root, Vec::new())
            }
            Some(Tok::SlashSlash) => {
                self.pos += 1;
                (PathStart::Root, vec![descendant_or_self()])
            }
            _ => {
                if !self.starts_step() {
                    return Err(self.err_here("expected an expression"));
                }
                (PathStart::Context, Vec::new())
            }
        };
        steps.push(self.step()?);
        self.continue_path(&mut steps)?;
        Ok(Expr::Path(start, optimize(steps)))
    }

    /// Parse `('/' Step | '//' Step)*`; returns whether any step was parsed.
    fn continue_path(&mut self, steps: &mut Vec<Step>) -> Result<bool, ParseError> {
        let mut any = false;
        loop {
            match self.peek() {
                Some(Tok::Slash) => {
                    self.pos += 1;
                }
                Some(Tok::SlashSlash) => {
                    self.pos += 1;
                    steps.push(descendant_or_self());
                }
                _ => return Ok(any),
            }
            steps.push(self.step()?);
            any = true;
        }
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(
                Tok::Dot
                    | Tok::DotDot
                    | Tok::At
                    | Tok::Axis(_)
                    | Tok::Star
                    | Tok::PrefixStar(_)
                    | Tok::Name(..)
                    | Tok::NodeType(_)
            )
        )
    }

    fn step(&mut self) -> Result<Step, ParseError> {
        let axis = match self.peek() {
            Some(Tok::Dot) => {
                self.pos += 1;
                return Ok(Step {
                    axis: Axis::SelfNode,
                    test: NodeTest::AnyNode,
                    preds: Vec::new(),
                });
            }
            Some(Tok::DotDot) => {
                self.pos += 1;
                return Ok(Step {
                    axis: Axis::Parent,
                    test: NodeTest::AnyNode,
                    preds: Vec::new(),
                });
            }
            Some(Tok::At) => {
                self.pos += 1;
                Axis::Attribute
            }
            Some(Tok::Axis(name)) => {
                let Some(axis) = Axis::from_name(name) else {
                    return Err(ParseError {
                        column: self.col(),
                        message: format!("unknown axis '{name}'"),
                    });
                };
                self.pos += 1;
                self.expect(&Tok::ColonColon, "expected '::' after axis name")?;
                axis
            }
            _ => Axis::Child,
        };
        let test = self.node_test()?;
        let preds = if self.peek() == Some(&Tok::LBracket) {
            self.predicates()?
        } else {
            Vec::new()
        };
        Ok(Step { axis, test, preds })
    }

    fn node_test(&mut self) -> Result<NodeTest, ParseError> {
        let col = self.col();
        match self.peek().cloned() {
            Some(Tok::Star) => {
                self.pos += 1;
                Ok(NodeTest::Wildcard)
            }
            Some(Tok::PrefixStar(p)) => {
                let uri = self.resolve_prefix(&p, col)?;
                self.pos += 1;
                Ok(NodeTest::NsWildcard(uri))
            }
            Some(Tok::Name(prefix, local)) => {
                let ns = match &prefix {
                    Some(p) => Some(self.resolve_prefix(p, col)?).filter(|u| !u.is_empty()),
                    None => None,
                };
                self.pos += 1;
                Ok(NodeTest::Name { ns, local })
            }
            Some(Tok::NodeType(kind)) => {
                self.pos += 1;
                self.expect(&Tok::LParen, "expected '(' after node type")?;
                let test = match kind.as_str() {
                    "node" => NodeTest::AnyNode,
                    "text" => NodeTest::Text,
                    "comment" => NodeTest::Comment,
                    _ => {
                        if let Some(Tok::Literal(target)) = self.peek().cloned() {
                            self.pos += 1;
                            NodeTest::Pi(Some(target))
                        } else {
                            NodeTest::Pi(None)
                        }
                    }
                };
                self.expect(&Tok::RParen, "expected ')' after node type test")?;
                Ok(test)
            }
            _ => Err(self.err_here("expected a node test")),
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let col = self.col();
        match self.bump() {
            Some(Tok::Var(prefix, local)) => Ok(self.var(prefix, local)),
            Some(Tok::LParen) => {
                let e = self.expr()?;
                self.expect(&Tok::RParen, "expected ')'")?;
                Ok(e)
            }
            Some(Tok::Literal(s)) => Ok(Expr::Literal(s)),
            Some(Tok::Number(n)) => Ok(Expr::Number(n)),
            Some(Tok::Function(prefix, local)) => self.call(prefix, local, col),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.err_here("expected an expression"))
            }
        }
    }

    #[inline(never)]
    fn var(&self, prefix: Option<String>, local: String) -> Expr {
        let namespace = prefix
            .as_deref()
            .and_then(|p| self.namespaces.get(p))
            .map(str::to_owned);
        Expr::Var(OwnedQName {
            prefix,
            namespace,
            local,
        })
    }

    /// A function call. The name's prefix is resolved as Jaxen (Synapse's XPath engine) resolves
    /// it: a declared prefix gives the name its namespace, an undeclared one gives it none
    /// (`ContextSupport.translateNamespacePrefixToUri` answers `null`, and the core functions are
    /// registered without a namespace), so `fn:concat(…)` with `fn` undeclared is `concat(…)`.
    /// A name in the XPath functions namespace ([`crate::XPATH_FUNCTIONS_NAMESPACE`]) is the core
    /// function of that local name. An undeclared prefix on a name that is no known function is
    /// reported as the undeclared prefix, at the name's column.
    fn call(
        &mut self,
        prefix: Option<String>,
        local: String,
        col: usize,
    ) -> Result<Expr, ParseError> {
        // Jaxen: an undeclared prefix means no namespace.
        let namespace = prefix
            .as_deref()
            .and_then(|p| self.resolve_prefix(p, col).ok());
        if self.functions.is_none()
            && !(core_namespace(namespace.as_deref()) && CoreFn::from_name(&local).is_some())
        {
            // Without a library the name is unknown whatever the arguments.
            return Err(self.unknown_function(
                prefix.as_deref(),
                namespace.as_deref(),
                &local,
                col,
            ));
        }
        let args = self.call_args()?;
        self.finish_call(prefix, namespace, local, col, args)
    }

    /// The error for a function name that names no function: an undeclared prefix is reported
    /// as such, any other name as an unknown function.
    #[cold]
    fn unknown_function(
        &self,
        prefix: Option<&str>,
        namespace: Option<&str>,
        local: &str,
        col: usize,
    ) -> ParseError {
        match (prefix, namespace) {
            (Some(p), None) => self
                .resolve_prefix(p, col)
                .err()
                .unwrap_or_else(|| unknown_function(prefix, local, col)),
            _ => unknown_function(prefix, local, col),
        }
    }

    #[inline(never)]
    fn call_args(&mut self) -> Result<Vec<Expr>, ParseError> {
        self.expect(&Tok::LParen, "expected '(' after function name")?;
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                args.push(self.expr()?);
                if self.eat(&Tok::Comma) {
                    continue;
                }
                self.expect(&Tok::RParen, "expected ')' after function arguments")?;
                break;
            }
        }
        Ok(args)
    }

    #[inline(never)]
    fn finish_call(
        &self,
        prefix: Option<String>,
        namespace: Option<String>,
        local: String,
        col: usize,
        args: Vec<Expr>,
    ) -> Result<Expr, ParseError> {
        let name = OwnedQName {
            prefix,
            namespace,
            local,
        };
        if core_namespace(name.namespace.as_deref())
            && let Some(f) = CoreFn::from_name(&name.local)
        {
            let (min, max) = f.arity();
            if args.len() < min || args.len() > max {
                let expected = if min == max {
                    format!("{min} argument{}", if min == 1 { "" } else { "s" })
                } else if max == usize::MAX {
                    format!("at least {min} arguments")
                } else {
                    format!("{min} to {max} arguments")
                };
                return Err(ParseError {
                    column: col,
                    message: format!(
                        "function '{}' expects {expected}, got {}",
                        name.local,
                        args.len()
                    ),
                });
            }
            return Ok(Expr::Core(f, args));
        }
        let q: QName<'_> = name.as_qname();
        if self
            .functions
            .is_some_and(|lib| lib.has_function(&q, args.len()))
        {
            Ok(Expr::Ext(name, args))
        } else {
            Err(self.unknown_function(
                name.prefix.as_deref(),
                name.namespace.as_deref(),
                &name.local,
                col,
            ))
        }
    }
}

/// Whether a function name in `namespace` may be a core function: no namespace (unprefixed, or
/// an undeclared prefix as Jaxen reads it), or the XPath functions namespace.
fn core_namespace(namespace: Option<&str>) -> bool {
    namespace.is_none_or(|ns| ns == crate::XPATH_FUNCTIONS_NAMESPACE)
}

/// Append `op rhs` to `lhs`, extending `lhs`'s chain when it has the same precedence.
#[inline(never)]
fn combine(lhs: Expr, extend: bool, op: Op, rhs: Expr) -> Expr {
    match (op, lhs) {
        (Op::Or, Expr::Or(mut v)) if extend => {
            v.push(rhs);
            Expr::Or(v)
        }
        (Op::Or, l) => Expr::Or(vec![l, rhs]),
        (Op::And, Expr::And(mut v)) if extend => {
            v.push(rhs);
            Expr::And(v)
        }
        (Op::And, l) => Expr::And(vec![l, rhs]),
        (Op::Bin(o), Expr::Chain(first, mut rest)) if extend => {
            rest.push((o, rhs));
            Expr::Chain(first, rest)
        }
        (Op::Bin(o), l) => Expr::Chain(Box::new(l), vec![(o, rhs)]),
    }
}

#[cold]
fn unknown_function(prefix: Option<&str>, local: &str, col: usize) -> ParseError {
    let name = match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    };
    ParseError {
        column: col,
        message: format!("unknown function '{name}'"),
    }
}

#[derive(Clone, Copy)]
enum Op {
    Or,
    And,
    Bin(BinOp),
}

fn binop_info(t: &Tok) -> Option<(u8, Op)> {
    Some(match t {
        Tok::Or => (0, Op::Or),
        Tok::And => (1, Op::And),
        Tok::Eq => (2, Op::Bin(BinOp::Eq)),
        Tok::Ne => (2, Op::Bin(BinOp::Ne)),
        Tok::Lt => (3, Op::Bin(BinOp::Lt)),
        Tok::Le => (3, Op::Bin(BinOp::Le)),
        Tok::Gt => (3, Op::Bin(BinOp::Gt)),
        Tok::Ge => (3, Op::Bin(BinOp::Ge)),
        Tok::Plus => (4, Op::Bin(BinOp::Add)),
        Tok::Minus => (4, Op::Bin(BinOp::Sub)),
        Tok::Mul => (5, Op::Bin(BinOp::Mul)),
        Tok::Div => (5, Op::Bin(BinOp::Div)),
        Tok::Mod => (5, Op::Bin(BinOp::Mod)),
        _ => return None,
    })
}

fn descendant_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: NodeTest::AnyNode,
        preds: Vec::new(),
    }
}

/// Rewrite `descendant-or-self::node()/child::T[p]` to `descendant::T[p]` where `p` does not
/// depend on position, so `//x` walks the tree once.
fn optimize(steps: Vec<Step>) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::with_capacity(steps.len());
    for step in steps {
        if step.axis == Axis::Child
            && !step.preds.iter().any(Expr::is_positional)
            && out.last().is_some_and(|prev| {
                prev.axis == Axis::DescendantOrSelf
                    && prev.test == NodeTest::AnyNode
                    && prev.preds.is_empty()
            })
        {
            out.pop();
            out.push(Step {
                axis: Axis::Descendant,
                ..step
            });
        } else {
            out.push(step);
        }
    }
    out
}
