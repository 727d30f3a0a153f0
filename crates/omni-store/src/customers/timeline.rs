//! Timeline entries: appended per customer or per anonymous device, listed newest-last with
//! cursor pagination and filters, and stitched from a device to its customer.

use omni_domain::customers::{InteractionKind, TimelineEntry, TimelineEntryId};
use omni_kernel::{Channel, CustomerId, TenantId};
use sqlx::Row;

use super::{opt_parse, parse};
use crate::batch::Stmt;
use crate::{Page, Store, StoreError, WriteTx, from_millis, millis};

/// Filters of a timeline page.
#[derive(Debug, Clone, Default)]
pub struct TimelineFilter {
    pub kind: Option<InteractionKind>,
    pub channel: Option<Channel>,
    pub starting_after: Option<TimelineEntryId>,
    pub limit: usize,
}

const COLUMNS: &str = "id, customer_id, device_id, kind, channel, location_id, occurred_at, data";

fn decode(row: &sqlx::any::AnyRow) -> Result<TimelineEntry, StoreError> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let channel: String = row.try_get("channel")?;
    let data: String = row.try_get("data")?;
    Ok(TimelineEntry {
        id: parse(&id)?,
        customer_id: opt_parse(row.try_get("customer_id")?)?,
        device_id: row.try_get("device_id")?,
        kind: serde_json::from_value(serde_json::Value::String(kind))
            .map_err(StoreError::corrupt)?,
        channel: Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(channel.clone()))?,
        location_id: opt_parse(row.try_get("location_id")?)?,
        occurred_at: from_millis(row.try_get("occurred_at")?),
        data: serde_json::from_str(&data).map_err(StoreError::corrupt)?,
    })
}

impl WriteTx {
    /// Appends an entry.
    pub async fn insert_timeline(
        &mut self,
        tenant: TenantId,
        e: &TimelineEntry,
    ) -> Result<(), StoreError> {
        let stmt = Stmt::new(
            "INSERT INTO customer_timeline (tenant_id, id, customer_id, device_id, kind, channel, location_id, \
             occurred_at, data, merge_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
        )
        .bind(tenant.to_string())
        .bind(e.id.to_string())
        .bind(e.customer_id.map(|c| c.to_string()))
        .bind(e.device_id.clone())
        .bind(e.kind.as_str())
        .bind(e.channel.as_str())
        .bind(e.location_id.map(|l| l.to_string()))
        .bind(millis(e.occurred_at))
        .bind(e.data.to_string());
        self.defer(stmt).await
    }

    /// Gives a device's anonymous entries to the customer it turned out to be; returns how many.
    pub async fn stitch_device(
        &mut self,
        tenant: TenantId,
        device: &str,
        customer: CustomerId,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE customer_timeline SET customer_id = $1 WHERE tenant_id = $2 AND device_id = $3 AND customer_id IS NULL",
        )
        .bind(customer.to_string())
        .bind(tenant.to_string())
        .bind(device.to_owned())
        .execute(self.conn().await?)
        .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// A page of a customer's timeline in the order entries were recorded.
    pub async fn timeline(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        f: &TimelineFilter,
    ) -> Result<Page<TimelineEntry>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM customer_timeline WHERE tenant_id = $1 AND customer_id = $2 AND id > $3 \
             AND ($4 = '' OR kind = $4) AND ($5 = '' OR channel = $5) ORDER BY id LIMIT $6"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(customer.to_string())
            .bind(f.starting_after.map(|a| a.to_string()).unwrap_or_default())
            .bind(f.kind.map(|k| k.as_str()).unwrap_or(""))
            .bind(f.channel.map(|c| c.as_str()).unwrap_or(""))
            .bind(f.limit as i64 + 1)
            .fetch_all(self.pool())
            .await?;
        let items = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(items, f.limit))
    }

    /// A device's entries not yet stitched to anyone.
    pub async fn anonymous_timeline(
        &self,
        tenant: TenantId,
        device: &str,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM customer_timeline WHERE tenant_id = $1 AND device_id = $2 AND customer_id IS NULL ORDER BY id LIMIT 1000"
        );
        crate::rows_by_key(self.pool(), sql, tenant, device.to_owned(), decode).await
    }

    /// Every entry of a customer (export; bounded by what one person does).
    pub async fn full_timeline(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM customer_timeline WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id"
        );
        crate::rows_by_key(self.pool(), sql, tenant, customer.to_string(), decode).await
    }
}
