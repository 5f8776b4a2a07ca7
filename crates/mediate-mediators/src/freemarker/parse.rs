//! Lexing and parsing of templates: the template text is split into tokens (text,
//! interpolations, directive tags, comments), FreeMarker's white-space stripping is applied
//! to lines holding only tags, then the tokens are built into an element tree.

use super::ast::{
    Arg, AssignOp, BinOp, Builtin, Element, Expr, ExprKind, ListDirective, RangeKind, StrPart,
};

/// A parse error at a byte offset of the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

type PResult<T> = Result<T, ParseError>;

fn err<T>(offset: usize, message: impl Into<String>) -> PResult<T> {
    Err(ParseError {
        offset,
        message: message.into(),
    })
}

/// The directive of a tag token, with its parsed parameters.
#[derive(Debug, Clone)]
pub(crate) enum Directive {
    If(Expr),
    ElseIf(Expr),
    Else,
    List {
        seq: Expr,
        var: Box<str>,
        value_var: Option<Box<str>>,
    },
    Sep,
    Assign(Vec<(Box<str>, AssignOp, Expr)>),
    AssignCapture(Box<str>),
    Switch(Expr),
    Case(Vec<Expr>),
    Default,
    Break,
    Continue,
    Ftl,
}

impl Directive {
    fn name(&self) -> &'static str {
        match self {
            Self::If(_) => "if",
            Self::ElseIf(_) => "elseif",
            Self::Else => "else",
            Self::List { .. } => "list",
            Self::Sep => "sep",
            Self::Assign(_) | Self::AssignCapture(_) => "assign",
            Self::Switch(_) => "switch",
            Self::Case(_) => "case",
            Self::Default => "default",
            Self::Break => "break",
            Self::Continue => "continue",
            Self::Ftl => "ftl",
        }
    }
}

/// One lexical token of the template text.
#[derive(Debug, Clone)]
pub(crate) enum TokKind {
    Text,
    Interp(Expr),
    Open(Directive),
    Close(Box<str>),
    Comment,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) kind: TokKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

const DIRECTIVES: &[&str] = &[
    "if", "elseif", "else", "list", "sep", "assign", "global", "local", "switch", "case",
    "default", "break", "continue", "ftl", "noparse",
];

/// Parses a whole template into its element tree.
pub(crate) fn parse_template(src: &str) -> PResult<Vec<Element>> {
    let mut tokens = tokenize(src)?;
    strip_whitespace(src, &mut tokens);
    let mut builder = TreeBuilder {
        src,
        tokens,
        pos: 0,
        nest: 0,
    };
    let (elements, end) = builder.block(&[])?;
    match end {
        None => Ok(elements),
        Some(t) => err(t.start, "unexpected end tag"),
    }
}

