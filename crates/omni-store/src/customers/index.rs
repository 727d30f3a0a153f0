//! Reads for the per-node identity index (`omni_domain::customers::IdentityIndex`): every
//! identifier with the profile it was attached to, in pages by primary key; the merge and
//! erasure facts the index follows; and the one-query confirmation of an index hit.

use omni_domain::customers::{Customer, CustomerStatus, Identifier, IdentifierKind};
use omni_kernel::{CustomerId, TenantId};
use sqlx::Row;

use super::{decode_customer, parse};
use crate::{Store, StoreError};

/// One identifier row as the index needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRow {
    pub tenant_id: TenantId,
    pub identifier: Identifier,
    /// The profile it was attached to (it may have moved to a survivor since; the merge says).
    pub origin: CustomerId,
}

/// Where the next page of [`Store::identity_rows`] starts: the last primary key read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityCursor([String; 4]);

/// A profile that no longer answers for itself: merged into another, or erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityLink {
    pub customer_id: CustomerId,
    pub merged_into: Option<CustomerId>,
    pub erased: bool,
}

impl Store {
    /// A page of identifier rows of every tenant after `cursor`, in primary-key order, and the
    /// cursor of the next page (`None` at the end). Pages keep each read short, so a start-up
    /// build over millions of rows never holds one long statement open.
    pub async fn identity_rows(
        &self,
        cursor: &IdentityCursor,
        limit: usize,
    ) -> Result<(Vec<IdentityRow>, Option<IdentityCursor>), StoreError> {
        let [t, k, v, c] = &cursor.0;
        let rows = sqlx::query(
            "SELECT tenant_id, kind, value, customer_id, origin_customer_id FROM customer_identifiers \
             WHERE (tenant_id, kind, value, customer_id) > ($1, $2, $3, $4) \
             ORDER BY tenant_id, kind, value, customer_id LIMIT $5",
        )
        .bind(t.clone())
        .bind(k.clone())
        .bind(v.clone())
        .bind(c.clone())
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut last = None;
        for row in &rows {
            let (t, k, v, c): (String, String, String, String) = (
                row.try_get("tenant_id")?,
                row.try_get("kind")?,
                row.try_get("value")?,
                row.try_get("customer_id")?,
            );
            let origin: String = row.try_get("origin_customer_id")?;
            out.push(IdentityRow {
                tenant_id: parse(&t)?,
                identifier: Identifier {
                    kind: IdentifierKind::parse(&k)
                        .ok_or_else(|| StoreError::Corrupt(k.clone()))?,
                    value: v.clone(),
                },
                origin: parse(&origin)?,
            });
            last = Some([t, k, v, c]);
        }
        let next = (rows.len() == limit)
            .then_some(())
            .and(last)
            .map(IdentityCursor);
        Ok((out, next))
    }

    /// Every profile merged away or erased, of every tenant.
    pub async fn identity_links(&self) -> Result<Vec<IdentityLink>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, merged_into, status FROM customers WHERE merged_into IS NOT NULL OR status = $1",
        )
        .bind(CustomerStatus::Erased.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let into: Option<String> = row.try_get("merged_into")?;
                let status: String = row.try_get("status")?;
                Ok(IdentityLink {
                    customer_id: parse(&id)?,
                    merged_into: into.as_deref().map(parse).transpose()?,
                    erased: status == CustomerStatus::Erased.as_str(),
                })
            })
            .collect()
    }

    /// The profile `customer` if it holds the identifier itself — the confirmation of an
    /// identity-index hit, one primary-key read. `None` when the index was stale (the
    /// identifier moved, was erased, or the key collided).
    pub async fn customer_holding(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: &Identifier,
    ) -> Result<Option<Customer>, StoreError> {
        let row = sqlx::query(
            "SELECT c.doc FROM customers c WHERE c.tenant_id = $1 AND c.id = $2 AND EXISTS \
             (SELECT 1 FROM customer_identifiers i WHERE i.tenant_id = $1 AND i.kind = $3 \
             AND i.value = $4 AND i.customer_id = $2)",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(id.kind.as_str())
        .bind(id.value.clone())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(decode_customer).transpose()
    }
}
