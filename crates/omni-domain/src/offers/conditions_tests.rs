//! What decides whether a promotion applies: every condition, customer facts, category and
//! brand targets, coupons, stacking groups, exclusivity and priority, limits and budgets.

use std::collections::{BTreeMap, HashMap};

use chrono::Weekday;
use omni_kernel::{Channel, Currency, LocationId};

use super::tests::{book, cart, discounts, fixture, member, noon, price, promo, with};
use super::*;
use crate::customers::Tier;
#[test]
fn every_condition_can_stop_a_promotion() {
    let f = fixture();
    let ten = Effect::PercentOff { percent_bp: 1_000 };
    let store = LocationId::new();
    let at = move |c: &mut Cart| c.store = Some(store);
    type Case = (Box<dyn Fn(&mut PromotionDraft)>, Box<dyn Fn(&mut Cart)>);
    let cases: Vec<(&str, Case)> = vec![
        (
            "channel",
            (
                Box::new(|p| p.conditions.audience.channels = vec![Channel::Pos]),
                Box::new(|c| c.channel = Channel::Pos),
            ),
        ),
        (
            "store",
            (
                Box::new(move |p| p.conditions.audience.stores = vec![store]),
                Box::new(at),
            ),
        ),
        (
            "min subtotal",
            (
                Box::new(|p| p.conditions.min_subtotal = Some(150_000)),
                Box::new(|c| c.lines[0].quantity = 2),
            ),
        ),
        (
            "min quantity",
            (
                Box::new(|p| p.conditions.min_quantity = Some(3)),
                Box::new(|c| c.lines[0].quantity = 3),
            ),
        ),
        (
            "weekday",
            (
                Box::new(|p| p.conditions.schedule.weekdays = vec![Weekday::Thu]),
                Box::new(|c| c.at = Some(noon() + chrono::Duration::days(1))),
            ),
        ),
        (
            "hours",
            (
                Box::new(|p| p.conditions.schedule.hours = Some([18, 22])),
                Box::new(|c| c.at = Some(noon() + chrono::Duration::hours(7))),
            ),
        ),
        (
            "window",
            (
                Box::new(|p| {
                    p.conditions.schedule.valid_from = Some(noon() + chrono::Duration::days(3))
                }),
                Box::new(|c| c.at = Some(noon() + chrono::Duration::days(4))),
            ),
        ),
        (
            "sku",
            (
                Box::new(|p| p.conditions.target.skus = vec!["T1".into()]),
                Box::new(|c| c.lines[0].sku = "T1".into()),
            ),
        ),
    ];
    for (name, (edit, fix)) in cases {
        let b = book(vec![with(promo(name, ten.clone()), edit)], vec![]);
        let mut c = cart(&[("S1", 1)]);
        assert_eq!(
            price(&f, &b, &c, None).discount_total,
            0,
            "{name} should block"
        );
        fix(&mut c);
        assert!(
            price(&f, &b, &c, None).discount_total > 0,
            "{name} should allow"
        );
    }
}

#[test]
fn customer_conditions_need_a_matching_customer() {
    let f = fixture();
    let ten = Effect::PercentOff { percent_bp: 1_000 };
    let c = cart(&[("S1", 1)]);
    let tier = book(
        vec![with(promo("gold", ten.clone()), |p| {
            p.conditions.audience.tiers = vec![Tier::Gold]
        })],
        vec![],
    );
    let seg = book(
        vec![with(promo("seg", ten.clone()), |p| {
            p.conditions.audience.segments = vec!["seg_runners".into()]
        })],
        vec![],
    );
    let first = book(
        vec![with(promo("first", ten.clone()), |p| {
            p.conditions.first_order = true
        })],
        vec![],
    );
    let mut who = member();
    assert_eq!(price(&f, &tier, &c, Some(&who)).discount_total, 0);
    assert_eq!(price(&f, &seg, &c, Some(&who)).discount_total, 10_000);
    assert_eq!(price(&f, &seg, &c, None).discount_total, 0);
    assert_eq!(price(&f, &first, &c, Some(&who)).discount_total, 0);
    who.tier = Tier::Gold;
    who.first_order = true;
    assert_eq!(price(&f, &tier, &c, Some(&who)).discount_total, 10_000);
    assert_eq!(price(&f, &first, &c, Some(&who)).discount_total, 10_000);
}

#[test]
fn category_and_brand_targets_match_the_subtree_and_the_brand() {
    let f = fixture();
    let ten = Effect::PercentOff { percent_bp: 1_000 };
    let c = cart(&[("S1", 1), ("T1", 1), ("V1", 1)]);
    let sport = book(
        vec![with(promo("sport", ten.clone()), |p| {
            p.conditions.target.categories = vec![f.sport]
        })],
        vec![],
    );
    assert_eq!(
        discounts(&price(&f, &sport, &c, None)),
        vec![10_000, 15_000, 0]
    );
    let tees = book(
        vec![with(promo("tees", ten.clone()), |p| {
            p.conditions.target.categories = vec![f.tees]
        })],
        vec![],
    );
    assert_eq!(discounts(&price(&f, &tees, &c, None)), vec![0, 15_000, 0]);
    let brand = book(
        vec![with(promo("brand", ten), |p| {
            p.conditions.target.brands = vec![f.brand]
        })],
        vec![],
    );
    assert_eq!(
        discounts(&price(&f, &brand, &c, None)),
        vec![10_000, 15_000, 0]
    );
}

