//! Carts and their lines.
//!
//! Every change is written by [`save`], whose update of the cart's row holds only while the
//! stored cart is still at the version the change was made from: a compare-and-set, so a
//! change computed from a plain read needs no lock and no second read when nobody else
//! changed the cart meanwhile (the common case). When someone did, the caller reads again
//! in a transaction that starts with [`lock`]: on PostgreSQL its no-op update takes the cart's
//! row lock, so concurrent changes of one cart queue up instead of overwriting each other; on
//! SQLite the transaction already holds the write lock.

use contracts::cart::{CartId, CartLine, CartStatus};
use contracts::ids::{CustomerId, Sku};
use contracts::money::Currency;
use runtime::db::{DbError, Tx, values};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::CartState;

fn status(text: &str) -> Result<CartStatus, DbError> {
    match text {
        "active" => Ok(CartStatus::Active),
        "merged" => Ok(CartStatus::Merged),
        "converted" => Ok(CartStatus::Converted),
        other => Err(DbError::decode(std::io::Error::other(format!("unknown cart status `{other}`")))),
    }
}

fn cart_id(text: &str) -> Result<CartId, DbError> {
    CartId::parse(text).map_err(DbError::decode)
}

/// The cart of the first row of a cart-with-lines query (every row repeats it).
fn cart(row: &AnyRow) -> Result<CartState, DbError> {
    let coupon_codes: String = row.try_get("coupon_codes")?;
    Ok(CartState {
        id: cart_id(&row.try_get::<String, _>("id")?)?,
        customer_id: row
            .try_get::<Option<String>, _>("customer_id")?
            .map(|c| CustomerId::parse(&c).map_err(DbError::decode))
            .transpose()?,
        status: status(&row.try_get::<String, _>("status")?)?,
        currency: Currency::parse(&row.try_get::<String, _>("currency")?).map_err(DbError::decode)?,
        country: row.try_get("country")?,
        shipping_method: row.try_get("shipping_method")?,
        coupon_codes: serde_json::from_str(&coupon_codes).map_err(DbError::decode)?,
        lines: Vec::new(),
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        merged_into: row.try_get::<Option<String>, _>("merged_into")?.map(|c| cart_id(&c)).transpose()?,
        order_id: row.try_get("order_id")?,
    })
}

/// A cart with its lines, read in one statement (one snapshot, also outside a transaction).
pub async fn find(conn: &mut AnyConnection, id: &CartId) -> Result<Option<CartState>, DbError> {
    let rows = sqlx::query(
        "SELECT c.id, c.customer_id, c.status, c.currency, c.country, c.shipping_method, c.coupon_codes, \
                c.version, c.created_at, c.updated_at, c.merged_into, c.order_id, l.sku, l.quantity \
         FROM carts c LEFT JOIN cart_lines l ON l.cart_id = c.id \
         WHERE c.id = $1 ORDER BY l.position",
    )
    .bind(id.as_str())
    .fetch_all(conn)
    .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let mut found = cart(first)?;
    for row in &rows {
        let sku: Option<String> = row.try_get("sku")?;
        let quantity: Option<i64> = row.try_get("quantity")?;
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            found.lines.push(CartLine { sku: Sku::parse(&sku).map_err(DbError::decode)?, quantity });
        }
    }
    Ok(Some(found))
}

/// Locks a cart for the rest of `tx` and reads it.
pub async fn lock(tx: &mut Tx, id: &CartId) -> Result<Option<CartState>, DbError> {
    let locked =
        sqlx::query("UPDATE carts SET version = version WHERE id = $1").bind(id.as_str()).execute(&mut **tx).await?;
    if locked.rows_affected() == 0 {
        return Ok(None);
    }
    find(tx, id).await
}

/// The id of a customer's active cart, if there is one.
pub async fn active_for(conn: &mut AnyConnection, customer: &CustomerId) -> Result<Option<CartId>, DbError> {
    let row = sqlx::query("SELECT id FROM carts WHERE customer_id = $1 AND status = 'active'")
        .bind(customer.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|r| cart_id(&r.try_get::<String, _>("id")?)).transpose()
}

