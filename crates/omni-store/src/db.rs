//! Connecting, configuring and migrating the database.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::sync::Arc;

use crate::batch::Value;
use crate::durable_log::DurableLog;
use crate::group_commit::GroupCommit;
use crate::inline_reads::{Cols, InlineReads};
use crate::native_writer::NativeWriter;
use crate::writer_thread::WriterThread;
use crate::{StoreError, WriteTx};
use sqlx::{AnyPool, ConnectOptions, Executor, Row};

/// Which database is behind the pool; decides the few dialect differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle shared by every repository. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: writers queue here, in order, without holding a
    /// pooled connection — instead of each taking a connection and polling SQLite's busy
    /// handler (which sleeps with back-off, starves readers of connections, and turned 8
    /// concurrent checkouts into second-long tails) — and writers queued together commit
    /// together. `None` on PostgreSQL (row locks, a transaction per writer).
    writer: Option<Arc<GroupCommit>>,
    /// SQLite: the thread write sections run on (see [`Store::write_section`]).
    writer_thread: Option<Arc<WriterThread>>,
    /// SQLite with a database file: readers used on the calling thread for the hot point
    /// reads (see `inline_reads.rs`).
    inline: Option<Arc<InlineReads>>,
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "customers",
        include_str!("../migrations/sqlite/0002_customers.sql"),
    ),
    (
        3,
        "inventory",
        include_str!("../migrations/sqlite/0003_inventory.sql"),
    ),
    (
        4,
        "catalog",
        include_str!("../migrations/sqlite/0004_catalog.sql"),
    ),
    (
        5,
        "offers",
        include_str!("../migrations/sqlite/0005_offers.sql"),
    ),
    (
        6,
        "read_paths",
        include_str!("../migrations/sqlite/0006_read_paths.sql"),
    ),
    (
        7,
        "orders",
        include_str!("../migrations/sqlite/0007_orders.sql"),
    ),
    (
        8,
        "engagement",
        include_str!("../migrations/sqlite/0008_engagement.sql"),
    ),
    (
        9,
        "triggers",
        include_str!("../migrations/sqlite/0009_triggers.sql"),
    ),
    (
        10,
        "analytics",
        include_str!("../migrations/sqlite/0010_analytics.sql"),
    ),
    (
        11,
        "hot_reads",
        include_str!("../migrations/sqlite/0011_hot_reads.sql"),
    ),
    (
        12,
        "segment_members_by_customer",
        include_str!("../migrations/sqlite/0012_segment_members_by_customer.sql"),
    ),
    (
        13,
        "birthdays_wishlists",
        include_str!("../migrations/sqlite/0013_birthdays_wishlists.sql"),
    ),
    (
        14,
        "movements_by_stock",
        include_str!("../migrations/sqlite/0014_movements_by_stock.sql"),
    ),
    (
        15,
        "wishlist_follows_merges",
        include_str!("../migrations/sqlite/0015_wishlist_follows_merges.sql"),
    ),
    (
        16,
        "product_pricing",
        include_str!("../migrations/sqlite/0016_product_pricing.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "customers",
        include_str!("../migrations/postgres/0002_customers.sql"),
    ),
    (
        3,
        "inventory",
        include_str!("../migrations/postgres/0003_inventory.sql"),
    ),
    (
        4,
        "catalog",
        include_str!("../migrations/postgres/0004_catalog.sql"),
    ),
    (
        5,
        "offers",
        include_str!("../migrations/postgres/0005_offers.sql"),
    ),
    (
        6,
        "read_paths",
        include_str!("../migrations/postgres/0006_read_paths.sql"),
    ),
    (
        7,
        "orders",
        include_str!("../migrations/postgres/0007_orders.sql"),
    ),
    (
        8,
        "engagement",
        include_str!("../migrations/postgres/0008_engagement.sql"),
    ),
    (
        9,
        "triggers",
        include_str!("../migrations/postgres/0009_triggers.sql"),
    ),
    (
        10,
        "analytics",
        include_str!("../migrations/postgres/0010_analytics.sql"),
    ),
    (
        11,
        "hot_reads",
        include_str!("../migrations/postgres/0011_hot_reads.sql"),
    ),
    (
        12,
        "segment_members_by_customer",
        include_str!("../migrations/postgres/0012_segment_members_by_customer.sql"),
    ),
    (
        13,
        "birthdays_wishlists",
        include_str!("../migrations/postgres/0013_birthdays_wishlists.sql"),
    ),
    (
        14,
        "movements_by_stock",
        include_str!("../migrations/postgres/0014_movements_by_stock.sql"),
    ),
    (
        15,
        "wishlist_follows_merges",
        include_str!("../migrations/postgres/0015_wishlist_follows_merges.sql"),
    ),
    (
        16,
        "product_pricing",
        include_str!("../migrations/postgres/0016_product_pricing.sql"),
    ),
];

