//! Several simple definite paths (`$.order.id`, `$.order.items`, `$['a b'][0]`) read from the
//! JSON *text* of a document in one pass, as the strings a mediator sees
//! ([`JsonPath::try_display`](super::JsonPath::try_display)), without building the document's
//! tree.
//!
//! The pass is a small hand-written scanner over the bytes. It answers only when it is sure to
//! give what a full parse (`serde_json::from_str::<Value>`) followed by `try_display` gives:
//!
//! - the whole text is checked to be JSON that `serde_json::Value` accepts (grammar, strings
//!   without raw control characters, valid escapes, numbers within `f64` range); anything it
//!   does not accept, or is not sure about (a lone surrogate escape, nesting deeper than
//!   [`MAX_DEPTH`]), makes it answer `None`, and the caller parses the text as before (which
//!   also reports the error as before);
//! - a selected string is its decoded text (borrowed from the input when it has no escape);
//! - any other selected value is written as `serde_json::to_string` writes its `Value`: compact,
//!   strings escaped as serde escapes them, numbers as serde prints the number it parses
//!   (`-0` → `-0.0`, `1.50` → `1.5`, `1e2` → `100.0`, integers past 64 bits as floats). An
//!   object with a repeated member name inside a selected value (which a `Value` merges)
//!   makes it answer `None`;
//! - a member name met twice on the way to a selection resolves to its last occurrence, as in
//!   a `Value`.
//!
//! Why hand-written: serde_json either builds the tree (`Value`, most of the cost of a
//! payloadFactory over a 1 KiB body) or checks the text without keeping anything
//! (`IgnoredAny`); neither gives the selected values' text in the same pass. A serde
//! `DeserializeSeed` walk capturing `RawValue`s could, but needs serde_json's `raw_value`
//! feature and still allocates per captured value and re-normalises numbers. The scanner is held
//! to serde_json by property tests (`one_pass_agrees_with_the_tree`,
//! `broken_text_is_never_answered_differently`, `any_number_agrees`).

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::Value;

use super::PathStep;

/// The nesting depth past which the scanner gives up (serde_json refuses 128 levels).
const MAX_DEPTH: usize = 100;

/// Simple definite paths, evaluated together over JSON text.
#[derive(Debug, Clone)]
pub struct MultiSelect {
    /// The trie of the paths' steps; node 0 is the root `$`.
    nodes: Vec<TrieNode>,
    /// How many paths were given (the length of a result).
    paths: usize,
}

#[derive(Debug, Clone, Default)]
struct TrieNode {
    children: Vec<(PathStep, usize)>,
    /// The paths that end here (the same path may be given twice).
    ends: Vec<usize>,
    /// Every path ending at or below this node (cleared when its member name is met again).
    below: Vec<usize>,
}

impl MultiSelect {
    /// The paths, as lists of steps. `None` when one is empty (`$`, the whole document) or
    /// ends where another goes on (`$.a` with `$.a.b`): those are left to a full parse.
    pub fn new<'p>(paths: impl IntoIterator<Item = &'p [PathStep]>) -> Option<MultiSelect> {
        let mut nodes = vec![TrieNode::default()];
        let mut count = 0;
        for (index, steps) in paths.into_iter().enumerate() {
            count = index + 1;
            if steps.is_empty() {
                return None;
            }
            let mut at = 0;
            nodes[0].below.push(index);
            for step in steps {
                let next = match nodes[at].children.iter().find(|(s, _)| s == step) {
                    Some(&(_, n)) => n,
                    None => {
                        nodes.push(TrieNode::default());
                        let n = nodes.len() - 1;
                        nodes[at].children.push((step.clone(), n));
                        n
                    }
                };
                at = next;
                nodes[at].below.push(index);
            }
            nodes[at].ends.push(index);
        }
        if nodes
            .iter()
            .any(|n| !n.ends.is_empty() && !n.children.is_empty())
        {
            return None;
        }
        Some(MultiSelect {
            nodes,
            paths: count,
        })
    }

    /// How many paths this selects.
    pub fn len(&self) -> usize {
        self.paths
    }

    /// Whether it selects no path.
    pub fn is_empty(&self) -> bool {
        self.paths == 0
    }

    /// The display string of every path over `text` (in the order given; `""` where nothing
    /// matches), or `None` when the scanner is not sure to agree with a full parse (see the
    /// module docs): then parse `text` and evaluate each path on the tree.
    pub fn display_all<'t>(&self, text: &'t str) -> Option<Vec<Selected<'t>>> {
        let mut out = vec![Selected::default(); self.paths];
        let mut s = Scanner {
            b: text.as_bytes(),
            text,
            pos: 0,
            depth: 0,
            keys: Vec::new(),
        };
        s.ws();
        s.nav(self, 0, &mut out)?;
        s.ws();
        (s.pos == s.b.len()).then_some(out)
    }
}

