//! `GET /v1/search` (public): full text, filters, facets, order and cursor pages over the
//! index. See [`crate::index`] for how words match and [`crate::domain::results`] for how
//! facets count.

use axum::extract::State;
use contracts::search::{SearchResults, SearchSort};
use runtime::http::{Json, ProblemSchema, Query};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::request::SearchRequest;
use crate::index::IndexError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// The query parameters, for the OpenAPI document (the handler validates the raw pairs, so
/// that `attr.<name>` filters and unknown parameters are seen).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct SearchParams {
    /// Words to look for, at most 200 characters; absent or empty lists every product. Every
    /// word must match (name, brand, category, attribute values, SKUs, description), with
    /// typos for words the index does not know; the last word also matches as a prefix.
    q: Option<String>,
    /// A category slug; repeat for any of several.
    category: Option<Vec<String>>,
    /// Lowest price in minor units of `currency`, inclusive.
    price_min: Option<i64>,
    /// Highest price in minor units of `currency`, inclusive.
    price_max: Option<i64>,
    /// The currency of prices, price filters and price facets (default EUR).
    currency: Option<String>,
    /// `true`: only products in stock; `false`: only those out of stock.
    in_stock: Option<bool>,
    /// The order (default `relevance`).
    sort: Option<SearchSort>,
    /// Hits per page, 1 to 100 (default 20).
    limit: Option<u32>,
    /// The `next` cursor of the previous page (same `sort`).
    after: Option<String>,
}

/// Search products. Public.
///
/// Facet counts are over all results, each facet with every filter applied except its own.
/// A product's price is the lowest list price of its SKUs in `currency`.
#[utoipa::path(
    get,
    path = "/v1/search",
    tag = "search",
    params(
        SearchParams,
        ("attr.{name}" = Option<String>, Query, description = "An attribute filter (`attr.color=black`), product or variant attribute; repeat for any of several values; several attributes must all match"),
    ),
    responses(
        (status = 200, description = "A page of hits with facet counts over all results", body = SearchResults),
        (status = 400, description = "An invalid or unknown parameter, each named in `errors`", body = ProblemSchema),
    )
)]
async fn search(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<SearchResults>, ApiError> {
    let request = SearchRequest::parse(&pairs).map_err(ApiError::Invalid)?;
    let index = state.index.clone();
    let results = tokio::task::spawn_blocking(move || index.search(&request)).await.map_err(IndexError::from)??;
    Ok(Json(results))
}
