//! Popularity: how many recent orders held each product, the baseline every model is
//! measured against and the last-resort filler of every answer.
//!
//! Orders count for [`WINDOW`] seconds after they were placed. The ranking is recomputed
//! after each batch of changes ([`Popularity::refresh`]), so answers only read it.

use std::collections::{HashMap, VecDeque};

use super::Item;

/// How long an order counts (seconds): 30 days.
pub const WINDOW: i64 = 30 * 24 * 3600;
/// Length of the ranking kept.
const RANKED: usize = 500;

/// Recent purchase counts and their ranking.
#[derive(Clone, Debug, Default)]
pub struct Popularity {
    counts: HashMap<Item, u32>,
    recent: VecDeque<(i64, Vec<Item>)>,
    ranked: Vec<Item>,
    dirty: bool,
}

impl Popularity {
    /// Counts an order placed at `at` holding `items` (distinct), unless it is already older
    /// than the window at `now`.
    pub fn add(&mut self, at: i64, items: &[Item], now: i64) {
        if at < now - WINDOW || items.is_empty() {
            return;
        }
        for &item in items {
            *self.counts.entry(item).or_default() += 1;
        }
        // Orders arrive roughly in time order; keep the queue sorted so expiry stays cheap.
        let position = self.recent.iter().rposition(|&(t, _)| t <= at).map_or(0, |i| i + 1);
        self.recent.insert(position, (at, items.to_vec()));
        self.dirty = true;
    }

    /// Forgets orders older than the window at `now`.
    pub fn expire(&mut self, now: i64) {
        while self.recent.front().is_some_and(|&(t, _)| t < now - WINDOW) {
            if let Some((_, items)) = self.recent.pop_front() {
                for item in items {
                    if let Some(count) = self.counts.get_mut(&item) {
                        *count -= 1;
                        if *count == 0 {
                            self.counts.remove(&item);
                        }
                    }
                }
                self.dirty = true;
            }
        }
    }

    /// Re-ranks after changes.
    pub fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        let mut ranked: Vec<(Item, u32)> = self.counts.iter().map(|(&i, &c)| (i, c)).collect();
        let order = |a: &(Item, u32), b: &(Item, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        if ranked.len() > RANKED {
            ranked.select_nth_unstable_by(RANKED - 1, order);
            ranked.truncate(RANKED);
        }
        ranked.sort_unstable_by(order);
        self.ranked = ranked.into_iter().map(|(i, _)| i).collect();
        self.dirty = false;
    }

    /// The most bought items, most first (ties by item), as of the last refresh.
    pub fn ranked(&self) -> &[Item] {
        &self.ranked
    }

    /// Recent orders holding `item`.
    pub fn count(&self, item: Item) -> u32 {
        self.counts.get(&item).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_recent_orders_and_ranks_them() {
        let now = 100 * WINDOW;
        let mut p = Popularity::default();
        p.add(now - 10, &[1, 2], now);
        p.add(now - 20, &[2], now);
        p.add(now - 5, &[3, 2], now);
        p.add(now - WINDOW - 1, &[9], now);
        p.refresh();
        assert_eq!(p.ranked(), [2, 1, 3]);
        assert_eq!(p.count(9), 0, "too old to count");
        p.expire(now + WINDOW - 15);
        p.refresh();
        assert_eq!(p.ranked(), [2, 1, 3], "the order at now - 20 expired");
        assert_eq!(p.count(2), 2);
        assert_eq!(p.count(1), 1);
        p.expire(now + WINDOW);
        p.refresh();
        assert!(p.ranked().is_empty());
    }
}
