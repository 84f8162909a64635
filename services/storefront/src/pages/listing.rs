//! Category and search pages: a page of products from the search API with facets, filters
//! and sorting; when search fails or is slow, catalog's plain listing instead ("filters
//! unavailable"), priced with one optional call to pricing.

use std::collections::BTreeMap;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use contracts::catalog::{Category, CategoryList, Product, ProductList};
use contracts::money::Money;
use contracts::pricing::SkuPrices;
use contracts::search::{SearchResults, SearchSort};

use super::{FormData, Layout, failure_page, not_found_page};
use crate::AppState;
use crate::api::{ApiError, Request, encode};
use crate::money;
use crate::session::Shopper;

/// Products per page.
const PAGE_SIZE: usize = 24;
/// Search is optional: past this, the page falls back to catalog.
const SEARCH_DEADLINE: Duration = Duration::from_millis(800);
/// Prices on a fallback page are decoration.
const PRICES_DEADLINE: Duration = Duration::from_millis(400);
/// At most this many attribute filters are taken from a URL.
const MAX_FILTERS: usize = 40;
/// Attribute facets shown beside a result, and values per facet: enough to narrow a
/// category, few enough to keep a page small.
const MAX_ATTRIBUTE_FACETS: usize = 8;
const MAX_FACET_VALUES: usize = 10;
/// Values longer than this on average are descriptions, not filters.
const MAX_FACET_VALUE_LENGTH: usize = 24;

/// Whether an attribute's values are short enough to filter by.
fn is_facet_like(values: &[contracts::search::FacetCount]) -> bool {
    !values.is_empty()
        && values.iter().map(|v| v.value.chars().count()).sum::<usize>() / values.len() <= MAX_FACET_VALUE_LENGTH
}

/// One product in a grid.
#[derive(Debug)]
pub struct Item {
    /// Its page.
    pub href: String,
    /// Its name.
    pub name: String,
    /// Its category's name.
    pub category: String,
    /// "From" price, or empty.
    pub price: String,
    /// "In stock", "Out of stock", or empty when unknown.
    pub stock: &'static str,
}

impl Item {
    fn from_product(product: &Product, price: Option<Money>) -> Self {
        Self {
            href: format!("/products/{}", encode(&product.slug)),
            name: product.name.clone(),
            category: product.category.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            price: price.map(money::format).unwrap_or_default(),
            stock: "",
        }
    }
}

/// What the shopper asked for in the URL. Nothing in it is an error: a shop URL that no
/// longer fits the catalog shows what still matches.
#[derive(Debug, Default, Clone)]
struct Wanted {
    q: String,
    categories: Vec<String>,
    attributes: Vec<(String, String)>,
    price: Option<(i64, Option<i64>)>,
    in_stock: bool,
    sort: SearchSort,
    after: Option<String>,
    catalog_after: Option<String>,
}