/// Inserts a new cart with its lines. A customer's second active cart is a unique violation.
pub async fn insert(tx: &mut Tx, cart: &CartState) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO carts (id, customer_id, status, currency, country, shipping_method, coupon_codes, version, \
                            merged_into, order_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(cart.id.as_str())
    .bind(cart.customer_id.as_ref().map(CustomerId::as_str))
    .bind(cart.status.as_str())
    .bind(cart.currency.code())
    .bind(&cart.country)
    .bind(cart.shipping_method.as_deref())
    .bind(coupons(cart))
    .bind(cart.version)
    .bind(cart.merged_into.as_ref().map(CartId::as_str))
    .bind(cart.order_id.as_deref())
    .bind(&cart.created_at)
    .bind(&cart.updated_at)
    .execute(&mut **tx)
    .await?;
    insert_lines(tx, &cart.id, &cart.lines, 0).await
}

/// Writes `next`, a change of `before`, if the stored cart is still at `before`'s version,
/// and of the lines only those that differ. False, with nothing written, if the cart has
/// changed since `before` was read; always true for a cart locked in `tx`.
pub async fn save(tx: &mut Tx, before: &CartState, next: &CartState) -> Result<bool, DbError> {
    let updated = sqlx::query(
        "UPDATE carts SET status = $2, country = $3, shipping_method = $4, coupon_codes = $5, version = $6, \
                          merged_into = $7, order_id = $8, updated_at = $9 \
         WHERE id = $1 AND version = $10",
    )
    .bind(next.id.as_str())
    .bind(next.status.as_str())
    .bind(&next.country)
    .bind(next.shipping_method.as_deref())
    .bind(coupons(next))
    .bind(next.version)
    .bind(next.merged_into.as_ref().map(CartId::as_str))
    .bind(next.order_id.as_deref())
    .bind(&next.updated_at)
    .bind(before.version)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    write_lines(tx, before, next).await?;
    Ok(true)
}

/// Writes the lines of `next` over those of `before`. Lines added at the end are inserted
/// and one changed quantity is updated in place (adding or setting a line: one statement);
/// anything else, such as a line removed or a merge changing several, rewrites them all in
/// two statements, so positions stay 0, 1, 2 …
async fn write_lines(tx: &mut Tx, before: &CartState, next: &CartState) -> Result<(), DbError> {
    let kept = before.lines.len();
    let appended = next.lines.len() >= kept && before.lines.iter().zip(&next.lines).all(|(b, n)| b.sku == n.sku);
    let mut changed = before.lines.iter().zip(&next.lines).filter(|(b, n)| b.quantity != n.quantity).map(|(_, n)| n);
    let (first, second) = (changed.next(), changed.next());
    if !appended || second.is_some() {
        sqlx::query("DELETE FROM cart_lines WHERE cart_id = $1").bind(next.id.as_str()).execute(&mut **tx).await?;
        return insert_lines(tx, &next.id, &next.lines, 0).await;
    }
    if let Some(line) = first {
        sqlx::query("UPDATE cart_lines SET quantity = $3 WHERE cart_id = $1 AND sku = $2")
            .bind(next.id.as_str())
            .bind(line.sku.as_str())
            .bind(line.quantity)
            .execute(&mut **tx)
            .await?;
    }
    insert_lines(tx, &next.id, &next.lines[kept..], kept).await
}

fn coupons(cart: &CartState) -> String {
    // A list of strings always serialises.
    serde_json::to_string(&cart.coupon_codes).unwrap_or_else(|_| "[]".into())
}

/// `lines` in one statement (at most 100 lines: 301 parameters), the first at `position`.
async fn insert_lines(tx: &mut Tx, cart: &CartId, lines: &[CartLine], position: usize) -> Result<(), DbError> {
    if lines.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO cart_lines (cart_id, sku, quantity, position) VALUES {}", values(1, 3, lines.len()));
    // Only placeholders are formatted into the text; the values are bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cart.as_str());
    for (offset, line) in lines.iter().enumerate() {
        query = query.bind(line.sku.as_str()).bind(line.quantity).bind((position + offset) as i64);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}
