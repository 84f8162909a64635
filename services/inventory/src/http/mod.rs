//! Inventory's HTTP API: one module per resource.

mod availability;
mod locations;
mod reservations;
mod stock;

use axum::extract::FromRef;
use axum::response::{IntoResponse, Response};
use runtime::auth::{InternalAuth, StaffAuth};
use runtime::db::{Db, DbError};
use runtime::events::Outbox;
use runtime::http::{FieldError, Problem};
use utoipa_axum::router::OpenApiRouter;

use crate::reservations::ReservationError;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Inventory's database.
    pub db: Db,
    /// Its outbox.
    pub outbox: Outbox,
    /// Staff credential check.
    pub staff: StaffAuth,
    /// Internal (service-to-service) credential check.
    pub internal: InternalAuth,
}

/// All inventory routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .merge(locations::router())
        .merge(availability::router())
        .merge(stock::router())
        .merge(reservations::router())
        .with_state(state)
}

/// Everything an inventory request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller.
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// Unknown SKU or location.
    #[error("not found")]
    NotFound(&'static str),
    /// Location code taken.
    #[error("location code taken")]
    CodeTaken,
    /// A reservation could not be made, found or changed.
    #[error(transparent)]
    Reservation(ReservationError),
    /// The database failed.
    #[error("inventory database failed")]
    Db(#[from] DbError),
}

impl From<ReservationError> for ApiError {
    fn from(err: ReservationError) -> Self {
        match err {
            ReservationError::Db(db) => ApiError::Db(db),
            other => ApiError::Reservation(other),
        }
    }
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
            ApiError::NotFound(what) => Problem::not_found(what),
            ApiError::CodeTaken => Problem::conflict("location-code-taken", "A location with that code exists.")
                .with_errors(vec![FieldError::new("code", "is already used")]),
            ApiError::Reservation(err) => reservations::problem(err),
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "inventory request failed");
                err.to_problem(crate::SERVICE)
            }
        };
        problem.into_response()
    }
}
