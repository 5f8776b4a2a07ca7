//! `send` and an out-only `call` in the background: a recipient list's responses run through
//! the response flow as they arrive (a fast recipient's flow is not held up by a slow one),
//! and the exchange's task is tracked by the environment's `BackgroundTasks` so that a server
//! can wait for it before it stops.
//!
//! The slow backend is a gate the test opens itself, so orders are forced, not timed.

mod flows;

use flows::{address, sequence};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mediate_core::exchange::Responder;
use mediate_core::message::PendingBody;
use mediate_core::tasks::BackgroundTasks;
use mediate_core::transport::{HttpSender, InboundResponse, OutboundRequest, SendError};
use mediate_core::{
    Env, Flow, MediationError, MediatorSpec, MessageContext, Sequence, async_trait, mediator_fn,
};
use mediate_endpoints::Endpoints;
use tokio::sync::Notify;

/// A sender in memory: `/slow` answers only once the gate is opened, anything else at once;
/// what it receives and answers is recorded in `events`, in order.
#[derive(Debug, Default)]
struct Gated {
    gate: Notify,
    events: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl HttpSender for Gated {
    async fn send(&self, mut request: OutboundRequest) -> Result<InboundResponse, SendError> {
        let path = request.uri.path().to_owned();
        let body = match std::mem::take(&mut request.body) {
            mediate_core::transport::OutboundBody::Full(b) => b,
            mediate_core::transport::OutboundBody::Empty => Default::default(),
            mediate_core::transport::OutboundBody::Stream(s) => s.read().await.unwrap_or_default(),
        };
        self.record(format!(
            "received:{path}:{}",
            String::from_utf8_lossy(&body)
        ));
        if path == "/slow" {
            self.gate.notified().await;
        }
        self.record(format!("answered:{path}"));
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "text/plain")
            .header("x-from", path.trim_start_matches('/'))
            .body(Some(PendingBody::from_chunks([path.into_bytes().into()])))
            .unwrap())
    }
}

impl Gated {
    fn record(&self, event: String) {
        self.events.lock().unwrap().push(event);
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Waits (bounded, so a regression fails instead of hanging) until `event` is recorded.
    async fn wait_for(&self, event: &str) {
        for _ in 0..1000 {
            if self.events().iter().any(|e| e == event) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("`{event}` never happened; events: {:?}", self.events());
    }
}

fn out_only() -> MediatorSpec {
    MediatorSpec::new("property")
        .property("name", "OUT_ONLY")
        .property("value", "true")
}

/// A message whose client reply is dropped (the tests watch the backends and flows).
fn client_message(text: &'static str) -> MessageContext {
    let mut msg = MessageContext::from_text(text);
    msg.extensions_mut().insert(Responder::new(|_| {}));
    msg
}

#[tokio::test]
async fn a_recipient_lists_responses_run_through_the_flow_as_they_arrive() {
    let sender = Arc::new(Gated::default());
    let endpoints = Endpoints::builder(sender.clone()).build().unwrap();
    let events = Arc::clone(&sender.events);
    let on_response = Sequence::named("onResponse").then(mediator_fn(
        "record",
        move |msg: &mut MessageContext| {
            let from = msg.transport_header("x-from").unwrap_or_default();
            events.lock().unwrap().push(format!("flow:{from}"));
            Ok::<_, MediationError>(Flow::Continue)
        },
    ));
    let env = Env::builder()
        .extension(endpoints)
        .sequence("onResponse", on_response)
        .build();
    // The slow recipient is declared first.
    let list = MediatorSpec::new("endpoint").child(
        MediatorSpec::new("recipientlist")
            .child(address("http://backend.test/slow"))
            .child(address("http://backend.test/fast")),
    );
    let main = sequence(
        "main",
        vec![
            MediatorSpec::new("send")
                .property("receive", "onResponse")
                .child(list),
        ],
    );
    let mut msg = client_message("fan-out");
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);

    sender.wait_for("flow:fast").await;
    // The fast response went through its flow while the slow recipient still waited.
    assert!(
        !sender.events().iter().any(|e| e == "answered:/slow"),
        "{:?}",
        sender.events()
    );
    sender.gate.notify_one();
    sender.wait_for("flow:slow").await;
    let events = sender.events();
    let at = |event: &str| events.iter().position(|e| e == event).unwrap();
    assert!(at("flow:fast") < at("answered:/slow"), "{events:?}");
    assert!(at("answered:/slow") < at("flow:slow"), "{events:?}");
    assert!(events.contains(&"received:/slow:fan-out".to_owned()));
    assert!(events.contains(&"received:/fast:fan-out".to_owned()));
}

/// Runs `main` on a message in an environment with background tasks; the backend is gated.
async fn run_tracked(main: Sequence) -> (Arc<Gated>, BackgroundTasks) {
    let sender = Arc::new(Gated::default());
    let endpoints = Endpoints::builder(sender.clone()).build().unwrap();
    let tasks = BackgroundTasks::new();
    let env = Env::builder()
        .extension(endpoints)
        .extension(tasks.clone())
        .build();
    let mut msg = client_message("event");
    assert_eq!(env.run(&main, &mut msg).await.unwrap(), Flow::Continue);
    (sender, tasks)
}

/// The background exchange is counted until the gated backend has answered.
async fn assert_tracked_until_answered(sender: &Gated, tasks: &BackgroundTasks) {
    sender.wait_for("received:/slow:event").await;
    assert_eq!(tasks.running(), 1, "the exchange runs in a tracked task");
    let idle = tasks.clone();
    let waiting = tokio::spawn(async move { idle.wait_idle().await });
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished(), "not idle while the backend waits");
    sender.gate.notify_one();
    tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("idle once the backend answered")
        .unwrap();
    assert_eq!(tasks.running(), 0);
    assert_eq!(
        sender.events(),
        ["received:/slow:event", "answered:/slow"],
        "the whole exchange ran before the tasks were idle"
    );
}

#[tokio::test]
async fn an_out_only_send_is_a_tracked_background_task() {
    let main = sequence(
        "main",
        vec![
            out_only(),
            MediatorSpec::new("send").child(address("http://backend.test/slow")),
        ],
    );
    let (sender, tasks) = run_tracked(main).await;
    assert_tracked_until_answered(&sender, &tasks).await;
}

#[tokio::test]
async fn an_out_only_call_is_a_tracked_background_task() {
    let main = sequence(
        "main",
        vec![
            out_only(),
            MediatorSpec::new("call").child(address("http://backend.test/slow")),
        ],
    );
    let (sender, tasks) = run_tracked(main).await;
    assert_tracked_until_answered(&sender, &tasks).await;
}
