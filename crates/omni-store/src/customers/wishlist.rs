//! Wishlists: a customer's SKUs in their order, replaced as a whole, and which of them a
//! store can sell now (available to promise = on hand − reserved − safety stock > 0, the
//! same rule as "in stock in my store"), read in one statement from the stock primary key.

use std::collections::HashMap;

use omni_kernel::{CustomerId, LocationId, TenantId, Timestamp};
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, from_millis, millis, placeholders, rows_per_statement};

/// One SKU of a wishlist and when it was first added.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WishlistItem {
    pub sku: String,
    pub added_at: Timestamp,
}

impl WriteTx {
    /// Replaces a customer's wishlist with `skus` (in that order); SKUs already on it keep
    /// the time they were first added.
    pub async fn replace_wishlist(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        skus: &[String],
        now: Timestamp,
    ) -> Result<Vec<WishlistItem>, StoreError> {
        let (t, c) = (tenant.to_string(), customer.to_string());
        let rows = sqlx::query(
            "SELECT sku, added_at FROM customer_wishlist WHERE tenant_id = $1 AND customer_id = $2",
        )
        .bind(t.clone())
        .bind(c.clone())
        .fetch_all(self.conn().await?)
        .await?;
        let mut before = HashMap::new();
        for row in rows {
            let sku: String = row.try_get("sku")?;
            before.insert(sku, from_millis(row.try_get("added_at")?));
        }
        sqlx::query("DELETE FROM customer_wishlist WHERE tenant_id = $1 AND customer_id = $2")
            .bind(t.clone())
            .bind(c.clone())
            .execute(self.conn().await?)
            .await?;
        let items: Vec<WishlistItem> = skus
            .iter()
            .map(|sku| WishlistItem {
                sku: sku.clone(),
                added_at: before.get(sku).copied().unwrap_or(now),
            })
            .collect();
        let per = rows_per_statement(self.backend(), 5);
        for (n, chunk) in items.chunks(per).enumerate() {
            let sql = format!(
                "INSERT INTO customer_wishlist (tenant_id, customer_id, sku, position, added_at) VALUES {}",
                placeholders(chunk.len(), 5)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, item) in chunk.iter().enumerate() {
                q = q
                    .bind(t.clone())
                    .bind(c.clone())
                    .bind(item.sku.clone())
                    .bind((n * per + i) as i64)
                    .bind(millis(item.added_at));
            }
            q.execute(self.conn().await?).await?;
        }
        Ok(items)
    }

    /// Takes one SKU off a wishlist; returns whether it was on it.
    pub async fn remove_wishlist_item(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        sku: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM customer_wishlist WHERE tenant_id = $1 AND customer_id = $2 AND sku = $3",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(sku.to_owned())
        .execute(self.conn().await?)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl Store {
    /// A customer's wishlist in their order.
    pub async fn wishlist(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<WishlistItem>, StoreError> {
        let sql = "SELECT sku, added_at FROM customer_wishlist WHERE tenant_id = $1 AND customer_id = $2 \
                   ORDER BY position";
        crate::rows_by_key(
            self.pool(),
            sql.into(),
            tenant,
            customer.to_string(),
            |row| {
                Ok(WishlistItem {
                    sku: row.try_get("sku")?,
                    added_at: from_millis(row.try_get("added_at")?),
                })
            },
        )
        .await
    }

    /// The wishlist's SKUs `location` can sell now, in the wishlist's order, with their
    /// units available to promise there.
    pub async fn wishlist_in_stock_at(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        location: LocationId,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT w.sku, s.on_hand - s.reserved - s.safety_stock AS atp FROM customer_wishlist w \
             JOIN stock s ON s.tenant_id = w.tenant_id AND s.sku = w.sku AND s.location_id = $3 \
             WHERE w.tenant_id = $1 AND w.customer_id = $2 \
             AND s.on_hand - s.reserved - s.safety_stock > 0 ORDER BY w.position",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(location.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("sku")?, row.try_get("atp")?)))
            .collect()
    }
}
