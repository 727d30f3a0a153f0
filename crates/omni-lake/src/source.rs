//! Reading the store: one streaming query per table and tenant, its rows turned into lake rows
//! and handed in chunks to the table's writer thread through a bounded channel. sqlx streams
//! rows on both backends (SQLite through a bounded row channel, PostgreSQL off the socket), so
//! memory stays bounded whatever the size, and reading overlaps with encoding.
//!
//! Events are read by feed position (commit order, exact). Entities are read by their stamp
//! column in `(after, until]`: `updated_at` for customers and orders, which change; the
//! creation stamp for returns, stock movements and messages, which never do.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use futures::TryStreamExt as _;
use omni_domain::engagement::{Author, Message};
use omni_domain::orders::{Order, OrderReturn};
use omni_store::Store;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use tokio::sync::mpsc;

use crate::LakeError;
use crate::schema::{self, Table};
use crate::writer::{Cell, Row, TableWriter, Written, day_of};

/// Rows per chunk sent to a writer thread.
const CHUNK: usize = 4096;
/// Chunks in flight per writer.
const IN_FLIGHT: usize = 4;

/// What a run reads for one tenant.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub lake: PathBuf,
    pub run: u64,
    pub tenant: String,
    /// ISO code of the tenant's home currency (customers' spend).
    pub currency: String,
}

/// A table's writer thread and the chunk being filled for it.
pub(crate) struct TableSink {
    tx: Option<mpsc::Sender<Vec<Row>>>,
    buf: Vec<Row>,
    handle: tokio::task::JoinHandle<Result<Written, LakeError>>,
}

impl TableSink {
    pub(crate) fn start(table: &'static Table, scope: &Scope) -> Result<Self, LakeError> {
        let mut writer = TableWriter::new(table, &scope.lake, &scope.tenant, scope.run)?;
        let (tx, mut rx) = mpsc::channel::<Vec<Row>>(IN_FLIGHT);
        let handle = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = rx.blocking_recv() {
                for row in chunk {
                    writer.push(row)?;
                }
            }
            writer.finish()
        });
        Ok(TableSink {
            tx: Some(tx),
            buf: Vec::with_capacity(CHUNK),
            handle,
        })
    }

    pub(crate) async fn push(&mut self, row: Row) -> Result<(), LakeError> {
        self.buf.push(row);
        if self.buf.len() >= CHUNK {
            self.send().await?;
        }
        Ok(())
    }

    async fn send(&mut self) -> Result<(), LakeError> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let sent = match &self.tx {
            Some(tx) => tx.send(chunk).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The writer stopped: its error says why.
        self.tx = None;
        let handle = &mut self.handle;
        match handle.await {
            Ok(Err(e)) => Err(e),
            Ok(Ok(_)) => Err(LakeError::Writer("it stopped early".into())),
            Err(e) => Err(LakeError::Writer(e.to_string())),
        }
    }

    pub(crate) async fn finish(mut self) -> Result<Written, LakeError> {
        if !self.buf.is_empty() {
            self.send().await?;
        }
        drop(self.tx.take());
        self.handle
            .await
            .map_err(|e| LakeError::Writer(e.to_string()))?
    }
}

fn text(row: &AnyRow, col: &str) -> Result<String, LakeError> {
    Ok(row.try_get::<String, _>(col)?)
}

fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>, LakeError> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

fn int(row: &AnyRow, col: &str) -> Result<i64, LakeError> {
    Ok(row.try_get::<i64, _>(col)?)
}

fn s(v: impl Into<String>) -> Cell {
    Cell::Str(v.into())
}

fn os(v: Option<impl Into<String>>) -> Cell {
    v.map_or(Cell::Null, |v| Cell::Str(v.into()))
}

/// The wire name of a serde enum (`"web_chat"`, `"courier"`, …).
fn wire_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn doc<T: serde::de::DeserializeOwned>(row: &AnyRow) -> Result<T, LakeError> {
    let doc = text(row, "doc")?;
    serde_json::from_str(&doc).map_err(LakeError::corrupt)
}

