//! Payments, their idempotency claim, and the provider call in flight on each.

use contracts::ids::PaymentId;
use contracts::money::{Currency, Money};
use contracts::payments::{CardBrand, CardSummary, Payment, PaymentStatus};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::unexpected;
use crate::domain::AuthorizationOutcome;

const COLUMNS: &str = "id, reference, amount, currency, status, card_brand, card_last4, card_exp_month, card_exp_year, \
     captured, refunded, decline_code, failure_code, provider_ref, request_fingerprint, in_flight, in_flight_since, \
     version, created_at, updated_at";

const STATUSES: [PaymentStatus; 7] = [
    PaymentStatus::Pending,
    PaymentStatus::Authorized,
    PaymentStatus::Declined,
    PaymentStatus::Captured,
    PaymentStatus::Voided,
    PaymentStatus::Refunded,
    PaymentStatus::Failed,
];

const BRANDS: [CardBrand; 5] =
    [CardBrand::Visa, CardBrand::Mastercard, CardBrand::Amex, CardBrand::Discover, CardBrand::Other];

/// A payment with what only the service needs to know about it.
#[derive(Clone, Debug)]
pub struct Stored {
    /// The payment.
    pub payment: Payment,
    /// The fingerprint of the request that created it.
    pub fingerprint: String,
    /// The provider call in progress (`authorize`, `capture`, `void`, `refund`).
    pub in_flight: Option<String>,
    /// When that call was claimed.
    pub in_flight_since: Option<String>,
}

fn stored(row: &AnyRow) -> Result<Stored, DbError> {
    let id: String = row.try_get("id")?;
    let currency: String = row.try_get("currency")?;
    let currency = Currency::parse(&currency).map_err(DbError::decode)?;
    let status: String = row.try_get("status")?;
    let brand: String = row.try_get("card_brand")?;
    let payment = Payment {
        id: PaymentId::parse(&id).map_err(DbError::decode)?,
        reference: row.try_get("reference")?,
        amount: Money::new(row.try_get("amount")?, currency),
        status: STATUSES.into_iter().find(|s| s.as_str() == status).ok_or_else(|| unexpected("status", &status))?,
        card: CardSummary {
            brand: BRANDS.into_iter().find(|b| b.as_str() == brand).ok_or_else(|| unexpected("brand", &brand))?,
            last4: row.try_get("card_last4")?,
            exp_month: row.try_get("card_exp_month")?,
            exp_year: row.try_get("card_exp_year")?,
        },
        captured: Money::new(row.try_get("captured")?, currency),
        refunded: Money::new(row.try_get("refunded")?, currency),
        decline_code: row.try_get("decline_code")?,
        failure_code: row.try_get("failure_code")?,
        provider_ref: row.try_get("provider_ref")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    };
    Ok(Stored {
        payment,
        fingerprint: row.try_get("request_fingerprint")?,
        in_flight: row.try_get("in_flight")?,
        in_flight_since: row.try_get("in_flight_since")?,
    })
}

/// A payment by id.
pub async fn find(conn: &mut AnyConnection, id: &PaymentId) -> Result<Option<Stored>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(stored).transpose()
}

/// The payment created (or being created) under an `Idempotency-Key`.
pub async fn find_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<Stored>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE idempotency_key = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).fetch_optional(conn).await?;
    row.as_ref().map(stored).transpose()
}

/// A page of payments in id (= creation) order, optionally of one reference, `limit + 1` to
/// tell whether more follow.
pub async fn list(
    conn: &mut AnyConnection,
    reference: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Payment>, DbError> {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    if let Some(reference) = reference {
        binds.push(reference);
        conditions.push(format!("reference = ${}", binds.len()));
    }
    if let Some(after) = after {
        binds.push(after);
        conditions.push(format!("id > ${}", binds.len()));
    }
    let where_clause =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let sql = format!("SELECT {COLUMNS} FROM payments {where_clause} ORDER BY id LIMIT {}", limit + 1);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(|r| stored(r).map(|s| s.payment)).collect()
}

/// A payment about to be authorised.
#[derive(Clone, Debug)]
pub struct NewPending<'a> {
    /// What it is for.
    pub reference: &'a str,
    /// The amount.
    pub amount: Money,
    /// The card, without its secrets.
    pub card: CardSummary,
    /// The key it is created under.
    pub idempotency_key: &'a str,
    /// The fingerprint of the request.
    pub fingerprint: &'a str,
}

