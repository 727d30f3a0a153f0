//! The offer book: every rule of a tenant in force, indexed by what it can match, so pricing
//! a cart looks only at the promotions its lines could trigger. Lookups cost the same with
//! a hundred promotions or ten thousand — the cost grows with the candidates, not the book.

use std::collections::HashMap;

use chrono_tz::Tz;
use omni_kernel::Currency;
use serde::{Deserialize, Serialize};

use super::PromotionId;
use super::rules::{LoyaltyProgram, PriceList, Promotion};
use crate::catalog::{BrandId, CategoryId};

/// How much of a promotion's limits and budget is used, as last read from the store.
/// Pricing treats it as advice; the store enforces the limits when a sale is committed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    pub uses: u32,
    pub spent: i64,
}

/// Everything pricing needs about the tenant's rules, built once and shared by every quote.
#[derive(Debug, Clone)]
pub struct OfferBook {
    pub(super) currency: Currency,
    pub(super) time_zone: Tz,
    /// By priority (highest first), then id: the order promotions are tried in.
    pub(super) promotions: Vec<Promotion>,
    pub(super) usage: Vec<Usage>,
    /// Price lists by priority (highest first).
    pub(super) price_lists: Vec<PriceList>,
    /// SKU → (list position, entry position), lists in priority order.
    pub(super) prices: HashMap<String, Vec<(u32, u32)>>,
    pub(super) by_sku: HashMap<String, Vec<u32>>,
    pub(super) by_category: HashMap<CategoryId, Vec<u32>>,
    pub(super) by_brand: HashMap<BrandId, Vec<u32>>,
    pub(super) by_segment: HashMap<String, Vec<u32>>,
    pub(super) by_coupon: HashMap<PromotionId, u32>,
    /// Promotions that look at every line and every customer.
    pub(super) general: Vec<u32>,
    pub(super) program: LoyaltyProgram,
}

/// The rules a book is built from; also the body of an offline snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rules {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    /// IANA time zone for weekday and hour conditions.
    pub time_zone: String,
    pub price_lists: Vec<PriceList>,
    pub promotions: Vec<Promotion>,
    /// Usage of each promotion by id, as last read.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub usage: HashMap<PromotionId, Usage>,
    pub program: LoyaltyProgram,
}

impl OfferBook {
    /// Indexes the rules. An unknown time zone falls back to UTC (tenants are validated on
    /// creation, so this only guards hand-written snapshots).
    pub fn new(rules: Rules) -> Self {
        let Rules {
            currency,
            time_zone,
            mut price_lists,
            mut promotions,
            usage,
            program,
        } = rules;
        price_lists.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
        promotions.sort_by(|a, b| b.rule.priority.cmp(&a.rule.priority).then(a.id.cmp(&b.id)));
        let mut book = OfferBook {
            currency,
            time_zone: time_zone.parse().unwrap_or(Tz::UTC),
            usage: promotions
                .iter()
                .map(|p| usage.get(&p.id).copied().unwrap_or_default())
                .collect(),
            promotions: Vec::new(),
            price_lists: Vec::new(),
            prices: HashMap::new(),
            by_sku: HashMap::new(),
            by_category: HashMap::new(),
            by_brand: HashMap::new(),
            by_segment: HashMap::new(),
            by_coupon: HashMap::new(),
            general: Vec::new(),
            program,
        };
        for (li, list) in price_lists.iter().enumerate() {
            for (ei, e) in list.prices.iter().enumerate() {
                book.prices
                    .entry(e.sku.clone())
                    .or_default()
                    .push((li as u32, ei as u32));
            }
        }
        for (i, p) in promotions.iter().enumerate() {
            book.index_promotion(i as u32, p);
        }
        book.price_lists = price_lists;
        book.promotions = promotions;
        book
    }

    fn index_promotion(&mut self, i: u32, p: &Promotion) {
        let c = &p.rule.conditions;
        if !c.target.is_everything() {
            for s in &c.target.skus {
                self.by_sku.entry(s.clone()).or_default().push(i);
            }
            for cat in &c.target.categories {
                self.by_category.entry(*cat).or_default().push(i);
            }
            for b in &c.target.brands {
                self.by_brand.entry(*b).or_default().push(i);
            }
        } else if !c.audience.segments.is_empty() {
            for s in &c.audience.segments {
                self.by_segment.entry(s.clone()).or_default().push(i);
            }
        } else if c.coupon {
            self.by_coupon.insert(p.id, i);
        } else {
            self.general.push(i);
        }
    }

    /// The currency the book prices in.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The loyalty programme.
    pub fn program(&self) -> &LoyaltyProgram {
        &self.program
    }

    /// How many promotions the book holds.
    pub fn promotion_count(&self) -> usize {
        self.promotions.len()
    }
}
