//! The offer rules a marketer edits: price lists, promotions (conditions and effects as data)
//! and the loyalty programme. They are plain values validated here; the [`super::OfferBook`]
//! indexes them for pricing and the store keeps them as documents.

use chrono::Weekday;
use omni_kernel::{Channel, Currency, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{PriceListId, PromotionId};
use crate::Violations;
use crate::catalog::{BrandId, CategoryId};
use crate::customers::Tier;

/// Basis points: 1 % = 100 bp, 100 % = 10 000 bp.
pub const FULL_BP: i64 = 10_000;

/// Who a price list or a promotion is for. Every non-empty list must match; empty means
/// "anyone", so the common case (all channels, all stores) is written as nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Audience {
    pub channels: Vec<Channel>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub stores: Vec<LocationId>,
    pub tiers: Vec<Tier>,
    /// Segment ids (`seg_…`); the customer must belong to one of them.
    pub segments: Vec<String>,
}

/// When a rule is in force: an optional window, weekdays and local hours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Schedule {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub valid_from: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub valid_to: Option<Timestamp>,
    /// Local weekdays (`mon`…`sun`), empty for every day.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub weekdays: Vec<Weekday>,
    /// Local hours `[from, to)` (0–24), e.g. `[10, 14]` for a lunchtime offer.
    pub hours: Option<[u8; 2]>,
}

/// One SKU's prices in a list: the base price and, during a sale, a lower sale price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceEntry {
    pub sku: String,
    /// Minor units of the list's currency.
    pub base: i64,
    #[serde(default)]
    pub sale: Option<i64>,
}

/// A price list for a country's currency, optionally narrowed to channels, stores and
/// customer groups, in force for a window. The most specific list (highest priority) that
/// applies and has the SKU gives its price; the catalog's list price is the fallback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceListDraft {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub audience: Audience,
    #[serde(default)]
    pub schedule: Schedule,
    pub prices: Vec<PriceEntry>,
}

/// A price list with its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceList {
    pub id: PriceListId,
    #[serde(flatten)]
    pub rule: PriceListDraft,
}

/// How a promotion combines with others on a line. Promotions are tried by priority (then
/// id): of one stacking group a line gets only the first that applies (two seasonal offers
/// never add up on one item, yet different items each get theirs); an exclusive promotion
/// acts only on lines nothing discounted yet and then keeps them to itself; `stackable`
/// always combines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "group", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Stacking {
    #[default]
    Stackable,
    Exclusive,
    Group(String),
}

/// Which cart lines a promotion looks at. Empty means every line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub skus: Vec<String>,
    /// A category matches its whole subtree.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub categories: Vec<CategoryId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub brands: Vec<BrandId>,
}

impl Target {
    /// Whether the target names nothing (the promotion looks at every line).
    pub fn is_everything(&self) -> bool {
        self.skus.is_empty() && self.categories.is_empty() && self.brands.is_empty()
    }
}

/// What must hold for a promotion to apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conditions {
    pub audience: Audience,
    pub schedule: Schedule,
    pub target: Target,
    /// Minimum subtotal of the targeted lines (minor units, after earlier discounts).
    pub min_subtotal: Option<i64>,
    /// Minimum quantity of targeted units.
    pub min_quantity: Option<u32>,
    /// Only for a customer's first order.
    pub first_order: bool,
    /// Only with one of this promotion's coupon codes in the cart.
    pub coupon: bool,
}

/// One cell of a discount matrix: a segment (or tier) × a category gets a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixCell {
    /// A segment id, or a tier name (`gold`).
    pub group: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub category: CategoryId,
    pub percent_bp: i64,
}

