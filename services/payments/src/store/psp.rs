//! The test provider's side of the story: its authorisations and the operations it applied.
//! Only [`crate::provider::TestProvider`] uses this; a real PSP keeps its own books.

use contracts::ids::PaymentId;
use contracts::money::Money;
use contracts::payments::CardSummary;
use runtime::db::{Db, DbError, Tx};
use sqlx::Row as _;

/// An authorisation the test provider grants.
#[derive(Clone, Debug)]
pub struct NewAuthorization {
    /// Our payment (the PSP's idempotency key).
    pub payment_id: PaymentId,
    /// The PSP's id of the authorisation.
    pub provider_ref: String,
    /// The amount held.
    pub amount: Money,
    /// The card, without its secrets.
    pub card: CardSummary,
}

/// An authorisation as the test provider holds it.
#[derive(Clone, Debug)]
pub struct PspAuthorization {
    /// The PSP's id of it.
    pub provider_ref: String,
    /// `authorized`, `captured`, `refunded` or `voided`.
    pub status: String,
}

/// What the test provider answers to an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PspOutcome {
    /// Applied (now, or already with the same idempotency key).
    Done,
    /// Refused, with the PSP's reason.
    Refused(&'static str),
}

/// Grants an authorisation, once per payment: asking again returns the first one (or the
/// void that overtook it).
pub async fn authorize(db: &Db, new: &NewAuthorization) -> Result<PspAuthorization, DbError> {
    let mut tx = db.begin().await?;
    let now = runtime::db::now();
    sqlx::query(
        "INSERT INTO provider_authorizations
         (payment_id, provider_ref, status, amount, currency, card_brand, card_last4, captured, refunded, created_at, updated_at)
         VALUES ($1, $2, 'authorized', $3, $4, $5, $6, 0, 0, $7, $7)
         ON CONFLICT (payment_id) DO NOTHING",
    )
    .bind(new.payment_id.as_str())
    .bind(&new.provider_ref)
    .bind(new.amount.amount)
    .bind(new.amount.currency.code())
    .bind(new.card.brand.as_str())
    .bind(&new.card.last4)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query("SELECT provider_ref, status FROM provider_authorizations WHERE payment_id = $1")
        .bind(new.payment_id.as_str())
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(PspAuthorization { provider_ref: row.try_get("provider_ref")?, status: row.try_get("status")? })
}

/// Records an operation by its idempotency key; `false` if it was applied before.
async fn first_time(tx: &mut Tx, key: &str, payment_id: &PaymentId, kind: &str, amount: i64) -> Result<bool, DbError> {
    let inserted = sqlx::query(
        "INSERT INTO provider_operations (idempotency_key, payment_id, kind, amount, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(payment_id.as_str())
    .bind(kind)
    .bind(amount)
    .bind(runtime::db::now())
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Captures `amount` of an authorisation.
pub async fn capture(db: &Db, payment_id: &PaymentId, amount: Money, key: &str) -> Result<PspOutcome, DbError> {
    let mut tx = db.begin().await?;
    if !first_time(&mut tx, key, payment_id, "capture", amount.amount).await? {
        return Ok(PspOutcome::Done);
    }
    let updated = sqlx::query(
        "UPDATE provider_authorizations SET status = 'captured', captured = $2, updated_at = $3
         WHERE payment_id = $1 AND status = 'authorized' AND amount >= $2",
    )
    .bind(payment_id.as_str())
    .bind(amount.amount)
    .bind(runtime::db::now())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(PspOutcome::Refused("capture_not_allowed"));
    }
    tx.commit().await?;
    Ok(PspOutcome::Done)
}

/// Voids an authorisation; one not seen yet is voided in advance, so that the authorise
/// that comes later finds it voided ("technical cancel").
pub async fn void(db: &Db, payment_id: &PaymentId, provider_ref: &str, key: &str) -> Result<PspOutcome, DbError> {
    let mut tx = db.begin().await?;
    if !first_time(&mut tx, key, payment_id, "void", 0).await? {
        return Ok(PspOutcome::Done);
    }
    let now = runtime::db::now();
    sqlx::query(
        "INSERT INTO provider_authorizations (payment_id, provider_ref, status, captured, refunded, created_at, updated_at)
         VALUES ($1, $2, 'voided', 0, 0, $3, $3)
         ON CONFLICT (payment_id) DO UPDATE SET status = 'voided', updated_at = $3
         WHERE provider_authorizations.status = 'authorized'",
    )
    .bind(payment_id.as_str())
    .bind(provider_ref)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let status: String = sqlx::query("SELECT status FROM provider_authorizations WHERE payment_id = $1")
        .bind(payment_id.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("status")?;
    if status != "voided" {
        return Ok(PspOutcome::Refused("already_captured"));
    }
    tx.commit().await?;
    Ok(PspOutcome::Done)
}

/// Refunds `amount` of what was captured.
pub async fn refund(db: &Db, payment_id: &PaymentId, amount: Money, key: &str) -> Result<PspOutcome, DbError> {
    let mut tx = db.begin().await?;
    if !first_time(&mut tx, key, payment_id, "refund", amount.amount).await? {
        return Ok(PspOutcome::Done);
    }
    let updated = sqlx::query(
        "UPDATE provider_authorizations
         SET refunded = refunded + $2,
             status = CASE WHEN refunded + $2 = captured THEN 'refunded' ELSE status END,
             updated_at = $3
         WHERE payment_id = $1 AND status = 'captured' AND captured - refunded >= $2",
    )
    .bind(payment_id.as_str())
    .bind(amount.amount)
    .bind(runtime::db::now())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(PspOutcome::Refused("refund_not_allowed"));
    }
    tx.commit().await?;
    Ok(PspOutcome::Done)
}
