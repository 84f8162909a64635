//! Products: the list (catalog's pages, or search's hits when there is a query), a product
//! with its variants and prices, and the forms that create, edit, extend, price and archive
//! one (catalog and pricing APIs).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::{Extension, Form as Posted};
use contracts::catalog::{
    Category, CategoryList, NewProduct, NewVariant, Product, ProductList, ProductPatch, ProductStatus,
};
use contracts::ids::Sku;
use contracts::money::Money;
use contracts::pricing::{NewPriceList, PriceList, PriceListPage, SetPrice, SkuPrices, Tier};
use contracts::search::SearchResults;
use serde::Deserialize;

use super::{Form, api_failure, new_key, render, see_other, with_query};
use crate::Console;
use crate::amount;
use crate::api::{ApiError, encode};
use crate::session::Staff;

/// Products per page.
const PAGE_SIZE: u32 = 20;

/// One row of the product list.
struct Row {
    id: String,
    name: String,
    slug: String,
    category: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "products.html")]
struct ListPage {
    section: &'static str,
    signed_in: bool,
    q: String,
    status: String,
    rows: Vec<Row>,
    next: Option<String>,
    searched: bool,
}

/// Query of the product list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    after: String,
}

/// `GET /admin/products?q=&status=&after=`.
pub async fn list(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Query(query): Query<ListQuery>,
) -> Response {
    let q = query.q.trim().to_owned();
    let status = match query.status.as_str() {
        "archived" | "all" => query.status.clone(),
        _ => "active".to_owned(),
    };
    let after = if query.after.is_empty() { String::new() } else { format!("&after={}", encode(&query.after)) };
    let (rows, next) = if q.is_empty() {
        let path = format!("/v1/products?limit={PAGE_SIZE}&status={status}{after}");
        match console.api.get::<ProductList>(&staff.token, &path).await {
            Ok(page) => (
                page.data
                    .into_iter()
                    .map(|p| Row {
                        detail: format!(
                            "{} · {} variant{}",
                            status_label(p.status),
                            p.variants.len(),
                            if p.variants.len() == 1 { "" } else { "s" }
                        ),
                        category: p.category.map(|c| c.name).unwrap_or_default(),
                        id: p.id.to_string(),
                        name: p.name,
                        slug: p.slug,
                    })
                    .collect(),
                page.next,
            ),
            Err(err) => return api_failure(&err),
        }
    } else {
        let path = format!("/v1/search?q={}&limit={PAGE_SIZE}&currency={}{after}", encode(&q), console.currency.code());
        match console.api.get::<SearchResults>(&staff.token, &path).await {
            Ok(results) => (
                results
                    .data
                    .into_iter()
                    .map(|hit| Row {
                        detail: format!(
                            "{} · {}",
                            hit.price.map_or_else(|| "no price".to_owned(), |p| p.to_string()),
                            if hit.in_stock { "in stock" } else { "out of stock" }
                        ),
                        category: hit.category.map(|c| c.name).unwrap_or_default(),
                        id: hit.product_id.to_string(),
                        name: hit.name,
                        slug: hit.slug,
                    })
                    .collect(),
                results.next,
            ),
            Err(err) => return api_failure(&err),
        }
    };
    let next = next.map(|cursor| {
        with_query(
            "/admin/products",
            &[("q", &q), ("status", if q.is_empty() { &status } else { "" }), ("after", &cursor)],
        )
    });
    let searched = !q.is_empty();
    render(StatusCode::OK, &ListPage { section: "products", signed_in: true, q, status, rows, next, searched })
}

fn status_label(status: ProductStatus) -> &'static str {
    match status {
        ProductStatus::Active => "active",
        ProductStatus::Archived => "archived",
    }
}

#[derive(Template)]
#[template(path = "product_new.html")]
struct NewPage {
    section: &'static str,
    signed_in: bool,
    form: Form,
    categories: Vec<Category>,
    currency: &'static str,
}

async fn categories(console: &Console, staff: &Staff) -> Vec<Category> {
    match console.api.get::<CategoryList>(&staff.token, "/v1/categories").await {
        Ok(list) => list.data,
        Err(err) => {
            // The form still works without the list: the product is then uncategorised.
            tracing::warn!(error = %runtime::error_chain(&err), "categories unavailable for the product form");
            Vec::new()
        }
    }
}