/// What a promotion gives. Amounts are minor units of the promotion's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Effect {
    /// A percentage off each targeted line.
    PercentOff { percent_bp: i64 },
    /// An amount off each targeted unit.
    AmountOff { amount: i64 },
    /// A percentage off the targeted lines' subtotal, spread over them.
    CartPercentOff { percent_bp: i64 },
    /// An amount off the targeted lines' subtotal, spread over them.
    CartAmountOff { amount: i64 },
    /// Each targeted unit costs this price.
    FixedPrice { price: i64 },
    /// For every `buy` units, `get` more units (the cheapest) at `percent_bp` off (10 000 = free).
    BuyXGetY { buy: u32, get: u32, percent_bp: i64 },
    /// Every `quantity` targeted units cost `price` together.
    BundlePrice { quantity: u32, price: i64 },
    /// Every n-th targeted unit (the cheapest first) at `percent_bp` off.
    NthItem { n: u32, percent_bp: i64 },
    /// Delivery is free.
    FreeDelivery,
    /// Extra points on top of the earn rules.
    GiftPoints { points: i64 },
    /// The earn of the targeted lines multiplied (`20 000` = double points).
    PointsMultiplier { factor_bp: i64 },
    /// A percentage by customer group × category; the best cell for a line applies.
    DiscountMatrix { cells: Vec<MatrixCell> },
}

/// Usage limits and a budget; the store enforces them when a sale is committed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    pub per_customer: Option<u32>,
    pub total: Option<u32>,
    /// Total discount the promotion may give (minor units); it stops when spent.
    pub budget: Option<i64>,
}

/// A promotion as the marketer writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionDraft {
    pub name: String,
    /// Shown on the receipt and to the associate as the reason of the discount.
    pub reason: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub stacking: Stacking,
    #[serde(default)]
    pub conditions: Conditions,
    pub effect: Effect,
    #[serde(default)]
    pub limits: Limits,
}

/// A promotion with its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Promotion {
    pub id: PromotionId,
    #[serde(flatten)]
    pub rule: PromotionDraft,
}

fn check_bp(v: &mut Violations, field: &str, bp: i64) {
    if !(1..=FULL_BP).contains(&bp) {
        v.push(
            field,
            "out_of_range",
            "must be between 1 and 10000 basis points",
        );
    }
}

fn check_positive(v: &mut Violations, field: &str, amount: i64) {
    if amount <= 0 {
        v.push(
            field,
            "out_of_range",
            "must be a positive amount in minor units",
        );
    }
}

fn check_count(v: &mut Violations, field: &str, n: u32) {
    if n == 0 {
        v.push(field, "out_of_range", "must be at least 1");
    }
}

impl Schedule {
    fn validate(&self, v: &mut Violations, prefix: &str) {
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && to <= from
        {
            v.push(
                format!("{prefix}.valid_to"),
                "invalid",
                "must be after valid_from",
            );
        }
        if let Some([from, to]) = self.hours
            && (from >= to || to > 24)
        {
            v.push(
                format!("{prefix}.hours"),
                "invalid",
                "must be [from, to) with 0 <= from < to <= 24",
            );
        }
    }
}

