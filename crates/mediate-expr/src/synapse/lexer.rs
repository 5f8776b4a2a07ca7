//! Tokenizer of Synapse expressions (MI's `ExpressionLexer.g4`, hand-written).

use super::error::{ExprError, ExprErrorKind};

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// Raw number text: `12`, `8.95`.
    Num(String),
    /// Unescaped string literal.
    Str(String),
    Dollar,
    At,
    Dot,
    DotDot,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Colon,
    Question,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    Bang,
    Eof,
}

impl Tok {
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Num(s) => format!("number {s}"),
            Tok::Str(_) => "a string".to_owned(),
            Tok::Eof => "end of expression".to_owned(),
            other => format!("'{}'", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::Dollar => "$",
            Tok::At => "@",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Comma => ",",
            Tok::Colon => ":",
            Tok::Question => "?",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Bang => "!",
            _ => "?",
        }
    }
}

/// A token and its byte range in the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Converts byte offsets to 1-based character columns of the full user text.
pub(crate) fn column_of(src: &str, byte: usize) -> usize {
    let b = byte.min(src.len());
    // `b` may not be on a char boundary only if callers pass garbage; be total.
    src.char_indices().take_while(|(i, _)| *i < b).count() + 1
}

/// An on-demand lexer over `src[pos..end]`.
#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    pub(crate) src: &'a str,
    pub(crate) pos: usize,
    pub(crate) end: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str, start: usize, end: usize) -> Self {
        Lexer {
            src,
            pos: start,
            end,
        }
    }

    fn err(&self, at: usize, msg: impl Into<String>) -> ExprError {
        ExprError::at(ExprErrorKind::Syntax, column_of(self.src, at), msg)
    }

    fn bytes(&self) -> &'a [u8] {
        &self.src.as_bytes()[..self.end]
    }

    pub(crate) fn skip_ws(&mut self) {
        let b = self.bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    pub(crate) fn next_token(&mut self) -> Result<Token, ExprError> {
        self.skip_ws();
        let b = self.bytes();
        let start = self.pos;
        if start >= b.len() {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        }
        let c = b[start];
        let peek = |i: usize| b.get(start + i).copied().unwrap_or(0);
        let (tok, len) = match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let mut i = start + 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let mut word = &self.src[start..i];
                if word == "hashicorp" && self.src[i..self.end].starts_with("-vault") {
                    word = &self.src[start..i + 6];
                    i += 6;
                }
                (Tok::Ident(word.to_owned()), i - start)
            }
            b'0'..=b'9' => {
                let mut i = start;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                    i += 1;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                (Tok::Num(self.src[start..i].to_owned()), i - start)
            }
            b'"' | b'\'' => return self.string(c),
            b'$' => (Tok::Dollar, 1),
            b'@' => (Tok::At, 1),
            b'.' if peek(1) == b'.' => (Tok::DotDot, 2),
            b'.' => (Tok::Dot, 1),
            b'[' => (Tok::LBracket, 1),
            b']' => (Tok::RBracket, 1),
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b',' => (Tok::Comma, 1),
            b':' => (Tok::Colon, 1),
            b'?' => (Tok::Question, 1),
            b'+' => (Tok::Plus, 1),
            b'-' => (Tok::Minus, 1),
            b'*' => (Tok::Star, 1),
            b'/' => (Tok::Slash, 1),
            b'%' => (Tok::Percent, 1),
            b'=' if peek(1) == b'=' => (Tok::EqEq, 2),
            b'=' => return Err(self.err(start, "unexpected '=' (did you mean '=='?)")),
            b'!' if peek(1) == b'=' => (Tok::NotEq, 2),
            b'!' => (Tok::Bang, 1),
            b'<' if peek(1) == b'=' => (Tok::Le, 2),
            b'<' => (Tok::Lt, 1),
            b'>' if peek(1) == b'=' => (Tok::Ge, 2),
            b'>' => (Tok::Gt, 1),
            b'&' if peek(1) == b'&' => (Tok::AndAnd, 2),
            b'|' if peek(1) == b'|' => (Tok::OrOr, 2),
            b'&' => return Err(self.err(start, "unexpected '&' (did you mean '&&'?)")),
            b'|' => return Err(self.err(start, "unexpected '|' (did you mean '||'?)")),
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or('?');
                return Err(self.err(start, format!("unexpected character '{ch}'")));
            }
        };
        self.pos = start + len;
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    fn string(&mut self, quote: u8) -> Result<Token, ExprError> {
        let start = self.pos;
        let mut out = String::new();
        let s = &self.src[..self.end];
        let mut it = s[start + 1..]
            .char_indices()
            .map(|(i, c)| (i + start + 1, c));
        while let Some((i, c)) = it.next() {
            if c == quote as char {
                self.pos = i + 1;
                return Ok(Token {
                    tok: Tok::Str(out),
                    start,
                    end: self.pos,
                });
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((j, e)) = it.next() else {
                break;
            };
            match e {
                'b' => out.push('\u{8}'),
                't' => out.push('\t'),
                'n' => out.push('\n'),
                'f' => out.push('\u{c}'),
                'r' => out.push('\r'),
                '"' | '\'' | '\\' | '/' => out.push(e),
                'u' => {
                    let hex = s.get(j + 1..j + 5).unwrap_or("");
                    let code = if hex.len() == 4 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        u32::from_str_radix(hex, 16).ok()
                    } else {
                        None
                    };
                    let Some(code) = code else {
                        return Err(self.err(i, "invalid \\u escape: expected 4 hex digits"));
                    };
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    for _ in 0..4 {
                        it.next();
                    }
                }
                '0'..='7' => {
                    // octal: [0-3]?[0-7][0-7] per the MI lexer; accept 1-3 digits
                    let mut v = e as u32 - '0' as u32;
                    let mut n = 1;
                    let max = if e <= '3' { 3 } else { 2 };
                    while n < max {
                        match s[i..].chars().nth(n + 1) {
                            Some(d @ '0'..='7') => {
                                v = v * 8 + (d as u32 - '0' as u32);
                                it.next();
                                n += 1;
                            }
                            _ => break,
                        }
                    }
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                }
                other => {
                    return Err(
                        self.err(i, format!("invalid escape sequence '\\{other}' in string"))
                    );
                }
            }
        }
        Err(self.err(start, "unterminated string literal"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        let mut l = Lexer::new(s, 0, s.len());
        let mut v = Vec::new();
        loop {
            let t = l.next_token().unwrap();
            if t.tok == Tok::Eof {
                return v;
            }
            v.push(t.tok);
        }
    }

    #[test]
    fn lexes_basics() {
        assert_eq!(
            toks("payload.a[0] >= 8.95 && 'x\\'y'"),
            vec![
                Tok::Ident("payload".into()),
                Tok::Dot,
                Tok::Ident("a".into()),
                Tok::LBracket,
                Tok::Num("0".into()),
                Tok::RBracket,
                Tok::Ge,
                Tok::Num("8.95".into()),
                Tok::AndAnd,
                Tok::Str("x'y".into()),
            ]
        );
        assert_eq!(toks("\"\\u0041\\101\""), vec![Tok::Str("AA".into())]);
        assert_eq!(
            toks("hashicorp-vault("),
            vec![Tok::Ident("hashicorp-vault".into()), Tok::LParen]
        );
    }

    #[test]
    fn column_counts_chars() {
        assert_eq!(column_of("é+x", 3), 3);
    }
}
