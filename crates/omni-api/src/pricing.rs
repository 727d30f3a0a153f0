//! `/v1/pricing`: the one pricing call every channel makes, the marketer's dry-run, committing
//! and cancelling a priced sale, and the signed snapshot an offline till prices with.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use omni_domain::access::{Action, Role};
use omni_domain::events::DomainEvent;
use omni_domain::offers::personal::{PersonalOffer, affinity_from};
use omni_domain::offers::{Cart, OfferBook, Promotion, PromotionDraft, PromotionId, Quote, Rules};
use omni_kernel::{Channel, CustomerId, TenantId};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::JsonBody;
use crate::offers_books::OfferBooks;
use crate::pricing_facts::{CartFacts, bind_cart, price_with};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};
use omni_store::offers::{Purchase, Redemption};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pricing/quotes", post(quote))
        .route("/pricing/dry-runs", post(dry_run))
        .route("/pricing/sales", post(commit_sale))
        .route("/pricing/sales/{reference}/cancellation", post(cancel_sale))
        .route("/customers/{id}/offers", get(customer_offers))
}

/// What the offers context adds to a customer's one-screen summary.
pub(crate) struct CustomerOffers {
    pub points_available: i64,
    pub offers: Vec<PersonalOffer>,
    pub purchases: Vec<Purchase>,
}

/// A customer's points, next best offers and latest purchases, computed now from the live
/// book and the customer's purchase history.
pub(crate) async fn customer_offers_of(
    state: &AppState,
    books: &OfferBooks,
    tenant: TenantId,
    customer: CustomerId,
    n: usize,
) -> Result<CustomerOffers, ApiError> {
    let now = state.clock.now();
    let Some(facts) = state
        .store
        .customer_offer_facts(tenant, customer, now)
        .await?
    else {
        return Err(ApiError::NotFound);
    };
    let priced = books.get(state, tenant, None).await?;
    let purchases = state.store.purchases(tenant, customer, 50).await?;
    let mut skus: Vec<String> = purchases
        .iter()
        .flat_map(|p| p.quote.lines.iter().map(|l| l.sku.clone()))
        .collect();
    skus.sort_unstable();
    skus.dedup();
    let catalog = state
        .store
        .sku_facts(tenant, &skus, priced.book.currency(), &priced.parents)
        .await?;
    let spend: Vec<_> = purchases
        .iter()
        .flat_map(|p| p.quote.lines.iter())
        .filter_map(|l| catalog.get(&l.sku).map(|f| (f.categories.clone(), l.total)))
        .collect();
    let affinity = affinity_from(&spend);
    Ok(CustomerOffers {
        points_available: facts.points_available,
        offers: priced.book.next_best_offers(&facts, &affinity, now, n),
        purchases,
    })
}

/// The customer's next best offers: promotions in force they can use, ranked by worth to
/// them (their segment, tier and the categories they buy). Every channel shows the same
/// ones and every till applies them.
#[utoipa::path(get, path = "/v1/customers/{id}/offers", tag = "offers", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<PersonalOffer>), (status = 404, body = Problem)))]
pub async fn customer_offers(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    crate::extract::PathId(id): crate::extract::PathId<CustomerId>,
) -> Result<Json<Vec<PersonalOffer>>, ApiError> {
    principal.require(Action::ReadCustomers)?;
    let c = state.store.resolve_customer(principal.tenant, id).await?;
    Ok(Json(
        customer_offers_of(&state, &books, principal.tenant, c.id, 5)
            .await?
            .offers,
    ))
}

/// Prices a cart: per-line prices, every discount with its promotion and reason, totals,
/// points to earn and points usable. Every channel calls this; the same cart, customer,
/// store and time give the same answer in each.
#[utoipa::path(post, path = "/v1/pricing/quotes", tag = "offers", security(("api_key" = [])),
    request_body = Cart,
    responses((status = 200, body = Quote), (status = 422, body = Problem)))]
