//! Java regular expressions (`java.util.regex.Pattern`), as MI's mediators take them.
//!
//! Synapse compiles every `regex`/`pattern` attribute with `Pattern.compile` and tests it with
//! `Matcher.matches()` (the *whole* input must match: filter `regex`, switch `case regex`,
//! property `pattern`) or `Matcher.find()`. [`JavaRegex`] gives the same answers in Rust:
//!
//! 1. the Java pattern is read by a small translator that knows Java's syntax and meaning and
//!    writes an equivalent pattern for the Rust engines (see below), refusing constructs it
//!    cannot express with a [`JavaRegexError`] naming the construct and its 1-based column;
//! 2. the result is compiled once with the [`regex`] crate (linear time) when it needs no
//!    backtracking feature, else with [`fancy_regex`] (lookaround, backreferences, atomic
//!    groups, possessive quantifiers), whose backtracking is capped at
//!    [`BACKTRACK_LIMIT`] steps: a match that would exceed it is a [`MediationError`], never a
//!    hang.
//!
//! What the translation keeps of Java's meaning (where Rust's defaults differ):
//!
//! | Java | meaning kept |
//! |---|---|
//! | `\d` `\w` `\s` `\b` | ASCII classes (`[0-9]`, `[a-zA-Z_0-9]`, `[ \t\n\x0B\f\r]`), Unicode under `(?U)` |
//! | `.` | any character but `\n` `\r` `\u0085` `\u2028` `\u2029` (only `\n` under `(?d)`, all under `(?s)`) |
//! | `$`, `\Z` | end of input, or before a line terminator that ends the input |
//! | `(?m)^` `(?m)$` | at `\n`, `\r` and `\r\n` line ends |
//! | `\p{Alpha}` `\p{Lower}` … | POSIX classes, ASCII (Unicode under `(?U)`) |
//! | `\p{javaLowerCase}` … | `Character.isLowerCase` and friends |
//! | `\p{IsLatin}` `\p{IsLu}` `\p{Lu}` `\p{IsAlphabetic}` `\p{sc=…}` `\p{gc=…}` | scripts, categories, binary properties |
//! | `\h` `\v` `\R` | horizontal / vertical whitespace, any line break |
//! | `\Q…\E` | quoted literal text |
//! | `(?<name>…)` `\k<name>` `\1` | named and numbered groups and backreferences (Java's digit rule) |
//! | `(?=…)` `(?!…)` `(?<=…)` `(?<!…)` `(?>…)` `X*+` | lookaround, atomic groups, possessive quantifiers |
//! | `(?idmsuxU-idmsuxU)` `(?i:…)` | inline flags, scoped to the enclosing group as in Java |
//! | `(?i)` | ASCII letters only (`(?i)k` does not take the Kelvin sign); Unicode folding under `(?iu)`; cased classes (`\p{Lower}`, `\p{Lu}`) take both cases |
//! | `\xhh` `\x{h…}` `\uhhhh` `\0ooo` `\cX` `\t` `\n` `\r` `\f` `\a` `\e` | character escapes |
//! | `[a-z&&[^aeiou]]` `[a-d[m-p]]` | class intersection and union |
//!
//! Refused (a [`JavaRegexError`]): Unicode blocks (`\p{InGreek}`), `\X`, `\N{…}`, `\b{g}`,
//! `\p{javaMirrored}` and the `javaIdentifier…` classes, `(?P<…>)` and other non-Java groups.
//!
//! Known differences, all on rare input: a backreference under `(?i)` compares with Unicode
//! case folding (Java's default folds ASCII only); `(?m)` line anchors see `\n`, `\r`, `\r\n`
//! but not `\u0085`, `\u2028`, `\u2029`, and `(?m)^` also matches at the very end of an input
//! ending with a line break; `\R` is not atomic (Java 9+ makes it so); `\b` is ASCII as in
//! Java 19+ (Java 17's `\b` took Unicode letters as word characters); a backreference to a group
//! defined later in the pattern is refused (Java accepts it and never matches).
//!
//! ```
//! use mediate_mediators::java_regex::JavaRegex;
//!
//! // Lookahead (the `regex` crate alone refuses it): anything not starting with "test".
//! let re = JavaRegex::new("^(?!test).*")?;
//! assert!(re.matches("prod-1")?);
//! assert!(!re.matches("test-1")?);
//!
//! // Matcher.matches() is a whole match; find() looks for the pattern anywhere.
//! let gold = JavaRegex::new("gold|plat.*")?;
//! assert!(!gold.matches("golden")?);
//! assert_eq!(gold.find("golden")?, Some(0..4));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use mediate_core::{BuildError, MediationError};

/// The most backtracking steps a match may take on the backtracking engine (patterns with
/// lookaround, backreferences, atomic groups or possessive quantifiers) before it fails with a
/// [`MediationError`].
pub const BACKTRACK_LIMIT: usize = 1_000_000;

