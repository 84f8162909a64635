//! Checkouts: the saga's persisted state. Every write after the claim is fenced by the lease
//! token, so a process that lost the checkout (its lease lapsed and the sweeper took over)
//! cannot overwrite what the new owner decided.

use contracts::ids::{CartId, CustomerId, PaymentId, ReservationId};
use contracts::orders::{Address, CheckoutId, OrderId};
use contracts::pricing::Quote;
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::{id, json, unexpected};
use crate::domain::checkout::Step;

/// A checkout as stored.
#[derive(Clone, Debug)]
pub struct Checkout {
    /// Id.
    pub id: CheckoutId,
    /// Whose key it is (`customer:<id>` or `guest`).
    pub owner: String,
    /// The request's fingerprint.
    pub fingerprint: String,
    /// The cart.
    pub cart_id: CartId,
    /// The customer.
    pub customer_id: Option<CustomerId>,
    /// Confirmation address.
    pub email: String,
    /// Where it goes.
    pub shipping_address: Address,
    /// Shipping method.
    pub shipping_method: String,
    /// The authoritative quote, once priced.
    pub quote: Option<Quote>,
    /// The cart's coupon codes, once read.
    pub coupon_codes: Vec<String>,
    /// Where the saga stands.
    pub step: Step,
    /// The held reservation.
    pub reservation_id: Option<ReservationId>,
    /// The payment.
    pub payment_id: Option<PaymentId>,
    /// The order.
    pub order_id: Option<OrderId>,
    /// The final answer: status and JSON body.
    pub outcome: Option<(u16, String)>,
    /// The lease's fencing token.
    pub lease_token: Option<String>,
}

const COLUMNS: &str = "id, owner, fingerprint, cart_id, customer_id, email, shipping_address, shipping_method, quote, \
     step, reservation_id, payment_id, order_id, outcome_status, outcome_body, lease_token";

fn decode(row: &AnyRow) -> Result<Checkout, DbError> {
    let step: String = row.try_get("step")?;
    let quote: Option<String> = row.try_get("quote")?;
    let (quote, coupon_codes) = match quote {
        Some(text) => {
            let stored: StoredQuote = json(&text)?;
            (Some(stored.quote), stored.coupon_codes)
        }
        None => (None, Vec::new()),
    };
    let status: Option<i64> = row.try_get("outcome_status")?;
    let body: Option<String> = row.try_get("outcome_body")?;
    Ok(Checkout {
        id: id(&row.try_get::<String, _>("id")?, CheckoutId::parse)?,
        owner: row.try_get("owner")?,
        fingerprint: row.try_get("fingerprint")?,
        cart_id: id(&row.try_get::<String, _>("cart_id")?, CartId::parse)?,
        customer_id: row.try_get::<Option<String>, _>("customer_id")?.map(|s| id(&s, CustomerId::parse)).transpose()?,
        email: row.try_get("email")?,
        shipping_address: json(&row.try_get::<String, _>("shipping_address")?)?,
        shipping_method: row.try_get("shipping_method")?,
        quote,
        coupon_codes,
        step: Step::parse(&step).ok_or_else(|| unexpected("step", &step))?,
        reservation_id: row
            .try_get::<Option<String>, _>("reservation_id")?
            .map(|s| id(&s, ReservationId::parse))
            .transpose()?,
        payment_id: row.try_get::<Option<String>, _>("payment_id")?.map(|s| id(&s, PaymentId::parse)).transpose()?,
        order_id: row.try_get::<Option<String>, _>("order_id")?.map(|s| id(&s, OrderId::parse)).transpose()?,
        outcome: match (status, body) {
            (Some(status), Some(body)) => Some((u16::try_from(status).unwrap_or(500), body)),
            _ => None,
        },
        lease_token: row.try_get("lease_token")?,
    })
}

/// The quote with the coupon codes it was asked with (both needed to finish the order).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredQuote {
    quote: Quote,
    coupon_codes: Vec<String>,
}

