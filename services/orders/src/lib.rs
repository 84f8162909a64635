//! The orders service: the checkout saga (architecture.md §5) and orders afterwards.
//!
//! `POST /v1/checkouts` (with an `Idempotency-Key`) reads the cart, asks pricing for the
//! authoritative quote and refuses if it differs from what the shopper was shown, holds the
//! stock (inventory), authorises the card (payments), stores the order with `order.placed`,
//! and commits the stock. Each step is persisted before the next side effect ([`saga`]);
//! a checkout whose process died is finished or undone by the recovery sweeper once its
//! lease lapses. Orders can then be read (owner or staff), listed, cancelled (stock back,
//! authorisation voided), captured and refunded (staff).
//!
//! Layout: [`domain`] holds validation and the lifecycle rules without IO; `store` is the
//! only module that speaks SQL; [`calls`] is what orders asks of other services; [`saga`]
//! drives checkouts; `http` has one module per resource; [`consumers`] applies payments'
//! events; [`crash`] is the test hook that kills the process at a saga step.

pub mod calls;
pub mod consumers;
pub mod crash;
pub mod domain;
mod events;
mod http;
pub mod saga;
mod store;

use std::time::Duration;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::events::Subscription;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry, its database and its events' source.
pub const SERVICE: &str = "orders";

/// Orders' migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// How often abandoned checkouts and orphan authorisations are looked for.
const RECOVERY_INTERVAL: Duration = Duration::from_secs(1);

/// Builds the orders service: database, outbox, routes, the payments subscription and the
/// recovery sweeper.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let outbox = builder.outbox(&db);
    let client = builder.client();
    let saga = saga::Saga::new(
        db.clone(),
        outbox.clone(),
        client.clone(),
        saga::Timing::from_env(),
        crash::Crasher::from_env(),
    );
    let state = http::AppState {
        db,
        outbox,
        staff: builder.staff_auth(),
        internal: builder.internal_auth(),
        verifier: builder.jwt_verifier(),
        saga: saga.clone(),
        client,
    };
    builder
        .routes(http::router(state))
        .subscribe(Subscription::new("payments", "payments", &["payment.authorized"]), consumers::Payments)
        .every("checkout-recovery", RECOVERY_INTERVAL, move || saga.clone().sweep())
        .build()
        .await
}
