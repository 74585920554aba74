//! Storage: one diesel schema over SQLite (embedded default) and PostgreSQL.
//!
//! All SQL lives below this module. Async callers reach the database through
//! [`Db::run`] and [`Db::transaction`], the one bridge to the blocking thread
//! pool; background threads use [`Db::transaction_here`]. Nothing here knows
//! of HTTP: errors are [`DbError`], which front doors map.

pub mod alerts;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod batches;
pub mod certifications;
pub mod codes;
pub mod console_sessions;
pub mod counterfeit_reports;
pub mod epcis;
pub mod error;
pub mod events;
pub mod organizations;
pub mod products;
pub mod registry;
pub mod scan_months;
pub mod scan_writer;
pub mod scans;
pub mod schema;
pub mod sites;
pub mod webhooks;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use error::{DbError, stored_enum, stored_uuid};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries are written once against this type;
/// where a query can't be, match on the variant in one place.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

/// Which database a URL names. Chosen from the scheme ourselves: the derived
/// `MultiConnection::establish` would let SQLite accept any string as a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    Sqlite { path: String },
    Postgres { url: String },
}

impl DbTarget {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres {
                url: url.to_owned(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(format!(
                "unsupported database URL (use sqlite://path or postgres://…): {}",
                redact_url(url)
            ));
        }
        if path == ":memory:" {
            return Err(
                "an in-memory SQLite database can't be shared by a pool; use a file".into(),
            );
        }
        Ok(Self::Sqlite {
            path: path.to_owned(),
        })
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// Now, in UTC, to the microsecond: PostgreSQL keeps no more, so both
/// backends answer the same value that was written.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// A LIKE pattern matching `text` anywhere, its wildcards escaped with a backslash.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A URL with its password hidden, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Bytes of memory SQLite aims to stay under, for all its connections.
const SQLITE_MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

fn open_sqlite(path: &str) -> ConnectionResult<diesel::SqliteConnection> {
    let mut conn = diesel::SqliteConnection::establish(path)?;
    // busy_timeout must come before journal_mode: the pool opens connections at
    // once and WAL switching takes a lock. NORMAL is durable against process
    // crashes in WAL mode. Each connection may cache 32 MiB of pages, but
    // all of SQLite's memory in the process is held to SQLITE_MEMORY_LIMIT
    // (a soft limit: pages least recently used, of any connection, go
    // first), so a dozen connections appending scans cannot each keep
    // 32 MiB of pages they wrote once.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = 5000;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA cache_size = -32768;
         PRAGMA soft_heap_limit = {SQLITE_MEMORY_LIMIT};
         PRAGMA foreign_keys = ON;"
    ))
    .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

pub fn establish(target: &DbTarget) -> ConnectionResult<DbConnection> {
    match target {
        DbTarget::Sqlite { path } => open_sqlite(path).map(DbConnection::Sqlite),
        DbTarget::Postgres { url } => diesel::PgConnection::establish(url).map(DbConnection::Pg),
    }
}

pub struct ConnectionManager {
    target: DbTarget,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        establish(&self.target).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, String> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    };
    applied
        .map(|versions| versions.len())
        .map_err(|e| format!("migration failed: {e}"))
}

/// The application's handle on the database: a pool plus what it points at.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    /// Shared: a `Db` is cloned for every piece of blocking work.
    target: std::sync::Arc<DbTarget>,
    /// Names this database's connections kept by event-loop threads
    /// ([`Db::sqlite_here`]); shared by clones.
    id: u64,
    /// SQLite allows one writer; taking turns here, before BEGIN, avoids the
    /// "database is locked" a deferred transaction gets when it upgrades its
    /// read lock while another connection writes.
    sqlite_writer: std::sync::Arc<std::sync::Mutex<()>>,
}

impl Db {
    /// Open the pool (creating the SQLite file and its folder if needed).
    pub fn connect(url: &str, max_size: u32) -> Result<Self, String> {
        let target = DbTarget::parse(url)?;
        let max_size = match &target {
            DbTarget::Sqlite { path } => {
                ensure_parent_dir(path)
                    .map_err(|e| format!("can't create the folder for {path}: {e}"))?;
                // Writes are serial in SQLite; a few readers are all that helps.
                max_size.min(8)
            }
            DbTarget::Postgres { .. } => max_size,
        };
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(ConnectionManager {
                target: target.clone(),
            })
            .map_err(|e| {
                format!(
                    "can't connect to the database ({}): {e}",
                    target.backend_name()
                )
            })?;
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Ok(Self {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            pool,
            target: std::sync::Arc::new(target),
            sqlite_writer: Default::default(),
        })
    }

    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    pub fn get(&self) -> Result<PooledConnection<ConnectionManager>, DbError> {
        Ok(crate::monitoring::waiting_for_connection(|| {
            self.pool.get()
        })?)
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_state(&self) -> r2d2::State {
        self.pool.state()
    }

    pub fn pool_max_size(&self) -> u32 {
        self.pool.max_size()
    }

    pub fn migrate(&self) -> Result<usize, String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        run_migrations(&mut conn)
    }

