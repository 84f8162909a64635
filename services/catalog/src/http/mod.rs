//! The catalog's HTTP API: one module per resource.

mod categories;
mod products;

use axum::extract::FromRef;
use axum::response::{IntoResponse, Response};
use runtime::auth::StaffAuth;
use runtime::db::{Db, DbError};
use runtime::events::Outbox;
use runtime::http::{FieldError, Problem};
use utoipa_axum::router::OpenApiRouter;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The catalog's database.
    pub db: Db,
    /// Its outbox.
    pub outbox: Outbox,
    /// Staff credential check.
    pub staff: StaffAuth,
}

/// All catalog routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new().merge(products::router()).merge(categories::router()).with_state(state)
}

/// Everything a catalog request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller (bad input, auth).
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such product.
    #[error("product not found")]
    ProductNotFound,
    /// Slug already used.
    #[error("slug taken")]
    SlugTaken(String),
    /// SKUs already used by other products.
    #[error("sku taken")]
    SkusTaken(Vec<String>),
    /// `If-Match` did not match the current version.
    #[error("version mismatch")]
    VersionMismatch,
    /// The database failed.
    #[error("catalog database failed")]
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
            ApiError::ProductNotFound => Problem::not_found("No product has that id or slug."),
            ApiError::SlugTaken(slug) => Problem::conflict("slug-taken", format!("The slug `{slug}` is already used."))
                .with_errors(vec![FieldError::new("slug", "is already used")]),
            ApiError::SkusTaken(skus) => {
                Problem::conflict("sku-taken", format!("These SKUs already belong to a product: {}.", skus.join(", ")))
                    .with_extension("skus", serde_json::json!(skus))
            }
            ApiError::VersionMismatch => {
                Problem::precondition_failed("The product changed since you read it; fetch it again and retry.")
            }
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "catalog request failed");
                err.to_problem(crate::SERVICE)
            }
        };
        problem.into_response()
    }
}
