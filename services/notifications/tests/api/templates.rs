//! Staff read and replace the e-mail templates; a replaced template is used for the next
//! e-mail; a template that cannot work is refused naming its part.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{fields, ok, order, placed, problem, spawn_app};

#[tokio::test]
async fn the_defaults_are_seeded_and_readable() {
    let app = spawn_app().await;
    let list = app.read("/v1/templates").await;
    let names: Vec<_> = list["data"].as_array().expect("data").iter().map(|t| t["name"].clone()).collect();
    assert_eq!(names, [json!("order_placed"), json!("order_shipped"), json!("order_cancelled")]);
    let response = app.call(Method::GET, "/v1/templates/order_placed", None).await;
    assert_eq!(response.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"1\""));
    let template = ok(response, StatusCode::OK).await;
    assert_eq!((&template["event_type"], &template["version"]), (&json!("order.placed"), &json!(1)));
    assert!(template["subject"].as_str().expect("subject").contains("{{ order.id }}"));
    assert!(template["text"].as_str().expect("text").contains("order.total | money"));
    assert!(template["html"].as_str().expect("html").starts_with("<!DOCTYPE html>"));
    problem(app.call(Method::GET, "/v1/templates/order_refunded", None).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_replaced_template_is_used_for_the_next_email() {
    let app = spawn_app().await;
    let body = json!({
        "subject": "Danke, {{ order.shipping_address.name }}!",
        "text": "{{ order.id }}: {{ order.total | money }}{% for l in order.lines %} / {{ l.sku }}{% endfor %}",
        "html": "<p>{{ order.shipping_address.name }} paid {{ order.total | money }}</p>",
    });
    let response = app.call(Method::PUT, "/v1/templates/order_placed", Some(body.clone())).await;
    assert_eq!(response.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"2\""));
    let stored = ok(response, StatusCode::OK).await;
    assert_eq!((&stored["version"], &stored["subject"]), (&json!(2), &body["subject"]));
    assert_eq!(app.read("/v1/templates/order_placed").await["text"], body["text"]);

    let mut order = order();
    order.shipping_address.name = "Ada <Admin>".into();
    app.apply(&placed(&order)).await;
    let message = &app.messages().await[0];
    assert_eq!(message["subject"], "Danke, Ada <Admin>!");
    assert_eq!(message["text"], format!("{}: 40.93 EUR / TEE-BLK-M", order.id).as_str());
    assert_eq!(message["html"], "<p>Ada &lt;Admin&gt; paid 40.93 EUR</p>", "HTML is escaped");

    // A plain-text-only template.
    let plain = json!({ "subject": "Order {{ order.id }}", "text": "Thanks." });
    ok(app.call(Method::PUT, "/v1/templates/order_placed", Some(plain)).await, StatusCode::OK).await;
    let next = crate::helpers::order();
    app.apply(&placed(&next)).await;
    let message = &app.messages().await[0];
    assert_eq!((&message["text"], &message["html"]), (&json!("Thanks."), &json!("")));
    let sent = app.settled_message(message["id"].as_str().expect("id")).await;
    assert_eq!(sent["status"], "sent");
}

#[tokio::test]
async fn templates_that_cannot_work_are_refused_naming_the_part() {
    let app = spawn_app().await;
    let put = |body: serde_json::Value| app.call(Method::PUT, "/v1/templates/order_placed", Some(body));

    let syntax = json!({ "subject": "Order {{ order.id", "text": "ok", "html": "{% if %}" });
    let body = problem(put(syntax).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["subject", "html"]);
    assert!(body["errors"][0]["message"].as_str().expect("message").contains("syntax error"), "{body}");

    let filter = json!({ "subject": "s", "text": "{{ order.total | shout }}", "html": "" });
    let body = problem(put(filter).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["text"]);
    assert!(body["errors"][0]["message"].as_str().expect("message").contains("sample order"), "{body}");

    let empty = json!({ "subject": " ", "text": "t", "html": "" });
    assert_eq!(fields(&problem(put(empty).await, StatusCode::UNPROCESSABLE_ENTITY).await), ["subject"]);

    // A part over 64 KiB in a body the endpoint still reads: 422 naming the part.
    let oversized = json!({ "subject": "s", "text": "t", "html": "x".repeat(64 * 1024 + 1) });
    let body = problem(put(oversized).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["html"]);
    assert!(body["errors"][0]["message"].as_str().expect("message").contains("at most 65536 bytes (64 KiB)"), "{body}");
    // A body far over the limit is not even read.
    let huge = json!({ "subject": "s", "text": "x".repeat(300 * 1024), "html": "" });
    let body = problem(put(huge).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(body["detail"].as_str().expect("detail").contains("size limit"), "{body}");

    let unknown = json!({ "subject": "s", "text": "t", "footer": "f" });
    assert_eq!(fields(&problem(put(unknown).await, StatusCode::BAD_REQUEST).await), ["footer"]);

    // Nothing was stored.
    assert_eq!(app.read("/v1/templates/order_placed").await["version"], 1);
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let app = spawn_app().await;
    let body = json!({ "subject": "s {{ order.id }}", "text": "t" });
    let stale = app.staff(Method::PUT, "/v1/templates/order_cancelled").header("if-match", "\"7\"").json(&body);
    problem(stale.send().await.expect("sent"), StatusCode::PRECONDITION_FAILED).await;
    let fresh = app.staff(Method::PUT, "/v1/templates/order_cancelled").header("if-match", "\"1\"").json(&body);
    assert_eq!(ok(fresh.send().await.expect("sent"), StatusCode::OK).await["version"], 2);
    let garbage = app.staff(Method::PUT, "/v1/templates/order_cancelled").header("if-match", "soon").json(&body);
    assert_eq!(fields(&problem(garbage.send().await.expect("sent"), StatusCode::BAD_REQUEST).await), ["If-Match"]);
    problem(app.call(Method::PUT, "/v1/templates/order_refunded", Some(body)).await, StatusCode::NOT_FOUND).await;
}
