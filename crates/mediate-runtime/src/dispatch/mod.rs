//! Request dispatch: which REST API and which of its resources take a request, exactly as
//! Synapse (MI 4.4) decides, with the `uri.var.*` and `query.param.*` values and the paths
//! the resource's sequences see. No networking: the server feeds [`Request`]s in.
//!
//! # How Synapse picks an API
//!
//! (wso2-synapse `api/AbstractApiHandler.java`, `api/API.java`, `api/ApiUtils.java`,
//! `api/version/*`, `config/SynapseConfiguration.java`.)
//!
//! 1. The APIs bound to the caller (`binds-to`; none: the HTTP listeners) are ordered by the
//!    length of their context, longest first (`SynapseConfiguration.reconstructAPITable`,
//!    a stable sort: equal lengths keep deployment order).
//! 2. Versioned APIs (`version-type="url"` or `"context"`) are tried first, then the others.
//!    There is no "default version": an unversioned API with the same context takes what no
//!    version takes.
//! 3. An API takes a request when the path is its context or continues it with `/` or `?`
//!    (`ApiUtils.matchApiPath`; context `/` takes every path); for `version-type="url"`, the
//!    segment after the context is the version; with `hostname`/`port`, the `Host` header
//!    must name them (no `Host`: no match; no port in it: 80 for http, 443 for https); with
//!    `transports`, the request came in over it.
//!
//! No API: [`Dispatch::NoApi`] (Synapse hands the message on, to proxy services and the main
//! sequence).
//!
//! # How Synapse picks a resource
//!
//! (`API.process`, `Resource.canProcess`, `api/dispatch/*`.) The *sub-path* is the path after
//! the context (and after `/version` for `version-type="url"`), query included, `/` when empty.
//!
//! 1. The acceptable resources, in document order, are those bound to the caller whose
//!    `protocol`, `methods` (none: all; `OPTIONS` always), `content-type` (compared with the
//!    whole `Content-Type` header, only when the request has a body) and `user-agent` (a regular
//!    expression the whole `User-Agent` must match) accept the request.
//! 2. `url-mapping`s first: the first exact mapping, else the longest path-prefix mapping (the
//!    first wins a tie), else the first extension mapping.
//! 3. Then `uri-template`s in order (see [`UriTemplate`]).
//! 4. Then the first default resource.
//!
//! No acceptable resource takes the sub-path: [`Dispatch::NoResource`] (404). No resource is
//! acceptable at all: the same search runs over every resource; one that takes the path but
//! not the method gives [`Dispatch::MethodNotAllowed`] (405), one that takes both (so a filter
//! refused the request) [`Dispatch::Refused`] (400), none [`Dispatch::NoResource`].

mod decode;
mod uri_template;
mod url_mapping;

use std::sync::Arc;

use http::{HeaderMap, StatusCode};
use mediate_config::{ApiConfig, Protocol, ResourceConfig, ResourceDispatch, VersionType};
use regex::Regex;

pub use uri_template::{TemplateError, UriTemplate};
use url_mapping::UrlMapping;

/// The binding of an API or resource without `binds-to` (Synapse's `default`).
const DEFAULT_BINDING: &str = "default";

