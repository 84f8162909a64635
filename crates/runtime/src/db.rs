//! One database per service, on SQLite (embedded) or PostgreSQL (production).
//!
//! Queries are written once, in the SQL both backends share (`$1` placeholders, `ON CONFLICT`,
//! `RETURNING`), and run through sqlx's `Any` driver; only migrations differ per backend.
//! Integers are `BIGINT`/`INTEGER` (always `i64` in Rust), timestamps are RFC 3339 text,
//! JSON documents are text.

mod connection;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor as _};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{Mutex, OwnedMutexGuard};

use connection::{ACQUIRE_TIMEOUT, Kept};
pub use connection::{Conn, Tx, Write};

/// Which database engine is behind a [`Db`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded: one SQLite file per service, WAL mode, `synchronous=FULL`.
    Sqlite,
    /// Production: one PostgreSQL database per service.
    Postgres,
}

/// A service's migrations, one set per backend.
#[derive(Debug)]
pub struct Migrations {
    /// `migrations/sqlite`.
    pub sqlite: &'static Migrator,
    /// `migrations/postgres`.
    pub postgres: &'static Migrator,
}

/// A database failure, classified for the caller.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database could not be reached or the pool is exhausted: worth a 503.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// A statement failed.
    #[error("database statement failed")]
    Query(#[source] sqlx::Error),
    /// Migrations could not be applied.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names no supported backend.
    #[error("unsupported database url (expected sqlite:// or postgres://)")]
    Url,
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        connection::note_failure(&err);
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                DbError::Unavailable(err)
            }
            other => DbError::Query(other),
        }
    }
}

/// `$first, $first+1, …`: `count` placeholders, for an `IN (…)` list.
///
/// Only placeholders are ever formatted into a statement's text; the values are bound.
pub fn placeholders(first: usize, count: usize) -> String {
    let mut text = String::with_capacity(count * 5);
    for i in first..first + count {
        if i > first {
            text.push_str(", ");
        }
        text.push('$');
        text.push_str(&i.to_string());
    }
    text
}

/// The `VALUES` list of a multi-row insert: `rows` tuples, each `$1 … $shared` (values bound
/// once and shared by every row) followed by `per_row` placeholders of its own, numbered on
/// from `shared + 1` row after row.
///
/// `values(1, 2, 2)` is `($1, $2, $3), ($1, $4, $5)`: bind the shared values first, then each
/// row's in row order.
pub fn values(shared: usize, per_row: usize, rows: usize) -> String {
    let shared_part = placeholders(1, shared);
    let mut text = String::with_capacity(rows * (shared_part.len() + per_row * 6 + 4));
    for row in 0..rows {
        if row > 0 {
            text.push_str(", ");
        }
        text.push('(');
        text.push_str(&shared_part);
        if shared > 0 && per_row > 0 {
            text.push_str(", ");
        }
        text.push_str(&placeholders(shared + 1 + row * per_row, per_row));
        text.push(')');
    }
    text
}

impl DbError {
    /// A stored value that does not decode into its domain type (a corrupt or foreign row).
    pub fn decode(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        DbError::Query(sqlx::Error::Decode(Box::new(err)))
    }

    /// The problem a request answers with when its database failed: 503 while the database
    /// is unreachable, 409 when a concurrent write won a uniqueness race, else 500. Pure: the
    /// caller logs.
    pub fn to_problem(&self, service: &str) -> crate::http::Problem {
        match self {
            DbError::Unavailable(_) => {
                crate::http::Problem::unavailable(format!("The {service} database is unavailable."), 2)
            }
            _ if self.is_unique_violation() => {
                crate::http::Problem::conflict("conflict", "A concurrent change conflicts with this one; retry.")
            }
            _ => crate::http::Problem::internal(),
        }
    }

    /// Whether this is a unique-constraint violation, optionally on a named constraint/index.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Query(sqlx::Error::Database(db)) => db.is_unique_violation(),
            _ => false,
        }
    }

    /// Whether this is SQLite's "busy"/"locked" or PostgreSQL's serialization failure:
    /// the transaction can be retried as a whole.
    pub fn is_contention(&self) -> bool {
        match self {
            DbError::Query(sqlx::Error::Database(db)) => {
                let code = db.code().unwrap_or_default();
                matches!(code.as_ref(), "5" | "6" | "517" | "40001" | "40P01")
            }
            _ => false,
        }
    }
}