fn attribute_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Wanted {
    fn parse(query: Option<&str>) -> Self {
        let form = FormData::parse(query.unwrap_or_default().as_bytes());
        let mut wanted = Wanted { q: form.get("q").chars().take(200).collect(), ..Self::default() };
        for (key, value) in form.pairs() {
            let value = value.trim();
            if value.is_empty() || value.len() > 100 {
                continue;
            }
            if key == "category" && wanted.categories.len() < MAX_FILTERS {
                wanted.categories.push(value.to_owned());
            } else if let Some(name) = key.strip_prefix("attr.")
                && attribute_name(name)
                && wanted.attributes.len() < MAX_FILTERS
            {
                wanted.attributes.push((name.to_ascii_lowercase(), value.to_owned()));
            }
        }
        wanted.price = form.get("price").split_once('-').and_then(|(min, max)| {
            let min = min.parse::<i64>().ok().filter(|m| *m >= 0)?;
            let max = if max.is_empty() { None } else { Some(max.parse::<i64>().ok().filter(|m| *m > min)?) };
            Some((min, max))
        });
        wanted.in_stock = form.get("in_stock") == "true";
        wanted.sort = SearchSort::parse(&form.get("sort")).unwrap_or_default();
        wanted.after = Some(form.get("after")).filter(|a| !a.is_empty() && a.len() <= 512);
        wanted.catalog_after = Some(form.get("catalog_after")).filter(|a| !a.is_empty() && a.len() <= 512);
        wanted
    }

    /// The shop URL of these choices at `base`, without the cursors.
    fn href(&self, base: &str, with_categories: bool) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        if with_categories {
            for category in &self.categories {
                query.append_pair("category", category);
            }
        }
        for (name, value) in &self.attributes {
            query.append_pair(&format!("attr.{name}"), value);
        }
        if let Some((min, max)) = self.price {
            query.append_pair("price", &format!("{min}-{}", max.map(|m| m.to_string()).unwrap_or_default()));
        }
        if self.in_stock {
            query.append_pair("in_stock", "true");
        }
        if self.sort != SearchSort::Relevance {
            query.append_pair("sort", self.sort.as_str());
        }
        let query = query.finish();
        if query.is_empty() { base.to_owned() } else { format!("{base}?{query}") }
    }

    /// The search API query for these choices over `scope` (category slugs).
    fn search_path(&self, scope: &[String], currency: &str, with_filters: bool) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        for category in scope {
            query.append_pair("category", category);
        }
        if with_filters {
            for (name, value) in &self.attributes {
                query.append_pair(&format!("attr.{name}"), value);
            }
            if let Some((min, max)) = self.price {
                query.append_pair("price_min", &min.to_string());
                if let Some(max) = max {
                    query.append_pair("price_max", &(max - 1).to_string());
                }
            }
            if self.in_stock {
                query.append_pair("in_stock", "true");
            }
            if let Some(after) = &self.after {
                query.append_pair("after", after);
            }
        }
        query.append_pair("currency", currency);
        query.append_pair("sort", self.sort.as_str());
        query.append_pair("limit", &PAGE_SIZE.to_string());
        format!("/search?{}", query.finish())
    }
}

/// One choice of a facet.
#[derive(Debug)]
pub struct Choice {
    /// The form value.
    pub value: String,
    /// What the shopper reads.
    pub label: String,
    /// How many products have it.
    pub count: u64,
    /// Whether it is chosen.
    pub checked: bool,
}

/// One attribute facet.
#[derive(Debug)]
pub struct AttributeFacet {
    /// The form field (`attr.color`).
    pub field: String,
    /// The heading (`Color`).
    pub label: String,
    /// Its values.
    pub choices: Vec<Choice>,
}

/// The filters beside a result.
#[derive(Debug, Default)]
pub struct Facets {
    /// Categories.
    pub categories: Vec<Choice>,
    /// Attributes.
    pub attributes: Vec<AttributeFacet>,
    /// Price ranges.
    pub prices: Vec<Choice>,
    /// Whether no price range is chosen.
    pub any_price: bool,
    /// Whether only products in stock are shown.
    pub in_stock: bool,
    /// How many are in stock.
    pub in_stock_count: u64,
}

/// A sort option.
#[derive(Debug)]
pub struct SortOption {
    /// The value.
    pub value: &'static str,
    /// The label.
    pub label: &'static str,
    /// Whether chosen.
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "listing.html")]
struct ListingPage {
    layout: Layout,
    heading: String,
    summary: String,
    items: Vec<Item>,
    facets: Option<Facets>,
    sorts: Vec<SortOption>,
    action: String,
    q: String,
    next: Option<String>,
    first: Option<String>,
    subcategories: Vec<(String, String)>,
}

fn capitalise(name: &str) -> String {
    let mut chars = name.replace(['_', '-'], " ").chars().collect::<Vec<_>>();
    if let Some(first) = chars.first_mut() {
        *first = first.to_ascii_uppercase();
    }
    chars.into_iter().collect()
}

fn sorts(chosen: SearchSort, relevance: &'static str) -> Vec<SortOption> {
    SearchSort::ALL
        .into_iter()
        .map(|s| SortOption {
            value: s.as_str(),
            label: match s {
                SearchSort::Relevance => relevance,
                SearchSort::PriceAsc => "Price: low to high",
                SearchSort::PriceDesc => "Price: high to low",
                SearchSort::Name => "Name",
            },
            selected: s == chosen,
        })
        .collect()
}

