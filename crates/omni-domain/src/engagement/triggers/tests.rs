//! Trigger chains on a controllable clock: waiting, firing, UNLESS, conditions, re-arming,
//! field-level validation, and a property over any event sequence (the send gate is in
//! `gate_tests`).

use chrono::{Duration, TimeZone, Utc};
use omni_kernel::{Clock, FixedClock, id::Ulid};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::validate::MAX_WAIT_MINUTES;
use super::*;

pub(super) fn t0() -> Timestamp {
    // 09:00 UTC = 12:00 in Moscow.
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .expect("time")
}

pub(super) fn customer(n: u128) -> CustomerId {
    CustomerId::from_ulid(Ulid(n + 1))
}

pub(super) fn engine() -> TriggerEngine {
    TriggerEngine::new(TriggerChain::examples())
}

pub(super) fn event<'a>(
    kind: &'a str,
    c: CustomerId,
    data: &'a Value,
    at: Timestamp,
) -> EventView<'a> {
    EventView {
        event_id: EventId::new(),
        event_type: kind,
        customer_id: Some(c),
        data,
        at,
    }
}

pub(super) fn cart() -> Value {
    json!({"units": 2, "total_minor": 459_000})
}

#[test]
fn an_abandoned_cart_fires_after_the_wait_and_not_before() {
    let (e, mut w) = (engine(), WaitingRuns::new());
    let clock = FixedClock::at(t0());
    let data = cart();
    let out = e.on_event(
        &event("cart.updated", customer(1), &data, clock.now()),
        None,
        &mut w,
    );
    assert_eq!(out.started.len(), 1);
    assert_eq!(out.started[0].chain_id, "abandoned_cart");
    assert_eq!(out.started[0].due_at, t0() + Duration::minutes(120));
    assert_eq!(w.next_due(), Some(t0() + Duration::minutes(120)));

    clock.advance(Duration::minutes(119));
    assert!(e.due(clock.now(), &mut w).is_empty(), "fired early");
    clock.advance(Duration::minutes(1));
    let fired = e.due(clock.now(), &mut w);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].chain.id, "abandoned_cart");
    assert_eq!(fired[0].run.customer_id, customer(1));
    assert!(w.is_empty());
    assert!(
        e.due(clock.now() + Duration::days(1), &mut w).is_empty(),
        "fired twice"
    );
}

#[test]
fn a_purchase_cancels_the_waiting_cart_run() {
    let (e, mut w) = (engine(), WaitingRuns::new());
    let data = cart();
    let none = json!({});
    e.on_event(
        &event("cart.updated", customer(1), &data, t0()),
        None,
        &mut w,
    );
    e.on_event(
        &event("cart.updated", customer(2), &data, t0()),
        None,
        &mut w,
    );
    let later = t0() + Duration::minutes(30);
    let out = e.on_event(
        &event("order.placed", customer(1), &none, later),
        None,
        &mut w,
    );
    assert_eq!(out.cancelled.len(), 1);
    assert_eq!(out.cancelled[0].customer_id, customer(1));
    assert!(out.started.is_empty());
    let fired = e.due(t0() + Duration::hours(3), &mut w);
    let who: Vec<_> = fired.iter().map(|f| f.run.customer_id).collect();
    assert_eq!(who, [customer(2)], "only the customer who did not buy");
    // A purchase with nothing waiting changes nothing.
    assert!(
        e.on_event(
            &event("order.placed", customer(3), &none, later),
            None,
            &mut w
        )
        .is_empty()
    );
}

