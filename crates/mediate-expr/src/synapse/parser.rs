//! Recursive-descent parser producing the AST (see the grammar in the module docs).

use super::ast::{BinOp, FilterPart, Kind, Node, Path, PathFunc, Root, Seg};
use super::env::{ParamKind, PropertyScope};
use super::error::{ExprError, ExprErrorKind};
use super::eval::render_static_path;
use super::functions::{Func, compile_regex};
use super::lexer::{Lexer, Tok, Token, column_of};
use super::value::ExprValue;

/// Deepest syntactic nesting accepted (parentheses, calls, brackets, unary operators); keeps
/// the recursive-descent parser within ~1 MiB of stack even in debug builds.
pub(crate) const MAX_DEPTH: usize = 40;

/// Deepest expression tree accepted (long `a + b + …` chains count one level per operator);
/// keeps the recursive evaluator within a small stack.
pub(crate) const MAX_TREE_DEPTH: usize = 256;

const ROOTS: &[&str] = &[
    "payload",
    "vars",
    "var",
    "headers",
    "properties",
    "props",
    "params",
    "configs",
    "config",
];

pub(crate) struct Parser<'a> {
    src: &'a str,
    lx: Lexer<'a>,
    peeked: Option<Token>,
    last_end: usize,
    depth: usize,
}

