//! Carbon Application archives (`.car`): the zip files MI deploys from
//! `repository/deployment/server/carbonapps/`, read as MI's `CappDeployer` reads them.
//!
//! - `artifacts.xml` at the root: `<artifacts><artifact name version
//!   type="carbon/application">` with one `<dependency artifact="NAME" version="V"/>` per
//!   artifact it deploys;
//! - every top-level folder holding an `artifact.xml` is an artifact: `<artifact name version
//!   type>` with a `<file>` naming its file in that folder. A dependency is the artifact of
//!   that name and version (MI refuses the whole application when one is missing);
//! - `synapse/api`, `synapse/sequence`, `synapse/endpoint`, `synapse/proxy-service`,
//!   `synapse/local-entry`, `synapse/template` (also `synapse/sequenceTemplate` and
//!   `synapse/endpointTemplate`), `synapse/inbound-endpoint`, `synapse/message-store`,
//!   `synapse/message-processors`, `synapse/task` and `synapse/event-source` are Synapse XML
//!   files, read as any artifact file (and their root element must be the one the type says);
//! - `registry/resource`: its file is a `registry-info.xml` (`<resources>` of `<item>`s and
//!   `<collection>`s, see [`crate::registry`]) naming files under the folder's `resources/`;
//! - `synapse/metadata` (API descriptions for a service catalogue) is skipped; any other type
//!   (`service/dataservice`, `synapse/lib`, `lib/…`, `datasource/…`) is refused.
//!
//! Diagnostics name a file inside the archive as `APP.car!/folder/file.xml`.
//!
//! Limits (against zip bombs): an archive over 1 GiB is not read; no entry over 64 MiB is
//! read; and all the entries read from one archive unpack to 256 MiB at most (each entry's
//! declared size is checked before it is read, and the bytes while it is read): the entry that
//! would go past is the one diagnostic, and nothing more of the archive is read.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use mediate_core::{Position, Registry};
use roxmltree::Node;
use zip::ZipArchive;

use crate::element::{SYNAPSE_NS, Source};
use crate::load::{load_text, parse_document, too_large};
use crate::placeholder::Resolver;
use crate::read::Reader;
use crate::registry::{ManifestEntry, load_resource, manifest_entries};
use crate::{ArtifactConfig, Diagnostic, Diagnostics};

/// The largest file read from an archive (a guard against zip bombs).
const MAX_ENTRY: u64 = crate::load::MAX_FILE;

/// The most bytes read, unpacked, from one archive, all its files together (a guard against
/// zip bombs: a small archive of files of zeros unpacks to gigabytes).
const MAX_UNPACKED: u64 = 256 * 1024 * 1024;

/// The largest archive read.
const MAX_ARCHIVE: u64 = 1024 * 1024 * 1024;

/// The artifact types MI deploys from Synapse XML files, with the root element each holds.
const SYNAPSE_TYPES: &[(&str, &str)] = &[
    ("synapse/api", "api"),
    ("synapse/sequence", "sequence"),
    ("synapse/endpoint", "endpoint"),
    ("synapse/proxy-service", "proxy"),
    ("synapse/local-entry", "localEntry"),
    ("synapse/template", "template"),
    ("synapse/sequenceTemplate", "template"),
    ("synapse/endpointTemplate", "template"),
    ("synapse/inbound-endpoint", "inboundEndpoint"),
    ("synapse/message-store", "messageStore"),
    ("synapse/message-processors", "messageProcessor"),
    ("synapse/task", "task"),
    ("synapse/event-source", "eventSource"),
];

const REGISTRY_TYPE: &str = "registry/resource";
const SKIPPED_TYPES: &[&str] = &["synapse/metadata"];

/// An archive being read.
struct Car {
    path: PathBuf,
    zip: ZipArchive<BufReader<File>>,
    /// Entry names (with `/` separators) to their index.
    names: BTreeMap<String, usize>,
    /// How many more unpacked bytes may be read (see [`MAX_UNPACKED`]).
    budget: u64,
    /// Whether a read went past the budget (reported once; later reads fail silently).
    exhausted: bool,
}

/// Why an entry of an archive was not read.
#[derive(Debug)]
enum EntryError {
    /// No entry of that name.
    Missing(String),
    /// The entry cannot be read, is too large, or would take the archive past its budget.
    Unreadable(String),
    /// The archive's budget was spent by an earlier read (already reported).
    Spent,
}

impl EntryError {
    /// The message to report, if any.
    fn message(self) -> Option<String> {
        match self {
            EntryError::Missing(m) | EntryError::Unreadable(m) => Some(m),
            EntryError::Spent => None,
        }
    }
}

