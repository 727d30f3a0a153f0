//! The signed rules snapshot a till or an app prices with while offline, and the key that
//! verifies it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Extension, Json, Router};
use base64::Engine as _;
use omni_domain::access::{Action, Role};
use omni_domain::offers::PromotionId;
use omni_domain::offers::snapshot::{SignedSnapshot, Snapshot};
use omni_kernel::{CustomerId, TenantId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::error::Problem;
use crate::offers_books::OfferBooks;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pricing/snapshot", get(snapshot))
        .route("/pricing/snapshot-key", get(snapshot_key))
}

/// The key offline snapshots are signed with: derived from the tenant's secret, so every
/// node signs alike and no new secret needs distributing between nodes.
async fn snapshot_signing_key(state: &AppState, tenant: TenantId) -> Result<Vec<u8>, ApiError> {
    let secret = state.store.qr_secret(tenant, rand::random()).await?;
    let mut h = Sha256::new();
    h.update(b"omniretail offers snapshot v1\0");
    h.update(&secret);
    Ok(h.finalize().to_vec())
}

/// Snapshot parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SnapshotParams {
    /// Include this customer's tier, segments, points and promotion uses.
    pub customer_id: Option<String>,
    /// Currency (the tenant's main one by default).
    pub currency: Option<String>,
}

/// The signed rules snapshot a till or an app prices with while offline: price lists,
/// active promotions, the programme, every SKU's pricing facts, open coupon codes and,
/// optionally, one customer's facts. `omni price --snapshot` prices with it.
#[utoipa::path(get, path = "/v1/pricing/snapshot", tag = "offers", security(("api_key" = [])),
    params(SnapshotParams),
    responses((status = 200, body = SignedSnapshot), (status = 422, body = Problem)))]
pub async fn snapshot(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    Query(params): Query<SnapshotParams>,
) -> Result<Json<SignedSnapshot>, ApiError> {
    principal.require(Action::PriceCarts)?;
    let currency = params
        .currency
        .map(|c| omni_kernel::Currency::parse(&c))
        .transpose()
        .map_err(|e| ApiError::field("currency", "invalid", e.to_string()))?;
    let priced = books.get(&state, principal.tenant, currency).await?;
    let now = state.clock.now();
    let customer = match params.customer_id {
        Some(raw) => {
            let id: CustomerId = raw
                .parse()
                .map_err(|_| ApiError::field("customer_id", "invalid", "not a customer id"))?;
            let facts = state
                .store
                .customer_offer_facts(principal.tenant, id, now)
                .await?
                .ok_or_else(|| ApiError::field("customer_id", "not_found", "no such customer"))?;
            Some((id, facts))
        }
        None => None,
    };
    let skus = state
        .store
        .all_sku_facts(principal.tenant, priced.book.currency(), &priced.parents)
        .await?;
    let coupons: BTreeMap<String, PromotionId> = state
        .store
        .open_coupons(principal.tenant, 1_000_000)
        .await?
        .into_iter()
        .collect();
    let snap = Snapshot {
        tenant_id: principal.tenant,
        issued_at: now,
        rules: priced.rules.clone(),
        skus,
        customer,
        coupons,
    };
    let key = snapshot_signing_key(&state, principal.tenant).await?;
    Ok(Json(snap.sign(&key).map_err(ApiError::internal)?))
}

/// The snapshot verification key.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SnapshotKey {
    /// Base64; give it to tills that price offline (`omni price --key`).
    pub key: String,
}

/// The key tills verify snapshots with (admins only: it also signs them).
#[utoipa::path(get, path = "/v1/pricing/snapshot-key", tag = "offers", security(("api_key" = [])),
    responses((status = 200, body = SnapshotKey), (status = 403, body = Problem)))]
pub async fn snapshot_key(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<SnapshotKey>, ApiError> {
    if !matches!(principal.role, Role::Admin) {
        return Err(ApiError::Forbidden);
    }
    let key = snapshot_signing_key(&state, principal.tenant).await?;
    Ok(Json(SnapshotKey {
        key: base64::engine::general_purpose::STANDARD.encode(key),
    }))
}
