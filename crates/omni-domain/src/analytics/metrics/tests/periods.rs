//! Sales breakdown, promotion uplift and NPS on the fixture.

use omni_kernel::Channel;

use super::{AS_OF, D0, fixture};
use crate::analytics::metrics::*;

fn t(s: SalesTotals) -> (i64, i64, u64) {
    (s.net_minor, s.units, s.orders)
}

#[test]
fn sales_by_channel_store_and_category_by_hand() {
    let report = sales_breakdown(&fixture(), DayRange::new(D0, AS_OF));
    // Orders 0–10 and the return; order 11 is after the range.
    // Net: 1000+2000+1800+500+1000+500+2700+2000+1000−1000+1600+1000+1000+1000 = 16 100;
    // units: 1+2+2+1+1+1+3+2+1−1+4+1+1+2 = 21; 11 orders; 14 lines.
    assert_eq!(t(report.total), (16_100, 21, 11));
    assert_eq!(report.total.lines, 14);
    // Web: orders 0 (3000, 3 u), 1 (1800, 2), 6 (2000+1000−1000, 2+1−1), 9 (1000, 1).
    // MobileApp: 3, 8 (1000, 1 each). Pos: 2 (500, 1), 4 (500, 1), 5 (2700, 3),
    // 7 (1600, 4), 10 (1000, 2).
    let ch: Vec<_> = report
        .by_channel
        .iter()
        .map(|c| (c.channel, t(c.totals)))
        .collect();
    assert_eq!(
        ch,
        vec![
            (Channel::Web, (7_800, 8, 4)),
            (Channel::MobileApp, (2_000, 2, 2)),
            (Channel::Pos, (6_300, 11, 5)),
        ]
    );
    // No store: the Web and MobileApp orders; store 0: orders 2, 4, 10; store 1: 5, 7.
    let st: Vec<_> = report
        .by_store
        .iter()
        .map(|s| (s.store, t(s.totals)))
        .collect();
    assert_eq!(
        st,
        vec![
            (None, (9_800, 10, 6)),
            (Some(0), (2_000, 4, 3)),
            (Some(1), (4_300, 7, 2)),
        ]
    );
    // Category 0: orders 0 (1000, 1), 1 (1800, 2), 5 (2700, 3), 6 (2000, 2), 9 (1000, 1).
    // Category 1: orders 0 (2000, 2), 2, 3, 4, 6 (1000 − 1000, 1 − 1), 7 (1600, 4), 8,
    // 10 (1000, 2): net 7600, units 12, 8 orders (order 6 bought before it returned).
    let cat: Vec<_> = report
        .by_category
        .iter()
        .map(|c| (c.category, t(c.totals)))
        .collect();
    assert_eq!(cat, vec![(0, (8_500, 9, 5)), (1, (7_600, 12, 8))]);
}

#[test]
fn sales_of_a_sub_period() {
    // D0+100..=AS_OF: orders 9 (1000, 1), 10 (1000, 2), 7 (1600, 4), 3 (1000, 1).
    let report = sales_breakdown(&fixture(), DayRange::new(D0 + 100, AS_OF));
    assert_eq!(t(report.total), (4_600, 8, 4));
    // A return alone makes a row with value but no order: D0+25 is only the return.
    let report = sales_breakdown(&fixture(), DayRange::new(D0 + 25, D0 + 25));
    assert_eq!(t(report.total), (-1_000, -1, 0));
    assert_eq!(t(report.by_category[0].totals), (-1_000, -1, 0));
    assert_eq!(report.by_category[0].category, 1);
}

