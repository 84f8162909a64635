//! A customer's history: what they bought and what they looked at lately, the seeds of
//! their personal recommendations.

use std::collections::{HashMap, VecDeque};

use contracts::ids::CustomerId;

use super::Item;

/// Most purchased products remembered per customer (the latest).
pub const MAX_BOUGHT: usize = 100;
/// Most viewed products remembered per customer (the latest).
pub const MAX_VIEWED: usize = 50;

/// One customer's history, latest last.
#[derive(Clone, Debug, Default)]
pub struct CustomerHistory {
    /// Products bought, each once.
    pub bought: VecDeque<Item>,
    /// Products viewed, each once.
    pub viewed: VecDeque<Item>,
}

fn remember(list: &mut VecDeque<Item>, item: Item, cap: usize) {
    if let Some(i) = list.iter().position(|&x| x == item) {
        list.remove(i);
    }
    list.push_back(item);
    if list.len() > cap {
        list.pop_front();
    }
}

/// Every customer's history.
#[derive(Clone, Debug, Default)]
pub struct History {
    customers: HashMap<CustomerId, CustomerHistory>,
}

impl History {
    /// Remembers that `customer` bought `items`.
    pub fn bought(&mut self, customer: &CustomerId, items: &[Item]) {
        let history = self.customers.entry(customer.clone()).or_default();
        for &item in items {
            remember(&mut history.bought, item, MAX_BOUGHT);
        }
    }

    /// Remembers that `customer` viewed `item`.
    pub fn viewed(&mut self, customer: &CustomerId, item: Item) {
        let history = self.customers.entry(customer.clone()).or_default();
        remember(&mut history.viewed, item, MAX_VIEWED);
    }

    /// A customer's history, if they have one.
    pub fn of(&self, customer: &CustomerId) -> Option<&CustomerHistory> {
        self.customers.get(customer)
    }

    /// Customers with a history.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether no customer has a history.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_each_item_once_latest_last_and_bounded() {
        let mut h = History::default();
        let ada = CustomerId::generate();
        h.bought(&ada, &[1, 2]);
        h.bought(&ada, &[1]);
        h.viewed(&ada, 7);
        let mine = h.of(&ada).expect("history");
        assert_eq!(mine.bought, [2, 1]);
        assert_eq!(mine.viewed, [7]);
        for i in 0..200 {
            h.viewed(&ada, i);
        }
        assert_eq!(h.of(&ada).expect("history").viewed.len(), MAX_VIEWED);
        assert!(h.of(&CustomerId::generate()).is_none());
    }
}
