//! All models together, kept in step with the changes the read model records, answering
//! requests from memory.
//!
//! - For a product ([`Model::recommend`]): [`Kind::BoughtTogether`] (co-purchase),
//!   [`Kind::AlsoViewed`] (co-view), [`Kind::Similar`] (content), or without a kind a blend:
//!   bought together first, then also viewed, then similar, then popular to fill the limit;
//!   never the product itself, never an archived product, never one twice.
//! - For a customer ([`Model::for_you`]): the neighbours of what they bought (weight 1) and
//!   viewed (weight ½), by co-purchase (×1), co-view (×½) and content (×¼), summed; never
//!   what they bought. Popular products fill the rest, and are all a guest or a customer
//!   without history gets.
//!
//! Content-similar lists are cached per product (the longest list an answer can ask for)
//! and the cache is emptied whenever a product changes, since a product's words change its
//! neighbours' lists too.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use contracts::ids::{CustomerId, ProductId};
use contracts::pages::Recommendation;

use super::catalog::Catalog;
use super::content::{ContentIndex, top};
use super::cooccurrence::{CoOccurrence, MIN_SUPPORT};
use super::coview::CoView;
use super::history::History;
use super::popularity::Popularity;
use super::{Basket, Item, ProductRecord, Reason, View};

/// Longest answer.
pub const MAX_LIMIT: usize = 50;
/// Most content-similar lists cached; the cache starts over when full.
const MAX_CACHED: usize = 20_000;
/// Most history items used as seeds for a personal answer (latest first), per kind.
const MAX_SEEDS: usize = 20;
/// Neighbours taken per seed and model for a personal answer.
const PER_SEED: usize = 20;
/// Most orders parked waiting for their products; beyond it the oldest is learned with
/// the products it has.
const MAX_PARKED: usize = 10_000;

/// A cached list of similar products with their scores, best first.
type SimilarList = Arc<[(Item, f32)]>;

/// What to recommend alongside a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Bought in the same orders.
    BoughtTogether,
    /// Viewed by the same visitors close in time.
    AlsoViewed,
    /// Described in similar words.
    Similar,
}

impl Kind {
    /// Every kind, in blend order.
    pub const ALL: [Kind; 3] = [Kind::BoughtTogether, Kind::AlsoViewed, Kind::Similar];

    /// The kind as written in a request (and in the answer's `reason`).
    pub fn as_str(self) -> &'static str {
        self.reason().as_str()
    }

    /// The reason given for its answers.
    pub fn reason(self) -> Reason {
        match self {
            Kind::BoughtTogether => Reason::BoughtTogether,
            Kind::AlsoViewed => Reason::AlsoViewed,
            Kind::Similar => Reason::Similar,
        }
    }
}

/// A batch of changes to learn from, in commit order within each kind.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Products added or changed.
    pub products: Vec<ProductRecord>,
    /// Orders placed.
    pub baskets: Vec<Basket>,
    /// Product views.
    pub views: Vec<View>,
}

impl Changes {
    /// Whether there is nothing to learn.
    pub fn is_empty(&self) -> bool {
        self.products.is_empty() && self.baskets.is_empty() && self.views.is_empty()
    }
}

/// How big the model is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Products known (archived ones included).
    pub products: usize,
    /// Products that may be recommended.
    pub listed: usize,
    /// Product pairs bought together (each direction).
    pub bought_pairs: usize,
    /// Product pairs viewed together (each direction).
    pub viewed_pairs: usize,
    /// Visitor sessions held.
    pub sessions: usize,
    /// Customers with a history.
    pub customers: usize,
    /// Distinct words of the content model.
    pub words: usize,
}

/// Every model, and the position of the last change applied.
#[derive(Debug, Default)]
pub struct Model {
    catalog: Catalog,
    content: ContentIndex,
    bought: CoOccurrence,
    viewed: CoView,
    popularity: Popularity,
    history: History,
    similar_cache: Mutex<HashMap<Item, SimilarList>>,
    /// Orders naming SKUs no product has announced yet (events from catalog and orders
    /// arrive in any order): learned once their products arrive, or at the end of a build.
    parked: Vec<Basket>,
    position: i64,
}

