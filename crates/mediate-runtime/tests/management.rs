//! The management port over real loopback HTTP: health, metrics and the read-only management
//! API, queried with a minimal HTTP/1.1 client on a raw TCP stream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mediate_config::{ArtifactConfig, Configuration, load_str};
use mediate_runtime::management::{
    EndpointState, EndpointStatus, ManagementState, Readiness, serve_management,
};
use mediate_runtime::metrics::{self, Metrics};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Generous: only there so that a broken server fails the test rather than hanging it.
const TIMEOUT: Duration = Duration::from_secs(20);

const PROJECT: &str = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
  <api name="StockQuote" context="/stockquote">
    <resource methods="GET" uri-template="/view/{symbol}"><inSequence><respond/></inSequence></resource>
    <resource methods="POST PUT" url-mapping="/order/*"><inSequence><respond/></inSequence></resource>
    <resource><inSequence><respond/></inSequence></resource>
  </api>
  <api name="Orders" context="/orders" version="1.0.0" version-type="url" hostname="orders.example" port="8290">
    <resource methods="GET" uri-template="/{id}"><inSequence><respond/></inSequence></resource>
  </api>
  <proxy name="EchoProxy" transports="http https" startOnLoad="true">
    <target><inSequence><respond/></inSequence></target>
  </proxy>
  <endpoint name="QuoteEP"><address uri="http://localhost:9000/services/SimpleStockQuoteService"/></endpoint>
  <endpoint name="SecuredEP">
    <http uri-template="http://backend.example/{uri.var.id}" method="GET">
      <authentication><basicAuth><username>svc</username><password>hunter2</password></basicAuth></authentication>
    </http>
  </endpoint>
  <endpoint name="BalancedEP">
    <loadbalance>
      <endpoint name="a"><address uri="http://a.example/"/></endpoint>
      <endpoint><address uri="http://b.example/"/></endpoint>
    </loadbalance>
  </endpoint>
  <sequence name="audit" trace="enable"><log/><property name="seen" value="yes"/></sequence>
  <sequence name="main"><sequence key="audit"/></sequence>
  <template name="LogIt"><parameter name="level"/><sequence><log/></sequence></template>
  <template name="Backend"><endpoint name="$name"><address uri="$uri"/></endpoint></template>
  <localEntry key="greeting">Hello</localEntry>
  <localEntry key="db"><dbConfig xmlns=""><user>app</user><password>s3cret</password></dbConfig><description>the database</description></localEntry>
</definitions>"#;

fn configuration() -> Arc<Configuration> {
    let registry = mediate_mediators::builtins::registry();
    let artifacts = load_str(PROJECT, "project.xml".as_ref(), &registry)
        .unwrap_or_else(|e| panic!("the test project loads: {e}"));
    let configuration = Configuration::new(artifacts);
    assert!(
        configuration.check().is_empty(),
        "{}",
        configuration.check()
    );
    Arc::new(configuration)
}

/// A running management port.
struct Server {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(state: ManagementState) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_management(listener, state, async {
            stopped.await.ok();
        }));
        Server {
            address,
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        let served = tokio::time::timeout(TIMEOUT, &mut self.task)
            .await
            .expect("the server stops")
            .expect("the server task does not panic");
        served.expect("the server stops without an error");
    }

    async fn get(&self, path: &str) -> Reply {
        self.request("GET", path).await
    }

    async fn json(&self, path: &str) -> (u16, Value) {
        let reply = self.get(path).await;
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{path}: {}",
            reply.body
        );
        let value = serde_json::from_str(&reply.body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", reply.body));
        (reply.status, value)
    }

    async fn request(&self, method: &str, path: &str) -> Reply {
        tokio::time::timeout(TIMEOUT, http(self.address, method, path))
            .await
            .unwrap_or_else(|_| panic!("{method} {path}: no answer"))
    }
}

