//! Criterion benchmarks of the inventory hot paths: availability near a point over a city's
//! worth of stores (the near-me request does this per call) and the ledger checks every
//! movement and hold runs.

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use omni_domain::inventory::{
    ChannelRule, Movement, MovementKind, NearbyQuery, Sku, StockAt, StockLevel, nearby,
};
use omni_domain::network::{Capability, Location, LocationKind, LocationStatus, OpeningHours};
use omni_kernel::{Channel, CountryCode, GeoPoint, LocationId, TenantId};

fn stores(n: usize) -> Vec<StockAt> {
    (0..n)
        .map(|i| {
            let f = i as f64 / n as f64;
            StockAt {
                location: Location {
                    id: LocationId::new(),
                    tenant_id: TenantId::new(),
                    code: format!("MSK-{i:03}"),
                    name: format!("Store {i}"),
                    kind: LocationKind::Store,
                    status: LocationStatus::Active,
                    country: CountryCode::parse("RU").expect("code"),
                    city: "Москва".into(),
                    address: "-".into(),
                    geo: GeoPoint::new(55.6 + 0.3 * f, 37.4 + 0.4 * (1.0 - f)).expect("geo"),
                    time_zone: "Europe/Moscow".into(),
                    opening_hours: OpeningHours::every_day("10:00", "22:00"),
                    capabilities: [Capability::SellInStore, Capability::Pickup].into(),
                    daily_order_capacity: None,
                    version: 1,
                    created_at: Utc::now(),
                    updated_at: Utc::now(),
                },
                level: StockLevel {
                    on_hand: (i % 7) as i64,
                    reserved: 0,
                    safety_stock: 1,
                    in_transit: 0,
                },
            }
        })
        .collect()
}

fn availability(c: &mut Criterion) {
    let stock = stores(150);
    let sku = Sku::parse("SKU-000042").expect("sku");
    let query = NearbyQuery::parse(55.7558, 37.6173, Some(15.0), None).expect("query");
    let rule = ChannelRule::default_for(Some(Channel::Web));
    let now = Utc::now();
    c.bench_function("nearby over 150 stores", |b| {
        b.iter(|| nearby(black_box(&sku), &query, black_box(&stock), &rule, now))
    });
}

fn ledger(c: &mut Criterion) {
    let level = StockLevel {
        on_hand: 100,
        reserved: 10,
        safety_stock: 2,
        in_transit: 0,
    };
    let sale = Movement {
        kind: MovementKind::Sale,
        quantity: -3,
    };
    c.bench_function("reserve + commit + apply", |b| {
        b.iter(|| {
            let held = black_box(level).reserve(2).expect("available");
            let (sold, _) = held.commit(2).expect("held");
            sold.apply(sale).expect("on hand")
        })
    });
}

criterion_group!(benches, availability, ledger);
criterion_main!(benches);
