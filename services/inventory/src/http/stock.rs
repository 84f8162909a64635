//! `/v1/stock`: stock records, set one, or set many at once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use contracts::ids::Sku;
use contracts::inventory::{Availability, SetStock, StockBatch, StockLevel, StockList};
use runtime::auth::Staff;
use runtime::db::Tx;
use runtime::http::{Cursor, FieldError, Json, Page, PageParams, Problem, ProblemSchema, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{OnHand, StockError};
use crate::events;
use crate::store::stock::{self, Place};

/// Most lines in one batch.
const MAX_BATCH: usize = 1_000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stock))
        .routes(routes!(get_stock))
        .routes(routes!(set_stock))
        .routes(routes!(set_stock_batch))
}

/// Query of `GET /v1/stock`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StockParams {
    /// Items per page, 1 to 100 (default 20).
    limit: Option<u32>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// Only this SKU.
    sku: Option<String>,
}

/// Stock records, by SKU then location, with a cursor.
#[utoipa::path(
    get,
    path = "/v1/stock",
    tag = "stock",
    params(StockParams),
    responses(
        (status = 200, description = "A page of stock records", body = StockList),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
    )
)]
async fn list_stock(
    State(state): State<AppState>,
    Query(params): Query<StockParams>,
) -> Result<Json<StockList>, ApiError> {
    let cursor = Cursor::try_from(PageParams { limit: params.limit, after: params.after })?;
    let after = match cursor.after.as_deref() {
        None => None,
        Some(key) => Some(key.split_once('|').ok_or_else(|| {
            Problem::bad_request("Invalid cursor.")
                .with_errors(vec![FieldError::new("after", "is not a cursor this API issued")])
        })?),
    };
    let mut conn = state.db.acquire().await?;
    let items = stock::list(&mut conn, after, params.sku.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |l| format!("{}|{}", l.sku, l.location));
    Ok(Json(StockList { data: page.data, next: page.next }))
}

/// Availability of one SKU across locations.
#[utoipa::path(
    get,
    path = "/v1/stock/{sku}",
    tag = "stock",
    params(("sku" = String, Path, description = "SKU")),
    responses(
        (status = 200, description = "Stock of the SKU per location", body = Availability),
        (status = 404, description = "Inventory does not know the SKU", body = ProblemSchema),
    )
)]
async fn get_stock(State(state): State<AppState>, Path(sku): Path<String>) -> Result<Json<Availability>, ApiError> {
    let sku = Sku::parse(&sku).map_err(|_| ApiError::NotFound("No such SKU."))?;
    let mut conn = state.db.acquire().await?;
    let mut found = stock::availability(&mut conn, &[sku]).await?;
    match found.pop() {
        Some(a) if a.known => Ok(Json(a)),
        _ => Err(ApiError::NotFound("Inventory does not know that SKU (yet).")),
    }
}

fn stock_error(field: &str, e: StockError) -> FieldError {
    FieldError::new(field, e.to_string())
}

fn below_reserved(e: StockError) -> ApiError {
    ApiError::Problem(
        Problem::conflict("below-reserved", "Stock cannot go below what is reserved for checkouts in progress.")
            .with_errors(vec![stock_error("on_hand", e)]),
    )
}

/// What is reserved at a stock record now, for the message when a write found more reserved
/// than its read did.
async fn reserved_now(tx: &mut Tx, sku: &str, location: &str) -> Result<i64, ApiError> {
    Ok(stock::get(tx, sku, location).await?.map_or(0, |(_, level)| level.reserved))
}