impl Car {
    /// How a file inside the archive is named in diagnostics.
    fn label(&self, entry: &str) -> PathBuf {
        PathBuf::from(format!("{}!/{entry}", self.path.display()))
    }

    /// The bytes of `entry`: at most [`MAX_ENTRY`], and within what is left of the archive's
    /// [`MAX_UNPACKED`] (the size an entry declares is checked first, then the bytes read).
    fn read(&mut self, entry: &str) -> Result<Vec<u8>, EntryError> {
        let index = *self
            .names
            .get(entry)
            .ok_or_else(|| EntryError::Missing(format!("`{entry}` is not in the archive")))?;
        if self.exhausted {
            return Err(EntryError::Spent);
        }
        let too_large = || {
            EntryError::Unreadable(format!(
                "`{entry}` is larger than {} MiB: mediate does not read it",
                MAX_ENTRY / (1024 * 1024)
            ))
        };
        let limit = MAX_ENTRY.min(self.budget);
        let mut bytes = Vec::new();
        // The size the entry declares, then the bytes it holds (it may lie).
        let fits = {
            let file = self
                .zip
                .by_index(index)
                .map_err(|e| EntryError::Unreadable(format!("cannot read `{entry}`: {e}")))?;
            if file.size() > MAX_ENTRY {
                return Err(too_large());
            }
            let fits = file.size() <= limit;
            if fits {
                file.take(limit + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| EntryError::Unreadable(format!("cannot read `{entry}`: {e}")))?;
            }
            fits && bytes.len() as u64 <= limit
        };
        let read = bytes.len() as u64;
        if !fits {
            return Err(if limit == MAX_ENTRY {
                too_large()
            } else {
                self.spent(entry)
            });
        }
        self.budget -= read;
        Ok(bytes)
    }

    /// The archive's budget is spent: no later read is made.
    fn spent(&mut self, entry: &str) -> EntryError {
        self.exhausted = true;
        self.budget = 0;
        EntryError::Unreadable(format!(
            "reading `{entry}` would take the archive past {} MiB of unpacked files: mediate \
             reads no more of it",
            MAX_UNPACKED / (1024 * 1024)
        ))
    }
}

/// One artifact of the archive: its folder's `artifact.xml`, read.
#[derive(Debug)]
struct CarArtifact {
    folder: String,
    kind: String,
    /// Each `<file>`'s text, and where the element is.
    files: Vec<(String, Position)>,
    /// Where `type` is written in the `artifact.xml`.
    at: Position,
    /// Where the `<artifact>` element is.
    root_at: Position,
}

/// Reads the `.car` at `path` into `artifacts`; every problem into `diags`.
pub(crate) fn load_car(
    path: &Path,
    registry: &Registry,
    resolver: &Resolver,
    artifacts: &mut Vec<ArtifactConfig>,
    diags: &mut Diagnostics,
) {
    let at_start = Position::new(1, 1);
    let file = match File::open(path).and_then(|f| Ok((f.metadata()?.len(), f))) {
        Ok((len, _)) if len > MAX_ARCHIVE => {
            diags.push(Diagnostic::new(path, at_start, too_large(MAX_ARCHIVE)));
            return;
        }
        Ok((_, f)) => f,
        Err(e) => {
            diags.push(Diagnostic::new(path, at_start, format!("cannot read: {e}")));
            return;
        }
    };
    let zip = match ZipArchive::new(BufReader::new(file)) {
        Ok(zip) => zip,
        Err(e) => {
            diags.push(Diagnostic::new(
                path,
                at_start,
                format!("not a Carbon Application archive: cannot read it as a zip file ({e})"),
            ));
            return;
        }
    };
    let mut names = BTreeMap::new();
    for (i, name) in zip.file_names().enumerate() {
        if let Ok(name) = name {
            names.insert(name.replace('\\', "/"), i);
        }
    }
    let mut car = Car {
        path: path.to_path_buf(),
        zip,
        names,
        budget: MAX_UNPACKED,
        exhausted: false,
    };
    let text = match car.read("artifacts.xml").map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            diags.push(Diagnostic::new(
                car.label("artifacts.xml"),
                at_start,
                "the file is not valid UTF-8",
            ));
            return;
        }
        Err(EntryError::Missing(_)) => {
            diags.push(Diagnostic::new(
                path,
                at_start,
                "not a Carbon Application archive: no `artifacts.xml` at its root",
            ));
            return;
        }
        Err(e) => {
            if let Some(message) = e.message() {
                diags.push(Diagnostic::new(
                    car.label("artifacts.xml"),
                    at_start,
                    message,
                ));
            }
            return;
        }
    };
    let label = car.label("artifacts.xml");
    let doc = match parse_document(&text, &label) {
        Ok(doc) => doc,
        Err(d) => {
            diags.push(d);
            return;
        }
    };
    let mut r = Reader::new(Source::new(&text, &label));
    let dependencies = application_dependencies(&mut r, doc.root_element());
    diags.append(std::mem::take(&mut r.diags));
    let all = car_artifacts(&mut car, diags);
    for (name, version, at) in dependencies {
        let found = all
            .iter()
            .find(|((n, v), _)| *n == name && *v == version)
            .map(|(_, a)| a);
        let Some(artifact) = found else {
            r.error(
                at,
                format!(
                    "`<dependency>`: no artifact `{name}` version `{}` in the archive (no \
                     `FOLDER/artifact.xml` names it), so MI would not deploy the application",
                    version.as_deref().unwrap_or("(none)")
                ),
            );
            continue;
        };
        deploy(&mut car, artifact, registry, resolver, artifacts, diags);
    }
    diags.append(r.diags);
}

