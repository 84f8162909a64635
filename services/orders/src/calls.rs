//! What orders asks of other services, typed: the cart to buy, its authoritative price, the
//! stock to hold, the payment to authorise. Every call that creates something carries an
//! `Idempotency-Key` derived from the checkout, so repeating it (a retry, or recovery after
//! a crash) never does the thing twice.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use contracts::cart::Cart;
use contracts::ids::{CartId, PaymentId, ReservationId};
use contracts::inventory::{NewReservation, NewReservationLine, Reservation};
use contracts::money::Money;
use contracts::orders::{CheckoutId, OrderId};
use contracts::payments::{CapturePayment, NewCard, NewPayment, Payment, PaymentList, RefundPayment};
use contracts::pricing::{Quote, QuoteRequest};
use runtime::client::{Call, ClientError, ServiceClient};
use serde::de::DeserializeOwned;

/// The longest a payment authorisation may take: the provider's timeout (3 s by default) and
/// the payments service's own work.
pub const AUTHORIZE_TIMEOUT: Duration = Duration::from_secs(8);

const SHORT: Duration = Duration::from_secs(3);

/// Why a call did not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The service answered with a problem.
    #[error("{service} answered {status}")]
    Refused {
        /// Which service.
        service: &'static str,
        /// Its status.
        status: StatusCode,
        /// Its problem document.
        problem: serde_json::Value,
    },
    /// The service could not be reached or did not answer in time.
    #[error("{0}")]
    Unreachable(#[from] ClientError),
}

impl CallError {
    /// The status of a refusal.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            CallError::Refused { status, .. } => Some(*status),
            CallError::Unreachable(_) => None,
        }
    }

    /// The problem `code` of a refusal (the last segment of its `type`).
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Refused { problem, .. } => {
                problem.get("type").and_then(|t| t.as_str()).and_then(|t| t.rsplit(':').next())
            }
            CallError::Unreachable(_) => None,
        }
    }
}

fn keyed(key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(key) {
        headers.insert("idempotency-key", value);
    }
    headers
}

async fn send<T: DeserializeOwned>(client: &ServiceClient, service: &'static str, call: Call) -> Result<T, CallError> {
    let reply = client.send(service, call.internal()).await?;
    if reply.status.is_success() {
        return Ok(serde_json::from_slice(&reply.body).map_err(ClientError::Decode)?);
    }
    let problem = serde_json::from_slice(&reply.body).unwrap_or(serde_json::Value::Null);
    Err(CallError::Refused { service, status: reply.status, problem })
}

/// Reads a cart (any cart: the caller checks ownership).
pub async fn cart(client: &ServiceClient, id: &CartId) -> Result<Cart, CallError> {
    send(client, "cart", Call::get(format!("/v1/carts/{id}")).timeout(SHORT)).await
}

/// Prices lines authoritatively.
pub async fn quote(client: &ServiceClient, request: &QuoteRequest) -> Result<Quote, CallError> {
    // Pricing a quote changes nothing: safe to retry.
    let call = Call::new(Method::POST, "/v1/quotes").json(request).timeout(SHORT).idempotent(true);
    send(client, "pricing", call).await
}

/// Holds stock for every line, or for none; keyed by the checkout, so a repeat returns the
/// same reservation.
pub async fn reserve(
    client: &ServiceClient,
    checkout: &CheckoutId,
    quote: &Quote,
    ttl_seconds: i64,
) -> Result<Reservation, CallError> {
    let body = NewReservation {
        reference: checkout.to_string(),
        lines: quote
            .lines
            .iter()
            .map(|l| NewReservationLine { sku: l.sku.to_string(), quantity: l.quantity })
            .collect(),
        ttl_seconds: Some(ttl_seconds),
    };
    let call = Call::new(Method::POST, "/v1/reservations")
        .json(&body)
        .headers(keyed(checkout.as_str()))
        .timeout(SHORT)
        .idempotent(true);
    send(client, "inventory", call).await
}

async fn reservation_action(
    client: &ServiceClient,
    id: &ReservationId,
    action: &str,
) -> Result<Reservation, CallError> {
    // Commit, release and return are idempotent in inventory: safe to retry.
    let call = Call::new(Method::POST, format!("/v1/reservations/{id}/{action}")).timeout(SHORT).idempotent(true);
    send(client, "inventory", call).await
}

/// Lets held stock go.
pub async fn release(client: &ServiceClient, id: &ReservationId) -> Result<Reservation, CallError> {
    reservation_action(client, id, "release").await
}

/// Takes held stock out of stock for good.
pub async fn commit(client: &ServiceClient, id: &ReservationId) -> Result<Reservation, CallError> {
    reservation_action(client, id, "commit").await
}

/// Puts committed stock back (a cancelled order).
pub async fn return_stock(client: &ServiceClient, id: &ReservationId) -> Result<Reservation, CallError> {
    reservation_action(client, id, "return").await
}

/// Authorises `amount` on `card`; the checkout id is the payment's key and reference, so a
/// repeat (retry or recovery) returns the first outcome instead of charging twice.
pub async fn authorize(
    client: &ServiceClient,
    checkout: &CheckoutId,
    amount: Money,
    card: &NewCard,
) -> Result<Payment, CallError> {
    let body = NewPayment { reference: checkout.to_string(), amount, card: card.clone() };
    let call = Call::new(Method::POST, "/v1/payments")
        .json(&body)
        .headers(keyed(checkout.as_str()))
        .timeout(AUTHORIZE_TIMEOUT)
        .idempotent(true);
    send(client, "payments", call).await
}

/// The payments made for a checkout (at most one: its key is the checkout id).
pub async fn payments_of(client: &ServiceClient, checkout: &CheckoutId) -> Result<Vec<Payment>, CallError> {
    let list: PaymentList =
        send(client, "payments", Call::get(format!("/v1/payments?reference={checkout}")).timeout(SHORT)).await?;
    Ok(list.data)
}

async fn payment_action<B: serde::Serialize>(
    client: &ServiceClient,
    id: &PaymentId,
    action: &str,
    body: &B,
) -> Result<Payment, CallError> {
    // Payments applies each operation once per payment version; a repeat answers the state.
    let call = Call::new(Method::POST, format!("/v1/payments/{id}/{action}")).json(body).timeout(AUTHORIZE_TIMEOUT);
    send(client, "payments", call).await
}

/// Voids an authorisation (nothing is taken).
pub async fn void(client: &ServiceClient, id: &PaymentId) -> Result<Payment, CallError> {
    payment_action(client, id, "void", &serde_json::json!({})).await
}

/// Captures some or all of an authorisation.
pub async fn capture(client: &ServiceClient, id: &PaymentId, amount: Option<Money>) -> Result<Payment, CallError> {
    payment_action(client, id, "capture", &CapturePayment { amount }).await
}

/// Refunds some or all of what was captured.
pub async fn refund(client: &ServiceClient, id: &PaymentId, amount: Option<Money>) -> Result<Payment, CallError> {
    payment_action(client, id, "refund", &RefundPayment { amount }).await
}

/// Redeems a coupon for an order (keyed by the order, so once per order).
pub async fn redeem(client: &ServiceClient, code: &str, order: &OrderId) -> Result<serde_json::Value, CallError> {
    let call = Call::new(Method::POST, format!("/v1/coupons/{code}/redemptions"))
        .headers(keyed(order.as_str()))
        .timeout(SHORT)
        .idempotent(true);
    send(client, "pricing", call).await
}
