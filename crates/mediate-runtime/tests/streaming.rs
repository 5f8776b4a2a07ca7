//! Pass-through in constant memory: a body that no mediator reads streams from the client
//! through the API to the backend (and the backend's answer back) chunk by chunk, so a body far
//! larger than the process grows it by a few MB at most.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::{Method, Response, StatusCode};
use mediate_core::transport::{HttpSender, OutboundBody, OutboundRequest};
use mediate_message::PendingBody;
use mediate_transport_http::{HyperSender, ResponseBody};
use support::*;

/// The process's resident set size, in bytes (Linux).
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_far_larger_than_the_growth_streams_through_a_pass_through_api() {
    const CHUNK: usize = 64 * 1024;
    const TOTAL: u64 = 256 * 1024 * 1024;

    // The backend counts what arrives, chunk by chunk, and answers with the count.
    let backend = backend(|req: http::Request<Option<PendingBody>>| async move {
        let mut count = 0u64;
        if let Some(body) = req.into_body()
            && let Ok(mut stream) = body.into_stream().await
        {
            while let Some(Ok(chunk)) = stream.next().await {
                count += chunk.len() as u64;
            }
        }
        Response::new(ResponseBody::full(count.to_string()))
    })
    .await;
    let (_rt, server) = serve_xml(&[api(
        "Pass",
        "/pass",
        &format!(
            r#"<resource methods="POST" url-mapping="/*"><inSequence>
                <property name="route" value="bulk"/>
                <log level="custom"><property name="route" expression="$ctx:route"/></log>
                <call><endpoint><address uri="http://{}/"/></endpoint></call>
                <respond/>
            </inSequence></resource>"#,
            backend.addr
        ),
    )])
    .await;

    // Warm up (connection pools, lazily made statics), then take the baseline.
    let warm = post_json(&server.url("/pass"), "{}").await;
    assert_eq!(warm.status, StatusCode::OK);
    let Some(baseline) = rss() else {
        eprintln!("no /proc/self/status: memory not measured");
        return;
    };
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(now) = rss() {
                    peak.fetch_max(now, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    // The client's body is made as it is sent: nothing holds it whole.
    let chunk = Bytes::from(vec![b'z'; CHUNK]);
    let chunks = (TOTAL / CHUNK as u64) as usize;
    let stream = futures::stream::iter((0..chunks).map(move |_| Ok(chunk.clone())));
    let body = PendingBody::new(Box::pin(stream), Some(TOTAL));
    let mut request = OutboundRequest::new(Method::POST, server.url("/pass").parse().expect("URL"));
    request
        .headers
        .insert("content-type", "application/octet-stream".parse().unwrap());
    request.body = OutboundBody::Stream(body);
    request.timeout = Some(Duration::from_secs(120));
    let response = HyperSender::new()
        .send(request)
        .await
        .expect("the request is answered");
    assert_eq!(response.status(), StatusCode::OK);
    let answer = response
        .into_body()
        .expect("a body")
        .read()
        .await
        .expect("read");
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;

    assert_eq!(std::str::from_utf8(&answer).unwrap(), TOTAL.to_string());
    let growth = peak.load(Ordering::Relaxed).saturating_sub(baseline);
    eprintln!("streamed {TOTAL} bytes through the API; peak RSS grew by {growth} bytes");
    assert!(
        growth < 48 * 1024 * 1024,
        "streaming {TOTAL} bytes grew the process by {growth} bytes"
    );
}
