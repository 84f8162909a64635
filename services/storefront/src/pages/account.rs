//! The customer's account: sign up, log in (merging the guest cart), log out, order history,
//! an order's detail and its cancellation.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use contracts::identity::Session;
use contracts::orders::{Order, OrderPage, OrderStatus};
use serde_json::json;

use super::cart::Totals;
use super::{FieldErrors, FormData, Layout, failure_page, see_other};
use crate::AppState;
use crate::api::{ApiError, Request, encode};
use crate::money;
use crate::session::Shopper;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    signup: bool,
    email: String,
    name: String,
    next: String,
    errors: FieldErrors,
}

/// Where to go after signing in: a local path only (never another site).
fn next_path(value: &str) -> String {
    let local = value.starts_with('/') && !value.starts_with("//") && !value.contains('\\') && value.len() <= 200;
    if local { value.to_owned() } else { "/account".to_owned() }
}

fn login_form(
    shopper: &Shopper,
    signup: bool,
    next: &str,
    email: String,
    name: String,
    errors: FieldErrors,
) -> LoginPage {
    LoginPage {
        layout: Layout::new(if signup { "Create an account" } else { "Log in" }, shopper),
        signup,
        email,
        name,
        next: next_path(next),
        errors,
    }
}

/// `GET /account/login`.
pub async fn login_page(shopper: Shopper, RawQuery(query): RawQuery) -> Response {
    let next = FormData::parse(query.unwrap_or_default().as_bytes()).get("next");
    login_form(&shopper, false, &next, String::new(), String::new(), FieldErrors::default()).into_response()
}

/// `GET /account/signup`.
pub async fn signup_page(shopper: Shopper, RawQuery(query): RawQuery) -> Response {
    let next = FormData::parse(query.unwrap_or_default().as_bytes()).get("next");
    login_form(&shopper, true, &next, String::new(), String::new(), FieldErrors::default()).into_response()
}

/// Signs in with email and password, merges the guest cart, and goes on to `next`.
async fn sign_in(state: &AppState, shopper: &mut Shopper, email: &str, password: &str) -> Result<(), ApiError> {
    let request = Request::post("/sessions", json!({ "email": email, "password": password }));
    let session: Session = state.api.json(request).await?;
    shopper.sign_in(&session);
    // The cart page merges later if this fails: the guest cart's cookie stays until it worked.
    if let Err(err) = super::cart::merge_guest_cart(state, shopper).await {
        tracing::warn!(error = %runtime::error_chain(&err), "guest cart not merged at login");
    }
    Ok(())
}

fn login_refusal(err: &ApiError, errors: &mut FieldErrors) -> Option<StatusCode> {
    match err.status() {
        Some(StatusCode::UNAUTHORIZED) => errors.add("password", "The e-mail or password is wrong."),
        Some(StatusCode::TOO_MANY_REQUESTS) => {
            errors.add("password", "Too many attempts. Please wait a few minutes and try again.")
        }
        Some(status) if status.is_client_error() => {
            let problem = err.problem().cloned().unwrap_or_default();
            for field in &problem.errors {
                errors.add(&field.field, field.message.clone());
            }
            if problem.code() == "email-taken" || status == StatusCode::CONFLICT {
                errors.add("email", "An account with this e-mail exists already. Log in instead.");
            }
            if errors.is_empty() {
                errors.add("email", problem.detail.unwrap_or(problem.title));
            }
        }
        _ => return None,
    }
    err.status()
}

