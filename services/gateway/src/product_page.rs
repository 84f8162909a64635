//! `GET /api/v1/product-pages/{id-or-slug}`: everything a product page shows, in one request.
//!
//! Catalog is critical: without the product there is no page (its 404 passes through, its
//! failure is a 503). Pricing, inventory and recommendations are optional: each is asked in
//! parallel with a deadline of its own, and what does not answer in time is left out and
//! named in `degraded`, so a slow or dead optional service costs a page at most its
//! deadline, and nothing once its circuit breaker is open.
//!
//! A complete page is kept in the gateway's [`crate::page_cache`] until an owner's event
//! changes it (at most `MERCATO_PAGE_CACHE_MAX_AGE_SECS`), so popular pages are answered
//! from memory, and still answered while an optional owner is down. `x-mercato-cache` says
//! `hit` or `miss`; `Cache-Control: no-cache` composes the page afresh.

use std::time::Duration;

use bytes::Bytes;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::catalog::Product;
use contracts::inventory::{Availability, AvailabilityList};
use contracts::money::Currency;
use contracts::pages::{ProductPage, Recommendation};
use contracts::pricing::{SkuPrice, SkuPrices};
use runtime::client::{Call, ClientError};
use runtime::http::Problem;
use serde::Deserialize;

use super::Gateway;
use crate::page_cache::{Page, PageKey};

/// The product itself: the page's only critical part.
const CATALOG_DEADLINE: Duration = Duration::from_millis(1_000);
/// Prices and stock: a page without them still shows the product.
const PRICE_AND_STOCK_DEADLINE: Duration = Duration::from_millis(250);
/// Recommendations are decoration: they get the least patience.
const RECOMMENDATIONS_DEADLINE: Duration = Duration::from_millis(120);

/// Query of a product page.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    /// Currency of the prices (default `EUR`).
    currency: Option<Currency>,
    /// The shopper's customer group.
    customer_group: Option<String>,
}

/// The recommendations service's answer.
#[derive(Debug, Deserialize)]
struct RecommendationList {
    data: Vec<Recommendation>,
}

/// `s` percent-encoded for a path segment or a query value.
fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

async fn optional<T: serde::de::DeserializeOwned>(
    gateway: &Gateway,
    service: &'static str,
    call: Call,
) -> Result<T, &'static str> {
    match gateway.client.send(service, call).await.and_then(|reply| reply.json::<T>()) {
        Ok(value) => Ok(value),
        Err(err) => {
            tracing::debug!(dependency = service, error = %err, "product page degraded");
            metrics::counter!("gateway_degraded_total", "page" => "product", "dependency" => service).increment(1);
            Err(service)
        }
    }
}

