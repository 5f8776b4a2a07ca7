//! A message accepted is never lost at shutdown: `Runtime::serve` waits (within its grace
//! period) for the `send`s and out-only `call`s still under way after their client was
//! answered `202 Accepted`, and gives up on them only when the grace period is over.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use mediate_config::{Configuration, load_str};
use mediate_message::PendingBody;
use mediate_runtime::{Runtime, ServerConfig};
use mediate_transport_http::ResponseBody;
use support::*;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// What the backend saw and did, in order.
type Events = Arc<Mutex<Vec<String>>>;

/// A backend that reads the whole request, records its body, waits for `hold` to finish, then
/// records `answered` and answers.
async fn slow_backend<F, Fut>(events: Events, hold: F) -> Running
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let hold = Arc::new(hold);
    backend(move |req: Request<Option<PendingBody>>| {
        let events = Arc::clone(&events);
        let hold = Arc::clone(&hold);
        async move {
            let body = match req.into_body() {
                Some(b) => b.read().await.unwrap_or_default(),
                None => Bytes::new(),
            };
            events
                .lock()
                .unwrap()
                .push(format!("received {} bytes", body.len()));
            events
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            hold().await;
            events.lock().unwrap().push("answered".to_owned());
            Response::new(ResponseBody::full("ok"))
        }
    })
    .await
}

/// A runtime from `artifacts`, served with [`Runtime::serve`] (not the bare transport) on a
/// loopback port; the sender stops it.
async fn serve_runtime(
    artifacts: &[String],
    config: ServerConfig,
) -> (
    Runtime,
    String,
    oneshot::Sender<()>,
    JoinHandle<std::io::Result<()>>,
) {
    let registry = mediate_mediators::builtins::registry();
    let mut all = Vec::new();
    for (i, xml) in artifacts.iter().enumerate() {
        all.extend(load_str(xml, format!("a{i}.xml").as_ref(), &registry).expect("loads"));
    }
    let runtime = Runtime::builder()
        .deploy(Configuration::new(all))
        .expect("deploys");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = runtime.clone();
    let task = tokio::spawn(async move {
        serving
            .serve(listener, config, async move {
                let _ = stopped.await;
            })
            .await
    });
    (runtime, url, stop, task)
}

/// An API whose resource accepts the message (`202`) and hands it on in the background with
/// `mediator` (`call` or `send`) to `backend`.
fn accepting_api(mediator: &str, backend: &str) -> String {
    api(
        "Ingest",
        "/ingest",
        &format!(
            r#"<resource methods="POST"><inSequence>
                <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
                <property name="OUT_ONLY" value="true"/>
                <{mediator}><endpoint><address uri="{backend}/store"/></endpoint></{mediator}>
            </inSequence></resource>"#
        ),
    )
}

/// A JSON message large enough to take more than one read.
fn large_message() -> String {
    let items: Vec<String> = (0..4000)
        .map(|i| format!(r#"{{"id":{i},"name":"item-{i}"}}"#))
        .collect();
    format!(r#"{{"items":[{}]}}"#, items.join(","))
}

/// Stops the server right after the client got its 202 and checks that `serve` returned only
/// once the backend had the whole message and had answered.
async fn accepted_message_survives_shutdown(mediator: &str) {
    let events: Events = Arc::default();
    let slow = slow_backend(Arc::clone(&events), || {
        tokio::time::sleep(Duration::from_millis(300))
    })
    .await;
    let (runtime, url, stop, serving) = serve_runtime(
        &[accepting_api(mediator, &slow.url(""))],
        ServerConfig::default(),
    )
    .await;
    let message = large_message();

    let got = post_json(&format!("{url}/ingest"), &message).await;
    assert_eq!(got.status, StatusCode::ACCEPTED, "{mediator}");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), serving)
        .await
        .expect("serve returns within the grace period")
        .expect("server task")
        .expect("serve");

    // By the time `serve` returned, the backend had the whole message and had answered.
    let seen = events.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            format!("received {} bytes", message.len()),
            message,
            "answered".to_owned()
        ],
        "{mediator}"
    );
    assert_eq!(runtime.background_tasks().running(), 0);
}

#[tokio::test]
async fn shutdown_waits_for_an_out_only_call_accepted_with_202() {
    accepted_message_survives_shutdown("call").await;
}

#[tokio::test]
async fn shutdown_waits_for_an_out_only_send_accepted_with_202() {
    accepted_message_survives_shutdown("send").await;
}

#[tokio::test]
async fn shutdown_gives_up_on_background_sends_after_the_grace_period() {
    let events: Events = Arc::default();
    let release = Arc::new(Notify::new());
    let held = Arc::clone(&release);
    let stuck = slow_backend(Arc::clone(&events), move || {
        let held = Arc::clone(&held);
        async move { held.notified().await }
    })
    .await;
    let mut config = ServerConfig::default();
    config.grace_period = Duration::from_millis(100);
    let (runtime, url, stop, serving) =
        serve_runtime(&[accepting_api("call", &stuck.url(""))], config).await;

    let got = post_json(&format!("{url}/ingest"), r#"{"n":1}"#).await;
    assert_eq!(got.status, StatusCode::ACCEPTED);
    // The backend has the message and is holding its answer.
    for _ in 0..1000 {
        if !events.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), serving)
        .await
        .expect("serve gives up when the grace period is over")
        .expect("server task")
        .expect("serve");
    // `serve` returned with the send still under way: abandoned, not waited for forever.
    assert_eq!(runtime.background_tasks().running(), 1);
    assert!(!events.lock().unwrap().contains(&"answered".to_owned()));

    release.notify_one();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    assert_eq!(runtime.wait_idle(deadline).await, 0);
    assert!(events.lock().unwrap().contains(&"answered".to_owned()));
}
