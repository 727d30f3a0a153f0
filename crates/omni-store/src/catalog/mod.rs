//! Catalog repository: categories, brands and synonyms here; products and their variant rows
//! in [`products`]. Documents are JSON next to the columns that queries filter on.

mod availability;
mod import;
mod products;

pub use import::{ImportReport, RejectedRow, product_event};
pub use products::ProductFilter;

use std::collections::BTreeMap;

use omni_domain::catalog::{Brand, BrandId, Category, CategoryId, Synonyms};
use omni_kernel::{TenantId, Timestamp};
use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, millis};

pub(crate) fn to_doc<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::corrupt)
}

pub(crate) fn from_doc<T: DeserializeOwned>(row: &sqlx::any::AnyRow) -> Result<T, StoreError> {
    let doc: String = row.try_get("doc")?;
    serde_json::from_str(&doc).map_err(StoreError::corrupt)
}

/// Everything the catalog's rules and the search index need besides products: the tenant's
/// category tree and brands (hundreds of rows, read whole).
#[derive(Debug, Clone, Default)]
pub struct CatalogRefs {
    pub categories: BTreeMap<CategoryId, Category>,
    pub brands: BTreeMap<BrandId, Brand>,
}

impl CatalogRefs {
    /// A category by its code.
    pub fn category_by_code(&self, code: &str) -> Option<&Category> {
        self.categories.values().find(|c| c.code == code)
    }

    /// A brand by its code.
    pub fn brand_by_code(&self, code: &str) -> Option<&Brand> {
        self.brands.values().find(|b| b.code == code)
    }
}

impl WriteTx {
    /// Inserts a category; the code must be unique within the tenant.
    pub async fn insert_category(&mut self, c: &Category) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO catalog_categories (tenant_id, id, code, parent_id, doc, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(c.tenant_id.to_string())
            .bind(c.id.to_string())
            .bind(c.code.clone())
            .bind(c.parent_id.map(|p| p.to_string()))
            .bind(to_doc(c)?)
            .bind(millis(c.created_at))
            .execute(self.conn().await?)
            .await
            .map_err(StoreError::unique("a category with this code exists"))?;
        Ok(())
    }

    /// Inserts a brand; the code must be unique within the tenant.
    pub async fn insert_brand(&mut self, b: &Brand) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO catalog_brands (tenant_id, id, code, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(b.tenant_id.to_string())
        .bind(b.id.to_string())
        .bind(b.code.clone())
        .bind(to_doc(b)?)
        .execute(self.conn().await?)
        .await
        .map_err(StoreError::unique("a brand with this code exists"))?;
        Ok(())
    }

    /// Replaces the tenant's synonyms.
    pub async fn put_synonyms(
        &mut self,
        tenant: TenantId,
        s: &Synonyms,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM catalog_synonyms WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .execute(self.conn().await?)
            .await?;
        sqlx::query(
            "INSERT INTO catalog_synonyms (tenant_id, doc, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(tenant.to_string())
        .bind(to_doc(s)?)
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }
}

impl Store {
    /// The tenant's categories and brands.
    pub async fn catalog_refs(&self, tenant: TenantId) -> Result<CatalogRefs, StoreError> {
        let cats = sqlx::query("SELECT doc FROM catalog_categories WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_all(self.pool())
            .await?;
        let brands = sqlx::query("SELECT doc FROM catalog_brands WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_all(self.pool())
            .await?;
        let mut refs = CatalogRefs::default();
        for row in &cats {
            let c: Category = from_doc(row)?;
            refs.categories.insert(c.id, c);
        }
        for row in &brands {
            let b: Brand = from_doc(row)?;
            refs.brands.insert(b.id, b);
        }
        Ok(refs)
    }

    /// One category of the tenant.
    pub async fn category(&self, tenant: TenantId, id: CategoryId) -> Result<Category, StoreError> {
        let row =
            sqlx::query("SELECT doc FROM catalog_categories WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.to_string())
                .bind(id.to_string())
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
        from_doc(&row)
    }

    /// The tenant's synonyms (empty when never set).
    pub async fn synonyms(&self, tenant: TenantId) -> Result<Synonyms, StoreError> {
        let row = sqlx::query("SELECT doc FROM catalog_synonyms WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| from_doc(&r))
            .transpose()
            .map(Option::unwrap_or_default)
    }
}
