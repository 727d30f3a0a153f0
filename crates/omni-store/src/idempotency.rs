//! Idempotency keys, claimed inside the caller's write transaction so that the stored
//! response and the state change commit together: a crash can never leave a key that says
//! "done" without the write, or a write without its key.

use std::cell::RefCell;

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

/// Bodies at least this long are stored compressed: a checkout's response is its whole
/// order, ~4 KB of JSON that SQLite would put on an overflow page of its own.
const PACK_FROM: usize = 512;

/// The start of every zstd frame. A stored body without it is plain: a UTF-8 body cannot
/// begin with these bytes (0xB5 never follows an ASCII byte in UTF-8).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// A response body as stored. Why: the key's row is written with every checkout, and its
/// body was a third of the bytes a checkout wrote to the log; zstd's fastest level shrinks
/// it about fourfold in microseconds.
fn pack(body: &[u8]) -> Vec<u8> {
    // A short body is kept plain unless it would read as packed.
    if body.len() < PACK_FROM && !body.starts_with(&ZSTD_MAGIC) {
        return body.to_vec();
    }
    PACKER
        .with_borrow_mut(|packer| match packer {
            Some(p) => p.compress(body),
            None => packer
                .insert(zstd::bulk::Compressor::new(1)?)
                .compress(body),
        })
        .unwrap_or_else(|_| body.to_vec())
}

thread_local! {
    /// Each thread's zstd context, kept between bodies. Why: making a context allocates and
    /// clears its tables, which took longer than packing the body (2.6 % of the server's
    /// CPU under checkout load, more than the compression itself).
    static PACKER: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
}

/// A stored body as it was sent (see [`pack`]); bodies stored plain are returned as they are.
fn unpack(stored: Vec<u8>) -> Result<Vec<u8>, StoreError> {
    if !stored.starts_with(&ZSTD_MAGIC) {
        return Ok(stored);
    }
    zstd::stream::decode_all(stored.as_slice()).map_err(StoreError::corrupt)
}

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
        let body = unpack(row.try_get("body")?)?;
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
            && claim.rebind(BODY, pack(&response.body))
        {
            return Ok(());
        }
        let stmt = Stmt::new(
            "UPDATE idempotency_keys SET status = $1, body = $2 \
             WHERE tenant_id = $3 AND credential = $4 AND key = $5",
        )
        .bind(i64::from(response.status))
        .bind(pack(&response.body))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_stored_packed_and_read_back_as_sent() {
        let body = serde_json::json!({"order": {"lines": vec!["Кроссовки беговые, 42"; 60]}})
            .to_string()
            .into_bytes();
        let stored = pack(&body);
        assert!(stored.starts_with(&ZSTD_MAGIC));
        assert!(
            stored.len() * 4 < body.len(),
            "{} → {}",
            body.len(),
            stored.len()
        );
        assert_eq!(unpack(stored).expect("unpacks"), body);
    }

    #[test]
    fn short_and_earlier_plain_bodies_read_as_they_are() {
        let short = br#"{"ok":true}"#.to_vec();
        assert_eq!(pack(&short), short);
        assert_eq!(unpack(short.clone()).expect("plain"), short);
        assert_eq!(unpack(Vec::new()).expect("empty"), Vec::<u8>::new());
        // A short body that happens to start like a packed one still round-trips.
        let odd = [ZSTD_MAGIC.as_slice(), b"x"].concat();
        assert_eq!(unpack(pack(&odd)).expect("round trip"), odd);
    }

    #[test]
    fn a_damaged_packed_body_is_an_error_not_a_panic() {
        let mut stored = pack(&vec![b'a'; 4096]);
        stored.truncate(8);
        assert!(matches!(unpack(stored), Err(StoreError::Corrupt(_))));
    }
}
