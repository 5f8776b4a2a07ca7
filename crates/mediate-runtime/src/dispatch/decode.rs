//! The two Java string operations Synapse's dispatch depends on: `URLDecoder.decode(s, "UTF-8")`
//! and `String.split` on one character.

/// A `%` escape that `URLDecoder` refuses: fewer than two characters after `%`, or characters
/// that are not hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadEscape {
    /// Byte offset of the `%` in the decoded text.
    pub(crate) at: usize,
}

/// Decodes `s` as Java's `URLDecoder.decode(s, "UTF-8")` does: `+` is a space, each run of
/// `%XX` escapes is a run of bytes read as UTF-8 (malformed sequences become U+FFFD), every other
/// character stays as it is.
pub(crate) fn url_decode(s: &str) -> Result<String, BadEscape> {
    if !s.contains(['%', '+']) {
        return Ok(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(' ');
                i += 1;
            }
            b'%' => {
                let mut run = Vec::new();
                while bytes.get(i) == Some(&b'%') {
                    let hex = |k: usize| bytes.get(i + k).and_then(|b| (*b as char).to_digit(16));
                    match (hex(1), hex(2)) {
                        (Some(h), Some(l)) => run.push((h * 16 + l) as u8),
                        _ => return Err(BadEscape { at: i }),
                    }
                    i += 3;
                }
                out.push_str(&String::from_utf8_lossy(&run));
            }
            _ => {
                // Copy the whole character (a UTF-8 sequence starts at `i`).
                let rest = &s[i..];
                let c = rest.chars().next().unwrap_or('\u{FFFD}');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    Ok(out)
}

/// `s.split(sep)` as Java's `String.split` does for a one-character separator: the pieces in
/// order, trailing empty pieces removed (so `","` gives none), but `""` gives `[""]`.
/// [`java_split`] without the vector: the same parts, lazily.
/// The separator is one ASCII character, scanned for byte by byte: this runs per request on
/// short paths, where the generic string searchers cost more than the scan.
pub(crate) fn java_split_iter(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(
        sep.is_ascii(),
        "an ASCII separator keeps the pieces on char boundaries"
    );
    let end = s.bytes().rposition(|b| b != sep).map_or(0, |i| i + 1);
    let trimmed = &s[..end];
    // Java drops trailing empty strings: "///" splits into nothing, "" into one empty string.
    let mut rest = (!trimmed.is_empty() || s.is_empty()).then_some(trimmed);
    std::iter::from_fn(move || {
        let text = rest?;
        // `sep` is ASCII, so `i` and `i + 1` are char boundaries.
        match text.bytes().position(|b| b == sep) {
            Some(i) => {
                rest = text.get(i + 1..);
                text.get(..i)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

pub(crate) fn java_split(s: &str, sep: char) -> Vec<&str> {
    if s.is_empty() {
        return vec![""];
    }
    let mut parts: Vec<&str> = s.split(sep).collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_iter_is_java_split() {
        for s in [
            "",
            "/",
            "///",
            "a",
            "a/",
            "a//",
            "/a",
            "a/b",
            "a//b",
            "a/b//",
            "//a//b//",
            "\u{e9}/\u{20ac}//x\u{e9}/",
        ] {
            assert_eq!(
                java_split_iter(s, b'/').collect::<Vec<_>>(),
                java_split(s, '/'),
                "{s:?}"
            );
        }
    }

    #[test]
    fn decodes_as_url_decoder() {
        assert_eq!(url_decode("a+b%20c").as_deref(), Ok("a b c"));
        assert_eq!(url_decode("%E2%82%AC").as_deref(), Ok("€"));
        assert_eq!(url_decode("%2B%2f").as_deref(), Ok("+/"));
        assert_eq!(url_decode("caf\u{e9}").as_deref(), Ok("caf\u{e9}"));
        assert_eq!(url_decode("%FF").as_deref(), Ok("\u{FFFD}"));
        assert_eq!(url_decode("a%2"), Err(BadEscape { at: 1 }));
        assert_eq!(url_decode("%zz"), Err(BadEscape { at: 0 }));
    }

    #[test]
    fn splits_as_java() {
        assert_eq!(java_split("", ','), [""]);
        assert!(java_split(",", ',').is_empty());
        assert_eq!(java_split("a,,b,,", ','), ["a", "", "b"]);
        assert_eq!(java_split(",a", ','), ["", "a"]);
    }
}
