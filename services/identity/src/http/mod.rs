//! Identity's HTTP API.

mod customers;
mod jwks;
mod sessions;
mod staff_sessions;
mod staff_users;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::response::{IntoResponse, Response};
use runtime::auth::StaffAuth;
use runtime::db::{Db, DbError};
use runtime::http::{FieldError, Problem};
use utoipa_axum::router::OpenApiRouter;

use crate::domain::LoginLimits;
use crate::keys::KeyRing;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Identity's database.
    pub db: Db,
    /// Signing keys.
    pub keys: Arc<KeyRing>,
    /// Login rate limits.
    pub limits: LoginLimits,
    /// Staff check: the static staff token, or a staff user's access token verified with
    /// the key ring.
    pub staff: StaffAuth,
}

/// All identity routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .merge(customers::router())
        .merge(sessions::router())
        .merge(staff_users::router())
        .merge(staff_sessions::router())
        .merge(jwks::router())
        .with_state(state)
}

/// Everything an identity request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller.
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// The email is registered already.
    #[error("email taken")]
    EmailTaken,
    /// The email belongs to a staff user already.
    #[error("staff email taken")]
    StaffEmailTaken,
    /// Wrong email or password (deliberately not saying which).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many login attempts.
    #[error("too many attempts")]
    TooManyAttempts(u64),
    /// The refresh token is unknown, used, revoked or expired.
    #[error("invalid refresh token")]
    InvalidRefresh,
    /// Hashing or signing failed.
    #[error("credential processing failed")]
    Crypto(String),
    /// The database failed.
    #[error("identity database failed")]
    Db(#[from] DbError),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(p)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Problem(p) => p,
            ApiError::Invalid(errors) => Problem::validation(errors),
            ApiError::EmailTaken => {
                Problem::conflict("email-taken", "An account with that email exists; log in instead.")
                    .with_errors(vec![FieldError::new("email", "is already registered")])
            }
            ApiError::StaffEmailTaken => Problem::conflict("email-taken", "A staff user with that email exists.")
                .with_errors(vec![FieldError::new("email", "is already a staff user")]),
            ApiError::InvalidCredentials => return runtime::jwt::unauthorized("Invalid email or password."),
            ApiError::TooManyAttempts(retry_after) => {
                Problem::new(axum::http::StatusCode::TOO_MANY_REQUESTS, "too-many-attempts", "Too many login attempts")
                    .with_detail("Too many login attempts; wait before trying again.")
                    .with_retry_after(retry_after)
            }
            ApiError::InvalidRefresh => {
                return runtime::jwt::unauthorized("The refresh token is invalid, used or expired; log in again.");
            }
            ApiError::Crypto(what) => {
                tracing::error!(error = %what, "credential processing failed");
                Problem::internal()
            }
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "identity request failed");
                err.to_problem(crate::SERVICE)
            }
        };
        problem.into_response()
    }
}
