//! Offline evaluation of the recommender on a time-based held-out split: train on every sale
//! before day `D`, then ask for each customer's top k and compare with the new items they
//! actually bought from `D` on — against the bestseller baseline asked the same way.

use serde::Serialize;

use super::quality::{precision_at_k, recall_at_k};
use super::recommend::{Recommender, RecommenderConfig};
use crate::analytics::Sale;

/// Precision and recall at k averaged over the evaluated customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RankingQuality {
    pub precision: f64,
    pub recall: f64,
}

/// The recommender and the popularity baseline over the same customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Comparison {
    /// Customers averaged over.
    pub customers: usize,
    pub recommender: RankingQuality,
    pub popularity: RankingQuality,
}

/// The recommender against the popularity baseline on the same held-out purchases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RecommenderEvaluation {
    pub k: usize,
    /// First day of the held-out period.
    pub split_day: u32,
    /// Every customer who bought something new from `split_day` on.
    pub all: Comparison,
    /// Those of them with purchases before `split_day` — where personalisation can act (a
    /// cold customer gets the bestsellers from both).
    pub warm: Comparison,
}

/// The first day of the latest `share` of purchase lines: the split that holds out the most
/// recent part of the history (`u32::MAX`, nothing held out, without purchases).
pub fn recent_split_day(sales: &[Sale], share: f64) -> u32 {
    let days = sales.iter().filter(|s| s.quantity > 0).map(|s| s.day);
    start_of_latest(days.collect(), share)
}

/// The day from which the latest `share` of `days` lie (`u32::MAX` when empty).
pub(crate) fn start_of_latest(mut days: Vec<u32>, share: f64) -> u32 {
    days.sort_unstable();
    let cut = ((days.len() as f64) * (1.0 - share.clamp(0.0, 1.0))).floor() as usize;
    days.get(cut).copied().unwrap_or(u32::MAX)
}

/// Each customer's held-out purchases: distinct SKUs bought on or after the split day that
/// they had not bought before it (re-buying what they own is not what a recommender finds;
/// it never suggests owned items). Sorted by customer, SKUs sorted.
pub fn held_out_purchases(sales: &[Sale], split_day: u32) -> Vec<(u32, Vec<u32>)> {
    let mut before: Vec<(u32, u32)> = Vec::new();
    let mut after: Vec<(u32, u32)> = Vec::new();
    for s in sales.iter().filter(|s| s.quantity > 0) {
        let pair = (s.customer, s.sku);
        if s.day < split_day {
            before.push(pair);
        } else {
            after.push(pair);
        }
    }
    before.sort_unstable();
    before.dedup();
    after.sort_unstable();
    after.dedup();
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    for pair in after {
        if before.binary_search(&pair).is_ok() {
            continue;
        }
        match out.last_mut() {
            Some((c, skus)) if *c == pair.0 => skus.push(pair.1),
            _ => out.push((pair.0, vec![pair.1])),
        }
    }
    out
}

/// Trains a recommender on the sales before `split_day` and scores its top `k` and the
/// bestsellers' top `k` against every customer's held-out purchases.
pub fn evaluate_recommender(
    sales: &[Sale],
    split_day: u32,
    k: usize,
    config: RecommenderConfig,
) -> RecommenderEvaluation {
    let train: Vec<Sale> = sales
        .iter()
        .filter(|s| s.day < split_day)
        .copied()
        .collect();
    let recommender = Recommender::build(&train, config);
    drop(train);
    let held_out = held_out_purchases(sales, split_day);
    let (mut all, mut warm) = (Comparison::default(), Comparison::default());
    let mut skus = Vec::with_capacity(k);
    for (customer, relevant) in &held_out {
        let is_warm = !recommender.history(*customer).is_empty();
        for (pick, list) in [
            (0, recommender.for_customer(*customer, k)),
            (1, recommender.popular_for(*customer, k)),
        ] {
            skus.clear();
            skus.extend(list.iter().map(|r| r.sku));
            let precision = precision_at_k(&skus, relevant, k);
            let recall = recall_at_k(&skus, relevant, k);
            for (c, counts) in [(&mut all, true), (&mut warm, is_warm)] {
                if counts {
                    let q = if pick == 0 {
                        &mut c.recommender
                    } else {
                        &mut c.popularity
                    };
                    q.precision += precision;
                    q.recall += recall;
                }
            }
        }
        all.customers += 1;
        warm.customers += usize::from(is_warm);
    }
    for c in [&mut all, &mut warm] {
        let n = c.customers.max(1) as f64;
        for q in [&mut c.recommender, &mut c.popularity] {
            q.precision /= n;
            q.recall /= n;
        }
    }
    RecommenderEvaluation {
        k,
        split_day,
        all,
        warm,
    }
}
