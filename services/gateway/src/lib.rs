//! The gateway: the platform's public edge. It owns nothing durable. It maps the public
//! `/api/v1/<resource>` surface onto the owning service's `/v1/<resource>` (see [`routes`]),
//! calls it through the runtime's service client (discovery, deadline, retries for
//! idempotent calls, circuit breaker), and answers a clean 503 with `Retry-After` when the
//! owner is unavailable. It also serves the merged OpenAPI document of the public surface,
//! and composed views for shop pages ([`product_page`]) that degrade instead of failing.
//! Browser paths outside `/api` go to the UI services ([`ui`]), so shop, console and API share
//! one origin.

mod openapi;
pub mod page_cache;
pub mod product_page;
mod proxy;
pub mod routes;
pub mod ui;

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

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
    /// Composed product pages; `None` when turned off.
    pages: Option<Arc<page_cache::PageCache>>,
}

/// The gateway's own settings, beside the runtime's.
#[derive(Clone, Debug)]
pub struct Options {
    /// Proxies in front of the gateway whose `X-Forwarded-For` entries are trusted.
    pub trusted_proxy_hops: usize,
    /// How long a cached product page may live when no event drops it earlier; zero turns
    /// the cache off.
    pub page_max_age: Duration,
    /// How many product pages are cached at most.
    pub page_capacity: usize,
}

impl Options {
    /// From `MERCATO_TRUSTED_PROXY_HOPS` (default 0), `MERCATO_PAGE_CACHE_MAX_AGE_SECS`
    /// (default 10) and `MERCATO_PAGE_CACHE_PAGES` (default 2,048: about 25 MiB of pages at
    /// 12 KiB each).
    pub fn from_env() -> Self {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
            std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
        }
        Self {
            trusted_proxy_hops: var("MERCATO_TRUSTED_PROXY_HOPS", 0),
            page_max_age: Duration::from_secs(var("MERCATO_PAGE_CACHE_MAX_AGE_SECS", 10)),
            page_capacity: var("MERCATO_PAGE_CACHE_PAGES", 2_048),
        }
    }
}

/// Builds the gateway with the options of its environment.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    build_with(settings, Options::from_env()).await
}

/// Builds the gateway with `options`.
pub async fn build_with(settings: Settings, options: Options) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let pages = match NonZeroUsize::new(options.page_capacity) {
        Some(capacity) if !options.page_max_age.is_zero() => {
            let pages = page_cache::PageCache::new(capacity, options.page_max_age);
            for (source, types) in page_cache::SOURCES {
                builder = builder.watch(source, types, pages.watcher(source));
            }
            Some(pages)
        }
        _ => None,
    };
    let state = Gateway {
        client: builder.client(),
        routes: Arc::new(routes::RouteTable::platform()),
        trusted_proxy_hops: options.trusted_proxy_hops,
        pages,
    };
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
