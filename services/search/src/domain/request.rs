//! `GET /v1/search`'s query string, validated: every problem is reported at once, each
//! naming its parameter; an unknown parameter is an error, never silently ignored (a
//! misspelt filter would otherwise quietly widen the result).

use std::collections::BTreeMap;

use contracts::money::Currency;
use contracts::search::SearchSort;
use runtime::http::FieldError;

use super::cursor::{self, SortKey};
use super::normalise;

/// Longest `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: usize = 20;
/// Largest page.
pub const MAX_LIMIT: usize = 100;
/// Longest filter value (a category slug, an attribute name or value).
pub const MAX_VALUE_CHARS: usize = 100;
/// Most filter values in one request (`category` and every `attr.*` together).
pub const MAX_FILTER_VALUES: usize = 50;
/// The currency when none is asked for.
pub const DEFAULT_CURRENCY: Currency = Currency::Eur;

/// The parameters taken once.
const SINGLE: [&str; 8] = ["q", "price_min", "price_max", "currency", "in_stock", "sort", "limit", "after"];
/// The prefix of attribute filters: `attr.color=black`.
pub const ATTR_PREFIX: &str = "attr.";

/// A valid search.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchRequest {
    /// The words, trimmed; empty lists everything.
    pub q: String,
    /// Category slugs; a product in any of them matches (none: no filter).
    pub categories: Vec<String>,
    /// Attribute filters by lower-case name, values lower-cased: a product matches one when
    /// it has any of the values (product or variant attribute); all of them must match.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Lowest price, minor units, inclusive.
    pub price_min: Option<i64>,
    /// Highest price, minor units, inclusive.
    pub price_max: Option<i64>,
    /// The currency of prices, price filters and price facets.
    pub currency: Currency,
    /// `true`: in stock only; `false`: out of stock only; absent: both.
    pub in_stock: Option<bool>,
    /// The order.
    pub sort: SearchSort,
    /// Page size.
    pub limit: usize,
    /// The key of the last hit already seen.
    pub after: Option<SortKey>,
}

/// What a request's answer depends on: everything but the page (`limit`, `after`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    q: String,
    categories: Vec<String>,
    attributes: BTreeMap<String, Vec<String>>,
    price_min: Option<i64>,
    price_max: Option<i64>,
    currency: Currency,
    in_stock: Option<bool>,
    sort: SearchSort,
}

impl SearchRequest {
    /// The key of this request's answer.
    pub fn answer_key(&self) -> AnswerKey {
        AnswerKey {
            q: self.q.clone(),
            categories: self.categories.clone(),
            attributes: self.attributes.clone(),
            price_min: self.price_min,
            price_max: self.price_max,
            currency: self.currency,
            in_stock: self.in_stock,
            sort: self.sort,
        }
    }
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            q: String::new(),
            categories: Vec::new(),
            attributes: BTreeMap::new(),
            price_min: None,
            price_max: None,
            currency: DEFAULT_CURRENCY,
            in_stock: None,
            sort: SearchSort::Relevance,
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

fn filter_value(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > MAX_VALUE_CHARS {
        errors.push(FieldError::new(field, format!("must be at most {MAX_VALUE_CHARS} characters")));
        return None;
    }
    // An empty value is an empty form field: no filter.
    (!value.is_empty()).then(|| value.to_lowercase())
}

fn amount(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match value.parse::<i64>() {
        Ok(amount) if amount >= 0 => Some(amount),
        _ => {
            errors.push(FieldError::new(field, "must be a whole number of minor units (cents), 0 or more"));
            None
        }
    }
}

impl SearchRequest {
    /// Validates the query string's `(name, value)` pairs, in order.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut single: BTreeMap<&str, &str> = BTreeMap::new();
        let mut request = SearchRequest::default();
        let mut filter_values = 0usize;
        for (name, value) in pairs {
            if let Some(known) = SINGLE.iter().copied().find(|s| *s == name.as_str()) {
                if single.insert(known, value).is_some() {
                    errors.push(FieldError::new(name.as_str(), "must be given at most once"));
                }
            } else if name == "category" {
                filter_values += 1;
                if let Some(slug) = filter_value(name, value, &mut errors)
                    && !request.categories.contains(&slug)
                {
                    request.categories.push(slug);
                }
            } else if let Some(attribute) = name.strip_prefix(ATTR_PREFIX) {
                filter_values += 1;
                let attribute = normalise(attribute);
                if attribute.is_empty() || attribute.chars().count() > MAX_VALUE_CHARS {
                    errors.push(FieldError::new(
                        name.as_str(),
                        format!("must name an attribute: `attr.<name>`, 1 to {MAX_VALUE_CHARS} characters"),
                    ));
                } else if let Some(value) = filter_value(name, value, &mut errors) {
                    let values = request.attributes.entry(attribute).or_default();
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
            } else {
                errors.push(FieldError::new(
                    name.as_str(),
                    "is not a parameter of this endpoint (q, category, attr.<name>, price_min, price_max, \
                     currency, in_stock, sort, limit, after)",
                ));
            }
        }
        if filter_values > MAX_FILTER_VALUES {
            errors.push(FieldError::new(
                "query",
                format!("at most {MAX_FILTER_VALUES} filter values (`category` and `attr.*`) in all"),
            ));
        }
        // Empty values of single parameters are empty form fields: absent.
        let get = |name: &str| single.get(name).copied().filter(|v| !v.trim().is_empty()).map(str::trim);

        if let Some(q) = single.get("q") {
            if q.chars().count() > MAX_QUERY_CHARS {
                errors.push(FieldError::new("q", format!("must be at most {MAX_QUERY_CHARS} characters")));
            } else {
                request.q = q.trim().to_owned();
            }
        }
        request.price_min = get("price_min").and_then(|v| amount("price_min", v, &mut errors));
        request.price_max = get("price_max").and_then(|v| amount("price_max", v, &mut errors));
        if let (Some(min), Some(max)) = (request.price_min, request.price_max)
            && min > max
        {
            errors.push(FieldError::new("price_min", "must not be greater than price_max"));
        }
        if let Some(code) = get("currency") {
            match Currency::parse(&code.to_ascii_uppercase()) {
                Ok(currency) => request.currency = currency,
                Err(err) => errors.push(FieldError::new("currency", err.to_string())),
            }
        }
        match get("in_stock") {
            None => {}
            Some("true") => request.in_stock = Some(true),
            Some("false") => request.in_stock = Some(false),
            Some(_) => errors.push(FieldError::new("in_stock", "must be `true` or `false`")),
        }
        if let Some(sort) = get("sort") {
            match SearchSort::parse(sort) {
                Some(sort) => request.sort = sort,
                None => errors.push(FieldError::new("sort", "must be one of relevance, price_asc, price_desc, name")),
            }
        }
        if let Some(limit) = get("limit") {
            match limit.parse::<usize>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => request.limit = limit,
                _ => errors.push(FieldError::new("limit", format!("must be between 1 and {MAX_LIMIT}"))),
            }
        }
        // Checked last: the cursor must belong to the order asked for.
        if let Some(after) = get("after") {
            match cursor::decode(after, request.sort) {
                Ok(key) => request.after = Some(key),
                Err(err) => errors.push(FieldError::new("after", err.to_string())),
            }
        }
        if errors.is_empty() { Ok(request) } else { Err(errors) }
    }