/// Why a Java pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaRegexError {
    /// The construct at fault, as written (`\p{InGreek}`, `(?P<`…), or the engine's words.
    pub construct: String,
    /// The 1-based column (in characters) of the construct in the pattern, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for JavaRegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.reason, self.construct)?;
        if let Some(c) = self.column {
            write!(f, " at column {c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for JavaRegexError {}

/// One compiled engine.
#[derive(Debug)]
enum Engine {
    Plain(regex::Regex),
    Fancy(fancy_regex::Regex),
}

/// A Java regular expression compiled for Rust; see the [module](self) documentation.
#[derive(Debug)]
pub struct JavaRegex {
    pattern: String,
    whole: Engine,
    /// The unanchored engine for `find`, compiled on first use.
    find: OnceLock<Result<Engine, String>>,
    group_count: usize,
    names: Vec<(String, usize)>,
}

/// The groups of one match: index 0 is the whole match, then Java's numbered groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaCaptures<'t> {
    text: &'t str,
    spans: Vec<Option<Range<usize>>>,
}

impl<'t> JavaCaptures<'t> {
    /// The text of group `i` (`Matcher.group(i)`): `None` when the group did not take part in
    /// the match or does not exist.
    pub fn get(&self, i: usize) -> Option<&'t str> {
        self.span(i).and_then(|r| self.text.get(r))
    }

    /// The byte range of group `i` in the input.
    pub fn span(&self, i: usize) -> Option<Range<usize>> {
        self.spans.get(i).cloned().flatten()
    }

    /// The number of groups, including group 0.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Never true: group 0 is always there.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

impl JavaRegex {
    /// Translates and compiles a Java pattern.
    pub fn new(pattern: &str) -> Result<JavaRegex, JavaRegexError> {
        let t = translate(pattern, true)?;
        let whole = compile_engine(&t, pattern)?;
        Ok(JavaRegex {
            pattern: pattern.to_owned(),
            whole,
            find: OnceLock::new(),
            group_count: t.groups,
            names: t.names,
        })
    }

    /// [`new`](Self::new) for attribute `attribute` of mediator `kind`: a refused pattern is a
    /// [`BuildError::InvalidProperty`] naming the construct and its column.
    pub fn for_attribute(
        kind: &str,
        attribute: &str,
        pattern: &str,
    ) -> Result<JavaRegex, BuildError> {
        JavaRegex::new(pattern).map_err(|e| BuildError::InvalidProperty {
            kind: kind.to_owned(),
            property: attribute.to_owned(),
            value: pattern.to_owned(),
            reason: e.to_string(),
        })
    }

    /// The Java pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether whole matches run on the backtracking engine (capped at [`BACKTRACK_LIMIT`]).
    /// (`find` may need it where whole matches do not: Java's `$` before a final line break.)
    pub fn is_backtracking(&self) -> bool {
        matches!(self.whole, Engine::Fancy(_))
    }

    /// Java's `groupCount()`: the number of capturing groups, not counting group 0.
    pub fn group_count(&self) -> usize {
        self.group_count
    }

    /// The number of the named group `name`.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
    }

    /// Java's `Matcher.matches()`: whether the whole input matches.
    pub fn matches(&self, input: &str) -> Result<bool, MediationError> {
        match &self.whole {
            Engine::Plain(r) => Ok(r.is_match(input)),
            Engine::Fancy(r) => r.is_match(input).map_err(|e| self.runtime(e)),
        }
    }

    /// `Matcher.matches()` then `group(i)`: the groups of a whole match, `None` when the input
    /// does not match as a whole.
    pub fn match_whole<'t>(
        &self,
        input: &'t str,
    ) -> Result<Option<JavaCaptures<'t>>, MediationError> {
        self.captures_with(&self.whole, input)
    }

    /// Java's `Matcher.find()` from the start: the byte range of the first match.
    pub fn find(&self, input: &str) -> Result<Option<Range<usize>>, MediationError> {
        match self.find_engine()? {
            Engine::Plain(r) => Ok(r.find(input).map(|m| m.range())),
            Engine::Fancy(r) => r
                .find(input)
                .map(|m| m.map(|m| m.range()))
                .map_err(|e| self.runtime(e)),
        }
    }

    /// `Matcher.find()` then `group(i)`: the groups of the first match anywhere in the input.
    pub fn find_captures<'t>(
        &self,
        input: &'t str,
    ) -> Result<Option<JavaCaptures<'t>>, MediationError> {
        let engine = self.find_engine()?;
        self.captures_with(engine, input)
    }

    fn find_engine(&self) -> Result<&Engine, MediationError> {
        self.find
            .get_or_init(|| {
                translate(&self.pattern, false)
                    .and_then(|t| compile_engine(&t, &self.pattern))
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| MediationError::mediator(format!("regex `{}`: {e}", self.pattern)))
    }

    fn captures_with<'t>(
        &self,
        engine: &Engine,
        input: &'t str,
    ) -> Result<Option<JavaCaptures<'t>>, MediationError> {
        let n = self.group_count + 1;
        let spans: Option<Vec<Option<Range<usize>>>> = match engine {
            Engine::Plain(r) => r
                .captures(input)
                .map(|c| (0..n).map(|i| c.get(i).map(|m| m.range())).collect()),
            Engine::Fancy(r) => r
                .captures(input)
                .map_err(|e| self.runtime(e))?
                .map(|c| (0..n).map(|i| c.get(i).map(|m| m.range())).collect()),
        };
        Ok(spans.map(|spans| JavaCaptures { text: input, spans }))
    }

    fn runtime(&self, e: fancy_regex::Error) -> MediationError {
        let what = match &e {
            fancy_regex::Error::RuntimeError(fancy_regex::RuntimeError::BacktrackLimitExceeded) => {
                format!(
                    "the match exceeded the backtracking limit ({BACKTRACK_LIMIT} steps): \
                     the pattern backtracks too much on this input"
                )
            }
            other => other.to_string(),
        };
        MediationError::mediator(format!("regex `{}`: {what}", self.pattern)).with_source(e)
    }
}

impl fmt::Display for JavaRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

/// A translated pattern.
struct Translated {
    text: String,
    fancy: bool,
    groups: usize,
    names: Vec<(String, usize)>,
    /// (byte offset in `text`, 1-based column in the Java pattern) at each token.
    columns: Vec<(usize, usize)>,
}

