//! [`Configuration`]: every artifact of a project, checked together, and what it deploys.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use mediate_core::{Env, Position, Registry, Sequence, Template};

use crate::{
    ApiConfig, ArtifactConfig, Diagnostic, Diagnostics, EndpointConfig, LocalEntryConfig,
    ProxyConfig, SequenceConfig, TemplateConfig,
};

/// Every artifact of a project, in the order read (files sorted by path).
///
/// ```
/// use mediate_config::{Configuration, load_str};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
///     <sequence name="main"><sequence key="audit"/></sequence>
///     <sequence name="audit"><log/></sequence>
///     <localEntry key="greeting">Hello</localEntry>
/// </definitions>"#;
/// let configuration = Configuration::new(load_str(xml, "all.xml".as_ref(), &registry)?);
/// assert!(configuration.check().is_empty());
/// assert_eq!(configuration.sequences().count(), 2);
/// let deployment = configuration.deploy(&registry)?;
/// assert!(deployment.env().get_sequence("audit").is_some());
/// assert_eq!(deployment.env().local_entry("greeting").map(|e| &**e), Some("Hello"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Configuration {
    /// The artifacts.
    pub artifacts: Vec<ArtifactConfig>,
}

impl Configuration {
    /// A configuration of `artifacts`.
    pub fn new(artifacts: Vec<ArtifactConfig>) -> Self {
        Self { artifacts }
    }

    /// The problems between artifacts: names defined twice, references to nothing, … (each
    /// artifact's own problems are found when it is read).
    pub fn check(&self) -> Diagnostics {
        self.check_ignoring(&[])
    }

    /// [`check`](Self::check), where a reference to one of `broken` (the names of artifacts
    /// that failed to load, whose problems are already reported) is not a problem.
    pub(crate) fn check_ignoring(&self, broken: &[String]) -> Diagnostics {
        let mut diags = Diagnostics::new();
        check_duplicates(&self.artifacts, &mut diags);
        crate::check::check_references(&self.artifacts, broken, &mut diags);
        crate::api::check_api_contexts(&self.apis().collect::<Vec<_>>(), &mut diags);
        diags.sort();
        diags
    }

    /// The named sequences.
    pub fn sequences(&self) -> impl Iterator<Item = &SequenceConfig> {
        self.artifacts.iter().filter_map(|a| match a {
            ArtifactConfig::Sequence(s) => Some(s),
            _ => None,
        })
    }

    /// The REST APIs.
    pub fn apis(&self) -> impl Iterator<Item = &ApiConfig> {
        self.artifacts.iter().filter_map(|a| match a {
            ArtifactConfig::Api(x) => Some(x),
            _ => None,
        })
    }

    /// The proxy services.
    pub fn proxies(&self) -> impl Iterator<Item = &ProxyConfig> {
        self.artifacts.iter().filter_map(|a| match a {
            ArtifactConfig::Proxy(x) => Some(x),
            _ => None,
        })
    }

    /// The named endpoints.
    pub fn endpoints(&self) -> impl Iterator<Item = &EndpointConfig> {
        self.artifacts.iter().filter_map(|a| match a {
            ArtifactConfig::Endpoint(x) => Some(x),
            _ => None,
        })
    }

    /// The local entries.
    pub fn local_entries(&self) -> impl Iterator<Item = &LocalEntryConfig> {
        self.artifacts.iter().filter_map(|a| match a {
            ArtifactConfig::LocalEntry(x) => Some(x),
            _ => None,
        })
    }

    /// The templates.
    pub fn templates(&self) -> impl Iterator<Item = &TemplateConfig> {
        self.artifacts.iter().filter_map(|a| match a {
            ArtifactConfig::Template(x) => Some(x),
            _ => None,
        })
    }

    /// Builds the runtime objects through `registry`: every problem is reported, at the
    /// artifact's file and the faulty element's position.
    ///
    /// **Only sequences, sequence templates and local entries are deployed.** APIs, proxy
    /// services, named endpoints and endpoint templates are not built and not part of the
    /// [`Deployment`]: there is no runtime for them yet, and leaving them out is silent (no
    /// diagnostic). They are still read and checked: [`load_dir`](crate::load_dir) and
    /// [`check`](Self::check) report their problems, and they are available here as
    /// configuration ([`apis`](Self::apis), [`proxies`](Self::proxies),
    /// [`endpoints`](Self::endpoints), [`templates`](Self::templates)). Nothing that needs a
    /// network listener or an outbound connection is started by this call.
    ///
    /// ```
    /// use mediate_config::{Configuration, load_str};
    ///
    /// let registry = mediate_mediators::builtins::registry();
    /// let xml = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
    ///     <endpoint name="Orders"><address uri="http://orders.example/api"/></endpoint>
    ///     <sequence name="main"><log/></sequence>
    /// </definitions>"#;
    /// let configuration = Configuration::new(load_str(xml, "all.xml".as_ref(), &registry)?);
    /// assert_eq!(configuration.endpoints().count(), 1);
    /// let deployment = configuration.deploy(&registry)?;
    /// assert_eq!(deployment.sequences().len(), 1); // the endpoint is not deployed
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deploy(&self, registry: &Registry) -> Result<Deployment, Diagnostics> {
        let mut diags = Diagnostics::new();
        let mut sequences = BTreeMap::new();
        for config in self.sequences() {
            match config.build(registry) {
                Ok(s) => {
                    sequences.insert(config.name.clone().unwrap_or_default(), Arc::new(s));
                }
                Err(e) => diags.push(Diagnostic::at_span(&config.span, &e)),
            }
        }
        let mut templates = BTreeMap::new();
        for config in self.templates() {
            match config.build(registry) {
                Some(Ok(t)) => {
                    templates.insert(config.name.clone(), Arc::new(t));
                }
                Some(Err(e)) => diags.push(Diagnostic::at_span(&config.span, &e)),
                None => {}
            }
        }
        let mut local_entries = BTreeMap::new();
        let mut xml_entries = BTreeSet::new();
        for entry in self.local_entries() {
            let Some(text) = entry.text() else { continue };
            if entry.holds_xml() {
                xml_entries.insert(entry.key.clone());
            } else {
                // A later entry of the same key (a duplicate, reported by `check`) replaces it.
                xml_entries.remove(&entry.key);
            }
            local_entries.insert(entry.key.clone(), Arc::<str>::from(text));
        }
        diags.into_result(Deployment {
            sequences,
            templates,
            local_entries,
            xml_entries,
        })
    }
}

