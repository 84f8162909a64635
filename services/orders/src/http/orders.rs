//! Orders after the checkout: history for customers, lists and payment operations for staff,
//! and cancellation.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use contracts::money::Money;
use contracts::orders::{Order, OrderId, OrderPage, OrderStatus, ShipOrder};
use contracts::payments::{Payment, RefundPayment};
use runtime::auth::Staff;
use runtime::http::{Cursor, FieldError, Json, PageParams, Problem, ProblemSchema, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::viewer::Viewer;
use super::{ApiError, AppState};
use crate::calls::{self, CallError};
use crate::domain::order::{self, BeforeShipping, PaymentUndo, RuleError};
use crate::events;
use crate::store::orders::{self, Filter};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
        .routes(routes!(cancel_order))
        .routes(routes!(capture_order))
        .routes(routes!(refund_order))
        .routes(routes!(ship_order))
}

/// Filters of `GET /v1/orders` (staff; a customer always sees only their own).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// `placed`, `shipped` or `cancelled`.
    pub status: Option<String>,
    /// A customer id (staff only).
    pub customer_id: Option<String>,
    /// An e-mail address, case-insensitive (staff only).
    pub email: Option<String>,
    /// Items per page, 1 to 100.
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

fn with_etag(order: &Order) -> Response {
    let mut response = Json(order).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", order.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

fn state_problem(err: RuleError) -> Problem {
    Problem::conflict("invalid-order-state", format!("The order cannot do that now: {err}."))
}

async fn load(state: &AppState, viewer: &Viewer, id: &str) -> Result<Order, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::NotFound)?;
    let mut conn = state.db.acquire().await?;
    let order = orders::find(&mut conn, &id).await?.ok_or(ApiError::NotFound)?;
    // Another customer's order does not exist as far as this caller is concerned.
    if !viewer.may_see(order.customer_id.as_ref()) {
        return Err(ApiError::NotFound);
    }
    Ok(order)
}

/// The event a change of an order publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Announce {
    /// Nothing (a payment operation).
    Nothing,
    /// `order.cancelled`.
    Cancelled,
    /// `order.shipped`.
    Shipped,
}

/// Writes a changed order (and its event, if any); on a concurrent change, 409.
async fn save(state: &AppState, order: &Order, announce: Announce) -> Result<(), ApiError> {
    let mut tx = state.db.begin().await?;
    if !orders::update(&mut tx, order).await? {
        return Err(Problem::conflict("order-changed", "The order changed concurrently; read it and try again.").into());
    }
    match announce {
        Announce::Nothing => {}
        Announce::Cancelled => events::cancelled(&state.outbox, &mut tx, order).await?,
        Announce::Shipped => events::shipped(&state.outbox, &mut tx, order).await?,
    }
    state.outbox.commit(tx).await?;
    Ok(())
}

/// List orders, newest first: staff see all (filterable), a customer their own.
#[utoipa::path(
    get,
    path = "/v1/orders",
    tag = "orders",
    params(OrderFilter),
    responses(
        (status = 200, description = "A page of orders", body = OrderPage),
        (status = 400, description = "Bad cursor or limit", body = ProblemSchema),
        (status = 401, description = "No valid token", body = ProblemSchema),
        (status = 422, description = "Unknown status", body = ProblemSchema),
    ),
    security(("bearer" = []), ("staff" = []))
)]
async fn list_orders(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filter): Query<OrderFilter>,
) -> Result<Json<OrderPage>, ApiError> {
    let cursor = Cursor::try_from(PageParams { limit: filter.limit, after: filter.after.clone() })?;
    if let Some(status) = filter.status.as_deref()
        && ![OrderStatus::Placed, OrderStatus::Shipped, OrderStatus::Cancelled].iter().any(|s| s.as_str() == status)
    {
        return Err(ApiError::Invalid(vec![FieldError::new("status", "must be `placed`, `shipped` or `cancelled`")]));
    }
    let customer = match &viewer {
        Viewer::Staff => filter.customer_id.clone(),
        Viewer::Customer(me) => Some(me.to_string()),
    };
    let email = match &viewer {
        Viewer::Staff => filter.email.as_deref(),
        Viewer::Customer(_) => None,
    };
    let query = Filter { customer_id: customer.as_deref(), status: filter.status.as_deref(), email };
    let mut conn = state.db.acquire().await?;
    let mut data = orders::list(&mut conn, &query, cursor.after.as_deref(), i64::from(cursor.limit) + 1).await?;
    let next = if data.len() > cursor.limit as usize {
        data.truncate(cursor.limit as usize);
        data.last().map(|o| Cursor::encode(o.id.as_str()))
    } else {
        None
    };
    Ok(Json(OrderPage { data, next }))
}

