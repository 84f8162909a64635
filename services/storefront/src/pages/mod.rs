//! The pages, one module per family, and what they share: the layout, the error pages and
//! form bodies.

mod account;
mod assets;
mod cart;
mod checkout;
mod home;
mod listing;
mod product;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::api::ApiError;
use crate::session::Shopper;

/// Every page of the shop.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(home::page))
        .route("/search", get(listing::search_handler))
        .route("/categories/{slug}", get(listing::category))
        .route("/products/{slug}", get(product::page))
        .route("/cart", get(cart::page))
        .route("/cart/lines", post(cart::add))
        .route("/cart/lines/{sku}", post(cart::set_quantity))
        .route("/cart/lines/{sku}/remove", post(cart::remove))
        .route("/checkout", get(checkout::page).post(checkout::place))
        .route("/checkout/delivery", post(checkout::delivery))
        .route("/confirmation/{order}", get(checkout::confirmation))
        .route("/account", get(account::orders))
        .route("/account/login", get(account::login_page).post(account::login))
        .route("/account/signup", get(account::signup_page).post(account::signup))
        .route("/account/logout", post(account::logout))
        .route("/account/orders/{id}", get(account::order))
        .route("/account/orders/{id}/cancel", post(account::cancel))
        .route("/{*path}", get(not_found).post(not_found))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::session::layer))
        .with_state(state);
    Router::new()
        .route("/assets/storefront.css", get(assets::stylesheet))
        .route("/assets/storefront.js", get(assets::script))
        .route("/favicon.ico", get(assets::icon))
        .route("/media/{name}", get(assets::media))
        .merge(pages)
}

/// What the layout of every page needs.
#[derive(Debug, Default)]
pub struct Layout {
    /// The page title.
    pub title: String,
    /// Whether a customer is signed in.
    pub signed_in: bool,
    /// The search box's text.
    pub q: String,
    /// A message at the top of the page.
    pub notice: Option<String>,
    /// The optional parts the page had to leave out (space-separated), for people and tests.
    pub degraded: String,
}

impl Layout {
    /// The layout of a page titled `title` for `shopper`.
    pub fn new(title: impl Into<String>, shopper: &Shopper) -> Self {
        Self { title: title.into(), signed_in: shopper.signed_in(), ..Self::default() }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
}

/// A page saying what went wrong, with `status`.
pub fn error_page(shopper: &Shopper, status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage { layout: Layout::new(heading, shopper), heading: heading.into(), message: message.into() };
    let mut response = (status, page).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
    }
    response
}

/// The 404 page.
pub fn not_found_page(shopper: &Shopper) -> Response {
    error_page(shopper, StatusCode::NOT_FOUND, "Not found", "There is no such page in the shop.")
}

/// The page for a platform that did not answer: 503 with `Retry-After`, or the 404 of a
/// missing thing.
pub fn failure_page(shopper: &Shopper, err: &ApiError) -> Response {
    match err.status() {
        Some(StatusCode::NOT_FOUND) => not_found_page(shopper),
        _ => {
            tracing::warn!(error = %runtime::error_chain(err), "page could not be built");
            error_page(
                shopper,
                StatusCode::SERVICE_UNAVAILABLE,
                "Back in a moment",
                "This part of the shop is briefly unavailable. Please try again in a few seconds.",
            )
        }
    }
}

async fn not_found(shopper: Shopper) -> Response {
    not_found_page(&shopper)
}

/// After a successful POST: see the result with a GET.
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A submitted form: its fields in order (repeated names kept).
#[derive(Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// Parses an `application/x-www-form-urlencoded` body or query string.
    pub fn parse(text: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(text).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The (last) value of `name`, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
    }

    /// Every pair.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        Ok(Self::parse(&body))
    }
}

/// A field's error message for a form, if any.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// Adds `message` for `field` (the first one per field wins).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|(f, _)| f == field) {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    /// The message for `field`, or empty.
    pub fn get(&self, field: &str) -> &str {
        self.0.iter().find(|(f, _)| f == field).map_or("", |(_, m)| m.as_str())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
