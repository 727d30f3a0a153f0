//! Profile rows: insert, read (raw or resolved through merges), optimistic update.

use omni_domain::customers::Customer;
use omni_kernel::{CustomerId, TenantId, Timestamp};

use super::{birth_md, decode_customer, doc, for_update};
use crate::{Store, StoreError, WriteTx, millis};

/// How many merge hops a resolution follows before calling the chain corrupt.
const MAX_HOPS: usize = 8;

impl WriteTx {
    /// Inserts a new profile.
    pub async fn insert_customer(
        &mut self,
        c: &Customer,
        consent_bits: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customers (tenant_id, id, status, merged_into, tier, city, spent_90d, points, \
             consent_bits, doc, version, created_at, updated_at, birth_md) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(c.tenant_id.to_string())
        .bind(c.id.to_string())
        .bind(c.status.as_str())
        .bind(c.merged_into.map(|m| m.to_string()))
        .bind(c.tier.as_str())
        .bind(c.city.clone())
        .bind(c.spent_90d)
        .bind(c.points_balance)
        .bind(consent_bits)
        .bind(doc(c)?)
        .bind(c.version)
        .bind(millis(c.created_at))
        .bind(millis(c.updated_at))
        .bind(birth_md(c))
        .execute(self.conn().await?)
        .await?;
        self.customer_facts_changed(c.tenant_id, c.id, c.created_at);
        Ok(())
    }

    /// Reads a profile (not following merges) and locks it for the rest of the transaction.
    pub async fn customer(
        &mut self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<Customer, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT doc FROM customers WHERE tenant_id = $1 AND id = $2{}",
            for_update(self.backend())
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_customer(&row)
    }

    /// Reads the profile an id stands for now: merged ids resolve to their survivor.
    pub async fn resolve_customer(
        &mut self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<Customer, StoreError> {
        let mut c = self.customer(tenant, id).await?;
        for _ in 0..MAX_HOPS {
            match c.merged_into {
                Some(next) => c = self.customer(tenant, next).await?,
                None => return Ok(c),
            }
        }
        Err(StoreError::Corrupt(format!("merge chain of {id} too long")))
    }

    /// Replaces a profile if it is still at `expected_version`.
    pub async fn update_customer(
        &mut self,
        c: &Customer,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE customers SET status = $1, merged_into = $2, tier = $3, city = $4, spent_90d = $5, \
             points = $6, doc = $7, version = $8, updated_at = $9, birth_md = $10 \
             WHERE tenant_id = $11 AND id = $12 AND version = $13",
        )
        .bind(c.status.as_str())
        .bind(c.merged_into.map(|m| m.to_string()))
        .bind(c.tier.as_str())
        .bind(c.city.clone())
        .bind(c.spent_90d)
        .bind(c.points_balance)
        .bind(doc(c)?)
        .bind(c.version)
        .bind(millis(c.updated_at))
        .bind(birth_md(c))
        .bind(c.tenant_id.to_string())
        .bind(c.id.to_string())
        .bind(expected_version)
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() == 1 {
            self.customer_facts_changed(c.tenant_id, c.id, c.updated_at);
            Ok(())
        } else {
            Err(StoreError::VersionMismatch)
        }
    }

    /// Stores the consents in force as bits (what segment snapshots read).
    pub async fn set_consent_bits(
        &mut self,
        tenant: TenantId,
        id: CustomerId,
        bits: i64,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE customers SET consent_bits = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(bits)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .execute(self.conn().await?)
            .await?;
        self.customer_facts_changed(tenant, id, at);
        Ok(())
    }
}

impl Store {
    /// A profile as stored (a merged one says so and names its survivor).
    pub async fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Customer, StoreError> {
        let row = sqlx::query("SELECT doc FROM customers WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_customer(&row)
    }

    /// The profile an id stands for now: merged ids resolve to their survivor.
    pub async fn resolve_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<Customer, StoreError> {
        let mut c = self.customer(tenant, id).await?;
        for _ in 0..MAX_HOPS {
            match c.merged_into {
                Some(next) => c = self.customer(tenant, next).await?,
                None => return Ok(c),
            }
        }
        Err(StoreError::Corrupt(format!("merge chain of {id} too long")))
    }

    /// How many profiles the tenant has (any status).
    pub async fn customer_count(&self, tenant: TenantId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM customers WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_one(self.pool())
            .await?;
        Ok(sqlx::Row::try_get(&row, "n")?)
    }
}
