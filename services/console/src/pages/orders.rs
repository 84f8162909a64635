//! Orders: the list with filters, an order with its history, and the staff's actions on it
//! (capture, ship with carrier and tracking number; cancel and refund after a confirmation
//! step), through the orders API, which
//! settles the payment with payments itself.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::{Extension, Form as Posted};
use contracts::orders::{Order, OrderPage, OrderStatus, ShipOrder};
use contracts::payments::{Payment, PaymentStatus, RefundPayment};
use serde::Deserialize;

use super::confirm::{self, Confirm};
use super::{Form, api_failure, render, see_other, with_query};
use crate::Console;
use crate::amount;
use crate::api::encode;
use crate::session::Staff;

/// Orders per page.
const PAGE_SIZE: u32 = 25;

#[derive(Template)]
#[template(path = "orders.html")]
struct ListPage {
    section: &'static str,
    signed_in: bool,
    orders: Vec<Order>,
    filter: ListQuery,
    next: Option<String>,
}

/// Filters of the order list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    after: String,
}

/// `GET /admin/orders?status=&email=&customer_id=&after=`.
pub async fn list(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Query(filter): Query<ListQuery>,
) -> Response {
    let status = match filter.status.as_str() {
        "placed" | "shipped" | "cancelled" => filter.status.as_str(),
        _ => "",
    };
    let query = with_query(
        "/v1/orders",
        &[
            ("limit", &PAGE_SIZE.to_string()),
            ("status", status),
            ("email", filter.email.trim()),
            ("customer_id", filter.customer_id.trim()),
            ("after", &filter.after),
        ],
    );
    let page: OrderPage = match console.api.get(&staff.token, &query).await {
        Ok(page) => page,
        Err(err)
            if err.status() == Some(StatusCode::BAD_REQUEST)
                || err.status() == Some(StatusCode::UNPROCESSABLE_ENTITY) =>
        {
            // A filter the API refuses (a malformed customer id, say): say so, show nothing.
            return super::message(
                err.status().unwrap_or(StatusCode::BAD_REQUEST),
                "Check the filters",
                &err.message(),
            );
        }
        Err(err) => return api_failure(&err),
    };
    let next = page.next.map(|cursor| {
        with_query(
            "/admin/orders",
            &[("status", status), ("email", &filter.email), ("customer_id", &filter.customer_id), ("after", &cursor)],
        )
    });
    render(StatusCode::OK, &ListPage { section: "orders", signed_in: true, orders: page.data, filter, next })
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderView {
    section: &'static str,
    signed_in: bool,
    order: Order,
    payment: Option<Payment>,
    notice: Option<&'static str>,
    form: Form,
    can_capture: bool,
    can_ship: bool,
    can_cancel: bool,
    can_refund: bool,
}

/// Query of the order page.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    notice: String,
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "captured" => "Payment captured.",
        "shipped" => "Order shipped: the payment is captured and the customer is told.",
        "cancelled" => {
            "Order cancelled: the authorisation is released (or the capture refunded) and the stock is back."
        }
        "refunded" => "Refund issued.",
        _ => return None,
    })
}

async fn load(console: &Console, staff: &Staff, id: &str) -> Result<(Order, Option<Payment>), Response> {
    let order: Order =
        console.api.get(&staff.token, &format!("/v1/orders/{}", encode(id))).await.map_err(|e| api_failure(&e))?;
    // The payment's amounts are a detail: the order shows without them.
    let payment = console.api.get::<Payment>(&staff.token, &format!("/v1/payments/{}", order.payment_id)).await.ok();
    Ok((order, payment))
}

async fn order_page(
    console: &Console,
    staff: &Staff,
    id: &str,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Form,
) -> Response {
    let (order, payment) = match load(console, staff, id).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let placed = order.status == OrderStatus::Placed;
    let can_capture = placed && order.payment_status == PaymentStatus::Authorized;
    let can_refund = order.payment_status == PaymentStatus::Captured;
    let can_ship = placed && matches!(order.payment_status, PaymentStatus::Authorized | PaymentStatus::Captured);
    let page = OrderView {
        section: "orders",
        signed_in: true,
        can_capture,
        can_ship,
        can_cancel: placed,
        can_refund,
        order,
        payment,
        notice,
        form,
    };
    render(status, &page)
}

/// `GET /admin/orders/{id}`.
pub async fn show(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    order_page(&console, &staff, &id, StatusCode::OK, notice_text(&query.notice), Form::default()).await
}

async fn act(
    console: &Console,
    staff: &Staff,
    id: &str,
    action: &str,
    body: Option<&RefundPayment>,
) -> Result<(), crate::api::ApiError> {
    let path = format!("/v1/orders/{}/{action}", encode(id));
    console
        .api
        .send::<serde_json::Value>(Some(&staff.token), Method::POST, &path, body, HeaderMap::new())
        .await
        .map(|_| ())
}