async fn new_page(console: &Console, staff: &Staff, status: StatusCode, mut form: Form) -> Response {
    form.set("key", new_key());
    let categories = categories(console, staff).await;
    render(
        status,
        &NewPage { section: "products", signed_in: true, form, categories, currency: console.currency.code() },
    )
}

/// `GET /admin/products/new`.
pub async fn new(State(console): State<Console>, Extension(staff): Extension<Staff>) -> Response {
    new_page(&console, &staff, StatusCode::OK, Form::default()).await
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Where the catalog's field names show on the new-product form.
fn new_product_input(field: &str) -> Option<String> {
    match field {
        "name" | "slug" | "description" | "category" => Some(field.to_owned()),
        f if f.starts_with("variants") => Some("sku".to_owned()),
        _ => None,
    }
}

/// `POST /admin/products`: `name`, `slug`, `description`, `category`, `sku`, `price`, `key`.
///
/// Creates the catalog product with its first variant, then prices that variant in the
/// general price list, so the product is sellable once it has stock.
pub async fn create(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    if form.value("name").is_empty() {
        form.fail("name", "is required");
    }
    if let Err(err) = Sku::parse(form.value("sku")) {
        form.fail("sku", if form.value("sku").is_empty() { "is required".to_owned() } else { err.to_string() });
    }
    let price =
        amount::parse(form.value("price"), console.currency).map_err(|e| form.fail("price", e.to_string())).ok();
    let Some(price) = price.filter(|_| !form.has_errors()) else {
        return new_page(&console, &staff, StatusCode::UNPROCESSABLE_ENTITY, form).await;
    };
    let product = NewProduct {
        slug: optional(form.value("slug")),
        name: form.value("name").to_owned(),
        description: optional(form.value("description")),
        brand: None,
        category: optional(form.value("category")),
        attributes: Default::default(),
        media: Vec::new(),
        variants: vec![NewVariant { sku: form.value("sku").to_owned(), name: None, attributes: Default::default() }],
    };
    let key = optional(form.value("key")).unwrap_or_else(new_key);
    let created: Product = match console.api.create(&staff.token, "/v1/products", &key, &product).await {
        Ok(product) => product,
        Err(err) => {
            let status = Form::status(&err);
            form.absorb(&err, new_product_input);
            return new_page(&console, &staff, status, form).await;
        }
    };
    tracing::info!(product_id = %created.id, "product created in the console");
    let notice = match set_general_price(&console, &staff, &product.variants[0].sku, price).await {
        Ok(()) => "created",
        Err(err) => {
            tracing::warn!(product_id = %created.id, error = %runtime::error_chain(&err), "price of a new product not set");
            "price-failed"
        }
    };
    see_other(&format!("/admin/products/{}?notice={notice}", created.id))
}

/// The price list for everyone in the shop's currency: the highest-priority list without a
/// customer group or validity window. Created when there is none, under a fixed
/// Idempotency-Key so that two consoles at once create one.
pub async fn general_price_list(console: &Console, staff: &Staff) -> Result<PriceList, ApiError> {
    let mut after = String::new();
    let mut best: Option<PriceList> = None;
    // Price lists are few; ten pages of a hundred is far more than any shop has.
    for _ in 0..10 {
        let page: PriceListPage = console.api.get(&staff.token, &format!("/v1/price-lists?limit=100{after}")).await?;
        for list in page.data {
            let general = list.currency == console.currency
                && list.customer_group.is_none()
                && list.valid_from.is_none()
                && list.valid_to.is_none();
            if general && best.as_ref().is_none_or(|b| list.priority > b.priority) {
                best = Some(list);
            }
        }
        match page.next {
            Some(next) => after = format!("&after={}", encode(&next)),
            None => break,
        }
    }
    if let Some(list) = best {
        return Ok(list);
    }
    let new = NewPriceList {
        name: "General".into(),
        currency: console.currency,
        customer_group: None,
        priority: 0,
        valid_from: None,
        valid_to: None,
    };
    let key = format!("console-general-price-list-{}", console.currency.code());
    console.api.create(&staff.token, "/v1/price-lists", &key, &new).await
}

/// Sets the one-tier price of `sku` in the general price list.
async fn set_general_price(console: &Console, staff: &Staff, sku: &str, price: Money) -> Result<(), ApiError> {
    let list = general_price_list(console, staff).await?;
    set_price_in(console, staff, list.id.as_str(), sku, price).await
}

/// Sets the one-tier price of `sku` in price list `list`.
pub async fn set_price_in(
    console: &Console,
    staff: &Staff,
    list: &str,
    sku: &str,
    price: Money,
) -> Result<(), ApiError> {
    let body = SetPrice { tiers: vec![Tier { min_quantity: 1, unit_amount: price }] };
    let path = format!("/v1/price-lists/{}/prices/{}", encode(list), encode(sku));
    console.api.write::<serde_json::Value>(&staff.token, Method::PUT, &path, &body).await.map(|_| ())
}

/// One variant as the product page shows it.
struct VariantRow {
    sku: String,
    name: String,
    attributes: String,
    price: String,
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    section: &'static str,
    signed_in: bool,
    product: Product,
    variants: Vec<VariantRow>,
    categories: Vec<Category>,
    notice: Option<&'static str>,
    edit: Form,
    variant: Form,
    price: Form,
    currency: &'static str,
    archived: bool,
}

/// Query of the product page.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    notice: String,
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "Product created and priced. Set its stock to make it available.",
        "price-failed" => "Product created, but its price could not be set: set it below.",
        "updated" => "Product saved.",
        "variant" => "Variant added.",
        "price" => "Price saved.",
        "archived" => "Product archived: it is no longer for sale.",
        _ => return None,
    })
}

