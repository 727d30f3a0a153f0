//! Offers storage: the rules marketers edit (price lists, promotions, coupons, the loyalty
//! programme), the facts pricing reads (SKU categories and list prices, a customer's tier,
//! segments and points) and the sales that redeem them.
//!
//! Pricing itself is pure ([`omni_domain::offers`]); exactness under concurrency lives here:
//! every redemption is a conditional update inside the sale's transaction, backed by CHECK
//! constraints, so racing checkouts can never push a coupon, a limit, a budget or a wallet
//! past its bound.

mod facts;
mod loyalty;
mod rules;
mod sales;

pub(crate) use facts::pricing_excerpt;
pub use facts::sku_fact_categories;
pub use loyalty::PointsStatement;
pub use rules::{PriceChange, PromotionStatus, StoredPromotion};
pub use sales::{Purchase, Redemption};
