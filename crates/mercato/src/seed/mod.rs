//! Loads the demo catalog through the public API, as any client would: categories, locations,
//! products (each with an Idempotency-Key, so a re-run after an interruption completes the
//! catalog without duplicates), then stock once inventory has learned each SKU from catalog's
//! events; then an order history placed through the purchase path, as shoppers would
//! (`history`).

mod demo;
mod history;

use std::fmt;
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::StreamExt as _;
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::SeedArgs;

/// What was loaded.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Categories.
    pub categories: usize,
    /// Locations.
    pub locations: usize,
    /// Products.
    pub products: usize,
    /// SKUs.
    pub skus: usize,
    /// Stock records set.
    pub stock_records: usize,
    /// SKUs given a price.
    pub prices: usize,
    /// Orders in the demo history.
    pub orders: usize,
    /// The console's demo administrator: e-mail and a password made up for this platform.
    /// Shown once at first start, never written to disk.
    #[serde(skip)]
    pub admin: Option<(String, String)>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} products ({} SKUs, {} priced) in {} categories, stock at {} locations, {} past orders",
            self.products, self.skus, self.prices, self.categories, self.locations, self.orders
        )
    }
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// POSTs as staff, retrying while the platform is briefly unavailable (503).
    async fn post(&self, path: &str, body: &Value, key: Option<&str>) -> anyhow::Result<(StatusCode, Value)> {
        self.shopper("POST", path, body, Some(&self.token), key).await
    }

    /// PUTs as staff, retrying while the platform is briefly unavailable (503).
    async fn put(&self, path: &str, body: &Value) -> anyhow::Result<()> {
        match self.shopper("PUT", path, body, Some(&self.token), None).await? {
            (status, _) if status.is_success() => Ok(()),
            (status, answer) => bail!("{path} answered {status}: {answer}"),
        }
    }

    /// POSTs without credentials (sign-up, log-in), retrying while unavailable (503).
    async fn anonymous_post(&self, path: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
        self.shopper("POST", path, body, None, None).await
    }

    /// A call as a guest or with `token` (a customer's, or staff's), retrying while the platform
    /// is briefly unavailable (503) or slow (504, when repeating is safe). A `key` is sent as the
    /// Idempotency-Key.
    async fn shopper(
        &self,
        method: &str,
        path: &str,
        body: &Value,
        token: Option<&str>,
        key: Option<&str>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let method: reqwest::Method = method.parse()?;
        // A 504 may have done the work or not. Asking again is safe with an Idempotency-Key,
        // for a PUT, and for the seed's staff calls (each answers 409 for what exists, which
        // counts as done); anything else gets the 504.
        let repeatable = key.is_some() || method == reqwest::Method::PUT || token == Some(self.token.as_str());
        let mut delay = Duration::from_millis(100);
        for _ in 0..20 {
            let mut request = self.http.request(method.clone(), format!("{}{path}", self.base));
            if !body.is_null() {
                request = request.json(body);
            }
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            match request.send().await {
                Ok(response)
                    if response.status() != StatusCode::SERVICE_UNAVAILABLE
                        && !(response.status() == StatusCode::GATEWAY_TIMEOUT && repeatable) =>
                {
                    let status = response.status();
                    return Ok((status, response.json().await.unwrap_or(Value::Null)));
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
        bail!("{path} stayed unavailable")
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self.http.get(format!("{}{path}", self.base)).send().await?.error_for_status()?;
        Ok(response.json().await?)
    }
}

fn created_or_exists(path: &str, status: StatusCode, body: &Value) -> anyhow::Result<()> {
    if status.is_success() || status == StatusCode::CONFLICT {
        Ok(())
    } else {
        bail!("{path} answered {status}: {body}")
    }
}

/// Loads `products` demo products into the platform behind `gateway`.
pub async fn load(gateway: &str, token: &str, products: usize) -> anyhow::Result<Summary> {
    let api = Api {
        http: reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?,
        base: gateway.to_owned(),
        token: token.to_owned(),
    };

    let categories = demo::categories();
    for category in &categories {
        let (status, body) = api.post("/api/v1/categories", &serde_json::to_value(category)?, None).await?;
        created_or_exists("categories", status, &body)?;
    }
    let locations = demo::locations();
    for location in &locations {
        let (status, body) = api.post("/api/v1/locations", &serde_json::to_value(location)?, None).await?;
        created_or_exists("locations", status, &body)?;
    }

    let catalog = demo::products(products);
    let total = catalog.len();
    let mut done = 0;
    let mut uploads = futures::stream::iter(catalog.iter().enumerate().map(|(i, product)| {
        let api = &api;
        async move {
            let body = serde_json::to_value(product)?;
            let (status, answer) = api.post("/api/v1/products", &body, Some(&format!("demo-product-{i:05}"))).await?;
            created_or_exists("products", status, &answer)
        }
    }))
    .buffer_unordered(8);
    while let Some(result) = uploads.next().await {
        result?;
        done += 1;
        if done % 300 == 0 || done == total {
            eprintln!("  products {done}/{total}");
        }
    }
    drop(uploads);

    // Stock: inventory learns SKUs from catalog's events, a moment after each product exists.
    let skus: Vec<&str> = catalog.iter().flat_map(|p| p.variants.iter().map(|v| v.sku.as_str())).collect();
    let mut stock_records = 0;
    for chunk in skus.chunks(100) {
        wait_until_known(&api, chunk).await?;
        let items: Vec<Value> = chunk
            .iter()
            .flat_map(|sku| {
                locations
                    .iter()
                    .map(move |l| json!({ "sku": sku, "location": l.code, "on_hand": demo::on_hand(sku, &l.code) }))
            })
            .collect();
        stock_records += items.len();
        let (status, body) = api.post("/api/v1/stock/batch", &json!({ "items": items }), None).await?;
        created_or_exists("stock", status, &body)?;
    }
    let prices = load_prices(&api, &catalog).await?;
    let admin = demo_admin(&api).await?;
    // The history is a nicety for recommendations and the console: without it the shop works.
    let orders = match history::load(&api, &catalog).await {
        Ok(orders) => orders,
        Err(err) => {
            eprintln!("  the demo order history is incomplete: {err:#}");
            0
        }
    };
    Ok(Summary {
        categories: categories.len(),
        locations: locations.len(),
        products: total,
        skus: skus.len(),
        stock_records,
        prices,
        orders,
        admin,
    })
}

/// The e-mail of the console's demo administrator.
const DEMO_ADMIN: &str = "admin@example.com";

/// Creates the console's demo administrator with a random password; `None` if it exists.
async fn demo_admin(api: &Api) -> anyhow::Result<Option<(String, String)>> {
    let password = uuid::Uuid::new_v4().simple().to_string();
    let body = json!({ "email": DEMO_ADMIN, "password": password, "name": "Demo Admin", "role": "admin" });
    let (status, answer) = api.post("/api/v1/staff-users", &body, None).await?;
    created_or_exists("staff-users", status, &answer)?;
    Ok(status.is_success().then(|| (DEMO_ADMIN.to_owned(), password)))
}

/// Markets of the demo shop: EU countries, prices in euro including VAT.
const MARKETS: &[(&str, i64)] = &[("DE", 1900), ("FR", 2000), ("IT", 2200), ("NL", 2100), ("AT", 2000), ("ES", 2100)];

/// A euro price list for every SKU, VAT per market, and two shipping methods.
async fn load_prices(api: &Api, catalog: &[contracts::catalog::NewProduct]) -> anyhow::Result<usize> {
    let (status, list) = api
        .post(
            "/api/v1/price-lists",
            &json!({ "name": "Standard EUR", "currency": "EUR", "priority": 0 }),
            Some("demo-price-list-eur"),
        )
        .await?;
    created_or_exists("price-lists", status, &list)?;
    let list_id = list["id"].as_str().context("price list id")?.to_owned();
    for (country, rate_bp) in MARKETS {
        api.put(&format!("/api/v1/tax-rules/{country}"), &json!({ "rate_bp": rate_bp, "inclusive": true })).await?;
    }
    let countries: Vec<&str> = MARKETS.iter().map(|(c, _)| *c).collect();
    for (method, amount, free_over) in [("standard", 495, Some(5000)), ("express", 1295, None::<i64>)] {
        let body = json!({
            "method": method,
            "countries": countries,
            "amount": { "amount": amount, "currency": "EUR" },
            "free_over": free_over.map(|f| json!({ "amount": f, "currency": "EUR" })),
        });
        let (status, answer) =
            api.post("/api/v1/shipping-rates", &body, Some(&format!("demo-shipping-{method}"))).await?;
        created_or_exists("shipping-rates", status, &answer)?;
    }
    let priced: Vec<(String, i64)> = catalog
        .iter()
        .flat_map(|p| {
            let price =
                demo::unit_price(p.category.as_deref().unwrap_or_default(), p.slug.as_deref().unwrap_or_default());
            p.variants.iter().map(move |v| (v.sku.clone(), price))
        })
        .collect();
    // Setting a price is idempotent, so a batch repeated after an interruption is harmless.
    let path = format!("/api/v1/price-lists/{list_id}/prices");
    let mut batches = futures::stream::iter(priced.chunks(1_000).map(|chunk| {
        let items: Vec<Value> = chunk
            .iter()
            .map(|(sku, cents)| {
                json!({ "sku": sku, "tiers": [{ "min_quantity": 1, "unit_amount": { "amount": cents, "currency": "EUR" } }] })
            })
            .collect();
        let path = &path;
        async move {
            let (status, answer) = api.post(path, &json!({ "items": items }), None).await?;
            created_or_exists("prices", status, &answer)
        }
    }))
    .buffer_unordered(2);
    while let Some(result) = batches.next().await {
        result?;
    }
    Ok(priced.len())
}

async fn wait_until_known(api: &Api, skus: &[&str]) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let query = format!("/api/v1/availability?sku={}", skus.join(","));
    loop {
        let answer = api.get(&query).await.context("reading availability")?;
        let known = answer["data"].as_array().is_some_and(|d| d.iter().all(|a| a["known"] == true));
        if known {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!("inventory did not learn the demo SKUs from catalog's events within 2 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `mercato seed`: loads the demo catalog into a running platform.
pub async fn command(args: SeedArgs) -> anyhow::Result<()> {
    let state = crate::state::read(&args.data.data_dir)?;
    let summary = load(&state.gateway_url, &state.staff_token, args.products).await?;
    let _ = std::fs::write(args.data.data_dir.join("seeded"), serde_json::to_vec_pretty(&summary)?);
    eprintln!("Demo catalog ready: {summary}.");
    if let Some((email, password)) = &summary.admin {
        eprintln!("Console sign-in: {email} / {password} (shown once; keep it).");
    }
    Ok(())
}