/// One path's result from [`MultiSelect::display_all`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selected<'t> {
    /// What [`JsonPath::try_display`](super::JsonPath::try_display) gives: a selected
    /// string's text, any other value's compact JSON, `""` when nothing is selected.
    pub text: Cow<'t, str>,
    /// Whether `text` is JSON: a selected value other than a string, written as serde_json
    /// writes it.
    pub json: bool,
}

/// A string token: the text between its quotes, whether it has an escape, and whether all
/// its escapes are those serde_json writes (so that it is written as it is).
struct StrTok<'t> {
    raw: &'t str,
    escaped: bool,
    canonical: bool,
}

impl<'t> StrTok<'t> {
    /// The decoded text.
    fn decoded(&self) -> Option<Cow<'t, str>> {
        if self.escaped {
            decode(self.raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(self.raw))
        }
    }
}

struct Scanner<'t> {
    b: &'t [u8],
    text: &'t str,
    pos: usize,
    depth: usize,
    /// The member names of the objects being read by [`Scanner::canonical`], innermost last.
    keys: Vec<&'t str>,
}

/// How many members of one object [`Scanner::canonical`] checks for a repeated name (past
/// that it leaves the object to [`Scanner::write`]).
const CANONICAL_KEYS: usize = 32;

type R<T> = Option<T>;

