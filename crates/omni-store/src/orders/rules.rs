//! The merchant's sourcing rules, one versioned JSON document per tenant.

use omni_kernel::{TenantId, Timestamp};
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, millis};

impl WriteTx {
    /// Replaces the rules if they are still at `expected_version` (0: none stored yet).
    pub async fn put_sourcing_rules(
        &mut self,
        tenant: TenantId,
        doc: &str,
        expected_version: i64,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let next = expected_version + 1;
        let done = if expected_version == 0 {
            sqlx::query(
                "INSERT INTO sourcing_rules (tenant_id, doc, version, updated_at) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (tenant_id) DO NOTHING",
            )
            .bind(tenant.to_string())
            .bind(doc.to_owned())
            .bind(millis(now))
            .execute(self.conn().await?)
            .await?
        } else {
            sqlx::query(
                "UPDATE sourcing_rules SET doc = $1, version = $2, updated_at = $3 \
                 WHERE tenant_id = $4 AND version = $5",
            )
            .bind(doc.to_owned())
            .bind(next)
            .bind(millis(now))
            .bind(tenant.to_string())
            .bind(expected_version)
            .execute(self.conn().await?)
            .await?
        };
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch);
        }
        Ok(next)
    }
}

impl Store {
    /// The tenant's rules document and version, if a merchant saved any.
    pub async fn sourcing_rules(
        &self,
        tenant: TenantId,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query("SELECT doc, version FROM sourcing_rules WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((r.try_get("doc")?, r.try_get("version")?)))
            .transpose()
    }
}
