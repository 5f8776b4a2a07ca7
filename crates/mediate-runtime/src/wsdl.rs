//! Proxy service WSDLs, served as MI serves them: `GET /services/NAME?wsdl` (and `?wsdl2`,
//! `?xsd=…`, `?wsdl=…`) is answered by the transport, without running the proxy's flow.
//!
//! (wso2-synapse `core/axis2/ProxyService.buildAxisService` and `config/xml/ProxyServiceFactory`;
//! MI's `PassThroughNHttpGetProcessor` and `core/transports/util/AbstractWsdlProcessor`;
//! Synapse's `transport/nhttp/DefaultHttpGetProcessor`; Axis2's `AxisService.printWSDL` and
//! `AxisService2WSDL11`.)
//!
//! # At deploy time
//!
//! `<publishWSDL>` names the WSDL by `endpoint`, `key`, `uri` or inline, in that order of
//! precedence (`ProxyServiceFactory`):
//!
//! - inline: the `wsdl:definitions` (WSDL 1.1) or `wsdl2:description` (WSDL 2.0) as written;
//! - `key`: the local entry or registry resource of that key (MI's key forms: `conf:a` is
//!   `conf:/a`, a key without prefix that names nothing locally is `gov:/key`); it must hold XML
//!   (MI: "Unable to locate the specified WSDL to build the service");
//! - `uri`: a `file:` URI is read now (a relative path from the project folder, the folder
//!   holding `src/main/…`, or in a flat folder from the proxy file's folder; MI reads it from
//!   its home folder). An `http:`/`https:` URI is fetched on the first `?wsdl` request, through
//!   the endpoints' HTTP client, and kept: MI fetches it when it deploys the proxy, and a
//!   deployment never waits on the network here. Other schemes are refused;
//! - `endpoint`: the WSDL of the named address endpoint, its address with `?wsdl` (fetched like
//!   an `http:` URI); another kind of endpoint is refused, as MI refuses it.
//!
//! A WSDL that cannot be read, is not XML, or whose root is not WSDL 1.1 or 2.0 fails the
//! deployment with a diagnostic naming the proxy and the file, as MI fails the proxy
//! ("Error reading from wsdl URI", "Unknown WSDL format"). The imports a WSDL makes
//! (`xsd:import`/`include`/`redefine` `schemaLocation`, `wsdl:import` `location`) with a relative
//! location are resolved as Synapse resolves them: first by `<resource location key>`, then
//! beside the WSDL file; each becomes `NAME?xsd=LOCATION` (or `NAME?wsdl=LOCATION`) in what is
//! served, as Axis2 rewrites them, and is served there. A relative import that nothing
//! resolves fails the deployment (Axis2 cannot build the service either). Imports of a fetched
//! WSDL that no `<resource>` names are made absolute against its URL.
//!
//! # Serving
//!
//! A `GET` to `/services/NAME` (or `/services/NAME.ENDPOINT`) whose query starts with `wsdl`,
//! `wsdl2` or `xsd` (alone, or followed by `=` or `&`, as MI's GET processor matches it):
//!
//! - `?wsdl`: the WSDL 1.1 with `Content-Type: text/xml`. Its `wsdl:service` elements are
//!   replaced by one named after the proxy, with Axis2's ports `NAMEHttpSoap11Endpoint`,
//!   `NAMEHttpSoap12Endpoint` and `NAMEHttpEndpoint` (`Https…` over HTTPS) on the WSDL's own
//!   SOAP 1.1, SOAP 1.2 and HTTP bindings, at `SCHEME://HOST/services/NAME.PORT` (`HOST` from
//!   the request's `Host` header, so the port is the one the client reached; `SCHEME` is `https`
//!   when the request came over TLS, which the listener marks with
//!   [`Https`](mediate_transport_http::Https)). With the parameter `useOriginalwsdl` = `true` the WSDL is
//!   served as written, each port address of the request's scheme rewritten to the proxy's
//!   address (`modifyUserWSDLPortAddress` = `false`: not rewritten). A proxy without
//!   `<publishWSDL>` gets the WSDL Axis2 generates for Synapse's `mediate` operation;
//! - `?wsdl2`: a WSDL 2.0 document, its endpoint addresses rewritten the same way; a proxy
//!   without `<publishWSDL>` answers MI's "No WSDL was provided for the Service NAME. A WSDL
//!   cannot be generated.";
//! - `?xsd=LOCATION`, `?wsdl=LOCATION`: an imported document (404 when there is none).
//!
//! Ports are listed for the request's scheme only when the proxy's `transports` expose it:
//! MI lists the exposed transports' endpoints, and mediate knows the address of the listener
//! the request came in on only. `exposeServiceMetadata` = `false` answers `403`; a proxy with
//! `startOnLoad="false"` answers MI's "Service NAME is inactive" page.
//!
//! What mediate does not do: convert between WSDL 1.1 and 2.0 (`501`), regenerate the
//! bindings and port type from the WSDL's operations as Axis2 does (the WSDL's own are kept),
//! serve the schemas written inside `wsdl:types` as `?xsd=xsd0.xsd`, apply `preservePolicy`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http::request::Parts;
use http::{Method, StatusCode, Uri};
use mediate_config::{Configuration, Diagnostic, Diagnostics, ProxyConfig, Span};
use mediate_core::transport::OutboundRequest;
use mediate_core::{Env, MediatorSpec, MessageContext};
use mediate_endpoints::{EndpointKind, Endpoints};
use mediate_transport_http::Https;
use roxmltree::{Document, Node};
use tokio::sync::OnceCell;

const WSDL11: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL20: &str = "http://www.w3.org/ns/wsdl";
const SOAP11: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
const HTTP: &str = "http://schemas.xmlsoap.org/wsdl/http/";
const MIME: &str = "http://schemas.xmlsoap.org/wsdl/mime/";
const WSAW: &str = "http://www.w3.org/2006/05/addressing/wsdl";
const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// The namespace of the WSDL generated for a proxy without `<publishWSDL>`.
const DEFAULT_NS: &str = "http://org.apache.axis2/xsd";
/// The most documents (the WSDL's imports, transitively) one proxy serves.
const MAX_RESOURCES: usize = 64;
/// The largest document read or fetched.
const MAX_DOCUMENT: usize = 16 << 20;
/// How long fetching an `http:` WSDL may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The WSDL a proxy service publishes, resolved at deploy time (see the [module](self)
/// documentation).
#[derive(Debug)]
pub(crate) struct ProxyWsdl {
    name: String,
    /// `transports` (empty: all).
    transports: Vec<String>,
    /// `startOnLoad`.
    active: bool,
    /// `exposeServiceMetadata` is not `false`.
    expose: bool,
    /// `modifyUserWSDLPortAddress` is not `false`.
    modify_addresses: bool,
    published: Published,
}

#[derive(Debug)]
enum Published {
    /// No `<publishWSDL>`: Axis2's WSDL for the `mediate` operation.
    Default(Vec<Piece>),
    /// Read at deploy time.
    Loaded(Loaded),
    /// An `http:`/`https:` URL, fetched on the first request.
    Remote(Remote),
}

#[derive(Debug)]
struct Remote {
    url: String,
    /// `useOriginalwsdl`.
    original: bool,
    /// `<resource location key>`: the location and the entry's text.
    resource_map: Vec<(String, Arc<str>)>,
    loaded: OnceCell<Loaded>,
}

/// A published WSDL ready to serve.
#[derive(Debug)]
struct Loaded {
    version: Version,
    document: Vec<Piece>,
    /// What `?xsd=KEY` and `?wsdl=KEY` serve.
    resources: HashMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V11,
    V20,
}

/// A served document, in pieces: text, and what depends on the request's address.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    /// A WSDL 1.1 `<service>` named after the proxy, with a port on each binding.
    Service {
        bindings: Vec<Binding>,
        indent: String,
        /// The prefix the document already binds to the bindings' namespace, with the WSDL,
        /// SOAP and HTTP prefixes (the default WSDL); `None`: the element declares its own.
        in_scope: Option<&'static str>,
    },
    /// A port or endpoint address (an attribute value) rewritten to the proxy's address.
    Address {
        port: String,
        written: String,
    },
}

/// A binding a generated port uses.
#[derive(Debug, Clone, PartialEq)]
struct Binding {
    kind: Kind,
    namespace: String,
    name: String,
}

