//! Checkout. One atomic step behind an `Idempotency-Key`: price the cart, source it and
//! authorise the payment here, outside the writer; then, in one transaction
//! (`orders_placing`), reserve the stock at each source, redeem the offers and points, take
//! an order number and close the cart. Anything failing rolls the transaction back and voids
//! the authorisation, so a failed checkout leaves no reservation, no points spent, no coupon
//! used and no order behind.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use omni_domain::access::{Action, Role};
use omni_domain::idempotency::fingerprint;
use omni_domain::offers::{LoyaltyProgram, Quote};
use omni_domain::orders::{CartId, Delivery, Order, PaymentMethod, ShoppingCart};
use omni_kernel::LocationId;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::JsonBody;
use crate::offers_books::OfferBooks;
use crate::orders_carts::acting_channel;
use crate::orders_delivery::{Fulfilment, Wanted, decide_delivery, demand_of};
use crate::orders_network::Networks;
use crate::orders_placing::{Written, write_order};
use crate::payments::Authorize;
use crate::pricing_facts::{CartFacts, bind_cart};
use crate::write::{Begun, IDEMPOTENCY_KEY, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/checkouts", post(checkout))
}

/// A checkout.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    #[schema(value_type = String)]
    pub cart_id: CartId,
    pub fulfilment: Fulfilment,
    pub payment: PaymentMethod,
    /// Points the customer pays with.
    #[serde(default)]
    pub burn_points: i64,
    /// What the shopper was shown to pay (`to_pay`); 409 if the price moved since.
    #[serde(default)]
    pub expected_total: Option<i64>,
}

/// The placed order; `pickup_code` is shown to the customer once (only its hash is kept).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckoutResult {
    pub order: Order,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_code: Option<String>,
}

/// What checkout decided before writing: sources, delivery promise and price.
#[derive(Clone)]
pub(crate) struct Decision {
    pub(crate) allocations: Vec<Vec<(LocationId, u32)>>,
    pub(crate) delivery: Delivery,
    pub(crate) quote: Quote,
    pub(crate) program: LoyaltyProgram,
}

/// Prices, sources and dates the checkout without writing anything.
async fn decide(
    state: &AppState,
    books: &OfferBooks,
    networks: &Networks,
    principal: &Principal,
    req: &CheckoutRequest,
    cart: &ShoppingCart,
) -> Result<Decision, ApiError> {
    let lines = demand_of(cart);
    let mut pricing = cart.pricing_cart(acting_channel(principal), req.burn_points);
    bind_cart(state, principal, &mut pricing).await?;
    let priced = books.get(state, principal.tenant, pricing.currency).await?;
    let facts = CartFacts::read(state, principal.tenant, &priced, &pricing).await?;
    let goods = facts.quote(&priced.book, &pricing)?.total;
    let network = networks.get(state, principal.tenant).await?;
    let now = state.clock.now();
    let (allocations, delivery) = decide_delivery(
        state,
        &network,
        principal,
        &req.fulfilment,
        Wanted {
            lines: &lines,
            goods,
            own: &cart.holds,
        },
        now,
    )
    .await?;
    pricing.delivery_fee = (delivery.fee > 0).then_some(delivery.fee);
    let quote = facts.quote(&priced.book, &pricing)?;
    Ok(Decision {
        allocations,
        delivery: Delivery {
            fee: quote.delivery_fee.unwrap_or(0),
            ..delivery
        },
        quote,
        program: priced.rules.program.clone(),
    })
}

fn check_payment(req: &CheckoutRequest) -> Result<(), ApiError> {
    let mut v = omni_domain::Violations::new();
    req.payment.validate("payment", &mut v);
    let fits = match (&req.payment, &req.fulfilment) {
        (PaymentMethod::Cash, f) => matches!(f, Fulfilment::CarryOut),
        (PaymentMethod::OnDelivery, f) => !matches!(f, Fulfilment::CarryOut),
        (PaymentMethod::Card { .. }, _) => true,
    };
    if !fits {
        v.push(
            "payment.method",
            "invalid",
            "cash is taken at the till; on_delivery needs a delivery or pickup",
        );
    }
    Ok(v.finish(())?)
}

