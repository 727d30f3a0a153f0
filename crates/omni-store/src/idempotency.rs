//! Idempotency keys, claimed inside the caller's write transaction so that the stored
//! response and the state change commit together: a crash can never leave a key that says
//! "done" without the write, or a write without its key.

use omni_domain::idempotency::{Replay, StoredResponse, decide};
use omni_kernel::{TenantId, Timestamp};
use sqlx::Row;

use crate::batch::Stmt;
use crate::{Store, StoreError, WriteTx, millis};

/// Which credential used a key: keys are scoped per API key, as Stripe does.
#[derive(Debug, Clone)]
pub struct IdempotencyScope<'a> {
    pub tenant: TenantId,
    pub credential: &'a str,
    pub key: &'a str,
}

/// The conflict [`WriteTx::claim_new_idempotency`] fails with when the key was used before.
pub const KEY_SEEN: &str = "this idempotency key was used before";

/// Where [`claim`] binds the response's status and body (0-based).
const STATUS: usize = 4;
const BODY: usize = 5;

/// The statement that claims a key, changing no row if the key was claimed before.
fn claim(scope: &IdempotencyScope<'_>, fingerprint: &[u8], now: Timestamp) -> Stmt {
    Stmt::new(
        "INSERT INTO idempotency_keys (tenant_id, credential, key, fingerprint, status, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(scope.tenant.to_string())
    .bind(scope.credential)
    .bind(scope.key)
    .bind(fingerprint.to_vec())
    .bind(0i64)
    .bind(Vec::<u8>::new())
    .bind(millis(now))
}

impl WriteTx {
    /// Claims a key the caller expects to be new without waiting for the answer: on SQLite
    /// the claim goes with the transaction's next statement, which then fails with
    /// `Conflict(KEY_SEEN)` if the key was claimed before (PostgreSQL claims at once, with
    /// the same answer). Why: nearly every checkout's key is new, and its claim then costs
    /// no hand-off of its own in the single writer's turn. On `KEY_SEEN` the caller drops
    /// this transaction and claims again with [`WriteTx::claim_idempotency`], which tells a
    /// replay from a reuse of the key.
    pub async fn claim_new_idempotency(
        &mut self,
        scope: &IdempotencyScope<'_>,
        fingerprint: &[u8],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let stmt = claim(scope, fingerprint, now).one_row(|| StoreError::Conflict(KEY_SEEN));
        self.defer_claim(stmt).await
    }

    /// Claims a key for this transaction. `None`: first use, go ahead (and call
    /// [`WriteTx::complete_idempotency`] before committing). `Some`: the key was used before.
    ///
    /// A concurrent request with the same key blocks on the key's row until the first
    /// commits, then sees its response — two nodes never both execute the request.
    pub async fn claim_idempotency(
        &mut self,
        scope: &IdempotencyScope<'_>,
        fingerprint: &[u8],
        now: Timestamp,
    ) -> Result<Option<Replay>, StoreError> {
        let inserted = self.run(claim(scope, fingerprint, now)).await?;
        if inserted.rows_affected == 1 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT fingerprint, status, body FROM idempotency_keys \
             WHERE tenant_id = $1 AND credential = $2 AND key = $3",
        )
        .bind(scope.tenant.to_string())
        .bind(scope.credential.to_owned())
        .bind(scope.key.to_owned())
        .fetch_one(self.conn().await?)
        .await?;
        let stored_fp: Vec<u8> = row.try_get("fingerprint")?;
        let status: i64 = row.try_get("status")?;
        let body: Vec<u8> = row.try_get("body")?;
        let status = u16::try_from(status).map_err(StoreError::corrupt)?;
        Ok(Some(decide(
            &stored_fp,
            fingerprint,
            StoredResponse { status, body },
        )))
    }

    /// Stores the response for a claimed key (same transaction as the change it describes).
    pub async fn complete_idempotency(
        &mut self,
        scope: &IdempotencyScope<'_>,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        // Still waiting to be sent (SQLite): the claim's row takes the response itself.
        if let Some(claim) = self.unsent_claim()
            && claim.rebind(STATUS, i64::from(response.status))
            && claim.rebind(BODY, response.body.clone())
        {
            return Ok(());
        }
        let stmt = Stmt::new(
            "UPDATE idempotency_keys SET status = $1, body = $2 \
             WHERE tenant_id = $3 AND credential = $4 AND key = $5",
        )
        .bind(i64::from(response.status))
        .bind(response.body.clone())
        .bind(scope.tenant.to_string())
        .bind(scope.credential)
        .bind(scope.key);
        self.defer(stmt).await
    }
}

impl Store {
    /// Forgets keys older than `before` (kept at least 24 h); returns how many went.
    pub async fn purge_idempotency_keys(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(millis(before))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
