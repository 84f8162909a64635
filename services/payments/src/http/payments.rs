//! `/v1/payments`: authorise (internal), read and list, capture and void (staff or internal),
//! refund (staff).
//!
//! # One authorisation per `Idempotency-Key`
//!
//! The provider is called *outside* any database transaction. Holding a write transaction
//! across the call would be the simplest way to make concurrent requests with one key wait
//! for each other, but on SQLite (`BEGIN IMMEDIATE`) it would stop every other write of the
//! service for up to the provider timeout, and on PostgreSQL it would hold a connection and
//! row locks for as long; and a network call inside a transaction cannot be rolled back
//! anyway. Instead:
//!
//! 1. **Claim** (one short transaction): if the key has a recorded response, replay it; if
//!    another request holds the key's claim, wait for it. Otherwise insert the payment as
//!    `pending`, carrying the key (a unique column) and the request's fingerprint, and
//!    commit. Two racing claims cannot both commit: SQLite serialises them, and on
//!    PostgreSQL the second insert fails on the unique key and that request waits instead.
//! 2. **Ask the provider**, with our payment id as the provider's idempotency key, on a task
//!    of its own so that a caller hanging up cannot interrupt it. A timeout is compensated
//!    at once: the authorisation (which may have been granted) is voided by payment id.
//! 3. **Settle** (one transaction): the payment's outcome, its event and the response
//!    recorded for the key commit together, so a replay never sees one without the other.
//!    Requests waiting on the key are woken and replay the recorded response.
//!
//! Every outcome is recorded and replayed — the 201, the 402 of a decline, and the 503/504
//! of a provider failure — as the well-known payment APIs do: the key is the checkout id,
//! and a checkout whose authorisation failed is compensated by the saga, not retried; a new
//! attempt comes with a new key. A claim whose request died between 1 and 3 (a crash) is
//! taken over once it is older than [`crate::PaymentSettings::claim_ttl`]: the new
//! claimant asks the provider again with the same payment id, which returns the same
//! authorisation rather than a second one.
//!
//! Captures, voids and refunds work the same way on an existing payment: claim it at its
//! `version` (a second concurrent operation finds the claim and gets a 409), call the
//! provider with an idempotency key derived from the payment, its version and the
//! operation (so a retry after a timeout is applied once), then write the new state with
//! its event only if the version is unchanged.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::ids::PaymentId;
use contracts::money::Money;
use contracts::payments::{CapturePayment, NewPayment, Payment, PaymentList, PaymentStatus, RefundPayment};
use runtime::auth::Internal;
use runtime::db::{Db, DbError, Tx};
use runtime::http::{Cursor, Json, Page, PageParams, Problem, ProblemSchema, Query};
use runtime::idempotency::{self, IdempotencyKey, Prior, Recorded};
use serde::Deserialize;
use time::OffsetDateTime;
use tokio::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::caller::Caller;
use super::{ApiError, AppState, ClaimTtl, detached, provider_unavailable, remaining};
use crate::domain::{
    AuthorizationOutcome, FailureCode, Operation, Planned, ValidCard, ValidPayment, YearMonth, plan_capture,
    plan_refund, plan_void,
};
use crate::events;
use crate::provider::{AuthorizeRequest, OperationRequest, ProviderError};
use crate::store::payments::{self, NewPending, Stored};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_payments, create_payment))
        .routes(routes!(get_payment))
        .routes(routes!(capture_payment))
        .routes(routes!(void_payment))
        .routes(routes!(refund_payment))
}

const CREATE_SCOPE: &str = "POST /v1/payments";

/// How often a request waiting on another's claim looks again when nothing woke it (the
/// other request may run on another replica).
const POLL: Duration = Duration::from_millis(25);

/// Time kept back from the request's deadline when waiting on another request's claim, to
/// answer "still in progress" before the deadline answers for us.
const WAIT_MARGIN: Duration = Duration::from_millis(250);

fn today() -> YearMonth {
    let now = OffsetDateTime::now_utc();
    YearMonth { year: i64::from(now.year()), month: i64::from(u8::from(now.month())) }
}

