//! Delivery options for a cart and the delivery decision of a checkout: each way the goods
//! can reach the shopper (courier, express, pickup points, stores), sourced against live
//! stock under the merchant's rules and priced and dated by the tariffs.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use chrono_tz::Tz;
use omni_domain::access::Action;
use omni_domain::orders::{
    Address, CartHold, CartId, Delivery, DeliveryMethod, DeliveryOption, Demand, Plan, Route,
    ShoppingCart, SourcingRequest, delivery_options, source,
};
use omni_kernel::{GeoPoint, LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::offers_books::OfferBooks;
use crate::orders_carts::view;
use crate::orders_network::{Network, Networks};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/carts/{id}/delivery-options", post(options))
        .route("/carts/{id}/holds", post(hold_cart))
}

/// Where the shopper wants to know about delivery to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionsRequest {
    pub destination: GeoPoint,
}

pub(crate) fn demand_of(cart: &ShoppingCart) -> Vec<Demand> {
    cart.lines
        .iter()
        .map(|l| Demand {
            sku: l.sku.clone(),
            quantity: l.quantity,
        })
        .collect()
}

/// The shopper's local time zone: the nearest location's.
fn local_zone(network: &Network, at: GeoPoint) -> Tz {
    network
        .locations
        .iter()
        .min_by(|a, b| a.geo.distance_km(&at).total_cmp(&b.geo.distance_km(&at)))
        .map_or(chrono_tz::UTC, |l| l.tz())
}

/// Every way the cart can reach the shopper: courier, express, the nearest pickup points and
/// stores, each sourced against live stock.
async fn plans_near(
    state: &AppState,
    network: &Network,
    tenant: TenantId,
    lines: &[Demand],
    to: GeoPoint,
    now: Timestamp,
) -> Result<Vec<(DeliveryMethod, Option<LocationId>, Plan)>, ApiError> {
    use omni_domain::network::LocationKind as K;
    let available = network.stock_matrix(state, tenant, lines).await?;
    let rules = &network.rules.sourcing;
    let try_plan = |route: Route, destination: GeoPoint| {
        let req = SourcingRequest {
            lines,
            destination,
            route,
            now,
        };
        source(&req, &network.candidates, &available, rules).ok()
    };
    let mut plans = Vec::new();
    for (method, route) in [
        (DeliveryMethod::Courier, Route::Ship),
        (DeliveryMethod::Express, Route::Express),
    ] {
        if let Some(p) = try_plan(route, to) {
            plans.push((method, None, p));
        }
    }
    for point in network.nearest_pickup(to, &[K::PickupPoint, K::PartnerPoint], 3) {
        if let Some(p) = try_plan(Route::Ship, point.geo) {
            plans.push((DeliveryMethod::PickupPoint, Some(point.id), p));
        }
    }
    for store in network.nearest_pickup(to, &[K::Store], 3) {
        if let Some(p) = try_plan(Route::PickupAt(store.id), store.geo) {
            plans.push((DeliveryMethod::StorePickup, Some(store.id), p));
        }
    }
    Ok(plans)
}

