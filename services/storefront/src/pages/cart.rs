//! The cart: its lines with quantities to change or remove, and its live quote. The guest's
//! cart id lives in a cookie; a signed-in customer's cart is `mine`, and a guest cart still
//! in the browser is merged into it first.

use std::collections::BTreeMap;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use contracts::cart::Cart;
use contracts::money::Money;
use contracts::pricing::QuoteShipping;
use contracts::search::SearchResults;
use serde_json::json;

use super::{FormData, Layout, failure_page, see_other};
use crate::AppState;
use crate::api::{ApiError, Request, encode};
use crate::money;
use crate::session::Shopper;

/// Names of cart lines are decoration: a line shows its SKU without one.
const NAME_DEADLINE: Duration = Duration::from_millis(500);
/// At most this many names are looked up per page.
const MAX_NAME_LOOKUPS: usize = 20;

/// The path of the shopper's cart in the API, if they have one.
fn cart_path(shopper: &Shopper) -> Option<String> {
    if shopper.signed_in() {
        Some("/carts/mine".to_owned())
    } else {
        shopper.guest_cart.as_ref().map(|id| format!("/carts/{id}"))
    }
}

/// The shopper's active cart, if any. A signed-in customer's leftover guest cart is merged
/// first; a guest cart that is gone or no longer active is forgotten.
pub async fn current(state: &AppState, shopper: &mut Shopper) -> Result<Option<Cart>, ApiError> {
    if shopper.signed_in() && shopper.guest_cart.is_some() {
        merge_guest_cart(state, shopper).await?;
    }
    let Some(path) = cart_path(shopper) else { return Ok(None) };
    match state.api.json::<Cart>(Request::get(path).token(shopper.token())).await {
        Ok(cart) if cart.status == contracts::cart::CartStatus::Active => Ok(Some(cart)),
        Ok(_) => {
            shopper.forget_guest_cart();
            Ok(None)
        }
        Err(err) if err.status() == Some(StatusCode::NOT_FOUND) => {
            shopper.forget_guest_cart();
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// Moves the guest cart's lines into the signed-in customer's cart (`POST /carts/mine/merge`).
/// Merging is idempotent, so an interrupted merge is simply asked again on the next page.
pub async fn merge_guest_cart(state: &AppState, shopper: &mut Shopper) -> Result<(), ApiError> {
    let Some(guest) = shopper.guest_cart.clone() else { return Ok(()) };
    let request = Request::post("/carts/mine/merge", json!({ "guest_cart_id": guest })).token(shopper.token());
    match state.api.send(request).await {
        Ok(_) => {
            shopper.forget_guest_cart();
            Ok(())
        }
        // Nothing left to merge (gone, already merged or bought): forget it.
        Err(err) if err.status().is_some_and(|s| s.is_client_error() && s != StatusCode::UNAUTHORIZED) => {
            shopper.forget_guest_cart();
            Ok(())
        }
        Err(err) => Err(err),
    }
}

/// The shopper's cart, created when they have none (with the shop's first shipping method
/// when pricing offers it).
async fn ensure(state: &AppState, shopper: &mut Shopper) -> Result<Cart, ApiError> {
    if let Some(cart) = current(state, shopper).await? {
        return Ok(cart);
    }
    let currency = state.shop.currency.code();
    let country = state.shop.countries.first().cloned().unwrap_or_else(|| "DE".into());
    let mut body = json!({ "currency": currency, "country": country });
    if let Some(method) = state.shop.shipping_methods.first() {
        body["shipping_method"] = json!(method);
    }
    let key = uuid::Uuid::new_v4().to_string();
    let created =
        state.api.json::<Cart>(Request::post("/carts", body).token(shopper.token()).idempotency_key(&key)).await;
    let cart = match created {
        Err(err) if err.status() == Some(StatusCode::UNPROCESSABLE_ENTITY) => {
            let body = json!({ "currency": currency, "country": country });
            let key = uuid::Uuid::new_v4().to_string();
            state.api.json::<Cart>(Request::post("/carts", body).token(shopper.token()).idempotency_key(&key)).await?
        }
        other => other?,
    };
    if !shopper.signed_in() {
        shopper.set_guest_cart(cart.id.as_str());
    }
    Ok(cart)
}

/// A cart line as shown.
#[derive(Debug)]
pub struct LineView {
    /// SKU.
    pub sku: String,
    /// Product name, or the SKU.
    pub name: String,
    /// Product page, if known.
    pub href: String,
    /// Units.
    pub quantity: i64,
    /// Unit price, or empty.
    pub unit: String,
    /// Line total, or empty.
    pub total: String,
}

/// A shipping method's name for people (`express` → `Express`).
pub fn method_label(method: &str) -> String {
    let mut label = method.replace(['-', '_'], " ");
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    label
}

/// The totals of a quote or an order.
#[derive(Debug)]
pub struct Totals {
    /// Sum of lines.
    pub subtotal: String,
    /// Discounts (negative), if any.
    pub discount: Option<String>,
    /// Shipping line.
    pub shipping: String,
    /// Tax line label.
    pub tax_label: &'static str,
    /// Tax amount.
    pub tax: String,
    /// What is paid.
    pub total: String,
}

impl Totals {
    /// Totals from the amounts of a quote or an order.
    pub fn new(
        subtotal: Money,
        discount: Money,
        shipping: Option<&QuoteShipping>,
        tax: Money,
        total: Money,
        inclusive: bool,
    ) -> Self {
        Self {
            subtotal: money::format(subtotal),
            discount: (discount.amount != 0)
                .then(|| money::format(Money::new(-discount.amount.abs(), discount.currency))),
            shipping: shipping.map_or_else(
                || "Calculated at checkout".to_owned(),
                |s| {
                    let amount = if s.amount.amount == 0 { "free".to_owned() } else { money::format(s.amount) };
                    format!("{} ({amount})", method_label(&s.method))
                },
            ),
            tax_label: if inclusive { "Included VAT" } else { "VAT" },
            tax: money::format(tax),
            total: money::format(total),
        }
    }
}

/// Names and pages of SKUs, from search (one small query per SKU, in parallel, optional).
pub async fn names(state: &AppState, skus: &[String]) -> BTreeMap<String, (String, String)> {
    let lookups = skus.iter().take(MAX_NAME_LOOKUPS).map(|sku| async move {
        let path = format!("/search?q={}&limit=1&currency={}", encode(sku), state.shop.currency.code());
        let found = state.api.json::<SearchResults>(Request::get(path).timeout(NAME_DEADLINE)).await.ok()?;
        let hit = found.data.into_iter().next()?;
        Some((sku.clone(), (hit.name, format!("/products/{}", encode(&hit.slug)))))
    });
    futures::future::join_all(lookups).await.into_iter().flatten().collect()
}

/// The lines of `cart` as shown, priced from its quote.
pub async fn lines(state: &AppState, cart: &Cart) -> Vec<LineView> {
    let skus: Vec<String> = cart.lines.iter().map(|l| l.sku.to_string()).collect();
    let names = names(state, &skus).await;
    cart.lines
        .iter()
        .map(|line| {
            let priced = cart.quote.as_ref().and_then(|q| q.lines.iter().find(|q| q.sku == line.sku));
            let (name, href) =
                names.get(line.sku.as_str()).cloned().unwrap_or_else(|| (line.sku.to_string(), String::new()));
            LineView {
                sku: line.sku.to_string(),
                name,
                href,
                quantity: line.quantity,
                unit: priced.map(|p| money::format(p.unit_price)).unwrap_or_default(),
                total: priced.map(|p| money::format(p.total)).unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "cart.html")]
struct CartPage {
    layout: Layout,
    lines: Vec<LineView>,
    totals: Option<Totals>,
    prices_unavailable: bool,
    unpriced: Vec<String>,
    can_checkout: bool,
}

/// Renders the cart page, with `notice` and `status`.
async fn render(state: &AppState, shopper: &mut Shopper, notice: Option<String>, status: StatusCode) -> Response {
    let cart = match current(state, shopper).await {
        Ok(cart) => cart,
        Err(err) => return failure_page(shopper, &err),
    };
    let mut layout = Layout::new("Your cart", shopper);
    layout.notice = notice;
    let Some(cart) = cart else {
        return (
            status,
            CartPage {
                layout,
                lines: Vec::new(),
                totals: None,
                prices_unavailable: false,
                unpriced: Vec::new(),
                can_checkout: false,
            },
        )
            .into_response();
    };
    let prices_unavailable = cart.degraded.iter().any(|d| d == "pricing");
    if prices_unavailable {
        layout.degraded = "pricing".into();
    }
    let totals = cart
        .quote
        .as_ref()
        .map(|q| Totals::new(q.subtotal, q.discount_total, q.shipping.as_ref(), q.tax_total, q.total, q.tax_inclusive));
    let unpriced = cart.quote.as_ref().map(|q| q.unpriced_skus.clone()).unwrap_or_default();
    let lines = lines(state, &cart).await;
    let can_checkout = !lines.is_empty() && totals.is_some() && unpriced.is_empty() && !prices_unavailable;
    (status, CartPage { layout, lines, totals, prices_unavailable, unpriced, can_checkout }).into_response()
}

/// `GET /cart`.
pub async fn page(State(state): State<AppState>, mut shopper: Shopper) -> Response {
    render(&state, &mut shopper, None, StatusCode::OK).await
}

/// What the API said was wrong with a cart change, for people.
fn refusal(err: &ApiError) -> Option<String> {
    let problem = err.problem()?;
    if err.status()?.is_server_error() {
        return None;
    }
    let detail = problem
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.field.rsplit('.').next().unwrap_or(&e.field), e.message))
        .collect::<Vec<_>>()
        .join("; ");
    Some(if detail.is_empty() { problem.detail.clone().unwrap_or_else(|| problem.title.clone()) } else { detail })
}

/// One change to a cart line.
#[derive(Debug)]
enum Change {
    /// Add units of a SKU.
    Add { sku: String, quantity: i64 },
    /// Set a line's units (0 removes it).
    Set { sku: String, quantity: i64 },
    /// Remove a line.
    Remove { sku: String },
}

impl Change {
    /// The API request making this change to `cart` (`mine` for a customer, its id for a guest).
    fn request(&self, cart: &Cart, shopper: &Shopper) -> Request {
        let cart = if shopper.signed_in() { "mine".to_owned() } else { cart.id.to_string() };
        let request = match self {
            Change::Add { sku, quantity } => {
                Request::post(format!("/carts/{cart}/lines"), json!({ "sku": sku, "quantity": quantity }))
            }
            Change::Set { sku, quantity } => Request::new(Method::PUT, format!("/carts/{cart}/lines/{}", encode(sku)))
                .body(json!({ "quantity": quantity })),
            Change::Remove { sku } => Request::new(Method::DELETE, format!("/carts/{cart}/lines/{}", encode(sku))),
        };
        request.token(shopper.token())
    }
}

/// Applies `change` to the shopper's cart and shows the cart: a refused change is shown as a
/// notice, an unavailable cart service as the 503 page.
async fn apply(state: &AppState, mut shopper: Shopper, change: Change) -> Response {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let cart = match ensure(state, &mut shopper).await {
            Ok(cart) => cart,
            Err(err) => return failure_page(&shopper, &err),
        };
        match state.api.send(change.request(&cart, &shopper)).await {
            Ok(_) => return see_other("/cart"),
            // Bought or merged in the meantime (another tab): start a new cart, once.
            Err(err) if attempt == 1 && err.problem().is_some_and(|p| p.code() == "cart-not-active") => {
                shopper.forget_guest_cart();
            }
            Err(err) => {
                return match refusal(&err) {
                    Some(message) => {
                        let notice = format!("That did not work: {message}");
                        render(state, &mut shopper, Some(notice), StatusCode::UNPROCESSABLE_ENTITY).await
                    }
                    None => failure_page(&shopper, &err),
                };
            }
        }
    }
}

fn quantity(form: &FormData, min: i64) -> Option<i64> {
    form.get("quantity").parse::<i64>().ok().filter(|q| (min..=1000).contains(q))
}

async fn invalid(state: &AppState, mut shopper: Shopper, message: &str) -> Response {
    render(state, &mut shopper, Some(message.to_owned()), StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /cart/lines`: adds `quantity` of `sku`.
pub async fn add(State(state): State<AppState>, shopper: Shopper, form: FormData) -> Response {
    let sku = form.get("sku");
    if sku.is_empty() {
        return invalid(&state, shopper, "Choose a variant to add.").await;
    }
    match quantity(&form, 1) {
        Some(quantity) => apply(&state, shopper, Change::Add { sku, quantity }).await,
        None => invalid(&state, shopper, "Choose a quantity from 1 to 1,000.").await,
    }
}

/// `POST /cart/lines/{sku}`: sets the line's quantity (0 removes it).
pub async fn set_quantity(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(sku): Path<String>,
    form: FormData,
) -> Response {
    match quantity(&form, 0) {
        Some(quantity) => apply(&state, shopper, Change::Set { sku, quantity }).await,
        None => invalid(&state, shopper, "Choose a quantity from 0 to 1,000.").await,
    }
}

/// `POST /cart/lines/{sku}/remove`.
pub async fn remove(State(state): State<AppState>, shopper: Shopper, Path(sku): Path<String>) -> Response {
    apply(&state, shopper, Change::Remove { sku }).await
}
