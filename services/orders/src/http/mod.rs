//! The orders HTTP API: checkouts and orders, and how failures become problems.

mod checkouts;
mod orders;
mod viewer;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::response::{IntoResponse, Response};
use runtime::auth::{InternalAuth, StaffAuth};
use runtime::db::{Db, DbError};
use runtime::events::Outbox;
use runtime::http::{FieldError, Problem};
use runtime::jwt::JwtVerifier;
use utoipa_axum::router::OpenApiRouter;

use crate::calls::CallError;
use crate::saga::{Saga, SagaError};

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The orders database.
    pub db: Db,
    /// Its outbox.
    pub outbox: Outbox,
    /// Staff credential check.
    pub staff: StaffAuth,
    /// Internal credential check.
    pub internal: InternalAuth,
    /// Access-token verification.
    pub verifier: Arc<JwtVerifier>,
    /// The checkout saga.
    pub saga: Arc<Saga>,
    /// Calls to other services.
    pub client: runtime::client::ServiceClient,
}

/// All orders routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new().merge(checkouts::router()).merge(orders::router()).with_state(state)
}

/// Everything an orders request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller.
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such order (or not the caller's).
    #[error("order not found")]
    NotFound,
    /// The database failed.
    #[error("orders database failed")]
    Db(#[from] DbError),
    /// Another service failed.
    #[error("dependency failed")]
    Call(#[from] CallError),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(p)
    }
}

impl From<SagaError> for ApiError {
    fn from(err: SagaError) -> Self {
        match err {
            SagaError::Db(e) => ApiError::Db(e),
            SagaError::Call(e) => ApiError::Call(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Problem(p) => p,
            ApiError::Invalid(errors) => Problem::validation(errors),
            ApiError::NotFound => Problem::not_found("No order of yours has that identifier."),
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "orders request failed");
                err.to_problem(crate::SERVICE)
            }
            ApiError::Call(CallError::Unreachable(err)) => err.to_problem(),
            ApiError::Call(err @ CallError::Refused { .. }) => {
                tracing::error!(error = %err, "a dependency refused an operation on an order");
                match err {
                    CallError::Refused { status, problem, .. } if status.is_client_error() => Problem::conflict(
                        "operation-refused",
                        problem
                            .get("detail")
                            .and_then(|d| d.as_str())
                            .unwrap_or("The operation was refused.")
                            .to_owned(),
                    )
                    .with_extension("upstream", problem),
                    _ => Problem::unavailable("A service the order depends on failed; try again shortly.", 2),
                }
            }
        };
        problem.into_response()
    }
}
