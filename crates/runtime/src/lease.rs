//! Leases: at most one instance of a service runs a given background task (the NATS relay,
//! an embedded-feed consumer) at a time; another takes over when the holder stops renewing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::{Db, DbError, Tx, epoch_millis};

/// A named lease held (or wanted) by one instance.
#[derive(Clone, Debug)]
pub struct Lease {
    db: Db,
    name: String,
    holder: String,
    ttl: Duration,
    /// When this holder last renewed the lease by itself ([`Lease::try_acquire`]).
    renewed: Arc<Mutex<Option<Instant>>>,
}

impl Lease {
    /// A lease called `name`, wanted by `holder` (an instance id).
    pub fn new(db: Db, name: impl Into<String>, holder: impl Into<String>, ttl: Duration) -> Self {
        Self { db, name: name.into(), holder: holder.into(), ttl, renewed: Arc::default() }
    }

    /// Takes or renews the lease; `true` when this holder has it. A renewal less than a third
    /// of the TTL old is trusted without asking the database again: no other instance can take
    /// the lease before the whole TTL has passed, and the work it guards either fences itself
    /// ([`Lease::renew_in`]) or is idempotent. Asked before every poll, it would otherwise cost
    /// a write transaction (an fsync) each time.
    pub async fn try_acquire(&self) -> Result<bool, DbError> {
        let asked = Instant::now();
        if self.last_renewal().is_some_and(|at| asked.duration_since(at) < self.ttl / 3) {
            return Ok(true);
        }
        let mut tx = self.db.begin().await?;
        let held = self.renew_in(&mut tx).await?;
        tx.commit().await?;
        self.set_renewal(held.then_some(asked));
        Ok(held)
    }

    fn last_renewal(&self) -> Option<Instant> {
        *self.renewed.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set_renewal(&self, at: Option<Instant>) {
        *self.renewed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
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
        let held = result.rows_affected() == 1;
        if !held {
            self.set_renewal(None);
        }
        Ok(held)
    }

    /// Gives the lease up, so that another instance need not wait for it to expire.
    pub async fn release(&self) -> Result<(), DbError> {
        self.set_renewal(None);
        sqlx::query("DELETE FROM mercato_leases WHERE name = $1 AND holder = $2")
            .bind(&self.name)
            .bind(&self.holder)
            .execute(&mut *self.db.acquire().await?)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::TemporarySqlite;

    async fn lease_rows(db: &Db) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM mercato_leases")
            .fetch_one(&mut *db.acquire().await.expect("a connection"))
            .await
            .expect("counted")
    }

    #[tokio::test]
    async fn a_holder_trusts_a_fresh_renewal_until_a_fenced_one_fails() {
        let temporary = TemporarySqlite::open("lease", 2).await;
        let db = temporary.db.clone();
        let ttl = Duration::from_secs(60);
        let a = Lease::new(db.clone(), "relay", "a", ttl);
        let b = Lease::new(db.clone(), "relay", "b", ttl);

        assert!(a.try_acquire().await.expect("asked"), "a takes the free lease");
        assert!(!b.try_acquire().await.expect("asked"), "b cannot take it before it expires");

        // The row vanishes behind a's back: a still trusts its fresh renewal, so it did not
        // ask the database, and b now takes the lease.
        sqlx::query("DELETE FROM mercato_leases")
            .execute(&mut *db.acquire().await.expect("a connection"))
            .await
            .expect("deleted");
        assert!(a.try_acquire().await.expect("asked"), "a's renewal is fresh");
        assert_eq!(lease_rows(&db).await, 0, "a's trusted renewal wrote nothing");
        assert!(b.try_acquire().await.expect("asked"), "b takes the lease");

        // a's guarded work fences itself, fails, and from then on a asks the database.
        let mut tx = db.begin().await.expect("begins");
        assert!(!a.renew_in(&mut tx).await.expect("renewed"), "the fence sees b's lease");
        tx.rollback().await.expect("rolled back");
        assert!(!a.try_acquire().await.expect("asked"), "a asks again and finds b holding it");

        // Releasing forgets the renewal too, and the other holder takes over at once.
        b.release().await.expect("released");
        assert!(a.try_acquire().await.expect("asked"), "a takes the released lease");
        temporary.remove().await;
    }
}
