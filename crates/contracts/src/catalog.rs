//! The catalog service's published language: products, variants, categories, and the
//! `product.*` events, which carry a full snapshot so consumers never call back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::EventType;
use crate::ids::{CategoryId, ProductId, Sku, VariantId};

/// Whether a product is for sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Listed and sellable.
    Active,
    /// Withdrawn; kept for orders that reference it.
    Archived,
}

/// A product with its variants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// URL-friendly unique name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Long description (plain text).
    pub description: String,
    /// Brand, if any.
    #[serde(default)]
    pub brand: Option<String>,
    /// The category it is listed under.
    #[serde(default)]
    pub category: Option<CategorySummary>,
    /// Product-level attributes (`material`, `origin`, …).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Images and other media, by reference.
    #[serde(default)]
    pub media: Vec<Media>,
    /// The sellable variants, one per SKU.
    pub variants: Vec<Variant>,
    /// Lifecycle status.
    pub status: ProductStatus,
    /// Increases with every change; the ETag is `"<version>"`.
    pub version: i64,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// One sellable variant of a product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Variant {
    /// Id.
    pub id: VariantId,
    /// Stock keeping unit; unique across the catalog.
    pub sku: Sku,
    /// Display name (`Black / M`).
    pub name: String,
    /// What distinguishes it (`color`, `size`, …).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// A reference to an image or other media.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// Absolute `https://` URL or a path on the storefront.
    pub url: String,
    /// Alternative text for accessibility.
    pub alt: String,
}

/// A category as embedded in a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CategorySummary {
    /// Id.
    pub id: CategoryId,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// URL-friendly unique name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Parent category, for a tree.
    #[serde(default)]
    pub parent: Option<CategoryId>,
}

/// Body of `POST /v1/products`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    /// Slug; derived from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Display name, 1–200 characters.
    pub name: String,
    /// Description, up to 5,000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// Brand.
    #[serde(default)]
    pub brand: Option<String>,
    /// Category slug or id.
    #[serde(default)]
    pub category: Option<String>,
    /// Product attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Media references.
    #[serde(default)]
    pub media: Vec<Media>,
    /// Variants, 1 to 100.
    pub variants: Vec<NewVariant>,
}

/// A variant in a create request.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariant {
    /// SKU, unique across the catalog.
    pub sku: String,
    /// Display name; derived from the attributes when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Variant attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// Body of `PATCH /v1/products/{id}`: only the fields present change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    /// New slug.
    #[serde(default)]
    pub slug: Option<String>,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New brand.
    #[serde(default)]
    pub brand: Option<String>,
    /// New category (slug or id).
    #[serde(default)]
    pub category: Option<String>,
    /// Replaces all product attributes.
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, String>>,
    /// Replaces all media.
    #[serde(default)]
    pub media: Option<Vec<Media>>,
}

/// Body of `POST /v1/categories`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    /// Slug; derived from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Display name.
    pub name: String,
    /// Parent category slug or id.
    #[serde(default)]
    pub parent: Option<String>,
}

/// A page of products.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ProductList {
    /// The products.
    pub data: Vec<Product>,
    /// Cursor for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// All categories.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryList {
    /// The categories, parents before children.
    pub data: Vec<Category>,
}

/// `product.created`: a product was added, with its full snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductCreated {
    /// The product as created.
    pub product: Product,
}

/// `product.updated`: a product or its variants changed, with the full new snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductUpdated {
    /// The product after the change.
    pub product: Product,
}

/// `product.archived`: a product was withdrawn from sale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductArchived {
    /// The product as archived.
    pub product: Product,
}

impl EventType for ProductCreated {
    const TYPE: &'static str = "product.created";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.product.id.to_string()
    }
}

impl EventType for ProductUpdated {
    const TYPE: &'static str = "product.updated";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.product.id.to_string()
    }
}

impl EventType for ProductArchived {
    const TYPE: &'static str = "product.archived";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.product.id.to_string()
    }
}
