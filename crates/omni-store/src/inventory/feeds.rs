//! Bulk stock feeds. Checked rows are staged in one statement and applied with a few
//! set-based statements per batch — reject rows that would undercut holds, write the ledger
//! entries, upsert the stock rows — so a million rows take seconds, not hours. One batch is
//! one transaction with one `stock.feed_applied` event.
//!
//! On SQLite the staging table is a per-connection TEMP table, filled from one JSON array
//! (`json_each`): staged rows never reach the write-ahead log, and deleting them costs no
//! `secure_delete` overwrite of the main database. On PostgreSQL it is the UNLOGGED
//! `stock_feed_rows` table, filled by multi-row inserts, for the same reason.

use omni_domain::events::DomainEvent;
use omni_domain::inventory::{CheckedRow, FeedId, FeedMode, FeedReject, MovementId, RejectReason};
use omni_kernel::{TenantId, Timestamp};
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, millis};

/// Rows per batch (and transaction) of a feed sent over the API, which shares the database
/// with live traffic: a batch holds SQLite's write lock for a few milliseconds. A batch never
/// holds the same SKU × location twice.
pub const FEED_BATCH_ROWS: usize = 5_000;
/// Rows per batch of a bulk file feed (`omni stock import`, the demo): ten times more rows
/// per commit write each touched index page ten times less often — the location-ordered
/// index is touched all over by any SKU-sorted batch — at the price of holding the write
/// lock for about a second per batch.
pub const BULK_FEED_BATCH_ROWS: usize = 50_000;

const JOIN: &str =
    "LEFT JOIN stock s ON s.tenant_id = $2 AND s.sku = f.sku AND s.location_id = f.location_id";

/// The in-memory staging table of a SQLite connection: the migrated one's columns plus the
/// stock row's on-hand and reserved as staged (`NULL`: no stock row yet).
const SQLITE_STAGE: &str = "CREATE TEMP TABLE IF NOT EXISTS feed_stage (\
    batch_id TEXT NOT NULL, seq INTEGER NOT NULL, sku TEXT NOT NULL, location_id TEXT NOT NULL, \
    quantity INTEGER NOT NULL, kind TEXT NOT NULL, safety_stock INTEGER, movement_id TEXT NOT NULL, \
    on_hand INTEGER, reserved INTEGER, PRIMARY KEY (batch_id, seq))";

/// Where the statements over a staged batch find a stock row's current on-hand and reserved.
struct Current {
    /// Joined to the staged rows `f` (empty when they carry the values).
    join: &'static str,
    on_hand: &'static str,
    reserved: &'static str,
    /// Leaves out of a snapshot's upsert the rows restating their on-hand (when known here).
    changed_only: &'static str,
}

/// SQLite: read once while staging — its single writer holds the write lock from staging to
/// commit, so nothing changes them meanwhile — and never looked up again.
const STAGED: Current = Current {
    join: "",
    on_hand: "f.on_hand",
    reserved: "f.reserved",
    changed_only: "AND (f.on_hand IS NULL OR f.on_hand <> f.quantity)",
};

/// PostgreSQL: looked up by each statement, which sees the rows committed before it.
const JOINED: Current = Current {
    join: JOIN,
    on_hand: "s.on_hand",
    reserved: "s.reserved",
    changed_only: "",
};

