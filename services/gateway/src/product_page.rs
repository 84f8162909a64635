//! `GET /api/v1/product-pages/{id-or-slug}`: everything a product page shows, in one request.
//!
//! Catalog is critical: without the product there is no page (its 404 passes through, its
//! failure is a 503). Pricing, inventory and recommendations are optional: each is asked in
//! parallel with a deadline of its own, and what does not answer in time is left out and
//! named in `degraded`, so a slow or dead optional service costs a page at most its
//! deadline, and nothing once its circuit breaker is open.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
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
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return Problem::bad_request(
            "Unknown or invalid query parameters; this page takes `currency` and `customer_group`.",
        )
        .into_response();
    };
    let call = Call::get(format!("/v1/products/{}", encode(&reference))).timeout(CATALOG_DEADLINE);
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
    let currency = query.currency.unwrap_or(Currency::Eur);
    let mut price_path = format!("/v1/prices?sku={sku_list}&currency={}", currency.code());
    if let Some(group) = &query.customer_group {
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
    render(product, prices.map(|p| p.data), stock.map(|s| s.data), recommendations.map(|r| r.data))
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
    let mut degraded = Vec::new();
    let prices: Vec<SkuPrice> = prices.unwrap_or_else(|service| {
        degraded.push(service.to_owned());
        Vec::new()
    });
    let availability = availability.map_err(|s| degraded.push(s.to_owned())).ok();
    let recommendations = recommendations.map_err(|s| degraded.push(s.to_owned())).ok();
    let mut response =
        axum::Json(ProductPage { product, prices, availability, recommendations, degraded: degraded.clone() })
            .into_response();
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
