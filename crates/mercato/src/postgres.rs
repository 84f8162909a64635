//! PostgreSQL mode: one database per service on the given server, created when missing.

use anyhow::Context as _;
use sqlx::Connection as _;

/// Splits `postgres://user@host:port/name?opts` into the server part, the database name and
/// the options.
fn split(url: &str) -> anyhow::Result<(&str, &str, &str)> {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let scheme_end = base.find("://").context("the PostgreSQL URL needs a scheme (postgres://)")? + 3;
    let slash =
        base[scheme_end..].find('/').map(|i| i + scheme_end).context("the PostgreSQL URL needs a database name")?;
    let name = &base[slash + 1..];
    anyhow::ensure!(!name.is_empty(), "the PostgreSQL URL needs a database name");
    Ok((&base[..slash], name, query))
}

/// The URL of `service`'s database under `url`'s server and name prefix.
pub fn service_url(url: &str, service: &str) -> anyhow::Result<String> {
    let (server, name, query) = split(url)?;
    let mut out = format!("{server}/{name}_{service}");
    if !query.is_empty() {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}

/// Creates `service`'s database if it does not exist.
pub async fn ensure_database(url: &str, service: &str) -> anyhow::Result<String> {
    let (server, name, query) = split(url)?;
    let db_name = format!("{name}_{service}");
    anyhow::ensure!(
        db_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "database names may contain only letters, digits and '_' (got `{db_name}`)"
    );
    let admin = if query.is_empty() { format!("{server}/postgres") } else { format!("{server}/postgres?{query}") };
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {server}"))?;
    let exists = sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&db_name)
        .fetch_optional(&mut conn)
        .await?
        .is_some();
    if !exists {
        // Identifier checked above; CREATE DATABASE takes no bind parameters.
        match sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{db_name}\""))).execute(&mut conn).await {
            Ok(_) => {}
            // Another supervisor created it meanwhile.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e).context(format!("cannot create database {db_name}")),
        }
    }
    let _ = conn.close().await;
    service_url(url, service)
}

#[cfg(test)]
mod tests {
    use super::service_url;

    #[test]
    fn service_urls_keep_server_and_options() {
        assert_eq!(
            service_url("postgres://u@h:5432/shop", "catalog").ok(),
            Some("postgres://u@h:5432/shop_catalog".into())
        );
        assert_eq!(
            service_url("postgres://h/shop?sslmode=disable", "inventory").ok(),
            Some("postgres://h/shop_inventory?sslmode=disable".into())
        );
        assert!(service_url("postgres://h", "x").is_err());
        assert!(service_url("postgres://h/", "x").is_err());
    }
}
