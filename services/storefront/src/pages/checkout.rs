//! Checkout and the order confirmation.
//!
//! The checkout page renders with a fresh `Idempotency-Key` and the signature of the quote
//! it shows (hidden fields), so a double submit makes one order and a price that changed
//! since is caught by orders (409 `price-changed`) instead of charged. Delivery (country and
//! shipping method) is its own small form that updates the cart, so the totals shown are
//! always the ones the order form is bound to. Every refusal re-renders the form with the
//! shopper's input (never the card's number or code) and a new key.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use contracts::cart::Cart;
use contracts::identity::Customer;
use contracts::orders::Order;
use contracts::pricing::Quote;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::cart::{self, LineView, Totals, method_label};
use super::{FieldErrors, FormData, Layout, failure_page, not_found_page, see_other};
use crate::AppState;
use crate::api::{ApiError, Request, encode};
use crate::cookies;
use crate::money;
use crate::session::Shopper;

/// Each shipping method's price is asked of pricing with this deadline.
const QUOTE_DEADLINE: Duration = Duration::from_millis(800);
/// The checkout saga may take a few seconds (the card provider); the inbound request's
/// deadline still bounds it.
const CHECKOUT_DEADLINE: Duration = Duration::from_secs(12);
/// How long a guest's confirmation stays readable.
const CONFIRMATION_LIFETIME: i64 = 24 * 3600;

/// What the shopper typed (never the card's number or code: those are not shown again).
#[derive(Debug, Default)]
pub struct Entered {
    /// E-mail.
    pub email: String,
    /// Recipient.
    pub name: String,
    /// Street.
    pub line1: String,
    /// More of the address.
    pub line2: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Card expiry month.
    pub exp_month: String,
    /// Card expiry year.
    pub exp_year: String,
}

impl Entered {
    fn from_form(form: &FormData) -> Self {
        Self {
            email: form.get("email"),
            name: form.get("name"),
            line1: form.get("line1"),
            line2: form.get("line2"),
            postal_code: form.get("postal_code"),
            city: form.get("city"),
            exp_month: form.get("exp_month"),
            exp_year: form.get("exp_year"),
        }
    }
}

/// A shipping method to choose.
#[derive(Debug)]
pub struct MethodOption {
    /// Its name (the form value).
    pub method: String,
    /// What it costs this cart.
    pub label: String,
    /// Whether the cart has it.
    pub checked: bool,
}

/// A country to ship to.
#[derive(Debug)]
pub struct CountryOption {
    /// ISO code.
    pub code: String,
    /// Whether the cart has it.
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "checkout.html")]
struct CheckoutPage {
    layout: Layout,
    lines: Vec<LineView>,
    totals: Totals,
    countries: Vec<CountryOption>,
    methods: Vec<MethodOption>,
    country: String,
    shipping_method: String,
    cart_id: String,
    signature: String,
    key: String,
    entered: Entered,
    errors: FieldErrors,
    can_place: bool,
}

/// The shipping methods this cart can have, each with its price, asked of pricing in parallel.
async fn methods(state: &AppState, shopper: &Shopper, cart: &Cart) -> Vec<MethodOption> {
    let lines: Vec<_> = cart.lines.iter().map(|l| json!({ "sku": l.sku, "quantity": l.quantity })).collect();
    let asks = state.shop.shipping_methods.iter().map(|method| {
        let body = json!({
            "currency": cart.currency, "country": cart.country, "shipping_method": method,
            "coupon_codes": cart.coupon_codes, "lines": lines, "customer_group": shopper.customer_group(),
        });
        async move {
            let quote: Quote = state.api.json(Request::post("/quotes", body).timeout(QUOTE_DEADLINE)).await.ok()?;
            let shipping = quote.shipping?;
            let price = if shipping.amount.amount == 0 { "free".to_owned() } else { money::format(shipping.amount) };
            Some(MethodOption {
                label: format!("{} — {price}", method_label(method)),
                checked: cart.shipping_method.as_deref() == Some(method.as_str()),
                method: method.clone(),
            })
        }
    });
    let mut options: Vec<MethodOption> = futures::future::join_all(asks).await.into_iter().flatten().collect();
    // Pricing did not answer for any: offer what the cart already has.
    if options.is_empty()
        && let Some(shipping) = cart.quote.as_ref().and_then(|q| q.shipping.as_ref())
    {
        options.push(MethodOption {
            label: format!("{} — {}", method_label(&shipping.method), money::format(shipping.amount)),
            method: shipping.method.clone(),
            checked: true,
        });
    }
    options
}

