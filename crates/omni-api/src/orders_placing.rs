//! The write of a checkout: in one transaction on the writer, claim the key, close the cart,
//! hold the stock at each source, redeem offers and points, number the order and remember
//! the response. Everything here was decided before (`orders_checkout`); nothing here reads
//! through the pool, which on SQLite would wait on connections other writers hold.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use omni_domain::customers::{InteractionKind, TimelineEntry, TimelineEntryId};
use omni_domain::events::DomainEvent;
use omni_domain::inventory::{
    Commitment, MAX_TTL_SECONDS, Reservation, ReservationDraft, ReservationId, ReservedFor, Sku,
};
use omni_domain::orders::{
    Allocation, Order, OrderAction, OrderStatus, PaymentMethod, PaymentRecord, ShoppingCart,
};
use omni_kernel::{LocationId, OrderId, Timestamp};
use omni_store::offers::Redemption;
use omni_store::orders::OrderNumberAsked;
use omni_store::{TRY_CAREFULLY, WriteTx};
use serde_json::json;

use crate::auth::Principal;
use crate::extract::JsonBody;
use crate::orders::free_holds;
use crate::orders_carts::record_cart;
use crate::orders_checkout::{CheckoutRequest, CheckoutResult, Decision};
use crate::orders_delivery::Fulfilment;
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

/// Frees the units held for the cart (the order's own holds replace them, or new ones do).
pub(crate) async fn release_cart_holds(
    tx: &mut WriteTx,
    cart: &mut ShoppingCart,
    now: Timestamp,
) -> Result<(), ApiError> {
    let holds = std::mem::take(&mut cart.holds);
    free_holds(
        tx,
        cart.tenant_id,
        holds.iter().map(|h| h.reservation_id).collect(),
        now,
    )
    .await
}

/// How a checkout's write is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// Guessing that every hold finds its units and that the writer knows the next order
    /// number: on SQLite the whole write then goes to the database in one hand-off.
    FirstTry,
    /// Asking first (after a guess failed): overdue holds are swept for a line short of units,
    /// and a line that still cannot be served says so.
    Careful,
}

/// Places a hold for every allocation of every line, all in one go; a POS sale sells them
/// at once.
#[allow(clippy::too_many_arguments)]
async fn reserve(
    tx: &mut WriteTx,
    principal: &Principal,
    order: OrderId,
    cart: &ShoppingCart,
    allocations: &[Vec<(LocationId, u32)>],
    carry_out: bool,
    attempt: Attempt,
    now: Timestamp,
) -> Result<Vec<Vec<Allocation>>, ApiError> {
    let owner = |i: usize| ReservedFor::OrderLine {
        id: order.to_string(),
        line: i as u32,
    };
    let per_line = holds_for(
        principal,
        cart,
        allocations,
        owner,
        Some(MAX_TTL_SECONDS),
        now,
    )?;
    let out = per_line
        .iter()
        .map(|held| held.iter().map(Allocation::of).collect())
        .collect();
    let holds: Vec<Reservation> = per_line.into_iter().flatten().collect();
    match attempt {
        Attempt::FirstTry => tx.place_reservations_at_first_try(&holds).await?,
        Attempt::Careful => tx.place_reservations(&holds).await?,
    }
    if carry_out {
        for r in holds {
            let sold = r
                .commit(Commitment::PosSale, now)
                .map_err(|_| ApiError::Conflict("the hold ended"))?;
            tx.advance_reservation(&sold).await?;
        }
    }
    Ok(out)
}