/// The forms of a product page, as they were submitted (or fresh).
#[derive(Default)]
struct ProductForms {
    edit: Option<Form>,
    variant: Option<Form>,
    price: Option<Form>,
}

async fn product_page(
    console: &Console,
    staff: &Staff,
    id: &str,
    status: StatusCode,
    notice: Option<&'static str>,
    forms: ProductForms,
) -> Response {
    let product: Product = match console.api.get(&staff.token, &format!("/v1/products/{}", encode(id))).await {
        Ok(product) => product,
        Err(err) => return api_failure(&err),
    };
    let skus: Vec<String> = product.variants.iter().map(|v| encode(v.sku.as_str())).collect();
    let prices: HashMap<String, Money> = if skus.is_empty() {
        HashMap::new()
    } else {
        let path = format!("/v1/prices?sku={}&currency={}", skus.join(","), console.currency.code());
        match console.api.get::<SkuPrices>(&staff.token, &path).await {
            Ok(prices) => prices.data.into_iter().map(|p| (p.sku.to_string(), p.unit_price)).collect(),
            Err(err) => {
                tracing::warn!(error = %runtime::error_chain(&err), "prices unavailable for the product page");
                HashMap::new()
            }
        }
    };
    let variants = product
        .variants
        .iter()
        .map(|v| VariantRow {
            sku: v.sku.to_string(),
            name: v.name.clone(),
            attributes: v.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "),
            price: prices.get(v.sku.as_str()).map_or_else(|| "no price".to_owned(), ToString::to_string),
        })
        .collect();
    let edit = forms.edit.unwrap_or_else(|| {
        let mut form = Form::default();
        form.set("name", product.name.clone());
        form.set("slug", product.slug.clone());
        form.set("description", product.description.clone());
        form.set("brand", product.brand.clone().unwrap_or_default());
        form.set("category", product.category.as_ref().map(|c| c.slug.clone()).unwrap_or_default());
        form
    });
    let mut edit = edit;
    edit.set("version", product.version.to_string());
    let categories = categories(console, staff).await;
    let archived = product.status == ProductStatus::Archived;
    let page = ProductPage {
        section: "products",
        signed_in: true,
        variants,
        categories,
        notice,
        edit,
        variant: forms.variant.unwrap_or_default(),
        price: forms.price.unwrap_or_default(),
        currency: console.currency.code(),
        archived,
        product,
    };
    render(status, &page)
}

/// `GET /admin/products/{id}`.
pub async fn show(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    product_page(&console, &staff, &id, StatusCode::OK, notice_text(&query.notice), ProductForms::default()).await
}

