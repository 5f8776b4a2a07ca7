//! HTTP request in, HTTP response out; request facts.

use bytes::Bytes;
use http::{Method, StatusCode};
use mediate_message::{MessageContext, PayloadKind, Scope};
use serde_json::json;

fn request() -> http::Request<Bytes> {
    http::Request::builder()
        .method(Method::POST)
        .uri("http://localhost:8290/orders/v1/items/42?tag=a&tag=b%20c&q=x+y&empty=")
        .header("Content-Type", "application/json; charset=UTF-8")
        .header("X-Trace", "t-1")
        .header("Content-Length", "9")
        .header("SOAPAction", "\"urn:add\"")
        .body(Bytes::from_static(b"{\"id\":42}"))
        .unwrap()
}

#[test]
fn from_http_request_keeps_the_facts() {
    let mut ctx = MessageContext::from_http_request(request());
    assert_eq!(ctx.http_method(), Some(&Method::POST));
    assert_eq!(ctx.payload_kind(), PayloadKind::Json);
    assert_eq!(ctx.content_type(), "application/json; charset=UTF-8");
    assert_eq!(ctx.json().unwrap(), &json!({"id":42}));
    assert_eq!(ctx.request_path(), Some("/orders/v1/items/42"));
    assert_eq!(
        ctx.to(),
        Some("http://localhost:8290/orders/v1/items/42?tag=a&tag=b%20c&q=x+y&empty=")
    );
    assert_eq!(ctx.action(), Some("urn:add"));
    assert_eq!(ctx.query_param("tag"), Some("a"));
    assert_eq!(ctx.query_param_all("tag").collect::<Vec<_>>(), ["a", "b c"]);
    assert_eq!(ctx.query_param("q"), Some("x y"));
    assert_eq!(ctx.query_param("empty"), Some(""));
    assert_eq!(ctx.query_params().len(), 4);
    assert_eq!(ctx.transport_header("x-trace").as_deref(), Some("t-1"));
    assert_eq!(
        ctx.scoped_property(Scope::Transport, "X-TRACE")
            .unwrap()
            .as_string(),
        "t-1"
    );
    assert_eq!(
        ctx.scoped_property(Scope::Axis2, "HTTP_METHOD")
            .unwrap()
            .as_string(),
        "POST"
    );

    // REST_URL_POSTFIX: whole path and query until the dispatcher sets it.
    assert_eq!(
        ctx.rest_url_postfix(),
        Some("/orders/v1/items/42?tag=a&tag=b%20c&q=x+y&empty=")
    );
    ctx.set_rest_url_postfix("/items/42?tag=a&tag=b%20c&q=x+y&empty=");
    assert_eq!(
        ctx.scoped_property(Scope::Axis2, "REST_URL_POSTFIX")
            .unwrap()
            .as_string(),
        "/items/42?tag=a&tag=b%20c&q=x+y&empty="
    );
    ctx.set_path_param("itemId", "42");
    assert_eq!(ctx.path_param("itemId"), Some("42"));
    assert_eq!(ctx.path_params().len(), 1);
}

#[test]
fn decoded_path() {
    let req = http::Request::builder()
        .uri("/a%20b/%C3%A9")
        .body(Bytes::new())
        .unwrap();
    let ctx = MessageContext::from_http_request(req);
    assert_eq!(ctx.request_path_decoded().as_deref(), Some("/a b/é"));
    assert_eq!(ctx.content_type(), "");
    assert!(ctx.envelope().unwrap().first_body_child().is_none());
}

#[test]
fn into_http_response_defaults_to_200() {
    let mut ctx = MessageContext::from_http_request(request());
    ctx.set_json(json!({"ok":true}));
    let response = ctx.into_http_response();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/json; charset=UTF-8"
    );
    assert_eq!(response.headers().get("x-trace").unwrap(), "t-1");
    assert!(response.headers().get("content-length").is_none());
    assert_eq!(response.body().as_ref(), b"{\"ok\":true}");
}

#[test]
fn into_http_response_uses_status_and_payload() {
    let mut ctx = MessageContext::from_text("nope");
    ctx.set_status(StatusCode::NOT_FOUND);
    assert_eq!(
        ctx.scoped_property(Scope::Axis2, "HTTP_SC")
            .unwrap()
            .as_string(),
        "404"
    );
    ctx.set_transport_header("X-Reason", "missing").unwrap();
    let response = ctx.into_http_response();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "text/plain"
    );
    assert_eq!(response.headers().get("x-reason").unwrap(), "missing");
    assert_eq!(response.body().as_ref(), b"nope");
}
