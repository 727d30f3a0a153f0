//! Storage adapter: one portable SQL implementation over SQLite (the embedded default, WAL)
//! and PostgreSQL (the scale-out path), chosen by the URL scheme.
//!
//! Why one implementation through sqlx's `Any` driver rather than two adapters: the schema
//! and queries of both backends are the same apart from a few dialect words, so a single set
//! of repositories keeps the two from drifting, and the same conformance suite proves both.
//! Each backend keeps its own migration folder (types differ) embedded in the binary.
//!
//! Every repository method takes the tenant id and every query filters on it.
//! Writes go through [`WriteTx`], which also appends domain events to the outbox in the same
//! transaction — a state change and its event commit together or not at all.

pub mod analytics;
pub mod api_keys;
mod batch;
pub mod catalog;
pub mod customers;
mod db;
mod durable_log;
pub mod engagement;
mod error;
mod group_commit;
pub mod idempotency;
mod inline_reads;
pub mod inventory;
pub mod locations;
mod native_writer;
pub mod offers;
pub mod orders;
pub mod outbox;
pub mod tenants;
pub mod testing;
mod tx;
pub mod webhooks;
mod writer_thread;

pub use db::{Backend, Store};
pub use error::StoreError;
use inline_reads::Cols;
pub use tx::{FACTS_CHANGED, TRY_CAREFULLY, WriteTx};

/// A value as the JSON document stored beside its key columns.
pub(crate) fn json_doc<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::corrupt)
}

/// The JSON document in a row's `doc` column.
pub(crate) fn from_doc<T: serde::de::DeserializeOwned>(
    row: &sqlx::any::AnyRow,
) -> Result<T, StoreError> {
    doc_of(row)
}

/// The `doc` column of a row from either driver, decoded.
pub(crate) fn doc_of<T: serde::de::DeserializeOwned>(row: &dyn Cols) -> Result<T, StoreError> {
    serde_json::from_str(&row.text("doc")?).map_err(StoreError::corrupt)
}

/// The document of the row `sql` selects by tenant (`$1`) and id (`$2`), through a pool or a
/// transaction's connection; `NotFound` when there is none.
pub(crate) async fn doc_by_id<'e, T, E>(
    ex: E,
    sql: &'static str,
    tenant: omni_kernel::TenantId,
    id: String,
) -> Result<T, StoreError>
where
    T: serde::de::DeserializeOwned,
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sql)
        .bind(tenant.to_string())
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_doc(&row)
}

/// Every row `sql` selects by tenant (`$1`) and one key (`$2`: a customer, a device), decoded,
/// through a pool or a transaction's connection.
pub(crate) async fn rows_by_key<'e, T, E>(
    ex: E,
    sql: String,
    tenant: omni_kernel::TenantId,
    key: String,
    decode: impl Fn(&sqlx::any::AnyRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant.to_string())
        .bind(key)
        .fetch_all(ex)
        .await?;
    rows.iter().map(decode).collect()
}

/// A page of rows and whether more follow (cursor pagination).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Trims the extra probe row fetched to learn whether more follow.
    pub fn from_probe(mut items: Vec<T>, limit: usize) -> Self {
        let has_more = items.len() > limit;
        items.truncate(limit);
        Self { items, has_more }
    }
}

/// One keyset page of a tenant's rows in id (creation) order: the shared shape of every
/// cursor-paginated list. `columns` and `table` are compile-time names, never user input.
pub(crate) async fn tenant_page<T>(
    store: &Store,
    table: &'static str,
    columns: &'static str,
    tenant: omni_kernel::TenantId,
    after: Option<String>,
    limit: usize,
    decode: impl Fn(&sqlx::any::AnyRow) -> Result<T, StoreError>,
) -> Result<Page<T>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM {table} WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ));
    let rows = sqlx::query(sql)
        .bind(tenant.to_string())
        .bind(after.unwrap_or_default())
        .bind(limit as i64 + 1)
        .fetch_all(store.pool())
        .await?;
    let items = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_probe(items, limit))
}

/// Rows per multi-row statement. PostgreSQL takes hundreds at once; on SQLite, sqlx binds
/// every parameter by name and SQLite looks each name up among all of the statement's
/// parameters, so a statement's cost grows with the square of its parameters — a few
/// hundred parameters is the sweet spot (a 3,000-parameter statement spent most of a
/// ten-minute million-customer load in that lookup).
pub(crate) fn rows_per_statement(backend: Backend, columns: usize) -> usize {
    match backend {
        Backend::Sqlite => (120 / columns).max(1),
        Backend::Postgres => 3_000 / columns,
    }
}

/// `($1, $2, …), (…)` for a multi-row insert of `rows` rows of `cols` columns.
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        row_placeholders(r * cols + 1, cols, &mut sql);
        sql.push(')');
    }
    sql
}

/// `$first, $first+1, …`: the `cols` placeholders of one row of a multi-row insert.
pub(crate) fn row_placeholders(first: usize, cols: usize, sql: &mut String) {
    use std::fmt::Write as _;
    for c in 0..cols {
        if c > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "${}", first + c);
    }
}

/// `$first, $first+1, …`, `n` of them: the marks of an `IN (…)` list.
pub(crate) fn list_placeholders(first: usize, n: usize) -> String {
    let mut sql = String::with_capacity(n * 5);
    row_placeholders(first, n, &mut sql);
    sql
}

pub(crate) fn millis(t: omni_kernel::Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> omni_kernel::Timestamp {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
