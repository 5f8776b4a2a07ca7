//! Registry resources: files a project deploys into MI's registry, found by key (`conf:/…`,
//! `gov:/…`) by mediators (`<sequence key>`, payloadFactory `<format key>`, `<xslt key>`…).
//!
//! # Keys
//!
//! MI's registry has three roots: `conf:` is `/_system/config` (MI_HOME/registry/config),
//! `gov:` is `/_system/governance` (MI_HOME/registry/governance), `local:` is `/_system/local`.
//! A resource deployed at registry path `/_system/config/a/b.xml` is the key `conf:/a/b.xml`
//! (`org.wso2.micro.integrator.registry.MicroIntegratorRegistry`; MI also reads `conf:a/b.xml`
//! and a key without a prefix as `gov:`; mediate deploys the `conf:/a/b.xml` form).
//!
//! # Where a project keeps them (every layout below is read)
//!
//! - MI for VS Code up to 4.3: `src/main/wso2mi/resources/registry/{gov,conf}/PATH`, deployed as
//!   `gov:/PATH` and `conf:/PATH`;
//! - a manifest `artifact.xml` whose `<artifacts>` lists `<artifact type="registry/resource">`s,
//!   each with `<item><file>F</file><path>/_system/governance/P</path><mediaType>…</mediaType>
//!   </item>` (deployed as `gov:/P/F`) or `<collection><directory>D</directory><path>…</path>
//!   </collection>` (every file under D): Integration Studio's `…RegistryResources` project,
//!   whose files sit beside its `artifact.xml`, and MI 4.4's `src/main/wso2mi/resources/
//!   artifact.xml`, whose files sit at `resources/P'/F` for a path `/_system/governance/
//!   mi-resources/P'`;
//! - an MI home's own registry folder at the root: `registry/{config,governance,local}/PATH`;
//! - in a `.car`, a `registry/resource` artifact (see [`crate::car`]).
//!
//! # What a resource becomes
//!
//! A resource whose root element is a Synapse `<sequence>`, `<endpoint>` or `<template>` is that
//! artifact, deployed under its key (MI builds it when a key names it), read like any artifact
//! file (diagnostics in the resource file). Any other resource is a local entry under its key
//! holding its text: an XML one its root element as written (what MI's registry lookup gives),
//! anything else (JSON, JavaScript, text…) the whole file. A file that is not UTF-8 (a binary
//! resource) is not deployed. A file named `*.xml`, `*.xsl`, `*.xslt`, `*.xsd` or `*.wsdl` that
//! is not well-formed XML is a diagnostic (MI would silently keep it as text); the properties
//! MI keeps beside a resource (`NAME.properties`) are not resources.

use std::path::{Path, PathBuf};

use mediate_core::{Position, Registry};
use roxmltree::Node;

use crate::element::{SYNAPSE_NS, Source};
use crate::load::{load_text, parse_document};
use crate::placeholder::Resolver;
use crate::read::Reader;
use crate::{ArtifactConfig, Diagnostics, LocalEntryConfig, LocalEntryValue, Span};

/// One registry resource of a folder: its key and its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegistryFile {
    pub(crate) key: String,
    pub(crate) path: PathBuf,
}

/// The registry key of the registry path `path` (`/_system/config/a` → `conf:/a`), or `None`
/// when it is under none of MI's roots.
///
/// ```
/// use mediate_config::registry_key;
///
/// assert_eq!(registry_key("/_system/config/repo/x.xml").as_deref(), Some("conf:/repo/x.xml"));
/// assert_eq!(registry_key("/_system/governance").as_deref(), Some("gov:/"));
/// assert_eq!(registry_key("/elsewhere/x.xml"), None);
/// ```
pub fn registry_key(path: &str) -> Option<String> {
    let path = path.trim();
    for (root, prefix) in [
        ("/_system/config", "conf:"),
        ("/_system/governance", "gov:"),
        ("/_system/local", "local:"),
    ] {
        if let Some(rest) = path.strip_prefix(root)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return Some(format!("{prefix}/{}", rest.trim_matches('/')));
        }
    }
    None
}

