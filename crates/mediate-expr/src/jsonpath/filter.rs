//! Jayway filter expressions `[?(...)]` that RFC 9535 cannot express.
//!
//! Grammar: `||`, `&&`, `!`, parentheses; a bare operand is an existence test; otherwise
//! `operand OP operand` with `==`, `!=`, `===`, `!==`, `<`, `<=`, `>`, `>=`, `=~`, `in`, `nin`,
//! `subsetof`, `anyof`, `noneof`, `size`, `empty`, `contains`, `all`. Operands are paths (`@…`
//! relative to the tested node, `$…` from the root, Jayway dialect including trailing functions such
//! as `@.tags.length()`), literals (`'s'`, `"s"`, numbers, `true`, `false`, `null`, `[...]`,
//! `{...}`) and regular expressions `/re/flags`.
//!
//! Comparisons follow Jayway's `EvaluatorFactory`: `==` between a number and a string compares them
//! as numbers (`@.id == '7'` matches 7); `<`… compare numbers numerically, strings lexically and a
//! string with a number lexically; `=~` matches the *whole* string (Java `Matcher.matches()`), a
//! number or boolean is matched as its text, an array matches when any element does, anything else is
//! matched as the empty string; flags `i`, `m`, `s`, `x` (others ignored). A path that selects
//! nothing is "undefined": it equals nothing (so `!=` holds) and is in no list.

use serde_json::Value;

use super::{JsonEvalResult, JsonPath, compile_operand, eval_operand, find_closing, jsonify};

/// A compiled Jayway filter.
#[derive(Debug, Clone)]
pub(crate) struct FilterExpr(Node);

#[derive(Debug, Clone)]
enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Exists(Operand),
    Cmp(Operand, Op, Operand),
}

#[derive(Debug, Clone)]
enum Operand {
    Path { path: Box<JsonPath>, absolute: bool },
    Value(Value),
    Regex(Box<JavaRegex>),
}

#[derive(Clone)]
struct JavaRegex {
    source: String,
    re: fancy_regex::Regex,
}

impl std::fmt::Debug for JavaRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}/", self.source)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    TsEq,
    TsNe,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
    In,
    Nin,
    SubsetOf,
    AnyOf,
    NoneOf,
    Size,
    Empty,
    Contains,
    All,
}

#[derive(Debug)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Op(Op),
    Operand(Operand),
}

type PError = (usize, String);

/// Parses the filter body (the characters after `?`, up to the closing `]`).
pub(crate) fn parse_filter(body: &[char]) -> Result<FilterExpr, PError> {
    let toks = lex(body)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: body.len(),
    };
    let node = p.or()?;
    if let Some((_, at)) = p.toks.get(p.pos) {
        return Err((*at, "unexpected token in filter".into()));
    }
    Ok(FilterExpr(node))
}