fn compile_engine(t: &Translated, pattern: &str) -> Result<Engine, JavaRegexError> {
    if t.fancy {
        fancy_regex::RegexBuilder::new(&t.text)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map(Engine::Fancy)
            .map_err(|e| {
                let column = match &e {
                    fancy_regex::Error::ParseError(ix, _) => t.column_at(*ix),
                    _ => None,
                };
                engine_error(&e.to_string(), column, pattern)
            })
    } else {
        regex::Regex::new(&t.text)
            .map(Engine::Plain)
            .map_err(|e| engine_error(&e.to_string(), None, pattern))
    }
}

fn engine_error(message: &str, column: Option<usize>, pattern: &str) -> JavaRegexError {
    // The regex crate's message spans several lines (pattern, caret, "error: …").
    let reason = message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .trim_start_matches("error: ")
        .to_owned();
    JavaRegexError {
        construct: pattern.to_owned(),
        column,
        reason: format!("the pattern cannot be compiled ({reason}):"),
    }
}

impl Translated {
    fn column_at(&self, offset: usize) -> Option<usize> {
        self.columns
            .iter()
            .rev()
            .find(|(o, _)| *o <= offset)
            .map(|(_, c)| *c)
    }
}

/// Translates `pattern`; `whole` anchors it for `Matcher.matches()`. The first pass aims at
/// the `regex` crate; a pattern needing backtracking is translated again for `fancy-regex`.
fn translate(pattern: &str, whole: bool) -> Result<Translated, JavaRegexError> {
    let plain = Translator::new(pattern, whole, false).run()?;
    if !plain.fancy {
        return Ok(plain);
    }
    Translator::new(pattern, whole, true).run()
}

#[derive(Clone, Copy, Default)]
struct Flags {
    /// `i` CASE_INSENSITIVE.
    i: bool,
    /// `m` MULTILINE.
    m: bool,
    /// `s` DOTALL.
    s: bool,
    /// `d` UNIX_LINES.
    d: bool,
    /// `x` COMMENTS.
    x: bool,
    /// `U` UNICODE_CHARACTER_CLASS.
    uc: bool,
    /// `u` UNICODE_CASE.
    u: bool,
}

impl Flags {
    /// Case-insensitive with Unicode folding (`(?iu)`): Rust's `(?i)`.
    fn unicode_i(self) -> bool {
        self.i && self.u
    }

    /// Case-insensitive for ASCII letters only (Java's default `(?i)`): spelled out.
    fn ascii_i(self) -> bool {
        self.i && !self.u
    }
}

const LINE_TERMINATORS: &str = r"\n\r\x{85}\x{2028}\x{2029}";
/// Java's `$` (`Pattern.Dollar`, not multiline): at the end, or before a final `\r\n` or line
/// terminator, but never between the `\r` and `\n` of a final `\r\n`.
const JAVA_DOLLAR: &str = r"(?:(?=(?:\r\n|[\r\x{85}\x{2028}\x{2029}])?\z)|(?<!\r)(?=\n\z))";
const ASCII_WORD: &str = "[0-9A-Za-z_]";

struct Translator<'a> {
    src: &'a str,
    chars: Vec<char>,
    pos: usize,
    flags: Flags,
    stack: Vec<Flags>,
    out: String,
    whole: bool,
    /// Emitting for fancy-regex (second pass).
    for_fancy: bool,
    fancy: bool,
    groups: usize,
    names: Vec<(String, usize)>,
    columns: Vec<(usize, usize)>,
    /// Whether the last item can take a quantifier.
    quantifiable: bool,
    /// How many character classes are open.
    class_depth: usize,
}

/// The deepest nesting of groups or classes accepted (the `regex` crate's default limit), so
/// that no engine recurses too deep on a hostile pattern.
const MAX_NESTING: usize = 250;

type TResult<T> = Result<T, JavaRegexError>;

impl<'a> Translator<'a> {
    fn new(src: &'a str, whole: bool, for_fancy: bool) -> Self {
        let prefix = if whole { r"\A(?:" } else { "" };
        Translator {
            src,
            chars: src.chars().collect(),
            pos: 0,
            flags: Flags::default(),
            stack: Vec::new(),
            out: String::from(prefix),
            whole,
            for_fancy,
            fancy: false,
            groups: 0,
            names: Vec::new(),
            columns: Vec::new(),
            quantifiable: false,
            class_depth: 0,
        }
    }

