//! The notifications service: what the platform tells people and systems outside it.
//!
//! It consumes orders' `order.placed`, `order.shipped` and `order.cancelled` and, in the
//! consumer's transaction, renders the order's e-mail (confirmation, shipment, cancellation) from a
//! staff-editable template into the `messages` table, and makes one delivery per merchant
//! webhook subscribed to the event. Two background loops then do the sending: the
//! [`mailer`] hands messages to an SMTP server or writes them to a mail directory, the
//! [`dispatch`]er POSTs events to webhook endpoints, signed with HMAC-SHA256
//! (`Mercato-Signature`). Both retry with exponential backoff and give up after a bounded
//! number of attempts; both claim rows with a lease, so several replicas can run them.
//! Every endpoint is staff-only.
//!
//! Layout: [`domain`] holds the rules without IO (templates and their rendering, webhook
//! URL validation and signatures, retry schedules); `store` is the only module that speaks
//! SQL; `http` has one module per resource; [`consumers`] applies orders' events;
//! [`mailer`] and [`dispatch`] are the loops; [`settings`] the service's own settings.

pub mod consumers;
pub mod dispatch;
pub mod domain;
mod drain;
mod http;
pub mod mailer;
pub mod settings;
mod store;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::events::Subscription;
use runtime::{Application, ServiceBuilder, Settings};

pub use settings::NotificationSettings;

/// The service's name in the registry, its database and its logs.
pub const SERVICE: &str = "notifications";

/// The notifications migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the notifications service with its settings read from the environment
/// (see [`settings`]).
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let own = NotificationSettings::from_env(&settings.database_url)?;
    build_with(settings, own).await
}

/// Builds the notifications service: database (templates seeded), routes, the orders
/// subscription, the e-mail sender and the webhook dispatcher.
///
/// Orders is not required for readiness: its events wait in its outbox until the
/// subscription catches up, and messages queue meanwhile.
pub async fn build_with(settings: Settings, own: NotificationSettings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    for name in contracts::notifications::TemplateName::ALL {
        store::templates::seed(&db, name, &domain::templates::default_source(name)).await?;
    }
    let mailer = mailer::Mailer::new(db.clone(), &own)?;
    let dispatcher = dispatch::Dispatcher::new(db.clone(), &own)?;
    tracing::info!(
        mail = %mailer.describe(),
        allow_private_webhooks = own.allow_private_webhooks,
        "notifications configured"
    );
    let state = http::AppState {
        db,
        staff: builder.staff_auth(),
        policy: http::WebhookPolicy { allow_internal: own.allow_private_webhooks },
    };
    builder
        .routes(http::router(state))
        .subscribe(Subscription::new("orders", domain::EVENT_SOURCE, domain::EVENT_TYPES), consumers::Orders::new())
        .every("email-sender", own.poll_interval, move || mailer.clone().run())
        .every("webhook-dispatcher", own.poll_interval, move || dispatcher.clone().run())
        .build()
        .await
}
