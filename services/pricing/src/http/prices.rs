//! `GET /v1/prices` (public): what SKUs cost now, for product pages and listings. Promotions,
//! shipping and tax are a quote's business (`POST /v1/quotes`): this is the list price.

use axum::extract::State;
use contracts::ids::Sku;
use contracts::money::Currency;
use contracts::pricing::{SkuPrice, SkuPrices};
use runtime::http::{FieldError, Json, ProblemSchema, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::quote::resolve;
use crate::domain::tier_price;
use crate::store::price_lists;

/// The most SKUs one request may ask for.
const MAX_SKUS: usize = 100;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_prices))
}

/// Query of `GET /v1/prices`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PriceQuery {
    /// SKUs, comma-separated, 1 to 100.
    pub sku: String,
    /// Currency (default `EUR`).
    pub currency: Option<Currency>,
    /// The shopper's customer group, if any.
    pub customer_group: Option<String>,
}

/// The current list price of each SKU (the winning price list's tiers). Public.
#[utoipa::path(
    get,
    path = "/v1/prices",
    tag = "prices",
    params(PriceQuery),
    responses(
        (status = 200, description = "Prices, and the SKUs without one", body = SkuPrices),
        (status = 400, description = "Unknown parameter or currency", body = ProblemSchema),
        (status = 422, description = "No SKUs, too many, or a malformed one (`sku`)", body = ProblemSchema),
    )
)]
async fn get_prices(
    State(state): State<AppState>,
    Query(query): Query<PriceQuery>,
) -> Result<Json<SkuPrices>, ApiError> {
    let mut skus: Vec<&str> = Vec::new();
    for sku in query.sku.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if Sku::parse(sku).is_err() {
            return Err(ApiError::Invalid(vec![FieldError::new("sku", format!("`{sku}` is not a SKU"))]));
        }
        if !skus.contains(&sku) {
            skus.push(sku);
        }
    }
    if skus.is_empty() || skus.len() > MAX_SKUS {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "sku",
            format!("must list 1 to {MAX_SKUS} SKUs, comma-separated"),
        )]));
    }
    let currency = query.currency.unwrap_or(Currency::Eur);
    let (candidates, _) = {
        let mut conn = state.db.acquire().await?;
        price_lists::candidates(&mut conn, currency, &skus).await?
    };
    let now = runtime::db::now();
    let mut data = Vec::with_capacity(skus.len());
    let mut unpriced = Vec::new();
    for sku in skus {
        let winner = resolve(&candidates, sku, query.customer_group.as_deref(), &now);
        match winner.and_then(|w| tier_price(&w.tiers, 1).map(|unit| (w, unit))) {
            Some((w, unit_price)) => data.push(SkuPrice {
                sku: Sku::parse(sku).map_err(|_| ApiError::NotFound("SKU"))?,
                price_list_id: w.price_list_id.clone(),
                unit_price,
                tiers: w.tiers.clone(),
            }),
            None => unpriced.push(sku.to_owned()),
        }
    }
    Ok(Json(SkuPrices { data, unpriced }))
}