/// The stored timestamp before which a claim is stale.
fn stale_before(ttl: ClaimTtl) -> String {
    runtime::db::timestamp(OffsetDateTime::now_utc() - ttl.0)
}

fn location(id: &PaymentId) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("/v1/payments/{id}")).ok()
}

fn parse_id(id: &str) -> Result<PaymentId, ApiError> {
    PaymentId::parse(id).map_err(|_| ApiError::NotFound)
}

async fn load(db: &Db, id: &PaymentId) -> Result<Stored, ApiError> {
    let mut conn = db.acquire().await?;
    payments::find(&mut conn, id).await?.ok_or(ApiError::NotFound)
}

/// Query of `GET /v1/payments`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only the payments of this reference (checkout id).
    reference: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    limit: Option<u32>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
}

/// List payments, oldest first, optionally of one reference (staff or internal).
#[utoipa::path(
    get,
    path = "/v1/payments",
    tag = "payments",
    params(ListParams),
    responses(
        (status = 200, description = "A page of payments", body = PaymentList),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
        (status = 401, description = "No staff token or internal credential", body = ProblemSchema),
        (status = 403, description = "Invalid internal credential", body = ProblemSchema),
    ),
    security(("staff" = []), ("internal" = []))
)]
async fn list_payments(
    State(state): State<AppState>,
    _caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<Json<PaymentList>, ApiError> {
    let cursor = Cursor::try_from(PageParams { limit: params.limit, after: params.after })?;
    let mut conn = state.db.acquire().await?;
    let items = payments::list(&mut conn, params.reference.as_deref(), cursor.after.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |p| p.id.to_string());
    Ok(Json(PaymentList { data: page.data, next: page.next }))
}

/// Read one payment (staff or internal).
#[utoipa::path(
    get,
    path = "/v1/payments/{id}",
    tag = "payments",
    params(("id" = String, Path, description = "Payment id (`pay_…`)")),
    responses(
        (status = 200, description = "The payment", body = Payment),
        (status = 401, description = "No staff token or internal credential", body = ProblemSchema),
        (status = 404, description = "No such payment", body = ProblemSchema),
    ),
    security(("staff" = []), ("internal" = []))
)]
async fn get_payment(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Payment>, ApiError> {
    Ok(Json(load(&state.db, &parse_id(&id)?).await?.payment))
}

/// Authorise an amount on a card (platform services only: the checkout saga).
/// `Idempotency-Key` is required (the checkout id); a replay returns the first response.
#[utoipa::path(
    post,
    path = "/v1/payments",
    tag = "payments",
    request_body = NewPayment,
    params(("Idempotency-Key" = String, Header, description = "Required: the checkout id. A replay returns the first response, whatever it was")),
    responses(
        (status = 201, description = "Authorized", body = Payment),
        (status = 400, description = "Malformed body, or no Idempotency-Key", body = ProblemSchema),
        (status = 402, description = "Declined by the card's issuer (`card-declined`, with `decline_code`); the payment is stored as declined", body = ProblemSchema),
        (status = 403, description = "Not called by a platform service", body = ProblemSchema),
        (status = 409, description = "Idempotency-Key reused with another body, or its first request still in progress", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
        (status = 503, description = "The provider is unavailable (`provider-unavailable`); the payment is stored as failed", body = ProblemSchema),
        (status = 504, description = "The provider did not answer in time (`provider-timeout`); the authorization was voided, the payment is stored as failed", body = ProblemSchema),
    ),
    security(("internal" = []))
)]
async fn create_payment(
    State(state): State<AppState>,
    _internal: Internal,
    key: IdempotencyKey,
    Json(dto): Json<NewPayment>,
) -> Result<Response, ApiError> {
    let valid = ValidPayment::parse(dto, today()).map_err(ApiError::Invalid)?;
    let fingerprint = valid.fingerprint();
    let give_up = Instant::now() + remaining().map_or(state.claim_ttl.0, |left| left.saturating_sub(WAIT_MARGIN));
    loop {
        // Registered before looking, so that a settlement between the look and the wait
        // still wakes us.
        let settled = state.settled.notified();
        tokio::pin!(settled);
        settled.as_mut().enable();
        match claim(&state, &key, &fingerprint, &valid).await? {
            Claim::Replay(recorded) => return Ok(replay(recorded)),
            Claim::Claimed(pending) => {
                let work = authorize(state.clone(), key.clone(), fingerprint.clone(), *pending, valid.card.clone());
                if let Some(response) = detached(work).await? {
                    return Ok(response);
                }
                // Our claim was taken over; the request that took it answers for the key.
            }
            Claim::InProgress => {
                let now = Instant::now();
                if now >= give_up {
                    return Err(ApiError::KeyInUse);
                }
                tokio::select! {
                    () = &mut settled => {}
                    () = tokio::time::sleep_until(give_up.min(now + POLL)) => {}
                }
            }
        }
    }
}