impl<'t> Scanner<'t> {
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// The value at `node` of `sel`: selected into `out`, walked into, or checked and skipped.
    fn nav(&mut self, sel: &MultiSelect, node: usize, out: &mut [Selected<'t>]) -> R<()> {
        let n = &sel.nodes[node];
        if !n.ends.is_empty() {
            let shown = self.display()?;
            if let Some((last, rest)) = n.ends.split_last() {
                for &i in rest {
                    out[i] = shown.clone();
                }
                out[*last] = shown;
            }
            return Some(());
        }
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                self.enter()?;
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        let key = self.string()?;
                        self.ws();
                        if !self.eat(b':') {
                            return None;
                        }
                        self.ws();
                        let child = n.children.iter().find_map(|(step, c)| match step {
                            PathStep::Name(name) if key_is(&key, name) => Some(*c),
                            _ => None,
                        });
                        match child {
                            Some(c) => {
                                // A member met again replaces what the first one selected.
                                for &i in &sel.nodes[c].below {
                                    out[i] = Selected::default();
                                }
                                self.nav(sel, c, out)?;
                            }
                            None => self.skip()?,
                        }
                        self.ws();
                        if self.eat(b',') {
                            self.ws();
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(())
            }
            b'[' => {
                self.pos += 1;
                self.enter()?;
                self.ws();
                if !self.eat(b']') {
                    let mut index = 0usize;
                    loop {
                        let child = n.children.iter().find_map(|(step, c)| match step {
                            PathStep::Index(i) if *i == index => Some(*c),
                            _ => None,
                        });
                        match child {
                            Some(c) => self.nav(sel, c, out)?,
                            None => self.skip()?,
                        }
                        index += 1;
                        self.ws();
                        if self.eat(b',') {
                            self.ws();
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(())
            }
            _ => self.skip(),
        }
    }

    /// The selected value as a mediator sees it: a string decoded, anything else as compact
    /// JSON.
    fn display(&mut self) -> R<Selected<'t>> {
        if self.peek()? == b'"' {
            return Some(Selected {
                text: self.string()?.decoded()?,
                json: false,
            });
        }
        // Most JSON is written as serde writes it: then the value is its text.
        let (start, depth) = (self.pos, self.depth);
        self.keys.clear();
        let text = if self.canonical() == Some(true) {
            Cow::Borrowed(self.text.get(start..self.pos)?)
        } else {
            self.pos = start;
            self.depth = depth;
            let mut out = String::new();
            self.write(&mut out)?;
            Cow::Owned(out)
        };
        Some(Selected { text, json: true })
    }

    /// Checks a value and skips it: `Some(true)` when its text is what `serde_json::to_string`
    /// writes for it (no blank, no repeated member name, strings and numbers as serde writes
    /// them); anything else (`Some(false)` or `None`) stops at once, somewhere in the value.
    fn canonical(&mut self) -> R<bool> {
        match self.peek()? {
            b'"' => Some(self.string()?.canonical),
            b'{' => {
                self.pos += 1;
                self.enter()?;
                if !self.eat(b'}') {
                    let base = self.keys.len();
                    loop {
                        let key = self.string()?;
                        if key.escaped
                            || self.keys.len() - base >= CANONICAL_KEYS
                            || self.keys[base..].contains(&key.raw)
                        {
                            return Some(false);
                        }
                        self.keys.push(key.raw);
                        if !self.eat(b':') || !self.canonical()? {
                            return Some(false);
                        }
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return Some(false);
                    }
                    self.keys.truncate(base);
                }
                self.depth -= 1;
                Some(true)
            }
            b'[' => {
                self.pos += 1;
                self.enter()?;
                if !self.eat(b']') {
                    loop {
                        if !self.canonical()? {
                            return Some(false);
                        }
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return Some(false);
                    }
                }
                self.depth -= 1;
                Some(true)
            }
            b't' => self.literal("true").map(|()| true),
            b'f' => self.literal("false").map(|()| true),
            b'n' => self.literal("null").map(|()| true),
            _ => Some(self.number()?.canonical),
        }
    }

    /// Checks and skips a value.
    fn skip(&mut self) -> R<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                self.pos += 1;
                self.enter()?;
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.string()?;
                        self.ws();
                        if !self.eat(b':') {
                            return None;
                        }
                        self.ws();
                        self.skip()?;
                        self.ws();
                        if self.eat(b',') {
                            self.ws();
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(())
            }
            b'[' => {
                self.pos += 1;
                self.enter()?;
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.skip()?;
                        self.ws();
                        if self.eat(b',') {
                            self.ws();
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(())
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => {
                let num = self.number()?;
                if num.needs_parse {
                    // Only a parse tells whether it is within f64's range.
                    serde_json::from_str::<Value>(self.number_text(&num)?).ok()?;
                }
                Some(())
            }
        }
    }

    /// Checks a value and writes it as `serde_json::to_string` writes its `Value`.
    fn write(&mut self, out: &mut String) -> R<()> {
        match self.peek()? {
            b'"' => {
                let s = self.string()?;
                write_string(out, &s)
            }
            b'{' => {
                self.pos += 1;
                self.enter()?;
                self.ws();
                out.push('{');
                if !self.eat(b'}') {
                    // The member names so far, to refuse a repeated one (a `Value` merges it):
                    // in a list, then in a set past a few.
                    let mut keys: Vec<Cow<'t, str>> = Vec::new();
                    let mut many: Option<HashSet<Cow<'t, str>>> = None;
                    loop {
                        let key = self.string()?;
                        let name = key.decoded()?;
                        match &mut many {
                            Some(set) => {
                                if !set.insert(name) {
                                    return None;
                                }
                            }
                            None if keys.contains(&name) => return None,
                            None if keys.len() < CANONICAL_KEYS => keys.push(name),
                            None => {
                                let mut set: HashSet<Cow<'t, str>> = keys.drain(..).collect();
                                set.insert(name);
                                many = Some(set);
                            }
                        }
                        write_string(out, &key)?;
                        self.ws();
                        if !self.eat(b':') {
                            return None;
                        }
                        out.push(':');
                        self.ws();
                        self.write(out)?;
                        self.ws();
                        if self.eat(b',') {
                            out.push(',');
                            self.ws();
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return None;
                    }
                }
                out.push('}');
                self.depth -= 1;
                Some(())
            }
            b'[' => {
                self.pos += 1;
                self.enter()?;
                self.ws();
                out.push('[');
                if !self.eat(b']') {
                    loop {
                        self.write(out)?;
                        self.ws();
                        if self.eat(b',') {
                            out.push(',');
                            self.ws();
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return None;
                    }
                }
                out.push(']');
                self.depth -= 1;
                Some(())
            }
            b't' => self.literal("true").map(|()| out.push_str("true")),
            b'f' => self.literal("false").map(|()| out.push_str("false")),
            b'n' => self.literal("null").map(|()| out.push_str("null")),
            _ => {
                let num = self.number()?;
                let raw = self.number_text(&num)?;
                if num.canonical {
                    out.push_str(raw);
                } else {
                    // serde's own parse and print of the number.
                    let v = serde_json::from_str::<Value>(raw).ok()?;
                    out.push_str(&serde_json::to_string(&v).ok()?);
                }
                Some(())
            }
        }
    }

    fn literal(&mut self, word: &str) -> R<()> {
        let end = self.pos + word.len();
        if self.b.get(self.pos..end)? == word.as_bytes() {
            self.pos = end;
            Some(())
        } else {
            None
        }
    }

    /// A string token (at its opening quote), checked as serde_json checks a `String`: no raw
    /// control character, only JSON's escapes, surrogate escapes in pairs (anything else about
    /// surrogates gives up).
    #[inline(always)]
    fn string(&mut self) -> R<StrTok<'t>> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.pos;
        self.plain();
        if self.b.get(self.pos) == Some(&b'"') {
            let raw = self.text.get(start..self.pos)?;
            self.pos += 1;
            return Some(StrTok {
                raw,
                escaped: false,
                canonical: true,
            });
        }
        self.string_rest(start)
    }

    /// Moves past the bytes that need no look: up to the first `"`, `\` or control character
    /// (or near the end of the text), eight bytes at a time.
    #[inline(always)]
    fn plain(&mut self) {
        while let Some(chunk) = self.b.get(self.pos..self.pos + 8) {
            let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
                return;
            };
            let special = special_bytes(u64::from_le_bytes(bytes));
            if special != 0 {
                // The lowest flagged byte is exact (a false flag only follows a true one).
                self.pos += (special.trailing_zeros() / 8) as usize;
                return;
            }
            self.pos += 8;
        }
    }

    /// The rest of a string token that started at `start` (after its quote) and has an
    /// escape, or ends within the last eight bytes, or is not valid.
    #[inline(never)]
    fn string_rest(&mut self, start: usize) -> R<StrTok<'t>> {
        let mut escaped = false;
        let mut canonical = true;
        loop {
            self.plain();
            let c = *self.b.get(self.pos)?;
            match c {
                b'"' => {
                    let raw = self.text.get(start..self.pos)?;
                    self.pos += 1;
                    return Some(StrTok {
                        raw,
                        escaped,
                        canonical,
                    });
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match *self.b.get(self.pos)? {
                        b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'/' => {
                            canonical = false;
                            self.pos += 1;
                        }
                        b'u' => {
                            let hex = self.b.get(self.pos + 1..self.pos + 5)?;
                            let n = hex4(hex)?;
                            // serde writes `\u00xx` (lowercase) for the control characters
                            // without a short escape, and nothing else.
                            canonical &= n < 0x20
                                && !matches!(n, 0x08 | 0x09 | 0x0A | 0x0C | 0x0D)
                                && !hex.iter().any(u8::is_ascii_uppercase);
                            self.pos += 5;
                            if (0xDC00..=0xDFFF).contains(&n) {
                                return None;
                            }
                            if (0xD800..=0xDBFF).contains(&n) {
                                if self.b.get(self.pos..self.pos + 2)? != b"\\u" {
                                    return None;
                                }
                                let m = hex4(self.b.get(self.pos + 2..self.pos + 6)?)?;
                                if !(0xDC00..=0xDFFF).contains(&m) {
                                    return None;
                                }
                                self.pos += 6;
                            }
                        }
                        _ => return None,
                    }
                }
                0..=0x1F => return None,
                _ => self.pos += 1,
            }
        }
    }

    /// A number token, by JSON's grammar.
    #[inline(always)]
    fn number(&mut self) -> R<NumTok> {
        let b = self.b;
        let start = self.pos;
        let mut i = start;
        let negative = b.get(i) == Some(&b'-');
        i += usize::from(negative);
        let int_start = i;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                i += 1;
                while let Some(b'0'..=b'9') = b.get(i) {
                    i += 1;
                }
            }
            _ => return None,
        }
        let int_len = i - int_start;
        let mut frac = None;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let f = i;
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            if i == f {
                return None;
            }
            frac = Some(f..i);
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = b.get(i) {
            exponent = true;
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let e = i;
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            if i == e {
                return None;
            }
        }
        self.pos = i;
        let int = b.get(int_start..int_start + int_len)?;
        let (needs_parse, canonical) = if exponent {
            (true, false)
        } else if let Some(frac) = frac {
            (int_len > 300, canonical_fraction(int, b.get(frac)?))
        } else {
            // An integer within 64 bits prints as written, except `-0` (a float: `-0.0`).
            (int_len > 300, int_len <= 18 && !(negative && int == b"0"))
        };
        Some(NumTok {
            start,
            needs_parse,
            canonical,
        })
    }

    /// The text of a number token.
    fn number_text(&self, num: &NumTok) -> R<&'t str> {
        self.text.get(num.start..self.pos)
    }
}

