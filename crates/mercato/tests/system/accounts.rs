//! Accounts through the gateway: sign up, log in, use the token, refresh.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::platform::Platform;

#[tokio::test]
async fn a_shopper_signs_up_logs_in_and_is_known_by_token() {
    let p = Platform::start(&[]).await;
    let signup = p
        .http
        .post(format!("{}/api/v1/customers", p.gateway))
        .json(&json!({ "email": "shopper@example.com", "password": "correct horse battery", "name": "Shopper" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(signup.status(), StatusCode::CREATED);
    let login = p
        .http
        .post(format!("{}/api/v1/sessions", p.gateway))
        .json(&json!({ "email": "shopper@example.com", "password": "correct horse battery" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status(), StatusCode::OK);
    let session: Value = login.json().await.expect("json");
    let me = p
        .http
        .get(format!("{}/api/v1/me", p.gateway))
        .bearer_auth(session["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.expect("json");
    assert_eq!(me["email"], "shopper@example.com");
    let refreshed = p
        .http
        .post(format!("{}/api/v1/sessions/refresh", p.gateway))
        .json(&json!({ "refresh_token": session["refresh_token"] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(refreshed.status(), StatusCode::OK);
    // The signing keys are internal to identity's API surface, and the public OpenAPI lists
    // the account endpoints.
    let openapi: Value = p.get_json("/api/openapi.json").await;
    assert!(openapi["paths"]["/api/v1/sessions"]["post"].is_object());
}

#[tokio::test]
async fn a_client_cannot_dodge_the_per_address_login_limit_by_spoofing_its_address() {
    let p = Platform::start(&[]).await;
    let mut statuses = Vec::new();
    for i in 0..21 {
        let r = p
            .http
            .post(format!("{}/api/v1/sessions", p.gateway))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .json(&json!({ "email": format!("victim{i}@example.com"), "password": "guess guess guess" }))
            .send()
            .await
            .expect("sent");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 20, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "the gateway reports the real peer, not the claimed one");
}
