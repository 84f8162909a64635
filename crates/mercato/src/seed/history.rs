//! The demo shop's order history: real orders placed through the public purchase path (a
//! cart, its quote, a checkout with the test card), so every service that learns from orders
//! (recommendations, notifications) learns from them exactly as from live ones.
//!
//! The baskets have structure a model can find, as a real shop's do: a shopper buys two to
//! four products of one collection (a brand's product line), collections and the products in
//! them are unevenly popular, and one basket in five adds an unrelated product. Some orders
//! are placed by demo customers who keep coming back to the same two collections, which gives
//! "recommended for you" a history; shoppers also view a product or two they do not buy.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use contracts::catalog::NewProduct;
use futures::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, demo};

/// The test card the payments service always approves.
const APPROVED_CARD: &str = "4242424242424242";
/// How many demo customers place part of the history.
const CUSTOMERS: usize = 16;
/// In-flight checkouts while loading.
const PARALLEL: usize = 8;

/// How many orders the history of a catalog of `products` holds.
pub fn order_count(products: usize) -> usize {
    (products / 2).clamp(20, 600)
}

/// A collection: products of one brand line, most popular first.
type Collection = Vec<usize>;

/// Groups the catalog by brand line ("Northwind Compass …"); collections of one are dropped.
fn collections(catalog: &[NewProduct]) -> Vec<Collection> {
    let mut by_line: BTreeMap<(String, String), Collection> = BTreeMap::new();
    for (index, product) in catalog.iter().enumerate() {
        let brand = product.brand.clone().unwrap_or_default();
        let line = product.name.strip_prefix(brand.as_str()).and_then(|rest| rest.split_whitespace().next());
        if let Some(line) = line {
            by_line.entry((brand, line.to_owned())).or_default().push(index);
        }
    }
    by_line.into_values().filter(|c| c.len() >= 2).collect()
}

/// An index in `0..len`, small ones far likelier (Zipf-like, exponent 1).
fn skewed(rng: &mut fastrand::Rng, len: usize) -> usize {
    let harmonic: f64 = (1..=len).map(|k| 1.0 / k as f64).sum();
    let mut target = rng.f64() * harmonic;
    for k in 1..=len {
        target -= 1.0 / k as f64;
        if target <= 0.0 {
            return k - 1;
        }
    }
    len - 1
}

/// One planned order: who buys which products, and what else they looked at.
#[derive(Debug, Clone)]
pub struct Basket {
    /// Index of the demo customer, or `None` for a guest.
    pub customer: Option<usize>,
    /// Products bought (indices into the catalog), distinct.
    pub products: Vec<usize>,
    /// Products only viewed.
    pub viewed: Vec<usize>,
}

/// The baskets of the demo history, the same every time for the same catalog.
pub fn baskets(catalog: &[NewProduct], count: usize) -> Vec<Basket> {
    let collections = collections(catalog);
    if collections.is_empty() {
        return Vec::new();
    }
    let mut rng = fastrand::Rng::with_seed(0x6869_7374_6f72_7921);
    // Each customer favours two collections.
    let favourites: Vec<[usize; 2]> =
        (0..CUSTOMERS).map(|_| [skewed(&mut rng, collections.len()), rng.usize(..collections.len())]).collect();
    (0..count)
        .map(|_| {
            let customer = (rng.u8(..100) < 40).then(|| rng.usize(..CUSTOMERS));
            let collection = match customer {
                Some(c) => &collections[favourites[c][rng.usize(..2)]],
                None => &collections[skewed(&mut rng, collections.len())],
            };
            let size = 2 + rng.usize(..3).min(collection.len() - 2);
            let mut products: Vec<usize> = Vec::with_capacity(size + 1);
            while products.len() < size {
                let pick = collection[skewed(&mut rng, collection.len())];
                if !products.contains(&pick) {
                    products.push(pick);
                }
            }
            if rng.u8(..100) < 20 {
                let other = rng.usize(..catalog.len());
                if !products.contains(&other) {
                    products.push(other);
                }
            }
            let viewed = collection.iter().copied().filter(|p| !products.contains(p)).take(rng.usize(..3)).collect();
            Basket { customer, products, viewed }
        })
        .collect()
}

/// The SKU of `product` to buy: its first variant in stock somewhere.
fn in_stock_sku(product: &NewProduct) -> Option<&str> {
    product
        .variants
        .iter()
        .map(|v| v.sku.as_str())
        .find(|sku| demo::locations().iter().any(|l| demo::on_hand(sku, &l.code) > 0))
}

/// Places the demo history's orders; returns how many orders exist for it.
pub async fn load(api: &Api, catalog: &[NewProduct]) -> anyhow::Result<usize> {
    let baskets = baskets(catalog, order_count(catalog.len()));
    let customers = sign_up_customers(api).await?;
    let mut placed = 0;
    let mut failed = 0;
    let mut checkouts = futures::stream::iter(baskets.iter().enumerate().map(|(n, basket)| {
        let token = basket.customer.map(|c| customers[c].as_str());
        async move { place(api, catalog, n, basket, token).await }
    }))
    .buffer_unordered(PARALLEL);
    while let Some(result) = checkouts.next().await {
        match result {
            Ok(()) => placed += 1,
            Err(err) => {
                failed += 1;
                tracing::debug!(error = %format!("{err:#}"), "a demo order was not placed");
            }
        }
        if (placed + failed) % 100 == 0 {
            eprintln!("  orders {}/{}", placed + failed, baskets.len());
        }
    }
    if failed * 4 > baskets.len() {
        bail!("{failed} of {} demo orders could not be placed", baskets.len());
    }
    Ok(placed)
}

