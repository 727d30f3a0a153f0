//! Orders over HTTP after checkout: find an order (by id, number or customer), move it
//! through its lifecycle, hand it out against its pickup code, cancel it (whole or by line),
//! take returns anywhere, and list a store's pick work. Each change is one transaction with
//! its stock, points and event; payments are captured at hand-over and refunded on return.

use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::{Action, Role};
use omni_domain::customers::InteractionKind;
use omni_domain::inventory::{Commitment, Movement, MovementKind, Sku};
use omni_domain::orders::{
    Giveback, Order, OrderAction, OrderReturn, PickupError, ReturnDraft, ReturnId,
};
use omni_kernel::{CustomerId, LocationId, OrderId};
use omni_store::WriteTx;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId, etag};
use crate::offers_books::OfferBooks;
use crate::orders_checkout::{actor, record_order};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(find_orders))
        .route("/orders/{id}", get(show_order))
        .route("/orders/{id}/transitions", post(transition))
        .route("/orders/{id}/cancellation", post(cancel))
        .route("/orders/{id}/returns", post(take_return).get(list_returns))
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
fn require_involved(principal: &Principal, order: &Order) -> Result<(), ApiError> {
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
async fn release_holds(
    tx: &mut WriteTx,
    order: &Order,
    lines: Option<&[u32]>,
) -> Result<(), ApiError> {
    let now = order.updated_at;
    for line in &order.lines {
        if lines.is_some_and(|ls| !ls.contains(&line.line)) {
            continue;
        }
        for a in &line.allocations {
            let r = tx.reservation(order.tenant_id, a.reservation_id).await?;
            if r.status != omni_domain::inventory::ReservationStatus::Active {
                continue;
            }
            let freed = r
                .release(now)
                .map_err(|_| ApiError::Conflict("the hold already ended"))?;
            tx.advance_reservation(&freed).await?;
        }
    }
    Ok(())
}

/// A lifecycle step.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub action: OrderAction,
}

/// Loads an order for a change inside a write (404 for another store's associate).
async fn load(tx: &mut WriteTx, principal: &Principal, id: OrderId) -> Result<Order, ApiError> {
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

/// What to cancel: whole lines, or everything when absent.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub lines: Option<Vec<u32>>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Cancels an order (or some of its lines) before the goods leave: holds are freed, what the
/// lines cost is released from the payment, points paid are refunded and points earned
/// clawed back. Cancelling everything also gives back coupons and promotion uses.
#[utoipa::path(post, path = "/v1/orders/{id}/cancellation", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = CancelRequest,
    responses((status = 200, body = Order), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    headers: HeaderMap,
    PathId(id): PathId<OrderId>,
    body: JsonBody<CancelRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::ServiceOrders)?;
    let path = format!("/v1/orders/{id}/cancellation");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let mut order = load(&mut write.tx, &principal, id).await?;
    let version = order.version;
    let now = state.clock.now();
    let lines: Vec<u32> = match &body.value.lines {
        Some(ls) => ls.clone(),
        None => order
            .lines
            .iter()
            .filter(|l| l.kept() > 0)
            .map(|l| l.line)
            .collect(),
    };
    let g = order.cancel_lines(&lines, &actor(&principal), now)?;
    release_holds(&mut write.tx, &order, Some(&lines)).await?;
    let program = books
        .get(&state, principal.tenant, Some(order.currency))
        .await?
        .rules
        .program
        .clone();
    let whole = order.status == omni_domain::orders::OrderStatus::Cancelled;
    if whole {
        write
            .tx
            .cancel_sale(principal.tenant, &order.id.to_string(), &program, now)
            .await?;
    } else {
        give_points(
            &mut write.tx,
            &order,
            &program,
            g,
            &format!("{}/cancel/{}", order.id, order.version),
        )
        .await?;
    }
    write.tx.update_order(&order, version).await?;
    record_order(
        &mut write.tx,
        &order,
        if whole {
            "order.cancelled"
        } else {
            "order.lines_cancelled"
        },
        None,
        json!({"lines": lines, "released": g.money, "reason": body.value.reason}),
    )
    .await?;
    let response = write
        .finish(
            StatusCode::OK,
            &order,
            &[(header::ETAG, etag(order.version))],
        )
        .await?;
    if let Some(a) = &order.payment.authorization {
        let step = if whole {
            state.payments.void(a).await
        } else {
            Ok(())
        };
        if let Err(e) = step {
            tracing::error!(error = %e, order = %order.id, "void failed; release it with the provider");
        }
    }
    Ok(response)
}

