//! Recommendations from purchase history: "bought together" (items sharing orders) and
//! "similar customers bought" — item-based collaborative filtering over a customer's own
//! history, with the bestsellers for a customer the model knows nothing about.
//!
//! Everything a query needs is precomputed: each item's top neighbours over order baskets
//! and over customer histories. A personal query sums, for every item the customer
//! bought, the similarities of its neighbours — a few hundred additions into a reused
//! per-thread score array — so it answers in microseconds and allocates only its result.
//! New orders update the counts in place and recompute only the neighbour lists they change.

use std::cell::RefCell;

use serde::Serialize;

use super::cooccur::CoCounts;
use crate::analytics::Sale;

/// How much the recommender remembers and how strict it is about evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecommenderConfig {
    /// Neighbours kept per item: the width of every query's candidate set.
    pub neighbours: usize,
    /// Shared baskets two items need before one may be recommended for the other, so that a
    /// single odd order does not become a "bought together" suggestion.
    pub min_support: u32,
    /// Distinct items of one order that count as pairs (a 300-line B2B order would add
    /// 45 000 pairs of little meaning).
    pub max_basket: usize,
    /// A customer's first `max_history` distinct items feed item similarity, and their last
    /// `max_history` drive their recommendations — bounding both costs for heavy buyers.
    pub max_history: usize,
    /// How much "bought together" discounts bestsellers: 0.5 is the cosine (an accessory
    /// bought with this item rather than the bread everyone buys).
    pub together_damping: f64,
    /// The same for "similar customers bought": lower, because a customer's next purchase
    /// is often simply popular among people like them (0 is P(item | owned item)).
    pub alike_damping: f64,
}

impl Default for RecommenderConfig {
    fn default() -> Self {
        Self {
            neighbours: 50,
            min_support: 2,
            max_basket: 40,
            max_history: 50,
            together_damping: 0.5,
            alike_damping: 0.2,
        }
    }
}

/// Why an item is suggested — the console says "because you bought…" or "popular".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Customers who bought the customer's items also bought this.
    SimilarCustomers,
    /// It shares orders with the item asked about.
    BoughtTogether,
    /// A bestseller, filling in when history says too little.
    Popular,
}

/// One suggested SKU (dense key) with its score; scores compare within one answer only.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recommendation {
    pub sku: u32,
    pub score: f32,
    pub source: Source,
}

/// What an [`Recommender::add_orders`] call changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Refresh {
    /// Orders (baskets) read.
    pub orders: usize,
    /// Neighbour lists recomputed (bought-together plus customer-based).
    pub lists_recomputed: usize,
}

/// The trained recommender: co-occurrence counts, neighbour lists, customer histories and
/// the bestseller ranking. Purchase lines (`quantity > 0`) count; returns are ignored.
#[derive(Debug, Clone, Default)]
pub struct Recommender {
    config: RecommenderConfig,
    /// Co-occurrence within one order.
    together: CoCounts,
    /// Co-occurrence within one customer's history; its support is an item's buyers.
    alike: CoCounts,
    /// Distinct SKUs per customer, in the order first bought.
    history: Vec<Vec<u32>>,
    /// Every item by buyers, most first (ties by SKU).
    popular: Vec<u32>,
}

