//! Content-based similarity for cold start: TF-IDF over a product's words, cosine between
//! products.
//!
//! A product's words come from its name (×3), category (×2), attribute values (×1.5) and
//! description (×1); a word's term frequency is `1 + ln(weighted count)`, its weight that
//! times `idf = ln((N + 1) / (df + 1)) + 1` over the N listed products. Scores are summed
//! word at a time from an inverted index (word → listed products with the word's term
//! frequency there), never from all pairs: the query product's words are taken rarest
//! first, and each adds its weight to every product on its list, into an accumulator
//! indexed by the dense [`Item`] number. That is exact cosine over every product sharing a
//! word (norms included, so answers never depend on the order products arrived in, and a
//! rebuilt model answers as the live one did). The work is bounded: once [`MAX_SCANNED`]
//! postings are summed, the query's remaining words, the most common ones, are left out;
//! they weigh least and would add almost the same to every score.
//!
//! Dividing by a product's norm needs the idf of each of its words: computed live that is
//! a logarithm per word per product. [`ContentIndex::refresh`] computes the idf table and
//! every norm once after a batch of changes, with the same formulas, so answers are the
//! same either way.
//!
//! Archived products keep their vector (so "similar to" an archived product still answers)
//! but leave the inverted index (so they are never a candidate).

use std::collections::HashMap;

use super::{Item, ProductRecord, text};

/// Most postings summed for one product: at most that many additions, whatever the
/// catalog's size.
pub const MAX_SCANNED: usize = 1_000_000;

/// A product's words with their term frequencies, sorted by word number.
#[derive(Clone, Debug, Default)]
struct Doc {
    terms: Vec<(u32, f32)>,
    listed: bool,
}

/// Every word's idf and every product's norm, as of the last refresh.
#[derive(Clone, Debug, Default)]
struct Weights {
    idf: Vec<f32>,
    /// By item.
    norms: Vec<f32>,
}

/// The TF-IDF vectors and the inverted index.
#[derive(Clone, Debug, Default)]
pub struct ContentIndex {
    vocabulary: HashMap<String, u32>,
    /// Word → the listed products that have it, with the word's term frequency there.
    postings: Vec<Vec<(Item, f32)>>,
    /// By item; an item never indexed has no words.
    docs: Vec<Doc>,
    listed: usize,
    /// `None` while changes are not yet refreshed, when idf and norms are computed as they
    /// are needed.
    weights: Option<Weights>,
}

fn term_frequencies(record: &ProductRecord) -> HashMap<String, f32> {
    let mut counts: HashMap<String, f32> = HashMap::new();
    let mut add = |text: &str, weight: f32| {
        for word in text::words(text) {
            *counts.entry(word).or_default() += weight;
        }
    };
    add(&record.name, 3.0);
    if let Some(category) = &record.category {
        add(category, 2.0);
    }
    for value in &record.attributes {
        add(value, 1.5);
    }
    add(&record.description, 1.0);
    counts.into_iter().map(|(word, count)| (word, 1.0 + count.ln().max(0.0))).collect()
}

impl ContentIndex {
    fn idf(&self, term: u32) -> f32 {
        let df = self.postings.get(term as usize).map_or(0, Vec::len);
        (((self.listed + 1) as f32) / ((df + 1) as f32)).ln() + 1.0
    }

    fn norm(&self, terms: &[(u32, f32)]) -> f32 {
        terms.iter().map(|&(t, tf)| (tf * self.idf(t)).powi(2)).sum::<f32>().sqrt()
    }

    fn current_idf(&self, term: u32) -> f32 {
        match &self.weights {
            Some(weights) => weights.idf[term as usize],
            None => self.idf(term),
        }
    }

    fn current_norm(&self, item: Item) -> f32 {
        match &self.weights {
            Some(weights) => weights.norms[item as usize],
            None => self.norm(&self.docs[item as usize].terms),
        }
    }

    /// Computes every word's idf and every product's norm, so that `similar` looks them up
    /// until the next change. Call it after a batch of upserts.
    pub fn refresh(&mut self) {
        let idf: Vec<f32> = (0..self.postings.len()).map(|t| self.idf(t as u32)).collect();
        let norms = self
            .docs
            .iter()
            .map(|doc| doc.terms.iter().map(|&(t, tf)| (tf * idf[t as usize]).powi(2)).sum::<f32>().sqrt())
            .collect();
        self.weights = Some(Weights { idf, norms });
    }

    fn unlist(&mut self, item: Item) {
        let Some(doc) = self.docs.get_mut(item as usize) else { return };
        if !doc.listed {
            return;
        }
        doc.listed = false;
        self.listed -= 1;
        for &(term, _) in &doc.terms {
            let list = &mut self.postings[term as usize];
            if let Some(i) = list.iter().position(|&(d, _)| d == item) {
                list.swap_remove(i);
            }
        }
    }