pub async fn quote(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    body: JsonBody<Cart>,
) -> Result<Json<Quote>, ApiError> {
    principal.require(Action::PriceCarts)?;
    let mut cart = body.value;
    bind_cart(&state, &principal, &mut cart).await?;
    let priced = books.get(&state, principal.tenant, cart.currency).await?;
    Ok(Json(
        price_with(&state, principal.tenant, &priced, &priced.book, &cart).await?,
    ))
}

/// A cart and draft promotions to try on it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRun {
    pub cart: Cart,
    pub promotions: Vec<PromotionDraft>,
}

/// What the cart costs now and with the drafts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DryRunResult {
    pub current: Quote,
    pub with_drafts: Quote,
    /// `with_drafts.total − current.total` (negative: the drafts make it cheaper).
    pub total_change: i64,
}

/// "What would this cart cost under this draft promotion": prices the cart with the rules
/// in force and again with the drafts added, without saving anything.
#[utoipa::path(post, path = "/v1/pricing/dry-runs", tag = "offers", security(("api_key" = [])),
    request_body = DryRun,
    responses((status = 200, body = DryRunResult), (status = 422, body = Problem)))]
pub async fn dry_run(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    body: JsonBody<DryRun>,
) -> Result<Json<DryRunResult>, ApiError> {
    principal.require(Action::ManageOffers)?;
    let DryRun { cart, promotions } = body.value;
    let mut violations = omni_domain::Violations::new();
    for (i, d) in promotions.iter().enumerate() {
        if let Err(v) = d.validate() {
            for f in v.items() {
                violations.push(
                    format!("promotions[{i}].{}", f.field),
                    f.code,
                    f.message.clone(),
                );
            }
        }
    }
    violations.finish(())?;
    let priced = books.get(&state, principal.tenant, cart.currency).await?;
    let facts = CartFacts::read(&state, principal.tenant, &priced, &cart).await?;
    let current = facts.quote(&priced.book, &cart)?;
    let mut rules: Rules = priced.rules.clone();
    rules
        .promotions
        .extend(promotions.into_iter().map(|rule| Promotion {
            id: PromotionId::new(),
            rule,
        }));
    let book = OfferBook::new(rules);
    let with_drafts = facts.quote(&book, &cart)?;
    let total_change = with_drafts.total - current.total;
    Ok(Json(DryRunResult {
        current,
        with_drafts,
        total_change,
    }))
}

/// A sale to commit: the order or receipt reference and the cart as priced.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// The order number or receipt id; one sale per reference.
    pub reference: String,
    pub cart: Cart,
    /// The quote total the client showed the customer; 409 if prices moved since.
    #[serde(default)]
    pub expected_total: Option<i64>,
    /// A sale a till priced offline from a snapshot, synced now: send the till's quote; the
    /// sale stands as charged and what can no longer be redeemed is reported in `conflicts`.
    #[serde(default)]
    pub offline_quote: Option<Quote>,
}

/// A committed sale.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Sale {
    pub reference: String,
    #[schema(value_type = Option<String>)]
    pub customer_id: Option<CustomerId>,
    pub status: &'static str,
    pub quote: Quote,
    /// Offline sync only: what could not be redeemed (the sale stands as the till charged it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<&'static str>,
    /// Offline sync only: the server's price for the same cart and instant minus the till's
    /// (non-zero when the till's snapshot was stale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_difference: Option<i64>,
}

/// Online sales are redeemed strictly; syncing an offline till sale needs a till's key
/// (associate, POS app or admin) and the instant the sale was made.
fn redemption(principal: &Principal, cart: &Cart, offline: bool) -> Result<Redemption, ApiError> {
    if !offline {
        return Ok(Redemption::Strict);
    }
    let till = matches!(
        principal.role,
        Role::Admin
            | Role::Associate { .. }
            | Role::App {
                channel: Channel::Pos
            }
    );
    if !till {
        return Err(ApiError::Forbidden);
    }
    if cart.at.is_none() {
        return Err(ApiError::field(
            "cart.at",
            "required",
            "an offline sale says when it was made",
        ));
    }
    Ok(Redemption::Offline)
}

