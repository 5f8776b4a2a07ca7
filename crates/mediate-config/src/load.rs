//! Loading artifact files and folders: sequences and local entries, with every problem reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mediate_core::{BuildError, Env, Position, Registry, Sequence};
use roxmltree::{Document, Node, NodeType};

use crate::element::{Source, content, is_synapse, kind_of, read_element};
use crate::{Diagnostic, Diagnostics, SYNAPSE_NS};

/// The root elements of Synapse artifact files this slice loads.
pub const SUPPORTED_ARTIFACTS: &[&str] = &["sequence", "localEntry"];

/// The root elements of Synapse artifact files that are recognised but not loaded yet: each
/// gets a "not supported yet" diagnostic.
pub const UNSUPPORTED_ARTIFACTS: &[&str] = &[
    "api",
    "proxy",
    "endpoint",
    "template",
    "inboundEndpoint",
    "messageStore",
    "messageProcessor",
    "definitions",
    "task",
    "eventSource",
    "executor",
    "registry",
    "taskManager",
    "sequenceTemplate",
];

/// A local entry (`<localEntry key="…">`): its key and its value as text (an XML fragment
/// serialized as written, or plain text), for [`EnvBuilder::local_entry`](mediate_core::EnvBuilder::local_entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEntry {
    /// The entry's key.
    pub key: String,
    /// The entry's value as text.
    pub value: String,
}

/// What one artifact file holds.
#[derive(Debug)]
#[non_exhaustive]
pub enum Artifact {
    /// A named sequence (`<sequence name="…" onError="…">`).
    Sequence(Sequence),
    /// A local entry.
    LocalEntry(LocalEntry),
}

impl Artifact {
    /// The artifact's name (a sequence's `name`, a local entry's `key`).
    pub fn name(&self) -> &str {
        match self {
            Artifact::Sequence(s) => s.name().unwrap_or_default(),
            Artifact::LocalEntry(e) => &e.key,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Artifact::Sequence(_) => "sequence",
            Artifact::LocalEntry(_) => "local entry",
        }
    }
}

/// Reads one artifact file's text (`file` names it in diagnostics): its root element says what
/// it holds. Every problem of the file is reported, not only the first.
///
/// ```
/// use std::path::Path;
/// use mediate_config::{load_str, Artifact};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main"><log/></sequence>"#;
/// let Artifact::Sequence(seq) = load_str(xml, Path::new("main.xml"), &registry).unwrap() else {
///     unreachable!()
/// };
/// assert_eq!(seq.name(), Some("main"));
///
/// let bad = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main"><lg/></sequence>"#;
/// let err = load_str(bad, Path::new("main.xml"), &registry).unwrap_err();
/// assert_eq!(err.to_string(), "main.xml:1:63: unknown mediator `lg`; did you mean `log`?");
/// ```
pub fn load_str(text: &str, file: &Path, registry: &Registry) -> Result<Artifact, Diagnostics> {
    load_located(text, file, registry).map(|(artifact, _)| artifact)
}

/// Reads one artifact file's bytes, as [`load_str`]; bytes that are not UTF-8 are a diagnostic.
pub fn load_bytes(bytes: &[u8], file: &Path, registry: &Registry) -> Result<Artifact, Diagnostics> {
    load_located_bytes(bytes, file, registry).map(|(artifact, _)| artifact)
}

fn load_located_bytes(
    bytes: &[u8],
    file: &Path,
    registry: &Registry,
) -> Result<(Artifact, Position), Diagnostics> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => load_located(text, file, registry),
        Err(e) => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let text = std::str::from_utf8(valid).unwrap_or_default();
            let position = Source::new(text, file).position(text.len());
            Err(Diagnostic::new(file, position, "the file is not valid UTF-8").into())
        }
    }
}