    fn err(&self, start: usize, end: usize, reason: &str) -> JavaRegexError {
        let end = end.clamp(start, self.chars.len());
        JavaRegexError {
            construct: self.chars[start.min(self.chars.len())..end]
                .iter()
                .collect(),
            column: Some(start + 1),
            reason: reason.to_owned(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(self.pos + i).copied()
    }

    /// In comments mode, skips whitespace and `#` comments.
    fn skip_comments(&mut self) {
        if !self.flags.x {
            return;
        }
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += 1;
            } else if c == '#' {
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == '\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    /// A literal character outside a class; under Java's ASCII-only `(?i)` an ASCII letter
    /// matches both cases.
    fn literal(&mut self, c: char) {
        if self.flags.ascii_i() && c.is_ascii_alphabetic() {
            let (l, u) = (c.to_ascii_lowercase(), c.to_ascii_uppercase());
            self.out.push_str(&format!("[{l}{u}]"));
        } else {
            push_literal(&mut self.out, c);
        }
    }

    fn mark(&mut self) {
        self.columns.push((self.out.len(), self.pos + 1));
    }

    fn need_fancy(&mut self) {
        self.fancy = true;
    }

    fn run(mut self) -> TResult<Translated> {
        loop {
            self.skip_comments();
            let Some(c) = self.peek() else { break };
            self.mark();
            let start = self.pos;
            self.pos += 1;
            match c {
                '\\' => self.escape(start)?,
                '[' => {
                    let class = self.class(start)?;
                    self.out.push_str(&class);
                    self.quantifiable = true;
                }
                '(' => self.open_group(start)?,
                ')' => {
                    let Some(saved) = self.stack.pop() else {
                        return Err(self.err(start, start + 1, "unmatched closing"));
                    };
                    self.flags = saved;
                    self.out.push(')');
                    self.quantifiable = true;
                }
                '|' => {
                    self.out.push('|');
                    self.quantifiable = false;
                }
                '.' => {
                    let dot = if self.flags.s {
                        "(?s:.)".to_owned()
                    } else if self.flags.d {
                        r"[^\n]".to_owned()
                    } else {
                        format!("[^{LINE_TERMINATORS}]")
                    };
                    self.out.push_str(&dot);
                    self.quantifiable = true;
                }
                '^' => {
                    let caret = match (self.flags.m, self.flags.d) {
                        (false, _) => r"\A",
                        (true, false) => "(?mR:^)",
                        (true, true) => "(?m:^)",
                    };
                    self.out.push_str(caret);
                    self.quantifiable = false;
                }
                '$' => {
                    self.dollar(false);
                    self.quantifiable = false;
                }
                '*' | '+' | '?' | '{' => self.quantifier(start, c)?,
                other => {
                    self.literal(other);
                    self.quantifiable = true;
                }
            }
        }
        if !self.stack.is_empty() {
            return Err(JavaRegexError {
                construct: self.src.to_owned(),
                column: Some(self.chars.len() + 1),
                reason: "unclosed group in".into(),
            });
        }
        if self.whole {
            self.out.push_str(r")\z");
        }
        Ok(Translated {
            text: self.out,
            fancy: self.fancy,
            groups: self.groups,
            names: self.names,
            columns: self.columns,
        })
    }

    /// `$` (or `\Z` with `z_anchor`): Java's end of input, or before a final line terminator.
    fn dollar(&mut self, z_anchor: bool) {
        if self.flags.m && !z_anchor {
            self.out
                .push_str(if self.flags.d { "(?m:$)" } else { "(?mR:$)" });
            return;
        }
        // In a whole match, a `$` that ends a top-level alternative can only hold at the end.
        if self.whole && self.stack.is_empty() {
            let save = self.pos;
            self.skip_comments();
            let next = self.peek();
            self.pos = save;
            if matches!(next, None | Some('|')) {
                self.out.push_str(r"\z");
                return;
            }
        }
        self.need_fancy();
        if self.flags.d {
            self.out.push_str(r"(?=\n?\z)");
        } else {
            self.out.push_str(JAVA_DOLLAR);
        }
    }

    fn quantifier(&mut self, start: usize, c: char) -> TResult<()> {
        if !self.quantifiable {
            let reason = if c == '{' {
                "illegal repetition"
            } else {
                "dangling meta character"
            };
            return Err(self.err(start, start + 1, reason));
        }
        match c {
            '{' => {
                let lo = self.number();
                let (lo, hi) = match (lo, self.peek()) {
                    (Some(lo), Some('}')) => (lo, Some(lo)),
                    (Some(lo), Some(',')) => {
                        self.pos += 1;
                        if self.peek() == Some('}') {
                            (lo, None)
                        } else {
                            match self.number() {
                                Some(hi) if self.peek() == Some('}') => (lo, Some(hi)),
                                _ => {
                                    return Err(self.err(
                                        start,
                                        self.pos + 1,
                                        "illegal repetition",
                                    ));
                                }
                            }
                        }
                    }
                    _ => return Err(self.err(start, self.pos + 1, "illegal repetition")),
                };
                self.pos += 1; // '}'
                if hi.is_some_and(|hi| hi < lo) {
                    return Err(self.err(start, self.pos, "illegal repetition range"));
                }
                match hi {
                    Some(hi) if hi == lo => self.out.push_str(&format!("{{{lo}}}")),
                    Some(hi) => self.out.push_str(&format!("{{{lo},{hi}}}")),
                    None => self.out.push_str(&format!("{{{lo},}}")),
                }
            }
            other => self.out.push(other),
        }
        match self.peek() {
            Some('?') => {
                self.pos += 1;
                self.out.push('?');
            }
            Some('+') => {
                self.pos += 1;
                self.out.push('+');
                self.need_fancy();
            }
            _ => {}
        }
        self.quantifiable = false;
        Ok(())
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return None;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn open_group(&mut self, start: usize) -> TResult<()> {
        if self.stack.len() >= MAX_NESTING {
            return Err(self.err(start, start + 1, "groups nested too deeply"));
        }
        self.stack.push(self.flags);
        self.quantifiable = false;
        if self.peek() != Some('?') {
            self.groups += 1;
            self.out.push('(');
            return Ok(());
        }
        self.pos += 1;
        match (self.peek(), self.peek_at(1)) {
            (Some(':'), _) => {
                self.pos += 1;
                self.out.push_str("(?:");
            }
            (Some('='), _) | (Some('!'), _) => {
                self.pos += 1;
                self.need_fancy();
                self.out
                    .push_str(&format!("(?{}", self.chars[self.pos - 1]));
            }
            (Some('>'), _) => {
                self.pos += 1;
                self.need_fancy();
                self.out.push_str("(?>");
            }
            (Some('<'), Some(c @ ('=' | '!'))) => {
                self.pos += 2;
                self.need_fancy();
                self.out.push_str(&format!("(?<{c}"));
            }
            (Some('<'), _) => {
                self.pos += 1;
                let name_start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                    self.pos += 1;
                }
                let name: String = self.chars[name_start..self.pos].iter().collect();
                let valid = name.starts_with(|c: char| c.is_ascii_alphabetic());
                if !valid || self.peek() != Some('>') {
                    return Err(self.err(
                        start,
                        self.pos + 1,
                        "invalid capturing group name (Java: a letter, then letters or digits)",
                    ));
                }
                self.pos += 1;
                if self.names.iter().any(|(n, _)| *n == name) {
                    return Err(self.err(start, self.pos, "duplicate named group"));
                }
                self.groups += 1;
                self.names.push((name.clone(), self.groups));
                self.out.push_str(&format!("(?<{name}>"));
            }
            _ => self.flags_group(start)?,
        }
        Ok(())
    }

    /// `(?idmsuxU-idmsuxU)` or `(?idmsuxU-idmsuxU:…)`.
    fn flags_group(&mut self, start: usize) -> TResult<()> {
        let before = self.flags;
        let mut on = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err(start, self.pos, "unclosed group"));
            };
            self.pos += 1;
            match c {
                'i' => self.flags.i = on,
                'm' => self.flags.m = on,
                's' => self.flags.s = on,
                'd' => self.flags.d = on,
                'x' => self.flags.x = on,
                'U' => self.flags.uc = on,
                'u' => self.flags.u = on,
                '-' if on => on = false,
                ')' | ':' => {
                    let case = match (before.unicode_i(), self.flags.unicode_i()) {
                        (false, true) => "i",
                        (true, false) => "-i",
                        _ => "",
                    };
                    if c == ')' {
                        // Flags for the rest of the enclosing group: not a group itself.
                        let Some(_) = self.stack.pop() else {
                            return Err(self.err(start, self.pos, "unclosed group"));
                        };
                        if !case.is_empty() {
                            self.out.push_str(&format!("(?{case})"));
                        }
                    } else {
                        // The group keeps the outer flags to restore at its `)`.
                        if let Some(top) = self.stack.last_mut() {
                            *top = before;
                        }
                        self.out.push_str(&format!("(?{case}:"));
                    }
                    return Ok(());
                }
                _ => {
                    return Err(self.err(
                        start,
                        self.pos,
                        "unsupported group construct or unknown inline flag",
                    ));
                }
            }
        }
    }

