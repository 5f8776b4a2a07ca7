//! Tokenizer for XPath 1.0 expressions, applying the disambiguation rules of REC §3.7.

use crate::ParseError;

/// One lexical token of an expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    DotDot,
    At,
    Comma,
    ColonColon,
    /// `*` as a name test.
    Star,
    /// `prefix:*`.
    PrefixStar(String),
    /// A QName used as a name test.
    Name(Option<String>, String),
    /// `comment`, `text`, `processing-instruction` or `node`, followed by `(`.
    NodeType(String),
    /// A QName followed by `(`.
    Function(Option<String>, String),
    /// An axis name followed by `::`.
    Axis(String),
    Literal(String),
    Number(f64),
    /// `$prefix:local` or `$local`.
    Var(Option<String>, String),
    And,
    Or,
    Mod,
    Div,
    Mul,
    Slash,
    SlashSlash,
    Pipe,
    Plus,
    Minus,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Tok {
    /// Whether this token is an Operator in the sense of REC §3.7.
    fn is_operator(&self) -> bool {
        matches!(
            self,
            Tok::And
                | Tok::Or
                | Tok::Mod
                | Tok::Div
                | Tok::Mul
                | Tok::Slash
                | Tok::SlashSlash
                | Tok::Pipe
                | Tok::Plus
                | Tok::Minus
                | Tok::Eq
                | Tok::Ne
                | Tok::Lt
                | Tok::Le
                | Tok::Gt
                | Tok::Ge
        )
    }

    /// A short human description for error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Dot => "'.'".into(),
            Tok::DotDot => "'..'".into(),
            Tok::At => "'@'".into(),
            Tok::Comma => "','".into(),
            Tok::ColonColon => "'::'".into(),
            Tok::Star | Tok::Mul => "'*'".into(),
            Tok::PrefixStar(p) => format!("'{p}:*'"),
            Tok::Name(p, l) | Tok::Function(p, l) => match p {
                Some(p) => format!("'{p}:{l}'"),
                None => format!("'{l}'"),
            },
            Tok::NodeType(n) | Tok::Axis(n) => format!("'{n}'"),
            Tok::Literal(_) => "string literal".into(),
            Tok::Number(_) => "number".into(),
            Tok::Var(p, l) => match p {
                Some(p) => format!("'${p}:{l}'"),
                None => format!("'${l}'"),
            },
            Tok::And => "'and'".into(),
            Tok::Or => "'or'".into(),
            Tok::Mod => "'mod'".into(),
            Tok::Div => "'div'".into(),
            Tok::Slash => "'/'".into(),
            Tok::SlashSlash => "'//'".into(),
            Tok::Pipe => "'|'".into(),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Eq => "'='".into(),
            Tok::Ne => "'!='".into(),
            Tok::Lt => "'<'".into(),
            Tok::Le => "'<='".into(),
            Tok::Gt => "'>'".into(),
            Tok::Ge => "'>='".into(),
        }
    }
}

/// A token with its 1-based character column.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) col: usize,
}

pub(crate) fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic() || (!c.is_ascii() && is_extra_name_char(c) && !c.is_numeric())
}

pub(crate) fn is_name_char(c: char) -> bool {
    c == '_'
        || c == '-'
        || c == '.'
        || c.is_alphanumeric()
        || c == '\u{B7}'
        || (!c.is_ascii() && is_extra_name_char(c))
}

/// Combining characters and extenders permitted in XML names.
fn is_extra_name_char(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0387}'
        | '\u{0483}'..='\u{0486}'
        | '\u{0591}'..='\u{05C4}'
        | '\u{064B}'..='\u{0652}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}'
        | '\u{0901}'..='\u{0903}'
        | '\u{093C}'..='\u{094D}'
        | '\u{0951}'..='\u{0954}'
        | '\u{0962}'..='\u{0963}'
        | '\u{02D0}'..='\u{02D1}'
        | '\u{0640}'
        | '\u{0E46}'
        | '\u{0EC6}'
        | '\u{3005}'
        | '\u{3031}'..='\u{3035}'
        | '\u{309D}'..='\u{309E}'
        | '\u{30FC}'..='\u{30FE}'
        | '\u{20D0}'..='\u{20DC}'
        | '\u{20E1}'
        | '\u{302A}'..='\u{302F}'
        | '\u{3099}'..='\u{309A}')
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn err(col: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        column: col,
        message: message.into(),
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn skip_ws_from(&self, mut i: usize) -> usize {
        while self.peek_at(i).is_some_and(is_xml_space) {
            i += 1;
        }
        i
    }

    fn ncname(&mut self) -> String {
        let start = self.pos;
        while self.peek_at(self.pos).is_some_and(is_name_char) {
            self.pos += 1;
        }
        self.chars
            .get(start..self.pos)
            .unwrap_or_default()
            .iter()
            .collect()
    }
}

