//! Static checks across artifacts: every key an artifact refers to (a sequence, endpoint,
//! template or local entry) must name something of that kind.

use std::collections::BTreeMap;
use std::path::Path;

use mediate_core::{MediatorSpec, Position};

use crate::read::did_you_mean;
use crate::{
    ArtifactConfig, ArtifactKind, Diagnostic, Diagnostics, SequenceConfig, Span, TemplateBody,
};

/// Sequence keys Synapse always has: its `main` and `fault` sequences exist even when no file
/// defines them.
const BUILT_IN_SEQUENCES: &[&str] = &["main", "fault"];

/// What a reference needs to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wanted {
    Sequence,
    Endpoint,
    Template,
    /// A local entry or registry resource (payloadFactory's `<format key>`, enrich's inline
    /// `key`).
    Entry,
}

impl Wanted {
    fn describe(self) -> &'static str {
        match self {
            Wanted::Sequence => "sequence",
            Wanted::Endpoint => "endpoint",
            Wanted::Template => "template",
            Wanted::Entry => "local entry or registry resource",
        }
    }

    fn accepts(self, kind: ArtifactKind) -> bool {
        match self {
            Wanted::Sequence => kind == ArtifactKind::Sequence,
            Wanted::Endpoint => kind == ArtifactKind::Endpoint,
            Wanted::Template => kind == ArtifactKind::Template,
            Wanted::Entry => kind == ArtifactKind::LocalEntry,
        }
    }
}

/// One key an artifact refers to, where it is written, and what writes it (`<sequence key>`).
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub(crate) wanted: Wanted,
    pub(crate) key: String,
    pub(crate) via: String,
    pub(crate) span: Span,
}

impl Reference {
    pub(crate) fn new(wanted: Wanted, key: &str, via: impl Into<String>, span: Span) -> Self {
        Self {
            wanted,
            key: key.to_owned(),
            via: via.into(),
            span,
        }
    }
}

/// Reports every reference that names nothing, or names an artifact of another kind.
pub(crate) fn check_references(
    artifacts: &[ArtifactConfig],
    broken: &[String],
    diags: &mut Diagnostics,
) {
    let mut names: BTreeMap<&str, &ArtifactConfig> = BTreeMap::new();
    for a in artifacts {
        if !matches!(
            a.kind(),
            ArtifactKind::Api | ArtifactKind::Proxy | ArtifactKind::Unsupported
        ) {
            names.entry(a.name()).or_insert(a);
        }
    }
    let mut refs = Vec::new();
    for artifact in artifacts {
        references(artifact, &mut refs);
    }
    for r in refs {
        if r.key.starts_with('{') || broken.contains(&r.key) {
            continue; // a dynamic key, resolved per message; or an artifact reported broken
        }
        let message = match lookup(&names, &r.key) {
            Some(found) if r.wanted.accepts(found.kind()) => continue,
            Some(found) => format!(
                "{}: `{}` is a {}, not a {} (defined at {})",
                r.via,
                r.key,
                found.kind().describe(),
                r.wanted.describe(),
                found.span()
            ),
            None if r.wanted == Wanted::Sequence
                && BUILT_IN_SEQUENCES.contains(&r.key.as_str()) =>
            {
                continue;
            }
            None => {
                let candidates = names
                    .iter()
                    .filter(|(_, a)| r.wanted.accepts(a.kind()))
                    .map(|(n, _)| *n);
                format!(
                    "{}: no {} named `{}` is defined{}",
                    r.via,
                    r.wanted.describe(),
                    r.key,
                    did_you_mean(&r.key, candidates)
                )
            }
        };
        diags.push(Diagnostic::new(
            r.span.file.as_deref().unwrap_or(Path::new("")),
            r.span.position.unwrap_or(Position::new(1, 1)),
            message,
        ));
    }
}

/// The artifact a key names: as written; a registry key in its normal form (`conf:path` is
/// `conf:/path`); a key that names nothing locally, as a governance registry path (MI looks a
/// key up in the registry, `gov:` when it has no prefix).
fn lookup<'a>(names: &BTreeMap<&str, &'a ArtifactConfig>, key: &str) -> Option<&'a ArtifactConfig> {
    if let Some(found) = names.get(key) {
        return Some(found);
    }
    for prefix in ["conf:", "gov:", "local:"] {
        if let Some(path) = key.strip_prefix(prefix) {
            let normal = format!("{prefix}/{}", path.trim_start_matches('/'));
            return names.get(normal.as_str()).copied();
        }
    }
    names
        .get(format!("gov:/{}", key.trim_start_matches('/')).as_str())
        .copied()
}