/// `POST /admin/orders/{id}/capture`: takes the authorised amount.
pub async fn capture(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Response {
    match act(&console, &staff, &id, "capture", None).await {
        Ok(()) => see_other(&format!("/admin/orders/{}?notice=captured", encode(&id))),
        Err(err) => {
            let mut form = Form::default();
            form.absorb(&err, |_| None);
            order_page(&console, &staff, &id, Form::status(&err), None, form).await
        }
    }
}

/// `POST /admin/orders/{id}/ship`: `carrier` and `tracking_number`; the API captures the
/// payment if need be.
pub async fn ship(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    let body = ShipOrder {
        carrier: form.value("carrier").to_owned(),
        tracking_number: form.value("tracking_number").to_owned(),
    };
    let path = format!("/v1/orders/{}/ship", encode(&id));
    let sent = console
        .api
        .send::<serde_json::Value>(Some(&staff.token), Method::POST, &path, Some(&body), HeaderMap::new())
        .await;
    match sent {
        Ok(_) => see_other(&format!("/admin/orders/{}?notice=shipped", encode(&id))),
        Err(err) if err.status().is_some_and(|s| s.is_client_error() && s != StatusCode::NOT_FOUND) => {
            form.absorb(&err, |f| ["carrier", "tracking_number"].contains(&f).then(|| f.to_owned()));
            order_page(&console, &staff, &id, Form::status(&err), None, form).await
        }
        Err(err) => api_failure(&err),
    }
}

fn cancel_confirm(id: &str, form: Form) -> Confirm {
    Confirm {
        section: "orders",
        title: format!("Cancel order {id}?"),
        text: "The customer's authorisation is released (a captured payment is refunded in full), the stock goes \
               back, and the customer is told. This cannot be undone."
            .into(),
        action: format!("/admin/orders/{id}/cancel"),
        button: "Cancel order".into(),
        back: format!("/admin/orders/{id}"),
        amount: None,
        form,
    }
}

/// `GET /admin/orders/{id}/cancel`: asks first.
pub async fn confirm_cancel(Path(id): Path<String>) -> Response {
    confirm::page(StatusCode::OK, cancel_confirm(&id, Form::default()))
}

/// `POST /admin/orders/{id}/cancel` (from the confirmation page).
pub async fn cancel(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Response {
    match act(&console, &staff, &id, "cancel", None).await {
        Ok(()) => see_other(&format!("/admin/orders/{}?notice=cancelled", encode(&id))),
        Err(err) if err.status().is_some_and(|s| s.is_client_error() && s != StatusCode::NOT_FOUND) => {
            let mut form = Form::default();
            form.absorb(&err, |_| None);
            confirm::page(Form::status(&err), cancel_confirm(&id, form))
        }
        Err(err) => api_failure(&err),
    }
}

fn refund_confirm(id: &str, payment: Option<&Payment>, form: Form) -> Confirm {
    let refundable = payment.and_then(|p| p.captured.checked_sub(p.refunded).ok());
    Confirm {
        section: "orders",
        title: format!("Refund order {id}?"),
        text: "Money goes back to the customer's card. Leave the amount empty to refund everything not refunded yet."
            .into(),
        action: format!("/admin/orders/{id}/refund"),
        button: "Refund".into(),
        back: format!("/admin/orders/{id}"),
        amount: Some(match refundable {
            Some(left) => format!("Up to {left}."),
            None => "Up to what was captured and not refunded yet.".into(),
        }),
        form,
    }
}

/// `GET /admin/orders/{id}/refund`: asks first, with the amount.
pub async fn confirm_refund(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Response {
    match load(&console, &staff, &id).await {
        Ok((_, payment)) => confirm::page(StatusCode::OK, refund_confirm(&id, payment.as_ref(), Form::default())),
        Err(response) => response,
    }
}

/// `POST /admin/orders/{id}/refund`: `amount` (optional, in the order's currency).
pub async fn refund(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let (order, payment) = match load(&console, &staff, &id).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let mut form = Form::with(input);
    let amount = match form.value("amount") {
        "" => None,
        typed => match amount::parse(typed, order.currency) {
            Ok(money) if money.amount > 0 => Some(money),
            Ok(_) => {
                form.fail("amount", "must be more than zero");
                None
            }
            Err(e) => {
                form.fail("amount", e.to_string());
                None
            }
        },
    };
    if form.has_errors() {
        return confirm::page(StatusCode::UNPROCESSABLE_ENTITY, refund_confirm(&id, payment.as_ref(), form));
    }
    match act(&console, &staff, &id, "refund", Some(&RefundPayment { amount })).await {
        Ok(()) => see_other(&format!("/admin/orders/{}?notice=refunded", encode(&id))),
        Err(err) if err.status().is_some_and(|s| s.is_client_error() && s != StatusCode::NOT_FOUND) => {
            form.absorb(&err, |f| f.starts_with("amount").then(|| "amount".to_owned()));
            confirm::page(Form::status(&err), refund_confirm(&id, payment.as_ref(), form))
        }
        Err(err) => api_failure(&err),
    }
}