/// The kinds of binding Axis2 makes a port for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Soap11,
    Soap12,
    Http,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Soap11, Kind::Soap12, Kind::Http];

    /// The namespace of its `binding` and `address` extension elements.
    fn namespace(self) -> &'static str {
        match self {
            Kind::Soap11 => SOAP11,
            Kind::Soap12 => SOAP12,
            Kind::Http => HTTP,
        }
    }

    fn of(namespace: Option<&str>) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| Some(k.namespace()) == namespace)
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Soap11 => "soap",
            Kind::Soap12 => "soap12",
            Kind::Http => "http",
        }
    }

    /// The end of Axis2's endpoint names (`NAMEHttpSoap11Endpoint`).
    fn suffix(self) -> &'static str {
        match self {
            Kind::Soap11 => "Soap11Endpoint",
            Kind::Soap12 => "Soap12Endpoint",
            Kind::Http => "Endpoint",
        }
    }
}

/// Where the request came in: the scheme and the `Host` it named.
#[derive(Debug, Clone, Copy)]
struct Site<'a> {
    scheme: &'a str,
    host: &'a str,
}

impl<'a> Site<'a> {
    fn of(parts: &'a Parts) -> Self {
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let https = Https::is_set(&parts.extensions)
            || parts
                .uri
                .scheme_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("https"));
        let scheme = if https { "https" } else { "http" };
        Site { scheme, host }
    }
}

/// What a `GET` asks for.
#[derive(Debug, PartialEq, Eq)]
enum Get {
    Wsdl(Option<String>),
    Wsdl2,
    Xsd(Option<String>),
}

impl Get {
    /// MI's match: the query starts with the item, alone or followed by `&` or `=`
    /// (`PassThroughNHttpGetProcessor`; `info` is MI's service page, not served here).
    fn parse(query: &str) -> Option<Get> {
        for item in ["wsdl", "wsdl2", "xsd"] {
            let Some(after) = query.strip_prefix(item) else {
                continue;
            };
            if !(after.is_empty() || after.starts_with('&') || after.starts_with('=')) {
                continue;
            }
            let value = after
                .strip_prefix('=')
                .map(|v| v.split('&').next().unwrap_or_default().to_owned())
                .filter(|v| !v.is_empty());
            return Some(match item {
                "wsdl" => Get::Wsdl(value),
                "wsdl2" => Get::Wsdl2,
                _ => Get::Xsd(value),
            });
        }
        None
    }
}

/// A deploy-time problem: the message, and the `<publishWSDL>` attribute (or child) it is at.
struct Problem {
    at: Option<Span>,
    message: String,
}

impl Problem {
    fn new(message: impl Into<String>) -> Self {
        Problem {
            at: None,
            message: message.into(),
        }
    }
}

impl ProxyWsdl {
    /// Resolves the WSDL `proxy` publishes; a problem is a diagnostic in `diags` (and the
    /// proxy then publishes the default WSDL, though the deployment fails).
    pub(crate) fn deploy(
        proxy: &ProxyConfig,
        configuration: &Configuration,
        entries: &BTreeMap<String, Arc<str>>,
        diags: &mut Diagnostics,
    ) -> Self {
        let param = |name: &str| parameter(proxy, name);
        let published = match &proxy.publish_wsdl {
            None => Published::Default(default_document(&proxy.name, proxy.description.as_deref())),
            Some(spec) => match publish(proxy, spec, configuration, entries) {
                Ok(published) => published,
                Err(problem) => {
                    let at = problem.at.unwrap_or_else(|| Span {
                        file: proxy.span.file.clone(),
                        position: spec.position.or(proxy.span.position),
                    });
                    diags.push(Diagnostic::in_span(
                        &at,
                        format!("proxy service `{}`: {}", proxy.name, problem.message),
                    ));
                    Published::Default(Vec::new())
                }
            },
        };
        ProxyWsdl {
            name: proxy.name.clone(),
            transports: proxy.transports.clone(),
            active: proxy.start_on_load,
            expose: !param("exposeServiceMetadata")
                .is_some_and(|v| v.eq_ignore_ascii_case("false")),
            modify_addresses: param("modifyUserWSDLPortAddress") != Some("false"),
            published,
        }
    }

    /// The reply to a metadata `GET` (`?wsdl`, `?wsdl2`, `?xsd=…`) to this proxy; `None` for
    /// any other request, which goes through the proxy's flow.
    pub(crate) async fn answer(&self, env: &Env, parts: &Parts) -> Option<MessageContext> {
        if parts.method != Method::GET {
            return None;
        }
        let rest = parts.uri.path().strip_prefix("/services/")?;
        if rest != self.name && !self.is_endpoint(rest) {
            return None;
        }
        let get = Get::parse(parts.uri.query()?)?;
        if !self.expose {
            return Some(reply(
                StatusCode::FORBIDDEN,
                "text/html",
                format!(
                    "Access to service metadata for service: {} has been forbidden",
                    escape(&self.name)
                ),
            ));
        }
        if !self.active {
            return Some(reply(
                StatusCode::OK,
                "text/html",
                format!(
                    "<h4>Service {} is inactive. Cannot display WSDL document.</h4>",
                    escape(&self.name)
                ),
            ));
        }
        let site = Site::of(parts);
        let asked = match &get {
            Get::Wsdl(_) => "?wsdl",
            Get::Wsdl2 => "?wsdl2",
            Get::Xsd(_) => "?xsd",
        };
        let loaded = match &self.published {
            Published::Default(document) => {
                return Some(match get {
                    Get::Wsdl(None) => xml(self.render(document, site)),
                    Get::Wsdl2 => reply(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "text/html",
                        format!(
                            "No WSDL was provided for the Service {}. A WSDL cannot be generated.",
                            escape(&self.name)
                        ),
                    ),
                    Get::Wsdl(Some(_)) | Get::Xsd(_) => not_found(),
                });
            }
            Published::Loaded(loaded) => loaded,
            Published::Remote(remote) => match remote.load(env, &self.name).await {
                Ok(loaded) => loaded,
                Err(cause) => {
                    tracing::warn!(proxy = %self.name, %cause, "the proxy's WSDL cannot be fetched");
                    return Some(reply(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "text/html",
                        format!(
                            "Error generating {asked} output for service : {} ({})",
                            escape(&self.name),
                            escape(&cause)
                        ),
                    ));
                }
            },
        };
        Some(match (get, loaded.version) {
            (Get::Wsdl(None), Version::V11) | (Get::Wsdl2, Version::V20) => {
                xml(self.render(&loaded.document, site))
            }
            (Get::Wsdl(None), Version::V20) | (Get::Wsdl2, Version::V11) => {
                let (has, wants) = match loaded.version {
                    Version::V11 => ("1.1", "2.0: ask for ?wsdl"),
                    Version::V20 => ("2.0", "1.1: ask for ?wsdl2"),
                };
                reply(
                    StatusCode::NOT_IMPLEMENTED,
                    "text/plain",
                    format!(
                        "proxy service {} publishes a WSDL {has} document; mediate does not convert it to WSDL {wants}",
                        self.name
                    ),
                )
            }
            (Get::Wsdl(Some(key)) | Get::Xsd(Some(key)), _) => match loaded.resource(&key) {
                Some(text) => xml(text.to_owned()),
                None => not_found(),
            },
            (Get::Xsd(None), _) => not_found(),
        })
    }

    /// `NAME.ENDPOINT` for one of Axis2's endpoint names (`NAMEHttpSoap11Endpoint`…), which
    /// name the service too.
    fn is_endpoint(&self, rest: &str) -> bool {
        let Some(endpoint) = rest
            .strip_prefix(self.name.as_str())
            .and_then(|r| r.strip_prefix('.'))
        else {
            return false;
        };
        ["http", "https"].into_iter().any(|scheme| {
            Kind::ALL
                .into_iter()
                .any(|k| endpoint == self.endpoint_name(scheme, k))
        })
    }

    /// Axis2's endpoint name for `kind` on `scheme`: `NAMEHttpSoap11Endpoint`.
    fn endpoint_name(&self, scheme: &str, kind: Kind) -> String {
        let transport = if scheme == "https" { "Https" } else { "Http" };
        format!("{}{transport}{}", self.name, kind.suffix())
    }

    /// Whether the proxy's `transports` expose `scheme`.
    fn exposes(&self, scheme: &str) -> bool {
        self.transports.is_empty() || self.transports.iter().any(|t| t == scheme)
    }

    /// The service's address (its EPR, as Axis2's listener gives it).
    fn service_url(&self, site: Site<'_>) -> String {
        format!("{}://{}/services/{}", site.scheme, site.host, self.name)
    }

