//! What a location can sell now, for search's "in stock in this store" filter: the catalog
//! asks the question, the inventory's stock rows hold the answer.

use omni_kernel::{LocationId, TenantId};
use sqlx::Row;

use crate::{Store, StoreError};

impl Store {
    /// SKUs with stock available to promise at `location` (on hand − reserved − safety
    /// stock > 0), read through the `(tenant, location, sku)` index.
    pub async fn skus_available_at(
        &self,
        tenant: TenantId,
        location: LocationId,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT sku FROM stock WHERE tenant_id = $1 AND location_id = $2 \
             AND on_hand - reserved - safety_stock > 0",
        )
        .bind(tenant.to_string())
        .bind(location.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| r.try_get("sku").map_err(StoreError::from))
            .collect()
    }
}
