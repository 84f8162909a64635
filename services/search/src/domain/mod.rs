//! What search knows about a product and the rules of a search, without IO.
//!
//! - [`IndexedProduct`]: a product as the read model holds it (catalog's snapshot, the lowest
//!   price per currency, total availability) — what the index is built from.
//! - [`ProductDoc`]: the part of it a search filters, counts and answers with, kept in memory
//!   beside the full-text index.
//! - [`request`]: the query string, validated; [`results`]: filters, facets, order and pages
//!   over the products the full-text part matched; [`cursor`]: the opaque `after` cursor.

pub mod cursor;
pub mod facet_ids;
pub mod request;
pub mod results;

use std::collections::BTreeMap;

use contracts::catalog::{Product, ProductStatus};
use contracts::ids::{ProductId, Sku};
use contracts::money::Currency;
use contracts::search::HitCategory;

use self::facet_ids::{FacetId, FacetIds};

/// A product as the read model holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexedProduct {
    /// Catalog's id.
    pub id: ProductId,
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Brand.
    pub brand: Option<String>,
    /// Category.
    pub category: Option<HitCategory>,
    /// Product-level attributes.
    pub attributes: BTreeMap<String, String>,
    /// The SKUs, in catalog's order.
    pub variants: Vec<IndexedVariant>,
    /// Withdrawn from sale: kept, not searchable.
    pub archived: bool,
    /// Catalog's version of the snapshot.
    pub version: i64,
    /// The lowest first-tier unit price of any SKU in each currency.
    pub prices: BTreeMap<Currency, i64>,
    /// Units available over all SKUs and locations.
    pub available: i64,
}

/// One SKU of an [`IndexedProduct`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedVariant {
    /// The SKU.
    pub sku: Sku,
    /// Display name (`Black / M`).
    pub name: String,
    /// What distinguishes it (`color`, `size`).
    pub attributes: BTreeMap<String, String>,
}

impl IndexedProduct {
    /// The read model's record of catalog's snapshot (`archived` for `product.archived`, or a
    /// snapshot whose status says so). Prices and stock come from other events.
    pub fn from_snapshot(product: &Product, archived: bool) -> Self {
        Self {
            id: product.id.clone(),
            slug: product.slug.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            brand: product.brand.clone().filter(|b| !b.trim().is_empty()),
            category: product.category.as_ref().map(|c| HitCategory { slug: c.slug.clone(), name: c.name.clone() }),
            attributes: product.attributes.clone(),
            variants: product
                .variants
                .iter()
                .map(|v| IndexedVariant { sku: v.sku.clone(), name: v.name.clone(), attributes: v.attributes.clone() })
                .collect(),
            archived: archived || product.status == ProductStatus::Archived,
            version: product.version,
            prices: BTreeMap::new(),
            available: 0,
        }
    }

    /// Every attribute of the product and its variants, by lower-case name, each value once
    /// (compared without case), in first-seen order.
    pub fn merged_attributes(&self) -> BTreeMap<String, Vec<String>> {
        let mut merged: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let all = self.attributes.iter().chain(self.variants.iter().flat_map(|v| v.attributes.iter()));
        for (name, value) in all {
            let (name, value) = (normalise(name), value.trim());
            if name.is_empty() || value.is_empty() {
                continue;
            }
            let values = merged.entry(name).or_default();
            if !values.iter().any(|v| v.to_lowercase() == value.to_lowercase()) {
                values.push(value.to_owned());
            }
        }
        merged
    }

