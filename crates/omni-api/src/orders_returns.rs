//! Cancellations and returns: what a customer gives up comes back exactly — the holds or the
//! stock (restocked where the goods are handed in), the money actually paid per unit, the
//! points that paid for it — and the points it earned are clawed back.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use omni_domain::access::{Action, Role};
use omni_domain::customers::InteractionKind;
use omni_domain::inventory::{Movement, MovementKind, Sku};
use omni_domain::offers::LoyaltyProgram;
use omni_domain::orders::{Giveback, Order, OrderReturn, ReturnDraft, ReturnId};
use omni_kernel::OrderId;
use omni_store::WriteTx;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId, etag};
use crate::offers_books::OfferBooks;
use crate::orders::{load, release_holds, require_involved};
use crate::orders_placing::{actor, record_order};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

/// The loyalty programme of the order's currency, read before the write transaction opens
/// (a pool read inside a write would wait on a connection the writers hold).
async fn program_for(
    state: &AppState,
    books: &OfferBooks,
    principal: &Principal,
    id: OrderId,
) -> Result<LoyaltyProgram, ApiError> {
    let order = state.store.order(principal.tenant, id).await?;
    Ok(books
        .get(state, principal.tenant, Some(order.currency))
        .await?
        .rules
        .program
        .clone())
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
    let program = program_for(&state, &books, &principal, id).await?;
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
    let program = program_for(&state, &books, &principal, id).await?;
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