/// The calling service's [`Migrations`], from its `migrations/sqlite` and
/// `migrations/postgres` directories (embedded at compile time).
#[macro_export]
macro_rules! migrations {
    () => {{
        static SQLITE: ::sqlx::migrate::Migrator = ::sqlx::migrate!("./migrations/sqlite");
        static POSTGRES: ::sqlx::migrate::Migrator = ::sqlx::migrate!("./migrations/postgres");
        $crate::db::Migrations { sqlite: &SQLITE, postgres: &POSTGRES }
    }};
}

/// A pool on one service's database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time, and a writer that finds the lock taken sleeps and
    /// retries (1, 2, 5 … 100 ms), so the lock sits idle while waiters sleep and the unlucky
    /// ones wait longest. Writers of one process take turns here instead, first come first
    /// served and woken the moment the turn is free; only other processes (replicas) still
    /// meet SQLite's busy wait.
    write_turn: Arc<Mutex<()>>,
    /// The connections between uses (`connection`'s documentation says why).
    kept: Arc<Kept>,
}

/// How long a writer waits for its turn, as long as SQLite's own `busy_timeout`.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

const RUNTIME_SQLITE: &str = include_str!("../schema/sqlite.sql");
const RUNTIME_POSTGRES: &str = include_str!("../schema/postgres.sql");

impl Db {
    /// Connects, applies the runtime's tables and the service's migrations.
    pub async fn connect(url: &str, max_connections: u32, migrations: &Migrations) -> Result<Self, DbError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::Url);
        };
        if backend == Backend::Sqlite
            && let Some(parent) = sqlite_path(url).and_then(|p| std::path::Path::new(p).parent().map(ToOwned::to_owned))
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&parent).map_err(|e| DbError::Unavailable(sqlx::Error::Io(e)))?;
        }
        let options: AnyConnectOptions = url.parse().map_err(|_| DbError::Url)?;
        let mut pool_options = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // The pool only opens connections: between uses they are kept, and pinged when in
            // doubt, by `Kept`.
            .test_before_acquire(false);
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer and several processes (replicas)
                    // share the file; FULL makes every commit survive a power loss.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options.connect_with(options).await?;
        let kept = Arc::new(Kept::new(max_connections.max(1), backend == Backend::Postgres));
        let db = Db { pool, backend, write_turn: Arc::new(Mutex::new(())), kept };
        db.migrate(migrations).await?;
        Ok(db)
    }

    async fn migrate(&self, migrations: &Migrations) -> Result<(), DbError> {
        let (runtime_schema, migrator) = match self.backend {
            Backend::Sqlite => (RUNTIME_SQLITE, migrations.sqlite),
            Backend::Postgres => (RUNTIME_POSTGRES, migrations.postgres),
        };
        // Replicas of one service start together and share the database; a failed attempt
        // (another process won the race) is retried and then finds the work done.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = async {
                let mut tx = self.begin().await?;
                if self.backend == Backend::Postgres {
                    tx.execute("SELECT pg_advisory_xact_lock(72431)").await?;
                }
                for statement in runtime_schema.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    tx.execute(statement).await?;
                }
                tx.commit().await?;
                migrator.run(&mut *self.acquire().await?).await?;
                Ok::<_, DbError>(())
            }
            .await;
            match result {
                Ok(()) => return Ok(()),
                Err(err) if attempt < 5 => {
                    tracing::warn!(error = %err, attempt, "migration attempt failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Begins a write transaction. On SQLite it waits for this process's turn to write, then
    /// takes the write lock up front (`BEGIN IMMEDIATE`), so that it waits for other writers
    /// instead of failing midway. A task must not begin a second transaction while it holds
    /// one: on SQLite that waits for itself (and fails after 10 s).
    pub async fn begin(&self) -> Result<Tx, DbError> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.turn().await?;
                Tx::begin(self.acquire().await?, Some(turn), "BEGIN IMMEDIATE").await
            }
            Backend::Postgres => Tx::begin(self.acquire().await?, None, "BEGIN").await,
        }
    }

    /// A connection for single-statement writes, which commit by themselves; on SQLite it
    /// holds this process's turn to write as a transaction does. Hold it only for the write.
    pub async fn write(&self) -> Result<Write, DbError> {
        let turn = match self.backend {
            Backend::Sqlite => Some(self.turn().await?),
            Backend::Postgres => None,
        };
        Ok(Write::new(self.acquire().await?, turn))
    }

    /// This process's turn to write to SQLite.
    async fn turn(&self) -> Result<OwnedMutexGuard<()>, DbError> {
        tokio::time::timeout(WRITE_TURN_TIMEOUT, self.write_turn.clone().lock_owned())
            .await
            .map_err(|_| DbError::Unavailable(sqlx::Error::PoolTimedOut))
    }

    /// Begins a transaction for reads that must agree with each other. It takes no turn to
    /// write (on SQLite a plain deferred `BEGIN`), so it must not write.
    pub async fn begin_read(&self) -> Result<Tx, DbError> {
        Tx::begin(self.acquire().await?, None, "BEGIN").await
    }

    /// A connection for reads outside a transaction.
    pub async fn acquire(&self) -> Result<Conn, DbError> {
        self.kept.acquire(&self.pool).await
    }

    /// The backend behind this pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&mut *self.acquire().await?).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.kept.close().await;
        self.pool.close().await;
    }
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Formats a timestamp the way every table stores it: RFC 3339, UTC, microseconds, so that
/// text order is time order.
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// The current time as stored.
pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

