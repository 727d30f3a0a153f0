//! The live facts a price is computed from: which channel and store a key prices for, and
//! the products, customer and coupons of a cart, read once however often it is priced.

use std::collections::{BTreeMap, HashMap};

use omni_domain::access::Role;
use omni_domain::offers::coupon::{normalize_code, resolve_coupons};
use omni_domain::offers::{
    Cart, CustomerFacts, OfferBook, PricingError, PromotionId, Quote, SkuFacts,
};
use omni_kernel::{Channel, TenantId, Timestamp};

use crate::auth::Principal;
use crate::offers_books::Priced;
use crate::{ApiError, AppState};

pub(crate) fn pricing_error(e: PricingError) -> ApiError {
    let code = match e {
        PricingError::NoPrice(..) => "not_found",
        PricingError::TooManyPoints(_) => "out_of_range",
        _ => "invalid",
    };
    ApiError::field(e.field(), code, e.to_string())
}

/// The channel and store a key may price for: apps are bound to their channel, associates
/// to their store (a till prices for where it stands). A merged customer's id resolves to
/// the survivor, whose tier, points and limits apply.
pub(crate) async fn bind_cart(
    state: &AppState,
    principal: &Principal,
    cart: &mut Cart,
) -> Result<(), ApiError> {
    if let Some(channel) = principal.channel {
        cart.channel = channel;
    }
    if let Role::Associate { store } = principal.role {
        cart.store = Some(store);
        if !matches!(cart.channel, Channel::Pos | Channel::AssociateApp) {
            cart.channel = Channel::AssociateApp;
        }
    }
    if let Some(id) = cart.customer_id {
        let unknown = || ApiError::field("customer_id", "not_found", "no such customer");
        match state.store.surviving_customer(principal.tenant, id).await? {
            Some((survivor, status)) if status != "erased" => cart.customer_id = Some(survivor),
            _ => return Err(unknown()),
        }
    }
    Ok(())
}

/// The live facts a cart is priced with: its products, its customer and its coupons. Read
/// once, they price the same cart several times (checkout prices the goods, then the goods
/// with the delivery fee; a dry run prices with and without the drafts).
pub(crate) struct CartFacts {
    skus: HashMap<String, SkuFacts>,
    customer: Option<CustomerFacts>,
    coupons: BTreeMap<PromotionId, String>,
    now: Timestamp,
}

impl CartFacts {
    /// Reads the facts of `cart`'s lines, customer and coupons in `priced`'s currency.
    pub(crate) async fn read(
        state: &AppState,
        tenant: TenantId,
        priced: &Priced,
        cart: &Cart,
    ) -> Result<Self, ApiError> {
        let skus: Vec<String> = cart.lines.iter().map(|l| l.sku.clone()).collect();
        let skus = state
            .store
            .sku_facts(tenant, &skus, priced.book.currency(), &priced.parents)
            .await?;
        let now = state.clock.now();
        let customer = match cart.customer_id {
            Some(id) => Some(
                state
                    .store
                    .customer_offer_facts(tenant, id, now)
                    .await?
                    .ok_or_else(|| {
                        ApiError::field("customer_id", "not_found", "no such customer")
                    })?,
            ),
            None => None,
        };
        let codes: Vec<String> = cart
            .coupons
            .iter()
            .filter_map(|c| normalize_code(c))
            .collect();
        let known = state.store.redeemable_coupons(tenant, &codes).await?;
        let coupons = resolve_coupons(&cart.coupons, |c| known.get(c).copied());
        Ok(Self {
            skus,
            customer,
            coupons,
            now,
        })
    }

    /// Prices `cart` (the one the facts were read for, changed or not in its fees) against
    /// `book`.
    pub(crate) fn quote(&self, book: &OfferBook, cart: &Cart) -> Result<Quote, ApiError> {
        book.quote(
            cart,
            |s| self.skus.get(s),
            self.customer.as_ref(),
            &self.coupons,
            self.now,
        )
        .map_err(pricing_error)
    }
}

/// Prices `cart` against `book` with the live facts: the catalog, the customer, the coupons.
pub(crate) async fn price_with(
    state: &AppState,
    tenant: TenantId,
    priced: &Priced,
    book: &OfferBook,
    cart: &Cart,
) -> Result<Quote, ApiError> {
    CartFacts::read(state, tenant, priced, cart)
        .await?
        .quote(book, cart)
}
