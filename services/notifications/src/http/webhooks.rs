//! `/v1/webhooks`: merchants' endpoints, registered, read, changed and removed by staff.
//! The signing secret is generated here and shown once, in the answer to the creation.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::notifications::{NewWebhook, Webhook, WebhookCreated, WebhookId, WebhookPage, WebhookUpdate};
use runtime::auth::Staff;
use runtime::db::DbError;
use runtime::http::{Json, PageParams, Problem, ProblemSchema, Query};
use runtime::idempotency::{self, IdempotencyKey, Prior};
use runtime::settings::Secret;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, cursor, page};
use crate::domain::webhooks::{ValidWebhook, ValidWebhookUpdate, secret_from};
use crate::store::webhooks as store;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_webhook, list_webhooks)).routes(routes!(
        get_webhook,
        update_webhook,
        delete_webhook
    ))
}

const CREATE_SCOPE: &str = "POST /v1/webhooks";
const NO_WEBHOOK: &str = "No webhook has that id.";

/// The path's webhook id (a malformed one is a 404 like an unknown one).
pub(super) fn webhook_id(raw: &str) -> Result<WebhookId, ApiError> {
    WebhookId::parse(raw).map_err(|_| ApiError::NotFound(NO_WEBHOOK))
}

/// The path's webhook.
pub(super) async fn load(state: &AppState, raw: &str) -> Result<Webhook, ApiError> {
    let id = webhook_id(raw)?;
    let mut conn = state.db.acquire().await?;
    store::find(&mut conn, &id).await?.ok_or(ApiError::NotFound(NO_WEBHOOK))
}

fn new_secret() -> Result<Secret, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| {
        tracing::error!(error = %err, "no randomness for a webhook secret");
        ApiError::Problem(Problem::internal())
    })?;
    Ok(Secret::new(secret_from(bytes)))
}

/// Register a webhook endpoint. The answer carries the signing `secret`, shown only this
/// once. The URL must be `https://` (or `http://`) without user info, and must not point to
/// a loopback, private, link-local or unspecified address (unless the operator allows it).
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/webhooks",
    tag = "webhooks",
    request_body = NewWebhook,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay returns the first response")),
    responses(
        (status = 201, description = "Registered; `Location` set; the `secret` is never shown again", body = WebhookCreated),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 409, description = "Idempotency-Key reused with another body", body = ProblemSchema),
        (status = 422, description = "Invalid `url`, `event_types`, `event_types[i]` (unknown type) or `description`", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_webhook(
    State(state): State<AppState>,
    staff: Staff,
    key: Option<IdempotencyKey>,
    Json(dto): Json<NewWebhook>,
) -> Result<Response, ApiError> {
    let valid = ValidWebhook::parse(&dto, state.policy.allow_internal).map_err(ApiError::Invalid)?;
    let fingerprint = idempotency::fingerprint(serde_json::to_string(&dto).unwrap_or_default().as_bytes());
    let mut tx = state.db.begin().await?;
    if let Some(key) = &key {
        match idempotency::check(&mut tx, CREATE_SCOPE, key, &fingerprint).await? {
            Prior::Replay(recorded) => return Ok(recorded.into_response()),
            Prior::Mismatch => return Err(Prior::mismatch_problem().into()),
            Prior::Fresh => {}
        }
    }
    let now = runtime::db::now();
    let webhook = Webhook {
        id: WebhookId::generate(),
        url: valid.url,
        event_types: valid.event_types,
        description: valid.description,
        enabled: true,
        created_at: now.clone(),
        updated_at: now,
    };
    let secret = new_secret()?;
    store::insert(&mut tx, &webhook, &secret).await?;
    let created = WebhookCreated { webhook, secret: secret.expose().to_owned() };
    let body = serde_json::to_string(&created).unwrap_or_default();
    if let Some(key) = &key {
        idempotency::remember(&mut tx, CREATE_SCOPE, key, &fingerprint, StatusCode::CREATED, &body).await?;
    }
    match tx.commit().await.map_err(DbError::from) {
        // The same key committed first by a concurrent request (PostgreSQL).
        Err(err) if err.is_unique_violation() => {
            return Err(Problem::conflict("conflict", "A concurrent request with this key is in progress; retry.")
                .with_retry_after(1)
                .into());
        }
        other => other?,
    }
    let id = &created.webhook.id;
    tracing::info!(webhook_id = %id, event_types = ?created.webhook.event_types, staff = ?staff.subject(), "webhook registered");
    let mut response = (StatusCode::CREATED, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/webhooks/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// List webhooks, newest first (without their secrets).
#[utoipa::path(
    get,
    path = "/v1/webhooks",
    tag = "webhooks",
    params(PageParams),
    responses(
        (status = 200, description = "A page of webhooks", body = WebhookPage),
        (status = 400, description = "Bad cursor or limit", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_webhooks(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<PageParams>,
) -> Result<Json<WebhookPage>, ApiError> {
    let cursor = cursor(params.limit, params.after)?;
    let mut conn = state.db.acquire().await?;
    let found = store::list(&mut conn, cursor.after.as_deref(), i64::from(cursor.limit) + 1).await?;
    let (data, next) = page(found, &cursor, |w| w.id.as_str());
    Ok(Json(WebhookPage { data, next }))
}

/// Read a webhook (without its secret).
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id (`wh_…`)")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such webhook", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn get_webhook(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(load(&state, &id).await?))
}

/// Change a webhook's URL, event types or description, or pause (`enabled: false`) and
/// resume it. A paused webhook gets no new deliveries; its pending ones wait.
#[utoipa::path(
    patch,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id (`wh_…`)")),
    request_body = WebhookUpdate,
    responses(
        (status = 200, description = "The changed webhook", body = Webhook),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such webhook", body = ProblemSchema),
        (status = 422, description = "Invalid `url`, `event_types`, `event_types[i]` or `description`", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn update_webhook(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(dto): Json<WebhookUpdate>,
) -> Result<Json<Webhook>, ApiError> {
    let id = webhook_id(&id)?;
    let update = ValidWebhookUpdate::parse(&dto, state.policy.allow_internal).map_err(ApiError::Invalid)?;
    let mut tx = state.db.begin().await?;
    let mut webhook = store::find(&mut tx, &id).await?.ok_or(ApiError::NotFound(NO_WEBHOOK))?;
    if let Some(url) = update.url {
        webhook.url = url;
    }
    if let Some(types) = update.event_types {
        webhook.event_types = types;
    }
    if let Some(description) = update.description {
        webhook.description = description;
    }
    if let Some(enabled) = update.enabled {
        webhook.enabled = enabled;
    }
    webhook.updated_at = runtime::db::now();
    if !store::save(&mut tx, &webhook).await? {
        return Err(ApiError::NotFound(NO_WEBHOOK));
    }
    tx.commit().await.map_err(DbError::from)?;
    tracing::info!(webhook_id = %webhook.id, enabled = webhook.enabled, staff = ?staff.subject(), "webhook changed");
    Ok(Json(webhook))
}

/// Remove a webhook and its deliveries (pending ones are not sent).
#[utoipa::path(
    delete,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id (`wh_…`)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such webhook", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn delete_webhook(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = webhook_id(&id)?;
    let mut tx = state.db.begin().await?;
    if !store::delete(&mut tx, &id).await? {
        return Err(ApiError::NotFound(NO_WEBHOOK));
    }
    tx.commit().await.map_err(DbError::from)?;
    tracing::info!(webhook_id = %id, staff = ?staff.subject(), "webhook removed");
    Ok(StatusCode::NO_CONTENT)
}
