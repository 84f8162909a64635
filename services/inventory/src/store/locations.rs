//! Locations.

use contracts::ids::LocationId;
use contracts::inventory::{Location, LocationKind};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::ValidLocation;

fn kind_text(kind: LocationKind) -> &'static str {
    match kind {
        LocationKind::Warehouse => "warehouse",
        LocationKind::Store => "store",
    }
}

fn location(row: &AnyRow) -> Result<Location, DbError> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    Ok(Location {
        id: LocationId::parse(&id).map_err(DbError::decode)?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: if kind == "store" { LocationKind::Store } else { LocationKind::Warehouse },
    })
}

/// All locations in creation order.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Location>, DbError> {
    let rows = sqlx::query("SELECT id, code, name, kind FROM locations ORDER BY id").fetch_all(conn).await?;
    rows.iter().map(location).collect()
}

/// A location by code.
pub async fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Location>, DbError> {
    let row = sqlx::query("SELECT id, code, name, kind FROM locations WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(location).transpose()
}

/// Inserts a location and a zero stock record there for every known SKU.
pub async fn insert(tx: &mut Tx, valid: &ValidLocation) -> Result<Location, DbError> {
    let id = LocationId::generate();
    let now = runtime::db::now();
    sqlx::query("INSERT INTO locations (id, code, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.as_str())
        .bind(valid.code.as_str())
        .bind(&valid.name)
        .bind(kind_text(valid.kind))
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO stock (sku, location_id, on_hand, reserved, updated_at) SELECT sku, $1, 0, 0, $2 FROM skus",
    )
    .bind(id.as_str())
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(Location { id, code: valid.code.as_str().to_owned(), name: valid.name.clone(), kind: valid.kind })
}
