//! W2, browse: a shopper looks around without opening a product. One flow is four requests:
//! the category menu (`GET /api/v1/categories`), a category's listing through search (a random
//! category with products, in a random order, with its facets), a text search of one or two
//! words taken from a real product name (within a category one time in three), and a page of
//! the catalog's own product listing at a random position (`/api/v1/products?after=`).

use serde::de::IgnoredAny;
use serde_json::json;

use super::load::{self, Abort, Ctx, Run, Scenario};
use super::shop::{Shop, pick};

const STEPS: &[&str] = &["categories", "category listing", "text search", "products page"];

/// Hits per page, as a shop grid shows them.
const PAGE_SIZE: usize = 24;
/// The orders a category listing is shown in.
const SORTS: &[&str] = &["relevance", "price_asc", "price_desc", "name"];

/// The prepared scenario.
pub struct Browse {
    shop: Shop,
}

/// The step indexes of the four browse requests, in a scenario's list of steps.
#[derive(Debug, Clone, Copy)]
pub struct BrowseSteps {
    /// `GET /api/v1/categories`.
    pub categories: usize,
    /// `GET /api/v1/search?category=…`.
    pub category_listing: usize,
    /// `GET /api/v1/search?q=…`.
    pub text_search: usize,
    /// `GET /api/v1/products?after=…`.
    pub products_page: usize,
}

const OWN_STEPS: BrowseSteps = BrowseSteps { categories: 0, category_listing: 1, text_search: 2, products_page: 3 };

impl Browse {
    /// Finds the categories, words and listing positions.
    pub async fn prepare(ctx: &Ctx) -> anyhow::Result<Browse> {
        let shop = Shop::discover(ctx).await?;
        check(&shop)?;
        eprintln!(
            "{} categories, {} search queries from product names, {} listing pages.",
            shop.categories.len(),
            shop.queries.len(),
            shop.cursors.len() + 1
        );
        Ok(Browse { shop })
    }
}

/// Whether `shop` has what browsing needs.
pub fn check(shop: &Shop) -> anyhow::Result<()> {
    if shop.categories.is_empty() || shop.queries.is_empty() {
        anyhow::bail!(
            "no product is in a category or has a name to search for; load the demo catalog (`mercato seed`)"
        );
    }
    Ok(())
}

/// `GET /api/v1/categories`.
pub async fn categories(ctx: &Ctx, run: &mut Run, step: usize) -> Result<(), Abort> {
    let request = ctx.http.get(ctx.url("/api/v1/categories"));
    run.step(step, load::json::<IgnoredAny>(request)).await?;
    Ok(())
}

/// A random category's first page through search, in a random order.
pub async fn category_listing(shop: &Shop, ctx: &Ctx, run: &mut Run, step: usize) -> Result<(), Abort> {
    let category = pick(&mut run.rng, &shop.categories);
    let sort = pick(&mut run.rng, SORTS);
    let url = ctx.url(&format!("/api/v1/search?category={category}&sort={sort}&limit={PAGE_SIZE}"));
    run.step(step, load::json::<IgnoredAny>(ctx.http.get(url))).await?;
    Ok(())
}

/// A search for words of a real product name, within a random category one time in three.
pub async fn text_search(shop: &Shop, ctx: &Ctx, run: &mut Run, step: usize) -> Result<(), Abort> {
    let query = pick(&mut run.rng, &shop.queries).replace(' ', "%20");
    let mut path = format!("/api/v1/search?q={query}&limit={PAGE_SIZE}");
    if run.rng.u8(..3) == 0 {
        let category = pick(&mut run.rng, &shop.categories);
        path.push_str("&category=");
        path.push_str(category);
    }
    run.step(step, load::json::<IgnoredAny>(ctx.http.get(ctx.url(&path)))).await?;
    Ok(())
}

/// A page of the catalog's product listing at a random position.
pub async fn products_page(shop: &Shop, ctx: &Ctx, run: &mut Run, step: usize) -> Result<(), Abort> {
    // Position 0 is the first page (no cursor).
    let position = run.rng.usize(..=shop.cursors.len());
    let mut path = format!("/api/v1/products?limit={PAGE_SIZE}");
    if let Some(cursor) = position.checked_sub(1).map(|i| &shop.cursors[i]) {
        path.push_str("&after=");
        path.push_str(cursor);
    }
    run.step(step, load::json::<IgnoredAny>(ctx.http.get(ctx.url(&path)))).await?;
    Ok(())
}

/// One of the four requests, at random (a browse click in `mix`).
pub async fn one(shop: &Shop, ctx: &Ctx, run: &mut Run, steps: BrowseSteps) -> Result<(), Abort> {
    match run.rng.u8(..4) {
        0 => categories(ctx, run, steps.categories).await,
        1 => category_listing(shop, ctx, run, steps.category_listing).await,
        2 => text_search(shop, ctx, run, steps.text_search).await,
        _ => products_page(shop, ctx, run, steps.products_page).await,
    }
}

impl Scenario for Browse {
    fn name(&self) -> &'static str {
        "browse (W2)"
    }

    fn steps(&self) -> &'static [&'static str] {
        STEPS
    }

    fn unit(&self) -> &'static str {
        "browse flows"
    }

    fn setup(&self) -> serde_json::Value {
        json!({
            "products": self.shop.products.len(),
            "categories": self.shop.categories.len(),
            "queries": self.shop.queries.len(),
            "listing_pages": self.shop.cursors.len() + 1,
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} products in {} categories, {} queries from their names",
            self.shop.products.len(),
            self.shop.categories.len(),
            self.shop.queries.len()
        )
    }

    async fn flow(&self, ctx: &Ctx, run: &mut Run) -> Result<(), Abort> {
        let s = OWN_STEPS;
        categories(ctx, run, s.categories).await?;
        category_listing(&self.shop, ctx, run, s.category_listing).await?;
        text_search(&self.shop, ctx, run, s.text_search).await?;
        products_page(&self.shop, ctx, run, s.products_page).await
    }
}