/// Inserts a `pending` payment that claims its `Idempotency-Key` (unique: a concurrent
/// claim of the same key fails with a unique violation).
pub async fn insert_pending(tx: &mut Tx, new: &NewPending<'_>) -> Result<Payment, DbError> {
    let id = PaymentId::generate();
    let now = runtime::db::now();
    sqlx::query(
        "INSERT INTO payments (id, reference, amount, currency, status, card_brand, card_last4, card_exp_month,
         card_exp_year, captured, refunded, idempotency_key, request_fingerprint, in_flight, in_flight_since, version,
         created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, 0, 0, $9, $10, 'authorize', $11, 1, $11, $11)",
    )
    .bind(id.as_str())
    .bind(new.reference)
    .bind(new.amount.amount)
    .bind(new.amount.currency.code())
    .bind(new.card.brand.as_str())
    .bind(&new.card.last4)
    .bind(new.card.exp_month)
    .bind(new.card.exp_year)
    .bind(new.idempotency_key)
    .bind(new.fingerprint)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(Payment {
        id,
        reference: new.reference.to_owned(),
        amount: new.amount,
        status: PaymentStatus::Pending,
        card: new.card.clone(),
        captured: Money::zero(new.amount.currency),
        refunded: Money::zero(new.amount.currency),
        decline_code: None,
        failure_code: None,
        provider_ref: None,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    })
}

/// Takes over the claim of a `pending` payment whose claimant died, bumping its version so
/// that the old claimant can no longer settle it. `None` if someone else changed it first.
pub async fn take_over(tx: &mut Tx, id: &PaymentId, version: i64) -> Result<Option<Payment>, DbError> {
    let now = runtime::db::now();
    let updated = sqlx::query(
        "UPDATE payments SET version = version + 1, in_flight_since = $1, updated_at = $1
         WHERE id = $2 AND version = $3 AND status = 'pending'",
    )
    .bind(&now)
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(find(tx, id).await?.map(|s| s.payment))
}

/// Settles a `pending` payment with the provider's answer, if it is still at `version`.
pub async fn finish_authorization(
    tx: &mut Tx,
    id: &PaymentId,
    version: i64,
    outcome: &AuthorizationOutcome,
) -> Result<Option<Payment>, DbError> {
    let (decline_code, failure_code, provider_ref) = match outcome {
        AuthorizationOutcome::Authorized { provider_ref } => (None, None, Some(provider_ref.as_str())),
        AuthorizationOutcome::Declined { code } => (Some(code.as_str()), None, None),
        AuthorizationOutcome::Failed(code) => (None, Some(code.as_str()), None),
    };
    let updated = sqlx::query(
        "UPDATE payments SET status = $1, decline_code = $2, failure_code = $3, provider_ref = $4,
         in_flight = NULL, in_flight_since = NULL, version = version + 1, updated_at = $5
         WHERE id = $6 AND version = $7 AND status = 'pending'",
    )
    .bind(outcome.status().as_str())
    .bind(decline_code)
    .bind(failure_code)
    .bind(provider_ref)
    .bind(runtime::db::now())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(find(tx, id).await?.map(|s| s.payment))
}

/// Claims the payment at `version` for one provider call (`operation`), unless another call
/// holds it and claimed it at or after `stale_before`. `false` if the claim failed.
pub async fn claim_operation(
    conn: &mut AnyConnection,
    id: &PaymentId,
    version: i64,
    operation: &str,
    stale_before: &str,
) -> Result<bool, DbError> {
    let updated = sqlx::query(
        "UPDATE payments SET in_flight = $1, in_flight_since = $2
         WHERE id = $3 AND version = $4 AND (in_flight IS NULL OR in_flight_since < $5)",
    )
    .bind(operation)
    .bind(runtime::db::now())
    .bind(id.as_str())
    .bind(version)
    .bind(stale_before)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Gives up the claim taken by [`claim_operation`] (the provider call failed).
pub async fn release_operation(conn: &mut AnyConnection, id: &PaymentId, version: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE payments SET in_flight = NULL, in_flight_since = NULL WHERE id = $1 AND version = $2")
        .bind(id.as_str())
        .bind(version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes the outcome of an operation (status and amounts of `next`) and releases the claim,
/// if the payment is still at `expected_version`. `None` if it changed meanwhile.
pub async fn save(tx: &mut Tx, next: &Payment, expected_version: i64) -> Result<Option<Payment>, DbError> {
    let updated = sqlx::query(
        "UPDATE payments SET status = $1, captured = $2, refunded = $3, in_flight = NULL, in_flight_since = NULL,
         version = version + 1, updated_at = $4
         WHERE id = $5 AND version = $6",
    )
    .bind(next.status.as_str())
    .bind(next.captured.amount)
    .bind(next.refunded.amount)
    .bind(runtime::db::now())
    .bind(next.id.as_str())
    .bind(expected_version)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(find(tx, &next.id).await?.map(|s| s.payment))
}
