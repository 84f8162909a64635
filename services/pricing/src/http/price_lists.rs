//! `/v1/price-lists` (staff): create and list price lists, set a SKU's tiered price.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use contracts::ids::Sku;
use contracts::pricing::{NewPriceList, Price, PriceList, PriceListPage, SetPrice};
use runtime::auth::Staff;
use runtime::http::{Cursor, FieldError, Json, Page, PageParams, ProblemSchema, Query};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, json_response, key_in_use};
use crate::domain::{ValidPriceList, parse_tiers};
use crate::events;
use crate::store::price_lists;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_price_lists, create_price_list)).routes(routes!(set_price))
}

/// Create a price list (staff). Accepts `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/price-lists",
    tag = "price-lists",
    request_body = NewPriceList,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay returns the first response")),
    responses(
        (status = 201, description = "Created", body = PriceList),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_price_list(
    State(state): State<AppState>,
    _staff: Staff,
    key: Option<IdempotencyKey>,
    Json(dto): Json<NewPriceList>,
) -> Result<Response, ApiError> {
    let valid = ValidPriceList::parse(dto.clone()).map_err(ApiError::Invalid)?;
    let creation = Creation::new("POST /v1/price-lists", key, &dto);
    let mut tx = match creation.begin(&state.db).await? {
        Begun::Answered(response) => return Ok(response),
        Begun::Fresh(tx) => tx,
    };
    let created = price_lists::insert(&mut tx, &valid).await?;
    let body = creation.finish(&state.outbox, tx, StatusCode::CREATED, &created).await.map_err(key_in_use)?;
    Ok(json_response(StatusCode::CREATED, body))
}

/// List price lists, oldest first (staff).
#[utoipa::path(
    get,
    path = "/v1/price-lists",
    tag = "price-lists",
    params(PageParams),
    responses(
        (status = 200, description = "A page of price lists", body = PriceListPage),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_price_lists(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<PageParams>,
) -> Result<Json<PriceListPage>, ApiError> {
    let cursor = Cursor::try_from(params)?;
    let mut conn = state.db.acquire().await?;
    let items = price_lists::list(&mut conn, cursor.after.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |l| l.id.to_string());
    Ok(Json(PriceListPage { data: page.data, next: page.next }))
}

/// Set the tiered price of a SKU in a price list (staff); announced as `price.changed`.
#[utoipa::path(
    put,
    path = "/v1/price-lists/{id}/prices/{sku}",
    tag = "price-lists",
    request_body = SetPrice,
    params(
        ("id" = String, Path, description = "Price list id (`pl_…`)"),
        ("sku" = String, Path, description = "SKU"),
    ),
    responses(
        (status = 200, description = "The price as set", body = Price),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such price list", body = ProblemSchema),
        (status = 422, description = "Invalid SKU or tiers", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn set_price(
    State(state): State<AppState>,
    _staff: Staff,
    Path((id, sku)): Path<(String, String)>,
    Json(dto): Json<SetPrice>,
) -> Result<Json<Price>, ApiError> {
    let mut tx = state.db.begin().await?;
    let list = price_lists::find(&mut tx, &id).await?.ok_or(ApiError::NotFound("price list"))?;
    let sku = Sku::parse(&sku).map_err(|e| ApiError::Invalid(vec![FieldError::new("sku", e.to_string())]))?;
    let tiers = parse_tiers(dto, list.currency).map_err(ApiError::Invalid)?;
    let price = price_lists::set_price(&mut tx, &list.id, &sku, &tiers).await?;
    events::price_changed(&state.outbox, &mut tx, &price, list.currency).await?;
    state.outbox.commit(tx).await?;
    tracing::info!(price_list_id = %list.id, sku = %sku, "price set");
    Ok(Json(price))
}
