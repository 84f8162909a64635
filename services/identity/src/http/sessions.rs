//! `/v1/sessions`: log in, refresh (rotating), log out.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use contracts::identity::{Credentials, RefreshRequest, Session};
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{ACCESS_TTL_SECONDS, REFRESH_TTL_DAYS, new_refresh_token, refresh_token_hash, verify_password};
use crate::store::{attempts, customers, refresh_tokens};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(refresh)).routes(routes!(logout))
}

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

async fn issue(
    state: &AppState,
    tx: &mut runtime::db::Tx,
    customer_id: &str,
    family: &str,
) -> Result<(String, String), ApiError> {
    let access =
        state.keys.sign(customer_id, &["customer"], ACCESS_TTL_SECONDS).map_err(|e| ApiError::Crypto(e.to_string()))?;
    let refresh = new_refresh_token().map_err(|e| ApiError::Crypto(e.to_string()))?;
    let expires = runtime::db::timestamp(time::OffsetDateTime::now_utc() + time::Duration::days(REFRESH_TTL_DAYS));
    refresh_tokens::insert(tx, &refresh_token_hash(&refresh), family, customer_id, &expires).await?;
    Ok((access, refresh))
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
    let limits = state.limits;
    let now = unix_now();
    let account_key = format!("account:{email}");
    {
        let mut tx = state.db.begin().await?;
        let (account_window, account_attempts) =
            attempts::hit(&mut tx, &account_key, now, now - limits.window_seconds).await?;
        let (address_window, address_attempts) =
            attempts::hit(&mut tx, &format!("address:{}", client_address(&headers)), now, now - limits.window_seconds)
                .await?;
        tx.commit().await.map_err(runtime::db::DbError::from)?;
        if account_attempts > limits.per_account {
            return Err(ApiError::TooManyAttempts(limits.retry_after(account_window, now)));
        }
        if address_attempts > limits.per_address {
            return Err(ApiError::TooManyAttempts(limits.retry_after(address_window, now)));
        }
    }
    let mut conn = state.db.acquire().await?;
    let found = customers::by_email(&mut conn, &email).await?;
    drop(conn);
    let (customer, hash) = match found {
        Some((customer, hash)) => (Some(customer), hash),
        None => (None, DUMMY_HASH.to_owned()),
    };
    let password = credentials.password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false);
    let Some(customer) = customer.filter(|_| matches) else {
        tracing::info!("login refused");
        return Err(ApiError::InvalidCredentials);
    };
    let mut tx = state.db.begin().await?;
    attempts::clear(&mut tx, &account_key).await?;
    let family = uuid::Uuid::now_v7().simple().to_string();
    let (access_token, refresh_token) = issue(&state, &mut tx, customer.id.as_str(), &family).await?;
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
    let hash = refresh_token_hash(&body.refresh_token);
    let mut tx = state.db.begin().await?;
    let stored = refresh_tokens::find(&mut tx, &hash).await?.ok_or(ApiError::InvalidRefresh)?;
    if stored.revoked_at.is_some() || stored.expires_at < runtime::db::now() {
        return Err(ApiError::InvalidRefresh);
    }
    if stored.rotated_at.is_some() || !refresh_tokens::mark_rotated(&mut tx, &hash).await? {
        refresh_tokens::revoke_family(&mut tx, &stored.family).await?;
        tx.commit().await.map_err(runtime::db::DbError::from)?;
        tracing::warn!(customer_id = %stored.customer_id, "refresh token reused; session revoked");
        return Err(ApiError::InvalidRefresh);
    }
    let customer = customers::by_id(&mut tx, &stored.customer_id).await?.ok_or(ApiError::InvalidRefresh)?;
    let (access_token, refresh_token) = issue(&state, &mut tx, &stored.customer_id, &stored.family).await?;
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
    let mut tx = state.db.begin().await?;
    if let Some(stored) = refresh_tokens::find(&mut tx, &refresh_token_hash(&body.refresh_token)).await? {
        refresh_tokens::revoke_family(&mut tx, &stored.family).await?;
    }
    tx.commit().await.map_err(runtime::db::DbError::from)?;
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
