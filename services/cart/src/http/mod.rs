//! The cart HTTP API: one module per resource, who the caller is ([`Caller`]), how a cart is
//! reached and changed, and how failures become problems.
//!
//! Every response that carries a cart asks pricing for its quote after the change committed
//! (never inside a transaction); see [`crate::pricing`].

mod carts;
mod lines;
mod merge;

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::cart::{Cart, CartId, CartStatus};
use contracts::ids::CustomerId;
use contracts::pricing::QuoteRequest;
use runtime::auth::{INTERNAL_HEADER, Internal, InternalAuth};
use runtime::client::ServiceClient;
use runtime::db::{Db, DbError, Tx};
use runtime::events::Outbox;
use runtime::http::{FieldError, Problem};
use runtime::jwt::{JwtVerifier, Principal};
use sqlx::AnyConnection;
use utoipa_axum::router::OpenApiRouter;

use crate::domain::{CartState, NotActive, Shopper, may_reach};
use crate::pricing::{self, Priced};
use crate::store::carts as store;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The cart database.
    pub db: Db,
    /// Its outbox.
    pub outbox: Outbox,
    /// Calls to pricing.
    pub client: ServiceClient,
    /// Verifies customers' access tokens against identity's keys.
    pub verifier: Arc<JwtVerifier>,
    /// Internal (service-to-service) credential check.
    pub internal: InternalAuth,
}

/// All cart routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new().merge(carts::router()).merge(lines::router()).merge(merge::router()).with_state(state)
}

/// Everything a cart request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller (bad input, auth).
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such cart, or not one the caller may reach.
    #[error("cart not found")]
    NotFound(&'static str),
    /// The endpoint needs a customer's access token and none came.
    #[error("sign-in required")]
    SignInRequired,
    /// A valid token, but not a customer's.
    #[error("not a customer")]
    CustomersOnly,
    /// The cart is merged or converted: read-only.
    #[error("cart not active")]
    NotActive(CartStatus),
    /// The guest cart cannot be merged.
    #[error("cart not mergeable")]
    NotMergeable(&'static str),
    /// `If-Match` did not match the cart's version.
    #[error("version mismatch")]
    VersionMismatch,
    /// The database failed.
    #[error("cart database failed")]
    Db(#[from] DbError),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(p)
    }
}

impl From<NotActive> for ApiError {
    fn from(err: NotActive) -> Self {
        ApiError::NotActive(err.0)
    }
}

const NO_CART: &str = "No cart has that id.";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Problem(p) => p,
            ApiError::Invalid(errors) => Problem::validation(errors),
            ApiError::NotFound(detail) => Problem::not_found(detail),
            ApiError::SignInRequired => {
                return runtime::jwt::unauthorized(
                    "Sign in: this endpoint needs a customer's `Authorization: Bearer <access token>`.",
                );
            }
            ApiError::CustomersOnly => Problem::forbidden("Only customers have carts of their own."),
            ApiError::NotActive(status) => Problem::conflict(
                "cart-not-active",
                format!("The cart is {}; it can no longer change.", status.as_str()),
            )
            .with_extension("cart_status", serde_json::json!(status)),
            ApiError::NotMergeable(detail) => Problem::conflict("cart-not-mergeable", detail),
            ApiError::VersionMismatch => {
                Problem::precondition_failed("The cart changed since you read it; fetch it again and retry.")
            }
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "cart request failed");
                err.to_problem(crate::SERVICE)
            }
        };
        problem.into_response()
    }
}

/// Who the caller is, as far as carts go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// No `Authorization` header: a guest.
    Anonymous,
    /// A customer's valid access token (role `customer`, subject `cus_…`).
    Customer(CustomerId),
    /// A valid token that is not a customer's.
    Other,
}

/// The caller of a request. A request with an `Authorization` header must carry a valid
/// access token (else 401); without one the caller is a guest. Platform services present the
/// internal credential (a wrong one is a 403) and may read any cart.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Who, by token.
    pub identity: Identity,
    /// Whether another platform service is calling.
    pub internal: bool,
    /// The customer group of a customer's token: it selects group price lists.
    pub customer_group: Option<String>,
}

impl Caller {
    /// As a shopper: a token that is not a customer's reaches what a guest reaches.
    pub fn shopper(&self) -> Shopper {
        match &self.identity {
            Identity::Customer(customer) => Shopper::Customer(customer.clone()),
            Identity::Anonymous | Identity::Other => Shopper::Guest,
        }
    }

