//! Offers beyond one quote: the signed offline snapshot prices exactly like the book, and
//! next-best-offers rank what a customer can use.

use std::collections::{BTreeMap, HashMap};

use omni_kernel::Currency;

use super::tests::{book, cart, fixture, member, noon, promo, with};
use super::*;
use crate::catalog::CategoryId;
use crate::customers::Tier;

#[test]
fn a_signed_snapshot_prices_exactly_like_the_book_and_refuses_tampering() {
    let f = fixture();
    let p = promo("ten", Effect::PercentOff { percent_bp: 1_000 });
    let rules = Rules {
        currency: Currency::Rub,
        time_zone: "Europe/Moscow".into(),
        price_lists: vec![],
        promotions: vec![p],
        usage: HashMap::new(),
        program: LoyaltyProgram::standard(Currency::Rub),
    };
    let customer = omni_kernel::CustomerId::new();
    let snap = snapshot::Snapshot {
        tenant_id: omni_kernel::TenantId::new(),
        issued_at: noon(),
        rules: rules.clone(),
        skus: f.skus.clone().into_iter().collect(),
        customer: Some((customer, member())),
        coupons: BTreeMap::new(),
    };
    let signed = snap.sign(b"key").expect("signed");
    let opened = signed.open(b"key").expect("opens");
    let mut c = cart(&[("S1", 2), ("T1", 1)]);
    c.customer_id = Some(customer);
    let offline = opened.quote(&c, noon()).expect("priced");
    let online = OfferBook::new(rules)
        .quote(
            &c,
            |s| f.skus.get(s),
            Some(&member()),
            &BTreeMap::new(),
            noon(),
        )
        .expect("priced");
    assert_eq!(offline, online);
    assert!(offline.points.earn > 0);
    assert!(matches!(
        signed.open(b"other"),
        Err(snapshot::SnapshotError::BadSignature)
    ));
    let mut tampered = signed.clone();
    tampered.payload.replace_range(
        10..11,
        if &tampered.payload[10..11] == "A" {
            "B"
        } else {
            "A"
        },
    );
    assert!(tampered.open(b"key").is_err());
}

#[test]
fn next_best_offers_rank_what_this_customer_buys_and_leave_out_what_they_cannot_use() {
    let f = fixture();
    let on = |cat: CategoryId, bp| {
        with(promo("cat", Effect::PercentOff { percent_bp: bp }), |p| {
            p.conditions.target.categories = vec![cat]
        })
    };
    let shoes = on(f.shoes, 1_000);
    let vacuums = on(f.vacuums, 1_500);
    let gold_only = with(on(f.tees, 2_000), |p| {
        p.conditions.audience.tiers = vec![Tier::Gold]
    });
    let coupon = with(on(f.shoes, 5_000), |p| p.conditions.coupon = true);
    let ids = (shoes.id, vacuums.id, gold_only.id);
    let b = book(vec![shoes, vacuums, gold_only, coupon], vec![]);
    let runner = member();
    let affinity = personal::affinity_from(&[
        (vec![f.shoes, f.sport], 900_000),
        (vec![f.vacuums], 100_000),
    ]);
    let offers = b.next_best_offers(&runner, &affinity, noon(), 5);
    let got: Vec<_> = offers.iter().map(|o| o.promotion_id).collect();
    // shoes first (90 % of spend at 10 %), then vacuums (10 % at 15 %); no gold or coupon offer
    assert_eq!(got, vec![ids.0, ids.1]);
    assert_eq!(offers[0].because, "affinity");
    let mut gold = member();
    gold.tier = Tier::Gold;
    let offers = b.next_best_offers(&gold, &affinity, noon(), 5);
    assert!(
        offers
            .iter()
            .any(|o| o.promotion_id == ids.2 && o.because == "tier")
    );
}
