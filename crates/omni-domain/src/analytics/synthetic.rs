//! A deterministic synthetic chain history for analytics tests, benchmarks and model
//! evaluation: two years (2023–2024) of sales with the structure real ones have, so a
//! recommender, a cart model or a forecast has something true to find — and a known
//! answer to be checked against.
//!
//! What is in it, and why:
//! - 20 latent *taste groups*; each prefers 3 of the 40 categories (weight ×6) and a random
//!   3 % of all SKUs (×8), on top of a Zipf-like global popularity (weight `1/rank^0.9`), so
//!   "customers like you bought" beats "everyone bought";
//! - purchases as a thinned Poisson process per customer: a log-normal rate, an
//!   exponential lifetime (mean 500 days) and a weekly × yearly seasonality (weekends up,
//!   a December peak); about 4 orders and 10 lines per customer on average;
//! - a first-channel mix (web 34 %, POS 30 %, app 24 %, …) with purchase rates differing
//!   by first channel (app ×1.25 … call center ×0.75), and 35 % of customers adopting a
//!   second channel later (store customers move to the app or web and vice versa) and
//!   buying 1.4 × as often from then on — so multi-channel customers are worth more;
//! - returns of ~3 % of lines (1–28 days later, negative quantity and value);
//! - promotions on ~20 % of lines (10–30 % off) that add a unit 45 % of the time: a real
//!   uplift for the uplift report to find;
//! - ~1 abandoned cart per 3 customers (and some anonymous ones) whose `bought` outcome
//!   follows a logistic function of value, offer, prior orders, recency, hour and
//!   anonymity — see [`cart_logit`];
//! - survey answers after ~10 % of orders, shifted by channel and by a per-customer mood.
//!
//! The generator uses an inline splitmix64, so a `(customers, seed)` pair always yields the
//! same dataset on every platform, with no `rand` dependency.

use omni_kernel::Channel;

use super::metrics::ChannelGroup;
use super::{AbandonedCart, Dataset, Sale, SurveyAnswer};

/// The first day of the history: 2023-01-01.
pub const FIRST_DAY: u32 = 19_358;
/// The last day of the history: 2024-12-31.
pub const LAST_DAY: u32 = 20_088;
/// Latent taste groups customers are drawn from.
pub const TASTE_GROUPS: u32 = 20;
/// Categories; SKU `s` is in category `s % CATEGORIES`.
pub const CATEGORIES: u32 = 40;

const FIRST_CHANNEL_MIX: [(Channel, u32); 8] = [
    (Channel::Web, 34),
    (Channel::MobileApp, 24),
    (Channel::Pos, 30),
    (Channel::AssociateApp, 3),
    (Channel::CallCenter, 3),
    (Channel::Kiosk, 2),
    (Channel::Messenger, 3),
    (Channel::Chatbot, 1),
];
/// Mean orders per day of an average customer: ~3 repeat orders over an average active
/// span of ~237 days.
const MEAN_RATE: f64 = 0.0118;
const MEAN_LIFETIME_DAYS: f64 = 500.0;
const MAX_SEASON: f64 = 1.76;

