//! The JSON the management API shows of each kind of artifact: a summary for lists, a detail
//! (with the Synapse XML as `configuration`) for one artifact. Shapes follow MI 4.x's
//! management API resources (`ApiResource`, `ProxyServiceResource`, `EndpointResource`,
//! `SequenceResource`, `TemplateResource`, `LocalEntryResource`).

use mediate_config::{
    ApiConfig, EndpointConfig, LocalEntryConfig, LocalEntryValue, Method, ProxyConfig,
    ResourceDispatch, SequenceConfig, TemplateBody, TemplateConfig, VersionType, spec_to_xml,
};
use mediate_endpoints::{EndpointDefinition, EndpointKind};
use serde_json::{Map, Value, json};

use super::mask::mask_secrets;
use super::state::EndpointStatus;

/// MI's value for a version an API does not have and a resource that has no URL pattern.
const NOT_APPLICABLE: &str = "N/A";

/// MI's `enabled`/`disabled`.
fn enabled(on: bool) -> &'static str {
    if on { "enabled" } else { "disabled" }
}

/// A `trace`/`statistics` attribute as written (`enable`/`disable`) as MI shows it.
fn enabled_attr(value: Option<&str>) -> &'static str {
    enabled(value == Some("enable"))
}

/// An artifact's Synapse XML, with secrets masked.
fn configuration(xml: &str) -> Value {
    Value::String(mask_secrets(xml))
}

/// `"count"` and `"list"`, as every MI list resource answers.
pub(crate) fn list(items: Vec<Value>) -> Value {
    json!({ "count": items.len(), "list": items })
}

/// The path an API is reached at: its context with `{version}` filled in (version-type
/// `context`) or followed by `/VERSION` (version-type `url`); `/` for the root context.
fn api_path(api: &ApiConfig) -> String {
    let mut path = api.effective_context();
    if let Some(v) = &api.version
        && v.version_type == VersionType::Url
    {
        path.push('/');
        path.push_str(&v.version);
    }
    if path.is_empty() {
        path.push('/');
    }
    path
}

/// An API in a list: `name` (as deployed: `name` or `name:vVERSION`), `url`, `context`,
/// `version`, `stats`, `tracing`.
pub(crate) fn api_summary(api: &ApiConfig, base_url: &str) -> Value {
    json!({
        "name": api.qualified_name(),
        "url": format!("{base_url}{}", api_path(api)),
        "context": api_path(api),
        "version": version(api),
        "stats": enabled(api.statistics),
        "tracing": enabled(api.trace),
    })
}

fn version(api: &ApiConfig) -> &str {
    match api.version_str() {
        "" => NOT_APPLICABLE,
        v => v,
    }
}

/// One API: the summary plus `host` and `port` (when it is limited to them), `resources`
/// (each `methods` and `url`, the uri-template or url-mapping, with `dispatch` saying which)
/// and `configuration`.
pub(crate) fn api_detail(api: &ApiConfig, base_url: &str) -> Value {
    let mut object = as_object(api_summary(api, base_url));
    if let Some(host) = &api.hostname {
        object.insert("host".into(), json!(host));
    }
    if let Some(port) = api.port {
        object.insert("port".into(), json!(port));
    }
    let resources: Vec<Value> = api
        .resources
        .iter()
        .map(|r| {
            // A resource that lists no method takes every one.
            let methods: Vec<&str> = if r.methods.is_empty() {
                Method::ALL.iter().map(|m| m.as_str()).collect()
            } else {
                r.methods.iter().map(|m| m.as_str()).collect()
            };
            let (dispatch, url) = match &r.dispatch {
                ResourceDispatch::UriTemplate(t) => ("uri-template", t.as_str()),
                ResourceDispatch::UrlMapping(m) => ("url-mapping", m.as_str()),
                ResourceDispatch::Default => ("default", NOT_APPLICABLE),
            };
            json!({ "methods": methods, "url": url, "dispatch": dispatch })
        })
        .collect();
    object.insert("resources".into(), Value::Array(resources));
    object.insert(
        "configuration".into(),
        configuration(&spec_to_xml(&api.to_spec())),
    );
    Value::Object(object)
}

