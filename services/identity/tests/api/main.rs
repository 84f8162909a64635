//! The identity service's API on a random port with a fresh database (SQLite, or
//! PostgreSQL when `MERCATO_TEST_BACKEND=postgres`).

use std::collections::BTreeMap;
use std::ops::Deref;

use base64::Engine as _;
use reqwest::StatusCode;
use runtime::client::{ClientPolicy, ServiceClient};
use runtime::discovery::Discovery;
use runtime::jwt::{JwtVerifier, TokenError};
use runtime::testing::{TestService, fields, problem};
use serde_json::{Value, json};

mod staff;

struct TestApp(TestService);

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.0
    }
}

async fn spawn_app() -> TestApp {
    TestApp(runtime::testing::spawn(identity::SERVICE, identity::build, |_| {}).await)
}

impl TestApp {
    async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).json(body).send().await.expect("sent")
    }

    async fn register(&self, email: &str) -> Value {
        let r = self
            .post_json("/v1/customers", &json!({ "email": email, "password": "correct horse battery", "name": "Ada" }))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.expect("json")
    }

    async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/v1/sessions", &json!({ "email": email, "password": password })).await
    }

    async fn me(&self, token: &str) -> reqwest::Response {
        self.http.get(format!("{}/v1/me", self.base)).bearer_auth(token).send().await.expect("sent")
    }

    fn verifier(&self) -> std::sync::Arc<JwtVerifier> {
        runtime::init_process();
        let http = reqwest::Client::new();
        let discovery = Discovery::fixed(BTreeMap::from([("identity".to_owned(), self.base.clone())]), http.clone());
        JwtVerifier::new(ServiceClient::new(http, discovery, ClientPolicy::default()))
    }
}