fn load_located(
    text: &str,
    file: &Path,
    registry: &Registry,
) -> Result<(Artifact, Position), Diagnostics> {
    let doc = Document::parse(text).map_err(|e| {
        let pos = e.pos();
        let message = e.to_string().replacen(&format!(" at {pos}"), "", 1);
        Diagnostic::new(file, Position::new(pos.row, pos.col), message)
    })?;
    let source = Source::new(text, file);
    let root = doc.root_element();
    let at = source.node_position(root);
    let name = root.tag_name().name();
    if !is_synapse(root) {
        return Err(source
            .diagnostic(
                at,
                format!(
                    "root element `{}` is not in the Synapse namespace (add xmlns=\"{SYNAPSE_NS}\")",
                    kind_of(root)
                ),
            )
            .into());
    }
    let artifact = match name {
        "sequence" => Artifact::Sequence(load_sequence(&source, root, registry)?),
        "localEntry" => Artifact::LocalEntry(load_local_entry(&source, root)?),
        other if UNSUPPORTED_ARTIFACTS.contains(&other) => {
            return Err(source
                .diagnostic(at, format!("`<{other}>` artifacts are not supported yet"))
                .into());
        }
        other => {
            let known = SUPPORTED_ARTIFACTS.iter().chain(UNSUPPORTED_ARTIFACTS);
            return Err(source
                .diagnostic(
                    at,
                    format!(
                        "unknown artifact `<{other}>`{}",
                        did_you_mean(other, known.copied())
                    ),
                )
                .into());
        }
    };
    Ok((artifact, at))
}

/// Refuses the attributes of `node` not in `known`, with a suggestion.
fn check_attributes(
    source: &Source<'_>,
    node: Node<'_, '_>,
    known: &[&str],
    diags: &mut Diagnostics,
) {
    for attr in node.attributes() {
        if attr.namespace().is_none() && known.contains(&attr.name()) {
            continue;
        }
        let name = source.text.get(attr.range_qname()).unwrap_or(attr.name());
        diags.push(source.diagnostic(
            source.position(attr.range().start),
            format!(
                "`<{}>`: unknown attribute `{name}`{}",
                node.tag_name().name(),
                did_you_mean(name, known.iter().copied())
            ),
        ));
    }
}

fn required_attribute<'a>(
    source: &Source<'_>,
    node: Node<'a, '_>,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<&'a str> {
    match node.attribute(name) {
        Some(v) if !v.trim().is_empty() => Some(v),
        Some(_) => {
            let pos = node
                .attribute_node(name)
                .map_or(source.node_position(node), |a| {
                    source.position(a.range_value().start)
                });
            diags.push(source.diagnostic(
                pos,
                format!(
                    "`<{}>`: attribute `{name}` is empty",
                    node.tag_name().name()
                ),
            ));
            None
        }
        None => {
            diags.push(source.diagnostic(
                source.node_position(node),
                format!("`<{}>`: missing attribute `{name}`", node.tag_name().name()),
            ));
            None
        }
    }
}

/// `<sequence name="…" [onError="…"]>` with mediators: each top-level mediator is built on its
/// own so that every faulty one is reported.
fn load_sequence(
    source: &Source<'_>,
    root: Node<'_, '_>,
    registry: &Registry,
) -> Result<Sequence, Diagnostics> {
    let mut diags = Diagnostics::new();
    // `trace`, `statistics` and `description` are read by MI and have no runtime effect here yet.
    check_attributes(
        source,
        root,
        &["name", "onError", "trace", "statistics", "description"],
        &mut diags,
    );
    let name = required_attribute(source, root, "name", &mut diags);
    let mut mediators = Vec::new();
    for child in root.children() {
        match child.node_type() {
            NodeType::Element if !is_synapse(child) => diags.push(source.diagnostic(
                source.node_position(child),
                format!(
                    "`<{}>` is not a mediator: it is not in the Synapse namespace",
                    kind_of(child)
                ),
            )),
            NodeType::Element => match read_element(source, child) {
                Err(d) => diags.push(d),
                Ok(spec) => match registry.build(&spec) {
                    Ok(m) => mediators.push(m),
                    Err(e) => diags.push(build_diagnostic(source, &e, spec.position)),
                },
            },
            NodeType::Text if !child.text().unwrap_or_default().trim().is_empty() => {
                diags.push(source.diagnostic(
                    source.node_position(child),
                    "`<sequence>`: unexpected text content",
                ));
            }
            _ => {}
        }
    }
    let name = match name {
        Some(name) if diags.is_empty() => name,
        _ => return Err(diags.into_result(()).err().unwrap_or_default()),
    };
    let mut sequence = Sequence::new(Some(name.to_owned()), mediators);
    if let Some(on_error) = root.attribute("onError") {
        sequence = sequence.on_error(on_error);
    }
    Ok(sequence)
}

