//! `/v1/staff-users`: the console's accounts. Admins (or the platform's static staff token,
//! to bootstrap the first admin) create them; any staff member lists them.

use axum::extract::State;
use axum::http::StatusCode;
use contracts::identity::{NewStaffUser, StaffUser, StaffUserPage};
use runtime::auth::Staff;
use runtime::http::{Cursor, Json, Page, PageParams, Problem, ProblemSchema, Query};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{ValidStaffUser, hash_password};
use crate::store::staff_users;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_staff_user, list_staff_users))
}

/// Create a staff user (an admin, or the static staff token to bootstrap the first admin).
///
/// A retry after success is answered with 409 `email-taken`: the email is the natural key.
#[utoipa::path(
    post,
    path = "/v1/staff-users",
    tag = "staff-users",
    request_body = NewStaffUser,
    responses(
        (status = 201, description = "Created", body = StaffUser),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 403, description = "Not an admin", body = ProblemSchema),
        (status = 409, description = "Email already a staff user", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_staff_user(
    State(state): State<AppState>,
    staff: Staff,
    Json(dto): Json<NewStaffUser>,
) -> Result<(StatusCode, Json<StaffUser>), ApiError> {
    if !staff.is_admin() {
        return Err(Problem::forbidden("Only admins create staff users.").into());
    }
    let ValidStaffUser { email, password, name, role } = ValidStaffUser::parse(dto).map_err(ApiError::Invalid)?;
    // Before hashing: no reason to spend argon2id's CPU on a duplicate. The unique index
    // still decides between concurrent creations.
    let mut conn = state.db.acquire().await?;
    let taken = staff_users::email_taken(&mut conn, email.as_str()).await?;
    drop(conn);
    if taken {
        return Err(ApiError::StaffEmailTaken);
    }
    let hash = crate::hashing::run(move || hash_password(&password))
        .await
        .ok_or_else(|| ApiError::Crypto("the hashing thread failed".into()))?
        .map_err(|e| ApiError::Crypto(e.to_string()))?;
    let mut tx = state.db.begin().await?;
    let created = match staff_users::insert(&mut tx, &email, &name, role, &hash).await {
        Err(err) if err.is_unique_violation() => return Err(ApiError::StaffEmailTaken),
        other => other?,
    };
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    tracing::info!(
        staff_user_id = %created.id,
        role = created.role.as_str(),
        created_by = staff.subject().unwrap_or("static staff token"),
        "staff user created"
    );
    Ok((StatusCode::CREATED, Json(created)))
}

/// List staff users, oldest first (staff).
#[utoipa::path(
    get,
    path = "/v1/staff-users",
    tag = "staff-users",
    params(PageParams),
    responses(
        (status = 200, description = "A page of staff users", body = StaffUserPage),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 403, description = "A valid access token without a staff role", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_staff_users(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<PageParams>,
) -> Result<Json<StaffUserPage>, ApiError> {
    let cursor = Cursor::try_from(params)?;
    let mut conn = state.db.acquire().await?;
    let items = staff_users::list(&mut conn, cursor.after.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |u| u.id.clone());
    Ok(Json(StaffUserPage { data: page.data, next: page.next }))
}