/// Delivery options for a cart at a destination: each method with its price, promised
/// dates (courier slots), parcels and the sources behind the promise.
#[utoipa::path(post, path = "/v1/carts/{id}/delivery-options", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = OptionsRequest,
    responses((status = 200, body = Vec<Object>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn options(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    Extension(networks): Extension<Arc<Networks>>,
    principal: Principal,
    PathId(id): PathId<CartId>,
    body: JsonBody<OptionsRequest>,
) -> Result<Json<Vec<DeliveryOption>>, ApiError> {
    principal.require(Action::Shop)?;
    let cart = state.store.cart(principal.tenant, id).await?;
    let to = body.value.destination;
    let lines = demand_of(&cart);
    if lines.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let goods = view(&state, &books, &principal, cart)
        .await?
        .quote
        .map_or(0, |q| q.total);
    let network = networks.get(&state, principal.tenant).await?;
    let now = state.clock.now();
    let plans = plans_near(&state, &network, principal.tenant, &lines, to, now).await?;
    Ok(Json(delivery_options(
        goods,
        &plans,
        &network.rules.tariffs,
        local_zone(&network, to),
    )))
}

/// How the order reaches the customer.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fulfilment {
    Courier {
        address: Address,
    },
    Express {
        address: Address,
    },
    PickupPoint {
        #[schema(value_type = String)]
        location_id: LocationId,
    },
    StorePickup {
        #[schema(value_type = String)]
        location_id: LocationId,
    },
    /// Sold at the till and taken away now (the associate's store).
    CarryOut,
}

fn allocations_of(plan: &Plan, lines: usize) -> Vec<Vec<(LocationId, u32)>> {
    let mut out = vec![Vec::new(); lines];
    for s in &plan.shipments {
        for l in &s.lines {
            out[l.line].push((s.location_id, l.quantity));
        }
    }
    out
}

fn unfulfillable(e: omni_domain::orders::SourcingError) -> ApiError {
    use omni_domain::orders::SourcingError as E;
    match e {
        E::PickupStoreUnknown | E::PickupNotOffered => ApiError::field(
            "fulfilment.location_id",
            "invalid",
            "this location does not hand out orders",
        ),
        _ => ApiError::Conflict(
            "not enough stock to fulfil the cart this way; ask for delivery options again",
        ),
    }
}

/// The cart's own live holds count as available to it: the shopper's checkout may take
/// what was held for them.
fn add_back(
    network: &Network,
    lines: &[Demand],
    own: &[CartHold],
    now: Timestamp,
    available: &mut [u32],
) {
    for h in own.iter().filter(|h| h.expires_at > now) {
        let (Some(c), Some(l)) = (
            network.position(h.location_id),
            lines.iter().position(|d| d.sku == h.sku),
        ) else {
            continue;
        };
        available[c * lines.len() + l] += h.quantity;
    }
}

/// What a delivery decision sources: the lines, the goods' value (free-delivery threshold)
/// and the cart's own holds (available to it).
#[derive(Clone, Copy)]
pub(crate) struct Wanted<'a> {
    pub lines: &'a [Demand],
    pub goods: i64,
    pub own: &'a [CartHold],
}

/// Sources the cart for the chosen fulfilment and dates the promise.
pub(crate) async fn decide_delivery(
    state: &AppState,
    network: &Network,
    principal: &Principal,
    f: &Fulfilment,
    wanted: Wanted<'_>,
    now: Timestamp,
) -> Result<(Vec<Vec<(LocationId, u32)>>, Delivery), ApiError> {
    let Wanted { lines, goods, own } = wanted;
    let (method, location, address, route, to) = match f {
        Fulfilment::CarryOut => {
            let Some(store) = principal.role.store() else {
                return Err(ApiError::field(
                    "fulfilment.method",
                    "invalid",
                    "carry_out is a sale at an associate's till",
                ));
            };
            let all = lines.iter().map(|d| vec![(store, d.quantity)]).collect();
            let delivery = Delivery {
                method: None,
                location_id: Some(store),
                address: None,
                fee: 0,
                promised_from: Some(now),
                promised_to: Some(now),
                parcels: 1,
            };
            return Ok((all, delivery));
        }
        Fulfilment::Courier { address } => (
            DeliveryMethod::Courier,
            None,
            Some(address),
            Route::Ship,
            address.geo,
        ),
        Fulfilment::Express { address } => (
            DeliveryMethod::Express,
            None,
            Some(address),
            Route::Express,
            address.geo,
        ),
        Fulfilment::PickupPoint { location_id } | Fulfilment::StorePickup { location_id } => {
            let at = network
                .position(*location_id)
                .map(|i| network.locations[i].geo)
                .ok_or_else(|| {
                    ApiError::field(
                        "fulfilment.location_id",
                        "not_found",
                        "no such active location",
                    )
                })?;
            if matches!(f, Fulfilment::StorePickup { .. }) {
                (
                    DeliveryMethod::StorePickup,
                    Some(*location_id),
                    None,
                    Route::PickupAt(*location_id),
                    at,
                )
            } else {
                (
                    DeliveryMethod::PickupPoint,
                    Some(*location_id),
                    None,
                    Route::Ship,
                    at,
                )
            }
        }
    };
    if let Some(a) = address {
        let mut v = omni_domain::Violations::new();
        v.text("fulfilment.address.text", &a.text, 300);
        v.finish(())?;
    }
    let mut available = network.stock_matrix(state, principal.tenant, lines).await?;
    add_back(network, lines, own, now, &mut available);
    let req = SourcingRequest {
        lines,
        destination: to,
        route,
        now,
    };
    let plan = source(
        &req,
        &network.candidates,
        &available,
        &network.rules.sourcing,
    )
    .map_err(unfulfillable)?;
    let option = delivery_options(
        goods,
        &[(method, location, plan)],
        &network.rules.tariffs,
        local_zone(network, to),
    )
    .pop()
    .ok_or(ApiError::Conflict("no delivery option"))?;
    let delivery = Delivery {
        method: Some(method),
        location_id: location,
        address: address.cloned(),
        fee: option.price,
        promised_from: Some(option.promised_from),
        promised_to: Some(option.promised_to),
        parcels: option.parcels,
    };
    Ok((allocations_of(&option.plan, lines.len()), delivery))
}

