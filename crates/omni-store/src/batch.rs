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
#[derive(Debug)]
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

    /// Whether a row count is checked after the statement ran: such a statement must not share
    /// a hand-off with the release of the writer's savepoint, which has to come after the check.
    pub(crate) fn checks_rows(&self) -> bool {
        self.one_row.is_some()
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

/// Runs the statements in order in one hand-off and checks each one's answer; returns every
/// statement's answer, in order. The first failure stops the batch (SQLite runs nothing after
/// a failed statement) and is returned; the caller's transaction then rolls all of it back.
pub(crate) async fn run(
    conn: &mut AnyConnection,
    mut stmts: Vec<Stmt>,
) -> Result<Vec<Answer>, StoreError> {
    let Some(last) = stmts.len().checked_sub(1) else {
        return Ok(Vec::new());
    };
    let mut sql = String::with_capacity(stmts.iter().map(|s| s.sql.len() + 8).sum());
    let mut offset = 0;
    for s in &stmts {
        renumber(&s.sql, offset, &mut sql);
        sql.push_str(";\n");
        offset += s.args.len();
    }
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
    loop {
        let at = answers.len().min(last);
        let next = match stream.try_next().await {
            Ok(next) => next,
            Err(e) => return Err(stmts[at].fail(e)),
        };
        match next {
            None => break,
            Some(Either::Right(row)) => current.rows.push(row),
            Some(Either::Left(done)) => {
                if let Some(error) = stmts[at].one_row
                    && done.rows_affected() != 1
                {
                    return Err(error());
                }
                current.rows_affected = done.rows_affected();
                answers.push(std::mem::take(&mut current));
            }
        }
    }
    Ok(answers)
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
