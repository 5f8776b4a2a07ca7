//! `uri-template` matching as Synapse's `URITemplate` does it (wso2-synapse
//! `modules/commons/…/templates/uri/URITemplate.java` and `parser/*`).
//!
//! A template is a chain of nodes, literals and `{…}` expressions. Matching walks the chain
//! over the request's sub-path (the path after the API context, query included):
//!
//! - a literal must be a prefix of what is left; a literal ending in `*` takes everything
//!   after its other characters;
//! - `{var}` takes characters up to the first reserved one
//!   (`: / ? # [ ] @ ! $ & ' ( ) * + , ; =`) or the first character of the next literal;
//!   `{+var}` (and `{#var}`) only stops at the next literal; `{.var}` and `{/var}` must start
//!   with `.` or `/`; `{a,b}` splits its text on `,` (`.` and `/` for the label and path forms);
//!   `{var:N}` only takes values of exactly N characters;
//! - values are decoded as Java's `URLDecoder` does (`+` is a space, `%XX` is UTF-8);
//! - when the template ends before the path, one trailing `/` is allowed; when the template
//!   has no literal `?`, a query after the matched text is allowed;
//! - the template itself loses a trailing `/` (twice: once in `URITemplate`, once in its parser).
//!
//! Synapse's arithmetic is kept as it is, quirks included (a failed tail returns `-1` that is
//! added to the length matched so far), so that the same URLs match.

use super::decode::{java_split, url_decode};

/// A parsed `uri-template`.
///
/// ```
/// use mediate_runtime::dispatch::UriTemplate;
///
/// let t = UriTemplate::parse("/orders/{id}/items/{item}")?;
/// let vars = t.matches("/orders/42/items/a%20b").expect("matches");
/// assert_eq!(vars, [("id".to_owned(), "42".to_owned()), ("item".to_owned(), "a b".to_owned())]);
/// assert!(t.matches("/orders/42/items/x?page=2").is_some());
/// assert!(t.matches("/orders/42").is_none());
/// # Ok::<(), mediate_runtime::dispatch::TemplateError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    nodes: Vec<Node>,
    /// No literal holds `?`: a query may follow the matched path.
    optional_query: bool,
}

/// A template Synapse's parser refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid uri-template `{template}`: {message}")]
pub struct TemplateError {
    /// The template as written.
    pub template: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Literal(String),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Expr {
    kind: Kind,
    vars: Vec<Var>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `{var}`
    Simple,
    /// `{+var}`
    Reserved,
    /// `{#var}`
    Fragment,
    /// `{.var}`
    Label,
    /// `{/var}`
    PathSegment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Var {
    name: String,
    /// `:N`
    prefix: Option<usize>,
}

/// The characters a `{var}` value stops at (Synapse's default `reserved` set; the system
/// property `synapse.allow.subdelims` that shrinks it is not supported).
const RESERVED: &[char] = &[
    ':', '/', '?', '#', '[', ']', '@', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=',
];

/// The first character of a simple expression, which never equals a request character.
const NO_FIRST: char = '\u{1}';

type Vars = Vec<(String, String)>;

impl UriTemplate {
    /// Parses a template as Synapse's `URITemplateParser` does.
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        let err = |message: &str| TemplateError {
            template: template.to_owned(),
            message: message.to_owned(),
        };
        let mut t = template;
        for _ in 0..2 {
            if t != "/" {
                t = t.strip_suffix('/').unwrap_or(t);
            }
        }
        let chars: Vec<(usize, char)> = t.char_indices().collect();
        let max = chars.len().saturating_sub(1);
        let mut nodes = Vec::new();
        let mut in_expr = false;
        let mut start = 0usize; // byte offset
        let mut prev: Option<char> = None;
        for (k, &(i, c)) in chars.iter().enumerate() {
            match c {
                '{' if in_expr => return Err(err("`{` inside an expression")),
                '{' => {
                    if k + 1 >= max {
                        return Err(err("`{` too close to the end"));
                    }
                    in_expr = true;
                    if i > start {
                        nodes.push(Node::Literal(t[start..i].to_owned()));
                    } else if prev != Some('}') {
                        return Err(err("an expression must follow a literal or an expression"));
                    }
                    start = i + 1;
                }
                '}' if !in_expr => return Err(err("`}` without a `{` before it")),
                '}' => {
                    in_expr = false;
                    if i <= start {
                        return Err(err("empty expression `{}`"));
                    }
                    nodes.push(Node::Expr(expression(&t[start..i]).map_err(|m| err(&m))?));
                    start = i + 1;
                }
                _ if k == max => {
                    let token = &t[start..];
                    if in_expr {
                        nodes.push(Node::Expr(expression(token).map_err(|m| err(&m))?));
                    } else {
                        nodes.push(Node::Literal(token.to_owned()));
                    }
                }
                _ => {}
            }
            prev = Some(c);
        }
        if nodes.is_empty() {
            return Err(err("an empty template"));
        }
        let optional_query = !nodes
            .iter()
            .any(|n| matches!(n, Node::Literal(l) if l.contains('?')));
        Ok(UriTemplate {
            nodes,
            optional_query,
        })
    }

    /// Matches `uri` (a sub-path, query included), returning the variables in the order they
    /// were bound, decoded; `None` when the template does not match.
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut vars = Vars::new();
        let n = self.match_all(0, uri, &mut vars);
        let len = uri.len() as i64;
        if n == len
            || (self.optional_query
                && n > 0
                && usize::try_from(n)
                    .ok()
                    .and_then(|n| uri.as_bytes().get(n))
                    .is_some_and(|b| *b == b'?'))
        {
            Some(vars)
        } else {
            None
        }
    }

