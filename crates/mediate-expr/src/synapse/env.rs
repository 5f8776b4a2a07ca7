//! The environment a Synapse expression reads: payload, variables, headers, properties, params…

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use super::value::ExprValue;

/// Scope of `properties.<scope>.NAME` / `props.<scope>.NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyScope {
    /// `props.synapse.NAME`: the Synapse message-context (default scope) property.
    Synapse,
    /// `props.axis2.NAME`: the Axis2 message-context property.
    Axis2,
}

/// Kind of `params.<kind>.NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// `params.pathParams.NAME` (also `params.uriParams.NAME`): MI reads Synapse property `uri.var.NAME`.
    Path,
    /// `params.queryParams.NAME`: MI reads Synapse property `query.param.NAME`.
    Query,
    /// `params.functionParams.NAME`: a parameter of the enclosing sequence template.
    Function,
}

/// What a Synapse expression can read. Object-safe; the runtime implements it over its message
/// context, [`MapEnv`] implements it over plain maps.
///
/// Errors returned as `String` become evaluation errors of the expression.
pub trait SynapseEnv {
    /// The JSON payload; `Ok(None)` when the message has no JSON payload.
    fn payload_json(&self) -> Result<Option<Cow<'_, Value>>, String>;
    /// `true` when the payload is XML/SOAP (gives a clear error for `payload.x`).
    fn payload_is_xml(&self) -> bool {
        false
    }
    /// The value at a simple path (member names and indexes) of the JSON payload, read without
    /// building the whole payload tree when the environment can (e.g. straight from the raw
    /// bytes when nothing has parsed them yet). `None`: not available this way, so the evaluator
    /// asks [`payload_json`](Self::payload_json). `Some(Ok(None))`: the payload is JSON and
    /// has nothing at that path.
    fn payload_select(
        &self,
        _path: &[crate::jsonpath::PathStep],
    ) -> Option<Result<Option<Value>, String>> {
        None
    }
    /// An XML payload seen through MI's XML→JSON mapping, for `payload.a.b` on XML (MI reads it
    /// with JSONPath over `JsonUtil`'s JSON form of the body's first element). `Ok(None)` when
    /// the payload is not XML or the environment cannot map it.
    fn payload_xml_as_json(&self) -> Result<Option<Cow<'_, Value>>, String> {
        Ok(None)
    }
    /// The payload as text, for `${payload}` on XML or text payloads.
    fn payload_text(&self) -> Result<Option<String>, String> {
        Ok(None)
    }
    /// A variable (`vars.NAME`); `None` when not defined (MI: "Variable NAME is not defined").
    fn variable(&self, name: &str) -> Option<ExprValue>;
    /// A transport header (`headers.NAME`); case-insensitive lookup is the environment's job.
    fn header(&self, name: &str) -> Option<String>;
    /// A property of the given scope.
    fn property(&self, scope: PropertyScope, name: &str) -> Option<ExprValue>;
    /// A path, query or function parameter.
    fn param(&self, kind: ParamKind, name: &str) -> Option<String>;
    /// A config parameter (`configs.NAME`, MI's injected parameters).
    fn config(&self, _name: &str) -> Option<String> {
        None
    }
    /// Evaluates an XPath on the message (`xpath('…')`; `xpath('…', 'v')` passes `$var:v…`).
    /// `namespaces` are the prefix→URI pairs declared on the expression.
    fn xpath(&self, expression: &str, namespaces: &[(String, String)])
    -> Result<ExprValue, String>;
    /// The current time (`now()`).
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
    /// The time-zone offset used by `formatDateTime(millis, pattern)` (MI: JVM default zone).
    fn local_offset(&self, _at: chrono::DateTime<chrono::Utc>) -> chrono::FixedOffset {
        chrono::Offset::fix(&chrono::Utc)
    }
    /// A registry resource as text (`registry('gov:/x')`); `Err` when there is no registry.
    fn registry(&self, key: &str) -> Result<Option<String>, String> {
        let _ = key;
        Err("the registry is not supported in this runtime".to_owned())
    }
    /// A registry resource property (`registry('gov:/x').property('p')`).
    fn registry_property(&self, key: &str, name: &str) -> Result<Option<String>, String> {
        let _ = (key, name);
        Err("the registry is not supported in this runtime".to_owned())
    }
    /// A secure-vault secret (`secret('alias')`).
    fn secret(&self, alias: &str) -> Result<Option<String>, String> {
        let _ = alias;
        Err("secure vault secrets are not supported in this runtime".to_owned())
    }
    /// A HashiCorp vault secret (`hashicorp-vault([namespace,] path, field)`).
    fn hashicorp_secret(
        &self,
        namespace: Option<&str>,
        path: &str,
        field: &str,
    ) -> Result<Option<String>, String> {
        let _ = (namespace, path, field);
        Err("HashiCorp vault secrets are not supported in this runtime".to_owned())
    }
}

