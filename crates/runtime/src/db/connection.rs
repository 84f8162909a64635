//! The connections [`Db`](super::Db) hands out: a connection, a write transaction, a write.
//!
//! sqlx pings every connection as it goes back to its pool, in a task spawned for it: a round
//! trip to PostgreSQL, or to a SQLite connection's worker thread (two thread wake-ups), for
//! every use of a connection. So a connection that is given back goes to this process's own
//! list of [`Kept`] connections, at once and without a ping, and is handed out from there
//! first; it stays checked out of sqlx's pool.
//!
//! A SQLite connection is a file handle of this process that nothing outside can cut, so it is
//! never pinged. A PostgreSQL connection can be cut by a server restart, a failover or a proxy,
//! and is pinged before it is handed out again when it sat idle for over a second, or when some
//! statement of this process failed in a way that may have broken its connection while this
//! one was out (see [`note_failure`]): a dead connection is closed, and replaced, instead of
//! failing a request.
//!
//! Transactions are begun and ended by statements on such a connection (`BEGIN`, `COMMIT`),
//! since a sqlx transaction would own the pool's connection and give it back to the pool.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection as _, Executor as _};
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::DbError;

/// How long [`Db::acquire`](super::Db::acquire) waits for a connection, as sqlx's pool does.
pub(super) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a PostgreSQL connection may sit idle and still be handed out without a ping.
const TRUSTED_IDLE: Duration = Duration::from_secs(1);

/// How long a connection is used before it is closed and replaced, as sqlx's pool does by
/// default: a server process's caches and memory do not grow for ever.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How many statements of this process failed in a way that may have broken their connection.
/// A connection given back after this moved is pinged before its next use: the failure may
/// have been its own.
static FAILURES: AtomicU64 = AtomicU64::new(0);

/// Counts `err` if it may have left its connection broken: anything but a statement's own
/// failure (a constraint, a missing row, a value that does not decode). Counting too much
/// costs a ping; too little, a request on a dead connection.
pub(super) fn note_failure(err: &sqlx::Error) {
    let statement_only = match err {
        // Class 08 is a connection exception, 57 an operator's intervention (a terminated
        // backend, a shutdown): the connection is gone with them.
        sqlx::Error::Database(db) => !db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        sqlx::Error::RowNotFound
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::Encode(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed => true,
        _ => false,
    };
    if !statement_only {
        FAILURES.fetch_add(1, Ordering::Relaxed);
    }
}

/// The connections this process holds between uses (see the module's documentation).
#[derive(Debug)]
pub(super) struct Kept {
    state: Mutex<KeptState>,
    /// Whether a kept connection can be cut from outside (PostgreSQL) and so is pinged
    /// before reuse when in doubt.
    may_be_cut: bool,
    /// One permit per connection the pool may open: whoever holds one finds a kept connection
    /// or room in the pool for a new one, so nobody waits on a pool whose connections are all
    /// kept here.
    permits: Arc<Semaphore>,
}

#[derive(Debug)]
struct KeptState {
    idle: Vec<Idle>,
    /// Once closing, connections go back to the pool, which waits for them all.
    closing: bool,
}

/// A kept connection.
#[derive(Debug)]
struct Idle {
    conn: PoolConnection<Any>,
    opened: Instant,
    since: Instant,
    /// A statement failed somewhere in the process while it was out (see [`note_failure`]).
    in_doubt: bool,
}

impl Kept {
    /// Room for `max_connections`, as many as the pool's; `may_be_cut` on PostgreSQL.
    pub(super) fn new(max_connections: u32, may_be_cut: bool) -> Self {
        Kept {
            state: Mutex::new(KeptState { idle: Vec::new(), closing: false }),
            may_be_cut,
            permits: Arc::new(Semaphore::new(max_connections as usize)),
        }
    }

    /// A kept connection, or a new one from `pool`; waits while all are in use.
    pub(super) async fn acquire(self: &Arc<Self>, pool: &AnyPool) -> Result<Conn, DbError> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| DbError::Unavailable(sqlx::Error::PoolTimedOut))?
            .map_err(|_| DbError::Unavailable(sqlx::Error::PoolClosed))?;
        let (conn, opened) = loop {
            // Popped in a statement of its own: the lock is released before any await.
            let popped = self.lock().idle.pop();
            let Some(idle) = popped else { break (pool.acquire().await?, Instant::now()) };
            let mut conn = idle.conn;
            if !self.may_be_cut || (!idle.in_doubt && idle.since.elapsed() <= TRUSTED_IDLE) {
                break (conn, idle.opened);
            }
            match tokio::time::timeout(ACQUIRE_TIMEOUT, conn.ping()).await {
                Ok(Ok(())) => break (conn, idle.opened),
                _ => {
                    tracing::info!("a kept database connection did not answer a ping; replacing it");
                    conn.close_on_drop();
                }
            }
        };
        let failures = FAILURES.load(Ordering::Relaxed);
        Ok(Conn { conn: Some(conn), kept: self.clone(), _permit: permit, opened, failures })
    }

    /// Closes the kept connections; from now on connections go back to the pool.
    pub(super) async fn close(&self) {
        let idle = {
            let mut state = self.lock();
            state.closing = true;
            std::mem::take(&mut state.idle)
        };
        self.permits.close();
        for idle in idle {
            let _ = idle.conn.close().await;
        }
    }

    fn give_back(&self, conn: PoolConnection<Any>, opened: Instant, in_doubt: bool) {
        let mut state = self.lock();
        // Past its lifetime it goes back to sqlx's pool, which closes it.
        if !state.closing && opened.elapsed() < MAX_LIFETIME {
            // The most recently used first: its pages (or its server process) are the warmest.
            state.idle.push(Idle { conn, opened, since: Instant::now(), in_doubt });
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
    /// Where it goes back.
    kept: Arc<Kept>,
    /// Held until it is back (a field is dropped after `drop` ran).
    _permit: OwnedSemaphorePermit,
    /// When the connection was opened.
    opened: Instant,
    /// [`FAILURES`] when it was handed out.
    failures: u64,
}

impl Conn {
    /// Closes the connection instead of giving it back: its state is unknown.
    fn discard(mut self) {
        if let Some(mut conn) = self.conn.take() {
            conn.close_on_drop();
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.kept.give_back(conn, self.opened, FAILURES.load(Ordering::Relaxed) != self.failures);
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
        f.debug_struct("Conn").field("opened", &self.opened).finish_non_exhaustive()
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