/// `key` (a folder's key, as [`registry_key`] gives) joined with the relative path `rest`.
pub(crate) fn join_key(key: &str, rest: &str) -> String {
    let rest = rest.trim_matches('/');
    if key.ends_with('/') {
        format!("{key}{rest}")
    } else {
        format!("{key}/{rest}")
    }
}

/// The registry folders of `dir`: each with the key prefix it deploys under.
pub(crate) fn registry_roots(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let vscode = dir
        .join("src")
        .join("main")
        .join("wso2mi")
        .join("resources")
        .join("registry");
    let home = dir.join("registry");
    [
        (vscode.join("gov"), "gov:/"),
        (vscode.join("conf"), "conf:/"),
        (home.join("governance"), "gov:/"),
        (home.join("config"), "conf:/"),
        (home.join("local"), "local:/"),
    ]
    .into_iter()
    .filter(|(p, _)| p.is_dir())
    .collect()
}

/// Every resource file under the registry folder `root` (keys `prefix` + relative path).
pub(crate) fn files_under(root: &Path, prefix: &str, out: &mut Vec<RegistryFile>) {
    let mut files = Vec::new();
    walk_files(root, &mut files);
    for path in files {
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.push(RegistryFile {
            key: join_key(prefix, &rel),
            path,
        });
    }
}

/// The files under `dir`, sorted: hidden ones (`.meta`…) and the properties MI keeps beside a
/// resource (`x.xml.properties`, or `folder/folder.properties`) left out.
pub(crate) fn walk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk_files(&path, out),
            Ok(_) => {
                if let Some(base) = name.strip_suffix(".properties") {
                    let folder = dir.file_name().is_some_and(|f| f.to_string_lossy() == base);
                    if folder || dir.join(base).exists() {
                        continue;
                    }
                }
                out.push(path);
            }
            Err(_) => {}
        }
    }
}

/// One `<item>` or `<collection>` of a registry manifest.
#[derive(Debug)]
pub(crate) enum ManifestEntry {
    /// `<item><file>F</file><path>P</path>`: one file deployed at `key`.
    Item {
        file: String,
        key: String,
        at: Position,
    },
    /// `<collection><directory>D</directory><path>P</path>`: a folder's files under `key`.
    Collection {
        directory: String,
        key: String,
        at: Position,
    },
}

/// The items and collections under `node` (an `<artifact type="registry/resource">` of an
/// `artifact.xml`, or the `<resources>` root of a `.car`'s `registry-info.xml`).
pub(crate) fn manifest_entries(r: &mut Reader<'_>, node: Node<'_, '_>) -> Vec<ManifestEntry> {
    let mut out = Vec::new();
    for child in node.children().filter(Node::is_element) {
        let kind = child.tag_name().name();
        if kind != "item" && kind != "collection" {
            continue;
        }
        let text = |name: &str| {
            child
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == name)
                .map(|c| (c, c.text().unwrap_or_default().trim().to_owned()))
        };
        let content = if kind == "item" { "file" } else { "directory" };
        let Some((content_node, value)) = text(content).filter(|(_, v)| !v.is_empty()) else {
            r.error_at(child, format!("`<{kind}>`: missing `<{content}>`"));
            continue;
        };
        if let Some(problem) = leaves_its_folder(&value) {
            r.error_at(content_node, format!("`<{content}>`: `{value}` {problem}"));
            continue;
        }
        let Some((path_node, path)) = text("path").filter(|(_, v)| !v.is_empty()) else {
            r.error_at(
                child,
                format!("`<{kind}>`: missing `<path>` (its registry path)"),
            );
            continue;
        };
        let Some(key) = registry_key(&path) else {
            r.error_at(
                path_node,
                format!(
                    "`<path>`: `{path}` is not under a registry root: expected \
                     `/_system/config/…` (`conf:`), `/_system/governance/…` (`gov:`) or \
                     `/_system/local/…`"
                ),
            );
            continue;
        };
        let at = r.at(content_node);
        out.push(if kind == "item" {
            ManifestEntry::Item {
                key: join_key(&key, &value),
                file: value,
                at,
            }
        } else {
            ManifestEntry::Collection {
                directory: value,
                key,
                at,
            }
        });
    }
    out
}