fn lex(s: &[char]) -> Result<Vec<(Tok, usize)>, PError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let at = i;
        let two: String = s[i..(i + 2).min(s.len())].iter().collect();
        let three: String = s[i..(i + 3).min(s.len())].iter().collect();
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c == '(' {
            i += 1;
            Tok::LParen
        } else if c == ')' {
            i += 1;
            Tok::RParen
        } else if two == "&&" {
            i += 2;
            Tok::And
        } else if two == "||" {
            i += 2;
            Tok::Or
        } else if three == "===" || three == "!==" {
            i += 3;
            Tok::Op(if three == "===" { Op::TsEq } else { Op::TsNe })
        } else if let Some(op) = match two.as_str() {
            "==" => Some(Op::Eq),
            "!=" => Some(Op::Ne),
            "<=" => Some(Op::Le),
            ">=" => Some(Op::Ge),
            "=~" => Some(Op::Regex),
            _ => None,
        } {
            i += 2;
            Tok::Op(op)
        } else if c == '<' || c == '>' {
            i += 1;
            Tok::Op(if c == '<' { Op::Lt } else { Op::Gt })
        } else if c == '!' {
            i += 1;
            Tok::Not
        } else if c == '@' || c == '$' {
            let start = i;
            let mut depth = 0usize;
            while i < s.len() {
                let ch = s[i];
                match ch {
                    '\'' | '"' => {
                        i += 1;
                        while i < s.len() && s[i] != ch {
                            if s[i] == '\\' {
                                i += 1;
                            }
                            i += 1;
                        }
                    }
                    '[' | '(' => depth += 1,
                    ']' | ')' if depth > 0 => depth -= 1,
                    _ if depth == 0 && (ch.is_whitespace() || ")=!<>&|,".contains(ch)) => {
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            let i_end = i.min(s.len());
            i = i_end;
            let text: String = s[start..i_end].iter().collect();
            let absolute = c == '$';
            let rel = if absolute {
                text.clone()
            } else {
                format!("${}", &text[1..])
            };
            let path = compile_operand(&rel).map_err(|e| (start + e.column - 1, e.message))?;
            Tok::Operand(Operand::Path {
                path: Box::new(path),
                absolute,
            })
        } else if c == '\'' || c == '"' {
            let start = i;
            i += 1;
            while i < s.len() && s[i] != c {
                if s[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= s.len() {
                return Err((start, "unterminated string".into()));
            }
            i += 1;
            let json = jsonify(&s[start..i]);
            let v: Value = serde_json::from_str(&json)
                .map_err(|_| (start, "invalid string literal".into()))?;
            Tok::Operand(Operand::Value(v))
        } else if c.is_ascii_digit() || (c == '-' && s.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < s.len() && (s[i].is_ascii_digit() || ".eE+-".contains(s[i])) {
                i += 1;
            }
            let text: String = s[start..i].iter().collect();
            let v: Value = serde_json::from_str(&text)
                .ok()
                .filter(Value::is_number)
                .ok_or((start, format!("invalid number {text:?}")))?;
            Tok::Operand(Operand::Value(v))
        } else if c == '[' || c == '{' {
            let close = find_closing(s, i, if c == '[' { ']' } else { '}' })
                .ok_or((i, "unclosed literal".into()))?;
            let json = jsonify(&s[i..=close]);
            let v: Value =
                serde_json::from_str(&json).map_err(|_| (i, "invalid JSON literal".into()))?;
            i = close + 1;
            Tok::Operand(Operand::Value(v))
        } else if c == '/' {
            let start = i;
            i += 1;
            let mut pattern = String::new();
            while i < s.len() && s[i] != '/' {
                if s[i] == '\\' && s.get(i + 1) == Some(&'/') {
                    i += 1;
                } else if s[i] == '\\' && i + 1 < s.len() {
                    pattern.push('\\');
                    i += 1;
                }
                pattern.push(s[i]);
                i += 1;
            }
            if i >= s.len() {
                return Err((start, "unterminated regular expression".into()));
            }
            i += 1;
            let mut flags = String::new();
            while i < s.len() && s[i].is_ascii_alphabetic() {
                if "imsx".contains(s[i]) && !flags.contains(s[i]) {
                    flags.push(s[i]);
                }
                i += 1;
            }
            let full = if flags.is_empty() {
                format!(r"\A(?:{pattern})\z")
            } else {
                format!(r"(?{flags})\A(?:{pattern})\z")
            };
            let re = fancy_regex::Regex::new(&full)
                .map_err(|e| (start, format!("invalid regular expression: {e}")))?;
            Tok::Operand(Operand::Regex(Box::new(JavaRegex {
                source: pattern,
                re,
            })))
        } else if c.is_alphabetic() {
            let start = i;
            while i < s.len() && s[i].is_alphanumeric() {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            match word.as_str() {
                "true" => Tok::Operand(Operand::Value(Value::Bool(true))),
                "false" => Tok::Operand(Operand::Value(Value::Bool(false))),
                "null" => Tok::Operand(Operand::Value(Value::Null)),
                "in" => Tok::Op(Op::In),
                "nin" => Tok::Op(Op::Nin),
                "subsetof" => Tok::Op(Op::SubsetOf),
                "anyof" => Tok::Op(Op::AnyOf),
                "noneof" => Tok::Op(Op::NoneOf),
                "size" => Tok::Op(Op::Size),
                "empty" => Tok::Op(Op::Empty),
                "contains" => Tok::Op(Op::Contains),
                "all" => Tok::Op(Op::All),
                _ => return Err((start, format!("unexpected '{word}' in filter"))),
            }
        } else {
            return Err((i, format!("unexpected '{c}' in filter")));
        };
        out.push((tok, at));
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(_, a)| *a)
    }

    fn or(&mut self) -> Result<Node, PError> {
        let mut items = vec![self.and()?];
        while matches!(self.peek(), Some(Tok::Or)) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn and(&mut self) -> Result<Node, PError> {
        let mut items = vec![self.unary()?];
        while matches!(self.peek(), Some(Tok::And)) {
            self.pos += 1;
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, PError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let inner = self.or()?;
                if !matches!(self.peek(), Some(Tok::RParen)) {
                    return Err((self.at(), "expected ')'".into()));
                }
                self.pos += 1;
                Ok(inner)
            }
            _ => self.comparison(),
        }
    }

    fn operand(&mut self) -> Result<Operand, PError> {
        let at = self.at();
        match self.toks.get_mut(self.pos) {
            Some((Tok::Operand(o), _)) => {
                let o = std::mem::replace(o, Operand::Value(Value::Null));
                self.pos += 1;
                Ok(o)
            }
            _ => Err((at, "expected a path or a value".into())),
        }
    }

    fn comparison(&mut self) -> Result<Node, PError> {
        let left_at = self.at();
        let left = self.operand()?;
        if let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            self.pos += 1;
            let right_at = self.at();
            let right = self.operand()?;
            // As in RFC 9535, the ordinary comparisons need single values; Jayway's list operators
            // (`in`, `anyof`, `=~`, …) may take an indefinite path, which gives an array.
            if matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge) {
                for (o, at) in [(&left, left_at), (&right, right_at)] {
                    if matches!(o, Operand::Path { path, .. } if !path.is_definite()) {
                        return Err((
                            at,
                            "a comparison needs a definite path (names and single indexes)".into(),
                        ));
                    }
                }
            }
            Ok(Node::Cmp(left, op, right))
        } else if matches!(left, Operand::Path { .. }) {
            Ok(Node::Exists(left))
        } else {
            Err((left_at, "a literal must be compared".into()))
        }
    }
}

/// An operand's value: `None` for an undefined path.
enum Val<'a> {
    Undefined,
    Json(Value),
    Regex(&'a JavaRegex),
}

impl FilterExpr {
    /// Whether `node` passes the filter (`root` is the document).
    pub(crate) fn test(&self, node: &Value, root: &Value) -> bool {
        eval(&self.0, node, root)
    }
}

fn eval(n: &Node, cur: &Value, root: &Value) -> bool {
    match n {
        Node::Or(items) => items.iter().any(|i| eval(i, cur, root)),
        Node::And(items) => items.iter().all(|i| eval(i, cur, root)),
        Node::Not(inner) => !eval(inner, cur, root),
        Node::Exists(o) => match o {
            Operand::Path { path, absolute } => match eval_operand(path, *absolute, cur, root) {
                JsonEvalResult::Definite(v) => v.is_some(),
                JsonEvalResult::Indefinite(vs) => !vs.is_empty(),
            },
            // the parser only builds existence tests on paths
            Operand::Value(_) | Operand::Regex(_) => false,
        },
        Node::Cmp(l, op, r) => compare(&value(l, cur, root), *op, &value(r, cur, root)),
    }
}

fn value<'a>(o: &'a Operand, cur: &Value, root: &Value) -> Val<'a> {
    match o {
        Operand::Path { path, absolute } => {
            match eval_operand(path, *absolute, cur, root).into_value() {
                Some(v) => Val::Json(v),
                None => Val::Undefined,
            }
        }
        Operand::Value(v) => Val::Json(v.clone()),
        Operand::Regex(r) => Val::Regex(r),
    }
}

