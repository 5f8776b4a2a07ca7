//! The leaf endpoints: `<address>`, `<http>` (with its `<authentication>`) and `<default>`.

use mediate_core::{BuildError, MediatorSpec, Namespaces};

use crate::check::{
    check_attributes, check_children, check_no_text, invalid, leaf_text, leaf_text_with, required,
    structure, unknown_child, whole_number,
};
use crate::settings::{EndpointSettings, LEAF_ATTRIBUTES, LEAF_CHILDREN};
use crate::uri::{LEGACY_PREFIX, check_uri, check_uri_template, is_placeholder};
use crate::write::{element, opt_attr, text_element};

/// `<address uri="…">`: send to a fixed address (Synapse's `AddressEndpoint`).
///
/// `uri` is any absolute URI a transport understands (`http://…`, `jms:/…`, `vfs:…`); it may
/// hold `${property}` parts, which the runtime fills from the message, or be a whole
/// `$SYSTEM:`/`$FILE:` placeholder, kept as written.
#[derive(Clone, Debug, PartialEq)]
pub struct AddressEndpoint {
    /// The address, trimmed as Synapse trims it.
    pub uri: String,
    /// Format, QoS, timeout and suspension settings.
    pub settings: EndpointSettings,
}

/// The HTTP method of an `<http>` endpoint. Without one, the incoming request's method is
/// used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// OPTIONS
    Options,
}

impl HttpMethod {
    /// The method's name (`GET`…).
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Options => "OPTIONS",
        }
    }

    /// Reads a `method` value, ignoring case as Synapse does.
    pub fn parse(value: &str) -> Option<Self> {
        [
            HttpMethod::Get,
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Delete,
            HttpMethod::Head,
            HttpMethod::Patch,
            HttpMethod::Options,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

/// `<http uri-template="…" [method]>`: a REST endpoint whose URL is an RFC 6570 template,
/// filled from the message's `uri.var.*` properties (Synapse's `HTTPEndpoint`).
#[derive(Clone, Debug, PartialEq)]
pub struct HttpEndpoint {
    /// The template, without the `legacy-encoding:` prefix.
    pub uri_template: String,
    /// Whether the template was written with `legacy-encoding:` (its variables are then
    /// expanded without re-encoding already encoded values).
    pub legacy_encoding: bool,
    /// The method; the incoming request's when not given.
    pub method: Option<HttpMethod>,
    /// `<authentication>`.
    pub authentication: Option<Authentication>,
    /// Format, QoS, timeout and suspension settings.
    pub settings: EndpointSettings,
}

/// `<default>`: send to the message's own `To` address, with these settings (Synapse's
/// `DefaultEndpoint`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DefaultEndpoint {
    /// Format, QoS, timeout and suspension settings.
    pub settings: EndpointSettings,
}

/// An `<http>` endpoint's `<authentication>`. Values are the elements' text, trimmed, and
/// otherwise kept as written: they may be `{expression}`s or `{wso2:vault-lookup('…')}`
/// secrets, which the runtime resolves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authentication {
    /// `<basicAuth><username/><password/></basicAuth>`.
    Basic {
        /// `<username>`.
        username: String,
        /// `<password>`.
        password: String,
    },
    /// `<oauth>` with one grant.
    OAuth(OAuth),
}

/// The grant type of an `<oauth>` configuration, with its grant-specific values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OAuthGrant {
    /// `<clientCredentials>`.
    ClientCredentials,
    /// `<authorizationCode>`: the refresh-token grant.
    AuthorizationCode {
        /// `<refreshToken>`.
        refresh_token: String,
    },
    /// `<passwordCredentials>`.
    Password {
        /// `<username>`.
        username: String,
        /// `<password>`.
        password: String,
    },
}

impl OAuthGrant {
    fn element(&self) -> &'static str {
        match self {
            OAuthGrant::ClientCredentials => "clientCredentials",
            OAuthGrant::AuthorizationCode { .. } => "authorizationCode",
            OAuthGrant::Password { .. } => "passwordCredentials",
        }
    }
}

