//! Statements sent to SQLite's writer thread together.
//!
//! Why: sqlx runs each SQLite connection on a thread of its own, and every statement is a
//! hand-off to that thread and back — two thread wake-ups that cost more than the statement
//! itself. Inside the single writer's turn those hand-offs are paid in series by every
//! checkout. A write whose answer is not needed at once (an insert, an update whose only
//! answer is "one row changed") is therefore kept as a [`Stmt`] and sent with the next
//! statement whose answer is needed, many statements per hand-off; their row counts and errors
//! are checked in order when the answers come back, so nothing is lost but the waiting.

use std::fmt::Write;

use futures::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Either, Executor};

use crate::StoreError;

/// A bound value of a batched statement.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    Bytes(Vec<u8>),
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::MaybeText(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}

/// One statement with its values (`$1…$n`, each bound once, in order) and what its answer
/// must be.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    sql: std::borrow::Cow<'static, str>,
    args: Vec<Value>,
    /// The error when the statement changed other than exactly one row.
    one_row: Option<fn() -> StoreError>,
    /// The conflict a unique-constraint violation means.
    unique: Option<&'static str>,
    /// Set when the caller asked for this statement's answer (see [`crate::WriteTx::ask`]).
    pub(crate) ticket: Option<u32>,
}

impl Stmt {
    pub(crate) fn new(sql: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self {
            sql: sql.into(),
            args: Vec::new(),
            one_row: None,
            unique: None,
            ticket: None,
        }
    }

    /// The same values for another text (built alongside them).
    pub(crate) fn with_sql(mut self, sql: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        self.sql = sql.into();
        self
    }

    /// Replaces the `index`-th value (0-based) bound so far.
    pub(crate) fn rebind(&mut self, index: usize, value: impl Into<Value>) -> bool {
        match self.args.get_mut(index) {
            Some(v) => {
                *v = value.into();
                true
            }
            None => false,
        }
    }

    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// The statement must change exactly one row, else the transaction fails with `error`.
    pub(crate) fn one_row(mut self, error: fn() -> StoreError) -> Self {
        self.one_row = Some(error);
        self
    }

    /// A unique-constraint violation fails the transaction with this conflict.
    pub(crate) fn unique(mut self, what: &'static str) -> Self {
        self.unique = Some(what);
        self
    }

    /// [`Stmt::fail`] for the writer connection of our own.
    fn fail_native(&self, e: rusqlite::Error) -> StoreError {
        use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
        let unique = matches!(&e, rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == SQLITE_CONSTRAINT_PRIMARYKEY);
        match self.unique {
            Some(what) if unique => StoreError::Conflict(what),
            _ => StoreError::InlineRead(e),
        }
    }

    fn fail(&self, e: sqlx::Error) -> StoreError {
        match self.unique {
            Some(what) => StoreError::unique(what)(e),
            None => StoreError::Database(e),
        }
    }
}

/// What a statement of a batch answered.
#[derive(Default)]
pub(crate) struct Answer {
    pub(crate) rows_affected: u64,
    pub(crate) rows: Vec<AnyRow>,
}

/// On SQLite, follows a statement that must change exactly one row: fails — and so stops the
/// batch there — when it did not. `json()` of text that is not JSON is the one error SQLite
/// raises outside a trigger; its argument depends on `changes()`, so it is never computed
/// ahead, and only when the count is wrong.
const ASSERT_ONE_ROW: &str =
    "SELECT CASE changes() WHEN 1 THEN 1 ELSE json(changes() || ' rows changed, not one') END";

/// Runs the statements in order in one hand-off and checks each one's answer; returns every
/// statement's answer, in order. The first failure stops the batch (SQLite runs nothing after
/// a failed statement) and is returned; the caller's transaction then rolls all of it back.
///
/// On SQLite a statement that must change one row is checked by SQLite itself, in the batch
/// ([`ASSERT_ONE_ROW`]): nothing after a wrong count runs, so a writer's savepoint release
/// can go in the same hand-off as its checked writes.
pub(crate) async fn run(
    conn: &mut AnyConnection,
    stmts: Vec<Stmt>,
) -> Result<Vec<Answer>, StoreError> {
    run_to_failure(conn, stmts).await.map_err(|(_, e)| e)
}