struct NumTok {
    /// Where it starts (it ends where the scanner is).
    start: usize,
    /// Whether only a parse can tell if serde_json accepts it (an exponent, or very long).
    needs_parse: bool,
    /// Whether serde_json prints the number it parses exactly as written.
    canonical: bool,
}

/// Whether serde_json prints the number `int.frac` (no exponent) as written. serde prints an
/// f64 with the shortest digits that read back to it, in fixed notation while its decimal
/// exponent is within -5..=15 (`zmij`), with at least one fraction digit. A decimal of at most
/// 15 significant digits reads back to itself, so it prints as written when it has no
/// trailing zero in its fraction (other than a lone `.0`) and its exponent is in that range.
fn canonical_fraction(int: &[u8], frac: &[u8]) -> bool {
    let trailing_zero = frac.len() > 1 && frac.last() == Some(&b'0');
    if trailing_zero {
        return false;
    }
    let (significant, exponent) = if int != b"0" {
        let all = int.iter().chain(frac.iter());
        let last_nonzero = int.len() + frac.len() - all.rev().take_while(|&&d| d == b'0').count();
        (last_nonzero, int.len() as i64 - 1)
    } else {
        match frac.iter().position(|&d| d != b'0') {
            // 0.0
            None => return frac == b"0",
            Some(first) => (frac.len() - first, -(first as i64) - 1),
        }
    };
    significant <= 15 && (-5..=15).contains(&exponent)
}