/// An HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a new connection (`Connection: close`), read to the end.
async fn http(address: SocketAddr, method: &str, path: &str) -> Reply {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("a UTF-8 answer");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn state() -> (ManagementState, Readiness) {
    let readiness = Readiness::new();
    let state = ManagementState::new(configuration(), readiness.clone(), Metrics::install())
        .with_http_base_url("http://mediate.test:8290/")
        .with_endpoint_status(Arc::new(|name: &str| match name {
            "QuoteEP" => Some(EndpointStatus {
                state: EndpointState::Suspended,
                retry_in: Some(Duration::from_secs(25)),
            }),
            "BalancedEP" => Some(EndpointStatus {
                state: EndpointState::Off,
                retry_in: None,
            }),
            _ => None,
        }));
    (state, readiness)
}

fn names(list: &Value) -> Vec<&str> {
    list["list"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["name"].as_str().expect("a name"))
        .collect()
}

/// Reads a `configuration` back as one artifact.
fn read_back(xml: &Value) -> ArtifactConfig {
    let registry = mediate_mediators::builtins::registry();
    let xml = xml.as_str().expect("configuration is text");
    let mut artifacts = load_str(xml, "back.xml".as_ref(), &registry)
        .unwrap_or_else(|e| panic!("configuration reads back: {e}\n{xml}"));
    assert_eq!(artifacts.len(), 1, "{xml}");
    artifacts.remove(0)
}

#[tokio::test]
async fn healthz_is_503_until_every_artifact_is_deployed_then_200() {
    let (state, readiness) = state();
    let server = Server::start(state).await;

    let (status, body) = server.json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (503, Some("not ready")));

    readiness.set_ready();
    let (status, body) = server.json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));

    readiness.set_not_ready();
    assert_eq!(server.get("/healthz").await.status, 503);
    server.stop().await;
}

