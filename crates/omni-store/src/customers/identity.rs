//! The identity graph's nodes: identifiers attached to profiles, with their source, whether
//! they were verified, and (after a merge) the profile they came from.

use omni_domain::customers::{Customer, Identifier, IdentifierKind};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::Row;

use super::{decode_customer, parse};
use crate::{Store, StoreError, WriteTx, from_millis, millis};

/// An identifier as attached to a profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredIdentifier {
    pub kind: IdentifierKind,
    pub value: String,
    pub customer_id: CustomerId,
    pub verified: bool,
    /// The channel (or process) it came from.
    pub source: String,
    pub created_at: Timestamp,
}

impl StoredIdentifier {
    /// The identifier itself.
    pub fn identifier(&self) -> Identifier {
        Identifier {
            kind: self.kind,
            value: self.value.clone(),
        }
    }
}

const COLUMNS: &str = "kind, value, customer_id, verified, source, created_at";

fn decode(row: &sqlx::any::AnyRow) -> Result<StoredIdentifier, StoreError> {
    let kind: String = row.try_get("kind")?;
    let customer: String = row.try_get("customer_id")?;
    let verified: i64 = row.try_get("verified")?;
    Ok(StoredIdentifier {
        kind: IdentifierKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
        value: row.try_get("value")?,
        customer_id: parse(&customer)?,
        verified: verified == 1,
        source: row.try_get("source")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

impl WriteTx {
    /// Attaches an identifier to a profile. A verified identifier already owned by another
    /// profile is a [`StoreError::Conflict`] (the unique index decides, also between
    /// concurrent transactions on PostgreSQL). Attaching one a profile already has only
    /// upgrades it to verified.
    pub async fn attach_identifier(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        id: &Identifier,
        verified: bool,
        source: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customer_identifiers (tenant_id, kind, value, customer_id, verified, source, \
             origin_customer_id, merge_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $4, NULL, $7) \
             ON CONFLICT (tenant_id, kind, value, customer_id) DO UPDATE SET verified = \
             CASE WHEN excluded.verified = 1 THEN 1 ELSE customer_identifiers.verified END",
        )
        .bind(tenant.to_string())
        .bind(id.kind.as_str())
        .bind(id.value.clone())
        .bind(customer.to_string())
        .bind(i64::from(verified))
        .bind(source.to_owned())
        .bind(millis(now))
        .execute(self.conn().await?)
        .await
        .map_err(StoreError::unique("this verified identifier belongs to another customer"))?;
        Ok(())
    }

    /// Every profile holding this identifier, verified owners first.
    pub async fn identifier_owners(
        &mut self,
        tenant: TenantId,
        id: &Identifier,
    ) -> Result<Vec<StoredIdentifier>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM customer_identifiers WHERE tenant_id = $1 AND kind = $2 AND value = $3 \
             ORDER BY verified DESC, customer_id"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(id.kind.as_str())
            .bind(id.value.clone())
            .fetch_all(self.conn().await?)
            .await?;
        rows.iter().map(decode).collect()
    }

    /// The identifiers attached to a profile.
    pub async fn identifiers_of(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<StoredIdentifier>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM customer_identifiers WHERE tenant_id = $1 AND customer_id = $2 ORDER BY kind, value"
        );
        crate::rows_by_key(
            self.conn().await?,
            sql,
            tenant,
            customer.to_string(),
            decode,
        )
        .await
    }
}

impl Store {
    /// The profile an identifier leads to (verified owner first, then the oldest holder),
    /// resolved through merges — the hot path of `identify`: one indexed join, plus a hop
    /// only for identifiers still attached to a merged-away profile.
    pub async fn customer_by_identifier(
        &self,
        tenant: TenantId,
        id: &Identifier,
    ) -> Result<Customer, StoreError> {
        let row = sqlx::query(
            "SELECT c.doc FROM customer_identifiers i JOIN customers c \
             ON c.tenant_id = i.tenant_id AND c.id = i.customer_id \
             WHERE i.tenant_id = $1 AND i.kind = $2 AND i.value = $3 \
             ORDER BY i.verified DESC, i.customer_id LIMIT 1",
        )
        .bind(tenant.to_string())
        .bind(id.kind.as_str())
        .bind(id.value.clone())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let c = decode_customer(&row)?;
        match c.merged_into {
            Some(survivor) => self.resolve_customer(tenant, survivor).await,
            None => Ok(c),
        }
    }

    /// The identifiers attached to a profile.
    pub async fn identifiers_of(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<StoredIdentifier>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM customer_identifiers WHERE tenant_id = $1 AND customer_id = $2 ORDER BY kind, value"
        );
        crate::rows_by_key(self.pool(), sql, tenant, customer.to_string(), decode).await
    }
}