/// An `<oauth>` configuration (wso2-synapse `OAuthUtils`, MI's "OAuth Properties").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuth {
    /// The grant and its own values.
    pub grant: OAuthGrant,
    /// `<clientId>`.
    pub client_id: String,
    /// `<clientSecret>`.
    pub client_secret: String,
    /// `<tokenUrl>`.
    pub token_url: String,
    /// The optional single-valued settings, in the order written, each an element name
    /// (`authMode`, `connectionTimeout`, `connectionRequestTimeout`, `socketTimeout`,
    /// `useGlobalConnectionTimeoutConfigs`, `useGlobalProxyConfigs`) and its text.
    pub options: Vec<(String, String)>,
    /// `<requestParameters><parameter name="…">value</parameter>…`.
    pub request_parameters: Vec<(String, String)>,
    /// `<customHeaders><header name="…">value</header>…`.
    pub custom_headers: Vec<(String, String)>,
    /// `<proxyConfigs>`: `proxyHost`, `proxyPort`, `proxyUsername`, `proxyPassword`,
    /// `proxyProtocol`, as written.
    pub proxy: Option<Vec<(String, String)>>,
}

const OAUTH_OPTIONS: &[&str] = &[
    "authMode",
    "connectionTimeout",
    "connectionRequestTimeout",
    "socketTimeout",
    "useGlobalConnectionTimeoutConfigs",
    "useGlobalProxyConfigs",
];
const PROXY_OPTIONS: &[&str] = &[
    "proxyHost",
    "proxyPort",
    "proxyUsername",
    "proxyPassword",
    "proxyProtocol",
];

