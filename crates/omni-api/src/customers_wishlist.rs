//! A customer's wishlist and "near a store": the app replaces the wishlist (SKUs the catalog
//! knows, at most 100) and reports when its geofence or the store's Wi-Fi sees the customer
//! at a store. That report counts the wishlist SKUs the store can sell now and records
//! `customer.near_store` with the count and the SKUs — what the `wishlist_nearby` trigger
//! chain pushes on — and a store-visit timeline entry.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use omni_domain::Violations;
use omni_domain::access::Action;
use omni_domain::customers::{
    Customer, CustomerStatus, InteractionKind, TimelineEntry, TimelineEntryId, WishlistDraft,
    unknown_skus,
};
use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, LocationId, Timestamp};
use omni_store::StoreError;
use omni_store::customers::WishlistItem;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::customers_timeline::entry_channel;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/customers/{id}/wishlist",
            get(show_wishlist).put(replace_wishlist),
        )
        .route(
            "/customers/{id}/wishlist/{sku}",
            delete(remove_wishlist_item),
        )
        .route("/customers/{id}/near-store", post(near_store))
}

/// One wished SKU and when it was first added.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WishlistEntry {
    pub sku: String,
    #[schema(value_type = String, format = DateTime)]
    pub added_at: Timestamp,
}

/// A customer's wishlist, most wanted first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WishlistView {
    pub customer_id: CustomerId,
    pub items: Vec<WishlistEntry>,
}

impl WishlistView {
    fn of(customer_id: CustomerId, items: Vec<WishlistItem>) -> WishlistView {
        let items = items
            .into_iter()
            .map(|i| WishlistEntry {
                sku: i.sku,
                added_at: i.added_at,
            })
            .collect();
        WishlistView { customer_id, items }
    }
}

/// Where the app saw the customer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NearStore {
    #[schema(value_type = String)]
    pub location_id: LocationId,
}

/// What a near-store report found (also the `customer.near_store` event's data).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NearStoreView {
    pub customer_id: CustomerId,
    #[schema(value_type = String)]
    pub location_id: LocationId,
    /// How many wishlist SKUs the store can sell now.
    pub wishlist_in_stock: usize,
    /// Those SKUs, in wishlist order.
    pub skus: Vec<String>,
}

/// The active profile an id stands for now (merged ids resolve); others are not found.
async fn active(state: &AppState, p: &Principal, id: CustomerId) -> Result<Customer, ApiError> {
    let c = state.store.resolve_customer(p.tenant, id).await?;
    if c.status != CustomerStatus::Active {
        return Err(ApiError::NotFound);
    }
    Ok(c)
}

/// A customer's wishlist (merged ids resolve to the survivor).
#[utoipa::path(get, path = "/v1/customers/{id}/wishlist", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = WishlistView), (status = 404, body = Problem)))]
pub async fn show_wishlist(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadCustomers)?;
    let c = active(&state, &principal, id).await?;
    let items = state.store.wishlist(principal.tenant, c.id).await?;
    Ok(Json(WishlistView::of(c.id, items)).into_response())
}

/// The event every change of a wishlist records (the new list, or the SKU removed).
fn wishlist_changed(
    tenant: omni_kernel::TenantId,
    customer: CustomerId,
    now: omni_kernel::Timestamp,
    data: serde_json::Value,
) -> DomainEvent {
    DomainEvent::new(tenant, "customer.wishlist_changed", customer, now, data)
}

