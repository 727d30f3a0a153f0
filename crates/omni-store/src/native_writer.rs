//! SQLite's writer connection of our own, used on the writer thread.
//!
//! Why: sqlx runs each SQLite connection on a thread of its own, so every hand-off of
//! statements is two thread wake-ups, and its statement cache keys a batch of statements by
//! their whole text, which differs from batch to batch. The writes that go whole with their
//! commit (`GroupCommit::commit_at_once`) — nearly every checkout — run here instead: on the
//! writer thread itself, one statement after another, each prepared once per connection,
//! many writers per turn with no wake-up between them.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;
use crate::batch::{self, Stmt};

/// The group commit's settings (see `db.rs`): a commit returns once it is in the log, which
/// the group commit syncs outside the writer's turn.
///
/// The writer's page cache is 8 MiB, not the readers' 32: when a B-tree page splits, SQLite
/// parks a page at the number just past the first GiB for a moment, and every commit after
/// that walks the whole cache to drop pages past the end of a smaller file. At 32 MiB that
/// walk was a tenth of the writer's time; at 0.5, 2 and 8 MiB checkouts ran 6 % faster alike
/// (the pages it reads come from the memory map).
const WRITER_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
     PRAGMA temp_store = FILE; PRAGMA cache_size = -8192; PRAGMA mmap_size = 1073741824; \
     PRAGMA wal_autocheckpoint = 10000;";

/// Statements kept prepared: a checkout's are about twenty texts, other writes' a few each.
const PREPARED: usize = 256;

/// The writer's connection. Only the holder of the writer slot uses it.
#[derive(Debug)]
pub(crate) struct NativeWriter {
    conn: Mutex<Connection>,
}

impl NativeWriter {
    /// Opens the database file `path` for writing.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.execute_batch(WRITER_PRAGMAS)?;
        conn.set_prepared_statement_cache_capacity(PREPARED);
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Corrupt("the writer connection is poisoned".into()))?;
        f(&conn)
    }

    /// Opens a shared transaction, taking the write lock at once.
    pub(crate) fn begin(&self) -> Result<(), StoreError> {
        self.with(|c| Ok(c.execute_batch("BEGIN IMMEDIATE")?))
    }

    /// Commits the shared transaction into the log.
    pub(crate) fn commit(&self) -> Result<(), StoreError> {
        self.with(|c| Ok(c.execute_batch("COMMIT")?))
    }

    /// Rolls the shared transaction back, if one is open.
    pub(crate) fn rollback(&self) -> Result<(), StoreError> {
        self.with(|c| match c.is_autocommit() {
            true => Ok(()),
            false => Ok(c.execute_batch("ROLLBACK")?),
        })
    }

    /// Runs one writer's statements in a savepoint of its own in the open transaction: all
    /// of them, or — the first failure is returned — none. `Err(Ok(e))`: the write failed
    /// and was undone; `Err(Err(e))`: undoing it failed too, and the transaction is lost.
    pub(crate) fn run_alone(&self, stmts: &[Stmt]) -> Result<(), Result<StoreError, StoreError>> {
        self.with(|c| {
            c.execute_batch("SAVEPOINT w")?;
            Ok(match batch::run_native(c, stmts) {
                Ok(()) => c
                    .execute_batch("RELEASE SAVEPOINT w")
                    .map_err(|e| Err(e.into())),
                Err(e) => match c.execute_batch("ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w") {
                    Ok(()) => Err(Ok(e)),
                    Err(undo) => Err(Err(undo.into())),
                },
            })
        })
        .map_err(Err)?
    }
}
