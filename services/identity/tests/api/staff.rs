//! Staff users, staff sessions, and staff-only endpoints with staff users' access tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use runtime::testing::{fields, problem};
use serde_json::{Value, json};

use super::{TestApp, spawn_app};

const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// Creates a staff user with the static staff token (the bootstrap path).
    async fn bootstrap_staff(&self, email: &str, role: &str) -> Value {
        let r = self
            .post("/v1/staff-users", &json!({ "email": email, "password": PASSWORD, "name": "Root", "role": role }))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.expect("json")
    }

    async fn staff_login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/v1/staff-sessions", &json!({ "email": email, "password": password })).await
    }

    /// Logs a staff user in and returns the session.
    async fn staff_session(&self, email: &str) -> Value {
        let r = self.staff_login(email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.expect("json")
    }

    fn with_token(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token)
    }

    async fn get_with(&self, path: &str, token: &str) -> reqwest::Response {
        self.with_token(Method::GET, path, token).send().await.expect("sent")
    }

    async fn create_staff_with(&self, token: &str, body: &Value) -> reqwest::Response {
        self.with_token(Method::POST, "/v1/staff-users", token).json(body).send().await.expect("sent")
    }

    /// A customer's access token.
    async fn customer_token(&self, email: &str) -> String {
        self.register(email).await;
        let session: Value = self.login(email, PASSWORD).await.json().await.expect("json");
        session["access_token"].as_str().expect("token").to_owned()
    }
}

fn token(session: &Value) -> &str {
    session["access_token"].as_str().expect("access token")
}

/// The same token with its payload's `roles` replaced (the signature no longer matches).
fn with_roles(token: &str, roles: Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    payload["roles"] = roles;
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    parts.join(".")
}