/// Read one order (its owner, or staff).
#[utoipa::path(
    get,
    path = "/v1/orders/{id}",
    tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order, with its history", body = Order),
        (status = 401, description = "No valid token", body = ProblemSchema),
        (status = 404, description = "No such order of yours", body = ProblemSchema),
    ),
    security(("bearer" = []), ("staff" = []))
)]
async fn get_order(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(with_etag(&load(&state, &viewer, &id).await?))
}

/// Cancel an order before fulfilment (its owner, or staff): the authorisation is voided (a
/// captured payment refunded), the stock goes back, and `order.cancelled` is published.
/// Safe to retry: each part is done once.
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/cancel",
    tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Cancelled", body = Order),
        (status = 401, description = "No valid token", body = ProblemSchema),
        (status = 404, description = "No such order of yours", body = ProblemSchema),
        (status = 409, description = "Already cancelled (`invalid-order-state`) or changed concurrently", body = ProblemSchema),
        (status = 503, description = "Payments or inventory unavailable; retry", body = ProblemSchema),
    ),
    security(("bearer" = []), ("staff" = []))
)]
async fn cancel_order(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut order = load(&state, &viewer, &id).await?;
    let undo = order::cancellation(&order).map_err(state_problem)?;
    // The money first: once the payment is undone, it is written down, so a retry after a
    // failure further on does not try it again.
    let payment = match undo {
        PaymentUndo::Void => Some(calls::void(&state.client, &order.payment_id).await?),
        PaymentUndo::Refund => Some(calls::refund(&state.client, &order.payment_id, None).await?),
        PaymentUndo::Nothing => None,
    };
    if let Some(payment) = payment {
        let now = runtime::db::now();
        order.payment_status = payment.status;
        order::record(
            &mut order,
            &now,
            &format!("payment_{}", payment.status.as_str()),
            "Cancellation: payment undone.",
        );
        save(&state, &order, Announce::Nothing).await?;
    }
    match calls::return_stock(&state.client, &order.reservation_id).await {
        Ok(_) => {}
        // A reservation that was never committed (or already returned) holds no stock of
        // this order any more.
        Err(CallError::Refused { status, .. }) if status == axum::http::StatusCode::CONFLICT => {}
        Err(err) => return Err(err.into()),
    }
    order.status = OrderStatus::Cancelled;
    order::record(&mut order, &runtime::db::now(), "cancelled", "Cancelled; the items went back to stock.");
    save(&state, &order, Announce::Cancelled).await?;
    tracing::info!(order_id = %order.id, "order cancelled");
    Ok(with_etag(&order))
}

