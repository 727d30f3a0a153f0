//! Every condition and effect, stacking and exclusivity, and the no-kopeck-lost rule.

use std::collections::{BTreeMap, HashMap};

use chrono::{TimeZone, Utc};
use omni_kernel::{Channel, Currency, LocationId, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::catalog::{BrandId, CategoryId};
use crate::customers::Tier;

pub(super) struct Fixture {
    pub(super) sport: CategoryId,
    pub(super) shoes: CategoryId,
    pub(super) tees: CategoryId,
    pub(super) vacuums: CategoryId,
    pub(super) brand: BrandId,
    pub(super) skus: HashMap<String, SkuFacts>,
}

pub(super) fn fixture() -> Fixture {
    let (sport, shoes, tees, vacuums) = (
        CategoryId::new(),
        CategoryId::new(),
        CategoryId::new(),
        CategoryId::new(),
    );
    let brand = BrandId::new();
    let facts = |cats: Vec<CategoryId>, brand: Option<BrandId>, price: i64| SkuFacts {
        categories: cats,
        brand,
        list_price: Some(price),
    };
    let skus = HashMap::from([
        (
            "S1".to_owned(),
            facts(vec![shoes, sport], Some(brand), 100_000),
        ),
        ("S2".to_owned(), facts(vec![shoes, sport], None, 500_000)),
        (
            "T1".to_owned(),
            facts(vec![tees, sport], Some(brand), 150_000),
        ),
        ("V1".to_owned(), facts(vec![vacuums], None, 2_000_000)),
    ]);
    Fixture {
        sport,
        shoes,
        tees,
        vacuums,
        brand,
        skus,
    }
}

/// Wednesday 2026-12-02 12:00 Moscow.
pub(super) fn noon() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0)
        .single()
        .expect("valid")
}

pub(super) fn promo(name: &str, effect: Effect) -> Promotion {
    Promotion {
        id: PromotionId::new(),
        rule: PromotionDraft {
            name: name.into(),
            reason: format!("{name} reason"),
            currency: Currency::Rub,
            priority: 0,
            stacking: Stacking::Stackable,
            conditions: Conditions::default(),
            effect,
            limits: Limits::default(),
        },
    }
}

pub(super) fn book(promotions: Vec<Promotion>, price_lists: Vec<PriceList>) -> OfferBook {
    OfferBook::new(Rules {
        currency: Currency::Rub,
        time_zone: "Europe/Moscow".into(),
        price_lists,
        promotions,
        usage: HashMap::new(),
        program: LoyaltyProgram::standard(Currency::Rub),
    })
}

pub(super) fn cart(lines: &[(&str, u32)]) -> Cart {
    Cart {
        currency: None,
        channel: Channel::Web,
        store: None,
        customer_id: None,
        lines: lines
            .iter()
            .map(|(s, q)| CartLine {
                sku: (*s).into(),
                quantity: *q,
            })
            .collect(),
        coupons: Vec::new(),
        burn_points: 0,
        delivery_fee: None,
        at: None,
    }
}

pub(super) fn member() -> CustomerFacts {
    CustomerFacts {
        tier: Tier::Basic,
        segments: vec!["seg_runners".into()],
        first_order: false,
        points_available: 0,
        promotion_uses: BTreeMap::new(),
    }
}

pub(super) fn price(f: &Fixture, b: &OfferBook, c: &Cart, who: Option<&CustomerFacts>) -> Quote {
    b.quote(c, |s| f.skus.get(s), who, &BTreeMap::new(), noon())
        .expect("priced")
}

pub(super) fn discounts(q: &Quote) -> Vec<i64> {
    q.lines.iter().map(|l| l.subtotal - l.total).collect()
}

fn assert_balanced(q: &Quote) {
    let lines: i64 = q.lines.iter().map(|l| l.total).sum();
    assert_eq!(lines, q.total);
    for l in &q.lines {
        let d: i64 = l.discounts.iter().map(|d| d.amount).sum();
        assert_eq!(l.subtotal - d, l.total, "line {l:?}");
        assert!(l.total >= 0);
    }
    assert_eq!(q.subtotal - q.discount_total, q.total);
}

