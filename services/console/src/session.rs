//! The staff session: tokens in cookies, checked on every page.
//!
//! The console keeps no session of its own. Signing in asks identity (through the API) for a
//! staff session and puts its access and refresh tokens in `HttpOnly`, `SameSite=Lax`
//! cookies. Every page then verifies the access token locally (signature against identity's
//! keys, expiry, and the role `staff` or `admin`); an expired one is exchanged for a new pair
//! with the refresh token, and the new cookies ride on the page's response.
//!
//! Refresh tokens are single use, and presenting a used one revokes the whole session. Two
//! requests of one browser (a page and the Platform page's poll) may carry the same expired
//! token at once, so exchanges are done one at a time here and a fresh result is handed to
//! whoever presents the same refresh token again shortly after.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use contracts::identity::{RefreshRequest, StaffSession};
use runtime::jwt::{Claims, JwtVerifier};
use tokio::sync::Mutex;

use crate::Console;
use crate::api::{Api, ApiError};
use crate::pages::{self, see_other};

/// Cookie holding the staff user's access token.
pub const ACCESS_COOKIE: &str = "mercato_console_access";
/// Cookie holding the staff user's refresh token.
pub const REFRESH_COOKIE: &str = "mercato_console_refresh";
/// How long an exchanged pair is handed out again for the same refresh token.
const REUSE_EXCHANGE_FOR: Duration = Duration::from_secs(30);

/// The signed-in staff user of a request, as the pages see it.
#[derive(Clone, Debug)]
pub struct Staff {
    /// The access token to present to the API.
    pub token: String,
    /// What it says.
    pub claims: Claims,
}

impl Staff {
    /// Whether the user is an admin.
    pub fn is_admin(&self) -> bool {
        self.claims.roles.iter().any(|r| r == runtime::auth::ADMIN_ROLE)
    }
}

/// The cookies of a request, by name.
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

/// `Set-Cookie` values for a session's two tokens.
pub fn set_cookies(access: &str, refresh: &str, secure: bool) -> Vec<HeaderValue> {
    [(ACCESS_COOKIE, access), (REFRESH_COOKIE, refresh)]
        .into_iter()
        .filter_map(|(name, value)| cookie(name, value, None, secure))
        .collect()
}

/// `Set-Cookie` values that remove both tokens.
pub fn clear_cookies(secure: bool) -> Vec<HeaderValue> {
    [ACCESS_COOKIE, REFRESH_COOKIE].into_iter().filter_map(|name| cookie(name, "", Some(0), secure)).collect()
}

fn cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> Option<HeaderValue> {
    // Tokens are base64url and dots: nothing a cookie value cannot hold unquoted.
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).ok()
}

/// Exchanges refresh tokens, one at a time, remembering recent results.
#[derive(Debug, Default)]
pub struct Refresher {
    recent: Mutex<HashMap<String, (Instant, StaffSession)>>,
}

impl Refresher {
    /// A new pair for `refresh_token`, or why not.
    async fn exchange(&self, api: &Api, refresh_token: &str) -> Result<StaffSession, ApiError> {
        let mut recent = self.recent.lock().await;
        recent.retain(|_, (at, _)| at.elapsed() < REUSE_EXCHANGE_FOR);
        if let Some((_, session)) = recent.get(refresh_token) {
            return Ok(session.clone());
        }
        let body = RefreshRequest { refresh_token: refresh_token.to_owned() };
        let session: StaffSession =
            api.send(None, Method::POST, "/v1/staff-sessions/refresh", Some(&body), HeaderMap::new()).await?;
        recent.insert(refresh_token.to_owned(), (Instant::now(), session.clone()));
        Ok(session)
    }
}

impl Refresher {
    /// Forgets what `refresh_token` was exchanged for, or was exchanged into: after a logout
    /// no remembered pair of that session may be handed out again.
    pub async fn forget(&self, refresh_token: &str) {
        self.recent
            .lock()
            .await
            .retain(|old, (_, session)| old != refresh_token && session.refresh_token != refresh_token);
    }
}