/// Picks the API and resource for requests. Build it once per deployed configuration.
///
/// ```
/// use std::sync::Arc;
/// use http::{HeaderMap, Method};
/// use mediate_config::{ArtifactConfig, load_str};
/// use mediate_runtime::dispatch::{Dispatch, Dispatcher};
///
/// let registry = mediate_mediators::builtins::registry();
/// let xml = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="Orders" context="/orders">
///     <resource methods="GET" uri-template="/{id}"><inSequence><respond/></inSequence></resource>
/// </api>"#;
/// let apis = load_str(xml, "orders.xml".as_ref(), &registry)?
///     .into_iter()
///     .filter_map(|a| match a { ArtifactConfig::Api(api) => Some(Arc::new(api)), _ => None });
/// let dispatcher = Dispatcher::new(apis);
///
/// let headers = HeaderMap::new();
/// let Dispatch::Matched(m) = dispatcher.dispatch(&Method::GET, "/orders/42?v=1", None, &headers) else {
///     panic!("matched")
/// };
/// assert_eq!(m.api().name, "Orders");
/// assert_eq!(m.uri_var("id"), Some("42"));
/// assert_eq!(m.query_param("v"), Some("1"));
/// assert_eq!(m.rest_url_postfix(), "/42?v=1");
///
/// let miss = dispatcher.dispatch(&Method::POST, "/orders/42", None, &headers);
/// assert_eq!(miss.status(), Some(http::StatusCode::METHOD_NOT_ALLOWED));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dispatcher {
    /// Longest context first.
    apis: Vec<CompiledApi>,
}

#[derive(Debug, Clone)]
struct CompiledApi {
    api: Arc<ApiConfig>,
    /// The effective context (`{version}` replaced, trailing `/` removed; `""` for `/`).
    context: String,
    bindings: Vec<String>,
    resources: Vec<CompiledResource>,
}

#[derive(Debug, Clone)]
struct CompiledResource {
    matcher: Matcher,
    /// `user-agent`, anchored; `Err` when it does not compile (the resource then takes no
    /// request that a user-agent check would see).
    user_agent: Option<Result<Regex, ()>>,
    bindings: Vec<String>,
}

#[derive(Debug, Clone)]
enum Matcher {
    Mapping(UrlMapping),
    /// `None` when Synapse would have refused the template (it never matches).
    Template(Option<UriTemplate>),
    Default,
}

/// What a request looks like to dispatch.
///
/// ```
/// use http::Method;
/// use mediate_config::Protocol;
/// use mediate_runtime::dispatch::Request;
///
/// let headers = http::HeaderMap::new();
/// let request = Request::new(&Method::GET, "/orders/1", &headers)
///     .host(Some("example.com:8243"))
///     .transport(Protocol::Https);
/// assert_eq!(request.path_and_query(), "/orders/1");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    method: &'a http::Method,
    path_and_query: &'a str,
    host: Option<&'a str>,
    headers: &'a HeaderMap,
    transport: Protocol,
    has_body: Option<bool>,
    binding: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// A request over plain HTTP through the HTTP listener, its `Host` taken from `headers`.
    pub fn new(method: &'a http::Method, path_and_query: &'a str, headers: &'a HeaderMap) -> Self {
        Request {
            method,
            path_and_query,
            host: None,
            headers,
            transport: Protocol::Http,
            has_body: None,
            binding: None,
        }
    }

    /// The authority (`host[:port]`) when it is not (only) in a `Host` header, as with HTTP/2.
    pub fn host(mut self, host: Option<&'a str>) -> Self {
        self.host = host;
        self
    }

    /// The transport the request came in over (`http` unless told).
    pub fn transport(mut self, transport: Protocol) -> Self {
        self.transport = transport;
        self
    }

    /// Whether the request has a body; unless told, it has one when it has a `Content-Length`
    /// or `Transfer-Encoding` header (a resource's `content-type` is only checked then).
    pub fn has_body(mut self, has_body: bool) -> Self {
        self.has_body = Some(has_body);
        self
    }

    /// The inbound endpoint the request came through (Synapse's `API_CALLER`), for
    /// `binds-to`; none: the HTTP listeners.
    pub fn binding(mut self, binding: Option<&'a str>) -> Self {
        self.binding = binding;
        self
    }

    /// The request target as received.
    pub fn path_and_query(&self) -> &'a str {
        self.path_and_query
    }

    fn header(&self, name: http::header::HeaderName) -> Option<&'a str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn host_header(&self) -> Option<&'a str> {
        self.host.or_else(|| self.header(http::header::HOST))
    }

    fn body(&self) -> bool {
        self.has_body.unwrap_or_else(|| {
            self.headers.contains_key(http::header::CONTENT_LENGTH)
                || self.headers.contains_key(http::header::TRANSFER_ENCODING)
        })
    }
}