/// The checkout of `owner`'s `key`, if any.
pub async fn find_by_key(conn: &mut AnyConnection, owner: &str, key: &str) -> Result<Option<Checkout>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM checkouts WHERE owner = $1 AND idempotency_key = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner).bind(key).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// The checkout `id`.
pub async fn find(conn: &mut AnyConnection, id: &CheckoutId) -> Result<Option<Checkout>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM checkouts WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Inserts a checkout, claiming `key` for its owner: priced and leased to its driver, or
/// already refused (final, with its outcome). A unique violation means the key was claimed
/// concurrently.
pub async fn insert(conn: &mut AnyConnection, c: &Checkout, key: &str, lease_until: &str) -> Result<(), DbError> {
    let quote = c.quote.as_ref().map(|quote| {
        serde_json::to_string(&StoredQuote { quote: quote.clone(), coupon_codes: c.coupon_codes.clone() })
            .unwrap_or_default()
    });
    let now = runtime::db::now();
    sqlx::query(
        "INSERT INTO checkouts (id, owner, idempotency_key, fingerprint, cart_id, customer_id, email, shipping_address,
             shipping_method, quote, step, outcome_status, outcome_body, lease_token, lease_until, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
    )
    .bind(c.id.as_str())
    .bind(&c.owner)
    .bind(key)
    .bind(&c.fingerprint)
    .bind(c.cart_id.as_str())
    .bind(c.customer_id.as_ref().map(CustomerId::as_str))
    .bind(&c.email)
    .bind(serde_json::to_string(&c.shipping_address).unwrap_or_default())
    .bind(&c.shipping_method)
    .bind(quote)
    .bind(c.step.as_str())
    .bind(c.outcome.as_ref().map(|(status, _)| i64::from(*status)))
    .bind(c.outcome.as_ref().map(|(_, body)| body.as_str()))
    .bind(c.lease_token.as_deref())
    .bind(lease_until)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the held reservation (step `reserved`), if `token` still holds the lease.
pub async fn reserved(
    conn: &mut AnyConnection,
    id: &CheckoutId,
    token: &str,
    reservation: &ReservationId,
    lease_until: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE checkouts SET step = $1, reservation_id = $2, lease_until = $3, updated_at = $4
         WHERE id = $5 AND lease_token = $6",
    )
    .bind(Step::Reserved.as_str())
    .bind(reservation.as_str())
    .bind(lease_until)
    .bind(runtime::db::now())
    .bind(id.as_str())
    .bind(token)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the placed order and its payment (step `placed`) in the order's transaction, if
/// `token` still holds the lease.
pub async fn placed(
    tx: &mut Tx,
    id: &CheckoutId,
    token: &str,
    order: &OrderId,
    payment: &PaymentId,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE checkouts SET step = $1, order_id = $2, payment_id = $3, updated_at = $4 WHERE id = $5 AND lease_token = $6",
    )
    .bind(Step::Placed.as_str())
    .bind(order.as_str())
    .bind(payment.as_str())
    .bind(runtime::db::now())
    .bind(id.as_str())
    .bind(token)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the saga (`completed` or `failed`) with the answer replays get, if `token` still
/// holds the lease.
pub async fn finish(
    conn: &mut AnyConnection,
    id: &CheckoutId,
    token: &str,
    step: Step,
    status: u16,
    body: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE checkouts SET step = $1, outcome_status = $2, outcome_body = $3, lease_token = NULL, updated_at = $4
         WHERE id = $5 AND lease_token = $6",
    )
    .bind(step.as_str())
    .bind(i64::from(status))
    .bind(body)
    .bind(runtime::db::now())
    .bind(id.as_str())
    .bind(token)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets a checkout that ended without side effects, so its key can run anew.
pub async fn forget(conn: &mut AnyConnection, id: &CheckoutId, token: &str) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM checkouts WHERE id = $1 AND lease_token = $2")
        .bind(id.as_str())
        .bind(token)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Unfinished checkouts whose lease lapsed before `now`: their driver died or gave up.
pub async fn abandoned(conn: &mut AnyConnection, now: &str, limit: i64) -> Result<Vec<CheckoutId>, DbError> {
    let rows = sqlx::query(
        "SELECT id FROM checkouts WHERE step NOT IN ('completed', 'failed') AND lease_until < $1 ORDER BY lease_until LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| id(&r.try_get::<String, _>("id")?, CheckoutId::parse)).collect()
}

/// Takes over an abandoned checkout with a new lease; false if someone else did first.
pub async fn take_over(
    conn: &mut AnyConnection,
    id: &CheckoutId,
    now: &str,
    token: &str,
    lease_until: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE checkouts SET lease_token = $1, lease_until = $2, updated_at = $3
         WHERE id = $4 AND lease_until < $3 AND step NOT IN ('completed', 'failed')",
    )
    .bind(token)
    .bind(lease_until)
    .bind(now)
    .bind(id.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes an authorisation that no order will use (idempotent).
pub async fn note_orphan(tx: &mut Tx, payment: &PaymentId, checkout: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO orphan_payments (payment_id, checkout_id, noted_at) VALUES ($1, $2, $3)
         ON CONFLICT (payment_id) DO NOTHING",
    )
    .bind(payment.as_str())
    .bind(checkout)
    .bind(runtime::db::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Authorisations waiting to be voided.
pub async fn orphans(conn: &mut AnyConnection, limit: i64) -> Result<Vec<PaymentId>, DbError> {
    let rows = sqlx::query("SELECT payment_id FROM orphan_payments ORDER BY noted_at LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| id(&r.try_get::<String, _>("payment_id")?, PaymentId::parse)).collect()
}

/// Forgets a voided orphan.
pub async fn orphan_voided(conn: &mut AnyConnection, payment: &PaymentId) -> Result<(), DbError> {
    sqlx::query("DELETE FROM orphan_payments WHERE payment_id = $1").bind(payment.as_str()).execute(conn).await?;
    Ok(())
}