/// The references of one artifact.
fn references(artifact: &ArtifactConfig, out: &mut Vec<Reference>) {
    let file = artifact.span().file.clone();
    match artifact {
        ArtifactConfig::Sequence(s) => sequence_references(s, "`<sequence onError>`", out),
        ArtifactConfig::Template(t) => {
            if let Some(on_error) = &t.on_error {
                out.push(Reference::new(
                    Wanted::Sequence,
                    on_error,
                    "`<template onError>`",
                    t.span.clone(),
                ));
            }
            match &t.body {
                TemplateBody::Sequence(s) => sequence_references(s, "`<sequence onError>`", out),
                TemplateBody::Endpoint(_) => {}
            }
        }
        ArtifactConfig::Api(api) => crate::api::references(api, out),
        ArtifactConfig::Proxy(proxy) => crate::proxy::references(proxy, out),
        ArtifactConfig::Endpoint(e) => crate::endpoint::references(e, out),
        ArtifactConfig::LocalEntry(_) | ArtifactConfig::Unsupported(_) => {}
    }
    let _ = file;
}

/// The references of a sequence: its `onError` (written by `via`) and its mediators'.
pub(crate) fn sequence_references(sequence: &SequenceConfig, via: &str, out: &mut Vec<Reference>) {
    if let Some(on_error) = &sequence.on_error {
        out.push(Reference::new(
            Wanted::Sequence,
            on_error,
            via,
            sequence.span.clone(),
        ));
    }
    let file = sequence.span.file.clone();
    for spec in &sequence.mediators {
        spec_references(spec, &file, out);
    }
}

/// Elements whose children are content, not mediators or structure: not searched.
const CONTENT: &[&str] = &[
    "format",
    "source",
    "property",
    "header",
    "makefault",
    "variable",
    "args",
    "detail",
];

/// The references inside a mediator's spec and its descendants.
pub(crate) fn spec_references(
    spec: &MediatorSpec,
    file: &Option<std::sync::Arc<Path>>,
    out: &mut Vec<Reference>,
) {
    let at = |name: &str| Span {
        file: file.clone(),
        position: spec.position_of(name).or(spec.position),
    };
    let mut push = |wanted, name: &str, via: String| {
        if let Some(key) = spec.get(name) {
            out.push(Reference::new(wanted, key.trim(), via, at(name)));
        }
    };
    match spec.kind.as_str() {
        "sequence" => push(Wanted::Sequence, "key", "`<sequence key>`".into()),
        "then" | "else" => push(
            Wanted::Sequence,
            "sequence",
            format!("`<{} sequence>`", spec.kind),
        ),
        "call-template" => push(
            Wanted::Template,
            "target",
            "`<call-template target>`".into(),
        ),
        "send" => push(Wanted::Sequence, "receive", "`<send receive>`".into()),
        "endpoint" => {
            push(Wanted::Endpoint, "key", "`<endpoint key>`".into());
            push(Wanted::Template, "template", "`<endpoint template>`".into());
        }
        "payloadFactory" => {
            if let Some(format) = spec.child_named("format") {
                spec_references_of_key(format, file, Wanted::Entry, "`<format key>`", out);
            }
        }
        "enrich" => {
            if let Some(source) = spec.child_named("source") {
                spec_references_of_key(source, file, Wanted::Entry, "`<source key>`", out);
            }
        }
        _ => {}
    }
    if CONTENT.contains(&spec.kind.as_str()) {
        return;
    }
    for child in &spec.children {
        spec_references(child, file, out);
    }
}

fn spec_references_of_key(
    spec: &MediatorSpec,
    file: &Option<std::sync::Arc<Path>>,
    wanted: Wanted,
    via: &str,
    out: &mut Vec<Reference>,
) {
    if let Some(key) = spec.get("key") {
        out.push(Reference::new(
            wanted,
            key.trim(),
            via,
            Span {
                file: file.clone(),
                position: spec.position_of("key").or(spec.position),
            },
        ));
    }
}