/// Replaces a customer's wishlist. Every SKU must exist in the catalog (an unknown one is a
/// 422 naming `skus[i]`); at most 100; repeats are kept once. Records
/// `customer.wishlist_changed`.
#[utoipa::path(put, path = "/v1/customers/{id}/wishlist", tag = "customers", security(("api_key" = [])),
    request_body = WishlistDraft, params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = WishlistView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_wishlist(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
    body: JsonBody<WishlistDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let skus = validated(&state, &principal, &body.value).await?;
    let now = state.clock.now();
    let path = format!("/v1/customers/{id}/wishlist");
    let mut write =
        match Write::begin(&state, &principal, &headers, "PUT", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let c = write.tx.resolve_customer(principal.tenant, id).await?;
    if c.status != CustomerStatus::Active {
        return Err(ApiError::NotFound);
    }
    let items = write
        .tx
        .replace_wishlist(principal.tenant, c.id, &skus, now)
        .await?;
    let data = json!({"customer_id": c.id, "skus": skus});
    write
        .tx
        .record(&wishlist_changed(principal.tenant, c.id, now, data))
        .await?;
    let view = WishlistView::of(c.id, items);
    write.finish(StatusCode::OK, &view, &[]).await
}

/// The draft's SKUs, checked by the domain and against the catalog (read before any write).
async fn validated(
    state: &AppState,
    p: &Principal,
    draft: &WishlistDraft,
) -> Result<Vec<String>, ApiError> {
    let mut v = Violations::new();
    let skus = draft.skus(&mut v);
    if v.is_empty() {
        let known = state.store.sku_owners(p.tenant, &skus).await?;
        unknown_skus(draft, |s| known.contains_key(s), &mut v);
    }
    Ok(v.finish(skus)?)
}

/// Takes one SKU off a customer's wishlist (nothing happens if it was not on it).
#[utoipa::path(delete, path = "/v1/customers/{id}/wishlist/{sku}", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id"), ("sku" = String, Path)),
    responses((status = 200, body = WishlistView), (status = 404, body = Problem)))]
pub async fn remove_wishlist_item(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, sku)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let id: CustomerId = id.parse().map_err(|_| ApiError::NotFound)?;
    let c = active(&state, &principal, id).await?;
    let now = state.clock.now();
    let mut tx = state.store.write().await?;
    if tx
        .remove_wishlist_item(principal.tenant, c.id, &sku)
        .await?
    {
        let data = json!({"customer_id": c.id, "removed": sku});
        tx.record(&wishlist_changed(principal.tenant, c.id, now, data))
            .await?;
        let events = tx.recorded_events();
        tx.commit().await?;
        if events > 0 {
            state.events_written.notify_one();
        }
    } else {
        tx.commit().await?;
    }
    let items = state.store.wishlist(principal.tenant, c.id).await?;
    Ok(Json(WishlistView::of(c.id, items)).into_response())
}

/// The app saw the customer at a store (geofence, store Wi-Fi): counts the wishlist SKUs
/// the store can sell now and records `customer.near_store` with them and a store-visit
/// timeline entry. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/customers/{id}/near-store", tag = "customers", security(("api_key" = [])),
    request_body = NearStore, params(("id" = String, Path, description = "customer id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry-safe report")),
    responses((status = 200, body = NearStoreView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn near_store(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
    body: JsonBody<NearStore>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let tenant = principal.tenant;
    let location = body.value.location_id;
    match state.store.location(tenant, location).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            return Err(ApiError::field(
                "location_id",
                "not_found",
                "no such location",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let c = active(&state, &principal, id).await?;
    let in_stock = state
        .store
        .wishlist_in_stock_at(tenant, c.id, location)
        .await?;
    let view = NearStoreView {
        customer_id: c.id,
        location_id: location,
        wishlist_in_stock: in_stock.len(),
        skus: in_stock.into_iter().map(|(sku, _)| sku).collect(),
    };
    let now = state.clock.now();
    let path = format!("/v1/customers/{id}/near-store");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let data = serde_json::to_value(&view).map_err(ApiError::internal)?;
    let event = DomainEvent::new(tenant, "customer.near_store", c.id, now, data);
    write.tx.record(&event).await?;
    let entry = TimelineEntry {
        id: TimelineEntryId::new(),
        customer_id: Some(c.id),
        device_id: None,
        kind: InteractionKind::StoreVisit,
        channel: entry_channel(&principal, None),
        location_id: Some(location),
        occurred_at: now,
        data: json!({"source": "near_store", "wishlist_in_stock": view.wishlist_in_stock,
            "event_id": event.id}),
    };
    write.tx.insert_timeline(tenant, &entry).await?;
    write.finish(StatusCode::OK, &view, &[]).await
}
