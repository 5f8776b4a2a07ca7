//! Proxy service WSDLs over loopback: `GET /services/NAME?wsdl` answered as MI answers it
//! (`<publishWSDL>` inline, by key, by `file:` and `http:` URI; the default WSDL of a proxy
//! without one), without running the proxy's in-sequence.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use mediate_message::PendingBody;
use mediate_runtime::Runtime;
use mediate_runtime::engine::Engine;
use mediate_transport_http::ResponseBody;
use support::*;

/// A WSDL 1.1 with a SOAP 1.1 and a SOAP 1.2 binding, a service pointing at a backend, and
/// an import of `quote.xsd` (relative).
const STOCK_WSDL: &str = include_str!("data/stock_quote.wsdl");

const QUOTE_XSD: &str = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://services.samples/xsd"><xs:element name="getQuote"/></xs:schema>"#;

/// A proxy named `name` whose in-sequence is the named sequence `ran` (so that its runs are
/// counted) followed by a `respond` with `ran` as the payload.
fn proxy(name: &str, attrs: &str, inner: &str) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}" {attrs}>
            <target inSequence="ran"/>
            {inner}
        </proxy>"#
    )
}

fn ran_sequence() -> String {
    synapse(
        r#"<sequence name="ran">
            <payloadFactory media-type="xml"><format><ran xmlns=""/></format><args/></payloadFactory>
            <respond/>
        </sequence>"#,
    )
}

fn ran(runtime: &Runtime) -> u64 {
    runtime
        .sequence_stats()
        .into_iter()
        .find(|(name, _)| name == "ran")
        .map_or(0, |(_, stats)| stats.messages_in)
}

/// A fresh folder under the system's temporary folder.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mediate-wsdl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(path, text).expect("write");
}

/// One request to `runtime`'s engine without a socket, with `host` as the `Host` header.
async fn handle(runtime: &Runtime, method: Method, path: &str, host: &str) -> Got {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .body(None)
        .expect("request");
    let reply = Engine::new(Arc::clone(runtime.snapshot()))
        .handle(request)
        .await;
    let mut headers = http::HeaderMap::new();
    if !reply.content_type().is_empty() {
        headers.insert(
            "content-type",
            reply.content_type().parse().expect("content type"),
        );
    }
    Got {
        status: reply.status().unwrap_or(StatusCode::OK),
        headers,
        body: reply.payload().clone(),
    }
}

