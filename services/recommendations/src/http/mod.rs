//! The recommendations HTTP API: one module per resource, and how failures become problems.

mod evaluation;
mod recommendations;
mod views;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::response::{IntoResponse, Response};
use runtime::auth::StaffAuth;
use runtime::db::{Db, DbError};
use runtime::http::{FieldError, Problem};
use runtime::jwt::JwtVerifier;
use utoipa_axum::router::OpenApiRouter;

use crate::learner::Recommender;
use crate::pending::PendingViews;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The read model (evaluation reads it whole).
    pub db: Db,
    /// The live model.
    pub recommender: Recommender,
    /// Views waiting to be written.
    pub pending: PendingViews,
    /// Staff credential check.
    pub staff: StaffAuth,
    /// Customers' access tokens.
    pub jwt: Arc<JwtVerifier>,
    /// One evaluation at a time per instance.
    pub evaluating: Arc<tokio::sync::Mutex<()>>,
}

/// All recommendations routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .merge(recommendations::router())
        .merge(views::router())
        .merge(evaluation::router())
        .with_state(state)
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller (auth).
    #[error("{0}")]
    Problem(Problem),
    /// Parameters or body fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such product.
    #[error("unknown product")]
    UnknownProduct,
    /// The database failed.
    #[error("recommendations database failed")]
    Db(#[from] DbError),
    /// A blocking task panicked or was cancelled.
    #[error("recommendations task did not finish")]
    Task(#[from] tokio::task::JoinError),
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
            ApiError::UnknownProduct => Problem::not_found("No product has that id."),
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "recommendations request failed");
                err.to_problem(crate::SERVICE)
            }
            ApiError::Task(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "recommendations request failed");
                Problem::internal()
            }
        };
        problem.into_response()
    }
}