/// What the events pass learnt besides its rows.
#[derive(Debug, Default)]
pub(crate) struct EventsOutcome {
    pub written: Written,
    /// The last feed position exported.
    pub last_seq: i64,
    /// Customers erased by `customer.erased` events in this window.
    pub erased: BTreeSet<String>,
}

/// The tenant's events in `(after, head]`, in feed order.
pub(crate) async fn events(
    store: &Store,
    scope: &Scope,
    after: i64,
    head: i64,
) -> Result<EventsOutcome, LakeError> {
    let mut sink = TableSink::start(&schema::EVENTS, scope)?;
    let mut out = EventsOutcome {
        last_seq: after,
        ..EventsOutcome::default()
    };
    let mut rows = sqlx::query(
        "SELECT feed_seq, event_id, kind, subject, occurred_at, data FROM outbox \
         WHERE tenant_id = $1 AND feed_seq > $2 AND feed_seq <= $3 ORDER BY feed_seq",
    )
    .bind(scope.tenant.clone())
    .bind(after)
    .bind(head)
    .fetch(store.pool());
    while let Some(row) = rows.try_next().await? {
        let seq = int(&row, "feed_seq")?;
        let kind = text(&row, "kind")?;
        let data = text(&row, "data")?;
        if kind == "customer.erased" {
            collect_erased(&data, &mut out.erased);
        }
        let at = int(&row, "occurred_at")?;
        sink.push(Row {
            day: day_of(at),
            cells: vec![
                s(text(&row, "event_id")?),
                s(scope.tenant.clone()),
                s(kind),
                s(text(&row, "subject")?),
                Cell::Int(at),
                Cell::Int(seq),
                s(data),
            ],
        })
        .await?;
        out.last_seq = seq;
    }
    drop(rows);
    out.written = sink.finish().await?;
    Ok(out)
}

/// The ids a `customer.erased` event names (the profile and those merged into it).
fn collect_erased(data: &str, into: &mut BTreeSet<String>) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(data) else {
        return;
    };
    if let Some(id) = v.get("customer_id").and_then(|v| v.as_str()) {
        into.insert(id.to_owned());
    }
    for id in v
        .get("erased_ids")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
    {
        into.insert(id.to_owned());
    }
}

/// Customer profiles changed in `(after, until]`. Only columns without personal data are
/// read — the profile document (names, city, preferences) never leaves the database.
pub(crate) async fn customers(
    store: &Store,
    scope: &Scope,
    after: i64,
    until: i64,
) -> Result<Written, LakeError> {
    let mut sink = TableSink::start(&schema::CUSTOMERS, scope)?;
    let mut rows = sqlx::query(
        "SELECT c.id, c.status, c.merged_into, c.tier, c.spent_90d, c.points, c.version, \
         c.created_at, c.updated_at, s.status AS survivor_status \
         FROM customers c LEFT JOIN customers s ON s.tenant_id = c.tenant_id AND s.id = c.merged_into \
         WHERE c.tenant_id = $1 AND c.updated_at > $2 AND c.updated_at <= $3",
    )
    .bind(scope.tenant.clone())
    .bind(after)
    .bind(until)
    .fetch(store.pool());
    while let Some(row) = rows.try_next().await? {
        let status = text(&row, "status")?;
        let erased =
            status == "erased" || opt_text(&row, "survivor_status")?.as_deref() == Some("erased");
        let created = int(&row, "created_at")?;
        sink.push(Row {
            day: day_of(created),
            cells: vec![
                s(text(&row, "id")?),
                s(scope.tenant.clone()),
                s(status),
                Cell::Bool(erased),
                os(opt_text(&row, "merged_into")?),
                s(text(&row, "tier")?),
                Cell::Int(int(&row, "spent_90d")?),
                s(scope.currency.clone()),
                Cell::Int(int(&row, "points")?),
                Cell::Int(int(&row, "version")?),
                Cell::Int(created),
                Cell::Int(int(&row, "updated_at")?),
            ],
        })
        .await?;
    }
    drop(rows);
    sink.finish().await
}