    /// Synapse's `Node.matchAll` from node `idx` over `frag`.
    fn match_all(&self, idx: usize, frag: &str, vars: &mut Vars) -> i64 {
        let Some(node) = self.nodes.get(idx) else {
            return -1;
        };
        let next = self.nodes.get(idx + 1);
        let m = node_match(node, next, frag, vars);
        let len = frag.len() as i64;
        if m < 0 {
            -1
        } else if m < len {
            match (next, usize::try_from(m).ok().and_then(|m| frag.get(m..))) {
                (Some(_), Some(rest)) => m + self.match_all(idx + 1, rest, vars),
                (Some(_), None) => -1,
                (None, _) if frag.ends_with('/') => m + 1,
                (None, _) => m,
            }
        } else if let Some(next) = next {
            let token = token(next);
            if token.eq_ignore_ascii_case("*") || token.eq_ignore_ascii_case("/*") {
                m
            } else if token.starts_with('{') && frag.contains('=') {
                m + self.match_all(idx + 1, "", vars)
            } else {
                -1
            }
        } else {
            m
        }
    }
}

/// Reads an expression's body (between the braces).
fn expression(body: &str) -> Result<Expr, String> {
    let (kind, rest) = match body.chars().next() {
        Some('#') => (Kind::Fragment, &body[1..]),
        Some('+') => (Kind::Reserved, &body[1..]),
        Some('.') => (Kind::Label, &body[1..]),
        Some('/') => (Kind::PathSegment, &body[1..]),
        Some(c @ (';' | '?' | '&')) => {
            return Err(format!("unsupported expression `{{{c}…}}`"));
        }
        Some(_) => (Kind::Simple, body),
        None => return Err("empty expression `{}`".to_owned()),
    };
    let mut vars = Vec::new();
    let pieces: Vec<&str> = rest.split(',').collect();
    for (k, piece) in pieces.iter().enumerate() {
        if piece.is_empty() {
            // Synapse drops one trailing empty name (`{a,}`) and refuses the others.
            if k + 1 == pieces.len() && k > 0 {
                continue;
            }
            return Err("empty variable name".to_owned());
        }
        vars.push(variable(piece)?);
    }
    Ok(Expr { kind, vars })
}

fn variable(text: &str) -> Result<Var, String> {
    let (name, prefix) = match text.split_once(':') {
        Some((n, p)) => {
            let p: usize = p
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("invalid prefix length `:{p}`"))?;
            (n, Some(p))
        }
        None => (text, None),
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!("invalid character `{c}` in a variable name"));
    }
    Ok(Var {
        name: name.to_owned(),
        prefix,
    })
}

