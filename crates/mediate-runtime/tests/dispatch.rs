//! Dispatch of requests to API resources, rule by rule, against what Synapse does
//! (wso2-synapse `api/API.java`, `api/AbstractApiHandler.java`, `api/dispatch/*`,
//! `commons/templates/uri/*`).

use std::sync::Arc;

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use mediate_config::{ArtifactConfig, Protocol, load_str};
use mediate_runtime::dispatch::{Dispatch, Dispatcher, Match, Request};
use proptest::prelude::*;

/// A resource element with a trivial in-sequence; `attrs` is its attributes.
fn res(attrs: &str) -> String {
    format!("<resource {attrs}><inSequence><respond/></inSequence></resource>")
}

/// A dispatcher over the APIs in `apis` (`<api>` elements without namespace).
fn dispatcher(apis: &str) -> Dispatcher {
    let xml =
        format!(r#"<definitions xmlns="http://ws.apache.org/ns/synapse">{apis}</definitions>"#);
    let registry = mediate_mediators::builtins::registry();
    let artifacts = match load_str(&xml, "apis.xml".as_ref(), &registry) {
        Ok(a) => a,
        Err(diags) => panic!("the test configuration loads:\n{diags}"),
    };
    Dispatcher::new(artifacts.into_iter().filter_map(|a| match a {
        ArtifactConfig::Api(api) => Some(Arc::new(api)),
        _ => None,
    }))
}

fn api(name: &str, context: &str, resources: &[&str]) -> String {
    api_with(&format!(r#"name="{name}" context="{context}""#), resources)
}

/// An `<api>` with the attributes `attrs`.
fn api_with(attrs: &str, resources: &[&str]) -> String {
    let body: String = resources.iter().map(|r| res(r)).collect();
    format!("<api {attrs}>{body}</api>")
}

fn get(d: &Dispatcher, path: &str) -> Dispatch {
    d.dispatch(&Method::GET, path, None, &HeaderMap::new())
}

fn send(d: &Dispatcher, method: Method, path: &str) -> Dispatch {
    d.dispatch(&method, path, None, &HeaderMap::new())
}

#[track_caller]
fn hit(d: Dispatch) -> Match {
    match d {
        Dispatch::Matched(m) => m,
        other => panic!("expected a match, got {other:?}"),
    }
}

/// (API name, resource index) of a match.
#[track_caller]
fn which(d: Dispatch) -> (String, usize) {
    let m = hit(d);
    (m.api().name.clone(), m.resource_index())
}

fn at(name: &str, index: usize) -> (String, usize) {
    (name.to_owned(), index)
}

#[test]
fn an_exact_mapping_beats_a_prefix_and_a_prefix_beats_an_extension() {
    let d = dispatcher(&api(
        "A",
        "/shop",
        &[
            r#"url-mapping="*.jsp""#,
            r#"url-mapping="/items/*""#,
            r#"url-mapping="/items/list.jsp""#,
        ],
    ));
    assert_eq!(which(get(&d, "/shop/items/list.jsp")), at("A", 2));
    assert_eq!(which(get(&d, "/shop/items/other.jsp")), at("A", 1));
    assert_eq!(which(get(&d, "/shop/misc/page.jsp?x=1")), at("A", 0));
    // the exact mapping ignores the query and trailing slashes
    assert_eq!(which(get(&d, "/shop/items/list.jsp/")), at("A", 2));
    assert_eq!(which(get(&d, "/shop/items/list.jsp?x=1")), at("A", 2));
}

#[test]
fn the_longest_prefix_wins_and_the_first_of_equals() {
    let d = dispatcher(&api(
        "A",
        "/p",
        &[
            r#"methods="GET" url-mapping="/a/*""#,
            r#"methods="GET" url-mapping="/a/b/*""#,
            r#"methods="GET" url-mapping="/*""#,
        ],
    ));
    assert_eq!(which(get(&d, "/p/a/b/c")), at("A", 1));
    assert_eq!(which(get(&d, "/p/a/b")), at("A", 1));
    assert_eq!(which(get(&d, "/p/a/bc")), at("A", 0));
    assert_eq!(which(get(&d, "/p/a?x=1")), at("A", 0));
    assert_eq!(which(get(&d, "/p/zzz")), at("A", 2));
    assert_eq!(which(get(&d, "/p")), at("A", 2));
    // `/*` counts one segment, as much as `/x/*`: the first of the two wins
    let d = dispatcher(&api(
        "B",
        "/q",
        &[
            r#"methods="GET" url-mapping="/*""#,
            r#"methods="GET POST" url-mapping="/x/*""#,
        ],
    ));
    assert_eq!(which(send(&d, Method::GET, "/q/x/1")), at("B", 0));
    assert_eq!(which(send(&d, Method::POST, "/q/x/1")), at("B", 1));
}

#[test]
fn url_mappings_come_before_templates_and_templates_go_in_order() {
    let d = dispatcher(&api(
        "A",
        "/o",
        &[
            r#"uri-template="/{id}""#,
            r#"uri-template="/{anything}""#,
            r#"url-mapping="/fixed""#,
        ],
    ));
    assert_eq!(which(get(&d, "/o/fixed")), at("A", 2));
    assert_eq!(which(get(&d, "/o/42")), at("A", 0));
    assert_eq!(
        hit(get(&d, "/o/42")).uri_vars(),
        [("id".to_owned(), "42".to_owned())]
    );
}

#[test]
fn the_default_resource_takes_what_nothing_else_does() {
    let d = dispatcher(&api(
        "A",
        "/d",
        &[
            r#"methods="GET""#,
            r#"methods="GET" uri-template="/x/{id}""#,
        ],
    ));
    assert_eq!(which(get(&d, "/d/x/1")), at("A", 1));
    assert_eq!(which(get(&d, "/d/y/z")), at("A", 0));
    assert_eq!(which(get(&d, "/d")), at("A", 0));
}

#[test]
fn methods_options_and_405() {
    let d = dispatcher(&api(
        "A",
        "/m",
        &[
            r#"methods="GET" uri-template="/g""#,
            r#"uri-template="/any""#,
        ],
    ));
    assert_eq!(which(send(&d, Method::GET, "/m/g")), at("A", 0));
    // OPTIONS reaches every resource
    assert_eq!(which(send(&d, Method::OPTIONS, "/m/g")), at("A", 0));
    // no methods: every method, even one Synapse does not list
    let patch = Method::from_bytes(b"PATCH").expect("method");
    assert_eq!(which(send(&d, patch, "/m/any")), at("A", 1));
    let trace = Method::from_bytes(b"TRACE").expect("method");
    assert_eq!(which(send(&d, trace, "/m/any")), at("A", 1));
    // POST is acceptable to resource 1, which does not take `/g`: 404, not 405
    let miss = send(&d, Method::POST, "/m/g");
    assert!(matches!(miss, Dispatch::NoResource { .. }), "{miss:?}");
    assert_eq!(miss.status(), Some(StatusCode::NOT_FOUND));

    // no resource accepts DELETE: the one taking the path says 405
    let d = dispatcher(&api(
        "B",
        "/m",
        &[
            r#"methods="GET" uri-template="/g""#,
            r#"methods="PUT POST" uri-template="/p""#,
        ],
    ));
    let miss = send(&d, Method::DELETE, "/m/g");
    assert!(
        matches!(miss, Dispatch::MethodNotAllowed { resource: 0, .. }),
        "{miss:?}"
    );
    assert_eq!(miss.status(), Some(StatusCode::METHOD_NOT_ALLOWED));
    let miss = send(&d, Method::DELETE, "/m/nothing");
    assert!(matches!(miss, Dispatch::NoResource { .. }), "{miss:?}");
}

#[test]
fn a_filter_that_refuses_gives_400() {
    let d = dispatcher(&api(
        "A",
        "/c",
        &[r#"methods="POST" uri-template="/in" content-type="application/json""#],
    ));
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("content-length", HeaderValue::from_static("2"));
    let ok = d.dispatch(&Method::POST, "/c/in", None, &headers);
    assert_eq!(which(ok), at("A", 0));
    // the whole header is compared
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    let miss = d.dispatch(&Method::POST, "/c/in", None, &headers);
    assert!(
        matches!(miss, Dispatch::Refused { resource: 0, .. }),
        "{miss:?}"
    );
    assert_eq!(miss.status(), Some(StatusCode::BAD_REQUEST));
    // without a body the content type is not checked
    let no_body = Request::new(&Method::POST, "/c/in", &headers).has_body(false);
    assert_eq!(which(d.dispatch_request(&no_body)), at("A", 0));
}

#[test]
fn user_agent_and_protocol_filters() {
    let d = dispatcher(&api(
        "A",
        "/u",
        &[
            r#"methods="GET" uri-template="/x" user-agent="curl/.*""#,
            r#"methods="GET" url-mapping="/x" protocol="https""#,
            r#"methods="GET""#,
        ],
    ));
    let mut headers = HeaderMap::new();
    headers.insert("user-agent", HeaderValue::from_static("curl/8.5"));
    assert_eq!(
        which(d.dispatch(&Method::GET, "/u/x", None, &headers)),
        at("A", 0)
    );
    // the expression must match the whole header
    headers.insert("user-agent", HeaderValue::from_static("xcurl/8.5"));
    assert_eq!(
        which(d.dispatch(&Method::GET, "/u/x", None, &headers)),
        at("A", 2)
    );
    // over https the url-mapping (tried before templates) takes it
    let https = Request::new(&Method::GET, "/u/x", &headers).transport(Protocol::Https);
    assert_eq!(which(d.dispatch_request(&https)), at("A", 1));
}

#[test]
fn apis_by_context_longest_first_on_segment_boundaries() {
    let d = dispatcher(
        &[
            api("Short", "/a", &[""]),
            api("Long", "/a/b", &[""]),
            api("Root", "/", &[""]),
        ]
        .concat(),
    );
    let names: Vec<&str> = d.apis().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Long", "Short", "Root"]);
    assert_eq!(which(get(&d, "/a/b/c")).0, "Long");
    assert_eq!(which(get(&d, "/a/b")).0, "Long");
    assert_eq!(which(get(&d, "/a/b?x=1")).0, "Long");
    assert_eq!(which(get(&d, "/a/bc")).0, "Short");
    assert_eq!(which(get(&d, "/ab")).0, "Root");
    let d = dispatcher(&api("Only", "/a", &[""]));
    assert!(matches!(get(&d, "/ab"), Dispatch::NoApi));
    assert_eq!(get(&d, "/ab").status(), None);
}

#[test]
fn url_and_context_versions() {
    let by_id = [r#"uri-template="/{id}""#];
    let d = dispatcher(
        &[
            api_with(
                r#"name="U" context="/orders" version="1.0" version-type="url""#,
                &by_id,
            ),
            api_with(
                r#"name="U" context="/orders" version="2.0" version-type="url""#,
                &by_id,
            ),
            api_with(
                r#"name="C" context="/{version}/stock" version="3" version-type="context""#,
                &by_id,
            ),
            api("Plain", "/orders", &[r#"uri-template="/{rest}""#]),
            api("Longer", "/orders/1.0", &[""]),
        ]
        .concat(),
    );
    // versioned APIs are tried before unversioned ones, whatever the context lengths
    assert_eq!(hit(get(&d, "/orders/1.0/7")).api().name, "U");
    // ... even when its resources then take nothing (`/{id}` does not match `/`)
    let miss = get(&d, "/orders/1.0");
    assert!(
        matches!(&miss, Dispatch::NoResource { api } if api.name == "U"),
        "{miss:?}"
    );
    let m = hit(get(&d, "/orders/2.0/7?x=1"));
    assert_eq!(
        (m.api().qualified_name(), m.uri_var("id")),
        ("U:v2.0".to_owned(), Some("7"))
    );
    assert_eq!(m.sub_request_path(), "/7?x=1");
    assert_eq!(m.rest_url_postfix(), "/7?x=1");
    assert_eq!(
        hit(get(&d, "/orders/1.0/7")).api().qualified_name(),
        "U:v1.0"
    );
    // no version in the URL: the unversioned API with the same context
    let m = hit(get(&d, "/orders/7"));
    assert_eq!(
        (m.api().name.as_str(), m.uri_var("rest")),
        ("Plain", Some("7"))
    );
    // context versioning
    let m = hit(get(&d, "/3/stock/IBM"));
    assert_eq!(
        (m.api().qualified_name(), m.uri_var("id")),
        ("C:v3".to_owned(), Some("IBM"))
    );
    assert_eq!(m.rest_url_postfix(), "/IBM");
    assert!(matches!(get(&d, "/4/stock/IBM"), Dispatch::NoApi));
}

#[test]
fn hostname_and_port() {
    let d = dispatcher(
        &[
            api_with(
                r#"name="H" context="/h" hostname="api.example.com" port="8290""#,
                &[""],
            ),
            api_with(r#"name="P" context="/p" port="443""#, &[""]),
        ]
        .concat(),
    );
    let mut headers = HeaderMap::new();
    assert!(matches!(
        d.dispatch(&Method::GET, "/h", None, &headers),
        Dispatch::NoApi
    ));
    headers.insert("host", HeaderValue::from_static("api.example.com:8290"));
    assert_eq!(which(d.dispatch(&Method::GET, "/h", None, &headers)).0, "H");
    headers.insert("host", HeaderValue::from_static("api.example.com"));
    assert!(matches!(
        d.dispatch(&Method::GET, "/h", None, &headers),
        Dispatch::NoApi
    ));
    // an HTTP/2 authority
    let h = d.dispatch(
        &Method::GET,
        "/h/x",
        Some("api.example.com:8290"),
        &HeaderMap::new(),
    );
    assert_eq!(which(h).0, "H");
    // no port in Host: 443 over https, 80 over http
    let https = Request::new(&Method::GET, "/p", &headers).transport(Protocol::Https);
    assert_eq!(which(d.dispatch_request(&https)).0, "P");
    assert!(matches!(
        d.dispatch(&Method::GET, "/p", None, &headers),
        Dispatch::NoApi
    ));
}

#[test]
fn transports_and_bindings() {
    let d = dispatcher(
        &[
            api_with(r#"name="S" context="/s" transports="https""#, &[""]),
            api_with(r#"name="B" context="/b" binds-to="MyInbound""#, &[""]),
        ]
        .concat(),
    );
    assert!(matches!(get(&d, "/s"), Dispatch::NoApi));
    let headers = HeaderMap::new();
    let https = Request::new(&Method::GET, "/s", &headers).transport(Protocol::Https);
    assert_eq!(which(d.dispatch_request(&https)).0, "S");
    assert!(matches!(get(&d, "/b"), Dispatch::NoApi));
    let inbound = Request::new(&Method::GET, "/b", &headers).binding(Some("MyInbound"));
    assert_eq!(which(d.dispatch_request(&inbound)).0, "B");
}

#[test]
fn uri_vars_and_query_params_are_decoded() {
    let d = dispatcher(&api(
        "A",
        "/q",
        &[
            r#"uri-template="/view/{symbol}""#,
            r#"uri-template="/files/{+path}""#,
            r#"uri-template="/quote?symbol={symbol}&amp;amount={amount}""#,
        ],
    ));
    let m = hit(get(&d, "/q/view/A%20B%2FC?x=%E2%82%AC&y=1+2&flag="));
    assert_eq!(m.uri_var("symbol"), Some("A B/C"));
    assert_eq!(m.query_param("x"), Some("€"));
    assert_eq!(m.query_param("y"), Some("1 2"));
    assert_eq!(m.query_param("flag"), Some(""));
    assert_eq!(
        m.full_request_path(),
        "/q/view/A%20B%2FC?x=%E2%82%AC&y=1+2&flag="
    );
    assert_eq!(
        m.rest_url_postfix(),
        "/view/A%20B%2FC?x=%E2%82%AC&y=1+2&flag="
    );
    let m = hit(get(&d, "/q/files/a/b%2Bc.txt"));
    assert_eq!(m.uri_var("path"), Some("a/b+c.txt"));
    let m = hit(get(&d, "/q/quote?symbol=IBM&amount=10"));
    assert_eq!(
        (m.resource_index(), m.uri_var("symbol"), m.uri_var("amount")),
        (2, Some("IBM"), Some("10"))
    );
    assert_eq!(m.query_param("amount"), Some("10"));
    // a bad escape in the query
    let bad = get(&d, "/q/view/x?k=%zz");
    assert!(
        matches!(&bad, Dispatch::BadQuery { param, .. } if param == "k"),
        "{bad:?}"
    );
    assert_eq!(bad.status(), Some(StatusCode::BAD_REQUEST));
}

#[test]
fn trailing_slashes_and_queries_on_templates() {
    let d = dispatcher(&api("A", "/t", &[r#"uri-template="/items/{id}""#]));
    assert_eq!(hit(get(&d, "/t/items/5/")).uri_var("id"), Some("5"));
    assert_eq!(
        hit(get(&d, "/t/items/5?full=true")).uri_var("id"),
        Some("5")
    );
    assert!(matches!(
        get(&d, "/t/items/5/6"),
        Dispatch::NoResource { .. }
    ));
    assert!(matches!(get(&d, "/t/items/"), Dispatch::NoResource { .. }));
    // the root sub-path
    let d = dispatcher(&api("R", "/r", &[r#"uri-template="/""#]));
    assert_eq!(hit(get(&d, "/r")).sub_request_path(), "/");
    assert_eq!(hit(get(&d, "/r/")).rest_url_postfix(), "/");
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

proptest! {
    /// A URL built from a template with any (non-empty) values matches it and gives them back.
    #[test]
    fn built_urls_match_their_template(
        segments in prop::collection::vec(("[a-z]{1,5}", any::<bool>()), 1..5),
        values in prop::collection::vec("\\PC{1,8}", 5),
        query in "\\PC{1,8}",
        with_query in any::<bool>(),
    ) {
        let mut template = String::new();
        let mut url = String::new();
        let mut expected = Vec::new();
        for (k, (literal, var)) in segments.iter().enumerate() {
            if *var {
                let name = format!("v{k}");
                template.push_str(&format!("/{{{name}}}"));
                url.push('/');
                url.push_str(&encode(&values[k]));
                expected.push((name, values[k].clone()));
            } else {
                template.push('/');
                template.push_str(literal);
                url.push('/');
                url.push_str(literal);
            }
        }
        if with_query {
            template.push_str("?q={q}");
            url.push_str("?q=");
            url.push_str(&encode(&query));
            expected.push(("q".to_owned(), query.clone()));
        }
        let xml = api("P", "/prop", &[&format!(r#"uri-template="{}""#, template.replace('&', "&amp;"))]);
        let d = dispatcher(&xml);
        let m = hit(get(&d, &format!("/prop{url}")));
        prop_assert_eq!(m.uri_vars(), &expected[..]);
        if with_query {
            prop_assert_eq!(m.query_param("q"), Some(query.as_str()));
        }
    }

    /// Any request target is dispatched without panicking.
    #[test]
    fn any_target_is_dispatched(target in "\\PC{0,30}") {
        let d = dispatcher(&[
            api("A", "/a", &[r#"uri-template="/{x}/{+y}""#, r#"url-mapping="/m/*""#, r#"url-mapping="*.x""#]),
            api_with(r#"name="V" context="/v" version="1" version-type="url""#, &[r#"uri-template="/{x:2}{.e}""#]),
        ].concat());
        let _ = get(&d, &target);
        let _ = get(&d, &format!("/a/{target}"));
        let _ = get(&d, &format!("/v/1/{target}"));
    }
}
