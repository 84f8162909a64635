//! The shop as a shopper finds it through the public API, learnt once before a run: every
//! product (id, slug, name), the categories that have products, cursors into the product
//! listing, and, for scenarios that buy, the SKUs with stock to spare.

use anyhow::{Context as _, bail};
use contracts::catalog::CategoryList;
use contracts::inventory::AvailabilityList;
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::load::Ctx;

/// Fewest units a SKU must have available to be bought in a run.
pub const MIN_AVAILABLE: i64 = 20;
/// Most SKUs whose availability is checked before a run: at 100,000 products (over half a
/// million SKUs) checking all would take minutes, and a few thousand SKUs already spread the
/// purchases so thinly that no stock row is contended.
const MAX_CHECKED_SKUS: usize = 20_000;

/// A product as the run refers to it.
#[derive(Debug, Clone)]
pub struct ProductRef {
    /// Its id.
    pub id: String,
    /// Its slug.
    pub slug: String,
}

/// What was found.
#[derive(Debug, Default)]
pub struct Shop {
    /// Every active product.
    pub products: Vec<ProductRef>,
    /// Search queries: one or two consecutive words of a real product name (ASCII letters and
    /// digits only, so they need no encoding beyond the space).
    pub queries: Vec<String>,
    /// Slugs of the categories that list products.
    pub categories: Vec<String>,
    /// `after` cursors into the product listing (one every 100 products).
    pub cursors: Vec<String>,
    /// Every SKU.
    pub skus: Vec<String>,
}

/// The part of a product the preparation reads.
#[derive(Deserialize)]
struct Listed {
    id: String,
    slug: String,
    name: String,
    #[serde(default)]
    category: Option<ListedCategory>,
    variants: Vec<ListedVariant>,
}

#[derive(Deserialize)]
struct ListedCategory {
    slug: String,
}

#[derive(Deserialize)]
struct ListedVariant {
    sku: String,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Listed>,
    #[serde(default)]
    next: Option<String>,
}

impl Shop {
    /// Pages through the catalog's products and reads the categories.
    pub async fn discover(ctx: &Ctx) -> anyhow::Result<Shop> {
        let mut shop = Shop::default();
        let mut categories = std::collections::BTreeSet::new();
        let mut queries = std::collections::BTreeSet::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = ctx.url("/api/v1/products?limit=100");
            if let Some(cursor) = &after {
                url.push_str("&after=");
                url.push_str(cursor);
            }
            let page: Page = get(ctx, &url).await.context("listing the catalog's products")?;
            for product in page.data {
                if let Some(category) = product.category {
                    categories.insert(category.slug);
                }
                queries.extend(queries_of(&product.name));
                shop.skus.extend(product.variants.into_iter().map(|v| v.sku));
                shop.products.push(ProductRef { id: product.id, slug: product.slug });
            }
            if shop.products.len() % 10_000 == 0 && !shop.products.is_empty() {
                eprintln!("  {} products found …", shop.products.len());
            }
            match page.next {
                Some(next) => {
                    shop.cursors.push(next.clone());
                    after = Some(next);
                }
                None => break,
            }
        }
        if shop.products.is_empty() {
            bail!("the catalog has no products; load the demo catalog first (`mercato seed`)");
        }
        // The listed categories exist (a product's category may have been renamed since).
        let listed: CategoryList =
            get(ctx, &ctx.url("/api/v1/categories")).await.context("listing the catalog's categories")?;
        shop.categories = categories.into_iter().filter(|slug| listed.data.iter().any(|c| &c.slug == slug)).collect();
        shop.queries = queries.into_iter().collect();
        Ok(shop)
    }

    /// SKUs with at least [`MIN_AVAILABLE`] units available, among up to
    /// [`MAX_CHECKED_SKUS`] spread evenly over the catalog.
    pub async fn in_stock(&self, ctx: &Ctx) -> anyhow::Result<Vec<String>> {
        let step = self.skus.len().div_ceil(MAX_CHECKED_SKUS).max(1);
        let checked: Vec<&str> = self.skus.iter().step_by(step).map(String::as_str).collect();
        // Availability takes 100 SKUs per request; a few requests at a time.
        let in_stock: Vec<Vec<String>> = futures::stream::iter(checked.chunks(100))
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
                "found {} SKUs with at least {MIN_AVAILABLE} units available among {} products; \
                 load the demo catalog first (`mercato seed`)",
                skus.len(),
                self.products.len()
            );
        }
        eprintln!(
            "{} of {} SKUs checked have at least {MIN_AVAILABLE} units available ({} products).",
            skus.len(),
            checked.len(),
            self.products.len()
        );
        Ok(skus)
    }
}

/// Search queries made of `name`: each word, and each pair of consecutive words (lower case,
/// ASCII letters and digits, at least 3 characters).
fn queries_of(name: &str) -> Vec<String> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 3 && w.chars().any(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .collect();
    let pairs = words.windows(2).map(|pair| pair.join(" "));
    words.iter().cloned().chain(pairs).collect()
}

/// A GET that must answer 2xx with JSON.
pub async fn get<T: DeserializeOwned>(ctx: &Ctx, url: &str) -> anyhow::Result<T> {
    let response = ctx.http.get(url).send().await.with_context(|| format!("GET {url}"))?;
    let response = response.error_for_status().with_context(|| format!("GET {url}"))?;
    response.json().await.with_context(|| format!("GET {url}: unexpected answer"))
}

/// A random element of `items` (which must not be empty).
pub fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

#[cfg(test)]
mod tests {
    use super::queries_of;

    #[test]
    fn queries_are_words_and_pairs_of_a_name() {
        assert_eq!(
            queries_of("Nordvik Linen Shirt – Navy"),
            ["nordvik", "linen", "shirt", "navy", "nordvik linen", "linen shirt", "shirt navy"]
        );
        assert_eq!(queries_of("A 2 Go"), Vec::<String>::new(), "too short, or no letters");
        assert_eq!(queries_of("Café Crème 250g"), ["caf", "250g", "caf 250g"], "ASCII parts only");
    }
}
