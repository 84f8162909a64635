//! The gateway: the platform's public edge. It owns nothing durable. It maps the public
//! `/api/v1/<resource>` surface onto the owning service's `/v1/<resource>` (see [`routes`]),
//! calls it through the runtime's service client (discovery, deadline, retries for
//! idempotent calls, circuit breaker), and answers a clean 503 with `Retry-After` when the
//! owner is unavailable. It also serves the merged OpenAPI document of the public surface,
//! and composed views for shop pages ([`product_page`]) that degrade instead of failing.
//! Browser paths outside `/api` go to the UI services ([`ui`]), so shop, console and API share
//! one origin.

mod openapi;
pub mod product_page;
mod proxy;
pub mod routes;
pub mod ui;

use std::sync::Arc;

use axum::routing::{any, get};
use runtime::app::AppError;
use runtime::client::ServiceClient;
use runtime::{Application, ServiceBuilder, Settings};
use utoipa_axum::router::OpenApiRouter;

/// The service's name in the registry.
pub const SERVICE: &str = "gateway";

#[derive(Clone, Debug)]
struct Gateway {
    client: ServiceClient,
    routes: Arc<routes::RouteTable>,
    /// Proxies in front of the gateway whose `X-Forwarded-For` entries are trusted
    /// (`MERCATO_TRUSTED_PROXY_HOPS`; 0 on a laptop, 1 behind a Kubernetes ingress).
    trusted_proxy_hops: usize,
}

/// Builds the gateway.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let builder = ServiceBuilder::new(settings)?;
    let trusted_proxy_hops = std::env::var("MERCATO_TRUSTED_PROXY_HOPS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let state =
        Gateway { client: builder.client(), routes: Arc::new(routes::RouteTable::platform()), trusted_proxy_hops };
    let router = OpenApiRouter::new()
        .route("/api/v1/product-pages/{reference}", get(product_page::get))
        .route("/api/v1/{*rest}", any(proxy::forward))
        .route("/api/openapi.json", get(openapi::merged))
        .route("/api/{*rest}", any(|| async { runtime::http::Problem::not_found("No such API resource.") }))
        .route("/", any(ui::forward))
        .route("/{*path}", any(ui::forward))
        .with_state(state);
    builder.routes(router).build().await
}