    /// An escape outside a character class; `start` is the backslash.
    fn escape(&mut self, start: usize) -> TResult<()> {
        let Some(c) = self.peek() else {
            return Err(self.err(start, start + 1, "trailing backslash in"));
        };
        self.pos += 1;
        self.quantifiable = true;
        match c {
            '1'..='9' => {
                // Java: one digit, then more while the number names an existing group.
                let mut n = c.to_digit(10).unwrap_or(0) as usize;
                while let Some(d) = self.peek().and_then(|d| d.to_digit(10)) {
                    let next = n * 10 + d as usize;
                    if next > self.groups {
                        break;
                    }
                    n = next;
                    self.pos += 1;
                }
                if n > self.groups {
                    return Err(self.err(
                        start,
                        self.pos,
                        "backreference to a group that does not exist yet",
                    ));
                }
                self.need_fancy();
                let case = if self.flags.ascii_i() { "i" } else { "" };
                self.out.push_str(&format!(r"(?{case}:\{n})"));
            }
            'k' => {
                if self.peek() != Some('<') {
                    return Err(self.err(start, self.pos + 1, "named backreference needs <name>"));
                }
                let name_start = self.pos + 1;
                let Some(len) = self.chars[name_start..].iter().position(|&c| c == '>') else {
                    return Err(self.err(start, self.chars.len(), "unclosed named backreference"));
                };
                let name: String = self.chars[name_start..name_start + len].iter().collect();
                self.pos = name_start + len + 1;
                if !self.names.iter().any(|(n, _)| *n == name) {
                    return Err(self.err(
                        start,
                        self.pos,
                        "named backreference to an unknown group",
                    ));
                }
                self.need_fancy();
                self.out.push_str(&format!(r"(?:\k<{name}>)"));
            }
            'Q' => {
                let mut quoted = 0;
                while let Some(q) = self.peek() {
                    if q == '\\' && self.peek_at(1) == Some('E') {
                        self.pos += 2;
                        break;
                    }
                    self.literal(q);
                    self.pos += 1;
                    quoted += 1;
                }
                self.quantifiable = quoted > 0;
            }
            'A' | 'G' => {
                // `\G` is the end of the previous match: the start, for a single match.
                self.out.push_str(r"\A");
                self.quantifiable = false;
            }
            'z' => {
                self.out.push_str(r"\z");
                self.quantifiable = false;
            }
            'Z' => {
                self.dollar(true);
                self.quantifiable = false;
            }
            'b' | 'B' => {
                if self.peek() == Some('{') {
                    return Err(self.err(start, self.pos + 3, "unsupported boundary"));
                }
                let negate = c == 'B';
                if self.flags.uc {
                    self.out.push_str(if negate { r"\B" } else { r"\b" });
                } else if self.for_fancy {
                    let (a, b) = (ASCII_WORD, ASCII_WORD);
                    let bound = if negate {
                        format!("(?:(?<={a})(?={b})|(?<!{a})(?!{b}))")
                    } else {
                        format!("(?:(?<={a})(?!{b})|(?<!{a})(?={b}))")
                    };
                    self.out.push_str(&bound);
                } else {
                    self.out
                        .push_str(if negate { r"(?-u:\B)" } else { r"(?-u:\b)" });
                }
                self.quantifiable = false;
            }
            'R' => {
                self.out
                    .push_str(r"(?:\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])");
            }
            'X' => return Err(self.err(start, self.pos, "unsupported grapheme cluster")),
            'N' => return Err(self.err(start, self.pos + 1, "unsupported named character")),
            _ => {
                self.pos -= 1;
                match self.escape_item(start, false)? {
                    Item::Char(ch) => self.literal(ch),
                    Item::Class(cls) => self.out.push_str(&cls),
                }
            }
        }
        Ok(())
    }

