//! Sourcing behaviour: single source versus split, the parcel limit, capacity, express and
//! pickup eligibility, times, rule changes, determinism, invariants under random stock,
//! simulation and rule validation.

use chrono::{Duration, TimeZone, Utc};
use omni_kernel::id::Ulid;
use proptest::prelude::*;

use super::*;

const MSK: Tz = chrono_tz::Europe::Moscow;

/// 2026-11-23 (a Monday) at `h:m` UTC; Moscow is UTC+3.
fn utc(h: u32, m: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0)
        .single()
        .expect("valid")
}

/// Noon in Moscow: stores (10:00–22:00) are open.
fn noon() -> Timestamp {
    utc(9, 0)
}

fn id(n: u128) -> LocationId {
    LocationId::from_ulid(Ulid(n))
}

/// The customer, in central Moscow.
fn customer() -> GeoPoint {
    GeoPoint::new(55.75, 37.62).expect("geo")
}

/// A point `km` north of the customer (1° of latitude ≈ 111.2 km).
fn north(km: f64) -> GeoPoint {
    GeoPoint::new(55.75 + km / 111.2, 37.62).expect("geo")
}

fn store(n: u128, at: GeoPoint) -> Candidate {
    Candidate {
        location_id: id(n),
        kind: LocationKind::Store,
        geo: at,
        tz: MSK,
        hours: OpeningHours::every_day("10:00", "22:00"),
        ships: true,
        express: true,
        pickup: true,
        capacity: None,
        load_today: 0,
    }
}

fn warehouse(n: u128, at: GeoPoint) -> Candidate {
    Candidate {
        kind: LocationKind::Warehouse,
        hours: OpeningHours::always(),
        express: false,
        pickup: false,
        ..store(n, at)
    }
}

fn lines(quantities: &[u32]) -> Vec<Demand> {
    quantities
        .iter()
        .enumerate()
        .map(|(i, q)| Demand {
            sku: format!("SKU-{i}"),
            quantity: *q,
        })
        .collect()
}

fn request(lines: &[Demand], route: Route, now: Timestamp) -> SourcingRequest<'_> {
    SourcingRequest {
        lines,
        destination: customer(),
        route,
        now,
    }
}

fn run(
    demand: &[u32],
    route: Route,
    candidates: &[Candidate],
    stock: &[&[u32]],
    rules: &SourcingRules,
) -> Result<Plan, SourcingError> {
    let lines = lines(demand);
    let available: Vec<u32> = stock.iter().flat_map(|row| row.iter().copied()).collect();
    source(
        &request(&lines, route, noon()),
        candidates,
        &available,
        rules,
    )
}

fn sources(plan: &Plan) -> Vec<LocationId> {
    plan.shipments.iter().map(|s| s.location_id).collect()
}

fn taken(plan: &Plan, location: LocationId) -> Vec<(usize, u32)> {
    plan.shipments
        .iter()
        .filter(|s| s.location_id == location)
        .flat_map(|s| s.lines.iter().map(|l| (l.line, l.quantity)))
        .collect()
}

#[test]
fn a_store_with_everything_wins_over_a_nearer_split() {
    let candidates = [
        store(1, north(15.0)),
        store(2, north(1.0)),
        store(3, north(1.5)),
    ];
    let stock: [&[u32]; 3] = [&[5, 5], &[5, 0], &[0, 5]];
    let plan = run(
        &[1, 1],
        Route::Ship,
        &candidates,
        &stock,
        &SourcingRules::default(),
    )
    .expect("plan");
    assert_eq!(sources(&plan), [id(1)]);
    assert_eq!(taken(&plan, id(1)), [(0, 1), (1, 1)]);
    // 15 km at ₽1/km on top of ₽150 handling.
    assert!((16_500..=16_510).contains(&plan.cost), "{}", plan.cost);
}

#[test]
fn an_order_is_split_only_when_no_single_location_has_everything() {
    let candidates = [
        store(1, north(2.0)),
        store(2, north(3.0)),
        store(3, north(40.0)),
    ];
    let stock: [&[u32]; 3] = [&[5, 0, 1], &[1, 5, 0], &[0, 1, 9]];
    let plan = run(
        &[3, 2, 1],
        Route::Ship,
        &candidates,
        &stock,
        &SourcingRules::default(),
    )
    .expect("plan");
    assert_eq!(sources(&plan), [id(1), id(2)]);
    // Exactly what is needed, each line from one source.
    assert_eq!(taken(&plan, id(1)), [(0, 3), (2, 1)]);
    assert_eq!(taken(&plan, id(2)), [(1, 2)]);
    assert_eq!(
        plan.cost,
        plan.shipments.iter().map(|s| s.cost).sum::<i64>()
    );
}

