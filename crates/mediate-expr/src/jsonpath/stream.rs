//! A streaming fast path for the commonest `json-eval`: a definite path of names and
//! non-negative indexes (`$.order.id`, `$['a b'][0].c`) read straight from the payload text.
//!
//! Instead of building the whole `serde_json::Value` tree and then walking it, the text is
//! scanned once with serde: members and elements off the path are skipped (checked as a
//! `serde_json::Value` would check them, but not built), and only the selected value is built. The
//! whole text is still scanned, so malformed JSON anywhere is reported exactly as a full parse
//! would (including what serde's `IgnoredAny` lets through: a number out of `f64` range such as
//! `1e400`, a lone surrogate escape `"\ud800"`), and a repeated member name resolves to its last
//! occurrence, as `serde_json::Value` does.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// One step of a path that can be read straight from JSON text: a member name or an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An object member.
    Name(String),
    /// An array element (from the start).
    Index(usize),
}

use PathStep as Seg;

/// The steps of `path` if it is `$` followed only by `.name`, `['name']`, `["name"]` and `[n]`
/// with `n >= 0`; `None` for anything else (which then takes the general path).
pub(crate) fn simple_segments(path: &str) -> Option<Vec<Seg>> {
    let mut rest = path.strip_prefix('$')?;
    let mut segs = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || !c.is_ascii()))
                .unwrap_or(r.len());
            let name = &r[..end];
            let first = name.chars().next()?;
            if first.is_ascii_digit() {
                return None;
            }
            segs.push(Seg::Name(name.to_owned()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let (seg, after) = bracket(r)?;
            segs.push(seg);
            rest = after;
        } else {
            return None;
        }
    }
    Some(segs)
}

/// Parse the inside of `[...]` (after `[`): a quoted name without escapes or a plain index.
fn bracket(r: &str) -> Option<(Seg, &str)> {
    let q = r.chars().next()?;
    if q == '\'' || q == '"' {
        let body = &r[1..];
        let end = body.find(q)?;
        let name = &body[..end];
        if name.contains('\\') {
            return None;
        }
        let after = body[end + 1..].strip_prefix(']')?;
        return Some((Seg::Name(name.to_owned()), after));
    }
    let end = r.find(']')?;
    let digits = &r[..end];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    Some((Seg::Index(digits.parse().ok()?), &r[end + 1..]))
}

/// Read the value at `segs` from JSON `text` without building the rest of the tree: `Ok(None)`
/// when nothing is there. The whole text is still checked to be well-formed JSON.
pub fn select(text: &str, segs: &[Seg]) -> Result<Option<Value>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let found = Find(segs, needs_strict_skip(text)).deserialize(&mut de)?;
    de.end()?;
    Ok(found)
}

/// Whether values off the path must be read number by number and string by string ([`Skip`])
/// rather than skipped with serde's cheap [`IgnoredAny`]: only when the text has what
/// `IgnoredAny` would let through and a full parse would not — an exponent or a very long run
/// of digits (a number out of `f64` range), or a surrogate escape (`\ud800` alone).
fn needs_strict_skip(text: &str) -> bool {
    let b = text.as_bytes();
    let mut digits = 0usize;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            digits += 1;
            if digits > 300 {
                return true;
            }
            continue;
        }
        let after_number = digits > 0;
        digits = 0;
        match c {
            b'e' | b'E' if after_number => return true,
            b'\\'
                if matches!(b.get(i + 1), Some(b'u'))
                    && matches!(b.get(i + 2), Some(b'd' | b'D')) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// Find the value at a path; `strict` chooses how values off the path are skipped.
struct Find<'p>(&'p [Seg], bool);

impl<'de> DeserializeSeed<'de> for Find<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        if self.0.is_empty() {
            return serde::Deserialize::deserialize(d).map(Some);
        }
        d.deserialize_any(FindVisitor(self.0, self.1))
    }
}

struct FindVisitor<'p>(&'p [Seg], bool);

macro_rules! scalar_is_nothing {
    ($($f:ident: $t:ty),*) => {$(
        fn $f<E: de::Error>(self, _: $t) -> Result<Self::Value, E> {
            Ok(None)
        }
    )*};
}

