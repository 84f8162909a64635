//! `POST /v1/checkouts`: turn a cart into an order, once per `Idempotency-Key`.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::ids::CustomerId;
use contracts::orders::{CheckoutId, NewCheckout, Order};
use runtime::http::{Json, Problem, ProblemSchema};
use runtime::idempotency::{IdempotencyKey, Prior, Recorded};
use runtime::jwt::Principal;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::crash::{self, CrashPoint};
use crate::domain::checkout::{self, Step};
use crate::saga::{self, Ending};
use crate::store::checkouts::{self, Checkout};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_checkout))
}

/// How long a request with a key whose checkout another request is driving waits for its
/// outcome before answering 409 `checkout-in-progress`.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(12);

fn answer(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Recorded { status, body }.response(replayed)
}

// Location of a created order, read back from the recorded body.
fn with_location(mut response: Response, status: u16, body: &str) -> Response {
    if status == 201
        && let Ok(order) = serde_json::from_str::<Order>(body)
        && let Ok(value) = HeaderValue::from_str(&format!("/v1/orders/{}", order.id))
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Check out a cart: price it, hold its stock, authorise the card, and place the order.
/// `Idempotency-Key` is required; a replay returns the first outcome. Shoppers may be guests
/// (no token) or signed in (`Authorization: Bearer`, then the order is theirs).
#[utoipa::path(
    post,
    path = "/v1/checkouts",
    tag = "checkouts",
    request_body = NewCheckout,
    params(("Idempotency-Key" = String, Header, description = "Required: a replay returns the first outcome")),
    responses(
        (status = 201, description = "The order, placed: payment authorised, stock committed", body = Order),
        (status = 400, description = "Malformed body or no Idempotency-Key", body = ProblemSchema),
        (status = 401, description = "A token was presented but is invalid or expired", body = ProblemSchema),
        (status = 402, description = "`card-declined`: nothing charged, items released", body = ProblemSchema),
        (status = 409, description = "`insufficient-stock` (naming the lines), `price-changed` (with the new `quote`), `cart-not-active`, `idempotency-key-reused`, or `checkout-in-progress`", body = ProblemSchema),
        (status = 422, description = "Invalid fields (also `payment.card.*`), an empty or unknown cart, or a cart that cannot be priced", body = ProblemSchema),
        (status = 503, description = "A service the checkout needs is unavailable; nothing charged", body = ProblemSchema),
        (status = 504, description = "`payment-timeout`: the provider did not answer; nothing charged", body = ProblemSchema),
    ),
)]
async fn create_checkout(
    State(state): State<AppState>,
    principal: Option<Principal>,
    key: IdempotencyKey,
    headers: HeaderMap,
    Json(request): Json<NewCheckout>,
) -> Result<Response, ApiError> {
    let customer = match &principal {
        Some(p) => Some(
            CustomerId::parse(p.subject())
                .map_err(|_| Problem::forbidden("Only customers check out with an access token."))?,
        ),
        None => None,
    };
    checkout::validate(&request).map_err(ApiError::Invalid)?;
    let customer_group = principal.as_ref().and_then(Principal::customer_group);
    let crash_at = headers.get(crash::HEADER).and_then(|v| v.to_str().ok()).and_then(CrashPoint::parse);
    let owner = match &customer {
        Some(c) => format!("customer:{c}"),
        None => "guest".to_owned(),
    };
    let fingerprint = checkout::fingerprint(&request);
    let started = Instant::now();
    loop {
        // A key already used: replay its outcome, or wait for the request driving it.
        let existing = {
            let mut conn = state.db.acquire().await?;
            checkouts::find_by_key(&mut conn, &owner, key.as_str()).await?
        };
        if let Some(existing) = existing {
            if existing.fingerprint != fingerprint {
                return Ok(Prior::mismatch_problem().into_response());
            }
            if let Some((status, body)) = existing.outcome {
                return Ok(with_location(answer(status, body.clone(), true), status, &body));
            }
            if started.elapsed() > WAIT_FOR_OTHER {
                return Ok(saga::in_progress().into_response());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
            continue;
        }
        let draft = Checkout {
            id: CheckoutId::generate(),
            owner: owner.clone(),
            fingerprint: fingerprint.clone(),
            cart_id: request.cart_id.clone(),
            customer_id: customer.clone(),
            email: request.email.trim().to_owned(),
            shipping_address: request.shipping_address.clone(),
            shipping_method: request.shipping_method.clone(),
            quote: None,
            coupon_codes: Vec::new(),
            step: Step::Quoted,
            reservation_id: None,
            payment_id: None,
            order_id: None,
            outcome: None,
            lease_token: None,
        };
        let Some(ending) = state.saga.start(draft, key.as_str(), &request, customer_group, crash_at).await? else {
            // A concurrent request with the same key claimed it first: wait for its outcome.
            continue;
        };
        let outcome = match &ending {
            Ending::Recorded(status, _) => status.to_string(),
            Ending::Forgotten(_) => "forgotten".to_owned(),
            Ending::Unfinished(_) => "unfinished".to_owned(),
            Ending::LostLease => "lost_lease".to_owned(),
        };
        metrics::counter!("checkouts_total", "outcome" => outcome).increment(1);
        return Ok(match ending {
            Ending::Recorded(status, body) => with_location(answer(status, body.clone(), false), status, &body),
            Ending::Forgotten(problem) | Ending::Unfinished(problem) => problem.into_response(),
            Ending::LostLease => saga::in_progress().into_response(),
        });
    }
}
