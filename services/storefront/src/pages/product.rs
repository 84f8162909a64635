//! The product page, from the gateway's composed `GET /api/v1/product-pages/{slug}`: the
//! product and its variants always; prices, availability per location and recommendations
//! when their services answered in time. Showing the page reports the view to the
//! recommendations service, fire-and-forget.

use std::collections::BTreeMap;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use contracts::pages::ProductPage;
use serde_json::json;

use super::{Layout, failure_page};
use crate::AppState;
use crate::api::{Request, encode};
use crate::money;
use crate::session::Shopper;

/// The whole page may take this long; the gateway bounds each optional part far below it.
const PAGE_DEADLINE: Duration = Duration::from_millis(2500);
/// Reporting a view is worth very little waiting.
const VIEW_DEADLINE: Duration = Duration::from_millis(300);

/// Stock of a variant at one location.
#[derive(Debug)]
pub struct LocationStock {
    /// The location's name.
    pub name: String,
    /// Units available there.
    pub available: i64,
}

/// One variant to choose.
#[derive(Debug)]
pub struct VariantView {
    /// Its SKU (the form value).
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Its price, or empty.
    pub price: String,
    /// "In stock", "Out of stock" or "Availability unknown".
    pub stock: String,
    /// Whether nothing is available anywhere (known).
    pub sold_out: bool,
    /// Whether it is the default choice.
    pub checked: bool,
    /// Stock per location (empty when unknown).
    pub locations: Vec<LocationStock>,
}

#[derive(Template, WebTemplate)]
#[template(path = "product.html")]
struct ProductTemplate {
    layout: Layout,
    name: String,
    brand: String,
    description: String,
    category: Option<(String, String)>,
    images: Vec<(String, String)>,
    attributes: Vec<(String, String)>,
    variants: Vec<VariantView>,
    availability_known: bool,
    prices_known: bool,
    can_buy: bool,
    recommendations: Vec<(String, String)>,
}

/// `GET /products/{slug}`.
pub async fn page(State(state): State<AppState>, shopper: Shopper, Path(slug): Path<String>) -> Response {
    let mut path = format!("/product-pages/{}?currency={}", encode(&slug), state.shop.currency.code());
    if let Some(group) = shopper.customer_group() {
        path.push_str(&format!("&customer_group={}", encode(group)));
    }
    let page: ProductPage = match state.api.json(Request::get(path).timeout(PAGE_DEADLINE)).await {
        Ok(page) => page,
        Err(err) => return failure_page(&shopper, &err),
    };
    report_view(&state, page.product.id.to_string(), shopper.visitor.clone());
    let prices: BTreeMap<&str, String> =
        page.prices.iter().map(|p| (p.sku.as_str(), money::format(p.unit_price))).collect();
    let availability =
        page.availability.as_ref().map(|list| list.iter().map(|a| (a.sku.as_str(), a)).collect::<BTreeMap<_, _>>());
    let mut variants: Vec<VariantView> = page
        .product
        .variants
        .iter()
        .map(|v| {
            let stock = availability.as_ref().map(|all| all.get(v.sku.as_str()));
            let (text, sold_out, locations) = match stock {
                None => ("Availability unknown".to_owned(), false, Vec::new()),
                Some(None) => ("Out of stock".to_owned(), true, Vec::new()),
                Some(Some(a)) => (
                    if a.available > 0 {
                        format!("In stock ({} available)", a.available)
                    } else {
                        "Out of stock".into()
                    },
                    a.available <= 0,
                    a.locations
                        .iter()
                        .map(|l| LocationStock { name: l.name.clone(), available: l.available })
                        .collect(),
                ),
            };
            VariantView {
                sku: v.sku.to_string(),
                name: if v.name.is_empty() { v.sku.to_string() } else { v.name.clone() },
                price: prices.get(v.sku.as_str()).cloned().unwrap_or_default(),
                stock: text,
                sold_out,
                checked: false,
                locations,
            }
        })
        .collect();
    if let Some(first) = variants.iter_mut().find(|v| !v.sold_out) {
        first.checked = true;
    }
    let can_buy = variants.iter().any(|v| v.checked);
    let product = &page.product;
    let mut layout = Layout::new(product.name.clone(), &shopper);
    layout.degraded = page.degraded.join(" ");
    let recommendations = page
        .recommendations
        .unwrap_or_default()
        .into_iter()
        .map(|r| (format!("/products/{}", encode(&r.slug)), r.name))
        .collect();
    ProductTemplate {
        layout,
        name: product.name.clone(),
        brand: product.brand.clone().unwrap_or_default(),
        description: product.description.clone(),
        category: product.category.as_ref().map(|c| (format!("/categories/{}", encode(&c.slug)), c.name.clone())),
        images: product.media.iter().take(2).map(|m| (m.url.clone(), m.alt.clone())).collect(),
        attributes: product.attributes.iter().map(|(k, v)| (k.replace('_', " "), v.clone())).collect(),
        availability_known: page.availability.is_some(),
        prices_known: !page.degraded.iter().any(|d| d == "pricing"),
        can_buy,
        variants,
        recommendations,
    }
    .into_response()
}

/// Tells the recommendations service that `visitor` viewed `product_id`, without waiting:
/// the page never depends on it, and a failure is only worth a debug line.
fn report_view(state: &AppState, product_id: String, visitor: String) {
    let api = state.api.clone();
    tokio::spawn(async move {
        let request =
            Request::post("/views", json!({ "product_id": product_id, "visitor": visitor })).timeout(VIEW_DEADLINE);
        if let Err(err) = api.send(request).await {
            tracing::debug!(error = %err, "view not reported");
        }
    });
}