/// A [`SynapseEnv`] over plain maps, for tests and `mediate eval`.
///
/// Headers are matched case-insensitively. `xpath` is answered from [`MapEnv::xpath_results`]
/// (exact expression text) or fails with "not supported".
#[derive(Debug, Clone, Default)]
pub struct MapEnv {
    /// The JSON payload (`None`: no JSON payload).
    pub payload: Option<Value>,
    /// The payload as XML text (makes `payload_is_xml` true).
    pub xml_payload: Option<String>,
    /// Variables.
    pub variables: HashMap<String, ExprValue>,
    /// Transport headers.
    pub headers: HashMap<String, String>,
    /// Synapse-scope properties.
    pub synapse_properties: HashMap<String, ExprValue>,
    /// Axis2-scope properties.
    pub axis2_properties: HashMap<String, ExprValue>,
    /// Path (URI) parameters.
    pub path_params: HashMap<String, String>,
    /// Query parameters.
    pub query_params: HashMap<String, String>,
    /// Template function parameters.
    pub function_params: HashMap<String, String>,
    /// Config parameters.
    pub configs: HashMap<String, String>,
    /// Canned XPath answers, keyed by the expression text passed to [`SynapseEnv::xpath`].
    pub xpath_results: HashMap<String, ExprValue>,
    /// Registry resources.
    pub registry: HashMap<String, String>,
    /// Secrets.
    pub secrets: HashMap<String, String>,
    /// Fixed "now" (default: the clock).
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Offset for `formatDateTime(millis, …)` (default UTC).
    pub offset: Option<chrono::FixedOffset>,
}

impl MapEnv {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// An environment with a JSON payload.
    pub fn with_payload(payload: Value) -> Self {
        MapEnv {
            payload: Some(payload),
            ..Self::default()
        }
    }

    /// Adds a variable.
    pub fn var(mut self, name: &str, value: impl Into<ExprValue>) -> Self {
        self.variables.insert(name.to_owned(), value.into());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Adds a property.
    pub fn property(
        mut self,
        scope: PropertyScope,
        name: &str,
        value: impl Into<ExprValue>,
    ) -> Self {
        let map = match scope {
            PropertyScope::Synapse => &mut self.synapse_properties,
            PropertyScope::Axis2 => &mut self.axis2_properties,
        };
        map.insert(name.to_owned(), value.into());
        self
    }

    /// Adds a parameter.
    pub fn param(mut self, kind: ParamKind, name: &str, value: &str) -> Self {
        let map = match kind {
            ParamKind::Path => &mut self.path_params,
            ParamKind::Query => &mut self.query_params,
            ParamKind::Function => &mut self.function_params,
        };
        map.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Adds a config parameter.
    pub fn config(mut self, name: &str, value: &str) -> Self {
        self.configs.insert(name.to_owned(), value.to_owned());
        self
    }
}

impl SynapseEnv for MapEnv {
    fn payload_json(&self) -> Result<Option<Cow<'_, Value>>, String> {
        Ok(self.payload.as_ref().map(Cow::Borrowed))
    }

    fn payload_is_xml(&self) -> bool {
        self.payload.is_none() && self.xml_payload.is_some()
    }

    fn payload_text(&self) -> Result<Option<String>, String> {
        Ok(self.xml_payload.clone())
    }

    fn variable(&self, name: &str) -> Option<ExprValue> {
        self.variables.get(name).cloned()
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).cloned().or_else(|| {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        })
    }

    fn property(&self, scope: PropertyScope, name: &str) -> Option<ExprValue> {
        match scope {
            PropertyScope::Synapse => self.synapse_properties.get(name).cloned(),
            PropertyScope::Axis2 => self.axis2_properties.get(name).cloned(),
        }
    }

    fn param(&self, kind: ParamKind, name: &str) -> Option<String> {
        match kind {
            ParamKind::Path => self.path_params.get(name).cloned(),
            ParamKind::Query => self.query_params.get(name).cloned(),
            ParamKind::Function => self.function_params.get(name).cloned(),
        }
    }

    fn config(&self, name: &str) -> Option<String> {
        self.configs.get(name).cloned()
    }

    fn xpath(
        &self,
        expression: &str,
        _namespaces: &[(String, String)],
    ) -> Result<ExprValue, String> {
        self.xpath_results
            .get(expression)
            .cloned()
            .ok_or_else(|| format!("XPath is not supported by this environment: {expression}"))
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.now.unwrap_or_else(chrono::Utc::now)
    }

    fn local_offset(&self, _at: chrono::DateTime<chrono::Utc>) -> chrono::FixedOffset {
        self.offset
            .unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
    }

    fn registry(&self, key: &str) -> Result<Option<String>, String> {
        if self.registry.is_empty() {
            return Err("the registry is not supported in this runtime".to_owned());
        }
        Ok(self.registry.get(key).cloned())
    }

    fn registry_property(&self, key: &str, name: &str) -> Result<Option<String>, String> {
        if self.registry.is_empty() {
            return Err("the registry is not supported in this runtime".to_owned());
        }
        Ok(self.registry.get(&format!("{key}#{name}")).cloned())
    }

    fn secret(&self, alias: &str) -> Result<Option<String>, String> {
        if self.secrets.is_empty() {
            return Err("secure vault secrets are not supported in this runtime".to_owned());
        }
        Ok(self.secrets.get(alias).cloned())
    }
}