    /// An escape that is a character or a class (valid inside and outside classes); `self.pos`
    /// is just after the backslash at `start`.
    fn escape_item(&mut self, start: usize, in_class: bool) -> TResult<Item> {
        let Some(c) = self.peek() else {
            return Err(self.err(start, start + 1, "trailing backslash in"));
        };
        self.pos += 1;
        let uc = self.flags.uc;
        Ok(match c {
            'd' => Item::Class(if uc { r"\d" } else { "[0-9]" }.into()),
            'D' => Item::Class(if uc { r"\D" } else { "[^0-9]" }.into()),
            'w' => Item::Class(if uc { r"\w" } else { "[0-9A-Za-z_]" }.into()),
            'W' => Item::Class(if uc { r"\W" } else { "[^0-9A-Za-z_]" }.into()),
            's' => Item::Class(if uc { r"\s" } else { r"[\t\n\x0B\f\r ]" }.into()),
            'S' => Item::Class(if uc { r"\S" } else { r"[^\t\n\x0B\f\r ]" }.into()),
            'h' => Item::Class(HSPACE.into()),
            'H' => Item::Class(format!("[^{}]", &HSPACE[1..HSPACE.len() - 1])),
            'v' => Item::Class(VSPACE.into()),
            'V' => Item::Class(format!("[^{}]", &VSPACE[1..VSPACE.len() - 1])),
            'p' | 'P' => {
                let name = if self.peek() == Some('{') {
                    let Some(len) = self.chars[self.pos..].iter().position(|&c| c == '}') else {
                        return Err(self.err(
                            start,
                            self.chars.len(),
                            "unclosed character property",
                        ));
                    };
                    let name: String = self.chars[self.pos + 1..self.pos + len].iter().collect();
                    self.pos += len + 1;
                    name
                } else if let Some(l) = self.peek() {
                    self.pos += 1;
                    l.to_string()
                } else {
                    return Err(self.err(start, self.pos, "character property needs a name"));
                };
                let class = property_class(&name, uc, self.flags.i)
                    .map_err(|reason| self.err(start, self.pos, &reason))?;
                Item::Class(if c == 'P' { negate(&class) } else { class })
            }
            't' => Item::Char('\t'),
            'n' => Item::Char('\n'),
            'r' => Item::Char('\r'),
            'f' => Item::Char('\x0C'),
            'a' => Item::Char('\x07'),
            'e' => Item::Char('\x1B'),
            '0' => {
                let mut value = 0u32;
                let mut digits = 0;
                while let Some(d) = self.peek().and_then(|d| d.to_digit(8)) {
                    // At most 3 digits, and a 3-digit value at most 0377.
                    if digits == 3 || (digits == 2 && value > 0o37) {
                        break;
                    }
                    value = value * 8 + d;
                    digits += 1;
                    self.pos += 1;
                }
                if digits == 0 {
                    return Err(self.err(start, self.pos, "illegal octal escape sequence"));
                }
                Item::Char(char::from_u32(value).unwrap_or('\0'))
            }
            'x' => {
                let value = if self.peek() == Some('{') {
                    let Some(len) = self.chars[self.pos..].iter().position(|&c| c == '}') else {
                        return Err(self.err(
                            start,
                            self.chars.len(),
                            "unclosed hexadecimal escape",
                        ));
                    };
                    let hex: String = self.chars[self.pos + 1..self.pos + len].iter().collect();
                    self.pos += len + 1;
                    u32::from_str_radix(&hex, 16).ok()
                } else {
                    self.hex_digits(2)
                };
                let ch = value.and_then(char::from_u32);
                Item::Char(ch.ok_or_else(|| {
                    self.err(start, self.pos, "illegal hexadecimal escape sequence")
                })?)
            }
            'u' => {
                let Some(hi) = self.hex_digits(4) else {
                    return Err(self.err(start, self.pos, "illegal Unicode escape sequence"));
                };
                // A surrogate pair written as two escapes is one character.
                let ch = if (0xD800..0xDC00).contains(&hi)
                    && self.peek() == Some('\\')
                    && self.peek_at(1) == Some('u')
                {
                    let save = self.pos;
                    self.pos += 2;
                    match self.hex_digits(4) {
                        Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                        }
                        _ => {
                            self.pos = save;
                            None
                        }
                    }
                } else {
                    char::from_u32(hi)
                };
                Item::Char(ch.ok_or_else(|| {
                    self.err(start, self.pos, "unpaired surrogate in Unicode escape")
                })?)
            }
            'c' => {
                let Some(x) = self.peek() else {
                    return Err(self.err(start, self.pos, "illegal control escape sequence"));
                };
                self.pos += 1;
                Item::Char(char::from_u32(u32::from(x) ^ 64).unwrap_or('\0'))
            }
            c if c.is_ascii_alphabetic() => {
                let reason = if in_class {
                    "illegal/unsupported escape sequence in a character class"
                } else {
                    "illegal/unsupported escape sequence"
                };
                return Err(self.err(start, self.pos, reason));
            }
            c if c.is_ascii_digit() => {
                return Err(self.err(start, self.pos, "backreference in a character class"));
            }
            other => Item::Char(other),
        })
    }

    fn hex_digits(&mut self, n: usize) -> Option<u32> {
        let end = self.pos + n;
        if end > self.chars.len() {
            return None;
        }
        let text: String = self.chars[self.pos..end].iter().collect();
        if !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos = end;
        u32::from_str_radix(&text, 16).ok()
    }

    /// A character class; `start` is its `[`, already consumed.
    fn class(&mut self, start: usize) -> TResult<String> {
        self.class_depth += 1;
        let result = if self.class_depth > MAX_NESTING {
            Err(self.err(start, start + 1, "character classes nested too deeply"))
        } else {
            self.class_body(start)
        };
        self.class_depth -= 1;
        result
    }

    fn class_body(&mut self, start: usize) -> TResult<String> {
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            self.pos += 1;
            out.push('^');
        }
        let mut first = true;
        let mut empty = true;
        loop {
            self.skip_comments();
            let Some(c) = self.peek() else {
                return Err(self.err(start, self.chars.len(), "unclosed character class"));
            };
            let item_start = self.pos;
            self.pos += 1;
            let item = match c {
                ']' if !first => break,
                '[' => {
                    out.push_str(&self.class(item_start)?);
                    empty = false;
                    first = false;
                    continue;
                }
                '&' if self.peek() == Some('&') => {
                    self.pos += 1;
                    out.push_str("&&");
                    first = false;
                    continue;
                }
                '\\' if self.peek() == Some('Q') => {
                    self.pos += 1;
                    while let Some(q) = self.peek() {
                        if q == '\\' && self.peek_at(1) == Some('E') {
                            self.pos += 2;
                            break;
                        }
                        push_class_range(&mut out, q, q, self.flags.ascii_i());
                        empty = false;
                        self.pos += 1;
                    }
                    first = false;
                    continue;
                }
                '\\' => self.escape_item(item_start, true)?,
                other => Item::Char(other),
            };
            first = false;
            empty = false;
            match item {
                Item::Class(cls) => out.push_str(&cls),
                Item::Char(lo) => {
                    // A range `lo-hi` unless the `-` ends the class or starts a nested one.
                    if self.peek() == Some('-')
                        && !matches!(self.peek_at(1), None | Some(']' | '['))
                    {
                        self.pos += 1;
                        let hi_start = self.pos;
                        let hi = match self.peek() {
                            Some('\\') => {
                                self.pos += 1;
                                self.escape_item(hi_start, true)?
                            }
                            Some(h) => {
                                self.pos += 1;
                                Item::Char(h)
                            }
                            None => {
                                return Err(self.err(start, self.pos, "unclosed character class"));
                            }
                        };
                        let Item::Char(hi) = hi else {
                            return Err(self.err(item_start, self.pos, "illegal character range"));
                        };
                        if hi < lo {
                            return Err(self.err(item_start, self.pos, "illegal character range"));
                        }
                        push_class_range(&mut out, lo, hi, self.flags.ascii_i());
                    } else {
                        push_class_range(&mut out, lo, lo, self.flags.ascii_i());
                    }
                }
            }
        }
        if empty {
            return Err(self.err(start, self.pos, "empty character class"));
        }
        out.push(']');
        Ok(out)
    }
}