/// Parses a stored timestamp.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Milliseconds since the Unix epoch, for lease expiry arithmetic.
pub fn epoch_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A database in a new temporary SQLite file, with no migrations, for the runtime's own tests.
#[cfg(test)]
pub(crate) struct TemporarySqlite {
    /// The database.
    pub db: Db,
    path: std::path::PathBuf,
}

#[cfg(test)]
impl TemporarySqlite {
    /// Creates a file whose name starts with `name`, opened with at most `connections`.
    pub(crate) async fn open(name: &str, connections: u32) -> Self {
        static NO_MIGRATIONS: Migrator = Migrator::DEFAULT;
        // Run alone (a filtered `cargo test`), no other test has installed the drivers.
        crate::init_process();
        let path = std::env::temp_dir().join(format!("mercato-{name}-{}.db", uuid::Uuid::now_v7().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = Db::connect(&url, connections, &Migrations { sqlite: &NO_MIGRATIONS, postgres: &NO_MIGRATIONS })
            .await
            .expect("a temporary SQLite database opens");
        Self { db, path }
    }

    /// Closes the database and removes its file, with its WAL and shared-memory files.
    pub(crate) async fn remove(self) {
        self.db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection as _;

    #[test]
    fn placeholders_number_on_from_the_first() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 1), "$1");
        assert_eq!(placeholders(7, 0), "");
    }

