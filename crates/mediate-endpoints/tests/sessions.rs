//! Session-affine load balancing over real loopback HTTP beyond `http` cookies:
//! `simpleClientSession` (the client's `syn:ClientID` SOAP header, bound when the request goes)
//! and `soap` (the `axis2:ServiceGroupId` a response names in its WS-Addressing `ReplyTo`,
//! carried by later requests in their SOAP header), as Synapse's `SimpleClientSessionDispatcher`
//! and `SoapSessionDispatcher` do.

mod runtime_support;
mod support;

use mediate_core::{Env, MessageContext};
use mediate_endpoints::{EndpointDefinition, Endpoints};
use runtime_support::{Backend, Reply, sender};

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

fn soap_request(header: &str) -> MessageContext {
    let mut msg = MessageContext::from_bytes(
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Header>{header}</soapenv:Header><soapenv:Body><getQuote/></soapenv:Body></soapenv:Envelope>"#
        ),
        "text/xml",
    );
    msg.set_http_method(http::Method::POST);
    msg
}

fn client_id(id: &str) -> String {
    format!(r#"<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">{id}</syn:ClientID>"#)
}

fn service_group(id: &str) -> String {
    format!(
        r#"<axis2:ServiceGroupId xmlns:axis2="http://ws.apache.org/namespaces/axis2">{id}</axis2:ServiceGroupId>"#
    )
}

fn balancer(session: &str, a: &Backend, b: &Backend) -> Endpoints {
    let xml = format!(
        r#"<endpoint><session type="{session}"/><loadbalance>
            <endpoint><address uri="{}"/></endpoint>
            <endpoint><address uri="{}"/></endpoint>
        </loadbalance></endpoint>"#,
        a.url("/a"),
        b.url("/b")
    );
    Endpoints::builder(sender())
        .endpoint("LB", support::endpoint(&xml))
        .build()
        .unwrap()
}

/// Sends `msg` through `LB`; the path of the backend that answered (its body).
async fn send(endpoints: &Endpoints, mut msg: MessageContext) -> String {
    endpoints
        .call(
            Some(&EndpointDefinition::indirect("LB")),
            &mut msg,
            &Env::default(),
        )
        .await
        .unwrap();
    msg.read_body().await.unwrap();
    msg.payload_as_text().unwrap().to_owned()
}

#[tokio::test]
async fn a_client_session_sticks_to_the_child_its_first_request_went_to() {
    let a = Backend::text("a").await;
    let b = Backend::text("b").await;
    let lb = balancer("simpleClientSession", &a, &b);
    // Round robin: the first new session goes to a, the second to b.
    assert_eq!(send(&lb, soap_request(&client_id("alice"))).await, "a");
    assert_eq!(send(&lb, soap_request(&client_id("bob"))).await, "b");
    // From then on each client's requests go to its child, whatever round robin would say.
    for _ in 0..3 {
        assert_eq!(send(&lb, soap_request(&client_id(" alice "))).await, "a");
        assert_eq!(send(&lb, soap_request(&client_id("bob"))).await, "b");
    }
    // No ClientID header: balanced without affinity.
    let plain: Vec<String> = vec![
        send(&lb, soap_request("")).await,
        send(&lb, soap_request("")).await,
    ];
    assert!(plain.contains(&"a".to_owned()) && plain.contains(&"b".to_owned()));
    // The header goes to the backend untouched.
    assert!(a.requests()[0].text().contains(">alice</syn:ClientID>"));
}

#[tokio::test]
async fn a_client_session_whose_first_child_fails_is_bound_to_the_one_that_answers() {
    let a = Backend::start(|_| Reply::Close).await;
    let b = Backend::text("b").await;
    let lb = balancer("simpleClientSession", &a, &b);
    assert_eq!(send(&lb, soap_request(&client_id("carol"))).await, "b");
    assert_eq!(a.hits(), 1);
    // a failed and is suspended; carol stays on b.
    assert_eq!(send(&lb, soap_request(&client_id("carol"))).await, "b");
    assert_eq!(a.hits(), 1);
}

#[tokio::test]
async fn a_soap_session_is_established_by_the_response_and_followed_by_requests() {
    let reply = |name: &'static str, group: Option<&'static str>| {
        move |_: &runtime_support::Recorded| {
            let header = group.map_or(String::new(), |g| {
                format!(
                    r#"<wsa:ReplyTo xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address><wsa:ReferenceParameters>{}</wsa:ReferenceParameters></wsa:ReplyTo>"#,
                    service_group(g)
                )
            });
            Reply::Respond {
                status: 200,
                headers: vec![("content-type".into(), "text/xml".into())],
                body: format!(
                    r#"<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Header>{header}</soapenv:Header><soapenv:Body><from>{name}</from></soapenv:Body></soapenv:Envelope>"#
                )
                .into_bytes(),
            }
        }
    };
    let a = Backend::start(reply("a", Some("urn:uuid:sg-a"))).await;
    let b = Backend::start(reply("b", None)).await;
    let lb = balancer("soap", &a, &b);
    // A new session carrying a stale id: round robin picks a, and the stale id is removed
    // from the request (Synapse's removeSessionID); a's response names its service group.
    let first = send(&lb, soap_request(&service_group("urn:uuid:stale"))).await;
    assert!(first.contains("<from>a</from>"), "{first}");
    assert!(!a.requests()[0].text().contains("ServiceGroupId"));
    // Requests in that service group go to a; others are balanced (b is next).
    for _ in 0..3 {
        let got = send(&lb, soap_request(&service_group("urn:uuid:sg-a"))).await;
        assert!(got.contains("<from>a</from>"), "{got}");
    }
    let other = send(&lb, soap_request("")).await;
    assert!(other.contains("<from>b</from>"), "{other}");
    // A request in the session keeps its header.
    assert!(a.requests()[1].text().contains("urn:uuid:sg-a"));
    assert_eq!(b.hits(), 1);
}