#[derive(Default)]
struct Scratch {
    /// Per SKU: accumulated score, or −∞ for an item the customer owns or already got.
    score: Vec<f32>,
    touched: Vec<u32>,
    candidates: Vec<(u32, f32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Recommender {
    /// An empty recommender (every answer is empty until orders are added).
    pub fn new(config: RecommenderConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Trains on `sales` — the same as [`new`](Self::new) then [`add_orders`](Self::add_orders).
    pub fn build(sales: &[Sale], config: RecommenderConfig) -> Self {
        let mut r = Self::new(config);
        r.add_orders(sales);
        r
    }

    /// Adds orders: every line of an order must come in the same call (an order is one
    /// basket), and calls should follow time, since a customer's history keeps purchase
    /// order. Building on all at once or day by day gives the same neighbour lists.
    pub fn add_orders(&mut self, sales: &[Sale]) -> Refresh {
        let mut lines: Vec<(u32, u32, u32, u32)> = sales
            .iter()
            .filter(|s| s.quantity > 0)
            .map(|s| (s.day, s.order, s.sku, s.customer))
            .collect();
        lines.sort_unstable();
        lines.dedup();
        let mut orders = 0;
        let mut basket = Vec::new();
        for order in lines.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            basket.clear();
            basket.extend(order.iter().map(|l| l.2).take(self.config.max_basket));
            self.add_basket(order[0].3, &basket);
            orders += 1;
        }
        let keep = self.config.neighbours;
        let min = self.config.min_support;
        let lists_recomputed = self
            .together
            .refresh(keep, min, self.config.together_damping)
            + self.alike.refresh(keep, min, self.config.alike_damping);
        self.rank_popular();
        Refresh {
            orders,
            lists_recomputed,
        }
    }

    /// One order's distinct SKUs (sorted) for `customer`.
    fn add_basket(&mut self, customer: u32, basket: &[u32]) {
        for (i, &a) in basket.iter().enumerate() {
            self.together.add_item(a);
            for &b in &basket[..i] {
                self.together.add_pair(a, b);
            }
        }
        let c = customer as usize;
        if self.history.len() <= c {
            self.history.resize_with(c + 1, Vec::new);
        }
        for &sku in basket {
            let history = &mut self.history[c];
            if history.contains(&sku) {
                continue;
            }
            self.alike.add_item(sku);
            if history.len() < self.config.max_history {
                for &other in history.iter() {
                    self.alike.add_pair(sku, other);
                }
            }
            history.push(sku);
        }
    }

    fn rank_popular(&mut self) {
        let buyers = &self.alike.support;
        self.popular = (0..buyers.len() as u32)
            .filter(|&i| buyers[i as usize] > 0)
            .collect();
        self.popular
            .sort_unstable_by(|&a, &b| buyers[b as usize].cmp(&buyers[a as usize]).then(a.cmp(&b)));
    }

    /// The customer's `k` best suggestions: items similar to what they bought, minus what
    /// they already have, topped up with bestsellers (all bestsellers for a cold customer).
    pub fn for_customer(&self, customer: u32, k: usize) -> Vec<Recommendation> {
        self.recommend(customer, k, true)
    }

    /// The popularity baseline for a customer: the `k` bestsellers they do not own yet.
    pub fn popular_for(&self, customer: u32, k: usize) -> Vec<Recommendation> {
        self.recommend(customer, k, false)
    }

    /// Up to `k` items most often in the same order as `sku`, best first.
    pub fn bought_together(&self, sku: u32, k: usize) -> Vec<Recommendation> {
        self.together
            .neighbours(sku)
            .iter()
            .take(k)
            .map(|&(sku, score)| Recommendation {
                sku,
                score,
                source: Source::BoughtTogether,
            })
            .collect()
    }

    /// The distinct SKUs `customer` bought, in the order first bought.
    pub fn history(&self, customer: u32) -> &[u32] {
        self.history
            .get(customer as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Orders containing both SKUs.
    pub fn orders_with_both(&self, a: u32, b: u32) -> u32 {
        self.together.count(a, b)
    }

    /// Customers who bought both SKUs (within their first `max_history` items).
    pub fn customers_with_both(&self, a: u32, b: u32) -> u32 {
        self.alike.count(a, b)
    }

    fn recommend(&self, customer: u32, k: usize, personal: bool) -> Vec<Recommendation> {
        let mut out = Vec::with_capacity(k);
        if k == 0 {
            return out;
        }
        let history = self.history(customer);
        SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let s = &mut *guard;
            if s.score.len() < self.alike.items() {
                s.score.resize(self.alike.items(), 0.0);
            }
            for &owned in history {
                s.score[owned as usize] = f32::NEG_INFINITY;
                s.touched.push(owned);
            }
            if personal {
                let recent = &history[history.len().saturating_sub(self.config.max_history)..];
                for &item in recent {
                    for &(n, sim) in self.alike.neighbours(item) {
                        let slot = &mut s.score[n as usize];
                        if *slot == 0.0 {
                            s.touched.push(n);
                        }
                        *slot += sim;
                    }
                }
                self.best(s, k, &mut out);
            }
            for &sku in &self.popular {
                if out.len() == k {
                    break;
                }
                if s.score[sku as usize] == 0.0 {
                    out.push(Recommendation {
                        sku,
                        score: self.alike.support[sku as usize] as f32,
                        source: Source::Popular,
                    });
                }
            }
            for &t in &s.touched {
                s.score[t as usize] = 0.0;
            }
            s.touched.clear();
        });
        out
    }

    /// Moves the `k` best scored candidates into `out`, best first. The rest keep a positive
    /// score, so the bestseller top-up skips them too (it only runs when fewer than `k` exist).
    fn best(&self, s: &mut Scratch, k: usize, out: &mut Vec<Recommendation>) {
        s.candidates.clear();
        for &t in &s.touched {
            let score = s.score[t as usize];
            if score > 0.0 {
                s.candidates.push((t, score));
            }
        }
        let better = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if s.candidates.len() > k {
            s.candidates.select_nth_unstable_by(k - 1, better);
            s.candidates.truncate(k);
        }
        s.candidates.sort_unstable_by(better);
        out.extend(s.candidates.iter().map(|&(sku, score)| Recommendation {
            sku,
            score,
            source: Source::SimilarCustomers,
        }));
    }

    /// Whether every neighbour list reflects every order added (tests).
    #[cfg(test)]
    pub(crate) fn is_fresh(&self) -> bool {
        self.together.is_fresh() && self.alike.is_fresh()
    }

    /// Every item's bought-together and customer-based neighbour lists, for comparing an
    /// incremental build with a full one (tests).
    #[cfg(test)]
    pub(crate) fn lists(&self) -> Vec<[Vec<(u32, f32)>; 2]> {
        (0..self.alike.items().max(self.together.items()) as u32)
            .map(|i| {
                [
                    self.together.neighbours(i).to_vec(),
                    self.alike.neighbours(i).to_vec(),
                ]
            })
            .collect()
    }
}