/// The URL a proxy service is reached at.
fn proxy_url(proxy: &ProxyConfig, base_url: &str) -> String {
    format!("{base_url}/services/{}", proxy.name)
}

/// A proxy service in a list: `name`, `url`, and `wsdl1_1` / `wsdl2_0` (where its WSDL is
/// served, as in MI).
pub(crate) fn proxy_summary(proxy: &ProxyConfig, base_url: &str) -> Value {
    let url = proxy_url(proxy, base_url);
    json!({
        "name": proxy.name,
        "url": url,
        "wsdl1_1": format!("{url}?wsdl"),
        "wsdl2_0": format!("{url}?wsdl2"),
    })
}

/// One proxy service: the summary plus `stats`, `tracing`, `eprs` (the URLs it is reached at),
/// `isRunning` (`startOnLoad`), `transports` and `configuration`.
pub(crate) fn proxy_detail(proxy: &ProxyConfig, base_url: &str) -> Value {
    let mut object = as_object(proxy_summary(proxy, base_url));
    object.insert("stats".into(), json!(enabled(proxy.statistics)));
    object.insert("tracing".into(), json!(enabled(proxy.trace)));
    object.insert("eprs".into(), json!([proxy_url(proxy, base_url)]));
    object.insert("isRunning".into(), json!(proxy.start_on_load));
    object.insert("transports".into(), json!(proxy.transports));
    object.insert(
        "configuration".into(),
        configuration(&spec_to_xml(&proxy.to_spec())),
    );
    Value::Object(object)
}

/// An endpoint's type: the element that decides it (`address`, `http`, `default`,
/// `loadbalance`, `failover`, `recipientlist`), `template` for one made from a template,
/// `indirect` / `resolving` for `<endpoint key>` / `<endpoint key-expression>`.
pub(crate) fn endpoint_type(definition: &EndpointDefinition) -> &'static str {
    match &definition.kind {
        EndpointKind::Address(_) => "address",
        EndpointKind::Http(_) => "http",
        EndpointKind::Default(_) => "default",
        EndpointKind::Loadbalance(_) => "loadbalance",
        EndpointKind::Failover(_) => "failover",
        EndpointKind::RecipientList(_) => "recipientlist",
        EndpointKind::Template(_) => "template",
        EndpointKind::Indirect { .. } => "indirect",
        EndpointKind::Resolving { .. } => "resolving",
        _ => "unknown",
    }
}

/// An endpoint in a list: `name`, `type`, `isActive`, `state`.
pub(crate) fn endpoint_summary(endpoint: &EndpointConfig, status: EndpointStatus) -> Value {
    json!({
        "name": endpoint.name(),
        "type": endpoint_type(&endpoint.definition),
        "isActive": status.state == super::EndpointState::Active,
        "state": status.state.as_str(),
    })
}

/// One endpoint: the summary plus what it sends to (`address`; `uriTemplate` and `method`;
/// `template` and `uri`; `key`; `keyExpression`; the `endpoints` of a group, each a summary
/// without state), `retryInSeconds` for a timed-out or suspended one, `tracing`, `stats` and
/// `configuration`.
pub(crate) fn endpoint_detail(endpoint: &EndpointConfig, status: EndpointStatus) -> Value {
    let mut object = as_object(endpoint_summary(endpoint, status));
    let definition = &endpoint.definition;
    target(definition, &mut object);
    if let Some(retry_in) = status.retry_in {
        object.insert("retryInSeconds".into(), json!(retry_in.as_secs_f64()));
    }
    let settings = definition.settings();
    let trace = definition
        .trace
        .or(settings.and_then(|s| s.trace))
        .unwrap_or(false);
    let stats = definition
        .statistics
        .or(settings.and_then(|s| s.statistics))
        .unwrap_or(false);
    object.insert("tracing".into(), json!(enabled(trace)));
    object.insert("stats".into(), json!(enabled(stats)));
    object.insert(
        "configuration".into(),
        configuration(&spec_to_xml(&endpoint.to_spec())),
    );
    Value::Object(object)
}

