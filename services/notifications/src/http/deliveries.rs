//! `/v1/webhooks/{id}/deliveries`: what was sent to an endpoint, how it went, and a retry
//! on request.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use contracts::notifications::{Delivery, DeliveryId, DeliveryPage, DeliveryStatus};
use runtime::auth::Staff;
use runtime::db::DbError;
use runtime::http::{Json, Problem, ProblemSchema, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::webhooks::{load, webhook_id};
use super::{ApiError, AppState, cursor, page, status_filter};
use crate::store::deliveries as store;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_deliveries)).routes(routes!(retry_delivery))
}

/// Filters of `GET /v1/webhooks/{id}/deliveries`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFilter {
    /// `pending`, `delivered` or `failed`.
    pub status: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

const NO_DELIVERY: &str = "This webhook has no delivery with that id.";

/// List a webhook's deliveries, newest first: attempts, the last answer or error, and when
/// the next attempt is due.
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id (`wh_…`)"), DeliveryFilter),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "Bad cursor, limit or parameter", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such webhook", body = ProblemSchema),
        (status = 422, description = "Unknown `status`", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_deliveries(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
    Query(filter): Query<DeliveryFilter>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let webhook = load(&state, &id).await?;
    let status = status_filter(filter.status.as_deref(), DeliveryStatus::parse, "`pending`, `delivered`, `failed`")?;
    let cursor = cursor(filter.limit, filter.after)?;
    let mut conn = state.db.acquire().await?;
    let found =
        store::list(&mut conn, &webhook.id, status, cursor.after.as_deref(), i64::from(cursor.limit) + 1).await?;
    let (data, next) = page(found, &cursor, |d| d.id.as_str());
    Ok(Json(DeliveryPage { data, next }))
}

/// Attempt a delivery again now, whatever its status (a delivered one is sent again: its
/// receiver de-duplicates on `Mercato-Event-Id`). A failed delivery gets one more attempt.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "Webhook id (`wh_…`)"),
        ("delivery_id" = String, Path, description = "Delivery id (`dlv_…`)"),
    ),
    responses(
        (status = 202, description = "Due now; the dispatcher attempts it within a second", body = Delivery),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such webhook or delivery", body = ProblemSchema),
        (status = 409, description = "An attempt is in flight (`delivery-in-flight`)", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn retry_delivery(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Delivery>), ApiError> {
    let webhook = webhook_id(&id)?;
    let delivery = DeliveryId::parse(&delivery_id).map_err(|_| ApiError::NotFound(NO_DELIVERY))?;
    let mut tx = state.db.begin().await?;
    if !store::retry_now(&mut tx, &webhook, &delivery).await? {
        return Err(match store::find(&mut tx, &webhook, &delivery).await? {
            None => ApiError::NotFound(NO_DELIVERY),
            Some(_) => {
                Problem::conflict("delivery-in-flight", "An attempt of this delivery is in flight; retry later.")
                    .with_retry_after(1)
                    .into()
            }
        });
    }
    let found = store::find(&mut tx, &webhook, &delivery).await?.ok_or(ApiError::NotFound(NO_DELIVERY))?;
    tx.commit().await.map_err(DbError::from)?;
    tracing::info!(delivery_id = %delivery, webhook_id = %webhook, staff = ?staff.subject(), "delivery retried on request");
    Ok((StatusCode::ACCEPTED, Json(found)))
}
