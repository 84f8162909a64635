//! Stock records.

use std::collections::HashMap;

use contracts::ids::Sku;
use contracts::inventory::{Availability, LocationAvailability, StockLevel};
use runtime::db::{DbError, Tx, placeholders};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::{Candidate, OnHand, available};

fn level(row: &AnyRow) -> Result<StockLevel, DbError> {
    let sku: String = row.try_get("sku")?;
    let on_hand: i64 = row.try_get("on_hand")?;
    let reserved: i64 = row.try_get("reserved")?;
    Ok(StockLevel {
        sku: Sku::parse(&sku).map_err(DbError::decode)?,
        location: row.try_get("code")?,
        on_hand,
        reserved,
        available: available(on_hand, reserved),
        updated_at: row.try_get("updated_at")?,
    })
}

/// Availability of each of `skus`, in the order asked; unknown SKUs are marked so.
pub async fn availability(conn: &mut AnyConnection, skus: &[Sku]) -> Result<Vec<Availability>, DbError> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT k.sku, l.code, l.name, s.on_hand, s.reserved FROM skus k
         LEFT JOIN stock s ON s.sku = k.sku LEFT JOIN locations l ON l.id = s.location_id
         WHERE k.sku IN ({}) ORDER BY k.sku, l.id",
        placeholders(1, skus.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for sku in skus {
        query = query.bind(sku.as_str());
    }
    let rows = query.fetch_all(conn).await?;
    let mut found: HashMap<String, Vec<LocationAvailability>> = HashMap::new();
    for row in &rows {
        let sku: String = row.try_get("sku")?;
        let entry = found.entry(sku).or_default();
        let code: Option<String> = row.try_get("code")?;
        if let Some(code) = code {
            let on_hand: i64 = row.try_get("on_hand")?;
            let reserved: i64 = row.try_get("reserved")?;
            entry.push(LocationAvailability {
                location: code,
                name: row.try_get("name")?,
                on_hand,
                reserved,
                available: available(on_hand, reserved),
            });
        }
    }
    Ok(skus
        .iter()
        .map(|sku| match found.get(sku.as_str()) {
            Some(locations) => Availability {
                sku: sku.clone(),
                known: true,
                available: locations.iter().map(|l| l.available).sum(),
                locations: locations.clone(),
            },
            None => Availability { sku: sku.clone(), known: false, available: 0, locations: Vec::new() },
        })
        .collect())
}

/// A page of stock records ordered by SKU then location, `limit + 1` rows.
pub async fn list(
    conn: &mut AnyConnection,
    after: Option<(&str, &str)>,
    sku: Option<&str>,
    limit: u32,
) -> Result<Vec<StockLevel>, DbError> {
    let mut conditions = Vec::new();
    let mut binds: Vec<&str> = Vec::new();
    if let Some((after_sku, after_code)) = after {
        binds.push(after_sku);
        binds.push(after_code);
        conditions.push("(s.sku > $1 OR (s.sku = $1 AND l.code > $2))".to_owned());
    }
    if let Some(sku) = sku {
        binds.push(sku);
        conditions.push(format!("s.sku = ${}", binds.len()));
    }
    let where_clause =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let sql = format!(
        "SELECT s.sku, l.code, s.on_hand, s.reserved, s.updated_at FROM stock s JOIN locations l ON l.id = s.location_id
         {where_clause} ORDER BY s.sku, l.code LIMIT {}",
        limit + 1
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(level).collect()
}

/// The stock record of `sku` at location `code`, for update.
pub async fn get(tx: &mut Tx, sku: &str, code: &str) -> Result<Option<(String, StockLevel)>, DbError> {
    let row = sqlx::query(
        "SELECT s.sku, s.location_id, l.code, s.on_hand, s.reserved, s.updated_at FROM stock s
         JOIN locations l ON l.id = s.location_id WHERE s.sku = $1 AND l.code = $2",
    )
    .bind(sku)
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((r.try_get("location_id")?, level(&r)?))).transpose()
}

/// Sets the on-hand quantity of a stock record, unless that is below what is reserved there
/// by the time the row is written (a reservation may have committed since it was read):
/// `None` then.
pub async fn set_on_hand(
    tx: &mut Tx,
    sku: &Sku,
    place: &Place,
    on_hand: OnHand,
) -> Result<Option<StockLevel>, DbError> {
    let row = sqlx::query(
        "UPDATE stock SET on_hand = $1, updated_at = $2 WHERE sku = $3 AND location_id = $4 AND reserved <= $1
         RETURNING on_hand, reserved, updated_at",
    )
    .bind(on_hand.get())
    .bind(runtime::db::now())
    .bind(sku.as_str())
    .bind(&place.location_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| written(&r, sku, place)).transpose()
}

