//! `/v1/shipping-rates` (staff): create and list shipping rates.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use contracts::pricing::{NewShippingRate, ShippingRate, ShippingRatePage};
use runtime::auth::Staff;
use runtime::http::{Cursor, Json, Page, PageParams, ProblemSchema, Query};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, json_response, key_in_use};
use crate::domain::ValidShippingRate;
use crate::store::shipping;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_shipping_rates, create_shipping_rate))
}

/// Create a shipping rate (staff). Accepts `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/shipping-rates",
    tag = "shipping-rates",
    request_body = NewShippingRate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay returns the first response")),
    responses(
        (status = 201, description = "Created", body = ShippingRate),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_shipping_rate(
    State(state): State<AppState>,
    _staff: Staff,
    key: Option<IdempotencyKey>,
    Json(dto): Json<NewShippingRate>,
) -> Result<Response, ApiError> {
    let valid = ValidShippingRate::parse(dto.clone()).map_err(ApiError::Invalid)?;
    let creation = Creation::new("POST /v1/shipping-rates", key, &dto);
    let mut tx = match creation.begin(&state.db).await? {
        Begun::Answered(response) => return Ok(response),
        Begun::Fresh(tx) => tx,
    };
    let created = shipping::insert(&mut tx, &valid).await?;
    let body = creation.finish(&state.outbox, tx, StatusCode::CREATED, &created).await.map_err(key_in_use)?;
    Ok(json_response(StatusCode::CREATED, body))
}

/// List shipping rates, oldest first (staff).
#[utoipa::path(
    get,
    path = "/v1/shipping-rates",
    tag = "shipping-rates",
    params(PageParams),
    responses(
        (status = 200, description = "A page of shipping rates", body = ShippingRatePage),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_shipping_rates(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<PageParams>,
) -> Result<Json<ShippingRatePage>, ApiError> {
    let cursor = Cursor::try_from(params)?;
    let mut conn = state.db.acquire().await?;
    let items = shipping::list(&mut conn, cursor.after.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |r| r.id.to_string());
    Ok(Json(ShippingRatePage { data: page.data, next: page.next }))
}