/// `customers` customers' two years of sales, carts and survey answers, fully determined
/// by `(customers, seed)`. About 10 sales lines per customer; sales are grouped by
/// customer, orders numbered densely in generation order.
pub fn generate(customers: u32, seed: u64) -> Dataset {
    let mut rng = Rng(seed ^ 0x5eed_0f0e_a11a_1e55);
    let catalog = Catalog::new(customers, &mut rng);
    let stores = (customers / 5_000).clamp(5, 300);
    let n = customers as usize;
    let mut g = Generator {
        catalog,
        season: Season::new(),
        stores,
        next_order: 0,
        order_days: Vec::new(),
        ds: Dataset {
            currency: "RUB".to_owned(),
            customers: (0..customers).map(|c| format!("cus_{c:07}")).collect(),
            skus: Vec::new(),
            categories: (0..CATEGORIES)
                .map(|c| format!("category_{c:02}"))
                .collect(),
            stores: (0..stores).map(|s| format!("store_{s:03}")).collect(),
            sales: Vec::with_capacity(n * 11),
            carts: Vec::with_capacity(n * 36 / 100),
            surveys: Vec::with_capacity(n / 2),
        },
    };
    g.ds.skus = (0..g.catalog.skus).map(|s| format!("SKU{s:06}")).collect();
    for c in 0..customers {
        // One stream per customer: the same customer looks the same at any dataset size.
        let mut rng = Rng(seed.wrapping_add(u64::from(c).wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        g.customer(c, &mut rng);
    }
    g.ds
}

/// The log-odds that an abandoned cart is bought within 7 days: the ground truth a cart
/// model should recover. `value_minor` in kopecks (1 000 RUB = 100 000).
pub fn cart_logit(
    value_minor: i64,
    had_offer: bool,
    prior_orders: u32,
    recency_days: u32,
    hour: u8,
    anonymous: bool,
) -> f64 {
    0.3 + 0.9 * f64::from(u8::from(had_offer)) - 0.6 * (value_minor.max(1) as f64 / 100_000.0).ln()
        + 0.25 * f64::from(prior_orders.min(8))
        - 0.006 * f64::from(recency_days.min(365))
        + 0.2 * f64::from(u8::from(hour >= 19))
        - 0.8 * f64::from(u8::from(anonymous))
}

struct Generator {
    catalog: Catalog,
    season: Season,
    stores: u32,
    next_order: u32,
    /// The current customer's order days, ascending (reused across customers).
    order_days: Vec<u32>,
    ds: Dataset,
}

/// What stays fixed for one customer while their orders are drawn.
struct Profile {
    customer: u32,
    group: u32,
    home: u32,
    first_channel: Channel,
    second: Option<(Channel, u32)>,
    mood: f64,
}

impl Generator {
    fn customer(&mut self, customer: u32, rng: &mut Rng) {
        let first_channel = pick(&FIRST_CHANNEL_MIX, rng);
        let first_day = self.season.sample_day(FIRST_DAY, LAST_DAY, rng);
        let rate = (MEAN_RATE * channel_rate(first_channel) * (rng.normal() - 0.5).exp()).min(0.3);
        let end = LAST_DAY.min(first_day + rng.exp(MEAN_LIFETIME_DAYS) as u32);
        let p = Profile {
            customer,
            group: rng.below(TASTE_GROUPS),
            home: rng.below(self.stores),
            first_channel,
            second: rng.chance(0.35).then(|| {
                (
                    second_channel(first_channel, rng),
                    first_day + rng.exp(120.0) as u32,
                )
            }),
            mood: 1.3 * rng.normal(),
        };
        self.order_days.clear();
        let mut day = f64::from(first_day);
        'orders: loop {
            self.order(&p, day as u32, rng);
            // Customers who add a channel buy more from then on.
            let rate = match p.second {
                Some((_, from)) if day >= f64::from(from) => rate * 1.4,
                _ => rate,
            };
            loop {
                day += rng.exp(1.0 / (rate * MAX_SEASON));
                if day as u32 > end {
                    break 'orders;
                }
                if rng.f64() * MAX_SEASON < self.season.factor(day as u32) {
                    break;
                }
            }
        }
        if rng.chance(0.30) {
            let day = first_day + rng.below(LAST_DAY - first_day + 1);
            self.cart(Some(&p), day, rng);
        }
        if rng.chance(0.04) {
            let day = self.season.sample_day(FIRST_DAY, LAST_DAY, rng);
            self.cart(None, day, rng);
        }
    }

    fn order(&mut self, p: &Profile, day: u32, rng: &mut Rng) {
        let order = self.next_order;
        self.next_order += 1;
        self.order_days.push(day);
        let channel = match p.second {
            Some((second, from)) if day >= from && rng.chance(0.5) => second,
            _ => p.first_channel,
        };
        let store = match ChannelGroup::of(channel) {
            ChannelGroup::Store if rng.chance(0.9) => Some(p.home),
            ChannelGroup::Store => Some(rng.below(self.stores)),
            ChannelGroup::Online if rng.chance(0.3) => Some(p.home),
            ChannelGroup::Online => None,
        };
        let lines = 1 + rng.poisson_1_5().min(7);
        for _ in 0..lines {
            let sku = self.catalog.sample(p.group, rng);
            let promoted = rng.chance(0.2);
            let mut quantity = match rng.below(100) {
                0..78 => 1,
                78..94 => 2,
                _ => 3,
            };
            if promoted && rng.chance(0.45) {
                quantity += 1;
            }
            let gross = self.catalog.price[sku as usize] * i64::from(quantity);
            let discount = if promoted {
                gross * i64::from(10 + 5 * rng.below(5)) / 100
            } else {
                0
            };
            let sale = Sale {
                customer: p.customer,
                order,
                day,
                channel,
                store,
                sku,
                category: sku % CATEGORIES,
                quantity,
                net_minor: gross - discount,
                discount_minor: discount,
            };
            self.ds.sales.push(sale);
            if rng.chance(0.03) {
                let back = day + 1 + rng.below(28);
                if back <= LAST_DAY {
                    self.ds.sales.push(Sale {
                        day: back,
                        quantity: -quantity,
                        net_minor: -sale.net_minor,
                        discount_minor: -discount,
                        ..sale
                    });
                }
            }
        }
        if rng.chance(0.1) {
            let bias = match channel {
                Channel::Pos => 0.4,
                Channel::AssociateApp => 0.8,
                Channel::MobileApp => 0.2,
                Channel::Web | Channel::Messenger => 0.0,
                Channel::Kiosk => -0.2,
                Channel::CallCenter => -0.5,
                Channel::Chatbot => -0.6,
            };
            let score = (7.4 + p.mood + bias + 1.2 * rng.normal()).round();
            self.ds.surveys.push(SurveyAnswer {
                customer: p.customer,
                day: day + 1 + rng.below(3),
                channel,
                score: score.clamp(0.0, 10.0) as u8,
            });
        }
    }

    fn cart(&mut self, p: Option<&Profile>, day: u32, rng: &mut Rng) {
        let channel = match p.map(|p| p.first_channel) {
            Some(c) if ChannelGroup::of(c) == ChannelGroup::Online => c,
            _ if rng.chance(0.6) => Channel::Web,
            _ => Channel::MobileApp,
        };
        let group = p.map_or_else(|| rng.below(TASTE_GROUPS), |p| p.group);
        let units = 1 + rng.below(5);
        let value_minor = (0..units)
            .map(|_| self.catalog.price[self.catalog.sample(group, rng) as usize])
            .sum();
        let hour = (if rng.chance(0.4) {
            19 + rng.below(5)
        } else {
            8 + rng.below(11)
        }) as u8;
        let had_offer = rng.chance(0.25);
        let (prior, recency) = match p {
            Some(_) => {
                let prior = self.order_days.partition_point(|&d| d < day);
                let recency = if prior > 0 {
                    day - self.order_days[prior - 1]
                } else {
                    365
                };
                (prior as u32, recency)
            }
            None => (0, 365),
        };
        let logit = cart_logit(value_minor, had_offer, prior, recency, hour, p.is_none());
        self.ds.carts.push(AbandonedCart {
            customer: p.map(|p| p.customer),
            day,
            hour,
            channel,
            units,
            value_minor,
            had_offer,
            bought: rng.f64() < 1.0 / (1.0 + (-logit).exp()),
        });
    }
}

/// How often customers won by a channel buy, relative to the average: app users buy most,
/// call-center and chatbot customers least.
fn channel_rate(first: Channel) -> f64 {
    match first {
        Channel::MobileApp => 1.25,
        Channel::AssociateApp => 1.15,
        Channel::Pos => 1.0,
        Channel::Web | Channel::Kiosk => 0.9,
        Channel::Messenger => 0.85,
        Channel::CallCenter | Channel::Chatbot => 0.75,
    }
}

/// The channel a customer adds later: store customers go digital, digital ones visit.
fn second_channel(first: Channel, rng: &mut Rng) -> Channel {
    match (ChannelGroup::of(first), rng.below(100)) {
        (ChannelGroup::Store, 0..55) => Channel::MobileApp,
        (ChannelGroup::Store, _) => Channel::Web,
        (ChannelGroup::Online, 0..80) => Channel::Pos,
        (ChannelGroup::Online, _) if first == Channel::Web => Channel::MobileApp,
        (ChannelGroup::Online, _) => Channel::Web,
    }
}

fn pick(mix: &[(Channel, u32)], rng: &mut Rng) -> Channel {
    let total: u32 = mix.iter().map(|m| m.1).sum();
    let mut x = rng.below(total);
    for &(c, w) in mix {
        if x < w {
            return c;
        }
        x -= w;
    }
    mix[0].0
}

/// SKU prices and, per taste group, the cumulative weights SKUs are drawn with.
struct Catalog {
    skus: u32,
    price: Vec<i64>,
    /// `TASTE_GROUPS × skus`, row-major.
    cdf: Vec<f64>,
}

impl Catalog {
    fn new(customers: u32, rng: &mut Rng) -> Self {
        let skus = (customers / 50).clamp(400, 20_000);
        let mut rank: Vec<u32> = (0..skus).collect();
        for i in (1..rank.len()).rev() {
            rank.swap(i, rng.below(i as u32 + 1) as usize);
        }
        let popularity: Vec<f64> = rank
            .iter()
            .map(|&r| (f64::from(r) + 1.0).powf(-0.9))
            .collect();
        let level: Vec<f64> = (0..CATEGORIES)
            .map(|_| (150f64.ln() + rng.f64() * (4_000f64 / 150.0).ln()).exp())
            .collect();
        let price = (0..skus)
            .map(|s| {
                let rub = level[(s % CATEGORIES) as usize] * (0.4 * rng.normal()).exp();
                rub.round().max(30.0) as i64 * 100
            })
            .collect();
        let mut cdf = Vec::with_capacity((TASTE_GROUPS * skus) as usize);
        for _ in 0..TASTE_GROUPS {
            let mut favourite = [false; CATEGORIES as usize];
            while favourite.iter().filter(|&&f| f).count() < 3 {
                favourite[rng.below(CATEGORIES) as usize] = true;
            }
            let mut sum = 0.0;
            for s in 0..skus {
                let category = if favourite[(s % CATEGORIES) as usize] {
                    6.0
                } else {
                    1.0
                };
                let taste = if rng.chance(0.03) { 8.0 } else { 1.0 };
                sum += popularity[s as usize] * category * taste;
                cdf.push(sum);
            }
        }
        Self { skus, price, cdf }
    }

    /// A SKU drawn with the group's weights.
    fn sample(&self, group: u32, rng: &mut Rng) -> u32 {
        let n = self.skus as usize;
        let row = &self.cdf[group as usize * n..(group as usize + 1) * n];
        let x = rng.f64() * row[n - 1];
        row.partition_point(|&c| c <= x).min(n - 1) as u32
    }
}

/// Relative purchase intensity per day: weekday × time of year, tabulated.
struct Season(Vec<f64>);

impl Season {
    fn new() -> Self {
        // Monday first; 1970-01-01 was a Thursday.
        const WEEK: [f64; 7] = [0.85, 0.85, 0.9, 0.95, 1.1, 1.35, 1.0];
        Self(
            (FIRST_DAY..=LAST_DAY)
                .map(|d| {
                    let phase = (f64::from(d) / 365.2425).fract() - 0.97;
                    WEEK[((d + 3) % 7) as usize]
                        * (1.0 + 0.3 * (std::f64::consts::TAU * phase).cos())
                })
                .collect(),
        )
    }

    fn factor(&self, day: u32) -> f64 {
        self.0
            .get(day.wrapping_sub(FIRST_DAY) as usize)
            .copied()
            .unwrap_or(1.0)
    }

    /// A day in `from..=to` drawn with the seasonal weights (rejection sampling).
    fn sample_day(&self, from: u32, to: u32, rng: &mut Rng) -> u32 {
        loop {
            let d = from + rng.below(to - from + 1);
            if rng.f64() * MAX_SEASON < self.factor(d) {
                return d;
            }
        }
    }
}

/// splitmix64: tiny, fast, and good enough for simulation (the model tests draw from it too).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }

    /// Standard normal (Box–Muller, one of the pair).
    pub(crate) fn normal(&mut self) -> f64 {
        let u = 1.0 - self.f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.f64()).cos()
    }

    /// Poisson with mean 1.5 (Knuth's product method).
    fn poisson_1_5(&mut self) -> u32 {
        let limit = (-1.5f64).exp();
        let (mut k, mut p) = (0, self.f64());
        while p > limit {
            k += 1;
            p *= self.f64();
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_dataset_other_seed_other_dataset() {
        let (a, b, c) = (generate(300, 7), generate(300, 7), generate(300, 8));
        assert_eq!(a.sales, b.sales);
        assert_eq!(a.carts, b.carts);
        assert_eq!(a.surveys, b.surveys);
        assert_eq!(a.skus, b.skus);
        assert_ne!(a.sales, c.sales);
    }

    #[test]
    fn the_history_has_the_documented_shape() {
        let customers = 5_000;
        let ds = generate(customers, 42);
        let purchases: Vec<&Sale> = ds.sales.iter().filter(|s| s.quantity > 0).collect();
        let per_customer = ds.sales.len() as f64 / f64::from(customers);
        assert!(
            (8.0..12.5).contains(&per_customer),
            "{per_customer} lines per customer"
        );
        let returns = (ds.sales.len() - purchases.len()) as f64 / purchases.len() as f64;
        assert!((0.02..0.04).contains(&returns), "{returns} returns");
        let promoted: Vec<&&Sale> = purchases.iter().filter(|s| s.discount_minor > 0).collect();
        let share = promoted.len() as f64 / purchases.len() as f64;
        assert!((0.17..0.23).contains(&share), "{share} promoted");
        let units =
            |l: &[&Sale]| l.iter().map(|s| f64::from(s.quantity)).sum::<f64>() / l.len() as f64;
        let promoted: Vec<&Sale> = promoted.into_iter().copied().collect();
        let plain: Vec<&Sale> = purchases
            .iter()
            .copied()
            .filter(|s| s.discount_minor == 0)
            .collect();
        assert!(
            units(&promoted) > units(&plain) + 0.3,
            "promotions lift units"
        );
        assert!(
            ds.sales
                .iter()
                .all(|s| (FIRST_DAY..=LAST_DAY).contains(&s.day)
                    && s.customer < customers
                    && (s.sku as usize) < ds.skus.len()
                    && s.category == s.sku % CATEGORIES
                    && s.store.is_none_or(|k| (k as usize) < ds.stores.len()))
        );
        let carts = ds.carts.len() as f64 / f64::from(customers);
        assert!((0.28..0.40).contains(&carts), "{carts} carts per customer");
        let orders = purchases.iter().map(|s| s.order).max().map_or(0, |o| o + 1);
        let surveys = ds.surveys.len() as f64 / f64::from(orders);
        assert!(
            (0.08..0.12).contains(&surveys),
            "{surveys} surveys per order"
        );
        assert!(ds.surveys.iter().all(|a| a.score <= 10));
    }

    #[test]
    fn cart_outcomes_follow_their_features() {
        let ds = generate(20_000, 1);
        let rate = |offer: bool| {
            let c: Vec<_> = ds.carts.iter().filter(|c| c.had_offer == offer).collect();
            c.iter().filter(|c| c.bought).count() as f64 / c.len() as f64
        };
        assert!(
            rate(true) > rate(false) + 0.1,
            "{} vs {}",
            rate(true),
            rate(false)
        );
        let anonymous: Vec<_> = ds.carts.iter().filter(|c| c.customer.is_none()).collect();
        assert!(!anonymous.is_empty());
    }

    #[test]
    fn weekends_and_december_sell_more() {
        let ds = generate(5_000, 3);
        let mut weekday = [0u32; 7];
        let mut month = [0u32; 12];
        for s in ds.sales.iter().filter(|s| s.quantity > 0) {
            weekday[((s.day + 3) % 7) as usize] += 1;
            month[(crate::analytics::metrics::month_index(s.day) % 12) as usize] += 1;
        }
        assert!(weekday[5] > weekday[1] * 5 / 4, "{weekday:?}");
        assert!(month[11] > month[5], "{month:?}");
    }
}
