//! Values put in from outside: `$SYSTEM:NAME` (an environment variable) and `$FILE:KEY` (a key of
//! a properties file), as WSO2 Micro Integrator's "injecting parameters" resolves them, and the
//! [`LoadOptions`] that say where they come from.
//!
//! # What MI does, and what mediate does
//!
//! MI (`org.apache.synapse.commons.resolvers.ResolverFactory`) resolves a value when it *starts*
//! with `$SYSTEM` or `$FILE`: the name is what the pattern `\$[_a-zA-Z0-9]+:([_a-zA-Z0-9]+)`
//! finds, and the whole value is replaced by what the name stands for: anything after the name
//! is dropped, a name cannot hold a `.` (`$FILE:ep.url` looks up `ep`), and `$SYSTEM:` inside a
//! longer string is left as it is. An unset variable or a missing key fails the deployment of the
//! artifact. MI's `$FILE:` reads the file named by the system property `properties.file.path`
//! (`default` = `conf/file.properties` of the MI home), in Java's properties format.
//!
//! MI resolves them only in some fields: endpoint `uri` (address, http, template), `wsdlURI`,
//! load-balance and recipient-list members' `hostName` and ports, proxy and inbound endpoint
//! `<parameter>`s, message store `<parameter>`s, `pinnedServers` of tasks and proxies (and data
//! source settings). mediate resolves a whole attribute value or a whole text node of any
//! artifact read from a file, at read time, so that every later check sees the resolved value:
//! a superset of MI's fields. What MI would silently do wrong is a diagnostic here: text after
//! the name, a name with other characters, an unset variable, a missing key.
//!
//! MI 4.4 also resolves `$config:NAME` (a configurable value of the server's own settings,
//! `ResolverFactory`'s `$config:` prefix); mediate has no such settings yet, so a value starting
//! with `$config:` is a "not supported yet" diagnostic at the value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use roxmltree::{Document, NodeType};

use crate::element::{Edit, Source};
use crate::{Diagnostic, Diagnostics};

const SYSTEM: &str = "$SYSTEM:";
const FILE: &str = "$FILE:";
/// MI 4.4's configurable values (`ResolverFactory`'s `$config:` prefix, resolved by its
/// `ConfigResolver` from the properties MI's `PropertyLoader` holds): not resolved here.
const CONFIG: &str = "$config:";

/// How a load resolves `$SYSTEM:NAME` and `$FILE:KEY` values.
///
/// The default reads `$SYSTEM:` names from the process environment, and `$FILE:` keys from
/// `conf/file.properties` of the loaded folder (MI's place, under its home), else from
/// `file.properties` at the folder's root.
///
/// ```
/// use mediate_config::{ArtifactConfig, LoadOptions, load_str_with};
///
/// let registry = mediate_mediators::builtins::registry();
/// let options = LoadOptions::new()
///     .environment([("GREETING", "hello")])
///     .file_properties([("who", "world")]);
/// let xml = r#"<localEntry xmlns="http://ws.apache.org/ns/synapse" key="greeting">$SYSTEM:GREETING</localEntry>"#;
/// let [ArtifactConfig::LocalEntry(entry)] = &load_str_with(xml, "g.xml".as_ref(), &registry, &options)?[..] else {
///     panic!("one local entry")
/// };
/// assert_eq!(entry.text(), Some("hello"));
///
/// let xml = r#"<localEntry xmlns="http://ws.apache.org/ns/synapse" key="x">$SYSTEM:NOPE</localEntry>"#;
/// let err = load_str_with(xml, "x.xml".as_ref(), &registry, &options).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "x.xml:1:61: environment variable `NOPE` is not set (`$SYSTEM:NOPE`)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `None`: the process environment.
    environment: Option<BTreeMap<String, String>>,
    properties: PropertiesSource,
}

