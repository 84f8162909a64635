//! From the products the full text matched to the answer: filters, facet counts, order and
//! the page.
//!
//! Facets are disjunctive: each is counted over the products that pass every filter except
//! its own, so that with `category=shirts` the category facet still shows how many trousers
//! there are. One pass does it: a product failing no filter counts everywhere, a product
//! failing exactly one filter counts only in that filter's facet, any other counts nowhere.

use std::collections::BTreeMap;
use std::sync::Arc;

use contracts::money::{Currency, Money};
use contracts::search::{AvailabilityCounts, FacetCount, PriceBucket, SearchFacets, SearchHit, SearchResults};

use super::ProductDoc;
use super::cursor::{self, SortKey};
use super::request::SearchRequest;

/// Most values listed per attribute facet.
pub const MAX_ATTRIBUTE_VALUES: usize = 50;

/// The fixed lower bounds of the price facet's buckets, in minor units. The same numbers
/// serve every currency: 0–25, 25–50, 50–100, 100–200 and 200+ euros, dollars, pounds or
/// francs, and 0–2,500 … 20,000+ yen, which are ranges of a similar size.
pub const PRICE_BOUNDS: [i64; 5] = [0, 2_500, 5_000, 10_000, 20_000];

/// One product the full text matched, with its relevance.
pub type Candidate = (Arc<ProductDoc>, f32);

/// The filter a product failed, when it failed exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failed<'a> {
    Category,
    Attribute(&'a str),
    Price,
    Stock,
}

/// `None`: passes every filter; `Some(Some(f))`: fails only `f`; `Some(None)`: fails more.
fn failures<'a>(request: &'a SearchRequest, doc: &ProductDoc) -> Option<Option<Failed<'a>>> {
    let mut failed = None;
    let mut count = 0;
    let mut fail = |f: Failed<'a>| {
        count += 1;
        failed = Some(f);
    };
    if !request.categories.is_empty() && !doc.category_key.as_ref().is_some_and(|key| request.categories.contains(key))
    {
        fail(Failed::Category);
    }
    for (name, wanted) in &request.attributes {
        let has = doc.attributes.get(name).is_some_and(|values| values.iter().any(|v| wanted.contains(&v.key)));
        if !has {
            fail(Failed::Attribute(name));
        }
    }
    if request.filters_price() {
        let price = doc.prices.get(&request.currency).copied();
        let in_range = price.is_some_and(|p| {
            request.price_min.is_none_or(|min| p >= min) && request.price_max.is_none_or(|max| p <= max)
        });
        if !in_range {
            fail(Failed::Price);
        }
    }
    if request.in_stock.is_some_and(|wanted| wanted != doc.in_stock) {
        fail(Failed::Stock);
    }
    match count {
        0 => None,
        1 => Some(failed),
        _ => Some(None),
    }
}

/// Counts of one facet's values: the value first seen, its label and count, by lower-cased
/// value; borrowed from the records, so counting allocates nothing per product.
#[derive(Default)]
struct Tally<'a> {
    values: foldhash::HashMap<&'a str, (&'a str, Option<&'a str>, u64)>,
}

impl<'a> Tally<'a> {
    fn add(&mut self, key: &'a str, value: &'a str, label: Option<&'a str>) {
        self.values.entry(key).or_insert((value, label, 0)).2 += 1;
    }

    /// Most results first, then by value; at most `max`.
    fn into_counts(self, max: usize) -> Vec<FacetCount> {
        let mut counts: Vec<FacetCount> = self
            .values
            .into_values()
            .map(|(value, label, count)| FacetCount { value: value.to_owned(), label: label.map(str::to_owned), count })
            .collect();
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        counts.truncate(max);
        counts
    }
}

fn bucket(price: i64) -> usize {
    PRICE_BOUNDS.iter().rposition(|bound| price >= *bound).unwrap_or(0)
}

/// A bucket bound in major units (the bounds are whole major units in every currency).
fn major(amount: i64, currency: Currency) -> String {
    (amount / 10_i64.pow(currency.minor_digits())).to_string()
}

fn price_buckets(counts: [u64; PRICE_BOUNDS.len()], currency: Currency) -> Vec<PriceBucket> {
    PRICE_BOUNDS
        .iter()
        .enumerate()
        .map(|(i, &min)| {
            let max = PRICE_BOUNDS.get(i + 1).copied();
            let range = match max {
                Some(max) => format!("{}-{}", major(min, currency), major(max, currency)),
                None => format!("{}-", major(min, currency)),
            };
            PriceBucket { range, min, max, count: counts[i] }
        })
        .collect()
}

/// Applies `request`'s filters, facets, order and page to the products the full text matched.
pub fn answer(request: &SearchRequest, candidates: Vec<Candidate>) -> SearchResults {
    Answer::compute(request, &candidates).page(request)
}