#[test]
fn the_catalog_price_applies_without_rules_and_an_unknown_sku_is_refused() {
    let f = fixture();
    let b = book(vec![], vec![]);
    let q = price(&f, &b, &cart(&[("S1", 2)]), None);
    assert_eq!((q.subtotal, q.total, q.to_pay), (200_000, 200_000, 200_000));
    let err = b.quote(
        &cart(&[("S1", 1), ("NOPE", 1)]),
        |s| f.skus.get(s),
        None,
        &BTreeMap::new(),
        noon(),
    );
    assert_eq!(
        err.map(|_| ()),
        Err(PricingError::NoPrice(1, Currency::Rub))
    );
    let zero = b.quote(
        &cart(&[("S1", 0)]),
        |s| f.skus.get(s),
        None,
        &BTreeMap::new(),
        noon(),
    );
    assert_eq!(zero.map(|_| ()), Err(PricingError::BadQuantity(0)));
}

fn list(priority: i32, audience: Audience, prices: Vec<PriceEntry>) -> PriceList {
    PriceList {
        id: PriceListId::new(),
        rule: PriceListDraft {
            name: format!("list {priority}"),
            currency: Currency::Rub,
            priority,
            audience,
            schedule: Schedule::default(),
            prices,
        },
    }
}

#[test]
fn the_most_specific_price_list_wins_and_a_sale_price_is_explained() {
    let f = fixture();
    let store = LocationId::new();
    let entry = |base, sale| PriceEntry {
        sku: "S1".into(),
        base,
        sale,
    };
    let base = list(0, Audience::default(), vec![entry(90_000, None)]);
    let store_list = list(
        10,
        Audience {
            stores: vec![store],
            ..Audience::default()
        },
        vec![entry(95_000, Some(80_000))],
    );
    let b = book(vec![], vec![base.clone(), store_list.clone()]);
    let online = price(&f, &b, &cart(&[("S1", 1)]), None);
    assert_eq!(
        (online.lines[0].unit_price, online.lines[0].price_list_id),
        (90_000, Some(base.id))
    );
    let mut at_store = cart(&[("S1", 2)]);
    at_store.store = Some(store);
    let q = price(&f, &b, &at_store, None);
    assert_eq!(q.lines[0].price_list_id, Some(store_list.id));
    assert_eq!((q.subtotal, q.total), (190_000, 160_000));
    assert_eq!(q.lines[0].discounts[0].promotion_id, None);
    assert!(q.lines[0].discounts[0].reason.contains("sale price"));
}

#[test]
fn each_line_effect_gives_what_it_says() {
    let f = fixture();
    let c = cart(&[("S1", 2), ("V1", 1)]);
    let cases = [
        (
            Effect::PercentOff { percent_bp: 1_000 },
            vec![20_000, 200_000],
        ),
        (Effect::AmountOff { amount: 5_000 }, vec![10_000, 5_000]),
        (
            Effect::FixedPrice { price: 70_000 },
            vec![60_000, 1_930_000],
        ),
        (
            Effect::CartAmountOff { amount: 100_000 },
            vec![9_091, 90_909],
        ),
        (
            Effect::CartPercentOff { percent_bp: 500 },
            vec![10_000, 100_000],
        ),
    ];
    for (effect, expected) in cases {
        let b = book(vec![promo("p", effect.clone())], vec![]);
        let q = price(&f, &b, &c, None);
        assert_eq!(discounts(&q), expected, "{effect:?}");
        assert_balanced(&q);
        assert_eq!(q.promotions.len(), 1);
        assert_eq!(q.promotions[0].reason, "p reason");
    }
}

