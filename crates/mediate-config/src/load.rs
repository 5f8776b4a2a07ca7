//! Reading artifact files and folders into a [`Configuration`], with every problem reported.

use std::path::{Path, PathBuf};

use mediate_core::{Position, Registry};
use roxmltree::{Document, Node};

use crate::api::read_api;
use crate::element::{Source, is_synapse, kind_of};
use crate::endpoint::read_endpoint;
use crate::local_entry::read_local_entry;
use crate::proxy::read_proxy;
use crate::read::{Reader, did_you_mean};
use crate::sequence::read_sequence;
use crate::template::read_template;
use crate::{
    ArtifactConfig, Configuration, Diagnostic, Diagnostics, SYNAPSE_NS, Span, UnsupportedArtifact,
};

/// The root elements of the Synapse artifacts mediate deploys.
pub const SUPPORTED_ARTIFACTS: &[&str] = &[
    "api",
    "proxy",
    "sequence",
    "endpoint",
    "localEntry",
    "template",
    "definitions",
];

/// The root elements of Synapse artifacts that are read and validated but not deployable yet:
/// each gets a "not supported yet" diagnostic.
pub const UNSUPPORTED_ARTIFACTS: &[&str] = &[
    "inboundEndpoint",
    "messageStore",
    "messageProcessor",
    "task",
    "eventSource",
    "executor",
    "registry",
    "taskManager",
    "sequenceTemplate",
    "dataService",
];

/// Reads one artifact file's text (`file` names it in diagnostics): its root element says what
/// it holds (a `<definitions>` root holds many). Every problem of the file is reported, not
/// only the first.
///
/// ```
/// use std::path::Path;
/// use mediate_config::{load_str, ArtifactConfig};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main"><log/></sequence>"#;
/// let artifacts = load_str(xml, Path::new("main.xml"), &registry).unwrap();
/// assert_eq!(artifacts[0].name(), "main");
///
/// let bad = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="main"><lg/></sequence>"#;
/// let err = load_str(bad, Path::new("main.xml"), &registry).unwrap_err();
/// assert_eq!(err.to_string(), "main.xml:1:63: unknown mediator `lg`; did you mean `log`?");
/// ```
pub fn load_str(
    text: &str,
    file: &Path,
    registry: &Registry,
) -> Result<Vec<ArtifactConfig>, Diagnostics> {
    let doc = Document::parse(text).map_err(|e| {
        let pos = e.pos();
        let message = e.to_string().replacen(&format!(" at {pos}"), "", 1);
        Diagnostic::new(file, Position::new(pos.row, pos.col), message)
    })?;
    let mut r = Reader::new(Source::new(text, file));
    let root = doc.root_element();
    if !is_synapse(root) {
        r.error_at(
            root,
            format!(
                "root element `{}` is not in the Synapse namespace (add xmlns=\"{SYNAPSE_NS}\")",
                kind_of(root)
            ),
        );
        return r.finish(Vec::new());
    }
    let mut artifacts = Vec::new();
    if root.tag_name().name() == "definitions" {
        r.check_attributes(root, &["description"]);
        for child in r.elements(root) {
            if child.tag_name().name() == "definitions" {
                r.error_at(child, "`<definitions>` cannot be nested");
            } else {
                artifacts.extend(read_artifact(&mut r, child, registry));
            }
        }
    } else {
        artifacts.extend(read_artifact(&mut r, root, registry));
    }
    r.finish(artifacts)
}

/// Reads one artifact file's bytes, as [`load_str`]; bytes that are not UTF-8 are a diagnostic.
pub fn load_bytes(
    bytes: &[u8],
    file: &Path,
    registry: &Registry,
) -> Result<Vec<ArtifactConfig>, Diagnostics> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => load_str(text, file, registry),
        Err(e) => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let text = std::str::from_utf8(valid).unwrap_or_default();
            let position = Source::new(text, file).position(text.len());
            Err(Diagnostic::new(file, position, "the file is not valid UTF-8").into())
        }
    }
}

/// One artifact element (a file's root, or a child of `<definitions>`).
fn read_artifact(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
) -> Option<ArtifactConfig> {
    Some(match node.tag_name().name() {
        "api" => ArtifactConfig::Api(read_api(r, node, registry)?),
        "proxy" => ArtifactConfig::Proxy(read_proxy(r, node, registry)?),
        "sequence" => ArtifactConfig::Sequence(read_sequence(r, node, registry, true)?),
        "endpoint" => ArtifactConfig::Endpoint(read_endpoint(r, node)?),
        "localEntry" => ArtifactConfig::LocalEntry(read_local_entry(r, node)?),
        "template" => ArtifactConfig::Template(read_template(r, node, registry)?),
        other if UNSUPPORTED_ARTIFACTS.contains(&other) => {
            let name = node.attribute("name").map(str::to_owned);
            r.error_at(node, format!("`<{other}>` artifacts are not supported yet"));
            ArtifactConfig::Unsupported(UnsupportedArtifact {
                element: other.to_owned(),
                name,
                span: Span::of(&r.file, r.at(node)),
            })
        }
        other => {
            let known = SUPPORTED_ARTIFACTS.iter().chain(UNSUPPORTED_ARTIFACTS);
            r.error_at(
                node,
                format!(
                    "unknown artifact `<{other}>`{}",
                    did_you_mean(other, known.copied())
                ),
            );
            return None;
        }
    })
}

/// Loads every `*.xml` artifact under `dir`, recursively, checks them together (duplicate
/// names, …), and reports every problem of every file (sorted), or the [`Configuration`].
///
/// Layouts: when `dir/src/main/synapse-config` exists (the MI project layout) only that folder
/// is read; otherwise `dir` is a flat folder (sub-folders included). Hidden folders, `target`
/// folders and the project files `pom.xml` and `artifact.xml` are skipped.
pub fn load_dir(dir: &Path, registry: &Registry) -> Result<Configuration, Diagnostics> {
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
    let mut artifacts = Vec::new();
    for file in files {
        match std::fs::read(&file) {
            Ok(bytes) => match load_bytes(&bytes, &file, registry) {
                Ok(a) => artifacts.extend(a),
                Err(d) => diags.append(d),
            },
            Err(e) => diags.push(Diagnostic::new(
                &file,
                Position::new(1, 1),
                format!("cannot read: {e}"),
            )),
        }
    }
    let configuration = Configuration::new(artifacts);
    diags.append(configuration.check());
    diags.into_result(configuration)
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