/// What a key says about an authorisation request.
enum Claim {
    /// Settled before: answer with this.
    Replay(Recorded),
    /// Ours to authorise.
    Claimed(Box<Payment>),
    /// Another request is authorising it.
    InProgress,
}

/// What is known about a key, without changing anything.
enum Seen {
    Replay(Recorded),
    InProgress,
    /// A claim whose request died: its payment and version.
    Stale(PaymentId, i64),
    Nothing,
}

async fn look(tx: &mut Tx, key: &IdempotencyKey, fingerprint: &str, stale_before: &str) -> Result<Seen, ApiError> {
    match idempotency::check(tx, CREATE_SCOPE, key, fingerprint).await? {
        Prior::Replay(recorded) => return Ok(Seen::Replay(recorded)),
        Prior::Mismatch => return Err(Prior::mismatch_problem().into()),
        Prior::Fresh => {}
    }
    let Some(found) = payments::find_by_key(tx, key.as_str()).await? else { return Ok(Seen::Nothing) };
    if found.fingerprint != fingerprint {
        return Err(Prior::mismatch_problem().into());
    }
    let stale = found.payment.status == PaymentStatus::Pending
        && found.in_flight_since.as_deref().is_none_or(|since| since < stale_before);
    // A settled payment always has its response recorded (same transaction); until the
    // record is visible, treat it as in progress.
    Ok(if stale { Seen::Stale(found.payment.id, found.payment.version) } else { Seen::InProgress })
}

async fn claim(
    state: &AppState,
    key: &IdempotencyKey,
    fingerprint: &str,
    valid: &ValidPayment,
) -> Result<Claim, ApiError> {
    let stale_before = stale_before(state.claim_ttl);
    // Look without the write lock: a replay or a wait needs none. What the claim then writes
    // is conditional on what was seen, so a request that got there in between is noticed
    // without looking again: a payment with the key makes the insert a unique violation,
    // and a take-over needs the version seen.
    let mut read = state.db.begin_read().await?;
    let stale = match look(&mut read, key, fingerprint, &stale_before).await? {
        Seen::Replay(recorded) => return Ok(Claim::Replay(recorded)),
        Seen::InProgress => return Ok(Claim::InProgress),
        Seen::Stale(id, version) => Some((id, version)),
        Seen::Nothing => None,
    };
    drop(read);

    let mut tx = state.db.begin().await?;
    let claimed = match stale {
        Some((id, version)) => {
            tracing::warn!(payment_id = %id, "taking over a stale authorization claim");
            match payments::take_over(&mut tx, &id, version).await? {
                Some(payment) => payment,
                None => return Ok(Claim::InProgress),
            }
        }
        None => {
            let new = NewPending {
                reference: &valid.reference,
                amount: valid.amount,
                card: valid.card.summary(),
                idempotency_key: key.as_str(),
                fingerprint,
            };
            match payments::insert_pending(&mut tx, &new).await {
                Ok(payment) => payment,
                // A concurrent request claimed the key after we looked.
                Err(err) if err.is_unique_violation() => return Ok(Claim::InProgress),
                Err(err) => return Err(err.into()),
            }
        }
    };
    match tx.commit().await.map_err(DbError::from) {
        Ok(()) => Ok(Claim::Claimed(Box::new(claimed))),
        Err(err) if err.is_unique_violation() => Ok(Claim::InProgress),
        Err(err) => Err(err.into()),
    }
}