impl Model {
    /// Learns an order from the products its SKUs resolve to.
    fn learn(&mut self, basket: &Basket, now: i64) {
        let items = self.catalog.items_of(basket.lines.iter().map(|(sku, _)| sku.clone()));
        self.bought.add_set(&items);
        self.popularity.add(basket.placed_at, &items, now);
        if let Some(customer) = &basket.customer_id {
            self.history.bought(customer, &items);
        }
    }

    fn resolves(&self, basket: &Basket) -> bool {
        basket.lines.iter().all(|(sku, _)| self.catalog.item_of_sku(sku).is_some())
    }

    /// Learns `basket` if every SKU is known, else parks it.
    fn learn_or_park(&mut self, basket: &Basket, now: i64) {
        if self.resolves(basket) {
            self.learn(basket, now);
            return;
        }
        if self.parked.len() >= MAX_PARKED {
            let oldest = self.parked.remove(0);
            self.learn(&oldest, now);
        }
        self.parked.push(basket.clone());
    }

    /// Orders parked for products not yet known.
    pub fn parked(&self) -> usize {
        self.parked.len()
    }

    /// The last change (read-model sequence) the model includes.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// Learns from `changes`, which include everything up to `through`; `now` (unix seconds)
    /// ages popularity. Products first, so that orders and views in the same batch find them.
    pub fn apply(&mut self, changes: &Changes, through: i64, now: i64) {
        for product in &changes.products {
            let item = self.catalog.upsert(product);
            self.content.upsert(item, product);
        }
        if !changes.products.is_empty() {
            self.content.refresh();
            self.similar_cache.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
        if !changes.products.is_empty() && !self.parked.is_empty() {
            for basket in std::mem::take(&mut self.parked) {
                self.learn_or_park(&basket, now);
            }
        }
        for basket in &changes.baskets {
            self.learn_or_park(basket, now);
        }
        for view in &changes.views {
            let Some(item) = self.catalog.item(&view.product_id) else { continue };
            self.viewed.add(&view.visitor, item, view.at);
            if let Some(customer) = &view.customer_id {
                self.history.viewed(customer, item);
            }
        }
        self.popularity.expire(now);
        self.popularity.refresh();
        self.position = self.position.max(through);
    }

    /// Work done once a model is built whole: orders still waiting for products are learned
    /// with the products they have.
    pub fn finish_build(&mut self, now: i64) {
        for basket in std::mem::take(&mut self.parked) {
            self.learn(&basket, now);
        }
        self.popularity.refresh();
    }

    /// Whether the product is known (archived or not).
    pub fn knows(&self, product: &ProductId) -> bool {
        self.catalog.item(product).is_some()
    }

    /// How big the model is.
    pub fn stats(&self) -> Stats {
        Stats {
            products: self.catalog.len(),
            listed: self.content.listed(),
            bought_pairs: self.bought.pair_count(),
            viewed_pairs: self.viewed.counts().pair_count(),
            sessions: self.viewed.sessions(),
            customers: self.history.len(),
            words: self.content.vocabulary_len(),
        }
    }

    fn listed(&self, item: Item) -> bool {
        self.catalog.listed(item)
    }

    /// Up to `k` products similar to `item` in words, from the cache when it has them.
    fn similar(&self, item: Item, k: usize) -> Vec<(Item, f32)> {
        let cached = self.similar_cache.lock().unwrap_or_else(PoisonError::into_inner).get(&item).cloned();
        let list = match cached {
            Some(list) => list,
            None => {
                let list: SimilarList = self.content.similar(item, MAX_LIMIT).into();
                let mut cache = self.similar_cache.lock().unwrap_or_else(PoisonError::into_inner);
                if cache.len() >= MAX_CACHED {
                    cache.clear();
                }
                cache.insert(item, list.clone());
                list
            }
        };
        list.iter().filter(|&&(i, _)| i != item && self.listed(i)).take(k).copied().collect()
    }

    fn ranked(&self, item: Item, kind: Kind, k: usize) -> Vec<(Item, f32)> {
        let keep = |other: Item| other != item && self.listed(other);
        match kind {
            Kind::BoughtTogether => self.bought.neighbours(item, MIN_SUPPORT, k, keep),
            Kind::AlsoViewed => self.viewed.counts().neighbours(item, MIN_SUPPORT, k, keep),
            Kind::Similar => self.similar(item, k),
        }
    }

    fn answer(&self, item: Item, reason: Reason) -> Option<Recommendation> {
        let entry = self.catalog.entry(item)?;
        Some(Recommendation {
            product_id: entry.id.to_string(),
            slug: entry.slug.clone(),
            name: entry.name.clone(),
            reason: reason.as_str().to_owned(),
        })
    }

    /// Popular products not in `skip`, up to `limit` answers in all.
    fn fill_popular(&self, answers: &mut Vec<Recommendation>, skip: &mut HashSet<Item>, limit: usize) {
        for &item in self.popularity.ranked() {
            if answers.len() >= limit {
                break;
            }
            if self.listed(item) && skip.insert(item) {
                answers.extend(self.answer(item, Reason::Popular));
            }
        }
    }

    /// Recommendations for the page of `product`: of one kind, or the blend. `None` when the
    /// product is unknown.
    pub fn recommend(&self, product: &ProductId, kind: Option<Kind>, limit: usize) -> Option<Vec<Recommendation>> {
        let item = self.catalog.item(product)?;
        let limit = limit.min(MAX_LIMIT);
        let mut answers = Vec::with_capacity(limit);
        let mut seen = HashSet::from([item]);
        if let Some(kind) = kind {
            for (other, _) in self.ranked(item, kind, limit) {
                answers.extend(self.answer(other, kind.reason()));
            }
            return Some(answers);
        }
        for kind in Kind::ALL {
            if answers.len() >= limit {
                break;
            }
            // Ask for more than is missing: some may already be in the answer.
            for (other, _) in self.ranked(item, kind, limit * 2) {
                if answers.len() >= limit {
                    break;
                }
                if seen.insert(other) {
                    answers.extend(self.answer(other, kind.reason()));
                }
            }
        }
        self.fill_popular(&mut answers, &mut seen, limit);
        Some(answers)
    }

    /// Personal recommendations for `customer` (a guest: `None`), filled with popular ones.
    pub fn for_you(&self, customer: Option<&CustomerId>, limit: usize) -> Vec<Recommendation> {
        let limit = limit.min(MAX_LIMIT);
        let mut answers = Vec::with_capacity(limit);
        let history = customer.and_then(|c| self.history.of(c));
        let mut skip: HashSet<Item> = history.map(|h| h.bought.iter().copied().collect()).unwrap_or_default();
        if let Some(history) = history {
            let mut scores: HashMap<Item, f32> = HashMap::new();
            let seeds = history
                .bought
                .iter()
                .rev()
                .take(MAX_SEEDS)
                .map(|&i| (i, 1.0))
                .chain(history.viewed.iter().rev().take(MAX_SEEDS).map(|&i| (i, 0.5)));
            for (seed, weight) in seeds {
                for (kind, factor) in [(Kind::BoughtTogether, 1.0), (Kind::AlsoViewed, 0.5), (Kind::Similar, 0.25)] {
                    for (other, score) in self.ranked(seed, kind, PER_SEED) {
                        if !skip.contains(&other) {
                            *scores.entry(other).or_default() += weight * factor * score;
                        }
                    }
                }
            }
            let mut scored: Vec<(Item, f32)> = scores.into_iter().collect();
            top(&mut scored, limit);
            for (item, _) in scored {
                skip.insert(item);
                answers.extend(self.answer(item, Reason::ForYou));
            }
        }
        self.fill_popular(&mut answers, &mut skip, limit);
        answers
    }
}

#[cfg(test)]
mod tests {
    use contracts::ids::{OrderId, Sku};