/// Where `$FILE:` keys come from.
#[derive(Debug, Clone, Default)]
enum PropertiesSource {
    /// `conf/file.properties`, else `file.properties`, of the loaded folder.
    #[default]
    Default,
    /// A file (MI's `-Dproperties.file.path=PATH`).
    File(PathBuf),
    /// Given in code.
    Map(BTreeMap<String, String>),
}

impl LoadOptions {
    /// The defaults: the process environment, and the folder's `conf/file.properties` (else
    /// `file.properties`).
    pub fn new() -> Self {
        Self::default()
    }

    /// `$SYSTEM:NAME` reads `NAME` from `variables` instead of the process environment (tests,
    /// or a program that holds its own settings).
    pub fn environment<I, K, V>(mut self, variables: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.environment = Some(
            variables
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// `$FILE:KEY` reads the properties file at `path` (what MI's
    /// `-Dproperties.file.path=PATH` does); a relative path is taken from the current
    /// directory.
    pub fn properties_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.properties = PropertiesSource::File(path.into());
        self
    }

    /// `$FILE:KEY` reads `KEY` from `properties` instead of a file.
    pub fn file_properties<I, K, V>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.properties = PropertiesSource::Map(
            properties
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }
}

/// The resolving half of [`LoadOptions`] for one load: the properties file read once.
#[derive(Debug)]
pub(crate) struct Resolver {
    environment: Option<BTreeMap<String, String>>,
    properties: Properties,
    /// The project folder of a folder load (what a relative `file:` URL is read from).
    base: Option<PathBuf>,
}

#[derive(Debug)]
enum Properties {
    /// Read from this file.
    File(PathBuf, BTreeMap<String, String>),
    /// Given in code.
    Map(BTreeMap<String, String>),
    /// No file: the places looked at.
    Missing(Vec<PathBuf>),
}

impl Resolver {
    /// The resolver of `options` for a load of the folder `dir` (`None` for a single file); a
    /// properties file that cannot be read is a diagnostic.
    pub(crate) fn new(options: &LoadOptions, dir: Option<&Path>, diags: &mut Diagnostics) -> Self {
        let properties = match &options.properties {
            PropertiesSource::Map(map) => Properties::Map(map.clone()),
            PropertiesSource::File(path) => match read_properties(path) {
                Ok(map) => Properties::File(path.clone(), map),
                Err(e) => {
                    diags.push(Diagnostic::new(
                        path,
                        mediate_core::Position::new(1, 1),
                        format!("cannot read the properties file for `$FILE:` values: {e}"),
                    ));
                    Properties::Missing(vec![path.clone()])
                }
            },
            PropertiesSource::Default => {
                let candidates: Vec<PathBuf> = dir
                    .map(|d| {
                        vec![
                            d.join("conf").join("file.properties"),
                            d.join("file.properties"),
                        ]
                    })
                    .unwrap_or_default();
                match candidates.iter().find(|p| p.is_file()) {
                    Some(path) => match read_properties(path) {
                        Ok(map) => Properties::File(path.clone(), map),
                        Err(e) => {
                            diags.push(Diagnostic::new(
                                path,
                                mediate_core::Position::new(1, 1),
                                format!("cannot read the properties file for `$FILE:` values: {e}"),
                            ));
                            Properties::Missing(candidates)
                        }
                    },
                    None => Properties::Missing(candidates),
                }
            }
        };
        Self {
            environment: options.environment.clone(),
            properties,
            base: dir.map(Path::to_path_buf),
        }
    }

    /// The project folder of a folder load; `None` for a single file.
    pub(crate) fn base(&self) -> Option<&Path> {
        self.base.as_deref()
    }