/// Orders changed in `(after, until]`, with all their lines.
pub(crate) async fn orders(
    store: &Store,
    scope: &Scope,
    after: i64,
    until: i64,
) -> Result<(Written, Written), LakeError> {
    let mut orders = TableSink::start(&schema::ORDERS, scope)?;
    let mut lines = TableSink::start(&schema::ORDER_LINES, scope)?;
    let mut rows = sqlx::query(
        "SELECT doc, updated_at FROM orders WHERE tenant_id = $1 AND updated_at > $2 AND updated_at <= $3",
    )
    .bind(scope.tenant.clone())
    .bind(after)
    .bind(until)
    .fetch(store.pool());
    while let Some(row) = rows.try_next().await? {
        let o: Order = doc(&row)?;
        let updated = int(&row, "updated_at")?;
        let created = o.created_at.timestamp_millis();
        let day = day_of(created);
        for r in order_line_rows(&o, &scope.tenant, updated) {
            lines.push(Row { day, cells: r }).await?;
        }
        orders
            .push(Row {
                day,
                cells: order_row(&o, &scope.tenant, updated),
            })
            .await?;
    }
    drop(rows);
    Ok((orders.finish().await?, lines.finish().await?))
}

fn order_row(o: &Order, tenant: &str, updated: i64) -> Vec<Cell> {
    let q = &o.quote;
    let promotions: Vec<String> = q
        .promotions
        .iter()
        .map(|p| p.promotion_id.to_string())
        .collect();
    vec![
        s(o.id.to_string()),
        s(tenant),
        s(o.number.clone()),
        os(o.customer_id.map(|c| c.to_string())),
        s(o.channel.as_str()),
        os(o.store.map(|l| l.to_string())),
        s(o.status.as_str()),
        s(o.currency.to_string()),
        Cell::Int(q.subtotal),
        Cell::Int(q.discount_total),
        Cell::Int(q.total),
        Cell::Int(q.points.burn_value),
        Cell::Int(q.delivery_fee.unwrap_or(0)),
        Cell::Int(q.to_pay),
        Cell::Int(o.payment.refunded),
        Cell::Int(q.points.earn),
        Cell::Int(q.points.burn),
        os(o.delivery.method.as_ref().map(wire_name)),
        os(o.delivery.location_id.map(|l| l.to_string())),
        Cell::Int(o.lines.len() as i64),
        Cell::Int(o.lines.iter().map(|l| i64::from(l.quantity)).sum()),
        if promotions.is_empty() {
            Cell::Null
        } else {
            s(promotions.join(","))
        },
        Cell::Int(o.version),
        Cell::Int(o.created_at.timestamp_millis()),
        Cell::Int(updated),
    ]
}

fn order_line_rows(o: &Order, tenant: &str, updated: i64) -> Vec<Vec<Cell>> {
    o.lines
        .iter()
        .map(|l| {
            let subtotal = l.unit_price * i64::from(l.quantity);
            // The quote's line says what the price list and promotions took off.
            let quoted = o
                .quote
                .lines
                .get(l.line as usize)
                .filter(|q| q.sku == l.sku && q.quantity == l.quantity);
            let (subtotal, discount) = match quoted {
                Some(q) => (q.subtotal, q.subtotal - q.total),
                None => (subtotal, subtotal - l.total),
            };
            vec![
                s(o.id.to_string()),
                Cell::Int(i64::from(l.line)),
                s(tenant),
                s(l.sku.clone()),
                Cell::Int(i64::from(l.quantity)),
                Cell::Int(l.unit_price),
                Cell::Int(subtotal),
                Cell::Int(discount),
                Cell::Int(l.total),
                Cell::Int(l.paid_with_points),
                Cell::Int(l.points_earned),
                Cell::Int(i64::from(l.cancelled)),
                Cell::Int(i64::from(l.returned)),
                s(o.currency.to_string()),
                s(o.channel.as_str()),
                os(o.store.map(|x| x.to_string())),
                s(o.status.as_str()),
                os(o.customer_id.map(|c| c.to_string())),
                Cell::Int(o.created_at.timestamp_millis()),
                Cell::Int(updated),
            ]
        })
        .collect()
}