    use super::*;
    use crate::domain::Visitor;

    const NOW: i64 = 1_800_000_000;

    struct Shop {
        model: Model,
        products: Vec<ProductRecord>,
    }

    fn product(name: &str, category: &str, description: &str) -> ProductRecord {
        ProductRecord {
            id: ProductId::generate(),
            slug: name.to_lowercase().replace(' ', "-"),
            name: name.into(),
            description: description.into(),
            category: Some(category.into()),
            attributes: Vec::new(),
            skus: vec![Sku::parse(&name.to_uppercase().replace(' ', "-")).expect("sku")],
            archived: false,
            version: 1,
        }
    }

    impl Shop {
        fn new() -> Self {
            let products = vec![
                product("Linen Shirt", "Shirts", "Washed linen, breezy."),
                product("Linen Trousers", "Trousers", "Washed linen, drawstring."),
                product("Canvas Sneakers", "Shoes", "Low-top canvas."),
                product("Wool Socks", "Socks", "Merino wool."),
                product("Leather Belt", "Belts", "Full-grain leather."),
                product("Silk Scarf", "Scarves", "Printed silk."),
            ];
            let mut model = Model::default();
            model.apply(&Changes { products: products.clone(), ..Changes::default() }, 1, NOW);
            model.finish_build(NOW);
            Self { model, products }
        }

