//! Tenants repository.

use omni_domain::tenancy::Tenant;
use omni_kernel::TenantId;
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, millis};

impl WriteTx {
    /// Creates a tenant; its slug must be unique across the installation.
    pub async fn insert_tenant(
        &mut self,
        tenant: &Tenant,
        now: omni_kernel::Timestamp,
    ) -> Result<(), StoreError> {
        let countries = serde_json::to_string(&tenant.countries).map_err(StoreError::corrupt)?;
        sqlx::query("INSERT INTO tenants (id, slug, name, countries, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant.id.to_string())
            .bind(tenant.slug.clone())
            .bind(tenant.name.clone())
            .bind(countries)
            .bind(millis(now))
            .execute(self.conn().await?)
            .await
            .map_err(StoreError::unique("a tenant with this slug exists"))?;
        Ok(())
    }
}

fn decode(row: &sqlx::any::AnyRow) -> Result<Tenant, StoreError> {
    let id: String = row.try_get("id")?;
    let countries: String = row.try_get("countries")?;
    Ok(Tenant {
        id: id.parse().map_err(StoreError::corrupt)?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        countries: serde_json::from_str(&countries).map_err(StoreError::corrupt)?,
    })
}

impl Store {
    /// A tenant by id.
    pub async fn tenant(&self, id: TenantId) -> Result<Tenant, StoreError> {
        let row = sqlx::query("SELECT id, slug, name, countries FROM tenants WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    /// A tenant by its slug (CLI convenience).
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Tenant, StoreError> {
        let row = sqlx::query("SELECT id, slug, name, countries FROM tenants WHERE slug = $1")
            .bind(slug.to_owned())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    /// Every tenant (installation admin only; small).
    pub async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let rows = sqlx::query("SELECT id, slug, name, countries FROM tenants ORDER BY slug")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode).collect()
    }
}