    fn render(&self, pieces: &[Piece], site: Site<'_>) -> String {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Service {
                    bindings,
                    indent,
                    in_scope,
                } => {
                    self.write_service(bindings, indent, *in_scope, site, &mut out);
                }
                Piece::Address { port, written } => {
                    out.push_str(&escape(&self.rewrite_address(port, written, site)));
                }
            }
        }
        out
    }

    /// The WSDL 1.1 `<service>` Axis2 writes: one port per binding kind on the request's
    /// transport, when the proxy exposes it.
    fn write_service(
        &self,
        bindings: &[Binding],
        indent: &str,
        in_scope: Option<&str>,
        site: Site<'_>,
        out: &mut String,
    ) {
        let ports: Vec<&Binding> = if self.exposes(site.scheme) {
            bindings.iter().collect()
        } else {
            Vec::new()
        };
        // The bindings' namespaces, each under a prefix (an empty namespace: no prefix).
        let mut namespaces: Vec<&str> = Vec::new();
        for b in &ports {
            if !namespaces.contains(&b.namespace.as_str()) {
                namespaces.push(&b.namespace);
            }
        }
        let prefix_of = |ns: &str| match in_scope {
            Some(prefix) => prefix.to_owned(),
            None => format!("b{}", namespaces.iter().position(|n| *n == ns).unwrap_or(0)),
        };
        let mut decls = String::new();
        if in_scope.is_none() {
            let _ = write!(decls, " xmlns:wsdl=\"{WSDL11}\"");
            for kind in Kind::ALL {
                if ports.iter().any(|b| b.kind == kind) {
                    let _ = write!(decls, " xmlns:{}=\"{}\"", kind.prefix(), kind.namespace());
                }
            }
            for ns in &namespaces {
                if ns.is_empty() {
                    decls.push_str(" xmlns=\"\"");
                } else {
                    let _ = write!(decls, " xmlns:{}=\"{}\"", prefix_of(ns), escape(ns));
                }
            }
        }
        let name = escape(&self.name);
        if ports.is_empty() {
            let _ = write!(out, "<wsdl:service{decls} name=\"{name}\"/>");
            return;
        }
        let _ = write!(out, "<wsdl:service{decls} name=\"{name}\">");
        for b in ports {
            let port = self.endpoint_name(site.scheme, b.kind);
            let qname = if b.namespace.is_empty() && in_scope.is_none() {
                b.name.clone()
            } else {
                format!("{}:{}", prefix_of(&b.namespace), b.name)
            };
            let location = format!("{}.{port}", self.service_url(site));
            let _ = write!(
                out,
                "\n{indent}    <wsdl:port name=\"{}\" binding=\"{}\">\n{indent}        <{p}:address location=\"{}\"/>\n{indent}    </wsdl:port>",
                escape(&port),
                escape(&qname),
                escape(&location),
                p = b.kind.prefix(),
            );
        }
        let _ = write!(out, "\n{indent}</wsdl:service>");
    }

    /// A port address as written, rewritten as Axis2's `setPortAddress` does when
    /// `modifyUserWSDLPortAddress` allows: a port named as one of the proxy's endpoints gets
    /// that endpoint's address; a placeholder or an address of the request's scheme gets the
    /// proxy's. Addresses of another scheme are kept (mediate only knows this listener's).
    fn rewrite_address(&self, port: &str, written: &str, site: Site<'_>) -> String {
        if !self.modify_addresses || !self.exposes(site.scheme) {
            return written.to_owned();
        }
        if let Some(kind) = Kind::ALL
            .into_iter()
            .find(|k| port == self.endpoint_name(site.scheme, *k))
        {
            return format!(
                "{}.{}",
                self.service_url(site),
                self.endpoint_name(site.scheme, kind)
            );
        }
        let placeholder = written.trim().is_empty() || written == "REPLACE_WITH_ACTUAL_URL";
        let same_scheme = uri_scheme(written).is_some_and(|s| s.eq_ignore_ascii_case(site.scheme));
        if placeholder || same_scheme {
            self.service_url(site)
        } else {
            written.to_owned()
        }
    }
}

impl Remote {
    /// The fetched WSDL (fetched once; a failure is tried again on the next request).
    async fn load(&self, env: &Env, proxy: &str) -> Result<&Loaded, String> {
        self.loaded
            .get_or_try_init(|| async {
                let text = fetch(env, &self.url).await?;
                let mut loader = Loader::new(proxy, &self.resource_map, None, self.original);
                loader
                    .load(
                        &text,
                        &format!("`{}`", self.url),
                        Base::Url(self.url.clone()),
                    )
                    .map_err(|p| p.message)
            })
            .await
    }
}

impl Loaded {
    fn resource(&self, key: &str) -> Option<&str> {
        self.resources
            .get(key)
            .or_else(|| self.resources.get(&percent_decode(key)))
            .map(String::as_str)
    }
}

/// The service parameter `name` of `proxy`, trimmed.
fn parameter<'a>(proxy: &'a ProxyConfig, name: &str) -> Option<&'a str> {
    proxy
        .parameters
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str().trim())
}

/// `useOriginalwsdl` is `true` (Axis2's `AxisService.isUseUserWSDL`).
fn use_original(proxy: &ProxyConfig) -> bool {
    parameter(proxy, "useOriginalwsdl") == Some("true")
}

/// `<publishWSDL>` resolved (see the [module](self) documentation).
fn publish(
    proxy: &ProxyConfig,
    spec: &MediatorSpec,
    configuration: &Configuration,
    entries: &BTreeMap<String, Arc<str>>,
) -> Result<Published, Problem> {
    let at = |attr: &str| {
        Some(Span {
            file: proxy.span.file.clone(),
            position: spec.position_of(attr).or(spec.position),
        })
    };
    let mut resource_map = Vec::new();
    for resource in spec.children_named("resource") {
        let (Some(location), Some(key)) = (resource.get("location"), resource.get("key")) else {
            continue;
        };
        let Some(text) = lookup(entries, key) else {
            return Err(Problem {
                at: Some(Span {
                    file: proxy.span.file.clone(),
                    position: resource.position_of("key").or(resource.position),
                }),
                message: format!(
                    "`<resource location=\"{location}\" key=\"{key}\">`: no local entry or registry resource `{key}` is deployed"
                ),
            });
        };
        resource_map.push((location.to_owned(), Arc::clone(text)));
    }
    let with_at = |attr: &'static str| {
        move |p: Problem| Problem {
            at: p.at.or(at(attr)),
            ..p
        }
    };

    if let Some(name) = spec.get("endpoint") {
        let url = endpoint_wsdl_url(configuration, name).map_err(with_at("endpoint"))?;
        let source = format!("`<publishWSDL endpoint=\"{name}\">` (`{url}`)");
        return from_url(proxy, &url, &source, resource_map).map_err(with_at("endpoint"));
    }
    if let Some(key) = spec.get("key") {
        let source = format!("`<publishWSDL key=\"{key}\">`");
        let Some(text) = lookup(entries, key) else {
            return Err(with_at("key")(Problem::new(format!(
                "the WSDL {source} names no deployed local entry or registry resource (MI: Unable to locate the specified WSDL to build the service)"
            ))));
        };
        let mut loader = Loader::new(&proxy.name, &resource_map, None, use_original(proxy));
        return loader
            .load(text, &source, Base::None)
            .map(Published::Loaded)
            .map_err(with_at("key"));
    }
    if let Some(uri) = spec.get("uri") {
        let source = format!("`<publishWSDL uri=\"{uri}\">`");
        return from_url(proxy, uri, &source, resource_map).map_err(with_at("uri"));
    }
    let Some(text) = inline_wsdl(spec) else {
        return Err(Problem::new(
            "`<publishWSDL>` holds no inline WSDL 1.1 `definitions` or WSDL 2.0 `description`",
        ));
    };
    let mut loader = Loader::new(&proxy.name, &resource_map, None, use_original(proxy));
    loader
        .load(&text, "written inline in `<publishWSDL>`", Base::None)
        .map(Published::Loaded)
}

