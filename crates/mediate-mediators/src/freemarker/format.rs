//! Number formatting as Java's `DecimalFormat` does it for FreeMarker (`en_US` locale,
//! `HALF_EVEN` rounding of the shortest decimal form, ties decided on the exact binary
//! value as JDK 8+ does), and the string escapes of FreeMarker's built-ins.

/// A `DecimalFormat` pattern (the subset FreeMarker templates use).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumberPattern {
    prefix: String,
    suffix: String,
    min_int: usize,
    min_frac: usize,
    max_frac: usize,
    grouping: Option<usize>,
    percent: bool,
}

impl NumberPattern {
    /// FreeMarker's default `number_format` ("number": `#,##0.###` in `en_US`).
    pub(crate) fn number() -> Self {
        Self {
            prefix: String::new(),
            suffix: String::new(),
            min_int: 1,
            min_frac: 0,
            max_frac: 3,
            grouping: Some(3),
            percent: false,
        }
    }

    /// Parses a pattern such as `0.00`, `#,##0.##`, `000`, `0.#%`; also the names `number`,
    /// `percent`, `currency` (`$` for `en_US`). `None` when the pattern is not understood.
    pub(crate) fn parse(pattern: &str) -> Option<Self> {
        match pattern {
            "number" | "" => return Some(Self::number()),
            "percent" => return Self::parse("#,##0%"),
            "currency" => return Self::parse("$#,##0.00"),
            _ => {}
        }
        // Only the positive sub-pattern is used.
        let pattern = pattern.split(';').next().unwrap_or("");
        let is_num = |c: char| matches!(c, '#' | '0' | ',' | '.');
        let start = pattern.find(is_num)?;
        let len = pattern[start..]
            .find(|c: char| !is_num(c))
            .unwrap_or(pattern.len() - start);
        let body = &pattern[start..start + len];
        let prefix = unquote(&pattern[..start]);
        let suffix = unquote(&pattern[start + len..]);
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if frac_part.contains(['.', ',']) {
            return None;
        }
        let grouping = int_part
            .rfind(',')
            .map(|i| int_part.len() - i - 1)
            .filter(|g| *g > 0);
        let min_int = int_part.chars().filter(|c| *c == '0').count();
        let min_frac = frac_part.chars().filter(|c| *c == '0').count();
        let max_frac = frac_part.chars().count();
        Some(Self {
            percent: suffix.contains('%') || prefix.contains('%'),
            prefix,
            suffix,
            min_int,
            min_frac,
            max_frac,
            grouping,
        })
    }

    /// Formats a number.
    pub(crate) fn format(&self, x: f64) -> String {
        let x = if self.percent { x * 100.0 } else { x };
        let mut out = String::new();
        if x.is_nan() {
            out.push_str("NaN");
            return out;
        }
        let negative = x.is_sign_negative() && x != 0.0;
        if negative {
            out.push('-');
        }
        out.push_str(&self.prefix);
        if x.is_infinite() {
            out.push('∞');
        } else if x.fract() == 0.0 && x.abs() < 1e15 && self.min_frac == 0 {
            // Whole numbers (most JSON numbers): no rounding to do.
            let digits = (x.abs() as u64).to_string();
            self.push_int(&mut out, &digits);
        } else {
            let (int_digits, frac_digits) = round_half_even(x.abs(), self.max_frac);
            let mut frac = frac_digits;
            while frac.len() > self.min_frac && frac.ends_with('0') {
                frac.pop();
            }
            self.push_int(&mut out, &int_digits);
            if !frac.is_empty() {
                out.push('.');
                out.push_str(&frac);
            }
        }
        out.push_str(&self.suffix);
        out
    }
}

impl NumberPattern {
    /// Appends integer digits, zero-padded to `min_int` and grouped.
    fn push_int(&self, out: &mut String, digits: &str) {
        let digits = digits.trim_start_matches('0');
        let pad = self.min_int.saturating_sub(digits.len());
        let total = pad + digits.len();
        let all = std::iter::repeat_n('0', pad).chain(digits.chars());
        match self.grouping {
            Some(g) if total > g => {
                let first = total % g;
                for (i, c) in all.enumerate() {
                    if i > 0 && (i + g - first).is_multiple_of(g) {
                        out.push(',');
                    }
                    out.push(c);
                }
            }
            _ => out.extend(all),
        }
    }
}

fn unquote(s: &str) -> String {
    s.replace('\'', "")
}

/// Rounds `x >= 0` to `max_frac` fractional digits (HALF_EVEN on the shortest decimal form,
/// exact ties decided on the binary value); returns integer digits and fraction digits
/// (fraction padded to `max_frac` with zeros; integer part may be empty).
pub(crate) fn round_half_even(x: f64, max_frac: usize) -> (String, String) {
    // Shortest round-trip digits: d.ddde±N
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // value = 0.digits × 10^point
    let mut point = exp + 1;
    let keep = point + max_frac as i64;
    if keep < 0 {
        digits.clear();
    } else if (keep as usize) < digits.len() {
        let k = keep as usize;
        let first = digits[k];
        let rest_nonzero = digits[k + 1..].iter().any(|d| *d != 0);
        let up = match first.cmp(&5) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal if rest_nonzero => true,
            std::cmp::Ordering::Equal => match exact_vs_tie(x, max_frac) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => k > 0 && digits[k - 1] % 2 == 1,
            },
        };
        digits.truncate(k);
        if up {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    point += 1;
                    break;
                }
                i -= 1;
                if digits[i] == 9 {
                    digits[i] = 0;
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
    }
    let mut int = String::new();
    let mut frac = String::new();
    for i in 0..point.max(0) {
        int.push(char::from(
            b'0' + digits.get(i as usize).copied().unwrap_or(0),
        ));
    }
    for j in 0..max_frac as i64 {
        let idx = point + j;
        let d = if idx < 0 {
            0
        } else {
            digits.get(idx as usize).copied().unwrap_or(0)
        };
        frac.push(char::from(b'0' + d));
    }
    (int, frac)
}

