//! Transfers: dispatch takes units off the source shelf (a transfer-out movement) and shows
//! them in transit at the destination; receipt moves them onto the destination shelf.

use omni_domain::events::DomainEvent;
use omni_domain::inventory::{Movement, MovementKind, Transfer, TransferId, TransferStatus};
use omni_kernel::TenantId;
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, millis};

fn decode(row: &sqlx::any::AnyRow) -> Result<Transfer, StoreError> {
    let doc: String = row.try_get("doc")?;
    serde_json::from_str(&doc).map_err(StoreError::corrupt)
}

fn status(t: &Transfer) -> &'static str {
    match t.status {
        TransferStatus::InTransit => "in_transit",
        TransferStatus::Received => "received",
    }
}

impl WriteTx {
    /// Dispatches: the source loses on-hand (409 if that would undercut its holds), the
    /// destination gains in-transit; records the transfer and `transfer.dispatched`.
    pub async fn dispatch_transfer(&mut self, t: &Transfer) -> Result<(), StoreError> {
        let out = Movement {
            kind: MovementKind::TransferOut,
            quantity: -t.quantity,
        };
        let reference = t.id.to_string();
        self.apply_movement(
            t.tenant_id,
            &t.sku,
            t.from_location_id,
            out,
            Some(&reference),
            t.dispatched_at,
        )
        .await?;
        self.adjust_stock_settings(
            t.tenant_id,
            &t.sku,
            t.to_location_id,
            None,
            t.quantity,
            t.dispatched_at,
        )
        .await?;
        sqlx::query("INSERT INTO transfers (tenant_id, id, status, doc, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(t.tenant_id.to_string())
            .bind(reference)
            .bind(status(t))
            .bind(serde_json::to_string(t).map_err(StoreError::corrupt)?)
            .bind(millis(t.dispatched_at))
            .execute(self.conn().await?)
            .await?;
        self.record_transfer(t, "transfer.dispatched").await
    }

    /// A transfer, read inside the transaction.
    pub async fn transfer(
        &mut self,
        tenant: TenantId,
        id: TransferId,
    ) -> Result<Transfer, StoreError> {
        let row = sqlx::query("SELECT doc FROM transfers WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    /// Receives a dispatched transfer (once: the status update is conditional).
    pub async fn receive_transfer(&mut self, t: &Transfer) -> Result<(), StoreError> {
        let now = t.received_at.unwrap_or(t.dispatched_at);
        let done = sqlx::query(
            "UPDATE transfers SET status = $1, doc = $2, updated_at = $3 \
             WHERE tenant_id = $4 AND id = $5 AND status = 'in_transit'",
        )
        .bind(status(t))
        .bind(serde_json::to_string(t).map_err(StoreError::corrupt)?)
        .bind(millis(now))
        .bind(t.tenant_id.to_string())
        .bind(t.id.to_string())
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("the transfer was already received"));
        }
        self.adjust_stock_settings(
            t.tenant_id,
            &t.sku,
            t.to_location_id,
            None,
            -t.quantity,
            now,
        )
        .await?;
        let arrival = Movement {
            kind: MovementKind::TransferIn,
            quantity: t.quantity,
        };
        let reference = t.id.to_string();
        self.apply_movement(
            t.tenant_id,
            &t.sku,
            t.to_location_id,
            arrival,
            Some(&reference),
            now,
        )
        .await?;
        self.record_transfer(t, "transfer.received").await
    }

    async fn record_transfer(&mut self, t: &Transfer, kind: &str) -> Result<(), StoreError> {
        let data = serde_json::to_value(t).map_err(StoreError::corrupt)?;
        let at = t.received_at.unwrap_or(t.dispatched_at);
        self.record(&DomainEvent::new(t.tenant_id, kind, t.id, at, data))
            .await
    }
}

impl Store {
    /// A transfer of the tenant.
    pub async fn transfer(&self, tenant: TenantId, id: TransferId) -> Result<Transfer, StoreError> {
        let row = sqlx::query("SELECT doc FROM transfers WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }
}
