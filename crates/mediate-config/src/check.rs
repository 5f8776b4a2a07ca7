//! Static checks across artifacts: every key an artifact refers to (a sequence, endpoint,
//! template or local entry) must name something of that kind, and every use of a template
//! must give parameters that fit it.

use std::collections::BTreeMap;
use std::path::Path;

use mediate_core::{MediatorSpec, Position};
use mediate_endpoints::{EndpointDefinition, EndpointKind, TemplateEndpoint};

use crate::read::did_you_mean;
use crate::template::IMPLICIT_ENDPOINT_PARAMETERS;
use crate::{
    ArtifactConfig, ArtifactKind, Diagnostic, Diagnostics, EndpointRef, SequenceConfig, Span,
    TemplateBody, TemplateConfig,
};

/// Sequence keys Synapse always has: its `main` and `fault` sequences exist even when no file
/// defines them.
const BUILT_IN_SEQUENCES: &[&str] = &["main", "fault"];

/// What a reference needs to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wanted {
    Sequence,
    Endpoint,
    /// An endpoint template (`<endpoint template>`): MI keeps endpoint templates apart from
    /// sequence templates (`getEndpointTemplate`).
    Template,
    /// A sequence template (`<call-template target>`: MI's `getSequenceTemplate`, so an
    /// endpoint template of that name is "cannot be found").
    SequenceTemplate,
    /// A local entry or registry resource (payloadFactory's `<format key>`, enrich's inline
    /// `key`).
    Entry,
}

impl Wanted {
    fn describe(self) -> &'static str {
        match self {
            Wanted::Sequence => "sequence",
            Wanted::Endpoint => "endpoint",
            Wanted::Template => "endpoint template",
            Wanted::SequenceTemplate => "sequence template",
            Wanted::Entry => "local entry or registry resource",
        }
    }

    fn accepts(self, artifact: &ArtifactConfig) -> bool {
        match (self, artifact) {
            (Wanted::Sequence, ArtifactConfig::Sequence(_))
            | (Wanted::Endpoint, ArtifactConfig::Endpoint(_))
            | (Wanted::Entry, ArtifactConfig::LocalEntry(_)) => true,
            (Wanted::Template, ArtifactConfig::Template(t)) => {
                matches!(t.body, TemplateBody::Endpoint(_))
            }
            (Wanted::SequenceTemplate, ArtifactConfig::Template(t)) => {
                matches!(t.body, TemplateBody::Sequence(_))
            }
            _ => false,
        }
    }
}

/// What an artifact is, for messages: a template says which kind it is.
fn describe(artifact: &ArtifactConfig) -> &'static str {
    match artifact {
        ArtifactConfig::Template(t) => match t.body {
            TemplateBody::Sequence(_) => "sequence template",
            TemplateBody::Endpoint(_) => "endpoint template",
        },
        other => other.kind().describe(),
    }
}

/// `what` after "a" or "an".
pub(crate) fn with_article(what: &str) -> String {
    let an = what.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']);
    format!("{} {what}", if an { "an" } else { "a" })
}

/// One key an artifact refers to, where it is written, and what writes it (`<sequence key>`).
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub(crate) wanted: Wanted,
    pub(crate) key: String,
    pub(crate) via: String,
    pub(crate) span: Span,
    /// For a use of a template (`<call-template>`, `<endpoint template>`): what it passes.
    pub(crate) arguments: Option<Arguments>,
}

impl Reference {
    pub(crate) fn new(wanted: Wanted, key: &str, via: impl Into<String>, span: Span) -> Self {
        Self {
            wanted,
            key: key.to_owned(),
            via: via.into(),
            span,
            arguments: None,
        }
    }

    fn with_arguments(mut self, arguments: Arguments) -> Self {
        self.arguments = Some(arguments);
        self
    }
}

/// The parameters a use of a template gives, checked against the template's parameters.
#[derive(Debug, Clone)]
pub(crate) struct Arguments {
    /// Each parameter given, with where its name is written.
    given: Vec<(String, Span)>,
    /// What gives a parameter, for messages (`` `<with-param name>` ``).
    via: &'static str,
    /// What uses the template, for messages (`` `<call-template>` ``).
    user: &'static str,
    /// Where the using element starts: a parameter it does not give is reported there.
    at: Span,
}

