use omni_kernel::Channel;

use super::{Rng, sale};
use crate::analytics::models::{
    CartFeatures, CartModelConfig, PurchaseHistory, split_day, train_cart_model,
};
use crate::analytics::synthetic;
use crate::analytics::{AbandonedCart, Sale};

fn cart(customer: Option<u32>, day: u32) -> AbandonedCart {
    AbandonedCart {
        customer,
        day,
        hour: 20,
        channel: Channel::Web,
        units: 2,
        value_minor: 250_000,
        had_offer: true,
        bought: false,
    }
}

#[test]
fn features_see_only_the_history_before_the_cart_day() {
    let sales = vec![
        sale(3, 0, 10, 1),
        sale(3, 0, 10, 2),
        Sale {
            quantity: -1,
            net_minor: -10_000,
            ..sale(3, 0, 12, 2)
        },
        sale(3, 1, 15, 4),
        sale(1, 2, 9, 4),
    ];
    let history = PurchaseHistory::new(&sales);
    // Day 15: the order of day 10 (two lines) and the return of day 12; not day 15's order.
    let f = history.features(&cart(Some(3), 15));
    assert_eq!(
        f,
        CartFeatures {
            known_customer: true,
            prior_orders: 1,
            days_since_last_order: Some(5),
            prior_spend_minor: 10_000,
            value_minor: 250_000,
            units: 2,
            had_offer: true,
            hour: 20,
            channel: Channel::Web,
        }
    );
    let f = history.features(&cart(Some(3), 16));
    assert_eq!(
        (f.prior_orders, f.days_since_last_order, f.prior_spend_minor),
        (2, Some(1), 20_000)
    );
    // Before any purchase, an unknown customer and an anonymous cart: nothing known.
    for c in [cart(Some(3), 10), cart(Some(99), 20), cart(Some(2), 20)] {
        let f = history.features(&c);
        assert_eq!((f.prior_orders, f.days_since_last_order), (0, None));
    }
    assert!(!history.features(&cart(None, 20)).known_customer);
}

#[test]
fn the_split_day_holds_out_the_latest_share() {
    let carts: Vec<_> = (0..10).map(|d| cart(None, 100 + d)).collect();
    assert_eq!(split_day(&carts, 0.2), 108);
    assert_eq!(split_day(&carts, 0.0), u32::MAX);
    assert_eq!(split_day(&[], 0.2), u32::MAX);
}

#[test]
fn the_model_ranks_held_out_synthetic_carts_well() {
    let ds = synthetic::generate(30_000, 3);
    let (model, report) = train_cart_model(&ds.sales, &ds.carts, CartModelConfig::default());
    eprintln!("cart model on 30k synthetic customers: {report:?}");
    eprintln!("weights: {:?}", model.weights());
    assert!(report.held_out_carts > 1_000);
    let held_out = report.held_out_auc.unwrap_or(0.0);
    assert!(held_out > 0.7, "held-out AUC {held_out}");
    // An offer and a returning customer raise the probability, as they do in the data.
    let history = PurchaseHistory::new(&ds.sales);
    let base = history.features(&cart(None, synthetic::LAST_DAY));
    let offered = model.predict(&base);
    let plain = model.predict(&CartFeatures {
        had_offer: false,
        ..base
    });
    assert!(offered > plain && (0.0..=1.0).contains(&plain));
}

#[test]
fn shuffled_outcomes_leave_nothing_to_learn() {
    let mut ds = synthetic::generate(30_000, 4);
    // Replace every outcome by a coin flip at the same rate.
    let rate = ds.carts.iter().filter(|c| c.bought).count() as f64 / ds.carts.len() as f64;
    let mut rng = Rng(17);
    for c in &mut ds.carts {
        c.bought = rng.f64() < rate;
    }
    let (_, report) = train_cart_model(&ds.sales, &ds.carts, CartModelConfig::default());
    eprintln!("cart model with shuffled outcomes: {report:?}");
    let held_out = report.held_out_auc.unwrap_or(0.0);
    assert!((0.45..0.55).contains(&held_out), "held-out AUC {held_out}");
}
