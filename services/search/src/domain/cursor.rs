//! The `after` cursor: the sort key of the last hit of a page, opaque to callers
//! (base64url of a versioned JSON document).
//!
//! Every order is a total order on [`SortKey`] — a number that depends on the order (score,
//! price), then the lower-cased name, then the product id — so the next page is "every result
//! whose key is greater", which stays correct while the index changes between pages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use contracts::search::SearchSort;
use serde::{Deserialize, Serialize};

/// Longest cursor accepted (a key holds a name of at most a few hundred characters).
const MAX_CURSOR_LEN: usize = 2048;

/// Where a hit sorts: ascending on `(primary, name, id)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SortKey {
    /// Depends on the order: minus the score's bits, the price (or its negation), or 0.
    pub primary: i64,
    /// The lower-cased name.
    pub name: String,
    /// The product id.
    pub id: String,
}

/// No price sorts after every price, in both directions.
const NO_PRICE: i64 = i64::MAX;

impl SortKey {
    /// The key of a hit with `score`, `price` (in the requested currency), name and id.
    pub fn new(sort: SearchSort, score: f32, price: Option<i64>, name_key: &str, id: &str) -> Self {
        Self { primary: Self::primary(sort, score, price), name: name_key.to_owned(), id: id.to_owned() }
    }

    /// The first part of the key, which depends on the order.
    pub fn primary(sort: SearchSort, score: f32, price: Option<i64>) -> i64 {
        match sort {
            // Scores are never negative; the bits of a non-negative float order like the float.
            SearchSort::Relevance => -i64::from(score.max(0.0).to_bits()),
            SearchSort::PriceAsc => price.unwrap_or(NO_PRICE),
            SearchSort::PriceDesc => price.map_or(NO_PRICE, |p| -p),
            SearchSort::Name => 0,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Encoded {
    sort: SearchSort,
    key: SortKey,
}

/// Encodes the cursor after `key` in `sort`.
pub fn encode(sort: SearchSort, key: &SortKey) -> String {
    // A struct of strings and integers always serialises.
    let json = serde_json::to_string(&Encoded { sort, key: key.clone() }).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(format!("s1:{json}"))
}

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not something this API issued.
    #[error("is not a cursor this API issued")]
    Malformed,
    /// Issued for another order.
    #[error("was issued for `sort={0}`; ask again without `after` to change the order")]
    OtherSort(&'static str),
}

/// Decodes a cursor issued for `sort`.
pub fn decode(cursor: &str, sort: SearchSort) -> Result<SortKey, CursorError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(CursorError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| CursorError::Malformed)?;
    let text = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
    let json = text.strip_prefix("s1:").ok_or(CursorError::Malformed)?;
    let encoded: Encoded = serde_json::from_str(json).map_err(|_| CursorError::Malformed)?;
    if encoded.sort != sort {
        return Err(CursorError::OtherSort(encoded.sort.as_str()));
    }
    Ok(encoded.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_forgeries_and_other_orders() {
        let key = SortKey::new(SearchSort::PriceAsc, 1.5, Some(2500), "linen shirt", "prod_1");
        let cursor = encode(SearchSort::PriceAsc, &key);
        assert_eq!(decode(&cursor, SearchSort::PriceAsc), Ok(key));
        assert_eq!(decode(&cursor, SearchSort::Name), Err(CursorError::OtherSort("price_asc")));
        for bad in ["", "!!!", "c3E6e30", &URL_SAFE_NO_PAD.encode("s1:{\"sort\":\"name\"}")] {
            assert_eq!(decode(bad, SearchSort::Name), Err(CursorError::Malformed), "{bad}");
        }
    }

    #[test]
    fn keys_order_as_the_sort_says() {
        let rel = |score| SortKey::new(SearchSort::Relevance, score, None, "a", "p");
        assert!(rel(2.0) < rel(1.0) && rel(1.0) < rel(0.0));
        let asc = |price| SortKey::new(SearchSort::PriceAsc, 0.0, price, "a", "p");
        assert!(asc(Some(100)) < asc(Some(200)) && asc(Some(200)) < asc(None));
        let desc = |price| SortKey::new(SearchSort::PriceDesc, 0.0, price, "a", "p");
        assert!(desc(Some(200)) < desc(Some(100)) && desc(Some(100)) < desc(None));
        let name = |n: &str, id: &str| SortKey::new(SearchSort::Name, 9.0, Some(1), n, id);
        assert!(name("apple", "p2") < name("banana", "p1") && name("apple", "p1") < name("apple", "p2"));
    }
}
