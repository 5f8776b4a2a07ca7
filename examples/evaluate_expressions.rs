//! Run with: `cargo run -p examples --example evaluate_expressions`
//!
//! Builds messages the way a transport would hand them over, and evaluates the three
//! expression languages of WSO2 MI against them: XPath with Synapse's functions and variables,
//! `json-eval`, and MI 4.4's `${…}` Synapse expressions.

use mediate::http;
use mediate::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A JSON request, as the HTTP transport would build it.
    let request = http::Request::post("http://localhost:8290/orders/A-1?priority=high")
        .header("Content-Type", "application/json")
        .header("X-Correlation-Id", "c-42")
        .body(mediate::bytes::Bytes::from_static(
            br#"{"order":{"id":"A-1","items":[{"sku":"x","price":10},{"sku":"y","price":32.5}]}}"#,
        ))?;
    let mut msg = MessageContext::from_http_request(request);
    msg.set_property("discount", 0.1);
    msg.set_variable("currency", "EUR");

    let ns = Namespaces::new();
    for text in [
        // XPath sees JSON through MI's JSON→XML mapping (<jsonObject> in the SOAP body).
        "count(//items)",
        "sum(//items/price)",
        "$body/jsonObject/order/id",
        "get-property('discount')",
        "$trp:x-correlation-id",
        "$url:priority",
        // json-eval follows Jayway's result shapes: a value for a definite path, an array otherwise.
        "json-eval($.order.items[1].price)",
        "json-eval($.order.items[*].sku)",
        "json-eval($.order.items[?(@.price > 20)].sku)",
        // ${…}: arithmetic, variables, properties, headers, functions.
        "${payload.order.items[1].price * (1 - properties.synapse.discount)}",
        "${vars.currency + ' ' + string(payload.order.items[0].price)}",
        "${headers['X-Correlation-Id']}",
        "${params.queryParams.priority == 'high' ? 'express' : 'standard'}",
    ] {
        let expr = Expression::compile(text, &ns)?;
        println!(
            "{:<70} [{}] {}",
            text,
            expr.kind(),
            expr.evaluate_string(&msg)?
        );
    }

    // Errors point at the column.
    match Expression::compile("sum(//items/price", &ns) {
        Err(e) => println!(
            "\nerror as expected: {} at column {}: {}",
            e.kind, e.column, e.message
        ),
        Ok(_) => unreachable!("an unclosed call does not compile"),
    }
    Ok(())
}
