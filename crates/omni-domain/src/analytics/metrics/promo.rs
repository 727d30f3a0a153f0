//! Promotion cost and uplift: what the discounts cost and whether baskets with a promoted
//! line are bigger than those without.
//!
//! Method. A *basket* is the purchase lines of one order (order level) or of one order in
//! one category (category level); it is *promoted* when any of its lines had a discount.
//! Uplift compares the average promoted basket with the average unpromoted one:
//! `uplift = (promoted units / promoted baskets) / (baseline units / baseline baskets) − 1`,
//! and the same with net value. Cost is the sum of `discount_minor` over every line of
//! the period (a return carrying a negative discount gives its share back).
//!
//! Limits — read the uplift as a correlation, not a causal effect: there is no randomised
//! control group, so promotions aimed at big spenders or bulky goods inflate it; it does
//! not see pull-forward (buying now what would have been bought later), cannibalisation
//! of other products, or halo on other categories; and the value uplift is net of the
//! discount itself, so a deep discount can lower it while units rise.

use serde::Serialize;

use super::by_order::ByOrder;
use super::{DayRange, div_round};
use crate::analytics::Dataset;

/// Promoted vs unpromoted baskets: counts, units and net value of each side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UpliftStats {
    pub promoted_baskets: u64,
    pub promoted_units: i64,
    pub promoted_net_minor: i64,
    pub baseline_baskets: u64,
    pub baseline_units: i64,
    pub baseline_net_minor: i64,
}

impl UpliftStats {
    fn add(&mut self, promoted: bool, units: i64, net_minor: i64) {
        if promoted {
            self.promoted_baskets += 1;
            self.promoted_units += units;
            self.promoted_net_minor += net_minor;
        } else {
            self.baseline_baskets += 1;
            self.baseline_units += units;
            self.baseline_net_minor += net_minor;
        }
    }

    /// Units per promoted basket over units per baseline basket, minus one, in basis points
    /// (`None` when either side is empty).
    pub fn units_uplift_bp(&self) -> Option<i64> {
        ratio_bp(
            self.promoted_units,
            self.promoted_baskets,
            self.baseline_units,
            self.baseline_baskets,
        )
    }

    /// Net value per promoted basket over that of a baseline basket, minus one, in bp.
    pub fn value_uplift_bp(&self) -> Option<i64> {
        ratio_bp(
            self.promoted_net_minor,
            self.promoted_baskets,
            self.baseline_net_minor,
            self.baseline_baskets,
        )
    }
}

/// `(a / an) / (b / bn) − 1` in basis points, rounded.
fn ratio_bp(a: i64, an: u64, b: i64, bn: u64) -> Option<i64> {
    let den = i128::from(an) * i128::from(b);
    if an == 0 || bn == 0 || den <= 0 {
        return None;
    }
    let num = 10_000 * (i128::from(a) * i128::from(bn) - den);
    Some(div_round(num, den) as i64)
}

/// One category's promotion cost and basket uplift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CategoryUplift {
    pub category: u32,
    pub cost_minor: i64,
    pub uplift: UpliftStats,
}

/// Promotion cost and uplift of a period, overall (order baskets) and per category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromoReport {
    pub range: DayRange,
    pub cost_minor: i64,
    /// Whole orders as baskets.
    pub orders: UpliftStats,
    /// Categories with a line in the period, by category key.
    pub by_category: Vec<CategoryUplift>,
}

/// Per-category accumulator of the order being walked.
#[derive(Clone, Copy, Default)]
struct Basket {
    stamp: u64,
    units: i64,
    net_minor: i64,
    promoted: bool,
}

/// Promotion cost and uplift over the lines whose day is in `range`.
pub fn promotion_uplift(ds: &Dataset, range: DayRange) -> PromoReport {
    let n = ds.categories.len();
    let mut rows = vec![(false, 0i64, UpliftStats::default()); n];
    let mut baskets = vec![Basket::default(); n];
    let mut touched: Vec<usize> = Vec::new();
    let mut orders = UpliftStats::default();
    let mut cost = 0i64;
    let grouped = ByOrder::build(ds, |s| range.contains(s.day));
    for (order, lines) in grouped.orders().enumerate() {
        let stamp = order as u64 + 1;
        let mut whole = Basket::default();
        touched.clear();
        for &i in lines {
            let s = &ds.sales[i as usize];
            let c = s.category as usize;
            if c >= rows.len() {
                rows.resize(c + 1, (false, 0, UpliftStats::default()));
                baskets.resize(c + 1, Basket::default());
            }
            rows[c].0 = true;
            rows[c].1 += s.discount_minor;
            cost += s.discount_minor;
            if s.quantity <= 0 {
                continue;
            }
            let b = &mut baskets[c];
            if b.stamp != stamp {
                *b = Basket {
                    stamp,
                    ..Basket::default()
                };
                touched.push(c);
            }
            for b in [b, &mut whole] {
                b.units += i64::from(s.quantity);
                b.net_minor += s.net_minor;
                b.promoted |= s.discount_minor > 0;
            }
        }
        for &c in &touched {
            let b = baskets[c];
            rows[c].2.add(b.promoted, b.units, b.net_minor);
        }
        if whole.units > 0 {
            orders.add(whole.promoted, whole.units, whole.net_minor);
        }
    }
    PromoReport {
        range,
        cost_minor: cost,
        orders,
        by_category: rows
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.0)
            .map(|(c, (_, cost_minor, uplift))| CategoryUplift {
                category: c as u32,
                cost_minor,
                uplift,
            })
            .collect(),
    }
}
