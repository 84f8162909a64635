//! The storefront's own files, compiled in: one stylesheet, a little progressive JS, an icon,
//! and placeholder pictures for media references that have no file (the demo catalog's).

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const STYLESHEET: &str = include_str!("../../assets/storefront.css");
const SCRIPT: &str = include_str!("../../assets/storefront.js");
const ICON: &str = include_str!("../../assets/icon.svg");

/// Assets are requested with a version in their query (`?v=1`), so they may be cached long.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn asset(content_type: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// `GET /assets/storefront.css`.
pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", IMMUTABLE, STYLESHEET)
}

/// `GET /assets/storefront.js`.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", IMMUTABLE, SCRIPT)
}

/// `GET /favicon.ico` (an SVG: every current browser takes it).
pub async fn icon() -> Response {
    asset("image/svg+xml", "public, max-age=86400", ICON)
}

/// A soft colour from a name, so placeholders differ from product to product.
fn hue(name: &str) -> u32 {
    name.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 360
}

/// `GET /media/{name}`: a placeholder picture. Products may reference media on the storefront
/// by path; this shop has no media store yet, so it draws a neutral tile instead of a broken
/// image.
pub async fn media(Path(name): Path<String>) -> Response {
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 300\" width=\"400\" height=\"300\">\
         <rect width=\"400\" height=\"300\" fill=\"hsl({} 35% 88%)\"/>\
         <circle cx=\"200\" cy=\"150\" r=\"60\" fill=\"hsl({} 35% 75%)\"/></svg>",
        hue(&name),
        hue(&name)
    );
    asset("image/svg+xml", "public, max-age=86400", svg)
}