/// `POST /account/login`.
pub async fn login(State(state): State<AppState>, mut shopper: Shopper, form: FormData) -> Response {
    let (email, password, next) = (form.get("email"), form.get("password"), form.get("next"));
    let mut errors = FieldErrors::default();
    if email.is_empty() {
        errors.add("email", "Enter your e-mail address.");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    if errors.is_empty() {
        match sign_in(&state, &mut shopper, &email, &password).await {
            Ok(()) => return see_other(&next_path(&next)),
            Err(err) => match login_refusal(&err, &mut errors) {
                Some(_) => {}
                None => return failure_page(&shopper, &err),
            },
        }
    }
    let page = login_form(&shopper, false, &next, email, String::new(), errors);
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// `POST /account/signup`: registers, then signs in.
pub async fn signup(State(state): State<AppState>, mut shopper: Shopper, form: FormData) -> Response {
    let (email, name, next) = (form.get("email"), form.get("name"), form.get("next"));
    // Passwords are taken as typed: spaces are allowed in them.
    let password = form.pairs().iter().rev().find(|(k, _)| k == "password").map(|(_, v)| v.clone()).unwrap_or_default();
    let mut errors = FieldErrors::default();
    let request = Request::post("/customers", json!({ "email": email, "password": password, "name": name }));
    let registered = match state.api.send(request).await {
        Ok(_) => sign_in(&state, &mut shopper, &email, &password).await,
        Err(err) => Err(err),
    };
    match registered {
        Ok(()) => return see_other(&next_path(&next)),
        Err(err) => {
            if login_refusal(&err, &mut errors).is_none() {
                return failure_page(&shopper, &err);
            }
        }
    }
    let page = login_form(&shopper, true, &next, email, name, errors);
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// `POST /account/logout`: ends the session at identity (best effort) and forgets the tokens.
pub async fn logout(State(state): State<AppState>, mut shopper: Shopper) -> Response {
    if let Some(refresh) = shopper.refresh_token() {
        let request = Request::post("/sessions/logout", json!({ "refresh_token": refresh }));
        if let Err(err) = state.api.send(request).await {
            tracing::debug!(error = %err, "logout not confirmed by identity");
        }
    }
    shopper.sign_out();
    see_other("/")
}

/// An order in a list.
#[derive(Debug)]
pub struct OrderRow {
    /// Its page.
    pub href: String,
    /// Its number.
    pub id: String,
    /// When (date).
    pub placed: String,
    /// Status.
    pub status: &'static str,
    /// Total.
    pub total: String,
}

fn status_label(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Placed => "Placed",
        OrderStatus::Shipped => "Shipped",
        OrderStatus::Cancelled => "Cancelled",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "orders.html")]
struct OrdersPage {
    layout: Layout,
    orders: Vec<OrderRow>,
    next: Option<String>,
}

fn sign_in_first(path: &str) -> Response {
    see_other(&format!("/account/login?next={}", encode(path)))
}

/// `GET /account`: the customer's orders, newest first.
pub async fn orders(State(state): State<AppState>, shopper: Shopper, RawQuery(query): RawQuery) -> Response {
    if !shopper.signed_in() {
        return sign_in_first("/account");
    }
    let after = FormData::parse(query.unwrap_or_default().as_bytes()).get("after");
    let mut path = "/orders?limit=20".to_owned();
    if !after.is_empty() {
        path.push_str(&format!("&after={}", encode(&after)));
    }
    let page: OrderPage = match state.api.json(Request::get(path).token(shopper.token())).await {
        Ok(page) => page,
        Err(err) => return failure_page(&shopper, &err),
    };
    let orders = page
        .data
        .iter()
        .map(|o| OrderRow {
            href: format!("/account/orders/{}", encode(o.id.as_str())),
            id: o.id.to_string(),
            placed: o.created_at.get(..10).unwrap_or(&o.created_at).to_owned(),
            status: status_label(o.status),
            total: money::format(o.total),
        })
        .collect();
    let next = page.next.map(|n| format!("/account?after={}", encode(&n)));
    OrdersPage { layout: Layout::new("Your orders", &shopper), orders, next }.into_response()
}

/// A line of an order.
#[derive(Debug)]
pub struct OrderLine {
    /// SKU.
    pub sku: String,
    /// Name, or the SKU.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Line total.
    pub total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "order.html")]
struct OrderDetail {
    layout: Layout,
    id: String,
    placed: String,
    status: &'static str,
    cancellable: bool,
    /// Carrier and tracking number, once shipped.
    shipment: Option<(String, String)>,
    lines: Vec<OrderLine>,
    totals: Totals,
    address: Vec<String>,
    history: Vec<(String, String)>,
}

async fn render_order(
    state: &AppState,
    shopper: &Shopper,
    id: &str,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    if !shopper.signed_in() {
        return sign_in_first(&format!("/account/orders/{}", encode(id)));
    }
    let request = Request::get(format!("/orders/{}", encode(id))).token(shopper.token());
    let order: Order = match state.api.json(request).await {
        Ok(order) => order,
        Err(err) => return failure_page(shopper, &err),
    };
    let skus: Vec<String> = order.lines.iter().map(|l| l.sku.to_string()).collect();
    let names = super::cart::names(state, &skus).await;
    let mut layout = Layout::new(format!("Order {}", order.id), shopper);
    layout.notice = notice;
    let a = &order.shipping_address;
    let address = [
        Some(a.name.clone()),
        Some(a.line1.clone()),
        a.line2.clone(),
        Some(format!("{} {}", a.postal_code, a.city)),
        Some(a.country.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let page = OrderDetail {
        layout,
        id: order.id.to_string(),
        placed: order.created_at.get(..10).unwrap_or(&order.created_at).to_owned(),
        status: status_label(order.status),
        cancellable: order.status == OrderStatus::Placed,
        shipment: order.shipment.as_ref().map(|s| (s.carrier.clone(), s.tracking_number.clone())),
        lines: order
            .lines
            .iter()
            .map(|l| OrderLine {
                sku: l.sku.to_string(),
                name: names.get(l.sku.as_str()).map_or_else(|| l.sku.to_string(), |(name, _)| name.clone()),
                quantity: l.quantity,
                total: money::format(l.total),
            })
            .collect(),
        totals: Totals::new(
            order.subtotal,
            order.discount_total,
            order.shipping.as_ref(),
            order.tax_total,
            order.total,
            order.tax_inclusive,
        ),
        address,
        history: order
            .history
            .iter()
            .map(|h| (h.at.get(..16).unwrap_or(&h.at).replace('T', " "), h.note.clone()))
            .collect(),
    };
    (status, page).into_response()
}

/// `GET /account/orders/{id}`.
pub async fn order(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let cancelled = FormData::parse(query.unwrap_or_default().as_bytes()).get("cancelled") == "1";
    let notice = cancelled.then(|| "Your order was cancelled. Nothing will be charged.".to_owned());
    render_order(&state, &shopper, &id, notice, StatusCode::OK).await
}

/// `POST /account/orders/{id}/cancel`.
pub async fn cancel(State(state): State<AppState>, shopper: Shopper, Path(id): Path<String>) -> Response {
    if !shopper.signed_in() {
        return sign_in_first(&format!("/account/orders/{}", encode(&id)));
    }
    let request = Request::post(format!("/orders/{}/cancel", encode(&id)), json!({})).token(shopper.token());
    match state.api.send(request).await {
        Ok(_) => see_other(&format!("/account/orders/{}?cancelled=1", encode(&id))),
        Err(err) if err.status() == Some(StatusCode::CONFLICT) => {
            let notice = Some("This order can no longer be cancelled.".to_owned());
            render_order(&state, &shopper, &id, notice, StatusCode::CONFLICT).await
        }
        Err(err) => failure_page(&shopper, &err),
    }
}
