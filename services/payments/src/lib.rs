//! The payments service: payments (an authorisation of an amount on a card) and what happens
//! to them afterwards — capture, void, refunds — through a provider adapter, so that a real
//! payment service provider (PSP) can plug in. The checkout saga authorises (an internal
//! call, the checkout id as the `Idempotency-Key`); staff and the saga capture and void;
//! staff refund. Every change is announced as a `payment.*` event with the full snapshot.
//!
//! A card number or CVC is never stored or logged: the number lives only in the request
//! that brings it and in the call to the provider; a payment keeps the brand, the last four
//! digits and the expiry.
//!
//! Layout: [`domain`] validates cards and payments and holds the state machine (no IO),
//! [`provider`] has the adapter trait and the built-in [`provider::TestProvider`], `store`
//! is the only module that speaks SQL, `http` has the resource, `events` builds the
//! published events, [`settings`] the service's own settings.
//!
//! # Test cards
//!
//! The [`provider::TestProvider`] (selected by default) decides by the card number, like
//! the well-known providers' test modes. Any expiry in the future and any 3–4 digit CVC.
//!
//! | number | brand | outcome |
//! |---|---|---|
//! | `4242424242424242` | visa | approved |
//! | `5555555555554444` | mastercard | approved |
//! | `4000000000000002` | visa | declined, `card_declined` (402) |
//! | `4000000000009995` | visa | declined, `insufficient_funds` (402) |
//! | `4000000000000069` | visa | declined, `expired_card` (402) |
//! | `4000000000000119` | visa | provider error: unavailable (503, payment `failed`) |
//! | `4000000000000259` | visa | timeout: the provider authorises, but its answer arrives after the provider timeout; the service voids the authorisation (504, payment `failed`) |
//! | any other valid number | by prefix | approved |

pub mod domain;
mod events;
mod http;
pub mod provider;
pub mod settings;
mod store;

use std::sync::Arc;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::{Application, ServiceBuilder, Settings};

pub use settings::PaymentSettings;

/// The service's name in the registry, its database and its events' source.
pub const SERVICE: &str = "payments";

/// The payments migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the payments service with its settings read from the environment
/// (see [`settings`]).
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    build_with(settings, PaymentSettings::from_env()?).await
}

/// Builds the payments service: database, outbox, provider, routes.
pub async fn build_with(settings: Settings, payments: PaymentSettings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let outbox = builder.outbox(&db);
    let adapter: Arc<dyn provider::PaymentProvider> = match payments.provider {
        settings::ProviderKind::Test => Arc::new(provider::TestProvider::new(db.clone())),
    };
    let state = http::AppState {
        db,
        outbox,
        staff: builder.staff_auth(),
        internal: builder.internal_auth(),
        provider: provider::Provider::new(adapter, payments.provider_timeout),
        settled: Arc::default(),
        claim_ttl: http::ClaimTtl(payments.claim_ttl()),
    };
    builder.routes(http::router(state)).build().await
}