#[test]
fn conditions_filter_on_event_data_and_customer_facts() {
    let mut chain = TriggerChain::examples().remove(0);
    chain.conditions = vec![
        Condition::DataAtLeast {
            path: "cart.total_minor".into(),
            value: 100_000,
        },
        Condition::DataEquals {
            path: "cart.channel".into(),
            value: json!("web"),
        },
        Condition::TierAtLeast(Tier::Silver),
        Condition::NotSegment("staff".into()),
    ];
    let e = TriggerEngine::new(vec![chain]);
    let mut w = WaitingRuns::new();
    let big = json!({"cart": {"total_minor": 250_000, "channel": "web"}});
    let small = json!({"cart": {"total_minor": 50_000, "channel": "web"}});
    let app = json!({"cart": {"total_minor": 250_000, "channel": "app"}});
    let (none, staff) = (Vec::new(), vec!["staff".to_owned()]);
    let gold = CustomerFactsView {
        tier: Tier::Gold,
        segments: &none,
    };
    let basic = CustomerFactsView {
        tier: Tier::Basic,
        segments: &none,
    };
    let gold_staff = CustomerFactsView {
        tier: Tier::Gold,
        segments: &staff,
    };
    let mut started = |data: &Value, facts: Option<&CustomerFactsView<'_>>| {
        let c = CustomerId::new();
        !e.on_event(&event("cart.updated", c, data, t0()), facts, &mut w)
            .started
            .is_empty()
    };
    assert!(started(&big, Some(&gold)));
    assert!(!started(&small, Some(&gold)), "total below the threshold");
    assert!(!started(&app, Some(&gold)), "other channel");
    assert!(!started(&big, Some(&basic)), "tier too low");
    assert!(!started(&big, Some(&gold_staff)), "excluded segment");
    assert!(!started(&big, None), "facts needed, none given");

    // Numbers compare by value; array indices work; null is not "exists".
    let data = json!({"n": 1.0, "lines": [{"sku": "A"}], "gone": null});
    let eq = Condition::DataEquals {
        path: "n".into(),
        value: json!(1),
    };
    assert!(eq.holds(&data, None));
    let idx = Condition::DataEquals {
        path: "lines.0.sku".into(),
        value: json!("A"),
    };
    assert!(idx.holds(&data, None));
    assert!(
        !Condition::DataExists {
            path: "gone".into()
        }
        .holds(&data, None)
    );
    assert!(
        !Condition::DataAtMost {
            path: "missing".into(),
            value: 5
        }
        .holds(&data, None)
    );
}

#[test]
fn repeated_events_re_arm_one_run_instead_of_starting_many() {
    let (e, mut w) = (engine(), WaitingRuns::new());
    let data = cart();
    let mut last = None;
    for i in 0..10 {
        let at = t0() + Duration::minutes(10 * i);
        let ev = event("cart.updated", customer(7), &data, at);
        let out = e.on_event(&ev, None, &mut w);
        assert_eq!(out.started.len(), 1);
        assert_eq!(out.started[0].created_at, t0(), "the run keeps its start");
        assert_eq!(out.started[0].event_id, ev.event_id);
        last = Some(at);
    }
    assert_eq!(w.len(), 1);
    let due = last.expect("events") + Duration::minutes(120);
    assert_eq!(
        w.get("abandoned_cart", customer(7)).map(|r| r.due_at),
        Some(due)
    );
    assert!(e.due(due - Duration::seconds(1), &mut w).is_empty());
    assert_eq!(e.due(due, &mut w).len(), 1);
    assert!(e.due(due + Duration::days(1), &mut w).is_empty());
    // An older event delivered late does not pull the run earlier.
    e.on_event(
        &event(
            "cart.updated",
            customer(8),
            &data,
            t0() + Duration::hours(1),
        ),
        None,
        &mut w,
    );
    e.on_event(
        &event("cart.updated", customer(8), &data, t0()),
        None,
        &mut w,
    );
    assert_eq!(
        w.get("abandoned_cart", customer(8)).map(|r| r.due_at),
        Some(t0() + Duration::hours(3))
    );
}