/// Splits the template into tokens.
pub(crate) fn tokenize(src: &str) -> PResult<Vec<Token>> {
    let mut tokens = Vec::new();
    let bytes = src.as_bytes();
    let mut pos = 0;
    let mut text_start = 0;
    let flush = |tokens: &mut Vec<Token>, from: usize, to: usize| {
        if to > from {
            tokens.push(Token {
                kind: TokKind::Text,
                start: from,
                end: to,
            });
        }
    };
    while pos < bytes.len() {
        let rest = &src[pos..];
        if rest.starts_with("${") {
            flush(&mut tokens, text_start, pos);
            let mut p = ExprParser::new(src, pos + 2, Mode::Interp);
            let expr = p.expr()?;
            p.skip_ws();
            if !p.eat("}") {
                return p.unexpected("`}` to close the interpolation");
            }
            tokens.push(Token {
                kind: TokKind::Interp(expr),
                start: pos,
                end: p.pos,
            });
            pos = p.pos;
            text_start = pos;
        } else if let Some(comment) = rest.strip_prefix("<#--") {
            flush(&mut tokens, text_start, pos);
            let Some(close) = comment.find("-->") else {
                return err(pos, "unclosed comment: `<#--` without `-->`");
            };
            let end = pos + 4 + close + 3;
            tokens.push(Token {
                kind: TokKind::Comment,
                start: pos,
                end,
            });
            pos = end;
            text_start = pos;
        } else if rest.starts_with("</#") {
            flush(&mut tokens, text_start, pos);
            let name_start = pos + 3;
            let name_end = name_start + ident_len(&src[name_start..]);
            let name = &src[name_start..name_end];
            if !DIRECTIVES.contains(&name) {
                return err(pos, format!("unknown directive: #{name}"));
            }
            let mut p = ExprParser::new(src, name_end, Mode::Tag);
            p.skip_ws();
            if !p.eat(">") {
                return p.unexpected(&format!("`>` to close `</#{name}`"));
            }
            let name = match name {
                "global" | "local" => "assign",
                n => n,
            };
            tokens.push(Token {
                kind: TokKind::Close(name.into()),
                start: pos,
                end: p.pos,
            });
            pos = p.pos;
            text_start = pos;
        } else if rest.starts_with("<#") {
            flush(&mut tokens, text_start, pos);
            let name_start = pos + 2;
            let name_end = name_start + ident_len(&src[name_start..]);
            let name = &src[name_start..name_end];
            if name == "noparse" {
                let mut p = ExprParser::new(src, name_end, Mode::Tag);
                p.skip_ws();
                if !p.eat(">") {
                    return p.unexpected("`>` to close `<#noparse`");
                }
                let Some(close) = src[p.pos..].find("</#noparse>") else {
                    return err(pos, "unclosed <#noparse>: no `</#noparse>`");
                };
                tokens.push(Token {
                    kind: TokKind::Comment,
                    start: pos,
                    end: p.pos,
                });
                let body_end = p.pos + close;
                flush(&mut tokens, p.pos, body_end);
                tokens.push(Token {
                    kind: TokKind::Comment,
                    start: body_end,
                    end: body_end + "</#noparse>".len(),
                });
                pos = body_end + "</#noparse>".len();
                text_start = pos;
                continue;
            }
            let (directive, end) = directive_tag(src, pos, name, name_end)?;
            tokens.push(Token {
                kind: TokKind::Open(directive),
                start: pos,
                end,
            });
            pos = end;
            text_start = pos;
        } else if rest.starts_with("<@") || rest.starts_with("</@") {
            return err(
                pos,
                "user-defined directives (`<@…>`, macros) are not supported by mediate's FreeMarker subset",
            );
        } else {
            pos += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    flush(&mut tokens, text_start, bytes.len());
    Ok(tokens)
}

/// Length in bytes of a directive name at the start of `s`.
fn ident_len(s: &str) -> usize {
    s.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count()
}

/// Parses the parameters of a start tag `<#name …>`; returns the directive and the end offset.
fn directive_tag(
    src: &str,
    tag_start: usize,
    name: &str,
    name_end: usize,
) -> PResult<(Directive, usize)> {
    let mut p = ExprParser::new(src, name_end, Mode::Tag);
    let directive = match name {
        "if" | "elseif" => {
            p.require_ws(name)?;
            let e = p.expr()?;
            if name == "if" {
                Directive::If(e)
            } else {
                Directive::ElseIf(e)
            }
        }
        "switch" => {
            p.require_ws(name)?;
            Directive::Switch(p.expr()?)
        }
        "case" => {
            p.require_ws(name)?;
            let mut values = vec![p.expr()?];
            loop {
                p.skip_ws();
                if !p.eat(",") {
                    break;
                }
                values.push(p.expr()?);
            }
            Directive::Case(values)
        }
        "list" => {
            p.require_ws(name)?;
            let seq = p.expr()?;
            p.skip_ws();
            if !p.eat_keyword("as") {
                return p.unexpected("`as` in `<#list seq as item>`");
            }
            p.skip_ws();
            let var = p.ident()?;
            p.skip_ws();
            let value_var = if p.eat(",") {
                p.skip_ws();
                Some(p.ident()?)
            } else {
                None
            };
            Directive::List {
                seq,
                var,
                value_var,
            }
        }
        "assign" | "global" | "local" => {
            p.require_ws(name)?;
            let mut assigns = Vec::new();
            loop {
                p.skip_ws();
                if p.at_tag_end() {
                    break;
                }
                let target = if p.peek() == Some('"') || p.peek() == Some('\'') {
                    let s = p.expr()?;
                    match s.kind {
                        ExprKind::Str(s) => s,
                        _ => return err(s.start, "the assigned name must be a plain string"),
                    }
                } else {
                    p.ident()?
                };
                p.skip_ws();
                let op = if p.eat("++") {
                    AssignOp::Inc
                } else if p.eat("--") {
                    AssignOp::Dec
                } else if p.eat("+=") {
                    AssignOp::Add
                } else if p.eat("-=") {
                    AssignOp::Sub
                } else if p.eat("*=") {
                    AssignOp::Mul
                } else if p.eat("/=") {
                    AssignOp::Div
                } else if p.eat("%=") {
                    AssignOp::Rem
                } else if p.eat("=") {
                    AssignOp::Set
                } else if assigns.is_empty() && p.at_tag_end() {
                    let end = p.finish_tag(name)?;
                    return Ok((Directive::AssignCapture(target), end));
                } else {
                    return p.unexpected("`=` in `<#assign name = value>`");
                };
                let value = if matches!(op, AssignOp::Inc | AssignOp::Dec) {
                    Expr {
                        kind: ExprKind::Num(1.0),
                        start: p.pos,
                        end: p.pos,
                    }
                } else {
                    p.expr()?
                };
                assigns.push((target, op, value));
                p.skip_ws();
                p.eat(",");
            }
            if assigns.is_empty() {
                return err(
                    tag_start,
                    format!("<#{name}> needs at least one `name = value`"),
                );
            }
            Directive::Assign(assigns)
        }
        "else" => Directive::Else,
        "sep" => Directive::Sep,
        "default" => Directive::Default,
        "break" => Directive::Break,
        "continue" => Directive::Continue,
        "ftl" => {
            // Header parameters (encoding, strip_whitespace…) are accepted and ignored.
            while p.pos < src.len() && !p.at_tag_end() {
                p.pos += src[p.pos..].chars().next().map_or(1, char::len_utf8);
            }
            Directive::Ftl
        }
        "" => return err(tag_start, "missing directive name after `<#`"),
        other => {
            return err(
                tag_start,
                format!(
                    "unknown directive: #{other} (supported: if, elseif, else, list, sep, assign, \
                     global, local, switch, case, default, break, continue, ftl, noparse)"
                ),
            );
        }
    };
    let end = p.finish_tag(name)?;
    Ok((directive, end))
}

/// FreeMarker's white-space stripping: on a line holding only FTL tags and comments (and
/// white-space around them), the indentation and the trailing white-space with the line
/// break are removed.
fn strip_whitespace(src: &str, tokens: &mut [Token]) {
    let is_tag = |t: &Token| {
        matches!(
            t.kind,
            TokKind::Open(_) | TokKind::Close(_) | TokKind::Comment
        )
    };
    // (token index, new start) and (token index, new end) edits, computed on the original text.
    let mut cut_front: Vec<(usize, usize)> = Vec::new();
    let mut cut_back: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_tag(&tokens[i]) {
            i += 1;
            continue;
        }
        let first = i;
        while i + 1 < tokens.len() && is_tag(&tokens[i + 1]) {
            i += 1;
        }
        let last = i;
        i += 1;
        // Before the run: start of template, or a text whose last line is blank and that
        // either contains a line break or starts the template.
        let before = if first == 0 {
            Some(None)
        } else {
            let t = &tokens[first - 1];
            match t.kind {
                TokKind::Text => {
                    let text = &src[t.start..t.end];
                    match text.rfind('\n') {
                        Some(nl) if is_blank(&text[nl + 1..]) => {
                            Some(Some((first - 1, t.start + nl + 1)))
                        }
                        None if first == 1 && is_blank(text) => Some(Some((first - 1, t.start))),
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        let Some(before) = before else { continue };
        let after = if last + 1 == tokens.len() {
            Some(None)
        } else {
            let t = &tokens[last + 1];
            match t.kind {
                TokKind::Text => {
                    let text = &src[t.start..t.end];
                    match text.find('\n') {
                        Some(nl) if is_blank(&text[..nl]) => {
                            Some(Some((last + 1, t.start + nl + 1)))
                        }
                        None if last + 2 == tokens.len() && is_blank(text) => {
                            Some(Some((last + 1, t.end)))
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        let Some(after) = after else { continue };
        if let Some((idx, new_end)) = before {
            cut_back.push((idx, new_end));
        }
        if let Some((idx, new_start)) = after {
            cut_front.push((idx, new_start));
        }
    }
    for (idx, new_end) in cut_back {
        tokens[idx].end = new_end;
    }
    for (idx, new_start) in cut_front {
        let t = &mut tokens[idx];
        t.start = new_start;
        if t.end < t.start {
            t.end = t.start;
        }
    }
}

fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c == ' ' || c == '\t' || c == '\r')
}

/// Builds the element tree from the token stream.
struct TreeBuilder<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    nest: usize,
}

/// What ended a block: a close tag or an intermediate tag (`else`, `elseif`, `sep`, `case`…).
#[derive(Debug)]
struct BlockEnd {
    start: usize,
    close: Option<Box<str>>,
    directive: Option<Directive>,
}

impl TreeBuilder<'_> {
    /// Reads elements until an end tag or one of the intermediate directives in `stops`.
    fn block(&mut self, stops: &[&str]) -> PResult<(Vec<Element>, Option<BlockEnd>)> {
        let mut out = Vec::new();
        while self.pos < self.tokens.len() {
            let tok = self.tokens[self.pos].clone();
            self.pos += 1;
            match tok.kind {
                TokKind::Text => {
                    if tok.end > tok.start {
                        out.push(Element::Text(self.src[tok.start..tok.end].into()));
                    }
                }
                TokKind::Comment => {}
                TokKind::Interp(e) => out.push(Element::Interp(e)),
                TokKind::Close(name) => {
                    return Ok((
                        out,
                        Some(BlockEnd {
                            start: tok.start,
                            close: Some(name),
                            directive: None,
                        }),
                    ));
                }
                TokKind::Open(d) => {
                    if stops.contains(&d.name()) {
                        return Ok((
                            out,
                            Some(BlockEnd {
                                start: tok.start,
                                close: None,
                                directive: Some(d),
                            }),
                        ));
                    }
                    self.nest += 1;
                    if self.nest > MAX_NESTING {
                        return err(
                            tok.start,
                            format!("directives nested deeper than {MAX_NESTING} levels"),
                        );
                    }
                    let el = self.directive(d, tok.start);
                    self.nest -= 1;
                    out.push(el?);
                }
            }
        }
        Ok((out, None))
    }

    fn expect_close(&self, end: Option<BlockEnd>, name: &str, open_at: usize) -> PResult<()> {
        match end {
            Some(BlockEnd { close: Some(c), .. }) if &*c == name => Ok(()),
            Some(BlockEnd {
                start,
                close: Some(c),
                ..
            }) => err(
                start,
                format!("`</#{c}>` found where `</#{name}>` was expected"),
            ),
            Some(BlockEnd {
                start,
                directive: Some(d),
                ..
            }) => err(start, format!("`<#{}>` is not allowed here", d.name())),
            _ => err(
                open_at,
                format!("unclosed `<#{name}>`: no `</#{name}>` before the end"),
            ),
        }
    }

    fn directive(&mut self, d: Directive, at: usize) -> PResult<Element> {
        match d {
            Directive::If(cond) => {
                let mut branches = Vec::new();
                let mut cond = cond;
                let mut otherwise = None;
                loop {
                    let (body, end) = self.block(&["elseif", "else"])?;
                    branches.push((cond, body));
                    match end {
                        Some(BlockEnd {
                            directive: Some(Directive::ElseIf(c)),
                            ..
                        }) => cond = c,
                        Some(BlockEnd {
                            directive: Some(Directive::Else),
                            ..
                        }) => {
                            let (body, end) = self.block(&[])?;
                            otherwise = Some(body);
                            self.expect_close(end, "if", at)?;
                            break;
                        }
                        end => {
                            self.expect_close(end, "if", at)?;
                            break;
                        }
                    }
                }
                Ok(Element::If {
                    branches,
                    otherwise,
                })
            }
            Directive::List {
                seq,
                var,
                value_var,
            } => {
                let mut body = Vec::new();
                let mut end;
                loop {
                    let (part, e) = self.block(&["sep", "else"])?;
                    body.extend(part);
                    end = e;
                    let Some(BlockEnd {
                        directive: Some(Directive::Sep),
                        ..
                    }) = end
                    else {
                        break;
                    };
                    // `<#sep>` runs to `</#sep>`, or else to the end of the list body.
                    let (sep, e) = self.block(&["else"])?;
                    body.push(Element::Sep(sep));
                    end = e;
                    match &end {
                        Some(BlockEnd { close: Some(c), .. }) if &**c == "sep" => continue,
                        _ => break,
                    }
                }
                let mut otherwise = None;
                if let Some(BlockEnd {
                    directive: Some(Directive::Else),
                    ..
                }) = end
                {
                    let (o, e) = self.block(&[])?;
                    otherwise = Some(o);
                    end = e;
                }
                self.expect_close(end, "list", at)?;
                Ok(Element::List(Box::new(ListDirective {
                    seq,
                    var,
                    value_var,
                    body,
                    otherwise,
                })))
            }
            Directive::Assign(a) => Ok(Element::Assign(a)),
            Directive::AssignCapture(name) => {
                let (body, end) = self.block(&[])?;
                self.expect_close(end, "assign", at)?;
                Ok(Element::AssignCapture(name, body))
            }
            Directive::Switch(value) => {
                // Text before the first case is ignored, as FreeMarker does with white-space.
                let (_, mut end) = self.block(&["case", "default"])?;
                let mut cases = Vec::new();
                loop {
                    match end {
                        Some(BlockEnd {
                            directive: Some(Directive::Case(values)),
                            ..
                        }) => {
                            let (body, e) = self.block(&["case", "default"])?;
                            cases.push((Some(values), body));
                            end = e;
                        }
                        Some(BlockEnd {
                            directive: Some(Directive::Default),
                            ..
                        }) => {
                            let (body, e) = self.block(&["case", "default"])?;
                            cases.push((None, body));
                            end = e;
                        }
                        e => {
                            self.expect_close(e, "switch", at)?;
                            break;
                        }
                    }
                }
                Ok(Element::Switch { value, cases })
            }
            Directive::Sep => {
                // Nested deeper than the list body (e.g. in an `<#if>`): needs `</#sep>`.
                let (body, end) = self.block(&[])?;
                self.expect_close(end, "sep", at)?;
                Ok(Element::Sep(body))
            }
            Directive::Break => Ok(Element::Break),
            Directive::Continue => Ok(Element::Continue),
            Directive::Ftl => Ok(Element::Text("".into())),
            other => err(at, format!("`<#{}>` is not allowed here", other.name())),
        }
    }
}

/// Where an expression is: inside `${…}` (ends at `}`) or inside a tag (ends at `>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Interp,
    Tag,
}

/// A recursive-descent parser of FreeMarker expressions over the template source.
pub(crate) struct ExprParser<'s> {
    src: &'s str,
    pub(crate) pos: usize,
    mode: Mode,
    /// Nesting of `(` and `[`: inside them `>` is an operator even in a tag.
    depth: usize,
    /// Recursion depth (nested groups, unary operators, string interpolations), capped.
    nest: usize,
}

/// The deepest nesting of expressions (and of directives) a template may have.
pub(crate) const MAX_NESTING: usize = 64;

impl<'s> ExprParser<'s> {
    pub(crate) fn new(src: &'s str, pos: usize, mode: Mode) -> Self {
        Self {
            src,
            pos,
            mode,
            depth: 0,
            nest: 0,
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.nest += 1;
        if self.nest > MAX_NESTING {
            return err(
                self.pos,
                format!("expression nested deeper than {MAX_NESTING} levels"),
            );
        }
        Ok(())
    }

    fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(crate) fn skip_ws(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
    }

    fn require_ws(&mut self, name: &str) -> PResult<()> {
        if self.peek().is_some_and(char::is_whitespace) {
            self.skip_ws();
            Ok(())
        } else {
            self.unexpected(&format!("white-space after `<#{name}`"))
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn at_keyword(&self, kw: &str) -> bool {
        let rest = self.rest();
        rest.starts_with(kw) && !rest[kw.len()..].chars().next().is_some_and(is_ident_char)
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.at_keyword(kw) {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    fn at_tag_end(&self) -> bool {
        let r = self.rest();
        r.starts_with('>') || r.starts_with("/>")
    }

    fn finish_tag(&mut self, name: &str) -> PResult<usize> {
        self.skip_ws();
        if self.eat(">") || self.eat("/>") {
            Ok(self.pos)
        } else {
            self.unexpected(&format!("`>` to close `<#{name}`"))
        }
    }

    fn unexpected<T>(&self, wanted: &str) -> PResult<T> {
        let found = match self.peek() {
            None => "the end of the template".to_owned(),
            Some(_) => {
                let snippet: String = self.rest().chars().take(12).collect();
                format!("`{snippet}`")
            }
        };
        err(self.pos, format!("expected {wanted}, found {found}"))
    }

    fn ident(&mut self) -> PResult<Box<str>> {
        let start = self.pos;
        let mut name = String::new();
        let mut chars = self.rest().char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                match chars.peek() {
                    Some(&(_, e @ ('-' | '.' | ':' | '#'))) => {
                        name.push(e);
                        chars.next();
                        continue;
                    }
                    _ => {
                        self.pos = start + i;
                        break;
                    }
                }
            }
            let ok = if name.is_empty() {
                is_ident_start(c)
            } else {
                is_ident_char(c)
            };
            if !ok {
                self.pos = start + i;
                break;
            }
            name.push(c);
            self.pos = start + i + c.len_utf8();
        }
        if name.is_empty() {
            self.pos = start;
            return self.unexpected("a name");
        }
        Ok(name.into())
    }

    fn mk(&self, kind: ExprKind, start: usize) -> Expr {
        Expr {
            kind,
            start,
            end: self.pos,
        }
    }

    /// One left-associative precedence level: `next (op next)*`, where `op` consumes an
    /// operator and names it, or consumes nothing and gives `None`.
    fn left_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Expr>,
        op: fn(&mut Self) -> Option<BinOp>,
    ) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        let mut left = next(self)?;
        loop {
            self.skip_ws();
            let Some(op) = op(self) else {
                return Ok(left);
            };
            let right = next(self)?;
            left = self.mk(ExprKind::Binary(op, Box::new(left), Box::new(right)), start);
        }
    }

    /// A whole expression (lowest precedence: `||`).
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::and, |p| {
            (p.eat("||") || (p.rest().starts_with('|') && p.eat("|"))).then_some(BinOp::Or)
        })
    }

    fn and(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::equality, |p| {
            (p.eat("&&") || p.eat("&amp;&amp;")).then_some(BinOp::And)
        })
    }

    fn equality(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::relational, |p| {
            if p.eat("==") {
                Some(BinOp::Eq)
            } else if p.eat("!=") {
                Some(BinOp::Ne)
            } else if p.rest().starts_with('=') && !p.rest().starts_with("=>") {
                p.pos += 1;
                Some(BinOp::Eq)
            } else {
                None
            }
        })
    }

    fn relational(&mut self) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        let left = self.range()?;
        self.skip_ws();
        let gt_ok = self.mode == Mode::Interp || self.depth > 0;
        let op = if self.eat("<=") || self.eat_keyword("lte") || self.eat("&lt;=") {
            BinOp::Le
        } else if self.eat_keyword("lt") || self.eat("&lt;") {
            BinOp::Lt
        } else if self.rest().starts_with('<') && !self.rest().starts_with("</") {
            self.pos += 1;
            BinOp::Lt
        } else if self.eat_keyword("gte") || self.eat("&gt;=") || (gt_ok && self.eat(">=")) {
            BinOp::Ge
        } else if self.eat_keyword("gt") || self.eat("&gt;") || (gt_ok && self.eat(">")) {
            BinOp::Gt
        } else {
            return Ok(left);
        };
        let right = self.range()?;
        Ok(self.mk(ExprKind::Binary(op, Box::new(left), Box::new(right)), start))
    }

    fn range(&mut self) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        let left = self.additive()?;
        if !self.rest().starts_with("..") {
            return Ok(left);
        }
        self.pos += 2;
        let kind = if self.eat("<") || self.eat("!") {
            RangeKind::Exclusive
        } else if self.eat("*") {
            RangeKind::Length
        } else {
            RangeKind::Inclusive
        };
        self.skip_ws();
        let ends_here = matches!(self.peek(), None | Some(']' | ')' | '}' | ',' | '>'))
            || self.at_keyword("as");
        if kind == RangeKind::Inclusive && ends_here {
            return Ok(self.mk(
                ExprKind::Range(Box::new(left), None, RangeKind::Unbounded),
                start,
            ));
        }
        let right = self.additive()?;
        Ok(self.mk(
            ExprKind::Range(Box::new(left), Some(Box::new(right)), kind),
            start,
        ))
    }

    fn additive(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::multiplicative, |p| {
            let r = p.rest();
            let op = if r.starts_with('+') && !r.starts_with("+=") && !r.starts_with("++") {
                BinOp::Add
            } else if r.starts_with('-')
                && !r.starts_with("-=")
                && !r.starts_with("--")
                && !r.starts_with("->")
            {
                BinOp::Sub
            } else {
                return None;
            };
            p.pos += 1;
            Some(op)
        })
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        self.left_assoc(Self::unary, |p| {
            let r = p.rest();
            let op = if r.starts_with('*') && !r.starts_with("*=") {
                BinOp::Mul
            } else if r.starts_with('/') && !r.starts_with("/>") && !r.starts_with("/=") {
                BinOp::Div
            } else if r.starts_with('%') && !r.starts_with("%=") {
                BinOp::Rem
            } else {
                return None;
            };
            p.pos += 1;
            Some(op)
        })
    }

    fn unary(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.unary_inner();
        self.nest -= 1;
        r
    }

    fn unary_inner(&mut self) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        if self.rest().starts_with('!') {
            self.pos += 1;
            let e = self.unary()?;
            return Ok(self.mk(ExprKind::Not(Box::new(e)), start));
        }
        if self.rest().starts_with('-') && !self.rest().starts_with("->") {
            self.pos += 1;
            let e = self.unary()?;
            return Ok(self.mk(ExprKind::Neg(Box::new(e)), start));
        }
        if self.rest().starts_with('+') {
            self.pos += 1;
            return self.unary();
        }
        self.postfix()
    }

    /// Whether the text at the cursor can start an operand (for the optional right side of `!`).
    fn starts_operand(&self) -> bool {
        match self.peek() {
            Some(c) if c.is_ascii_digit() || c == '"' || c == '\'' || c == '(' || c == '[' => true,
            Some('{') => self.mode == Mode::Tag || self.depth > 0,
            Some(c) if is_ident_start(c) => {
                !(self.at_keyword("as")
                    || self.at_keyword("gt")
                    || self.at_keyword("gte")
                    || self.at_keyword("lt")
                    || self.at_keyword("lte"))
            }
            _ => false,
        }
    }

    fn postfix(&mut self) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        let mut e = self.primary()?;
        loop {
            // No white-space is skipped before `.`, `[`, `?`: FreeMarker allows it, but it is
            // rare and would make `a ?b` ambiguous with nothing else; we allow it for `.` and `?`.
            let save = self.pos;
            self.skip_ws();
            let r = self.rest();
            if r.starts_with("..") {
                self.pos = save;
                return Ok(e);
            }
            if r.starts_with('.') {
                self.pos += 1;
                self.skip_ws();
                let name: Box<str> = if self.eat("**") {
                    "**".into()
                } else if self.eat("*") {
                    "*".into()
                } else if self.eat("@@") {
                    let n = self.ident()?;
                    format!("@@{n}").into()
                } else if self.eat("@*") {
                    "@*".into()
                } else if self.eat("@") {
                    let n = self.ident()?;
                    format!("@{n}").into()
                } else {
                    self.ident()?
                };
                e = self.mk(ExprKind::Dot(Box::new(e), name), start);
            } else if r.starts_with('[') {
                self.pos += 1;
                self.depth += 1;
                let key = self.expr()?;
                self.skip_ws();
                self.depth -= 1;
                if !self.eat("]") {
                    return self.unexpected("`]`");
                }
                e = self.mk(ExprKind::Index(Box::new(e), Box::new(key)), start);
            } else if r.starts_with("??") {
                self.pos += 2;
                e = self.mk(ExprKind::Exists(Box::new(e)), start);
            } else if r.starts_with('?') {
                self.pos += 1;
                let name_at = self.pos;
                let name = self.ident()?;
                let snake = camel_to_snake(&name);
                let Some(builtin) = Builtin::from_name(&snake) else {
                    return err(name_at, format!("unknown built-in: ?{name}"));
                };
                let mut args = Vec::new();
                if self.rest().starts_with('(') && !builtin.takes_args() {
                    return err(self.pos, format!("?{name} doesn't take arguments"));
                }
                if self.rest().starts_with('(') {
                    self.pos += 1;
                    self.depth += 1;
                    self.skip_ws();
                    if !self.eat(")") {
                        loop {
                            args.push(self.arg()?);
                            self.skip_ws();
                            if self.eat(",") {
                                continue;
                            }
                            if self.eat(")") {
                                break;
                            }
                            return self.unexpected("`,` or `)`");
                        }
                    }
                    self.depth -= 1;
                }
                // `x?string.percent` is `x?string("percent")` (the named number formats).
                if builtin == Builtin::String && args.is_empty() {
                    let save = self.pos;
                    if self.eat(".") {
                        let at = self.pos;
                        match self.ident() {
                            Ok(f)
                                if matches!(
                                    &*f,
                                    "number" | "currency" | "percent" | "computer"
                                ) =>
                            {
                                args.push(Arg::Expr(Expr {
                                    kind: ExprKind::Str(f),
                                    start: at,
                                    end: self.pos,
                                }));
                            }
                            _ => self.pos = save,
                        }
                    }
                }
                e = self.mk(ExprKind::Builtin(Box::new(e), builtin, args), start);
            } else if r.starts_with('!') && !r.starts_with("!=") {
                self.pos += 1;
                self.skip_ws();
                let default = if self.starts_operand() {
                    self.enter()?;
                    let d = self.postfix();
                    self.nest -= 1;
                    Some(Box::new(d?))
                } else {
                    None
                };
                return Ok(self.mk(ExprKind::Default(Box::new(e), default), start));
            } else {
                self.pos = save;
                return Ok(e);
            }
        }
    }

    fn arg(&mut self) -> PResult<Arg> {
        self.skip_ws();
        let save = self.pos;
        // `x -> expr` or `(x) -> expr`
        let paren = self.eat("(");
        self.skip_ws();
        if self.peek().is_some_and(is_ident_start)
            && let Ok(name) = self.ident()
        {
            self.skip_ws();
            if paren {
                self.skip_ws();
                if self.eat(")") {
                    self.skip_ws();
                }
            }
            if self.eat("->") {
                let body = self.expr()?;
                return Ok(Arg::Lambda(name, body));
            }
        }
        self.pos = save;
        Ok(Arg::Expr(self.expr()?))
    }

    fn primary(&mut self) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.unexpected("an expression");
        };
        match c {
            '(' => {
                self.pos += 1;
                self.depth += 1;
                let inner = self.expr()?;
                self.skip_ws();
                self.depth -= 1;
                if !self.eat(")") {
                    return self.unexpected("`)`");
                }
                Ok(self.mk(ExprKind::Paren(Box::new(inner)), start))
            }
            '[' => {
                self.pos += 1;
                self.depth += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if !self.eat("]") {
                    loop {
                        items.push(self.expr()?);
                        self.skip_ws();
                        if self.eat(",") {
                            continue;
                        }
                        if self.eat("]") {
                            break;
                        }
                        return self.unexpected("`,` or `]`");
                    }
                }
                self.depth -= 1;
                Ok(self.mk(ExprKind::Seq(items), start))
            }
            '{' => {
                self.pos += 1;
                self.depth += 1;
                let mut pairs = Vec::new();
                self.skip_ws();
                if !self.eat("}") {
                    loop {
                        let k = self.expr()?;
                        self.skip_ws();
                        if !self.eat(":") {
                            return self.unexpected("`:` in a hash literal");
                        }
                        let v = self.expr()?;
                        pairs.push((k, v));
                        self.skip_ws();
                        if self.eat(",") {
                            continue;
                        }
                        if self.eat("}") {
                            break;
                        }
                        return self.unexpected("`,` or `}`");
                    }
                }
                self.depth -= 1;
                Ok(self.mk(ExprKind::Hash(pairs), start))
            }
            '"' | '\'' => self.string(false),
            'r' if matches!(self.rest().as_bytes().get(1), Some(b'"' | b'\'')) => {
                self.pos += 1;
                self.string(true)
            }
            c if c.is_ascii_digit() => {
                let rest = self.rest();
                let mut len = rest.bytes().take_while(u8::is_ascii_digit).count();
                let b = rest.as_bytes();
                if b.get(len) == Some(&b'.') && b.get(len + 1).is_some_and(u8::is_ascii_digit) {
                    len += 1 + rest[len + 1..]
                        .bytes()
                        .take_while(u8::is_ascii_digit)
                        .count();
                }
                let text = &rest[..len];
                self.pos += len;
                match text.parse::<f64>() {
                    Ok(n) => Ok(self.mk(ExprKind::Num(n), start)),
                    Err(_) => err(start, format!("bad number `{text}`")),
                }
            }
            c if is_ident_start(c) => {
                if self.eat_keyword("true") {
                    return Ok(self.mk(ExprKind::Bool(true), start));
                }
                if self.eat_keyword("false") {
                    return Ok(self.mk(ExprKind::Bool(false), start));
                }
                let name = self.ident()?;
                Ok(self.mk(ExprKind::Var(name), start))
            }
            _ => self.unexpected("an expression"),
        }
    }

    /// A string literal (cursor on the quote); `raw` for `r"…"`.
    fn string(&mut self, raw: bool) -> PResult<Expr> {
        let start = if raw { self.pos - 1 } else { self.pos };
        let quote = self.peek().unwrap_or('"');
        self.pos += 1;
        let mut parts: Vec<StrPart> = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else {
                return err(start, "unclosed string literal");
            };
            if c == quote {
                self.pos += 1;
                break;
            }
            if !raw && c == '\\' {
                self.pos += 1;
                let Some(e) = self.peek() else {
                    return err(start, "unclosed string literal");
                };
                self.pos += e.len_utf8();
                match e {
                    'n' => lit.push('\n'),
                    'r' => lit.push('\r'),
                    't' => lit.push('\t'),
                    'b' => lit.push('\u{8}'),
                    'f' => lit.push('\u{c}'),
                    'l' => lit.push('<'),
                    'g' => lit.push('>'),
                    'a' => lit.push('&'),
                    '"' | '\'' | '\\' | '{' | '=' => lit.push(e),
                    'x' => {
                        let hex: String = self
                            .rest()
                            .chars()
                            .take_while(char::is_ascii_hexdigit)
                            .take(4)
                            .collect();
                        self.pos += hex.len();
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(ch) => lit.push(ch),
                            None => return err(self.pos, "bad `\\x` escape in a string literal"),
                        }
                    }
                    other => {
                        return err(
                            self.pos - other.len_utf8() - 1,
                            format!("unknown escape `\\{other}` in a string literal"),
                        );
                    }
                }
                continue;
            }
            if !raw && self.rest().starts_with("${") {
                if !lit.is_empty() {
                    parts.push(StrPart::Lit(std::mem::take(&mut lit).into()));
                }
                self.pos += 2;
                let mut inner = ExprParser::new(self.src, self.pos, Mode::Interp);
                inner.nest = self.nest;
                inner.enter()?;
                let e = inner.expr()?;
                inner.skip_ws();
                if !inner.eat("}") {
                    return inner.unexpected("`}` to close the interpolation");
                }
                self.pos = inner.pos;
                parts.push(StrPart::Interp(e));
                continue;
            }
            lit.push(c);
            self.pos += c.len_utf8();
        }
        if parts.is_empty() {
            return Ok(self.mk(ExprKind::Str(lit.into()), start));
        }
        if !lit.is_empty() {
            parts.push(StrPart::Lit(lit.into()));
        }
        Ok(self.mk(ExprKind::Interpolated(parts), start))
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$' || c == '@'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || c == '@'
}

