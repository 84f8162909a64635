//! The connections [`Db`](super::Db) hands out: a connection, a write transaction, a write.
//!
//! sqlx pings every connection as it goes back to its pool, in a task spawned for it: on
//! SQLite a round trip to the connection's worker thread (two thread wake-ups) for each use of
//! a connection, which tells nothing, since a SQLite connection is a file handle of this
//! process that nothing outside can cut. So on SQLite a connection that is given back goes to
//! this process's own list of [`Kept`] connections, at once and without a ping, and is handed
//! out from there first; it stays checked out of sqlx's pool. On PostgreSQL a connection goes
//! back to sqlx's pool, whose ping also finds the connections a server restart cut.
//!
//! Transactions are begun and ended by statements on such a connection (`BEGIN`, `COMMIT`),
//! since a sqlx transaction would own the pool's connection and give it back to the pool.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor as _};
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::DbError;

/// How long [`Db::acquire`](super::Db::acquire) waits for a connection, as sqlx's pool does.
pub(super) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite connections this process holds between uses (see the module's documentation).
#[derive(Debug)]
pub(super) struct Kept {
    state: Mutex<KeptState>,
    /// One permit per connection the pool may open: whoever holds one finds a kept connection
    /// or room in the pool for a new one, so nobody waits on a pool whose connections are all
    /// kept here.
    permits: Arc<Semaphore>,
}

#[derive(Debug)]
struct KeptState {
    idle: Vec<PoolConnection<Any>>,
    /// Once closing, connections go back to the pool, which waits for them all.
    closing: bool,
}

impl Kept {
    /// Room for `max_connections`, as many as the pool's.
    pub(super) fn new(max_connections: u32) -> Self {
        Kept {
            state: Mutex::new(KeptState { idle: Vec::new(), closing: false }),
            permits: Arc::new(Semaphore::new(max_connections as usize)),
        }
    }

    /// A kept connection, or a new one from `pool`; waits while all are in use.
    pub(super) async fn acquire(self: &Arc<Self>, pool: &AnyPool) -> Result<Conn, DbError> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| DbError::Unavailable(sqlx::Error::PoolTimedOut))?
            .map_err(|_| DbError::Unavailable(sqlx::Error::PoolClosed))?;
        let idle = self.lock().idle.pop();
        let conn = match idle {
            Some(conn) => conn,
            None => pool.acquire().await?,
        };
        Ok(Conn { conn: Some(conn), kept: Some((self.clone(), permit)) })
    }

    /// Closes the kept connections; from now on connections go back to the pool.
    pub(super) async fn close(&self) {
        let idle = {
            let mut state = self.lock();
            state.closing = true;
            std::mem::take(&mut state.idle)
        };
        self.permits.close();
        for conn in idle {
            let _ = conn.close().await;
        }
    }

    fn give_back(&self, conn: PoolConnection<Any>) {
        let mut state = self.lock();
        if !state.closing {
            // The most recently used first: its pages are the warmest.
            state.idle.push(conn);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptState> {
        // The state stays whole whatever panicked while holding it.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A connection for statements outside a transaction (`&mut *conn`); dropping it gives it back.
pub struct Conn {
    conn: Option<PoolConnection<Any>>,
    /// Where it goes back on SQLite, and the permit it holds until then.
    kept: Option<(Arc<Kept>, OwnedSemaphorePermit)>,
}

impl Conn {
    /// A connection of sqlx's pool that goes back to it (PostgreSQL).
    pub(super) fn pooled(conn: PoolConnection<Any>) -> Self {
        Conn { conn: Some(conn), kept: None }
    }

    /// Closes the connection instead of giving it back: its state is unknown.
    fn discard(mut self) {
        if let Some(mut conn) = self.conn.take() {
            conn.close_on_drop();
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // The permit (a field) is released after this: the connection is back by then.
        if let (Some(conn), Some((kept, _))) = (self.conn.take(), &self.kept) {
            kept.give_back(conn);
        }
    }
}

impl Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn.as_ref().expect("a connection until dropped")
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("a connection until dropped")
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("kept", &self.kept.is_some()).finish_non_exhaustive()
    }
}

/// A transaction on a service's database (`&mut **tx` for statements). It ends with
/// [`commit`](Tx::commit) or [`rollback`](Tx::rollback); dropped, it rolls back before its
/// connection (and, on SQLite, this process's turn to write) is given back.
pub struct Tx {
    conn: Option<Conn>,
    turn: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    /// Runs `begin` (`BEGIN`, or `BEGIN IMMEDIATE` on SQLite) on `conn`.
    pub(super) async fn begin(
        conn: Conn,
        turn: Option<OwnedMutexGuard<()>>,
        begin: &'static str,
    ) -> Result<Tx, DbError> {
        // The transaction exists before its `BEGIN` is sent: if this future is dropped while
        // it runs, dropping the transaction rolls back whatever began.
        let mut tx = Tx { conn: Some(conn), turn };
        tx.execute(begin).await?;
        Ok(tx)
    }

    /// Commits.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // A failed `COMMIT` may leave the transaction open: dropping `self` rolls it back.
        self.execute("COMMIT").await?;
        self.conn.take();
        Ok(())
    }

    /// Rolls back (dropping the transaction does too, a moment later).
    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        self.execute("ROLLBACK").await?;
        self.conn.take();
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        let turn = self.turn.take();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            conn.discard();
            return;
        };
        runtime.spawn(async move {
            if conn.execute("ROLLBACK").await.is_err() {
                // No transaction was open (its `BEGIN` never ran), or the connection broke.
                conn.discard();
            }
            drop(turn);
        });
    }
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn.as_ref().expect("a connection until the transaction ends")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("a connection until the transaction ends")
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").field("holds_turn", &self.turn.is_some()).finish_non_exhaustive()
    }
}

/// A connection for writes outside a transaction, each statement committing by itself; on
/// SQLite it holds this process's turn to write until dropped.
pub struct Write {
    // Declared first, dropped first: the connection is back before the turn is free.
    conn: Conn,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Write {
    pub(super) fn new(conn: Conn, turn: Option<OwnedMutexGuard<()>>) -> Self {
        Write { conn, _turn: turn }
    }
}

impl Deref for Write {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write").field("holds_turn", &self._turn.is_some()).finish_non_exhaustive()
    }
}