/// A location as the reservation code needs it: its id (the key of stock rows) and its code
/// (what callers see).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// Location id.
    pub location_id: String,
    /// Location code.
    pub code: String,
}

/// The stock level a conditional update wrote, from its `RETURNING` row.
fn written(row: &AnyRow, sku: &Sku, place: &Place) -> Result<StockLevel, DbError> {
    let on_hand: i64 = row.try_get("on_hand")?;
    let reserved: i64 = row.try_get("reserved")?;
    Ok(StockLevel {
        sku: sku.clone(),
        location: place.code.clone(),
        on_hand,
        reserved,
        available: available(on_hand, reserved),
        updated_at: row.try_get("updated_at")?,
    })
}

/// The locations with stock of `sku` available to reserve (as last committed, plus this
/// transaction's own changes). Only a hint for planning: [`reserve`] re-checks each row.
pub async fn reservable(tx: &mut Tx, sku: &Sku) -> Result<Vec<Candidate<Place>>, DbError> {
    let rows = sqlx::query(
        "SELECT s.location_id, l.code, s.on_hand - s.reserved AS available FROM stock s
         JOIN locations l ON l.id = s.location_id WHERE s.sku = $1 AND s.on_hand > s.reserved ORDER BY l.code",
    )
    .bind(sku.as_str())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("code")?;
            Ok(Candidate {
                location: Place { location_id: r.try_get("location_id")?, code: code.clone() },
                code,
                available: r.try_get("available")?,
            })
        })
        .collect()
}

/// Reserves `quantity` units of `sku` at `place` if, when the row is written, at least that
/// many are available; `None` if not. The condition is evaluated on the row as locked for the
/// write (PostgreSQL re-reads it after waiting for a concurrent writer; SQLite has one writer
/// at a time), so two reservations can never both take the last unit.
pub async fn reserve(tx: &mut Tx, sku: &Sku, place: &Place, quantity: i64) -> Result<Option<StockLevel>, DbError> {
    adjust(
        tx,
        "UPDATE stock SET reserved = reserved + $1, updated_at = $2
         WHERE sku = $3 AND location_id = $4 AND on_hand - reserved >= $1
         RETURNING on_hand, reserved, updated_at",
        sku,
        place,
        quantity,
    )
    .await
}

/// Gives `quantity` reserved units of `sku` at `place` back to available stock; `None` if
/// fewer than that are reserved there (which would be a bookkeeping bug).
pub async fn unreserve(tx: &mut Tx, sku: &Sku, place: &Place, quantity: i64) -> Result<Option<StockLevel>, DbError> {
    adjust(
        tx,
        "UPDATE stock SET reserved = reserved - $1, updated_at = $2
         WHERE sku = $3 AND location_id = $4 AND reserved >= $1
         RETURNING on_hand, reserved, updated_at",
        sku,
        place,
        quantity,
    )
    .await
}

/// Takes `quantity` reserved units of `sku` at `place` out of stock (they were sold): both
/// on hand and reserved drop. `None` if fewer than that are reserved there.
pub async fn take(tx: &mut Tx, sku: &Sku, place: &Place, quantity: i64) -> Result<Option<StockLevel>, DbError> {
    adjust(
        tx,
        "UPDATE stock SET on_hand = on_hand - $1, reserved = reserved - $1, updated_at = $2
         WHERE sku = $3 AND location_id = $4 AND reserved >= $1
         RETURNING on_hand, reserved, updated_at",
        sku,
        place,
        quantity,
    )
    .await
}

/// Puts `quantity` units of `sku` back on hand at `place` (a committed order was cancelled):
/// on hand rises, reserved stays. `None` if there is no such stock record.
pub async fn put_back(tx: &mut Tx, sku: &Sku, place: &Place, quantity: i64) -> Result<Option<StockLevel>, DbError> {
    adjust(
        tx,
        "UPDATE stock SET on_hand = on_hand + $1, updated_at = $2 WHERE sku = $3 AND location_id = $4
         RETURNING on_hand, reserved, updated_at",
        sku,
        place,
        quantity,
    )
    .await
}

/// Runs one conditional stock update (`$1` the quantity, `$2` now, `$3` the SKU, `$4` the
/// location) and returns the row as written, or `None` if its condition did not hold.
async fn adjust(
    tx: &mut Tx,
    sql: &'static str,
    sku: &Sku,
    place: &Place,
    quantity: i64,
) -> Result<Option<StockLevel>, DbError> {
    let row = sqlx::query(sql)
        .bind(quantity)
        .bind(runtime::db::now())
        .bind(sku.as_str())
        .bind(&place.location_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| written(&r, sku, place)).transpose()
}