/// Capture the order's payment (staff): all of it, or `amount`.
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/capture",
    tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Captured", body = Order),
        (status = 401, description = "No valid staff credential", body = ProblemSchema),
        (status = 403, description = "Not staff", body = ProblemSchema),
        (status = 404, description = "No such order", body = ProblemSchema),
        (status = 409, description = "The payment is not authorised, or the order is cancelled", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn capture_order(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut order = load(&state, &Viewer::Staff, &id).await?;
    order::capturable(&order).map_err(state_problem)?;
    let payment = calls::capture(&state.client, &order.payment_id, None).await?;
    paid(&state, &mut order, &payment, "payment_captured", payment.captured).await?;
    Ok(with_etag(&order))
}

/// Refund some or all of the order's captured payment (staff). The order stays as it is.
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/refund",
    tag = "orders",
    request_body(content = Option<RefundPayment>, description = "Optional; default: everything not yet refunded"),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Refunded", body = Order),
        (status = 401, description = "No valid staff credential", body = ProblemSchema),
        (status = 403, description = "Not staff", body = ProblemSchema),
        (status = 404, description = "No such order", body = ProblemSchema),
        (status = 409, description = "Nothing captured to refund, or the amount is refused", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn refund_order(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
    body: Option<Json<RefundPayment>>,
) -> Result<Response, ApiError> {
    let mut order = load(&state, &Viewer::Staff, &id).await?;
    let amount = body.and_then(|Json(b)| b.amount);
    let payment = calls::refund(&state.client, &order.payment_id, amount).await?;
    let refunded = amount.unwrap_or(payment.refunded);
    paid(&state, &mut order, &payment, "refunded", refunded).await?;
    Ok(with_etag(&order))
}

async fn paid(
    state: &AppState,
    order: &mut Order,
    payment: &Payment,
    event: &str,
    amount: Money,
) -> Result<(), ApiError> {
    order.payment_status = payment.status;
    let note = format!("{amount} (payment {}).", payment.status.as_str());
    order::record(order, &runtime::db::now(), event, note);
    save(state, order, Announce::Nothing).await
}

/// The field errors of a shipment's carrier and tracking number.
fn shipment_errors(body: &ShipOrder) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let carrier = body.carrier.trim();
    if carrier.is_empty() || carrier.chars().count() > 50 || carrier.chars().any(char::is_control) {
        errors.push(FieldError::new("carrier", "must be 1 to 50 characters, without control characters"));
    }
    let tracking = &body.tracking_number;
    if tracking.is_empty() || tracking.len() > 100 || !tracking.bytes().all(|b| b.is_ascii_graphic()) {
        errors.push(FieldError::new("tracking_number", "must be 1 to 100 visible ASCII characters, without spaces"));
    }
    errors
}

/// Ship the order (staff): its authorisation is captured if it was not yet, the order
/// becomes `shipped` with the carrier and tracking number, and `order.shipped` is published
/// (the customer's shipment e-mail, merchants' webhooks). A shipped order can no longer be
/// cancelled. Retrying with the same carrier and tracking number answers the shipped order
/// again; a retry after a failure finishes what the first call began (the capture is done
/// once).
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/ship",
    tag = "orders",
    request_body = ShipOrder,
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Shipped", body = Order),
        (status = 401, description = "No valid staff credential", body = ProblemSchema),
        (status = 403, description = "Not staff", body = ProblemSchema),
        (status = 404, description = "No such order", body = ProblemSchema),
        (status = 409, description = "Cancelled, shipped otherwise already, or its payment was voided or refunded", body = ProblemSchema),
        (status = 422, description = "Bad carrier or tracking number", body = ProblemSchema),
        (status = 503, description = "Payments unavailable for the capture; retry", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn ship_order(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<String>,
    Json(body): Json<ShipOrder>,
) -> Result<Response, ApiError> {
    let errors = shipment_errors(&body);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let carrier = body.carrier.trim();
    let mut order = load(&state, &Viewer::Staff, &id).await?;
    if let Some(shipment) = &order.shipment
        && shipment.carrier == carrier
        && shipment.tracking_number == body.tracking_number
    {
        return Ok(with_etag(&order));
    }
    if order::shippable(&order).map_err(state_problem)? == BeforeShipping::Capture {
        let payment = calls::capture(&state.client, &order.payment_id, None).await?;
        paid(&state, &mut order, &payment, "payment_captured", payment.captured).await?;
    }
    order::ship(&mut order, carrier, &body.tracking_number, &runtime::db::now());
    save(&state, &order, Announce::Shipped).await?;
    tracing::info!(order_id = %order.id, carrier, "order shipped");
    Ok(with_etag(&order))
}