fn leaf_children(own: &[&'static str]) -> Vec<&'static str> {
    own.iter().chain(LEAF_CHILDREN).copied().collect()
}

fn leaf_attributes(own: &[&'static str]) -> Vec<&'static str> {
    own.iter().chain(LEAF_ATTRIBUTES).copied().collect()
}

impl AddressEndpoint {
    pub(crate) fn read(spec: &MediatorSpec, ns: &Namespaces) -> Result<Self, BuildError> {
        check_attributes(spec, &leaf_attributes(&["uri"]))?;
        check_children(spec, LEAF_CHILDREN)?;
        check_no_text(spec)?;
        let uri = required(spec, "uri")?;
        check_uri(uri).map_err(|reason| invalid(spec, "uri", uri, reason))?;
        Ok(Self {
            uri: uri.trim().to_owned(),
            settings: EndpointSettings::read(spec, ns)?,
        })
    }

    pub(crate) fn write(&self, ns: &Namespaces) -> MediatorSpec {
        let spec = element("address", ns).property("uri", &self.uri);
        self.settings.write(spec, ns)
    }
}

impl HttpEndpoint {
    pub(crate) fn read(spec: &MediatorSpec, ns: &Namespaces) -> Result<Self, BuildError> {
        check_attributes(spec, &leaf_attributes(&["uri-template", "method"]))?;
        check_children(spec, &leaf_children(&["authentication"]))?;
        check_no_text(spec)?;
        let written = required(spec, "uri-template")?;
        let (template, legacy_encoding) = match written.strip_prefix(LEGACY_PREFIX) {
            Some(rest) => (rest, true),
            None => (written, false),
        };
        if !is_placeholder(template) {
            check_uri_template(template).map_err(|reason| {
                invalid(
                    spec,
                    "uri-template",
                    written,
                    format!("not a valid RFC 6570 URI template: {reason}"),
                )
            })?;
        }
        let method = match spec.get("method") {
            None => None,
            Some(m) => Some(HttpMethod::parse(m).ok_or_else(|| {
                invalid(
                    spec,
                    "method",
                    m,
                    "unknown HTTP method (expected `get`, `post`, `put`, `delete`, `head`, `patch` or `options`; leave it out to keep the request's method)",
                )
            })?),
        };
        Ok(Self {
            uri_template: template.to_owned(),
            legacy_encoding,
            method,
            authentication: spec
                .child_named("authentication")
                .map(read_authentication)
                .transpose()?,
            settings: EndpointSettings::read(spec, ns)?,
        })
    }

    pub(crate) fn write(&self, ns: &Namespaces) -> MediatorSpec {
        let template = if self.legacy_encoding {
            format!("{LEGACY_PREFIX}{}", self.uri_template)
        } else {
            self.uri_template.clone()
        };
        let mut spec = element("http", ns).property("uri-template", template);
        spec = opt_attr(
            spec,
            "method",
            self.method
                .map(|m| m.as_str().to_ascii_lowercase())
                .as_deref(),
        );
        spec = self.settings.write(spec, ns);
        if let Some(auth) = &self.authentication {
            spec = spec.child(write_authentication(auth, ns));
        }
        spec
    }
}

impl DefaultEndpoint {
    pub(crate) fn read(spec: &MediatorSpec, ns: &Namespaces) -> Result<Self, BuildError> {
        check_attributes(spec, LEAF_ATTRIBUTES)?;
        check_children(spec, LEAF_CHILDREN)?;
        check_no_text(spec)?;
        Ok(Self {
            settings: EndpointSettings::read(spec, ns)?,
        })
    }

    pub(crate) fn write(&self, ns: &Namespaces) -> MediatorSpec {
        self.settings.write(element("default", ns), ns)
    }
}

/// The text of the required leaf child `name` of `spec`.
fn required_text(spec: &MediatorSpec, name: &str) -> Result<String, BuildError> {
    match spec.child_named(name) {
        Some(child) => {
            let text = leaf_text(child)?;
            if text.is_empty() {
                return Err(structure(child, "must not be empty"));
            }
            Ok(text.to_owned())
        }
        None => Err(structure(spec, format!("needs a `<{name}>` element"))),
    }
}

fn read_authentication(spec: &MediatorSpec) -> Result<Authentication, BuildError> {
    check_attributes(spec, &[])?;
    check_children(spec, &["basicAuth", "oauth"])?;
    check_no_text(spec)?;
    let [child] = spec.children.as_slice() else {
        return Err(structure(
            spec,
            "holds exactly one of `<basicAuth>` or `<oauth>`",
        ));
    };
    if child.kind == "basicAuth" {
        check_attributes(child, &[])?;
        check_children(child, &["username", "password"])?;
        check_no_text(child)?;
        return Ok(Authentication::Basic {
            username: required_text(child, "username")?,
            password: required_text(child, "password")?,
        });
    }
    check_attributes(child, &[])?;
    let grants = [
        "clientCredentials",
        "authorizationCode",
        "passwordCredentials",
    ];
    check_children(child, &grants)?;
    check_no_text(child)?;
    let [grant] = child.children.as_slice() else {
        return Err(structure(
            child,
            "holds exactly one of `<clientCredentials>`, `<authorizationCode>` or `<passwordCredentials>`",
        ));
    };
    read_oauth(grant).map(Authentication::OAuth)
}

fn read_oauth(spec: &MediatorSpec) -> Result<OAuth, BuildError> {
    let own: &[&str] = match spec.kind.as_str() {
        "authorizationCode" => &["refreshToken"],
        "passwordCredentials" => &["username", "password"],
        _ => &[],
    };
    let mut allowed: Vec<&str> = vec![
        "clientId",
        "clientSecret",
        "tokenUrl",
        "requestParameters",
        "customHeaders",
        "proxyConfigs",
    ];
    allowed.extend_from_slice(own);
    allowed.extend_from_slice(OAUTH_OPTIONS);
    check_attributes(spec, &[])?;
    check_children(spec, &allowed)?;
    check_no_text(spec)?;
    let grant = match spec.kind.as_str() {
        "authorizationCode" => OAuthGrant::AuthorizationCode {
            refresh_token: required_text(spec, "refreshToken")?,
        },
        "passwordCredentials" => OAuthGrant::Password {
            username: required_text(spec, "username")?,
            password: required_text(spec, "password")?,
        },
        _ => OAuthGrant::ClientCredentials,
    };
    let mut options = Vec::new();
    for child in spec
        .children
        .iter()
        .filter(|c| OAUTH_OPTIONS.contains(&c.kind.as_str()))
    {
        let text = leaf_text(child)?;
        check_oauth_option(child, text)?;
        options.push((child.kind.clone(), text.to_owned()));
    }
    Ok(OAuth {
        grant,
        client_id: required_text(spec, "clientId")?,
        client_secret: required_text(spec, "clientSecret")?,
        token_url: required_text(spec, "tokenUrl")?,
        options,
        request_parameters: named_values(spec.child_named("requestParameters"), "parameter")?,
        custom_headers: named_values(spec.child_named("customHeaders"), "header")?,
        proxy: spec
            .child_named("proxyConfigs")
            .map(|p| {
                check_attributes(p, &[])?;
                check_children(p, PROXY_OPTIONS)?;
                check_no_text(p)?;
                p.children
                    .iter()
                    .map(|c| Ok((c.kind.clone(), leaf_text(c)?.to_owned())))
                    .collect::<Result<Vec<_>, BuildError>>()
            })
            .transpose()?,
    })
}

fn check_oauth_option(spec: &MediatorSpec, text: &str) -> Result<(), BuildError> {
    if text.starts_with('{') || is_placeholder(text) {
        return Ok(());
    }
    let reason = match spec.kind.as_str() {
        "authMode" if !matches!(text.to_ascii_lowercase().as_str(), "header" | "payload") => Some(
            format!("unknown auth mode `{text}` (expected `header` or `payload`)"),
        ),
        "connectionTimeout" | "connectionRequestTimeout" | "socketTimeout" => {
            whole_number::<i32>(text, "a timeout in milliseconds (a whole number ≥ 0)").err()
        }
        "useGlobalConnectionTimeoutConfigs" | "useGlobalProxyConfigs"
            if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") =>
        {
            Some(format!("`{text}` is not `true` or `false`"))
        }
        _ => None,
    };
    match reason {
        Some(r) => Err(structure(spec, r)),
        None => Ok(()),
    }
}

/// `<parameter name="n">value</parameter>` children of `list`, in order.
fn named_values(
    list: Option<&MediatorSpec>,
    item: &str,
) -> Result<Vec<(String, String)>, BuildError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    check_attributes(list, &[])?;
    check_no_text(list)?;
    let mut out: Vec<(String, String)> = Vec::new();
    for child in &list.children {
        if child.kind != item {
            return Err(unknown_child(list, child, &[item]));
        }
        let value = leaf_text_with(child, &["name"])?;
        let name = required(child, "name")?;
        if out.iter().any(|(n, _)| n == name) {
            return Err(invalid(
                child,
                "name",
                name,
                format!("`{name}` is given twice in `<{}>`", list.kind),
            ));
        }
        out.push((name.to_owned(), value.to_owned()));
    }
    Ok(out)
}

fn write_named(
    kind: &str,
    item: &str,
    values: &[(String, String)],
    ns: &Namespaces,
) -> MediatorSpec {
    values.iter().fold(element(kind, ns), |spec, (n, v)| {
        spec.child(text_element(item, v.clone(), ns).property("name", n))
    })
}

fn write_authentication(auth: &Authentication, ns: &Namespaces) -> MediatorSpec {
    let inner = match auth {
        Authentication::Basic { username, password } => element("basicAuth", ns)
            .child(text_element("username", username.clone(), ns))
            .child(text_element("password", password.clone(), ns)),
        Authentication::OAuth(o) => {
            let mut g = element(o.grant.element(), ns)
                .child(text_element("clientId", o.client_id.clone(), ns))
                .child(text_element("clientSecret", o.client_secret.clone(), ns));
            match &o.grant {
                OAuthGrant::ClientCredentials => {}
                OAuthGrant::AuthorizationCode { refresh_token } => {
                    g = g.child(text_element("refreshToken", refresh_token.clone(), ns));
                }
                OAuthGrant::Password { username, password } => {
                    g = g
                        .child(text_element("username", username.clone(), ns))
                        .child(text_element("password", password.clone(), ns));
                }
            }
            g = g.child(text_element("tokenUrl", o.token_url.clone(), ns));
            for (name, value) in &o.options {
                g = g.child(text_element(name, value.clone(), ns));
            }
            if !o.request_parameters.is_empty() {
                g = g.child(write_named(
                    "requestParameters",
                    "parameter",
                    &o.request_parameters,
                    ns,
                ));
            }
            if !o.custom_headers.is_empty() {
                g = g.child(write_named(
                    "customHeaders",
                    "header",
                    &o.custom_headers,
                    ns,
                ));
            }
            if let Some(proxy) = &o.proxy {
                g = g.child(proxy.iter().fold(element("proxyConfigs", ns), |p, (n, v)| {
                    p.child(text_element(n, v.clone(), ns))
                }));
            }
            element("oauth", ns).child(g)
        }
    };
    element("authentication", ns).child(inner)
}
