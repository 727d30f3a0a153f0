//! Pricing a cart: one deterministic function every channel calls. The same book, cart,
//! customer and instant give the same quote — on the server, in the app and in a till that
//! lost its connection. Every discount names the promotion that gave it and why.

use std::collections::BTreeMap;

use chrono::{Datelike, Timelike};
use omni_kernel::{Channel, Currency, CustomerId, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use super::book::{Gate, OfferBook};
use super::effects::{line_cuts, split};
use super::rules::{Audience, Effect, FULL_BP, PriceList, Promotion, Schedule};
use super::{PriceListId, PromotionId};
use crate::catalog::{BrandId, CategoryId};
use crate::customers::Tier;

/// Most lines a cart may have; keeps one quote bounded.
pub const MAX_LINES: usize = 200;
/// The line index of a candidate that looks at every line.
const ALL_LINES: u16 = u16::MAX;

/// Most units of one line.
pub const MAX_QUANTITY: u32 = 10_000;

/// A cart as every channel sends it for pricing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cart {
    /// The currency to price in; the tenant's main currency when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "RUB"))]
    pub currency: Option<Currency>,
    pub channel: Channel,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub store: Option<LocationId>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    pub lines: Vec<CartLine>,
    #[serde(default)]
    pub coupons: Vec<String>,
    /// Points the customer wants to pay with.
    #[serde(default)]
    pub burn_points: i64,
    /// The delivery price chosen (minor units), if any; a free-delivery promotion zeroes it.
    #[serde(default)]
    pub delivery_fee: Option<i64>,
    /// The instant to price at; now when absent (set it to replay a past sale).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub at: Option<Timestamp>,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub sku: String,
    pub quantity: u32,
}

/// What the catalog says about a SKU that pricing needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkuFacts {
    /// The product's category and its ancestors, nearest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub categories: Vec<CategoryId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub brand: Option<BrandId>,
    /// The catalog list price in the book's currency, used when no price list has the SKU.
    pub list_price: Option<i64>,
}

/// What pricing knows about the customer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerFacts {
    pub tier: Tier,
    pub segments: Vec<String>,
    /// No order placed yet.
    pub first_order: bool,
    /// Points available to burn now.
    pub points_available: i64,
    /// Uses of promotions with a per-customer limit, by promotion.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub promotion_uses: BTreeMap<PromotionId, u32>,
}

/// Why a cart could not be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("lines[{0}].sku: the SKU is unknown or has no price in {1}")]
    NoPrice(usize, Currency),
    #[error("lines[{0}].quantity: must be between 1 and {MAX_QUANTITY}")]
    BadQuantity(usize),
    #[error("lines: a cart has 1 to {MAX_LINES} lines")]
    BadLineCount,
    #[error("burn_points: at most {0} points can pay for this cart")]
    TooManyPoints(i64),
    #[error("the amounts overflow")]
    Overflow,
}

impl PricingError {
    /// The request field the error is about, for a field-level problem.
    pub fn field(&self) -> String {
        match self {
            PricingError::NoPrice(i, _) => format!("lines[{i}].sku"),
            PricingError::BadQuantity(i) => format!("lines[{i}].quantity"),
            PricingError::BadLineCount => "lines".into(),
            PricingError::TooManyPoints(_) => "burn_points".into(),
            PricingError::Overflow => "lines".into(),
        }
    }
}

/// One discount on a line, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineDiscount {
    /// `None` for a price list's sale price.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub promotion_id: Option<PromotionId>,
    pub amount: i64,
    pub reason: String,
}

/// A priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotedLine {
    pub sku: String,
    pub quantity: u32,
    pub unit_price: i64,
    /// The price list that gave the price; `None` for the catalog list price.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub price_list_id: Option<PriceListId>,
    /// Unit price × quantity.
    pub subtotal: i64,
    pub discounts: Vec<LineDiscount>,
    /// After discounts.
    pub total: i64,
    /// The share of the points payment that falls on this line.
    pub paid_with_points: i64,
    pub points_earned: i64,
}

