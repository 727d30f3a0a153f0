//! Carts over HTTP: one cart per customer that every channel reads and edits, anonymous
//! device carts that merge into it when the device identifies, live prices from the offer
//! engine, and the delivery options a cart can have at an address.

use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use omni_domain::access::{Action, Role};
use omni_domain::customers::{InteractionKind, TimelineEntry, TimelineEntryId};
use omni_domain::events::DomainEvent;
use omni_domain::offers::Quote;
use omni_domain::orders::{CartDraft, CartError, CartId, CartStatus, ShoppingCart};
use omni_kernel::{Channel, CustomerId, TenantId, Timestamp};
use omni_store::WriteTx;
use omni_store::orders::CartOwner;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId, etag};
use crate::offers_books::OfferBooks;
use crate::pricing_facts::{bind_cart, price_with};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/carts", post(open_cart).get(find_cart))
        .route("/carts/{id}", get(show_cart))
        .route("/carts/{id}/lines/{sku}", put(set_line).delete(remove_line))
        .route("/carts/{id}/coupons", put(set_coupons))
        .route("/carts/{id}/owner", post(identify_cart))
}

/// A cart with its live price.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartView {
    #[serde(flatten)]
    pub cart: ShoppingCart,
    /// The price now (absent for an empty cart, or with `price_problem` when a line cannot be priced).
    pub quote: Option<Quote>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_problem: Option<String>,
}

/// The channel a change comes from: the app's own, the till's, else the web.
pub(crate) fn acting_channel(principal: &Principal) -> Channel {
    match (principal.channel, &principal.role) {
        (Some(c), _) => c,
        (None, Role::Associate { .. }) => Channel::AssociateApp,
        (None, Role::Agent) => Channel::CallCenter,
        _ => Channel::Web,
    }
}

fn cart_error(e: CartError) -> ApiError {
    match e {
        CartError::NotOpen(_) => ApiError::Conflict("the cart is closed (merged or checked out)"),
        CartError::Invalid(v) => v.into(),
    }
}

/// Prices the cart for the caller's channel; a line that cannot be priced is reported, not fatal.
pub(crate) async fn view(
    state: &AppState,
    books: &OfferBooks,
    principal: &Principal,
    cart: ShoppingCart,
) -> Result<CartView, ApiError> {
    if cart.lines.is_empty() {
        return Ok(CartView {
            cart,
            quote: None,
            price_problem: None,
        });
    }
    let mut pricing = cart.pricing_cart(acting_channel(principal), 0);
    bind_cart(state, principal, &mut pricing).await?;
    let priced = books.get(state, principal.tenant, pricing.currency).await?;
    let (quote, price_problem) =
        match price_with(state, principal.tenant, &priced, &priced.book, &pricing).await {
            Ok(q) => (Some(q), None),
            Err(ApiError::Validation(v)) => (None, v.first().map(|f| f.message.clone())),
            Err(e) => return Err(e),
        };
    Ok(CartView {
        cart,
        quote,
        price_problem,
    })
}

fn respond(status: StatusCode, v: CartView) -> Response {
    let tag = etag(v.cart.version);
    (status, [(header::ETAG, tag)], Json(v)).into_response()
}

/// Records the change as an event (abandoned-cart triggers listen) and on the owner's timeline.
pub(crate) async fn record_cart(
    tx: &mut WriteTx,
    cart: &ShoppingCart,
    kind: &str,
) -> Result<(), ApiError> {
    let lines: u32 = cart.lines.iter().map(|l| l.quantity).sum();
    let data = json!({"cart_id": cart.id, "customer_id": cart.customer_id, "device_id": cart.device_id,
        "channel": cart.channel, "status": cart.status, "units": lines, "skus": cart.lines.len(),
        "coupons": cart.coupons.len()});
    tx.record(&DomainEvent::new(
        cart.tenant_id,
        kind,
        cart.id,
        cart.updated_at,
        data.clone(),
    ))
    .await?;
    if cart.customer_id.is_some() || cart.device_id.is_some() {
        let entry = TimelineEntry {
            id: TimelineEntryId::new(),
            customer_id: cart.customer_id,
            device_id: cart
                .customer_id
                .is_none()
                .then(|| cart.device_id.clone())
                .flatten(),
            kind: InteractionKind::CartChanged,
            channel: cart.channel,
            location_id: cart.store,
            occurred_at: cart.updated_at,
            data,
        };
        tx.insert_timeline(cart.tenant_id, &entry).await?;
    }
    Ok(())
}