    #[test]
    fn values_share_the_leading_placeholders_and_number_each_rows_own_on() {
        assert_eq!(values(1, 2, 2), "($1, $2, $3), ($1, $4, $5)");
        assert_eq!(values(0, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(values(2, 1, 3), "($1, $2, $3), ($1, $2, $4), ($1, $2, $5)");
        assert_eq!(values(2, 0, 1), "($1, $2)");
    }

    #[test]
    fn timestamps_sort_as_text_and_round_trip() {
        let a = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid");
        let b = a + time::Duration::microseconds(5);
        assert!(timestamp(a) < timestamp(b));
        assert_eq!(parse_timestamp(&timestamp(b)), Some(b));
        assert_eq!(timestamp(a), "2023-11-14T22:13:20.000000Z");
    }

    async fn count(executor: &mut sqlx::AnyConnection) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(executor).await.expect("counted")
    }

    #[tokio::test]
    async fn writers_of_one_process_take_turns_and_readers_do_not_wait_for_them() {
        let temporary = TemporarySqlite::open("db", 4).await;
        let db = temporary.db.clone();
        let mut setup = db.begin().await.expect("begins");
        setup.execute("CREATE TABLE t (n INTEGER NOT NULL)").await.expect("created");
        setup.commit().await.expect("committed");

        let mut first = db.begin().await.expect("begins");
        first.execute("INSERT INTO t (n) VALUES (1)").await.expect("inserted");
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let mut tx = db.begin().await.expect("begins");
                let seen = count(&mut tx).await;
                tx.execute("INSERT INTO t (n) VALUES (2)").await.expect("inserted");
                tx.commit().await.expect("committed");
                seen
            }
        });
        // A reader goes ahead of the waiting writer and sees only what is committed.
        let mut reader = db.acquire().await.expect("acquired");
        assert_eq!(count(&mut reader).await, 0);
        let mut snapshot = db.begin_read().await.expect("begins");
        assert_eq!(count(&mut snapshot).await, 0);
        drop(snapshot);
        assert!(!second.is_finished(), "the second writer waits for the first");
        first.commit().await.expect("committed");
        let seen = tokio::time::timeout(Duration::from_secs(10), second).await.expect("in time").expect("joined");
        assert_eq!(seen, 1, "the second writer began after the first committed");

        // A transaction dropped without a commit gives the turn back, and writes nothing.
        let mut abandoned = db.begin().await.expect("begins");
        abandoned.execute("INSERT INTO t (n) VALUES (3)").await.expect("inserted");
        drop(abandoned);
        let mut next =
            tokio::time::timeout(Duration::from_secs(10), db.begin()).await.expect("in time").expect("begins");
        assert_eq!(count(&mut next).await, 2);
        next.rollback().await.expect("rolled back");
        drop(reader);
        temporary.remove().await;
    }

    #[tokio::test]
    async fn sqlite_connections_are_kept_between_uses_and_shared_by_more_tasks_than_there_are() {
        let temporary = TemporarySqlite::open("kept", 2).await;
        let db = temporary.db.clone();
        let mut setup = db.begin().await.expect("begins");
        setup.execute("CREATE TABLE t (n INTEGER NOT NULL)").await.expect("created");
        setup.commit().await.expect("committed");

        // Twenty tasks on two connections: each waits for one to be given back, never for the
        // pool's timeout.
        let tasks: Vec<_> = (0..20_i64)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut conn = db.acquire().await.expect("acquired");
                    count(&mut conn).await;
                    drop(conn);
                    let mut tx = db.begin().await.expect("begins");
                    sqlx::query("INSERT INTO t (n) VALUES ($1)").bind(n).execute(&mut *tx).await.expect("inserted");
                    tx.commit().await.expect("committed");
                })
            })
            .collect();
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(10), task).await.expect("in time").expect("joined");
        }
        assert!(db.pool.size() <= 2, "{} connections", db.pool.size());
        // Given back to the process, not to sqlx's pool (which would ping each one).
        assert_eq!(db.pool.num_idle(), 0);
        let mut conn = db.acquire().await.expect("acquired");
        assert_eq!(count(&mut conn).await, 20);
        drop(conn);
        // Closing does not wait for the connections the process keeps.
        tokio::time::timeout(Duration::from_secs(10), temporary.remove()).await.expect("closed in time");
    }

    /// The PostgreSQL server process behind `conn`.
    async fn backend(conn: &mut sqlx::AnyConnection) -> Result<i32, sqlx::Error> {
        sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(conn).await
    }

    #[tokio::test]
    async fn a_postgresql_connection_that_failed_is_replaced_before_its_next_use() {
        if !crate::testing::backend_is_postgres() {
            // Only PostgreSQL's connections can be cut from outside; the PostgreSQL suite
            // (`MERCATO_TEST_BACKEND=postgres`) runs this test.
            return;
        }
        static NO_MIGRATIONS: Migrator = Migrator::DEFAULT;
        let database = crate::testing::TestDatabase::new("kept").await;
        let db = Db::connect(&database.url, 1, &Migrations { sqlite: &NO_MIGRATIONS, postgres: &NO_MIGRATIONS })
            .await
            .expect("connects");
        let first = backend(&mut db.acquire().await.expect("acquired")).await.expect("asked");
        // Kept by the process, not given back to sqlx's pool (which would ping it).
        assert_eq!((db.pool.size(), db.pool.num_idle()), (1, 0));
        assert_eq!(backend(&mut db.acquire().await.expect("acquired")).await.expect("asked"), first);

        // The server ends the connection while a request holds it: the request's statement fails.
        let mut held = db.acquire().await.expect("acquired");
        let mut admin = sqlx::PgConnection::connect(&database.url).await.expect("PostgreSQL reachable");
        // With a timeout, PostgreSQL (14+) answers once the backend has actually ended.
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1, 10000)")
            .bind(first)
            .fetch_one(&mut admin)
            .await
            .expect("terminated");
        assert!(ended, "the backend did not end");
        let failed = sqlx::query("SELECT 1").execute(&mut *held).await.map_err(DbError::from);
        assert!(failed.is_err(), "a statement on the cut connection fails");
        drop(held);

        // At once, well within the second an idle connection is trusted for: the next request
        // gets a live connection, since the failure put the kept one in doubt.
        let second = backend(&mut db.acquire().await.expect("acquired")).await.expect("asked on a new connection");
        assert_ne!(second, first);
        let _ = admin.close().await;
        db.close().await;
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://data/x.db?mode=rwc"), Some("data/x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