/// Reports every reference that names nothing, or names an artifact of another kind, and
/// every use of a template whose parameters do not fit the template.
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
            Some(found) if r.wanted.accepts(found) => {
                if let (ArtifactConfig::Template(t), Some(args)) = (found, &r.arguments) {
                    check_arguments(t, args, diags);
                }
                continue;
            }
            Some(found) => format!(
                "{}: `{}` is {}, not {} (defined at {})",
                r.via,
                r.key,
                with_article(describe(found)),
                with_article(r.wanted.describe()),
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
                    .filter(|(_, a)| r.wanted.accepts(a))
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
        push(diags, &r.span, message);
    }
}

fn push(diags: &mut Diagnostics, span: &Span, message: String) {
    diags.push(Diagnostic::new(
        span.file.as_deref().unwrap_or(Path::new("")),
        span.position.unwrap_or(Position::new(1, 1)),
        message,
    ));
}

/// The parameters a use gives against those of `template`:
///
/// - a name the template does not declare is a problem. MI does not refuse it: a sequence
///   template binds only its declared parameters (`TemplateContext.setupParams` reads one
///   value per declared name, and the call's other values stay unread), and an endpoint
///   template substitutes only declared ones (`Template.replace` checks
///   `parameters.contains`), so a misspelt name is silently dropped and the parameter it
///   meant goes without a value. MI's call-template documentation asks for "the same names
///   as specified in the target template";
/// - a sequence template's mandatory parameter (`isMandatory="true"`) the call does not pass
///   is a problem: every message faults there (code 500101, see
///   [`Template::bind`](mediate_core::Template::bind)), even when the parameter has a
///   `defaultValue`;
/// - an endpoint template's parameter that its body substitutes (`$p`) and the use does not
///   give is a problem: MI leaves `$p` in the endpoint as written (an address `$uri`, a
///   timeout `$t` that fails to parse). `name` is not required: an anonymous endpoint is fine.
fn check_arguments(template: &TemplateConfig, args: &Arguments, diags: &mut Diagnostics) {
    let accepted = template.accepted_parameters();
    for (name, span) in &args.given {
        if !accepted.contains(&name.as_str()) {
            push(
                diags,
                span,
                format!(
                    "{}: template `{}` has no parameter `{name}`{}",
                    args.via,
                    template.name,
                    did_you_mean(name, accepted.iter().copied())
                ),
            );
        }
    }
    let given = |p: &str| args.given.iter().any(|(n, _)| n == p);
    match &template.body {
        TemplateBody::Sequence(_) => {
            for p in template.parameters.iter().filter(|p| p.mandatory) {
                if !given(&p.name) {
                    push(
                        diags,
                        &args.at,
                        format!(
                            "{}: template `{}` needs parameter `{}` (isMandatory), which this call does not pass",
                            args.user, template.name, p.name
                        ),
                    );
                }
            }
        }
        TemplateBody::Endpoint(_) => {
            for p in template.substituted_parameters() {
                if !given(p) {
                    let how = if p == "uri" {
                        "a `uri` attribute".to_owned()
                    } else {
                        format!("a `<parameter name=\"{p}\">`")
                    };
                    push(
                        diags,
                        &args.at,
                        format!(
                            "{}: template `{}` uses `${p}`, which this endpoint does not give ({how}), so MI would leave `${p}` as written",
                            args.user, template.name
                        ),
                    );
                }
            }
        }
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
    let start = out.len();
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
    let definitions: Vec<&EndpointDefinition> = match artifact {
        ArtifactConfig::Endpoint(e) => vec![&e.definition],
        ArtifactConfig::Proxy(p) => match &p.target.endpoint {
            Some(EndpointRef::Inline(definition)) => vec![definition],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    if !definitions.is_empty() {
        attach_definition_arguments(&definitions, &mut out[start..]);
    }
}

/// Gives the `<endpoint template>` references of endpoint definitions (read into
/// [`EndpointDefinition`]s, whose references carry no arguments) the parameters each gives,
/// matched by where the `template` key is written. A definition keeps no position for its
/// `<parameter>`s: a misnamed one is reported at the `template` attribute.
fn attach_definition_arguments(definitions: &[&EndpointDefinition], refs: &mut [Reference]) {
    let mut uses = Vec::new();
    for d in definitions {
        template_uses(d, &mut uses);
    }
    let mut taken = vec![false; uses.len()];
    for r in refs.iter_mut() {
        if r.wanted != Wanted::Template || r.arguments.is_some() {
            continue;
        }
        let found = uses.iter().enumerate().position(|(i, (_, t))| {
            !taken[i]
                && t.template.key == r.key
                && (t.template.position.is_none() || t.template.position == r.span.position)
        });
        let Some(i) = found else { continue };
        taken[i] = true;
        let (definition, t) = uses[i];
        let at_key = r.span.clone();
        let mut given: Vec<(String, Span)> = Vec::new();
        if definition.name.is_some() {
            given.push(("name".into(), at_key.clone()));
        }
        if t.uri.is_some() {
            given.push(("uri".into(), at_key.clone()));
        }
        for (name, _) in &t.parameters {
            given.push((name.clone(), at_key.clone()));
        }
        r.arguments = Some(Arguments {
            given,
            via: "`<parameter name>`",
            user: "`<endpoint template>`",
            at: Span {
                file: r.span.file.clone(),
                position: definition.position.or(r.span.position),
            },
        });
    }
}

/// The template endpoints of `definition` and its child endpoints, in document order.
fn template_uses<'a>(
    definition: &'a EndpointDefinition,
    out: &mut Vec<(&'a EndpointDefinition, &'a TemplateEndpoint)>,
) {
    if let EndpointKind::Template(t) = &definition.kind {
        out.push((definition, t));
    }
    for child in definition.children() {
        template_uses(child, out);
    }
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
        "call-template" => {
            if let Some(key) = spec.get("target") {
                let given = spec
                    .children_named("with-param")
                    .filter_map(|p| Some((p.get("name")?.to_owned(), span_of(p, "name", file))))
                    .collect();
                out.push(
                    Reference::new(
                        Wanted::SequenceTemplate,
                        key.trim(),
                        "`<call-template target>`",
                        at("target"),
                    )
                    .with_arguments(Arguments {
                        given,
                        via: "`<with-param name>`",
                        user: "`<call-template>`",
                        at: Span {
                            file: file.clone(),
                            position: spec.position,
                        },
                    }),
                );
            }
        }
        "send" => push(Wanted::Sequence, "receive", "`<send receive>`".into()),
        "endpoint" => {
            push(Wanted::Endpoint, "key", "`<endpoint key>`".into());
            if let Some(key) = spec.get("template") {
                let mut given: Vec<(String, Span)> = IMPLICIT_ENDPOINT_PARAMETERS
                    .iter()
                    .filter(|n| spec.get(n).is_some())
                    .map(|n| ((*n).to_owned(), span_of(spec, n, file)))
                    .collect();
                given.extend(
                    spec.children_named("parameter").filter_map(|p| {
                        Some((p.get("name")?.to_owned(), span_of(p, "name", file)))
                    }),
                );
                out.push(
                    Reference::new(
                        Wanted::Template,
                        key.trim(),
                        "`<endpoint template>`",
                        at("template"),
                    )
                    .with_arguments(Arguments {
                        given,
                        via: "`<parameter name>`",
                        user: "`<endpoint template>`",
                        at: Span {
                            file: file.clone(),
                            position: spec.position,
                        },
                    }),
                );
            }
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

/// Where `spec`'s attribute `name` is written (its element when it has no such attribute).
fn span_of(spec: &MediatorSpec, name: &str, file: &Option<std::sync::Arc<Path>>) -> Span {
    Span {
        file: file.clone(),
        position: spec.position_of(name).or(spec.position),
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