/// Why the relative path `value` (a manifest's `<file>` or `<directory>`) would lead out of the
/// folder it is taken from, if it would: an absolute path, or a `..` step.
fn leaves_its_folder(value: &str) -> Option<&'static str> {
    let parts: Vec<&str> = value.split(['/', '\\']).collect();
    let drive = parts.first().is_some_and(|p| {
        p.len() == 2 && p.ends_with(':') && p.starts_with(|c: char| c.is_ascii_alphabetic())
    });
    if value.starts_with(['/', '\\']) || drive || Path::new(value).is_absolute() {
        Some(
            "is an absolute path: a registry resource's file is named relative to its \
             artifact's folder, and mediate reads nothing outside it",
        )
    } else if parts.contains(&"..") {
        Some(
            "goes up a folder (`..`): a registry resource's file is named relative to its \
             artifact's folder, and mediate reads nothing outside it",
        )
    } else {
        None
    }
}

/// `path` (an existing file or folder) when, symbolic links followed, it is inside the project
/// folder `project`; else why not.
fn inside_project(project: &Path, path: &Path) -> Result<PathBuf, String> {
    let outside = || {
        format!(
            "`{}` is outside the project folder `{}` (through a symbolic link): mediate reads \
             nothing outside it",
            path.display(),
            project.display()
        )
    };
    let (Ok(real), Ok(root)) = (path.canonicalize(), project.canonicalize()) else {
        return Err(outside());
    };
    if real.starts_with(&root) {
        Ok(path.to_path_buf())
    } else {
        Err(outside())
    }
}

