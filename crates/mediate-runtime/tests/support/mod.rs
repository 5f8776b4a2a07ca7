//! Shared helpers for the serving tests: a runtime from Synapse XML served on a loopback port,
//! backends made of closures, and a client that reads whole responses.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use mediate_config::{Configuration, load_str};
use mediate_core::transport::{HttpSender, OutboundBody, OutboundRequest};
use mediate_message::PendingBody;
use mediate_runtime::{Runtime, ServerConfig};
use mediate_transport_http::{Handler, HyperSender, ResponseBody, handler_fn, serve};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running on a loopback port; stopped (gracefully) when dropped or by `stop`.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks for a graceful stop and waits for the server to return.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.expect("server task"),
            None => Ok(()),
        }
    }

    /// Asks for a graceful stop without waiting.
    pub fn begin_stop(&mut self) -> JoinHandle<std::io::Result<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.take().expect("running")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn run_handler(handler: Arc<dyn Handler>, config: ServerConfig) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, handler, config, async move {
        let _ = rx.await;
    }));
    Running {
        addr,
        stop: Some(tx),
        task: Some(task),
    }
}

/// A backend answering every request with `f(request)`.
pub async fn backend<F, Fut>(f: F) -> Running
where
    F: Fn(Request<Option<PendingBody>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<ResponseBody>> + Send + 'static,
{
    run_handler(Arc::new(handler_fn(f)), ServerConfig::default()).await
}

/// A backend that answers with what it received: the method, path and query in headers
/// (`x-method`, `x-path`), the request's content type, and the body.
pub async fn echo_backend() -> Running {
    backend(|req: Request<Option<PendingBody>>| async move {
        let method = req.method().to_string();
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let content_type = req.headers().get(http::header::CONTENT_TYPE).cloned();
        let seen: Vec<(String, String)> = req
            .headers()
            .iter()
            .filter(|(n, _)| n.as_str().starts_with("x-"))
            .map(|(n, v)| (format!("x-seen-{n}"), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = match req.into_body() {
            Some(b) => b.read().await.unwrap_or_default(),
            None => Bytes::new(),
        };
        let mut response = Response::new(ResponseBody::full(body));
        let headers = response.headers_mut();
        headers.insert("x-method", method.parse().unwrap());
        headers.insert("x-path", path.parse().unwrap());
        if let Some(ct) = content_type {
            headers.insert(http::header::CONTENT_TYPE, ct);
        }
        for (n, v) in seen {
            headers.insert(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        response
    })
    .await
}

/// A port nothing listens on.
pub async fn closed_port() -> u16 {
    // A socket bound but never listening holds the port, so that no other test's server can
    // take it meanwhile, and every connection to it is refused. It stays open until the test
    // process ends.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind");
    let port = socket.local_addr().expect("addr").port();
    std::mem::forget(socket);
    port
}

/// A runtime deployed from Synapse XML `artifacts` (each one document), served on a loopback
/// port with `config`.
pub async fn serve_xml_with(artifacts: &[String], config: ServerConfig) -> (Runtime, Running) {
    let registry = mediate_mediators::builtins::registry();
    let mut all = Vec::new();
    for (i, xml) in artifacts.iter().enumerate() {
        let name = format!("artifact{i}.xml");
        match load_str(xml, name.as_ref(), &registry) {
            Ok(a) => all.extend(a),
            Err(d) => panic!("artifact {i} loads:\n{d}"),
        }
    }
    let runtime = match Runtime::builder().deploy(Configuration::new(all)) {
        Ok(r) => r,
        Err(d) => panic!("deploys:\n{d}"),
    };
    let running = run_handler(Arc::new(runtime.clone()), config).await;
    (runtime, running)
}

/// [`serve_xml_with`] with the default server settings.
pub async fn serve_xml(artifacts: &[String]) -> (Runtime, Running) {
    serve_xml_with(artifacts, ServerConfig::default()).await
}

/// A whole response.
#[derive(Debug)]
pub struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Got {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends a request and reads the whole response (a 10 s guard against hangs).
pub async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Got {
    let mut request = OutboundRequest::new(method, url.parse::<Uri>().expect("URL"));
    for (name, value) in headers {
        request.headers.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    let body = body.into();
    if !body.is_empty() {
        request.body = OutboundBody::Full(body);
    }
    request.timeout = Some(Duration::from_secs(10));
    let client = client();
    let response = tokio::time::timeout(Duration::from_secs(20), client.send(request))
        .await
        .expect("a response within 20 s")
        .expect("the request is answered");
    let (parts, body) = response.into_parts();
    let body = match body {
        Some(b) => b.read().await.expect("the response body"),
        None => Bytes::new(),
    };
    Got {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

fn client() -> &'static HyperSender {
    static CLIENT: std::sync::OnceLock<HyperSender> = std::sync::OnceLock::new();
    CLIENT.get_or_init(HyperSender::new)
}

pub async fn get(url: &str) -> Got {
    send(Method::GET, url, &[], Bytes::new()).await
}

pub async fn post_json(url: &str, json: &str) -> Got {
    send(
        Method::POST,
        url,
        &[("content-type", "application/json")],
        json.to_owned(),
    )
    .await
}

pub async fn post_xml(url: &str, xml: &str) -> Got {
    send(
        Method::POST,
        url,
        &[("content-type", "application/xml")],
        xml.to_owned(),
    )
    .await
}

/// `<api>` XML in the Synapse namespace.
pub fn api(name: &str, context: &str, resources: &str) -> String {
    format!(
        r#"<api xmlns="http://ws.apache.org/ns/synapse" name="{name}" context="{context}">{resources}</api>"#
    )
}

/// Any artifact in the Synapse namespace: `element` is written with the namespace added.
pub fn synapse(element: &str) -> String {
    let (head, rest) = element.split_at(element.find([' ', '>']).expect("an element"));
    format!(r#"{head} xmlns="http://ws.apache.org/ns/synapse"{rest}"#)
}

/// What a flow that ran answers (see [`RESPOND_RAN`]).
pub const RAN: &str = r#"<ran xmlns=""/>"#;

/// Mediators that answer [`RAN`]: a flow's body for tests that only ask whether it ran.
pub const RESPOND_RAN: &str = r#"<payloadFactory media-type="xml"><format><ran xmlns=""/></format><args/></payloadFactory><respond/>"#;
