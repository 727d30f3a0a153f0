//! Orders over HTTP after checkout: find an order (by id, number or customer), move it
//! through its lifecycle, hand it out against its pickup code, cancel it (whole or by line),
//! take returns anywhere, and list a store's pick work. Each change is one transaction with
//! its stock, points and event; payments are captured at hand-over and refunded on return.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::customers::InteractionKind;
use omni_domain::inventory::Commitment;
use omni_domain::orders::{Order, OrderAction, PickupError};
use omni_kernel::{CustomerId, LocationId, OrderId};
use omni_store::WriteTx;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId, etag};
use crate::orders_placing::{actor, record_order};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(find_orders))
        .route("/orders/{id}", get(show_order))
        .route("/orders/{id}/transitions", post(transition))
        .route(
            "/orders/{id}/cancellation",
            post(crate::orders_returns::cancel),
        )
        .route(
            "/orders/{id}/returns",
            post(crate::orders_returns::take_return).get(crate::orders_returns::list_returns),
        )
        .route("/pickups", post(hand_out))
        .route("/locations/{id}/pick-list", get(pick_list))
}

fn respond(status: StatusCode, order: &Order) -> Response {
    (
        status,
        [(header::ETAG, etag(order.version))],
        Json(order.clone()),
    )
        .into_response()
}

/// Associates see and work on the orders of their own store (sources or pickup counter).
pub(crate) fn require_involved(principal: &Principal, order: &Order) -> Result<(), ApiError> {
    let Some(store) = principal.role.store() else {
        return Ok(());
    };
    let involved = order.store == Some(store)
        || order.delivery.location_id == Some(store)
        || order.work_locations().contains(&store);
    if involved {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// An order.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 404, body = Problem)))]
pub async fn show_order(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<OrderId>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadOrders)?;
    let order = state.store.order(principal.tenant, id).await?;
    require_involved(&principal, &order)?;
    Ok(respond(StatusCode::OK, &order))
}

/// How to find orders: the number a customer names, or the customer (after identifying them
/// by phone, email or card through `/v1/customers/identify`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    pub number: Option<String>,
    pub customer_id: Option<String>,
}

/// Orders by number or by customer (a merged customer's id finds the survivor's orders).
#[utoipa::path(get, path = "/v1/orders", tag = "orders", security(("api_key" = [])),
    params(OrderQuery),
    responses((status = 200, body = Vec<Order>), (status = 422, body = Problem)))]
pub async fn find_orders(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<OrderQuery>,
) -> Result<Json<Vec<Order>>, ApiError> {
    principal.require(Action::ReadOrders)?;
    let orders = match (q.number, q.customer_id) {
        (Some(n), None) => match state
            .store
            .order_by_number(principal.tenant, n.trim())
            .await
        {
            Ok(o) => vec![o],
            Err(omni_store::StoreError::NotFound) => vec![],
            Err(e) => return Err(e.into()),
        },
        (None, Some(c)) => {
            let Ok(id) = c.parse::<CustomerId>() else {
                return Ok(Json(vec![]));
            };
            let survivor = state
                .store
                .surviving_customer(principal.tenant, id)
                .await?
                .map_or(id, |(s, _)| s);
            state
                .store
                .orders_of_customer(principal.tenant, survivor, 50)
                .await?
        }
        _ => {
            return Err(ApiError::field(
                "number",
                "required",
                "give number or customer_id",
            ));
        }
    };
    Ok(Json(
        orders
            .into_iter()
            .filter(|o| require_involved(&principal, o).is_ok() || principal.role.store().is_none())
            .collect(),
    ))
}

/// Commits the holds of every kept unit (goods leave the shelf: shipped, handed out).
async fn commit_holds(tx: &mut WriteTx, order: &Order, how: Commitment) -> Result<(), ApiError> {
    let now = order.updated_at;
    for line in order.lines.iter().filter(|l| l.cancelled < l.quantity) {
        for a in &line.allocations {
            let r = tx.reservation(order.tenant_id, a.reservation_id).await?;
            if r.status != omni_domain::inventory::ReservationStatus::Active {
                continue;
            }
            let done = r.commit(how, now).map_err(|_| {
                ApiError::Conflict("a hold of this order has expired; re-source the line")
            })?;
            tx.advance_reservation(&done).await?;
        }
    }
    Ok(())
}

/// Frees the holds of the given lines (all when `None`).
pub(crate) async fn release_holds(
    tx: &mut WriteTx,
    order: &Order,
    lines: Option<&[u32]>,
) -> Result<(), ApiError> {
    let holds: Vec<_> = order
        .lines
        .iter()
        .filter(|line| lines.is_none_or(|ls| ls.contains(&line.line)))
        .flat_map(|line| line.allocations.iter().map(|a| a.reservation_id))
        .collect();
    free_holds(tx, order.tenant_id, holds, order.updated_at).await
}

/// Frees the units of the given holds that are still active (an ended one is left as is).
pub(crate) async fn free_holds(
    tx: &mut WriteTx,
    tenant: omni_kernel::TenantId,
    holds: Vec<omni_domain::inventory::ReservationId>,
    now: omni_kernel::Timestamp,
) -> Result<(), ApiError> {
    for id in holds {
        let r = tx.reservation(tenant, id).await?;
        if r.status == omni_domain::inventory::ReservationStatus::Active {
            let freed = r
                .release(now)
                .map_err(|_| ApiError::Conflict("the hold already ended"))?;
            tx.advance_reservation(&freed).await?;
        }
    }
    Ok(())
}