#[test]
fn one_line_may_come_from_several_places_when_none_has_enough() {
    let candidates = [store(1, north(2.0)), store(2, north(3.0))];
    let stock: [&[u32]; 2] = [&[2], &[3]];
    let plan = run(
        &[4],
        Route::Ship,
        &candidates,
        &stock,
        &SourcingRules::default(),
    )
    .expect("plan");
    assert_eq!(plan.parcels(), 2);
    assert_eq!(plan.quantity_of(0), 4);
}

#[test]
fn a_nearer_split_beats_a_far_single_source_unless_parcels_cost_too_much() {
    let spb = GeoPoint::new(59.93, 30.33).expect("geo");
    let candidates = [
        warehouse(1, spb),
        store(2, north(1.0)),
        store(3, north(2.0)),
    ];
    let stock: [&[u32]; 3] = [&[50, 50], &[5, 0], &[0, 5]];
    let rules = SourcingRules::default();
    let plan = run(&[1, 1], Route::Ship, &candidates, &stock, &rules).expect("plan");
    assert_eq!(sources(&plan), [id(2), id(3)]);
    let costly = SourcingRules {
        parcel_penalty: 100_000.0,
        ..rules
    };
    let plan = run(&[1, 1], Route::Ship, &candidates, &stock, &costly).expect("plan");
    assert_eq!(sources(&plan), [id(1)]);
}

#[test]
fn max_parcels_one_refuses_a_split() {
    let candidates = [store(1, north(2.0)), store(2, north(3.0))];
    let stock: [&[u32]; 2] = [&[5, 1], &[0, 5]];
    let rules = SourcingRules {
        max_parcels: 1,
        ..Default::default()
    };
    let err = run(&[3, 2], Route::Ship, &candidates, &stock, &rules).expect_err("no split");
    // Store 1 covers most; line 1 is what it lacks.
    assert_eq!(err, SourcingError::Unfulfillable { lines: vec![1] });
    let ok = run(
        &[3, 2],
        Route::Ship,
        &candidates,
        &stock,
        &SourcingRules::default(),
    );
    assert_eq!(ok.map(|p| p.parcels()), Ok(2));
}

#[test]
fn lines_short_everywhere_are_reported() {
    let candidates = [store(1, north(2.0)), store(2, north(3.0))];
    let stock: [&[u32]; 2] = [&[5, 1, 0], &[0, 1, 0]];
    let err = run(
        &[1, 3, 1],
        Route::Ship,
        &candidates,
        &stock,
        &SourcingRules::default(),
    );
    assert_eq!(err, Err(SourcingError::Unfulfillable { lines: vec![1, 2] }));
}

#[test]
fn a_location_at_its_daily_capacity_is_skipped() {
    let mut near = store(1, north(1.0));
    near.capacity = Some(10);
    near.load_today = 9;
    let mut candidates = [near, store(2, north(10.0))];
    let stock: [&[u32]; 2] = [&[5], &[5]];
    // Load weighs nothing here, so only the capacity limit can move the order.
    let rules = SourcingRules {
        load_weight: 0.0,
        ..Default::default()
    };
    let plan = run(&[1], Route::Ship, &candidates, &stock, &rules).expect("plan");
    assert_eq!(sources(&plan), [id(1)]);
    candidates[0].load_today = 10;
    let plan = run(&[1], Route::Ship, &candidates, &stock, &rules).expect("plan");
    assert_eq!(sources(&plan), [id(2)]);
}

#[test]
fn express_takes_an_open_near_store_only_and_never_splits() {
    let lines = lines(&[1, 1]);
    let rules = SourcingRules::default();
    let near = [store(1, north(3.0))];
    let both: &[u32] = &[2, 2];
    let express = |now, candidates: &[Candidate], available: &[u32]| {
        source(
            &request(&lines, Route::Express, now),
            candidates,
            available,
            &rules,
        )
    };
    // Open at noon: ready in pick time, arrives within the hour.
    let plan = express(noon(), &near, both).expect("open");
    assert_eq!(plan.ready_at, noon() + Duration::minutes(30));
    assert!(plan.arrives_at < noon() + Duration::hours(1));
    // 08:00 Moscow: opens at 10:00 today, so it is still same-day.
    let plan = express(utc(5, 0), &near, both).expect("opens later today");
    assert_eq!(plan.ready_at, utc(7, 30));
    // 23:00 Moscow: closed until tomorrow.
    let closed = express(utc(20, 0), &near, both);
    assert_eq!(
        closed,
        Err(SourcingError::Unfulfillable { lines: vec![0, 1] })
    );
    // 40 km is beyond the 30 km radius.
    let far = [store(1, north(40.0))];
    assert!(express(noon(), &far, both).is_err());
    // Two near stores with one line each: a courier split is fine, an express one is not.
    let halves = [store(1, north(2.0)), store(2, north(3.0))];
    let stock = [1, 0, 0, 1];
    assert!(express(noon(), &halves, &stock).is_err());
    let courier = source(
        &request(&lines, Route::Ship, noon()),
        &halves,
        &stock,
        &rules,
    );
    assert_eq!(courier.map(|p| p.parcels()), Ok(2));
    // A warehouse has no express courier.
    let wh = [warehouse(1, north(1.0))];
    assert!(express(noon(), &wh, both).is_err());
}