/// Where a request goes.
#[derive(Debug, Clone)]
pub enum Dispatch {
    /// A resource takes it.
    Matched(Match),
    /// No API takes it: Synapse hands the message on (proxy services, the main sequence).
    NoApi,
    /// The API takes it but none of its resources: Synapse runs the sequence
    /// `_resource_mismatch_handler_` when there is one, else answers 404 with no body.
    NoResource {
        /// The API.
        api: Arc<ApiConfig>,
    },
    /// No resource accepts the request, and the first that takes its path does not take its
    /// method: 405 with no body.
    MethodNotAllowed {
        /// The API.
        api: Arc<ApiConfig>,
        /// The index of the resource that takes the path.
        resource: usize,
    },
    /// No resource accepts the request, and the first that takes its path takes its method
    /// too: one of its other filters (`protocol`, `content-type`, `user-agent`, `binds-to`)
    /// refused it. 400 with no body.
    Refused {
        /// The API.
        api: Arc<ApiConfig>,
        /// The index of the resource that takes the path and method.
        resource: usize,
    },
    /// A resource takes it but its query has an escape `URLDecoder` refuses (`%zz`, `%4`):
    /// Synapse fails the request with 400.
    BadQuery {
        /// The API.
        api: Arc<ApiConfig>,
        /// The index of the resource.
        resource: usize,
        /// The query parameter whose value is bad.
        param: String,
    },
}

impl Dispatch {
    /// The status MI answers with when nothing mediates the request: `None` for a match (the
    /// resource's sequences answer) and for [`NoApi`](Self::NoApi) (other handlers may take
    /// it), 404, 405 or 400 for the other misses.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Dispatch::Matched(_) | Dispatch::NoApi => None,
            Dispatch::NoResource { .. } => Some(StatusCode::NOT_FOUND),
            Dispatch::MethodNotAllowed { .. } => Some(StatusCode::METHOD_NOT_ALLOWED),
            Dispatch::Refused { .. } | Dispatch::BadQuery { .. } => Some(StatusCode::BAD_REQUEST),
        }
    }

    /// The match, if a resource takes the request.
    pub fn matched(&self) -> Option<&Match> {
        match self {
            Dispatch::Matched(m) => Some(m),
            _ => None,
        }
    }
}

/// A request a resource takes, with what Synapse sets on the message for it.
#[derive(Debug, Clone)]
pub struct Match {
    api: Arc<ApiConfig>,
    resource: usize,
    uri_vars: Vec<(String, String)>,
    query_params: Vec<(String, String)>,
    rest_url_postfix: String,
    full_request_path: String,
    sub_request_path: String,
}

impl Match {
    /// The API.
    pub fn api(&self) -> &Arc<ApiConfig> {
        &self.api
    }

    /// The resource's index in [`ApiConfig::resources`].
    pub fn resource_index(&self) -> usize {
        self.resource
    }

    /// The resource.
    pub fn resource(&self) -> &ResourceConfig {
        // The dispatcher only makes matches with an index of one of the API's resources.
        &self.api.resources[self.resource]
    }

    /// The uri-template variables (`uri.var.NAME`), decoded, in the order they were bound.
    pub fn uri_vars(&self) -> &[(String, String)] {
        &self.uri_vars
    }

    /// One `uri.var.NAME`.
    pub fn uri_var(&self, name: &str) -> Option<&str> {
        lookup(&self.uri_vars, name)
    }

    /// The query parameters (`query.param.NAME`): names as written, values decoded, the last
    /// of a repeated name kept, a piece without `=` added to the value before it (`a=1&2` is
    /// `a` = `1&2`), as Synapse's `populateQueryParamsToMessageContext` does.
    pub fn query_params(&self) -> &[(String, String)] {
        &self.query_params
    }

