//! Products: the document plus one row per variant, so SKUs stay unique within the tenant
//! and barcode and SKU look-ups are indexed.

use std::collections::BTreeMap;

use omni_domain::catalog::Product;
use omni_kernel::{ProductId, TenantId};
use sqlx::Row;

use super::{from_doc, to_doc};
use crate::offers::pricing_excerpt;
use crate::{Page, Store, StoreError, WriteTx, millis};

/// Filters for listing products.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub starting_after: Option<ProductId>,
    pub limit: usize,
}

impl WriteTx {
    /// Writes a product's variant rows (after deleting the old ones), one statement per product.
    async fn put_variants(&mut self, p: &Product) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM catalog_variants WHERE tenant_id = $1 AND product_id = $2")
            .bind(p.tenant_id.to_string())
            .bind(p.id.to_string())
            .execute(self.conn().await?)
            .await?;
        if p.variants.is_empty() {
            return Ok(());
        }
        let values: Vec<String> = (0..p.variants.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    i * 4 + 1,
                    i * 4 + 2,
                    i * 4 + 3,
                    i * 4 + 4
                )
            })
            .collect();
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO catalog_variants (tenant_id, sku, product_id, barcode) VALUES {}",
            values.join(", ")
        ));
        let mut q = sqlx::query(sql);
        for v in &p.variants {
            q = q
                .bind(p.tenant_id.to_string())
                .bind(v.sku.clone())
                .bind(p.id.to_string())
                .bind(v.barcode.as_ref().map(|b| b.as_str().to_owned()));
        }
        q.execute(self.conn().await?)
            .await
            .map_err(StoreError::unique(
                "a SKU of this product belongs to another product",
            ))?;
        Ok(())
    }

    /// Inserts a product; the article and every SKU must be new within the tenant.
    pub async fn insert_product(&mut self, p: &Product) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO catalog_products (tenant_id, id, article, category_id, doc, pricing, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(p.tenant_id.to_string())
        .bind(p.id.to_string())
        .bind(p.article.clone())
        .bind(p.category_id.to_string())
        .bind(to_doc(p)?)
        .bind(pricing_excerpt(p)?)
        .bind(p.version)
        .bind(millis(p.updated_at))
        .execute(self.conn().await?)
        .await
        .map_err(StoreError::unique("a product with this article exists"))?;
        self.put_variants(p).await
    }

    /// Replaces a product if it is still at `expected_version` (optimistic concurrency).
    pub async fn update_product(
        &mut self,
        p: &Product,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE catalog_products SET category_id = $1, doc = $2, pricing = $3, version = $4, \
             updated_at = $5 WHERE tenant_id = $6 AND id = $7 AND version = $8",
        )
        .bind(p.category_id.to_string())
        .bind(to_doc(p)?)
        .bind(pricing_excerpt(p)?)
        .bind(p.version)
        .bind(millis(p.updated_at))
        .bind(p.tenant_id.to_string())
        .bind(p.id.to_string())
        .bind(expected_version)
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch);
        }
        self.put_variants(p).await
    }

    /// A product read inside the transaction (read-modify-write).
    pub async fn product(
        &mut self,
        tenant: TenantId,
        id: ProductId,
    ) -> Result<Product, StoreError> {
        let row = sqlx::query("SELECT doc FROM catalog_products WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_doc(&row)
    }
}

impl Store {
    /// One product of the tenant.
    pub async fn product(&self, tenant: TenantId, id: ProductId) -> Result<Product, StoreError> {
        let row = sqlx::query("SELECT doc FROM catalog_products WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        from_doc(&row)
    }

    /// A page of the tenant's products in id (creation) order.
    pub async fn products(
        &self,
        tenant: TenantId,
        filter: &ProductFilter,
    ) -> Result<Page<Product>, StoreError> {
        let after = filter.starting_after.map(|id| id.to_string());
        crate::tenant_page(
            self,
            "catalog_products",
            "doc",
            tenant,
            after,
            filter.limit,
            from_doc,
        )
        .await
    }

    /// The tenant's products with the given articles (imports), by article.
    pub async fn products_by_article(
        &self,
        tenant: TenantId,
        articles: &[String],
    ) -> Result<BTreeMap<String, Product>, StoreError> {
        let mut out = BTreeMap::new();
        for chunk in articles.chunks(500) {
            let marks = crate::list_placeholders(2, chunk.len());
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT doc FROM catalog_products WHERE tenant_id = $1 AND article IN ({})",
                marks
            ));
            let mut q = sqlx::query(sql).bind(tenant.to_string());
            for a in chunk {
                q = q.bind(a.clone());
            }
            for row in q.fetch_all(self.pool()).await? {
                let p: Product = from_doc(&row)?;
                out.insert(p.article.clone(), p);
            }
        }
        Ok(out)
    }

    /// Which product each of the given SKUs belongs to (imports refuse moving a SKU).
    pub async fn sku_owners(
        &self,
        tenant: TenantId,
        skus: &[String],
    ) -> Result<BTreeMap<String, ProductId>, StoreError> {
        let mut out = BTreeMap::new();
        for chunk in skus.chunks(500) {
            let marks = crate::list_placeholders(2, chunk.len());
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT sku, product_id FROM catalog_variants WHERE tenant_id = $1 AND sku IN ({})",
                marks
            ));
            let mut q = sqlx::query(sql).bind(tenant.to_string());
            for s in chunk {
                q = q.bind(s.clone());
            }
            for row in q.fetch_all(self.pool()).await? {
                let id: String = row.try_get("product_id")?;
                out.insert(
                    row.try_get("sku")?,
                    id.parse().map_err(StoreError::corrupt)?,
                );
            }
        }
        Ok(out)
    }

    /// The tenant's products with the given ids (the search feeder re-reads changed ones).
    pub async fn products_by_id(
        &self,
        tenant: TenantId,
        ids: &[ProductId],
    ) -> Result<Vec<Product>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let marks = crate::list_placeholders(2, chunk.len());
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT doc FROM catalog_products WHERE tenant_id = $1 AND id IN ({})",
                marks
            ));
            let mut q = sqlx::query(sql).bind(tenant.to_string());
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(self.pool()).await? {
                out.push(from_doc(&row)?);
            }
        }
        Ok(out)
    }
}
