//! Re-sourcing: a store finds it cannot fulfil a line (the last unit is damaged, the count
//! was wrong). Its holds are freed and the line is sourced again from the rest of the network
//! under the same rules and delivery route, in one transaction with the new holds.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use omni_domain::access::Action;
use omni_domain::inventory::{MAX_TTL_SECONDS, ReservationDraft, ReservationId, ReservedFor, Sku};
use omni_domain::orders::{
    Allocation, DeliveryMethod, Demand, Order, Route, SourcingRequest, source,
};
use omni_kernel::{GeoPoint, LocationId, OrderId};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, etag};
use crate::orders::release_line_at;
use crate::orders_network::{Network, Networks};
use crate::orders_placing::record_order;
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/orders/{id}/lines/{line}/resourcing", post(resource_line))
}

/// The location that cannot fulfil the line.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceRequest {
    #[schema(value_type = String)]
    pub from: LocationId,
}

/// Where the order's goods go, as a sourcing route.
fn route_of(network: &Network, order: &Order) -> Option<(Route, GeoPoint)> {
    let at = |id| network.position(id).map(|i| network.locations[i].geo);
    Some(match order.delivery.method? {
        DeliveryMethod::Courier => (Route::Ship, order.delivery.address.as_ref()?.geo),
        DeliveryMethod::Express => (Route::Express, order.delivery.address.as_ref()?.geo),
        DeliveryMethod::PickupPoint => (Route::Ship, at(order.delivery.location_id?)?),
        DeliveryMethod::StorePickup => {
            let store = order.delivery.location_id?;
            (Route::PickupAt(store), at(store)?)
        }
    })
}

/// Frees a line's holds at `from` and sources those units again elsewhere: new holds, the
/// order's allocations and pick lists updated, an `order.line_resourced` event. 409 when the
/// rest of the network cannot supply them (the line stays unallocated there for an agent to
/// cancel or wait).
#[utoipa::path(post, path = "/v1/orders/{id}/lines/{line}/resourcing", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path), ("line" = u32, Path)), request_body = ResourceRequest,
    responses((status = 200, body = Order), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn resource_line(
    State(state): State<AppState>,
    Extension(networks): Extension<Arc<Networks>>,
    principal: Principal,
    headers: HeaderMap,
    Path((id, line)): Path<(String, u32)>,
    body: JsonBody<ResourceRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::FulfilOrders)?;
    let id: OrderId = id.parse().map_err(|_| ApiError::NotFound)?;
    let from = body.value.from;
    crate::inventory::require_store(&principal, from)?;
    let network = networks.get(&state, principal.tenant).await?;
    // everything read through the pool is read before the write transaction opens
    let read = state.store.order(principal.tenant, id).await?;
    crate::orders::require_involved(&principal, &read)?;
    if !read.status.holds_stock() {
        return Err(ApiError::Conflict(
            "the goods have left; nothing to re-source",
        ));
    }
    let Some(l) = read.lines.get(line as usize).cloned() else {
        return Err(ApiError::NotFound);
    };
    let units: u32 = l
        .allocations
        .iter()
        .filter(|a| a.location_id == from)
        .map(|a| a.quantity)
        .sum();
    if units == 0 || l.kept() == 0 {
        return Err(ApiError::field(
            "from",
            "invalid",
            "this location holds nothing of the line",
        ));
    }
    let (route, destination) =
        route_of(&network, &read).ok_or(ApiError::Conflict("a till sale is not re-sourced"))?;
    let now = state.clock.now();
    let demand = [Demand {
        sku: l.sku.clone(),
        quantity: units,
    }];
    let mut available = network
        .stock_matrix(&state, principal.tenant, &demand)
        .await?;
    if let Some(c) = network.position(from) {
        available[c] = 0;
    }
    let req = SourcingRequest {
        lines: &demand,
        destination,
        route,
        now,
    };
    let plan = source(
        &req,
        &network.candidates,
        &available,
        &network.rules.sourcing,
    )
    .map_err(|_| ApiError::Conflict("no other location can supply this line now"))?;
    let path = format!("/v1/orders/{id}/lines/{line}/resourcing");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let mut order = write.tx.order(principal.tenant, id).await?;
    let version = order.version;
    if version != read.version {
        return Err(ApiError::Conflict("the order changed meanwhile; try again"));
    }
    release_line_at(&mut write.tx, &order, line, from, now).await?;
    let sku = Sku::parse(&l.sku).map_err(ApiError::internal)?;
    let mut allocations: Vec<Allocation> = l
        .allocations
        .into_iter()
        .filter(|a| a.location_id != from)
        .collect();
    for s in &plan.shipments {
        let quantity: u32 = s.lines.iter().map(|x| x.quantity).sum();
        let draft = ReservationDraft {
            sku: sku.clone(),
            location_id: s.location_id,
            quantity: i64::from(quantity),
            reserved_for: ReservedFor::OrderLine {
                id: id.to_string(),
                line,
            },
            ttl_seconds: Some(MAX_TTL_SECONDS),
        };
        let r = draft.into_reservation(
            principal.tenant,
            ReservationId::new(),
            Some(order.channel),
            now,
        )?;
        write.tx.place_reservation(&r).await?;
        allocations.push(Allocation {
            location_id: s.location_id,
            quantity,
            reservation_id: r.id,
        });
    }
    order.lines[line as usize].allocations = allocations;
    order.version += 1;
    order.updated_at = now;
    write.tx.update_order(&order, version).await?;
    write.tx.add_order_sources(&order).await?;
    record_order(&mut write.tx, &order, "order.line_resourced", None,
        json!({"line": line, "from": from, "to": plan.shipments.iter().map(|s| s.location_id).collect::<Vec<_>>()})).await?;
    write
        .finish(
            StatusCode::OK,
            &order,
            &[(header::ETAG, etag(order.version))],
        )
        .await
}
