//! Transactional writes with idempotency. A creating request with an `Idempotency-Key`
//! claims the key inside the same transaction as its change and stores its response there,
//! so the change, its events and the remembered response commit together. A retry with the
//! same key and body gets the first response (marked `Idempotent-Replayed: true`); the same
//! key with another body gets 422; a concurrent duplicate waits for the first and replays it.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omni_domain::idempotency::{Replay, StoredResponse, fingerprint, valid_key};
use omni_store::WriteTx;
use omni_store::idempotency::{IdempotencyScope, KEY_SEEN};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::Notify;

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// The header clients send.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// An open write: the transaction plus what is needed to remember its response.
pub struct Write {
    pub tx: WriteTx,
    key: Option<(String, [u8; 32])>,
    principal: Principal,
    /// The relay's wake-up, notified after a commit that recorded events.
    events_written: Arc<Notify>,
}

/// Either a fresh write to perform, or the remembered response of an earlier one.
pub enum Begun {
    Fresh(Write),
    Replayed(Response),
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(raw) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = raw
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .ok_or_else(|| ApiError::BadRequest {
            code: "invalid_idempotency_key",
            detail: "Idempotency-Key must be 1–255 visible ASCII characters".into(),
        })?;
    Ok(Some(key.to_owned()))
}

/// The request's idempotency key and the fingerprint of what it asks, if it has a key.
fn keyed(
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<Option<(String, [u8; 32])>, ApiError> {
    Ok(idempotency_key(headers)?.map(|key| (key, fingerprint(method, path, body))))
}

impl Write {
    /// Starts a write for `principal`; with an idempotency key, first checks for a replay.
    pub async fn begin(
        state: &AppState,
        principal: &Principal,
        headers: &HeaderMap,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Begun, ApiError> {
        let mut tx = state.store.write().await?;
        let key = keyed(headers, method, path, body)?;
        if let Some((key, fp)) = &key {
            let scope = Scope::of(principal, key);
            match tx
                .claim_idempotency(&scope.get(), fp, state.clock.now())
                .await?
            {
                Some(Replay::Same(stored)) => return Ok(Begun::Replayed(replayed(stored))),
                Some(Replay::DifferentRequest) => return Err(ApiError::IdempotencyKeyReused),
                None => {}
            }
        }
        Ok(Begun::Fresh(Write::new(state, principal, tx, key)))
    }

    /// Starts a write whose idempotency key is almost surely new (a checkout): the key's
    /// claim goes with the write's first statement instead of costing a round trip of its
    /// own. If the key was used before, that statement fails with an error for which
    /// [`Write::seen_before`] is true (or, where the claim runs at once, this returns
    /// `None`); the caller then drops this write and starts over with [`Write::begin`],
    /// which replays the first response or refuses the reused key.
    pub async fn begin_new(
        state: &AppState,
        principal: &Principal,
        headers: &HeaderMap,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Option<Write>, ApiError> {
        let mut tx = state.store.write().await?;
        let key = keyed(headers, method, path, body)?;
        if let Some((key, fp)) = &key {
            let scope = Scope::of(principal, key);
            match tx
                .claim_new_idempotency(&scope.get(), fp, state.clock.now())
                .await
            {
                Ok(()) => {}
                Err(omni_store::StoreError::Conflict(KEY_SEEN)) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Some(Write::new(state, principal, tx, key)))
    }

    /// Whether a write begun with [`Write::begin_new`] failed because its key was used
    /// before.
    pub fn seen_before(e: &ApiError) -> bool {
        matches!(e, ApiError::Conflict(what) if *what == KEY_SEEN)
    }

    fn new(
        state: &AppState,
        principal: &Principal,
        tx: WriteTx,
        key: Option<(String, [u8; 32])>,
    ) -> Write {
        Write {
            tx,
            key,
            principal: principal.clone(),
            events_written: state.events_written.clone(),
        }
    }

    /// Remembers the response (if keyed), commits, wakes the relay, and answers.
    pub async fn finish<T: Serialize>(
        self,
        status: StatusCode,
        body: &T,
        headers: &[(HeaderName, String)],
    ) -> Result<Response, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
        self.finish_remembering(status, bytes.clone(), bytes, headers)
            .await
    }

    /// Like [`Write::finish`], but a replay gets `remembered` instead of `body` — used where
    /// the first response carries a secret (a new API key's token) that must not be stored.
    pub async fn finish_redacted<T: Serialize, R: Serialize>(
        self,
        status: StatusCode,
        body: &T,
        remembered: &R,
        headers: &[(HeaderName, String)],
    ) -> Result<Response, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
        let stored = serde_json::to_vec(remembered).map_err(ApiError::internal)?;
        self.finish_remembering(status, bytes, stored, headers)
            .await
    }

    async fn finish_remembering(
        mut self,
        status: StatusCode,
        bytes: Vec<u8>,
        remembered: Vec<u8>,
        headers: &[(HeaderName, String)],
    ) -> Result<Response, ApiError> {
        if let Some((key, _)) = &self.key {
            let scope = Scope::of(&self.principal, key);
            let stored = StoredResponse {
                status: status.as_u16(),
                body: remembered,
            };
            self.tx.complete_idempotency(&scope.get(), &stored).await?;
        }
        let wake = self.tx.recorded_events() > 0;
        self.tx.commit().await?;
        if wake {
            self.events_written.notify_one();
        }
        let mut response = json_response(status, bytes);
        for (name, value) in headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                response.headers_mut().insert(name.clone(), v);
            }
        }
        Ok(response)
    }
}

/// The credential and key an idempotency record belongs to (the credential's text owned).
struct Scope<'a> {
    tenant: omni_kernel::TenantId,
    credential: String,
    key: &'a str,
}

impl<'a> Scope<'a> {
    fn of(principal: &Principal, key: &'a str) -> Self {
        Self {
            tenant: principal.tenant,
            credential: principal.key_id.to_string(),
            key,
        }
    }

    fn get(&self) -> IdempotencyScope<'_> {
        IdempotencyScope {
            tenant: self.tenant,
            credential: &self.credential,
            key: self.key,
        }
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn replayed(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = json_response(status, stored.body);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
