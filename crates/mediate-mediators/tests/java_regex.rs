//! `JavaRegex` against the answers of `java.util.regex` (`Pattern.matches` / `Matcher.find`),
//! as MI's filter, switch and property mediators use it.

use mediate_mediators::java_regex::JavaRegex;

fn re(p: &str) -> JavaRegex {
    match JavaRegex::new(p) {
        Ok(r) => r,
        Err(e) => panic!("pattern {p:?} refused: {e}"),
    }
}

/// (pattern, input, Java's `Pattern.matches(pattern, input)`).
const WHOLE_MATCH: &[(&str, &str, bool)] = &[
    // Lookahead: MI's documented "anything not starting with test".
    ("^(?!test).*", "prod-api", true),
    ("^(?!test).*", "test-api", false),
    ("(?=.*\\d)(?=.*[a-z]).{6,}", "abc123", true),
    ("(?=.*\\d)(?=.*[a-z]).{6,}", "abcdef", false),
    // Backreferences.
    ("(a)\\1", "aa", true),
    ("(a)\\1", "ab", false),
    ("(\\w)(\\w)\\2\\1", "abba", true),
    ("(\\w)(\\w)\\2\\1", "abab", false),
    ("(?<q>['\"]).*\\k<q>", "'x'", true),
    ("(?<q>['\"]).*\\k<q>", "'x\"", false),
    // Java's digit rule: \11 with one group is \1 then '1'.
    ("(a)\\11", "aa1", true),
    // Whole match, not find.
    ("gold|plat.*", "golden", false),
    ("gold|plat.*", "platinum", true),
    ("gold|plat.*", "gold", true),
    ("abc", "xabcx", false),
    ("a|ab", "ab", true),
    // `$` before a final line terminator cannot end a whole match…
    ("abc$", "abc\n", false),
    // …unless the pattern itself consumes the terminator.
    ("abc$\\n", "abc\n", true),
    ("^a$|^b$", "b", true),
    // `.` excludes Java's line terminators unless DOTALL (or only `\n` under UNIX_LINES).
    ("a.c", "a\nc", false),
    ("a.c", "a\rc", false),
    ("a.c", "a\u{2028}c", false),
    ("(?s)a.c", "a\nc", true),
    ("(?d)a.c", "a\rc", true),
    ("(?d)a.c", "a\nc", false),
    // ASCII `\d`, `\w`, `\s` by default; Unicode under UNICODE_CHARACTER_CLASS.
    ("\\d+", "١٢", false),
    ("(?U)\\d+", "١٢", true),
    ("\\w+", "é", false),
    ("(?U)\\w+", "é", true),
    ("\\s", "\u{A0}", false),
    ("\\d{3}", "123", true),
    // POSIX and java.lang.Character classes.
    ("\\p{Alpha}+", "abcXYZ", true),
    ("\\p{Alpha}+", "é", false),
    ("\\p{Lower}\\p{Upper}\\p{Digit}", "aZ7", true),
    ("\\p{Punct}+", "!-@[`{~", true),
    ("\\p{XDigit}+", "0aF", true),
    ("\\p{Space}\\p{Blank}", "\n\t", true),
    ("\\p{Alnum}+", "a1_", false),
    ("\\p{ASCII}+", "a~", true),
    ("\\p{ASCII}", "é", false),
    ("\\p{javaLowerCase}+", "éa", true),
    ("\\p{javaLowerCase}", "A", false),
    ("\\p{javaUpperCase}", "É", true),
    ("\\p{javaWhitespace}", "\u{A0}", false),
    ("\\p{javaWhitespace}", "\u{2003}", true),
    ("\\P{Alpha}", "1", true),
    ("[\\p{Alpha}&&[^a]]+", "bc", true),
    // Unicode categories and scripts.
    ("\\p{L}+", "éa", true),
    ("\\pL", "1", false),
    ("\\p{Lu}", "É", true),
    ("\\p{IsLu}", "é", false),
    ("\\p{IsLatin}+", "abc", true),
    ("\\p{IsGreek}", "a", false),
    ("\\p{IsAlphabetic}", "ж", true),
    ("\\p{sc=Cyrillic}", "ж", true),
    ("\\p{gc=Nd}", "5", true),
    // Quoting.
    ("\\QA.B\\E", "A.B", true),
    ("\\QA.B\\E", "AxB", false),
    ("\\Q(x)", "(x)", true),
    ("[\\Q]-\\E]+", "]-]", true),
    // Possessive quantifiers and atomic groups never give back.
    ("a*+a", "aaa", false),
    ("a++b", "aab", true),
    ("(?>a*)a", "aaa", false),
    ("(?>ab|a)c", "ac", true),
    // Inline flags and their scope.
    ("(?i)ABC", "abc", true),
    ("a(?i)b", "aB", true),
    ("(a(?i)b)c", "aBC", false),
    ("(?i:a)b", "Ab", true),
    ("(?i:a)b", "AB", false),
    ("(?x) a b # comment", "ab", true),
    ("(?-i)a", "A", false),
    // Java's (?i) folds ASCII letters only, unless UNICODE_CASE (?u) is on.
    ("(?i)k", "\u{212A}", false),
    ("(?i)é", "É", false),
    ("(?iu)é", "É", true),
    ("(?i)[a-c]+", "AbC", true),
    ("(?i)[^a]", "A", false),
    ("(?i)[X-b]", "y", true),
    ("(?i)\\Qab\\E", "AB", true),
    ("(?i)(a)\\1", "aA", true),
    // Case-insensitive cased classes take both cases (CharPredicates, caseIns).
    ("(?i)\\p{Lower}", "A", true),
    ("(?i)\\p{Lu}", "a", true),
    ("(?i)\\p{javaLowerCase}", "É", true),
    ("\\p{Lu}", "a", false),
    ("\\p{all}", "\n", true),
    ("\\p{L1}", "ÿ", true),
    ("\\p{LD}+", "a1", true),
    // Java's \h \v \R.
    ("\\h", "\u{A0}", true),
    ("\\h", "\n", false),
    ("\\v", "\n", true),
    ("\\v", " ", false),
    ("\\R", "\r\n", true),
    ("\\R", "\u{2028}", true),
    ("\\H\\V", "ab", true),
    // Classes: union, intersection, ranges, escapes.
    ("[a-z&&[^aeiou]]+", "bcd", true),
    ("[a-z&&[^aeiou]]+", "bad", false),
    ("[a-d[m-p]]+", "amp", true),
    ("[a-d[m-p]]", "e", false),
    ("[^abc]", "d", true),
    ("[-a]+", "-a", true),
    ("[a-]+", "-a", true),
    ("[\\x41-\\x43]+", "ABC", true),
    ("[\\w.-]+@[\\w.-]+", "a.b-c@x.org", true),
    ("[.]", "x", false),
    // Character escapes.
    ("\\x41\\u0042\\0103", "ABC", true),
    ("\\x{1F600}", "\u{1F600}", true),
    ("\\uD83D\\uDE00", "\u{1F600}", true),
    ("\\t\\n\\r\\f\\a\\e", "\t\n\r\u{c}\u{7}\u{1b}", true),
    ("\\cJ", "\n", true),
    ("\\.\\*\\$", ".*$", true),
    // Characters that are meta only in the Rust engines stay literal.
    ("<a>", "<a>", true),
    ("(x)\\1<b>", "xx<b>", true),
    ("a#b c", "a#b c", true),
    ("'\"/@!=:,%;`", "'\"/@!=:,%;`", true),
    // Repetition.
    ("x{2,3}", "xxxx", false),
    ("x{2,}", "xxxx", true),
    ("x{2}", "xx", true),
    ("x{2,3}?y", "xxy", true),
    // Anchors.
    ("\\Aab\\z", "ab", true),
    ("ab\\Z", "ab", true),
    ("(?m)a$\\nb", "a\nb", true),
    ("(?m)^b", "b", true),
    // Lookbehind.
    ("(?<=a)b|ab", "ab", true),
    ("a(?<!a)b", "ab", false),
    // Bounded variable-length lookbehind (Java accepts it).
    ("(?<=a|bc)x", "bcx", false),
    (".*(?<=a|bc)x", "bcx", true),
    // Word boundaries (ASCII, as Java 19+; Java 17 took Unicode letters as word characters,
    // so only ASCII cases are pinned).
    ("a\\b", "a", true),
    ("\\bfoo\\b", "foo", true),
    ("(x)\\1\\b", "xx", true),
    ("(x)\\1\\b-", "xx-", true),
    ("(x)\\1\\by", "xxy", false),
];

