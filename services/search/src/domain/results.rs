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

use super::cursor::{self, SortKey};
use super::facet_ids::FacetId;
use super::request::SearchRequest;
use super::{Facts, ProductDoc};

/// Most values listed per attribute facet.
pub const MAX_ATTRIBUTE_VALUES: usize = 50;

/// The fixed lower bounds of the price facet's buckets, in minor units. The same numbers
/// serve every currency: 0–25, 25–50, 50–100, 100–200 and 200+ euros, dollars, pounds or
/// francs, and 0–2,500 … 20,000+ yen, which are ranges of a similar size.
pub const PRICE_BOUNDS: [i64; 5] = [0, 2_500, 5_000, 10_000, 20_000];

/// One product the full text matched: its record, its facts (copied beside it, so that a
/// scan of a whole catalog reads a contiguous list rather than every record), its relevance.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// The record.
    pub doc: &'a Arc<ProductDoc>,
    /// The record's facts.
    pub facts: Facts,
    /// Relevance.
    pub score: f32,
}

/// The filter a product failed, when it failed exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failed<'a> {
    Category,
    Attribute(&'a str),
    Price,
    Stock,
}

/// The category filter, decided once per category by its slug and then remembered by its
/// number: a scan of the whole catalog for a category page reads no slug per product.
struct Categories<'a> {
    wanted: &'a [String],
    known: foldhash::HashMap<FacetId, bool>,
}

impl<'a> Categories<'a> {
    fn new(wanted: &'a [String]) -> Self {
        Self { wanted, known: foldhash::HashMap::default() }
    }

    fn accept(&mut self, candidate: &Candidate<'_>) -> bool {
        if self.wanted.is_empty() {
            return true;
        }
        let Some(id) = candidate.facts.category else { return false };
        let wanted = self.wanted;
        *self.known.entry(id).or_insert_with(|| candidate.doc.category_key.as_ref().is_some_and(|k| wanted.contains(k)))
    }
}

/// `None`: passes every filter; `Some(Some(f))`: fails only `f`; `Some(None)`: fails more.
fn failures<'a>(
    request: &'a SearchRequest,
    categories: &mut Categories<'_>,
    candidate: &Candidate<'_>,
) -> Option<Option<Failed<'a>>> {
    let doc = candidate.doc;
    let mut failed = None;
    let mut count = 0;
    let mut fail = |f: Failed<'a>| {
        count += 1;
        failed = Some(f);
    };
    if !categories.accept(candidate) {
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
    if request.in_stock.is_some_and(|wanted| wanted != candidate.facts.in_stock) {
        fail(Failed::Stock);
    }
    match count {
        0 => None,
        1 => Some(failed),
        _ => Some(None),
    }
}

/// One facet value's count, shown as the product first counted has it.
struct Counted<'a> {
    /// The attribute; `None` for the category facet.
    attribute: Option<&'a str>,
    value: &'a str,
    label: Option<&'a str>,
    count: u64,
}

/// Counts of every facet's values, by the values' numbers (see
/// [`FacetIds`](super::facet_ids::FacetIds)): counting a product hashes a number per value
/// and compares no strings; the strings are borrowed from the records, so it allocates
/// nothing per product either.
#[derive(Default)]
struct Tally<'a> {
    counts: foldhash::HashMap<FacetId, Counted<'a>>,
}

