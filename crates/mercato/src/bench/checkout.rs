//! W3, checkout: a guest creates a cart (standard shipping, Germany), adds two different
//! in-stock SKUs, reads the cart (its quote signature) and checks out with a fresh
//! Idempotency-Key, a German address and the test card that is always approved.
//!
//! The SKUs are picked once, before the run, from the catalog's products and inventory's
//! availability: every SKU with at least [`MIN_AVAILABLE`] units, so that across thousands of
//! SKUs (the demo seed has about 6,500) a run of thousands of checkouts neither runs out of
//! stock nor piles onto a few stock rows.

use anyhow::{Context as _, bail};
use contracts::cart::NewCartLine;
use contracts::catalog::ProductList;
use contracts::ids::CartId;
use contracts::inventory::AvailabilityList;
use contracts::orders::{Address, CheckoutPayment, NewCheckout};
use contracts::payments::NewCard;
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;

use super::load::{self, Abort, Ctx, Run, Scenario, StepError};

/// Fewest units a SKU must have available to be bought in the run.
const MIN_AVAILABLE: i64 = 20;
/// The test provider approves this card (`services/payments/README.md`).
const APPROVED_CARD: &str = "4242424242424242";

const STEPS: &[&str] = &["cart create", "add line", "read cart", "checkout"];
const CART_CREATE: usize = 0;
const ADD_LINE: usize = 1;
const READ_CART: usize = 2;
const CHECKOUT: usize = 3;

/// The prepared scenario.
pub struct Checkout {
    skus: Vec<String>,
    products: usize,
}

/// What the flow needs of a cart.
#[derive(Deserialize)]
struct CartView {
    id: CartId,
    #[serde(default)]
    quote: Option<QuoteView>,
}

#[derive(Deserialize)]
struct QuoteView {
    signature: String,
}

impl Checkout {
    /// Finds the in-stock SKUs to buy.
    pub async fn prepare(ctx: &Ctx) -> anyhow::Result<Checkout> {
        let mut skus = Vec::new();
        let mut products = 0;
        let mut after: Option<String> = None;
        loop {
            let mut url = ctx.url("/api/v1/products?limit=100");
            if let Some(cursor) = &after {
                url.push_str("&after=");
                url.push_str(cursor);
            }
            let page: ProductList = get(ctx, &url).await.context("listing the catalog's products")?;
            products += page.data.len();
            skus.extend(page.data.iter().flat_map(|p| p.variants.iter().map(|v| v.sku.to_string())));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        // Availability takes 100 SKUs per request; a few requests at a time.
        let in_stock: Vec<Vec<String>> = futures::stream::iter(skus.chunks(100))
            .map(|chunk| async move {
                let url = ctx.url(&format!("/api/v1/availability?sku={}", chunk.join(",")));
                let answer: AvailabilityList = get(ctx, &url).await.context("reading availability")?;
                Ok::<_, anyhow::Error>(
                    answer
                        .data
                        .into_iter()
                        .filter(|a| a.known && a.available >= MIN_AVAILABLE)
                        .map(|a| a.sku.to_string())
                        .collect(),
                )
            })
            .buffered(4)
            .try_collect()
            .await?;
        let skus: Vec<String> = in_stock.into_iter().flatten().collect();
        if skus.len() < 2 {
            bail!(
                "found {} SKUs with at least {MIN_AVAILABLE} units available among {products} products; \
                 load the demo catalog first (`mercato seed`)",
                skus.len()
            );
        }
        eprintln!("{} SKUs of {products} products have at least {MIN_AVAILABLE} units available.", skus.len());
        Ok(Checkout { skus, products })
    }

    /// Two different SKUs.
    fn two_skus(&self, rng: &mut fastrand::Rng) -> [&str; 2] {
        let first = rng.usize(..self.skus.len());
        let mut second = rng.usize(..self.skus.len() - 1);
        if second >= first {
            second += 1;
        }
        [&self.skus[first], &self.skus[second]]
    }
}

async fn get<T: serde::de::DeserializeOwned>(ctx: &Ctx, url: &str) -> anyhow::Result<T> {
    let response = ctx.http.get(url).send().await.with_context(|| format!("GET {url}"))?;
    let response = response.error_for_status().with_context(|| format!("GET {url}"))?;
    response.json().await.with_context(|| format!("GET {url}: unexpected answer"))
}

fn checkout_body(cart: CartId, quote_signature: String) -> NewCheckout {
    NewCheckout {
        cart_id: cart,
        email: "bench@example.com".into(),
        shipping_address: Address {
            name: "Ada Lovelace".into(),
            line1: "Unter den Linden 1".into(),
            line2: None,
            postal_code: "10117".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        shipping_method: "standard".into(),
        quote_signature,
        payment: CheckoutPayment {
            card: NewCard { number: APPROVED_CARD.into(), exp_month: 12, exp_year: 2035, cvc: "123".into() },
        },
    }
}

impl Scenario for Checkout {
    fn name(&self) -> &'static str {
        "checkout (W3)"
    }

    fn steps(&self) -> &'static [&'static str] {
        STEPS
    }

    fn unit(&self) -> &'static str {
        "checkouts"
    }

    fn setup(&self) -> serde_json::Value {
        json!({ "products": self.products, "skus": self.skus.len(), "min_available": MIN_AVAILABLE, "lines": 2 })
    }

    fn describe(&self) -> String {
        format!("2 lines from {} in-stock SKUs", self.skus.len())
    }

    async fn flow(&self, ctx: &Ctx, run: &mut Run) -> Result<(), Abort> {
        let create = ctx.http.post(ctx.url("/api/v1/carts")).json(&json!({ "shipping_method": "standard" }));
        let cart: CartView = run.step(CART_CREATE, load::json(create)).await?;
        let lines_url = ctx.url(&format!("/api/v1/carts/{}/lines", cart.id));
        for sku in self.two_skus(&mut run.rng) {
            let add = ctx.http.post(&lines_url).json(&NewCartLine { sku: sku.to_owned(), quantity: 1 });
            run.step(ADD_LINE, load::json::<IgnoredAny>(add)).await?;
        }
        let read = ctx.http.get(ctx.url(&format!("/api/v1/carts/{}", cart.id)));
        let signature = run
            .step(READ_CART, async {
                let cart: CartView = load::json(read).await?;
                cart.quote.map(|q| q.signature).ok_or(StepError::Answer("cart without a quote"))
            })
            .await?;
        let checkout = ctx
            .http
            .post(ctx.url("/api/v1/checkouts"))
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&checkout_body(cart.id, signature));
        run.step(CHECKOUT, load::json::<IgnoredAny>(checkout)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Checkout;

    #[test]
    fn two_different_skus_are_picked() {
        let checkout = Checkout { skus: vec!["A".into(), "B".into()], products: 1 };
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100 {
            let [a, b] = checkout.two_skus(&mut rng);
            assert_ne!(a, b);
        }
    }
}