/// The runtime objects a [`Configuration`] deploys: its sequences, sequence templates and
/// local entries, and nothing else.
///
/// APIs, proxy services, named endpoints and endpoint templates have no runtime yet: a
/// deployment holds none of them, and an [`Env`] made from it knows no API, proxy or
/// endpoint. Their configuration stays available from the [`Configuration`].
#[derive(Debug, Default)]
pub struct Deployment {
    sequences: BTreeMap<String, Arc<Sequence>>,
    templates: BTreeMap<String, Arc<Template>>,
    local_entries: BTreeMap<String, Arc<str>>,
    /// The keys of the entries that hold an XML element
    /// ([`LocalEntryConfig::holds_xml`]).
    xml_entries: BTreeSet<String>,
}

impl Deployment {
    /// The sequences by name.
    pub fn sequences(&self) -> &BTreeMap<String, Arc<Sequence>> {
        &self.sequences
    }

    /// The sequence templates by name.
    pub fn templates(&self) -> &BTreeMap<String, Arc<Template>> {
        &self.templates
    }

    /// The local entries by key, as text.
    pub fn local_entries(&self) -> &BTreeMap<String, Arc<str>> {
        &self.local_entries
    }

    /// An [`Env`] with every sequence, sequence template and local entry deployed, an XML
    /// entry as its element ([`EnvBuilder::xml_local_entry`](mediate_core::EnvBuilder::xml_local_entry),
    /// so that `get-property('KEY')/url` walks into it) and any other as text.
    ///
    /// ```
    /// use mediate_config::{Configuration, load_str};
    /// use mediate_core::{Expression, MessageContext, Namespaces};
    ///
    /// let registry = mediate_mediators::builtins::registry();
    /// // `xmlns=""`: inline XML is otherwise in the Synapse namespace, as in MI.
    /// let xml = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
    ///     <localEntry key="cfg"><config xmlns=""><url>http://backend/orders</url></config></localEntry>
    /// </definitions>"#;
    /// let env = Configuration::new(load_str(xml, "all.xml".as_ref(), &registry)?)
    ///     .deploy(&registry)?
    ///     .env();
    /// let url = Expression::compile("get-property('cfg')/url", &Namespaces::new())?;
    /// let msg = MessageContext::from_xml("<a/>");
    /// assert_eq!(url.evaluate_string_in(&msg, &env.xpath_scope())?, "http://backend/orders");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn env(&self) -> Env {
        let mut builder = Env::builder();
        for (name, seq) in &self.sequences {
            builder = builder.sequence(name.clone(), Arc::clone(seq));
        }
        for (name, template) in &self.templates {
            builder = builder.template(name.clone(), Arc::clone(template));
        }
        for (key, value) in &self.local_entries {
            builder = if self.xml_entries.contains(key) {
                builder.xml_local_entry(key.clone(), Arc::clone(value))
            } else {
                builder.local_entry(key.clone(), Arc::clone(value))
            };
        }
        builder.build()
    }
}

/// Duplicate names: sequences, endpoints, local entries and templates share one key space (as
/// in Synapse's local registry); APIs and proxy services each have their own.
fn check_duplicates(artifacts: &[ArtifactConfig], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(u8, String), &ArtifactConfig> = BTreeMap::new();
    for artifact in artifacts {
        // An API is registered under `name:vVERSION` (MI deploys two versions of one API).
        let (space, name) = match artifact {
            ArtifactConfig::Api(api) => (1, api.qualified_name()),
            ArtifactConfig::Proxy(p) => (2, p.name.clone()),
            ArtifactConfig::Unsupported(_) => continue,
            other => (0, other.name().to_owned()),
        };
        let what = match space {
            1 if name != artifact.name() => "an API of that name and version",
            1 => "an API of that name",
            _ => "{} of that name",
        };
        if let Some(first) = seen.get(&(space, name.clone())) {
            let span = artifact.span();
            diags.push(Diagnostic::new(
                span.file.as_deref().unwrap_or(Path::new("")),
                span.position.unwrap_or(Position::new(1, 1)),
                format!(
                    "duplicate name `{}`: {} is defined at {}",
                    artifact.name(),
                    what.replace("{}", &crate::check::with_article(first.kind().describe())),
                    first.span()
                ),
            ));
        } else {
            seen.insert((space, name), artifact);
        }
    }
}
