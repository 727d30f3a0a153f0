//! Stock rows and the ledger: conditional updates that never let reserved exceed on-hand,
//! and a movement row for every on-hand change.

use omni_domain::inventory::{Movement, MovementId, MovementKind, Sku, StockLevel};
use omni_kernel::{LocationId, TenantId, Timestamp};

use super::{KEY, LEVEL_COLUMNS, level};
use crate::batch::Stmt;
use crate::{Backend, StoreError, WriteTx, millis};

impl WriteTx {
    /// The stock row, locked for this transaction on PostgreSQL (zero when absent).
    pub async fn stock_level(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
    ) -> Result<StockLevel, StoreError> {
        let lock = if self.backend() == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!("SELECT {LEVEL_COLUMNS} FROM stock WHERE {KEY}{lock}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.to_string())
            .bind(sku.as_str().to_owned())
            .bind(location.to_string())
            .fetch_optional(self.conn().await?)
            .await?;
        row.as_ref().map_or(Ok(StockLevel::default()), level)
    }

    async fn ensure_stock_row(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO stock (tenant_id, sku, location_id, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, sku, location_id) DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(sku.as_str().to_owned())
        .bind(location.to_string())
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Appends a ledger entry (callers change on-hand by the same amount in this transaction).
    async fn insert_movement(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        m: Movement,
        reference: Option<&str>,
        now: Timestamp,
    ) -> Result<MovementId, StoreError> {
        let id = MovementId::new();
        sqlx::query(
            "INSERT INTO stock_movements (tenant_id, id, sku, location_id, kind, quantity, reference, occurred_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant.to_string())
        .bind(id.to_string())
        .bind(sku.as_str().to_owned())
        .bind(location.to_string())
        .bind(m.kind.as_str())
        .bind(m.quantity)
        .bind(reference.map(str::to_owned))
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        Ok(id)
    }

    /// Records a movement and changes on-hand by it, unless on-hand would fall below the
    /// reserved units (409): the check and the change are one statement.
    pub async fn apply_movement(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        m: Movement,
        reference: Option<&str>,
        now: Timestamp,
    ) -> Result<StockLevel, StoreError> {
        self.ensure_stock_row(tenant, sku, location, now).await?;
        let sql = format!(
            "UPDATE stock SET on_hand = on_hand + $4, updated_at = $5 \
             WHERE {KEY} AND on_hand + $4 >= reserved RETURNING {LEVEL_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.to_string())
            .bind(sku.as_str().to_owned())
            .bind(location.to_string())
            .bind(m.quantity)
            .bind(millis(now))
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::Conflict(
                "on hand would fall below what is reserved",
            ))?;
        self.insert_movement(tenant, sku, location, m, reference, now)
            .await?;
        level(&row)
    }

    /// Holds units if that many are available to promise — the no-oversell statement
    /// (`false`, nothing changed, if not).
    /// The writes kept back in the transaction go with it, so an error here may be theirs.
    pub async fn try_reserve_stock(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        quantity: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let stmt = reserve_stock(tenant, sku, location, quantity, now);
        Ok(self.run(stmt).await?.rows_affected == 1)
    }

    /// Frees held units; with `sold`, they also leave on-hand as a sale movement.
    pub async fn unreserve_stock(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        quantity: i64,
        sold: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let on_hand_change = if sold.is_some() { -quantity } else { 0 };
        let sql = format!(
            "UPDATE stock SET reserved = reserved - $4, on_hand = on_hand + $5, updated_at = $6 \
             WHERE {KEY} AND reserved >= $4"
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.to_string())
            .bind(sku.as_str().to_owned())
            .bind(location.to_string())
            .bind(quantity)
            .bind(on_hand_change)
            .bind(millis(now))
            .execute(self.conn().await?)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Corrupt(format!("stock of {sku} lost its hold")));
        }
        if let Some(reference) = sold {
            let sale = Movement {
                kind: MovementKind::Sale,
                quantity: -quantity,
            };
            self.insert_movement(tenant, sku, location, sale, Some(reference), now)
                .await?;
        }
        Ok(())
    }

    /// Sets safety stock and/or adds to in-transit (transfers announce arrivals).
    pub async fn adjust_stock_settings(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        safety_stock: Option<i64>,
        in_transit_change: i64,
        now: Timestamp,
    ) -> Result<StockLevel, StoreError> {
        self.ensure_stock_row(tenant, sku, location, now).await?;
        let sql = format!(
            "UPDATE stock SET safety_stock = COALESCE($4, safety_stock), in_transit = in_transit + $5, \
             updated_at = $6 WHERE {KEY} AND in_transit + $5 >= 0 RETURNING {LEVEL_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.to_string())
            .bind(sku.as_str().to_owned())
            .bind(location.to_string())
            .bind(safety_stock)
            .bind(in_transit_change)
            .bind(millis(now))
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::Conflict(
                "fewer units are in transit than received",
            ))?;
        level(&row)
    }
}

/// The no-oversell statement: holds `quantity` units if that many are available to promise,
/// else changes nothing.
pub(crate) fn reserve_stock(
    tenant: TenantId,
    sku: &Sku,
    location: LocationId,
    quantity: i64,
    now: Timestamp,
) -> Stmt {
    Stmt::new(format!(
        "UPDATE stock SET reserved = reserved + $4, updated_at = $5 \
         WHERE {KEY} AND on_hand - reserved - safety_stock >= $4"
    ))
    .bind(tenant.to_string())
    .bind(sku.as_str())
    .bind(location.to_string())
    .bind(quantity)
    .bind(millis(now))
}