impl Effect {
    fn validate(&self, v: &mut Violations) {
        match self {
            Effect::PercentOff { percent_bp } | Effect::CartPercentOff { percent_bp } => {
                check_bp(v, "effect.percent_bp", *percent_bp)
            }
            Effect::AmountOff { amount } | Effect::CartAmountOff { amount } => {
                check_positive(v, "effect.amount", *amount)
            }
            Effect::FixedPrice { price } => {
                if *price < 0 {
                    v.push("effect.price", "out_of_range", "must not be negative");
                }
            }
            Effect::BuyXGetY {
                buy,
                get,
                percent_bp,
            } => {
                check_count(v, "effect.buy", *buy);
                check_count(v, "effect.get", *get);
                check_bp(v, "effect.percent_bp", *percent_bp);
            }
            Effect::BundlePrice { quantity, price } => {
                if *quantity < 2 {
                    v.push(
                        "effect.quantity",
                        "out_of_range",
                        "a bundle has at least 2 units",
                    );
                }
                check_positive(v, "effect.price", *price);
            }
            Effect::NthItem { n, percent_bp } => {
                if *n < 2 {
                    v.push("effect.n", "out_of_range", "must be at least 2");
                }
                check_bp(v, "effect.percent_bp", *percent_bp);
            }
            Effect::FreeDelivery => {}
            Effect::GiftPoints { points } => check_positive(v, "effect.points", *points),
            Effect::PointsMultiplier { factor_bp } => {
                if !(FULL_BP + 1..=20 * FULL_BP).contains(factor_bp) {
                    v.push(
                        "effect.factor_bp",
                        "out_of_range",
                        "must be above 10000 and at most 200000",
                    );
                }
            }
            Effect::DiscountMatrix { cells } => {
                if cells.is_empty() {
                    v.push(
                        "effect.cells",
                        "required",
                        "a matrix needs at least one cell",
                    );
                }
                for (i, c) in cells.iter().enumerate() {
                    check_bp(v, &format!("effect.cells[{i}].percent_bp"), c.percent_bp);
                }
            }
        }
    }

    /// Whether the effect changes prices (as opposed to points or delivery only).
    pub fn discounts_lines(&self) -> bool {
        !matches!(
            self,
            Effect::FreeDelivery | Effect::GiftPoints { .. } | Effect::PointsMultiplier { .. }
        )
    }
}

impl PromotionDraft {
    /// Every problem with the draft, field by field.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.text("name", &self.name, 200);
        v.text("reason", &self.reason, 500);
        self.conditions
            .schedule
            .validate(&mut v, "conditions.schedule");
        if let Some(min) = self.conditions.min_subtotal {
            check_positive(&mut v, "conditions.min_subtotal", min);
        }
        if let Some(n) = self.conditions.min_quantity {
            check_count(&mut v, "conditions.min_quantity", n);
        }
        if let Some(b) = self.limits.budget {
            check_positive(&mut v, "limits.budget", b);
        }
        if let Stacking::Group(g) = &self.stacking {
            v.text("stacking.group", g, 100);
        }
        self.effect.validate(&mut v);
        v.finish(())
    }
}

impl PriceListDraft {
    /// Every problem with the list: prices must be non-negative and a sale below the base.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.text("name", &self.name, 200);
        self.schedule.validate(&mut v, "schedule");
        let mut seen = std::collections::HashSet::with_capacity(self.prices.len());
        for (i, p) in self.prices.iter().enumerate() {
            if p.sku.trim().is_empty() {
                v.push(format!("prices[{i}].sku"), "required", "must not be blank");
            } else if !seen.insert(p.sku.as_str()) {
                v.push(
                    format!("prices[{i}].sku"),
                    "duplicate",
                    "the SKU is listed twice",
                );
            }
            if p.base < 0 {
                v.push(
                    format!("prices[{i}].base"),
                    "out_of_range",
                    "must not be negative",
                );
            }
            if let Some(sale) = p.sale
                && !(0..p.base).contains(&sale)
            {
                v.push(
                    format!("prices[{i}].sale"),
                    "out_of_range",
                    "must be below the base price",
                );
            }
        }
        v.finish(())
    }
}

/// One loyalty tier: reached by rolling 12-month spend, multiplying the earn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierRule {
    pub tier: Tier,
    /// Spend over the last 12 months (minor units) from which the tier holds.
    pub min_spend: i64,
    /// Earn multiplier in basis points (10 000 = ×1).
    pub earn_factor_bp: i64,
}

/// An earn rate for a category and/or channel, overriding the base rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EarnRule {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub category: Option<CategoryId>,
    #[serde(default)]
    pub channel: Option<Channel>,
    pub rate_bp: i64,
}