/// Jayway `==`: numbers numerically, a number and a string as numbers, JSON structurally.
fn jayway_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num_eq(x, y),
        (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
            s.trim().parse::<f64>().ok() == x.as_f64()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| jayway_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| jayway_eq(v, w)))
        }
        _ => a == b,
    }
}

fn num_eq(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    match (x.as_i64(), y.as_i64()) {
        (Some(a), Some(b)) => a == b,
        _ => x.as_f64() == y.as_f64(),
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn ordering(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(p), Some(q)) => Some(p.cmp(&q)),
            _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::Number(y)) => Some(x.as_str().cmp(y.to_string().as_str())),
        (Value::Number(x), Value::String(y)) => Some(x.to_string().as_str().cmp(y.as_str())),
        _ => None,
    }
}

fn regex_input(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn full_match(re: &JavaRegex, input: &str) -> bool {
    re.re.is_match(input).unwrap_or(false)
}

fn list_contains(list: &[Value], v: &Value) -> bool {
    list.iter().any(|x| jayway_eq(x, v))
}

fn compare(l: &Val<'_>, op: Op, r: &Val<'_>) -> bool {
    use Val::{Json, Regex};
    match op {
        Op::Ne => !compare(l, Op::Eq, r),
        Op::TsNe => !compare(l, Op::TsEq, r),
        Op::Nin => !compare(l, Op::In, r),
        Op::Eq => matches!((l, r), (Json(a), Json(b)) if jayway_eq(a, b)),
        Op::TsEq => matches!((l, r), (Json(a), Json(b)) if same_type(a, b) && jayway_eq(a, b)),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let (Json(a), Json(b)) = (l, r) else {
                return false;
            };
            ordering(a, b).is_some_and(|o| match op {
                Op::Lt => o.is_lt(),
                Op::Le => o.is_le(),
                Op::Gt => o.is_gt(),
                _ => o.is_ge(),
            })
        }
        Op::Regex => {
            let (re, other) = match (l, r) {
                (Regex(re), o) | (o, Regex(re)) if !matches!(o, Regex(_)) => (*re, o),
                _ => return false,
            };
            match other {
                Json(Value::Array(items)) => items.iter().any(|v| full_match(re, &regex_input(v))),
                Json(v) => full_match(re, &regex_input(v)),
                _ => full_match(re, ""),
            }
        }
        Op::In => match (l, r) {
            (Json(v), Json(Value::Array(list))) => list_contains(list, v),
            _ => false,
        },
        Op::SubsetOf | Op::AnyOf | Op::NoneOf | Op::All => {
            let (Json(Value::Array(left)), Json(Value::Array(right))) = (l, r) else {
                return false;
            };
            match op {
                Op::SubsetOf => left.iter().all(|v| list_contains(right, v)),
                Op::AnyOf => left.iter().any(|v| list_contains(right, v)),
                Op::NoneOf => !left.iter().any(|v| list_contains(right, v)),
                _ => right.iter().all(|v| list_contains(left, v)),
            }
        }
        Op::Size => {
            let (Json(v), Json(Value::Number(n))) = (l, r) else {
                return false;
            };
            let len = match v {
                Value::String(s) => s.chars().count(),
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                _ => return false,
            };
            n.as_f64() == Some(len as f64)
        }
        Op::Empty => {
            let (Json(v), Json(Value::Bool(want))) = (l, r) else {
                return false;
            };
            let empty = match v {
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => return false,
            };
            empty == *want
        }
        Op::Contains => match (l, r) {
            (Json(Value::String(s)), Json(Value::String(sub))) => s.contains(sub.as_str()),
            (Json(Value::Array(list)), Json(v)) => list_contains(list, v),
            _ => false,
        },
    }
}
