//! The search HTTP API: one module per resource, and how failures become problems.

mod rebuild;
mod search;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::response::{IntoResponse, Response};
use runtime::auth::StaffAuth;
use runtime::db::{Db, DbError};
use runtime::http::{FieldError, Problem};
use utoipa_axum::router::OpenApiRouter;

use crate::index::{IndexError, SearchIndex};
use crate::indexer::IndexerError;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The read model.
    pub db: Db,
    /// The full-text index.
    pub index: SearchIndex,
    /// Staff credential check.
    pub staff: StaffAuth,
    /// One rebuild at a time per instance.
    pub rebuilding: Arc<tokio::sync::Mutex<()>>,
}

/// All search routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new().merge(search::router()).merge(rebuild::router()).with_state(state)
}

/// Everything a search request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller (auth).
    #[error("{0}")]
    Problem(Problem),
    /// Query parameters failed validation.
    #[error("invalid parameters")]
    Invalid(Vec<FieldError>),
    /// The database failed.
    #[error("search database failed")]
    Db(#[from] DbError),
    /// The index failed.
    #[error("search index failed")]
    Index(#[from] IndexError),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(p)
    }
}

impl From<IndexerError> for ApiError {
    fn from(err: IndexerError) -> Self {
        match err {
            IndexerError::Db(err) => ApiError::Db(err),
            IndexerError::Index(err) => ApiError::Index(err),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Problem(p) => p,
            ApiError::Invalid(errors) => {
                Problem::bad_request("The query has invalid parameters; see `errors`.").with_errors(errors)
            }
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "search request failed");
                err.to_problem(crate::SERVICE)
            }
            ApiError::Index(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "search request failed");
                Problem::internal()
            }
        };
        problem.into_response()
    }
}
