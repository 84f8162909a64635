//! The Platform page: every service, its instances and how they are doing, kept current by a
//! small script polling [`json`] every 2 s (or, without script, a refresh every 5 s).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::render;
use crate::Console;
use crate::platform::PlatformView;

#[derive(Template)]
#[template(path = "platform.html")]
struct PlatformPage {
    section: &'static str,
    signed_in: bool,
    view: Arc<PlatformView>,
}

/// `GET /admin/platform`.
pub async fn show(State(console): State<Console>) -> Response {
    let view = console.watcher.view().await;
    render(StatusCode::OK, &PlatformPage { section: "platform", signed_in: true, view })
}

/// `GET /admin/platform.json`: the same view for the page's script.
pub async fn json(State(console): State<Console>) -> Response {
    let view = console.watcher.view().await;
    let mut response = axum::Json(view.as_ref()).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