/// Returns recorded in `(after, until]`, one row per returned line.
pub(crate) async fn returns(
    store: &Store,
    scope: &Scope,
    after: i64,
    until: i64,
) -> Result<Written, LakeError> {
    let mut sink = TableSink::start(&schema::RETURNS, scope)?;
    let mut rows = sqlx::query(
        "SELECT r.doc, r.created_at, o.currency FROM order_returns r \
         LEFT JOIN orders o ON o.tenant_id = r.tenant_id AND o.id = r.order_id \
         WHERE r.tenant_id = $1 AND r.created_at > $2 AND r.created_at <= $3",
    )
    .bind(scope.tenant.clone())
    .bind(after)
    .bind(until)
    .fetch(store.pool());
    while let Some(row) = rows.try_next().await? {
        let r: OrderReturn = doc(&row)?;
        let at = int(&row, "created_at")?;
        let currency = opt_text(&row, "currency")?.unwrap_or_default();
        for l in &r.lines {
            sink.push(Row {
                day: day_of(at),
                cells: vec![
                    s(r.id.to_string()),
                    Cell::Int(i64::from(l.line)),
                    s(scope.tenant.clone()),
                    s(r.order_id.to_string()),
                    s(r.location_id.to_string()),
                    s(l.sku.clone()),
                    Cell::Int(i64::from(l.quantity)),
                    Cell::Int(l.giveback.money),
                    Cell::Int(l.giveback.points_refunded),
                    Cell::Int(l.giveback.points_clawed_back),
                    s(currency.clone()),
                    Cell::Int(at),
                ],
            })
            .await?;
        }
    }
    drop(rows);
    sink.finish().await
}

/// Stock movements recorded in `(after, until]`.
pub(crate) async fn stock_movements(
    store: &Store,
    scope: &Scope,
    after: i64,
    until: i64,
) -> Result<Written, LakeError> {
    let mut sink = TableSink::start(&schema::STOCK_MOVEMENTS, scope)?;
    let mut rows = sqlx::query(
        "SELECT id, sku, location_id, kind, quantity, reference, occurred_at FROM stock_movements \
         WHERE tenant_id = $1 AND occurred_at > $2 AND occurred_at <= $3",
    )
    .bind(scope.tenant.clone())
    .bind(after)
    .bind(until)
    .fetch(store.pool());
    while let Some(row) = rows.try_next().await? {
        let at = int(&row, "occurred_at")?;
        sink.push(Row {
            day: day_of(at),
            cells: vec![
                s(text(&row, "id")?),
                s(scope.tenant.clone()),
                s(text(&row, "sku")?),
                s(text(&row, "location_id")?),
                s(text(&row, "kind")?),
                Cell::Int(int(&row, "quantity")?),
                os(opt_text(&row, "reference")?),
                Cell::Int(at),
            ],
        })
        .await?;
    }
    drop(rows);
    sink.finish().await
}

/// Whether a thread's texts may leave the database: an unknown sender, an active customer,
/// or a profile merged into an active one. Anything else — erased, or merged into a profile
/// that is erased or itself merged (a chain this join does not follow) — is withheld.
fn text_allowed(customer: Option<&str>, status: Option<&str>, survivor: Option<&str>) -> bool {
    match (customer, status) {
        (None, _) => true,
        (Some(_), Some("active")) => true,
        (Some(_), Some("merged")) => survivor == Some("active"),
        _ => false,
    }
}