    /// Indexes (or re-indexes) a product's words; archived products are kept out of the
    /// inverted index.
    pub fn upsert(&mut self, item: Item, record: &ProductRecord) {
        self.weights = None;
        self.unlist(item);
        let mut terms: Vec<(u32, f32)> = term_frequencies(record)
            .into_iter()
            .map(|(word, tf)| {
                let next = u32::try_from(self.vocabulary.len()).unwrap_or(u32::MAX);
                let term = *self.vocabulary.entry(word).or_insert(next);
                if term as usize == self.postings.len() {
                    self.postings.push(Vec::new());
                }
                (term, tf)
            })
            .collect();
        terms.sort_unstable_by_key(|&(t, _)| t);
        let listed = !record.archived;
        if listed {
            for &(term, tf) in &terms {
                self.postings[term as usize].push((item, tf));
            }
            self.listed += 1;
        }
        let slot = item as usize;
        if slot >= self.docs.len() {
            self.docs.resize_with(slot + 1, Doc::default);
        }
        self.docs[slot] = Doc { terms, listed };
    }

    /// How many products are candidates (listed).
    pub fn listed(&self) -> usize {
        self.listed
    }

    /// The distinct words indexed.
    pub fn vocabulary_len(&self) -> usize {
        self.vocabulary.len()
    }

    /// Up to `k` listed products most similar to `item` (cosine, best first; ties by item),
    /// never `item` itself; only products sharing a word with it and a score above zero.
    pub fn similar(&self, item: Item, k: usize) -> Vec<(Item, f32)> {
        let Some(query) = self.docs.get(item as usize) else { return Vec::new() };
        let query_norm = self.current_norm(item);
        if query_norm <= 0.0 || k == 0 {
            return Vec::new();
        }
        // Rarest words first: they say most about the product and have the shortest lists,
        // so a word the budget leaves out is one of the least telling.
        let mut words: Vec<(u32, f32)> = query.terms.clone();
        words.sort_by_key(|&(t, _)| (self.postings[t as usize].len(), t));
        let mut sums = vec![0.0f32; self.docs.len()];
        let mut scanned = 0;
        for (term, tf) in words {
            let list = &self.postings[term as usize];
            if scanned > 0 && scanned + list.len() > MAX_SCANNED {
                break;
            }
            scanned += list.len();
            let idf = self.current_idf(term);
            let weight = tf * idf * idf;
            for &(doc, doc_tf) in list {
                sums[doc as usize] += weight * doc_tf;
            }
        }
        sums[item as usize] = 0.0;
        // A sequential pass beats remembering which products were touched: at a large
        // catalog most are, and the norms are read in order.
        let mut best = Best::new(k);
        for (doc, &sum) in sums.iter().enumerate() {
            if sum > 0.0 {
                let doc = doc as Item;
                let score = sum / (query_norm * self.current_norm(doc));
                if score.is_finite() {
                    best.offer(doc, score);
                }
            }
        }
        best.into_vec()
    }
}

