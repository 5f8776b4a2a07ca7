//! MI's stage-based transport error codes through the endpoint runtime, with the real hyper
//! sender over loopback: backends that accept and stall before the head, that send the head
//! and stall or close mid-body, and that close before answering. The code a fault sequence
//! sees is the base code plus the connection's protocol state, and suspension lists match the
//! exact (state-adjusted) code.

mod support;

use std::sync::Arc;
use std::time::Duration;

use mediate_core::transport::HttpSender;
use mediate_core::{Env, MessageContext};
use mediate_endpoints::{EndpointDefinition, EndpointState, Endpoints};
use mediate_transport_http::{ClientConfig, HyperSender};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the raw backend does once it has read a request head.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Never answers (keeps the connection open).
    StallBeforeHead,
    /// Closes the connection without answering.
    CloseBeforeHead,
    /// Sends a head announcing 100 bytes and 5 of them, then stalls.
    StallMidBody,
    /// Sends a head announcing 100 bytes and 5 of them, then closes.
    CloseMidBody,
}

/// A raw backend on `127.0.0.1:0` that misbehaves on every request; its URL.
async fn backend(how: Misbehaviour) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/svc", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(socket, how));
        }
    });
    (url, task)
}

async fn serve(mut socket: TcpStream, how: Misbehaviour) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nhello";
    match how {
        Misbehaviour::CloseBeforeHead => {}
        Misbehaviour::StallBeforeHead => hold(socket).await,
        Misbehaviour::StallMidBody => {
            let _ = socket.write_all(head).await;
            hold(socket).await;
        }
        Misbehaviour::CloseMidBody => {
            let _ = socket.write_all(head).await;
        }
    }
}

/// Keeps the connection open, reading whatever comes, until the peer goes.
async fn hold(mut socket: TcpStream) {
    let mut buf = [0u8; 1024];
    while let Ok(n) = socket.read(&mut buf).await {
        if n == 0 {
            return;
        }
    }
}

/// The real sender with a short socket timeout (MI's `http.socket.timeout`).
fn sender(socket_timeout: Duration) -> Arc<dyn HttpSender> {
    let mut config = ClientConfig::default();
    config.socket_timeout = socket_timeout;
    config.body_idle_timeout = Some(socket_timeout);
    Arc::new(HyperSender::with_config(config))
}

fn endpoints(name: &str, xml: &str, socket_timeout: Duration) -> Endpoints {
    Endpoints::builder(sender(socket_timeout))
        .endpoint(name, support::endpoint(xml))
        .build()
        .unwrap()
}

/// Awaits `f`, failing the test if it hangs.
async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the test hung")
}

