//! What a served request records in the metrics: per API resource and proxy (with the
//! handles kept by the deployment), per endpoint, and bounded labels for addresses that come
//! from messages.

mod support;

use http::Method;
use mediate_runtime::metrics::Metrics;
use support::*;

/// The value of the sample `line_start` (`name{labels}`), if present.
fn sample(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(line_start)?.trim().parse().ok())
}

#[tokio::test]
async fn served_requests_are_counted_per_resource_proxy_and_endpoint() {
    let metrics = Metrics::install();
    let a = echo_backend().await;
    let b = echo_backend().await;
    let (_rt, server) = serve_xml(&[
        api(
            "MetricsAPI",
            "/metrics-api",
            &format!(
                r#"<resource methods="POST" uri-template="/one"><inSequence>
                    <call><endpoint name="MetricsOneEP"><address uri="http://{a}/one"/></endpoint></call>
                    <respond/>
                </inSequence></resource>
                <resource methods="POST" uri-template="/fanout"><inSequence>
                    <property name="targets" value="http://{a}/x,http://{b}/y"/>
                    <send><endpoint name="MetricsRL"><recipientlist>
                        <endpoints value="{{get-property('targets')}}"/>
                    </recipientlist></endpoint></send>
                </inSequence></resource>"#,
                a = a.addr,
                b = b.addr
            ),
        ),
        synapse(&format!(
            r#"<proxy name="MetricsProxy" transports="http"><target><inSequence>
                <call><endpoint><address uri="http://{}/p"/></endpoint></call><respond/>
            </inSequence></target></proxy>"#,
            a.addr
        )),
    ])
    .await;

    for _ in 0..3 {
        let got = send(Method::POST, &server.url("/metrics-api/one"), &[], "x").await;
        assert_eq!(got.status, 200);
    }
    let got = send(Method::POST, &server.url("/metrics-api/fanout"), &[], "x").await;
    assert_eq!(got.status, 200);
    let got = send(
        Method::POST,
        &server.url("/services/MetricsProxy"),
        &[],
        "x",
    )
    .await;
    assert_eq!(got.status, 200);
    let got = send(
        Method::GET,
        &server.url("/metrics-api/nothing-here"),
        &[],
        "",
    )
    .await;
    assert_eq!(got.status, 404);

    let text = metrics.render();
    assert_eq!(
        sample(
            &text,
            r#"mediate_http_requests_total{api="MetricsAPI",resource="/one",method="POST",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"mediate_http_request_duration_seconds_count{api="MetricsAPI",resource="/one"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"mediate_proxy_requests_total{proxy="MetricsProxy",status="200"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"mediate_http_requests_total{api="_none",resource="_none",method="GET",status="404"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"mediate_endpoint_calls_total{endpoint="MetricsOneEP",outcome="success"}"#
        ),
        Some(3.0),
        "{text}"
    );
    // The recipient list's addresses come from the message: they are counted under the
    // list's name, never as labels of their own. (The client's reply is the first response,
    // so at least one recipient has been counted by now.)
    assert!(
        sample(
            &text,
            r#"mediate_endpoint_calls_total{endpoint="MetricsRL",outcome="success"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(!text.contains(&b.addr.to_string()), "{text}");
    assert!(!text.contains(&format!("{}/x", a.addr)), "{text}");
}