async fn known_customer(
    state: &AppState,
    principal: &Principal,
    id: CustomerId,
) -> Result<CustomerId, ApiError> {
    match state.store.surviving_customer(principal.tenant, id).await? {
        Some((survivor, status)) if status != "erased" => Ok(survivor),
        _ => Err(ApiError::field(
            "customer_id",
            "not_found",
            "no such customer",
        )),
    }
}

/// Refuses a line whose SKU the chain's catalog does not have (read before the write), with
/// the field that names it: a typo must not sit in a cart until checkout fails on it.
async fn in_catalog<'s>(
    state: &AppState,
    principal: &Principal,
    named: impl IntoIterator<Item = (String, &'s String)>,
) -> Result<(), ApiError> {
    let named: Vec<(String, &String)> = named.into_iter().collect();
    if named.is_empty() {
        return Ok(());
    }
    let skus: Vec<String> = named.iter().map(|(_, s)| (*s).clone()).collect();
    let known = state.store.sku_owners(principal.tenant, &skus).await?;
    let mut v = omni_domain::Violations::new();
    for (field, sku) in &named {
        if !known.contains_key(*sku) {
            v.push(
                field.clone(),
                "unknown",
                format!("no SKU `{sku}` in the catalog"),
            );
        }
    }
    Ok(v.finish(())?)
}

/// Opens the owner's cart, or returns the one already open (200): a customer has one cart
/// whichever channel asks. Lines sent with the request are added to it.
#[utoipa::path(post, path = "/v1/carts", tag = "orders", security(("api_key" = [])),
    request_body = CartDraft,
    responses((status = 201, body = CartView), (status = 200, body = CartView), (status = 422, body = Problem)))]
pub async fn open_cart(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    body: JsonBody<CartDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    let mut draft = body.value;
    if let Some(c) = draft.customer_id {
        draft.customer_id = Some(known_customer(&state, &principal, c).await?);
    }
    let named = draft.lines.iter().enumerate();
    in_catalog(
        &state,
        &principal,
        named.map(|(i, l)| (format!("lines[{i}].sku"), &l.sku)),
    )
    .await?;
    let currency = match draft.currency {
        Some(c) => c,
        None => books
            .get(&state, principal.tenant, None)
            .await?
            .book
            .currency(),
    };
    let now = state.clock.now();
    let channel = acting_channel(&principal);
    let lines = draft.lines.clone();
    let mut cart = draft.into_cart(principal.tenant, CartId::new(), currency, channel, now)?;
    cart.store = principal.role.store();
    let owner = match (cart.customer_id, cart.device_id.as_deref()) {
        (Some(c), _) => CartOwner::Customer(c),
        (None, Some(d)) => CartOwner::Device(d),
        (None, None) => return Err(ApiError::field("customer_id", "required", "no owner")),
    };
    let mut tx = state.store.write().await?;
    let (cart, status) = match tx.open_cart(principal.tenant, owner).await? {
        Some(mut existing) => {
            let version = existing.version;
            for l in &lines {
                let qty = existing
                    .lines
                    .iter()
                    .find(|x| x.sku == l.sku)
                    .map_or(0, |x| x.quantity);
                existing
                    .set_quantity(&l.sku, qty + l.quantity, channel, now)
                    .map_err(cart_error)?;
            }
            if existing.version != version {
                tx.update_cart(&existing, version).await?;
                record_cart(&mut tx, &existing, "cart.updated").await?;
            }
            (existing, StatusCode::OK)
        }
        None => {
            tx.insert_cart(&cart).await?;
            record_cart(&mut tx, &cart, "cart.opened").await?;
            (cart, StatusCode::CREATED)
        }
    };
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(respond(
        status,
        view(&state, &books, &principal, cart).await?,
    ))
}

