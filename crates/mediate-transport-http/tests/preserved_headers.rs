//! MI's `http.headers.preserve` on the listener, over loopback: which of a reply message's
//! `Server`, `Date` and `User-Agent` headers reach the client, and which the listener replaces.

mod support;

use mediate_message::{MessageContext, PendingBody};
use mediate_transport_http::{
    MI_SERVER, PreservedHeaders, ResponseBody, ServerConfig, handler_fn, response_from_message,
};
use support::{Server, read_response, within};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const BACKEND_DATE: &str = "Tue, 01 Jan 2030 00:00:00 GMT";

/// Answers every request with a reply message that carries a backend's `Server` and `Date`
/// and a client's `User-Agent`, as a reply built from a backend response (or from the
/// request) does.
async fn reply_server(preserve: PreservedHeaders) -> Server {
    let mut config = ServerConfig::default();
    config.preserve_headers = preserve;
    Server::start(
        handler_fn(|_req: http::Request<Option<PendingBody>>| async move {
            let mut msg = MessageContext::from_bytes("<ok/>", "application/xml");
            msg.set_transport_header("Server", "Backend/1.0").unwrap();
            msg.set_transport_header("Date", BACKEND_DATE).unwrap();
            msg.set_transport_header("User-Agent", "curl/8.0").unwrap();
            msg.set_transport_header("X-Kept", "yes").unwrap();
            response_from_message(msg).await
        }),
        config,
    )
    .await
}

/// The headers of one `GET` over a raw socket.
async fn headers_of(server: &Server) -> Vec<(String, String)> {
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let response = within(read_response(&mut socket)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"<ok/>");
    response.headers
}

fn one<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[tokio::test]
async fn by_default_the_backend_server_reaches_the_client_and_the_date_is_the_listeners() {
    let server = reply_server(ServerConfig::default().preserve_headers).await;
    let headers = headers_of(&server).await;
    assert_eq!(one(&headers, "server"), ["Backend/1.0"]);
    let date = one(&headers, "date");
    assert_eq!(date.len(), 1, "{headers:?}");
    assert_ne!(date[0], BACKEND_DATE);
    assert!(date[0].ends_with(" GMT"), "an HTTP date: {}", date[0]);
    assert!(one(&headers, "user-agent").is_empty(), "{headers:?}");
    assert_eq!(one(&headers, "x-kept"), ["yes"]);
    server.stop().await;
}

#[tokio::test]
async fn nothing_preserved_writes_the_listeners_server() {
    let server = reply_server(PreservedHeaders::NONE).await;
    let headers = headers_of(&server).await;
    assert_eq!(one(&headers, "server"), [MI_SERVER]);
    assert_ne!(one(&headers, "date"), [BACKEND_DATE]);
    assert!(one(&headers, "user-agent").is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_preserved_date_and_user_agent_are_written_as_the_message_holds_them() {
    let preserve = PreservedHeaders::from_mi("Date", false, true).unwrap();
    let server = reply_server(preserve).await;
    let headers = headers_of(&server).await;
    assert_eq!(one(&headers, "date"), [BACKEND_DATE]);
    assert_eq!(one(&headers, "user-agent"), ["curl/8.0"]);
    assert_eq!(one(&headers, "server"), [MI_SERVER]);
    server.stop().await;
}

#[tokio::test]
async fn a_reply_without_a_server_header_gets_the_listeners() {
    let server = Server::start(
        handler_fn(|_req: http::Request<Option<PendingBody>>| async move {
            http::Response::new(ResponseBody::full("x"))
        }),
        ServerConfig::default(),
    )
    .await;
    let headers = headers_of_body(&server, b"x").await;
    assert_eq!(one(&headers, "server"), [MI_SERVER]);
    assert_eq!(one(&headers, "date").len(), 1);
    server.stop().await;
}

async fn headers_of_body(server: &Server, body: &[u8]) -> Vec<(String, String)> {
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let response = within(read_response(&mut socket)).await;
    assert_eq!(response.body, body);
    response.headers
}

#[test]
fn mi_settings_parse_as_mi_merges_them() {
    use http::header::{CONTENT_TYPE, DATE, HOST, LOCATION, SERVER, USER_AGENT};
    let p = PreservedHeaders::from_mi(" content-type ,LOCATION,,Host ", false, false).unwrap();
    assert!(p.preserves(&CONTENT_TYPE) && p.preserves(&LOCATION) && p.preserves(&HOST));
    assert!(!p.preserves(&SERVER) && !p.preserves(&DATE) && !p.preserves(&USER_AGENT));
    assert_eq!(
        PreservedHeaders::from_mi("Content-Type", true, false).unwrap(),
        PreservedHeaders::MI_DEFAULT
    );
    assert_eq!(
        PreservedHeaders::from_mi("", false, false).unwrap(),
        PreservedHeaders::NONE
    );
    let err = PreservedHeaders::from_mi("Date, Connection", false, false).unwrap_err();
    assert_eq!(err.name(), "Connection");
    assert!(
        err.to_string().contains("`Connection` cannot be preserved"),
        "{err}"
    );
    // A name MI cannot preserve changes nothing.
    assert_eq!(
        PreservedHeaders::NONE.with(&http::header::ACCEPT),
        PreservedHeaders::NONE
    );
}
