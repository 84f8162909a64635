//! Offline evaluation: does the co-purchase model predict what people buy better than
//! popularity does?
//!
//! The baskets are split by time: the oldest `1 - holdout` train, the newest `holdout`
//! test. Both the model (co-purchase, with content similarity filling up when co-purchase
//! has fewer than `k` answers) and the popularity baseline (most bought in the training
//! part) learn from the training part only. Each test basket with at least two known
//! products gives one query per product: that product is hidden, the rest of the basket is
//! the question, and a query is a hit when the hidden product is among the `k` answers
//! (the products asked about are never answers).
//!
//! - `precision_at_k`: hits / (queries × k): the share of shown slots that were bought.
//! - `recall_at_k`: hits / queries: the share of hidden products found (one relevant product
//!   per query).
//! - `hit_rate`: the share of test baskets where at least one hidden product was found.

use std::collections::HashMap;

use super::catalog::Catalog;
use super::content::{ContentIndex, top};
use super::cooccurrence::{CoOccurrence, MIN_SUPPORT};
use super::{Basket, Item, ProductRecord};

/// Most queries one evaluation asks (the oldest test baskets first).
pub const MAX_QUERIES: usize = 20_000;
/// Neighbours taken per product of the question.
const PER_ITEM: usize = 50;

/// A basket as the evaluation sees it: when, and which known products (each once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalBasket {
    /// When the order was placed (unix seconds).
    pub placed_at: i64,
    /// Its products.
    pub items: Vec<Item>,
}

/// How well one recommender did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scores {
    /// Queries whose hidden product was among the answers.
    pub hits: u64,
    /// hits / (queries × k).
    pub precision_at_k: f64,
    /// hits / queries.
    pub recall_at_k: f64,
    /// Test baskets with at least one hit / test baskets evaluated.
    pub hit_rate: f64,
}

/// The outcome of an evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Answers per query.
    pub k: usize,
    /// The share of baskets held out for testing.
    pub holdout: f64,
    /// Baskets trained on.
    pub baskets_train: usize,
    /// Baskets held out.
    pub baskets_test: usize,
    /// Held-out baskets with at least two known products (the ones queried).
    pub baskets_evaluated: usize,
    /// Leave-one-out queries asked.
    pub queries: usize,
    /// Co-purchase with content fill.
    pub model: Scores,
    /// Most bought in the training part.
    pub popularity: Scores,
}

struct Tally {
    hits: u64,
    baskets_hit: u64,
}

impl Tally {
    fn scores(&self, queries: usize, baskets: usize, k: usize) -> Scores {
        let ratio = |a: u64, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        Scores {
            hits: self.hits,
            precision_at_k: ratio(self.hits, queries * k),
            recall_at_k: ratio(self.hits, queries),
            hit_rate: ratio(self.baskets_hit, baskets),
        }
    }
}

/// The model's `k` answers for a question (the products of `question` excluded).
fn model_answers(co: &CoOccurrence, content: Option<&ContentIndex>, question: &[Item], k: usize) -> Vec<Item> {
    let mut scores: HashMap<Item, f32> = HashMap::new();
    for &item in question {
        for (other, score) in co.neighbours(item, MIN_SUPPORT, PER_ITEM, |o| !question.contains(&o)) {
            *scores.entry(other).or_default() += score;
        }
    }
    let mut scored: Vec<(Item, f32)> = scores.into_iter().collect();
    top(&mut scored, k);
    let mut answers: Vec<Item> = scored.into_iter().map(|(i, _)| i).collect();
    if answers.len() < k
        && let Some(content) = content
    {
        // Round-robin over the question's similar lists, best first.
        let lists: Vec<Vec<(Item, f32)>> = question.iter().map(|&q| content.similar(q, k)).collect();
        let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
        'fill: for rank in 0..longest {
            for list in &lists {
                if let Some(&(item, _)) = list.get(rank)
                    && !question.contains(&item)
                    && !answers.contains(&item)
                {
                    answers.push(item);
                    if answers.len() == k {
                        break 'fill;
                    }
                }
            }
        }
    }
    answers
}

