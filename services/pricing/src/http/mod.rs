//! The pricing HTTP API: one module per resource, and how failures become problems.

mod coupons;
mod price_lists;
mod prices;
mod promotions;
mod quotes;
mod shipping_rates;
mod tax_rules;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use runtime::auth::{InternalAuth, StaffAuth};
use runtime::db::{Db, DbError};
use runtime::events::Outbox;
use runtime::http::{FieldError, Problem};
use utoipa_axum::router::OpenApiRouter;

use crate::rules::RulesCache;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The pricing database.
    pub db: Db,
    /// Its outbox.
    pub outbox: Outbox,
    /// Staff credential check.
    pub staff: StaffAuth,
    /// Internal (service-to-service) credential check.
    pub internal: InternalAuth,
    /// The quote rules as this instance last loaded them.
    pub rules: Arc<RulesCache>,
}

/// All pricing routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .merge(price_lists::router())
        .merge(promotions::router())
        .merge(coupons::router())
        .merge(shipping_rates::router())
        .merge(tax_rules::router())
        .merge(quotes::router())
        .merge(prices::router())
        .with_state(state)
}

/// Everything a pricing request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller (bad input, auth).
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such resource.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A coupon with that code exists.
    #[error("coupon code taken")]
    CodeTaken,
    /// The coupon's usage limit is reached.
    #[error("coupon exhausted")]
    CouponExhausted,
    /// The coupon or its promotion is outside its window.
    #[error("coupon expired")]
    CouponExpired,
    /// Lines whose SKU has no price.
    #[error("unpriced SKUs")]
    Unpriced(Vec<(usize, String)>),
    /// No rate of the shipping method for the country and currency.
    #[error("no shipping rate")]
    NoShippingRate,
    /// An amount does not fit.
    #[error("amount out of range")]
    Money(#[from] contracts::money::MoneyError),
    /// The database failed.
    #[error("pricing database failed")]
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
            ApiError::NotFound(what) => Problem::not_found(format!("No {what} has that identifier.")),
            ApiError::CodeTaken => Problem::conflict("coupon-code-taken", "A coupon with this code exists.")
                .with_errors(vec![FieldError::new("code", "is already used")]),
            ApiError::CouponExhausted => {
                Problem::conflict("coupon-exhausted", "The coupon has reached its usage limit.")
            }
            ApiError::CouponExpired => {
                Problem::conflict("coupon-expired", "The coupon (or its promotion) is not valid at this time.")
            }
            ApiError::Unpriced(lines) => {
                let skus: Vec<&str> = lines.iter().map(|(_, sku)| sku.as_str()).collect();
                Problem::validation(
                    lines.iter().map(|(i, _)| FieldError::new(format!("lines[{i}].sku"), "has no price")).collect(),
                )
                .with_detail(format!("No price for: {}.", skus.join(", ")))
                .with_extension("unpriced_skus", serde_json::json!(skus))
            }
            ApiError::NoShippingRate => Problem::validation(vec![FieldError::new(
                "shipping_method",
                "has no rate for this country and currency",
            )]),
            ApiError::Money(err) => Problem::validation(vec![FieldError::new("lines", err.to_string())]),
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "pricing request failed");
                err.to_problem(crate::SERVICE)
            }
        };
        problem.into_response()
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A unique violation on the key: a concurrent request with the same key won (PostgreSQL).
fn key_in_use(err: DbError) -> ApiError {
    if err.is_unique_violation() {
        Problem::conflict(
            "idempotency-key-in-use",
            "A request with this Idempotency-Key was processed concurrently; retry to get its response.",
        )
        .with_retry_after(1)
        .into()
    } else {
        err.into()
    }
}