    /// One `query.param.NAME`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        lookup(&self.query_params, name)
    }

    /// `REST_URL_POSTFIX`: the request path after the context (and the version, for
    /// `version-type="url"`), query included, not decoded; what an endpoint without
    /// `uri-template` appends to its address.
    pub fn rest_url_postfix(&self) -> &str {
        &self.rest_url_postfix
    }

    /// `REST_FULL_REQUEST_PATH`: the path and query as received.
    pub fn full_request_path(&self) -> &str {
        &self.full_request_path
    }

    /// `REST_SUB_REQUEST_PATH`: the path resources are matched against (after the context and
    /// URL version, query included, `/` when empty).
    pub fn sub_request_path(&self) -> &str {
        &self.sub_request_path
    }

    /// Moves out `(REST_URL_POSTFIX, REST_FULL_REQUEST_PATH, REST_SUB_REQUEST_PATH)` for the
    /// message, leaving them empty here (the rest of the match is kept).
    pub fn take_paths(&mut self) -> (String, String, String) {
        (
            std::mem::take(&mut self.rest_url_postfix),
            std::mem::take(&mut self.full_request_path),
            std::mem::take(&mut self.sub_request_path),
        )
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

impl Dispatcher {
    /// A dispatcher over the deployed APIs, in deployment order.
    pub fn new(apis: impl IntoIterator<Item = Arc<ApiConfig>>) -> Self {
        let mut apis: Vec<CompiledApi> = apis.into_iter().map(compile).collect();
        // Stable: equal lengths keep deployment order. Java compares UTF-16 lengths.
        apis.sort_by_key(|a| std::cmp::Reverse(a.context.encode_utf16().count()));
        Dispatcher { apis }
    }

    /// The APIs, in the order they are tried (longest context first).
    pub fn apis(&self) -> impl Iterator<Item = &Arc<ApiConfig>> {
        self.apis.iter().map(|a| &a.api)
    }

    /// Dispatches a plain-HTTP request through the HTTP listener. `host` is the authority
    /// when it is not in a `Host` header (HTTP/2); see [`dispatch_request`](Self::dispatch_request)
    /// for the other inputs.
    pub fn dispatch(
        &self,
        method: &http::Method,
        path_and_query: &str,
        host: Option<&str>,
        headers: &HeaderMap,
    ) -> Dispatch {
        self.dispatch_request(&Request::new(method, path_and_query, headers).host(host))
    }

    /// Dispatches a request.
    pub fn dispatch_request(&self, request: &Request<'_>) -> Dispatch {
        let path = full_request_path(request.path_and_query);
        let binding = request.binding.unwrap_or(DEFAULT_BINDING);
        let bound = || {
            self.apis
                .iter()
                .filter(|a| a.bindings.iter().any(|b| b == binding))
        };
        let api = bound()
            .filter(|a| a.api.version.is_some())
            .find(|a| api_takes(a, path, request))
            .or_else(|| {
                bound()
                    .filter(|a| a.api.version.is_none())
                    .find(|a| api_takes(a, path, request))
            });
        match api {
            Some(api) => resource_for(api, path, request, binding),
            None => Dispatch::NoApi,
        }
    }
}

fn compile(api: Arc<ApiConfig>) -> CompiledApi {
    let context = api.effective_context();
    let api_bindings = if api.binds_to.is_empty() {
        vec![DEFAULT_BINDING.to_owned()]
    } else {
        api.binds_to.clone()
    };
    let resources = api
        .resources
        .iter()
        .map(|r| CompiledResource {
            matcher: match &r.dispatch {
                ResourceDispatch::UrlMapping(m) => Matcher::Mapping(UrlMapping::parse(m)),
                ResourceDispatch::UriTemplate(t) => Matcher::Template(UriTemplate::parse(t).ok()),
                ResourceDispatch::Default => Matcher::Default,
            },
            user_agent: r
                .user_agent
                .as_ref()
                .map(|ua| Regex::new(&format!("^(?:{ua})$")).map_err(|_| ())),
            bindings: if r.binds_to.is_empty() {
                api_bindings.clone()
            } else {
                r.binds_to.clone()
            },
        })
        .collect();
    CompiledApi {
        api,
        context,
        bindings: api_bindings,
        resources,
    }
}

/// `ApiUtils.getFullRequestPath`: an absolute URL loses its scheme and authority.
fn full_request_path(target: &str) -> &str {
    for scheme in ["http://", "https://"] {
        if let Some(rest) = target.strip_prefix(scheme) {
            return rest.find(['/', '?']).map_or("", |i| &rest[i..]);
        }
    }
    target
}

/// `API.canProcess` for a request.
fn api_takes(api: &CompiledApi, path: &str, request: &Request<'_>) -> bool {
    let context = api.context.as_str();
    let on_context = context.is_empty()
        || path == context
        || path
            .strip_prefix(context)
            .is_some_and(|rest| rest.starts_with(['/', '?']));
    if !on_context {
        return false;
    }
    if let Some(v) = &api.api.version
        && v.version_type == VersionType::Url
        && url_version(path, context) != Some(v.version.as_str())
    {
        return false;
    }
    if (api.api.hostname.is_some() || api.api.port.is_some())
        && !host_matches(api, request.host_header(), request.transport)
    {
        return false;
    }
    api.api.transport.is_none_or(|t| t == request.transport)
}

/// `URLBasedVersionStrategy.isMatchingVersion`: the segment after the context, up to `/` or
/// `?`.
fn url_version<'p>(path: &'p str, context: &str) -> Option<&'p str> {
    let after = path.strip_prefix(context)?.strip_prefix('/')?;
    let slash = after.find('/');
    let query = after.find('?');
    Some(match (slash, query) {
        (Some(s), q) if q.is_none_or(|q| s < q) => &after[..s],
        (_, Some(q)) => &after[..q],
        _ => after,
    })
}

