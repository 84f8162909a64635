//! `GET /v1/recommendations` (public): products to show on a product page, and
//! `GET /v1/recommendations/for-you` (public; personal with a customer's token). Both answer
//! from the in-memory model: no SQL, no lock held across an `.await`.

use axum::extract::State;
use contracts::ids::CustomerId;
use contracts::pages::Recommendation;
use runtime::http::{Json, ProblemSchema, Query};
use runtime::jwt::Principal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::request;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(for_product)).routes(routes!(for_you))
}

/// A list of recommendations, best first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RecommendationList {
    /// The recommended products; `reason` is `bought_together`, `also_viewed`, `similar`,
    /// `for_you` or `popular`.
    pub data: Vec<Recommendation>,
}

/// The query parameters, for the OpenAPI document (the handler validates the raw pairs, so
/// that unknown parameters are seen).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ProductParams {
    /// The product whose page it is (`prod_…`).
    product_id: String,
    /// `bought_together`, `also_viewed` or `similar`; absent: the blend.
    kind: Option<String>,
    /// Most answers, 1 to 50 (default 8).
    limit: Option<u32>,
}

/// Recommendations for a product page. Public.
///
/// With `kind`, only that model's answers (possibly fewer than `limit`, or none). Without,
/// a blend: bought together first, then also viewed, then similar, then popular products to
/// fill `limit`. Never the product itself, never an archived product, never one twice.
#[utoipa::path(
    get,
    path = "/v1/recommendations",
    tag = "recommendations",
    params(ProductParams),
    responses(
        (status = 200, description = "Recommended products, best first", body = RecommendationList),
        (status = 404, description = "No product has that id", body = ProblemSchema),
        (status = 422, description = "An invalid or unknown parameter, each named in `errors`", body = ProblemSchema),
    )
)]
async fn for_product(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<RecommendationList>, ApiError> {
    let request = request::product(&pairs).map_err(ApiError::Invalid)?;
    let data = state
        .recommender
        .read(|model| model.recommend(&request.product_id, request.kind, request.limit))
        .ok_or(ApiError::UnknownProduct)?;
    let kind = request.kind.map_or("blend", |k| k.as_str());
    metrics::counter!("recommendations_answers_total", "kind" => kind).increment(1);
    Ok(Json(RecommendationList { data }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ForYouParams {
    /// Most answers, 1 to 50 (default 8).
    limit: Option<u32>,
}

/// Recommendations for the signed-in customer (`Authorization: Bearer <access token>`), or
/// popular products for a guest. Public.
///
/// Personal answers (`for_you`) come from the neighbours of what the customer bought and
/// viewed, never what they bought; popular products (`popular`) fill the rest, and are all
/// a guest or a customer without history gets. An invalid or expired token is a 401, never
/// silently a guest.
#[utoipa::path(
    get,
    path = "/v1/recommendations/for-you",
    tag = "recommendations",
    params(ForYouParams),
    responses(
        (status = 200, description = "Recommended products, best first", body = RecommendationList),
        (status = 401, description = "An invalid or expired access token", body = ProblemSchema),
        (status = 422, description = "An invalid or unknown parameter, each named in `errors`", body = ProblemSchema),
    ),
    security((), ("customer" = []))
)]
async fn for_you(
    State(state): State<AppState>,
    principal: Option<Principal>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<RecommendationList>, ApiError> {
    let limit = request::for_you(&pairs).map_err(ApiError::Invalid)?;
    // A staff user's subject is no customer: they get what a guest gets.
    let customer = principal.and_then(|p| CustomerId::parse(p.subject()).ok());
    let data = state.recommender.read(|model| model.for_you(customer.as_ref(), limit));
    let kind = if customer.is_some() { "for_you" } else { "popular" };
    metrics::counter!("recommendations_answers_total", "kind" => kind).increment(1);
    Ok(Json(RecommendationList { data }))
}
