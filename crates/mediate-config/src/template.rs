//! `<template>` artifacts: sequence templates (called by `call-template`) and endpoint
//! templates (used by `<endpoint template="…">`).

use std::collections::BTreeSet;

use mediate_core::{BuildError, MediatorSpec, Position, Registry, Template, TemplateParameter};
use mediate_endpoints::EndpointDefinition;
use roxmltree::Node;

use crate::read::{Reader, build_diagnostic, did_you_mean};
use crate::sequence::read_sequence;
use crate::{SequenceConfig, Span};

/// A template's configuration.
///
/// ```
/// use mediate_config::{ArtifactConfig, TemplateBody, load_str};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<template xmlns="http://ws.apache.org/ns/synapse" name="Greet">
///     <parameter name="who" isMandatory="true"/>
///     <parameter name="greeting" defaultValue="Hello"/>
///     <sequence><log level="custom"><property name="msg" expression="$func:greeting"/></log></sequence>
/// </template>"#;
/// let [ArtifactConfig::Template(t)] = &load_str(xml, "t.xml".as_ref(), &registry)?[..] else {
///     panic!("one template")
/// };
/// assert_eq!(t.parameters[0].name, "who");
/// assert!(t.parameters[0].mandatory);
/// assert_eq!(t.parameters[1].default.as_deref(), Some("Hello"));
/// assert!(matches!(&t.body, TemplateBody::Sequence(s) if s.mediators.len() == 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateConfig {
    /// The template's name.
    pub name: String,
    /// Its declared parameters, in order.
    pub parameters: Vec<TemplateParameterConfig>,
    /// What it expands to.
    pub body: TemplateBody,
    /// The key of the sequence that handles the errors of a sequence template.
    pub on_error: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// `trace` as written on `<template>` (`enable`/`disable`); kept for serialization, no
    /// runtime effect yet.
    pub trace: Option<String>,
    /// `statistics` as written on `<template>`; see [`trace`](Self::trace).
    pub statistics: Option<String>,
    /// Where it was read from.
    pub span: Span,
}

/// One `<parameter name [isMandatory] [defaultValue]/>` of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateParameterConfig {
    /// The name (`$func:name` inside the template).
    pub name: String,
    /// `isMandatory="true"`: a call without it is an error.
    pub mandatory: bool,
    /// `defaultValue`: used when a call does not give it.
    pub default: Option<String>,
    /// `description`.
    pub description: Option<String>,
}

/// What a template expands to.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateBody {
    /// `<sequence>`: a sequence template.
    Sequence(SequenceConfig),
    /// `<endpoint>`: an endpoint template, kept as written: an attribute value or a text that
    /// is exactly `$p` (`p` a declared parameter, or the implicit `name` and `uri`) takes the
    /// value each `<endpoint template>` gives for `p`. When read, the body is checked as an
    /// endpoint with a harmless value standing in for each `$p`.
    Endpoint(MediatorSpec),
}

impl TemplateConfig {
    /// Builds the runtime template of a sequence template through `registry` (`None` for an
    /// endpoint template, which is expanded where an endpoint uses it).
    pub fn build(&self, registry: &Registry) -> Option<Result<Template, BuildError>> {
        let TemplateBody::Sequence(body) = &self.body else {
            return None;
        };
        let parameters = self
            .parameters
            .iter()
            .map(|p| TemplateParameter {
                name: p.name.clone(),
                mandatory: p.mandatory,
                default_value: p.default.clone(),
                description: p.description.clone(),
            })
            .collect();
        Some(body.build(registry).map(|body| {
            let template = Template::new(self.name.clone(), parameters, body);
            match &self.on_error {
                Some(key) => template.on_error(key.clone()),
                None => template,
            }
        }))
    }

