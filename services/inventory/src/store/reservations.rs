//! Reservations and where their units are held.

use contracts::ids::{ReservationId, Sku};
use contracts::inventory::{Reservation, ReservationAllocation, ReservationLine, ReservationStatus};
use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

use super::stock::Place;

/// Allocations inserted per statement: at five binds each, far below either backend's bind
/// limit (SQLite 32766, PostgreSQL 65535).
const ALLOCATIONS_PER_STATEMENT: usize = 500;

/// Units of one line held at one location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocated {
    /// Index of the line in the request.
    pub line_no: i64,
    /// SKU.
    pub sku: Sku,
    /// Where.
    pub place: Place,
    /// How many.
    pub quantity: i64,
}

/// A stored reservation with the location ids of its allocations.
#[derive(Clone, Debug)]
pub struct Stored {
    /// As callers see it.
    pub reservation: Reservation,
    /// Its allocations, by line then in the order taken.
    pub allocations: Vec<Allocated>,
}

fn parse_status(text: &str) -> Result<ReservationStatus, DbError> {
    [
        ReservationStatus::Held,
        ReservationStatus::Committed,
        ReservationStatus::Released,
        ReservationStatus::Expired,
        ReservationStatus::Returned,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
    .ok_or_else(|| DbError::Query(sqlx::Error::Decode(format!("unknown reservation status `{text}`").into())))
}

/// The lines callers see, from allocations ordered by line (in the order taken within one).
pub fn lines_of(allocations: &[Allocated]) -> Vec<ReservationLine> {
    let mut lines: Vec<(i64, ReservationLine)> = Vec::new();
    for a in allocations {
        let allocation = ReservationAllocation { location: a.place.code.clone(), quantity: a.quantity };
        match lines.iter_mut().find(|(no, _)| *no == a.line_no) {
            Some((_, line)) => {
                line.quantity += a.quantity;
                line.allocations.push(allocation);
            }
            None => lines.push((
                a.line_no,
                ReservationLine { sku: a.sku.clone(), quantity: a.quantity, allocations: vec![allocation] },
            )),
        }
    }
    lines.sort_by_key(|(no, _)| *no);
    lines.into_iter().map(|(_, line)| line).collect()
}

/// Inserts a held reservation and its allocations (in the order given within each line).
pub async fn insert(tx: &mut Tx, reservation: &Reservation, allocations: &[Allocated]) -> Result<(), DbError> {
    let now = runtime::db::now();
    sqlx::query(
        "INSERT INTO reservations (id, reference, status, expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(reservation.id.as_str())
    .bind(&reservation.reference)
    .bind(reservation.status.as_str())
    .bind(&reservation.expires_at)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    let numbered: Vec<(i64, &Allocated)> = allocations
        .iter()
        .enumerate()
        .map(|(i, a)| (allocations[..i].iter().filter(|b| b.line_no == a.line_no).count() as i64, a))
        .collect();
    for chunk in numbered.chunks(ALLOCATIONS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO reservation_allocations (reservation_id, line_no, alloc_no, sku, location_id, quantity)
             VALUES {}",
            runtime::db::values(1, 5, chunk.len())
        );
        // Only placeholders are formatted into the text; the values are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reservation.id.as_str());
        for (alloc_no, a) in chunk {
            query =
                query.bind(a.line_no).bind(*alloc_no).bind(a.sku.as_str()).bind(&a.place.location_id).bind(a.quantity);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A reservation by id, with its allocations (one statement).
pub async fn find(conn: &mut AnyConnection, id: &ReservationId) -> Result<Option<Stored>, DbError> {
    let rows = sqlx::query(
        "SELECT r.reference, r.status, r.expires_at, a.line_no, a.sku, a.location_id, l.code, a.quantity
         FROM reservations r
         LEFT JOIN reservation_allocations a ON a.reservation_id = r.id
         LEFT JOIN locations l ON l.id = a.location_id
         WHERE r.id = $1 ORDER BY a.line_no, a.alloc_no",
    )
    .bind(id.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let Some(row) = rows.first() else { return Ok(None) };
    let mut allocations = Vec::with_capacity(rows.len());
    for r in &rows {
        // A reservation without allocations comes back as one row of nulls beside it.
        let Some(sku) = r.try_get::<Option<String>, _>("sku")? else { continue };
        allocations.push(Allocated {
            line_no: r.try_get("line_no")?,
            sku: Sku::parse(&sku).map_err(DbError::decode)?,
            place: Place { location_id: r.try_get("location_id")?, code: r.try_get("code")? },
            quantity: r.try_get("quantity")?,
        });
    }
    let status: String = row.try_get("status")?;
    let reservation = Reservation {
        id: id.clone(),
        reference: row.try_get("reference")?,
        status: parse_status(&status)?,
        expires_at: row.try_get("expires_at")?,
        lines: lines_of(&allocations),
    };
    Ok(Some(Stored { reservation, allocations }))
}

/// Moves a reservation from status `from` to `to`. `false` if it is no longer in `from`: a
/// concurrent commit, release, expiry or return (on another replica, perhaps) got there first.
/// The row stays locked until the transaction ends, so exactly one of the contenders adjusts
/// the stock.
pub async fn transition(
    tx: &mut Tx,
    id: &ReservationId,
    from: ReservationStatus,
    to: ReservationStatus,
) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE reservations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to.as_str())
        .bind(runtime::db::now())
        .bind(id.as_str())
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Up to `limit` held reservations whose expiry is at or before `now`, oldest expiry first.
pub async fn lapsed(conn: &mut AnyConnection, now: &str, limit: i64) -> Result<Vec<ReservationId>, DbError> {
    let rows = sqlx::query(
        "SELECT id FROM reservations WHERE status = 'held' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            ReservationId::parse(&id).map_err(DbError::decode)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocated(line_no: i64, sku: &str, code: &str, quantity: i64) -> Allocated {
        Allocated {
            line_no,
            sku: Sku::parse(sku).expect("sku"),
            place: Place { location_id: format!("loc-{code}"), code: code.into() },
            quantity,
        }
    }

    #[test]
    fn lines_group_allocations_in_line_order() {
        let lines = lines_of(&[allocated(1, "B", "x", 2), allocated(0, "A", "y", 5), allocated(0, "A", "x", 1)]);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].sku.as_str(), lines[0].quantity), ("A", 6));
        assert_eq!(
            lines[0].allocations,
            vec![
                ReservationAllocation { location: "y".into(), quantity: 5 },
                ReservationAllocation { location: "x".into(), quantity: 1 }
            ]
        );
        assert_eq!((lines[1].sku.as_str(), lines[1].quantity), ("B", 2));
    }
}
