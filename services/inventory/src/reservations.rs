//! Reservations: holding stock for a checkout, then committing or releasing it, expiring what
//! nobody came back for, and returning the units of a committed one whose order was
//! cancelled. Used by the HTTP handlers and by the expiry sweeper.
//!
//! Never oversell: every unit is taken with a conditional update of its stock row
//! ([`stock::reserve`]), so the check and the write are one statement on the locked row,
//! and the table's `CHECK (reserved <= on_hand)` backs it up. Status changes are conditional
//! too ([`reservations::transition`]): of a commit, a release and an expiry racing on several
//! replicas, exactly one moves the stock; of several returns, exactly one puts it back.

use contracts::ids::{ReservationId, Sku};
use contracts::inventory::{InsufficientLine, Reservation, ReservationStatus, StockLevel};
use runtime::db::{Db, DbError, Tx};
use runtime::events::Outbox;
use time::OffsetDateTime;

use crate::domain::{Action, Decision, ValidReservation, WantedLine, allocate, decide, refused_after};
use crate::events;
use crate::store::reservations::{self, Allocated};
use crate::store::stock::{self, Place};

/// How often one line re-plans after a concurrent reservation took the stock it planned on,
/// before the request gives up with [`ReservationError::Busy`].
const MAX_ROUNDS: usize = 8;

/// Lapsed reservations the sweeper expires per query.
const SWEEP_BATCH: i64 = 100;