/// The WSDL of a `uri` (or of an endpoint): a `file:` one read now, an `http(s):` one kept to
/// fetch.
fn from_url(
    proxy: &ProxyConfig,
    url: &str,
    source: &str,
    resource_map: Vec<(String, Arc<str>)>,
) -> Result<Published, Problem> {
    let url = url.trim();
    let Some(scheme) = uri_scheme(url) else {
        return Err(Problem::new(format!(
            "the WSDL {source}: `{url}` is not an absolute URI (a file is written `file:{url}`)"
        )));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => Ok(Published::Remote(Remote {
            url: url.to_owned(),
            original: use_original(proxy),
            resource_map,
            loaded: OnceCell::new(),
        })),
        "file" => {
            let Some(path) = file_url_path(&url[scheme.len() + 1..]) else {
                return Err(Problem::new(format!(
                    "the WSDL {source}: `{url}` names a file on another host"
                )));
            };
            let path = if path.is_absolute() {
                path
            } else {
                project_dir(proxy.span.file.as_deref()).join(path)
            };
            let path = normalize(&path);
            let text = read_text(&path).map_err(|e| {
                Problem::new(format!(
                    "cannot read the WSDL {source}: `{}`: {e} (MI does not deploy a proxy whose WSDL cannot be read)",
                    path.display()
                ))
            })?;
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let mut loader = Loader::new(
                &proxy.name,
                &resource_map,
                Some(dir.clone()),
                use_original(proxy),
            );
            loader
                .load(&text, &format!("`{}`", path.display()), Base::Dir(dir))
                .map(Published::Loaded)
        }
        other => Err(Problem::new(format!(
            "the WSDL {source}: mediate reads a published WSDL from `file:`, `http:` and `https:` URIs, not `{other}:`"
        ))),
    }
}

/// `<publishWSDL endpoint>`: an address endpoint's address with `?wsdl` (`ProxyService`: an
/// `AddressEndpoint` gives `address + "?wsdl"`; MI's WSDL endpoints are not modelled here).
fn endpoint_wsdl_url(configuration: &Configuration, name: &str) -> Result<String, Problem> {
    let Some(endpoint) = configuration.endpoints().find(|e| e.name() == name) else {
        return Err(Problem::new(format!(
            "`<publishWSDL endpoint=\"{name}\">`: no endpoint named `{name}` is deployed (MI: Unable to resolve WSDL url)"
        )));
    };
    match &endpoint.definition.kind {
        EndpointKind::Address(address) => Ok(format!("{}?wsdl", address.uri)),
        _ => Err(Problem::new(format!(
            "`<publishWSDL endpoint=\"{name}\">`: `{name}` is not an address endpoint, so it has no WSDL URL (MI: Unable to resolve WSDL url. {name} is not a AddressEndpoint or WSDLEndpoint)"
        ))),
    }
}

/// The inline `definitions`/`description` of `<publishWSDL>`, as written (with the namespaces
/// in scope declared).
fn inline_wsdl(spec: &MediatorSpec) -> Option<String> {
    let text = spec.text.as_deref()?;
    let wrapped = format!("<publishWSDL>{text}</publishWSDL>");
    let doc = Document::parse(&wrapped).ok()?;
    let element = doc
        .root_element()
        .children()
        .find(|c| version_of(*c).is_some())?;
    wrapped.get(element.range()).map(str::to_owned)
}

/// The local entry or registry resource `key` names, in MI's key forms (`conf:a` is `conf:/a`;
/// a key with no prefix that names nothing locally is `gov:/key`).
fn lookup<'a>(entries: &'a BTreeMap<String, Arc<str>>, key: &str) -> Option<&'a Arc<str>> {
    if let Some(found) = entries.get(key) {
        return Some(found);
    }
    for prefix in ["conf:", "gov:", "local:"] {
        if let Some(path) = key.strip_prefix(prefix) {
            return entries.get(&format!("{prefix}/{}", path.trim_start_matches('/')));
        }
    }
    entries.get(&format!("gov:/{}", key.trim_start_matches('/')))
}

/// The folder a relative `file:` URI is read from: the project folder (the one holding
/// `src/main/synapse-config` or `src/main/wso2mi/artifacts`) of the proxy's file, else the
/// proxy file's own folder.
fn project_dir(file: Option<&Path>) -> PathBuf {
    let dir = file
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for ancestor in dir.ancestors() {
        for layout in ["src/main/synapse-config", "src/main/wso2mi/artifacts"] {
            if ancestor.ends_with(layout) {
                let mut project = ancestor;
                for _ in Path::new(layout).components() {
                    project = project.parent().unwrap_or(project);
                }
                return project.to_path_buf();
            }
        }
    }
    dir
}

/// Where a document's relative imports are resolved.
#[derive(Debug, Clone)]
enum Base {
    /// Nowhere (inline, a local entry, a `<resource>`): only `<resource>`s resolve them.
    None,
    /// Beside a file, in this folder.
    Dir(PathBuf),
    /// Against a URL (made absolute, not fetched).
    Url(String),
}

/// A document waiting to be served under `key`.
struct Pending {
    key: String,
    text: String,
    origin: String,
    base: Base,
}

/// Reads a WSDL and, transitively, the documents it imports.
struct Loader<'a> {
    proxy: &'a str,
    resource_map: &'a [(String, Arc<str>)],
    /// The root WSDL's folder: the served keys of files are paths from it.
    root: Option<PathBuf>,
    /// `useOriginalwsdl`: a WSDL 1.1 keeps its services, their addresses rewritten.
    original: bool,
    resources: HashMap<String, String>,
    /// Keys already read or queued.
    known: Vec<String>,
    files: HashMap<PathBuf, String>,
    queue: Vec<Pending>,
}

/// What replaces a range of a document.
enum Edit {
    Text(String),
    Service(Vec<Binding>, String),
    Address { port: String, written: String },
}

impl<'a> Loader<'a> {
    fn new(
        proxy: &'a str,
        resource_map: &'a [(String, Arc<str>)],
        root: Option<PathBuf>,
        original: bool,
    ) -> Self {
        Loader {
            proxy,
            resource_map,
            root,
            original,
            resources: HashMap::new(),
            known: Vec::new(),
            files: HashMap::new(),
            queue: Vec::new(),
        }
    }

