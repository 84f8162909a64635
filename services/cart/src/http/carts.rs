//! `/v1/carts`: create, read (by id, or `mine`), update country, shipping method and coupons.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use contracts::cart::{Cart, CartId, CartUpdate, NewCart};
use contracts::ids::CustomerId;
use runtime::db::DbError;
use runtime::http::{Json, Problem, ProblemSchema};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    Access, ApiError, AppState, Caller, Identity, Prequote, cart_response, load, location, mutate, published,
    refused_change, respond,
};
use crate::domain::{CartState, ValidNewCart, ValidUpdate};
use crate::pricing::Priced;
use crate::store::carts as store;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_cart)).routes(routes!(get_cart, update_cart))
}

const CREATE_SCOPE: &str = "POST /v1/carts";

/// Create a cart. Without a token it is a guest cart (its id is its only key: keep it
/// secret); with a customer's token it is the customer's — and if the customer already has an
/// active cart, that cart is returned (200) and the body is ignored: one active cart per
/// customer. Initial lines are checked like `POST /v1/carts/{id}/lines`. Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/carts",
    tag = "carts",
    request_body(content = Option<NewCart>, description = "Optional; defaults: EUR, DE, no lines"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay returns the first response")),
    responses(
        (status = 201, description = "Created; `Location` and `ETag` set", body = Cart),
        (status = 200, description = "The customer's existing active cart", body = Cart),
        (status = 400, description = "Malformed body, unknown fields or unknown currency", body = ProblemSchema),
        (status = 401, description = "An invalid or expired token", body = ProblemSchema),
        (status = 403, description = "A token that is not a customer's", body = ProblemSchema),
        (status = 409, description = "Idempotency-Key reused with another body or by another caller", body = ProblemSchema),
        (status = 422, description = "Invalid fields (`country`, `shipping_method`, `coupon_codes[i]`, `lines`, `lines[i].sku`, `lines[i].quantity`), a SKU that is not for sale (`lines[i].sku`) or a shipping method without a rate (`shipping_method`)", body = ProblemSchema),
    ),
    security((), ("bearer" = []))
)]
async fn create_cart(
    State(state): State<AppState>,
    caller: Caller,
    key: Option<IdempotencyKey>,
    body: Option<Json<NewCart>>,
) -> Result<Response, ApiError> {
    let owner = match &caller.identity {
        Identity::Anonymous => None,
        Identity::Customer(customer) => Some(customer.clone()),
        Identity::Other => return Err(ApiError::CustomersOnly),
    };
    let dto = body.map(|Json(dto)| dto).unwrap_or_default();
    let valid = ValidNewCart::parse(&dto).map_err(ApiError::Invalid)?;
    // Who asks is part of the request: another caller presenting the same key gets a 409,
    // never the first caller's cart.
    let creation = Creation::new(CREATE_SCOPE, key, &(owner.as_ref().map(CustomerId::as_str), &dto));
    let existing = match &owner {
        Some(customer) => store::active_for(&mut *state.db.acquire().await?, customer).await?,
        None => None,
    };
    let cart = CartState::new(CartId::generate(), owner.clone(), valid.clone(), &runtime::db::now());
    // Pricing is asked about the new cart before its transaction (and the answer kept for the
    // response); not when the customer's existing cart will be the answer.
    let mut prequote = None;
    let group = caller.customer_group.as_deref();
    if existing.is_none()
        && let Some(request) = cart.quote_request(group)
    {
        let asked = Prequote::ask(&state, &request).await;
        let empty = CartState { lines: Vec::new(), shipping_method: None, ..cart.clone() };
        refused_change(&empty, &cart, &asked, |sku| {
            let line = cart.lines.iter().position(|l| l.sku == *sku).unwrap_or_default();
            format!("lines[{}].sku", valid.sources.get(line).copied().unwrap_or(line))
        })?;
        prequote = Some(asked);
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_create(&state, &creation, owner.as_ref(), group, &cart, prequote.take()).await {
            // A concurrent request won a race (PostgreSQL): the same key committed first, or the
            // customer's active cart was created. Looking again finds it.
            Err(Retry::Race(p)) if attempt < 3 => prequote = p,
            Err(Retry::Race(_)) => {
                return Err(ApiError::Problem(
                    Problem::conflict("conflict", "A concurrent request conflicts with this one; retry.")
                        .with_retry_after(1),
                ));
            }
            Err(Retry::Failed(err)) => return Err(err),
            Ok(response) => return Ok(response),
        }
    }
}

/// How one creation attempt ended when it did not answer.
enum Retry {
    Race(Option<Prequote>),
    Failed(ApiError),
}

