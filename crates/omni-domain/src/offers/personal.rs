//! Next-best-offer: the promotions a customer can use now, ranked by what they are worth to
//! this customer — the discount weighted by the customer's affinity to what the promotion
//! covers. Computed per request from the live book, so an offer shown in the app is the one
//! the till applies: personal offers are ordinary promotions whose audience is the customer's
//! tier or segment, redeemable in every channel.

use std::collections::HashMap;

use serde::Serialize;

use super::PromotionId;
use super::book::OfferBook;
use super::pricing::CustomerFacts;
use super::rules::{Effect, FULL_BP, Promotion};
use crate::catalog::CategoryId;

/// A customer's share of spend per category (0..1), from their purchases.
pub type Affinity = HashMap<CategoryId, f64>;

/// An offer picked for a customer, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalOffer {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub promotion_id: PromotionId,
    pub name: String,
    pub reason: String,
    /// Relative worth to this customer (higher is better); for ordering only.
    pub score: f64,
    /// Why it was picked: `segment`, `tier`, `affinity` or `general`.
    pub because: &'static str,
}

/// A rough value of an effect as a share of what it applies to (0..1), so percentage,
/// multi-buy and points offers compare on one scale.
fn worth(effect: &Effect) -> f64 {
    let bp = |v: i64| v as f64 / FULL_BP as f64;
    match effect {
        Effect::PercentOff { percent_bp } | Effect::CartPercentOff { percent_bp } => {
            bp(*percent_bp)
        }
        Effect::BuyXGetY {
            buy,
            get,
            percent_bp,
        } => bp(*percent_bp) * f64::from(*get) / f64::from(buy + get),
        Effect::NthItem { n, percent_bp } => bp(*percent_bp) / f64::from(*n),
        Effect::DiscountMatrix { cells } => {
            cells.iter().map(|c| bp(c.percent_bp)).fold(0.0, f64::max)
        }
        Effect::PointsMultiplier { factor_bp } => 0.05 * (bp(*factor_bp) - 1.0),
        Effect::AmountOff { .. }
        | Effect::CartAmountOff { .. }
        | Effect::FixedPrice { .. }
        | Effect::BundlePrice { .. } => 0.1,
        Effect::GiftPoints { .. } => 0.03,
        Effect::FreeDelivery => 0.04,
    }
}

impl OfferBook {
    /// The `n` best offers for a customer now: promotions in force whose audience includes
    /// the customer, ranked by worth × affinity. A promotion aimed at the customer's
    /// segment or tier gets a boost over one open to everybody.
    pub fn next_best_offers(
        &self,
        customer: &CustomerFacts,
        affinity: &Affinity,
        now: omni_kernel::Timestamp,
        n: usize,
    ) -> Vec<PersonalOffer> {
        let mut picked: Vec<PersonalOffer> = self
            .promotions
            .iter()
            .enumerate()
            .filter(|(i, p)| self.open_to_customer(*i, p, customer, now))
            .map(|(_, p)| score(p, affinity))
            .filter(|o| o.score > 0.0)
            .collect();
        picked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.promotion_id.cmp(&b.promotion_id))
        });
        picked.truncate(n);
        picked
    }

    fn open_to_customer(
        &self,
        i: usize,
        p: &Promotion,
        c: &CustomerFacts,
        now: omni_kernel::Timestamp,
    ) -> bool {
        let cond = &p.rule.conditions;
        let a = &cond.audience;
        let s = &cond.schedule;
        let limits = &p.rule.limits;
        let used = c.promotion_uses.get(&p.id).copied().unwrap_or(0);
        p.rule.currency == self.currency
            && !cond.coupon
            && (!cond.first_order || c.first_order)
            && (a.tiers.is_empty() || a.tiers.contains(&c.tier))
            && (a.segments.is_empty() || c.segments.iter().any(|x| a.segments.contains(x)))
            && s.valid_from.is_none_or(|f| now >= f)
            && s.valid_to.is_none_or(|t| now < t)
            && limits.per_customer.is_none_or(|l| used < l)
            && limits.total.is_none_or(|t| self.usage[i].uses < t)
    }
}

fn score(p: &Promotion, affinity: &Affinity) -> PersonalOffer {
    let cond = &p.rule.conditions;
    let target = &cond.target;
    let fit = if target.categories.is_empty() {
        // SKU and brand offers: a small fixed fit; cart-wide offers fit everyone
        if target.is_everything() { 0.5 } else { 0.2 }
    } else {
        target
            .categories
            .iter()
            .map(|cat| affinity.get(cat).copied().unwrap_or(0.0))
            .fold(0.0, f64::max)
    };
    let (boost, because) = if !cond.audience.segments.is_empty() {
        (2.0, "segment")
    } else if !cond.audience.tiers.is_empty() {
        (1.5, "tier")
    } else if fit > 0.2 {
        (1.0, "affinity")
    } else {
        (1.0, "general")
    };
    PersonalOffer {
        promotion_id: p.id,
        name: p.rule.name.clone(),
        reason: p.rule.reason.clone(),
        score: worth(&p.rule.effect) * (0.05 + fit) * boost,
        because,
    }
}

/// Affinity from purchases: each category's (and its ancestors') share of the spend.
pub fn affinity_from(purchases: &[(Vec<CategoryId>, i64)]) -> Affinity {
    let total: i64 = purchases.iter().map(|(_, amount)| (*amount).max(0)).sum();
    let mut out = Affinity::new();
    if total == 0 {
        return out;
    }
    for (cats, amount) in purchases {
        for c in cats {
            *out.entry(*c).or_default() += (*amount).max(0) as f64 / total as f64;
        }
    }
    out
}