    /// Run blocking database work on the runtime's blocking pool: the one
    /// bridge from async code to the database.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn =
                crate::monitoring::waiting_for_connection(|| pool.get()).map_err(DbError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Interrupted(e.to_string())))?
    }

    /// Short SQLite work right here, on a connection the calling thread
    /// keeps: for the scan's point reads and group commits, which cost less
    /// than a hop to the blocking pool and back (two thread switches). None
    /// on PostgreSQL, where every query is a network round trip: use
    /// [`Db::run`]. Never for work that may wait on SQLite's write turn.
    /// These connections never checkpoint the WAL: whoever commits through
    /// them must see that [`Db::checkpoint_sqlite`] runs elsewhere.
    pub fn sqlite_here<T, E: From<DbError>>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        thread_local! {
            static KEPT: std::cell::RefCell<std::collections::HashMap<u64, DbConnection>> =
                std::cell::RefCell::new(std::collections::HashMap::new());
        }
        if !matches!(*self.target, DbTarget::Sqlite { .. }) {
            return None;
        }
        let outcome = KEPT.with(|kept| {
            let mut kept = kept.borrow_mut();
            let conn = match kept.entry(self.id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let mut conn = establish(&self.target).map_err(DbError::from)?;
                    // A checkpoint copies pages and syncs the disk: not on an
                    // event loop. The scan writer thread runs them instead.
                    conn.batch_execute("PRAGMA wal_autocheckpoint = 0")
                        .map_err(DbError::from)?;
                    e.insert(conn)
                }
            };
            let outcome = work(conn);
            if outcome.is_err() {
                // Whatever went wrong, the next call starts on a new connection.
                kept.remove(&self.id);
            }
            outcome
        });
        Some(outcome)
    }

    /// Copy the WAL's committed pages into the database file, holding the
    /// write turn so that no commit appends meanwhile and the WAL can start
    /// over afterwards. Blocking (it syncs the disk): for a background thread.
    pub fn checkpoint_sqlite(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        let _turn = self.sqlite_write_turn(conn);
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")?;
        }
        Ok(())
    }

    /// Run blocking work inside one transaction: all of it or none of it.
    /// Caches of what was written are told by the caller (the services'
    /// registry notifier), not here.
    pub async fn transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let db = self.clone();
        self.run(move |conn| {
            let _turn = db.sqlite_write_turn(conn);
            conn.transaction(work)
        })
        .await
    }

    /// A transaction on the calling thread, for background work that owns its
    /// thread (the webhook sender, the sweepers).
    pub fn transaction_here<T, E>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
    {
        let mut pooled = self.get()?;
        let conn: &mut DbConnection = &mut pooled;
        let _turn = self.sqlite_write_turn(conn);
        conn.transaction(work)
    }

    /// On SQLite, wait for the single writer's turn (held until dropped).
    pub fn sqlite_write_turn(&self, conn: &DbConnection) -> Option<std::sync::MutexGuard<'_, ()>> {
        match conn {
            DbConnection::Sqlite(_) => Some(
                self.sqlite_writer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            ),
            DbConnection::Pg(_) => None,
        }
    }

    /// SQLite's single writer's turn if no one holds it now (None when taken,
    /// or on PostgreSQL): for work that must not wait on an event loop.
    pub fn try_sqlite_write_turn(&self) -> Option<std::sync::MutexGuard<'_, ()>> {
        match *self.target {
            DbTarget::Sqlite { .. } => match self.sqlite_writer.try_lock() {
                Ok(turn) => Some(turn),
                Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            },
            DbTarget::Postgres { .. } => None,
        }
    }

    /// Is the database reachable right now? Used by `/readyz`.
    ///
    /// Asked on a connection opened afresh, not one from the pool: a pooled
    /// SQLite connection keeps a deleted file alive (so the file is opened
    /// without permission to create it), and after a PostgreSQL outage the
    /// pool backs off its reconnects (up to half its connection timeout), so
    /// a checkout could still say "down" seconds after the database is back.
    pub async fn check_ready(&self) -> Result<(), String> {
        let target = self.target.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = match &*target {
                DbTarget::Sqlite { path } => DbConnection::Sqlite(
                    diesel::SqliteConnection::establish(&format!("file:{path}?mode=rw"))
                        .map_err(|e| e.to_string())?,
                ),
                DbTarget::Postgres { .. } => establish(&target).map_err(|e| e.to_string())?,
            };
            conn.batch_execute("SELECT count(*) FROM __diesel_schema_migrations")
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.target.backend_name())
            .finish()
    }
}

/// Create the folder a file will live in.
pub fn ensure_parent_dir(path: &str) -> std::io::Result<()> {
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_memory_is_bounded_for_the_whole_process() {
        #[derive(diesel::QueryableByName)]
        struct Limit {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            soft_heap_limit: i64,
        }
        let dir = std::env::temp_dir().join(format!("ocop-limit-{}", std::process::id()));
        let path = dir.join("x.sqlite");
        ensure_parent_dir(&path.to_string_lossy()).expect("dir");
        let mut conn = open_sqlite(&path.to_string_lossy()).expect("open");
        let limit: Limit = diesel::sql_query("PRAGMA soft_heap_limit")
            .get_result(&mut conn)
            .expect("pragma");
        assert_eq!(
            u64::try_from(limit.soft_heap_limit),
            Ok(SQLITE_MEMORY_LIMIT)
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn picks_backend_from_scheme() {
        assert_eq!(
            DbTarget::parse("sqlite://data/x.sqlite"),
            Ok(DbTarget::Sqlite {
                path: "data/x.sqlite".into()
            })
        );
        assert_eq!(
            DbTarget::parse("sqlite:///tmp/x.sqlite"),
            Ok(DbTarget::Sqlite {
                path: "/tmp/x.sqlite".into()
            })
        );
        assert!(matches!(
            DbTarget::parse("postgres://u:p@h/db"),
            Ok(DbTarget::Postgres { .. })
        ));
        assert!(DbTarget::parse("mysql://h/db").is_err());
        assert!(DbTarget::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("sqlite://data/x"), "sqlite://data/x");
    }
}
