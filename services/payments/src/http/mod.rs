//! The payments HTTP API: the `/v1/payments` resource, who may call it, and how its failures
//! become problems.

mod caller;
mod payments;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use contracts::payments::PaymentStatus;
use runtime::auth::{InternalAuth, StaffAuth};
use runtime::db::{Db, DbError};
use runtime::events::Outbox;
use runtime::http::{FieldError, Problem};
use runtime::trace::RequestContext;
use tokio::sync::Notify;
use utoipa_axum::router::OpenApiRouter;

use crate::domain::{Operation, RuleError};
use crate::provider::{Provider, ProviderError};

/// How long a claim on a payment (an authorisation or operation in progress) lasts before
/// another request may take it over; see [`crate::PaymentSettings::claim_ttl`].
#[derive(Clone, Copy, Debug)]
pub struct ClaimTtl(pub Duration);

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The payments database.
    pub db: Db,
    /// Its outbox.
    pub outbox: Outbox,
    /// Staff credential check.
    pub staff: StaffAuth,
    /// Internal (service-to-service) credential check.
    pub internal: InternalAuth,
    /// The payment provider, with its timeout.
    pub provider: Provider,
    /// Woken whenever an authorisation settles, so that requests waiting on the same
    /// `Idempotency-Key` look again at once (they also poll: another replica may settle it).
    pub settled: Arc<Notify>,
    /// How long a claim lasts.
    pub claim_ttl: ClaimTtl,
}

/// All payments routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new().merge(payments::router()).with_state(state)
}

/// Seconds a caller should wait before asking an unavailable provider again.
const PROVIDER_RETRY_AFTER: u64 = 5;

/// Everything a payments request can fail with (an authorisation's own outcomes — declined,
/// provider timeout or unavailable — are answers, recorded for the key; see `payments`).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller (bad input, auth).
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such payment.
    #[error("payment not found")]
    NotFound,
    /// The payment's status does not allow the operation.
    #[error("invalid payment state")]
    InvalidState {
        /// What was asked.
        operation: Operation,
        /// The payment's status.
        status: PaymentStatus,
    },
    /// Another provider call on the payment is in progress.
    #[error("payment busy")]
    Busy,
    /// The payment changed while the operation was under way.
    #[error("payment changed concurrently")]
    Changed,
    /// A request with the same `Idempotency-Key` is still being processed.
    #[error("idempotency key in use")]
    KeyInUse,
    /// The provider refused or failed an operation on an existing payment.
    #[error("provider call failed")]
    Provider {
        /// What was asked.
        operation: Operation,
        /// How it failed.
        error: ProviderError,
    },
    /// A task of the request failed unexpectedly (a panic).
    #[error("request task failed")]
    Task(#[source] tokio::task::JoinError),
    /// The database failed.
    #[error("payments database failed")]
    Db(#[from] DbError),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(p)
    }
}

impl From<RuleError> for ApiError {
    fn from(err: RuleError) -> Self {
        match err {
            RuleError::InvalidState { operation, status } => ApiError::InvalidState { operation, status },
            RuleError::Invalid(errors) => ApiError::Invalid(errors),
        }
    }
}

/// The problem for a provider that could not be asked.
fn provider_unavailable(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "provider-unavailable", "The payment provider is unavailable")
        .with_detail(detail)
        .with_retry_after(PROVIDER_RETRY_AFTER)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Problem(p) => p,
            ApiError::Invalid(errors) => Problem::validation(errors),
            ApiError::NotFound => Problem::not_found("No payment has that id."),
            ApiError::InvalidState { operation, status } => Problem::conflict(
                "invalid-payment-state",
                format!(
                    "Cannot {} a payment that is {status}; that needs a payment that is {}.",
                    operation.as_str(),
                    operation.requires()
                ),
            )
            .with_extension("payment_status", serde_json::json!(status)),
            ApiError::Busy => Problem::conflict(
                "payment-busy",
                "Another operation on this payment is in progress; retry in a moment.",
            )
            .with_retry_after(1),
            ApiError::Changed => {
                Problem::conflict("payment-changed", "The payment changed while this request was under way; read it again.")
            }
            ApiError::KeyInUse => Problem::conflict(
                "idempotency-key-in-use",
                "A request with this Idempotency-Key is still being processed; retry in a moment to get its response.",
            )
            .with_retry_after(1),
            ApiError::Provider { operation, error } => match error {
                ProviderError::Declined { code } => Problem::conflict(
                    "provider-refused",
                    format!("The payment provider refused to {} this payment ({code}).", operation.as_str()),
                )
                .with_extension("provider_code", serde_json::json!(code)),
                ProviderError::Timeout => Problem::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "provider-timeout",
                    "The payment provider did not answer in time",
                )
                .with_detail(format!(
                    "Whether the {} happened at the provider is unknown. Retrying is safe: the provider applies it once.",
                    operation.as_str()
                )),
                ProviderError::Unavailable => provider_unavailable(format!(
                    "The payment provider could not be asked to {}; nothing changed. Retry later.",
                    operation.as_str()
                )),
            },
            ApiError::Task(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "payments request task failed");
                Problem::internal()
            }
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "payments request failed");
                err.to_problem(crate::SERVICE)
            }
        };
        problem.into_response()
    }
}

/// Runs `work` on a task of its own, in the request's context (trace, request id, deadline),
/// and waits for it. Once the provider has been asked, what follows must happen even if
/// the caller hangs up or the request's deadline passes (either drops the handler): record
/// the answer, or compensate. A caller that retries then gets the recorded answer.
async fn detached<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, ApiError>> + Send + 'static,
{
    let context = RequestContext::current();
    let task = tokio::spawn(async move {
        match context {
            Some(context) => context.scope(work).await,
            None => work.await,
        }
    });
    task.await.map_err(ApiError::Task)?
}

/// What is left of the request's time, if it has a deadline.
fn remaining() -> Option<Duration> {
    RequestContext::current()
        .and_then(|c| c.deadline)
        .map(|deadline| deadline.saturating_duration_since(std::time::Instant::now()))
}
