//! `/v1/price-lists` (staff): create and list price lists, set a SKU's tiered price.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use contracts::ids::Sku;
use contracts::pricing::{NewPriceList, Price, PriceBatch, PriceList, PriceListPage, PriceSet, SetPrice};
use runtime::auth::Staff;
use runtime::http::{Cursor, FieldError, Json, Page, PageParams, ProblemSchema, Query};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, json_response, key_in_use};
use crate::domain::{ValidPriceList, parse_tiers};
use crate::events;
use crate::store::price_lists;

/// The most lines one `POST /v1/price-lists/{id}/prices` may carry.
const MAX_BATCH: usize = 1_000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_price_lists, create_price_list))
        .routes(routes!(set_price))
        .routes(routes!(set_prices))
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

/// Set the tiered prices of many SKUs in a price list at once (staff), as a catalog import
/// does: all lines apply, or none. Each is announced as `price.changed`.
#[utoipa::path(
    post,
    path = "/v1/price-lists/{id}/prices",
    tag = "price-lists",
    request_body = PriceBatch,
    params(("id" = String, Path, description = "Price list id (`pl_…`)")),
    responses(
        (status = 200, description = "The prices as set, in the batch's order", body = PriceSet),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such price list", body = ProblemSchema),
        (status = 422, description = "Invalid lines (`items[i].…`); nothing was changed", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn set_prices(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
    Json(batch): Json<PriceBatch>,
) -> Result<Json<PriceSet>, ApiError> {
    if batch.items.is_empty() || batch.items.len() > MAX_BATCH {
        return Err(ApiError::Invalid(vec![FieldError::new("items", format!("1 to {MAX_BATCH} lines"))]));
    }
    let mut conn = state.db.acquire().await?;
    let list = price_lists::find(&mut conn, &id).await?.ok_or(ApiError::NotFound("price list"))?;
    drop(conn);
    let mut errors = Vec::new();
    let mut lines = Vec::with_capacity(batch.items.len());
    let mut seen = std::collections::HashSet::new();
    for (i, item) in batch.items.into_iter().enumerate() {
        let sku = match Sku::parse(&item.sku) {
            Ok(sku) if seen.insert(item.sku.clone()) => Some(sku),
            Ok(_) => {
                errors.push(FieldError::new(format!("items[{i}].sku"), "appears twice in the batch"));
                None
            }
            Err(e) => {
                errors.push(FieldError::new(format!("items[{i}].sku"), e.to_string()));
                None
            }
        };
        match parse_tiers(SetPrice { tiers: item.tiers }, list.currency) {
            Ok(tiers) => lines.extend(sku.map(|sku| (sku, tiers))),
            Err(invalid) => errors
                .extend(invalid.into_iter().map(|e| FieldError::new(format!("items[{i}].{}", e.field), e.message))),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let mut tx = state.db.begin().await?;
    let mut data = Vec::with_capacity(lines.len());
    for (sku, tiers) in &lines {
        let price = price_lists::set_price(&mut tx, &list.id, sku, tiers).await?;
        events::price_changed(&state.outbox, &mut tx, &price, list.currency).await?;
        data.push(price);
    }
    state.outbox.commit(tx).await?;
    tracing::info!(price_list_id = %list.id, prices = data.len(), "prices set");
    Ok(Json(PriceSet { data }))
}