/// Evaluates on `baskets`, oldest first. `holdout` is in (0, 1); `k` at least 1.
pub fn evaluate(baskets: &[EvalBasket], content: Option<&ContentIndex>, k: usize, holdout: f64) -> Evaluation {
    let tested = ((baskets.len() as f64) * holdout).round() as usize;
    let tested = tested.min(baskets.len());
    let (train, test) = baskets.split_at(baskets.len() - tested);

    let mut co = CoOccurrence::default();
    let mut bought: HashMap<Item, u64> = HashMap::new();
    for basket in train {
        co.add_set(&basket.items);
        for &item in &basket.items {
            *bought.entry(item).or_default() += 1;
        }
    }
    let mut popular: Vec<(Item, u64)> = bought.into_iter().collect();
    popular.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let popular: Vec<Item> = popular.into_iter().map(|(i, _)| i).collect();

    let mut model = Tally { hits: 0, baskets_hit: 0 };
    let mut baseline = Tally { hits: 0, baskets_hit: 0 };
    let (mut queries, mut evaluated) = (0usize, 0usize);
    'baskets: for basket in test {
        if basket.items.len() < 2 {
            continue;
        }
        if queries >= MAX_QUERIES {
            break;
        }
        evaluated += 1;
        let (mut model_hit, mut baseline_hit) = (false, false);
        for (i, &hidden) in basket.items.iter().enumerate() {
            if queries >= MAX_QUERIES {
                break 'baskets;
            }
            queries += 1;
            let question: Vec<Item> =
                basket.items.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, &item)| item).collect();
            if model_answers(&co, content, &question, k).contains(&hidden) {
                model.hits += 1;
                model_hit = true;
            }
            if popular.iter().filter(|p| !question.contains(p)).take(k).any(|&p| p == hidden) {
                baseline.hits += 1;
                baseline_hit = true;
            }
        }
        model.baskets_hit += u64::from(model_hit);
        baseline.baskets_hit += u64::from(baseline_hit);
    }
    Evaluation {
        k,
        holdout,
        baskets_train: train.len(),
        baskets_test: test.len(),
        baskets_evaluated: evaluated,
        queries,
        model: model.scores(queries, evaluated, k),
        popularity: baseline.scores(queries, evaluated, k),
    }
}