/// Synapse's `getToken`: a literal as written, an expression as `{names}`.
fn token(node: &Node) -> String {
    match node {
        Node::Literal(l) => l.clone(),
        Node::Expr(e) => {
            let names: Vec<&str> = e.vars.iter().map(|v| v.name.as_str()).collect();
            format!("{{{}}}", names.join(","))
        }
    }
}

/// Synapse's `getFirstCharacter`.
fn first_char(node: &Node) -> char {
    match node {
        Node::Literal(l) => l.chars().next().unwrap_or(NO_FIRST),
        Node::Expr(e) => match e.kind {
            Kind::Simple | Kind::Reserved => NO_FIRST,
            Kind::Fragment => '#',
            Kind::Label => '.',
            Kind::PathSegment => '/',
        },
    }
}

/// One node's `match` over `frag`: the bytes it takes, or -1.
fn node_match(node: &Node, next: Option<&Node>, frag: &str, vars: &mut Vars) -> i64 {
    match node {
        Node::Literal(token) => literal_match(token, frag),
        Node::Expr(e) => {
            let lead = match e.kind {
                Kind::Simple | Kind::Reserved => None,
                Kind::Fragment => Some('#'),
                Kind::Label => Some('.'),
                Kind::PathSegment => Some('/'),
            };
            match lead {
                None => string_match(e, next, frag, vars),
                Some(c) => match frag.strip_prefix(c) {
                    Some(rest) => string_match(e, next, rest, vars) + 1,
                    None => 0,
                },
            }
        }
    }
}

fn literal_match(token: &str, frag: &str) -> i64 {
    match token.strip_suffix('*') {
        Some(head) if frag.starts_with(head) => frag.len() as i64,
        Some(_) => -1,
        None if frag.starts_with(token) => token.len() as i64,
        None => -1,
    }
}

impl Expr {
    fn separator(&self) -> char {
        match self.kind {
            Kind::Simple | Kind::Reserved | Kind::Fragment => ',',
            Kind::Label => '.',
            Kind::PathSegment => '/',
        }
    }

    fn is_reserved(&self, c: char) -> bool {
        match self.kind {
            Kind::Reserved | Kind::Fragment => false,
            Kind::Simple | Kind::Label | Kind::PathSegment => RESERVED.contains(&c),
        }
    }
}

/// `SimpleStringExpression.match` (and its subclasses' after their leading character).
fn string_match(e: &Expr, next: Option<&Node>, frag: &str, vars: &mut Vars) -> i64 {
    let next_first = next.map(first_char);
    let sep = e.separator();
    for (i, c) in frag.char_indices() {
        if e.is_reserved(c) || next_first == Some(c) {
            if c == sep && e.vars.len() > 1 {
                continue;
            }
            return if set_vars(e, &frag[..i], vars) {
                i as i64
            } else {
                -1
            };
        } else if i + c.len_utf8() == frag.len() {
            return if set_vars(e, frag, vars) {
                frag.len() as i64
            } else {
                -1
            };
        }
    }
    0
}

/// Binds the variables to `text`: the whole (decoded) text for one `{+var}`, else the pieces
/// between separators, missing ones empty. A variable already bound must get the same value;
/// a `:N` variable must get exactly N characters. An undecodable value does not match (Synapse
/// throws from `URLDecoder`).
fn set_vars(e: &Expr, text: &str, vars: &mut Vars) -> bool {
    let whole = matches!(e.kind, Kind::Reserved | Kind::Fragment) && e.vars.len() == 1;
    let pieces = if whole {
        vec![text]
    } else {
        java_split(text, e.separator())
    };
    if pieces.len() > e.vars.len() {
        return false;
    }
    for (k, var) in e.vars.iter().enumerate() {
        let value = match pieces.get(k) {
            Some(p) => match url_decode(p) {
                Ok(v) => v,
                Err(_) => return false,
            },
            None => String::new(),
        };
        if !bind(var, value, vars) {
            return false;
        }
    }
    true
}