    /// The WSDL `text` (from `origin`, for messages) and what it imports, ready to serve.
    fn load(&mut self, text: &str, origin: &str, base: Base) -> Result<Loaded, Problem> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let doc = Document::parse(text).map_err(|e| {
            Problem::new(format!(
                "the WSDL {origin} is not XML: {e} (MI does not deploy the proxy)"
            ))
        })?;
        let root = doc.root_element();
        let Some(version) = version_of(root) else {
            return Err(Problem::new(format!(
                "the WSDL {origin} is not a WSDL: its root element is `{}`{}, not WSDL 1.1 `definitions` ({WSDL11}) or WSDL 2.0 `description` ({WSDL20}) (MI: Unknown WSDL format)",
                root.tag_name().name(),
                root.tag_name()
                    .namespace()
                    .map(|ns| format!(" in `{ns}`"))
                    .unwrap_or_default(),
            )));
        };
        let mut edits = self.import_edits(&doc, &base, origin)?;
        match version {
            Version::V11 if self.original => edits.extend(address_edits(root, WSDL11)),
            Version::V11 => edits.extend(service_edits(text, root)),
            Version::V20 => edits.extend(address_edits(root, WSDL20)),
        }
        let document = splice(text, edits);
        while let Some(pending) = self.queue.pop() {
            let served = self.resource(&pending)?;
            self.resources.insert(pending.key, served);
        }
        Ok(Loaded {
            version,
            document,
            resources: std::mem::take(&mut self.resources),
        })
    }

    /// An imported document with its own imports rewritten.
    fn resource(&mut self, pending: &Pending) -> Result<String, Problem> {
        let text = pending
            .text
            .strip_prefix('\u{feff}')
            .unwrap_or(&pending.text);
        let doc = Document::parse(text).map_err(|e| {
            Problem::new(format!(
                "`{}`, which the WSDL imports, is not XML ({}): {e}",
                pending.key, pending.origin
            ))
        })?;
        let edits = self.import_edits(&doc, &pending.base, &pending.origin)?;
        let mut out = String::new();
        for piece in splice(text, edits) {
            if let Piece::Text(t) = piece {
                out.push_str(&t);
            }
        }
        Ok(out)
    }

    /// The imports of `doc` with a relative location, each rewritten to where it is served.
    fn import_edits(
        &mut self,
        doc: &Document<'_>,
        base: &Base,
        origin: &str,
    ) -> Result<Vec<(Range<usize>, Edit)>, Problem> {
        let mut edits = Vec::new();
        for node in doc.descendants().filter(Node::is_element) {
            let tag = node.tag_name();
            let (attr, param) = match (tag.namespace(), tag.name()) {
                (Some(XSD), "import" | "include" | "redefine") => ("schemaLocation", "xsd"),
                (Some(WSDL11), "import") | (Some(WSDL20), "import" | "include") => {
                    ("location", "wsdl")
                }
                _ => continue,
            };
            let Some(attribute) = node
                .attributes()
                .find(|a| a.name() == attr && a.namespace().is_none())
            else {
                continue;
            };
            let location = attribute.value().trim();
            if location.is_empty() || uri_scheme(location).is_some() {
                continue;
            }
            // Axis2 leaves what it already rewrote (`NAME?xsd=…`) for a local document.
            if !matches!(base, Base::Url(_)) && location.contains("?xsd=") {
                continue;
            }
            let value = self.resolve(location, param, base, origin)?;
            edits.push((attribute.range_value(), Edit::Text(escape(&value))));
        }
        Ok(edits)
    }

    /// Where the import of `location` is served (queuing the document), or its absolute URL.
    fn resolve(
        &mut self,
        location: &str,
        param: &str,
        base: &Base,
        origin: &str,
    ) -> Result<String, Problem> {
        let proxy = self.proxy;
        let served = |key: &str| format!("{proxy}?{param}={}", percent_encode(key));
        if let Some((_, text)) = self.resource_map.iter().find(|(l, _)| l == location) {
            if !self.known.iter().any(|k| k == location) {
                self.queue_document(Pending {
                    key: location.to_owned(),
                    text: text.to_string(),
                    origin: format!("`<resource location=\"{location}\">`"),
                    base: Base::None,
                })?;
            }
            return Ok(served(location));
        }
        match base {
            Base::Url(url) => Ok(join_url(url, location)),
            Base::Dir(dir) => {
                let path = normalize(&dir.join(percent_decode(location)));
                if let Some(key) = self.files.get(&path) {
                    return Ok(served(key));
                }
                let text = read_text(&path).map_err(|e| {
                    Problem::new(format!(
                        "the WSDL {origin} imports `{location}`, which cannot be read: `{}`: {e}",
                        path.display()
                    ))
                })?;
                let key = match &self.root {
                    Some(root) => relative_key(&path, root),
                    None => path.display().to_string(),
                };
                self.files.insert(path.clone(), key.clone());
                self.queue_document(Pending {
                    key: key.clone(),
                    text,
                    origin: format!("`{}`", path.display()),
                    base: Base::Dir(path.parent().map(Path::to_path_buf).unwrap_or_default()),
                })?;
                Ok(served(&key))
            }
            Base::None => Err(Problem::new(format!(
                "the WSDL {origin} imports `{location}`, a relative location nothing resolves: add `<resource location=\"{location}\" key=\"…\"/>` to `<publishWSDL>`, naming the local entry or registry resource that holds it"
            ))),
        }
    }

    fn queue_document(&mut self, pending: Pending) -> Result<(), Problem> {
        if self.known.len() >= MAX_RESOURCES {
            return Err(Problem::new(format!(
                "the WSDL imports more than {MAX_RESOURCES} documents"
            )));
        }
        self.known.push(pending.key.clone());
        self.queue.push(pending);
        Ok(())
    }
}

/// The WSDL version of a root element.
fn version_of(node: Node<'_, '_>) -> Option<Version> {
    let tag = node.tag_name();
    match (tag.namespace(), tag.name()) {
        (Some(WSDL11), "definitions") => Some(Version::V11),
        (Some(WSDL20), "description") => Some(Version::V20),
        _ => None,
    }
}

fn is_wsdl11(node: &Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(WSDL11)
        && node.tag_name().name() == name
}

/// WSDL 1.1: every `<service>` removed and the generated one put where the first was (else
/// before `</definitions>`), on the WSDL's bindings.
fn service_edits(text: &str, root: Node<'_, '_>) -> Vec<(Range<usize>, Edit)> {
    let services: Vec<Node<'_, '_>> = root
        .children()
        .filter(|c| is_wsdl11(c, "service"))
        .collect();
    let bindings = pick_bindings(root);
    let mut edits = Vec::new();
    match services.split_first() {
        Some((first, others)) => {
            let indent = line_indent(text, first.range().start);
            edits.push((first.range(), Edit::Service(bindings, indent)));
            for service in others {
                edits.push((service.range(), Edit::Text(String::new())));
            }
        }
        None => {
            if let Some(at) = closing_tag_start(text, root) {
                let indent = line_indent(text, root.range().start) + "    ";
                let mut before = String::from("    ");
                if !text[..at].ends_with('\n') {
                    before = format!("\n{indent}");
                }
                edits.push((at..at, Edit::Text(before)));
                edits.push((at..at, Edit::Service(bindings, indent)));
                edits.push((at..at, Edit::Text("\n".to_owned())));
            }
        }
    }
    edits
}

/// The address of every port (WSDL 1.1: `soap:address`, `soap12:address`, `http:address`
/// `location`) or endpoint (WSDL 2.0: `address`) of the services, to rewrite per request.
fn address_edits(root: Node<'_, '_>, wsdl: &str) -> Vec<(Range<usize>, Edit)> {
    let in_wsdl = |n: &Node<'_, '_>, name: &str| {
        n.is_element() && n.tag_name().namespace() == Some(wsdl) && n.tag_name().name() == name
    };
    let mut edits = Vec::new();
    for service in root.children().filter(|c| in_wsdl(c, "service")) {
        let port_name = if wsdl == WSDL11 { "port" } else { "endpoint" };
        for port in service.children().filter(|c| in_wsdl(c, port_name)) {
            let name = port.attribute("name").unwrap_or_default().to_owned();
            let address = if wsdl == WSDL11 {
                port.children()
                    .find(|c| {
                        c.is_element()
                            && c.tag_name().name() == "address"
                            && Kind::of(c.tag_name().namespace()).is_some()
                    })
                    .and_then(|a| a.attribute_node("location"))
            } else {
                port.attribute_node("address")
            };
            if let Some(attribute) = address {
                edits.push((
                    attribute.range_value(),
                    Edit::Address {
                        port: name,
                        written: attribute.value().to_owned(),
                    },
                ));
            }
        }
    }
    edits
}

/// The bindings the generated ports use: for each kind, the binding of the first port of that
/// kind in the WSDL's first service, else the first binding of that kind in the WSDL.
fn pick_bindings(root: Node<'_, '_>) -> Vec<Binding> {
    let target_ns = root.attribute("targetNamespace").unwrap_or_default();
    let declared: Vec<(Option<Kind>, &str)> = root
        .children()
        .filter(|c| is_wsdl11(c, "binding"))
        .map(|b| {
            let kind = b
                .children()
                .filter(|c| c.is_element() && c.tag_name().name() == "binding")
                .find_map(|c| Kind::of(c.tag_name().namespace()));
            (kind, b.attribute("name").unwrap_or_default())
        })
        .collect();
    let mut picked: Vec<Binding> = Vec::new();
    if let Some(service) = root.children().find(|c| is_wsdl11(c, "service")) {
        for port in service.children().filter(|c| is_wsdl11(c, "port")) {
            let Some(qname) = port.attribute("binding") else {
                continue;
            };
            let (prefix, local) = match qname.split_once(':') {
                Some((p, l)) => (Some(p), l),
                None => (None, qname),
            };
            let namespace = port.lookup_namespace_uri(prefix).unwrap_or_default();
            let kind = port
                .children()
                .filter(|c| c.is_element() && c.tag_name().name() == "address")
                .find_map(|c| Kind::of(c.tag_name().namespace()))
                .or_else(|| {
                    declared
                        .iter()
                        .find(|(_, n)| namespace == target_ns && *n == local)
                        .and_then(|(k, _)| *k)
                });
            if let Some(kind) = kind
                && !picked.iter().any(|b| b.kind == kind)
            {
                picked.push(Binding {
                    kind,
                    namespace: namespace.to_owned(),
                    name: local.to_owned(),
                });
            }
        }
    }
    for (kind, name) in declared {
        if let Some(kind) = kind
            && !name.is_empty()
            && !picked.iter().any(|b| b.kind == kind)
        {
            picked.push(Binding {
                kind,
                namespace: target_ns.to_owned(),
                name: name.to_owned(),
            });
        }
    }
    picked.sort_by_key(|b| Kind::ALL.iter().position(|k| *k == b.kind));
    picked
}

