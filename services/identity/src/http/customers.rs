//! `/v1/customers` (sign-up) and `/v1/me`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use contracts::identity::{Customer, NewCustomer};
use runtime::http::{FieldError, Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{Email, Password, hash_password};
use crate::store::customers;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register)).routes(routes!(me))
}

/// Sign up.
#[utoipa::path(
    post,
    path = "/v1/customers",
    tag = "customers",
    request_body = NewCustomer,
    responses(
        (status = 201, description = "Registered", body = Customer),
        (status = 409, description = "Email already registered", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    )
)]
async fn register(
    State(state): State<AppState>,
    Json(dto): Json<NewCustomer>,
) -> Result<(StatusCode, Json<Customer>), ApiError> {
    let mut errors = Vec::new();
    let email = Email::parse(&dto.email);
    if email.is_none() {
        errors.push(FieldError::new("email", "is not a valid email address"));
    }
    let password = Password::parse(&dto.password).map_err(|e| errors.push(FieldError::new("password", e))).ok();
    let name = dto.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1–100 characters"));
    }
    let (Some(email), Some(password)) = (email, password) else { return Err(ApiError::Invalid(errors)) };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    // argon2id is deliberately expensive: keep it off the async workers.
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Crypto(e.to_string()))?
        .map_err(|e| ApiError::Crypto(e.to_string()))?;
    let mut tx = state.db.begin().await?;
    if customers::email_taken(&mut tx, &email).await? {
        return Err(ApiError::EmailTaken);
    }
    let customer = match customers::insert(&mut tx, &email, &name, &hash).await {
        Err(err) if err.is_unique_violation() => return Err(ApiError::EmailTaken),
        other => other?,
    };
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    tracing::info!(customer_id = %customer.id, "customer registered");
    Ok((StatusCode::CREATED, Json(customer)))
}

/// The signed-in customer.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "customers",
    responses((status = 200, description = "The customer", body = Customer), (status = 401, description = "No valid access token", body = ProblemSchema)),
    security(("bearer" = []))
)]
async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Customer>, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::InvalidCredentials)?;
    let claims = state.keys.verify(token.trim()).ok_or(ApiError::InvalidCredentials)?;
    let mut conn = state.db.acquire().await?;
    let customer = customers::by_id(&mut conn, &claims.sub).await?.ok_or(ApiError::InvalidCredentials)?;
    Ok(Json(customer))
}