/// `POST /admin/products/{id}`: `name`, `slug`, `description`, `brand`, `category`, `version`.
/// Saved only if nobody changed the product since the form was shown (`If-Match`).
pub async fn update(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    if form.value("name").is_empty() {
        form.fail("name", "is required");
    }
    if form.value("slug").is_empty() {
        form.fail("slug", "is required");
    }
    if form.has_errors() {
        let forms = ProductForms { edit: Some(form), ..Default::default() };
        return product_page(&console, &staff, &id, StatusCode::UNPROCESSABLE_ENTITY, None, forms).await;
    }
    let patch = ProductPatch {
        slug: Some(form.value("slug").to_owned()),
        name: Some(form.value("name").to_owned()),
        description: Some(form.value("description").to_owned()),
        brand: Some(form.value("brand").to_owned()),
        category: optional(form.value("category")),
        attributes: None,
        media: None,
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", form.value("version"))) {
        headers.insert(header::IF_MATCH, value);
    }
    let path = format!("/v1/products/{}", encode(&id));
    let saved: Result<Product, _> =
        console.api.send(Some(&staff.token), Method::PATCH, &path, Some(&patch), headers).await;
    match saved {
        Ok(product) => see_other(&format!("/admin/products/{}?notice=updated", product.id)),
        Err(err) => {
            let status = Form::status(&err);
            if err.status() == Some(StatusCode::PRECONDITION_FAILED) {
                form.notes.push(
                    "Someone else changed this product meanwhile. The form shows your input; \
                     compare with the product above and save again."
                        .into(),
                );
            } else {
                form.absorb(&err, |f| {
                    matches!(f, "name" | "slug" | "description" | "brand" | "category").then(|| f.to_owned())
                });
            }
            let forms = ProductForms { edit: Some(form), ..Default::default() };
            product_page(&console, &staff, &id, status, None, forms).await
        }
    }
}

/// `color=black, size=M` as attributes.
fn parse_attributes(text: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
            _ => Err(format!("`{pair}` is not name=value")),
        })
        .collect()
}

/// `POST /admin/products/{id}/variants`: `variant_sku`, `variant_name`, `variant_attributes`,
/// and an optional `variant_price` for the general price list.
pub async fn add_variant(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    if let Err(err) = Sku::parse(form.value("variant_sku")) {
        form.fail(
            "variant_sku",
            if form.value("variant_sku").is_empty() { "is required".to_owned() } else { err.to_string() },
        );
    }
    let attributes =
        parse_attributes(form.value("variant_attributes")).map_err(|e| form.fail("variant_attributes", e)).ok();
    let price = match form.value("variant_price") {
        "" => None,
        typed => amount::parse(typed, console.currency).map_err(|e| form.fail("variant_price", e.to_string())).ok(),
    };
    let Some(attributes) = attributes.filter(|_| !form.has_errors()) else {
        let forms = ProductForms { variant: Some(form), ..Default::default() };
        return product_page(&console, &staff, &id, StatusCode::UNPROCESSABLE_ENTITY, None, forms).await;
    };
    let variant = NewVariant {
        sku: form.value("variant_sku").to_owned(),
        name: optional(form.value("variant_name")),
        attributes,
    };
    let path = format!("/v1/products/{}/variants", encode(&id));
    let added: Result<serde_json::Value, _> = console.api.write(&staff.token, Method::POST, &path, &variant).await;
    if let Err(err) = added {
        let status = Form::status(&err);
        form.absorb(&err, |f| match f {
            "sku" => Some("variant_sku".to_owned()),
            "name" => Some("variant_name".to_owned()),
            f if f.starts_with("attributes") => Some("variant_attributes".to_owned()),
            _ => None,
        });
        let forms = ProductForms { variant: Some(form), ..Default::default() };
        return product_page(&console, &staff, &id, status, None, forms).await;
    }
    if let Some(price) = price
        && let Err(err) = set_general_price(&console, &staff, &variant.sku, price).await
    {
        let mut price_form = Form::default();
        price_form.set("sku", variant.sku.clone());
        price_form.notes.push(format!("Variant added, but its price was not set: {}", err.message()));
        let forms = ProductForms { price: Some(price_form), ..Default::default() };
        return product_page(&console, &staff, &id, Form::status(&err), None, forms).await;
    }
    see_other(&format!("/admin/products/{}?notice=variant", encode(&id)))
}