/// Split `input` into tokens.
pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut lx = Lexer {
        chars: input.chars().collect(),
        pos: 0,
    };
    let mut out: Vec<Token> = Vec::new();
    loop {
        lx.pos = lx.skip_ws_from(lx.pos);
        let Some(c) = lx.peek_at(lx.pos) else { break };
        let col = lx.pos + 1;
        // REC §3.7: is the previous token one after which `*` and names are operators?
        let operator_position = match out.last() {
            None => false,
            Some(t) => {
                !(matches!(
                    t.tok,
                    Tok::At | Tok::ColonColon | Tok::LParen | Tok::LBracket | Tok::Comma
                ) || t.tok.is_operator())
            }
        };
        let next = lx.peek_at(lx.pos + 1);
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            '@' => (Tok::At, 1),
            ',' => (Tok::Comma, 1),
            '|' => (Tok::Pipe, 1),
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '=' => (Tok::Eq, 1),
            '!' if next == Some('=') => (Tok::Ne, 2),
            '<' if next == Some('=') => (Tok::Le, 2),
            '<' => (Tok::Lt, 1),
            '>' if next == Some('=') => (Tok::Ge, 2),
            '>' => (Tok::Gt, 1),
            '/' if next == Some('/') => (Tok::SlashSlash, 2),
            '/' => (Tok::Slash, 1),
            ':' if next == Some(':') => (Tok::ColonColon, 2),
            '*' => (
                if operator_position {
                    Tok::Mul
                } else {
                    Tok::Star
                },
                1,
            ),
            '.' if next == Some('.') => (Tok::DotDot, 2),
            '.' if next.is_some_and(|d| d.is_ascii_digit()) => {
                let start = lx.pos;
                lx.pos += 1;
                while lx.peek_at(lx.pos).is_some_and(|d| d.is_ascii_digit()) {
                    lx.pos += 1;
                }
                let text: String = lx
                    .chars
                    .get(start..lx.pos)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                let n = text.parse::<f64>().unwrap_or(f64::NAN);
                out.push(Token {
                    tok: Tok::Number(n),
                    col,
                });
                continue;
            }
            '.' => (Tok::Dot, 1),
            '0'..='9' => {
                let start = lx.pos;
                while lx.peek_at(lx.pos).is_some_and(|d| d.is_ascii_digit()) {
                    lx.pos += 1;
                }
                if lx.peek_at(lx.pos) == Some('.') {
                    lx.pos += 1;
                    while lx.peek_at(lx.pos).is_some_and(|d| d.is_ascii_digit()) {
                        lx.pos += 1;
                    }
                }
                let text: String = lx
                    .chars
                    .get(start..lx.pos)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                let n = text.parse::<f64>().unwrap_or(f64::NAN);
                out.push(Token {
                    tok: Tok::Number(n),
                    col,
                });
                continue;
            }
            '"' | '\'' => {
                let start = lx.pos + 1;
                let mut end = start;
                while lx.peek_at(end).is_some_and(|d| d != c) {
                    end += 1;
                }
                if lx.peek_at(end).is_none() {
                    return Err(err(col, "unterminated string literal"));
                }
                let text: String = lx
                    .chars
                    .get(start..end)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                lx.pos = end + 1;
                out.push(Token {
                    tok: Tok::Literal(text),
                    col,
                });
                continue;
            }
            '$' => {
                lx.pos += 1;
                if !lx.peek_at(lx.pos).is_some_and(is_name_start) {
                    return Err(err(col, "expected variable name after '$'"));
                }
                let first = lx.ncname();
                let tok = if lx.peek_at(lx.pos) == Some(':')
                    && lx.peek_at(lx.pos + 1).is_some_and(is_name_start)
                {
                    lx.pos += 1;
                    let local = lx.ncname();
                    Tok::Var(Some(first), local)
                } else {
                    Tok::Var(None, first)
                };
                out.push(Token { tok, col });
                continue;
            }
            c if is_name_start(c) => {
                let first = lx.ncname();
                if operator_position {
                    let tok = match first.as_str() {
                        "and" => Tok::And,
                        "or" => Tok::Or,
                        "mod" => Tok::Mod,
                        "div" => Tok::Div,
                        _ => {
                            return Err(err(col, format!("expected an operator, found '{first}'")));
                        }
                    };
                    out.push(Token { tok, col });
                    continue;
                }
                // prefix:* or prefix:local (no whitespace allowed around the colon)
                let mut prefix = None;
                let mut local = first;
                if lx.peek_at(lx.pos) == Some(':') {
                    let after = lx.peek_at(lx.pos + 1);
                    if after == Some('*') {
                        lx.pos += 2;
                        out.push(Token {
                            tok: Tok::PrefixStar(local),
                            col,
                        });
                        continue;
                    } else if after.is_some_and(is_name_start) {
                        lx.pos += 1;
                        prefix = Some(local);
                        local = lx.ncname();
                    } else if after != Some(':') {
                        return Err(err(lx.pos + 1, "expected a name or '*' after ':'"));
                    }
                }
                let after = lx.skip_ws_from(lx.pos);
                let tok = if lx.peek_at(after) == Some('(') {
                    match (&prefix, local.as_str()) {
                        (None, "comment" | "text" | "processing-instruction" | "node") => {
                            Tok::NodeType(local)
                        }
                        _ => Tok::Function(prefix, local),
                    }
                } else if prefix.is_none()
                    && lx.peek_at(after) == Some(':')
                    && lx.peek_at(after + 1) == Some(':')
                {
                    Tok::Axis(local)
                } else {
                    Tok::Name(prefix, local)
                };
                out.push(Token { tok, col });
                continue;
            }
            other => return Err(err(col, format!("unexpected character '{other}'"))),
        };
        lx.pos += len;
        out.push(Token { tok, col });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn star_is_name_test_or_multiply() {
        assert_eq!(toks("*"), vec![Tok::Star]);
        assert_eq!(
            toks("2*3"),
            vec![Tok::Number(2.0), Tok::Mul, Tok::Number(3.0)]
        );
        assert_eq!(toks("@*"), vec![Tok::At, Tok::Star]);
        assert_eq!(
            toks("a/*"),
            vec![Tok::Name(None, "a".into()), Tok::Slash, Tok::Star]
        );
        assert_eq!(toks("* * *"), vec![Tok::Star, Tok::Mul, Tok::Star]);
        assert_eq!(toks("(*)"), vec![Tok::LParen, Tok::Star, Tok::RParen]);
    }

    #[test]
    fn operator_names() {
        assert_eq!(
            toks("div div div"),
            vec![
                Tok::Name(None, "div".into()),
                Tok::Div,
                Tok::Name(None, "div".into())
            ]
        );
        assert_eq!(
            toks("and and or"),
            vec![
                Tok::Name(None, "and".into()),
                Tok::And,
                Tok::Name(None, "or".into())
            ]
        );
        assert_eq!(toks("mod mod mod")[1], Tok::Mod);
        assert!(tokenize("a b").is_err());
    }

    #[test]
    fn names_functions_axes() {
        assert_eq!(
            toks("child::p:x"),
            vec![
                Tok::Axis("child".into()),
                Tok::ColonColon,
                Tok::Name(Some("p".into()), "x".into())
            ]
        );
        assert_eq!(
            toks("text ()"),
            vec![Tok::NodeType("text".into()), Tok::LParen, Tok::RParen]
        );
        assert_eq!(
            toks("f:g()")[0],
            Tok::Function(Some("f".into()), "g".into())
        );
        assert_eq!(toks("p:*"), vec![Tok::PrefixStar("p".into())]);
        assert_eq!(toks("a-b"), vec![Tok::Name(None, "a-b".into())]);
        assert_eq!(toks("a -b").len(), 3);
        assert_eq!(
            toks("$ctx:x"),
            vec![Tok::Var(Some("ctx".into()), "x".into())]
        );
    }

    #[test]
    fn numbers_and_dots() {
        assert_eq!(toks(".5"), vec![Tok::Number(0.5)]);
        assert_eq!(toks("5."), vec![Tok::Number(5.0)]);
        assert_eq!(toks("../."), vec![Tok::DotDot, Tok::Slash, Tok::Dot]);
        assert!(tokenize("1e3").is_err());
    }

    #[test]
    fn columns_are_character_based() {
        let t = tokenize("'é' = x").unwrap();
        assert_eq!(t[1].col, 5);
        assert_eq!(tokenize("'abc").unwrap_err().column, 1);
        assert_eq!(tokenize("a # b").unwrap_err().column, 3);
    }
}