/// The blanks before `at` on its line, when only blanks precede it there.
fn line_indent(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    if before.chars().all(|c| c == ' ' || c == '\t') {
        before.to_owned()
    } else {
        String::new()
    }
}

/// Where the end tag of `element` starts (`None` for an empty-element tag).
fn closing_tag_start(text: &str, element: Node<'_, '_>) -> Option<usize> {
    let range = element.range();
    let source = text.get(range.clone())?;
    if source.ends_with("/>") && !source.contains("</") {
        return None;
    }
    source.rfind("</").map(|i| range.start + i)
}

/// `text` with `edits` applied, as pieces.
fn splice(text: &str, mut edits: Vec<(Range<usize>, Edit)>) -> Vec<Piece> {
    edits.sort_by_key(|(r, _)| r.start);
    let mut pieces: Vec<Piece> = Vec::new();
    let push = |pieces: &mut Vec<Piece>, t: &str| {
        if t.is_empty() {
            return;
        }
        if let Some(Piece::Text(last)) = pieces.last_mut() {
            last.push_str(t);
        } else {
            pieces.push(Piece::Text(t.to_owned()));
        }
    };
    let mut at = 0;
    for (range, edit) in edits {
        if range.start < at || range.end > text.len() {
            continue;
        }
        push(&mut pieces, &text[at..range.start]);
        match edit {
            Edit::Text(t) => push(&mut pieces, &t),
            Edit::Service(bindings, indent) => pieces.push(Piece::Service {
                bindings,
                indent,
                in_scope: None,
            }),
            Edit::Address { port, written } => pieces.push(Piece::Address { port, written }),
        }
        at = range.end;
    }
    push(&mut pieces, &text[at..]);
    pieces
}

/// The WSDL Axis2 prints for a proxy without `<publishWSDL>` (`ProxyService` builds a service
/// with one in-out operation, `mediate`, whose messages are `in` and `out`):
/// `NAMEPortType`, SOAP 1.1, SOAP 1.2 and HTTP bindings, and the service's ports.
fn default_document(name: &str, description: Option<&str>) -> Vec<Piece> {
    let n = escape(name);
    let mut head = format!(
        "<wsdl:definitions xmlns:wsdl=\"{WSDL11}\" xmlns:ns1=\"{DEFAULT_NS}\" xmlns:wsaw=\"{WSAW}\" xmlns:http=\"{HTTP}\" xmlns:soap=\"{SOAP11}\" xmlns:mime=\"{MIME}\" xmlns:soap12=\"{SOAP12}\" targetNamespace=\"{DEFAULT_NS}\">\n"
    );
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        let _ = writeln!(
            head,
            "    <wsdl:documentation>{}</wsdl:documentation>",
            escape(d)
        );
    }
    let _ = write!(
        head,
        r#"    <wsdl:types/>
    <wsdl:message name="in"/>
    <wsdl:message name="out"/>
    <wsdl:portType name="{n}PortType">
        <wsdl:operation name="mediate">
            <wsdl:input message="ns1:in" wsaw:Action="urn:mediate"/>
            <wsdl:output message="ns1:out" wsaw:Action="urn:mediateResponse"/>
        </wsdl:operation>
    </wsdl:portType>
"#
    );
    for (kind, binding) in [(Kind::Soap11, "soap"), (Kind::Soap12, "soap12")] {
        let _ = write!(
            head,
            r#"    <wsdl:binding name="{n}{b}Binding" type="ns1:{n}PortType">
        <{binding}:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
        <wsdl:operation name="mediate">
            <{binding}:operation soapAction="urn:mediate" style="document"/>
            <wsdl:input>
                <{binding}:body use="literal"/>
            </wsdl:input>
            <wsdl:output>
                <{binding}:body use="literal"/>
            </wsdl:output>
        </wsdl:operation>
    </wsdl:binding>
"#,
            b = if kind == Kind::Soap11 {
                "Soap11"
            } else {
                "Soap12"
            },
        );
    }
    let _ = write!(
        head,
        r#"    <wsdl:binding name="{n}HttpBinding" type="ns1:{n}PortType">
        <http:binding verb="POST"/>
        <wsdl:operation name="mediate">
            <http:operation location="mediate"/>
            <wsdl:input>
                <mime:content type="text/xml"/>
            </wsdl:input>
            <wsdl:output>
                <mime:content type="text/xml"/>
            </wsdl:output>
        </wsdl:operation>
    </wsdl:binding>
    "#
    );
    let bindings = [
        (Kind::Soap11, "Soap11Binding"),
        (Kind::Soap12, "Soap12Binding"),
        (Kind::Http, "HttpBinding"),
    ]
    .into_iter()
    .map(|(kind, suffix)| Binding {
        kind,
        namespace: DEFAULT_NS.to_owned(),
        name: format!("{name}{suffix}"),
    })
    .collect();
    vec![
        Piece::Text(head),
        Piece::Service {
            bindings,
            indent: "    ".to_owned(),
            in_scope: Some("ns1"),
        },
        Piece::Text("\n</wsdl:definitions>\n".to_owned()),
    ]
}

/// Fetches the WSDL at `url` with the endpoints' HTTP client.
async fn fetch(env: &Env, url: &str) -> Result<String, String> {
    let endpoints = env
        .extension::<Endpoints>()
        .ok_or("no HTTP client is deployed to fetch it")?;
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a valid URL: {e}"))?;
    let mut request = OutboundRequest::new(Method::GET, uri);
    request.timeout = Some(FETCH_TIMEOUT);
    let response = endpoints
        .sender()
        .send(request)
        .await
        .map_err(|e| format!("fetching `{url}` failed: {}", e.message()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("`{url}` answered {status}"));
    }
    let bytes = match response.into_body() {
        Some(body) => body
            .with_limit(MAX_DOCUMENT)
            .read()
            .await
            .map_err(|e| format!("reading `{url}` failed: {e}"))?
            .to_vec(),
        None => Vec::new(),
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("`{url}` is not UTF-8 text"))
}

fn reply(status: StatusCode, content_type: &str, body: String) -> MessageContext {
    let mut reply = MessageContext::from_bytes(body, content_type);
    reply.set_response(true);
    reply.set_status(status);
    reply
}

/// A document, as MI sends it: `Content-Type: text/xml`.
fn xml(body: String) -> MessageContext {
    reply(StatusCode::OK, "text/xml", body)
}

/// No such document (an empty `404`, as `DefaultHttpGetProcessor` answers an unknown `?xsd`).
fn not_found() -> MessageContext {
    let mut reply = MessageContext::empty();
    reply.set_response(true);
    reply.set_status(StatusCode::NOT_FOUND);
    reply
}

/// A file's text: at most [`MAX_DOCUMENT`] bytes of UTF-8 (a byte-order mark dropped).
fn read_text(path: &Path) -> Result<String, String> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => "the file does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => {
            "the file cannot be read (permission denied)".to_owned()
        }
        _ => e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err("it is not a file".to_owned());
    }
    if meta.len() > MAX_DOCUMENT as u64 {
        return Err(format!(
            "the file is larger than {} MiB",
            MAX_DOCUMENT >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| "the file is not UTF-8 text".to_owned())
}

/// The scheme of an absolute URI (`file`, `http`…), `None` for a relative reference.
fn uri_scheme(value: &str) -> Option<&str> {
    let (scheme, _) = value.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        // `C:\…` is a Windows path, not a scheme.
        && scheme.len() > 1)
        .then_some(scheme)
}

/// The path of a `file:` URL (what follows `file:`), without its query or fragment
/// ([`mediate_config::file_url_path`]).
fn file_url_path(rest: &str) -> Option<PathBuf> {
    mediate_config::file_url_path(rest.split(['?', '#']).next().unwrap_or_default())
}

/// `path` without `.` and with `..` applied (lexically).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `root`, with `/` between segments (`..` when it is outside).
fn relative_key(path: &Path, root: &Path) -> String {
    let path: Vec<Component<'_>> = path.components().collect();
    let root: Vec<Component<'_>> = root.components().collect();
    let common = path.iter().zip(&root).take_while(|(a, b)| a == b).count();
    let mut segments: Vec<String> = vec!["..".to_owned(); root.len() - common];
    segments.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    segments.join("/")
}