/// The `(artifact, version, position)` of each `<dependency>` of the `carbon/application`
/// artifact of `artifacts.xml`.
fn application_dependencies(
    r: &mut Reader<'_>,
    root: Node<'_, '_>,
) -> Vec<(String, Option<String>, Position)> {
    let app = if root.tag_name().name() == "artifact" {
        Some(root)
    } else {
        root.children().find(|c| {
            c.is_element()
                && c.tag_name().name() == "artifact"
                && c.attribute("type") == Some("carbon/application")
        })
    };
    let Some(app) = app.filter(|a| root.tag_name().name() == "artifacts" || a == &root) else {
        r.error_at(
            root,
            "`artifacts.xml`: expected `<artifacts>` holding an `<artifact type=\"carbon/application\">`",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for dep in app
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "dependency")
    {
        let Some(name) = r.required(dep, "artifact") else {
            continue;
        };
        out.push((
            name.to_owned(),
            dep.attribute("version").map(|v| v.trim().to_owned()),
            r.at(dep),
        ));
    }
    if out.is_empty() {
        r.error_at(
            app,
            "`<artifact type=\"carbon/application\">`: no `<dependency>`: the application deploys nothing",
        );
    }
    out
}

/// Every top-level folder's `artifact.xml`, by (name, version).
fn car_artifacts(
    car: &mut Car,
    diags: &mut Diagnostics,
) -> Vec<((String, Option<String>), CarArtifact)> {
    let manifests: Vec<String> = car
        .names
        .keys()
        .filter(|n| n.matches('/').count() == 1 && n.ends_with("/artifact.xml"))
        .cloned()
        .collect();
    let mut out = Vec::new();
    for entry in manifests {
        let label = car.label(&entry);
        let text = match car.read(&entry).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                diags.push(Diagnostic::new(
                    label,
                    Position::new(1, 1),
                    "the file is not valid UTF-8",
                ));
                continue;
            }
            Err(e) => {
                if let Some(message) = e.message() {
                    diags.push(Diagnostic::new(label, Position::new(1, 1), message));
                }
                continue;
            }
        };
        let doc = match parse_document(&text, &label) {
            Ok(doc) => doc,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let root = doc.root_element();
        let mut r = Reader::new(Source::new(&text, &label));
        if root.tag_name().name() != "artifact" {
            r.error_at(
                root,
                "`artifact.xml`: expected an `<artifact name version type>`",
            );
            diags.append(r.diags);
            continue;
        }
        let name = r.required(root, "name").map(str::to_owned);
        let kind = r.required(root, "type").map(str::to_owned);
        let at = r.attr_at(root, "type");
        let files = root
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "file")
            .map(|c| (c.text().unwrap_or_default().trim().to_owned(), r.at(c)))
            .collect();
        let root_at = r.at(root);
        diags.append(r.diags);
        let (Some(name), Some(kind)) = (name, kind) else {
            continue;
        };
        let folder = entry
            .strip_suffix("/artifact.xml")
            .unwrap_or_default()
            .to_owned();
        let version = root.attribute("version").map(|v| v.trim().to_owned());
        out.push((
            (name, version),
            CarArtifact {
                folder,
                kind,
                files,
                at,
                root_at,
            },
        ));
    }
    out
}

