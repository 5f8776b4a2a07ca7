//! The endpoint runtime over real loopback HTTP: failover, load balancing (round robin,
//! weighted, session affinity) and recipient lists.

mod runtime_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use mediate_core::message::PendingBody;
use mediate_core::{Env, MessageContext};
use mediate_endpoints::{CallOutcome, EndpointDefinition, EndpointState, Endpoints};
use runtime_support::{Backend, Reply, refused_url, sender};

fn def(xml: &str) -> EndpointDefinition {
    support::endpoint(xml)
}

async fn text(msg: &mut MessageContext) -> String {
    msg.read_body().await.expect("response body");
    msg.payload_as_text().expect("text").to_owned()
}

/// Sends `n` messages through the named endpoint `name` and gives the response bodies.
async fn bodies(endpoints: &Endpoints, name: &str, n: usize) -> Vec<String> {
    let key = EndpointDefinition::indirect(name);
    let mut out = Vec::new();
    for _ in 0..n {
        let mut msg = MessageContext::from_text("m");
        endpoints
            .call(Some(&key), &mut msg, &Env::default())
            .await
            .unwrap();
        out.push(text(&mut msg).await);
    }
    out
}

/// A backend that closes connections (101505) while `down` is set.
async fn switchable(name: &'static str, down: &Arc<AtomicBool>) -> Backend {
    let down = Arc::clone(down);
    Backend::start(move |_| {
        if down.load(Ordering::SeqCst) {
            Reply::Close
        } else {
            Reply::text(200, name)
        }
    })
    .await
}

#[tokio::test]
async fn failover_moves_to_the_secondary_and_back_to_the_primary() {
    let primary_down = Arc::new(AtomicBool::new(true));
    let primary = switchable("primary", &primary_down).await;
    let secondary = Backend::text("secondary").await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint name="P"><address uri="{}">
                <suspendOnFailure><initialDuration>300</initialDuration></suspendOnFailure>
            </address></endpoint>
            <endpoint name="S"><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        primary.url("/p"),
        secondary.url("/s")
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("FO", fo)
        .build()
        .unwrap();

    assert_eq!(
        bodies(&endpoints, "FO", 2).await,
        ["secondary", "secondary"]
    );
    assert_eq!(primary.hits(), 1, "the suspended primary is skipped");
    assert_eq!(
        primary.requests()[0].body,
        secondary.requests()[0].body,
        "every child gets the same payload"
    );
    primary_down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(bodies(&endpoints, "FO", 2).await, ["primary", "primary"]);
    assert_eq!(endpoints.status("FO").unwrap().state, EndpointState::Active);
    assert_eq!(endpoints.status("FO").unwrap().kind, "failover");
}

