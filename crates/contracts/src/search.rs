//! The search service's published language: the answer of `GET /v1/search` (a page of hits,
//! facet counts over the whole result, the total and a cursor) and the report of
//! `POST /v1/search/rebuild`. Search publishes no events: it is a read model of catalog's,
//! pricing's and inventory's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::ProductId;
use crate::money::Money;

/// How results are ordered. Ties are broken by name, then product id, so the order is total
/// and cursors are stable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Best match first (the default). Without `q` every product matches equally: by name.
    #[default]
    Relevance,
    /// Cheapest first, in the requested currency; products without a price last.
    PriceAsc,
    /// Most expensive first; products without a price last.
    PriceDesc,
    /// By name, A to Z.
    Name,
}

impl SearchSort {
    /// Every order, as named in the query string.
    pub const ALL: [SearchSort; 4] = [Self::Relevance, Self::PriceAsc, Self::PriceDesc, Self::Name];

    /// The name in the query string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::PriceAsc => "price_asc",
            Self::PriceDesc => "price_desc",
            Self::Name => "name",
        }
    }

    /// Parses the name in the query string.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The category a hit is listed under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HitCategory {
    /// Slug (what the `category` filter takes).
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// One product that matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    /// The product.
    pub product_id: ProductId,
    /// Its slug (the product page).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Its category, if any.
    pub category: Option<HitCategory>,
    /// The lowest list price of any of its SKUs in the requested currency (a "from" price;
    /// the cart's quote is authoritative), or `null` when none is known.
    pub price: Option<Money>,
    /// Whether any of its SKUs is available at any location.
    pub in_stock: bool,
    /// Relevance; only comparable within one result.
    pub score: f32,
}

/// How many results have one facet value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FacetCount {
    /// The value, as the matching filter takes it (a category slug, an attribute value).
    pub value: String,
    /// A display name, where it differs from the value (a category's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Results with the value.
    pub count: u64,
}

/// How many results have a price in one fixed range of the requested currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriceBucket {
    /// The range in major units, `"25-50"`; the last is open, `"200-"`.
    pub range: String,
    /// Lower bound in minor units, inclusive (what `price_min` takes).
    pub min: i64,
    /// Upper bound in minor units, exclusive; absent for the last bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Results priced in the range.
    pub count: u64,
}

/// How many results are in stock and how many are not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityCounts {
    /// Results with a SKU available somewhere.
    pub in_stock: u64,
    /// Results without.
    pub out_of_stock: u64,
}

/// Facet counts over the whole result, not just the page. Each facet is counted with every
/// filter applied except its own (so a shopper sees the alternatives to what they picked).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SearchFacets {
    /// By category slug, most results first.
    pub category: Vec<FacetCount>,
    /// By attribute name (lower-case), then value, most results first (up to 50 values).
    pub attributes: BTreeMap<String, Vec<FacetCount>>,
    /// By fixed price range in the requested currency.
    pub price: Vec<PriceBucket>,
    /// In stock or not.
    pub availability: AvailabilityCounts,
}

/// The answer of `GET /v1/search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    /// One page of hits.
    pub data: Vec<SearchHit>,
    /// Counts over all results.
    pub facets: SearchFacets,
    /// How many products match, over all pages.
    pub total: u64,
    /// Cursor of the next page (`after=`); absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The answer of `POST /v1/search/rebuild`: what the new index was built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RebuildReport {
    /// Products in the index (the read model's products that are not archived).
    pub indexed: u64,
    /// Archived products, kept in the read model but not searchable.
    pub archived: u64,
    /// SKUs of all products.
    pub skus: u64,
    /// Prices (one per SKU and price list).
    pub prices: u64,
    /// Stock records (one per SKU and location).
    pub stock_records: u64,
    /// How long the rebuild took.
    pub took_ms: u64,
}
