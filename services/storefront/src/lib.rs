//! The storefront: the shop's server-rendered pages. It owns nothing durable and is a plain
//! client of the public API: every page calls the gateway (`/api/v1/...`) through the
//! runtime's service client with a deadline, as the signed-in shopper (their access token)
//! or as a guest — never with the internal credential. The shopper's tokens, guest cart and
//! visitor id live in `HttpOnly`, `SameSite=Lax` cookies ([`session`]).
//!
//! Layout: [`api`] (calls and problems), [`session`] and [`cookies`] (who is shopping),
//! [`money`] (formatting), [`settings`], `pages/` (one module per page family, each with its
//! templates in `templates/`), `assets/` (the one stylesheet and a little progressive JS).
//!
//! Criticality per page: catalog is critical for product and category pages (503 page
//! without it); search is optional (category and search pages fall back to catalog's plain
//! listing, "filters unavailable"); pricing, inventory and recommendations are optional on
//! product pages (the gateway's composition names what it left out); pricing is critical
//! for checkout (the cart shows "prices unavailable" and checkout is disabled); cart,
//! orders and identity are critical for their pages.

pub mod api;
pub mod cookies;
pub mod money;
mod pages;
pub mod session;
pub mod settings;

use runtime::app::AppError;
use runtime::{Application, ServiceBuilder, Settings};
use utoipa_axum::router::OpenApiRouter;

pub use settings::ShopSettings;

/// The service's name in the registry.
pub const SERVICE: &str = "storefront";

/// What every page handler has.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The public API.
    pub api: api::Api,
    /// The shop's options.
    pub shop: std::sync::Arc<ShopSettings>,
}

/// Builds the storefront with its options from the environment.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let shop = ShopSettings::from_env().map_err(|e| runtime::settings::SettingsError::Value(e.to_string()))?;
    build_with(settings, shop).await
}

/// Builds the storefront with explicit options (tests).
pub async fn build_with(settings: Settings, shop: ShopSettings) -> Result<Application, AppError> {
    let builder = ServiceBuilder::new(settings)?;
    let state = AppState { api: api::Api::new(builder.client()), shop: std::sync::Arc::new(shop) };
    let router = OpenApiRouter::from(pages::router(state));
    builder.routes(router).build().await
}