fn valid_reference(reference: &str) -> Result<(), ApiError> {
    let ok = !reference.is_empty()
        && reference.len() <= 100
        && reference.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "reference",
            "invalid",
            "1–100 visible ASCII characters",
        ))
    }
}

/// Commits a priced sale: re-prices the cart, then redeems coupons (exactly once), promotion
/// uses and budgets, burns the points paid with and books the points earned (pending until
/// the return window closes) — all or nothing. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/pricing/sales", tag = "offers", security(("api_key" = [])),
    request_body = SaleRequest,
    responses((status = 201, body = Sale), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn commit_sale(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<SaleRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::RedeemOffers)?;
    let SaleRequest {
        reference,
        mut cart,
        expected_total,
        offline_quote,
    } = body.value;
    valid_reference(&reference)?;
    bind_cart(&state, &principal, &mut cart).await?;
    let mode = redemption(&principal, &cart, offline_quote.is_some())?;
    let priced = books.get(&state, principal.tenant, cart.currency).await?;
    let (quote, price_difference) = match offline_quote {
        None => (
            price_with(&state, principal.tenant, &priced, &priced.book, &cart).await?,
            None,
        ),
        Some(till) => {
            // the till's price stands; the server's is only compared (points are what the
            // till burnt, so they do not enter the comparison)
            let goods = Cart {
                burn_points: 0,
                ..cart.clone()
            };
            let server = price_with(&state, principal.tenant, &priced, &priced.book, &goods).await;
            let difference = server.ok().map(|s| s.total - till.total);
            (till, difference)
        }
    };
    if expected_total.is_some_and(|t| t != quote.total) {
        return Err(ApiError::Conflict(
            "the cart's price changed since it was shown; price it again",
        ));
    }
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/pricing/sales",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(r) => return Ok(r),
    };
    let now = state.clock.now();
    let conflicts = write
        .tx
        .commit_sale(
            principal.tenant,
            &reference,
            cart.customer_id,
            &quote,
            &priced.rules.program,
            mode,
            now,
        )
        .await?;
    let sale = Sale {
        reference,
        customer_id: cart.customer_id,
        status: "committed",
        quote,
        conflicts,
        price_difference,
    };
    let data = serde_json::to_value(&sale).map_err(ApiError::internal)?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "offers.sale.committed",
            &sale.reference,
            now,
            data,
        ))
        .await?;
    let location = [(
        header::LOCATION,
        format!("/v1/pricing/sales/{}", sale.reference),
    )];
    write.finish(StatusCode::CREATED, &sale, &location).await
}

/// Cancels a committed sale (order cancelled or fully refunded): coupons, promotion uses
/// and budgets and burnt points come back; earned points are clawed back.
#[utoipa::path(post, path = "/v1/pricing/sales/{reference}/cancellation", tag = "offers", security(("api_key" = [])),
    params(("reference" = String, Path)),
    responses((status = 200, body = Sale), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel_sale(
    State(state): State<AppState>,
    Extension(books): Extension<Arc<OfferBooks>>,
    principal: Principal,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    principal.require(Action::RedeemOffers)?;
    valid_reference(&reference).map_err(|_| ApiError::NotFound)?;
    let path = format!("/v1/pricing/sales/{reference}/cancellation");
    let mut write = match Write::begin(&state, &principal, &headers, "POST", &path, b"").await? {
        Begun::Fresh(w) => w,
        Begun::Replayed(r) => return Ok(r),
    };
    let now = state.clock.now();
    // the programme of the sale's currency decides the refunded points' expiry
    let priced = books.get(&state, principal.tenant, None).await?;
    let quote = write
        .tx
        .cancel_sale(principal.tenant, &reference, &priced.rules.program, now)
        .await?;
    let sale = Sale {
        reference,
        customer_id: None,
        status: "cancelled",
        quote,
        conflicts: Vec::new(),
        price_difference: None,
    };
    let data = serde_json::to_value(&sale).map_err(ApiError::internal)?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "offers.sale.cancelled",
            &sale.reference,
            now,
            data,
        ))
        .await?;
    write.finish(StatusCode::OK, &sale, &[]).await
}
