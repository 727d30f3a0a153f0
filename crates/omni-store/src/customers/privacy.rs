//! Personal-data duties: the audit log of staff reads of full PII (ids and reason codes only,
//! never the data read), erasure on request, and the per-tenant QR signing secret.

use omni_domain::customers::{AccessLogId, Customer, CustomerStatus, Merge};
use omni_kernel::{ApiKeyId, CustomerId, TenantId, Timestamp};
use sqlx::Row;

use super::{decode_customer, parse};
use crate::{Store, StoreError, WriteTx, from_millis, millis};

/// One audit entry: who read which customer's full data, when, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessEntry {
    pub id: AccessLogId,
    pub customer_id: CustomerId,
    pub key_id: ApiKeyId,
    pub role: String,
    /// `read_profile`, `export`, `erase`.
    pub action: String,
    /// A reason code (`support_request`, …), never free text.
    pub reason: String,
    pub at: Timestamp,
}

impl WriteTx {
    /// Appends an audit entry.
    pub async fn log_access(
        &mut self,
        tenant: TenantId,
        e: &AccessEntry,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customer_access_log (tenant_id, id, customer_id, key_id, role, action, reason, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant.to_string())
        .bind(e.id.to_string())
        .bind(e.customer_id.to_string())
        .bind(e.key_id.to_string())
        .bind(e.role.clone())
        .bind(e.action.clone())
        .bind(e.reason.clone())
        .bind(millis(e.at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Erases a customer and every profile merged into it: profile attributes (the birth
    /// date too), identifiers, timeline payloads and device ids, merge snapshots, segment
    /// memberships, the wishlist and the record of birthdays celebrated. The ids,
    /// tier and balances stay, so orders and the loyalty ledger keep their accounting.
    /// Returns the erased profile and the ids erased with it.
    pub async fn erase_customer(
        &mut self,
        tenant: TenantId,
        id: CustomerId,
        now: Timestamp,
    ) -> Result<(Customer, Vec<CustomerId>), StoreError> {
        let root = self.customer(tenant, id).await?;
        let mut ids = vec![root.id];
        let mut i = 0;
        while i < ids.len() && ids.len() < 1000 {
            let rows =
                sqlx::query("SELECT id FROM customers WHERE tenant_id = $1 AND merged_into = $2")
                    .bind(tenant.to_string())
                    .bind(ids[i].to_string())
                    .fetch_all(self.conn().await?)
                    .await?;
            for row in rows {
                let s: String = row.try_get("id")?;
                ids.push(parse(&s)?);
            }
            i += 1;
        }
        let t = tenant.to_string();
        for cid in &ids {
            let c = cid.to_string();
            let profile = self.customer(tenant, *cid).await?;
            let version = profile.version;
            let mut erased = profile.erase(now);
            if erased.merged_into.is_some() {
                erased.status = CustomerStatus::Merged;
            }
            self.update_customer(&erased, version).await?;
            for sql in [
                "DELETE FROM customer_identifiers WHERE tenant_id = $1 AND (customer_id = $2 OR origin_customer_id = $2)",
                "UPDATE customer_timeline SET data = '{}', device_id = NULL WHERE tenant_id = $1 AND customer_id = $2",
                "UPDATE customer_merges SET survivor_before = NULL WHERE tenant_id = $1 AND (survivor = $2 OR loser = $2)",
                "DELETE FROM segment_members WHERE tenant_id = $1 AND customer_id = $2",
                "DELETE FROM customer_wishlist WHERE tenant_id = $1 AND customer_id = $2",
                "DELETE FROM birthday_events WHERE tenant_id = $1 AND customer_id = $2",
            ] {
                sqlx::query(sql)
                    .bind(t.clone())
                    .bind(c.clone())
                    .execute(self.conn().await?)
                    .await?;
            }
        }
        let erased = self.customer(tenant, id).await?;
        Ok((erased, ids))
    }
}

impl Store {
    /// A customer's audit entries, oldest first.
    pub async fn access_log(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        let sql = "SELECT id, customer_id, key_id, role, action, reason, at FROM customer_access_log \
                   WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id";
        crate::rows_by_key(
            self.pool(),
            sql.into(),
            tenant,
            customer.to_string(),
            |row| {
                let id: String = row.try_get("id")?;
                let customer: String = row.try_get("customer_id")?;
                let key: String = row.try_get("key_id")?;
                Ok(AccessEntry {
                    id: parse(&id)?,
                    customer_id: parse(&customer)?,
                    key_id: parse(&key)?,
                    role: row.try_get("role")?,
                    action: row.try_get("action")?,
                    reason: row.try_get("reason")?,
                    at: from_millis(row.try_get("at")?),
                })
            },
        )
        .await
    }

    /// Every merge a customer took part in, as survivor or loser.
    pub async fn merges_of(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<Merge>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM customer_merges WHERE tenant_id = $1 AND (survivor = $2 OR loser = $2) ORDER BY id",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let doc: String = row.try_get("doc")?;
                serde_json::from_str(&doc).map_err(StoreError::corrupt)
            })
            .collect()
    }

    /// The tenant's QR signing secret, created from `candidate` on first use (all nodes then
    /// agree on the first one stored).
    pub async fn qr_secret(
        &self,
        tenant: TenantId,
        candidate: [u8; 32],
    ) -> Result<Vec<u8>, StoreError> {
        let select = "SELECT secret FROM customer_qr_secrets WHERE tenant_id = $1";
        if let Some(row) = sqlx::query(select)
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?
        {
            return Ok(row.try_get("secret")?);
        }
        sqlx::query(
            "INSERT INTO customer_qr_secrets (tenant_id, secret) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(candidate.to_vec())
        .execute(self.pool())
        .await?;
        let row = sqlx::query(select)
            .bind(tenant.to_string())
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("secret")?)
    }

    /// Profiles merged into `survivor` (one hop).
    pub async fn merged_into(
        &self,
        tenant: TenantId,
        survivor: CustomerId,
    ) -> Result<Vec<Customer>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM customers WHERE tenant_id = $1 AND merged_into = $2 ORDER BY id",
        )
        .bind(tenant.to_string())
        .bind(survivor.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode_customer).collect()
    }
}
