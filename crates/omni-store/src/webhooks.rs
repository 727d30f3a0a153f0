//! Webhook subscriptions and their delivery state (position in the feed, retries, lease).

use omni_kernel::{TenantId, Timestamp, WebhookId};
use serde::Serialize;
use sqlx::Row;

use crate::batch::Stmt;
use crate::{Page, Store, StoreError, WriteTx, from_millis, millis};

/// Why a due subscription was not leased: another node took it first.
const WEBHOOK_LEASED: &str = "the webhook is leased by another node";

/// A subscription as shown to admins (the secret is shown only at creation).
#[derive(Debug, Clone, Serialize)]
pub struct WebhookRecord {
    pub id: WebhookId,
    pub tenant_id: TenantId,
    pub url: String,
    /// Event types delivered; empty means all.
    pub event_types: Vec<String>,
    pub active: bool,
    /// Feed position delivered so far.
    pub position: i64,
    /// Consecutive failed attempts of the next event.
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

impl WebhookRecord {
    /// Whether this subscription wants events of `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|t| t == kind)
    }
}

const COLUMNS: &str = "id, tenant_id, url, event_types, active, position, attempts, next_attempt_at, last_error, created_at, secret";

fn decode(row: &sqlx::any::AnyRow) -> Result<(WebhookRecord, String), StoreError> {
    let id: String = row.try_get("id")?;
    let tenant: String = row.try_get("tenant_id")?;
    let types: String = row.try_get("event_types")?;
    let active: i64 = row.try_get("active")?;
    let record = WebhookRecord {
        id: id.parse().map_err(StoreError::corrupt)?,
        tenant_id: tenant.parse().map_err(StoreError::corrupt)?,
        url: row.try_get("url")?,
        event_types: serde_json::from_str(&types).map_err(StoreError::corrupt)?,
        active: active != 0,
        position: row.try_get("position")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: from_millis(row.try_get("next_attempt_at")?),
        last_error: row.try_get("last_error")?,
        created_at: from_millis(row.try_get("created_at")?),
    };
    Ok((record, row.try_get("secret")?))
}

impl WriteTx {
    /// Stores a subscription with its signing secret.
    pub async fn insert_webhook(
        &mut self,
        w: &WebhookRecord,
        secret: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhooks (id, tenant_id, url, secret, event_types, active, position, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
        )
        .bind(w.id.to_string())
        .bind(w.tenant_id.to_string())
        .bind(w.url.clone())
        .bind(secret.to_owned())
        .bind(serde_json::to_string(&w.event_types).map_err(StoreError::corrupt)?)
        .bind(w.position)
        .bind(millis(w.created_at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Deletes a subscription of the tenant.
    pub async fn delete_webhook(
        &mut self,
        tenant: TenantId,
        id: WebhookId,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2")
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
    /// A page of the tenant's subscriptions.
    pub async fn webhooks(
        &self,
        tenant: TenantId,
        after: Option<WebhookId>,
        limit: usize,
    ) -> Result<Page<WebhookRecord>, StoreError> {
        let after = after.map(|i| i.to_string());
        let decode = |r: &sqlx::any::AnyRow| decode(r).map(|(w, _)| w);
        crate::tenant_page(self, "webhooks", COLUMNS, tenant, after, limit, decode).await
    }

    /// A subscription of the tenant.
    pub async fn webhook(
        &self,
        tenant: TenantId,
        id: WebhookId,
    ) -> Result<WebhookRecord, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM webhooks WHERE tenant_id = $1 AND id = $2"
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(decode(&row)?.0)
    }

    /// Leases up to `limit` active subscriptions that are due and behind the feed head, for
    /// `owner`, and returns them with their secrets. A lease keeps two nodes from delivering
    /// the same subscription (which would break per-subscription ordering).
    pub async fn lease_due_webhooks(
        &self,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
        limit: usize,
    ) -> Result<Vec<(WebhookRecord, String)>, StoreError> {
        let head = self.feed_head().await?;
        let candidates = self
            .hot_rows(
                "SELECT id FROM webhooks WHERE active = 1 AND next_attempt_at <= $1 \
                 AND lease_until < $1 AND position < $2 ORDER BY next_attempt_at LIMIT $3",
                vec![millis(now).into(), head.into(), (limit as i64).into()],
                |r| r.text("id"),
            )
            .await?;
        let mut leased = Vec::new();
        for id in candidates {
            let take = Stmt::new(
                "UPDATE webhooks SET lease_owner = $1, lease_until = $2 \
                 WHERE id = $3 AND lease_until < $4",
            )
            .bind(owner)
            .bind(millis(now) + ttl_ms)
            .bind(id.clone())
            .bind(millis(now))
            .one_row(|| StoreError::Conflict(WEBHOOK_LEASED));
            match self.write_alone(take).await {
                Ok(()) => {}
                Err(StoreError::Conflict(WEBHOOK_LEASED)) => continue,
                Err(e) => return Err(e),
            }
            let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"));
            let row = sqlx::query(sql).bind(id).fetch_one(self.pool()).await?;
            leased.push(decode(&row)?);
        }
        Ok(leased)
    }

    /// Records that the subscription received everything up to `position`.
    pub async fn webhook_delivered(
        &self,
        id: WebhookId,
        owner: &str,
        position: i64,
    ) -> Result<(), StoreError> {
        self.write_alone(
            Stmt::new(
                "UPDATE webhooks SET position = $1, attempts = 0, last_error = NULL \
                 WHERE id = $2 AND lease_owner = $3 AND position < $1",
            )
            .bind(position)
            .bind(id.to_string())
            .bind(owner),
        )
        .await
    }

    /// Records a failed attempt and when to retry; releases the lease.
    pub async fn webhook_failed(
        &self,
        id: WebhookId,
        owner: &str,
        retry_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        self.write_alone(
            Stmt::new(
                "UPDATE webhooks SET attempts = attempts + 1, next_attempt_at = $1, \
                 last_error = $2, lease_until = 0 WHERE id = $3 AND lease_owner = $4",
            )
            .bind(millis(retry_at))
            .bind(error.chars().take(500).collect::<String>())
            .bind(id.to_string())
            .bind(owner),
        )
        .await
    }

    /// Releases a lease after a round of deliveries.
    pub async fn release_webhook(&self, id: WebhookId, owner: &str) -> Result<(), StoreError> {
        self.write_alone(
            Stmt::new("UPDATE webhooks SET lease_until = 0 WHERE id = $1 AND lease_owner = $2")
                .bind(id.to_string())
                .bind(owner),
        )
        .await
    }
}