    /// The parameter names a use of the template may give: the declared ones, and for an
    /// endpoint template also the implicit [`IMPLICIT_ENDPOINT_PARAMETERS`].
    pub(crate) fn accepted_parameters(&self) -> Vec<&str> {
        let declared = self.parameters.iter().map(|p| p.name.as_str());
        match &self.body {
            TemplateBody::Sequence(_) => declared.collect(),
            TemplateBody::Endpoint(_) => {
                let mut names: Vec<&str> = declared.collect();
                for implicit in IMPLICIT_ENDPOINT_PARAMETERS {
                    if !names.contains(implicit) {
                        names.push(implicit);
                    }
                }
                names
            }
        }
    }

    /// The parameters an endpoint template's body substitutes (values that are exactly
    /// `$p`), without `name`: an endpoint that does not give one keeps `$p` as written.
    /// Empty for a sequence template.
    pub(crate) fn substituted_parameters(&self) -> BTreeSet<&str> {
        let TemplateBody::Endpoint(body) = &self.body else {
            return BTreeSet::new();
        };
        let accepted = self.accepted_parameters();
        let mut used = BTreeSet::new();
        each_value(body, &mut Vec::new(), &mut |_, _, _, value| {
            if let Some(p) = value.strip_prefix('$')
                && let Some(name) = accepted.iter().find(|a| **a == p)
                && *name != "name"
            {
                used.insert(*name);
            }
        });
        used
    }

    /// The template as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        let mut spec = MediatorSpec::new("template").property("name", self.name.clone());
        if let Some(on_error) = &self.on_error {
            spec = spec.property("onError", on_error.clone());
        }
        for (name, value) in [
            ("description", &self.description),
            ("trace", &self.trace),
            ("statistics", &self.statistics),
        ] {
            if let Some(value) = value {
                spec = spec.property(name, value.clone());
            }
        }
        for p in &self.parameters {
            let mut param = MediatorSpec::new("parameter").property("name", p.name.clone());
            if p.mandatory {
                param = param.property("isMandatory", "true");
            }
            if let Some(d) = &p.default {
                param = param.property("defaultValue", d.clone());
            }
            if let Some(d) = &p.description {
                param = param.property("description", d.clone());
            }
            spec = spec.child(param);
        }
        match &self.body {
            TemplateBody::Sequence(s) => spec.child(s.to_spec("sequence")),
            TemplateBody::Endpoint(e) => spec.child(e.clone()),
        }
    }
}

/// `<template name [onError]>` with `<parameter>`s and one `<sequence>` or `<endpoint>`.
pub(crate) fn read_template(
    r: &mut Reader<'_>,
    node: Node<'_, '_>,
    registry: &Registry,
) -> Option<TemplateConfig> {
    let before = r.error_count();
    r.check_attributes(
        node,
        &["name", "onError", "description", "trace", "statistics"],
    );
    let name = r.required(node, "name");
    let mut parameters: Vec<TemplateParameterConfig> = Vec::new();
    let mut body = None;
    for child in r.elements(node) {
        match child.tag_name().name() {
            "parameter" => {
                r.check_attributes(
                    child,
                    &["name", "isMandatory", "defaultValue", "description"],
                );
                let Some(param) = r.required(child, "name") else {
                    continue;
                };
                if parameters.iter().any(|p| p.name == param) {
                    r.error_at_attr(
                        child,
                        "name",
                        format!("`<template>`: parameter `{param}` is declared twice"),
                    );
                }
                parameters.push(TemplateParameterConfig {
                    name: param.to_owned(),
                    mandatory: r.boolean(child, "isMandatory").unwrap_or(false),
                    default: child.attribute("defaultValue").map(str::to_owned),
                    description: child.attribute("description").map(str::to_owned),
                });
            }
            "sequence" | "endpoint" if body.is_some() => r.error_at(
                child,
                "`<template>`: only one `<sequence>` or `<endpoint>` is allowed",
            ),
            "sequence" => {
                if let Some(seq) = read_sequence(r, child, registry, false) {
                    body = Some(TemplateBody::Sequence(seq));
                } else {
                    body = Some(TemplateBody::Sequence(SequenceConfig::default()));
                }
            }
            "endpoint" => {
                if let Some(spec) = r.spec(child) {
                    body = Some(TemplateBody::Endpoint(spec));
                }
            }
            _ => r.unknown_element(node, child, &["parameter", "sequence", "endpoint"]),
        }
    }
    if body.is_none() {
        r.error_at(
            node,
            "`<template>`: missing the body: a `<sequence>` (sequence template) or an `<endpoint>` (endpoint template)",
        );
    }
    if let (Some(name), Some(TemplateBody::Endpoint(endpoint))) = (name, &body) {
        check_endpoint_body(r, name, &parameters, endpoint);
    }
    let config = TemplateConfig {
        name: name?.to_owned(),
        parameters,
        body: body?,
        on_error: r.optional(node, "onError").map(str::to_owned),
        description: node.attribute("description").map(str::to_owned),
        trace: node.attribute("trace").map(str::to_owned),
        statistics: node.attribute("statistics").map(str::to_owned),
        span: Span::of(&r.file, r.at(node)),
    };
    (r.error_count() == before).then_some(config)
}