/// Best first, ties by item (so answers are stable).
fn rank(a: &(Item, f32), b: &(Item, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// The `k` best of a stream of scores, without keeping them all.
struct Best {
    k: usize,
    kept: Vec<(Item, f32)>,
    /// The worst of the `k` best once the kept ones were last cut: anything not ranked
    /// before it cannot be among the best.
    floor: Option<(Item, f32)>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best { k, kept: Vec::with_capacity(2 * k), floor: None }
    }

    fn offer(&mut self, item: Item, score: f32) {
        let candidate = (item, score);
        if self.floor.is_some_and(|floor| rank(&candidate, &floor).is_ge()) {
            return;
        }
        self.kept.push(candidate);
        if self.kept.len() >= 2 * self.k {
            top(&mut self.kept, self.k);
            self.floor = self.kept.last().copied();
        }
    }

    fn into_vec(mut self) -> Vec<(Item, f32)> {
        top(&mut self.kept, self.k);
        self.kept
    }
}

/// Keeps the `k` best of `scored`, best first, ties by item (so answers are stable).
pub fn top(scored: &mut Vec<(Item, f32)>, k: usize) {
    if scored.len() > k && k > 0 {
        scored.select_nth_unstable_by(k - 1, rank);
    }
    scored.truncate(k);
    scored.sort_unstable_by(rank);
}

#[cfg(test)]
mod tests {
    use contracts::ids::ProductId;

    use super::*;

    fn record(name: &str, category: &str, description: &str) -> ProductRecord {
        ProductRecord {
            id: ProductId::generate(),
            slug: String::new(),
            name: name.into(),
            description: description.into(),
            category: Some(category.into()),
            attributes: Vec::new(),
            skus: Vec::new(),
            archived: false,
            version: 1,
        }
    }

    fn index(products: &[ProductRecord]) -> ContentIndex {
        let mut index = ContentIndex::default();
        for (i, p) in products.iter().enumerate() {
            index.upsert(i as Item, p);
        }
        index
    }

    #[test]
    fn products_described_alike_are_most_similar() {
        let products = [
            record("Linen Shirt", "Shirts", "A breezy summer shirt in washed linen."),
            record("Linen Trousers", "Trousers", "Breezy drawstring trousers in washed linen for summer."),
            record("Oxford Shirt", "Shirts", "A button-down classic in oxford cloth."),
            record("Leather Boots", "Shoes", "Goodyear-welted boots in full-grain leather."),
        ];
        let index = index(&products);
        let similar = index.similar(0, 10);
        let items: Vec<Item> = similar.iter().map(|&(i, _)| i).collect();
        assert_eq!(items[0], 1, "shares linen, breezy, washed, summer: {similar:?}");
        assert!(items.contains(&2), "another shirt");
        assert!(!items.contains(&3), "boots share no word");
        assert!(!items.contains(&0), "never itself");
        assert!(similar.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(similar.iter().all(|&(_, s)| s > 0.0 && s <= 1.0 + 1e-5));
        assert_eq!(index.similar(0, 1).len(), 1);
    }

    #[test]
    fn archived_products_are_never_candidates_but_can_be_asked_about() {
        let mut products = vec![
            record("Linen Shirt", "Shirts", "Washed linen."),
            record("Linen Dress", "Dresses", "Washed linen."),
            record("Linen Skirt", "Skirts", "Washed linen."),
        ];
        let mut index = index(&products);
        products[1].archived = true;
        index.upsert(1, &products[1]);
        assert_eq!(index.listed(), 2);
        assert!(index.similar(0, 10).iter().all(|&(i, _)| i != 1));
        assert_eq!(index.similar(1, 10).iter().map(|&(i, _)| i).collect::<Vec<_>>().len(), 2);
        // Restored, it is a candidate again.
        products[1].archived = false;
        index.upsert(1, &products[1]);
        assert!(index.similar(0, 10).iter().any(|&(i, _)| i == 1));
    }

    #[test]
    fn a_changed_description_changes_the_neighbours() {
        let mut products = vec![
            record("Alpha", "Misc", "wool winter warm"),
            record("Beta", "Misc", "wool winter warm"),
            record("Gamma", "Misc", "cotton summer light"),
        ];
        let mut index = index(&products);
        assert_eq!(index.similar(0, 1)[0].0, 1);
        products[0].description = "cotton summer light".into();
        index.upsert(0, &products[0]);
        assert_eq!(index.similar(0, 1)[0].0, 2);
    }

    #[test]
    fn rare_shared_words_win_in_a_large_catalog() {
        // 20,000 products share the category word and one description word; the product
        // sharing the rare words comes first, and every list is summed within the budget.
        let mut index = ContentIndex::default();
        for i in 0..20_000u32 {
            index.upsert(i, &record(&format!("Item{i}"), "Shirts", "plain"));
        }
        index.upsert(20_000, &record("Quokka Shirt", "Shirts", "plain zebra"));
        index.upsert(20_001, &record("Quokka Hat", "Hats", "plain zebra"));
        let similar = index.similar(20_000, 5);
        assert_eq!(similar[0].0, 20_001);
        assert_eq!(similar.len(), 5);
    }

    #[test]
    fn refreshed_weights_answer_exactly_as_live_ones_and_a_change_unrefreshes_them() {
        let words = ["linen", "wool", "summer", "winter", "shirt", "dress", "washed", "warm", "light", "blue"];
        let products: Vec<ProductRecord> = (0..200)
            .map(|i| {
                let pick = |k: usize| words[(i * 7 + k * 3) % words.len()];
                record(
                    &format!("{} {}", pick(0), pick(1)),
                    pick(2),
                    &format!("{} {} {}", pick(3), pick(4), pick(i % 5)),
                )
            })
            .collect();
        let mut index = index(&products);
        let live: Vec<_> = (0..200).map(|i| index.similar(i, 10)).collect();
        index.refresh();
        let refreshed: Vec<_> = (0..200).map(|i| index.similar(i, 10)).collect();
        assert_eq!(live, refreshed);
        assert!(live.iter().all(|l| !l.is_empty()));

        // A change after the refresh is seen at once, before the next refresh.
        let mut changed = products[0].clone();
        changed.description = "quokka quokka".into();
        index.upsert(0, &changed);
        let mut twin = products[1].clone();
        twin.description = "quokka".into();
        index.upsert(1, &twin);
        assert_eq!(index.similar(0, 1)[0].0, 1);
        let before = index.similar(0, 10);
        index.refresh();
        assert_eq!(index.similar(0, 10), before);
    }

    #[test]
    fn the_streamed_best_are_the_best_of_all() {
        // Scores with many ties, offered in an order that is neither sorted nor reversed.
        let scores: Vec<(Item, f32)> = (0..1_000u32).map(|i| ((i * 7_919) % 1_000, ((i * 31) % 17) as f32)).collect();
        for k in [1, 3, 50] {
            let mut best = Best::new(k);
            for &(item, score) in &scores {
                best.offer(item, score);
            }
            let mut all = scores.clone();
            top(&mut all, k);
            assert_eq!(best.into_vec(), all, "k = {k}");
        }
    }

    #[test]
    fn top_keeps_the_best_in_order() {
        let mut scored = vec![(1, 0.5), (2, 0.9), (3, 0.5), (4, 0.1)];
        top(&mut scored, 3);
        assert_eq!(scored, vec![(2, 0.9), (1, 0.5), (3, 0.5)]);
    }
}