#[tokio::test]
async fn sign_up_validates_and_refuses_duplicates() {
    let app = spawn_app().await;
    let customer = app.register("ada@example.com").await;
    assert!(customer["id"].as_str().is_some_and(|id| id.starts_with("cus_")));
    assert!(customer.get("password").is_none() && customer.get("password_hash").is_none());
    let dup = app
        .post_json(
            "/v1/customers",
            &json!({ "email": "ADA@example.com ", "password": "another password", "name": "A" }),
        )
        .await;
    assert_eq!(fields(&problem(dup, StatusCode::CONFLICT).await), vec!["email"]);
    let bad = app.post_json("/v1/customers", &json!({ "email": "nope", "password": "short", "name": "" })).await;
    assert_eq!(fields(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["email", "password", "name"]);
    let extra = app
        .post_json(
            "/v1/customers",
            &json!({ "email": "b@example.com", "password": "correct horse battery", "name": "B", "role": "admin" }),
        )
        .await;
    assert_eq!(fields(&problem(extra, StatusCode::BAD_REQUEST).await), vec!["role"]);
}

#[tokio::test]
async fn login_issues_a_token_every_service_can_verify_locally() {
    let app = spawn_app().await;
    let customer = app.register("grace@example.com").await;
    let session: Value = app.login("Grace@Example.com", "correct horse battery").await.json().await.expect("json");
    let token = session["access_token"].as_str().expect("token");
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert_eq!(session["customer"]["id"], customer["id"]);

    let me: Value = app.me(token).await.json().await.expect("json");
    assert_eq!(me["email"], "grace@example.com");

    // Another service's view: JWKS through the service client, verified locally.
    let verifier = app.verifier();
    let claims = verifier.verify(token).await.expect("valid token");
    assert_eq!(claims.sub, customer["id"].as_str().expect("id"));
    assert_eq!(claims.roles, vec!["customer"]);
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.expect("json");
    assert_eq!(jwks["keys"][0]["alg"], "EdDSA");
    assert!(jwks["keys"][0].get("d").is_none(), "no private part published");

    // Tampered payload: signature fails.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64"))
            .expect("json");
    payload["roles"] = json!(["admin"]);
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let forged = parts.join(".");
    assert!(matches!(verifier.verify(&forged).await, Err(TokenError::Invalid(_))));
    let r = app.me(&forged).await;
    assert!(r.headers().contains_key("www-authenticate"));
    problem(r, StatusCode::UNAUTHORIZED).await;
    assert!(matches!(verifier.verify("not.a.token").await, Err(TokenError::Malformed)));
}

#[tokio::test]
async fn expired_tokens_and_foreign_keys_are_refused() {
    let app = spawn_app().await;
    let customer = app.register("linus@example.com").await;
    // Sign with identity's own key, but already expired.
    let db = runtime::db::Db::connect(&app.database_url, 1, &identity::MIGRATIONS).await.expect("db");
    use sqlx::Row as _;
    let row = sqlx::query("SELECT kid, private_pkcs8 FROM signing_keys")
        .fetch_one(&mut *db.acquire().await.expect("a connection"))
        .await
        .expect("key");
    let (kid, der): (String, String) = (row.get("kid"), row.get("private_pkcs8"));
    let der = base64::engine::general_purpose::STANDARD.decode(der).expect("b64");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({ "iss": "mercato-identity", "aud": "mercato", "sub": customer["id"], "exp": now - 3600, "iat": now - 4500, "jti": "x", "roles": ["customer"] });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(kid);
    let expired = jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ed_der(&der)).expect("signs");
    problem(app.me(&expired).await, StatusCode::UNAUTHORIZED).await;
    assert!(matches!(app.verifier().verify(&expired).await, Err(TokenError::Invalid(_))));

    // A token whose key id identity never published.
    let mut foreign = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    foreign.kid = Some("key_unknown".into());
    let claims = json!({ "iss": "mercato-identity", "aud": "mercato", "sub": customer["id"], "exp": now + 600, "iat": now, "jti": "y", "roles": ["customer"] });
    let token = jsonwebtoken::encode(&foreign, &claims, &jsonwebtoken::EncodingKey::from_ed_der(&der)).expect("signs");
    assert!(matches!(app.verifier().verify(&token).await, Err(TokenError::UnknownKey)));
    db.close().await;
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_look_the_same() {
    let app = spawn_app().await;
    app.register("joan@example.com").await;
    let wrong = problem(app.login("joan@example.com", "wrong password!!").await, StatusCode::UNAUTHORIZED).await;
    let unknown = problem(app.login("nobody@example.com", "wrong password!!").await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong["detail"], unknown["detail"]);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_session() {
    let app = spawn_app().await;
    app.register("barbara@example.com").await;
    let first: Value = app.login("barbara@example.com", "correct horse battery").await.json().await.expect("json");
    let r1 = first["refresh_token"].as_str().expect("refresh");
    let second = app.post_json("/v1/sessions/refresh", &json!({ "refresh_token": r1 })).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.expect("json");
    let r2 = second["refresh_token"].as_str().expect("refresh");
    assert_ne!(r1, r2);
    assert_eq!(app.me(second["access_token"].as_str().expect("access")).await.status(), StatusCode::OK);
    // The old one again: theft or a broken client. Both tokens of the session stop working.
    problem(app.post_json("/v1/sessions/refresh", &json!({ "refresh_token": r1 })).await, StatusCode::UNAUTHORIZED)
        .await;
    problem(app.post_json("/v1/sessions/refresh", &json!({ "refresh_token": r2 })).await, StatusCode::UNAUTHORIZED)
        .await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.register("margaret@example.com").await;
    let session: Value = app.login("margaret@example.com", "correct horse battery").await.json().await.expect("json");
    let refresh = session["refresh_token"].as_str().expect("refresh");
    assert_eq!(
        app.post_json("/v1/sessions/logout", &json!({ "refresh_token": refresh })).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(
        app.post_json("/v1/sessions/refresh", &json!({ "refresh_token": refresh })).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn logins_are_rate_limited_per_account_and_per_address() {
    let app = spawn_app().await;
    app.register("target@example.com").await;
    for _ in 0..5 {
        problem(app.login("target@example.com", "guess guess guess").await, StatusCode::UNAUTHORIZED).await;
    }
    let limited = app.login("target@example.com", "correct horse battery").await;
    let retry_after: u64 = limited.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&retry_after));
    problem(limited, StatusCode::TOO_MANY_REQUESTS).await;

    // One address spraying many accounts.
    let mut statuses = Vec::new();
    for i in 0..21 {
        let r = app
            .http
            .post(format!("{}/v1/sessions", app.base))
            .header("x-forwarded-for", "203.0.113.7")
            .json(&json!({ "email": format!("spray{i}@example.com"), "password": "guess guess guess" }))
            .send()
            .await
            .expect("sent");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 20);
    assert_eq!(statuses.last(), Some(&429));
}

#[tokio::test]
async fn staff_put_customers_in_groups_which_their_next_tokens_carry() {
    let app = spawn_app().await;
    let customer = app.register("vip@example.com").await;
    let id = customer["id"].as_str().expect("id");
    assert_eq!(customer["customer_group"], Value::Null);
    let session: Value = app.login("vip@example.com", "correct horse battery").await.json().await.expect("json");
    let before = session["access_token"].as_str().expect("token").to_owned();

    let path = format!("/v1/customers/{id}/group");
    // A customer cannot put themselves in a group.
    let r = app
        .http
        .put(format!("{}{path}", app.base))
        .bearer_auth(&before)
        .json(&json!({ "customer_group": "vip" }))
        .send();
    assert_eq!(r.await.expect("sent").status(), StatusCode::FORBIDDEN);
    let r = app.put(&path, &json!({ "customer_group": "VIP!" })).await;
    assert_eq!(runtime::testing::fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["customer_group"]);
    let r =
        app.put("/v1/customers/cus_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/group", &json!({ "customer_group": "vip" })).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.put(&path, &json!({ "customer_group": "vip" })).await;
    assert_eq!(r.status(), StatusCode::OK);
    let updated: Value = r.json().await.expect("json");
    assert_eq!(updated["customer_group"], "vip");

    // The token issued before says nothing; the next login's (and refresh's) carries it.
    let verifier = app.verifier();
    assert_eq!(verifier.verify(&before).await.expect("valid").customer_group, None);
    let refreshed: Value = app
        .post_json("/v1/sessions/refresh", &json!({ "refresh_token": session["refresh_token"] }))
        .await
        .json()
        .await
        .expect("json");
    let claims = verifier.verify(refreshed["access_token"].as_str().expect("token")).await.expect("valid");
    assert_eq!(claims.customer_group.as_deref(), Some("vip"));
    let me: Value = app.me(refreshed["access_token"].as_str().expect("token")).await.json().await.expect("json");
    assert_eq!(me["customer_group"], "vip");

    let r = app.put(&path, &json!({ "customer_group": null })).await;
    assert_eq!(r.status(), StatusCode::OK);
    let session: Value = app.login("vip@example.com", "correct horse battery").await.json().await.expect("json");
    let claims = verifier.verify(session["access_token"].as_str().expect("token")).await.expect("valid");
    assert_eq!(claims.customer_group, None);
}