#[test]
fn promotion_cost_and_uplift_by_hand() {
    let report = promotion_uplift(&fixture(), DayRange::new(D0, AS_OF));
    // Cost: 200 (order 1) + 300 (order 5) + 400 (order 7).
    assert_eq!(report.cost_minor, 900);
    // Orders: promoted 1 (2 u, 1800), 5 (3, 2700), 7 (4, 1600) → 3 baskets, 9 u, 6100;
    // baseline 0 (3, 3000), 2 (1, 500), 3 (1, 1000), 4 (1, 500), 6 (3, 3000: purchase
    // lines only), 8 (1, 1000), 9 (1, 1000), 10 (2, 1000) → 8 baskets, 13 u, 11 000.
    let o = report.orders;
    assert_eq!(
        (o.promoted_baskets, o.promoted_units, o.promoted_net_minor),
        (3, 9, 6_100)
    );
    assert_eq!(
        (o.baseline_baskets, o.baseline_units, o.baseline_net_minor),
        (8, 13, 11_000)
    );
    // Units: (9/3) / (13/8) − 1 = 24/13 − 1 = 0.84615 → 8 462 bp.
    // Value: (6100/3) / (11000/8) − 1 = 48 800/33 000 − 1 = 0.47879 → 4 788 bp.
    assert_eq!(o.units_uplift_bp(), Some(8_462));
    assert_eq!(o.value_uplift_bp(), Some(4_788));

    let [c0, c1] = report.by_category[..] else {
        panic!("two categories expected: {:?}", report.by_category);
    };
    // Category 0: promoted baskets orders 1 (2 u, 1800) and 5 (3, 2700); baseline 0 (1,
    // 1000), 6 (2, 2000), 9 (1, 1000). Units (5/2)/(4/3) − 1 = 15/8 − 1 = 0.875; value
    // (4500/2)/(4000/3) − 1 = 13 500/8 000 − 1 = 0.6875.
    assert_eq!((c0.category, c0.cost_minor), (0, 500));
    assert_eq!(c0.uplift.units_uplift_bp(), Some(8_750));
    assert_eq!(c0.uplift.value_uplift_bp(), Some(6_875));
    // Category 1: promoted order 7 (4 u, 1600); baseline orders 0 (2, 2000), 2, 3, 4,
    // 6 (1, 1000), 8 (1 u each, 500/1000/500/1000), 10 (2, 1000) → 7 baskets, 9 u, 7000.
    // Units 4 / (9/7) − 1 = 28/9 − 1 = 2.1111 → 21 111 bp; value 1600/1000 − 1 = 0.6.
    assert_eq!((c1.category, c1.cost_minor), (1, 400));
    assert_eq!(
        (c1.uplift.baseline_baskets, c1.uplift.baseline_units),
        (7, 9)
    );
    assert_eq!(c1.uplift.units_uplift_bp(), Some(21_111));
    assert_eq!(c1.uplift.value_uplift_bp(), Some(6_000));
}

#[test]
fn uplift_needs_both_sides() {
    // D0..=D0+30: orders 0, 4, 6, 8 — no discount at all.
    let report = promotion_uplift(&fixture(), DayRange::new(D0, D0 + 30));
    assert_eq!(report.cost_minor, 0);
    assert_eq!(report.orders.units_uplift_bp(), None);
}

#[test]
fn nps_by_hand() {
    let report = nps(&fixture(), DayRange::new(D0, AS_OF));
    // Web 10, 9, 3, 7 → 2 promoters, 1 passive, 1 detractor: 100 · (2 − 1)/4 = 25.
    // Pos 6, 0, 8 → 0 promoters, 2 detractors: 100 · (0 − 2)/3 = −66.67.
    // MobileApp 10 → 100. Overall 8 answers, 3 promoters, 3 detractors → 0.
    // The 11 is invalid; the answer on D0+200 is outside the range.
    let o = report.overall;
    assert_eq!(
        (o.responses, o.promoters, o.passives, o.detractors),
        (8, 3, 2, 3)
    );
    assert_eq!(o.nps(), Some(0.0));
    assert_eq!(report.invalid, 1);
    let by: Vec<_> = report
        .by_channel
        .iter()
        .map(|c| (c.channel, c.score.responses, c.score.nps()))
        .collect();
    assert_eq!(by[0], (Channel::Web, 4, Some(25.0)));
    assert_eq!(by[1], (Channel::MobileApp, 1, Some(100.0)));
    assert_eq!((by[2].0, by[2].1), (Channel::Pos, 3));
    let pos = by[2].2.unwrap_or(f64::NAN);
    assert!((pos - -200.0 / 3.0).abs() < 1e-9, "{pos}");
    assert_eq!(NpsScore::default().nps(), None);
}
