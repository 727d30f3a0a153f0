//! Locations repository. The full location is kept as a JSON document next to the columns
//! that queries filter and sort on (code, kind, status, coordinates).

use omni_domain::network::{Location, LocationKind};
use omni_kernel::{LocationId, TenantId};
use sqlx::Row;

use crate::{Page, Store, StoreError, WriteTx, millis};

/// Filters for listing locations.
#[derive(Debug, Clone, Default)]
pub struct LocationFilter {
    pub kind: Option<LocationKind>,
    pub starting_after: Option<LocationId>,
    pub limit: usize,
}

fn doc(location: &Location) -> Result<String, StoreError> {
    serde_json::to_string(location).map_err(StoreError::corrupt)
}

fn decode(row: &sqlx::any::AnyRow) -> Result<Location, StoreError> {
    let doc: String = row.try_get("doc")?;
    serde_json::from_str(&doc).map_err(StoreError::corrupt)
}

fn status_name(l: &Location) -> &'static str {
    match l.status {
        omni_domain::network::LocationStatus::Active => "active",
        omni_domain::network::LocationStatus::TemporarilyClosed => "temporarily_closed",
        omni_domain::network::LocationStatus::Closed => "closed",
    }
}

/// One location of a tenant, read through a pool or inside a transaction.
async fn fetch_location<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: TenantId,
    id: LocationId,
) -> Result<Location, StoreError> {
    let row = sqlx::query("SELECT doc FROM locations WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?
        .ok_or(StoreError::NotFound)?;
    decode(&row)
}

impl WriteTx {
    /// Inserts a new location; the code must be unique within the tenant.
    pub async fn insert_location(&mut self, l: &Location) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO locations (tenant_id, id, code, kind, status, lat, lon, doc, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(l.tenant_id.to_string())
        .bind(l.id.to_string())
        .bind(l.code.clone())
        .bind(l.kind.as_str())
        .bind(status_name(l))
        .bind(l.geo.lat())
        .bind(l.geo.lon())
        .bind(doc(l)?)
        .bind(l.version)
        .bind(millis(l.updated_at))
        .execute(self.conn().await?)
        .await
        .map_err(StoreError::unique("a location with this code exists"))?;
        Ok(())
    }

    /// Reads a location inside the transaction (for read-modify-write).
    pub async fn location(
        &mut self,
        tenant: TenantId,
        id: LocationId,
    ) -> Result<Location, StoreError> {
        fetch_location(self.conn().await?, tenant, id).await
    }

    /// Replaces a location if it is still at `expected_version` (optimistic concurrency).
    pub async fn update_location(
        &mut self,
        l: &Location,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE locations SET status = $1, lat = $2, lon = $3, doc = $4, version = $5, updated_at = $6 \
             WHERE tenant_id = $7 AND id = $8 AND version = $9",
        )
        .bind(status_name(l))
        .bind(l.geo.lat())
        .bind(l.geo.lon())
        .bind(doc(l)?)
        .bind(l.version)
        .bind(millis(l.updated_at))
        .bind(l.tenant_id.to_string())
        .bind(l.id.to_string())
        .bind(expected_version)
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::VersionMismatch)
        }
    }
}

impl Store {
    /// A location of the tenant.
    pub async fn location(&self, tenant: TenantId, id: LocationId) -> Result<Location, StoreError> {
        fetch_location(self.pool(), tenant, id).await
    }

    /// A page of the tenant's locations in id (creation) order.
    pub async fn locations(
        &self,
        tenant: TenantId,
        filter: &LocationFilter,
    ) -> Result<Page<Location>, StoreError> {
        let after = filter
            .starting_after
            .map(|id| id.to_string())
            .unwrap_or_default();
        let kind = filter.kind.map(|k| k.as_str()).unwrap_or("");
        let rows = sqlx::query(
            "SELECT doc FROM locations WHERE tenant_id = $1 AND id > $2 AND ($3 = '' OR kind = $3) \
             ORDER BY id LIMIT $4",
        )
        .bind(tenant.to_string())
        .bind(after)
        .bind(kind)
        .bind(filter.limit as i64 + 1)
        .fetch_all(self.pool())
        .await?;
        let items = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(items, filter.limit))
    }

    /// Every location of the tenant (demo loaders and in-memory indexes; bounded by the chain size).
    pub async fn all_locations(&self, tenant: TenantId) -> Result<Vec<Location>, StoreError> {
        let rows = sqlx::query("SELECT doc FROM locations WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode).collect()
    }
}