impl WriteTx {
    /// The staging table for this transaction's backend, created on first use.
    async fn stage_table(&mut self) -> Result<&'static str, StoreError> {
        match self.backend() {
            crate::Backend::Sqlite => {
                sqlx::query(SQLITE_STAGE)
                    .execute(self.conn().await?)
                    .await?;
                Ok("temp.feed_stage")
            }
            crate::Backend::Postgres => Ok("stock_feed_rows"),
        }
    }

    /// Stages the rows; says where the statements that follow find the current stock.
    async fn stage(
        &mut self,
        table: &str,
        batch: &str,
        tenant: &str,
        rows: &[CheckedRow],
    ) -> Result<&'static Current, StoreError> {
        match self.backend() {
            crate::Backend::Sqlite => {
                self.stage_as_json(table, batch, tenant, rows).await?;
                Ok(&STAGED)
            }
            crate::Backend::Postgres => {
                self.stage_in_rows(table, batch, rows).await?;
                Ok(&JOINED)
            }
        }
    }

    /// SQLite: the whole batch in one statement, as one JSON array that `json_each` splits —
    /// one round trip to the connection's thread instead of thousands of small inserts, and
    /// no parameter-name lookups (see `rows_per_statement`) — with each row's current stock
    /// looked up once, here, instead of by every statement after.
    async fn stage_as_json(
        &mut self,
        table: &str,
        batch: &str,
        tenant: &str,
        rows: &[CheckedRow],
    ) -> Result<(), StoreError> {
        let values: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.row,
                    r.sku.as_str(),
                    r.location_id.to_string(),
                    r.quantity,
                    r.kind.as_str(),
                    r.safety_stock,
                    MovementId::new().to_string(),
                )
            })
            .collect();
        let json = serde_json::to_string(&values).map_err(StoreError::corrupt)?;
        let sql = format!(
            "INSERT INTO {table} (batch_id, seq, sku, location_id, quantity, kind, safety_stock, movement_id, on_hand, reserved) \
             SELECT $1, j.seq, j.sku, j.location_id, j.quantity, j.kind, j.safety_stock, j.movement_id, s.on_hand, s.reserved \
             FROM (SELECT value ->> 0 AS seq, value ->> 1 AS sku, value ->> 2 AS location_id, value ->> 3 AS quantity, \
                          value ->> 4 AS kind, value ->> 5 AS safety_stock, value ->> 6 AS movement_id FROM json_each($2)) j \
             LEFT JOIN stock s ON s.tenant_id = $3 AND s.sku = j.sku AND s.location_id = j.location_id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(batch.to_owned())
            .bind(json)
            .bind(tenant.to_owned())
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }

    /// PostgreSQL: multi-row inserts into the unlogged staging table.
    async fn stage_in_rows(
        &mut self,
        table: &str,
        batch: &str,
        rows: &[CheckedRow],
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(crate::rows_per_statement(self.backend(), 8)) {
            let sql = format!(
                "INSERT INTO {table} (batch_id, seq, sku, location_id, quantity, kind, safety_stock, movement_id) VALUES {}",
                crate::placeholders(chunk.len(), 8)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(batch.to_owned())
                    .bind(r.row as i64)
                    .bind(r.sku.as_str().to_owned())
                    .bind(r.location_id.to_string())
                    .bind(r.quantity)
                    .bind(r.kind.as_str())
                    .bind(r.safety_stock)
                    .bind(MovementId::new().to_string());
            }
            q.execute(self.conn().await?).await?;
        }
        Ok(())
    }

    /// Applies one batch (no SKU × location twice) and returns the rows refused because they
    /// would leave on-hand below the reserved units.
    pub async fn apply_feed_batch(
        &mut self,
        tenant: TenantId,
        feed: FeedId,
        mode: FeedMode,
        rows: &[CheckedRow],
        now: Timestamp,
    ) -> Result<Vec<FeedReject>, StoreError> {
        let batch = MovementId::new().to_string();
        let t = tenant.to_string();
        let stage = self.stage_table().await?;
        let current = self.stage(stage, &batch, &t, rows).await?;
        let Current {
            join,
            on_hand,
            reserved,
            ..
        } = current;
        let undercut = match mode {
            FeedMode::Snapshot => format!("{reserved} > f.quantity"),
            FeedMode::Delta => {
                format!("COALESCE({on_hand}, 0) + f.quantity < COALESCE({reserved}, 0)")
            }
        };
        let sql =
            format!("SELECT f.seq FROM {stage} f {join} WHERE f.batch_id = $1 AND {undercut}");
        let refused = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(batch.clone())
            .bind(t.clone())
            .fetch_all(self.conn().await?)
            .await?;
        let mut rejects = Vec::new();
        for row in &refused {
            let seq: i64 = row.try_get("seq")?;
            let sql = format!("DELETE FROM {stage} WHERE batch_id = $1 AND seq = $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(batch.clone())
                .bind(seq)
                .execute(self.conn().await?)
                .await?;
            rejects.push(FeedReject {
                row: seq as u64,
                reason: RejectReason::BelowReserved,
                detail: "on hand would fall below what is reserved".into(),
            });
        }
        let ledger = match mode {
            FeedMode::Snapshot => format!(
                "INSERT INTO stock_movements (tenant_id, id, sku, location_id, kind, quantity, reference, occurred_at) \
                     SELECT $2, f.movement_id, f.sku, f.location_id, 'count', f.quantity - COALESCE({on_hand}, 0), $3, $4 \
                     FROM {stage} f {join} WHERE f.batch_id = $1 AND f.quantity <> COALESCE({on_hand}, 0)"
            ),
            FeedMode::Delta => format!(
                "INSERT INTO stock_movements (tenant_id, id, sku, location_id, kind, quantity, reference, occurred_at) \
                 SELECT $2, f.movement_id, f.sku, f.location_id, f.kind, f.quantity, $3, $4 \
                 FROM {stage} f WHERE f.batch_id = $1"
            ),
        };
        sqlx::query(sqlx::AssertSqlSafe(ledger))
            .bind(batch.clone())
            .bind(t.clone())
            .bind(feed.to_string())
            .bind(millis(now))
            .execute(self.conn().await?)
            .await?;
        match mode {
            FeedMode::Snapshot => {
                self.upsert_snapshot(stage, current, &batch, &t, now)
                    .await?
            }
            FeedMode::Delta => self.add_deltas(stage, &batch, &t, now).await?,
        }
        let sql = format!("DELETE FROM {stage} WHERE batch_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(batch)
            .execute(self.conn().await?)
            .await?;
        let data = serde_json::json!({
            "feed_id": feed.to_string(),
            "mode": mode,
            "rows": rows.len(),
            "applied": rows.len() - rejects.len(),
            "rejected": rejects.len(),
        });
        self.record(&DomainEvent::new(
            tenant,
            "stock.feed_applied",
            feed,
            now,
            data,
        ))
        .await?;
        Ok(rejects)
    }
}

impl WriteTx {
    /// Sets the staged quantities as on-hand in one pass: new stock rows are inserted, known
    /// ones updated (a given safety stock replaces the stored one, else it is kept). A row the
    /// snapshot restates unchanged — most of a daily snapshot — is not rewritten.
    async fn upsert_snapshot(
        &mut self,
        stage: &str,
        current: &Current,
        batch: &str,
        tenant: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        for (given, safety, only) in [
            ("IS NULL", "stock.safety_stock", current.changed_only),
            ("IS NOT NULL", "excluded.safety_stock", ""),
        ] {
            let sql = format!(
                "INSERT INTO stock (tenant_id, sku, location_id, on_hand, reserved, safety_stock, in_transit, updated_at) \
                 SELECT $2, f.sku, f.location_id, f.quantity, 0, COALESCE(f.safety_stock, 0), 0, $3 \
                 FROM {stage} f WHERE f.batch_id = $1 AND f.safety_stock {given} {only} \
                 ON CONFLICT (tenant_id, sku, location_id) DO UPDATE SET on_hand = excluded.on_hand, \
                 safety_stock = {safety}, updated_at = excluded.updated_at \
                 WHERE stock.on_hand <> excluded.on_hand OR stock.safety_stock <> {safety}"
            );
            self.over_batch(sql, batch, tenant, now).await?;
        }
        Ok(())
    }

    /// Runs a set-based statement over a staged batch (`$1` the batch, `$2` the tenant, `$3`
    /// the time).
    async fn over_batch(
        &mut self,
        sql: String,
        batch: &str,
        tenant: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(batch.to_owned())
            .bind(tenant.to_owned())
            .bind(millis(now))
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }

    /// Adds the staged movements to on-hand. A delta's proposed insert row must pass the
    /// CHECKs before the conflict is seen, so rows are created empty first and changed by an
    /// UPDATE … FROM.
    async fn add_deltas(
        &mut self,
        stage: &str,
        batch: &str,
        tenant: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO stock (tenant_id, sku, location_id, on_hand, reserved, safety_stock, in_transit, updated_at) \
             SELECT $2, f.sku, f.location_id, 0, 0, 0, 0, $3 \
             FROM {stage} f WHERE f.batch_id = $1 \
             ON CONFLICT (tenant_id, sku, location_id) DO NOTHING"
        );
        self.over_batch(sql, batch, tenant, now).await?;
        let sql = format!(
            "UPDATE stock SET on_hand = stock.on_hand + f.quantity, \
             safety_stock = COALESCE(f.safety_stock, stock.safety_stock), \
             updated_at = $3 FROM {stage} f WHERE f.batch_id = $1 AND stock.tenant_id = $2 \
             AND stock.sku = f.sku AND stock.location_id = f.location_id"
        );
        self.over_batch(sql, batch, tenant, now).await?;
        Ok(())
    }
}

impl Store {
    /// Applies a batch in its own transaction, retrying once if a concurrent hold made the
    /// pre-check stale (PostgreSQL only; SQLite serialises writers).
    pub async fn apply_feed_batch(
        &self,
        tenant: TenantId,
        feed: FeedId,
        mode: FeedMode,
        rows: &[CheckedRow],
        now: Timestamp,
    ) -> Result<Vec<FeedReject>, StoreError> {
        let mut attempt = 0;
        loop {
            let mut tx = self.write().await?;
            match tx.apply_feed_batch(tenant, feed, mode, rows, now).await {
                Ok(rejects) => {
                    tx.commit().await?;
                    return Ok(rejects);
                }
                Err(StoreError::Database(e)) if attempt < 2 && is_check_violation(&e) => {
                    attempt += 1
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn is_check_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_check_violation())
}
