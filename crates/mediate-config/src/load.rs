//! Reading artifact files and folders into a [`Configuration`], with every problem reported.

use std::path::{Path, PathBuf};

use mediate_core::{Position, Registry};
use roxmltree::{Document, Node};

use crate::api::read_api;
use crate::car::load_car;
use crate::element::{Source, is_synapse, kind_of, scan_limits, spec_bytes_problem};
use crate::endpoint::read_endpoint;
use crate::local_entry::read_local_entry;
use crate::placeholder::Resolver;
use crate::proxy::read_proxy;
use crate::read::{Reader, did_you_mean};
use crate::registry::{files_under, load_resource, read_manifest, registry_roots};
use crate::sequence::read_sequence;
use crate::template::read_template;
use crate::unsupported::{
    check_inbound_endpoint, check_message_processor, check_message_store, check_settings,
    check_task,
};
use crate::{
    ArtifactConfig, Configuration, Diagnostic, Diagnostics, LoadOptions, SYNAPSE_NS, Span,
    UnsupportedArtifact,
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
    "sequenceTemplate",
    "dataService",
];

/// The root elements of MI's own server settings kept beside the artifacts
/// (`synapse-configs/default/registry.xml`, a `<taskManager>`): their attributes and
/// parameters are checked as MI's `RegistryFactory` and `TaskManagerFactory` read them, and
/// nothing is deployed (mediate has its own registry and task scheduling).
pub(crate) const SETTINGS_ELEMENTS: &[&str] = &["registry", "taskManager"];

/// Reads one artifact file's text (`file` names it in diagnostics): its root element says what
/// it holds (a `<definitions>` root holds many). Every problem of the file is reported, not
/// only the first. `$SYSTEM:NAME` values are read from the process environment; a `$FILE:`
/// value needs [`load_str_with`] and a properties file.
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
    load_str_with(text, file, registry, &LoadOptions::default())
}

/// [`load_str`], with `$SYSTEM:`/`$FILE:` values resolved as `options` say (a `$FILE:` value
/// needs [`LoadOptions::properties_file`] or [`LoadOptions::file_properties`] here: a single
/// file has no folder to find `conf/file.properties` in).
pub fn load_str_with(
    text: &str,
    file: &Path,
    registry: &Registry,
    options: &LoadOptions,
) -> Result<Vec<ArtifactConfig>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let resolver = Resolver::new(options, None, &mut diags);
    match load_text(text, file, registry, &resolver) {
        Ok(artifacts) => diags.into_result(artifacts),
        Err(d) => {
            diags.append(d);
            diags.sort();
            Err(diags)
        }
    }
}

/// Reads one artifact file's bytes, as [`load_str`]; bytes that are not UTF-8 are a diagnostic.
pub fn load_bytes(
    bytes: &[u8],
    file: &Path,
    registry: &Registry,
) -> Result<Vec<ArtifactConfig>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let resolver = Resolver::new(&LoadOptions::default(), None, &mut diags);
    let loaded = load_bytes_with(bytes, file, registry, &resolver);
    match loaded {
        Ok(artifacts) => diags.into_result(artifacts),
        Err(d) => {
            diags.append(d);
            diags.sort();
            Err(diags)
        }
    }
}

/// [`load_bytes`] with a resolver.
pub(crate) fn load_bytes_with(
    bytes: &[u8],
    file: &Path,
    registry: &Registry,
    resolver: &Resolver,
) -> Result<Vec<ArtifactConfig>, Diagnostics> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => load_text(text, file, registry, resolver),
        Err(e) => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let text = std::str::from_utf8(valid).unwrap_or_default();
            let position = Source::new(text, file).position(text.len());
            Err(Diagnostic::new(file, position, "the file is not valid UTF-8").into())
        }
    }
}