    /// What a search filters, counts and shows of this product; its facet values are
    /// numbered by `ids`.
    pub fn doc(&self, ids: &mut FacetIds) -> ProductDoc {
        let category_key = self.category.as_ref().map(|c| c.slug.to_lowercase());
        ProductDoc {
            id: self.id.clone(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            name_key: self.name.to_lowercase(),
            category_facet: category_key.as_deref().map(|key| ids.category(key)),
            category_key,
            category: self.category.clone(),
            attributes: self
                .merged_attributes()
                .into_iter()
                .map(|(name, values)| {
                    let values = values.iter().map(|v| AttributeValue::new(&name, v, ids)).collect();
                    (name, values)
                })
                .collect(),
            prices: self.prices.clone(),
            in_stock: self.available > 0,
        }
    }
}

/// An attribute name as filters and facets use it: trimmed, lower-case.
pub fn normalise(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An attribute value as shown, lower-cased as filters compare it, and numbered as facets
/// count it (once, here, rather than for every product at every search).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeValue {
    /// As the product has it.
    pub shown: String,
    /// Lower-cased.
    pub key: String,
    /// Its number, unique to this value of this attribute (see [`FacetIds`]).
    pub facet: FacetId,
}

impl AttributeValue {
    /// `shown` of the attribute `name` (lower-case), its key and its number from `ids`.
    pub fn new(name: &str, shown: &str, ids: &mut FacetIds) -> Self {
        let key = shown.to_lowercase();
        Self { facet: ids.attribute(name, &key), shown: shown.to_owned(), key }
    }
}

/// A searchable product, as kept in memory beside the full-text index.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductDoc {
    /// Id.
    pub id: ProductId,
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The name lower-cased: the `name` order and the tie-breaker of the others.
    pub name_key: String,
    /// Category.
    pub category: Option<HitCategory>,
    /// The category's slug lower-cased, as filters compare it.
    pub category_key: Option<String>,
    /// The category's number, as facets count it.
    pub category_facet: Option<FacetId>,
    /// Attribute values by lower-case name (product and variant attributes together).
    pub attributes: BTreeMap<String, Vec<AttributeValue>>,
    /// Lowest unit price per currency.
    pub prices: BTreeMap<Currency, i64>,
    /// Whether any SKU is available anywhere.
    pub in_stock: bool,
}

impl ProductDoc {
    /// Its facts.
    pub fn facts(&self) -> Facts {
        Facts { category: self.category_facet, in_stock: self.in_stock }
    }
}

/// What a search reads of every product it scans, small enough to copy beside each match: a
/// category page of a large shop scans the whole catalog, and of the products it does not
/// list it needs only their category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    /// The category's number.
    pub category: Option<FacetId>,
    /// Whether any SKU is available anywhere.
    pub in_stock: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product() -> IndexedProduct {
        let attrs = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        IndexedProduct {
            id: ProductId::generate(),
            slug: "linen-shirt".into(),
            name: "Linen Shirt".into(),
            description: "Breezy.".into(),
            brand: None,
            category: None,
            attributes: attrs(&[("Material", "Linen")]),
            variants: vec![
                IndexedVariant {
                    sku: Sku::parse("LS-W-M").expect("sku"),
                    name: "White / M".into(),
                    attributes: attrs(&[("color", "White"), ("size", "M")]),
                },
                IndexedVariant {
                    sku: Sku::parse("LS-W-L").expect("sku"),
                    name: "White / L".into(),
                    attributes: attrs(&[("color", "white"), ("size", "L"), ("fit", " ")]),
                },
            ],
            archived: false,
            version: 1,
            prices: BTreeMap::new(),
            available: 0,
        }
    }

    #[test]
    fn attributes_merge_product_and_variants_by_lower_case_name_and_value() {
        let merged = product().merged_attributes();
        assert_eq!(merged["material"], vec!["Linen"]);
        assert_eq!(merged["color"], vec!["White"]);
        assert_eq!(merged["size"], vec!["M", "L"]);
        assert!(!merged.contains_key("fit"), "blank values are dropped");
    }

    #[test]
    fn stock_means_some_unit_available() {
        let mut p = product();
        let ids = &mut FacetIds::default();
        assert!(!p.doc(ids).in_stock);
        p.available = 1;
        assert!(p.doc(ids).in_stock);
    }
}