/// Asks the provider, then settles the claimed payment and records the response for the
/// key. `None` if the claim was taken over meanwhile (the other request answers).
async fn authorize(
    state: AppState,
    key: IdempotencyKey,
    fingerprint: String,
    pending: Payment,
    card: ValidCard,
) -> Result<Option<Response>, ApiError> {
    let budget = remaining().unwrap_or_else(|| state.provider.timeout());
    let request = AuthorizeRequest { payment_id: &pending.id, amount: pending.amount, card: &card };
    let outcome = match state.provider.authorize(request, budget).await {
        Ok(authorization) => AuthorizationOutcome::Authorized { provider_ref: authorization.provider_ref },
        Err(ProviderError::Declined { code }) => AuthorizationOutcome::Declined { code },
        Err(ProviderError::Unavailable) => AuthorizationOutcome::Failed(FailureCode::ProviderUnavailable),
        Err(ProviderError::Timeout) => AuthorizationOutcome::Failed(compensate(&state, &pending).await),
    };
    drop(card);

    let mut tx = state.db.begin().await?;
    let Some(payment) = payments::finish_authorization(&mut tx, &pending.id, pending.version, &outcome).await? else {
        tracing::warn!(payment_id = %pending.id, "authorization claim was taken over; the other request answers");
        return Ok(None);
    };
    events::settled(&state.outbox, &mut tx, &outcome, &payment).await?;
    let answer = Answer::of(&outcome, &payment, state.provider.timeout()).await;
    idempotency::remember(&mut tx, CREATE_SCOPE, &key, &fingerprint, answer.status, &answer.body).await?;
    state.outbox.commit(tx).await?;
    state.settled.notify_waiters();
    tracing::info!(payment_id = %payment.id, status = %payment.status, "payment authorization settled");
    Ok(Some(answer.into_response()))
}

/// Voids an authorisation whose answer did not arrive in time; it may have been granted.
async fn compensate(state: &AppState, payment: &Payment) -> FailureCode {
    let key = format!("{}:compensate", payment.id);
    let request =
        OperationRequest { payment_id: &payment.id, provider_ref: None, amount: payment.amount, idempotency_key: &key };
    for attempt in 1..=2 {
        match state.provider.void(request, state.provider.timeout()).await {
            Ok(()) => {
                tracing::warn!(payment_id = %payment.id, "provider timed out; its authorization was voided");
                return FailureCode::ProviderTimeout;
            }
            Err(err) => {
                tracing::warn!(payment_id = %payment.id, attempt, error = %err, "voiding a timed-out authorization failed")
            }
        }
    }
    tracing::error!(payment_id = %payment.id, "could not void a timed-out authorization; void it at the provider");
    FailureCode::ProviderTimeoutUnresolved
}