/// The parameters every endpoint template has besides its declared ones: MI's
/// `TemplateFactory` adds `name` and `uri`, which an `<endpoint template>` gives with its own
/// `name` and `uri` attributes (`TemplateEndpointFactory`).
pub(crate) const IMPLICIT_ENDPOINT_PARAMETERS: &[&str] = &["name", "uri"];

/// Where a value sits in a spec: an attribute (by index) or the text of an element that holds
/// only text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Attribute(usize),
    Text,
}

/// Calls `f` with every attribute value and every text-only element's text of `spec` and its
/// descendants: the values MI's endpoint `Template.replaceElement` looks at.
fn each_value<'s>(
    spec: &'s MediatorSpec,
    path: &mut Vec<usize>,
    f: &mut impl FnMut(&[usize], Slot, &'s MediatorSpec, &'s str),
) {
    for (i, (_, value)) in spec.properties.iter().enumerate() {
        f(path, Slot::Attribute(i), spec, value);
    }
    if spec.children.is_empty()
        && let Some(text) = &spec.text
    {
        f(path, Slot::Text, spec, text);
    }
    for (i, child) in spec.children.iter().enumerate() {
        path.push(i);
        each_value(child, path, f);
        path.pop();
    }
}

/// The descendant of `spec` at `path` (child indexes).
fn descendant_mut<'s>(spec: &'s mut MediatorSpec, path: &[usize]) -> Option<&'s mut MediatorSpec> {
    path.iter()
        .try_fold(spec, |spec, i| spec.children.get_mut(*i))
}

/// One `$p` value of an endpoint template's body, replaced by a stand-in to check the body.
#[derive(Debug)]
struct Placeholder {
    path: Vec<usize>,
    slot: Slot,
    /// Where the attribute's value starts (an attribute slot).
    value_at: Option<Position>,
    /// Where its element starts.
    element_at: Option<Position>,
}

/// The stand-ins tried, in order, for a `$p` attribute value: shapes that most endpoint
/// attributes accept (an address, a number, a flag, a toggle), then one value of each of the
/// endpoint's keyword attributes (`method`, `format`, `optimize`, addressing `version`,
/// property `scope`, session `type`); `None` drops the attribute.
const ATTRIBUTE_STAND_INS: &[Option<&str>] = &[
    Some("http://placeholder.invalid/"),
    Some("1"),
    Some("true"),
    Some("enable"),
    Some("post"),
    Some("soap11"),
    Some("mtom"),
    Some("final"),
    Some("default"),
    Some("http"),
    None,
];

/// The stand-ins tried for a `$p` text: a number first (durations, codes, retries), then an
/// address, a flag, the keywords of `<responseAction>` and `<authMode>`, a name; `None`
/// empties the element.
const TEXT_STAND_INS: &[Option<&str>] = &[
    Some("1"),
    Some("http://placeholder.invalid/"),
    Some("true"),
    Some("fault"),
    Some("header"),
    Some("placeholder"),
    None,
];

