//! The indexed products' records, by document key, in shards that are copied on write.
//!
//! Every published snapshot holds the records of its moment. Copying one map of every
//! record at each publish would cost O(catalog) per batch of changes (100,000 records at a
//! large shop, several times a second under checkout load); with shards, a snapshot shares
//! them all and a change copies only the shards it touches.

use std::sync::Arc;

use crate::domain::ProductDoc;

/// How many shards: a change copies about 1/64th of the records.
const SHARDS: usize = 64;

/// Keyed by our own sequence, so hashed with foldhash rather than SipHash, which showed as a
/// seventh of search's CPU under browsing at 100,000 products.
type Shard = foldhash::HashMap<u64, Arc<ProductDoc>>;

/// Records by key; cloning shares every shard.
#[derive(Clone, Debug)]
pub struct ProductDocs {
    shards: Vec<Arc<Shard>>,
    len: usize,
}

impl Default for ProductDocs {
    fn default() -> Self {
        Self { shards: (0..SHARDS).map(|_| Arc::default()).collect(), len: 0 }
    }
}

impl ProductDocs {
    fn shard(key: u64) -> usize {
        // Keys are handed out in sequence, so the low bits spread them evenly.
        (key % SHARDS as u64) as usize
    }

    /// The record under `key`.
    pub fn get(&self, key: u64) -> Option<&Arc<ProductDoc>> {
        self.shards[Self::shard(key)].get(&key)
    }

    /// Stores `doc` under `key`, copying its shard first if a snapshot shares it.
    pub fn insert(&mut self, key: u64, doc: Arc<ProductDoc>) {
        if Arc::make_mut(&mut self.shards[Self::shard(key)]).insert(key, doc).is_none() {
            self.len += 1;
        }
    }

    /// Removes the record under `key`.
    pub fn remove(&mut self, key: u64) {
        let shard = &mut self.shards[Self::shard(key)];
        if shard.contains_key(&key) {
            Arc::make_mut(shard).remove(&key);
            self.len -= 1;
        }
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str) -> Arc<ProductDoc> {
        Arc::new(ProductDoc {
            id: contracts::ids::ProductId::generate(),
            slug: name.into(),
            name: name.into(),
            name_key: name.into(),
            category: None,
            category_key: None,
            attributes: std::collections::BTreeMap::new(),
            prices: std::collections::BTreeMap::new(),
            in_stock: true,
        })
    }

    #[test]
    fn a_clone_keeps_its_moment_while_the_original_changes() {
        let mut docs = ProductDocs::default();
        for key in 1..=200 {
            docs.insert(key, doc(&format!("p{key}")));
        }
        let snapshot = docs.clone();
        docs.insert(7, doc("changed"));
        docs.remove(8);
        docs.insert(201, doc("new"));
        assert_eq!((docs.len(), snapshot.len()), (200, 200));
        assert_eq!(docs.get(7).map(|d| d.name.as_str()), Some("changed"));
        assert_eq!(snapshot.get(7).map(|d| d.name.as_str()), Some("p7"));
        assert!(docs.get(8).is_none() && snapshot.get(8).is_some());
        assert!(snapshot.get(201).is_none());
        // Untouched shards are shared, not copied.
        let shared = (0..SHARDS).filter(|&i| Arc::ptr_eq(&docs.shards[i], &snapshot.shards[i])).count();
        assert_eq!(shared, SHARDS - 3);
        docs.remove(8);
        assert_eq!(docs.len(), 200);
    }
}
