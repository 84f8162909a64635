//! The shopper's cookies: reading the `Cookie` header and writing `Set-Cookie` values.
//!
//! Every cookie is `HttpOnly` (no script reads a token), `SameSite=Lax` (a form posted from
//! another site arrives without them, which is the storefront's CSRF protection) and `Path=/`.

use axum::http::{HeaderMap, HeaderValue, header};

/// The access token (short-lived).
pub const ACCESS: &str = "mercato_access";
/// The refresh token (rotating, long-lived).
pub const REFRESH: &str = "mercato_refresh";
/// A guest's cart id (its only key).
pub const CART: &str = "mercato_cart";
/// A long-lived random visitor id, for "also viewed" recommendations.
pub const VISITOR: &str = "mercato_visitor";
/// What a guest's order confirmation shows, for the page after the redirect.
pub const CONFIRMATION: &str = "mercato_confirmation";

/// The value of cookie `name` in the request, if any.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value for `name=value` living `max_age` seconds. Values are ids, tokens or
/// base64url, all cookie-safe; anything else is refused rather than written half.
pub fn set(name: &str, value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let safe = value.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'));
    if !safe {
        return None;
    }
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}")).ok()
}

/// A `Set-Cookie` value that removes `name`.
pub fn clear(name: &str, secure: bool) -> Option<HeaderValue> {
    set(name, "gone", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_many_and_writes_safe_attributes() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; mercato_cart=cart_0193; b=\"x\""));
        assert_eq!(get(&headers, CART).as_deref(), Some("cart_0193"));
        assert_eq!(get(&headers, "b").as_deref(), Some("x"));
        assert_eq!(get(&headers, ACCESS), None);
        let cookie = set(CART, "cart_1", 60, false).expect("valid");
        assert_eq!(cookie, "mercato_cart=cart_1; Max-Age=60; Path=/; HttpOnly; SameSite=Lax");
        assert!(set(CART, "a;b", 60, false).is_none());
        assert!(
            clear(ACCESS, true)
                .is_some_and(|c| c.to_str().is_ok_and(|c| c.contains("Max-Age=0") && c.ends_with("Secure")))
        );
    }
}