/// Whose open cart to find.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CartQuery {
    pub customer_id: Option<String>,
    pub device_id: Option<String>,
}

/// The customer's (or device's) open cart — the same one from every device and channel.
#[utoipa::path(get, path = "/v1/carts", tag = "orders", security(("api_key" = [])),
    params(CartQuery),
    responses((status = 200, body = CartView), (status = 404, body = Problem)))]
pub async fn find_cart(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    Query(q): Query<CartQuery>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    let customer;
    let owner = match (&q.customer_id, &q.device_id) {
        (Some(c), None) => {
            let id = c.parse().map_err(|_| ApiError::NotFound)?;
            customer = known_customer(&state, &principal, id)
                .await
                .map_err(|_| ApiError::NotFound)?;
            CartOwner::Customer(customer)
        }
        (None, Some(d)) => CartOwner::Device(d),
        _ => {
            return Err(ApiError::field(
                "customer_id",
                "required",
                "give customer_id or device_id",
            ));
        }
    };
    let cart = state
        .store
        .open_cart(principal.tenant, owner)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(respond(
        StatusCode::OK,
        view(&state, &books, &principal, cart).await?,
    ))
}

/// A cart with its live price.
#[utoipa::path(get, path = "/v1/carts/{id}", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CartView), (status = 404, body = Problem)))]
pub async fn show_cart(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    PathId(id): PathId<CartId>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    let cart = state.store.cart(principal.tenant, id).await?;
    Ok(respond(
        StatusCode::OK,
        view(&state, &books, &principal, cart).await?,
    ))
}

/// Changes an open cart in one transaction, conditional on the version read there.
async fn change(
    state: &AppState,
    principal: &Principal,
    id: CartId,
    apply: impl FnOnce(&mut ShoppingCart, Channel) -> Result<(), CartError>,
) -> Result<ShoppingCart, ApiError> {
    let now = state.clock.now();
    let mut tx = state.store.write().await?;
    let mut cart = tx.cart(principal.tenant, id).await?;
    let version = cart.version;
    apply(&mut cart, acting_channel(principal)).map_err(cart_error)?;
    cart.updated_at = now;
    if let Some(store) = principal.role.store() {
        cart.store = Some(store);
    }
    tx.update_cart(&cart, version).await?;
    record_cart(&mut tx, &cart, "cart.updated").await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(cart)
}

/// A line's new quantity.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineQuantity {
    pub quantity: u32,
}

/// Sets a line's quantity (0 removes it) from any channel.
#[utoipa::path(put, path = "/v1/carts/{id}/lines/{sku}", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path), ("sku" = String, Path)), request_body = LineQuantity,
    responses((status = 200, body = CartView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_line(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    Path((id, sku)): Path<(String, String)>,
    body: JsonBody<LineQuantity>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    let id: CartId = id.parse().map_err(|_| ApiError::NotFound)?;
    let now = state.clock.now();
    let qty = body.value.quantity;
    if qty > 0 {
        in_catalog(&state, &principal, [("sku".to_owned(), &sku)]).await?;
    }
    let cart = change(&state, &principal, id, |c, ch| {
        c.set_quantity(&sku, qty, ch, now)
    })
    .await?;
    Ok(respond(
        StatusCode::OK,
        view(&state, &books, &principal, cart).await?,
    ))
}

/// Removes a line.
#[utoipa::path(delete, path = "/v1/carts/{id}/lines/{sku}", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path), ("sku" = String, Path)),
    responses((status = 200, body = CartView), (status = 409, body = Problem)))]
