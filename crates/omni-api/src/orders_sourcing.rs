//! The merchant's sourcing rules and delivery tariffs as data, and the simulator that replays
//! a past period's orders under a draft before it goes live.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::orders::{
    DeliveryMethod, Demand, Order, Route, SimulatedOrder, SimulationReport, StockBySku, simulate,
};
use omni_kernel::Timestamp;
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{IfMatch, JsonBody, etag};
use crate::orders_network::{Network, Networks, OrderRules, stored_rules};
use crate::{ApiError, AppState};

/// Orders one simulation replays at most.
const MAX_REPLAY: usize = 20_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sourcing/rules", get(show_rules).put(put_rules))
        .route("/sourcing/simulations", post(run_simulation))
}

/// The rules in force (defaults until a merchant saves some); the ETag is their version.
#[utoipa::path(get, path = "/v1/sourcing/rules", tag = "orders", security(("api_key" = [])),
    responses((status = 200, body = OrderRules)))]
pub async fn show_rules(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageSourcing)?;
    let (rules, version) = stored_rules(&state, principal.tenant).await?;
    Ok(([(header::ETAG, etag(version))], Json(rules)).into_response())
}

/// Replaces the rules (`If-Match` with the version read; `"0"` before the first save).
#[utoipa::path(put, path = "/v1/sourcing/rules", tag = "orders", security(("api_key" = [])),
    request_body = OrderRules,
    responses((status = 200, body = OrderRules), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn put_rules(
    State(state): State<AppState>,
    Extension(networks): Extension<Arc<Networks>>,
    principal: Principal,
    IfMatch(expected): IfMatch,
    _headers: HeaderMap,
    body: JsonBody<OrderRules>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageSourcing)?;
    body.value.validate()?;
    let doc = serde_json::to_string(&body.value).map_err(ApiError::internal)?;
    let mut tx = state.store.write().await?;
    let version = tx
        .put_sourcing_rules(principal.tenant, &doc, expected, state.clock.now())
        .await?;
    tx.commit().await?;
    networks.invalidate(principal.tenant);
    Ok((
        StatusCode::OK,
        [(header::ETAG, etag(version))],
        Json(body.value),
    )
        .into_response())
}

/// A draft to compare with the rules in force over a period of past orders.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationRequest {
    pub draft: OrderRules,
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
}

/// How a past order reached its customer, as a sourcing route (till sales are not sourced).
fn replayable(network: &Network, o: &Order) -> Option<SimulatedOrder> {
    let method = o.delivery.method?;
    let at = |id| network.position(id).map(|i| network.locations[i].geo);
    let (route, destination) = match method {
        DeliveryMethod::Courier => (Route::Ship, o.delivery.address.as_ref()?.geo),
        DeliveryMethod::Express => (Route::Express, o.delivery.address.as_ref()?.geo),
        DeliveryMethod::PickupPoint => (Route::Ship, at(o.delivery.location_id?)?),
        DeliveryMethod::StorePickup => {
            let store = o.delivery.location_id?;
            (Route::PickupAt(store), at(store)?)
        }
    };
    Some(SimulatedOrder {
        lines: o
            .lines
            .iter()
            .map(|l| Demand {
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect(),
        destination,
        route,
        at: o.created_at,
    })
}

/// Replays the period's orders (at most 20,000, oldest first) under the rules in force and
/// under the draft, from today's stock, and reports cost, promised time, splits and the
/// stores' load for each. Nothing is saved.
#[utoipa::path(post, path = "/v1/sourcing/simulations", tag = "orders", security(("api_key" = [])),
    request_body = SimulationRequest,
    responses((status = 200, body = Object), (status = 422, body = Problem)))]
pub async fn run_simulation(
    State(state): State<AppState>,
    Extension(networks): Extension<Arc<Networks>>,
    principal: Principal,
    body: JsonBody<SimulationRequest>,
) -> Result<Json<SimulationReport>, ApiError> {
    principal.require(Action::ManageSourcing)?;
    let req = body.value;
    req.draft.validate()?;
    if req.to <= req.from {
        return Err(ApiError::field("to", "invalid", "must be after from"));
    }
    let network = networks.get(&state, principal.tenant).await?;
    let orders = state
        .store
        .orders_between(principal.tenant, req.from, req.to, MAX_REPLAY)
        .await?;
    let replay: Vec<SimulatedOrder> = orders
        .iter()
        .filter_map(|o| replayable(&network, o))
        .collect();
    let mut skus: Vec<String> = replay
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| l.sku.clone()))
        .collect();
    skus.sort();
    skus.dedup();
    let mut stock: StockBySku = BTreeMap::new();
    for row in state
        .store
        .promisable_stock(principal.tenant, &skus)
        .await?
    {
        let Some(c) = network.position(row.location_id) else {
            continue;
        };
        let units = stock
            .entry(row.sku)
            .or_insert_with(|| vec![0; network.candidates.len()]);
        units[c] = row.atp.clamp(0, i64::from(u32::MAX)) as u32;
    }
    Ok(Json(simulate(
        &replay,
        &network.candidates,
        &stock,
        &network.rules.sourcing,
        &req.draft.sourcing,
    )))
}