#[test]
fn coupons_unlock_only_their_promotion() {
    let f = fixture();
    let p = with(
        promo("coupon", Effect::CartAmountOff { amount: 20_000 }),
        |p| p.conditions.coupon = true,
    );
    let id = p.id;
    let b = book(vec![p], vec![]);
    let c = cart(&[("S1", 1)]);
    assert_eq!(price(&f, &b, &c, None).discount_total, 0);
    let code = coupon::coupon_code("TEST", 42);
    let coupons = BTreeMap::from([(id, code.clone())]);
    let q = b
        .quote(&c, |s| f.skus.get(s), None, &coupons, noon())
        .expect("priced");
    assert_eq!(q.discount_total, 20_000);
    assert_eq!(q.promotions[0].coupon, Some(code));
}

#[test]
fn stacking_groups_exclusivity_and_priority_decide_in_a_fixed_order() {
    let f = fixture();
    let c = cart(&[("S1", 1)]);
    let pct = |name: &str, bp, priority, stacking| {
        with(promo(name, Effect::PercentOff { percent_bp: bp }), |p| {
            p.priority = priority;
            p.stacking = stacking;
        })
    };
    let g = || Stacking::Group("seasonal".into());
    // two of one group: only the higher priority applies; a stackable one adds on the rest.
    let b = book(
        vec![
            pct("a", 1_000, 5, g()),
            pct("b", 2_000, 1, g()),
            pct("c", 1_000, 0, Stacking::Stackable),
        ],
        vec![],
    );
    let q = price(&f, &b, &c, None);
    let names: Vec<_> = q.promotions.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(q.discount_total, 10_000 + 9_000);
    // the group is per line: a second line gets the group's next promotion
    let shoes = with(pct("shoes", 1_000, 5, g()), |p| {
        p.conditions.target.skus = vec!["S1".into()]
    });
    let tees = with(pct("tees", 2_000, 1, g()), |p| {
        p.conditions.target.skus = vec!["T1".into()]
    });
    let q = price(
        &f,
        &book(vec![shoes, tees], vec![]),
        &cart(&[("S1", 1), ("T1", 1)]),
        None,
    );
    assert_eq!(discounts(&q), vec![10_000, 30_000]);
    // an exclusive promotion first in order keeps its lines to itself
    let b = book(
        vec![
            pct("x", 3_000, 9, Stacking::Exclusive),
            pct("c", 1_000, 0, Stacking::Stackable),
        ],
        vec![],
    );
    let q = price(&f, &b, &c, None);
    assert_eq!((q.promotions.len(), q.discount_total), (1, 30_000));
    // behind a discount that already applied, an exclusive one is skipped
    let b = book(
        vec![
            pct("x", 3_000, 0, Stacking::Exclusive),
            pct("c", 1_000, 9, Stacking::Stackable),
        ],
        vec![],
    );
    let q = price(&f, &b, &c, None);
    assert_eq!(
        (q.promotions[0].name.as_str(), q.discount_total),
        ("c", 10_000)
    );
}

#[test]
fn limits_and_budgets_stop_a_promotion() {
    let f = fixture();
    let c = cart(&[("S1", 1)]);
    let p = with(
        promo("limited", Effect::AmountOff { amount: 10_000 }),
        |p| {
            p.limits = Limits {
                per_customer: Some(1),
                total: Some(100),
                budget: Some(1_000_000),
            };
        },
    );
    let id = p.id;
    let make = |usage: Usage| {
        OfferBook::new(Rules {
            currency: Currency::Rub,
            time_zone: "Europe/Moscow".into(),
            price_lists: vec![],
            promotions: vec![p.clone()],
            usage: HashMap::from([(id, usage)]),
            program: LoyaltyProgram::standard(Currency::Rub),
        })
    };
    let mut who = member();
    assert_eq!(
        price(&f, &make(Usage::default()), &c, Some(&who)).discount_total,
        10_000
    );
    // per-customer limits need a known customer
    assert_eq!(
        price(&f, &make(Usage::default()), &c, None).discount_total,
        0
    );
    assert_eq!(
        price(
            &f,
            &make(Usage {
                uses: 100,
                spent: 0
            }),
            &c,
            Some(&who)
        )
        .discount_total,
        0
    );
    assert_eq!(
        price(
            &f,
            &make(Usage {
                uses: 1,
                spent: 995_000
            }),
            &c,
            Some(&who)
        )
        .discount_total,
        0
    );
    who.promotion_uses.insert(id, 1);
    assert_eq!(
        price(&f, &make(Usage::default()), &c, Some(&who)).discount_total,
        0
    );
}