#[test]
fn multi_unit_effects_discount_the_right_units() {
    let f = fixture();
    // 3 shoes at 1000 and 1 at 5000: buy 2 get 1 free gives the cheapest unit (1000) free.
    let c = cart(&[("S2", 1), ("S1", 3)]);
    let b = book(
        vec![promo(
            "3 for 2",
            Effect::BuyXGetY {
                buy: 2,
                get: 1,
                percent_bp: 10_000,
            },
        )],
        vec![],
    );
    assert_eq!(discounts(&price(&f, &b, &c, None)), vec![0, 100_000]);
    // every 2nd unit at half price: 2 of 4 units, the cheapest two.
    let b = book(
        vec![promo(
            "2nd half",
            Effect::NthItem {
                n: 2,
                percent_bp: 5_000,
            },
        )],
        vec![],
    );
    assert_eq!(discounts(&price(&f, &b, &c, None)), vec![0, 100_000]);
    // 2 for 5500: with 5 units, two bundles of the dearest units (5000 + 1000, 1000 + 1000)
    // cost 11 000 instead of 8 000 — no discount; with one shoe of each, 6000 → 5500.
    let b = book(
        vec![promo(
            "bundle",
            Effect::BundlePrice {
                quantity: 2,
                price: 550_000,
            },
        )],
        vec![],
    );
    assert_eq!(price(&f, &b, &c, None).discount_total, 0);
    let c = cart(&[("S2", 1), ("S1", 1), ("T1", 1)]);
    let b = book(
        vec![promo(
            "bundle",
            Effect::BundlePrice {
                quantity: 2,
                price: 600_000,
            },
        )],
        vec![],
    );
    // the dearest pair is S2 + T1 (6500) → 6000: 500 off, spread 5000:1500.
    let q = price(&f, &b, &c, None);
    assert_eq!(discounts(&q), vec![38_462, 0, 11_538]);
    assert_eq!(q.discount_total, 50_000);
    assert_balanced(&q);
    // a bundle that would cost more than the units gives nothing.
    let b = book(
        vec![promo(
            "bad bundle",
            Effect::BundlePrice {
                quantity: 2,
                price: 700_000,
            },
        )],
        vec![],
    );
    assert_eq!(price(&f, &b, &c, None).discount_total, 0);
}

#[test]
fn the_discount_matrix_uses_the_best_cell_for_the_customer_group_and_category() {
    let f = fixture();
    let cells = vec![
        MatrixCell {
            group: "gold".into(),
            category: f.sport,
            percent_bp: 500,
        },
        MatrixCell {
            group: "seg_runners".into(),
            category: f.shoes,
            percent_bp: 1_500,
        },
        MatrixCell {
            group: "silver".into(),
            category: f.vacuums,
            percent_bp: 1_000,
        },
    ];
    let b = book(
        vec![promo("matrix", Effect::DiscountMatrix { cells })],
        vec![],
    );
    let c = cart(&[("S1", 1), ("T1", 1), ("V1", 1)]);
    let mut gold = member();
    gold.tier = Tier::Gold;
    assert_eq!(
        discounts(&price(&f, &b, &c, Some(&gold))),
        vec![15_000, 7_500, 0]
    );
    assert_eq!(price(&f, &b, &c, None).discount_total, 0);
}

#[test]
fn free_delivery_gift_points_and_multipliers_change_delivery_and_points_only() {
    let f = fixture();
    let mut c = cart(&[("S1", 1)]);
    c.delivery_fee = Some(29_900);
    let who = member();
    let plain = price(&f, &book(vec![], vec![]), &c, Some(&who));
    assert_eq!(
        (plain.delivery_fee, plain.to_pay, plain.points.earn),
        (Some(29_900), 129_900, 50)
    );
    let b = book(
        vec![
            promo("free delivery", Effect::FreeDelivery),
            promo("gift", Effect::GiftPoints { points: 300 }),
            promo("double", Effect::PointsMultiplier { factor_bp: 20_000 }),
        ],
        vec![],
    );
    let q = price(&f, &b, &c, Some(&who));
    assert_eq!(
        (q.delivery_fee, q.to_pay, q.total),
        (Some(0), 100_000, 100_000)
    );
    assert_eq!(q.points.earn, 100 + 300);
    assert_eq!(q.promotions.len(), 3);
    // anonymous carts earn nothing
    assert_eq!(price(&f, &b, &c, None).points.earn, 0);
}

pub(super) fn with(mut p: Promotion, edit: impl FnOnce(&mut PromotionDraft)) -> Promotion {
    edit(&mut p.rule);
    p
}

