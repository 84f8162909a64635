//! Signing in and out: identity's staff sessions (`/api/v1/staff-sessions`), kept in cookies.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::{Extension, Form as Posted};
use contracts::identity::{Credentials, RefreshRequest, StaffSession};
use serde::Deserialize;

use super::{Form, render, see_other};
use crate::Console;
use crate::session::{self, Staff};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    section: &'static str,
    signed_in: bool,
    form: Form,
    next: String,
}

/// Query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    /// Where to go after signing in.
    #[serde(default)]
    next: String,
}

/// Where a sign-in may lead: only console pages, never another site.
fn safe_next(next: &str) -> &str {
    let inside = (next == "/admin" || next.starts_with("/admin/") || next.starts_with("/admin?"))
        && !next.contains("//")
        && !next.contains('\\');
    if inside { next } else { "/admin" }
}

fn page(status: StatusCode, form: Form, next: &str) -> Response {
    render(status, &LoginPage { section: "login", signed_in: false, form, next: safe_next(next).to_owned() })
}

/// `GET /admin/login`.
pub async fn show(Query(query): Query<LoginQuery>) -> Response {
    page(StatusCode::OK, Form::default(), &query.next)
}

/// `POST /admin/login`: `email`, `password`, `next`.
pub async fn submit(State(console): State<Console>, Posted(input): Posted<HashMap<String, String>>) -> Response {
    let next = input.get("next").cloned().unwrap_or_default();
    let credentials = Credentials {
        email: input.get("email").map(|e| e.trim().to_owned()).unwrap_or_default(),
        password: input.get("password").cloned().unwrap_or_default(),
    };
    // The password is never shown again; only the e-mail is kept.
    let mut form = Form::default();
    form.set("email", credentials.email.clone());
    if credentials.email.is_empty() {
        form.fail("email", "is required");
    }
    if credentials.password.is_empty() {
        form.notes.push("Enter your password.".into());
    }
    if form.has_errors() {
        return page(StatusCode::UNPROCESSABLE_ENTITY, form, &next);
    }
    let answer: Result<StaffSession, _> = console
        .api
        .send(None, axum::http::Method::POST, "/v1/staff-sessions", Some(&credentials), HeaderMap::new())
        .await;
    match answer {
        Ok(session) => {
            tracing::info!(staff_user_id = %session.staff_user.id, "staff user signed in to the console");
            let mut response = see_other(safe_next(&next));
            for value in session::set_cookies(&session.access_token, &session.refresh_token, console.secure_cookies) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(err) => {
            let status = Form::status(&err);
            match err.status() {
                Some(StatusCode::UNAUTHORIZED) => form.notes.push("Wrong e-mail or password.".into()),
                _ => form.absorb(&err, |field| (field == "email").then(|| "email".to_owned())),
            }
            page(status, form, &next)
        }
    }
}

/// `POST /admin/logout`: ends the session at identity, then forgets the cookies.
pub async fn logout(State(console): State<Console>, staff: Option<Extension<Staff>>, headers: HeaderMap) -> Response {
    if let Some(refresh) = session::cookies(&headers).get(session::REFRESH_COOKIE).filter(|t| !t.is_empty()) {
        console.refresher.forget(refresh).await;
        let body = RefreshRequest { refresh_token: refresh.clone() };
        let token = staff.as_ref().map(|Extension(s)| s.token.as_str());
        let ended: Result<(), _> = console
            .api
            .send(token, axum::http::Method::POST, "/v1/staff-sessions/logout", Some(&body), HeaderMap::new())
            .await;
        if let Err(err) = ended {
            // The cookies go anyway; the refresh token then expires on its own.
            tracing::warn!(error = %runtime::error_chain(&err), "staff logout not recorded");
        }
    }
    let mut response = see_other("/admin/login");
    for value in session::clear_cookies(console.secure_cookies) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_only_returns_to_console_pages() {
        assert_eq!(safe_next("/admin/orders?status=placed"), "/admin/orders?status=placed");
        assert_eq!(safe_next("/admin"), "/admin");
        assert_eq!(safe_next("https://evil.example/admin"), "/admin");
        assert_eq!(safe_next("//evil.example/admin/"), "/admin");
        assert_eq!(safe_next("/admin//evil.example"), "/admin");
        assert_eq!(safe_next("/administrator"), "/admin");
        assert_eq!(safe_next(""), "/admin");
    }

    #[test]
    fn the_form_keeps_the_email_and_names_the_contract_ids() {
        let mut form = Form::default();
        form.set("email", "a@b.c");
        form.fail("email", "is required");
        let html =
            LoginPage { section: "login", signed_in: false, form, next: "/admin".into() }.render().expect("renders");
        for id in ["id=\"email\"", "id=\"password\"", "id=\"sign-in\"", "value=\"a@b.c\"", "is required"] {
            assert!(html.contains(id), "{id} missing in {html}");
        }
        assert!(!html.contains("Sign out"), "no navigation before signing in");
    }
}
