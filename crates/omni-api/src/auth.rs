//! Authentication and authorisation. A request carries `Authorization: Bearer omk_…`; the key
//! is looked up by id, its secret checked in constant time, and revocation honoured on every
//! request (no cache, so revoking works on every node at once). The resulting [`Principal`]
//! carries the tenant every query is scoped by. A key over its request rate is refused with
//! 429 once it is known to be genuine, so made-up keys cannot fill the limiter's table.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use omni_domain::access::{Action, Role, parse_token, verify_secret};
use omni_kernel::{ApiKeyId, Channel, TenantId};
use omni_store::StoreError;

use std::sync::Arc;

use crate::limits::KeyLimiter;
use crate::{ApiError, AppState};

/// Who is calling: the key, its tenant and its role.
#[derive(Debug, Clone)]
pub struct Principal {
    pub key_id: ApiKeyId,
    pub tenant: TenantId,
    pub role: Role,
    pub channel: Option<Channel>,
}

impl Principal {
    /// Refuses with 403 unless the role allows `action`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if self.role.allows(action) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthenticated)?;
        let (key_id, secret) = parse_token(token).ok_or(ApiError::Unauthenticated)?;
        let credential = match state.store.key_credential(key_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(ApiError::Unauthenticated),
            Err(e) => return Err(e.into()),
        };
        if credential.record.revoked_at.is_some() || !verify_secret(secret, &credential.secret_hash)
        {
            return Err(ApiError::Unauthenticated);
        }
        if let Some(limiter) = parts.extensions.get::<Arc<KeyLimiter>>() {
            limiter.check(key_id).map_err(ApiError::RateLimited)?;
        }
        let channel = credential.record.channel();
        Ok(Principal {
            key_id,
            tenant: credential.record.tenant_id,
            role: credential.record.role,
            channel,
        })
    }
}