fn facets(results: &SearchResults, wanted: &Wanted, allowed_categories: Option<&[String]>, shop: &AppState) -> Facets {
    let categories: Vec<Choice> = results
        .facets
        .category
        .iter()
        .filter(|c| allowed_categories.is_none_or(|allowed| allowed.contains(&c.value)))
        .map(|c| Choice {
            value: c.value.clone(),
            label: c.label.clone().unwrap_or_else(|| c.value.clone()),
            count: c.count,
            checked: wanted.categories.contains(&c.value),
        })
        .collect();
    let chosen = |name: &str| wanted.attributes.iter().any(|(n, _)| n == name);
    let attributes = results
        .facets
        .attributes
        .iter()
        // Long free-text values (care instructions) make poor filters and long pages.
        .filter(|(name, values)| chosen(name) || is_facet_like(values))
        .take(MAX_ATTRIBUTE_FACETS)
        .map(|(name, values)| AttributeFacet {
            field: format!("attr.{name}"),
            label: capitalise(name),
            choices: values
                .iter()
                .take(MAX_FACET_VALUES)
                .map(|v| Choice {
                    value: v.value.clone(),
                    label: v.label.clone().unwrap_or_else(|| v.value.clone()),
                    count: v.count,
                    checked: wanted
                        .attributes
                        .iter()
                        .any(|(n, value)| n == name && value.eq_ignore_ascii_case(&v.value)),
                })
                .collect(),
        })
        .filter(|f| !f.choices.is_empty())
        .collect();
    let prices = results
        .facets
        .price
        .iter()
        .filter(|b| b.count > 0 || wanted.price.is_some_and(|(min, _)| min == b.min))
        .map(|b| Choice {
            value: format!("{}-{}", b.min, b.max.map(|m| m.to_string()).unwrap_or_default()),
            label: money::range(b.min, b.max, shop.shop.currency),
            count: b.count,
            checked: wanted.price == Some((b.min, b.max)),
        })
        .collect();
    Facets {
        // One category to choose is no choice.
        categories: if categories.len() > 1 { categories } else { Vec::new() },
        attributes,
        prices,
        any_price: wanted.price.is_none(),
        in_stock: wanted.in_stock,
        in_stock_count: results.facets.availability.in_stock,
    }
}

fn items_of(results: &SearchResults) -> Vec<Item> {
    results
        .data
        .iter()
        .map(|hit| Item {
            href: format!("/products/{}", encode(&hit.slug)),
            name: hit.name.clone(),
            category: hit.category.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            price: hit.price.map(money::format).unwrap_or_default(),
            stock: if hit.in_stock { "In stock" } else { "Out of stock" },
        })
        .collect()
}

/// Asks search; a refused query (a stale cursor, a filter search no longer takes) is asked
/// again without the filters rather than shown as an error.
async fn ask_search(state: &AppState, wanted: &Wanted, scope: &[String]) -> Result<SearchResults, ApiError> {
    let currency = state.shop.currency.code();
    let request = Request::get(wanted.search_path(scope, currency, true)).timeout(SEARCH_DEADLINE);
    match state.api.json::<SearchResults>(request).await {
        Err(err) if err.status().is_some_and(|s| s.is_client_error()) => {
            let request = Request::get(wanted.search_path(scope, currency, false)).timeout(SEARCH_DEADLINE);
            state.api.json(request).await
        }
        other => other,
    }
}

/// A page of catalog's listing with the lowest price of each product, for when search is out.
async fn catalog_page(
    state: &AppState,
    shopper: &Shopper,
    category: Option<&str>,
    after: Option<&str>,
) -> Result<(Vec<Item>, Option<String>), ApiError> {
    let mut path = format!("/products?limit={PAGE_SIZE}");
    if let Some(category) = category {
        path.push_str(&format!("&category={}", encode(category)));
    }
    if let Some(after) = after {
        path.push_str(&format!("&after={}", encode(after)));
    }
    let list: ProductList = match state.api.json(Request::get(path.clone())).await {
        Err(err) if after.is_some() && err.status().is_some_and(|s| s.is_client_error()) => {
            let first = path.split("&after=").next().unwrap_or_default().to_owned();
            state.api.json(Request::get(first)).await?
        }
        other => other?,
    };
    let prices = lowest_prices(state, shopper, &list.data).await;
    let items = list.data.iter().map(|p| Item::from_product(p, prices.get(p.id.as_str()).copied())).collect();
    Ok((items, list.next))
}