/// Like [`run`], but a failure also says which statement failed (its index in `stmts`):
/// every statement before it ran, none after it.
pub(crate) async fn run_to_failure(
    conn: &mut AnyConnection,
    mut stmts: Vec<Stmt>,
) -> Result<Vec<Answer>, (usize, StoreError)> {
    if stmts.is_empty() {
        return Ok(Vec::new());
    }
    let started = std::time::Instant::now();
    let assert_in_sql = conn.backend_name() == "SQLite";
    let mut sql = String::with_capacity(stmts.iter().map(|s| s.sql.len() + 8).sum());
    // Which of `stmts` each statement of the text belongs to, and whether it is its check.
    let mut parts = Vec::with_capacity(stmts.len() + 2);
    let mut offset = 0;
    for (i, s) in stmts.iter().enumerate() {
        renumber(&s.sql, offset, &mut sql);
        sql.push_str(";\n");
        offset += s.args.len();
        parts.push((i, false));
        if assert_in_sql && s.one_row.is_some() {
            sql.push_str(ASSERT_ONE_ROW);
            sql.push_str(";\n");
            parts.push((i, true));
        }
    }
    let last = parts.len() - 1;
    let mut query = sqlx::query::<Any>(sqlx::AssertSqlSafe(sql));
    for s in &mut stmts {
        // Moved, not copied: a checkout's order and cart documents are kilobytes each.
        for v in std::mem::take(&mut s.args) {
            query = bind(query, v);
        }
    }
    let mut answers = Vec::with_capacity(stmts.len());
    let mut stream = conn.fetch_many(query);
    let mut current = Answer::default();
    let mut done_parts = 0;
    loop {
        let (at, is_check) = parts[done_parts.min(last)];
        let next = match stream.try_next().await {
            Ok(next) => next,
            Err(_) if is_check => {
                return Err((at, stmts[at].one_row.map_or_else(unchecked, |e| e())));
            }
            Err(e) => return Err((at, stmts[at].fail(e))),
        };
        match next {
            None => break,
            Some(Either::Right(_)) if is_check => {}
            Some(Either::Right(row)) => current.rows.push(row),
            Some(Either::Left(_)) if is_check => done_parts += 1,
            Some(Either::Left(done)) => {
                if let Some(error) = stmts[at].one_row
                    && done.rows_affected() != 1
                {
                    return Err((at, error()));
                }
                current.rows_affected = done.rows_affected();
                answers.push(std::mem::take(&mut current));
                done_parts += 1;
            }
        }
    }
    // The statements' share of a writer's turn: the database's work and the hand-offs to
    // and from its connection, against the turn's own time (`store_writer_turn_seconds`).
    metrics::histogram!("store_statements_seconds").record(started.elapsed());
    Ok(answers)
}

/// Runs the statements in order on SQLite's writer connection of our own, on the calling
/// thread, each prepared once per connection (see `native_writer.rs`), and checks each one's
/// answer as [`run`] does; the first failure stops them and is returned.
pub(crate) fn run_native(conn: &rusqlite::Connection, stmts: &[Stmt]) -> Result<(), StoreError> {
    for s in stmts {
        let mut stmt = conn.prepare_cached(&s.sql)?;
        crate::inline_reads::bind_all(&mut stmt, &s.args)?;
        let mut rows = stmt.raw_query();
        loop {
            match rows.next() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => return Err(s.fail_native(e)),
            }
        }
        drop(rows);
        if let Some(error) = s.one_row
            && conn.changes() != 1
        {
            return Err(error());
        }
    }
    Ok(())
}

/// The error of a row check without a statement to blame (never: a check follows only a
/// statement that has one).
fn unchecked() -> StoreError {
    StoreError::Corrupt("a row check failed without its statement".into())
}

/// Binds the next value of `query`.
pub(crate) fn bind(query: AnyQuery<'_>, value: Value) -> AnyQuery<'_> {
    match value {
        Value::Text(t) => query.bind(t),
        Value::MaybeText(t) => query.bind(t),
        Value::Int(i) => query.bind(i),
        Value::Bytes(b) => query.bind(b),
    }
}

/// A query through the Any driver, as [`bind`] takes it.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Appends `sql` with every `$n` placeholder outside string literals shifted by `offset`, so
/// statements written on their own (`$1…`) can share one list of values.
fn renumber(sql: &str, offset: usize, out: &mut String) {
    let mut chars = sql.char_indices().peekable();
    let mut quoted = false;
    while let Some((_, c)) = chars.next() {
        out.push(c);
        match c {
            '\'' => quoted = !quoted,
            '$' if !quoted => {
                let mut n = 0usize;
                let mut digits = false;
                while let Some(&(_, d)) = chars.peek() {
                    let Some(v) = d.to_digit(10) else { break };
                    n = n * 10 + v as usize;
                    digits = true;
                    chars.next();
                }
                if digits {
                    let _ = write!(out, "{}", n + offset);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shifted(sql: &str, offset: usize) -> String {
        let mut out = String::new();
        renumber(sql, offset, &mut out);
        out
    }

    #[test]
    fn placeholders_shift_and_literals_stay() {
        assert_eq!(
            shifted("UPDATE t SET a = $1, b = '$2' WHERE c = $12 AND d = $1", 5),
            "UPDATE t SET a = $6, b = '$2' WHERE c = $17 AND d = $6"
        );
        assert_eq!(shifted("SELECT 'it''s $3', $3", 1), "SELECT 'it''s $3', $4");
        assert_eq!(shifted("no placeholders", 9), "no placeholders");
    }
}
