//! `/v1/sessions`: log in, refresh (rotating), log out.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use contracts::identity::{Credentials, RefreshRequest, Session};
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{ACCESS_TTL_SECONDS, REFRESH_TTL_DAYS, new_refresh_token, refresh_token_hash, verify_password};
use crate::store::refresh_tokens::{Holder, StoredRefresh};
use crate::store::{attempts, customers, refresh_tokens};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(refresh)).routes(routes!(logout))
}

/// The role of every customer's access token.
const CUSTOMER_ROLE: &str = "customer";

/// A valid argon2id hash of a random string, verified against when the email is unknown so
/// that a failed login takes as long whether or not the account exists.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$G9Lx6YJYkxXXhjbJ7wHyFQ4tTqH1zNVP6bq4Tg0gvQs";

/// The client's address: the first `X-Forwarded-For` entry, which the gateway sets.
fn client_address(headers: &HeaderMap) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .unwrap_or_else(|| "direct".into())
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Signs an access token for `subject` with `roles` and stores a new refresh token of the
/// login `family` in `tx`.
pub(super) async fn issue(
    state: &AppState,
    tx: &mut runtime::db::Tx,
    holder: Holder,
    subject: &str,
    roles: &[&str],
    customer_group: Option<&str>,
    family: &str,
) -> Result<(String, String), ApiError> {
    let access = state
        .keys
        .sign(subject, roles, customer_group, ACCESS_TTL_SECONDS)
        .map_err(|e| ApiError::Crypto(e.to_string()))?;
    let refresh = new_refresh_token().map_err(|e| ApiError::Crypto(e.to_string()))?;
    let expires = runtime::db::timestamp(time::OffsetDateTime::now_utc() + time::Duration::days(REFRESH_TTL_DAYS));
    refresh_tokens::insert(tx, holder, &refresh_token_hash(&refresh), family, subject, &expires).await?;
    Ok((access, refresh))
}

/// A new login's family id.
pub(super) fn new_family() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Counts a login attempt for `account_key` and for the client's address (one address
/// budget for customer and staff logins); refuses when either is over its limit.
pub(super) async fn count_attempt(state: &AppState, headers: &HeaderMap, account_key: &str) -> Result<(), ApiError> {
    let limits = state.limits;
    let now = unix_now();
    let mut tx = state.db.begin().await?;
    let (account_window, account_attempts) =
        attempts::hit(&mut tx, account_key, now, now - limits.window_seconds).await?;
    let (address_window, address_attempts) =
        attempts::hit(&mut tx, &format!("address:{}", client_address(headers)), now, now - limits.window_seconds)
            .await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    if account_attempts > limits.per_account {
        return Err(ApiError::TooManyAttempts(limits.retry_after(account_window, now)));
    }
    if address_attempts > limits.per_address {
        return Err(ApiError::TooManyAttempts(limits.retry_after(address_window, now)));
    }
    Ok(())
}

/// Whether `password` matches `hash`; without an account, verifies against a dummy hash so
/// that an unknown email takes as long as a wrong password. Off the async workers.
pub(super) async fn password_matches(password: String, hash: Option<String>) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let matches = crate::hashing::run(move || verify_password(&password, &hash)).await.unwrap_or(false);
    known && matches
}

/// Takes a refresh token of `holder` for an exchange: checks it and marks it used in a new
/// transaction, which the caller continues (issuing the next pair) and commits. A token
/// that was used already revokes its whole login.
pub(super) async fn begin_rotation(
    state: &AppState,
    holder: Holder,
    token: &str,
) -> Result<(runtime::db::Tx, StoredRefresh), ApiError> {
    let hash = refresh_token_hash(token);
    let mut tx = state.db.begin().await?;
    let stored = refresh_tokens::find(&mut tx, holder, &hash).await?.ok_or(ApiError::InvalidRefresh)?;
    if stored.revoked_at.is_some() || stored.expires_at < runtime::db::now() {
        return Err(ApiError::InvalidRefresh);
    }
    if stored.rotated_at.is_some() || !refresh_tokens::mark_rotated(&mut tx, holder, &hash).await? {
        refresh_tokens::revoke_family(&mut tx, holder, &stored.family).await?;
        tx.commit().await.map_err(runtime::db::DbError::from)?;
        tracing::warn!(owner_id = %stored.owner_id, ?holder, "refresh token reused; session revoked");
        return Err(ApiError::InvalidRefresh);
    }
    Ok((tx, stored))
}