/// A promotion that applied, with what it gave in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedPromotion {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub promotion_id: PromotionId,
    pub name: String,
    pub reason: String,
    pub discount: i64,
    pub gift_points: i64,
    pub free_delivery: bool,
    /// The coupon code that unlocked it.
    pub coupon: Option<String>,
}

/// Points in a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointsQuote {
    /// Points this purchase earns (pending until the return window closes).
    pub earn: i64,
    /// The most points that could pay for this cart.
    pub usable: i64,
    /// Points paying for it in this quote.
    pub burn: i64,
    /// Their value in minor units.
    pub burn_value: i64,
}

/// The priced cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub priced_at: Timestamp,
    pub lines: Vec<QuotedLine>,
    /// Sum of line subtotals.
    pub subtotal: i64,
    pub discount_total: i64,
    /// Goods after discounts.
    pub total: i64,
    pub delivery_fee: Option<i64>,
    pub points: PointsQuote,
    /// What remains to pay in money: total − points + delivery.
    pub to_pay: i64,
    pub promotions: Vec<AppliedPromotion>,
}

/// A line while it is being priced.
pub(super) struct Work<'a> {
    pub(super) facts: &'a SkuFacts,
    pub(super) quantity: u32,
    pub(super) net: i64,
    earn_factor_bp: i64,
    /// Stacking groups that already gave this line something.
    groups: Vec<u32>,
    /// An exclusive promotion took the line.
    locked: bool,
    /// Some promotion discounted the line.
    discounted: bool,
    out: QuotedLine,
}

impl Work<'_> {
    /// Whether a promotion of `group` (or an exclusive one) may still act on this line.
    fn open_to(&self, group: Option<u32>, exclusive: bool) -> bool {
        self.net > 0
            && !self.locked
            && !(exclusive && self.discounted)
            && group.is_none_or(|g| !self.groups.contains(&g))
    }

    /// Records that a promotion acted on this line.
    fn take(&mut self, group: Option<u32>, exclusive: bool, discounted: bool) {
        self.groups.extend(group);
        self.locked |= exclusive;
        self.discounted |= discounted;
    }
}

/// The customer and the moment, as the conditions read them.
pub(super) struct Situation<'a> {
    cart: &'a Cart,
    pub(super) customer: Option<&'a CustomerFacts>,
    /// Coupon code per promotion it unlocks.
    coupons: &'a BTreeMap<PromotionId, String>,
    at: Timestamp,
    weekday: chrono::Weekday,
    hour: u8,
}