impl Store {
    /// Connects to `url` (`sqlite://path`, `postgres://…`). SQLite files are created if
    /// missing and run in WAL mode with a busy timeout, so concurrent writers queue instead
    /// of failing; reads go through a memory map (no read syscall per page on hot paths).
    /// A commit is on disk before anyone is answered: the pool's with `synchronous = FULL`;
    /// the group commit's, on a connection of its own, by syncing the log once per batch of
    /// writers and outside the writer slot (`durable_log.rs`).
    /// `temp_store = FILE`: a statement journal inside a writer's savepoint spills to a file
    /// past 64 KiB; kept in memory, SQLite walks the whole of it at every statement, which
    /// made a large transaction inside a savepoint quadratic.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let mut options = AnyConnectOptions::from_str(url)?;
        // `OMNI_LOG_SQL=1` logs every statement (target `sqlx::query`, level debug) to see what
        // a request costs in round trips; off by default, it would drown the logs.
        if std::env::var_os("OMNI_LOG_SQL").is_none() {
            options = options.disable_statement_logging();
        } else {
            options = options.log_statements(log::LevelFilter::Debug);
        }
        let pool = match backend {
            Backend::Sqlite => sqlite_pool(8, SQLITE_PRAGMAS_FULL, options.clone()).await?,
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.clone())
                    .await?
            }
        };
        let writer_thread = match backend {
            Backend::Sqlite => Some(WriterThread::start().map_err(StoreError::corrupt)?),
            Backend::Postgres => None,
        };
        let writer = match (&writer_thread, sqlite_file(url)) {
            (None, _) => None,
            (Some(thread), Some(file)) => {
                // Two: one is free to begin the next batch while the last one's returns.
                // One connection: its page cache stays warm from one batch to the next.
                let writes = sqlite_pool(1, SQLITE_PRAGMAS_NORMAL, options).await?;
                let native = NativeWriter::open(&file)?;
                let log = DurableLog::new(Some(file));
                Some(GroupCommit::new(writes, Some(native), log, thread.clone()))
            }
            // An in-memory database is only shared by the pool's own connections.
            (Some(thread), None) => Some(GroupCommit::new(
                pool.clone(),
                None,
                DurableLog::new(None),
                thread.clone(),
            )),
        };
        let inline = match backend {
            Backend::Sqlite => InlineReads::for_url(url).map(Arc::new),
            Backend::Postgres => None,
        };
        Ok(Store {
            pool,
            backend,
            writer,
            writer_thread,
            inline,
        })
    }

    /// The SQLite URL for a data folder (`DIR/omni.db`), creating the folder.
    pub fn sqlite_url_for(data_dir: &std::path::Path) -> std::io::Result<String> {
        std::fs::create_dir_all(data_dir)?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("omni.db").display()
        ))
    }

    /// Applies the embedded migrations for this backend; safe to run on every start and from
    /// several nodes at once (the migrator takes a lock).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let source = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations = source
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    (*sql).into_sql(),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Every row of a short, indexed read (`$1…$n` bound to `args`), decoded: on SQLite on
    /// the calling thread (`inline_reads.rs`), on PostgreSQL through the pool. For the point
    /// reads every request repeats; scans go through [`Store::pool`].
    pub(crate) async fn hot_rows<T>(
        &self,
        sql: &str,
        args: Vec<Value>,
        decode: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match &self.inline {
            Some(inline) => inline.rows(sql, &args, decode),
            None => self.pool_rows(sql, args, decode).await,
        }
    }

    /// Every row of a scan (`$1…$n` bound to `args`), decoded: on SQLite by a reader of our
    /// own on a blocking thread, on PostgreSQL through the pool. Why: sqlx's SQLite driver
    /// hands every row from its connection's thread to the caller's task, one wake-up each,
    /// and the feed's followers read tens of thousands of rows a second under load; here the
    /// whole scan costs one hand-off.
    pub(crate) async fn scan_rows<T: Send + 'static>(
        &self,
        sql: impl Into<Cow<'static, str>>,
        args: Vec<Value>,
        decode: impl FnMut(&dyn Cols) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<Vec<T>, StoreError> {
        let sql = sql.into();
        match &self.inline {
            Some(inline) => {
                let inline = inline.clone();
                tokio::task::spawn_blocking(move || inline.rows(&sql, &args, decode))
                    .await
                    .map_err(|e| StoreError::Corrupt(format!("a scan stopped: {e}")))?
            }
            None => self.pool_rows(&sql, args, decode).await,
        }
    }

    async fn pool_rows<T>(
        &self,
        sql: &str,
        args: Vec<Value>,
        mut decode: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        for v in args {
            query = crate::batch::bind(query, v);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(|r| decode(r)).collect()
    }

    /// Runs one write statement on its own. Why: on SQLite every write goes through the
    /// single writer's queue, so the writer's connection is the only one that ever writes —
    /// a write from another connection would make it wait for the lock and drop its page
    /// cache — and joins the checkouts' shared commit; on PostgreSQL it runs on the pool.
    pub(crate) async fn write_alone(&self, stmt: crate::batch::Stmt) -> Result<(), StoreError> {
        if self.writer.is_some() {
            let mut tx = self.write().await?;
            tx.defer(stmt).await?;
            return tx.commit().await;
        }
        let mut conn = self.pool.acquire().await?;
        crate::batch::run(&mut conn, vec![stmt]).await?;
        Ok(())
    }

    /// The one row of a short, indexed read, if any (see [`Store::hot_rows`]).
    pub(crate) async fn hot_row<T>(
        &self,
        sql: &str,
        args: Vec<Value>,
        decode: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.hot_rows(sql, args, decode).await?.into_iter().next())
    }

    /// Copies committed pages from SQLite's write-ahead log into the database without
    /// blocking writers (`PASSIVE`). Why: left to SQLite, the commit that fills the log past
    /// 1,000 pages runs the checkpoint — and its fsync — inside the single writer's turn,
    /// where every checkout waits for it; a server calls this every few tens of milliseconds
    /// from the side so commits rarely find a full log. Nothing to do on PostgreSQL.
    pub async fn checkpoint_wal(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_optional(&self.pool)
                .await?;
            // The log's pages and how many of them are copied: a log that only grows shows here.
            if let Some(row) = row {
                let (log, copied): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
                metrics::gauge!("store_wal_pages").set(log as f64);
                metrics::gauge!("store_wal_pages_copied").set(copied as f64);
            }
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it joins the group commit, whose shared
    /// transaction takes the write lock up front (`BEGIN IMMEDIATE`) so read-then-write
    /// sequences cannot fail half-way with SQLITE_BUSY; the writer takes its turn only when
    /// its first statement must reach the database (see [`WriteTx`]).
    pub async fn write(&self) -> Result<WriteTx, StoreError> {
        match &self.writer {
            Some(group) => Ok(WriteTx::shared(group.clone())),
            None => Ok(WriteTx::own(self.pool.begin().await?, self.backend)),
        }
    }

    /// Runs a write section — from [`Store::write`] to its commit — where it waits least for
    /// its turn between statements: on SQLite on the writer thread (every other writer
    /// waits for this one; see `writer_thread.rs`), where it runs to its end even if the
    /// caller stops waiting; on PostgreSQL in place.
    pub async fn write_section<F, T>(&self, section: F) -> Result<T, StoreError>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.writer_thread {
            Some(thread) => thread.run(section).await,
            None => Ok(section.await),
        }
    }

    /// SQLite's group commit: how many shared transactions have committed, and how many of
    /// them are known to be on disk (`durable_log.rs`); `None` on PostgreSQL. For tests of
    /// the rule that nobody is answered before their commit is on disk.
    #[doc(hidden)]
    pub fn log_position(&self) -> Option<(u64, u64)> {
        self.writer.as_ref().map(|w| w.log_position())
    }

    /// Readiness probe: one round trip.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The database file of a `sqlite:` URL; `None` for an in-memory database (or another