/// `POST /admin/products/{id}/prices`: `sku`, `amount` into the general price list.
pub async fn set_price(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    let price =
        amount::parse(form.value("amount"), console.currency).map_err(|e| form.fail("amount", e.to_string())).ok();
    let Some(price) = price else {
        let forms = ProductForms { price: Some(form), ..Default::default() };
        return product_page(&console, &staff, &id, StatusCode::UNPROCESSABLE_ENTITY, None, forms).await;
    };
    let sku = form.value("sku").to_owned();
    match set_general_price(&console, &staff, &sku, price).await {
        Ok(()) => see_other(&format!("/admin/products/{}?notice=price", encode(&id))),
        Err(err) => {
            let status = Form::status(&err);
            form.absorb(&err, |f| match f {
                "sku" => Some("sku".to_owned()),
                f if f.starts_with("tiers") => Some("amount".to_owned()),
                _ => None,
            });
            let forms = ProductForms { price: Some(form), ..Default::default() };
            product_page(&console, &staff, &id, status, None, forms).await
        }
    }
}

/// `GET /admin/products/{id}/archive`: asks first.
pub async fn confirm_archive(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Response {
    let product: Product = match console.api.get(&staff.token, &format!("/v1/products/{}", encode(&id))).await {
        Ok(product) => product,
        Err(err) => return api_failure(&err),
    };
    super::confirm::page(
        StatusCode::OK,
        super::confirm::Confirm {
            section: "products",
            title: format!("Archive {}?", product.name),
            text: "An archived product is no longer for sale in the shop; orders that contain it keep it. \
                   Archiving cannot be undone here."
                .into(),
            action: format!("/admin/products/{}/archive", product.id),
            button: "Archive product".into(),
            back: format!("/admin/products/{}", product.id),
            amount: None,
            form: Form::default(),
        },
    )
}

/// `POST /admin/products/{id}/archive` (from the confirmation page).
pub async fn archive(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/v1/products/{}/archive", encode(&id));
    match console
        .api
        .send::<serde_json::Value>(Some(&staff.token), Method::POST, &path, None::<&()>, HeaderMap::new())
        .await
    {
        Ok(_) => see_other(&format!("/admin/products/{}?notice=archived", encode(&id))),
        Err(err) => api_failure(&err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_name_value_pairs() {
        let parsed = parse_attributes("color=black, size = M\nfit=slim").expect("valid");
        assert_eq!(parsed.get("size").map(String::as_str), Some("M"));
        assert_eq!(parsed.len(), 3);
        assert!(parse_attributes("").expect("empty is none").is_empty());
        assert!(parse_attributes("color").is_err());
        assert!(parse_attributes("=x").is_err());
    }

    #[test]
    fn catalog_fields_map_to_the_new_product_form() {
        assert_eq!(new_product_input("variants[0].sku").as_deref(), Some("sku"));
        assert_eq!(new_product_input("slug").as_deref(), Some("slug"));
        assert_eq!(new_product_input("media"), None);
    }

    #[test]
    fn the_new_product_form_honours_the_contract() {
        let mut form = Form::default();
        form.set("name", "Linen <Shirt>");
        form.fail("price", "must be a number like 12.50");
        let categories = vec![Category {
            id: contracts::ids::CategoryId::generate(),
            slug: "shirts".into(),
            name: "Shirts".into(),
            parent: None,
        }];
        let html = NewPage { section: "products", signed_in: true, form, categories, currency: "EUR" }
            .render()
            .expect("renders");
        for needle in [
            "id=\"name\"",
            "id=\"slug\"",
            "id=\"description\"",
            "<select id=\"category\"",
            "id=\"sku\"",
            "id=\"price\"",
            "id=\"create-product\"",
            "action=\"/admin/products\"",
            "value=\"shirts\"",
            "Linen &#60;Shirt&#62;",
            "must be a number like 12.50",
        ] {
            assert!(html.contains(needle), "{needle} missing in {html}");
        }
        assert!(!html.contains("Linen <Shirt>"), "input is escaped");
    }
}
