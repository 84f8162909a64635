//! The checkout saga (architecture.md §5): price, reserve, authorise, place, commit — each
//! step persisted before the next side effect, so that whoever drives a checkout (the request
//! that started it, or the recovery sweeper once that request's process died) knows what may
//! have happened and either finishes it or undoes it.
//!
//! One driver at a time: the checkout row carries a lease (a token and an expiry); every
//! write is conditional on the token, and the sweeper takes over only lapsed leases. A driver
//! whose write finds the token changed stops at once.
//!
//! How each step ends: a refusal before anything is held (a bad cart, a changed price) is
//! recorded as the key's answer; a failure of a dependency before anything is held forgets
//! the key, so a retry with it runs anew; after stock is held, every outcome is recorded and
//! compensated (release, void) so that no checkout stays half-done.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use contracts::cart::{Cart, CartStatus};
use contracts::ids::{CustomerId, ReservationId};
use contracts::orders::{CheckoutId, NewCheckout, Order, OrderId};
use contracts::payments::{Payment, PaymentStatus};
use contracts::pricing::{Quote, QuoteRequest};
use runtime::client::ServiceClient;
use runtime::db::{Db, DbError};
use runtime::events::Outbox;
use runtime::http::{FieldError, Problem};

use crate::calls::{self, AUTHORIZE_TIMEOUT, CallError};
use crate::crash::{CrashPoint, Crasher};
use crate::domain::checkout::Step;
use crate::domain::order::{self, Placement};
use crate::events;
use crate::store::checkouts::{self, Checkout};
use crate::store::orders;

/// How a saga run ended for the caller.
#[derive(Debug)]
pub enum Ending {
    /// Final; recorded as the key's answer.
    Recorded(u16, String),
    /// Nothing happened that needs undoing; the key was forgotten. Answer this problem.
    Forgotten(Problem),
    /// Not finished: a dependency could not be asked what happened. Recovery finishes it once
    /// the lease lapses; answer this problem meanwhile.
    Unfinished(Problem),
    /// Another driver took the checkout over.
    LostLease,
}

/// Why a saga could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SagaError {
    /// The orders database failed.
    #[error("orders database failed")]
    Db(#[from] DbError),
    /// Another service could not do its part.
    #[error("a dependency refused")]
    Call(#[from] CallError),
}

/// How long things are held.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// A driver's lease on a checkout between steps: how soon after a crash recovery takes
    /// over (`MERCATO_ORDERS_LEASE_MS`, default 10 s).
    pub lease: Duration,
    /// How long inventory holds a checkout's stock unless committed or released: long enough
    /// to survive a crash and restart of orders, short enough that an abandoned checkout's
    /// stock returns (`MERCATO_ORDERS_RESERVATION_TTL_S`, default 900 s).
    pub hold: Duration,
}

impl Timing {
    /// From the environment, with the defaults above.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        Timing {
            lease: Duration::from_millis(var("MERCATO_ORDERS_LEASE_MS").unwrap_or(10_000).clamp(200, 600_000)),
            hold: Duration::from_secs(var("MERCATO_ORDERS_RESERVATION_TTL_S").unwrap_or(900).clamp(1, 3_600)),
        }
    }
}

/// Drives checkouts.
#[derive(Debug)]
pub struct Saga {
    db: Db,
    outbox: Outbox,
    client: ServiceClient,
    lease: Duration,
    hold: Duration,
    crasher: Crasher,
}

/// The problem a refused dependency's answer becomes for the shopper, or `None` when the
/// dependency could not answer (unreachable, 5xx).
fn unreachable_problem(service: &str) -> Problem {
    Problem::unavailable(format!("The {service} service is unavailable; nothing was charged. Try again shortly."), 2)
}