/// `<localEntry key="…">`: text, inline XML, or `src` (not supported yet).
fn load_local_entry(source: &Source<'_>, root: Node<'_, '_>) -> Result<LocalEntry, Diagnostics> {
    let mut diags = Diagnostics::new();
    check_attributes(source, root, &["key", "src", "description"], &mut diags);
    let key = required_attribute(source, root, "key", &mut diags);
    if let Some(src) = root.attribute_node("src") {
        diags.push(source.diagnostic(
            source.position(src.range_value().start),
            "`<localEntry src>`: a local entry read from a URL is not supported yet",
        ));
    }
    let elements: Vec<Node<'_, '_>> = root.children().filter(Node::is_element).collect();
    if let [_, second, ..] = elements.as_slice() {
        diags.push(source.diagnostic(
            source.node_position(*second),
            "`<localEntry>`: only one XML element is allowed as the value",
        ));
    }
    let value = content(source, root).unwrap_or_default();
    let value = if elements.is_empty() {
        value
    } else {
        value.trim().to_owned()
    };
    match key {
        Some(key) if diags.is_empty() => Ok(LocalEntry {
            key: key.to_owned(),
            value,
        }),
        _ => Err(diags.into_result(()).err().unwrap_or_default()),
    }
}

/// A [`BuildError`] as a diagnostic: at its position (for an expression error inside an
/// attribute, at the expression's column), else at `fallback`.
fn build_diagnostic(
    source: &Source<'_>,
    error: &BuildError,
    fallback: Option<Position>,
) -> Diagnostic {
    let inner = error.without_position();
    let position = match error.position() {
        Some(position) => refine(source, position, inner),
        None => fallback.unwrap_or(Position::new(1, 1)),
    };
    source.diagnostic(position, inner.to_string())
}

/// For an expression compile error (`invalid <lang> at column N: …`) located at an attribute
/// value, the position of the value's N-th character (counting an entity as the one character
/// it stands for); any other error keeps `position`.
fn refine(source: &Source<'_>, position: Position, error: &BuildError) -> Position {
    let BuildError::InvalidProperty { reason, .. } = error else {
        return position;
    };
    let Some(column) = expression_column(reason) else {
        return position;
    };
    let Some(offset) = source.offset(position) else {
        return position;
    };
    // Only at an attribute value: the character before is its opening quote.
    if !matches!(
        source.text.get(..offset).and_then(|s| s.chars().last()),
        Some('"' | '\'')
    ) {
        return position;
    }
    let quote = source.text[..offset].chars().last().unwrap_or('"');
    let mut rest = source.text[offset..].chars();
    let (mut line, mut col) = (position.line, position.column);
    for _ in 1..column {
        match rest.next() {
            None => return position,
            Some(c) if c == quote => return position,
            Some('\n') => {
                line += 1;
                col = 1;
            }
            Some('&') => {
                col += 1;
                for c in rest.by_ref() {
                    col += 1;
                    if c == ';' {
                        break;
                    }
                }
            }
            Some(_) => col += 1,
        }
    }
    Position::new(line, col)
}