#[tokio::test]
async fn failover_resends_a_streamed_body_to_every_child() {
    let primary_down = Arc::new(AtomicBool::new(true));
    let primary = switchable("primary", &primary_down).await;
    let secondary = Backend::text("secondary").await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        primary.url("/"),
        secondary.url("/")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let (parts, ()) = http::Request::post("http://localhost:8290/in")
        .header("content-type", "application/json")
        .body(())
        .unwrap()
        .into_parts();
    let body =
        PendingBody::from_chunks([Bytes::from_static(b"{\"n\":"), Bytes::from_static(b"1}")]);
    let mut msg = MessageContext::from_http_request_streaming(parts, Some(body));
    msg.set_rest_url_postfix("");
    endpoints
        .call(Some(&fo), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(primary.requests()[0].text(), r#"{"n":1}"#);
    assert_eq!(secondary.requests()[0].text(), r#"{"n":1}"#);
}

#[tokio::test]
async fn failover_with_nothing_ready() {
    let down = refused_url().await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{down}/a"/></endpoint>
            <endpoint><address uri="{down}/b"/></endpoint>
        </failover></endpoint>"#
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("FO", fo)
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("FO");
    let mut msg = MessageContext::from_text("x");
    // Both children were tried: the last one's code stays (MI's `informFailure`).
    let err = endpoints
        .call(Some(&key), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_503);
    // Both are suspended now: nothing is tried.
    let err = endpoints
        .call(Some(&key), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 303_000);
    assert_eq!(
        err.message(),
        "Failover endpoint : FO - no ready child endpoints"
    );
    assert!(!endpoints.status("FO").unwrap().active);
}

#[tokio::test]
async fn a_server_error_does_not_fail_over() {
    let primary = Backend::start(|_| Reply::text(500, "broken")).await;
    let secondary = Backend::text("secondary").await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        primary.url("/"),
        secondary.url("/")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = MessageContext::from_text("x");
    endpoints
        .call(Some(&fo), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(msg.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(text(&mut msg).await, "broken");
    assert_eq!(secondary.hits(), 0);
}

#[tokio::test]
async fn a_non_retry_error_code_stops_the_failover() {
    let down = refused_url().await;
    let secondary = Backend::text("secondary").await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{down}/a">
                <retryConfig><disabledErrorCodes>101503</disabledErrorCodes></retryConfig>
            </address></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        secondary.url("/")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = MessageContext::from_text("x");
    let err = endpoints
        .call(Some(&fo), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_503);
    assert_eq!(secondary.hits(), 0);
}

#[tokio::test]
async fn round_robin_starts_at_the_first_child() {
    let a = Backend::text("a").await;
    let b = Backend::text("b").await;
    let c = Backend::text("c").await;
    let lb = def(&format!(
        r#"<endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        a.url("/"),
        b.url("/"),
        c.url("/")
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("LB", lb)
        .build()
        .unwrap();
    assert_eq!(bodies(&endpoints, "LB", 5).await, ["a", "b", "c", "a", "b"]);
}

#[tokio::test]
async fn weighted_round_robin_follows_the_weights() {
    let a = Backend::text("a").await;
    let b = Backend::text("b").await;
    let lb = def(&format!(
        r#"<endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.WeightedRoundRobin">
            <endpoint><address uri="{}"/><property name="loadbalance.weight" value="2"/></endpoint>
            <endpoint><address uri="{}"/><property name="loadbalance.weight" value="1"/></endpoint>
        </loadbalance></endpoint>"#,
        a.url("/"),
        b.url("/")
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("W", lb)
        .build()
        .unwrap();
    assert_eq!(
        bodies(&endpoints, "W", 6).await,
        ["a", "a", "b", "a", "a", "b"]
    );
}

#[tokio::test]
async fn load_balancing_fails_over_to_the_next_child() {
    let down = refused_url().await;
    let b = Backend::text("b").await;
    let lb = def(&format!(
        r#"<endpoint><loadbalance>
            <endpoint><address uri="{down}/"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        b.url("/")
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("LB", lb)
        .build()
        .unwrap();
    assert_eq!(bodies(&endpoints, "LB", 3).await, ["b", "b", "b"]);

    let no_failover = def(&format!(
        r#"<endpoint><loadbalance failover="false">
            <endpoint><address uri="{down}/"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        b.url("/")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = MessageContext::from_text("m");
    let err = endpoints
        .call(Some(&no_failover), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_503);
}

#[tokio::test]
async fn http_sessions_stick_to_their_endpoint() {
    let a = Backend::start(|_| {
        Reply::text(200, "a").with_header("set-cookie", "JSESSIONID=sa; Path=/")
    })
    .await;
    let b = Backend::start(|_| {
        Reply::text(200, "b").with_header("set-cookie", "JSESSIONID=sb; Path=/")
    })
    .await;
    let lb = def(&format!(
        r#"<endpoint><session type="http"/><loadbalance>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        a.url("/"),
        b.url("/")
    ));
    let endpoints = Endpoints::builder(sender())
        .endpoint("SAL", lb)
        .build()
        .unwrap();
    let key = EndpointDefinition::indirect("SAL");
    let send = |cookie: Option<&'static str>| {
        let endpoints = endpoints.clone();
        let key = key.clone();
        async move {
            let mut msg = MessageContext::from_text("m");
            if let Some(c) = cookie {
                msg.set_transport_header("Cookie", c).unwrap();
            }
            endpoints
                .call(Some(&key), &mut msg, &Env::default())
                .await
                .unwrap();
            text(&mut msg).await
        }
    };
    assert_eq!(send(None).await, "a");
    assert_eq!(
        send(Some("theme=dark; JSESSIONID=sa")).await,
        "a",
        "bound to a"
    );
    assert_eq!(send(None).await, "b", "a new session goes round robin");
    assert_eq!(send(Some("JSESSIONID=sb")).await, "b");
    assert_eq!(send(Some("JSESSIONID=sa")).await, "a");
}

#[tokio::test]
async fn a_recipient_list_sends_to_every_recipient() {
    let a = Backend::text("a").await;
    let b = Backend::text("b").await;
    let rl = def(&format!(
        r#"<endpoint><recipientlist>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </recipientlist></endpoint>"#,
        a.url("/a"),
        b.url("/b")
    ));
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let deliveries = endpoints
        .call_all(
            Some(&rl),
            MessageContext::from_json(r#"{"to":"all"}"#),
            &Env::default(),
        )
        .await
        .collect::<Vec<_>>()
        .await;
    assert_eq!(deliveries.len(), 2);
    let mut got = Vec::new();
    for mut d in deliveries {
        assert_eq!(d.outcome.unwrap(), CallOutcome::Response);
        got.push(text(&mut d.message).await);
    }
    // Given in the order the recipients answer.
    got.sort();
    assert_eq!(got, ["a", "b"]);
    assert_eq!(a.requests()[0].text(), r#"{"to":"all"}"#);
    assert_eq!(b.requests()[0].text(), r#"{"to":"all"}"#);

    // Under `call`, the first response in declared order answers.
    let mut msg = MessageContext::from_json("{}");
    endpoints
        .call(Some(&rl), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(text(&mut msg).await, "a");
    assert_eq!(b.hits(), 2);
}

#[tokio::test]
async fn a_dynamic_recipient_list_reads_its_addresses_per_message() {
    let a = Backend::text("a").await;
    let b = Backend::text("b").await;
    let rl = def(
        r#"<endpoint><recipientlist><endpoints value="{get-property('targets')}"/></recipientlist></endpoint>"#,
    );
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let mut msg = MessageContext::from_text("x");
    msg.set_property("targets", format!("{},{}", a.url("/1"), b.url("/2")));
    let deliveries: Vec<_> = endpoints
        .call_all(Some(&rl), msg, &Env::default())
        .await
        .collect()
        .await;
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|d| d.outcome.is_ok()));
    assert_eq!(a.requests()[0].target, "/1");
    assert_eq!(b.requests()[0].target, "/2");

    let none: Vec<_> = endpoints
        .call_all(Some(&rl), MessageContext::from_text("x"), &Env::default())
        .await
        .collect()
        .await;
    assert_eq!(none.len(), 1);
    assert_eq!(none[0].outcome.as_ref().unwrap_err().code(), 303_000);
}

#[tokio::test]
async fn call_all_on_a_single_endpoint_gives_one_delivery() {
    let a = Backend::text("a").await;
    let endpoints = Endpoints::builder(sender()).build().unwrap();
    let ep = def(&format!(
        r#"<endpoint><address uri="{}"/></endpoint>"#,
        a.url("/")
    ));
    let mut deliveries: Vec<_> = endpoints
        .call_all(Some(&ep), MessageContext::from_text("x"), &Env::default())
        .await
        .collect()
        .await;
    assert_eq!(deliveries.len(), 1);
    let d = &mut deliveries[0];
    assert!(d.outcome.is_ok());
    assert_eq!(text(&mut d.message).await, "a");
}

#[tokio::test]
async fn groups_of_named_endpoints_share_their_state() {
    let down = refused_url().await;
    let b = Backend::text("b").await;
    let endpoints = Endpoints::builder(sender())
        .endpoint("A", def(&format!(r#"<endpoint><address uri="{down}/"/></endpoint>"#)))
        .endpoint("B", def(&format!(r#"<endpoint><address uri="{}"/></endpoint>"#, b.url("/"))))
        .endpoint(
            "FO",
            def(r#"<endpoint><failover><endpoint key="A"/><endpoint key="B"/></failover></endpoint>"#),
        )
        .build()
        .unwrap();
    assert_eq!(bodies(&endpoints, "FO", 2).await, ["b", "b"]);
    // A failed inside the group and is suspended for everyone who uses it.
    assert!(!endpoints.status("A").unwrap().active);
    let mut msg = MessageContext::from_text("m");
    let err = endpoints
        .call(
            Some(&EndpointDefinition::indirect("A")),
            &mut msg,
            &Env::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 303_001);
    let fo = endpoints.status("FO").unwrap();
    assert!(fo.active);
    assert_eq!(fo.state, EndpointState::Active);

    assert!(endpoints.switch_off("B"));
    let fo = endpoints.status("FO").unwrap();
    assert!(!fo.active, "no child is ready");
    assert!(
        matches!(fo.state, EndpointState::Suspended { .. }),
        "{fo:?}"
    );
}

#[tokio::test]
async fn the_failover_retry_limit_bounds_the_tries() {
    let down = refused_url().await;
    let c = Backend::text("c").await;
    let fo = def(&format!(
        r#"<endpoint><failover>
            <endpoint><address uri="{down}/1"/></endpoint>
            <endpoint><address uri="{down}/2"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </failover></endpoint>"#,
        c.url("/")
    ));
    let endpoints = Endpoints::builder(sender())
        .max_failover_retries(1)
        .build()
        .unwrap();
    let mut msg = MessageContext::from_text("m");
    let err = endpoints
        .call(Some(&fo), &mut msg, &Env::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_503, "two tries, both refused");
    assert_eq!(c.hits(), 0);
    // Both failed children are suspended now: the third is the first ready one.
    endpoints
        .call(Some(&fo), &mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(text(&mut msg).await, "c");
}
