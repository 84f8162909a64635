//! E-mail templates.

use contracts::notifications::{Template, TemplateName};
use runtime::db::{Db, DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::unexpected;
use crate::domain::templates::TemplateSource;

const COLUMNS: &str = "name, subject, text_body, html_body, version, updated_at";

fn decode(row: &AnyRow) -> Result<Template, DbError> {
    let name: String = row.try_get("name")?;
    let name = TemplateName::parse(&name).ok_or_else(|| unexpected("template name", &name))?;
    Ok(Template {
        name,
        event_type: name.event_type().to_owned(),
        subject: row.try_get("subject")?,
        text: row.try_get("text_body")?,
        html: row.try_get("html_body")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Stores `source` as `name` unless the template exists (replicas may seed at once).
pub async fn seed(db: &Db, name: TemplateName, source: &TemplateSource) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO templates (name, subject, text_body, html_body, version, updated_at)
         VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name.as_str())
    .bind(&source.subject)
    .bind(&source.text)
    .bind(&source.html)
    .bind(runtime::db::now())
    .execute(&mut *db.acquire().await?)
    .await?;
    Ok(())
}

/// Every stored template, in [`TemplateName::ALL`] order.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Template>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM templates");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    let mut templates = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    templates.sort_by_key(|t| TemplateName::ALL.iter().position(|n| *n == t.name));
    Ok(templates)
}

/// The template `name`.
pub async fn find(conn: &mut AnyConnection, name: TemplateName) -> Result<Option<Template>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM templates WHERE name = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(name.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Replaces the template `name` if it is still at `version`; returns whether it was.
pub async fn replace(tx: &mut Tx, name: TemplateName, version: i64, source: &TemplateSource) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE templates SET subject = $1, text_body = $2, html_body = $3, version = version + 1, updated_at = $4
         WHERE name = $5 AND version = $6",
    )
    .bind(&source.subject)
    .bind(&source.text)
    .bind(&source.html)
    .bind(runtime::db::now())
    .bind(name.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