    /// Whether a price filter is set.
    pub fn filters_price(&self) -> bool {
        self.price_min.is_some() || self.price_max.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> Result<SearchRequest, Vec<FieldError>> {
        let pairs: Vec<(String, String)> = query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        SearchRequest::parse(&pairs)
    }

    fn fields(result: Result<SearchRequest, Vec<FieldError>>) -> Vec<String> {
        result.expect_err("rejected").into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn defaults_and_a_full_request() {
        assert_eq!(parse(&[]), Ok(SearchRequest::default()));
        let request = parse(&[
            ("q", "  linen shirt "),
            ("category", "Shirts"),
            ("category", "trousers"),
            ("attr.Color", "Black"),
            ("attr.color", "white"),
            ("attr.size", "M"),
            ("price_min", "1000"),
            ("price_max", "5000"),
            ("currency", "usd"),
            ("in_stock", "true"),
            ("sort", "price_desc"),
            ("limit", "5"),
        ])
        .expect("valid");
        assert_eq!(request.q, "linen shirt");
        assert_eq!(request.categories, vec!["shirts", "trousers"]);
        assert_eq!(request.attributes["color"], vec!["black", "white"]);
        assert_eq!(request.attributes["size"], vec!["m"]);
        assert_eq!((request.price_min, request.price_max), (Some(1000), Some(5000)));
        assert_eq!(request.currency, Currency::Usd);
        assert_eq!(request.in_stock, Some(true));
        assert_eq!((request.sort, request.limit), (SearchSort::PriceDesc, 5));
    }

    #[test]
    fn empty_form_fields_are_absent() {
        let request =
            parse(&[("q", ""), ("category", ""), ("price_min", ""), ("sort", ""), ("after", "")]).expect("valid");
        assert_eq!(request, SearchRequest::default());
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let long = "x".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(fields(parse(&[("q", &long)])), vec!["q"]);
        assert_eq!(fields(parse(&[("foo", "bar"), ("colour", "red")])), vec!["foo", "colour"]);
        assert_eq!(fields(parse(&[("attr.", "red")])), vec!["attr."]);
        assert_eq!(fields(parse(&[("price_min", "500"), ("price_max", "100")])), vec!["price_min"]);
        assert_eq!(fields(parse(&[("price_min", "-1"), ("price_max", "1.5")])), vec!["price_min", "price_max"]);
        assert_eq!(fields(parse(&[("currency", "EURO")])), vec!["currency"]);
        assert_eq!(fields(parse(&[("in_stock", "yes")])), vec!["in_stock"]);
        assert_eq!(fields(parse(&[("sort", "price")])), vec!["sort"]);
        assert_eq!(fields(parse(&[("limit", "0")])), vec!["limit"]);
        assert_eq!(fields(parse(&[("limit", "101")])), vec!["limit"]);
        assert_eq!(fields(parse(&[("after", "nope")])), vec!["after"]);
        assert_eq!(fields(parse(&[("q", "a"), ("q", "b")])), vec!["q"]);
    }

    #[test]
    fn a_cursor_belongs_to_its_order() {
        let key = SortKey::new(SearchSort::Name, 0.0, None, "a", "prod_1");
        let cursor = cursor::encode(SearchSort::Name, &key);
        assert_eq!(parse(&[("sort", "name"), ("after", &cursor)]).expect("valid").after, Some(key));
        assert_eq!(fields(parse(&[("after", &cursor)])), vec!["after"]);
    }
}