fn bind(var: &Var, value: String, vars: &mut Vars) -> bool {
    if let Some((_, old)) = vars.iter().find(|(n, _)| *n == var.name)
        && *old != value
    {
        return false;
    }
    if let Some(p) = var.prefix
        && value.encode_utf16().count() != p
    {
        return false;
    }
    if !vars.iter().any(|(n, _)| *n == var.name) {
        vars.push((var.name.clone(), value));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(t).expect("parses").matches(uri)
    }

    fn vars(pairs: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn literals() {
        assert_eq!(m("/", "/"), vars(&[]));
        assert_eq!(m("/", "/?a=1"), vars(&[]));
        assert_eq!(m("/a", "/a/"), vars(&[]));
        assert_eq!(m("/a", "/a?x=1"), vars(&[]));
        // the query must follow the matched text itself
        assert_eq!(m("/a", "/a/?x=1"), None);
        assert_eq!(m("/a", "/ab"), None);
        assert_eq!(m("/a/", "/a"), vars(&[]));
        assert_eq!(m("/files/*", "/files/a/b.txt"), vars(&[]));
        assert_eq!(m("/files/*", "/files"), None);
        assert_eq!(m("/*", "/anything?x"), vars(&[]));
    }

    #[test]
    fn simple_variables() {
        assert_eq!(m("/view/{symbol}", "/view/IBM"), vars(&[("symbol", "IBM")]));
        assert_eq!(
            m("/view/{symbol}", "/view/IBM/"),
            vars(&[("symbol", "IBM")])
        );
        assert_eq!(m("/view/{symbol}", "/view/IBM/x"), None);
        assert_eq!(m("/view/{symbol}", "/view/"), None);
        assert_eq!(m("/view/{s}", "/view/a%20b%2Fc"), vars(&[("s", "a b/c")]));
        // `+` is reserved: it ends the value, and nothing takes the rest
        assert_eq!(m("/view/{s}", "/view/a+b"), None);
        assert_eq!(m("/view/{s}", "/view/a%2Bb"), vars(&[("s", "a+b")]));
        assert_eq!(m("/view/{s}", "/view/%zz"), None);
        assert_eq!(m("/{a}-{b}", "/x-y"), vars(&[("a", "x"), ("b", "y")]));
        assert_eq!(m("/{a},{a}", "/x,x"), vars(&[("a", "x")]));
        assert_eq!(m("/{a},{a}", "/x,y"), None);
        assert_eq!(m("/{a,b}", "/x,y"), vars(&[("a", "x"), ("b", "y")]));
        assert_eq!(m("/{a,b}", "/x"), vars(&[("a", "x"), ("b", "")]));
        assert_eq!(m("/code/{id:3}", "/code/abc"), vars(&[("id", "abc")]));
        assert_eq!(m("/code/{id:3}", "/code/abcd"), None);
    }

    #[test]
    fn query_templates() {
        let t = "/getQuote?symbol={symbol}&amount={amount}";
        assert_eq!(
            m(t, "/getQuote?symbol=IBM&amount=5"),
            vars(&[("symbol", "IBM"), ("amount", "5")])
        );
        // a query template allows nothing after it
        assert_eq!(m("/q?a={a}", "/q?a=1&b=2"), None);
        assert_eq!(m("/q?a={a}", "/q"), None);
        // an empty value at the end: `{a}` matches nothing, and is not bound
        assert_eq!(m("/q?a={a}", "/q?a="), vars(&[]));
    }

    #[test]
    fn operators() {
        assert_eq!(m("/{+path}", "/a/b/c"), vars(&[("path", "a/b/c")]));
        assert_eq!(m("/{+path}", "/a+b"), vars(&[("path", "a b")]));
        assert_eq!(m("/file{.ext}", "/file.json"), vars(&[("ext", "json")]));
        assert_eq!(m("/file{.ext}", "/file.tar.gz"), None);
        assert_eq!(m("/x{/seg}", "/x/a"), vars(&[("seg", "a")]));
        assert_eq!(m("/x{/a,b}", "/x/p/q"), vars(&[("a", "p"), ("b", "q")]));
        assert_eq!(m("/a{#frag}", "/a#top"), vars(&[("frag", "top")]));
    }

    #[test]
    fn parse_errors() {
        for t in [
            "/a/{b",
            "/a/{}",
            "/a/}",
            "/a/{?q}",
            "/a/{x y}",
            "/a/{id:0}",
            "/{a{b}}",
        ] {
            assert!(UriTemplate::parse(t).is_err(), "{t}");
        }
    }
}