#[test]
fn courier_delivery_arrives_the_next_day_at_the_earliest() {
    let candidates = [warehouse(1, north(5.0))];
    let rules = SourcingRules {
        handling_hours: 0,
        ..Default::default()
    };
    let plan = run(&[1], Route::Ship, &candidates, &[&[3]], &rules).expect("plan");
    // Midnight in Moscow is 21:00 UTC.
    assert_eq!(plan.arrives_at, utc(21, 0));
    // A store closed now picks when it opens: 10:00 Moscow tomorrow, plus 30 min.
    let lines = lines(&[1]);
    let late = utc(20, 0);
    let plan = source(
        &request(&lines, Route::Ship, late),
        &[store(2, north(5.0))],
        &[3],
        &rules,
    )
    .expect("plan");
    assert_eq!(plan.ready_at, utc(7, 30) + Duration::days(1));
}

#[test]
fn pickup_at_a_store_that_has_everything_is_ready_today() {
    let mut pickup_only = store(1, north(5.0));
    pickup_only.ships = false;
    let candidates = [pickup_only, warehouse(2, north(1.0))];
    let stock: [&[u32]; 2] = [&[2, 1], &[50, 50]];
    let plan = run(
        &[1, 1],
        Route::PickupAt(id(1)),
        &candidates,
        &stock,
        &SourcingRules::default(),
    )
    .expect("plan");
    assert_eq!(sources(&plan), [id(1)]);
    assert_eq!(plan.arrives_at, noon() + Duration::minutes(30));
    assert_eq!(plan.shipments[0].distance_km, 0.0);
}

#[test]
fn pickup_at_a_store_missing_a_line_waits_for_a_transfer() {
    let candidates = [store(1, north(5.0)), warehouse(2, north(30.0))];
    let stock: [&[u32]; 2] = [&[2, 0], &[50, 50]];
    let plan = run(
        &[1, 1],
        Route::PickupAt(id(1)),
        &candidates,
        &stock,
        &SourcingRules::default(),
    )
    .expect("plan");
    assert!(sources(&plan).contains(&id(2)), "{plan:?}");
    assert_eq!(plan.quantity_of(1), 1);
    // A day of transfer, then the store must be open to hand it out.
    assert!(plan.arrives_at >= noon() + Duration::days(1), "{plan:?}");
    assert!(OpeningHours::every_day("10:00", "22:00").is_open_at(MSK, plan.arrives_at));
    // The distance counted is the transfer's, warehouse to store (25 km).
    let from_wh = &plan.shipments[plan.shipments.len() - 1];
    assert!((24.0..26.0).contains(&from_wh.distance_km), "{from_wh:?}");
}

#[test]
fn pickup_needs_a_known_store_that_hands_out_orders() {
    let candidates = [warehouse(2, north(1.0))];
    let stock: [&[u32]; 1] = [&[5]];
    let rules = SourcingRules::default();
    let unknown = run(&[1], Route::PickupAt(id(9)), &candidates, &stock, &rules);
    assert_eq!(unknown, Err(SourcingError::PickupStoreUnknown));
    let no_pickup = run(&[1], Route::PickupAt(id(2)), &candidates, &stock, &rules);
    assert_eq!(no_pickup, Err(SourcingError::PickupNotOffered));
}

#[test]
fn malformed_requests_are_refused() {
    let candidates = [store(1, north(1.0))];
    let rules = SourcingRules::default();
    assert_eq!(
        run(&[], Route::Ship, &candidates, &[], &rules),
        Err(SourcingError::NoLines)
    );
    assert_eq!(
        run(&[0], Route::Ship, &candidates, &[&[1]], &rules),
        Err(SourcingError::NoLines)
    );
    assert_eq!(
        run(&[1, 1], Route::Ship, &candidates, &[&[1]], &rules),
        Err(SourcingError::StockShape {
            expected: 2,
            actual: 1
        })
    );
}