#[test]
fn events_without_a_customer_or_for_inactive_chains_do_nothing() {
    let mut chains = TriggerChain::examples();
    chains[0].active = false;
    let e = TriggerEngine::new(chains);
    let mut w = WaitingRuns::new();
    let data = cart();
    assert!(
        e.on_event(
            &event("cart.updated", customer(1), &data, t0()),
            None,
            &mut w
        )
        .is_empty()
    );
    let anonymous = EventView {
        customer_id: None,
        ..event("customer.birthday", customer(1), &data, t0())
    };
    assert!(e.on_event(&anonymous, None, &mut w).is_empty());
    // A stored run of a chain switched off since is dropped when due, not fired.
    w.insert(Run {
        chain_id: "abandoned_cart".into(),
        customer_id: customer(2),
        due_at: t0(),
        event_id: EventId::new(),
        created_at: t0(),
    });
    assert!(e.due(t0(), &mut w).is_empty());
    assert!(w.is_empty());
}

#[test]
fn state_round_trips_through_storage() {
    let (e, mut w) = (engine(), WaitingRuns::new());
    let data = cart();
    for i in 0..5 {
        e.on_event(
            &event("cart.updated", customer(i), &data, t0()),
            None,
            &mut w,
        );
    }
    let stored: Vec<Run> = w.iter().map(|r| r.to_run()).collect();
    let json = serde_json::to_string(&stored).expect("serialise");
    let back: Vec<Run> = serde_json::from_str(&json).expect("parse");
    let mut w2 = WaitingRuns::from_runs(back);
    assert_eq!(w2.len(), 5);
    assert_eq!(e.due(t0() + Duration::hours(2), &mut w2).len(), 5);
    assert_eq!(
        w.remove("abandoned_cart", customer(0))
            .map(|r| r.customer_id),
        Some(customer(0))
    );
    assert_eq!(w.len(), 4);
}

#[test]
fn the_examples_are_valid() {
    for c in TriggerChain::examples() {
        assert_eq!(c.validate(), Ok(()), "{}", c.id);
    }
}

#[test]
fn validation_reports_every_field() {
    let bad = TriggerChain {
        id: "Abandoned Cart".into(),
        name: " ".into(),
        on: "cart".into(),
        conditions: vec![
            Condition::DataAtLeast {
                path: "cart..total".into(),
                value: 1,
            },
            Condition::Segment(String::new()),
        ],
        wait_minutes: MAX_WAIT_MINUTES + 1,
        action: Action::Message {
            template: "has space".into(),
        },
        unless: vec!["cart".into(), "order.placed".into(), "order.placed".into()],
        purpose: TriggerPurpose::Marketing,
        max_per_customer_per_day: 0,
        active: true,
    };
    let v = bad.validate().expect_err("invalid");
    let fields: Vec<(&str, &str)> = v
        .items()
        .iter()
        .map(|f| (f.field.as_str(), f.code))
        .collect();
    assert_eq!(
        fields,
        [
            ("id", "invalid"),
            ("name", "required"),
            ("on", "invalid"),
            ("conditions[0].path", "invalid"),
            ("conditions[1]", "required"),
            ("wait_minutes", "out_of_range"),
            ("action.template", "invalid"),
            ("unless[0]", "invalid"),
            ("unless[0]", "conflict"),
            ("unless[2]", "duplicate"),
            ("max_per_customer_per_day", "out_of_range"),
        ]
    );
    let gift = TriggerChain {
        action: Action::GiftPoints { points: 0 },
        ..TriggerChain::examples().remove(2)
    };
    let v = gift.validate().expect_err("invalid");
    assert_eq!(v.items()[0].field, "action.points");
}

#[test]
fn chains_round_trip_as_json() {
    let chains = TriggerChain::examples();
    let json = serde_json::to_value(&chains).expect("serialise");
    assert_eq!(json[0]["conditions"][0]["data_at_least"]["path"], "units");
    assert_eq!(json[2]["action"]["kind"], "gift_points");
    let back: Vec<TriggerChain> = serde_json::from_value(json).expect("parse");
    assert_eq!(back, chains);
}

#[test]
fn the_heap_stays_bounded_under_re_arming() {
    let (e, mut w) = (engine(), WaitingRuns::new());
    let data = cart();
    for i in 0..20_000 {
        let at = t0() + Duration::seconds(i);
        e.on_event(
            &event("cart.updated", customer(i as u128 % 10), &data, at),
            None,
            &mut w,
        );
    }
    assert_eq!(w.len(), 10);
    assert!(w.heap.len() <= 2 * w.len() + 1024 + 1, "{}", w.heap.len());
}