/// Deploys one artifact of the archive by its type.
fn deploy(
    car: &mut Car,
    artifact: &CarArtifact,
    registry: &Registry,
    resolver: &Resolver,
    artifacts: &mut Vec<ArtifactConfig>,
    diags: &mut Diagnostics,
) {
    let manifest = car.label(&format!("{}/artifact.xml", artifact.folder));
    let kind = artifact.kind.as_str();
    if SKIPPED_TYPES.contains(&kind) {
        return;
    }
    let expected = SYNAPSE_TYPES
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, e)| *e);
    if expected.is_none() && kind != REGISTRY_TYPE {
        let known = SYNAPSE_TYPES
            .iter()
            .map(|(t, _)| *t)
            .chain([REGISTRY_TYPE])
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ");
        diags.push(Diagnostic::new(
            manifest,
            artifact.at,
            format!(
                "artifact type `{kind}` cannot be deployed by mediate (it deploys {known}){}",
                crate::read::did_you_mean(
                    kind,
                    SYNAPSE_TYPES.iter().map(|(t, _)| *t).chain([REGISTRY_TYPE])
                )
            ),
        ));
        return;
    }
    let [(file, file_at)] = artifact.files.as_slice() else {
        // At the second `<file>`, else (none) at the `<artifact>`.
        let at = artifact
            .files
            .get(1)
            .map_or(artifact.root_at, |(_, at)| *at);
        diags.push(Diagnostic::new(
            manifest,
            at,
            format!(
                "`<artifact>`: expected one `<file>`, found {}",
                artifact.files.len()
            ),
        ));
        return;
    };
    let entry = format!("{}/{file}", artifact.folder);
    let label = car.label(&entry);
    let bytes = match car.read(&entry) {
        Ok(b) => b,
        Err(e) => {
            if let Some(message) = e.message() {
                diags.push(Diagnostic::new(manifest, *file_at, message));
            }
            return;
        }
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        diags.push(Diagnostic::new(
            label,
            Position::new(1, 1),
            "the file is not valid UTF-8",
        ));
        return;
    };
    match expected {
        Some(root) => {
            if let Ok(doc) = parse_document(text, &label) {
                let found = doc.root_element();
                if found.tag_name().namespace() == Some(SYNAPSE_NS)
                    && found.tag_name().name() != root
                {
                    let r = Reader::new(Source::new(text, &label));
                    diags.push(r.source.diagnostic(
                        r.at(found),
                        format!(
                            "artifact type `{kind}` holds a `<{root}>`, but the file holds a `<{}>`",
                            found.tag_name().name()
                        ),
                    ));
                    return;
                }
            }
            match load_text(text, &label, registry, resolver) {
                Ok(a) => artifacts.extend(a),
                Err(d) => diags.append(d),
            }
        }
        None => deploy_registry(
            car, artifact, text, &label, registry, resolver, artifacts, diags,
        ),
    }
}

/// A `registry/resource` artifact: its `registry-info.xml` (`text`, named `label`).
#[allow(clippy::too_many_arguments)]
fn deploy_registry(
    car: &mut Car,
    artifact: &CarArtifact,
    text: &str,
    label: &Path,
    registry: &Registry,
    resolver: &Resolver,
    artifacts: &mut Vec<ArtifactConfig>,
    diags: &mut Diagnostics,
) {
    let doc = match parse_document(text, label) {
        Ok(doc) => doc,
        Err(d) => {
            diags.push(d);
            return;
        }
    };
    let mut r = Reader::new(Source::new(text, label));
    let root = doc.root_element();
    if root.tag_name().name() != "resources" {
        r.error_at(
            root,
            "registry info: expected `<resources>` of `<item>`s and `<collection>`s",
        );
        diags.append(r.diags);
        return;
    }
    let resources = format!("{}/resources/", artifact.folder);
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in manifest_entries(&mut r, root) {
        match entry {
            ManifestEntry::Item { file, key, at } => {
                let name = format!("{resources}{file}");
                if car.names.contains_key(&name) {
                    files.push((key, name));
                } else {
                    r.error(
                        at,
                        format!("registry resource `{key}`: `{name}` is not in the archive"),
                    );
                }
            }
            ManifestEntry::Collection { directory, key, at } => {
                let folder = format!("{resources}{}/", directory.trim_matches('/'));
                let inside: Vec<(String, String)> = car
                    .names
                    .keys()
                    .filter(|n| n.starts_with(&folder) && !n.ends_with('/'))
                    .filter(|n| !n.split('/').any(|part| part.starts_with('.')))
                    .map(|n| {
                        let rest = &n[folder.len()..];
                        (crate::registry::join_key(&key, rest), n.clone())
                    })
                    .collect();
                if inside.is_empty() {
                    r.error(
                        at,
                        format!("registry collection `{key}`: `{folder}` is not in the archive"),
                    );
                }
                files.extend(inside);
            }
        }
    }
    diags.append(r.diags);
    for (key, name) in files {
        let label = car.label(&name);
        match car.read(&name) {
            Ok(bytes) => match load_resource(&key, &label, &bytes, registry, resolver) {
                Ok(Some(a)) => artifacts.push(a),
                Ok(None) => {}
                Err(d) => diags.append(d),
            },
            Err(e) => {
                if let Some(message) = e.message() {
                    diags.push(Diagnostic::new(label, Position::new(1, 1), message));
                }
            }
        }
    }
}