    /// The customer, for endpoints only customers may use.
    pub fn customer(&self) -> Result<&CustomerId, ApiError> {
        match &self.identity {
            Identity::Customer(customer) => Ok(customer),
            Identity::Anonymous => Err(ApiError::SignInRequired),
            Identity::Other => Err(ApiError::CustomersOnly),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let internal = if parts.headers.contains_key(INTERNAL_HEADER) {
            Internal::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
            true
        } else {
            false
        };
        let mut customer_group = None;
        let identity = if parts.headers.contains_key(header::AUTHORIZATION) {
            let principal = Principal::from_request_parts(parts, state).await?;
            match CustomerId::parse(principal.subject()) {
                Ok(customer) if principal.has_role("customer") => {
                    customer_group = principal.customer_group().map(str::to_owned);
                    Identity::Customer(customer)
                }
                _ => Identity::Other,
            }
        } else {
            Identity::Anonymous
        };
        Ok(Caller { identity, internal, customer_group })
    }
}

/// What a caller wants to do with a cart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

fn reachable(caller: &Caller, cart: &CartState, access: Access) -> bool {
    (access == Access::Read && caller.internal) || may_reach(cart.customer_id.as_ref(), &caller.shopper())
}

/// The path's cart: an id, or `mine` (the calling customer's active cart). A malformed id is
/// a 404 like an unknown one.
async fn cart_id(conn: &mut AnyConnection, caller: &Caller, reference: &str) -> Result<CartId, ApiError> {
    if reference == "mine" {
        let customer = caller.customer()?;
        return store::active_for(conn, customer).await?.ok_or(ApiError::NotFound("You have no active cart."));
    }
    CartId::parse(reference).map_err(|_| ApiError::NotFound(NO_CART))
}

/// The path's cart, if the caller may reach it (else 404).
async fn load(
    conn: &mut AnyConnection,
    caller: &Caller,
    reference: &str,
    access: Access,
) -> Result<CartState, ApiError> {
    let id = cart_id(conn, caller, reference).await?;
    store::find(conn, &id).await?.filter(|c| reachable(caller, c, access)).ok_or(ApiError::NotFound(NO_CART))
}

/// The path's cart, locked in `tx`, if the caller may change it (else 404).
async fn load_locked(tx: &mut Tx, caller: &Caller, reference: &str) -> Result<CartState, ApiError> {
    let id = cart_id(tx, caller, reference).await?;
    store::lock(tx, &id).await?.filter(|c| reachable(caller, c, Access::Write)).ok_or(ApiError::NotFound(NO_CART))
}

/// The version an `If-Match` header demands; `None` for no header or `*`.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/").trim_matches('"').parse::<i64>().map(Some).map_err(|_| {
        Problem::bad_request("If-Match must be an ETag this API issued.")
            .with_errors(vec![FieldError::new("If-Match", "not an ETag of this cart")])
    })
}

/// A cart may change if it is active and (with `If-Match`) still at the version the caller read.
fn check_changeable(cart: &CartState, expected: Option<i64>) -> Result<(), ApiError> {
    cart.ensure_active()?;
    if expected.is_some_and(|v| v != cart.version) {
        return Err(ApiError::VersionMismatch);
    }
    Ok(())
}

/// A quote obtained before a change committed, reused when the committed cart asks pricing
/// the same question (the common case), so a change costs one pricing call.
#[derive(Debug)]
struct Prequote {
    request: serde_json::Value,
    priced: Priced,
}

impl Prequote {
    async fn ask(state: &AppState, request: &QuoteRequest) -> Self {
        let priced = pricing::quote(&state.client, request).await;
        Self { request: serde_json::to_value(request).unwrap_or_default(), priced }
    }
}

/// The cart as published, with its quote, or `degraded: ["pricing"]` when pricing could not
/// price it.
fn published(cart: CartState, priced: Option<&Priced>) -> Cart {
    let (quote, degraded) = match priced {
        None => (None, Vec::new()),
        Some(Priced::Quote(quote)) => (Some((**quote).clone()), Vec::new()),
        Some(Priced::Refused(refusal)) => {
            tracing::info!(cart_id = %cart.id, unpriced = ?refusal.unpriced_skus, fields = ?refusal.fields, "pricing refused the cart");
            (None, vec![pricing::PRICING.to_owned()])
        }
        Some(Priced::Unavailable) => (None, vec![pricing::PRICING.to_owned()]),
    };
    Cart {
        id: cart.id,
        customer_id: cart.customer_id,
        status: cart.status,
        currency: cart.currency,
        country: cart.country,
        shipping_method: cart.shipping_method,
        coupon_codes: cart.coupon_codes,
        lines: cart.lines,
        quote,
        degraded,
        version: cart.version,
        created_at: cart.created_at,
        updated_at: cart.updated_at,
    }
}