fn host_matches(api: &CompiledApi, host: Option<&str>, transport: Protocol) -> bool {
    let Some(host) = host else {
        return false;
    };
    let (name, port) = match host.split_once(':') {
        Some((n, p)) => (n, p.parse::<u16>().ok()),
        None => (
            host,
            Some(match transport {
                Protocol::Http => 80,
                Protocol::Https => 443,
            }),
        ),
    };
    api.api.hostname.as_deref().is_none_or(|h| h == name)
        && api.api.port.is_none_or(|p| Some(p) == port)
}

/// `API.process` once the API is chosen.
fn resource_for(api: &CompiledApi, path: &str, request: &Request<'_>, binding: &str) -> Dispatch {
    let config = &api.api;
    let url_version = config
        .version
        .as_ref()
        .filter(|v| v.version_type == VersionType::Url);
    let skip = api.context.len() + url_version.map_or(0, |v| v.version.len() + 1);
    let sub = match path.get(skip..) {
        Some("") | None => "/",
        Some(s) => s,
    };
    let acceptable = Candidates::new(api.resources.len(), |i| {
        api.resources[i].bindings.iter().any(|b| b == binding)
            && config
                .resources
                .get(i)
                .is_some_and(|r| resource_accepts(r, &api.resources[i], request))
    });
    if !acceptable.is_empty() {
        return match find(api, |i| acceptable.contains(i), sub) {
            Some((resource, uri_vars)) => matched(
                api,
                resource,
                uri_vars,
                path,
                sub,
                url_version.map(|v| &*v.version),
            ),
            None => Dispatch::NoResource {
                api: config.clone(),
            },
        };
    }
    match find(api, |_| true, sub) {
        None => Dispatch::NoResource {
            api: config.clone(),
        },
        Some((resource, _)) if !method_accepted(&config.resources[resource], request.method) => {
            Dispatch::MethodNotAllowed {
                api: config.clone(),
                resource,
            }
        }
        Some((resource, _)) => Dispatch::Refused {
            api: config.clone(),
            resource,
        },
    }
}

