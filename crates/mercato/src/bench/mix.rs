//! `mix`: a shop's blend of traffic. Each flow is, at random, one of:
//!
//! - 90 % **browse**: a product page (W1) half of the time, otherwise one W2 request (the
//!   category menu, a category listing, a text search or a listing page);
//! - 8 % **cart**: a guest creates a cart, adds one or two in-stock SKUs, and reads it back
//!   with its quote (and leaves);
//! - 2 % **checkout**: the whole W3 flow.
//!
//! Every request type is its own step row, and each kind of flow its own flow row, so a slow
//! checkout is visible even though it is one flow in fifty. The cart steps count requests of
//! both the cart and the checkout flows.

use serde_json::json;

use super::browse::{self, BrowseSteps};
use super::checkout::{self, CartSteps};
use super::load::{Abort, Ctx, Run, Scenario};
use super::product_page;
use super::shop::{MIN_AVAILABLE, Shop};

const STEPS: &[&str] = &[
    "product page",
    "categories",
    "category listing",
    "text search",
    "products page",
    "cart create",
    "add line",
    "read cart",
    "checkout",
];
const PAGE: usize = 0;
const BROWSE: BrowseSteps = BrowseSteps { categories: 1, category_listing: 2, text_search: 3, products_page: 4 };
const CART: CartSteps = CartSteps { create: 5, add_line: 6, read: 7 };
const CHECKOUT: usize = 8;

const KINDS: &[&str] = &["browse", "cart", "checkout"];

/// Per mille of flows that browse, and that fill a cart without buying; the rest check out.
const BROWSE_PER_MILLE: u32 = 900;
const CART_PER_MILLE: u32 = 80;

/// A kind of flow, as indexed in [`KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Browse = 0,
    Cart = 1,
    Checkout = 2,
}

/// The kind of flow of a roll in `0..1000`.
fn kind_of(roll: u32) -> Kind {
    if roll < BROWSE_PER_MILLE {
        Kind::Browse
    } else if roll < BROWSE_PER_MILLE + CART_PER_MILLE {
        Kind::Cart
    } else {
        Kind::Checkout
    }
}

/// The prepared scenario.
pub struct Mix {
    shop: Shop,
    in_stock: Vec<String>,
}

impl Mix {
    /// Finds products, categories, queries and in-stock SKUs.
    pub async fn prepare(ctx: &Ctx) -> anyhow::Result<Mix> {
        let shop = Shop::discover(ctx).await?;
        browse::check(&shop)?;
        let in_stock = shop.in_stock(ctx).await?;
        Ok(Mix { shop, in_stock })
    }
}

impl Scenario for Mix {
    fn name(&self) -> &'static str {
        "mix"
    }

    fn steps(&self) -> &'static [&'static str] {
        STEPS
    }

    fn kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    fn unit(&self) -> &'static str {
        "flows"
    }

    fn setup(&self) -> serde_json::Value {
        json!({
            "products": self.shop.products.len(),
            "categories": self.shop.categories.len(),
            "queries": self.shop.queries.len(),
            "skus": self.in_stock.len(),
            "min_available": MIN_AVAILABLE,
            "per_mille": { "browse": BROWSE_PER_MILLE, "cart": CART_PER_MILLE,
                           "checkout": 1000 - BROWSE_PER_MILLE - CART_PER_MILLE },
        })
    }

    fn describe(&self) -> String {
        format!(
            "90 % browse, 8 % cart, 2 % checkout over {} products, {} in-stock SKUs",
            self.shop.products.len(),
            self.in_stock.len()
        )
    }

    async fn flow(&self, ctx: &Ctx, run: &mut Run) -> Result<(), Abort> {
        let kind = kind_of(run.rng.u32(..1000));
        run.kind(kind as usize);
        match kind {
            Kind::Browse if run.rng.bool() => product_page::view(&self.shop, ctx, run, PAGE).await,
            Kind::Browse => browse::one(&self.shop, ctx, run, BROWSE).await,
            Kind::Cart => {
                let [first, second] = checkout::two_skus(&self.in_stock, &mut run.rng);
                let lines: &[&str] = if run.rng.bool() { &[first] } else { &[first, second] };
                checkout::fill_cart(ctx, run, CART, lines).await.map(drop)
            }
            Kind::Checkout => {
                let lines = checkout::two_skus(&self.in_stock, &mut run.rng);
                let (cart, signature) = checkout::fill_cart(ctx, run, CART, &lines).await?;
                checkout::check_out(ctx, run, CHECKOUT, cart, signature).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{KINDS, Kind, STEPS, kind_of};

    #[test]
    fn the_blend_is_90_8_2() {
        let mut counts = [0; 3];
        for roll in 0..1000 {
            counts[kind_of(roll) as usize] += 1;
        }
        assert_eq!(counts, [900, 80, 20]);
        assert_eq!(KINDS[Kind::Checkout as usize], "checkout");
    }

    #[test]
    fn step_indexes_name_the_right_rows() {
        assert_eq!(STEPS[super::PAGE], "product page");
        assert_eq!(STEPS[super::BROWSE.categories], "categories");
        assert_eq!(STEPS[super::BROWSE.category_listing], "category listing");
        assert_eq!(STEPS[super::BROWSE.text_search], "text search");
        assert_eq!(STEPS[super::BROWSE.products_page], "products page");
        assert_eq!(STEPS[super::CART.create], "cart create");
        assert_eq!(STEPS[super::CART.add_line], "add line");
        assert_eq!(STEPS[super::CART.read], "read cart");
        assert_eq!(STEPS[super::CHECKOUT], "checkout");
    }
}