async fn recorded(problem: Problem) -> (u16, String) {
    let response = problem.into_response();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap_or_default();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn lease_until(d: Duration) -> String {
    runtime::db::timestamp(time::OffsetDateTime::now_utc() + d)
}

fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Saga {
    /// A saga driver; `lease` bounds how long a dead driver's checkout waits for recovery,
    /// `hold` how long inventory holds a checkout's stock if nobody commits or releases it.
    pub fn new(db: Db, outbox: Outbox, client: ServiceClient, timing: Timing, crasher: Crasher) -> Arc<Self> {
        Arc::new(Self { db, outbox, client, lease: timing.lease, hold: timing.hold, crasher })
    }

    /// The lease a driver holds between steps.
    pub fn lease(&self) -> String {
        lease_until(self.lease)
    }

    /// The lease across a payment authorisation, which may take the provider's timeout.
    fn authorize_lease(&self) -> String {
        lease_until(AUTHORIZE_TIMEOUT + self.lease)
    }

    fn crash(&self, point: CrashPoint, asked: Option<CrashPoint>) {
        self.crasher.maybe(point, asked);
    }

    async fn fail(&self, c: &Checkout, token: &str, problem: Problem) -> Result<Ending, SagaError> {
        let (status, body) = recorded(problem).await;
        let mut conn = self.db.write().await?;
        if !checkouts::finish(&mut conn, &c.id, token, Step::Failed, status, &body).await? {
            return Ok(Ending::LostLease);
        }
        tracing::info!(checkout_id = %c.id, status, "checkout refused");
        Ok(Ending::Recorded(status, body))
    }

    async fn forget(&self, c: &Checkout, token: &str, problem: Problem) -> Result<Ending, SagaError> {
        let mut conn = self.db.write().await?;
        if !checkouts::forget(&mut conn, &c.id, token).await? {
            return Ok(Ending::LostLease);
        }
        tracing::info!(checkout_id = %c.id, "checkout forgotten: nothing held or charged");
        Ok(Ending::Forgotten(problem))
    }

    /// Records a refusal decided before anything was held, claiming the key with it; `None`
    /// if a concurrent request with the same key claimed it first.
    async fn refuse(&self, c: &Checkout, key: &str, problem: Problem) -> Result<Option<Ending>, SagaError> {
        let (status, body) = recorded(problem).await;
        let refused =
            Checkout { step: Step::Failed, outcome: Some((status, body.clone())), lease_token: None, ..c.clone() };
        let mut conn = self.db.write().await?;
        match checkouts::insert(&mut conn, &refused, key, &runtime::db::now()).await {
            Err(err) if err.is_unique_violation() => return Ok(None),
            other => other?,
        }
        tracing::info!(checkout_id = %c.id, status, "checkout refused");
        Ok(Some(Ending::Recorded(status, body)))
    }

    /// Runs a new checkout for `key` to its end; `None` if a concurrent request with the same
    /// key claimed it first (then wait for that one's outcome).
    ///
    /// Reading the cart and pricing it change nothing anywhere, so the checkout is first
    /// written once priced (claiming the key), or once refused.
    pub async fn start(
        &self,
        draft: Checkout,
        key: &str,
        request: &NewCheckout,
        customer_group: Option<&str>,
        crash_at: Option<CrashPoint>,
    ) -> Result<Option<Ending>, SagaError> {
        // 1. The cart, and the authoritative price.
        let cart = match calls::cart(&self.client, &draft.cart_id).await {
            Ok(cart) => cart,
            Err(CallError::Refused { status: StatusCode::NOT_FOUND, .. }) => {
                return self.refuse(&draft, key, no_such_cart()).await;
            }
            Err(err) => {
                tracing::warn!(checkout_id = %draft.id, error = %runtime::error_chain(&err), "cannot read the cart");
                return Ok(Some(Ending::Forgotten(unreachable_problem("cart"))));
            }
        };
        if let Some(problem) = unbuyable(&cart, draft.customer_id.as_ref()) {
            return self.refuse(&draft, key, problem).await;
        }
        let quote_request = QuoteRequest {
            currency: cart.currency,
            // The shopper's group, as the cart priced it for the same token.
            customer_group: customer_group.map(str::to_owned),
            country: request.shipping_address.country.clone(),
            shipping_method: Some(request.shipping_method.clone()),
            coupon_codes: cart.coupon_codes.clone(),
            lines: cart
                .lines
                .iter()
                .map(|l| contracts::pricing::QuoteLineRequest { sku: l.sku.to_string(), quantity: l.quantity })
                .collect(),
        };
        let quote = match calls::quote(&self.client, &quote_request).await {
            Ok(quote) => quote,
            Err(err @ CallError::Refused { status: StatusCode::UNPROCESSABLE_ENTITY, .. }) => {
                return self.refuse(&draft, key, unpriceable(&err)).await;
            }
            Err(err) => {
                tracing::warn!(checkout_id = %draft.id, error = %runtime::error_chain(&err), "cannot price the cart");
                return Ok(Some(Ending::Forgotten(unreachable_problem("pricing"))));
            }
        };
        if quote.signature != request.quote_signature {
            return self.refuse(&draft, key, price_changed(&quote)).await;
        }
        let token = new_token();
        let c = Checkout {
            quote: Some(quote),
            coupon_codes: cart.coupon_codes.clone(),
            step: Step::Quoted,
            lease_token: Some(token.clone()),
            ..draft
        };
        {
            let mut conn = self.db.write().await?;
            match checkouts::insert(&mut conn, &c, key, &self.lease()).await {
                Err(err) if err.is_unique_violation() => return Ok(None),
                other => other?,
            }
        }
        tracing::info!(checkout_id = %c.id, cart_id = %c.cart_id, "checkout priced and claimed");
        self.crash(CrashPoint::Quoted, crash_at);
        self.reserve_and_pay(&c, &token, &cart, request, crash_at).await.map(Some)
    }

    /// Steps 2 to 5, once priced.
    async fn reserve_and_pay(
        &self,
        c: &Checkout,
        token: &str,
        cart: &Cart,
        request: &NewCheckout,
        crash_at: Option<CrashPoint>,
    ) -> Result<Ending, SagaError> {
        let Some(quote) = &c.quote else { unreachable!("a claimed checkout is priced") };
        // 2. Hold the stock.
        let reservation = match calls::reserve(&self.client, &c.id, quote, self.hold.as_secs() as i64).await {
            Ok(reservation) => reservation,
            Err(err @ CallError::Refused { status: StatusCode::CONFLICT, .. })
                if err.code() == Some("insufficient-stock") =>
            {
                // All or nothing: a refused reservation held nothing.
                return self.fail(c, token, insufficient(&err, cart)).await;
            }
            Err(err) => {
                tracing::warn!(checkout_id = %c.id, error = %runtime::error_chain(&err), "cannot reserve stock");
                // The reservation may have been made before the answer was lost: release it
                // if so (the key makes asking again safe), else let recovery find out.
                return match self.undo_reservation(c, quote).await {
                    Ok(()) => self.forget(c, token, unreachable_problem("inventory")).await,
                    Err(_) => Ok(Ending::Unfinished(unreachable_problem("inventory"))),
                };
            }
        };
        {
            let mut conn = self.db.write().await?;
            if !checkouts::reserved(&mut conn, &c.id, token, &reservation.id, &self.authorize_lease()).await? {
                return Ok(Ending::LostLease);
            }
        }
        self.crash(CrashPoint::Reserved, crash_at);

        // 3. Authorise the payment. Its outcome is payments' to keep: if this process dies
        // before the order is written, recovery asks payments (by reference) what happened.
        let payment = match calls::authorize(&self.client, &c.id, quote.total, &request.payment.card).await {
            Ok(payment) => payment,
            Err(err) => return self.payment_refused(c, token, &reservation.id, err).await,
        };
        self.crash(CrashPoint::Authorized, crash_at);

        // 4 and 5. The order, then the stock leaves for good.
        let c = Checkout { reservation_id: Some(reservation.id), payment_id: Some(payment.id), ..c.clone() };
        self.place_and_commit(&c, token, crash_at).await
    }

    /// The authorisation did not succeed: undo the reservation (and any authorisation that
    /// happened after all), and record why.
    async fn payment_refused(
        &self,
        c: &Checkout,
        token: &str,
        reservation: &ReservationId,
        err: CallError,
    ) -> Result<Ending, SagaError> {
        let status = err.status();
        let problem = match (&err, status) {
            (CallError::Refused { problem, .. }, Some(StatusCode::PAYMENT_REQUIRED)) => declined(problem),
            (CallError::Refused { problem, .. }, Some(StatusCode::UNPROCESSABLE_ENTITY)) => invalid_card(problem),
            (_, Some(StatusCode::CONFLICT)) if err.code() == Some("idempotency-key-in-use") => {
                // An earlier driver's authorisation is still running: let recovery look later.
                return Ok(Ending::Unfinished(in_progress()));
            }
            (_, Some(StatusCode::GATEWAY_TIMEOUT)) | (CallError::Unreachable(_), _) => payment_failed(true),
            _ => payment_failed(false),
        };
        // Whatever the answer said, the truth is what payments holds for this checkout.
        if !self.void_any(&c.id).await {
            return Ok(Ending::Unfinished(problem));
        }
        if calls::release(&self.client, reservation).await.is_err() {
            return Ok(Ending::Unfinished(problem));
        }
        self.fail(c, token, problem).await
    }

    /// Voids any authorisation made for the checkout; false if payments could not be asked or
    /// an authorisation is still pending.
    async fn void_any(&self, checkout: &CheckoutId) -> bool {
        let Ok(payments) = calls::payments_of(&self.client, checkout).await else {
            return false;
        };
        for payment in payments {
            match payment.status {
                PaymentStatus::Authorized if calls::void(&self.client, &payment.id).await.is_err() => return false,
                PaymentStatus::Pending => return false,
                _ => {}
            }
        }
        true
    }

    /// Releases the checkout's reservation if one was made; asking again with the same key
    /// returns it (or makes it, which is then released at once).
    async fn undo_reservation(&self, c: &Checkout, quote: &Quote) -> Result<(), CallError> {
        match calls::reserve(&self.client, &c.id, quote, self.hold.as_secs() as i64).await {
            Ok(reservation) => calls::release(&self.client, &reservation.id).await.map(drop),
            Err(err) if err.code() == Some("insufficient-stock") => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Steps 4 and 5: persist the order with `order.placed`, then commit the reservation and
    /// redeem the coupon. Safe to repeat: the order is made once per checkout.
    async fn place_and_commit(
        &self,
        c: &Checkout,
        token: &str,
        crash_at: Option<CrashPoint>,
    ) -> Result<Ending, SagaError> {
        let (Some(quote), Some(reservation_id), Some(payment_id)) = (&c.quote, &c.reservation_id, &c.payment_id) else {
            unreachable!("a checkout is placed only once priced, reserved and authorised");
        };
        // The order and the step `placed` commit together, so only a checkout last seen at
        // that step can have its order already. Anywhere else an existing order means another
        // driver took the checkout over: its order makes this insert a unique violation.
        let existing = if c.step == Step::Placed {
            let mut conn = self.db.acquire().await?;
            orders::find_by_checkout(&mut conn, &c.id).await?
        } else {
            None
        };
        let order = match existing {
            Some(order) => order,
            None => {
                let now = runtime::db::now();
                let order = order::place(
                    &Placement {
                        checkout_id: &c.id,
                        cart_id: &c.cart_id,
                        customer_id: c.customer_id.as_ref(),
                        email: &c.email,
                        quote,
                        coupon_codes: &c.coupon_codes,
                        shipping_address: &c.shipping_address,
                        reservation_id,
                        payment_id,
                    },
                    OrderId::generate(),
                    &now,
                );
                let mut tx = self.db.begin().await?;
                match orders::insert(&mut tx, &order).await {
                    Err(err) if err.is_unique_violation() => return Ok(Ending::LostLease),
                    other => other?,
                }
                events::placed(&self.outbox, &mut tx, &order).await?;
                if !checkouts::placed(&mut tx, &c.id, token, &order.id, payment_id).await? {
                    return Ok(Ending::LostLease);
                }
                self.outbox.commit(tx).await?;
                tracing::info!(checkout_id = %c.id, order_id = %order.id, total = quote.total.amount, "order placed");
                order
            }
        };
        self.crash(CrashPoint::Placed, crash_at);
        let body = serde_json::to_string(&order).unwrap_or_default();
        match calls::commit(&self.client, reservation_id).await {
            Ok(_) => {}
            Err(err @ CallError::Refused { status: StatusCode::CONFLICT, .. }) => {
                // The hold lapsed before the commit (only after a very long outage): the stock
                // may be gone, so the order cannot stand.
                tracing::error!(order_id = %order.id, error = %runtime::error_chain(&err), "reservation lapsed before commit");
                let problem = Problem::conflict(
                    "reservation-expired",
                    "The stock held for this checkout lapsed before the order was confirmed; the order was cancelled and nothing was charged.",
                );
                if self.cancel_lapsed(&order).await.is_err() {
                    return Ok(Ending::Unfinished(problem));
                }
                return self.fail(c, token, problem).await;
            }
            Err(err) => {
                // The order stands; recovery commits once inventory answers (the hold lasts
                // long enough). Answer the order now and record it.
                tracing::warn!(order_id = %order.id, error = %runtime::error_chain(&err), "commit deferred to recovery");
                let mut conn = self.db.write().await?;
                checkouts::finish(&mut conn, &c.id, token, Step::Placed, 201, &body).await?;
                return Ok(Ending::Recorded(201, body));
            }
        }
        self.crash(CrashPoint::Committed, crash_at);
        let rejected: Vec<&str> = quote.rejected_coupons.iter().map(|r| r.code.as_str()).collect();
        for code in c.coupon_codes.iter().filter(|code| !rejected.contains(&code.as_str())) {
            if let Err(err) = calls::redeem(&self.client, code, &order.id).await {
                // The shopper was promised the price; the coupon's count is what is off.
                tracing::warn!(order_id = %order.id, coupon = %code, error = %runtime::error_chain(&err), "coupon not redeemed");
            }
        }
        let mut conn = self.db.write().await?;
        if !checkouts::finish(&mut conn, &c.id, token, Step::Completed, 201, &body).await? {
            return Ok(Ending::LostLease);
        }
        Ok(Ending::Recorded(201, body))
    }

    /// Undoes an order whose reservation lapsed before its commit.
    async fn cancel_lapsed(&self, order: &Order) -> Result<(), SagaError> {
        calls::void(&self.client, &order.payment_id).await?;
        let mut cancelled = order.clone();
        cancelled.status = contracts::orders::OrderStatus::Cancelled;
        cancelled.payment_status = PaymentStatus::Voided;
        order::record(&mut cancelled, &runtime::db::now(), "cancelled", "The stock hold lapsed before confirmation.");
        let mut tx = self.db.begin().await?;
        if orders::update(&mut tx, &cancelled).await? {
            events::cancelled(&self.outbox, &mut tx, &cancelled).await?;
            self.outbox.commit(tx).await?;
        }
        Ok(())
    }

    /// Finishes or undoes checkouts whose driver died (their lease lapsed); returns how many
    /// it settled.
    pub async fn recover(&self) -> Result<usize, SagaError> {
        let now = runtime::db::now();
        let ids = {
            let mut conn = self.db.acquire().await?;
            checkouts::abandoned(&mut conn, &now, 50).await?
        };
        let mut settled = 0;
        for id in ids {
            let token = new_token();
            let c = {
                let mut conn = self.db.write().await?;
                if !checkouts::take_over(&mut conn, &id, &now, &token, &self.authorize_lease()).await? {
                    continue;
                }
                match checkouts::find(&mut conn, &id).await? {
                    Some(c) => c,
                    None => continue,
                }
            };
            tracing::info!(checkout_id = %id, step = c.step.as_str(), "recovering an abandoned checkout");
            let ending = self.resume(&c, &token).await?;
            let result = match &ending {
                Ending::Recorded(201, _) => "completed",
                Ending::Recorded(..) => "failed",
                Ending::Forgotten(_) => "undone",
                Ending::Unfinished(_) | Ending::LostLease => "retry_later",
            };
            metrics::counter!("checkout_recoveries_total", "from" => c.step.as_str(), "result" => result).increment(1);
            match ending {
                Ending::Recorded(status, _) => {
                    tracing::info!(checkout_id = %id, status, "abandoned checkout settled");
                    settled += 1;
                }
                Ending::Forgotten(_) => settled += 1,
                Ending::Unfinished(_) | Ending::LostLease => {}
            }
        }
        Ok(settled)
    }

    /// Takes an abandoned checkout to an end from where it stopped: forward once the payment
    /// is authorised, backward before. Without the card (never stored) it cannot authorise.
    async fn resume(&self, c: &Checkout, token: &str) -> Result<Ending, SagaError> {
        let interrupted = || Problem::unavailable("The checkout was interrupted; nothing was charged. Try again.", 1);
        match c.step {
            Step::Quoted => {
                let Some(quote) = &c.quote else { return self.forget(c, token, interrupted()).await };
                match self.undo_reservation(c, quote).await {
                    Ok(()) => self.forget(c, token, interrupted()).await,
                    Err(_) => Ok(Ending::Unfinished(interrupted())),
                }
            }
            Step::Reserved => {
                let Some(reservation) = &c.reservation_id else { return self.forget(c, token, interrupted()).await };
                let payments = match calls::payments_of(&self.client, &c.id).await {
                    Ok(payments) => payments,
                    Err(_) => return Ok(Ending::Unfinished(interrupted())),
                };
                match payments.first().map(|p| (p.status, p)) {
                    Some((PaymentStatus::Authorized, payment)) => self.roll_forward(c, token, payment).await,
                    Some((PaymentStatus::Pending, _)) => Ok(Ending::Unfinished(interrupted())),
                    Some((PaymentStatus::Declined, payment)) => {
                        if calls::release(&self.client, reservation).await.is_err() {
                            return Ok(Ending::Unfinished(interrupted()));
                        }
                        let problem = declined(&serde_json::json!({
                            "decline_code": payment.decline_code, "payment_id": payment.id
                        }));
                        self.fail(c, token, problem).await
                    }
                    _ => {
                        // No payment, or one that failed or was voided: nothing is charged.
                        if calls::release(&self.client, reservation).await.is_err() {
                            return Ok(Ending::Unfinished(interrupted()));
                        }
                        if payments.is_empty() {
                            self.forget(c, token, interrupted()).await
                        } else {
                            self.fail(c, token, payment_failed(false)).await
                        }
                    }
                }
            }
            Step::Placed => self.place_and_commit(c, token, None).await,
            Step::Completed | Step::Failed => Ok(Ending::LostLease),
        }
    }

    async fn roll_forward(&self, c: &Checkout, token: &str, payment: &Payment) -> Result<Ending, SagaError> {
        let c = Checkout { payment_id: Some(payment.id.clone()), ..c.clone() };
        self.place_and_commit(&c, token, None).await
    }

    /// Voids authorisations that no order will ever use (noted by [`crate::consumers`]).
    pub async fn void_orphans(&self) -> Result<usize, SagaError> {
        let orphans = {
            let mut conn = self.db.acquire().await?;
            checkouts::orphans(&mut conn, 50).await?
        };
        let mut voided = 0;
        for payment in orphans {
            match calls::void(&self.client, &payment).await {
                Ok(_) => voided += 1,
                // Not authorised any more (voided already, or failed): nothing left to undo.
                Err(CallError::Refused { status: StatusCode::CONFLICT, .. }) => {}
                Err(err) => {
                    tracing::warn!(payment_id = %payment, error = %runtime::error_chain(&err), "cannot void an orphan authorisation yet");
                    continue;
                }
            }
            let mut conn = self.db.write().await?;
            checkouts::orphan_voided(&mut conn, &payment).await?;
            tracing::info!(payment_id = %payment, "orphan authorisation voided");
        }
        Ok(voided)
    }

    /// One run of the recovery sweeper: abandoned checkouts, then orphan authorisations.
    pub async fn sweep(self: Arc<Self>) {
        if let Err(err) = self.recover().await {
            tracing::warn!(error = %runtime::error_chain(&err), "checkout recovery failed");
        }
        if let Err(err) = self.void_orphans().await {
            tracing::warn!(error = %runtime::error_chain(&err), "voiding orphan authorisations failed");
        }
    }
}

fn no_such_cart() -> Problem {
    Problem::validation(vec![FieldError::new("cart_id", "names no cart of yours")])
}

/// Why a cart cannot be bought by `customer`, if it cannot.
fn unbuyable(cart: &Cart, customer: Option<&CustomerId>) -> Option<Problem> {
    // Another customer's cart does not exist as far as this caller is concerned.
    if let Some(owner) = &cart.customer_id
        && customer != Some(owner)
    {
        return Some(no_such_cart());
    }
    if cart.status != CartStatus::Active {
        return Some(Problem::conflict(
            "cart-not-active",
            format!("The cart is {}; it cannot be checked out again.", cart.status.as_str()),
        ));
    }
    if cart.lines.is_empty() {
        return Some(Problem::validation(vec![FieldError::new("cart_id", "the cart is empty")]));
    }
    None
}

fn unpriceable(err: &CallError) -> Problem {
    let CallError::Refused { problem, .. } = err else { return Problem::internal() };
    let errors = problem
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    FieldError::new(
                        e.get("field").and_then(|f| f.as_str()).unwrap_or("cart_id"),
                        e.get("message").and_then(|m| m.as_str()).unwrap_or("is invalid"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let detail = problem.get("detail").and_then(|d| d.as_str()).unwrap_or("The cart cannot be priced.");
    Problem::validation(errors).with_detail(format!("The cart cannot be priced for this destination: {detail}"))
}

fn price_changed(quote: &Quote) -> Problem {
    Problem::conflict(
        "price-changed",
        format!(
            "Prices changed since the cart was shown: the total is now {}. Show the new quote and check out with its signature.",
            quote.total
        ),
    )
    .with_extension("quote", serde_json::to_value(quote).unwrap_or_default())
}

fn insufficient(err: &CallError, cart: &Cart) -> Problem {
    let CallError::Refused { problem, .. } = err else { return Problem::internal() };
    let lines = problem.get("lines").cloned().unwrap_or(serde_json::Value::Array(vec![]));
    let errors = lines
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|line| {
            let sku = line.get("sku")?.as_str()?;
            let index = cart.lines.iter().position(|l| l.sku.as_str() == sku)?;
            let available = line.get("available").and_then(|a| a.as_i64()).unwrap_or(0);
            Some(FieldError::new(format!("lines[{index}]"), format!("{sku}: only {available} available")))
        })
        .collect();
    Problem::conflict("insufficient-stock", "Some lines are not in stock in the quantity asked; nothing was charged.")
        .with_errors(errors)
        .with_extension("lines", lines)
}

fn declined(payment_problem: &serde_json::Value) -> Problem {
    let code = payment_problem.get("decline_code").cloned().unwrap_or(serde_json::Value::Null);
    Problem::new(StatusCode::PAYMENT_REQUIRED, "card-declined", "Card declined")
        .with_detail("The card was declined; nothing was charged and the items were released. Try another card.")
        .with_extension("decline_code", code)
}

fn invalid_card(payment_problem: &serde_json::Value) -> Problem {
    let errors = payment_problem
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| {
                    let field = e.get("field")?.as_str()?;
                    let message = e.get("message")?.as_str()?;
                    Some(FieldError::new(format!("payment.{field}"), message))
                })
                .collect()
        })
        .unwrap_or_default();
    Problem::validation(errors).with_detail("The card details are not valid; nothing was charged.")
}

fn payment_failed(timeout: bool) -> Problem {
    if timeout {
        Problem::new(StatusCode::GATEWAY_TIMEOUT, "payment-timeout", "Payment timed out").with_detail(
            "The payment provider did not answer in time. Nothing was charged and the items were released; check out again with a new Idempotency-Key.",
        )
    } else {
        Problem::unavailable(
            "The payment provider is unavailable. Nothing was charged and the items were released; check out again with a new Idempotency-Key.",
            2,
        )
        .with_extension("code", serde_json::json!("payment-unavailable"))
    }
}

/// The answer while another request drives the same checkout.
pub fn in_progress() -> Problem {
    Problem::conflict(
        "checkout-in-progress",
        "A checkout with this Idempotency-Key is still running; retry to get its outcome.",
    )
    .with_retry_after(1)
}