pub async fn remove_line(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    Path((id, sku)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    let id: CartId = id.parse().map_err(|_| ApiError::NotFound)?;
    let now = state.clock.now();
    let cart = change(&state, &principal, id, |c, ch| {
        c.set_quantity(&sku, 0, ch, now)
    })
    .await?;
    Ok(respond(
        StatusCode::OK,
        view(&state, &books, &principal, cart).await?,
    ))
}

/// The coupon codes entered.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Coupons {
    pub coupons: Vec<String>,
}

/// Replaces the cart's coupon codes; the live price shows which applied.
#[utoipa::path(put, path = "/v1/carts/{id}/coupons", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = Coupons,
    responses((status = 200, body = CartView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_coupons(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    PathId(id): PathId<CartId>,
    body: JsonBody<Coupons>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    let now = state.clock.now();
    let coupons = body.value.coupons;
    let cart = change(&state, &principal, id, |c, ch| {
        c.set_coupons(coupons, ch, now)
    })
    .await?;
    Ok(respond(
        StatusCode::OK,
        view(&state, &books, &principal, cart).await?,
    ))
}

/// The customer an anonymous cart's device turned out to be.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartOwnerRequest {
    #[schema(value_type = String)]
    pub customer_id: CustomerId,
}

/// The device identified (login, card scan): its anonymous cart becomes the customer's, or —
/// when the customer already has a cart from another device — merges into it (quantities add
/// up, coupons join). Returns the customer's cart. Repeating the call returns the same cart.
#[utoipa::path(post, path = "/v1/carts/{id}/owner", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = CartOwnerRequest,
    responses((status = 200, body = CartView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn identify_cart(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    PathId(id): PathId<CartId>,
    body: JsonBody<CartOwnerRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    let customer = known_customer(&state, &principal, body.value.customer_id).await?;
    let now = state.clock.now();
    let channel = acting_channel(&principal);
    let mut tx = state.store.write().await?;
    let result = give_to(&mut tx, principal.tenant, id, customer, channel, now).await?;
    tx.commit().await?;
    state.events_written.notify_one();
    // priced after the commit: pool reads inside a write would wait on the writers' connections
    Ok(respond(
        StatusCode::OK,
        view(&state, &books, &principal, result).await?,
    ))
}

/// The cart `id` given to `customer`, inside the transaction: assigned, merged into the
/// customer's open cart, or — when that already happened — the cart it became.
async fn give_to(
    tx: &mut WriteTx,
    tenant: TenantId,
    id: CartId,
    customer: CustomerId,
    channel: Channel,
    now: Timestamp,
) -> Result<ShoppingCart, ApiError> {
    let mut device = tx.cart(tenant, id).await?;
    if device.customer_id == Some(customer) {
        return Ok(device);
    }
    if let (CartStatus::Merged, Some(into)) = (device.status, device.merged_into) {
        let merged = tx.cart(tenant, into).await?;
        if merged.customer_id == Some(customer) {
            return Ok(merged);
        }
    }
    if device.customer_id.is_some() {
        return Err(ApiError::Conflict("the cart belongs to another customer"));
    }
    let device_version = device.version;
    let theirs = tx.open_cart(tenant, CartOwner::Customer(customer)).await?;
    let Some(mut mine) = theirs else {
        device.assign(customer, channel, now).map_err(cart_error)?;
        tx.update_cart(&device, device_version).await?;
        record_cart(tx, &device, "cart.identified").await?;
        return Ok(device);
    };
    let version = mine.version;
    mine.merge_from(&mut device, channel, now)
        .map_err(cart_error)?;
    tx.update_cart(&device, device_version).await?;
    tx.update_cart(&mine, version).await?;
    record_cart(tx, &device, "cart.merged").await?;
    record_cart(tx, &mine, "cart.updated").await?;
    Ok(mine)
}