/// `upperCase` → `upper_case` (FreeMarker accepts both spellings of built-in names).
fn camel_to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Expr {
        let mut p = ExprParser::new(s, 0, Mode::Interp);
        let e = p.expr().expect("parses");
        assert_eq!(p.pos, s.len(), "whole input consumed for {s}");
        e
    }

    #[test]
    fn precedence_mul_over_add() {
        let e = expr("1 + 2 * 3");
        match e.kind {
            ExprKind::Binary(BinOp::Add, _, r) => {
                assert!(matches!(r.kind, ExprKind::Binary(BinOp::Mul, _, _)));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn default_operator_with_spaces_and_empty() {
        assert!(matches!(
            expr("payload.last_name ! \"\" ").kind,
            ExprKind::Default(_, Some(_))
        ));
        assert!(matches!(expr("a!").kind, ExprKind::Default(_, None)));
        assert!(matches!(
            expr("a != b").kind,
            ExprKind::Binary(BinOp::Ne, _, _)
        ));
    }

    #[test]
    fn builtins_and_lambdas() {
        let e = expr("x?children?filter(c -> c?node_type == 'element')");
        match e.kind {
            ExprKind::Builtin(_, Builtin::Filter, args) => {
                assert!(matches!(args[0], Arg::Lambda(ref n, _) if &**n == "c"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            expr("s?upperCase").kind,
            ExprKind::Builtin(_, Builtin::UpperCase, _)
        ));
    }

    #[test]
    fn attribute_and_index_steps() {
        let e = expr("payload.user.location.state.@code");
        assert!(matches!(e.kind, ExprKind::Dot(_, ref n) if &**n == "@code"));
        let e = expr("a.b[0]!''");
        assert!(matches!(e.kind, ExprKind::Default(_, Some(_))));
    }

    #[test]
    fn string_literal_with_interpolation() {
        let e = expr(r#""REF${sep}${a[0]!''}!""#);
        match e.kind {
            ExprKind::Interpolated(parts) => assert_eq!(parts.len(), 4),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(expr(r#"r"${x}""#).kind, ExprKind::Str(ref s) if &**s == "${x}"));
    }

    #[test]
    fn ranges() {
        assert!(matches!(
            expr("1..3").kind,
            ExprKind::Range(_, Some(_), RangeKind::Inclusive)
        ));
        assert!(matches!(
            expr("1..<3").kind,
            ExprKind::Range(_, Some(_), RangeKind::Exclusive)
        ));
    }

    #[test]
    fn tag_gt_ends_the_tag_but_not_in_parens() {
        let src = "<#if (a > 1)>x</#if>";
        let toks = tokenize(src).expect("tokenizes");
        assert!(matches!(toks[0].kind, TokKind::Open(Directive::If(_))));
        assert_eq!(toks[0].end, "<#if (a > 1)>".len());
    }

    #[test]
    fn whitespace_stripping_of_tag_only_lines() {
        let src = "a\n  <#list x as y>\n  ${y}\n  </#list>\nb";
        let mut toks = tokenize(src).expect("tokenizes");
        strip_whitespace(src, &mut toks);
        let texts: Vec<&str> = toks
            .iter()
            .filter(|t| matches!(t.kind, TokKind::Text))
            .map(|t| &src[t.start..t.end])
            .collect();
        assert_eq!(texts, vec!["a\n", "  ", "\n", "b"]);
    }

    #[test]
    fn tags_with_embedded_space_are_not_stripped() {
        let src = "<#if a> <#if b>\n";
        let mut toks = tokenize(src).expect("tokenizes");
        strip_whitespace(src, &mut toks);
        let texts: Vec<&str> = toks
            .iter()
            .filter(|t| matches!(t.kind, TokKind::Text))
            .map(|t| &src[t.start..t.end])
            .collect();
        assert_eq!(texts, vec![" ", "\n"]);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowing() {
        let deep = format!("${{{}1{}}}", "(".repeat(10_000), ")".repeat(10_000));
        let e = tokenize(&deep).expect_err("too deep");
        assert!(e.message.contains("nested"), "{}", e.message);
        let deep = "<#if true>".repeat(1000);
        let e = parse_template(&deep).expect_err("too deep");
        assert!(e.message.contains("nested"), "{}", e.message);
        let deep = format!("${{{}}}", "\"${".repeat(500));
        assert!(tokenize(&deep).is_err());
        let deep = format!("${{x{}}}", "!x".repeat(10_000));
        assert!(tokenize(&deep).is_err());
    }

    #[test]
    fn errors_have_offsets() {
        let e = tokenize("ab ${x +}").expect_err("bad");
        assert_eq!(e.offset, 8);
        let e = tokenize("${x?trim(1)}").expect_err("no args");
        assert_eq!(e.offset, 8);
        let e = tokenize("<#foo>").expect_err("bad");
        assert_eq!(e.offset, 0);
        let e = parse_template("x<#if a>y").expect_err("bad");
        assert!(e.message.contains("unclosed"), "{}", e.message);
        assert_eq!(e.offset, 1);
    }
}
