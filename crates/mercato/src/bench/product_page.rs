//! W1, product page: shoppers open the gateway's composed product page
//! (`GET /api/v1/product-pages/{id-or-slug}`: catalog, then pricing, inventory and
//! recommendations in parallel) of products picked uniformly at random from the whole
//! catalog, by slug or by id as links would carry either.
//!
//! A page the gateway had to compose without a part still answers 200; the part left out is
//! noted (`degraded: pricing`) rather than counted as an error, since the shopper got a page.
//! Recommendations are left out on a platform that does not run them.

use serde_json::json;

use super::load::{self, Abort, Ctx, Run, Scenario, StepError};
use super::shop::{Shop, pick};

const STEPS: &[&str] = &["product page"];
const PAGE: usize = 0;

/// The prepared scenario.
pub struct ProductPage {
    shop: Shop,
}

impl ProductPage {
    /// Finds the products.
    pub async fn prepare(ctx: &Ctx) -> anyhow::Result<ProductPage> {
        let shop = Shop::discover(ctx).await?;
        eprintln!("{} products to open.", shop.products.len());
        Ok(ProductPage { shop })
    }
}

/// Opens the page of a random product as step `step`, noting what it lacks.
pub async fn view(shop: &Shop, ctx: &Ctx, run: &mut Run, step: usize) -> Result<(), Abort> {
    let product = pick(&mut run.rng, &shop.products);
    let reference = if run.rng.bool() { &product.slug } else { &product.id };
    let request = ctx.http.get(ctx.url(&format!("/api/v1/product-pages/{reference}")));
    let degraded = run
        .step(step, async {
            let answer = load::fetch(request).await?;
            if answer.body.is_empty() {
                return Err(StepError::Answer("empty product page"));
            }
            Ok(answer.headers.get("x-mercato-degraded").and_then(|v| v.to_str().ok()).map(str::to_owned))
        })
        .await?;
    for part in degraded.iter().flat_map(|d| d.split(',')) {
        run.note(step, &format!("degraded: {part}"));
    }
    Ok(())
}

impl Scenario for ProductPage {
    fn name(&self) -> &'static str {
        "product-page (W1)"
    }

    fn steps(&self) -> &'static [&'static str] {
        STEPS
    }

    fn unit(&self) -> &'static str {
        "pages"
    }

    fn setup(&self) -> serde_json::Value {
        json!({ "products": self.shop.products.len() })
    }

    fn describe(&self) -> String {
        format!("random pages of {} products", self.shop.products.len())
    }

    async fn flow(&self, ctx: &Ctx, run: &mut Run) -> Result<(), Abort> {
        view(&self.shop, ctx, run, PAGE).await
    }
}