enum Item {
    Char(char),
    Class(String),
}

const HSPACE: &str = r"[ \t\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]";
const VSPACE: &str = r"[\n\x0B\f\r\x{85}\x{2028}\x{2029}]";

/// Appends `c` as a literal outside a class. Only the engines' meta characters are escaped:
/// `\<` and `\>` would be word boundaries in both engines.
fn push_literal(out: &mut String, c: char) {
    if r"\.+*?()|[]{}^$#&-~".contains(c) {
        out.push('\\');
        out.push(c);
    } else if c.is_control() {
        out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
    } else {
        out.push(c);
    }
}

/// Appends the range `lo-hi` inside a class and, with `ascii_i`, the other case of its ASCII
/// letters (Java's default case-insensitive class membership).
fn push_class_range(out: &mut String, lo: char, hi: char, ascii_i: bool) {
    push_class_char(out, lo);
    if hi != lo {
        out.push('-');
        push_class_char(out, hi);
    }
    if !ascii_i {
        return;
    }
    for (a, b) in [('a', 'z'), ('A', 'Z')] {
        let (l, h) = (lo.max(a), hi.min(b));
        if l <= h {
            let swap = |c: char| char::from(c as u8 ^ 0x20);
            push_class_char(out, swap(l));
            if h != l {
                out.push('-');
                push_class_char(out, swap(h));
            }
        }
    }
}

/// Appends `c` as a literal inside a class.
fn push_class_char(out: &mut String, c: char) {
    if c.is_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
    }
}

/// `\P{…}` of a translated `\p{…}` class.
fn negate(class: &str) -> String {
    if let Some(rest) = class.strip_prefix(r"\p{") {
        format!(r"\P{{{rest}")
    } else if let Some(rest) = class.strip_prefix("[^") {
        format!("[{rest}")
    } else if let Some(rest) = class.strip_prefix('[') {
        format!("[^{rest}")
    } else {
        format!("[^{class}]")
    }
}