impl<'de> Visitor<'de> for FindVisitor<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    scalar_is_nothing!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (want, rest) = match self.0.split_first() {
            Some((Seg::Name(n), rest)) => (Some(n.as_str()), rest),
            _ => (None, &[][..]),
        };
        let mut found = None;
        while let Some(hit) = map.next_key_seed(KeyIs(want))? {
            if hit {
                found = map.next_value_seed(Find(rest, self.1))?;
            } else if self.1 {
                map.next_value::<Skip>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let (want, rest) = match self.0.split_first() {
            Some((Seg::Index(i), rest)) => (Some(*i), rest),
            _ => (None, &[][..]),
        };
        let mut found = None;
        let mut i = 0usize;
        loop {
            if want == Some(i) {
                match seq.next_element_seed(Find(rest, self.1))? {
                    Some(v) => found = v,
                    None => break,
                }
            } else if self.1 {
                if seq.next_element::<Skip>()?.is_none() {
                    break;
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found)
    }
}

/// A value off the path: read and checked exactly as `serde_json::Value` reads it (numbers
/// parsed, string escapes decoded), but nothing is kept. serde's `IgnoredAny` would not do:
/// serde_json skips an ignored number or string without checking that `Value` can hold it.
struct Skip;

impl<'de> serde::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

/// Deserializes a member name to "is it the one we want", without allocating when it has no
/// escapes.
struct KeyIs<'p>(Option<&'p str>);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(self.0 == Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn recognises_only_simple_definite_paths() {
        use Seg::*;
        assert_eq!(
            simple_segments("$.order.items[0]['sku id']"),
            Some(vec![
                Name("order".into()),
                Name("items".into()),
                Index(0),
                Name("sku id".into())
            ])
        );
        assert_eq!(simple_segments("$"), Some(vec![]));
        for other in [
            "$..a",
            "$.a[*]",
            "$.a[-1]",
            "$.a[0:1]",
            "$.a[?(@.b)]",
            "a.b",
            "$.1a",
            "$.a.length()",
            "$['a\\'b']",
            "$.a[01]",
        ] {
            assert_eq!(simple_segments(other), None, "{other}");
        }
    }

    #[test]
    fn selects_like_a_full_parse() {
        let text = r#"{"a":{"b":[10,{"c":"x"}],"d":null},"a2":1,"dup":1,"dup":2}"#;
        let s = |p: &str| select(text, &simple_segments(p).unwrap()).unwrap();
        assert_eq!(s("$.a.b[1].c"), Some(Value::from("x")));
        assert_eq!(s("$.a.b[0]"), Some(Value::from(10)));
        assert_eq!(s("$.a.d"), Some(Value::Null));
        assert_eq!(s("$.a.b[2]"), None);
        assert_eq!(s("$.a.b.c"), None);
        assert_eq!(s("$.zz"), None);
        assert_eq!(s("$.dup"), Some(Value::from(2)));
        assert_eq!(s("$"), Some(serde_json::from_str(text).unwrap()));
        assert!(select(r#"{"a":1} x"#, &[]).is_err());
        assert!(select(r#"{"a":1,"b":[1,}"#, &simple_segments("$.a").unwrap()).is_err());
    }

    #[test]
    fn values_off_the_path_are_checked_as_a_full_parse_checks_them() {
        let a = simple_segments("$.a").unwrap();
        for text in [
            r#"{"a":1,"b":1e400}"#,
            r#"{"a":1,"b":[-1e400]}"#,
            r#"{"a":1,"b":"\ud800"}"#,
            r#"{"a":1,"b":{"c":"x\udc00y"}}"#,
            r#"[{"a":1},{"b":1e999}]"#,
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert!(select(text, &a).is_err(), "{text}");
        }
        let ok = r#"{"a":1,"b":[18446744073709551616,-9223372036854775809,"\ud83d\ude00",-0]}"#;
        assert_eq!(select(ok, &a).unwrap(), Some(Value::from(1)));
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{1,2}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn seg() -> impl Strategy<Value = Seg> {
        prop_oneof![
            "[a-c]{1,2}".prop_map(Seg::Name),
            (0usize..4).prop_map(Seg::Index)
        ]
    }

    proptest! {
        #[test]
        fn streaming_agrees_with_walking_the_tree(doc in json(), path in prop::collection::vec(seg(), 0..4)) {
            let text = doc.to_string();
            let mut want = Some(&doc);
            for s in &path {
                want = match (want, s) {
                    (Some(Value::Object(m)), Seg::Name(n)) => m.get(n),
                    (Some(Value::Array(a)), Seg::Index(i)) => a.get(*i),
                    _ => None,
                };
            }
            prop_assert_eq!(select(&text, &path).unwrap(), want.cloned());
        }
    }
}