/// Ends the login of a refresh token of `holder` (nothing for an unknown token).
pub(super) async fn end_session(state: &AppState, holder: Holder, token: &str) -> Result<(), ApiError> {
    let mut tx = state.db.begin().await?;
    if let Some(stored) = refresh_tokens::find(&mut tx, holder, &refresh_token_hash(token)).await? {
        refresh_tokens::revoke_family(&mut tx, holder, &stored.family).await?;
    }
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    Ok(())
}

/// Log in with email and password.
#[utoipa::path(
    post,
    path = "/v1/sessions",
    tag = "sessions",
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 401, description = "Invalid email or password", body = ProblemSchema),
        (status = 429, description = "Too many attempts for this account or address", body = ProblemSchema),
    )
)]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(credentials): Json<Credentials>,
) -> Result<Json<Session>, ApiError> {
    let email = credentials.email.trim().to_lowercase();
    let account_key = format!("account:{email}");
    count_attempt(&state, &headers, &account_key).await?;
    let mut conn = state.db.acquire().await?;
    let found = customers::by_email(&mut conn, &email).await?;
    drop(conn);
    let (customer, hash) = found.map_or((None, None), |(customer, hash)| (Some(customer), Some(hash)));
    let matches = password_matches(credentials.password, hash).await;
    let Some(customer) = customer.filter(|_| matches) else {
        tracing::info!("login refused");
        return Err(ApiError::InvalidCredentials);
    };
    let mut tx = state.db.begin().await?;
    attempts::clear(&mut tx, &account_key).await?;
    let (access_token, refresh_token) = issue(
        &state,
        &mut tx,
        Holder::Customer,
        customer.id.as_str(),
        &[CUSTOMER_ROLE],
        customer.customer_group.as_deref(),
        &new_family(),
    )
    .await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    tracing::info!(customer_id = %customer.id, "customer signed in");
    Ok(Json(Session {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECONDS,
        refresh_token,
        customer,
    }))
}

/// Exchange a refresh token for a new pair. A refresh token works once; presenting a used
/// one again revokes the whole session (it was stolen, or a client misbehaves).
#[utoipa::path(
    post,
    path = "/v1/sessions/refresh",
    tag = "sessions",
    request_body = RefreshRequest,
    responses((status = 200, description = "A new pair", body = Session), (status = 401, description = "Invalid, used or expired", body = ProblemSchema))
)]
async fn refresh(State(state): State<AppState>, Json(body): Json<RefreshRequest>) -> Result<Json<Session>, ApiError> {
    let (mut tx, stored) = begin_rotation(&state, Holder::Customer, &body.refresh_token).await?;
    let customer = customers::by_id(&mut tx, &stored.owner_id).await?.ok_or(ApiError::InvalidRefresh)?;
    let (access_token, refresh_token) = issue(
        &state,
        &mut tx,
        Holder::Customer,
        &stored.owner_id,
        &[CUSTOMER_ROLE],
        customer.customer_group.as_deref(),
        &stored.family,
    )
    .await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    Ok(Json(Session {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECONDS,
        refresh_token,
        customer,
    }))
}

/// Log out: the session's refresh tokens stop working (access tokens expire on their own).
#[utoipa::path(
    post,
    path = "/v1/sessions/logout",
    tag = "sessions",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out (also for an unknown token)"))
)]
async fn logout(State(state): State<AppState>, Json(body): Json<RefreshRequest>) -> Result<StatusCode, ApiError> {
    end_session(&state, Holder::Customer, &body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::DUMMY_HASH;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash_with_default_cost() {
        let hash = argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).expect("valid PHC string");
        assert_eq!(hash.algorithm.as_str(), "argon2id");
        assert!(!crate::domain::verify_password("anything", DUMMY_HASH));
    }
}
