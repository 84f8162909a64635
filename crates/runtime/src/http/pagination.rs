//! Cursor pagination: `?limit=&after=` in, `{ "data": [...], "next": "…" }` out.
//!
//! Cursors are opaque to callers (base64url of a versioned key) so that the key behind them
//! can change without breaking clients.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::problem::{FieldError, Problem};

/// The largest page a list endpoint returns.
pub const MAX_PAGE_SIZE: u32 = 100;
const DEFAULT_PAGE_SIZE: u32 = 20;

/// The pagination part of a list request's query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

/// A decoded, validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Items per page.
    pub limit: u32,
    /// The key of the last item already seen, if any.
    pub after: Option<String>,
}

impl Cursor {
    /// Encodes a key as an opaque cursor.
    pub fn encode(key: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{key}"))
    }

    fn decode(cursor: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let key = text.strip_prefix("v1:")?;
        (!key.is_empty() && key.len() <= 200).then(|| key.to_owned())
    }
}

impl TryFrom<PageParams> for Cursor {
    type Error = Problem;

    fn try_from(params: PageParams) -> Result<Self, Problem> {
        let mut errors = Vec::new();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if limit == 0 || limit > MAX_PAGE_SIZE {
            errors.push(FieldError::new("limit", format!("must be between 1 and {MAX_PAGE_SIZE}")));
        }
        let after = match params.after.as_deref() {
            None | Some("") => None,
            Some(raw) => match Cursor::decode(raw) {
                Some(key) => Some(key),
                None => {
                    errors.push(FieldError::new("after", "is not a cursor this API issued"));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Cursor { limit, after })
        } else {
            Err(Problem::bad_request("Invalid pagination parameters; see `errors`.").with_errors(errors))
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched items: the extra one only tells whether
    /// there is a next page, and the cursor is the key of the last item kept.
    pub fn from_overfetch(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> Self {
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|last| Cursor::encode(&key(last))) } else { None };
        Page { data: items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_forgeries() {
        let c = Cursor::try_from(PageParams { limit: Some(5), after: Some(Cursor::encode("prod_1")) }).expect("valid");
        assert_eq!(c, Cursor { limit: 5, after: Some("prod_1".into()) });
        for bad in ["!!!", "cHJvZF8x", ""] {
            let r = Cursor::try_from(PageParams { limit: None, after: Some(bad.into()) });
            if bad.is_empty() {
                assert!(r.is_ok());
            } else {
                assert!(r.is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn limit_is_bounded() {
        for (limit, ok) in [(0, false), (1, true), (100, true), (101, false)] {
            assert_eq!(Cursor::try_from(PageParams { limit: Some(limit), after: None }).is_ok(), ok, "{limit}");
        }
    }

    #[test]
    fn overfetch_sets_next_only_when_more() {
        let page = Page::from_overfetch(vec![1, 2, 3], 2, |i| i.to_string());
        assert_eq!(page.data, vec![1, 2]);
        assert_eq!(page.next, Some(Cursor::encode("2")));
        let last = Page::from_overfetch(vec![1, 2], 2, |i| i.to_string());
        assert_eq!(last.next, None);
    }
}