impl Placeholder {
    fn stand_ins(&self) -> &'static [Option<&'static str>] {
        match self.slot {
            Slot::Attribute(_) => ATTRIBUTE_STAND_INS,
            Slot::Text => TEXT_STAND_INS,
        }
    }

    /// Whether `position` is where the value is written (an attribute's value, or the element
    /// of a text).
    fn written_at(&self, position: Option<Position>) -> bool {
        position.is_some()
            && match self.slot {
                Slot::Attribute(_) => self.value_at == position,
                Slot::Text => self.element_at == position,
            }
    }

    /// Whether an error at `position` may come from this placeholder's stand-in (number
    /// `choice` of [`stand_ins`](Self::stand_ins)): an error at the attribute's value, or, for a
    /// text or a dropped attribute, at its element.
    fn explains(&self, position: Option<Position>, choice: usize) -> bool {
        let dropped = self.stand_ins().get(choice).copied().flatten().is_none();
        self.written_at(position) || (dropped && position.is_some() && self.element_at == position)
    }
}

/// A property name no attribute has: marks an attribute to drop.
const DROPPED: &str = "\u{0}dropped";

/// `body` with each placeholder replaced by its chosen stand-in.
fn substituted(
    body: &MediatorSpec,
    placeholders: &[Placeholder],
    choices: &[usize],
) -> MediatorSpec {
    let mut spec = body.clone();
    for (p, choice) in placeholders.iter().zip(choices) {
        let Some(element) = descendant_mut(&mut spec, &p.path) else {
            continue;
        };
        let stand_in = p.stand_ins().get(*choice).copied().flatten();
        match (p.slot, stand_in) {
            (Slot::Attribute(i), Some(v)) => {
                if let Some(attr) = element.properties.get_mut(i) {
                    attr.1 = v.to_owned();
                }
            }
            (Slot::Attribute(i), None) => {
                if let Some(attr) = element.properties.get_mut(i) {
                    attr.0 = DROPPED.to_owned();
                }
            }
            (Slot::Text, v) => element.text = v.map(str::to_owned),
        }
    }
    drop_marked(&mut spec);
    spec
}

fn drop_marked(spec: &mut MediatorSpec) {
    spec.properties.retain(|(name, _)| name != DROPPED);
    for child in &mut spec.children {
        drop_marked(child);
    }
}

/// Checks an endpoint template's body once, when it is read, as MI would read it after a
/// use substitutes its parameters (MI checks it only when an endpoint uses the template, so a
/// misspelt element or attribute would wait for the first message):
///
/// - a value that is `$p` for a parameter `p` (declared, or the implicit `name` and `uri`) is
///   replaced by a stand-in of the usual shapes (an address, a number, a flag…), and the
///   result is read as an endpoint. An error at a stand-in (where no shape fits, the parameter
///   decides) is an artifact of the substitution: the next stand-in is tried, and when none
///   fits, the body is not judged further. Any other error is a problem of the template;
/// - a `$x` that names no parameter but is close to one is a misspelling (MI leaves it as
///   written); a `$p` with spaces around it is not substituted by MI either (it replaces only a
///   value that starts with `$` and is exactly a parameter's name).
fn check_endpoint_body(
    r: &mut Reader<'_>,
    template: &str,
    parameters: &[TemplateParameterConfig],
    body: &MediatorSpec,
) {
    let scan = scan(template, parameters, body);
    for (at, message) in scan.problems {
        r.error(at.or(body.position).unwrap_or(Position::new(1, 1)), message);
    }
    let Verdict::Refused(error) = judge(body, &scan.placeholders) else {
        return;
    };
    let position = error.position();
    match scan.literals.iter().find(|(l, _)| l.written_at(position)) {
        Some((_, literal)) => r.error(
            position.or(body.position).unwrap_or(Position::new(1, 1)),
            format!(
                "template `{template}`: `{literal}` names no parameter of the template, so MI leaves it as written, which `<{}>` refuses; declare `<parameter name=\"{}\"/>`",
                error_kind(&error),
                literal.trim_start_matches('$')
            ),
        ),
        None => {
            let d = build_diagnostic(&r.source, &error, body.position);
            r.diags.push(d);
        }
    }
}

