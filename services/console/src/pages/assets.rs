//! The console's own stylesheet and script, compiled into the binary: no CDN, no external
//! fonts. Their URLs carry no version, so caches keep them for a short while only.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const STYLESHEET: &str = include_str!("../../assets/console.css");
const PLATFORM_SCRIPT: &str = include_str!("../../assets/platform.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}

/// `GET /admin/assets/console.css`.
pub async fn stylesheet() -> Response {
    asset(STYLESHEET, "text/css; charset=utf-8")
}

/// `GET /admin/assets/platform.js`: the Platform page's live refresh.
pub async fn platform_script() -> Response {
    asset(PLATFORM_SCRIPT, "text/javascript; charset=utf-8")
}