#[test]
fn a_rule_change_changes_the_choice() {
    // Store 1 is near but would sell its last units; store 2 is farther with deep stock.
    let candidates = [store(1, north(5.0)), store(2, north(20.0))];
    let stock: [&[u32]; 2] = [&[1, 1], &[10, 10]];
    let rules = SourcingRules::default();
    let pick = |rules: &SourcingRules| {
        run(&[1, 1], Route::Ship, &candidates, &stock, rules).map(|p| sources(&p))
    };
    assert_eq!(pick(&rules), Ok(vec![id(2)]));
    let distance = SourcingRules {
        distance_weight: 50.0,
        ..rules.clone()
    };
    assert_eq!(pick(&distance), Ok(vec![id(1)]));
    let mut priority = SourcingRules {
        depth_weight: 0.0,
        ..rules.clone()
    };
    assert_eq!(pick(&priority), Ok(vec![id(1)]));
    priority.location_priority.insert(id(2), 10);
    assert_eq!(pick(&priority), Ok(vec![id(2)]));
}

#[test]
fn ties_go_to_the_lower_location_id_whatever_the_order() {
    let at = north(4.0);
    let stock: [&[u32]; 2] = [&[3], &[3]];
    let rules = SourcingRules::default();
    let a = run(
        &[1],
        Route::Ship,
        &[store(7, at), store(3, at)],
        &stock,
        &rules,
    );
    let b = run(
        &[1],
        Route::Ship,
        &[store(3, at), store(7, at)],
        &stock,
        &rules,
    );
    assert_eq!(a.as_ref().map(sources), Ok(vec![id(3)]));
    assert_eq!(a, b);
}

#[test]
fn rules_are_validated_per_field() {
    assert_eq!(SourcingRules::default().validate(), Ok(()));
    let mut rules = SourcingRules {
        distance_weight: -1.0,
        time_weight: f64::NAN,
        max_parcels: 0,
        courier_kmh: 0,
        cost_per_km: -5,
        ..Default::default()
    };
    rules.location_priority.insert(id(1), 5000);
    let err = rules.validate().expect_err("invalid");
    let fields: Vec<_> = err
        .items()
        .iter()
        .map(|v| (v.field.as_str(), v.code))
        .collect();
    let priority = format!("location_priority.{}", id(1));
    assert_eq!(
        fields,
        [
            ("distance_weight", "out_of_range"),
            ("time_weight", "out_of_range"),
            ("max_parcels", "out_of_range"),
            ("courier_kmh", "out_of_range"),
            ("cost_per_km", "out_of_range"),
            (priority.as_str(), "out_of_range"),
        ]
    );
}

