//! Item-to-item co-occurrence: how often two products appear in the same set (a basket, a
//! visitor's session), scored so that popular products do not win by being everywhere.
//!
//! The score of `j` for `i` is the cosine of their occurrence vectors,
//! `c(i,j) / sqrt(n(i) · n(j))`, where `c` counts the sets holding both and `n` the sets
//! holding each. A pair counts only from [`MIN_SUPPORT`] sets on: one shared basket is
//! chance, two are a pattern. Updated incrementally, one set at a time.

use std::collections::HashMap;

use super::Item;
use super::content::top;

/// Fewest sets a pair must share to be recommended.
pub const MIN_SUPPORT: u32 = 2;
/// Items of a set beyond this are ignored (a huge basket would add its size squared pairs
/// and says little about any one pair).
pub const MAX_SET: usize = 50;

/// Pair and item counts.
#[derive(Clone, Debug, Default)]
pub struct CoOccurrence {
    pairs: HashMap<Item, HashMap<Item, u32>>,
    counts: HashMap<Item, u32>,
    pair_count: usize,
}

impl CoOccurrence {
    /// Counts one set of items (duplicates ignored).
    pub fn add_set(&mut self, items: &[Item]) {
        let mut distinct: Vec<Item> = Vec::with_capacity(items.len().min(MAX_SET));
        for &item in items {
            if !distinct.contains(&item) {
                distinct.push(item);
                if distinct.len() == MAX_SET {
                    break;
                }
            }
        }
        for (i, &a) in distinct.iter().enumerate() {
            self.occur(a);
            for &b in &distinct[i + 1..] {
                self.pair(a, b);
            }
        }
    }

    /// Counts one more set holding `item`.
    pub fn occur(&mut self, item: Item) {
        *self.counts.entry(item).or_default() += 1;
    }

    /// Counts one more set holding both `a` and `b` (each direction).
    pub fn pair(&mut self, a: Item, b: Item) {
        if a == b {
            return;
        }
        for (x, y) in [(a, b), (b, a)] {
            let count = self.pairs.entry(x).or_default().entry(y).or_default();
            if *count == 0 {
                self.pair_count += 1;
            }
            *count += 1;
        }
    }

    /// The sets holding `item`.
    pub fn count(&self, item: Item) -> u32 {
        self.counts.get(&item).copied().unwrap_or(0)
    }

    /// The sets holding both.
    pub fn together(&self, a: Item, b: Item) -> u32 {
        self.pairs.get(&a).and_then(|m| m.get(&b)).copied().unwrap_or(0)
    }

    /// Distinct ordered pairs counted (each unordered pair twice).
    pub fn pair_count(&self) -> usize {
        self.pair_count
    }

    /// Up to `k` items scored for `item`, best first (ties by item), each shared in at least
    /// `min_support` sets and accepted by `keep`.
    pub fn neighbours(&self, item: Item, min_support: u32, k: usize, keep: impl Fn(Item) -> bool) -> Vec<(Item, f32)> {
        let Some(row) = self.pairs.get(&item) else { return Vec::new() };
        let own = self.count(item).max(1) as f32;
        let mut scored: Vec<(Item, f32)> = row
            .iter()
            .filter(|&(&other, &together)| together >= min_support && other != item && keep(other))
            .map(|(&other, &together)| {
                let other_count = self.count(other).max(1) as f32;
                (other, together as f32 / (own * other_count).sqrt())
            })
            .collect();
        top(&mut scored, k);
        scored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_need_support_and_are_scored_by_cosine() {
        let mut co = CoOccurrence::default();
        // 1 and 2 go together; 9 is in every basket (popular), 3 once with 1.
        for _ in 0..3 {
            co.add_set(&[1, 2, 9]);
        }
        for _ in 0..20 {
            co.add_set(&[9, 5]);
        }
        co.add_set(&[1, 3, 1]);
        assert_eq!(co.together(1, 2), 3);
        assert_eq!(co.together(2, 1), 3);
        assert_eq!(co.count(1), 4);
        let n = co.neighbours(1, MIN_SUPPORT, 10, |_| true);
        let items: Vec<Item> = n.iter().map(|&(i, _)| i).collect();
        assert_eq!(items, [2, 9], "the popular item ranks below the true partner; 3 lacks support");
        assert!((n[0].1 - 3.0 / (4.0f32 * 3.0).sqrt()).abs() < 1e-6);
        assert_eq!(co.neighbours(1, 1, 10, |_| true).len(), 3);
        assert_eq!(co.neighbours(1, MIN_SUPPORT, 10, |i| i != 2), [(9, 3.0 / (4.0f32 * 23.0).sqrt())]);
        assert!(co.neighbours(42, 1, 10, |_| true).is_empty());
    }

    #[test]
    fn huge_sets_are_capped() {
        let mut co = CoOccurrence::default();
        let items: Vec<Item> = (0..500).collect();
        co.add_set(&items);
        assert_eq!(co.pair_count(), MAX_SET * (MAX_SET - 1));
        assert_eq!(co.count(499), 0);
    }
}