/// A response as sent and as recorded for the key.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    async fn of(outcome: &AuthorizationOutcome, payment: &Payment, timeout: Duration) -> Answer {
        let ms = timeout.as_millis();
        let problem = match outcome {
            AuthorizationOutcome::Authorized { .. } => {
                let mut headers = HeaderMap::new();
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                if let Some(location) = location(&payment.id) {
                    headers.insert(header::LOCATION, location);
                }
                let body = serde_json::to_string(payment).unwrap_or_default();
                return Answer { status: StatusCode::CREATED, headers, body };
            }
            AuthorizationOutcome::Declined { code } => {
                Problem::new(StatusCode::PAYMENT_REQUIRED, "card-declined", "The card was declined")
                    .with_detail(format!("The card's issuer declined the payment ({code}); no money was taken."))
                    .with_extension("decline_code", serde_json::json!(code))
            }
            AuthorizationOutcome::Failed(FailureCode::ProviderUnavailable) => provider_unavailable(
                "The payment provider is unavailable: nothing was authorized and no money was taken. A new attempt (with a new Idempotency-Key) may succeed later.",
            ),
            AuthorizationOutcome::Failed(FailureCode::ProviderTimeout) => {
                Problem::new(StatusCode::GATEWAY_TIMEOUT, "provider-timeout", "The payment provider did not answer in time")
                    .with_detail(format!(
                        "The payment provider did not answer within {ms} ms. The authorization was cancelled at the provider: no money was taken."
                    ))
            }
            AuthorizationOutcome::Failed(FailureCode::ProviderTimeoutUnresolved) => {
                Problem::new(StatusCode::GATEWAY_TIMEOUT, "provider-timeout", "The payment provider did not answer in time")
                    .with_detail(format!(
                        "The payment provider did not answer within {ms} ms and could not be reached to cancel the authorization: no money was taken, but a hold may remain on the card until the provider releases it."
                    ))
            }
        };
        let problem = problem.with_extension("payment_id", serde_json::json!(payment.id));
        let (parts, body) = problem.into_response().into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        Answer { status: parts.status, headers: parts.headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        (self.status, self.headers, self.body).into_response()
    }
}

/// The recorded response, with the headers its first sending had.
fn replay(recorded: Recorded) -> Response {
    let status = recorded.status;
    let id = (status == StatusCode::CREATED)
        .then(|| serde_json::from_str::<Payment>(&recorded.body).ok().map(|p| p.id))
        .flatten();
    let mut response = recorded.into_response();
    let headers = response.headers_mut();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(super::PROVIDER_RETRY_AFTER));
    }
    if let Some(location) = id.as_ref().and_then(location) {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// Capture some or all of an authorized payment (staff or internal). Without a body, or
/// without `amount`, the whole authorized amount; a payment is captured once.
#[utoipa::path(
    post,
    path = "/v1/payments/{id}/capture",
    tag = "payments",
    request_body(content = Option<CapturePayment>, description = "Optional; default: the whole authorized amount"),
    params(("id" = String, Path, description = "Payment id")),
    responses(
        (status = 200, description = "Captured", body = Payment),
        (status = 404, description = "No such payment", body = ProblemSchema),
        (status = 409, description = "Not authorized (`invalid-payment-state`), or another operation in progress", body = ProblemSchema),
        (status = 422, description = "Amount above the authorized amount, not positive, or in another currency", body = ProblemSchema),
        (status = 503, description = "Provider unavailable; nothing changed", body = ProblemSchema),
        (status = 504, description = "Provider timeout; retrying is safe", body = ProblemSchema),
    ),
    security(("staff" = []), ("internal" = []))
)]
async fn capture_payment(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<CapturePayment>>,
) -> Result<Json<Payment>, ApiError> {
    operate(state, &id, Operation::Capture, body.and_then(|Json(b)| b.amount)).await.map(Json)
}

/// Void an authorized payment (staff or internal): nothing is taken. Voiding a voided
/// payment returns it unchanged.
#[utoipa::path(
    post,
    path = "/v1/payments/{id}/void",
    tag = "payments",
    params(("id" = String, Path, description = "Payment id")),
    responses(
        (status = 200, description = "Voided", body = Payment),
        (status = 404, description = "No such payment", body = ProblemSchema),
        (status = 409, description = "Not authorized (e.g. already captured: refund instead)", body = ProblemSchema),
        (status = 503, description = "Provider unavailable; nothing changed", body = ProblemSchema),
        (status = 504, description = "Provider timeout; retrying is safe", body = ProblemSchema),
    ),
    security(("staff" = []), ("internal" = []))
)]
async fn void_payment(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Payment>, ApiError> {
    operate(state, &id, Operation::Void, None).await.map(Json)
}

/// Refund some or all of a captured payment (staff, or the orders service on a staff
/// member's behalf). Without `amount`, everything not yet
/// refunded; once refunds reach the captured amount the payment is `refunded`.
#[utoipa::path(
    post,
    path = "/v1/payments/{id}/refund",
    tag = "payments",
    request_body(content = Option<RefundPayment>, description = "Optional; default: everything not yet refunded"),
    params(("id" = String, Path, description = "Payment id")),
    responses(
        (status = 200, description = "Refunded (fully or partly)", body = Payment),
        (status = 401, description = "Neither a staff token nor the internal credential", body = ProblemSchema),
        (status = 404, description = "No such payment", body = ProblemSchema),
        (status = 409, description = "Not captured (`invalid-payment-state`), or another operation in progress", body = ProblemSchema),
        (status = 422, description = "Amount above what is left to refund, not positive, or in another currency", body = ProblemSchema),
        (status = 503, description = "Provider unavailable; nothing changed", body = ProblemSchema),
        (status = 504, description = "Provider timeout; retrying is safe", body = ProblemSchema),
    ),
    security(("staff" = []), ("internal" = []))
)]
async fn refund_payment(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<RefundPayment>>,
) -> Result<Json<Payment>, ApiError> {
    operate(state, &id, Operation::Refund, body.and_then(|Json(b)| b.amount)).await.map(Json)
}