#[test]
fn whole_match_table_agrees_with_java() {
    let mut failures = Vec::new();
    for &(pattern, input, java) in WHOLE_MATCH {
        let got = re(pattern).matches(input).map_err(|e| e.to_string());
        if got != Ok(java) {
            failures.push(format!(
                "{pattern:?} on {input:?}: Java {java}, got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (pattern, input, Java's `Matcher.find()` then `start()`/`end()`).
type FindCase = (&'static str, &'static str, Option<(usize, usize)>);

const FIND: &[FindCase] = &[
    ("gold|plat.*", "golden", Some((0, 4))),
    ("abc$", "abc\n", Some((0, 3))),
    ("abc$", "abc\r\n", Some((0, 3))),
    // Never between the \r and \n of a final \r\n (Pattern.Dollar).
    ("c\\r$", "abc\r\n", None),
    ("c\\r\\Z", "abc\r\n", None),
    ("c\\r$", "abc\r", Some((2, 4))),
    ("abc$", "abc\nx", None),
    ("abc\\Z", "abc\n", Some((0, 3))),
    ("abc\\z", "abc\n", None),
    ("(?m)^b$", "a\nb\nc", Some((2, 3))),
    ("(?<=\\$)\\d+", "cost $42", Some((6, 8))),
    ("\\bfoo\\b", "a foo b", Some((2, 5))),
    ("\\bfoo\\b", "afoob", None),
    ("(a)\\1", "xaay", Some((1, 3))),
    ("a|ab", "ab", Some((0, 1))),
    ("\\d+", "ab12c", Some((2, 4))),
    ("", "abc", Some((0, 0))),
];

#[test]
fn find_table_agrees_with_java() {
    let mut failures = Vec::new();
    for &(pattern, input, java) in FIND {
        let got = re(pattern)
            .find(input)
            .map(|m| m.map(|r| (r.start, r.end)))
            .map_err(|e| e.to_string());
        if got != Ok(java) {
            failures.push(format!(
                "{pattern:?} on {input:?}: Java {java:?}, got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn groups_of_whole_and_find_matches() {
    let date = re(r"(?<year>\d{4})-(?<month>\d\d)(-(\d\d))?");
    assert_eq!(date.group_count(), 4);
    assert_eq!(date.group_index("year"), Some(1));
    assert_eq!(date.group_index("month"), Some(2));
    assert_eq!(date.group_index("day"), None);
    let m = date.match_whole("2024-05").unwrap().unwrap();
    assert_eq!(m.get(0), Some("2024-05"));
    assert_eq!(m.get(1), Some("2024"));
    assert_eq!(m.get(2), Some("05"));
    // A group that took no part in the match is Java's null.
    assert_eq!(m.get(3), None);
    assert_eq!(m.len(), 5);
    assert!(date.match_whole("on 2024-05").unwrap().is_none());
    let f = date.find_captures("on 2024-05-17!").unwrap().unwrap();
    assert_eq!(f.get(4), Some("17"));
    assert_eq!(f.span(0), Some(3..13));
    // Backtracking engine too.
    let b = re(r"(\w)\1(?<rest>.*)");
    assert!(b.is_backtracking());
    let m = b.match_whole("aaxyz").unwrap().unwrap();
    assert_eq!((m.get(1), m.get(2)), (Some("a"), Some("xyz")));
}

#[test]
fn plain_patterns_stay_on_the_linear_engine() {
    for p in [
        "^abc$",
        "gold|plat.*",
        r"\d{3}-\p{Alpha}+",
        "(?i)a.b",
        "a$|b$",
    ] {
        assert!(!re(p).is_backtracking(), "{p}");
    }
    for p in ["(?!x).*", r"(a)\1", "a*+", "(?>a)", "a$b"] {
        assert!(re(p).is_backtracking(), "{p}");
    }
}

/// (pattern, construct named in the error, 1-based column).
const REFUSED: &[(&str, &str, usize)] = &[
    (r"a\p{InGreek}", r"\p{InGreek}", 2),
    ("(?P<n>a)", "(?P", 1),
    (r"x\X", r"\X", 2),
    (r"\N{LATIN SMALL LETTER A}", r"\N{", 1),
    (r"\b{g}", r"\b{g}", 1),
    (r"\p{javaMirrored}", r"\p{javaMirrored}", 1),
    (r"\p{NoSuchThing}", r"\p{NoSuchThing}", 1),
    ("*a", "*", 1),
    ("a**", "*", 3),
    ("a{,3}", "{,", 2),
    ("a{3,2}", "{3,2}", 2),
    ("ab)", ")", 3),
    ("[a", "[a", 1),
    ("[z-a]", "z-a", 2),
    (r"(a)\2", r"\2", 4),
    (r"\k<nope>", r"\k<nope>", 1),
    (r"\y", r"\y", 1),
    (r"\0", r"\0", 1),
    ("(?<1a>x)", "(?<1a>", 1),
    ("(?<n>a)(?<n>b)", "(?<n>", 8),
];

#[test]
fn unsupported_or_invalid_constructs_are_named_with_their_column() {
    let mut failures = Vec::new();
    for &(pattern, construct, column) in REFUSED {
        match JavaRegex::new(pattern) {
            Ok(_) => failures.push(format!("{pattern:?} was accepted")),
            Err(e) => {
                if e.construct != construct || e.column != Some(column) {
                    failures.push(format!(
                        "{pattern:?}: expected `{construct}` at {column}, got {:?} at {:?} ({e})",
                        e.construct, e.column
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// A hostile pattern is refused, not a stack overflow.
#[test]
fn deep_nesting_is_refused() {
    let groups = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    let e = JavaRegex::new(&groups).unwrap_err();
    assert!(e.reason.contains("nested too deeply"), "{e}");
    let classes = format!("{}a{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = JavaRegex::new(&classes).unwrap_err();
    assert!(e.reason.contains("nested too deeply"), "{e}");
    let fine = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert!(JavaRegex::new(&fine).unwrap().matches("a").unwrap());
}

#[test]
fn unclosed_group_is_refused() {
    let e = JavaRegex::new("(ab").unwrap_err();
    assert!(e.to_string().contains("unclosed group"), "{e}");
}

#[test]
fn runaway_backtracking_is_an_error_not_a_hang() {
    // Exponential on a backtracking engine (Java would hang); here it stops at the limit.
    let r = re("((?=a)a|a)*b");
    assert!(r.is_backtracking());
    let input = "a".repeat(64);
    let err = r.matches(&input).unwrap_err();
    assert!(err.message().contains("backtracking limit"), "{err}");
    assert!(err.is_internal());
    assert!(r.find(&input).is_err());
}

#[test]
fn attribute_errors_are_build_errors() {
    let e = JavaRegex::for_attribute("filter", "regex", r"\p{InGreek}").unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("filter") && text.contains("regex") && text.contains("column 1"),
        "{text}"
    );
}

mod properties {
    use mediate_mediators::java_regex::JavaRegex;
    use proptest::prelude::*;

    /// Java patterns made of the pieces the translator rewrites differently per engine.
    const PATTERNS: &[&str] = &[
        r"\bab\b",
        r"a\B.",
        r"\w+\s\d*",
        r"(?i)AB.",
        r"(?m)^a$",
        r"a$",
        r"(a|b)*c?\Z",
        r"[^a\s]+",
        r"\p{Alpha}\P{Digit}",
        r".*\R?",
        r"(?s).+",
        r"[a-c&&[^b]]*",
        r"\Qa.\E.",
        r"(?U)\w+",
    ];

    /// Each pattern compiled for the linear engine and, behind an always-true lookahead, for
    /// the backtracking engine.
    static COMPILED: std::sync::LazyLock<Vec<(JavaRegex, JavaRegex)>> =
        std::sync::LazyLock::new(|| {
            PATTERNS
                .iter()
                .map(|p| {
                    let plain = JavaRegex::new(p).unwrap();
                    let fancy = JavaRegex::new(&format!("(?=[\\s\\S]*){p}")).unwrap();
                    assert!(!plain.is_backtracking() && fancy.is_backtracking(), "{p}");
                    (plain, fancy)
                })
                .collect()
        });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        // The linear engine and the backtracking engine give the same answers for the same
        // Java pattern.
        #[test]
        fn both_engines_agree(input in "[ab c1\\n\\ré_]{0,8}") {
            for (plain, fancy) in COMPILED.iter() {
                prop_assert_eq!(
                    plain.matches(&input).unwrap(),
                    fancy.matches(&input).unwrap(),
                    "{} on {:?}", plain, input
                );
                prop_assert_eq!(
                    plain.find(&input).unwrap(),
                    fancy.find(&input).unwrap(),
                    "{} on {:?}", plain, input
                );
            }
        }

        // Any text is either refused or compiled, and compiled patterns match without
        // panicking: no panic on any input.
        #[test]
        fn never_panics(pattern in "[\\\\()\\[\\]{}?*+|.^$a-dpPQEkx0-9<>=!:&,-]{0,12}", input in "[a-d\\n]{0,6}") {
            if let Ok(r) = JavaRegex::new(&pattern) {
                let _ = r.matches(&input);
                let _ = r.find(&input);
                let _ = r.match_whole(&input);
            }
        }
    }
}
