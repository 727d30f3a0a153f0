//! The input of every analytics function: sales lines with dense integer keys, so ten
//! million lines take a few hundred MB and every pass is a scan over a vector.

use omni_kernel::Channel;

/// One sold (or returned, negative quantity) order line. Keys are dense indices into the
/// [`Dataset`]'s dictionaries; `day` counts days since 1970-01-01 (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    pub customer: u32,
    pub order: u32,
    pub day: u32,
    pub channel: Channel,
    /// The store that sold or fulfilled the line, if any.
    pub store: Option<u32>,
    pub sku: u32,
    pub category: u32,
    pub quantity: i32,
    /// What the customer paid for the line after discounts, in the dataset's currency's minor units.
    pub net_minor: i64,
    /// The discount the line got from promotions and coupons, in minor units (0: full price).
    pub discount_minor: i64,
}

/// Everything analytics reads, for one tenant and one currency.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// ISO 4217 code of every amount in the dataset.
    pub currency: String,
    /// External ids (e.g. `cus_…`) by dense customer index.
    pub customers: Vec<String>,
    /// SKU codes by dense index.
    pub skus: Vec<String>,
    /// Category names by dense index.
    pub categories: Vec<String>,
    /// Location ids by dense store index.
    pub stores: Vec<String>,
    /// Sales lines, in any order.
    pub sales: Vec<Sale>,
    /// Abandoned carts with their outcome.
    pub carts: Vec<AbandonedCart>,
    /// Survey answers (NPS).
    pub surveys: Vec<SurveyAnswer>,
}

/// A cart that was left without checkout for at least an hour, and whether the same
/// customer (or device) bought within the following 7 days — the abandoned-cart model's
/// training row. Features beyond these are derived from the customer's sales history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbandonedCart {
    /// `None` for an anonymous device's cart.
    pub customer: Option<u32>,
    pub day: u32,
    /// Local hour (0–23) of the last change.
    pub hour: u8,
    pub channel: Channel,
    pub units: u32,
    pub value_minor: i64,
    /// Whether the cart had a coupon or a personal offer applied.
    pub had_offer: bool,
    pub bought: bool,
}

/// A post-purchase survey answer: "how likely are you to recommend us" on 0–10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyAnswer {
    pub customer: u32,
    pub day: u32,
    pub channel: Channel,
    pub score: u8,
}