/// A hold for every source of every line of `cart`, per line, owned by `owner(line)`; not
/// placed yet. Checkout's holds and a cart's short holds are made alike.
pub(crate) fn holds_for(
    principal: &Principal,
    cart: &ShoppingCart,
    allocations: &[Vec<(LocationId, u32)>],
    owner: impl Fn(usize) -> ReservedFor,
    ttl_seconds: Option<u32>,
    now: Timestamp,
) -> Result<Vec<Vec<Reservation>>, ApiError> {
    let mut out = Vec::with_capacity(allocations.len());
    for (i, (line, sources)) in cart.lines.iter().zip(allocations).enumerate() {
        let sku = Sku::parse(&line.sku)
            .map_err(|_| ApiError::field(format!("lines[{i}].sku"), "invalid", "bad SKU"))?;
        let mut held = Vec::with_capacity(sources.len());
        for (location, quantity) in sources {
            let draft = ReservationDraft {
                sku: sku.clone(),
                location_id: *location,
                quantity: i64::from(*quantity),
                reserved_for: owner(i),
                ttl_seconds,
            };
            held.push(draft.into_reservation(
                principal.tenant,
                ReservationId::new(),
                Some(cart.channel),
                now,
            )?);
        }
        out.push(held);
    }
    Ok(out)
}

fn pickup_code(f: &Fulfilment) -> Option<String> {
    matches!(
        f,
        Fulfilment::StorePickup { .. } | Fulfilment::PickupPoint { .. }
    )
    .then(|| format!("{:06}", rand::random_range(0..1_000_000u32)))
}

/// Who acted, as recorded in an order's history.
pub(crate) fn actor(principal: &Principal) -> String {
    match principal.role.store() {
        Some(store) => format!("{}@{store}", principal.role.name()),
        None => principal.role.name().to_owned(),
    }
}

/// Records an order event and, for a known customer, a timeline entry.
pub(crate) async fn record_order(
    tx: &mut WriteTx,
    order: &Order,
    kind: &str,
    timeline: Option<InteractionKind>,
    extra: serde_json::Value,
) -> Result<(), ApiError> {
    let lines: Vec<_> = order
        .lines
        .iter()
        .map(|l| json!({"sku": l.sku, "quantity": l.quantity, "cancelled": l.cancelled, "returned": l.returned}))
        .collect();
    let data = json!({"order_id": order.id, "number": order.number, "customer_id": order.customer_id,
        "status": order.status, "channel": order.channel, "store": order.store,
        "total": order.quote.total, "currency": order.currency, "method": order.delivery.method,
        "sources": order.source_locations(), "lines": lines, "detail": extra});
    tx.record(&DomainEvent::new(
        order.tenant_id,
        kind,
        order.id,
        order.updated_at,
        data,
    ))
    .await?;
    if let (Some(customer), Some(kind)) = (order.customer_id, timeline) {
        let entry = TimelineEntry {
            id: TimelineEntryId::new(),
            customer_id: Some(customer),
            device_id: None,
            kind,
            channel: order.channel,
            location_id: order.delivery.location_id.or(order.store),
            occurred_at: order.updated_at,
            data: json!({"order_id": order.id, "number": order.number, "status": order.status}),
        };
        tx.insert_timeline(order.tenant_id, &entry).await?;
    }
    Ok(())
}