/// Whether `name` (as written between quotes) is `want`.
fn key_is(key: &StrTok<'_>, want: &str) -> bool {
    if key.escaped {
        decode(key.raw).is_some_and(|k| k == want)
    } else {
        key.raw == want
    }
}

/// The high bit of each byte of `w` that is `"`, `\` or below 0x20 (and maybe of bytes after
/// such a byte: the lowest flag set is exact).
#[inline]
fn special_bytes(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = zero_byte(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(w ^ (ONES * u64::from(b'\\')));
    // Bytes below 0x20: (b - 0x20) borrows into the high bit for b < 0x20 (bytes >= 0x80
    // are masked out by `!w`).
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    quote | backslash | control
}

fn hex4(h: &[u8]) -> R<u32> {
    let mut n = 0u32;
    for &c in h {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        n = n * 16 + u32::from(d);
    }
    Some(n)
}

/// The text of a checked string token with its escapes decoded.
fn decode(raw: &str) -> R<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let b = rest.as_bytes();
        let (c, used) = match *b.get(i + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let n = hex4(b.get(i + 2..i + 6)?)?;
                if (0xD800..=0xDBFF).contains(&n) {
                    let m = hex4(b.get(i + 8..i + 12)?)?;
                    let c = 0x10000 + ((n - 0xD800) << 10) + (m - 0xDC00);
                    (char::from_u32(c)?, 12)
                } else {
                    (char::from_u32(n)?, 6)
                }
            }
            _ => return None,
        };
        out.push(c);
        rest = &rest[i + used..];
    }
    out.push_str(rest);
    Some(out)
}

