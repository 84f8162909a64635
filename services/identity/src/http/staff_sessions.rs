//! `/v1/staff-sessions`: staff users log in, refresh (rotating) and log out, as customers do
//! at `/v1/sessions`, with the same login limits. Access tokens carry the roles `staff` (and
//! `admin`), read from the staff user's current role at login and at every refresh.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use contracts::identity::{Credentials, RefreshRequest, StaffSession, StaffUser};
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sessions::{begin_rotation, count_attempt, end_session, issue, new_family, password_matches};
use super::{ApiError, AppState};
use crate::domain::{ACCESS_TTL_SECONDS, staff_token_roles};
use crate::store::refresh_tokens::Holder;
use crate::store::{attempts, staff_users};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(staff_login)).routes(routes!(staff_refresh)).routes(routes!(staff_logout))
}

fn session(access_token: String, refresh_token: String, staff_user: StaffUser) -> StaffSession {
    StaffSession {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECONDS,
        refresh_token,
        staff_user,
    }
}

/// Log in as a staff user with email and password.
#[utoipa::path(
    post,
    path = "/v1/staff-sessions",
    tag = "staff-sessions",
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = StaffSession),
        (status = 401, description = "Invalid email or password", body = ProblemSchema),
        (status = 429, description = "Too many attempts for this account or address", body = ProblemSchema),
    )
)]
async fn staff_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(credentials): Json<Credentials>,
) -> Result<Json<StaffSession>, ApiError> {
    let email = credentials.email.trim().to_lowercase();
    // Its own counter: failed customer logins with the same email do not lock the staff
    // account out, nor the other way round. The per-address budget is shared.
    let account_key = format!("staff:{email}");
    count_attempt(&state, &headers, &account_key).await?;
    let mut conn = state.db.acquire().await?;
    let found = staff_users::by_email(&mut conn, &email).await?;
    drop(conn);
    let (user, hash) = found.map_or((None, None), |(user, hash)| (Some(user), Some(hash)));
    let matches = password_matches(credentials.password, hash).await;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!("staff login refused");
        return Err(ApiError::InvalidCredentials);
    };
    let mut tx = state.db.begin().await?;
    attempts::clear(&mut tx, &account_key).await?;
    let roles = staff_token_roles(user.role);
    let (access_token, refresh_token) =
        issue(&state, &mut tx, Holder::Staff, &user.id, roles, None, &new_family()).await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    tracing::info!(staff_user_id = %user.id, role = user.role.as_str(), "staff user signed in");
    Ok(Json(session(access_token, refresh_token, user)))
}

/// Exchange a staff refresh token for a new pair. Single use; presenting a used one again
/// revokes the whole session.
#[utoipa::path(
    post,
    path = "/v1/staff-sessions/refresh",
    tag = "staff-sessions",
    request_body = RefreshRequest,
    responses((status = 200, description = "A new pair", body = StaffSession), (status = 401, description = "Invalid, used or expired", body = ProblemSchema))
)]
async fn staff_refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<StaffSession>, ApiError> {
    let (mut tx, stored) = begin_rotation(&state, Holder::Staff, &body.refresh_token).await?;
    let user = staff_users::by_id(&mut tx, &stored.owner_id).await?.ok_or(ApiError::InvalidRefresh)?;
    let roles = staff_token_roles(user.role);
    let (access_token, refresh_token) =
        issue(&state, &mut tx, Holder::Staff, &user.id, roles, None, &stored.family).await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    Ok(Json(session(access_token, refresh_token, user)))
}

/// Log out a staff session: its refresh tokens stop working (access tokens expire on their
/// own).
#[utoipa::path(
    post,
    path = "/v1/staff-sessions/logout",
    tag = "staff-sessions",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out (also for an unknown token)"))
)]
async fn staff_logout(State(state): State<AppState>, Json(body): Json<RefreshRequest>) -> Result<StatusCode, ApiError> {
    end_session(&state, Holder::Staff, &body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}