        fn id(&self, i: usize) -> ProductId {
            self.products[i].id.clone()
        }

        fn basket(&self, customer: Option<&CustomerId>, items: &[usize]) -> Basket {
            Basket {
                order_id: OrderId::generate(),
                customer_id: customer.cloned(),
                placed_at: NOW - 60,
                lines: items.iter().map(|&i| (self.products[i].skus[0].clone(), 1)).collect(),
            }
        }

        fn apply(&mut self, changes: Changes) {
            let next = self.model.position() + 1;
            self.model.apply(&changes, next, NOW);
        }

        fn names(&self, answers: &[Recommendation]) -> Vec<(String, String)> {
            answers.iter().map(|r| (r.name.clone(), r.reason.clone())).collect()
        }
    }

    fn pair(name: &str, reason: &str) -> (String, String) {
        (name.to_owned(), reason.to_owned())
    }

    #[test]
    fn the_blend_puts_bought_together_first_then_viewed_then_similar_then_popular() {
        let mut shop = Shop::new();
        let baskets = vec![shop.basket(None, &[0, 2]), shop.basket(None, &[0, 2]), shop.basket(None, &[3])];
        let views = ["a", "b"]
            .iter()
            .flat_map(|v| {
                let visitor = Visitor::parse(v).expect("visitor");
                [(0, NOW - 100), (4, NOW - 90)].map(|(i, at)| View {
                    visitor: visitor.clone(),
                    customer_id: None,
                    product_id: shop.id(i),
                    at,
                })
            })
            .collect();
        shop.apply(Changes { baskets, views, ..Changes::default() });
        let answers = shop.model.recommend(&shop.id(0), None, 4).expect("known");
        assert_eq!(
            shop.names(&answers),
            [
                pair("Canvas Sneakers", "bought_together"),
                pair("Leather Belt", "also_viewed"),
                pair("Linen Trousers", "similar"),
                pair("Wool Socks", "popular"),
            ]
        );
        let only = shop.model.recommend(&shop.id(0), Some(Kind::BoughtTogether), 10).expect("known");
        assert_eq!(shop.names(&only), [pair("Canvas Sneakers", "bought_together")]);
        let only = shop.model.recommend(&shop.id(0), Some(Kind::Similar), 10).expect("known");
        assert_eq!(shop.names(&only), [pair("Linen Trousers", "similar")]);
        assert!(shop.model.recommend(&ProductId::generate(), None, 4).is_none());
        assert_eq!(shop.model.recommend(&shop.id(0), None, 2).expect("known").len(), 2);
    }

    #[test]
    fn archived_products_are_never_recommended_and_a_restore_brings_them_back() {
        let mut shop = Shop::new();
        let baskets = vec![shop.basket(None, &[0, 1]), shop.basket(None, &[0, 1])];
        shop.apply(Changes { baskets, ..Changes::default() });
        let mut trousers = shop.products[1].clone();
        trousers.archived = true;
        trousers.version = 2;
        shop.apply(Changes { products: vec![trousers.clone()], ..Changes::default() });
        let answers = shop.model.recommend(&shop.id(0), None, 10).expect("known");
        assert!(answers.iter().all(|r| r.name != "Linen Trousers"), "{answers:?}");
        // Asking about the archived product itself still answers, with listed products.
        let about = shop.model.recommend(&shop.id(1), None, 10).expect("known");
        assert_eq!(about[0].name, "Linen Shirt");
        trousers.archived = false;
        trousers.version = 3;
        shop.apply(Changes { products: vec![trousers], ..Changes::default() });
        let answers = shop.model.recommend(&shop.id(0), Some(Kind::BoughtTogether), 10).expect("known");
        assert_eq!(shop.names(&answers), [pair("Linen Trousers", "bought_together")]);
    }