/// Parses `text` (named `file` in diagnostics), first refusing a file that nests elements
/// deeper than MI configurations do or declares too many namespaces (see [`scan_limits`]): the
/// parser's time grows with the square of the namespaces in scope, and whatever walks the tree
/// recursively needs its depth bounded.
pub(crate) fn parse_document<'t>(text: &'t str, file: &Path) -> Result<Document<'t>, Diagnostic> {
    if let Some((offset, message)) = scan_limits(text) {
        let source = Source::new(text, file);
        return Err(source.diagnostic(source.position(offset), message));
    }
    Document::parse(text).map_err(|e| parse_error(&e, file))
}

/// The largest file mediate reads (an artifact, a registry resource, a local entry's `src`
/// file, an entry of a `.car`): a guard against exhausting memory.
pub(crate) const MAX_FILE: u64 = 64 * 1024 * 1024;

/// The bytes of the file at `path`, refused past [`MAX_FILE`]; the problem as a message.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    if file.metadata().is_ok_and(|m| m.len() > MAX_FILE) {
        return Err(too_large(MAX_FILE));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_large(MAX_FILE));
    }
    Ok(bytes)
}

/// The message for a file past a size limit.
pub(crate) fn too_large(limit: u64) -> String {
    format!(
        "the file is larger than {} MiB: mediate does not read it",
        limit / (1024 * 1024)
    )
}

/// An XML syntax error as a diagnostic at its place.
pub(crate) fn parse_error(e: &roxmltree::Error, file: &Path) -> Diagnostic {
    let pos = e.pos();
    let message = e.to_string().replacen(&format!(" at {pos}"), "", 1);
    Diagnostic::new(file, Position::new(pos.row, pos.col), message)
}

/// Reads one artifact file's text: parses it, resolves its `$SYSTEM:`/`$FILE:` values (then
/// reads the text with them replaced, every position still in the file as written), and reads
/// its artifacts.
pub(crate) fn load_text(
    text: &str,
    file: &Path,
    registry: &Registry,
    resolver: &Resolver,
) -> Result<Vec<ArtifactConfig>, Diagnostics> {
    let doc = parse_document(text, file)?;
    let source = Source::new(text, file);
    if let Some(d) = spec_bytes_problem(&source, doc.root_element()) {
        return Err(d.into());
    }
    let Some((replaced, edits, mut diags)) = resolver.substitute(&doc, &source) else {
        return read_document(&doc, source, registry, resolver);
    };
    let doc = match Document::parse(&replaced) {
        Ok(doc) => doc,
        Err(e) => {
            // The values are escaped, so this cannot happen; say so if it does.
            diags.push(Diagnostic::new(
                file,
                Position::new(1, 1),
                format!("after replacing its `$SYSTEM:`/`$FILE:` values: {e}"),
            ));
            return diags.into_result(Vec::new());
        }
    };
    let source = Source::edited(&replaced, text, edits, file);
    match read_document(&doc, source, registry, resolver) {
        Ok(artifacts) => diags.into_result(artifacts),
        Err(d) => {
            diags.append(d);
            diags.into_result(Vec::new())
        }
    }
}

/// The artifacts of a parsed file.
fn read_document(
    doc: &Document<'_>,
    source: Source<'_>,
    registry: &Registry,
    resolver: &Resolver,
) -> Result<Vec<ArtifactConfig>, Diagnostics> {
    let mut r = Reader::new(source);
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
                artifacts.extend(read_artifact(&mut r, child, registry, resolver));
            }
        }
    } else {
        artifacts.extend(read_artifact(&mut r, root, registry, resolver));
    }
    r.finish(artifacts)
}

