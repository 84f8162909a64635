//! Every endpoint is for staff only.

use reqwest::{Method, StatusCode};

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn every_endpoint_needs_the_staff_token() {
    let app = spawn_app().await;
    let webhook = "wh_0193a4c1e7d27c3a9b1f4e2d8c6a5b40";
    let delivery = "dlv_0193a4c1e7d27c3a9b1f4e2d8c6a5b40";
    let endpoints = [
        (Method::GET, "/v1/templates".to_owned()),
        (Method::GET, "/v1/templates/order_placed".to_owned()),
        (Method::PUT, "/v1/templates/order_placed".to_owned()),
        (Method::GET, "/v1/messages".to_owned()),
        (Method::GET, "/v1/messages/msg_0193a4c1e7d27c3a9b1f4e2d8c6a5b40".to_owned()),
        (Method::POST, "/v1/webhooks".to_owned()),
        (Method::GET, "/v1/webhooks".to_owned()),
        (Method::GET, format!("/v1/webhooks/{webhook}")),
        (Method::PATCH, format!("/v1/webhooks/{webhook}")),
        (Method::DELETE, format!("/v1/webhooks/{webhook}")),
        (Method::GET, format!("/v1/webhooks/{webhook}/deliveries")),
        (Method::POST, format!("/v1/webhooks/{webhook}/deliveries/{delivery}/retry")),
    ];
    for (method, path) in endpoints {
        let url = format!("{}{path}", app.base);
        let anonymous = app.http.request(method.clone(), &url).json(&serde_json::json!({})).send().await.expect("sent");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let wrong =
            app.http.request(method.clone(), &url).bearer_auth("not-the-staff-token").send().await.expect("sent");
        let body = problem(wrong, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body["type"], "urn:mercato:problem:unauthorized", "{method} {path}");
    }
    // The OpenAPI document lists the endpoints.
    let openapi: serde_json::Value = app.get("/openapi.json").await.json().await.expect("json");
    for path in ["/v1/templates/{name}", "/v1/messages", "/v1/webhooks/{id}/deliveries/{delivery_id}/retry"] {
        assert!(openapi["paths"][path].is_object(), "{path} documented");
    }
}