/// Refunds the points that paid for given-up units and claws back what they earned.
async fn give_points(
    tx: &mut WriteTx,
    order: &Order,
    program: &omni_domain::offers::LoyaltyProgram,
    g: Giveback,
    reference: &str,
) -> Result<(), ApiError> {
    let Some(customer) = order.customer_id else {
        return Ok(());
    };
    if g.points_refunded == 0 && g.points_clawed_back == 0 {
        return Ok(());
    }
    let now = order.updated_at;
    let earned_under = order.id.to_string();
    let customer = tx.resolve_customer(order.tenant_id, customer).await?.id;
    tx.change_points(order.tenant_id, customer, now, |w| {
        let mut out = Vec::new();
        if g.points_refunded > 0 {
            out.push(w.refund(program, g.points_refunded, reference, now)?);
        }
        if g.points_clawed_back > 0 {
            // the points were earned under the order's id: that purchase's pending lot first
            out.extend(w.clawback(g.points_clawed_back, &earned_under, now)?);
        }
        Ok(out)
    })
    .await?;
    Ok(())
}

/// Takes goods back at any store or pickup point: the money actually paid per unit is
/// refunded (discounts apportioned), points paid are refunded and points earned clawed back,
/// and the units go back on the receiving location's stock. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/orders/{id}/returns", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = ReturnDraft,
    responses((status = 201, body = OrderReturn), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn take_return(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    headers: HeaderMap,
    PathId(id): PathId<OrderId>,
    body: JsonBody<ReturnDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ServiceOrders)?;
    let draft = &body.value;
    if principal
        .role
        .store()
        .is_some_and(|s| s != draft.location_id)
    {
        return Err(ApiError::field(
            "location_id",
            "forbidden",
            "an associate takes returns at their own store",
        ));
    }
    let path = format!("/v1/orders/{id}/returns");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let tx = &mut write.tx;
    let mut order = tx.order(principal.tenant, id).await?;
    if matches!(principal.role, Role::App { .. }) && order.customer_id.is_none() {
        return Err(ApiError::NotFound);
    }
    tx.location(principal.tenant, draft.location_id)
        .await
        .map_err(|_| ApiError::field("location_id", "not_found", "no such location"))?;
    let version = order.version;
    let now = state.clock.now();
    let r = order.plan_return(draft, ReturnId::new(), now)?;
    order.record_return(&r, &actor(&principal), now);
    for l in &r.lines {
        let sku = Sku::parse(&l.sku).map_err(|_| ApiError::internal(std::fmt::Error))?;
        let m = Movement {
            kind: MovementKind::Return,
            quantity: i64::from(l.quantity),
        };
        tx.apply_movement(
            principal.tenant,
            &sku,
            r.location_id,
            m,
            Some(&r.id.to_string()),
            now,
        )
        .await?;
    }
    let program = books
        .get(&state, principal.tenant, Some(order.currency))
        .await?
        .rules
        .program
        .clone();
    give_points(tx, &order, &program, r.total, &r.id.to_string()).await?;
    tx.insert_return(principal.tenant, &r).await?;
    tx.update_order(&order, version).await?;
    record_order(
        tx,
        &order,
        "order.returned",
        Some(InteractionKind::Returned),
        json!({"return_id": r.id, "location_id": r.location_id, "refund": r.total.money}),
    )
    .await?;
    let location = [(header::LOCATION, format!("/v1/orders/{id}/returns"))];
    let response = write.finish(StatusCode::CREATED, &r, &location).await?;
    if let (Some(a), true) = (&order.payment.authorization, r.total.money > 0)
        && let Err(e) = state.payments.refund(a, r.total.money).await
    {
        tracing::error!(error = %e, order = %order.id, "refund failed; settle it with the provider");
    }
    Ok(response)
}

/// An order's returns.
#[utoipa::path(get, path = "/v1/orders/{id}/returns", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<OrderReturn>), (status = 404, body = Problem)))]
pub async fn list_returns(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<OrderId>,
) -> Result<Json<Vec<OrderReturn>>, ApiError> {
    principal.require(Action::ReadOrders)?;
    let order = state.store.order(principal.tenant, id).await?;
    require_involved(&principal, &order)?;
    Ok(Json(state.store.returns_of(principal.tenant, id).await?))
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