/// What the cookies of a request amount to.
enum Resolved {
    /// A staff user; `renewed` holds cookies to set when the tokens were exchanged.
    Staff(Staff, Option<Vec<HeaderValue>>),
    /// A valid token without a staff role (a customer's, say).
    NotStaff,
    /// Nobody is signed in (or the session ended).
    Anonymous,
    /// The platform could not be asked.
    Unavailable(ApiError),
}

async fn verify(verifier: &JwtVerifier, token: &str) -> Option<Claims> {
    verifier.verify(token).await.ok()
}

fn is_staff(claims: &Claims) -> bool {
    claims.roles.iter().any(|r| r == runtime::auth::STAFF_ROLE || r == runtime::auth::ADMIN_ROLE)
}

async fn resolve(console: &Console, headers: &HeaderMap) -> Resolved {
    let jar = cookies(headers);
    if let Some(token) = jar.get(ACCESS_COOKIE).filter(|t| !t.is_empty())
        && let Some(claims) = verify(&console.verifier, token).await
    {
        return if is_staff(&claims) {
            Resolved::Staff(Staff { token: token.clone(), claims }, None)
        } else {
            Resolved::NotStaff
        };
    }
    let Some(refresh) = jar.get(REFRESH_COOKIE).filter(|t| !t.is_empty()) else {
        return Resolved::Anonymous;
    };
    match console.refresher.exchange(&console.api, refresh).await {
        Ok(session) => match verify(&console.verifier, &session.access_token).await {
            Some(claims) if is_staff(&claims) => {
                let cookies = set_cookies(&session.access_token, &session.refresh_token, console.secure_cookies);
                Resolved::Staff(Staff { token: session.access_token, claims }, Some(cookies))
            }
            Some(_) => Resolved::NotStaff,
            None => Resolved::Anonymous,
        },
        Err(err) if err.status().is_some_and(|s| s.is_client_error()) => Resolved::Anonymous,
        Err(err) => Resolved::Unavailable(err),
    }
}

/// Middleware of every page but sign-in and the assets: only staff pass.
///
/// Nobody signed in: a `GET` is sent to the sign-in page (which returns there afterwards),
/// anything else to the bare sign-in page. A signed-in user without a staff role gets a 403
/// page and no data.
pub async fn require_staff(State(console): State<Console>, mut request: Request, next: Next) -> Response {
    match resolve(&console, request.headers()).await {
        Resolved::Staff(staff, renewed) => {
            request.extensions_mut().insert(staff);
            let mut response = next.run(request).await;
            for value in renewed.unwrap_or_default() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Resolved::NotStaff => pages::forbidden(),
        Resolved::Unavailable(err) => pages::api_failure(&err),
        Resolved::Anonymous => {
            let target = if request.method() == Method::GET {
                let wanted = request.uri().path_and_query().map_or("/admin", |p| p.as_str());
                format!("/admin/login?next={}", crate::api::encode(wanted))
            } else {
                "/admin/login".to_owned()
            };
            let mut response = see_other(&target);
            // A stale session's cookies are of no further use.
            if cookies(request.headers()).contains_key(REFRESH_COOKIE) {
                for value in clear_cookies(console.secure_cookies) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_from_every_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; mercato_console_access=tok.en"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=\"2\""));
        let jar = cookies(&headers);
        assert_eq!(jar.get(ACCESS_COOKIE).map(String::as_str), Some("tok.en"));
        assert_eq!(jar.get("b").map(String::as_str), Some("2"));
        assert_eq!(jar.get("a").map(String::as_str), Some("1"));
    }

    #[test]
    fn session_cookies_are_http_only_and_lax() {
        let set = set_cookies("acc", "ref", false);
        assert_eq!(set.len(), 2);
        assert_eq!(set[0], "mercato_console_access=acc; Path=/; HttpOnly; SameSite=Lax");
        let cleared = clear_cookies(true);
        assert_eq!(cleared[1], "mercato_console_refresh=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
    }
}
