//! Who is shopping: the visitor id, the signed-in customer's tokens and the guest cart, all
//! from cookies. A middleware reads them once per page request, refreshes an expired access
//! token with the refresh token (rotating both), and appends every cookie a handler set to
//! the response, so handlers never forget one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use contracts::identity::Session;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::api::Request as ApiRequest;
use crate::cookies;

/// How long the refresh token and the guest cart are kept.
const LONG_LIVED: i64 = 30 * 24 * 3600;
/// How long the visitor id is kept.
const VISITOR_LIFETIME: i64 = 365 * 24 * 3600;
/// The access cookie expires this much before the token does, so a token is never sent
/// in its last seconds and a page is refreshed instead of failing half-way.
const ACCESS_MARGIN: i64 = 30;

/// What the access token says about its holder (read, not verified: the API verifies).
#[derive(Debug, Default, Deserialize)]
struct Claims {
    #[serde(default)]
    exp: i64,
    #[serde(default)]
    customer_group: Option<String>,
}

fn claims(token: &str) -> Option<Claims> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The shopper of one request.
#[derive(Clone, Debug)]
pub struct Shopper {
    access: Option<String>,
    refresh: Option<String>,
    customer_group: Option<String>,
    /// The guest cart's id, from its cookie.
    pub guest_cart: Option<String>,
    /// The visitor id.
    pub visitor: String,
    /// A guest's last order confirmation (base64url JSON), from its cookie.
    pub confirmation: Option<String>,
    jar: Arc<Mutex<Vec<HeaderValue>>>,
    secure: bool,
}

impl Shopper {
    /// The access token of a signed-in customer.
    pub fn token(&self) -> Option<&str> {
        self.access.as_deref()
    }

    /// Whether a customer is signed in.
    pub fn signed_in(&self) -> bool {
        self.access.is_some()
    }

    /// The customer's group (prices of group price lists), from the access token.
    pub fn customer_group(&self) -> Option<&str> {
        self.customer_group.as_deref()
    }

    /// The refresh token, for logging out.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh.as_deref()
    }

    fn push(&self, cookie: Option<HeaderValue>) {
        if let Some(cookie) = cookie {
            self.jar.lock().unwrap_or_else(|p| p.into_inner()).push(cookie);
        }
    }

    /// Sets cookie `name` for `max_age` seconds on the response.
    pub fn set_cookie(&self, name: &str, value: &str, max_age: i64) {
        self.push(cookies::set(name, value, max_age, self.secure));
    }

    /// Removes cookie `name` on the response.
    pub fn clear_cookie(&self, name: &str) {
        self.push(cookies::clear(name, self.secure));
    }

    /// Remembers the guest cart.
    pub fn set_guest_cart(&mut self, id: &str) {
        self.guest_cart = Some(id.to_owned());
        self.set_cookie(cookies::CART, id, LONG_LIVED);
    }

    /// Forgets the guest cart (merged, converted or gone).
    pub fn forget_guest_cart(&mut self) {
        if self.guest_cart.take().is_some() {
            self.clear_cookie(cookies::CART);
        }
    }

    /// Signs in with `session`'s tokens.
    pub fn sign_in(&mut self, session: &Session) {
        self.set_cookie(cookies::ACCESS, &session.access_token, (session.expires_in - ACCESS_MARGIN).max(1));
        self.set_cookie(cookies::REFRESH, &session.refresh_token, LONG_LIVED);
        self.customer_group = claims(&session.access_token).and_then(|c| c.customer_group);
        self.access = Some(session.access_token.clone());
        self.refresh = Some(session.refresh_token.clone());
    }

    /// Signs out: both tokens go.
    pub fn sign_out(&mut self) {
        self.access = None;
        self.refresh = None;
        self.customer_group = None;
        self.clear_cookie(cookies::ACCESS);
        self.clear_cookie(cookies::REFRESH);
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Shopper {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Shopper>().cloned().ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The page middleware: builds the [`Shopper`], runs the handler, writes the cookies and
/// the headers every page carries.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let jar = Arc::new(Mutex::new(Vec::new()));
    let secure = state.shop.secure_cookies;
    let access = cookies::get(headers, cookies::ACCESS)
        .filter(|token| claims(token).is_some_and(|c| c.exp > unix_now() + ACCESS_MARGIN / 2));
    let mut shopper = Shopper {
        customer_group: access.as_deref().and_then(claims).and_then(|c| c.customer_group),
        access,
        refresh: cookies::get(headers, cookies::REFRESH),
        guest_cart: cookies::get(headers, cookies::CART).filter(|id| contracts::ids::CartId::parse(id).is_ok()),
        visitor: cookies::get(headers, cookies::VISITOR)
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .unwrap_or_default(),
        confirmation: cookies::get(headers, cookies::CONFIRMATION),
        jar: jar.clone(),
        secure,
    };
    if shopper.visitor.is_empty() {
        shopper.visitor = uuid::Uuid::new_v4().simple().to_string();
        let visitor = shopper.visitor.clone();
        shopper.set_cookie(cookies::VISITOR, &visitor, VISITOR_LIFETIME);
    }
    if shopper.access.is_none()
        && let Some(refresh) = shopper.refresh.clone()
    {
        refresh_session(&state, &mut shopper, &refresh).await;
    }
    request.extensions_mut().insert(shopper);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for cookie in jar.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
        headers.append(header::SET_COOKIE, cookie);
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("private, no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// Trades the refresh token for a new pair. A refused token signs the shopper out; an
/// unavailable identity leaves the cookie for the next page.
async fn refresh_session(state: &AppState, shopper: &mut Shopper, refresh: &str) {
    let request =
        ApiRequest::post("/sessions/refresh", json!({ "refresh_token": refresh })).timeout(Duration::from_millis(1500));
    match state.api.json::<Session>(request).await {
        Ok(session) => shopper.sign_in(&session),
        Err(err) if err.status().is_some_and(|s| s.is_client_error()) => shopper.sign_out(),
        Err(err) => tracing::warn!(error = %runtime::error_chain(&err), "could not refresh a session"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_expiry_and_group_from_a_token_without_trusting_it_for_more() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"cus_1","exp":4102444800,"customer_group":"vip"}"#);
        let token = format!("e30.{payload}.sig");
        let claims = claims(&token).expect("decodes");
        assert_eq!(claims.exp, 4_102_444_800);
        assert_eq!(claims.customer_group.as_deref(), Some("vip"));
        assert!(super::claims("not-a-token").is_none());
    }
}
