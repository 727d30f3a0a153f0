//! Criterion benchmark of pricing: a 20-line cart against 100, 1 000 and 10 000 active
//! promotions of a realistic mix (category, brand and SKU promotions, segment offers,
//! coupons and a few cart-wide ones) over a 50 000-SKU catalog. Prints p50/p99 of single
//! quotes at 10 000 promotions, the target (p99 ≤ 100 µs).

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::time::Instant;

use chrono::Utc;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use omni_domain::catalog::{BrandId, CategoryId};
use omni_domain::customers::Tier;
use omni_domain::offers::*;
use omni_kernel::{Channel, Currency};

const SKUS: usize = 50_000;

struct World {
    leaves: Vec<CategoryId>,
    parents: Vec<CategoryId>,
    brands: Vec<BrandId>,
    skus: rustc_hash::FxHashMap<String, SkuFacts>,
}

/// A small deterministic generator, so every run prices the same carts.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn world(r: &mut Lcg) -> World {
    let parents: Vec<CategoryId> = (0..20).map(|_| CategoryId::new()).collect();
    let leaves: Vec<CategoryId> = (0..200).map(|_| CategoryId::new()).collect();
    let brands: Vec<BrandId> = (0..40).map(|_| BrandId::new()).collect();
    let skus = (0..SKUS)
        .map(|i| {
            let leaf = r.next(leaves.len());
            let facts = SkuFacts {
                categories: vec![leaves[leaf], parents[leaf % parents.len()]],
                brand: Some(brands[r.next(brands.len())]),
                list_price: Some(10_000 + 100 * r.next(50_000) as i64),
            };
            (format!("SKU-{i:06}"), facts)
        })
        .collect();
    World {
        leaves,
        parents,
        brands,
        skus,
    }
}

fn promotion(r: &mut Lcg, w: &World, i: usize) -> Promotion {
    let mut conditions = Conditions::default();
    // The mix of a chain's promotion calendar: mostly product promotions on SKU sets,
    // then category and brand campaigns, personal (segment) offers and coupons, and a few
    // cart-wide rules.
    match r.next(1000) {
        0..550 => {
            conditions.target.skus = (0..1 + r.next(30))
                .map(|_| format!("SKU-{:06}", r.next(SKUS)))
                .collect()
        }
        550..750 => conditions.target.categories = vec![w.leaves[r.next(w.leaves.len())]],
        750..780 => conditions.target.categories = vec![w.parents[r.next(w.parents.len())]],
        780..860 => conditions.target.brands = vec![w.brands[r.next(w.brands.len())]],
        860..940 => conditions.audience.segments = vec![format!("seg_{}", r.next(300))],
        940..998 => conditions.coupon = true,
        _ => conditions.min_subtotal = Some(1_000_000),
    }
    let effect = match r.next(8) {
        0 => Effect::PercentOff {
            percent_bp: 500 + 100 * r.next(20) as i64,
        },
        1 => Effect::AmountOff { amount: 10_000 },
        2 => Effect::CartPercentOff { percent_bp: 300 },
        3 => Effect::BuyXGetY {
            buy: 2,
            get: 1,
            percent_bp: 10_000,
        },
        4 => Effect::NthItem {
            n: 3,
            percent_bp: 5_000,
        },
        5 => Effect::PointsMultiplier { factor_bp: 20_000 },
        6 => Effect::GiftPoints { points: 100 },
        _ => Effect::FixedPrice { price: 99_900 },
    };
    // Most promotions compete in one best-offer group per item; loyalty offers and
    // clearance have a group each; few stack freely or are exclusive.
    let stacking = match r.next(100) {
        0..80 => Stacking::Group("season".into()),
        80..88 => Stacking::Group("loyalty".into()),
        88..95 => Stacking::Group("clearance".into()),
        95..98 => Stacking::Stackable,
        _ => Stacking::Exclusive,
    };
    Promotion {
        id: PromotionId::new(),
        rule: PromotionDraft {
            name: format!("promo {i}"),
            reason: format!("promo {i}"),
            currency: Currency::Rub,
            priority: r.next(100) as i32,
            stacking,
            conditions,
            effect,
            limits: Limits::default(),
        },
    }
}

fn book(r: &mut Lcg, w: &World, n: usize) -> OfferBook {
    OfferBook::new(Rules {
        currency: Currency::Rub,
        time_zone: "Europe/Moscow".into(),
        price_lists: vec![],
        promotions: (0..n).map(|i| promotion(r, w, i)).collect(),
        usage: HashMap::new(),
        program: LoyaltyProgram::standard(Currency::Rub),
    })
}

fn carts(r: &mut Lcg, n: usize) -> Vec<Cart> {
    (0..n)
        .map(|_| Cart {
            currency: None,
            channel: Channel::Web,
            store: None,
            customer_id: None,
            lines: (0..20)
                .map(|_| CartLine {
                    sku: format!("SKU-{:06}", r.next(SKUS)),
                    quantity: 1 + r.next(3) as u32,
                })
                .collect(),
            coupons: vec![],
            burn_points: 0,
            delivery_fee: Some(29_900),
            at: None,
        })
        .collect()
}

fn pricing(c: &mut Criterion) {
    let mut r = Lcg(7);
    let w = world(&mut r);
    let carts = carts(&mut r, 256);
    let customer = CustomerFacts {
        tier: Tier::Gold,
        segments: vec!["seg_1".into(), "seg_42".into(), "seg_200".into()],
        first_order: false,
        points_available: 5_000,
        promotion_uses: BTreeMap::new(),
    };
    let none = BTreeMap::new();
    let now = Utc::now();
    let mut group = c.benchmark_group("quote a 20-line cart");
    for n in [100, 1_000, 10_000] {
        let b = book(&mut r, &w, n);
        let mut i = 0;
        group.bench_with_input(BenchmarkId::new("promotions", n), &b, |bench, b| {
            bench.iter(|| {
                i = (i + 1) % carts.len();
                b.quote(
                    black_box(&carts[i]),
                    |s| w.skus.get(s),
                    Some(&customer),
                    &none,
                    now,
                )
            })
        });
        if n == 10_000 {
            let mut times: Vec<u128> = (0..20_000)
                .map(|k| {
                    let t = Instant::now();
                    let q = b.quote(
                        &carts[k % carts.len()],
                        |s| w.skus.get(s),
                        Some(&customer),
                        &none,
                        now,
                    );
                    black_box(q.ok());
                    t.elapsed().as_nanos()
                })
                .collect();
            times.sort_unstable();
            let applied: usize = carts
                .iter()
                .filter_map(|c| {
                    b.quote(c, |s| w.skus.get(s), Some(&customer), &none, now)
                        .ok()
                })
                .map(|q| q.promotions.len())
                .sum();
            println!(
                "promotions applied per cart: {:.1}",
                applied as f64 / carts.len() as f64
            );
            let at = |p: f64| {
                times[((times.len() as f64 * p) as usize).min(times.len() - 1)] as f64 / 1000.0
            };
            println!(
                "10 000 promotions, 20-line cart: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
                at(0.5),
                at(0.99),
                at(1.0)
            );
        }
    }
    group.finish();
}

criterion_group!(benches, pricing);
criterion_main!(benches);
