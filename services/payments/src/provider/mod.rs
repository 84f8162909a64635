//! The payment provider (PSP) behind the service: the [`PaymentProvider`] adapter trait a real
//! PSP plugs into, the built-in [`TestProvider`], and [`Provider`], which puts the service's
//! timeout on every call.
//!
//! Adapters identify an authorisation by our payment id (sent to the PSP as its idempotency
//! key / merchant reference), so that an authorisation whose answer never arrived can still be
//! voided ("technical cancel"), and a repeated authorise of the same payment returns the same
//! authorisation. Captures, voids and refunds carry their own idempotency key, stable across
//! retries of the same operation.

mod test_provider;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use contracts::ids::PaymentId;
use contracts::money::Money;

pub use test_provider::{TestCard, TestProvider};

use crate::domain::ValidCard;

/// A provider call that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider (or the card's issuer) refused; `code` says why (`card_declined`,
    /// `insufficient_funds`, `expired_card`, or for an operation e.g. `already_captured`).
    #[error("refused by the provider ({code})")]
    Declined {
        /// The provider's reason.
        code: String,
    },
    /// No answer in time: the call may or may not have taken effect.
    #[error("the provider did not answer in time")]
    Timeout,
    /// The provider could not be asked: nothing happened.
    #[error("the provider is unavailable")]
    Unavailable,
}

/// What a provider call returns.
pub type ProviderFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

/// An authorisation to ask for.
#[derive(Clone, Copy, Debug)]
pub struct AuthorizeRequest<'a> {
    /// Our payment: the PSP's idempotency key and reference for the authorisation.
    pub payment_id: &'a PaymentId,
    /// The amount to hold.
    pub amount: Money,
    /// The card, with its secrets (for this call only).
    pub card: &'a ValidCard,
}

/// A granted authorisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The provider's id of it.
    pub provider_ref: String,
}

/// A capture, void or refund to ask for.
#[derive(Clone, Copy, Debug)]
pub struct OperationRequest<'a> {
    /// The payment whose authorisation it applies to.
    pub payment_id: &'a PaymentId,
    /// The provider's id of the authorisation, when known (not after a timed-out authorise).
    pub provider_ref: Option<&'a str>,
    /// The amount to capture or refund (ignored by a void).
    pub amount: Money,
    /// The same for every retry of this one operation: the PSP applies it once.
    pub idempotency_key: &'a str,
}

/// A payment service provider. Implementations must be idempotent as described in the
/// module docs; they need not enforce timeouts ([`Provider`] does).
pub trait PaymentProvider: Send + Sync + fmt::Debug + 'static {
    /// Holds `amount` on the card.
    fn authorize<'a>(&'a self, request: AuthorizeRequest<'a>) -> ProviderFuture<'a, Authorization>;
    /// Takes `amount` of the authorisation.
    fn capture<'a>(&'a self, request: OperationRequest<'a>) -> ProviderFuture<'a, ()>;
    /// Cancels the authorisation (also one whose answer never arrived). Voiding twice is fine.
    fn void<'a>(&'a self, request: OperationRequest<'a>) -> ProviderFuture<'a, ()>;
    /// Gives `amount` of the captured money back.
    fn refund<'a>(&'a self, request: OperationRequest<'a>) -> ProviderFuture<'a, ()>;
}

/// The configured provider, with the service's timeout on every call.
#[derive(Clone, Debug)]
pub struct Provider {
    adapter: Arc<dyn PaymentProvider>,
    timeout: Duration,
}

impl Provider {
    /// Wraps `adapter`; no call may take longer than `timeout`.
    pub fn new(adapter: Arc<dyn PaymentProvider>, timeout: Duration) -> Self {
        Self { adapter, timeout }
    }

    /// The longest one call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn bounded<T>(&self, budget: Duration, call: ProviderFuture<'_, T>) -> Result<T, ProviderError> {
        tokio::time::timeout(self.timeout.min(budget), call).await.unwrap_or(Err(ProviderError::Timeout))
    }

    /// Asks for an authorisation, waiting no longer than the timeout or `budget`.
    pub async fn authorize(
        &self,
        request: AuthorizeRequest<'_>,
        budget: Duration,
    ) -> Result<Authorization, ProviderError> {
        self.bounded(budget, self.adapter.authorize(request)).await
    }

    /// Asks for a capture.
    pub async fn capture(&self, request: OperationRequest<'_>, budget: Duration) -> Result<(), ProviderError> {
        self.bounded(budget, self.adapter.capture(request)).await
    }

    /// Asks for a void.
    pub async fn void(&self, request: OperationRequest<'_>, budget: Duration) -> Result<(), ProviderError> {
        self.bounded(budget, self.adapter.void(request)).await
    }

    /// Asks for a refund.
    pub async fn refund(&self, request: OperationRequest<'_>, budget: Duration) -> Result<(), ProviderError> {
        self.bounded(budget, self.adapter.refund(request)).await
    }
}