/// backend), which has no file to open beside the pool and no log to sync.
pub(crate) fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || rest.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// Every SQLite connection's settings, with `synchronous = FULL`: a commit is on disk when
/// it returns. For the pool's own writes (migrations, delivery marks, erasure).
const SQLITE_PRAGMAS_FULL: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
     PRAGMA temp_store = FILE; PRAGMA cache_size = -32768; PRAGMA mmap_size = 1073741824;";

/// The group commit's settings: the same, but a commit returns once it is in the log and
/// `durable_log.rs` syncs the log before any writer is answered; and a commit runs a
/// checkpoint only once the log passes 10,000 pages (~40 MB), not SQLite's 1,000. Such a
/// checkpoint runs inside the writer slot. The server checkpoints from the side
/// ([`Store::checkpoint_wal`]) and copies most of the log, but under a steady stream of
/// writers the log never ends fully copied between two batches, and only then can it start
/// over. So the writer's own checkpoint is what bounds the log's size: at 1,000 pages it
/// cost a sixth of the checkout throughput; without it the log grew by 130 MB a second.
const SQLITE_PRAGMAS_NORMAL: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
     PRAGMA temp_store = FILE; PRAGMA cache_size = -32768; PRAGMA mmap_size = 1073741824; \
     PRAGMA wal_autocheckpoint = 10000;";

/// A pool of up to `size` SQLite connections, each set up with `pragmas`.
async fn sqlite_pool(
    size: u32,
    pragmas: &'static str,
    options: AnyConnectOptions,
) -> Result<AnyPool, StoreError> {
    Ok(AnyPoolOptions::new()
        .max_connections(size)
        // A connection to a local file does not go stale: the ping sqlx sends before lending
        // one out would be a hand-off to its thread per read.
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(pragmas).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

trait IntoSqlStr {
    fn into_sql(self) -> sqlx::SqlStr;
}

impl IntoSqlStr for &'static str {
    fn into_sql(self) -> sqlx::SqlStr {
        sqlx::SqlSafeStr::into_sql_str(self)
    }
}
