//! Bulk loading for demo data and imports: multi-row inserts of profiles with their
//! identifiers, many rows per statement (see `rows_per_statement`).

use omni_domain::customers::{ConsentRecord, Customer, Identifier, consent_bits};

use super::{birth_md, doc};
use crate::{StoreError, WriteTx, millis, placeholders, rows_per_statement};

/// One customer to load, with its identifiers (verified or not) and consent history.
#[derive(Debug, Clone)]
pub struct BulkCustomer {
    pub customer: Customer,
    pub identifiers: Vec<(Identifier, bool)>,
    pub consents: Vec<ConsentRecord>,
}

impl WriteTx {
    /// Inserts many customers and their identifiers (source `import`). Records no events: the
    /// caller records one summary event for the load.
    pub async fn bulk_insert_customers(&mut self, rows: &[BulkCustomer]) -> Result<(), StoreError> {
        for chunk in rows.chunks(rows_per_statement(self.backend(), 14)) {
            let sql = format!(
                "INSERT INTO customers (tenant_id, id, status, merged_into, tier, city, spent_90d, points, \
                 consent_bits, doc, version, created_at, updated_at, birth_md) VALUES {}",
                placeholders(chunk.len(), 14)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in chunk {
                let c = &b.customer;
                q = q
                    .bind(c.tenant_id.to_string())
                    .bind(c.id.to_string())
                    .bind(c.status.as_str())
                    .bind(c.merged_into.map(|m| m.to_string()))
                    .bind(c.tier.as_str())
                    .bind(c.city.clone())
                    .bind(c.spent_90d)
                    .bind(c.points_balance)
                    .bind(consent_bits(&b.consents))
                    .bind(doc(c)?)
                    .bind(c.version)
                    .bind(millis(c.created_at))
                    .bind(millis(c.updated_at))
                    .bind(birth_md(c));
            }
            q.execute(self.conn().await?).await?;
        }
        let ids: Vec<(&Customer, &Identifier, bool)> = rows
            .iter()
            .flat_map(|b| b.identifiers.iter().map(move |(i, v)| (&b.customer, i, *v)))
            .collect();
        for chunk in ids.chunks(rows_per_statement(self.backend(), 8)) {
            let sql = format!(
                "INSERT INTO customer_identifiers (tenant_id, kind, value, customer_id, verified, source, \
                 origin_customer_id, created_at) VALUES {}",
                placeholders(chunk.len(), 8)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (c, i, verified) in chunk {
                q = q
                    .bind(c.tenant_id.to_string())
                    .bind(i.kind.as_str())
                    .bind(i.value.clone())
                    .bind(c.id.to_string())
                    .bind(i64::from(*verified))
                    .bind("import")
                    .bind(c.id.to_string())
                    .bind(millis(c.created_at));
            }
            q.execute(self.conn().await?)
                .await
                .map_err(StoreError::unique(
                    "a verified identifier appears twice in the load",
                ))?;
        }
        let consents: Vec<(&Customer, &ConsentRecord)> = rows
            .iter()
            .flat_map(|b| b.consents.iter().map(move |r| (&b.customer, r)))
            .collect();
        for chunk in consents.chunks(rows_per_statement(self.backend(), 10)) {
            let sql = format!(
                "INSERT INTO customer_consents (tenant_id, id, customer_id, purpose, channel, granted, method, \
                 source, location_id, at) VALUES {}",
                placeholders(chunk.len(), 10)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (c, r) in chunk {
                q = q
                    .bind(c.tenant_id.to_string())
                    .bind(format!(
                        "cns_{}",
                        omni_kernel::id::next_ulid().to_string().to_lowercase()
                    ))
                    .bind(c.id.to_string())
                    .bind(r.purpose.as_str())
                    .bind(r.channel.map(|ch| ch.as_str()))
                    .bind(i64::from(r.granted))
                    .bind(r.method.clone())
                    .bind(r.source.as_str())
                    .bind(r.location_id.map(|l| l.to_string()))
                    .bind(millis(r.at));
            }
            q.execute(self.conn().await?).await?;
        }
        Ok(())
    }
}
