//! `mediate serve` end to end over loopback: APIs and proxy services in front of real HTTP
//! backends started by the tests, checked against what MI does.

mod support;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use mediate_message::PendingBody;
use mediate_runtime::ServerConfig;
use mediate_transport_http::ResponseBody;
use support::*;

#[tokio::test]
async fn a_pass_through_api_relays_method_path_query_headers_and_body() {
    let backend = echo_backend().await;
    let (_rt, server) = serve_xml(&[api(
        "Orders",
        "/orders",
        &format!(
            r#"<resource methods="POST GET" url-mapping="/*"><inSequence>
                <call><endpoint><address uri="http://{}/backend"/></endpoint></call>
                <respond/>
            </inSequence></resource>"#,
            backend.addr
        ),
    )])
    .await;

    let got = send(
        Method::POST,
        &server.url("/orders/new/7?express=true&q=a%20b"),
        &[("content-type", "application/json"), ("x-trace", "t-1")],
        r#"{"order":{"id":7}}"#,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.text(), r#"{"order":{"id":7}}"#);
    assert_eq!(got.header("x-method"), Some("POST"));
    // An address endpoint appends REST_URL_POSTFIX: the path after the API context, with the
    // query.
    assert_eq!(
        got.header("x-path"),
        Some("/backend/new/7?express=true&q=a%20b")
    );
    assert_eq!(got.header("x-seen-x-trace"), Some("t-1"));
    assert_eq!(got.header("content-type"), Some("application/json"));

    let got = get(&server.url("/orders")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("x-method"), Some("GET"));
    assert_eq!(got.header("x-path"), Some("/backend"));
}

#[tokio::test]
async fn dispatch_answers_404_405_and_fills_uri_vars_and_query_params() {
    let (_rt, server) = serve_xml(&[api(
        "Stock",
        "/stockquote",
        r#"<resource methods="GET" uri-template="/view/{symbol}?currency={cur}"><inSequence>
            <payloadFactory media-type="json">
                <format>{"symbol":"$1","currency":"$2","rest":"$3"}</format>
                <args>
                    <arg expression="get-property('uri.var.symbol')"/>
                    <arg expression="$url:currency"/>
                    <arg expression="get-property('axis2', 'REST_URL_POSTFIX')"/>
                </args>
            </payloadFactory>
            <respond/>
        </inSequence></resource>"#,
    )])
    .await;

    let got = get(&server.url("/stockquote/view/IBM?currency=USD")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.json(),
        serde_json::json!({"symbol": "IBM", "currency": "USD", "rest": "/view/IBM?currency=USD"})
    );

    // No API takes the path: 404, empty (no main sequence deployed).
    let got = get(&server.url("/nowhere")).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert!(got.body.is_empty());
    // The API, but no resource: 404; the resource, but not the method: 405.
    assert_eq!(
        get(&server.url("/stockquote/other")).await.status,
        StatusCode::NOT_FOUND
    );
    let got = post_json(&server.url("/stockquote/view/IBM?currency=USD"), "{}").await;
    assert_eq!(got.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_resource_mismatch_handler_answers_unmatched_paths() {
    let (_rt, server) = serve_xml(&[
        api(
            "A",
            "/a",
            r#"<resource methods="GET" uri-template="/x"><inSequence><respond/></inSequence></resource>"#,
        ),
        synapse(
            r#"<sequence name="_resource_mismatch_handler_">
                <payloadFactory media-type="json"><format>{"error":"no such resource"}</format><args/></payloadFactory>
                <property name="HTTP_SC" value="404" scope="axis2"/>
                <respond/>
            </sequence>"#,
        ),
    ])
    .await;
    let got = get(&server.url("/a/y")).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert_eq!(got.json()["error"], "no such resource");
}

#[tokio::test]
async fn send_runs_the_response_through_the_out_sequence() {
    let backend = backend(|_req| async {
        let mut r = Response::new(ResponseBody::full(r#"{"price":12.5}"#));
        r.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        r
    })
    .await;
    let (_rt, server) = serve_xml(&[api(
        "Quotes",
        "/quotes",
        &format!(
            r#"<resource methods="GET" url-mapping="/*">
                <inSequence><send><endpoint><address uri="http://{}/q"/></endpoint></send></inSequence>
                <outSequence>
                    <header name="X-Out" value="seen" scope="transport"/>
                    <send/>
                </outSequence>
            </resource>"#,
            backend.addr
        ),
    )])
    .await;
    let got = get(&server.url("/quotes/IBM")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["price"], 12.5);
    assert_eq!(got.header("x-out"), Some("seen"));
}

#[tokio::test]
async fn a_proxy_service_at_services_name_sends_to_its_target_endpoint() {
    let backend = echo_backend().await;
    let (_rt, server) = serve_xml(&[synapse(&format!(
        r#"<proxy name="EchoProxy" transports="http https" startOnLoad="true">
            <target>
                <inSequence><header name="X-Via" value="proxy" scope="transport"/></inSequence>
                <endpoint><address uri="http://{}/echo"/></endpoint>
                <outSequence><header name="X-Out" value="1" scope="transport"/><send/></outSequence>
            </target>
        </proxy>"#,
        backend.addr
    ))])
    .await;
    let got = post_xml(
        &server.url("/services/EchoProxy"),
        "<order><id>1</id></order>",
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.text(), "<order><id>1</id></order>");
    assert_eq!(got.header("x-seen-x-via"), Some("proxy"));
    assert_eq!(got.header("x-out"), Some("1"));
}

#[tokio::test]
async fn a_refused_connection_reaches_the_fault_sequence_as_101503() {
    let port = closed_port().await;
    let (_rt, server) = serve_xml(&[api(
        "Down",
        "/down",
        &format!(
            r#"<resource methods="GET" url-mapping="/*">
                <inSequence><call><endpoint><address uri="http://127.0.0.1:{port}/x"/></endpoint></call><respond/></inSequence>
                <faultSequence>
                    <payloadFactory media-type="json">
                        <format>{{"code":$1,"message":"$2"}}</format>
                        <args>
                            <arg expression="get-property('ERROR_CODE')"/>
                            <arg expression="get-property('ERROR_MESSAGE')"/>
                        </args>
                    </payloadFactory>
                    <property name="HTTP_SC" value="502" scope="axis2"/>
                    <respond/>
                </faultSequence>
            </resource>"#
        ),
    )])
    .await;
    let got = get(&server.url("/down")).await;
    assert_eq!(got.status, StatusCode::BAD_GATEWAY);
    assert_eq!(got.json()["code"], 101503);
}

#[tokio::test]
async fn an_unhandled_failure_is_answered_500_with_the_error() {
    let port = closed_port().await;
    let (_rt, server) = serve_xml(&[api(
        "Down",
        "/down",
        &format!(
            r#"<resource methods="GET" url-mapping="/*">
                <inSequence><call><endpoint><address uri="http://127.0.0.1:{port}/x"/></endpoint></call><respond/></inSequence>
            </resource>"#
        ),
    )])
    .await;
    let got = get(&server.url("/down")).await;
    assert_eq!(got.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(got.json()["error"]["code"], 101503);
}

#[tokio::test]
async fn a_flow_that_never_answers_gets_202_as_in_mi() {
    let (_rt, server) = serve_xml(&[api(
        "Drop",
        "/drop",
        r#"<resource methods="POST" url-mapping="/*"><inSequence><log/><drop/></inSequence></resource>"#,
    )])
    .await;
    let got = post_json(&server.url("/drop"), r#"{"a":1}"#).await;
    assert_eq!(got.status, StatusCode::ACCEPTED);
    assert!(got.body.is_empty());
}

#[tokio::test]
async fn force_sc_accepted_with_out_only_answers_202_and_still_sends() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    let backend = backend(move |req: http::Request<Option<PendingBody>>| {
        let tx = tx.clone();
        async move {
            let body = match req.into_body() {
                Some(b) => b.read().await.unwrap_or_default(),
                None => Bytes::new(),
            };
            let _ = tx.send(body);
            Response::new(ResponseBody::empty())
        }
    })
    .await;
    let (_rt, server) = serve_xml(&[api(
        "Fire",
        "/fire",
        &format!(
            r#"<resource methods="POST" url-mapping="/*"><inSequence>
                <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
                <property name="OUT_ONLY" value="true"/>
                <send><endpoint><address uri="http://{}/in"/></endpoint></send>
            </inSequence></resource>"#,
            backend.addr
        ),
    )])
    .await;
    let got = post_json(&server.url("/fire"), r#"{"event":1}"#).await;
    assert_eq!(got.status, StatusCode::ACCEPTED);
    let delivered = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("the backend gets the message")
        .expect("one message");
    assert_eq!(&delivered[..], br#"{"event":1}"#);
}

#[tokio::test]
async fn http_sc_and_message_type_shape_the_reply() {
    let (_rt, server) = serve_xml(&[api(
        "Shape",
        "/shape",
        r#"<resource methods="POST" url-mapping="/*"><inSequence>
            <property name="HTTP_SC" value="201" scope="axis2"/>
            <property name="messageType" value="application/xml" scope="axis2"/>
            <respond/>
        </inSequence></resource>"#,
    )])
    .await;
    let got = post_json(&server.url("/shape"), r#"{"order":{"id":5}}"#).await;
    assert_eq!(got.status, StatusCode::CREATED);
    assert!(
        got.header("content-type")
            .is_some_and(|ct| ct.starts_with("application/xml")),
        "{:?}",
        got.headers
    );
    assert!(
        got.text().contains("<order><id>5</id></order>"),
        "{}",
        got.text()
    );
}

#[tokio::test]
async fn a_malformed_json_or_xml_body_goes_to_the_fault_sequence_and_the_server_stays_up() {
    let (_rt, server) = serve_xml(&[api(
        "Parse",
        "/parse",
        r#"<resource methods="POST" url-mapping="/*">
            <inSequence>
                <log level="custom"><property name="id" expression="json-eval($.id)"/></log>
                <respond/>
            </inSequence>
            <faultSequence>
                <payloadFactory media-type="json">
                    <format>{"fault":"$1"}</format>
                    <args><arg expression="get-property('ERROR_MESSAGE')"/></args>
                </payloadFactory>
                <property name="HTTP_SC" value="400" scope="axis2"/>
                <respond/>
            </faultSequence>
        </resource>"#,
    )])
    .await;
    let got = post_json(&server.url("/parse"), r#"{"id": 1,,}"#).await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    let fault = got.json()["fault"].as_str().unwrap_or_default().to_owned();
    assert!(fault.contains("JSON"), "{fault}");
    // Malformed XML, and XML nested past the depth limit, take the same path.
    let got = post_xml(&server.url("/parse"), "<order><id>1</order>").await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    assert!(
        got.json()["fault"]
            .as_str()
            .unwrap_or_default()
            .contains("XML")
    );
    let deep = format!("{}{}", "<a>".repeat(5000), "</a>".repeat(5000));
    let got = post_xml(&server.url("/parse"), &deep).await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    assert!(
        got.json()["fault"]
            .as_str()
            .unwrap_or_default()
            .contains("nested deeper")
    );
    // The server goes on.
    let got = post_json(&server.url("/parse"), r#"{"id": 2}"#).await;
    assert_eq!(got.status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_413_when_a_mediator_reads_it() {
    let mut config = ServerConfig::default();
    config.body_limit = 1024;
    let (_rt, server) = serve_xml_with(
        &[api(
            "Big",
            "/big",
            r#"<resource methods="POST" url-mapping="/*"><inSequence>
                <log level="full"/>
                <respond/>
            </inSequence></resource>"#,
        )],
        config,
    )
    .await;
    let big = format!(r#"{{"data":"{}"}}"#, "x".repeat(4096));
    let got = post_json(&server.url("/big"), &big).await;
    assert_eq!(got.status, StatusCode::PAYLOAD_TOO_LARGE);
    let got = post_json(&server.url("/big"), r#"{"data":"small"}"#).await;
    assert_eq!(got.status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_no_mediator_reads_streams_past_the_limit() {
    let backend = echo_backend().await;
    let mut config = ServerConfig::default();
    config.body_limit = 1024;
    let (_rt, server) = serve_xml_with(
        &[api(
            "Pass",
            "/pass",
            &format!(
                r#"<resource methods="POST" url-mapping="/*"><inSequence>
                    <log level="custom"><property name="m" value="pass-through"/></log>
                    <call><endpoint><address uri="http://{}/"/></endpoint></call>
                    <respond/>
                </inSequence></resource>"#,
                backend.addr
            ),
        )],
        config,
    )
    .await;
    let big = "y".repeat(256 * 1024);
    let got = send(
        Method::POST,
        &server.url("/pass"),
        &[("content-type", "text/plain")],
        big.clone(),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body.len(), big.len());
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let backend = backend(|_req| async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        Response::new(ResponseBody::full("slow"))
    })
    .await;
    let (_rt, mut server) = serve_xml(&[api(
        "Slow",
        "/slow",
        &format!(
            r#"<resource methods="GET" url-mapping="/*"><inSequence>
                <call><endpoint><address uri="http://{}/"/></endpoint></call><respond/>
            </inSequence></resource>"#,
            backend.addr
        ),
    )])
    .await;
    let url = server.url("/slow");
    let in_flight = tokio::spawn(async move { get(&url).await });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let stopped = server.begin_stop();
    let got = in_flight.await.expect("request task");
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.text(), "slow");
    stopped
        .await
        .expect("server task")
        .expect("server returns cleanly");
}

#[tokio::test]
async fn a_bad_request_line_is_400_and_the_server_goes_on() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_rt, server) = serve_xml(&[api(
        "Ok",
        "/ok",
        r#"<resource methods="GET" url-mapping="/*"><inSequence><respond/></inSequence></resource>"#,
    )])
    .await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"THIS IS NOT HTTP\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut buf),
    )
    .await;
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert_eq!(get(&server.url("/ok")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_proxy_inline_endpoint_keeps_its_state_across_requests() {
    let one = backend(|_req| async { Response::new(ResponseBody::full("one")) }).await;
    let two = backend(|_req| async { Response::new(ResponseBody::full("two")) }).await;
    let (_rt, server) = serve_xml(&[synapse(&format!(
        r#"<proxy name="Balanced" transports="http">
            <target>
                <endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
                    <endpoint><address uri="http://{}/"/></endpoint>
                    <endpoint><address uri="http://{}/"/></endpoint>
                </loadbalance></endpoint>
            </target>
        </proxy>"#,
        one.addr, two.addr
    ))])
    .await;
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            get(&server.url("/services/Balanced"))
                .await
                .text()
                .to_owned(),
        );
    }
    // Round-robin from the first child, across requests.
    assert_eq!(answers, ["one", "two", "one", "two"]);
}

#[tokio::test]
async fn force_sc_accepted_answers_202_at_a_call_and_drops_the_later_reply() {
    let backend = echo_backend().await;
    let (_rt, server) = serve_xml(&[api(
        "Accept",
        "/accept",
        &format!(
            r#"<resource methods="POST" url-mapping="/*"><inSequence>
                <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
                <call><endpoint><address uri="http://{}/"/></endpoint></call>
                <respond/>
            </inSequence></resource>"#,
            backend.addr
        ),
    )])
    .await;
    let got = post_json(&server.url("/accept"), r#"{"a":1}"#).await;
    assert_eq!(got.status, StatusCode::ACCEPTED);
    assert!(got.body.is_empty());
}
