//! W3, checkout: a guest creates a cart (standard shipping, Germany), adds two different
//! in-stock SKUs, reads the cart (its quote signature) and checks out with a fresh
//! Idempotency-Key, a German address and the test card that is always approved.
//!
//! The SKUs are picked once, before the run, from the catalog's products and inventory's
//! availability (`shop`): every SKU with at least [`MIN_AVAILABLE`] units among up to 20,000
//! spread over the catalog, so that across thousands of SKUs (the demo seed has about 6,500)
//! a run of thousands of checkouts neither runs out of stock nor piles onto a few stock rows.

use contracts::cart::NewCartLine;
use contracts::ids::CartId;
use contracts::orders::{Address, CheckoutPayment, NewCheckout};
use contracts::payments::NewCard;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;

use super::load::{self, Abort, Ctx, Run, Scenario, StepError};
use super::shop::{MIN_AVAILABLE, Shop};

/// The test provider approves this card (`services/payments/README.md`).
const APPROVED_CARD: &str = "4242424242424242";

const STEPS: &[&str] = &["cart create", "add line", "read cart", "checkout"];
const OWN_STEPS: CartSteps = CartSteps { create: 0, add_line: 1, read: 2 };
const CHECKOUT: usize = 3;

/// The prepared scenario.
pub struct Checkout {
    skus: Vec<String>,
    products: usize,
}

/// The step indexes of the cart requests, in a scenario's list of steps.
#[derive(Debug, Clone, Copy)]
pub struct CartSteps {
    /// `POST /api/v1/carts`.
    pub create: usize,
    /// `POST /api/v1/carts/{id}/lines`.
    pub add_line: usize,
    /// `GET /api/v1/carts/{id}`.
    pub read: usize,
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
        let shop = Shop::discover(ctx).await?;
        let skus = shop.in_stock(ctx).await?;
        Ok(Checkout { skus, products: shop.products.len() })
    }
}

/// Two different SKUs of `skus` (which has at least two).
pub fn two_skus<'a>(skus: &'a [String], rng: &mut fastrand::Rng) -> [&'a str; 2] {
    let first = rng.usize(..skus.len());
    let mut second = rng.usize(..skus.len() - 1);
    if second >= first {
        second += 1;
    }
    [&skus[first], &skus[second]]
}

/// A guest's cart with `lines` (different SKUs, one unit each), read back: its id and the
/// signature of its quote.
pub async fn fill_cart(ctx: &Ctx, run: &mut Run, steps: CartSteps, lines: &[&str]) -> Result<(CartId, String), Abort> {
    let create = ctx.http.post(ctx.url("/api/v1/carts")).json(&json!({ "shipping_method": "standard" }));
    let cart: CartView = run.step(steps.create, load::json(create)).await?;
    let lines_url = ctx.url(&format!("/api/v1/carts/{}/lines", cart.id));
    for sku in lines {
        let add = ctx.http.post(&lines_url).json(&NewCartLine { sku: (*sku).to_owned(), quantity: 1 });
        run.step(steps.add_line, load::json::<IgnoredAny>(add)).await?;
    }
    let read = ctx.http.get(ctx.url(&format!("/api/v1/carts/{}", cart.id)));
    let signature = run
        .step(steps.read, async {
            let cart: CartView = load::json(read).await?;
            cart.quote.map(|q| q.signature).ok_or(StepError::Answer("cart without a quote"))
        })
        .await?;
    Ok((cart.id, signature))
}

/// Checks `cart` out as a guest with the approved test card, as step `step`.
pub async fn check_out(ctx: &Ctx, run: &mut Run, step: usize, cart: CartId, signature: String) -> Result<(), Abort> {
    let checkout = ctx
        .http
        .post(ctx.url("/api/v1/checkouts"))
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&checkout_body(cart, signature));
    run.step(step, load::json::<IgnoredAny>(checkout)).await?;
    Ok(())
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
        let lines = two_skus(&self.skus, &mut run.rng);
        let (cart, signature) = fill_cart(ctx, run, OWN_STEPS, &lines).await?;
        check_out(ctx, run, CHECKOUT, cart, signature).await
    }
}

#[cfg(test)]
mod tests {
    use super::two_skus;

    #[test]
    fn two_different_skus_are_picked() {
        let skus = vec!["A".to_owned(), "B".to_owned()];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100 {
            let [a, b] = two_skus(&skus, &mut rng);
            assert_ne!(a, b);
        }
    }
}