/// Signs up the demo customers (or logs them in again); returns their access tokens. Their
/// passwords are random and forgotten: nobody is meant to log in as them.
async fn sign_up_customers(api: &Api) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(CUSTOMERS);
    for n in 0..CUSTOMERS {
        let email = format!("demo-customer-{n:02}@example.com");
        let password = uuid::Uuid::new_v4().simple().to_string();
        let created = api
            .anonymous_post(
                "/api/v1/customers",
                &json!({ "email": email, "password": password, "name": format!("Demo Customer {n}") }),
            )
            .await?;
        if created.0 == StatusCode::CONFLICT {
            // Already there from an earlier run: its password is gone, so its orders stay guest orders.
            tokens.push(String::new());
            continue;
        }
        let (status, session) =
            api.anonymous_post("/api/v1/sessions", &json!({ "email": email, "password": password })).await?;
        if status != StatusCode::OK {
            bail!("demo customer login answered {status}: {session}");
        }
        tokens.push(session["access_token"].as_str().context("access token")?.to_owned());
    }
    Ok(tokens)
}

/// One order through the purchase path. A re-run finds the checkout's key taken (409) and
/// counts the order as there.
async fn place(
    api: &Api,
    catalog: &[NewProduct],
    n: usize,
    basket: &Basket,
    token: Option<&str>,
) -> anyhow::Result<()> {
    let token = token.filter(|t| !t.is_empty());
    let visitor = format!("demo-visitor-{n:05}");
    for &product in basket.viewed.iter().chain(&basket.products) {
        view(api, catalog, product, &visitor, token).await;
    }
    let (status, cart) =
        api.shopper("POST", "/api/v1/carts", &json!({ "shipping_method": "standard" }), token, None).await?;
    if !status.is_success() {
        bail!("creating a cart answered {status}: {cart}");
    }
    let cart_id = cart["id"].as_str().context("cart id")?.to_owned();
    for &product in &basket.products {
        let Some(sku) = in_stock_sku(&catalog[product]) else { continue };
        let (status, body) = api
            .shopper(
                "POST",
                &format!("/api/v1/carts/{cart_id}/lines"),
                &json!({ "sku": sku, "quantity": 1 }),
                token,
                None,
            )
            .await?;
        if !status.is_success() {
            bail!("adding {sku} answered {status}: {body}");
        }
    }
    let (_, cart) = api.shopper("GET", &format!("/api/v1/carts/{cart_id}"), &Value::Null, token, None).await?;
    let signature = cart["quote"]["signature"].as_str().context("the cart has no quote")?;
    let checkout = json!({
        "cart_id": cart_id,
        "email": format!("shopper-{n:05}@example.com"),
        "shipping_address": {
            "name": "Demo Shopper", "line1": "Unter den Linden 1", "postal_code": "10117", "city": "Berlin", "country": "DE"
        },
        "shipping_method": "standard",
        "quote_signature": signature,
        "payment": { "card": { "number": APPROVED_CARD, "exp_month": 12, "exp_year": 2035, "cvc": "123" } },
    });
    let key = format!("demo-order-{n:05}");
    let (status, body) = api.shopper("POST", "/api/v1/checkouts", &checkout, token, Some(&key)).await?;
    match status {
        s if s.is_success() => Ok(()),
        StatusCode::CONFLICT if body["type"].as_str().is_some_and(|t| t.ends_with("idempotency-key-reused")) => Ok(()),
        _ => bail!("checkout answered {status}: {body}"),
    }
}

/// Tells recommendations a product was viewed; a lost view is only a lost hint.
async fn view(api: &Api, catalog: &[NewProduct], product: usize, visitor: &str, token: Option<&str>) {
    let Some(slug) = catalog[product].slug.as_deref() else { return };
    let Ok((StatusCode::OK, page)) =
        api.shopper("GET", &format!("/api/v1/products/{slug}"), &Value::Null, None, None).await
    else {
        return;
    };
    if let Some(id) = page["id"].as_str() {
        let _ =
            api.shopper("POST", "/api/v1/views", &json!({ "product_id": id, "visitor": visitor }), token, None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baskets_stay_within_collections_and_are_repeatable() {
        let catalog = demo::products(240);
        let first = baskets(&catalog, 120);
        assert_eq!(first.len(), 120);
        let again = baskets(&catalog, 120);
        assert_eq!(
            first.iter().map(|b| b.products.clone()).collect::<Vec<_>>(),
            again.iter().map(|b| b.products.clone()).collect::<Vec<_>>()
        );
        let collections = collections(&catalog);
        let home = |p: usize| collections.iter().position(|c| c.contains(&p));
        for basket in &first {
            assert!(basket.products.len() >= 2);
            // The first two products always share a collection; an extra one may not.
            assert_eq!(home(basket.products[0]), home(basket.products[1]));
        }
        assert!(first.iter().any(|b| b.customer.is_some()) && first.iter().any(|b| b.customer.is_none()));
    }

    #[test]
    fn popular_collections_sell_more() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut counts = [0usize; 10];
        for _ in 0..5000 {
            counts[skewed(&mut rng, 10)] += 1;
        }
        assert!(counts[0] > counts[4] && counts[4] > counts[9] / 2, "{counts:?}");
    }
}