#[tokio::test]
async fn an_inline_wsdl_is_served_with_the_proxys_address_and_no_mediation() {
    let inline = STOCK_WSDL.replace(
        r#"<xsd:import namespace="http://services.samples/xsd" schemaLocation="quote.xsd"/>"#,
        "",
    );
    let (runtime, server) = serve_xml(&[
        ran_sequence(),
        proxy(
            "StockQuoteProxy",
            "",
            &format!("<publishWSDL>{inline}</publishWSDL>"),
        ),
    ])
    .await;

    let got = get(&server.url("/services/StockQuoteProxy?wsdl")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), Some("text/xml"));
    let text = got.text();
    roxmltree::Document::parse(text).expect("a well-formed WSDL");
    // MI's ports, on the WSDL's bindings, at this server's address.
    let base = format!("http://{}/services/StockQuoteProxy", server.addr);
    assert!(text.contains(r#"name="StockQuoteProxy">"#), "{text}");
    assert!(
        text.contains(&format!(
            r#"<soap:address location="{base}.StockQuoteProxyHttpSoap11Endpoint"/>"#
        )),
        "{text}"
    );
    assert!(text.contains(&format!(
        r#"<soap12:address location="{base}.StockQuoteProxyHttpSoap12Endpoint"/>"#
    )));
    assert!(text.contains(r#"binding="b0:StockQuoteSoap11Binding""#));
    assert!(!text.contains("localhost:9000"), "{text}");
    // The rest of the WSDL as written.
    assert!(text.contains(r#"<wsdl:portType name="StockQuotePortType"/>"#));
    assert_eq!(ran(&runtime), 0, "the in-sequence does not run for ?wsdl");

    // A request to the service itself still goes through the in-sequence.
    let got = post_xml(&server.url("/services/StockQuoteProxy"), "<getQuote/>").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.text(), RAN);
    assert_eq!(ran(&runtime), 1);
    // So does a plain GET, and a POST whose query is `wsdl` (MI's GET processor only).
    let got = get(&server.url("/services/StockQuoteProxy")).await;
    assert_eq!(got.text(), RAN);
    let got = post_xml(&server.url("/services/StockQuoteProxy?wsdl"), "<a/>").await;
    assert_eq!(got.text(), RAN);
    // A query that merely contains `wsdl` is no metadata request either.
    let got = get(&server.url("/services/StockQuoteProxy?x=1&wsdl")).await;
    assert_eq!(got.text(), RAN);
    assert_eq!(ran(&runtime), 4);

    // The service's endpoint address names it too.
    let got =
        get(&server.url("/services/StockQuoteProxy.StockQuoteProxyHttpSoap11Endpoint?wsdl")).await;
    assert_eq!(got.header("content-type"), Some("text/xml"));
    assert_eq!(ran(&runtime), 4);
}

#[tokio::test]
async fn the_address_is_the_requests_host() {
    let (runtime, _server) = serve_xml(&[ran_sequence(), proxy("Echo", "", "")]).await;
    let got = handle(
        &runtime,
        Method::GET,
        "/services/Echo?wsdl",
        "gateway.example:8443",
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    let text = got.text();
    assert!(
        text.contains(
            r#"location="http://gateway.example:8443/services/Echo.EchoHttpSoap11Endpoint""#
        ),
        "{text}"
    );
    // A `Host` that would break the XML is escaped, never written raw.
    let got = handle(&runtime, Method::GET, "/services/Echo?wsdl", "a\"b").await;
    roxmltree::Document::parse(got.text()).expect("well-formed");
    assert!(got.text().contains("a&quot;b"));
}

#[tokio::test]
async fn a_wsdl_by_key_with_its_import_as_a_resource() {
    let (runtime, server) = serve_xml(&[
        ran_sequence(),
        synapse(&format!(r#"<localEntry key="sq_wsdl">{STOCK_WSDL}</localEntry>"#)),
        synapse(&format!(r#"<localEntry key="quote_xsd">{QUOTE_XSD}</localEntry>"#)),
        proxy(
            "SQ",
            r#"transports="http https""#,
            r#"<publishWSDL key="sq_wsdl"><resource location="quote.xsd" key="quote_xsd"/></publishWSDL>"#,
        ),
    ])
    .await;
    let got = get(&server.url("/services/SQ?wsdl")).await;
    assert_eq!(got.status, StatusCode::OK);
    let text = got.text();
    assert!(
        text.contains(r#"schemaLocation="SQ?xsd=quote.xsd""#),
        "{text}"
    );
    assert!(text.contains(&format!(
        r#"location="http://{}/services/SQ.SQHttpSoap11Endpoint""#,
        server.addr
    )));

    // The import, where the WSDL now says it is.
    let got = get(&server.url("/services/SQ?xsd=quote.xsd")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), Some("text/xml"));
    assert_eq!(got.text(), QUOTE_XSD);
    // An unknown one: an empty 404 (Synapse's DefaultHttpGetProcessor).
    let got = get(&server.url("/services/SQ?xsd=other.xsd")).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert!(got.body.is_empty());
    // A WSDL 1.1 is not converted to WSDL 2.0.
    let got = get(&server.url("/services/SQ?wsdl2")).await;
    assert_eq!(got.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(ran(&runtime), 0);
}

#[tokio::test]
async fn a_wsdl_from_a_file_uri_relative_to_the_project() {
    let dir = temp_dir("file");
    write(
        &dir.join("src/main/synapse-config/proxy-services/SQ.xml"),
        &proxy(
            "SQ",
            "",
            r#"<publishWSDL uri="file:resources/wsdl/sq.wsdl"/>"#,
        ),
    );
    write(
        &dir.join("src/main/synapse-config/sequences/ran.xml"),
        &ran_sequence(),
    );
    write(&dir.join("resources/wsdl/sq.wsdl"), STOCK_WSDL);
    write(&dir.join("resources/wsdl/quote.xsd"), QUOTE_XSD);

    let runtime = Runtime::builder()
        .load_dir(&dir)
        .unwrap_or_else(|d| panic!("deploys:\n{d}"));
    let got = handle(&runtime, Method::GET, "/services/SQ?wsdl", "mi:8290").await;
    assert_eq!(got.status, StatusCode::OK);
    let text = got.text();
    assert!(
        text.contains(r#"location="http://mi:8290/services/SQ.SQHttpSoap11Endpoint""#),
        "{text}"
    );
    // The import beside the file is served under its path from the WSDL.
    assert!(
        text.contains(r#"schemaLocation="SQ?xsd=quote.xsd""#),
        "{text}"
    );
    let got = handle(
        &runtime,
        Method::GET,
        "/services/SQ?xsd=quote.xsd",
        "mi:8290",
    )
    .await;
    assert_eq!(got.text(), QUOTE_XSD);
    assert_eq!(ran(&runtime), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_missing_wsdl_file_fails_the_deployment_naming_the_proxy_and_the_file() {
    let dir = temp_dir("missing");
    let proxy_file = dir.join("SQ.xml");
    write(
        &proxy_file,
        &proxy("SQ", "", r#"<publishWSDL uri="file:wsdl/missing.wsdl"/>"#),
    );
    write(&dir.join("ran.xml"), &ran_sequence());
    let Err(diags) = Runtime::builder().load_dir(&dir) else {
        panic!("a proxy whose WSDL cannot be read is not deployed");
    };
    let text = diags.to_string();
    let missing = dir.join("wsdl").join("missing.wsdl");
    assert!(
        text.starts_with(&format!("{}:3:", proxy_file.display())),
        "{text}"
    );
    assert!(text.contains("proxy service `SQ`"), "{text}");
    assert!(
        text.contains(r#"`<publishWSDL uri="file:wsdl/missing.wsdl">`"#),
        "{text}"
    );
    assert!(text.contains(&format!("`{}`", missing.display())), "{text}");
    assert!(text.contains("the file does not exist"), "{text}");

    // Not XML: refused too.
    write(&dir.join("wsdl/missing.wsdl"), "not a WSDL");
    let Err(diags) = Runtime::builder().load_dir(&dir) else {
        panic!("a WSDL that is not XML is refused");
    };
    assert!(diags.to_string().contains("is not XML"), "{diags}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_proxy_without_publish_wsdl_gets_the_default_wsdl() {
    let (runtime, server) = serve_xml(&[
        ran_sequence(),
        proxy("Echo", "", "").replace("<target", "<description>Echoes</description><target"),
    ])
    .await;
    let got = get(&server.url("/services/Echo?wsdl")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), Some("text/xml"));
    let text = got.text();
    let doc = roxmltree::Document::parse(text).expect("well-formed");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "definitions");
    // Synapse's `mediate` operation, Axis2's names.
    assert!(text.contains(r#"<wsdl:documentation>Echoes</wsdl:documentation>"#));
    assert!(text.contains(r#"<wsdl:portType name="EchoPortType">"#));
    assert!(text.contains(r#"<wsdl:operation name="mediate">"#));
    for port in [
        "EchoHttpSoap11Endpoint",
        "EchoHttpSoap12Endpoint",
        "EchoHttpEndpoint",
    ] {
        assert!(
            text.contains(&format!(
                r#"location="http://{}/services/Echo.{port}""#,
                server.addr
            )),
            "{text}"
        );
    }
    // No WSDL 2.0 for it (MI's message), no documents.
    let got = get(&server.url("/services/Echo?wsdl2")).await;
    assert_eq!(got.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        got.text(),
        "No WSDL was provided for the Service Echo. A WSDL cannot be generated."
    );
    let got = get(&server.url("/services/Echo?xsd=a.xsd")).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert_eq!(ran(&runtime), 0);
}

#[tokio::test]
async fn transports_metadata_exposure_and_start_on_load() {
    let (runtime, server) = serve_xml(&[
        ran_sequence(),
        proxy("Secure", r#"transports="https""#, ""),
        proxy("Queue", r#"transports="jms""#, ""),
        proxy(
            "Hidden",
            "",
            r#"<parameter name="exposeServiceMetadata">false</parameter>"#,
        ),
        proxy("Stopped", r#"startOnLoad="false""#, ""),
    ])
    .await;
    // MI's GET processor serves the WSDL whatever the transports; its ports are those of the
    // exposed transports, and this listener (plain HTTP) is not one of them.
    for name in ["Secure", "Queue"] {
        let got = get(&server.url(&format!("/services/{name}?wsdl"))).await;
        assert_eq!(got.status, StatusCode::OK);
        let text = got.text();
        assert!(text.contains(&format!(r#"name="{name}"/>"#)), "{text}");
        assert!(!text.contains("<wsdl:port "), "{text}");
    }
    let got = get(&server.url("/services/Hidden?wsdl")).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert_eq!(
        got.text(),
        "Access to service metadata for service: Hidden has been forbidden"
    );
    let got = get(&server.url("/services/Stopped?wsdl")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.text(),
        "<h4>Service Stopped is inactive. Cannot display WSDL document.</h4>"
    );
    assert_eq!(ran(&runtime), 0);
}

#[tokio::test]
async fn an_http_wsdl_is_fetched_on_the_first_request() {
    let origin = backend(|req: Request<Option<PendingBody>>| async move {
        let wsdl = STOCK_WSDL.replace(
            "schemaLocation=\"quote.xsd\"",
            "schemaLocation=\"types/quote.xsd\"",
        );
        let body = if req.uri().query() == Some("wsdl") {
            wsdl
        } else {
            String::from("nope")
        };
        let mut response = Response::new(ResponseBody::full(Bytes::from(body)));
        response
            .headers_mut()
            .insert("content-type", "text/xml".parse().unwrap());
        response
    })
    .await;
    let (runtime, server) = serve_xml(&[
        ran_sequence(),
        synapse(&format!(
            r#"<endpoint name="Backend"><address uri="http://{}/services/SimpleStockQuoteService"/></endpoint>"#,
            origin.addr
        )),
        proxy(
            "ByUri",
            "",
            &format!(
                r#"<publishWSDL uri="http://{}/services/SimpleStockQuoteService?wsdl"/>"#,
                origin.addr
            ),
        ),
        proxy("ByEndpoint", "", r#"<publishWSDL endpoint="Backend"/>"#),
    ])
    .await;
    for name in ["ByUri", "ByEndpoint"] {
        let got = get(&server.url(&format!("/services/{name}?wsdl"))).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text());
        let text = got.text();
        assert!(
            text.contains(&format!(
                r#"location="http://{}/services/{name}.{name}HttpSoap11Endpoint""#,
                server.addr
            )),
            "{text}"
        );
        // A relative import of a fetched WSDL points back where it came from.
        assert!(
            text.contains(&format!(
                r#"schemaLocation="http://{}/services/types/quote.xsd""#,
                origin.addr
            )),
            "{text}"
        );
    }

    // An origin that does not answer: the ?wsdl request fails, naming the URL; the proxy
    // itself is deployed and runs.
    let port = closed_port().await;
    let (runtime2, server2) = serve_xml(&[
        ran_sequence(),
        proxy(
            "Down",
            "",
            &format!(r#"<publishWSDL uri="http://127.0.0.1:{port}/x?wsdl"/>"#),
        ),
    ])
    .await;
    let got = get(&server2.url("/services/Down?wsdl")).await;
    assert_eq!(got.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        got.text()
            .starts_with("Error generating ?wsdl output for service : Down"),
        "{}",
        got.text()
    );
    assert!(
        got.text().contains(&format!("127.0.0.1:{port}")),
        "{}",
        got.text()
    );
    let got = get(&server2.url("/services/Down")).await;
    assert_eq!(got.text(), RAN);
    assert_eq!(ran(&runtime), 0);
    assert_eq!(ran(&runtime2), 1);
}

#[tokio::test]
async fn a_wsdl_that_is_not_a_wsdl_or_names_nothing_fails_the_deployment() {
    let registry = mediate_mediators::builtins::registry();
    let deploy = |xml: &[String]| {
        let mut all = Vec::new();
        for (i, x) in xml.iter().enumerate() {
            all.extend(
                mediate_config::load_str(x, format!("a{i}.xml").as_ref(), &registry)
                    .expect("loads"),
            );
        }
        Runtime::builder().deploy(mediate_config::Configuration::new(all))
    };
    let Err(diags) = deploy(&[
        ran_sequence(),
        synapse(r#"<localEntry key="notwsdl"><html/></localEntry>"#),
        proxy("P", "", r#"<publishWSDL key="notwsdl"/>"#),
    ]) else {
        panic!("refused")
    };
    let text = diags.to_string();
    assert!(text.starts_with("a2.xml:3:"), "{text}");
    assert!(text.contains("proxy service `P`"), "{text}");
    assert!(text.contains("is not a WSDL"), "{text}");

    let Err(diags) = deploy(&[
        ran_sequence(),
        proxy("P", "", r#"<publishWSDL endpoint="Nowhere"/>"#),
    ]) else {
        panic!("refused")
    };
    assert!(
        diags.to_string().contains("no endpoint named `Nowhere`"),
        "{diags}"
    );
}