fn cart_ref(cart: &Cart, shopper: &Shopper) -> String {
    if shopper.signed_in() { "mine".to_owned() } else { cart.id.to_string() }
}

/// Renders the checkout page for the shopper's cart (or sends them to the cart page when
/// there is nothing to check out).
async fn render(
    state: &AppState,
    shopper: &mut Shopper,
    mut entered: Entered,
    errors: FieldErrors,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let mut cart = match cart::current(state, shopper).await {
        Ok(Some(cart)) if !cart.lines.is_empty() => cart,
        Ok(_) => return see_other("/cart"),
        Err(err) => return failure_page(shopper, &err),
    };
    let mut methods = methods(state, shopper, &cart).await;
    // A cart without a method gets the first one offered, so the page always shows a total.
    if cart.shipping_method.is_none()
        && let Some(first) = methods.first_mut()
    {
        let request = Request::new(Method::PATCH, format!("/carts/{}", cart_ref(&cart, shopper)))
            .body(json!({ "shipping_method": first.method }))
            .token(shopper.token());
        if let Ok(updated) = state.api.json::<Cart>(request).await {
            first.checked = true;
            cart = updated;
        }
    }
    let Some(quote) = cart.quote.clone().filter(|q| q.unpriced_skus.is_empty()) else {
        return see_other("/cart");
    };
    if shopper.signed_in() && entered.email.is_empty() {
        let me = Request::get("/me").token(shopper.token()).timeout(Duration::from_millis(500));
        if let Ok(customer) = state.api.json::<Customer>(me).await {
            entered.email = customer.email;
            entered.name = customer.name;
        }
    }
    let mut layout = Layout::new("Checkout", shopper);
    layout.notice = notice;
    let lines = cart::lines(state, &cart).await;
    let page = CheckoutPage {
        layout,
        lines,
        totals: Totals::new(
            quote.subtotal,
            quote.discount_total,
            quote.shipping.as_ref(),
            quote.tax_total,
            quote.total,
            quote.tax_inclusive,
        ),
        countries: state
            .shop
            .countries
            .iter()
            .map(|c| CountryOption { code: c.clone(), selected: *c == cart.country })
            .collect(),
        can_place: cart.shipping_method.is_some(),
        methods,
        country: cart.country.clone(),
        shipping_method: cart.shipping_method.clone().unwrap_or_default(),
        cart_id: cart.id.to_string(),
        signature: quote.signature.clone(),
        key: uuid::Uuid::new_v4().to_string(),
        entered,
        errors,
    };
    (status, page).into_response()
}

/// `GET /checkout`.
pub async fn page(State(state): State<AppState>, mut shopper: Shopper) -> Response {
    render(&state, &mut shopper, Entered::default(), FieldErrors::default(), None, StatusCode::OK).await
}