/// Nesting depth of a node (cheap: children only through `depth_of`).
fn depth_of(n: &Node) -> usize {
    fn d(k: &Kind) -> usize {
        match k {
            Kind::Lit(_)
            | Kind::Header(_)
            | Kind::Property(..)
            | Kind::Param(..)
            | Kind::Config(_) => 1,
            Kind::ArrayLit(v) => 1 + v.iter().map(depth_of).max().unwrap_or(0),
            Kind::Access { root, path } => {
                let r = match root {
                    Root::Call(c) => depth_of(c),
                    _ => 0,
                };
                let p = path
                    .segs
                    .iter()
                    .map(|s| match s {
                        Seg::Dyn(n) => depth_of(n),
                        Seg::Union(v) => v.iter().map(depth_of).max().unwrap_or(0),
                        Seg::Slice(a, b, c) => [a, b, c]
                            .iter()
                            .filter_map(|x| x.as_deref().map(depth_of))
                            .max()
                            .unwrap_or(0),
                        Seg::Filter(parts) => parts
                            .iter()
                            .map(|p| match p {
                                FilterPart::Expr(n) => depth_of(n),
                                FilterPart::Text(_) => 0,
                            })
                            .max()
                            .unwrap_or(0),
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0);
                1 + r.max(p)
            }
            Kind::Neg(a) | Kind::Not(a) => 1 + depth_of(a),
            Kind::Bin(_, a, b) => 1 + depth_of(a).max(depth_of(b)),
            Kind::Cond(a, b, c) => 1 + depth_of(a).max(depth_of(b)).max(depth_of(c)),
            Kind::Call { args, .. } => 1 + args.iter().map(depth_of).max().unwrap_or(0),
        }
    }
    d(&n.kind)
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, start: usize, end: usize) -> Self {
        Parser {
            src,
            lx: Lexer::new(src, start, end),
            peeked: None,
            last_end: start,
            depth: 0,
        }
    }

    /// Parses `src[start..end]` as one whole expression.
    pub(crate) fn parse_all(src: &'a str, start: usize, end: usize) -> Result<Node, ExprError> {
        let mut p = Parser::new(src, start, end);
        if p.peek()?.tok == Tok::Eof {
            return Err(p.err_at(start, "empty expression"));
        }
        let n = p.parse_expr()?;
        let t = p.peek()?.clone();
        if t.tok != Tok::Eof {
            return Err(p.err_at(
                t.start,
                format!(
                    "unexpected {} after the end of the expression",
                    t.tok.describe()
                ),
            ));
        }
        Ok(n)
    }

    fn col(&self, byte: usize) -> usize {
        column_of(self.src, byte)
    }

    fn err_at(&self, byte: usize, msg: impl Into<String>) -> ExprError {
        ExprError::at(ExprErrorKind::Syntax, self.col(byte), msg)
    }

    fn peek(&mut self) -> Result<&Token, ExprError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lx.next_token()?);
        }
        match &self.peeked {
            Some(t) => Ok(t),
            None => Err(self.err_at(self.lx.pos, "internal lexer state")),
        }
    }

    fn bump(&mut self) -> Result<Token, ExprError> {
        let t = match self.peeked.take() {
            Some(t) => t,
            None => self.lx.next_token()?,
        };
        self.last_end = t.end;
        Ok(t)
    }

    fn at(&mut self, tok: &Tok) -> Result<bool, ExprError> {
        Ok(&self.peek()?.tok == tok)
    }

    fn expect(&mut self, tok: Tok, context: &str) -> Result<Token, ExprError> {
        let t = self.peek()?.clone();
        if t.tok == tok {
            return self.bump();
        }
        let want = match &tok {
            Tok::RParen => "')'",
            Tok::RBracket => "']'",
            Tok::Colon => "':'",
            Tok::LParen => "'('",
            _ => "token",
        };
        Err(self.err_at(
            t.start,
            format!("expected {want} {context}, found {}", t.tok.describe()),
        ))
    }

    fn node(&self, kind: Kind, byte: usize) -> Result<Node, ExprError> {
        let n = Node {
            kind,
            col: self.col(byte),
        };
        if depth_of(&n) > MAX_TREE_DEPTH {
            return Err(self.err_at(
                byte,
                format!("expression nested too deeply (limit {MAX_TREE_DEPTH} levels)"),
            ));
        }
        Ok(n)
    }

    fn enter(&mut self, byte: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(
                byte,
                format!(
                    "expression nested too deeply (limit {MAX_DEPTH} levels of brackets/calls)"
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    pub(crate) fn parse_expr(&mut self) -> Result<Node, ExprError> {
        let start = self.peek()?.start;
        self.enter(start)?;
        let r = self.parse_ternary();
        self.leave();
        r
    }

    fn parse_ternary(&mut self) -> Result<Node, ExprError> {
        let start = self.peek()?.start;
        let c = self.parse_bin(1)?;
        if self.at(&Tok::Question)? {
            self.bump()?;
            let t = self.parse_expr()?;
            self.expect(Tok::Colon, "in conditional expression 'condition ? a : b'")?;
            let f = self.parse_expr()?;
            return self.node(Kind::Cond(Box::new(c), Box::new(t), Box::new(f)), start);
        }
        Ok(c)
    }

    /// The binary operator at the cursor and its precedence (higher binds tighter).
    fn bin_op(&mut self) -> Result<Option<(BinOp, u8)>, ExprError> {
        Ok(Some(match &self.peek()?.tok {
            Tok::OrOr => (BinOp::Or, 1),
            Tok::Ident(w) if w == "or" => (BinOp::Or, 1),
            Tok::AndAnd => (BinOp::And, 2),
            Tok::Ident(w) if w == "and" => (BinOp::And, 2),
            Tok::EqEq => (BinOp::Eq, 3),
            Tok::NotEq => (BinOp::Ne, 3),
            Tok::Lt => (BinOp::Lt, 3),
            Tok::Le => (BinOp::Le, 3),
            Tok::Gt => (BinOp::Gt, 3),
            Tok::Ge => (BinOp::Ge, 3),
            Tok::Plus => (BinOp::Add, 4),
            Tok::Minus => (BinOp::Sub, 4),
            Tok::Star => (BinOp::Mul, 5),
            Tok::Slash => (BinOp::Div, 5),
            Tok::Percent => (BinOp::Mod, 5),
            _ => return Ok(None),
        }))
    }

    /// Precedence climbing; all binary operators are left-associative.
    fn parse_bin(&mut self, min_prec: u8) -> Result<Node, ExprError> {
        let mut l = self.parse_unary()?;
        while let Some((op, prec)) = self.bin_op()? {
            if prec < min_prec {
                break;
            }
            // A failing operation is reported at its operator.
            let op_start = self.peek()?.start;
            self.bump()?;
            let r = self.parse_bin(prec + 1)?;
            l = self.node(Kind::Bin(op, Box::new(l), Box::new(r)), op_start)?;
        }
        Ok(l)
    }

    fn parse_unary(&mut self) -> Result<Node, ExprError> {
        let t = self.peek()?.clone();
        match t.tok {
            Tok::Minus => {
                self.bump()?;
                self.enter(t.start)?;
                let operand = self.parse_unary();
                self.leave();
                let operand = operand?;
                match operand.kind {
                    Kind::Lit(ExprValue::Int(i)) => {
                        self.node(Kind::Lit(ExprValue::Int(i.wrapping_neg())), t.start)
                    }
                    Kind::Lit(ExprValue::Double(d)) => {
                        self.node(Kind::Lit(ExprValue::Double(-d)), t.start)
                    }
                    _ => self.node(Kind::Neg(Box::new(operand)), t.start),
                }
            }
            Tok::Bang => {
                self.bump()?;
                self.enter(t.start)?;
                let operand = self.parse_unary();
                self.leave();
                let operand = operand?;
                self.node(Kind::Not(Box::new(operand)), t.start)
            }
            _ => self.parse_primary(),
        }
    }

    fn number(&self, text: &str, at: usize) -> Result<ExprValue, ExprError> {
        if !text.contains('.')
            && let Ok(i) = text.parse::<i64>()
        {
            return Ok(ExprValue::Int(i));
        }
        text.parse::<f64>()
            .map(ExprValue::Double)
            .map_err(|_| self.err_at(at, format!("invalid number {text}")))
    }

    fn parse_primary(&mut self) -> Result<Node, ExprError> {
        let t = self.bump()?;
        match t.tok {
            Tok::LParen => self.parse_paren(),
            Tok::LBracket => self.parse_array_literal(t.start),
            Tok::Dollar => self.parse_payload_root(t.start),
            Tok::Ident(name) => self.parse_ident(name, t.start),
            _ => self.primary_leaf(t),
        }
    }

    fn parse_paren(&mut self) -> Result<Node, ExprError> {
        let e = self.parse_expr()?;
        self.expect(Tok::RParen, "to close '('")?;
        Ok(e)
    }

    fn parse_array_literal(&mut self, start: usize) -> Result<Node, ExprError> {
        let mut items = Vec::new();
        if !self.at(&Tok::RBracket)? {
            loop {
                items.push(self.parse_expr()?);
                if !self.at(&Tok::Comma)? {
                    break;
                }
                self.bump()?;
            }
        }
        self.expect(Tok::RBracket, "to close the array literal")?;
        self.node(Kind::ArrayLit(items), start)
    }

    fn parse_payload_root(&mut self, start: usize) -> Result<Node, ExprError> {
        let path = Box::new(self.parse_path()?);
        self.node(
            Kind::Access {
                root: Root::Payload,
                path,
            },
            start,
        )
    }

    /// Non-recursive primaries: numbers, strings, and errors.
    fn primary_leaf(&mut self, t: Token) -> Result<Node, ExprError> {
        match t.tok {
            Tok::Num(ref s) => {
                let v = self.number(s, t.start)?;
                self.node(Kind::Lit(v), t.start)
            }
            Tok::Str(s) => self.node(Kind::Lit(ExprValue::String(s)), t.start),
            Tok::Eof => Err(self.err_at(t.start, "unexpected end of expression, expected a value")),
            other => Err(self.err_at(
                t.start,
                format!("unexpected {}, expected a value", other.describe()),
            )),
        }
    }

    fn parse_ident(&mut self, name: String, start: usize) -> Result<Node, ExprError> {
        if self.at(&Tok::LParen)? {
            return self.parse_call(name, start);
        }
        self.parse_named(name, start)
    }

    /// Literals `true`/`false`/`null` and the access roots.
    fn parse_named(&mut self, name: String, start: usize) -> Result<Node, ExprError> {
        match name.as_str() {
            "true" => self.node(Kind::Lit(ExprValue::Bool(true)), start),
            "false" => self.node(Kind::Lit(ExprValue::Bool(false)), start),
            "null" => self.node(Kind::Lit(ExprValue::Null), start),
            "payload" => {
                let path = self.parse_path()?;
                self.node(
                    Kind::Access {
                        root: Root::Payload,
                        path: Box::new(path),
                    },
                    start,
                )
            }
            "vars" | "var" => {
                let var = self.parse_name("after 'vars'")?;
                let path = self.parse_path()?;
                self.node(
                    Kind::Access {
                        root: Root::Var(var),
                        path: Box::new(path),
                    },
                    start,
                )
            }
            "headers" => {
                let h = self.parse_name("after 'headers'")?;
                self.node(Kind::Header(h), start)
            }
            "configs" | "config" => {
                let c = self.parse_name("after 'configs'")?;
                self.node(Kind::Config(c), start)
            }
            "properties" | "props" => {
                let t = self.peek()?.clone();
                let scope = self.parse_name(&format!("after '{name}'"))?;
                let scope = match scope.as_str() {
                    "synapse" => PropertyScope::Synapse,
                    "axis2" => PropertyScope::Axis2,
                    other => {
                        return Err(self.err_at(
                            t.start,
                            format!(
                                "unknown property scope '{other}', expected 'synapse' or 'axis2'"
                            ),
                        ));
                    }
                };
                let p = self.parse_name(&format!("after '{name}.{}'", scope_name(scope)))?;
                self.node(Kind::Property(scope, p), start)
            }
            "params" => {
                let t = self.peek()?.clone();
                let kind = self.parse_name("after 'params'")?;
                let kind = match kind.as_str() {
                    "pathParams" | "uriParams" => ParamKind::Path,
                    "queryParams" => ParamKind::Query,
                    "functionParams" => ParamKind::Function,
                    other => {
                        return Err(self.err_at(
                            t.start,
                            format!(
                                "unknown parameter kind '{other}', expected 'pathParams', 'queryParams' or 'functionParams'"
                            ),
                        ));
                    }
                };
                let p = self.parse_name("after the parameter kind")?;
                self.node(Kind::Param(kind, p), start)
            }
            other => {
                let mut msg = format!(
                    "unknown identifier '{other}': expected payload, $, vars, headers, properties, params, configs, a literal or a function call"
                );
                if Func::lookup(other).is_some() {
                    msg = format!("expected '(' after function name '{other}'");
                }
                Err(self.err_at(start, msg))
            }
        }
    }

    /// `.name`, `.'name'`, `["name"]` or `.["name"]`.
    fn parse_name(&mut self, context: &str) -> Result<String, ExprError> {
        let t = self.peek()?.clone();
        match t.tok {
            Tok::Dot => {
                self.bump()?;
                let n = self.bump()?;
                match n.tok {
                    Tok::Ident(s) | Tok::Str(s) => Ok(s),
                    Tok::LBracket => self.bracket_name(n.start, context),
                    other => Err(self.err_at(
                        n.start,
                        format!("expected a name {context}, found {}", other.describe()),
                    )),
                }
            }
            Tok::LBracket => {
                self.bump()?;
                self.bracket_name(t.start, context)
            }
            other => Err(self.err_at(
                t.start,
                format!(
                    "expected '.name' or '[\"name\"]' {context}, found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn bracket_name(&mut self, at: usize, context: &str) -> Result<String, ExprError> {
        let n = self.bump()?;
        let Tok::Str(s) = n.tok else {
            return Err(self.err_at(
                n.start.max(at),
                format!("expected a quoted name in brackets {context}"),
            ));
        };
        self.expect(Tok::RBracket, "after the quoted name")?;
        Ok(s)
    }

    fn parse_call(&mut self, name: String, start: usize) -> Result<Node, ExprError> {
        let Some((func, min, max)) = Func::lookup(&name) else {
            return Err(self.unknown_function(&name, start));
        };
        self.bump()?; // (
        let args = self.parse_args()?;
        self.finish_call(&name, func, (min, max), args, start)
    }

    fn unknown_function(&self, name: &str, start: usize) -> ExprError {
        let msg = match Func::suggest(name) {
            Some(s) => format!("unknown function '{name}' (did you mean '{s}'?)"),
            None => format!("unknown function '{name}'"),
        };
        ExprError::at(ExprErrorKind::UnknownFunction, self.col(start), msg)
    }

    fn parse_args(&mut self) -> Result<Vec<Node>, ExprError> {
        let mut args = Vec::new();
        if !self.at(&Tok::RParen)? {
            loop {
                args.push(self.parse_expr()?);
                if !self.at(&Tok::Comma)? {
                    break;
                }
                self.bump()?;
            }
        }
        Ok(args)
    }

    /// After the arguments: `)`, arity, `.property(…)`, literal regex, path suffix.
    fn finish_call(
        &mut self,
        name: &str,
        mut func: Func,
        (min, max): (usize, usize),
        mut args: Vec<Node>,
        start: usize,
    ) -> Result<Node, ExprError> {
        self.expect(Tok::RParen, &format!("or ',' in the arguments of '{name}'"))?;
        if args.len() < min || args.len() > max {
            let want = if min == max {
                format!("{min} argument{}", if min == 1 { "" } else { "s" })
            } else {
                format!("{min} to {max} arguments")
            };
            return Err(ExprError::at(
                ExprErrorKind::Arity,
                self.col(start),
                format!("function '{name}' takes {want}, got {}", args.len()),
            ));
        }
        // registry(key).property(name)
        if func == Func::Registry && self.at(&Tok::Dot)? {
            let save = (self.lx.pos, self.peeked.clone(), self.last_end);
            self.bump()?;
            let is_prop = matches!(&self.peek()?.tok, Tok::Ident(s) if s == "property");
            if is_prop {
                self.bump()?;
                self.expect(Tok::LParen, "after 'property'")?;
                let p = self.parse_expr()?;
                self.expect(Tok::RParen, "after the property name")?;
                args.push(p);
                func = Func::RegistryProperty;
            } else {
                self.lx.pos = save.0;
                self.peeked = save.1;
                self.last_end = save.2;
            }
        }
        let regex = match (func, args.get(1)) {
            (
                Func::Split,
                Some(Node {
                    kind: Kind::Lit(ExprValue::String(re)),
                    col,
                }),
            ) => {
                Some(Box::new(compile_regex(re).map_err(|m| {
                    ExprError::at(ExprErrorKind::Syntax, *col, m)
                })?))
            }
            _ => None,
        };
        let call = self.node(Kind::Call { func, args, regex }, start)?;
        if matches!(self.peek()?.tok, Tok::Dot | Tok::DotDot | Tok::LBracket) {
            let path = self.parse_path()?;
            return self.node(
                Kind::Access {
                    root: Root::Call(Box::new(call)),
                    path: Box::new(path),
                },
                start,
            );
        }
        Ok(call)
    }

    fn parse_path(&mut self) -> Result<Path, ExprError> {
        let path_start = self.peek()?.start;
        let mut segs = Vec::new();
        let mut func = None;
        while let Some(seg) = self.parse_segment(&mut func)? {
            segs.push(seg);
        }
        if func.is_some() {
            let t = self.peek()?;
            if matches!(t.tok, Tok::Dot | Tok::DotDot | Tok::LBracket) {
                let at = t.start;
                return Err(
                    self.err_at(at, "a JSONPath function such as length() must end the path")
                );
            }
        }
        self.finish_path(segs, func, path_start)
    }

    /// One path segment, or `None` at the end of the path (after a trailing `.length()`, `func`
    /// is set and the path must end).
    fn parse_segment(&mut self, func: &mut Option<PathFunc>) -> Result<Option<Seg>, ExprError> {
        let (tok_kind, start) = {
            let t = self.peek()?;
            (
                match t.tok {
                    Tok::Dot => 1u8,
                    Tok::DotDot => 2,
                    Tok::LBracket => 3,
                    _ => 0,
                },
                t.start,
            )
        };
        if tok_kind == 0 {
            return Ok(None);
        }
        self.bump()?;
        match tok_kind {
            3 => Ok(Some(self.parse_bracket(start)?)),
            1 => {
                let n = self.bump()?;
                if let Tok::LBracket = n.tok {
                    return Ok(Some(self.parse_bracket(n.start)?));
                }
                self.dot_segment(n, func)
            }
            _ => {
                let n = self.bump()?;
                match n.tok {
                    Tok::Ident(name) | Tok::Str(name) => Ok(Some(Seg::DeepMember(name))),
                    Tok::Star => Ok(Some(Seg::DeepWildcard)),
                    other => Err(self.err_at(
                        n.start,
                        format!(
                            "expected a name or '*' after '..', found {}",
                            other.describe()
                        ),
                    )),
                }
            }
        }
    }

    /// The token after `.` (not `[`).
    fn dot_segment(
        &mut self,
        n: Token,
        func: &mut Option<PathFunc>,
    ) -> Result<Option<Seg>, ExprError> {
        match n.tok {
            Tok::Ident(name) => {
                if let Some(pf) = PathFunc::from_name(&name)
                    && self.at(&Tok::LParen)?
                {
                    self.bump()?;
                    self.expect(Tok::RParen, &format!("after '{name}('"))?;
                    *func = Some(pf);
                    return Ok(None);
                }
                Ok(Some(Seg::Member(name)))
            }
            Tok::Str(s) => Ok(Some(Seg::Member(s))),
            Tok::Star => Ok(Some(Seg::Wildcard)),
            other => Err(self.err_at(
                n.start,
                format!("expected a name after '.', found {}", other.describe()),
            )),
        }
    }

    fn finish_path(
        &self,
        segs: Vec<Seg>,
        func: Option<PathFunc>,
        path_start: usize,
    ) -> Result<Path, ExprError> {
        let definite = segs.iter().all(Seg::is_definite);
        let stream = if func.is_none() {
            segs.iter()
                .map(|s| match s {
                    Seg::Member(m) => Some(crate::jsonpath::PathStep::Name(m.clone())),
                    Seg::Index(i) => usize::try_from(*i)
                        .ok()
                        .map(crate::jsonpath::PathStep::Index),
                    _ => None,
                })
                .collect()
        } else {
            None
        };
        let mut path = Path {
            segs,
            func,
            definite,
            compiled: None,
            stream,
        };
        if !definite && let Some(text) = render_static_path(&path) {
            let jp = serde_json_path::JsonPath::parse(&text)
                .map_err(|e| self.err_at(path_start, format!("invalid JSONPath '{text}': {e}")))?;
            path.compiled = Some(jp);
        }
        Ok(path)
    }

    /// After `[`.
    fn parse_bracket(&mut self, open: usize) -> Result<Seg, ExprError> {
        self.enter(open)?;
        let r = self.parse_bracket_inner(open);
        self.leave();
        r
    }

    fn parse_bracket_inner(&mut self, open: usize) -> Result<Seg, ExprError> {
        let t = self.peek()?.clone();
        match t.tok {
            Tok::Question => return self.parse_filter(t.start),
            Tok::Star => {
                self.bump()?;
                self.expect(Tok::RBracket, "after '[*'")?;
                return Ok(Seg::Wildcard);
            }
            Tok::Colon => return self.parse_slice(None),
            Tok::RBracket => return Err(self.err_at(t.start, "empty brackets '[]'")),
            _ => {}
        }
        let first = self.parse_expr()?;
        let t = self.peek()?.clone();
        match t.tok {
            Tok::RBracket => {
                self.bump()?;
                Ok(match first.kind {
                    Kind::Lit(ExprValue::String(s)) => Seg::Member(s),
                    Kind::Lit(ExprValue::Int(i)) => Seg::Index(i),
                    _ => Seg::Dyn(Box::new(first)),
                })
            }
            Tok::Comma => {
                let mut items = vec![first];
                while self.at(&Tok::Comma)? {
                    self.bump()?;
                    items.push(self.parse_expr()?);
                }
                self.expect(Tok::RBracket, "to close the index list")?;
                Ok(Seg::Union(items))
            }
            Tok::Colon => self.parse_slice(Some(first)),
            other => Err(self.err_at(
                t.start.max(open),
                format!("expected ']' to close '[', found {}", other.describe()),
            )),
        }
    }

    /// At the first `:` of a slice.
    fn parse_slice(&mut self, start: Option<Node>) -> Result<Seg, ExprError> {
        self.expect(Tok::Colon, "in slice")?;
        let end = if matches!(self.peek()?.tok, Tok::Colon | Tok::RBracket) {
            None
        } else {
            Some(Box::new(self.parse_expr()?))
        };
        let step = if self.at(&Tok::Colon)? {
            self.bump()?;
            if self.at(&Tok::RBracket)? {
                None
            } else {
                Some(Box::new(self.parse_expr()?))
            }
        } else {
            None
        };
        self.expect(Tok::RBracket, "to close the slice")?;
        Ok(Seg::Slice(start.map(Box::new), end, step))
    }

    /// At `?` inside `[`: the raw filter up to the matching `]`, with embedded Synapse
    /// accesses (`vars.x`, `headers.h`, `payload.a`…) parsed out.
    fn parse_filter(&mut self, q: usize) -> Result<Seg, ExprError> {
        let bytes = self.src.as_bytes();
        let end_limit = self.lx.end;
        let mut i = q + 1;
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        let close = loop {
            if i >= end_limit {
                return Err(self.err_at(q, "unterminated filter expression, expected ']'"));
            }
            let c = bytes[i];
            if let Some(qc) = quote {
                if c == b'\\' {
                    i += 1;
                } else if c == qc {
                    quote = None;
                }
            } else {
                match c {
                    b'\'' | b'"' => quote = Some(c),
                    b'[' | b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    b']' if depth == 0 => break i,
                    b']' => depth -= 1,
                    _ => {}
                }
            }
            i += 1;
        };
        // find embedded accesses
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut j = q + 1;
        let mut quote: Option<u8> = None;
        while j < close {
            let c = bytes[j];
            if let Some(qc) = quote {
                if c == b'\\' && j + 1 < close {
                    let next_len = self.src[j + 1..].chars().next().map_or(1, char::len_utf8);
                    text.push_str(&self.src[j..j + 1 + next_len]);
                    j += 1 + next_len;
                    continue;
                }
                if c == qc {
                    quote = None;
                }
            } else if c == b'\'' || c == b'"' {
                quote = Some(c);
            } else if (c.is_ascii_alphabetic() || c == b'_')
                && (j == q + 1 || {
                    let p = bytes[j - 1];
                    !(p.is_ascii_alphanumeric() || matches!(p, b'_' | b'.' | b'@' | b'$'))
                })
            {
                let mut k = j;
                while k < close && (bytes[k].is_ascii_alphanumeric() || bytes[k] == b'_') {
                    k += 1;
                }
                let word = &self.src[j..k];
                if ROOTS.contains(&word) && k < close && matches!(bytes[k], b'.' | b'[') {
                    let mut sub = Parser::new(self.src, j, close);
                    sub.depth = self.depth + 1;
                    let n = sub.parse_primary()?;
                    if !text.is_empty() {
                        parts.push(FilterPart::Text(std::mem::take(&mut text)));
                    }
                    parts.push(FilterPart::Expr(n));
                    j = sub.last_end;
                    continue;
                }
                text.push_str(word);
                j = k;
                continue;
            }
            let ch_len = self.src[j..].chars().next().map_or(1, char::len_utf8);
            text.push_str(&self.src[j..j + ch_len]);
            j += ch_len;
        }
        if !text.is_empty() {
            parts.push(FilterPart::Text(text));
        }
        self.lx.pos = close + 1;
        self.peeked = None;
        self.last_end = close + 1;
        Ok(Seg::Filter(parts))
    }
}

fn scope_name(s: PropertyScope) -> &'static str {
    match s {
        PropertyScope::Synapse => "synapse",
        PropertyScope::Axis2 => "axis2",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Node, ExprError> {
        Parser::parse_all(s, 0, s.len())
    }

    #[test]
    fn precedence_is_conventional() {
        let n = parse("1 + 2 * 3 > 6 && true || false").unwrap();
        let Kind::Bin(BinOp::Or, l, _) = n.kind else {
            panic!("or at top")
        };
        let Kind::Bin(BinOp::And, l, _) = l.kind else {
            panic!("and below or")
        };
        let Kind::Bin(BinOp::Gt, l, _) = l.kind else {
            panic!("> below and")
        };
        let Kind::Bin(BinOp::Add, _, r) = l.kind else {
            panic!("+ below >")
        };
        assert!(matches!(r.kind, Kind::Bin(BinOp::Mul, ..)));
    }

    #[test]
    fn left_associative() {
        let n = parse("8 - 4 - 2").unwrap();
        let Kind::Bin(BinOp::Sub, l, r) = n.kind else {
            panic!()
        };
        assert!(matches!(l.kind, Kind::Bin(BinOp::Sub, ..)));
        assert!(matches!(r.kind, Kind::Lit(ExprValue::Int(2))));
    }

    #[test]
    fn filter_embeds_synapse_accesses() {
        let n = parse("payload.users[?(@.age >= vars.minAge && @.name == 'vars.x')]").unwrap();
        let Kind::Access { path, .. } = n.kind else {
            panic!()
        };
        let Seg::Filter(parts) = &path.segs[1] else {
            panic!()
        };
        assert_eq!(parts.len(), 3);
        assert!(matches!(&parts[0], FilterPart::Text(t) if t == "(@.age >= "));
        assert!(matches!(&parts[1], FilterPart::Expr(_)));
        assert!(matches!(&parts[2], FilterPart::Text(t) if t == " && @.name == 'vars.x')"));
        assert!(!path.definite && path.compiled.is_none());
        let n = parse("payload.users[?(@.age >= 18)]").unwrap();
        let Kind::Access { path, .. } = n.kind else {
            panic!()
        };
        assert!(path.compiled.is_some());
    }

    #[test]
    fn bracket_forms() {
        let n = parse("payload['a'][0][-1][1:2][*][0,1]..b.length()").unwrap();
        let Kind::Access { path, .. } = n.kind else {
            panic!()
        };
        assert_eq!(path.segs.len(), 7);
        assert_eq!(path.func, Some(PathFunc::Length));
        assert!(parse("payload.a.length().b").is_err());
        assert!(parse("payload[]").is_err());
    }
}
