//! Data-subject requests: erasure (personal data removed or irreversibly anonymised
//! everywhere, ids and balances kept for accounting) and export of everything held about a
//! customer. Both are admin-only and audit-logged.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::customers::{ConsentRecord, Merge, TimelineEntry, View};
use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, Timestamp};
use omni_store::customers::AccessEntry;
use serde::Serialize;
use serde_json::json;

use crate::auth::Principal;
use crate::customers::{ProfileView, audit};
use crate::error::Problem;
use crate::extract::PathId;
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers/{id}/erasure", post(erase_customer))
        .route("/customers/{id}/export", get(export_customer))
}

/// What an erasure did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub customer_id: CustomerId,
    /// The profile and every profile merged into it.
    pub erased_ids: Vec<CustomerId>,
    #[schema(value_type = String, format = DateTime)]
    pub erased_at: Timestamp,
}

/// Erases a customer's personal data (GDPR art. 17, 152-FZ): profile attributes, identifiers,
/// timeline payloads, merge snapshots; events never carried any. `customer.erased` tells other
/// contexts to anonymise their copies. Repeating it is harmless.
#[utoipa::path(post, path = "/v1/customers/{id}/erasure", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = Erasure), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn erase_customer(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    principal.require(Action::EraseCustomers)?;
    let now = state.clock.now();
    let path = format!("/v1/customers/{id}/erasure");
    let mut write = match Write::begin(&state, &principal, &headers, "POST", &path, b"").await? {
        Begun::Fresh(w) => w,
        Begun::Replayed(r) => return Ok(r),
    };
    let root = write.tx.resolve_customer(principal.tenant, id).await?;
    let (_, erased_ids) = write
        .tx
        .erase_customer(principal.tenant, root.id, now)
        .await?;
    write
        .tx
        .log_access(
            principal.tenant,
            &audit(&principal, root.id, "erase", "data_subject_request", now),
        )
        .await?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "customer.erased",
            root.id,
            now,
            json!({"customer_id": root.id, "erased_ids": erased_ids}),
        ))
        .await?;
    let body = Erasure {
        customer_id: root.id,
        erased_ids,
        erased_at: now,
    };
    write.finish(StatusCode::OK, &body, &[]).await
}

/// Everything held about a customer (subject access request).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    pub profile: ProfileView,
    /// Profiles merged into this one, with their own identifiers.
    pub merged_profiles: Vec<ProfileView>,
    pub consents: Vec<ConsentRecord>,
    pub timeline: Vec<TimelineEntry>,
    pub merges: Vec<Merge>,
    #[schema(value_type = Vec<Object>)]
    pub access_log: Vec<AccessEntry>,
    pub segments: Vec<omni_domain::customers::SegmentId>,
    /// The SKUs on the customer's wishlist, in their order.
    pub wishlist: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub exported_at: Timestamp,
}

/// Exports everything held about a customer as JSON; the export itself is audit-logged.
#[utoipa::path(get, path = "/v1/customers/{id}/export", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = Export), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn export_customer(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
) -> Result<Json<Export>, ApiError> {
    principal.require(Action::EraseCustomers)?;
    let t = principal.tenant;
    let store = &state.store;
    let c = store.resolve_customer(t, id).await?;
    let now = state.clock.now();
    let mut tx = store.write().await?;
    tx.log_access(
        t,
        &audit(&principal, c.id, "export", "data_subject_request", now),
    )
    .await?;
    tx.commit().await?;
    let mut merged_profiles = Vec::new();
    for m in store.merged_into(t, c.id).await? {
        let ids = store.identifiers_of(t, m.id).await?;
        merged_profiles.push(ProfileView::of(&m, &ids, View::Full));
    }
    let segments = crate::customers_segments::segments_for(&state, &principal, &c).await?;
    Ok(Json(Export {
        profile: ProfileView::of(&c, &store.identifiers_of(t, c.id).await?, View::Full),
        merged_profiles,
        consents: store.consents(t, c.id).await?,
        timeline: store.full_timeline(t, c.id).await?,
        merges: store.merges_of(t, c.id).await?,
        access_log: store.access_log(t, c.id).await?,
        segments,
        wishlist: store
            .wishlist(t, c.id)
            .await?
            .into_iter()
            .map(|i| i.sku)
            .collect(),
        exported_at: now,
    }))
}