    /// What `$SYSTEM:name` stands for.
    fn system(&self, name: &str) -> Result<String, String> {
        let value = match &self.environment {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.ok_or_else(|| format!("environment variable `{name}` is not set (`{SYSTEM}{name}`)"))
    }

    /// What `$FILE:key` stands for.
    fn file(&self, key: &str) -> Result<String, String> {
        match &self.properties {
            Properties::Map(map) => map
                .get(key)
                .cloned()
                .ok_or_else(|| format!("property `{key}` is not set (`{FILE}{key}`)")),
            Properties::File(path, map) => map.get(key).cloned().ok_or_else(|| {
                format!(
                    "property `{key}` is not in `{}` (`{FILE}{key}`)",
                    path.display()
                )
            }),
            Properties::Missing(places) if places.is_empty() => Err(format!(
                "`{FILE}{key}`: no properties file is given for `$FILE:` values"
            )),
            Properties::Missing(places) => Err(format!(
                "`{FILE}{key}`: no properties file for `$FILE:` values (looked for {})",
                places
                    .iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        }
    }

    /// `text` with every `$SYSTEM:`/`$FILE:` attribute value and text node resolved: `None`
    /// when there is none (the common case costs two substring searches and no copy); else the
    /// new text and its edits, or the problems (at the values, in `source`).
    pub(crate) fn substitute(
        &self,
        doc: &Document<'_>,
        source: &Source<'_>,
    ) -> Option<(String, Vec<Edit>, Diagnostics)> {
        let text = source.text;
        if !text.contains(SYSTEM) && !text.contains(FILE) && !text.contains(CONFIG) {
            return None;
        }
        let mut diags = Diagnostics::new();
        // (start, end, replacement) in `text`, in document order.
        let mut replacements: Vec<(usize, usize, String)> = Vec::new();
        for node in doc.descendants() {
            match node.node_type() {
                NodeType::Element => {
                    for attr in node.attributes() {
                        let range = attr.range_value();
                        if let Some((start, end, value)) = self.resolve(
                            attr.value(),
                            range.start,
                            range.end,
                            text,
                            source,
                            &mut diags,
                        ) {
                            replacements.push((start, end, escape(&value, true)));
                        }
                    }
                }
                NodeType::Text => {
                    // A text node may join several pieces (text and CDATA sections): it runs
                    // to the next node, or to its parent's end tag.
                    let start = node.range().start;
                    let end = match node.next_sibling() {
                        Some(next) => next.range().start,
                        None => node.parent().map_or(node.range().end, |p| {
                            let r = p.range();
                            text.get(r.clone())
                                .and_then(|raw| raw.rfind("</"))
                                .map_or(node.range().end, |i| r.start + i)
                        }),
                    }
                    .max(node.range().end);
                    let value = node.text().unwrap_or_default();
                    if let Some((start, end, value)) =
                        self.resolve(value, start, end, text, source, &mut diags)
                    {
                        replacements.push((start, end, escape(&value, false)));
                    }
                }
                _ => {}
            }
        }
        if replacements.is_empty() && diags.is_empty() {
            return None;
        }
        replacements.sort_by_key(|r| r.0);
        let mut out = String::with_capacity(text.len() + 64);
        let mut edits = Vec::with_capacity(replacements.len());
        let mut last = 0;
        for (start, end, replacement) in replacements {
            if start < last {
                continue; // overlapping: cannot happen for distinct nodes
            }
            out.push_str(text.get(last..start).unwrap_or_default());
            edits.push(Edit {
                at: out.len(),
                len: replacement.len(),
                original_at: start,
                original_len: end - start,
            });
            out.push_str(&replacement);
            last = end;
        }
        out.push_str(text.get(last..).unwrap_or_default());
        Some((out, edits, diags))
    }

    /// A value (`value` as decoded, written at `start..end` of `text`) that is a placeholder:
    /// the part of `text` to replace and what with. A placeholder that cannot be resolved is a
    /// diagnostic at the value.
    fn resolve(
        &self,
        value: &str,
        start: usize,
        end: usize,
        text: &str,
        source: &Source<'_>,
        diags: &mut Diagnostics,
    ) -> Option<(usize, usize, String)> {
        let trimmed = value.trim();
        if trimmed.starts_with(CONFIG) {
            let raw = text.get(start..end).unwrap_or_default();
            let at = source.position(raw.find(trimmed).map_or(start, |i| start + i));
            diags.push(source.diagnostic(
                at,
                format!(
                    "`{CONFIG}` values (from MI's deployment.toml) are not supported yet \
                     (`{trimmed}`)"
                ),
            ));
            return None;
        }
        let (prefix, rest) = if let Some(rest) = trimmed.strip_prefix(SYSTEM) {
            (SYSTEM, rest)
        } else if let Some(rest) = trimmed.strip_prefix(FILE) {
            (FILE, rest)
        } else {
            return None;
        };
        // The whole value is replaced (white space around the name included); a problem is
        // reported where the name's prefix is written (else, written with references, at the
        // value's start).
        let raw = text.get(start..end).unwrap_or_default();
        let at = source.position(raw.find(trimmed).map_or(start, |i| start + i));
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_len);
        if name.is_empty() {
            diags.push(source.diagnostic(
                at,
                format!("`{trimmed}`: a name must follow `{prefix}` (letters, digits and `_`)"),
            ));
            return None;
        }
        if !after.is_empty() {
            diags.push(source.diagnostic(
                at,
                format!(
                    "`{trimmed}`: MI replaces the whole value with what `{prefix}{name}` stands for, \
                     so `{after}` would be lost (a name is letters, digits and `_`; put the whole \
                     value in the variable)"
                ),
            ));
            return None;
        }
        let resolved = if prefix == SYSTEM {
            self.system(name)
        } else {
            self.file(name)
        };
        match resolved {
            Ok(v) => Some((start, end, v)),
            Err(message) => {
                diags.push(source.diagnostic(at, message));
                None
            }
        }
    }
}

/// `value` escaped for an attribute value (`attribute`) or text content.
fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' if !attribute => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Reads a Java properties file.
fn read_properties(path: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let bytes = std::fs::read(path)?;
    Ok(parse_properties(&decode(&bytes)))
}

/// Java reads properties files as ISO-8859-1; UTF-8 (what editors write today) is taken as
/// such when the bytes are valid UTF-8. ASCII reads the same either way.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Parses the text of a Java `.properties` file (`java.util.Properties.load`): `key=value`,
/// `key: value` or `key value`; lines end at `\n`, `\r\n` or `\r`; `#` and `!` comment lines
/// (only at the start of a logical line); a line ending in an odd number of `\` goes on on the
/// next line, its leading white space dropped (a blank next line ends the value); `\t \n \r
/// \f \uXXXX` escapes, and `\x` for any other `x`. A key given twice keeps its last value.
pub(crate) fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut lines = physical_lines(text);
    while let Some(first) = lines.next() {
        let first = first.trim_start_matches(PROPERTIES_SPACE);
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // The logical line.
        let mut logical = String::from(first);
        while ends_continued(&logical) {
            logical.pop();
            match lines.next() {
                // A blank line adds nothing, so the value ends there.
                Some(next) => logical.push_str(next.trim_start_matches(PROPERTIES_SPACE)),
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        map.insert(unescape(key), unescape(value));
    }
    map
}

/// The white space of a properties file: space, tab, form feed.
const PROPERTIES_SPACE: [char; 3] = [' ', '\t', '\u{c}'];

/// The lines of `text`, each ended by `\n`, `\r\n` or `\r` (a last line without one too).
fn physical_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\n', '\r']) {
            Some(i) => {
                let after = if s[i..].starts_with("\r\n") {
                    i + 2
                } else {
                    i + 1
                };
                rest = Some(&s[after..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                (!s.is_empty()).then_some(s)
            }
        }
    })
}

/// Whether the line ends with an odd number of backslashes.
fn ends_continued(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// The raw key and value of a logical line.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' | ' ' | '\t' | '\u{c}' => {
                key_end = i;
                break;
            }
            _ => {}
        }
    }
    let key = &line[..key_end];
    let mut rest = line[key_end..].trim_start_matches(PROPERTIES_SPACE);
    if let Some(r) = rest.strip_prefix(['=', ':']) {
        rest = r.trim_start_matches(PROPERTIES_SPACE);
    }
    (key, rest)
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(c) if hex.len() == 4 => out.push(c),
                    _ => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn java_properties() {
        let text = "# comment\n! also\n  a = 1\nb:2\nc 3\nd=\\\n    continued\\\r\n  more\n\
                    e=x\\ty\\u0041\\=z\nf\\ g=sp\n\nempty=\nlast=one\nlast=two";
        let map = parse_properties(text);
        assert_eq!(map["a"], "1");
        assert_eq!(map["b"], "2");
        assert_eq!(map["c"], "3");
        assert_eq!(map["d"], "continuedmore");
        assert_eq!(map["e"], "x\tyA=z");
        assert_eq!(map["f g"], "sp");
        assert_eq!(map["empty"], "");
        assert_eq!(map["last"], "two");
        assert!(!map.contains_key("# comment"));
    }

    // java.util.Properties.load's LineReader: the rules around line ends and continuations.
    #[test]
    fn java_properties_continuations_and_line_ends() {
        let map = |text: &str| parse_properties(text);
        // A blank (or white) line after a continuation ends the value; the next line is a key.
        let m = map("a=x\\\n\nb=1\n");
        assert_eq!((m["a"].as_str(), m["b"].as_str()), ("x", "1"));
        let m = map("a=x\\\n   \t\nb=1");
        assert_eq!((m["a"].as_str(), m["b"].as_str()), ("x", "1"));
        // `\r\n`, `\r` and `\n` each end a line, also after a continuation.
        let m = map("a=1\\\r\n  2\rb=3\r\nc=4");
        assert_eq!(
            (m["a"].as_str(), m["b"].as_str(), m["c"].as_str()),
            ("12", "3", "4")
        );
        // On a continuation line `#` is text, not a comment; a comment line ending in `\`
        // does not go on.
        let m = map("a=1\\\n#2\n# c\\\nb=3");
        assert_eq!((m["a"].as_str(), m["b"].as_str()), ("1#2", "3"));
        // An even number of backslashes is escaped backslashes: no continuation.
        let m = map("a=1\\\\\nb=2");
        assert_eq!((m["a"].as_str(), m["b"].as_str()), ("1\\", "2"));
        // A continuation at the end of the text ends the value.
        assert_eq!(map("a=1\\")["a"], "1");
        // Separators: the first unescaped `=`, `:` or white space; then white space and one
        // `=` or `:`.
        let m = map("k1 : v\nk2  = = v\nk\\=3=v\nk4:=v\nk5\tv w");
        assert_eq!(m["k1"], "v");
        assert_eq!(m["k2"], "= v");
        assert_eq!(m["k=3"], "v");
        assert_eq!(m["k4"], "=v");
        assert_eq!(m["k5"], "v w");
        // A key alone has an empty value.
        assert_eq!(map("   lonely\n")["lonely"], "");
    }

    #[test]
    fn latin1_when_not_utf8() {
        assert_eq!(decode(b"k=caf\xe9"), "k=café");
        assert_eq!(decode("k=café".as_bytes()), "k=café");
    }

    proptest! {
        // Any simple key and value written as `key=value` reads back.
        #[test]
        fn simple_pairs_read_back(key in "[A-Za-z_][A-Za-z0-9_.]{0,12}", value in "[ -~&&[^\\\\]]{0,20}") {
            let map = parse_properties(&format!("{key}={value}\n"));
            prop_assert_eq!(map.get(&key).map(String::as_str), Some(value.trim_start()));
        }

        // The parser never panics.
        #[test]
        fn never_panics(text in "\\PC{0,80}") {
            let _ = parse_properties(&text);
        }
    }
}