/// Set the on-hand quantity of a SKU at a location (staff).
#[utoipa::path(
    put,
    path = "/v1/stock/{sku}/{location}",
    tag = "stock",
    request_body = SetStock,
    params(("sku" = String, Path, description = "SKU"), ("location" = String, Path, description = "Location code")),
    responses(
        (status = 200, description = "The new stock level", body = StockLevel),
        (status = 404, description = "Unknown SKU or location", body = ProblemSchema),
        (status = 409, description = "Below the reserved quantity", body = ProblemSchema),
        (status = 422, description = "Negative or too large", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn set_stock(
    State(state): State<AppState>,
    _staff: Staff,
    Path((sku, location)): Path<(String, String)>,
    Json(dto): Json<SetStock>,
) -> Result<Json<StockLevel>, ApiError> {
    let on_hand = OnHand::parse(dto.on_hand).map_err(|e| ApiError::Invalid(vec![stock_error("on_hand", e)]))?;
    let mut tx = state.db.begin().await?;
    let (location_id, current) = stock::get(&mut tx, &sku, &location)
        .await?
        .ok_or(ApiError::NotFound("No stock record for that SKU at that location."))?;
    let on_hand = on_hand.covers(current.reserved).map_err(below_reserved)?;
    if on_hand.get() == current.on_hand {
        return Ok(Json(current));
    }
    let place = Place { location_id, code: current.location.clone() };
    let Some(level) = stock::set_on_hand(&mut tx, &current.sku, &place, on_hand).await? else {
        // A reservation took units between our read and our write.
        let reserved = reserved_now(&mut tx, &sku, &location).await?;
        return Err(below_reserved(StockError::BelowReserved { reserved }));
    };
    state.outbox.append(&mut tx, events::stock_changed(&level)).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(level))
}

/// Set many stock levels at once (staff): all lines apply, or none.
#[utoipa::path(
    post,
    path = "/v1/stock/batch",
    tag = "stock",
    request_body = StockBatch,
    responses(
        (status = 200, description = "The new stock levels", body = StockList),
        (status = 422, description = "Invalid lines; nothing was changed", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn set_stock_batch(
    State(state): State<AppState>,
    _staff: Staff,
    Json(batch): Json<StockBatch>,
) -> Result<(StatusCode, Json<StockList>), ApiError> {
    if batch.items.is_empty() || batch.items.len() > MAX_BATCH {
        return Err(ApiError::Invalid(vec![FieldError::new("items", format!("1 to {MAX_BATCH} lines"))]));
    }
    let mut errors = Vec::new();
    let parsed: Vec<Option<OnHand>> = batch
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            OnHand::parse(item.on_hand).map_err(|e| errors.push(stock_error(&format!("items[{i}].on_hand"), e))).ok()
        })
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let mut tx = state.db.begin().await?;
    let mut levels = Vec::with_capacity(batch.items.len());
    let mut changed = Vec::new();
    for (i, (item, on_hand)) in batch.items.iter().zip(parsed).enumerate() {
        let Some(on_hand) = on_hand else { continue };
        let Some((location_id, current)) = stock::get(&mut tx, &item.sku, &item.location).await? else {
            errors.push(FieldError::new(format!("items[{i}]"), "no stock record for that SKU at that location"));
            continue;
        };
        let on_hand = match on_hand.covers(current.reserved) {
            Ok(q) => q,
            Err(e) => {
                errors.push(stock_error(&format!("items[{i}].on_hand"), e));
                continue;
            }
        };
        if on_hand.get() != current.on_hand {
            let place = Place { location_id, code: current.location.clone() };
            let Some(level) = stock::set_on_hand(&mut tx, &current.sku, &place, on_hand).await? else {
                let reserved = reserved_now(&mut tx, &item.sku, &item.location).await?;
                errors.push(stock_error(&format!("items[{i}].on_hand"), StockError::BelowReserved { reserved }));
                continue;
            };
            changed.push(events::stock_changed(&level));
            levels.push(level);
        } else {
            levels.push(current);
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls every line back.
        return Err(ApiError::Invalid(errors));
    }
    // Events last: on PostgreSQL the append takes the outbox lock until commit, and a
    // transaction holding it must not wait for stock rows.
    state.outbox.append_all(&mut tx, changed).await?;
    state.outbox.commit(tx).await?;
    Ok((StatusCode::OK, Json(StockList { data: levels, next: None })))
}