/// The resources of an API that may take a request, by index: a bit each for up to 64
/// resources (nothing allocated per request), a vector beyond.
enum Candidates {
    Few(u64),
    Many(Vec<bool>),
}

impl Candidates {
    /// The indexes below `count` that `accepts`, each asked once.
    fn new(count: usize, accepts: impl Fn(usize) -> bool) -> Self {
        if count <= 64 {
            Self::Few(
                (0..count)
                    .filter(|&i| accepts(i))
                    .fold(0, |bits, i| bits | 1 << i),
            )
        } else {
            Self::Many((0..count).map(accepts).collect())
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::Few(bits) => *bits == 0,
            Self::Many(all) => !all.contains(&true),
        }
    }

    fn contains(&self, i: usize) -> bool {
        match self {
            Self::Few(bits) => i < 64 && bits & (1 << i) != 0,
            Self::Many(all) => all.get(i).copied().unwrap_or(false),
        }
    }
}

/// `Resource.hasMatchingMethod`.
fn method_accepted(resource: &ResourceConfig, method: &http::Method) -> bool {
    method == http::Method::OPTIONS
        || resource.methods.is_empty()
        || resource
            .methods
            .iter()
            .any(|m| m.as_str() == method.as_str())
}

/// `Resource.canProcess` for a request (bindings aside).
fn resource_accepts(
    config: &ResourceConfig,
    compiled: &CompiledResource,
    request: &Request<'_>,
) -> bool {
    if config.protocol.is_some_and(|p| p != request.transport) {
        return false;
    }
    if request.method == http::Method::OPTIONS {
        return true;
    }
    if !method_accepted(config, request.method) {
        return false;
    }
    if let Some(ct) = &config.content_type
        && request.body()
        && request.header(http::header::CONTENT_TYPE) != Some(ct.as_str())
    {
        return false;
    }
    if let Some(ua) = &compiled.user_agent {
        let agent = request.header(http::header::USER_AGENT);
        match (ua, agent) {
            (Ok(re), Some(agent)) if re.is_match(agent) => {}
            _ => return false,
        }
    }
    true
}

/// The dispatchers in Synapse's order over the candidate resources: url-mappings, then
/// uri-templates, then the default resource.
fn find(
    api: &CompiledApi,
    candidate: impl Fn(usize) -> bool,
    sub: &str,
) -> Option<(usize, Vec<(String, String)>)> {
    // The candidates in order (resource indexes), without collecting them.
    let candidates = || (0..api.resources.len()).filter(|&i| candidate(i));
    let mappings = || {
        candidates().filter_map(|i| match &api.resources[i].matcher {
            Matcher::Mapping(m) => Some((i, m)),
            _ => None,
        })
    };
    if let Some((i, _)) = mappings().find(|(_, m)| m.is_exact_match(sub)) {
        return Some((i, Vec::new()));
    }
    let mut best: Option<(usize, usize)> = None;
    for (i, m) in mappings() {
        let length = m.prefix_matching_length(sub);
        if length > best.map_or(0, |(_, l)| l) {
            best = Some((i, length));
        }
    }
    if let Some((i, _)) = best {
        return Some((i, Vec::new()));
    }
    if let Some((i, _)) = mappings().find(|(_, m)| m.is_extension_match(sub)) {
        return Some((i, Vec::new()));
    }
    for i in candidates() {
        if let Matcher::Template(Some(t)) = &api.resources[i].matcher
            && let Some(vars) = t.matches(sub)
        {
            return Some((i, vars));
        }
    }
    candidates()
        .find(|&i| matches!(api.resources[i].matcher, Matcher::Default))
        .map(|i| (i, Vec::new()))
}

