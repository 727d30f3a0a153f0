//! Offers: price lists, promotions, coupons, the loyalty programme and the points ledger —
//! one pricing function every channel calls.
//!
//! The pricing core is pure and synchronous (no I/O, no runtime, no database), so the very
//! same code prices on the server, in the app and in a till that lost its connection (from a
//! signed [`snapshot::Snapshot`]). Limits, budgets and coupon redemption are advisory here and
//! enforced by the store when a sale is committed, which is what makes them exact under
//! concurrency.

mod book;
pub mod coupon;
mod effects;
pub mod personal;
pub mod points;
mod pricing;
mod rules;
pub mod snapshot;

pub use book::{OfferBook, Rules, Usage};
pub use pricing::{
    AppliedPromotion, Cart, CartLine, CustomerFacts, LineDiscount, MAX_LINES, MAX_QUANTITY,
    PointsQuote, PricingError, Quote, QuotedLine, SkuFacts,
};
pub use rules::{
    Audience, Conditions, EarnRule, Effect, FULL_BP, Limits, LoyaltyProgram, MatrixCell,
    PriceEntry, PriceList, PriceListDraft, Promotion, PromotionDraft, Schedule, Stacking, Target,
    TierRule,
};

omni_kernel::define_id!(
    /// A promotion.
    PromotionId, "prm"
);
omni_kernel::define_id!(
    /// A price list.
    PriceListId, "prl"
);

#[cfg(test)]
mod conditions_tests;
#[cfg(test)]
mod personal_tests;
#[cfg(test)]
mod points_tests;
#[cfg(test)]
mod tests;