/// Why a reservation request failed.
#[derive(Debug, thiserror::Error)]
pub enum ReservationError {
    /// Some lines cannot be served; nothing was reserved.
    #[error("insufficient stock")]
    Insufficient(Vec<InsufficientLine>),
    /// No reservation has that id.
    #[error("no such reservation")]
    NotFound,
    /// The reservation's status does not allow `action`: it is no longer held, so it cannot be
    /// committed (or, committed, released), or it was never committed, so it cannot be returned.
    #[error("reservation is not held")]
    NotHeld {
        /// Its state now.
        reservation: Reservation,
        /// What was asked.
        action: Action,
    },
    /// Concurrent reservations kept taking the stock this one planned on.
    #[error("stock is contended")]
    Busy,
    /// Fewer units are reserved at a stock record than a held reservation accounts for.
    #[error("reserved stock of {sku} at {location} is below what reservations hold")]
    Inconsistent {
        /// SKU.
        sku: Sku,
        /// Location code.
        location: String,
    },
    /// The database failed.
    #[error("inventory database failed")]
    Db(#[from] DbError),
}

/// Holds stock for every line of `valid` in `tx`, or for none: if any line is short, the
/// error names every short line and the caller drops `tx`. Appends the `stock.changed` and
/// `reservation.held` events.
pub async fn hold(tx: &mut Tx, outbox: &Outbox, valid: &ValidReservation) -> Result<Reservation, ReservationError> {
    let expires_at = runtime::db::timestamp(OffsetDateTime::now_utc() + time::Duration::seconds(valid.ttl_seconds));
    // Lines in SKU order, so that two reservations lock shared stock rows in the same order.
    let mut order: Vec<(usize, &WantedLine)> = valid.lines.iter().enumerate().collect();
    order.sort_by(|a, b| a.1.sku.cmp(&b.1.sku));

    let mut allocations = Vec::new();
    let mut levels = Vec::new();
    let mut short: Vec<(usize, InsufficientLine)> = Vec::new();
    for (line_no, line) in order {
        let shortfall = |available| InsufficientLine { sku: line.sku.clone(), requested: line.quantity, available };
        if !short.is_empty() {
            // Nothing will be reserved: only measure the remaining lines, for the answer.
            let available: i64 = stock::reservable(tx, &line.sku).await?.iter().map(|c| c.available).sum();
            if available < line.quantity {
                short.push((line_no, shortfall(available)));
            }
            continue;
        }
        match hold_line(tx, line).await? {
            Ok((taken, changed)) => {
                levels.extend(changed);
                allocations.extend(taken.into_iter().map(|(place, quantity)| Allocated {
                    line_no: line_no as i64,
                    sku: line.sku.clone(),
                    place,
                    quantity,
                }));
            }
            Err(available) => short.push((line_no, shortfall(available))),
        }
    }
    if !short.is_empty() {
        short.sort_by_key(|(line_no, _)| *line_no);
        return Err(ReservationError::Insufficient(short.into_iter().map(|(_, line)| line).collect()));
    }

    allocations.sort_by_key(|a| a.line_no);
    let reservation = Reservation {
        id: ReservationId::generate(),
        reference: valid.reference.clone(),
        status: ReservationStatus::Held,
        expires_at,
        lines: reservations::lines_of(&allocations),
    };
    reservations::insert(tx, &reservation, &allocations).await?;
    // Events last: on PostgreSQL the append takes the outbox lock until commit, and a
    // transaction holding it must not wait for stock rows.
    events::reservation_changed(outbox, tx, &levels, &reservation).await?;
    Ok(reservation)
}

/// Reserves one line: `Ok` with where its units were taken (most first) and the stock levels
/// written, or `Err` with what is available in all when that is not enough.
async fn hold_line(
    tx: &mut Tx,
    line: &WantedLine,
) -> Result<Result<(Vec<(Place, i64)>, Vec<StockLevel>), i64>, ReservationError> {
    let mut taken: Vec<(Place, i64)> = Vec::new();
    let mut levels = Vec::new();
    let mut remaining = line.quantity;
    for _ in 0..MAX_ROUNDS {
        let candidates = stock::reservable(tx, &line.sku).await?;
        let mut plan = match allocate(remaining, &candidates) {
            Ok(plan) => plan,
            // What this transaction already took is available to the caller too.
            Err(available) => return Ok(Err(available + (line.quantity - remaining))),
        };
        // Lock rows in one order (location id) whatever the plan's order.
        plan.sort_by(|a, b| a.0.location_id.cmp(&b.0.location_id));
        let mut complete = true;
        for (place, quantity) in plan {
            // The plan was read without locks; a concurrent reservation may have taken the
            // units since. Then plan the rest again from what is there now.
            let Some(level) = stock::reserve(tx, &line.sku, &place, quantity).await? else {
                complete = false;
                break;
            };
            levels.push(level);
            remaining -= quantity;
            match taken.iter_mut().find(|(p, _)| *p == place) {
                Some((_, q)) => *q += quantity,
                None => taken.push((place, quantity)),
            }
        }
        if complete {
            // Most units first, as planned (a greedy plan takes in descending availability).
            taken.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code)));
            return Ok(Ok((taken, levels)));
        }
    }
    Err(ReservationError::Busy)
}

/// Commits a held reservation: its units leave stock. Committing a committed reservation
/// returns it as it is; a released, expired or returned one (also one past its expiry that the
/// sweeper has not reached yet, which this expires) is refused.
pub async fn commit(db: &Db, outbox: &Outbox, id: &ReservationId) -> Result<Reservation, ReservationError> {
    finish(db, outbox, id, Action::Commit).await.map(|(reservation, _)| reservation)
}

/// Releases a held reservation: its units become available again. Idempotent; releasing an
/// expired reservation returns it as it is; a committed or returned one is refused.
pub async fn release(db: &Db, outbox: &Outbox, id: &ReservationId) -> Result<Reservation, ReservationError> {
    finish(db, outbox, id, Action::Release).await.map(|(reservation, _)| reservation)
}

/// Returns a committed reservation whose order was cancelled: its units go back on hand where
/// they were taken. Returning a returned reservation returns it as it is; a held, released or
/// expired one is refused (a held one past its expiry is expired first).
pub async fn give_back(db: &Db, outbox: &Outbox, id: &ReservationId) -> Result<Reservation, ReservationError> {
    finish(db, outbox, id, Action::Return).await.map(|(reservation, _)| reservation)
}