/// N in "invalid <lang> at column N: …".
fn expression_column(reason: &str) -> Option<u32> {
    let rest = reason.strip_prefix("invalid ")?;
    let (_, after) = rest.split_once(" at column ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&n| n >= 1)
}

/// `; did you mean `<x>`?` for the closest of `candidates` to `name`, or nothing.
fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|c| (levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Everything a folder deployed: named sequences and local entries.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The sequences by name.
    pub sequences: BTreeMap<String, Arc<Sequence>>,
    /// The local entries by key, as text.
    pub local_entries: BTreeMap<String, String>,
}

impl Loaded {
    /// An [`Env`] with every loaded sequence and local entry deployed.
    pub fn env(&self) -> Env {
        let mut builder = Env::builder();
        for (name, seq) in &self.sequences {
            builder = builder.sequence(name.clone(), Arc::clone(seq));
        }
        for (key, value) in &self.local_entries {
            builder = builder.local_entry(key.clone(), value.as_str());
        }
        builder.build()
    }
}

/// Loads every `*.xml` artifact under `dir`, recursively, and reports every problem of every
/// file (sorted), or what they deploy.
///
/// Layouts: when `dir/src/main/synapse-config` exists (the MI project layout) only that folder
/// is read; otherwise `dir` is a flat folder (sub-folders included). Hidden folders, `target`
/// folders and the project files `pom.xml` and `artifact.xml` are skipped. Sequences and local
/// entries share one key space, as in Synapse's configuration: a second artifact with the same
/// name is a diagnostic at its root element naming where the first is.
pub fn load_dir(dir: &Path, registry: &Registry) -> Result<Loaded, Diagnostics> {
    let project = dir.join("src").join("main").join("synapse-config");
    let root = if project.is_dir() {
        project
    } else {
        dir.to_path_buf()
    };
    let mut files = Vec::new();
    let mut diags = Diagnostics::new();
    collect_xml(&root, &mut files, &mut diags);
    files.sort();
    let mut loaded = Loaded::default();
    let mut seen: BTreeMap<String, (PathBuf, Position, &'static str)> = BTreeMap::new();
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                diags.push(Diagnostic::new(
                    &file,
                    Position::new(1, 1),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        match load_located_bytes(&bytes, &file, registry) {
            Err(d) => diags.append(d),
            Ok((artifact, at)) => {
                let name = artifact.name().to_owned();
                if let Some((first, first_at, what)) = seen.get(&name) {
                    diags.push(Diagnostic::new(
                        &file,
                        at,
                        format!(
                            "duplicate name `{name}`: a {what} of that name is defined at {}:{}",
                            first.display(),
                            first_at
                        ),
                    ));
                    continue;
                }
                seen.insert(name.clone(), (file.clone(), at, artifact.what()));
                match artifact {
                    Artifact::Sequence(s) => {
                        loaded.sequences.insert(name, Arc::new(s));
                    }
                    Artifact::LocalEntry(e) => {
                        loaded.local_entries.insert(name, e.value);
                    }
                }
            }
        }
    }
    diags.into_result(loaded)
}

fn collect_xml(dir: &Path, files: &mut Vec<PathBuf>, diags: &mut Diagnostics) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            diags.push(Diagnostic::new(
                dir,
                Position::new(1, 1),
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name != "target" {
                collect_xml(&path, files, diags);
            }
        } else if name.ends_with(".xml") && name != "pom.xml" && name != "artifact.xml" {
            files.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_column_parsing() {
        assert_eq!(expression_column("invalid XPath at column 5: x"), Some(5));
        assert_eq!(
            expression_column("invalid JSONPath at column 12: y"),
            Some(12)
        );
        assert_eq!(expression_column("expected set or remove"), None);
        assert_eq!(expression_column("invalid XPath at column 0: x"), None);
        assert_eq!(expression_column("invalid XPath at column x: x"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("sequnce", ["sequence", "api"].into_iter()),
            "; did you mean `sequence`?"
        );
        assert_eq!(did_you_mean("zzzzzz", ["sequence", "api"].into_iter()), "");
    }
}