/// Prices `cart` (reusing `prequote` when it asked the same question) and publishes it.
async fn priced(state: &AppState, cart: CartState, group: Option<&str>, prequote: Option<Prequote>) -> Cart {
    let Some(request) = cart.quote_request(group) else { return published(cart, None) };
    let priced = match prequote {
        Some(p) if p.request == serde_json::to_value(&request).unwrap_or_default() => p.priced,
        _ => pricing::quote(&state.client, &request).await,
    };
    published(cart, Some(&priced))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn location(id: &CartId) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("/v1/carts/{id}")).ok()
}

/// A cart response: the JSON body (already serialised, or a cart) with its `ETag`.
fn cart_response(status: StatusCode, body: impl IntoResponse, version: i64) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

/// Prices `cart` and answers with it.
async fn respond(
    state: &AppState,
    status: StatusCode,
    cart: CartState,
    group: Option<&str>,
    prequote: Option<Prequote>,
) -> Response {
    let cart = priced(state, cart, group, prequote).await;
    let version = cart.version;
    cart_response(status, axum::Json(cart), version)
}

/// Refuses a change that pricing says cannot be bought: a new SKU without a price (named
/// `sku_field(sku)`), or a shipping method without a rate to the country. Anything else pricing
/// refuses, or pricing not answering, does not stop the change.
fn refused_change(
    before: &CartState,
    after: &CartState,
    prequote: &Prequote,
    sku_field: impl Fn(&contracts::ids::Sku) -> String,
) -> Result<(), ApiError> {
    let Priced::Refused(refusal) = &prequote.priced else { return Ok(()) };
    let unpriced: Vec<FieldError> = after
        .new_skus(before)
        .into_iter()
        .filter(|sku| refusal.unpriced_skus.iter().any(|u| u == sku.as_str()))
        .map(|sku| FieldError::new(sku_field(sku), "is not for sale: pricing has no price for it"))
        .collect();
    if !unpriced.is_empty() {
        return Err(ApiError::Invalid(unpriced));
    }
    if refusal.no_shipping_rate() {
        let field = if after.shipping_method != before.shipping_method {
            Some("shipping_method")
        } else if after.country != before.country {
            Some("country")
        } else {
            None
        };
        if let Some(field) = field {
            return Err(ApiError::Invalid(vec![FieldError::new(
                field,
                "pricing has no rate for this shipping method to this country",
            )]));
        }
    }
    Ok(())
}

/// Changes the path's cart with `change`, safely under concurrency:
///
/// 1. reads the cart as it is (404, 409 `cart-not-active`, 412 come before anything else),
///    applies `change` to a copy and asks pricing about the result outside any transaction
///    (a new SKU without a price, or a shipping method without a rate, is a 422);
/// 2. in a transaction, locks the cart, checks again and applies `change` to the cart as it
///    is then (so concurrent changes all count), and saves it with the next version;
/// 3. answers with the cart, reusing the quote of step 1 when the question is the same.
///
/// A change that changes nothing keeps the version.
async fn mutate<F>(
    state: &AppState,
    caller: &Caller,
    reference: &str,
    headers: &HeaderMap,
    change: F,
) -> Result<Response, ApiError>
where
    F: Fn(&mut CartState) -> Result<(), ApiError>,
{
    let expected = if_match(headers)?;
    let snapshot = {
        let mut conn = state.db.acquire().await?;
        load(&mut conn, caller, reference, Access::Write).await?
    };
    check_changeable(&snapshot, expected)?;
    let mut prospective = snapshot.clone();
    change(&mut prospective)?;
    let mut prequote = None;
    if prospective != snapshot
        && let Some(request) = prospective.quote_request(caller.customer_group.as_deref())
    {
        let asked = Prequote::ask(state, &request).await;
        refused_change(&snapshot, &prospective, &asked, |_| "sku".to_owned())?;
        prequote = Some(asked);
    }

    let mut tx = state.db.begin().await?;
    if prospective != snapshot {
        prospective.touch(&runtime::db::now());
        if store::save(&mut tx, &snapshot, &prospective).await? {
            tx.commit().await.map_err(DbError::from)?;
            tracing::info!(cart_id = %prospective.id, version = prospective.version, "cart changed");
            return Ok(respond(state, StatusCode::OK, prospective, caller.customer_group.as_deref(), prequote).await);
        }
    }
    // Nothing to change, or the cart changed since it was read: decide again under the lock.
    let current = load_locked(&mut tx, caller, reference).await?;
    check_changeable(&current, expected)?;
    let mut next = current.clone();
    change(&mut next)?;
    if next != current {
        next.touch(&runtime::db::now());
        store::save(&mut tx, &current, &next).await?;
        tx.commit().await.map_err(DbError::from)?;
        tracing::info!(cart_id = %next.id, version = next.version, "cart changed");
    } else {
        drop(tx);
    }
    Ok(respond(state, StatusCode::OK, next, caller.customer_group.as_deref(), prequote).await)
}