/// `reference` resolved against the absolute `base` URL (RFC 3986, section 5.2).
fn join_url(base: &str, reference: &str) -> String {
    if uri_scheme(reference).is_some() {
        return reference.to_owned();
    }
    let Some((scheme, rest)) = base.split_once("://") else {
        return reference.to_owned();
    };
    if let Some(network) = reference.strip_prefix("//") {
        return format!("{scheme}://{network}");
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let after = &rest[authority_end..];
    let base_path = after.split(['?', '#']).next().unwrap_or_default();
    let base_query = after
        .split('#')
        .next()
        .and_then(|p| p.find('?').map(|i| &p[i..]))
        .unwrap_or_default();
    let split = reference.find(['?', '#']).unwrap_or(reference.len());
    let (ref_path, ref_tail) = reference.split_at(split);
    let (path, tail) = if ref_path.is_empty() {
        let tail = if ref_tail.starts_with('#') {
            format!("{base_query}{ref_tail}")
        } else {
            ref_tail.to_owned()
        };
        (base_path.to_owned(), tail)
    } else if ref_path.starts_with('/') {
        (remove_dots(ref_path), ref_tail.to_owned())
    } else {
        let dir = match base_path.rfind('/') {
            Some(i) => &base_path[..=i],
            None => "/",
        };
        (
            remove_dots(&format!("{dir}{ref_path}")),
            ref_tail.to_owned(),
        )
    };
    format!("{scheme}://{authority}{path}{tail}")
}

/// RFC 3986's `remove_dot_segments` for an absolute path.
fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// `value` with what a query value cannot hold percent-encoded (`/` kept).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `%XX` sequences decoded (others kept as written).
fn percent_decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .into_owned()
}

