//! API keys repository: the hash of the secret, the role and its binding, revocation.

use omni_domain::access::Role;
use omni_kernel::{ApiKeyId, Channel, TenantId, Timestamp};
use serde::Serialize;

use crate::batch::Value;
use crate::inline_reads::Cols;
use crate::{Page, Store, StoreError, WriteTx, from_millis, millis};

/// A stored key as listed to admins (never the hash).
#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// What authentication needs about a key.
#[derive(Debug, Clone)]
pub struct KeyCredential {
    pub record: ApiKeyRecord,
    pub secret_hash: Vec<u8>,
}

fn role_columns(role: &Role) -> (Option<String>, Option<&'static str>) {
    match role {
        Role::Associate { store } => (Some(store.to_string()), None),
        Role::App { channel } => (None, Some(channel.as_str())),
        _ => (None, None),
    }
}

fn decode(row: &dyn Cols) -> Result<ApiKeyRecord, StoreError> {
    let id = row.text("id")?;
    let tenant = row.text("tenant_id")?;
    let role = row.text("role")?;
    let store = row.maybe_text("store_id")?;
    let channel = row.maybe_text("channel")?;
    let store = store
        .map(|s| s.parse())
        .transpose()
        .map_err(StoreError::corrupt)?;
    let role = Role::from_parts(&role, store, channel.as_deref()).map_err(StoreError::corrupt)?;
    Ok(ApiKeyRecord {
        id: id.parse().map_err(StoreError::corrupt)?,
        tenant_id: tenant.parse().map_err(StoreError::corrupt)?,
        name: row.text("name")?,
        role,
        created_at: from_millis(row.int("created_at")?),
        revoked_at: row.maybe_int("revoked_at")?.map(from_millis),
    })
}

const COLUMNS: &str = "id, tenant_id, name, role, store_id, channel, created_at, revoked_at";

impl WriteTx {
    /// Stores a new key's hash and role.
    pub async fn insert_api_key(
        &mut self,
        key: &ApiKeyRecord,
        secret_hash: &[u8],
    ) -> Result<(), StoreError> {
        let (store, channel) = role_columns(&key.role);
        sqlx::query(
            "INSERT INTO api_keys (id, tenant_id, name, role, store_id, channel, secret_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(key.id.to_string())
        .bind(key.tenant_id.to_string())
        .bind(key.name.clone())
        .bind(key.role.name())
        .bind(store)
        .bind(channel)
        .bind(secret_hash.to_vec())
        .bind(millis(key.created_at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Revokes a key of the tenant; revoking twice keeps the first time.
    pub async fn revoke_api_key(
        &mut self,
        tenant: TenantId,
        id: ApiKeyId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE tenant_id = $2 AND id = $3",
        )
        .bind(millis(now))
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}

impl Store {
    /// The credential behind a presented key id, if the key exists (revoked or not).
    pub async fn key_credential(&self, id: ApiKeyId) -> Result<KeyCredential, StoreError> {
        self.hot_row(
            "SELECT id, tenant_id, name, role, store_id, channel, created_at, revoked_at, secret_hash \
             FROM api_keys WHERE id = $1",
            vec![Value::from(id.to_string())],
            |row| {
                Ok(KeyCredential {
                    record: decode(row)?,
                    secret_hash: row.bytes("secret_hash")?,
                })
            },
        )
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn api_keys(
        &self,
        tenant: TenantId,
        starting_after: Option<ApiKeyId>,
        limit: usize,
    ) -> Result<Page<ApiKeyRecord>, StoreError> {
        let after = starting_after.map(|i| i.to_string());
        crate::tenant_page(self, "api_keys", COLUMNS, tenant, after, limit, |r| {
            decode(r)
        })
        .await
    }
}

impl ApiKeyRecord {
    /// The channel a request made with this key comes from, if the role implies one.
    pub fn channel(&self) -> Option<Channel> {
        match self.role {
            Role::App { channel } => Some(channel),
            Role::Associate { .. } => Some(Channel::AssociateApp),
            Role::Agent => Some(Channel::CallCenter),
            _ => None,
        }
    }
}
