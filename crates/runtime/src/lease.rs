//! Leases: at most one instance of a service runs a given background task (the NATS relay,
//! an embedded-feed consumer) at a time; another takes over when the holder stops renewing.

use std::time::Duration;

use crate::db::{Db, DbError, Tx, epoch_millis};

/// A named lease held (or wanted) by one instance.
#[derive(Clone, Debug)]
pub struct Lease {
    db: Db,
    name: String,
    holder: String,
    ttl: Duration,
}

impl Lease {
    /// A lease called `name`, wanted by `holder` (an instance id).
    pub fn new(db: Db, name: impl Into<String>, holder: impl Into<String>, ttl: Duration) -> Self {
        Self { db, name: name.into(), holder: holder.into(), ttl }
    }

    /// Takes or renews the lease; `true` when this holder has it.
    pub async fn try_acquire(&self) -> Result<bool, DbError> {
        let mut tx = self.db.begin().await?;
        let held = self.renew_in(&mut tx).await?;
        tx.commit().await?;
        Ok(held)
    }

    /// Renews inside `tx`, so that the work the lease guards commits only while the lease is
    /// still ours (fencing).
    pub async fn renew_in(&self, tx: &mut Tx) -> Result<bool, DbError> {
        let now = epoch_millis();
        let result = sqlx::query(
            "INSERT INTO mercato_leases (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE mercato_leases.holder = excluded.holder OR mercato_leases.expires_at < $4",
        )
        .bind(&self.name)
        .bind(&self.holder)
        .bind(now + self.ttl.as_millis() as i64)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Gives the lease up, so that another instance need not wait for it to expire.
    pub async fn release(&self) -> Result<(), DbError> {
        sqlx::query("DELETE FROM mercato_leases WHERE name = $1 AND holder = $2")
            .bind(&self.name)
            .bind(&self.holder)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }
}