/// `value` escaped for XML text and attribute values.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediate_config::{ArtifactConfig, load_str};

    fn proxy(xml: &str) -> ProxyConfig {
        let registry = mediate_mediators::builtins::registry();
        let artifacts = load_str(xml, "proxy.xml".as_ref(), &registry)
            .unwrap_or_else(|d| panic!("loads:\n{d}"));
        artifacts
            .into_iter()
            .find_map(|a| match a {
                ArtifactConfig::Proxy(p) => Some(p),
                _ => None,
            })
            .expect("a proxy")
    }

    fn deploy(xml: &str, entries: &[(&str, &str)]) -> Result<ProxyWsdl, String> {
        let p = proxy(xml);
        let entries: BTreeMap<String, Arc<str>> = entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Arc::from(*v)))
            .collect();
        let mut diags = Diagnostics::new();
        let wsdl = ProxyWsdl::deploy(&p, &Configuration::default(), &entries, &mut diags);
        if diags.is_empty() {
            Ok(wsdl)
        } else {
            Err(diags.to_string())
        }
    }

    fn site() -> Site<'static> {
        Site {
            scheme: "http",
            host: "esb.example:8290",
        }
    }

    fn loaded(wsdl: &ProxyWsdl) -> &Loaded {
        match &wsdl.published {
            Published::Loaded(l) => l,
            other => panic!("not loaded: {other:?}"),
        }
    }

    const STOCK_WSDL: &str = include_str!("../tests/data/stock_quote.wsdl");

    fn proxy_with(publish: &str, parameters: &str) -> String {
        format!(
            r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="SQ" transports="http https">
                <target><inSequence><respond/></inSequence></target>
                {publish}{parameters}
            </proxy>"#
        )
    }

    #[test]
    fn metadata_queries_match_as_mi_matches_them() {
        assert_eq!(Get::parse("wsdl"), Some(Get::Wsdl(None)));
        assert_eq!(Get::parse("wsdl&x=1"), Some(Get::Wsdl(None)));
        assert_eq!(
            Get::parse("wsdl=a.wsdl"),
            Some(Get::Wsdl(Some("a.wsdl".into())))
        );
        assert_eq!(Get::parse("wsdl2"), Some(Get::Wsdl2));
        assert_eq!(
            Get::parse("xsd=q.xsd&y"),
            Some(Get::Xsd(Some("q.xsd".into())))
        );
        assert_eq!(Get::parse("xsd"), Some(Get::Xsd(None)));
        // The item must start the query and be a whole word.
        assert_eq!(Get::parse("x=1&wsdl"), None);
        assert_eq!(Get::parse("wsdlx"), None);
        assert_eq!(Get::parse("WSDL"), None);
        assert_eq!(Get::parse("info"), None);
    }

    #[test]
    fn default_wsdl_has_the_mediate_operation_and_axis2_ports() {
        let wsdl = deploy(&proxy_with("", ""), &[]).unwrap();
        let Published::Default(doc) = &wsdl.published else {
            panic!("default")
        };
        let text = wsdl.render(doc, site());
        let parsed = Document::parse(&text).expect("well-formed");
        assert_eq!(version_of(parsed.root_element()), Some(Version::V11));
        assert!(
            text.contains(r#"<wsdl:operation name="mediate">"#),
            "{text}"
        );
        assert!(text.contains(r#"soapAction="urn:mediate""#));
        assert!(text.contains(r#"<wsdl:portType name="SQPortType">"#));
        for (port, binding) in [
            ("SQHttpSoap11Endpoint", "SQSoap11Binding"),
            ("SQHttpSoap12Endpoint", "SQSoap12Binding"),
            ("SQHttpEndpoint", "SQHttpBinding"),
        ] {
            assert!(
                text.contains(&format!(
                    r#"<wsdl:port name="{port}" binding="ns1:{binding}">"#
                )),
                "{text}"
            );
            assert!(text.contains(&format!(
                r#"location="http://esb.example:8290/services/SQ.{port}""#
            )));
        }
        // Over HTTPS: Axis2's Https endpoint names.
        let https = wsdl.render(
            doc,
            Site {
                scheme: "https",
                host: "h",
            },
        );
        assert!(https.contains(r#"location="https://h/services/SQ.SQHttpsSoap11Endpoint""#));
    }

    #[test]
    fn services_are_replaced_by_the_proxys_on_the_wsdls_bindings() {
        let publish = r#"<publishWSDL key="sq.wsdl"><resource location="quote.xsd" key="quote.xsd"/></publishWSDL>"#;
        let xsd = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://services.samples/xsd"/>"#;
        let wsdl = deploy(
            &proxy_with(publish, ""),
            &[("sq.wsdl", STOCK_WSDL), ("quote.xsd", xsd)],
        )
        .unwrap();
        let loaded = loaded(&wsdl);
        assert_eq!(loaded.version, Version::V11);
        let text = wsdl.render(&loaded.document, site());
        Document::parse(&text).expect("well-formed");
        assert!(!text.contains("localhost:9000"), "{text}");
        assert!(!text.contains(r#"name="StockQuote""#));
        assert!(text.contains(r#"<wsdl:service xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/""#));
        assert!(text.contains(r#"name="SQ">"#));
        assert!(text.contains(
            r#"<wsdl:port name="SQHttpSoap11Endpoint" binding="b0:StockQuoteSoap11Binding">"#
        ));
        assert!(text.contains(
            r#"<soap12:address location="http://esb.example:8290/services/SQ.SQHttpSoap12Endpoint"/>"#
        ));
        // No HTTP binding in the WSDL: no HTTP port.
        assert!(!text.contains("SQHttpEndpoint"));
        // The import points at the proxy, which serves the resource.
        assert!(
            text.contains(r#"schemaLocation="SQ?xsd=quote.xsd""#),
            "{text}"
        );
        assert_eq!(loaded.resource("quote.xsd"), Some(xsd));
    }

    #[test]
    fn original_wsdl_keeps_its_services_with_addresses_rewritten() {
        let publish =
            r#"<publishWSDL key="sq.wsdl"><resource location="quote.xsd" key="q"/></publishWSDL>"#;
        let params = r#"<parameter name="useOriginalwsdl">true</parameter>"#;
        let wsdl = deploy(
            &proxy_with(publish, params),
            &[("sq.wsdl", STOCK_WSDL), ("q", "<a/>")],
        )
        .unwrap();
        let text = wsdl.render(&loaded(&wsdl).document, site());
        assert!(
            text.contains(r#"<wsdl:service name="StockQuote">"#),
            "{text}"
        );
        // Its port is not one of the proxy's endpoints: the proxy's address (Axis2's EPR).
        assert!(
            text.contains(r#"<soap:address location="http://esb.example:8290/services/SQ"/>"#),
            "{text}"
        );

        let params = r#"<parameter name="useOriginalwsdl">true</parameter><parameter name="modifyUserWSDLPortAddress">false</parameter>"#;
        let wsdl = deploy(
            &proxy_with(publish, params),
            &[("sq.wsdl", STOCK_WSDL), ("q", "<a/>")],
        )
        .unwrap();
        let text = wsdl.render(&loaded(&wsdl).document, site());
        assert!(text.contains("http://localhost:9000/services/SimpleStockQuoteService"));
    }

    #[test]
    fn an_address_of_another_port_or_scheme_follows_axis2() {
        let wsdl = deploy(&proxy_with("", ""), &[]).unwrap();
        let s = site();
        assert_eq!(
            wsdl.rewrite_address("Other", "http://backend/x", s),
            "http://esb.example:8290/services/SQ"
        );
        assert_eq!(
            wsdl.rewrite_address("Other", "REPLACE_WITH_ACTUAL_URL", s),
            "http://esb.example:8290/services/SQ"
        );
        assert_eq!(wsdl.rewrite_address("Other", "jms:/queue", s), "jms:/queue");
        assert_eq!(
            wsdl.rewrite_address("SQHttpSoap12Endpoint", "http://backend/x", s),
            "http://esb.example:8290/services/SQ.SQHttpSoap12Endpoint"
        );
    }

    #[test]
    fn transports_without_the_requests_scheme_list_no_port() {
        let xml = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="J" transports="jms">
            <target><inSequence><drop/></inSequence></target></proxy>"#;
        let wsdl = deploy(xml, &[]).unwrap();
        let Published::Default(doc) = &wsdl.published else {
            panic!()
        };
        let text = wsdl.render(doc, site());
        Document::parse(&text).expect("well-formed");
        assert!(text.contains(r#"name="J"/>"#), "{text}");
        assert!(!text.contains("<wsdl:port "));
    }

    #[test]
    fn a_wsdl_that_is_not_xml_or_not_a_wsdl_fails_the_deployment() {
        let publish = r#"<publishWSDL key="w"/>"#;
        let err = deploy(&proxy_with(publish, ""), &[("w", "just text")]).unwrap_err();
        assert!(err.contains("proxy service `SQ`"), "{err}");
        assert!(err.contains("is not XML"), "{err}");
        assert!(err.starts_with("proxy.xml:"), "{err}");

        let err = deploy(&proxy_with(publish, ""), &[("w", "<html/>")]).unwrap_err();
        assert!(
            err.contains("is not a WSDL: its root element is `html`"),
            "{err}"
        );
    }

    #[test]
    fn a_relative_import_nothing_resolves_fails_the_deployment() {
        let err = deploy(
            &proxy_with(r#"<publishWSDL key="sq.wsdl"/>"#, ""),
            &[("sq.wsdl", STOCK_WSDL)],
        )
        .unwrap_err();
        assert!(err.contains("imports `quote.xsd`"), "{err}");
        assert!(err.contains("<resource location=\"quote.xsd\""), "{err}");
    }

    #[test]
    fn inline_wsdl_is_read_as_written() {
        let publish = r#"<publishWSDL><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" targetNamespace="urn:t"><wsdl:binding name="B"><soap:binding/></wsdl:binding></wsdl:definitions></publishWSDL>"#;
        let wsdl = deploy(&proxy_with(publish, ""), &[]).unwrap();
        let text = wsdl.render(&loaded(&wsdl).document, site());
        Document::parse(&text).expect("well-formed");
        assert!(text.contains(r#"xmlns:b0="urn:t""#), "{text}");
        assert!(text.contains(r#"binding="b0:B""#), "{text}");
        assert!(text.ends_with("</wsdl:definitions>"), "{text}");
    }

    #[test]
    fn wsdl_2_endpoint_addresses_are_rewritten() {
        let publish = r#"<publishWSDL key="w2"/>"#;
        let w2 = r#"<description xmlns="http://www.w3.org/ns/wsdl"><service name="S" interface="I"><endpoint name="E" binding="B" address="http://backend/s"/></service></description>"#;
        let wsdl = deploy(&proxy_with(publish, ""), &[("w2", w2)]).unwrap();
        let loaded = loaded(&wsdl);
        assert_eq!(loaded.version, Version::V20);
        let text = wsdl.render(&loaded.document, site());
        assert!(
            text.contains(r#"address="http://esb.example:8290/services/SQ""#),
            "{text}"
        );
    }

    #[test]
    fn file_imports_are_served_by_path_from_the_wsdl() {
        let dir = std::env::temp_dir().join(format!("mediate-wsdl-unit-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("types")).unwrap();
        std::fs::write(
            dir.join("svc.wsdl"),
            r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><import location="types/a.wsdl"/></definitions>"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("types/a.wsdl"),
            r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"><types><xs:schema><xs:include schemaLocation="../b.xsd"/></xs:schema></types></definitions>"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("b.xsd"),
            r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>"#,
        )
        .unwrap();
        let uri = format!("file:{}", dir.join("svc.wsdl").display());
        let wsdl = deploy(
            &proxy_with(&format!(r#"<publishWSDL uri="{uri}"/>"#), ""),
            &[],
        )
        .unwrap();
        let loaded = loaded(&wsdl);
        let text = wsdl.render(&loaded.document, site());
        assert!(
            text.contains(r#"location="SQ?wsdl=types/a.wsdl""#),
            "{text}"
        );
        let a = loaded.resource("types/a.wsdl").expect("served");
        assert!(a.contains(r#"schemaLocation="SQ?xsd=b.xsd""#), "{a}");
        assert!(loaded.resource("b.xsd").is_some());
        assert!(loaded.resource("types%2Fa.wsdl").is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn urls_join_as_rfc_3986_says() {
        let base = "http://h:9000/services/S?wsdl";
        assert_eq!(join_url(base, "a.xsd"), "http://h:9000/services/a.xsd");
        assert_eq!(
            join_url(base, "S?xsd=xsd0.xsd"),
            "http://h:9000/services/S?xsd=xsd0.xsd"
        );
        assert_eq!(join_url(base, "../x/b.xsd"), "http://h:9000/x/b.xsd");
        assert_eq!(join_url(base, "/root.xsd"), "http://h:9000/root.xsd");
        assert_eq!(join_url(base, "//other/c.xsd"), "http://other/c.xsd");
        assert_eq!(join_url(base, "https://x/y"), "https://x/y");
    }

    #[test]
    fn keys_and_paths_follow_mi() {
        let entries: BTreeMap<String, Arc<str>> =
            [("gov:/wsdl/a.wsdl".to_owned(), Arc::from("<x/>"))].into();
        assert!(lookup(&entries, "gov:wsdl/a.wsdl").is_some());
        assert!(lookup(&entries, "wsdl/a.wsdl").is_some());
        assert!(lookup(&entries, "conf:/wsdl/a.wsdl").is_none());
        assert_eq!(
            project_dir(Some(Path::new(
                "/p/src/main/synapse-config/proxy-services/X.xml"
            ))),
            Path::new("/p")
        );
        assert_eq!(
            project_dir(Some(Path::new(
                "/p/src/main/wso2mi/artifacts/proxy-services/X.xml"
            ))),
            Path::new("/p")
        );
        assert_eq!(
            project_dir(Some(Path::new("/flat/x.xml"))),
            Path::new("/flat")
        );
        assert_eq!(
            file_url_path("///a/b%20c.wsdl"),
            Some(PathBuf::from("/a/b c.wsdl"))
        );
        assert_eq!(file_url_path("//remote/a"), None);
        assert_eq!(uri_scheme("C:\\x"), None);
        assert_eq!(
            relative_key(Path::new("/r/a/b.xsd"), Path::new("/r")),
            "a/b.xsd"
        );
        assert_eq!(
            relative_key(Path::new("/x.xsd"), Path::new("/r/s")),
            "../../x.xsd"
        );
    }

    #[test]
    fn a_uri_mediate_does_not_read_is_refused_clearly() {
        let err = deploy(
            &proxy_with(r#"<publishWSDL uri="ftp://h/x.wsdl"/>"#, ""),
            &[],
        )
        .unwrap_err();
        assert!(err.contains("not `ftp:`"), "{err}");
        let err = deploy(&proxy_with(r#"<publishWSDL uri="x.wsdl"/>"#, ""), &[]).unwrap_err();
        assert!(err.contains("not an absolute URI"), "{err}");
        // An http URI is kept to fetch on the first request.
        let wsdl = deploy(
            &proxy_with(r#"<publishWSDL uri="http://backend/s?wsdl"/>"#, ""),
            &[],
        )
        .unwrap();
        assert!(matches!(wsdl.published, Published::Remote(_)));
    }
}