/// Java's character property `name` (of `\p{name}`), as a Rust class; `uc` is
/// UNICODE_CHARACTER_CLASS.
fn property_class(name: &str, uc: bool, casei: bool) -> Result<String, String> {
    let posix = |ascii: &str, unicode: &str| {
        Ok(if uc {
            unicode.to_owned()
        } else {
            ascii.to_owned()
        })
    };
    // Case-insensitive, Java's cased classes take both cases.
    if casei {
        match name {
            "Lower" | "Upper" => {
                return posix("[a-zA-Z]", r"[\p{Lowercase}\p{Uppercase}\p{Lt}]");
            }
            "Lu" | "Ll" | "Lt" | "IsLu" | "IsLl" | "IsLt" => {
                return Ok(r"[\p{Lu}\p{Ll}\p{Lt}]".into());
            }
            "javaLowerCase" | "javaUpperCase" | "javaTitleCase" | "IsLowercase" | "IsUppercase"
            | "IsTitlecase" => {
                return Ok(r"[\p{Lowercase}\p{Uppercase}\p{Lt}]".into());
            }
            _ => {}
        }
    }
    match name {
        "Lower" => return posix("[a-z]", r"\p{Lowercase}"),
        "Upper" => return posix("[A-Z]", r"\p{Uppercase}"),
        "ASCII" => return Ok(r"[\x00-\x7F]".into()),
        "Alpha" => return posix("[a-zA-Z]", r"\p{Alphabetic}"),
        "Digit" => return posix("[0-9]", r"\p{Nd}"),
        "Alnum" => return posix("[a-zA-Z0-9]", r"[\p{Alphabetic}\p{Nd}]"),
        "Punct" => return posix(r"[!-/:-@\[-`{-~]", r"\p{P}"),
        "Graph" => {
            return posix(r"[!-~]", r"[^\p{White_Space}\p{Cc}\p{Cs}\p{Cn}]");
        }
        "Print" => {
            return posix(
                r"[ -~]",
                r"[[^\p{White_Space}\p{Cc}\p{Cs}\p{Cn}]\p{Zs}\t&&[^\p{Cc}]]",
            );
        }
        "Blank" => return posix(r"[ \t]", r"[\p{Zs}\t]"),
        "Cntrl" => return posix(r"[\x00-\x1F\x7F]", r"\p{Cc}"),
        "XDigit" => return posix("[0-9a-fA-F]", r"[\p{Nd}\p{Hex_Digit}]"),
        "Space" => return posix(r"[ \t\n\x0B\f\r]", r"\p{White_Space}"),
        "javaLowerCase" => return Ok(r"\p{Lowercase}".into()),
        "javaUpperCase" => return Ok(r"\p{Uppercase}".into()),
        "javaWhitespace" => {
            return Ok(
                r"[\t\n\x0B\f\r\x1C-\x1F[\p{Zs}\p{Zl}\p{Zp}--[\x{A0}\x{2007}\x{202F}]]]".into(),
            );
        }
        "javaDigit" => return Ok(r"\p{Nd}".into()),
        "javaLetter" => return Ok(r"\p{L}".into()),
        "javaLetterOrDigit" => return Ok(r"[\p{L}\p{Nd}]".into()),
        "javaAlphabetic" => return Ok(r"\p{Alphabetic}".into()),
        "javaIdeographic" => return Ok(r"\p{Ideographic}".into()),
        "javaTitleCase" => return Ok(r"\p{Lt}".into()),
        "javaSpaceChar" => return Ok(r"\p{Z}".into()),
        "javaISOControl" => return Ok(r"[\x00-\x1F\x7F-\x9F]".into()),
        "javaDefined" => return Ok(r"\P{Cn}".into()),
        "all" => return Ok(r"[\x{0}-\x{10FFFF}]".into()),
        "L1" => return Ok(r"[\x{0}-\x{FF}]".into()),
        "LC" => return Ok(r"[\p{Lu}\p{Ll}\p{Lt}]".into()),
        "LD" => return Ok(r"[\p{L}\p{Nd}]".into()),
        "IsWord" => return Ok(r"\w".into()),
        _ => {}
    }
    if name.starts_with("java") {
        return Err("unsupported Java character class".into());
    }
    if name.starts_with("In") || name.starts_with("blk=") || name.starts_with("block=") {
        return Err("Unicode blocks are not supported (use a script, `\\p{IsLatin}`):".into());
    }
    let rust = if let Some(rest) = name.strip_prefix("Is") {
        match rest {
            "WhiteSpace" | "White_Space" | "Space" => "White_Space".to_owned(),
            "Letter" => "L".to_owned(),
            "Digit" => "Nd".to_owned(),
            "Punctuation" => "P".to_owned(),
            "Control" => "Cc".to_owned(),
            "Titlecase" => "Lt".to_owned(),
            "Hex_Digit" | "HexDigit" => "Hex_Digit".to_owned(),
            other => other.to_owned(),
        }
    } else if let Some((key, value)) = name.split_once('=') {
        match key {
            "sc" | "script" => format!("Script={value}"),
            "gc" | "general_category" => format!("General_Category={value}"),
            _ => return Err("unknown character property".into()),
        }
    } else {
        name.to_owned()
    };
    let class = format!(r"\p{{{rust}}}");
    // The regex crate knows the Unicode names; ask it once, at build time.
    regex::Regex::new(&class).map_err(|_| "unknown character property".to_owned())?;
    Ok(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &str) -> String {
        translate(p, false)
            .map(|t| t.text)
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn translation_shapes() {
        assert_eq!(t("a.b"), r"a[^\n\r\x{85}\x{2028}\x{2029}]b");
        assert_eq!(t(r"\d+"), "[0-9]+");
        assert_eq!(t(r"\Qa.b\E*"), r"a\.b*");
        assert_eq!(t("(?i)ab"), "[aA][bB]");
        assert_eq!(t("(?iu)ab"), "(?i)ab");
        assert!(translate("(a)\\1", true).map(|t| t.fancy).unwrap_or(false));
        assert!(!translate("^ab$", true).map(|t| t.fancy).unwrap_or(true));
    }
}
