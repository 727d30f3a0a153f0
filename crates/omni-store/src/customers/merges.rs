//! Merges: proposals, performed merges and their reversal. Everything a merge moves (the
//! loser's identifiers, timeline entries and consents) is stamped with the merge id, so an
//! unmerge moves exactly those back; the survivor's profile before the merge is kept so it
//! can be restored.

use omni_domain::customers::{Customer, Merge, MergeId, MergeStatus};
use omni_kernel::TenantId;
use sqlx::Row;

use super::{doc, for_update};
use crate::{Page, Store, StoreError, WriteTx, millis};

fn decode(row: &sqlx::any::AnyRow) -> Result<Merge, StoreError> {
    let doc: String = row.try_get("doc")?;
    serde_json::from_str(&doc).map_err(StoreError::corrupt)
}

fn merge_doc(m: &Merge) -> Result<String, StoreError> {
    serde_json::to_string(m).map_err(StoreError::corrupt)
}

/// The tables whose rows follow a customer through a merge, each with the columns that name
/// the same item: a loser's item the survivor already holds (an identifier, a wishlist SKU)
/// stays with the loser, whose id resolves to the survivor anyway.
const MOVED: [(&str, &[&str]); 4] = [
    ("customer_identifiers", &["kind", "value"]),
    ("customer_timeline", &[]),
    ("customer_consents", &[]),
    ("customer_wishlist", &["sku"]),
];

impl WriteTx {
    /// Stores a proposal or a performed merge (with the survivor as it was before).
    pub async fn insert_merge(
        &mut self,
        m: &Merge,
        survivor_before: Option<&Customer>,
    ) -> Result<(), StoreError> {
        let before = survivor_before.map(doc).transpose()?;
        sqlx::query(
            "INSERT INTO customer_merges (tenant_id, id, survivor, loser, status, doc, survivor_before, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(m.tenant_id.to_string())
        .bind(m.id.to_string())
        .bind(m.survivor.to_string())
        .bind(m.loser.to_string())
        .bind(m.status.as_str())
        .bind(merge_doc(m)?)
        .bind(before)
        .bind(millis(m.updated_at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// A merge and the survivor's pre-merge profile, locked for a state change.
    pub async fn merge(
        &mut self,
        tenant: TenantId,
        id: MergeId,
    ) -> Result<(Merge, Option<Customer>), StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT doc, survivor_before FROM customer_merges WHERE tenant_id = $1 AND id = $2{}",
            for_update(self.backend())
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        let before: Option<String> = row.try_get("survivor_before")?;
        let before = before
            .map(|b| serde_json::from_str(&b))
            .transpose()
            .map_err(StoreError::corrupt)?;
        Ok((decode(&row)?, before))
    }

    /// Saves a merge's new status (and, when it is performed now, the survivor's prior state).
    pub async fn update_merge(
        &mut self,
        m: &Merge,
        survivor_before: Option<&Customer>,
    ) -> Result<(), StoreError> {
        let before = survivor_before.map(doc).transpose()?;
        sqlx::query(
            "UPDATE customer_merges SET status = $1, doc = $2, survivor_before = COALESCE($3, survivor_before), \
             updated_at = $4 WHERE tenant_id = $5 AND id = $6",
        )
        .bind(m.status.as_str())
        .bind(merge_doc(m)?)
        .bind(before)
        .bind(millis(m.updated_at))
        .bind(m.tenant_id.to_string())
        .bind(m.id.to_string())
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Moves what belongs to the loser to the survivor, stamped with the merge (see [`MOVED`]
    /// for the items the survivor already holds).
    pub async fn move_to_survivor(&mut self, m: &Merge) -> Result<(), StoreError> {
        for (table, item) in MOVED {
            let held: String = item
                .iter()
                .map(|c| format!(" AND s.{c} = {table}.{c}"))
                .collect();
            let not_held = if item.is_empty() {
                String::new()
            } else {
                format!(
                    " AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.tenant_id = $3 AND s.customer_id = $1{held})"
                )
            };
            let sql = sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET customer_id = $1, merge_id = $2 WHERE tenant_id = $3 AND customer_id = $4{not_held}"
            ));
            sqlx::query(sql)
                .bind(m.survivor.to_string())
                .bind(m.id.to_string())
                .bind(m.tenant_id.to_string())
                .bind(m.loser.to_string())
                .execute(self.conn().await?)
                .await?;
        }
        Ok(())
    }

    /// Moves back exactly what the merge moved.
    pub async fn move_back_to_loser(&mut self, m: &Merge) -> Result<(), StoreError> {
        for (table, _) in MOVED {
            let sql = sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET customer_id = $1, merge_id = NULL WHERE tenant_id = $2 AND merge_id = $3"
            ));
            sqlx::query(sql)
                .bind(m.loser.to_string())
                .bind(m.tenant_id.to_string())
                .bind(m.id.to_string())
                .execute(self.conn().await?)
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// A page of merges, optionally only those in one status, in creation order.
    pub async fn merges(
        &self,
        tenant: TenantId,
        status: Option<MergeStatus>,
        after: Option<MergeId>,
        limit: usize,
    ) -> Result<Page<Merge>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM customer_merges WHERE tenant_id = $1 AND id > $2 AND ($3 = '' OR status = $3) \
             ORDER BY id LIMIT $4",
        )
        .bind(tenant.to_string())
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(status.map(|s| s.as_str()).unwrap_or(""))
        .bind(limit as i64 + 1)
        .fetch_all(self.pool())
        .await?;
        let items = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(items, limit))
    }
}