fn matched(
    api: &CompiledApi,
    resource: usize,
    uri_vars: Vec<(String, String)>,
    path: &str,
    sub: &str,
    url_version: Option<&str>,
) -> Dispatch {
    let query_params = match query_params(path) {
        Ok(q) => q,
        Err(param) => {
            return Dispatch::BadQuery {
                api: api.api.clone(),
                resource,
                param,
            };
        }
    };
    Dispatch::Matched(Match {
        api: api.api.clone(),
        resource,
        uri_vars,
        query_params,
        rest_url_postfix: rest_url_postfix(path, &api.context, url_version),
        full_request_path: path.to_owned(),
        sub_request_path: sub.to_owned(),
    })
}

/// `API.process`'s `REST_URL_POSTFIX`.
fn rest_url_postfix(path: &str, context: &str, url_version: Option<&str>) -> String {
    // Cut as slices and copied once at the end (a path without a leading `/` gets one first).
    let slashed;
    let mut postfix = if path.starts_with('/') {
        path
    } else {
        slashed = format!("/{path}");
        slashed.as_str()
    };
    if let Some(rest) = postfix.strip_prefix(context) {
        postfix = rest;
    }
    if let Some(version) = url_version {
        if let Some(rest) = postfix.strip_prefix(version) {
            postfix = rest;
        } else if let Some(rest) = postfix
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(version))
        {
            postfix = rest;
        }
    }
    postfix.to_owned()
}

/// `ApiUtils.populateQueryParamsToMessageContext`; `Err` names the parameter whose value does
/// not decode.
fn query_params(path: &str) -> Result<Vec<(String, String)>, String> {
    let mut params: Vec<(String, String)> = Vec::new();
    let Some((_, query)) = path.split_once('?') else {
        return Ok(params);
    };
    let mut last: Option<String> = None;
    for entry in decode::java_split(query, '&') {
        match entry.split_once('=') {
            Some((name, value)) => {
                let value = decode::url_decode(value).map_err(|_| name.to_owned())?;
                set(&mut params, name, value);
                last = Some(name.to_owned());
            }
            None => {
                // A piece without `=` continues the value before it (`a=1&2`). Synapse would
                // store `null&…` under `query.param.null` when there is none; mediate skips it.
                if let Some(name) = &last
                    && let Some((_, v)) = params.iter_mut().find(|(n, _)| n == name)
                {
                    v.push('&');
                    v.push_str(entry);
                }
            }
        }
    }
    Ok(params)
}

fn set(params: &mut Vec<(String, String)>, name: &str, value: String) {
    match params.iter_mut().find(|(n, _)| n == name) {
        Some((_, v)) => *v = value,
        None => params.push((name.to_owned(), value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_paths() {
        assert_eq!(full_request_path("/a?b"), "/a?b");
        assert_eq!(full_request_path("http://h:80/a?b"), "/a?b");
        assert_eq!(full_request_path("https://h?x"), "?x");
    }

    #[test]
    fn url_versions() {
        assert_eq!(url_version("/ctx/1.0/x", "/ctx"), Some("1.0"));
        assert_eq!(url_version("/ctx/1.0?a=/b", "/ctx"), Some("1.0"));
        assert_eq!(url_version("/ctx/1.0", "/ctx"), Some("1.0"));
        assert_eq!(url_version("/ctx", "/ctx"), None);
    }

    #[test]
    fn postfixes() {
        assert_eq!(rest_url_postfix("/ctx/a?b=1", "/ctx", None), "/a?b=1");
        assert_eq!(rest_url_postfix("/ctx", "/ctx", None), "");
        assert_eq!(rest_url_postfix("/ctx/1.0/a", "/ctx", Some("1.0")), "/a");
        assert_eq!(rest_url_postfix("/x", "", None), "/x");
    }

    #[test]
    fn queries() {
        assert_eq!(
            query_params("/a?x=1&y=a%20b&x=2&z=&w=p&q"),
            Ok(vec![
                ("x".into(), "2".into()),
                ("y".into(), "a b".into()),
                ("z".into(), String::new()),
                ("w".into(), "p&q".into()),
            ])
        );
        assert_eq!(query_params("/a?k=%zz"), Err("k".to_owned()));
        assert_eq!(query_params("/a?orphan"), Ok(vec![]));
    }
}