impl<'a> Tally<'a> {
    /// Counts one product with the value `id`; `shown` (attribute, value, label) is read
    /// from the record only for the value's first product.
    fn add(&mut self, id: FacetId, shown: impl FnOnce() -> (Option<&'a str>, &'a str, Option<&'a str>)) {
        self.counts
            .entry(id)
            .or_insert_with(|| {
                let (attribute, value, label) = shown();
                Counted { attribute, value, label, count: 0 }
            })
            .count += 1;
    }

    /// The category facet (every value) and each attribute's (at most
    /// [`MAX_ATTRIBUTE_VALUES`]), most results first, then by value.
    fn into_facets(self) -> (Vec<FacetCount>, BTreeMap<String, Vec<FacetCount>>) {
        let mut categories = Vec::new();
        let mut attributes: BTreeMap<&str, Vec<FacetCount>> = BTreeMap::new();
        for counted in self.counts.into_values() {
            let count = FacetCount {
                value: counted.value.to_owned(),
                label: counted.label.map(str::to_owned),
                count: counted.count,
            };
            match counted.attribute {
                None => categories.push(count),
                Some(name) => attributes.entry(name).or_default().push(count),
            }
        }
        let most_first = |counts: &mut Vec<FacetCount>, max: usize| {
            counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            counts.truncate(max);
        };
        most_first(&mut categories, usize::MAX);
        let attributes = attributes
            .into_iter()
            .map(|(name, mut counts)| {
                most_first(&mut counts, MAX_ATTRIBUTE_VALUES);
                (name.to_owned(), counts)
            })
            .collect();
        (categories, attributes)
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

/// What a request's words, filters and order make of the index, before paging: every page
/// of it is cut from this, so the index can keep it for the next page or the next shopper
/// (see `Snapshot`). Hits hold only their primary sort value; name and id come from the
/// record when compared.
#[derive(Debug)]
pub struct Answer {
    hits: Vec<Hit>,
    facets: SearchFacets,
}

/// A product that passed the filters.
#[derive(Debug)]
struct Hit {
    /// Its primary sort value.
    primary: i64,
    doc: Arc<ProductDoc>,
    score: f32,
}

impl Hit {
    /// The sort key, borrowed from the record.
    fn key(&self) -> (i64, &str, &str) {
        (self.primary, self.doc.name_key.as_str(), self.doc.id.as_str())
    }
}

impl Answer {
    /// Filters, counts facets and sorts: one pass over the matched products and a sort.
    pub fn compute(request: &SearchRequest, candidates: &[Candidate<'_>]) -> Self {
        let currency = request.currency;
        let mut tally = Tally::default();
        let mut in_categories = Categories::new(&request.categories);
        let mut prices = [0u64; PRICE_BOUNDS.len()];
        let mut availability = AvailabilityCounts::default();
        let mut hits: Vec<Hit> = Vec::new();

        // Most products of a category page fail its category filter and only count in the
        // category facet: for those, this reads the candidate and not the record.
        for candidate in candidates {
            let doc = candidate.doc;
            let failed = failures(request, &mut in_categories, candidate);
            let counts_in = |facet: Failed<'_>| match failed {
                None => true,
                Some(Some(only)) => only == facet,
                Some(None) => false,
            };
            if counts_in(Failed::Category)
                && let Some(id) = candidate.facts.category
                && let Some(category) = &doc.category
            {
                tally.add(id, || (None, &category.slug, Some(&category.name)));
            }
            if matches!(failed, None | Some(Some(Failed::Attribute(_)))) {
                for (name, values) in &doc.attributes {
                    if counts_in(Failed::Attribute(name)) {
                        values.iter().for_each(|v| tally.add(v.facet, || (Some(name), &v.shown, None)));
                    }
                }
            }
            if counts_in(Failed::Price)
                && let Some(price) = doc.prices.get(&currency)
            {
                prices[bucket(*price)] += 1;
            }
            if counts_in(Failed::Stock) {
                if candidate.facts.in_stock {
                    availability.in_stock += 1;
                } else {
                    availability.out_of_stock += 1;
                }
            }
            if failed.is_none() {
                let primary = SortKey::primary(request.sort, candidate.score, doc.prices.get(&currency).copied());
                hits.push(Hit { primary, doc: doc.clone(), score: candidate.score });
            }
        }

        hits.sort_by(|a, b| a.key().cmp(&b.key()));
        let (category, attributes) = tally.into_facets();
        let facets = SearchFacets { category, attributes, price: price_buckets(prices, currency), availability };
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
            hits.partition_point(|hit| hit.key() <= after)
        });
        let page: Vec<&Hit> = hits[start..].iter().take(request.limit).collect();
        let next = (start + page.len() < hits.len())
            .then(|| {
                page.last().map(|hit| {
                    let (primary, name, id) = hit.key();
                    cursor::encode(request.sort, &SortKey { primary, name: name.to_owned(), id: id.to_owned() })
                })
            })
            .flatten();
        let data = page
            .into_iter()
            .map(|Hit { doc, score, .. }| SearchHit {
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
    use crate::domain::facet_ids::FacetIds;

    /// A record and its relevance.
    type Matched = (Arc<ProductDoc>, f32);

    /// Applies `request`'s filters, facets, order and page to `matched`.
    fn answer(request: &SearchRequest, matched: Vec<Matched>) -> SearchResults {
        let candidates: Vec<Candidate<'_>> =
            matched.iter().map(|(doc, score)| Candidate { doc, facts: doc.facts(), score: *score }).collect();
        Answer::compute(request, &candidates).page(request)
    }

    fn doc(ids: &mut FacetIds, name: &str, category: &str, color: &str, eur: Option<i64>, in_stock: bool) -> Matched {
        let mut attributes = BTreeMap::new();
        attributes.insert("color".to_owned(), vec![AttributeValue::new("color", color, ids)]);
        let prices = eur.map(|p| (Currency::Eur, p)).into_iter().collect();
        let doc = ProductDoc {
            id: ProductId::generate(),
            slug: name.to_lowercase().replace(' ', "-"),
            name: name.to_owned(),
            name_key: name.to_lowercase(),
            category: Some(HitCategory { slug: category.to_owned(), name: category.to_uppercase() }),
            category_key: Some(category.to_lowercase()),
            category_facet: Some(ids.category(&category.to_lowercase())),
            attributes,
            prices,
            in_stock,
        };
        (Arc::new(doc), 1.0)
    }

    fn catalog() -> Vec<Matched> {
        let ids = &mut FacetIds::default();
        vec![
            doc(ids, "Linen Shirt", "shirts", "White", Some(4_900), true),
            doc(ids, "Oxford Shirt", "shirts", "Blue", Some(5_900), false),
            doc(ids, "Flannel Shirt", "shirts", "Red", None, true),
            doc(ids, "Chino", "trousers", "Blue", Some(7_900), true),
            doc(ids, "Linen Trousers", "trousers", "white", Some(8_900), true),
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
    fn every_attribute_filter_must_match_by_its_own_attribute() {
        let ids = &mut FacetIds::default();
        let mut product = |name: &str, attributes: &[(&str, &str)]| -> Matched {
            let product = crate::domain::IndexedProduct {
                id: ProductId::generate(),
                slug: name.to_lowercase(),
                name: name.to_owned(),
                description: String::new(),
                brand: None,
                category: None,
                attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
                variants: Vec::new(),
                archived: false,
                version: 1,
                prices: BTreeMap::new(),
                available: 1,
            };
            (Arc::new(product.doc(ids)), 1.0)
        };
        let catalog = vec![
            product("White Linen", &[("color", "White"), ("material", "Linen")]),
            product("Blue Linen", &[("color", "Blue"), ("material", "linen")]),
            product("White Cotton", &[("color", "white"), ("material", "Cotton")]),
            product("Red Linen, white trim", &[("color", "Red"), ("material", "Linen"), ("trim", "White")]),
        ];
        let request = SearchRequest {
            attributes: [
                ("color".to_owned(), vec!["white".to_owned(), "blue".to_owned()]),
                ("material".to_owned(), vec!["linen".to_owned()]),
            ]
            .into(),
            sort: SearchSort::Name,
            ..SearchRequest::default()
        };
        let results = answer(&request, catalog);
        let names: Vec<&str> = results.data.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Blue Linen", "White Linen"], "a white trim is not a white colour");
        // Linen things by colour (the red one fails only the colour filter); blue or white
        // things by material (the cotton one fails only the material filter).
        assert_eq!(counts(&results.facets.attributes["color"]), vec![("Blue", 1), ("Red", 1), ("White", 1)]);
        assert_eq!(counts(&results.facets.attributes["material"]), vec![("Linen", 2), ("Cotton", 1)]);
        assert!(!results.facets.attributes.contains_key("trim"), "counted only where it failed two filters");
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
