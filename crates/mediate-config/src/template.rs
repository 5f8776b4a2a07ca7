//! `<template>` artifacts: sequence templates (called by `call-template`) and endpoint
//! templates (used by `<endpoint template="…">`).

use mediate_core::{BuildError, MediatorSpec, Registry, Template, TemplateParameter};
use roxmltree::Node;

use crate::read::Reader;
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
    /// `<endpoint>`: an endpoint template. Its values hold `$name`-style placeholders that are
    /// only valid once substituted, so it is kept as written and validated where it is used.
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

    /// The template as an element-shaped value, for serialization.
    pub fn to_spec(&self) -> MediatorSpec {
        let mut spec = MediatorSpec::new("template").property("name", self.name.clone());
        if let Some(on_error) = &self.on_error {
            spec = spec.property("onError", on_error.clone());
        }
        if let Some(d) = &self.description {
            spec = spec.property("description", d.clone());
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
    let config = TemplateConfig {
        name: name?.to_owned(),
        parameters,
        body: body?,
        on_error: r.optional(node, "onError").map(str::to_owned),
        description: node.attribute("description").map(str::to_owned),
        span: Span::of(&r.file, r.at(node)),
    };
    (r.error_count() == before).then_some(config)
}
