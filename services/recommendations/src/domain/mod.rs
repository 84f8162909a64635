//! What recommendations knows and how it recommends, without IO.
//!
//! - [`ProductRecord`], [`Basket`], [`View`]: what the models learn from, as the read model
//!   holds it; [`Visitor`]: the storefront's opaque visitor id, validated.
//! - [`catalog`]: products by a dense [`Item`] number, SKU → product.
//! - The models: [`cooccurrence`] (item-to-item counts with a cosine score; bought together),
//!   [`coview`] (viewed by the same visitor close in time), [`content`] (TF-IDF over the
//!   product's words, candidates from an inverted index), [`popularity`] (recent purchases),
//!   [`history`] (a customer's purchases and views).
//! - [`model`]: all of them together, kept in step with changes; answers a request.
//! - [`evaluation`]: offline evaluation on a time split of the baskets.
//! - [`request`]: the query strings, validated.

pub mod catalog;
pub mod content;
pub mod cooccurrence;
pub mod coview;
pub mod evaluation;
pub mod history;
pub mod model;
pub mod popularity;
pub mod request;
pub mod text;

use contracts::catalog::{Product, ProductStatus};
use contracts::ids::{CustomerId, OrderId, ProductId, Sku};

/// A product's number in the model's tables: dense, assigned in the order products arrive,
/// never reused within one model.
pub type Item = u32;

/// Why a product is recommended: the `reason` of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Bought in the same orders.
    BoughtTogether,
    /// Viewed by the same visitors close in time.
    AlsoViewed,
    /// Described in similar words.
    Similar,
    /// From the customer's own history.
    ForYou,
    /// Bought often lately.
    Popular,
}

impl Reason {
    /// The reason as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BoughtTogether => "bought_together",
            Reason::AlsoViewed => "also_viewed",
            Reason::Similar => "similar",
            Reason::ForYou => "for_you",
            Reason::Popular => "popular",
        }
    }
}

/// What recommendations keeps of a catalog snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductRecord {
    /// Catalog's id.
    pub id: ProductId,
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category name.
    pub category: Option<String>,
    /// Attribute values of the product and its variants, each once.
    pub attributes: Vec<String>,
    /// Its SKUs.
    pub skus: Vec<Sku>,
    /// Withdrawn from sale: never recommended.
    pub archived: bool,
    /// Catalog's version of the snapshot.
    pub version: i64,
}

impl ProductRecord {
    /// The record of catalog's snapshot (`archived` for `product.archived`, or a snapshot
    /// whose status says so).
    pub fn from_snapshot(product: &Product, archived: bool) -> Self {
        let mut attributes: Vec<String> = Vec::new();
        let values = product.attributes.values().chain(product.variants.iter().flat_map(|v| v.attributes.values()));
        for value in values {
            let value = value.trim();
            if !value.is_empty() && !attributes.iter().any(|a| a.eq_ignore_ascii_case(value)) {
                attributes.push(value.to_owned());
            }
        }
        Self {
            id: product.id.clone(),
            slug: product.slug.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            category: product.category.as_ref().map(|c| c.name.clone()),
            attributes,
            skus: product.variants.iter().map(|v| v.sku.clone()).collect(),
            archived: archived || product.status == ProductStatus::Archived,
            version: product.version,
        }
    }
}

/// An order as a basket: who bought which SKUs, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Basket {
    /// The order.
    pub order_id: OrderId,
    /// The customer; `None` for a guest order.
    pub customer_id: Option<CustomerId>,
    /// When the order was placed (unix seconds).
    pub placed_at: i64,
    /// The SKUs bought, each once, with their quantities.
    pub lines: Vec<(Sku, i64)>,
}

/// One product page shown to a visitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// Who (the storefront's visitor id).
    pub visitor: Visitor,
    /// The signed-in customer, if any.
    pub customer_id: Option<CustomerId>,
    /// The product shown.
    pub product_id: ProductId,
    /// When (unix seconds).
    pub at: i64,
}

/// The storefront's opaque visitor id: 1 to 64 visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Visitor(String);

/// Longest visitor id, in characters.
pub const MAX_VISITOR_CHARS: usize = 64;

impl Visitor {
    /// Validates a visitor id; the error is the message for the caller.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() || raw.len() > MAX_VISITOR_CHARS {
            return Err(format!("must be 1 to {MAX_VISITOR_CHARS} characters"));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be visible ASCII characters (no spaces or control characters)".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use contracts::catalog::Variant;
    use contracts::ids::VariantId;

    use super::*;

    #[test]
    fn visitor_ids_are_short_visible_ascii() {
        assert!(Visitor::parse("v_0193a4c1-e7d2").is_ok());
        assert!(Visitor::parse(&"a".repeat(64)).is_ok());
        assert!(Visitor::parse(&"a".repeat(65)).is_err());
        assert!(Visitor::parse("").is_err());
        assert!(Visitor::parse("two words").is_err());
        assert!(Visitor::parse("tab\there").is_err());
        assert!(Visitor::parse("café").is_err());
    }

    #[test]
    fn a_record_keeps_every_attribute_value_once() {
        let attrs = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        let variant = |sku: &str, pairs: &[(&str, &str)]| Variant {
            id: VariantId::generate(),
            sku: Sku::parse(sku).expect("sku"),
            name: sku.into(),
            attributes: attrs(pairs),
        };
        let product = Product {
            id: ProductId::generate(),
            slug: "linen-shirt".into(),
            name: "Linen Shirt".into(),
            description: "Breezy.".into(),
            brand: None,
            category: None,
            attributes: attrs(&[("material", "Linen")]),
            media: Vec::new(),
            variants: vec![
                variant("LS-W-M", &[("color", "White"), ("size", "M")]),
                variant("LS-W-L", &[("color", "white"), ("size", "L"), ("fit", " ")]),
            ],
            status: ProductStatus::Active,
            version: 3,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let record = ProductRecord::from_snapshot(&product, false);
        assert_eq!(record.attributes, ["Linen", "White", "M", "L"]);
        assert_eq!(record.skus.len(), 2);
        assert!(!record.archived);
        assert!(ProductRecord::from_snapshot(&product, true).archived);
    }
}