/// Evaluates on stored `baskets` (oldest first) against the products they name: SKUs are
/// resolved to products, unknown ones skipped; the content model is built from `products`.
pub fn evaluate_records(products: &[ProductRecord], baskets: &[Basket], k: usize, holdout: f64) -> Evaluation {
    let mut catalog = Catalog::default();
    let mut content = ContentIndex::default();
    for product in products {
        let item = catalog.upsert(product);
        content.upsert(item, product);
    }
    content.refresh();
    let resolved: Vec<EvalBasket> = baskets
        .iter()
        .map(|b| EvalBasket {
            placed_at: b.placed_at,
            items: catalog.items_of(b.lines.iter().map(|(sku, _)| sku.clone())),
        })
        .collect();
    evaluate(&resolved, Some(&content), k, holdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCTS: u32 = 300;

    /// A product drawn with a long tail: low numbers are much more popular.
    fn skewed(rng: &mut fastrand::Rng) -> Item {
        let u = rng.f64();
        ((u * u * u) * f64::from(PRODUCTS)) as Item
    }

    /// Baskets with real structure: products come in complementary groups of five (a shirt,
    /// its trousers, a belt…); a basket is two to four products of one group, sometimes
    /// with one popular product thrown in.
    fn structured(rng: &mut fastrand::Rng, count: usize) -> Vec<EvalBasket> {
        (0..count)
            .map(|t| {
                let group = skewed(rng) / 5 * 5;
                let mut items: Vec<Item> = Vec::new();
                for _ in 0..rng.usize(2..=4) {
                    let item = group + rng.u32(0..5);
                    if !items.contains(&item) {
                        items.push(item);
                    }
                }
                if rng.f64() < 0.3 {
                    let noise = skewed(rng);
                    if !items.contains(&noise) {
                        items.push(noise);
                    }
                }
                EvalBasket { placed_at: t as i64, items }
            })
            .collect()
    }

    /// Baskets with no structure at all: two to four products drawn independently with the
    /// same long-tailed popularity.
    fn random(rng: &mut fastrand::Rng, count: usize) -> Vec<EvalBasket> {
        (0..count)
            .map(|t| {
                let mut items: Vec<Item> = Vec::new();
                for _ in 0..rng.usize(2..=4) {
                    let item = skewed(rng);
                    if !items.contains(&item) {
                        items.push(item);
                    }
                }
                EvalBasket { placed_at: t as i64, items }
            })
            .collect()
    }

    #[test]
    fn on_baskets_with_structure_the_model_beats_popularity() {
        let mut rng = fastrand::Rng::with_seed(7);
        let baskets = structured(&mut rng, 4_000);
        let report = evaluate(&baskets, None, 10, 0.2);
        assert_eq!(report.baskets_train, 3_200);
        assert_eq!(report.baskets_test, 800);
        assert!(report.queries > 800, "{report:?}");
        assert!(
            report.model.recall_at_k > 2.0 * report.popularity.recall_at_k,
            "the model should find far more hidden products: {report:?}"
        );
        assert!(report.model.recall_at_k > 0.5, "{report:?}");
        assert!(report.model.hit_rate > report.popularity.hit_rate, "{report:?}");
        let expected_precision = report.model.hits as f64 / (report.queries * 10) as f64;
        assert!((report.model.precision_at_k - expected_precision).abs() < 1e-12);
    }

    #[test]
    fn on_baskets_without_structure_the_model_does_not_look_better_than_popularity() {
        let mut rng = fastrand::Rng::with_seed(11);
        let baskets = random(&mut rng, 4_000);
        let report = evaluate(&baskets, None, 10, 0.2);
        assert!(report.queries > 1_000, "{report:?}");
        assert!(
            report.model.recall_at_k <= report.popularity.recall_at_k * 1.1,
            "co-occurrence in random baskets is noise; it must not beat popularity: {report:?}"
        );
    }

    #[test]
    fn test_baskets_never_train_the_model() {
        // Two products bought together only in the newest baskets: the model cannot know it.
        let mut baskets: Vec<EvalBasket> = (0..8).map(|t| EvalBasket { placed_at: t, items: vec![1, 2] }).collect();
        baskets.extend((8..10).map(|t| EvalBasket { placed_at: t, items: vec![3, 4] }));
        let report = evaluate(&baskets, None, 5, 0.2);
        assert_eq!((report.baskets_train, report.baskets_test, report.queries), (8, 2, 4));
        assert_eq!(report.model.hits, 0);
        assert_eq!(report.popularity.hits, 0, "3 and 4 were never bought in training");
    }

    #[test]
    fn content_fills_when_co_purchase_has_too_few_answers() {
        use crate::domain::ProductRecord;
        use contracts::ids::ProductId;
        let record = |name: &str| ProductRecord {
            id: ProductId::generate(),
            slug: String::new(),
            name: name.into(),
            description: String::new(),
            category: None,
            attributes: Vec::new(),
            skus: Vec::new(),
            archived: false,
            version: 1,
        };
        let mut content = ContentIndex::default();
        for (i, name) in ["Linen Shirt", "Linen Trousers", "Boots", "Socks"].iter().enumerate() {
            content.upsert(i as Item, &record(name));
        }
        let baskets: Vec<EvalBasket> = (0..5)
            .map(|t| EvalBasket { placed_at: t, items: vec![2, 3] })
            .chain([EvalBasket { placed_at: 9, items: vec![0, 1] }])
            .collect();
        let with = evaluate(&baskets, Some(&content), 1, 0.2);
        let without = evaluate(&baskets, None, 1, 0.2);
        assert_eq!(with.queries, 2);
        assert_eq!(with.model.hits, 2, "linen finds linen: {with:?}");
        assert_eq!(without.model.hits, 0);
        assert_eq!(with.model.hit_rate, 1.0);
    }

    #[test]
    fn no_baskets_no_scores() {
        let report = evaluate(&[], None, 10, 0.2);
        assert_eq!(report.queries, 0);
        assert_eq!(report.model, Scores::default());
    }
}