/// The loyalty programme of a tenant. One point is worth `point_value` minor units when
/// burnt; points earned are pending for `pending_days` (the return window) and expire
/// `expiry_days` after they mature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoyaltyProgram {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    pub point_value: i64,
    /// Points earned per point-value of net spend, in basis points (500 = 5 % back).
    pub base_rate_bp: i64,
    #[serde(default)]
    pub earn_rules: Vec<EarnRule>,
    pub tiers: Vec<TierRule>,
    /// The largest share of a purchase payable with points (basis points).
    pub max_burn_bp: i64,
    pub pending_days: u32,
    pub expiry_days: u32,
}

impl LoyaltyProgram {
    /// A sensible default: 1 point = 1 unit, 5 % back, up to 30 % paid with points,
    /// 14 days pending, a year to use them; tiers from 30k / 100k / 300k of spend.
    pub fn standard(currency: Currency) -> Self {
        let unit = 10i64.pow(u32::from(currency.exponent()));
        let tier = |tier, min_spend, earn_factor_bp| TierRule {
            tier,
            min_spend: min_spend * unit,
            earn_factor_bp,
        };
        Self {
            currency,
            point_value: unit,
            base_rate_bp: 500,
            earn_rules: Vec::new(),
            tiers: vec![
                tier(Tier::Basic, 0, 10_000),
                tier(Tier::Silver, 30_000, 12_500),
                tier(Tier::Gold, 100_000, 15_000),
                tier(Tier::Platinum, 300_000, 20_000),
            ],
            max_burn_bp: 3_000,
            pending_days: 14,
            expiry_days: 365,
        }
    }

    /// Every problem with the programme.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        check_positive(&mut v, "point_value", self.point_value);
        check_bp(&mut v, "base_rate_bp", self.base_rate_bp);
        check_bp(&mut v, "max_burn_bp", self.max_burn_bp);
        for (i, r) in self.earn_rules.iter().enumerate() {
            check_bp(&mut v, &format!("earn_rules[{i}].rate_bp"), r.rate_bp);
        }
        if self
            .tiers
            .windows(2)
            .any(|w| w[1].min_spend <= w[0].min_spend)
        {
            v.push(
                "tiers",
                "invalid",
                "tiers must be listed by increasing min_spend",
            );
        }
        for (i, t) in self.tiers.iter().enumerate() {
            if t.earn_factor_bp < FULL_BP {
                v.push(
                    format!("tiers[{i}].earn_factor_bp"),
                    "out_of_range",
                    "must be at least 10000",
                );
            }
        }
        if self.expiry_days == 0 {
            v.push("expiry_days", "out_of_range", "must be at least 1");
        }
        v.finish(())
    }

    /// The tier a rolling 12-month spend earns.
    pub fn tier_for_spend(&self, spend: i64) -> Tier {
        self.tiers
            .iter()
            .rev()
            .find(|t| spend >= t.min_spend)
            .map_or(Tier::Basic, |t| t.tier)
    }

    /// The earn rate for a line: the most specific rule (category and channel, then
    /// category, then channel) or the base rate.
    pub fn rate_bp(&self, categories: &[CategoryId], channel: Channel) -> i64 {
        let mut best: Option<(u8, i64)> = None;
        for r in &self.earn_rules {
            let cat_ok = r.category.is_none_or(|c| categories.contains(&c));
            let ch_ok = r.channel.is_none_or(|c| c == channel);
            if !(cat_ok && ch_ok) {
                continue;
            }
            let rank = 2 * u8::from(r.category.is_some()) + u8::from(r.channel.is_some());
            if best.is_none_or(|(b, _)| rank > b) {
                best = Some((rank, r.rate_bp));
            }
        }
        best.map_or(self.base_rate_bp, |(_, r)| r)
    }

    /// The earn multiplier of a tier (basis points).
    pub fn tier_factor_bp(&self, tier: Tier) -> i64 {
        self.tiers
            .iter()
            .find(|t| t.tier == tier)
            .map_or(FULL_BP, |t| t.earn_factor_bp)
    }
}
