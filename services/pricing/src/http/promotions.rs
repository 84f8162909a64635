//! `/v1/promotions` (staff): create and list promotions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use contracts::pricing::{NewPromotion, Promotion, PromotionPage};
use runtime::auth::Staff;
use runtime::http::{Cursor, Json, Page, PageParams, ProblemSchema, Query};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, json_response, key_in_use};
use crate::domain::ValidPromotion;
use crate::store::promotions;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_promotions, create_promotion))
}

/// Create a promotion (staff). `value` is basis points for the `*_percent` kinds, an amount
/// for the `*_fixed` kinds and `{ buy, get }` for `buy_x_get_y`. Accepts `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/promotions",
    tag = "promotions",
    request_body = NewPromotion,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay returns the first response")),
    responses(
        (status = 201, description = "Created", body = Promotion),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 422, description = "Invalid fields (value or target not fitting the kind)", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_promotion(
    State(state): State<AppState>,
    _staff: Staff,
    key: Option<IdempotencyKey>,
    Json(dto): Json<NewPromotion>,
) -> Result<Response, ApiError> {
    let valid = ValidPromotion::parse(dto.clone()).map_err(ApiError::Invalid)?;
    let creation = Creation::new("POST /v1/promotions", key, &dto);
    let mut tx = match creation.begin(&state.db).await? {
        Begun::Answered(response) => return Ok(response),
        Begun::Fresh(tx) => tx,
    };
    let created = promotions::insert(&mut tx, &valid).await?;
    let body = creation.finish(&state.outbox, tx, StatusCode::CREATED, &created).await.map_err(key_in_use)?;
    Ok(json_response(StatusCode::CREATED, body))
}

/// List promotions, oldest first (staff).
#[utoipa::path(
    get,
    path = "/v1/promotions",
    tag = "promotions",
    params(PageParams),
    responses(
        (status = 200, description = "A page of promotions", body = PromotionPage),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_promotions(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<PageParams>,
) -> Result<Json<PromotionPage>, ApiError> {
    let cursor = Cursor::try_from(params)?;
    let mut conn = state.db.acquire().await?;
    let items = promotions::list(&mut conn, cursor.after.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |p| p.id.to_string());
    Ok(Json(PromotionPage { data: page.data, next: page.next }))
}