/// Frees a line's holds at one location (re-sourcing).
pub(crate) async fn release_line_at(
    tx: &mut WriteTx,
    order: &Order,
    line: u32,
    at: LocationId,
    now: omni_kernel::Timestamp,
) -> Result<(), ApiError> {
    let Some(l) = order.lines.get(line as usize) else {
        return Err(ApiError::NotFound);
    };
    let holds: Vec<_> = l
        .allocations
        .iter()
        .filter(|a| a.location_id == at)
        .map(|a| a.reservation_id)
        .collect();
    free_holds(tx, order.tenant_id, holds, now).await
}

/// A lifecycle step.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub action: OrderAction,
}

/// Loads an order for a change inside a write (404 for another store's associate).
pub(crate) async fn load(
    tx: &mut WriteTx,
    principal: &Principal,
    id: OrderId,
) -> Result<Order, ApiError> {
    let order = tx.order(principal.tenant, id).await?;
    require_involved(principal, &order)?;
    Ok(order)
}

/// Moves an order one step: allocate, start_picking, pack, ship, mark_ready, deliver,
/// complete. Shipping commits the holds (stock leaves) and captures the payment. An illegal
/// step is a 409 naming the current status. Cancellation, pickup and returns have their own
/// resources.
#[utoipa::path(post, path = "/v1/orders/{id}/transitions", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = TransitionRequest,
    responses((status = 200, body = Order), (status = 409, body = Problem), (status = 404, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    PathId(id): PathId<OrderId>,
    body: JsonBody<TransitionRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::FulfilOrders)?;
    let action = body.value.action;
    if matches!(
        action,
        OrderAction::Cancel | OrderAction::PickUp | OrderAction::ReturnAll
    ) {
        return Err(ApiError::field(
            "action",
            "invalid",
            "use /cancellation, /v1/pickups or /returns for this step",
        ));
    }
    let path = format!("/v1/orders/{id}/transitions");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let mut order = load(&mut write.tx, &principal, id).await?;
    let version = order.version;
    let now = state.clock.now();
    order
        .apply(action, &actor(&principal), now)
        .map_err(|e| conflict_from(e.to_string()))?;
    let capture = action == OrderAction::Ship;
    if capture {
        commit_holds(&mut write.tx, &order, Commitment::Shipment).await?;
        order.payment.captured = order.money_due();
    }
    write.tx.update_order(&order, version).await?;
    let timeline = (action == OrderAction::Deliver).then_some(InteractionKind::PickedUp);
    record_order(
        &mut write.tx,
        &order,
        action.event_type(),
        timeline,
        json!({}),
    )
    .await?;
    let response = write
        .finish(
            StatusCode::OK,
            &order,
            &[(header::ETAG, etag(order.version))],
        )
        .await?;
    if capture {
        capture_payment(&state, &order).await;
    }
    Ok(response)
}

/// A state-machine refusal as a 409 with its reason.
fn conflict_from(reason: String) -> ApiError {
    ApiError::InvalidTransition(reason)
}

async fn capture_payment(state: &AppState, order: &Order) {
    let Some(a) = &order.payment.authorization else {
        return;
    };
    if let Err(e) = state.payments.capture(a, order.payment.captured).await {
        tracing::error!(error = %e, order = %order.id, "capture failed; the order stands, settle it with the provider");
    }
}

/// The customer at the counter: the order number and the code they received.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupRequest {
    pub number: String,
    pub code: String,
}

/// Hands out a pickup order: the associate at the pickup store enters the number the
/// customer names and the code they received; five wrong codes lock the order. The holds
/// are committed (stock leaves the shelf) and the payment captured.
#[utoipa::path(post, path = "/v1/pickups", tag = "orders", security(("api_key" = [])),
    request_body = PickupRequest,
    responses((status = 200, body = Order), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn hand_out(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody<PickupRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::FulfilOrders)?;
    let found = state
        .store
        .order_by_number(principal.tenant, body.value.number.trim())
        .await?;
    if principal
        .role
        .store()
        .is_some_and(|s| found.delivery.location_id != Some(s))
    {
        return Err(ApiError::NotFound);
    }
    let now = state.clock.now();
    let mut tx = state.store.write().await?;
    let mut order = tx.order(principal.tenant, found.id).await?;
    let version = order.version;
    let checked = order.verify_pickup_code(&body.value.code);
    if let Err(e) = checked {
        if e == PickupError::WrongCode {
            order.version += 1;
            tx.update_order(&order, version).await?;
            tx.commit().await?;
            return Err(ApiError::field("code", "mismatch", e.to_string()));
        }
        return Err(ApiError::Conflict(match e {
            PickupError::Locked => "too many wrong codes; a supervisor must hand this order out",
            _ => "this order is not waiting for pickup",
        }));
    }
    order
        .apply(OrderAction::PickUp, &actor(&principal), now)
        .map_err(|e| conflict_from(e.to_string()))?;
    commit_holds(&mut tx, &order, Commitment::Pickup).await?;
    order.payment.captured = order.money_due();
    tx.update_order(&order, version).await?;
    record_order(
        &mut tx,
        &order,
        "order.picked_up",
        Some(InteractionKind::PickedUp),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    state.events_written.notify_one();
    capture_payment(&state, &order).await;
    Ok(respond(StatusCode::OK, &order))
}

/// A store's pick list: orders it sends goods for or hands out that still need work.
#[utoipa::path(get, path = "/v1/locations/{id}/pick-list", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<Order>), (status = 403, body = Problem)))]
pub async fn pick_list(
    State(state): State<AppState>,
    principal: Principal,
    PathId(location): PathId<LocationId>,
) -> Result<Json<Vec<Order>>, ApiError> {
    principal.require(Action::FulfilOrders)?;
    crate::inventory::require_store(&principal, location)?;
    Ok(Json(
        state
            .store
            .pick_list(principal.tenant, location, 100)
            .await?,
    ))
}