/// The resources a project manifest (`artifact.xml` at `path`, in the project folder
/// `project`) lists, with the files they name; a file that is not there, or not inside the
/// project, is a diagnostic at its `<file>` (a folder at its `<directory>`).
pub(crate) fn read_manifest(
    project: &Path,
    path: &Path,
    text: &str,
    diags: &mut Diagnostics,
) -> Vec<RegistryFile> {
    let doc = match parse_document(text, path) {
        Ok(doc) => doc,
        Err(d) => {
            diags.push(d);
            return Vec::new();
        }
    };
    let root = doc.root_element();
    if root.tag_name().name() != "artifacts" {
        return Vec::new();
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut r = Reader::new(Source::new(text, path));
    let mut out = Vec::new();
    for artifact in root.children().filter(|c| {
        c.is_element()
            && c.tag_name().name() == "artifact"
            && c.attribute("type") == Some("registry/resource")
    }) {
        for entry in manifest_entries(&mut r, artifact) {
            match entry {
                ManifestEntry::Item { file, key, at } => {
                    // Beside the manifest (Integration Studio), else where MI 4.4 keeps
                    // `mi-resources` (`resources/P/F` for `/_system/governance/mi-resources/P`).
                    let mut candidates = vec![dir.join(&file)];
                    if let Some(rest) = key.strip_prefix("gov:/mi-resources/")
                        && leaves_its_folder(rest).is_none()
                    {
                        candidates.push(dir.join(rest));
                    }
                    match candidates.iter().find(|p| p.is_file()) {
                        Some(found) => match inside_project(project, found) {
                            Ok(path) => out.push(RegistryFile { key, path }),
                            Err(e) => r.error(at, format!("`<file>`: {e}")),
                        },
                        None => r.error(
                            at,
                            format!(
                                "registry resource `{key}`: its file is not there (looked for {})",
                                candidates
                                    .iter()
                                    .map(|p| format!("`{}`", p.display()))
                                    .collect::<Vec<_>>()
                                    .join(" and ")
                            ),
                        ),
                    }
                }
                ManifestEntry::Collection { directory, key, at } => {
                    let folder = dir.join(&directory);
                    if folder.is_dir() {
                        if let Err(e) = inside_project(project, &folder) {
                            r.error(at, format!("`<directory>`: {e}"));
                            continue;
                        }
                        let mut files = Vec::new();
                        files_under(&folder, &key, &mut files);
                        for file in files {
                            match inside_project(project, &file.path) {
                                Ok(_) => out.push(file),
                                Err(e) => r.error(at, format!("`<directory>`: {e}")),
                            }
                        }
                    } else {
                        r.error(
                            at,
                            format!(
                                "registry collection `{key}`: folder `{}` is not there",
                                folder.display()
                            ),
                        );
                    }
                }
            }
        }
    }
    diags.append(r.diags);
    out
}

/// Extensions of files that must be well-formed XML.
const XML_EXTENSIONS: &[&str] = &["xml", "xsl", "xslt", "xsd", "wsdl"];

/// What the resource `key` (read from `file`, which names it in diagnostics) deploys: an
/// artifact under its key, a local entry holding its text, or nothing (a binary file).
pub(crate) fn load_resource(
    key: &str,
    file: &Path,
    bytes: &[u8],
    registry: &Registry,
    resolver: &Resolver,
) -> Result<Option<ArtifactConfig>, Diagnostics> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(None);
    };
    let span = Span::new(file, Position::new(1, 1));
    let entry = |value| {
        Some(ArtifactConfig::LocalEntry(LocalEntryConfig {
            key: key.to_owned(),
            value,
            description: None,
            span: span.clone(),
            loaded: None,
        }))
    };
    let xml_named = file.extension().is_some_and(|e| {
        XML_EXTENSIONS.contains(&e.to_string_lossy().to_ascii_lowercase().as_str())
    });
    if !xml_named && !text.trim_start().starts_with('<') {
        return Ok(entry(LocalEntryValue::Text(text.to_owned())));
    }
    let doc = match parse_document(text, file) {
        Ok(doc) => doc,
        Err(d) if xml_named => return Err(d.into()),
        Err(_) => return Ok(entry(LocalEntryValue::Text(text.to_owned()))),
    };
    let root = doc.root_element();
    let artifact = root.tag_name().namespace() == Some(SYNAPSE_NS)
        && matches!(root.tag_name().name(), "sequence" | "endpoint" | "template");
    if !artifact {
        let element = text.get(root.range()).unwrap_or(text);
        return Ok(entry(LocalEntryValue::Xml(element.to_owned())));
    }
    drop(doc);
    let artifacts = load_text(text, file, registry, resolver)?;
    Ok(artifacts.into_iter().next().map(|a| deployed_as(a, key)))
}

/// `artifact`, deployed under `key` instead of its own name.
fn deployed_as(artifact: ArtifactConfig, key: &str) -> ArtifactConfig {
    match artifact {
        ArtifactConfig::Sequence(mut s) => {
            s.name = Some(key.to_owned());
            ArtifactConfig::Sequence(s)
        }
        ArtifactConfig::Template(mut t) => {
            t.name = key.to_owned();
            ArtifactConfig::Template(t)
        }
        ArtifactConfig::Endpoint(mut e) => {
            e.definition.name = Some(key.to_owned());
            ArtifactConfig::Endpoint(e)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_registry_paths() {
        assert_eq!(
            registry_key("/_system/governance/mi-resources/json").as_deref(),
            Some("gov:/mi-resources/json")
        );
        assert_eq!(registry_key("/_system/configx/a"), None);
        assert_eq!(
            registry_key("/_system/local/a/").as_deref(),
            Some("local:/a")
        );
        assert_eq!(join_key("conf:/", "a/b.xml"), "conf:/a/b.xml");
        assert_eq!(join_key("conf:/repo", "b.xml"), "conf:/repo/b.xml");
    }
}
