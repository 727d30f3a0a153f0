//! The offer book: every rule of a tenant in force, indexed by what it can match, so pricing
//! a cart looks only at the promotions its lines could trigger. Lookups cost the same with
//! a hundred promotions or ten thousand — the cost grows with the candidates, not the book.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

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
/// The indices use the Fx hash: their keys come from the tenant's own rules, and a quote
/// makes a few dozen lookups that SipHash would make the largest cost of a small cart.
#[derive(Debug, Clone)]
pub struct OfferBook {
    pub(super) currency: Currency,
    pub(super) time_zone: Tz,
    /// By priority (highest first), then id: the order promotions are tried in.
    pub(super) promotions: Vec<Promotion>,
    pub(super) usage: Vec<Usage>,
    /// Each promotion's stacking as small numbers, kept apart from the promotions so that
    /// the many candidates a line has already taken are skipped without touching the rules.
    pub(super) gates: Vec<Gate>,
    /// Price lists by priority (highest first).
    pub(super) price_lists: Vec<PriceList>,
    /// SKU → (list position, entry position), lists in priority order.
    pub(super) prices: FxHashMap<String, Vec<(u32, u32)>>,
    pub(super) by_sku: FxHashMap<String, Vec<u32>>,
    pub(super) by_category: FxHashMap<CategoryId, Vec<u32>>,
    pub(super) by_brand: FxHashMap<BrandId, Vec<u32>>,
    pub(super) by_segment: FxHashMap<String, Vec<u32>>,
    pub(super) by_coupon: FxHashMap<PromotionId, u32>,
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
        price_lists.sort_by(|a, b| b.rule.priority.cmp(&a.rule.priority).then(a.id.cmp(&b.id)));
        promotions.sort_by(|a, b| b.rule.priority.cmp(&a.rule.priority).then(a.id.cmp(&b.id)));
        let mut book = OfferBook {
            currency,
            time_zone: time_zone.parse().unwrap_or(Tz::UTC),
            usage: promotions
                .iter()
                .map(|p| usage.get(&p.id).copied().unwrap_or_default())
                .collect(),
            gates: gates(&promotions),
            promotions: Vec::new(),
            price_lists: Vec::new(),
            prices: FxHashMap::default(),
            by_sku: FxHashMap::default(),
            by_category: FxHashMap::default(),
            by_brand: FxHashMap::default(),
            by_segment: FxHashMap::default(),
            by_coupon: FxHashMap::default(),
            general: Vec::new(),
            program,
        };
        for (li, list) in price_lists.iter().enumerate() {
            for (ei, e) in list.rule.prices.iter().enumerate() {
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

/// A promotion's stacking in compact form: its group number, or exclusive.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gate {
    pub group: Option<u32>,
    pub exclusive: bool,
}

fn gates(promotions: &[Promotion]) -> Vec<Gate> {
    let mut names: HashMap<&str, u32> = HashMap::new();
    promotions
        .iter()
        .map(|p| match &p.rule.stacking {
            super::Stacking::Group(g) => {
                let next = names.len() as u32;
                let group = Some(*names.entry(g.as_str()).or_insert(next));
                Gate {
                    group,
                    exclusive: false,
                }
            }
            super::Stacking::Exclusive => Gate {
                group: None,
                exclusive: true,
            },
            super::Stacking::Stackable => Gate {
                group: None,
                exclusive: false,
            },
        })
        .collect()
}