/// How the shopper wants the cart: the holds are placed where that fulfilment would take it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    pub fulfilment: Fulfilment,
}

/// Holds the cart's units for 15 minutes while the shopper checks out, at the sources the
/// chosen fulfilment would use (earlier holds of the cart are released first). Checkout
/// counts the cart's own holds as available and replaces them with the order's. Another
/// shopper's checkout cannot take the held units meanwhile.
#[utoipa::path(post, path = "/v1/carts/{id}/holds", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = HoldRequest,
    responses((status = 200, body = Object), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn hold_cart(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    Extension(networks): Extension<Arc<Networks>>,
    principal: Principal,
    PathId(id): PathId<CartId>,
    body: JsonBody<HoldRequest>,
) -> Result<axum::response::Response, ApiError> {
    principal.require(Action::Shop)?;
    let read = state.store.cart(principal.tenant, id).await?;
    let lines = demand_of(&read);
    if lines.is_empty() {
        return Err(ApiError::field("cart_id", "invalid", "the cart is empty"));
    }
    let network = networks.get(&state, principal.tenant).await?;
    let now = state.clock.now();
    let (allocations, _) = decide_delivery(
        &state,
        &network,
        &principal,
        &body.value.fulfilment,
        Wanted {
            lines: &lines,
            goods: 0,
            own: &read.holds,
        },
        now,
    )
    .await?;
    let mut tx = state.store.write().await?;
    let mut cart = tx.cart(principal.tenant, id).await?;
    if cart.version != read.version || cart.status != omni_domain::orders::CartStatus::Open {
        return Err(ApiError::Conflict("the cart changed meanwhile; try again"));
    }
    crate::orders_placing::release_cart_holds(&mut tx, &mut cart, now).await?;
    cart.holds = place_holds(&mut tx, &principal, &cart, &allocations, now).await?;
    cart.version += 1;
    cart.updated_at = now;
    tx.update_cart(&cart, read.version).await?;
    tx.commit().await?;
    state.events_written.notify_one();
    let v = view(&state, &books, &principal, cart).await?;
    Ok(Json(v).into_response())
}

/// One short hold per source and line, for the cart, placed together (all or none).
async fn place_holds(
    tx: &mut omni_store::WriteTx,
    principal: &Principal,
    cart: &ShoppingCart,
    allocations: &[Vec<(LocationId, u32)>],
    now: Timestamp,
) -> Result<Vec<CartHold>, ApiError> {
    let owner = |_| omni_domain::inventory::ReservedFor::Cart {
        id: cart.id.to_string(),
    };
    let per_line =
        crate::orders_placing::holds_for(principal, cart, allocations, owner, None, now)?;
    let holds: Vec<_> = per_line.into_iter().flatten().collect();
    tx.place_reservations(&holds).await?;
    Ok(holds.iter().map(CartHold::of).collect())
}