#[derive(Debug, Clone)]
enum Op {
    Cart(u8),
    Buy(u8),
    Pickup(u8),
    Advance(u16),
    Due,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..6).prop_map(Op::Cart),
        2 => (0u8..6).prop_map(Op::Buy),
        1 => (0u8..6).prop_map(Op::Pickup),
        3 => (0u16..200).prop_map(Op::Advance),
        2 => Just(Op::Due),
    ]
}

proptest! {
    /// Against a model: `due` never returns a run twice, never a cancelled one, never one
    /// early, and never misses one whose time has come.
    #[test]
    fn due_returns_each_live_run_once_at_its_time(ops in proptest::collection::vec(op(), 1..120)) {
        let (e, mut w) = (engine(), WaitingRuns::new());
        // (chain, customer) → (run token, due)
        let mut model: std::collections::BTreeMap<(String, u8), (u32, Timestamp)> = Default::default();
        let mut fired_tokens = std::collections::BTreeSet::new();
        let mut token = 0u32;
        let mut now = t0();
        let (data, none) = (cart(), json!({}));
        for op in ops {
            match op {
                Op::Cart(c) | Op::Buy(c) | Op::Pickup(c) => {
                    let kind = match op {
                        Op::Cart(_) => "cart.updated",
                        Op::Buy(_) => "order.placed",
                        _ => "order.ready_for_pickup",
                    };
                    let d = if kind == "cart.updated" { &data } else { &none };
                    let out = e.on_event(&event(kind, customer(u128::from(c)), d, now), None, &mut w);
                    for r in &out.cancelled {
                        prop_assert!(model.remove(&(r.chain_id.to_owned(), c)).is_some(), "cancelled a run not waiting");
                    }
                    for r in &out.started {
                        let key = (r.chain_id.to_owned(), c);
                        let tok = model.get(&key).map_or_else(|| { token += 1; token }, |m| m.0);
                        model.insert(key, (tok, r.due_at));
                    }
                    if kind == "order.placed" {
                        prop_assert!(!model.contains_key(&("abandoned_cart".to_owned(), c)));
                    }
                }
                Op::Advance(m) => now += Duration::minutes(i64::from(m)),
                Op::Due => {
                    for f in e.due(now, &mut w) {
                        prop_assert!(f.run.due_at <= now, "fired early");
                        let c = (0u8..6).find(|c| customer(u128::from(*c)) == f.run.customer_id).expect("customer");
                        let m = model.remove(&(f.chain.id.clone(), c));
                        let (tok, due) = m.expect("fired a run that was not waiting (cancelled or already fired)");
                        prop_assert_eq!(due, f.run.due_at);
                        prop_assert!(fired_tokens.insert(tok), "fired twice");
                    }
                    prop_assert!(model.values().all(|(_, due)| *due > now), "a due run was missed");
                }
            }
            prop_assert_eq!(w.len(), model.len());
            prop_assert_eq!(w.next_due(), model.values().map(|m| m.1).min());
        }
    }
}

#[test]
fn the_engine_says_which_events_need_a_derived_score() {
    let mut chains = TriggerChain::examples();
    assert!(!TriggerEngine::new(chains.clone()).reads_data("cart.updated", BUY_PROBABILITY_PATH));
    chains[0].conditions.push(Condition::DataAtMost {
        path: BUY_PROBABILITY_PATH.into(),
        value: 40,
    });
    let e = TriggerEngine::new(chains.clone());
    assert!(e.reads_data("cart.updated", BUY_PROBABILITY_PATH));
    assert!(
        !e.reads_data("order.placed", BUY_PROBABILITY_PATH),
        "order.placed only cancels"
    );
    assert!(e.reads_data("cart.updated", "units"));
    chains[0].active = false;
    let inactive = TriggerEngine::new(chains);
    assert!(!inactive.reads_data("cart.updated", BUY_PROBABILITY_PATH));
}