/// A string as serde_json writes it: `"` and `\` escaped, control characters as `\b`, `\f`,
/// `\n`, `\r`, `\t` or `\u00xx`, everything else as it is.
fn write_string(out: &mut String, s: &StrTok<'_>) -> R<()> {
    if s.escaped {
        // Rare (the text had escapes): serde_json writes the decoded text, so its escaping
        // is serde's by construction.
        out.push_str(&serde_json::to_string(&decode(s.raw)?).ok()?);
    } else {
        // Checked: no quote, backslash or control character.
        out.push('"');
        out.push_str(s.raw);
        out.push('"');
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::super::JsonPath;
    use super::*;
    use proptest::prelude::*;

    /// What a full parse and `try_display` give for each path.
    fn by_tree(text: &str, paths: &[&str]) -> Option<Vec<String>> {
        let doc: Value = serde_json::from_str(text).ok()?;
        Some(
            paths
                .iter()
                .map(|p| JsonPath::compile(p).unwrap().try_display(&doc).unwrap())
                .collect(),
        )
    }

    fn by_scan(text: &str, paths: &[&str]) -> Option<Vec<String>> {
        let compiled: Vec<JsonPath> = paths
            .iter()
            .map(|p| JsonPath::compile(p).unwrap())
            .collect();
        let sel = MultiSelect::new(compiled.iter().map(|p| p.steps().unwrap()))?;
        sel.display_all(text)
            .map(|v| v.into_iter().map(|s| s.text.into_owned()).collect())
    }

    #[track_caller]
    fn agrees(text: &str, paths: &[&str]) {
        assert_eq!(by_scan(text, paths), by_tree(text, paths), "{text}");
    }

    #[test]
    fn selects_what_the_tree_gives() {
        let text = r#" { "order" : { "id" : "A\"1\u00e9" , "n": 5, "c": {"x": [1, 2.50, -0, 1e2, "\u0001\/"], "y": null},
            "items": [ {"a": true}, {"b": false} ], "big": 123456789012345678901234 }, "order2": 1 } "#;
        let paths = [
            "$.order.id",
            "$.order.n",
            "$.order.c",
            "$.order.items",
            "$.order.items[1]",
            "$.order.items[1].b",
            "$.order.items[2]",
            "$.order.missing",
            "$.order.id.x",
            "$.order.big",
            "$.order2",
        ];
        for p in paths {
            agrees(text, &[p]);
        }
        // together, one path twice (no path ending where another goes on)
        agrees(
            text,
            &[
                "$.order.id",
                "$.order.n",
                "$.order.c",
                "$.order.items[1].b",
                "$.order.items[2]",
                "$.order.missing",
                "$.order.big",
                "$.order2",
                "$.order.id",
            ],
        );
        assert!(by_scan(text, &paths).is_none());
        assert_eq!(
            by_scan(text, &["$.order.c"]).unwrap(),
            [r#"{"x":[1,2.5,-0.0,100.0,"\u0001/"],"y":null}"#]
        );
    }

    #[test]
    fn a_repeated_member_resolves_to_its_last_occurrence() {
        agrees(r#"{"a":{"b":1},"a":{"c":2}}"#, &["$.a.b", "$.a.c"]);
        agrees(r#"{"a":{"b":1},"a":3}"#, &["$.a.b"]);
        agrees(r#"{"a":1,"\u0061":2}"#, &["$.a"]);
        // inside a selected value a `Value` merges them: left to the tree
        assert_eq!(by_scan(r#"{"a":{"b":1,"b":2}}"#, &["$.a"]), None);
        assert_eq!(by_scan(r#"{"a":{"b":1,"\u0062":2}}"#, &["$.a"]), None);
    }

    #[test]
    fn selected_text_is_kept_only_when_serde_writes_it_so() {
        for text in [
            r#"{"a":{"s":"x\n\u001f\"\\","n":[1,2.5,true,null,{}],"e":[]}}"#,
            r#"{"a":{"s":"\u001F"}}"#,
            r#"{"a":{"s":"\u000a"}}"#,
            r#"{"a":{"s":"\/"}}"#,
            r#"{"a":{"s":1.10}}"#,
            r#"{"a":{"s":1 }}"#,
            r#"{"a":{"\u0073":1}}"#,
        ] {
            agrees(text, &["$.a"]);
        }
        assert!(matches!(
            MultiSelect::new([JsonPath::compile("$.a").unwrap().steps().unwrap()])
                .unwrap()
                .display_all(r#"{"a":[{"x":1,"y":"z"}]}"#)
                .unwrap()[0]
                .text,
            Cow::Borrowed(_)
        ));
        // many members: past what the first pass checks for repeats
        let many: Vec<String> = (0..40).map(|i| format!(r#""k{i}":{i}"#)).collect();
        agrees(&format!(r#"{{"a":{{{}}}}}"#, many.join(",")), &["$.a"]);
        let repeated = format!(r#"{{"a":{{{},"k3":0}}}}"#, many.join(","));
        assert_eq!(by_scan(&repeated, &["$.a"]), None);
        assert_eq!(by_scan(r#"{"a":[{"x":1},{"x":1,"x":2}]}"#, &["$.a"]), None);
    }

    #[test]
    fn gives_up_where_a_full_parse_fails_or_it_is_unsure() {
        for text in [
            r#"{"a":1,"b":1e400}"#,
            r#"{"a":1,"b":[-1e400]}"#,
            r#"{"a":1,"b":"\ud800"}"#,
            r#"{"a":1,"b":"\udc00"}"#,
            r#"{"a":1,"b":"x	y"}"#,
            r#"{"a":1,"b":"\x"}"#,
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1} x"#,
            r#"{"a":-}"#,
            r#"{"a":1.}"#,
            r#"{"a":tru}"#,
            "\u{feff}{\"a\":1}",
            "",
            "{\"a\":1",
        ] {
            assert_eq!(by_scan(text, &["$.a"]), None, "{text}");
        }
        let deep = format!("{{\"a\":1,\"b\":{}{}}}", "[".repeat(150), "]".repeat(150));
        assert_eq!(by_scan(&deep, &["$.a"]), None);
        agrees(r#"{"a":"\ud83d\ude00","b":1e-400}"#, &["$.a", "$.b"]);
    }

    #[test]
    fn numbers_print_as_serde_prints_them() {
        for n in [
            "0",
            "-0",
            "1",
            "-1",
            "0.0",
            "-0.0",
            "1.0",
            "1.50",
            "10.99",
            "0.1",
            "0.00001",
            "0.000001",
            "0.0000012",
            "123456789012345.6",
            "1234567890123456.0",
            "12345678901234567.0",
            "9999999999999999",
            "1.7976931348623157e308",
            "5e-324",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "100",
            "1E2",
            "1e+2",
            "2.5e-3",
            "0.30000000000000004",
            "123456.000001",
            "1000000000000000.5",
        ] {
            let text = format!(r#"{{"a":[{n}]}}"#);
            agrees(&text, &["$.a"]);
        }
    }

    #[test]
    fn overlapping_and_empty_paths_are_left_to_the_tree() {
        let p = |s: &str| JsonPath::compile(s).unwrap();
        let (a, ab, root) = (p("$.a"), p("$.a.b"), p("$"));
        assert!(MultiSelect::new([a.steps().unwrap(), ab.steps().unwrap()]).is_none());
        assert!(MultiSelect::new([root.steps().unwrap()]).is_none());
        assert!(MultiSelect::new([a.steps().unwrap(), a.steps().unwrap()]).is_some());
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            (-100_000i64..100_000, 0u32..6)
                .prop_map(|(m, e)| Value::from(m as f64 / 10f64.powi(e as i32))),
            "[a-c\"\\\\/\u{1}\n\u{7f}é😀]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{1,2}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn path() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                "[a-c]{1,2}".prop_map(|n| format!(".{n}")),
                (0usize..4).prop_map(|i| format!("[{i}]"))
            ],
            1..4,
        )
        .prop_map(|steps| format!("${}", steps.concat()))
    }

    /// The text of `doc` with JSON's other spellings: spaces, escaped characters.
    fn respell(text: &str, spaces: bool, escapes: bool) -> String {
        let mut out = String::new();
        let mut in_string = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                match c {
                    '\\' => {
                        out.push(c);
                        if let Some(n) = chars.next() {
                            out.push(n);
                        }
                    }
                    '"' => {
                        in_string = false;
                        out.push(c);
                    }
                    'a' if escapes => out.push_str("\\u0061"),
                    '/' if escapes => out.push_str("\\/"),
                    c => out.push(c),
                }
            } else {
                if c == '"' {
                    in_string = true;
                }
                out.push(c);
                if spaces && matches!(c, ',' | ':' | '[' | '{') {
                    out.push_str(" \n\t");
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn one_pass_agrees_with_the_tree(
            doc in json(),
            paths in prop::collection::vec(path(), 1..5),
            spaces: bool,
            escapes: bool,
        ) {
            let text = respell(&serde_json::to_string(&doc).unwrap(), spaces, escapes);
            let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
            let compiled: Vec<JsonPath> = paths.iter().map(|p| JsonPath::compile(p).unwrap()).collect();
            let Some(sel) = MultiSelect::new(compiled.iter().map(|p| p.steps().unwrap())) else {
                return Ok(());
            };
            let want = by_tree(&text, &paths).unwrap();
            // Without a repeated name (the generator's objects have none) and within the depth,
            // it must answer.
            let got = sel.display_all(&text);
            prop_assert!(got.is_some(), "no answer for {}", text);
            let got: Vec<String> = got.unwrap().into_iter().map(|s| s.text.into_owned()).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn broken_text_is_never_answered_differently(
            doc in json(),
            at in any::<prop::sample::Index>(),
            with in "[\"\\{}\\[\\],:0-9eE.+ a-ctrunl\u{1}-]{0,2}",
            cut: bool,
        ) {
            let text = serde_json::to_string(&doc).unwrap();
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            let end = if cut { (i + 1..=text.len()).find(|&e| text.is_char_boundary(e)).unwrap_or(i) } else { i };
            let broken = format!("{}{}{}", &text[..i], with, &text[end..]);
            let paths = ["$.a", "$[0]", "$.b[1]"];
            match by_tree(&broken, &paths) {
                None => prop_assert_eq!(by_scan(&broken, &paths), None, "{}", broken),
                Some(want) => {
                    if let Some(got) = by_scan(&broken, &paths) {
                        prop_assert_eq!(got, want, "{}", broken);
                    }
                }
            }
        }

        #[test]
        fn any_number_agrees(n in "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?") {
            let text = format!(r#"{{"a":{n},"b":[{n}]}}"#);
            let paths = ["$.a", "$.b"];
            match by_tree(&text, &paths) {
                Some(want) => prop_assert_eq!(by_scan(&text, &paths), Some(want)),
                None => prop_assert_eq!(by_scan(&text, &paths), None),
            }
        }
    }
}