#[tokio::test]
async fn the_static_token_bootstraps_an_admin_whose_login_carries_staff_roles() {
    let app = spawn_app().await;
    let admin = app.bootstrap_staff("Root@Example.com", "admin").await;
    assert!(admin["id"].as_str().is_some_and(|id| id.starts_with("stf_") && id.len() == 36));
    assert_eq!((admin["email"].as_str(), admin["role"].as_str()), (Some("root@example.com"), Some("admin")));
    assert!(admin.get("password").is_none() && admin.get("password_hash").is_none());

    let session = app.staff_session("root@example.com").await;
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert_eq!(session["staff_user"], admin);
    assert!(session["refresh_token"].as_str().is_some_and(|t| t.starts_with("mrt_")));
    // What every other service sees, through the JWKS.
    let claims = app.verifier().verify(token(&session)).await.expect("valid token");
    assert_eq!(claims.sub, admin["id"].as_str().expect("id"));
    assert_eq!(claims.roles, vec!["staff", "admin"]);

    // Staff and customers are separate accounts: the customer login does not know this one,
    // and a staff token is no customer's.
    problem(app.login("root@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED).await;
    problem(app.me(token(&session)).await, StatusCode::UNAUTHORIZED).await;

    // Wrong password and unknown account look the same.
    let wrong = problem(app.staff_login("root@example.com", "wrong password!!").await, StatusCode::UNAUTHORIZED).await;
    let unknown = problem(app.staff_login("nobody@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong["detail"], unknown["detail"]);

    // Documented.
    let openapi: Value = app.get("/openapi.json").await.json().await.expect("json");
    let paths = &openapi["paths"];
    for (path, method) in [
        ("/v1/staff-users", "post"),
        ("/v1/staff-users", "get"),
        ("/v1/staff-sessions", "post"),
        ("/v1/staff-sessions/refresh", "post"),
        ("/v1/staff-sessions/logout", "post"),
        ("/v1/customers", "get"),
        ("/v1/customers", "post"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
}

#[tokio::test]
async fn admins_create_staff_users_and_staff_cannot() {
    let app = spawn_app().await;
    let admin = app.bootstrap_staff("root@example.com", "admin").await;
    let admin_session = app.staff_session("root@example.com").await;

    // The role defaults to `staff`.
    let r = app
        .create_staff_with(
            token(&admin_session),
            &json!({ "email": "clerk@example.com", "password": PASSWORD, "name": "Clerk" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let clerk: Value = r.json().await.expect("json");
    assert_eq!(clerk["role"], "staff");
    let clerk_session = app.staff_session("clerk@example.com").await;
    let claims = app.verifier().verify(token(&clerk_session)).await.expect("valid token");
    assert_eq!(claims.roles, vec!["staff"]);

    // A staff member (not admin) may not create staff users, whatever the body.
    let denied = app
        .create_staff_with(
            token(&clerk_session),
            &json!({ "email": "sneaky@example.com", "password": PASSWORD, "name": "S", "role": "admin" }),
        )
        .await;
    assert_eq!(problem(denied, StatusCode::FORBIDDEN).await["type"], "urn:mercato:problem:forbidden");
    // …but may read the list, as any staff.
    let list = app.get_with("/v1/staff-users", token(&clerk_session)).await;
    assert_eq!(list.status(), StatusCode::OK);
    let list: Value = list.json().await.expect("json");
    assert_eq!(list["data"], json!([admin, clerk]));
    assert!(list.get("next").is_none());
    let first: Value = app.get_with("/v1/staff-users?limit=1", token(&clerk_session)).await.json().await.expect("json");
    assert_eq!(first["data"], json!([admin]));
    let next = first["next"].as_str().expect("cursor");
    let second: Value = app
        .get_with(&format!("/v1/staff-users?limit=1&after={next}"), token(&clerk_session))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(second["data"], json!([clerk]));
    assert!(second.get("next").is_none());

    // Duplicates and invalid fields.
    let dup = app
        .create_staff_with(
            token(&admin_session),
            &json!({ "email": "CLERK@example.com ", "password": PASSWORD, "name": "Again" }),
        )
        .await;
    assert_eq!(fields(&problem(dup, StatusCode::CONFLICT).await), vec!["email"]);
    let bad = app.post("/v1/staff-users", &json!({ "email": "nope", "password": "short", "name": " " })).await;
    assert_eq!(fields(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["email", "password", "name"]);
    let bad_role = app
        .post(
            "/v1/staff-users",
            &json!({ "email": "x@example.com", "password": PASSWORD, "name": "X", "role": "owner" }),
        )
        .await;
    problem(bad_role, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn customers_and_forged_tokens_are_refused_on_staff_endpoints() {
    let app = spawn_app().await;
    let customer = app.customer_token("shopper@example.com").await;
    app.bootstrap_staff("clerk@example.com", "staff").await;
    let staff = app.staff_session("clerk@example.com").await;

    // A valid customer token is authenticated, but not staff: 403.
    let r = app.get_with("/v1/customers", &customer).await;
    let body = problem(r, StatusCode::FORBIDDEN).await;
    assert_eq!(
        (body["type"].as_str(), body["detail"].as_str()),
        (Some("urn:mercato:problem:forbidden"), Some("staff only"))
    );
    let r =
        app.create_staff_with(&customer, &json!({ "email": "x@example.com", "password": PASSWORD, "name": "X" })).await;
    problem(r, StatusCode::FORBIDDEN).await;

    // Tampered tokens: a customer's claiming staff, a staff member's claiming admin.
    for forged in
        [with_roles(&customer, json!(["staff", "admin"])), with_roles(token(&staff), json!(["staff", "admin"]))]
    {
        problem(app.get_with("/v1/customers", &forged).await, StatusCode::UNAUTHORIZED).await;
        let r = app
            .create_staff_with(&forged, &json!({ "email": "y@example.com", "password": PASSWORD, "name": "Y" }))
            .await;
        problem(r, StatusCode::UNAUTHORIZED).await;
    }
    for garbage in ["not-a-token", "not.a.token", "eyJhbGciOiJub25lIn0.e30."] {
        problem(app.get_with("/v1/customers", garbage).await, StatusCode::UNAUTHORIZED).await;
    }
    problem(app.get("/v1/customers").await, StatusCode::UNAUTHORIZED).await;

    // The genuine staff token and the static token work.
    assert_eq!(app.get_with("/v1/customers", token(&staff)).await.status(), StatusCode::OK);
    assert_eq!(app.staff(Method::GET, "/v1/customers").send().await.expect("sent").status(), StatusCode::OK);
}

#[tokio::test]
async fn expired_staff_tokens_are_refused() {
    let app = spawn_app().await;
    let clerk = app.bootstrap_staff("clerk@example.com", "admin").await;
    let db = runtime::db::Db::connect(&app.database_url, 1, &identity::MIGRATIONS).await.expect("db");
    use sqlx::Row as _;
    let row = sqlx::query("SELECT kid, private_pkcs8 FROM signing_keys")
        .fetch_one(&mut *db.acquire().await.expect("a connection"))
        .await
        .expect("key");
    let (kid, der): (String, String) = (row.get("kid"), row.get("private_pkcs8"));
    db.close().await;
    let der = base64::engine::general_purpose::STANDARD.decode(der).expect("b64");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let sign = |exp: i64| {
        let claims = json!({ "iss": "mercato-identity", "aud": "mercato", "sub": clerk["id"], "exp": exp, "iat": now - 4500, "jti": "x", "roles": ["staff", "admin"] });
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ed_der(&der)).expect("signs")
    };
    problem(app.get_with("/v1/staff-users", &sign(now - 3600)).await, StatusCode::UNAUTHORIZED).await;
    // Control: the same token, not expired, is accepted.
    assert_eq!(app.get_with("/v1/staff-users", &sign(now + 600)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn staff_list_customers_filtered_by_email_page_by_page() {
    let app = spawn_app().await;
    let mut shop = Vec::new();
    for email in
        ["ada@shop.example", "other@example.com", "grace@SHOP.example", "linus@elsewhere.example", "joan@shop.example"]
    {
        let customer = app.register(email).await;
        if email.to_lowercase().contains("shop.example") {
            shop.push(customer);
        }
    }
    app.bootstrap_staff("clerk@example.com", "staff").await;
    let staff = app.staff_session("clerk@example.com").await;
    let list = |query: String| {
        let app = &app;
        let staff = token(&staff).to_owned();
        async move { app.get_with(&format!("/v1/customers{query}"), &staff).await }
    };

    let all: Value = list(String::new()).await.json().await.expect("json");
    assert_eq!(all["data"].as_array().map(Vec::len), Some(5));
    assert!(all.get("next").is_none());

    // Filtered, two per page, oldest first; the filter ignores case.
    let first: Value = list("?email=SHOP.example&limit=2".into()).await.json().await.expect("json");
    assert_eq!(first["data"], json!(shop[..2]));
    let next = first["next"].as_str().expect("cursor");
    let second: Value = list(format!("?email=shop.example&limit=2&after={next}")).await.json().await.expect("json");
    assert_eq!(second["data"], json!(shop[2..]));
    assert!(second.get("next").is_none());

    // An exact address finds one; wildcards are literal characters.
    let one: Value = list("?email=other%40example.com".into()).await.json().await.expect("json");
    assert_eq!(one["data"].as_array().map(Vec::len), Some(1));
    for wildcard in ["%25", "_", "a%25a"] {
        let none: Value = list(format!("?email={wildcard}")).await.json().await.expect("json");
        assert_eq!(none["data"], json!([]), "{wildcard}");
    }

    // Bad parameters name their field.
    let bad = list(format!("?limit=0&after=nope&email={}", "a".repeat(300))).await;
    assert_eq!(fields(&problem(bad, StatusCode::BAD_REQUEST).await), vec!["limit", "after", "email"]);
    problem(list("?sort=email".into()).await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn staff_refresh_tokens_rotate_and_are_not_customer_tokens() {
    let app = spawn_app().await;
    app.bootstrap_staff("clerk@example.com", "admin").await;
    let first = app.staff_session("clerk@example.com").await;
    let r1 = first["refresh_token"].as_str().expect("refresh");

    // Not a customer's refresh token.
    problem(app.post_json("/v1/sessions/refresh", &json!({ "refresh_token": r1 })).await, StatusCode::UNAUTHORIZED)
        .await;

    let second = app.post_json("/v1/staff-sessions/refresh", &json!({ "refresh_token": r1 })).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.expect("json");
    let r2 = second["refresh_token"].as_str().expect("refresh");
    assert_ne!(r1, r2);
    assert_eq!(second["staff_user"], first["staff_user"]);
    let claims = app.verifier().verify(token(&second)).await.expect("valid token");
    assert_eq!(claims.roles, vec!["staff", "admin"]);

    // Reuse revokes the session.
    let reuse = app.post_json("/v1/staff-sessions/refresh", &json!({ "refresh_token": r1 })).await;
    problem(reuse, StatusCode::UNAUTHORIZED).await;
    let revoked = app.post_json("/v1/staff-sessions/refresh", &json!({ "refresh_token": r2 })).await;
    problem(revoked, StatusCode::UNAUTHORIZED).await;

    // Log out.
    let third = app.staff_session("clerk@example.com").await;
    let r3 = third["refresh_token"].as_str().expect("refresh");
    let out = app.post_json("/v1/staff-sessions/logout", &json!({ "refresh_token": r3 })).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = app.post_json("/v1/staff-sessions/refresh", &json!({ "refresh_token": r3 })).await;
    problem(after, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn staff_logins_are_rate_limited_per_account() {
    let app = spawn_app().await;
    app.bootstrap_staff("clerk@example.com", "staff").await;
    for _ in 0..5 {
        problem(app.staff_login("clerk@example.com", "guess guess guess").await, StatusCode::UNAUTHORIZED).await;
    }
    let limited = app.staff_login("clerk@example.com", PASSWORD).await;
    assert!(limited.headers().contains_key("retry-after"));
    problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
    // The customer account with the same email has its own counter.
    app.register("clerk@example.com").await;
    assert_eq!(app.login("clerk@example.com", PASSWORD).await.status(), StatusCode::OK);
}
