//! Consent history and the `may_contact` question other contexts ask before they message.

use omni_domain::customers::{
    ConsentRecord, ContactChannel, ContactDecision, CustomerStatus, Purpose, may_contact,
};
use omni_kernel::{Channel, CustomerId, TenantId, Timestamp};
use sqlx::Row;

use super::opt_parse;
use crate::{Store, StoreError, WriteTx, from_millis, millis};

fn enum_of<T: serde::de::DeserializeOwned>(s: String) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s)).map_err(StoreError::corrupt)
}

const COLUMNS: &str = "purpose, channel, granted, method, source, location_id, at";

fn decode(row: &sqlx::any::AnyRow) -> Result<ConsentRecord, StoreError> {
    let purpose: String = row.try_get("purpose")?;
    let channel: Option<String> = row.try_get("channel")?;
    let source: String = row.try_get("source")?;
    let granted: i64 = row.try_get("granted")?;
    Ok(ConsentRecord {
        purpose: enum_of(purpose)?,
        channel: channel.map(enum_of).transpose()?,
        granted: granted == 1,
        method: row.try_get("method")?,
        source: Channel::parse(&source).ok_or_else(|| StoreError::Corrupt(source.clone()))?,
        location_id: opt_parse(row.try_get("location_id")?)?,
        at: from_millis(row.try_get("at")?),
    })
}

impl WriteTx {
    /// Appends a consent record (the history is never rewritten).
    pub async fn insert_consent(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        r: &ConsentRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customer_consents (tenant_id, id, customer_id, purpose, channel, granted, method, source, \
             location_id, at, merge_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)",
        )
        .bind(tenant.to_string())
        .bind(format!("cns_{}", omni_kernel::id::next_ulid().to_string().to_lowercase()))
        .bind(customer.to_string())
        .bind(r.purpose.as_str())
        .bind(r.channel.map(|c| c.as_str()))
        .bind(i64::from(r.granted))
        .bind(r.method.clone())
        .bind(r.source.as_str())
        .bind(r.location_id.map(|l| l.to_string()))
        .bind(millis(r.at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// A customer's consent history inside the transaction.
    pub async fn consents(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<ConsentRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM customer_consents WHERE tenant_id = $1 AND customer_id = $2 ORDER BY at, id"
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
    /// A customer's consent history, oldest first.
    pub async fn consents(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<ConsentRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM customer_consents WHERE tenant_id = $1 AND customer_id = $2 ORDER BY at, id"
        );
        crate::rows_by_key(self.pool(), sql, tenant, customer.to_string(), decode).await
    }

    /// Whether the chain may contact `customer` for `purpose` on `channel` at `at`. Merged ids
    /// resolve to their survivor; erased or unknown customers may never be contacted.
    pub async fn may_contact(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        purpose: Purpose,
        channel: ContactChannel,
        at: Timestamp,
    ) -> Result<ContactDecision, StoreError> {
        let c = match self.resolve_customer(tenant, customer).await {
            Ok(c) if c.status == CustomerStatus::Active => c,
            Ok(_) | Err(StoreError::NotFound) => return Ok(ContactDecision::Unavailable),
            Err(e) => return Err(e),
        };
        let records = self.consents(tenant, c.id).await?;
        Ok(may_contact(
            &records,
            c.quiet_hours.as_ref(),
            c.tz(),
            purpose,
            channel,
            at,
        ))
    }
}
