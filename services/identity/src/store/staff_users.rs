//! Staff users.

use contracts::identity::{StaffRole, StaffUser};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::{Email, STAFF_ID_PREFIX};

const COLUMNS: &str = "id, email, name, role, created_at";

fn corrupt(what: String) -> DbError {
    DbError::Query(sqlx::Error::Decode(what.into()))
}

fn staff_user(row: &AnyRow) -> Result<StaffUser, DbError> {
    let role: String = row.try_get("role")?;
    let role = match role.as_str() {
        "staff" => StaffRole::Staff,
        "admin" => StaffRole::Admin,
        other => return Err(corrupt(format!("unknown staff role `{other}`"))),
    };
    Ok(StaffUser {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a staff user; a taken email is a unique violation.
pub async fn insert(
    tx: &mut Tx,
    email: &Email,
    name: &str,
    role: StaffRole,
    password_hash: &str,
) -> Result<StaffUser, DbError> {
    let staff_user = StaffUser {
        id: format!("{STAFF_ID_PREFIX}_{}", uuid::Uuid::now_v7().simple()),
        email: email.as_str().to_owned(),
        name: name.to_owned(),
        role,
        created_at: runtime::db::now(),
    };
    sqlx::query(
        "INSERT INTO staff_users (id, email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&staff_user.id)
    .bind(&staff_user.email)
    .bind(&staff_user.name)
    .bind(staff_user.role.as_str())
    .bind(password_hash)
    .bind(&staff_user.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(staff_user)
}

/// Whether an email belongs to a staff user.
pub async fn email_taken(conn: &mut AnyConnection, email: &str) -> Result<bool, DbError> {
    Ok(sqlx::query("SELECT 1 FROM staff_users WHERE email = $1").bind(email).fetch_optional(conn).await?.is_some())
}

/// A staff user and their password hash, by email.
pub async fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<(StaffUser, String)>, DbError> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM staff_users WHERE email = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(conn).await?;
    row.map(|r| Ok((staff_user(&r)?, r.try_get("password_hash")?))).transpose()
}

/// A staff user by id.
pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<StaffUser>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(staff_user).transpose()
}

/// Up to `limit + 1` staff users after the id `after`, oldest first.
pub async fn list(conn: &mut AnyConnection, after: Option<&str>, limit: u32) -> Result<Vec<StaffUser>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit) + 1)
        .fetch_all(conn)
        .await?;
    rows.iter().map(staff_user).collect()
}