/// What a request's words, filters and order make of the index, before paging: every page
/// of it is cut from this, so the index can keep it for the next page or the next shopper
/// (see `Snapshot`). Hits hold only their primary sort value; name and id come from the
/// record when compared.
#[derive(Debug)]
pub struct Answer {
    hits: Vec<(i64, Candidate)>,
    facets: SearchFacets,
}

/// The sort key of a kept hit, borrowed from its record.
fn key_of((primary, (doc, _)): &(i64, Candidate)) -> (i64, &str, &str) {
    (*primary, doc.name_key.as_str(), doc.id.as_str())
}

impl Answer {
    /// Filters, counts facets and sorts: one pass over the matched products and a sort.
    pub fn compute(request: &SearchRequest, candidates: &[Candidate]) -> Self {
        let currency = request.currency;
        let mut categories = Tally::default();
        let mut attributes: BTreeMap<&str, Tally<'_>> = BTreeMap::new();
        let mut prices = [0u64; PRICE_BOUNDS.len()];
        let mut availability = AvailabilityCounts::default();
        let mut hits: Vec<(i64, Candidate)> = Vec::new();

        for candidate in candidates {
            let doc = &candidate.0;
            let failed = failures(request, doc);
            let counts_in = |facet: Failed<'_>| match failed {
                None => true,
                Some(Some(only)) => only == facet,
                Some(None) => false,
            };
            if counts_in(Failed::Category)
                && let (Some(category), Some(key)) = (&doc.category, &doc.category_key)
            {
                categories.add(key, &category.slug, Some(&category.name));
            }
            for (name, values) in &doc.attributes {
                if counts_in(Failed::Attribute(name)) {
                    let tally = attributes.entry(name.as_str()).or_default();
                    values.iter().for_each(|v| tally.add(&v.key, &v.shown, None));
                }
            }
            if counts_in(Failed::Price)
                && let Some(price) = doc.prices.get(&currency)
            {
                prices[bucket(*price)] += 1;
            }
            if counts_in(Failed::Stock) {
                if doc.in_stock {
                    availability.in_stock += 1;
                } else {
                    availability.out_of_stock += 1;
                }
            }
            if failed.is_none() {
                let primary = SortKey::primary(request.sort, candidate.1, doc.prices.get(&currency).copied());
                hits.push((primary, candidate.clone()));
            }
        }

        hits.sort_by(|a, b| key_of(a).cmp(&key_of(b)));
        let facets = SearchFacets {
            category: categories.into_counts(usize::MAX),
            attributes: attributes
                .into_iter()
                .map(|(name, tally)| (name.to_owned(), tally.into_counts(MAX_ATTRIBUTE_VALUES)))
                .collect(),
            price: price_buckets(prices, currency),
            availability,
        };
        Self { hits, facets }
    }

    /// How many products passed the filters.
    pub fn len(&self) -> usize {
        self.hits.len()
    }

    /// Whether none did.
    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }

    /// The page `request` asks for (its `after` and `limit`).
    pub fn page(&self, request: &SearchRequest) -> SearchResults {
        let currency = request.currency;
        let hits = &self.hits;
        let start = request.after.as_ref().map_or(0, |after| {
            let after = (after.primary, after.name.as_str(), after.id.as_str());
            hits.partition_point(|hit| key_of(hit) <= after)
        });
        let page: Vec<&(i64, Candidate)> = hits[start..].iter().take(request.limit).collect();
        let next = (start + page.len() < hits.len())
            .then(|| {
                page.last().map(|&(primary, (doc, _))| {
                    let key = SortKey { primary: *primary, name: doc.name_key.clone(), id: doc.id.as_str().to_owned() };
                    cursor::encode(request.sort, &key)
                })
            })
            .flatten();
        let data = page
            .into_iter()
            .map(|(_, (doc, score))| SearchHit {
                product_id: doc.id.clone(),
                slug: doc.slug.clone(),
                name: doc.name.clone(),
                category: doc.category.clone(),
                price: doc.prices.get(&currency).map(|amount| Money::new(*amount, currency)),
                in_stock: doc.in_stock,
                score: *score,
            })
            .collect();
        SearchResults { data, facets: self.facets.clone(), total: hits.len() as u64, next }
    }
}

#[cfg(test)]
mod tests {
    use contracts::ids::ProductId;
    use contracts::search::{HitCategory, SearchSort};

    use super::*;
    use crate::domain::AttributeValue;

    fn doc(name: &str, category: &str, color: &str, eur: Option<i64>, in_stock: bool) -> Candidate {
        let mut attributes = BTreeMap::new();
        attributes.insert("color".to_owned(), vec![AttributeValue::new(color)]);
        let prices = eur.map(|p| (Currency::Eur, p)).into_iter().collect();
        let doc = ProductDoc {
            id: ProductId::generate(),
            slug: name.to_lowercase().replace(' ', "-"),
            name: name.to_owned(),
            name_key: name.to_lowercase(),
            category: Some(HitCategory { slug: category.to_owned(), name: category.to_uppercase() }),
            category_key: Some(category.to_lowercase()),
            attributes,
            prices,
            in_stock,
        };
        (Arc::new(doc), 1.0)
    }