#[tokio::test]
async fn a_socket_timeout_waiting_for_the_head_is_101507_and_suspends_by_default() {
    let (url, task) = backend(Misbehaviour::StallBeforeHead).await;
    // The endpoint's own timeout is longer than the socket timeout: the transport fires.
    let eps = endpoints(
        "Slow",
        &format!(
            r#"<endpoint><address uri="{url}"><timeout><duration>20000</duration></timeout></address></endpoint>"#
        ),
        Duration::from_millis(200),
    );
    let mut msg = MessageContext::from_text("x");
    let err = within(eps.call(
        Some(&EndpointDefinition::indirect("Slow")),
        &mut msg,
        &Env::default(),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.code(), 101_507, "101504 + REQUEST_DONE (3): {err}");
    assert_eq!(err.message(), "Error in Sender");
    // Not 101504 or 101505 exactly: not a timeout for Synapse's default lists, a suspension.
    assert!(matches!(
        eps.status("Slow").unwrap().state,
        EndpointState::Suspended { .. }
    ));
    task.abort();
}

#[tokio::test]
async fn the_endpoint_timeout_firing_first_is_plain_101504_send_timeout() {
    let (url, task) = backend(Misbehaviour::StallBeforeHead).await;
    let eps = endpoints(
        "Slow",
        &format!(
            r#"<endpoint><address uri="{url}"><timeout><duration>200</duration></timeout></address></endpoint>"#
        ),
        Duration::from_secs(20),
    );
    let mut msg = MessageContext::from_text("x");
    let err = within(eps.call(
        Some(&EndpointDefinition::indirect("Slow")),
        &mut msg,
        &Env::default(),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.code(), 101_504, "{err}");
    assert_eq!(err.message(), "Send timeout");
    // 101504 is a timeout for the default lists (no retries before suspension by default).
    assert_ne!(eps.status("Slow").unwrap().state, EndpointState::Active);
    task.abort();
}

#[tokio::test]
async fn a_close_before_the_answer_is_101508_error_in_sender() {
    let (url, task) = backend(Misbehaviour::CloseBeforeHead).await;
    let eps = endpoints(
        "Closing",
        &format!(r#"<endpoint><address uri="{url}"/></endpoint>"#),
        Duration::from_secs(20),
    );
    let mut msg = MessageContext::from_text("x");
    let err = within(eps.call(
        Some(&EndpointDefinition::indirect("Closing")),
        &mut msg,
        &Env::default(),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.code(), 101_508, "101505 + REQUEST_DONE (3): {err}");
    assert_eq!(
        err.message(),
        "Error in Sender",
        "not the connect message, though 101508 is also CONNECT_TIMEOUT"
    );
    task.abort();
}

#[tokio::test]
async fn error_code_lists_match_the_state_adjusted_code_exactly() {
    let (url, task) = backend(Misbehaviour::StallBeforeHead).await;
    // 101504 listed as a timeout code and as the only suspend code: a socket timeout reported
    // as 101507 matches neither, so the endpoint stays active.
    let eps = endpoints(
        "Listed",
        &format!(
            r#"<endpoint><address uri="{url}">
                <markForSuspension><errorCodes>101504</errorCodes></markForSuspension>
                <suspendOnFailure><errorCodes>101504</errorCodes></suspendOnFailure>
            </address></endpoint>"#
        ),
        Duration::from_millis(150),
    );
    let key = EndpointDefinition::indirect("Listed");
    let mut msg = MessageContext::from_text("x");
    let err = within(eps.call(Some(&key), &mut msg, &Env::default()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101_507);
    assert_eq!(eps.status("Listed").unwrap().state, EndpointState::Active);

    // Listing the adjusted code suspends.
    let eps = endpoints(
        "Adjusted",
        &format!(
            r#"<endpoint><address uri="{url}">
                <suspendOnFailure><errorCodes>101507</errorCodes></suspendOnFailure>
            </address></endpoint>"#
        ),
        Duration::from_millis(150),
    );
    let mut msg = MessageContext::from_text("x");
    let err = within(eps.call(
        Some(&EndpointDefinition::indirect("Adjusted")),
        &mut msg,
        &Env::default(),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.code(), 101_507);
    assert!(matches!(
        eps.status("Adjusted").unwrap().state,
        EndpointState::Suspended { .. }
    ));
    task.abort();
}

#[tokio::test]
async fn a_stall_or_close_mid_body_is_no_endpoint_failure_but_fails_the_body() {
    for how in [Misbehaviour::StallMidBody, Misbehaviour::CloseMidBody] {
        let (url, task) = backend(how).await;
        let eps = endpoints(
            "MidBody",
            &format!(r#"<endpoint><address uri="{url}"/></endpoint>"#),
            Duration::from_millis(200),
        );
        let mut msg = MessageContext::from_text("x");
        // The head arrived: the call has its response (RESPONSE_HEAD/BODY raise no endpoint
        // fault in MI) and the endpoint stays active.
        within(eps.call(
            Some(&EndpointDefinition::indirect("MidBody")),
            &mut msg,
            &Env::default(),
        ))
        .await
        .unwrap();
        assert_eq!(msg.status().map(|s| s.as_u16()), Some(200));
        assert_eq!(eps.status("MidBody").unwrap().state, EndpointState::Active);
        // Reading the body fails instead of hanging.
        let read = within(msg.read_body()).await;
        assert!(read.is_err(), "a cut body must not read as whole");
        task.abort();
    }
}
