//! `/v1/carts/{id}/lines`: add units of a SKU, set a line's units, remove a line. Each answers
//! with the whole cart, priced; each honors `If-Match`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use contracts::cart::{Cart, NewCartLine, SetCartLine};
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, Caller, mutate};
use crate::domain::{check_added_quantity, check_set_quantity, parse_sku};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_line)).routes(routes!(set_line, remove_line))
}

/// Add units of a SKU: to its line if the cart has one, else as a new last line. A SKU
/// pricing has no price for is refused (422 naming `sku`); when pricing cannot be asked the
/// line is added all the same. Concurrent additions all count.
#[utoipa::path(
    post,
    path = "/v1/carts/{id}/lines",
    tag = "carts",
    request_body = NewCartLine,
    params(
        ("id" = String, Path, description = "Cart id, or `mine`"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; fails with 412 if the cart changed"),
    ),
    responses(
        (status = 200, description = "The cart with the line", body = Cart),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "An invalid or expired token", body = ProblemSchema),
        (status = 404, description = "No such cart (or not the caller's)", body = ProblemSchema),
        (status = 409, description = "The cart is merged or converted (`cart-not-active`)", body = ProblemSchema),
        (status = 412, description = "Changed since read", body = ProblemSchema),
        (status = 422, description = "`sku` invalid or not for sale; `quantity` outside 1 to 1,000 or the line above 1,000; `lines`: the cart already has 100 lines", body = ProblemSchema),
    ),
    security((), ("bearer" = []))
)]
async fn add_line(
    State(state): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
    headers: HeaderMap,
    Json(dto): Json<NewCartLine>,
) -> Result<Response, ApiError> {
    let sku = parse_sku(&dto.sku, "sku");
    let quantity = check_added_quantity(dto.quantity, "quantity");
    let sku = match (sku, quantity) {
        (Ok(sku), Ok(())) => sku,
        (sku, quantity) => return Err(ApiError::Invalid(sku.err().into_iter().chain(quantity.err()).collect())),
    };
    mutate(&state, &caller, &reference, &headers, |cart| {
        cart.add_line(sku.clone(), dto.quantity).map_err(|e| ApiError::Invalid(vec![e]))
    })
    .await
}

/// Set a line's units; 0 removes the line, a SKU without a line gets one (checked as when
/// adding).
#[utoipa::path(
    put,
    path = "/v1/carts/{id}/lines/{sku}",
    tag = "carts",
    request_body = SetCartLine,
    params(
        ("id" = String, Path, description = "Cart id, or `mine`"),
        ("sku" = String, Path, description = "SKU"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; fails with 412 if the cart changed"),
    ),
    responses(
        (status = 200, description = "The cart", body = Cart),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "An invalid or expired token", body = ProblemSchema),
        (status = 404, description = "No such cart (or not the caller's)", body = ProblemSchema),
        (status = 409, description = "The cart is merged or converted (`cart-not-active`)", body = ProblemSchema),
        (status = 412, description = "Changed since read", body = ProblemSchema),
        (status = 422, description = "`sku` invalid or not for sale; `quantity` outside 0 to 1,000; `lines`: a new line in a cart of 100 lines", body = ProblemSchema),
    ),
    security((), ("bearer" = []))
)]
async fn set_line(
    State(state): State<AppState>,
    caller: Caller,
    Path((reference, sku)): Path<(String, String)>,
    headers: HeaderMap,
    Json(dto): Json<SetCartLine>,
) -> Result<Response, ApiError> {
    let sku = parse_sku(&sku, "sku");
    let quantity = check_set_quantity(dto.quantity);
    let sku = match (sku, quantity) {
        (Ok(sku), Ok(())) => sku,
        (sku, quantity) => return Err(ApiError::Invalid(sku.err().into_iter().chain(quantity.err()).collect())),
    };
    mutate(&state, &caller, &reference, &headers, |cart| {
        cart.set_line(sku.clone(), dto.quantity).map_err(|e| ApiError::Invalid(vec![e]))
    })
    .await
}

/// Remove a line. Answers with the cart (200), also when it had no such line, so that a
/// retried removal succeeds.
#[utoipa::path(
    delete,
    path = "/v1/carts/{id}/lines/{sku}",
    tag = "carts",
    params(
        ("id" = String, Path, description = "Cart id, or `mine`"),
        ("sku" = String, Path, description = "SKU"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; fails with 412 if the cart changed"),
    ),
    responses(
        (status = 200, description = "The cart without the line", body = Cart),
        (status = 401, description = "An invalid or expired token", body = ProblemSchema),
        (status = 404, description = "No such cart (or not the caller's)", body = ProblemSchema),
        (status = 409, description = "The cart is merged or converted (`cart-not-active`)", body = ProblemSchema),
        (status = 412, description = "Changed since read", body = ProblemSchema),
        (status = 422, description = "`sku` is not a SKU", body = ProblemSchema),
    ),
    security((), ("bearer" = []))
)]
async fn remove_line(
    State(state): State<AppState>,
    caller: Caller,
    Path((reference, sku)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let sku = parse_sku(&sku, "sku").map_err(|e| ApiError::Invalid(vec![e]))?;
    mutate(&state, &caller, &reference, &headers, |cart| {
        cart.remove_line(&sku);
        Ok(())
    })
    .await
}