/// Applies `action` in its own transaction; also says whether anything changed.
async fn finish(
    db: &Db,
    outbox: &Outbox,
    id: &ReservationId,
    action: Action,
) -> Result<(Reservation, bool), ReservationError> {
    loop {
        let mut tx = db.begin().await?;
        let stored = reservations::find(&mut tx, id).await?.ok_or(ReservationError::NotFound)?;
        // Timestamps are fixed-width UTC text: text order is time order.
        let lapsed = stored.reservation.expires_at <= runtime::db::now();
        let to = match decide(action, stored.reservation.status, lapsed) {
            Decision::Unchanged => return Ok((stored.reservation, false)),
            Decision::Refuse => return Err(ReservationError::NotHeld { reservation: stored.reservation, action }),
            Decision::Apply(to) => to,
        };
        if !reservations::transition(&mut tx, id, stored.reservation.status, to).await? {
            // Another request or replica changed it since we read it; its status is final
            // now, so the next look decides for good.
            continue;
        }
        let mut allocations = stored.allocations;
        allocations.sort_by(|a, b| a.sku.cmp(&b.sku).then_with(|| a.place.location_id.cmp(&b.place.location_id)));
        let mut levels = Vec::with_capacity(allocations.len());
        for a in &allocations {
            let written = match to {
                // Held to committed: the units leave.
                ReservationStatus::Committed => stock::take(&mut tx, &a.sku, &a.place, a.quantity).await?,
                // Committed to returned: they come back on hand.
                ReservationStatus::Returned => stock::put_back(&mut tx, &a.sku, &a.place, a.quantity).await?,
                // Held to released or expired (`decide` never moves anything to held).
                ReservationStatus::Released | ReservationStatus::Expired | ReservationStatus::Held => {
                    stock::unreserve(&mut tx, &a.sku, &a.place, a.quantity).await?
                }
            };
            let level = written
                .ok_or_else(|| ReservationError::Inconsistent { sku: a.sku.clone(), location: a.place.code.clone() })?;
            levels.push(level);
        }
        let reservation = Reservation { status: to, ..stored.reservation };
        events::reservation_changed(outbox, &mut tx, &levels, &reservation).await?;
        outbox.commit(tx).await?;
        tracing::info!(reservation_id = %id, status = ?to, "reservation finished");
        if refused_after(action, to) {
            // It lapsed before the commit (or return) came: the expiry stands, the action does
            // not.
            return Err(ReservationError::NotHeld { reservation, action });
        }
        return Ok((reservation, true));
    }
}

/// Expires every held reservation past its expiry, each in its own transaction; returns how
/// many this call expired. Safe to run on every replica at once.
pub async fn expire_lapsed(db: &Db, outbox: &Outbox) -> Result<usize, ReservationError> {
    let mut expired = 0;
    loop {
        let ids = {
            let mut conn = db.acquire().await?;
            reservations::lapsed(&mut conn, &runtime::db::now(), SWEEP_BATCH).await?
        };
        let mut progressed = false;
        for id in &ids {
            match finish(db, outbox, id, Action::Expire).await {
                Ok((_, changed)) => {
                    progressed = true;
                    expired += usize::from(changed);
                }
                Err(err) => {
                    tracing::error!(reservation_id = %id, error = %runtime::error_chain(&err), "cannot expire reservation")
                }
            }
        }
        // A full batch may have more behind it; one that failed entirely would only repeat.
        if (ids.len() as i64) < SWEEP_BATCH || !progressed {
            return Ok(expired);
        }
    }
}

/// One run of the expiry sweeper (see [`expire_lapsed`]); logs instead of failing.
pub async fn sweep(db: Db, outbox: Outbox) {
    match expire_lapsed(&db, &outbox).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(expired = n, "lapsed reservations expired"),
        Err(err) => tracing::warn!(error = %runtime::error_chain(&err), "reservation sweep failed"),
    }
}
