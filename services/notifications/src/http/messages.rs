//! `/v1/messages`: the e-mails rendered from events, with their delivery state.

use axum::extract::{Path, State};
use contracts::notifications::{Message, MessageId, MessagePage, MessageStatus};
use runtime::auth::Staff;
use runtime::http::{Json, ProblemSchema, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, cursor, page, status_filter};
use crate::store::messages as store;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_messages)).routes(routes!(get_message))
}

/// Filters of `GET /v1/messages`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessageFilter {
    /// `queued`, `sent` or `failed`.
    pub status: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

const NO_MESSAGE: &str = "No message has that id.";

/// List e-mail messages, newest first.
#[utoipa::path(
    get,
    path = "/v1/messages",
    tag = "messages",
    params(MessageFilter),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        (status = 400, description = "Bad cursor, limit or parameter", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 422, description = "Unknown `status`", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_messages(
    State(state): State<AppState>,
    _staff: Staff,
    Query(filter): Query<MessageFilter>,
) -> Result<Json<MessagePage>, ApiError> {
    let status = status_filter(filter.status.as_deref(), MessageStatus::parse, "`queued`, `sent`, `failed`")?;
    let cursor = cursor(filter.limit, filter.after)?;
    let mut conn = state.db.acquire().await?;
    let found = store::list(&mut conn, status, cursor.after.as_deref(), i64::from(cursor.limit) + 1).await?;
    let (data, next) = page(found, &cursor, |m| m.id.as_str());
    Ok(Json(MessagePage { data, next }))
}

/// Read one message.
#[utoipa::path(
    get,
    path = "/v1/messages/{id}",
    tag = "messages",
    params(("id" = String, Path, description = "Message id (`msg_…`)")),
    responses(
        (status = 200, description = "The message", body = Message),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such message", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn get_message(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<Message>, ApiError> {
    let id = MessageId::parse(&id).map_err(|_| ApiError::NotFound(NO_MESSAGE))?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(store::find(&mut conn, &id).await?.ok_or(ApiError::NotFound(NO_MESSAGE))?))
}