/// What `definition` sends to, into `object`.
fn target(definition: &EndpointDefinition, object: &mut Map<String, Value>) {
    match &definition.kind {
        EndpointKind::Address(a) => {
            object.insert("address".into(), json!(a.uri));
        }
        EndpointKind::Http(h) => {
            object.insert("uriTemplate".into(), json!(h.uri_template));
            if let Some(m) = h.method {
                object.insert("method".into(), json!(m.as_str()));
            }
        }
        EndpointKind::Template(t) => {
            object.insert("template".into(), json!(t.template.as_str()));
            if let Some(uri) = &t.uri {
                object.insert("uri".into(), json!(uri));
            }
        }
        EndpointKind::Indirect { key } => {
            object.insert("key".into(), json!(key.as_str()));
        }
        EndpointKind::Resolving { key_expression } => {
            object.insert("keyExpression".into(), json!(key_expression));
        }
        _ => {}
    }
    let children = definition.children();
    if !children.is_empty() {
        let children: Vec<Value> = children
            .iter()
            .map(|child| {
                let mut object = Map::new();
                if let Some(name) = &child.name {
                    object.insert("name".into(), json!(name));
                }
                object.insert("type".into(), json!(endpoint_type(child)));
                target(child, &mut object);
                Value::Object(object)
            })
            .collect();
        object.insert("endpoints".into(), Value::Array(children));
    }
}

/// A sequence in a list: `name`, `stats`, `tracing`.
pub(crate) fn sequence_summary(sequence: &SequenceConfig) -> Value {
    json!({
        "name": sequence.name.as_deref().unwrap_or_default(),
        "stats": enabled_attr(sequence.statistics.as_deref()),
        "tracing": enabled_attr(sequence.trace.as_deref()),
    })
}

/// One sequence: the summary plus `mediators` (the element name of each, in order) and
/// `configuration`.
pub(crate) fn sequence_detail(sequence: &SequenceConfig) -> Value {
    let mut object = as_object(sequence_summary(sequence));
    let mediators: Vec<&str> = sequence.mediators.iter().map(|m| m.kind.as_str()).collect();
    object.insert("mediators".into(), json!(mediators));
    object.insert(
        "configuration".into(),
        configuration(&spec_to_xml(&sequence.to_spec("sequence"))),
    );
    Value::Object(object)
}

/// A template's `type`: `sequence` or `endpoint`.
pub(crate) fn template_type(template: &TemplateConfig) -> &'static str {
    match template.body {
        TemplateBody::Sequence(_) => "sequence",
        TemplateBody::Endpoint(_) => "endpoint",
    }
}

/// A template: `name`, `type`, `Parameters` (their names) and `configuration` (MI shows all of
/// it in lists too).
pub(crate) fn template_detail(template: &TemplateConfig) -> Value {
    let parameters: Vec<&str> = template
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    json!({
        "name": template.name,
        "type": template_type(template),
        "Parameters": parameters,
        "configuration": configuration(&spec_to_xml(&template.to_spec())),
    })
}

/// A local entry's `type`, as MI names it.
fn local_entry_type(entry: &LocalEntryConfig) -> &'static str {
    match entry.value {
        LocalEntryValue::Text(_) => "Inline Text",
        LocalEntryValue::Xml(_) => "Inline XML",
        LocalEntryValue::Src(_) => "Source URL",
    }
}

/// A local entry in a list: `name` (its key) and `type`.
pub(crate) fn local_entry_summary(entry: &LocalEntryConfig) -> Value {
    json!({ "name": entry.key, "type": local_entry_type(entry) })
}

/// One local entry: the summary plus `value` (secrets masked; for a `src` entry what was read
/// from it, or `null`), `src`, `description` and `configuration`.
pub(crate) fn local_entry_detail(entry: &LocalEntryConfig) -> Value {
    let mut object = as_object(local_entry_summary(entry));
    let value = entry.text().map(mask_secrets);
    object.insert("value".into(), json!(value));
    if let LocalEntryValue::Src(src) = &entry.value {
        object.insert("src".into(), json!(src));
    }
    if let Some(description) = &entry.description {
        object.insert("description".into(), json!(description));
    }
    object.insert(
        "configuration".into(),
        configuration(&spec_to_xml(&entry.to_spec())),
    );
    Value::Object(object)
}

/// The object of a value built as one.
fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(object) => object,
        _ => Map::new(),
    }
}