    fn catalog() -> Vec<Candidate> {
        vec![
            doc("Linen Shirt", "shirts", "White", Some(4_900), true),
            doc("Oxford Shirt", "shirts", "Blue", Some(5_900), false),
            doc("Flannel Shirt", "shirts", "Red", None, true),
            doc("Chino", "trousers", "Blue", Some(7_900), true),
            doc("Linen Trousers", "trousers", "white", Some(8_900), true),
        ]
    }

    fn counts(facet: &[FacetCount]) -> Vec<(&str, u64)> {
        facet.iter().map(|f| (f.value.as_str(), f.count)).collect()
    }

    #[test]
    fn facets_count_everything_without_filters() {
        let results = answer(&SearchRequest::default(), catalog());
        assert_eq!(results.total, 5);
        assert_eq!(counts(&results.facets.category), vec![("shirts", 3), ("trousers", 2)]);
        assert_eq!(results.facets.category[0].label.as_deref(), Some("SHIRTS"));
        assert_eq!(counts(&results.facets.attributes["color"]), vec![("Blue", 2), ("White", 2), ("Red", 1)]);
        let prices: Vec<(&str, u64)> = results.facets.price.iter().map(|b| (b.range.as_str(), b.count)).collect();
        assert_eq!(prices, vec![("0-25", 0), ("25-50", 1), ("50-100", 3), ("100-200", 0), ("200-", 0)]);
        assert_eq!(results.facets.availability, AvailabilityCounts { in_stock: 4, out_of_stock: 1 });
    }

    #[test]
    fn each_facet_ignores_its_own_filter() {
        let request = SearchRequest {
            categories: vec!["shirts".into()],
            attributes: [("color".to_owned(), vec!["white".to_owned()])].into(),
            ..SearchRequest::default()
        };
        let results = answer(&request, catalog());
        assert_eq!(results.total, 1);
        assert_eq!(results.data[0].name, "Linen Shirt");
        // White things by category; shirts by color.
        assert_eq!(counts(&results.facets.category), vec![("shirts", 1), ("trousers", 1)]);
        assert_eq!(counts(&results.facets.attributes["color"]), vec![("Blue", 1), ("Red", 1), ("White", 1)]);
        assert_eq!(results.facets.availability, AvailabilityCounts { in_stock: 1, out_of_stock: 0 });
    }

    #[test]
    fn price_and_stock_filters() {
        let request = SearchRequest { price_min: Some(5_000), price_max: Some(8_000), ..SearchRequest::default() };
        let names: Vec<String> = answer(&request, catalog()).data.into_iter().map(|h| h.name).collect();
        assert_eq!(names, vec!["Chino", "Oxford Shirt"], "unpriced products never match a price filter");
        let request = SearchRequest { in_stock: Some(false), ..SearchRequest::default() };
        let results = answer(&request, catalog());
        assert_eq!(results.total, 1);
        assert_eq!(results.facets.availability, AvailabilityCounts { in_stock: 4, out_of_stock: 1 });
    }

    #[test]
    fn orders_and_pages_through_everything_once() {
        let products = catalog();
        let names = |sort| {
            let mut request = SearchRequest { sort, limit: 2, ..SearchRequest::default() };
            let mut names = Vec::new();
            loop {
                let page = answer(&request, products.clone());
                assert!(page.data.len() <= 2);
                names.extend(page.data.into_iter().map(|h| h.name));
                match page.next {
                    Some(next) => request.after = Some(cursor::decode(&next, sort).expect("cursor")),
                    None => break names,
                }
            }
        };
        assert_eq!(
            names(SearchSort::Name),
            ["Chino", "Flannel Shirt", "Linen Shirt", "Linen Trousers", "Oxford Shirt"]
        );
        assert_eq!(
            names(SearchSort::PriceAsc),
            ["Linen Shirt", "Oxford Shirt", "Chino", "Linen Trousers", "Flannel Shirt"]
        );
        assert_eq!(
            names(SearchSort::PriceDesc),
            ["Linen Trousers", "Chino", "Oxford Shirt", "Linen Shirt", "Flannel Shirt"]
        );
    }

    #[test]
    fn relevance_orders_by_score_then_name() {
        let mut candidates = catalog();
        candidates[3].1 = 3.0;
        candidates[1].1 = 2.0;
        let names: Vec<String> =
            answer(&SearchRequest::default(), candidates).data.into_iter().map(|h| h.name).collect();
        assert_eq!(names, ["Chino", "Oxford Shirt", "Flannel Shirt", "Linen Shirt", "Linen Trousers"]);
    }

    #[test]
    fn buckets_are_labelled_in_major_units() {
        let yen = price_buckets([0; 5], Currency::Jpy);
        assert_eq!(yen[1].range, "2500-5000");
        assert_eq!((bucket(0), bucket(2_499), bucket(2_500), bucket(1_000_000)), (0, 0, 1, 4));
    }
}