#[test]
fn points_pay_up_to_the_programme_share_and_earn_follows_the_tier() {
    let f = fixture();
    let b = book(vec![], vec![]);
    let mut who = member();
    who.points_available = 100_000;
    let mut c = cart(&[("S1", 1), ("T1", 1)]);
    let q = price(&f, &b, &c, Some(&who));
    // 30 % of 2 500 ₽ = 750 points usable; 5 % back = 125 points.
    assert_eq!((q.points.usable, q.points.earn), (750, 125));
    c.burn_points = 751;
    let err = b.quote(&c, |s| f.skus.get(s), Some(&who), &BTreeMap::new(), noon());
    assert_eq!(err.map(|_| ()), Err(PricingError::TooManyPoints(750)));
    c.burn_points = 500;
    let q = price(&f, &b, &c, Some(&who));
    assert_eq!((q.points.burn_value, q.to_pay), (50_000, 200_000));
    assert_eq!(
        q.lines.iter().map(|l| l.paid_with_points).sum::<i64>(),
        50_000
    );
    // earn on the money part only: 5 % of 2 000 ₽
    assert_eq!(q.points.earn, 100);
    who.tier = Tier::Platinum;
    c.burn_points = 0;
    assert_eq!(price(&f, &b, &c, Some(&who)).points.earn, 250);
}

#[test]
fn the_same_cart_prices_the_same_whatever_the_promotion_order() {
    let f = fixture();
    let ps = vec![
        promo("a", Effect::PercentOff { percent_bp: 700 }),
        promo("b", Effect::CartAmountOff { amount: 33_333 }),
        promo(
            "c",
            Effect::NthItem {
                n: 3,
                percent_bp: 2_500,
            },
        ),
    ];
    let mut reversed = ps.clone();
    reversed.reverse();
    let c = cart(&[("S1", 3), ("T1", 2), ("V1", 1)]);
    let q1 = price(&f, &book(ps, vec![]), &c, None);
    let q2 = price(&f, &book(reversed, vec![]), &c, None);
    assert_eq!(q1, q2);
    assert_balanced(&q1);
}

#[test]
fn drafts_are_validated_field_by_field() {
    let mut p = promo(
        "",
        Effect::BuyXGetY {
            buy: 0,
            get: 1,
            percent_bp: 20_000,
        },
    )
    .rule;
    p.conditions.schedule.hours = Some([20, 10]);
    let v = p.validate().expect_err("invalid");
    let fields: Vec<_> = v.items().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "conditions.schedule.hours",
            "effect.buy",
            "effect.percent_bp"
        ]
    );
    let bad = list(
        0,
        Audience::default(),
        vec![
            PriceEntry {
                sku: "A".into(),
                base: 100,
                sale: Some(200),
            },
            PriceEntry {
                sku: "A".into(),
                base: -1,
                sale: None,
            },
        ],
    );
    let v = bad.rule.validate().expect_err("invalid");
    let fields: Vec<_> = v.items().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["prices[0].sale", "prices[1].sku", "prices[1].base"]
    );
}

proptest! {
    /// A cart discount spread over lines never creates or loses a kopeck and never takes a
    /// line below zero, whatever the prices, quantities and amount.
    #[test]
    fn a_spread_cart_discount_adds_up_exactly(
        prices in proptest::collection::vec(1i64..5_000_000, 1..20),
        qty in proptest::collection::vec(1u32..50, 20),
        amount in 1i64..100_000_000,
        bp in 1i64..=10_000,
    ) {
        let skus: HashMap<String, SkuFacts> = prices.iter().enumerate().map(|(i, p)| {
            (format!("P{i}"), SkuFacts { categories: vec![], brand: None, list_price: Some(*p) })
        }).collect();
        let lines: Vec<(String, u32)> = (0..prices.len()).map(|i| (format!("P{i}"), qty[i])).collect();
        let refs: Vec<(&str, u32)> = lines.iter().map(|(s, q)| (s.as_str(), *q)).collect();
        let c = cart(&refs);
        for effect in [Effect::CartAmountOff { amount }, Effect::CartPercentOff { percent_bp: bp }, Effect::NthItem { n: 2, percent_bp: bp }] {
            let b = book(vec![promo("p", effect)], vec![]);
            let q = b.quote(&c, |s| skus.get(s), None, &BTreeMap::new(), noon()).expect("priced");
            assert_balanced(&q);
            let given: i64 = q.promotions.iter().map(|p| p.discount).sum();
            prop_assert_eq!(given, q.discount_total);
        }
        let exact = book(vec![promo("p", Effect::CartAmountOff { amount })], vec![]);
        let q = exact.quote(&c, |s| skus.get(s), None, &BTreeMap::new(), noon()).expect("priced");
        prop_assert_eq!(q.discount_total, amount.min(q.subtotal));
    }
}