/// The lowest list price of each product (by id), from one optional call to pricing.
pub async fn lowest_prices(state: &AppState, shopper: &Shopper, products: &[Product]) -> BTreeMap<String, Money> {
    let owners: BTreeMap<&str, &str> = products
        .iter()
        .flat_map(|p| p.variants.iter().map(move |v| (v.sku.as_str(), p.id.as_str())))
        .take(100)
        .collect();
    if owners.is_empty() {
        return BTreeMap::new();
    }
    let skus: Vec<String> = owners.keys().map(|s| encode(s)).collect();
    let mut path = format!("/prices?sku={}&currency={}", skus.join(","), state.shop.currency.code());
    if let Some(group) = shopper.customer_group() {
        path.push_str(&format!("&customer_group={}", encode(group)));
    }
    let mut lowest = BTreeMap::new();
    match state.api.json::<SkuPrices>(Request::get(path).timeout(PRICES_DEADLINE)).await {
        Ok(prices) => {
            for price in prices.data {
                if let Some(product) = owners.get(price.sku.as_str()) {
                    let entry = lowest.entry((*product).to_owned()).or_insert(price.unit_price);
                    if price.unit_price.amount < entry.amount {
                        *entry = price.unit_price;
                    }
                }
            }
        }
        Err(err) => tracing::debug!(error = %err, "listing without prices"),
    }
    lowest
}

/// The category tree.
pub async fn categories(state: &AppState) -> Result<Vec<Category>, ApiError> {
    state.api.json::<CategoryList>(Request::get("/categories")).await.map(|list| list.data)
}

fn next_href(href: &str, param: &str, cursor: Option<&String>) -> Option<String> {
    let cursor = cursor?;
    let separator = if href.contains('?') { '&' } else { '?' };
    Some(format!("{href}{separator}{param}={}", encode(cursor)))
}

/// `GET /categories/{slug}`.
pub async fn category(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let all = match categories(&state).await {
        Ok(all) => all,
        Err(err) => return failure_page(&shopper, &err),
    };
    let Some(category) = all.iter().find(|c| c.slug == slug) else {
        return not_found_page(&shopper);
    };
    let children: Vec<&Category> = all.iter().filter(|c| c.parent.as_ref() == Some(&category.id)).collect();
    let mut wanted = Wanted::parse(query.as_deref());
    wanted.q.clear();
    let leaves: Vec<String> = if children.is_empty() {
        vec![category.slug.clone()]
    } else {
        children.iter().map(|c| c.slug.clone()).collect()
    };
    wanted.categories.retain(|c| leaves.contains(c));
    let scope = if wanted.categories.is_empty() { leaves.clone() } else { wanted.categories.clone() };
    let base = format!("/categories/{}", encode(&category.slug));
    let mut layout = Layout::new(category.name.clone(), &shopper);
    let subcategories = children.iter().map(|c| (format!("/categories/{}", encode(&c.slug)), c.name.clone())).collect();
    let page = match ask_search(&state, &wanted, &scope).await {
        Ok(results) => {
            let href = wanted.href(&base, true);
            ListingPage {
                heading: category.name.clone(),
                summary: format!("{} products", results.total),
                items: items_of(&results),
                facets: Some(facets(&results, &wanted, Some(&leaves), &state)),
                sorts: sorts(wanted.sort, "Featured"),
                next: next_href(&href, "after", results.next.as_ref()),
                first: wanted.after.is_some().then(|| href.clone()),
                action: base,
                q: String::new(),
                subcategories,
                layout,
            }
        }
        Err(err) => {
            tracing::warn!(error = %runtime::error_chain(&err), "category page without search");
            let (items, next) =
                match catalog_page(&state, &shopper, Some(&category.slug), wanted.catalog_after.as_deref()).await {
                    Ok(page) => page,
                    Err(err) => return failure_page(&shopper, &err),
                };
            layout.notice = Some("Filters unavailable right now: showing every product in this category.".into());
            layout.degraded = "search".into();
            ListingPage {
                heading: category.name.clone(),
                summary: String::new(),
                items,
                facets: None,
                sorts: Vec::new(),
                next: next_href(&base, "catalog_after", next.as_ref()),
                first: wanted.catalog_after.is_some().then(|| base.clone()),
                action: base,
                q: String::new(),
                subcategories,
                layout,
            }
        }
    };
    page.into_response()
}

