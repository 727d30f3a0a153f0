//! SQLite reads run on the calling thread.
//!
//! Why: sqlx runs each SQLite connection on a thread of its own, and every read is a hand-off
//! to that thread and back — two thread wake-ups that cost several times the read itself (a
//! primary-key lookup takes a few microseconds; the wake-ups took 50–150 µs each on this
//! machine under load, and most of the server's CPU went to switching tasks). The point reads
//! every request repeats — the API key, a cart, the offer rules' version, a cart's products
//! and their stock — run here instead: on a connection of a small pool of our own, on the
//! runtime worker that asks, in less time than the hand-off took. In WAL mode a reader never
//! waits for the writer, and a read sees every commit acknowledged before it began, so the
//! answers are the ones the pool would give.
//!
//! Only short, indexed reads belong here: the runtime worker does nothing else meanwhile. Scans
//! and reports keep going through the pool.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;
use crate::batch::Value;

/// The settings every inline reader opens with: the pool's, but read-only (`query_only`).
const READER_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA query_only = ON; \
     PRAGMA cache_size = -32768; PRAGMA mmap_size = 1073741824; PRAGMA temp_store = FILE;";

/// Idle readers kept for reuse; more can be open at once (one per concurrent read), the rest
/// close when they come back.
const KEEP_IDLE: usize = 8;

/// Statements each reader keeps prepared (the hot reads are a handful of texts, plus one per
/// list length of the `IN (…)` reads).
const PREPARED_PER_READER: usize = 64;

/// A small pool of read-only SQLite connections used on the calling thread.
#[derive(Debug)]
pub(crate) struct InlineReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl InlineReads {
    /// Readers for the database file of a `sqlite:` URL; `None` when there is no file to
    /// open beside the pool (an in-memory database), and reads then stay on the pool.
    pub(crate) fn for_url(url: &str) -> Option<Self> {
        Some(Self {
            path: crate::db::sqlite_file(url)?,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Every row `sql` selects with `args` bound to `$1…$n`, each decoded by `decode`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        args: &[Value],
        mut decode: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.take()?;
        let out = (|| {
            let mut stmt = conn.prepare_cached(sql)?;
            bind_all(&mut stmt, args)?;
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(decode(row)?);
            }
            Ok(out)
        })();
        self.give_back(conn);
        out
    }

    fn take(&self) -> Result<Connection, StoreError> {
        let reused = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match reused {
            Some(conn) => Ok(conn),
            None => self.open(),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.execute_batch(READER_PRAGMAS)?;
        conn.set_prepared_statement_cache_capacity(PREPARED_PER_READER);
        Ok(conn)
    }
}

/// Binds `$n` to `args[n - 1]`, wherever and however often `$n` appears in the text.
pub(crate) fn bind_all(
    stmt: &mut rusqlite::CachedStatement<'_>,
    args: &[Value],
) -> Result<(), StoreError> {
    for index in 1..=stmt.parameter_count() {
        let arg = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| args.get(n.checked_sub(1)?))
            .ok_or_else(|| StoreError::Corrupt(format!("unbound parameter {index}")))?;
        match arg {
            Value::Text(v) => stmt.raw_bind_parameter(index, v)?,
            Value::MaybeText(v) => stmt.raw_bind_parameter(index, v)?,
            Value::Int(v) => stmt.raw_bind_parameter(index, v)?,
            Value::Bytes(v) => stmt.raw_bind_parameter(index, v)?,
        }
    }
    Ok(())
}

/// A row's columns by name, the same through either driver, so a hot read's decoding is
/// written once for both backends.
pub(crate) trait Cols {
    fn text(&self, name: &str) -> Result<String, StoreError>;
    fn maybe_text(&self, name: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, name: &str) -> Result<i64, StoreError>;
    fn maybe_int(&self, name: &str) -> Result<Option<i64>, StoreError>;
    fn bytes(&self, name: &str) -> Result<Vec<u8>, StoreError>;
}

impl Cols for rusqlite::Row<'_> {
    fn text(&self, name: &str) -> Result<String, StoreError> {
        Ok(self.get(name)?)
    }
    fn maybe_text(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get(name)?)
    }
    fn int(&self, name: &str) -> Result<i64, StoreError> {
        Ok(self.get(name)?)
    }
    fn maybe_int(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.get(name)?)
    }
    fn bytes(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        Ok(self.get(name)?)
    }
}

impl Cols for sqlx::any::AnyRow {
    fn text(&self, name: &str) -> Result<String, StoreError> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
    fn maybe_text(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
    fn int(&self, name: &str) -> Result<i64, StoreError> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
    fn maybe_int(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
    fn bytes(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_database_file_gets_inline_readers() {
        let file = InlineReads::for_url("sqlite:///tmp/x/omni.db?mode=rwc").expect("a file");
        assert_eq!(file.path, PathBuf::from("/tmp/x/omni.db"));
        assert!(InlineReads::for_url("sqlite::memory:").is_none());
        assert!(InlineReads::for_url("sqlite://x.db?mode=memory").is_none());
        assert!(InlineReads::for_url("postgres://localhost/db").is_none());
    }

    #[test]
    fn parameters_bind_by_their_number_wherever_they_appear() {
        let dir = std::env::temp_dir().join(format!("omni-inline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("t.db");
        let setup = Connection::open(&path).expect("open");
        setup
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS t (a TEXT, b INTEGER); DELETE FROM t; \
                 INSERT INTO t VALUES ('x', 1), ('y', 2), ('x', 3);",
            )
            .expect("setup");
        let reads = InlineReads::for_url(&format!("sqlite://{}", path.display())).expect("a file");
        let sql = "SELECT a, b FROM t WHERE b >= $2 AND a = $1 OR (a = $1 AND b = 0) ORDER BY b";
        let rows = reads
            .rows(sql, &[Value::from("x"), Value::Int(2)], |r| {
                Ok((r.text("a")?, r.int("b")?))
            })
            .expect("rows");
        assert_eq!(rows, vec![("x".to_owned(), 3)]);
        let missing = reads.rows(sql, &[Value::from("x")], |r| r.int("b"));
        assert!(matches!(missing, Err(StoreError::Corrupt(_))));
        std::fs::remove_dir_all(&dir).ok();
    }
}