impl From<ApiError> for Retry {
    fn from(err: ApiError) -> Self {
        Retry::Failed(err)
    }
}

impl From<DbError> for Retry {
    fn from(err: DbError) -> Self {
        Retry::Failed(err.into())
    }
}

async fn try_create(
    state: &AppState,
    creation: &Creation,
    owner: Option<&CustomerId>,
    group: Option<&str>,
    cart: &CartState,
    prequote: Option<Prequote>,
) -> Result<Response, Retry> {
    let mut tx = match creation.begin(&state.db).await? {
        Begun::Answered(response) => return Ok(response),
        Begun::Fresh(tx) => tx,
    };
    if let Some(customer) = owner
        && let Some(id) = store::active_for(&mut tx, customer).await?
    {
        let existing = store::find(&mut tx, &id).await?.ok_or(ApiError::NotFound(super::NO_CART))?;
        drop(tx);
        return Ok(respond(state, StatusCode::OK, existing, group, None).await);
    }
    match store::insert(&mut tx, cart).await {
        Err(err) if err.is_unique_violation() => return Err(Retry::Race(prequote)),
        other => other?,
    }
    // The key records exactly the response given, so the body is priced only with the quote
    // asked beforehand; a customer's cart that vanished since (converted meanwhile) was not
    // asked about, and is answered as unpriced.
    let unasked = Priced::Unavailable;
    let priced = match &prequote {
        Some(p) => Some(&p.priced),
        None => cart.quote_request(group).map(|_| &unasked),
    };
    let body = published(cart.clone(), priced);
    let text = match creation.finish(&state.outbox, tx, StatusCode::CREATED, &body).await {
        Err(err) if err.is_unique_violation() => return Err(Retry::Race(prequote)),
        other => other?,
    };
    tracing::info!(cart_id = %cart.id, customer_id = ?owner, "cart created");
    let mut response = cart_response(StatusCode::CREATED, text, cart.version);
    if let Some(location) = location(&cart.id) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Read a cart with its current prices. `mine` is the calling customer's active cart. A
/// customer's cart needs that customer's token; anyone else gets a 404. Platform services
/// (internal credential) may read any cart.
#[utoipa::path(
    get,
    path = "/v1/carts/{id}",
    tag = "carts",
    params(("id" = String, Path, description = "Cart id (`cart_…`), or `mine`: the calling customer's active cart")),
    responses(
        (status = 200, description = "The cart; `ETag` carries its version; `quote` is null and `degraded` names `pricing` when pricing could not price it", body = Cart),
        (status = 401, description = "An invalid or expired token; `mine` without a token", body = ProblemSchema),
        (status = 403, description = "`mine` with a token that is not a customer's", body = ProblemSchema),
        (status = 404, description = "No such cart (or not the caller's); no active cart for `mine`", body = ProblemSchema),
    ),
    security((), ("bearer" = []), ("internal" = []))
)]
async fn get_cart(
    State(state): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let cart = {
        let mut conn = state.db.acquire().await?;
        load(&mut conn, &caller, &reference, Access::Read).await?
    };
    if caller.internal {
        // The checkout prices the cart authoritatively itself: a quote here would be one
        // more pricing call per checkout for nothing.
        let version = cart.version;
        return Ok(cart_response(StatusCode::OK, axum::Json(published(cart, None)), version));
    }
    Ok(respond(&state, StatusCode::OK, cart, caller.customer_group.as_deref(), None).await)
}

/// Change a cart's destination country, shipping method (`""` removes it) or coupon codes.
/// Honors `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/carts/{id}",
    tag = "carts",
    request_body = CartUpdate,
    params(
        ("id" = String, Path, description = "Cart id, or `mine`"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; the update fails with 412 if the cart changed"),
    ),
    responses(
        (status = 200, description = "The updated cart", body = Cart),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "An invalid or expired token", body = ProblemSchema),
        (status = 404, description = "No such cart (or not the caller's)", body = ProblemSchema),
        (status = 409, description = "The cart is merged or converted (`cart-not-active`)", body = ProblemSchema),
        (status = 412, description = "Changed since read", body = ProblemSchema),
        (status = 422, description = "Invalid fields, or no rate for the shipping method to the country (`shipping_method`, or `country` when only it changed)", body = ProblemSchema),
    ),
    security((), ("bearer" = []))
)]
async fn update_cart(
    State(state): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
    headers: HeaderMap,
    Json(dto): Json<CartUpdate>,
) -> Result<Response, ApiError> {
    let update = ValidUpdate::parse(&dto).map_err(ApiError::Invalid)?;
    mutate(&state, &caller, &reference, &headers, |cart| {
        cart.apply(&update);
        Ok(())
    })
    .await
}