impl OfferBook {
    /// Prices `cart` at `now` (or the cart's own instant). `facts` gives the catalog facts of
    /// a SKU; `coupons` maps each valid coupon code of the cart to its promotion.
    pub fn quote<'f>(
        &self,
        cart: &Cart,
        facts: impl Fn(&str) -> Option<&'f SkuFacts>,
        customer: Option<&CustomerFacts>,
        coupons: &BTreeMap<PromotionId, String>,
        now: Timestamp,
    ) -> Result<Quote, PricingError> {
        if cart.lines.is_empty() || cart.lines.len() > MAX_LINES {
            return Err(PricingError::BadLineCount);
        }
        let at = cart.at.unwrap_or(now);
        let local = at.with_timezone(&self.time_zone);
        let situation = Situation {
            cart,
            customer,
            coupons,
            at,
            weekday: local.weekday(),
            hour: local.hour() as u8,
        };
        let mut lines = self.base_prices(cart, &situation, facts)?;
        let mut applied = Vec::new();
        let mut free_delivery = false;
        self.apply_promotions(&situation, &mut lines, &mut applied, &mut free_delivery);
        self.finish(cart, &situation, lines, applied, free_delivery)
    }

    fn base_prices<'f>(
        &self,
        cart: &Cart,
        s: &Situation<'_>,
        facts: impl Fn(&str) -> Option<&'f SkuFacts>,
    ) -> Result<Vec<Work<'f>>, PricingError> {
        let mut lines = Vec::with_capacity(cart.lines.len());
        for (i, l) in cart.lines.iter().enumerate() {
            if l.quantity == 0 || l.quantity > MAX_QUANTITY {
                return Err(PricingError::BadQuantity(i));
            }
            let f = facts(&l.sku).ok_or(PricingError::NoPrice(i, self.currency))?;
            let (unit_price, sale, list) = match self.listed_price(&l.sku, s) {
                Some((list, base, sale)) => (base, sale, Some(list)),
                None => (
                    f.list_price
                        .ok_or(PricingError::NoPrice(i, self.currency))?,
                    None,
                    None,
                ),
            };
            let subtotal = unit_price
                .checked_mul(i64::from(l.quantity))
                .ok_or(PricingError::Overflow)?;
            let mut out = QuotedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price,
                price_list_id: list.map(|p: &PriceList| p.id),
                subtotal,
                discounts: Vec::new(),
                total: subtotal,
                paid_with_points: 0,
                points_earned: 0,
            };
            let mut net = subtotal;
            if let (Some(sale), Some(list)) = (sale, list) {
                let amount = (unit_price - sale) * i64::from(l.quantity);
                net -= amount;
                out.discounts.push(LineDiscount {
                    promotion_id: None,
                    amount,
                    reason: format!("sale price ({})", list.rule.name),
                });
            }
            lines.push(Work {
                facts: f,
                quantity: l.quantity,
                net,
                earn_factor_bp: FULL_BP,
                groups: Vec::new(),
                locked: false,
                discounted: false,
                out,
            });
        }
        Ok(lines)
    }

    /// The first list in priority order that is in force for this cart and has the SKU.
    fn listed_price(&self, sku: &str, s: &Situation<'_>) -> Option<(&PriceList, i64, Option<i64>)> {
        self.prices.get(sku)?.iter().find_map(|&(li, ei)| {
            let list = &self.price_lists[li as usize];
            let r = &list.rule;
            let applies = r.currency == self.currency
                && audience_ok(&r.audience, s)
                && schedule_ok(&r.schedule, s);
            applies.then(|| {
                let e = &r.prices[ei as usize];
                (list, e.base, e.sale)
            })
        })
    }

    /// The promotions this cart could trigger, each with the line that brought it in
    /// ([`ALL_LINES`] for promotions that look at every line), sorted into the order they are
    /// tried. The index already knows which lines a promotion targets, so no promotion's
    /// target is scanned against the cart.
    fn candidates(&self, s: &Situation<'_>, lines: &[Work<'_>]) -> Vec<u64> {
        // (promotion, line) packed in one u64 so the sort compares one word
        let pack = |p: u32, line: u16| (u64::from(p) << 16) | u64::from(line);
        let mut out: Vec<u64> = Vec::with_capacity(64 * lines.len());
        out.extend(self.general.iter().map(|&p| pack(p, ALL_LINES)));
        let mut extend = |v: Option<&Vec<u32>>, line: u16| {
            if let Some(v) = v {
                out.extend(v.iter().map(|&p| pack(p, line)));
            }
        };
        for (i, l) in lines.iter().enumerate() {
            let i = i as u16;
            extend(self.by_sku.get(l.out.sku.as_str()), i);
            for c in &l.facts.categories {
                extend(self.by_category.get(c), i);
            }
            if let Some(b) = &l.facts.brand {
                extend(self.by_brand.get(b), i);
            }
        }
        if let Some(c) = s.customer {
            for seg in &c.segments {
                extend(self.by_segment.get(seg), ALL_LINES);
            }
        }
        for id in s.coupons.keys() {
            if let Some(&i) = self.by_coupon.get(id) {
                out.push(pack(i, ALL_LINES));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn apply_promotions(
        &self,
        s: &Situation<'_>,
        lines: &mut [Work<'_>],
        applied: &mut Vec<AppliedPromotion>,
        free_delivery: &mut bool,
    ) {
        let candidates = self.candidates(s, lines);
        let mut eligible: Vec<usize> = Vec::with_capacity(lines.len());
        for run in candidates.chunk_by(|a, b| a >> 16 == b >> 16) {
            let i = (run[0] >> 16) as usize;
            let Gate { group, exclusive } = self.gates[i];
            eligible.clear();
            let line = |c: u64| (c & 0xFFFF) as u16;
            if run.iter().any(|&c| line(c) == ALL_LINES) {
                eligible.extend(0..lines.len());
            } else {
                eligible.extend(run.iter().map(|&c| usize::from(line(c))));
            }
            eligible.retain(|&l| lines[l].open_to(group, exclusive));
            if eligible.is_empty() {
                continue;
            }
            let p = &self.promotions[i];
            if !self.may_apply(i, p, s) {
                continue;
            }
            let Some(outcome) = self.try_promotion(i, p, s, lines, &eligible) else {
                continue;
            };
            for &l in &eligible {
                lines[l].take(group, exclusive, outcome.discount > 0);
            }
            *free_delivery |= outcome.free_delivery;
            applied.push(outcome);
        }
    }

    /// Conditions that do not depend on the lines: currency, audience, schedule, first
    /// order, coupon, limits.
    fn may_apply(&self, i: usize, p: &Promotion, s: &Situation<'_>) -> bool {
        let c = &p.rule.conditions;
        let limits = &p.rule.limits;
        let usage = self.usage[i];
        p.rule.currency == self.currency
            && audience_ok(&c.audience, s)
            && schedule_ok(&c.schedule, s)
            && (!c.first_order || s.customer.is_some_and(|c| c.first_order))
            && (!c.coupon || s.coupons.contains_key(&p.id))
            && limits.total.is_none_or(|t| usage.uses < t)
            && limits.budget.is_none_or(|b| usage.spent < b)
            && limits.per_customer.is_none_or(|limit| {
                s.customer
                    .is_some_and(|c| c.promotion_uses.get(&p.id).copied().unwrap_or(0) < limit)
            })
    }

    fn try_promotion(
        &self,
        i: usize,
        p: &Promotion,
        s: &Situation<'_>,
        lines: &mut [Work<'_>],
        eligible: &[usize],
    ) -> Option<AppliedPromotion> {
        let c = &p.rule.conditions;
        if eligible.is_empty() {
            return None;
        }
        let units: u64 = eligible.iter().map(|&l| u64::from(lines[l].quantity)).sum();
        let subtotal: i64 = eligible.iter().map(|&l| lines[l].net).sum();
        if c.min_quantity.is_some_and(|m| units < u64::from(m))
            || c.min_subtotal.is_some_and(|m| subtotal < m)
        {
            return None;
        }
        let (mut discount, mut gift_points, mut free_delivery) = (0, 0, false);
        match &p.rule.effect {
            Effect::FreeDelivery => free_delivery = s.cart.delivery_fee.is_some_and(|f| f > 0),
            Effect::GiftPoints { points } => gift_points = *points,
            Effect::PointsMultiplier { factor_bp } => {
                for &l in eligible {
                    lines[l].earn_factor_bp = lines[l].earn_factor_bp.max(*factor_bp);
                }
                return Some(self.outcome(p, s, 0, 0, false));
            }
            effect => {
                let cuts = line_cuts(effect, eligible, lines, s);
                let total: i64 = cuts.iter().map(|(_, d)| d).sum();
                let left = p.rule.limits.budget.map(|b| b - self.usage[i].spent);
                if total <= 0 || left.is_some_and(|left| total > left) {
                    return None;
                }
                for (l, d) in cuts {
                    if d > 0 {
                        lines[l].net -= d;
                        lines[l].out.discounts.push(LineDiscount {
                            promotion_id: Some(p.id),
                            amount: d,
                            reason: p.rule.reason.clone(),
                        });
                    }
                }
                discount = total;
            }
        }
        let gives = free_delivery || gift_points > 0 || discount > 0;
        gives.then(|| self.outcome(p, s, discount, gift_points, free_delivery))
    }

    /// What an applied promotion gave, for the quote.
    fn outcome(
        &self,
        p: &Promotion,
        s: &Situation<'_>,
        discount: i64,
        gift_points: i64,
        free_delivery: bool,
    ) -> AppliedPromotion {
        AppliedPromotion {
            promotion_id: p.id,
            name: p.rule.name.clone(),
            reason: p.rule.reason.clone(),
            discount,
            gift_points,
            free_delivery,
            coupon: s.coupons.get(&p.id).cloned(),
        }
    }

    fn finish(
        &self,
        cart: &Cart,
        s: &Situation<'_>,
        mut lines: Vec<Work<'_>>,
        applied: Vec<AppliedPromotion>,
        free_delivery: bool,
    ) -> Result<Quote, PricingError> {
        let total: i64 = lines.iter().map(|l| l.net).sum();
        let subtotal: i64 = lines.iter().map(|l| l.out.subtotal).sum();
        let points = self.points_payment(cart, s.customer, total)?;
        let nets: Vec<i64> = lines.iter().map(|l| l.net).collect();
        let shares = split(points.burn_value, &nets)?;
        let program = &self.program;
        let tier_bp = s
            .customer
            .map_or(FULL_BP, |c| program.tier_factor_bp(c.tier));
        let mut earn = 0;
        for (l, share) in lines.iter_mut().zip(shares) {
            let paid = l.net - share;
            let rate = program.rate_bp(&l.facts.categories, cart.channel);
            let points = i128::from(paid)
                * i128::from(rate)
                * i128::from(tier_bp)
                * i128::from(l.earn_factor_bp)
                / (i128::from(FULL_BP).pow(3) * i128::from(program.point_value));
            l.out.points_earned = if s.customer.is_some() {
                points as i64
            } else {
                0
            };
            l.out.paid_with_points = share;
            l.out.total = l.net;
            earn += l.out.points_earned;
        }
        if s.customer.is_some() {
            earn += applied.iter().map(|a| a.gift_points).sum::<i64>();
        }
        let delivery_fee = cart.delivery_fee.map(|f| if free_delivery { 0 } else { f });
        let to_pay = total - points.burn_value + delivery_fee.unwrap_or(0);
        Ok(Quote {
            currency: self.currency,
            priced_at: s.at,
            subtotal,
            discount_total: subtotal - total,
            total,
            delivery_fee,
            points: PointsQuote { earn, ..points },
            to_pay,
            promotions: applied,
            lines: lines.into_iter().map(|l| l.out).collect(),
        })
    }

    /// How many points may pay for `total`, and how many do.
    fn points_payment(
        &self,
        cart: &Cart,
        customer: Option<&CustomerFacts>,
        total: i64,
    ) -> Result<PointsQuote, PricingError> {
        let program = &self.program;
        let cap = i128::from(total) * i128::from(program.max_burn_bp)
            / (i128::from(FULL_BP) * i128::from(program.point_value));
        let usable = customer.map_or(0, |c| c.points_available.max(0).min(cap as i64));
        if cart.burn_points < 0 || cart.burn_points > usable {
            return Err(PricingError::TooManyPoints(usable));
        }
        Ok(PointsQuote {
            earn: 0,
            usable,
            burn: cart.burn_points,
            burn_value: cart.burn_points * program.point_value,
        })
    }
}

fn audience_ok(a: &Audience, s: &Situation<'_>) -> bool {
    (a.channels.is_empty() || a.channels.contains(&s.cart.channel))
        && (a.stores.is_empty() || s.cart.store.is_some_and(|st| a.stores.contains(&st)))
        && (a.tiers.is_empty() || s.customer.is_some_and(|c| a.tiers.contains(&c.tier)))
        && (a.segments.is_empty()
            || s.customer
                .is_some_and(|c| c.segments.iter().any(|x| a.segments.contains(x))))
}

fn schedule_ok(sc: &Schedule, s: &Situation<'_>) -> bool {
    sc.valid_from.is_none_or(|f| s.at >= f)
        && sc.valid_to.is_none_or(|t| s.at < t)
        && (sc.weekdays.is_empty() || sc.weekdays.contains(&s.weekday))
        && sc
            .hours
            .is_none_or(|[from, to]| (from..to).contains(&s.hour))
}
