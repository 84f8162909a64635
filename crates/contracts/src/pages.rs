//! Composed views the gateway serves for shop pages: one request for what a page shows,
//! gathered from the owning services with a deadline each. What an optional part could not
//! get in time is left out and named in `degraded`, so a page renders without it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::Product;
use crate::inventory::Availability;
use crate::pricing::SkuPrice;

/// A product recommended alongside another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Recommendation {
    /// The product.
    pub product_id: String,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Why (`bought_together`, `also_viewed`, `similar`, `for_you`).
    pub reason: String,
}

/// The answer of `GET /api/v1/product-pages/{id-or-slug}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductPage {
    /// The product, with its variants (from catalog).
    pub product: Product,
    /// The list price of each variant that has one (from pricing); empty when degraded.
    pub prices: Vec<SkuPrice>,
    /// Stock per variant and location (from inventory); `null` when unknown.
    pub availability: Option<Vec<Availability>>,
    /// Products to show with it (from recommendations); `null` when unavailable.
    pub recommendations: Option<Vec<Recommendation>>,
    /// The parts that could not be had in time: `pricing`, `inventory`, `recommendations`.
    pub degraded: Vec<String>,
}