/// `POST /checkout/delivery`: the destination country and shipping method of the cart.
pub async fn delivery(State(state): State<AppState>, mut shopper: Shopper, form: FormData) -> Response {
    let country = form.get("country");
    let method = form.get("shipping_method");
    if !state.shop.countries.contains(&country) {
        let notice = Some("Choose a country we ship to.".to_owned());
        return render(
            &state,
            &mut shopper,
            Entered::default(),
            FieldErrors::default(),
            notice,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let cart = match cart::current(&state, &mut shopper).await {
        Ok(Some(cart)) => cart,
        Ok(None) => return see_other("/cart"),
        Err(err) => return failure_page(&shopper, &err),
    };
    let mut body = json!({ "country": country });
    if !method.is_empty() {
        body["shipping_method"] = json!(method);
    }
    let request =
        Request::new(Method::PATCH, format!("/carts/{}", cart_ref(&cart, &shopper))).body(body).token(shopper.token());
    match state.api.send(request).await {
        Ok(_) => see_other("/checkout"),
        Err(err) if err.status() == Some(StatusCode::UNPROCESSABLE_ENTITY) => {
            let notice = Some("That shipping method is not available to that country; choose another.".to_owned());
            render(
                &state,
                &mut shopper,
                Entered::default(),
                FieldErrors::default(),
                notice,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => failure_page(&shopper, &err),
    }
}

/// The card fields, checked as far as a form can be before the API sees them.
struct Card {
    number: String,
    exp_month: i64,
    exp_year: i64,
    cvc: String,
}

fn validate(form: &FormData, entered: &Entered, errors: &mut FieldErrors) -> Option<Card> {
    let email = &entered.email;
    if email.len() < 3 || email.len() > 254 || !email.contains('@') {
        errors.add("email", "Enter an e-mail address like name@example.com.");
    }
    for (field, value, label) in [
        ("name", &entered.name, "the recipient's name"),
        ("line1", &entered.line1, "the street and number"),
        ("postal_code", &entered.postal_code, "the postal code"),
        ("city", &entered.city, "the city"),
    ] {
        if value.is_empty() {
            errors.add(field, format!("Enter {label}."));
        }
    }
    let number: String = form.get("card_number").chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if number.len() < 12 || number.len() > 19 || !number.bytes().all(|b| b.is_ascii_digit()) {
        errors.add("card_number", "Enter the 12 to 19 digits of the card number.");
    }
    let exp_month = entered.exp_month.parse::<i64>().ok().filter(|m| (1..=12).contains(m));
    if exp_month.is_none() {
        errors.add("exp_month", "Enter the expiry month, 1 to 12.");
    }
    let exp_year = entered
        .exp_year
        .parse::<i64>()
        .ok()
        .map(|y| if y < 100 { y + 2000 } else { y })
        .filter(|y| (2000..=2100).contains(y));
    if exp_year.is_none() {
        errors.add("exp_year", "Enter the expiry year, like 2030.");
    }
    let cvc = form.get("cvc");
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        errors.add("cvc", "Enter the 3 or 4 digit security code.");
    }
    Some(Card { number, exp_month: exp_month?, exp_year: exp_year?, cvc })
}

/// The API's name of a field → the form's.
fn form_field(api: &str) -> Option<&'static str> {
    Some(match api {
        "email" => "email",
        "shipping_address.name" => "name",
        "shipping_address.line1" => "line1",
        "shipping_address.line2" => "line2",
        "shipping_address.postal_code" => "postal_code",
        "shipping_address.city" => "city",
        "payment.card.number" => "card_number",
        "payment.card.exp_month" => "exp_month",
        "payment.card.exp_year" => "exp_year",
        "payment.card.cvc" => "cvc",
        _ => return None,
    })
}

/// What a guest's confirmation page shows after the redirect.
#[derive(Debug, Serialize, Deserialize)]
struct Confirmation {
    order_id: String,
    email: String,
    total: String,
}

/// `POST /checkout`: places the order.
pub async fn place(State(state): State<AppState>, mut shopper: Shopper, form: FormData) -> Response {
    let entered = Entered::from_form(&form);
    let mut errors = FieldErrors::default();
    let card = validate(&form, &entered, &mut errors);
    let (Some(card), true) = (card, errors.is_empty()) else {
        let notice = Some("Some details are missing or invalid; see below.".to_owned());
        return render(&state, &mut shopper, entered, errors, notice, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let key = Some(form.get("idempotency_key"))
        .filter(|k| !k.is_empty() && k.len() <= 100 && k.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut address = json!({
        "name": entered.name, "line1": entered.line1, "postal_code": entered.postal_code,
        "city": entered.city, "country": form.get("country"),
    });
    if !entered.line2.is_empty() {
        address["line2"] = json!(entered.line2);
    }
    // The cart, country and method are those the page showed (hidden fields), bound by the
    // quote's signature: a second submit of the same page finds the same order even after
    // the first converted the cart.
    let body = json!({
        "cart_id": form.get("cart_id"),
        "email": entered.email,
        "shipping_address": address,
        "shipping_method": form.get("shipping_method"),
        "quote_signature": form.get("quote_signature"),
        "payment": { "card": { "number": card.number, "exp_month": card.exp_month, "exp_year": card.exp_year, "cvc": card.cvc } },
    });
    let request =
        Request::post("/checkouts", body).token(shopper.token()).idempotency_key(&key).timeout(CHECKOUT_DEADLINE);
    let err = match state.api.json::<Order>(request).await {
        Ok(order) => {
            tracing::info!(order_id = %order.id, "order placed");
            if shopper.signed_in() {
                shopper.forget_guest_cart();
            } else {
                let confirmation = Confirmation {
                    order_id: order.id.to_string(),
                    email: order.email.clone(),
                    total: money::format(order.total),
                };
                if let Ok(json) = serde_json::to_vec(&confirmation) {
                    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
                    shopper.set_cookie(cookies::CONFIRMATION, &value, CONFIRMATION_LIFETIME);
                }
                shopper.forget_guest_cart();
            }
            return see_other(&format!("/confirmation/{}", encode(order.id.as_str())));
        }
        Err(err) => err,
    };
    let (notice, errors) = refusal(&err);
    let status = err.status().filter(|s| s.is_client_error()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    if err.problem().is_some_and(|p| p.code() == "cart-not-active") {
        shopper.forget_guest_cart();
    }
    render(&state, &mut shopper, entered, errors, Some(notice), status).await
}

/// What a refused checkout means for the shopper: a notice and the fields to fix.
fn refusal(err: &ApiError) -> (String, FieldErrors) {
    let mut errors = FieldErrors::default();
    let Some(problem) = err.problem().filter(|_| !err.is_unavailable()) else {
        tracing::warn!(error = %runtime::error_chain(err), "checkout unavailable");
        return (
            "We could not place your order just now, and nothing was charged. Please try again in a moment.".into(),
            errors,
        );
    };
    let notice = match problem.code() {
        "price-changed" => "Prices changed since this page was shown. Please review the new total and place your order again.".to_owned(),
        "insufficient-stock" => {
            let short: Vec<String> = problem
                .extensions
                .get("lines")
                .and_then(|l| l.as_array())
                .map(|lines| {
                    lines
                        .iter()
                        .map(|l| {
                            format!(
                                "{} (only {} left)",
                                l["sku"].as_str().unwrap_or("an item"),
                                l["available"].as_i64().unwrap_or(0)
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("Not enough stock for: {}. Please change your cart.", if short.is_empty() { "some items".to_owned() } else { short.join(", ") })
        }
        "card-declined" => {
            let reason = problem.extensions.get("decline_code").and_then(|c| c.as_str()).unwrap_or("card_declined");
            errors.add("card_number", format!("This card was declined ({}). Try another card.", reason.replace('_', " ")));
            "Your card was declined; nothing was charged.".to_owned()
        }
        "cart-not-active" => "This cart has already been ordered. Your cart is empty now.".to_owned(),
        "checkout-in-progress" | "idempotency-key-in-use" => {
            "Your order is still being processed. Please wait a moment and check your e-mail or account before trying again.".to_owned()
        }
        "idempotency-key-reused" => "The form changed after it was sent. Please place your order again.".to_owned(),
        _ => {
            for field in &problem.errors {
                match form_field(&field.field) {
                    Some(name) => errors.add(name, field.message.clone()),
                    None => errors.add("form", format!("{}: {}", field.field, field.message)),
                }
            }
            if errors.is_empty() {
                problem.detail.clone().unwrap_or_else(|| problem.title.clone())
            } else {
                let general = errors.get("form");
                if general.is_empty() { "Some details need fixing; see below.".to_owned() } else { general.to_owned() }
            }
        }
    };
    (notice, errors)
}

#[derive(Template, WebTemplate)]
#[template(path = "confirmation.html")]
struct ConfirmationPage {
    layout: Layout,
    order_id: String,
    email: String,
    total: String,
    signed_in: bool,
}

/// `GET /confirmation/{order}`: a customer's order from the API; a guest's from the cookie
/// the checkout set (guests cannot read orders from the API).
pub async fn confirmation(State(state): State<AppState>, shopper: Shopper, Path(order_id): Path<String>) -> Response {
    let layout = Layout::new("Thank you for your order", &shopper);
    if shopper.signed_in() {
        let request = Request::get(format!("/orders/{}", encode(&order_id))).token(shopper.token());
        return match state.api.json::<Order>(request).await {
            Ok(order) => ConfirmationPage {
                layout,
                order_id: order.id.to_string(),
                email: order.email,
                total: money::format(order.total),
                signed_in: true,
            }
            .into_response(),
            Err(err) => failure_page(&shopper, &err),
        };
    }
    let confirmation = shopper
        .confirmation
        .as_deref()
        .and_then(|c| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).ok())
        .and_then(|bytes| serde_json::from_slice::<Confirmation>(&bytes).ok())
        .filter(|c| c.order_id == order_id);
    match confirmation {
        Some(c) => ConfirmationPage { layout, order_id: c.order_id, email: c.email, total: c.total, signed_in: false }
            .into_response(),
        None => not_found_page(&shopper),
    }
}