/// `GET /api/v1/product-pages/{reference}`.
pub(crate) async fn get(
    State(gateway): State<Gateway>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return Problem::bad_request(
            "Unknown or invalid query parameters; this page takes `currency` and `customer_group`.",
        )
        .into_response();
    };
    let currency = query.currency.unwrap_or(Currency::Eur);
    let key = PageKey { reference, currency, customer_group: query.customer_group };
    // `Cache-Control: no-cache` asks for the page as the owners see it now (a hard reload).
    let fresh = headers.get_all(header::CACHE_CONTROL).iter().any(|v| v.to_str().is_ok_and(|v| v.contains("no-cache")));
    let ticket = match &gateway.pages {
        // A hard reload does not look in the cache, so it counts as neither hit nor miss.
        Some(pages) if fresh => Some(pages.ticket()),
        Some(pages) => match pages.get(&key) {
            Some((body, degraded)) => return respond(body, &degraded, "hit"),
            None => Some(pages.ticket()),
        },
        None => None,
    };
    let call = Call::get(format!("/v1/products/{}", encode(&key.reference))).timeout(CATALOG_DEADLINE);
    let product: Product = match gateway.client.send("catalog", call).await {
        Ok(reply) if reply.status == StatusCode::NOT_FOUND => {
            return Problem::not_found("No product has that id or slug.").into_response();
        }
        Ok(reply) => match reply.json() {
            Ok(product) => product,
            Err(err) => return catalog_failed(&err),
        },
        Err(err) => return catalog_failed(&err),
    };
    let skus: Vec<String> = product.variants.iter().map(|v| encode(v.sku.as_str())).collect();
    let sku_list = skus.join(",");
    let mut price_path = format!("/v1/prices?sku={sku_list}&currency={}", currency.code());
    if let Some(group) = &key.customer_group {
        price_path.push_str(&format!("&customer_group={}", encode(group)));
    }
    let prices = optional::<SkuPrices>(&gateway, "pricing", Call::get(price_path).timeout(PRICE_AND_STOCK_DEADLINE));
    let stock = optional::<AvailabilityList>(
        &gateway,
        "inventory",
        Call::get(format!("/v1/availability?sku={sku_list}")).timeout(PRICE_AND_STOCK_DEADLINE),
    );
    let recommendations = optional::<RecommendationList>(
        &gateway,
        "recommendations",
        Call::get(format!("/v1/recommendations?product_id={}&limit=8", product.id)).timeout(RECOMMENDATIONS_DEADLINE),
    );
    let (prices, stock, recommendations) = futures::join!(prices, stock, recommendations);
    let product_id = product.id.to_string();
    let skus = product.variants.iter().map(|v| v.sku.to_string()).collect();
    let (body, degraded) =
        compose(product, prices.map(|p| p.data), stock.map(|s| s.data), recommendations.map(|r| r.data));
    if let (Some(pages), Some(ticket)) = (&gateway.pages, ticket) {
        pages.put(ticket, key, Page { body: body.clone(), product_id, skus, degraded: degraded.clone() });
    }
    respond(body, &degraded, "miss")
}

/// The page of `product` as sent: what each optional dependency answered, or (`Err`) the name
/// of one that did not answer in time, which the JSON body's `degraded` and the
/// `x-mercato-degraded` header then list. Public so that its cost can be benchmarked.
pub fn render(
    product: Product,
    prices: Result<Vec<SkuPrice>, &'static str>,
    availability: Result<Vec<Availability>, &'static str>,
    recommendations: Result<Vec<Recommendation>, &'static str>,
) -> Response {
    let (body, degraded) = compose(product, prices, availability, recommendations);
    respond(body, &degraded, "miss")
}

/// The page's JSON body, and the dependencies it had to leave out.
fn compose(
    product: Product,
    prices: Result<Vec<SkuPrice>, &'static str>,
    availability: Result<Vec<Availability>, &'static str>,
    recommendations: Result<Vec<Recommendation>, &'static str>,
) -> (Bytes, Vec<String>) {
    let mut degraded = Vec::new();
    let prices: Vec<SkuPrice> = prices.unwrap_or_else(|service| {
        degraded.push(service.to_owned());
        Vec::new()
    });
    let availability = availability.map_err(|s| degraded.push(s.to_owned())).ok();
    let recommendations = recommendations.map_err(|s| degraded.push(s.to_owned())).ok();
    let page = ProductPage { product, prices, availability, recommendations, degraded: degraded.clone() };
    // Serialising plain data types to memory cannot fail.
    let body = serde_json::to_vec(&page).map(Bytes::from).unwrap_or_default();
    (body, degraded)
}

/// The page as an HTTP answer; `cache` says whether it came from the gateway's memory.
fn respond(body: Bytes, degraded: &[String], cache: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    response.headers_mut().insert("x-mercato-cache", HeaderValue::from_static(cache));
    if !degraded.is_empty()
        && let Ok(value) = HeaderValue::from_str(&degraded.join(","))
    {
        response.headers_mut().insert("x-mercato-degraded", value);
    }
    response
}

fn catalog_failed(err: &ClientError) -> Response {
    tracing::warn!(error = %err, "product page: catalog failed");
    match err {
        ClientError::Status { .. } | ClientError::Decode(_) => {
            Problem::unavailable("The catalog answered unexpectedly; try again shortly.", 2).into_response()
        }
        other => other.to_problem().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn path_and_query_values_are_encoded() {
        assert_eq!(encode("linen-shirt"), "linen-shirt");
        assert_eq!(encode("a b/c?d"), "a%20b%2Fc%3Fd");
    }
}
