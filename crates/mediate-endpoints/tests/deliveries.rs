//! `Endpoints::call_all` gives each recipient's delivery as soon as that recipient answered:
//! a fast recipient's response is handed over while a slow one is still waiting.
//!
//! The slow backend is a gate the test opens itself, so the order is forced, not timed.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use mediate_core::message::PendingBody;
use mediate_core::transport::{HttpSender, InboundResponse, OutboundRequest, SendError};
use mediate_core::{Env, MessageContext, async_trait};
use mediate_endpoints::{CallOutcome, Delivery, Endpoints};
use tokio::sync::Notify;

/// A sender in memory: `/slow` answers only once the gate is opened, anything else at once;
/// every answer is recorded (`answered:PATH`) in the order given.
#[derive(Debug, Default)]
struct Gated {
    gate: Notify,
    events: Mutex<Vec<String>>,
}

#[async_trait]
impl HttpSender for Gated {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, SendError> {
        let path = request.uri.path().to_owned();
        if path == "/slow" {
            self.gate.notified().await;
        }
        self.events.lock().unwrap().push(format!("answered:{path}"));
        let body = PendingBody::from_chunks([path.into_bytes().into()]);
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "text/plain")
            .body(Some(body))
            .unwrap())
    }
}

async fn text(delivery: &mut Delivery) -> String {
    delivery.message.read_body().await.expect("body");
    delivery.message.payload_as_text().expect("text").to_owned()
}

/// The next delivery, failing the test rather than hanging when none comes.
async fn next(stream: &mut (impl Stream<Item = Delivery> + Unpin)) -> Option<Delivery> {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a delivery (the stream must not wait for the slow recipient)")
}

#[tokio::test]
async fn a_recipient_list_hands_over_each_delivery_as_it_is_answered() {
    let sender = Arc::new(Gated::default());
    let endpoints = Endpoints::builder(sender.clone()).build().unwrap();
    // The slow recipient is declared first: deliveries come in the order of the answers.
    let list = support::endpoint(
        r#"<endpoint><recipientlist>
            <endpoint><address uri="http://backend.test/slow"/></endpoint>
            <endpoint><address uri="http://backend.test/fast"/></endpoint>
        </recipientlist></endpoint>"#,
    );
    let env = Env::default();
    let mut deliveries = endpoints
        .call_all(Some(&list), MessageContext::from_text("m"), &env)
        .await;
    assert_eq!(deliveries.size_hint(), (2, Some(2)));

    let mut first = next(&mut deliveries).await.expect("the fast delivery");
    assert_eq!(first.outcome.as_ref().unwrap(), &CallOutcome::Response);
    assert_eq!(text(&mut first).await, "/fast");
    // Handed over while the slow recipient still had not answered.
    assert_eq!(*sender.events.lock().unwrap(), ["answered:/fast"]);
    assert_eq!(deliveries.remaining(), 1);

    sender.gate.notify_one();
    let mut second = next(&mut deliveries).await.expect("the slow delivery");
    assert_eq!(text(&mut second).await, "/slow");
    assert_eq!(
        *sender.events.lock().unwrap(),
        ["answered:/fast", "answered:/slow"]
    );
    assert!(next(&mut deliveries).await.is_none());
    assert_eq!(deliveries.size_hint(), (0, Some(0)));
}

#[tokio::test]
async fn one_endpoint_gives_one_delivery_ready_at_once() {
    let sender = Arc::new(Gated::default());
    let endpoints = Endpoints::builder(sender).build().unwrap();
    let leaf =
        support::endpoint(r#"<endpoint><address uri="http://backend.test/fast"/></endpoint>"#);
    let env = Env::default();
    let mut deliveries = endpoints
        .call_all(Some(&leaf), MessageContext::from_text("m"), &env)
        .await;
    assert_eq!(deliveries.size_hint(), (1, Some(1)));
    let mut only = next(&mut deliveries).await.expect("one delivery");
    assert_eq!(text(&mut only).await, "/fast");
    assert!(next(&mut deliveries).await.is_none());
}
