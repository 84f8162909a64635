//! The products the models know, each numbered by a dense [`Item`], and which product each
//! SKU belongs to.

use std::collections::HashMap;

use contracts::ids::{ProductId, Sku};

use super::{Item, ProductRecord};

/// What an answer shows of a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Catalog's id.
    pub id: ProductId,
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Withdrawn from sale: never recommended.
    pub archived: bool,
    skus: Vec<Sku>,
}

/// Products by item and by id; SKUs to items.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
    by_id: HashMap<ProductId, Item>,
    by_sku: HashMap<Sku, Item>,
}

impl Catalog {
    /// Adds or replaces a product; returns its item. A SKU that belonged to another product
    /// moves to this one.
    pub fn upsert(&mut self, record: &ProductRecord) -> Item {
        let item = match self.by_id.get(&record.id) {
            Some(&item) => item,
            None => {
                let item = Item::try_from(self.entries.len()).unwrap_or(Item::MAX);
                self.entries.push(Entry {
                    id: record.id.clone(),
                    slug: String::new(),
                    name: String::new(),
                    archived: true,
                    skus: Vec::new(),
                });
                self.by_id.insert(record.id.clone(), item);
                item
            }
        };
        let entry = &mut self.entries[item as usize];
        for sku in std::mem::take(&mut entry.skus) {
            if self.by_sku.get(&sku) == Some(&item) {
                self.by_sku.remove(&sku);
            }
        }
        entry.slug.clone_from(&record.slug);
        entry.name.clone_from(&record.name);
        entry.archived = record.archived;
        entry.skus.clone_from(&record.skus);
        for sku in &record.skus {
            self.by_sku.insert(sku.clone(), item);
        }
        item
    }

    /// The item of a product.
    pub fn item(&self, id: &ProductId) -> Option<Item> {
        self.by_id.get(id).copied()
    }

    /// The item a SKU belongs to.
    pub fn item_of_sku(&self, sku: &Sku) -> Option<Item> {
        self.by_sku.get(sku).copied()
    }

    /// The product of an item.
    pub fn entry(&self, item: Item) -> Option<&Entry> {
        self.entries.get(item as usize)
    }

    /// Whether the item may be recommended (known and not archived).
    pub fn listed(&self, item: Item) -> bool {
        self.entry(item).is_some_and(|e| !e.archived)
    }

    /// How many products are known (archived ones included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no product is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The distinct items of a basket's SKUs, in line order; unknown SKUs are skipped.
    pub fn items_of(&self, skus: impl IntoIterator<Item = Sku>) -> Vec<Item> {
        let mut items = Vec::new();
        for sku in skus {
            if let Some(item) = self.item_of_sku(&sku)
                && !items.contains(&item)
            {
                items.push(item);
            }
        }
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, skus: &[&str]) -> ProductRecord {
        ProductRecord {
            id: ProductId::generate(),
            slug: name.to_lowercase().replace(' ', "-"),
            name: name.into(),
            description: String::new(),
            category: None,
            attributes: Vec::new(),
            skus: skus.iter().map(|s| Sku::parse(s).expect("sku")).collect(),
            archived: false,
            version: 1,
        }
    }

    #[test]
    fn skus_follow_their_product() {
        let mut catalog = Catalog::default();
        let shirt = record("Shirt", &["SH-1", "SH-2"]);
        let a = catalog.upsert(&shirt);
        let mut trousers = record("Trousers", &["TR-1", "SH-2"]);
        let b = catalog.upsert(&trousers);
        assert_ne!(a, b);
        let sku = |s: &str| Sku::parse(s).expect("sku");
        assert_eq!(catalog.item_of_sku(&sku("SH-1")), Some(a));
        assert_eq!(catalog.item_of_sku(&sku("SH-2")), Some(b), "the SKU moved");
        trousers.skus = vec![sku("TR-1")];
        trousers.archived = true;
        assert_eq!(catalog.upsert(&trousers), b, "same product, same item");
        assert_eq!(catalog.item_of_sku(&sku("SH-2")), None);
        assert!(!catalog.listed(b));
        assert!(catalog.listed(a));
        assert_eq!(catalog.items_of([sku("SH-1"), sku("TR-1"), sku("SH-1"), sku("NOPE")]), [a, b]);
    }
}