#[tokio::test]
async fn metrics_serve_prometheus_text_with_the_recorded_series() {
    let (state, _) = state();
    let server = Server::start(state).await;
    metrics::record_request(
        "MetricsTestApi",
        "/view/{symbol}",
        "GET",
        200,
        Duration::from_millis(7),
    );
    metrics::record_faulted_request(
        "MetricsTestApi",
        "/view/{symbol}",
        "GET",
        200,
        Duration::from_millis(9),
    );
    metrics::record_proxy_request("MetricsTestProxy", 502, Duration::from_millis(30));
    metrics::record_sequence("metrics-test-sequence");

    let reply = server.get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    for line in [
        r#"mediate_http_requests_total{api="MetricsTestApi",resource="/view/{symbol}",method="GET",status="200"} 2"#,
        r#"mediate_http_errors_total{api="MetricsTestApi",resource="/view/{symbol}"} 1"#,
        r#"mediate_http_request_duration_seconds_bucket{api="MetricsTestApi",resource="/view/{symbol}",le="0.01"} 2"#,
        r#"mediate_http_request_duration_seconds_count{api="MetricsTestApi",resource="/view/{symbol}"} 2"#,
        r#"mediate_proxy_requests_total{proxy="MetricsTestProxy",status="502"} 1"#,
        r#"mediate_proxy_errors_total{proxy="MetricsTestProxy"} 1"#,
        r#"mediate_sequence_runs_total{sequence="metrics-test-sequence"} 1"#,
        "# TYPE mediate_http_request_duration_seconds histogram",
        "# HELP mediate_http_requests_total REST API requests answered",
    ] {
        assert!(
            reply.body.contains(line),
            "missing {line:?} in\n{}",
            reply.body
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn apis_are_listed_with_their_urls_and_shown_with_resources_and_xml() {
    let (state, _) = state();
    let server = Server::start(state).await;

    let (status, list) = server.json("/management/apis").await;
    assert_eq!(status, 200);
    assert_eq!(list["count"], 2);
    assert_eq!(names(&list), ["StockQuote", "Orders:v1.0.0"]);
    let first = &list["list"][0];
    assert_eq!(first["url"], "http://mediate.test:8290/stockquote");
    assert_eq!(first["context"], "/stockquote");
    assert_eq!(first["version"], "N/A");
    assert_eq!(first["tracing"], "disabled");
    assert_eq!(
        list["list"][1]["url"],
        "http://mediate.test:8290/orders/1.0.0"
    );

    let (status, api) = server.json("/management/apis?apiName=StockQuote").await;
    assert_eq!(status, 200);
    assert_eq!(api["name"], "StockQuote");
    let resources = api["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 3);
    assert_eq!(resources[0]["methods"], serde_json::json!(["GET"]));
    assert_eq!(resources[0]["url"], "/view/{symbol}");
    assert_eq!(resources[0]["dispatch"], "uri-template");
    assert_eq!(resources[1]["methods"], serde_json::json!(["POST", "PUT"]));
    assert_eq!(resources[1]["dispatch"], "url-mapping");
    assert_eq!(resources[2]["url"], "N/A");
    assert_eq!(
        resources[2]["methods"].as_array().map(Vec::len),
        Some(7),
        "a resource without methods takes every method"
    );
    let ArtifactConfig::Api(back) = read_back(&api["configuration"]) else {
        panic!("an API's configuration is an <api>")
    };
    assert_eq!(
        (back.name.as_str(), back.resources.len()),
        ("StockQuote", 3)
    );

    // A versioned API by its deployed name, or by its plain name when that is unambiguous.
    for query in ["Orders:v1.0.0", "Orders"] {
        let (status, api) = server
            .json(&format!("/management/apis?apiName={query}"))
            .await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(api["version"], "1.0.0");
        assert_eq!(api["host"], "orders.example");
        assert_eq!(api["port"], 8290);
    }
    server.stop().await;
}

#[tokio::test]
async fn proxy_services_show_their_service_urls() {
    let (state, _) = state();
    let server = Server::start(state).await;

    let (_, list) = server.json("/management/proxy-services").await;
    assert_eq!(list["count"], 1);
    let proxy = &list["list"][0];
    assert_eq!(proxy["name"], "EchoProxy");
    assert_eq!(proxy["url"], "http://mediate.test:8290/services/EchoProxy");
    assert_eq!(
        proxy["wsdl1_1"],
        "http://mediate.test:8290/services/EchoProxy?wsdl"
    );

    let (status, proxy) = server
        .json("/management/proxy-services?proxyServiceName=EchoProxy")
        .await;
    assert_eq!(status, 200);
    assert_eq!(proxy["isRunning"], true);
    assert_eq!(
        proxy["eprs"],
        serde_json::json!(["http://mediate.test:8290/services/EchoProxy"])
    );
    assert_eq!(proxy["transports"], serde_json::json!(["http", "https"]));
    assert!(
        matches!(read_back(&proxy["configuration"]), ArtifactConfig::Proxy(p) if p.name == "EchoProxy")
    );
    server.stop().await;
}

#[tokio::test]
async fn endpoints_show_type_target_and_the_state_the_runtime_reports() {
    let (state, _) = state();
    let server = Server::start(state).await;

    let (_, list) = server.json("/management/endpoints").await;
    assert_eq!(list["count"], 3);
    let summary: Vec<(&str, &str, bool, &str)> = list["list"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default(),
                e["type"].as_str().unwrap_or_default(),
                e["isActive"].as_bool().unwrap_or_default(),
                e["state"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("QuoteEP", "address", false, "suspended"),
            ("SecuredEP", "http", true, "active"),
            ("BalancedEP", "loadbalance", false, "off"),
        ]
    );

    let (_, quote) = server
        .json("/management/endpoints?endpointName=QuoteEP")
        .await;
    assert_eq!(
        quote["address"],
        "http://localhost:9000/services/SimpleStockQuoteService"
    );
    assert_eq!(quote["retryInSeconds"], 25.0);

    let (_, secured) = server
        .json("/management/endpoints?endpointName=SecuredEP")
        .await;
    assert_eq!(
        secured["uriTemplate"],
        "http://backend.example/{uri.var.id}"
    );
    assert_eq!(secured["method"], "GET");
    assert!(secured.get("retryInSeconds").is_none());
    let xml = secured["configuration"].as_str().expect("configuration");
    assert!(xml.contains("<password>*****</password>"), "{xml}");
    assert!(!xml.contains("hunter2"), "the password leaks: {xml}");
    assert!(xml.contains("<username>svc</username>"), "{xml}");

    let (_, balanced) = server
        .json("/management/endpoints?endpointName=BalancedEP")
        .await;
    assert_eq!(
        balanced["endpoints"],
        serde_json::json!([
            {"name": "a", "type": "address", "address": "http://a.example/"},
            {"type": "address", "address": "http://b.example/"},
        ])
    );
    server.stop().await;
}

#[tokio::test]
async fn sequences_show_their_mediators_and_xml() {
    let (state, _) = state();
    let server = Server::start(state).await;

    let (_, list) = server.json("/management/sequences").await;
    assert_eq!(names(&list), ["audit", "main"]);
    assert_eq!(list["list"][0]["tracing"], "enabled");
    assert_eq!(list["list"][1]["tracing"], "disabled");

    let (status, audit) = server
        .json("/management/sequences?sequenceName=audit")
        .await;
    assert_eq!(status, 200);
    assert_eq!(audit["mediators"], serde_json::json!(["log", "property"]));
    assert!(matches!(
        read_back(&audit["configuration"]),
        ArtifactConfig::Sequence(s) if s.mediators.len() == 2
    ));
    server.stop().await;
}

#[tokio::test]
async fn templates_are_found_by_type_and_name() {
    let (state, _) = state();
    let server = Server::start(state).await;

    let (_, all) = server.json("/management/templates").await;
    assert_eq!(all["count"], 2);
    assert_eq!(all["list"][0]["type"], "sequence");
    assert_eq!(all["list"][0]["Parameters"], serde_json::json!(["level"]));
    assert_eq!(all["list"][1]["type"], "endpoint");

    let (_, endpoints) = server.json("/management/templates?type=endpoint").await;
    assert_eq!(
        endpoints,
        serde_json::json!({"count": 1, "list": [{"name": "Backend"}]})
    );

    let (status, one) = server
        .json("/management/templates?type=sequence&name=LogIt")
        .await;
    assert_eq!((status, one["name"].as_str()), (200, Some("LogIt")));
    assert!(
        matches!(read_back(&one["configuration"]), ArtifactConfig::Template(t) if t.name == "LogIt")
    );

    let (status, _) = server.json("/management/templates?name=Backend").await;
    assert_eq!(status, 200, "a name alone finds a template of either type");

    let (status, wrong) = server
        .json("/management/templates?type=endpoint&name=LogIt")
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        wrong["Error"],
        "no endpoint template named `LogIt` is deployed"
    );

    let (status, bad) = server.json("/management/templates?type=mediator").await;
    assert_eq!(status, 400);
    assert!(
        bad["Error"]
            .as_str()
            .is_some_and(|e| e.contains("`mediator`")),
        "{bad}"
    );
    server.stop().await;
}

#[tokio::test]
async fn local_entries_show_values_with_passwords_masked() {
    let (state, _) = state();
    let server = Server::start(state).await;

    let (_, list) = server.json("/management/local-entries").await;
    assert_eq!(
        list,
        serde_json::json!({"count": 2, "list": [
            {"name": "greeting", "type": "Inline Text"},
            {"name": "db", "type": "Inline XML"},
        ]})
    );

    let (_, greeting) = server.json("/management/local-entries?name=greeting").await;
    assert_eq!(greeting["value"], "Hello");

    let (_, db) = server.json("/management/local-entries?name=db").await;
    let value = db["value"].as_str().expect("a value");
    assert!(value.contains("<password>*****</password>"), "{value}");
    assert!(value.contains("<user>app</user>"), "{value}");
    assert_eq!(db["description"], "the database");
    let xml = db["configuration"].as_str().expect("configuration");
    assert!(!xml.contains("s3cret") && !value.contains("s3cret"), "{db}");
    server.stop().await;
}

#[tokio::test]
async fn unknown_artifacts_answer_404_with_a_json_error_naming_them() {
    let (state, _) = state();
    let server = Server::start(state).await;
    for (path, error) in [
        (
            "/management/apis?apiName=Nope",
            "no API named `Nope` is deployed",
        ),
        (
            "/management/proxy-services?proxyServiceName=Nope",
            "no proxy service named `Nope` is deployed",
        ),
        (
            "/management/endpoints?endpointName=Nope",
            "no endpoint named `Nope` is deployed",
        ),
        (
            "/management/sequences?sequenceName=Nope",
            "no sequence named `Nope` is deployed",
        ),
        (
            "/management/templates?type=sequence&name=Nope",
            "no sequence template named `Nope` is deployed",
        ),
        (
            "/management/local-entries?name=No%20pe",
            "no local entry named `No pe` is deployed",
        ),
    ] {
        let (status, body) = server.json(path).await;
        assert_eq!(
            (status, body["Error"].as_str()),
            (404, Some(error)),
            "{path}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_paths_and_other_methods_are_refused_in_json() {
    let (state, _) = state();
    let server = Server::start(state).await;

    let (status, body) = server.json("/management/inbound-endpoints").await;
    assert_eq!(status, 404);
    let error = body["Error"].as_str().expect("an error");
    assert!(
        error.contains("`/management/inbound-endpoints`") && error.contains("/management/apis"),
        "{error}"
    );
    assert_eq!(server.get("/").await.status, 404);

    let reply = server.request("POST", "/management/endpoints").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    assert!(reply.body.contains("read-only"), "{}", reply.body);
    assert_eq!(server.request("DELETE", "/healthz").await.status, 405);

    let head = server.request("HEAD", "/management/apis").await;
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    server.stop().await;
}

#[tokio::test]
async fn the_index_and_trailing_slashes_answer() {
    let (state, _) = state();
    let server = Server::start(state).await;
    for path in ["/management", "/management/"] {
        let (status, index) = server.json(path).await;
        assert_eq!(status, 200);
        assert_eq!(index["ManagementApi"], "Active");
        assert!(
            index["resources"]
                .as_array()
                .is_some_and(|r| r.contains(&Value::from("/management/endpoints"))),
            "{index}"
        );
    }
    let (status, list) = server.json("/management/sequences/").await;
    assert_eq!((status, list["count"].as_u64()), (200, Some(2)));
    server.stop().await;
}

#[tokio::test]
async fn search_key_filters_lists_ignoring_case() {
    let (state, _) = state();
    let server = Server::start(state).await;
    let (_, found) = server.json("/management/endpoints?searchKey=ep").await;
    assert_eq!(found["count"], 3);
    let (_, found) = server.json("/management/endpoints?searchKey=QUOTE").await;
    assert_eq!(names(&found), ["QuoteEP"]);
    let (_, found) = server.json("/management/apis?searchKey=%20%20").await;
    assert_eq!(found["count"], 2, "a blank key lists everything");
    server.stop().await;
}

#[tokio::test]
async fn a_replaced_configuration_is_served_at_once() {
    let (state, _) = state();
    let server = Server::start(state.clone()).await;
    assert_eq!(server.json("/management/sequences").await.1["count"], 2);

    let registry = mediate_mediators::builtins::registry();
    let xml = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="only"><log/></sequence>"#;
    let reloaded =
        Configuration::new(load_str(xml, "only.xml".as_ref(), &registry).expect("loads"));
    state.replace_configuration(Arc::new(reloaded));

    let (_, list) = server.json("/management/sequences").await;
    assert_eq!(names(&list), ["only"]);
    assert_eq!(server.json("/management/apis").await.1["count"], 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_servers_in_one_process_share_the_recorder() {
    let (a, _) = state();
    let (b, _) = state();
    let (a, b) = (Server::start(a).await, Server::start(b).await);
    metrics::record_sequence("shared-recorder-sequence");
    for server in [&a, &b] {
        let text = server.get("/metrics").await.body;
        assert!(
            text.contains(r#"mediate_sequence_runs_total{sequence="shared-recorder-sequence"} 1"#),
            "{text}"
        );
    }
    a.stop().await;
    b.stop().await;
}
