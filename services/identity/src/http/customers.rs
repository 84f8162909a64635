//! `/v1/customers` (sign-up; the staff list) and `/v1/me`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use contracts::identity::{Customer, CustomerPage, NewCustomer, SetCustomerGroup};
use runtime::auth::Staff;
use runtime::http::{Cursor, FieldError, Json, Page, PageParams, Problem, ProblemSchema, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{Email, Password, display_name, email_contains_pattern, hash_password};
use crate::store::customers;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register, list_customers)).routes(routes!(me)).routes(routes!(set_group))
}

/// Query of `GET /v1/customers`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Items per page, 1 to 100 (default 20).
    limit: Option<u32>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// Only customers whose email contains this text (case-insensitive).
    email: Option<String>,
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
    let name = display_name(&dto.name).map_err(|e| errors.push(FieldError::new("name", e))).ok();
    let (Some(email), Some(password), Some(name)) = (email, password, name) else {
        return Err(ApiError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    // argon2id is deliberately expensive: keep it off the async workers.
    let hash = crate::hashing::run(move || hash_password(&password))
        .await
        .ok_or_else(|| ApiError::Crypto("the hashing thread failed".into()))?
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
    let claims = state.keys.verify(token.trim()).map_err(|_| ApiError::InvalidCredentials)?;
    let mut conn = state.db.acquire().await?;
    let customer = customers::by_id(&mut conn, &claims.sub).await?.ok_or(ApiError::InvalidCredentials)?;
    Ok(Json(customer))
}

/// List customers, oldest first, optionally only those whose email contains `email` (staff).
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "customers",
    params(ListParams),
    responses(
        (status = 200, description = "A page of customers", body = CustomerPage),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 403, description = "A valid access token without a staff role", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_customers(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<ListParams>,
) -> Result<Json<CustomerPage>, ApiError> {
    let page = Cursor::try_from(PageParams { limit: params.limit, after: params.after });
    let email = email_contains_pattern(params.email.as_deref().unwrap_or_default());
    let (cursor, email) = match (page, email) {
        (Ok(cursor), Ok(email)) => (cursor, email),
        (page, email) => {
            let mut errors = page.err().map(|p| p.errors().to_vec()).unwrap_or_default();
            if let Err(message) = email {
                errors.push(FieldError::new("email", message));
            }
            return Err(Problem::bad_request("Invalid list parameters; see `errors`.").with_errors(errors).into());
        }
    };
    let mut conn = state.db.acquire().await?;
    let items = customers::list(&mut conn, email.as_deref(), cursor.after.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |c| c.id.to_string());
    Ok(Json(CustomerPage { data: page.data, next: page.next }))
}

/// Whether `group` is a customer group name: 1 to 64 lower-case letters, digits, `-`, `_`.
fn is_group_name(group: &str) -> bool {
    (1..=64).contains(&group.len())
        && group.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Put a customer in a customer group, or in none (staff). Group price lists then apply to
/// them from their next login or token refresh.
#[utoipa::path(
    put,
    path = "/v1/customers/{id}/group",
    tag = "customers",
    request_body = SetCustomerGroup,
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 403, description = "A valid access token without a staff role", body = ProblemSchema),
        (status = 404, description = "No such customer", body = ProblemSchema),
        (status = 422, description = "Not a group name (`customer_group`)", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn set_group(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
    Json(body): Json<SetCustomerGroup>,
) -> Result<Json<Customer>, ApiError> {
    if let Some(group) = &body.customer_group
        && !is_group_name(group)
    {
        return Err(Problem::validation(vec![FieldError::new(
            "customer_group",
            "must be 1 to 64 lower-case letters, digits, '-' or '_', or null",
        )])
        .into());
    }
    let mut conn = state.db.write().await?;
    if !customers::set_group(&mut conn, &id, body.customer_group.as_deref()).await? {
        return Err(Problem::not_found("No customer has that id.").into());
    }
    let customer =
        customers::by_id(&mut conn, &id).await?.ok_or_else(|| Problem::not_found("No customer has that id."))?;
    tracing::info!(customer_id = %customer.id, group = ?customer.customer_group, "customer group set");
    Ok(Json(customer))
}