/// The `$…` values of an endpoint template's body.
#[derive(Debug, Default)]
struct Scan<'s> {
    /// The values MI substitutes (`$p`), and the near misses reported in `problems`.
    placeholders: Vec<Placeholder>,
    /// `$x` values far from every parameter, with the value: left as written, as MI does.
    literals: Vec<(Placeholder, &'s str)>,
    /// Near misses: where, and the message.
    problems: Vec<(Option<Position>, String)>,
}

fn scan<'s>(
    template: &str,
    parameters: &[TemplateParameterConfig],
    body: &'s MediatorSpec,
) -> Scan<'s> {
    let mut names: Vec<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
    for implicit in IMPLICIT_ENDPOINT_PARAMETERS {
        if !names.contains(implicit) {
            names.push(implicit);
        }
    }
    let dollar_names: Vec<String> = names.iter().map(|n| format!("${n}")).collect();
    let mut out = Scan::default();
    each_value(body, &mut Vec::new(), &mut |path, slot, element, value| {
        let trimmed = value.trim();
        let Some(rest) = trimmed.strip_prefix('$') else {
            return;
        };
        let value_at = match slot {
            Slot::Attribute(i) => element
                .properties
                .get(i)
                .and_then(|(name, _)| element.position_of(name)),
            Slot::Text => None,
        };
        let place = Placeholder {
            path: path.to_vec(),
            slot,
            value_at,
            element_at: element.position,
        };
        let at = value_at.or(element.position);
        if names.contains(&rest) {
            if trimmed != value {
                out.problems.push((
                    at,
                    format!(
                        "template `{template}`: `{trimmed}` has spaces around it, so MI does not substitute it (it replaces only a value that is exactly `$parameter`); remove the spaces"
                    ),
                ));
            }
            out.placeholders.push(place);
        } else if !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            let suggestion = did_you_mean(trimmed, dollar_names.iter().map(String::as_str));
            if suggestion.is_empty() {
                // Far from every parameter: maybe a literal value (a password), judged only if
                // the endpoint refuses it.
                out.literals.push((place, trimmed));
            } else {
                out.problems.push((
                    at,
                    format!(
                        "template `{template}`: `{trimmed}` is not a parameter of the template, so MI leaves it as written{suggestion}"
                    ),
                ));
                out.placeholders.push(place);
            }
        }
    });
    out
}

/// What reading a body with stand-ins for its placeholders found.
#[derive(Debug)]
enum Verdict {
    /// The endpoint reads with a stand-in for each placeholder.
    Fits,
    /// An error no stand-in explains: a problem of the template.
    Refused(BuildError),
    /// An error at a placeholder that no stand-in avoids: it depends on what a use gives.
    Undecided,
}

/// Reads `body` as an endpoint, each placeholder replaced by a stand-in: an error at a
/// placeholder moves it to its next stand-in (at most every stand-in of every placeholder is
/// tried, so this ends).
fn judge(body: &MediatorSpec, placeholders: &[Placeholder]) -> Verdict {
    let mut choices = vec![0usize; placeholders.len()];
    loop {
        let spec = substituted(body, placeholders, &choices);
        let Err(error) = EndpointDefinition::from_spec(&spec) else {
            return Verdict::Fits;
        };
        let position = error.position();
        let mut culprits = placeholders
            .iter()
            .zip(&choices)
            .enumerate()
            .filter(|(_, (p, choice))| p.explains(position, **choice))
            .map(|(i, _)| i)
            .peekable();
        if culprits.peek().is_none() {
            return Verdict::Refused(error);
        }
        match culprits.find(|i| choices[*i] + 1 < placeholders[*i].stand_ins().len()) {
            Some(i) => choices[i] += 1,
            None => return Verdict::Undecided,
        }
    }
}

