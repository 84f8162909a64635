//! The indexed products' records, by document key, in shards that are copied on write.
//!
//! Every published snapshot holds the records of its moment. Copying one map of every
//! record at each publish would cost O(catalog) per batch of changes (100,000 records at a
//! large shop, several times a second under checkout load); with shards, a snapshot shares
//! them all and a change copies only the shards it touches.

use std::sync::Arc;

use crate::domain::results::Candidate;
use crate::domain::{Facts, ProductDoc};

/// How many shards: a change copies about 1/64th of the records.
const SHARDS: usize = 64;

/// Keyed by our own sequence, so hashed with foldhash rather than SipHash, which showed as a
/// seventh of search's CPU under browsing at 100,000 products. A record's facts live in the
/// table itself: listing a category scans every entry and reads the record of a few.
type Shard = foldhash::HashMap<u64, (Facts, Arc<ProductDoc>)>;

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

    /// The record under `key`, as a candidate with relevance `score`.
    pub fn get(&self, key: u64, score: f32) -> Option<Candidate<'_>> {
        self.shards[Self::shard(key)].get(&key).map(|(facts, doc)| Candidate { doc, facts: *facts, score })
    }

    /// Every record, as a candidate with relevance `score`, in no particular order.
    pub fn all(&self, score: f32) -> impl Iterator<Item = Candidate<'_>> {
        self.shards.iter().flat_map(|shard| shard.values()).map(move |(facts, doc)| Candidate {
            doc,
            facts: *facts,
            score,
        })
    }

    /// Stores `doc` under `key`, copying its shard first if a snapshot shares it.
    pub fn insert(&mut self, key: u64, doc: Arc<ProductDoc>) {
        let record = (doc.facts(), doc);
        if Arc::make_mut(&mut self.shards[Self::shard(key)]).insert(key, record).is_none() {
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
            category_facet: None,
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
        let name = |docs: &ProductDocs, key| docs.get(key, 1.0).map(|c| c.doc.name.clone());
        assert_eq!(name(&docs, 7).as_deref(), Some("changed"));
        assert_eq!(name(&snapshot, 7).as_deref(), Some("p7"));
        assert!(name(&docs, 8).is_none() && name(&snapshot, 8).is_some());
        assert!(name(&snapshot, 201).is_none());
        assert_eq!(docs.all(1.0).filter(|c| c.doc.name == "new" || c.doc.name == "changed").count(), 2);
        assert_eq!(snapshot.all(1.0).count(), 200);
        // Untouched shards are shared, not copied.
        let shared = (0..SHARDS).filter(|&i| Arc::ptr_eq(&docs.shards[i], &snapshot.shards[i])).count();
        assert_eq!(shared, SHARDS - 3);
        docs.remove(8);
        assert_eq!(docs.len(), 200);
    }
}
