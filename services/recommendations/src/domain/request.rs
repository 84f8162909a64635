//! The query strings, validated: every problem is reported at once, each naming its
//! parameter; an unknown parameter is an error (a misspelt `kind` would otherwise quietly
//! answer the blend). Empty values are empty form fields and mean "absent".

use std::collections::BTreeMap;

use contracts::ids::ProductId;
use runtime::http::FieldError;

use super::model::{Kind, MAX_LIMIT};

/// Answers when `limit` is absent.
pub const DEFAULT_LIMIT: usize = 8;
/// `k` of an evaluation when absent.
pub const DEFAULT_K: usize = 10;
/// `holdout` of an evaluation when absent.
pub const DEFAULT_HOLDOUT: f64 = 0.2;

/// `GET /v1/recommendations`, valid.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductRequest {
    /// The product whose page it is.
    pub product_id: ProductId,
    /// One kind, or the blend.
    pub kind: Option<Kind>,
    /// Most answers.
    pub limit: usize,
}

/// `GET /v1/recommendations/evaluation`, valid.
#[derive(Clone, Debug, PartialEq)]
pub struct EvaluationRequest {
    /// Answers per query.
    pub k: usize,
    /// The share of baskets held out (newest).
    pub holdout: f64,
}

/// The single-valued parameters among `allowed`, or every problem with them.
fn single<'a>(
    pairs: &'a [(String, String)],
    allowed: &[&'static str],
    errors: &mut Vec<FieldError>,
) -> BTreeMap<&'static str, &'a str> {
    let mut values = BTreeMap::new();
    for (name, value) in pairs {
        match allowed.iter().find(|a| **a == name.as_str()) {
            Some(&known) => {
                if values.insert(known, value.trim()).is_some() {
                    errors.push(FieldError::new(known, "must be given at most once"));
                }
            }
            None => errors.push(FieldError::new(name.as_str(), "is not a parameter of this endpoint")),
        }
    }
    values.retain(|_, v| !v.is_empty());
    values
}

fn limit(value: Option<&str>, default: usize, field: &str, errors: &mut Vec<FieldError>) -> usize {
    let Some(value) = value else { return default };
    match value.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
        _ => {
            errors.push(FieldError::new(field, format!("must be a whole number from 1 to {MAX_LIMIT}")));
            default
        }
    }
}

/// Validates `GET /v1/recommendations`' query string.
pub fn product(pairs: &[(String, String)]) -> Result<ProductRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let values = single(pairs, &["product_id", "kind", "limit"], &mut errors);
    let product_id = match values.get("product_id") {
        None => {
            errors.push(FieldError::new("product_id", "is required"));
            None
        }
        Some(id) => ProductId::parse(id)
            .map_err(|_| errors.push(FieldError::new("product_id", "must be a product id (`prod_…`)")))
            .ok(),
    };
    let kind = values.get("kind").and_then(|k| {
        let kind = Kind::ALL.into_iter().find(|kind| kind.as_str() == *k);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "must be `bought_together`, `also_viewed` or `similar`"));
        }
        kind
    });
    let limit = limit(values.get("limit").copied(), DEFAULT_LIMIT, "limit", &mut errors);
    match product_id {
        Some(product_id) if errors.is_empty() => Ok(ProductRequest { product_id, kind, limit }),
        _ => Err(errors),
    }
}

/// Validates `GET /v1/recommendations/for-you`' query string: the limit.
pub fn for_you(pairs: &[(String, String)]) -> Result<usize, Vec<FieldError>> {
    let mut errors = Vec::new();
    let values = single(pairs, &["limit"], &mut errors);
    let limit = limit(values.get("limit").copied(), DEFAULT_LIMIT, "limit", &mut errors);
    if errors.is_empty() { Ok(limit) } else { Err(errors) }
}

/// Validates `GET /v1/recommendations/evaluation`' query string.
pub fn evaluation(pairs: &[(String, String)]) -> Result<EvaluationRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let values = single(pairs, &["k", "holdout"], &mut errors);
    let k = limit(values.get("k").copied(), DEFAULT_K, "k", &mut errors);
    let holdout = match values.get("holdout") {
        None => DEFAULT_HOLDOUT,
        Some(value) => match value.parse::<f64>() {
            Ok(h) if h > 0.0 && h < 1.0 => h,
            _ => {
                errors.push(FieldError::new("holdout", "must be a number between 0 and 1 (exclusive), e.g. 0.2"));
                DEFAULT_HOLDOUT
            }
        },
    };
    if errors.is_empty() { Ok(EvaluationRequest { k, holdout }) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        let value = serde_json::to_value(errors).expect("json");
        value.as_array().expect("array").iter().map(|e| e["field"].as_str().expect("field").to_owned()).collect()
    }

    #[test]
    fn a_product_request_has_defaults() {
        let id = ProductId::generate();
        let request = product(&pairs(&[("product_id", id.as_str()), ("limit", "")])).expect("valid");
        assert_eq!(request, ProductRequest { product_id: id.clone(), kind: None, limit: DEFAULT_LIMIT });
        let request =
            product(&pairs(&[("product_id", id.as_str()), ("kind", "similar"), ("limit", "50")])).expect("valid");
        assert_eq!((request.kind, request.limit), (Some(Kind::Similar), 50));
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let id = ProductId::generate();
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&[], &["product_id"]),
            (&[("product_id", "42")], &["product_id"]),
            (&[("product_id", id.as_str()), ("limit", "0")], &["limit"]),
            (&[("product_id", id.as_str()), ("limit", "51")], &["limit"]),
            (&[("product_id", id.as_str()), ("limit", "ten")], &["limit"]),
            (&[("product_id", id.as_str()), ("kind", "trending")], &["kind"]),
            (&[("product_id", id.as_str()), ("colour", "red")], &["colour"]),
            (&[("product_id", id.as_str()), ("product_id", id.as_str())], &["product_id"]),
            (&[("kind", "x"), ("limit", "-1")], &["kind", "limit", "product_id"]),
        ];
        for (query, expected) in cases {
            let mut got = fields(product(&pairs(query)).expect_err("invalid"));
            got.sort();
            assert_eq!(got, *expected, "{query:?}");
        }
    }

    #[test]
    fn for_you_and_evaluation_parameters() {
        assert_eq!(for_you(&[]).expect("valid"), DEFAULT_LIMIT);
        assert_eq!(fields(for_you(&pairs(&[("limit", "99")])).expect_err("invalid")), ["limit"]);
        assert_eq!(fields(for_you(&pairs(&[("product_id", "x")])).expect_err("invalid")), ["product_id"]);
        assert_eq!(evaluation(&[]).expect("valid"), EvaluationRequest { k: DEFAULT_K, holdout: DEFAULT_HOLDOUT });
        assert_eq!(
            evaluation(&pairs(&[("k", "5"), ("holdout", "0.5")])).expect("valid"),
            EvaluationRequest { k: 5, holdout: 0.5 }
        );
        for bad in ["0", "1", "-0.1", "half", "NaN"] {
            assert_eq!(fields(evaluation(&pairs(&[("holdout", bad)])).expect_err(bad)), ["holdout"]);
        }
        assert_eq!(fields(evaluation(&pairs(&[("k", "0")])).expect_err("invalid")), ["k"]);
    }
}