/// The element a build error is about.
fn error_kind(error: &BuildError) -> &str {
    match error.without_position() {
        BuildError::UnknownMediator { kind, .. }
        | BuildError::MissingProperty { kind, .. }
        | BuildError::InvalidProperty { kind, .. }
        | BuildError::InvalidStructure { kind, .. }
        | BuildError::InvalidElement { element: kind, .. } => kind,
        _ => "endpoint",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The `<endpoint>` of `xml` (in the Synapse namespace), read from a file.
    fn body(xml: &str) -> MediatorSpec {
        let xml = format!(r#"<endpoint xmlns="http://ws.apache.org/ns/synapse">{xml}</endpoint>"#);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        crate::spec_from_element(doc.root_element(), Path::new("t.xml")).expect("reads")
    }

    fn parameters(names: &[&str]) -> Vec<TemplateParameterConfig> {
        names
            .iter()
            .map(|n| TemplateParameterConfig {
                name: (*n).to_owned(),
                mandatory: false,
                default: None,
                description: None,
            })
            .collect()
    }

    fn verdict(names: &[&str], xml: &str) -> Verdict {
        let body = body(xml);
        let scan = scan("T", &parameters(names), &body);
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
        judge(&body, &scan.placeholders)
    }

    #[test]
    fn every_placeholder_finds_a_stand_in_of_its_shape() {
        let v = verdict(
            &["m", "f", "t", "a", "c", "x", "n", "mode", "s"],
            r#"<http uri-template="$uri" method="$m" format="$f" statistics="$s">
                <timeout><duration>$t</duration><responseAction>$a</responseAction></timeout>
                <suspendOnFailure><errorCodes>$c</errorCodes><progressionFactor>$x</progressionFactor></suspendOnFailure>
                <markForSuspension><retriesBeforeSuspension>$n</retriesBeforeSuspension></markForSuspension>
            </http>"#,
        );
        assert!(matches!(v, Verdict::Fits), "{v:?}");
    }

    #[test]
    fn an_error_no_stand_in_explains_is_the_templates() {
        let v = verdict(
            &["t"],
            r#"<address uri="$uri" format="soap13"><timeout><duration>$t</duration></timeout></address>"#,
        );
        let Verdict::Refused(e) = v else {
            panic!("refused: {v:?}")
        };
        assert_eq!(e.position(), Some(Position::new(1, 79))); // `soap13`
    }

    #[test]
    fn only_whole_values_naming_a_parameter_are_placeholders() {
        let b = body(
            r#"<address uri="$uri/x" format="$f"><timeout><duration>$ctx:t</duration></timeout></address>"#,
        );
        let scan = scan("T", &parameters(&["f"]), &b);
        assert_eq!(scan.placeholders.len(), 1);
        assert_eq!(scan.placeholders[0].slot, Slot::Attribute(1));
        // `$uri/x` is not `$uri` (MI leaves it), and `$ctx:t` is no parameter name.
        assert!(scan.literals.is_empty());
    }

    #[test]
    fn substituted_parameters_leave_out_name_and_partial_values() {
        let registry = mediate_mediators::builtins::registry();
        let xml = r#"<template xmlns="http://ws.apache.org/ns/synapse" name="T"><parameter name="t"/><parameter name="unused"/>
            <endpoint name="$name"><address uri="$uri"><timeout><duration>$t</duration></timeout></address></endpoint></template>"#;
        let artifacts = crate::load_str(xml, Path::new("t.xml"), &registry).expect("loads");
        let [crate::ArtifactConfig::Template(t)] = &artifacts[..] else {
            panic!("one template")
        };
        assert_eq!(
            t.substituted_parameters().into_iter().collect::<Vec<_>>(),
            ["t", "uri"]
        );
        assert_eq!(t.accepted_parameters(), ["t", "unused", "name", "uri"]);
    }
}
