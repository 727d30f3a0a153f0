//! A tenant's channel rules for availability, kept as one document.

use omni_domain::inventory::ChannelRules;
use omni_kernel::{TenantId, Timestamp};
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, millis};

impl WriteTx {
    /// Replaces the tenant's channel rules.
    pub async fn put_channel_rules(
        &mut self,
        tenant: TenantId,
        rules: &ChannelRules,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO inventory_channel_rules (tenant_id, doc, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET doc = $2, updated_at = $3",
        )
        .bind(tenant.to_string())
        .bind(serde_json::to_string(rules).map_err(StoreError::corrupt)?)
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }
}

impl Store {
    /// The tenant's channel rules (empty: every channel on its default).
    pub async fn channel_rules(&self, tenant: TenantId) -> Result<ChannelRules, StoreError> {
        let row = sqlx::query("SELECT doc FROM inventory_channel_rules WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(r) => {
                let doc: String = r.try_get("doc")?;
                serde_json::from_str(&doc).map_err(StoreError::corrupt)
            }
            None => Ok(ChannelRules::default()),
        }
    }
}
