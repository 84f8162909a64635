//! Customers.

use contracts::identity::Customer;
use contracts::ids::CustomerId;
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::Email;

fn customer(row: &AnyRow) -> Result<Customer, DbError> {
    let id: String = row.try_get("id")?;
    Ok(Customer {
        id: CustomerId::parse(&id).map_err(DbError::decode)?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        customer_group: row.try_get("customer_group")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a customer; a taken email is a unique violation.
pub async fn insert(tx: &mut Tx, email: &Email, name: &str, password_hash: &str) -> Result<Customer, DbError> {
    let customer = Customer {
        id: CustomerId::generate(),
        email: email.as_str().to_owned(),
        name: name.to_owned(),
        customer_group: None,
        created_at: runtime::db::now(),
    };
    sqlx::query("INSERT INTO customers (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(customer.id.as_str())
        .bind(&customer.email)
        .bind(&customer.name)
        .bind(password_hash)
        .bind(&customer.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(customer)
}

/// Whether an email is registered.
pub async fn email_taken(tx: &mut Tx, email: &Email) -> Result<bool, DbError> {
    Ok(sqlx::query("SELECT 1 FROM customers WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// A customer and their password hash, by email.
pub async fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<(Customer, String)>, DbError> {
    let row = sqlx::query(
        "SELECT id, email, name, customer_group, created_at, password_hash FROM customers WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((customer(&r)?, r.try_get("password_hash")?))).transpose()
}

/// A customer by id.
pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<Customer>, DbError> {
    let row = sqlx::query("SELECT id, email, name, customer_group, created_at FROM customers WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(customer).transpose()
}

/// Up to `limit + 1` customers after the id `after`, oldest first; with `email_like`, only
/// those whose email matches that `LIKE` pattern (escape character `\`).
pub async fn list(
    conn: &mut AnyConnection,
    email_like: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Customer>, DbError> {
    let rows =
        match email_like {
            Some(pattern) => {
                sqlx::query(
                    "SELECT id, email, name, customer_group, created_at FROM customers
                 WHERE id > $1 AND email LIKE $2 ESCAPE '\\' ORDER BY id LIMIT $3",
                )
                .bind(after.unwrap_or(""))
                .bind(pattern)
                .bind(i64::from(limit) + 1)
                .fetch_all(conn)
                .await?
            }
            None => sqlx::query(
                "SELECT id, email, name, customer_group, created_at FROM customers WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit) + 1)
            .fetch_all(conn)
            .await?,
        };
    rows.iter().map(customer).collect()
}

/// Sets a customer's group; false if there is no such customer.
pub async fn set_group(conn: &mut AnyConnection, id: &str, group: Option<&str>) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE customers SET customer_group = $1 WHERE id = $2")
        .bind(group)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