/// Everything checkout writes, in the caller's transaction. It reads nothing through the
/// pool: on SQLite a pool read inside a write waits on connections other writers hold.
#[allow(clippy::too_many_arguments)]
async fn place(
    tx: &mut WriteTx,
    state: &AppState,
    principal: &Principal,
    req: &CheckoutRequest,
    priced_cart: &ShoppingCart,
    (d, number): (Decision, OrderNumberAsked),
    authorization: Option<String>,
    attempt: Attempt,
) -> Result<(Order, Option<String>), ApiError> {
    let now = state.clock.now();
    let id = OrderId::new();
    let carry_out = matches!(req.fulfilment, Fulfilment::CarryOut);
    // The cart as priced is closed first, on condition that it is still that version: no
    // re-read, and a cart changed meanwhile fails the checkout (checked with the next
    // statement, in the same transaction).
    let mut cart = priced_cart.clone();
    let holds = std::mem::take(&mut cart.holds);
    cart.check_out(id, now)
        .map_err(|_| ApiError::Conflict("the cart is closed"))?;
    tx.close_cart(&cart, priced_cart.version).await?;
    free_holds(
        tx,
        cart.tenant_id,
        holds.iter().map(|h| h.reservation_id).collect(),
        now,
    )
    .await?;
    let held = reserve(
        tx,
        principal,
        id,
        &cart,
        &d.allocations,
        carry_out,
        attempt,
        now,
    )
    .await?;
    let number = tx.order_number(number).await?;
    tx.commit_sale(
        principal.tenant,
        &id.to_string(),
        cart.customer_id,
        &d.quote,
        &d.program,
        Redemption::Strict,
        now,
    )
    .await?;
    let captured = if carry_out { d.quote.to_pay } else { 0 };
    let mut order = Order {
        id,
        tenant_id: principal.tenant,
        number,
        customer_id: cart.customer_id,
        channel: cart.channel,
        store: principal.role.store(),
        cart_id: Some(cart.id),
        status: OrderStatus::Placed,
        currency: d.quote.currency,
        lines: Order::lines_from(&d.quote, held),
        delivery: d.delivery,
        payment: PaymentRecord {
            provider: match req.payment {
                PaymentMethod::Card { .. } => state.payments.name().to_owned(),
                ref other => other.as_str().to_owned(),
            },
            authorization,
            amount: d.quote.to_pay,
            captured,
            refunded: 0,
            released: 0,
        },
        quote: d.quote,
        pickup_code_hash: None,
        pickup_attempts: 0,
        history: Vec::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let by = actor(principal);
    let steps: &[OrderAction] = if carry_out {
        &[
            OrderAction::Allocate,
            OrderAction::StartPicking,
            OrderAction::Pack,
            OrderAction::MarkReady,
            OrderAction::PickUp,
            OrderAction::Complete,
        ]
    } else {
        &[OrderAction::Allocate]
    };
    for step in steps {
        order.apply(*step, &by, now).map_err(ApiError::internal)?;
    }
    let code = pickup_code(&req.fulfilment);
    if let Some(c) = &code {
        order.set_pickup_code(c);
    }
    record_cart(tx, &cart, "cart.checked_out").await?;
    tx.insert_order(&order).await?;
    record_order(
        tx,
        &order,
        "order.placed",
        Some(InteractionKind::OrderPlaced),
        json!({}),
    )
    .await?;
    Ok((order, code))
}

/// What the write section of a checkout answers: the new order's response and the amount
/// to capture, or the response of the first request with the same key.
pub(crate) enum Written {
    Placed(Response, i64),
    Replayed(Response),
}

/// A checkout's write, begun (its order number asked for), or the first response for its key.
enum Opened {
    Fresh(Box<Write>, OrderNumberAsked),
    Replayed(Response),
}

const CHECKOUTS: &str = "/v1/checkouts";

/// Begins a checkout's write and asks for its order number. The key's claim, the number and
/// the stock updates go to the writer together; a key used before sends the checkout down
/// the usual claim ([`replay`]).
async fn open_order(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    raw: &[u8],
) -> Result<Opened, ApiError> {
    match Write::begin_new(state, principal, headers, "POST", CHECKOUTS, raw).await? {
        Some(mut write) => {
            let number = write.tx.ask_order_number(principal.tenant).await?;
            Ok(Opened::Fresh(Box::new(write), number))
        }
        None => replay(state, principal, headers, raw)
            .await
            .map(Opened::Replayed),
    }
}

/// The answer to a checkout whose key was used before: the first response, or 422 for
/// another body. A key whose first use was rolled back meanwhile asks for a retry.
async fn replay(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    raw: &[u8],
) -> Result<Response, ApiError> {
    match Write::begin(state, principal, headers, "POST", CHECKOUTS, raw).await? {
        Begun::Replayed(r) => Ok(r),
        Begun::Fresh(_) => Err(ApiError::Conflict(
            "an earlier checkout with this key was rolled back meanwhile; send it again",
        )),
    }
}

/// The write of a checkout: claims the idempotency key, places the order and remembers the
/// response, in one transaction. It is taken at the first try where it is called: on SQLite
/// everything is built before the writer's turn, which is then one hand-off at the commit.
/// If a guess of the first try did not hold (it then left nothing behind), it is taken
/// again carefully as a write section (see `Store::write_section`), whose several hand-offs
/// are waited for on the writer thread.
pub(crate) async fn write_order(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<CheckoutRequest>,
    cart: ShoppingCart,
    decision: Decision,
    authorization: Option<String>,
) -> Result<Written, ApiError> {
    let checkout = Checkout {
        state,
        principal,
        headers,
        body,
        cart,
        authorization,
    };
    let first = checkout
        .placing()
        .write(decision.clone(), Attempt::FirstTry)
        .await;
    match first {
        Err(ApiError::Conflict(what)) if what == TRY_CAREFULLY => {
            let store = checkout.state.store.clone();
            let careful = async move { checkout.placing().write(decision, Attempt::Careful).await };
            store.write_section(careful).await?
        }
        written => written,
    }
}

/// What a checkout's write works from, owned: the careful attempt runs on the writer thread.
struct Checkout {
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<CheckoutRequest>,
    cart: ShoppingCart,
    authorization: Option<String>,
}

impl Checkout {
    fn placing(&self) -> Placing<'_> {
        Placing {
            state: &self.state,
            principal: &self.principal,
            headers: &self.headers,
            body: &self.body,
            cart: &self.cart,
            authorization: &self.authorization,
        }
    }
}