/// The provider's de-duplication reference: the same key and body always give the same one.
fn payment_reference(principal: &Principal, key: &str, raw: &[u8]) -> String {
    let fp = fingerprint("POST", "/v1/checkouts", raw);
    let hex: String = fp[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}:{}:{key}:{hex}", principal.tenant, principal.key_id)
}

async fn authorize(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    req: &CheckoutRequest,
    raw: &[u8],
    quote: &Quote,
) -> Result<Option<String>, ApiError> {
    let PaymentMethod::Card { token } = &req.payment else {
        return Ok(None);
    };
    if quote.to_pay <= 0 {
        return Ok(None);
    }
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|k| k.to_str().ok())
        .unwrap_or_default();
    let request = Authorize {
        reference: payment_reference(principal, key, raw),
        amount: quote.to_pay,
        currency: quote.currency,
        token: token.clone(),
    };
    Ok(Some(state.payments.authorize(&request).await?))
}

/// Places an order from a cart in any channel (web, app, call center, endless aisle, till).
/// Requires `Idempotency-Key`: a retry returns the same order and never charges twice.
#[utoipa::path(post, path = "/v1/checkouts", tag = "orders", security(("api_key" = [])),
    request_body = CheckoutRequest,
    responses((status = 201, body = CheckoutResult), (status = 402, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn checkout(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    Extension(networks): Extension<Arc<Networks>>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<CheckoutRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::Shop)?;
    if !headers.contains_key(IDEMPOTENCY_KEY) {
        return Err(ApiError::BadRequest {
            code: "idempotency_key_required",
            detail: "a checkout needs an Idempotency-Key header so a retry cannot order twice"
                .into(),
        });
    }
    let req = &body.value;
    check_payment(req)?;
    if matches!(req.fulfilment, Fulfilment::CarryOut)
        && !matches!(principal.role, Role::Associate { .. })
    {
        return Err(ApiError::Forbidden);
    }
    let cart = state.store.cart(principal.tenant, req.cart_id).await?;
    if cart.status != omni_domain::orders::CartStatus::Open {
        if let Begun::Replayed(r) = Write::begin(
            &state,
            &principal,
            &headers,
            "POST",
            "/v1/checkouts",
            &body.raw,
        )
        .await?
        {
            return Ok(r);
        }
        return Err(ApiError::Conflict(
            "the cart is closed (merged or checked out)",
        ));
    }
    if cart.lines.is_empty() {
        return Err(ApiError::field("cart_id", "invalid", "the cart is empty"));
    }
    let decision = decide(&state, &books, &networks, &principal, req, &cart).await?;
    if req
        .expected_total
        .is_some_and(|t| t != decision.quote.to_pay)
    {
        return Err(ApiError::Conflict(
            "the price changed since it was shown; price the cart again",
        ));
    }
    let authorization = authorize(
        &state,
        &principal,
        &headers,
        req,
        &body.raw,
        &decision.quote,
    )
    .await?;
    let void = || async {
        if let Some(a) = &authorization
            && let Err(e) = state.payments.void(a).await
        {
            tracing::error!(error = %e, authorization = %a, "could not void a failed checkout's payment");
        }
    };
    let carry_out = matches!(req.fulfilment, Fulfilment::CarryOut);
    let section = write_order(
        state.clone(),
        principal,
        headers,
        body,
        cart,
        decision,
        authorization.clone(),
    );
    // Spawned: the write runs to its end even if the client goes away meanwhile.
    let (response, amount) = match tokio::spawn(section).await {
        Ok(Ok(Written::Placed(response, amount))) => (response, amount),
        Ok(Ok(Written::Replayed(response))) => return Ok(response),
        Ok(Err(e)) => {
            void().await;
            return Err(e);
        }
        Err(e) => {
            void().await;
            return Err(ApiError::internal(e));
        }
    };
    if let (true, Some(a)) = (carry_out, &authorization) {
        state.payments.capture(a, amount).await?;
    }
    Ok(response)
}