/// Compares the exact binary value of `x` with the tie point at `max_frac` fractional digits
/// (the fraction digits from `max_frac` on, against `5000…`).
fn exact_vs_tie(x: f64, max_frac: usize) -> std::cmp::Ordering {
    // 1100 fractional digits hold any f64 exactly.
    let exact = format!("{x:.1100}");
    let frac = exact.split_once('.').map_or("", |(_, f)| f);
    let tail = frac.get(max_frac..).unwrap_or("");
    let mut chars = tail.chars();
    match chars.next() {
        Some('5') => {
            if chars.any(|c| c != '0') {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        }
        Some(c) if c > '5' => std::cmp::Ordering::Greater,
        _ => std::cmp::Ordering::Less,
    }
}

/// FreeMarker's `?c` ("computer" format): integers without grouping, other numbers with up to
/// 16 fraction digits, `INF`/`-INF`/`NaN`.
pub(crate) fn format_c(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "INF".into() } else { "-INF".into() };
    }
    if x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
        return format!("{}", x as i64);
    }
    let p = NumberPattern {
        prefix: String::new(),
        suffix: String::new(),
        min_int: 1,
        min_frac: 0,
        max_frac: 16,
        grouping: None,
        percent: false,
    };
    p.format(x)
}

/// `?xml` (`'` as `&apos;`) and `?html` (`'` as `&#39;`): `< > & " '`.
pub(crate) fn escape_xml(s: &str, html: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' if html => out.push_str("&#39;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Apache Commons `StringEscapeUtils.escapeXml11`, which Synapse applies to a text payload
/// before handing it to the template.
pub(crate) fn escape_xml11(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\0' | '\u{FFFE}' | '\u{FFFF}' => {}
            c if matches!(c as u32, 0x1..=0x8 | 0xB | 0xC | 0xE..=0x1F | 0x7F..=0x84 | 0x86..=0x9F) =>
            {
                out.push_str(&format!("&#{};", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// `?json_string` (and `?js_string` when `js` is set: `'` escaped too, `\'`).
pub(crate) fn escape_json(s: &str, js: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\'' if js => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '/' if prev == '<' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
        prev = c;
    }
    out
}

/// `?url`: percent-encoding of UTF-8 bytes; letters, digits and `-_.!~*'()` stay.
pub(crate) fn escape_url(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_number_format_groups_and_rounds_to_three() {
        let n = NumberPattern::number();
        assert_eq!(n.format(35.0), "35");
        assert_eq!(n.format(1234567.0), "1,234,567");
        assert_eq!(n.format(0.1234), "0.123");
        assert_eq!(n.format(0.0005), "0.001"); // tie in the shortest form, binary value is above
        assert_eq!(n.format(0.125), "0.125");
        assert_eq!(n.format(-1.5), "-1.5");
        assert_eq!(n.format(999.9999), "1,000");
    }

    #[test]
    fn half_even_on_exact_ties() {
        let p = NumberPattern::parse("0.00").expect("pattern");
        assert_eq!(p.format(0.125), "0.12");
        assert_eq!(p.format(0.375), "0.38");
        assert_eq!(p.format(2.675), "2.67"); // binary value is below the tie
        assert_eq!(p.format(1.0), "1.00");
    }

    #[test]
    fn patterns() {
        assert_eq!(
            NumberPattern::parse("#,##0.##").expect("p").format(1234.5),
            "1,234.5"
        );
        assert_eq!(NumberPattern::parse("000").expect("p").format(7.0), "007");
        assert_eq!(
            NumberPattern::parse("0.#%").expect("p").format(0.256),
            "25.6%"
        );
    }

    #[test]
    fn computer_format() {
        assert_eq!(format_c(35.0), "35");
        assert_eq!(format_c(1234567.0), "1234567");
        assert_eq!(format_c(0.1), "0.1");
        assert_eq!(format_c(1e20), "100000000000000000000");
        assert_eq!(format_c(-2.5), "-2.5");
        assert_eq!(format_c(f64::INFINITY), "INF");
    }

    #[test]
    fn escapes() {
        assert_eq!(
            escape_xml("<a href='x'>&\"</a>", true),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(escape_xml("'", false), "&apos;");
        assert_eq!(escape_json("a\"b\\c\n</x>", false), "a\\\"b\\\\c\\n<\\/x>");
        assert_eq!(escape_url("a b/ü"), "a%20b%2F%C3%BC");
        assert_eq!(escape_xml11("a<'b'>\u{1}"), "a&lt;&apos;b&apos;&gt;&#1;");
    }
}