/// What one attempt at a checkout's write works from.
struct Placing<'a> {
    state: &'a AppState,
    principal: &'a Principal,
    headers: &'a HeaderMap,
    body: &'a JsonBody<CheckoutRequest>,
    cart: &'a ShoppingCart,
    authorization: &'a Option<String>,
}

impl Placing<'_> {
    /// One attempt: the whole write in one transaction, or the first response for its key —
    /// found when the key's claim fails, which may be only at the commit (on SQLite the claim
    /// is written with the response, and every statement of a first try goes with the
    /// commit).
    async fn write(&self, decision: Decision, attempt: Attempt) -> Result<Written, ApiError> {
        let (state, principal, headers) = (self.state, self.principal, self.headers);
        let raw = &self.body.raw;
        let (write, number) = match open_order(state, principal, headers, raw).await? {
            Opened::Fresh(write, number) => (*write, number),
            Opened::Replayed(r) => return Ok(Written::Replayed(r)),
        };
        match self
            .place_and_finish(write, decision, number, attempt)
            .await
        {
            Err(e) if Write::seen_before(&e) => {
                let r = replay(state, principal, headers, raw).await?;
                Ok(Written::Replayed(r))
            }
            written => written,
        }
    }

    /// Places the order and commits it with its response remembered for the key.
    async fn place_and_finish(
        &self,
        mut write: Write,
        decision: Decision,
        number: OrderNumberAsked,
        attempt: Attempt,
    ) -> Result<Written, ApiError> {
        let (order, code) = place(
            &mut write.tx,
            self.state,
            self.principal,
            &self.body.value,
            self.cart,
            (decision, number),
            self.authorization.clone(),
            attempt,
        )
        .await?;
        let location = [(header::LOCATION, format!("/v1/orders/{}", order.id))];
        let amount = order.payment.amount;
        // Serialised once when there is no pickup code to keep out of the stored response:
        // this runs in the single writer's turn, where every other writer waits.
        let response = match code {
            None => {
                let result = CheckoutResult {
                    order,
                    pickup_code: None,
                };
                write
                    .finish(StatusCode::CREATED, &result, &location)
                    .await?
            }
            Some(code) => {
                let remembered = CheckoutResult {
                    order: order.clone(),
                    pickup_code: None,
                };
                let result = CheckoutResult {
                    order,
                    pickup_code: Some(code),
                };
                write
                    .finish_redacted(StatusCode::CREATED, &result, &remembered, &location)
                    .await?
            }
        };
        Ok(Written::Placed(response, amount))
    }
}