#[test]
fn rules_round_trip_as_json_with_defaults_for_missing_fields() {
    let mut rules = SourcingRules {
        max_parcels: 2,
        ..Default::default()
    };
    rules.location_priority.insert(id(1), 3);
    let json = serde_json::to_string(&rules).expect("ser");
    assert_eq!(
        serde_json::from_str::<SourcingRules>(&json).ok(),
        Some(rules)
    );
    let partial: SourcingRules = serde_json::from_str(r#"{"max_parcels": 1}"#).expect("parse");
    assert_eq!(partial.max_parcels, 1);
    assert_eq!(partial.parcel_cost, SourcingRules::default().parcel_cost);
    assert!(serde_json::from_str::<SourcingRules>(r#"{"max_parcel": 1}"#).is_err());
}

#[test]
fn simulation_shows_fewer_splits_under_a_stricter_draft() {
    let spb = GeoPoint::new(59.93, 30.33).expect("geo");
    let candidates = [
        warehouse(1, spb),
        store(2, north(1.0)),
        store(3, north(2.0)),
    ];
    // The two stores can serve three orders between them before selling out.
    let stock: StockBySku = [
        ("SKU-0".to_string(), vec![100, 3, 0]),
        ("SKU-1".to_string(), vec![100, 0, 3]),
    ]
    .into();
    let orders: Vec<SimulatedOrder> = (0..5)
        .map(|i| SimulatedOrder {
            lines: lines(&[1, 1]),
            destination: customer(),
            route: Route::Ship,
            at: noon() + Duration::minutes(i),
        })
        .collect();
    let current = SourcingRules::default();
    let single = SourcingRules {
        max_parcels: 1,
        ..Default::default()
    };
    let report = simulate(&orders, &candidates, &stock, &current, &single);
    assert_eq!(report.current.orders, 5);
    assert_eq!(report.current.splits, 3, "{report:?}");
    assert_eq!(report.current.parcels, 3 * 2 + 2);
    assert_eq!(report.draft.splits, 0);
    assert_eq!(report.draft.parcels, 5);
    assert_eq!(report.draft.unfulfilled, 0);
    assert_eq!(report.changed_orders, 3);
    assert!(report.draft.cost > report.current.cost);
    assert!(report.draft.mean_hours_to_customer > report.current.mean_hours_to_customer);
    assert_eq!(report.draft.load[0].location_id, id(1));
    assert_eq!(report.draft.load[0].orders, 5);
    assert_eq!(report.current.load[0].orders, 3);

    let penalty = SourcingRules {
        parcel_penalty: 100_000.0,
        ..Default::default()
    };
    let report = simulate(&orders, &candidates, &stock, &current, &penalty);
    assert_eq!(report.draft.splits, 0);
    assert!(report.draft.splits < report.current.splits);
}

#[test]
fn simulation_consumes_capacity_and_resets_it_the_next_day() {
    let mut near = store(1, north(1.0));
    near.capacity = Some(2);
    let candidates = [near, store(2, north(10.0))];
    let stock: StockBySku = [("SKU-0".to_string(), vec![100, 100])].into();
    let order = |at| SimulatedOrder {
        lines: lines(&[1]),
        destination: customer(),
        route: Route::Ship,
        at,
    };
    let tomorrow = noon() + Duration::days(1);
    let orders = [order(noon()), order(noon()), order(noon()), order(tomorrow)];
    let rules = SourcingRules {
        load_weight: 0.0,
        ..Default::default()
    };
    let report = simulate(&orders, &candidates, &stock, &rules, &rules);
    let by_location: Vec<_> = report
        .current
        .load
        .iter()
        .map(|l| (l.location_id, l.orders))
        .collect();
    assert_eq!(by_location, [(id(1), 3), (id(2), 1)]);
    assert_eq!(report.changed_orders, 0);
}

proptest! {
    #[test]
    fn a_plan_takes_what_is_available_and_exactly_what_is_ordered(
        n_cand in 1usize..8,
        demand in prop::collection::vec(1u32..4, 1..5),
        cells in prop::collection::vec(0u32..5, 8 * 5),
        spots in prop::collection::vec((0.0f64..60.0, 0.0f64..60.0), 8),
        max_parcels in 1u32..5,
    ) {
        let n = demand.len();
        let candidates: Vec<Candidate> = (0..n_cand)
            .map(|c| {
                let (dn, de) = spots[c];
                let at = GeoPoint::new(55.75 + dn / 111.2, 37.62 + de / 62.7).expect("geo");
                if c % 3 == 0 { warehouse(c as u128 + 1, at) } else { store(c as u128 + 1, at) }
            })
            .collect();
        let available: Vec<u32> = cells[..n_cand * n].to_vec();
        let rules = SourcingRules { max_parcels, ..Default::default() };
        let lines = lines(&demand);
        let result = source(&request(&lines, Route::Ship, noon()), &candidates, &available, &rules);
        let total = |l: usize| (0..n_cand).map(|c| available[c * n + l]).sum::<u32>();
        match result {
            Ok(plan) => {
                prop_assert!(plan.parcels() <= max_parcels as usize);
                for (l, q) in demand.iter().enumerate() {
                    prop_assert_eq!(plan.quantity_of(l), u64::from(*q));
                }
                let mut seen = Vec::new();
                for s in &plan.shipments {
                    prop_assert!(!s.lines.is_empty());
                    prop_assert!(!seen.contains(&s.location_id));
                    seen.push(s.location_id);
                    let c = candidates.iter().position(|c| c.location_id == s.location_id);
                    let c = c.expect("a candidate");
                    for sl in &s.lines {
                        prop_assert!(sl.quantity > 0);
                        prop_assert!(sl.quantity <= available[c * n + sl.line]);
                    }
                }
                prop_assert_eq!(plan.cost, plan.shipments.iter().map(|s| s.cost).sum::<i64>());
            }
            Err(SourcingError::Unfulfillable { lines }) => {
                prop_assert!(!lines.is_empty());
                // With parcels enough for every candidate, only a real shortage refuses.
                let short: Vec<usize> = (0..n).filter(|&l| total(l) < demand[l]).collect();
                if max_parcels as usize >= n_cand || !short.is_empty() {
                    prop_assert_eq!(lines, short);
                }
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