/// `GET /search?q=…`.
pub async fn search_page(state: &AppState, shopper: &Shopper, query: Option<&str>) -> Response {
    let wanted = Wanted::parse(query);
    let heading =
        if wanted.q.is_empty() { "All products".to_owned() } else { format!("Results for “{}”", wanted.q) };
    let mut layout = Layout::new(heading.clone(), shopper);
    layout.q = wanted.q.clone();
    let page = match ask_search(state, &wanted, &wanted.categories).await {
        Ok(results) => {
            let href = wanted.href("/search", true);
            ListingPage {
                heading,
                summary: match results.total {
                    0 => "Nothing matches. Try fewer or other words.".to_owned(),
                    1 => "1 product".to_owned(),
                    n => format!("{n} products"),
                },
                items: items_of(&results),
                facets: Some(facets(&results, &wanted, None, state)),
                sorts: sorts(wanted.sort, "Best match"),
                next: next_href(&href, "after", results.next.as_ref()),
                first: wanted.after.is_some().then(|| href.clone()),
                action: "/search".into(),
                q: wanted.q.clone(),
                subcategories: Vec::new(),
                layout,
            }
        }
        Err(err) => {
            tracing::warn!(error = %runtime::error_chain(&err), "search page without search");
            let category = wanted.categories.first().map(String::as_str);
            let (items, next) = match catalog_page(state, shopper, category, wanted.catalog_after.as_deref()).await {
                Ok(page) => page,
                Err(err) => return failure_page(shopper, &err),
            };
            layout.notice = Some("Search and filters are unavailable right now: here is our catalog instead.".into());
            layout.degraded = "search".into();
            let base = match category {
                Some(c) => format!("/search?category={}", encode(c)),
                None => "/search".to_owned(),
            };
            ListingPage {
                heading,
                summary: String::new(),
                items,
                facets: None,
                sorts: Vec::new(),
                next: next_href(&base, "catalog_after", next.as_ref()),
                first: wanted.catalog_after.is_some().then(|| base.clone()),
                action: "/search".into(),
                q: wanted.q.clone(),
                subcategories: Vec::new(),
                layout,
            }
        }
    };
    page.into_response()
}

/// `GET /search`.
pub async fn search_handler(State(state): State<AppState>, shopper: Shopper, RawQuery(query): RawQuery) -> Response {
    search_page(&state, &shopper, query.as_deref()).await
}

/// A few products for the home page: in stock, from search, or catalog's first ones.
pub async fn featured(state: &AppState, shopper: &Shopper) -> (Vec<Item>, bool) {
    let path = format!("/search?in_stock=true&limit=8&currency={}", state.shop.currency.code());
    match state.api.json::<SearchResults>(Request::get(path).timeout(SEARCH_DEADLINE)).await {
        Ok(results) => (items_of(&results), false),
        Err(_) => match catalog_page(state, shopper, None, None).await {
            Ok((mut items, _)) => {
                items.truncate(8);
                (items, true)
            }
            Err(_) => (Vec::new(), true),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_search_queries_and_back() {
        let wanted = Wanted::parse(Some(
            "q=linen+shirt&attr.color=black&attr.color=white&attr.bad%20name=x&price=2500-5000&in_stock=true&sort=price_asc&after=abc&unknown=1",
        ));
        assert_eq!(wanted.attributes.len(), 2, "an attribute name with a space is dropped");
        assert_eq!(wanted.price, Some((2500, Some(5000))));
        let path = wanted.search_path(&["shirts".into()], "EUR", true);
        assert_eq!(
            path,
            "/search?q=linen+shirt&category=shirts&attr.color=black&attr.color=white&price_min=2500&price_max=4999\
             &in_stock=true&after=abc&currency=EUR&sort=price_asc&limit=24"
        );
        assert_eq!(
            wanted.href("/search", true),
            "/search?q=linen+shirt&attr.color=black&attr.color=white&price=2500-5000&in_stock=true&sort=price_asc"
        );
        let open = Wanted::parse(Some("price=20000-&sort=nonsense"));
        assert_eq!(open.price, Some((20000, None)));
        assert_eq!(open.sort, SearchSort::Relevance);
        assert_eq!(Wanted::parse(Some("price=50-10")).price, None);
    }
}
