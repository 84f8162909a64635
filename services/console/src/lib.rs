//! The admin console: the staff's server-rendered pages under `/admin`.
//!
//! The console owns nothing. It is a client of the public API like any other: every page
//! calls the gateway (`/api/v1/...`) through the runtime's service client with the signed-in
//! staff user's access token, so each service authorises the user itself. Tokens live in
//! cookies ([`session`]); forms are plain HTML posts answered with a redirect, and re-shown
//! with the API's field errors when it refuses ([`pages`]). The Platform page reads every
//! instance's health and Prometheus metrics directly ([`platform`], [`prometheus`]).
//!
//! Layout: [`api`] (calls to the gateway), [`session`] (cookies, the staff check),
//! [`amount`] (typed prices), [`pages`] (one module per area, templates in `templates/`,
//! the stylesheet and script in `assets/`).

pub mod amount;
pub mod api;
pub mod pages;
pub mod platform;
pub mod prometheus;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use contracts::money::Currency;
use runtime::app::AppError;
use runtime::jwt::JwtVerifier;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry.
pub const SERVICE: &str = "console";

/// What every page can reach.
#[derive(Clone, Debug)]
pub struct Console {
    /// The public API, through the gateway.
    pub api: api::Api,
    /// Verifies staff access tokens (identity's keys, cached).
    pub verifier: Arc<JwtVerifier>,
    /// Exchanges refresh tokens one at a time.
    pub refresher: Arc<session::Refresher>,
    /// The Platform page's scraper.
    pub watcher: platform::Watcher,
    /// The shop's currency: prices typed in the console are in it.
    pub currency: Currency,
    /// Whether cookies are marked `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

/// Console options from the environment (`MERCATO_CONSOLE_*`).
#[derive(Debug)]
struct Options {
    currency: Currency,
    secure_cookies: bool,
    services: Vec<String>,
}

impl Options {
    fn from_env() -> Result<Self, AppError> {
        let invalid = |what: String| AppError::Settings(runtime::settings::SettingsError::Value(what));
        let currency = match std::env::var("MERCATO_CONSOLE_CURRENCY") {
            Ok(code) => Currency::parse(code.trim()).map_err(|e| invalid(format!("MERCATO_CONSOLE_CURRENCY: {e}")))?,
            Err(_) => Currency::Eur,
        };
        let secure_cookies = std::env::var("MERCATO_CONSOLE_SECURE_COOKIES").is_ok_and(|v| v == "true" || v == "1");
        let services = match std::env::var("MERCATO_CONSOLE_SERVICES") {
            Ok(list) if !list.trim().is_empty() => {
                list.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
            }
            _ => platform::DEFAULT_SERVICES.iter().map(|s| (*s).to_owned()).collect(),
        };
        Ok(Self { currency, secure_cookies, services })
    }
}

/// Builds the console.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let options = Options::from_env()?;
    let builder = ServiceBuilder::new(settings)?;
    let client = builder.client();
    // The Platform page talks to instances, not to services: its own small client.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()
        .map_err(AppError::Client)?;
    let console = Console {
        api: api::Api::new(client.clone()),
        verifier: builder.jwt_verifier(),
        refresher: Arc::new(session::Refresher::default()),
        watcher: platform::Watcher::new(http, client.discovery().clone(), options.services),
        currency: options.currency,
        secure_cookies: options.secure_cookies,
    };
    builder.routes(router(console).into()).build().await
}

/// Every console route; all but sign-in and the assets need a staff session.
fn router(console: Console) -> Router {
    use pages::{assets, customers, login, orders, platform as platform_page, pricing, products, stock};
    let staff = Router::new()
        .route("/admin", get(|| async { pages::see_other("/admin/products") }))
        .route("/admin/", get(|| async { pages::see_other("/admin/products") }))
        .route("/admin/products", get(products::list).post(products::create))
        .route("/admin/products/new", get(products::new))
        .route("/admin/products/{id}", get(products::show).post(products::update))
        .route("/admin/products/{id}/variants", post(products::add_variant))
        .route("/admin/products/{id}/prices", post(products::set_price))
        .route("/admin/products/{id}/archive", get(products::confirm_archive).post(products::archive))
        .route("/admin/products/{id}/stock", get(stock::show).post(stock::save))
        .route("/admin/price-lists", get(pricing::price_lists).post(pricing::create_price_list))
        .route("/admin/price-lists/{id}", get(pricing::price_list).post(pricing::set_list_price))
        .route("/admin/promotions", get(pricing::promotions).post(pricing::create_promotion))
        .route("/admin/coupons", post(pricing::create_coupon))
        .route("/admin/orders", get(orders::list))
        .route("/admin/orders/{id}", get(orders::show))
        .route("/admin/orders/{id}/capture", post(orders::capture))
        .route("/admin/orders/{id}/ship", post(orders::ship))
        .route("/admin/orders/{id}/cancel", get(orders::confirm_cancel).post(orders::cancel))
        .route("/admin/orders/{id}/refund", get(orders::confirm_refund).post(orders::refund))
        .route("/admin/customers", get(customers::list))
        .route("/admin/customers/{id}", get(customers::show).post(customers::set_group))
        .route("/admin/platform", get(platform_page::show))
        .route("/admin/platform.json", get(platform_page::json))
        .route("/admin/{*rest}", get(|| async { pages::not_found("There is no such console page.") }))
        .route_layer(axum::middleware::from_fn_with_state(console.clone(), session::require_staff));
    Router::new()
        .route("/admin/login", get(login::show).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/assets/console.css", get(assets::stylesheet))
        .route("/admin/assets/platform.js", get(assets::platform_script))
        .merge(staff)
        .with_state(console)
}