/// One artifact element (a file's root, or a child of `<definitions>`).
fn read_artifact(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
    resolver: &Resolver,
) -> Option<ArtifactConfig> {
    Some(match node.tag_name().name() {
        "api" => ArtifactConfig::Api(read_api(r, node, registry)?),
        "proxy" => ArtifactConfig::Proxy(read_proxy(r, node, registry)?),
        "sequence" => ArtifactConfig::Sequence(read_sequence(r, node, registry, true)?),
        "endpoint" => ArtifactConfig::Endpoint(read_endpoint(r, node)?),
        "localEntry" => ArtifactConfig::LocalEntry(read_local_entry(r, node, resolver.base())?),
        "template" => ArtifactConfig::Template(read_template(r, node, registry)?),
        "registry" | "taskManager" => {
            check_settings(r, node);
            return None;
        }
        other if UNSUPPORTED_ARTIFACTS.contains(&other) => {
            match other {
                "inboundEndpoint" => check_inbound_endpoint(r, node),
                "messageStore" => check_message_store(r, node),
                "messageProcessor" => check_message_processor(r, node),
                "task" => check_task(r, node),
                _ => {}
            }
            let name = node.attribute("name").map(str::to_owned);
            r.error_at(node, format!("`<{other}>` artifacts are not supported yet"));
            ArtifactConfig::Unsupported(UnsupportedArtifact {
                element: other.to_owned(),
                name,
                span: Span::of(&r.file, r.at(node)),
            })
        }
        other => {
            let known = SUPPORTED_ARTIFACTS
                .iter()
                .chain(UNSUPPORTED_ARTIFACTS)
                .chain(SETTINGS_ELEMENTS);
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

/// Loads a project folder with the default [`LoadOptions`]: see [`load_dir_with`].
pub fn load_dir(dir: &Path, registry: &Registry) -> Result<Configuration, Diagnostics> {
    load_dir_with(dir, registry, &LoadOptions::default())
}

/// Loads every artifact of the project folder `dir`, checks them together (duplicate names, …),
/// and reports every problem of every file (sorted), or the [`Configuration`].
///
/// - Artifact files: every `*.xml` under `dir/src/main/synapse-config` (Integration Studio's
///   MI project layout), else under `dir/src/main/wso2mi/artifacts` (MI for VS Code), else
///   under `dir` (a flat folder, sub-folders included). Hidden folders, `target` folders, the
///   project files `pom.xml` and `artifact.xml`, and registry resources are skipped.
/// - Registry resources, anywhere in `dir`, in every layout MI projects use (see
///   [`registry_key`](crate::registry_key) and the `registry` module docs): each deployed under
///   its key (`conf:/…`, `gov:/…`): a `<sequence>`, `<endpoint>` or `<template>` as that
///   artifact, anything else as a local entry holding its text.
/// - Carbon Application archives: every `*.car` under `dir` (outside `target`): their
///   artifacts and registry resources, diagnostics naming `APP.car!/folder/file.xml`.
/// - `$SYSTEM:NAME` and `$FILE:KEY` values resolved as `options` say.
/// - A local entry's `src="file:PATH"` read from `dir` (MI reads it from its home folder).
/// - MI's own settings files (`synapse-configs/default/registry.xml`'s `<registry provider>`,
///   a `<taskManager provider>`): checked, and deploy nothing.
///
/// Limits, each a diagnostic: a file over 64 MiB is not read, nor a `.car` over 1 GiB or past
/// 256 MiB of unpacked files; elements nested more than 256 levels below an artifact's root,
/// more than 64 namespace declarations in scope, and inline XML whose copies (each element
/// keeps its content) would take more than 32 times the file's size plus 64 MiB are refused;
/// a registry manifest's `<file>` or `<directory>` must stay inside the project.
pub fn load_dir_with(
    dir: &Path,
    registry: &Registry,
    options: &LoadOptions,
) -> Result<Configuration, Diagnostics> {
    let mut diags = Diagnostics::new();
    let resolver = Resolver::new(options, Some(dir), &mut diags);

    // Registry resources and archives, anywhere in the folder.
    let mut found = Found::default();
    scan(dir, &mut found);
    let roots = registry_roots(dir);
    let mut resources = Vec::new();
    for (root, prefix) in &roots {
        files_under(root, prefix, &mut resources);
    }
    found.manifests.sort();
    for manifest in &found.manifests {
        match read_file(manifest).map(String::from_utf8) {
            Ok(Ok(text)) if text.contains("registry/resource") => {
                resources.extend(read_manifest(dir, manifest, &text, &mut diags));
            }
            Ok(Ok(_)) => {}
            Ok(Err(_)) => diags.push(Diagnostic::new(
                manifest,
                Position::new(1, 1),
                "the file is not valid UTF-8",
            )),
            Err(e) => diags.push(Diagnostic::new(manifest, Position::new(1, 1), e)),
        }
    }
    resources.sort_by(|a, b| (&a.path, &a.key).cmp(&(&b.path, &b.key)));
    resources.dedup();

    // Artifact files.
    let synapse_config = dir.join("src").join("main").join("synapse-config");
    let wso2mi = dir
        .join("src")
        .join("main")
        .join("wso2mi")
        .join("artifacts");
    let root = if synapse_config.is_dir() {
        synapse_config
    } else if wso2mi.is_dir() {
        wso2mi
    } else {
        dir.to_path_buf()
    };
    let mut files = Vec::new();
    collect_xml(&root, &mut files, &mut diags);
    files.retain(|f| {
        !roots.iter().any(|(r, _)| f.starts_with(r)) && !resources.iter().any(|r| r.path == *f)
    });
    files.sort();
    let mut artifacts = Vec::new();
    let mut broken = Vec::new();
    for file in files {
        match read_file(&file) {
            Ok(bytes) => match load_bytes_with(&bytes, &file, registry, &resolver) {
                Ok(a) => artifacts.extend(a),
                Err(d) => {
                    diags.append(d);
                    broken.extend(declared_names(&bytes));
                }
            },
            Err(e) => diags.push(Diagnostic::new(&file, Position::new(1, 1), e)),
        }
    }
    for resource in &resources {
        match read_file(&resource.path) {
            Ok(bytes) => {
                match load_resource(&resource.key, &resource.path, &bytes, registry, &resolver) {
                    Ok(a) => artifacts.extend(a),
                    Err(d) => diags.append(d),
                }
            }
            Err(e) => diags.push(Diagnostic::new(&resource.path, Position::new(1, 1), e)),
        }
    }
    found.cars.sort();
    for car in &found.cars {
        load_car(car, registry, &resolver, &mut artifacts, &mut diags);
    }

    let configuration = Configuration::new(artifacts);
    diags.append(configuration.check_ignoring(&broken));
    diags.into_result(configuration)
}

/// The names the artifacts of a file that failed to load declare, so that a reference to one
/// of them is not reported as naming nothing: its own problems are already reported.
fn declared_names(bytes: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) else {
        return Vec::new();
    };
    let Ok(doc) = parse_document(text, Path::new("")) else {
        return Vec::new();
    };
    let root = doc.root_element();
    let nodes: Vec<Node<'_, '_>> = if root.tag_name().name() == "definitions" {
        root.children().filter(Node::is_element).collect()
    } else {
        vec![root]
    };
    nodes
        .iter()
        .filter_map(|n| n.attribute("name").or(n.attribute("key")))
        .map(|n| n.trim().to_owned())
        .collect()
}

/// What [`scan`] finds in a project folder.
#[derive(Debug, Default)]
struct Found {
    /// `artifact.xml` files (registry resource manifests among them).
    manifests: Vec<PathBuf>,
    /// `*.car` archives.
    cars: Vec<PathBuf>,
}

/// Every `artifact.xml` and `*.car` under `dir`, outside hidden and `target` folders.
fn scan(dir: &Path, found: &mut Found) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if name != "target" {
                scan(&path, found);
            }
        } else if name == "artifact.xml" {
            found.manifests.push(path);
        } else if name.ends_with(".car") {
            found.cars.push(path);
        }
    }
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