/// Messages written in `(after, until]`.
pub(crate) async fn messages(
    store: &Store,
    scope: &Scope,
    after: i64,
    until: i64,
) -> Result<Written, LakeError> {
    let mut sink = TableSink::start(&schema::MESSAGES, scope)?;
    let mut rows = sqlx::query(
        "SELECT m.doc, m.at, cv.customer_id, c.status AS customer_status, s.status AS survivor_status \
         FROM messages m \
         LEFT JOIN conversations cv ON cv.tenant_id = m.tenant_id AND cv.id = m.conversation_id \
         LEFT JOIN customers c ON c.tenant_id = cv.tenant_id AND c.id = cv.customer_id \
         LEFT JOIN customers s ON s.tenant_id = c.tenant_id AND s.id = c.merged_into \
         WHERE m.tenant_id = $1 AND m.at > $2 AND m.at <= $3",
    )
    .bind(scope.tenant.clone())
    .bind(after)
    .bind(until)
    .fetch(store.pool());
    while let Some(row) = rows.try_next().await? {
        let m: Message = doc(&row)?;
        let at = int(&row, "at")?;
        let customer = opt_text(&row, "customer_id")?;
        let allowed = text_allowed(
            customer.as_deref(),
            opt_text(&row, "customer_status")?.as_deref(),
            opt_text(&row, "survivor_status")?.as_deref(),
        );
        let author = match m.author {
            Author::Customer => "customer",
            Author::Bot => "bot",
            Author::Staff { .. } => "staff",
        };
        sink.push(Row {
            day: day_of(at),
            cells: vec![
                s(m.id.to_string()),
                s(scope.tenant.clone()),
                s(m.conversation_id.to_string()),
                os(customer),
                s(wire_name(&m.channel)),
                s(author),
                os(m.intent.as_ref().map(wire_name)),
                if allowed { s(m.text) } else { Cell::Null },
                Cell::Bool(!allowed),
                Cell::Int(at),
            ],
        })
        .await?;
    }
    drop(rows);
    sink.finish().await
}

/// The conversations of the given customers (their message texts must go).
pub(crate) async fn conversations_of(
    store: &Store,
    tenant: &str,
    customers: &BTreeSet<String>,
) -> Result<BTreeSet<String>, LakeError> {
    let mut out = BTreeSet::new();
    let ids: Vec<&String> = customers.iter().collect();
    for chunk in ids.chunks(100) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id FROM conversations WHERE tenant_id = $1 AND customer_id IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.to_owned());
        for id in chunk {
            q = q.bind((*id).clone());
        }
        for row in q.fetch_all(store.pool()).await? {
            out.insert(text(&row, "id")?);
        }
    }
    Ok(out)
}

/// The lake folder of a table and tenant.
pub(crate) fn tenant_dir(lake: &Path, table: &Table, tenant: &str) -> PathBuf {
    lake.join(table.name).join(format!("tenant={tenant}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_leave_only_for_unknown_or_active_customers() {
        assert!(text_allowed(None, None, None));
        assert!(text_allowed(Some("cus_1"), Some("active"), None));
        assert!(text_allowed(Some("cus_1"), Some("merged"), Some("active")));
        assert!(!text_allowed(Some("cus_1"), Some("erased"), None));
        assert!(!text_allowed(Some("cus_1"), Some("merged"), Some("erased")));
        assert!(!text_allowed(Some("cus_1"), Some("merged"), Some("merged")));
        assert!(!text_allowed(Some("cus_1"), None, None));
    }

    #[test]
    fn erased_ids_come_from_the_event() {
        let mut ids = BTreeSet::new();
        collect_erased(
            r#"{"customer_id":"cus_a","erased_ids":["cus_a","cus_b"]}"#,
            &mut ids,
        );
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["cus_a", "cus_b"]);
    }
}