    #[test]
    fn for_you_aggregates_neighbours_of_the_history_without_what_was_bought() {
        let mut shop = Shop::new();
        let ada = CustomerId::generate();
        let baskets = vec![
            shop.basket(None, &[0, 2]),
            shop.basket(None, &[0, 2]),
            shop.basket(None, &[5]),
            shop.basket(None, &[5]),
            shop.basket(Some(&ada), &[0]),
        ];
        shop.apply(Changes { baskets, ..Changes::default() });
        let mine = shop.model.for_you(Some(&ada), 3);
        assert_eq!(mine[0].name, "Canvas Sneakers");
        assert_eq!(mine[0].reason, "for_you");
        assert!(mine.iter().all(|r| r.name != "Linen Shirt"), "never what was bought: {mine:?}");
        assert_eq!(mine.len(), 3);
        assert!(mine.iter().any(|r| r.reason == "popular"), "filled with popular products: {mine:?}");
        // A guest and a customer without history get popular products.
        let guest = shop.model.for_you(None, 2);
        assert_eq!(shop.names(&guest), [pair("Linen Shirt", "popular"), pair("Canvas Sneakers", "popular")]);
        assert_eq!(shop.model.for_you(Some(&CustomerId::generate()), 2), guest);
    }

    #[test]
    fn a_view_history_alone_personalises() {
        let mut shop = Shop::new();
        let ada = CustomerId::generate();
        let visitor = Visitor::parse("ada-phone").expect("visitor");
        let views = vec![View { visitor, customer_id: Some(ada.clone()), product_id: shop.id(0), at: NOW - 10 }];
        shop.apply(Changes { views, ..Changes::default() });
        let mine = shop.model.for_you(Some(&ada), 1);
        assert_eq!(shop.names(&mine), [pair("Linen Trousers", "for_you")], "similar to what was viewed");
    }

    #[test]
    fn an_order_that_arrives_before_its_products_is_learned_when_they_arrive() {
        let mut shop = Shop::new();
        let hat = product("Straw Hat", "Hats", "Woven straw.");
        let early = Basket {
            order_id: OrderId::generate(),
            customer_id: None,
            placed_at: NOW - 60,
            lines: vec![(shop.products[0].skus[0].clone(), 1), (hat.skus[0].clone(), 1)],
        };
        let again = Basket { order_id: OrderId::generate(), ..early.clone() };
        shop.apply(Changes { baskets: vec![early, again], ..Changes::default() });
        assert_eq!(shop.model.parked(), 2);
        assert_eq!(shop.model.stats().bought_pairs, 0);
        shop.apply(Changes { products: vec![hat.clone()], ..Changes::default() });
        assert_eq!(shop.model.parked(), 0);
        let answers = shop.model.recommend(&shop.id(0), Some(Kind::BoughtTogether), 5).expect("known");
        assert_eq!(shop.names(&answers), [pair("Straw Hat", "bought_together")]);
    }

    #[test]
    fn a_build_learns_what_never_resolved_with_what_it_has() {
        let mut shop = Shop::new();
        let mut basket = shop.basket(None, &[0, 2]);
        basket.lines.push((Sku::parse("GONE-FOREVER").expect("sku"), 1));
        let again = Basket { order_id: OrderId::generate(), ..basket.clone() };
        shop.apply(Changes { baskets: vec![basket, again], ..Changes::default() });
        assert_eq!(shop.model.parked(), 2);
        shop.model.finish_build(NOW);
        assert_eq!(shop.model.parked(), 0);
        let answers = shop.model.recommend(&shop.id(0), Some(Kind::BoughtTogether), 5).expect("known");
        assert_eq!(shop.names(&answers), [pair("Canvas Sneakers", "bought_together")]);
    }

    #[test]
    fn unknown_skus_and_products_are_skipped() {
        let mut shop = Shop::new();
        let mut basket = shop.basket(None, &[0]);
        basket.lines.push((Sku::parse("NOT-IN-CATALOG").expect("sku"), 2));
        let view = View {
            visitor: Visitor::parse("x").expect("visitor"),
            customer_id: None,
            product_id: ProductId::generate(),
            at: NOW,
        };
        shop.apply(Changes { baskets: vec![basket], views: vec![view], ..Changes::default() });
        shop.model.finish_build(NOW);
        assert_eq!(shop.model.stats().bought_pairs, 0);
        assert_eq!(shop.model.stats().sessions, 0);
        assert_eq!(shop.model.position(), 2);
    }
}