/// Claims the payment for `operation`, then (on a task of its own) asks the provider and
/// writes the result.
async fn operate(
    state: AppState,
    id: &str,
    operation: Operation,
    requested: Option<Money>,
) -> Result<Payment, ApiError> {
    let id = parse_id(id)?;
    let mut attempt = 0;
    let (current, amount, next) = loop {
        attempt += 1;
        let stored = load(&state.db, &id).await?;
        let planned = match operation {
            Operation::Capture => plan_capture(&stored.payment, requested),
            Operation::Void => plan_void(&stored.payment),
            Operation::Refund => plan_refund(&stored.payment, requested),
        }?;
        let Planned::Change { amount, next } = planned else { return Ok(stored.payment) };
        let stale_before = stale_before(state.claim_ttl);
        let busy = stored.in_flight.is_some()
            && stored.in_flight_since.as_deref().is_some_and(|since| since >= stale_before.as_str());
        if busy {
            return Err(ApiError::Busy);
        }
        let mut conn = state.db.write().await?;
        if payments::claim_operation(&mut conn, &id, stored.payment.version, operation.as_str(), &stale_before).await? {
            break (stored.payment, amount, next);
        }
        if attempt == 2 {
            return Err(ApiError::Busy);
        }
        // It changed since we read it: judge again on what it is now.
    };
    detached(apply(state, current, operation, amount, *next)).await
}

async fn apply(
    state: AppState,
    current: Payment,
    operation: Operation,
    amount: Money,
    next: Payment,
) -> Result<Payment, ApiError> {
    let key = format!("{}:{}:{}", current.id, current.version, operation.as_str());
    let request = OperationRequest {
        payment_id: &current.id,
        provider_ref: current.provider_ref.as_deref(),
        amount,
        idempotency_key: &key,
    };
    let budget = remaining().unwrap_or_else(|| state.provider.timeout());
    let result = match operation {
        Operation::Capture => state.provider.capture(request, budget).await,
        Operation::Void => state.provider.void(request, budget).await,
        Operation::Refund => state.provider.refund(request, budget).await,
    };
    if let Err(error) = result {
        let mut conn = state.db.write().await?;
        payments::release_operation(&mut conn, &current.id, current.version).await?;
        tracing::warn!(payment_id = %current.id, operation = operation.as_str(), error = %error, "provider call failed");
        return Err(ApiError::Provider { operation, error });
    }
    let mut tx = state.db.begin().await?;
    let saved = payments::save(&mut tx, &next, current.version).await?.ok_or(ApiError::Changed)?;
    match operation {
        Operation::Capture => events::captured(&state.outbox, &mut tx, &saved, amount).await?,
        Operation::Void => events::voided(&state.outbox, &mut tx, &saved).await?,
        Operation::Refund => events::refunded(&state.outbox, &mut tx, &saved, amount).await?,
    }
    state.outbox.commit(tx).await?;
    tracing::info!(payment_id = %saved.id, operation = operation.as_str(), status = %saved.status, "payment changed");
    Ok(saved)
}
